/*
 * context.c — the cached context of a principal, and the checks built on it.
 *
 * A principal's context is everything a check needs: whether it exists and
 * is active, whether it is a Super Admin, its groups (Everyone included), its
 * effective permissions (direct, through roles, through groups and their
 * roles) and, per object kind, whether it holds that kind's permission.
 * The security preference and the kinds are cached the same way ("shared").  It is loaded once with a few index scans (catalog.c) and kept in
 * backend memory, so has_permission and can_access touch no table per call.
 *
 * Correctness before speed: every change to the model tables fires a
 * statement trigger (triggers.c) that queues a relcache invalidation of
 * wfauth.principals.  Other backends process it before their next
 * transaction starts, this backend at its next command; either way our
 * callback bumps a generation counter and every cached context older than
 * it is reloaded on next use.  A load that sees an invalidation arrive
 * while it runs starts over, so a context never mixes two states.
 */
#include "postgres.h"

#include <limits.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "fmgr.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "wfauth.h"

/*
 * The cache: a hash table by principal id, and a list from most to least
 * recently used.  Behind a connection pooler one backend serves many
 * principals in turn, so it holds as many contexts as fit in
 * wfauth.context_cache_memory and evicts the least recently used beyond that.
 */
typedef struct CachedContext
{
	int64		id;				/* hash key */
	MemoryContext mcxt;			/* owns ctx and its arrays */
	uint64		generation;
	WfauthContext *ctx;
	Size		bytes;			/* what mcxt holds */
	dlist_node	lru;
} CachedContext;

static MemoryContext cache_parent = NULL;
static HTAB *cache = NULL;
static dlist_head lru = DLIST_STATIC_INIT(lru);
static Size cache_bytes = 0;
static int	cache_memory_kb = 8192;
static CachedContext *last_hit = NULL;
static uint64 generation = 1;

/* what wfauth_context_fast() (wfauth.h) reads: the context last returned */
const WfauthContext *wfauth_recent_context = NULL;
uint64		wfauth_recent_generation = 0;
uint64	   *wfauth_generation_ptr = &generation;
static Oid	watched_relid = InvalidOid;

static MemoryContext shared_mcxt = NULL;
static WfauthShared *shared = NULL;
static uint64 shared_generation = 0;

static void
relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == watched_relid)
		generation++;
}

