-- The fourth attack pass (a hostile table owner, database owner and client,
-- briefed afresh against the round-3 fixes, Super Admin mode and grants in
-- time).  Each attack below succeeded before its fix; each now fails.
SET client_min_messages = warning;
CREATE ROLE wfauth_r4_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r4_owner;
CREATE SCHEMA r4 AUTHORIZATION wfauth_r4_owner;
GRANT USAGE ON SCHEMA r4 TO wfauth_regress_app;
SELECT wfauth.create_user('r4-root@example.com') IS NOT NULL AS root_created;
SELECT wfauth.grant_super_admin('r4-root@example.com');
SELECT wfauth.create_user('r4-root2@example.com') AS root2 \gset
SELECT wfauth.grant_super_admin('r4-root2@example.com');
SELECT wfauth.create_user('r4-ada@example.com', permissions => '{dashboards}') AS ada \gset
SELECT wfauth.create_user('r4-eve@example.com') AS eve \gset
SELECT wfauth.create_group('r4 Ops') IS NOT NULL AS ops_created;
SELECT wfauth.create_tenant('r4acme') IS NOT NULL AS acme_created;
BEGIN;
SELECT wfauth.set_tenant('r4acme');
SELECT wfauth.create_user('r4-mal@example.com', permissions => '{dashboards}') IS NOT NULL AS mal_created;
COMMIT;
-- the owner's boards: 1 is Ada's alone, 2 the Ops group's
CREATE TABLE r4.boards (id int PRIMARY KEY, title text);
ALTER TABLE r4.boards OWNER TO wfauth_r4_owner;
SELECT wfauth.protect('r4.boards', 'dashboard');
GRANT SELECT, INSERT, UPDATE ON r4.boards TO wfauth_regress_app;
INSERT INTO r4.boards VALUES (1, 'ada''s'), (2, 'ops only');
UPDATE r4.boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r4-ada@example.com', 'modify') WHERE id = 1;
UPDATE r4.boards SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'group:r4 Ops', 'view'),
                                            'r4-ada@example.com', 'modify') WHERE id = 2;
-- a DBA's table the owner may read (as in round 3): one row only Ada sees
CREATE TABLE public.r4_salaries (who text, salary int);
SELECT wfauth.protect('public.r4_salaries', 'dashboard');
INSERT INTO public.r4_salaries VALUES ('ceo', 999999);
UPDATE public.r4_salaries SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r4-ada@example.com', 'view');
GRANT SELECT ON public.r4_salaries TO wfauth_r4_owner, wfauth_regress_app;
-- the owner's partitioned table: rows 5 and 6 are Ada's alone
CREATE TABLE r4.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE r4.p1 PARTITION OF r4.p FOR VALUES FROM (0) TO (100);
CREATE TABLE r4.p2 PARTITION OF r4.p FOR VALUES FROM (100) TO (200);
ALTER TABLE r4.p OWNER TO wfauth_r4_owner;
ALTER TABLE r4.p1 OWNER TO wfauth_r4_owner;
ALTER TABLE r4.p2 OWNER TO wfauth_r4_owner;
SELECT wfauth.protect('r4.p', 'dashboard');
GRANT SELECT, INSERT, UPDATE ON r4.p TO wfauth_regress_app;
INSERT INTO r4.p VALUES (5, 'ada''s five'), (6, 'ada''s six');
UPDATE r4.p SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r4-ada@example.com', 'modify');
SELECT acl::text AS ada_only_acl FROM r4.p WHERE id = 5 \gset
CREATE TABLE appdata.r4_scratch (x int);
GRANT ALL ON appdata.r4_scratch TO wfauth_regress_app;

-- 1. Super Admin mode used with no audit row: a use was audited once per
-- statement start time and kind, whoever used it; every statement of one
-- query message (and every transaction of one CALL) shares that time.  A
-- second Super Admin in the same message read Ada's board unaudited.
BEGIN;
SELECT wfauth.set_principal('r4-root@example.com');
SELECT wfauth.require_super_admin_mode(true);
COMMIT;
BEGIN \; SELECT wfauth.set_principal('r4-root@example.com') \; SET LOCAL ROLE wfauth_regress_app \;
SELECT wfauth.super_admin_mode() \; SELECT count(*) AS root_sees FROM r4.boards \; COMMIT \;
BEGIN \; SELECT wfauth.set_principal('r4-root2@example.com') \; SET LOCAL ROLE wfauth_regress_app \;
SELECT wfauth.super_admin_mode() \; SELECT string_agg(title, ',' ORDER BY id) AS root2_reads FROM r4.boards \; ROLLBACK;
SELECT count(*) AS uses_by_root2_audited FROM wfauth.audit_log
 WHERE action = 'super_admin_use' AND principal_id = :root2;
BEGIN;
SELECT wfauth.set_principal('r4-root@example.com');
SELECT wfauth.super_admin_mode();
SELECT wfauth.require_super_admin_mode(false);
COMMIT;

