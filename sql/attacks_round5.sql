-- The fifth attack pass (a hostile table owner, database owner and client,
-- briefed afresh against the fourth pass's fixes and entries in time).
-- Each attack below succeeded before its fix; each now fails.
SET client_min_messages = warning;
CREATE ROLE wfauth_r5_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r5_owner;
CREATE SCHEMA r5 AUTHORIZATION wfauth_r5_owner;
GRANT USAGE ON SCHEMA r5 TO wfauth_regress_app;
SELECT wfauth.create_user('r5-ada@example.com', permissions => '{dashboards}') AS ada \gset
SELECT wfauth.create_user('r5-bob@example.com', permissions => '{dashboards}') AS bob \gset
SELECT wfauth.create_user('r5-eve@example.com') AS eve \gset
-- a DBA's table: one row only Ada may see (and modify)
CREATE TABLE public.r5_salaries (who text, salary int);
SELECT wfauth.protect('public.r5_salaries', 'dashboard');
INSERT INTO public.r5_salaries VALUES ('ceo', 999999);
UPDATE public.r5_salaries SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r5-ada@example.com', 'modify');
GRANT SELECT ON public.r5_salaries TO wfauth_r5_owner, wfauth_regress_app;
GRANT UPDATE ON public.r5_salaries TO wfauth_r5_owner;     -- it still sees no row itself
-- the owner's partitioned table: row 6 is Ada's alone, row 25 Bob's
CREATE TABLE r5.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE r5.p1 PARTITION OF r5.p FOR VALUES FROM (0) TO (100);
CREATE TABLE r5.p2 PARTITION OF r5.p FOR VALUES FROM (100) TO (200);
ALTER TABLE r5.p OWNER TO wfauth_r5_owner;
ALTER TABLE r5.p1 OWNER TO wfauth_r5_owner;
ALTER TABLE r5.p2 OWNER TO wfauth_r5_owner;
SELECT wfauth.protect('r5.p', 'dashboard');
GRANT SELECT, INSERT, UPDATE ON r5.p TO wfauth_regress_app;
INSERT INTO r5.p VALUES (6, 'ada''s');
UPDATE r5.p SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r5-ada@example.com', 'modify') WHERE id = 6;
BEGIN;                  -- Ada creates row 25 and gives it to Bob, keeping a view
SELECT wfauth.set_principal('r5-ada@example.com');
INSERT INTO r5.p VALUES (25, 'ada''s, now bob''s');
UPDATE r5.p SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r5-bob@example.com', 'modify'),
                                       'r5-ada@example.com', 'view') WHERE id = 25;
COMMIT;
SELECT acl::text AS ada_only_acl FROM r5.p WHERE id = 6 \gset
CREATE TABLE appdata.r5_scratch (x int);
GRANT ALL ON appdata.r5_scratch TO wfauth_regress_app;
SET ROLE wfauth_r5_owner;
CREATE SEQUENCE r5.leak;
GRANT UPDATE, USAGE ON SEQUENCE r5.leak TO PUBLIC;
RESET ROLE;

-- 1. The owner's row-level security policy, on a table of its own the
-- request reads, read the DBA's protected table with the request's
-- principal and sent the salary out through a sequence (not rolled back).
-- A policy's subquery is checked as the caller, so the round-4 check (a
-- view's or rule's relations, checked as their owner) missed it.
SET ROLE wfauth_r5_owner;
CREATE TABLE r5.menu (id int);
INSERT INTO r5.menu VALUES (1);
GRANT SELECT ON r5.menu TO wfauth_regress_app;
ALTER TABLE r5.menu ENABLE ROW LEVEL SECURITY;
CREATE POLICY spy ON r5.menu FOR SELECT
    USING ((SELECT setval('r5.leak', max(salary)) FROM public.r5_salaries) > 0);
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r5-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$SELECT * FROM r5.menu$$) AS owners_policy_reads_salaries;
ROLLBACK;
SELECT last_value = 999999 AS owner_learned_salary FROM r5.leak;

-- 2. An INSTEAD rule of one action of the request's own command kind kept
-- canSetTag, so the statement was not counted as running another role's
-- code and the round-4 check never ran: the salary leaked and Ada's row was
-- shared with Eve, in Ada's name.
SET ROLE wfauth_r5_owner;
CREATE TABLE r5.prefs (id int);
INSERT INTO r5.prefs VALUES (1);
GRANT SELECT, UPDATE ON r5.prefs TO wfauth_regress_app;
CREATE RULE share AS ON UPDATE TO r5.prefs DO INSTEAD
    UPDATE public.r5_salaries SET acl = wfauth.acl_grant(acl, 'r5-eve@example.com', 'view')
     WHERE (SELECT setval('r5.leak', max(salary) + 1) FROM public.r5_salaries) > 0;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r5-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE r5.prefs SET id = 2$$) AS owners_instead_rule;
