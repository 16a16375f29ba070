/*
 * owner.c — what wfauth does on and over application tables.
 *
 * Every role below superuser is assumed hostile, and so is every setting it
 * can make (DESIGN §8):
 *
 *   - Work on a table (protect()'s column, UPDATE, triggers and policies)
 *     runs as the table's owner inside a security-restricted operation
 *     (privileges.c), the way PostgreSQL itself runs REFRESH MATERIALIZED
 *     VIEW, VACUUM and index builds: the owner's triggers, constraints and
 *     index expressions then run with the owner's privileges and no more,
 *     and whatever settings they make are rolled back afterwards.
 *
 *   - Reading ACLs across tables (the orphan scans, a tenant's row count)
 *     runs no SQL at all: a heap scan that looks at the acl column only, so
 *     none of the owner's code is ever evaluated.
 */
#include "postgres.h"

#include <sodium.h>

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "storage/lmgr.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "wfauth.h"

/*
 * SQL function: wfauth._as_owner(tbl regclass, commands text[]) → bigint
 *
 * Runs each command as tbl's owner, inside a security-restricted operation,
 * with search_path pinned and every setting the owner's code makes rolled
 * back afterwards; returns the number of rows they processed.
 * Internal (not executable by PUBLIC): wfauth's SECURITY DEFINER functions
 * build the commands and have already checked that their caller may have
 * them run.
 */
PG_FUNCTION_INFO_V1(wfauth_as_owner);
Datum
wfauth_as_owner(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ArrayType  *commands = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *texts;
	bool	   *nulls;
	int			n,
				i;
	WfauthSwitch saved;
	int64		processed = 0;

	deconstruct_array(commands, TEXTOID, -1, false, TYPALIGN_INT, &texts, &nulls, &n);

	wfauth_enter(WFAUTH_AS_OWNER, relid, &saved);

	SPI_connect();
	for (i = 0; i < n; i++)
	{
		int			ret;

		if (nulls[i])
			continue;
		ret = SPI_execute(TextDatumGetCString(texts[i]), false, 0);
		if (ret < 0)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
		processed += SPI_processed;
	}
	SPI_finish();

	wfauth_leave(&saved);
	PG_RETURN_INT64(processed);
}

/* --- orphan scans ------------------------------------------------------------ */

typedef struct LiveEntry
{
	int64		id;
	bool		live;
} LiveEntry;

/* Does an entry's principal still exist?  Remembered for the scan. */
static bool
entry_is_live(HTAB *seen, int64 id)
{
	bool		found;
	LiveEntry  *e = hash_search(seen, &id, HASH_ENTER, &found);

	if (!found)
		e->live = wfauth_principal_kind(id, NULL) != 0;
	return e->live;
}

typedef void (*AclRowCallback) (struct varlena *acl, const WfauthAclHeader *hdr,
								ItemPointer tid, void *arg);

/*
 * Call callback with the ACL of each row of a protected table: a heap scan
 * under the snapshot given that reads the acl column and nothing else,
 * so no trigger, policy, rule, cast or expression of the table's owner runs.
 * A partitioned table has no rows of its own (its partitions are registered
 * and scanned one by one).
 */
static void
scan_acls(Oid relid, Snapshot snapshot, AclRowCallback callback, void *arg)
{
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	attno;

	rel = table_open(relid, AccessShareLock);
	if (rel->rd_rel->relkind != RELKIND_RELATION)
	{
		table_close(rel, AccessShareLock);
		return;
	}
	attno = get_attnum(relid, "acl");
	if (attno <= 0 || TupleDescAttr(RelationGetDescr(rel), attno - 1)->atttypid != wfauth_acl_type_oid())
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("protected table \"%s\" has no column \"acl\" of type wfauth.acl",
						RelationGetRelationName(rel))));

	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, snapshot, 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		value = slot_getattr(slot, attno, &isnull);
		struct varlena *acl;
		WfauthAclHeader hdr;

		CHECK_FOR_INTERRUPTS();
		if (isnull)
			continue;
		acl = PG_DETOAST_DATUM_PACKED(value);
		wfauth_acl_header(acl, &hdr);
		callback(acl, &hdr, &slot->tts_tid, arg);
		if ((Pointer) acl != DatumGetPointer(value))
			pfree(acl);
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);
}

