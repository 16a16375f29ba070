/*
 * lockdown.c — a protected table stays protected against its owner.
 *
 * Once protect() has run, only a DBA (a superuser or a member of
 * wfauth.admin_role, acting as itself and not inside a security-restricted
 * operation) may take any part of the protection off.  The rule is a rule
 * about state, not about commands: every DDL command runs between two
 * event triggers, and the relations registered as protected must differ
 * from their protected state (protected_state.c) after the command in no
 * way they did not before it.  A command of anyone but a DBA that adds a
 * difference fails, whatever its tag or the path it took: renaming a
 * column through ALTER VIEW, a trigger made extension-dependent and the
 * extension dropped, a partition detached, a table renamed onto a checked
 * name while the command waited for its lock.  wfauth's own work (protect(),
 * unprotect()) is checked the same way, DBA or not.
 *
 * Commands nest (DDL in a function a command calls, wfauth's own DDL run
 * by an event trigger).  While a checked section is open, a nested command
 * needs no check of its own: the outer one compares the whole database when
 * it ends.  Inside a DBA's command, which is not checked, a nested one is
 * judged for itself, so a table owner's code that a DBA's command runs
 * (under a security-restricted operation, as the owner) is checked.
 *
 * Before that, a fast path at ddl_command_start refuses the common
 * commands by their form, with a message that says what to do instead,
 * and a BEFORE TRUNCATE trigger on every protected table refuses TRUNCATE,
 * which no event trigger sees.  Rows must not escape through the table
 * hierarchy either: a partition created under a protected table is
 * protected at ddl_command_end (wfauth._protect_new_partitions), and any
 * other unprotected relation joined to a protected one fails the check.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_trigger.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "wfauth.h"

#define ACL_INSERT_TRIGGER "wfauth_acl_insert"
#define ACL_UPDATE_TRIGGER "wfauth_acl_update"

/* set while wfauth itself changes a protected table's triggers */
static bool internal_ddl = false;

static object_access_hook_type prev_object_access_hook = NULL;

/* a DBA acting as itself, or wfauth's own DDL */
static bool
ddl_allowed(void)
{
	return internal_ddl || wfauth_actor_is_dba();
}

/* --- checked sections -------------------------------------------------------- */

/*
 * An open section: a command between its two event triggers, or protect()
 * or unprotect() at work.  The stack lives in TopTransactionContext; a
 * (sub)transaction that aborts takes the sections it opened with it.
 */
typedef struct Section
{
	SubTransactionId subxid;	/* opened in this subtransaction */
	bool		checked;		/* false: a DBA's command, or nested in a checked one */
	List	   *before;			/* the faults when it opened */
	List	   *marked;			/* the relations marked as shards then (oids) */
	List	   *schemas;		/* the protected relations' schemas then (WfauthFault *) */
} Section;

static List *sections = NIL;

static void
sections_at_xact_end(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		sections = NIL;
}

static void
sections_at_subxact_abort(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (sections != NIL && ((Section *) llast(sections))->subxid >= mySubid)
		sections = list_delete_last(sections);
}

static bool
in_checked_section(void)
{
	ListCell   *lc;

	foreach(lc, sections)
		if (((Section *) lfirst(lc))->checked)
			return true;
	return false;
}

/* faults (WfauthFault *), copied into the current memory context */
static List *
copy_faults(List *faults)
{
	List	   *copy = NIL;
	ListCell   *lc;

	foreach(lc, faults)
	{
		WfauthFault *fault = palloc(sizeof(WfauthFault));

		fault->relid = ((WfauthFault *) lfirst(lc))->relid;
		fault->what = pstrdup(((WfauthFault *) lfirst(lc))->what);
		copy = lappend(copy, fault);
	}
	return copy;
}

