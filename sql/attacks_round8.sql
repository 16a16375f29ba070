-- The eighth attack pass: what the seventh left open.  Each attack below
-- succeeded before its fix; each now fails.
SET client_min_messages = warning;
SELECT wfauth.create_user('r8-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
SELECT wfauth.create_user('r8-bob@example.com', permissions => '{dashboards}') IS NOT NULL AS bob;
SELECT wfauth.create_user('r8-tim@example.com', permissions => '{dashboards}') IS NOT NULL AS tim;
CREATE ROLE wfauth_r8_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r8_owner;
CREATE SCHEMA r8 AUTHORIZATION wfauth_r8_owner;
GRANT USAGE ON SCHEMA r8 TO wfauth_regress_app;
-- the owner's partitioned table
SET ROLE wfauth_r8_owner;
CREATE TABLE r8.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE r8.p1 PARTITION OF r8.p FOR VALUES FROM (0) TO (100);
CREATE TABLE r8.p2 PARTITION OF r8.p FOR VALUES FROM (100) TO (200);
GRANT SELECT, INSERT, UPDATE ON r8.p TO wfauth_regress_app;
RESET ROLE;
SELECT wfauth.protect('r8.p', 'dashboard');
-- rows only Ada may see and change
INSERT INTO r8.p VALUES (5, 'ada''s'), (6, 'ada''s too');
UPDATE r8.p SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r8-ada@example.com', 'modify');
SELECT acl::text AS ada_only FROM r8.p WHERE id = 5 \gset

-- 1. The owner's BEFORE INSERT trigger on the destination changed the
-- moved row's partition key (within the destination): the insert no longer
-- matched the note, and the row got a fresh list (Everyone, modify).
SET ROLE wfauth_r8_owner;
CREATE FUNCTION r8.shift() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.id := NEW.id + 1; RETURN NEW; END $$;
CREATE TRIGGER a_shift BEFORE INSERT ON r8.p2 FOR EACH ROW EXECUTE FUNCTION r8.shift();
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r8-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
UPDATE r8.p SET id = 105 WHERE id = 5;
COMMIT;
SELECT id, acl::text = :'ada_only' AS keeps_adas_list FROM r8.p WHERE id >= 100;
SET ROLE wfauth_r8_owner;
DROP TRIGGER a_shift ON r8.p2;
RESET ROLE;

-- 2. A partition key that is an expression was not compared at all, and
-- a decoy -- a row that code run by the destination's BEFORE INSERT
-- trigger inserts, with the moved row's key -- took the move's list while
-- the moved row got a fresh one.  The code here is the application's own
-- (its table, its function), which may insert with Ada acting; the decoy
-- is a new object, and the moved row keeps its list.
CREATE TABLE r8.e (id int, title text) PARTITION BY LIST ((id % 2));
CREATE TABLE r8.even PARTITION OF r8.e FOR VALUES IN (0);
CREATE TABLE r8.odd PARTITION OF r8.e FOR VALUES IN (1);
CREATE FUNCTION r8.decoy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.title <> 'decoy' THEN INSERT INTO r8.e (id, title) VALUES (NEW.id, 'decoy'); END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER a_decoy BEFORE INSERT ON r8.odd FOR EACH ROW EXECUTE FUNCTION r8.decoy();
ALTER TABLE r8.e OWNER TO wfauth_regress_app;
ALTER TABLE r8.even OWNER TO wfauth_regress_app;
ALTER TABLE r8.odd OWNER TO wfauth_regress_app;
ALTER FUNCTION r8.decoy() OWNER TO wfauth_regress_app;
SELECT wfauth.protect('r8.e', 'dashboard');
INSERT INTO r8.e VALUES (2, 'ada''s');
UPDATE r8.e SET acl = :'ada_only';
BEGIN;
SELECT wfauth.set_principal('r8-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
UPDATE r8.e SET id = 3 WHERE id = 2;
COMMIT;
SELECT id, title, acl::text = :'ada_only' AS has_adas_list FROM r8.e ORDER BY title;

-- 3. Lock-away through a membership that ends: with a lasting entry of her
-- own, Ada replaced it with her group's, whose membership ends tomorrow.
CREATE TABLE public.r8_boards (id int PRIMARY KEY);
SELECT wfauth.protect('public.r8_boards', 'dashboard');
GRANT SELECT, UPDATE ON public.r8_boards TO wfauth_regress_app;
INSERT INTO public.r8_boards VALUES (1), (2);
SELECT wfauth.create_group('r8-contractors') IS NOT NULL AS contractors;
SELECT wfauth.add_members('r8-contractors', '{r8-ada@example.com}', statement_timestamp() + interval '1 day');
UPDATE public.r8_boards SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'),
                                                   'r8-ada@example.com', 'modify'), 'r8-bob@example.com', 'modify')
 WHERE id = 1;
