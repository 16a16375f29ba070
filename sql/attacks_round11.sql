-- The eleventh attack pass (a fresh hostile owner, database owner and
-- client, briefed against the tenth pass's fixes).  Each attack below
-- succeeded before its fix; each now fails.
SET client_min_messages = warning;

-- 1. Parallel workers decided at the message's start: the tenth pass made a
-- later statement of a message decide at its own start, in the leader
-- only; its parallel workers used the message's time, and so read access
-- that had ended meanwhile.  The leader's time goes to its workers.  Here
-- a later statement asks, in parallel workers, whether it decides after
-- the message began.
CREATE TABLE public.r11_rows AS SELECT g AS id FROM generate_series(1, 20000) g;
ANALYZE public.r11_rows;
BEGIN;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL parallel_leader_participation = off;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT 1 AS first \; SELECT count(*) FILTER (WHERE wfauth.decision_time() > statement_timestamp()) = count(*)
                         AS workers_decide_at_the_statement FROM public.r11_rows;
COMMIT;
DROP TABLE public.r11_rows;

-- 2. A principal holding accounts for a while made lasting administrators
-- through what a grant cannot carry an end on: a role's permissions (every
-- lasting holder of the role gained them), the new-user defaults (every
-- later user), and the credentials of an existing account with lasting
-- rights (a token, a password).  It changes none of them now; its own
-- credentials, and those of accounts it creates, are fine.
SELECT wfauth.create_user('r11-tim@example.com') IS NOT NULL AS tim;
SELECT wfauth.create_user('r11-tim2@example.com') IS NOT NULL AS tim2;
SELECT wfauth.create_user('r11-boss@example.com', permissions => '{accounts}') IS NOT NULL AS boss;
SELECT wfauth.grant_permission('accounts', '{r11-tim@example.com}', statement_timestamp() + interval '1 day');
SELECT wfauth.create_role('r11-readers', '{}') IS NOT NULL AS readers;
SELECT wfauth.grant_role('r11-readers', '{r11-tim@example.com,r11-tim2@example.com}');
SELECT wfauth.create_group('r11-staff') IS NOT NULL AS staff;
SELECT wfauth.set_new_user_defaults('{dashboards}', '{r11-staff}');
BEGIN;
SELECT wfauth.set_principal('r11-tim@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$SELECT wfauth.alter_role('r11-readers', add_permissions => '{accounts}')$$) AS role_gains_accounts;
SELECT try($$SELECT wfauth.set_new_user_defaults('{accounts}', '{}')$$) AS defaults_give_accounts;
SELECT try($$SELECT wfauth.generate_token('r11-boss@example.com', 'backup')$$) LIKE '42501%' AS token_for_the_boss;
SELECT try($$SELECT wfauth.set_password('r11-boss@example.com', 'owned by tim 0123456789')$$) AS boss_password;
SELECT try($$SELECT wfauth.generate_token('r11-tim@example.com', 'mine')$$) AS his_own_token;

-- 3. (a false refusal of round 10) With new-user defaults, such a principal
-- could create and invite no one: the defaults carry no end.  They get its
-- end now, as a grant it makes with no end does.
SELECT try($$SELECT wfauth.create_user('r11-new@example.com', 'a new user''s passphrase')$$) AS creates_a_user;
SELECT try($$SELECT wfauth.invite_users('{r11-invited@example.com}')$$) AS invites_a_user;
COMMIT;
SELECT p.name, g.permission, g.valid_until IS NOT NULL AS ends
  FROM wfauth.permission_grants g JOIN wfauth.principals p ON p.id = g.principal_id
 WHERE p.name IN ('r11-new@example.com', 'r11-invited@example.com') ORDER BY 1, 2;
SELECT p.name, m.valid_until IS NOT NULL AS ends
  FROM wfauth.group_members m JOIN wfauth.principals p ON p.id = m.member_id
 WHERE m.group_id = (SELECT id FROM wfauth.principals WHERE name = 'r11-staff') ORDER BY 1;
SELECT r.name AS role, count(rp.permission) AS permissions
  FROM wfauth.roles r LEFT JOIN wfauth.role_permissions rp ON rp.role_id = r.id WHERE r.name = 'r11-readers' GROUP BY 1;

-- clean up
SELECT wfauth.set_new_user_defaults('{}', '{}');
SELECT wfauth.delete_role('r11-readers');
SELECT wfauth.delete_group('r11-staff');
SELECT wfauth.delete_account(n || '@example.com')
  FROM unnest(ARRAY['r11-tim', 'r11-tim2', 'r11-boss', 'r11-new', 'r11-invited']) n;
