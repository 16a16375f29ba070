-- Tenants (DESIGN §6): many customers in one database, each with its own
-- accounts, groups, roles, Super Admins, defaults, preference, credentials
-- and audit.  Each attack below is one a client of one tenant would try on
-- another; each must find nothing, exactly as if the other tenant's names,
-- ids and rows did not exist.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE FUNCTION public.as_app(who text, tenant text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    IF who IS NULL THEN
        PERFORM wfauth.reset_principal();
    ELSE
        PERFORM wfauth.set_principal(who, tenant);
    END IF;
    SET LOCAL ROLE wfauth_regress_app;
    BEGIN
        IF sql ~* '^\s*(SELECT|WITH)' THEN
            EXECUTE sql INTO v;
        ELSE
            EXECUTE sql;
        END IF;
        v := coalesce(v, 'ok');
    EXCEPTION WHEN OTHERS THEN
        v := SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9]{3,}', 'N', 'g');
    END;
    RESET ROLE;
    RETURN v;
END
$$;

-- A database that never created a tenant has the built-in one only.
SELECT id, name FROM wfauth.tenants ORDER BY id;
SELECT wfauth.current_tenant() AS acting;

-- Tenants are a DBA's to manage
SELECT wfauth.create_tenant('Acme') AS acme \gset
SELECT wfauth.create_tenant('Globex') AS globex \gset
SELECT :acme > 1 AND :globex > :acme AS new_ids;
SELECT try($$SELECT wfauth.create_tenant('ACME')$$);
SELECT try($$SELECT wfauth.create_tenant(' ')$$);
SELECT try($$SELECT wfauth.rename_tenant('default', 'other')$$);
SELECT try($$SELECT wfauth.delete_tenant('default')$$);
SELECT try($$SELECT wfauth.delete_tenant('Initech')$$);
SELECT as_app(NULL, NULL, $$SELECT wfauth.create_tenant('Mine')$$) AS app_role_creates;
SELECT as_app(NULL, NULL, $$SELECT wfauth.set_tenant('Acme')$$) AS app_role_chooses;
SELECT wfauth.rename_tenant('Globex', 'Globex Corp');
SELECT name FROM wfauth.tenants ORDER BY id;
-- each tenant has its own Everyone, a group like any other but built in
SELECT t.name, p.name, p.kind, p.id = t.everyone_id AS built_in
  FROM wfauth.tenants t JOIN wfauth.principals p ON p.id = t.everyone_id ORDER BY t.id;

-- The same e-mail address in two tenants: two accounts, two passwords.
SELECT wfauth.create_user('dana@shared.example', 'dana password in default', permissions => '{dashboards}') AS dana_default \gset
SELECT wfauth.create_user('root@tenants.example') AS root_default \gset
SELECT wfauth.grant_super_admin('root@tenants.example');
SELECT wfauth.create_group('Engineering') AS eng_default \gset
BEGIN;
SELECT wfauth.set_tenant('acme');
SELECT wfauth.current_tenant() = :acme AS acting_in_acme;
SELECT wfauth.create_user('dana@shared.example', 'dana password at acme', permissions => '{dashboards}') AS dana_acme \gset
SELECT wfauth.create_user('boss@acme.example', groups => '{}') AS boss_acme \gset
SELECT wfauth.grant_super_admin('boss@acme.example');
SELECT wfauth.create_user('admin@acme.example', permissions => '{accounts}') AS admin_acme \gset
SELECT wfauth.create_service_account('exporter') AS exporter_acme \gset
-- names are unique within a tenant only: Engineering exists in default
SELECT wfauth.create_group('Engineering') AS eng_acme \gset
SELECT wfauth.create_role('Editors', '{dashboards}') IS NOT NULL AS role_made;
SELECT wfauth.add_members('Engineering', '{dana@shared.example}');
SELECT wfauth.set_new_object_access('creator');
SELECT wfauth.set_new_user_defaults('{metrics}', '{Engineering}');
SELECT count(*) AS acme_accounts FROM wfauth.account_list;
COMMIT;
SELECT :dana_acme <> :dana_default AS two_danas, :eng_acme <> :eng_default AS two_groups;
-- the default tenant's model did not change
SELECT wfauth.new_object_access() AS default_preference;
SELECT count(*) AS default_new_user_defaults FROM wfauth.new_user_defaults;
SELECT count(*) FILTER (WHERE identifier = 'dana@shared.example') AS danas_listed,
       count(*) FILTER (WHERE identifier = 'boss@acme.example') AS acme_boss_listed
  FROM wfauth.account_list;

