-- Security review as a test.
-- 1. Every public function, called by the application role as nobody, as an
--    account with no permission, and as an account with the one permission
--    the function's comment names: what it answers (SQLSTATE, or "allowed").
--    This table is the reviewed list of what each function needs.
-- 2. The application role cannot switch off or change what protect() made.
-- 3. No secret appears in any error message, detail, hint or context.
\set VERBOSITY terse
SET client_min_messages = warning;
SELECT wfauth.create_user('target@example.com', 'target''s long passphrase') AS target \gset
SELECT wfauth.create_user('plain@example.com') AS plain \gset
SELECT wfauth.create_group('Probe');
SELECT wfauth.create_role('Probe', '{dashboards}');
CREATE TABLE public.probe_table (id int);
-- arguments by parameter name, else by type
CREATE TABLE public.probe_args (key text PRIMARY KEY, literal text);
INSERT INTO public.probe_args VALUES
    ('identifier', '''target@example.com'''), ('email', '''target@example.com'''),
    ('emails', '''{new@example.com}'''), ('identifiers', '''{target@example.com}'''),
    ('grantees', '''{target@example.com}'''), ('group_name', '''Probe'''), ('name', '''Probe'''),
    ('role', '''Probe'''), ('permission', '''dashboards'''), ('permissions', '''{dashboards}'''),
    ('kind', '''dashboard'''), ('tbl', '''public.probe_table'''), ('preference', '''creator'''),
    ('token_name', '''cli'''), ('old_name', '''cli'''), ('new_name', '''cli2'''),
    ('password', '''a long enough password'''), ('new_password', '''a long enough password'''),
    ('token', '''wfat_unknown'''), ('session_token', '''wfas_unknown'''),
    ('activation_token', '''wfai_unknown'''), ('grantee', '''everyone'''),
    ('text', '''x'''), ('text[]', '''{}'''), ('boolean', 'false'), ('interval', 'NULL'),
    ('bigint', :'target'), ('wfauth.acl', '''dashboard/0:{}'''), ('wfauth.access_mode', '''view''');
-- (the principal is read per call, so set it with set_principal first)
CREATE FUNCTION public.probe(fn regprocedure) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_args text;
BEGIN
    SELECT string_agg(coalesce((SELECT literal FROM public.probe_args WHERE key = a.name),
                               (SELECT literal FROM public.probe_args WHERE key = a.type)), ', ' ORDER BY a.n)
      INTO v_args
      FROM pg_proc p,
           unnest(p.proargtypes::oid[]::regtype[]::text[], coalesce(p.proargnames, '{}'))
               WITH ORDINALITY a(type, name, n)
     WHERE p.oid = fn AND a.n <= p.pronargs - p.pronargdefaults;
    BEGIN
        -- called outright: an unused column of a subquery is not even computed
        EXECUTE format('SELECT %s(%s)', fn::regproc, v_args);
        RAISE SQLSTATE 'WFOK0';             -- undo what it did
    EXCEPTION WHEN OTHERS THEN
        RETURN CASE SQLSTATE WHEN 'WFOK0' THEN 'allowed' ELSE SQLSTATE END;
    END;
END
$$;
GRANT SELECT ON public.probe_args TO PUBLIC;
-- What a function's COMMENT says it needs, and what to grant to meet it.
CREATE VIEW public.probe_functions AS
SELECT fn, security, needs,
       CASE WHEN needs ~ 'Super Admin' THEN 'super admin'
            WHEN needs ~ 'accounts$|^needs' THEN (regexp_match(needs, '(\w+)$'))[1] END AS grant_it
  FROM (SELECT p.oid::regprocedure AS fn,
               CASE WHEN p.prosecdef THEN 'definer' ELSE 'invoker' END AS security,
               (regexp_match(obj_description(p.oid, 'pg_proc'),
                             '(needs \w+|Super Admin or DBA only|Super Admin only$|DBA only|table owner only|no principal needed'
                             '|own [a-z_ ]+, (?:or|else) accounts|view access to the object, or accounts)'))[1] AS needs
          FROM pg_proc p
          JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
         WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'wfauth')
           AND p.proname !~ '^(_|acl_(in|out|recv|send|eq|ne)$)') f;
GRANT SELECT ON public.probe_functions TO PUBLIC;
CREATE FUNCTION public.probe_as(who bigint, fn regprocedure) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_result text;
BEGIN
    IF who IS NULL THEN
        PERFORM wfauth.reset_principal();
    ELSE
        PERFORM wfauth.set_principal(wfauth._label(who));
    END IF;
    SET LOCAL ROLE wfauth_regress_app;
    v_result := public.probe(fn);
    RESET ROLE;
    RETURN v_result;
