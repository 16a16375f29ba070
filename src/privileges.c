/*
 * privileges.c — who runs as whom: the one place wfauth changes the user,
 * the security context or the settings it runs under, and the one
 * definition of a DBA.
 *
 * A DBA is a superuser or a member of the role named by wfauth.admin_role,
 * judged on the role the session acts as (PostgreSQL's outer user: the
 * login role or SET ROLE), which no SECURITY DEFINER function changes.
 * Inside a security-restricted operation (REFRESH MATERIALIZED VIEW, index
 * builds, VACUUM, ANALYZE, and wfauth's own work as a table's owner) the
 * code that runs is a table owner's: there nobody is a DBA.
 *
 * Every piece of C code that runs SQL does so between wfauth_pin() and
 * wfauth_unpin() as the current user, or between wfauth_enter() and
 * wfauth_leave(), saying whom it runs as:
 *
 *   WFAUTH_AS_OWNER      the owner of a relation, in a security-restricted
 *                        operation (PostgreSQL's rule for REFRESH
 *                        MATERIALIZED VIEW and index builds, matview.c): the
 *                        owner's triggers, constraints and index expressions
 *                        run with the owner's privileges and no more
 *   WFAUTH_AS_EXTENSION  the owner of wfauth's own tables (a superuser), for
 *                        wfauth's writes to them on behalf of a caller it has
 *                        already checked
 *
 * In each, search_path is pinned to pg_catalog, pg_temp, and whatever the
 * code run sets (its own set_config, SET in its functions) is rolled back
 * when control returns: nothing the owner's code does outlives it, as
 * PostgreSQL does after REFRESH MATERIALIZED VIEW.  An error rolls all of it
 * back with the (sub)transaction.
 *
 * wfauth's SQL functions say whom they run as in their definitions:
 * SECURITY DEFINER (the extension's owner) or the caller, each with
 * SET search_path = pg_catalog, pg_temp; C code calls an internal SECURITY
 * DEFINER one through wfauth_call_definer().
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_language.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "rewrite/rowsecurity.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/fmgroids.h"
#include "utils/syscache.h"

#include "wfauth.h"

static char *admin_role_setting = NULL;
static char *decision_stamp = NULL;	/* wfauth.decision_stamp, for parallel workers */
static bool decision_stamp_allowed = false;

static void install_others_code_hooks(void);
static bool check_decision_stamp(char **newval, void **extra, GucSource source);
static void assign_decision_stamp(const char *newval, void *extra);

