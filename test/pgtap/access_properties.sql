-- can_access agrees with a reference implementation of the decision, written
-- independently in SQL from DESIGN.md §2, on random principals, memberships
-- and access lists; and the wfauth.acl text form round-trips.
BEGIN;
SELECT plan(9);
SELECT setseed(0.42);

-- 30 user and 8 service accounts (some inactive, one Super Admin, some with
-- dashboards), 8 groups
DO $$
DECLARE i int;
BEGIN
    FOR i IN 1..30 LOOP
        PERFORM wfauth.create_user('p' || i || '@example.com');
    END LOOP;
    FOR i IN 1..8 LOOP
        PERFORM wfauth.create_service_account('ps' || i);
    END LOOP;
    FOR i IN 1..8 LOOP
        PERFORM wfauth.create_group('G' || i);
    END LOOP;
END $$;
CREATE TEMP TABLE acct AS
SELECT id, row_number() OVER (ORDER BY id) AS n, kind = 'service' AS service FROM wfauth.principals
 WHERE name LIKE 'p%@example.com' OR name LIKE 'sa::ps%';
CREATE TEMP TABLE grp AS
SELECT id, row_number() OVER (ORDER BY id) AS n FROM wfauth.principals WHERE kind = 'group' AND name ~ '^G[0-9]$';
INSERT INTO wfauth.group_members (group_id, member_id)
SELECT g.id, a.id FROM acct a, grp g WHERE random() < 0.3;
INSERT INTO wfauth.permission_grants (principal_id, permission)
SELECT id, 'dashboards' FROM acct WHERE n % 3 = 0;
INSERT INTO wfauth.permission_grants (principal_id, permission)
SELECT id, 'dashboards' FROM grp WHERE n = 1;             -- and through a group
UPDATE wfauth.principals SET active = false WHERE id IN (SELECT id FROM acct WHERE n % 7 = 0);
UPDATE wfauth.principals SET super_admin = true WHERE id = (SELECT id FROM acct WHERE n = 5);

-- 400 random ACLs of 0..12 entries over accounts, groups and Everyone
CREATE TEMP TABLE entry_pool AS
SELECT id FROM acct UNION ALL SELECT id FROM grp UNION ALL SELECT 1;
CREATE TEMP TABLE acls AS
SELECT k, (SELECT coalesce(string_agg(e.id || '=' || e.mode, ','), '')
             FROM (SELECT DISTINCT ON (p.id) p.id, CASE WHEN random() < 0.5 THEN 'view' ELSE 'modify' END AS mode
                     FROM entry_pool p WHERE random() < (k % 13) / 40.0 ORDER BY p.id) e) AS entries
  FROM generate_series(1, 400) k;
CREATE TEMP TABLE objects AS
SELECT k, ('dashboard/0:{' || entries || '}')::wfauth.acl AS acl FROM acls;

-- the reference: DESIGN.md §2, directly from the tables (a service account
-- needs the kind's permission to view, as everyone does to modify)
CREATE TEMP TABLE reference AS
WITH facts AS (
    SELECT a.id, a.service, p.active, p.super_admin,
           wfauth.has_permission(a.id, 'dashboards') AS perm,
           ARRAY(SELECT a.id UNION SELECT 1 UNION SELECT m.group_id FROM wfauth.group_members m
                  WHERE m.member_id = a.id) AS mine
      FROM acct a JOIN wfauth.principals p ON p.id = a.id
)
SELECT o.k, f.id, m.mode,
       f.active AND (f.super_admin OR (
           (m.mode = 'view' AND NOT f.service OR f.perm) AND EXISTS (
               SELECT 1 FROM wfauth._acl_items(o.acl) i
                WHERE i.principal = ANY (f.mine) AND (m.mode = 'view' OR i.modify)))) AS expected
  FROM objects o, facts f, (VALUES ('view'::wfauth.access_mode), ('modify')) m(mode);

SELECT is((SELECT count(*) FROM reference), 30400::bigint, '30400 decisions to compare (38 accounts, 400 objects, 2 modes)');
SELECT is((SELECT count(*) FROM reference r JOIN objects o USING (k)
            WHERE wfauth.can_access(r.id, o.acl, r.mode) IS DISTINCT FROM r.expected), 0::bigint,
          'can_access agrees with the reference on every decision');
SELECT ok((SELECT count(DISTINCT expected) = 2 FROM reference), 'the sample has both outcomes');
SELECT ok((SELECT count(*) FILTER (WHERE r.expected) > 0 AND count(*) FILTER (WHERE NOT r.expected AND EXISTS (
                  SELECT 1 FROM objects o, wfauth._acl_items(o.acl) i WHERE o.k = r.k AND i.principal = 1)) > 0
             FROM reference r JOIN acct a ON a.id = r.id WHERE a.service AND r.mode = 'view'),
          'service accounts both view and are refused the view of objects shared with Everyone');
SELECT is((SELECT count(*) FROM reference r JOIN objects o USING (k)
            WHERE (SELECT e.result FROM wfauth.explain_access(r.id, o.acl, r.mode) e
                    ORDER BY e.step DESC LIMIT 1) IS DISTINCT FROM r.expected
              AND r.k <= 40), 0::bigint,
          'explain_access ends in the same decision (first 40 objects)');
SELECT is((SELECT count(*) FROM reference r JOIN objects o USING (k)
            WHERE r.mode = 'modify' AND r.expected
              AND NOT EXISTS (SELECT 1 FROM wfauth.who_can_access(o.acl, 'modify') w WHERE w.account_id = r.id)
              AND r.k <= 40), 0::bigint,
          'who_can_access lists everyone who can modify (first 40 objects)');
SELECT is((SELECT count(*) FROM objects o, wfauth.who_can_access(o.acl, 'view') w
            WHERE o.k <= 40 AND NOT wfauth.can_access(w.account_id, o.acl, 'view')), 0::bigint,
          'who_can_access lists nobody who cannot view');
SELECT is((SELECT count(*) FROM objects WHERE acl::text::wfauth.acl::text <> acl::text), 0::bigint,
          'text output round-trips through input');
SELECT is((SELECT count(*) FROM objects o, grp g
            WHERE NOT (wfauth.acl_revoke(wfauth.acl_grant(o.acl, 'group:G' || g.n, 'view'), 'group:G' || g.n)::text
                       = wfauth.acl_revoke(o.acl, 'group:G' || g.n)::text)), 0::bigint,
          'grant then revoke leaves what revoke alone leaves');

SELECT * FROM finish();
ROLLBACK;
