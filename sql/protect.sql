-- wfauth.protect(): columns, triggers, policies; idempotent; any schema and key.
\set VERBOSITY terse
SELECT wfauth.create_user('sam@example.com', permissions => '{alerts}') AS sam \gset
SELECT wfauth.create_user('tess@example.com') AS tess \gset
CREATE SCHEMA ops AUTHORIZATION wfauth_regress_app;
SET ROLE wfauth_regress_app;
CREATE TABLE ops.alerts (key text PRIMARY KEY, condition text);
INSERT INTO ops.alerts VALUES ('old-1', 'cpu > 90'), ('old-2', 'disk > 80');
SELECT wfauth.protect('ops.alerts', 'ALERT');
SELECT wfauth.protect('ops.alerts', 'alert');         -- again: changes nothing
SELECT try($$SELECT wfauth.protect('ops.alerts', 'dashboard')$$);
RESET ROLE;
SELECT polname, polcmd, polpermissive FROM pg_policy WHERE polrelid = 'ops.alerts'::regclass ORDER BY polname;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'ops.alerts'::regclass;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'ops.alerts'::regclass ORDER BY tgname;
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'ops.alerts'::regclass AND attname = 'acl';
-- rows that existed fail closed: no entries
SELECT key, acl FROM ops.alerts ORDER BY key;
SELECT tbl, count(*) FROM wfauth.orphaned_objects() GROUP BY tbl;

-- refusals
SELECT try($$SELECT wfauth.protect('ops.alerts', 'nosuchkind')$$);
CREATE TABLE not_owned (id int);
SET ROLE wfauth_regress_app;
SELECT try($$SELECT wfauth.protect('not_owned', 'alert')$$);
RESET ROLE;
CREATE TABLE typed (id int, acl text);
SELECT try($$SELECT wfauth.protect('typed', 'alert')$$);
CREATE TABLE open_policy (id int);
CREATE POLICY everything ON open_policy USING (true);
SELECT try($$SELECT wfauth.protect('open_policy', 'alert')$$);
CREATE VIEW a_view AS SELECT 1 AS id;
SELECT try($$SELECT wfauth.protect('a_view', 'alert')$$);

-- the insert trigger decides the ACL; the update trigger guards it
BEGIN;
SELECT wfauth.set_principal('sam@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO ops.alerts VALUES ('new-1', 'mem > 95');
SELECT key, wfauth.acl_creator(acl) = :sam AS by_sam FROM ops.alerts;
SELECT try($$UPDATE ops.alerts SET acl = wfauth.acl_revoke(acl, 'everyone') WHERE key = 'new-1'$$);
SELECT try($$UPDATE ops.alerts SET acl = 'dashboard/0:{1=modify}' WHERE key = 'new-1'$$);
SELECT try(format($$UPDATE ops.alerts SET acl = 'alert/%s:{1=modify}' WHERE key = 'new-1'$$, :tess));
COMMIT;
-- a principal without modify access cannot change an ACL, even where RLS does not apply
BEGIN;
SELECT wfauth.set_principal('tess@example.com');
SELECT try($$UPDATE ops.alerts SET acl = wfauth.acl_grant(acl, 'tess@example.com', 'modify') WHERE key = 'new-1'$$);
ROLLBACK;
-- a Super Admin may: here, giving the orphans entries again
SELECT wfauth.grant_super_admin('sam@example.com');
BEGIN;
SELECT wfauth.set_principal('sam@example.com');
UPDATE ops.alerts SET acl = wfauth.acl_grant(acl, 'group:everyone', 'view') WHERE key LIKE 'old-%';
COMMIT;
SELECT count(*) AS orphans FROM wfauth.orphaned_objects();
-- each ACL change is in the audit log, with who made it
SELECT action, target, details, principal_id = :sam AS by_sam
  FROM wfauth.audit_log WHERE action = 'change_acl' ORDER BY id;
SELECT wfauth.revoke_super_admin('sam@example.com');

-- register_kind adds a kind of object with its permission
SELECT wfauth.register_kind('Runbook', 'events');
SELECT try($$SELECT wfauth.register_kind('runbook', 'events')$$);
SELECT try($$SELECT wfauth.register_kind('bad kind', 'events')$$);
SELECT try($$SELECT wfauth.register_kind('notebook', 'nope')$$);
SELECT name, permission FROM wfauth.kinds ORDER BY id;
-- a table with a composite key in another schema
SET ROLE wfauth_regress_app;
CREATE TABLE ops.runbooks (team text, seq int, body text, PRIMARY KEY (team, seq));
SELECT wfauth.protect('ops.runbooks', 'runbook');
RESET ROLE;
INSERT INTO ops.runbooks VALUES ('sre', 1, 'restart it');
SELECT team, seq, acl FROM ops.runbooks;
-- a custom kind is written with its id; on input a known name wins, and an
-- unknown name needs an id no kind holds (pg_restore loads rows before kinds)
SELECT 'runbook/0:{1=view}'::wfauth.acl AS by_name, 'runbook#99/0:{1=view}'::wfauth.acl AS name_wins;
SELECT 'playbook#77/0:{1=view}'::wfauth.acl AS kind_not_yet_restored, '#10/0:{}'::wfauth.acl AS by_id;
SELECT try($$SELECT 'playbook/0:{}'::wfauth.acl$$) AS unknown_without_id;
SELECT try($$SELECT 'playbook#1/0:{}'::wfauth.acl$$) AS id_of_another_kind;
SELECT try($$SELECT 'runbook#0/0:{}'::wfauth.acl$$) AS id_out_of_range;
SELECT try($$SELECT wfauth.acl_send('#77/0:{}')$$) AS send_unregistered_kind;
SELECT p.tbl, k.name AS kind FROM wfauth.protected_tables p JOIN wfauth.kinds k ON k.id = p.kind ORDER BY 1;
-- a dropped table is forgotten
DROP TABLE ops.runbooks;
SELECT tbl FROM wfauth.protected_tables ORDER BY 1;
