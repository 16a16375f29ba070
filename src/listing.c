/*
 * listing.c — finding the rows a principal may see through an index.
 *
 * Listing "my dashboards" through the row-level security policy reads the
 * whole table when a principal sees few rows.  The ACL sits in the row, so a
 * GIN index over it can find them instead:
 *
 *   keys        each entry of an ACL, as stored: (principal id << 1) | modify,
 *               with bit 62 set for an entry that counts only for a while
 *               (DATED_KEY); and, for an object of another tenant than the
 *               default one, its tenant as the negative key -tenant
 *   operators   acl @@ p   an entry names p or one of its groups (view level)
 *               acl @@@ p  a modify-level entry does
 *               both true for an active Super Admin, and for p = -1 while a
 *               DBA acts with no principal (wfauth.policy_principal())
 *   query       p's match set (p, its groups, Everyone): four keys per member
 *               for view, two for modify (plain and dated); a row found only
 *               by a dated key is rechecked, which decides the entry at the
 *               statement's time; its tenant's key for a Super Admin
 *               ("every row", rechecked, in the default tenant, whose rows
 *               carry no key: a database that never creates a tenant indexes
 *               what it did before); "every row" for the DBA; nothing for an
 *               inactive or unknown principal, or one of another tenant than
 *               the acting one
 *
 * The policies call policy_check((SELECT wfauth.policy_principal()), acl,
 * mode) -- can_access, but for -1 -- and the planner support function of both
 * turns such a call into the index condition acl @@ p (or @@@), marked lossy,
 * so the function still decides every row the index returns (kind
 * permissions, the service-account rule).  For the planner to choose between the index and a plain scan, the
 * support function and the operators estimate their selectivity from
 * statistics that ANALYZE gathers on the acl column with this file's
 * typanalyze: the most common principals named in ACLs and how often (the
 * MCELEM statistics kind of arrays).  At plan time the principal is usually
 * an InitPlan's parameter, so the estimate is made for the principal acting
 * now.
 */
#include "postgres.h"

#include "access/gin.h"
#include "access/stratnum.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "commands/vacuum.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"

#include "wfauth.h"

#define STRATEGY_VIEW	1
#define STRATEGY_MODIFY	2
#define DEFAULT_ACL_SELECTIVITY 0.1	/* no statistics yet */
/* the key of an object's tenant: negative, where entries are positive */
#define TENANT_KEY(tenant)	(-(tenant))
/* the key of a dated entry: apart from the plain ones (entries are < 2^62) */
#define DATED_KEY(entry)	((entry) | (INT64CONST(1) << 62))
#define IS_DATED_KEY(key)	((key) >= (INT64CONST(1) << 62))

/* --- the operators ---------------------------------------------------------- */

static bool
reaches(PG_FUNCTION_ARGS, bool modify)
{
	struct varlena *acl = PG_GETARG_VARLENA_PP(0);
	int64		principal = PG_GETARG_INT64(1);

	if (principal == WFAUTH_DBA_PRINCIPAL)
		return wfauth_dba_acting();
	wfauth_may_ask_about(principal);
	return wfauth_acl_reaches(wfauth_context_fast(principal), acl, modify);
}

/* SQL function: wfauth.acl_reaches(object wfauth.acl, principal bigint), operator @@ */
PG_FUNCTION_INFO_V1(wfauth_acl_reaches_view);
Datum
wfauth_acl_reaches_view(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(reaches(fcinfo, false));
}

/* SQL function: wfauth.acl_reaches_modify(object wfauth.acl, principal bigint), operator @@@ */
PG_FUNCTION_INFO_V1(wfauth_acl_reaches_modify);
Datum
wfauth_acl_reaches_modify(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(reaches(fcinfo, true));
}

/* --- the GIN operator class ----------------------------------------------- */