/* Open a section; checked unless exempt or nested in a checked one. */
static void
open_section(bool exempt)
{
	bool		checked = !exempt && !in_checked_section();
	List	   *marked = NIL;
	List	   *before = checked ? wfauth_protection_faults_marking(&marked) : NIL;
	List	   *schemas = checked ? wfauth_protected_schemas() : NIL;
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	Section    *section = palloc0(sizeof(Section));

	section->subxid = GetCurrentSubTransactionId();
	section->checked = checked;
	section->marked = list_copy(marked);
	section->before = copy_faults(before);
	section->schemas = copy_faults(schemas);
	sections = lappend(sections, section);
	MemoryContextSwitchTo(old);
}

static bool
same_fault(const WfauthFault *a, const WfauthFault *b)
{
	return a->relid == b->relid && strcmp(a->what, b->what) == 0;
}

/* The command left fault behind: refuse it */
static void
refuse_fault(const WfauthFault *fault)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to change the protection of table \"%s\"", get_rel_name(fault->relid)),
			 errdetail("After this command, %s.", fault->what),
			 errhint("A superuser or a member of the role named by wfauth.admin_role can do this, "
					 "or remove the protection first with wfauth.unprotect().")));
}

/* Close the innermost section; fail if it left a protected table less protected. */
static void
close_section(void)
{
	Section    *section;
	WfauthFault *renamed;
	ListCell   *lc;

	if (sections == NIL)
	{
		/*
		 * Opened before wfauth's event triggers existed, or lost to a command
		 * that commits halfway (DETACH PARTITION CONCURRENTLY and the like):
		 * with nothing to compare with, no fault may remain at all.
		 */
		List	   *faults = ddl_allowed() ? NIL : wfauth_protection_faults();

		if (faults != NIL)
			refuse_fault(linitial(faults));
		return;
	}
	section = llast(sections);
	sections = list_delete_last(sections);
	if (!section->checked)
		return;
	CommandCounterIncrement();
	if ((renamed = wfauth_schema_renamed(section->schemas)) != NULL)
		refuse_fault(renamed);
	foreach(lc, wfauth_protection_faults_since(section->marked))
	{
		WfauthFault *fault = lfirst(lc);
		ListCell   *old;
		bool		before = false;

		foreach(old, section->before)
			before |= same_fault(fault, lfirst(old));
		if (!before)
			refuse_fault(fault);
	}
}

/*
 * SQL functions: wfauth._protection_begin() and wfauth._protection_end(),
 * around protect() and unprotect(), which must leave no protected relation
 * less protected, whoever calls them (internal, not executable by PUBLIC).
 */
PG_FUNCTION_INFO_V1(wfauth_protection_begin);
Datum
wfauth_protection_begin(PG_FUNCTION_ARGS)
{
	open_section(false);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(wfauth_protection_end);
Datum
wfauth_protection_end(PG_FUNCTION_ARGS)
{
	close_section();
	PG_RETURN_VOID();
}

/* Is relid a protected table whose protection the caller may not change? */
static bool
locked(Oid relid)
{
	return OidIsValid(relid) && wfauth_protected_kind(relid) != 0 && !ddl_allowed();
}

/*
 * wfauth itself, and every object of it, goes only by its owner (a
 * superuser): a role that had Citus's worker_change_sequence_dependency()
 * make wfauth's sequence depend on a table of its own dropped wfauth with
 * that table, by cascade (attack pass 38).  Whatever the path, the drop
 * reaches here.
 */
/* Is it extension wfauth itself, or one of its member objects? */
bool
wfauth_extension_object(Oid classId, Oid objectId)
{
	Oid			extension = get_extension_oid("wfauth", true);

	return OidIsValid(extension) &&
		((classId == ExtensionRelationId && objectId == extension) ||
		 getExtensionOfObject(classId, objectId) == extension);
}

static void
refuse_drop_of_wfauth(Oid classId, Oid objectId)
{
	ObjectAddress object = {classId, objectId, 0};

	if (!wfauth_extension_object(classId, objectId))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to drop %s, of extension wfauth", getObjectDescription(&object, false)),
			 errdetail("Only a superuser drops wfauth or its objects, whatever the command reached them by."),
			 errhint("A dependency made on an object of one's own may have led the drop here.")));
}

