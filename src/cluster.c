/*
 * cluster.c — the acting principal across the nodes of a Citus cluster.
 *
 * A node that runs a distributed transaction on behalf of another (a
 * worker serving the coordinator's query, or any node serving another's)
 * learns who acts only from an assertion the initiating node signed: the
 * acting principal, session, tenant and Super Admin mode, whether a DBA
 * acts with no principal, the distributed transaction it belongs to, and
 * when it expires, under an HMAC-SHA256 with the key in the file named by
 * wfauth.cluster_key_file (the same content on every node).  The initiator
 * sets it with SET LOCAL wfauth.assertion whenever the acting principal
 * changes; Citus forwards the transaction's SET LOCALs to every node it
 * works on (citus.propagate_set_commands = 'local').
 *
 * The serving node takes it when each statement starts: a valid assertion
 * for this very distributed transaction becomes the acting principal;
 * anything else -- none, forged, another transaction's, expired, no key --
 * means nobody acts, and not even a DBA's rights (wfauth.principal's
 * "remote" mark).  The application's role may set wfauth.assertion to
 * anything it likes, and may switch the forwarding off: either way, the
 * serving node sees nobody.
 *
 * Citus is reached through its exported C functions, only when its
 * extension is in this database and its library is preloaded.
 */
#include "postgres.h"

#include <sys/stat.h>
#include <sodium.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "commands/extension.h"
#include "libpq/auth.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"
#include "utils/backend_status.h"

#include "wfauth.h"

#define ASSERTION_VERSION "w3"
#define CLUSTER_KEY_BYTES crypto_auth_hmacsha256_KEYBYTES

static char *cluster_key_file = NULL;
static char *assertion_setting = NULL;
static int	assertion_lifetime = 60;	/* seconds */

/* Citus 13's distributed transaction id (transaction_identifier.h) */
typedef struct CitusTransactionId
{
	int			initiatorNodeIdentifier;
	bool		transactionOriginator;
	uint64		transactionNumber;
	TimestampTz timestamp;
} CitusTransactionId;

static CitusTransactionId *(*citus_current_transaction) (void) = NULL;
static void (*citus_ensure_transaction) (void) = NULL;
static bool (*citus_internal_backend) (void) = NULL;

/* per transaction: is Citus here, and does this backend serve another node? */
static LocalTransactionId known_lxid = InvalidLocalTransactionId;
static bool citus_here = false;

/*
 * The assertion last taken: in which transaction, at which assignment of
 * wfauth.assertion, and the wfauth.principal value it made, installed at
 * which assignment of that.  Assignments are counted (assign hooks, also
 * run when a rollback restores a value): a value's address would not do,
 * as a freed value's memory holds a later one.
 */
static uint64 assertion_generation = 0;
static LocalTransactionId taken_lxid = InvalidLocalTransactionId;
static uint64 taken_generation = 0;
static char *taken_acting = NULL;
static TimestampTz taken_statement = 0;	/* the statement that verified it last */
static uint64 installed_generation = 0;

static char **signed_fields(const char *assertion);
static bool load_key(void);

/* the credential the next principal set authenticated with ('t' token, 's' session) */
static char pending_credential_kind = 0;
static int64 pending_credential_id = 0;

/*
 * What this node signed last, in which transaction, for which role: the
 * role the other nodes' connections run as, which changes with SET ROLE.
 */
static LocalTransactionId signed_lxid = InvalidLocalTransactionId;
static Oid	signed_role = InvalidOid;
static char signed_acting[128];
static char signed_credential[32];
static bool signed_dba = false;
static TimestampTz signed_renew_at = 0;

/*
 * What was signed, as each open subtransaction began: a rollback to a
 * savepoint restores wfauth.assertion (SET LOCAL), so it restores this too
 * (else the principal in force would be re-signed with another's
 * credential, or none).
 */
typedef struct SignedState
{
	SubTransactionId subid;
	LocalTransactionId lxid;
	Oid			role;
	char		acting[128];
	char		credential[32];
	bool		dba;
	TimestampTz renew_at;
} SignedState;

static List *signed_saved = NIL;	/* of SignedState *, innermost first */