/* GIN extractValue: the entries of an ACL */
PG_FUNCTION_INFO_V1(wfauth_acl_gin_extract_value);
Datum
wfauth_acl_gin_extract_value(PG_FUNCTION_ARGS)
{
	struct varlena *acl = PG_GETARG_VARLENA_PP(0);
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);
	WfauthAclHeader hdr;
	Datum	   *keys;
	int			i;

	int64		tenant;

	wfauth_acl_header(acl, &hdr);
	tenant = wfauth_acl_tenant(acl, &hdr);
	keys = palloc(sizeof(Datum) * (hdr.nentries + 1));
	for (i = 0; i < hdr.nentries; i++)
	{
		WfauthAclValidity v = wfauth_acl_validity(acl, &hdr, i);
		int64		entry = wfauth_acl_entry(acl, i);

		keys[i] = Int64GetDatum(v.valid_from == DT_NOBEGIN && v.valid_until == DT_NOEND ?
								entry : DATED_KEY(entry));
	}
	*nkeys = hdr.nentries;
	if (tenant != WFAUTH_DEFAULT_TENANT)
		keys[(*nkeys)++] = Int64GetDatum(TENANT_KEY(tenant));
	PG_RETURN_POINTER(keys);
}

/* GIN extractQuery: the keys that name principal (or one of its groups) */
PG_FUNCTION_INFO_V1(wfauth_acl_gin_extract_query);
Datum
wfauth_acl_gin_extract_query(PG_FUNCTION_ARGS)
{
	int64		principal = PG_GETARG_INT64(0);
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);
	bool		modify = PG_GETARG_UINT16(2) == STRATEGY_MODIFY;
	int32	   *search_mode = (int32 *) PG_GETARG_POINTER(6);
	const WfauthContext *ctx;
	Datum	   *keys;
	int			i,
				n = 0;

	*nkeys = 0;
	if (principal == WFAUTH_DBA_PRINCIPAL)
	{
		if (wfauth_dba_acting())
			*search_mode = GIN_SEARCH_MODE_ALL;
		PG_RETURN_POINTER(NULL);	/* else: nothing matches */
	}
	/* an index scan is a decision too: the directory rule applies */
	wfauth_may_ask_about(principal);
	ctx = wfauth_context(principal);
	if (!ctx->exists || !ctx->active || ctx->tenant != wfauth_current_tenant())
		PG_RETURN_POINTER(NULL);
	if (wfauth_super_admin_rights(ctx) && ctx->tenant == WFAUTH_DEFAULT_TENANT)
	{
		*search_mode = GIN_SEARCH_MODE_ALL;
		PG_RETURN_POINTER(NULL);
	}
	if (wfauth_super_admin_rights(ctx))
	{
		keys = palloc(sizeof(Datum));
		keys[0] = Int64GetDatum(TENANT_KEY(ctx->tenant));
		*nkeys = 1;
		PG_RETURN_POINTER(keys);
	}
	keys = palloc(sizeof(Datum) * ctx->nmatch * 4);
	for (i = 0; i < ctx->nmatch; i++)
	{
		int64		entry = WfauthAclMakeEntry(ctx->match[i], true);

		keys[n++] = Int64GetDatum(entry);
		keys[n++] = Int64GetDatum(DATED_KEY(entry));
		if (!modify)
		{
			entry = WfauthAclMakeEntry(ctx->match[i], false);
			keys[n++] = Int64GetDatum(entry);
			keys[n++] = Int64GetDatum(DATED_KEY(entry));
		}
	}
	*nkeys = n;
	PG_RETURN_POINTER(keys);
}

/*
 * GIN consistent: any key of the query is in the ACL (every row in "all"
 * mode); found by a dated key only, the row is rechecked at the statement's
 * time
 */
PG_FUNCTION_INFO_V1(wfauth_acl_gin_consistent);
Datum
wfauth_acl_gin_consistent(PG_FUNCTION_ARGS)
{
	bool	   *check = (bool *) PG_GETARG_POINTER(0);
	int32		nkeys = PG_GETARG_INT32(3);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(5);
	Datum	   *query_keys = (Datum *) PG_GETARG_POINTER(6);
	bool		found = false;
	int			i;

	*recheck = false;
	if (nkeys == 0)
	{
		*recheck = true;		/* "all": a Super Admin's rows are its tenant's only */
		PG_RETURN_BOOL(true);
	}
	for (i = 0; i < nkeys; i++)
	{
		if (!check[i])
			continue;
		if (!IS_DATED_KEY(DatumGetInt64(query_keys[i])))
		{
			*recheck = false;
			PG_RETURN_BOOL(true);
		}
		found = *recheck = true;
	}
	PG_RETURN_BOOL(found);
}

