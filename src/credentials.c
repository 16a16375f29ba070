/*
 * credentials.c — checking a credential: API tokens and login sessions on the
 * hot path, and the fresh reads behind login and activation.
 *
 * A credential is checked against the latest committed state and the
 * statement's clock, whatever the transaction's snapshot: an old REPEATABLE
 * READ transaction, or one that imported an old snapshot, must not revive a
 * token revoked, a session ended or a password changed since (DESIGN §8).
 * So every read here is an index scan under a snapshot taken now
 * (catalog.c's wfauth_scan_latest), and expiry and idle limits are compared
 * with the statement's start (wfauth_decision_time(): a later transaction's
 * start within a CALL), never an older transaction's.
 *
 * authenticate_token and authenticate_session run no SQL at all on the way
 * to yes or no: the checksum is checked before any lookup, the digest is
 * looked up through its unique index and compared again in constant time.
 * The one write -- the last use, at most once a minute -- happens in a
 * subtransaction, as the extension's owner, never waits for a lock, is
 * skipped on a standby or in a read-only transaction, and never makes an
 * authentication fail.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "wfauth.h"

#define LAST_USE_PRECISION	(60 * USECS_PER_SEC)

/* What a token, session or activation row says, read under the latest snapshot. */
typedef struct Credential
{
	bool		found;
	int64		id;
	int64		account;
	bytea	   *digest;
	TimestampTz created;		/* tokens only */
	TimestampTz last_use;		/* tokens: last_used_at, sessions: last_seen_at */
	bool		last_use_null;
	TimestampTz expires;
	bool		expires_null;
	bool		ended;			/* revoked, ended or used */
} Credential;

typedef struct CredentialColumns
{
	AttrNumber	id,
				account,
				digest,
				created,
				last_use,
				expires,
				ended;
} CredentialColumns;

static const CredentialColumns token_columns = {
	Anum_tokens_id, Anum_tokens_account_id, Anum_tokens_digest, Anum_tokens_created_at,
	Anum_tokens_last_used_at, Anum_tokens_expires_at, Anum_tokens_revoked_at
};
static const CredentialColumns session_columns = {
	Anum_sessions_id, Anum_sessions_account_id, Anum_sessions_digest, InvalidAttrNumber,
	Anum_sessions_last_seen_at, Anum_sessions_expires_at, Anum_sessions_ended_at
};
static const CredentialColumns activation_columns = {
	Anum_activations_id, Anum_activations_account_id, Anum_activations_digest, InvalidAttrNumber,
	InvalidAttrNumber, Anum_activations_expires_at, Anum_activations_used_at
};

typedef struct CredentialScan
{
	const CredentialColumns *columns;
	Credential *result;
} CredentialScan;

static void
read_credential(HeapTuple tuple, TupleDesc desc, void *arg)
{
	CredentialScan *scan = arg;
	const CredentialColumns *c = scan->columns;
	Credential *cred = scan->result;
	bool		isnull;

	cred->found = true;
	cred->id = DatumGetInt64(heap_getattr(tuple, c->id, desc, &isnull));
	cred->account = DatumGetInt64(heap_getattr(tuple, c->account, desc, &isnull));
	cred->digest = DatumGetByteaPCopy(heap_getattr(tuple, c->digest, desc, &isnull));
	if (c->created != InvalidAttrNumber)
		cred->created = DatumGetTimestampTz(heap_getattr(tuple, c->created, desc, &isnull));
	cred->last_use_null = true;
	if (c->last_use != InvalidAttrNumber)
		cred->last_use = DatumGetTimestampTz(heap_getattr(tuple, c->last_use, desc, &cred->last_use_null));
	cred->expires = DatumGetTimestampTz(heap_getattr(tuple, c->expires, desc, &cred->expires_null));
	(void) heap_getattr(tuple, c->ended, desc, &isnull);
	cred->ended = !isnull;
}

/*
 * Does the account exist and is it active?  Its cached context says so: it
 * is reloaded whenever the model changed since (a deactivation fires a
 * relcache invalidation that this backend processes before it runs the
 * transaction's next command), its loads read the latest committed state
 * rather than the transaction's snapshot, and the request needs it next.
 */
