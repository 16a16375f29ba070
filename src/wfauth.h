/*
 * wfauth.h — declarations shared by wfauth's C files.
 *
 * Each subsystem exposes one Init function, called from _PG_init, and the few
 * entry points the others need.  Column numbers of wfauth's own tables live
 * here too, next to the name each must have (catalog.c checks them).
 */
#ifndef WFAUTH_H
#define WFAUTH_H

#include "postgres.h"
#include "access/htup.h"
#include "access/xact.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "nodes/pg_list.h"
#include "datatype/timestamp.h"

/* The built-in group Everyone; ids below this bound are reserved. */
#define WFAUTH_EVERYONE_ID		INT64CONST(1)
#define WFAUTH_FIRST_FREE_ID	INT64CONST(100)
/* The built-in tenant "default": every principal and object of a 1.x database */
#define WFAUTH_DEFAULT_TENANT	INT64CONST(1)
/* wfauth.policy_principal() of a DBA with no principal */
#define WFAUTH_DBA_PRINCIPAL	INT64CONST(-1)

/* --- principal.c: who is acting in this transaction ---------------------- */
extern void WfauthPrincipalInit(void);
extern int64 wfauth_current_principal_id(void);	/* 0 when none */
extern void wfauth_set_principal_id(int64 id, int64 session);
extern int64 wfauth_current_tenant(void);	/* the acting tenant, never 0 */
extern void wfauth_set_acting(int64 principal, int64 session, int64 tenant);
extern void wfauth_enter_super_admin_mode(void);
extern bool wfauth_in_super_admin_mode(int64 principal);
extern void wfauth_lock_tenant(int64 tenant, int mode);	/* a LOCKMODE */
extern bool wfauth_actor_is_dba(void);
extern bool wfauth_role_is_dba(Oid role);
extern bool wfauth_dba_acting(void);
extern void wfauth_require_dba_to(const char *what);

/* --- catalog.c: direct reads of wfauth's tables (no SPI) ----------------- */
typedef enum WfauthTable
{
	WFAUTH_PRINCIPALS,
	WFAUTH_GROUP_MEMBERS,
	WFAUTH_PERMISSION_GRANTS,
	WFAUTH_ROLE_GRANTS,
	WFAUTH_ROLE_PERMISSIONS,
	WFAUTH_KINDS,
	WFAUTH_SETTINGS,
	WFAUTH_PERMISSIONS,
	WFAUTH_PROTECTED_TABLES,
	WFAUTH_TOKENS,
	WFAUTH_SESSIONS,
	WFAUTH_PASSWORDS,
	WFAUTH_ACTIVATIONS,
	WFAUTH_TENANTS,
	WFAUTH_TENANT_SETTINGS,
	WFAUTH_TABLE_COUNT
} WfauthTable;

/* principals */
#define Anum_principals_id			1
#define Anum_principals_kind		2
#define Anum_principals_name		3
#define Anum_principals_active		6
#define Anum_principals_super_admin	7
#define Anum_principals_tenant_id	10	/* 1.2 onwards: see wfauth_principal_tenant() */
/* group_members(group_id, member_id): index on member_id */
#define Anum_group_members_group_id		1
#define Anum_group_members_member_id	2
/* group_members, role_grants and permission_grants: valid_until, from 1.3 */
#define Anum_grants_valid_until			4
/* permission_grants(principal_id, permission) */
#define Anum_permission_grants_principal_id	1
#define Anum_permission_grants_permission	2
/* role_grants(principal_id, role_id) */
#define Anum_role_grants_principal_id	1
#define Anum_role_grants_role_id		2
/* role_permissions(role_id, permission) */
#define Anum_role_permissions_role_id		1
#define Anum_role_permissions_permission	2
/* kinds(id smallint, name, permission) */
#define Anum_kinds_id			1
#define Anum_kinds_name			2
#define Anum_kinds_permission	3
/* settings(singleton, new_object_access): 1.0 and 1.1; tenant_settings from 1.2 */
#define Anum_settings_new_object_access	2
/* tenant_catalog(id, name, name_key, everyone_id) */
#define Anum_tenants_id					1
#define Anum_tenants_everyone_id		4
/* tenant_settings(tenant_id, new_object_access, token_max_lifetime,
 * token_idle_timeout, super_admin_mode_required): the last three from 1.3 */