void
WfauthPrivilegesInit(void)
{
	install_others_code_hooks();
	DefineCustomStringVariable("wfauth.decision_stamp",
							   "When the current top-level statement started, for wfauth.decision_time() (internal).",
							   NULL, &decision_stamp, "", PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_NO_RESET_ALL,
							   check_decision_stamp, assign_decision_stamp, NULL);
	DefineCustomStringVariable("wfauth.admin_role",
							   "Members of this role act as wfauth DBAs (like superusers).",
							   "Empty means only superusers are wfauth DBAs.",
							   &admin_role_setting,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
}

/* Is role a superuser or a member of wfauth.admin_role? */
bool
wfauth_role_is_dba(Oid role)
{
	Oid			admin;

	if (superuser_arg(role))
		return true;
	if (admin_role_setting == NULL || admin_role_setting[0] == '\0')
		return false;
	admin = get_role_oid(admin_role_setting, true);
	return OidIsValid(admin) && is_member_of_role(role, admin);
}

/* Is a DBA acting, as itself? */
bool
wfauth_actor_is_dba(void)
{
	return !InSecurityRestrictedOperation() && wfauth_role_is_dba(GetOuterUserId());
}

/*
 * How wfauth prints the values it writes.  Citus sends them to the other
 * nodes as SQL text, printed with the sender's settings and read with the
 * receiver's: under DateStyle 'SQL, DMY' a token's expiry was read there as
 * another date, under a zone whose abbreviation the nodes read otherwise it
 * moved by hours, and under standard_conforming_strings off a digest's
 * backslash arrived doubled (attack pass 37).  ISO dates carry their order
 * and offset; the receiver's standard_conforming_strings is checked where
 * it writes (wfauth_check_model_write).  wfauth's SQL functions that write
 * set the same in their SET clauses.
 */
static const char *const portable_output[][2] = {
	{"DateStyle", "ISO, MDY"},
	{"IntervalStyle", "postgres"},
	{"standard_conforming_strings", "on"},
};

/*
 * Open a setting level with wfauth's search_path (and portable output).
 * wfauth_leave() (or wfauth_unpin()) closes it, rolling back every setting
 * made inside.
 */
static int
pin_settings(void)
{
	int			level = NewGUCNestLevel();
	size_t		i;

	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	for (i = 0; i < lengthof(portable_output); i++)
		(void) set_config_option(portable_output[i][0], portable_output[i][1],
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/*
 * ExecutorStart: on Citus, a statement that writes wfauth's tables runs with
 * standard_conforming_strings on.  A receiving node reads the values in it
 * with its own setting: off there (a database's or role's setting, a SET
 * LOCAL that Citus forwarded), a backslash -- every digest has one -- would
 * read as an escape, and its copy would differ from the others'.
 */
void
wfauth_check_model_write(QueryDesc *queryDesc)
{
	ListCell   *lc;

	if (standard_conforming_strings || !wfauth_citus_present())
		return;
	foreach(lc, queryDesc->plannedstmt->resultRelations)
	{
		RangeTblEntry *rte = rt_fetch(lfirst_int(lc), queryDesc->plannedstmt->rtable);

		if (get_rel_namespace(rte->relid) == get_namespace_oid("wfauth", true))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("wfauth's tables are written only with standard_conforming_strings on"),
					 errdetail("Citus sends the values to the other nodes as SQL text, read there with this setting."),
					 errhint("Leave standard_conforming_strings on in a transaction that changes wfauth's model "
							 "(Citus forwards a SET LOCAL to the other nodes).")));
	}
}

/* Go on as the current user, settings pinned; returns the level for wfauth_unpin(). */
int
wfauth_pin(void)
{
	return pin_settings();
}

void
wfauth_unpin(int level)
{
	AtEOXact_GUC(false, level);
}

/*
 * Switch to whom the code that follows runs as (relid: the relation whose
 * owner WFAUTH_AS_OWNER means; wfauth's principals table for
 * WFAUTH_AS_EXTENSION).
 */
void
wfauth_enter(WfauthRunAs who, Oid relid, WfauthSwitch *saved)
{
	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	switch (who)
	{
		case WFAUTH_AS_OWNER:
			SetUserIdAndSecContext(wfauth_relation_owner(relid),
								   saved->sec_context | SECURITY_LOCAL_USERID_CHANGE |
								   SECURITY_RESTRICTED_OPERATION);
			break;
		case WFAUTH_AS_EXTENSION:
			SetUserIdAndSecContext(wfauth_relation_owner(wfauth_table_oid(WFAUTH_PRINCIPALS)),
								   saved->sec_context | SECURITY_LOCAL_USERID_CHANGE);
			break;
	}
	saved->level = pin_settings();
}

/* Back to the user, security context and settings before wfauth_enter(). */
void
wfauth_leave(WfauthSwitch *saved)
{
	AtEOXact_GUC(false, saved->level);
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}

/* --- code another role wrote ------------------------------------------------ */

/*
 * The principal acts for the session that authenticated it, and code that
 * another role wrote must not act with it (DESIGN §8): a table owner's
 * trigger, rule, default, CHECK or index expression that calls
 * grant_super_admin() when a Super Admin's request writes to the table
 * would otherwise do so with the Super Admin's rights.  Hooks note when
 * such code runs:
 *
 *   - ExecutorRun and ExecutorFinish (where AFTER triggers fire): a
 *     statement that writes to a relation owned by a role other than the
 *     session's (the outer user), a superuser aside, reads through its
 *     view or its policies, or is its rule's action, runs that role's
 *     triggers, rules and expressions (statement_of_others());
 *   - the fmgr hook, on SQL and procedural-language functions owned by
 *     another role (and not a superuser): the owner's trigger functions,
 *     also deferred ones that fire at COMMIT, functions the application
 *     calls, and those the planner evaluates ahead (an IMMUTABLE function
 *     in a view or a DEFAULT is folded to a constant while planning, where
 *     no executor hook runs).  A function the hook watches is never
 *     inlined: inlined, another role's SQL function would run as part of
 *     the caller's own statement.  So SQL functions owned by roles other
 *     than superusers are not inlined -- the price of telling whose code
 *     runs;
 *   - the planner and parse analysis, for that role's expressions that
 *     PostgreSQL puts into the caller's own statement (its functions'
 *     argument defaults, its domains' constraints and defaults): the plan
 *     carries whose they are, and the statement counts as that role's.
 *
 * While another role's code runs, the session's open cursors are parked,
 * and none it opens may outlive it (below).
 *
 * Inside another role's function every call that uses or changes the
 * principal refuses, and the policies see nobody (no row of a protected
 * table is read or written with the principal there); inside a statement
 * that runs another role's code, every change of the model or of the
 * principal refuses (wfauth_refuse_in_others_code()).
 */
static int	others_functions = 0;	/* frames of another role's functions */
static int	others_statements = 0;	/* statements that run another role's code */
static List *others_code_frames = NIL;	/* of OthersFrame *, innermost last */
static uint64 executor_frames = 0;	/* ExecutorRun/Finish calls begun */
static uint64 executor_frame = 0;	/* the innermost one running (0: none) */
static CommandId executor_frame_cid = InvalidCommandId;	/* the command id it writes with */
static TimestampTz last_message_start = 0;	/* statement_timestamp() of the last top-level statement */
TimestampTz wfauth_top_statement_start = 0;	/* when the top-level statement started (wfauth.h) */
static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;
static ExecutorRun_hook_type prev_executor_run = NULL;
static ExecutorFinish_hook_type prev_executor_finish = NULL;

/*
 * A function's frame.  Another role's function runs in the application's
 * session, but nothing of it may outlive it there -- PostgreSQL's own rule
 * for an owner's code in REFRESH MATERIALIZED VIEW: it runs as a
 * security-restricted operation (no temporary table that would take the
 * names of the application's tables for the rest of the session, no SET
 * ROLE), and every setting it makes is rolled back when it returns.  One
 * with SET clauses of its own has its settings nested by PostgreSQL, which
 * keeps a plain SET made inside: such a function may leave no setting
 * changed (a search_path of its own would lead the application's
 * unqualified names to tables of that role).
 */
typedef struct SavedSetting
{
	struct config_generic *option;
	GucStack   *stack;			/* its top entry under the function's own level */
	GucStackState state;		/* that entry's state (a SET LOCAL must stay local) */
	union config_var_val value;		/* its value once the function's SET clause is undone */
} SavedSetting;

typedef struct OthersFrame
{
	bool		counts;			/* another role's */
	bool		was_restricted; /* a security-restricted operation already */
	bool		entered;		/* the outermost code of another role: cursors parked */
	int			nestlevel;		/* the settings' nesting level it opened (0: none) */
	LocalTransactionId lxid;	/* the transaction it began in */
	SavedSetting *saved;		/* with SET clauses: the settings changed before it */
	int			nsaved;
} OthersFrame;

/* Kept with a function's owner in the fmgr hook's private word */
#define HAS_SET_CLAUSE		((uint64) 1 << 32)
#define HAS_ROLE_CLAUSE		((uint64) 1 << 33)	/* SET role = ...: it runs as that role */
#define IS_CITUS_FUNCTION	((uint64) 1 << 34)	/* one of Citus's, in C: no frame */
#define TOUCHES_RESULTS		((uint64) 1 << 35)	/* ... that touches intermediate results */
#define CHECKS_NO_CALLER	((uint64) 1 << 36)	/* ... that changes the catalog for anyone */

/* Is role another than the session's, and no superuser? */
static bool
another_role(Oid role)
{
	return OidIsValid(role) && role != GetOuterUserId() && !superuser_arg(role);
}

/*
 * The owner of a function written in SQL or a procedural language (not C),
 * and whether it has SET clauses (CREATE FUNCTION ... SET), when asked
 */
static Oid
procedural_function_owner(Oid fn_oid, bool *set_clause, bool *role_clause)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	Form_pg_proc proc;
	Oid			owner = InvalidOid;
	bool		has_config;

	if (!HeapTupleIsValid(tuple))
		return InvalidOid;
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	if (proc->prolang != ClanguageId && proc->prolang != INTERNALlanguageId)
		owner = proc->proowner;
	has_config = !heap_attisnull(tuple, Anum_pg_proc_proconfig, NULL);
	if (set_clause)
		*set_clause = has_config;
	if (role_clause && has_config)
	{
		bool		isnull;
		Datum		config = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_proconfig, &isnull);
		Datum	   *items;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(config), TEXTOID, -1, false, TYPALIGN_INT, &items, NULL, &n);
		for (int i = 0; i < n; i++)
		{
			char	   *item = TextDatumGetCString(items[i]);

			*role_clause |= pg_strncasecmp(item, "role=", 5) == 0 ||
				pg_strncasecmp(item, "session_authorization=", 22) == 0;
		}
	}
	ReleaseSysCache(tuple);
	return owner;
}

/* An option's value now */
static union config_var_val
current_value(struct config_generic *option)
{
	union config_var_val value = {0};

	switch (option->vartype)
	{
		case PGC_BOOL:
			value.boolval = *((struct config_bool *) option)->variable;
			break;
		case PGC_INT:
			value.intval = *((struct config_int *) option)->variable;
			break;
		case PGC_REAL:
			value.realval = *((struct config_real *) option)->variable;
			break;
		case PGC_STRING:
			value.stringval = *((struct config_string *) option)->variable;
			break;
		case PGC_ENUM:
			value.enumval = *((struct config_enum *) option)->variable;
			break;
	}
	return value;
}

static bool
same_value(struct config_generic *option, union config_var_val a, union config_var_val b)
{
	switch (option->vartype)
	{
		case PGC_BOOL:
			return a.boolval == b.boolval;
		case PGC_INT:
			return a.intval == b.intval;
		case PGC_REAL:
			return a.realval == b.realval;
		case PGC_STRING:
			return strcmp(a.stringval ? a.stringval : "", b.stringval ? b.stringval : "") == 0;
		case PGC_ENUM:
			return a.enumval == b.enumval;
	}
	return false;
}

/*
 * A function with SET clauses has its settings nested by PostgreSQL, which
 * keeps a plain SET made inside when it returns, before this hook can roll
 * it back.  So every setting changed before it began (few: those with a
 * stack in this transaction) is saved as it must be found when the
 * function's level has ended -- the same top entry in the same state (a
 * SET LOCAL of the application's must not become a SET), with the value
 * the function's SET clause will have restored -- and nothing else may
 * have a stack then.
 */
static void
save_settings(OthersFrame *frame)
{
	struct config_generic **options = get_guc_variables();
	int			n = GetNumConfigOptions();
	int			top = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (options[i]->stack != NULL)
			top = Max(top, options[i]->stack->nest_level);
	frame->saved = palloc(sizeof(SavedSetting) * n);
	frame->nsaved = 0;
	for (i = 0; i < n; i++)
	{
		GucStack   *own = options[i]->stack;
		SavedSetting *saved = &frame->saved[frame->nsaved];

		if (own != NULL && own->nest_level != top)
			own = NULL;			/* not the function's clause */
		saved->stack = own ? own->prev : options[i]->stack;
		if (saved->stack == NULL)
			continue;
		saved->option = options[i];
		saved->state = saved->stack->state;
		saved->value = own ? own->prior.val : current_value(options[i]);
		if (options[i]->vartype == PGC_STRING)
			saved->value.stringval = pstrdup(saved->value.stringval ? saved->value.stringval : "");
		frame->nsaved++;
	}
}