/* the key: read from the file, kept while the file is unchanged */
static unsigned char cluster_key[CLUSTER_KEY_BYTES];
static char *key_path = NULL;
static struct stat key_stat;

static emit_log_hook_type prev_emit_log_hook = NULL;
static ClientAuthentication_hook_type prev_client_authentication_hook = NULL;

/*
 * A signature (a mac in hex) that reached this node in a command's text --
 * or a token the application wrote into its query -- is blanked there as
 * soon as it is used: in the text current_query() and
 * pg_stat_statements read (a function of another role running later in
 * the same query string, as a shadow of one of Citus's unqualified calls
 * can) and in pg_stat_activity, where the session's role -- and code of
 * another role running as it -- would read it off this node's connections
 * and replay it.  The statements still to run were parsed already.
 */
void
wfauth_hide_in_query(const char *secret)
{
	char	   *text = unconstify(char *, debug_query_string);
	char	   *at;
	bool		found = false;

	if (text == NULL || strlen(secret) < 20)	/* (a secret, not a word of the query) */
		return;
	while ((at = strstr(text, secret)) != NULL)
	{
		memset(at, '*', strlen(secret));
		found = true;
	}
	if (found && MyBEEntry != NULL)
		pgstat_report_activity(STATE_RUNNING, text);
}

/*
 * Each assignment is counted; one that arrives in a command (Citus's
 * forwarded SET LOCAL) is blanked in the command's text.
 */
static void
assign_assertion(const char *newval, void *extra)
{
	char	  **fields;

	assertion_generation++;
	if (newval == NULL || newval[0] == '\0')
		return;
	wfauth_hide_in_query(newval);

	/*
	 * A signature that arrives is remembered as spent when this transaction
	 * ends, whether or not a statement takes it: a connection of Citus's
	 * that only copies rows or takes locks before the transaction ends
	 * would leave nothing to refuse a replay with (attack pass 29).  Only
	 * with the key at hand (loaded when Citus's connection began: no file
	 * is read here), so that only this cluster's signatures are kept; and
	 * not one spent already, which a replay brings (it would count as this
	 * transaction's own).
	 */
	if (key_path != NULL && IsTransactionState() && (fields = signed_fields(newval)) != NULL &&
		!wfauth_signature_spent(fields[9], strtoi64(fields[7], NULL, 10)))
		wfauth_signature_taken(fields[9], strtoi64(fields[7], NULL, 10));
}

/* SHOW, current_setting(), pg_settings: only a superuser sees the value (not pg_read_all_settings) */
static const char *
show_assertion(void)
{
	return assertion_setting[0] == '\0' || superuser() ? assertion_setting : "<hidden>";
}

/*
 * Messages the server log keeps (log_statement's, citus.log_remote_commands'
 * "issuing ..." where logged) show no signature: each run of 64 hex digits
 * (a mac, or anything as long) becomes asterisks.  (PostgreSQL calls the
 * hook only for messages that reach the log.)
 */
static void
hide_signatures(char *text)
{
	while (text != NULL && *text != '\0')
	{
		size_t		run = strspn(text, "0123456789abcdefABCDEF");

		if (run >= 2 * crypto_auth_hmacsha256_BYTES)
			memset(text, '*', run);
		text += run > 0 ? run : 1;
	}
}

static void
hide_signatures_in_message(ErrorData *edata)
{
	hide_signatures(edata->message);
	hide_signatures(edata->detail);
	hide_signatures(edata->context);
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

static void
save_signed_state(SubXactEvent event, SubTransactionId mySubid,
				  SubTransactionId parentSubid, void *arg)
{
	SignedState *state;
	MemoryContext old;

	if (event == SUBXACT_EVENT_START_SUB)
	{
		state = MemoryContextAlloc(TopTransactionContext, sizeof(SignedState));
		state->subid = mySubid;
		state->lxid = signed_lxid;
		state->role = signed_role;
		memcpy(state->acting, signed_acting, sizeof(signed_acting));
		memcpy(state->credential, signed_credential, sizeof(signed_credential));
		state->dba = signed_dba;
		state->renew_at = signed_renew_at;
		old = MemoryContextSwitchTo(TopTransactionContext);
		signed_saved = lcons(state, signed_saved);
		MemoryContextSwitchTo(old);
		return;
	}
	if ((event != SUBXACT_EVENT_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB) || signed_saved == NIL ||
		(state = linitial(signed_saved))->subid != mySubid)
		return;
	signed_saved = list_delete_first(signed_saved);
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		signed_lxid = state->lxid;
		signed_role = state->role;
		memcpy(signed_acting, state->acting, sizeof(signed_acting));
		memcpy(signed_credential, state->credential, sizeof(signed_credential));
		signed_dba = state->dba;
		signed_renew_at = state->renew_at;
	}
}

