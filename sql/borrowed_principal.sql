-- Code a table's owner wrote never acts with the principal of the session
-- that writes to its table (DESIGN §8).  Before the fix, each of these made
-- pawn a Super Admin when a Super Admin's request inserted a row through
-- the application, audited as the Super Admin's act.
SET client_min_messages = warning;
\set VERBOSITY terse
CREATE ROLE wfauth_regress_app21;
CREATE ROLE wfauth_regress_owner21;
GRANT USAGE ON SCHEMA wfauth TO wfauth_regress_app21, wfauth_regress_owner21;
CREATE SCHEMA borrowed AUTHORIZATION wfauth_regress_owner21;
GRANT USAGE ON SCHEMA borrowed TO wfauth_regress_app21;
SELECT wfauth.create_user('boss21@example.com') IS NOT NULL AS boss,
       wfauth.create_user('pawn21@example.com') IS NOT NULL AS pawn;
SELECT wfauth.grant_super_admin('boss21@example.com');
SELECT wfauth.generate_token('boss21@example.com', 'app') AS boss_token \gset
SELECT wfauth.generate_token('pawn21@example.com', 'owner''s') AS pawn_token \gset
SET ROLE wfauth_regress_owner21;
-- a trigger (security invoker: it runs as the application's role)
CREATE FUNCTION borrowed.promote() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wfauth.grant_super_admin('pawn21@example.com');
    RETURN NEW;
END $$;
CREATE TABLE borrowed.notes (id int, body text);
CREATE TRIGGER promote BEFORE INSERT ON borrowed.notes FOR EACH ROW EXECUTE FUNCTION borrowed.promote();
-- a CHECK constraint calling wfauth directly, no function of the owner's
CREATE TABLE borrowed.checked (id int CHECK (wfauth.grant_super_admin('pawn21@example.com') IS NULL));
-- a deferred constraint trigger, which fires at COMMIT
CREATE TABLE borrowed.deferred (id int);
CREATE CONSTRAINT TRIGGER promote_later AFTER INSERT ON borrowed.deferred
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION borrowed.promote();
-- a function the application calls, and one that swaps the principal
CREATE FUNCTION borrowed.helper() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wfauth.grant_super_admin('pawn21@example.com');
END $$;
CREATE TABLE borrowed.stash (token text);
CREATE FUNCTION borrowed.swap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wfauth.authenticate_token(token) FROM borrowed.stash;
    RETURN NEW;
END $$;
CREATE TABLE borrowed.swapping (id int);
CREATE TRIGGER swap BEFORE INSERT ON borrowed.swapping FOR EACH ROW EXECUTE FUNCTION borrowed.swap();
GRANT INSERT ON borrowed.notes, borrowed.checked, borrowed.deferred, borrowed.swapping TO wfauth_regress_app21;
GRANT SELECT ON borrowed.stash TO wfauth_regress_app21;
GRANT EXECUTE ON FUNCTION borrowed.helper() TO wfauth_regress_app21;
-- and a protected table of the owner's, as applications have them
CREATE TABLE borrowed.boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('borrowed.boards', 'dashboard');
GRANT SELECT, INSERT, UPDATE ON borrowed.boards TO wfauth_regress_app21;
RESET ROLE;
INSERT INTO borrowed.stash VALUES (:'pawn_token');

SET ROLE wfauth_regress_app21;
BEGIN;
SELECT wfauth.authenticate_token(:'boss_token') IS NOT NULL AS boss_authenticated;
SELECT try('INSERT INTO borrowed.notes VALUES (1, ''hello'')') AS by_trigger;
SELECT try('INSERT INTO borrowed.checked VALUES (1)') AS by_check_constraint;
SELECT try('SELECT borrowed.helper()') AS by_function_called;
SELECT try('INSERT INTO borrowed.swapping VALUES (1)') AS principal_swapped_by_trigger;
SELECT wfauth.current_principal() = wfauth.account_id('boss21@example.com') AS still_boss;
COMMIT;
BEGIN;
SELECT wfauth.authenticate_token(:'boss_token') IS NOT NULL AS boss_authenticated;
INSERT INTO borrowed.deferred VALUES (1);
COMMIT;
RESET ROLE;
SELECT super_admin AS pawn_is_super_admin FROM wfauth.account_list WHERE identifier = 'pawn21@example.com';
SELECT count(*) AS grants_audited FROM wfauth.audit_list WHERE action = 'grant_super_admin' AND target = 'pawn21@example.com';
-- the application's own statements still work with the principal
SET ROLE wfauth_regress_app21;
BEGIN;
SELECT wfauth.authenticate_token(:'boss_token') IS NOT NULL AS boss_authenticated;
SELECT wfauth.create_group('Made by boss') IS NOT NULL AS boss_creates_group;
-- writing and sharing a row of a table another role owns is the
-- statement's own work, not that role's code
INSERT INTO borrowed.boards VALUES (1, 'plan');
UPDATE borrowed.boards SET acl = wfauth.acl_grant(acl, 'pawn21@example.com', 'view') WHERE id = 1;
SELECT e.* FROM borrowed.boards b, wfauth.acl_entries(b.acl) e ORDER BY 1;
ROLLBACK;
RESET ROLE;

DROP SCHEMA borrowed CASCADE;
DROP OWNED BY wfauth_regress_owner21;
DROP OWNED BY wfauth_regress_app21;
DROP ROLE wfauth_regress_owner21, wfauth_regress_app21;
SELECT wfauth.delete_account('pawn21@example.com');
SELECT wfauth.revoke_super_admin('boss21@example.com');
SELECT wfauth.delete_account('boss21@example.com');
