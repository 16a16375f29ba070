/*
 * protected_state.c — what a protected relation looks like, and everything
 * in the database that differs from it.
 *
 * A relation registered in wfauth.protected_tables is protected when:
 *   - row-level security is enabled and forced on it;
 *   - it has wfauth's four policies exactly as protect() made them (command,
 *     PERMISSIVE, TO PUBLIC, and the expressions, which name the column
 *     "acl" by its attribute number: a renamed column shows in their text),
 *     and no other permissive policy (a restrictive one can only narrow);
 *   - it has wfauth's three triggers, enabled, calling wfauth's functions
 *     for the right events, with no column list or WHEN condition, and
 *     depending on no extension (a DROP EXTENSION would take them along);
 *   - no BEFORE ROW trigger of its own fires after wfauth's ACL triggers
 *     (triggers fire in name order) to rewrite an ACL wfauth has checked;
 *   - no rule: a DO INSTEAD rule would send the rows written to it
 *     elsewhere, unprotected;
 *   - it has a column "acl" of type wfauth.acl, NOT NULL;
 *   - every parent and child of it (partition or inheritance) is registered
 *     with the same kind: RLS applies the policies of the table a query
 *     names, so an unprotected relation in the hierarchy would show or take
 *     rows unchecked.
 * wfauth_protection_faults() lists, for every registered relation, each way
 * it differs; the lockdown (lockdown.c) compares the list before and after
 * a command.  Everything here reads the catalogs directly and runs no SQL
 * and no code of a table's owner.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/namespace.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "wfauth.h"

#define ACL_INSERT_TRIGGER "wfauth_acl_insert"
#define ACL_UPDATE_TRIGGER "wfauth_acl_update"
#define TRUNCATE_TRIGGER "wfauth_truncate"

/*
 * wfauth's policies: name, command, and the text pg_get_expr gives back --
 * in the form with the principal as an initplan, or (in a database with
 * Citus, whose distributed tables take no subqueries in policies) called
 * directly.
 */
typedef struct ExpectedPolicy
{
	const char *name;
	char		cmd;
	const char *qual[2];		/* NULL: none */
	const char *with_check[2];	/* NULL: none; "%s": the kind's permission */
} ExpectedPolicy;

#define POLICY_CHECK(mode) \
	{"wfauth.policy_check(( SELECT wfauth.policy_principal() AS policy_principal), acl, '" mode "'::wfauth.access_mode)", \
	 "wfauth.policy_check(wfauth.policy_principal(), acl, '" mode "'::wfauth.access_mode)"}

static const ExpectedPolicy expected_policies[] = {
	{"wfauth_select", 'r', POLICY_CHECK("view"), {NULL, NULL}},
	{"wfauth_insert", 'a', {NULL, NULL},
		{"(( SELECT wfauth.acting_as_dba() AS acting_as_dba) OR "
		 "wfauth.has_permission(( SELECT wfauth.current_principal() AS current_principal), %s::text))",
		 "(wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), %s::text))"}},
	{"wfauth_update", 'w', POLICY_CHECK("modify"), {"true", "true"}},
	{"wfauth_delete", 'd', POLICY_CHECK("modify"), {NULL, NULL}},
};
#define NUM_POLICIES lengthof(expected_policies)

/* wfauth's triggers: name, function, and tgtype */
typedef struct ExpectedTrigger
{
	const char *name;
	const char *function;
	int16		type;
} ExpectedTrigger;

static const ExpectedTrigger expected_triggers[] = {
	{ACL_INSERT_TRIGGER, "_acl_on_insert", TRIGGER_TYPE_ROW | TRIGGER_TYPE_BEFORE | TRIGGER_TYPE_INSERT},
	{ACL_UPDATE_TRIGGER, "_acl_on_update", TRIGGER_TYPE_ROW | TRIGGER_TYPE_BEFORE | TRIGGER_TYPE_UPDATE},
	{TRUNCATE_TRIGGER, "_refuse_truncate", TRIGGER_TYPE_BEFORE | TRIGGER_TYPE_TRUNCATE},
};
#define NUM_TRIGGERS lengthof(expected_triggers)

typedef struct Registered
{
	Oid			relid;			/* hash key */
	int16		kind;
} Registered;

