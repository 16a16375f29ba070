#!/usr/bin/env bash
# pg_dump / pg_restore keep every account, credential, grant and ACL, and
# duplicate no built-in row.  Prints TAP; runs against the harness's cluster.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
src=wfauth_dump_src dst=wfauth_dump_dst

for db in $src $dst; do psql -qX -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
psql -qX -c "CREATE DATABASE $src" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d $src >/dev/null 2>&1 <<'SQL' || { echo "not ok 1 - set up the source database"; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_dump_app') THEN CREATE ROLE wfauth_dump_app; END IF;
END $$;
GRANT USAGE ON SCHEMA wfauth TO wfauth_dump_app;
CREATE SCHEMA app AUTHORIZATION wfauth_dump_app;
SELECT wfauth.register_permission('reports', 'scheduled reports');
SELECT wfauth.register_kind('report', 'reports');
SELECT wfauth.create_user('dana@example.com', 'dana''s long passphrase', permissions => '{dashboards, api_tokens}');
SELECT wfauth.create_user('lee@example.com', permissions => '{reports}');
SELECT wfauth.create_service_account('exporter', permissions => '{metrics}');
SELECT wfauth.create_group('Engineering');
SELECT wfauth.add_members('Engineering', '{lee@example.com}');
SELECT wfauth.create_role('Editor', '{dashboards}');
SELECT wfauth.grant_role('Editor', '{group:Engineering}');
SELECT wfauth.set_new_object_access('creator');
SELECT wfauth.set_new_user_defaults('{logs}', '{Engineering}');
CREATE TABLE keep (name text, token text);
INSERT INTO keep SELECT 'dana', wfauth.generate_token('dana@example.com', 'laptop');
INSERT INTO keep SELECT 'exporter', wfauth.generate_token('sa::exporter', 'cron');
SET ROLE wfauth_dump_app;
CREATE TABLE app.dashboards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('app.dashboards', 'dashboard');
CREATE TABLE app.alerts (id int PRIMARY KEY);
SELECT wfauth.protect('app.alerts', 'alert');
CREATE TABLE app.reports (id int PRIMARY KEY);
SELECT wfauth.protect('app.reports', 'report');
CREATE TABLE app.pdash (id int, created date NOT NULL) PARTITION BY RANGE (created);
CREATE TABLE app.pdash_2020 PARTITION OF app.pdash FOR VALUES FROM ('2020-01-01') TO ('2030-01-01');
SELECT wfauth.protect('app.pdash', 'dashboard');
CREATE TABLE app.pdash_2030 PARTITION OF app.pdash FOR VALUES FROM ('2030-01-01') TO ('2040-01-01');
RESET ROLE;
INSERT INTO app.pdash VALUES (1, '2021-01-01'), (2, '2031-01-01');
CREATE INDEX dashboards_acl ON app.dashboards USING gin (acl);
UPDATE app.pdash SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'lee@example.com', 'view'), 'everyone') WHERE id = 2;
INSERT INTO app.dashboards VALUES (1, 'X'), (2, 'Y');
UPDATE app.dashboards SET acl = wfauth.acl_grant(wfauth.acl_grant(acl, 'group:Engineering', 'view'),
                                                 'dana@example.com', 'modify') WHERE id = 1;
-- a dated entry (1.3): in force until 2099
UPDATE app.dashboards SET acl = wfauth.acl_grant(acl, 'lee@example.com', 'view', NULL, '2099-01-01Z') WHERE id = 1;
INSERT INTO app.alerts VALUES (1);
UPDATE app.alerts SET acl = wfauth.acl_grant(acl, 'lee@example.com', 'modify');
-- a custom kind: its rows are restored before wfauth's kinds table
INSERT INTO app.reports VALUES (1), (2);
UPDATE app.reports SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'lee@example.com', 'view'), 'everyone')
 WHERE id = 2;
-- a second tenant, with its own dana, token and row
SELECT wfauth.create_tenant('acme');
BEGIN;
SELECT wfauth.set_tenant('acme');
SELECT wfauth.create_user('dana@example.com', 'acme dana''s passphrase', permissions => '{dashboards}');
INSERT INTO keep SELECT 'acme', wfauth.generate_token('dana@example.com', 'laptop');
INSERT INTO app.dashboards VALUES (3, 'acme''s');
COMMIT;
SQL
# try_sqlstate(sql): the SQLSTATE a statement fails with, or ok
try_sqlstate="CREATE FUNCTION public.try_sqlstate(sql text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN EXECUTE sql; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END \$\$"

decisions="SELECT string_agg(format('%s/%s/%s/%s', p.name, t.tbl, t.id, m.mode) || '=' ||
                   wfauth.can_access(p.id, t.acl, m.mode), ','
                              ORDER BY p.name, t.tbl, t.id, m.mode)
             FROM wfauth.principals p,
                  (SELECT 'd' AS tbl, id, acl FROM app.dashboards UNION ALL SELECT 'a', id, acl FROM app.alerts
                   UNION ALL SELECT 'r', id, acl FROM app.reports UNION ALL SELECT 'p', id, acl FROM app.pdash) t,
                  unnest('{view,modify}'::wfauth.access_mode[]) m(mode)
            WHERE p.kind <> 'group'"
before=$(q $src "$decisions")
dump=$(mktemp)
$BIN/pg_dump -Fc -d $src -f "$dump" 2>/tmp/wfauth_dump.err
check "pg_dump succeeds" "0" "$?"
psql -qX -c "CREATE DATABASE $dst" >/dev/null
$BIN/pg_restore -d $dst "$dump" 2>/tmp/wfauth_restore.err
check "pg_restore succeeds without errors" "0" "$?"
rm -f "$dump"
q $dst "$try_sqlstate" >/dev/null

