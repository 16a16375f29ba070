-- Operations (1.3): wfauth.stats, the counters a DBA can watch, and audit
-- retention with purge_audit().  With the library preloaded (as here) the
-- counts are the cluster's; a backend adds its own at the end of each
-- transaction, a failed one too.
\set VERBOSITY terse
SELECT scope FROM wfauth.stats;
SELECT wfauth.stats_reset();
SELECT token_authentications, token_failures, session_authentications, session_failures, logins,
       login_failures, logins_throttled, activations, activation_failures, context_loads
  FROM wfauth.stats;
SELECT wfauth.create_user('st-sam@example.com', 'sam''s long passphrase') AS sam \gset
SELECT wfauth.generate_token('st-sam@example.com', 'cli') AS tok \gset
-- two tokens accepted, one refused (its transaction rolled back: still counted)
SELECT wfauth.authenticate_token(:'tok') = :sam AS ok1;
SELECT wfauth.authenticate_token(:'tok') = :sam AS ok2;
SELECT try($$SELECT wfauth.authenticate_token('wfat_not_a_token')$$) AS refused;
-- a login, a wrong password, then throttled ones; a session accepted and one refused
SELECT wfauth.login('st-sam@example.com', 'sam''s long passphrase') AS sess \gset
SELECT wfauth.authenticate_session(:'sess') = :sam AS session_ok;
SELECT try($$SELECT wfauth.authenticate_session('wfas_not_a_session')$$) AS session_refused;
SET wfauth.max_failed_logins = 1;
SELECT try($$SELECT wfauth.login('st-sam@example.com', 'not the passphrase')$$) AS wrong;
UPDATE wfauth.passwords SET last_failed_at = now() + interval '1 minute'     -- (a slow machine)
 WHERE account_id = :sam;
SELECT try($$SELECT wfauth.login('st-sam@example.com', 'sam''s long passphrase')$$) AS throttled;
SELECT throttled_accounts >= 1 AS sam_is_throttled FROM wfauth.stats;
RESET wfauth.max_failed_logins;
SELECT token_authentications, token_failures, session_authentications, session_failures, logins,
       login_failures, logins_throttled, context_loads > 0 AS contexts_loaded,
       stats_reset <= now() AS since
  FROM wfauth.stats;
-- a context used again in another transaction is a hit
BEGIN;
SELECT wfauth.set_principal('st-sam@example.com');
SELECT count(*) >= 0 AS first FROM wfauth.effective_permissions(:sam);
COMMIT;
SELECT context_hits AS hits_before FROM wfauth.stats \gset
BEGIN;
SELECT wfauth.set_principal('st-sam@example.com');
SELECT count(*) >= 0 AS again FROM wfauth.effective_permissions(:sam);
COMMIT;
SELECT context_hits > :hits_before AS a_hit FROM wfauth.stats;
-- for DBAs only
SET ROLE wfauth_regress_app;
SELECT try($$SELECT * FROM wfauth.stats$$) AS app_reads_stats;
SELECT try($$SELECT wfauth.stats_reset()$$) AS app_resets_stats;
SELECT try($$SELECT wfauth.purge_audit('1 day')$$) AS app_purges_audit;
RESET ROLE;

-- audit retention: entries older than the age given go, in every tenant,
-- and the purge is recorded
INSERT INTO wfauth.audit_log (at, db_role, action, target) VALUES
    (now() - interval '400 days', 'old', 'st-old-entry', 'x'),
    (now() - interval '10 days', 'recent', 'st-recent-entry', 'x');
SELECT try($$SELECT wfauth.purge_audit(interval '-1 day')$$) AS negative_age;
SELECT wfauth.purge_audit('1 year') AS purged;
SELECT action FROM wfauth.audit_log WHERE action LIKE 'st-%' ORDER BY action;
SELECT action, details->>'rows' AS rows, details->>'older_than' AS older_than
  FROM wfauth.audit_log WHERE action = 'purge_audit';
SELECT wfauth.delete_account('st-sam@example.com');
