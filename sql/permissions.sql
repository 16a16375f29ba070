-- The permission catalog, direct grants, effective permissions, and who may act.
\set VERBOSITY terse
SELECT name, api_name FROM wfauth.permissions ORDER BY name;
SELECT wfauth.create_user('jo@example.com') AS jo \gset
SELECT wfauth.create_group('Analysts');
SELECT wfauth.add_members('Analysts', '{jo@example.com}');
SELECT wfauth.create_role('Viewer', '{logs}');
SELECT wfauth.create_role('Tagger', '{source_tags}');
SELECT wfauth.grant_permission('Metrics', '{jo@example.com}');
SELECT wfauth.grant_permission('events', '{group:Analysts}');
SELECT wfauth.grant_permission('external_links', '{everyone}');
SELECT wfauth.grant_role('Viewer', '{jo@example.com, group:Analysts}');
SELECT wfauth.grant_role('Tagger', '{everyone}');
-- one row per source
SELECT * FROM wfauth.effective_permissions(:jo);
SELECT wfauth.has_permission(:jo, p) AS has, p
  FROM unnest(ARRAY['metrics', 'events', 'external_links', 'logs', 'source_tags', 'proxies']) p;
SELECT wfauth.has_permission(NULL, 'metrics') AS null_principal,
       wfauth.has_permission(:jo, NULL) AS null_permission,
       wfauth.has_permission(-1, 'metrics') AS unknown_principal;
SELECT wfauth.revoke_permission('metrics', '{jo@example.com}');
SELECT wfauth.has_permission(:jo, 'metrics') AS after_revoke;
SELECT wfauth.revoke_permission('external_links', '{everyone}');
SELECT wfauth.revoke_role('Tagger', '{everyone}');

-- applications add their own permissions
SELECT wfauth.register_permission('reports', 'create scheduled reports');
SELECT wfauth.grant_permission('reports', '{jo@example.com}');
SELECT wfauth.has_permission(:jo, 'reports');
SELECT try($$SELECT wfauth.register_permission('reports', 'again')$$);
SELECT try($$SELECT wfauth.register_permission('Bad Name', 'x')$$);
SELECT try($$SELECT wfauth.grant_permission('flying', '{jo@example.com}')$$);

-- who may act: with a principal, the principal; with none, only a DBA
BEGIN;
SELECT wfauth.set_principal('jo@example.com');
SELECT try($$SELECT wfauth.create_group('Jo''s group')$$);
SELECT try(format('SELECT count(*) FROM wfauth.effective_permissions(%s)', :jo)) AS own;
SELECT try($$SELECT count(*) FROM wfauth.effective_permissions(1)$$) AS others;
ROLLBACK;
SELECT wfauth.grant_permission('accounts', '{jo@example.com}');
BEGIN;
SELECT wfauth.set_principal('jo@example.com');
SET LOCAL ROLE wfauth_regress_app;   -- whatever the database role
SELECT try($$SELECT wfauth.create_group('Jo''s group')$$);
SELECT try($$SELECT wfauth.set_new_object_access('creator')$$);  -- Super Admin only
COMMIT;
-- an application role with no principal can do nothing but authenticate
SET ROLE wfauth_regress_app;
SELECT try($$SELECT wfauth.create_group('Anon')$$);
SELECT try($$SELECT wfauth.account_id('jo@example.com')$$);
SELECT try($$SELECT wfauth.set_principal('jo@example.com')$$);
SELECT try($$SELECT wfauth._set_principal(1)$$);
SELECT try($$SELECT count(*) FROM wfauth.principals$$);
SELECT try($$DELETE FROM wfauth.audit_log$$);
RESET ROLE;
-- members of wfauth.admin_role are DBAs
SET wfauth.admin_role = 'wfauth_regress_ops';
SET ROLE wfauth_regress_ops;
SELECT try($$SELECT wfauth.create_group('Ops Made')$$);
RESET ROLE;
RESET wfauth.admin_role;
