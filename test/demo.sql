-- make demo: a guided walk through wfauth's model, printed readably.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS wfauth;

\echo
\echo '== 1. Accounts ========================================================='
\echo 'A user account is named by its e-mail (stored lower-cased); a service'
\echo 'account is sa:: + its name, and authenticates only with API tokens.'
SELECT wfauth.create_user('Dana@Example.com') AS dana \gset
SELECT wfauth.create_user('lee@example.com') AS lee \gset
SELECT wfauth.create_service_account('Nightly-Export', 'exports dashboards at night') AS bot \gset
SELECT id, kind, name AS identifier, description FROM wfauth.principals WHERE id >= 100 ORDER BY id;

\echo
\echo '== 2. Groups, and the built-in Everyone ================================'
\echo 'Every account is in Everyone, implicitly. Dana joins Engineering.'
SELECT wfauth.create_group('Engineering', 'the people who build it') \gset
SELECT wfauth.add_members('engineering', ARRAY['dana@example.com']) \gset
SELECT g.name AS "group", coalesce(string_agg(p.name, ', ' ORDER BY p.name),
       CASE WHEN g.id = 1 THEN '(every account, implicitly)' END) AS members
  FROM wfauth.principals g
  LEFT JOIN wfauth.group_members m ON m.group_id = g.id
  LEFT JOIN wfauth.principals p ON p.id = m.member_id
 WHERE g.kind = 'group' GROUP BY g.id, g.name ORDER BY g.id;

\echo
\echo '== 3. Roles and permissions ============================================'
\echo 'A role is a named set of permissions. Engineering gets the role'
\echo 'Dashboard Editor; everyone gets chart embedding; Dana gets logs directly.'
SELECT wfauth.create_role('Dashboard Editor', ARRAY['dashboards', 'alerts']) \gset
SELECT wfauth.grant_role('Dashboard Editor', ARRAY['group:Engineering']) \gset
SELECT wfauth.grant_permission('chart_embedding', ARRAY['everyone']) \gset
SELECT wfauth.grant_permission('logs', ARRAY['dana@example.com']) \gset

\echo
\echo '== 4. Effective permissions, each with where it comes from ============='
\echo 'Dana:'
SELECT permission, via FROM wfauth.effective_permissions(:dana);
\echo 'Lee (only what Everyone has):'
SELECT permission, via FROM wfauth.effective_permissions(:lee);

\echo
\echo '== 5. Checks ==========================================================='
SELECT who, permission, wfauth.has_permission(id, permission) AS allowed
  FROM (VALUES ('dana@example.com', :dana), ('lee@example.com', :lee)) a(who, id),
       unnest(ARRAY['dashboards', 'logs', 'accounts']) permission
 ORDER BY who, permission;

\echo
\echo '== 6. Acting as a principal ============================================'
\echo 'In a transaction, Dana (no accounts permission) tries to create a group:'
BEGIN;
SELECT wfauth.set_principal('dana@example.com') \gset
SET LOCAL client_min_messages = notice;
DO $$
BEGIN
    PERFORM wfauth.create_group('Dana''s own group');
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'refused (SQLSTATE %): %', SQLSTATE, SQLERRM;
END
$$;
ROLLBACK;
\echo 'The principal lasts one transaction; afterwards nobody is acting:'
SELECT wfauth.current_principal() AS current_principal;

\echo
\echo '== 7. The product''s example: can Dana view or modify dashboard X? ====='
\echo 'The application keeps dashboards in its own table, owned by its own role;'
\echo 'wfauth.protect() adds the acl column, the ACL triggers and forced RLS.'
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_app') THEN CREATE ROLE demo_app LOGIN; END IF;
END $$;
GRANT USAGE ON SCHEMA wfauth TO demo_app;
CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION demo_app;
SET ROLE demo_app;
CREATE TABLE app.dashboards (id serial PRIMARY KEY, title text NOT NULL);
SELECT wfauth.protect('app.dashboards', 'dashboard') \gset
RESET ROLE;
SELECT wfauth.create_user('owen@example.com', permissions => ARRAY['dashboards']) \gset
-- decide(title): Dana's view and modify on that dashboard, each with its reason
CREATE FUNCTION pg_temp.decide(t text) RETURNS TABLE ("asking" text, "access" text, allowed boolean, "why" text)
LANGUAGE sql AS $$
    SELECT 'dana@example.com', m::text, wfauth.can_access(wfauth.account_id('dana@example.com'), d.acl, m),
           (SELECT string_agg(e.rule || ' => ' || CASE WHEN e.result THEN 'yes' ELSE 'no' END, E'\n' ORDER BY e.step)
              FROM wfauth.explain_access(wfauth.account_id('dana@example.com'), d.acl, m) e)
      FROM app.dashboards d, unnest(ARRAY['view', 'modify']::wfauth.access_mode[]) m
     WHERE d.title = t
