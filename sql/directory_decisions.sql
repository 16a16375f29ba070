-- Decisions follow the directory rule (DESIGN §8): a plain account asks
-- only about itself; asking about another principal needs accounts, Super
-- Admin or a DBA.  Before the fix, nobody at all listed the Super Admins
-- with can_access over a range of ids and an empty ACL, and a plain account
-- learnt others' memberships with crafted ACLs, while member_list showed
-- it nothing.  The policies ask about the acting principal and still work.
SET client_min_messages = warning;
\set VERBOSITY terse
SELECT wfauth.create_user('dd-admin@example.com') AS dd_admin \gset
SELECT wfauth.grant_super_admin('dd-admin@example.com');
SELECT wfauth.create_user('dd-plain@example.com') AS dd_plain \gset
SELECT wfauth.create_user('dd-other@example.com') AS dd_other \gset
SELECT wfauth.create_user('dd-hr@example.com', permissions => '{accounts}') AS dd_hr \gset
SELECT wfauth.create_group('DD Secret Team') AS dd_group \gset
SELECT wfauth.add_members('DD Secret Team', '{dd-other@example.com}');
CREATE TEMP TABLE probe AS SELECT :dd_admin AS admin, :dd_other AS other, :dd_group AS grp,
    wfauth.generate_token('dd-plain@example.com', 'probe') AS plain_token,
    wfauth.generate_token('dd-hr@example.com', 'probe') AS hr_token;
GRANT SELECT ON probe TO wfauth_regress_app;
SET ROLE wfauth_regress_app;
-- nobody: the Super Admins by their ids
SELECT try($$SELECT count(*) FROM probe, generate_series(admin - 2, admin + 2) id
             WHERE wfauth.can_access(id, 'dashboard/0:{}', 'view')$$) AS nobody_finds_super_admins;
-- a plain account: another's membership, through can_access and acl_reaches
BEGIN;
SELECT wfauth.authenticate_token(plain_token) IS NOT NULL AS plain FROM probe;
SELECT try(format($$SELECT wfauth.can_access(%s, 'dashboard/0:{%s=view}', 'view')$$, other, grp)) AS plain_asks_membership,
       try(format($$SELECT wfauth.acl_reaches('dashboard/0:{%s=view}', %s)$$, grp, other)) AS plain_asks_reaches
  FROM probe;
SELECT wfauth.can_access(wfauth.current_principal(), 'dashboard/0:{1=view}', 'view') AS about_itself;
SELECT count(*) AS member_rows_it_sees FROM wfauth.member_list WHERE group_name = 'DD Secret Team';
ROLLBACK;
-- an accounts holder and a Super Admin may ask
BEGIN;
SELECT wfauth.authenticate_token(hr_token) IS NOT NULL AS hr FROM probe;
SELECT wfauth.can_access(other, format('dashboard/0:{%s=view}', grp)::wfauth.acl, 'view') AS hr_asks FROM probe;
ROLLBACK;
RESET ROLE;
SELECT wfauth.can_access(other, format('dashboard/0:{%s=view}', grp)::wfauth.acl, 'view') AS dba_asks FROM probe;
SELECT wfauth.delete_group('DD Secret Team');
SELECT wfauth.revoke_super_admin('dd-admin@example.com');
SELECT wfauth.delete_account(x) FROM unnest(ARRAY['dd-admin@example.com', 'dd-plain@example.com',
                                                  'dd-other@example.com', 'dd-hr@example.com']) x;