#define Anum_tenant_settings_tenant_id			1
#define Anum_tenant_settings_new_object_access	2
#define Anum_tenant_settings_token_max_lifetime	3
#define Anum_tenant_settings_token_idle_timeout	4
#define Anum_tenant_settings_super_admin_mode	5
/* tokens: looked up by digest */
#define Anum_tokens_id				1
#define Anum_tokens_account_id		2
#define Anum_tokens_digest			4
#define Anum_tokens_created_at		6
#define Anum_tokens_last_used_at	8
#define Anum_tokens_expires_at		9
#define Anum_tokens_revoked_at		10
/* sessions: looked up by digest */
#define Anum_sessions_id			1
#define Anum_sessions_account_id	2
#define Anum_sessions_digest		3
#define Anum_sessions_last_seen_at	5
#define Anum_sessions_expires_at	6
#define Anum_sessions_ended_at		7
/* passwords: looked up by account_id */
#define Anum_passwords_account_id		1
#define Anum_passwords_hash				2
#define Anum_passwords_failed_attempts	4
#define Anum_passwords_last_failed_at	5
/* activations: looked up by digest */
#define Anum_activations_id			1
#define Anum_activations_account_id	2
#define Anum_activations_digest		3
#define Anum_activations_expires_at	5
#define Anum_activations_used_at	6
/* protected_tables(tbl regclass, kind smallint) */
#define Anum_protected_tables_tbl	1
#define Anum_protected_tables_kind	2

typedef void (*WfauthRowCallback) (HeapTuple tuple, TupleDesc desc, void *arg);

extern void WfauthCatalogInit(void);
extern Oid	wfauth_table_oid(WfauthTable table);
extern int	wfauth_scan_by_id(WfauthTable table, int64 key,
							  WfauthRowCallback callback, void *arg);
extern int	wfauth_scan_all(WfauthTable table, WfauthRowCallback callback, void *arg);
extern int	wfauth_scan_latest(WfauthTable table, Datum key,
							   WfauthRowCallback callback, void *arg);
extern char wfauth_principal_kind(int64 id, int64 *tenant);	/* 'u', 's', 'g' or 0 */
extern int64 wfauth_principal_tenant(HeapTuple principal, TupleDesc desc);
extern bool wfauth_table_exists(WfauthTable table);
extern int16 wfauth_protected_kind(Oid relid);	/* its kind id, 0: not protected */
extern Oid	wfauth_acl_type_oid(void);
extern Oid	wfauth_acl_opfamily_oid(void);	/* GIN wfauth.acl_ops */
extern Oid	wfauth_relation_owner(Oid relid);
extern char wfauth_kind_code(HeapTuple principal, TupleDesc desc);

/* --- context.c: cached context of a principal, and shared settings ------ */
/* A group or role held until a time (DT_NOEND: for good) */
typedef struct WfauthHeldUntil
{
	int64		id;
	TimestampTz until;
} WfauthHeldUntil;

typedef struct WfauthContext
{
	int64		id;
	bool		exists;
	bool		active;
	bool		super_admin;
	char		kind;			/* 'u' user, 's' service, 'g' group */
	int64		tenant;			/* the tenant it belongs to */
	int			nmatch;
	int64	   *match;			/* sorted: the principal itself and its groups
								 * (Everyone included for accounts) */
	int			nending;
	WfauthHeldUntil *ending;	/* sorted by group: memberships that end */
	int			npermissions;
	char	  **permissions;	/* sorted, distinct */
	TimestampTz *permission_until;	/* for each: when the last way it is held ends */
	int			nkinds;
	bool	   *kind_permitted; /* by kind id: holds that kind's permission (not as Super Admin) */
	TimestampTz *kind_until;	/* by kind id: until when it holds it (DT_NOEND: for good) */
	bool		super_admin_mode_required;	/* a Super Admin whose tenant requires the mode */
	TimestampTz valid_until;	/* the earliest end of a grant it counts (0: none) */
} WfauthContext;

typedef struct WfauthKind
{
	int16		id;
	char	   *name;
	char	   *permission;
} WfauthKind;

/* A tenant's Everyone, security preference and governance policies. */
typedef struct WfauthTenant
{
	int64		id;
	bool		exists;
	int64		everyone;		/* its built-in group Everyone */
	bool		creator_only;	/* new_object_access = 'creator' */
	bool		token_max_lifetime_set;	/* a token older than this fails */
	Interval	token_max_lifetime;
	bool		token_idle_timeout_set; /* a token unused for this long fails */
	Interval	token_idle_timeout;
	bool		super_admin_mode_required;
} WfauthTenant;

/* Kinds and the permission catalog, cached under the same invalidation as contexts. */
typedef struct WfauthShared
{
	int			nkinds;
	WfauthKind *kinds;
	int			npermissions;
	char	  **permissions;	/* sorted */
} WfauthShared;