$$;
CREATE FUNCTION pg_temp.entries(t text) RETURNS TABLE (grantee text, "level" text) LANGUAGE sql AS $$
    SELECT e.grantee, CASE e.mode WHEN 'modify' THEN 'View & Modify' ELSE 'View' END
      FROM app.dashboards d, wfauth.acl_entries(d.acl) e WHERE d.title = t
$$;
\pset format wrapped

\echo
\echo '-- 7a. Security preference "everyone" (the default). Owen creates dashboard X:'
BEGIN;
SELECT wfauth.set_principal('owen@example.com') \gset
SET LOCAL ROLE demo_app;
INSERT INTO app.dashboards (title) VALUES ('X');
COMMIT;
SELECT * FROM pg_temp.entries('X');
SELECT * FROM pg_temp.decide('X');

\echo
\echo '-- 7b. A Super Admin switches the preference to "creator". Owen creates X2:'
SELECT wfauth.set_new_object_access('creator') \gset
BEGIN;
SELECT wfauth.set_principal('owen@example.com') \gset
SET LOCAL ROLE demo_app;
INSERT INTO app.dashboards (title) VALUES ('X2');
COMMIT;
SELECT * FROM pg_temp.entries('X2');
SELECT * FROM pg_temp.decide('X2');

\echo
\echo '-- 7c. Owen shares X2 with group Engineering (View):'
BEGIN;
SELECT wfauth.set_principal('owen@example.com') \gset
SET LOCAL ROLE demo_app;
UPDATE app.dashboards SET acl = wfauth.acl_grant(acl, 'group:Engineering', 'view') WHERE title = 'X2';
COMMIT;
SELECT * FROM pg_temp.decide('X2');

\echo
\echo '-- 7d. ...and gives Dana herself View & Modify. Access is cumulative:'
BEGIN;
SELECT wfauth.set_principal('owen@example.com') \gset
SET LOCAL ROLE demo_app;
UPDATE app.dashboards SET acl = wfauth.acl_grant(acl, 'dana@example.com', 'modify') WHERE title = 'X2';
COMMIT;
SELECT * FROM pg_temp.entries('X2');
SELECT * FROM pg_temp.decide('X2');

\echo
\echo '-- 7e. Back to "everyone": X2 keeps its access list; only new objects change.'
SELECT wfauth.set_new_object_access('everyone') \gset
SELECT * FROM pg_temp.entries('X2');

\echo
\echo '-- 7f. The same through row-level security: what each person''s SELECT returns'
\pset format aligned
BEGIN;
SELECT wfauth.set_principal('dana@example.com') \gset
SET LOCAL ROLE demo_app;
SELECT 'dana' AS who, string_agg(title, ', ' ORDER BY title) AS "SELECT title FROM app.dashboards" FROM app.dashboards;
COMMIT;
BEGIN;
SELECT wfauth.set_principal('lee@example.com') \gset
SET LOCAL ROLE demo_app;
SELECT 'lee' AS who, string_agg(title, ', ' ORDER BY title) AS "SELECT title FROM app.dashboards" FROM app.dashboards;
COMMIT;

\echo
\echo '== 8. The audit trail =================================================='
SELECT action, target, coalesce(wfauth._label(principal_id), db_role) AS by FROM wfauth.audit_log ORDER BY id;

