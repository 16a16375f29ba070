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

-- 3. A statement nested in a long one (a DO block, a function) decided at
-- the outer statement's start: under READ COMMITTED it read rows
-- committed long after the principal's access had ended, and it wrote
-- with that access too.  Each statement decides at its own start now,
-- nested ones too.  Here the block waits until Tim's accounts permission
-- has ended and then creates a user with it.
SELECT set_config('r12.until', (statement_timestamp() + interval '300 ms')::text, false) IS NOT NULL AS noted;
SELECT wfauth.grant_permission('accounts', '{r12-tim@example.com}', current_setting('r12.until')::timestamptz);
BEGIN;
SELECT wfauth.set_principal('r12-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
DO $$
BEGIN
    WHILE clock_timestamp() <= current_setting('r12.until')::timestamptz LOOP
        NULL;
    END LOOP;
    PERFORM wfauth.create_user('r12-late@example.com');
    RAISE WARNING 'created after the end';
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'refused after the end: %', SQLERRM;
END
$$;
COMMIT;
SELECT count(*) AS late_users FROM wfauth.principals WHERE name = 'r12-late@example.com';

-- clean up
SELECT count(wfauth.delete_account(name)) AS deleted
  FROM wfauth.principals WHERE name ~ '^(sa::)?r12-';