/*
 * A protected table or shard dropped by a function rather than a command,
 * which no event trigger sees (Citus's worker_drop_shell_table() on a
 * worker).  A shard Citus places on this node goes only by a DBA (Citus
 * drops one when its table goes or it moves, once its catalog no longer
 * places it here); a table with such shards, only with them (DROP TABLE on
 * the coordinator drops them first).  Otherwise the rows would be lost, or
 * kept by shards of nothing protected.
 */
static void
guard_drop(ObjectAccessType access, Oid classId, Oid objectId, int subId, void *arg)
{
	int64	   *shards;
	int			n;
	int			i;
	Oid			table;

	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (access == OAT_DROP && !superuser())
		refuse_drop_of_wfauth(classId, objectId);
	if (access != OAT_DROP || classId != RelationRelationId || subId != 0 ||
		!OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)) ||
		!OidIsValid(get_namespace_oid("wfauth", true)) || !wfauth_table_exists(WFAUTH_PROTECTED_TABLES))
		return;
	if (OidIsValid(table = wfauth_citus_table_of_shard(objectId)) && locked(table))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to drop shard \"%s\" of protected table \"%s\"",
						get_rel_name(objectId), get_rel_name(table)),
				 errdetail("Its rows would be lost to every principal that may see them."),
				 errhint("Drop the table on the coordinator; a superuser or a member of the role named by wfauth.admin_role can drop the shard.")));
	n = wfauth_citus_local_shards(objectId, &shards);
	for (i = 0; i < n && locked(objectId); i++)
	{
		char	   *name = wfauth_citus_shard_name(get_rel_name(objectId), shards[i]);

		if (OidIsValid(get_relname_relid(name, get_rel_namespace(objectId))))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to drop protected table \"%s\" while its shard \"%s\" is on this node",
							get_rel_name(objectId), name),
					 errdetail("The shard would keep the table's rows, protected by nothing."),
					 errhint("Drop the table on the coordinator; a superuser or a member of the role named by wfauth.admin_role can drop it here.")));
	}
}

/* Did this transaction write rows of relid (by PostgreSQL's counts)? */
static bool
changed_in_transaction(Oid relid)
{
	return !pgstat_track_counts ||
		DatumGetInt64(DirectFunctionCall1(pg_stat_get_xact_tuples_inserted, ObjectIdGetDatum(relid))) > 0 ||
		DatumGetInt64(DirectFunctionCall1(pg_stat_get_xact_tuples_deleted, ObjectIdGetDatum(relid))) > 0 ||
		DatumGetInt64(DirectFunctionCall1(pg_stat_get_xact_tuples_updated, ObjectIdGetDatum(relid))) > 0;
}

/*
 * At commit on a Citus node, when the transaction wrote Citus's catalog of
 * distributed tables (pg_dist_partition, pg_dist_shard, pg_dist_placement),
 * which a table's owner can write (Citus's citus_internal functions,
 * worker_drop_distributed_table()): it has changed no row of a table still
 * protected, nor added a shard or a placement to one already distributed
 * (a copy of its rows in a table of the owner's), and no shard
 * of a protected table here -- a relation wfauth marked as one -- whose
 * rows it changed is still here unless Citus still places it here or has
 * it down for cleanup.  Otherwise the rows would be routed to a relation
 * of the owner's, or a shard known as nothing protected would be read,
 * stripped, dropped and made anew unprotected under its name.  A DBA may
 * (a shard move); Citus's DROP TABLE takes the shards with the table.
 */