/* GIN triConsistent: the same with "maybe" */
PG_FUNCTION_INFO_V1(wfauth_acl_gin_triconsistent);
Datum
wfauth_acl_gin_triconsistent(PG_FUNCTION_ARGS)
{
	GinTernaryValue *check = (GinTernaryValue *) PG_GETARG_POINTER(0);
	int32		nkeys = PG_GETARG_INT32(3);
	Datum	   *query_keys = (Datum *) PG_GETARG_POINTER(5);
	GinTernaryValue result = GIN_FALSE;
	int			i;

	if (nkeys == 0)
		PG_RETURN_GIN_TERNARY_VALUE(GIN_MAYBE);
	for (i = 0; i < nkeys; i++)
	{
		if (check[i] == GIN_TRUE && !IS_DATED_KEY(DatumGetInt64(query_keys[i])))
			PG_RETURN_GIN_TERNARY_VALUE(GIN_TRUE);
		if (check[i] != GIN_FALSE)
			result = GIN_MAYBE;	/* a dated entry is decided by the recheck */
	}
	PG_RETURN_GIN_TERNARY_VALUE(result);
}

/* --- statistics: which principals ACLs name, and how often --------------- */

typedef struct NamedCount
{
	int64		id;
	int			rows;
} NamedCount;

static int
cmp_rows_desc(const void *a, const void *b)
{
	const NamedCount *x = a,
			   *y = b;

	return (x->rows < y->rows) - (x->rows > y->rows);
}