/* A setting the function left changed, or NULL (the function's level closed already) */
static const char *
setting_left(OthersFrame *frame)
{
	struct config_generic **options = get_guc_variables();
	int			n = GetNumConfigOptions();
	int			stacked = 0;
	int			i;

	for (i = 0; i < frame->nsaved; i++)
	{
		SavedSetting *saved = &frame->saved[i];
		GucStack   *stack = saved->option->stack;

		if (stack != saved->stack || stack->state != saved->state ||
			!same_value(saved->option, current_value(saved->option), saved->value))
			return saved->option->name;
	}
	for (i = 0; i < n; i++)
		stacked += options[i]->stack != NULL;
	if (stacked == frame->nsaved)
		return NULL;
	for (i = 0; i < n; i++)
	{
		int			j;
		bool		known = false;

		for (j = 0; j < frame->nsaved && !known; j++)
			known = frame->saved[j].option == options[i];
		if (options[i]->stack != NULL && !known)
			return options[i]->name;
	}
	return NULL;
}

static void
forget_settings(OthersFrame *frame)
{
	for (int i = 0; i < frame->nsaved; i++)
		if (frame->saved[i].option->vartype == PGC_STRING)
			pfree(frame->saved[i].value.stringval);
	pfree(frame->saved);
}

/*
 * Cursors.  The application's open cursors (its DECLAREd ones, a driver's
 * named portals) run its queries with the principal: code of another role
 * that fetched from one would read what the principal may read, and one
 * that left a cursor of its own open -- under the name of one it closed --
 * would have the application run the owner's query with the principal.  So
 * while another role's code runs, every cursor open when it began is
 * parked (PostgreSQL runs only a portal that is ready), and when it ends,
 * no cursor it opened may be left open.  A cursor is known by a mark kept
 * in its own memory, which lives and dies with it.
 */
typedef struct CursorMark
{
	MemoryContextCallback callback; /* (identifies the mark; does nothing) */
	Portal		portal;
	bool		parked;
} CursorMark;

static void
cursor_gone(void *arg)
{
}

/* The mark of a portal's memory, or NULL: a portal not yet seen */
static CursorMark *
cursor_mark(MemoryContext portal_context)
{
	MemoryContextCallback *callback;

	for (callback = portal_context->reset_cbs; callback != NULL; callback = callback->next)
		if (callback->func == cursor_gone)
			return (CursorMark *) callback;
	return NULL;
}

/*
 * The memory of the open portals: the children of this name of the
 * portal manager's context, which lives as long as the backend (and is not
 * exported: found once among TopMemoryContext's children).
 */
static MemoryContext
first_portal_context(void)
{
	static MemoryContext portals = NULL;

	if (portals == NULL)
		for (portals = TopMemoryContext->firstchild; portals != NULL; portals = portals->nextchild)
			if (strcmp(portals->name, "TopPortalContext") == 0)
				break;
	return portals ? portals->firstchild : NULL;
}

static bool
is_portal_context(MemoryContext context)
{
	return strcmp(context->name, "PortalContext") == 0 && context->ident != NULL;
}

/* Another role's code begins: the cursors open now cannot be run until it ends */
static void
park_cursors(void)
{
	MemoryContext context;

	for (context = first_portal_context(); context != NULL; context = context->nextchild)
	{
		CursorMark *mark;

		if (!is_portal_context(context))
			continue;
		mark = cursor_mark(context);
		if (mark == NULL)
		{
			/* (the unnamed portal's memory is called "<unnamed>") */
			Portal		portal = GetPortalByName(context->ident);

			if (portal == NULL || portal->portalContext != context)
				portal = GetPortalByName("");
			mark = MemoryContextAllocZero(context, sizeof(CursorMark));
			mark->callback.func = cursor_gone;
			mark->portal = portal && portal->portalContext == context ? portal : NULL;
			MemoryContextRegisterResetCallback(context, &mark->callback);
		}
		mark->parked = mark->portal != NULL && mark->portal->status == PORTAL_READY;
		if (mark->parked)
			mark->portal->status = PORTAL_NEW;
	}
}

/*
 * It ends (or fails): the parked cursors are ready again.  Returns the name
 * of a cursor it opened and left open, or NULL.
 */
static const char *
unpark_cursors(void)
{
	MemoryContext context;
	const char *left = NULL;

	for (context = first_portal_context(); context != NULL; context = context->nextchild)
	{
		CursorMark *mark;

		if (!is_portal_context(context))
			continue;
		mark = cursor_mark(context);
		if (mark == NULL)
			left = context->ident;
		else if (mark->parked)
		{
			mark->parked = false;
			if (mark->portal->status == PORTAL_NEW)
				mark->portal->status = PORTAL_READY;
		}
	}
	return left;
}

static void
refuse_cursor_left(const char *cursor, const char *code)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s of another role left cursor \"%s\" open in the session", code, cursor),
			 errdetail("Another role's code leaves nothing behind in the application's session "
					   "(the application would fetch the owner's query with its principal)."),
			 errhint("Close the cursor before returning, or read it in a loop.")));
}

/*
 * Is it one of Citus's functions in C: 0, or IS_CITUS_FUNCTION, with
 * TOUCHES_RESULTS for those that read or write its transaction's
 * intermediate results (by their C symbol: the SQL name is anyone's)?
 */
static uint64
citus_function(Oid fn_oid)
{
	static const char *const touching[] = {
		"read_intermediate_result", "read_intermediate_result_array", "create_intermediate_result",
		"broadcast_intermediate_result", "fetch_intermediate_results", "worker_partition_query_result"
	};
	static const char *const unchecked[] = {
		"worker_change_sequence_dependency", "citus_unmark_object_distributed", "master_unmark_object_distributed"
	};
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	bool		isnull;
	Datum		probin;
	uint64		kind = 0;

	if (!HeapTupleIsValid(tuple))
		return 0;
	if (((Form_pg_proc) GETSTRUCT(tuple))->prolang == ClanguageId)
	{
		probin = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_probin, &isnull);
		if (!isnull && strcmp(TextDatumGetCString(probin), "$libdir/citus") == 0)
		{
			char	   *symbol = TextDatumGetCString(SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_prosrc, &isnull));

			kind = IS_CITUS_FUNCTION;
			for (int i = 0; i < (int) lengthof(touching); i++)
				if (strcmp(symbol, touching[i]) == 0)
					kind |= TOUCHES_RESULTS;
			for (int i = 0; i < (int) lengthof(unchecked); i++)
				if (strcmp(symbol, unchecked[i]) == 0)
					kind |= CHECKS_NO_CALLER;
		}
	}
	ReleaseSysCache(tuple);
	return kind;
}

static void refuse_citus_call_in_others_code(Oid fn_oid);

static bool
needs_hook(Oid fn_oid)
{
	Oid			owner;

	if (prev_needs_fmgr_hook && prev_needs_fmgr_hook(fn_oid))
		return true;
	/* whether it is another role's depends on the session's role: decided at each call */
	owner = procedural_function_owner(fn_oid, NULL, NULL);
	return (OidIsValid(owner) && !superuser_arg(owner)) || citus_function(fn_oid) != 0;
}

