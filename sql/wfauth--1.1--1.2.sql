-- wfauth 1.1 → 1.2
\echo Use "ALTER EXTENSION wfauth UPDATE TO '1.2'" to load this file. \quit

-------------------------------------------------------------------------------
-- No path from a table or database owner to superuser; partitions protected;
-- a protected table stays protected against its owner.
-------------------------------------------------------------------------------

COMMENT ON TABLE wfauth.protected_tables IS
    'Tables made protected object tables by wfauth.protect(), each partition of one included';

-- Work on an application table: as its owner, in a security-restricted
-- operation, with search_path pinned (src/owner.c); rows processed.
CREATE FUNCTION wfauth._as_owner(tbl regclass, commands text[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_as_owner' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
-- Rows of a protected table whose ACL names no living principal (and names
-- principal, when given): a heap scan that runs none of the owner's code.
CREATE FUNCTION wfauth._orphans(tbl regclass, principal bigint) RETURNS SETOF tid
    AS 'MODULE_PATHNAME', 'wfauth_orphans' LANGUAGE C VOLATILE PARALLEL UNSAFE;
-- Dropping a column is no dropping of the table.
CREATE OR REPLACE FUNCTION wfauth._forget_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM wfauth.protected_tables p
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objid = p.tbl::oid
       AND d.objsubid = 0;      -- the table itself, not one of its columns
END
$$;
-- The lockdown of protected tables (src/lockdown.c).
CREATE FUNCTION wfauth._guard_ddl() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'wfauth_guard_ddl' LANGUAGE C;
CREATE FUNCTION wfauth._refuse_truncate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_refuse_truncate' LANGUAGE C;
CREATE FUNCTION wfauth._fires_after_acl_check(tgname name, tgtype smallint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_fires_after_acl_check' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._verify_ddl() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'wfauth_verify_ddl' LANGUAGE C;
-- Around protect() and unprotect(): they leave nothing less protected.
CREATE FUNCTION wfauth._protection_begin() RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_protection_begin' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._protection_end() RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_protection_end' LANGUAGE C VOLATILE PARALLEL UNSAFE;
-- Every command, by anyone: the protected tables' state before it (with a
-- fast path that refuses the common commands by their form) and after it,
-- once wfauth's other ddl_command_end triggers have run (they fire in name
-- order); a command that leaves one less protected fails unless a DBA ran it.
CREATE EVENT TRIGGER wfauth_guard_ddl ON ddl_command_start EXECUTE FUNCTION wfauth._guard_ddl();
CREATE EVENT TRIGGER wfauth_verify_ddl ON ddl_command_end EXECUTE FUNCTION wfauth._verify_ddl();

CREATE FUNCTION wfauth.protection_faults() RETURNS TABLE (tbl regclass, fault text)
    AS 'MODULE_PATHNAME', 'wfauth_protection_faults_sql' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.protection_faults() IS
    'Every way a protected table differs from what wfauth.protect() made of it (RLS, policies, triggers, the acl column, its parents and children); empty unless a DBA changed one by hand';

-- A table and every partition under it, parents first.
CREATE FUNCTION wfauth._family(tbl regclass) RETURNS SETOF regclass
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.tbl FROM (SELECT tbl, 0 AS level
                       UNION ALL
                       SELECT p.relid, p.level FROM pg_partition_tree(tbl) p WHERE p.level > 0) t
     ORDER BY t.level
$$;

-- The table's owner may have it protected: owns it (as the caller), and can
-- name wfauth's objects in the policies and triggers it gets.
CREATE FUNCTION wfauth._check_protectable(tbl regclass) RETURNS void
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

-- What every protected relation (a table, a partitioned table, each
-- partition) gets of its own: the TRUNCATE guard, the policies, forced RLS.
CREATE FUNCTION wfauth._protection_ddl(tbl regclass, kind smallint) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_permission text := (SELECT k.permission FROM wfauth.kinds k WHERE k.id = _protection_ddl.kind);
BEGIN
    RETURN ARRAY[
        format('CREATE TRIGGER wfauth_truncate BEFORE TRUNCATE ON %s'
               ' FOR EACH STATEMENT EXECUTE FUNCTION wfauth._refuse_truncate()', tbl),
        format('CREATE POLICY wfauth_select ON %s FOR SELECT USING (%s)', tbl, wfauth._policy_check('view')),
        format('CREATE POLICY wfauth_insert ON %s FOR INSERT WITH CHECK ((SELECT wfauth.acting_as_dba()) OR '
               'wfauth.has_permission((SELECT wfauth.current_principal()), %L))', tbl, v_permission),
        format('CREATE POLICY wfauth_update ON %s FOR UPDATE USING (%s) WITH CHECK (true)', tbl,
               wfauth._policy_check('modify')),
        format('CREATE POLICY wfauth_delete ON %s FOR DELETE USING (%s)', tbl, wfauth._policy_check('modify')),
        format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl),
        format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl)];
END
$$;

-- Protect one relation (checked by the caller): as its owner; then register it.
CREATE FUNCTION wfauth._protect_relation(tbl regclass, kind smallint) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._as_owner(tbl, wfauth._protection_ddl(tbl, kind));
    INSERT INTO wfauth.protected_tables (tbl, kind) VALUES (tbl, kind);
$$;

