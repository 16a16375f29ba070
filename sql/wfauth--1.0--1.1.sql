-- wfauth 1.0 → 1.1
\echo Use "ALTER EXTENSION wfauth UPDATE TO '1.1'" to load this file. \quit

-- generate_token fails cleanly when the account is deleted while it waits
-- for the account's row (it used to fail on the foreign key).
CREATE OR REPLACE FUNCTION wfauth.generate_token(identifier text, token_name text, expires_in interval DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint := wfauth._account(identifier, true);
    v_name text := btrim(token_name);
    v_token text;
    v_live int;
BEGIN
    PERFORM wfauth._require_credential_rights(v_id, 'api_tokens');
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
    v_token := wfauth._token_new('wfat_');
    INSERT INTO wfauth.tokens (account_id, name, digest, display_prefix, created_by, expires_at)
    VALUES (v_id, v_name, wfauth._token_digest(v_token, 'wfat_', 'token'), wfauth._token_display(v_token),
            wfauth.current_principal(), now() + expires_in);
    PERFORM wfauth._audit('generate_token', wfauth._label(v_id),
                          jsonb_build_object('name', v_name, 'expires_in', expires_in::text));
    RETURN v_token;
END
$$;

-- Every function's comment says what it needs (the security test reads them).
COMMENT ON FUNCTION wfauth.effective_permissions(bigint) IS
    'Each permission of a principal with its source: direct, role:R, group:G, group:G/role:R, super admin; own principal, or accounts';
COMMENT ON FUNCTION wfauth.who_can_access(wfauth.acl, wfauth.access_mode) IS
    'Every active account with that access to the object, one row per way it has it; view access to the object, or accounts';
COMMENT ON FUNCTION wfauth.explain_access(bigint, wfauth.acl, wfauth.access_mode) IS
    'Why a principal has or lacks access: Super Admin, kind permission (modify), group-level entries, user-level entries, decision; own principal, or accounts';
