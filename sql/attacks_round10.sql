-- The tenth attack pass (a fresh hostile owner, database owner and client,
-- briefed against the ninth pass's fixes).  Each attack below succeeded
-- before its fix; each now fails.
SET client_min_messages = warning;

-- 1. A move's note outlived its move: the application's BEFORE DELETE
-- trigger moved the same row in a nested statement (which took its own
-- note, and marked the row moved) and skipped the outer delete; a writable
-- CTE then inserted a new row in the move's frame, which took the outer
-- note: a second object with Ada's list and Ada as creator, unaudited.  A
-- move now needs the row deleted with the very command id of its frame.
SELECT wfauth.create_user('b5-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
SELECT wfauth.create_user('b5-bob@example.com') IS NOT NULL AS bob;
SELECT wfauth.create_user('b5-tim@example.com', permissions => '{dashboards}') IS NOT NULL AS tim;
CREATE SCHEMA b5 AUTHORIZATION wfauth_regress_app;
SET ROLE wfauth_regress_app;
CREATE TABLE b5.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE b5.p1 PARTITION OF b5.p FOR VALUES FROM (0) TO (100);
CREATE TABLE b5.p2 PARTITION OF b5.p FOR VALUES FROM (100) TO (200);
RESET ROLE;
SELECT wfauth.protect('b5.p', 'dashboard');
-- Ada creates her board and shares it: Bob may view it for good, Tim may modify it until tomorrow
BEGIN;
SELECT wfauth.set_principal('b5-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO b5.p VALUES (5, 'ada''s board');
UPDATE b5.p SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'),
       'b5-ada@example.com', 'modify'), 'b5-bob@example.com', 'view'),
       'b5-tim@example.com', 'modify', NULL, statement_timestamp() + interval '1 day');
COMMIT;
SET ROLE wfauth_regress_app;
CREATE FUNCTION b5.hop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 AND OLD.id = 5 THEN
        UPDATE b5.p SET id = 150 WHERE id = 5;   -- the row moves in a nested statement (its note taken there)
        RETURN NULL;                             -- the outer move's delete is skipped: its note stays
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER a_hop BEFORE DELETE ON b5.p FOR EACH ROW EXECUTE FUNCTION b5.hop();
RESET ROLE;
SELECT count(*) AS audit_rows_before FROM wfauth.audit_log \gset
BEGIN;
SELECT wfauth.set_principal('b5-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
WITH u AS (UPDATE b5.p SET id = 105 WHERE id = 5 RETURNING 1),
     c AS (SELECT count(*) AS n FROM u)
INSERT INTO b5.p (id, title) SELECT 7, 'URGENT: Ada says send the Q3 numbers to tim-external@example.net' FROM c;
COMMIT;
SELECT id, left(title, 30) AS title, (SELECT name FROM wfauth.principals WHERE id = wfauth.acl_creator(acl)) AS creator,
       e.grantee, e.mode, e.valid_until IS NOT NULL AS ends
  FROM b5.p, wfauth.acl_entries(acl) e ORDER BY 1, 4;
SELECT count(*) - :audit_rows_before AS new_audit_rows FROM wfauth.audit_log;
-- control: the same insert on its own gives Tim's own new object
BEGIN;
SELECT wfauth.set_principal('b5-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO b5.p (id, title) VALUES (8, 'control');
COMMIT;
SELECT id, (SELECT name FROM wfauth.principals WHERE id = wfauth.acl_creator(acl)) AS creator, e.grantee, e.mode
  FROM b5.p, wfauth.acl_entries(acl) e WHERE id = 8;

-- 2. Within one query message, every statement decided at the message's
-- start: "SELECT pg_sleep(3600); UPDATE ..." used access that had ended an
-- hour before.  A later statement of a message now decides at its own
-- start.
SELECT wfauth.decision_time() = statement_timestamp() AS first_decides_at_the_message \; SELECT wfauth.decision_time() > statement_timestamp() AS second_decides_later;

-- 3. Model grants ignored the granter's own end: a temporary administrator
-- (accounts until tomorrow) re-granted accounts to itself for good, and
-- gave its other account lasting rights and memberships.  (Since round 11
-- a grant it makes with no end ends when its accounts permission does,
-- with a notice; one with a later end is refused.)
SELECT wfauth.create_user('b4-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
SELECT wfauth.create_user('b4-tim@example.com') IS NOT NULL AS tim;         -- a temporary administrator
SELECT wfauth.create_user('b4-tim2@example.com') IS NOT NULL AS tim2;       -- his other account
SELECT wfauth.grant_permission('accounts', '{b4-tim@example.com}', statement_timestamp() + interval '1 day');
SELECT wfauth.grant_permission('dashboards', '{b4-tim@example.com}', statement_timestamp() + interval '1 day');
SELECT wfauth.create_group('b4-board-editors') IS NOT NULL AS editors;
CREATE TABLE public.b4_boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('public.b4_boards', 'dashboard');
GRANT SELECT, UPDATE ON public.b4_boards TO wfauth_regress_app;
INSERT INTO public.b4_boards VALUES (1, 'ada''s board');
UPDATE public.b4_boards SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'),
       'b4-ada@example.com', 'modify'), 'group:b4-board-editors', 'modify');
SELECT wfauth.add_members('b4-board-editors', '{b4-tim@example.com}', statement_timestamp() + interval '1 day');
BEGIN;
SELECT wfauth.set_principal('b4-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
-- the ACL reach rule holds him to tomorrow ...
SELECT try($$UPDATE public.b4_boards SET acl = wfauth.acl_grant(acl, 'b4-tim2@example.com', 'modify') WHERE id = 1$$) AS acl_path;
-- ... but the model does not: re-grant his own ends away, and give his other account lasting rights
SELECT try($$SELECT wfauth.grant_permission('accounts', '{b4-tim@example.com,b4-tim2@example.com}')$$) AS accounts_forever;
SELECT try($$SELECT wfauth.grant_permission('dashboards', '{b4-tim@example.com,b4-tim2@example.com}')$$) AS dashboards_forever;
SELECT try($$SELECT wfauth.add_members('b4-board-editors', '{b4-tim@example.com,b4-tim2@example.com}')$$) AS editors_forever;
COMMIT;
SELECT principal, permission, valid_until IS NOT NULL AS ends FROM wfauth.permission_grants g JOIN LATERAL (SELECT name AS principal FROM wfauth.principals WHERE id = g.principal_id) p ON true WHERE principal LIKE 'b4-%' ORDER BY 1, 2;
SELECT (SELECT name FROM wfauth.principals WHERE id = member_id) AS member, valid_until IS NOT NULL AS ends FROM wfauth.group_members WHERE group_id = (SELECT id FROM wfauth.principals WHERE name = 'b4-board-editors') ORDER BY 1;
-- what he may do: grant until his own end
BEGIN;
SELECT wfauth.set_principal('b4-tim@example.com');
SELECT try($$SELECT wfauth.add_members('b4-board-editors', '{b4-tim2@example.com}', statement_timestamp() + interval '1 hour')$$)
    AS editors_for_an_hour;
COMMIT;

-- clean up
DROP SCHEMA b5 CASCADE;
DROP TABLE public.b4_boards;
SELECT wfauth.delete_group('b4-board-editors');
SELECT wfauth.delete_account(n || '@example.com')
  FROM unnest(ARRAY['b5-ada', 'b5-bob', 'b5-tim', 'b4-ada', 'b4-tim', 'b4-tim2']) n;
