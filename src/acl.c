/*
 * acl.c — the wfauth.acl type: an object's kind, creator and access entries.
 *
 * Like pg_class.relacl, the access list travels inside the protected row, so
 * the check needs nothing but the row and the acting principal's context.
 * Layout (see wfauth.h): a 16-byte header then sorted int64 entries
 * (principal << 1 | modify).  Text form:
 *
 *     dashboard/100:{1=modify,205=view}     report#10/100:{205=view}
 *
 * kind name (with "#id" for a custom kind), "/", creator id (0 when
 * unknown), ":", and the entries by principal id; then "@tenant id" for an
 * object of any tenant but the default one:
 *
 *     dashboard/305:{305=modify}@2
 *
 * An entry that counts only for a while (1.3) carries its validity as a
 * half-open range of UTC times, either end left empty when it has none:
 *
 *     dashboard/100:{1=modify,205=view[2026-12-01T00:00:00Z,2027-01-01T00:00:00Z)}
 *
 * Input sorts the entries and refuses duplicates.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "miscadmin.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "wfauth.h"

#define ACL_HEADER_SIZE ((int) sizeof(WfauthAclHeader))

StaticAssertDecl(sizeof(WfauthAclHeader) == 16, "wfauth.acl header must be 16 bytes");

void
wfauth_acl_header(struct varlena *acl, WfauthAclHeader *hdr)
{
	if (VARSIZE_ANY_EXHDR(acl) < ACL_HEADER_SIZE)
		elog(ERROR, "corrupt wfauth.acl value: %d bytes", (int) VARSIZE_ANY_EXHDR(acl));
	memcpy(hdr, VARDATA_ANY(acl), ACL_HEADER_SIZE);
	if (hdr->version != WFAUTH_ACL_VERSION ||
		(hdr->flags & ~(WFAUTH_ACL_TENANT | WFAUTH_ACL_DATED)) != 0 ||
		hdr->nentries < 0 || hdr->nentries > WFAUTH_ACL_MAX_ENTRIES ||
		VARSIZE_ANY_EXHDR(acl) !=
		wfauth_acl_validity_offset(hdr, (hdr->flags & WFAUTH_ACL_DATED) ? hdr->nentries : 0))
		elog(ERROR, "corrupt wfauth.acl value");
}

/* Entry i's validity: no start and no end unless the value is dated */
WfauthAclValidity
wfauth_acl_validity(struct varlena *acl, const WfauthAclHeader *hdr, int i)
{
	WfauthAclValidity v = {DT_NOBEGIN, DT_NOEND};

	if (hdr->flags & WFAUTH_ACL_DATED)
		memcpy(&v, VARDATA_ANY(acl) + wfauth_acl_validity_offset(hdr, i), sizeof(v));
	return v;
}

/* Does entry i count at time now (valid_from <= now < valid_until)? */
bool
wfauth_acl_entry_counts(struct varlena *acl, const WfauthAclHeader *hdr, int i, TimestampTz now)
{
	WfauthAclValidity v = wfauth_acl_validity(acl, hdr, i);

	return v.valid_from <= now && now < v.valid_until;
}

static inline bool
is_dated(const WfauthAclItem *item)
{
	return item->valid_from != DT_NOBEGIN || item->valid_until != DT_NOEND;
}

/* The tenant of a value whose header has been read. */
int64
wfauth_acl_tenant(struct varlena *acl, const WfauthAclHeader *hdr)
{
	int64		tenant;

	if (likely((hdr->flags & WFAUTH_ACL_TENANT) == 0))
		return WFAUTH_DEFAULT_TENANT;
	memcpy(&tenant, VARDATA_ANY(acl) + ACL_HEADER_SIZE + hdr->nentries * sizeof(int64), sizeof(int64));
	return tenant;
}

int64
wfauth_acl_entry(struct varlena *acl, int i)
{
	int64		e;

	memcpy(&e, VARDATA_ANY(acl) + ACL_HEADER_SIZE + i * sizeof(int64), sizeof(int64));
	return e;
}

