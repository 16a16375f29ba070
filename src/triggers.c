/*
 * triggers.c — the model's invariants, enforced on every write.
 *
 * wfauth's functions are the intended way in, but a DBA may write the tables
 * directly; these triggers keep the model whole either way:
 *   principals_guard   normalises identifiers; keeps kind, id and tenant
 *                      fixed; protects each tenant's Everyone; keeps the
 *                      last active Super Admin of each tenant
 *   check_kinds        a column must name a principal of given kinds, and
 *                      all of the row's principals one tenant
 *   model_changed      queues the invalidation of every cached context
 *   grant_within_reach, within_reach_only
 *                      a principal that holds accounts only for a while
 *                      makes nothing that outlasts it
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "wfauth.h"

static Datum
column(HeapTuple tuple, TupleDesc desc, const char *name, bool *isnull)
{
	int			attno = SPI_fnumber(desc, name);

	if (attno <= 0)
		elog(ERROR, "column \"%s\" does not exist", name);
	return heap_getattr(tuple, attno, desc, isnull);
}

static bool
is_active(HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;

	return DatumGetBool(heap_getattr(tuple, Anum_principals_active, desc, &isnull));
}

static bool
is_active_super_admin(HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;

	return DatumGetBool(heap_getattr(tuple, Anum_principals_super_admin, desc, &isnull)) && is_active(tuple, desc);
}

/* Run a query of one bigint parameter; did it return a row? */
static bool
spi_exists(const char *query, int64 arg)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(arg)};
	int			level = wfauth_pin();
	int			ret;
	bool		found;

	SPI_connect();
	ret = SPI_execute_with_args(query, 1, argtypes, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %d", ret);
	found = SPI_processed > 0;
	SPI_finish();
	wfauth_unpin(level);
	return found;
}

/*
 * Refuse to leave a tenant without an active Super Admin -- unless the
 * tenant itself is gone (delete_tenant removes its whole model).  Locking
 * another active Super Admin row keeps two concurrent demotions from both
 * passing: the second waits, re-checks and fails (or the two deadlock, and
 * one fails).
 *
 * The rows read and locked are those of rel, the relation the trigger fired
 * on: wfauth.principals, or on Citus (distribute_model()) this node's copy
 * of its shard -- the trigger fires on every copy, each checks its own.
 * Naming wfauth.principals there would make the SELECT ... FOR UPDATE a
 * distributed query from a shard: Citus serialises a reference table's row
 * locks on its first worker, over a connection of its own, and that waits
 * for the lock the modifying statement's transaction already holds there
 * (a distributed deadlock with itself).
 */
static void
keep_a_super_admin(Relation rel, int64 id, int64 tenant)
{
	const char *principals = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
														  RelationGetRelationName(rel));
	bool		found;

	if (!wfauth_table_exists(WFAUTH_TENANTS))	/* a 1.0 or 1.1 schema */
		found = spi_exists(psprintf("SELECT 1 FROM %s"
									" WHERE super_admin AND active AND id OPERATOR(pg_catalog.<>) $1"
									" LIMIT 1 FOR UPDATE", principals), id);
	else if (!spi_exists("SELECT 1 FROM wfauth.tenant_catalog WHERE id OPERATOR(pg_catalog.=) $1", tenant))
		return;					/* the tenant is being deleted */
	else
		found = spi_exists(psprintf("SELECT 1 FROM %s p, %s me"
									" WHERE me.id OPERATOR(pg_catalog.=) $1"
									" AND p.tenant_id OPERATOR(pg_catalog.=) me.tenant_id"
									" AND p.super_admin AND p.active AND p.id OPERATOR(pg_catalog.<>) $1"
									" LIMIT 1 FOR UPDATE OF p", principals, principals), id);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot remove the last active Super Admin"),
				 errdetail("Account " INT64_FORMAT " is the only active Super Admin.", id),
				 errhint("Grant Super Admin to another active user first.")));
}