typedef struct OrphanScan
{
	ReturnSetInfo *rsinfo;
	HTAB	   *seen;
	int64		tenant;
	bool		only_naming;
	int64		naming;
} OrphanScan;

static void
collect_orphan(struct varlena *acl, const WfauthAclHeader *hdr, ItemPointer tid, void *arg)
{
	OrphanScan *os = arg;
	bool		names = !os->only_naming;
	bool		live = false;
	int			i;

	if (wfauth_acl_tenant(acl, hdr) != os->tenant)
		return;
	/* stops at the first living entry (one that counts now): such a row is no orphan */
	for (i = 0; i < hdr->nentries && !live; i++)
	{
		int64		id = WfauthAclEntryPrincipal(wfauth_acl_entry(acl, i));

		names |= (id == os->naming);
		live = entry_is_live(os->seen, id) && wfauth_acl_entry_counts(acl, hdr, i, wfauth_decision_time());
	}
	if (!live && names)
	{
		Datum		value = PointerGetDatum(tid);
		bool		null = false;

		tuplestore_putvalues(os->rsinfo->setResult, os->rsinfo->setDesc, &value, &null);
	}
}

/*
 * SQL function: wfauth._orphans(tbl regclass, principal bigint) → SETOF tid
 *
 * The rows of a protected table, of the acting tenant, whose ACL names no
 * living principal; with principal given, only those whose ACL names it.
 * Internal, not executable by PUBLIC.
 */
PG_FUNCTION_INFO_V1(wfauth_orphans);
Datum
wfauth_orphans(PG_FUNCTION_ARGS)
{
	OrphanScan	os;
	HASHCTL		ctl;

	os.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	os.only_naming = !PG_ARGISNULL(1);
	os.naming = os.only_naming ? PG_GETARG_INT64(1) : 0;
	os.tenant = wfauth_current_tenant();
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(LiveEntry);
	ctl.hcxt = CurrentMemoryContext;
	os.seen = hash_create("wfauth orphan scan", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	scan_acls(PG_GETARG_OID(0), GetActiveSnapshot(), collect_orphan, &os);
	return (Datum) 0;
}

typedef struct TenantCount
{
	int64		tenant;
	int64		rows;
} TenantCount;

static void
count_tenant_row(struct varlena *acl, const WfauthAclHeader *hdr, ItemPointer tid, void *arg)
{
	TenantCount *tc = arg;

	if (wfauth_acl_tenant(acl, hdr) == tc->tenant)
		tc->rows++;
}

/*
 * SQL function: wfauth._tenant_rows(tbl regclass, tenant bigint) → bigint
 * How many rows of a protected table belong to the tenant, as last
 * committed whatever the transaction's snapshot (internal: delete_tenant
 * counts them once it holds the tenant's lock).
 */
PG_FUNCTION_INFO_V1(wfauth_tenant_rows);
Datum
wfauth_tenant_rows(PG_FUNCTION_ARGS)
{
	TenantCount tc = {PG_GETARG_INT64(1), 0};
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());

	scan_acls(PG_GETARG_OID(0), snapshot, count_tenant_row, &tc);
	UnregisterSnapshot(snapshot);
	PG_RETURN_INT64(tc.rows);
}

typedef struct Adoption
{
	int16		kind;
	bool		import;
	int64		rows;
} Adoption;

static void
adopt_acl(struct varlena *acl, const WfauthAclHeader *hdr, ItemPointer tid, void *arg)
{
	Adoption   *adoption = arg;
	int64		tenant = wfauth_acl_tenant(acl, hdr);
	int			i;

	adoption->rows++;
	if (!adoption->import)
		return;
	if (hdr->kind != adoption->kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a pre-filled access list is of kind \"%s\", not the table's \"%s\"",
						wfauth_kind_by_id(hdr->kind) ? wfauth_kind_by_id(hdr->kind)->name : "?",
						wfauth_kind_by_id(adoption->kind)->name)));
	if (!wfauth_tenant(tenant)->exists)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("a pre-filled access list belongs to tenant " INT64_FORMAT ", which does not exist",
						tenant)));
	for (i = 0; i < hdr->nentries; i++)
		wfauth_check_acl_principal(WfauthAclEntryPrincipal(wfauth_acl_entry(acl, i)), tenant);
}