static int
cmp_item(const void *a, const void *b)
{
	int64		x = WfauthAclEntryPrincipal(((const WfauthAclItem *) a)->entry);
	int64		y = WfauthAclEntryPrincipal(((const WfauthAclItem *) b)->entry);

	return (x > y) - (x < y);
}

/*
 * The one range of every id an access list holds, whichever input it came
 * from: principals and tenants from 1, a creator from 0 (unknown), all up
 * to WFAUTH_ACL_MAX_ID (an entry shifts its principal's id left by one, and
 * the listing index by two).  Text and binary input check each id here
 * before encoding it, so a value one of them accepts the other accepts too.
 */
static int64
checked_id(int64 id, bool zero_allowed, const char *what, int errcode_value)
{
	if (id < (zero_allowed ? 0 : 1) || id > WFAUTH_ACL_MAX_ID)
		ereport(ERROR,
				(errcode(errcode_value),
				 errmsg("%s " INT64_FORMAT " in access list is out of range", what, id),
				 errdetail("It must be from %d to " INT64_FORMAT ".", zero_allowed ? 0 : 1,
						   WFAUTH_ACL_MAX_ID)));
	return id;
}

/*
 * Build a value from items in any order (sorts them in place); refuses
 * duplicate principals, ids out of range and a validity that ends before
 * it starts, with errcode_value.  The validity is stored only when some
 * entry has one.
 */
struct varlena *
wfauth_acl_build_items(int16 kind, int64 creator, int64 tenant, int n, WfauthAclItem *items,
					   int errcode_value)
{
	WfauthAclHeader hdr;
	struct varlena *acl;
	char	   *p;
	Size		size;
	bool		dated = false;
	int			i;

	if (n < 0 || n > WFAUTH_ACL_MAX_ENTRIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("an access list has at most %d entries", WFAUTH_ACL_MAX_ENTRIES)));
	qsort(items, n, sizeof(WfauthAclItem), cmp_item);
	for (i = 0; i < n; i++)
	{
		int64		id = WfauthAclEntryPrincipal(items[i].entry);

		checked_id(id, false, "principal id", errcode_value);
		if (i > 0 && id == WfauthAclEntryPrincipal(items[i - 1].entry))
			ereport(ERROR,
					(errcode(errcode_value),
					 errmsg("principal " INT64_FORMAT " appears twice in access list", id)));
		if (items[i].valid_from >= items[i].valid_until)
			ereport(ERROR,
					(errcode(errcode_value),
					 errmsg("the entry of principal " INT64_FORMAT " ends before it starts", id),
					 errdetail("An entry counts from valid_from until just before valid_until.")));
		dated |= is_dated(&items[i]);
	}
	checked_id(creator, true, "creator id", errcode_value);
	checked_id(tenant, false, "tenant id", errcode_value);

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = WFAUTH_ACL_VERSION;
	hdr.flags = (tenant != WFAUTH_DEFAULT_TENANT ? WFAUTH_ACL_TENANT : 0) |
		(dated ? WFAUTH_ACL_DATED : 0);
	hdr.kind = kind;
	hdr.nentries = n;
	hdr.creator = creator;
	size = VARHDRSZ + wfauth_acl_validity_offset(&hdr, dated ? n : 0);
	acl = palloc(size);
	SET_VARSIZE(acl, size);
	p = VARDATA(acl);
	memcpy(p, &hdr, ACL_HEADER_SIZE);
	p += ACL_HEADER_SIZE;
	for (i = 0; i < n; i++, p += sizeof(int64))
		memcpy(p, &items[i].entry, sizeof(int64));
	if (hdr.flags & WFAUTH_ACL_TENANT)
	{
		memcpy(p, &tenant, sizeof(int64));
		p += sizeof(int64);
	}
	for (i = 0; dated && i < n; i++, p += sizeof(WfauthAclValidity))
	{
		WfauthAclValidity v = {items[i].valid_from, items[i].valid_until};

		memcpy(p, &v, sizeof(v));
	}
	return acl;
}

