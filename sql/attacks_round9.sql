-- The ninth attack pass (a fresh hostile owner, database owner and client,
-- briefed against the eighth pass's fixes).  Each attack below succeeded
-- before its fix; each now fails.
SET client_min_messages = warning;

-- 1. Modify access that ends through the kind's permission, a role or a
-- membership carrying the permission counted as never ending: a contractor
-- whose dashboards permission ends tomorrow gave his other account, and
-- Everyone, lasting modify access.  The reach of a principal's modify access
-- now ends with the last way it holds the kind's permission too.
SELECT wfauth.create_user('a1-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
SELECT wfauth.create_user('a1-tim@example.com') IS NOT NULL AS tim;          -- contractor
SELECT wfauth.create_user('a1-tim2@example.com', permissions => '{dashboards}') IS NOT NULL AS tim2;  -- his other account
-- Tim may work on dashboards until tomorrow only: the permission ends
SELECT wfauth.grant_permission('dashboards', '{a1-tim@example.com}', statement_timestamp() + interval '1 day');
CREATE TABLE public.a1_boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('public.a1_boards', 'dashboard');
GRANT SELECT, UPDATE ON public.a1_boards TO wfauth_regress_app;
INSERT INTO public.a1_boards VALUES (1, 'secret board');
-- Ada's board; Tim gets a modify entry (his modify access ends with his permission)
UPDATE public.a1_boards SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'),
       'a1-ada@example.com', 'modify'), 'a1-tim@example.com', 'modify');
BEGIN;
SELECT wfauth.set_principal('a1-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT wfauth.can_access(wfauth.current_principal(), acl, 'modify') AS tim_may_modify_now FROM public.a1_boards;
SELECT try($$UPDATE public.a1_boards SET acl = wfauth.acl_grant(acl, 'a1-tim2@example.com', 'modify') WHERE id = 1$$)
    AS tim_gives_his_other_account_lasting_modify;
SELECT try($$UPDATE public.a1_boards SET acl = wfauth.acl_grant(acl, 'everyone', 'modify') WHERE id = 1$$)
    AS tim_gives_everyone_lasting_modify;
COMMIT;
SELECT e.grantee, e.mode, e.valid_until IS NOT NULL AS ends FROM public.a1_boards, wfauth.acl_entries(acl) e ORDER BY 1;
-- the same rule, with the end on the ENTRY instead, refuses (control):
UPDATE public.a1_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(wfauth.acl_revoke(acl, 'everyone'), 'a1-tim2@example.com'),
       'a1-tim@example.com', 'modify', NULL, statement_timestamp() + interval '1 day');
SELECT wfauth.grant_permission('dashboards', '{a1-tim@example.com}');   -- lasting permission now
BEGIN;
SELECT wfauth.set_principal('a1-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE public.a1_boards SET acl = wfauth.acl_grant(acl, 'a1-tim2@example.com', 'modify') WHERE id = 1$$)
    AS control_dated_entry;
COMMIT;

-- the same through a role grant that ends, and a membership that carries the permission
SELECT wfauth.create_user('a1b-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
SELECT wfauth.create_user('a1b-tim@example.com') IS NOT NULL AS tim;
SELECT wfauth.create_user('a1b-sam@example.com') IS NOT NULL AS sam;
SELECT wfauth.create_role('a1b-editor', '{dashboards}') IS NOT NULL AS editor_role;
SELECT wfauth.grant_role('a1b-editor', '{a1b-tim@example.com}', statement_timestamp() + interval '1 day');
SELECT wfauth.create_group('a1b-contractors') IS NOT NULL AS contractors;
SELECT wfauth.grant_permission('dashboards', '{group:a1b-contractors}');
SELECT wfauth.add_members('a1b-contractors', '{a1b-sam@example.com}', statement_timestamp() + interval '1 day');
CREATE TABLE public.a1b_boards (id int PRIMARY KEY);
SELECT wfauth.protect('public.a1b_boards', 'dashboard');
GRANT SELECT, UPDATE ON public.a1b_boards TO wfauth_regress_app;
INSERT INTO public.a1b_boards VALUES (1), (2);
UPDATE public.a1b_boards SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'),
       'a1b-ada@example.com', 'modify'), 'a1b-tim@example.com', 'modify'), 'a1b-sam@example.com', 'modify');
