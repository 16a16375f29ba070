-- The directory against a hostile client (DESIGN §3, "Who may read the
-- directory"): nobody unauthenticated learns a name, a permission or whether
-- an account exists; an authenticated principal with no permission learns
-- nothing about others beyond what its own objects show.  A missing and an
-- existing account get the same refusal from every function that takes an
-- identifier.
\set VERBOSITY terse
SET client_min_messages = warning;
SELECT wfauth.create_user('dir-admin@example.com', permissions => '{accounts}') AS admin \gset
SELECT wfauth.create_group('dir-group') IS NOT NULL AS made;
SELECT wfauth.create_user('dir-plain@example.com') AS plain \gset
SELECT wfauth.create_user('dir-other@example.com', 'a long enough password') AS other \gset
SELECT wfauth.generate_token('dir-other@example.com', 'cli') IS NOT NULL AS other_has_a_token;
CREATE FUNCTION public.as_app(who text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    IF who IS NULL THEN
        PERFORM wfauth.reset_principal();
    ELSE
        PERFORM wfauth.set_principal(who);
    END IF;
    SET LOCAL ROLE wfauth_regress_app;
    v := public.try(sql);
    RESET ROLE;
    RETURN split_part(v, ':', 1);
END
$$;
-- a made-up ACL naming ids, as an attacker would enumerate them
SELECT format('dashboard/0:{%s=view,%s=view,%s=view}', :admin, :plain, :other) AS made_up \gset
SELECT call, as_app(NULL, sql) AS nobody, as_app('dir-plain@example.com', sql) AS no_permission,
       as_app('dir-admin@example.com', sql) AS accounts
  FROM (VALUES
    ('acl_entries', format('SELECT count(*) FROM wfauth.acl_entries(%L)', :'made_up')),
    ('has_permission of another', format('SELECT wfauth.has_permission(%s, %L)', :admin, 'saml_idp_admin')),
    ('has_permission, mistyped', format('SELECT wfauth.has_permission(%s, %L)', :plain, 'dashbaords')),
    ('effective_permissions of another', format('SELECT count(*) FROM wfauth.effective_permissions(%s)', :admin)),
    ('explain_access of another', format('SELECT count(*) FROM wfauth.explain_access(%s, %L, %L)', :admin, :'made_up', 'view')),
    ('who_can_access a made-up ACL', format('SELECT count(*) FROM wfauth.who_can_access(%L, %L)', :'made_up', 'view')),
    ('account_id', 'SELECT wfauth.account_id(''dir-other@example.com'')')
  ) v(call, sql) ORDER BY call;
-- the same refusal for an account that exists and one that does not
SELECT call, as_app(NULL, format(sql, 'dir-other@example.com')) AS nobody_existing,
       as_app(NULL, format(sql, 'dir-nobody@example.com')) AS nobody_missing,
       as_app('dir-plain@example.com', format(sql, 'dir-other@example.com')) AS plain_existing,
       as_app('dir-plain@example.com', format(sql, 'dir-nobody@example.com')) AS plain_missing,
       as_app('dir-admin@example.com', format(sql, 'dir-nobody@example.com')) AS accounts_missing
  FROM (VALUES
    ('generate_token', 'SELECT wfauth.generate_token(%L, ''t'')'),
    ('revoke_token', 'SELECT wfauth.revoke_token(%L, ''cli'')'),
    ('rename_token', 'SELECT wfauth.rename_token(%L, ''cli'', ''cli2'')'),
    ('set_password', 'SELECT wfauth.set_password(%L, ''another long password'')'),
    ('set_active', 'SELECT wfauth.set_active(%L, false)'),
    ('delete_account', 'SELECT wfauth.delete_account(%L)'),
    ('logout', 'SELECT wfauth.logout(%L)'),
    ('grant_super_admin', 'SELECT wfauth.grant_super_admin(%L)'),
    ('add_members', 'SELECT wfauth.add_members(''dir-group'', ARRAY[%L])'),
    ('set_principal', 'SELECT wfauth.set_principal(%L)')
  ) v(call, sql) ORDER BY call;
-- one's own account still works without any permission (password), or with api_tokens (tokens)
SELECT as_app('dir-other@example.com', 'SELECT wfauth.set_password(''dir-other@example.com'', ''my new long password'')') AS own_password,
       as_app('dir-other@example.com', 'SELECT wfauth.rename_token(''DIR-Other@example.com'', ''cli'', ''cli2'')') AS own_token_rename,
       as_app('dir-other@example.com', 'SELECT wfauth.generate_token(''dir-other@example.com'', ''t'')') AS own_token_without_api_tokens;
-- a NULL principal (a request that authenticated nobody) is simply false: the INSERT policy relies on it
SET ROLE wfauth_regress_app;
SELECT wfauth.has_permission(NULL, 'dashboards') AS null_principal;
RESET ROLE;
DROP FUNCTION public.as_app(text, text);
SELECT wfauth.delete_group('dir-group');
SELECT wfauth.delete_account(a) FROM unnest('{dir-admin@example.com,dir-plain@example.com,dir-other@example.com}'::text[]) a;
