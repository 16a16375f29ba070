-- wfauth install script, last part: comments, what pg_dump carries, and
-- privileges.

-- Comment every internal function (named _...) that has no comment yet.
CREATE FUNCTION wfauth._comment_internal_functions() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p
              WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname LIKE '\_%'
                AND obj_description(p.oid, 'pg_proc') IS NULL
    LOOP
        EXECUTE format('COMMENT ON FUNCTION %s IS %L', f,
                       'internal to wfauth, not part of its API' ||
                       CASE WHEN (SELECT prorettype FROM pg_proc WHERE oid = f) = 'trigger'::regtype
                            THEN ' (a trigger function of protected tables)' ELSE '' END);
    END LOOP;
END
$$;

-------------------------------------------------------------------------------
-- pg_dump carries wfauth's data (not the rows this script creates)
-------------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('wfauth.principals', 'WHERE id >= 100');
SELECT pg_catalog.pg_extension_config_dump('wfauth.principal_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wfauth.permissions', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('wfauth.kinds', 'WHERE NOT builtin');
DO $$
DECLARE
    t text;
    seq text;
BEGIN
    FOREACH t IN ARRAY ARRAY['group_members', 'permission_grants', 'roles', 'role_permissions',
                             'role_grants', 'new_user_permissions', 'new_user_groups',
                             'passwords', 'tokens', 'sessions', 'activations', 'audit_log',
                             'protected_tables']
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('wfauth.' || t)::regclass, '');
        SELECT pg_catalog.pg_get_serial_sequence('wfauth.' || t, 'id') INTO seq
          FROM pg_catalog.pg_attribute
         WHERE attrelid = ('wfauth.' || t)::regclass AND attname = 'id';
        IF seq IS NOT NULL THEN
            PERFORM pg_catalog.pg_extension_config_dump(seq::regclass, '');
        END IF;
    END LOOP;
    SELECT pg_catalog.pg_get_serial_sequence('wfauth.kinds', 'id') INTO seq;
    PERFORM pg_catalog.pg_extension_config_dump(seq::regclass, '');
    -- 1.2's, last (in the order an update from 1.1 adds them)
    PERFORM pg_catalog.pg_extension_config_dump('wfauth.tenant_catalog', 'WHERE id <> 1');
    PERFORM pg_catalog.pg_extension_config_dump('wfauth.tenant_settings', '');
    PERFORM pg_catalog.pg_extension_config_dump(
        pg_catalog.pg_get_serial_sequence('wfauth.tenant_catalog', 'id')::regclass, '');
END
$$;

-------------------------------------------------------------------------------
-- Privileges: PUBLIC may call the public functions (each checks the acting
-- principal itself) but none of the internal ones, and no table.
-------------------------------------------------------------------------------

DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'wfauth'::regnamespace AND p.proname LIKE '\_%'
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
-- Trigger functions run only as triggers; a table's owner needs EXECUTE on
-- them to get them (protect() creates them as the owner, and a new
-- partition gets its parent's).
GRANT EXECUTE ON FUNCTION wfauth._acl_on_insert(), wfauth._acl_on_update(), wfauth._refuse_truncate() TO PUBLIC;
-- wfauth.stats reads its counters with this; it answers DBAs only
GRANT EXECUTE ON FUNCTION wfauth._stats() TO PUBLIC;

-- \df wfauth.* shows the API first: every internal helper says what it is.
SELECT wfauth._comment_internal_functions();
