/*
 * catalog.c — direct reads of wfauth's own tables, without SPI.
 *
 * The principal context (context.c), the model triggers and the guards of
 * protected tables (lockdown.c) read a handful of rows by a bigint or oid key.  Going through the heap and a btree index directly
 * costs a few microseconds, works in parallel workers, needs no privileges
 * on the tables, and sees the latest committed state plus the transaction's
 * own changes (systable scans use a catalog snapshot).  Tables and indexes
 * are looked up by name once and their OIDs kept until a relcache
 * invalidation names one of them (or all), so a dropped and re-created
 * extension is never read through stale OIDs; the column numbers in wfauth.h
 * are checked against the table's definition the first time a backend reads
 * it.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "wfauth.h"

typedef struct TableInfo
{
	const char *table;
	const char *index;			/* btree whose first column is the key */
	AttrNumber	key;			/* that column's number in the table */
	RegProcedure keyeq;			/* equality of the key's type */
	const char *columns[10];	/* expected names of attnums 1.. */
} TableInfo;

static const TableInfo tables[WFAUTH_TABLE_COUNT] = {
	[WFAUTH_PRINCIPALS] = {"principals", "principals_pkey", Anum_principals_id, F_INT8EQ,
	{"id", "kind", "name", "name_key", "description", "active", "super_admin"}},
	[WFAUTH_GROUP_MEMBERS] = {"group_members", "group_members_member_idx", Anum_group_members_member_id, F_INT8EQ,
	{"group_id", "member_id"}},
	[WFAUTH_PERMISSION_GRANTS] = {"permission_grants", "permission_grants_pkey", Anum_permission_grants_principal_id, F_INT8EQ,
	{"principal_id", "permission"}},
	[WFAUTH_ROLE_GRANTS] = {"role_grants", "role_grants_pkey", Anum_role_grants_principal_id, F_INT8EQ,
	{"principal_id", "role_id"}},
	[WFAUTH_ROLE_PERMISSIONS] = {"role_permissions", "role_permissions_pkey", Anum_role_permissions_role_id, F_INT8EQ,
	{"role_id", "permission"}},
	[WFAUTH_KINDS] = {"kinds", "kinds_pkey", Anum_kinds_id, F_INT2EQ,
	{"id", "name", "permission"}},
	[WFAUTH_SETTINGS] = {"settings", "settings_pkey", 1, F_BOOLEQ,
	{"singleton", "new_object_access"}},
	[WFAUTH_PERMISSIONS] = {"permissions", "permissions_pkey", 1, F_TEXTEQ,
	{"name", "api_name", "description", "builtin"}},
	[WFAUTH_PROTECTED_TABLES] = {"protected_tables", "protected_tables_pkey", Anum_protected_tables_tbl, F_OIDEQ,
	{"tbl", "kind"}},
	[WFAUTH_TOKENS] = {"tokens", "tokens_digest_key", Anum_tokens_digest, F_BYTEAEQ,
	{"id", "account_id", "name", "digest", "display_prefix", "created_at", "created_by",
	"last_used_at", "expires_at", "revoked_at"}},
	[WFAUTH_SESSIONS] = {"sessions", "sessions_digest_key", Anum_sessions_digest, F_BYTEAEQ,
	{"id", "account_id", "digest", "created_at", "last_seen_at", "expires_at", "ended_at"}},
	[WFAUTH_PASSWORDS] = {"passwords", "passwords_pkey", Anum_passwords_account_id, F_INT8EQ,
	{"account_id", "hash", "changed_at", "failed_attempts", "last_failed_at"}},
	[WFAUTH_ACTIVATIONS] = {"activations", "activations_digest_key", Anum_activations_digest, F_BYTEAEQ,
	{"id", "account_id", "digest", "created_at", "expires_at", "used_at"}},
	[WFAUTH_TENANTS] = {"tenant_catalog", "tenant_catalog_pkey", Anum_tenants_id, F_INT8EQ,
	{"id", "name", "name_key", "everyone_id"}},
	[WFAUTH_TENANT_SETTINGS] = {"tenant_settings", "tenant_settings_pkey", Anum_tenant_settings_tenant_id, F_INT8EQ,
	{"tenant_id", "new_object_access"}},
};