/* A value of undated entries */
struct varlena *
wfauth_acl_build(int16 kind, int64 creator, int64 tenant, int n, int64 *entries)
{
	WfauthAclItem *items = palloc(Max(n, 1) * sizeof(WfauthAclItem));
	int			i;

	for (i = 0; i < n; i++)
	{
		items[i].entry = entries[i];
		items[i].valid_from = DT_NOBEGIN;
		items[i].valid_until = DT_NOEND;
	}
	return wfauth_acl_build_items(kind, creator, tenant, n, items, ERRCODE_INVALID_PARAMETER_VALUE);
}

/* The items of a value, for a builder that changes one of them */
static WfauthAclItem *
acl_items_of(struct varlena *acl, const WfauthAclHeader *hdr, int extra)
{
	WfauthAclItem *items = palloc((hdr->nentries + extra) * sizeof(WfauthAclItem) + 1);
	int			i;

	for (i = 0; i < hdr->nentries; i++)
	{
		WfauthAclValidity v = wfauth_acl_validity(acl, hdr, i);

		items[i].entry = wfauth_acl_entry(acl, i);
		items[i].valid_from = v.valid_from;
		items[i].valid_until = v.valid_until;
	}
	return items;
}

static int16
kind_id_or_error(const char *name, int errcode_value)
{
	const WfauthKind *kind = wfauth_kind_by_name(name);

	if (kind == NULL)
		ereport(ERROR,
				(errcode(errcode_value),
				 errmsg("unknown object kind \"%s\"", name),
				 errhint("Kinds are registered with wfauth.register_kind().")));
	return kind->id;
}

/* --- text I/O -------------------------------------------------------------- */

static void syntax_error(const char *input, const char *detail) pg_attribute_noreturn();

static void
syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type wfauth.acl: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("The form is kind/creator:{id=view|modify,...}[@tenant], e.g. dashboard/100:{1=modify}.")));
}

