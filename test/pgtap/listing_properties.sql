-- The listing index returns exactly the rows the policy allows (DESIGN §7):
-- for random principals, memberships and ACLs, with a Super Admin, inactive
-- and service accounts, a DBA and nobody, every principal sees the same rows
-- through the index as through a plain scan -- 47 principals x 500 objects
-- = 23,500 decisions -- also in a parallel bitmap heap scan.
BEGIN;
SELECT plan(5);
SELECT setseed(0.7);
CREATE ROLE wfauth_tap_lister;
GRANT USAGE ON SCHEMA wfauth TO wfauth_tap_lister;
SET client_min_messages = warning;
DO $$
BEGIN
    FOR i IN 1..40 LOOP
        PERFORM wfauth.create_user('l' || i || '@example.com');
    END LOOP;
    FOR i IN 1..5 LOOP
        PERFORM wfauth.create_service_account('lbot' || i);
    END LOOP;
    FOR i IN 1..10 LOOP
        PERFORM wfauth.create_group('LG' || i);
    END LOOP;
END $$;
CREATE TEMP TABLE who AS
SELECT id, name, row_number() OVER (ORDER BY id) AS n FROM wfauth.principals
 WHERE name LIKE 'l%@example.com' OR name LIKE 'sa::lbot%';
CREATE TEMP TABLE grp AS SELECT id FROM wfauth.principals WHERE kind = 'group' AND name LIKE 'LG%';
INSERT INTO wfauth.group_members (group_id, member_id)
SELECT g.id, w.id FROM who w, grp g WHERE random() < 0.2;
INSERT INTO wfauth.permission_grants (principal_id, permission)
SELECT id, 'dashboards' FROM who WHERE n % 2 = 0;
UPDATE wfauth.principals SET active = false WHERE id IN (SELECT id FROM who WHERE n % 9 = 0);
UPDATE wfauth.principals SET super_admin = true WHERE id = (SELECT id FROM who WHERE n = 3);

CREATE TABLE public.lobjects (id int PRIMARY KEY);
SELECT wfauth.protect('public.lobjects', 'dashboard');
INSERT INTO public.lobjects SELECT g FROM generate_series(1, 500) g;
-- 1 to 6 random entries over the accounts, the groups and Everyone
CREATE TEMP TABLE pool AS SELECT id FROM who UNION ALL SELECT id FROM grp UNION ALL SELECT 1;
-- (none drawn: Everyone, view)
UPDATE public.lobjects o SET acl = (
    SELECT ('dashboard/0:{' || coalesce(string_agg(e.id || '=' || e.mode, ','), '1=view') || '}')::wfauth.acl
      FROM (SELECT DISTINCT ON (p.id) p.id, CASE WHEN random() < 0.5 THEN 'view' ELSE 'modify' END AS mode
              FROM pool p WHERE random() < (1 + o.id % 6) / 56.0 + 0 * o.id
             ORDER BY p.id) e);
CREATE INDEX lobjects_acl ON public.lobjects USING gin (acl);
ANALYZE public.lobjects;
GRANT SELECT ON public.lobjects TO wfauth_tap_lister;

-- the rows a principal sees ('dba': a DBA bound by RLS, no principal; NULL: nobody)
CREATE FUNCTION pg_temp.seen(who text, how text) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
    v int[];
BEGIN
    IF who IS NULL OR who = 'dba' THEN
        PERFORM wfauth.reset_principal();
    ELSE
        PERFORM wfauth.set_principal(who);
    END IF;
    IF who = 'dba' THEN
        SET LOCAL wfauth.admin_role = 'wfauth_tap_lister';
    END IF;
    IF how = 'index' THEN
        SET LOCAL enable_seqscan = off;
    ELSIF how = 'scan' THEN
        SET LOCAL enable_bitmapscan = off;
        SET LOCAL enable_indexscan = off;
    ELSE    -- parallel
        SET LOCAL enable_seqscan = off;
        SET LOCAL parallel_setup_cost = 0;
        SET LOCAL parallel_tuple_cost = 0;
        SET LOCAL min_parallel_table_scan_size = 0;
        SET LOCAL min_parallel_index_scan_size = 0;
        SET LOCAL max_parallel_workers_per_gather = 2;
    END IF;
    SET LOCAL ROLE wfauth_tap_lister;
    -- planned afresh each time (a cached plan would keep the first call's settings)
    EXECUTE 'SELECT array_agg(id ORDER BY id) FROM public.lobjects' INTO v;
    RESET ROLE;
    RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_indexscan;
    RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
    RESET min_parallel_index_scan_size; RESET max_parallel_workers_per_gather;
    SET LOCAL wfauth.admin_role = '';
    RETURN coalesce(v, '{}');
END
$$;
CREATE TEMP TABLE principals_to_try AS
SELECT name FROM who UNION ALL SELECT 'dba' UNION ALL SELECT NULL;
CREATE TEMP TABLE results AS
SELECT name, pg_temp.seen(name, 'index') AS by_index, pg_temp.seen(name, 'scan') AS by_scan,
       pg_temp.seen(name, 'parallel') AS by_parallel
  FROM principals_to_try;

SELECT is((SELECT count(*) * 500 FROM results), 23500::bigint, '47 principals x 500 objects = 23,500 decisions');
SELECT is((SELECT count(*) FROM results WHERE by_index <> by_scan), 0::bigint,
          'every principal sees the same rows through the index as through a plain scan');
SELECT is((SELECT count(*) FROM results WHERE by_parallel <> by_scan), 0::bigint,
          '... and through a parallel bitmap heap scan');
SELECT ok((SELECT count(DISTINCT cardinality(by_scan)) > 5 FROM results)
          AND (SELECT cardinality(by_scan) = 500 FROM results WHERE name = 'dba')
          AND (SELECT cardinality(by_scan) = 0 FROM results WHERE name IS NULL)
          AND (SELECT cardinality(by_scan) = 500 FROM results r JOIN who w USING (name) WHERE w.n = 3),
          'the sample is varied: the DBA and the Super Admin see all 500, nobody none, the others between');
CREATE FUNCTION pg_temp.plan(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || sql LOOP
        v := v || r."QUERY PLAN" || E'\n';
    END LOOP;
    RETURN v;
END
$$;
SET LOCAL enable_seqscan = off;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL min_parallel_index_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT wfauth.set_principal('l1@example.com');
SET LOCAL ROLE wfauth_tap_lister;
SELECT matches(pg_temp.plan('SELECT id FROM public.lobjects'),
               'Parallel Bitmap Heap Scan on lobjects(.|\n)*Bitmap Index Scan on lobjects_acl',
               'the parallel case is a parallel bitmap heap scan over the listing index');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
