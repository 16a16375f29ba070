/*
 * principal.c — who is acting: the principal of the current transaction,
 * and the tenant it acts in.
 *
 * The principal, its login session and the acting tenant (the principal's,
 * or the one a DBA chose with set_tenant) are kept in the setting
 * wfauth.principal, always set with
 * GUC_ACTION_LOCAL.  That buys exactly the semantics the contract asks for
 * from PostgreSQL's own machinery: the value ends with the transaction (a
 * pooled connection never carries it into the next one), ROLLBACK TO
 * SAVEPOINT restores the previous value, and parallel workers receive it
 * with the rest of the leader's settings.  A check hook refuses every
 * assignment that does not come from this file (or from a parallel worker
 * restoring its leader's state), so SET, set_config(), ALTER ROLE ... SET,
 * PGOPTIONS and the configuration file cannot forge it.
 *
 * Who is a DBA is privileges.c's to say.
 *
 * Acting in a tenant other than the default one holds a share lock on it
 * until the end of the transaction, which delete_tenant takes exclusively.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"

#include "wfauth.h"

static char *principal_setting = NULL;
static bool require_principal = false;
static int64 current_principal = 0;
static int64 current_session = 0;	/* the login session it came from, if any */
static int64 current_tenant = 0;	/* the acting tenant; 0 for the default one */
static bool super_admin_mode = false;	/* super_admin_mode() was called (DESIGN §9) */
static int	remote_acting = 0;	/* acting for another Citus node: 1, no DBA; 2, a DBA (cluster.c) */
static bool principal_assignment_allowed = false;
static void set_acting(int64 id, int64 session, int64 tenant, bool mode);
static ExecutorStart_hook_type prev_executor_start = NULL;

static void refuse_without_principal(QueryDesc *queryDesc, int eflags);

static bool
check_principal(char **newval, void **extra, GucSource source)
{
	if (principal_assignment_allowed || InitializingParallelWorker ||
		source == PGC_S_DEFAULT)
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("parameter \"wfauth.principal\" cannot be set directly");
	GUC_check_errhint("Use wfauth.authenticate_token(), wfauth.authenticate_session(), wfauth.login() or wfauth.set_principal().");
	return false;
}

/*
 * The fields of a wfauth.principal value, "principal:session:tenant:mode[:remote]",
 * each 0 when missing (fields[4]: 0 local, 1 for another node with no DBA's
 * rights, 2 for another node with a DBA's).
 */
static void
parse_acting(const char *value, int64 fields[5])
{
	char	   *end = NULL;
	int			i;

	memset(fields, 0, 5 * sizeof(int64));
	if (value == NULL || value[0] == '\0')
		return;
	fields[0] = strtoi64(value, &end, 10);
	for (i = 1; i < 5 && end && *end == ':'; i++)
		fields[i] = strtoi64(end + 1, &end, 10);
}

/* bumped at every assignment of wfauth.principal (cluster.c's cache key) */
static uint64 principal_generation = 0;

static void
assign_principal(const char *newval, void *extra)
{
	int64		fields[5];

	principal_generation++;

	parse_acting(newval, fields);
	current_principal = fields[0];
	current_session = fields[1];
	current_tenant = fields[2];
	super_admin_mode = fields[3] != 0;
	remote_acting = (int) fields[4];
}

