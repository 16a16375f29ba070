/*
 * privileges.c — who runs as whom: the one place wfauth changes the user,
 * the security context or the settings it runs under, and the one
 * definition of a DBA.
 *
 * A DBA is a superuser or a member of the role named by wfauth.admin_role,
 * judged on the role the session acts as (PostgreSQL's outer user: the
 * login role or SET ROLE), which no SECURITY DEFINER function changes.
 * Inside a security-restricted operation (REFRESH MATERIALIZED VIEW, index
 * builds, VACUUM, ANALYZE, and wfauth's own work as a table's owner) the
 * code that runs is a table owner's: there nobody is a DBA.
 *
 * Every piece of C code that runs SQL does so between wfauth_pin() and
 * wfauth_unpin() as the current user, or between wfauth_enter() and
 * wfauth_leave(), saying whom it runs as:
 *
 *   WFAUTH_AS_OWNER      the owner of a relation, in a security-restricted
 *                        operation (PostgreSQL's rule for REFRESH
 *                        MATERIALIZED VIEW and index builds, matview.c): the
 *                        owner's triggers, constraints and index expressions
 *                        run with the owner's privileges and no more
 *   WFAUTH_AS_EXTENSION  the owner of wfauth's own tables (a superuser), for
 *                        wfauth's writes to them on behalf of a caller it has
 *                        already checked
 *
 * In each, search_path is pinned to pg_catalog, pg_temp, and whatever the
 * code run sets (its own set_config, SET in its functions) is rolled back
 * when control returns: nothing the owner's code does outlives it, as
 * PostgreSQL does after REFRESH MATERIALIZED VIEW.  An error rolls all of it
 * back with the (sub)transaction.
 *
 * wfauth's SQL functions say whom they run as in their definitions:
 * SECURITY DEFINER (the extension's owner) or the caller, each with
 * SET search_path = pg_catalog, pg_temp.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"

#include "wfauth.h"

static char *admin_role_setting = NULL;

void
WfauthPrivilegesInit(void)
{
	DefineCustomStringVariable("wfauth.admin_role",
							   "Members of this role act as wfauth DBAs (like superusers).",
							   "Empty means only superusers are wfauth DBAs.",
							   &admin_role_setting,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
}

/* Is role a superuser or a member of wfauth.admin_role? */
bool
wfauth_role_is_dba(Oid role)
{
	Oid			admin;

	if (superuser_arg(role))
		return true;
	if (admin_role_setting == NULL || admin_role_setting[0] == '\0')
		return false;
	admin = get_role_oid(admin_role_setting, true);
	return OidIsValid(admin) && is_member_of_role(role, admin);
}

/* Is a DBA acting, as itself? */
bool
wfauth_actor_is_dba(void)
{
	return !InSecurityRestrictedOperation() && wfauth_role_is_dba(GetOuterUserId());
}

/*
 * Open a setting level with wfauth's search_path.  wfauth_leave() (or
 * wfauth_unpin()) closes it, rolling back every setting made inside.
 */
static int
pin_settings(void)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/* Go on as the current user, settings pinned; returns the level for wfauth_unpin(). */
int
wfauth_pin(void)
{
	return pin_settings();
}

void
wfauth_unpin(int level)
{
	AtEOXact_GUC(false, level);
}

/*
 * Switch to whom the code that follows runs as (relid: the relation whose
 * owner WFAUTH_AS_OWNER means; wfauth's principals table for
 * WFAUTH_AS_EXTENSION).
 */
void
wfauth_enter(WfauthRunAs who, Oid relid, WfauthSwitch *saved)
{
	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	switch (who)
	{
		case WFAUTH_AS_OWNER:
			SetUserIdAndSecContext(wfauth_relation_owner(relid),
								   saved->sec_context | SECURITY_LOCAL_USERID_CHANGE |
								   SECURITY_RESTRICTED_OPERATION);
			break;
		case WFAUTH_AS_EXTENSION:
			SetUserIdAndSecContext(wfauth_relation_owner(wfauth_table_oid(WFAUTH_PRINCIPALS)),
								   saved->sec_context | SECURITY_LOCAL_USERID_CHANGE);
			break;
	}
	saved->level = pin_settings();
}

/* Back to the user, security context and settings before wfauth_enter(). */
void
wfauth_leave(WfauthSwitch *saved)
{
	AtEOXact_GUC(false, saved->level);
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}
