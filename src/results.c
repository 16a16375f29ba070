/*
 * results.c — the intermediate results of a distributed transaction in
 * which a principal acts: on each node, only its backends that act for
 * the principal touch them.
 *
 * Citus keeps a subplan's result in a file under base/pgsql_job_cache,
 * in a directory named by the current role and the distributed
 * transaction's id, and any backend of that role whose transaction has
 * that id reads it (read_intermediate_result(), COPY ... WITH (format
 * result)).  Any role may give its transaction any id
 * (assign_distributed_transaction_id()): a connection of the application's
 * role, nobody acting, read the results of one where a principal acted
 * (attack pass 33).  So each node notes in shared memory which of its
 * backends act for a principal, or a DBA, in which distributed transaction
 * and as which roles -- the one that started it (cluster.c's signer) and
 * those that took its signed assertion, as the session's role and each
 * role a statement of theirs runs as -- and, while any does, refuses its
 * results to every other backend of that transaction and role.  The claim
 * and the refusal are one decision under one lock: a backend that is
 * touching a transaction's results as a role when a backend would claim
 * that role makes that one fail (the principal's transaction fails;
 * nothing of it is read).  The first backend to claim a transaction's role
 * removes the directory it already had: written by whoever took the id
 * first, which Citus would leave behind, with the principal's results in
 * it, when the transaction ended.  A claim ends with its transaction,
 * after Citus has removed the directories it made; a crash leaves them
 * behind, and they are removed when the server makes shared memory anew.
 *
 * Where wfauth is not preloaded there is no shared memory and nothing is
 * refused here (docs/citus.md).
 */
#include "postgres.h"

#include <sys/stat.h>

#include "access/parallel.h"
#include "access/twophase.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/resowner.h"

#include "wfauth.h"

#define JOB_CACHE "base/pgsql_job_cache"	/* Citus's PG_JOB_CACHE_DIR */

#define CLAIM_ROLES 8

/*
 * One for each PGPROC: what its backend does with which transaction's
 * results, under which roles (Citus names a result's directory by the
 * current user's: a session of another role never reaches them).
 */
typedef struct ResultsClaim
{
	int32		initiator;
	uint64		number;			/* 0: no claim */
	bool		acting;			/* acts for a principal in it ... */
	int			nroles;
	Oid			roles[CLAIM_ROLES];	/* ... as these roles */
	bool		touching;		/* touches its results, not acting ... */
	Oid			touch_role;		/* ... as this role */
} ResultsClaim;

typedef struct ResultsClaims
{
	LWLock	   *lock;
	int			size;
	ResultsClaim claim[FLEXIBLE_ARRAY_MEMBER];
} ResultsClaims;

static ResultsClaims *claims = NULL;
static LocalTransactionId acted_lxid = InvalidLocalTransactionId;	/* (also without shared memory) */
static int	touch_depth = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static int
claims_size(void)
{
	return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts;
}

static Size
claims_bytes(void)
{
	return add_size(offsetof(ResultsClaims, claim), mul_size(claims_size(), sizeof(ResultsClaim)));
}

static void
results_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(claims_bytes());
	RequestNamedLWLockTranche("wfauth results", 1);
}

/*
 * Made at start-up and again after a crash, in the postmaster, when no
 * backend runs: the results the crash left behind go (Citus removes them
 * when the server starts, not after a crash).
 */
static void
results_shmem_startup(void)
{
	bool		found;
	struct stat st;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	claims = ShmemInitStruct("wfauth results", claims_bytes(), &found);
	if (!found)
	{
		memset(claims, 0, claims_bytes());
		claims->lock = &(GetNamedLWLockTranche("wfauth results"))->lock;
		claims->size = claims_size();
	}
	LWLockRelease(AddinShmemInitLock);
	if (!IsUnderPostmaster && stat(JOB_CACHE, &st) == 0)
		(void) rmtree(JOB_CACHE, false);
}

/*
 * Remove the result directory of one distributed transaction and role.
 * The caller holds the lock exclusively, and no other backend acts in that
 * transaction as that role.
 */
static void
remove_results(int32 initiator, uint64 number, Oid role)
{
	char	   *path = psprintf(JOB_CACHE "/%u_%d_" UINT64_FORMAT, role, initiator, number);
	struct stat st;

	if (stat(path, &st) == 0 && !rmtree(path, true))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not remove intermediate results directory \"%s\"", path)));
	pfree(path);
}

static ResultsClaim *
my_claim(void)
{
	return &claims->claim[MyProc->pgprocno];
}

static bool
claims_role(const ResultsClaim *c, Oid role)
{
	for (int i = 0; i < c->nroles; i++)
		if (c->roles[i] == role)
			return true;
	return false;
}

/*
 * Does another backend than these two act in the transaction as role (or,
 * with touching, touch its results as role)?
 */
static bool
claimed_by_another(int32 initiator, uint64 number, Oid role, const ResultsClaim *mine,
				   const ResultsClaim *leader, bool touching)
{
	for (int i = 0; i < claims->size; i++)
	{
		ResultsClaim *c = &claims->claim[i];

		if (c != mine && c != leader && c->number == number && c->initiator == initiator &&
			(touching ? c->touching && c->touch_role == role : c->acting && claims_role(c, role)))
			return true;
	}
	return false;
}

/*
 * Claim the transaction's results under role for this backend, which acts
 * in it: refused while another backend touches them as that role; the
 * first to claim them removes what was there.
 */
