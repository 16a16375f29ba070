-- Passwords and login sessions.
\set VERBOSITY terse
-- failures are counted by a background worker, a few milliseconds later
CREATE FUNCTION failures_of(account bigint, expected int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    FOR i IN 1..500 LOOP
        SELECT failed_attempts INTO n FROM wfauth.passwords WHERE account_id = account;
        EXIT WHEN n >= expected;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN n;
END $$;
SELECT wfauth.create_user('lou@example.com', 'lou''s long passphrase') AS lou \gset
SELECT wfauth.create_user('off@example.com', 'off''s long passphrase') AS off \gset
SELECT wfauth.set_active('off@example.com', false);
SELECT wfauth.create_service_account('robot') AS robot \gset

-- success: a session token, and the user acting for the rest of the transaction
BEGIN;
SELECT wfauth.login('LOU@example.com', 'lou''s long passphrase') AS s1 \gset
SELECT wfauth.current_principal() = :lou AS lou_acting;
COMMIT;
SELECT :'s1' ~ '^wfas_[0-9A-Za-z]{49}$' AS session_format;
SELECT count(*) AS stored FROM wfauth.sessions WHERE digest = sha256(convert_to(:'s1', 'UTF8'));
SELECT wfauth.authenticate_session(:'s1') = :lou AS session_works;

-- every failure looks the same: one SQLSTATE, one message
SELECT who, try(format('SELECT wfauth.login(%L, %L)', who, pw)) AS result
  FROM (VALUES ('lou@example.com', 'not lou''s passphrase'),
               ('nobody@example.com', 'lou''s long passphrase'),
               ('off@example.com', 'off''s long passphrase'),
               ('robot', 'any long passphrase here'),
               ('sa::robot', 'any long passphrase here'),
               ('', ''), (NULL, NULL)) t(who, pw);
-- a failure is counted even though the login's own transaction is rolled back
SELECT failures_of(:lou, 1);
SELECT failed_attempts FROM wfauth.passwords WHERE account_id = :off;   -- inactive: not counted

-- throttling: past wfauth.max_failed_logins, refused for 2^(failures - limit) s
SET wfauth.max_failed_logins = 2;
SELECT try($$SELECT wfauth.login('lou@example.com', 'still not the passphrase')$$);
SELECT failures_of(:lou, 2);
-- (the last failure as if it were now, however long the worker took: a slow machine)
UPDATE wfauth.passwords SET last_failed_at = now() + interval '1 minute' WHERE account_id = :lou;
SELECT try($$SELECT wfauth.login('lou@example.com', 'lou''s long passphrase')$$) AS right_password_while_locked;
UPDATE wfauth.passwords SET last_failed_at = now() - interval '2 seconds' WHERE account_id = :lou;
SELECT wfauth.login('lou@example.com', 'lou''s long passphrase') IS NOT NULL AS after_the_delay;
SELECT failed_attempts FROM wfauth.passwords WHERE account_id = :lou;   -- success resets
RESET wfauth.max_failed_logins;

-- a new cost setting re-hashes at the next successful login
SELECT hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%' AS default_cost FROM wfauth.passwords WHERE account_id = :lou;
SET wfauth.password_hash_iterations = 3;
SELECT wfauth.login('lou@example.com', 'lou''s long passphrase') IS NOT NULL;
SELECT hash LIKE '$argon2id$v=19$m=19456,t=3,p=1$%' AS rehashed FROM wfauth.passwords WHERE account_id = :lou;
RESET wfauth.password_hash_iterations;

-- sessions end: by end_session, by idle and absolute timeouts, by logout
SELECT wfauth.login('lou@example.com', 'lou''s long passphrase') AS s2 \gset
SELECT wfauth.end_session(:'s2');
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'s2')) AS after_end_session;
SELECT wfauth.end_session(:'s2');                                     -- again: nothing to do
SELECT try($$SELECT wfauth.end_session('wfas_nonsense')$$) AS end_garbage;
SELECT wfauth.login('lou@example.com', 'lou''s long passphrase') AS s3 \gset
UPDATE wfauth.sessions SET last_seen_at = now() - interval '61 minutes'
 WHERE digest = sha256(convert_to(:'s3', 'UTF8'));
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'s3')) AS idle_too_long;
SELECT wfauth.login('lou@example.com', 'lou''s long passphrase') AS s4 \gset
UPDATE wfauth.sessions SET expires_at = now() - interval '1 second' WHERE digest = sha256(convert_to(:'s4', 'UTF8'));
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'s4')) AS past_lifetime;
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'s1')) AS first_session_still_works;
SELECT try($$SELECT wfauth.logout('lou@example.com')$$) AS logout_by_dba;
BEGIN;
SELECT wfauth.set_principal('lou@example.com');
SELECT try($$SELECT wfauth.logout('lou@example.com')$$) AS logout_by_lou;
ROLLBACK;
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'s1')) AS after_logout;

-- a new password ends the user's other sessions, not the one changing it
SELECT wfauth.login('lou@example.com', 'lou''s long passphrase') AS keep \gset
SELECT wfauth.login('lou@example.com', 'lou''s long passphrase') AS other \gset
BEGIN;
SELECT wfauth.authenticate_session(:'keep') = :lou;
SELECT wfauth.set_password('lou@example.com', 'lou''s newer passphrase');
COMMIT;
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'keep')) AS current_session;
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'other')) AS other_session;
SELECT try($$SELECT wfauth.login('lou@example.com', 'lou''s long passphrase')$$) AS old_password;
SELECT wfauth.login('lou@example.com', 'lou''s newer passphrase') IS NOT NULL AS new_password;
-- deactivation ends sessions
SELECT wfauth.login('lou@example.com', 'lou''s newer passphrase') AS s5 \gset
SELECT wfauth.set_active('lou@example.com', false);
SELECT wfauth.set_active('lou@example.com', true);
SELECT try(format('SELECT wfauth.authenticate_session(%L)', :'s5')) AS after_deactivation;

-- set_password: own account, or accounts; never a service account
BEGIN;
SELECT wfauth.set_principal('lou@example.com');
SELECT try($$SELECT wfauth.set_password('lou@example.com', 'lou''s own new phrase')$$) AS own;
SELECT try($$SELECT wfauth.set_password('off@example.com', 'somebody else''s phrase')$$) AS others;
SELECT try($$SELECT wfauth.set_password('lou@example.com', 'short')$$) AS too_short;
ROLLBACK;
SELECT try($$SELECT wfauth.set_password('sa::robot', 'a long enough password')$$) AS service_account;
-- passwords never reach a table or the audit log in clear
SELECT count(*) AS rows_with_a_password FROM (
    SELECT p::text AS t FROM wfauth.passwords p UNION ALL SELECT a::text FROM wfauth.audit_log a) x
 WHERE strpos(t, 'passphrase') > 0;
