-- Governance (1.3): Super Admin mode.  Where a tenant requires it, a Super
-- Admin holds its rights only in a transaction that called
-- super_admin_mode(); otherwise it is decided like any account: policies,
-- the listing index, explain_access, management calls.  Every use that
-- only the mode allowed is audited once per statement and kind, durably
-- (a use rolled back is still a use).  Not required: 1.x behaviour.
SET client_min_messages = warning;
SELECT wfauth.create_user('sam-root@example.com') AS root \gset
SELECT wfauth.grant_super_admin('sam-root@example.com');
SELECT wfauth.create_user('sam-ada@example.com', permissions => '{dashboards}') AS ada \gset
SELECT wfauth.create_user('sam-hr@example.com', permissions => '{accounts}') IS NOT NULL AS hr_created;
CREATE TABLE public.sam_boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('public.sam_boards', 'dashboard');
GRANT SELECT, INSERT, UPDATE ON public.sam_boards TO wfauth_regress_app;
-- board 1 is ada's alone; board 2 names the Super Admin too
INSERT INTO public.sam_boards VALUES (1, 'ada''s'), (2, 'shared');
UPDATE public.sam_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'sam-ada@example.com', 'modify');
UPDATE public.sam_boards SET acl = wfauth.acl_grant(acl, 'sam-root@example.com', 'view') WHERE id = 2;
CREATE INDEX sam_boards_acl ON public.sam_boards USING gin (acl);
SELECT acl AS board1 FROM public.sam_boards WHERE id = 1 \gset

-- not required (the default): the Super Admin sees every board, as in 1.x
BEGIN;
SELECT wfauth.set_principal('sam-root@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT array_agg(id ORDER BY id) AS boards_seen FROM public.sam_boards;
ROLLBACK;

-- only a Super Admin (or a DBA) requires it, and only a Super Admin switches it on
BEGIN;
SELECT wfauth.set_principal('sam-hr@example.com');
SELECT try($$SELECT wfauth.require_super_admin_mode(true)$$) AS accounts_holder_requires_mode;
SELECT try($$SELECT wfauth.super_admin_mode()$$) AS accounts_holder_switches_mode_on;
ROLLBACK;
BEGIN;
SELECT wfauth.set_principal('sam-root@example.com');
SELECT wfauth.require_super_admin_mode(true);
COMMIT;

-- required and off: decided like any account (its own entry on board 2)
BEGIN;
SELECT wfauth.set_principal('sam-root@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT array_agg(id ORDER BY id) AS boards_seen_mode_off FROM public.sam_boards;
SET LOCAL enable_seqscan = off;
SELECT array_agg(id ORDER BY id) AS boards_seen_through_index FROM public.sam_boards;
RESET enable_seqscan;
SELECT try(format('UPDATE public.sam_boards SET title = %L WHERE id = 2', 'x')) AS update_with_view_entry;
SELECT count(*) AS rows_updated_mode_off FROM public.sam_boards WHERE title = 'x';
SELECT try($$SELECT wfauth.grant_super_admin('sam-ada@example.com')$$) AS management_call_mode_off;
SELECT wfauth.has_permission(wfauth.current_principal(), 'accounts') AS has_accounts_mode_off;
SELECT * FROM wfauth.explain_access(wfauth.current_principal(), :'board1', 'view');
ROLLBACK;

-- switched on: every board, management calls; each use audited once per
-- statement and kind, and the audit survives the rollback
SELECT count(*) AS uses_before FROM wfauth.audit_log WHERE action = 'super_admin_use' \gset
BEGIN;
SELECT wfauth.set_principal('sam-root@example.com');
SELECT wfauth.super_admin_mode();
SET LOCAL ROLE wfauth_regress_app;
SELECT array_agg(id ORDER BY id) AS boards_seen_mode_on FROM public.sam_boards;
SELECT array_agg(id ORDER BY id) AS boards_seen_again FROM public.sam_boards;
RESET ROLE;
SELECT wfauth.grant_permission('alerts', '{sam-ada@example.com}');
SELECT * FROM wfauth.explain_access(wfauth.current_principal(), :'board1', 'view') WHERE step <= 2;
ROLLBACK;
SELECT target, count(*) AS uses FROM wfauth.audit_log
 WHERE action = 'super_admin_use' AND id > 0 AND principal_id = :root
 GROUP BY target ORDER BY target;
-- the switch on itself is audited with the transaction (rolled back here)
SELECT count(*) AS mode_switches_kept FROM wfauth.audit_log WHERE action = 'super_admin_mode';

-- the mode ends with the transaction, and with the principal
BEGIN;
SELECT wfauth.set_principal('sam-root@example.com');
SELECT wfauth.super_admin_mode();
SELECT wfauth.set_principal('sam-root@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT array_agg(id ORDER BY id) AS boards_seen_after_new_principal FROM public.sam_boards;
ROLLBACK;

-- who_can_access says how a Super Admin reaches it; DBAs are unaffected
SELECT identifier, via FROM wfauth.who_can_access(:'board1', 'view')
 ORDER BY identifier;
SELECT array_agg(id ORDER BY id) AS dba_sees FROM public.sam_boards;

-- not required again: 1.x behaviour
BEGIN;
SELECT wfauth.set_principal('sam-root@example.com');
SELECT wfauth.super_admin_mode();
SELECT wfauth.require_super_admin_mode(false);
COMMIT;
BEGIN;
SELECT wfauth.set_principal('sam-root@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT array_agg(id ORDER BY id) AS boards_seen_not_required FROM public.sam_boards;
ROLLBACK;
SELECT action, details FROM wfauth.audit_log WHERE action = 'require_super_admin_mode' ORDER BY id;
DROP TABLE public.sam_boards;