/* One look at every registered relation */
typedef struct Pass
{
	HTAB	   *registered;		/* the registry: relid -> kind */
	HTAB	   *shards;			/* their Citus shards on this node: relid -> kind */
	HTAB	   *marked;			/* other relations marked as shards (see marked_kind()) */
	List	   *held;			/* shards and marked relations protected in full (oids) */
	List	   *extension_triggers;	/* oids of triggers that depend on an extension */
} Pass;

static void
add_fault(List **faults, Oid relid, const char *fmt,...) pg_attribute_printf(3, 4);

static void
add_fault(List **faults, Oid relid, const char *fmt,...)
{
	WfauthFault *fault = palloc(sizeof(WfauthFault));
	va_list		args;
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	fault->relid = relid;
	fault->what = buf.data;
	*faults = lappend(*faults, fault);
}

/*
 * Would a BEFORE ROW trigger of these events, with this name, fire after
 * wfauth's ACL trigger for the same event?
 */
bool
wfauth_late_before_row_trigger(const char *name, int16 type)
{
	if (!TRIGGER_FOR_ROW(type) || !TRIGGER_FOR_BEFORE(type))
		return false;
	return (TRIGGER_FOR_INSERT(type) && strcmp(name, ACL_INSERT_TRIGGER) > 0) ||
		(TRIGGER_FOR_UPDATE(type) && strcmp(name, ACL_UPDATE_TRIGGER) > 0);
}

/* SQL function: wfauth._fires_after_acl_check(tgname name, tgtype smallint) → boolean */
PG_FUNCTION_INFO_V1(wfauth_fires_after_acl_check);
Datum
wfauth_fires_after_acl_check(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(wfauth_late_before_row_trigger(NameStr(*PG_GETARG_NAME(0)), PG_GETARG_INT16(1)));
}

static void
collect_registered(HeapTuple tuple, TupleDesc desc, void *arg)
{
	HTAB	   *registered = arg;
	bool		isnull;
	Oid			relid = DatumGetObjectId(heap_getattr(tuple, Anum_protected_tables_tbl, desc, &isnull));
	Registered *r = hash_search(registered, &relid, HASH_ENTER, NULL);

	r->kind = DatumGetInt16(heap_getattr(tuple, Anum_protected_tables_kind, desc, &isnull));
}

/* The kind relid is protected with, registered or a shard of one that is; 0: neither */
static int16
registered_kind(Pass *pass, Oid relid)
{
	Registered *r = hash_search(pass->registered, &relid, HASH_FIND, NULL);

	if (r == NULL)
		r = hash_search(pass->shards, &relid, HASH_FIND, NULL);
	return r ? r->kind : 0;
}

/* ... or, failing that, marked as a shard */
static int16
kept_kind(Pass *pass, Oid relid)
{
	int16		kind = registered_kind(pass, relid);
	Registered *r;

	if (kind == 0 && (r = hash_search(pass->marked, &relid, HASH_FIND, NULL)) != NULL)
		kind = r->kind;
	return kind;
}

/* "_<digits>" at the end of name, or NULL */
static const char *
shard_suffix(const char *name)
{
	const char *sep = name ? strrchr(name, '_') : NULL;

	return sep && sep[1] != '\0' && strspn(sep + 1, "0123456789") == strlen(sep + 1) ? sep : NULL;
}

/*
 * The kind of wfauth's insert trigger on relid, a relation named like a
 * shard, when the trigger is named like a shard's ("wfauth_acl_insert_102008"
 * on "boards_102008", or on "logs_1_102030", a partition of shard
 * "logs_102008", as its clones are named): what Citus made as a shard of a
 * protected table; 0 otherwise.  The trigger's suffix into suffix
 * (NAMEDATALEN), when given.  A relation so marked is kept as protected
 * even when Citus's catalog no longer lists its shard on this node: a
 * table's owner can delete that row (Citus's citus_internal functions),
 * and must not thereby unlock the rows.
 */
