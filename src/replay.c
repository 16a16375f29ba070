/*
 * replay.c — the signatures a Citus node has taken, refused once the
 * transaction that took them has ended.
 *
 * A signed principal or registration (cluster.c) names its distributed
 * transaction by Citus's id, which any role may take on again in a later
 * transaction (assign_distributed_transaction_id is Citus's, executable by
 * PUBLIC).  So each node remembers every signature its backends took, from
 * the moment the transaction that took it ends -- commits, aborts or is
 * prepared -- and refuses it after.  While the transaction lasts, its other
 * connections to this node take the same signature: it cannot be refused
 * before.
 *
 * The memory is wfauth.cluster_replay_memory signatures in shared memory,
 * where wfauth is preloaded with Citus; elsewhere each backend's own, which
 * catches a replay on the same connection only.  When it is full, the
 * oldest signature is forgotten, and from then on every transaction that
 * started no later than the one that took it is refused: the horizon, which
 * starts when the node does (what was taken before is forgotten).  So the
 * memory fails closed -- a long transaction may find a node refusing its
 * principal -- never open.
 */
#include "postgres.h"

#include <sodium.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "wfauth.h"

#define MAC_BYTES crypto_auth_hmacsha256_BYTES
#define BACKEND_MEMORY 1024		/* signatures, when not in shared memory */
#define PENDING_MAX 8

typedef struct SpentKey
{
	uint8		mac[MAC_BYTES];
} SpentKey;

typedef struct Spent
{
	SpentKey	key;
	TimestampTz started;		/* when its distributed transaction started */
} Spent;

typedef struct ReplayMemory
{
	LWLock	   *lock;			/* NULL: this backend's own */
	TimestampTz horizon;		/* transactions started no later: refused */
	int			size;
	int			used;
	int			next;			/* the ring's oldest entry, once full */
	Spent		ring[FLEXIBLE_ARRAY_MEMBER];
} ReplayMemory;

static int	replay_memory_size = 32768;
static ReplayMemory *memory = NULL;
static HTAB *index_by_mac = NULL;

/* taken in this transaction: remembered when it ends */
static Spent pending[PENDING_MAX];
static int	npending = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static Size
memory_bytes(int size)
{
	return add_size(offsetof(ReplayMemory, ring), mul_size(size, sizeof(Spent)));
}

static void
replay_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(add_size(memory_bytes(replay_memory_size),
									hash_estimate_size(replay_memory_size, sizeof(SpentKey))));
	RequestNamedLWLockTranche("wfauth replay", 1);
}

