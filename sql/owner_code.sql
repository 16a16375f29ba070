-- The owner's code, round two (DESIGN §8): nothing the owner's code sets
-- outlives it, and wfauth's trigger functions, which every role may attach
-- to a table of its own, act on protected tables and wfauth.acl columns
-- only.  Each attack below succeeded against 1.2 before these fixes: the DBA
-- who protected the table was left with the owner's search_path (and ran
-- its lower() as superuser), and the UPDATE crashed the server.
SET client_min_messages = warning;
CREATE ROLE wfauth_regress_hostile;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_hostile;
CREATE SCHEMA hostile AUTHORIZATION wfauth_regress_hostile;
SET ROLE wfauth_regress_hostile;
CREATE FUNCTION hostile.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'hostile:' || $1 $$;
-- every way owner code can set a setting: a trigger, an index expression,
-- a CHECK constraint, each with set_config(..., false) (a plain SET)
CREATE SEQUENCE hostile.ran;
CREATE FUNCTION hostile.plant(what text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM nextval('hostile.ran');
    PERFORM set_config('search_path', 'hostile, pg_catalog, public', false);
    PERFORM set_config('work_mem', '77kB', false);
    PERFORM set_config('wfauth.require_principal', 'on', false);
    PERFORM set_config('hostile.planted_by', what, false);
    RETURN true;
END $$;
CREATE FUNCTION hostile.plant_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hostile.plant('trigger');
    RETURN NEW;
END $$;
CREATE TABLE hostile.by_trigger (id int, title text);
CREATE TRIGGER a_plant BEFORE UPDATE ON hostile.by_trigger FOR EACH ROW EXECUTE FUNCTION hostile.plant_trigger();
CREATE TABLE hostile.by_index (id int, title text);
CREATE INDEX ON hostile.by_index ((hostile.plant('index' || id)));
CREATE TABLE hostile.by_check (id int CHECK (hostile.plant('check')), title text);
INSERT INTO hostile.by_trigger VALUES (1, 'x');
INSERT INTO hostile.by_index VALUES (1, 'x');
INSERT INTO hostile.by_check VALUES (1, 'x');
SELECT setval('hostile.ran', 1, false);
RESET ROLE;
RESET ALL;
SET client_min_messages = warning;
-- the DBA protects each table (the UPDATE of existing rows runs the owner's
-- code, as the owner); its session is its own afterwards
SELECT wfauth.protect('hostile.by_trigger', 'dashboard');
SELECT current_setting('search_path') AS search_path, current_setting('work_mem') AS work_mem,
       current_setting('wfauth.require_principal') AS require_principal,
       current_setting('hostile.planted_by', true) AS planted, lower('X') AS lower;
SELECT wfauth.protect('hostile.by_index', 'dashboard');
SELECT wfauth.protect('hostile.by_check', 'dashboard');
SELECT last_value > 1 AS the_owners_code_ran FROM hostile.ran;
SELECT current_setting('search_path') AS search_path, current_setting('work_mem') AS work_mem,
       current_setting('wfauth.require_principal') AS require_principal,
       current_setting('hostile.planted_by', true) AS planted, lower('X') AS lower;

-- wfauth's trigger functions on a table that is not protected: refused
-- before the column is read (an int8 column named acl crashed the server)
CREATE ROLE wfauth_regress_user20;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_user20;
SET ROLE wfauth_regress_user20;
CREATE TEMP TABLE fake (id int, acl int8);
INSERT INTO fake VALUES (1, 1);
CREATE TRIGGER fake_update BEFORE UPDATE ON fake FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_update();
CREATE TRIGGER fake_insert BEFORE INSERT ON fake FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_insert('dashboard');
SELECT try('UPDATE fake SET acl = 4242') AS update_int8_acl;
SELECT try('INSERT INTO fake VALUES (2, 2)') AS insert_int8_acl;
SELECT * FROM fake ORDER BY id;
RESET ROLE;
-- on a protected table whose acl column a DBA replaced by another type
ALTER TABLE hostile.by_trigger RENAME COLUMN acl TO acl_old;
ALTER TABLE hostile.by_trigger ADD COLUMN acl int8;
SELECT try('UPDATE hostile.by_trigger SET acl = 4242') AS update_replaced_acl;
SELECT try('INSERT INTO hostile.by_trigger (id) VALUES (2)') AS insert_replaced_acl;

DROP SCHEMA hostile CASCADE;
DROP OWNED BY wfauth_regress_hostile;
DROP OWNED BY wfauth_regress_user20;
DROP ROLE wfauth_regress_hostile, wfauth_regress_user20;

-- protect() trusts no acl it did not write or check (DESIGN §8).  Before the
-- fix it reset only NULLs: an owner's pre-filled value of any tenant, kind
-- and entries (even a mixed-tenant list) was kept, unaudited.
SELECT wfauth.create_tenant('acme') IS NOT NULL AS acme;
CREATE ROLE wfauth_regress_owner20;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_owner20;
CREATE SCHEMA prefill AUTHORIZATION wfauth_regress_owner20;
SET ROLE wfauth_regress_owner20;
CREATE TABLE prefill.forged (id int, acl wfauth.acl);
INSERT INTO prefill.forged VALUES (1, 'alert/0:{1=modify}@2'), (2, NULL);
SELECT try($$SELECT wfauth.protect('prefill.forged', 'dashboard')$$) AS owner_protects_prefilled;
RESET ROLE;
SELECT count(*) AS registered FROM wfauth.protected_tables WHERE tbl::text = 'prefill.forged';
-- a DBA's protect() imports them, each checked: the kind must be the
-- table's, every entry a principal of the value's tenant
SELECT try($$SELECT wfauth.protect('prefill.forged', 'dashboard')$$) AS dba_imports_wrong_kind;
UPDATE prefill.forged SET acl = 'dashboard/0:{999999=modify}' WHERE id = 1;
SELECT try($$SELECT wfauth.protect('prefill.forged', 'dashboard')$$) AS dba_imports_unknown_principal;
UPDATE prefill.forged SET acl = ('dashboard/0:{1=modify}@' || (SELECT id FROM wfauth.tenants WHERE name = 'acme'))::wfauth.acl WHERE id = 1;
SELECT try($$SELECT wfauth.protect('prefill.forged', 'dashboard')$$) AS dba_imports_other_tenants_everyone;
UPDATE prefill.forged SET acl = 'dashboard/0:{1=view}' WHERE id = 1;
SELECT wfauth.protect('prefill.forged', 'dashboard');
SELECT id, acl FROM prefill.forged ORDER BY id;
SELECT action, target, details FROM wfauth.audit_log WHERE target = 'prefill.forged' ORDER BY id;
DROP SCHEMA prefill CASCADE;
DROP OWNED BY wfauth_regress_owner20;
DROP ROLE wfauth_regress_owner20;
SELECT wfauth.delete_tenant('acme');
