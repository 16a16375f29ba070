/*
 * domains.c — the domain rule: what a domain of a role other than a
 * superuser may call in its CHECK constraints and default.
 *
 * Those expressions run wherever a value of the domain is made -- the
 * input of an array or record literal while a query is parsed, a cast at
 * run time, COPY, a prepared statement's parameter, a PL/pgSQL variable --
 * inside the statement of whichever role makes it, with no function of
 * the domain's owner running.  So such a domain may call there only
 *
 *   - its owner's own functions (SQL or a procedural language), which run
 *     as that role's code in a frame of their own whenever another role
 *     makes the value (privileges.c), and
 *   - a superuser's functions that PostgreSQL marks parallel safe (no
 *     query, setting, notification, sequence or lock; none of wfauth's
 *     that change anything), but a type's input or receive function,
 *     which makes a value of whichever type it is told.
 *
 * A function of any other role -- the application's own, say -- would run
 * as the code of the role that makes the value, with its principal; so
 * would another role's domain whose value it makes (a cast to it, a record
 * or array holding it, its base type).
 *
 * The rule is checked on the state, not on the commands that reach it:
 * every type, constraint, function and relation that a command creates or
 * changes is noted by its object id (the object access hook: no name is
 * looked up again), and once the command is done, every domain among them
 * or depending on them (pg_depend, also through the types that hold them)
 * is checked; whatever is left is checked before COMMIT.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "access/relation.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "wfauth.h"

/* what the commands of this transaction created or changed, not checked yet */
typedef struct ChangedObject
{
	Oid			classId;
	Oid			objectId;
} ChangedObject;

static List *changed_objects = NIL;		/* in TopTransactionContext */
static object_access_hook_type prev_object_access_hook = NULL;

/*
 * A call of a type's input or receive function (domain_in, record_in,
 * array_in, range_in, ..._recv: a cstring or internal argument, and the
 * type's oid) makes a value of whichever type its argument names --
 * another role's domain too, named at run time (attack pass 31).  (A cast
 * calls one for the type it casts to, which type_made() sees.)
 */
static bool
calls_type_input(Node *node)
{
	HeapTuple	tuple;
	Form_pg_proc proc;
	bool		text_in = false;
	bool		type_named = false;

	if (!IsA(node, FuncExpr))
		return false;
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(((FuncExpr *) node)->funcid));
	if (!HeapTupleIsValid(tuple))
		return true;
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	for (int i = 0; i < proc->pronargs; i++)
	{
		text_in |= proc->proargtypes.values[i] == CSTRINGOID || proc->proargtypes.values[i] == INTERNALOID;
		type_named |= proc->proargtypes.values[i] == OIDOID;
	}
	ReleaseSysCache(tuple);
	return text_in && type_named;
}

static bool
unsafe_in_domain(Oid funcid, void *context)
{
	Oid			domain_owner = *(Oid *) context;
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	Form_pg_proc proc;
	bool		unsafe;

	if (!HeapTupleIsValid(tuple))
		return true;
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	if (proc->proowner == domain_owner && proc->prolang != ClanguageId && proc->prolang != INTERNALlanguageId)
		unsafe = false;
	else
		unsafe = !superuser_arg(proc->proowner) || proc->proparallel != PROPARALLEL_SAFE;
	ReleaseSysCache(tuple);
	return unsafe;
}

/*
 * Does making a value of the type run another role's code: is it, or does
 * it hold (as its base type, array element, attribute or range subtype), a
 * domain of a role other than owner and a superuser?  (Its constraints run
 * wherever such a value is made: a cast to it, a record's or an array's
 * input.)
 */