check "every access decision is the same after restore" "$before" "$(q $dst "$decisions")"
check "each tenant's Everyone is there once" "1 1 2" \
      "$(q $dst "SELECT min(n) || ' ' || max(n) || ' ' || count(*) FROM (SELECT count(*) AS n FROM wfauth.principals
                  WHERE name = 'Everyone' GROUP BY tenant_id) e")"
check "built-in permissions and kinds are there once, with the custom ones" "19 3" \
      "$(q $dst "SELECT (SELECT count(*) FROM wfauth.permissions) || ' ' || (SELECT count(*) FROM wfauth.kinds)")"
for who in dana exporter acme; do
    tok=$(q $src "SELECT token FROM keep WHERE name = '$who'")
    check "the $who token still authenticates" "$(q $src "SELECT wfauth.authenticate_token('$tok')")" \
          "$(q $dst "SELECT wfauth.authenticate_token('$tok')")"
done
tok=$(q $src "SELECT token FROM keep WHERE name = 'acme'")
check "the acme token authenticates in acme" "acme" \
      "$(q $dst "SELECT wfauth.authenticate_token('$tok'); SELECT name FROM wfauth.tenants WHERE id = wfauth.current_tenant()" | tail -1)"
check "acme's dana logs in to acme with her own password" "true false" \
      "$(q $dst "SELECT (wfauth.login('dana@example.com', 'acme dana''s passphrase', 'acme') IS NOT NULL) || ' ' ||
                        (wfauth.current_tenant() = 1)")"
check "rows keep their tenant" "$(q $src "SELECT string_agg(id || ':' || wfauth.acl_tenant(acl), ',' ORDER BY id) FROM app.dashboards")" \
      "$(q $dst "SELECT string_agg(id || ':' || wfauth.acl_tenant(acl), ',' ORDER BY id) FROM app.dashboards")"
check "the password still logs in" "t" \
      "$(q $dst "SELECT wfauth.login('dana@example.com', 'dana''s long passphrase') IS NOT NULL")"
check "effective permissions are the same" \
      "$(q $src "SELECT string_agg(permission || ':' || via, ',') FROM wfauth.effective_permissions(wfauth.account_id('lee@example.com'))")" \
      "$(q $dst "SELECT string_agg(permission || ':' || via, ',') FROM wfauth.effective_permissions(wfauth.account_id('lee@example.com'))")"
check "the security preference and new-user defaults are kept" "creator 1 1" \
      "$(q $dst "SELECT (SELECT new_object_access FROM wfauth.settings) || ' ' || (SELECT count(*) FROM wfauth.new_user_permissions) || ' ' || (SELECT count(*) FROM wfauth.new_user_groups)")"
check "new ids continue after the restored ones" "t" \
      "$(q $dst "SELECT wfauth.create_user('new@example.com') > (SELECT max(id) FROM wfauth.principals WHERE name <> 'new@example.com')")"
protection="SELECT string_agg(format('%s:%s:%s:%s', p.tbl, c.relforcerowsecurity,
                                   (SELECT count(*) FROM pg_policy WHERE polrelid = p.tbl),
                                   (SELECT string_agg(tgname, '+' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = p.tbl)),
                            ' ' ORDER BY p.tbl::text)
              FROM wfauth.protected_tables p JOIN pg_class c ON c.oid = p.tbl"
check "protected tables, partitions included, are protected as before" "$(q $src "$protection")" "$(q $dst "$protection")"
check "... and that is all six, each with its policies and TRUNCATE guard" "6" \
      "$(q $dst "SELECT count(*) FROM wfauth.protected_tables p JOIN pg_class c ON c.oid = p.tbl
                  WHERE c.relforcerowsecurity AND (SELECT count(*) FROM pg_policy WHERE polrelid = p.tbl) = 4
                    AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = p.tbl AND tgname = 'wfauth_truncate')")"
check "the owner still cannot switch a restored table's protection off" "42501" \
      "$(q $dst "SET ROLE wfauth_dump_app; SELECT try_sqlstate('ALTER TABLE app.pdash_2030 NO FORCE ROW LEVEL SECURITY')" 2>&1 | tail -1)"
check "a partition created after the restore is protected" "t" \
      "$(q $dst "SET ROLE wfauth_dump_app;
                 CREATE TABLE app.pdash_2040 PARTITION OF app.pdash FOR VALUES FROM ('2040-01-01') TO ('2050-01-01');
                 SELECT relforcerowsecurity FROM pg_class WHERE oid = 'app.pdash_2040'::regclass")"
check "the restored policies are served by the restored listing index" "t" \
      "$(q $dst "BEGIN; SELECT wfauth.set_principal('lee@example.com'); SET LOCAL enable_seqscan = off;
                 SET LOCAL ROLE wfauth_dump_app;
                 DO \$\$ DECLARE r record; v boolean := false; BEGIN
                         FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) SELECT * FROM app.dashboards' LOOP
                             v := v OR r.\"QUERY PLAN\" ~ 'Bitmap Index Scan on dashboards_acl';
                         END LOOP;
                         RAISE NOTICE 'index used: %', v; END \$\$" 2>&1 | sed -n 's/.*index used: //p')"
check "DROP TABLE of a restored partitioned table works and forgets its partitions" "3" \
      "$(q $dst "SET ROLE wfauth_dump_app; DROP TABLE app.pdash; RESET ROLE; SELECT count(*) FROM wfauth.protected_tables")"
check "the audit log is kept" "$(q $src "SELECT count(*) FROM wfauth.audit_log")" \
      "$(q $dst "SELECT count(*) FROM wfauth.audit_log WHERE action <> 'login' AND (action <> 'create_user' OR target <> 'new@example.com')")"
for db in $src $dst; do psql -qX -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
done_testing