/*
 * Another role's code calls none of Citus's functions (create_distributed_
 * table, run_command_on_*, ...), whoever acts: they send commands -- DDL, a
 * copy of rows -- to the other nodes, where they run as the application's
 * own, with the principal signed (a CHECK constraint validated while rows
 * are copied), or as a session of the application's role of their own
 * (run_command_on_all_nodes reaches the coordinator too), which nothing
 * marks as another role's: a trigger made there for the application's
 * table runs later as the application's code (attack passes 31, 32).
 * Allowed while nobody acts, nor has in the transaction: the functions by
 * which Citus's own plans read the results of their subplans (any results
 * of the transaction, by name: once someone acted, the principal's; attack
 * pass 33) -- not in a parallel worker, which cannot tell (pass 34).
 */
static void
refuse_citus_call_in_others_code(Oid fn_oid)
{
	char	   *name;

	if (others_functions + others_statements == 0)
		return;
	name = get_func_name(fn_oid);
	if (name != NULL && (strcmp(name, "read_intermediate_result") == 0 ||
						 strcmp(name, "read_intermediate_results") == 0) &&
		wfauth_current_principal_id() == 0 && !wfauth_dba_acting() && !wfauth_results_acted_here() &&
		!IsParallelWorker())
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied: code of another role calls Citus function %s",
					format_procedure(fn_oid)),
			 errdetail("Citus would run what it sends the other nodes as the application's own."),
			 errhint("Triggers, defaults, views and functions that the requests run must belong to the request role.")));
}

/*
 * Is it wfauth, its schema, one of its objects, or a relation in its schema
 * (a Citus shard)?
 */
static bool
wfauth_object(Oid classId, Oid objectId)
{
	Oid			namespace = get_namespace_oid("wfauth", true);

	if (!OidIsValid(namespace))
		return false;
	return (classId == NamespaceRelationId && objectId == namespace) ||
		(classId == RelationRelationId && get_rel_namespace(objectId) == namespace) ||
		wfauth_extension_object(classId, objectId);
}

/*
 * Citus functions that change the catalog and check nothing of who calls
 * them (worker_change_sequence_dependency() made wfauth's sequence depend
 * on a table of the caller's: the next login failed, a drop of that table
 * reached wfauth; citus_unmark_object_distributed() took wfauth off
 * Citus's list of distributed objects -- attack pass 38) leave wfauth's
 * objects alone unless a superuser calls them.  Citus sends the first with
 * constants, and an argument that is not one could be anything; its drop
 * trigger unmarks with variables, which are let through.
 */
static void
refuse_unchecked_citus_call(FmgrInfo *flinfo)
{
	FuncExpr   *call = (FuncExpr *) flinfo->fn_expr;
	bool		unmark = strcmp(get_func_name(flinfo->fn_oid), "worker_change_sequence_dependency") != 0;
	ListCell   *lc;
	int			i = 0;
	Oid			classId = InvalidOid;
	bool		refuse = call == NULL || !IsA(call, FuncExpr);

	if (superuser())
		return;
	if (!refuse)
		foreach(lc, call->args)
		{
			Node	   *arg = lfirst(lc);
			Const	   *value = IsA(arg, Const) ? (Const *) arg : NULL;

			if (unmark && i > 1)
				break;
			if (value == NULL || value->constisnull)
				refuse |= !unmark;	/* (Citus's drop trigger unmarks with variables) */
			else if (unmark && i == 0)
				classId = DatumGetObjectId(value->constvalue);
			else
				refuse |= wfauth_object(unmark ? classId : RelationRelationId, DatumGetObjectId(value->constvalue));
			i++;
		}
	if (refuse)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function %s on objects of wfauth", format_procedure(flinfo->fn_oid)),
				 errdetail("Citus's function changes the catalog without checking who calls it; "
						   "only a superuser may point it at wfauth."),
				 errhint("Call it with constant arguments naming objects of one's own.")));
}

static void
function_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (prev_fmgr_hook)
		(*prev_fmgr_hook) (event, flinfo, private);
	if (event == FHET_START && *private == (Datum) 0)
		*private = (Datum) citus_function(flinfo->fn_oid);
	if (*private & IS_CITUS_FUNCTION)
	{
		if (event == FHET_START)
			refuse_citus_call_in_others_code(flinfo->fn_oid);
		if (event == FHET_START && (*private & CHECKS_NO_CALLER))
			refuse_unchecked_citus_call(flinfo);
		if (*private & TOUCHES_RESULTS)
		{
			if (event == FHET_START)
				wfauth_results_touch();
			else
				wfauth_results_done();
		}
		return;
	}
	switch (event)
	{
		case FHET_START:
			{
				/* (not the transaction's memory: a procedure may COMMIT) */
				MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
				OthersFrame *frame = palloc0(sizeof(OthersFrame));

				/* the owner, and whether it has SET clauses: looked up once per FmgrInfo */
				if (*private == (Datum) 0)
				{
					bool		set_clause = false;
					bool		role_clause = false;
					Oid			owner = procedural_function_owner(flinfo->fn_oid, &set_clause, &role_clause);

					*private = (Datum) ((uint64) owner | (set_clause ? HAS_SET_CLAUSE : 0) |
										(role_clause ? HAS_ROLE_CLAUSE : 0));
				}

				/*
				 * (A SET role clause has made the session's role another when
				 * this runs: such a function of a role other than a superuser
				 * counts whoever it names.)
				 */
				frame->counts = another_role((Oid) (*private & 0xFFFFFFFF)) ||
					((*private & HAS_ROLE_CLAUSE) && !superuser_arg((Oid) (*private & 0xFFFFFFFF)));
				if (frame->counts)
				{
					Oid			userid;
					int			context;

					GetUserIdAndSecContext(&userid, &context);
					frame->was_restricted = (context & SECURITY_RESTRICTED_OPERATION) != 0;
					SetUserIdAndSecContext(userid, context | SECURITY_RESTRICTED_OPERATION);
					frame->lxid = MyProc->lxid;
					frame->entered = others_functions + others_statements == 0;
					if (frame->entered)
						park_cursors();
					/* (with SET clauses, PostgreSQL opened a level already, and closes it before we could) */
					if (*private & HAS_SET_CLAUSE)
						save_settings(frame);
					else
						frame->nestlevel = NewGUCNestLevel();
				}
				others_code_frames = lappend(others_code_frames, frame);
				others_functions += frame->counts;
				MemoryContextSwitchTo(old);
				break;
			}
		case FHET_END:
		case FHET_ABORT:
			if (others_code_frames != NIL)
			{
				OthersFrame *frame = llast(others_code_frames);
				const char *left = NULL;
				const char *cursor = NULL;
				bool		ended_transaction = false;

				others_functions -= frame->counts;
				others_code_frames = list_delete_last(others_code_frames);
				if (frame->counts)
				{
					Oid			userid;
					int			context;

					/* its settings, unless it ended the transaction they were made in */
					if (event == FHET_END && frame->nestlevel > 0 && frame->lxid == MyProc->lxid)
						AtEOXact_GUC(false, frame->nestlevel);
					if (frame->entered)
						cursor = unpark_cursors();
					ended_transaction = event == FHET_END && frame->lxid != MyProc->lxid;
					/* (a SECURITY DEFINER function's frame has restored the context already) */
					GetUserIdAndSecContext(&userid, &context);
					if (!frame->was_restricted)
						SetUserIdAndSecContext(userid, context & ~SECURITY_RESTRICTED_OPERATION);
					/*
					 * (Inside a security-restricted operation already --
					 * wfauth's own work as a table's owner, REFRESH, VACUUM,
					 * index builds -- every setting is rolled back when it
					 * ends.)
					 */
					if (event == FHET_END && frame->saved != NULL && !frame->was_restricted &&
						frame->lxid == MyProc->lxid)
						left = setting_left(frame);
					if (frame->saved != NULL)
						forget_settings(frame);
				}
				pfree(frame);

				/*
				 * A procedure of another role that rolled the application's
				 * transaction back goes on in a new one, where no level of
				 * ours holds its settings: it fails, and they go with it.
				 */
				if (ended_transaction)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
							 errmsg("procedure %s of another role ended the application's transaction",
									format_procedure(flinfo->fn_oid)),
							 errdetail("Another role's code leaves nothing behind in the application's session.")));
				if (cursor != NULL && event == FHET_END)
					refuse_cursor_left(cursor, psprintf("function %s", format_procedure(flinfo->fn_oid)));
				if (left != NULL)
					ereport(ERROR,
							(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
							 errmsg("function %s of another role left setting \"%s\" changed in the session",
									format_procedure(flinfo->fn_oid), left),
							 errdetail("Another role's code leaves nothing behind in the application's session "
									   "(a search_path of its own would lead the application's names to its tables)."),
							 errhint("Set what it needs in its definition (CREATE FUNCTION ... SET), which ends with it.")));
			}
			break;
	}
}