-- login takes the tenant; each dana has her own password
SELECT try($$SELECT wfauth.login('dana@shared.example', 'dana password at acme', 'Acme') IS NOT NULL$$) AS acme_password_at_acme;
SELECT try($$SELECT wfauth.login('dana@shared.example', 'dana password at acme')$$) AS acme_password_at_default;
SELECT try($$SELECT wfauth.login('dana@shared.example', 'dana password in default', 'acme')$$) AS default_password_at_acme;
SELECT try($$SELECT wfauth.login('dana@shared.example', 'dana password in default', 'no such tenant')$$) AS unknown_tenant;
BEGIN;
SELECT wfauth.login('dana@shared.example', 'dana password at acme', 'acme') IS NOT NULL AS logged_in;
SELECT wfauth.current_principal() = :dana_acme AS is_acme_dana, wfauth.current_tenant() = :acme AS in_acme;
COMMIT;

-- A token knows its tenant.
BEGIN;
SELECT wfauth.set_principal('admin@acme.example', 'acme');
SELECT wfauth.generate_token('sa::exporter', 'ci') AS exporter_token \gset
COMMIT;
BEGIN;
SELECT wfauth.authenticate_token(:'exporter_token') = :exporter_acme AS token_account,
       wfauth.current_tenant() = :acme AS token_tenant;
SELECT count(*) AS tokens_seen FROM wfauth.token_list;
COMMIT;
SELECT count(*) FILTER (WHERE account = 'sa::exporter') AS default_sees_acme_token FROM wfauth.token_list;

-- Management stays inside the acting tenant: no name or id of another
-- tenant resolves; errors are those of a name that does not exist.
SELECT call, as_app('admin@acme.example', 'acme', sql) AS acme_accounts_holder
  FROM (VALUES
    ('account_id of a default account', $$SELECT wfauth.account_id('root@tenants.example')$$),
    ('set_active on a default account', $$SELECT wfauth.set_active('root@tenants.example', false)$$),
    ('delete a default account', $$SELECT wfauth.delete_account('root@tenants.example')$$),
    ('add a default account to a group', $$SELECT wfauth.add_members('Engineering', '{root@tenants.example}')$$),
    ('grant to a default account', $$SELECT wfauth.grant_permission('metrics', '{root@tenants.example}')$$),
    ('token for a default account', $$SELECT wfauth.generate_token('root@tenants.example', 'x')$$),
    ('password of a default account', $$SELECT wfauth.set_password('root@tenants.example', 'a long enough password')$$),
    ('own dana is found', $$SELECT wfauth.account_id('dana@shared.example') IS NOT NULL$$),
    ('a group name of both: acme''s', format($$SELECT 1/(id = %s)::int FROM wfauth.group_list WHERE name = 'Engineering'$$, :eng_acme)),
    ('alter a default role', $$SELECT wfauth.alter_role('NoSuchInAcme', description => 'x')$$)
  ) c(call, sql);
SELECT wfauth.create_role('Default only', '{metrics}') IS NOT NULL AS default_role;
SELECT as_app('admin@acme.example', 'acme', $$SELECT wfauth.grant_role('Default only', '{dana@shared.example}')$$) AS grant_default_role;
-- ids of another tenant behave like ids that do not exist
BEGIN;
SELECT wfauth.set_principal('admin@acme.example', 'acme');
SET LOCAL ROLE wfauth_regress_app;
SELECT wfauth.has_permission(:root_default, 'accounts') AS default_super_admin_has,
       wfauth.has_permission(:admin_acme, 'accounts') AS own_admin_has,
       (SELECT count(*) FROM wfauth.effective_permissions(:dana_default)) AS default_dana_permissions,
       (SELECT count(*) FROM wfauth.effective_permissions(:dana_acme)) AS acme_dana_permissions;
SELECT step, rule, result FROM wfauth.explain_access(:dana_default, 'dashboard/0:{1=modify}', 'view');
-- The views show the acting tenant's rows only.
SELECT (SELECT count(*) FROM wfauth.account_list) AS accounts,
       (SELECT string_agg(name || CASE WHEN built_in THEN '*' ELSE '' END, ',' ORDER BY name) FROM wfauth.group_list) AS groups,
       (SELECT count(*) FROM wfauth.member_list) AS members,
       (SELECT string_agg(name, ',') FROM wfauth.role_list) AS roles,
       (SELECT string_agg(kind || ':' || name, ',' ORDER BY kind, name) FROM wfauth.new_user_defaults) AS defaults,
       (SELECT count(*) FROM wfauth.audit_list WHERE target IN ('root@tenants.example', 'Default only')) AS default_audit_rows,
       (SELECT string_agg(name, ',') FROM wfauth.tenants) AS tenants_seen,
       wfauth.new_object_access() AS preference;