static Oid	checked_relid[WFAUTH_TABLE_COUNT];
static Oid	table_oids[WFAUTH_TABLE_COUNT];	/* where the rows are */
static Oid	index_oids[WFAUTH_TABLE_COUNT];
static Oid	named_oids[WFAUTH_TABLE_COUNT];	/* the table of that name */
static bool provisional[WFAUTH_TABLE_COUNT];	/* a shard not made yet: look again */

/* A relcache invalidation of one of our relations (or of all) forgets the OIDs. */
static void
forget_oids(Datum arg, Oid relid)
{
	int			i;

	for (i = 0; i < WFAUTH_TABLE_COUNT; i++)
		if (!OidIsValid(relid) || table_oids[i] == relid || index_oids[i] == relid ||
			named_oids[i] == relid)
		{
			memset(table_oids, 0, sizeof(table_oids));
			memset(index_oids, 0, sizeof(index_oids));
			memset(named_oids, 0, sizeof(named_oids));
			return;
		}
}

void
WfauthCatalogInit(void)
{
	CacheRegisterRelcacheCallback(forget_oids, (Datum) 0);
}

static Oid
schema_oid(bool missing_ok)
{
	Oid			nsp = get_namespace_oid("wfauth", true);

	if (!OidIsValid(nsp) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"wfauth\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION wfauth.")));
	return nsp;
}

/* The type wfauth.acl (InvalidOid when the extension is not installed). */
Oid
wfauth_acl_type_oid(void)
{
	Oid			nsp = schema_oid(true);

	return OidIsValid(nsp) ?
		GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("acl"), ObjectIdGetDatum(nsp)) :
		InvalidOid;
}

/* The GIN operator family wfauth.acl_ops (InvalidOid when not installed). */
Oid
wfauth_acl_opfamily_oid(void)
{
	Oid			nsp = schema_oid(true);

	return OidIsValid(nsp) ?
		GetSysCacheOid3(OPFAMILYAMNAMENSP, Anum_pg_opfamily_oid, ObjectIdGetDatum(GIN_AM_OID),
						CStringGetDatum("acl_ops"), ObjectIdGetDatum(nsp)) :
		InvalidOid;
}

static Oid
relation_oid(const char *name)
{
	Oid			relid = get_relname_relid(name, schema_oid(false));

	if (!OidIsValid(relid))
		elog(ERROR, "wfauth relation \"%s\" is missing", name);
	return relid;
}

/*
 * Column want of the row of Citus's pg_dist_shard whose column keyatt is
 * key (by index); 0 when there is none, or no Citus in this database.
 * Citus's catalog is read directly, as this file reads wfauth's.
 */
