/*
 * protect.c — the row triggers wfauth.protect() puts on a protected table.
 *
 *   _acl_on_insert(kind)  sets each new row's ACL from the security preference
 *                         and the acting principal; whatever the client wrote
 *                         in the column is replaced
 *   _acl_on_update()      lets the ACL change only for a principal with modify
 *                         access to the object (or a Super Admin, or a DBA with
 *                         no principal), never changes kind or creator, and
 *                         never leaves the object with no entry, and records
 *                         each change in the audit log
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "partitioning/partdesc.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"

#include "wfauth.h"

/*
 * Is rel registered as protected, or a partition of a table that is (before
 * 1.2 only the partitioned table was registered)?
 */
static bool
is_protected(Relation rel)
{
	ListCell   *lc;

	if (wfauth_protected_kind(RelationGetRelid(rel)) != 0)
		return true;
	if (!rel->rd_rel->relispartition)
		return false;
	foreach(lc, get_partition_ancestors(RelationGetRelid(rel)))
		if (wfauth_protected_kind(lfirst_oid(lc)) != 0)
			return true;
	return false;
}

/*
 * The acl column of the table a trigger fires on, checked before anything
 * reads or writes it: these trigger functions are executable by every role
 * (a table's owner needs that to have them), so any role can attach them to
 * a table of its own with any column named acl.  They act on tables
 * registered as protected, and on a column of type wfauth.acl only.
 */
static int
acl_attno(Relation rel)
{
	int			attno;

	if (!is_protected(rel))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not protected by wfauth", RelationGetRelationName(rel)),
				 errhint("Protect it with wfauth.protect().")));
	attno = SPI_fnumber(RelationGetDescr(rel), "acl");
	if (attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("protected table \"%s\" has no column \"acl\"", RelationGetRelationName(rel))));
	if (TupleDescAttr(RelationGetDescr(rel), attno - 1)->atttypid != wfauth_acl_type_oid())
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"acl\" of protected table \"%s\" is not of type wfauth.acl",
						RelationGetRelationName(rel))));
	return attno;
}

/*
 * The trigger data of a BEFORE ROW trigger fired by event (INSERT or
 * UPDATE).  Any role may attach these functions to a table of its own, with
 * any event: fired by another one, the tuples they read are not there.
 */
static TriggerData *
row_trigger(FunctionCallInfo fcinfo, const char *name, TriggerEvent event)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event) ||
		(trig->tg_event & TRIGGER_EVENT_OPMASK) != event)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be a BEFORE ROW trigger on %s", name,
						event == TRIGGER_EVENT_INSERT ? "INSERT" : "UPDATE")));
	return trig;
}

/*
 * A row that an UPDATE (or MERGE) moves to another partition is deleted
 * from one and inserted into the other, and the insert trigger would give
 * it a new access list (another creator, the default entries, no audit).
 * The update trigger, which has checked the row's list, sees that the new
 * row leaves its partition and notes the list for this transaction, with
 * where the row was.  The insert trigger of a partition of the same table
 * takes the note -- for a row with the moving row's partition key, once
 * PostgreSQL has deleted that row as moved to another partition (its own
 * mark, which nothing else sets) -- and gives the row it inserts the noted
 * list, whatever the row carries.  The owner's triggers may change the row
 * on the way (a generated column, an updated_at, the acl itself), or
 * swallow it: still one row at most, with the moving row's key, arrives
 * with the list checked for that object, and nothing else becomes a move.
 */
typedef struct MovingRow
{
	LocalTransactionId lxid;
	Oid			root;			/* the partitioned table the row moves within */
	Oid			source;			/* the partition it leaves */
	ItemPointerData tid;		/* its version there */
	struct varlena *acl;		/* its checked access list; in TopMemoryContext */
	int			nkeys;			/* the root's partition key columns, and the moving row's */
	char		keyname[PARTITION_MAX_KEYS][NAMEDATALEN];
	Datum		key[PARTITION_MAX_KEYS];	/* values (copies in TopMemoryContext) */
	bool		keynull[PARTITION_MAX_KEYS];
	int16		keylen[PARTITION_MAX_KEYS];
	bool		keybyval[PARTITION_MAX_KEYS];
} MovingRow;