static void
forget_signed_states(XactEvent event, void *arg)
{
	signed_saved = NIL;			/* (in TopTransactionContext) */
}

/*
 * A connection Citus opens to this node (application_name "citus_internal
 * gpid=...", or another of Citus's names) carries the signed principal in
 * the text of its commands, which PostgreSQL publishes in pg_stat_activity
 * before any of them runs -- to every session of the same role, and to code
 * of another role running as it.  So such a connection does not publish
 * its commands (track_activities off, as a server setting: no client
 * setting overrides it).
 */
static void
hide_citus_commands(Port *port, int status)
{
	ListCell   *lc;

	if (prev_client_authentication_hook)
		prev_client_authentication_hook(port, status);
	if (status != STATUS_OK || !wfauth_citus_preloaded())
		return;
	/* the startup packet's settings: name, value, name, value ... */
	for (lc = list_head(port->guc_options); lc != NULL && lnext(port->guc_options, lc) != NULL;
		 lc = lnext(port->guc_options, lnext(port->guc_options, lc)))
	{
		const char *name = lfirst(lc);
		const char *value = lfirst(lnext(port->guc_options, lc));

		if (strcmp(name, "application_name") == 0 && strncmp(value, "citus", 5) == 0 &&
			strstr(value, "gpid=") != NULL)
		{
			SetConfigOption("track_activities", "off", PGC_SUSET, PGC_S_OVERRIDE);
			/* (and the key at hand before an assertion arrives: assign_assertion) */
			(void) load_key();
		}
	}
}