BEGIN;
SELECT wfauth.set_principal('a1b-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE public.a1b_boards SET acl = wfauth.acl_grant(acl, 'everyone', 'modify') WHERE id = 1$$)
    AS tim_role_ends_grants_everyone_lasting_modify;
COMMIT;
BEGIN;
SELECT wfauth.set_principal('a1b-sam@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE public.a1b_boards SET acl = wfauth.acl_grant(acl, 'everyone', 'modify') WHERE id = 2$$)
    AS sam_membership_ends_grants_everyone_lasting_modify;
COMMIT;
SELECT id, e.grantee, e.mode, e.valid_until IS NOT NULL AS ends FROM public.a1b_boards, wfauth.acl_entries(acl) e WHERE e.grantee = 'everyone' ORDER BY 1;

-- 2. Narrowing an entry (modify to view, an earlier end) by a principal whose
-- modify access ends was refused, though revoking it was allowed (a false
-- refusal): narrowing is a partial revoke.
SELECT wfauth.create_user('a2-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
SELECT wfauth.create_user('a2-bob@example.com', permissions => '{dashboards}') IS NOT NULL AS bob;
SELECT wfauth.create_user('a2-tim@example.com', permissions => '{dashboards}') IS NOT NULL AS tim;
CREATE TABLE public.a2_boards (id int PRIMARY KEY);
SELECT wfauth.protect('public.a2_boards', 'dashboard');
GRANT SELECT, UPDATE ON public.a2_boards TO wfauth_regress_app;
INSERT INTO public.a2_boards VALUES (1);
UPDATE public.a2_boards SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'),
       'a2-ada@example.com', 'modify'), 'a2-bob@example.com', 'modify'),
       'a2-tim@example.com', 'modify', NULL, statement_timestamp() + interval '7 days');
BEGIN;
SELECT wfauth.set_principal('a2-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE public.a2_boards SET acl = wfauth.acl_grant(acl, 'a2-bob@example.com', 'modify', NULL,
                                                                statement_timestamp() + interval '30 days') WHERE id = 1$$)
    AS tim_shortens_bobs_entry_to_30_days;
SELECT try($$UPDATE public.a2_boards SET acl = wfauth.acl_grant(acl, 'a2-bob@example.com', 'view', NULL,
                                                                statement_timestamp() + interval '20 days') WHERE id = 1$$)
    AS tim_downgrades_bob_to_view;
SELECT try($$UPDATE public.a2_boards SET acl = wfauth.acl_grant(acl, 'a2-bob@example.com', 'modify', NULL,
                                                                statement_timestamp() + interval '20 days') WHERE id = 1$$)
    AS tim_widens_bob_again;
SELECT try($$UPDATE public.a2_boards SET acl = wfauth.acl_revoke(acl, 'a2-bob@example.com') WHERE id = 1$$)
    AS tim_revokes_bob_entirely;
COMMIT;
SELECT e.grantee, e.mode, e.valid_until IS NOT NULL AS ends FROM public.a2_boards, wfauth.acl_entries(acl) e ORDER BY 1;

-- 3. Code the session's own role wrote, run between a move's two halves
-- (its BEFORE DELETE trigger), updated another protected row: wfauth's
-- update trigger there dropped the move's note, and the moved row arrived
-- with a fresh list (Everyone, modify; Tim as creator; nothing audited).
-- Notes are kept per executor frame now.
SELECT wfauth.create_user('a3-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
SELECT wfauth.create_user('a3-tim@example.com', permissions => '{dashboards}') IS NOT NULL AS tim;
CREATE SCHEMA a3 AUTHORIZATION wfauth_regress_app;
-- the application's own partitioned table (as in attacks_round8, 2)
SET ROLE wfauth_regress_app;
CREATE TABLE a3.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE a3.p1 PARTITION OF a3.p FOR VALUES FROM (0) TO (100);
CREATE TABLE a3.p2 PARTITION OF a3.p FOR VALUES FROM (100) TO (200);
CREATE TABLE a3.notes (id int, body text);
RESET ROLE;
SELECT wfauth.protect('a3.p', 'dashboard');
SELECT wfauth.protect('a3.notes', 'dashboard');
INSERT INTO a3.p VALUES (5, 'ada''s board');
-- Ada's board: Ada modify for good, Tim (a contractor) modify until tomorrow
UPDATE a3.p SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'),
       'a3-ada@example.com', 'modify'), 'a3-tim@example.com', 'modify', NULL, statement_timestamp() + interval '1 day');