/* Has rel row-level security policies other than wfauth's own? */
static bool
policies_of_its_own(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	bool		found = false;
	ListCell   *lc;

	if (rel == NULL)
		return false;
	if (rel->rd_rel->relrowsecurity && rel->rd_rsdesc != NULL)
		foreach(lc, rel->rd_rsdesc->policies)
			found |= strncmp(((RowSecurityPolicy *) lfirst(lc))->policy_name, "wfauth_", 7) != 0;
	RelationClose(rel);
	return found;
}

/*
 * Another role's expressions inside the application's own statement: the
 * argument defaults of another role's function, which PostgreSQL copies
 * into the caller's call when the caller leaves them out, and another
 * role's domain, whose CHECK constraints and default run wherever a value
 * is coerced to it (an argument of that role's function, a column of the
 * application's own table).  No function of that role runs, and nothing of
 * that role's is written to: the planner is told whose they are before it
 * expands the defaults.  The plan carries those roles as PlanInvalItems of
 * the role cache, which the plan cache never matches against an
 * invalidation (it watches functions and types only): they ride along
 * every copy it makes of the plan, at no cost.
 */
static planner_hook_type prev_planner = NULL;
static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;

static void
note_owner(List **owners, Oid owner)
{
	if (OidIsValid(owner) && !superuser_arg(owner))
		*owners = list_append_unique_oid(*owners, owner);
}

/* A function called with nargs arguments: whose defaults does the call take? */
static void
note_defaults_owner(List **owners, Oid funcid, int nargs)
{
	HeapTuple	tuple;
	Form_pg_proc proc;

	if (funcid < FirstNormalObjectId)
		return;
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tuple))
		return;
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	if (proc->pronargdefaults > 0 && nargs < proc->pronargs)
		note_owner(owners, proc->proowner);
	ReleaseSysCache(tuple);
}

/* A domain and the domains it is based on: whose constraints and defaults? */
static void
note_domain_owners(List **owners, Oid typid)
{
	while (typid >= FirstNormalObjectId)
	{
		HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
		Form_pg_type type;

		if (!HeapTupleIsValid(tuple))
			return;
		type = (Form_pg_type) GETSTRUCT(tuple);
		if (type->typtype == TYPTYPE_DOMAIN)
			note_owner(owners, type->typowner);
		typid = type->typtype == TYPTYPE_DOMAIN ? type->typbasetype : InvalidOid;
		ReleaseSysCache(tuple);
	}
}

static bool
note_expression_owners(Node *node, List **owners)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr))
		note_defaults_owner(owners, ((FuncExpr *) node)->funcid, list_length(((FuncExpr *) node)->args));
	else if (IsA(node, CoerceToDomain))
		note_domain_owners(owners, ((CoerceToDomain *) node)->resulttype);
	else if (IsA(node, Query))
		return query_tree_walker((Query *) node, note_expression_owners, owners, 0);
	return expression_tree_walker(node, note_expression_owners, owners);
}

static PlannedStmt *
plan_noting_owners(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams)
{
	List	   *owners = NIL;
	PlannedStmt *stmt;
	ListCell   *lc;

	(void) note_expression_owners((Node *) parse, &owners);
	/*
	 * Another role's statements run in this backend only, where its frames
	 * are known: a parallel worker would call Citus's functions for it
	 * with none counted (attack pass 34: read_intermediate_result() in a
	 * parallel worker read the results of a principal that had acted).
	 */
	if (others_functions + others_statements > 0 && wfauth_citus_present())
		cursorOptions &= ~CURSOR_OPT_PARALLEL_OK;
	if (prev_planner)
		stmt = prev_planner(parse, query_string, cursorOptions, boundParams);
	else
		stmt = standard_planner(parse, query_string, cursorOptions, boundParams);
	foreach(lc, owners)
	{
		PlanInvalItem *item = makeNode(PlanInvalItem);

		item->cacheId = AUTHOID;
		item->hashValue = (uint32) lfirst_oid(lc);
		stmt->invalItems = lappend(stmt->invalItems, item);
	}
	return stmt;
}

/*
 * PL/pgSQL evaluates a query with no table, sublink or clause (x :=
 * f(1)) as a bare expression, outside the executor, where no statement of
 * another role is seen: such a query that runs expressions of a role (not
 * a superuser) is marked as having sublinks (which the planner looks for,
 * finds none of, and plans as before), so that PL/pgSQL runs it as a
 * statement.
 */
static void
analyze_noting_owners(ParseState *pstate, Query *query, JumbleState *jstate)
{
	List	   *owners = NIL;

	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);
	if (query->commandType == CMD_SELECT && !query->hasSubLinks &&
		(note_expression_owners((Node *) query, &owners), owners != NIL))
		query->hasSubLinks = true;
}

/* Does the plan run expressions of a role other than the session's? */
static bool
runs_others_expressions(PlannedStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->invalItems)
	{
		PlanInvalItem *item = lfirst_node(PlanInvalItem, lc);

		if (item->cacheId == AUTHOID && another_role((Oid) item->hashValue))
			return true;
	}
	return false;
}

/*
 * Does the statement run code of another role?  It does when it runs that
 * role's expressions (above), when it writes to a
 * relation of another role (its triggers, rules, defaults, CHECK and index
 * expressions run), reads through a view of another role, reads a relation
 * of another role that has policies of its own, or is a rule's action.  A
 * plain read of another role's table runs none of its code: reading
 * wfauth.acl_entries(acl) FROM a table the application does not own works.
 */
static bool
statement_of_others(QueryDesc *queryDesc)
{
	PlannedStmt *stmt = queryDesc->plannedstmt;
	ListCell   *lc;
	int			rti = 0;

	if (runs_others_expressions(stmt))
		return true;
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		rti++;
		if (rte->rtekind != RTE_RELATION || !another_role(wfauth_relation_owner(rte->relid)))
			continue;
		if (!stmt->canSetTag || rte->relkind == RELKIND_VIEW ||
			list_member_int(stmt->resultRelations, rti) || policies_of_its_own(rte->relid))
			return true;
	}
	return false;
}

/* Is the plan Citus's (a delegated function call, a query Citus runs on the other nodes)? */
static bool
citus_plan(PlannedStmt *stmt)
{
	return IsA(stmt->planTree, CustomScan) &&
		strncmp(((CustomScan *) stmt->planTree)->methods->CustomName, "Citus", 5) == 0;
}

/* The first Citus table the statement reads, or InvalidOid */
static Oid
citus_table_in(PlannedStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION && wfauth_citus_table(rte->relid))
			return rte->relid;
	}
	return InvalidOid;
}