void
WfauthClusterInit(void)
{
	DefineCustomStringVariable("wfauth.cluster_key_file",
							   "File holding the key that signs the acting principal for the other nodes of a Citus cluster.",
							   "The same content on every node, readable by the server's user only. Empty: no principal reaches another node.",
							   &cluster_key_file, "", PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("wfauth.assertion",
							   "The acting principal, as signed by the node that started the distributed transaction.",
							   "Set by wfauth on that node; Citus forwards it. Any other value means nobody acts.",
							   &assertion_setting, "", PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_SUPERUSER_ONLY,
							   NULL, assign_assertion, show_assertion);
	DefineCustomIntVariable("wfauth.cluster_assertion_lifetime",
							"How long a signed principal counts on the other nodes of a Citus cluster.",
							"A transaction that lasts longer is signed again at its first statement past half of it.",
							&assertion_lifetime, 60, 0, 86400, PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = hide_signatures_in_message;
	prev_client_authentication_hook = ClientAuthentication_hook;
	ClientAuthentication_hook = hide_citus_commands;
	RegisterSubXactCallback(save_signed_state, NULL);
	RegisterXactCallback(forget_signed_states, NULL);
}

/* Is "citus" among shared_preload_libraries (fixed at server start)? */
bool
wfauth_citus_preloaded(void)
{
	static int	preloaded = -1;

	if (preloaded < 0)
	{
		char	   *libraries = pstrdup(GetConfigOption("shared_preload_libraries", false, false));
		List	   *names = NIL;
		ListCell   *lc;

		preloaded = 0;
		if (SplitIdentifierString(libraries, ',', &names))
			foreach(lc, names)
				preloaded |= strcmp(lfirst(lc), "citus") == 0;
	}
	return preloaded == 1;
}

/* Is Citus in this database (its extension, its library loaded)?  Once per transaction. */
static bool citus_present(void);

/* Is Citus in this database (and preloaded)? */
bool
wfauth_citus_present(void)
{
	return citus_present();
}

static bool
citus_present(void)
{
	if (known_lxid == MyProc->lxid)
		return citus_here;
	known_lxid = MyProc->lxid;
	citus_here = wfauth_citus_preloaded() && IsTransactionState() &&
		OidIsValid(get_extension_oid("citus", true));
	if (citus_here && citus_current_transaction == NULL)
	{
		citus_current_transaction = load_external_function("citus", "GetCurrentDistributedTransactionId", true, NULL);
		citus_ensure_transaction = load_external_function("citus", "EnsureDistributedTransactionId", true, NULL);
		citus_internal_backend = load_external_function("citus", "IsCitusInternalBackend", true, NULL);
	}
	return citus_here;
}

/*
 * Does this backend serve another node: a distributed transaction it did
 * not start (another node's, or this node's own that a client joined with
 * assign_distributed_transaction_id(): attack pass 33), or any connection
 * Citus opened from another node (also outside a transaction block, where
 * it assigns no transaction id)?  The latter Citus tells by the
 * connection's application_name, which a client may copy -- and so lose
 * its own rights, nothing more.
 */
static bool
serving_another_node(void)
{
	CitusTransactionId *id = citus_current_transaction();

	return (id->transactionNumber != 0 && !id->transactionOriginator) ||
		citus_internal_backend();
}

/*
 * The distributed transaction this backend is in, where Citus is: false
 * when there is none.
 */
bool
wfauth_citus_transaction(int32 *initiator, uint64 *number, bool *originator)
{
	CitusTransactionId *id;

	if (!citus_present())
		return false;
	id = citus_current_transaction();
	*initiator = id->initiatorNodeIdentifier;
	*number = id->transactionNumber;
	*originator = id->transactionOriginator;
	return id->transactionNumber != 0;
}

/*
 * The key, derived from the key file's content (BLAKE2b); false when no
 * file is set.  A file that others than the server's user may read, or
 * that is too short, is an error: the principal must not be signed with a
 * key anyone else could have.
 */
static bool
load_key(void)
{
	struct stat st;
	FILE	   *file;
	char		buf[4096];
	size_t		len;

	if (cluster_key_file == NULL || cluster_key_file[0] == '\0')
		return false;
	if (stat(cluster_key_file, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the cluster key file \"%s\": %m", cluster_key_file)));
	if (key_path && strcmp(key_path, cluster_key_file) == 0 && st.st_mtime == key_stat.st_mtime &&
		st.st_size == key_stat.st_size && st.st_ino == key_stat.st_ino)
		return true;
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0 || st.st_uid != geteuid())
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("cluster key file \"%s\" must be a file of the server's user that no one else can read",
						cluster_key_file),
				 errhint("chmod 0600 it, as the server's user.")));
	file = AllocateFile(cluster_key_file, "rb");
	if (file == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open the cluster key file \"%s\": %m", cluster_key_file)));
	len = fread(buf, 1, sizeof(buf), file);
	FreeFile(file);
	if (len < 32)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("cluster key file \"%s\" holds fewer than 32 bytes", cluster_key_file),
				 errhint("Fill it with random bytes, e.g. openssl rand -hex 32.")));
	crypto_generichash(cluster_key, sizeof(cluster_key), (unsigned char *) buf, len, NULL, 0);
	sodium_memzero(buf, sizeof(buf));
	if (key_path)
		pfree(key_path);
	key_path = MemoryContextStrdup(TopMemoryContext, cluster_key_file);
	key_stat = st;
	return true;
}

/* payload's mac under the cluster key, in hex */
static char *
mac_hex(const char *payload)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char	   *hex = palloc(2 * sizeof(mac) + 1);

	crypto_auth_hmacsha256(mac, (const unsigned char *) payload, strlen(payload), cluster_key);
	sodium_bin2hex(hex, 2 * sizeof(mac) + 1, mac, sizeof(mac));
	return hex;
}

/* payload|mac */
static char *
sign(const char *payload)
{
	return psprintf("%s|%s", payload, mac_hex(payload));
}