void
WfauthContextInit(void)
{
	DefineCustomIntVariable("wfauth.context_cache_memory",
							"Memory each backend may use to cache principals' contexts.",
							"The least recently used contexts are evicted beyond it; a context takes about 1 kB.",
							&cache_memory_kb, 8192, 64, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
}

/*
 * Growable arrays used while loading, in a short-lived memory context.
 * Each group, role and permission comes with when the way the principal
 * holds it ends (DT_NOEND: never): the membership, the grant, and the
 * membership or grant it comes through.
 */
typedef struct LoadState
{
	WfauthContext *ctx;
	WfauthHeldUntil *ids;	/* group ids, then role ids, with their ends */
	int			nids;
	int			maxids;
	char	  **perms;
	TimestampTz *perm_until;
	int			nperms;
	int			maxperms;
	TimestampTz scan_until;		/* the end of the way the source being read is held */
} LoadState;

static void
push_id(LoadState *st, int64 id, TimestampTz until)
{
	if (st->nids == st->maxids)
	{
		st->maxids *= 2;
		st->ids = repalloc(st->ids, st->maxids * sizeof(WfauthHeldUntil));
	}
	st->ids[st->nids].id = id;
	st->ids[st->nids++].until = until;
}

static void
push_permission(LoadState *st, char *perm, TimestampTz until)
{
	if (st->nperms == st->maxperms)
	{
		st->maxperms *= 2;
		st->perms = repalloc(st->perms, st->maxperms * sizeof(char *));
		st->perm_until = repalloc(st->perm_until, st->maxperms * sizeof(TimestampTz));
	}
	st->perm_until[st->nperms] = until;
	st->perms[st->nperms++] = perm;
}

static void
read_principal(HeapTuple tuple, TupleDesc desc, void *arg)
{
	LoadState  *st = arg;
	bool		isnull;

	st->ctx->exists = true;
	st->ctx->kind = wfauth_kind_code(tuple, desc);
	st->ctx->active = DatumGetBool(heap_getattr(tuple, Anum_principals_active, desc, &isnull));
	st->ctx->super_admin = DatumGetBool(heap_getattr(tuple, Anum_principals_super_admin, desc, &isnull));
	st->ctx->tenant = wfauth_principal_tenant(tuple, desc);
}

/*
 * Does a grant (a membership, a role grant, a permission grant) count at the
 * statement's start?  Not once its valid_until has come.  One that counts
 * and ends later sets how long the context may be used: the earliest end.
 * A schema before 1.3 (and role_permissions) has no such column.
 */
static bool
grant_counts(HeapTuple tuple, TupleDesc desc, LoadState *st, TimestampTz *ends)
{
	bool		isnull = true;
	TimestampTz until = 0;

	*ends = DT_NOEND;
	if (desc->natts >= Anum_grants_valid_until)
		until = DatumGetTimestampTz(heap_getattr(tuple, Anum_grants_valid_until, desc, &isnull));
	if (isnull)
		return true;
	if (until <= wfauth_decision_time())
		return false;
	if (st->ctx->valid_until == 0 || until < st->ctx->valid_until)
		st->ctx->valid_until = until;
	*ends = until;
	return true;
}

static void
read_group(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;
	TimestampTz ends;

	if (grant_counts(tuple, desc, arg, &ends))
		push_id(arg, DatumGetInt64(heap_getattr(tuple, Anum_group_members_group_id, desc, &isnull)), ends);
}

static void
read_role(HeapTuple tuple, TupleDesc desc, void *arg)
{
	LoadState  *st = arg;
	bool		isnull;
	TimestampTz ends;

	if (grant_counts(tuple, desc, st, &ends))
		push_id(st, DatumGetInt64(heap_getattr(tuple, Anum_role_grants_role_id, desc, &isnull)),
				Min(ends, st->scan_until));
}

static void
read_permission(HeapTuple tuple, TupleDesc desc, void *arg)
{
	LoadState  *st = arg;
	bool		isnull;
	TimestampTz ends;

	/* permission is column 2 of both permission_grants and role_permissions */
	if (grant_counts(tuple, desc, st, &ends))
		push_permission(st, TextDatumGetCString(heap_getattr(tuple, 2, desc, &isnull)),
						Min(ends, st->scan_until));
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

static int
cmp_cstring(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sort and remove duplicates in place; returns the new length. */
static int
unique_ids(int64 *ids, int n)
{
	int			i,
				k = 0;

	qsort(ids, n, sizeof(int64), cmp_int64);
	for (i = 0; i < n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	return k;
}

static int
cmp_permission_index(const void *a, const void *b, void *arg)
{
	const LoadState *st = arg;

	return strcmp(st->perms[*(const int *) a], st->perms[*(const int *) b]);
}

static int
cmp_id_until(const void *a, const void *b)
{
	int64		x = ((const WfauthHeldUntil *) a)->id;
	int64		y = ((const WfauthHeldUntil *) b)->id;

	return (x > y) - (x < y);
}

/* Sort by id and keep each id once, with the latest end; returns the new length. */
static int
unique_ids_until(WfauthHeldUntil *ids, int n)
{
	int			i,
				k = 0;

	qsort(ids, n, sizeof(WfauthHeldUntil), cmp_id_until);
	for (i = 0; i < n; i++)
	{
		if (k > 0 && ids[k - 1].id == ids[i].id)
			ids[k - 1].until = Max(ids[k - 1].until, ids[i].until);
		else
			ids[k++] = ids[i];
	}
	return k;
}

/* --- settings and kinds ---------------------------------------------------- */

typedef struct KindList
{
	int			n;
	int			max;
	WfauthKind *kinds;
} KindList;

static void
read_kind_row(HeapTuple tuple, TupleDesc desc, void *arg)
{
	KindList   *list = arg;
	bool		isnull;
	WfauthKind *k;

	if (list->n == list->max)
	{
		list->max *= 2;
		list->kinds = repalloc(list->kinds, list->max * sizeof(WfauthKind));
	}
	k = &list->kinds[list->n++];
	k->id = DatumGetInt16(heap_getattr(tuple, Anum_kinds_id, desc, &isnull));
	k->name = TextDatumGetCString(heap_getattr(tuple, Anum_kinds_name, desc, &isnull));
	k->permission = TextDatumGetCString(heap_getattr(tuple, Anum_kinds_permission, desc, &isnull));
}

/* a row of tenant_catalog */
static void
read_tenant_row(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;

	((WfauthTenant *) arg)->everyone =
		DatumGetInt64(heap_getattr(tuple, Anum_tenants_everyone_id, desc, &isnull));
}

/* An interval column of a settings row, if the schema has it and it is set */
static bool
read_interval(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, Interval *result)
{
	bool		isnull = true;
	Datum		value = 0;

	if (attnum <= desc->natts)	/* a schema before 1.3 has no such column */
		value = heap_getattr(tuple, attnum, desc, &isnull);
	if (!isnull)
		*result = *DatumGetIntervalP(value);
	return !isnull;
}

/* a row of tenant_settings, or (1.0 and 1.1 schemas) the one row of settings */
static void
read_settings_row(HeapTuple tuple, TupleDesc desc, void *arg)
{
	WfauthTenant *tenant = arg;
	bool		isnull;
	char	   *pref = TextDatumGetCString(heap_getattr(tuple, Anum_tenant_settings_new_object_access,
													   desc, &isnull));

	StaticAssertStmt(Anum_tenant_settings_new_object_access == Anum_settings_new_object_access,
					 "settings and tenant_settings keep new_object_access in one place");
	tenant->creator_only = (strcmp(pref, "everyone") != 0);
	tenant->token_max_lifetime_set = read_interval(tuple, desc, Anum_tenant_settings_token_max_lifetime,
												   &tenant->token_max_lifetime);
	tenant->token_idle_timeout_set = read_interval(tuple, desc, Anum_tenant_settings_token_idle_timeout,
												   &tenant->token_idle_timeout);
	if (Anum_tenant_settings_super_admin_mode <= desc->natts)
		tenant->super_admin_mode_required =
			DatumGetBool(heap_getattr(tuple, Anum_tenant_settings_super_admin_mode, desc, &isnull)) && !isnull;
}

static void ensure_watched(void);
static bool holds_permission(const WfauthContext *ctx, const char *permission);
static TimestampTz permission_until(const WfauthContext *ctx, const char *permission);
static WfauthTenant last_tenant;
static uint64 last_tenant_generation;

/*
 * A tenant's Everyone and security preference, current as of this command
 * (exists is false for an unknown or deleted tenant).  The last one asked
 * for is kept: inserts into protected tables ask for it per row.
 */
const WfauthTenant *
wfauth_tenant(int64 id)
{
	if (last_tenant.id == id && last_tenant_generation == generation)
		return &last_tenant;
	ensure_watched();
	last_tenant.id = 0;
	last_tenant_generation = generation;
	last_tenant.everyone = WFAUTH_EVERYONE_ID;
	/* no settings row: the defaults (everyone, no token limits, no mode) */
	last_tenant.creator_only = false;
	last_tenant.token_max_lifetime_set = false;
	last_tenant.token_idle_timeout_set = false;
	last_tenant.super_admin_mode_required = false;
	if (wfauth_table_exists(WFAUTH_TENANTS))
	{
		last_tenant.exists = wfauth_scan_by_id(WFAUTH_TENANTS, id, read_tenant_row, &last_tenant) > 0;
		wfauth_scan_by_id(WFAUTH_TENANT_SETTINGS, id, read_settings_row, &last_tenant);
	}
	else
	{
		last_tenant.exists = (id == WFAUTH_DEFAULT_TENANT);
		if (last_tenant.exists)
			wfauth_scan_all(WFAUTH_SETTINGS, read_settings_row, &last_tenant);
	}
	last_tenant.id = id;
	return &last_tenant;
}

static void
read_catalog_permission(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;

	push_permission(arg, TextDatumGetCString(heap_getattr(tuple, 1, desc, &isnull)), DT_NOEND);
}

/* Is permission in the catalog? */
static bool
permission_exists(const char *permission)
{
	const WfauthShared *s = wfauth_shared();

	return bsearch(&permission, s->permissions, s->npermissions, sizeof(char *), cmp_cstring) != NULL;
}

static void
ensure_watched(void)
{
	if (!OidIsValid(watched_relid))
		watched_relid = wfauth_table_oid(WFAUTH_PRINCIPALS);
}

/* The security preference and the kinds, current as of this command. */
const WfauthShared *
wfauth_shared(void)
{
	MemoryContext mcxt,
				oldcxt;
	WfauthShared *result;
	KindList	list;
	LoadState	perms = {0};
	uint64		start;

	if (shared != NULL && shared_generation == generation)
		return shared;
	ensure_watched();

	do
	{
		start = generation;
		mcxt = AllocSetContextCreate(TopMemoryContext, "wfauth settings and kinds",
									 ALLOCSET_SMALL_SIZES);
		oldcxt = MemoryContextSwitchTo(mcxt);
		result = palloc0(sizeof(WfauthShared));
		list.n = 0;
		list.max = 8;
		list.kinds = palloc(list.max * sizeof(WfauthKind));
		wfauth_scan_all(WFAUTH_KINDS, read_kind_row, &list);
		result->nkinds = list.n;
		result->kinds = list.kinds;
		perms.maxperms = 32;
		perms.nperms = 0;
		perms.perms = palloc(perms.maxperms * sizeof(char *));
		perms.perm_until = palloc(perms.maxperms * sizeof(TimestampTz));
		wfauth_scan_all(WFAUTH_PERMISSIONS, read_catalog_permission, &perms);
		qsort(perms.perms, perms.nperms, sizeof(char *), cmp_cstring);
		result->npermissions = perms.nperms;
		result->permissions = perms.perms;
		MemoryContextSwitchTo(oldcxt);
		if (generation != start)
			MemoryContextDelete(mcxt);
	} while (generation != start);

	if (shared_mcxt)
		MemoryContextDelete(shared_mcxt);
	shared_mcxt = mcxt;
	shared = result;
	shared_generation = start;
	return shared;
}

const WfauthKind *
wfauth_kind_by_name(const char *name)
{
	const WfauthShared *s = wfauth_shared();
	int			i;

	for (i = 0; i < s->nkinds; i++)
		if (strcmp(s->kinds[i].name, name) == 0)
			return &s->kinds[i];
	return NULL;
}

const WfauthKind *
wfauth_kind_by_id(int16 id)
{
	const WfauthShared *s = wfauth_shared();
	int			i;

	for (i = 0; i < s->nkinds; i++)
		if (s->kinds[i].id == id)
			return &s->kinds[i];
	return NULL;
}

/* Read the context of id into a new memory context under cache_parent. */
static CachedContext
load_context(int64 id)
{
	MemoryContext loadcxt,
				oldcxt;
	LoadState	st;
	CachedContext result;
	WfauthContext *ctx;
	int			ngroups,
				nroles,
				i,
				k;

	loadcxt = AllocSetContextCreate(CurrentMemoryContext, "wfauth context load",
									ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(loadcxt);

	memset(&st, 0, sizeof(st));
	st.ctx = palloc0(sizeof(WfauthContext));
	st.maxids = 16;
	st.ids = palloc(st.maxids * sizeof(WfauthHeldUntil));
	st.maxperms = 32;
	st.perms = palloc(st.maxperms * sizeof(char *));
	st.perm_until = palloc(st.maxperms * sizeof(TimestampTz));

	wfauth_scan_by_id(WFAUTH_PRINCIPALS, id, read_principal, &st);

	/* The principal itself, then its groups: the sources of permissions. */
	if (st.ctx->exists && st.ctx->kind != 'g')
	{
		/* its tenant's Everyone; the default tenant's is always 1 */
		push_id(&st, st.ctx->tenant == WFAUTH_DEFAULT_TENANT ? WFAUTH_EVERYONE_ID :
				wfauth_tenant(st.ctx->tenant)->everyone, DT_NOEND);
		wfauth_scan_by_id(WFAUTH_GROUP_MEMBERS, id, read_group, &st);
	}
	ngroups = unique_ids_until(st.ids, st.nids);
	st.nids = ngroups;

	if (st.ctx->exists)
	{
		for (i = -1; i < ngroups; i++)
		{
			int64		source = (i < 0) ? id : st.ids[i].id;

			st.scan_until = (i < 0) ? DT_NOEND : st.ids[i].until;
			wfauth_scan_by_id(WFAUTH_PERMISSION_GRANTS, source, read_permission, &st);
			wfauth_scan_by_id(WFAUTH_ROLE_GRANTS, source, read_role, &st);
		}
		/* role ids follow the group ids in st.ids */
		nroles = unique_ids_until(st.ids + ngroups, st.nids - ngroups);
		for (i = 0; i < nroles; i++)
		{
			st.scan_until = st.ids[ngroups + i].until;
			wfauth_scan_by_id(WFAUTH_ROLE_PERMISSIONS, st.ids[ngroups + i].id,
							  read_permission, &st);
		}
	}

	/* Copy the result into its own long-lived memory context. */
	if (cache_parent == NULL)
		cache_parent = AllocSetContextCreate(TopMemoryContext, "wfauth principal contexts",
											 ALLOCSET_SMALL_SIZES);
	result.mcxt = AllocSetContextCreate(cache_parent, "wfauth principal context",
										ALLOCSET_SMALL_SIZES);
	MemoryContextSwitchTo(result.mcxt);
	ctx = palloc0(sizeof(WfauthContext));
	*ctx = *st.ctx;
	ctx->id = id;
	/* permissions sorted by name, each once, with the latest end of the ways it is held */
	{
		int		   *order = palloc(st.nperms * sizeof(int));

		for (i = 0; i < st.nperms; i++)
			order[i] = i;
		qsort_arg(order, st.nperms, sizeof(int), cmp_permission_index, &st);
		ctx->permissions = palloc((st.nperms + 1) * sizeof(char *));
		ctx->permission_until = palloc((st.nperms + 1) * sizeof(TimestampTz));
		for (i = 0, k = 0; i < st.nperms; i++)
		{
			int			j = order[i];

			if (k > 0 && strcmp(ctx->permissions[k - 1], st.perms[j]) == 0)
				ctx->permission_until[k - 1] = Max(ctx->permission_until[k - 1], st.perm_until[j]);
			else
			{
				ctx->permission_until[k] = st.perm_until[j];
				ctx->permissions[k++] = pstrdup(st.perms[j]);
			}
		}
		ctx->npermissions = k;
	}

	/* what an ACL entry may name to match: the principal and its groups */
	ctx->match = palloc((ngroups + 1) * sizeof(int64));
	for (i = 0; i < ngroups; i++)
		ctx->match[i] = st.ids[i].id;
	ctx->match[ngroups] = id;
	ctx->nmatch = unique_ids(ctx->match, ngroups + 1);
	/* and the memberships among them that end (sorted by group) */
	ctx->ending = palloc((ngroups + 1) * sizeof(WfauthHeldUntil));
	for (i = 0, k = 0; i < ngroups; i++)
		if (st.ids[i].until != DT_NOEND)
			ctx->ending[k++] = st.ids[i];
	ctx->nending = k;

	/* per kind id: does it hold that kind's permission? */
	{
		const WfauthShared *s = wfauth_shared();
		int			maxid = 0;

		for (i = 0; i < s->nkinds; i++)
			maxid = Max(maxid, s->kinds[i].id);
		ctx->nkinds = maxid + 1;
		ctx->kind_permitted = palloc0(ctx->nkinds * sizeof(bool));
		ctx->kind_until = palloc0(ctx->nkinds * sizeof(TimestampTz));
		for (i = 0; i < s->nkinds; i++)
		{
			ctx->kind_permitted[s->kinds[i].id] = holds_permission(ctx, s->kinds[i].permission);
			ctx->kind_until[s->kinds[i].id] = permission_until(ctx, s->kinds[i].permission);
		}
	}
	/* tenant_settings fires the invalidation that reloads this, like the model */
	ctx->super_admin_mode_required = ctx->super_admin && ctx->exists &&
		wfauth_tenant(ctx->tenant)->super_admin_mode_required;
	result.ctx = ctx;

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(loadcxt);
	return result;
}

/* SQL function: wfauth.decision_time() → timestamptz (wfauth.h) */
PG_FUNCTION_INFO_V1(wfauth_decision_time_sql);
Datum
wfauth_decision_time_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(wfauth_decision_time());
}

/* Has no grant the context counts ended by the decision time? */
static bool
still_valid(const WfauthContext *ctx)
{
	return ctx->valid_until == 0 || wfauth_decision_time() < ctx->valid_until;
}

static const WfauthContext *
remember(CachedContext *entry)
{
	if (!dlist_is_empty(&lru) && dlist_head_node(&lru) != &entry->lru)
	{
		dlist_delete(&entry->lru);
		dlist_push_head(&lru, &entry->lru);
	}
	last_hit = entry;
	wfauth_recent_context = entry->ctx;
	wfauth_recent_generation = entry->generation;
	return entry->ctx;
}

static void
forget(CachedContext *entry)
{
	if (last_hit == entry)
		last_hit = NULL;
	if (wfauth_recent_context == entry->ctx)
		wfauth_recent_context = NULL;
	dlist_delete(&entry->lru);
	cache_bytes -= entry->bytes;
	MemoryContextDelete(entry->mcxt);
	hash_search(cache, &entry->id, HASH_REMOVE, NULL);
}

/*
 * The context of principal_id, from the cache when it is current.  The
 * pointer stays valid until the next call of this function.
 */
const WfauthContext *
wfauth_context(int64 principal_id)
{
	CachedContext fresh;
	CachedContext *entry;
	uint64		start;
	int			tries;
	bool		found;

	/* the per-row case: the same principal as last time */
	if (last_hit && last_hit->id == principal_id && last_hit->generation == generation &&
		still_valid(last_hit->ctx))
	{
		wfauth_count(WFAUTH_STAT_CONTEXT_HITS);
		return remember(last_hit);
	}

	if (cache == NULL)
	{
		HASHCTL		ctl;

		if (cache_parent == NULL)
			cache_parent = AllocSetContextCreate(TopMemoryContext, "wfauth principal contexts",
												 ALLOCSET_SMALL_SIZES);
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(CachedContext);
		ctl.hcxt = cache_parent;
		cache = hash_create("wfauth principal contexts", 256, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(cache, &principal_id, HASH_FIND, NULL);
	if (entry && entry->generation == generation && still_valid(entry->ctx))
	{
		wfauth_count(WFAUTH_STAT_CONTEXT_HITS);
		return remember(entry);
	}
	wfauth_count(WFAUTH_STAT_CONTEXT_LOADS);

	ensure_watched();
	for (tries = 0;; tries++)
	{
		start = generation;
		fresh = load_context(principal_id);
		if (generation == start || tries >= 3)
			break;
		MemoryContextDelete(fresh.mcxt);
	}

	/* in place of this principal's stale context, or as a new entry */
	if (entry)
		forget(entry);
	entry = hash_search(cache, &principal_id, HASH_ENTER, &found);
	entry->mcxt = fresh.mcxt;
	entry->ctx = fresh.ctx;
	entry->generation = start;
	entry->bytes = MemoryContextMemAllocated(fresh.mcxt, true);
	cache_bytes += entry->bytes;
	dlist_push_head(&lru, &entry->lru);

	/* the least recently used go while the cache holds more than its share */
	while (cache_bytes > (Size) cache_memory_kb * 1024 && dlist_tail_node(&lru) != &entry->lru)
	{
		wfauth_count(WFAUTH_STAT_CONTEXT_EVICTIONS);
		forget(dlist_tail_element(CachedContext, lru, &lru));
	}
	return remember(entry);
}

/* Holding permission itself: directly, by role or by group (not as Super Admin) */
static bool
holds_permission(const WfauthContext *ctx, const char *permission)
{
	return bsearch(&permission, ctx->permissions, ctx->npermissions,
				   sizeof(char *), cmp_cstring) != NULL;
}

/* Until when ctx holds permission (DT_NOEND: for good; DT_NOBEGIN: not at all) */
TimestampTz
wfauth_context_permission_until(const WfauthContext *ctx, const char *permission)
{
	return permission_until(ctx, permission);
}

static TimestampTz
permission_until(const WfauthContext *ctx, const char *permission)
{
	char	  **found = bsearch(&permission, ctx->permissions, ctx->npermissions,
								sizeof(char *), cmp_cstring);

	return found ? ctx->permission_until[found - ctx->permissions] : DT_NOBEGIN;
}

/* Active and holding permission (a Super Admin holds every permission). */
bool
wfauth_context_has_permission(const WfauthContext *ctx, const char *permission)
{
	if (!ctx->exists || !ctx->active)
		return false;
	if (ctx->super_admin && !ctx->super_admin_mode_required)
		return true;
	if (holds_permission(ctx, permission))
		return true;
	if (!wfauth_super_admin_rights(ctx))
		return false;
	wfauth_note_super_admin_use(ctx, permission);
	return true;
}

/*
 * A use that only Super Admin mode allowed: audited once per statement,
 * transaction, principal and what (an object kind's name, a permission,
 * "management"), durably and before the use (a worker writes it, outside
 * this transaction: a use rolled back is still a use); the use is refused
 * when it cannot be.  The statement's start time alone does not tell uses
 * apart: every statement of one query message, and every transaction of
 * one CALL, shares it.
 */
typedef struct AuditedUse
{
	TimestampTz statement;
	LocalTransactionId lxid;
	int64		principal;
	int64		tenant;
	char		what[NAMEDATALEN];
} AuditedUse;

static AuditedUse audited_uses[16];
static size_t naudited = 0;

void
wfauth_note_super_admin_use(const WfauthContext *ctx, const char *what)
{
	AuditedUse	use = {GetCurrentStatementStartTimestamp(), MyProc->lxid, ctx->id, ctx->tenant};
	size_t		i;

	strlcpy(use.what, what, NAMEDATALEN);
	for (i = 0; i < naudited; i++)
		if (audited_uses[i].statement == use.statement && audited_uses[i].lxid == use.lxid &&
			audited_uses[i].principal == use.principal && audited_uses[i].tenant == use.tenant &&
			strcmp(audited_uses[i].what, use.what) == 0)
			return;
	if (!wfauth_audit_super_admin_use(ctx->id, ctx->tenant, GetUserNameFromId(GetOuterUserId(), false), what,
									  use.statement))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: a use of Super Admin mode could not be audited"),
				 errhint("Raise max_worker_processes if no background worker slot was free.")));
	if (naudited > 0 && (audited_uses[0].statement != use.statement || audited_uses[0].lxid != use.lxid))
		naudited = 0;			/* a new statement or transaction: forget the last one's */
	if (naudited < lengthof(audited_uses))
		audited_uses[naudited++] = use;
}

/* --- what the acting principal (or DBA) may do ---------------------------- */

static void
deny(const char *detail_fmt, const char *arg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied"),
			 errdetail_internal(detail_fmt, arg)));
}

/* Refuse when nobody is acting or the acting principal is not active. */
static const WfauthContext *
require_actor(void)
{
	int64		id = wfauth_current_principal_id();
	const WfauthContext *ctx;

	wfauth_refuse_in_others_code(false);
	if (id == 0)
	{
		if (wfauth_actor_is_dba())
			return NULL;		/* a DBA with no principal: Super Admin rights */
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied"),
				 errdetail("No principal is authenticated in this transaction."),
				 errhint("Authenticate with wfauth.authenticate_token(), wfauth.authenticate_session() or wfauth.login() first.")));
	}
	ctx = wfauth_context(id);
	if (!ctx->exists || !ctx->active)
		deny("%s", "The acting account is deactivated or no longer exists.");
	return ctx;
}