static void
citus_catalog_at_commit(XactEvent event, void *arg)
{
	Oid			placement;
	Oid			shard;
	Oid			partition;
	Oid			unlisted;
	CitusCatalogChanges changes;
	List	   *tables;
	ListCell   *lc;

	if ((event != XACT_EVENT_PRE_COMMIT && event != XACT_EVENT_PRE_PREPARE) ||
		!OidIsValid(MyDatabaseId) || !IsNormalProcessingMode() ||	/* (launchers: no catalog to read) */
		!OidIsValid(placement = get_relname_relid("pg_dist_placement", PG_CATALOG_NAMESPACE)) ||
		!OidIsValid(shard = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)) ||
		!OidIsValid(partition = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)) ||
		(!changed_in_transaction(placement) && !changed_in_transaction(shard) &&
		 !changed_in_transaction(partition)) ||
		!OidIsValid(get_namespace_oid("wfauth", true)) || wfauth_actor_is_dba())
		return;
	wfauth_citus_catalog_changes(&changes);
	tables = changes.tables;
	/*
	 * A table distributed in this transaction that is protected now: only
	 * as protect() saw it distributed -- registered after every entry this
	 * transaction gave it -- since protect() is what makes the relations
	 * those entries route to as protected as the table.  (Entries written
	 * by hand, with Citus's citus_internal functions, can route its rows to
	 * a plain table of the owner's; Citus's create_distributed_table()
	 * makes them from the table, and protect() after it, in the same
	 * transaction, registers them on every node that holds a shard, which
	 * refuses a shard not protected in full.)  A shard of a protected
	 * table, marked so, made a table of its own, never.
	 */
	foreach(lc, changes.added)
	{
		CitusTableAdded *added = lfirst(lc);

		if (!list_member_oid(changes.distributed, added->table))
			continue;
		if (wfauth_marked_kind(added->table) != 0 ||
			(wfauth_protected_kind(added->table) != 0 && !wfauth_registered_after(added->table, added->last)))
			tables = lappend_oid(tables, added->table);
	}
	/* a shard's id given to another table: Citus never does */
	foreach(lc, changes.reassigned)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to give table \"%s\" a shard of another table", get_rel_name(lfirst_oid(lc))),
				 errdetail("The coordinator routes the rows of the shard's table to it."),
				 errhint("A superuser or a member of the role named by wfauth.admin_role can change Citus's catalog.")));
	/* (a table still registered, also one dropped with no event trigger seeing it) */
	foreach(lc, tables)
		if (wfauth_protected_kind(lfirst_oid(lc)) != 0 || wfauth_marked_kind(lfirst_oid(lc)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to change Citus's catalog of protected table %s",
							get_rel_name(lfirst_oid(lc)) ? psprintf("\"%s\"", get_rel_name(lfirst_oid(lc))) :
							psprintf("with OID %u", lfirst_oid(lc))),
					 errdetail("Its rows would go where Citus's catalog sends them, protected or not."),
					 errhint("A superuser or a member of the role named by wfauth.admin_role can, "
							 "e.g. to move a shard (citus_move_shard_placement); "
							 "a table protected before it is distributed is protected again in the same transaction.")));
	if (OidIsValid(unlisted = wfauth_unlisted_marked_shard(changes.here)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to take shard \"%s\" of a protected table out of Citus's catalog on this node",
						get_rel_name(unlisted)),
				 errdetail("Its rows would no longer be known as a protected table's."),
				 errhint("A superuser or a member of the role named by wfauth.admin_role can, "
						 "e.g. to move the shard (citus_move_shard_placement).")));
}

void
WfauthLockdownInit(void)
{
	RegisterXactCallback(sections_at_xact_end, NULL);
	RegisterSubXactCallback(sections_at_subxact_abort, NULL);
	RegisterXactCallback(citus_catalog_at_commit, NULL);
	prev_object_access_hook = object_access_hook;
	object_access_hook = guard_drop;
}

