/*
 * wfauth.c — module entry point: wires the subsystems together.
 *
 * What lives where:
 *   privileges.c who runs as whom: user, security context, settings; the DBA test
 *   principal.c  who is acting (the transaction's principal)
 *   context.c    cached context of a principal; permission checks
 *   catalog.c    direct reads of wfauth's tables for the hot paths
 *   accounts.c   identifier rules (e-mails, service accounts, groups); NFKC, confusables
 *   triggers.c   model invariants enforced on every write
 *   passwords.c  argon2id password hashing
 *   tokens.c     API, session and activation tokens; authentication failures
 *   credentials.c  authenticate_token/_session; fresh reads for login, activation
 *   logins.c     durable counting of failed logins
 *   stats.c      counters for wfauth.stats (shared when preloaded)
 *   acl.c        the wfauth.acl type
 *   access.c     the access decision: can_access
 *   listing.c    the listing index: GIN operator class, planner support, statistics
 *   protect.c    row triggers on protected tables
 *   owner.c      work on application tables as their owner; ACL heap scans
 *   protected_state.c  what a protected table looks like; how each differs
 *   domains.c    what a domain of a role other than a superuser may call
 *   lockdown.c   protected tables stay so: the state before and after each command
 *   lock_order.c a command naming wfauth's relations is checked before it locks them
 *   cluster.c    the principal signed for the other nodes of a Citus cluster
 *   replay.c     signatures taken there, refused once their transaction ended
 *   results.c    a distributed transaction's intermediate results, its principal's
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "wfauth.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	WfauthCatalogInit();
	WfauthPrivilegesInit();
	WfauthPrincipalInit();
	WfauthContextInit();
	WfauthPasswordsInit();
	WfauthTokensInit();
	WfauthDomainsInit();
	WfauthLockdownInit();
	WfauthStatsInit();
	WfauthClusterInit();
	WfauthReplayInit();
	WfauthResultsInit();
	WfauthTriggersInit();
	MarkGUCPrefixReserved("wfauth");
}