static int16
marked_kind(Oid relid, char *suffix)
{
	Relation	catalog;
	ScanKeyData key;
	SysScanDesc sd;
	HeapTuple	tuple;
	int16		kind = 0;

	if (shard_suffix(get_rel_name(relid)) == NULL)
		return 0;
	catalog = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	sd = systable_beginscan(catalog, TriggerRelidNameIndexId, true, NULL, 1, &key);
	while (kind == 0 && HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		Form_pg_trigger trigger = (Form_pg_trigger) GETSTRUCT(tuple);
		const char *tail = NameStr(trigger->tgname) + strlen(ACL_INSERT_TRIGGER);
		bool		isnull;
		bytea	   *args;
		const WfauthKind *k;

		if (strncmp(NameStr(trigger->tgname), ACL_INSERT_TRIGGER, strlen(ACL_INSERT_TRIGGER)) != 0 ||
			shard_suffix(tail) != tail || trigger->tgnargs != 1 ||
			trigger->tgfoid != wfauth_function_oid(expected_triggers[0].function, 0, NULL))
			continue;
		args = DatumGetByteaPP(heap_getattr(tuple, Anum_pg_trigger_tgargs, RelationGetDescr(catalog), &isnull));
		k = wfauth_kind_by_name(pnstrdup(VARDATA_ANY(args), strnlen(VARDATA_ANY(args), VARSIZE_ANY_EXHDR(args))));
		kind = k ? k->id : 0;
		if (kind != 0 && suffix != NULL)
			strlcpy(suffix, tail, NAMEDATALEN);
	}
	systable_endscan(sd);
	table_close(catalog, AccessShareLock);
	return kind;
}

int16
wfauth_marked_kind(Oid relid)
{
	return marked_kind(relid, NULL);
}

/* Every relation marked as a shard, and its kind (a List of Registered *), from one scan of pg_trigger */
static List *
marked_relations(void)
{
	Oid			insert_function = wfauth_function_oid(expected_triggers[0].function, 0, NULL);
	Relation	catalog = table_open(TriggerRelationId, AccessShareLock);
	SysScanDesc sd = systable_beginscan(catalog, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tuple;
	List	   *marked = NIL;

	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		Form_pg_trigger trigger = (Form_pg_trigger) GETSTRUCT(tuple);
		Registered *r;
		int16		kind;

		if (trigger->tgfoid != insert_function || (kind = marked_kind(trigger->tgrelid, NULL)) == 0)
			continue;
		r = palloc(sizeof(Registered));
		r->relid = trigger->tgrelid;
		r->kind = kind;
		marked = lappend(marked, r);
	}
	systable_endscan(sd);
	table_close(catalog, AccessShareLock);
	return marked;
}

/* Every relation marked as a shard now and not registered or a shard here, into pass->marked */
static void
collect_marked(Pass *pass)
{
	ListCell   *lc;

	foreach(lc, marked_relations())
	{
		Registered *m = lfirst(lc);

		if (registered_kind(pass, m->relid) == 0)
			((Registered *) hash_search(pass->marked, &m->relid, HASH_ENTER, NULL))->kind = m->kind;
	}
}

/*
 * A relation marked as a shard (marked_kind()) of one of shards (ids) that
 * Citus's catalog no longer places on this node, and that is not a
 * leftover Citus drops later; InvalidOid when there is none.
 */
Oid
wfauth_unlisted_marked_shard(List *shards)
{
	ListCell   *lc;

	foreach(lc, marked_relations())
	{
		Oid			relid = ((Registered *) lfirst(lc))->relid;
		const char *suffix = shard_suffix(get_rel_name(relid));

		if (wfauth_shard_listed(shards, strtoi64(suffix + 1, NULL, 10)) &&
			!OidIsValid(wfauth_citus_table_of_shard(relid)) && !wfauth_citus_awaiting_cleanup(relid))
			return relid;
	}
	return InvalidOid;
}