/*
 * The directory rule for decisions (DESIGN §8): a principal may ask about
 * itself; about another principal only with accounts, as a Super Admin, or
 * as a DBA acting with no principal.  can_access and acl_reaches call it
 * on every row, so asking about oneself is one comparison.
 */
void
wfauth_may_ask_about(int64 principal)
{
	int64		me = wfauth_current_principal_id();
	const WfauthContext *ctx;

	/* (inside another role's function, asking even about the principal refuses) */
	if (likely(principal == me && me != 0) && !wfauth_in_others_function())
		return;
	ctx = require_actor();		/* NULL: a DBA with no principal */
	if (ctx && !wfauth_context_has_permission(ctx, "accounts"))
		deny("%s", "Asking about another principal needs the \"accounts\" permission.");
}

/* SQL function: wfauth._require_permission(permission text) */
PG_FUNCTION_INFO_V1(wfauth_require_permission);
Datum
wfauth_require_permission(PG_FUNCTION_ARGS)
{
	char	   *permission = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const WfauthContext *ctx = require_actor();

	if (ctx && !wfauth_context_has_permission(ctx, permission))
		deny("The acting principal lacks the \"%s\" permission.", permission);
	PG_RETURN_VOID();
}

/* SQL function: wfauth._require_super_admin() */
PG_FUNCTION_INFO_V1(wfauth_require_super_admin);
Datum
wfauth_require_super_admin(PG_FUNCTION_ARGS)
{
	const WfauthContext *ctx = require_actor();

	if (ctx && !wfauth_super_admin_rights(ctx))
		deny("%s", ctx->super_admin ? "Only a Super Admin in Super Admin mode may do this (wfauth.super_admin_mode())."
			 : "Only a Super Admin may do this.");
	if (ctx && ctx->super_admin_mode_required)
		wfauth_note_super_admin_use(ctx, "management");
	PG_RETURN_VOID();
}

