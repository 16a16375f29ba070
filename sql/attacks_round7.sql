-- The seventh attack pass (a hostile table owner, database owner and client,
-- briefed afresh against the sixth pass's fixes): what is closed so far.
-- Each attack below succeeded before its fix; each now fails.
SET client_min_messages = warning;
CREATE ROLE wfauth_r7_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r7_owner;
CREATE SCHEMA r7 AUTHORIZATION wfauth_r7_owner;
GRANT USAGE ON SCHEMA r7 TO wfauth_regress_app;
SELECT wfauth.create_user('r7-ada@example.com', permissions => '{dashboards}') AS ada \gset
SELECT wfauth.create_user('r7-bob@example.com', permissions => '{dashboards}') AS bob \gset
SELECT wfauth.create_user('r7-eve@example.com') AS eve \gset
-- a DBA's table: one row only Ada may see (and modify)
CREATE TABLE public.r7_salaries (who text, salary int);
SELECT wfauth.protect('public.r7_salaries', 'dashboard');
INSERT INTO public.r7_salaries VALUES ('ceo', 999999);
UPDATE public.r7_salaries SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r7-ada@example.com', 'modify');
GRANT SELECT ON public.r7_salaries TO wfauth_r7_owner, wfauth_regress_app;
GRANT UPDATE ON public.r7_salaries TO wfauth_r7_owner;     -- it still sees no row itself
-- the owner's partitioned table: row 6 is Ada's alone, row 25 Bob's
CREATE TABLE r7.p (id int, title text) PARTITION BY RANGE (id);
CREATE TABLE r7.p1 PARTITION OF r7.p FOR VALUES FROM (0) TO (100);
CREATE TABLE r7.p2 PARTITION OF r7.p FOR VALUES FROM (100) TO (200);
ALTER TABLE r7.p OWNER TO wfauth_r7_owner;
ALTER TABLE r7.p1 OWNER TO wfauth_r7_owner;
ALTER TABLE r7.p2 OWNER TO wfauth_r7_owner;
SELECT wfauth.protect('r7.p', 'dashboard');
GRANT SELECT, INSERT, UPDATE ON r7.p TO wfauth_regress_app;
INSERT INTO r7.p VALUES (6, 'ada''s');
UPDATE r7.p SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r7-ada@example.com', 'modify') WHERE id = 6;
BEGIN;                  -- Ada creates row 25 and gives it to Bob, keeping a view
SELECT wfauth.set_principal('r7-ada@example.com');
INSERT INTO r7.p VALUES (25, 'ada''s, now bob''s');
UPDATE r7.p SET acl = wfauth.acl_grant(wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'r7-bob@example.com', 'modify'),
                                       'r7-ada@example.com', 'view') WHERE id = 25;
COMMIT;
SELECT acl::text AS ada_only_acl FROM r7.p WHERE id = 6 \gset
CREATE TABLE appdata.r7_scratch (x int);
GRANT ALL ON appdata.r7_scratch TO wfauth_regress_app;
SET ROLE wfauth_r7_owner;
CREATE SEQUENCE r7.leak;
GRANT UPDATE, USAGE ON SEQUENCE r7.leak TO PUBLIC;
RESET ROLE;

-- 1. COPY FROM evaluates the owner's DEFAULTs outside the executor, where
-- its statements were not counted as running another role's code: a
-- query_to_xml() DEFAULT read the DBA's protected table with the principal.
SET ROLE wfauth_r7_owner;
CREATE TABLE r7.feedback (msg text,
    spy text DEFAULT query_to_xml('select who, salary from public.r7_salaries', false, false, '')::text);
