-- The listing index (DESIGN §7): CREATE INDEX ... USING gin (acl) lets the
-- unchanged policies find the rows a principal may see when they are few
-- (a bitmap index scan, the policy still deciding every row), and the
-- planner keeps the plain scan when the principal sees most rows.  (Super
-- Admins, and 10,000 random decisions: the pgTAP suite listing_properties.)
SET client_min_messages = warning;
SET ROLE wfauth_regress_app;
CREATE TABLE appdata.listed (id int PRIMARY KEY, title text);
SELECT wfauth.protect('appdata.listed', 'dashboard');
RESET ROLE;
-- 200 groups; 20,000 rows, each shared with one group; everyone sees row 1..200
SELECT count(*) AS groups FROM (SELECT wfauth.create_group('lst' || i) FROM generate_series(1, 200) i) s;
SELECT wfauth.create_user('few@example.com', groups => '{lst7}') IS NOT NULL AS made;
SELECT wfauth.create_service_account('lst-bot', groups => '{lst7}') IS NOT NULL AS made;
INSERT INTO appdata.listed (id, title) SELECT g, 'b' || g FROM generate_series(1, 20000) g;
UPDATE appdata.listed l SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:lst' || (1 + l.id % 200), 'view'), 'everyone')
 WHERE l.id > 200;
CREATE INDEX listed_acl ON appdata.listed USING gin (acl);
VACUUM ANALYZE appdata.listed;
GRANT USAGE ON SCHEMA appdata TO wfauth_regress_ops;
GRANT SELECT ON appdata.listed TO wfauth_regress_ops;

-- the plans: a principal who sees 0.5% of the rows gets the index ...
BEGIN;
SELECT wfauth.set_principal('few@example.com');
SET LOCAL ROLE wfauth_regress_ops;
EXPLAIN (COSTS OFF) SELECT count(*) FROM appdata.listed;
SELECT count(*) AS few_sees FROM appdata.listed;
COMMIT;
-- ... a DBA with no principal (every row) keeps the plain scan
BEGIN;
SET LOCAL wfauth.admin_role = 'wfauth_regress_ops';
SET LOCAL ROLE wfauth_regress_ops;
EXPLAIN (COSTS OFF) SELECT count(*) FROM appdata.listed;
SELECT count(*) AS dba_sees FROM appdata.listed;
COMMIT;

-- the same rows with and without the index, for every kind of principal
CREATE FUNCTION public.listed_rows(who text, use_index boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    IF who IS NULL OR who = 'dba' THEN
        PERFORM wfauth.reset_principal();
    ELSE
        PERFORM wfauth.set_principal(who);
    END IF;
    IF NOT use_index THEN
        SET LOCAL enable_bitmapscan = off;
        SET LOCAL enable_indexscan = off;
    END IF;
    IF who = 'dba' THEN
        -- a DBA bound by row-level security: a member of wfauth.admin_role, no principal
        SET LOCAL wfauth.admin_role = 'wfauth_regress_ops';
    END IF;
    SET LOCAL ROLE wfauth_regress_ops;
    -- planned afresh each time (a cached plan would keep the first call's settings)
    EXECUTE 'SELECT count(*) || '' rows, sum '' || coalesce(sum(id), 0) FROM appdata.listed' INTO v;
    RESET ROLE;
    SET LOCAL wfauth.admin_role = '';
    SET LOCAL enable_bitmapscan = on;
    SET LOCAL enable_indexscan = on;
    RETURN v;
END
$$;
SELECT wfauth.set_active('few@example.com', true);
SELECT who, listed_rows(who, true) AS with_index, listed_rows(who, true) = listed_rows(who, false) AS same_without
  FROM (VALUES ('few@example.com'), ('sa::lst-bot'), ('dba'), (NULL)) v(who);
-- the service account has no dashboards permission: it sees nothing, index or not
SELECT wfauth.grant_permission('dashboards', '{sa::lst-bot}');
SELECT listed_rows('sa::lst-bot', true) AS bot_with_permission;
SELECT wfauth.set_active('few@example.com', false);
SELECT listed_rows('few@example.com', true) AS inactive;
SELECT wfauth.set_active('few@example.com', true);

-- the index follows ACL changes and deletions
UPDATE appdata.listed SET acl = wfauth.acl_grant(acl, 'few@example.com', 'view') WHERE id = 20000;
SELECT listed_rows('few@example.com', true) AS after_a_grant, listed_rows('few@example.com', false) AS without_index;
UPDATE appdata.listed SET acl = wfauth.acl_revoke(acl, 'few@example.com') WHERE id = 20000;
SELECT listed_rows('few@example.com', true) AS after_a_revoke, listed_rows('few@example.com', false) AS without_index;
SELECT wfauth.remove_members('lst7', '{few@example.com}');
SELECT listed_rows('few@example.com', true) AS after_leaving_the_group, listed_rows('few@example.com', false) AS without_index;
SELECT wfauth.delete_group('lst8');
SELECT wfauth.add_members('lst9', '{few@example.com}');
SELECT listed_rows('few@example.com', true) AS in_another_group, listed_rows('few@example.com', false) AS without_index;

DROP FUNCTION public.listed_rows(text, boolean);
REVOKE USAGE ON SCHEMA appdata FROM wfauth_regress_ops;
DROP TABLE appdata.listed;
SELECT count(*) AS deleted FROM generate_series(1, 200) i, wfauth.delete_group('lst' || i) WHERE i <> 8;
SELECT wfauth.delete_account(a) FROM unnest('{few@example.com,sa::lst-bot}'::text[]) a;
