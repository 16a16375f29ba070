-- The sixth attack pass (a hostile table owner, database owner and client,
-- briefed afresh against the fifth pass's fixes).
-- Each attack below succeeded before its fix; each now fails.
SET client_min_messages = warning;
CREATE ROLE wfauth_r6_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r6_owner;
CREATE SCHEMA r6 AUTHORIZATION wfauth_r6_owner;
GRANT USAGE ON SCHEMA r6 TO wfauth_regress_app;
SELECT wfauth.create_user('r6-ada@example.com', permissions => '{dashboards}') AS ada \gset
SELECT wfauth.create_user('r6-bob@example.com', permissions => '{dashboards}') AS bob \gset
SELECT wfauth.create_user('r6-eve@example.com') AS eve \gset
-- a DBA's table: one row only Ada may see (and modify)
CREATE TABLE public.r6_salaries (who text, salary int);
SELECT wfauth.protect('public.r6_salaries', 'dashboard');
INSERT INTO public.r6_salaries VALUES ('ceo', 999999);
UPDATE public.r6_salaries SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r6-ada@example.com', 'modify');
GRANT SELECT ON public.r6_salaries TO wfauth_r6_owner, wfauth_regress_app;
GRANT UPDATE ON public.r6_salaries TO wfauth_r6_owner;     -- it still sees no row itself
-- the owner's partitioned table: row 6 is Ada's alone, row 25 Bob's
CREATE TABLE r6.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE r6.p1 PARTITION OF r6.p FOR VALUES FROM (0) TO (100);
CREATE TABLE r6.p2 PARTITION OF r6.p FOR VALUES FROM (100) TO (200);
ALTER TABLE r6.p OWNER TO wfauth_r6_owner;
ALTER TABLE r6.p1 OWNER TO wfauth_r6_owner;
ALTER TABLE r6.p2 OWNER TO wfauth_r6_owner;
SELECT wfauth.protect('r6.p', 'dashboard');
GRANT SELECT, INSERT, UPDATE ON r6.p TO wfauth_regress_app;
INSERT INTO r6.p VALUES (6, 'ada''s');
UPDATE r6.p SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r6-ada@example.com', 'modify') WHERE id = 6;
BEGIN;                  -- Ada creates row 25 and gives it to Bob, keeping a view
SELECT wfauth.set_principal('r6-ada@example.com');
INSERT INTO r6.p VALUES (25, 'ada''s, now bob''s');
UPDATE r6.p SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r6-bob@example.com', 'modify'),
                                       'r6-ada@example.com', 'view') WHERE id = 25;
COMMIT;
SELECT acl::text AS ada_only_acl FROM r6.p WHERE id = 6 \gset
CREATE TABLE appdata.r6_scratch (x int);
GRANT ALL ON appdata.r6_scratch TO wfauth_regress_app;
SET ROLE wfauth_r6_owner;
CREATE SEQUENCE r6.leak;
GRANT UPDATE, USAGE ON SEQUENCE r6.leak TO PUBLIC;
RESET ROLE;

-- 1. Built-in functions that run a query of their own (query_to_xml,
-- ts_stat) in the owner's DEFAULT or view read the DBA's protected table
-- with the request's principal: the inner statement had no view, rule or
-- policy, the outer one no protected table.
SET ROLE wfauth_r6_owner;
CREATE TABLE r6.feedback (msg text,
    spy text DEFAULT query_to_xml('select who, salary from public.r6_salaries', false, false, '')::text);
GRANT INSERT ON r6.feedback TO wfauth_regress_app;
CREATE VIEW r6.words AS SELECT * FROM ts_stat('select to_tsvector(''simple'', who || '' '' || salary) from public.r6_salaries');
GRANT SELECT ON r6.words TO wfauth_regress_app;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r6-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$INSERT INTO r6.feedback (msg) VALUES ('hello')$$) AS owners_default_runs_a_query;
SELECT try($$SELECT * FROM r6.words$$) AS owners_view_runs_a_query;
COMMIT;
SELECT count(*) AS salaries_in_feedback FROM r6.feedback WHERE spy LIKE '%999999%';

-- 2. Two roles' code in one statement: only the last role found was
-- checked.  A migration role's security_invoker view over its own protected
-- table, read through the hostile owner's view or policy, let the owner's
-- code run with the principal's access.
CREATE ROLE wfauth_r6_mig;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r6_mig;
CREATE SCHEMA r6mig AUTHORIZATION wfauth_r6_mig;
GRANT USAGE ON SCHEMA r6mig TO wfauth_regress_app, wfauth_r6_owner;
SET ROLE wfauth_r6_mig;
CREATE TABLE r6mig.pay (who text, salary int);
RESET ROLE;
SELECT wfauth.protect('r6mig.pay', 'dashboard');
INSERT INTO r6mig.pay VALUES ('cfo', 777777);
UPDATE r6mig.pay SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r6-ada@example.com', 'modify');
SET ROLE wfauth_r6_mig;
CREATE VIEW r6mig.pay_v WITH (security_invoker) AS SELECT who, salary FROM r6mig.pay;
GRANT SELECT ON r6mig.pay, r6mig.pay_v TO wfauth_regress_app, wfauth_r6_owner;
RESET ROLE;
SET ROLE wfauth_r6_owner;
CREATE VIEW r6.board WITH (security_invoker) AS SELECT setval('r6.leak', salary) s FROM r6mig.pay_v;
CREATE TABLE r6.menu (id int);
INSERT INTO r6.menu VALUES (1);
ALTER TABLE r6.menu ENABLE ROW LEVEL SECURITY;
CREATE POLICY spy ON r6.menu FOR SELECT USING ((SELECT setval('r6.leak', max(salary) + 1) FROM r6mig.pay_v) > 0);
GRANT SELECT ON r6.board, r6.menu TO wfauth_regress_app;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r6-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$SELECT * FROM r6.board$$) AS owners_view_over_migrations_view;
SELECT try($$SELECT * FROM r6.menu$$) AS owners_policy_over_migrations_view;
SELECT count(*) AS the_migrations_view_itself FROM r6mig.pay_v;
ROLLBACK;
SELECT last_value >= 777777 AS owner_learned_pay FROM r6.leak;

