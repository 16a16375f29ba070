-- Every change through the functions leaves one audit row; refusals leave none.
\set VERBOSITY terse
TRUNCATE wfauth.audit_log;
SELECT wfauth.create_user('max@example.com', permissions => '{logs}');
SELECT wfauth.create_group('Auditors');
SELECT wfauth.add_members('Auditors', '{max@example.com}');
SELECT wfauth.add_members('Auditors', '{max@example.com}');   -- no change, no row
SELECT wfauth.create_role('Reader', '{logs}');
SELECT wfauth.grant_role('Reader', '{group:Auditors}');
SELECT wfauth.grant_permission('metrics', '{max@example.com}');
SELECT wfauth.revoke_permission('metrics', '{max@example.com}');
SELECT wfauth.revoke_role('Reader', '{group:Auditors}');
SELECT wfauth.remove_members('Auditors', '{max@example.com}');
SELECT wfauth.set_active('max@example.com', false);
SELECT wfauth.set_active('max@example.com', true);
SELECT wfauth.grant_permission('accounts', '{max@example.com}');
BEGIN;
SELECT wfauth.set_principal('max@example.com');
SELECT wfauth.create_service_account('audited-bot');
SELECT try($$SELECT wfauth.create_group('Auditors')$$);   -- refused: no row
COMMIT;
SELECT wfauth.delete_role('Reader');
SELECT wfauth.delete_group('Auditors');
SELECT wfauth.delete_account('sa::audited-bot');
SELECT wfauth.set_new_user_defaults('{}', '{}');
SELECT action, target, details - 'id' AS details,
       principal_id IS NOT NULL AS by_principal,
       CASE db_role WHEN session_user THEN '(the DBA running the test)' ELSE db_role END AS db_role
  FROM wfauth.audit_log ORDER BY id;
-- the audit table records when, and is not writable by applications
SELECT bool_and(at <= clock_timestamp()) FROM wfauth.audit_log;
SET ROLE wfauth_regress_app;
SELECT try($$INSERT INTO wfauth.audit_log (db_role, action) VALUES ('x', 'forged')$$);
RESET ROLE;
