-- Groups, membership and the built-in Everyone.
\set VERBOSITY terse
SELECT wfauth.create_group('Engineering', 'builds things') AS eng \gset
SELECT try($$SELECT wfauth.create_group('ENGINEERING')$$);
SELECT try($$SELECT wfauth.create_group('everyone')$$);
SELECT try($$SELECT wfauth.create_group('   ')$$);
SELECT wfauth.create_user('gina@example.com') AS gina \gset
SELECT wfauth.create_user('hal@example.com') AS hal \gset
-- adding is idempotent; group names match in any case
SELECT wfauth.add_members('engineering', '{gina@example.com, HAL@example.com}');
SELECT wfauth.add_members('Engineering', '{gina@example.com}');
SELECT p.name FROM wfauth.group_members m JOIN wfauth.principals p ON p.id = m.member_id
 WHERE m.group_id = :eng ORDER BY 1;
-- a group's permissions reach its members, and leave with them
SELECT wfauth.grant_permission('events', '{group:Engineering}');
SELECT wfauth.has_permission(:gina, 'events') AS member_has;
SELECT wfauth.remove_members('Engineering', '{gina@example.com}');
SELECT wfauth.has_permission(:gina, 'events') AS former_member_has;
SELECT wfauth.remove_members('Engineering', '{gina@example.com}');  -- not a member: no-op
-- an unknown member fails the whole call: nothing half-done
SELECT try($$SELECT wfauth.add_members('Engineering', '{gina@example.com, nobody@example.com}')$$);
SELECT count(*) FROM wfauth.group_members WHERE group_id = :eng AND member_id = :gina;
SELECT try($$SELECT wfauth.add_members('No Such Group', '{gina@example.com}')$$);
-- groups are not members of groups
SELECT try(format('INSERT INTO wfauth.group_members VALUES (%s, %s)', :eng, :eng));

-- Everyone: every account, implicitly; it cannot be left, renamed or deleted
SELECT wfauth.grant_permission('chart_embedding', '{everyone}');
SELECT wfauth.has_permission(:gina, 'chart_embedding') AS via_everyone;
SELECT wfauth.create_service_account('ci') AS ci \gset
SELECT wfauth.has_permission(:ci, 'chart_embedding') AS service_via_everyone;
SELECT wfauth.revoke_permission('chart_embedding', '{everyone}');
SELECT try($$SELECT wfauth.add_members('Everyone', '{gina@example.com}')$$);
SELECT try($$SELECT wfauth.remove_members('everyone', '{gina@example.com}')$$);
SELECT try($$SELECT wfauth.delete_group('Everyone')$$);
SELECT try($$UPDATE wfauth.principals SET name = 'All' WHERE id = 1$$);
SELECT try($$DELETE FROM wfauth.principals WHERE id = 1$$);
SELECT try(format('INSERT INTO wfauth.group_members VALUES (1, %s)', :gina));
SELECT name FROM wfauth.principals WHERE id = 1;

-- deleting a group removes its memberships and grants
SELECT wfauth.add_members('Engineering', '{gina@example.com}');
SELECT wfauth.delete_group('engineering');
SELECT count(*) FROM wfauth.group_members WHERE group_id = :eng;
SELECT wfauth.has_permission(:hal, 'events') AS after_delete;
SELECT try($$SELECT wfauth.delete_group('Engineering')$$);
-- a principal's kind and id never change
SELECT try(format('UPDATE wfauth.principals SET kind = %L WHERE id = %s', 'service', :gina));
SELECT try(format('UPDATE wfauth.principals SET id = 5000 WHERE id = %s', :gina));
SELECT try($$INSERT INTO wfauth.principals (id, kind, name) VALUES (7, 'group', 'Reserved')$$);