extern void WfauthContextInit(void);
extern const WfauthContext *wfauth_context(int64 principal_id);

/* The per-row case, inline: the same principal as the last lookup. */
extern const WfauthContext *wfauth_recent_context;
extern uint64 wfauth_recent_generation;
extern uint64 *wfauth_generation_ptr;

/*
 * The time grants are decided at: the statement's start
 * (statement_timestamp()), or the start of the transaction when it is later
 * -- a transaction that a CALL began after a COMMIT, whose statement started
 * long before.  SQL: wfauth.decision_time().
 */
extern TimestampTz wfauth_top_statement_start;	/* privileges.c */

static inline TimestampTz
wfauth_decision_time(void)
{
	return Max(Max(GetCurrentStatementStartTimestamp(), GetCurrentTransactionStartTimestamp()),
			   wfauth_top_statement_start);
}

static inline const WfauthContext *
wfauth_context_fast(int64 principal_id)
{
	if (likely(wfauth_recent_context != NULL &&
			   wfauth_recent_context->id == principal_id &&
			   wfauth_recent_generation == *wfauth_generation_ptr &&
			   (wfauth_recent_context->valid_until == 0 ||
				wfauth_decision_time() < wfauth_recent_context->valid_until)))
		return wfauth_recent_context;
	return wfauth_context(principal_id);
}
extern const WfauthShared *wfauth_shared(void);
extern const WfauthTenant *wfauth_tenant(int64 id);
extern const WfauthKind *wfauth_kind_by_name(const char *name);
extern const WfauthKind *wfauth_kind_by_id(int16 id);
extern bool wfauth_context_has_permission(const WfauthContext *ctx, const char *permission);
extern TimestampTz wfauth_context_permission_until(const WfauthContext *ctx, const char *permission);
extern void wfauth_note_super_admin_use(const WfauthContext *ctx, const char *what);

/*
 * Does ctx hold Super Admin rights now?  Where its tenant requires Super
 * Admin mode (DESIGN §9), only in a transaction in which it switched the
 * mode on; otherwise it is decided like any account.
 */
static inline bool
wfauth_super_admin_rights(const WfauthContext *ctx)
{
	return ctx->super_admin &&
		(!ctx->super_admin_mode_required || wfauth_in_super_admin_mode(ctx->id));
}
extern void wfauth_may_ask_about(int64 principal);

/* --- acl.c: the wfauth.acl type --------------------------------------------- */
/*
 * A wfauth.acl is a varlena: after the length word, a 16-byte header and
 * nentries int64 entries, each (principal id << 1) | modify, sorted by
 * principal, one per principal; then, with flag WFAUTH_ACL_TENANT, the int64
 * id of the object's tenant (without it: the default tenant, so values of a
 * database that never created a tenant are those of 1.1, byte for byte);
 * then, with flag WFAUTH_ACL_DATED (1.3), each entry's validity as two
 * TimestampTz, valid_from and valid_until (DT_NOBEGIN and DT_NOEND when it
 * has no start or end).  A value none of whose entries is dated carries no
 * flag and no validity: the bytes of 1.2, so values compare by their bytes.
 * Readers go through memcpy, so a value stored with a short (1-byte) header
 * is read in place, unaligned, without a copy.
 */
typedef struct WfauthAclHeader
{
	uint8		version;
	uint8		flags;
	int16		kind;
	int32		nentries;
	int64		creator;		/* 0 when unknown */
} WfauthAclHeader;

#define WFAUTH_ACL_VERSION 1
#define WFAUTH_ACL_TENANT 0x01		/* flags: a tenant id follows the entries */
#define WFAUTH_ACL_DATED 0x02		/* flags: the entries' validity follows */
#define WFAUTH_FIRST_CUSTOM_KIND 10	/* wfauth.kinds' identity starts here */
#define WFAUTH_ACL_MAX_ENTRIES (1 << 20)
#define WFAUTH_ACL_MAX_ID (PG_INT64_MAX >> 2)	/* of a principal, creator or tenant */
#define WfauthAclEntryPrincipal(e)	((e) >> 1)
#define WfauthAclEntryModify(e)		(((e) & 1) != 0)
#define WfauthAclMakeEntry(id, modify)	(((id) << 1) | ((modify) ? 1 : 0))

/* One entry with its validity: it counts while valid_from <= now < valid_until */
typedef struct WfauthAclItem
{
	int64		entry;
	TimestampTz valid_from;		/* DT_NOBEGIN: no start */
	TimestampTz valid_until;	/* DT_NOEND: no end */
} WfauthAclItem;

typedef struct WfauthAclValidity
{
	TimestampTz valid_from;
	TimestampTz valid_until;
} WfauthAclValidity;

