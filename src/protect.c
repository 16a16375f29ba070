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
 * row leaves its partition and notes the list, with where the row was and
 * the executor frame the statement runs in (privileges.c).  PostgreSQL
 * runs the move's two halves in that frame, one right after the other;
 * whatever the owner's triggers run in between (a decoy insert into the
 * same table) runs in frames of its own.  So the first insert into a
 * partition of the same table in that frame, once PostgreSQL has deleted
 * the row as moved to another partition (its own mark, which nothing else
 * sets), is the row arriving: it gets the noted list, whatever it carries
 * and whatever the owner's BEFORE INSERT triggers changed on the way --
 * its partition key included.  A frame is numbered once, so a note that
 * no insert took (a row the owner's trigger swallowed) is never taken by
 * a later statement.
 */
typedef struct MovingRow
{
	LocalTransactionId lxid;
	uint64		frame;			/* the executor frame of the move */
	CommandId	cid;			/* the command id that frame deletes with */
	Oid			root;			/* the partitioned table the row moves within */
	Oid			source;			/* the partition it leaves */
	ItemPointerData tid;		/* its version there */
	struct varlena *acl;		/* its checked access list */
} MovingRow;

/*
 * One note per frame at most, in TopMemoryContext: a statement that code
 * run between a move's halves makes (a trigger's UPDATE of another row)
 * has a frame of its own and never touches the move's note.
 */
static List *moving_rows = NIL;

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
free_note(MovingRow *note)
{
	pfree(note->acl);
	pfree(note);
}

/*
 * Forget the note of the current frame, and those that cannot be taken any
 * more: of another transaction, or of a frame numbered after the current
 * one (nested in it, so ended).
 */
static void
forget_moving_row(void)
{
	uint64		frame = wfauth_executor_frame();
	ListCell   *lc;

	foreach(lc, moving_rows)
	{
		MovingRow  *note = lfirst(lc);

		if (note->lxid != MyProc->lxid || note->frame >= frame)
		{
			free_note(note);
			moving_rows = foreach_delete_current(moving_rows, lc);
		}
	}
}

static void
note_moving_row(Relation rel, HeapTuple oldtuple, HeapTuple newtuple, struct varlena *acl)
{
	MemoryContext old;
	MovingRow  *note;

	forget_moving_row();
	if (!rel->rd_rel->relispartition || !leaves_partition(rel, newtuple))
		return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	note = palloc(sizeof(MovingRow));
	note->acl = palloc(VARSIZE_ANY(acl));
	memcpy(note->acl, acl, VARSIZE_ANY(acl));
	note->lxid = MyProc->lxid;
	note->frame = wfauth_executor_frame();
	note->cid = wfauth_executor_frame_cid();
	note->root = partition_root(rel);
	note->source = RelationGetRelid(rel);
	note->tid = oldtuple->t_self;
	moving_rows = lappend(moving_rows, note);
	MemoryContextSwitchTo(old);
}

/*
 * Was the noted row deleted as moved to another partition by this very
 * statement (this transaction, the command id its frame writes with: not a
 * statement that code run in between made)?  (A table access method other
 * than heap: the frame alone.)
 */
static bool
noted_row_moved(const MovingRow *note)
{
	Relation	source = table_open(note->source, AccessShareLock);
	HeapTupleData tuple;
	Buffer		buffer = InvalidBuffer;
	bool		moved = source->rd_tableam != GetHeapamTableAmRoutine();

	tuple.t_self = note->tid;
	if (!moved && heap_fetch(source, SnapshotAny, &tuple, &buffer, true))
	{
		LockBuffer(buffer, BUFFER_LOCK_SHARE);
		moved = HeapTupleHeaderIndicatesMovedPartitions(tuple.t_data) &&
			TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetUpdateXid(tuple.t_data)) &&
			HeapTupleHeaderGetCmax(tuple.t_data) == note->cid;
		UnlockReleaseBuffer(buffer);
	}
	else if (BufferIsValid(buffer))
		ReleaseBuffer(buffer);
	table_close(source, AccessShareLock);
	return moved;
}

/*
 * If this insert into rel is the second half of the move noted in this
 * frame, the noted list (NULL otherwise); the note is taken then.
 */