/* Is id the Everyone of a tenant that exists? */
static bool
is_everyone(int64 id)
{
	if (id == WFAUTH_EVERYONE_ID)
		return true;
	return wfauth_table_exists(WFAUTH_TENANTS) &&
		spi_exists("SELECT 1 FROM wfauth.tenant_catalog WHERE everyone_id OPERATOR(pg_catalog.=) $1", id);
}

/*
 * Until when the acting principal holds accounts, when that ends (0:
 * nobody acts, a DBA, a Super Admin, accounts held for good or not at all:
 * no bound).
 */
static TimestampTz
bounded_actor_until(void)
{
	int64		principal = wfauth_current_principal_id();
	const WfauthContext *ctx;
	TimestampTz until;

	if (principal == 0)
		return 0;
	ctx = wfauth_context(principal);
	if (wfauth_super_admin_rights(ctx))
		return 0;
	until = wfauth_context_permission_until(ctx, "accounts");
	return (until == DT_NOEND || until == DT_NOBEGIN) ? 0 : until;
}

/*
 * The accounts this transaction created: the ids the principals guard saw
 * inserted.  Not the row's xmin, which names the last writer -- an account
 * whose description or activation this transaction touched was not created
 * by it.  In TopTransactionContext, forgotten when the transaction ends.  (An
 * id inserted by a subtransaction that rolled back stays listed; no row
 * carries it again: ids come from a sequence.)
 */
static List *created_now = NIL;

static void
forget_created_now(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
		created_now = NIL;			/* its memory went with TopTransactionContext */
}

void
WfauthTriggersInit(void)
{
	RegisterXactCallback(forget_created_now, NULL);
}

static void
note_created_now(int64 id)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	int64	   *copy = palloc(sizeof(int64));

	*copy = id;
	created_now = lappend(created_now, copy);
	MemoryContextSwitchTo(old);
}

static bool
created_now_has(int64 id)
{
	ListCell   *lc;

	foreach(lc, created_now)
		if (*(int64 *) lfirst(lc) == id)
			return true;
	return false;
}

/* Trigger function: wfauth._principals_guard(), BEFORE INSERT/UPDATE/DELETE, row */
PG_FUNCTION_INFO_V1(wfauth_principals_guard);
Datum
wfauth_principals_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	oldtup = NULL,
				newtup = NULL;
	int64		id;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		elog(ERROR, "wfauth._principals_guard must be a BEFORE ROW trigger");
	/* (on wfauth.principals or its Citus shard: keep_a_super_admin() reads it by name) */
	if (RelationGetNamespace(trig->tg_relation) != get_namespace_oid("wfauth", false))
		elog(ERROR, "wfauth._principals_guard must be a trigger on wfauth.principals");
	desc = RelationGetDescr(trig->tg_relation);

	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event) || TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		oldtup = trig->tg_trigtuple;
	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event))
		newtup = trig->tg_newtuple;
	else if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		newtup = trig->tg_trigtuple;

	id = DatumGetInt64(heap_getattr(oldtup ? oldtup : newtup, Anum_principals_id, desc, &isnull));

	if (oldtup && wfauth_kind_code(oldtup, desc) == 'g' && is_everyone(id))
	{
		char	   *oldname = TextDatumGetCString(heap_getattr(oldtup, Anum_principals_name, desc, &isnull));

		Datum		newname = newtup ? heap_getattr(newtup, Anum_principals_name, desc, &isnull) : (Datum) 0;

		if (newtup == NULL || isnull || strcmp(oldname, TextDatumGetCString(newname)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the built-in group Everyone cannot be deleted or renamed")));
	}

	if (newtup)
	{
		char		kind = wfauth_kind_code(newtup, desc);
		int			attno = Anum_principals_name;
		Datum		value;
		bool		null;

		if (oldtup)
		{
			if (kind != wfauth_kind_code(oldtup, desc))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the kind of a principal cannot change")));
			if (DatumGetInt64(heap_getattr(newtup, Anum_principals_id, desc, &isnull)) != id)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the id of a principal cannot change")));
			if (wfauth_principal_tenant(newtup, desc) != wfauth_principal_tenant(oldtup, desc))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the tenant of a principal cannot change")));
		}
		else if (id < WFAUTH_FIRST_FREE_ID)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("principal ids below %d are reserved", (int) WFAUTH_FIRST_FREE_ID)));

		/* NULLs and unknown kinds are left to the NOT NULL and CHECK constraints */
		value = heap_getattr(newtup, Anum_principals_name, desc, &null);
		if (!null && kind != 0)
		{
			value = CStringGetTextDatum(wfauth_normalize_name(kind, TextDatumGetCString(value)));
			newtup = heap_modify_tuple_by_cols(newtup, desc, 1, &attno, &value, &null);
		}
	}

	if (oldtup && is_active_super_admin(oldtup, desc) &&
		(newtup == NULL || !is_active_super_admin(newtup, desc)))
		keep_a_super_admin(trig->tg_relation, id, wfauth_principal_tenant(oldtup, desc));

	if (oldtup == NULL && newtup)
		note_created_now(id);
	else if (oldtup && newtup && !is_active(oldtup, desc) && is_active(newtup, desc) &&
			 !created_now_has(id))
	{
		/* activation gives back rights and credentials for good */
		TimestampTz until = bounded_actor_until();

		if (until != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied: the activation would outlast the acting principal's own accounts permission"),
					 errdetail("The acting principal holds accounts until %s: it activates no account that this transaction did not create.",
							   timestamptz_to_str(until)),
					 errhint("Let someone whose accounts permission does not end make it.")));
	}

	return PointerGetDatum(newtup ? newtup : oldtup);
}

