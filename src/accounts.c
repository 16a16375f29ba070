/*
 * accounts.c — the identifier rules of principals.
 *
 * One place decides what a user's e-mail, a service account's name and a
 * group's name may be, and how each is normalised: the model trigger applies
 * it to every row written (whoever writes it), and the SQL functions use it
 * to turn what a caller typed into the stored identifier.
 *   user     e-mail, lower-cased
 *   service  "sa::" + lower-cased name; the prefix may be given in any case
 *   group    trimmed; kept as typed, unique regardless of case
 */
#include "postgres.h"

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

static char *
normalize_group(const char *name)
{
	const char *start = name;
	const char *end = name + strlen(name);
	const char *p;
	char	   *trimmed;

	while (*start == ' ' || *start == '\t')
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	trimmed = pnstrdup(start, end - start);
	if (trimmed[0] == '\0' || pg_mbstrlen(trimmed) > MAX_NAME_CHARS)
		invalid("group name", name, "A group name has 1 to 128 characters.");
	for (p = trimmed; *p; p++)
		if ((unsigned char) *p < ' ' || *p == 0x7f)
			invalid("group name", name, "A group name contains no control characters.");
	return trimmed;
}

/* Normalise name for a principal of kind 'u', 's' or 'g', or raise 22023. */
char *
wfauth_normalize_name(char kind, const char *name)
{
	switch (kind)
	{
		case 'u':
			return normalize_email(name);
		case 's':
			return normalize_service(name);
		case 'g':
			return normalize_group(name);
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