static MovingRow moving = {InvalidLocalTransactionId};

static Oid
partition_root(Relation rel)
{
	List	   *ancestors = get_partition_ancestors(RelationGetRelid(rel));

	return ancestors != NIL ? llast_oid(ancestors) : RelationGetRelid(rel);
}

/* Does the row leave partition rel (fail its partition constraint)? */
static bool
leaves_partition(Relation rel, HeapTuple tuple)
{
	List	   *qual = RelationGetPartitionQual(rel);
	EState	   *estate;
	ExprContext *econtext;
	TupleTableSlot *slot;
	bool		fits;

	if (qual == NIL)
		return false;
	estate = CreateExecutorState();
	econtext = GetPerTupleExprContext(estate);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsHeapTuple);
	ExecStoreHeapTuple(tuple, slot, false);
	econtext->ecxt_scantuple = slot;
	fits = ExecCheck(ExecPrepareCheck(qual, estate), econtext);
	ExecDropSingleTupleTableSlot(slot);
	FreeExecutorState(estate);
	return !fits;
}

static void
forget_moving_row(void)
{
	int			i;

	if (moving.acl)
		pfree(moving.acl);
	for (i = 0; i < moving.nkeys; i++)
		if (!moving.keynull[i] && !moving.keybyval[i])
			pfree(DatumGetPointer(moving.key[i]));
	moving.acl = NULL;
	moving.nkeys = 0;
	moving.lxid = InvalidLocalTransactionId;
}

/*
 * Note the values of root's partition key columns (by name; a key
 * expression is not compared) of tuple, a row of rel.
 */
static void
note_key(Relation root, Relation rel, HeapTuple tuple)
{
	PartitionKey key = RelationGetPartitionKey(root);
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	int			i;

	for (i = 0; i < key->partnatts; i++)
	{
		Form_pg_attribute att;
		AttrNumber	attno;

		if (key->partattrs[i] == 0)
			continue;
		att = TupleDescAttr(RelationGetDescr(root), key->partattrs[i] - 1);
		attno = SPI_fnumber(RelationGetDescr(rel), NameStr(att->attname));
		if (attno <= 0)
			continue;
		strlcpy(moving.keyname[moving.nkeys], NameStr(att->attname), NAMEDATALEN);
		moving.key[moving.nkeys] = heap_getattr(tuple, attno, RelationGetDescr(rel), &moving.keynull[moving.nkeys]);
		moving.keylen[moving.nkeys] = att->attlen;
		moving.keybyval[moving.nkeys] = att->attbyval;
		if (!moving.keynull[moving.nkeys])
			moving.key[moving.nkeys] = datumCopy(moving.key[moving.nkeys], att->attbyval, att->attlen);
		moving.nkeys++;
	}
	MemoryContextSwitchTo(old);
}

/* Does tuple, a row of rel, have the noted partition key? */
static bool
has_noted_key(Relation rel, HeapTuple tuple)
{
	int			i;

	for (i = 0; i < moving.nkeys; i++)
	{
		AttrNumber	attno = SPI_fnumber(RelationGetDescr(rel), moving.keyname[i]);
		bool		isnull;
		Datum		value;

		if (attno <= 0)
			return false;
		value = heap_getattr(tuple, attno, RelationGetDescr(rel), &isnull);
		if (isnull != moving.keynull[i] ||
			(!isnull && !datum_image_eq(value, moving.key[i], moving.keybyval[i], moving.keylen[i])))
			return false;
	}
	return true;
}