/*
 * Trigger function: wfauth._check_kinds(column, kinds [, column, kinds ...])
 * BEFORE INSERT/UPDATE, row.  Each column must name a principal whose kind
 * is among kinds ('u' user, 's' service, 'g' group), e.g. ('member_id', 'us').
 * A missing principal is left to the foreign key.
 */
PG_FUNCTION_INFO_V1(wfauth_check_kinds);
Datum
wfauth_check_kinds(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	Trigger    *tg;
	HeapTuple	tuple;
	TupleDesc	desc;
	int64		first_tenant = 0;
	int			i;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		elog(ERROR, "wfauth._check_kinds must be a row trigger");
	tg = trig->tg_trigger;
	if (tg->tgnargs % 2 != 0)
		elog(ERROR, "wfauth._check_kinds takes pairs of arguments");
	tuple = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
	desc = RelationGetDescr(trig->tg_relation);

	for (i = 0; i < tg->tgnargs; i += 2)
	{
		bool		isnull;
		Datum		d = column(tuple, desc, tg->tgargs[i], &isnull);
		int64		id;
		int64		tenant;
		char		kind;

		if (isnull)
			continue;
		id = DatumGetInt64(d);
		kind = wfauth_principal_kind(id, &tenant);
		if (kind != 0 && first_tenant != 0 && tenant != first_tenant)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("principal " INT64_FORMAT " belongs to another tenant", id),
					 errdetail("A group and its members belong to one tenant.")));
		if (kind != 0)
			first_tenant = tenant;
		if (kind != 0 && strchr(tg->tgargs[i + 1], kind) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("principal " INT64_FORMAT " cannot be used as %s", id, tg->tgargs[i]),
					 errdetail("%s must name %s.", tg->tgargs[i],
							   strcmp(tg->tgargs[i + 1], "g") == 0 ? "a group" :
							   strcmp(tg->tgargs[i + 1], "u") == 0 ? "a user account" :
							   "a user or service account")));
	}
	return PointerGetDatum(tuple);
}

/* Trigger function: wfauth._model_changed(), AFTER any change, per statement */
PG_FUNCTION_INFO_V1(wfauth_model_changed);
Datum
wfauth_model_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "wfauth._model_changed must be called as a trigger");
	CacheInvalidateRelcacheByRelid(wfauth_table_oid(WFAUTH_PRINCIPALS));
	return PointerGetDatum(NULL);
}