/* The triggers that depend on an extension, from one scan of pg_depend */
static List *
extension_dependent_triggers(void)
{
	Relation	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc sd;
	HeapTuple	tuple;
	List	   *oids = NIL;

	ScanKeyInit(&key, Anum_pg_depend_classid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(TriggerRelationId));
	sd = systable_beginscan(rel, DependDependerIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

		if (dep->deptype == DEPENDENCY_EXTENSION || dep->deptype == DEPENDENCY_AUTO_EXTENSION)
			oids = lappend_oid(oids, dep->objid);
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return oids;
}

static char *
expression_text(HeapTuple tuple, Relation catalog, int attno, Oid relid)
{
	bool		isnull;
	Datum		expr = heap_getattr(tuple, attno, RelationGetDescr(catalog), &isnull);

	if (isnull)
		return NULL;
	return TextDatumGetCString(DirectFunctionCall2(pg_get_expr, expr, ObjectIdGetDatum(relid)));
}

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

/* Is this policy wfauth's, as protect() made it? */
static bool
policy_as_made(HeapTuple tuple, Relation catalog, Oid relid, const ExpectedPolicy *expected,
			   const char *permission)
{
	Form_pg_policy policy = (Form_pg_policy) GETSTRUCT(tuple);
	bool		isnull;
	Datum	   *roles;
	int			nroles;
	char	   *qual;
	char	   *check;
	int			form;

	if (policy->polcmd != expected->cmd || !policy->polpermissive)
		return false;
	deconstruct_array(DatumGetArrayTypeP(heap_getattr(tuple, Anum_pg_policy_polroles,
													  RelationGetDescr(catalog), &isnull)),
					  OIDOID, sizeof(Oid), true, TYPALIGN_INT, &roles, NULL, &nroles);
	if (nroles != 1 || DatumGetObjectId(roles[0]) != ACL_ID_PUBLIC)
		return false;
	qual = expression_text(tuple, catalog, Anum_pg_policy_polqual, relid);
	check = expression_text(tuple, catalog, Anum_pg_policy_polwithcheck, relid);
	for (form = 0; form < 2; form++)
	{
		char	   *with_check = expected->with_check[form] ?
			psprintf(expected->with_check[form], quote_literal_cstr(permission)) : NULL;

		if (same_text(qual, expected->qual[form]) && same_text(check, with_check))
			return true;
	}
	return false;
}

static void
check_policies(List **faults, Oid relid, const WfauthKind *kind)
{
	Relation	catalog = table_open(PolicyRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc sd;
	HeapTuple	tuple;
	bool		found[NUM_POLICIES] = {false};
	int			i;

	ScanKeyInit(&key, Anum_pg_policy_polrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	sd = systable_beginscan(catalog, PolicyPolrelidPolnameIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		Form_pg_policy policy = (Form_pg_policy) GETSTRUCT(tuple);
		bool		ours = false;

		for (i = 0; i < (int) NUM_POLICIES; i++)
			if (strcmp(NameStr(policy->polname), expected_policies[i].name) == 0)
			{
				ours = found[i] = true;
				if (!policy_as_made(tuple, catalog, relid, &expected_policies[i], kind->permission))
					add_fault(faults, relid, "policy \"%s\" is not as wfauth.protect() made it",
							  expected_policies[i].name);
			}
		if (!ours && policy->polpermissive)
			add_fault(faults, relid, "it has a permissive policy \"%s\" besides wfauth's",
					  NameStr(policy->polname));
	}
	systable_endscan(sd);
	table_close(catalog, AccessShareLock);
	for (i = 0; i < (int) NUM_POLICIES; i++)
		if (!found[i])
			add_fault(faults, relid, "policy \"%s\" is missing", expected_policies[i].name);
}

/* How a trigger of wfauth's name differs from what protect() made; NULL: it does not */
static const char *
trigger_difference(Form_pg_trigger trigger, HeapTuple tuple, Relation catalog,
				   const ExpectedTrigger *expected, const WfauthKind *kind)
{
	bool		isnull;

	if (trigger->tgenabled != TRIGGER_FIRES_ON_ORIGIN && trigger->tgenabled != TRIGGER_FIRES_ALWAYS)
		return "is disabled or fires only on replicas";
	if (trigger->tgfoid != wfauth_function_oid(expected->function, 0, NULL) || trigger->tgtype != expected->type ||
		trigger->tgattr.dim1 != 0 || !heap_attisnull(tuple, Anum_pg_trigger_tgqual, NULL))
		return "is not as wfauth.protect() made it";
	if (strcmp(expected->name, ACL_INSERT_TRIGGER) == 0)
	{
		bytea	   *args;

		if (trigger->tgnargs != 1)
			return "is not as wfauth.protect() made it";
		args = DatumGetByteaPP(heap_getattr(tuple, Anum_pg_trigger_tgargs,
											RelationGetDescr(catalog), &isnull));
		/* the argument, NUL-terminated */
		if (VARSIZE_ANY_EXHDR(args) != strlen(kind->name) + 1 ||
			memcmp(VARDATA_ANY(args), kind->name, strlen(kind->name) + 1) != 0)
			return "is not as wfauth.protect() made it";
	}
	else if (trigger->tgnargs != 0)
		return "is not as wfauth.protect() made it";
	return NULL;
}

/*
 * On a Citus shard, the triggers carry the shard's id ("wfauth_acl_insert_102008"),
 * and the TRUNCATE trigger may be missing (a table protected after it was
 * distributed): the utility hook refuses TRUNCATE there (lockdown.c).
 */
static void
check_triggers(List **faults, Oid relid, const WfauthKind *kind, Oid *oids, const char *suffix)
{
	Relation	catalog = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc sd;
	HeapTuple	tuple;
	bool		found[NUM_TRIGGERS] = {false};
	const char *difference;
	int			i;

	ScanKeyInit(&key, Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	sd = systable_beginscan(catalog, TriggerRelidNameIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		Form_pg_trigger trigger = (Form_pg_trigger) GETSTRUCT(tuple);
		bool		ours = false;

		for (i = 0; i < (int) NUM_TRIGGERS; i++)
			if (strncmp(NameStr(trigger->tgname), expected_triggers[i].name, strlen(expected_triggers[i].name)) == 0 &&
				strcmp(NameStr(trigger->tgname) + strlen(expected_triggers[i].name), suffix) == 0)
			{
				ours = found[i] = true;
				oids[i] = trigger->oid;
				difference = trigger_difference(trigger, tuple, catalog, &expected_triggers[i], kind);
				if (difference)
					add_fault(faults, relid, "trigger \"%s\" %s", expected_triggers[i].name, difference);
			}
		if (!ours && !trigger->tgisinternal && trigger->tgenabled != TRIGGER_DISABLED &&
			wfauth_late_before_row_trigger(NameStr(trigger->tgname), trigger->tgtype))
			add_fault(faults, relid, "its BEFORE ROW trigger \"%s\" would fire after wfauth's",
					  NameStr(trigger->tgname));
	}
	systable_endscan(sd);
	table_close(catalog, AccessShareLock);
	for (i = 0; i < (int) NUM_TRIGGERS; i++)
		if (!found[i] && !(suffix[0] != '\0' && strcmp(expected_triggers[i].name, TRUNCATE_TRIGGER) == 0))
			add_fault(faults, relid, "trigger \"%s\" is missing", expected_triggers[i].name);
}

/* A protected relation has no rule (a DO INSTEAD rule diverts its rows). */
static void
check_rules(List **faults, Oid relid)
{
	Relation	catalog = table_open(RewriteRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc sd;
	HeapTuple	tuple;

	ScanKeyInit(&key, Anum_pg_rewrite_ev_class, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	sd = systable_beginscan(catalog, RewriteRelRulenameIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
		add_fault(faults, relid, "it has a rule \"%s\"",
				  NameStr(((Form_pg_rewrite) GETSTRUCT(tuple))->rulename));
	systable_endscan(sd);
	table_close(catalog, AccessShareLock);
}

/*
 * Every parent and child of a registered relation or of its shard is
 * registered, or its shard, with the same kind: one scan of pg_inherits.
 * (On a Citus node, a partition made of a shard, or a look-alike the shard
 * inherits from, is neither.)
 */
static void
check_hierarchies(Pass *pass, List **faults)
{
	Relation	rel = table_open(InheritsRelationId, AccessShareLock);
	SysScanDesc sd = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		Form_pg_inherits inh = (Form_pg_inherits) GETSTRUCT(tuple);
		int16		parent = registered_kind(pass, inh->inhparent);
		int16		child = registered_kind(pass, inh->inhrelid);

		/* a relation only marked as a shard may be joined only to one protected or marked */
		if (parent == 0 && child == 0)
			parent = kept_kind(pass, inh->inhparent), child = kept_kind(pass, inh->inhrelid);
		if (parent != 0 && child != parent)
			add_fault(faults, inh->inhparent, "its child \"%s\" is not protected with the same kind",
					  get_rel_name(inh->inhrelid));
		if (child != 0 && parent != child)
			add_fault(faults, inh->inhrelid, "its parent \"%s\" is not protected with the same kind",
					  get_rel_name(inh->inhparent));
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
}

/*
 * How a relation differs from its protected state in its own catalog rows
 * (pg_class, pg_attribute, pg_policy, pg_trigger), and the oids of wfauth's
 * triggers on it.
 */
static List *
own_faults(Oid relid, const WfauthKind *kind, Oid *trigger_oids)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	List	   *faults = NIL;
	Form_pg_class rel;

	if (!HeapTupleIsValid(tuple))
		return NIL;				/* being dropped in this very command */
	rel = (Form_pg_class) GETSTRUCT(tuple);
	if (!rel->relrowsecurity)
		add_fault(&faults, relid, "row-level security is disabled");
	else if (!rel->relforcerowsecurity)
		add_fault(&faults, relid, "row-level security is not forced");
	ReleaseSysCache(tuple);

	tuple = SearchSysCacheAttName(relid, "acl");
	if (!HeapTupleIsValid(tuple))
		add_fault(&faults, relid, "it has no column \"acl\"");
	else
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tuple);

		if (att->atttypid != wfauth_acl_type_oid())
			add_fault(&faults, relid, "its column \"acl\" is not of type wfauth.acl");
		else if (!att->attnotnull)
			add_fault(&faults, relid, "its column \"acl\" may be null");
		ReleaseSysCache(tuple);
	}
	check_policies(&faults, relid, kind);
	{
		const char *name = get_rel_name(relid);
		char		suffix[NAMEDATALEN] = "";

		/* a shard's triggers carry its id, or its root partitioned shard's (clones) */
		if (marked_kind(relid, suffix) == 0 && OidIsValid(wfauth_citus_table_of_shard(relid)) && shard_suffix(name))
			strlcpy(suffix, shard_suffix(name), sizeof(suffix));

		check_triggers(&faults, relid, kind, trigger_oids, suffix);
	}
	check_rules(&faults, relid);
	return faults;
}

/*
 * own_faults() prints the policies' expressions, which costs; its answer is
 * kept per relation until a relcache invalidation of the relation, which
 * every change of those catalog rows sends (at the command's end for this
 * transaction's own changes).  What such a change does not invalidate is
 * read every time: extension dependencies (pg_depend) and the hierarchy
 * (pg_inherits).
 */
typedef struct CachedState
{
	Oid			relid;			/* hash key */
	bool		valid;
	int16		kind;
	List	   *faults;			/* of char *, in CacheMemoryContext */
	Oid			trigger_oids[NUM_TRIGGERS];
} CachedState;

static HTAB *state_cache = NULL;
static uint64 state_invalidations = 0;

static void
forget_state(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	CachedState *entry;

	state_invalidations++;
	if (state_cache == NULL)
		return;
	if (OidIsValid(relid))
	{
		entry = hash_search(state_cache, &relid, HASH_FIND, NULL);
		if (entry)
			entry->valid = false;
		return;
	}
	hash_seq_init(&status, state_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		entry->valid = false;
}

static CachedState *
cached_state(Oid relid, const WfauthKind *kind)
{
	CachedState *entry;
	bool		found;

	if (state_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(CachedState);
		ctl.hcxt = CacheMemoryContext;
		state_cache = hash_create("wfauth protected states", 64, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(forget_state, (Datum) 0);
	}
	entry = hash_search(state_cache, &relid, HASH_ENTER, &found);
	if (!found)
	{
		entry->valid = false;
		entry->faults = NIL;
	}
	if (!entry->valid || entry->kind != kind->id)
	{
		uint64		invalidations = state_invalidations;
		Oid			oids[NUM_TRIGGERS] = {InvalidOid};
		List	   *faults = own_faults(relid, kind, oids);
		MemoryContext old = MemoryContextSwitchTo(CacheMemoryContext);
		ListCell   *lc;

		list_free_deep(entry->faults);
		entry->faults = NIL;
		foreach(lc, faults)
			entry->faults = lappend(entry->faults, pstrdup(((WfauthFault *) lfirst(lc))->what));
		MemoryContextSwitchTo(old);
		memcpy(entry->trigger_oids, oids, sizeof(oids));
		entry->kind = kind->id;
		/* an invalidation that arrived while reading may concern this relation */
		entry->valid = (invalidations == state_invalidations);
	}
	return entry;
}

/*
 * Is relid protected (registered, or a shard on this node of a table that
 * is) and in full, with no fault of its own?  A relation Citus's catalog
 * calls a shard is not thereby protected: a table's owner can write that
 * catalog on a worker.
 */
bool
wfauth_protected_in_full(Oid relid)
{
	int16		kind_id = wfauth_protected_kind(relid);
	const WfauthKind *kind = kind_id != 0 ? wfauth_kind_by_id(kind_id) : NULL;
	bool		full;
	int			level;

	if (kind == NULL || !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return false;
	level = wfauth_pin();
	full = cached_state(relid, kind)->faults == NIL;
	wfauth_unpin(level);
	return full;
}

static void
check_relation(Pass *pass, List **faults, Oid relid, int16 kind_id)
{
	const WfauthKind *kind = wfauth_kind_by_id(kind_id);
	CachedState *state;
	ListCell   *lc;
	int			i;

	if (kind == NULL || !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return;					/* being dropped in this very command */
	state = cached_state(relid, kind);
	foreach(lc, state->faults)
		add_fault(faults, relid, "%s", (char *) lfirst(lc));
	for (i = 0; i < (int) NUM_TRIGGERS; i++)
		if (OidIsValid(state->trigger_oids[i]) &&
			list_member_oid(pass->extension_triggers, state->trigger_oids[i]))
			add_fault(faults, relid, "trigger \"%s\" depends on an extension", expected_triggers[i].name);
}

/*
 * A Citus table's shards on this node are protected as it is, each under
 * the name Citus gives it (its table's, and "_" and its id, in its
 * schema): a shard renamed or moved to another schema is a missing one.
 */
static void
check_shards(Pass *pass, List **faults, Oid relid, int16 kind_id)
{
	int64	   *shards;
	int			n = wfauth_citus_local_shards(relid, &shards);
	char	   *table = get_rel_name(relid);
	int			i;

	for (i = 0; i < n && table; i++)
	{
		char	   *name = wfauth_citus_shard_name(table, shards[i]);
		Oid			shard = get_relname_relid(name, get_rel_namespace(relid));

		if (!OidIsValid(shard))
			add_fault(faults, relid, "its shard \"%s\" is missing on this node", name);
		else
		{
			Registered *r = hash_search(pass->shards, &shard, HASH_ENTER, NULL);
			int			known = list_length(*faults);

			r->kind = kind_id;
			check_relation(pass, faults, shard, kind_id);
			if (list_length(*faults) == known)
				pass->held = lappend_oid(pass->held, shard);
		}
	}
}

/*
 * Every way a registered relation, a shard of one on this node, or a
 * relation marked as a shard differs from its protected state, as a list
 * of WfauthFault.  since: only the marked relations of *marked (oids: the
 * shards and marked relations protected in full when the command began),
 * and each of *marked that is neither a shard in Citus's catalog nor marked
 * any longer; otherwise every marked one, and the oids of the shards and
 * marked relations protected in full into *marked when it is given.
 * Expressions are printed with search_path pinned, so wfauth's names always
 * come out schema-qualified.
 */
static List *
protection_faults(bool since, List **marked)
{
	Pass		pass;
	HASHCTL		ctl;
	HASH_SEQ_STATUS status;
	Registered *r;
	List	   *faults = NIL;
	ListCell   *lc;
	int			level;
	List	   *before = since ? *marked : NIL;

	if (marked)
		*marked = NIL;
	if (!wfauth_table_exists(WFAUTH_PROTECTED_TABLES))
		return NIL;
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(Registered);
	ctl.hcxt = CurrentMemoryContext;
	pass.registered = hash_create("wfauth registered relations", 64, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	pass.shards = hash_create("wfauth protected shards", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	pass.marked = hash_create("wfauth marked shards", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	pass.held = NIL;
	/* (on a Citus node, shards may be marked while no table is registered yet) */
	if (wfauth_scan_all(WFAUTH_PROTECTED_TABLES, collect_registered, pass.registered) == 0 &&
		!OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)))
	{
		hash_destroy(pass.marked);
		hash_destroy(pass.shards);
		hash_destroy(pass.registered);
		return NIL;
	}
	pass.extension_triggers = extension_dependent_triggers();
	level = wfauth_pin();
	hash_seq_init(&status, pass.registered);
	while ((r = hash_seq_search(&status)) != NULL)
	{
		check_relation(&pass, &faults, r->relid, r->kind);
		check_shards(&pass, &faults, r->relid, r->kind);
	}
	collect_marked(&pass);
	hash_seq_init(&status, pass.marked);
	while ((r = hash_seq_search(&status)) != NULL)
	{
		int			known = list_length(faults);

		/*
		 * Only one protected in full before the command is held to it: one
		 * Citus is protecting (protect()'s DDL reaches a shard command by
		 * command) is not yet.
		 */
		if (since && !list_member_oid(before, r->relid))
			continue;
		add_fault(&faults, r->relid, "it is marked as a shard of a protected table that Citus does not place on this node");
		check_relation(&pass, &faults, r->relid, r->kind);
		if (list_length(faults) == known + 1)
			pass.held = lappend_oid(pass.held, r->relid);
	}
	if (marked)
		*marked = pass.held;
	foreach(lc, before)
	{
		Oid			relid = lfirst_oid(lc);

		if (kept_kind(&pass, relid) == 0 && SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			add_fault(&faults, relid, "it is no longer a shard of a protected table, neither in Citus's catalog nor marked");
	}
	wfauth_unpin(level);
	check_hierarchies(&pass, &faults);
	list_free(pass.extension_triggers);
	hash_destroy(pass.marked);
	hash_destroy(pass.shards);
	hash_destroy(pass.registered);
	return faults;
}

/* Every fault now */
List *
wfauth_protection_faults(void)
{
	return protection_faults(false, NULL);
}

/* ... and the relations marked as shards now (oids), for wfauth_protection_faults_since() */
List *
wfauth_protection_faults_marking(List **marked)
{
	return protection_faults(false, marked);
}

/* Every fault now of what was protected or marked before (marked: as the above gave them) */
List *
wfauth_protection_faults_since(List *marked)
{
	return protection_faults(true, &marked);
}

static void
collect_schema(HeapTuple tuple, TupleDesc desc, void *arg)
{
	List	  **schemas = arg;
	bool		isnull;
	Oid			relid = DatumGetObjectId(heap_getattr(tuple, Anum_protected_tables_tbl, desc, &isnull));
	char	   *schema = get_namespace_name(get_rel_namespace(relid));
	WfauthFault *named;

	if (schema == NULL)
		return;
	named = palloc(sizeof(WfauthFault));
	named->relid = relid;
	named->what = schema;
	*schemas = lappend(*schemas, named);
}

/*
 * The schema of every registered relation (WfauthFault: relid, and in what
 * its schema's name), for wfauth_schema_renamed().  Statements find a
 * table by its schema's name -- Citus's too, a shard on a worker -- so a
 * protected table's schema is not renamed, nor the table moved to another:
 * a schema made under the old name, with a plain table named as the
 * protected one, would take the statements meant for it.  (The schema
 * public is the database owner's.)
 */
List *
wfauth_protected_schemas(void)
{
	List	   *schemas = NIL;

	if (wfauth_table_exists(WFAUTH_PROTECTED_TABLES))
		wfauth_scan_all(WFAUTH_PROTECTED_TABLES, collect_schema, &schemas);
	return schemas;
}

/* One of schemas (above) still there, in a schema of another name now: a fault to refuse; NULL if none */
WfauthFault *
wfauth_schema_renamed(List *schemas)
{
	ListCell   *lc;

	foreach(lc, schemas)
	{
		WfauthFault *named = lfirst(lc);
		char	   *now = get_namespace_name(get_rel_namespace(named->relid));
		WfauthFault *fault;

		if (now == NULL || strcmp(now, named->what) == 0)
			continue;
		fault = palloc(sizeof(WfauthFault));
		fault->relid = named->relid;
		fault->what = psprintf("it is in schema \"%s\", no longer in \"%s\" where statements find it", now, named->what);
		return fault;
	}
	return NULL;
}

/*
 * SQL function: wfauth.protection_faults() → TABLE(tbl regclass, fault text)
 * For DBAs: every way a protected table differs from what wfauth.protect()
 * made (none, unless a DBA changed it by hand).
 */
PG_FUNCTION_INFO_V1(wfauth_protection_faults_sql);
Datum
wfauth_protection_faults_sql(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	foreach(lc, wfauth_protection_faults())
	{
		WfauthFault *fault = lfirst(lc);
		Datum		values[2] = {ObjectIdGetDatum(fault->relid), CStringGetTextDatum(fault->what)};
		bool		nulls[2] = {false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
