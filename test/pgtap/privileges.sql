-- Privileges: what PUBLIC (an application role with USAGE on the schema) can
-- and cannot do, and how every function is declared.
BEGIN;
CREATE ROLE wfauth_tap_app;
GRANT USAGE ON SCHEMA wfauth TO wfauth_tap_app;
SELECT plan(17);

SELECT is(array_agg(c.relname ORDER BY c.relname), NULL,
          'no wfauth table is readable or writable by an application role')
  FROM pg_class c
 WHERE c.relnamespace = 'wfauth'::regnamespace AND c.relkind IN ('r', 'p', 'S')
   AND (has_table_privilege('wfauth_tap_app', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE')
        OR (c.relkind = 'S' AND has_sequence_privilege('wfauth_tap_app', c.oid, 'USAGE,UPDATE')));

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'no internal function (_name) is executable by PUBLIC, trigger functions, _stats() and _register_protected() aside')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname LIKE '\_%'
   AND p.prorettype <> 'trigger'::regtype
   AND p.oid <> 'wfauth._stats()'::regprocedure      -- the view wfauth.stats reads it; it answers DBAs only
   -- (Citus) protect() registers a table on the other nodes over the owner's
   -- connections there; it takes only what that node signed, or a DBA
   AND p.oid <> 'wfauth._register_protected(text,smallint,text)'::regprocedure
   AND has_function_privilege('wfauth_tap_app', p.oid, 'EXECUTE');

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text),
          ARRAY['wfauth._acl_on_insert()', 'wfauth._acl_on_update()', 'wfauth._refuse_truncate()'],
          'PUBLIC may execute only the trigger functions a table owner attaches (they run only as triggers)')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname LIKE '\_%'
   AND p.prorettype = 'trigger'::regtype
   AND has_function_privilege('wfauth_tap_app', p.oid, 'EXECUTE');

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'every public function is executable by an application role')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname NOT LIKE '\_%'
   AND NOT has_function_privilege('wfauth_tap_app', p.oid, 'EXECUTE');

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'every SECURITY DEFINER function pins search_path to pg_catalog, pg_temp')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.prosecdef
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'every SQL and PL/pgSQL function, definer or not, pins search_path to pg_catalog, pg_temp')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace
   AND p.prolang IN (SELECT oid FROM pg_language WHERE lanname IN ('sql', 'plpgsql'))
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'every VOLATILE SQL and PL/pgSQL function prints values as every Citus node reads them')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.provolatile = 'v'
   AND p.prolang IN (SELECT oid FROM pg_language WHERE lanname IN ('sql', 'plpgsql'))
   AND NOT coalesce(p.proconfig @> ARRAY['DateStyle=ISO, MDY', 'IntervalStyle=postgres',
                                         'standard_conforming_strings=on'], false);

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text),
          '{"wfauth.end_session(text)","wfauth.rename_token(text,text,text)","wfauth.revoke_token(text,text)"}',
          'on Citus every VOLATILE SQL and PL/pgSQL function keeps Citus''s serialization of its changes, '
          'but for three that change rows by key')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.provolatile = 'v'
   AND p.prolang IN (SELECT oid FROM pg_language WHERE lanname IN ('sql', 'plpgsql'))
   AND NOT coalesce(p.proconfig @> ARRAY['citus.all_modifications_commutative=off'], false);

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'every public function has a comment')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname NOT LIKE '\_%'
   AND obj_description(p.oid, 'pg_proc') IS NULL;

SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'every function that changes the model is VOLATILE')
  FROM pg_proc p
 WHERE p.pronamespace = 'wfauth'::regnamespace
   AND p.proname ~ '^(create|delete|grant|revoke|add|remove|set|register)_' AND p.provolatile <> 'v';

SELECT volatility_is('wfauth', 'has_permission', ARRAY['bigint', 'text'], 'stable',
                     'has_permission is STABLE');
SELECT ok((SELECT proparallel = 's' FROM pg_proc WHERE oid = 'wfauth.has_permission(bigint,text)'::regprocedure)
          AND (SELECT proparallel = 's' FROM pg_proc WHERE oid = 'wfauth.current_principal()'::regprocedure),
          'the checks used in policies are PARALLEL SAFE');

SELECT ok(has_table_privilege('wfauth_tap_app', 'wfauth.token_list', 'SELECT')
          AND NOT has_table_privilege('wfauth_tap_app', 'wfauth.tokens', 'SELECT'),
          'the token list is readable, the digests are not');

SET LOCAL ROLE wfauth_tap_app;
SELECT throws_ok($$SELECT wfauth.create_user('app@example.com')$$, '42501', NULL,
                 'an application role with no principal cannot manage');
-- but it can always try to authenticate: refused as a failed authentication, not a privilege
SELECT throws_ok($$SELECT wfauth.authenticate_token('wfat_nope')$$, '28000', NULL,
                 'authenticate_token is open to the application role');
SELECT throws_ok($$SELECT wfauth.login('nobody@example.com', 'not a real password')$$, '28P01', NULL,
                 'login is open to the application role');
SELECT throws_ok($$SELECT wfauth.activate_user('wfai_nope', 'not a real password')$$, '28000', NULL,
                 'activate_user is open to the application role');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