/* Digits as an int64; beyond int64 is out of range like any id too large */
static int64
parse_id(const char *input, const char **p, const char *what)
{
	int64		v = 0;
	const char *start = *p;

	while (**p >= '0' && **p <= '9')
	{
		if (v > (PG_INT64_MAX - (**p - '0')) / 10)
			syntax_error(input, psprintf("The %s is out of range.", what));
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	if (*p == start)
		syntax_error(input, psprintf("A %s must be a number.", what));
	return v;
}

static void
skip_spaces(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

/*
 * The kind of text input: "name", "name#id" or "#id".  A known name wins
 * (values move between databases by name).  An unknown name is accepted
 * only with an id no other kind holds: that is how pg_restore loads the
 * rows of a custom kind before wfauth's own kinds table is restored.  A
 * bare "#id" is taken as it is.
 */
static int16
parse_kind(const char *input, const char *end)
{
	const char *hash = memchr(input, '#', end - input);
	char	   *name = pnstrdup(input, (hash ? hash : end) - input);
	const char *p;
	int64		id;
	const WfauthKind *kind;

	if (hash == NULL)
		return kind_id_or_error(name, ERRCODE_INVALID_TEXT_REPRESENTATION);
	p = hash + 1;
	id = parse_id(input, &p, "kind id");
	if (p != end || id < 1 || id > PG_INT16_MAX)
		syntax_error(input, "A kind id is a number from 1 to 32767.");
	kind = wfauth_kind_by_name(name);
	if (kind)
		return kind->id;
	kind = wfauth_kind_by_id((int16) id);
	if (kind && name[0] != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("object kind id %d belongs to kind \"%s\", not \"%s\"",
						(int) id, kind->name, name)));
	return (int16) id;
}

/*
 * One end of an entry's validity, from text up to stop (',' or ')'); empty,
 * or the infinity on its side, for none.  Only a written time is taken: a
 * word such as "now" would make the same text mean another value tomorrow.
 */
static TimestampTz
parse_validity_end(const char *input, const char **p, char stop, TimestampTz none)
{
	const char *end = strchr(*p, stop);
	char	   *text;

	if (end == NULL)
		syntax_error(input, "A validity is [valid_from,valid_until), either end may be empty.");
	text = pnstrdup(*p, end - *p);
	*p = end + 1;
	if (text[0] == '\0')
		return none;
	if (strpbrk(text, "0123456789") == NULL && pg_strcasecmp(text, "infinity") != 0 &&
		pg_strcasecmp(text, "-infinity") != 0)
		syntax_error(input, "A validity's ends are times, such as 2027-01-01T00:00:00Z.");
	/* -infinity is DT_NOBEGIN and infinity DT_NOEND: no start, no end */
	return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(text),
												   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/* SQL function: wfauth.acl_in(cstring) → wfauth.acl */
PG_FUNCTION_INFO_V1(wfauth_acl_in);
Datum
wfauth_acl_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	const char *slash = strchr(input, '/');
	int16		kind;
	int64		creator;
	int64		tenant = WFAUTH_DEFAULT_TENANT;
	int			n = 0,
				max = 8;
	WfauthAclItem *items = palloc(max * sizeof(WfauthAclItem));

	if (slash == NULL || slash == input)
		syntax_error(input, "It must start with the object kind and \"/\".");
	kind = parse_kind(input, slash);
	p = slash + 1;
	creator = parse_id(input, &p, "creator id");
	if (*p++ != ':' || *p++ != '{')
		syntax_error(input, "Expected \":{\" after the creator id.");
	skip_spaces(&p);
	while (*p != '}')
	{
		int64		id;
		bool		modify;

		if (n > 0)
		{
			if (*p++ != ',')
				syntax_error(input, "Entries are separated by commas.");
			skip_spaces(&p);
		}
		id = checked_id(parse_id(input, &p, "principal id"), false, "principal id",
						ERRCODE_INVALID_TEXT_REPRESENTATION);
		if (*p++ != '=')
			syntax_error(input, "Each entry is id=view or id=modify.");
		if (strncmp(p, "view", 4) == 0)
			modify = false, p += 4;
		else if (strncmp(p, "modify", 6) == 0)
			modify = true, p += 6;
		else
			syntax_error(input, "The access level is view or modify.");
		if (n == max)
		{
			max *= 2;
			items = repalloc(items, max * sizeof(WfauthAclItem));
		}
		items[n].entry = WfauthAclMakeEntry(id, modify);
		items[n].valid_from = DT_NOBEGIN;
		items[n].valid_until = DT_NOEND;
		if (*p == '[')
		{
			p++;
			items[n].valid_from = parse_validity_end(input, &p, ',', DT_NOBEGIN);
			items[n].valid_until = parse_validity_end(input, &p, ')', DT_NOEND);
		}
		n++;
		skip_spaces(&p);
		if (*p == '\0')
			syntax_error(input, "The entries must end with \"}\".");
	}
	p++;
	if (*p == '@')
	{
		p++;
		tenant = parse_id(input, &p, "tenant id");
	}
	if (*p != '\0')
		syntax_error(input, "Unexpected text after \"}\".");

	PG_RETURN_POINTER(wfauth_acl_build_items(kind, creator, tenant, n, items,
											 ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* A time as UTC in ISO 8601, whatever the session's DateStyle and TimeZone */
static void
append_utc(StringInfo buf, TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char		text[MAXDATELEN + 1];

	if (TIMESTAMP_NOT_FINITE(ts))
		return;					/* no start, or no end: left empty */
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "corrupt wfauth.acl value: time out of range");
	EncodeDateTime(&tm, fsec, false, 0, NULL, USE_XSD_DATES, text);
	/* the zone before the era: "0044-03-15T12:00:00Z BC" */
	if (tm.tm_year <= 0)
		appendStringInfo(buf, "%.*sZ BC", (int) strlen(text) - 3, text);
	else
		appendStringInfo(buf, "%sZ", text);
}

/* SQL function: wfauth.acl_out(wfauth.acl) → cstring */
PG_FUNCTION_INFO_V1(wfauth_acl_out);
Datum
wfauth_acl_out(PG_FUNCTION_ARGS)
{
	struct varlena *acl = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	WfauthAclHeader hdr;
	const WfauthKind *kind;
	StringInfoData buf;
	int			i;

	wfauth_acl_header(acl, &hdr);
	kind = wfauth_kind_by_id(hdr.kind);
	initStringInfo(&buf);
	/* a custom kind's id travels with its name: see parse_kind() */
	if (kind)
		appendStringInfoString(&buf, kind->name);
	if (kind == NULL || hdr.kind >= WFAUTH_FIRST_CUSTOM_KIND)
		appendStringInfo(&buf, "#%d", hdr.kind);
	appendStringInfo(&buf, "/" INT64_FORMAT ":{", hdr.creator);
	for (i = 0; i < hdr.nentries; i++)
	{
		int64		e = wfauth_acl_entry(acl, i);

		WfauthAclValidity v = wfauth_acl_validity(acl, &hdr, i);

		appendStringInfo(&buf, "%s" INT64_FORMAT "=%s", i ? "," : "",
						 WfauthAclEntryPrincipal(e), WfauthAclEntryModify(e) ? "modify" : "view");
		if (v.valid_from != DT_NOBEGIN || v.valid_until != DT_NOEND)
		{
			appendStringInfoChar(&buf, '[');
			append_utc(&buf, v.valid_from);
			appendStringInfoChar(&buf, ',');
			append_utc(&buf, v.valid_until);
			appendStringInfoChar(&buf, ')');
		}
	}
	appendStringInfoChar(&buf, '}');
	if (hdr.flags & WFAUTH_ACL_TENANT)
		appendStringInfo(&buf, "@" INT64_FORMAT, wfauth_acl_tenant(acl, &hdr));
	PG_RETURN_CSTRING(buf.data);
}

/*
 * --- binary I/O: the kind travels by name, ids as int8 ----------------------
 * Version 1 is 1.1's form; version 2, sent for an object of a tenant other
 * than the default one, adds the tenant id at the end; version 3, sent for a
 * value with a dated entry, is version 2 with each entry's valid_from and
 * valid_until (int8 microseconds since 2000-01-01 UTC, as timestamptz's own
 * binary form, infinities included) after its mode.
 */

/* SQL function: wfauth.acl_recv(internal) → wfauth.acl */
PG_FUNCTION_INFO_V1(wfauth_acl_recv);
Datum
wfauth_acl_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	const char *kindname;
	int64		creator;
	int			n,
				i;
	WfauthAclItem *items;
	int64		tenant = WFAUTH_DEFAULT_TENANT;

	if (version < 1 || version > 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported wfauth.acl binary version %d", version)));
	kindname = pq_getmsgstring(buf);
	creator = pq_getmsgint64(buf);
	n = pq_getmsgint(buf, 4);
	if (n < 0 || n > WFAUTH_ACL_MAX_ENTRIES || n > (buf->len - buf->cursor) / (version == 3 ? 25 : 9))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid number of wfauth.acl entries %d", n)));
	items = palloc((n + 1) * sizeof(WfauthAclItem));
	for (i = 0; i < n; i++)
	{
		int64		id = pq_getmsgint64(buf);
		int			mode = pq_getmsgbyte(buf);

		checked_id(id, false, "principal id", ERRCODE_INVALID_BINARY_REPRESENTATION);
		if (mode != 0 && mode != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid wfauth.acl access mode %d", mode)));
		items[i].entry = WfauthAclMakeEntry(id, mode == 1);
		items[i].valid_from = version == 3 ? pq_getmsgint64(buf) : DT_NOBEGIN;
		items[i].valid_until = version == 3 ? pq_getmsgint64(buf) : DT_NOEND;
		if (!IS_VALID_TIMESTAMP(items[i].valid_from) && items[i].valid_from != DT_NOBEGIN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("wfauth.acl entry validity out of range")));
		if (!IS_VALID_TIMESTAMP(items[i].valid_until) && items[i].valid_until != DT_NOEND)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("wfauth.acl entry validity out of range")));
	}
	if (version >= 2)
		tenant = pq_getmsgint64(buf);
	PG_RETURN_POINTER(wfauth_acl_build_items(kind_id_or_error(kindname, ERRCODE_INVALID_BINARY_REPRESENTATION),
											 creator, tenant, n, items,
											 ERRCODE_INVALID_BINARY_REPRESENTATION));
}

/* SQL function: wfauth.acl_send(wfauth.acl) → bytea */
PG_FUNCTION_INFO_V1(wfauth_acl_send);
Datum
wfauth_acl_send(PG_FUNCTION_ARGS)
{
	struct varlena *acl = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	WfauthAclHeader hdr;
	const WfauthKind *kind;
	StringInfoData buf;
	int			i;

	wfauth_acl_header(acl, &hdr);
	kind = wfauth_kind_by_id(hdr.kind);
	/* reachable since text input takes "#id" of a kind not restored yet */
	if (kind == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("object kind id %d is not registered", hdr.kind),
				 errdetail("The binary form names the kind."),
				 errhint("Restore wfauth's data or register the kind first.")));
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, (hdr.flags & WFAUTH_ACL_DATED) ? 3 : (hdr.flags & WFAUTH_ACL_TENANT) ? 2 : 1);
	pq_sendstring(&buf, kind->name);
	pq_sendint64(&buf, hdr.creator);
	pq_sendint32(&buf, hdr.nentries);
	for (i = 0; i < hdr.nentries; i++)
	{
		int64		e = wfauth_acl_entry(acl, i);

		pq_sendint64(&buf, WfauthAclEntryPrincipal(e));
		pq_sendbyte(&buf, WfauthAclEntryModify(e) ? 1 : 0);
		if (hdr.flags & WFAUTH_ACL_DATED)
		{
			WfauthAclValidity v = wfauth_acl_validity(acl, &hdr, i);

			pq_sendint64(&buf, v.valid_from);
			pq_sendint64(&buf, v.valid_until);
		}
	}
	if (hdr.flags & (WFAUTH_ACL_TENANT | WFAUTH_ACL_DATED))
		pq_sendint64(&buf, wfauth_acl_tenant(acl, &hdr));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* SQL function: wfauth.acl_eq(wfauth.acl, wfauth.acl) → boolean (and acl_ne) */
