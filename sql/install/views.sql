-- wfauth install script, part 2: views -- the administration pages' views of
-- the model, and editing it.

-------------------------------------------------------------------------------
-- The administration pages: views of the model, readable by an application
-- role with USAGE on the schema.  A principal with accounts, a Super Admin or
-- a DBA sees every row; any other authenticated principal the rows about
-- itself (its account, its groups, its roles and grants); nobody else none.
-- Who sees everything is decided once per query (an InitPlan); the views are
-- security barriers, and their owner (the extension's) reads the tables.
-- Every view shows the acting tenant's rows only.
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
                                     WHERE m.group_id = g.id AND m.member_id = (SELECT wfauth.current_principal())
                                       AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time()))));
COMMENT ON VIEW wfauth.group_list IS
    'Groups: all with accounts (or as Super Admin or DBA), else one''s own (Everyone included; not one whose membership has ended)';
COMMENT ON COLUMN wfauth.group_list.id IS 'The group''s principal id (Everyone of the default tenant is 1)';
COMMENT ON COLUMN wfauth.group_list.name IS 'The group''s name, unique regardless of case';
COMMENT ON COLUMN wfauth.group_list.description IS 'Free text (alter_group)';
COMMENT ON COLUMN wfauth.group_list.built_in IS 'True for Everyone, which cannot be deleted or renamed';
COMMENT ON COLUMN wfauth.group_list.member_count IS 'Explicit members; for Everyone, every account';

CREATE VIEW wfauth.member_list WITH (security_barrier) AS
SELECT m.group_id, g.name AS group_name, m.member_id AS account_id, a.name_key AS identifier, m.added_at,
       m.valid_until
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
COMMENT ON COLUMN wfauth.member_list.valid_until IS 'When the membership ends (NULL: never); an ended one is listed until removed';

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
                          AND (rg.valid_until IS NULL OR rg.valid_until > wfauth.decision_time())
                          AND (rg.principal_id IN ((SELECT wfauth.current_principal()), (SELECT t.everyone_id FROM wfauth.tenant_catalog t WHERE t.id = wfauth.current_tenant()))
                               OR rg.principal_id IN (SELECT m.group_id FROM wfauth.group_members m
                                                       WHERE m.member_id = (SELECT wfauth.current_principal())
                                                         AND (m.valid_until IS NULL OR m.valid_until > wfauth.decision_time())))));
COMMENT ON VIEW wfauth.role_list IS
    'Roles with their permissions: all with accounts, else those one holds now (directly or through a group)';
COMMENT ON COLUMN wfauth.role_list.id IS 'The role''s id';
COMMENT ON COLUMN wfauth.role_list.name IS 'The role''s name, unique regardless of case';
COMMENT ON COLUMN wfauth.role_list.description IS 'Free text (alter_role)';
COMMENT ON COLUMN wfauth.role_list.permissions IS 'The role''s permissions, sorted';
COMMENT ON COLUMN wfauth.role_list.created_at IS 'When the role was created';

CREATE VIEW wfauth.grant_list WITH (security_barrier) AS
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
COMMENT ON VIEW wfauth.grant_list IS
    'Roles and permissions granted to accounts and groups: all with accounts, else those to oneself and one''s groups';
COMMENT ON COLUMN wfauth.grant_list.grantee IS 'Who holds it, in grantee notation (everyone, group:NAME, identifier)';
COMMENT ON COLUMN wfauth.grant_list.principal_id IS 'The grantee''s principal id';
COMMENT ON COLUMN wfauth.grant_list.kind IS 'role or permission';
COMMENT ON COLUMN wfauth.grant_list.name IS 'The role''s or the permission''s name';
COMMENT ON COLUMN wfauth.grant_list.granted_at IS 'When it was granted';
COMMENT ON COLUMN wfauth.grant_list.valid_until IS 'When it ends (NULL: never); an ended grant is listed until revoked';

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

GRANT SELECT ON wfauth.tenants, wfauth.account_list, wfauth.group_list, wfauth.member_list, wfauth.role_list,
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