-- 3. The owner's BEFORE INSERT trigger on the destination cleared the acl
-- of a moved row: the row no longer matched the note, and the insert
-- trigger gave it a fresh list (Everyone, modify), unaudited.  The moved
-- row now gets the list noted, whatever arrives.
SET ROLE wfauth_r6_owner;
CREATE FUNCTION r6.fresh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.acl := NULL; RETURN NEW; END $$;
CREATE TRIGGER a_fresh BEFORE INSERT ON r6.p2 FOR EACH ROW EXECUTE FUNCTION r6.fresh();
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r6-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
UPDATE r6.p SET id = 106 WHERE id = 6;
COMMIT;
SELECT id, acl::text = :'ada_only_acl' AS kept_its_access_list FROM r6.p WHERE id = 106;
SET ROLE wfauth_r6_owner;
DROP TRIGGER a_fresh ON r6.p2;
RESET ROLE;

-- 4. A DBA who read the owner's view, or wrote to its table, purged the
-- audit log or reset the statistics through the owner's code.
SET ROLE wfauth_r6_owner;
CREATE VIEW r6.status AS SELECT 'ok'::text AS s, wfauth.purge_audit('0 s') AS purged;
CREATE FUNCTION r6.reset_t() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM wfauth.stats_reset(); RETURN NEW; END $$;
CREATE TABLE r6.notes (msg text);
CREATE TRIGGER t BEFORE INSERT ON r6.notes FOR EACH ROW EXECUTE FUNCTION r6.reset_t();
RESET ROLE;
SELECT count(*) > 0 AS audit_before FROM wfauth.audit_log;
SELECT try($$SELECT * FROM r6.status$$) AS dba_reads_owners_view;
SELECT try($$INSERT INTO r6.notes VALUES ('x')$$) AS dba_writes_owners_table;
SELECT count(*) > 0 AS audit_after FROM wfauth.audit_log;

-- 5. Locking an object away: Ada's own entry set to end, a lasting one for
-- a deactivated account (which reaches nothing, and keeps the object from
-- the orphans).  Whoever changes a list keeps a lasting way in.
SELECT wfauth.create_user('r6-dave@example.com', permissions => '{dashboards}') IS NOT NULL AS dave;
SELECT wfauth.set_active('r6-dave@example.com', false);
INSERT INTO r6.p VALUES (7, 'seven');
UPDATE r6.p SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r6-ada@example.com', 'modify') WHERE id = 7;
BEGIN;
SELECT wfauth.set_principal('r6-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE r6.p SET acl = wfauth.acl_grant(wfauth.acl_grant(acl, 'r6-dave@example.com', 'modify'),
                                                     'r6-ada@example.com', 'modify', NULL, now() + interval '1 hour')
              WHERE id = 7$$) AS ada_ends_her_own_entry;
COMMIT;

-- 6. (a false refusal) A stored generated column that follows the
-- partition key, or the owner's trigger filling a column, made every move
-- fail: the row noted had changed on the way.  Moves do not compare rows.
CREATE TABLE r6.g (id int, bucket int GENERATED ALWAYS AS (id / 100) STORED, body text) PARTITION BY RANGE (id);
CREATE TABLE r6.g1 PARTITION OF r6.g FOR VALUES FROM (0) TO (100);
CREATE TABLE r6.g2 PARTITION OF r6.g FOR VALUES FROM (100) TO (200);
SELECT wfauth.protect('r6.g', 'dashboard');
GRANT ALL ON r6.g TO wfauth_regress_app;
BEGIN;
SELECT wfauth.set_principal('r6-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO r6.g (id, body) VALUES (5, 'g');
UPDATE r6.g SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r6-ada@example.com', 'modify');
SELECT try($$UPDATE r6.g SET id = 105$$) AS move_with_a_generated_column;
SELECT id, bucket, wfauth.acl_entries(acl) FROM r6.g;
COMMIT;

-- clean up
DROP TABLE r6.p, r6.menu, r6.feedback, r6.notes, r6.g, r6mig.pay, public.r6_salaries, appdata.r6_scratch CASCADE;
DROP SCHEMA r6, r6mig CASCADE;
REVOKE ALL ON SCHEMA wfauth FROM wfauth_r6_owner, wfauth_r6_mig;
DROP ROLE wfauth_r6_owner;
DROP ROLE wfauth_r6_mig;
SELECT wfauth.delete_account('r6-ada@example.com');
SELECT wfauth.delete_account('r6-bob@example.com');
SELECT wfauth.delete_account('r6-eve@example.com');
SELECT wfauth.delete_account('r6-dave@example.com');
