/*
 * passwords.c — password hashing and verification (argon2id, libsodium).
 *
 * Hashes are PHC strings from crypto_pwhash_str_alg with argon2id; the cost
 * comes from two settings whose defaults meet OWASP's floor for argon2id
 * (19 MiB, 2 passes, 1 lane).  Length rules follow NIST SP 800-63B-4:
 * a minimum from wfauth.password_min_length, a maximum of 256 characters
 * (at least 64 are required), counted in characters, no composition rules
 * and no truncation.
 *
 * Verification against a dummy hash of the current cost makes an unknown
 * account cost as much time as a wrong password (see login in the SQL).
 */
#include "postgres.h"

#include <sodium.h>

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "wfauth.h"

#define PASSWORD_MAX_CHARS 256

static int	password_min_length = 15;
static int	hash_memory_kb = 19 * 1024;
static int	hash_iterations = 2;

void
WfauthPasswordsInit(void)
{
	if (sodium_init() < 0)
		elog(ERROR, "could not initialise libsodium");

	DefineCustomIntVariable("wfauth.password_min_length",
							"Minimum length of a password, in characters.",
							NULL, &password_min_length, 15, 8, 64,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("wfauth.password_hash_memory",
							"Memory cost of argon2id password hashes.",
							"Changing it re-hashes each password at its next successful login.",
							&hash_memory_kb, 19 * 1024, 8, 4 * 1024 * 1024,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("wfauth.password_hash_iterations",
							"Time cost (passes) of argon2id password hashes.",
							"Changing it re-hashes each password at its next successful login.",
							&hash_iterations, 2, 1, 100,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

static char *
hash_password(const char *password, size_t len)
{
	char		out[crypto_pwhash_STRBYTES];

	if (crypto_pwhash_str_alg(out, password, len,
							  (unsigned long long) hash_iterations,
							  (size_t) hash_memory_kb * 1024,
							  crypto_pwhash_ALG_ARGON2ID13) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not hash password"),
				 errdetail("argon2id needs %d kB of memory.", hash_memory_kb)));
	return pstrdup(out);
}

/*
 * SQL function: wfauth._hash_password(password text, check_length boolean) → text
 * Checks the length rules (unless re-hashing a password that already passed
 * them), then hashes.  Errors never show the password or the statement.
 */
PG_FUNCTION_INFO_V1(wfauth_hash_password);
Datum
wfauth_hash_password(PG_FUNCTION_ARGS)
{
	text	   *pw = PG_GETARG_TEXT_PP(0);
	bool		check_length = PG_GETARG_BOOL(1);
	int			chars = pg_mbstrlen_with_len(VARDATA_ANY(pw), VARSIZE_ANY_EXHDR(pw));

	if (check_length && (chars < password_min_length || chars > PASSWORD_MAX_CHARS))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("password must have %d to %d characters", password_min_length,
						PASSWORD_MAX_CHARS),
				 errdetail("The password given has %d characters.", chars),
				 errhidestmt(true)));
	PG_RETURN_TEXT_P(cstring_to_text(hash_password(VARDATA_ANY(pw), VARSIZE_ANY_EXHDR(pw))));
}

/*
 * A hash to verify against when there is no real one, so that "no such
 * account" costs what "wrong password" costs.  One of the default cost is
 * built in (computing it would make the first such login of every backend
 * cost double); for any other cost it is computed once per backend.
 */
#define DEFAULT_COST_DUMMY_HASH \
	"$argon2id$v=19$m=19456,t=2,p=1$R5CO+RKyHn0PpDmDH+pkZQ$wJ7GgwoP/PxblfHzLW7PEDlbfjZ+fUQ9yiFWiK+4mhQ"

static const char *
dummy_hash(void)
{
	static char *computed = NULL;
	static int	computed_memory = 0,
				computed_iterations = 0;

	if (hash_memory_kb == 19 * 1024 && hash_iterations == 2)
		return DEFAULT_COST_DUMMY_HASH;
	if (computed == NULL || computed_memory != hash_memory_kb || computed_iterations != hash_iterations)
	{
		char	   *fresh = hash_password("wfauth dummy password", 21);

		if (computed)
			pfree(computed);
		computed = MemoryContextStrdup(TopMemoryContext, fresh);
		computed_memory = hash_memory_kb;
		computed_iterations = hash_iterations;
	}
	return computed;
}

/*
 * SQL function: wfauth._verify_password(hash text, password text) → integer
 * 0 wrong, 1 right, 2 right but hashed at another cost (re-hash it).
 * With a NULL hash it verifies against the dummy hash, and returns 0.
 */
PG_FUNCTION_INFO_V1(wfauth_verify_password);
Datum
wfauth_verify_password(PG_FUNCTION_ARGS)
{
	text	   *pw;
	const char *hash;
	bool		real = !PG_ARGISNULL(0);

	if (PG_ARGISNULL(1))
		PG_RETURN_INT32(0);
	pw = PG_GETARG_TEXT_PP(1);
	hash = real ? text_to_cstring(PG_GETARG_TEXT_PP(0)) : dummy_hash();

	if (crypto_pwhash_str_verify(hash, VARDATA_ANY(pw), VARSIZE_ANY_EXHDR(pw)) != 0 || !real)
		PG_RETURN_INT32(0);
	if (crypto_pwhash_str_needs_rehash(hash, (unsigned long long) hash_iterations,
									   (size_t) hash_memory_kb * 1024) != 0)
		PG_RETURN_INT32(2);
	PG_RETURN_INT32(1);
}
