-- The wfauth.acl type: text and binary I/O, equality, and the pure functions.
\set VERBOSITY terse
SELECT 'dashboard/100:{205=view, 1=modify}'::wfauth.acl AS sorted;
SELECT 'alert/0:{}'::wfauth.acl AS empty;
SELECT v::wfauth.acl::text = v AS round_trips
  FROM (VALUES ('dashboard/100:{1=modify,205=view}'), ('alert/7:{3=view}'), ('dashboard/0:{}')) t(v);
-- malformed text is refused with 22P02
SELECT v, left(try(format('SELECT %L::wfauth.acl', v)), 5) AS sqlstate
  FROM unnest(ARRAY['', 'dashboard', 'dashboard/', 'dashboard/x:{}', 'dashboard/1{}',
                    'dashboard/1:{', 'dashboard/1:{1}', 'dashboard/1:{1=edit}',
                    'dashboard/1:{1=view,}', 'dashboard/1:{1=view} trailing',
                    'dashboard/1:{-1=view}', 'dashboard/1:{0=view}', 'dashboard/1:{2=view,2=view}',
                    'nosuchkind/1:{1=view}',
                    'dashboard/1:{99999999999999999999=view}']) v;
SELECT try($$SELECT 'dashboard/1:{5=view,5=modify}'::wfauth.acl$$);
SELECT try($$SELECT 'dashboard/1:{0=view}'::wfauth.acl$$);
-- equality ignores the order entries were written in
-- (the operators live in schema wfauth: OPERATOR(wfauth.=) unless it is on search_path)
SELECT 'dashboard/1:{1=view,2=modify}'::wfauth.acl OPERATOR(wfauth.=) 'dashboard/1:{2=modify,1=view}' AS eq,
       'dashboard/1:{1=view}'::wfauth.acl OPERATOR(wfauth.<>) 'dashboard/1:{1=modify}' AS ne,
       'dashboard/1:{1=view}'::wfauth.acl OPERATOR(wfauth.=) 'alert/1:{1=view}' AS other_kind;
SET search_path = public, wfauth;
SELECT 'dashboard/1:{1=view}'::acl = 'dashboard/1:{1=view}'::acl AS on_search_path;
RESET search_path;
SELECT wfauth.acl_kind('alert/5:{}'), wfauth.acl_creator('alert/5:{}'), wfauth.acl_creator('alert/0:{}');

-- binary send/receive round-trips (COPY BINARY out and back in, through a
-- file in pg_regress's own results directory)
CREATE TEMP TABLE acls (a wfauth.acl);
INSERT INTO acls VALUES ('dashboard/100:{1=modify,205=view}'), ('alert/0:{}');
\copy acls TO 'results/acl_type.bin' WITH (FORMAT binary)
CREATE TEMP TABLE acls2 (a wfauth.acl);
\copy acls2 FROM 'results/acl_type.bin' WITH (FORMAT binary)
SELECT a FROM acls2 ORDER BY a::text;
SELECT count(*) FROM acls JOIN acls2 ON acls.a OPERATOR(wfauth.=) acls2.a;

-- acl_grant / acl_revoke are pure and speak grantee notation
SELECT wfauth.create_user('rita@example.com') AS rita \gset
SELECT wfauth.create_group('Readers') AS readers \gset
SELECT wfauth.acl_grant('dashboard/0:{1=modify}', 'group:readers', 'view') AS granted \gset
SELECT * FROM wfauth.acl_entries(:'granted');
SELECT * FROM wfauth.acl_entries(wfauth.acl_grant(:'granted', 'RITA@example.com', 'modify'));
SELECT * FROM wfauth.acl_entries(wfauth.acl_grant(:'granted', 'group:Readers', 'modify'));  -- sets the level
SELECT * FROM wfauth.acl_entries(wfauth.acl_revoke(:'granted', 'everyone'));
SELECT wfauth.acl_revoke(:'granted', 'rita@example.com') OPERATOR(wfauth.=) :'granted' AS revoke_absent_is_noop;
SELECT try($$SELECT wfauth.acl_grant('dashboard/0:{}', 'nobody@example.com', 'view')$$);
SELECT try($$SELECT wfauth.acl_grant('dashboard/0:{}', 'group:Nope', 'view')$$);
SELECT try($$SELECT wfauth.acl_grant('dashboard/0:{}', 'everyone', NULL)$$);
SELECT wfauth.acl_grant(NULL, 'everyone', 'view') IS NULL AS null_in_null_out;
-- an entry whose principal is gone shows as #id and can be revoked as #id
SELECT wfauth.acl_grant('dashboard/0:{1=view}', 'rita@example.com', 'view') AS with_rita \gset
SELECT wfauth.delete_account('rita@example.com');
SELECT grantee IN ('everyone', '#' || :rita) AS as_expected, mode FROM wfauth.acl_entries(:'with_rita');
SELECT * FROM wfauth.acl_entries(wfauth.acl_revoke(:'with_rita', '#' || :rita));

-- can_access is false, not NULL, for missing arguments
SELECT wfauth.can_access(NULL, 'dashboard/0:{1=view}', 'view') AS null_principal,
       wfauth.can_access(1, NULL, 'view') AS null_object,
       wfauth.can_access(1, 'dashboard/0:{1=view}', NULL) AS null_mode;
-- and declared for RLS
SELECT provolatile, proparallel, proleakproof, proisstrict FROM pg_proc
 WHERE oid = 'wfauth.can_access(bigint, wfauth.acl, wfauth.access_mode)'::regprocedure;
