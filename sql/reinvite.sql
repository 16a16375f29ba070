-- Issue 21: credentials and the unauthenticated client, round two.
SET client_min_messages = warning;
-- A pending invitee who was made Super Admin before activating: re-inviting
-- it hands out a fresh activation token, so only a Super Admin (or a DBA)
-- may; an accounts holder gets 42501 (before the fix it got the token and
-- activated the Super Admin account with a password of its choice).
SELECT account_id AS cto FROM wfauth.invite_users('{cto@example.com}') \gset
SELECT wfauth.grant_super_admin('cto@example.com');
SELECT wfauth.create_user('hr@example.com', permissions => '{accounts}') IS NOT NULL AS hr_created;
BEGIN;
SELECT wfauth.set_principal('hr@example.com');
SELECT try($$SELECT * FROM wfauth.invite_users('{cto@example.com}')$$) AS accounts_holder_reinvites_super_admin;
ROLLBACK;
SELECT count(*) AS live_activations FROM wfauth.activations WHERE account_id = :cto AND used_at IS NULL;
SELECT count(*) AS reinvited_by_dba FROM wfauth.invite_users('{cto@example.com}');
SELECT wfauth.delete_account('hr@example.com');
DELETE FROM wfauth.principals WHERE name = 'cto@example.com';
