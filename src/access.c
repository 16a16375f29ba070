/*
 * access.c — the access decision, and can_access for row-level security.
 *
 * For an active principal P of the object's tenant, and an object whose ACL
 * has kind K (a principal of another tenant, Super Admin or not, reaches
 * nothing; nor does one of another tenant than the acting one, so that no
 * id of another tenant answers differently from an id that does not exist):
 *   view(P, O)   = P is Super Admin, or an entry names P or a group of P
 *                  (and, for a service account, P holds K's permission)
 *   modify(P, O) = P is Super Admin, or P holds K's permission and a
 *                  modify entry names P or a group of P
 * An entry with a validity names P only while valid_from <= decision_time()
 * < valid_until (the statement's start, or a later transaction's within a
 * CALL): exact, in every statement, with nothing cached.
 * Entries are sorted by principal and so is the context's match set (P and
 * its groups), so the check is one merge walk over two short sorted arrays:
 * no table access, no allocation, nothing that depends on the row can fail.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "fmgr.h"
#include "utils/syscache.h"

#include "wfauth.h"

static Oid	view_oid = InvalidOid;
static Oid	modify_oid = InvalidOid;

/* Map a wfauth.access_mode value (an enum OID) to modify or view. */
bool
wfauth_mode_is_modify(Oid mode)
{
	HeapTuple	tuple;
	bool		modify;

	if (mode == modify_oid)
		return true;
	if (mode == view_oid)
		return false;
	tuple = SearchSysCache1(ENUMOID, ObjectIdGetDatum(mode));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "invalid access mode %u", mode);
	modify = strcmp(NameStr(((Form_pg_enum) GETSTRUCT(tuple))->enumlabel), "modify") == 0;
	ReleaseSysCache(tuple);
	if (modify)
		modify_oid = mode;
	else
		view_oid = mode;
	return modify;
}

/*
 * Does an entry of acl name a member of ctx's match set (at modify level when
 * modify)?  Entries and match set are both sorted: one merge walk.
 */
static inline bool
names_match(const WfauthContext *ctx, struct varlena *acl, const WfauthAclHeader *hdr, bool modify)
{
	const char *entries = VARDATA_ANY(acl) + sizeof(WfauthAclHeader);
	int			i = 0,
				j = 0;

	while (i < hdr->nentries && j < ctx->nmatch)
	{
		int64		e;
		int64		id;

		memcpy(&e, entries + i * sizeof(int64), sizeof(int64));
		id = WfauthAclEntryPrincipal(e);
		if (id < ctx->match[j])
			i++;
		else if (id > ctx->match[j])
			j++;
		else
		{
			/* a dated entry counts at the statement's time only (1.3) */
			if ((!modify || WfauthAclEntryModify(e)) &&
				(likely((hdr->flags & WFAUTH_ACL_DATED) == 0) ||
				 wfauth_acl_entry_counts(acl, hdr, i, wfauth_decision_time())))
				return true;
			i++;
			j++;
		}
	}
	return false;
}

static inline void
read_header(struct varlena *acl, WfauthAclHeader *hdr)
{
	memcpy(hdr, VARDATA_ANY(acl), sizeof(*hdr));
	if (unlikely(hdr->flags != 0 ||
				 VARSIZE_ANY_EXHDR(acl) != sizeof(*hdr) + (Size) hdr->nentries * sizeof(int64)))
		wfauth_acl_header(acl, hdr);	/* checks a tenant's value, or raises the corruption error */
}

/* The decision for an account by its own entries, groups and permissions */
static inline bool
decide_as_account(const WfauthContext *ctx, struct varlena *acl, const WfauthAclHeader *hdr,
				  bool modify, bool kind_rule)
{
	/* a service account does even its viewing only with the kind's permission */
	if (kind_rule && (modify || ctx->kind == 's') &&
		(hdr->kind < 0 || hdr->kind >= ctx->nkinds || !ctx->kind_permitted[hdr->kind]))
		return false;
	return names_match(ctx, acl, hdr, modify);
}