/* Refuse a statement Citus would send, reading relid (or none), that runs another role's code or expressions */
static void
refuse_sent_to_citus(Oid relid, bool from_others_code)
{
	if (from_others_code)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 OidIsValid(relid) ?
				 errmsg("permission denied: Citus table \"%s\" is read by code of another role while someone acts",
						get_rel_name(relid)) :
				 errmsg("permission denied: code of another role sends a statement to other Citus nodes while someone acts"),
				 errdetail("The nodes would run its expressions as the application's own, with the acting principal's access."),
				 errhint("Triggers, defaults, views and functions that the requests run must belong to the request role.")));
	if (OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: Citus table \"%s\" is read by a statement that runs expressions of another role",
						get_rel_name(relid)),
				 errdetail("The nodes that hold its shards would run them as the application's own, with the acting principal's access."),
				 errhint("Give every argument of another role's function, and use no view, rule or domain of another role, in statements on distributed tables.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied: a statement that runs expressions of another role is sent to another Citus node"),
			 errdetail("That node would run them as the application's own, with the acting principal's access."),
			 errhint("Give every argument of another role's function in statements Citus sends to other nodes.")));
}

/* Does a view or rule of another role put its expressions into the statement? */
static bool
reads_through_others(PlannedStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind != RTE_RELATION)
			continue;
		if ((OidIsValid(rte->checkAsUser) && another_role(rte->checkAsUser)) ||
			(rte->relkind == RELKIND_VIEW && another_role(wfauth_relation_owner(rte->relid))))
			return true;
	}
	return false;
}

/*
 * Would the statement read or write a protected table through another
 * role's code with someone acting?  That code would run with the acting
 * principal's access (or a DBA's) and could hand what it reads to its owner
 * -- a row inserted into the owner's table, a notification, a sequence's
 * value, none of which a rollback takes back -- or change access lists in
 * the principal's name.  Such code is:
 *   - a view's or a rule's: their relations are checked as their owner
 *     (checkAsUser), and their expressions, a rule's whole action, are the
 *     owner's;
 *   - a security_invoker view's expressions, though it reads as its caller;
 *   - the row-level security policies of another role's relation, whose
 *     subqueries read as the caller.
 * The statement is refused when it touches a protected table that the
 * role whose code runs does not own (the owner of a protected table can
 * read it anyway: see the README's "What cannot be hidden"), or that it
 * reaches through a view or rule at all.  As a function of another role
 * sees nobody.
 */
static void
refuse_protected_through_others(PlannedStmt *stmt)
{
	ListCell   *lc;
	List	   *coders = NIL;	/* roles whose views or policies run in the statement */
	bool		through_any = false;	/* a relation checked as another role */
	bool		nested;
	Oid			through = InvalidOid;
	Oid			refused_rel = InvalidOid;
	bool		principal_acts;

	/*
	 * On Citus the nodes that hold a distributed table's shards decide with
	 * the principal the coordinator signed for the transaction, and see
	 * nothing of whose code asks: inside another role's function, where the
	 * policies here see nobody, a protected Citus table is not read at all.
	 */
	if (others_functions > 0)
		foreach(lc, stmt->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->rtekind == RTE_RELATION && wfauth_protected_kind(rte->relid) != 0 &&
				wfauth_citus_table(rte->relid))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied: protected Citus table \"%s\" is read within a function of another role",
								get_rel_name(rte->relid)),
						 errdetail("The nodes that hold its shards would read it with the acting principal's access."),
						 errhint("Triggers, defaults and functions that the requests run must belong to the request role.")));
		}
	principal_acts = wfauth_current_principal_id() != 0;

	/*
	 * Nor, while someone acts, does Citus send the other nodes a statement
	 * that another role's code runs (its function, a statement nested in
	 * its view, default or trigger), or one that carries another role's
	 * expressions written out as the application's own (an argument default
	 * filled in, a view's or a rule's expanded; a distributed function's
	 * call Citus delegates, which reads no table here): the nodes would run
	 * them with the principal the coordinator signed, and they can read a
	 * protected table's shards by name there (attack passes 27 to 30).
	 * Nor once someone has acted in the transaction: the nodes' backends
	 * still claim its intermediate results for the principal, and would
	 * read them for such a statement (attack pass 35).
	 */
	if (principal_acts || wfauth_dba_acting() || wfauth_results_acted_here())
	{
		bool		from_others_code = others_functions + others_statements > 0;

		if (from_others_code || runs_others_expressions(stmt) || reads_through_others(stmt))
		{
			Oid			citus_relid = citus_table_in(stmt);

			if (OidIsValid(citus_relid) || citus_plan(stmt))
				refuse_sent_to_citus(citus_relid, from_others_code);
		}
	}
	if (!principal_acts && !wfauth_dba_acting())
		return;					/* nobody acts: the policies give nothing away */
	/* first, without reading wfauth's catalog: does another role's code run at all? */
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		Oid			owner;

		if (rte->rtekind != RTE_RELATION)
			continue;
		through_any |= OidIsValid(rte->checkAsUser) && another_role(rte->checkAsUser);
		owner = wfauth_relation_owner(rte->relid);
		if (!another_role(owner))
			continue;
		if (rte->relkind == RELKIND_VIEW)
		{
			Relation	view = RelationIdGetRelation(rte->relid);

			if (view != NULL)
			{
				if (RelationHasSecurityInvoker(view))
					coders = list_append_unique_oid(coders, owner);
				RelationClose(view);
			}
		}
		else if (policies_of_its_own(rte->relid))
			coders = list_append_unique_oid(coders, owner);
	}
	/*
	 * A statement that another role's statement runs -- a built-in such as
	 * query_to_xml() in its view or DEFAULT runs a query of its own -- is
	 * that role's code through and through.  (Inside another role's
	 * function the policies see nobody; a foreign-key check reads as the
	 * table's owner with row-level security off, as PostgreSQL's own, and
	 * reads nothing out; a DBA with no principal is under PostgreSQL's own
	 * rule: no DML or DDL on untrusted tables.)
	 */
	nested = others_statements > 0 && others_functions == 0 && !InNoForceRLSOperation() &&
		principal_acts;
	if (!through_any && coders == NIL && !nested)
		return;
	/* then: which protected table does it reach? */
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		Oid			owner;
		ListCell   *c;

		if (rte->rtekind != RTE_RELATION || wfauth_protected_kind(rte->relid) == 0)
			continue;
		owner = wfauth_relation_owner(rte->relid);
		if (OidIsValid(rte->checkAsUser) && another_role(rte->checkAsUser))
			through = rte->checkAsUser;
		foreach(c, coders)
			if (lfirst_oid(c) != owner)
				through = lfirst_oid(c);
		if (OidIsValid(through) || nested)
		{
			refused_rel = rte->relid;
			break;
		}
	}
	if (OidIsValid(refused_rel) && !OidIsValid(through))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: protected table \"%s\" is read by a statement within one that runs another role's code",
						get_rel_name(refused_rel)),
				 errdetail("A view, default, rule or trigger of another role can run a query of its own (query_to_xml(), ts_stat()); it would run with the acting principal's access."),
				 errhint("Read protected tables in statements that write to no other role's table and read through no other role's view.")));
	if (OidIsValid(refused_rel))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: protected table \"%s\" is reached through code of role \"%s\"",
						get_rel_name(refused_rel), GetUserNameFromId(through, false)),
				 errdetail("A view, rule, row-level security policy or expression of that role would run with the acting principal's access."),
				 errhint("Views, rules, policies and defaults that the requests use must belong to the request role.")));
}

/*
 * A top-level statement starts: when, for wfauth.decision_time().  The
 * first of a query message starts at statement_timestamp(); the ones after
 * it in the same message at their own start -- a message "SELECT
 * pg_sleep(3600); UPDATE ..." must not decide its UPDATE an hour early.
 */
