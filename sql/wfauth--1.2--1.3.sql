-- wfauth 1.2 → 1.3
\echo Use "ALTER EXTENSION wfauth UPDATE TO '1.3'" to load this file. \quit

-- The time grants in time are decided at (1.3): statement_timestamp(), or
-- the start of the transaction when later (one a CALL began after a COMMIT).
CREATE FUNCTION wfauth.decision_time() RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'wfauth_decision_time_sql' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.decision_time() IS
    'The time grants with a start or an end are decided at: the statement''s start, or a later start of its transaction (within a CALL)';

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

-------------------------------------------------------------------------------
-- Fixes of the third attack pass on 1.2 (sql/attacks_round3.sql)
-------------------------------------------------------------------------------

-- A temporary table is no longer protectable; one protected by 1.2 and
-- dropped with its session left its row behind, and every later delete
-- that visits the protected tables failed on it.
DELETE FROM wfauth.protected_tables p WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p.tbl);
CREATE OR REPLACE FUNCTION wfauth._check_protectable(tbl regclass) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c pg_class;
BEGIN
    SELECT * INTO c FROM pg_class WHERE oid = tbl;
    IF NOT pg_has_role(wfauth._acting_role(), c.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', tbl USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF c.relkind = 'f' THEN
        RAISE EXCEPTION '"%" is a foreign table', tbl USING ERRCODE = 'wrong_object_type',
            DETAIL = 'Foreign tables cannot be protected: row-level security does not apply to them.';
    ELSIF c.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', tbl USING ERRCODE = 'wrong_object_type';
    ELSIF c.relpersistence = 't' THEN
        RAISE EXCEPTION '"%" is a temporary table', tbl USING ERRCODE = 'wrong_object_type',
            DETAIL = 'A temporary table is dropped at the end of its session without the event that unregisters it.';
    END IF;
    IF NOT has_schema_privilege(c.relowner, 'wfauth', 'USAGE') THEN
        RAISE EXCEPTION 'the owner of table % has no USAGE on schema wfauth', tbl
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'wfauth creates the table''s triggers and policies as its owner.',
                  HINT = format('GRANT USAGE ON SCHEMA wfauth TO %I;', c.relowner::regrole);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = tbl AND polpermissive) THEN
        RAISE EXCEPTION 'table % has permissive row-level security policies of its own', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'They would be OR-ed with wfauth''s and could widen access.',
                  HINT = 'Drop them, or make them AS RESTRICTIVE, before wfauth.protect().';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_rewrite r WHERE r.ev_class = tbl) THEN
        RAISE EXCEPTION 'table % has rules', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A DO INSTEAD rule would send the rows written to it elsewhere, unprotected.',
                  HINT = 'Drop its rules before wfauth.protect().';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_trigger t
                WHERE t.tgrelid = tbl AND t.tgparentid = 0 AND NOT t.tgisinternal
                  AND wfauth._fires_after_acl_check(t.tgname, t.tgtype)) THEN
        RAISE EXCEPTION 'table % has a BEFORE ROW trigger that would fire after wfauth''s', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Triggers fire in name order; a later one could change an access list wfauth has checked.',
                  HINT = 'Rename it so that it sorts before "wfauth_acl_insert".';
    END IF;
END
$$;

-- protect(): no access list but the empty rows' may change while it fills them
CREATE FUNCTION wfauth._acl_fingerprint(tbl regclass, leave_out wfauth.acl) RETURNS bytea
    AS 'MODULE_PATHNAME', 'wfauth_acl_fingerprint' LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION wfauth._acl_fingerprint(regclass, wfauth.acl) FROM PUBLIC;
CREATE OR REPLACE FUNCTION wfauth.protect(tbl regclass, kind text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_kind wfauth.kinds;
    v_existing smallint;
    v_type oid;
    v_rows bigint;
    v_imported bigint := 0;
    v_fill wfauth.acl;
    v_lists bytea;
BEGIN
    IF tbl IS NULL OR kind IS NULL THEN
        RAISE EXCEPTION 'protect needs a table and a kind' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT pg_has_role(wfauth._acting_role(), (SELECT relowner FROM pg_class WHERE oid = tbl), 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', tbl USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO v_kind FROM wfauth.kinds k WHERE k.name = lower(btrim(protect.kind));
    IF v_kind.id IS NULL THEN
        RAISE EXCEPTION 'unknown object kind "%"', kind USING ERRCODE = 'no_data_found',
            HINT = 'Kinds are registered with wfauth.register_kind().';
    END IF;

    SELECT p.kind INTO v_existing FROM wfauth.protected_tables p WHERE p.tbl = protect.tbl FOR UPDATE;
    IF v_existing = v_kind.id THEN
        -- already protected: a second call changes nothing, but a table
        -- distributed since is registered on every node (docs/citus.md)
        PERFORM wfauth._register_on_workers(f, v_kind.id) FROM wfauth._family(tbl) f;
        RETURN;
    ELSIF v_existing IS NOT NULL THEN
        RAISE EXCEPTION 'table % is already protected with another kind', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- Rows must not escape through the hierarchy: an unprotected parent
    -- would show this table's rows, and so would this table its children's.
    IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = tbl) THEN
        RAISE EXCEPTION 'table % is a partition or an inheritance child of an unprotected table', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Its rows would be reached through the parent, unchecked.',
                  HINT = 'Protect the parent (partitioned) table: its partitions are protected with it.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = tbl AND NOT c.relispartition) THEN
        RAISE EXCEPTION 'table % has inheritance children', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Their rows would be reached through it, unchecked.',
                  HINT = 'Detach them (ALTER TABLE ... NO INHERIT), protect each table with the same kind, then ALTER TABLE ... INHERIT again.';
    END IF;
    PERFORM wfauth._check_protectable(f) FROM wfauth._family(tbl) f;

    SELECT atttypid INTO v_type FROM pg_attribute
     WHERE attrelid = tbl AND attname = 'acl' AND attnum > 0 AND NOT attisdropped;
    IF v_type IS NOT NULL AND v_type <> 'wfauth.acl'::regtype THEN
        RAISE EXCEPTION 'column "acl" of table % has type %, not wfauth.acl', tbl, v_type::regtype
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    -- Access lists that are there already were not written by wfauth: a
    -- DBA's are checked and imported, anyone else's refused.
    IF v_type IS NOT NULL THEN
        SELECT sum(wfauth._adopt_acls(f, v_kind.id)) INTO v_imported FROM wfauth._family(tbl) f;
    END IF;
    -- Rows that exist already fail closed: no entry, so only Super Admins
    -- reach them until one gives them entries (see orphaned_objects()).
    -- The UPDATE runs the owner's triggers, constraints and index
    -- expressions: as the owner, never as wfauth; whatever they do, no
    -- protected table may end up less protected (src/lockdown.c), and no
    -- access list but the empty rows' may change (the lists before and
    -- after, as multisets).
    v_fill := wfauth._acl_new(v_kind.name, 0, NULL);
    PERFORM wfauth._protection_begin();
    IF v_type IS NULL THEN
        PERFORM wfauth._as_owner(tbl, ARRAY[format('ALTER TABLE %s ADD COLUMN acl wfauth.acl', tbl)]);
    END IF;
    v_lists := (SELECT string_agg(wfauth._acl_fingerprint(f, v_fill), '' ORDER BY f) FROM wfauth._family(tbl) f);
    v_rows := wfauth._as_owner(tbl, ARRAY[
        format('UPDATE %s SET acl = %L::wfauth.acl WHERE acl IS NULL', tbl, v_fill),
        format('ALTER TABLE %s ALTER COLUMN acl SET NOT NULL', tbl),
        format('CREATE TRIGGER wfauth_acl_insert BEFORE INSERT ON %s'
               ' FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_insert(%L)', tbl, v_kind.name),
        format('CREATE TRIGGER wfauth_acl_update BEFORE UPDATE ON %s'
               ' FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_update()', tbl)]);
    IF (SELECT string_agg(wfauth._acl_fingerprint(f, v_fill), '' ORDER BY f) FROM wfauth._family(tbl) f)
       IS DISTINCT FROM v_lists THEN
        RAISE EXCEPTION 'the owner''s code of table % changed access lists while protect() filled them', tbl
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'protect() trusts no access list it did not write or check.';
    END IF;
    IF v_rows > 0 THEN
        RAISE NOTICE '% existing rows of % have no access entries yet; only Super Admins can reach them',
            v_rows, tbl
            USING HINT = 'List them with wfauth.orphaned_objects() and grant access with wfauth.acl_grant().';
    END IF;
    PERFORM wfauth._protect_relation(f, v_kind.id) FROM wfauth._family(tbl) f;
    PERFORM wfauth._protection_end();
    PERFORM wfauth._audit('protect', tbl::text, jsonb_build_object('kind', v_kind.name) ||
                          CASE WHEN v_imported > 0 THEN jsonb_build_object('imported_acls', v_imported)
                               ELSE '{}' END);
