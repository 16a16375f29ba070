-- The thirteenth attack pass (a fresh hostile table owner and client,
-- briefed against the twelfth pass's fixes).  Each attack below succeeded
-- before its fix; each now fails.
SET client_min_messages = warning;

SELECT wfauth.create_user('r13-ada@example.com', permissions => '{dashboards}') IS NOT NULL AS ada;
SELECT wfauth.account_id('r13-ada@example.com') AS ada \gset
CREATE ROLE wfauth_r13_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r13_owner;
CREATE SCHEMA r13 AUTHORIZATION wfauth_r13_owner;
SET ROLE wfauth_r13_owner;
CREATE TABLE r13.boards (id int PRIMARY KEY, secret text);
SELECT wfauth.protect('r13.boards', 'dashboard');
CREATE TABLE r13.parted (id int, secret text) PARTITION BY RANGE (id);
CREATE TABLE r13.parted_low PARTITION OF r13.parted FOR VALUES FROM (0) TO (100);
SELECT wfauth.protect('r13.parted', 'dashboard');
GRANT USAGE ON SCHEMA r13 TO wfauth_regress_app;
GRANT SELECT, INSERT, UPDATE ON r13.boards, r13.parted TO wfauth_regress_app;
RESET ROLE;

-- Ada's private row, written before any attack
BEGIN;
SELECT wfauth.set_principal('r13-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO r13.boards (id, secret) VALUES (1, 'ada''s private notes');
UPDATE r13.boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r13-ada@example.com', 'modify') WHERE id = 1;
COMMIT;

-- 1. The registration function Citus's nodes use was executable by
-- PUBLIC and checked only that the caller owned the table.  An owner
-- registered an empty table of its own -- no policies, no triggers -- and
-- the lockdown's hierarchy rule ("both or neither protected") let it make
-- its protected table that table's child: a query on the new parent read,
-- rewrote and deleted Ada's row with no principal.  A registration must
-- now come signed from the node whose protect() made the table, in the
-- same distributed transaction: nothing a client can produce.
SET ROLE wfauth_r13_owner;
CREATE TABLE r13.peek (id int, secret text, acl wfauth.acl NOT NULL);
SELECT try($$SELECT wfauth._register_protected('r13.peek', 1::smallint, NULL)$$) AS register_empty_table;
SELECT try($$ALTER TABLE r13.boards INHERIT r13.peek$$) AS inherit;
SELECT try($$UPDATE r13.peek SET secret = 'rewritten by the owner' WHERE id = 1$$) AS rewrite_through_parent;
SELECT count(*) AS rows_through_parent FROM r13.peek;
RESET ROLE;
SELECT id, secret FROM r13.boards;

-- 2. The same through a partition, and with forged access lists: rows the
-- owner wrote before making its table look protected (the policies and
-- triggers copied from its protected table by hand).  Registered and
-- attached, Ada saw them through the protected parent as rows she had
-- created.  protect() refuses lists a non-DBA wrote; registering skipped it.
SET ROLE wfauth_r13_owner;
CREATE TABLE r13.parted_high (id int, secret text, acl wfauth.acl NOT NULL);
INSERT INTO r13.parted_high VALUES (160, 'planted by the owner', format('dashboard/%s:{%s=modify}', :ada, :ada)::wfauth.acl);
SELECT format('CREATE POLICY %I ON r13.parted_high AS PERMISSIVE FOR %s TO PUBLIC%s%s', policyname, cmd,
              ' USING (' || qual || ')', ' WITH CHECK (' || with_check || ')')
  FROM pg_policies WHERE schemaname = 'r13' AND tablename = 'parted_low' ORDER BY policyname \gexec
CREATE TRIGGER wfauth_acl_insert BEFORE INSERT ON r13.parted_high FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_insert('dashboard');
CREATE TRIGGER wfauth_acl_update BEFORE UPDATE ON r13.parted_high FOR EACH ROW EXECUTE FUNCTION wfauth._acl_on_update();
CREATE TRIGGER wfauth_truncate BEFORE TRUNCATE ON r13.parted_high FOR EACH STATEMENT EXECUTE FUNCTION wfauth._refuse_truncate();
ALTER TABLE r13.parted_high ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
SELECT try($$SELECT wfauth._register_protected('r13.parted_high', 1::smallint, repeat('0', 64))$$) AS register_lookalike;
SELECT try($$ALTER TABLE r13.parted ATTACH PARTITION r13.parted_high FOR VALUES FROM (100) TO (200)$$) AS attach;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r13-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT id, secret FROM r13.parted ORDER BY id;
COMMIT;

-- 3. The same function registered a temporary table: protect() refuses
-- them, because the registry row outlives the session, and a row naming no
-- table made delete_account, delete_group and orphaned_objects() fail for
-- everyone.  Now refused, even to a DBA.
SET ROLE wfauth_regress_app;
CREATE TEMP TABLE r13_mine (id int, acl wfauth.acl);
SELECT try($$SELECT wfauth._register_protected('pg_temp.r13_mine', 1::smallint, NULL)$$) AS register_temporary;
RESET ROLE;
SELECT try($$SELECT wfauth._register_protected('pg_temp.r13_mine', 1::smallint, NULL)$$) AS dba_registers_temporary;
SELECT count(*) AS registered_temporary FROM wfauth.protected_tables p JOIN pg_class c ON c.oid = p.tbl
 WHERE c.relpersistence = 't';
DROP TABLE r13_mine;

SELECT count(*) AS faults FROM wfauth.protection_faults();

DROP SCHEMA r13 CASCADE;
REVOKE ALL ON SCHEMA wfauth FROM wfauth_r13_owner;
DROP ROLE wfauth_r13_owner;
SELECT wfauth.delete_account('r13-ada@example.com');