COMMIT;

-- Super Admins: the last-Super-Admin rule holds per tenant, and a tenant's
-- Super Admin is nobody in another tenant.
BEGIN;
SELECT wfauth.set_principal('boss@acme.example', 'acme');
SELECT try($$SELECT wfauth.revoke_super_admin('boss@acme.example')$$) AS last_acme_super_admin;
SELECT try($$SELECT wfauth.register_permission('acme_only', 'a permission for one tenant')$$) AS register_permission;
SELECT try($$SELECT wfauth.register_kind('acme_thing', 'dashboards')$$) AS register_kind;
SELECT try($$SELECT wfauth.logout('root@tenants.example')$$) AS logout_default_user;
SELECT try($$SELECT wfauth.grant_super_admin('root@tenants.example')$$) AS grant_default_user;
COMMIT;

-- A DBA with no principal cannot set a tenant while a principal acts, nor
-- can SQL forge the acting tenant.
BEGIN;
SELECT wfauth.set_principal('dana@shared.example');
SELECT try($$SELECT wfauth.set_tenant('acme')$$) AS set_tenant_under_a_principal;
ROLLBACK;
SELECT try(format($$SET wfauth.principal = '%s:0:%s'$$, :root_default, :acme)) AS forged;
SELECT try(format($$SELECT set_config('wfauth.principal', '0:0:%s', true)$$, :acme)) AS forged_tenant;
-- a group and its members belong to one tenant, even under a DBA's DML
SELECT regexp_replace(try(format('INSERT INTO wfauth.group_members (group_id, member_id) VALUES (%s, %s)',
                                 :eng_acme, :dana_default)), 'principal [0-9]+', 'principal N') AS cross_tenant_member;

-- Objects belong to the tenant that inserted them.
CREATE TABLE appdata.docs (id int PRIMARY KEY, title text);
GRANT SELECT, INSERT, UPDATE, DELETE ON appdata.docs TO wfauth_regress_app;
SELECT wfauth.protect('appdata.docs', 'dashboard');
CREATE INDEX docs_acl ON appdata.docs USING gin (acl);
BEGIN;
SELECT wfauth.set_principal('dana@shared.example');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO appdata.docs VALUES (1, 'default dana''s');
COMMIT;
BEGIN;
SET LOCAL ROLE wfauth_regress_app;
SELECT wfauth.login('dana@shared.example', 'dana password at acme', 'acme') IS NOT NULL AS acme_dana;
INSERT INTO appdata.docs VALUES (2, 'acme dana''s'), (3, 'acme dana''s too');
COMMIT;
SELECT id, wfauth.acl_tenant(acl) = :acme AS acme_row, wfauth.acl_creator(acl) = :dana_acme AS acme_creator,
       acl::text LIKE '%@' || :acme AS text_form_names_it
  FROM appdata.docs ORDER BY id;
-- the acme row's ACL is the acme preference's: its creator only
SELECT id, regexp_replace(e.grantee, '[0-9]+', 'N') AS grantee, e.mode FROM appdata.docs, wfauth.acl_entries(acl) e ORDER BY id, 2;
-- who sees what: each principal its tenant's rows; Super Admins included
SELECT who, tenant, as_app(who, tenant, 'SELECT string_agg(id::text, '','' ORDER BY id) FROM appdata.docs') AS rows_seen
  FROM (VALUES ('dana@shared.example', NULL), ('root@tenants.example', NULL),
               ('dana@shared.example', 'acme'), ('boss@acme.example', 'acme'), ('admin@acme.example', 'acme')) w(who, tenant);
-- can_access of an acme row, asked in acme and in default: only a principal
-- of the acting tenant is anybody (an id of another tenant answers like a
-- missing one, even about a row of its own tenant)
BEGIN;
SELECT wfauth.set_tenant('acme');
SELECT 'in acme' AS asked, wfauth.can_access(:root_default, acl, 'view') AS default_super_admin,
       wfauth.can_access(:boss_acme, acl, 'modify') AS acme_super_admin,
       wfauth.can_access(:dana_acme, acl, 'modify') AS acme_dana,
       wfauth.can_access(:dana_default, acl, 'view') AS default_dana
  FROM appdata.docs WHERE id = 2;