static bool
acl_equal(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	struct varlena *b = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));

	/* values are normalised (sorted, unique), so equal means the same bytes */
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

PG_FUNCTION_INFO_V1(wfauth_acl_eq);
Datum
wfauth_acl_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(acl_equal(fcinfo));
}

PG_FUNCTION_INFO_V1(wfauth_acl_ne);
Datum
wfauth_acl_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!acl_equal(fcinfo));
}

/* --- pure building blocks for the SQL functions ----------------------------- */

/* SQL function: wfauth._acl_new(kind text, creator bigint, entries bigint[] of principal, modify) */
PG_FUNCTION_INFO_V1(wfauth_acl_new);
Datum
wfauth_acl_new(PG_FUNCTION_ARGS)
{
	char	   *kindname = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int64		creator = PG_GETARG_INT64(1);
	int64		grantee = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2);
	int64		entry = WfauthAclMakeEntry(grantee, true);

	PG_RETURN_POINTER(wfauth_acl_build(kind_id_or_error(kindname, ERRCODE_NO_DATA_FOUND),
									   creator, wfauth_current_tenant(), grantee ? 1 : 0, &entry));
}

/*
 * SQL function: wfauth._acl_set(acl, principal bigint, mode access_mode,
 *                               valid_from timestamptz, valid_until timestamptz) → acl
 * mode view or modify sets that principal's entry, with the validity given
 * (NULL: no start, no end; 1.2's three-argument form has neither); a NULL
 * mode removes it.
 */