extern void wfauth_acl_header(struct varlena *acl, WfauthAclHeader *hdr);
extern int64 wfauth_acl_entry(struct varlena *acl, int i);
extern int64 wfauth_acl_tenant(struct varlena *acl, const WfauthAclHeader *hdr);
extern WfauthAclValidity wfauth_acl_validity(struct varlena *acl, const WfauthAclHeader *hdr, int i);
extern bool wfauth_acl_entry_counts(struct varlena *acl, const WfauthAclHeader *hdr, int i,
									TimestampTz now);
extern struct varlena *wfauth_acl_build(int16 kind, int64 creator, int64 tenant, int n, int64 *entries);
extern Datum wfauth_acl_out(PG_FUNCTION_ARGS);
extern struct varlena *wfauth_acl_build_items(int16 kind, int64 creator, int64 tenant, int n,
											  WfauthAclItem *items, int errcode_value);

/* Where a dated value keeps entry i's validity (after the entries and tenant) */
static inline Size
wfauth_acl_validity_offset(const WfauthAclHeader *hdr, int i)
{
	return sizeof(WfauthAclHeader) + (Size) hdr->nentries * sizeof(int64) +
		((hdr->flags & WFAUTH_ACL_TENANT) ? sizeof(int64) : 0) +
		(Size) i * sizeof(WfauthAclValidity);
}

/* --- access.c: the decision ------------------------------------------------- */
extern bool wfauth_decide(const WfauthContext *ctx, struct varlena *acl, bool modify);
extern bool wfauth_acl_reaches(const WfauthContext *ctx, struct varlena *acl, bool modify);
extern TimestampTz wfauth_acl_access_until(const WfauthContext *ctx, struct varlena *acl, bool modify);
extern bool wfauth_mode_is_modify(Oid mode);

/* --- protect.c: the row triggers of protected tables ----------------------- */
extern void wfauth_check_acl_principal(int64 id, int64 tenant);

/* --- logins.c: the credential workers ------------------------------------ */
extern void wfauth_note_use(bool session, int64 id, TimestampTz at);
extern bool wfauth_audit_super_admin_use(int64 principal, int64 tenant, const char *role,
										 const char *what, TimestampTz statement);

/* --- stats.c: counters for wfauth.stats ---------------------------------- */
typedef enum WfauthStat
{
	WFAUTH_STAT_TOKEN_AUTHS,
	WFAUTH_STAT_TOKEN_FAILURES,
	WFAUTH_STAT_SESSION_AUTHS,
	WFAUTH_STAT_SESSION_FAILURES,
	WFAUTH_STAT_LOGINS,
	WFAUTH_STAT_LOGIN_FAILURES,
	WFAUTH_STAT_LOGINS_THROTTLED,
	WFAUTH_STAT_ACTIVATIONS,
	WFAUTH_STAT_ACTIVATION_FAILURES,
	WFAUTH_STAT_CONTEXT_HITS,
	WFAUTH_STAT_CONTEXT_LOADS,
	WFAUTH_STAT_CONTEXT_EVICTIONS,
	WFAUTH_NSTATS
} WfauthStat;

extern void WfauthStatsInit(void);
extern void wfauth_count(WfauthStat stat);

/* --- passwords.c: argon2id hashing --------------------------------------- */
extern void WfauthPasswordsInit(void);

/* --- tokens.c: token format and authentication failures ------------------ */
extern void WfauthTokensInit(void);
extern void wfauth_auth_failed(const char *kind) pg_attribute_noreturn();
extern bytea *wfauth_token_digest_of(text *token, const char *prefix, const char *kind);
extern bool wfauth_digests_equal(bytea *a, bytea *b);
extern int	wfauth_session_idle_timeout;	/* seconds */
extern int	wfauth_max_failed_logins;

/* --- privileges.c: who runs as whom; the one definition of a DBA -------- */
typedef enum WfauthRunAs
{
	WFAUTH_AS_OWNER,			/* a relation's owner, security-restricted */
	WFAUTH_AS_EXTENSION			/* the owner of wfauth's tables */
} WfauthRunAs;

typedef struct WfauthSwitch
{
	Oid			userid;
	int			sec_context;
	int			level;
} WfauthSwitch;

extern void WfauthPrivilegesInit(void);
extern int	wfauth_pin(void);
extern void wfauth_unpin(int level);
extern void wfauth_enter(WfauthRunAs who, Oid relid, WfauthSwitch *saved);
extern void wfauth_leave(WfauthSwitch *saved);
extern void wfauth_refuse_in_others_code(bool statements);
extern bool wfauth_in_others_function(void);
extern uint64 wfauth_executor_frame(void);
extern CommandId wfauth_executor_frame_cid(void);
extern void wfauth_refuse_truncate_of_protected(Node *parsetree);
extern bool wfauth_extension_object(Oid classId, Oid objectId);

