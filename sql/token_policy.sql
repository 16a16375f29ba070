-- Governance (1.3): the tenant's API token policy.  A token older than the
-- maximum lifetime, or unused for longer than the idle timeout, fails with
-- 28000 whatever its own expiry; generate_token clamps expires_in; token_list
-- shows accounts holders every token of the tenant with its owner's kind and
-- effective expiry.  Only a Super Admin or a DBA sets the policy.
SET client_min_messages = warning;
SELECT wfauth.create_user('pol-admin@example.com') IS NOT NULL AS admin_created;
SELECT wfauth.grant_super_admin('pol-admin@example.com');
SELECT wfauth.create_user('pol-hr@example.com', permissions => '{accounts}') IS NOT NULL AS hr_created;
SELECT wfauth.create_user('pol-dev@example.com', permissions => '{api_tokens}') IS NOT NULL AS dev_created;
SELECT wfauth.create_service_account('pol-bot') IS NOT NULL AS bot_created;
SELECT wfauth.generate_token('sa::pol-bot', 'old') AS old_token,
       wfauth.generate_token('sa::pol-bot', 'idle', '1 year') AS idle_token,
       wfauth.generate_token('pol-dev@example.com', 'laptop') AS dev_token \gset

-- no policy: a row of NULLs, for any authenticated principal
BEGIN;
SELECT wfauth.set_principal('pol-dev@example.com');
SELECT * FROM wfauth.token_policy;
-- only a Super Admin or a DBA sets it
SELECT try($$SELECT wfauth.set_token_policy('30 days', '1 hour')$$) AS plain_account_sets_policy;
ROLLBACK;
BEGIN;
SELECT wfauth.set_principal('pol-hr@example.com');
SELECT try($$SELECT wfauth.set_token_policy('30 days', '1 hour')$$) AS accounts_holder_sets_policy;
ROLLBACK;
-- bad values
SELECT try($$SELECT wfauth.set_token_policy('0 seconds', NULL)$$) AS zero_lifetime;
SELECT try($$SELECT wfauth.set_token_policy('-1 day', NULL)$$) AS negative_lifetime;
SELECT try($$SELECT wfauth.set_token_policy(NULL, '59 seconds')$$) AS idle_under_a_minute;

BEGIN;
SELECT wfauth.set_principal('pol-admin@example.com');
SELECT wfauth.set_token_policy('30 days', '1 hour');
SELECT * FROM wfauth.token_policy;
COMMIT;
SELECT action, target, details FROM wfauth.audit_log WHERE action = 'set_token_policy' ORDER BY id;

-- the tokens: "old" was made 31 days ago and used a minute ago; "idle" was
-- used 61 minutes ago (a DBA rewrites the history, the clock cannot wait)
UPDATE wfauth.tokens SET created_at = now() - interval '31 days', last_used_at = now() - interval '1 minute'
 WHERE name = 'old';
UPDATE wfauth.tokens SET created_at = now() - interval '2 hours', last_used_at = now() - interval '61 minutes'
 WHERE name = 'idle';
SELECT try(format('SELECT wfauth.authenticate_token(%L)', :'old_token')) AS older_than_max_lifetime;
SELECT try(format('SELECT wfauth.authenticate_token(%L)', :'idle_token')) AS idle_too_long;
SELECT wfauth.authenticate_token(:'dev_token') = wfauth.account_id('pol-dev@example.com') AS young_and_used_token_works;
-- within the limits again, they work
UPDATE wfauth.tokens SET created_at = now() - interval '29 days' WHERE name = 'old';
UPDATE wfauth.tokens SET last_used_at = now() - interval '59 minutes' WHERE name = 'idle';
SELECT wfauth.authenticate_token(:'old_token') > 0 AS old_within_lifetime,
       wfauth.authenticate_token(:'idle_token') > 0 AS idle_within_timeout;

-- token_list: an accounts holder sees every token of the tenant, with the
-- owner's kind and the effective expiry (own expiry, lifetime, idle timeout:
-- whichever comes first)
UPDATE wfauth.tokens SET created_at = now() - interval '29 days 23 hours 30 minutes',
                         last_used_at = now() - interval '1 minute' WHERE name = 'old';
UPDATE wfauth.tokens SET expires_at = now() + interval '5 minutes' WHERE name = 'laptop';
BEGIN;
SELECT wfauth.set_principal('pol-hr@example.com');
SELECT account, account_kind, name, live,
       CASE effective_expires_at WHEN expires_at THEN 'its own expiry'
                                 WHEN created_at + interval '30 days' THEN 'the maximum lifetime'
                                 WHEN last_used_at + interval '1 hour' THEN 'the idle timeout' END AS ends_at
  FROM wfauth.token_list WHERE account LIKE '%pol-%' ORDER BY account, name;
ROLLBACK;
BEGIN;
SELECT wfauth.set_principal('pol-dev@example.com');
SELECT account, name FROM wfauth.token_list ORDER BY name;   -- only its own
ROLLBACK;

-- generate_token clamps expires_in (or none) to the maximum lifetime
SELECT wfauth.generate_token('sa::pol-bot', 'clamped', '1 year') IS NOT NULL AS clamped_made,
       wfauth.generate_token('sa::pol-bot', 'unlimited') IS NOT NULL AS unlimited_made,
       wfauth.generate_token('sa::pol-bot', 'short', '1 day') IS NOT NULL AS short_made;
SELECT name, expires_at - created_at AS lifetime FROM wfauth.tokens
 WHERE name IN ('clamped', 'unlimited', 'short') ORDER BY name;

-- another tenant's tokens follow its own policy (none)
SELECT wfauth.create_tenant('pol-other') IS NOT NULL AS other_tenant;
BEGIN;
SELECT wfauth.set_tenant('pol-other');
SELECT wfauth.create_service_account('pol-other-bot') IS NOT NULL AS other_bot;
SELECT wfauth.generate_token('sa::pol-other-bot', 'ancient') AS other_token \gset
SELECT * FROM wfauth.token_policy;
COMMIT;
UPDATE wfauth.tokens SET created_at = now() - interval '5 years' WHERE name = 'ancient';
SELECT wfauth.authenticate_token(:'other_token') > 0 AS other_tenant_unlimited;

-- no limit again: the 31-day-old token works
SELECT wfauth.set_token_policy(NULL, NULL);
UPDATE wfauth.tokens SET created_at = now() - interval '31 days' WHERE name = 'old';
SELECT wfauth.authenticate_token(:'old_token') > 0 AS no_policy_no_limit;

SELECT wfauth.delete_tenant('pol-other');
SELECT wfauth.delete_account(a) FROM unnest(ARRAY['pol-hr@example.com', 'pol-dev@example.com', 'sa::pol-bot']) a;
