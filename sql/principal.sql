-- The acting principal: transaction-scoped, restored by savepoints, seen by
-- parallel workers, and impossible to forge with SET or set_config.
\set VERBOSITY terse
SELECT wfauth.create_user('pat@example.com', permissions => '{logs}') AS pat \gset
SELECT wfauth.current_principal() IS NULL AS nobody;
BEGIN;
SELECT wfauth.set_principal('PAT@example.com');
SELECT wfauth.current_principal() = :pat AS pat_acting;
COMMIT;
SELECT wfauth.current_principal() IS NULL AS gone_after_commit;
-- savepoints: rolling back restores the previous principal
SELECT wfauth.create_user('quinn@example.com') AS quinn \gset
BEGIN;
SELECT wfauth.set_principal('pat@example.com');
SAVEPOINT s;
SELECT wfauth.set_principal('quinn@example.com');
SELECT wfauth.current_principal() = :quinn AS quinn_acting;
ROLLBACK TO SAVEPOINT s;
SELECT wfauth.current_principal() = :pat AS pat_restored;
RELEASE SAVEPOINT s;
SELECT wfauth.reset_principal();
SELECT wfauth.current_principal() IS NULL AS reset;
ROLLBACK;
-- forging is refused, whoever tries
SELECT try(format('SET wfauth.principal = %s', :pat));
SELECT try(format('SET LOCAL wfauth.principal = %s', :pat));
SELECT try(format('SELECT set_config(%L, %L, false)', 'wfauth.principal', :pat));
SELECT try(format('ALTER ROLE wfauth_regress_app SET wfauth.principal = %s', :pat));
SELECT try(format('ALTER DATABASE %I SET wfauth.principal = %s', current_database(), :pat));
SET ROLE wfauth_regress_app;
SELECT try(format('SET wfauth.principal = %s', :pat));
SELECT try($$SELECT wfauth.reset_principal()$$);
RESET ROLE;
SELECT wfauth.current_principal() IS NULL AS still_nobody;
-- RESET only ever clears it
BEGIN;
SELECT wfauth.set_principal('pat@example.com');
RESET wfauth.principal;
SELECT wfauth.current_principal() IS NULL AS cleared;
ROLLBACK;
-- parallel workers see their leader's principal
SET force_parallel_mode = on;
SET parallel_setup_cost = 0;
BEGIN;
SELECT wfauth.set_principal('pat@example.com');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    SELECT wfauth.has_permission(wfauth.current_principal(), 'logs');
SELECT wfauth.current_principal() = :pat AS worker_sees_pat;
SELECT wfauth.has_permission(wfauth.current_principal(), 'logs') AS worker_check;
ROLLBACK;
RESET force_parallel_mode;
RESET parallel_setup_cost;