void
WfauthPrincipalInit(void)
{
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = refuse_without_principal;
	DefineCustomStringVariable("wfauth.principal",
							   "The acting principal of the current transaction (read-only).",
							   "Set only by wfauth's authentication functions; it lasts one transaction.",
							   &principal_setting,
							   "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE |
							   GUC_NO_RESET_ALL,
							   check_principal, assign_principal, NULL);

	DefineCustomBoolVariable("wfauth.require_principal",
							 "Reading or writing a protected table with no principal is an error (28000), not zero rows.",
							 "A DBA with no principal keeps its rights. Set it per role or per database for the application's role.",
							 &require_principal,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* wfauth.principal's current value */
const char *
wfauth_principal_setting(void)
{
	return principal_setting ? principal_setting : "";
}

/*
 * How many times wfauth.principal has been assigned (also when a rollback
 * restores it): a value's address says nothing, since a freed value's
 * memory holds the next one.
 */
uint64
wfauth_principal_generation(void)
{
	return principal_generation;
}

int64
wfauth_current_principal_id(void)
{
	wfauth_cluster_take_assertion();
	return current_principal;
}

/* The acting tenant: the principal's, or the one a DBA chose, or the default. */
int64
wfauth_current_tenant(void)
{
	wfauth_cluster_take_assertion();
	return current_tenant != 0 ? current_tenant : WFAUTH_DEFAULT_TENANT;
}

/*
 * Make id the acting principal until the end of the transaction (0 clears),
 * noting the login session it authenticated with (0: none); its tenant acts
 * with it.  Callers have checked that the caller may do so.
 */
void
wfauth_set_principal_id(int64 id, int64 session)
{
	wfauth_set_acting(id, session, id != 0 ? wfauth_context(id)->tenant : 0);
}

/*
 * The principal, its login session and the acting tenant, for the rest of
 * the transaction: a local setting of wfauth.principal, so parallel workers
 * inherit it and the end of the transaction forgets it.
 */
void
wfauth_set_acting(int64 id, int64 session, int64 tenant)
{
	set_acting(id, session, tenant, false);
}

/*
 * Super Admin mode, for the rest of the transaction (or until the principal
 * changes): the acting principal's Super Admin rights count where its
 * tenant requires the mode.  The caller has checked that it is a Super Admin.
 */
void
wfauth_enter_super_admin_mode(void)
{
	set_acting(current_principal, current_session, current_tenant, true);
}

/* Does principal act in Super Admin mode? */
bool
wfauth_in_super_admin_mode(int64 principal)
{
	return super_admin_mode && principal == current_principal && principal != 0;
}

/* Set wfauth.principal to value, for the rest of the transaction */
static void
install_acting(const char *value)
{
	principal_assignment_allowed = true;
	PG_TRY();
	{
		(void) set_config_option("wfauth.principal", value,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, ERROR, false);
	}
	PG_FINALLY();
	{
		principal_assignment_allowed = false;
	}
	PG_END_TRY();
}

static void
set_acting(int64 id, int64 session, int64 tenant, bool mode)
{
	char		buf[100];

	/* the principal is the session's: code of another role neither sets nor clears it */
	wfauth_refuse_in_others_code(true);
	if (remote_acting != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the acting principal of another node's distributed transaction cannot change here")));
	if (tenant == WFAUTH_DEFAULT_TENANT)
		tenant = 0;
	/*
	 * Whoever acts in a tenant holds a share lock on it until the end of the
	 * transaction; delete_tenant takes it exclusively, so it waits for them
	 * and they for it.  Then read what it committed: the caller checks that
	 * its principal (and tenant) still exist.  The default tenant is never
	 * deleted.
	 */
	if (tenant != 0 && !(mode && tenant == current_tenant))
		wfauth_lock_tenant(tenant, AccessShareLock);
	if (mode)
		snprintf(buf, sizeof(buf), INT64_FORMAT ":" INT64_FORMAT ":" INT64_FORMAT ":1", id, session, tenant);
	else if (tenant != 0)
		snprintf(buf, sizeof(buf), INT64_FORMAT ":" INT64_FORMAT ":" INT64_FORMAT, id, session, tenant);
	else if (id == 0)
		buf[0] = '\0';
	else if (session == 0)
		snprintf(buf, sizeof(buf), INT64_FORMAT, id);
	else
		snprintf(buf, sizeof(buf), INT64_FORMAT ":" INT64_FORMAT, id, session);
	install_acting(buf);
	/* and for the other nodes of a Citus cluster, signed */
	wfauth_cluster_sign(buf, id == 0 && wfauth_actor_is_dba());
}

/*
 * The value of wfauth.principal that acts as another node signed it
 * (cluster.c): acting is such a value ("" for nobody), dba whether it
 * signed a DBA with no principal.  It is marked remote: nobody here changes
 * it, and with no principal a DBA's rights need the signature.
 */
const char *
wfauth_remote_acting_value(const char *acting, bool dba)
{
	int64		fields[5];

	parse_acting(acting, fields);
	return psprintf(INT64_FORMAT ":" INT64_FORMAT ":" INT64_FORMAT ":" INT64_FORMAT ":%d",
					fields[0], fields[1], fields[2], fields[3], dba ? 2 : 1);
}

/* Act as another node signed it: value is wfauth_remote_acting_value()'s */
void
wfauth_act_for_another_node(const char *value)
{
	install_acting(value);
	if (current_tenant != 0)
		wfauth_lock_tenant(current_tenant, AccessShareLock);
}

/* A DBA with no principal: acting with Super Admin rights. */
bool
wfauth_dba_acting(void)
{
	wfauth_cluster_take_assertion();
	return current_principal == 0 && remote_acting != 1 && wfauth_actor_is_dba();
}

/*
 * wfauth.require_principal: a statement that reads or writes a protected
 * relation with no principal (a DBA aside) is refused (28000) when its
 * executor starts, from the relations in its range table (a view's, a
 * partition's and a subquery's included), before any index entry or row is
 * looked at: whether it fails never depends on rows the caller cannot see,
 * whatever plan the planner chose.  (A check per row was an oracle: it
 * failed only when a hidden row matched the statement's conditions, and
 * never under the listing index, which asks the index instead.)
 */
static void
refuse_without_principal(QueryDesc *queryDesc, int eflags)
{
	wfauth_cluster_keep_signed();
	wfauth_cluster_take_assertion();
	wfauth_results_statement();
	wfauth_check_model_write(queryDesc);
	if (require_principal && current_principal == 0 &&
		(eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 && !wfauth_dba_acting())
	{
		ListCell   *lc;

		foreach(lc, queryDesc->plannedstmt->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->rtekind == RTE_RELATION && wfauth_protected_kind(rte->relid) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
						 errmsg("no principal is authenticated in this transaction"),
						 errdetail("wfauth.require_principal is on: a protected table is not read or written without a principal."),
						 errhint("Authenticate in the same transaction that reads: in autocommit mode every statement is a "
								 "transaction of its own, and the principal ends with it. Use BEGIN ... COMMIT, one "
								 "multi-statement query, or one driver pipeline.")));
		}
	}
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* Refuse anyone but a DBA acting as itself to do what (a phrase: "reset ...") */
void
wfauth_require_dba_to(const char *what)
{
	wfauth_refuse_in_others_code(false);
	if (!wfauth_actor_is_dba())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s", what),
				 errdetail("Only a superuser or a member of the role named by wfauth.admin_role may do this.")));
}

/* SQL function: wfauth.current_principal() → bigint */
PG_FUNCTION_INFO_V1(wfauth_current_principal);
Datum
wfauth_current_principal(PG_FUNCTION_ARGS)
{
	int64		principal = wfauth_current_principal_id();

	if (principal == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(principal);
}

/*
 * SQL function: wfauth._set_principal(principal bigint, session bigint) —
 * internal, not granted to PUBLIC; called by wfauth's SECURITY DEFINER
 * functions once they have authenticated the caller.
 */
PG_FUNCTION_INFO_V1(wfauth_set_principal_internal);
Datum
wfauth_set_principal_internal(PG_FUNCTION_ARGS)
{
	wfauth_set_principal_id(PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0),
							PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1));
	PG_RETURN_VOID();
}