static bool
holds_others_domain(Oid typid, Oid owner, int depth)
{
	HeapTuple	tuple;
	Form_pg_type type;
	char		typtype;
	Oid			typowner;
	Oid			inner = InvalidOid;
	Oid			relid;
	bool		holds = false;

	if (!OidIsValid(typid))
		return false;
	if (depth > 16)
		return true;			/* (deeper than anything made on purpose) */
	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tuple))
		return false;
	type = (Form_pg_type) GETSTRUCT(tuple);
	typtype = type->typtype;
	typowner = type->typowner;
	relid = type->typrelid;
	if (typtype == TYPTYPE_DOMAIN)
		inner = type->typbasetype;
	else if (IsTrueArrayType(type))
		inner = type->typelem;
	ReleaseSysCache(tuple);

	if (typtype == TYPTYPE_DOMAIN && typowner != owner && !superuser_arg(typowner))
		return true;
	if (typtype == TYPTYPE_RANGE)
		inner = get_range_subtype(typid);
	else if (typtype == TYPTYPE_MULTIRANGE)
		inner = get_multirange_range(typid);
	else if (typtype == TYPTYPE_COMPOSITE && OidIsValid(relid))
	{
		Relation	rel = relation_open(relid, AccessShareLock);
		TupleDesc	desc = RelationGetDescr(rel);

		for (int i = 0; i < desc->natts && !holds; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				holds = holds_others_domain(TupleDescAttr(desc, i)->atttypid, owner, depth + 1);
		relation_close(rel, AccessShareLock);
		return holds;
	}
	return holds_others_domain(inner, owner, depth + 1);
}

/* The type of the value a node makes, where making it may run a domain's constraints */
static Oid
type_made(Node *node)
{
	switch (nodeTag(node))
	{
		case T_Const:
		case T_FuncExpr:
		case T_OpExpr:
		case T_RelabelType:
		case T_CoerceViaIO:
		case T_ArrayCoerceExpr:
		case T_ConvertRowtypeExpr:
		case T_RowExpr:
		case T_CoerceToDomain:
		case T_CoerceToDomainValue:
			return exprType(node);
		default:
			return InvalidOid;
	}
}

static bool
unsafe_domain_expression(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, unsafe_in_domain, context) || calls_type_input(node) ||
		holds_others_domain(type_made(node), *(Oid *) context, 0))
		return true;
	return expression_tree_walker(node, unsafe_domain_expression, context);
}

static bool
unsafe_stored_expression(Datum stored, Oid domain_owner)
{
	return unsafe_domain_expression(stringToNode(TextDatumGetCString(stored)), &domain_owner);
}

static void
refuse_unsafe_domain(Oid typid)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Oid			owner;
	Oid			base;
	bool		unsafe;
	bool		isnull;
	Datum		value;
	Relation	constraints;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	constraint;

	if (!HeapTupleIsValid(tuple))
		return;
	owner = ((Form_pg_type) GETSTRUCT(tuple))->typowner;
	if (((Form_pg_type) GETSTRUCT(tuple))->typtype != TYPTYPE_DOMAIN || superuser_arg(owner))
	{
		ReleaseSysCache(tuple);
		return;
	}
	base = ((Form_pg_type) GETSTRUCT(tuple))->typbasetype;
	value = SysCacheGetAttr(TYPEOID, tuple, Anum_pg_type_typdefaultbin, &isnull);
	unsafe = !isnull && unsafe_stored_expression(value, owner);
	ReleaseSysCache(tuple);
	unsafe = unsafe || holds_others_domain(base, owner, 0);
	constraints = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_contypid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(typid));
	scan = systable_beginscan(constraints, ConstraintTypidIndexId, true, NULL, 1, &key);
	while (!unsafe && HeapTupleIsValid(constraint = systable_getnext(scan)))
	{
		value = heap_getattr(constraint, Anum_pg_constraint_conbin, RelationGetDescr(constraints), &isnull);
		unsafe = !isnull && unsafe_stored_expression(value, owner);
	}
	systable_endscan(scan);
	table_close(constraints, AccessShareLock);
	if (unsafe)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("domain %s may call only its owner's functions and parallel-safe functions of a superuser, and use no other role's domain",
						format_type_be(typid)),
				 errdetail("The constraints and default of a domain of a role other than a superuser run in the "
						   "statements of every role that makes a value of it, with no function of its owner running: "
						   "a query or a setting there, or another role's function or domain, would run with that role's "
						   "principal."),
				 errhint("Call a function of the domain's owner instead, which runs as that role's code.")));
}