COMMIT;
SELECT 'in default' AS asked, wfauth.can_access(:root_default, acl, 'view') AS default_super_admin,
       wfauth.can_access(:boss_acme, acl, 'modify') AS acme_super_admin,
       wfauth.can_access(:dana_acme, acl, 'modify') AS acme_dana,
       wfauth.can_access(:dana_default, acl, 'view') AS default_dana
  FROM appdata.docs WHERE id = 2;
-- through the listing index too: an acme Super Admin's "every row" is acme's
SET enable_seqscan = off;
SELECT as_app('boss@acme.example', 'acme', 'SELECT string_agg(id::text, '','' ORDER BY id) FROM appdata.docs WHERE acl OPERATOR(wfauth.@@) ' || :boss_acme) AS index_super_admin,
       as_app('dana@shared.example', NULL, 'SELECT string_agg(id::text, '','' ORDER BY id) FROM appdata.docs WHERE acl OPERATOR(wfauth.@@) ' || :dana_default) AS index_default_dana;
-- ... and the index finds them by the tenant's key: no other tenant's row
-- is read and rechecked (a Super Admin of the default tenant reads all)
CREATE FUNCTION pg_temp.index_work(who text, tenant text, q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    PERFORM wfauth.set_principal(who, tenant);
    SET LOCAL ROLE wfauth_regress_app;
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF line ~ 'Index Scan|Removed by Index Recheck' THEN
            RETURN NEXT regexp_replace(line, '^ *(->)? *', '');
        END IF;
    END LOOP;
    RESET ROLE;
    PERFORM wfauth.reset_principal();
END
$$;
SELECT pg_temp.index_work('boss@acme.example', 'acme', 'SELECT id FROM appdata.docs WHERE acl OPERATOR(wfauth.@@) ' || :boss_acme) AS acme_super_admin;
SELECT pg_temp.index_work('root@tenants.example', NULL, 'SELECT id FROM appdata.docs WHERE acl OPERATOR(wfauth.@@) ' || :root_default) AS default_super_admin;
RESET enable_seqscan;
-- no ACL change moves a row to another tenant, or names another tenant's principal
SELECT attack, as_app(who, tenant, sql) AS result
  FROM (VALUES
    ('acme dana moves her row to default', 'dana@shared.example', 'acme',
     $$UPDATE appdata.docs SET acl = replace(acl::text, '@' || wfauth.current_tenant(), '')::wfauth.acl WHERE id = 2$$),
    ('acme dana grants default''s dana by name', 'dana@shared.example', 'acme',
     $$UPDATE appdata.docs SET acl = wfauth.acl_grant(acl, 'root@tenants.example', 'view') WHERE id = 2$$),
    ('acme dana grants default''s Super Admin by id', 'dana@shared.example', 'acme',
     format($$UPDATE appdata.docs SET acl = replace(acl::text, '{', '{%s=view,')::wfauth.acl WHERE id = 2$$, :root_default)),
    ('acme dana grants default''s Everyone by id', 'dana@shared.example', 'acme',
     $$UPDATE appdata.docs SET acl = replace(acl::text, '{', '{1=view,')::wfauth.acl WHERE id = 2$$),
    ('acme dana inserts a row with a default ACL', 'dana@shared.example', 'acme',
     $$INSERT INTO appdata.docs (id, title, acl) VALUES (9, 'x', 'dashboard/0:{1=modify}')$$),
    ('default''s Super Admin moves acme''s row', 'root@tenants.example', NULL,
     $$WITH u AS (UPDATE appdata.docs SET acl = replace(acl::text, '@', '@1')::wfauth.acl WHERE id = 2 RETURNING id)
       SELECT count(*) || ' rows' FROM u$$),
    ('default''s Super Admin deletes acme''s rows', 'root@tenants.example', NULL,
     $$WITH u AS (DELETE FROM appdata.docs WHERE id > 1 RETURNING id) SELECT count(*) || ' rows' FROM u$$),
    ('acme dana grants her own Everyone', 'dana@shared.example', 'acme',
     $$UPDATE appdata.docs SET acl = wfauth.acl_grant(acl, 'everyone', 'view') WHERE id = 3$$)
  ) a(attack, who, tenant, sql);
SELECT id, wfauth.acl_tenant(acl) = :acme AS acme_row FROM appdata.docs ORDER BY id;
DELETE FROM appdata.docs WHERE id = 9;
-- a DBA acting in default removes an entry of an acme row by its id: ACL
-- changes are audited in the object's tenant, whoever makes them
UPDATE appdata.docs SET acl = wfauth.acl_revoke(acl, '#' || (SELECT everyone_id FROM wfauth.tenants WHERE name = 'Acme'))
 WHERE id = 3;
SELECT tenant_id = :acme AS in_acme, count(*) FROM wfauth.audit_log
 WHERE action = 'change_acl' AND target = 'appdata.docs' GROUP BY 1 ORDER BY 1;
-- the directory functions stay in the tenant (the ACL values are read as
-- the DBA and passed in, as an attacker could pass made-up ones)
CREATE TEMP TABLE acls AS SELECT id, acl FROM appdata.docs;
BEGIN;
SELECT wfauth.set_principal('admin@acme.example', 'acme');
SELECT d.id, w.identifier, w.via FROM acls d, wfauth.who_can_access(d.acl, 'view') w ORDER BY 1, 2, 3;
SELECT d.id, e.grantee FROM acls d, wfauth.acl_entries(d.acl) e ORDER BY 1, 2;
COMMIT;
BEGIN;
SELECT wfauth.set_principal('root@tenants.example');
SELECT d.id, w.identifier FROM acls d, wfauth.who_can_access(d.acl, 'view') w
 WHERE w.identifier ~ '(shared|tenants|acme)\.example$' ORDER BY 1, 2;
SELECT d.id, regexp_replace(e.grantee, '[0-9]+', 'N') AS grantee FROM acls d, wfauth.acl_entries(d.acl) e ORDER BY 1, 2;
COMMIT;
-- orphans are the acting tenant's: acme dana's deletion orphans acme rows only
BEGIN;
SELECT wfauth.set_principal('boss@acme.example', 'acme');
UPDATE appdata.docs
   SET acl = wfauth.acl_revoke(wfauth.acl_revoke(wfauth.acl_grant(acl, 'sa::exporter', 'view'), 'everyone'), 'dana@shared.example')
 WHERE id = 3;
SELECT wfauth.delete_account('sa::exporter');
SELECT wfauth.reset_principal();
SELECT count(*) AS default_orphans FROM wfauth.orphaned_objects();
SELECT wfauth.set_tenant('acme');
SELECT o.tbl, d.id FROM wfauth.orphaned_objects() o JOIN appdata.docs d ON d.ctid = o.ctid;
ROLLBACK;

-- Deleting a tenant: refused while it has protected rows; then its whole
-- model goes, and its credentials with it.
SELECT try($$SELECT wfauth.delete_tenant('acme')$$) AS with_rows;
DELETE FROM appdata.docs WHERE wfauth.acl_tenant(acl) = :acme;
BEGIN;
SELECT wfauth.set_tenant('acme');
SELECT try($$SELECT wfauth.delete_tenant('acme')$$) AS acting_tenant;
ROLLBACK;
SELECT wfauth.delete_tenant('Acme');
SELECT name FROM wfauth.tenants ORDER BY id;
SELECT count(*) AS acme_principals_left FROM wfauth.principals WHERE tenant_id = :acme;
SELECT count(*) AS acme_roles_left FROM wfauth.roles WHERE tenant_id = :acme;
SELECT count(*) AS acme_audit_left FROM wfauth.audit_log WHERE tenant_id = :acme;
SELECT try(format($$SELECT wfauth.authenticate_token(%L)$$, :'exporter_token')) AS deleted_tenant_token;
SELECT try($$SELECT wfauth.login('dana@shared.example', 'dana password at acme', 'acme')$$) AS deleted_tenant_login;
-- default's dana, and everything of default, is untouched
BEGIN;
SELECT wfauth.login('dana@shared.example', 'dana password in default') IS NOT NULL AS default_dana_logs_in;
SELECT count(*) AS default_dana_rows FROM appdata.docs;
COMMIT;
SELECT action, target FROM wfauth.audit_list WHERE action LIKE '%tenant%' ORDER BY id;
SELECT wfauth.delete_tenant('globex corp');
DROP TABLE appdata.docs;
SELECT wfauth.delete_account('dana@shared.example');
SELECT wfauth.delete_group('Engineering');
SELECT wfauth.delete_role('Default only');