static Datum
dist_shard_lookup(const char *index, AttrNumber keyatt, RegProcedure eq, Datum key, AttrNumber want)
{
	Oid			dist_shard = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	Oid			index_oid = get_relname_relid(index, PG_CATALOG_NAMESPACE);
	Relation	rel;
	SysScanDesc sd;
	ScanKeyData skey;
	HeapTuple	tuple;
	Datum		result = (Datum) 0;

	if (!OidIsValid(dist_shard) || !OidIsValid(index_oid))
		return (Datum) 0;
	rel = table_open(dist_shard, AccessShareLock);
	ScanKeyInit(&skey, keyatt, BTEqualStrategyNumber, eq, key);
	sd = systable_beginscan(rel, index_oid, true, NULL, 1, &skey);
	if (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		bool		isnull;

		result = heap_getattr(tuple, want, RelationGetDescr(rel), &isnull);
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return result;
}

/* Is relid a Citus table with shards (distributed, reference)? */
bool
wfauth_citus_table(Oid relid)
{
	return DatumGetInt64(dist_shard_lookup("pg_dist_shard_logical_relid_index", 1, F_OIDEQ,
										   ObjectIdGetDatum(relid), 2)) != 0;
}

/*
 * The shard of a Citus reference table (0 for a table of this node alone).
 * wfauth.distribute_model() makes the model's tables reference tables: their
 * rows then live in one shard with a copy on every node, and the table of
 * that name (Citus's "shell") keeps nothing this reads.
 */
static int64
reference_shard(Oid relid)
{
	/* pg_dist_shard: logicalrelid (1), shardid (2) */
	return DatumGetInt64(dist_shard_lookup("pg_dist_shard_logical_relid_index", 1, F_OIDEQ,
										   ObjectIdGetDatum(relid), 2));
}

/*
 * The relation holding this node's rows of table, and its key's index.
 * While distribute_model() runs, a shard may be listed before it or its
 * index is made, and the rows are still in the table of that name: that is
 * read, and looked up again next time.  Every lookup is done before the
 * cache is written, and the answer returned is the one found: a lookup can
 * process invalidations, and forget_oids() may clear the cache meanwhile.
 */
static Oid
resolve(WfauthTable table, bool want_index)
{
	Oid			named = relation_oid(tables[table].table);
	Oid			relid = named;
	Oid			index = InvalidOid;
	int64		shard = reference_shard(relid);
	bool		wait_for_shard = false;

	if (shard != 0)
	{
		Oid			shard_relid = get_relname_relid(psprintf("%s_" INT64_FORMAT, tables[table].table, shard),
													schema_oid(false));
		Oid			shard_index = get_relname_relid(psprintf("%s_" INT64_FORMAT, tables[table].index, shard),
													schema_oid(false));

		if (OidIsValid(shard_relid) && OidIsValid(shard_index))
			relid = shard_relid, index = shard_index;
		else
			wait_for_shard = true;
	}
	if (!OidIsValid(index))
		index = relation_oid(tables[table].index);
	named_oids[table] = named;
	provisional[table] = wait_for_shard;
	table_oids[table] = relid;
	index_oids[table] = index;
	return want_index ? index : relid;
}

Oid
wfauth_table_oid(WfauthTable table)
{
	Oid			relid = table_oids[table];

	return OidIsValid(relid) && !provisional[table] ? relid : resolve(table, false);
}

/*
 * Does the table exist?  A table that 1.2 added is missing while a 1.0 or
 * 1.1 schema runs on this library, before ALTER EXTENSION wfauth UPDATE.
 */
bool
wfauth_table_exists(WfauthTable table)
{
	return OidIsValid(table_oids[table]) ||
		OidIsValid(get_relname_relid(tables[table].table, schema_oid(false)));
}

static Oid
index_oid(WfauthTable table)
{
	Oid			index = index_oids[table];

	return OidIsValid(index) && !provisional[table] ? index : resolve(table, true);
}

static void
check_columns(WfauthTable table, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	size_t		i;

	if (checked_relid[table] == RelationGetRelid(rel))
		return;
	for (i = 0; i < lengthof(tables[table].columns) && tables[table].columns[i]; i++)
	{
		if (i >= (size_t) desc->natts ||
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), tables[table].columns[i]) != 0)
			elog(ERROR, "wfauth table \"%s\" does not have the expected column \"%s\" at position %d",
				 tables[table].table, tables[table].columns[i], (int) i + 1);
	}
	checked_relid[table] = RelationGetRelid(rel);
}

static int
scan(WfauthTable table, int nkeys, ScanKey keys, Snapshot snapshot,
	 WfauthRowCallback callback, void *arg)
{
	Relation	rel;
	SysScanDesc sd;
	HeapTuple	tuple;
	int			n = 0;

	rel = table_open(wfauth_table_oid(table), AccessShareLock);
	check_columns(table, rel);
	sd = systable_beginscan(rel, nkeys > 0 ? index_oid(table) : InvalidOid,
							nkeys > 0, snapshot, nkeys, keys);
	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		callback(tuple, RelationGetDescr(rel), arg);
		n++;
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return n;
}

/* scan() of the rows whose key column equals key */
static int
scan_key(WfauthTable table, Datum key, Snapshot snapshot, WfauthRowCallback callback, void *arg)
{
	ScanKeyData skey;

	ScanKeyInit(&skey, tables[table].key, BTEqualStrategyNumber, tables[table].keyeq, key);
	return scan(table, 1, &skey, snapshot, callback, arg);
}

/*
 * Call callback for every row of table whose key column equals key; returns
 * the number of rows seen.
 */
int
wfauth_scan_by_id(WfauthTable table, int64 key, WfauthRowCallback callback, void *arg)
{
	return scan_key(table, Int64GetDatum(key), NULL, callback, arg);
}

/*
 * Call callback for the row of table (tokens, sessions) whose id -- its
 * primary key, "<table>_pkey", column 1 -- is id, under a snapshot taken
 * now; returns the number of rows seen (0 or 1).
 */
