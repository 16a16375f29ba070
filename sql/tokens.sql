-- API tokens: format, who may generate them, revocation, expiry, limits.
\set VERBOSITY terse
SELECT wfauth.create_user('tom@example.com', permissions => '{api_tokens}') AS tom \gset
SELECT wfauth.create_user('una2@example.com') AS una \gset
SELECT wfauth.create_user('tokadmin@example.com', permissions => '{accounts}') AS tokadmin \gset
SELECT wfauth.create_service_account('deployer') AS deployer \gset

-- a user generates tokens for their own account with api_tokens
BEGIN;
SELECT wfauth.set_principal('tom@example.com');
SELECT wfauth.generate_token('tom@example.com', 'laptop') AS tok1 \gset
SELECT wfauth.generate_token('tom@example.com', 'ci', '30 days') AS tok2 \gset
SELECT try($$SELECT wfauth.generate_token('una2@example.com', 'x')$$) AS for_someone_else;
SELECT try($$SELECT wfauth.generate_token('sa::deployer', 'x')$$) AS for_a_service_account;
COMMIT;
-- the format: wfat_ + 43 base62 (256 bits) + 6 base62 checksum
SELECT :'tok1' ~ '^wfat_[0-9A-Za-z]{49}$' AS well_formed, :'tok1' <> :'tok2' AS distinct_tokens;
-- only the SHA-256 digest is stored, nowhere the token
SELECT count(*) AS stored_digests FROM wfauth.tokens WHERE digest = sha256(convert_to(:'tok1', 'UTF8'));
SELECT count(*) AS rows_with_the_secret FROM wfauth.tokens t
 WHERE strpos(t::text, :'tok1') > 0 OR strpos(t::text, substr(:'tok1', 6, 20)) > 0;
SELECT count(*) AS audit_rows_with_the_secret FROM wfauth.audit_log a WHERE strpos(a::text, substr(:'tok1', 6, 20)) > 0;
-- without api_tokens, and for service accounts, it takes accounts
BEGIN;
SELECT wfauth.set_principal('una2@example.com');
SELECT try($$SELECT wfauth.generate_token('una2@example.com', 'x')$$) AS no_api_tokens;
ROLLBACK;
BEGIN;
SELECT wfauth.set_principal('sa::deployer');
SELECT try($$SELECT wfauth.generate_token('sa::deployer', 'self')$$) AS service_for_itself;
ROLLBACK;
BEGIN;
SELECT wfauth.set_principal('tokadmin@example.com');
SELECT wfauth.generate_token('deployer', 'pipeline') AS svc_tok \gset
COMMIT;

-- authentication sets the principal for the transaction, and only for it
BEGIN;
SELECT wfauth.authenticate_token(:'tok1') = :tom AS tom_returned;
SELECT wfauth.current_principal() = :tom AS tom_acting;
COMMIT;
SELECT wfauth.current_principal() IS NULL AS gone_after_commit;
SELECT wfauth.authenticate_token(:'svc_tok') = :deployer AS service_token_works;

-- attacks: one character changed, another kind of token, garbage, NULL
SELECT try(format('SELECT wfauth.authenticate_token(%L)',
                  left(:'tok1', 20) || CASE substr(:'tok1', 21, 1) WHEN 'a' THEN 'b' ELSE 'a' END || substr(:'tok1', 22)))
       AS one_char_changed;
SELECT try(format('SELECT wfauth.authenticate_token(%L)', 'wfas_' || substr(:'tok1', 6))) AS other_prefix;
SELECT try($$SELECT wfauth.authenticate_token('wfat_123')$$) AS garbage;
SELECT try($$SELECT wfauth.authenticate_token(NULL)$$) AS null_token;

