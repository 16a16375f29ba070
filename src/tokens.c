/*
 * tokens.c — secrets handed to clients: API tokens, session tokens and
 * activation tokens.
 *
 * A token is a readable prefix (wfat_ API, wfas_ session, wfai_ activation),
 * 43 base62 characters from pg_strong_random (256 bits), and 6 base62
 * characters of checksum (the first 32 bits of SHA-256 over what precedes
 * them).  The checksum lets a mistyped or random string be refused before
 * any table is read.  Only the SHA-256 digest of the whole token is stored,
 * looked up through a unique index and compared again in constant time.
 *
 * Every failure of authentication is raised here, with errhidestmt so the
 * statement that carried the secret does not reach the server log, and with
 * one message per kind of credential whatever the cause.
 */
#include "postgres.h"

#include <sodium.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "wfauth.h"

static int	max_tokens_per_account = 20;
int			wfauth_session_idle_timeout = 60 * 60;
static int	session_lifetime = 24 * 60 * 60;
int			wfauth_max_failed_logins = 10;

/* The settings of credentials; the SQL functions read them with wfauth._setting(). */
void
WfauthTokensInit(void)
{
	DefineCustomIntVariable("wfauth.max_tokens_per_account",
							"Most live (unrevoked, unexpired) API tokens one account may have.",
							NULL, &max_tokens_per_account, 20, 1, 10000,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("wfauth.session_idle_timeout",
							"A login session ends after this long without use.",
							"It is checked with a precision of one minute.",
							&wfauth_session_idle_timeout, 60 * 60, 60, INT_MAX,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("wfauth.session_lifetime",
							"A login session ends this long after login, used or not.",
							NULL, &session_lifetime, 24 * 60 * 60, 60, INT_MAX,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("wfauth.max_failed_logins",
							"Consecutive failed logins after which an account's logins are refused for a growing delay.",
							"The delay is 2^(failures - limit) seconds, at most one hour; a successful login resets the count.",
							&wfauth_max_failed_logins, 10, 1, 100,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

#define TOKEN_PREFIX_LEN	5
#define TOKEN_RANDOM_LEN	43		/* 43 * log2(62) = 256.03 bits */
#define TOKEN_CHECK_LEN		6		/* 62^6 > 2^32 */
#define TOKEN_LEN			(TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN + TOKEN_CHECK_LEN)
#define TOKEN_DISPLAY_LEN	(TOKEN_PREFIX_LEN + 4)

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* The checksum of the first len characters, as TOKEN_CHECK_LEN base62 digits. */
static void
checksum(const char *s, size_t len, char *out)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	uint32		v;
	int			i;

	crypto_hash_sha256(digest, (const unsigned char *) s, len);
	v = ((uint32) digest[0] << 24) | ((uint32) digest[1] << 16) |
		((uint32) digest[2] << 8) | digest[3];
	for (i = TOKEN_CHECK_LEN - 1; i >= 0; i--)
	{
		out[i] = base62[v % 62];
		v /= 62;
	}
}

static void
check_prefix(const char *prefix)
{
	if (strlen(prefix) != TOKEN_PREFIX_LEN)
		elog(ERROR, "token prefix must have %d characters", TOKEN_PREFIX_LEN);
}

/*
 * Raise the one authentication failure of a kind of credential.  The
 * message never says why (unknown, wrong, expired, revoked, inactive).
 */
void
wfauth_auth_failed(const char *kind)
{
	wfauth_count(strcmp(kind, "password") == 0 ? WFAUTH_STAT_LOGIN_FAILURES :
				 strcmp(kind, "token") == 0 ? WFAUTH_STAT_TOKEN_FAILURES :
				 strcmp(kind, "session") == 0 ? WFAUTH_STAT_SESSION_FAILURES :
				 WFAUTH_STAT_ACTIVATION_FAILURES);
	if (strcmp(kind, "password") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PASSWORD),
				 errmsg("invalid identifier or password"),
				 errhidestmt(true)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("invalid or expired %s", kind),
			 errhidestmt(true)));
}

/* SQL function: wfauth._token_new(prefix text) → text */
PG_FUNCTION_INFO_V1(wfauth_token_new);
Datum
wfauth_token_new(PG_FUNCTION_ARGS)
{
	char	   *prefix = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char		token[TOKEN_LEN + 1];
	unsigned char bytes[64];
	int			n = TOKEN_PREFIX_LEN,
				i;

	check_prefix(prefix);
	memcpy(token, prefix, TOKEN_PREFIX_LEN);
	while (n < TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN)
	{
		if (!pg_strong_random(bytes, sizeof(bytes)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate a random token")));
		/* rejection sampling: 248 = 4 * 62, so every character is equally likely */
		for (i = 0; i < (int) sizeof(bytes) && n < TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN; i++)
			if (bytes[i] < 248)
				token[n++] = base62[bytes[i] % 62];
	}
	checksum(token, n, token + n);
	token[TOKEN_LEN] = '\0';
	sodium_memzero(bytes, sizeof(bytes));
	PG_RETURN_TEXT_P(cstring_to_text(token));
}

/*
 * The SHA-256 digest of a well-formed token of that prefix (token may be
 * NULL); anything else fails authentication (as kind) before any table is
 * read.
 */
bytea *
wfauth_token_digest_of(text *token, const char *prefix, const char *kind)
{
	const char *s;
	char		check[TOKEN_CHECK_LEN];
	bytea	   *digest;
	int			i;

	check_prefix(prefix);
	if (token == NULL)
		wfauth_auth_failed(kind);
	s = VARDATA_ANY(token);
	if (VARSIZE_ANY_EXHDR(token) != TOKEN_LEN || memcmp(s, prefix, TOKEN_PREFIX_LEN) != 0)
		wfauth_auth_failed(kind);
	for (i = TOKEN_PREFIX_LEN; i < TOKEN_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= 'a' && s[i] <= 'z')))
			wfauth_auth_failed(kind);
	checksum(s, TOKEN_LEN - TOKEN_CHECK_LEN, check);
	if (sodium_memcmp(check, s + TOKEN_LEN - TOKEN_CHECK_LEN, TOKEN_CHECK_LEN) != 0)
		wfauth_auth_failed(kind);

	digest = palloc(VARHDRSZ + crypto_hash_sha256_BYTES);
	SET_VARSIZE(digest, VARHDRSZ + crypto_hash_sha256_BYTES);
	crypto_hash_sha256((unsigned char *) VARDATA(digest), (const unsigned char *) s, TOKEN_LEN);
	return digest;
}

/* Are two digests equal?  In constant time. */
bool
wfauth_digests_equal(bytea *a, bytea *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		sodium_memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* SQL function: wfauth._token_digest(token text, prefix text, kind text) → bytea */
PG_FUNCTION_INFO_V1(wfauth_token_digest);
Datum
wfauth_token_digest(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(wfauth_token_digest_of(PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0),
											 text_to_cstring(PG_GETARG_TEXT_PP(1)),
											 text_to_cstring(PG_GETARG_TEXT_PP(2))));
}

/* SQL function: wfauth._token_display(token text) → text, e.g. wfat_Ab3x */
PG_FUNCTION_INFO_V1(wfauth_token_display);
Datum
wfauth_token_display(PG_FUNCTION_ARGS)
{
	text	   *token = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(VARDATA_ANY(token),
											  Min(TOKEN_DISPLAY_LEN, VARSIZE_ANY_EXHDR(token))));
}

/* SQL function: wfauth._digest_equal(bytea, bytea) → boolean, in constant time (1.0 and 1.1 scripts) */
PG_FUNCTION_INFO_V1(wfauth_digest_equal);
Datum
wfauth_digest_equal(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(wfauth_digests_equal(PG_GETARG_BYTEA_PP(0), PG_GETARG_BYTEA_PP(1)));
}

/*
 * SQL function: wfauth._setting(name text) → text
 * current_setting() through this library, so wfauth's own settings exist
 * even in a session that has not called any other wfauth C function yet.
 */
PG_FUNCTION_INFO_V1(wfauth_setting);
Datum
wfauth_setting(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_TEXT_P(cstring_to_text(GetConfigOptionByName(name, NULL, false)));
}

/* SQL function: wfauth._auth_failed(kind text) — raises, never returns */
PG_FUNCTION_INFO_V1(wfauth_auth_failed_sql);
Datum
wfauth_auth_failed_sql(PG_FUNCTION_ARGS)
{
	wfauth_auth_failed(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}
