/*
 * logins.c — counting failed logins, which must outlive the failure.
 *
 * A failed login ends in ERROR, and an ERROR rolls back everything its
 * transaction wrote, the failure count included.  PostgreSQL 15 has no
 * autonomous transactions, and without shared_preload_libraries there is no
 * shared memory to keep counters in; so each attempt is watched by a
 * short-lived dynamic background worker with a transaction of its own.
 *
 * Before the password is checked, login arms the count: it gives its
 * (sub)transaction an xid and registers a worker that waits for that xid to
 * end.  If it committed, the login succeeded and nothing is counted; if it
 * aborted -- a wrong password, or anything else that undid the login,
 * inside a savepoint or not -- the worker adds one failure and commits.
 * When no worker slot is free the failure could not be counted, so the login
 * is refused whatever the password (fail closed): filling every slot with
 * parallel queries must not buy unlimited guesses.  The client sees only the
 * usual 28P01; the server log gets one line for the DBA.
 *
 * Every login arms a worker, whatever the account: an unknown, inactive or
 * throttled one arms a count of account 0, which changes nothing.  The
 * worker's start (a fork, which competes for the CPU on a busy host) is
 * then part of every attempt, and the time of a refusal does not tell an
 * existing account from an unknown one.  The count lags the refusal by the
 * few milliseconds the worker takes; the throttle reads it at the next
 * attempt.
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

#include "wfauth.h"

PGDLLEXPORT void wfauth_login_failure_main(Datum arg);

/* What the backend hands its worker. */
typedef struct FailureWatch
{
	Oid			database;
	TransactionId xid;			/* of the login's (sub)transaction; invalid: count at once */
} FailureWatch;

/* Background worker: when the login's transaction has ended, count it if it did not commit. */
void
wfauth_login_failure_main(Datum arg)
{
	int64		account = DatumGetInt64(arg);
	FailureWatch watch;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(account)};

	memcpy(&watch, MyBgworkerEntry->bgw_extra, sizeof(watch));
	BackgroundWorkerUnblockSignals();
	/* as the bootstrap superuser, even where the database allows no connection */
	BackgroundWorkerInitializeConnectionByOid(watch.database, InvalidOid, BGWORKER_BYPASS_ALLOWCONN);

	StartTransactionCommand();
	wfauth_worker_settings();
	if (TransactionIdIsValid(watch.xid))
	{
		pgstat_report_activity(STATE_RUNNING, "wfauth: waiting for a login to end");
		XactLockTableWait(watch.xid, NULL, NULL, XLTW_None);
		if (TransactionIdDidCommit(watch.xid))
		{
			CommitTransactionCommand();
			proc_exit(0);
		}
	}

	(void) set_config_option("lock_timeout", "1s", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "wfauth: recording a failed login");
	SPI_execute_with_args("UPDATE wfauth.passwords"
						  "   SET failed_attempts = failed_attempts OPERATOR(pg_catalog.+) 1,"
						  "       last_failed_at = pg_catalog.clock_timestamp()"
						  " WHERE account_id OPERATOR(pg_catalog.=) $1",
						  1, argtypes, args, NULL, false, 0);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}

/* Start a dynamic worker of wfauth's running function, handed extra; false: no free slot */
static bool
start_worker(const char *function, const char *name, Datum main_arg, const void *extra, size_t size)
{
	BackgroundWorker worker;

	Assert(size <= BGW_EXTRALEN);
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "wfauth");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(worker.bgw_type, BGW_MAXLEN, "%s", name);
	worker.bgw_main_arg = main_arg;
	memcpy(worker.bgw_extra, extra, size);
	return RegisterDynamicBackgroundWorker(&worker, NULL);
}

/* Start a worker that watches xid and counts a failure of account. */
static bool
start_watch(int64 account, TransactionId xid)
{
	FailureWatch watch = {MyDatabaseId, xid};

	StaticAssertStmt(sizeof(FailureWatch) <= BGW_EXTRALEN, "FailureWatch must fit in bgw_extra");
	return start_worker("wfauth_login_failure_main", "wfauth login failure recorder",
						Int64GetDatum(account), &watch, sizeof(watch));
}

