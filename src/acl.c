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
 * Input sorts the entries and refuses duplicates.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "wfauth.h"

#define ACL_HEADER_SIZE ((int) sizeof(WfauthAclHeader))

StaticAssertDecl(sizeof(WfauthAclHeader) == 16, "wfauth.acl header must be 16 bytes");

void
wfauth_acl_header(struct varlena *acl, WfauthAclHeader *hdr)
{
	if (VARSIZE_ANY_EXHDR(acl) < ACL_HEADER_SIZE)
		elog(ERROR, "corrupt wfauth.acl value: %d bytes", (int) VARSIZE_ANY_EXHDR(acl));
	memcpy(hdr, VARDATA_ANY(acl), ACL_HEADER_SIZE);
	if (hdr->version != WFAUTH_ACL_VERSION || (hdr->flags & ~WFAUTH_ACL_TENANT) != 0 ||
		VARSIZE_ANY_EXHDR(acl) != ACL_HEADER_SIZE + (Size) hdr->nentries * sizeof(int64) +
		((hdr->flags & WFAUTH_ACL_TENANT) ? sizeof(int64) : 0))
		elog(ERROR, "corrupt wfauth.acl value");
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
cmp_entry(const void *a, const void *b)
{
	int64		x = WfauthAclEntryPrincipal(*(const int64 *) a);
	int64		y = WfauthAclEntryPrincipal(*(const int64 *) b);

	return (x > y) - (x < y);
}

/*
 * Build a value from entries in any order; refuses duplicate principals and
 * ids outside 1 .. 2^62 with errcode_value.  Sorts entries in place.
 */
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

struct varlena *
wfauth_acl_build_checked(int16 kind, int64 creator, int64 tenant, int n, int64 *entries,
						 int errcode_value)
{
	WfauthAclHeader hdr;
	struct varlena *acl;
	Size		size;
	int			i;

	if (n < 0 || n > WFAUTH_ACL_MAX_ENTRIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("an access list has at most %d entries", WFAUTH_ACL_MAX_ENTRIES)));
	qsort(entries, n, sizeof(int64), cmp_entry);
	for (i = 0; i < n; i++)
	{
		checked_id(WfauthAclEntryPrincipal(entries[i]), false, "principal id", errcode_value);
		if (i > 0 && WfauthAclEntryPrincipal(entries[i]) == WfauthAclEntryPrincipal(entries[i - 1]))
			ereport(ERROR,
					(errcode(errcode_value),
					 errmsg("principal " INT64_FORMAT " appears twice in access list",
							WfauthAclEntryPrincipal(entries[i]))));
	}
	checked_id(creator, true, "creator id", errcode_value);
	checked_id(tenant, false, "tenant id", errcode_value);

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = WFAUTH_ACL_VERSION;
	hdr.flags = (tenant != WFAUTH_DEFAULT_TENANT) ? WFAUTH_ACL_TENANT : 0;
	hdr.kind = kind;
	hdr.nentries = n;
	hdr.creator = creator;
	size = VARHDRSZ + ACL_HEADER_SIZE + (Size) n * sizeof(int64) +
		(hdr.flags ? sizeof(int64) : 0);
	acl = palloc(size);
	SET_VARSIZE(acl, size);
	memcpy(VARDATA(acl), &hdr, ACL_HEADER_SIZE);
	if (n > 0)
		memcpy(VARDATA(acl) + ACL_HEADER_SIZE, entries, (Size) n * sizeof(int64));
	if (hdr.flags)
		memcpy(VARDATA(acl) + ACL_HEADER_SIZE + (Size) n * sizeof(int64), &tenant, sizeof(int64));
	return acl;
}

