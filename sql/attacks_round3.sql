-- The third attack pass on 1.2 (a hostile table owner, database owner and
-- client, briefed afresh).  Each attack below succeeded against the 1.2
-- release; each now fails.
SET client_min_messages = warning;
CREATE ROLE wfauth_r3_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r3_owner;
CREATE SCHEMA r3 AUTHORIZATION wfauth_r3_owner;
GRANT USAGE ON SCHEMA r3 TO wfauth_regress_app;
SELECT wfauth.create_user('r3-boss@example.com', permissions => '{dashboards}') IS NOT NULL AS boss_created;
SELECT wfauth.grant_super_admin('r3-boss@example.com');
SELECT wfauth.create_user('r3-bob@example.com', permissions => '{dashboards}') AS bob \gset
SELECT wfauth.create_user('r3-mallory@example.com') AS mallory \gset
SELECT wfauth.create_group('r3 Secret Ops') AS secret_ops \gset
SELECT wfauth.add_members('r3 Secret Ops', '{r3-bob@example.com}');
-- mallory is Super Admin after an attack
CREATE FUNCTION r3_mallory_is_super_admin() RETURNS boolean LANGUAGE sql AS
    $$ SELECT super_admin FROM wfauth.principals WHERE name = 'r3-mallory@example.com' $$;

-- 1. A client crashed the server: wfauth._acl_on_update(), which every role
-- may attach to a table of its own, fired by INSERT read a new tuple that
-- is not there.  It must be an UPDATE trigger now (and _acl_on_insert an
-- INSERT one); a temporary table cannot be protected at all (it was the
-- client's way to a protected table of its own, and left a dangling entry
-- in protected_tables when its session ended: every later delete failed).
SET ROLE wfauth_regress_app;
CREATE TEMP TABLE r3_mine (id int);
SELECT try($$SELECT wfauth.protect('r3_mine', 'dashboard')$$) AS protect_a_temporary_table;
CREATE TABLE appdata.r3_own (id int);
SELECT wfauth.protect('appdata.r3_own', 'dashboard');
CREATE TRIGGER a_boom BEFORE INSERT OR DELETE ON appdata.r3_own
    FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_update();
CREATE TRIGGER a_boom2 BEFORE UPDATE OR DELETE ON appdata.r3_own
    FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_insert('dashboard');
RESET ROLE;
SELECT try($$INSERT INTO appdata.r3_own VALUES (1)$$) AS update_trigger_fired_by_insert;
DROP TRIGGER a_boom ON appdata.r3_own;
INSERT INTO appdata.r3_own VALUES (1);
SELECT try($$DELETE FROM appdata.r3_own$$) AS insert_trigger_fired_by_delete;
SELECT 1 AS the_server_is_up;

