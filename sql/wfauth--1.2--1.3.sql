-- wfauth 1.2 → 1.3
\echo Use "ALTER EXTENSION wfauth UPDATE TO '1.3'" to load this file. \quit

-------------------------------------------------------------------------------
-- Governance: the tenant's token policy (and, next, Super Admin mode)
-------------------------------------------------------------------------------

-- (the flag is filled by an UPDATE, not by ADD COLUMN's default, so that
-- the catalog matches a fresh install: no "missing value" for old rows)
ALTER TABLE wfauth.tenant_settings
    ADD COLUMN token_max_lifetime interval CHECK (token_max_lifetime > interval '0'),
    ADD COLUMN token_idle_timeout interval CHECK (token_idle_timeout >= interval '1 minute'),
    ADD COLUMN super_admin_mode_required boolean;
UPDATE wfauth.tenant_settings SET super_admin_mode_required = false;
ALTER TABLE wfauth.tenant_settings
    ALTER COLUMN super_admin_mode_required SET DEFAULT false,
    ALTER COLUMN super_admin_mode_required SET NOT NULL;
COMMENT ON TABLE wfauth.tenant_settings IS
    'Security preferences and policies, a row per tenant at most; none means the defaults (new_object_access = everyone, no token limits, no Super Admin mode)';

CREATE FUNCTION wfauth.set_token_policy(max_lifetime interval, idle_timeout interval) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_super_admin();
    IF max_lifetime <= interval '0' THEN
        RAISE EXCEPTION 'a token''s maximum lifetime must be positive' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'NULL sets no limit.';
    END IF;
    IF idle_timeout < interval '1 minute' THEN
        RAISE EXCEPTION 'a token''s idle timeout must be at least a minute' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A token''s last use is noted at most once a minute.', HINT = 'NULL sets no limit.';
    END IF;
    INSERT INTO wfauth.tenant_settings AS s (tenant_id, token_max_lifetime, token_idle_timeout)
    VALUES (wfauth.current_tenant(), max_lifetime, idle_timeout)
    ON CONFLICT (tenant_id) DO UPDATE
       SET token_max_lifetime = excluded.token_max_lifetime, token_idle_timeout = excluded.token_idle_timeout
     WHERE (s.token_max_lifetime, s.token_idle_timeout) IS DISTINCT FROM
           (excluded.token_max_lifetime, excluded.token_idle_timeout);
    IF FOUND THEN
        PERFORM wfauth._audit('set_token_policy', (SELECT t.name FROM wfauth.tenant_catalog t
                                                     WHERE t.id = wfauth.current_tenant()),
                              jsonb_build_object('max_lifetime', max_lifetime::text,
                                                 'idle_timeout', idle_timeout::text));
    END IF;
END
$$;
COMMENT ON FUNCTION wfauth.set_token_policy(interval, interval) IS
    'The tenant''s API token policy: a token older than max_lifetime or unused for idle_timeout (at least a minute) fails, whatever its own expiry (NULL: no limit); Super Admin or DBA only';

CREATE OR REPLACE FUNCTION wfauth.generate_token(identifier text, token_name text, expires_in interval DEFAULT NULL)
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

CREATE OR REPLACE VIEW wfauth.token_list WITH (security_barrier) AS
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