int
wfauth_scan_by_pkey(WfauthTable table, int64 id, WfauthRowCallback callback, void *arg)
{
	Oid			relid = wfauth_table_oid(table);
	Oid			named = named_oids[table];	/* read before a lookup can clear it */
	const char *relname = get_rel_name(relid);
	const char *shard = strrchr(relname, '_');
	char	   *index_name;
	Oid			index;
	Relation	rel;
	SysScanDesc sd;
	ScanKeyData key;
	HeapTuple	tuple;
	int			n = 0;

	/* a Citus shard's index carries its id, as the shard does */
	index_name = relid != named && shard ?
		psprintf("%s_pkey%s", tables[table].table, shard) : psprintf("%s_pkey", tables[table].table);
	index = relation_oid(index_name);
	rel = table_open(relid, AccessShareLock);
	check_columns(table, rel);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
	sd = systable_beginscan(rel, index, true, GetLatestSnapshot(), 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		callback(tuple, RelationGetDescr(rel), arg);
		n++;
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return n;
}

/*
 * Like wfauth_scan_by_id, for any key type, under a snapshot taken now: the
 * latest committed state (and this transaction's own changes), whatever the
 * transaction's snapshot -- an old REPEATABLE READ or imported one included.
 * Credentials are read this way.
 */
int
wfauth_scan_latest(WfauthTable table, Datum key, WfauthRowCallback callback, void *arg)
{
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	int			n = scan_key(table, key, snapshot, callback, arg);

	UnregisterSnapshot(snapshot);
	return n;
}

/* The owner of a relation (of wfauth's own tables: the extension's owner). */
Oid
wfauth_relation_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

static void
read_protected_kind(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;

	*(int16 *) arg = DatumGetInt16(heap_getattr(tuple, Anum_protected_tables_kind, desc, &isnull));
}

/* This node's group in Citus's metadata (-1: none) */
static int32
citus_local_group(void)
{
	Oid			local_group = get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE);
	Relation	rel;
	SysScanDesc sd;
	HeapTuple	tuple;
	int32		group = -1;

	if (!OidIsValid(local_group))
		return -1;
	rel = table_open(local_group, AccessShareLock);
	sd = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	if (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		bool		isnull;

		group = DatumGetInt32(heap_getattr(tuple, 1, RelationGetDescr(rel), &isnull));
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return group;
}

/* Does Citus place shard in group (this node's: a row of pg_dist_placement)? */
static bool
placed_in(int64 shard, int32 group)
{
	Oid			placement = get_relname_relid("pg_dist_placement", PG_CATALOG_NAMESPACE);
	Oid			by_shard = get_relname_relid("pg_dist_placement_shardid_index", PG_CATALOG_NAMESPACE);
	Relation	rel;
	SysScanDesc sd;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		here = false;

	if (!OidIsValid(placement) || !OidIsValid(by_shard) || group < 0)
		return false;
	rel = table_open(placement, AccessShareLock);
	/* pg_dist_placement: shardid (2), groupid (5) */
	ScanKeyInit(&key, 2, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(shard));
	sd = systable_beginscan(rel, by_shard, true, NULL, 1, &key);
	while (!here && HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		bool		isnull;

		here = DatumGetInt32(heap_getattr(tuple, 5, RelationGetDescr(rel), &isnull)) == group;
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return here;
}

/*
 * The name Citus gives shard of the table named table: "_" and the id
 * appended, a long name cut and hashed to fit (Citus's AppendShardIdToName).
 */
char *
wfauth_citus_shard_name(const char *table, int64 shard)
{
	static void (*append_shard_id) (char **name, uint64 shard) = NULL;
	char	   *name = pstrdup(table);

	if (append_shard_id == NULL)
		append_shard_id = load_external_function("citus", "AppendShardIdToName", false, NULL);
	if (append_shard_id == NULL)
		return psprintf("%s_" INT64_FORMAT, table, shard);
	append_shard_id(&name, (uint64) shard);
	return name;
}

/*
 * If relid is a shard of a Citus table on this node (named as Citus names
 * it, in its schema, listed in Citus's catalog and placed on this node), that
 * table; InvalidOid otherwise.  A relation named like a shard another node
 * holds is no shard here.
 */
Oid
wfauth_citus_table_of_shard(Oid relid)
{
	char	   *name;
	char	   *sep;
	char	   *end;
	int64		shard;
	Oid			table;

	if ((name = get_rel_name(relid)) == NULL || (sep = strrchr(name, '_')) == NULL ||
		!isdigit((unsigned char) sep[1]))
		return InvalidOid;
	shard = strtoi64(sep + 1, &end, 10);
	if (*end != '\0')
		return InvalidOid;
	table = DatumGetObjectId(dist_shard_lookup("pg_dist_shard_shardid_index", 2, F_INT8EQ,
											   Int64GetDatum(shard), 1));
	if (OidIsValid(table))
	{
		char	   *table_name = get_rel_name(table);

		if (table_name == NULL || get_rel_namespace(table) != get_rel_namespace(relid) ||
			strcmp(wfauth_citus_shard_name(table_name, shard), name) != 0 ||
			!placed_in(shard, citus_local_group()))
			table = InvalidOid;
	}
	return table;
}

/*
 * The shards of Citus table relid that Citus places on this node (ids, in
 * *shards, palloc'd); their number.  0 for a table Citus does not know.
 */
int
wfauth_citus_local_shards(Oid relid, int64 **shards)
{
	Oid			dist_shard = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	Oid			by_table = get_relname_relid("pg_dist_shard_logical_relid_index", PG_CATALOG_NAMESPACE);
	int32		group = citus_local_group();
	Relation	rel;
	SysScanDesc sd;
	ScanKeyData key;
	HeapTuple	tuple;
	int			n = 0,
				max = 16;

	*shards = NULL;
	if (!OidIsValid(dist_shard) || !OidIsValid(by_table) || group < 0)
		return 0;
	*shards = palloc(max * sizeof(int64));
	rel = table_open(dist_shard, AccessShareLock);
	/* pg_dist_shard: logicalrelid (1), shardid (2) */
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	sd = systable_beginscan(rel, by_table, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		bool		isnull;
		int64		shard = DatumGetInt64(heap_getattr(tuple, 2, RelationGetDescr(rel), &isnull));

		if (!placed_in(shard, group))
			continue;
		if (n == max)
			*shards = repalloc(*shards, (max *= 2) * sizeof(int64));
		(*shards)[n++] = shard;
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return n;
}

/* shards, a List of int64 *, with shard */
static List *
lappend_shard(List *shards, int64 shard)
{
	int64	   *id = palloc(sizeof(int64));

	*id = shard;
	return lappend(shards, id);
}

/* Is shard in shards (a List of int64 *)? */
bool
wfauth_shard_listed(List *shards, int64 shard)
{
	ListCell   *lc;

	foreach(lc, shards)
		if (*(int64 *) lfirst(lc) == shard)
			return true;
	return false;
}

/* Did this transaction end this version of a row (delete it, or update it)? */
static bool
ended_here(HeapTupleHeader header)
{
	return !(header->t_infomask & HEAP_XMAX_INVALID) && !HEAP_XMAX_IS_LOCKED_ONLY(header->t_infomask) &&
		TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetUpdateXid(header));
}

/* The last command of this transaction that added a catalog row of table, in *added */
static void
note_added(List **added, Oid table, CommandId cid)
{
	ListCell   *lc;
	CitusTableAdded *entry;

	foreach(lc, *added)
		if ((entry = lfirst(lc))->table == table)
		{
			entry->last = Max(entry->last, cid);
			return;
		}
	entry = palloc(sizeof(CitusTableAdded));
	entry->table = table;
	entry->last = cid;
	*added = lappend(*added, entry);
}

/*
 * What this transaction changed in Citus's catalog of distributed tables,
 * every version of the rows read (SnapshotAny), into *changes:
 *   here: the ids (int64 *) of the shards whose rows it ended --
 *     pg_dist_shard's, and pg_dist_placement's for this node;
 *   tables: the tables (oids) whose rows it ended, in pg_dist_partition,
 *     pg_dist_shard or pg_dist_placement (any node), or to which it added a
 *     shard or a placement of a shard it did not add as well: a table
 *     distributed in this transaction has all its rows new;
 *   distributed: the tables it distributed (pg_dist_partition rows it
 *     added), and added: for each table it added rows of, the last command
 *     that did (CitusTableAdded *);
 *   reassigned: tables it gave a shard id whose row of another table it
 *     ended (Citus never gives a shard's id to another table).
 */
void
wfauth_citus_catalog_changes(CitusCatalogChanges *changes)
{
	/* pg_dist_partition: logicalrelid (1); pg_dist_shard: logicalrelid (1), shardid (2);
	 * pg_dist_placement: shardid (2), groupid (5) */
	const char *catalogs[3] = {"pg_dist_partition", "pg_dist_shard", "pg_dist_placement"};
	int32		group = citus_local_group();
	List	   *new_shards = NIL;
	List	   *new_shard_tables = NIL;
	List	   *ended_shards = NIL;
	List	   *ended_shard_tables = NIL;
	ListCell   *a;
	ListCell   *b;
	ListCell   *c;
	ListCell   *d;
	int			i;

	memset(changes, 0, sizeof(*changes));
	for (i = 0; i < 3; i++)
	{
		Oid			relid = get_relname_relid(catalogs[i], PG_CATALOG_NAMESPACE);
		Relation	rel;
		SysScanDesc sd;
		HeapTuple	tuple;

		if (!OidIsValid(relid))
			continue;
		rel = table_open(relid, AccessShareLock);
		sd = systable_beginscan(rel, InvalidOid, false, SnapshotAny, 0, NULL);
		while (HeapTupleIsValid(tuple = systable_getnext(sd)))
		{
			HeapTupleHeader header = tuple->t_data;
			bool		ended = ended_here(header);
			bool		added = !ended && TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(header));
			bool		isnull;
			int64		shard = 0;
			Oid			table;

			if (!ended && !added)
				continue;
			if (i > 0)
				shard = DatumGetInt64(heap_getattr(tuple, 2, RelationGetDescr(rel), &isnull));
			table = i < 2 ? DatumGetObjectId(heap_getattr(tuple, 1, RelationGetDescr(rel), &isnull)) :
				DatumGetObjectId(dist_shard_lookup("pg_dist_shard_shardid_index", 2, F_INT8EQ,
												   Int64GetDatum(shard), 1));
			if (added)
			{
				if (OidIsValid(table))
					note_added(&changes->added, table, HeapTupleHeaderGetCmin(header));
				if (i == 0)
					changes->distributed = lappend_oid(changes->distributed, table);
				else if (i == 1)
				{
					new_shards = lappend_shard(new_shards, shard);
					new_shard_tables = lappend_oid(new_shard_tables, table);
					if (!list_member_oid(changes->distributed, table))
						changes->tables = list_append_unique_oid(changes->tables, table);
				}
				else if (!wfauth_shard_listed(new_shards, shard) && OidIsValid(table))
					changes->tables = list_append_unique_oid(changes->tables, table);
				continue;
			}
			if (OidIsValid(table))
				changes->tables = list_append_unique_oid(changes->tables, table);
			if (i == 1)
			{
				ended_shards = lappend_shard(ended_shards, shard);
				ended_shard_tables = lappend_oid(ended_shard_tables, table);
			}
			if (i == 1 || (i == 2 && DatumGetInt32(heap_getattr(tuple, 5, RelationGetDescr(rel), &isnull)) == group))
				changes->here = lappend_shard(changes->here, shard);
		}
		systable_endscan(sd);
		table_close(rel, AccessShareLock);
	}
	forboth(a, new_shards, b, new_shard_tables)
		forboth(c, ended_shards, d, ended_shard_tables)
			if (*(int64 *) lfirst(a) == *(int64 *) lfirst(c) && lfirst_oid(b) != lfirst_oid(d))
				changes->reassigned = list_append_unique_oid(changes->reassigned, lfirst_oid(b));
}

/*
 * Is relid registered as protected by a command of this transaction that
 * came after every catalog row of Citus's it added for relid (the last
 * command that did: last)?  Then protect() saw it as the Citus table it is
 * now, and made its shards as protected as it (as Citus routes to them).
 */
static void
read_registered_at(HeapTuple tuple, TupleDesc desc, void *arg)
{
	CommandId  *cid = arg;

	if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data)))
		*cid = HeapTupleHeaderGetCmin(tuple->t_data);
}