INSERT INTO a3.notes VALUES (1, 'scratch');          -- any row Tim may modify (Everyone, modify)
-- the application's trigger: a BEFORE DELETE row trigger (sorts before wfauth's, fires
-- in the move's delete half, between the update trigger's note and the insert)
SET ROLE wfauth_regress_app;
CREATE FUNCTION a3.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE a3.notes SET body = body WHERE id = 1;   -- fires wfauth's update trigger: forget_moving_row()
    RETURN OLD;
END $$;
CREATE TRIGGER a_touch BEFORE DELETE ON a3.p FOR EACH ROW EXECUTE FUNCTION a3.touch();
RESET ROLE;
SELECT e.grantee, e.mode, e.valid_until IS NOT NULL AS ends, wfauth.acl_creator(acl) IS NULL AS no_creator
  FROM a3.p, wfauth.acl_entries(acl) e ORDER BY 1;
BEGIN;
SELECT wfauth.set_principal('a3-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE a3.p SET acl = wfauth.acl_grant(acl, 'everyone', 'modify') WHERE id = 5$$) AS tim_grants_everyone_directly;
UPDATE a3.p SET id = 105 WHERE id = 5;             -- Tim moves the board
COMMIT;
SELECT id, e.grantee, e.mode, e.valid_until IS NOT NULL AS ends, wfauth.acl_creator(acl) IS NULL AS no_creator
  FROM a3.p, wfauth.acl_entries(acl) e ORDER BY 1, 2;
SELECT wfauth.acl_creator(acl) = (SELECT id FROM wfauth.principals WHERE name = 'a3-tim@example.com') AS tim_is_now_creator FROM a3.p;

-- 4. A note made in a statement during which the library loaded (no frame
-- number) was taken by a later COPY FROM, which did not go through the
-- executor either: COPY now runs in a frame of its own.  (Whether the
-- library loads here depends on shared_preload_libraries; either way row 7
-- must be a new object, with the default list.)
SELECT wfauth.create_user('a4-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
CREATE ROLE wfauth_r9_owner; GRANT USAGE ON SCHEMA wfauth TO wfauth_r9_owner;
CREATE SCHEMA a4 AUTHORIZATION wfauth_r9_owner;
SET ROLE wfauth_r9_owner;
CREATE TABLE a4.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE a4.p1 PARTITION OF a4.p FOR VALUES FROM (0) TO (100);
CREATE TABLE a4.p2 PARTITION OF a4.p FOR VALUES FROM (100) TO (200);
CREATE FUNCTION a4.swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER a_swallow BEFORE INSERT ON a4.p2 FOR EACH ROW EXECUTE FUNCTION a4.swallow();
RESET ROLE;
SELECT wfauth.protect('a4.p', 'dashboard');
SET ROLE wfauth_r9_owner; ALTER TABLE a4.p2 DISABLE TRIGGER a_swallow; RESET ROLE;
INSERT INTO a4.p VALUES (5, 'ada''s');
UPDATE a4.p SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'a4-ada@example.com', 'modify');
SET ROLE wfauth_r9_owner; ALTER TABLE a4.p2 ENABLE TRIGGER a_swallow; RESET ROLE;
\c
-- a fresh backend; a superuser DBA's statement loads wfauth only when the trigger fires
BEGIN;
UPDATE a4.p SET id = 105 WHERE id = 5;        -- the owner's trigger swallows the moved row
COPY a4.p (id, title) FROM STDIN;
7	a new row, copied in
\.
COMMIT;
SELECT id, title, e.grantee, e.mode FROM a4.p, wfauth.acl_entries(acl) e ORDER BY 1;

-- clean up
DROP TABLE public.a1_boards, public.a1b_boards, public.a2_boards;
DROP SCHEMA a3 CASCADE;
DROP SCHEMA a4 CASCADE;
REVOKE ALL ON SCHEMA wfauth FROM wfauth_r9_owner;
DROP ROLE wfauth_r9_owner;
SELECT wfauth.delete_group('a1b-contractors');
SELECT wfauth.delete_role('a1b-editor');
SELECT wfauth.delete_account(n) FROM unnest(ARRAY['a1-ada', 'a1-tim', 'a1-tim2', 'a1b-ada', 'a1b-tim', 'a1b-sam',
                                                  'a2-ada', 'a2-bob', 'a2-tim', 'a3-ada', 'a3-tim', 'a4-ada']) m,
       LATERAL (SELECT m || '@example.com' AS n) x;
