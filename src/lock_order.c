/*
 * lock_order.c — a command that names one of wfauth's relations is checked
 * before it locks it.
 *
 * Every login and authentication reads wfauth's tables, and every role that
 * calls wfauth may name them (USAGE on schema wfauth).  A few commands lock
 * the relation they name before PostgreSQL checks the caller's right to
 * it: CREATE RULE, DROP RULE/TRIGGER/POLICY ... ON, CREATE TRIGGER, a
 * partition or inheritance parent, a foreign key's referenced table,
 * ATTACH/DETACH PARTITION, ALTER INDEX ... DEPENDS ON EXTENSION.  (Those
 * are PostgreSQL 15's: every command that opens a relation it names with
 * a lock that blocks reads or writes -- table_openrv, relation_openrv,
 * get_object_address, RangeVarGetRelid without a callback that checks
 * first.  COMMENT, SECURITY LABEL, CREATE STATISTICS and PUBLICATION take
 * one that blocks neither.)  The request waits behind any open transaction
 * that used the table, and every later read or write waits behind the
 * request -- every login on the node, for as long as the caller keeps some
 * other transaction open (attack pass 37, on every node of a Citus
 * cluster, whose shards live in schema wfauth too).  PostgreSQL's own
 * check, made first with no lock, refuses it before it waits.  The check
 * is PostgreSQL's rule for each command (ownership, or the TRIGGER or
 * REFERENCES privilege; for VACUUM FULL, CLUSTER, CREATE INDEX, REINDEX,
 * ALTER and renames, which Citus locks before PostgreSQL checks,
 * ownership -- a database's owner may vacuum its tables, not wfauth's);
 * PostgreSQL checks again once it holds the lock.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"

#include "wfauth.h"

/*
 * The caller may do what needs "mode" (ACL_NO_RIGHTS: ownership) to rv, if
 * rv is one of wfauth's relations; else ERROR, as PostgreSQL would.  An
 * unqualified name that finds another relation first, while wfauth has one
 * of that name, is locked here as the command will lock it ("lockmode": no
 * weaker lock first, which the command's would wait on as an upgrade), and
 * looked up again until it finds what is held: it cannot be dropped or
 * renamed before the command looks it up again and falls through to
 * wfauth's (attack pass 39).
 */
static void
check_named(RangeVar *rv, AclMode mode, LOCKMODE lockmode)
{
	Oid			namespace = get_namespace_oid("wfauth", true);
	Oid			relid;
	bool		allowed;

	if (rv == NULL || !OidIsValid(namespace))
		return;
	for (;;)
	{
		relid = RangeVarGetRelid(rv, NoLock, true);
		if (!OidIsValid(relid))
			return;
		if (get_rel_namespace(relid) == namespace)
			break;
		if (rv->schemaname == NULL && OidIsValid(get_relname_relid(rv->relname, namespace)))
		{
			/* held, then looked up again: dropped meanwhile, the name may find wfauth's now */
			LockRelationOid(relid, lockmode);
			if (RangeVarGetRelid(rv, NoLock, true) != relid)
			{
				UnlockRelationOid(relid, lockmode);
				continue;
			}
		}
		return;
	}
	if (mode == ACL_NO_RIGHTS)
		allowed = pg_class_ownercheck(relid, GetUserId());
	else
		allowed = pg_class_aclcheck(relid, GetUserId(), mode) == ACLCHECK_OK ||
			(mode == ACL_REFERENCES &&
			 pg_attribute_aclcheck_all(relid, GetUserId(), mode, ACLMASK_ANY) == ACLCHECK_OK);
	if (!allowed)
		aclcheck_error(mode == ACL_NO_RIGHTS ? ACLCHECK_NOT_OWNER : ACLCHECK_NO_PRIV,
					   get_relkind_objtype(get_rel_relkind(relid)), get_rel_name(relid));
}

/* a foreign key's referenced table, among constraints (or column definitions) */
static void
check_referenced(List *elements)
{
	ListCell   *lc;

	foreach(lc, elements)
	{
		Node	   *element = lfirst(lc);

		if (IsA(element, ColumnDef))
			check_referenced(((ColumnDef *) element)->constraints);
		else if (IsA(element, Constraint) && ((Constraint *) element)->contype == CONSTR_FOREIGN)
			check_named(((Constraint *) element)->pktable, ACL_REFERENCES, ShareRowExclusiveLock);
	}
}