static bool
account_is_active(int64 account)
{
	const WfauthContext *ctx = wfauth_context(account);

	return ctx->exists && ctx->active && ctx->kind != 'g';
}

/*
 * The credential a token argument names, or an authentication failure (as
 * kind): a token not of the prefix's form, or one whose row is missing,
 * ended, expired at now, of another digest (compared in constant time), or
 * of an account that is not active.
 */
static Credential
live_credential(FunctionCallInfo fcinfo, WfauthTable table, const CredentialColumns *columns,
				const char *prefix, const char *kind, TimestampTz now)
{
	bytea	   *digest = wfauth_token_digest_of(PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0),
												prefix, kind);
	Credential	cred = {0};
	CredentialScan scan = {columns, &cred};

	wfauth_scan_latest(table, PointerGetDatum(digest), read_credential, &scan);
	if (!cred.found || cred.ended || (!cred.expires_null && cred.expires <= now) ||
		!wfauth_digests_equal(cred.digest, digest) || !account_is_active(cred.account))
		wfauth_auth_failed(kind);
	return cred;
}

/*
 * Note a credential's use (at most once a minute, see due()): by a worker, in
 * a transaction of its own (logins.c), so that no revocation waits for the
 * user's transaction; not in a read-only transaction or on a standby.
 */
static void
note_use(bool session, int64 id, TimestampTz now)
{
	if (XactReadOnly || RecoveryInProgress())
		return;
	wfauth_note_use(session, id, now);
}

static bool
due(const Credential *cred, TimestampTz now)
{
	return cred->last_use_null || cred->last_use < now - LAST_USE_PRECISION;
}

/* time + span, as timestamptz + interval computes it (months and days by the calendar) */
static TimestampTz
plus_interval(TimestampTz time, const Interval *span)
{
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(time),
												   IntervalPGetDatum(span)));
}

/*
 * Does the tenant's token policy (set_token_policy) allow the token at now?
 * Not when it is older than the maximum lifetime, or unused for longer than
 * the idle timeout (its last use is noted at most once a minute, and the
 * timeout is at least a minute), whatever its own expiry.
 */
static bool
token_policy_allows(const Credential *cred, TimestampTz now, bool idle_too)
{
	const WfauthTenant *tenant = wfauth_tenant(wfauth_context(cred->account)->tenant);

	if (tenant->token_max_lifetime_set &&
		plus_interval(cred->created, &tenant->token_max_lifetime) <= now)
		return false;
	if (idle_too && tenant->token_idle_timeout_set &&
		plus_interval(cred->last_use_null ? cred->created : cred->last_use,
					  &tenant->token_idle_timeout) <= now)
		return false;
	return true;
}

