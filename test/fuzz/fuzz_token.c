/*
 * fuzz_token.c — libFuzzer harness for the token parser and checksum
 * (_token_digest) and the display prefix (_token_display).
 *
 * _token_digest must refuse (invalid_authorization_specification) exactly
 * the inputs that are not a well-formed token — prefix, 49 base62
 * characters, checksum right as computed here independently with libsodium —
 * and return the SHA-256 of the input for the others.
 */
#include "postgres.h"

#include <sodium.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/elog.h"

#include "../../src/wfauth.h"
#include "fuzz.h"

extern Datum wfauth_token_digest(PG_FUNCTION_ARGS);
extern Datum wfauth_token_display(PG_FUNCTION_ARGS);

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* The reference: what a well-formed wfat_ token is. */
static bool
well_formed(const uint8_t *s, size_t len)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	uint32		v;

	if (len != 54 || memcmp(s, "wfat_", 5) != 0)
		return false;
	for (size_t i = 5; i < len; i++)
		if (s[i] == '\0' || strchr(base62, s[i]) == NULL)
			return false;
	crypto_hash_sha256(d, s, 48);
	v = ((uint32) d[0] << 24) | ((uint32) d[1] << 16) | ((uint32) d[2] << 8) | d[3];
	for (int i = 53; i >= 48; i--, v /= 62)
		if (s[i] != base62[v % 62])
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	text	   *token = cstring_to_text_with_len((const char *) data, size);
	bool		expected = well_formed(data, size);
	sigjmp_buf	jmp;

	fuzz_catch = &jmp;
	if (sigsetjmp(jmp, 0) == 0)
	{
		bytea	   *digest = DatumGetByteaPP(FUZZ_CALL(wfauth_token_digest, PointerGetDatum(token),
													  PointerGetDatum(cstring_to_text("wfat_")),
													  PointerGetDatum(cstring_to_text("token"))));
		unsigned char want[crypto_hash_sha256_BYTES];

		crypto_hash_sha256(want, data, size);
		if (!expected || VARSIZE_ANY_EXHDR(digest) != sizeof(want) ||
			memcmp(VARDATA_ANY(digest), want, sizeof(want)) != 0)
			abort();			/* accepted what is not a token, or a wrong digest */
	}
	else if (expected || fuzz_last_sqlstate != ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION)
		abort();				/* refused a token, or refused the wrong way */

	/* the display prefix never reads past the value, whatever it holds */
	fuzz_catch = NULL;
	(void) FUZZ_CALL(wfauth_token_display, PointerGetDatum(token));
	fuzz_reset();
	return 0;
}