static void
note_moving_row(Relation rel, HeapTuple oldtuple, HeapTuple newtuple, struct varlena *acl)
{
	Relation	root;

	forget_moving_row();
	if (!rel->rd_rel->relispartition || !leaves_partition(rel, newtuple))
		return;
	moving.acl = MemoryContextAlloc(TopMemoryContext, VARSIZE_ANY(acl));
	memcpy(moving.acl, acl, VARSIZE_ANY(acl));
	moving.lxid = MyProc->lxid;
	moving.root = partition_root(rel);
	moving.source = RelationGetRelid(rel);
	moving.tid = oldtuple->t_self;
	root = table_open(moving.root, AccessShareLock);
	note_key(root, rel, newtuple);
	table_close(root, AccessShareLock);
}

/* Was the noted row deleted by this transaction as moved to another partition? */
static bool
noted_row_moved(void)
{
	Relation	source = table_open(moving.source, AccessShareLock);
	HeapTupleData tuple;
	Buffer		buffer = InvalidBuffer;
	bool		moved = false;

	tuple.t_self = moving.tid;
	if (source->rd_tableam == GetHeapamTableAmRoutine() &&
		heap_fetch(source, SnapshotAny, &tuple, &buffer, true))
	{
		LockBuffer(buffer, BUFFER_LOCK_SHARE);
		moved = HeapTupleHeaderIndicatesMovedPartitions(tuple.t_data) &&
			TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetUpdateXid(tuple.t_data));
		UnlockReleaseBuffer(buffer);
	}
	else if (BufferIsValid(buffer))
		ReleaseBuffer(buffer);
	table_close(source, AccessShareLock);
	return moved;
}

/*
 * If this insert into rel is the second half of the move noted, the noted
 * list (NULL otherwise); the note is taken then.
 */
static struct varlena *
moved_acl(Relation rel, HeapTuple tuple)
{
	struct varlena *acl;

	if (moving.acl == NULL || moving.lxid != MyProc->lxid || moving.root != partition_root(rel) ||
		!has_noted_key(rel, tuple) || !noted_row_moved())
		return NULL;
	acl = palloc(VARSIZE_ANY(moving.acl));
	memcpy(acl, moving.acl, VARSIZE_ANY(moving.acl));
	forget_moving_row();
	return acl;
}

/* Trigger function: wfauth._acl_on_insert(kind) */
PG_FUNCTION_INFO_V1(wfauth_acl_on_insert);
Datum
wfauth_acl_on_insert(PG_FUNCTION_ARGS)
{
	TriggerData *trig = row_trigger(fcinfo, "wfauth._acl_on_insert", TRIGGER_EVENT_INSERT);
	const WfauthKind *kind;
	int64		creator = wfauth_current_principal_id();
	const WfauthTenant *tenant = wfauth_tenant(wfauth_current_tenant());
	int64		entry;
	int			n = 0;
	int			attno;
	Datum		value;
	bool		isnull = false;
	struct varlena *moved;

	if (trig->tg_trigger->tgnargs != 1)
		elog(ERROR, "wfauth._acl_on_insert takes the object kind");
	attno = acl_attno(trig->tg_relation);
	if (trig->tg_relation->rd_rel->relispartition && (moved = moved_acl(trig->tg_relation, trig->tg_trigtuple)) != NULL)
	{
		value = PointerGetDatum(moved);
		return PointerGetDatum(heap_modify_tuple_by_cols(trig->tg_trigtuple,
														 RelationGetDescr(trig->tg_relation),
														 1, &attno, &value, &isnull));
	}
	kind = wfauth_kind_by_name(trig->tg_trigger->tgargs[0]);
	if (kind == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("unknown object kind \"%s\"", trig->tg_trigger->tgargs[0])));

	/*
	 * Creating an object needs its kind's permission (modify access to the
	 * new row, which the INSERT policy checks too): say so by name rather
	 * than let the policy give PostgreSQL's generic refusal.
	 */
	if (creator != 0 && !wfauth_context_has_permission(wfauth_context(creator), kind->permission))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to create a %s", kind->name),
				 errdetail("Creating a %s needs the \"%s\" permission, which the acting principal does not hold.",
						   kind->name, kind->permission),
				 errhint("Grant it with wfauth.grant_permission('%s', ...), directly or through a role or group.",
						 kind->permission)));
	if (!tenant->exists)		/* deleted while this transaction acted in it */
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the acting tenant no longer exists")));
	if (!tenant->creator_only)
		entry = WfauthAclMakeEntry(tenant->everyone, true), n = 1;
	else if (creator != 0)
		entry = WfauthAclMakeEntry(creator, true), n = 1;
	/* else: "creator" with nobody acting: no entry; only Super Admins see it */

	/* the object belongs to the acting tenant, whatever the row said */
	value = PointerGetDatum(wfauth_acl_build(kind->id, creator, tenant->id, n, &entry));
	return PointerGetDatum(heap_modify_tuple_by_cols(trig->tg_trigtuple,
													 RelationGetDescr(trig->tg_relation),
													 1, &attno, &value, &isnull));
}