static void
replay_shmem_startup(void)
{
	HASHCTL		ctl;
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	memory = ShmemInitStruct("wfauth replay", memory_bytes(replay_memory_size), &found);
	if (!found)
	{
		memory->lock = &(GetNamedLWLockTranche("wfauth replay"))->lock;
		memory->horizon = GetCurrentTimestamp();
		memory->size = replay_memory_size;
		memory->used = 0;
		memory->next = 0;
	}
	ctl.keysize = sizeof(SpentKey);
	ctl.entrysize = sizeof(SpentKey);
	index_by_mac = ShmemInitHash("wfauth replay index", replay_memory_size, replay_memory_size,
								 &ctl, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

/* the memory, made on first use in a backend that has no shared one */
static void
ensure_memory(void)
{
	HASHCTL		ctl;

	if (memory != NULL)
		return;
	memory = MemoryContextAllocZero(TopMemoryContext, memory_bytes(BACKEND_MEMORY));
	memory->size = BACKEND_MEMORY;
	memory->horizon = DT_NOBEGIN;	/* (this backend's connection may come late in a transaction) */
	ctl.keysize = sizeof(SpentKey);
	ctl.entrysize = sizeof(SpentKey);
	ctl.hcxt = TopMemoryContext;
	index_by_mac = hash_create("wfauth replay index", BACKEND_MEMORY, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Remember one signature, forgetting the oldest when full. */
static void
remember(const Spent *spent)
{
	bool		found;

	if (memory->lock)
		LWLockAcquire(memory->lock, LW_EXCLUSIVE);
	hash_search(index_by_mac, &spent->key, HASH_FIND, &found);
	if (!found)
	{
		if (memory->used == memory->size)
		{
			Spent	   *oldest = &memory->ring[memory->next];

			hash_search(index_by_mac, &oldest->key, HASH_REMOVE, NULL);
			memory->horizon = Max(memory->horizon, oldest->started);
		}
		else
			memory->used++;
		memory->ring[memory->next] = *spent;
		memory->next = (memory->next + 1) % memory->size;
		hash_search(index_by_mac, &spent->key, HASH_ENTER_NULL, NULL);
	}
	if (memory->lock)
		LWLockRelease(memory->lock);
}

static void
remember_at_end(XactEvent event, void *arg)
{
	int			i;

	if (npending == 0 ||
		(event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PREPARE &&
		 event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT))
		return;
	for (i = 0; i < npending; i++)
		remember(&pending[i]);
	npending = 0;
}

/* Did this transaction take key already? */
static bool
pending_here(const SpentKey *key)
{
	int			i;

	for (i = 0; i < npending; i++)
		if (memcmp(&pending[i].key, key, sizeof(*key)) == 0)
			return true;
	return false;
}

static bool
parse_mac(const char *hex, SpentKey *key)
{
	memset(key, 0, sizeof(*key));
	return strlen(hex) == 2 * MAC_BYTES &&
		sodium_hex2bin(key->mac, MAC_BYTES, hex, strlen(hex), NULL, NULL, NULL) == 0;
}

/*
 * Is this signature (a mac in hex, verified) spent here: taken in a
 * transaction that has ended, or too old to tell?  A transaction that
 * took it and still runs may take it again -- unless another transaction
 * that took it has ended: a replay begun while the genuine one ran ends
 * with it (attack pass 30).
 */
bool
wfauth_signature_spent(const char *mac_hex, TimestampTz started)
{
	SpentKey	key;
	bool		spent;

	if (!parse_mac(mac_hex, &key))
		return true;
	ensure_memory();
	if (memory->lock)
		LWLockAcquire(memory->lock, LW_SHARED);
	hash_search(index_by_mac, &key, HASH_FIND, &spent);
	if (!spent && !pending_here(&key))
		spent = started <= memory->horizon;
	if (memory->lock)
		LWLockRelease(memory->lock);
	return spent;
}

/*
 * This transaction takes the signature: remembered as spent when it ends.
 * (Past a few in one transaction, the oldest is remembered at once: it was
 * replaced, and Citus's later connections take the value in force.)
 */
void
wfauth_signature_taken(const char *mac_hex, TimestampTz started)
{
	Spent		spent;

	if (!parse_mac(mac_hex, &spent.key))
		return;
	spent.started = started;
	if (pending_here(&spent.key))
		return;
	ensure_memory();
	if (npending == PENDING_MAX)
	{
		remember(&pending[0]);
		memmove(&pending[0], &pending[1], (PENDING_MAX - 1) * sizeof(Spent));
		npending--;
	}
	pending[npending++] = spent;
}

void
WfauthReplayInit(void)
{
	RegisterXactCallback(remember_at_end, NULL);
	if (!process_shared_preload_libraries_in_progress)
		return;					/* (a server-start setting: defined only then) */
	DefineCustomIntVariable("wfauth.cluster_replay_memory",
							"How many signatures from other nodes a Citus node remembers, to refuse them once their transaction has ended.",
							"Shared memory, when wfauth and citus are preloaded. When it is full, transactions older than the signature forgotten are refused.",
							&replay_memory_size, 32768, 1024, 16 * 1024 * 1024, PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	if (wfauth_citus_preloaded())
	{
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = replay_shmem_request;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = replay_shmem_startup;
	}
}