END
$$;
-- as an account given just what the comment says is needed, then undone
CREATE FUNCTION public.probe_claimed(who bigint, fn regprocedure, grant_it text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_result text;
BEGIN
    PERFORM wfauth.reset_principal();
    IF grant_it = 'super admin' THEN
        PERFORM wfauth.grant_super_admin(wfauth._label(who));
    ELSE
        PERFORM wfauth.grant_permission(grant_it, ARRAY[wfauth._label(who)]);
    END IF;
    v_result := public.probe_as(who, fn);
    RAISE SQLSTATE 'WFOK0';
EXCEPTION WHEN SQLSTATE 'WFOK0' THEN
    RETURN v_result;
END
$$;
SELECT wfauth.create_user('holder@example.com') AS holder \gset
\pset null '-'
SELECT f.fn, f.security,
       probe_as(NULL, f.fn) AS nobody,
       probe_as(:plain, f.fn) AS no_permission,
       f.needs,
       CASE WHEN f.grant_it IS NOT NULL THEN probe_claimed(:holder, f.fn, f.grant_it) END AS given_that
  FROM public.probe_functions f
 ORDER BY f.fn::text;
-- every function that refuses an account says in its comment what it needs
SELECT f.fn AS undocumented FROM public.probe_functions f
 WHERE f.needs IS NULL AND probe_as(:plain, f.fn) = '42501';
\pset null ''

-- 2. protect() and the application role
SET ROLE wfauth_regress_app;
CREATE TABLE appdata.sec_boards (id int PRIMARY KEY);
SELECT wfauth.protect('appdata.sec_boards', 'dashboard');
RESET ROLE;
CREATE ROLE wfauth_regress_user;
GRANT USAGE ON SCHEMA appdata TO wfauth_regress_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON appdata.sec_boards TO wfauth_regress_user;
SET ROLE wfauth_regress_user;
SELECT try('ALTER TABLE appdata.sec_boards DISABLE ROW LEVEL SECURITY') AS disable_rls;
SELECT try('ALTER TABLE appdata.sec_boards NO FORCE ROW LEVEL SECURITY') AS no_force;
SELECT try('ALTER TABLE appdata.sec_boards DISABLE TRIGGER ALL') AS disable_triggers;
SELECT try(format('DROP POLICY %I ON appdata.sec_boards', polname)) AS drop_policy
  FROM pg_policy WHERE polrelid = 'appdata.sec_boards'::regclass ORDER BY polname LIMIT 1;
SELECT try(format('ALTER POLICY %I ON appdata.sec_boards USING (true)', polname)) AS alter_policy
  FROM pg_policy WHERE polrelid = 'appdata.sec_boards'::regclass ORDER BY polname LIMIT 1;
SELECT try('CREATE POLICY open ON appdata.sec_boards USING (true)') AS add_policy;
SELECT try('ALTER TABLE appdata.sec_boards DROP COLUMN acl') AS drop_acl;
SELECT try('SET session_replication_role = replica') AS skip_triggers;
SELECT try('SELECT wfauth.protect(''appdata.sec_boards'', ''alert'')') AS reprotect;
RESET ROLE;
-- the owner's policies and triggers are all still there
SELECT relrowsecurity, relforcerowsecurity,
       (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid) AS policies,
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = c.oid AND tgenabled = 'O') AS triggers
  FROM pg_class c WHERE oid = 'appdata.sec_boards'::regclass;
DROP TABLE appdata.sec_boards;
DROP OWNED BY wfauth_regress_user;
DROP ROLE wfauth_regress_user;

-- 3. No secret in any message: each credential function is given a secret
--    (a real one with one character changed, or a wrong password) and
--    everything it reports is searched for it.
SELECT wfauth.generate_token('target@example.com', 'leak') AS tok \gset
SELECT wfauth.login('target@example.com', 'target''s long passphrase') AS sess \gset
-- the secret with its 20th character changed (to one it did not have)
CREATE FUNCTION public.one_changed(secret text) RETURNS text LANGUAGE sql AS $$
    SELECT overlay(secret PLACING CASE substr(secret, 20, 1) WHEN 'Q' THEN 'R' ELSE 'Q' END FROM 20)
$$;
CREATE FUNCTION public.leaks(sql text, secret text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text; d text; h text; c text;
BEGIN
    EXECUTE sql USING secret;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT,
                            c = PG_EXCEPTION_CONTEXT;
    RETURN SQLSTATE || CASE WHEN strpos(concat_ws(' ', m, d, h, c), secret) > 0
                            OR strpos(concat_ws(' ', m, d, h, c), left(secret, 12)) > 0
                            THEN ' LEAKS' ELSE ' clean' END;
END
$$;
SELECT call, leaks(sql, secret)
  FROM (VALUES
    ('authenticate_token', 'SELECT wfauth.authenticate_token($1)', public.one_changed(:'tok')),
    ('authenticate_session', 'SELECT wfauth.authenticate_session($1)', public.one_changed(:'sess')),
    ('end_session', 'SELECT wfauth.end_session($1)', public.one_changed(:'sess')),
    ('activate_user', 'SELECT wfauth.activate_user($1, ''a long enough password'')', 'wfai_' || repeat('Q', 49)),
    ('login', 'SELECT wfauth.login(''target@example.com'', $1)', 'the wrong passphrase'),
    ('login unknown', 'SELECT wfauth.login(''nobody@example.com'', $1)', 'the wrong passphrase'),
    ('short password', 'SELECT wfauth.create_user(''short@example.com'', $1)', 'short secret')
    ) v(call, sql, secret);
-- 4. C code that runs SQL (owner.c: work as a table's owner and the orphan
--    scan; logins.c: the failed-login counter; lockdown.c, triggers.c): its
--    entry points are not the application role's to call, and each runs
--    under wfauth's own search_path (dbowner_attacks attacks every one).
SET ROLE wfauth_regress_app;
SELECT try('SELECT wfauth._as_owner(''wfauth.principals'', ''{"TRUNCATE wfauth.principals"}'')') AS as_owner;
SELECT try('SELECT count(*) FROM wfauth._orphans(''wfauth.principals'', NULL)') AS orphans;
SELECT try('SELECT wfauth._count_login_attempt(' || :target || ')') AS count_login_attempt;
SELECT try('SELECT wfauth._login_succeeded(' || :target || ', NULL)') AS login_succeeded;
SELECT try('SELECT wfauth._refuse_truncate()') AS truncate_guard_called_directly;
RESET ROLE;
DROP FUNCTION public.leaks(text, text), public.one_changed(text), public.probe_claimed(bigint, regprocedure, text),
    public.probe_as(bigint, regprocedure), public.probe(regprocedure);
DROP VIEW public.probe_functions;
DROP TABLE public.probe_args, public.probe_table;
