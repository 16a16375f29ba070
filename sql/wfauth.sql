-- wfauth install script (edit this file; the Makefile builds wfauth--<version>.sql)
\echo Use "CREATE EXTENSION wfauth" to load this file. \quit

-------------------------------------------------------------------------------
-- Name rules (src/accounts.c): one way to write one name (NFKC, trimmed, no
-- invisible characters), and the confusable skeleton that the tables below
-- keep of each name.
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth._clean_name(name text, what text) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_clean_name_sql' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._skeleton(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_skeleton_sql' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

-------------------------------------------------------------------------------
-- Tables.  None is writable (or readable) by PUBLIC: applications go through
-- the functions below, which check the acting principal themselves.
-------------------------------------------------------------------------------

-- Accounts and groups share one id space, as PostgreSQL's roles do, so an
-- access-list entry is just an id.  Ids below 100 are reserved (Everyone = 1).
CREATE SEQUENCE wfauth.principal_id_seq START WITH 100;

CREATE TABLE wfauth.principals (
    id          bigint PRIMARY KEY DEFAULT pg_catalog.nextval('wfauth.principal_id_seq'),
    kind        text NOT NULL CHECK (kind IN ('user', 'service', 'group')),
    name        text NOT NULL,
    name_key    text COLLATE "C" NOT NULL GENERATED ALWAYS AS (pg_catalog.lower(name)) STORED,
    description text,
    active      boolean NOT NULL DEFAULT true,
    super_admin boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    skeleton    text COLLATE "C" GENERATED ALWAYS AS (wfauth._skeleton(name)) STORED,
    CONSTRAINT principals_super_admin_is_user CHECK (kind = 'user' OR NOT super_admin),
    CONSTRAINT principals_group_is_active CHECK (kind <> 'group' OR active)
);
ALTER SEQUENCE wfauth.principal_id_seq OWNED BY wfauth.principals.id;
CREATE UNIQUE INDEX principals_name_key ON wfauth.principals ((kind = 'group'), name_key);
CREATE INDEX principals_skeleton_idx ON wfauth.principals ((kind = 'group'), skeleton);
-- accounts by identifier (_account, account_list), which the index above cannot serve
CREATE INDEX principals_account_idx ON wfauth.principals (name_key) WHERE kind <> 'group';
COMMENT ON TABLE wfauth.principals IS
    'Accounts (user, service) and groups; identifiers are normalised by a trigger';

INSERT INTO wfauth.principals (id, kind, name, description)
VALUES (1, 'group', 'Everyone', 'Every account belongs to this group, implicitly');

CREATE TABLE wfauth.group_members (
    group_id  bigint NOT NULL REFERENCES wfauth.principals ON DELETE CASCADE,
    member_id bigint NOT NULL REFERENCES wfauth.principals ON DELETE CASCADE,
    added_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT group_members_pkey PRIMARY KEY (group_id, member_id),
    CONSTRAINT group_members_everyone_is_implicit CHECK (group_id <> 1)
);
CREATE INDEX group_members_member_idx ON wfauth.group_members (member_id);
COMMENT ON TABLE wfauth.group_members IS
    'Explicit group membership; Everyone''s is implicit and never stored';