/* Audit a decision that only Super Admin mode allowed, by the object's kind */
static void
super_admin_use(const WfauthContext *ctx, int16 kind)
{
	const WfauthKind *k = wfauth_kind_by_id(kind);

	wfauth_note_super_admin_use(ctx, k ? k->name : "unknown kind");
}

/*
 * The decision for one ACL, with or without the kind's permission.  Inline:
 * it is the body of can_access, run once per row of a protected table, and
 * kind_rule is a constant at each call.
 */
static inline bool
decide_with(const WfauthContext *ctx, struct varlena *acl, bool modify, bool kind_rule)
{
	WfauthAclHeader hdr;

	if (!ctx->exists || !ctx->active)
		return false;
	/* a principal of another tenant than the acting one is as good as none */
	if (unlikely(ctx->tenant != wfauth_current_tenant()))
		return false;
	read_header(acl, &hdr);
	if (wfauth_acl_tenant(acl, &hdr) != ctx->tenant)
		return false;
	if (ctx->super_admin)
	{
		if (!ctx->super_admin_mode_required)
			return true;
		/* decided like any account, unless in Super Admin mode (audited) */
		if (decide_as_account(ctx, acl, &hdr, modify, kind_rule))
			return true;
		if (!wfauth_in_super_admin_mode(ctx->id))
			return false;
		super_admin_use(ctx, hdr.kind);
		return true;
	}
	return decide_as_account(ctx, acl, &hdr, modify, kind_rule);
}

static inline bool
decide(const WfauthContext *ctx, struct varlena *acl, bool modify)
{
	return decide_with(ctx, acl, modify, true);
}

/*
 * What the listing index finds (listing.c): an active Super Admin, or an
 * entry naming the principal or a group of it -- can_access without the
 * kind's permission, so a superset of it.
 */
bool
wfauth_acl_reaches(const WfauthContext *ctx, struct varlena *acl, bool modify)
{
	return decide_with(ctx, acl, modify, false);
}

bool
wfauth_decide(const WfauthContext *ctx, struct varlena *acl, bool modify)
{
	return decide(ctx, acl, modify);
}

/* When ctx's membership of group ends (DT_NOEND: never, or not a group of it) */
static TimestampTz
membership_until(const WfauthContext *ctx, int64 group)
{
	int			lo = 0,
				hi = ctx->nending - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (ctx->ending[mid].id == group)
			return ctx->ending[mid].until;
		if (ctx->ending[mid].id < group)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return DT_NOEND;
}

/*
 * Until when does ctx's principal have access to the object of acl (with
 * modify: modify access), as far as what counts now goes?  The latest end
 * among the entries that count now and name it or a group of it, each
 * ending with the entry or with the membership through which it names the
 * principal; and where the decision needs the kind's permission (modify,
 * and a service account's view), no later than the last way the principal
 * holds that permission.  DT_NOEND when it never ends, DT_NOBEGIN when
 * there is no access now.  Super Admin rights are the caller's to weigh.
 */
TimestampTz
wfauth_acl_access_until(const WfauthContext *ctx, struct varlena *acl, bool modify)
{
	WfauthAclHeader hdr;
	TimestampTz now = wfauth_decision_time();
	TimestampTz result = DT_NOBEGIN;
	int			i,
				j = 0;

	wfauth_acl_header(acl, &hdr);
	for (i = 0; i < hdr.nentries && result != DT_NOEND; i++)
	{
		int64		entry = wfauth_acl_entry(acl, i);
		int64		id = WfauthAclEntryPrincipal(entry);
		TimestampTz until;

		while (j < ctx->nmatch && ctx->match[j] < id)
			j++;
		if (j == ctx->nmatch || ctx->match[j] != id || (modify && !WfauthAclEntryModify(entry)) ||
			!wfauth_acl_entry_counts(acl, &hdr, i, now))
			continue;
		until = Min(wfauth_acl_validity(acl, &hdr, i).valid_until, membership_until(ctx, id));
		result = Max(result, until);
	}
	if (modify || ctx->kind == 's')
		result = Min(result, (hdr.kind >= 0 && hdr.kind < ctx->nkinds) ? ctx->kind_until[hdr.kind] : DT_NOBEGIN);
	return result;
}

