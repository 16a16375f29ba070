-- Attacks on the principal context, through the application role.
\set VERBOSITY terse
SELECT wfauth.create_user('mal@example.com', 'mal''s long passphrase', permissions => '{api_tokens}') AS mal \gset
SELECT wfauth.create_user('vip@example.com', permissions => '{accounts}') AS vip \gset
SELECT wfauth.generate_token('mal@example.com', 'mine') AS mal_tok \gset
SELECT wfauth.generate_token('vip@example.com', 'vip') AS vip_tok \gset
SET ROLE wfauth_regress_app;
-- forging the principal with SET or set_config, before or after authenticating
BEGIN;
SELECT wfauth.authenticate_token(:'mal_tok') = :mal AS mal;
SELECT try(format('SET LOCAL wfauth.principal = %s', :vip)) AS set_local;
SELECT try(format('SELECT set_config(%L, %L, true)', 'wfauth.principal', :vip)) AS set_config;
SELECT try($$SELECT wfauth._set_principal(1)$$) AS internal_function;
SELECT try($$SELECT wfauth.set_principal('vip@example.com')$$) AS dba_function;
SELECT wfauth.current_principal() = :mal AS still_mal;
COMMIT;
-- after COMMIT and after ROLLBACK nobody is acting
SELECT wfauth.current_principal() IS NULL AS nobody_after_commit;
BEGIN;
SELECT wfauth.authenticate_token(:'mal_tok') IS NOT NULL;
ROLLBACK;
SELECT wfauth.current_principal() IS NULL AS nobody_after_rollback;
-- ROLLBACK TO SAVEPOINT restores the principal of the savepoint
BEGIN;
SELECT wfauth.authenticate_token(:'mal_tok') IS NOT NULL;
SAVEPOINT sp;
SELECT wfauth.authenticate_token(:'vip_tok') = :vip AS vip_inside;
ROLLBACK TO SAVEPOINT sp;
SELECT wfauth.current_principal() = :mal AS mal_restored;
SAVEPOINT sp2;
SELECT try(format('SELECT wfauth.authenticate_token(%L)', 'wfat_x')) AS failed_auth;
ROLLBACK TO SAVEPOINT sp2;
SELECT wfauth.current_principal() = :mal AS mal_after_failed_auth;
COMMIT;
-- a session after logout
SELECT wfauth.login('mal@example.com', 'mal''s long passphrase') AS sess \gset
SELECT wfauth.end_session(:'sess');
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'sess')) AS session_after_logout;
RESET ROLE;
-- parallel workers act as the authenticated principal
SET force_parallel_mode = on;
SET parallel_setup_cost = 0;
SET ROLE wfauth_regress_app;
BEGIN;
SELECT wfauth.authenticate_token(:'mal_tok') IS NOT NULL;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    SELECT wfauth.has_permission(wfauth.current_principal(), 'api_tokens');
SELECT wfauth.current_principal() = :mal AS worker_sees_mal,
       wfauth.has_permission(wfauth.current_principal(), 'api_tokens') AS worker_check;
COMMIT;
RESET ROLE;
RESET force_parallel_mode;
RESET parallel_setup_cost;
-- no error message carries the secret it was given
SELECT strpos(try(format('SELECT wfauth.authenticate_token(%L)', :'mal_tok' || 'x')), substr(:'mal_tok', 6)) = 0
       AS token_not_in_message,
       strpos(try($$SELECT wfauth.login('mal@example.com', 'guess-number-one!!')$$), 'guess') = 0
       AS password_not_in_message;