static void
note_top_statement_start(void)
{
	TimestampTz message = GetCurrentStatementStartTimestamp();

	if (IsParallelWorker())
		return;					/* the leader's, from wfauth.decision_stamp */
	if (message != last_message_start)
		wfauth_top_statement_start = last_message_start = message;
	else
	{
		char		buf[32];

		wfauth_top_statement_start = GetCurrentTimestamp();
		/* parallel workers receive the settings, not this variable */
		snprintf(buf, sizeof(buf), INT64_FORMAT, wfauth_top_statement_start);
		decision_stamp_allowed = true;
		PG_TRY();
		{
			(void) set_config_option("wfauth.decision_stamp", buf, PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_LOCAL, true, ERROR, false);
		}
		PG_FINALLY();
		{
			decision_stamp_allowed = false;
		}
		PG_END_TRY();
	}
}

/* wfauth.decision_stamp: set only above, or restored in a parallel worker */
static bool
check_decision_stamp(char **newval, void **extra, GucSource source)
{
	if (decision_stamp_allowed || InitializingParallelWorker || source == PGC_S_DEFAULT)
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("parameter \"wfauth.decision_stamp\" cannot be set directly");
	return false;
}

static void
assign_decision_stamp(const char *newval, void *extra)
{
	if (IsParallelWorker() && newval && newval[0] != '\0')
		wfauth_top_statement_start = strtoi64(newval, NULL, 10);
}

static void
run_counted(QueryDesc *queryDesc, bool finish, ScanDirection direction, uint64 count, bool execute_once)
{
	bool		counts = statement_of_others(queryDesc);
	bool		entered = counts && others_functions + others_statements == 0;
	uint64		outer_frame = executor_frame;
	CommandId	outer_cid = executor_frame_cid;
	int			nestlevel;
	const char *cursor = NULL;

	if (outer_frame == 0 && !finish)
		note_top_statement_start();
	if (!finish)
		refuse_protected_through_others(queryDesc->plannedstmt);
	if (entered)
		park_cursors();
	others_statements += counts;
	executor_frame = ++executor_frames;
	executor_frame_cid = queryDesc->estate ? queryDesc->estate->es_output_cid : InvalidCommandId;
	/* another role's expressions (a default calling set_config()) keep no setting either */
	nestlevel = counts ? NewGUCNestLevel() : 0;
	PG_TRY();
	{
		if (finish)
		{
			if (prev_executor_finish)
				prev_executor_finish(queryDesc);
			else
				standard_ExecutorFinish(queryDesc);
		}
		else if (prev_executor_run)
			prev_executor_run(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		others_statements -= counts;
		executor_frame = outer_frame;
		executor_frame_cid = outer_cid;
		if (entered)
			cursor = unpark_cursors();
	}
	PG_END_TRY();
	if (nestlevel > 0)
		AtEOXact_GUC(false, nestlevel);
	if (cursor != NULL)
		refuse_cursor_left(cursor, "a statement that runs code");
}

/* The command id the innermost executor frame writes with (protect.c) */
CommandId
wfauth_executor_frame_cid(void)
{
	return executor_frame_cid;
}

/*
 * Which run of the executor is this -- the innermost ExecutorRun or
 * ExecutorFinish call (or utility command) in progress, each numbered once
 * in the backend's life (0 outside them: only in a statement during which
 * the library was loaded)?  A statement that code run from a trigger or a
 * function issues runs in a frame of its own: protect.c tells the two
 * halves of a row's move to another partition, which PostgreSQL runs in one
 * frame, from an insert that code run between them makes.
 */
uint64
wfauth_executor_frame(void)
{
	return executor_frame;
}

static void
executor_run(QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once)
{
	run_counted(queryDesc, false, direction, count, execute_once);
}

static void
executor_finish(QueryDesc *queryDesc)
{
	run_counted(queryDesc, true, NoMovementScanDirection, 0, false);
}

static void
forget_frames(XactEvent event, void *arg)
{
	Oid			userid;
	int			context;
	int			restricted;

	/*
	 * A procedure of another role does not end the application's
	 * transaction: the next would begin inside its security-restricted
	 * operation, and outlive it.  (Deferred triggers have fired by now.)
	 */
	if (event == XACT_EVENT_PRE_COMMIT && others_functions > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("a procedure of another role cannot commit the application's transaction")));
	if (event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	others_statements = 0;
	executor_frame = 0;

	/*
	 * Function frames are kept: an error unwinds them first, and a procedure
	 * of another role that ROLLBACKs still runs in its own -- restricted in
	 * the transaction it begins next, as in this one; with none left, the
	 * next transaction is restricted by nothing of theirs.
	 */
	GetUserIdAndSecContext(&userid, &context);
	restricted = others_functions > 0 ? context | SECURITY_RESTRICTED_OPERATION :
		context & ~SECURITY_RESTRICTED_OPERATION;
	if (restricted != context)
		SetUserIdAndSecContext(userid, restricted);
}

/*
 * COPY FROM and ALTER TABLE evaluate a table's defaults, CHECK constraints
 * and index expressions outside the executor: on another role's table they
 * run that role's code too, and count as its statements.  So does a CALL
 * that takes another role's argument defaults or coerces to its domain.
 */
static ProcessUtility_hook_type prev_process_utility = NULL;

static bool
utility_runs_others_code(Node *parsetree)
{
	RangeVar   *rv = NULL;
	Oid			relid;

	if (IsA(parsetree, CallStmt))
	{
		/* (its arguments were expanded when it was parsed: the call as written says which it left out) */
		CallStmt   *call = (CallStmt *) parsetree;
		List	   *owners = NIL;
		ListCell   *lc;

		note_defaults_owner(&owners, call->funcexpr->funcid, list_length(call->funccall->args));
		(void) note_expression_owners((Node *) call->funcexpr->args, &owners);
		foreach(lc, owners)
			if (another_role(lfirst_oid(lc)))
				return true;
		return false;
	}
	if (IsA(parsetree, CopyStmt) && ((CopyStmt *) parsetree)->is_from)
		rv = ((CopyStmt *) parsetree)->relation;
	else if (IsA(parsetree, AlterTableStmt))
		rv = ((AlterTableStmt *) parsetree)->relation;
	if (rv == NULL)
		return false;
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) && another_role(wfauth_relation_owner(relid));
}

/*
 * Citus forwards a transaction's SET LOCALs to every node it works on
 * (citus.propagate_set_commands = 'local'), where nothing rolls back the
 * one another role's code made when that code ends: a SET LOCAL
 * wfauth.assertion there left the application's later statements nobody
 * on the other nodes, another setting would stay for the transaction.
 */
static void
refuse_forwarded_setting(Node *parsetree)
{
	const char *forwarded;

	if ((others_functions == 0 && others_statements == 0) || !IsA(parsetree, VariableSetStmt) ||
		!((VariableSetStmt *) parsetree)->is_local)
		return;
	forwarded = GetConfigOption("citus.propagate_set_commands", true, false);
	if (forwarded != NULL && strcmp(forwarded, "local") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("SET LOCAL in code of another role would reach the transaction's other nodes"),
				 errdetail("Citus forwards SET LOCAL to every node the transaction works on, where it outlives that code."),
				 errhint("Give the function a SET clause (CREATE FUNCTION ... SET), which stays on this node.")));
}

/*
 * Another role's code runs no command that makes or changes an object, a
 * role's or a database's settings, or a grant (attack pass 31): it runs
 * as the application's role, so what it made would be the application's
 * -- a trigger on its table, its function replaced, its role's
 * search_path -- and would run later as the application's own code, with
 * whoever acts then; on Citus the command would also reach the other
 * nodes with the acting principal.  Allowed: commands that run statements
 * the executor checks, or that change nothing that outlives the code.
 */
