/*
 * fuzz_acl.c — libFuzzer harness for the wfauth.acl text parser (acl_in).
 *
 * Any input either fails with invalid_text_representation or
 * program_limit_exceeded, or parses to a value that is well formed (header
 * consistent, entries strictly increasing by principal, ids positive) and
 * survives acl_out → acl_in unchanged, byte for byte.  Anything else aborts.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/elog.h"

#include "../../src/wfauth.h"
#include "fuzz.h"

extern Datum wfauth_acl_in(PG_FUNCTION_ARGS);

static struct varlena *
parse(const char *text, bool may_fail)
{
	sigjmp_buf	jmp;
	struct varlena *volatile acl = NULL;

	fuzz_catch = may_fail ? &jmp : NULL;
	if (sigsetjmp(jmp, 0) == 0)
		acl = (struct varlena *) DatumGetPointer(FUZZ_CALL(wfauth_acl_in, CStringGetDatum(text)));
	else if (fuzz_last_sqlstate != ERRCODE_INVALID_TEXT_REPRESENTATION &&
			 fuzz_last_sqlstate != ERRCODE_PROGRAM_LIMIT_EXCEEDED)
		abort();				/* a parse error of the wrong kind */
	fuzz_catch = NULL;
	return acl;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	struct varlena *acl;

	memcpy(text, data, size);
	text[size] = '\0';			/* a cstring ends at the first NUL, as in the server */
	acl = parse(text, true);
	if (acl != NULL)
	{
		WfauthAclHeader hdr;
		char	   *out;
		struct varlena *again;

		wfauth_acl_header(acl, &hdr);	/* checks version and size */
		for (int i = 0; i < hdr.nentries; i++)
		{
			int64		p = WfauthAclEntryPrincipal(wfauth_acl_entry(acl, i));

			if (p <= 0 || (i > 0 && p <= WfauthAclEntryPrincipal(wfauth_acl_entry(acl, i - 1))))
				abort();
		}
		out = DatumGetCString(FUZZ_CALL(wfauth_acl_out, PointerGetDatum(acl)));
		again = parse(out, false);		/* its own output always parses */
		if (VARSIZE(again) != VARSIZE(acl) || memcmp(again, acl, VARSIZE(acl)) != 0)
			abort();
	}
	fuzz_reset();
	free(text);
	return 0;
}