/*
 * SQL function: wfauth._arm_failed_login(account bigint)
 * Counts this login attempt as a failure of account, durably, unless the
 * current (sub)transaction commits; refuses the login when it cannot.
 */
PG_FUNCTION_INFO_V1(wfauth_arm_failed_login);
Datum
wfauth_arm_failed_login(PG_FUNCTION_ARGS)
{
	if (RecoveryInProgress())
		PG_RETURN_VOID();		/* a standby can neither log in nor count */
	if (!start_watch(PG_GETARG_INT64(0), GetCurrentTransactionId()))
	{
		ereport(LOG_SERVER_ONLY,
				(errmsg("wfauth: login refused because a failure could not be counted: no background worker slot is free"),
				 errhint("Raise max_worker_processes (and keep max_parallel_workers below it)."),
				 errhidestmt(true)));
		wfauth_auth_failed("password");
	}
	PG_RETURN_VOID();
}

/*
 * SQL function: wfauth._record_login_failure(account bigint), of the 1.0 and
 * 1.1 install scripts (a database not updated yet still calls it): counts
 * one failure at once.
 */
PG_FUNCTION_INFO_V1(wfauth_record_login_failure);
Datum
wfauth_record_login_failure(PG_FUNCTION_ARGS)
{
	if (!RecoveryInProgress() && !start_watch(PG_GETARG_INT64(0), InvalidTransactionId))
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not record a failed login: no background worker slot is free"),
				 errhint("Raise max_worker_processes, or update the extension: wfauth 1.2 refuses such logins.")));
	PG_RETURN_VOID();
}

/* --- noting a credential's use -------------------------------------------- */

/*
 * A token's or session's last use is noted at most once a minute.  Noting
 * it in the user's own transaction locked the row until that transaction
 * ended, and revoke_token, end_session, logout and set_password waited for
 * it while the credential went on working elsewhere.  A short-lived worker
 * notes it in a transaction of its own instead: a revocation waits for
 * nobody's transaction (at most for the worker's own few milliseconds), and
 * the worker gives up after a second if a revocation holds the row.  With
 * no free worker slot the use is noted next time.
 */
typedef struct UseNote
{
	Oid			database;
	bool		session;		/* sessions.last_seen_at, else tokens.last_used_at */
	int64		id;
	TimestampTz at;
} UseNote;

PGDLLEXPORT void wfauth_note_use_main(Datum arg);

/* Background worker: note one use of a token or session */
void
wfauth_note_use_main(Datum arg)
{
	UseNote		note;
	Oid			argtypes[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		args[2];

	memcpy(&note, MyBgworkerEntry->bgw_extra, sizeof(note));
	args[0] = Int64GetDatum(note.id);
	args[1] = TimestampTzGetDatum(note.at);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(note.database, InvalidOid, BGWORKER_BYPASS_ALLOWCONN);

	StartTransactionCommand();
	wfauth_worker_settings();
	(void) set_config_option("lock_timeout", "1s", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "wfauth: noting a credential's use");
	SPI_execute_with_args(note.session ?
						  "UPDATE wfauth.sessions SET last_seen_at = $2"
						  " WHERE id OPERATOR(pg_catalog.=) $1"
						  "   AND (last_seen_at IS NULL OR last_seen_at OPERATOR(pg_catalog.<) $2)" :
						  "UPDATE wfauth.tokens SET last_used_at = $2"
						  " WHERE id OPERATOR(pg_catalog.=) $1"
						  "   AND (last_used_at IS NULL OR last_used_at OPERATOR(pg_catalog.<) $2)",
						  2, argtypes, args, NULL, false, 0);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}

/* Have a worker note a use of a token (session false) or a session, at "at" */
void
wfauth_note_use(bool session, int64 id, TimestampTz at)
{
	UseNote		note = {MyDatabaseId, session, id, at};

	StaticAssertStmt(sizeof(UseNote) <= BGW_EXTRALEN, "UseNote must fit in bgw_extra");
	(void) start_worker("wfauth_note_use_main", "wfauth last-use recorder", (Datum) 0, &note, sizeof(note));
}