-- 2. MERGE moved Ada's row to another partition: the insert trigger took a
-- move for a new row only under UPDATE, so the row got a fresh access list
-- (Everyone, the mover as creator) and no audit.
BEGIN;
SELECT wfauth.set_principal('r4-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
MERGE INTO r4.p t USING (SELECT 5 AS id) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET id = 150;
COMMIT;
SELECT id, acl::text = :'ada_only_acl' AS kept_its_access_list FROM r4.p WHERE id = 150;

-- 3. A row inserted with an access list its writer chose: the list the
-- update trigger remembered for a move was never forgotten, and any insert
-- under a statement whose top-level command was an UPDATE counted as the
-- move.  (a) Another tenant's principal, in a later transaction, planted a
-- row in the default tenant with Ada's access list; (b) in one statement,
-- a writable CTE copied a row's list into a new row, creator and all.
BEGIN;
SELECT wfauth.set_principal('r4-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
UPDATE r4.p SET title = 'edited' WHERE id = 6;
COMMIT;
BEGIN;
SELECT wfauth.set_principal('r4-mal@example.com', 'r4acme');
SET LOCAL ROLE wfauth_regress_app;
WITH i AS (INSERT INTO r4.p (id, title, acl) VALUES (7, 'planted', :'ada_only_acl') RETURNING 1)
UPDATE appdata.r4_scratch SET x = 1 WHERE false;
COMMIT;
SELECT id, wfauth.acl_tenant(acl) = 1 AS in_default_tenant, acl::text = :'ada_only_acl' AS adas_access_list FROM r4.p WHERE id = 7;
BEGIN;
SELECT wfauth.set_principal('r4-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
WITH u AS (UPDATE r4.p SET title = 'copied' WHERE id = 6 RETURNING acl),
     i AS (INSERT INTO r4.p (id, title, acl) SELECT 8, 'copy', acl FROM u RETURNING 1)
UPDATE appdata.r4_scratch SET x = 1 WHERE false;
COMMIT;
SELECT id, wfauth.acl_creator(acl) = :ada AS created_by_ada FROM r4.p WHERE id = 8;

-- 4. The owner's rule (and view) read a protected table with the request's
-- principal: the round-3 rule covered another role's functions only.  A
-- rule copied the salary Ada may see into the owner's table; another made
-- Ada's request share her boards with Eve; a view could hand what it read
-- to its owner (pg_notify).  A protected table reached through another
-- role's view or rule is refused while someone acts.
SET ROLE wfauth_r4_owner;
CREATE TABLE r4.loot (what text);
CREATE TABLE r4.notes (id int);
GRANT INSERT ON r4.notes TO wfauth_regress_app;
CREATE RULE steal AS ON INSERT TO r4.notes DO ALSO
    INSERT INTO r4.loot SELECT who || '=' || salary FROM public.r4_salaries;
CREATE TABLE r4.likes (id int);
GRANT INSERT ON r4.likes TO wfauth_regress_app;
CREATE RULE share AS ON INSERT TO r4.likes DO ALSO
    UPDATE r4.boards SET acl = wfauth.acl_grant(acl, 'r4-eve@example.com', 'modify');
CREATE VIEW r4.salaries_v AS SELECT who, salary FROM public.r4_salaries;
GRANT SELECT ON r4.salaries_v TO wfauth_regress_app;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r4-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT count(*) AS ada_sees_salaries FROM public.r4_salaries;
SELECT try($$INSERT INTO r4.notes VALUES (1)$$) AS owners_rule_copies_salaries;
SELECT try($$INSERT INTO r4.likes VALUES (1)$$) AS owners_rule_shares_adas_boards;
SELECT try($$SELECT count(*) FROM r4.salaries_v$$) AS through_owners_view;
-- a view of another role that reads as its caller still runs its owner's expressions
RESET ROLE;
ALTER VIEW r4.salaries_v SET (security_invoker = true);
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$SELECT count(*) FROM r4.salaries_v$$) AS through_owners_invoker_view;
COMMIT;
SELECT count(*) AS owner_got_salaries FROM r4.loot;
SELECT count(*) AS boards_shared_with_eve FROM r4.boards WHERE wfauth.can_access(:eve, acl, 'view');

-- 5. A plain account turned every id into a name: acl_entries labelled
-- each entry of any value it was given.  It names the caller, its groups
-- and Everyone; other principals only for accounts, a Super Admin or a DBA.
BEGIN;
SELECT wfauth.set_principal('r4-eve@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT count(*) FILTER (WHERE grantee NOT LIKE '#%' AND grantee NOT IN ('everyone', 'r4-eve@example.com'))
       AS others_named
  FROM wfauth.acl_entries(format('dashboard/0:{1=view,%s=view,%s=view,%s=view}', :ada, :eve, :root2)::wfauth.acl);
COMMIT;

-- 6. An ended membership still counted in a later transaction of one CALL
-- (the statement's time stands still for the whole CALL); and group_list
-- and grant_list still showed it to the member.
SELECT clock_timestamp() + interval '4 seconds' AS ops_ends \gset
SELECT wfauth.add_members('r4 Ops', '{r4-eve@example.com}', :'ops_ends');
CREATE PROCEDURE public.r4_eve_reads(ends timestamptz, INOUT before bigint DEFAULT NULL, INOUT after bigint DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wfauth.set_principal('r4-eve@example.com');
    SET LOCAL ROLE wfauth_regress_app;
    SELECT count(*) INTO before FROM r4.boards WHERE id = 2;
    RESET ROLE;
    COMMIT;
    PERFORM pg_sleep_until(ends + interval '1 millisecond');
    COMMIT;
    PERFORM wfauth.set_principal('r4-eve@example.com');
    SET LOCAL ROLE wfauth_regress_app;
    SELECT count(*) INTO after FROM r4.boards WHERE id = 2;
    RESET ROLE;
END
$$;
CALL public.r4_eve_reads(:'ops_ends');
BEGIN;
SELECT wfauth.set_principal('r4-eve@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT count(*) AS eve_lists_ended_group FROM wfauth.group_list WHERE name = 'r4 Ops';
COMMIT;

-- clean up
DROP PROCEDURE public.r4_eve_reads;
DROP TABLE r4.boards, r4.p, r4.loot, r4.notes, r4.likes, public.r4_salaries, appdata.r4_scratch CASCADE;
DROP SCHEMA r4 CASCADE;
REVOKE ALL ON SCHEMA wfauth FROM wfauth_r4_owner;
DROP ROLE wfauth_r4_owner;