static Oid
relation_of(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

/* the table of a policy or trigger named [schema.]table.name */
static Oid
relation_of_member(List *names)
{
	if (list_length(names) < 2)
		return InvalidOid;
	return relation_of(makeRangeVarFromNameList(list_truncate(list_copy(names),
															  list_length(names) - 1)));
}

static void
refuse(Oid relid, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to %s of protected table \"%s\"", what, get_rel_name(relid)),
			 errdetail("Only a DBA may change how wfauth protects a table."),
			 errhint("A superuser or a member of the role named by wfauth.admin_role can do this, "
					 "or remove the protection first with wfauth.unprotect().")));
}

static bool
is_wfauth_trigger(const char *name)
{
	return name != NULL && strncmp(name, "wfauth_", 7) == 0;
}

static void
refuse_late_trigger(Oid relid, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("a BEFORE ROW trigger named \"%s\" on protected table \"%s\" would fire after wfauth's",
					name, get_rel_name(relid)),
			 errdetail("Triggers fire in name order; one firing after \"%s\" or \"%s\" could change an access list wfauth has checked.",
					   ACL_INSERT_TRIGGER, ACL_UPDATE_TRIGGER),
			 errhint("Give the trigger a name that sorts before \"%s\".", ACL_INSERT_TRIGGER)));
}

/* tgtype of an existing trigger, or -1 */
static int
trigger_type(Oid relid, const char *name)
{
	Relation	rel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData keys[2];
	SysScanDesc sd;
	HeapTuple	tuple;
	int			type = -1;

	ScanKeyInit(&keys[0], Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	ScanKeyInit(&keys[1], Anum_pg_trigger_tgname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(name));
	sd = systable_beginscan(rel, TriggerRelidNameIndexId, true, NULL, 2, keys);
	if (HeapTupleIsValid(tuple = systable_getnext(sd)))
		type = ((Form_pg_trigger) GETSTRUCT(tuple))->tgtype;
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return type;
}

static void
refuse_join(Oid parent, Oid child, const char *how)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot %s \"%s\" to \"%s\": only tables protected with the same kind can be joined",
					how, get_rel_name(child), get_rel_name(parent)),
			 errdetail("Row-level security applies the policies of the table a query names, "
					   "so rows of a child are reached through its parent."),
			 errhint("Protect both tables with wfauth.protect() and the same kind first.")));
}

/*
 * Joining child to parent (ATTACH PARTITION, INHERIT): both or neither
 * protected, with the same kind, and protected in full.
 */
static void
check_join(Oid parent, Oid child, const char *how)
{
	int16		kind;

	if (!OidIsValid(parent) || !OidIsValid(child))
		return;
	kind = wfauth_protected_kind(parent);
	if (kind != wfauth_protected_kind(child) ||
		(kind != 0 && (!wfauth_protected_in_full(parent) || !wfauth_protected_in_full(child))))
		refuse_join(parent, child, how);
}

/*
 * A protected table attached as a partition of a protected parent gets the
 * parent's ACL triggers (same function, same kind); its own would clash by
 * name, so they go first.  The command holds on to the table, so no row gets
 * in between, and an error undoes both.
 */
static void
hand_over_acl_triggers(Oid child)
{
	const char *name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(child)),
												  get_rel_name(child));
	int			level = wfauth_pin();

	SPI_connect();
	internal_ddl = true;
	PG_TRY();
	{
		SPI_execute(psprintf("DROP TRIGGER IF EXISTS " ACL_INSERT_TRIGGER " ON %s", name), false, 0);
		SPI_execute(psprintf("DROP TRIGGER IF EXISTS " ACL_UPDATE_TRIGGER " ON %s", name), false, 0);
	}
	PG_FINALLY();
	{
		internal_ddl = false;
	}
	PG_END_TRY();
	SPI_finish();
	wfauth_unpin(level);
}