CREATE OR REPLACE FUNCTION wfauth.protect(tbl regclass, kind text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_kind wfauth.kinds;
    v_existing smallint;
    v_type oid;
    v_rows bigint;
    v_imported bigint := 0;
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
        RETURN;                 -- already protected: a second call changes nothing
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
    -- protected table may end up less protected (src/lockdown.c).
    PERFORM wfauth._protection_begin();
    v_rows := wfauth._as_owner(tbl, ARRAY[
        CASE WHEN v_type IS NULL THEN format('ALTER TABLE %s ADD COLUMN acl wfauth.acl', tbl) END,
        format('UPDATE %s SET acl = %L::wfauth.acl WHERE acl IS NULL', tbl,
               wfauth._acl_new(v_kind.name, 0, NULL)),
        format('ALTER TABLE %s ALTER COLUMN acl SET NOT NULL', tbl),
        format('CREATE TRIGGER wfauth_acl_insert BEFORE INSERT ON %s'
               ' FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_insert(%L)', tbl, v_kind.name),
        format('CREATE TRIGGER wfauth_acl_update BEFORE UPDATE ON %s'
               ' FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_update()', tbl)]);
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
COMMENT ON FUNCTION wfauth.protect(regclass, text) IS
    'Make a table (and each of its partitions) a protected object table: acl column, ACL triggers, forced RLS policies; table owner only';

-- A partition created later is protected when it is created (also inside
-- CREATE SCHEMA); an inheritance child is not: the state check refuses it.
CREATE FUNCTION wfauth._protect_new_partitions() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.objid::regclass AS tbl, p.kind
               FROM pg_event_trigger_ddl_commands() c
               JOIN pg_class k ON k.oid = c.objid AND k.relispartition
               JOIN pg_inherits i ON i.inhrelid = c.objid
               JOIN wfauth.protected_tables p ON p.tbl = i.inhparent
              WHERE c.classid = 'pg_class'::regclass AND c.objsubid = 0
                AND c.command_tag = 'CREATE TABLE'
                AND NOT EXISTS (SELECT 1 FROM wfauth.protected_tables q WHERE q.tbl = c.objid)
    LOOP
        PERFORM wfauth._check_protectable(r.tbl);
        PERFORM wfauth._protect_relation(r.tbl, r.kind);
    END LOOP;
END
$$;
CREATE EVENT TRIGGER wfauth_protect_new_partitions ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE SCHEMA') EXECUTE FUNCTION wfauth._protect_new_partitions();

CREATE FUNCTION wfauth.unprotect(tbl regclass) RETURNS void
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
    PERFORM wfauth._as_owner(unprotect.tbl, ARRAY[
        format('DROP TRIGGER IF EXISTS wfauth_acl_insert ON %s', tbl),
        format('DROP TRIGGER IF EXISTS wfauth_acl_update ON %s', tbl)]);
    FOR v_part IN SELECT f FROM wfauth._family(unprotect.tbl) f LOOP
        PERFORM wfauth._as_owner(v_part, ARRAY[
            format('DROP TRIGGER IF EXISTS wfauth_truncate ON %s', v_part),
            format('DROP POLICY IF EXISTS wfauth_select ON %s', v_part),
            format('DROP POLICY IF EXISTS wfauth_insert ON %s', v_part),
            format('DROP POLICY IF EXISTS wfauth_update ON %s', v_part),
            format('DROP POLICY IF EXISTS wfauth_delete ON %s', v_part),
            -- row-level security stays on where the owner has policies of its own
            CASE WHEN NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = v_part
                                   AND polname NOT IN ('wfauth_select', 'wfauth_insert', 'wfauth_update', 'wfauth_delete'))
                 THEN format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY', v_part) END]);
    END LOOP;
    PERFORM wfauth._protection_end();
    PERFORM wfauth._audit('unprotect', tbl::text, jsonb_build_object('kind', v_kind));
END
$$;
COMMENT ON FUNCTION wfauth.unprotect(regclass) IS
    'Remove wfauth''s protection from a table and its partitions (the acl column and its values stay); DBA only';

CREATE OR REPLACE FUNCTION wfauth.orphaned_objects() RETURNS TABLE (tbl regclass, ctid tid)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_super_admin();
    RETURN QUERY
    SELECT p.tbl, o.ctid FROM wfauth.protected_tables p, wfauth._orphans(p.tbl, NULL) o(ctid)
     ORDER BY p.tbl::text, o.ctid;
END
$$;
COMMENT ON FUNCTION wfauth.orphaned_objects() IS
    'Protected rows of the acting tenant that no living principal can reach (only Super Admins can); Super Admin or DBA only';

-- How many objects a principal's deletion leaves with no living grantee.
CREATE OR REPLACE FUNCTION wfauth._orphaned_by(principal bigint) RETURNS bigint
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT count(*) FROM wfauth.protected_tables p, wfauth._orphans(p.tbl, principal)
$$;

DROP FUNCTION wfauth._acl_has_live_entry(wfauth.acl);

REVOKE ALL ON FUNCTION wfauth._as_owner(regclass, text[]), wfauth._orphans(regclass, bigint),
    wfauth._guard_ddl(), wfauth._family(regclass), wfauth._check_protectable(regclass),
    wfauth._protection_ddl(regclass, smallint), wfauth._protect_relation(regclass, smallint),
    wfauth._protect_new_partitions(), wfauth._refuse_truncate(),
    wfauth._fires_after_acl_check(name, smallint), wfauth._verify_ddl(),
    wfauth._protection_begin(), wfauth._protection_end() FROM PUBLIC;
-- Trigger functions run only as triggers; a table's owner needs EXECUTE on
-- them to get them (protect() creates them as the owner, and a new
-- partition gets its parent's).
GRANT EXECUTE ON FUNCTION wfauth._acl_on_insert(), wfauth._acl_on_update(), wfauth._refuse_truncate() TO PUBLIC;


-------------------------------------------------------------------------------
-- Credentials against a hostile client: checked against the latest committed
-- state and the statement's clock; every failed login counted, or the login
-- refused.
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth._count_login_attempt(account bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_count_login_attempt' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._login_succeeded(account bigint, new_hash text) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_login_succeeded' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._password_state(account bigint,
    OUT active boolean, OUT hash text, OUT failed_attempts integer, OUT last_failed_at timestamptz)
    AS 'MODULE_PATHNAME', 'wfauth_password_state' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._activation(activation_token text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_activation' LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION wfauth._count_login_attempt(bigint), wfauth._login_succeeded(bigint, text),
    wfauth._password_state(bigint),
    wfauth._activation(text) FROM PUBLIC;
DROP FUNCTION wfauth._record_login_failure(bigint);

CREATE OR REPLACE FUNCTION wfauth.authenticate_token(token text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_authenticate_token' LANGUAGE C VOLATILE PARALLEL UNSAFE;
DROP FUNCTION wfauth.login(text, text);
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
CREATE OR REPLACE FUNCTION wfauth.authenticate_session(session_token text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_authenticate_session' LANGUAGE C VOLATILE PARALLEL UNSAFE;
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
    INSERT INTO wfauth.passwords (account_id, hash) VALUES (v_account, wfauth._hash_password(password))
    ON CONFLICT (account_id) DO UPDATE SET hash = excluded.hash, changed_at = now(), failed_attempts = 0;
    -- and any other pending invitation of the account with it
    UPDATE wfauth.activations SET used_at = now() WHERE account_id = v_account AND used_at IS NULL;
    PERFORM wfauth._audit('activate_user', wfauth._label(v_account), '{}', v_tenant);
    RETURN v_account;
END
$$;
DROP FUNCTION wfauth._digest_equal(bytea, bytea);

-------------------------------------------------------------------------------
-- No directory for the unauthenticated, no existence oracle.
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

REVOKE ALL ON FUNCTION wfauth._credential_account(text, text, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION wfauth.generate_token(identifier text, token_name text, expires_in interval DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint := wfauth._credential_account(identifier, 'api_tokens', true);
    v_name text := btrim(token_name);
    v_token text;
    v_live int;
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
    v_token := wfauth._token_new('wfat_');
    INSERT INTO wfauth.tokens (account_id, name, digest, display_prefix, created_by, expires_at)
    VALUES (v_id, v_name, wfauth._token_digest(v_token, 'wfat_', 'token'), wfauth._token_display(v_token),
            wfauth.current_principal(), now() + expires_in);
    PERFORM wfauth._audit('generate_token', wfauth._label(v_id),
                          jsonb_build_object('name', v_name, 'expires_in', expires_in::text));
    RETURN v_token;
END
$$;
CREATE OR REPLACE FUNCTION wfauth.revoke_token(identifier text, token_name text) RETURNS void
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
CREATE OR REPLACE FUNCTION wfauth.rename_token(identifier text, old_name text, new_name text) RETURNS void
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
    INSERT INTO wfauth.passwords (account_id, hash) VALUES (v_id, v_hash)
    ON CONFLICT (account_id) DO UPDATE
       SET hash = excluded.hash, changed_at = now(), failed_attempts = 0, last_failed_at = NULL;
    -- a new password ends the user's other sessions
    UPDATE wfauth.sessions SET ended_at = now(), ended_why = 'password changed'
     WHERE account_id = v_id AND ended_at IS NULL AND id IS DISTINCT FROM wfauth._current_session();
    PERFORM wfauth._audit('set_password', wfauth._label(v_id));
END
$$;
CREATE OR REPLACE FUNCTION wfauth.acl_entries(object wfauth.acl)
RETURNS TABLE (grantee text, mode wfauth.access_mode)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_actor();     -- names are for an authenticated principal (or a DBA)
    RETURN QUERY
    SELECT CASE WHEN p.id IS NULL THEN '#' || i.principal ELSE wfauth._label(i.principal) END,
           CASE WHEN i.modify THEN 'modify' ELSE 'view' END::wfauth.access_mode
      FROM wfauth._acl_items(object) i
      LEFT JOIN wfauth.principals p ON p.id = i.principal AND p.tenant_id = wfauth.current_tenant()
     ORDER BY p.kind <> 'group', p.name, i.principal;
END
$$;
COMMENT ON FUNCTION wfauth.acl_entries(wfauth.acl) IS
    'The entries of an access list in grantee notation (#id for a principal that is gone, or of another tenant); any authenticated principal';

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
        SELECT i.principal, i.modify, p.kind, p.name FROM wfauth._acl_items(object) i
          JOIN wfauth.principals p ON p.id = i.principal AND p.tenant_id = v_tenant
         WHERE mode = 'view' OR i.modify
    ), permitted AS (
        SELECT h FROM wfauth._holders(v_permission) h
    ), sources AS (
        SELECT a.id, 'super admin' AS via, 0 AS rank FROM wfauth.principals a
         WHERE a.kind = 'user' AND a.active AND a.super_admin AND a.tenant_id = v_tenant
        UNION ALL
        SELECT a.id, CASE WHEN e.kind = 'group' THEN 'group:' || e.name ELSE 'direct' END
                     || ' (' || CASE WHEN e.modify THEN 'modify' ELSE 'view' END || ')'
                     || CASE WHEN mode = 'modify' OR a.kind = 'service' THEN ' + permission ' || v_permission ELSE '' END,
               CASE WHEN e.kind = 'group' THEN 1 ELSE 2 END
          FROM entries e
          JOIN wfauth.principals a ON a.kind <> 'group' AND a.active AND NOT a.super_admin
               AND a.tenant_id = v_tenant
               AND (a.id = e.principal OR e.principal = v_everyone
                    OR EXISTS (SELECT 1 FROM wfauth.group_members m
                                WHERE m.group_id = e.principal AND m.member_id = a.id))
         -- modifying needs the kind's permission; so does a service account's viewing
         WHERE (mode = 'view' AND a.kind = 'user') OR a.id IN (SELECT h FROM permitted)
    )
    SELECT s.id, p.name, s.via FROM sources s JOIN wfauth.principals p ON p.id = s.id
     ORDER BY p.name, s.rank, s.via;
END
$$;
COMMENT ON FUNCTION wfauth.who_can_access(wfauth.acl, wfauth.access_mode) IS
    'Every active account of the acting tenant with that access to the object, one row per way it has it; needs accounts';

DROP FUNCTION wfauth._require_credential_rights(bigint, text);

-------------------------------------------------------------------------------
-- One name, one principal: NFKC, trimmed, no invisible characters; no name
-- confusable with another's.
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth._clean_name(name text, what text) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_clean_name_sql' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._skeleton(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_skeleton_sql' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

REVOKE ALL ON FUNCTION wfauth._clean_name(text, text), wfauth._skeleton(text) FROM PUBLIC;
ALTER TABLE wfauth.principals ADD COLUMN skeleton text COLLATE "C" GENERATED ALWAYS AS (wfauth._skeleton(name)) STORED;
ALTER TABLE wfauth.roles ADD COLUMN skeleton text COLLATE "C" GENERATED ALWAYS AS (wfauth._skeleton(name)) STORED;

-------------------------------------------------------------------------------
-- Tenants: many customers in one database, each with its own model.  Every
-- row of 1.1 belongs to the built-in tenant 1, "default", whose Everyone
-- keeps id 1; protected rows need no change (an ACL without a tenant is the
-- default tenant's).
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth.current_tenant() RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_current_tenant_sql' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.current_tenant() IS
    'The acting tenant: the principal''s, or the one a DBA chose with set_tenant(), else the default one (1)';

CREATE TABLE wfauth.tenant_catalog (
    id          bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 2) PRIMARY KEY,
    name        text NOT NULL CHECK (name = pg_catalog.btrim(name) AND name <> ''
                                     AND pg_catalog.length(name) <= 128),
    name_key    text COLLATE "C" NOT NULL GENERATED ALWAYS AS (pg_catalog.lower(name)) STORED UNIQUE,
    everyone_id bigint NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE wfauth.tenant_catalog IS
    'Tenants (customers), each with its own accounts, groups, roles and settings; 1 is the built-in "default"';
INSERT INTO wfauth.tenant_catalog (id, name, everyone_id) VALUES (1, 'default', 1);

-- A new column of existing rows: added empty, then filled, so no row keeps
-- a "missing value" that a fresh install would not have.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['principals', 'roles', 'new_user_permissions', 'audit_log'] LOOP
        EXECUTE format('ALTER TABLE wfauth.%I ADD COLUMN tenant_id bigint', t);
        EXECUTE format('UPDATE wfauth.%I SET tenant_id = 1', t);
        EXECUTE format('ALTER TABLE wfauth.%I ALTER COLUMN tenant_id SET NOT NULL,'
                       ' ALTER COLUMN tenant_id SET DEFAULT wfauth.current_tenant(),'
                       ' ADD CONSTRAINT %I FOREIGN KEY (tenant_id) REFERENCES wfauth.tenant_catalog ON DELETE CASCADE',
                       t, t || '_tenant_id_fkey');
    END LOOP;
END
$$;
DROP INDEX wfauth.principals_name_key;
CREATE UNIQUE INDEX principals_name_key ON wfauth.principals (tenant_id, (kind = 'group'), name_key);
CREATE INDEX principals_skeleton_idx ON wfauth.principals (tenant_id, (kind = 'group'), skeleton);
-- accounts by identifier (_account, account_list), which the index above cannot serve
CREATE INDEX principals_account_idx ON wfauth.principals (tenant_id, name_key) WHERE kind <> 'group';
COMMENT ON TABLE wfauth.principals IS
    'Accounts (user, service) and groups of every tenant; identifiers are normalised by a trigger';
ALTER TABLE wfauth.roles DROP CONSTRAINT roles_name_key_key,
    ADD CONSTRAINT roles_name_key_key UNIQUE (tenant_id, name_key);
CREATE INDEX roles_skeleton_idx ON wfauth.roles (tenant_id, skeleton);
ALTER TABLE wfauth.new_user_permissions DROP CONSTRAINT new_user_permissions_pkey,
    ADD CONSTRAINT new_user_permissions_pkey PRIMARY KEY (tenant_id, permission);
CREATE INDEX audit_log_tenant_idx ON wfauth.audit_log (tenant_id, at);

-- The security preference, per tenant; 1.1's table becomes a view.
CREATE TABLE wfauth.tenant_settings (
    tenant_id         bigint PRIMARY KEY REFERENCES wfauth.tenant_catalog ON DELETE CASCADE,
    new_object_access text NOT NULL DEFAULT 'everyone'
                      CHECK (new_object_access IN ('everyone', 'creator'))
);
COMMENT ON TABLE wfauth.tenant_settings IS
    'Security preferences, a row per tenant at most; none means the defaults (new_object_access = everyone)';
INSERT INTO wfauth.tenant_settings (tenant_id, new_object_access)
SELECT 1, s.new_object_access FROM wfauth.settings s;
ALTER EXTENSION wfauth DROP TABLE wfauth.settings;
DROP TABLE wfauth.settings;

CREATE TRIGGER tenant_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wfauth.tenant_catalog
    FOR EACH STATEMENT EXECUTE FUNCTION wfauth._model_changed();
CREATE TRIGGER tenant_settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wfauth.tenant_settings
    FOR EACH STATEMENT EXECUTE FUNCTION wfauth._model_changed();
SELECT pg_catalog.pg_extension_config_dump('wfauth.tenant_catalog', 'WHERE id <> 1');
SELECT pg_catalog.pg_extension_config_dump('wfauth.tenant_settings', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('wfauth.tenant_catalog', 'id')::regclass, '');

-- The acting tenant's Everyone (1 in the default tenant).
CREATE FUNCTION wfauth._everyone() RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.everyone_id FROM wfauth.tenant_catalog t WHERE t.id = wfauth.current_tenant()
$$;
REVOKE ALL ON FUNCTION wfauth._everyone() FROM PUBLIC;

-- Refuse a (clean) name that is taken in its space -- 'account', 'group' or
-- 'role' -- regardless of case, or that looks like another's (same confusable
-- skeleton); except_id is the one being renamed.  Creations of look-alike
-- names wait for each other (advisory lock on the skeleton), so two of them
-- cannot both pass.
CREATE FUNCTION wfauth._refuse_taken_name(space text, name text, except_id bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text := lower(name);
    v_skeleton text := wfauth._skeleton(name);
    v_tenant bigint := wfauth.current_tenant();
    v_other text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('wfauth ' || v_tenant || ' ' || space || ' ' || v_skeleton, 0));
    IF space = 'role' THEN
        PERFORM FROM wfauth.roles r
          WHERE r.tenant_id = v_tenant AND r.name_key = v_key AND r.id IS DISTINCT FROM except_id;
    ELSE
        PERFORM FROM wfauth.principals p
          WHERE p.tenant_id = v_tenant AND (p.kind = 'group') = (space = 'group') AND p.name_key = v_key
            AND p.id IS DISTINCT FROM except_id;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION '% "%" already exists', space, name USING ERRCODE = 'unique_violation';
    END IF;
    IF space = 'role' THEN
        SELECT r.name INTO v_other FROM wfauth.roles r
         WHERE r.tenant_id = v_tenant AND r.skeleton = v_skeleton AND r.id IS DISTINCT FROM except_id LIMIT 1;
    ELSE
        SELECT p.name INTO v_other FROM wfauth.principals p
         WHERE p.tenant_id = v_tenant AND (p.kind = 'group') = (space = 'group') AND p.skeleton = v_skeleton
           AND p.id IS DISTINCT FROM except_id LIMIT 1;
    END IF;
    IF v_other IS NOT NULL THEN
        RAISE EXCEPTION '% name "%" looks like an existing one', space, name
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('It can be mistaken for %s "%s" (Unicode confusables).', space, v_other),
                  HINT = 'Choose a name that cannot be mistaken for another.';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION wfauth._refuse_taken_name(text, text, bigint) FROM PUBLIC;

-- A role name as stored: clean (see _clean_name), 1 to 128 characters.
CREATE FUNCTION wfauth._role_name(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text := wfauth._clean_name(name, 'role name');
BEGIN
    IF v_name IS NULL OR v_name = '' OR length(v_name) > 128 THEN
        RAISE EXCEPTION 'invalid role name "%"', name USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A role name has 1 to 128 characters.';
    END IF;
    RETURN v_name;
END
$$;

REVOKE ALL ON FUNCTION wfauth._role_name(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION wfauth._group(name text, lock boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text := regexp_replace(wfauth._clean_name(name, 'group name'), '^group:', '', 'i');
    v_id bigint;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'group name must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF lock THEN
        SELECT id INTO v_id FROM wfauth.principals
         WHERE kind = 'group' AND tenant_id = wfauth.current_tenant() AND name_key = lower(v_name)
           FOR KEY SHARE;
    ELSE
        SELECT id INTO v_id FROM wfauth.principals
         WHERE kind = 'group' AND tenant_id = wfauth.current_tenant() AND name_key = lower(v_name);
    END IF;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'group "%" does not exist', v_name USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION wfauth._role(name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    SELECT r.id INTO v_id FROM wfauth.roles r
     WHERE r.tenant_id = wfauth.current_tenant()
       AND r.name_key = lower(wfauth._clean_name(_role.name, 'role name')) FOR KEY SHARE;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'role "%" does not exist', name USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION wfauth._create_account(kind text, name text, description text, password text,
                                       groups text[], roles text[], permissions text[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text;
    v_id bigint;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'an account needs an identifier' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (kind = 'user') <> (strpos(name, '@') > 0) THEN
        RAISE EXCEPTION 'invalid % identifier "%"', replace(kind, 'service', 'service account'), name
            USING ERRCODE = 'invalid_parameter_value',
            DETAIL = CASE kind WHEN 'user' THEN 'A user account is named by its e-mail address.'
                               ELSE 'A service account name contains no "@".' END;
    END IF;
    v_name := wfauth._account_key(name);
    PERFORM wfauth._refuse_taken_name('account', v_name);
    INSERT INTO wfauth.principals (kind, name, description)
    VALUES (kind, v_name, description) RETURNING id INTO v_id;
    IF password IS NOT NULL THEN
        INSERT INTO wfauth.passwords (account_id, hash) VALUES (v_id, wfauth._hash_password(password));
    END IF;
    IF kind = 'user' THEN       -- the new-user defaults; never for service accounts
        INSERT INTO wfauth.permission_grants (principal_id, permission)
        SELECT v_id, d.permission FROM wfauth.new_user_permissions d
         WHERE d.tenant_id = wfauth.current_tenant();
        INSERT INTO wfauth.group_members (group_id, member_id)
        SELECT d.group_id, v_id FROM wfauth.new_user_groups d
          JOIN wfauth.principals g ON g.id = d.group_id
         WHERE g.tenant_id = wfauth.current_tenant();
    END IF;
    PERFORM wfauth._attach(v_id, groups, roles, permissions);
    PERFORM wfauth._audit(CASE kind WHEN 'user' THEN 'create_user' ELSE 'create_service_account' END, v_name,
        jsonb_build_object('id', v_id, 'groups', coalesce(groups, '{}'), 'roles', coalesce(roles, '{}'),
                           'permissions', coalesce(permissions, '{}'), 'password', password IS NOT NULL));
    RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION wfauth.create_group(name text, description text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    IF name IS NULL THEN
        RAISE EXCEPTION 'a group needs a name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM wfauth._refuse_taken_name('group', wfauth._clean_name(name, 'group name'));
    INSERT INTO wfauth.principals (kind, name, description)
    VALUES ('group', name, description) RETURNING id INTO v_id;
    PERFORM wfauth._audit('create_group', wfauth._label(v_id), jsonb_build_object('id', v_id));
    RETURN v_id;
END
$$;
CREATE OR REPLACE FUNCTION wfauth.create_role(name text, permissions text[], description text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text;
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_name := wfauth._role_name(name);
    PERFORM wfauth._refuse_taken_name('role', v_name);
    INSERT INTO wfauth.roles (name, description) VALUES (v_name, description) RETURNING id INTO v_id;
    INSERT INTO wfauth.role_permissions (role_id, permission)
    SELECT DISTINCT v_id, wfauth._permission(p) FROM unnest(coalesce(permissions, '{}')) p;
    PERFORM wfauth._audit('create_role', v_name,
                          jsonb_build_object('id', v_id, 'permissions', coalesce(permissions, '{}')));
    RETURN v_id;
END
$$;
-- Names that exist already and look alike are left as they are, and said
-- (as a WARNING: PostgreSQL hides NOTICEs of extension scripts).
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT CASE WHEN a.kind = 'group' THEN 'groups' ELSE 'accounts' END AS space, a.name AS one, b.name AS other
               FROM wfauth.principals a JOIN wfauth.principals b
                 ON (a.kind = 'group') = (b.kind = 'group') AND a.skeleton = b.skeleton AND a.id < b.id
             UNION ALL
             SELECT 'roles', a.name, b.name FROM wfauth.roles a JOIN wfauth.roles b
                 ON a.skeleton = b.skeleton AND a.id < b.id
    LOOP
        RAISE WARNING 'wfauth: % "%" and "%" look alike (Unicode confusables); both are kept', r.space, r.one, r.other
            USING HINT = 'Rename or delete one of them; new look-alike names are refused.';
    END LOOP;
END
$$;

-------------------------------------------------------------------------------
-- The administration pages: the model's views, editing, and service accounts
-- that need permissions.
-------------------------------------------------------------------------------


-------------------------------------------------------------------------------
-- The administration pages: views of the model, readable by an application
-- role with USAGE on the schema.  A principal with accounts, a Super Admin or
-- a DBA sees every row; any other authenticated principal the rows about
-- itself (its account, its groups, its roles and grants); nobody else none.
-- Who sees everything is decided once per query (an InitPlan); the views are
-- security barriers, and their owner (the extension's) reads the tables.
-------------------------------------------------------------------------------

CREATE VIEW wfauth.account_list WITH (security_barrier) AS
SELECT p.id, p.name_key AS identifier, p.kind, p.description, p.active, p.super_admin, p.created_at,
       EXISTS (SELECT 1 FROM wfauth.passwords w WHERE w.account_id = p.id) AS has_password
  FROM wfauth.principals p
 WHERE p.kind <> 'group' AND p.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR p.id = (SELECT wfauth.current_principal()));
COMMENT ON VIEW wfauth.account_list IS
    'User and service accounts: all with accounts (or as Super Admin or DBA), else one''s own';
COMMENT ON COLUMN wfauth.account_list.id IS 'The account''s principal id';
COMMENT ON COLUMN wfauth.account_list.identifier IS 'E-mail address (user) or sa::name (service account)';
COMMENT ON COLUMN wfauth.account_list.kind IS 'user or service';
COMMENT ON COLUMN wfauth.account_list.description IS 'Free text (alter_account)';
COMMENT ON COLUMN wfauth.account_list.active IS 'False once deactivated: authenticates with nothing';
COMMENT ON COLUMN wfauth.account_list.super_admin IS 'Whether the account is a Super Admin';
COMMENT ON COLUMN wfauth.account_list.created_at IS 'When the account was created or invited';
COMMENT ON COLUMN wfauth.account_list.has_password IS 'Whether a password is set (an invited user has none until activation)';

CREATE VIEW wfauth.group_list WITH (security_barrier) AS
SELECT g.id, g.name, g.description, g.id = t.everyone_id AS built_in,
       CASE WHEN g.id = t.everyone_id
            THEN (SELECT count(*) FROM wfauth.principals a WHERE a.kind <> 'group' AND a.tenant_id = g.tenant_id)
            ELSE (SELECT count(*) FROM wfauth.group_members m WHERE m.group_id = g.id) END AS member_count
  FROM wfauth.principals g JOIN wfauth.tenant_catalog t ON t.id = g.tenant_id
 WHERE g.kind = 'group' AND g.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR (SELECT wfauth.current_principal()) IS NOT NULL
           AND (g.id = t.everyone_id OR EXISTS (SELECT 1 FROM wfauth.group_members m
                                     WHERE m.group_id = g.id AND m.member_id = (SELECT wfauth.current_principal()))));
COMMENT ON VIEW wfauth.group_list IS
    'Groups: all with accounts (or as Super Admin or DBA), else one''s own (Everyone included)';
COMMENT ON COLUMN wfauth.group_list.id IS 'The group''s principal id (Everyone of the default tenant is 1)';
COMMENT ON COLUMN wfauth.group_list.name IS 'The group''s name, unique regardless of case';
COMMENT ON COLUMN wfauth.group_list.description IS 'Free text (alter_group)';
COMMENT ON COLUMN wfauth.group_list.built_in IS 'True for Everyone, which cannot be deleted or renamed';
COMMENT ON COLUMN wfauth.group_list.member_count IS 'Explicit members; for Everyone, every account';

CREATE VIEW wfauth.member_list WITH (security_barrier) AS
SELECT m.group_id, g.name AS group_name, m.member_id AS account_id, a.name_key AS identifier, m.added_at
  FROM wfauth.group_members m
  JOIN wfauth.principals g ON g.id = m.group_id
  JOIN wfauth.principals a ON a.id = m.member_id
 WHERE g.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR m.member_id = (SELECT wfauth.current_principal()));
COMMENT ON VIEW wfauth.member_list IS
    'Explicit group memberships (Everyone''s are implicit and not listed): all with accounts, else one''s own';
COMMENT ON COLUMN wfauth.member_list.group_id IS 'The group''s principal id';
COMMENT ON COLUMN wfauth.member_list.group_name IS 'The group''s name';
COMMENT ON COLUMN wfauth.member_list.account_id IS 'The member account''s principal id';
COMMENT ON COLUMN wfauth.member_list.identifier IS 'The member account''s identifier';
COMMENT ON COLUMN wfauth.member_list.added_at IS 'When the account joined the group';

CREATE VIEW wfauth.role_list WITH (security_barrier) AS
SELECT r.id, r.name, r.description,
       ARRAY(SELECT rp.permission::text FROM wfauth.role_permissions rp WHERE rp.role_id = r.id ORDER BY 1) AS permissions,
       r.created_at
  FROM wfauth.roles r
 WHERE r.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR (SELECT wfauth.current_principal()) IS NOT NULL
           AND EXISTS (SELECT 1 FROM wfauth.role_grants rg
                        WHERE rg.role_id = r.id
                          AND (rg.principal_id IN ((SELECT wfauth.current_principal()), (SELECT t.everyone_id FROM wfauth.tenant_catalog t WHERE t.id = wfauth.current_tenant()))
                               OR rg.principal_id IN (SELECT m.group_id FROM wfauth.group_members m
                                                       WHERE m.member_id = (SELECT wfauth.current_principal())))));
COMMENT ON VIEW wfauth.role_list IS
    'Roles with their permissions: all with accounts, else those one holds (directly or through a group)';
COMMENT ON COLUMN wfauth.role_list.id IS 'The role''s id';
COMMENT ON COLUMN wfauth.role_list.name IS 'The role''s name, unique regardless of case';
COMMENT ON COLUMN wfauth.role_list.description IS 'Free text (alter_role)';
COMMENT ON COLUMN wfauth.role_list.permissions IS 'The role''s permissions, sorted';
COMMENT ON COLUMN wfauth.role_list.created_at IS 'When the role was created';

CREATE VIEW wfauth.grant_list WITH (security_barrier) AS
SELECT CASE WHEN p.id = t.everyone_id THEN 'everyone'
            WHEN p.kind = 'group' THEN 'group:' || p.name ELSE p.name END AS grantee,
       g.principal_id, g.kind, g.name, g.granted_at
  FROM (SELECT pg.principal_id, 'permission'::text AS kind, pg.permission::text AS name, pg.granted_at
          FROM wfauth.permission_grants pg
        UNION ALL
        SELECT rg.principal_id, 'role', r.name, rg.granted_at
          FROM wfauth.role_grants rg JOIN wfauth.roles r ON r.id = rg.role_id) g
  JOIN wfauth.principals p ON p.id = g.principal_id
  JOIN wfauth.tenant_catalog t ON t.id = p.tenant_id
 WHERE p.tenant_id = (SELECT wfauth.current_tenant())
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR (SELECT wfauth.current_principal()) IS NOT NULL
           AND (g.principal_id IN ((SELECT wfauth.current_principal()), t.everyone_id)
                OR g.principal_id IN (SELECT m.group_id FROM wfauth.group_members m
                                       WHERE m.member_id = (SELECT wfauth.current_principal()))));
COMMENT ON VIEW wfauth.grant_list IS
    'Roles and permissions granted to accounts and groups: all with accounts, else those to oneself and one''s groups';
COMMENT ON COLUMN wfauth.grant_list.grantee IS 'Who holds it, in grantee notation (everyone, group:NAME, identifier)';
COMMENT ON COLUMN wfauth.grant_list.principal_id IS 'The grantee''s principal id';
COMMENT ON COLUMN wfauth.grant_list.kind IS 'role or permission';
COMMENT ON COLUMN wfauth.grant_list.name IS 'The role''s or the permission''s name';
COMMENT ON COLUMN wfauth.grant_list.granted_at IS 'When it was granted';

CREATE VIEW wfauth.new_user_defaults WITH (security_barrier) AS
SELECT d.kind, d.name
  FROM (SELECT 'permission'::text AS kind, n.permission::text AS name FROM wfauth.new_user_permissions n
         WHERE n.tenant_id = (SELECT wfauth.current_tenant())
        UNION ALL
        SELECT 'group', g.name FROM wfauth.new_user_groups n JOIN wfauth.principals g ON g.id = n.group_id
         WHERE g.tenant_id = (SELECT wfauth.current_tenant())) d
 WHERE (SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'));
COMMENT ON VIEW wfauth.new_user_defaults IS
    'What every new user account gets (set_new_user_defaults): accounts holders, Super Admins and DBAs';
COMMENT ON COLUMN wfauth.new_user_defaults.kind IS 'permission or group';
COMMENT ON COLUMN wfauth.new_user_defaults.name IS 'The permission''s or the group''s name';

CREATE VIEW wfauth.audit_list WITH (security_barrier) AS
SELECT l.id, l.at,
       coalesce(CASE WHEN p.kind = 'group' THEN 'group:' || p.name ELSE p.name END,
                CASE WHEN l.principal_id IS NOT NULL THEN '#' || l.principal_id END, l.db_role) AS actor,
       l.action, l.target, l.details, l.principal_id, l.db_role
  FROM wfauth.audit_log l LEFT JOIN wfauth.principals p ON p.id = l.principal_id
 WHERE l.tenant_id = (SELECT wfauth.current_tenant())
   AND (SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'));
COMMENT ON VIEW wfauth.audit_list IS
    'Every change made through wfauth, in order of id: accounts holders, Super Admins and DBAs';
COMMENT ON COLUMN wfauth.audit_list.id IS 'Order of the changes';
COMMENT ON COLUMN wfauth.audit_list.at IS 'When';
COMMENT ON COLUMN wfauth.audit_list.actor IS 'Who: the acting principal (#id once deleted), else the database role';
COMMENT ON COLUMN wfauth.audit_list.action IS 'What, e.g. create_user, change_acl';
COMMENT ON COLUMN wfauth.audit_list.target IS 'To what, in grantee notation or by name';
COMMENT ON COLUMN wfauth.audit_list.details IS 'The change''s details (never a secret)';
COMMENT ON COLUMN wfauth.audit_list.principal_id IS 'The acting principal''s id, NULL for a DBA with none';
COMMENT ON COLUMN wfauth.audit_list.db_role IS 'The database role of the session';

CREATE VIEW wfauth.permission_list WITH (security_barrier) AS
SELECT p.name, p.api_name, p.description, p.builtin AS built_in
  FROM wfauth.permissions p
 WHERE (SELECT wfauth.acting_as_dba() OR wfauth.current_principal() IS NOT NULL);
COMMENT ON VIEW wfauth.permission_list IS
    'The permission catalog (what roles and grants may name): any authenticated principal';
COMMENT ON COLUMN wfauth.permission_list.name IS 'The name every function takes';
COMMENT ON COLUMN wfauth.permission_list.api_name IS 'The product''s REST identifier (NULL where none is published)';
COMMENT ON COLUMN wfauth.permission_list.description IS 'What it allows';
COMMENT ON COLUMN wfauth.permission_list.built_in IS 'One of the product''s own permissions (register_permission adds others)';

GRANT SELECT ON wfauth.account_list, wfauth.group_list, wfauth.member_list, wfauth.role_list,
                wfauth.grant_list, wfauth.new_user_defaults, wfauth.audit_list, wfauth.permission_list TO PUBLIC;

CREATE FUNCTION wfauth.new_object_access() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_actor();
    RETURN coalesce((SELECT s.new_object_access FROM wfauth.tenant_settings s
                      WHERE s.tenant_id = wfauth.current_tenant()), 'everyone');
END
$$;
COMMENT ON FUNCTION wfauth.new_object_access() IS
    'The security preference for new objects: everyone or creator; any authenticated principal';

-- Editing the model: roles, groups and accounts keep their id and their grants.
CREATE FUNCTION wfauth.alter_role(name text, new_name text DEFAULT NULL, description text DEFAULT NULL,
                                  add_permissions text[] DEFAULT '{}', remove_permissions text[] DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_old text;
    v_new text;
    v_add text[];
    v_remove text[];
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_id := wfauth._role(name);
    SELECT r.name INTO v_old FROM wfauth.roles r WHERE r.id = v_id FOR UPDATE;
    IF new_name IS NOT NULL THEN
        v_new := wfauth._role_name(new_name);
        PERFORM wfauth._refuse_taken_name('role', v_new, v_id);
        UPDATE wfauth.roles r SET name = v_new WHERE r.id = v_id;
    END IF;
    IF description IS NOT NULL THEN
        UPDATE wfauth.roles r SET description = nullif(btrim(alter_role.description), '') WHERE r.id = v_id;
    END IF;
    SELECT coalesce(array_agg(DISTINCT wfauth._permission(p)), '{}') INTO v_add FROM unnest(add_permissions) p;
    SELECT coalesce(array_agg(DISTINCT wfauth._permission(p)), '{}') INTO v_remove FROM unnest(remove_permissions) p;
    INSERT INTO wfauth.role_permissions (role_id, permission)
    SELECT v_id, p FROM unnest(v_add) p ON CONFLICT DO NOTHING;
    DELETE FROM wfauth.role_permissions rp WHERE rp.role_id = v_id AND rp.permission = ANY (v_remove);
    PERFORM wfauth._audit('alter_role', v_old, jsonb_strip_nulls(jsonb_build_object(
        'id', v_id, 'new_name', v_new, 'description', alter_role.description,
        'add_permissions', v_add, 'remove_permissions', v_remove)));
END
$$;
COMMENT ON FUNCTION wfauth.alter_role(text, text, text, text[], text[]) IS
    'Rename a role, set its description ('''' clears it), add and remove permissions; its grants stay; needs accounts';

CREATE FUNCTION wfauth.alter_group(name text, new_name text DEFAULT NULL, description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_old text;
    v_new text;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_id := wfauth._group(name);
    SELECT p.name INTO v_old FROM wfauth.principals p WHERE p.id = v_id FOR UPDATE;
    IF new_name IS NOT NULL THEN
        IF v_id = wfauth._everyone() THEN
            RAISE EXCEPTION 'the built-in group Everyone cannot be renamed' USING ERRCODE = 'insufficient_privilege';
        END IF;
        v_new := wfauth._clean_name(new_name, 'group name');
        PERFORM wfauth._refuse_taken_name('group', v_new, v_id);
        UPDATE wfauth.principals p SET name = v_new WHERE p.id = v_id;
    END IF;
    IF description IS NOT NULL THEN
        UPDATE wfauth.principals p SET description = nullif(btrim(alter_group.description), '') WHERE p.id = v_id;
    END IF;
    PERFORM wfauth._audit('alter_group', 'group:' || v_old, jsonb_strip_nulls(jsonb_build_object(
        'id', v_id, 'new_name', v_new, 'description', alter_group.description)));
END
$$;
COMMENT ON FUNCTION wfauth.alter_group(text, text, text) IS
    'Rename a group (never Everyone) or set its description ('''' clears it); memberships and grants stay; needs accounts';

CREATE FUNCTION wfauth.alter_account(identifier text, description text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_id := wfauth._account(identifier, true);
    PERFORM wfauth._protect_super_admin(v_id);
    UPDATE wfauth.principals p SET description = nullif(btrim(alter_account.description), '') WHERE p.id = v_id;
    PERFORM wfauth._audit('alter_account', wfauth._label(v_id),
                          jsonb_build_object('id', v_id, 'description', alter_account.description));
END
$$;
COMMENT ON FUNCTION wfauth.alter_account(text, text) IS
    'Set an account''s description (NULL or '''' clears it); a Super Admin''s only by a Super Admin; needs accounts';

COMMENT ON COLUMN wfauth.token_list.account_id IS 'The account''s principal id';
COMMENT ON COLUMN wfauth.token_list.account IS 'The account''s identifier';
COMMENT ON COLUMN wfauth.token_list.name IS 'The token''s name, unique among the account''s live tokens';
COMMENT ON COLUMN wfauth.token_list.token IS 'A display prefix (the first characters), never the secret';
COMMENT ON COLUMN wfauth.token_list.created_at IS 'When it was generated';
COMMENT ON COLUMN wfauth.token_list.last_used_at IS 'Its last use (recorded at most once a minute)';
COMMENT ON COLUMN wfauth.token_list.expires_at IS 'When it stops working (NULL: never)';
COMMENT ON COLUMN wfauth.token_list.revoked_at IS 'When it was revoked (NULL: not revoked)';
COMMENT ON COLUMN wfauth.token_list.live IS 'Neither revoked nor expired';

CREATE OR REPLACE FUNCTION wfauth._grantee(grantee text, lock boolean DEFAULT true) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF grantee IS NULL THEN
        RAISE EXCEPTION 'grantee must not be null' USING ERRCODE = 'invalid_parameter_value';
    ELSIF lower(btrim(grantee)) = 'everyone' THEN
        RETURN wfauth._everyone();
    ELSIF lower(btrim(grantee)) LIKE 'group:%' THEN
        RETURN wfauth._group(grantee, lock);
    END IF;
    RETURN wfauth._account(grantee, lock);
END
$$;

CREATE OR REPLACE FUNCTION wfauth.invite_users(emails text[], groups text[] DEFAULT '{}', roles text[] DEFAULT '{}',
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
                        coalesce(v_who.super_admin AND v_who.active AND wfauth.acl_tenant(object) = v_who.tenant_id, false);
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
    FOR e IN SELECT i.principal, i.modify, g.name FROM wfauth._acl_items(object) i
               JOIN wfauth.principals g ON g.id = i.principal AND g.kind = 'group'
                                       AND g.tenant_id = wfauth.current_tenant()
              WHERE g.id = v_everyone OR EXISTS (SELECT 1 FROM wfauth.group_members m
                                         WHERE m.group_id = g.id AND m.member_id = explain_access.principal)
              ORDER BY g.id <> v_everyone, g.name
    LOOP
        v_step := v_step + 1; v_any := true;
        RETURN QUERY SELECT v_step, format('group %s: %s', e.name, CASE WHEN e.modify THEN 'view & modify' ELSE 'view' END),
                            coalesce(v_who.active AND v_who.kind <> 'group', false) AND (mode = 'view' OR e.modify);
    END LOOP;
    IF NOT v_any THEN
        v_step := v_step + 1;
        RETURN QUERY SELECT v_step, 'group-level entries: none for a group of this principal', false;
    END IF;
    v_any := false;
    FOR e IN SELECT i.modify FROM wfauth._acl_items(object) i WHERE i.principal = v_who.id LOOP
        v_step := v_step + 1; v_any := true;
        RETURN QUERY SELECT v_step, format('%s %s: %s', CASE v_who.kind WHEN 'service' THEN 'service account' ELSE v_who.kind END,
                                           v_who.name, CASE WHEN e.modify THEN 'view & modify' ELSE 'view' END),
                            v_who.active AND (mode = 'view' OR e.modify);
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
    'Why a principal has or lacks access: Super Admin, kind permission (modify, or a service account''s view), group-level entries, user-level entries, decision; own principal, or accounts';

COMMENT ON FUNCTION wfauth.can_access(bigint, wfauth.acl, wfauth.access_mode) IS
    'The access decision for row-level security: view or modify (modify, and a service account''s view, need the kind''s permission); false for NULL or inactive principals; own principal, or accounts';

-- Comment every internal function (named _...) that has no comment yet.
CREATE FUNCTION wfauth._comment_internal_functions() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p
              WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname LIKE '\_%'
                AND obj_description(p.oid, 'pg_proc') IS NULL
    LOOP
        EXECUTE format('COMMENT ON FUNCTION %s IS %L', f,
                       'internal to wfauth, not part of its API' ||
                       CASE WHEN (SELECT prorettype FROM pg_proc WHERE oid = f) = 'trigger'::regtype
                            THEN ' (a trigger function of protected tables)' ELSE '' END);
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION wfauth._comment_internal_functions() FROM PUBLIC;

-------------------------------------------------------------------------------
-- The listing index: a GIN operator class over wfauth.acl, statistics, and
-- policies the planner can serve with it.
-------------------------------------------------------------------------------

-- The listing index (src/listing.c): CREATE INDEX ... USING gin (acl) lets
-- the unchanged policies find the rows a principal may see, when they are
-- few.  acl @@ p: an entry names p or one of its groups (any level); acl @@@ p:
-- a modify-level entry does; both true for an active Super Admin, and for
-- p = -1 while a DBA acts with no principal.
CREATE FUNCTION wfauth.policy_principal() RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_policy_principal' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.policy_principal() IS
    'The principal the row-level security policies check: the current one, -1 while a DBA acts with none (every row), NULL for nobody';
CREATE FUNCTION wfauth._acl_reaches_sel(internal, oid, internal, integer) RETURNS float8
    AS 'MODULE_PATHNAME', 'wfauth_acl_reaches_sel' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth.acl_reaches(object wfauth.acl, principal bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_acl_reaches_view' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.acl_reaches(wfauth.acl, bigint) IS
    'Operator @@ of the listing index: an entry names the principal or one of its groups, or it is a Super Admin (can_access without the kind''s permission); own principal, or accounts';
CREATE FUNCTION wfauth.acl_reaches_modify(object wfauth.acl, principal bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_acl_reaches_modify' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.acl_reaches_modify(wfauth.acl, bigint) IS
    'Operator @@@ of the listing index: a modify-level entry names the principal or one of its groups, or it is a Super Admin; own principal, or accounts';
CREATE OPERATOR wfauth.@@ (LEFTARG = wfauth.acl, RIGHTARG = bigint, FUNCTION = wfauth.acl_reaches,
                           RESTRICT = wfauth._acl_reaches_sel);
CREATE OPERATOR wfauth.@@@ (LEFTARG = wfauth.acl, RIGHTARG = bigint, FUNCTION = wfauth.acl_reaches_modify,
                            RESTRICT = wfauth._acl_reaches_sel);
CREATE FUNCTION wfauth._acl_gin_extract_value(wfauth.acl, internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'wfauth_acl_gin_extract_value' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._acl_gin_extract_query(bigint, internal, int2, internal, internal, internal, internal)
RETURNS internal
    AS 'MODULE_PATHNAME', 'wfauth_acl_gin_extract_query' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._acl_gin_consistent(internal, int2, bigint, int4, internal, internal, internal, internal)
RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_acl_gin_consistent' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._acl_gin_triconsistent(internal, int2, bigint, int4, internal, internal, internal)
RETURNS "char"
    AS 'MODULE_PATHNAME', 'wfauth_acl_gin_triconsistent' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE OPERATOR CLASS wfauth.acl_ops DEFAULT FOR TYPE wfauth.acl USING gin AS
    OPERATOR 1 wfauth.@@ (wfauth.acl, bigint),
    OPERATOR 2 wfauth.@@@ (wfauth.acl, bigint),
    FUNCTION 1 pg_catalog.btint8cmp(bigint, bigint),
    FUNCTION 2 wfauth._acl_gin_extract_value(wfauth.acl, internal, internal),
    FUNCTION 3 wfauth._acl_gin_extract_query(bigint, internal, int2, internal, internal, internal, internal),
    FUNCTION 4 wfauth._acl_gin_consistent(internal, int2, bigint, int4, internal, internal, internal, internal),
    FUNCTION 6 wfauth._acl_gin_triconsistent(internal, int2, bigint, int4, internal, internal, internal),
    STORAGE bigint;
COMMENT ON OPERATOR CLASS wfauth.acl_ops USING gin IS
    'The listing index of protected tables: CREATE INDEX ON tbl USING gin (acl)';
-- ANALYZE keeps how often ACLs name each principal, for the planner's estimates
CREATE FUNCTION wfauth._acl_typanalyze(internal) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_acl_typanalyze' LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
ALTER TYPE wfauth.acl SET (ANALYZE = wfauth._acl_typanalyze);
-- can_access(p, acl, mode) becomes the index condition acl @@ p (or @@@), and says how selective it is
CREATE FUNCTION wfauth._can_access_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'wfauth_can_access_support' LANGUAGE C STRICT STABLE PARALLEL SAFE;

CREATE FUNCTION wfauth.policy_check(principal bigint, object wfauth.acl, mode wfauth.access_mode)
RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_policy_check' LANGUAGE C STABLE PARALLEL SAFE LEAKPROOF
    SUPPORT wfauth._can_access_support;
COMMENT ON FUNCTION wfauth.policy_check(bigint, wfauth.acl, wfauth.access_mode) IS
    'The check of the policies: can_access of wfauth.policy_principal(), whose -1 allows every row while a DBA acts with no principal';
ALTER FUNCTION wfauth.can_access(bigint, wfauth.acl, wfauth.access_mode) SUPPORT wfauth._can_access_support;
REVOKE ALL ON FUNCTION wfauth._acl_reaches_sel(internal, oid, internal, integer),
    wfauth._acl_gin_extract_value(wfauth.acl, internal, internal),
    wfauth._acl_gin_extract_query(bigint, internal, int2, internal, internal, internal, internal),
    wfauth._acl_gin_consistent(internal, int2, bigint, int4, internal, internal, internal, internal),
    wfauth._acl_gin_triconsistent(internal, int2, bigint, int4, internal, internal, internal),
    wfauth._acl_typanalyze(internal), wfauth._can_access_support(internal) FROM PUBLIC;

-- The check of the SELECT (view), UPDATE and DELETE (modify) policies: one
-- call, which the listing index can serve (no OR: a DBA with no principal is
-- wfauth.policy_principal() = -1, which policy_check allows every row).
CREATE FUNCTION wfauth._policy_check(mode wfauth.access_mode) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('wfauth.policy_check((SELECT wfauth.policy_principal()), acl, %L::wfauth.access_mode)', mode)
$$;

REVOKE ALL ON FUNCTION wfauth._policy_check(wfauth.access_mode) FROM PUBLIC;

-- Tables protected by 1.1 get what 1.2 gives a protected table: the TRUNCATE
-- guard, and their partitions protected too.  These commands run none of
-- the table owner's code (no row is read or written), so the superuser
-- running the update issues them itself: 1.1 did not need the owner to have
-- USAGE on schema wfauth, which running them as the owner would.
DO $$
DECLARE
    r record;
    c text;
BEGIN
    FOR r IN SELECT p.tbl, p.kind FROM wfauth.protected_tables p LOOP
        EXECUTE (wfauth._protection_ddl(r.tbl, r.kind))[1];     -- the TRUNCATE guard
    END LOOP;
    FOR r IN SELECT f AS tbl, p.kind FROM wfauth.protected_tables p, wfauth._family(p.tbl) f
              WHERE NOT EXISTS (SELECT 1 FROM wfauth.protected_tables q WHERE q.tbl = f)
    LOOP
        FOREACH c IN ARRAY wfauth._protection_ddl(r.tbl, r.kind) LOOP
            EXECUTE c;
        END LOOP;
        INSERT INTO wfauth.protected_tables (tbl, kind) VALUES (r.tbl, r.kind);
        RAISE WARNING 'wfauth: partition % of a protected table is protected now', r.tbl;
    END LOOP;
    FOR r IN SELECT p.tbl, c.oid::regclass AS child
               FROM wfauth.protected_tables p JOIN pg_inherits i ON i.inhparent = p.tbl
               JOIN pg_class c ON c.oid = i.inhrelid
              WHERE NOT EXISTS (SELECT 1 FROM wfauth.protected_tables q WHERE q.tbl = c.oid)
    LOOP
        RAISE WARNING 'protected table % has an unprotected inheritance child %: its rows are reached through %',
            r.tbl, r.child, r.tbl
            USING HINT = 'Protect the child with wfauth.protect() and the same kind, or detach it (ALTER TABLE ... NO INHERIT).';
    END LOOP;
END
$$;

-- Every protected table's view, update and delete policies become one call
-- the listing index can serve (the DBA's case is policy_principal() = -1).
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT p.tbl FROM wfauth.protected_tables p LOOP
        EXECUTE format('ALTER POLICY wfauth_select ON %s USING (%s)', t, wfauth._policy_check('view'));
        EXECUTE format('ALTER POLICY wfauth_update ON %s USING (%s)', t, wfauth._policy_check('modify'));
        EXECUTE format('ALTER POLICY wfauth_delete ON %s USING (%s)', t, wfauth._policy_check('modify'));
    END LOOP;
END
$$;

-------------------------------------------------------------------------------
-- Tenants: every function resolves names and ids in the acting tenant only;
-- DBAs create, rename and delete tenants.
-------------------------------------------------------------------------------

DROP FUNCTION wfauth._account(text, boolean);
-- Names resolve in the acting tenant only (or in the tenant given): one of
-- another tenant is as good as one that does not exist.
CREATE FUNCTION wfauth._account(identifier text, lock boolean DEFAULT false, tenant bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text := wfauth._account_key(identifier);
    v_tenant bigint := coalesce(tenant, wfauth.current_tenant());
    v_id bigint;
BEGIN
    IF identifier IS NULL THEN
        RAISE EXCEPTION 'account identifier must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF lock THEN
        SELECT id INTO v_id FROM wfauth.principals
         WHERE kind <> 'group' AND tenant_id = v_tenant AND name_key = v_key FOR KEY SHARE;
    ELSE
        SELECT id INTO v_id FROM wfauth.principals
         WHERE kind <> 'group' AND tenant_id = v_tenant AND name_key = v_key;
    END IF;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'account "%" does not exist', identifier USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_id;
END
$$;
DROP FUNCTION wfauth._audit(text, text, jsonb);
-- Code of another role does not act with the session's principal
-- (src/privileges.c): inside another role's function nothing of wfauth is
-- called; with statements true, neither inside a statement that runs
-- another role's triggers, rules or expressions.
CREATE FUNCTION wfauth._refuse_in_others_code(statements boolean) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_refuse_in_others_code_sql' LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
REVOKE ALL ON FUNCTION wfauth._refuse_in_others_code(boolean) FROM PUBLIC;
-- An audit row, of the acting tenant unless told another.  Every change
-- the model's functions make is audited, so this is where a change by
-- another role's code is refused; an ACL change is the writing statement's
-- own (an UPDATE of a protected row may be on another role's table), and
-- is refused only inside another role's function.
CREATE FUNCTION wfauth._audit(action text, target text, details jsonb DEFAULT '{}', tenant bigint DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._refuse_in_others_code(action <> 'change_acl');
    INSERT INTO wfauth.audit_log (principal_id, db_role, action, target, details, tenant_id)
    VALUES (wfauth.current_principal(), wfauth._acting_role(), action, target,
            coalesce(details, '{}'), coalesce(tenant, wfauth.current_tenant()))
$$;
-- How a principal is written in grantee notation.
CREATE OR REPLACE FUNCTION wfauth._label(principal bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN p.kind = 'group' AND p.id = t.everyone_id THEN 'everyone'
                WHEN p.kind = 'group' THEN 'group:' || p.name
                ELSE p.name END
      FROM wfauth.principals p JOIN wfauth.tenant_catalog t ON t.id = p.tenant_id
     WHERE p.id = principal
$$;
CREATE OR REPLACE FUNCTION wfauth._attach(account bigint, groups text[], roles text[], permissions text[])
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v text;
    v_group bigint;
BEGIN
    FOREACH v IN ARRAY coalesce(groups, '{}') LOOP
        v_group := wfauth._group(v, true);
        IF v_group <> wfauth._everyone() THEN     -- Everyone is implicit
            INSERT INTO wfauth.group_members (group_id, member_id) VALUES (v_group, account)
            ON CONFLICT DO NOTHING;
        END IF;
    END LOOP;
    FOREACH v IN ARRAY coalesce(roles, '{}') LOOP
        INSERT INTO wfauth.role_grants (principal_id, role_id) VALUES (account, wfauth._role(v))
        ON CONFLICT DO NOTHING;
    END LOOP;
    FOREACH v IN ARRAY coalesce(permissions, '{}') LOOP
        INSERT INTO wfauth.permission_grants (principal_id, permission)
        VALUES (account, wfauth._permission(v))
        ON CONFLICT DO NOTHING;
    END LOOP;
END
$$;
CREATE OR REPLACE FUNCTION wfauth._change_members(group_name text, identifiers text[], adding boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_group bigint;
    v_done text[] := '{}';
    v text;
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_group := wfauth._group(group_name, true);
    IF v_group = wfauth._everyone() THEN
        RAISE EXCEPTION 'membership of Everyone cannot change' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Every account belongs to Everyone, implicitly; no account can leave it.';
    END IF;
    FOREACH v IN ARRAY coalesce(identifiers, '{}') LOOP
        v_id := wfauth._account(v, true);
        IF adding THEN
            INSERT INTO wfauth.group_members (group_id, member_id) VALUES (v_group, v_id)
            ON CONFLICT DO NOTHING;
        ELSE
            DELETE FROM wfauth.group_members WHERE group_id = v_group AND member_id = v_id;
        END IF;
        IF FOUND THEN
            v_done := v_done || wfauth._label(v_id);
        END IF;
    END LOOP;
    IF cardinality(v_done) > 0 THEN
        PERFORM wfauth._audit(CASE WHEN adding THEN 'add_members' ELSE 'remove_members' END,
                              wfauth._label(v_group), jsonb_build_object('members', v_done));
    END IF;
END
$$;
CREATE OR REPLACE FUNCTION wfauth.set_new_object_access(preference text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_pref text := lower(btrim(preference));
BEGIN
    PERFORM wfauth._require_super_admin();
    IF v_pref IS NULL OR v_pref NOT IN ('everyone', 'creator') THEN
        RAISE EXCEPTION 'invalid new object access preference "%"', preference
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''everyone'' or ''creator''.';
    END IF;
    INSERT INTO wfauth.tenant_settings AS s (tenant_id, new_object_access)
    VALUES (wfauth.current_tenant(), v_pref)
    ON CONFLICT (tenant_id) DO UPDATE SET new_object_access = excluded.new_object_access
     WHERE s.new_object_access <> excluded.new_object_access;
    IF FOUND THEN
        PERFORM wfauth._audit('set_new_object_access', v_pref);
    END IF;
END
$$;
COMMENT ON FUNCTION wfauth.set_new_object_access(text) IS
    'Security preference for new objects: everyone (default) or creator; Super Admin or DBA only';
CREATE OR REPLACE FUNCTION wfauth.set_new_user_defaults(permissions text[], groups text[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_permission('accounts');
    DELETE FROM wfauth.new_user_permissions d WHERE d.tenant_id = wfauth.current_tenant();
    INSERT INTO wfauth.new_user_permissions (permission)
    SELECT DISTINCT wfauth._permission(p) FROM unnest(coalesce(permissions, '{}')) p;
    DELETE FROM wfauth.new_user_groups d
     USING wfauth.principals g WHERE g.id = d.group_id AND g.tenant_id = wfauth.current_tenant();
    INSERT INTO wfauth.new_user_groups (group_id)
    SELECT DISTINCT g FROM unnest(coalesce(groups, '{}')) n, wfauth._group(n, true) g
     WHERE g <> wfauth._everyone();
    PERFORM wfauth._audit('set_new_user_defaults', NULL,
        jsonb_build_object('permissions', coalesce(permissions, '{}'), 'groups', coalesce(groups, '{}')));
END
$$;
COMMENT ON FUNCTION wfauth.set_new_user_defaults(text[], text[]) IS
    'Permissions and groups every new user account gets (never service accounts); needs accounts';
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
    ), sources AS (
        SELECT me.id, NULL::text AS via FROM me
        UNION ALL
        SELECT g.id, 'group:' || p.name FROM groups g JOIN wfauth.principals p ON p.id = g.id
    )
    SELECT x.permission::text, x.via FROM (
        SELECT pg.permission, coalesce(s.via, 'direct') AS via
          FROM sources s JOIN wfauth.permission_grants pg ON pg.principal_id = s.id
        UNION ALL
        SELECT rp.permission, coalesce(s.via || '/', '') || 'role:' || r.name
          FROM sources s JOIN wfauth.role_grants rg ON rg.principal_id = s.id
          JOIN wfauth.roles r ON r.id = rg.role_id
          JOIN wfauth.role_permissions rp ON rp.role_id = r.id
        UNION ALL
        SELECT p.name, 'super admin' FROM wfauth.permissions p, me WHERE me.super_admin
    ) x
    ORDER BY 1, 2;
END
$$;
COMMENT ON FUNCTION wfauth.effective_permissions(bigint) IS
    'Each permission of a principal with its source: direct, role:R, group:G, group:G/role:R, super admin; own principal, or accounts';
CREATE OR REPLACE FUNCTION wfauth.end_session(session_token text) RETURNS void
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
CREATE OR REPLACE FUNCTION wfauth._holders(permission text) RETURNS SETOF bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.id FROM wfauth.principals a
     WHERE a.kind <> 'group' AND a.active AND a.tenant_id = wfauth.current_tenant()
       AND (a.super_admin OR EXISTS (
            SELECT 1
              FROM (SELECT a.id AS pid UNION ALL SELECT (SELECT wfauth._everyone())
                    UNION ALL SELECT m.group_id FROM wfauth.group_members m WHERE m.member_id = a.id) src
             WHERE EXISTS (SELECT 1 FROM wfauth.permission_grants g
                            WHERE g.principal_id = src.pid AND g.permission = _holders.permission)
                OR EXISTS (SELECT 1 FROM wfauth.role_grants rg
                             JOIN wfauth.role_permissions rp ON rp.role_id = rg.role_id
                            WHERE rg.principal_id = src.pid AND rp.permission = _holders.permission)))
$$;
-- The permission catalog and the kinds are shared by every tenant: a DBA or
-- a Super Admin of the default tenant changes them, no other tenant's.
CREATE FUNCTION wfauth._require_catalog_admin() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_super_admin();
    IF wfauth.current_tenant() <> 1 THEN
        RAISE EXCEPTION 'permission denied' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Permissions and kinds are shared by every tenant: only a DBA or a Super Admin of the default tenant adds them.';
    END IF;
END
$$;
CREATE OR REPLACE FUNCTION wfauth.register_permission(name text, description text, api_name text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_catalog_admin();
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid permission name "%"', name USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A permission name is lower case: a letter, then letters, digits and "_".';
    END IF;
    IF description IS NULL OR btrim(description) = '' THEN
        RAISE EXCEPTION 'a permission needs a description' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM wfauth.permissions p WHERE p.name = register_permission.name) THEN
        RAISE EXCEPTION 'permission "%" already exists', name USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO wfauth.permissions (name, api_name, description) VALUES (name, api_name, description);
    PERFORM wfauth._audit('register_permission', name, jsonb_build_object('api_name', api_name));
END
$$;
COMMENT ON FUNCTION wfauth.register_permission(text, text, text) IS
    'Add an application permission to the catalog, which every tenant shares (so only the default tenant''s Super Admins may); Super Admin or DBA only';
CREATE OR REPLACE FUNCTION wfauth.register_kind(kind text, permission text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_kind text := lower(btrim(kind));
BEGIN
    PERFORM wfauth._require_catalog_admin();
    IF v_kind IS NULL OR v_kind !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid kind name "%"', kind USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A kind name is lower case: a letter, then letters, digits and "_".';
    END IF;
    IF EXISTS (SELECT 1 FROM wfauth.kinds k WHERE k.name = v_kind) THEN
        RAISE EXCEPTION 'kind "%" already exists', v_kind USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO wfauth.kinds (name, permission) VALUES (v_kind, wfauth._permission(permission));
    PERFORM wfauth._audit('register_kind', v_kind, jsonb_build_object('permission', lower(btrim(permission))));
END
$$;
COMMENT ON FUNCTION wfauth.register_kind(text, text) IS
    'Add a kind of protected object, which every tenant shares (so only the default tenant''s Super Admins may), and the permission that modifying it needs; Super Admin or DBA only';
DROP FUNCTION wfauth.set_principal(text);
CREATE FUNCTION wfauth.set_principal(identifier text, tenant text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_dba('set the principal');
    PERFORM wfauth._set_principal(wfauth._account(identifier, false, wfauth._tenant(tenant)), NULL);
END
$$;
COMMENT ON FUNCTION wfauth.set_principal(text, text) IS
    'DBA only: act as the given account of a tenant (NULL: default) for the rest of the transaction (psql work, tests)';
CREATE FUNCTION wfauth._set_tenant(tenant bigint) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_set_tenant_internal' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._lock_tenant(tenant bigint, exclusive boolean) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_lock_tenant_sql' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

-- A tenant by name (NULL: the default one).
CREATE FUNCTION wfauth._tenant(name text) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    IF name IS NULL THEN
        RETURN 1;
    END IF;
    SELECT t.id INTO v_id FROM wfauth.tenant_catalog t
     WHERE t.name_key = lower(wfauth._clean_name(_tenant.name, 'tenant name'));
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'tenant "%" does not exist', name USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_id;
END
$$;

-- A tenant name as stored: clean, 1 to 128 characters, free regardless of case.
CREATE FUNCTION wfauth._free_tenant_name(name text, except_id bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text := wfauth._clean_name(name, 'tenant name');
BEGIN
    IF v_name IS NULL OR v_name = '' OR length(v_name) > 128 THEN
        RAISE EXCEPTION 'invalid tenant name "%"', name USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A tenant name has 1 to 128 characters.';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('wfauth tenant ' || lower(v_name), 0));
    IF EXISTS (SELECT 1 FROM wfauth.tenant_catalog t
                WHERE t.name_key = lower(v_name) AND t.id IS DISTINCT FROM except_id) THEN
        RAISE EXCEPTION 'tenant "%" already exists', v_name USING ERRCODE = 'unique_violation';
    END IF;
    RETURN v_name;
END
$$;

CREATE FUNCTION wfauth.create_tenant(name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text;
    v_id bigint;
    v_everyone bigint;
BEGIN
    PERFORM wfauth._require_dba('create a tenant');
    v_name := wfauth._free_tenant_name(name);
    v_everyone := nextval('wfauth.principal_id_seq');
    INSERT INTO wfauth.tenant_catalog (name, everyone_id) VALUES (v_name, v_everyone) RETURNING id INTO v_id;
    INSERT INTO wfauth.principals (id, kind, name, description, tenant_id)
    VALUES (v_everyone, 'group', 'Everyone', 'Every account belongs to this group, implicitly', v_id);
    PERFORM wfauth._audit('create_tenant', v_name, jsonb_build_object('id', v_id, 'everyone', v_everyone));
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION wfauth.create_tenant(text) IS
    'Create a tenant (a customer with its own accounts, groups, roles and settings, and its own Everyone); DBA only';

CREATE FUNCTION wfauth.rename_tenant(name text, new_name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_new text;
BEGIN
    PERFORM wfauth._require_dba('rename a tenant');
    v_id := wfauth._tenant(name);
    IF name IS NULL OR v_id = 1 THEN
        RAISE EXCEPTION 'the built-in tenant "default" cannot be renamed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    v_new := wfauth._free_tenant_name(new_name, v_id);
    UPDATE wfauth.tenant_catalog t SET name = v_new WHERE t.id = v_id;
    PERFORM wfauth._audit('rename_tenant', btrim(name), jsonb_build_object('id', v_id, 'new_name', v_new));
END
$$;
COMMENT ON FUNCTION wfauth.rename_tenant(text, text) IS 'Rename a tenant (never "default"); DBA only';

CREATE FUNCTION wfauth.delete_tenant(name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_rows bigint;
BEGIN
    PERFORM wfauth._require_dba('delete a tenant');
    v_id := wfauth._tenant(name);
    IF name IS NULL OR v_id = 1 THEN
        RAISE EXCEPTION 'the built-in tenant "default" cannot be deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF v_id = wfauth.current_tenant() THEN
        RAISE EXCEPTION 'tenant "%" is the acting tenant', name USING ERRCODE = 'object_in_use',
            HINT = 'Delete it with no principal set, acting in another tenant.';
    END IF;
    -- waits for every transaction acting in the tenant, and keeps new ones
    -- out until this one ends; then counts its objects as last committed
    PERFORM wfauth._lock_tenant(v_id, true);
    SELECT coalesce(sum(wfauth._tenant_rows(p.tbl, v_id)), 0) INTO v_rows FROM wfauth.protected_tables p;
    IF v_rows > 0 THEN
        RAISE EXCEPTION 'tenant "%" still has % protected objects', name, v_rows
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Delete them first (as a DBA: DELETE ... WHERE wfauth.acl_tenant(acl) = ' || v_id || ').';
    END IF;
    DELETE FROM wfauth.tenant_catalog t WHERE t.id = v_id;     -- and, by cascade, its whole model
    PERFORM wfauth._audit('delete_tenant', btrim(name), jsonb_build_object('id', v_id));
END
$$;
COMMENT ON FUNCTION wfauth.delete_tenant(text) IS
    'Delete a tenant with its whole model (accounts, groups, roles, credentials, audit); refused while it has protected objects; DBA only';

CREATE FUNCTION wfauth.set_tenant(name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_dba('choose the tenant');
    PERFORM wfauth._set_tenant(wfauth._tenant(name));
    -- deleted while this call waited for its lock?
    PERFORM wfauth._tenant(name);
END
$$;
COMMENT ON FUNCTION wfauth.set_tenant(text) IS
    'DBA only, with no principal: manage the given tenant (NULL: default) for the rest of the transaction';

CREATE FUNCTION wfauth.acl_tenant(wfauth.acl) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_acl_tenant_sql' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.acl_tenant(wfauth.acl) IS 'The tenant the object belongs to (1: default)';
CREATE FUNCTION wfauth._tenant_rows(tbl regclass, tenant bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_tenant_rows' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
-- The acl values a table holds before protect(): a DBA's checked and
-- imported, anyone else's refused; a heap scan that runs none of the owner's code.
CREATE FUNCTION wfauth._adopt_acls(tbl regclass, kind smallint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_adopt_acls' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION wfauth._adopt_acls(regclass, smallint) FROM PUBLIC;
-- (in the object's tenant's audit log, whoever changed it)
CREATE OR REPLACE FUNCTION wfauth._audit_acl_change(tbl oid, old_acl text, new_acl text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._audit('change_acl', tbl::regclass::text, jsonb_build_object('from', old_acl, 'to', new_acl),
                         wfauth.acl_tenant(new_acl::wfauth.acl))
$$;
CREATE OR REPLACE VIEW wfauth.token_list WITH (security_barrier) AS
SELECT t.account_id, p.name AS account, t.name, t.display_prefix || '…' AS token,
       t.created_at, t.last_used_at, t.expires_at, t.revoked_at,
       t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AS live
  FROM wfauth.tokens t JOIN wfauth.principals p ON p.id = t.account_id
 WHERE p.tenant_id = wfauth.current_tenant()
   AND (t.account_id = wfauth.current_principal()
        OR wfauth.has_permission(wfauth.current_principal(), 'accounts')
        OR wfauth.acting_as_dba());
COMMENT ON VIEW wfauth.token_list IS
    'API tokens without their secrets: one''s own, or everyone''s of the tenant with accounts (or as a DBA)';
-- 1.1's table of the security preference, as a view of the acting tenant's
-- (tenant_settings holds every tenant's); like the table, not for PUBLIC.
CREATE VIEW wfauth.settings AS
SELECT true AS singleton, s.new_object_access
  FROM wfauth.tenant_settings s
 WHERE s.tenant_id = wfauth.current_tenant();
COMMENT ON VIEW wfauth.settings IS
    'The acting tenant''s security preference (none: the default, everyone); 1.1''s table, kept as a view';
COMMENT ON COLUMN wfauth.settings.singleton IS 'Always true (1.1 kept one row)';
COMMENT ON COLUMN wfauth.settings.new_object_access IS 'everyone or creator';

CREATE VIEW wfauth.tenants WITH (security_barrier) AS
SELECT t.id, t.name, t.created_at, t.everyone_id,
       (SELECT count(*) FROM wfauth.principals a WHERE a.tenant_id = t.id AND a.kind <> 'group') AS account_count
  FROM wfauth.tenant_catalog t
 WHERE (SELECT wfauth.acting_as_dba())
    OR (SELECT wfauth.current_principal()) IS NOT NULL AND t.id = (SELECT wfauth.current_tenant());
COMMENT ON VIEW wfauth.tenants IS
    'Tenants: all for a DBA, else the acting principal''s own';
COMMENT ON COLUMN wfauth.tenants.id IS 'The tenant''s id (1: the built-in default tenant)';
COMMENT ON COLUMN wfauth.tenants.name IS 'The name login() and set_principal() take, unique regardless of case';
COMMENT ON COLUMN wfauth.tenants.created_at IS 'When the tenant was created';
COMMENT ON COLUMN wfauth.tenants.everyone_id IS 'The principal id of its built-in group Everyone';
COMMENT ON COLUMN wfauth.tenants.account_count IS 'Its user and service accounts';

GRANT SELECT ON wfauth.tenants TO PUBLIC;
REVOKE ALL ON FUNCTION wfauth._account(text, boolean, bigint), wfauth._audit(text, text, jsonb, bigint),
    wfauth._require_catalog_admin(), wfauth._set_tenant(bigint), wfauth._lock_tenant(bigint, boolean),
    wfauth._tenant(text), wfauth._free_tenant_name(text, bigint), wfauth._tenant_rows(regclass, bigint)
    FROM PUBLIC;

-------------------------------------------------------------------------------
-- Last: \df wfauth.* shows the API first.
-------------------------------------------------------------------------------
SELECT wfauth._comment_internal_functions();
