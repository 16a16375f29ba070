-- Shared set-up for the regress suite: the extension, two database roles,
-- and try(sql) which runs a statement and reports its SQLSTATE and message.
CREATE EXTENSION wfauth;
SELECT extversion FROM pg_extension WHERE extname = 'wfauth';
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_regress_app') THEN
        CREATE ROLE wfauth_regress_app;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_regress_ops') THEN
        CREATE ROLE wfauth_regress_ops;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_app, wfauth_regress_ops;
CREATE SCHEMA appdata AUTHORIZATION wfauth_regress_app;
CREATE FUNCTION public.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
GRANT EXECUTE ON FUNCTION public.try(text) TO PUBLIC;
-- The built-in group and the permission catalog are there from the start.
SELECT id, kind, name FROM wfauth.principals ORDER BY id;
SELECT count(*) AS permissions FROM wfauth.permissions;