-- 2. Another role's SQL function acted with the session's principal: the
-- planner folds an IMMUTABLE SQL function in the owner's view or DEFAULT to
-- a constant (no executor hook ran), and inlines a SQL function (its body
-- became the caller's own statement).  A Super Admin's request reading the
-- owner's view made mallory a Super Admin.
SET ROLE wfauth_r3_owner;
CREATE TABLE r3.docs (id int PRIMARY KEY, title text);
INSERT INTO r3.docs VALUES (7, 'seven');
GRANT SELECT, INSERT ON r3.docs TO wfauth_regress_app;
CREATE FUNCTION r3.one() RETURNS int LANGUAGE sql IMMUTABLE AS
    $$ SELECT 1 FROM (SELECT wfauth.grant_super_admin('r3-mallory@example.com')) s $$;
CREATE VIEW r3.docs_v AS SELECT id, title FROM r3.docs WHERE id >= r3.one();
GRANT SELECT ON r3.docs_v TO wfauth_regress_app;
CREATE FUNCTION r3.plain() RETURNS int LANGUAGE sql AS
    $$ SELECT 1 FROM (SELECT wfauth.grant_super_admin('r3-mallory@example.com')) s $$;
GRANT EXECUTE ON FUNCTION r3.plain() TO wfauth_regress_app;
RESET ROLE;
SELECT wfauth.protect('r3.docs', 'dashboard');
BEGIN;
SELECT wfauth.set_principal('r3-boss@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$SELECT count(*) FROM r3.docs_v$$) AS super_admin_reads_owners_view;
SELECT try($$SELECT r3.plain()$$) AS super_admin_calls_owners_sql_function;
COMMIT;
RESET ROLE;
SELECT r3_mallory_is_super_admin() AS mallory_became_super_admin;
-- a DEFAULT of the owner's on the protected table itself
SET ROLE wfauth_r3_owner;
ALTER TABLE r3.docs ADD COLUMN n int;
ALTER TABLE r3.docs ALTER COLUMN n SET DEFAULT r3.one();
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r3-boss@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$INSERT INTO r3.docs (id, title) VALUES (8, 'eight')$$) AS super_admin_inserts_with_owners_default;
COMMIT;
RESET ROLE;
SELECT r3_mallory_is_super_admin() AS mallory_became_super_admin;
-- a database owner's operator, first on the search_path it set for the
-- database (here the session's own, for the test)
SET ROLE wfauth_r3_owner;
ALTER TABLE r3.docs ALTER COLUMN n DROP DEFAULT;
CREATE FUNCTION r3.int4eq(int4, int4) RETURNS boolean LANGUAGE sql AS
    $$ SELECT $1 OPERATOR(pg_catalog.=) $2 FROM (SELECT wfauth.grant_super_admin('r3-mallory@example.com')) s $$;
CREATE OPERATOR r3.= (LEFTARG = int4, RIGHTARG = int4, FUNCTION = r3.int4eq);
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r3-boss@example.com');
SET LOCAL ROLE wfauth_regress_app;
SET LOCAL search_path = r3, pg_catalog, public;
SELECT try($$SELECT title FROM r3.docs WHERE id = 7$$) AS super_admin_uses_planted_operator;
COMMIT;
RESET ROLE;
SELECT r3_mallory_is_super_admin() AS mallory_became_super_admin;
-- the application's own SQL function may still call wfauth (its own code)
SET ROLE wfauth_regress_app;
CREATE FUNCTION appdata.r3_me() RETURNS bigint LANGUAGE sql AS $$ SELECT wfauth.current_principal() $$;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r3-bob@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT appdata.r3_me() = :bob AS own_sql_function_sees_principal;
ROLLBACK;
RESET ROLE;

-- 3. The owner's code read protected rows with the session's principal:
-- its trigger copied what a Super Admin's request could see of another
-- table into its own.  Inside another role's function the policies see
-- nobody.
CREATE TABLE public.r3_salaries (who text, salary int);
SELECT wfauth.protect('public.r3_salaries', 'dashboard');
INSERT INTO public.r3_salaries VALUES ('ceo', 999999);
GRANT SELECT ON public.r3_salaries TO wfauth_r3_owner, wfauth_regress_app;
SET ROLE wfauth_r3_owner;
CREATE TABLE r3.loot (what text);
GRANT INSERT ON r3.loot TO wfauth_regress_app;
CREATE FUNCTION r3.steal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO r3.loot SELECT who || '=' || salary FROM public.r3_salaries;
    RETURN NEW;
END $$;
CREATE TABLE r3.notes (id int);
CREATE TRIGGER steal BEFORE INSERT ON r3.notes FOR EACH ROW EXECUTE FUNCTION r3.steal();
GRANT INSERT ON r3.notes TO wfauth_regress_app;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r3-boss@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT count(*) AS super_admin_sees_salaries FROM public.r3_salaries;
INSERT INTO r3.notes VALUES (1);
COMMIT;
RESET ROLE;
SELECT count(*) AS salaries_copied_by_the_owners_trigger FROM r3.loot;

-- 4. DETACH PARTITION ... CONCURRENTLY commits halfway, and the section
-- the lockdown opened at its start was gone at its end: the partition left
-- protected-less, was filled with forged access lists, and attached again.
SET ROLE wfauth_r3_owner;
CREATE TABLE r3.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE r3.p1 PARTITION OF r3.p FOR VALUES FROM (0) TO (100);
CREATE TABLE r3.p2 PARTITION OF r3.p FOR VALUES FROM (100) TO (200);
RESET ROLE;
SELECT wfauth.protect('r3.p', 'dashboard');
SET ROLE wfauth_r3_owner;
SELECT try($$ALTER TABLE r3.p DETACH PARTITION r3.p2$$) AS detach;
ALTER TABLE r3.p DETACH PARTITION r3.p2 CONCURRENTLY;
RESET ROLE;
SELECT count(*) AS faults FROM wfauth.protection_faults();
SELECT relispartition AS p2_still_a_partition FROM pg_class WHERE oid = 'r3.p2'::regclass;

-- 4b. A cross-partition UPDATE gave the moved row a new access list (the
-- mover as creator, the default entries, nothing audited): it keeps its own.
SET ROLE wfauth_r3_owner;
GRANT SELECT, INSERT, UPDATE ON r3.p TO wfauth_regress_app;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r3-boss@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO r3.p VALUES (5, 'five');
UPDATE r3.p SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r3-bob@example.com', 'modify') WHERE id = 5;
COMMIT;
SELECT acl::text = format('dashboard/%s:{%s=modify}', wfauth.account_id('r3-boss@example.com'), :bob) AS before_the_move
  FROM r3.p WHERE id = 5;
BEGIN;
SELECT wfauth.set_principal('r3-bob@example.com');
SET LOCAL ROLE wfauth_regress_app;
UPDATE r3.p SET id = 150 WHERE id = 5;
COMMIT;
SELECT tableoid::regclass AS now_in,
       acl::text = format('dashboard/%s:{%s=modify}', wfauth.account_id('r3-boss@example.com'), :bob) AS same_access_list
  FROM r3.p WHERE id = 150;

-- 5. protect() trusted the access lists the owner's trigger wrote while it
-- filled the empty rows: a row of the default tenant's table was given to
-- another tenant's principal.
SET ROLE wfauth_r3_owner;
CREATE TABLE r3.f (id int, title text);
INSERT INTO r3.f VALUES (1, 'shown to Acme');
SELECT format($f$CREATE FUNCTION r3.forge() RETURNS trigger LANGUAGE plpgsql AS $b$
BEGIN
    NEW.acl := %L::wfauth.acl;
    RETURN NEW;
END $b$$f$, 'dashboard/0:{' || :mallory || '=modify}') \gexec
CREATE TRIGGER a_forge BEFORE UPDATE ON r3.f FOR EACH ROW EXECUTE FUNCTION r3.forge();
SELECT try($$SELECT wfauth.protect('r3.f', 'dashboard')$$) AS owner_protects;
RESET ROLE;
SELECT try($$SELECT wfauth.protect('r3.f', 'dashboard')$$) AS dba_protects;
SELECT count(*) AS protected FROM wfauth.protected_tables WHERE tbl = 'r3.f'::regclass;

-- 6. Decisions about others, asked without a principal: policy_check (the
-- policies' own function), the listing index's query and has_permission
-- answered what can_access refuses.
SET ROLE wfauth_regress_app;
SELECT try(format('SELECT wfauth.policy_check(%s, %L, %L)', :bob, 'dashboard/0:{' || :secret_ops || '=view}', 'view'))
    AS policy_check_about_bob;
SELECT try(format('SELECT wfauth.has_permission(%s, %L)', :bob, 'dashboards')) AS has_permission_about_bob;
CREATE TEMP TABLE r3_probe (g bigint, acl wfauth.acl);
INSERT INTO r3_probe VALUES (1, 'dashboard/0:{1=view}');
CREATE INDEX ON r3_probe USING gin (acl);
SET enable_seqscan = off;
SELECT try(format('SELECT count(*) FROM r3_probe WHERE acl OPERATOR(wfauth.@@) %s::bigint', :bob)) AS index_probe_about_bob;
RESET enable_seqscan;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r3-mallory@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try(format('SELECT wfauth.has_permission(%s, %L)', :bob, 'dashboards')) AS plain_account_asks_about_bob;
SELECT wfauth.has_permission(:mallory, 'dashboards') AS about_itself;
ROLLBACK;
RESET ROLE;

-- 7. An activation token already out activated the account after it was
-- made Super Admin: whoever invited it (an accounts holder) chose the
-- Super Admin's password.  grant_super_admin voids such tokens.
SELECT activation_token AS boss_token FROM wfauth.invite_users('{r3-newboss@example.com}') \gset
SELECT wfauth.grant_super_admin('r3-newboss@example.com');
SELECT try(format('SELECT wfauth.activate_user(%L, %L)', :'boss_token', 'chosen by the inviter, long enough'))
    AS activate_super_admin_with_old_token;
SELECT count(*) AS fresh_tokens FROM wfauth.invite_users('{r3-newboss@example.com}');

-- clean up
SET client_min_messages = warning;
DROP SCHEMA r3 CASCADE;
DROP TABLE appdata.r3_own, public.r3_salaries;
DROP FUNCTION r3_mallory_is_super_admin();
DROP OWNED BY wfauth_r3_owner;
DROP ROLE wfauth_r3_owner;