/*
 * Record an ACL change, with wfauth._audit_acl_change (SECURITY DEFINER,
 * not executable by PUBLIC: this trigger calls it for the client).  The
 * trigger has checked that its table is protected (acl_attno()), so only a
 * protected table's changes reach the audit log.
 */
static void
audit_acl_change(Relation rel, struct varlena *oldacl, struct varlena *newacl)
{
	Oid			argtypes[3] = {OIDOID, TEXTOID, TEXTOID};
	NullableDatum args[3];

	args[0].value = ObjectIdGetDatum(RelationGetRelid(rel));
	args[0].isnull = false;
	args[1].value = oldacl ?
		CStringGetTextDatum(DatumGetCString(DirectFunctionCall1(wfauth_acl_out, PointerGetDatum(oldacl)))) :
		(Datum) 0;
	args[1].isnull = (oldacl == NULL);
	args[2].value = CStringGetTextDatum(DatumGetCString(DirectFunctionCall1(wfauth_acl_out,
																			PointerGetDatum(newacl))));
	args[2].isnull = false;
	wfauth_call_definer("_audit_acl_change", 3, argtypes, args);
}

/* An access list names principals of its object's tenant only. */
void
wfauth_check_acl_principal(int64 id, int64 tenant)
{
	int64		principal_tenant;

	if (wfauth_principal_kind(id, &principal_tenant) == 0 || principal_tenant != tenant)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("principal " INT64_FORMAT " does not exist", id),
				 errdetail("An access list names principals of its object's tenant only.")));
}

/*
 * An object stays in its tenant (one whose ACL was null belongs to the
 * acting tenant), and every principal its ACL gains is of that tenant.
 */
static void
check_tenant(struct varlena *oldacl, const WfauthAclHeader *oldhdr,
			 struct varlena *newacl, const WfauthAclHeader *newhdr)
{
	int64		tenant = oldacl ? wfauth_acl_tenant(oldacl, oldhdr) : wfauth_current_tenant();
	int			i,
				j = 0;

	if (wfauth_acl_tenant(newacl, newhdr) != tenant)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("an object cannot move to another tenant")));
	for (i = 0; i < newhdr->nentries; i++)
	{
		int64		id = WfauthAclEntryPrincipal(wfauth_acl_entry(newacl, i));

		/* both lists are sorted: is id among the old entries? */
		while (oldacl && j < oldhdr->nentries &&
			   WfauthAclEntryPrincipal(wfauth_acl_entry(oldacl, j)) < id)
			j++;
		if (oldacl && j < oldhdr->nentries &&
			WfauthAclEntryPrincipal(wfauth_acl_entry(oldacl, j)) == id)
			continue;
		wfauth_check_acl_principal(id, tenant);
	}
}