\echo
\echo '== 9. Two customers in one database: tenants ==========================='
\echo 'A DBA creates two tenants. Each has its own Everyone, accounts, groups,'
\echo 'roles, settings and audit, and both have a dana@example.com, each with'
\echo 'her own password and rights.'
SELECT wfauth.create_tenant('Acme') \gset
SELECT wfauth.create_tenant('Globex') \gset
BEGIN;
SELECT wfauth.set_tenant('Acme') \gset
SELECT wfauth.create_user('dana@example.com', 'Acme dana''s passphrase', permissions => ARRAY['dashboards']) \gset
COMMIT;
BEGIN;
SELECT wfauth.set_tenant('Globex') \gset
SELECT wfauth.create_user('dana@example.com', 'Globex dana''s passphrase', permissions => ARRAY['dashboards']) \gset
SELECT wfauth.set_new_object_access('creator') \gset
COMMIT;
SELECT t.name AS tenant, p.id, p.name AS account
  FROM wfauth.principals p JOIN wfauth.tenants t ON t.id = p.tenant_id
 WHERE p.name = 'dana@example.com' ORDER BY t.id;

\echo
\echo 'Each Dana logs in to her tenant (login takes the tenant) and creates a'
\echo 'dashboard named "Q3 plan"; the row belongs to her tenant:'
BEGIN;
SET LOCAL ROLE demo_app;
SELECT wfauth.login('dana@example.com', 'Acme dana''s passphrase', 'acme') IS NOT NULL AS "Acme's Dana logged in";
INSERT INTO app.dashboards (title) VALUES ('Q3 plan');
COMMIT;
BEGIN;
SET LOCAL ROLE demo_app;
SELECT wfauth.login('dana@example.com', 'Globex dana''s passphrase', 'globex') IS NOT NULL AS "Globex's Dana logged in";
INSERT INTO app.dashboards (title) VALUES ('Q3 plan');
COMMIT;
SELECT d.title, t.name AS tenant, d.acl::text AS acl
  FROM app.dashboards d JOIN wfauth.tenants t ON t.id = wfauth.acl_tenant(d.acl)
 WHERE d.title = 'Q3 plan' ORDER BY t.id;

\echo
\echo 'What each Dana sees (the default tenant''s Dana sees neither Q3 plan):'
CREATE FUNCTION pg_temp.titles(who text, tenant text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    PERFORM wfauth.set_principal(who, tenant);
    SET LOCAL ROLE demo_app;
    SELECT string_agg(title, ', ' ORDER BY title) INTO v FROM app.dashboards;
    RESET ROLE;
    PERFORM wfauth.reset_principal();
    RETURN v;
END $$;
SELECT coalesce(tenant, 'default') AS tenant, pg_temp.titles('dana@example.com', tenant) AS "SELECT title FROM app.dashboards"
  FROM (VALUES (NULL), ('Acme'), ('Globex')) t(tenant);

\echo
\echo 'Can Acme''s Dana view or modify Globex''s "Q3 plan"? No principal of another'
\echo 'tenant can, Super Admins included (asked in Globex, as its policies ask):'
BEGIN;
SELECT wfauth.set_tenant('Globex') \gset
SELECT who, d.mode, wfauth.can_access(p.id, (SELECT acl FROM app.dashboards x, wfauth.tenants t
                                             WHERE x.title = 'Q3 plan' AND t.name = 'Globex'
                                               AND wfauth.acl_tenant(x.acl) = t.id), d.mode) AS allowed
  FROM (SELECT 'Acme''s dana' AS who, p.id FROM wfauth.principals p JOIN wfauth.tenants t ON t.id = p.tenant_id
         WHERE p.name = 'dana@example.com' AND t.name = 'Acme'
        UNION ALL
        SELECT 'Globex''s dana', p.id FROM wfauth.principals p JOIN wfauth.tenants t ON t.id = p.tenant_id
         WHERE p.name = 'dana@example.com' AND t.name = 'Globex') p,
       (VALUES ('view'::wfauth.access_mode), ('modify')) d(mode)
 ORDER BY 1, 2;
COMMIT;

\echo
\echo 'Acme''s accounts holder names "dana@example.com": only Acme''s Dana exists for it.'
BEGIN;
SELECT wfauth.set_tenant('Acme') \gset
SELECT wfauth.create_user('admin@acme.example', permissions => ARRAY['accounts']) \gset
SELECT wfauth.reset_principal() \gset
SELECT wfauth.set_principal('admin@acme.example', 'Acme') \gset
SELECT identifier, kind FROM wfauth.account_list ORDER BY identifier;
COMMIT;
