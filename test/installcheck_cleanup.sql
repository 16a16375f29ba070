-- After make installcheck: drop what pg_regress and the isolation tester
-- made on the server (their databases, the suites' roles), pass or fail.
-- A role that objects of another database still use was there before the
-- run, and stays.
SET client_min_messages = warning;
DROP DATABASE IF EXISTS contrib_regression WITH (FORCE);
DROP DATABASE IF EXISTS isolation_regression WITH (FORCE);
DROP DATABASE IF EXISTS wfauth_regress_hostile WITH (FORCE);
DO $$
DECLARE
    r name;
BEGIN
    FOR r IN SELECT rolname FROM pg_roles WHERE rolname ~ '^wfauth_(regress|r[0-9]+|race)_' LOOP
        BEGIN
            EXECUTE format('DROP ROLE %I', r);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'role % is used in another database: kept', r;
        END;
    END LOOP;
END
$$;
