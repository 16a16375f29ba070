-- Orphans: no ACL change may leave an object with no entry; deleting the only
-- grantee says so (NOTICE) and the object is listed for a Super Admin.
\set VERBOSITY terse
SELECT wfauth.create_user('uma@example.com', permissions => '{dashboards}');
SELECT wfauth.create_group('Solo');
SELECT wfauth.add_members('Solo', '{uma@example.com}');
SET ROLE wfauth_regress_app;
CREATE TABLE appdata.orphan_boards (id int PRIMARY KEY);
SELECT wfauth.protect('appdata.orphan_boards', 'dashboard');
RESET ROLE;
INSERT INTO appdata.orphan_boards VALUES (1), (2), (3);
UPDATE appdata.orphan_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:Solo', 'modify'),
                                                                  'everyone'), 'uma@example.com', 'view')
 WHERE id = 1;
UPDATE appdata.orphan_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:Solo', 'view'),
                                                                  'everyone'), 'uma@example.com', 'view')
 WHERE id = 2;
SELECT id, e.* FROM appdata.orphan_boards, wfauth.acl_entries(acl) e ORDER BY id, e.grantee;
-- the last entry cannot be revoked, not even by a DBA
SELECT try($$UPDATE appdata.orphan_boards SET acl = wfauth.acl_revoke(acl, 'everyone') WHERE id = 3$$);
-- deleting a group that is not the only grantee orphans nothing
SELECT wfauth.delete_group('Solo');
SELECT count(*) FROM wfauth.orphaned_objects();
-- deleting the only remaining grantee: a NOTICE with the count
SELECT wfauth.delete_account('uma@example.com');
SELECT tbl, ctid FROM wfauth.orphaned_objects();
-- only a Super Admin (or DBA) lists and restores them
SELECT wfauth.create_user('val@example.com', permissions => '{accounts}');
BEGIN;
SELECT wfauth.set_principal('val@example.com');
SELECT try($$SELECT count(*) FROM wfauth.orphaned_objects()$$);
ROLLBACK;
UPDATE appdata.orphan_boards SET acl = wfauth.acl_grant(acl, 'val@example.com', 'modify')
 WHERE ctid IN (SELECT ctid FROM wfauth.orphaned_objects() WHERE tbl = 'appdata.orphan_boards'::regclass);
SELECT count(*) FROM wfauth.orphaned_objects();
SELECT id, CASE WHEN e.grantee LIKE '#%' THEN '#(deleted principal)' ELSE e.grantee END AS grantee, e.mode
  FROM appdata.orphan_boards, wfauth.acl_entries(acl) e ORDER BY id, e.grantee;