/* lock_order.c */
extern void wfauth_check_before_locking(Node *parsetree);
extern Oid	wfauth_citus_table_of_shard(Oid relid);
extern bool wfauth_citus_table(Oid relid);
extern int	wfauth_citus_local_shards(Oid relid, int64 **shards);
extern bool wfauth_citus_awaiting_cleanup(Oid relid);
extern char *wfauth_citus_shard_name(const char *table, int64 shard);
typedef struct CitusTableAdded
{
	Oid			table;
	CommandId	last;			/* the last command that added a row of it */
} CitusTableAdded;
typedef struct CitusCatalogChanges
{
	List	   *here;			/* shard ids (int64 *) */
	List	   *tables;
	List	   *distributed;
	List	   *added;			/* CitusTableAdded * */
	List	   *reassigned;
} CitusCatalogChanges;
extern void wfauth_citus_catalog_changes(CitusCatalogChanges *changes);
extern bool wfauth_registered_after(Oid relid, CommandId last);
extern bool wfauth_shard_listed(List *shards, int64 shard);
extern int	wfauth_scan_by_pkey(WfauthTable table, int64 id, WfauthRowCallback callback, void *arg);
extern void wfauth_cluster_credential(char kind, int64 id);
extern bool wfauth_credential_live(char kind, int64 id);

/* --- cluster.c: the principal across Citus nodes ------------------------ */
extern void WfauthClusterInit(void);
extern void wfauth_hide_in_query(const char *secret);
extern void wfauth_cluster_sign(const char *acting, bool dba);
extern void wfauth_cluster_take_assertion(void);
extern void wfauth_cluster_keep_signed(void);
extern bool wfauth_citus_preloaded(void);
extern bool wfauth_citus_present(void);

extern const char *wfauth_remote_acting_value(const char *acting, bool dba);
extern void wfauth_act_for_another_node(const char *value);
extern const char *wfauth_principal_setting(void);
extern uint64 wfauth_principal_generation(void);
extern void wfauth_worker_settings(void);
struct QueryDesc;
extern void wfauth_check_model_write(struct QueryDesc *queryDesc);
extern Oid	wfauth_function_oid(const char *name, int nargs, const Oid *argtypes);
extern void wfauth_call_definer(const char *name, int nargs, const Oid *argtypes,
								const NullableDatum *args);

extern bool wfauth_citus_transaction(int32 *initiator, uint64 *number, bool *originator);

/* --- results.c: a transaction's intermediate results, its principal's ---- */
extern void WfauthResultsInit(void);
extern void wfauth_results_acting(void);
extern void wfauth_results_statement(void);
extern bool wfauth_results_acted_here(void);
extern void wfauth_results_touch(void);
extern void wfauth_results_done(void);

/* --- replay.c: signatures taken, refused once their transaction ended ---- */
extern void WfauthReplayInit(void);
extern bool wfauth_signature_spent(const char *mac_hex, TimestampTz started);
extern void wfauth_signature_taken(const char *mac_hex, TimestampTz started);

/* --- protected_state.c: what a protected relation looks like ------------ */
typedef struct WfauthFault
{
	Oid			relid;
	char	   *what;			/* how it differs, as a clause of a sentence */
} WfauthFault;
extern List *wfauth_protected_schemas(void);
extern WfauthFault *wfauth_schema_renamed(List *schemas);

extern List *wfauth_protection_faults(void);
extern bool wfauth_protected_in_full(Oid relid);
extern int16 wfauth_marked_kind(Oid relid);
extern Oid	wfauth_unlisted_marked_shard(List *shards);
extern List *wfauth_protection_faults_marking(List **marked);
extern List *wfauth_protection_faults_since(List *marked);
extern bool wfauth_late_before_row_trigger(const char *name, int16 type);

/* --- domains.c: what a domain of a role other than a superuser calls ----- */
extern void WfauthDomainsInit(void);
extern void wfauth_check_changed_domains(void);

/* --- lockdown.c: protected tables stay protected ------------------------ */
extern void WfauthLockdownInit(void);

/* --- triggers.c: the model's invariants on every write ----------------- */
extern void WfauthTriggersInit(void);

/* --- accounts.c: identifier rules ----------------------------------------- */
extern char *wfauth_normalize_name(char kind, const char *name);

#endif							/* WFAUTH_H */
