-- wfauth install script, part 3: credentials -- API tokens, passwords, login
-- sessions, invitations.

-------------------------------------------------------------------------------
-- Credentials: API tokens, passwords, login sessions, invitations.
-- Every failure of authentication goes through wfauth._auth_failed(), which
-- hides the statement (and the secret in it) from the server log and says
-- the same thing whatever the cause.
-------------------------------------------------------------------------------

-- The account whose tokens (or password) the acting principal manages, by
-- identifier.  Own user account: needs own_permission (NULL: nothing), or
-- accounts; anyone else's: accounts, and a Super Admin's only by a Super
-- Admin.  The right is checked before the account is looked up, so a
-- missing and an existing account get the same refusal.
CREATE FUNCTION wfauth._credential_account(identifier text, own_permission text, lock boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM wfauth._require_actor();
    IF NOT wfauth._actor_has_permission('accounts') THEN
        IF wfauth._account_key(identifier) IS DISTINCT FROM
           (SELECT p.name_key FROM wfauth.principals p WHERE p.id = wfauth.current_principal() AND p.kind = 'user') THEN
            PERFORM wfauth._require_permission('accounts');
        END IF;
        IF own_permission IS NOT NULL AND NOT wfauth._actor_has_permission(own_permission) THEN
            PERFORM wfauth._require_permission('accounts');
        END IF;
    END IF;
    v_id := wfauth._account(identifier, lock);
    PERFORM wfauth._protect_super_admin(v_id);
    RETURN v_id;
END
$$;

CREATE FUNCTION wfauth.generate_token(identifier text, token_name text, expires_in interval DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint := wfauth._credential_account(identifier, 'api_tokens', true);
    v_name text := btrim(token_name);
    v_token text;
    v_live int;
    v_expires timestamptz;
BEGIN
    IF v_name IS NULL OR v_name = '' OR length(v_name) > 128 THEN
        RAISE EXCEPTION 'invalid token name "%"', token_name USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A token name has 1 to 128 characters.';
    END IF;
    IF expires_in IS NOT NULL AND expires_in <= interval '0' THEN
        RAISE EXCEPTION 'a token must expire in the future' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- one account's tokens are generated one at a time, so the limit holds
    -- (an account deleted meanwhile is gone once the lock is ours)
    PERFORM 1 FROM wfauth.principals WHERE id = v_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'account "%" does not exist', identifier USING ERRCODE = 'no_data_found';
    END IF;
    IF EXISTS (SELECT 1 FROM wfauth.tokens t
                WHERE t.account_id = v_id AND t.revoked_at IS NULL AND lower(t.name) = lower(v_name)) THEN
        RAISE EXCEPTION 'account "%" already has a token named "%"', wfauth._label(v_id), v_name
            USING ERRCODE = 'unique_violation';
    END IF;
    SELECT count(*) INTO v_live FROM wfauth.tokens t
     WHERE t.account_id = v_id AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now());
    IF v_live >= wfauth._setting('wfauth.max_tokens_per_account')::int THEN
        RAISE EXCEPTION 'account "%" has % live tokens already', wfauth._label(v_id), v_live
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Revoke one first, or raise wfauth.max_tokens_per_account.';
    END IF;
    -- the tenant's maximum lifetime, if any, clamps the token's own
    SELECT least(now() + expires_in, now() + s.token_max_lifetime) INTO v_expires
      FROM wfauth.principals p LEFT JOIN wfauth.tenant_settings s ON s.tenant_id = p.tenant_id
     WHERE p.id = v_id;
    v_token := wfauth._token_new('wfat_');
    INSERT INTO wfauth.tokens (account_id, name, digest, display_prefix, created_by, expires_at)
    VALUES (v_id, v_name, wfauth._token_digest(v_token, 'wfat_', 'token'), wfauth._token_display(v_token),
            wfauth.current_principal(), v_expires);
    PERFORM wfauth._audit('generate_token', wfauth._label(v_id),
                          jsonb_build_object('name', v_name, 'expires_in', expires_in::text,
                                             'expires_at', v_expires));
    RETURN v_token;
END
$$;
COMMENT ON FUNCTION wfauth.generate_token(text, text, interval) IS
    'A new API token for an account, returned once and never stored (only its digest is); own user account with api_tokens, else accounts';

CREATE FUNCTION wfauth.revoke_token(identifier text, token_name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint := wfauth._credential_account(identifier, NULL);
BEGIN
    UPDATE wfauth.tokens t SET revoked_at = now()
     WHERE t.account_id = v_id AND t.revoked_at IS NULL AND lower(t.name) = lower(btrim(token_name));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'account "%" has no token named "%"', wfauth._label(v_id), token_name
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM wfauth._audit('revoke_token', wfauth._label(v_id), jsonb_build_object('name', btrim(token_name)));
END
$$;
COMMENT ON FUNCTION wfauth.revoke_token(text, text) IS
    'Revoke one API token by name; the account''s other tokens keep working; own account, or accounts';

CREATE FUNCTION wfauth.rename_token(identifier text, old_name text, new_name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint := wfauth._credential_account(identifier, NULL);
    v_new text := btrim(new_name);
BEGIN
    IF v_new IS NULL OR v_new = '' OR length(v_new) > 128 THEN
        RAISE EXCEPTION 'invalid token name "%"', new_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF lower(v_new) <> lower(btrim(old_name)) AND EXISTS (
           SELECT 1 FROM wfauth.tokens t
            WHERE t.account_id = v_id AND t.revoked_at IS NULL AND lower(t.name) = lower(v_new)) THEN
        RAISE EXCEPTION 'account "%" already has a token named "%"', wfauth._label(v_id), v_new
            USING ERRCODE = 'unique_violation';
    END IF;
    UPDATE wfauth.tokens t SET name = v_new
     WHERE t.account_id = v_id AND t.revoked_at IS NULL AND lower(t.name) = lower(btrim(old_name));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'account "%" has no token named "%"', wfauth._label(v_id), old_name
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM wfauth._audit('rename_token', wfauth._label(v_id),
                          jsonb_build_object('from', btrim(old_name), 'to', v_new));
END
$$;
COMMENT ON FUNCTION wfauth.rename_token(text, text, text) IS 'Rename an API token; own account, or accounts';

CREATE VIEW wfauth.token_list WITH (security_barrier) AS
SELECT t.account_id, p.name AS account, t.name, t.display_prefix || '…' AS token,
       t.created_at, t.last_used_at, t.expires_at, t.revoked_at,
       t.revoked_at IS NULL AND (e.expiry IS NULL OR e.expiry > now()) AS live,
       p.kind AS account_kind, e.expiry AS effective_expires_at
  FROM wfauth.tokens t JOIN wfauth.principals p ON p.id = t.account_id
       LEFT JOIN wfauth.tenant_settings s ON s.tenant_id = p.tenant_id
       CROSS JOIN LATERAL (SELECT least(t.expires_at, t.created_at + s.token_max_lifetime,
                                        coalesce(t.last_used_at, t.created_at) + s.token_idle_timeout)) e(expiry)
 WHERE p.tenant_id = wfauth.current_tenant()
   AND (t.account_id = wfauth.current_principal()
        OR wfauth.has_permission(wfauth.current_principal(), 'accounts')
        OR wfauth.acting_as_dba());
GRANT SELECT ON wfauth.token_list TO PUBLIC;
COMMENT ON VIEW wfauth.token_list IS
    'API tokens without their secrets: one''s own, or everyone''s of the tenant with accounts (or as a DBA)';
COMMENT ON COLUMN wfauth.token_list.account_id IS 'The account''s principal id';
COMMENT ON COLUMN wfauth.token_list.account IS 'The account''s identifier';
COMMENT ON COLUMN wfauth.token_list.name IS 'The token''s name, unique among the account''s live tokens';
COMMENT ON COLUMN wfauth.token_list.token IS 'A display prefix (the first characters), never the secret';
COMMENT ON COLUMN wfauth.token_list.created_at IS 'When it was generated';
COMMENT ON COLUMN wfauth.token_list.last_used_at IS 'Its last use (recorded at most once a minute)';
COMMENT ON COLUMN wfauth.token_list.expires_at IS 'When it stops working (NULL: never)';
COMMENT ON COLUMN wfauth.token_list.revoked_at IS 'When it was revoked (NULL: not revoked)';
COMMENT ON COLUMN wfauth.token_list.live IS 'Neither revoked nor expired (by its own expiry or the tenant''s token policy)';
COMMENT ON COLUMN wfauth.token_list.account_kind IS 'user or service';
COMMENT ON COLUMN wfauth.token_list.effective_expires_at IS
    'When it stops working: its own expiry, its maximum lifetime or its idle timeout under the tenant''s token policy, whichever comes first (NULL: never)';

CREATE VIEW wfauth.token_policy WITH (security_barrier) AS
SELECT s.token_max_lifetime AS max_lifetime, s.token_idle_timeout AS idle_timeout
  FROM (SELECT wfauth.current_tenant() AS tenant_id) c
       LEFT JOIN wfauth.tenant_settings s ON s.tenant_id = c.tenant_id
 WHERE (SELECT wfauth.current_principal()) IS NOT NULL OR (SELECT wfauth.acting_as_dba());
GRANT SELECT ON wfauth.token_policy TO PUBLIC;
COMMENT ON VIEW wfauth.token_policy IS
    'The acting tenant''s API token policy (set_token_policy): one row, NULL where there is no limit; any authenticated principal';
COMMENT ON COLUMN wfauth.token_policy.max_lifetime IS 'A token older than this fails, whatever its own expiry; generate_token clamps expires_in to it';
COMMENT ON COLUMN wfauth.token_policy.idle_timeout IS 'A token unused for this long fails (its last use is noted at most once a minute)';

CREATE FUNCTION wfauth.authenticate_token(token text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_authenticate_token' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION wfauth.authenticate_token(text) IS
    'Authenticate with an API token: its account becomes the principal for the rest of the transaction';

CREATE FUNCTION wfauth.login(identifier text, password text, tenant text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    -- an unknown tenant is no different from an unknown identifier
    v_tenant bigint := (SELECT t.id FROM wfauth.tenant_catalog t
                         WHERE t.name_key = lower(btrim(coalesce(login.tenant, 'default'))));
    r record;
    v_counted boolean;
    v_verdict int;
    v_token text;
    v_session bigint;
BEGIN
    -- A failed login must be counted, and a standby can count nothing: it
    -- answers every password alike, before looking at any.
    IF pg_is_in_recovery() THEN
        RAISE EXCEPTION 'cannot log in on a hot standby' USING ERRCODE = 'read_only_sql_transaction',
            DETAIL = 'A login checks and counts a password, which needs the primary.',
            HINT = 'Send logins to the primary; API tokens and login sessions authenticate on a standby too.';
    END IF;
    -- a tenant being deleted is waited for (then its accounts are gone)
    PERFORM wfauth._lock_tenant(v_tenant, false) WHERE v_tenant IS NOT NULL;
    -- only user accounts have passwords; anything that is no e-mail matches nobody
    SELECT p.id INTO v_id FROM wfauth.principals p
     WHERE p.kind = 'user' AND p.tenant_id = v_tenant AND p.name_key = lower(identifier)
       AND strpos(identifier, '@') > 0;
    -- the password and whether the account is active, as last committed,
    -- whatever this transaction's snapshot
    SELECT * INTO r FROM wfauth._password_state(v_id);
    -- the attempt is counted (durably, by a worker) before the password is
    -- looked at, or refused when it cannot be; false: throttled.  An unknown
    -- or inactive account counts for account 0, the same work and time.
    v_counted := wfauth._count_login_attempt(CASE WHEN r.hash IS NOT NULL AND r.active THEN v_id ELSE 0 END);
    -- the same work whatever the case: a throttled or unknown account is
    -- checked against a dummy hash of the current cost
    v_verdict := wfauth._verify_password(CASE WHEN v_counted THEN r.hash END, password);
    IF v_verdict = 0 OR NOT v_counted THEN
        PERFORM wfauth._auth_failed('password');
    END IF;
    -- the right password: the count is reset (and a hash of another cost
    -- replaced), by a worker too
    PERFORM wfauth._login_succeeded(v_id, CASE WHEN v_verdict = 2 THEN wfauth._hash_password(password, false) END);
    v_token := wfauth._token_new('wfas_');
    INSERT INTO wfauth.sessions (account_id, digest, expires_at)
    VALUES (v_id, wfauth._token_digest(v_token, 'wfas_', 'session'),
            now() + wfauth._setting('wfauth.session_lifetime')::interval)
    RETURNING id INTO v_session;
    PERFORM wfauth._set_principal(v_id, v_session);
    PERFORM wfauth._audit('login', wfauth._label(v_id), jsonb_build_object('session', v_session));
    RETURN v_token;
END
$$;
COMMENT ON FUNCTION wfauth.login(text, text, text) IS
    'Check the password of a user of a tenant (NULL: default); returns a new session token (shown once) and makes the user the principal';

CREATE FUNCTION wfauth.authenticate_session(session_token text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_authenticate_session' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION wfauth.authenticate_session(text) IS
    'Authenticate with a login session token: its user becomes the principal for the rest of the transaction';

CREATE FUNCTION wfauth.end_session(session_token text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_digest bytea := wfauth._token_digest(session_token, 'wfas_', 'session');
    v_id bigint;
    v_account bigint;
BEGIN
    UPDATE wfauth.sessions SET ended_at = now(), ended_why = 'logout'
     WHERE digest = v_digest AND ended_at IS NULL
    RETURNING id, account_id INTO v_id, v_account;
    IF v_id IS NULL THEN
        IF NOT EXISTS (SELECT 1 FROM wfauth.sessions WHERE digest = v_digest) THEN
            PERFORM wfauth._auth_failed('session');
        END IF;
        RETURN;                 -- already ended: nothing to do
    END IF;
    PERFORM wfauth._audit('end_session', wfauth._label(v_account), jsonb_build_object('session', v_id),
                          (SELECT p.tenant_id FROM wfauth.principals p WHERE p.id = v_account));
END
$$;
COMMENT ON FUNCTION wfauth.end_session(text) IS 'Log one session out (the token is enough)';

CREATE FUNCTION wfauth.logout(identifier text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_count bigint;
BEGIN
    PERFORM wfauth._require_super_admin();
    v_id := wfauth._account(identifier);
    UPDATE wfauth.sessions SET ended_at = now(), ended_why = 'logged out by a Super Admin'
     WHERE account_id = v_id AND ended_at IS NULL;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    PERFORM wfauth._audit('logout', wfauth._label(v_id), jsonb_build_object('sessions', v_count));
END
$$;
COMMENT ON FUNCTION wfauth.logout(text) IS 'End every session of a user; Super Admin or DBA only';

CREATE FUNCTION wfauth.set_password(identifier text, new_password text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint := wfauth._credential_account(identifier, NULL, true);
    v_hash text;
BEGIN
    IF (SELECT kind FROM wfauth.principals WHERE id = v_id) <> 'user' THEN
        RAISE EXCEPTION 'service accounts cannot have passwords' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Service accounts authenticate with API tokens.';
    END IF;
    IF new_password IS NULL THEN
        RAISE EXCEPTION 'the new password must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_hash := wfauth._hash_password(new_password);
    INSERT INTO wfauth.passwords (account_id, hash) VALUES (v_id, v_hash)
    ON CONFLICT (account_id) DO UPDATE
       SET hash = excluded.hash, changed_at = now(), failed_attempts = 0, last_failed_at = NULL;
    -- a new password ends the user's other sessions
    UPDATE wfauth.sessions SET ended_at = now(), ended_why = 'password changed'
     WHERE account_id = v_id AND ended_at IS NULL AND id IS DISTINCT FROM wfauth._current_session();
    PERFORM wfauth._audit('set_password', wfauth._label(v_id));
END
$$;
COMMENT ON FUNCTION wfauth.set_password(text, text) IS
    'Set a user''s password (ends the user''s other sessions); own account, or accounts';

CREATE FUNCTION wfauth.invite_users(emails text[], groups text[] DEFAULT '{}', roles text[] DEFAULT '{}',
                                    permissions text[] DEFAULT '{}')
RETURNS TABLE (email text, account_id bigint, activation_token text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_email text;
    v_pending bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    IF emails IS NULL OR cardinality(emails) = 0 THEN
        RAISE EXCEPTION 'invite at least one e-mail address' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_email IN ARRAY emails LOOP
        -- invited before and not activated yet: a fresh token, the old one void
        SELECT p.id INTO v_pending FROM wfauth.principals p
         WHERE p.kind = 'user' AND p.tenant_id = wfauth.current_tenant()
           AND p.name_key = wfauth._account_key(v_email)
           AND NOT EXISTS (SELECT 1 FROM wfauth.passwords w WHERE w.account_id = p.id)
           AND EXISTS (SELECT 1 FROM wfauth.activations a WHERE a.account_id = p.id)
           FOR NO KEY UPDATE;
        IF v_pending IS NOT NULL THEN
            account_id := v_pending;
            UPDATE wfauth.activations a SET used_at = now() WHERE a.account_id = v_pending AND a.used_at IS NULL;
            PERFORM wfauth._attach(v_pending, groups, roles, permissions);
        ELSE
            account_id := wfauth._create_account('user', v_email, NULL, NULL, groups, roles, permissions);
        END IF;
        -- a fresh activation token sets the account's password: a Super
        -- Admin's (made so before activating) is only a Super Admin's to hand out
        PERFORM wfauth._protect_super_admin(account_id);
        email := wfauth._label(account_id);
        activation_token := wfauth._token_new('wfai_');
        INSERT INTO wfauth.activations (account_id, digest, expires_at)
        VALUES (invite_users.account_id, wfauth._token_digest(activation_token, 'wfai_', 'activation token'),
                now() + interval '24 hours');
        PERFORM wfauth._audit(CASE WHEN v_pending IS NULL THEN 'invite_user' ELSE 'reinvite_user' END, email);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION wfauth.invite_users(text[], text[], text[], text[]) IS
    'Create user accounts (with the new-user defaults) and single-use activation tokens valid 24 hours; inviting again one not activated yet gives a fresh token and voids the old (a Super Admin''s: Super Admin only); needs accounts';

CREATE FUNCTION wfauth.activate_user(activation_token text, password text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- checked against the latest committed state and the statement's clock
    v_account bigint := wfauth._activation(activation_token);
    v_tenant bigint := (SELECT p.tenant_id FROM wfauth.principals p WHERE p.id = v_account);
BEGIN
    IF password IS NULL THEN
        RAISE EXCEPTION 'the password must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- a tenant being deleted is waited for; then the account may be gone
    PERFORM wfauth._lock_tenant(v_tenant, false);
    IF NOT EXISTS (SELECT 1 FROM wfauth.principals p WHERE p.id = v_account) THEN
        PERFORM wfauth._auth_failed('activation token');
    END IF;
    -- single use: whoever marks it used first wins; a second use finds it used
    UPDATE wfauth.activations SET used_at = now()
     WHERE digest = wfauth._token_digest(activation_token, 'wfai_', 'activation token') AND used_at IS NULL;
    IF NOT FOUND THEN
        PERFORM wfauth._auth_failed('activation token');
    END IF;
    INSERT INTO wfauth.passwords (account_id, hash) VALUES (v_account, wfauth._hash_password(password))
    ON CONFLICT (account_id) DO UPDATE SET hash = excluded.hash, changed_at = now(), failed_attempts = 0;
    -- and any other pending invitation of the account with it
    UPDATE wfauth.activations SET used_at = now() WHERE account_id = v_account AND used_at IS NULL;
    PERFORM wfauth._audit('activate_user', wfauth._label(v_account), '{}', v_tenant);
    RETURN v_account;
END
$$;
COMMENT ON FUNCTION wfauth.activate_user(text, text) IS
    'Set the password of an invited user with its activation token (single use, 24 hours); no principal needed';

