-- The lockdown checks the state a command leaves (DESIGN §8), whatever the
-- command: each path below took protection off in 1.2 before the check (the
-- guard knew commands by their tags) and is refused to the table's owner
-- now, with what would be wrong in the detail; the race of the guard with a
-- rename is the isolation spec lockdown_race.  A DBA's command still works.
SET client_min_messages = warning;
CREATE ROLE wfauth_regress_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_owner;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO wfauth_regress_owner', current_database()); END $$;
CREATE SCHEMA st AUTHORIZATION wfauth_regress_owner;
SET ROLE wfauth_regress_owner;
CREATE TABLE st.plain (id int PRIMARY KEY, junk int);
SELECT wfauth.protect('st.plain', 'dashboard');
CREATE TABLE st.parted (id int) PARTITION BY RANGE (id);
CREATE TABLE st.parted_1 PARTITION OF st.parted FOR VALUES FROM (0) TO (10);
SELECT wfauth.protect('st.parted', 'dashboard');
RESET ROLE;
-- What must hold after every command: nothing differs from protect()'s work.
CREATE VIEW public.st_faults AS
    SELECT tbl, fault FROM wfauth.protection_faults() WHERE tbl::text LIKE 'st%.%' ORDER BY 1, 2;
GRANT SELECT ON public.st_faults TO PUBLIC;
SELECT * FROM public.st_faults;

-- 1. Dropping another column no longer forgets the table.
SET ROLE wfauth_regress_owner;
ALTER TABLE st.plain DROP COLUMN junk;
SELECT try('ALTER TABLE st.plain NO FORCE ROW LEVEL SECURITY') AS no_force_after_drop_column;
SELECT try('TRUNCATE st.plain') AS truncate_after_drop_column;
RESET ROLE;
SELECT count(*) AS still_registered FROM wfauth.protected_tables WHERE tbl = 'st.plain'::regclass;

-- 2. The acl column renamed through other tags
SET ROLE wfauth_regress_owner;
SELECT try('ALTER VIEW st.plain RENAME COLUMN acl TO acl_old') AS alter_view;
SELECT try('ALTER MATERIALIZED VIEW st.plain RENAME COLUMN acl TO acl_old') AS alter_materialized_view;
SELECT try('ALTER TYPE st.plain RENAME ATTRIBUTE acl TO acl_old') AS alter_type;
SELECT try('ALTER FOREIGN TABLE st.plain RENAME COLUMN acl TO acl_old') AS alter_foreign_table;
SELECT try('ALTER TABLE st.plain RENAME COLUMN id TO acl') AS other_column_onto_acl;
RESET ROLE;
SELECT * FROM public.st_faults;

-- 4. DETACH PARTITION would leave a registered table without ACL triggers
SET ROLE wfauth_regress_owner;
\set VERBOSITY default
ALTER TABLE st.parted DETACH PARTITION st.parted_1;
\set VERBOSITY terse
RESET ROLE;
SELECT * FROM public.st_faults;

-- 5. CREATE SCHEMA ... CREATE TABLE: a partition is protected like any
-- other new partition; an inheritance child is refused.
SET ROLE wfauth_regress_owner;
CREATE SCHEMA st_part CREATE TABLE parted_2 PARTITION OF st.parted FOR VALUES FROM (10) TO (20);
SELECT try('CREATE SCHEMA st_child CREATE TABLE child (x int) INHERITS (st.plain)') AS inheritance_child;
RESET ROLE;
SELECT tbl, kind FROM wfauth.protected_tables WHERE tbl::text LIKE 'st_part.%';
SELECT * FROM public.st_faults;
SELECT count(*) AS children_of_plain FROM pg_inherits WHERE inhparent = 'st.plain'::regclass;

-- 6. A trigger of wfauth's made extension-dependent, then the extension dropped
SET ROLE wfauth_regress_owner;
CREATE EXTENSION pgcrypto SCHEMA st;
SELECT try('ALTER TRIGGER wfauth_truncate ON st.plain DEPENDS ON EXTENSION pgcrypto') AS depends_on_extension;
RESET ROLE;
-- a DBA may; the owner's DROP EXTENSION then fails, as it would take the trigger
ALTER TRIGGER wfauth_truncate ON st.plain DEPENDS ON EXTENSION pgcrypto;
SELECT * FROM public.st_faults;
SET ROLE wfauth_regress_owner;
SELECT try('DROP EXTENSION pgcrypto') AS drop_extension;
SELECT try('TRUNCATE st.plain') AS truncate;
RESET ROLE;
ALTER TRIGGER wfauth_truncate ON st.plain NO DEPENDS ON EXTENSION pgcrypto;
SELECT * FROM public.st_faults;

-- Nested commands are checked too: DDL in the owner's function, also under
-- an exception block that swallows an inner error.
SET ROLE wfauth_regress_owner;
CREATE FUNCTION st.sneaky() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE 'CREATE TABLE st.oops (x int) INHERITS (st.plain)';
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
    EXECUTE 'ALTER VIEW st.plain RENAME COLUMN acl TO acl_old';
END
$$;
SELECT try('SELECT st.sneaky()') AS nested;
SELECT try('CREATE TABLE st.ctas AS SELECT 1 AS x FROM st.sneaky()') AS nested_in_ddl;
RESET ROLE;

-- A rule on a protected table: DO INSTEAD would send the rows the
-- application writes to a table of the owner's, unprotected (before, the
-- owner could create one)
SET ROLE wfauth_regress_owner;
CREATE TABLE st.loot (id int, acl wfauth.acl);
SELECT try('CREATE RULE divert AS ON INSERT TO st.plain DO INSTEAD INSERT INTO st.loot VALUES (NEW.*)') AS divert_rows;
SELECT try('CREATE RULE quiet AS ON DELETE TO st.parted_1 DO INSTEAD NOTHING') AS rule_on_a_partition;
CREATE TABLE st.ruled (id int);
CREATE RULE quiet AS ON DELETE TO st.ruled DO INSTEAD NOTHING;
SELECT try($$SELECT wfauth.protect('st.ruled', 'dashboard')$$) AS protect_a_table_with_rules;
RESET ROLE;

-- A DBA's commands still work, and what they leave shows in
-- protection_faults(); unprotect() and protect() make the table whole again.
ALTER TABLE st.parted DETACH PARTITION st.parted_1;
SELECT * FROM public.st_faults;
SELECT wfauth.unprotect('st.parted_1');
SELECT wfauth.protect('st.parted_1', 'dashboard');
SELECT * FROM public.st_faults;
-- a fault a DBA left does not excuse a new one of the owner's
ALTER TABLE st.plain DISABLE TRIGGER wfauth_truncate;
SET ROLE wfauth_regress_owner;
SELECT try('DROP TRIGGER wfauth_truncate ON st.plain') AS drop_after_dba_disabled;
SELECT try('CREATE TABLE st.unrelated (x int)') AS unrelated_ddl;
RESET ROLE;
ALTER TABLE st.plain ENABLE TRIGGER wfauth_truncate;
SELECT * FROM public.st_faults;

DROP VIEW public.st_faults;
DROP SCHEMA st, st_part CASCADE;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM wfauth_regress_owner', current_database()); END $$;
DROP OWNED BY wfauth_regress_owner;
DROP ROLE wfauth_regress_owner;