/* Trigger function: wfauth._acl_on_update() */
PG_FUNCTION_INFO_V1(wfauth_acl_on_update);
Datum
wfauth_acl_on_update(PG_FUNCTION_ARGS)
{
	TriggerData *trig = row_trigger(fcinfo, "wfauth._acl_on_update", TRIGGER_EVENT_UPDATE);
	TupleDesc	desc = RelationGetDescr(trig->tg_relation);
	int			attno = acl_attno(trig->tg_relation);
	bool		oldnull,
				newnull;
	Datum		olddatum = heap_getattr(trig->tg_trigtuple, attno, desc, &oldnull);
	Datum		newdatum = heap_getattr(trig->tg_newtuple, attno, desc, &newnull);
	struct varlena *oldacl = NULL,
			   *newacl;
	WfauthAclHeader oldhdr,
				newhdr;
	int64		principal;

	if (newnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("the access list of a protected object cannot be null")));
	newacl = PG_DETOAST_DATUM_PACKED(newdatum);
	if (!oldnull)
	{
		oldacl = PG_DETOAST_DATUM_PACKED(olddatum);
		if (VARSIZE_ANY_EXHDR(oldacl) == VARSIZE_ANY_EXHDR(newacl) &&
			memcmp(VARDATA_ANY(oldacl), VARDATA_ANY(newacl), VARSIZE_ANY_EXHDR(oldacl)) == 0)
		{
			note_moving_row(trig->tg_relation, trig->tg_trigtuple, trig->tg_newtuple, newacl);
			return PointerGetDatum(trig->tg_newtuple);	/* unchanged */
		}
		wfauth_acl_header(oldacl, &oldhdr);
	}
	wfauth_acl_header(newacl, &newhdr);

	/* who may change it: modify access to the object as it was */
	principal = wfauth_current_principal_id();
	if (principal == 0 ? !wfauth_actor_is_dba() :
		(oldnull || !wfauth_decide(wfauth_context(principal), oldacl, true)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to change the access list of this object"),
				 errdetail("Changing an access list needs modify access to the object, or Super Admin.")));
	if (!oldnull && (newhdr.kind != oldhdr.kind || newhdr.creator != oldhdr.creator))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the kind and creator of an object cannot change")));
	check_tenant(oldnull ? NULL : oldacl, oldnull ? NULL : &oldhdr, newacl, &newhdr);
	if (newhdr.nentries == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an access list cannot be left with no entry"),
				 errdetail("That would orphan the object: only Super Admins could reach it."),
				 errhint("Grant access to someone else before revoking the last entry.")));
	if (newhdr.flags & WFAUTH_ACL_DATED)
	{
		bool		lasting = false;
		int			i;

		/* one entry that counts now and does not end */
		for (i = 0; i < newhdr.nentries && !lasting; i++)
			lasting = wfauth_acl_validity(newacl, &newhdr, i).valid_until == DT_NOEND &&
				wfauth_acl_entry_counts(newacl, &newhdr, i, wfauth_decision_time());
		if (!lasting)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("an access list needs an entry that counts now and does not end"),
					 errdetail("Until an entry starts, and once every entry has ended, only Super Admins could reach the object."),
					 errhint("Keep an entry without valid_from or valid_until, such as the owner's.")));
	}
	/*
	 * Nor may it lose its own way in, now or when a dated entry ends (a
	 * lasting entry must name it or a group of it): PostgreSQL checks an
	 * UPDATE's new row against the SELECT policy whenever the statement
	 * reads the row, with its generic refusal; the rule holds for every
	 * statement, and says why.
	 */
	if (principal != 0 &&
		(!wfauth_decide(wfauth_context(principal), newacl, false) ||
		 ((newhdr.flags & WFAUTH_ACL_DATED) && !wfauth_super_admin_rights(wfauth_context(principal)) &&
		  !wfauth_acl_lasting_for(wfauth_context(principal), newacl))))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: the change would leave the acting principal without access to the object"),
				 errdetail("A principal cannot give an object away and lose it in the same change, now or when an entry ends."),
				 errhint("Keep an entry of your own, or let someone who keeps access (or a Super Admin) make the change.")));

	audit_acl_change(trig->tg_relation, oldacl, newacl);
	note_moving_row(trig->tg_relation, trig->tg_trigtuple, trig->tg_newtuple, newacl);
	return PointerGetDatum(trig->tg_newtuple);
}