struct varlena *
wfauth_acl_build(int16 kind, int64 creator, int64 tenant, int n, int64 *entries)
{
	return wfauth_acl_build_checked(kind, creator, tenant, n, entries, ERRCODE_INVALID_PARAMETER_VALUE);
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
	int64	   *entries = palloc(max * sizeof(int64));

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
		skip_spaces(&p);
		if (n == max)
		{
			max *= 2;
			entries = repalloc(entries, max * sizeof(int64));
		}
		entries[n++] = WfauthAclMakeEntry(id, modify);
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

	PG_RETURN_POINTER(wfauth_acl_build_checked(kind, creator, tenant, n, entries,
											   ERRCODE_INVALID_TEXT_REPRESENTATION));
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

		appendStringInfo(&buf, "%s" INT64_FORMAT "=%s", i ? "," : "",
						 WfauthAclEntryPrincipal(e), WfauthAclEntryModify(e) ? "modify" : "view");
	}
	appendStringInfoChar(&buf, '}');
	if (hdr.flags & WFAUTH_ACL_TENANT)
		appendStringInfo(&buf, "@" INT64_FORMAT, wfauth_acl_tenant(acl, &hdr));
	PG_RETURN_CSTRING(buf.data);
}

/*
 * --- binary I/O: the kind travels by name, ids as int8 ----------------------
 * Version 1 is 1.1's form; version 2, sent for an object of a tenant other
 * than the default one, adds the tenant id at the end.
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
	int64	   *entries;
	int64		tenant = WFAUTH_DEFAULT_TENANT;

	if (version != 1 && version != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported wfauth.acl binary version %d", version)));
	kindname = pq_getmsgstring(buf);
	creator = pq_getmsgint64(buf);
	n = pq_getmsgint(buf, 4);
	if (n < 0 || n > WFAUTH_ACL_MAX_ENTRIES || n > (buf->len - buf->cursor) / 9)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid number of wfauth.acl entries %d", n)));
	entries = palloc((n + 1) * sizeof(int64));
	for (i = 0; i < n; i++)
	{
		int64		id = pq_getmsgint64(buf);
		int			mode = pq_getmsgbyte(buf);

		checked_id(id, false, "principal id", ERRCODE_INVALID_BINARY_REPRESENTATION);
		if (mode != 0 && mode != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid wfauth.acl access mode %d", mode)));
		entries[i] = WfauthAclMakeEntry(id, mode == 1);
	}
	if (version == 2)
		tenant = pq_getmsgint64(buf);
	PG_RETURN_POINTER(wfauth_acl_build_checked(kind_id_or_error(kindname, ERRCODE_INVALID_BINARY_REPRESENTATION),
											   creator, tenant, n, entries,
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
	pq_sendbyte(&buf, (hdr.flags & WFAUTH_ACL_TENANT) ? 2 : 1);
	pq_sendstring(&buf, kind->name);
	pq_sendint64(&buf, hdr.creator);
	pq_sendint32(&buf, hdr.nentries);
	for (i = 0; i < hdr.nentries; i++)
	{
		int64		e = wfauth_acl_entry(acl, i);

		pq_sendint64(&buf, WfauthAclEntryPrincipal(e));
		pq_sendbyte(&buf, WfauthAclEntryModify(e) ? 1 : 0);
	}
	if (hdr.flags & WFAUTH_ACL_TENANT)
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
 * SQL function: wfauth._acl_set(acl, principal bigint, mode text) → acl
 * mode 'view' or 'modify' sets that principal's entry; NULL removes it.
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
	int64	   *entries;
	int			i,
				n = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	acl = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	principal = PG_GETARG_INT64(1);
	wfauth_acl_header(acl, &hdr);
	entries = palloc((hdr.nentries + 1) * sizeof(int64));
	for (i = 0; i < hdr.nentries; i++)
	{
		int64		e = wfauth_acl_entry(acl, i);

		if (WfauthAclEntryPrincipal(e) != principal)
			entries[n++] = e;
	}
	if (!removing)
		entries[n++] = WfauthAclMakeEntry(principal, modify);
	PG_RETURN_POINTER(wfauth_acl_build(hdr.kind, hdr.creator, wfauth_acl_tenant(acl, &hdr), n, entries));
}

/* SQL function: wfauth._acl_items(acl) → TABLE(principal bigint, modify boolean) */
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
		Datum		values[2] = {Int64GetDatum(WfauthAclEntryPrincipal(e)),
		BoolGetDatum(WfauthAclEntryModify(e))};
		bool		nulls[2] = {false, false};

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