static struct varlena *
moved_acl(Relation rel)
{
	uint64		frame = wfauth_executor_frame();
	ListCell   *lc;

	foreach(lc, moving_rows)
	{
		MovingRow  *note = lfirst(lc);
		struct varlena *acl;

		if (note->lxid != MyProc->lxid || note->frame != frame)
			continue;
		if (note->root != partition_root(rel) || !noted_row_moved(note))
			return NULL;
		acl = palloc(VARSIZE_ANY(note->acl));
		memcpy(acl, note->acl, VARSIZE_ANY(note->acl));
		free_note(note);
		moving_rows = foreach_delete_current(moving_rows, lc);
		return acl;
	}
	return NULL;
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
	if (trig->tg_relation->rd_rel->relispartition && moving_rows != NIL &&
		(moved = moved_acl(trig->tg_relation)) != NULL)
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

	Oid			table = wfauth_citus_table_of_shard(RelationGetRelid(rel));

	/* a Citus shard's change is its table's */
	args[0].value = ObjectIdGetDatum(OidIsValid(table) ? table : RelationGetRelid(rel));
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

/*
 * Is entry i of acl no wider than old's entry for the same principal (a
 * mode no wider, a validity inside the old one)?  Narrowing an entry is a
 * partial revoke.
 */
static bool
entry_within_old(struct varlena *acl, const WfauthAclHeader *hdr, int i,
				 struct varlena *old, const WfauthAclHeader *oldhdr)
{
	int64		entry = wfauth_acl_entry(acl, i);
	int64		id = WfauthAclEntryPrincipal(entry);
	int			lo = 0,
				hi = oldhdr->nentries - 1;

	/* entries are sorted by principal, one each */
	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int64		other = wfauth_acl_entry(old, mid);

		if (WfauthAclEntryPrincipal(other) == id)
		{
			WfauthAclValidity a = wfauth_acl_validity(acl, hdr, i);
			WfauthAclValidity b = wfauth_acl_validity(old, oldhdr, mid);

			return (!WfauthAclEntryModify(entry) || WfauthAclEntryModify(other)) &&
				a.valid_from >= b.valid_from && a.valid_until <= b.valid_until;
		}
		if (WfauthAclEntryPrincipal(other) < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/*
 * What a principal's change of an access list may do with its own access
 * (a Super Admin's aside):
 *   - it keeps access now: PostgreSQL checks an UPDATE's new row against
 *     the SELECT policy whenever the statement reads the row, with its
 *     generic refusal; the rule holds for every statement, and says why;
 *   - whose way in never ends keeps one that never ends: an entry that runs
 *     out, or a group membership that does, would lock it out later;
 *   - whose modify access ends (a dated entry, a membership that ends, the
 *     kind's permission held for a while) grants nothing that outlasts
 *     it: every entry it adds or widens, its own included, ends by then.
 *     Revoking or narrowing an entry is always allowed.
 */
static void
check_actor_reach(const WfauthContext *ctx, struct varlena *oldacl, const WfauthAclHeader *oldhdr,
				  struct varlena *newacl, const WfauthAclHeader *newhdr)
{
	TimestampTz modify_until;
	int			i;

	if (!wfauth_decide(ctx, newacl, false))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: the change would leave the acting principal without access to the object"),
				 errdetail("A principal cannot give an object away and lose it in the same change."),
				 errhint("Keep an entry of your own, or let someone who keeps access (or a Super Admin) make the change.")));
	if (wfauth_super_admin_rights(ctx))
		return;
	modify_until = wfauth_acl_access_until(ctx, oldacl, true);
	if (modify_until == DT_NOEND)
	{
		if (wfauth_acl_access_until(ctx, newacl, false) != DT_NOEND)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied: the change would leave the acting principal without access to the object once an entry or membership ends"),
					 errdetail("The acting principal's access does not end now; after the change, every way in it keeps would."),
					 errhint("Keep an entry without valid_until naming you, or a group you belong to for good.")));
		return;
	}
	for (i = 0; i < newhdr->nentries; i++)
		if (wfauth_acl_validity(newacl, newhdr, i).valid_until > modify_until &&
			!entry_within_old(newacl, newhdr, i, oldacl, oldhdr))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied: an entry would outlast the acting principal's own access"),
					 errdetail("The acting principal's modify access to the object ends at %s; an entry it adds or widens must end by then.",
							   timestamptz_to_str(modify_until)),
					 errhint("Give the entry a valid_until no later than that, or let someone whose access does not end make the change.")));
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
	if (principal != 0)
		check_actor_reach(wfauth_context(principal), oldacl, &oldhdr, newacl, &newhdr);

	audit_acl_change(trig->tg_relation, oldacl, newacl);
	note_moving_row(trig->tg_relation, trig->tg_trigtuple, trig->tg_newtuple, newacl);
	return PointerGetDatum(trig->tg_newtuple);
}
