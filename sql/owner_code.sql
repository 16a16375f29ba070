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

-- Attack pass 24: the owner's code that runs in the application's session
-- (a trigger on a table of the owner's that the application writes to)
-- leaves nothing behind there: no temporary table (pg_temp is searched
-- first: the session's later statements on "vault" would reach it), no
-- search_path of its own (the application's unqualified names would follow
-- it).  Both succeeded before.
CREATE ROLE wfauth_regress_owner24;
CREATE ROLE wfauth_regress_app24;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_owner24, wfauth_regress_app24;
CREATE SCHEMA pass24 AUTHORIZATION wfauth_regress_owner24;
GRANT USAGE ON SCHEMA pass24 TO wfauth_regress_app24;
SET ROLE wfauth_regress_owner24;
CREATE TABLE pass24.vault (id int);
CREATE TABLE pass24.notes (body text);
CREATE FUNCTION pass24.shadow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'CREATE TEMP TABLE vault (id int)';
    RETURN NEW;
END $$;
CREATE FUNCTION pass24.redirect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('search_path', 'pass24, public', false);
    RETURN NEW;
END $$;
CREATE FUNCTION pass24.tidy() RETURNS trigger LANGUAGE plpgsql SET search_path = pass24 AS $$
BEGIN
    PERFORM set_config('search_path', 'pg_catalog', true);
    RETURN NEW;
END $$;
-- (a SET clause of its own, then a plain SET of the trigger's setting and value)
CREATE FUNCTION pass24.sneak() RETURNS trigger LANGUAGE plpgsql SET search_path = pass24 AS $$
BEGIN
    PERFORM set_config(TG_ARGV[0], TG_ARGV[1], false);
    RETURN NEW;
END $$;
CREATE TRIGGER d_sneak BEFORE INSERT ON pass24.notes FOR EACH ROW WHEN (NEW.body = 'sneak')
    EXECUTE FUNCTION pass24.sneak('search_path', 'pass24, public');
CREATE TRIGGER e_sneak_other BEFORE INSERT ON pass24.notes FOR EACH ROW WHEN (NEW.body = 'sneak other')
    EXECUTE FUNCTION pass24.sneak('standard_conforming_strings', 'off');
CREATE TRIGGER a_shadow BEFORE INSERT ON pass24.notes FOR EACH ROW WHEN (NEW.body = 'shadow')
    EXECUTE FUNCTION pass24.shadow();
CREATE TRIGGER b_redirect BEFORE INSERT ON pass24.notes FOR EACH ROW WHEN (NEW.body = 'redirect')
    EXECUTE FUNCTION pass24.redirect();
CREATE TRIGGER c_tidy BEFORE INSERT ON pass24.notes FOR EACH ROW WHEN (NEW.body = 'tidy')
    EXECUTE FUNCTION pass24.tidy();
GRANT INSERT ON pass24.notes TO wfauth_regress_app24;
RESET ROLE;
SELECT wfauth.protect('pass24.vault', 'dashboard');
SET ROLE wfauth_regress_app24;
SET search_path = public;
SELECT try($$INSERT INTO pass24.notes VALUES ('shadow')$$) AS temp_table_made;
SELECT count(*) AS temp_tables FROM pg_class WHERE relname = 'vault' AND relpersistence = 't';
SELECT try($$INSERT INTO pass24.notes VALUES ('redirect')$$) AS search_path_changed;
SELECT current_setting('search_path') AS search_path;
-- (a setting the function's own SET clause brackets ends with it: allowed)
SELECT try($$INSERT INTO pass24.notes VALUES ('tidy')$$) AS set_clause;
SELECT current_setting('search_path') AS search_path;
-- (a plain SET in such a function outlives it, as PostgreSQL has it: refused)
SELECT try($$INSERT INTO pass24.notes VALUES ('sneak')$$) AS set_clause_then_set;
SELECT current_setting('search_path') AS search_path;
SELECT try($$INSERT INTO pass24.notes VALUES ('sneak other')$$) AS set_clause_then_other_set;
SELECT current_setting('standard_conforming_strings') AS standard_conforming_strings;
-- attack pass 25: a default calling set_config() itself (no function of
-- the owner's runs), and procedures of the owner's that COMMIT or ROLLBACK
-- (one crashed the server, another left the frame's rules behind)
RESET ROLE;
SET ROLE wfauth_regress_owner24;
CREATE TABLE pass24.stamped (body text, stamp text DEFAULT set_config('search_path', 'pass24, public', false));
GRANT INSERT ON pass24.stamped TO wfauth_regress_app24;
CREATE PROCEDURE pass24.commits() LANGUAGE plpgsql AS $$
BEGIN
    COMMIT;
    PERFORM set_config('search_path', 'pass24, public', false);
END $$;
CREATE PROCEDURE pass24.rolls_back() LANGUAGE plpgsql AS $$
BEGIN
    ROLLBACK;
    PERFORM set_config('search_path', 'pass24, public', false);
    EXECUTE 'CREATE TEMP TABLE vault (id int)';
END $$;
GRANT EXECUTE ON PROCEDURE pass24.commits(), pass24.rolls_back() TO wfauth_regress_app24;
RESET ROLE;
-- (the application's own procedure commits as it likes)
CREATE PROCEDURE pass24.own_commit() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;
ALTER PROCEDURE pass24.own_commit() OWNER TO wfauth_regress_app24;
SET ROLE wfauth_regress_app24;
CALL pass24.own_commit();
RESET ROLE;
SET ROLE wfauth_regress_app24;
INSERT INTO pass24.stamped (body) VALUES ('x');
SELECT current_setting('search_path') AS search_path;
\set VERBOSITY terse
CALL pass24.commits();
SELECT current_setting('search_path') AS search_path;
CALL pass24.rolls_back();
\set VERBOSITY default
SELECT current_setting('search_path') AS search_path;
SELECT count(*) AS temp_tables FROM pg_class WHERE relname = 'vault' AND relpersistence = 't';
-- attack pass 26: cursors.  The owner's trigger closed the application's
-- cursor and opened its own under that name; the application's FETCH then
-- ran the owner's query with the application's Super Admin (it granted
-- Super Admin to another account).  Another role's code runs no cursor it
-- did not open (the application's are parked while it runs, also against
-- a peek) and leaves none open.
RESET ROLE;
SELECT wfauth.create_user('boss26@example.com', 'boss-26-password') IS NOT NULL AS boss;
SELECT wfauth.create_user('mallory26@example.com') IS NOT NULL AS mallory;
SELECT wfauth.grant_super_admin('boss26@example.com');
SELECT wfauth.set_principal('boss26@example.com');
INSERT INTO pass24.vault VALUES (1), (2);
SELECT wfauth.reset_principal();
SET ROLE wfauth_regress_owner24;
CREATE TABLE pass24.journal (body text);
CREATE FUNCTION pass24.cursors() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    app refcursor := 'app_cursor';
    own refcursor := 'owners_cursor';
    seen text;
BEGIN
    IF NEW.body = 'swap' THEN
        CLOSE app;
        OPEN app FOR SELECT wfauth.grant_super_admin('mallory26@example.com')::text;
    ELSIF NEW.body = 'open' THEN
        OPEN own FOR SELECT wfauth.grant_super_admin('mallory26@example.com')::text;
    ELSIF NEW.body LIKE 'peek%' THEN
        app := coalesce(nullif(substr(NEW.body, 6), ''), 'app_cursor');
        FETCH app INTO seen;
        NEW.body := seen;
    ELSIF NEW.body = 'loop' THEN
        FOR seen IN SELECT 'own loop' LOOP
            NEW.body := seen;
        END LOOP;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cursors BEFORE INSERT ON pass24.journal FOR EACH ROW EXECUTE FUNCTION pass24.cursors();
CREATE FUNCTION pass24.vault_cursor() RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE c refcursor := 'vault_cursor';
BEGIN
    OPEN c FOR SELECT count(*) FROM pass24.vault;
    RETURN c;
END $$;
GRANT INSERT, SELECT ON pass24.journal TO wfauth_regress_app24;
GRANT SELECT ON pass24.vault TO wfauth_regress_app24;
GRANT EXECUTE ON FUNCTION pass24.vault_cursor() TO wfauth_regress_app24;
RESET ROLE;
SET ROLE wfauth_regress_app24;
BEGIN;
SELECT wfauth.login('boss26@example.com', 'boss-26-password') IS NOT NULL AS boss_acts;
DECLARE app_cursor CURSOR FOR SELECT id::text FROM pass24.vault ORDER BY id;
DECLARE held CURSOR WITH HOLD FOR SELECT 'held'::text;
SELECT try($$INSERT INTO pass24.journal VALUES ('swap')$$) AS swap;
FETCH app_cursor;
SELECT try($$INSERT INTO pass24.journal VALUES ('open')$$) AS open;
-- (the application's cursor has read with its principal: the owner's code may not go on)
SELECT try($$INSERT INTO pass24.journal VALUES ('peek')$$) AS peek;
SELECT try($$SELECT pass24.vault_cursor()$$) AS cursor_returned;
-- (its own loop's cursor, closed when it ends: fine; the application's
-- cursors still run, a loop's of its own around the owner's code too)
INSERT INTO pass24.journal VALUES ('loop');
DO $$
DECLARE n int;
BEGIN
    FOR n IN SELECT generate_series(1, 2) LOOP
        INSERT INTO pass24.journal VALUES ('around ' || n);
    END LOOP;
END $$;
FETCH app_cursor;
FETCH held;
COMMIT;
SELECT try($$INSERT INTO pass24.journal VALUES ('peek held')$$) AS peek_held;
FETCH held;
CLOSE held;
-- attack pass 26 (helper-37): the owner's expressions that PostgreSQL runs
-- inside the application's own statement, no function of the owner's
-- running: argument defaults it copies into the call (a function's, a
-- procedure's), a domain's CHECK and DEFAULT (an argument of the owner's
-- domain, a column of it in the application's own table).  Each made an
-- account Super Admin, or left the search_path changed, before.
RESET ROLE;
SET ROLE wfauth_regress_owner24;
CREATE FUNCTION pass24.defaults(a int,
    b xml DEFAULT query_to_xml('SELECT wfauth.grant_super_admin(''mallory26@example.com'')', false, false, ''))
    RETURNS int LANGUAGE sql AS 'SELECT a';
CREATE FUNCTION pass24.path_default(a int, b text DEFAULT set_config('search_path', 'pass24, public', false))
    RETURNS int LANGUAGE sql AS 'SELECT a';
CREATE PROCEDURE pass24.proc_defaults(a int,
    b xml DEFAULT query_to_xml('SELECT wfauth.grant_super_admin(''mallory26@example.com'')', false, false, ''))
    LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
-- (attack pass 27, helper-38: a domain's constraints and default run
-- wherever a value of it is made -- an array literal's input while the
-- query is parsed, a cast, COPY, a prepared statement's parameter -- so a
-- domain of a role other than a superuser calls only parallel-safe
-- functions there, or its owner's, which run in a frame of their own)
\set VERBOSITY terse
SELECT try($$CREATE DOMAIN pass24.label AS text CHECK (set_config('search_path', 'pass24, public', false) IS NOT NULL)$$)
    AS domain_check;
SELECT try($$CREATE DOMAIN pass24.stamp AS text
    DEFAULT query_to_xml('SELECT wfauth.grant_super_admin(''mallory26@example.com'')', false, false, '')::text$$)
    AS domain_default;
CREATE FUNCTION pass24.fair_tag(t text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('search_path', 'pass24, public', false);
    PERFORM query_to_xml('SELECT wfauth.grant_super_admin(''mallory26@example.com'')', false, false, '');
    RETURN true;
END $$;
CREATE DOMAIN pass24.tag AS text CHECK (length(VALUE) < 100);
CREATE SEQUENCE pass24.ran;
SELECT try($$ALTER DOMAIN pass24.tag ADD CONSTRAINT sneak CHECK (set_config('work_mem', '64kB', false) IS NOT NULL)$$)
    AS domain_constraint_added;
SELECT try($$ALTER DOMAIN pass24.tag SET DEFAULT nextval('pass24.ran')::text$$) AS domain_default_set;
\set VERBOSITY default
ALTER DOMAIN pass24.tag ADD CONSTRAINT fair CHECK (pass24.fair_tag(VALUE));
CREATE FUNCTION pass24.tagged(t pass24.tag) RETURNS text LANGUAGE sql AS 'SELECT t::text';
GRANT EXECUTE ON FUNCTION pass24.defaults(int, xml), pass24.path_default(int, text), pass24.fair_tag(text),
    pass24.tagged(pass24.tag) TO wfauth_regress_app24;
GRANT EXECUTE ON PROCEDURE pass24.proc_defaults(int, xml) TO wfauth_regress_app24;
GRANT USAGE ON TYPE pass24.tag TO wfauth_regress_app24;
-- (attack pass 28, helper-39: the rule was checked on the domain that the
-- name as written found after the command, through a search path where
-- pg_catalog and pg_temp come first -- not the domain created -- and it let
-- a domain call any function of a role other than a superuser, the
-- application's own too, which runs as the application's code when it
-- makes the value: each made an account Super Admin)
\set VERBOSITY terse
SET search_path = pass24;
SELECT public.try($$CREATE DOMAIN text AS pg_catalog.text
    CHECK (pg_catalog.set_config('search_path', 'pass24, public', false) IS NOT NULL)$$) AS domain_named_like_builtin;
CREATE DOMAIN pg_temp.hidden AS pg_catalog.text;
SELECT public.try($$CREATE DOMAIN hidden AS pg_catalog.text
    CHECK (pg_catalog.set_config('search_path', 'pass24, public', false) IS NOT NULL)$$) AS domain_behind_temporary;
DROP DOMAIN pg_temp.hidden;
SET search_path = public;
RESET ROLE;
CREATE FUNCTION pass24.app_note(msg text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM query_to_xml(msg, false, false, '');
    RETURN true;
END $$;
ALTER FUNCTION pass24.app_note(text) OWNER TO wfauth_regress_app24;
CREATE DOMAIN pass24.app_noted AS text CHECK (pass24.app_note(VALUE));
ALTER DOMAIN pass24.app_noted OWNER TO wfauth_regress_app24;
SET ROLE wfauth_regress_owner24;
SELECT try($$CREATE DOMAIN pass24.noted AS text
    CHECK (pass24.app_note('SELECT wfauth.grant_super_admin(''mallory26@example.com'')'))$$) AS domain_calls_app_function;
-- (attack pass 30, helper-41: nor through the application's own domain, which
-- calls its function when a value of it is made -- a cast to it, a record's
-- input with an attribute of it -- also once a type gains such an attribute)
SELECT try($$CREATE DOMAIN pass24.chained AS text CHECK ((VALUE::pass24.app_noted) IS NOT NULL)$$) AS domain_casts_to_app_domain;
CREATE TYPE pass24.pair AS (a pass24.app_noted);
SELECT try($$CREATE DOMAIN pass24.via_record AS text CHECK ((('(' || VALUE || ')')::pass24.pair) IS NOT NULL)$$)
    AS domain_reads_app_domain_in_record;
SELECT try($$CREATE DOMAIN pass24.based AS pass24.app_noted$$) AS domain_over_app_domain;
-- (attack pass 31, helper-42: nor through a type's input function, which
-- makes a value of whichever type its argument names)
SELECT try($$CREATE DOMAIN pass24.via_input AS text
    CHECK (domain_in(VALUE::cstring, 'pass24.app_noted'::regtype, -1) IS NOT NULL)$$) AS domain_calls_domain_in;
SELECT try($$CREATE DOMAIN pass24.via_record_in AS text
    CHECK (record_in(('(' || VALUE || ')')::cstring, 'pass24.pair'::regtype, -1) IS NOT NULL)$$) AS domain_calls_record_in;
CREATE TYPE pass24.later AS (a int);
CREATE DOMAIN pass24.via_later AS text CHECK ((('(' || VALUE || ')')::pass24.later) IS NOT NULL);
SELECT try($$ALTER TYPE pass24.later ADD ATTRIBUTE b pass24.app_noted$$) AS type_gains_app_domain;
DROP DOMAIN pass24.via_later;
DROP TYPE pass24.later, pass24.pair;
\set VERBOSITY default
RESET ROLE;
-- (so is a domain whose owner's function a DBA gives another role)
SELECT try($$ALTER FUNCTION pass24.fair_tag(text) OWNER TO wfauth_regress_app24$$) AS domain_function_given;
-- (a superuser's domain that a DBA gives such a role is checked too)
CREATE DOMAIN public.given AS text CHECK (set_config('search_path', 'pass24, public', false) IS NOT NULL);
SELECT try($$ALTER DOMAIN public.given OWNER TO wfauth_regress_owner24$$) AS domain_given;
DROP DOMAIN public.given;
SET ROLE wfauth_regress_app24;
BEGIN;
SELECT wfauth.login('boss26@example.com', 'boss-26-password') IS NOT NULL AS boss_acts;
\set VERBOSITY terse
SELECT try($$SELECT pass24.defaults(1)$$) AS function_defaults;
SELECT try($$CALL pass24.proc_defaults(1)$$) AS procedure_defaults;
-- (the owner's function in its domain's constraint runs in a frame, also
-- for an array literal checked while the query is parsed)
SELECT try($$SELECT pass24.tagged('x')$$) AS domain_function;
SELECT try($$SELECT '{x,y}'::pass24.tag[]$$) AS domain_array_literal;
SELECT try($$SELECT '{x}'::pass24.text[], '{x}'::pass24.hidden[], '{x}'::pass24.noted[]$$) AS refused_domains;
\set VERBOSITY default
SELECT pass24.path_default(1) AS path_default;
SELECT current_setting('search_path') AS search_path;
-- (the application's own PL/pgSQL evaluates such a call as a statement too)
SELECT try($q$DO $$ DECLARE x int; BEGIN x := pass24.defaults(1); END $$$q$) AS plpgsql_expression;
-- (every argument given: none of the owner's defaults runs)
SELECT pass24.defaults(1, NULL) AS all_given;
COMMIT;
SELECT current_setting('search_path') AS search_path;
RESET ROLE;
DROP DOMAIN pass24.app_noted;
DROP FUNCTION pass24.app_note(text);
-- attack pass 26 (helper-37): settings.  The owner's procedure rolled back
-- and then set the search_path, which outlived it; a function with SET
-- clauses of its own set its clause's value by a plain SET after the
-- application's SET LOCAL (kept), or made the application's SET LOCAL a
-- SET; a well-behaved one was refused after the application's SET LOCAL;
-- one with a SET role clause naming its owner (of which the application's
-- role is a member) ran as the application's own code and granted Super
-- Admin.
SET ROLE wfauth_regress_owner24;
CREATE PROCEDURE pass24.rolls_back_then_sets() LANGUAGE plpgsql AS $$
BEGIN
    ROLLBACK;
    PERFORM set_config('search_path', 'pass24, public', false);
END $$;
CREATE FUNCTION pass24.clause_value_kept() RETURNS int LANGUAGE plpgsql SET search_path = pass24, public AS $$
BEGIN
    PERFORM set_config('search_path', 'pass24, public', false);
    RETURN 1;
END $$;
CREATE FUNCTION pass24.local_made_session() RETURNS int LANGUAGE plpgsql SET work_mem = '64kB' AS $$
BEGIN
    PERFORM set_config('search_path', current_setting('search_path'), false);
    RETURN 1;
END $$;
CREATE FUNCTION pass24.well_behaved() RETURNS text LANGUAGE sql SET search_path = pass24
    AS $$ SELECT current_setting('search_path') $$;
CREATE FUNCTION pass24.as_owner() RETURNS void LANGUAGE plpgsql SET role = wfauth_regress_owner24 AS $$
BEGIN
    PERFORM wfauth.grant_super_admin('mallory26@example.com');
END $$;
CREATE FUNCTION pass24.probe(what text) RETURNS boolean LANGUAGE sql AS $$
    SELECT CASE what WHEN 'has_permission' THEN wfauth.has_permission(wfauth.current_principal(), 'accounts')
           ELSE wfauth.can_access(wfauth.current_principal(),
                                  ('dashboard/0:{' || wfauth.current_principal() || '=view}')::wfauth.acl, 'view') END $$;
GRANT EXECUTE ON FUNCTION pass24.clause_value_kept(), pass24.local_made_session(), pass24.well_behaved(),
    pass24.as_owner(), pass24.probe(text) TO wfauth_regress_app24;
GRANT EXECUTE ON PROCEDURE pass24.rolls_back_then_sets() TO wfauth_regress_app24;
RESET ROLE;
GRANT wfauth_regress_owner24 TO wfauth_regress_app24;
SET ROLE wfauth_regress_app24;
\set VERBOSITY terse
CALL pass24.rolls_back_then_sets();
SELECT current_setting('search_path') AS search_path;
BEGIN;
SET LOCAL search_path = public, pass24;
SELECT pass24.well_behaved() AS well_behaved;
SELECT try($$SELECT pass24.clause_value_kept()$$) AS clause_value_kept;
SELECT try($$SELECT pass24.local_made_session()$$) AS local_made_session;
COMMIT;
SELECT current_setting('search_path') AS search_path;
BEGIN;
SELECT wfauth.login('boss26@example.com', 'boss-26-password') IS NOT NULL AS boss_acts;
SELECT try($$SELECT pass24.as_owner()$$) AS set_role_clause;
-- (nor does the owner's function learn what the principal may: asking
-- about it refuses there too, as about anyone)
SELECT try($$SELECT pass24.probe('has_permission')$$) AS probe_permission;
SELECT try($$SELECT pass24.probe('can_access')$$) AS probe_access;
COMMIT;
\set VERBOSITY default
RESET ROLE;
REVOKE wfauth_regress_owner24 FROM wfauth_regress_app24;
-- attack pass 31 (helper-42): the owner's code runs as the application's
-- role, so what it made was the application's -- a trigger on its table,
-- its function replaced, its role's search_path for every later session --
-- and ran later as the application's own code with whoever acted then
-- (nobody acted while it was made: an account was made Super Admin so).
-- It runs no command that makes or changes an object, a setting of a role
-- or database, or a grant.
SET ROLE wfauth_regress_owner24;
CREATE FUNCTION pass24.runs(command text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE command; END $$;
RESET ROLE;
SET ROLE wfauth_regress_app24;
\set VERBOSITY terse
SELECT try($$SELECT pass24.runs('ALTER ROLE wfauth_regress_app24 SET search_path = pass24, public')$$) AS role_setting_made;
SELECT try($$SELECT pass24.runs('CREATE FUNCTION pass24.implant() RETURNS int LANGUAGE sql AS ''SELECT 1''')$$)
    AS function_made;
SELECT try($$SELECT pass24.runs('GRANT USAGE ON SCHEMA pass24 TO PUBLIC')$$) AS grant_made;
SELECT try($$SELECT pass24.runs('EXPLAIN ANALYZE CREATE TABLE pass24.made AS SELECT 1')$$) AS table_made_by_explain;
\set VERBOSITY default
RESET ROLE;
SELECT count(*) AS role_settings_left FROM pg_db_role_setting WHERE setrole = 'wfauth_regress_app24'::regrole;
SELECT body FROM pass24.journal;
SELECT count(*) AS mallory_made_super_admin FROM wfauth.audit_log
 WHERE action = 'grant_super_admin' AND target = 'mallory26@example.com';
SELECT wfauth.delete_account('boss26@example.com'), wfauth.delete_account('mallory26@example.com');
RESET search_path;
RESET ROLE;
DROP SCHEMA pass24 CASCADE;
DROP OWNED BY wfauth_regress_owner24, wfauth_regress_app24;
DROP ROLE wfauth_regress_owner24;
DROP ROLE wfauth_regress_app24;