CREATE TABLE wfauth.permissions (
    name        text COLLATE "C" PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    api_name    text UNIQUE,
    description text NOT NULL,
    builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE wfauth.permissions IS
    'The catalog of global permissions; api_name is the product''s REST identifier';

INSERT INTO wfauth.permissions (name, api_name, description, builtin) VALUES
  ('accounts', 'user_management', 'manage user and service accounts, groups, roles, and every account''s tokens', true),
  ('api_tokens', 'token_management', 'generate API tokens for one''s own user account (not for service accounts)', true),
  ('alerts', 'alerts_management', 'create, edit and delete alerts (with modify access to each)', true),
  ('applications', 'application_management', 'application settings such as thresholds and sampling policies', true),
  ('batch_query_priority', 'batch_query_priority', 'the account''s queries run at batch (best-effort) priority', true),
  ('chart_embedding', 'embedded_charts', 'embed charts outside the product', true),
  ('dashboards', 'dashboard_management', 'create, edit and delete dashboards (with modify access to each)', true),
  ('derived_metrics', 'derived_metrics_management', 'manage derived metrics', true),
  ('direct_data_ingestion', 'ingestion', 'send data directly, without a proxy', true),
  ('events', 'events_management', 'create and close events', true),
  ('external_links', 'external_links_management', 'manage external links', true),
  ('ingestion_policies', NULL, 'manage ingestion policies', true),
  ('integrations', 'monitored_application_service_management', 'install and remove integrations', true),
  ('logs', 'log_management', 'use the logs browser', true),
  ('metrics', 'metrics_management', 'hide and unhide metrics, manage metric security rules; service accounts need it to query', true),
  ('proxies', 'agent_management', 'manage proxies and cloud integrations', true),
  ('saml_idp_admin', 'saml_sso_management', 'set up single sign-on', true),
  ('source_tags', 'host_tag_management', 'manage sources and source tags', true);

CREATE TABLE wfauth.permission_grants (
    principal_id bigint NOT NULL REFERENCES wfauth.principals ON DELETE CASCADE,
    permission   text COLLATE "C" NOT NULL
                 REFERENCES wfauth.permissions ON UPDATE CASCADE ON DELETE CASCADE,
    granted_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT permission_grants_pkey PRIMARY KEY (principal_id, permission)
);
CREATE INDEX permission_grants_permission_idx ON wfauth.permission_grants (permission);
COMMENT ON TABLE wfauth.permission_grants IS 'Permissions granted directly to accounts and groups';

CREATE TABLE wfauth.roles (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (name = pg_catalog.btrim(name) AND name <> ''
                                     AND pg_catalog.length(name) <= 128),
    name_key    text COLLATE "C" NOT NULL GENERATED ALWAYS AS (pg_catalog.lower(name)) STORED UNIQUE,
    description text,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    skeleton    text COLLATE "C" GENERATED ALWAYS AS (wfauth._skeleton(name)) STORED
);
CREATE INDEX roles_skeleton_idx ON wfauth.roles (skeleton);
COMMENT ON TABLE wfauth.roles IS 'Named sets of permissions, granted to accounts and groups';

CREATE TABLE wfauth.role_permissions (
    role_id    bigint NOT NULL REFERENCES wfauth.roles ON DELETE CASCADE,
    permission text COLLATE "C" NOT NULL
               REFERENCES wfauth.permissions ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT role_permissions_pkey PRIMARY KEY (role_id, permission)
);
COMMENT ON TABLE wfauth.role_permissions IS 'The permissions of each role';

CREATE TABLE wfauth.role_grants (
    principal_id bigint NOT NULL REFERENCES wfauth.principals ON DELETE CASCADE,
    role_id      bigint NOT NULL REFERENCES wfauth.roles ON DELETE CASCADE,
    granted_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT role_grants_pkey PRIMARY KEY (principal_id, role_id)
);
CREATE INDEX role_grants_role_idx ON wfauth.role_grants (role_id);
COMMENT ON TABLE wfauth.role_grants IS 'Roles granted to accounts and groups';

CREATE TABLE wfauth.settings (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    new_object_access text NOT NULL DEFAULT 'everyone'
                      CHECK (new_object_access IN ('everyone', 'creator'))
);
COMMENT ON TABLE wfauth.settings IS
    'Security preferences: at most one row; none means the defaults (new_object_access = everyone)';

CREATE TABLE wfauth.new_user_permissions (
    permission text COLLATE "C" PRIMARY KEY
               REFERENCES wfauth.permissions ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE wfauth.new_user_permissions IS 'Permissions given to each new user account';

CREATE TABLE wfauth.new_user_groups (
    group_id bigint PRIMARY KEY REFERENCES wfauth.principals ON DELETE CASCADE
             CHECK (group_id <> 1)
);
COMMENT ON TABLE wfauth.new_user_groups IS 'Groups each new user account joins';

CREATE TABLE wfauth.passwords (
    account_id      bigint PRIMARY KEY REFERENCES wfauth.principals ON DELETE CASCADE,
    hash            text NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    failed_attempts integer NOT NULL DEFAULT 0,
    last_failed_at  timestamptz
);
COMMENT ON TABLE wfauth.passwords IS
    'argon2id hashes (PHC strings) of user passwords, and consecutive failed logins';

-- Secrets are stored only as SHA-256 digests.
CREATE TABLE wfauth.tokens (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES wfauth.principals ON DELETE CASCADE,
    name           text NOT NULL CHECK (name = pg_catalog.btrim(name) AND name <> ''
                                        AND pg_catalog.length(name) <= 128),
    digest         bytea NOT NULL UNIQUE CHECK (pg_catalog.length(digest) = 32),
    display_prefix text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by     bigint,
    last_used_at   timestamptz,
    expires_at     timestamptz,
    revoked_at     timestamptz
);
CREATE UNIQUE INDEX tokens_live_name ON wfauth.tokens (account_id, pg_catalog.lower(name))
    WHERE revoked_at IS NULL;
COMMENT ON TABLE wfauth.tokens IS 'API tokens: digests only; see the view wfauth.token_list';

CREATE TABLE wfauth.sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES wfauth.principals ON DELETE CASCADE,
    digest       bytea NOT NULL UNIQUE CHECK (pg_catalog.length(digest) = 32),
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_seen_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    ended_why    text
);
CREATE INDEX sessions_account_idx ON wfauth.sessions (account_id) WHERE ended_at IS NULL;
COMMENT ON TABLE wfauth.sessions IS 'Login sessions: digests only';

CREATE TABLE wfauth.activations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES wfauth.principals ON DELETE CASCADE,
    digest     bytea NOT NULL UNIQUE CHECK (pg_catalog.length(digest) = 32),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
COMMENT ON TABLE wfauth.activations IS 'Single-use invitation tokens (digests only), valid 24 hours';

CREATE TABLE wfauth.audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    principal_id bigint,
    db_role      text NOT NULL,
    action       text NOT NULL,
    target       text,
    details      jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE wfauth.audit_log IS
    'Every change made through wfauth''s functions: when, who (principal or database role), what';

-------------------------------------------------------------------------------
-- Internal C functions (not for PUBLIC)
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth._set_principal(principal bigint, session bigint DEFAULT NULL) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_set_principal_internal' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._current_session() RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_current_session' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._require_dba(action text) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_require_dba' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._require_permission(permission text) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_require_permission' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._require_super_admin() RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_require_super_admin' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._require_actor() RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_require_actor_sql' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._actor_has_permission(permission text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_actor_has_permission' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._acting_role() RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_acting_role' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._account_key(identifier text) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_account_key' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._hash_password(password text, check_length boolean DEFAULT true) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_hash_password' LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
CREATE FUNCTION wfauth._token_new(prefix text) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_token_new' LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
CREATE FUNCTION wfauth._token_digest(token text, prefix text, kind text) RETURNS bytea
    AS 'MODULE_PATHNAME', 'wfauth_token_digest' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._token_display(token text) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_token_display' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._setting(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_setting' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._auth_failed(kind text) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_auth_failed_sql' LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
CREATE FUNCTION wfauth._arm_failed_login(account bigint) RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_arm_failed_login' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._password_state(account bigint,
    OUT active boolean, OUT hash text, OUT failed_attempts integer, OUT last_failed_at timestamptz)
    AS 'MODULE_PATHNAME', 'wfauth_password_state' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._activation(activation_token text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_activation' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION wfauth._verify_password(hash text, password text) RETURNS integer
    AS 'MODULE_PATHNAME', 'wfauth_verify_password' LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE FUNCTION wfauth._principals_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_principals_guard' LANGUAGE C;
CREATE FUNCTION wfauth._check_kinds() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_check_kinds' LANGUAGE C;
CREATE FUNCTION wfauth._model_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_model_changed' LANGUAGE C;

-------------------------------------------------------------------------------
-- Triggers: invariants hold under direct DML by a DBA too
-------------------------------------------------------------------------------

CREATE TRIGGER principals_guard BEFORE INSERT OR UPDATE OR DELETE ON wfauth.principals
    FOR EACH ROW EXECUTE FUNCTION wfauth._principals_guard();
CREATE TRIGGER group_members_kinds BEFORE INSERT OR UPDATE ON wfauth.group_members
    FOR EACH ROW EXECUTE FUNCTION wfauth._check_kinds('group_id', 'g', 'member_id', 'us');
CREATE TRIGGER new_user_groups_kinds BEFORE INSERT OR UPDATE ON wfauth.new_user_groups
    FOR EACH ROW EXECUTE FUNCTION wfauth._check_kinds('group_id', 'g');
CREATE TRIGGER passwords_kinds BEFORE INSERT OR UPDATE ON wfauth.passwords
    FOR EACH ROW EXECUTE FUNCTION wfauth._check_kinds('account_id', 'u');
CREATE TRIGGER tokens_kinds BEFORE INSERT OR UPDATE ON wfauth.tokens
    FOR EACH ROW EXECUTE FUNCTION wfauth._check_kinds('account_id', 'us');
CREATE TRIGGER sessions_kinds BEFORE INSERT OR UPDATE ON wfauth.sessions
    FOR EACH ROW EXECUTE FUNCTION wfauth._check_kinds('account_id', 'u');
CREATE TRIGGER activations_kinds BEFORE INSERT OR UPDATE ON wfauth.activations
    FOR EACH ROW EXECUTE FUNCTION wfauth._check_kinds('account_id', 'u');

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['principals', 'group_members', 'permissions', 'permission_grants',
                             'roles', 'role_permissions', 'role_grants', 'settings']
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wfauth.%I'
            ' FOR EACH STATEMENT EXECUTE FUNCTION wfauth._model_changed()',
            t || '_changed', t);
    END LOOP;
END
$$;

-------------------------------------------------------------------------------
-- Internal SQL helpers: name resolution and the audit trail
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth._account(identifier text, lock boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text := wfauth._account_key(identifier);
    v_id bigint;
BEGIN
    IF identifier IS NULL THEN
        RAISE EXCEPTION 'account identifier must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF lock THEN
        SELECT id INTO v_id FROM wfauth.principals
         WHERE kind <> 'group' AND name_key = v_key FOR KEY SHARE;
    ELSE
        SELECT id INTO v_id FROM wfauth.principals
         WHERE kind <> 'group' AND name_key = v_key;
    END IF;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'account "%" does not exist', identifier USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_id;
END
$$;

-- A group by name, written NAME or group:NAME.
CREATE FUNCTION wfauth._group(name text, lock boolean DEFAULT false) RETURNS bigint
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
         WHERE kind = 'group' AND name_key = lower(v_name) FOR KEY SHARE;
    ELSE
        SELECT id INTO v_id FROM wfauth.principals
         WHERE kind = 'group' AND name_key = lower(v_name);
    END IF;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'group "%" does not exist', v_name USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_id;
END
$$;

-- everyone | group:NAME | account identifier
CREATE FUNCTION wfauth._grantee(grantee text, lock boolean DEFAULT true) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF grantee IS NULL THEN
        RAISE EXCEPTION 'grantee must not be null' USING ERRCODE = 'invalid_parameter_value';
    ELSIF lower(btrim(grantee)) = 'everyone' THEN
        RETURN 1;
    ELSIF lower(btrim(grantee)) LIKE 'group:%' THEN
        RETURN wfauth._group(grantee, lock);
    END IF;
    RETURN wfauth._account(grantee, lock);
END
$$;

CREATE FUNCTION wfauth._role(name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    SELECT r.id INTO v_id FROM wfauth.roles r
     WHERE r.name_key = lower(wfauth._clean_name(_role.name, 'role name')) FOR KEY SHARE;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'role "%" does not exist', name USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_id;
END
$$;

CREATE FUNCTION wfauth._permission(name text) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text;
BEGIN
    SELECT p.name INTO v_name FROM wfauth.permissions p
     WHERE p.name = lower(btrim(_permission.name)) FOR KEY SHARE;
    IF v_name IS NULL THEN
        RAISE EXCEPTION 'permission "%" does not exist', name USING ERRCODE = 'no_data_found',
            HINT = 'The catalog is the table wfauth.permissions.';
    END IF;
    RETURN v_name;
END
$$;

-- Refuse a name that looks like another's (same confusable skeleton) in its
-- space: 'account', 'group' or 'role'; except_id is the one being renamed.
-- Creations of look-alike names wait for each other (advisory lock on the
-- skeleton), so two of them cannot both pass.
CREATE FUNCTION wfauth._refuse_confusable(space text, name text, except_id bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_skeleton text := wfauth._skeleton(name);
    v_other text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('wfauth ' || space || ' ' || v_skeleton, 0));
    IF space = 'role' THEN
        SELECT r.name INTO v_other FROM wfauth.roles r
         WHERE r.skeleton = v_skeleton AND r.id IS DISTINCT FROM except_id LIMIT 1;
    ELSE
        SELECT p.name INTO v_other FROM wfauth.principals p
         WHERE (p.kind = 'group') = (space = 'group') AND p.skeleton = v_skeleton
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

-- How a principal is written in grantee notation.
CREATE FUNCTION wfauth._label(principal bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN id = 1 THEN 'everyone'
                WHEN kind = 'group' THEN 'group:' || name
                ELSE name END
      FROM wfauth.principals WHERE id = principal
$$;

CREATE FUNCTION wfauth._audit(action text, target text, details jsonb DEFAULT '{}') RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO wfauth.audit_log (principal_id, db_role, action, target, details)
    VALUES (wfauth.current_principal(), wfauth._acting_role(), action, target,
            coalesce(details, '{}'))
$$;

-- A Super Admin's account may be changed only by a Super Admin (or a DBA).
CREATE FUNCTION wfauth._protect_super_admin(account bigint) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM wfauth.principals WHERE id = account AND super_admin) THEN
        PERFORM wfauth._require_super_admin();
    END IF;
END
$$;

-- Give an account groups, roles and permissions (by name), skipping ones it has.
CREATE FUNCTION wfauth._attach(account bigint, groups text[], roles text[], permissions text[])
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v text;
    v_group bigint;
BEGIN
    FOREACH v IN ARRAY coalesce(groups, '{}') LOOP
        v_group := wfauth._group(v, true);
        IF v_group <> 1 THEN     -- Everyone is implicit
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

CREATE FUNCTION wfauth._create_account(kind text, name text, description text, password text,
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
    IF EXISTS (SELECT 1 FROM wfauth.principals p WHERE p.kind <> 'group' AND p.name_key = v_name) THEN
        RAISE EXCEPTION 'account "%" already exists', v_name USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM wfauth._refuse_confusable('account', v_name);
    INSERT INTO wfauth.principals (kind, name, description)
    VALUES (kind, v_name, description) RETURNING id INTO v_id;
    IF password IS NOT NULL THEN
        INSERT INTO wfauth.passwords (account_id, hash) VALUES (v_id, wfauth._hash_password(password));
    END IF;
    IF kind = 'user' THEN       -- the new-user defaults; never for service accounts
        INSERT INTO wfauth.permission_grants (principal_id, permission)
        SELECT v_id, d.permission FROM wfauth.new_user_permissions d;
        INSERT INTO wfauth.group_members (group_id, member_id)
        SELECT d.group_id, v_id FROM wfauth.new_user_groups d;
    END IF;
    PERFORM wfauth._attach(v_id, groups, roles, permissions);
    PERFORM wfauth._audit(CASE kind WHEN 'user' THEN 'create_user' ELSE 'create_service_account' END, v_name,
        jsonb_build_object('id', v_id, 'groups', coalesce(groups, '{}'), 'roles', coalesce(roles, '{}'),
                           'permissions', coalesce(permissions, '{}'), 'password', password IS NOT NULL));
    RETURN v_id;
END
$$;

-------------------------------------------------------------------------------
-- Principal context
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth.current_principal() RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_current_principal' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.current_principal() IS
    'The acting principal of this transaction, or NULL when nobody is authenticated';

CREATE FUNCTION wfauth.reset_principal() RETURNS void
    AS 'MODULE_PATHNAME', 'wfauth_reset_principal' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION wfauth.reset_principal() IS
    'DBA only: clear the acting principal for the rest of the transaction';

CREATE FUNCTION wfauth.acting_as_dba() RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_acting_as_dba' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.acting_as_dba() IS
    'True when nobody is authenticated and the session role is a DBA (such a DBA has Super Admin rights)';

CREATE FUNCTION wfauth.set_principal(identifier text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_dba('set the principal');
    PERFORM wfauth._set_principal(wfauth._account(identifier), NULL);
END
$$;
COMMENT ON FUNCTION wfauth.set_principal(text) IS
    'DBA only: act as the given account for the rest of the transaction (psql work, tests)';

-------------------------------------------------------------------------------
-- Accounts
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth.create_user(email text, password text DEFAULT NULL,
                                   groups text[] DEFAULT '{}', roles text[] DEFAULT '{}',
                                   permissions text[] DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_permission('accounts');
    RETURN wfauth._create_account('user', email, NULL, password, groups, roles, permissions);
END
$$;
COMMENT ON FUNCTION wfauth.create_user(text, text, text[], text[], text[]) IS
    'Create a user account (e-mail stored lower-cased) with the new-user defaults; needs accounts';

CREATE FUNCTION wfauth.create_service_account(name text, description text DEFAULT NULL,
                                              groups text[] DEFAULT '{}', roles text[] DEFAULT '{}',
                                              permissions text[] DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_permission('accounts');
    RETURN wfauth._create_account('service', name, description, NULL, groups, roles, permissions);
END
$$;
COMMENT ON FUNCTION wfauth.create_service_account(text, text, text[], text[], text[]) IS
    'Create a service account sa::NAME (tokens only, no new-user defaults); needs accounts';

CREATE FUNCTION wfauth.set_active(identifier text, active boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    IF active IS NULL THEN
        RAISE EXCEPTION 'active must be true or false' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_id := wfauth._account(identifier);
    PERFORM wfauth._protect_super_admin(v_id);
    UPDATE wfauth.principals p SET active = set_active.active
     WHERE p.id = v_id AND p.active IS DISTINCT FROM set_active.active;
    IF FOUND THEN
        IF NOT active THEN
            UPDATE wfauth.sessions SET ended_at = now(), ended_why = 'deactivated'
             WHERE account_id = v_id AND ended_at IS NULL;
        END IF;
        PERFORM wfauth._audit(CASE WHEN active THEN 'activate' ELSE 'deactivate' END,
                              wfauth._label(v_id), jsonb_build_object('id', v_id));
    END IF;
END
$$;
COMMENT ON FUNCTION wfauth.set_active(text, boolean) IS
    'Deactivate or re-activate an account; an inactive account authenticates with nothing; needs accounts';

CREATE FUNCTION wfauth.delete_account(identifier text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_label text;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_id := wfauth._account(identifier);
    PERFORM wfauth._protect_super_admin(v_id);
    v_label := wfauth._label(v_id);
    DELETE FROM wfauth.principals WHERE id = v_id;
    PERFORM wfauth._notice_orphans(v_id, v_label);
    PERFORM wfauth._audit('delete_account', v_label, jsonb_build_object('id', v_id));
END
$$;
COMMENT ON FUNCTION wfauth.delete_account(text) IS
    'Delete one account with its memberships, grants and credentials; needs accounts';

CREATE FUNCTION wfauth.grant_super_admin(identifier text) RETURNS void
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
        PERFORM wfauth._audit('grant_super_admin', wfauth._label(v_id), jsonb_build_object('id', v_id));
    END IF;
END
$$;
COMMENT ON FUNCTION wfauth.grant_super_admin(text) IS 'Make a user a Super Admin; Super Admin or DBA only';

CREATE FUNCTION wfauth.revoke_super_admin(identifier text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM wfauth._require_super_admin();
    v_id := wfauth._account(identifier);
    UPDATE wfauth.principals SET super_admin = false WHERE id = v_id AND super_admin;
    IF FOUND THEN
        PERFORM wfauth._audit('revoke_super_admin', wfauth._label(v_id), jsonb_build_object('id', v_id));
    END IF;
END
$$;
COMMENT ON FUNCTION wfauth.revoke_super_admin(text) IS
    'Take Super Admin from a user (never from the last active one); Super Admin or DBA only';

-------------------------------------------------------------------------------
-- Groups
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth.create_group(name text, description text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    IF name IS NULL THEN
        RAISE EXCEPTION 'a group needs a name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM wfauth.principals p
                WHERE p.kind = 'group' AND p.name_key = lower(wfauth._clean_name(create_group.name, 'group name'))) THEN
        RAISE EXCEPTION 'group "%" already exists', wfauth._clean_name(name, 'group name')
            USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM wfauth._refuse_confusable('group', wfauth._clean_name(name, 'group name'));
    INSERT INTO wfauth.principals (kind, name, description)
    VALUES ('group', name, description) RETURNING id INTO v_id;
    PERFORM wfauth._audit('create_group', wfauth._label(v_id), jsonb_build_object('id', v_id));
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION wfauth.create_group(text, text) IS
    'Create a group (name unique regardless of case); needs accounts';

CREATE FUNCTION wfauth.delete_group(name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_label text;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_id := wfauth._group(name);
    v_label := wfauth._label(v_id);
    DELETE FROM wfauth.principals WHERE id = v_id;
    PERFORM wfauth._notice_orphans(v_id, v_label);
    PERFORM wfauth._audit('delete_group', v_label, jsonb_build_object('id', v_id));
END
$$;
COMMENT ON FUNCTION wfauth.delete_group(text) IS
    'Delete a group with its memberships and grants (never Everyone); needs accounts';

CREATE FUNCTION wfauth._change_members(group_name text, identifiers text[], adding boolean)
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
    IF v_group = 1 THEN
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

CREATE FUNCTION wfauth.add_members(group_name text, identifiers text[]) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_members(group_name, identifiers, true)
$$;
COMMENT ON FUNCTION wfauth.add_members(text, text[]) IS
    'Add accounts to a group (already-members are skipped); needs accounts';

CREATE FUNCTION wfauth.remove_members(group_name text, identifiers text[]) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_members(group_name, identifiers, false)
$$;
COMMENT ON FUNCTION wfauth.remove_members(text, text[]) IS
    'Remove accounts from a group (non-members are skipped; nobody leaves Everyone); needs accounts';

-------------------------------------------------------------------------------
-- Roles and permissions
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth.create_role(name text, permissions text[], description text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text;
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_name := wfauth._clean_name(name, 'role name');
    IF v_name IS NULL OR v_name = '' OR length(v_name) > 128 THEN
        RAISE EXCEPTION 'invalid role name "%"', name USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A role name has 1 to 128 characters.';
    END IF;
    IF EXISTS (SELECT 1 FROM wfauth.roles r WHERE r.name_key = lower(v_name)) THEN
        RAISE EXCEPTION 'role "%" already exists', v_name USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM wfauth._refuse_confusable('role', v_name);
    INSERT INTO wfauth.roles (name, description) VALUES (v_name, description) RETURNING id INTO v_id;
    INSERT INTO wfauth.role_permissions (role_id, permission)
    SELECT DISTINCT v_id, wfauth._permission(p) FROM unnest(coalesce(permissions, '{}')) p;
    PERFORM wfauth._audit('create_role', v_name,
                          jsonb_build_object('id', v_id, 'permissions', coalesce(permissions, '{}')));
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION wfauth.create_role(text, text[], text) IS
    'Create a role: a named set of permissions; needs accounts';

CREATE FUNCTION wfauth.delete_role(name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM wfauth._require_permission('accounts');
    v_id := wfauth._role(name);
    DELETE FROM wfauth.roles WHERE id = v_id;
    PERFORM wfauth._audit('delete_role', btrim(name), jsonb_build_object('id', v_id));
END
$$;
COMMENT ON FUNCTION wfauth.delete_role(text) IS 'Delete a role and every grant of it; needs accounts';

-- Grant or revoke one role or permission to/from each grantee.
CREATE FUNCTION wfauth._change_grants(what text, name text, grantees text[], granting boolean)
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
    IF what = 'role' THEN
        v_role := wfauth._role(name);
    ELSE
        v_permission := wfauth._permission(name);
    END IF;
    FOREACH v IN ARRAY coalesce(grantees, '{}') LOOP
        v_id := wfauth._grantee(v);
        IF what = 'role' AND granting THEN
            INSERT INTO wfauth.role_grants (principal_id, role_id) VALUES (v_id, v_role)
            ON CONFLICT DO NOTHING;
        ELSIF what = 'role' THEN
            DELETE FROM wfauth.role_grants WHERE principal_id = v_id AND role_id = v_role;
        ELSIF granting THEN
            INSERT INTO wfauth.permission_grants (principal_id, permission) VALUES (v_id, v_permission)
            ON CONFLICT DO NOTHING;
        ELSE
            DELETE FROM wfauth.permission_grants WHERE principal_id = v_id AND permission = v_permission;
        END IF;
        IF FOUND THEN
            v_done := v_done || wfauth._label(v_id);
        END IF;
    END LOOP;
    IF cardinality(v_done) > 0 THEN
        PERFORM wfauth._audit(CASE WHEN granting THEN 'grant_' ELSE 'revoke_' END || what,
                              coalesce(v_permission, btrim(name)), jsonb_build_object('grantees', v_done));
    END IF;
END
$$;

CREATE FUNCTION wfauth.grant_role(role text, grantees text[]) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_grants('role', role, grantees, true)
$$;
COMMENT ON FUNCTION wfauth.grant_role(text, text[]) IS
    'Grant a role to accounts and groups (grantee notation); needs accounts';

CREATE FUNCTION wfauth.revoke_role(role text, grantees text[]) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_grants('role', role, grantees, false)
$$;
COMMENT ON FUNCTION wfauth.revoke_role(text, text[]) IS
    'Revoke a role from accounts and groups; needs accounts';

CREATE FUNCTION wfauth.grant_permission(permission text, grantees text[]) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_grants('permission', permission, grantees, true)
$$;
COMMENT ON FUNCTION wfauth.grant_permission(text, text[]) IS
    'Grant a permission directly to accounts and groups (grantee notation); needs accounts';

CREATE FUNCTION wfauth.revoke_permission(permission text, grantees text[]) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._change_grants('permission', permission, grantees, false)
$$;
COMMENT ON FUNCTION wfauth.revoke_permission(text, text[]) IS
    'Revoke a directly granted permission from accounts and groups; needs accounts';

CREATE FUNCTION wfauth.register_permission(name text, description text, api_name text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_super_admin();
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
    'Add an application permission to the catalog; Super Admin or DBA only';

-------------------------------------------------------------------------------
-- Preferences and new-user defaults
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth.set_new_object_access(preference text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_pref text := lower(btrim(preference));
BEGIN
    PERFORM wfauth._require_super_admin();
    IF v_pref IS NULL OR v_pref NOT IN ('everyone', 'creator') THEN
        RAISE EXCEPTION 'invalid new object access preference "%"', preference
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''everyone'' or ''creator''.';
    END IF;
    INSERT INTO wfauth.settings (new_object_access) VALUES (v_pref)
    ON CONFLICT (singleton) DO UPDATE SET new_object_access = excluded.new_object_access
     WHERE settings.new_object_access <> excluded.new_object_access;
    IF FOUND THEN
        PERFORM wfauth._audit('set_new_object_access', v_pref);
    END IF;
END
$$;
COMMENT ON FUNCTION wfauth.set_new_object_access(text) IS
    'Security preference for new objects: everyone (default) or creator; Super Admin or DBA only';

CREATE FUNCTION wfauth.set_new_user_defaults(permissions text[], groups text[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_permission('accounts');
    DELETE FROM wfauth.new_user_permissions;
    INSERT INTO wfauth.new_user_permissions (permission)
    SELECT DISTINCT wfauth._permission(p) FROM unnest(coalesce(permissions, '{}')) p;
    DELETE FROM wfauth.new_user_groups;
    INSERT INTO wfauth.new_user_groups (group_id)
    SELECT DISTINCT g FROM unnest(coalesce(groups, '{}')) n, wfauth._group(n, true) g WHERE g <> 1;
    PERFORM wfauth._audit('set_new_user_defaults', NULL,
        jsonb_build_object('permissions', coalesce(permissions, '{}'), 'groups', coalesce(groups, '{}')));
END
$$;
COMMENT ON FUNCTION wfauth.set_new_user_defaults(text[], text[]) IS
    'Permissions and groups every new user account gets (never service accounts); needs accounts';

-------------------------------------------------------------------------------
-- Reading the model
-------------------------------------------------------------------------------

CREATE FUNCTION wfauth.account_id(identifier text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_actor();
    RETURN wfauth._account(identifier);
END
$$;
COMMENT ON FUNCTION wfauth.account_id(text) IS
    'The id of an account (e-mail, or service account name with or without sa::)';

CREATE FUNCTION wfauth.has_permission(principal bigint, permission text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_has_permission' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.has_permission(bigint, text) IS
    'Whether an active principal holds a permission (directly, by role, by group, or as Super Admin)';

CREATE FUNCTION wfauth.effective_permissions(principal bigint)
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
        SELECT p.id, p.kind, p.super_admin FROM wfauth.principals p
         WHERE p.id = principal AND p.active
    ), groups AS (
        SELECT 1::bigint AS id FROM me WHERE me.kind <> 'group'
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
 WHERE p.kind <> 'group'
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
SELECT g.id, g.name, g.description, g.id = 1 AS built_in,
       CASE WHEN g.id = 1 THEN (SELECT count(*) FROM wfauth.principals a WHERE a.kind <> 'group')
            ELSE (SELECT count(*) FROM wfauth.group_members m WHERE m.group_id = g.id) END AS member_count
  FROM wfauth.principals g
 WHERE g.kind = 'group'
   AND ((SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
        OR (SELECT wfauth.current_principal()) IS NOT NULL
           AND (g.id = 1 OR EXISTS (SELECT 1 FROM wfauth.group_members m
                                     WHERE m.group_id = g.id AND m.member_id = (SELECT wfauth.current_principal()))));
COMMENT ON VIEW wfauth.group_list IS
    'Groups: all with accounts (or as Super Admin or DBA), else one''s own (Everyone included)';
COMMENT ON COLUMN wfauth.group_list.id IS 'The group''s principal id (Everyone is 1)';
COMMENT ON COLUMN wfauth.group_list.name IS 'The group''s name, unique regardless of case';
COMMENT ON COLUMN wfauth.group_list.description IS 'Free text (alter_group)';
COMMENT ON COLUMN wfauth.group_list.built_in IS 'True for Everyone, which cannot be deleted or renamed';
COMMENT ON COLUMN wfauth.group_list.member_count IS 'Explicit members; for Everyone, every account';

CREATE VIEW wfauth.member_list WITH (security_barrier) AS
SELECT m.group_id, g.name AS group_name, m.member_id AS account_id, a.name_key AS identifier, m.added_at
  FROM wfauth.group_members m
  JOIN wfauth.principals g ON g.id = m.group_id
  JOIN wfauth.principals a ON a.id = m.member_id
 WHERE (SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
    OR m.member_id = (SELECT wfauth.current_principal());
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
 WHERE (SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
    OR (SELECT wfauth.current_principal()) IS NOT NULL
       AND EXISTS (SELECT 1 FROM wfauth.role_grants rg
                    WHERE rg.role_id = r.id
                      AND (rg.principal_id IN ((SELECT wfauth.current_principal()), 1)
                           OR rg.principal_id IN (SELECT m.group_id FROM wfauth.group_members m
                                                   WHERE m.member_id = (SELECT wfauth.current_principal()))));
COMMENT ON VIEW wfauth.role_list IS
    'Roles with their permissions: all with accounts, else those one holds (directly or through a group)';
COMMENT ON COLUMN wfauth.role_list.id IS 'The role''s id';
COMMENT ON COLUMN wfauth.role_list.name IS 'The role''s name, unique regardless of case';
COMMENT ON COLUMN wfauth.role_list.description IS 'Free text (alter_role)';
COMMENT ON COLUMN wfauth.role_list.permissions IS 'The role''s permissions, sorted';
COMMENT ON COLUMN wfauth.role_list.created_at IS 'When the role was created';

CREATE VIEW wfauth.grant_list WITH (security_barrier) AS
SELECT CASE WHEN p.id = 1 THEN 'everyone' WHEN p.kind = 'group' THEN 'group:' || p.name ELSE p.name END AS grantee,
       g.principal_id, g.kind, g.name, g.granted_at
  FROM (SELECT pg.principal_id, 'permission'::text AS kind, pg.permission::text AS name, pg.granted_at
          FROM wfauth.permission_grants pg
        UNION ALL
        SELECT rg.principal_id, 'role', r.name, rg.granted_at
          FROM wfauth.role_grants rg JOIN wfauth.roles r ON r.id = rg.role_id) g
  JOIN wfauth.principals p ON p.id = g.principal_id
 WHERE (SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'))
    OR (SELECT wfauth.current_principal()) IS NOT NULL
       AND (g.principal_id IN ((SELECT wfauth.current_principal()), 1)
            OR g.principal_id IN (SELECT m.group_id FROM wfauth.group_members m
                                   WHERE m.member_id = (SELECT wfauth.current_principal())));
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
        UNION ALL
        SELECT 'group', g.name FROM wfauth.new_user_groups n JOIN wfauth.principals g ON g.id = n.group_id) d
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
 WHERE (SELECT wfauth.acting_as_dba() OR wfauth.has_permission(wfauth.current_principal(), 'accounts'));
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
    RETURN coalesce((SELECT s.new_object_access FROM wfauth.settings s), 'everyone');
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
        v_new := wfauth._clean_name(new_name, 'role name');
        IF v_new = '' OR length(v_new) > 128 THEN
            RAISE EXCEPTION 'invalid role name "%"', new_name USING ERRCODE = 'invalid_parameter_value',
                DETAIL = 'A role name has 1 to 128 characters.';
        END IF;
        IF EXISTS (SELECT 1 FROM wfauth.roles r WHERE r.name_key = lower(v_new) AND r.id <> v_id) THEN
            RAISE EXCEPTION 'role "%" already exists', v_new USING ERRCODE = 'unique_violation';
        END IF;
        PERFORM wfauth._refuse_confusable('role', v_new, v_id);
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
        IF v_id = 1 THEN
            RAISE EXCEPTION 'the built-in group Everyone cannot be renamed' USING ERRCODE = 'insufficient_privilege';
        END IF;
        v_new := wfauth._clean_name(new_name, 'group name');
        IF EXISTS (SELECT 1 FROM wfauth.principals p
                    WHERE p.kind = 'group' AND p.name_key = lower(v_new) AND p.id <> v_id) THEN
            RAISE EXCEPTION 'group "%" already exists', v_new USING ERRCODE = 'unique_violation';
        END IF;
        PERFORM wfauth._refuse_confusable('group', v_new, v_id);
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
       t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AS live
  FROM wfauth.tokens t JOIN wfauth.principals p ON p.id = t.account_id
 WHERE t.account_id = wfauth.current_principal()
    OR wfauth.has_permission(wfauth.current_principal(), 'accounts')
    OR wfauth.acting_as_dba();
GRANT SELECT ON wfauth.token_list TO PUBLIC;
COMMENT ON VIEW wfauth.token_list IS
    'API tokens without their secrets: one''s own, or everyone''s with accounts (or as a DBA)';
COMMENT ON COLUMN wfauth.token_list.account_id IS 'The account''s principal id';
COMMENT ON COLUMN wfauth.token_list.account IS 'The account''s identifier';
COMMENT ON COLUMN wfauth.token_list.name IS 'The token''s name, unique among the account''s live tokens';
COMMENT ON COLUMN wfauth.token_list.token IS 'A display prefix (the first characters), never the secret';
COMMENT ON COLUMN wfauth.token_list.created_at IS 'When it was generated';
COMMENT ON COLUMN wfauth.token_list.last_used_at IS 'Its last use (recorded at most once a minute)';
COMMENT ON COLUMN wfauth.token_list.expires_at IS 'When it stops working (NULL: never)';
COMMENT ON COLUMN wfauth.token_list.revoked_at IS 'When it was revoked (NULL: not revoked)';
COMMENT ON COLUMN wfauth.token_list.live IS 'Neither revoked nor expired';

CREATE FUNCTION wfauth.authenticate_token(token text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_authenticate_token' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION wfauth.authenticate_token(text) IS
    'Authenticate with an API token: its account becomes the principal for the rest of the transaction';

CREATE FUNCTION wfauth.login(identifier text, password text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    r record;
    v_limit int := wfauth._setting('wfauth.max_failed_logins')::int;
    v_locked boolean;
    v_verdict int;
    v_token text;
    v_session bigint;
BEGIN
    -- only user accounts have passwords; anything that is no e-mail matches nobody
    SELECT p.id INTO v_id FROM wfauth.principals p
     WHERE p.kind = 'user' AND p.name_key = lower(identifier) AND strpos(identifier, '@') > 0;
    -- the password, the failures and whether the account is active, as last
    -- committed, whatever this transaction's snapshot; the throttle by the
    -- statement's clock
    SELECT * INTO r FROM wfauth._password_state(v_id);
    v_locked := r.failed_attempts >= v_limit
                AND r.last_failed_at + least(power(2, r.failed_attempts - v_limit), 3600) * interval '1 second'
                    > statement_timestamp();
    -- this attempt counts as a failure unless the login commits (refused if it cannot be counted)
    IF r.hash IS NOT NULL AND NOT v_locked AND r.active THEN
        PERFORM wfauth._arm_failed_login(v_id);
    END IF;
    -- the same work whatever the case: a locked or unknown account is checked
    -- against a dummy hash of the current cost
    v_verdict := wfauth._verify_password(CASE WHEN v_locked THEN NULL ELSE r.hash END, password);
    IF v_verdict = 0 OR NOT r.active THEN
        PERFORM wfauth._auth_failed('password');
    END IF;

    UPDATE wfauth.passwords
       SET failed_attempts = 0,
           hash = CASE WHEN v_verdict = 2 THEN wfauth._hash_password(password, false) ELSE hash END
     WHERE account_id = v_id AND (failed_attempts <> 0 OR v_verdict = 2);
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
COMMENT ON FUNCTION wfauth.login(text, text) IS
    'Check a user''s password; returns a new session token (shown once) and makes the user the principal';

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
    PERFORM wfauth._audit('end_session', wfauth._label(v_account), jsonb_build_object('session', v_id));
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
         WHERE p.kind = 'user' AND p.name_key = wfauth._account_key(v_email)
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
    'Create user accounts (with the new-user defaults) and single-use activation tokens valid 24 hours; inviting again one not activated yet gives a fresh token and voids the old; needs accounts';

CREATE FUNCTION wfauth.activate_user(activation_token text, password text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- checked against the latest committed state and the statement's clock
    v_account bigint := wfauth._activation(activation_token);
BEGIN
    IF password IS NULL THEN
        RAISE EXCEPTION 'the password must not be null' USING ERRCODE = 'invalid_parameter_value';
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
    PERFORM wfauth._audit('activate_user', wfauth._label(v_account));
    RETURN v_account;
END
$$;
COMMENT ON FUNCTION wfauth.activate_user(text, text) IS
    'Set the password of an invited user with its activation token (single use, 24 hours); no principal needed';

-------------------------------------------------------------------------------
-- Objects: the wfauth.acl type, kinds, protected tables
-------------------------------------------------------------------------------

CREATE TYPE wfauth.access_mode AS ENUM ('view', 'modify');
COMMENT ON TYPE wfauth.access_mode IS 'Access level of an ACL entry: view, or modify (View & Modify)';

CREATE TABLE wfauth.kinds (
    id         smallint GENERATED BY DEFAULT AS IDENTITY (START WITH 10),
    name       text COLLATE "C" NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    permission text COLLATE "C" NOT NULL REFERENCES wfauth.permissions ON UPDATE CASCADE,
    builtin    boolean NOT NULL DEFAULT false,
    CONSTRAINT kinds_pkey PRIMARY KEY (id)
);
INSERT INTO wfauth.kinds (id, name, permission, builtin)
VALUES (1, 'dashboard', 'dashboards', true), (2, 'alert', 'alerts', true);
COMMENT ON TABLE wfauth.kinds IS
    'Kinds of protected objects; modifying an object needs its kind''s permission';
CREATE TRIGGER kinds_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wfauth.kinds
    FOR EACH STATEMENT EXECUTE FUNCTION wfauth._model_changed();

CREATE TYPE wfauth.acl;
CREATE FUNCTION wfauth.acl_in(cstring) RETURNS wfauth.acl
    AS 'MODULE_PATHNAME', 'wfauth_acl_in' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth.acl_out(wfauth.acl) RETURNS cstring
    AS 'MODULE_PATHNAME', 'wfauth_acl_out' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth.acl_recv(internal) RETURNS wfauth.acl
    AS 'MODULE_PATHNAME', 'wfauth_acl_recv' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth.acl_send(wfauth.acl) RETURNS bytea
    AS 'MODULE_PATHNAME', 'wfauth_acl_send' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE TYPE wfauth.acl (
    INPUT = wfauth.acl_in, OUTPUT = wfauth.acl_out,
    RECEIVE = wfauth.acl_recv, SEND = wfauth.acl_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = int4, STORAGE = extended
);
COMMENT ON TYPE wfauth.acl IS
    'Access list of a protected object: kind, creator, entries (principal id, view|modify); text form kind/creator:{id=mode,...}';
COMMENT ON FUNCTION wfauth.acl_in(cstring) IS 'Text input of wfauth.acl: kind/creator:{id=view|modify,...}';
COMMENT ON FUNCTION wfauth.acl_out(wfauth.acl) IS 'Text output of wfauth.acl';
COMMENT ON FUNCTION wfauth.acl_recv(internal) IS 'Binary input of wfauth.acl';
COMMENT ON FUNCTION wfauth.acl_send(wfauth.acl) IS 'Binary output of wfauth.acl';

CREATE FUNCTION wfauth.acl_eq(wfauth.acl, wfauth.acl) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_acl_eq' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION wfauth.acl_ne(wfauth.acl, wfauth.acl) RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_acl_ne' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION wfauth.acl_eq(wfauth.acl, wfauth.acl) IS 'Whether two access lists are the same';
COMMENT ON FUNCTION wfauth.acl_ne(wfauth.acl, wfauth.acl) IS 'Whether two access lists differ';
CREATE OPERATOR wfauth.= (LEFTARG = wfauth.acl, RIGHTARG = wfauth.acl, PROCEDURE = wfauth.acl_eq,
                          COMMUTATOR = OPERATOR(wfauth.=), NEGATOR = OPERATOR(wfauth.<>),
                          RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR wfauth.<> (LEFTARG = wfauth.acl, RIGHTARG = wfauth.acl, PROCEDURE = wfauth.acl_ne,
                           COMMUTATOR = OPERATOR(wfauth.<>), NEGATOR = OPERATOR(wfauth.=),
                           RESTRICT = neqsel, JOIN = neqjoinsel);

CREATE FUNCTION wfauth.acl_kind(wfauth.acl) RETURNS text
    AS 'MODULE_PATHNAME', 'wfauth_acl_kind' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.acl_kind(wfauth.acl) IS 'The kind of the object an access list belongs to';
CREATE FUNCTION wfauth.acl_creator(wfauth.acl) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_acl_creator' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION wfauth.acl_creator(wfauth.acl) IS 'The principal that created the object (NULL when unknown)';

CREATE FUNCTION wfauth._acl_new(kind text, creator bigint, grantee bigint) RETURNS wfauth.acl
    AS 'MODULE_PATHNAME', 'wfauth_acl_new' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._acl_set(object wfauth.acl, principal bigint, mode wfauth.access_mode)
RETURNS wfauth.acl
    AS 'MODULE_PATHNAME', 'wfauth_acl_set' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._acl_items(object wfauth.acl) RETURNS TABLE (principal bigint, modify boolean)
    AS 'MODULE_PATHNAME', 'wfauth_acl_items' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wfauth._acl_on_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_acl_on_insert' LANGUAGE C;
CREATE FUNCTION wfauth._acl_on_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_acl_on_update' LANGUAGE C;

CREATE FUNCTION wfauth.can_access(principal bigint, object wfauth.acl, mode wfauth.access_mode)
RETURNS boolean
    AS 'MODULE_PATHNAME', 'wfauth_can_access' LANGUAGE C STABLE PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION wfauth.can_access(bigint, wfauth.acl, wfauth.access_mode) IS
    'The access decision for row-level security: view or modify (modify, and a service account''s view, need the kind''s permission); false for NULL or inactive principals';

CREATE TABLE wfauth.protected_tables (
    tbl          regclass PRIMARY KEY,
    kind         smallint NOT NULL REFERENCES wfauth.kinds,
    protected_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE wfauth.protected_tables IS
    'Tables made protected object tables by wfauth.protect(), each partition of one included';

-- A dropped table is no longer protected.
CREATE FUNCTION wfauth._forget_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM wfauth.protected_tables p
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objid = p.tbl::oid;
END
$$;
CREATE EVENT TRIGGER wfauth_forget_dropped ON sql_drop EXECUTE FUNCTION wfauth._forget_dropped();

-- Called by the ACL update trigger (through fmgr, not SQL) for every change.
CREATE FUNCTION wfauth._audit_acl_change(tbl oid, old_acl text, new_acl text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT wfauth._audit('change_acl', tbl::regclass::text, jsonb_build_object('from', old_acl, 'to', new_acl))
$$;

CREATE FUNCTION wfauth.register_kind(kind text, permission text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_kind text := lower(btrim(kind));
BEGIN
    PERFORM wfauth._require_super_admin();
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
    'Add a kind of protected object and the permission that modifying it needs; Super Admin or DBA only';

-- Work on an application table: as its owner, in a security-restricted
-- operation, with search_path pinned (src/owner.c); rows processed.
CREATE FUNCTION wfauth._as_owner(tbl regclass, commands text[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'wfauth_as_owner' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
-- Rows of a protected table whose ACL names no living principal (and names
-- principal, when given): a heap scan that runs none of the owner's code.
CREATE FUNCTION wfauth._orphans(tbl regclass, principal bigint) RETURNS SETOF tid
    AS 'MODULE_PATHNAME', 'wfauth_orphans' LANGUAGE C VOLATILE PARALLEL UNSAFE;
-- The lockdown of protected tables (src/lockdown.c).
CREATE FUNCTION wfauth._guard_ddl() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'wfauth_guard_ddl' LANGUAGE C;
CREATE FUNCTION wfauth._refuse_truncate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'wfauth_refuse_truncate' LANGUAGE C;
CREATE EVENT TRIGGER wfauth_guard_ddl ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE', 'ALTER FOREIGN TABLE', 'CREATE TABLE', 'CREATE FOREIGN TABLE',
                 'CREATE POLICY', 'ALTER POLICY', 'DROP POLICY',
                 'CREATE TRIGGER', 'ALTER TRIGGER', 'DROP TRIGGER')
    EXECUTE FUNCTION wfauth._guard_ddl();

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
    IF EXISTS (SELECT 1 FROM pg_trigger t
                WHERE t.tgrelid = tbl AND t.tgparentid = 0 AND NOT t.tgisinternal
                  AND t.tgtype::int & 3 = 3    -- BEFORE ROW
                  AND (t.tgtype::int & 4 = 4 AND t.tgname COLLATE "C" > 'wfauth_acl_insert'
                       OR t.tgtype::int & 16 = 16 AND t.tgname COLLATE "C" > 'wfauth_acl_update')) THEN
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
    v_view text := 'wfauth.can_access((SELECT wfauth.current_principal()), acl, %L)';
    v_dba text := '(SELECT wfauth.acting_as_dba()) OR ';
BEGIN
    RETURN ARRAY[
        format('CREATE TRIGGER wfauth_truncate BEFORE TRUNCATE ON %s'
               ' FOR EACH STATEMENT EXECUTE FUNCTION wfauth._refuse_truncate()', tbl),
        format('CREATE POLICY wfauth_select ON %s FOR SELECT USING (' || v_dba || v_view || ')', tbl, 'view'),
        format('CREATE POLICY wfauth_insert ON %s FOR INSERT WITH CHECK (' || v_dba ||
               'wfauth.has_permission((SELECT wfauth.current_principal()), %L))', tbl, v_permission),
        format('CREATE POLICY wfauth_update ON %s FOR UPDATE USING (' || v_dba || v_view || ') WITH CHECK (true)',
               tbl, 'modify'),
        format('CREATE POLICY wfauth_delete ON %s FOR DELETE USING (' || v_dba || v_view || ')', tbl, 'modify'),
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

CREATE FUNCTION wfauth.protect(tbl regclass, kind text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_kind wfauth.kinds;
    v_existing smallint;
    v_type oid;
    v_rows bigint;
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
    -- Rows that exist already fail closed: no entry, so only Super Admins
    -- reach them until one gives them entries (see orphaned_objects()).
    -- The UPDATE runs the owner's triggers, constraints and index
    -- expressions: as the owner, never as wfauth.
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
    PERFORM wfauth._audit('protect', tbl::text, jsonb_build_object('kind', v_kind.name));
END
$$;
COMMENT ON FUNCTION wfauth.protect(regclass, text) IS
    'Make a table (and each of its partitions) a protected object table: acl column, ACL triggers, forced RLS policies; table owner only';

-- A partition created later is protected when it is created.
CREATE FUNCTION wfauth._protect_new_partitions() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.objid::regclass AS tbl, p.kind
               FROM pg_event_trigger_ddl_commands() c
               JOIN pg_inherits i ON i.inhrelid = c.objid
               JOIN wfauth.protected_tables p ON p.tbl = i.inhparent
              WHERE c.classid = 'pg_class'::regclass AND c.objsubid = 0
                AND NOT EXISTS (SELECT 1 FROM wfauth.protected_tables q WHERE q.tbl = c.objid)
    LOOP
        PERFORM wfauth._check_protectable(r.tbl);
        PERFORM wfauth._protect_relation(r.tbl, r.kind);
    END LOOP;
END
$$;
CREATE EVENT TRIGGER wfauth_protect_new_partitions ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION wfauth._protect_new_partitions();

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
    PERFORM wfauth._audit('unprotect', tbl::text, jsonb_build_object('kind', v_kind));
END
$$;
COMMENT ON FUNCTION wfauth.unprotect(regclass) IS
    'Remove wfauth''s protection from a table and its partitions (the acl column and its values stay); DBA only';

-- everyone | group:NAME | account identifier | #id (an entry whose principal is gone)
CREATE FUNCTION wfauth._entry_principal(object wfauth.acl, grantee text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF grantee ~ '^#[0-9]+$' AND EXISTS (SELECT 1 FROM wfauth._acl_items(object) i
                                          WHERE i.principal = substr(grantee, 2)::bigint) THEN
        RETURN substr(grantee, 2)::bigint;
    END IF;
    RETURN wfauth._grantee(grantee, false);
END
$$;

CREATE FUNCTION wfauth.acl_grant(object wfauth.acl, grantee text, mode wfauth.access_mode)
RETURNS wfauth.acl
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF mode IS NULL THEN
        RAISE EXCEPTION 'access mode must be view or modify' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF object IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN wfauth._acl_set(object, wfauth._grantee(grantee, false), mode);
END
$$;
COMMENT ON FUNCTION wfauth.acl_grant(wfauth.acl, text, wfauth.access_mode) IS
    'The access list with grantee''s entry set to mode (pure: use it in UPDATE ... SET acl = ...)';

CREATE FUNCTION wfauth.acl_revoke(object wfauth.acl, grantee text) RETURNS wfauth.acl
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF object IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN wfauth._acl_set(object, wfauth._entry_principal(object, grantee), NULL);
END
$$;
COMMENT ON FUNCTION wfauth.acl_revoke(wfauth.acl, text) IS
    'The access list without grantee''s entry (pure); #id removes an entry whose principal is gone';

CREATE FUNCTION wfauth.acl_entries(object wfauth.acl)
RETURNS TABLE (grantee text, mode wfauth.access_mode)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_actor();     -- names are for an authenticated principal (or a DBA)
    RETURN QUERY
    SELECT coalesce(wfauth._label(i.principal), '#' || i.principal),
           CASE WHEN i.modify THEN 'modify' ELSE 'view' END::wfauth.access_mode
      FROM wfauth._acl_items(object) i
      LEFT JOIN wfauth.principals p ON p.id = i.principal
     ORDER BY p.kind <> 'group', p.name, i.principal;
END
$$;
COMMENT ON FUNCTION wfauth.acl_entries(wfauth.acl) IS
    'The entries of an access list in grantee notation (#id for a principal that is gone); any authenticated principal';

-- Accounts that hold a permission (active; directly, by role, by group or its roles, or Super Admin).
CREATE FUNCTION wfauth._holders(permission text) RETURNS SETOF bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.id FROM wfauth.principals a
     WHERE a.kind <> 'group' AND a.active
       AND (a.super_admin OR EXISTS (
            SELECT 1
              FROM (SELECT a.id AS pid UNION ALL SELECT 1
                    UNION ALL SELECT m.group_id FROM wfauth.group_members m WHERE m.member_id = a.id) src
             WHERE EXISTS (SELECT 1 FROM wfauth.permission_grants g
                            WHERE g.principal_id = src.pid AND g.permission = _holders.permission)
                OR EXISTS (SELECT 1 FROM wfauth.role_grants rg
                             JOIN wfauth.role_permissions rp ON rp.role_id = rg.role_id
                            WHERE rg.principal_id = src.pid AND rp.permission = _holders.permission)))
$$;

CREATE FUNCTION wfauth.who_can_access(object wfauth.acl, mode wfauth.access_mode)
RETURNS TABLE (account_id bigint, identifier text, via text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_permission text;
BEGIN
    -- an ACL passed as an argument proves nothing about a stored object
    PERFORM wfauth._require_permission('accounts');
    SELECT k.permission INTO v_permission FROM wfauth.kinds k WHERE k.name = wfauth.acl_kind(object);
    RETURN QUERY
    WITH entries AS (
        SELECT i.principal, i.modify, p.kind, p.name FROM wfauth._acl_items(object) i
          JOIN wfauth.principals p ON p.id = i.principal
         WHERE mode = 'view' OR i.modify
    ), permitted AS (
        SELECT h FROM wfauth._holders(v_permission) h
    ), sources AS (
        SELECT a.id, 'super admin' AS via, 0 AS rank FROM wfauth.principals a
         WHERE a.kind = 'user' AND a.active AND a.super_admin
        UNION ALL
        SELECT a.id, CASE WHEN e.kind = 'group' THEN 'group:' || e.name ELSE 'direct' END
                     || ' (' || CASE WHEN e.modify THEN 'modify' ELSE 'view' END || ')'
                     || CASE WHEN mode = 'modify' OR a.kind = 'service' THEN ' + permission ' || v_permission ELSE '' END,
               CASE WHEN e.kind = 'group' THEN 1 ELSE 2 END
          FROM entries e
          JOIN wfauth.principals a ON a.kind <> 'group' AND a.active AND NOT a.super_admin
               AND (a.id = e.principal OR e.principal = 1
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
    'Every active account with that access to the object, one row per way it has it; needs accounts';

CREATE FUNCTION wfauth.explain_access(principal bigint, object wfauth.acl, mode wfauth.access_mode)
RETURNS TABLE (step int, rule text, result boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_who wfauth.principals;
    v_permission text;
    v_kind text := wfauth.acl_kind(object);
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
    SELECT * INTO v_who FROM wfauth.principals p WHERE p.id = explain_access.principal;
    SELECT k.permission INTO v_permission FROM wfauth.kinds k WHERE k.name = v_kind;

    v_step := v_step + 1;
    RETURN QUERY SELECT v_step, 'Super Admin: ' || CASE WHEN v_who.super_admin THEN 'yes' ELSE 'no' END,
                        coalesce(v_who.super_admin AND v_who.active, false);
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
              WHERE g.id = 1 OR EXISTS (SELECT 1 FROM wfauth.group_members m
                                         WHERE m.group_id = g.id AND m.member_id = explain_access.principal)
              ORDER BY g.id <> 1, g.name
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
    FOR e IN SELECT i.modify FROM wfauth._acl_items(object) i WHERE i.principal = explain_access.principal LOOP
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
        'decision: ' || CASE WHEN wfauth.can_access(principal, object, mode) THEN mode || ' allowed'
                             WHEN v_who.id IS NULL THEN 'denied (no such principal)'
                             WHEN NOT v_who.active THEN 'denied (account is deactivated)'
                             ELSE mode || ' denied' END,
        wfauth.can_access(principal, object, mode);
END
$$;
COMMENT ON FUNCTION wfauth.explain_access(bigint, wfauth.acl, wfauth.access_mode) IS
    'Why a principal has or lacks access: Super Admin, kind permission (modify, or a service account''s view), group-level entries, user-level entries, decision; own principal, or accounts';

CREATE FUNCTION wfauth.orphaned_objects() RETURNS TABLE (tbl regclass, ctid tid)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wfauth._require_super_admin();
    RETURN QUERY
    SELECT p.tbl, o.ctid FROM wfauth.protected_tables p, wfauth._orphans(p.tbl, NULL) o(ctid)
     ORDER BY p.tbl::text, o.ctid;
END
$$;
COMMENT ON FUNCTION wfauth.orphaned_objects() IS
    'Protected rows no living principal can reach (only Super Admins can); Super Admin or DBA only';

-- How many objects a principal's deletion leaves with no living grantee.
CREATE FUNCTION wfauth._orphaned_by(principal bigint) RETURNS bigint
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT count(*) FROM wfauth.protected_tables p, wfauth._orphans(p.tbl, principal)
$$;

CREATE FUNCTION wfauth._notice_orphans(principal bigint, label text) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint := wfauth._orphaned_by(principal);
BEGIN
    IF n > 0 THEN
        RAISE NOTICE '% protected objects had no other grantee than %: only Super Admins can reach them now',
            n, label USING HINT = 'List them with wfauth.orphaned_objects() and give them entries again.';
    END IF;
END
$$;

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

-------------------------------------------------------------------------------
-- pg_dump carries wfauth's data (not the rows this script creates)
-------------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('wfauth.principals', 'WHERE id >= 100');
SELECT pg_catalog.pg_extension_config_dump('wfauth.principal_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wfauth.permissions', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('wfauth.kinds', 'WHERE NOT builtin');
DO $$
DECLARE
    t text;
    seq text;
BEGIN
    FOREACH t IN ARRAY ARRAY['group_members', 'permission_grants', 'roles', 'role_permissions',
                             'role_grants', 'settings', 'new_user_permissions', 'new_user_groups',
                             'passwords', 'tokens', 'sessions', 'activations', 'audit_log',
                             'protected_tables']
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('wfauth.' || t)::regclass, '');
        SELECT pg_catalog.pg_get_serial_sequence('wfauth.' || t, 'id') INTO seq
          FROM pg_catalog.pg_attribute
         WHERE attrelid = ('wfauth.' || t)::regclass AND attname = 'id';
        IF seq IS NOT NULL THEN
            PERFORM pg_catalog.pg_extension_config_dump(seq::regclass, '');
        END IF;
    END LOOP;
    SELECT pg_catalog.pg_get_serial_sequence('wfauth.kinds', 'id') INTO seq;
    PERFORM pg_catalog.pg_extension_config_dump(seq::regclass, '');
END
$$;

-------------------------------------------------------------------------------
-- Privileges: PUBLIC may call the public functions (each checks the acting
-- principal itself) but none of the internal ones, and no table.
-------------------------------------------------------------------------------

DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname LIKE '\_%'
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
-- Trigger functions run only as triggers; a table's owner needs EXECUTE on
-- them to get them (protect() creates them as the owner, and a new
-- partition gets its parent's).
GRANT EXECUTE ON FUNCTION wfauth._acl_on_insert(), wfauth._acl_on_update(), wfauth._refuse_truncate() TO PUBLIC;

-- \df wfauth.* shows the API first: every internal helper says what it is.
SELECT wfauth._comment_internal_functions();
