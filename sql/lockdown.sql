-- A protected table stays protected against its owner (DESIGN §8): every way
-- PostgreSQL gives an owner to switch row-level security, policies, wfauth's
-- triggers or the acl column off, and TRUNCATE, is refused to the owning
-- role (42501, with the DBA route in the hint) and works for a DBA.
-- unprotect() (DBA only) removes the protection cleanly; DROP TABLE works.
SET client_min_messages = warning;
CREATE ROLE wfauth_regress_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_owner;
CREATE SCHEMA locked AUTHORIZATION wfauth_regress_owner;
SET ROLE wfauth_regress_owner;
CREATE TABLE locked.boards (id int PRIMARY KEY, title text) PARTITION BY RANGE (id);
CREATE TABLE locked.boards_1 PARTITION OF locked.boards FOR VALUES FROM (0) TO (1000);
SELECT wfauth.protect('locked.boards', 'dashboard');
CREATE FUNCTION locked.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
RESET ROLE;
INSERT INTO locked.boards (id, title) VALUES (1, 'one'), (2, 'two');
CREATE TABLE public.lockdown_attempts (n int PRIMARY KEY, attempt text NOT NULL);
INSERT INTO public.lockdown_attempts VALUES
    (1, 'ALTER TABLE locked.boards DISABLE ROW LEVEL SECURITY'),
    (2, 'ALTER TABLE locked.boards NO FORCE ROW LEVEL SECURITY'),
    (3, 'ALTER TABLE locked.boards_1 DISABLE ROW LEVEL SECURITY'),
    (4, 'ALTER TABLE locked.boards_1 NO FORCE ROW LEVEL SECURITY'),
    (5, 'DROP POLICY wfauth_select ON locked.boards'),
    (6, 'DROP POLICY wfauth_select ON locked.boards_1'),
    (7, 'ALTER POLICY wfauth_select ON locked.boards USING (true)'),
    (8, 'ALTER POLICY wfauth_update ON locked.boards_1 RENAME TO old'),
    (9, 'CREATE POLICY open ON locked.boards_1 USING (true)'),
    (10, 'CREATE POLICY narrow ON locked.boards AS RESTRICTIVE USING (id > 0)'),
    (11, 'ALTER TABLE locked.boards DISABLE TRIGGER ALL'),
    (12, 'ALTER TABLE locked.boards_1 DISABLE TRIGGER USER'),
    (13, 'ALTER TABLE locked.boards DISABLE TRIGGER wfauth_acl_update'),
    (14, 'ALTER TABLE locked.boards_1 ENABLE REPLICA TRIGGER wfauth_acl_insert'),
    (15, 'ALTER TABLE locked.boards_1 DISABLE TRIGGER wfauth_truncate'),
    (16, 'DROP TRIGGER wfauth_acl_update ON locked.boards'),
    (17, 'DROP TRIGGER wfauth_truncate ON locked.boards_1'),
    (18, 'ALTER TRIGGER wfauth_acl_insert ON locked.boards RENAME TO zz_insert'),
    (19, 'CREATE OR REPLACE TRIGGER wfauth_acl_update BEFORE UPDATE ON locked.boards FOR EACH ROW EXECUTE FUNCTION locked.noop()'),
    (20, 'ALTER TABLE locked.boards DROP COLUMN acl CASCADE'),
    (21, 'ALTER TABLE locked.boards RENAME COLUMN acl TO old_acl'),
    (22, 'ALTER TABLE locked.boards ALTER COLUMN acl TYPE text'),
    (23, 'ALTER TABLE locked.boards ALTER COLUMN acl DROP NOT NULL'),
    (24, 'TRUNCATE locked.boards'),
    (25, 'TRUNCATE locked.boards_1'),
    (26, 'SET session_replication_role = replica');
GRANT SELECT ON public.lockdown_attempts TO PUBLIC;
-- as the owning role: each refused; afterwards the table is as protect() left it
SET ROLE wfauth_regress_owner;
SELECT n, attempt, try(attempt) AS as_owner FROM public.lockdown_attempts ORDER BY n;
RESET ROLE;
-- the refusal says what to do instead
SET ROLE wfauth_regress_owner;
\set VERBOSITY default
ALTER TABLE locked.boards NO FORCE ROW LEVEL SECURITY;
TRUNCATE locked.boards_1;
\set VERBOSITY terse
RESET ROLE;
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT string_agg(p.polname, ',' ORDER BY p.polname) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
       (SELECT string_agg(t.tgname || ':' || t.tgenabled::text, ',' ORDER BY t.tgname)
          FROM pg_trigger t WHERE t.tgrelid = c.oid) AS triggers,
       (SELECT format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'acl') AS acl
  FROM pg_class c WHERE c.relnamespace = 'locked'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1;
SELECT count(*) AS rows_kept FROM locked.boards;
-- as a DBA (here a superuser), each one works: tried one by one, undone
-- (PostgreSQL itself refuses to retype a column that policies use: 22)
CREATE FUNCTION public.try_undone(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RAISE SQLSTATE 'WFOK0';
EXCEPTION WHEN OTHERS THEN
    RETURN CASE SQLSTATE WHEN 'WFOK0' THEN 'ok' ELSE SQLSTATE || ': ' || SQLERRM END;
END
$$;
SELECT n, try_undone(attempt) AS as_dba FROM public.lockdown_attempts ORDER BY n;
-- a member of wfauth.admin_role is a DBA too
CREATE ROLE wfauth_regress_admins;
GRANT wfauth_regress_admins TO wfauth_regress_owner;
SET wfauth.admin_role = 'wfauth_regress_admins';
SET ROLE wfauth_regress_owner;
SELECT try_undone('ALTER TABLE locked.boards NO FORCE ROW LEVEL SECURITY') AS admin_role_member;
RESET ROLE;
RESET wfauth.admin_role;

-- unprotect(): DBA only; the acl column and its values stay
SET ROLE wfauth_regress_owner;
SELECT try('SELECT wfauth.unprotect(''locked.boards'')') AS owner_unprotects;
RESET ROLE;
SELECT try('SELECT wfauth.unprotect(''locked.boards_1'')') AS unprotect_a_partition;
SELECT wfauth.unprotect('locked.boards');
SELECT wfauth.unprotect('locked.boards');   -- a second call changes nothing
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
       (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid) AS triggers,
       EXISTS (SELECT 1 FROM wfauth.protected_tables p WHERE p.tbl = c.oid) AS registered
  FROM pg_class c WHERE c.relnamespace = 'locked'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1;
SELECT id, wfauth.acl_kind(acl) FROM locked.boards ORDER BY id;
SELECT action, target, details FROM wfauth.audit_log WHERE action IN ('protect', 'unprotect') AND target LIKE 'locked.%' ORDER BY id;
-- now the owner may change it as any table, and protect it again
SET ROLE wfauth_regress_owner;
TRUNCATE locked.boards_1;
SELECT wfauth.protect('locked.boards', 'dashboard');
SELECT try('TRUNCATE locked.boards') AS truncate_again;
-- DROP TABLE stays the owner's
DROP TABLE locked.boards;
RESET ROLE;
SELECT count(*) AS locked_registered FROM wfauth.protected_tables WHERE tbl::text LIKE 'locked.%';

DROP FUNCTION public.try_undone(text);
DROP TABLE public.lockdown_attempts;
DROP SCHEMA locked CASCADE;
DROP OWNED BY wfauth_regress_owner;
DROP ROLE wfauth_regress_owner, wfauth_regress_admins;