static void
compute_acl_stats(VacAttrStatsP stats, AnalyzeAttrFetchFunc fetchfunc,
				  int samplerows, double totalrows)
{
	HASHCTL		ctl;
	HTAB	   *counts;
	HASH_SEQ_STATUS seq;
	NamedCount *nc,
			   *all;
	int			nonnull = 0,
				nulls = 0,
				ndistinct = 0,
				keep,
				i;
	double		width = 0;
	MemoryContext old;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(NamedCount);
	ctl.hcxt = CurrentMemoryContext;
	counts = hash_create("wfauth acl statistics", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	for (i = 0; i < samplerows; i++)
	{
		bool		isnull;
		Datum		value = fetchfunc(stats, i, &isnull);
		struct varlena *acl;
		WfauthAclHeader hdr;
		int			j;

		vacuum_delay_point();
		if (isnull)
		{
			nulls++;
			continue;
		}
		nonnull++;
		width += VARSIZE_ANY(DatumGetPointer(value));
		acl = PG_DETOAST_DATUM_PACKED(value);
		wfauth_acl_header(acl, &hdr);
		/* one entry per principal; and the tenant's key, as a Super Admin's query names it */
		for (j = 0; j <= hdr.nentries; j++)
		{
			int64		id;
			bool		found;

			if (j < hdr.nentries)
				id = WfauthAclEntryPrincipal(wfauth_acl_entry(acl, j));
			else if (wfauth_acl_tenant(acl, &hdr) != WFAUTH_DEFAULT_TENANT)
				id = TENANT_KEY(wfauth_acl_tenant(acl, &hdr));
			else
				break;

			nc = hash_search(counts, &id, HASH_ENTER, &found);
			if (!found)
			{
				nc->rows = 0;
				ndistinct++;
			}
			nc->rows++;
		}
	}

	stats->stats_valid = true;
	stats->stanullfrac = samplerows > 0 ? (double) nulls / samplerows : 0;
	stats->stawidth = nonnull > 0 ? width / nonnull : 0;
	stats->stadistinct = 0;		/* unknown */
	if (nonnull == 0 || ndistinct == 0)
		return;

	all = palloc(sizeof(NamedCount) * ndistinct);
	i = 0;
	hash_seq_init(&seq, counts);
	while ((nc = hash_seq_search(&seq)) != NULL)
		all[i++] = *nc;
	qsort(all, ndistinct, sizeof(NamedCount), cmp_rows_desc);
	keep = Min(ndistinct, stats->attr->attstattarget * 10);

	/* the most often named principals, their frequencies, then min and max */
	old = MemoryContextSwitchTo(stats->anl_context);
	stats->stakind[0] = STATISTIC_KIND_MCELEM;
	stats->staop[0] = get_opfamily_member(INTEGER_BTREE_FAM_OID, INT8OID, INT8OID, BTEqualStrategyNumber);
	stats->stacoll[0] = InvalidOid;
	stats->stavalues[0] = palloc(sizeof(Datum) * keep);
	stats->stanumbers[0] = palloc(sizeof(float4) * (keep + 2));
	for (i = 0; i < keep; i++)
	{
		stats->stavalues[0][i] = Int64GetDatum(all[i].id);
		stats->stanumbers[0][i] = (float4) all[i].rows / nonnull;
	}
	stats->stanumbers[0][keep] = (float4) all[keep - 1].rows / nonnull;
	stats->stanumbers[0][keep + 1] = (float4) all[0].rows / nonnull;
	stats->numvalues[0] = keep;
	stats->numnumbers[0] = keep + 2;
	stats->statypid[0] = INT8OID;
	stats->statyplen[0] = sizeof(int64);
	stats->statypbyval[0] = FLOAT8PASSBYVAL;
	stats->statypalign[0] = TYPALIGN_DOUBLE;
	MemoryContextSwitchTo(old);
}

/* SQL function: wfauth._acl_typanalyze(internal) → boolean, ANALYZE of wfauth.acl */
PG_FUNCTION_INFO_V1(wfauth_acl_typanalyze);
Datum
wfauth_acl_typanalyze(PG_FUNCTION_ARGS)
{
	VacAttrStats *stats = (VacAttrStats *) PG_GETARG_POINTER(0);

	if (stats->attr->attstattarget < 0)
		stats->attr->attstattarget = default_statistics_target;
	stats->compute_stats = compute_acl_stats;
	stats->minrows = 300 * stats->attr->attstattarget;
	PG_RETURN_BOOL(true);
}

/*
 * The principal an estimate is for: the argument when it is a constant, else
 * (an InitPlan's parameter, as in the policies) the principal acting now.
 */
static int64
estimated_principal(Node *arg, bool *none)
{
	*none = false;
	if (IsA(arg, Const))
	{
		if (((Const *) arg)->constisnull)
			*none = true;
		return *none ? 0 : DatumGetInt64(((Const *) arg)->constvalue);
	}
	if (wfauth_current_principal_id() != 0)
		return wfauth_current_principal_id();
	if (wfauth_dba_acting())
		return WFAUTH_DBA_PRINCIPAL;
	*none = true;
	return 0;
}

/*
 * The fraction of rows whose ACL reaches the principal: the sum of how often
 * ACLs name each member of its match set, from the frequencies ANALYZE found
 * (one not among them counts half the least frequent one's), at most 1.  A
 * sum, not 1 - the product of the misses: ACLs usually name one group each,
 * and then the sum is exact where independence would estimate a principal in
 * every group at 63%; where it overestimates, the plain scan is the safer
 * mistake.
 */
static Selectivity
acl_selectivity(PlannerInfo *root, Node *aclarg, int varRelid, Node *principalarg)
{
	VariableStatData vardata;
	AttStatsSlot sslot;
	Selectivity sel;
	double		nullfrac = 0;
	bool		none;
	int64		principal = estimated_principal(principalarg, &none);
	const WfauthContext *ctx = NULL;
	const int64 *keys;
	int64		tenant_key;
	int			nkeys,
				i,
				j;

	if (none)
		return 0.0;
	if (principal != WFAUTH_DBA_PRINCIPAL)
	{
		ctx = wfauth_context(principal);
		if (!ctx->exists || !ctx->active || ctx->tenant != wfauth_current_tenant())
			return 0.0;
	}
	/* what the index query names (see extract_query) */
	if (ctx != NULL && wfauth_super_admin_rights(ctx))
	{
		tenant_key = TENANT_KEY(ctx->tenant);
		keys = &tenant_key;
		nkeys = 1;
	}
	else if (ctx != NULL)
	{
		keys = ctx->match;
		nkeys = ctx->nmatch;
	}
	examine_variable(root, aclarg, varRelid, &vardata);
	if (HeapTupleIsValid(vardata.statsTuple))
		nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata.statsTuple))->stanullfrac;
	/* the DBA, or a Super Admin of the default tenant */
	if (ctx == NULL || (wfauth_super_admin_rights(ctx) && ctx->tenant == WFAUTH_DEFAULT_TENANT))
		sel = 1.0 - nullfrac;
	else if (HeapTupleIsValid(vardata.statsTuple) &&
			 get_attstatsslot(&sslot, vardata.statsTuple, STATISTIC_KIND_MCELEM, InvalidOid,
							  ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS))
	{
		double		named = 0.0;
		double		rare = sslot.nnumbers > sslot.nvalues ? sslot.numbers[sslot.nvalues] / 2 : 0.0001;

		for (i = 0; i < nkeys; i++)
		{
			double		f = rare;

			for (j = 0; j < sslot.nvalues; j++)
				if (DatumGetInt64(sslot.values[j]) == keys[i])
				{
					f = sslot.numbers[j];
					break;
				}
			named += f;
		}
		sel = Min(named, 1.0) * (1.0 - nullfrac);
		free_attstatsslot(&sslot);
	}
	else
		sel = DEFAULT_ACL_SELECTIVITY;
	ReleaseVariableStats(vardata);
	CLAMP_PROBABILITY(sel);
	return sel;
}

