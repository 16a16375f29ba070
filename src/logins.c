/*
 * logins.c — counting failed logins, which must outlive the failure.
 *
 * A failed login ends in ERROR, and an ERROR rolls back everything its
 * transaction wrote, the failure count included.  PostgreSQL 15 has no
 * autonomous transactions, and without shared_preload_libraries there is no
 * shared memory to keep counters in; so each failure is recorded by a
 * short-lived dynamic background worker in a transaction of its own.
 *
 * The backend registers the worker and does not wait for it: registering
 * costs microseconds (the postmaster forks), so a wrong password takes as
 * long to refuse as an unknown account, which starts no worker.  The count
 * lags the refusal by the few milliseconds the worker takes; the throttle
 * reads it at the next attempt.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

#include "wfauth.h"

PGDLLEXPORT void wfauth_login_failure_main(Datum arg);

/*
 * The worker connects as the bootstrap superuser, and the database's (and
 * that role's) settings apply to it: a database owner may have set
 * search_path, role, default_transaction_read_only, statement_timeout and
 * more.  Its one transaction therefore pins every setting it depends on,
 * and its statement qualifies every operator and function.
 */
static const char *const worker_settings[][2] = {
	{"role", "none"},
	{"search_path", "pg_catalog, pg_temp"},
	{"transaction_isolation", "read committed"},
	{"transaction_read_only", "off"},
	{"statement_timeout", "0"},
	{"lock_timeout", "1s"},
};

/* Background worker: add one failure to an account's count, and commit. */
void
wfauth_login_failure_main(Datum arg)
{
	int64		account = DatumGetInt64(arg);
	Oid			dboid;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(account)};
	size_t		i;

	memcpy(&dboid, MyBgworkerEntry->bgw_extra, sizeof(Oid));
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	StartTransactionCommand();
	for (i = 0; i < lengthof(worker_settings); i++)
		(void) set_config_option(worker_settings[i][0], worker_settings[i][1],
								 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "wfauth: recording a failed login");
	SPI_execute_with_args("UPDATE wfauth.passwords"
						  "   SET failed_attempts = failed_attempts OPERATOR(pg_catalog.+) 1,"
						  "       last_failed_at = pg_catalog.now()"
						  " WHERE account_id OPERATOR(pg_catalog.=) $1",
						  1, argtypes, args, NULL, false, 0);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}

/*
 * SQL function: wfauth._record_login_failure(account bigint)
 * Counts one failed login for account, durably, whatever happens next.
 */
PG_FUNCTION_INFO_V1(wfauth_record_login_failure);
Datum
wfauth_record_login_failure(PG_FUNCTION_ARGS)
{
	BackgroundWorker worker;

	if (RecoveryInProgress())
		PG_RETURN_VOID();		/* a standby cannot write: nothing to count in */

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "wfauth");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "wfauth_login_failure_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "wfauth login failure recorder");
	snprintf(worker.bgw_type, BGW_MAXLEN, "wfauth login failure recorder");
	worker.bgw_main_arg = Int64GetDatum(PG_GETARG_INT64(0));
	memcpy(worker.bgw_extra, &MyDatabaseId, sizeof(Oid));

	if (!RegisterDynamicBackgroundWorker(&worker, NULL))
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not record a failed login: no background worker slot is free"),
				 errhint("Raise max_worker_processes.")));
	PG_RETURN_VOID();
}