static void
guard_alter_table(AlterTableStmt *stmt)
{
	Oid			relid = relation_of(stmt->relation);
	bool		relid_locked;
	ListCell   *lc;

	if (!OidIsValid(relid) || stmt->objtype == OBJECT_INDEX)
		return;
	relid_locked = locked(relid);

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		bool		on_acl = cmd->name != NULL && strcmp(cmd->name, "acl") == 0;

		switch (cmd->subtype)
		{
			case AT_AttachPartition:
				{
					Oid			child = relation_of(((PartitionCmd *) cmd->def)->name);

					check_join(relid, child, "attach partition");
					if (OidIsValid(child) && wfauth_protected_kind(child) != 0)
						hand_over_acl_triggers(child);
					break;
				}
			case AT_AddInherit:
				check_join(relation_of((RangeVar *) cmd->def), relid, "make inherit from");
				break;
			case AT_DetachPartition:
			case AT_DetachPartitionFinalize:
				/* it commits halfway: no state after it can be checked */
				if (relid_locked &&
					(cmd->subtype == AT_DetachPartitionFinalize || ((PartitionCmd *) cmd->def)->concurrent))
					refuse(relid, "detach a partition concurrently");
				break;
			case AT_DropColumn:
			case AT_AlterColumnType:
			case AT_DropNotNull:
				if (relid_locked && on_acl)
					refuse(relid, "change column \"acl\"");
				break;
			case AT_DisableRowSecurity:
			case AT_NoForceRowSecurity:
				if (relid_locked)
					refuse(relid, "switch off row-level security");
				break;
			case AT_DisableTrigAll:
			case AT_DisableTrigUser:
				if (relid_locked)
					refuse(relid, "disable the triggers");
				break;
			case AT_EnableTrig:
			case AT_EnableAlwaysTrig:
			case AT_EnableReplicaTrig:
			case AT_DisableTrig:
				if (relid_locked && is_wfauth_trigger(cmd->name))
					refuse(relid, "change wfauth's triggers");
				break;
			default:
				break;
		}
	}
}

static void
guard_rename(RenameStmt *stmt)
{
	Oid			relid = relation_of(stmt->relation);
	int			type;

	if (!locked(relid))
		return;
	switch (stmt->renameType)
	{
		case OBJECT_COLUMN:
			if (strcmp(stmt->subname, "acl") == 0)
				refuse(relid, "rename column \"acl\"");
			break;
		case OBJECT_POLICY:
			refuse(relid, "rename a policy");
			break;
		case OBJECT_TRIGGER:
			if (is_wfauth_trigger(stmt->subname))
				refuse(relid, "rename wfauth's triggers");
			type = trigger_type(relid, stmt->subname);
			if (type >= 0 && wfauth_late_before_row_trigger(stmt->newname, (int16) type))
				refuse_late_trigger(relid, stmt->newname);
			break;
		default:
			break;
	}
}

static void
guard_create_table(CreateStmt *stmt, bool foreign)
{
	ListCell   *lc;

	foreach(lc, stmt->inhRelations)
	{
		Oid			parent = relation_of(lfirst_node(RangeVar, lc));

		if (!OidIsValid(parent) || wfauth_protected_kind(parent) == 0)
			continue;
		if (stmt->partbound == NULL || foreign)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot create %s \"%s\" of protected table \"%s\"",
							foreign ? "a foreign partition" : "an inheritance child",
							stmt->relation->relname, get_rel_name(parent)),
					 errdetail("Its rows would be reached through \"%s\" before wfauth could protect it.",
							   get_rel_name(parent)),
					 foreign ? 0 :
					 errhint("Create the table, protect it with wfauth.protect() and the same kind, "
							 "then ALTER TABLE ... INHERIT; or make \"%s\" a partitioned table.",
							 get_rel_name(parent))));
	}
}

/*
 * Event trigger function: wfauth._guard_ddl(), on ddl_command_start of every
 * command: opens the command's section, then refuses the common ways to
 * take protection off by their form.
 */