COMMIT;
SELECT last_value = 1000000 AS owner_learned_salary FROM r5.leak;
SELECT wfauth.can_access(:eve, acl, 'view') AS shared_with_eve FROM public.r5_salaries;

-- 3. A row moved to another partition got a fresh access list (Everyone,
-- the mover as creator) when the owner's PL/pgSQL BEFORE DELETE trigger on
-- the source partition ran a statement between the two halves of the move
-- (the command counter the note was bound to moved on).
SET ROLE wfauth_r5_owner;
CREATE FUNCTION r5.log_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; RETURN OLD; END $$;
CREATE TRIGGER a_log BEFORE DELETE ON r5.p1 FOR EACH ROW EXECUTE FUNCTION r5.log_delete();
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r5-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
UPDATE r5.p SET id = 160 WHERE id = 6;
COMMIT;
SELECT id, acl::text = :'ada_only_acl' AS kept_its_access_list FROM r5.p WHERE id = 160;

-- 4. The owner's BEFORE INSERT trigger on the destination swallowed a moved
-- row, so its note stayed; an INSERT in the same statement's writable CTE
-- then took it: Bob made a new row with a copy of the moved row's access
-- list, Ada's name as its creator.  (Since round 8 a move is known by the
-- executor frame it runs in, not by its key: the first insert into the
-- table in the move's statement frame -- here Bob's own CTE, after the
-- owner swallowed the moved row -- is the object arriving, with its list
-- and creator.  That is the row Bob could have made by moving row 25 to id
-- 26 himself, with the modify access the move needs; no other statement,
-- and no code the owner runs, can take the note.)
SET ROLE wfauth_r5_owner;
DROP TRIGGER a_log ON r5.p1;
CREATE FUNCTION r5.drop_it() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN IF NEW.title = 'drop' THEN RETURN NULL; END IF; RETURN NEW; END $$;
CREATE TRIGGER a_drop BEFORE INSERT ON r5.p2 FOR EACH ROW EXECUTE FUNCTION r5.drop_it();
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r5-bob@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$WITH u AS (UPDATE r5.p SET id = 125, title = 'drop' WHERE id = 25 RETURNING 1),
                  i AS (INSERT INTO r5.p (id, title, acl)
                        SELECT 26, 'planted', (SELECT acl FROM r5.p WHERE id = 25) FROM (SELECT count(*) FROM u) s
                        RETURNING 1)
             UPDATE appdata.r5_scratch SET x = 1 WHERE false$$) AS bob_plants_a_copy;
COMMIT;
SELECT id, wfauth.acl_creator(acl) = :ada AS created_by_ada FROM r5.p WHERE id = 26;

-- 5. An access list whose only lasting entry has not started yet locked the
-- object away from everyone but Super Admins until then, and
-- orphaned_objects did not list it.
CREATE TABLE r5.boards (id int PRIMARY KEY);
ALTER TABLE r5.boards OWNER TO wfauth_r5_owner;
SELECT wfauth.protect('r5.boards', 'dashboard');
GRANT SELECT, UPDATE ON r5.boards TO wfauth_regress_app;
INSERT INTO r5.boards VALUES (1);
UPDATE r5.boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r5-ada@example.com', 'modify');
BEGIN;
SELECT wfauth.set_principal('r5-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try(format($$UPDATE r5.boards SET acl = 'dashboard/0:{%s=modify[2100-01-01T00:00:00Z,)}'$$, :ada))
    AS locked_until_2100;
COMMIT;
-- an entry that has not started is not a living one
UPDATE r5.boards SET acl = wfauth.acl_grant(acl, 'r5-bob@example.com', 'view', '2100-01-01Z');
SELECT wfauth.delete_account('r5-ada@example.com');
SELECT count(*) AS orphans FROM wfauth.orphaned_objects() WHERE tbl = 'r5.boards'::regclass;

-- clean up
DROP TABLE r5.p, r5.menu, r5.prefs, r5.boards, public.r5_salaries, appdata.r5_scratch CASCADE;
DROP SCHEMA r5 CASCADE;
REVOKE ALL ON SCHEMA wfauth FROM wfauth_r5_owner;
DROP ROLE wfauth_r5_owner;
SELECT wfauth.delete_account('r5-bob@example.com');
SELECT wfauth.delete_account('r5-eve@example.com');