bool
wfauth_registered_after(Oid relid, CommandId last)
{
	CommandId	cid = InvalidCommandId;

	if (OidIsValid(schema_oid(true)))
		scan_key(WFAUTH_PROTECTED_TABLES, ObjectIdGetDatum(relid), NULL, read_registered_at, &cid);
	return cid != InvalidCommandId && cid > last;
}

/*
 * Does Citus's pg_dist_cleanup list relid for this node: a shard's copy
 * that Citus drops later (what a shard move or split leaves behind)?
 */
bool
wfauth_citus_awaiting_cleanup(Oid relid)
{
	Oid			cleanup = get_relname_relid("pg_dist_cleanup", PG_CATALOG_NAMESPACE);
	char	   *schema = get_namespace_name(get_rel_namespace(relid));
	char	   *name = get_rel_name(relid);
	char	   *quoted;
	char	   *plain;
	int32		group = citus_local_group();
	Relation	rel;
	SysScanDesc sd;
	HeapTuple	tuple;
	bool		listed = false;

	if (!OidIsValid(cleanup) || schema == NULL || name == NULL)
		return false;
	quoted = quote_qualified_identifier(schema, name);
	plain = psprintf("%s.%s", schema, name);
	rel = table_open(cleanup, AccessShareLock);
	sd = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	/* pg_dist_cleanup: object_name (4), node_group_id (5) */
	while (!listed && HeapTupleIsValid(tuple = systable_getnext(sd)))
	{
		bool		isnull;
		Datum		object = heap_getattr(tuple, 4, RelationGetDescr(rel), &isnull);
		char	   *object_name = isnull ? "" : TextDatumGetCString(object);

		listed = DatumGetInt32(heap_getattr(tuple, 5, RelationGetDescr(rel), &isnull)) == group &&
			(strcmp(object_name, quoted) == 0 || strcmp(object_name, plain) == 0);
	}
	systable_endscan(sd);
	table_close(rel, AccessShareLock);
	return listed;
}

