-- Invitations: accounts with the new-user defaults and single-use activation tokens.
\set VERBOSITY terse
SELECT wfauth.create_group('Invited');
SELECT wfauth.set_new_user_defaults('{logs}', '{Invited}');
CREATE TEMP TABLE invites AS
SELECT * FROM wfauth.invite_users('{Ann@Example.com, bea@example.com}', permissions => '{metrics}');
SELECT email, activation_token ~ '^wfai_[0-9A-Za-z]{49}$' AS token_format FROM invites ORDER BY email;
SELECT * FROM wfauth.effective_permissions(wfauth.account_id('ann@example.com'));
SELECT wfauth.set_new_user_defaults('{}', '{}');
-- no password yet: no login
SELECT try($$SELECT wfauth.login('ann@example.com', 'ann''s chosen passphrase')$$) AS before_activation;
-- activation sets the password, once
SELECT activation_token AS ann_token FROM invites WHERE email = 'ann@example.com' \gset
SELECT try(format('SELECT wfauth.activate_user(%L, %L)', :'ann_token', 'short')) AS too_short;
SELECT wfauth.activate_user(:'ann_token', 'ann''s chosen passphrase') = wfauth.account_id('ann@example.com') AS activated;
SELECT wfauth.login('ann@example.com', 'ann''s chosen passphrase') IS NOT NULL AS can_log_in;
SELECT try(format('SELECT wfauth.activate_user(%L, %L)', :'ann_token', 'another passphrase!')) AS reused;
-- valid 24 hours
SELECT activation_token AS bea_token FROM invites WHERE email = 'bea@example.com' \gset
UPDATE wfauth.activations SET expires_at = now() - interval '1 second'
 WHERE digest = sha256(convert_to(:'bea_token', 'UTF8'));
SELECT try(format('SELECT wfauth.activate_user(%L, %L)', :'bea_token', 'bea''s chosen passphrase')) AS expired;
SELECT try($$SELECT wfauth.activate_user('wfai_forged', 'a long enough passphrase')$$) AS forged;
-- all or nothing: one existing address fails the whole call
SELECT try($$SELECT * FROM wfauth.invite_users('{cat@example.com, ann@example.com}')$$) AS with_existing;
SELECT count(*) FROM wfauth.principals WHERE name = 'cat@example.com';
-- it takes accounts
BEGIN;
SELECT wfauth.set_principal('ann@example.com');
SELECT try($$SELECT * FROM wfauth.invite_users('{dee@example.com}')$$) AS without_accounts;
ROLLBACK;
-- and the application role can activate with no principal at all
SELECT * FROM wfauth.invite_users('{eve@example.com}') \gset
SET ROLE wfauth_regress_app;
SELECT wfauth.activate_user(:'activation_token', 'eve''s chosen passphrase') IS NOT NULL AS app_role_activates;
SELECT wfauth.login('eve@example.com', 'eve''s chosen passphrase') IS NOT NULL AS app_role_logs_in;
RESET ROLE;
SELECT count(*) AS tokens_in_clear FROM wfauth.activations a, invites i WHERE strpos(a::text, i.activation_token) > 0;