END
$$;

-- grant_super_admin voids the account's activation tokens already out
CREATE OR REPLACE FUNCTION wfauth.grant_super_admin(identifier text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM wfauth._require_super_admin();
    v_id := wfauth._account(identifier);
    IF (SELECT kind FROM wfauth.principals WHERE id = v_id) <> 'user' THEN
        RAISE EXCEPTION 'only user accounts can be Super Admins' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE wfauth.principals SET super_admin = true WHERE id = v_id AND NOT super_admin;
    IF FOUND THEN
        -- an activation token already out may be in the hands of whoever
        -- invited the account (an accounts holder): it activates a Super
        -- Admin no more; a Super Admin re-invites it for a fresh one
        UPDATE wfauth.activations SET used_at = now() WHERE account_id = v_id AND used_at IS NULL;
        PERFORM wfauth._audit('grant_super_admin', wfauth._label(v_id), jsonb_build_object('id', v_id));
    END IF;
END
$$;

-- decisions about another principal follow the directory rule everywhere
COMMENT ON FUNCTION wfauth.has_permission(bigint, text) IS
    'Whether an active principal holds a permission (directly, by role, by group, or as Super Admin); own principal, or accounts';
COMMENT ON FUNCTION wfauth.policy_check(bigint, wfauth.acl, wfauth.access_mode) IS
    'The check of the policies: can_access of wfauth.policy_principal(), whose -1 allows every row while a DBA acts with no principal; own principal, or accounts';


-------------------------------------------------------------------------------
-- Governance: Super Admin mode (effective_permissions, who_can_access and
-- explain_access follow it; they are replaced with the grants in time below)
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth._super_admin_rights(principal bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_super_admin_rights_sql' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._super_admin_mode_required(tenant bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_super_admin_mode_required' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._enter_super_admin_mode() RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_enter_super_admin_mode_sql' LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION wfauth._super_admin_rights(bigint), wfauth._super_admin_mode_required(bigint),
    wfauth._enter_super_admin_mode() FROM PUBLIC;
CREATE OR REPLACE FUNCTION wfauth.require_super_admin_mode("on" boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_super_admin();
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'require_super_admin_mode needs true or false' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO wfauth.tenant_settings AS s (tenant_id, super_admin_mode_required)
    VALUES (wfauth.current_tenant(), $1)
    ON CONFLICT (tenant_id) DO UPDATE SET super_admin_mode_required = excluded.super_admin_mode_required
     WHERE s.super_admin_mode_required <> excluded.super_admin_mode_required;
    IF FOUND THEN
        PERFORM wfauth._audit('require_super_admin_mode', (SELECT t.name FROM wfauth.tenant_catalog t
                                                             WHERE t.id = wfauth.current_tenant()),
                              jsonb_build_object('required', $1));
    END IF;
END
$$;
COMMENT ON FUNCTION wfauth.require_super_admin_mode(boolean) IS
    'Whether the tenant''s Super Admins hold their rights only in a transaction that called super_admin_mode() (default false: always); Super Admin or DBA only';
CREATE OR REPLACE FUNCTION wfauth.super_admin_mode() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._enter_super_admin_mode();
    PERFORM wfauth._audit('super_admin_mode', wfauth._label(wfauth.current_principal()));
END
$$;
COMMENT ON FUNCTION wfauth.super_admin_mode() IS
    'Switch Super Admin mode on for the rest of the transaction (audited; where the tenant requires it, a Super Admin holds its rights only so); Super Admin only';


-------------------------------------------------------------------------------
-- Governance: grants that end (memberships, role and permission grants)
-------------------------------------------------------------------------------

ALTER TABLE wfauth.group_members ADD COLUMN valid_until timestamptz;
ALTER TABLE wfauth.permission_grants ADD COLUMN valid_until timestamptz;
ALTER TABLE wfauth.role_grants ADD COLUMN valid_until timestamptz;

DROP FUNCTION wfauth.add_members(text, text[]);
DROP FUNCTION wfauth.grant_role(text, text[]);
DROP FUNCTION wfauth.grant_permission(text, text[]);
DROP FUNCTION wfauth._change_members(text, text[], boolean);
DROP FUNCTION wfauth._change_grants(text, text, text[], boolean);
CREATE FUNCTION wfauth._grant_within_reach() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_grant_within_reach' LANGUAGE C;
CREATE TRIGGER group_members_within_reach BEFORE INSERT OR UPDATE ON wfauth.group_members
    FOR EACH ROW EXECUTE FUNCTION wfauth._grant_within_reach();
CREATE TRIGGER permission_grants_within_reach BEFORE INSERT OR UPDATE ON wfauth.permission_grants
    FOR EACH ROW EXECUTE FUNCTION wfauth._grant_within_reach();
CREATE TRIGGER role_grants_within_reach BEFORE INSERT OR UPDATE ON wfauth.role_grants
    FOR EACH ROW EXECUTE FUNCTION wfauth._grant_within_reach();
CREATE FUNCTION wfauth._within_reach_only() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_within_reach_only' LANGUAGE C;
CREATE TRIGGER role_permissions_within_reach BEFORE INSERT OR UPDATE ON wfauth.role_permissions
    FOR EACH ROW EXECUTE FUNCTION wfauth._within_reach_only();
CREATE TRIGGER new_user_permissions_within_reach BEFORE INSERT OR UPDATE ON wfauth.new_user_permissions
    FOR EACH ROW EXECUTE FUNCTION wfauth._within_reach_only();
CREATE TRIGGER new_user_groups_within_reach BEFORE INSERT OR UPDATE ON wfauth.new_user_groups
    FOR EACH ROW EXECUTE FUNCTION wfauth._within_reach_only();
CREATE TRIGGER passwords_within_reach BEFORE INSERT OR UPDATE ON wfauth.passwords
    FOR EACH ROW EXECUTE FUNCTION wfauth._within_reach_only();
CREATE TRIGGER tokens_within_reach BEFORE INSERT OR UPDATE ON wfauth.tokens
    FOR EACH ROW EXECUTE FUNCTION wfauth._within_reach_only();
CREATE TRIGGER activations_within_reach BEFORE INSERT OR UPDATE ON wfauth.activations
    FOR EACH ROW EXECUTE FUNCTION wfauth._within_reach_only();
REVOKE ALL ON FUNCTION wfauth._grant_within_reach(), wfauth._within_reach_only() FROM PUBLIC;
CREATE FUNCTION wfauth._check_valid_until(valid_until timestamptz) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF valid_until <= wfauth.decision_time() THEN
        RAISE EXCEPTION 'a grant must end in the future' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('valid_until %s has passed.', valid_until);
    END IF;
END
$$;
CREATE FUNCTION wfauth._change_members(group_name text, identifiers text[], adding boolean,
                                       valid_until timestamptz DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_group bigint;
    v_done text[] := '{}';
    v text;
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    PERFORM wfauth._check_valid_until(valid_until);
    v_group := wfauth._group(group_name, true);
    IF v_group = wfauth._everyone() THEN
        RAISE EXCEPTION 'membership of Everyone cannot change' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Every account belongs to Everyone, implicitly; no account can leave it.';
    END IF;
    FOREACH v IN ARRAY coalesce(identifiers, '{}') LOOP
        v_id := wfauth._account(v, true);
        IF adding THEN
            -- a member already: its membership takes the new end
            INSERT INTO wfauth.group_members AS m (group_id, member_id, valid_until)
            VALUES (v_group, v_id, _change_members.valid_until)
            ON CONFLICT (group_id, member_id) DO UPDATE SET valid_until = excluded.valid_until
             WHERE m.valid_until IS DISTINCT FROM excluded.valid_until;
        ELSE
            DELETE FROM wfauth.group_members WHERE group_id = v_group AND member_id = v_id;
        END IF;
        IF FOUND THEN
            v_done := v_done || wfauth._label(v_id);
        END IF;
    END LOOP;
    IF cardinality(v_done) > 0 THEN
        PERFORM wfauth._audit(CASE WHEN adding THEN 'add_members' ELSE 'remove_members' END,
                              wfauth._label(v_group), jsonb_build_object('members', v_done) ||
                              CASE WHEN valid_until IS NOT NULL
                                   THEN jsonb_build_object('valid_until', valid_until) ELSE '{}' END);
    END IF;
END
$$;
CREATE FUNCTION wfauth.add_members(group_name text, identifiers text[], valid_until timestamptz DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_members(group_name, identifiers, true, valid_until)
$$;
COMMENT ON FUNCTION wfauth.add_members(text, text[], timestamptz) IS
    'Add accounts to a group, until valid_until (NULL: for good; an already-member takes the new end); needs accounts';
CREATE FUNCTION wfauth._change_grants(what text, name text, grantees text[], granting boolean,
                                      valid_until timestamptz DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_role bigint;
    v_permission text;
    v_done text[] := '{}';
    v text;
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    PERFORM wfauth._check_valid_until(valid_until);
    IF what = 'role' THEN
        v_role := wfauth._role(name);
    ELSE
        v_permission := wfauth._permission(name);
    END IF;
    FOREACH v IN ARRAY coalesce(grantees, '{}') LOOP
        v_id := wfauth._grantee(v);
        IF what = 'role' AND granting THEN
            INSERT INTO wfauth.role_grants AS g (principal_id, role_id, valid_until)
            VALUES (v_id, v_role, _change_grants.valid_until)
            ON CONFLICT (principal_id, role_id) DO UPDATE SET valid_until = excluded.valid_until
             WHERE g.valid_until IS DISTINCT FROM excluded.valid_until;
        ELSIF what = 'role' THEN
            DELETE FROM wfauth.role_grants WHERE principal_id = v_id AND role_id = v_role;
        ELSIF granting THEN
            INSERT INTO wfauth.permission_grants AS g (principal_id, permission, valid_until)
            VALUES (v_id, v_permission, _change_grants.valid_until)
            ON CONFLICT (principal_id, permission) DO UPDATE SET valid_until = excluded.valid_until
             WHERE g.valid_until IS DISTINCT FROM excluded.valid_until;
        ELSE
            DELETE FROM wfauth.permission_grants WHERE principal_id = v_id AND permission = v_permission;
        END IF;
        IF FOUND THEN
            v_done := v_done || wfauth._label(v_id);
        END IF;
    END LOOP;
    IF cardinality(v_done) > 0 THEN
        PERFORM wfauth._audit(CASE WHEN granting THEN 'grant_' ELSE 'revoke_' END || what,
                              coalesce(v_permission, btrim(name)), jsonb_build_object('grantees', v_done) ||
                              CASE WHEN valid_until IS NOT NULL
                                   THEN jsonb_build_object('valid_until', valid_until) ELSE '{}' END);
    END IF;
END
$$;
CREATE FUNCTION wfauth.grant_role(role text, grantees text[], valid_until timestamptz DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_grants('role', role, grantees, true, valid_until)
$$;
COMMENT ON FUNCTION wfauth.grant_role(text, text[], timestamptz) IS
    'Grant a role to accounts and groups (grantee notation), until valid_until (NULL: for good); needs accounts';
CREATE FUNCTION wfauth.grant_permission(permission text, grantees text[], valid_until timestamptz DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_grants('permission', permission, grantees, true, valid_until)
$$;
COMMENT ON FUNCTION wfauth.grant_permission(text, text[], timestamptz) IS
    'Grant a permission directly to accounts and groups (grantee notation), until valid_until (NULL: for good); needs accounts';
REVOKE ALL ON FUNCTION wfauth._check_valid_until(timestamptz),
    wfauth._change_members(text, text[], boolean, timestamptz),
    wfauth._change_grants(text, text, text[], boolean, timestamptz) FROM PUBLIC;
CREATE OR REPLACE FUNCTION wfauth.effective_permissions(principal bigint)
RETURNS TABLE (permission text, via text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_actor();
    IF principal IS DISTINCT FROM wfauth.current_principal()
       AND NOT wfauth._actor_has_permission('accounts') THEN
        RAISE EXCEPTION 'permission denied' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Seeing another principal''s permissions needs the "accounts" permission.';
    END IF;
    RETURN QUERY
    WITH me AS (
        SELECT p.id, p.kind, p.super_admin, p.tenant_id FROM wfauth.principals p
         WHERE p.id = principal AND p.active AND p.tenant_id = wfauth.current_tenant()
    ), groups AS (
        SELECT t.everyone_id AS id FROM me JOIN wfauth.tenant_catalog t ON t.id = me.tenant_id
         WHERE me.kind <> 'group'
        UNION
        SELECT m.group_id FROM wfauth.group_members m JOIN me ON m.member_id = me.id
         WHERE (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time())
    ), sources AS (
        SELECT me.id, NULL::text AS via FROM me
        UNION ALL
        SELECT g.id, 'group:' || p.name FROM groups g JOIN wfauth.principals p ON p.id = g.id
    )
    SELECT x.permission::text, x.via FROM (
        SELECT pg.permission, coalesce(s.via, 'direct') AS via
          FROM sources s JOIN wfauth.permission_grants pg ON pg.principal_id = s.id
         WHERE (pg.valid_until IS NULL OR pg.valid_until > wfauth.decision_time())
        UNION ALL
        SELECT rp.permission, coalesce(s.via || '/', '') || 'role:' || r.name
          FROM sources s JOIN wfauth.role_grants rg ON rg.principal_id = s.id
          JOIN wfauth.roles r ON r.id = rg.role_id
          JOIN wfauth.role_permissions rp ON rp.role_id = r.id
         WHERE (rg.valid_until IS NULL OR rg.valid_until > wfauth.decision_time())
        UNION ALL
        SELECT p.name, 'super admin' FROM wfauth.permissions p, me WHERE wfauth._super_admin_rights(me.id)
    ) x
    ORDER BY 1, 2;
END
$$;
CREATE OR REPLACE FUNCTION wfauth._holders(permission text) RETURNS SETOF bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.id FROM wfauth.principals a
     WHERE a.kind <> 'group' AND a.active AND a.tenant_id = wfauth.current_tenant()
       AND (a.super_admin OR EXISTS (
            SELECT 1
              FROM (SELECT a.id AS pid UNION ALL SELECT (SELECT wfauth._everyone())
                    UNION ALL SELECT m.group_id FROM wfauth.group_members m
                               WHERE m.member_id = a.id AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time())) src
             WHERE EXISTS (SELECT 1 FROM wfauth.permission_grants g
                            WHERE g.principal_id = src.pid AND g.permission = _holders.permission
                              AND (g.valid_until IS NULL OR g.valid_until > wfauth.decision_time()))
                OR EXISTS (SELECT 1 FROM wfauth.role_grants rg
                             JOIN wfauth.role_permissions rp ON rp.role_id = rg.role_id
                            WHERE rg.principal_id = src.pid AND rp.permission = _holders.permission
                              AND (rg.valid_until IS NULL OR rg.valid_until > wfauth.decision_time()))))
$$;
-- Grants in time on access lists: an entry may count from valid_from until
-- just before valid_until.  A value with such an entry is stored and sent in
-- a new form (flag WFAUTH_ACL_DATED, binary version 3); every other value
-- keeps its bytes, and GIN indexes built before need no rebuild (a dated
-- entry has keys of its own).
DROP FUNCTION wfauth.acl_grant(wfauth.acl, text, wfauth.access_mode);
DROP FUNCTION wfauth.acl_entries(wfauth.acl);
DROP FUNCTION wfauth._acl_set(wfauth.acl, bigint, wfauth.access_mode);
DROP FUNCTION wfauth._acl_items(wfauth.acl);
CREATE FUNCTION wfauth._acl_set(object wfauth.acl, principal bigint, mode wfauth.access_mode,
                                valid_from timestamptz, valid_until timestamptz)
RETURNS wfauth.acl
    AS 'MODULE_PATHNAME', 'wfauth_acl_set' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._acl_items(object wfauth.acl)
RETURNS TABLE (principal bigint, modify boolean, valid_from timestamptz, valid_until timestamptz)
    AS 'MODULE_PATHNAME', 'wfauth_acl_items' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
-- Does a grant with this validity count now?  (valid_from <= now < valid_until; NULL: no bound)
CREATE FUNCTION wfauth._counts_now(valid_from timestamptz, valid_until timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (valid_from IS NULL OR valid_from <= wfauth.decision_time())
       AND (valid_until IS NULL OR valid_until > wfauth.decision_time())
$$;
CREATE FUNCTION wfauth.acl_grant(object wfauth.acl, grantee text, mode wfauth.access_mode,
                                 valid_from timestamptz DEFAULT NULL, valid_until timestamptz DEFAULT NULL)
RETURNS wfauth.acl
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF mode IS NULL THEN
        RAISE EXCEPTION 'access mode must be view or modify' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM wfauth._check_valid_until(valid_until);
    IF valid_from >= valid_until THEN
        RAISE EXCEPTION 'a grant must start before it ends' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('valid_from %s is not before valid_until %s.', valid_from, valid_until);
    END IF;
    IF object IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN wfauth._acl_set(object, wfauth._grantee(grantee, false), mode, valid_from, valid_until);
END
$$;
COMMENT ON FUNCTION wfauth.acl_grant(wfauth.acl, text, wfauth.access_mode, timestamptz, timestamptz) IS
    'The access list with grantee''s entry set to mode, counting from valid_from until just before valid_until (NULL: no start, no end); pure: use it in UPDATE ... SET acl = ...';
CREATE OR REPLACE FUNCTION wfauth.acl_revoke(object wfauth.acl, grantee text) RETURNS wfauth.acl
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF object IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN wfauth._acl_set(object, wfauth._entry_principal(object, grantee), NULL, NULL, NULL);
END
$$;
CREATE FUNCTION wfauth.acl_entries(object wfauth.acl)
RETURNS TABLE (grantee text, mode wfauth.access_mode, valid_from timestamptz, valid_until timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_me bigint := wfauth.current_principal();
    v_everyone bigint := wfauth._everyone();
    v_directory boolean;
BEGIN
    PERFORM wfauth._require_actor();     -- names are for an authenticated principal (or a DBA)
    -- an ACL passed as an argument proves nothing about a stored object: a
    -- plain account learns the names of itself, its groups and Everyone only
    v_directory := wfauth._actor_has_permission('accounts');
    RETURN QUERY
    SELECT e.label, e.mode, e.valid_from, e.valid_until
      FROM (SELECT CASE WHEN p.id IS NULL THEN NULL
                        WHEN v_directory OR p.id IN (v_me, v_everyone) THEN wfauth._label(i.principal)
                        WHEN p.kind = 'group' AND EXISTS (SELECT 1 FROM wfauth.group_members m
                                                           WHERE m.group_id = p.id AND m.member_id = v_me
                                                             AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time()))
                        THEN wfauth._label(i.principal) END AS named,
                   i.principal, p.kind,
                   CASE WHEN i.modify THEN 'modify' ELSE 'view' END::wfauth.access_mode AS mode,
                   i.valid_from, i.valid_until
              FROM wfauth._acl_items(object) i
              LEFT JOIN wfauth.principals p ON p.id = i.principal AND p.tenant_id = wfauth.current_tenant()) n,
           LATERAL (SELECT coalesce(n.named, '#' || n.principal) AS label, n.mode, n.valid_from, n.valid_until) e
     ORDER BY n.named IS NULL, CASE WHEN n.named IS NOT NULL THEN n.kind <> 'group' END,
              CASE WHEN n.named IS NOT NULL THEN e.label END, n.principal;
END
$$;
COMMENT ON FUNCTION wfauth.acl_entries(wfauth.acl) IS
    'The entries of an access list in grantee notation, with their validity (NULL: no start, no end; ended entries stay listed); any authenticated principal. Names of other principals need accounts (or Super Admin, or a DBA): a plain account sees itself, its groups and Everyone by name, anyone else as #id, as a principal that is gone or of another tenant';
REVOKE ALL ON FUNCTION wfauth._acl_set(wfauth.acl, bigint, wfauth.access_mode, timestamptz, timestamptz),
    wfauth._acl_items(wfauth.acl), wfauth._counts_now(timestamptz, timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION wfauth.who_can_access(object wfauth.acl, mode wfauth.access_mode)
RETURNS TABLE (account_id bigint, identifier text, via text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_permission text;
    v_tenant bigint := wfauth.current_tenant();
    v_everyone bigint := wfauth._everyone();
BEGIN
    -- an ACL passed as an argument proves nothing about a stored object
    PERFORM wfauth._require_permission('accounts');
    -- an object of another tenant: nobody here has access, and nobody there is named
    IF wfauth.acl_tenant(object) <> v_tenant THEN
        RETURN;
    END IF;
    SELECT k.permission INTO v_permission FROM wfauth.kinds k WHERE k.name = wfauth.acl_kind(object);
    RETURN QUERY
    WITH entries AS (
        SELECT i.principal, i.modify, i.valid_until, p.kind, p.name FROM wfauth._acl_items(object) i
          JOIN wfauth.principals p ON p.id = i.principal AND p.tenant_id = v_tenant
         WHERE (mode = 'view' OR i.modify) AND wfauth._counts_now(i.valid_from, i.valid_until)
    ), permitted AS (
        SELECT h FROM wfauth._holders(v_permission) h
    ), sources AS (
        SELECT a.id, CASE WHEN wfauth._super_admin_mode_required(v_tenant) THEN 'super admin (in Super Admin mode)'
                          ELSE 'super admin' END AS via, 0 AS rank FROM wfauth.principals a
         WHERE a.kind = 'user' AND a.active AND a.super_admin AND a.tenant_id = v_tenant
        UNION ALL
        SELECT a.id, CASE WHEN e.kind = 'group' THEN 'group:' || e.name ELSE 'direct' END
                     || ' (' || CASE WHEN e.modify THEN 'modify' ELSE 'view' END
                     || coalesce(' until ' || e.valid_until, '') || ')'
                     || CASE WHEN mode = 'modify' OR a.kind = 'service' THEN ' + permission ' || v_permission ELSE '' END,
               CASE WHEN e.kind = 'group' THEN 1 ELSE 2 END
          FROM entries e
          JOIN wfauth.principals a ON a.kind <> 'group' AND a.active AND NOT a.super_admin
               AND a.tenant_id = v_tenant
               AND (a.id = e.principal OR e.principal = v_everyone
                    OR EXISTS (SELECT 1 FROM wfauth.group_members m
                                WHERE m.group_id = e.principal AND m.member_id = a.id
                                  AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time())))
         -- modifying needs the kind's permission; so does a service account's viewing
         WHERE (mode = 'view' AND a.kind = 'user') OR a.id IN (SELECT h FROM permitted)
    )
    SELECT s.id, p.name, s.via FROM sources s JOIN wfauth.principals p ON p.id = s.id
     ORDER BY p.name, s.rank, s.via;
END
$$;
-- How explain_access shows an entry's validity: '' for an entry without one
CREATE FUNCTION wfauth._validity_note(valid_from timestamptz, valid_until timestamptz) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN valid_from IS NULL AND valid_until IS NULL THEN ''
                ELSE ' (' || concat_ws(' ', 'from ' || valid_from, 'until ' || valid_until) || ': '
                     || CASE WHEN valid_from > wfauth.decision_time() THEN 'not yet started'
                             WHEN valid_until <= wfauth.decision_time() THEN 'ended'
                             ELSE 'in force' END || ')' END
$$;

REVOKE ALL ON FUNCTION wfauth._validity_note(timestamptz, timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION wfauth.explain_access(principal bigint, object wfauth.acl, mode wfauth.access_mode)
RETURNS TABLE (step int, rule text, result boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_who wfauth.principals;
    v_permission text;
    v_kind text := wfauth.acl_kind(object);
    v_everyone bigint := wfauth._everyone();
    v_step int := 0;
    v_any boolean;
    e record;
BEGIN
    PERFORM wfauth._require_actor();
    IF principal IS DISTINCT FROM wfauth.current_principal()
       AND NOT wfauth._actor_has_permission('accounts') THEN
        RAISE EXCEPTION 'permission denied' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Explaining another principal''s access needs the "accounts" permission.';
    END IF;
    IF mode IS NULL OR object IS NULL THEN
        RAISE EXCEPTION 'explain_access needs an object and a mode' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- a principal of another tenant is as good as one that does not exist
    SELECT * INTO v_who FROM wfauth.principals p
     WHERE p.id = explain_access.principal AND p.tenant_id = wfauth.current_tenant();
    SELECT k.permission INTO v_permission FROM wfauth.kinds k WHERE k.name = v_kind;

    v_step := v_step + 1;
    RETURN QUERY SELECT v_step, 'Super Admin: ' || CASE WHEN v_who.super_admin THEN 'yes' ELSE 'no' END,
                        coalesce(wfauth._super_admin_rights(v_who.id) AND wfauth.acl_tenant(object) = v_who.tenant_id, false);
    IF v_who.super_admin AND wfauth._super_admin_mode_required(v_who.tenant_id) THEN
        v_step := v_step + 1;
        RETURN QUERY SELECT v_step, 'Super Admin mode (required in this tenant): '
                                    || CASE WHEN wfauth._super_admin_rights(v_who.id) THEN 'on' ELSE 'off' END,
                            wfauth._super_admin_rights(v_who.id);
    END IF;
    IF mode = 'modify' OR v_who.kind = 'service' THEN
        v_step := v_step + 1;
        RETURN QUERY SELECT v_step, format('permission %s (needed %s kind %s): %s', v_permission,
                                           CASE WHEN mode = 'modify' THEN 'to modify' ELSE 'by a service account to view' END,
                                           v_kind,
                                           CASE WHEN wfauth.has_permission(principal, v_permission)
                                                THEN 'held' ELSE 'not held' END),
                            wfauth.has_permission(principal, v_permission);
    END IF;

    -- group-level entries, then user-level entries, each that names this principal
    v_any := false;
    FOR e IN SELECT i.principal, i.modify, i.valid_from, i.valid_until, g.name FROM wfauth._acl_items(object) i
               JOIN wfauth.principals g ON g.id = i.principal AND g.kind = 'group'
                                       AND g.tenant_id = wfauth.current_tenant()
              WHERE g.id = v_everyone OR EXISTS (SELECT 1 FROM wfauth.group_members m
                                         WHERE m.group_id = g.id AND m.member_id = explain_access.principal
                                           AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time()))
              ORDER BY g.id <> v_everyone, g.name
    LOOP
        v_step := v_step + 1; v_any := true;
        RETURN QUERY SELECT v_step, format('group %s: %s%s', e.name, CASE WHEN e.modify THEN 'view & modify' ELSE 'view' END,
                                           wfauth._validity_note(e.valid_from, e.valid_until)),
                            coalesce(v_who.active AND v_who.kind <> 'group', false) AND (mode = 'view' OR e.modify)
                            AND wfauth._counts_now(e.valid_from, e.valid_until);
    END LOOP;
    IF NOT v_any THEN
        v_step := v_step + 1;
        RETURN QUERY SELECT v_step, 'group-level entries: none for a group of this principal', false;
    END IF;
    v_any := false;
    FOR e IN SELECT i.modify, i.valid_from, i.valid_until FROM wfauth._acl_items(object) i WHERE i.principal = v_who.id LOOP
        v_step := v_step + 1; v_any := true;
        RETURN QUERY SELECT v_step, format('%s %s: %s%s', CASE v_who.kind WHEN 'service' THEN 'service account' ELSE v_who.kind END,
                                           v_who.name, CASE WHEN e.modify THEN 'view & modify' ELSE 'view' END,
                                           wfauth._validity_note(e.valid_from, e.valid_until)),
                            v_who.active AND (mode = 'view' OR e.modify) AND wfauth._counts_now(e.valid_from, e.valid_until);
    END LOOP;
    IF NOT v_any THEN
        v_step := v_step + 1;
        RETURN QUERY SELECT v_step, 'user-level entries: none for this principal', false;
    END IF;

    v_step := v_step + 1;
    RETURN QUERY SELECT v_step,
        'decision: ' || CASE WHEN v_who.id IS NOT NULL AND wfauth.can_access(principal, object, mode) THEN mode || ' allowed'
                             WHEN v_who.id IS NULL THEN 'denied (no such principal)'
                             WHEN NOT v_who.active THEN 'denied (account is deactivated)'
                             WHEN wfauth.acl_tenant(object) <> v_who.tenant_id THEN 'denied (object of another tenant)'
                             ELSE mode || ' denied' END,
        v_who.id IS NOT NULL AND wfauth.can_access(principal, object, mode);
END
$$;
COMMENT ON FUNCTION wfauth.explain_access(bigint, wfauth.acl, wfauth.access_mode) IS
    'Why a principal has or lacks access: Super Admin, Super Admin mode (where required), kind permission (modify, or a service account''s view), group-level entries, user-level entries, decision; own principal, or accounts';
CREATE OR REPLACE VIEW wfauth.member_list WITH (security_barrier) AS
SELECT m.group_id, g.name AS group_name, m.member_id AS account_id, a.name_key AS identifier, m.added_at,
       m.valid_until
  FROM wfauth.group_members m
  JOIN wfauth.principals g ON g.id = m.group_id
  JOIN wfauth.principals a ON a.id = m.member_id
 WHERE g.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR m.member_id = (SELECT wfauth.current_principal()));
COMMENT ON COLUMN wfauth.member_list.valid_until IS 'When the membership ends (NULL: never); an ended one is listed until removed';
CREATE OR REPLACE VIEW wfauth.grant_list WITH (security_barrier) AS
SELECT CASE WHEN p.id = t.everyone_id THEN 'everyone'
            WHEN p.kind = 'group' THEN 'group:' || p.name ELSE p.name END AS grantee,
       g.principal_id, g.kind, g.name, g.granted_at, g.valid_until
  FROM (SELECT pg.principal_id, 'permission'::text AS kind, pg.permission::text AS name, pg.granted_at,
               pg.valid_until
          FROM wfauth.permission_grants pg
        UNION ALL
        SELECT rg.principal_id, 'role', r.name, rg.granted_at, rg.valid_until
          FROM wfauth.role_grants rg JOIN wfauth.roles r ON r.id = rg.role_id) g
  JOIN wfauth.principals p ON p.id = g.principal_id
  JOIN wfauth.tenant_catalog t ON t.id = p.tenant_id
 WHERE p.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR (SELECT wfauth.current_principal()) IS NOT NULL
           AND (g.principal_id IN ((SELECT wfauth.current_principal()), t.everyone_id)
                OR g.principal_id IN (SELECT m.group_id FROM wfauth.group_members m
                                       WHERE m.member_id = (SELECT wfauth.current_principal())
                                         AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time()))));
COMMENT ON COLUMN wfauth.grant_list.valid_until IS 'When it ends (NULL: never); an ended grant is listed until revoked';
-- a plain account's own groups and roles are those it holds now
CREATE OR REPLACE VIEW wfauth.group_list WITH (security_barrier) AS
SELECT g.id, g.name, g.description, g.id = t.everyone_id AS built_in,
       CASE WHEN g.id = t.everyone_id
            THEN (SELECT count(*) FROM wfauth.principals a WHERE a.kind <> 'group' AND a.tenant_id = g.tenant_id)
            ELSE (SELECT count(*) FROM wfauth.group_members m WHERE m.group_id = g.id) END AS member_count
  FROM wfauth.principals g JOIN wfauth.tenant_catalog t ON t.id = g.tenant_id
 WHERE g.kind = 'group' AND g.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR (SELECT wfauth.current_principal()) IS NOT NULL
           AND (g.id = t.everyone_id OR EXISTS (SELECT 1 FROM wfauth.group_members m
                                     WHERE m.group_id = g.id AND m.member_id = (SELECT wfauth.current_principal())
                                       AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time()))));
COMMENT ON VIEW wfauth.group_list IS
    'Groups: all with accounts (or as Super Admin or DBA), else one''s own (Everyone included; not one whose membership has ended)';
CREATE OR REPLACE VIEW wfauth.role_list WITH (security_barrier) AS
SELECT r.id, r.name, r.description,
       ARRAY(SELECT rp.permission::text FROM wfauth.role_permissions rp WHERE rp.role_id = r.id ORDER BY 1) AS permissions,
       r.created_at
  FROM wfauth.roles r
 WHERE r.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR (SELECT wfauth.current_principal()) IS NOT NULL
           AND EXISTS (SELECT 1 FROM wfauth.role_grants rg
                        WHERE rg.role_id = r.id
                          AND (rg.valid_until IS NULL OR rg.valid_until > wfauth.decision_time())
                          AND (rg.principal_id IN ((SELECT wfauth.current_principal()), (SELECT t.everyone_id FROM wfauth.tenant_catalog t WHERE t.id = wfauth.current_tenant()))
                               OR rg.principal_id IN (SELECT m.group_id FROM wfauth.group_members m
                                                       WHERE m.member_id = (SELECT wfauth.current_principal())
                                                         AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time())))));
COMMENT ON VIEW wfauth.role_list IS
    'Roles with their permissions: all with accounts, else those one holds now (directly or through a group)';

-------------------------------------------------------------------------------
-- Operations (1.3): counters a DBA can watch, and audit retention
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth._stats(OUT scope text,
    OUT token_authentications bigint, OUT token_failures bigint,
    OUT session_authentications bigint, OUT session_failures bigint,
    OUT logins bigint, OUT login_failures bigint, OUT logins_throttled bigint,
    OUT activations bigint, OUT activation_failures bigint,
    OUT context_hits bigint, OUT context_loads bigint, OUT context_evictions bigint,
    OUT stats_reset timestamptz)
    AS 'MODULE_PATHNAME', 'wfauth_stats' LANGUAGE C STABLE PARALLEL RESTRICTED;
CREATE VIEW wfauth.stats AS
SELECT s.scope, s.token_authentications, s.token_failures, s.session_authentications, s.session_failures,
       s.logins, s.login_failures, s.logins_throttled,
       (SELECT count(*) FROM wfauth.passwords p
         WHERE p.failed_attempts >= coalesce(current_setting('wfauth.max_failed_logins', true), '10')::int) AS throttled_accounts,
       s.activations, s.activation_failures, s.context_hits, s.context_loads, s.context_evictions,
       s.stats_reset
  FROM wfauth._stats() s;
GRANT SELECT ON wfauth.stats TO PUBLIC;     -- (it answers DBAs only)
COMMENT ON VIEW wfauth.stats IS
    'Authentications, failures, throttled logins and the context cache, since stats_reset; cluster-wide with shared_preload_libraries = ''wfauth'', else this backend''s own (scope); DBA only';
COMMENT ON COLUMN wfauth.stats.scope IS 'cluster (the library is preloaded: every backend''s counts) or backend (this backend''s own)';
COMMENT ON COLUMN wfauth.stats.token_authentications IS 'authenticate_token calls that succeeded';
COMMENT ON COLUMN wfauth.stats.token_failures IS 'authenticate_token calls refused (28000)';
COMMENT ON COLUMN wfauth.stats.session_authentications IS 'authenticate_session calls that succeeded';
COMMENT ON COLUMN wfauth.stats.session_failures IS 'authenticate_session calls refused (28000)';
COMMENT ON COLUMN wfauth.stats.logins IS 'login calls with the right password';
COMMENT ON COLUMN wfauth.stats.login_failures IS 'login calls refused (28P01), throttled ones included';
COMMENT ON COLUMN wfauth.stats.logins_throttled IS 'login attempts refused because the account had too many failures';
COMMENT ON COLUMN wfauth.stats.throttled_accounts IS 'accounts of this database whose logins are throttled now (wfauth.max_failed_logins failures or more)';
COMMENT ON COLUMN wfauth.stats.activations IS 'activation tokens accepted';
COMMENT ON COLUMN wfauth.stats.activation_failures IS 'activation tokens refused';
COMMENT ON COLUMN wfauth.stats.context_hits IS 'principal contexts served from a backend''s cache (not counted: the same principal again within a statement)';
COMMENT ON COLUMN wfauth.stats.context_loads IS 'principal contexts loaded (not cached, changed, or past a grant''s end)';
COMMENT ON COLUMN wfauth.stats.context_evictions IS 'contexts evicted to stay within wfauth.context_cache_memory';
COMMENT ON COLUMN wfauth.stats.stats_reset IS 'when the counts started (server start, or stats_reset())';

CREATE FUNCTION wfauth.stats_reset() RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_stats_reset' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION wfauth.stats_reset() IS 'Set every counter of wfauth.stats to zero; DBA only';

CREATE FUNCTION wfauth.purge_audit(older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_cutoff timestamptz;
    v_rows bigint;
BEGIN
    -- not from another role's view, default, rule or trigger run by a DBA
    PERFORM wfauth._refuse_in_others_code(true);
    PERFORM wfauth._require_dba('purge the audit log');
    IF older_than IS NULL OR older_than < interval '0' THEN
        RAISE EXCEPTION 'purge_audit needs an age of zero or more' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_cutoff := now() - older_than;
    DELETE FROM wfauth.audit_log l WHERE l.at < v_cutoff;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    -- the purge itself is recorded, in the default tenant (it spans them all)
    INSERT INTO wfauth.audit_log (principal_id, db_role, action, target, details, tenant_id)
    VALUES (NULL, session_user, 'purge_audit', NULL,
            jsonb_build_object('older_than', older_than::text, 'before', v_cutoff, 'rows', v_rows), 1);
    RETURN v_rows;
END
$$;
COMMENT ON FUNCTION wfauth.purge_audit(interval) IS
    'Delete audit entries older than the given age, in every tenant, and record the purge; returns how many went; DBA only';
GRANT EXECUTE ON FUNCTION wfauth._stats() TO PUBLIC;

CREATE OR REPLACE FUNCTION wfauth._protect_new_partitions() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    v_new regclass[];
BEGIN
    -- the partitions this command created, found without reading wfauth's
    -- tables: most commands create none (on a Citus worker, reading them
    -- from within a shard's DDL is a distributed query, which Citus refuses)
    SELECT array_agg(c.objid) INTO v_new
      FROM pg_event_trigger_ddl_commands() c JOIN pg_class k ON k.oid = c.objid AND k.relispartition
     WHERE c.classid = 'pg_class'::regclass AND c.objsubid = 0 AND c.command_tag = 'CREATE TABLE';
    IF v_new IS NULL THEN
        RETURN;
    END IF;
    FOR r IN SELECT n AS tbl, p.kind
               FROM unnest(v_new) n
               JOIN pg_inherits i ON i.inhrelid = n
               JOIN wfauth.protected_tables p ON p.tbl = i.inhparent
              WHERE NOT EXISTS (SELECT 1 FROM wfauth.protected_tables q WHERE q.tbl = n)
    LOOP
        PERFORM wfauth._check_protectable(r.tbl);
        PERFORM wfauth._protect_relation(r.tbl, r.kind);
    END LOOP;
END
$$;

-------------------------------------------------------------------------------
-- Citus: the model as reference tables on every node
-------------------------------------------------------------------------------
-- On Citus, the workers that count login attempts take turns on this table,
-- empty and referencing nothing: Citus serializes changes of a reference
-- table across the cluster, so that their changes of a password's row are
-- made in one order on every node, without waiting, as a change of the
-- passwords table itself would, for every open transaction that wrote a
-- table referencing an account (another login's, say).
CREATE TABLE wfauth.login_turns (turn int);
COMMENT ON TABLE wfauth.login_turns IS
    'Citus: the counting of login attempts takes turns here (no rows; only wfauth''s workers write it)';

-- A login whose count waited for a password change checked the old
-- password, and its re-hash (a new cost) of the old password replaced the
-- new one: the login reads the password again once counted, and a re-hash
-- replaces only the hash it was made from.
DROP FUNCTION wfauth._login_succeeded(bigint, text);
CREATE FUNCTION wfauth._login_succeeded(account bigint, new_hash text, verified text DEFAULT NULL) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_login_succeeded' LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION wfauth._login_succeeded(bigint, text, text) FROM PUBLIC;
CREATE OR REPLACE FUNCTION wfauth.login(identifier text, password text, tenant text DEFAULT NULL) RETURNS text
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
    -- the password as committed once the attempt is counted: a change that
    -- the count waited for is the password now
    SELECT * INTO r FROM wfauth._password_state(v_id);
    -- the same work whatever the case: a throttled or unknown account is
    -- checked against a dummy hash of the current cost
    v_verdict := wfauth._verify_password(CASE WHEN v_counted THEN r.hash END, password);
    IF v_verdict = 0 OR NOT v_counted THEN
        PERFORM wfauth._auth_failed('password');
    END IF;
    -- the right password: the count is reset (and a hash of another cost
    -- replaced, unless changed meanwhile), by a worker too
    PERFORM wfauth._login_succeeded(v_id, CASE WHEN v_verdict = 2 THEN wfauth._hash_password(password, false) END,
                                    r.hash);
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

CREATE FUNCTION wfauth.distribute_model() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_tables regclass[];
    v_table regclass;
    v_fks text[];
    v_fk text;
    r record;
BEGIN
    PERFORM wfauth._refuse_in_others_code(true);
    PERFORM wfauth._require_dba('distribute the model');
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'distribute_model needs the citus extension in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NOT citus_is_coordinator() THEN
        RAISE EXCEPTION 'distribute_model runs on the coordinator' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- every node reads the model from its own copy, the coordinator too
    IF NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE groupid = 0) THEN
        RAISE EXCEPTION 'the coordinator is not in the cluster''s metadata'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run citus_set_coordinator_host() first, then add the workers.';
    END IF;
    -- Each node keeps two tables of its own: protected_tables names this
    -- node's relations (by oid), and audit_log records what statements on
    -- this node changed (an access list changes on the node of its shard,
    -- in its trigger, where no distributed write may run).
    SELECT array_agg(c.oid::regclass ORDER BY c.relname) INTO v_tables FROM pg_class c
     WHERE c.relnamespace = 'wfauth'::regnamespace AND c.relkind = 'r'
       AND c.oid NOT IN ('wfauth.protected_tables'::regclass, 'wfauth.audit_log'::regclass)
       AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid);
    IF v_tables IS NULL THEN
        RETURN;                 -- distributed already
    END IF;

    /*
     * Citus converts a table with a foreign key to a table of this node
     * alone by recreating the whole graph (and the extension's views with
     * it): the model's foreign keys go first, on every node's copy of the
     * extension, and come back once every table is a reference table, on
     * every shard.  The model's triggers come to every shard, disabled
     * while Citus copies the rows in (the guards refuse the built-in rows).
     */
    SET LOCAL citus.enable_unsafe_triggers = on;
    SELECT array_agg(format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                            pg_get_constraintdef(oid)))
      INTO v_fks FROM pg_constraint WHERE contype = 'f' AND connamespace = 'wfauth'::regnamespace
                                      AND conrelid NOT IN ('wfauth.protected_tables'::regclass,
                                                           'wfauth.audit_log'::regclass);
    PERFORM wfauth._on_workers($c$DO $d$ DECLARE r record; BEGIN
        SET LOCAL citus.enable_ddl_propagation = off;
        FOR r IN SELECT conrelid::regclass AS rel, conname FROM pg_constraint
                  WHERE contype = 'f' AND connamespace = 'wfauth'::regnamespace LOOP
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.conname);
        END LOOP;
    END $d$ $c$);
    FOR r IN SELECT conrelid::regclass AS rel, conname FROM pg_constraint
              WHERE contype = 'f' AND connamespace = 'wfauth'::regnamespace LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.conname);
    END LOOP;
    FOREACH v_table IN ARRAY v_tables LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER USER', v_table);
        PERFORM create_reference_table(v_table);
        PERFORM truncate_local_data_after_distributing_table(v_table);
        EXECUTE format('ALTER TABLE %s ENABLE TRIGGER USER', v_table);
    END LOOP;
    FOREACH v_fk IN ARRAY coalesce(v_fks, '{}') LOOP
        EXECUTE v_fk;
    END LOOP;

    /*
     * Each node numbers what it creates (principals, tokens, sessions, the
     * audit log) from its own sequences: a worker's start past 2^48 times
     * its group, so no two nodes hand out the same id.  Kinds (smallint)
     * get a thousand ids a node.
     */
    PERFORM wfauth._on_workers($c$DO $d$ DECLARE g bigint := (SELECT groupid FROM pg_dist_local_group); s regclass; BEGIN
        FOR s IN SELECT seqrelid::regclass FROM pg_sequence
                  WHERE seqrelid::regclass::text LIKE 'wfauth.%' AND seqtypid = 'bigint'::regtype LOOP
            EXECUTE format('SELECT setval(%L, greatest(nextval(%L), %s))', s, s, g << 48);
        END LOOP;
        EXECUTE format('ALTER SEQUENCE wfauth.kinds_id_seq MINVALUE %s MAXVALUE %s START %s RESTART %s',
                       10 + g * 1000, 9 + (g + 1) * 1000, 10 + g * 1000, 10 + g * 1000);
    END $d$ $c$);
END
$$;
COMMENT ON FUNCTION wfauth.distribute_model() IS
    'Citus: make the model''s tables reference tables, so every node reads and changes one model; run on the coordinator after adding the workers; DBA only; does nothing the second time';

-- a command on every worker, in a transaction of its own there; any failure is an error here
CREATE FUNCTION wfauth._on_workers(command text) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM run_command_on_workers(command) WHERE NOT success LOOP
        RAISE EXCEPTION 'on worker %:%: %', r.nodename, r.nodeport, r.result
            USING ERRCODE = 'external_routine_exception';
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION wfauth._on_workers(text) FROM PUBLIC;

-------------------------------------------------------------------------------
-- Citus: protected distributed tables
-------------------------------------------------------------------------------
-- Is tbl a table of Citus's (distributed, reference, or a Citus local table)?
CREATE FUNCTION wfauth._is_citus_table(tbl regclass) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = tbl);
END
$$;

-- a command to every other node with Citus's metadata, in this distributed
-- transaction, as the session's role (on the connections that made its DDL)
CREATE FUNCTION wfauth._send_to_workers(command text) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_send_to_workers' LANGUAGE C STRICT VOLATILE;

-- Every node registers a protected Citus table under its own oid
-- (protected_tables stays each node's), on the word of the node whose
-- protect() or unprotect() checked the table: signed with the cluster key
-- for this distributed transaction
CREATE FUNCTION wfauth._sign_registration(identity text, kind smallint) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_sign_registration' LANGUAGE C VOLATILE;
CREATE FUNCTION wfauth._registration_signed(identity text, kind smallint, mac text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_registration_signed' LANGUAGE C VOLATILE;
-- A Citus table as every node knows it: its name and its first shard's id
-- (shard ids are the cluster's, never reused; a table dropped and made
-- again under the name has others); NULL for any other relation
CREATE FUNCTION wfauth._citus_identity(tbl regclass) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT wfauth._is_citus_table(tbl) THEN
        RETURN NULL;
    END IF;
    RETURN format('%s#%s', tbl, (SELECT min(shardid) FROM pg_dist_shard WHERE logicalrelid = tbl));
END
$$;
CREATE FUNCTION wfauth._register_on_workers(tbl regclass, kind smallint) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF wfauth._is_citus_table(tbl) THEN
        PERFORM wfauth._send_to_workers(format('SELECT wfauth._register_protected(%L, %s::smallint, %L)',
                                               tbl::text, coalesce(kind::text, 'NULL'),
                                               wfauth._sign_registration(wfauth._citus_identity(tbl), kind)));
    END IF;
END
$$;

-- (on another node) register tbl as protected with kind, or unregister it
-- (kind NULL), as the node that ran protect() or unprotect() signed it for
-- this very table (its shards: a name can be given to another table) --
-- or a DBA by hand.  A registration is what lets a table join a protected
-- hierarchy (the lockdown trusts it), so no one else may make one: not
-- the table's owner, who could register a table with no policies, or one
-- filled with access lists of its own making.
CREATE FUNCTION wfauth._register_protected(tbl text, kind smallint, mac text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_tbl regclass := _register_protected.tbl::regclass;
BEGIN
    PERFORM wfauth._refuse_in_others_code(true);
    IF NOT wfauth._registration_signed(wfauth._citus_identity(v_tbl), _register_protected.kind, mac) THEN
        PERFORM wfauth._require_dba('register a protected table without its node''s signature');
    END IF;
    IF (SELECT relpersistence FROM pg_class WHERE oid = v_tbl) = 't' THEN
        RAISE EXCEPTION '"%" is a temporary table', v_tbl USING ERRCODE = 'wrong_object_type',
            DETAIL = 'A temporary table is dropped at the end of its session without the event that unregisters it.';
    END IF;
    DELETE FROM wfauth.protected_tables p WHERE p.tbl = v_tbl;
    IF _register_protected.kind IS NOT NULL THEN
        INSERT INTO wfauth.protected_tables (tbl, kind) VALUES (v_tbl, _register_protected.kind);
    END IF;
END
$$;
COMMENT ON FUNCTION wfauth._register_protected(text, smallint, text) IS
    'Internal (Citus): register a table protected on another node under this node''s oid, as that node signed it, or a DBA';

-- In a database with Citus, policies call their functions directly: Citus
-- takes no subquery in the policies of a distributed table.
CREATE OR REPLACE FUNCTION wfauth._protection_ddl(tbl regclass, kind smallint) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_permission text := (SELECT k.permission FROM wfauth.kinds k WHERE k.id = _protection_ddl.kind);
    v_citus boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus');
    v_check text := CASE WHEN v_citus THEN 'wfauth.policy_check(wfauth.policy_principal(), acl, %L::wfauth.access_mode)'
                         ELSE 'wfauth.policy_check((SELECT wfauth.policy_principal()), acl, %L::wfauth.access_mode)' END;
    v_insert text := CASE WHEN v_citus THEN 'wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), %L)'
                          ELSE '(SELECT wfauth.acting_as_dba()) OR wfauth.has_permission((SELECT wfauth.current_principal()), %L)' END;
BEGIN
    RETURN ARRAY[
        format('CREATE TRIGGER wfauth_truncate BEFORE TRUNCATE ON %s'
               ' FOR EACH STATEMENT EXECUTE FUNCTION wfauth._refuse_truncate()', tbl),
        format('CREATE POLICY wfauth_select ON %s FOR SELECT USING (%s)', tbl, format(v_check, 'view')),
        format('CREATE POLICY wfauth_insert ON %s FOR INSERT WITH CHECK (%s)', tbl, format(v_insert, v_permission)),
        format('CREATE POLICY wfauth_update ON %s FOR UPDATE USING (%s) WITH CHECK (true)', tbl, format(v_check, 'modify')),
        format('CREATE POLICY wfauth_delete ON %s FOR DELETE USING (%s)', tbl, format(v_check, 'modify')),
        format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl),
        format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl)];
END
$$;

CREATE OR REPLACE FUNCTION wfauth._protect_relation(tbl regclass, kind smallint) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._as_owner(tbl, wfauth._protection_ddl(tbl, kind));
    INSERT INTO wfauth.protected_tables (tbl, kind) VALUES (tbl, kind);
    SELECT wfauth._register_on_workers(tbl, kind);
$$;

-- On a Citus node, these run inside a shard's query (an UPDATE's new list,
-- a list's entries for an admin page) and read the model's reference
-- tables, whose copy is local: Citus
-- refuses such "nested" distributed queries unless told they are safe.
ALTER FUNCTION wfauth.acl_grant(wfauth.acl, text, wfauth.access_mode, timestamptz, timestamptz)
    SET citus.allow_nested_distributed_execution = on;
ALTER FUNCTION wfauth.acl_revoke(wfauth.acl, text) SET citus.allow_nested_distributed_execution = on;
ALTER FUNCTION wfauth.acl_entries(wfauth.acl) SET citus.allow_nested_distributed_execution = on;
ALTER FUNCTION wfauth.who_can_access(wfauth.acl, wfauth.access_mode) SET citus.allow_nested_distributed_execution = on;
ALTER FUNCTION wfauth.explain_access(bigint, wfauth.acl, wfauth.access_mode)
    SET citus.allow_nested_distributed_execution = on;

-- Passwords are written without now() in ON CONFLICT DO UPDATE, which Citus
-- refuses on a reference table.
CREATE OR REPLACE FUNCTION wfauth.set_password(identifier text, new_password text) RETURNS void
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
    -- the time as a value, not now() in DO UPDATE: Citus allows no STABLE function there
    INSERT INTO wfauth.passwords (account_id, hash, changed_at) VALUES (v_id, v_hash, now())
    ON CONFLICT (account_id) DO UPDATE
       SET hash = excluded.hash, changed_at = excluded.changed_at, failed_attempts = 0, last_failed_at = NULL;
    -- a new password ends the user's other sessions
    UPDATE wfauth.sessions SET ended_at = now(), ended_why = 'password changed'
     WHERE account_id = v_id AND ended_at IS NULL AND id IS DISTINCT FROM wfauth._current_session();
    PERFORM wfauth._audit('set_password', wfauth._label(v_id));
END
$$;

CREATE OR REPLACE FUNCTION wfauth.activate_user(activation_token text, password text) RETURNS bigint
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
    INSERT INTO wfauth.passwords (account_id, hash, changed_at) VALUES (v_account, wfauth._hash_password(password), now())
    ON CONFLICT (account_id) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at, failed_attempts = 0;
    -- and any other pending invitation of the account with it
    UPDATE wfauth.activations SET used_at = now() WHERE account_id = v_account AND used_at IS NULL;
    PERFORM wfauth._audit('activate_user', wfauth._label(v_account), '{}', v_tenant);
    RETURN v_account;
END
$$;

-- Citus refuses triggers on distributed tables unless told they are safe:
-- wfauth's are (they read nothing of other rows, and the model is on every node)
ALTER FUNCTION wfauth.protect(regclass, text) SET citus.enable_unsafe_triggers = on;
-- and its DDL reaches every node and shard, whatever the caller's session (or
-- its database's default, a database owner's) says: protect() with DDL
-- propagation off left the shards unprotected, with metadata sync off the
-- workers' tables, all registered as protected
ALTER FUNCTION wfauth.protect(regclass, text) SET citus.enable_ddl_propagation = on;
ALTER FUNCTION wfauth.protect(regclass, text) SET citus.enable_metadata_sync = on;

CREATE OR REPLACE FUNCTION wfauth.unprotect(tbl regclass) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_kind text;
    v_part regclass;
BEGIN
    PERFORM wfauth._require_dba('unprotect a table');
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'unprotect needs a table' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT k.name INTO v_kind FROM wfauth.protected_tables p JOIN wfauth.kinds k ON k.id = p.kind
     WHERE p.tbl = unprotect.tbl FOR UPDATE OF p;
    IF v_kind IS NULL THEN
        RETURN;                 -- not protected: nothing to do
    END IF;
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN wfauth.protected_tables p ON p.tbl = i.inhparent
                WHERE i.inhrelid = unprotect.tbl) THEN
        RAISE EXCEPTION 'table % is part of a protected table', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Unprotect the parent table, or detach this one first.';
    END IF;
    PERFORM wfauth._protection_begin();
    DELETE FROM wfauth.protected_tables p USING wfauth._family(unprotect.tbl) f WHERE p.tbl = f;
    PERFORM wfauth._register_on_workers(f, NULL) FROM wfauth._family(unprotect.tbl) f;
    -- These commands run none of the owner's code (no trigger fires, no
    -- expression is evaluated), so they run as wfauth's owner, this
    -- function's: Citus carries that role to every node's shards, where a
    -- table owner's connection would be refused by the lockdown.
    EXECUTE format('DROP TRIGGER IF EXISTS wfauth_acl_insert ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS wfauth_acl_update ON %s', tbl);
    FOR v_part IN SELECT f FROM wfauth._family(unprotect.tbl) f LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS wfauth_truncate ON %s', v_part);
        EXECUTE format('DROP POLICY IF EXISTS wfauth_select ON %s', v_part);
        EXECUTE format('DROP POLICY IF EXISTS wfauth_insert ON %s', v_part);
        EXECUTE format('DROP POLICY IF EXISTS wfauth_update ON %s', v_part);
        EXECUTE format('DROP POLICY IF EXISTS wfauth_delete ON %s', v_part);
        -- row-level security stays on where the owner has policies of its own
        IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = v_part
                        AND polname NOT IN ('wfauth_select', 'wfauth_insert', 'wfauth_update', 'wfauth_delete')) THEN
            EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY', v_part);
        END IF;
    END LOOP;
    PERFORM wfauth._protection_end();
    PERFORM wfauth._audit('unprotect', tbl::text, jsonb_build_object('kind', v_kind));