BEGIN;
SELECT wfauth.set_principal('r8-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE public.r8_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'r8-ada@example.com'),
                                                                'group:r8-contractors', 'modify') WHERE id = 1$$)
    AS ada_keeps_only_an_ending_membership;
COMMIT;

-- 4. A modifier whose access ends: Tim, with modify until tomorrow, could
-- make his own entry permanent, or grant lasting access to anyone (say an
-- account he also holds), and could not revoke anyone (a false refusal).
-- Now what he grants ends when his own access does, and revoking works.
UPDATE public.r8_boards SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'),
                                  'r8-ada@example.com', 'view'), 'r8-bob@example.com', 'modify'),
                                  'r8-tim@example.com', 'modify', NULL, statement_timestamp() + interval '1 day')
 WHERE id = 2;
BEGIN;
SELECT wfauth.set_principal('r8-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE public.r8_boards SET acl = wfauth.acl_revoke(acl, 'r8-bob@example.com') WHERE id = 2$$)
    AS tim_revokes_bob;
SELECT try($$UPDATE public.r8_boards SET acl = wfauth.acl_grant(acl, 'r8-tim@example.com', 'modify') WHERE id = 2$$)
    AS tim_makes_his_entry_permanent;
SELECT try($$UPDATE public.r8_boards SET acl = wfauth.acl_grant(acl, 'r8-tim@example.com', 'modify', NULL,
                                                                statement_timestamp() + interval '1 year') WHERE id = 2$$)
    AS tim_extends_his_entry;
SELECT try($$UPDATE public.r8_boards SET acl = wfauth.acl_grant(acl, 'r8-bob@example.com', 'view') WHERE id = 2$$)
    AS tim_grants_bob_lasting_access;
SELECT try($$UPDATE public.r8_boards SET acl = wfauth.acl_grant(acl, 'r8-bob@example.com', 'view', NULL,
                                                                statement_timestamp() + interval '1 hour') WHERE id = 2$$)
    AS tim_grants_bob_an_hour;
COMMIT;
SELECT e.grantee, e.mode, e.valid_until IS NOT NULL AS ends
  FROM public.r8_boards, wfauth.acl_entries(acl) e WHERE id = 2 ORDER BY 1;
-- the same through a group whose membership ends: Ada's contractors group
-- gets a lasting modify entry; what she grants through it ends with her
-- membership
UPDATE public.r8_boards SET acl = wfauth.acl_grant(acl, 'group:r8-contractors', 'modify') WHERE id = 2;
BEGIN;
SELECT wfauth.set_principal('r8-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE public.r8_boards SET acl = wfauth.acl_grant(acl, 'r8-ada@example.com', 'modify') WHERE id = 2$$)
    AS ada_grants_herself_lasting_access;
COMMIT;

-- clean up
DROP TABLE r8.p, r8.e, public.r8_boards CASCADE;
DROP SCHEMA r8 CASCADE;
REVOKE ALL ON SCHEMA wfauth FROM wfauth_r8_owner;
DROP ROLE wfauth_r8_owner;
SELECT wfauth.delete_group('r8-contractors');
SELECT wfauth.delete_account('r8-ada@example.com');
SELECT wfauth.delete_account('r8-bob@example.com');
SELECT wfauth.delete_account('r8-tim@example.com');
