/*
 * accounts.c — the identifier rules of principals.
 *
 * One place decides what a user's e-mail, a service account's name and a
 * group's name may be, and how each is normalised: the model trigger applies
 * it to every row written (whoever writes it), and the SQL functions use it
 * to turn what a caller typed into the stored identifier.
 *   user     e-mail, lower-cased
 *   service  "sa::" + lower-cased name; the prefix may be given in any case
 *   group    kept as typed, unique regardless of case
 * Before that, every name (roles' too) is made one way to write one name:
 * Unicode NFKC, trimmed of Unicode white space, and refused (22023) when it
 * holds a control, format, private-use, unassigned or default-ignorable
 * (zero-width) character.  And a name whose confusable skeleton (Unicode
 * TS #39, ICU's uspoof) equals another principal's is refused by the SQL
 * functions that create and rename: "аdmin" (Cyrillic a) is not a second
 * "admin".  In a database whose encoding is not UTF-8, names are trimmed of
 * ASCII white space and the skeleton is the lower-cased name.
 */
#include "postgres.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/formatting.h"

#include "wfauth.h"

#define SERVICE_PREFIX "sa::"
#define MAX_EMAIL_CHARS 254
#define MAX_NAME_CHARS 128

static void
invalid(const char *what, const char *value, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", what, value),
			 errdetail("%s", detail)));
}

static bool
has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

/* --- one way to write one name --------------------------------------------- */

static void
icu_check(UErrorCode status, const char *what)
{
	if (U_FAILURE(status))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not %s: %s", what, u_errorName(status))));
}

/* UTF-8 → UTF-16, palloc'd; *len gets the length in code units */
static UChar *
to_utf16(const char *s, int32_t *len)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n = (int32_t) strlen(s);
	UChar	   *buf = palloc((n + 1) * sizeof(UChar));

	u_strFromUTF8(buf, n + 1, len, s, n, &status);
	icu_check(status, "read a name as UTF-8");
	return buf;
}

static char *
to_utf8(const UChar *s, int32_t len)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n;
	char	   *buf;

	u_strToUTF8(NULL, 0, &n, s, len, &status);
	status = U_ZERO_ERROR;
	buf = palloc(n + 1);
	u_strToUTF8(buf, n + 1, NULL, s, len, &status);
	icu_check(status, "write a name as UTF-8");
	return buf;
}

/* A character no name may hold: invisible, or not a character of text at all. */
static bool
refused_char(UChar32 c)
{
	switch (u_charType(c))
	{
		case U_CONTROL_CHAR:
		case U_FORMAT_CHAR:
		case U_LINE_SEPARATOR:
		case U_PARAGRAPH_SEPARATOR:
		case U_PRIVATE_USE_CHAR:
		case U_SURROGATE:
		case U_UNASSIGNED:
			return true;
		default:
			return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
	}
}

/*
 * name in NFKC, trimmed of white space; what names the kind of name for the
 * error (e.g. "group name").
 */
static char *
clean_name(const char *name, const char *what)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc;
	UChar	   *in,
			   *out;
	int32_t		inlen,
				outlen,
				start = 0,
				end,
				i;

	if (GetDatabaseEncoding() != PG_UTF8)
	{
		const char *b = name,
				   *e = name + strlen(name);

		while (*b == ' ' || *b == '\t')
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		return pnstrdup(b, e - b);
	}
	in = to_utf16(name, &inlen);
	nfkc = unorm2_getNFKCInstance(&status);
	icu_check(status, "load the NFKC normaliser");
	outlen = unorm2_normalize(nfkc, in, inlen, NULL, 0, &status);
	status = U_ZERO_ERROR;
	out = palloc((outlen + 1) * sizeof(UChar));
	unorm2_normalize(nfkc, in, inlen, out, outlen + 1, &status);
	icu_check(status, "normalise a name");

	/* trim white space (a tab or a no-break space at an end is not an error) */
	end = outlen;
	while (start < end)
	{
		UChar32		c;
		int32_t		next = start;

		U16_NEXT(out, next, end, c);
		if (!u_isUWhiteSpace(c))
			break;
		start = next;
	}
	while (end > start)
	{
		UChar32		c;
		int32_t		prev = end;

		U16_PREV(out, start, prev, c);
		if (!u_isUWhiteSpace(c))
			break;
		end = prev;
	}
	for (i = start; i < end;)
	{
		UChar32		c;

		U16_NEXT(out, i, end, c);
		if (refused_char(c))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid %s", what),
					 errdetail("It contains the invisible or control character U+%04X.", (unsigned) c),
					 errhint("Names may not contain control, format or zero-width characters.")));
	}
	return to_utf8(out + start, end - start);
}

/*
 * The confusable skeleton of a (clean) name, lower-cased first: two names
 * with the same skeleton look alike (Unicode TS #39).
 */