/*
 * Refuses, before it locks anything, a command naming a wfauth relation it
 * may not: from wfauth's ProcessUtility hook (ahead of Citus's, which locks
 * some relations a command names before PostgreSQL looks at them; and for
 * the statements inside CREATE SCHEMA), and at ddl_command_start (in a
 * session that has not loaded wfauth yet).
 */
void
wfauth_check_before_locking(Node *parsetree)
{
	ListCell   *lc;

	if (superuser())
		return;
	switch (nodeTag(parsetree))
	{
		case T_RuleStmt:
			check_named(((RuleStmt *) parsetree)->relation, ACL_NO_RIGHTS, AccessExclusiveLock);
			break;
		case T_CreateTrigStmt:
			check_named(((CreateTrigStmt *) parsetree)->relation, ACL_TRIGGER, ShareRowExclusiveLock);
			break;
		case T_AlterObjectDependsStmt:
			check_named(((AlterObjectDependsStmt *) parsetree)->relation, ACL_NO_RIGHTS, AccessExclusiveLock);
			break;
		case T_RenameStmt:
			check_named(((RenameStmt *) parsetree)->relation, ACL_NO_RIGHTS, AccessExclusiveLock);
			break;
		case T_AlterObjectSchemaStmt:
			check_named(((AlterObjectSchemaStmt *) parsetree)->relation, ACL_NO_RIGHTS, AccessExclusiveLock);
			break;
		case T_IndexStmt:
			check_named(((IndexStmt *) parsetree)->relation, ACL_NO_RIGHTS, ShareLock);
			break;
		case T_ClusterStmt:
			check_named(((ClusterStmt *) parsetree)->relation, ACL_NO_RIGHTS, AccessExclusiveLock);
			break;
		case T_ReindexStmt:
			check_named(((ReindexStmt *) parsetree)->relation, ACL_NO_RIGHTS, ShareLock);
			break;
		case T_VacuumStmt:
			/* VACUUM FULL: a database's owner may vacuum its tables, but not lock wfauth's for it */
			foreach(lc, ((VacuumStmt *) parsetree)->options)
			{
				DefElem    *option = lfirst_node(DefElem, lc);
				ListCell   *rel;

				if (strcmp(option->defname, "full") != 0 || !defGetBoolean(option))
					continue;
				foreach(rel, ((VacuumStmt *) parsetree)->rels)
					check_named(lfirst_node(VacuumRelation, rel)->relation, ACL_NO_RIGHTS, AccessExclusiveLock);
			}
			break;
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;

				if (stmt->removeType != OBJECT_RULE && stmt->removeType != OBJECT_TRIGGER &&
					stmt->removeType != OBJECT_POLICY)
					break;
				foreach(lc, stmt->objects)
				{
					List	   *names = lfirst_node(List, lc);

					if (list_length(names) > 1)
						check_named(makeRangeVarFromNameList(list_truncate(list_copy(names),
																		   list_length(names) - 1)),
									ACL_NO_RIGHTS, AccessExclusiveLock);
				}
				break;
			}
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				foreach(lc, stmt->inhRelations)
					check_named(lfirst_node(RangeVar, lc), ACL_NO_RIGHTS, AccessExclusiveLock);
				check_referenced(stmt->tableElts);
				check_referenced(stmt->constraints);
				break;
			}
		case T_AlterTableStmt:
			check_named(((AlterTableStmt *) parsetree)->relation, ACL_NO_RIGHTS,
						AlterTableGetLockLevel(((AlterTableStmt *) parsetree)->cmds));
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

				switch (cmd->subtype)
				{
					case AT_AddConstraint:
					case AT_AddColumn:
						check_referenced(list_make1(cmd->def));
						break;
					case AT_AddInherit:
					case AT_DropInherit:
						check_named((RangeVar *) cmd->def, ACL_NO_RIGHTS, ShareUpdateExclusiveLock);
						break;
					case AT_AttachPartition:
					case AT_DetachPartition:
					case AT_DetachPartitionFinalize:
						check_named(((PartitionCmd *) cmd->def)->name, ACL_NO_RIGHTS, AccessExclusiveLock);
						break;
					default:
						break;
				}
			}
			break;
		default:
			break;
	}
}