static void
claim_role(ResultsClaim *mine, int32 initiator, uint64 number, Oid role)
{
	if (mine->nroles == CLAIM_ROLES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a distributed transaction where a principal acts runs as %d roles at most", CLAIM_ROLES)));
	LWLockAcquire(claims->lock, LW_EXCLUSIVE);
	if (claimed_by_another(initiator, number, role, mine, NULL, true))
	{
		LWLockRelease(claims->lock);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("another session is reading the intermediate results of this distributed transaction"),
				 errdetail("A connection that is not this transaction's took its id, as role %s.",
						   GetUserNameFromId(role, true)),
				 errhint("Retry the transaction: it gets a new id.")));
	}
	if (!claimed_by_another(initiator, number, role, mine, NULL, false))
		remove_results(initiator, number, role);
	mine->initiator = initiator;
	mine->number = number;
	mine->acting = true;
	mine->roles[mine->nroles++] = role;
	LWLockRelease(claims->lock);
}

/*
 * This backend acts for a principal (or a DBA) in its distributed
 * transaction: from now on, the transaction's results on this node are
 * its own and its fellows' only -- under the session's role, and each
 * role a statement runs as later (wfauth_results_statement()).
 */
void
wfauth_results_acting(void)
{
	int32		initiator;
	uint64		number;
	bool		originator;
	ResultsClaim *mine;

	if (!wfauth_citus_transaction(&initiator, &number, &originator))
		return;
	acted_lxid = MyProc->lxid;
	if (claims == NULL || IsParallelWorker())
		return;
	mine = my_claim();
	if (!(mine->acting && mine->number == number && mine->initiator == initiator &&
		  claims_role(mine, GetOuterUserId())))
		claim_role(mine, initiator, number, GetOuterUserId());
}

/*
 * At each statement's start: where a principal acted in the transaction,
 * the role it runs as (SET ROLE's, a SECURITY DEFINER function's), under
 * which Citus writes its results, is claimed too.
 */
void
wfauth_results_statement(void)
{
	ResultsClaim *mine;

	if (likely(acted_lxid != MyProc->lxid) || claims == NULL || IsParallelWorker())
		return;
	mine = my_claim();
	if (mine->acting && !claims_role(mine, GetUserId()))
		claim_role(mine, mine->initiator, mine->number, GetUserId());
}

/* Has a principal (or a DBA) acted in this transaction, in this backend? */
bool
wfauth_results_acted_here(void)
{
	return acted_lxid == MyProc->lxid;
}

/*
 * Citus is about to touch its distributed transaction's results (read,
 * write, send or fetch them): refused where the transaction is another's
 * in which a principal acts.  Each call is paired with
 * wfauth_results_done(), also on error.
 */
void
wfauth_results_touch(void)
{
	int32		initiator;
	uint64		number;
	bool		originator;
	ResultsClaim *mine;
	PGPROC	   *leader = MyProc->lockGroupLeader ? MyProc->lockGroupLeader : MyProc;
	ResultsClaim *leaders;

	/* (a node's first statement may be Citus's COPY of a result: take who acts first) */
	wfauth_cluster_take_assertion();
	touch_depth++;
	/* (none: a file of this backend's own; the originator's own transaction) */
	if (claims == NULL || !wfauth_citus_transaction(&initiator, &number, &originator) || originator)
		return;
	mine = my_claim();
	leaders = &claims->claim[leader->pgprocno];
	if (leaders->acting && leaders->number == number && leaders->initiator == initiator)
		return;
	LWLockAcquire(claims->lock, LW_EXCLUSIVE);
	if (claimed_by_another(initiator, number, GetUserId(), mine, leaders, false))
	{
		LWLockRelease(claims->lock);
		touch_depth--;			/* (no done() follows an error here) */
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for intermediate results of a distributed transaction where a principal acts"),
				 errdetail("This connection does not act for the principal in that transaction."),
				 errhint("Citus's repartitioning (repartition joins, a repartitioned INSERT ... SELECT or MERGE) fetches "
						 "results over connections that carry no principal: avoid it where a principal acts.")));
	}
	mine->initiator = initiator;
	mine->number = number;
	mine->touching = true;
	mine->touch_role = GetUserId();
	LWLockRelease(claims->lock);
}

static void
drop_touching(void)
{
	ResultsClaim *mine = my_claim();

	if (!mine->touching)
		return;
	LWLockAcquire(claims->lock, LW_EXCLUSIVE);
	mine->touching = false;
	if (!mine->acting)
		mine->number = 0;
	LWLockRelease(claims->lock);
}

void
wfauth_results_done(void)
{
	if (touch_depth > 0 && --touch_depth == 0 && claims != NULL)
		drop_touching();
}

/*
 * At the end of the top-level transaction, after Citus's own end of
 * transaction work (its callbacks remove the directories it made, and run
 * before the resource owners are released): the claim ends.
 */
static void
release_claim(ResourceReleasePhase phase, bool isCommit, bool isTopLevel, void *arg)
{
	ResultsClaim *mine;

	if (phase != RESOURCE_RELEASE_AFTER_LOCKS || !isTopLevel)
		return;
	touch_depth = 0;
	if (claims == NULL || MyProc == NULL)
		return;
	mine = my_claim();
	if (mine->number == 0 && !mine->acting && !mine->touching)
		return;
	LWLockAcquire(claims->lock, LW_EXCLUSIVE);
	memset(mine, 0, sizeof(*mine));
	LWLockRelease(claims->lock);
}

void
WfauthResultsInit(void)
{
	RegisterResourceReleaseCallback(release_claim, NULL);
	if (!process_shared_preload_libraries_in_progress || !wfauth_citus_preloaded())
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = results_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = results_shmem_startup;
}