static char *
name_skeleton(const char *name)
{
	static USpoofChecker *checker = NULL;
	UErrorCode	status = U_ZERO_ERROR;
	UChar	   *in,
			   *lower,
			   *skel;
	int32_t		inlen,
				lowerlen,
				skellen;

	if (GetDatabaseEncoding() != PG_UTF8)
		return str_tolower(name, strlen(name), DEFAULT_COLLATION_OID);
	if (checker == NULL)
	{
		checker = uspoof_open(&status);		/* lives as long as the backend */
		icu_check(status, "open the confusable checker");
	}
	in = to_utf16(name, &inlen);
	lowerlen = u_strToLower(NULL, 0, in, inlen, "", &status);
	status = U_ZERO_ERROR;
	lower = palloc((lowerlen + 1) * sizeof(UChar));
	u_strToLower(lower, lowerlen + 1, in, inlen, "", &status);
	icu_check(status, "lower-case a name");
	skellen = uspoof_getSkeleton(checker, 0, lower, lowerlen, NULL, 0, &status);
	status = U_ZERO_ERROR;
	skel = palloc((skellen + 1) * sizeof(UChar));
	uspoof_getSkeleton(checker, 0, lower, lowerlen, skel, skellen + 1, &status);
	icu_check(status, "compute a confusable skeleton");
	return to_utf8(skel, skellen);
}

/* SQL function: wfauth._clean_name(name text, what text) → text */
PG_FUNCTION_INFO_V1(wfauth_clean_name_sql);
Datum
wfauth_clean_name_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(clean_name(text_to_cstring(PG_GETARG_TEXT_PP(0)),
													   text_to_cstring(PG_GETARG_TEXT_PP(1)))));
}

/* SQL function: wfauth._skeleton(name text) → text */
PG_FUNCTION_INFO_V1(wfauth_skeleton_sql);
Datum
wfauth_skeleton_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(name_skeleton(text_to_cstring(PG_GETARG_TEXT_PP(0)))));
}

/* --- the rules of each kind --------------------------------------------------- */

static char *
normalize_email(const char *email)
{
	char	   *lower = str_tolower(email, strlen(email), DEFAULT_COLLATION_OID);
	const char *at = strchr(lower, '@');

	if (has_space_or_control(lower))
		invalid("e-mail address", email, "An e-mail address contains no spaces or control characters.");
	if (at == NULL || at == lower || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
		at[1] == '.' || lower[strlen(lower) - 1] == '.')
		invalid("e-mail address", email, "An e-mail address has the form name@domain.");
	if (pg_mbstrlen(lower) > MAX_EMAIL_CHARS)
		invalid("e-mail address", email, "An e-mail address has at most 254 characters.");
	if (strncmp(lower, SERVICE_PREFIX, strlen(SERVICE_PREFIX)) == 0)
		invalid("e-mail address", email, "The prefix \"sa::\" is reserved for service accounts.");
	return lower;
}

static char *
normalize_service(const char *name)
{
	const char *bare = name;
	char	   *lower;
	const char *p;

	if (pg_strncasecmp(bare, SERVICE_PREFIX, strlen(SERVICE_PREFIX)) == 0)
		bare += strlen(SERVICE_PREFIX);
	lower = str_tolower(bare, strlen(bare), DEFAULT_COLLATION_OID);
	if (lower[0] == '\0' || strlen(lower) > MAX_NAME_CHARS)
		invalid("service account name", name, "A service account name has 1 to 128 characters.");
	for (p = lower; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			  (p > lower && (*p == '-' || *p == '_' || *p == '.'))))
			invalid("service account name", name,
					"A service account name has letters, digits, \"-\", \"_\" and \".\", and starts with a letter or digit.");
	return psprintf(SERVICE_PREFIX "%s", lower);
}

/* clean is the name as clean_name made it; typed, as given (for messages) */
static char *
normalize_group(const char *clean, const char *typed)
{
	if (clean[0] == '\0' || pg_mbstrlen(clean) > MAX_NAME_CHARS)
		invalid("group name", typed, "A group name has 1 to 128 characters.");
	return pstrdup(clean);
}

/* Normalise name for a principal of kind 'u', 's' or 'g', or raise 22023. */
char *
wfauth_normalize_name(char kind, const char *name)
{
	switch (kind)
	{
		case 'u':
			return normalize_email(clean_name(name, "e-mail address"));
		case 's':
			return normalize_service(clean_name(name, "service account name"));
		case 'g':
			return normalize_group(clean_name(name, "group name"), name);
	}
	elog(ERROR, "unexpected principal kind '%c'", kind);
	return NULL;				/* keep compiler quiet */
}

/*
 * SQL function: wfauth._account_key(identifier text) → text
 *
 * The stored identifier an account argument refers to: an e-mail address
 * (contains "@") or a service account name with or without "sa::".
 */
PG_FUNCTION_INFO_V1(wfauth_account_key);
Datum
wfauth_account_key(PG_FUNCTION_ARGS)
{
	char	   *identifier = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char		kind = strchr(identifier, '@') ? 'u' : 's';

	PG_RETURN_TEXT_P(cstring_to_text(wfauth_normalize_name(kind, identifier)));
}
