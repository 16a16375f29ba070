-- A protected table's seq scan still runs in parallel workers, with the same rows.
\set VERBOSITY terse
SELECT wfauth.create_user('zed@example.com', permissions => '{dashboards}') AS zed \gset
SELECT wfauth.create_group('Par');
SELECT wfauth.add_members('Par', '{zed@example.com}');
SET ROLE wfauth_regress_app;
CREATE TABLE appdata.par_boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('appdata.par_boards', 'dashboard');
RESET ROLE;
INSERT INTO appdata.par_boards SELECT g, 'b' || g FROM generate_series(1, 20000) g;
-- one row in ten is restricted to group Par; one in a hundred to nobody but a Super Admin
UPDATE appdata.par_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:Par', 'view'), 'everyone'),
                                             'group:Par', 'view')
 WHERE id % 10 = 0;
SELECT wfauth.create_user('nobody-else@example.com') AS other \gset
UPDATE appdata.par_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'group:Par'), 'nobody-else@example.com', 'modify')
 WHERE id % 100 = 0;
ANALYZE appdata.par_boards;
GRANT SELECT ON appdata.par_boards TO wfauth_regress_ops;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
BEGIN;
SELECT wfauth.set_principal('zed@example.com');
SET LOCAL ROLE wfauth_regress_app;
EXPLAIN (COSTS OFF) SELECT count(*) FROM appdata.par_boards;
SELECT count(*) AS parallel_count FROM appdata.par_boards;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*) AS serial_count FROM appdata.par_boards;
COMMIT;
-- force_parallel_mode: every check runs in a worker and agrees with the leader
SET force_parallel_mode = on;
BEGIN;
SELECT wfauth.set_principal('nobody-else@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT count(*) AS forced_count FROM appdata.par_boards;
COMMIT;
RESET force_parallel_mode;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