/*
 * The body of can_access and policy_check.  With dba_sentinel, principal -1
 * (wfauth.policy_principal() of a DBA with no principal) allows every row
 * while a DBA acts with no principal, and nothing otherwise.
 */
static inline Datum
check_access(FunctionCallInfo fcinfo, bool dba_sentinel)
{
	struct varlena *raw;
	struct varlena *acl;
	Oid			mode;
	bool		result;

	if (unlikely(PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2)))
		PG_RETURN_BOOL(false);
	if (dba_sentinel && unlikely(PG_GETARG_INT64(0) == WFAUTH_DBA_PRINCIPAL))
		PG_RETURN_BOOL(wfauth_dba_acting());
	/* the policies ask about the acting principal (one comparison); nobody may ask freely */
	wfauth_may_ask_about(PG_GETARG_INT64(0));

	/* an inline value (the usual case) is read in place, short header or not */
	raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(1));
	acl = (VARATT_IS_COMPRESSED(raw) || VARATT_IS_EXTERNAL(raw)) ?
		pg_detoast_datum_packed(raw) : raw;
	mode = PG_GETARG_OID(2);

	result = decide(wfauth_context_fast(PG_GETARG_INT64(0)), acl,
					mode == modify_oid || (mode != view_oid && wfauth_mode_is_modify(mode)));
	if (acl != raw)
		pfree(acl);
	PG_RETURN_BOOL(result);
}

/*
 * SQL function: wfauth.can_access(principal bigint, object wfauth.acl,
 *                                 mode wfauth.access_mode) → boolean
 * False (not NULL) for a NULL principal, object or mode.  About another
 * principal than the acting one it answers only a holder of accounts, a
 * Super Admin or a DBA (42501 otherwise).
 */
PG_FUNCTION_INFO_V1(wfauth_can_access);
Datum
wfauth_can_access(PG_FUNCTION_ARGS)
{
	return check_access(fcinfo, false);
}

/*
 * SQL function: wfauth.policy_check(principal bigint, object wfauth.acl,
 *                                   mode wfauth.access_mode) → boolean
 * can_access for the policies, whose principal is wfauth.policy_principal():
 * one call the listing index can serve, the DBA's case included.
 */
PG_FUNCTION_INFO_V1(wfauth_policy_check);
Datum
wfauth_policy_check(PG_FUNCTION_ARGS)
{
	return check_access(fcinfo, true);
}

/*
 * SQL function: wfauth.acting_as_dba() → boolean
 * True when nobody is authenticated and the session's role is a DBA: the
 * case in which policies let a DBA act with Super Admin rights.
 */
PG_FUNCTION_INFO_V1(wfauth_acting_as_dba);
Datum
wfauth_acting_as_dba(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(wfauth_dba_acting());
}

/*
 * SQL function: wfauth.policy_principal() → bigint
 * The principal the policies check: the current one; -1 while a DBA acts
 * with none (can_access and the listing index then allow every row); NULL
 * for nobody -- also inside a function another role wrote, which must not
 * read or write with the session's principal (privileges.c).
 */
PG_FUNCTION_INFO_V1(wfauth_policy_principal);
Datum
wfauth_policy_principal(PG_FUNCTION_ARGS)
{
	if (wfauth_in_others_function())
		PG_RETURN_NULL();
	if (wfauth_current_principal_id() != 0)
		PG_RETURN_INT64(wfauth_current_principal_id());
	if (wfauth_dba_acting())
		PG_RETURN_INT64(WFAUTH_DBA_PRINCIPAL);
	PG_RETURN_NULL();
}
