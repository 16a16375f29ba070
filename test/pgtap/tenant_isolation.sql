-- Tenants never reach each other (DESIGN §6): four tenants (default and
-- three more), each with a random model made through wfauth's functions --
-- the same e-mail addresses in every tenant, names of its own, groups,
-- roles, grants, a Super Admin, an accounts holder -- and random ACLs on one
-- protected table.  Then every decision, every listing (index and plain
-- scan), the management functions, the views and the audit log, as seen
-- from each tenant, are compared with what that tenant alone holds.
BEGIN;
SELECT plan(11);
SELECT setseed(0.11);
SET client_min_messages = warning;
CREATE ROLE wfauth_tap_tenant_app;
GRANT USAGE ON SCHEMA wfauth TO wfauth_tap_tenant_app;

CREATE TEMP TABLE tenant (name text PRIMARY KEY, id bigint);
INSERT INTO tenant VALUES ('default', 1);
INSERT INTO tenant SELECT n, wfauth.create_tenant(n) FROM unnest(ARRAY['ta', 'tb', 'tc']) n;
ALTER TABLE tenant ADD COLUMN everyone_id bigint;
UPDATE tenant t SET everyone_id = w.everyone_id FROM wfauth.tenants w WHERE w.id = t.id;
GRANT SELECT ON tenant TO wfauth_tap_tenant_app;

-- each tenant's model, made by a DBA acting in it
CREATE TEMP TABLE acct (id bigint PRIMARY KEY, tenant text, identifier text, service boolean);
DO $$
DECLARE
    t record;
    i int;
BEGIN
    FOR t IN SELECT * FROM tenant ORDER BY id LOOP
        PERFORM wfauth.reset_principal();
        IF t.id <> 1 THEN
            PERFORM wfauth.set_tenant(t.name);
        END IF;
        FOR i IN 1..4 LOOP      -- in every tenant
            INSERT INTO acct VALUES (wfauth.create_user('shared' || i || '@example.com'), t.name, 'shared' || i || '@example.com', false);
        END LOOP;
        FOR i IN 1..6 LOOP      -- only in this one
            INSERT INTO acct VALUES (wfauth.create_user('u' || i || '@' || t.name || '.example'), t.name, 'u' || i || '@' || t.name || '.example', false);
        END LOOP;
        INSERT INTO acct VALUES (wfauth.create_service_account('bot'), t.name, 'sa::bot', true);
        INSERT INTO acct VALUES (wfauth.create_service_account('bot_' || t.name), t.name, 'sa::bot_' || t.name, true);
        INSERT INTO acct VALUES (wfauth.create_user('admin@' || t.name || '.example', permissions => '{accounts}'),
                                 t.name, 'admin@' || t.name || '.example', false);
        PERFORM wfauth.create_group('Team1'), wfauth.create_group('Team2'), wfauth.create_group('Only_' || t.name);
        PERFORM wfauth.create_role('Editors', '{dashboards}');
        PERFORM wfauth.add_members(g, ARRAY(SELECT a.identifier FROM acct a WHERE a.tenant = t.name AND random() < 0.4))
           FROM unnest(ARRAY['Team1', 'Team2', 'Only_' || t.name]) g;
        PERFORM wfauth.grant_role('Editors', ARRAY(SELECT a.identifier FROM acct a WHERE a.tenant = t.name AND random() < 0.3)
                                              || ARRAY['group:Team2']);
        PERFORM wfauth.grant_permission('dashboards', ARRAY(SELECT a.identifier FROM acct a WHERE a.tenant = t.name AND random() < 0.2));
        PERFORM wfauth.grant_super_admin('u1@' || t.name || '.example');
        PERFORM wfauth.generate_token('sa::bot', 'ci');
    END LOOP;
    PERFORM wfauth.reset_principal();
END $$;
GRANT SELECT ON acct TO wfauth_tap_tenant_app;
CREATE TEMP TABLE grp AS
SELECT p.id, t.name AS tenant, p.id = t.everyone_id AS everyone
  FROM wfauth.principals p JOIN tenant t ON t.id = p.tenant_id WHERE p.kind = 'group';

-- 80 rows per tenant, each inserted in its tenant, then given 0..5 random
-- entries of that tenant's accounts and groups (Everyone included; none
-- drawn: Everyone, view)
CREATE TABLE public.tobjects (id int PRIMARY KEY, tenant text);
SELECT wfauth.protect('public.tobjects', 'dashboard');
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM tenant ORDER BY id LOOP
        PERFORM wfauth.reset_principal();
        IF t.id <> 1 THEN
            PERFORM wfauth.set_tenant(t.name);
        END IF;
        INSERT INTO public.tobjects SELECT g, t.name FROM generate_series(t.id * 1000, t.id * 1000 + 79) g;
    END LOOP;
    PERFORM wfauth.reset_principal();