/* SQL function: wfauth._require_actor() — any active principal, or a DBA */
PG_FUNCTION_INFO_V1(wfauth_require_actor_sql);
Datum
wfauth_require_actor_sql(PG_FUNCTION_ARGS)
{
	(void) require_actor();
	PG_RETURN_VOID();
}

/* SQL function: wfauth._actor_has_permission(permission text) → boolean */
PG_FUNCTION_INFO_V1(wfauth_actor_has_permission);
Datum
wfauth_actor_has_permission(PG_FUNCTION_ARGS)
{
	int64		id = wfauth_current_principal_id();
	char	   *permission = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (id == 0)
		PG_RETURN_BOOL(wfauth_actor_is_dba());
	PG_RETURN_BOOL(wfauth_context_has_permission(wfauth_context(id), permission));
}

/*
 * SQL function: wfauth.has_permission(principal bigint, permission text) → boolean
 * Answers only an authenticated principal or a DBA (a NULL principal, as in
 * the INSERT policy of a request that authenticated nobody, is simply
 * false); an unknown permission is an error, not a quiet false.
 */
PG_FUNCTION_INFO_V1(wfauth_has_permission);
Datum
wfauth_has_permission(PG_FUNCTION_ARGS)
{
	char	   *permission;
	const WfauthContext *ctx;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	/* the directory rule: about another principal, for accounts, Super Admins and DBAs */
	wfauth_may_ask_about(PG_GETARG_INT64(0));
	permission = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!permission_exists(permission))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("permission \"%s\" does not exist", permission),
				 errhint("The catalog is the table wfauth.permissions.")));
	ctx = wfauth_context(PG_GETARG_INT64(0));
	/* a principal of another tenant is as good as one that does not exist */
	PG_RETURN_BOOL(ctx->tenant == wfauth_current_tenant() &&
				   wfauth_context_has_permission(ctx, permission));
}