/* Is hex the mac of the len bytes at data?  (In constant time.) */
static bool
mac_matches(const char *hex, const char *data, size_t len)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	return strlen(hex) == 2 * sizeof(mac) &&
		sodium_hex2bin(mac, sizeof(mac), hex, strlen(hex), NULL, NULL, NULL) == 0 &&
		crypto_auth_hmacsha256_verify(mac, (const unsigned char *) data, len, cluster_key) == 0;
}

/* The credential the principal about to be set authenticated with (credentials.c) */
void
wfauth_cluster_credential(char kind, int64 id)
{
	pending_credential_kind = kind;
	pending_credential_id = id;
}

/* a role's name, in hex: no role name can reach into the next field */
static char *
role_field(Oid role)
{
	const char *name = GetUserNameFromId(role, false);
	char	   *hex = palloc(2 * strlen(name) + 1);

	sodium_bin2hex(hex, 2 * strlen(name) + 1, (const unsigned char *) name, strlen(name));
	return hex;
}

/*
 * citus.log_remote_commands, which any role may set, has Citus show the
 * client every command it sends to another node -- the SET LOCAL that
 * carries the assertion too -- at NOTICE, where no hook of ours sees it
 * (emit_log_hook sees only what goes to the server's log): a client that
 * read it could act with it from another connection, in the transaction's
 * lifetime.  While this node signs for the transaction, only a superuser
 * may have it on.
 */
static GucBoolCheckHook citus_log_check = NULL;
static struct config_bool *citus_log = NULL;
static bool citus_log_guarded = false;

static bool
signed_here_now(void)
{
	return signed_lxid == MyProc->lxid && IsTransactionState() && !superuser_arg(GetOuterUserId());
}

/* citus.log_remote_commands' check, wrapped: not on while this node signs */
static bool
check_citus_log(bool *newval, void **extra, GucSource source)
{
	if (*newval && signed_here_now())
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("citus.log_remote_commands would show the acting principal's signed assertion");
		return false;
	}
	return citus_log_check ? citus_log_check(newval, extra, source) : true;
}

/*
 * Every way of turning it on goes through its check (SET, set_config(),
 * a function's SET clause), which wfauth wraps.
 */
static void
guard_citus_log(void)
{
	struct config_generic **options = get_guc_variables();
	int			n = GetNumConfigOptions();

	if (citus_log_guarded)
		return;
	citus_log_guarded = true;
	for (int i = 0; i < n; i++)
		if (options[i]->vartype == PGC_BOOL && strcmp(options[i]->name, "citus.log_remote_commands") == 0)
		{
			citus_log = (struct config_bool *) options[i];
			citus_log_check = citus_log->check_hook;
			citus_log->check_hook = check_citus_log;
		}
}

/*
 * Is it on, or would a value the session could return to without that
 * check be -- the connection's own (RESET), one a rollback or the end of
 * a function's SET clause restores?  When a node signs none may be: from
 * then on, only values its check let through are made or saved, so none
 * is on until the transaction ends.
 */
static bool
citus_log_could_show(void)
{
	if (citus_log == NULL)
		return false;
	if (*citus_log->variable || citus_log->reset_val)
		return true;
	for (GucStack *saved = citus_log->gen.stack; saved != NULL; saved = saved->prev)
		if (saved->prior.val.boolval || (saved->state == GUC_SET_LOCAL && saved->masked.val.boolval))
			return true;
	return false;
}

static void
refuse_shown_assertion(void)
{
	guard_citus_log();
	if (citus_log_could_show() && !superuser_arg(GetOuterUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("citus.log_remote_commands would show the acting principal's signed assertion"),
				 errdetail("Citus shows the client every command it sends to the other nodes, the one that carries "
						   "the assertion too; it is on, or would be again on RESET, a rollback or a function's return."),
				 errhint("Turn citus.log_remote_commands off for the session (SET, not SET LOCAL; not in the connection's "
						 "options) while a principal or a DBA acts, or use it as a superuser.")));
}

