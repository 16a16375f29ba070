-- The administration pages' views (DESIGN §3 "Reading and editing the
-- model"): who sees how many rows of each, that no view shows a secret, and
-- that finding one account through a view stays an index scan among 100,000.
BEGIN;
SELECT plan(11);
CREATE ROLE wfauth_tap_pages;
GRANT USAGE ON SCHEMA wfauth TO wfauth_tap_pages;

-- plain: in G1, which holds role R1; a direct permission.  Others: G2, R2.
SELECT wfauth.create_user('plain@pages.example', 'a long enough password') AS plain \gset
SELECT wfauth.create_user('holder@pages.example', permissions => '{accounts}') AS holder \gset
SELECT wfauth.create_user('boss@pages.example') AS boss \gset
SELECT wfauth.grant_super_admin('boss@pages.example');
SELECT wfauth.create_service_account('pages-bot', permissions => '{metrics}');
SELECT wfauth.create_group('G1');
SELECT wfauth.create_group('G2');
SELECT wfauth.create_role('R1', '{dashboards}');
SELECT wfauth.create_role('R2', '{alerts}');
SELECT wfauth.add_members('G1', '{plain@pages.example}');
SELECT wfauth.add_members('G2', '{holder@pages.example, sa::pages-bot}');
SELECT wfauth.grant_role('R1', '{group:G1}');
SELECT wfauth.grant_role('R2', '{group:G2}');
SELECT wfauth.grant_permission('logs', '{plain@pages.example}');
SELECT wfauth.set_new_user_defaults('{logs}', '{G1}');

-- rows of each view as seen by who (NULL: nobody; 'dba': a DBA, no principal)
CREATE FUNCTION pg_temp.seen(who text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    IF who IS NULL OR who = 'dba' THEN
        PERFORM wfauth.reset_principal();
    ELSE
        PERFORM wfauth.set_principal(who);
    END IF;
    IF who IS DISTINCT FROM 'dba' THEN
        SET LOCAL ROLE wfauth_tap_pages;
    END IF;
    SELECT format('accounts %s, groups %s, members %s, roles %s, grants %s, defaults %s, audit %s',
                  (SELECT count(*) FROM wfauth.account_list), (SELECT count(*) FROM wfauth.group_list),
                  (SELECT count(*) FROM wfauth.member_list), (SELECT count(*) FROM wfauth.role_list),
                  (SELECT count(*) FROM wfauth.grant_list), (SELECT count(*) FROM wfauth.new_user_defaults),
                  (SELECT sign(count(*)) FROM wfauth.audit_list)) INTO v;
    RESET ROLE;
    RETURN v;
END
$$;
SELECT format('accounts %s, groups %s, members %s, roles %s, grants %s, defaults %s, audit 1',
              (SELECT count(*) FROM wfauth.principals WHERE kind <> 'group'),
              (SELECT count(*) FROM wfauth.principals WHERE kind = 'group'),
              (SELECT count(*) FROM wfauth.group_members), (SELECT count(*) FROM wfauth.roles),
              (SELECT count(*) FROM wfauth.permission_grants) + (SELECT count(*) FROM wfauth.role_grants),
              (SELECT count(*) FROM wfauth.new_user_permissions) + (SELECT count(*) FROM wfauth.new_user_groups))
    AS everything \gset

SELECT is(pg_temp.seen(NULL), 'accounts 0, groups 0, members 0, roles 0, grants 0, defaults 0, audit 0',
          'nobody (the application role, no principal) sees no row of any view');
SELECT is((SELECT count(*) FROM wfauth.permission_list), (SELECT count(*) FROM wfauth.permissions),
          'the permission catalog is there for a DBA');
SELECT is(pg_temp.seen('plain@pages.example'), 'accounts 1, groups 2, members 1, roles 1, grants 2, defaults 0, audit 0',
          'a principal with no permission sees its account, its groups (Everyone too), its membership, its role and its grants');
SELECT is(pg_temp.seen('holder@pages.example'), :'everything', 'an accounts holder sees every row');
SELECT is(pg_temp.seen('boss@pages.example'), :'everything', 'a Super Admin sees every row');
SELECT is(pg_temp.seen('dba'), :'everything', 'a DBA with no principal sees every row');
SELECT is(pg_temp.seen('sa::pages-bot'), 'accounts 1, groups 2, members 1, roles 1, grants 2, defaults 0, audit 0',
          'a service account sees its own rows like any principal');

SELECT is(array_agg(format('%s.%s', c.relname, a.attname) ORDER BY c.relname, a.attname), NULL,
          'no view shows a secret (no digest, hash or password column, nothing of type bytea)')
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'wfauth'::regnamespace AND c.relkind = 'v'
   AND (a.attname ~ '(digest|hash|secret)' OR a.attname ~ 'password' AND a.atttypid <> 'boolean'::regtype
        OR a.atttypid = 'bytea'::regtype);

SELECT is(array_agg(c.relname::text ORDER BY c.relname), NULL, 'every view and every view column has a comment')
  FROM pg_class c
 WHERE c.relnamespace = 'wfauth'::regnamespace AND c.relkind = 'v'
   AND (obj_description(c.oid, 'pg_class') IS NULL
        OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                      AND col_description(c.oid, a.attnum) IS NULL));

-- 100,000 accounts: one account's row is still found through its index
INSERT INTO wfauth.principals (kind, name) SELECT 'user', 'bulk' || g || '@pages.example' FROM generate_series(1, 100000) g;
ANALYZE wfauth.principals;
SELECT wfauth.set_principal('holder@pages.example');
SET LOCAL ROLE wfauth_tap_pages;
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
SELECT matches(pg_temp.plan(format('SELECT * FROM wfauth.account_list WHERE id = %s', :plain)),
               'Index Scan using principals_pkey', 'account_list by id: an index scan');
SELECT matches(pg_temp.plan($$SELECT * FROM wfauth.account_list WHERE identifier = 'plain@pages.example'$$),
               'Index Scan using principals_account_idx', 'account_list by identifier: an index scan');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