/*
 * Trigger function: wfauth._grant_within_reach(), BEFORE INSERT OR UPDATE,
 * row, on group_members, permission_grants and role_grants.  A principal
 * that holds accounts only for a while grants nothing that outlasts it:
 * every membership or grant it makes or changes, on any path (add_members,
 * grant_role, grant_permission, the defaults and grants a new account is
 * created with), ends by then -- else a temporary administrator would make
 * itself, or an account it holds, an administrator for good.  One with no
 * end is given the principal's (with a notice); one with a later end is
 * refused.
 */
PG_FUNCTION_INFO_V1(wfauth_grant_within_reach);
Datum
wfauth_grant_within_reach(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	TimestampTz until;
	Datum		value;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event) || TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		elog(ERROR, "wfauth._grant_within_reach must be a BEFORE INSERT OR UPDATE row trigger");
	tuple = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
	desc = RelationGetDescr(trig->tg_relation);
	if (desc->natts < Anum_grants_valid_until || (until = bounded_actor_until()) == 0)
		return PointerGetDatum(tuple);
	value = heap_getattr(tuple, Anum_grants_valid_until, desc, &isnull);
	if (isnull)
	{
		int			attno = Anum_grants_valid_until;
		bool		null = false;

		value = TimestampTzGetDatum(until);
		ereport(NOTICE,
				(errmsg("the grant ends at %s, when the acting principal's accounts permission does",
						timestamptz_to_str(until))));
		return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, &attno, &value, &null));
	}
	if (DatumGetTimestampTz(value) > until)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: a grant would outlast the acting principal's own accounts permission"),
				 errdetail("The acting principal holds accounts until %s; a membership or grant it makes must end by then.",
						   timestamptz_to_str(until)),
				 errhint("Give it a valid_until no later than that, or let someone whose accounts permission does not end make it.")));
	return PointerGetDatum(tuple);
}

/*
 * Trigger function: wfauth._within_reach_only(), BEFORE INSERT OR UPDATE,
 * row, on what a grant cannot carry an end on: role_permissions and the
 * new-user defaults (they give every holder of a role, every new user,
 * rights for good), and credentials -- passwords, tokens, invitations --
 * of accounts that this transaction did not create (an existing account
 * keeps its rights; its credentials would outlast the principal).  A
 * principal that holds accounts only for a while changes none of them.
 */
PG_FUNCTION_INFO_V1(wfauth_within_reach_only);
Datum
wfauth_within_reach_only(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	int			attno;
	TimestampTz until;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event) || TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		elog(ERROR, "wfauth._within_reach_only must be a BEFORE INSERT OR UPDATE row trigger");
	tuple = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
	desc = RelationGetDescr(trig->tg_relation);
	if ((until = bounded_actor_until()) == 0)
		return PointerGetDatum(tuple);
	attno = SPI_fnumber(desc, "account_id");
	if (attno > 0)
	{
		bool		isnull;
		int64		account = DatumGetInt64(heap_getattr(tuple, attno, desc, &isnull));

		/*
		 * Its own credential, a revocation (a token's or an invitation's
		 * update; a password's update is a new password), or a credential
		 * of an account created now, is fine.
		 */
		if (account == wfauth_current_principal_id() || created_now_has(account) ||
			(TRIGGER_FIRED_BY_UPDATE(trig->tg_event) &&
			 RelationGetRelid(trig->tg_relation) != wfauth_table_oid(WFAUTH_PASSWORDS)))
			return PointerGetDatum(tuple);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied: the change would outlast the acting principal's own accounts permission"),
			 errdetail("The acting principal holds accounts until %s: it changes no role's permissions, no new-user defaults, and no credential of another existing account.",
					   timestamptz_to_str(until)),
			 errhint("Let someone whose accounts permission does not end make it.")));
	return PointerGetDatum(tuple);
}
