-- The twelfth attack pass (a fresh hostile administrator and client,
-- briefed against the eleventh pass's fixes).  Each attack below succeeded
-- before its fix; each now fails.
SET client_min_messages = warning;

SELECT wfauth.create_user('r12-tim@example.com') IS NOT NULL AS tim;
SELECT wfauth.create_user('r12-boss@example.com', permissions => '{accounts}') IS NOT NULL AS boss;
SELECT wfauth.create_service_account('r12-backup', permissions => '{accounts}') IS NOT NULL AS backup;
SELECT wfauth.create_user('r12-gone@example.com', permissions => '{accounts}') IS NOT NULL AS gone;
SELECT wfauth.set_active('r12-gone@example.com', false);
SELECT wfauth.grant_permission('accounts', '{r12-tim@example.com}', statement_timestamp() + interval '1 day');

-- 1. "An account created in this transaction" was read off the principals
-- row's xmin: the last writer, not the creator.  A principal holding
-- accounts for a while touched a lasting administrator's row (a
-- description, an activation flag) and then gave it a password and
-- tokens that never end.  The accounts this transaction created are the
-- ones it inserted, whatever else touches their rows since.
BEGIN;
SELECT wfauth.set_principal('r12-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT wfauth.alter_account('r12-boss@example.com', 'touched');
SELECT try($$SELECT wfauth.set_password('r12-boss@example.com', 'owned by tim 0123456789')$$) AS boss_password;
SELECT wfauth.alter_account('r12-backup', 'touched');
SELECT try($$SELECT wfauth.generate_token('r12-backup', 'forever')$$) AS backup_token;
-- what it creates now stays its own to set up, touched or not
SELECT wfauth.create_service_account('r12-new-robot') IS NOT NULL AS new_robot;
SELECT wfauth.alter_account('r12-new-robot', 'a robot of tim''s');
SELECT try($$SELECT wfauth.generate_token('r12-new-robot', 'first')$$) AS new_robot_token;
COMMIT;
SELECT count(*) AS boss_and_backup_credentials
  FROM (SELECT account_id FROM wfauth.passwords UNION ALL SELECT account_id FROM wfauth.tokens) c
 WHERE account_id IN (SELECT id FROM wfauth.principals WHERE name IN ('r12-boss@example.com', 'sa::r12-backup'));

-- 2. Such a principal re-activated a deactivated lasting administrator:
-- the account's rights and credentials came back for good.  It may
-- deactivate (that ends), not activate an account it did not create now.
BEGIN;
SELECT wfauth.set_principal('r12-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$SELECT wfauth.set_active('r12-gone@example.com', true)$$) AS reactivates_gone;
SELECT try($$SELECT wfauth.set_active('r12-boss@example.com', false)$$) AS deactivates_boss;
COMMIT;
SELECT name, active FROM wfauth.principals WHERE name IN ('r12-gone@example.com', 'r12-boss@example.com') ORDER BY 1;
SELECT wfauth.set_active('r12-boss@example.com', true);

-- Held by the contract (DESIGN 9: a grant counts while valid_from <=
-- statement_timestamp() < valid_until): a statement nested in a long one
-- (a DO block, a function) decides at the outer statement's start, as
-- that statement's own rows are; docs/governance.md says so and how to
-- bound it (statement_timeout).

-- clean up
SELECT count(wfauth.delete_account(name)) AS deleted
  FROM wfauth.principals WHERE name ~ '^(sa::)?r12-';