/*
 * The access lists of a table as a multiset: the sum of their SHA-256
 * digests (mod 2^256) and their count, leaving out NULLs and one value
 * (the one protect() fills in).  protect() takes it before and after it
 * fills the empty rows, whose UPDATE runs the owner's triggers and
 * expressions: the owner's code must not have changed any other list.
 */
typedef struct Fingerprint
{
	struct varlena *except;
	uint8		sum[crypto_hash_sha256_BYTES];
	int64		rows;
} Fingerprint;

static void
fingerprint_acl(struct varlena *acl, const WfauthAclHeader *hdr, ItemPointer tid, void *arg)
{
	Fingerprint *fp = arg;
	uint8		digest[crypto_hash_sha256_BYTES];
	unsigned int carry = 0;
	size_t		i;

	if (fp->except != NULL && VARSIZE_ANY_EXHDR(acl) == VARSIZE_ANY_EXHDR(fp->except) &&
		memcmp(VARDATA_ANY(acl), VARDATA_ANY(fp->except), VARSIZE_ANY_EXHDR(acl)) == 0)
		return;
	crypto_hash_sha256(digest, (const unsigned char *) VARDATA_ANY(acl), VARSIZE_ANY_EXHDR(acl));
	for (i = 0; i < crypto_hash_sha256_BYTES; i++)
	{
		carry += fp->sum[i] + digest[i];
		fp->sum[i] = carry & 0xff;
		carry >>= 8;
	}
	fp->rows++;
}

/* SQL function: wfauth._acl_fingerprint(tbl regclass, except wfauth.acl) → bytea */
PG_FUNCTION_INFO_V1(wfauth_acl_fingerprint);
Datum
wfauth_acl_fingerprint(PG_FUNCTION_ARGS)
{
	Fingerprint fp = {PG_ARGISNULL(1) ? NULL : PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1))};
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	bytea	   *result = palloc(VARHDRSZ + sizeof(fp.sum) + sizeof(fp.rows));

	scan_acls(PG_GETARG_OID(0), snapshot, fingerprint_acl, &fp);
	UnregisterSnapshot(snapshot);
	SET_VARSIZE(result, VARHDRSZ + sizeof(fp.sum) + sizeof(fp.rows));
	memcpy(VARDATA(result), fp.sum, sizeof(fp.sum));
	memcpy(VARDATA(result) + sizeof(fp.sum), &fp.rows, sizeof(fp.rows));
	PG_RETURN_BYTEA_P(result);
}

/*
 * SQL function: wfauth._adopt_acls(tbl regclass, kind smallint) → bigint
 *
 * The acl values a table holds before protect() wrote any: none may stay
 * unchecked.  A DBA's are imported, each checked as the update trigger
 * would (the table's kind; principals of the value's own tenant, which
 * exists); anyone else's are refused.  Holds a lock that keeps rows from
 * being added meanwhile, and reads the latest committed rows with a heap
 * scan that runs none of the owner's code.  Returns how many there are.
 */
PG_FUNCTION_INFO_V1(wfauth_adopt_acls);
Datum
wfauth_adopt_acls(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Adoption	adoption = {PG_GETARG_INT16(1), wfauth_actor_is_dba(), 0};
	Snapshot	snapshot;

	LockRelationOid(relid, ShareRowExclusiveLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	scan_acls(relid, snapshot, adopt_acl, &adoption);
	UnregisterSnapshot(snapshot);
	if (adoption.rows > 0 && !adoption.import)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("table \"%s\" has " INT64_FORMAT " access lists that wfauth did not write",
						get_rel_name(relid), adoption.rows),
				 errdetail("protect() trusts no access list it did not write or check."),
				 errhint("Set the column to NULL first (the rows then start with no entry), "
						 "or have a DBA run wfauth.protect(), which checks and imports them.")));
	PG_RETURN_INT64(adoption.rows);
}