PG_FUNCTION_INFO_V1(wfauth_acl_set);
Datum
wfauth_acl_set(PG_FUNCTION_ARGS)
{
	struct varlena *acl;
	int64		principal;
	bool		removing = PG_ARGISNULL(2);
	bool		modify = !removing && wfauth_mode_is_modify(PG_GETARG_OID(2));
	WfauthAclHeader hdr;
	WfauthAclItem *items;
	int			i,
				n = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	acl = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	principal = PG_GETARG_INT64(1);
	wfauth_acl_header(acl, &hdr);
	items = acl_items_of(acl, &hdr, 1);
	for (i = 0; i < hdr.nentries; i++)
		if (WfauthAclEntryPrincipal(items[i].entry) != principal)
			items[n++] = items[i];
	if (!removing)
	{
		items[n].entry = WfauthAclMakeEntry(principal, modify);
		items[n].valid_from = (PG_NARGS() > 3 && !PG_ARGISNULL(3)) ?
			PG_GETARG_TIMESTAMPTZ(3) : DT_NOBEGIN;
		items[n].valid_until = (PG_NARGS() > 4 && !PG_ARGISNULL(4)) ?
			PG_GETARG_TIMESTAMPTZ(4) : DT_NOEND;
		n++;
	}
	PG_RETURN_POINTER(wfauth_acl_build_items(hdr.kind, hdr.creator, wfauth_acl_tenant(acl, &hdr),
											 n, items, ERRCODE_INVALID_PARAMETER_VALUE));
}