/* SET LOCAL wfauth.assertion to what signed_* hold, for the role acting now */
static void
sign_assertion(void)
{
	CitusTransactionId *id;
	TimestampTz now = GetCurrentTimestamp();
	char	   *payload;
	char	   *signed_value;
	char	   *command;

	refuse_shown_assertion();
	citus_ensure_transaction();
	id = citus_current_transaction();
	signed_lxid = MyProc->lxid;
	signed_role = GetOuterUserId();
	signed_renew_at = now + (int64) assertion_lifetime * USECS_PER_SEC / 2;
	payload = psprintf(ASSERTION_VERSION "|%s|%d|%s|%s|%d|" UINT64_FORMAT "|" INT64_FORMAT "|" INT64_FORMAT,
					   signed_acting, signed_dba ? 1 : 0, signed_credential, role_field(signed_role),
					   id->initiatorNodeIdentifier, id->transactionNumber, id->timestamp,
					   now + (int64) assertion_lifetime * USECS_PER_SEC);
	signed_value = sign(payload);
	/*
	 * This node, too, refuses it once this transaction ends (replay.c):
	 * replayed here, under this transaction's id, it would be another
	 * node's word like any other.
	 */
	wfauth_signature_taken(strrchr(signed_value, '|') + 1, id->timestamp);
	/* a SET LOCAL statement, which Citus forwards to the other nodes */
	command = psprintf("SET LOCAL wfauth.assertion = %s", quote_literal_cstr(signed_value));
	SPI_connect();
	if (SPI_execute(command, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set wfauth.assertion");
	SPI_finish();
}

/*
 * The initiating node: sign who acts now for the nodes this distributed
 * transaction reaches.  acting is wfauth.principal's value ("" when nobody
 * acts); dba whether a DBA acts with no principal.  Nothing happens
 * without Citus, without a key, or on a node that serves another.
 *
 * The assertion names the role the session acts as (SET ROLE's, not a
 * SECURITY DEFINER function's), and the other nodes take it only on a
 * connection of that role: code of another role that reads it (a column's
 * default, a trigger) cannot act with it from a session of its own.
 */
void
wfauth_cluster_sign(const char *acting, bool dba)
{
	char		credential[32] = "-";

	if (pending_credential_kind != 0)
		snprintf(credential, sizeof(credential), "%c" INT64_FORMAT, pending_credential_kind, pending_credential_id);
	else if (signed_lxid == MyProc->lxid && acting[0] != '\0' &&
			 strtoi64(acting, NULL, 10) == strtoi64(signed_acting, NULL, 10))
	{
		/*
		 * The same principal in another mode or tenant (super_admin_mode(),
		 * set_tenant()): still only while the credential it authenticated
		 * with is good.
		 */
		strlcpy(credential, signed_credential, sizeof(credential));
	}
	pending_credential_kind = 0;
	if (!citus_present() || serving_another_node())
		return;
	/* the transaction's intermediate results are the principal's from now on */
	if (acting[0] != '\0' || dba)
	{
		citus_ensure_transaction();
		wfauth_results_acting();
	}
	if (!load_key())
		return;
	strlcpy(signed_acting, acting, sizeof(signed_acting));
	strlcpy(signed_credential, credential, sizeof(signed_credential));
	signed_dba = dba;
	sign_assertion();
}

/*
 * At each statement's start on the initiating node (the executor's and
 * utility commands'): after a SET ROLE, the other nodes' connections run
 * as the new role, so sign for it; and past half the assertion's lifetime,
 * sign it again, so that a node the transaction reaches later takes it.  (The lifetime is short: it bounds
 * a replay, on a node the transaction never reached, of an assertion seen
 * somewhere -- the nodes it reached refuse it once it ends, replay.c.)
 */
void
wfauth_cluster_keep_signed(void)
{
	if (likely(signed_lxid != MyProc->lxid) || !IsTransactionState())
		return;
	if ((signed_role == GetOuterUserId() && GetCurrentStatementStartTimestamp() < signed_renew_at) ||
		!IsTransactionState() || !citus_present() || serving_another_node() || !load_key())
		return;
	sign_assertion();
}

/*
 * An assertion's fields, split at its bars, when it is one of this
 * cluster's -- its mac, which covers everything before it, matches under
 * the key loaded -- or NULL:
 * w3|acting|dba|credential|role|initiator|number|stamp|expiry|mac
 */
static char **
signed_fields(const char *assertion)
{
	char	   *value = pstrdup(assertion);
	char	  **fields = palloc(10 * sizeof(char *));
	int			n = 0;
	char	   *p = value;
	char	   *bar;

	while (n < 9 && (bar = strchr(p, '|')) != NULL)
	{
		fields[n++] = p;
		*bar = '\0';
		p = bar + 1;
	}
	fields[n++] = p;
	if (n != 10 || strcmp(fields[0], ASSERTION_VERSION) != 0 ||
		!mac_matches(fields[9], assertion, fields[9] - value - 1))
		return NULL;
	return fields;
}

/*
 * The acting principal the assertion signs for this distributed
 * transaction (palloc'd, "" for nobody), or NULL when it is missing or not
 * valid here and now.  *signed_someone: this cluster signed someone (a
 * principal or a DBA) for this transaction and role, valid or not now --
 * expired, spent, its credential revoked: the transaction's intermediate
 * results here are theirs all the same (attack pass 35).
 */
static char *
verified_acting(bool *dba, bool *signed_someone)
{
	char	  **fields;
	CitusTransactionId *id = citus_current_transaction();

	*signed_someone = false;
	if (assertion_setting[0] == '\0' || !load_key() || (fields = signed_fields(assertion_setting)) == NULL)
		return NULL;
	/* for this transaction, on a connection of the role it was signed for, still */
	if (strcmp(fields[4], role_field(GetOuterUserId())) != 0 ||
		strtol(fields[5], NULL, 10) != id->initiatorNodeIdentifier ||
		strtou64(fields[6], NULL, 10) != id->transactionNumber ||
		strtoi64(fields[7], NULL, 10) != id->timestamp)
		return NULL;
	*signed_someone = fields[1][0] != '\0' || strcmp(fields[2], "1") == 0;
	if (strtoi64(fields[8], NULL, 10) <= GetCurrentTimestamp())
		return NULL;
	/* not taken here by a transaction that has ended (replay.c) */
	if (wfauth_signature_spent(fields[9], id->timestamp))
		return NULL;
	/* the credential it was signed for, still good here and now */
	if ((fields[3][0] == 't' || fields[3][0] == 's') &&
		!wfauth_credential_live(fields[3][0], strtoi64(fields[3] + 1, NULL, 10)))
		return NULL;
	wfauth_signature_taken(fields[9], id->timestamp);
	*dba = strcmp(fields[2], "1") == 0;
	return fields[1];
}

/*
 * At each statement's start, and whenever who acts is asked: on a node
 * serving another node's distributed transaction, take the assertion
 * (verified once per value and statement: a revoked credential, or
 * another transaction that took it ending, holds from the next
 * statement) and make it the acting
 * principal -- or nobody, with no DBA's rights.  Asking matters where the
 * library was loaded during the statement (after it started).  In a
 * parallel query it cannot be made: nobody acts there (so preload wfauth
 * on Citus nodes).
 */
void
wfauth_cluster_take_assertion(void)
{
	if (likely(!wfauth_citus_preloaded()))
		return;
	/* per row of a shard's policies: the assertion taken is in force */
	if (taken_lxid == MyProc->lxid && taken_generation == assertion_generation &&
		taken_statement == GetCurrentStatementStartTimestamp() &&
		installed_generation == wfauth_principal_generation())
		return;
	if (IsParallelWorker() || !IsTransactionState() || !citus_present() || !serving_another_node())
		return;
	if (taken_lxid != MyProc->lxid || taken_generation != assertion_generation ||
		taken_statement != GetCurrentStatementStartTimestamp())
	{
		bool		dba = false;
		bool		signed_someone;
		char	   *acting = verified_acting(&dba, &signed_someone);
		char	   *made;

		if (signed_someone)
			wfauth_results_acting();
		made = MemoryContextStrdup(TopMemoryContext,
								   wfauth_remote_acting_value(acting ? acting : "", acting != NULL && dba));

		/* (recorded only once made: an error above leaves nothing to reuse) */
		if (taken_acting)
			pfree(taken_acting);
		taken_acting = made;
		taken_generation = assertion_generation;
		taken_statement = GetCurrentStatementStartTimestamp();

		/*
		 * Kept for the transaction once Citus has given it its distributed
		 * id: the statement that assigns it (the first Citus sends) starts
		 * before it has one.
		 */
		taken_lxid = citus_current_transaction()->transactionNumber != 0 ?
			MyProc->lxid : InvalidLocalTransactionId;
	}
	if (strcmp(wfauth_principal_setting(), taken_acting) != 0 && !IsInParallelMode())
		wfauth_act_for_another_node(taken_acting);
	installed_generation = wfauth_principal_generation();
}

/*
 * A registration of a protected table (its identity on every node: name and
 * first shard; kind, or "-" to unregister) for the other nodes of this
 * distributed transaction, as the node whose protect() or unprotect()
 * decided it sends it: the same key as the principal's, a payload no
 * assertion can have.
 */
static char *
registration_payload(const char *identity, const char *kind, CitusTransactionId *id)
{
	return psprintf("register|%s|%s|%d|" UINT64_FORMAT "|" INT64_FORMAT,
					identity, kind, id->initiatorNodeIdentifier, id->transactionNumber, id->timestamp);
}

static const char *
registration_kind(FunctionCallInfo fcinfo)
{
	return PG_ARGISNULL(1) ? "-" : psprintf("%d", PG_GETARG_INT16(1));
}

/*
 * SQL function: wfauth._sign_registration(identity text, kind smallint) → text --
 * internal (protect(), unprotect()): the mac another node's
 * _register_protected() asks for; NULL without Citus or a key.
 */
PG_FUNCTION_INFO_V1(wfauth_sign_registration);
Datum
wfauth_sign_registration(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || !citus_present() || !load_key())
		PG_RETURN_NULL();
	citus_ensure_transaction();
	PG_RETURN_TEXT_P(cstring_to_text(mac_hex(registration_payload(text_to_cstring(PG_GETARG_TEXT_PP(0)),
																  registration_kind(fcinfo),
																  citus_current_transaction()))));
}

/*
 * SQL function: wfauth._registration_signed(identity text, kind smallint,
 * mac text) → boolean -- internal: does mac sign this registration for the
 * distributed transaction this node serves?
 */
PG_FUNCTION_INFO_V1(wfauth_registration_signed);
Datum
wfauth_registration_signed(PG_FUNCTION_ARGS)
{
	CitusTransactionId *id;
	char	   *mac;
	char	   *payload;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_BOOL(false);
	mac = text_to_cstring(PG_GETARG_TEXT_PP(2));
	wfauth_hide_in_query(mac);
	if (!citus_present() || !serving_another_node() ||
		citus_current_transaction()->transactionNumber == 0 || !load_key())
		PG_RETURN_BOOL(false);
	id = citus_current_transaction();
	payload = registration_payload(text_to_cstring(PG_GETARG_TEXT_PP(0)), registration_kind(fcinfo), id);
	if (!mac_matches(mac, payload, strlen(payload)) || wfauth_signature_spent(mac, id->timestamp))
		PG_RETURN_BOOL(false);
	wfauth_signature_taken(mac, id->timestamp);
	PG_RETURN_BOOL(true);
}

/*
 * SQL function: wfauth._send_to_workers(command) -- internal: run command on
 * every other node with Citus's metadata, in this distributed transaction
 * (committed with it), as the session's role: on the connections that made
 * the session's DDL there, so that it sees what they made.
 */
PG_FUNCTION_INFO_V1(wfauth_send_to_workers);
Datum
wfauth_send_to_workers(PG_FUNCTION_ARGS)
{
	/* Citus's worker_transaction.h: REMOTE_METADATA_NODES, every node with metadata but this one */
	const int	remote_metadata_nodes = 1;
	void		(*send) (int target, const char *user, const char *command);

	if (!citus_present())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("citus is not loaded in this database")));
	send = load_external_function("citus", "SendCommandToWorkersAsUser", true, NULL);
	send(remote_metadata_nodes, GetUserNameFromId(GetOuterUserId(), false),
		 text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}