/*
 * The kind a table is protected with, or 0 when it is not protected (or the
 * extension is not installed in this database).
 */
int16
wfauth_protected_kind(Oid relid)
{
	int16		kind = 0;
	Oid			table;

	if (!OidIsValid(schema_oid(true)))
		return 0;
	scan_key(WFAUTH_PROTECTED_TABLES, ObjectIdGetDatum(relid), NULL, read_protected_kind, &kind);
	/* a shard of a protected Citus table is protected with it */
	if (kind == 0 && OidIsValid(table = wfauth_citus_table_of_shard(relid)))
		scan_key(WFAUTH_PROTECTED_TABLES, ObjectIdGetDatum(table), NULL, read_protected_kind, &kind);
	return kind;
}

/* Call callback for every row of table (small tables only). */
int
wfauth_scan_all(WfauthTable table, WfauthRowCallback callback, void *arg)
{
	return scan(table, 0, NULL, NULL, callback, arg);
}

/* 'u', 's', 'g' for the kinds user, service, group; 0 for NULL or anything else */
char
wfauth_kind_code(HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, Anum_principals_kind, desc, &isnull);
	char	   *kind;

	if (isnull)
		return 0;
	kind = TextDatumGetCString(d);
	return strcmp(kind, "user") == 0 ? 'u' : strcmp(kind, "service") == 0 ? 's' :
		strcmp(kind, "group") == 0 ? 'g' : 0;
}