/*
 * SQL function: wfauth._acl_items(acl) → TABLE(principal bigint, modify
 * boolean, valid_from timestamptz, valid_until timestamptz), NULL for no
 * start or no end
 */
PG_FUNCTION_INFO_V1(wfauth_acl_items);
Datum
wfauth_acl_items(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	struct varlena *acl = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	WfauthAclHeader hdr;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	wfauth_acl_header(acl, &hdr);
	for (i = 0; i < hdr.nentries; i++)
	{
		int64		e = wfauth_acl_entry(acl, i);
		WfauthAclValidity v = wfauth_acl_validity(acl, &hdr, i);
		Datum		values[4] = {Int64GetDatum(WfauthAclEntryPrincipal(e)),
			BoolGetDatum(WfauthAclEntryModify(e)),
			TimestampTzGetDatum(v.valid_from),
		TimestampTzGetDatum(v.valid_until)};
		bool		nulls[4] = {false, false, v.valid_from == DT_NOBEGIN, v.valid_until == DT_NOEND};

		/* (1.2's definition has the first two columns only: the rest is ignored) */
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* SQL function: wfauth.acl_kind(acl) → text */
PG_FUNCTION_INFO_V1(wfauth_acl_kind);
Datum
wfauth_acl_kind(PG_FUNCTION_ARGS)
{
	struct varlena *acl = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	WfauthAclHeader hdr;
	const WfauthKind *kind;

	wfauth_acl_header(acl, &hdr);
	kind = wfauth_kind_by_id(hdr.kind);
	if (kind == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(kind->name));
}

/* SQL function: wfauth.acl_creator(acl) → bigint (NULL when unknown) */
PG_FUNCTION_INFO_V1(wfauth_acl_creator);
Datum
wfauth_acl_creator(PG_FUNCTION_ARGS)
{
	struct varlena *acl = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	WfauthAclHeader hdr;

	wfauth_acl_header(acl, &hdr);
	if (hdr.creator == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(hdr.creator);
}

/* SQL function: wfauth.acl_tenant(acl) → bigint */
PG_FUNCTION_INFO_V1(wfauth_acl_tenant_sql);
Datum
wfauth_acl_tenant_sql(PG_FUNCTION_ARGS)
{
	struct varlena *acl = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	WfauthAclHeader hdr;

	wfauth_acl_header(acl, &hdr);
	PG_RETURN_INT64(wfauth_acl_tenant(acl, &hdr));
}
