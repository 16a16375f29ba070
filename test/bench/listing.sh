#!/usr/bin/env bash
# The listing index, run by `make bench` against the harness's cluster
# (DESIGN §7).  For each size (LISTING_SIZES, default 1M and 3M rows), each row
# shared with one of 1,000 groups, a principal in one group (0.1% of rows):
#   count(*), the first page and a deep page (ORDER BY created DESC LIMIT 20
#   [OFFSET 900]) through the policy with the listing index, against
#   (a) the same queries without the index (today), and
#   (b) a hand-made bigint[] grantee column with a GIN index and no RLS;
# then a principal who sees every row (the index must not be chosen), and
# the cost per row of inserting and of changing ACLs with and without it.
# Interleaved rounds, medians.
set -euo pipefail
db=wfauth_bench_listing
sizes=${LISTING_SIZES:-1000000 3000000}
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -qX -d $db -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_lister') THEN CREATE ROLE bench_lister; END IF; END $$;
GRANT USAGE ON SCHEMA wfauth TO bench_lister;
SELECT count(*) FROM generate_series(1, 1000) i, wfauth.create_group('g' || i);
SELECT wfauth.create_user('few@example.com', groups => '{g7}');
SELECT wfauth.create_user('all@example.com', groups => ARRAY(SELECT 'g' || i FROM generate_series(1, 1000) i));
CREATE TABLE times (size int, what text, variant text, ms float8);
-- ms per run of sql, as who (with role bench_lister; index: whether bitmap scans are allowed)
CREATE FUNCTION time_query(who text, sql text, use_index boolean, runs int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    ms float8;
BEGIN
    PERFORM wfauth.set_principal(who);
    IF NOT use_index THEN
        SET LOCAL enable_bitmapscan = off;
    END IF;
    SET LOCAL ROLE bench_lister;
    EXECUTE sql;                                   -- warm
    t0 := clock_timestamp();
    FOR i IN 1..runs LOOP
        EXECUTE sql;
    END LOOP;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000 / runs;
    RESET ROLE;
    SET LOCAL enable_bitmapscan = on;
    RETURN ms;
END $$;
SQL
for n in $sizes; do
    echo "wfauth listing benchmark: $n rows, each shared with one of 1,000 groups..." >&2
    psql -qX -d $db -v ON_ERROR_STOP=1 -v n=$n >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS boards, hand;
SELECT min(id) AS g1 FROM wfauth.principals WHERE kind = 'group' AND name = 'g1' \gset
CREATE TABLE boards (id int PRIMARY KEY, created timestamptz NOT NULL, title text, acl wfauth.acl);
INSERT INTO boards SELECT g, now() - g * interval '1 second', 'board ' || g,
                          ('dashboard/0:{' || (:g1 + g % 1000) || '=view}')::wfauth.acl
  FROM generate_series(1, :n) g;
SELECT wfauth.protect('boards', 'dashboard');
CREATE INDEX boards_created ON boards (created);
CREATE INDEX boards_acl ON boards USING gin (acl);
GRANT SELECT ON boards TO bench_lister;
CREATE TABLE hand (id int PRIMARY KEY, created timestamptz NOT NULL, title text, grantees bigint[]);
INSERT INTO hand SELECT g, now() - g * interval '1 second', 'board ' || g, ARRAY[:g1 + g % 1000] FROM generate_series(1, :n) g;
CREATE INDEX hand_created ON hand (created);
CREATE INDEX hand_grantees ON hand USING gin (grantees);
GRANT SELECT ON hand TO bench_lister;
VACUUM ANALYZE boards;
VACUUM ANALYZE hand;
SQL
    psql -qX -d $db -v ON_ERROR_STOP=1 -v n=$n >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT format('ARRAY[%s]::bigint[]', string_agg(g::text, ',')) AS mine
  FROM (SELECT wfauth.account_id('few@example.com') AS g UNION ALL SELECT 1
        UNION ALL SELECT group_id FROM wfauth.group_members WHERE member_id = wfauth.account_id('few@example.com')) s \gset
SELECT set_config('bench.mine', :'mine', false), set_config('bench.n', :'n', false);
DO $$
DECLARE
    q record;
BEGIN
    FOR round IN 1..5 LOOP
        FOR q IN SELECT * FROM (VALUES
            ('count(*)', 'SELECT count(*) FROM boards', 'SELECT count(*) FROM hand WHERE grantees && ' || current_setting('bench.mine')),
            ('first page', 'SELECT id FROM boards ORDER BY created DESC LIMIT 20',
                           'SELECT id FROM hand WHERE grantees && ' || current_setting('bench.mine') || ' ORDER BY created DESC LIMIT 20'),
            ('deep page', 'SELECT id FROM boards ORDER BY created DESC LIMIT 20 OFFSET 900',
                          'SELECT id FROM hand WHERE grantees && ' || current_setting('bench.mine') || ' ORDER BY created DESC LIMIT 20 OFFSET 900')
          ) v(what, policy, hand)
        LOOP
            INSERT INTO times VALUES
                (current_setting('bench.n')::int, q.what, 'policy + listing index', time_query('few@example.com', q.policy, true, 5)),
                (current_setting('bench.n')::int, q.what, '(a) policy, no index', time_query('few@example.com', q.policy, false, 1)),
                (current_setting('bench.n')::int, q.what, '(b) hand-made, no RLS', time_query('few@example.com', q.hand, true, 5));
        END LOOP;
        INSERT INTO times VALUES
            (current_setting('bench.n')::int, 'dense: count(*), sees all', 'policy + listing index', time_query('all@example.com', 'SELECT count(*) FROM boards', true, 1)),
            (current_setting('bench.n')::int, 'dense: count(*), sees all', '(a) policy, no index', time_query('all@example.com', 'SELECT count(*) FROM boards', false, 1));
    END LOOP;
END $$;
SQL
    # the cost per row of writing, with the listing index and without
    psql -qX -d $db -v ON_ERROR_STOP=1 -v n=$n >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT set_config('bench.n', :'n', false);
CREATE TABLE boards_plain (LIKE boards INCLUDING DEFAULTS);
SELECT wfauth.protect('boards_plain', 'dashboard');
CREATE INDEX ON boards_plain (created);
DO $$
DECLARE
    t0 timestamptz;
BEGIN
    FOR round IN 1..3 LOOP
        FOR variant IN 1..2 LOOP
            t0 := clock_timestamp();
            EXECUTE format('INSERT INTO %I (id, created, title) SELECT %s + g, now(), ''new'' FROM generate_series(1, 10000) g',
                           CASE variant WHEN 1 THEN 'boards' ELSE 'boards_plain' END, 10000000 * round);
            INSERT INTO times VALUES (current_setting('bench.n')::int, 'insert, per row (us)',
                CASE variant WHEN 1 THEN 'with the listing index' ELSE 'without it' END,
                extract(epoch FROM clock_timestamp() - t0) * 1e6 / 10000);
            t0 := clock_timestamp();
            EXECUTE format('UPDATE %I SET acl = wfauth.acl_grant(acl, ''group:g9'', ''view'') WHERE id > %s',
                           CASE variant WHEN 1 THEN 'boards' ELSE 'boards_plain' END, 10000000 * round);
            INSERT INTO times VALUES (current_setting('bench.n')::int, 'ACL change, per row (us)',
                CASE variant WHEN 1 THEN 'with the listing index' ELSE 'without it' END,
                extract(epoch FROM clock_timestamp() - t0) * 1e6 / 10000);
            EXECUTE format('DELETE FROM %I WHERE id > %s', CASE variant WHEN 1 THEN 'boards' ELSE 'boards_plain' END,
                           10000000 * round);
        END LOOP;
    END LOOP;
END $$;
DROP TABLE boards_plain;
SQL
done

psql -qX -d $db <<'SQL'
\pset footer off
\echo
\echo '== the listing index: a principal who sees 0.1% of the rows (median ms of 5 interleaved rounds)'
WITH m AS (
    SELECT size, what, variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
      FROM times WHERE what IN ('count(*)', 'first page', 'deep page') GROUP BY 1, 2, 3
)
SELECT p.size AS "rows", p.what AS query, round(p.ms::numeric, 2) AS "policy + index",
       round(a.ms::numeric, 1) AS "(a) no index", round(b.ms::numeric, 2) AS "(b) hand-made",
       round((a.ms / p.ms)::numeric, 1) AS "(a) / policy", round((p.ms / b.ms)::numeric, 2) AS "policy / (b)"
  FROM m p JOIN m a USING (size, what) JOIN m b USING (size, what)
 WHERE p.variant = 'policy + listing index' AND a.variant = '(a) policy, no index' AND b.variant = '(b) hand-made, no RLS'
 ORDER BY 1, 2;
\echo '   targets: (a) / policy >= 50 at 1M rows; policy / (b) <= 1.5'
\echo
\echo '== a principal who sees every row (the planner must keep the plain scan), and writes'
SELECT size AS "rows", what, variant, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS median
  FROM times WHERE what NOT IN ('count(*)', 'first page', 'deep page') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
\echo 'the plans, for the principal who sees every row and for the one who sees 0.1%:'
BEGIN;
SELECT wfauth.set_principal('all@example.com') \gset
SET LOCAL ROLE bench_lister;
EXPLAIN (COSTS OFF) SELECT count(*) FROM boards;
COMMIT;
BEGIN;
SELECT wfauth.set_principal('few@example.com') \gset
SET LOCAL ROLE bench_lister;
EXPLAIN (COSTS OFF) SELECT count(*) FROM boards;
COMMIT;
SQL
