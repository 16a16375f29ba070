-- wfauth install script, part 1: accounts -- principals, groups, roles,
-- permissions, and the model's tables.  The Makefile concatenates
-- sql/install/{accounts,views,credentials,objects,finish}.sql, in that order,
-- into wfauth--<version>.sql; edit the parts, never the built script.
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
    v_other text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('wfauth ' || space || ' ' || v_skeleton, 0));
    IF space = 'role' THEN
        PERFORM FROM wfauth.roles r WHERE r.name_key = v_key AND r.id IS DISTINCT FROM except_id;
    ELSE
        PERFORM FROM wfauth.principals p
          WHERE (p.kind = 'group') = (space = 'group') AND p.name_key = v_key
            AND p.id IS DISTINCT FROM except_id;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION '% "%" already exists', space, name USING ERRCODE = 'unique_violation';
    END IF;
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
    PERFORM wfauth._refuse_taken_name('account', v_name);
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
    PERFORM wfauth._refuse_taken_name('group', wfauth._clean_name(name, 'group name'));
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

