-- Governance (1.3): grants that end.  add_members, grant_role and
-- grant_permission take valid_until; a grant counts while
-- statement_timestamp() < valid_until, in every decision path, and no cached
-- context serves it one statement past its end (no invalidation fires when
-- time passes: the context remembers the earliest end it depends on).
-- Ended grants stay listed until removed.
SET client_min_messages = warning;
SELECT wfauth.create_user('gt-ada@example.com') AS ada \gset
SELECT wfauth.create_group('gt Oncall') IS NOT NULL AS oncall_created;
SELECT wfauth.create_role('gt Alerter', '{alerts}') IS NOT NULL AS role_created;
CREATE TABLE public.gt_boards (id int PRIMARY KEY);
SELECT wfauth.protect('public.gt_boards', 'dashboard');
GRANT SELECT ON public.gt_boards TO wfauth_regress_app;
INSERT INTO public.gt_boards VALUES (1), (2);
UPDATE public.gt_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'group:gt Oncall', 'view')
 WHERE id = 1;

-- an end in the past is refused
SELECT try($$SELECT wfauth.grant_permission('alerts', '{gt-ada@example.com}', now() - interval '1 second')$$)
    AS ended_already;
-- grants that end a few seconds from now (a DBA grants them; the test then
-- waits until the clock reaches that instant, not for a guessed time)
SELECT clock_timestamp() + interval '5 seconds' AS ends \gset
SELECT wfauth.grant_permission('dashboards', '{gt-ada@example.com}', :'ends');
SELECT wfauth.grant_role('gt Alerter', '{gt-ada@example.com}', :'ends');
SELECT wfauth.add_members('gt Oncall', '{gt-ada@example.com}', :'ends');
SELECT kind, name, valid_until = :'ends' AS ends_then FROM wfauth.grant_list
 WHERE principal_id = :ada ORDER BY kind;
SELECT group_name, valid_until = :'ends' AS ends_then FROM wfauth.member_list WHERE account_id = :ada;

-- one REPEATABLE READ transaction, its context cached in the first statement
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT wfauth.set_principal('gt-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT wfauth.has_permission(:ada, 'dashboards') AS dashboards, wfauth.has_permission(:ada, 'alerts') AS alerts,
       (SELECT array_agg(id ORDER BY id) FROM public.gt_boards) AS boards;
SELECT pg_sleep_until(:'ends');
SELECT wfauth.has_permission(:ada, 'dashboards') AS dashboards_after, wfauth.has_permission(:ada, 'alerts') AS alerts_after,
       (SELECT array_agg(id ORDER BY id) FROM public.gt_boards) AS boards_after;
SET LOCAL enable_seqscan = off;
SELECT array_agg(id ORDER BY id) AS boards_after_through_index FROM public.gt_boards;
RESET enable_seqscan;
COMMIT;
-- the other paths agree
SELECT * FROM wfauth.effective_permissions(:ada);
SELECT identifier FROM wfauth.who_can_access((SELECT acl FROM public.gt_boards WHERE id = 1), 'view');
SELECT rule, result FROM wfauth.explain_access(:ada, (SELECT acl FROM public.gt_boards WHERE id = 1), 'view')
 WHERE rule LIKE 'group%';
-- still listed until removed
SELECT kind, name FROM wfauth.grant_list WHERE principal_id = :ada ORDER BY kind;
SELECT group_name FROM wfauth.member_list WHERE account_id = :ada;
-- granting again with no end makes it lasting; the audit says when grants end
SELECT wfauth.grant_permission('dashboards', '{gt-ada@example.com}');
SELECT wfauth.has_permission(:ada, 'dashboards') AS dashboards_again;
SELECT action, details ? 'valid_until' AS with_end FROM wfauth.audit_log
 WHERE action IN ('grant_permission', 'grant_role', 'add_members') AND details::text LIKE '%gt-ada@example.com%'
 ORDER BY id;
DROP TABLE public.gt_boards;
SELECT wfauth.delete_account('gt-ada@example.com');