-- names: unique among live tokens of an account; rename; revoke one, the other works
SELECT try($$SELECT wfauth.generate_token('tom@example.com', 'LAPTOP')$$) AS duplicate_name;
SELECT try($$SELECT wfauth.generate_token('tom@example.com', '  ')$$) AS empty_name;
SELECT try($$SELECT wfauth.generate_token('tom@example.com', 'past', '-1 hour')$$) AS past_expiry;
SELECT wfauth.rename_token('tom@example.com', 'laptop', 'old laptop');
SELECT try($$SELECT wfauth.rename_token('tom@example.com', 'nope', 'x')$$) AS rename_missing;
SELECT try($$SELECT wfauth.rename_token('tom@example.com', 'ci', 'old laptop')$$) AS rename_to_taken;
SELECT wfauth.revoke_token('tom@example.com', 'old laptop');
SELECT try(format('SELECT wfauth.authenticate_token(%L)', :'tok1')) AS revoked;
SELECT wfauth.authenticate_token(:'tok2') = :tom AS other_token_still_works;
SELECT try($$SELECT wfauth.revoke_token('tom@example.com', 'old laptop')$$) AS revoke_twice;
-- a revoked token's name can be used again
SELECT wfauth.generate_token('tom@example.com', 'old laptop') IS NOT NULL AS name_reused;

-- expiry
SELECT wfauth.generate_token('una2@example.com', 'brief', '1 microsecond') AS brief \gset
SELECT try(format('SELECT wfauth.authenticate_token(%L)', :'brief')) AS expired;
-- a deactivated account's tokens authenticate nothing, until it is re-activated
SELECT wfauth.set_active('sa::deployer', false);
SELECT try(format('SELECT wfauth.authenticate_token(%L)', :'svc_tok')) AS deactivated;
SELECT wfauth.set_active('sa::deployer', true);
SELECT wfauth.authenticate_token(:'svc_tok') = :deployer AS reactivated;

-- the limit of live tokens per account
SET wfauth.max_tokens_per_account = 3;
SELECT try($$SELECT wfauth.generate_token('tom@example.com', 'third')$$) AS third;
SELECT try($$SELECT wfauth.generate_token('tom@example.com', 'fourth')$$) AS fourth;
RESET wfauth.max_tokens_per_account;

-- last use is kept, at most once a minute, and never on a read-only transaction
-- (a worker notes a use in a transaction of its own: an earlier use's note
-- may land late, but it carries that earlier time, before ro_started)
UPDATE wfauth.tokens SET last_used_at = now() - interval '2 minutes' WHERE name = 'ci';
SELECT clock_timestamp() AS ro_started \gset
BEGIN READ ONLY;
SELECT wfauth.authenticate_token(:'tok2') = :tom AS read_only_works;
COMMIT;
SELECT last_used_at < :'ro_started' AS not_written_read_only FROM wfauth.tokens WHERE name = 'ci';
SELECT wfauth.authenticate_token(:'tok2') IS NOT NULL;
-- noted by a worker in a transaction of its own (no revocation waits for the
-- user's transaction), a few milliseconds later: wait for it, 10 s at most
DO $$ BEGIN
    FOR i IN 1..200 LOOP
        EXIT WHEN (SELECT last_used_at > now() - interval '1 minute' FROM wfauth.tokens WHERE name = 'ci');
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT last_used_at > now() - interval '1 minute' AS written FROM wfauth.tokens WHERE name = 'ci';

-- the token list: no secrets; one's own, or everyone's with accounts
SELECT account, name, token ~ '^wfat_[0-9A-Za-z]{4}…$' AS display_only, live, revoked_at IS NOT NULL AS revoked
  FROM wfauth.token_list ORDER BY account, name, revoked;
BEGIN;
SELECT wfauth.set_principal('una2@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT account, name FROM wfauth.token_list ORDER BY 1, 2;
ROLLBACK;
SET ROLE wfauth_regress_app;
SELECT count(*) AS anonymous_sees FROM wfauth.token_list;
SELECT try($$SELECT count(*) FROM wfauth.tokens$$) AS table_itself;
RESET ROLE;
-- managing a Super Admin's tokens takes a Super Admin
SELECT wfauth.create_user('chief@example.com') AS chief \gset
SELECT wfauth.grant_super_admin('chief@example.com');
BEGIN;
SELECT wfauth.set_principal('tokadmin@example.com');
SELECT try($$SELECT wfauth.generate_token('chief@example.com', 'impersonate')$$) AS super_admin_token;
ROLLBACK;
SELECT wfauth.revoke_super_admin('chief@example.com');