END $$;
UPDATE public.tobjects o SET acl = (
    SELECT (regexp_replace(o.acl::text, '\{.*\}', '{' || coalesce(string_agg(e.id || '=' || e.mode, ','),
                                                         (SELECT t.everyone_id || '=view' FROM tenant t WHERE t.name = o.tenant)) || '}'))::wfauth.acl
      FROM (SELECT DISTINCT ON (p.id) p.id, CASE WHEN random() < 0.5 THEN 'view' ELSE 'modify' END AS mode
              FROM (SELECT id FROM acct WHERE tenant = o.tenant UNION ALL SELECT id FROM grp WHERE tenant = o.tenant) p
             WHERE random() < 0.12 + 0 * o.id ORDER BY p.id) e);
CREATE INDEX tobjects_acl ON public.tobjects USING gin (acl);
ANALYZE public.tobjects;
GRANT SELECT ON public.tobjects TO wfauth_tap_tenant_app;

SELECT is((SELECT count(*) FROM public.tobjects o JOIN tenant t ON t.name = o.tenant
            WHERE wfauth.acl_tenant(o.acl) IS DISTINCT FROM t.id), 0::bigint,
          'each row belongs to the tenant that inserted it (320 rows, 80 per tenant)');

-- the reference: DESIGN §2 within the row's tenant, from the tables
CREATE TEMP TABLE reference AS
WITH facts AS (
    SELECT a.id, a.tenant, a.service, p.active, p.super_admin,
           EXISTS (SELECT 1 FROM wfauth.effective_permissions(a.id) e WHERE e.permission = 'dashboards') AS perm,
           ARRAY(SELECT a.id UNION SELECT t.everyone_id UNION SELECT m.group_id FROM wfauth.group_members m
                  WHERE m.member_id = a.id) AS mine
      FROM acct a JOIN wfauth.principals p ON p.id = a.id JOIN tenant t ON t.name = a.tenant
)
SELECT o.id AS object, f.id AS account, f.tenant, o.tenant AS object_tenant, m.mode,
       f.tenant = o.tenant AND f.active AND (f.super_admin OR (
           (m.mode = 'view' AND NOT f.service OR f.perm) AND EXISTS (
               SELECT 1 FROM wfauth._acl_items(o.acl) i
                WHERE i.principal = ANY (f.mine) AND (m.mode = 'view' OR i.modify)))) AS expected
  FROM public.tobjects o, facts f, (VALUES ('view'::wfauth.access_mode), ('modify')) m(mode);
-- effective_permissions answers for the acting tenant only: compute per tenant
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM tenant WHERE id <> 1 LOOP
        PERFORM wfauth.set_tenant(t.name);
        UPDATE reference r SET expected = r.tenant = r.object_tenant AND p.active AND (p.super_admin OR (
               (r.mode = 'view' AND NOT a.service OR EXISTS (SELECT 1 FROM wfauth.effective_permissions(a.id) e
                                                             WHERE e.permission = 'dashboards'))
               AND EXISTS (SELECT 1 FROM public.tobjects o, wfauth._acl_items(o.acl) i
                            WHERE o.id = r.object AND (r.mode = 'view' OR i.modify)
                              AND (i.principal = a.id OR i.principal = t.everyone_id
                                   OR i.principal IN (SELECT m.group_id FROM wfauth.group_members m WHERE m.member_id = a.id)))))
          FROM acct a, wfauth.principals p
         WHERE a.tenant = t.name AND r.account = a.id AND p.id = a.id;
        PERFORM wfauth.reset_principal();
    END LOOP;
END $$;
SELECT ok((SELECT count(*) > 30000 AND count(DISTINCT expected) = 2 FROM reference),
          'over 30,000 decisions to compare, with both outcomes');
-- each decision asked in the account's own tenant (as the policies ask it),
-- and in every other tenant (as a client probing ids would)
CREATE TEMP TABLE decided AS SELECT r.*, ''::text AS asked_in, false AS decision FROM reference r LIMIT 0;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM tenant ORDER BY id LOOP
        PERFORM wfauth.reset_principal();
        IF t.id <> 1 THEN
            PERFORM wfauth.set_tenant(t.name);
        END IF;
        INSERT INTO decided
        SELECT r.*, t.name, wfauth.can_access(r.account, o.acl, r.mode)
          FROM reference r JOIN public.tobjects o ON o.id = r.object;
    END LOOP;
    PERFORM wfauth.reset_principal();
END $$;
SELECT is((SELECT count(*) FROM decided WHERE asked_in = tenant AND decision IS DISTINCT FROM expected), 0::bigint,
          'can_access agrees with the per-tenant reference on every decision');