/* The domain a constraint belongs to, or InvalidOid */
static Oid
domain_of_constraint(Oid constraint_id)
{
	HeapTuple	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(constraint_id));
	Oid			domain = InvalidOid;

	if (HeapTupleIsValid(tuple))
	{
		domain = ((Form_pg_constraint) GETSTRUCT(tuple))->contypid;
		ReleaseSysCache(tuple);
	}
	return domain;
}

/*
 * Check every domain that depends on the object -- calls the function,
 * holds the type -- also through the types that hold it (a composite
 * type's or a table's row type with a column of it, an array of it).
 */
static void
refuse_unsafe_dependents(Oid classId, Oid objectId, List **seen)
{
	Relation	depend;
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *domains = NIL;
	List	   *types = NIL;
	ListCell   *lc;

	if (!OidIsValid(objectId))
		return;
	if (classId == TypeRelationId)
	{
		if (list_member_oid(*seen, objectId))
			return;
		*seen = lappend_oid(*seen, objectId);
	}
	depend = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&keys[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(classId));
	ScanKeyInit(&keys[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(depend, DependReferenceIndexId, true, NULL, 2, keys);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dependent = (Form_pg_depend) GETSTRUCT(tuple);

		if (dependent->classid == TypeRelationId)
			types = lappend_oid(types, dependent->objid);
		else if (dependent->classid == ConstraintRelationId)
			domains = lappend_oid(domains, domain_of_constraint(dependent->objid));
		else if (dependent->classid == RelationRelationId && classId == TypeRelationId)
			types = lappend_oid(types, get_rel_type_id(dependent->objid));
	}
	systable_endscan(scan);
	table_close(depend, AccessShareLock);
	foreach(lc, domains)
		refuse_unsafe_domain(lfirst_oid(lc));
	foreach(lc, types)
	{
		refuse_unsafe_domain(lfirst_oid(lc));
		refuse_unsafe_dependents(TypeRelationId, lfirst_oid(lc), seen);
	}
}

/*
 * Check what the commands so far created or changed.  Called when a
 * utility command is done (its error is that command's) and before COMMIT.
 */
void
wfauth_check_changed_domains(void)
{
	List	   *changed = changed_objects;
	ListCell   *lc;

	if (changed == NIL)
		return;
	changed_objects = NIL;
	CommandCounterIncrement();
	foreach(lc, changed)
	{
		ChangedObject *object = lfirst(lc);

		List	   *seen = NIL;

		if (object->classId == TypeRelationId)
		{
			refuse_unsafe_domain(object->objectId);
			refuse_unsafe_dependents(TypeRelationId, object->objectId, &seen);
		}
		else if (object->classId == ConstraintRelationId)
			refuse_unsafe_domain(domain_of_constraint(object->objectId));
		else if (object->classId == RelationRelationId)
			refuse_unsafe_dependents(TypeRelationId, get_rel_type_id(object->objectId), &seen);
		else
			refuse_unsafe_dependents(ProcedureRelationId, object->objectId, &seen);
		list_free(seen);
	}
	list_free_deep(changed);
}

/*
 * A type (CREATE DOMAIN, ALTER DOMAIN ... SET DEFAULT, a new owner), a
 * constraint (ALTER DOMAIN ... ADD) or a function (a new owner) created or
 * changed: noted now, checked once the command has stored all of it.
 */
static void
note_change(ObjectAccessType access, Oid classId, Oid objectId, int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if ((access == OAT_POST_CREATE || access == OAT_POST_ALTER) &&
		(classId == TypeRelationId || classId == ConstraintRelationId || classId == ProcedureRelationId ||
		 classId == RelationRelationId))
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
		ChangedObject *object = palloc(sizeof(ChangedObject));

		object->classId = classId;
		object->objectId = objectId;
		changed_objects = lappend(changed_objects, object);
		MemoryContextSwitchTo(old);
	}
}

static void
check_at_commit(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE)
		wfauth_check_changed_domains();
	else if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
			 event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		changed_objects = NIL;	/* (gone with TopTransactionContext) */
}

void
WfauthDomainsInit(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = note_change;
	RegisterXactCallback(check_at_commit, NULL);
}