/* The tenant of a principals row (the default one in a schema before 1.2). */
int64
wfauth_principal_tenant(HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	Datum		d;

	if (desc->natts < Anum_principals_tenant_id ||
		strcmp(NameStr(TupleDescAttr(desc, Anum_principals_tenant_id - 1)->attname), "tenant_id") != 0)
		return WFAUTH_DEFAULT_TENANT;
	d = heap_getattr(tuple, Anum_principals_tenant_id, desc, &isnull);
	return isnull ? WFAUTH_DEFAULT_TENANT : DatumGetInt64(d);
}

typedef struct KindAndTenant
{
	char		kind;
	int64		tenant;
} KindAndTenant;

static void
read_kind(HeapTuple tuple, TupleDesc desc, void *arg)
{
	((KindAndTenant *) arg)->kind = wfauth_kind_code(tuple, desc);
	((KindAndTenant *) arg)->tenant = wfauth_principal_tenant(tuple, desc);
}

/* The kind of a principal, 0 when there is none; and its tenant, if asked. */
char
wfauth_principal_kind(int64 id, int64 *tenant)
{
	KindAndTenant kt = {0, 0};

	wfauth_scan_by_id(WFAUTH_PRINCIPALS, id, read_kind, &kt);
	if (tenant)
		*tenant = kt.tenant;
	return kt.kind;
}
