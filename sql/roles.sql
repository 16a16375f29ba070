-- Roles: named sets of permissions, granted to accounts and groups.
\set VERBOSITY terse
SELECT wfauth.create_role('Dashboard Editor', '{dashboards, ALERTS}', 'edits dashboards') AS editor \gset
SELECT r.name, r.description, array_agg(rp.permission ORDER BY rp.permission) AS permissions
  FROM wfauth.roles r JOIN wfauth.role_permissions rp ON rp.role_id = r.id
 WHERE r.id = :editor GROUP BY r.name, r.description;
SELECT try($$SELECT wfauth.create_role('dashboard editor', '{}')$$);
-- an unknown permission creates nothing
SELECT try($$SELECT wfauth.create_role('Broken', '{dashboards, flying}')$$);
SELECT count(*) FROM wfauth.roles WHERE name = 'Broken';
SELECT try($$SELECT wfauth.create_role('', '{}')$$);

SELECT wfauth.create_user('ivy@example.com') AS ivy \gset
SELECT wfauth.create_group('Ops');
SELECT wfauth.add_members('Ops', '{ivy@example.com}');
SELECT wfauth.create_role('Logger', '{logs}');
SELECT wfauth.grant_role('dashboard editor', '{ivy@example.com}');
SELECT wfauth.grant_role('Logger', '{group:ops}');
SELECT * FROM wfauth.effective_permissions(:ivy);
-- granting twice changes nothing; revoking takes it away
SELECT wfauth.grant_role('Logger', '{group:Ops}');
SELECT wfauth.revoke_role('logger', '{group:Ops}');
SELECT wfauth.has_permission(:ivy, 'logs') AS after_revoke;
-- deleting a role removes every grant of it
SELECT wfauth.delete_role('Dashboard Editor');
SELECT wfauth.has_permission(:ivy, 'dashboards') AS after_delete;
SELECT count(*) FROM wfauth.role_grants WHERE role_id = :editor;
SELECT try($$SELECT wfauth.delete_role('Dashboard Editor')$$);
SELECT try($$SELECT wfauth.grant_role('Logger', '{nobody@example.com}')$$);
SELECT try($$SELECT wfauth.grant_role('Nope', '{ivy@example.com}')$$);
