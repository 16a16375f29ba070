-- Attacks by the owner of a protected table (DESIGN §8).  The owner attaches
-- code to its table -- a row trigger, a CHECK constraint, an index
-- expression, a column type with an implicit cast -- and waits for wfauth, or
-- a DBA, to run it.  Each attack records where its code ran in hostile.ran
-- and, when it runs as a superuser, makes the owner one.  Afterwards the
-- owner is still no superuser and every run was as the owner itself.
-- Then partitions and inheritance children: no row escapes through them.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE ROLE wfauth_regress_owner;
CREATE ROLE wfauth_regress_reader;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_owner, wfauth_regress_reader;
CREATE SCHEMA hostile AUTHORIZATION wfauth_regress_owner;
GRANT USAGE ON SCHEMA hostile TO wfauth_regress_reader;
SELECT wfauth.create_user('tableowner@example.com') AS owner_account \gset
SELECT wfauth.create_user('grantee@example.com') AS nobody \gset
SELECT wfauth.create_user('usermanager@example.com', permissions => '{accounts}') AS holder \gset
SELECT wfauth.create_group('Doomed');

SET ROLE wfauth_regress_owner;
CREATE TABLE hostile.ran (what text, as_role text, superuser boolean);
GRANT INSERT ON hostile.ran TO PUBLIC;
CREATE FUNCTION hostile.escalate(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hostile.ran
    SELECT what, current_user, rolsuper FROM pg_roles WHERE rolname = current_user;
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE wfauth_regress_owner SUPERUSER';
    END IF;
END
$$;
-- declared immutable so that an index may use it
CREATE FUNCTION hostile.touch(what text, x anyelement) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM hostile.escalate(what);
    RETURN true;
END
$$;
CREATE FUNCTION hostile.on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hostile.escalate('row trigger');
    RETURN NEW;
END
$$;

-- 1. protect() updates the existing rows: a row trigger, a CHECK constraint
--    and an index expression run then.
CREATE TABLE hostile.by_trigger (id int);
INSERT INTO hostile.by_trigger VALUES (1);
CREATE TRIGGER a_escalate BEFORE UPDATE ON hostile.by_trigger FOR EACH ROW EXECUTE FUNCTION hostile.on_update();
CREATE TABLE hostile.by_check (id int, CHECK (hostile.touch('check constraint', id)));
INSERT INTO hostile.by_check VALUES (1);
CREATE TABLE hostile.by_index (id int, acl wfauth.acl);
INSERT INTO hostile.by_index VALUES (1);
CREATE INDEX ON hostile.by_index (hostile.touch('index expression', acl));
TRUNCATE hostile.ran;
SELECT wfauth.protect('hostile.by_trigger', 'dashboard');
SELECT wfauth.protect('hostile.by_check', 'dashboard');
SELECT wfauth.protect('hostile.by_index', 'dashboard');
RESET ROLE;
SELECT what, as_role, superuser FROM hostile.ran ORDER BY what;
SELECT rolsuper AS owner_is_superuser FROM pg_roles WHERE rolname = 'wfauth_regress_owner';
ALTER ROLE wfauth_regress_owner NOSUPERUSER;    -- so that each attack below stands alone

-- 2. The scans of delete_account, delete_group and orphaned_objects(): the
--    owner retypes the acl column to a type of its own with an implicit cast
--    to wfauth.acl (refused now: a protected table's acl column stays).
SET ROLE wfauth_regress_owner;
CREATE TABLE hostile.boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('hostile.boards', 'dashboard');
CREATE TYPE hostile.myacl AS (v text);
CREATE FUNCTION hostile.to_acl(hostile.myacl) RETURNS wfauth.acl LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hostile.escalate('implicit cast');
    RETURN ($1).v::wfauth.acl;
END
$$;
CREATE CAST (hostile.myacl AS wfauth.acl) WITH FUNCTION hostile.to_acl(hostile.myacl) AS IMPLICIT;
RESET ROLE;
INSERT INTO hostile.boards VALUES (1, 'shared with Doomed'), (2, 'shared with nobody@');
UPDATE hostile.boards SET acl = wfauth.acl_grant(acl, 'group:Doomed', 'view') WHERE id = 1;
UPDATE hostile.boards SET acl = wfauth.acl_grant(acl, 'grantee@example.com', 'view') WHERE id = 2;
UPDATE hostile.boards SET acl = wfauth.acl_revoke(acl, 'everyone');
SET ROLE wfauth_regress_owner;
SELECT polname, try(format('DROP POLICY %I ON hostile.boards', polname)) AS drop_policy
  FROM pg_policy WHERE polrelid = 'hostile.boards'::regclass ORDER BY 1;
SELECT try('ALTER TABLE hostile.boards ALTER COLUMN acl TYPE hostile.myacl USING ROW(acl::text)') AS retype;
RESET ROLE;
TRUNCATE hostile.ran;
BEGIN;
SELECT wfauth.set_principal('usermanager@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT wfauth.delete_group('Doomed');
SELECT wfauth.delete_account('grantee@example.com');
COMMIT;
SELECT tbl, count(*) FROM wfauth.orphaned_objects()
 WHERE tbl::text LIKE 'hostile.%' GROUP BY tbl ORDER BY tbl::text;
SELECT what, as_role, superuser FROM hostile.ran ORDER BY what;
SELECT rolsuper AS owner_is_superuser FROM pg_roles WHERE rolname = 'wfauth_regress_owner';
ALTER ROLE wfauth_regress_owner NOSUPERUSER;

-- 3. Maintenance a DBA runs on the owner's objects runs the owner's code
--    under a security-restricted operation, as the owner: there, wfauth does
--    not treat the session's DBA as a DBA.
INSERT INTO hostile.boards VALUES (3, 'private');
UPDATE hostile.boards SET acl = wfauth.acl_grant(acl, 'usermanager@example.com', 'modify') WHERE id = 3;
SET ROLE wfauth_regress_owner;
CREATE MATERIALIZED VIEW hostile.copy AS SELECT * FROM hostile.boards WITH NO DATA;
CREATE FUNCTION hostile.promote(x wfauth.acl) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    BEGIN
        PERFORM wfauth.grant_super_admin('tableowner@example.com');
    EXCEPTION WHEN OTHERS THEN
        NULL;
    END;
    RETURN true;
END
$$;
CREATE INDEX boards_promote ON hostile.boards (hostile.promote(acl));
RESET ROLE;
REFRESH MATERIALIZED VIEW hostile.copy;    -- a DBA's routine maintenance
REINDEX INDEX hostile.boards_promote;
SET ROLE wfauth_regress_owner;
SELECT count(*) AS rows_the_owner_copied FROM hostile.copy;
RESET ROLE;
SELECT super_admin AS owner_account_is_super_admin FROM wfauth.principals WHERE name = 'tableowner@example.com';

-- 4. A BEFORE ROW trigger that fires after wfauth's could rewrite a checked
--    ACL: refused.
SET ROLE wfauth_regress_owner;
CREATE FUNCTION hostile.widen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.acl := 'dashboard/0:{1=modify}';
    RETURN NEW;
END
$$;
SELECT try('CREATE TRIGGER zz_widen BEFORE INSERT OR UPDATE ON hostile.boards FOR EACH ROW EXECUTE FUNCTION hostile.widen()') AS late_trigger;
SELECT try('CREATE TRIGGER a_stamp BEFORE INSERT OR UPDATE ON hostile.boards FOR EACH ROW EXECUTE FUNCTION hostile.on_update()') AS early_trigger;
SELECT try('ALTER TRIGGER a_stamp ON hostile.boards RENAME TO zz_stamp') AS rename_late;
-- ... and one the table had before protect(): protect() refuses the table
CREATE TABLE hostile.prewidened (id int);
CREATE TRIGGER zz_widen BEFORE INSERT OR UPDATE ON hostile.prewidened FOR EACH ROW EXECUTE FUNCTION hostile.widen();
SELECT try('SELECT wfauth.protect(''hostile.prewidened'', ''dashboard'')') AS protect_with_late_trigger;
ALTER TRIGGER zz_widen ON hostile.prewidened RENAME TO a_widen;
SELECT try('SELECT wfauth.protect(''hostile.prewidened'', ''dashboard'')') AS protect_with_early_trigger;
RESET ROLE;

-- 5. Partitions.  The partitioned table and every partition are protected,
--    a partition created later is protected when it is created.
SET ROLE wfauth_regress_owner;
CREATE TABLE hostile.pdash (id int, created date NOT NULL, title text) PARTITION BY RANGE (created);
CREATE TABLE hostile.pdash_2020 PARTITION OF hostile.pdash FOR VALUES FROM ('2020-01-01') TO ('2030-01-01');
SELECT wfauth.protect('hostile.pdash', 'dashboard');
SELECT try('CREATE TABLE hostile.pdash_2030 PARTITION OF hostile.pdash FOR VALUES FROM (''2030-01-01'') TO (''2040-01-01'')') AS new_partition;
GRANT SELECT, UPDATE, DELETE ON hostile.pdash, hostile.pdash_2020, hostile.pdash_2030 TO wfauth_regress_reader;
RESET ROLE;
SELECT wfauth.set_new_object_access('creator');
SELECT wfauth.grant_permission('dashboards', '{tableowner@example.com}');
BEGIN;
SELECT wfauth.set_principal('tableowner@example.com');
INSERT INTO hostile.pdash (id, created, title)
VALUES (1, '2021-05-01', 'old secret'), (2, '2031-05-01', 'new secret');
COMMIT;
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
       (SELECT string_agg(t.tgname, ',' ORDER BY t.tgname) FROM pg_trigger t WHERE t.tgrelid = c.oid) AS triggers,
       EXISTS (SELECT 1 FROM wfauth.protected_tables p WHERE p.tbl = c.oid) AS registered
  FROM pg_class c WHERE c.relnamespace = 'hostile'::regnamespace AND c.relname LIKE 'pdash%' ORDER BY 1;
-- no principal, and a principal with no rights, through each partition
SET ROLE wfauth_regress_reader;
SELECT 'none' AS principal, (SELECT count(*) FROM hostile.pdash) AS parent,
       (SELECT count(*) FROM hostile.pdash_2020) AS p2020, (SELECT count(*) FROM hostile.pdash_2030) AS p2030;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('usermanager@example.com');
SET LOCAL ROLE wfauth_regress_reader;
SELECT 'holder' AS principal, (SELECT count(*) FROM hostile.pdash) AS parent,
       (SELECT count(*) FROM hostile.pdash_2020) AS p2020, (SELECT count(*) FROM hostile.pdash_2030) AS p2030;
WITH u AS (UPDATE hostile.pdash_2020 SET title = 'defaced' RETURNING 1) SELECT count(*) AS defaced FROM u;
WITH d AS (DELETE FROM hostile.pdash_2030 RETURNING 1) SELECT count(*) AS deleted FROM d;
SELECT try('UPDATE hostile.pdash_2020 SET acl = ''dashboard/0:{1=modify}''') AS widen_through_partition;
COMMIT;
-- the creator sees and changes its rows through either way in
BEGIN;
SELECT wfauth.set_principal('tableowner@example.com');
SELECT (SELECT count(*) FROM hostile.pdash) AS parent, (SELECT count(*) FROM hostile.pdash_2020) AS p2020;
WITH u AS (UPDATE hostile.pdash_2030 SET title = 'renamed' RETURNING 1) SELECT count(*) AS renamed FROM u;
ROLLBACK;
-- a row inserted into a partition directly gets its ACL from wfauth, not the client
BEGIN;
SELECT wfauth.set_principal('tableowner@example.com');
INSERT INTO hostile.pdash_2020 (id, created, acl) VALUES (3, '2022-01-01', 'dashboard/0:{1=modify}');
SELECT wfauth.acl_entries(acl) FROM hostile.pdash_2020 WHERE id = 3;
ROLLBACK;

-- ATTACH PARTITION: only a table protected with the same kind
SET ROLE wfauth_regress_owner;
CREATE TABLE hostile.loose (id int, created date NOT NULL, title text, acl wfauth.acl);
INSERT INTO hostile.loose VALUES (9, '2045-01-01', 'unchecked', 'dashboard/0:{1=modify}');
SELECT try('ALTER TABLE hostile.pdash ATTACH PARTITION hostile.loose FOR VALUES FROM (''2040-01-01'') TO (''2050-01-01'')') AS attach_unprotected;
CREATE TABLE hostile.alerts_2040 (LIKE hostile.pdash);
SELECT wfauth.protect('hostile.alerts_2040', 'alert');
SELECT try('ALTER TABLE hostile.pdash ATTACH PARTITION hostile.alerts_2040 FOR VALUES FROM (''2040-01-01'') TO (''2050-01-01'')') AS attach_other_kind;
CREATE TABLE hostile.dash_2040 (LIKE hostile.pdash);
SELECT wfauth.protect('hostile.dash_2040', 'dashboard');
SELECT try('ALTER TABLE hostile.pdash ATTACH PARTITION hostile.dash_2040 FOR VALUES FROM (''2040-01-01'') TO (''2050-01-01'')') AS attach_same_kind;
SELECT t.tgname, t.tgparentid <> 0 AS from_parent FROM pg_trigger t
 WHERE t.tgrelid = 'hostile.dash_2040'::regclass ORDER BY 1;
-- a protected table under an unprotected parent would show its rows there
CREATE TABLE hostile.open_parent (id int, created date NOT NULL, title text, acl wfauth.acl) PARTITION BY RANGE (created);
SELECT try('ALTER TABLE hostile.open_parent ATTACH PARTITION hostile.alerts_2040 FOR VALUES FROM (''2040-01-01'') TO (''2050-01-01'')') AS attach_under_unprotected;
CREATE TABLE hostile.open_2020 PARTITION OF hostile.open_parent FOR VALUES FROM ('2020-01-01') TO ('2030-01-01');
SELECT try('SELECT wfauth.protect(''hostile.open_2020'', ''dashboard'')') AS protect_partition_alone;

-- Inheritance
SELECT try('CREATE TABLE hostile.child () INHERITS (hostile.boards)') AS inherits_protected;
CREATE TABLE hostile.orphan_child (id int PRIMARY KEY, title text, acl wfauth.acl);
SELECT try('ALTER TABLE hostile.orphan_child INHERIT hostile.boards') AS inherit_protected;
SELECT try('ALTER TABLE hostile.boards INHERIT hostile.orphan_child') AS protected_inherits;
CREATE TABLE hostile.base (id int);
CREATE TABLE hostile.derived () INHERITS (hostile.base);
SELECT try('SELECT wfauth.protect(''hostile.base'', ''dashboard'')') AS protect_with_children;
SELECT try('SELECT wfauth.protect(''hostile.derived'', ''dashboard'')') AS protect_child_alone;
RESET ROLE;

-- DROP TABLE keeps working, and forgets the partitions too
SET ROLE wfauth_regress_owner;
DROP TABLE hostile.pdash;
RESET ROLE;
SELECT count(*) AS pdash_left FROM wfauth.protected_tables WHERE tbl::text LIKE 'hostile.pdash%' OR tbl::text LIKE 'hostile.dash_2040';

SELECT what, as_role, superuser FROM hostile.ran WHERE superuser ORDER BY what;
SELECT rolsuper AS owner_is_superuser FROM pg_roles WHERE rolname = 'wfauth_regress_owner';
SELECT wfauth.set_new_object_access('everyone');
ALTER ROLE wfauth_regress_owner NOSUPERUSER;
DROP SCHEMA hostile CASCADE;
DROP OWNED BY wfauth_regress_owner, wfauth_regress_reader;
DROP ROLE wfauth_regress_owner, wfauth_regress_reader;
SELECT wfauth.delete_account('tableowner@example.com');
SELECT wfauth.delete_account('usermanager@example.com');
