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
\echo '== 7. The audit trail =================================================='
SELECT action, target, coalesce(principal_id::text, db_role) AS by FROM wfauth.audit_log ORDER BY id;
