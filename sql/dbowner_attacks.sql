-- Attacks by a database owner (DESIGN §8): it shadows pg_catalog's operators
-- and functions in its public schema and puts public first on the
-- database's search_path.  Then everything of wfauth that runs SQL -- the
-- failed-login worker, protect(), delete_account and its orphan count,
-- orphaned_objects(), the Super Admin guard under a DBA's direct DML, the
-- tenant checks of that guard and delete_tenant -- must
-- run none of them.  Each shadow records that it ran, as whom, and makes the
-- database owner a superuser when it can.
\set VERBOSITY terse
SET client_min_messages = warning;
SELECT current_database() AS regress_db \gset
CREATE ROLE wfauth_regress_dbowner;
CREATE DATABASE wfauth_regress_hostile OWNER wfauth_regress_dbowner;
\c wfauth_regress_hostile
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_dbowner;
CREATE FUNCTION public.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SET ROLE wfauth_regress_dbowner;
CREATE TABLE public.shadow_log (shadow text, as_role text, superuser boolean);
GRANT INSERT ON public.shadow_log TO PUBLIC;
CREATE FUNCTION public.shadow_ran(shadow text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_super boolean;
BEGIN
    SELECT rolsuper INTO v_super FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user;
    INSERT INTO public.shadow_log VALUES (shadow, current_user, v_super);
    IF v_super THEN
        EXECUTE 'ALTER ROLE wfauth_regress_dbowner SUPERUSER';
    END IF;
END
$$;
CREATE FUNCTION public.eq(a bigint, b bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.shadow_ran('='); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE FUNCTION public.ne(a bigint, b bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.shadow_ran('<>'); RETURN a OPERATOR(pg_catalog.<>) b; END $$;
CREATE FUNCTION public.plus(a integer, b integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN PERFORM public.shadow_ran('+'); RETURN a OPERATOR(pg_catalog.+) b; END $$;
CREATE FUNCTION public.text_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM public.shadow_ran('text ='); RETURN a OPERATOR(pg_catalog.=) b; END $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.eq);
CREATE OPERATOR public.<> (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.ne);
CREATE OPERATOR public.+ (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.plus);
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.text_eq);
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM public.shadow_ran('now()'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.shadow_ran('lower()'); RETURN pg_catalog.lower($1); END $$;
CREATE FUNCTION public.btrim(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM public.shadow_ran('btrim()'); RETURN pg_catalog.btrim($1); END $$;
ALTER DATABASE wfauth_regress_hostile SET search_path = public, pg_catalog;
RESET ROLE;
\c wfauth_regress_hostile
SET client_min_messages = warning;
SHOW search_path;

-- the model: two Super Admins, a user with a password, a protected table
SELECT wfauth.create_user('one@example.com', 'one''s long passphrase') AS one \gset
SELECT wfauth.create_user('two@example.com') AS two \gset
SELECT wfauth.create_user('gone@example.com') AS gone \gset
SELECT wfauth.grant_super_admin('one@example.com');
SELECT wfauth.grant_super_admin('two@example.com');
SET ROLE wfauth_regress_dbowner;
CREATE TABLE public.boards (id int, title text);
INSERT INTO public.boards VALUES (1, 'made before protect');
SELECT wfauth.protect('public.boards', 'dashboard');
RESET ROLE;
INSERT INTO public.boards (id, title) VALUES (2, 'shared with gone@ only');
UPDATE public.boards SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'gone@example.com', 'view'), 'everyone')
 WHERE title LIKE 'shared%';

-- 1. a failed login: the worker counts it in a transaction of its own
-- (failed_logins(n) waits up to 10 s for the count to reach n)
CREATE FUNCTION public.failed_logins(n integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v integer;
BEGIN
    FOR i IN 1..200 LOOP
        SELECT failed_attempts INTO v FROM wfauth.passwords p
         WHERE p.account_id OPERATOR(pg_catalog.=) wfauth.account_id('one@example.com');
        EXIT WHEN v OPERATOR(pg_catalog.>=) n;
        PERFORM pg_catalog.pg_sleep(0.05);
    END LOOP;
    RETURN v;
END
$$;
SELECT try('SELECT wfauth.login(''one@example.com'', ''a wrong passphrase'')') AS failed_login;
SELECT public.failed_logins(1) AS counted;
-- 2. delete_account counts the objects it orphans; orphaned_objects() lists them
SELECT wfauth.delete_account('gone@example.com');
SELECT tbl, count(*) FROM wfauth.orphaned_objects() GROUP BY tbl;
-- 3. the Super Admin guard, under a DBA's direct DML
UPDATE wfauth.principals SET super_admin = false WHERE name OPERATOR(pg_catalog.=) 'two@example.com';
SELECT try('UPDATE wfauth.principals SET super_admin = false WHERE name OPERATOR(pg_catalog.=) ''one@example.com''') AS last_super_admin;
-- 3b. tenants: the guard's SPI (each tenant's Everyone, its last Super
--     Admin, a tenant being deleted) and delete_tenant's count of its rows
SELECT wfauth.create_tenant('hostile') IS NOT NULL AS tenant_made;
BEGIN;
SELECT wfauth.set_tenant('hostile');
SELECT wfauth.create_user('boss@hostile.example') IS NOT NULL AS boss_made;
SELECT wfauth.grant_super_admin('boss@hostile.example');
SELECT wfauth.create_group('Doomed') IS NOT NULL AS group_made;
SELECT wfauth.delete_group('Doomed');
SELECT wfauth.create_group('Doomed too') IS NOT NULL AS group_made;
DELETE FROM wfauth.principals WHERE name OPERATOR(pg_catalog.=) 'Doomed too';
SELECT try('SELECT wfauth.delete_group(''Everyone'')') AS tenant_everyone;
SELECT try('DELETE FROM wfauth.principals WHERE id OPERATOR(pg_catalog.=) (SELECT everyone_id FROM wfauth.tenants
                                                     WHERE name OPERATOR(pg_catalog.=) ''hostile'')') AS tenant_everyone_by_dml;
SELECT try('UPDATE wfauth.principals SET super_admin = false WHERE name OPERATOR(pg_catalog.=) ''boss@hostile.example''') AS last_tenant_super_admin;
COMMIT;
SELECT wfauth.delete_tenant('hostile');

-- 3b. public is the database owner's: renamed, with a new public holding a
--     plain table named as the protected one, it would take the statements
--     meant for the protected table (on Citus, for a shard on a worker).
--     A protected table's schema keeps its name, and the table its schema.
CREATE TABLE public.vault (id int);
SELECT wfauth.protect('public.vault', 'dashboard');
CREATE SCHEMA elsewhere AUTHORIZATION wfauth_regress_dbowner;
SET ROLE wfauth_regress_dbowner;
SELECT try('ALTER SCHEMA public RENAME TO public_was') AS public_renamed;
RESET ROLE;
ALTER TABLE public.vault OWNER TO wfauth_regress_dbowner;
SET ROLE wfauth_regress_dbowner;
SELECT try('ALTER TABLE public.vault SET SCHEMA elsewhere') AS table_moved;
RESET ROLE;
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = 'public.vault'::regclass;

-- 4. settings the database owner can make for every connection, the
--    worker's included: a role of its own, read-only transactions, a
--    statement timeout.  The next failure is counted all the same.
SET ROLE wfauth_regress_dbowner;
ALTER DATABASE wfauth_regress_hostile SET role = 'wfauth_regress_dbowner';
ALTER DATABASE wfauth_regress_hostile SET default_transaction_read_only = on;
ALTER DATABASE wfauth_regress_hostile SET statement_timeout = '1ms';
RESET ROLE;
SELECT try('SELECT wfauth.login(''one@example.com'', ''a wrong passphrase'')') AS failed_login;
SELECT public.failed_logins(2) AS counted;

SELECT shadow, as_role, superuser FROM public.shadow_log ORDER BY 1, 2;
SELECT rolsuper AS dbowner_is_superuser FROM pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'wfauth_regress_dbowner';

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE wfauth_regress_hostile;
ALTER ROLE wfauth_regress_dbowner NOSUPERUSER;
DROP ROLE wfauth_regress_dbowner;