SELECT is((SELECT count(*) FROM decided WHERE (asked_in <> tenant OR tenant <> object_tenant) AND decision), 0::bigint,
          'no principal reaches a row of another tenant, Super Admins included, and asked from another tenant an id reaches nothing, even its own tenant''s rows');

-- listing: what each account sees through the policy, by index and by plain scan
CREATE FUNCTION pg_temp.seen(who bigint, tenant text, indexed boolean) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
    v int[];
BEGIN
    PERFORM wfauth.set_principal((SELECT identifier FROM acct WHERE id = who), tenant);
    SET LOCAL ROLE wfauth_tap_tenant_app;
    PERFORM set_config('enable_seqscan', (NOT indexed)::text, true);
    PERFORM set_config('enable_bitmapscan', indexed::text, true);
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v FROM public.tobjects;
    RESET ROLE;
    PERFORM set_config('enable_seqscan', 'on', true);
    PERFORM set_config('enable_bitmapscan', 'on', true);
    PERFORM wfauth.reset_principal();
    RETURN v;
END
$$;
CREATE TEMP TABLE listed AS
SELECT a.id, pg_temp.seen(a.id, a.tenant, true) AS by_index, pg_temp.seen(a.id, a.tenant, false) AS by_scan,
       ARRAY(SELECT r.object FROM reference r WHERE r.account = a.id AND r.mode = 'view' AND r.expected
              ORDER BY r.object)::int[] AS expected
  FROM acct a;
SELECT is((SELECT count(*) FROM listed WHERE by_index IS DISTINCT FROM expected OR by_scan IS DISTINCT FROM expected),
          0::bigint, 'every account lists exactly its reference rows, through the listing index and a plain scan');

-- Management as each tenant's accounts holder: every identifier and group
-- name of another tenant gets the refusal of a name that does not exist.
CREATE FUNCTION pg_temp.attempt(admin text, tenant text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    PERFORM wfauth.set_principal(admin, tenant);
    SET LOCAL ROLE wfauth_tap_tenant_app;
    BEGIN
        EXECUTE sql;
        v := 'ok';
    EXCEPTION WHEN OTHERS THEN
        v := SQLSTATE || ': ' || SQLERRM;
    END;
    RESET ROLE;
    PERFORM wfauth.reset_principal();
    RETURN v;
END
$$;
CREATE FUNCTION pg_temp.model() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(concat_ws(',', id, name, active, super_admin, tenant_id), ';' ORDER BY id) FROM wfauth.principals),
        (SELECT string_agg(group_id || ',' || member_id, ';' ORDER BY 1) FROM wfauth.group_members),
        (SELECT string_agg(principal_id || ',' || role_id, ';' ORDER BY 1) FROM wfauth.role_grants),
        (SELECT string_agg(principal_id || ',' || permission, ';' ORDER BY 1) FROM wfauth.permission_grants),
        (SELECT string_agg(account_id || ',' || name, ';' ORDER BY 1) FROM wfauth.tokens)))
$$;
SELECT pg_temp.model() AS model_before \gset
CREATE TEMP TABLE foreign_calls AS
SELECT t.name AS tenant, c.call, a.identifier, m.name AS missing_name,
       pg_temp.attempt('admin@' || t.name || '.example', t.name, format(c.sql, a.identifier)) AS result,
       pg_temp.attempt('admin@' || t.name || '.example', t.name, format(c.sql, m.name)) AS missing
  FROM tenant t, acct a, LATERAL (SELECT CASE WHEN a.service THEN 'sa::nobody' || a.id
                                              ELSE 'nobody' || a.id || '@nowhere.example' END) m(name),
       (VALUES ('account_id', 'SELECT wfauth.account_id(%L)'),
               ('set_active', 'SELECT wfauth.set_active(%L, false)'),
               ('delete_account', 'SELECT wfauth.delete_account(%L)'),
               ('generate_token', 'SELECT wfauth.generate_token(%L, ''x'')'),
               ('grant_role', 'SELECT wfauth.grant_role(''Editors'', ARRAY[%L])'),
               ('add_members', 'SELECT wfauth.add_members(''Team1'', ARRAY[%L])')) c(call, sql)
 WHERE a.tenant <> t.name AND a.identifier NOT LIKE 'shared%' AND a.identifier <> 'sa::bot';
SELECT is((SELECT count(*) FROM foreign_calls
            WHERE replace(result, identifier, '<name>') IS DISTINCT FROM replace(missing, missing_name, '<name>')
               OR result NOT LIKE 'P0002:%'), 0::bigint,
          format('%s calls naming another tenant''s account refuse it exactly as an account that does not exist',
                 (SELECT count(*) FROM foreign_calls)));
