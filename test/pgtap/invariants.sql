-- Model invariants hold under direct DML by a DBA, and the cached principal
-- context follows every change, within the transaction too.
BEGIN;
SELECT plan(27);

-- identifiers are normalised whoever writes them
INSERT INTO wfauth.principals (kind, name) VALUES ('user', 'Mixed.Case@Example.ORG');
SELECT ok(EXISTS (SELECT 1 FROM wfauth.principals WHERE name = 'mixed.case@example.org'),
          'a user e-mail is stored lower-cased');
INSERT INTO wfauth.principals (kind, name) VALUES ('service', 'SA::Exporter'), ('service', 'Importer');
SELECT set_eq($$SELECT name FROM wfauth.principals WHERE kind = 'service'$$,
              ARRAY['sa::exporter', 'sa::importer'],
              'a service account is sa:: + its lower-cased name, prefix given or not');
SELECT throws_ok($$INSERT INTO wfauth.principals (kind, name) VALUES ('service', 'sa::EXPORTER')$$,
                 '23505', NULL, 'service accounts are unique whatever the case and prefix');
SELECT throws_ok($$INSERT INTO wfauth.principals (kind, name) VALUES ('user', 'MIXED.case@example.org')$$,
                 '23505', NULL, 'user e-mails are unique whatever the case');
INSERT INTO wfauth.principals (kind, name) VALUES ('group', '  Platform  ');
SELECT ok(EXISTS (SELECT 1 FROM wfauth.principals WHERE kind = 'group' AND name = 'Platform'),
          'a group name is trimmed and keeps its case');
SELECT throws_ok($$INSERT INTO wfauth.principals (kind, name) VALUES ('group', 'PLATFORM')$$,
                 '23505', NULL, 'group names are unique regardless of case');
SELECT lives_ok($$INSERT INTO wfauth.principals (kind, name) VALUES ('group', 'sa::exporter')$$,
                'groups and accounts have separate names');
SELECT throws_ok($$INSERT INTO wfauth.principals (kind, name) VALUES ('user', 'not-an-email')$$,
                 '22023', NULL, 'a malformed e-mail is refused');
SELECT throws_ok($$INSERT INTO wfauth.principals (kind, name) VALUES ('robot', 'x')$$,
                 '23514', NULL, 'an unknown kind is refused');
SELECT throws_ok($$INSERT INTO wfauth.principals (kind, name) VALUES ('user', NULL)$$,
                 '23502', NULL, 'a NULL identifier is refused');

-- Everyone, ids and kinds
SELECT throws_ok($$UPDATE wfauth.principals SET name = 'Everybody' WHERE id = 1$$,
                 '42501', NULL, 'Everyone cannot be renamed');
SELECT throws_ok($$DELETE FROM wfauth.principals WHERE id = 1$$,
                 '42501', NULL, 'Everyone cannot be deleted');
SELECT throws_ok($$INSERT INTO wfauth.group_members
                   SELECT 1, id FROM wfauth.principals WHERE name = 'sa::exporter' AND kind = 'service'$$,
                 '23514', NULL, 'nobody is added to Everyone explicitly');
SELECT throws_ok($$INSERT INTO wfauth.group_members
                   SELECT g.id, g.id FROM wfauth.principals g WHERE g.name = 'Platform'$$,
                 '22023', NULL, 'a group is not a member of a group');
SELECT throws_ok($$INSERT INTO wfauth.group_members
                   SELECT a.id, g.id FROM wfauth.principals a, wfauth.principals g
                    WHERE a.name = 'sa::importer' AND a.kind = 'service' AND g.name = 'Platform'$$,
                 '22023', NULL, 'group_id must name a group');
SELECT throws_ok($$UPDATE wfauth.principals SET kind = 'service' WHERE name = 'mixed.case@example.org'$$,
                 '22023', NULL, 'a principal''s kind never changes');
SELECT throws_ok($$INSERT INTO wfauth.principals (id, kind, name) VALUES (42, 'group', 'Low')$$,
                 '22023', NULL, 'ids below 100 are reserved');
SELECT throws_ok($$UPDATE wfauth.principals SET super_admin = true WHERE name = 'sa::exporter' AND kind = 'service'$$,
                 '23514', NULL, 'a service account cannot be Super Admin');
SELECT throws_ok($$UPDATE wfauth.principals SET active = false WHERE name = 'Platform'$$,
                 '23514', NULL, 'a group is always active');
SELECT throws_ok($$INSERT INTO wfauth.passwords (account_id, hash)
                   SELECT id, 'x' FROM wfauth.principals WHERE name = 'sa::importer' AND kind = 'service'$$,
                 '22023', NULL, 'a service account cannot have a password');

-- the last active Super Admin stays
UPDATE wfauth.principals SET super_admin = true WHERE name = 'mixed.case@example.org';
SELECT throws_ok($$DELETE FROM wfauth.principals WHERE name = 'mixed.case@example.org'$$,
                 '42501', NULL, 'the last active Super Admin cannot be deleted');
SELECT throws_ok($$UPDATE wfauth.principals SET active = false WHERE name = 'mixed.case@example.org'$$,
                 '42501', NULL, 'the last active Super Admin cannot be deactivated');

-- the cached context sees direct writes at once, in the same transaction
CREATE TEMP TABLE ids AS
SELECT (SELECT id FROM wfauth.principals WHERE kind = 'service' AND name = 'sa::importer') AS svc,
       (SELECT id FROM wfauth.principals WHERE kind = 'group' AND name = 'Platform') AS grp;
SELECT is(wfauth.has_permission((SELECT svc FROM ids), 'proxies'), false, 'no permission at first');
INSERT INTO wfauth.group_members SELECT grp, svc FROM ids;
INSERT INTO wfauth.permission_grants (principal_id, permission) SELECT grp, 'proxies' FROM ids;
SELECT is(wfauth.has_permission((SELECT svc FROM ids), 'proxies'), true,
          'a group grant written directly is seen by the next statement');
TRUNCATE wfauth.group_members;
SELECT is(wfauth.has_permission((SELECT svc FROM ids), 'proxies'), false,
          'TRUNCATE of memberships is seen too');
INSERT INTO wfauth.roles (name) VALUES ('Pilot');
INSERT INTO wfauth.role_permissions SELECT id, 'proxies' FROM wfauth.roles WHERE name = 'Pilot';
INSERT INTO wfauth.role_grants (principal_id, role_id)
SELECT svc, (SELECT id FROM wfauth.roles WHERE name = 'Pilot') FROM ids;
SELECT is(wfauth.has_permission((SELECT svc FROM ids), 'proxies'), true, 'a role granted directly is seen');
UPDATE wfauth.principals SET active = false WHERE id = (SELECT svc FROM ids);
SELECT is(wfauth.has_permission((SELECT svc FROM ids), 'proxies'), false, 'deactivation is seen');

SELECT * FROM finish();
ROLLBACK;
