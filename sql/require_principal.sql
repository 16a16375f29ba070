-- wfauth.require_principal (DESIGN §3): with it on, reading or writing a
-- protected table with no principal raises 28000 instead of showing zero
-- rows, so a request that forgot to authenticate -- typically one that
-- authenticated in an earlier autocommit statement -- fails loudly.  A DBA
-- with no principal keeps its rights; with a principal nothing changes.
\set VERBOSITY terse
SET client_min_messages = warning;
SET ROLE wfauth_regress_app;
CREATE TABLE appdata.rp_boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('appdata.rp_boards', 'dashboard');
RESET ROLE;
INSERT INTO appdata.rp_boards (id, title) VALUES (1, 'shared with everyone');
SELECT wfauth.create_user('rp@example.com', permissions => '{dashboards}') IS NOT NULL AS made;
SELECT wfauth.generate_token('rp@example.com', 'rp') AS tok \gset

-- off (the default): no principal, no rows
SET ROLE wfauth_regress_app;
SELECT count(*) AS rows_without_principal FROM appdata.rp_boards;
-- on: the autocommit mistake -- authenticate, then read in the next statement
SET wfauth.require_principal = on;
SELECT wfauth.authenticate_token(:'tok') IS NOT NULL AS authenticated;
SELECT try('SELECT count(*) FROM appdata.rp_boards') AS read_in_the_next_statement;
SELECT try('INSERT INTO appdata.rp_boards (id) VALUES (2)') AS insert_without_principal;
SELECT try('UPDATE appdata.rp_boards SET title = ''x''') AS update_without_principal;
\set VERBOSITY default
SELECT count(*) FROM appdata.rp_boards;
\set VERBOSITY terse
-- the fix: authenticate and read in one transaction (or one multi-statement query)
BEGIN;
SELECT wfauth.authenticate_token(:'tok') IS NOT NULL AS authenticated;
SELECT count(*) AS rows_with_principal FROM appdata.rp_boards;
COMMIT;
SELECT wfauth.authenticate_token(:'tok') IS NOT NULL AS authenticated\; SELECT count(*) AS rows_in_one_query FROM appdata.rp_boards;
RESET ROLE;
-- Whether a statement fails never depends on rows the caller cannot see
-- (DESIGN §8).  Before the refusal was taken at executor start, it came
-- from the policy's check of a row: 28000 when a hidden row matched the
-- statement's conditions and no rows otherwise (an oracle on every
-- tenant's rows), and zero rows, silently, through the listing index.
UPDATE appdata.rp_boards SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'rp@example.com', 'view'), 'everyone');
CREATE INDEX rp_listing ON appdata.rp_boards USING gin (acl);
ANALYZE appdata.rp_boards;
SET ROLE wfauth_regress_app;
SET wfauth.require_principal = on;
SET enable_seqscan = off;      -- as on a large table: the primary key or the listing index
SELECT try('SELECT 1 FROM appdata.rp_boards WHERE id = 1') AS a_hidden_row_matches;
SELECT try('SELECT 1 FROM appdata.rp_boards WHERE id = 999') AS no_row_matches;
SELECT try('SELECT 1 FROM appdata.rp_boards WHERE title LIKE ''shared%''') AS a_guess_at_a_secret;
SELECT try('SELECT 1 FROM appdata.rp_boards WHERE title LIKE ''nothing%''') AS a_wrong_guess;
SELECT try('SELECT count(*) FROM appdata.rp_boards') AS through_the_listing_index;
RESET enable_seqscan;
SELECT try('WITH c AS (SELECT * FROM appdata.rp_boards) SELECT count(*) FROM c') AS in_a_cte;
SELECT try('SELECT (SELECT count(*) FROM appdata.rp_boards WHERE false)') AS in_a_subquery;
SELECT try('DELETE FROM appdata.rp_boards WHERE id = 999') AS delete_nothing;
RESET wfauth.require_principal;
RESET ROLE;
-- a DBA with no principal keeps its bootstrap rights
SELECT count(*) AS rows_for_a_dba FROM appdata.rp_boards;
RESET wfauth.require_principal;
DROP TABLE appdata.rp_boards;
SELECT wfauth.delete_account('rp@example.com');