/* SQL function: wfauth.authenticate_token(token text) → bigint */
PG_FUNCTION_INFO_V1(wfauth_authenticate_token);
Datum
wfauth_authenticate_token(PG_FUNCTION_ARGS)
{
	TimestampTz now = wfauth_decision_time();
	Credential	cred;

	/* (an application should pass it as a parameter: then it is in no query's text) */
	if (!PG_ARGISNULL(0))
		wfauth_hide_in_query(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	cred = live_credential(fcinfo, WFAUTH_TOKENS, &token_columns, "wfat_", "token", now);

	if (!token_policy_allows(&cred, now, true))
		wfauth_auth_failed("token");
	if (due(&cred, now))
		note_use(false, cred.id, now);
	wfauth_cluster_credential('t', cred.id);
	wfauth_set_principal_id(cred.account, 0);
	if (!account_is_active(cred.account))
		wfauth_auth_failed("token");	/* its tenant was deleted meanwhile */
	wfauth_count(WFAUTH_STAT_TOKEN_AUTHS);
	PG_RETURN_INT64(cred.account);
}

/* SQL function: wfauth.authenticate_session(session_token text) → bigint */
PG_FUNCTION_INFO_V1(wfauth_authenticate_session);
Datum
wfauth_authenticate_session(PG_FUNCTION_ARGS)
{
	TimestampTz now = wfauth_decision_time();
	Credential	cred;

	/* (an application should pass it as a parameter: then it is in no query's text) */
	if (!PG_ARGISNULL(0))
		wfauth_hide_in_query(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	cred = live_credential(fcinfo, WFAUTH_SESSIONS, &session_columns, "wfas_", "session", now);

	if (cred.last_use + (int64) wfauth_session_idle_timeout * USECS_PER_SEC <= now)
		wfauth_auth_failed("session");	/* idle too long */
	if (due(&cred, now))
		note_use(true, cred.id, now);
	wfauth_cluster_credential('s', cred.id);
	wfauth_set_principal_id(cred.account, cred.id);
	if (!account_is_active(cred.account))
		wfauth_auth_failed("session");	/* its tenant was deleted meanwhile */
	wfauth_count(WFAUTH_STAT_SESSION_AUTHS);
	PG_RETURN_INT64(cred.account);
}

/*
 * SQL function: wfauth._activation(activation_token text) → bigint
 * The account an activation token may activate, or an authentication failure:
 * unknown, used, expired (by the decision time) or inactive, judged on
 * the latest committed state.  activate_user marks it used.
 */
PG_FUNCTION_INFO_V1(wfauth_activation);
Datum
wfauth_activation(PG_FUNCTION_ARGS)
{
	int64		account = live_credential(fcinfo, WFAUTH_ACTIVATIONS, &activation_columns, "wfai_",
										  "activation token", wfauth_decision_time()).account;

	wfauth_count(WFAUTH_STAT_ACTIVATIONS);
	PG_RETURN_INT64(account);
}

typedef struct PasswordRow
{
	bool		found;
	text	   *hash;
	int32		failed_attempts;
	TimestampTz last_failed_at;
	bool		last_failed_null;
} PasswordRow;

static void
read_password(HeapTuple tuple, TupleDesc desc, void *arg)
{
	PasswordRow *row = arg;
	bool		isnull;

	row->found = true;
	row->hash = DatumGetTextPCopy(heap_getattr(tuple, Anum_passwords_hash, desc, &isnull));
	row->failed_attempts = DatumGetInt32(heap_getattr(tuple, Anum_passwords_failed_attempts, desc, &isnull));
	row->last_failed_at = DatumGetTimestampTz(heap_getattr(tuple, Anum_passwords_last_failed_at, desc,
														   &row->last_failed_null));
}

/*
 * SQL function: wfauth._password_state(account bigint)
 *   → (active boolean, hash text, failed_attempts integer, last_failed_at timestamptz)
 * What login checks, in the latest committed state: NULLs when the account
 * has no password (or does not exist).
 */
PG_FUNCTION_INFO_V1(wfauth_password_state);
Datum
wfauth_password_state(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[4] = {0};
	bool		nulls[4] = {true, true, true, true};
	PasswordRow row = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!PG_ARGISNULL(0))
		wfauth_scan_latest(WFAUTH_PASSWORDS, Int64GetDatum(PG_GETARG_INT64(0)), read_password, &row);
	if (row.found)
	{
		values[0] = BoolGetDatum(account_is_active(PG_GETARG_INT64(0)));
		values[1] = PointerGetDatum(row.hash);
		values[2] = Int32GetDatum(row.failed_attempts);
		values[3] = TimestampTzGetDatum(row.last_failed_at);
		nulls[0] = nulls[1] = nulls[2] = false;
		nulls[3] = row.last_failed_null;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/*
 * Is the token ('t') or login session ('s') id still good at the decision
 * time: there, not revoked or ended, not expired (a token: nor past its
 * tenant's maximum lifetime), of an active account?  (cluster.c: a node
 * serving another node's transaction checks the credential the principal
 * was signed for, so that a revocation holds on every node at the next
 * statement, and a signed principal replayed later does not outlive its
 * credential.)  Idleness is judged where the credential was presented: one
 * in use is not idle, though its last use is noted only later.
 */
bool
wfauth_credential_live(char kind, int64 id)
{
	Credential	cred = {0};
	CredentialScan scan = {kind == 't' ? &token_columns : &session_columns, &cred};
	TimestampTz now = wfauth_decision_time();

	wfauth_scan_by_pkey(kind == 't' ? WFAUTH_TOKENS : WFAUTH_SESSIONS, id, read_credential, &scan);
	return cred.found && !cred.ended && (cred.expires_null || now < cred.expires) &&
		account_is_active(cred.account) && (kind != 't' || token_policy_allows(&cred, now, false));
}
