/*
 * logins.c — what must outlive the transaction that causes it: failed
 * logins counted, credentials' uses noted, Super Admin mode's uses audited.
 *
 * A failed login ends in ERROR, and an ERROR rolls back everything its
 * transaction wrote, the failure count included.  PostgreSQL 15 has no
 * autonomous transactions, and without shared_preload_libraries there is no
 * shared memory to keep counters in; so the count is kept by a short-lived
 * dynamic background worker with a transaction of its own.
 *
 * Each attempt is counted before its password is looked at: login starts a
 * worker that adds one failure and commits, and waits until the worker
 * reports, in a dynamic shared memory segment, that the count is durable.
 * Only then is the password checked; the right one has a second worker
 * reset the count.  Whatever the client does afterwards -- roll back, catch
 * the error in a savepoint, cancel the query, exit -- the attempt is
 * already counted, and nobody learns a verdict whose attempt was not.  When
 * the count cannot be confirmed (no worker slot is free, the worker failed,
 * a lock held it too long) the login is refused whatever the password: fail
 * closed, so that filling the worker slots with parallel queries buys no
 * guesses.  The client sees only the usual 28P01; the server log gets one
 * line for the DBA.
 *
 * The throttle is decided by the counting worker too, under the row lock of
 * its update: concurrent attempts on one account are counted one after the
 * other, and each sees the count of those before it.  Every attempt starts
 * the worker, whatever the account: an unknown or inactive one counts for
 * account 0, which changes nothing but still commits a transaction id, so
 * that the time of a refusal does not tell an existing account from an
 * unknown one.  A worker lives for the few milliseconds of its update,
 * never for the client's transaction.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "wfauth.h"

/* What a login worker does */
typedef enum LoginWork
{
	LOGIN_ATTEMPT,				/* count one failure, unless throttled */
	LOGIN_SUCCEEDED,			/* reset the count, and store a new hash if given */
	AUDIT_SUPER_ADMIN_USE		/* record a use that only Super Admin mode allowed */
} LoginWork;

/* What it reports: nothing unless its transaction committed */
typedef enum LoginOutcome
{
	LOGIN_UNCONFIRMED = 0,		/* the worker did not commit (or did not start) */
	LOGIN_COUNTED,				/* the attempt is counted: check the password */
	LOGIN_THROTTLED,			/* throttled: nothing counted */
	LOGIN_UNSEEN,				/* no committed row to count (see below) */
	LOGIN_RESET,				/* the count is reset (or the use audited) */
	LOGIN_NO_WORKER				/* no background worker slot was free */
} LoginOutcome;

/* The request, in bgw_extra */
typedef struct LoginRequest
{
	Oid			database;
	LoginWork	work;
	int32		limit;			/* wfauth.max_failed_logins of the login's session */
	int64		account;		/* for an audit: the principal */
	int64		tenant;			/* for an audit */
	TimestampTz statement;		/* for an audit: the statement's start */
	dsm_handle	reply;			/* a LoginReply, or DSM_HANDLE_INVALID */
} LoginRequest;

/* The reply, in a dynamic shared memory segment the login creates */
typedef struct LoginReply
{
	pg_atomic_uint32 outcome;	/* a LoginOutcome */
	char		text[FLEXIBLE_ARRAY_MEMBER];	/* for LOGIN_SUCCEEDED "new\0verified"
												 * (hashes, "" for none); for an
												 * audit "role\0target" */
} LoginReply;

PGDLLEXPORT void wfauth_login_main(Datum arg);

/*
 * A worker waits for no lock longer than timeout_ms; on Citus, for nothing
 * longer, another node included (its waits for a lock or a result there are
 * no lock waits here; a bgworker has no statement_timeout of its own).
 *
 * On Citus, its one-row change of a reference table is commutative to
 * Citus: otherwise Citus serializes it with every open transaction that
 * wrote the table or one it references (an exclusive lock across the
 * cluster, to the end of each), and a login waited for another login's
 * transaction to end.  The row's lock on each copy still orders the changes
 * of one row; two changes that take it in opposite orders on two copies are
 * a deadlock, which Citus resolves by cancelling one -- never two values.  A
 * login's count and reset take their turn first (login_turns, a change of a
 * table that nobody else writes and that references nothing), so that they
 * come in one order everywhere, as they did when Citus serialized them.
 */