/* --- Super Admin mode (DESIGN §9) ------------------------------------------- */

/* SQL function: wfauth._super_admin_rights(principal bigint) → boolean */
PG_FUNCTION_INFO_V1(wfauth_super_admin_rights_sql);
Datum
wfauth_super_admin_rights_sql(PG_FUNCTION_ARGS)
{
	const WfauthContext *ctx = wfauth_context(PG_GETARG_INT64(0));

	PG_RETURN_BOOL(ctx->exists && ctx->active && wfauth_super_admin_rights(ctx));
}

/* SQL function: wfauth._super_admin_mode_required(tenant bigint) → boolean */
PG_FUNCTION_INFO_V1(wfauth_super_admin_mode_required);
Datum
wfauth_super_admin_mode_required(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(wfauth_tenant(PG_GETARG_INT64(0))->super_admin_mode_required);
}

/*
 * SQL function: wfauth._enter_super_admin_mode()
 * The acting principal, a Super Admin, switches Super Admin mode on for the
 * rest of the transaction.  Not on a standby, where no use could be audited.
 */
PG_FUNCTION_INFO_V1(wfauth_enter_super_admin_mode_sql);
Datum
wfauth_enter_super_admin_mode_sql(PG_FUNCTION_ARGS)
{
	int64		id = wfauth_current_principal_id();
	const WfauthContext *ctx = id != 0 ? wfauth_context(id) : NULL;

	if (ctx == NULL || !ctx->exists || !ctx->active || !ctx->super_admin)
		deny("%s", "Only a Super Admin can switch Super Admin mode on.");
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot switch Super Admin mode on on a hot standby"),
				 errdetail("Each use of Super Admin mode is audited, which needs the primary.")));
	wfauth_enter_super_admin_mode();
	PG_RETURN_VOID();
}
