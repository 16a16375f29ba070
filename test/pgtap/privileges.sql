-- Privileges: what PUBLIC (an application role with USAGE on the schema) can
-- and cannot do, and how every function is declared.
BEGIN;
CREATE ROLE wfauth_tap_app;
GRANT USAGE ON SCHEMA wfauth TO wfauth_tap_app;
SELECT plan(9);

SELECT is(array_agg(c.relname ORDER BY c.relname), NULL,
          'no wfauth table is readable or writable by an application role')
  FROM pg_class c
 WHERE c.relnamespace = 'wfauth'::regnamespace AND c.relkind IN ('r', 'p', 'S')
   AND (has_table_privilege('wfauth_tap_app', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE')
        OR (c.relkind = 'S' AND has_sequence_privilege('wfauth_tap_app', c.oid, 'USAGE,UPDATE')));

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'no internal function (_name) is executable by PUBLIC')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname LIKE '\_%'
   AND has_function_privilege('wfauth_tap_app', p.oid, 'EXECUTE');

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every public function is executable by an application role')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname NOT LIKE '\_%'
   AND NOT has_function_privilege('wfauth_tap_app', p.oid, 'EXECUTE');

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every SECURITY DEFINER function pins search_path to pg_catalog, pg_temp')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.prosecdef
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every public function has a comment')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname NOT LIKE '\_%'
   AND obj_description(p.oid, 'pg_proc') IS NULL;

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every function that changes the model is VOLATILE')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace
   AND p.proname ~ '^(create|delete|grant|revoke|add|remove|set|register)_' AND p.provolatile <> 'v';

SELECT volatility_is('wfauth', 'has_permission', ARRAY['bigint', 'text'], 'stable',
                     'has_permission is STABLE');
SELECT ok((SELECT proparallel = 's' FROM pg_proc WHERE oid = 'wfauth.has_permission(bigint,text)'::regprocedure)
          AND (SELECT proparallel = 's' FROM pg_proc WHERE oid = 'wfauth.current_principal()'::regprocedure),
          'the checks used in policies are PARALLEL SAFE');

SET LOCAL ROLE wfauth_tap_app;
SELECT throws_ok($$SELECT wfauth.create_user('app@example.com')$$, '42501', NULL,
                 'an application role with no principal cannot manage');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