/* SQL function: wfauth._current_session() → bigint, the session acted through */
PG_FUNCTION_INFO_V1(wfauth_current_session);
Datum
wfauth_current_session(PG_FUNCTION_ARGS)
{
	if (current_session == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(current_session);
}

/*
 * Lock a tenant (an object lock keyed by tenant_catalog and the id), then
 * take in what was committed while waiting for it.
 */
void
wfauth_lock_tenant(int64 tenant, int mode)
{
	LockDatabaseObject(wfauth_table_oid(WFAUTH_TENANTS), (Oid) tenant, (uint16) (tenant >> 32), mode);
	AcceptInvalidationMessages();
}

/*
 * SQL function: wfauth._lock_tenant(tenant bigint, exclusive boolean):
 * delete_tenant's exclusive lock (DBA only), or the share lock that login
 * and activate_user take before they write the account's rows (so that they
 * and a deletion wait for each other in one order, not deadlock); then what
 * was committed meanwhile is read.
 */
PG_FUNCTION_INFO_V1(wfauth_lock_tenant_sql);
Datum
wfauth_lock_tenant_sql(PG_FUNCTION_ARGS)
{
	bool		exclusive = PG_GETARG_BOOL(1);

	if (exclusive)
		wfauth_require_dba_to("delete a tenant");
	if (PG_GETARG_INT64(0) != WFAUTH_DEFAULT_TENANT)
		wfauth_lock_tenant(PG_GETARG_INT64(0), exclusive ? AccessExclusiveLock : AccessShareLock);
	PG_RETURN_VOID();
}

/* SQL function: wfauth.current_tenant() → bigint */
PG_FUNCTION_INFO_V1(wfauth_current_tenant_sql);
Datum
wfauth_current_tenant_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(wfauth_current_tenant());
}

/*
 * SQL function: wfauth._set_tenant(tenant bigint) — a DBA with no principal
 * manages this tenant for the rest of the transaction (the SQL caller has
 * checked that it exists).
 */
PG_FUNCTION_INFO_V1(wfauth_set_tenant_internal);
Datum
wfauth_set_tenant_internal(PG_FUNCTION_ARGS)
{
	wfauth_require_dba_to("choose the tenant");
	if (current_principal != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a principal is acting: the acting tenant is its tenant"),
				 errhint("Call wfauth.reset_principal() first, or name the tenant in wfauth.set_principal().")));
	wfauth_set_acting(0, 0, PG_GETARG_INT64(0));
	PG_RETURN_VOID();
}

/* SQL function: wfauth.reset_principal() — DBA only */
PG_FUNCTION_INFO_V1(wfauth_reset_principal);
Datum
wfauth_reset_principal(PG_FUNCTION_ARGS)
{
	wfauth_require_dba_to("reset the principal");
	wfauth_set_principal_id(0, 0);
	PG_RETURN_VOID();
}

/* SQL function: wfauth._require_dba(action text) */
PG_FUNCTION_INFO_V1(wfauth_require_dba);
Datum
wfauth_require_dba(PG_FUNCTION_ARGS)
{
	wfauth_require_dba_to(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}

/* SQL function: wfauth._acting_role() → name of the session's outer role */
PG_FUNCTION_INFO_V1(wfauth_acting_role);
Datum
wfauth_acting_role(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(GetUserNameFromId(GetOuterUserId(), false)));
}