END
$$;
-- (dropping its triggers on a distributed table, as protect() creates them)
ALTER FUNCTION wfauth.unprotect(regclass) SET citus.enable_unsafe_triggers = on;
ALTER FUNCTION wfauth.unprotect(regclass) SET citus.enable_ddl_propagation = on;
ALTER FUNCTION wfauth.unprotect(regclass) SET citus.enable_metadata_sync = on;
REVOKE ALL ON FUNCTION wfauth._is_citus_table(regclass), wfauth._citus_identity(regclass), wfauth._send_to_workers(text),
    wfauth._register_on_workers(regclass, smallint), wfauth._sign_registration(text, smallint),
    wfauth._registration_signed(text, smallint, text) FROM PUBLIC;

SELECT wfauth._comment_internal_functions();

-- Every function that may write prints values as every node reads them:
-- on Citus they reach the other nodes as SQL text, printed with the
-- caller's settings and read with the receiver's (attack pass 37: a token's
-- expiry read as another date, a logout's digest with its backslash
-- doubled).  C code sets the same (privileges.c, portable_output).  And
-- Citus serializes its changes of wfauth's reference tables whatever the
-- caller's citus.all_modifications_commutative (a role's or database's
-- setting too): a change that reads other rows or tables must read them
-- alike on every copy (below, the three that need not).
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p
              WHERE p.pronamespace = 'wfauth'::regnamespace AND p.provolatile = 'v'
                AND p.prolang IN (SELECT l.oid FROM pg_language l WHERE l.lanname IN ('sql', 'plpgsql'))
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET DateStyle = ''ISO, MDY'' SET IntervalStyle = postgres'
                       ' SET standard_conforming_strings = on SET citus.all_modifications_commutative = off', f);
    END LOOP;
END
$$;

-- On Citus, a change of a reference table's rows is serialized with every
-- open change of that table, or of one it references, across the cluster
-- (an exclusive lock to the end of the transaction): while one logout's
-- transaction stayed open -- of a session ended long ago too, which anyone
-- holding its token may call -- every login of the cluster waited for it
-- and was refused uncounted (attack pass 41).  A logout, and a revocation
-- or renaming of one's own token, change rows by key, lock no other row
-- and read no other table that each copy would have to read alike: Citus
-- is told that they commute, and the rows' own locks order them.  Other
-- changes keep Citus's serialization (above; docs/citus.md, Limits).
ALTER FUNCTION wfauth.end_session(text) SET citus.all_modifications_commutative = on;
ALTER FUNCTION wfauth.revoke_token(text, text) SET citus.all_modifications_commutative = on;
ALTER FUNCTION wfauth.rename_token(text, text, text) SET citus.all_modifications_commutative = on;