/* SQL function: wfauth._acl_reaches_sel(internal, oid, internal, integer) → float8, restriction estimator of @@ and @@@ */
PG_FUNCTION_INFO_V1(wfauth_acl_reaches_sel);
Datum
wfauth_acl_reaches_sel(PG_FUNCTION_ARGS)
{
	PlannerInfo *root = (PlannerInfo *) PG_GETARG_POINTER(0);
	List	   *args = (List *) PG_GETARG_POINTER(2);
	int			varRelid = PG_GETARG_INT32(3);

	if (list_length(args) != 2)
		PG_RETURN_FLOAT8(DEFAULT_ACL_SELECTIVITY);
	PG_RETURN_FLOAT8(acl_selectivity(root, linitial(args), varRelid,
									 estimate_expression_value(root, lsecond(args))));
}

/* --- the planner support of can_access and policy_check -------------------- */

/* the mode argument as view (false) or modify (true); false when not a constant */
static bool
constant_mode(Node *arg, bool *modify)
{
	if (!IsA(arg, Const) || ((Const *) arg)->constisnull)
		return false;
	*modify = wfauth_mode_is_modify(DatumGetObjectId(((Const *) arg)->constvalue));
	return true;
}

/*
 * SQL function: wfauth._can_access_support(internal) → internal
 *   SupportRequestIndexCondition: can_access(p, acl, mode) (or policy_check) with acl indexed
 *     by wfauth.acl_ops becomes acl @@ p (view) or acl @@@ p (modify), lossy;
 *   SupportRequestSelectivity: the fraction of rows the principal reaches.
 */
PG_FUNCTION_INFO_V1(wfauth_can_access_support);
Datum
wfauth_can_access_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	bool		modify;

	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		SupportRequestIndexCondition *req = (SupportRequestIndexCondition *) rawreq;
		FuncExpr   *call;
		Node	   *principal;
		Oid			op;

		if (!is_funcclause(req->node) || req->indexarg != 1 ||
			req->opfamily != wfauth_acl_opfamily_oid())
			PG_RETURN_POINTER(NULL);
		call = (FuncExpr *) req->node;
		if (list_length(call->args) != 3 || !constant_mode(lthird(call->args), &modify))
			PG_RETURN_POINTER(NULL);
		principal = linitial(call->args);
		if (contain_var_clause(principal) || contain_volatile_functions(principal))
			PG_RETURN_POINTER(NULL);
		op = get_opfamily_member(req->opfamily, wfauth_acl_type_oid(), INT8OID,
								 modify ? STRATEGY_MODIFY : STRATEGY_VIEW);
		if (!OidIsValid(op))
			PG_RETURN_POINTER(NULL);
		req->lossy = true;		/* the function still decides every row */
		PG_RETURN_POINTER(list_make1(make_opclause(op, BOOLOID, false, (Expr *) lsecond(call->args),
												   (Expr *) principal, InvalidOid, InvalidOid)));
	}
	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;

		if (req->is_join || list_length(req->args) != 3 ||
			!constant_mode(lthird(req->args), &modify))
			PG_RETURN_POINTER(NULL);
		req->selectivity = acl_selectivity(req->root, lsecond(req->args), req->varRelid,
										   linitial(req->args));
		PG_RETURN_POINTER(req);
	}
	PG_RETURN_POINTER(NULL);
}
