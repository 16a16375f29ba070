-- The product's own example: can Dana view or modify dashboard X?
-- Under both security preferences, with group-level and user-level access,
-- access is cumulative; then the same through RLS, as a non-superuser
-- application role that owns its table.
\set VERBOSITY terse
SELECT wfauth.create_user('owen@example.com', permissions => '{dashboards}') AS owen \gset
SELECT wfauth.create_user('dana@example.com', permissions => '{dashboards}') AS dana \gset
-- vic has no dashboards permission
SELECT wfauth.create_user('vic@example.com') AS vic \gset
SELECT wfauth.create_group('Product Engineering') \gset
SELECT wfauth.add_members('Product Engineering', '{dana@example.com, vic@example.com}');
CREATE SCHEMA product AUTHORIZATION wfauth_regress_app;
SET ROLE wfauth_regress_app;
CREATE TABLE product.dashboards (id serial PRIMARY KEY, title text NOT NULL);
SELECT wfauth.protect('product.dashboards', 'dashboard');
RESET ROLE;
-- decisions(title): each person's view/modify on that dashboard, and its ACL
CREATE FUNCTION decisions(t text) RETURNS TABLE (who text, can_view boolean, can_modify boolean)
LANGUAGE sql AS $$
    SELECT u, wfauth.can_access(wfauth.account_id(u), d.acl, 'view'),
           wfauth.can_access(wfauth.account_id(u), d.acl, 'modify')
      FROM product.dashboards d, unnest(ARRAY['owen@example.com', 'dana@example.com', 'vic@example.com']) u
     WHERE d.title = t
$$;
CREATE FUNCTION entries(t text) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT e.grantee || ': ' || e.mode FROM product.dashboards d, wfauth.acl_entries(d.acl) e WHERE d.title = t
$$;

-- 1. preference "everyone" (the default): a new dashboard is {Everyone: modify}
BEGIN;
SELECT wfauth.set_principal('owen@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO product.dashboards (title, acl) VALUES ('X', 'dashboard/1:{1=view}');  -- acl ignored
COMMIT;
SELECT * FROM entries('X');
SELECT wfauth.acl_creator(acl) = :owen AS owen_created FROM product.dashboards WHERE title = 'X';
SELECT * FROM decisions('X');   -- vic can view, but lacks the dashboards permission to modify

-- 2. preference "creator": a new dashboard is {creator: modify}
SELECT wfauth.set_new_object_access('creator');
BEGIN;
SELECT wfauth.set_principal('owen@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO product.dashboards (title) VALUES ('X2');
COMMIT;
SELECT * FROM entries('X2');
SELECT * FROM decisions('X2');  -- Dana: neither
-- group-level View for Product Engineering: Dana can view
BEGIN;
SELECT wfauth.set_principal('owen@example.com');
SET LOCAL ROLE wfauth_regress_app;
UPDATE product.dashboards SET acl = wfauth.acl_grant(acl, 'group:Product Engineering', 'view') WHERE title = 'X2';
COMMIT;
SELECT * FROM decisions('X2');
-- plus user-level View & Modify for Dana: cumulative, Dana can modify
UPDATE product.dashboards SET acl = wfauth.acl_grant(acl, 'dana@example.com', 'modify') WHERE title = 'X2';
SELECT * FROM entries('X2');
SELECT * FROM decisions('X2');
-- the other way round: group-level View & Modify, user-level View
UPDATE product.dashboards
   SET acl = wfauth.acl_grant(wfauth.acl_grant(acl, 'dana@example.com', 'view'),
                              'group:Product Engineering', 'modify')
 WHERE title = 'X2';
SELECT * FROM decisions('X2');

-- 3. switching back to "everyone" leaves X2 as it is; only new objects change
SELECT wfauth.set_new_object_access('everyone');
SELECT * FROM entries('X2');
BEGIN;
SELECT wfauth.set_principal('owen@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO product.dashboards (title) VALUES ('X3');
COMMIT;
SELECT * FROM entries('X3');

-- 4. through RLS, as the application role that owns the table
UPDATE product.dashboards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'group:Product Engineering'),
                                                     'vic@example.com', 'modify')
 WHERE title = 'X2';
SELECT * FROM entries('X2');
BEGIN;
SELECT wfauth.set_principal('dana@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT title FROM product.dashboards ORDER BY id;                 -- X2: user-level view
UPDATE product.dashboards SET title = title || '!' RETURNING title; -- only where Dana may modify
DELETE FROM product.dashboards WHERE title = 'X2';                 -- view only: nothing deleted
SELECT count(*) FROM product.dashboards WHERE title = 'X2';
INSERT INTO product.dashboards (title) VALUES ('Dana''s') RETURNING title, wfauth.acl_creator(acl) = :dana AS by_dana;
ROLLBACK;
BEGIN;
SELECT wfauth.set_principal('vic@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT title FROM product.dashboards ORDER BY id;
-- vic has a modify entry on X2, but no dashboards permission
UPDATE product.dashboards SET title = 'renamed' WHERE title = 'X2' RETURNING title;
SELECT try($$INSERT INTO product.dashboards (title) VALUES ('Vic''s')$$);
ROLLBACK;
-- nobody authenticated: the application role sees no protected row
SET ROLE wfauth_regress_app;
SELECT count(*) FROM product.dashboards;
RESET ROLE;
-- the same check, explained
SELECT * FROM wfauth.explain_access(:dana, (SELECT acl FROM product.dashboards WHERE title = 'X2'), 'view');
SELECT * FROM wfauth.explain_access(:vic, (SELECT acl FROM product.dashboards WHERE title = 'X2'), 'modify');
