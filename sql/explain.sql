-- explain_access shows the steps of the decision; who_can_access lists subjects.
\set VERBOSITY terse
SELECT wfauth.create_user('wes@example.com', permissions => '{alerts}') AS wes \gset
SELECT wfauth.create_user('xia@example.com') AS xia \gset
SELECT wfauth.create_user('yan@example.com') AS yan \gset
SELECT wfauth.create_user('boss@example.com') AS boss \gset
SELECT wfauth.create_service_account('pager', permissions => '{alerts}') AS pager \gset
SELECT wfauth.grant_super_admin('boss@example.com');
SELECT wfauth.create_group('On Call');
SELECT wfauth.add_members('On Call', '{wes@example.com, xia@example.com, sa::pager}');
SELECT wfauth.set_active('yan@example.com', false);
SELECT wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_grant('alert/0:{}', 'group:On Call', 'modify'),
                                         'wes@example.com', 'view'), 'everyone', 'view') AS acl \gset
SELECT * FROM wfauth.acl_entries(:'acl');
SELECT * FROM wfauth.explain_access(:wes, :'acl', 'modify');
SELECT * FROM wfauth.explain_access(:xia, :'acl', 'modify');   -- lacks the alerts permission
SELECT * FROM wfauth.explain_access(:xia, :'acl', 'view');
SELECT * FROM wfauth.explain_access(:yan, :'acl', 'view');     -- deactivated
SELECT * FROM wfauth.explain_access(:boss, :'acl', 'modify');
SELECT * FROM wfauth.explain_access(-1, :'acl', 'view');
-- the decision row always agrees with can_access
SELECT bool_and(e.result = wfauth.can_access(p, :'acl', m)) AS agrees
  FROM unnest(ARRAY[:wes, :xia, :yan, :boss, :pager]::bigint[]) p,
       unnest(ARRAY['view', 'modify']::wfauth.access_mode[]) m,
       LATERAL (SELECT result FROM wfauth.explain_access(p, :'acl', m) ORDER BY step DESC LIMIT 1) e;
SELECT identifier, via FROM wfauth.who_can_access(:'acl', 'modify');
SELECT identifier, via FROM wfauth.who_can_access(:'acl', 'view') WHERE identifier NOT LIKE '%@example.com'
   OR identifier IN ('wes@example.com', 'xia@example.com', 'yan@example.com', 'boss@example.com');
-- who may ask
BEGIN;
SELECT wfauth.set_principal('xia@example.com');
SELECT count(*) > 0 AS own FROM wfauth.explain_access(wfauth.current_principal(), :'acl', 'view');
SELECT try(format('SELECT count(*) FROM wfauth.explain_access(%s, %L, %L)', :wes, :'acl', 'view'));
SELECT try(format('SELECT count(*) FROM wfauth.who_can_access(%L, %L)', :'acl', 'view'));
SELECT try(format('SELECT count(*) FROM wfauth.who_can_access(%L, %L)', 'alert/0:{}', 'view'));
ROLLBACK;
SELECT wfauth.revoke_super_admin('boss@example.com');
