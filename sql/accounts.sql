-- User accounts: creation, normalisation, activation, deletion, Super Admin.
\set VERBOSITY terse
SELECT wfauth.create_user('Dora@Example.COM') AS dora \gset
SELECT name, kind, active, super_admin FROM wfauth.principals WHERE id = :dora;
-- any letter case finds the account
SELECT wfauth.account_id('DORA@example.com') = :dora AS same_account;
-- the same e-mail in another case is a duplicate
SELECT try($$SELECT wfauth.create_user('dora@EXAMPLE.com')$$);
-- malformed e-mail addresses
SELECT e, try(format('SELECT wfauth.create_user(%L)', e))
  FROM unnest(ARRAY['no-at-sign', 'two@@example.com', 'sp ace@example.com', '@example.com',
                    'dana@', 'sa::bot@example.com', '']) e;
-- a user created with a password stores only an argon2id hash
SELECT wfauth.create_user('erin@example.com', 'correct horse battery staple') AS erin \gset
SELECT hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%' AS argon2id,
       strpos(hash, 'horse') = 0 AS no_plaintext
  FROM wfauth.passwords WHERE account_id = :erin;
-- too short a password is refused, and nothing is created
SELECT try($$SELECT wfauth.create_user('frank@example.com', 'short')$$);
SELECT count(*) FROM wfauth.principals WHERE name = 'frank@example.com';

-- deactivation: an inactive account holds no permission
SELECT wfauth.grant_permission('dashboards', '{dora@example.com}');
SELECT wfauth.has_permission(:dora, 'dashboards') AS active_has;
SELECT wfauth.set_active('dora@example.com', false);
SELECT wfauth.has_permission(:dora, 'dashboards') AS inactive_has;
SELECT count(*) AS inactive_rows FROM wfauth.effective_permissions(:dora);
SELECT wfauth.set_active('DORA@example.com', true);
SELECT wfauth.has_permission(:dora, 'dashboards') AS reactivated_has;

-- deletion takes memberships and grants along; ids are never reused
SELECT wfauth.create_user('gone@example.com', permissions => '{logs}') AS gone \gset
SELECT wfauth.create_group('Temp');
SELECT wfauth.add_members('Temp', '{gone@example.com}');
SELECT wfauth.delete_account('gone@example.com');
SELECT count(*) FROM wfauth.group_members WHERE member_id = :gone;
SELECT count(*) FROM wfauth.permission_grants WHERE principal_id = :gone;
SELECT wfauth.create_user('gone@example.com') > :gone AS new_id;
SELECT try($$SELECT wfauth.delete_account('nobody@example.com')$$);

-- Super Admin: every permission; only user accounts; never the last one lost
SELECT wfauth.grant_super_admin('erin@example.com');
SELECT wfauth.has_permission(:erin, 'saml_idp_admin') AS super_has_all;
SELECT count(*) = (SELECT count(*) FROM wfauth.permissions) AS all_via_super_admin
  FROM wfauth.effective_permissions(:erin) WHERE via = 'super admin';
SELECT try($$SELECT wfauth.revoke_super_admin('erin@example.com')$$);
SELECT try($$SELECT wfauth.set_active('erin@example.com', false)$$);
SELECT try($$SELECT wfauth.delete_account('erin@example.com')$$);
-- also under direct DML
SELECT try($$UPDATE wfauth.principals SET super_admin = false WHERE name = 'erin@example.com'$$);
SELECT try($$DELETE FROM wfauth.principals WHERE name = 'erin@example.com'$$);
-- with a second Super Admin, the first may go
SELECT wfauth.grant_super_admin('dora@example.com');
SELECT wfauth.revoke_super_admin('erin@example.com');
SELECT name FROM wfauth.principals WHERE super_admin ORDER BY name;

-- an account holder with "accounts" cannot change a Super Admin's account
SELECT wfauth.create_user('admin@example.com', permissions => '{accounts}');
BEGIN;
SELECT wfauth.set_principal('admin@example.com');
SELECT try($$SELECT wfauth.set_active('dora@example.com', false)$$);
SELECT try($$SELECT wfauth.grant_super_admin('admin@example.com')$$);
SELECT try($$SELECT wfauth.set_active('erin@example.com', false)$$);
ROLLBACK;
SELECT active FROM wfauth.principals WHERE name = 'erin@example.com';