SELECT is(pg_temp.model(), :'model_before', 'and changed nothing of any tenant''s model');
SELECT is((SELECT count(*) FROM tenant t, tenant o
            WHERE o.name <> t.name
              AND pg_temp.attempt('admin@' || t.name || '.example', t.name,
                                  format('SELECT wfauth.add_members(%L, ''{}'')', 'Only_' || o.name))
                  <> format('P0002: group "Only_%s" does not exist', o.name)), 0::bigint,
          'another tenant''s group names do not exist');
-- ids of another tenant: no permission, no effective permission, no explanation
CREATE FUNCTION pg_temp.about(admin text, tenant text, who bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    PERFORM wfauth.set_principal(admin, tenant);
    SET LOCAL ROLE wfauth_tap_tenant_app;
    SELECT wfauth.has_permission(who, 'dashboards')::text || '/' ||
           (SELECT count(*) FROM wfauth.effective_permissions(who)) || '/' ||
           (SELECT string_agg(e.rule, ';' ORDER BY e.step) FROM wfauth.explain_access(who, 'dashboard/0:{}', 'view') e)
      INTO v;
    RESET ROLE;
    PERFORM wfauth.reset_principal();
    RETURN v;
END
$$;
SELECT is((SELECT count(*) FROM tenant t, acct a
            WHERE a.tenant <> t.name
              AND pg_temp.about('admin@' || t.name || '.example', t.name, a.id)
                  <> 'false/0/Super Admin: no;group-level entries: none for a group of this principal;user-level entries: none for this principal;decision: denied (no such principal)'),
          0::bigint, 'ids of another tenant answer like ids that do not exist (has_permission, effective_permissions, explain_access)');

-- What each tenant's accounts holder reads: only its tenant's ids and names.
CREATE TEMP TABLE all_acls AS SELECT id, acl FROM public.tobjects;
GRANT SELECT ON all_acls TO wfauth_tap_tenant_app;
CREATE FUNCTION pg_temp.read_all(admin text, tenant text) RETURNS TABLE (source text, id bigint, label text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wfauth.set_principal(admin, tenant);
    SET LOCAL ROLE wfauth_tap_tenant_app;
    RETURN QUERY
        SELECT 'account_list', l.id, l.identifier FROM wfauth.account_list l
        UNION ALL SELECT 'group_list', l.id, l.name FROM wfauth.group_list l
        UNION ALL SELECT 'member_list', l.account_id, l.group_name FROM wfauth.member_list l
        UNION ALL SELECT 'member_list', l.group_id, l.identifier FROM wfauth.member_list l
        UNION ALL SELECT 'grant_list', l.principal_id, l.grantee FROM wfauth.grant_list l
        UNION ALL SELECT 'role_list', NULL, l.name FROM wfauth.role_list l
        UNION ALL SELECT 'token_list', l.account_id, l.account FROM wfauth.token_list l
        UNION ALL SELECT 'audit_list', l.principal_id, concat_ws(' ', l.actor, l.target, l.details::text) FROM wfauth.audit_list l
        UNION ALL SELECT 'who_can_access', w.account_id, w.identifier || ' ' || w.via
                    FROM all_acls o, wfauth.who_can_access(o.acl, 'view') w WHERE o.id % 7 = 0
        UNION ALL SELECT 'acl_entries', NULL, e.grantee
                    FROM all_acls o, wfauth.acl_entries(o.acl) e WHERE o.id % 5 = 0
        UNION ALL SELECT 'tenants', l.id, l.name FROM wfauth.tenants l;
    RESET ROLE;
    PERFORM wfauth.reset_principal();
END
$$;
-- (who_can_access and acl_entries are given every row's ACL, of every
-- tenant: the DBA reads them, as an attacker could make such values up)
CREATE TEMP TABLE reads AS
SELECT t.name AS tenant, r.* FROM tenant t, pg_temp.read_all('admin@' || t.name || '.example', t.name) r;
SELECT ok((SELECT count(DISTINCT source) = 10 AND count(*) > 500 FROM reads),
          'every view and directory function was read from every tenant');
SELECT is((SELECT count(*) FROM reads r
            WHERE r.id IN (SELECT a.id FROM acct a WHERE a.tenant <> r.tenant
                           UNION ALL SELECT g.id FROM grp g WHERE g.tenant <> r.tenant
                           UNION ALL SELECT t.id FROM tenant t WHERE t.name <> r.tenant AND r.source = 'tenants')
               OR EXISTS (SELECT 1 FROM tenant o WHERE o.name <> r.tenant
                           AND (r.label LIKE '%@' || o.name || '.example%' OR r.label LIKE '%bot\_' || o.name || '%'
                                OR r.label LIKE '%Only\_' || o.name || '%'))), 0::bigint,
          'no view, audit row or directory answer names an id or a name of another tenant');
SELECT * FROM finish();
ROLLBACK;
