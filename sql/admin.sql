-- Editing the model (DESIGN §3): alter_role, alter_group, alter_account keep
-- ids, memberships and grants, refuse Everyone's rename, duplicates (23505),
-- look-alikes (23505) and unknown permissions (P0002), and are audited.  And
-- the small things a user trips on: trimmed identifiers, re-invitations,
-- group:NAME in group arguments.
\set VERBOSITY terse
SET client_min_messages = warning;
SELECT wfauth.create_user('ed-author@example.com') IS NOT NULL AS made;
SELECT wfauth.create_group('Ed-Writers') IS NOT NULL AS made;
SELECT wfauth.create_group('Ed-Readers') IS NOT NULL AS made;
SELECT wfauth.create_role('Ed-Editor', '{dashboards}') IS NOT NULL AS made;
SELECT wfauth.grant_role('Ed-Editor', '{group:Ed-Writers, ed-author@example.com}');
SELECT wfauth.add_members('Ed-Writers', '{ed-author@example.com}');

-- alter_role: rename, describe, add and remove permissions; grants stay
SELECT wfauth.alter_role('ed-editor', new_name => 'Ed-Author', description => 'writes dashboards',
                         add_permissions => '{alerts, logs}', remove_permissions => '{dashboards}');
SELECT name, description, permissions FROM wfauth.role_list WHERE name LIKE 'Ed-%';
SELECT grantee, kind, name FROM wfauth.grant_list WHERE name = 'Ed-Author' ORDER BY grantee;
SELECT wfauth.has_permission(wfauth.account_id('ed-author@example.com'), 'alerts') AS now_has_alerts,
       wfauth.has_permission(wfauth.account_id('ed-author@example.com'), 'dashboards') AS no_longer_dashboards;
SELECT wfauth.alter_role('Ed-Author', description => '');
SELECT description IS NULL AS description_cleared FROM wfauth.role_list WHERE name = 'Ed-Author';
SELECT try($$SELECT wfauth.alter_role('Ed-Author', add_permissions => '{dashbaords}')$$) AS unknown_permission;
SELECT try($$SELECT wfauth.alter_role('Ed-Author', remove_permissions => '{nope}')$$) AS unknown_to_remove;
SELECT wfauth.create_role('Ed-Other', '{}') IS NOT NULL AS made;
SELECT try($$SELECT wfauth.alter_role('Ed-Other', new_name => 'ed-author')$$) AS duplicate;
SELECT try($$SELECT wfauth.alter_role('Ed-Other', new_name => E'Ed-Auth\u043er')$$) AS look_alike;
SELECT try($$SELECT wfauth.alter_role('Nope', description => 'x')$$) AS missing_role;

-- alter_group: rename and describe; members and grants stay; never Everyone's name
SELECT wfauth.alter_group('group:ed-writers', new_name => 'Ed-Authors', description => 'the writers');
SELECT name, description, member_count FROM wfauth.group_list WHERE name LIKE 'Ed-%' ORDER BY name;
SELECT group_name, identifier FROM wfauth.member_list WHERE group_name = 'Ed-Authors';
SELECT grantee FROM wfauth.grant_list WHERE name = 'Ed-Author' ORDER BY grantee;
SELECT try($$SELECT wfauth.alter_group('Everyone', new_name => 'All')$$) AS rename_everyone;
SELECT wfauth.alter_group('Everyone', description => 'every account of the organisation');
SELECT try($$SELECT wfauth.alter_group('Ed-Authors', new_name => ' ed-readers ')$$) AS duplicate;
SELECT try($$SELECT wfauth.alter_group('Ed-Authors', new_name => E'Ed-R\u0435aders')$$) AS look_alike;

-- alter_account
SELECT wfauth.alter_account(' ED-Author@example.com ', 'writes the weekly report');
SELECT identifier, description FROM wfauth.account_list WHERE identifier = 'ed-author@example.com';
SELECT try($$SELECT wfauth.alter_account('nobody-ed@example.com', 'x')$$) AS missing_account;

-- each edit is audited
SELECT action, target, details - 'id' AS details FROM wfauth.audit_list
 WHERE action LIKE 'alter_%' ORDER BY id;

-- and none of it without accounts
BEGIN;
SELECT wfauth.set_principal('ed-author@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$SELECT wfauth.alter_role('Ed-Author', description => 'mine')$$) AS alter_role_without_accounts;
SELECT try($$SELECT wfauth.alter_group('Ed-Authors', description => 'mine')$$) AS alter_group_without_accounts;
SELECT try($$SELECT wfauth.alter_account('ed-author@example.com', 'mine')$$) AS alter_own_account_without_accounts;
ROLLBACK;

-- identifiers are trimmed everywhere: a comma-separated list just works
SELECT email FROM wfauth.invite_users(string_to_array('ed-one@example.com, ed-two@example.com', ','),
                                      groups => '{group:Ed-Readers}');
SELECT identifier FROM wfauth.member_list WHERE group_name = 'Ed-Readers' ORDER BY 1;
-- inviting again one who has not activated: a fresh token, the old one void
SELECT activation_token AS first_token FROM wfauth.invite_users('{ed-three@example.com}') \gset
SELECT activation_token AS second_token FROM wfauth.invite_users('{ED-Three@example.com }') \gset
SELECT try(format('SELECT wfauth.activate_user(%L, ''a long enough password'')', :'first_token')) AS old_token;
SELECT try(format('SELECT wfauth.activate_user(%L, ''a long enough password'')', :'second_token')) AS new_token;
SELECT try($$SELECT * FROM wfauth.invite_users('{ed-three@example.com}')$$) AS once_activated;
SELECT action, target FROM wfauth.audit_list WHERE target = 'ed-three@example.com' ORDER BY id;

SELECT wfauth.delete_account(a) FROM unnest('{ed-author@example.com,ed-one@example.com,ed-two@example.com,ed-three@example.com}'::text[]) a;
SELECT wfauth.delete_group(g) FROM unnest('{Ed-Authors,Ed-Readers}'::text[]) g;
SELECT wfauth.delete_role(r) FROM unnest('{Ed-Author,Ed-Other}'::text[]) r;
SELECT wfauth.alter_group('Everyone', description => 'Every account belongs to this group, implicitly');
