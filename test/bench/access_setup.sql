-- Benchmark data: 1M rows four ways, owned by a non-superuser role with
-- forced RLS, so every variant pays its policy.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET bench.me = '0';   -- the variants' policies read the principal id from here
CREATE EXTENSION IF NOT EXISTS wfauth;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_app') THEN CREATE ROLE bench_app; END IF;
END $$;
GRANT USAGE ON SCHEMA wfauth TO bench_app;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench AUTHORIZATION bench_app;

-- the principal: in 10 groups (of 40); 100 more users for cold-context loads
DO $$
DECLARE i int; u int;
BEGIN
    PERFORM wfauth.create_user('bench@example.com', permissions => '{dashboards}');
    FOR i IN 1..40 LOOP PERFORM wfauth.create_group('bench-g' || i); END LOOP;
    FOR i IN 1..10 LOOP PERFORM wfauth.add_members('bench-g' || (i * 4), '{bench@example.com}'); END LOOP;
    FOR u IN 1..100 LOOP
        PERFORM wfauth.create_user('cold' || u || '@example.com');
        FOR i IN 1..10 LOOP
            PERFORM wfauth.add_members('bench-g' || ((u + i * 3) % 40 + 1), ARRAY['cold' || u || '@example.com']);
        END LOOP;
    END LOOP;
END $$;

SET ROLE bench_app;
-- (a) no RLS
CREATE TABLE bench.plain (id int PRIMARY KEY, payload text);
INSERT INTO bench.plain SELECT g, md5(g::text) FROM generate_series(1, 1000000) g;
-- (b) hand-written policy: an int[] of principal ids and a set-returning lookup
CREATE TABLE bench.memberships (member int, group_id int);
CREATE TABLE bench.handwritten (id int PRIMARY KEY, payload text, acl_ids int[]);
INSERT INTO bench.handwritten
SELECT g, md5(g::text), CASE WHEN g % 10 = 0 THEN ARRAY[999999] ELSE ARRAY[1] END
  FROM generate_series(1, 1000000) g;
RESET ROLE;
INSERT INTO bench.memberships SELECT wfauth.account_id('bench@example.com'), unnest(ARRAY[1])
UNION ALL SELECT wfauth.account_id('bench@example.com'), group_id
  FROM wfauth.group_members WHERE member_id = wfauth.account_id('bench@example.com');
SET ROLE bench_app;
CREATE FUNCTION bench.my_ids() RETURNS int[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(x) FROM (
        SELECT current_setting('bench.me')::int AS x
        UNION ALL SELECT group_id FROM bench.memberships WHERE member = current_setting('bench.me')::int) s
$$;
ALTER TABLE bench.handwritten ENABLE ROW LEVEL SECURITY;
ALTER TABLE bench.handwritten FORCE ROW LEVEL SECURITY;
CREATE POLICY hw ON bench.handwritten USING (acl_ids && (SELECT bench.my_ids()));
-- (c) naive policy: a SQL function that looks membership up for every row
CREATE TABLE bench.naive (id int PRIMARY KEY, payload text, acl_ids int[]);
INSERT INTO bench.naive
SELECT g, md5(g::text), CASE WHEN g % 10 = 0 THEN ARRAY[999999] ELSE ARRAY[1] END
  FROM generate_series(1, 1000000) g;
CREATE FUNCTION bench.naive_can_view(ids int[]) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT current_setting('bench.me')::int = ANY(ids)
        OR EXISTS (SELECT 1 FROM bench.memberships m
                    WHERE m.member = current_setting('bench.me')::int AND m.group_id = ANY(ids))
$$;
ALTER TABLE bench.naive ENABLE ROW LEVEL SECURITY;
ALTER TABLE bench.naive FORCE ROW LEVEL SECURITY;
CREATE POLICY naive ON bench.naive USING (bench.naive_can_view(acl_ids));
-- (d) wfauth: protect(), 90% {Everyone: modify}, 10% restricted to a group
--     the principal is not in
CREATE TABLE bench.wf (id int PRIMARY KEY, payload text);
INSERT INTO bench.wf SELECT g, md5(g::text) FROM generate_series(1, 1000000) g;
SELECT wfauth.protect('bench.wf', 'dashboard');
RESET ROLE;
UPDATE bench.wf SET acl = wfauth.acl_grant('dashboard/0:{1=modify}', 'everyone', 'modify');
UPDATE bench.wf SET acl = wfauth.acl_grant('dashboard/0:{}', 'group:bench-g1', 'view') WHERE id % 10 = 0;
-- the UPDATEs above left dead rows: compact so every table is laid out alike
VACUUM (FULL, FREEZE, ANALYZE) bench.plain, bench.handwritten, bench.naive, bench.wf, bench.memberships;
VACUUM bench.plain, bench.handwritten, bench.naive, bench.wf;     -- sets the visibility map