static void
bound_worker(int timeout_ms, bool take_turn)
{
	char		timeout[32];

	snprintf(timeout, sizeof(timeout), "%dms", timeout_ms);
	(void) set_config_option("lock_timeout", timeout, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
	if (!wfauth_citus_present())
		return;
	enable_timeout_after(STATEMENT_TIMEOUT, timeout_ms);
	if (take_turn)
	{
		/* a turn is one while Citus serializes it: a database's setting made it commute */
		(void) set_config_option("citus.all_modifications_commutative", "off",
								 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
		SPI_execute("UPDATE wfauth.login_turns SET turn = turn", false, 0);
	}
	(void) set_config_option("citus.all_modifications_commutative", "on",
							 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
}

/* Background worker: count an attempt, or reset the count after a success, and report it once committed */
void
wfauth_login_main(Datum arg)
{
	LoginRequest request;
	dsm_segment *segment = NULL;
	LoginReply *reply = NULL;
	Oid			argtypes[3] = {INT8OID, 0, 0};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};
	LoginOutcome outcome;

	memcpy(&request, MyBgworkerEntry->bgw_extra, sizeof(request));
	BackgroundWorkerUnblockSignals();
	/* as the bootstrap superuser, even where the database allows no connection */
	BackgroundWorkerInitializeConnectionByOid(request.database, InvalidOid, BGWORKER_BYPASS_ALLOWCONN);

	StartTransactionCommand();
	if (request.reply != DSM_HANDLE_INVALID)
	{
		/* gone: the login was cancelled before it could read a verdict; count anyway */
		segment = dsm_attach(request.reply);
		if (segment != NULL)
		{
			dsm_pin_mapping(segment);	/* the reply is written after the commit */
			reply = dsm_segment_address(segment);
		}
	}
	wfauth_worker_settings();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	bound_worker(5000, request.work != AUDIT_SUPER_ADMIN_USE);
	/* every attempt commits a transaction id: the same commit, whatever the account */
	(void) GetTopTransactionId();
	args[0] = Int64GetDatum(request.account);
	if (request.work == LOGIN_ATTEMPT)
	{
		pgstat_report_activity(STATE_RUNNING, "wfauth: counting a login attempt");
		argtypes[1] = INT4OID;
		args[1] = Int32GetDatum(request.limit);
		/*
		 * The time as a parameter, and only immutable operators beside the
		 * columns (timestamptz - timestamptz, not + interval): Citus
		 * evaluates no STABLE function with column references in an UPDATE.
		 */
		argtypes[2] = TIMESTAMPTZOID;
		args[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		SPI_execute_with_args("UPDATE wfauth.passwords"
							  "   SET failed_attempts = failed_attempts OPERATOR(pg_catalog.+) 1,"
							  "       last_failed_at = $3"
							  " WHERE account_id OPERATOR(pg_catalog.=) $1"
							  "   AND (failed_attempts OPERATOR(pg_catalog.<) $2"
							  "        OR last_failed_at IS NULL"
							  "        OR ($3 OPERATOR(pg_catalog.-) last_failed_at) OPERATOR(pg_catalog.>=)"
							  "           pg_catalog.make_interval(secs =>"
							  "             LEAST(pg_catalog.power(2, failed_attempts OPERATOR(pg_catalog.-) $2), 3600)))",
							  3, argtypes, args, nulls, false, 0);
		if (SPI_processed > 0)
			outcome = LOGIN_COUNTED;
		else
		{
			SPI_execute_with_args("SELECT FROM wfauth.passwords WHERE account_id OPERATOR(pg_catalog.=) $1",
								  1, argtypes, args, nulls, true, 0);
			outcome = SPI_processed > 0 ? LOGIN_THROTTLED : LOGIN_UNSEEN;
		}
	}
	else if (request.work == AUDIT_SUPER_ADMIN_USE)
	{
		Oid			audit_types[5] = {INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, INT8OID};
		Datum		audit_args[5];

		if (reply == NULL)
			proc_exit(1);		/* the statement is gone: nothing waits for it */
		pgstat_report_activity(STATE_RUNNING, "wfauth: auditing a use of Super Admin mode");
		audit_args[0] = Int64GetDatum(request.account);
		audit_args[1] = CStringGetTextDatum(reply->text);
		audit_args[2] = CStringGetTextDatum(reply->text + strlen(reply->text) + 1);
		audit_args[3] = TimestampTzGetDatum(request.statement);
		audit_args[4] = Int64GetDatum(request.tenant);
		SPI_execute_with_args("INSERT INTO wfauth.audit_log (principal_id, db_role, action, target, details, tenant_id)"
							  " VALUES ($1, $2, 'super_admin_use', $3,"
							  "         pg_catalog.jsonb_build_object('statement_start', $4), $5)",
							  5, audit_types, audit_args, NULL, false, 0);
		outcome = LOGIN_RESET;
	}
	else
	{
		const char *new_hash = "";
		const char *verified = "";

		pgstat_report_activity(STATE_RUNNING, "wfauth: resetting a login failure count");
		if (reply != NULL)
		{
			new_hash = reply->text;
			verified = new_hash + strlen(new_hash) + 1;
		}

		/*
		 * A re-hash replaces only the hash it was made from: a password
		 * changed since (the count waited for it) stays changed.
		 */
		argtypes[1] = argtypes[2] = TEXTOID;
		args[1] = CStringGetTextDatum(new_hash);
		nulls[1] = new_hash[0] == '\0' ? 'n' : ' ';
		args[2] = CStringGetTextDatum(verified);
		nulls[2] = verified[0] == '\0' ? 'n' : ' ';
		SPI_execute_with_args("UPDATE wfauth.passwords"
							  "   SET failed_attempts = 0,"
							  "       hash = CASE WHEN $3 IS NULL OR hash OPERATOR(pg_catalog.=) $3"
							  "                   THEN COALESCE($2, hash) ELSE hash END"
							  " WHERE account_id OPERATOR(pg_catalog.=) $1",
							  3, argtypes, args, nulls, false, 0);
		outcome = LOGIN_RESET;
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	if (reply != NULL)
	{
		pg_write_barrier();
		pg_atomic_write_u32(&reply->outcome, outcome);
	}
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}

/*
 * Start a dynamic worker of wfauth's running function, handed extra; false:
 * no free slot.  With handle, the caller is told when it stops.
 */
static bool
start_worker(const char *function, const char *name, const void *extra, size_t size,
			 BackgroundWorkerHandle **handle)
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
	worker.bgw_notify_pid = handle != NULL ? MyProcPid : 0;
	memcpy(worker.bgw_extra, extra, size);
	return RegisterDynamicBackgroundWorker(&worker, handle);
}

/*
 * Have a worker do request's work, handed text (size bytes, NULs allowed),
 * and wait until it has ended; what it reported
 */
static LoginOutcome
run_worker(LoginRequest *request, const char *text, size_t size)
{
	dsm_segment *segment = dsm_create(offsetof(LoginReply, text) + size + 1, 0);
	LoginReply *reply = dsm_segment_address(segment);
	BackgroundWorkerHandle *handle;
	LoginOutcome outcome = LOGIN_NO_WORKER;

	StaticAssertStmt(sizeof(LoginRequest) <= BGW_EXTRALEN, "LoginRequest must fit in bgw_extra");
	request->database = MyDatabaseId;
	request->reply = dsm_segment_handle(segment);
	pg_atomic_init_u32(&reply->outcome, LOGIN_UNCONFIRMED);
	if (size > 0)
		memcpy(reply->text, text, size);
	reply->text[size] = '\0';
	if (start_worker("wfauth_login_main",
					 request->work == AUDIT_SUPER_ADMIN_USE ? "wfauth audit recorder" : "wfauth login counter",
					 request, sizeof(*request), &handle))
	{
		outcome = LOGIN_UNCONFIRMED;
		if (WaitForBackgroundWorkerShutdown(handle) == BGWH_STOPPED)
		{
			pg_read_barrier();
			outcome = pg_atomic_read_u32(&reply->outcome);
		}
		pfree(handle);
	}
	dsm_detach(segment);
	return outcome;
}

/* Have a worker count an attempt on account (under limit) and wait until it has ended; what it reported */
static LoginOutcome
count_attempt(int64 account, int32 limit)
{
	LoginRequest request = {.work = LOGIN_ATTEMPT, .limit = limit, .account = account};

	return run_worker(&request, "", 0);
}

/*
 * Audit, durably and at once, a use that only Super Admin mode allowed:
 * what (an object kind, a permission, "management"), by principal in
 * tenant, in the statement that started at statement; false if it could
 * not be written (the caller refuses the use).
 */
bool
wfauth_audit_super_admin_use(int64 principal, int64 tenant, const char *role, const char *what,
							 TimestampTz statement)
{
	LoginRequest request = {.work = AUDIT_SUPER_ADMIN_USE, .account = principal,
	.tenant = tenant, .statement = statement};
	StringInfoData text;

	initStringInfo(&text);
	appendStringInfoString(&text, role);
	appendStringInfoChar(&text, '\0');
	appendStringInfoString(&text, what);
	return !RecoveryInProgress() && run_worker(&request, text.data, text.len) == LOGIN_RESET;
}

/*
 * SQL function: wfauth._count_login_attempt(account bigint) → boolean
 * Counts this attempt as a failure of account, durably, before its password
 * is checked; true: check the password, false: refuse it (throttled, or
 * account 0: nobody).  Refuses the login when the count cannot be confirmed.
 *
 * An account whose password row the worker cannot see at all was created by
 * this very transaction, not committed yet (the caller saw the row, in the
 * latest snapshot, which shows the transaction's own changes): there is
 * nothing durable to count, and the password is the one its creator just
 * set.  A row merely changed by an open transaction is not unseen: the
 * worker waits for its lock, and fails closed if that takes too long.
 */
PG_FUNCTION_INFO_V1(wfauth_count_login_attempt);
Datum
wfauth_count_login_attempt(PG_FUNCTION_ARGS)
{
	int64		account = PG_GETARG_INT64(0);
	LoginOutcome outcome;

	if (RecoveryInProgress())
		wfauth_auth_failed("password");	/* a standby can count nothing */
	outcome = count_attempt(account, wfauth_max_failed_logins);
	switch (outcome)
	{
		case LOGIN_COUNTED:
			PG_RETURN_BOOL(true);
		case LOGIN_UNSEEN:
			PG_RETURN_BOOL(account != 0);
		case LOGIN_THROTTLED:
			wfauth_count(WFAUTH_STAT_LOGINS_THROTTLED);
			PG_RETURN_BOOL(false);
		default:
			ereport(LOG_SERVER_ONLY,
					(errmsg("wfauth: login refused because the attempt could not be counted"),
					 outcome == LOGIN_NO_WORKER ?
					 errdetail("No background worker slot was free.") :
					 errdetail("The counting worker did not commit; its error, if any, is logged above."),
					 outcome == LOGIN_NO_WORKER ?
					 errhint("Raise max_worker_processes (and keep max_parallel_workers below it).") : 0,
					 errhidestmt(true)));
			wfauth_auth_failed("password");
	}
}

/*
 * SQL function: wfauth._login_succeeded(account bigint, new_hash text
 *                                        [, verified text])
 * The right password: resets the account's failure count, and stores
 * new_hash, a re-hash of another cost (unless NULL), over verified, the
 * hash the password was checked against (1.2's call, without it: over any).
 * In a worker's transaction, because the count was committed by one after
 * this transaction's snapshot: updating that row here would fail under
 * REPEATABLE READ.  Whatever becomes of the caller's transaction, whoever
 * gave the right password was not guessing.
 */
PG_FUNCTION_INFO_V1(wfauth_login_succeeded);
Datum
wfauth_login_succeeded(PG_FUNCTION_ARGS)
{
	LoginRequest request = {.work = LOGIN_SUCCEEDED, .account = PG_GETARG_INT64(0)};
	StringInfoData hashes;

	initStringInfo(&hashes);
	if (!PG_ARGISNULL(1))
		appendStringInfoString(&hashes, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	appendStringInfoChar(&hashes, '\0');
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		appendStringInfoString(&hashes, text_to_cstring(PG_GETARG_TEXT_PP(2)));
	wfauth_count(WFAUTH_STAT_LOGINS);
	if (run_worker(&request, hashes.data, hashes.len) != LOGIN_RESET)
		ereport(LOG_SERVER_ONLY,
				(errmsg("wfauth: the failed login count of account " INT64_FORMAT " could not be reset after its login", request.account),
				 errhint("The next successful login resets it; raise max_worker_processes if no slot was free."),
				 errhidestmt(true)));
	PG_RETURN_VOID();
}

/*
 * SQL function: wfauth._record_login_failure(account bigint), of the 1.0 and
 * 1.1 install scripts (a database not updated yet still calls it, after its
 * own throttle check): counts one failure.
 */
PG_FUNCTION_INFO_V1(wfauth_record_login_failure);
Datum
wfauth_record_login_failure(PG_FUNCTION_ARGS)
{
	LoginOutcome outcome;

	if (RecoveryInProgress())
		PG_RETURN_VOID();
	outcome = count_attempt(PG_GETARG_INT64(0), PG_INT32_MAX);
	if (outcome == LOGIN_NO_WORKER || outcome == LOGIN_UNCONFIRMED)
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not record a failed login"),
				 errhint("Update the extension: wfauth 1.2 refuses a login whose attempt it cannot count.")));
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
	Datum		args[3];

	memcpy(&note, MyBgworkerEntry->bgw_extra, sizeof(note));
	args[0] = Int64GetDatum(note.id);
	args[1] = TimestampTzGetDatum(note.at);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(note.database, InvalidOid, BGWORKER_BYPASS_ALLOWCONN);

	StartTransactionCommand();
	wfauth_worker_settings();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	bound_worker(1000, false);
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
	(void) start_worker("wfauth_note_use_main", "wfauth last-use recorder", &note, sizeof(note), NULL);
}
