-- One name, one principal (DESIGN §3): identifiers and names are NFKC and
-- trimmed of Unicode white space; control, format and zero-width characters
-- are refused (22023); a name confusable with an existing principal's or
-- role's (Unicode TS #39 skeleton) is refused (23505), naming the existing one.
\set VERBOSITY default
SET client_min_messages = warning;
SELECT wfauth.create_user('admin@names.example') IS NOT NULL AS made;
SELECT wfauth.create_group('Engineering-N') IS NOT NULL AS made;
SELECT wfauth.create_role('Editor-N', '{dashboards}') IS NOT NULL AS made;
CREATE FUNCTION public.refusal(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    EXECUTE sql;
    RETURN 'created';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' / ' || d, '');
END
$$;
SELECT what, refusal(sql) FROM (VALUES
    ('Cyrillic a', $$SELECT wfauth.create_user(E'\u0430dmin@names.example')$$),
    ('zero-width space', $$SELECT wfauth.create_user(E'admin@names.example\u200b')$$),
    ('fullwidth a (NFKC)', $$SELECT wfauth.create_user(E'\uff41dmin@names.example')$$),
    ('rn for m', $$SELECT wfauth.create_user('adrnin@names.example')$$),
    ('no-break space', $$SELECT wfauth.create_group(E'Engineering-N\u00a0')$$),
    ('Cyrillic e in a group', $$SELECT wfauth.create_group(E'Engin\u0435ering-N')$$),
    ('zero-width joiner', $$SELECT wfauth.create_group(E'Engi\u200dneering-N')$$),
    ('Hangul filler', $$SELECT wfauth.create_group(E'Ops\u3164')$$),
    ('control character', $$SELECT wfauth.create_group(E'Op\u0007s')$$),
    ('right-to-left override', $$SELECT wfauth.create_group(E'\u202eOps')$$),
    ('Cyrillic o in a role', $$SELECT wfauth.create_role(E'Edit\u043er-N', '{}')$$),
    ('role with a BOM', $$SELECT wfauth.create_role(E'\ufeffViewer-N', '{}')$$),
    ('service account, Cyrillic', $$SELECT wfauth.create_service_account(E'\u0430dmin')$$)
  ) v(what, sql);
-- what is created is stored in its one form, and found however it is typed
SELECT wfauth.create_group(E'\u00a0 Platform-N\t') IS NOT NULL AS made;
SELECT name FROM wfauth.principals WHERE name LIKE '%Platform-N%';
SELECT wfauth.add_members(E'  platform-n\u00a0', ARRAY[E'ADMIN@names.example ']);
SELECT wfauth.account_id(E'\uff41dmin@names.example') = wfauth.account_id('admin@names.example') AS same_account;
SELECT name FROM wfauth.roles WHERE name = wfauth._clean_name(E' Editor-N\u3000', 'role name');
-- names that merely differ are fine
SELECT wfauth.create_user('admins@names.example') IS NOT NULL AS made;
SELECT wfauth.create_group('Engineering-N2') IS NOT NULL AS made;
DROP FUNCTION public.refusal(text);
SELECT wfauth.delete_account(a) FROM unnest('{admin@names.example,admins@names.example}'::text[]) a;
SELECT wfauth.delete_group(g) FROM unnest('{Engineering-N,Engineering-N2,Platform-N}'::text[]) g;
SELECT wfauth.delete_role('Editor-N');