GRANT INSERT ON r7.feedback TO wfauth_regress_app;
CREATE TABLE r7.inbox (msg text, x bool DEFAULT (wfauth.grant_super_admin('r7-eve@example.com') IS NULL));
GRANT INSERT ON r7.inbox TO wfauth_regress_app;
CREATE TABLE r7.notes (msg text, x bool DEFAULT (wfauth.purge_audit('0 s') IS NULL));
CREATE TABLE r7.cfg (k text);
INSERT INTO r7.cfg VALUES ('a');
ALTER TABLE r7.cfg ADD CONSTRAINT sane CHECK (wfauth.purge_audit('0 s') IS NOT NULL) NOT VALID;
RESET ROLE;
BEGIN;
SELECT wfauth.set_principal('r7-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
SAVEPOINT s;
COPY r7.feedback (msg) FROM stdin;
hello via copy
\.
ROLLBACK TO s;
COMMIT;
SELECT count(*) AS salaries_in_feedback FROM r7.feedback WHERE spy LIKE '%999999%';

-- 2. COPY FROM let another role's DEFAULT change the model: a Super
-- Admin's COPY made Eve a Super Admin.
SELECT wfauth.create_user('r7-sa@example.com') IS NOT NULL AS sa;
SELECT wfauth.grant_super_admin('r7-sa@example.com');
BEGIN;
SELECT wfauth.set_principal('r7-sa@example.com');
SET LOCAL ROLE wfauth_regress_app;
SAVEPOINT s;
COPY r7.inbox (msg) FROM stdin;
hi
\.
ROLLBACK TO s;
COMMIT;
SELECT super_admin AS eve_is_super_admin FROM wfauth.principals WHERE name = 'r7-eve@example.com';

-- 3. A DBA's COPY into the owner's table, or its ALTER TABLE ... VALIDATE,
-- purged the audit log through the owner's DEFAULT or CHECK.
SELECT count(*) > 0 AS audit_before FROM wfauth.audit_log;
BEGIN;
SAVEPOINT s;
COPY r7.notes (msg) FROM stdin;
restored row
\.
ROLLBACK TO s;
SELECT try($$ALTER TABLE r7.cfg VALIDATE CONSTRAINT sane$$) AS dba_validates_owners_check;
COMMIT;
SELECT count(*) > 1 AS audit_after FROM wfauth.audit_log;

-- 4. (a false refusal of round 6) A foreign key from a table of a
-- migration role to a protected table of the same role: the check's query
-- ran within the INSERT into another role's table and was refused.  It
-- reads as the table's owner with row-level security off, as PostgreSQL's
-- own check, and is let through.
CREATE ROLE wfauth_r7_mig;
GRANT USAGE ON SCHEMA wfauth TO wfauth_r7_mig;
CREATE SCHEMA r7mig AUTHORIZATION wfauth_r7_mig;
GRANT USAGE ON SCHEMA r7mig TO wfauth_regress_app;
SET ROLE wfauth_r7_mig;
CREATE TABLE r7mig.docs (id int PRIMARY KEY, title text);
CREATE TABLE r7mig.comments (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc_id int REFERENCES r7mig.docs (id), body text);
GRANT SELECT, INSERT, UPDATE, DELETE ON r7mig.docs, r7mig.comments TO wfauth_regress_app;
RESET ROLE;
SELECT wfauth.protect('r7mig.docs', 'dashboard');
BEGIN;
SELECT wfauth.set_principal('r7-ada@example.com');
SET LOCAL ROLE wfauth_regress_app;
INSERT INTO r7mig.docs VALUES (1, 'doc');
SELECT try($$INSERT INTO r7mig.comments (doc_id, body) VALUES (1, 'nice')$$) AS comment_on_a_protected_doc;
SELECT try($$INSERT INTO r7mig.comments (doc_id, body) VALUES (2, 'dangling')$$) AS comment_on_no_doc;
COMMIT;

-- clean up
DROP TABLE r7.p, r7.feedback, r7.inbox, r7.notes, r7.cfg, r7mig.comments, r7mig.docs,
           public.r7_salaries, appdata.r7_scratch CASCADE;
DROP SCHEMA r7, r7mig CASCADE;
REVOKE ALL ON SCHEMA wfauth FROM wfauth_r7_owner, wfauth_r7_mig;
DROP ROLE wfauth_r7_owner;
DROP ROLE wfauth_r7_mig;
SELECT wfauth.delete_account('r7-ada@example.com');
SELECT wfauth.delete_account('r7-bob@example.com');
SELECT wfauth.delete_account('r7-eve@example.com');