PG_FUNCTION_INFO_V1(wfauth_guard_ddl);
Datum
wfauth_guard_ddl(PG_FUNCTION_ARGS)
{
	Node	   *parsetree;
	ListCell   *lc;
	Oid			relid;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "wfauth._guard_ddl must be called as an event trigger");
	parsetree = ((EventTriggerData *) fcinfo->context)->parsetree;
	wfauth_check_before_locking(parsetree);
	open_section(ddl_allowed());

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			guard_alter_table((AlterTableStmt *) parsetree);
			break;
		case T_RenameStmt:
			guard_rename((RenameStmt *) parsetree);
			break;
		case T_CreateStmt:
			guard_create_table((CreateStmt *) parsetree, false);
			break;
		case T_CreateForeignTableStmt:
			guard_create_table(&((CreateForeignTableStmt *) parsetree)->base, true);
			break;
		case T_CreatePolicyStmt:
			relid = relation_of(((CreatePolicyStmt *) parsetree)->table);
			if (locked(relid))
				refuse(relid, "create a policy");
			break;
		case T_AlterPolicyStmt:
			relid = relation_of(((AlterPolicyStmt *) parsetree)->table);
			if (locked(relid))
				refuse(relid, "alter a policy");
			break;
		case T_CreateTrigStmt:
			{
				CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;
				int16		type = (stmt->row ? TRIGGER_TYPE_ROW : 0) | stmt->timing | stmt->events;

				relid = relation_of(stmt->relation);
				if (!locked(relid))
					break;
				if (is_wfauth_trigger(stmt->trigname))
					refuse(relid, "create or replace wfauth's triggers");
				if (wfauth_late_before_row_trigger(stmt->trigname, type))
					refuse_late_trigger(relid, stmt->trigname);
				break;
			}
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;

				if (stmt->removeType != OBJECT_POLICY && stmt->removeType != OBJECT_TRIGGER)
					break;
				foreach(lc, stmt->objects)
				{
					List	   *names = lfirst_node(List, lc);

					relid = relation_of_member(names);
					if (!locked(relid))
						continue;
					if (stmt->removeType == OBJECT_POLICY)
						refuse(relid, "drop a policy");
					if (is_wfauth_trigger(strVal(llast(names))))
						refuse(relid, "drop wfauth's triggers");
				}
				break;
			}
		default:
			break;
	}
	PG_RETURN_VOID();
}

/*
 * Event trigger function: wfauth._verify_ddl(), on ddl_command_end of every
 * command, after wfauth's other ones: the state check.
 */
PG_FUNCTION_INFO_V1(wfauth_verify_ddl);
Datum
wfauth_verify_ddl(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "wfauth._verify_ddl must be called as an event trigger");
	close_section();
	PG_RETURN_VOID();
}

static void
refuse_truncate(Oid relid)
{
	if (locked(relid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to truncate protected table \"%s\"", get_rel_name(relid)),
				 errdetail("TRUNCATE would delete every object without asking who may modify each."),
				 errhint("Delete the rows with DELETE (each needs modify access); "
						 "a superuser or a member of the role named by wfauth.admin_role can TRUNCATE.")));
}

/* Trigger function: wfauth._refuse_truncate(), BEFORE TRUNCATE, per statement */
PG_FUNCTION_INFO_V1(wfauth_refuse_truncate);
Datum
wfauth_refuse_truncate(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event))
		elog(ERROR, "wfauth._refuse_truncate must be a TRUNCATE trigger");
	refuse_truncate(RelationGetRelid(trig->tg_relation));
	return PointerGetDatum(NULL);
}

/*
 * TRUNCATE of a protected relation, refused before it runs (privileges.c's
 * utility hook): also where no trigger fires -- a Citus shard, whose table
 * was protected after it was distributed, has none.
 */
void
wfauth_refuse_truncate_of_protected(Node *parsetree)
{
	ListCell   *lc;

	if (!IsA(parsetree, TruncateStmt))
		return;
	foreach(lc, ((TruncateStmt *) parsetree)->relations)
	{
		Oid			relid = RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true);

		if (OidIsValid(relid))
			refuse_truncate(relid);
	}
}
