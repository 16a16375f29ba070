/*
 * stats.c — counters a DBA can watch, in the pg_stat_* manner (wfauth.stats).
 *
 * Authentications and their failures by kind, throttled logins, and the
 * principal-context cache's hits, loads and evictions.  A backend counts in
 * plain local variables (the cache is counted on every lookup: no atomic
 * operation there) and adds what it counted to the shared totals at the end
 * of each transaction, committed or not -- a failed authentication aborts
 * its transaction and must still count.  The shared totals exist when the
 * library is preloaded (shared_preload_libraries); otherwise each backend
 * shows its own counts, and the view says so.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "wfauth.h"

typedef struct WfauthSharedStats
{
	pg_atomic_uint64 counts[WFAUTH_NSTATS];
	pg_atomic_uint64 reset_at;	/* a TimestampTz */
} WfauthSharedStats;

static WfauthSharedStats *shared = NULL;
static uint64 pending[WFAUTH_NSTATS];	/* counted since the last flush */
static uint64 backend_total[WFAUTH_NSTATS];	/* not preloaded: this backend's own */
static TimestampTz backend_since = 0;
static bool pending_any = false;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void
wfauth_count(WfauthStat stat)
{
	pending[stat]++;
	pending_any = true;
}

static void
flush(XactEvent event, void *arg)
{
	int			i;

	if (!pending_any ||
		(event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		 event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT))
		return;
	for (i = 0; i < WFAUTH_NSTATS; i++)
	{
		if (pending[i] == 0)
			continue;
		if (shared)
			pg_atomic_fetch_add_u64(&shared->counts[i], pending[i]);
		else
			backend_total[i] += pending[i];
		pending[i] = 0;
	}
	pending_any = false;
}

static void
stats_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WfauthSharedStats)));
}

static void
stats_shmem_startup(void)
{
	bool		found;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("wfauth stats", sizeof(WfauthSharedStats), &found);
	if (!found)
	{
		for (i = 0; i < WFAUTH_NSTATS; i++)
			pg_atomic_init_u64(&shared->counts[i], 0);
		pg_atomic_init_u64(&shared->reset_at, (uint64) GetCurrentTimestamp());
	}
	LWLockRelease(AddinShmemInitLock);
}

void
WfauthStatsInit(void)
{
	if (process_shared_preload_libraries_in_progress)
	{
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = stats_shmem_request;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = stats_shmem_startup;
	}
	backend_since = GetCurrentTimestamp();
	RegisterXactCallback(flush, NULL);
}

/*
 * SQL function: wfauth._stats() → one row: scope ('cluster' or 'backend'),
 * then each counter, then when the counts started.  DBA only.
 */
PG_FUNCTION_INFO_V1(wfauth_stats);
Datum
wfauth_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[WFAUTH_NSTATS + 2];
	bool		nulls[WFAUTH_NSTATS + 2] = {0};
	int			i;

	wfauth_require_dba_to("read wfauth's statistics");
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE || desc->natts != WFAUTH_NSTATS + 2)
		elog(ERROR, "wfauth._stats() has the wrong result type");
	values[0] = CStringGetTextDatum(shared ? "cluster" : "backend");
	for (i = 0; i < WFAUTH_NSTATS; i++)
		values[i + 1] = Int64GetDatum((int64) ((shared ? pg_atomic_read_u64(&shared->counts[i]) :
												 backend_total[i]) + pending[i]));
	values[WFAUTH_NSTATS + 1] = TimestampTzGetDatum(shared ? (TimestampTz) pg_atomic_read_u64(&shared->reset_at) :
													backend_since);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* SQL function: wfauth.stats_reset() → void: every counter to zero; DBA only */
PG_FUNCTION_INFO_V1(wfauth_stats_reset);
Datum
wfauth_stats_reset(PG_FUNCTION_ARGS)
{
	int			i;

	/* not from another role's view, default, rule or trigger run by a DBA */
	wfauth_refuse_in_others_code(true);
	wfauth_require_dba_to("reset wfauth's statistics");
	for (i = 0; i < WFAUTH_NSTATS; i++)
	{
		pending[i] = 0;
		if (shared)
			pg_atomic_write_u64(&shared->counts[i], 0);
		else
			backend_total[i] = 0;
	}
	pending_any = false;
	if (shared)
		pg_atomic_write_u64(&shared->reset_at, (uint64) GetCurrentTimestamp());
	else
		backend_since = GetCurrentTimestamp();
	PG_RETURN_VOID();
}