static void
refuse_utility_in_others_code(Node *parsetree)
{
	if (others_functions + others_statements == 0)
		return;
	switch (nodeTag(parsetree))
	{
		case T_ExplainStmt:
			{
				/* (EXPLAIN ANALYZE CREATE TABLE AS makes a table through no utility command) */
				Query	   *query = castNode(Query, ((ExplainStmt *) parsetree)->query);

				if (query->commandType != CMD_UTILITY || !IsA(query->utilityStmt, CreateTableAsStmt))
					return;
				break;
			}
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_CallStmt:
		case T_DoStmt:
		case T_LockStmt:
		case T_NotifyStmt:
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_TransactionStmt:
		case T_ConstraintsSetStmt:
			return;
		default:
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied: code of another role runs %s in the application's session",
					CreateCommandName(parsetree)),
			 errdetail("What it made or changed would be the application's role's, and run later as its own code."),
			 errhint("Make and change objects in migrations, not in triggers, defaults or functions that requests run.")));
}

/* COPY ... WITH (format result): Citus's copy of an intermediate result, in or out */
static bool
copies_results(Node *parsetree)
{
	ListCell   *lc;

	if (!IsA(parsetree, CopyStmt))
		return false;
	foreach(lc, ((CopyStmt *) parsetree)->options)
	{
		DefElem    *option = lfirst_node(DefElem, lc);

		if (strcmp(option->defname, "format") == 0 && option->arg != NULL && IsA(option->arg, String) &&
			pg_strcasecmp(strVal(option->arg), "result") == 0)
			return true;
	}
	return false;
}

static void
process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				ProcessUtilityContext context, ParamListInfo params,
				QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	bool		counts = utility_runs_others_code(pstmt->utilityStmt);
	bool		entered = counts && others_functions + others_statements == 0;
	uint64		outer_frame = executor_frame;
	CommandId	outer_cid = executor_frame_cid;
	int			nestlevel;
	const char *cursor = NULL;
	bool		touches_results;

	if (outer_frame == 0)
		note_top_statement_start();
	wfauth_cluster_keep_signed();
	wfauth_results_statement();
	refuse_utility_in_others_code(pstmt->utilityStmt);
	wfauth_check_before_locking(pstmt->utilityStmt);
	wfauth_refuse_truncate_of_protected(pstmt->utilityStmt);
	refuse_forwarded_setting(pstmt->utilityStmt);
	touches_results = copies_results(pstmt->utilityStmt);
	if (touches_results)
		wfauth_results_touch();
	if (entered)
		park_cursors();
	/* a frame of its own too: COPY FROM inserts without the executor */
	others_statements += counts;
	executor_frame = ++executor_frames;
	executor_frame_cid = InvalidCommandId;
	nestlevel = counts ? NewGUCNestLevel() : 0;
	PG_TRY();
	{
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (touches_results)
			wfauth_results_done();
		others_statements -= counts;
		executor_frame = outer_frame;
		executor_frame_cid = outer_cid;
		if (entered)
			cursor = unpark_cursors();
	}
	PG_END_TRY();
	if (nestlevel > 0)
		AtEOXact_GUC(false, nestlevel);
	if (cursor != NULL)
		refuse_cursor_left(cursor, "a statement that runs code");
	wfauth_check_changed_domains();
}

static void
install_others_code_hooks(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = process_utility;
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = needs_hook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = function_hook;
	prev_executor_run = ExecutorRun_hook;
	ExecutorRun_hook = executor_run;
	prev_executor_finish = ExecutorFinish_hook;
	ExecutorFinish_hook = executor_finish;
	prev_planner = planner_hook;
	planner_hook = plan_noting_owners;
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = analyze_noting_owners;
	RegisterXactCallback(forget_frames, NULL);
}

/*
 * Refuse a call made by code another role wrote: inside its function
 * always; with statements, also inside a statement that runs its triggers,
 * rules or expressions (where the statement's own expressions, such as an
 * UPDATE's acl_grant(), run too: only changes of the model and of the
 * principal are refused there).
 */
void
wfauth_refuse_in_others_code(bool statements)
{
	if (others_functions > 0 || (statements && others_statements > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("wfauth's functions cannot be called from code of another role"),
				 errdetail("This call runs inside a trigger, rule, expression or function that a role other than "
						   "the session's wrote; it must not act with the session's principal."),
				 errhint("Call wfauth's functions in statements of their own, not inside statements that write "
						 "to another role's tables, nor from another role's functions.")));
}

/* Is a function of another role running (policies then see nobody)? */
bool
wfauth_in_others_function(void)
{
	return others_functions > 0;
}

/* SQL function: wfauth._refuse_in_others_code(statements boolean) */
PG_FUNCTION_INFO_V1(wfauth_refuse_in_others_code_sql);
Datum
wfauth_refuse_in_others_code_sql(PG_FUNCTION_ARGS)
{
	wfauth_refuse_in_others_code(PG_GETARG_BOOL(0));
	PG_RETURN_VOID();
}

/* --- wfauth's background workers ------------------------------------------- */

/*
 * The workers (logins.c) connect as the bootstrap superuser, and the
 * database's settings apply to it: a database owner may have set
 * session_authorization, role, search_path, default_transaction_read_only,
 * statement_timeout, DateStyle and more.  A worker's one transaction sets back every
 * setting it depends on, for the rest of that transaction.
 */
void
wfauth_worker_settings(void)
{
	static const char *const settings[][2] = {
		{"role", "none"},
		{"search_path", "pg_catalog, pg_temp"},
		{"transaction_isolation", "read committed"},
		{"transaction_read_only", "off"},
		{"statement_timeout", "0"},
		{"lock_timeout", "0"},
		/* a count reported durable is durable: a database's "off" made it async */
		{"synchronous_commit", "on"},
	};
	size_t		i;

	(void) set_config_option("session_authorization", GetUserNameFromId(BOOTSTRAP_SUPERUSERID, false),
							 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
	for (i = 0; i < lengthof(settings); i++)
		(void) set_config_option(settings[i][0], settings[i][1],
								 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
	for (i = 0; i < lengthof(portable_output); i++)
		(void) set_config_option(portable_output[i][0], portable_output[i][1],
								 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, ERROR, false);
}

/* --- wfauth's own functions, called from C ----------------------------------- */

/* wfauth.name(argtypes), found without the USAGE check a lookup by name makes */
Oid
wfauth_function_oid(const char *name, int nargs, const Oid *argtypes)
{
	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						   PointerGetDatum(buildoidvector(argtypes, nargs)),
						   ObjectIdGetDatum(get_namespace_oid("wfauth", false)));
}

/*
 * Call wfauth.name, one of wfauth's internal SECURITY DEFINER functions, as
 * its definer.  Through fmgr, so without the EXECUTE check (its caller is
 * wfauth's C code, which has checked whom it acts for), and with the
 * definer's rights and pinned settings that fmgr gives a SECURITY DEFINER
 * function.
 */
void
wfauth_call_definer(const char *name, int nargs, const Oid *argtypes, const NullableDatum *args)
{
	Oid			fn = wfauth_function_oid(name, nargs, argtypes);
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	bool		definer = HeapTupleIsValid(tuple) && ((Form_pg_proc) GETSTRUCT(tuple))->prosecdef;
	LOCAL_FCINFO(fcinfo, FUNC_MAX_ARGS);
	FmgrInfo	flinfo;
	int			i;

	if (HeapTupleIsValid(tuple))
		ReleaseSysCache(tuple);
	if (!definer)
		elog(ERROR, "wfauth.%s is not one of wfauth's SECURITY DEFINER functions", name);
	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, nargs, InvalidOid, NULL, NULL);
	for (i = 0; i < nargs; i++)
		fcinfo->args[i] = args[i];
	(void) FunctionCallInvoke(fcinfo);
}
