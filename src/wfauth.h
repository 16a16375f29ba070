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
#include "access/tupdesc.h"

/* The built-in group Everyone; ids below this bound are reserved. */
#define WFAUTH_EVERYONE_ID		INT64CONST(1)
#define WFAUTH_FIRST_FREE_ID	INT64CONST(100)

/* --- principal.c: who is acting in this transaction ---------------------- */
extern void WfauthPrincipalInit(void);
extern int64 wfauth_current_principal_id(void);	/* 0 when none */
extern void wfauth_set_principal_id(int64 id);
extern bool wfauth_actor_is_dba(void);

/* --- catalog.c: direct reads of wfauth's tables (no SPI) ----------------- */
typedef enum WfauthTable
{
	WFAUTH_PRINCIPALS,
	WFAUTH_GROUP_MEMBERS,
	WFAUTH_PERMISSION_GRANTS,
	WFAUTH_ROLE_GRANTS,
	WFAUTH_ROLE_PERMISSIONS,
	WFAUTH_TABLE_COUNT
} WfauthTable;

/* principals */
#define Anum_principals_id			1
#define Anum_principals_kind		2
#define Anum_principals_name		3
#define Anum_principals_active		6
#define Anum_principals_super_admin	7
/* group_members(group_id, member_id): index on member_id */
#define Anum_group_members_group_id		1
#define Anum_group_members_member_id	2
/* permission_grants(principal_id, permission) */
#define Anum_permission_grants_principal_id	1
#define Anum_permission_grants_permission	2
/* role_grants(principal_id, role_id) */
#define Anum_role_grants_principal_id	1
#define Anum_role_grants_role_id		2
/* role_permissions(role_id, permission) */
#define Anum_role_permissions_role_id		1
#define Anum_role_permissions_permission	2

typedef void (*WfauthRowCallback) (HeapTuple tuple, TupleDesc desc, void *arg);

extern Oid	wfauth_schema_oid(bool missing_ok);
extern Oid	wfauth_table_oid(WfauthTable table);
extern int	wfauth_scan_by_id(WfauthTable table, int64 key,
							  WfauthRowCallback callback, void *arg);
extern char wfauth_principal_kind(int64 id);	/* 'u', 's', 'g' or 0 */

/* --- context.c: the cached context of a principal ------------------------ */
typedef struct WfauthContext
{
	int64		id;
	bool		exists;
	bool		active;
	bool		super_admin;
	char		kind;			/* 'u' user, 's' service, 'g' group */
	int			ngroups;
	int64	   *groups;			/* sorted; Everyone included for accounts */
	int			npermissions;
	char	  **permissions;	/* sorted, distinct */
} WfauthContext;

extern void WfauthContextInit(void);
extern const WfauthContext *wfauth_context(int64 principal_id);
extern bool wfauth_context_has_permission(const WfauthContext *ctx, const char *permission);
extern bool wfauth_context_in_group(const WfauthContext *ctx, int64 group_id);
extern void wfauth_invalidate_contexts(void);

/* --- passwords.c: argon2id hashing --------------------------------------- */
extern void WfauthPasswordsInit(void);

/* --- accounts.c: identifier rules ----------------------------------------- */
extern char *wfauth_normalize_name(char kind, const char *name);

#endif							/* WFAUTH_H */
