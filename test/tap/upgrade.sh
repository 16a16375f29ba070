#!/usr/bin/env bash
# Upgrades: install every released version, fill it with accounts,
# credentials and protected rows, ALTER EXTENSION wfauth UPDATE, and show the
# data and every decision intact and the schema identical to a fresh install
# of the current version (pg_dump --binary-upgrade lists every member object
# with its definition).  Prints TAP; runs on the harness's cluster.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
current=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$top/wfauth.control")
fresh=wfauth_upgrade_fresh

# schema: every member object and its definition, without OIDs and xids
schema() {
    $BIN/pg_dump --binary-upgrade --schema-only -N app -T public.keep -d "$1" |
        grep -v "binary_upgrade_set_next\|^--\|^$\|wfauth_upgrade_app\|^\\\\\(un\)\?restrict\|relfrozenxid\|setval(\|^WHERE oid = '" |
        sed "s/'{[0-9,]*}'/'{oids}'/"
}
builtins="SELECT string_agg(x, ',' ORDER BY x) FROM (
            SELECT format('%s:%s:%s', name, api_name, description) FROM wfauth.permissions WHERE builtin
            UNION ALL SELECT format('kind %s:%s:%s', id, name, permission) FROM wfauth.kinds WHERE builtin
            UNION ALL SELECT format('principal %s:%s:%s', id, kind, name) FROM wfauth.principals WHERE id < 100) b(x)"

psql -qX -c "DROP DATABASE IF EXISTS $fresh" -c "CREATE DATABASE $fresh" >/dev/null 2>&1
q $fresh "CREATE EXTENSION wfauth" >/dev/null

installed=$(q postgres "SELECT string_agg(version, ' ' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'wfauth'")
# every version a script names (an install script, or either end of an
# update step: a version with no install script of its own installs through
# the steps from an older one)
shipped=$(ls "$top"/sql/wfauth--*.sql | sed 's/.*wfauth--//; s/\.sql$//' | tr -s '-' '\n'; echo "$current")
check "every version's install script is installed" "$(echo "$shipped" | sort -u | xargs)" "$installed"
check "every version has an update path to $current" "" \
      "$(q postgres "SELECT string_agg(source, ' ') FROM pg_extension_update_paths('wfauth')
                      WHERE target = '$current' AND source <> target AND path IS NULL")"

for from in $installed; do
    [ "$from" = "$current" ] && continue
    db=wfauth_upgrade_${from//./_}
    psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
    psql -qX -v ON_ERROR_STOP=1 -d $db >$WORK/setup.log 2>&1 <<SQL || bail "fill $from" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth VERSION '$from';
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_upgrade_app') THEN CREATE ROLE wfauth_upgrade_app; END IF;
END \$\$;
GRANT USAGE ON SCHEMA wfauth TO wfauth_upgrade_app;
CREATE SCHEMA app AUTHORIZATION wfauth_upgrade_app;
SELECT wfauth.create_user('dana@example.com', 'dana''s long passphrase', permissions => '{dashboards, api_tokens}');
SELECT wfauth.create_user('lee@example.com');
SELECT wfauth.create_service_account('exporter', permissions => '{metrics}');
SELECT wfauth.create_group('Engineering');
SELECT wfauth.create_group(E'\u0415ngineering')   -- a look-alike (Cyrillic E), made before 1.2 refused them
 WHERE '$from' IN ('1.0', '1.1');
SELECT wfauth.add_members('Engineering', '{lee@example.com}');
SELECT wfauth.create_role('Editor', '{dashboards}');
SELECT wfauth.grant_role('Editor', '{group:Engineering}');
SELECT wfauth.set_new_object_access('creator');
CREATE TABLE keep (name text, token text);
INSERT INTO keep SELECT 'dana', wfauth.generate_token('dana@example.com', 'laptop');
INSERT INTO keep SELECT 'exporter', wfauth.generate_token('sa::exporter', 'cron');
SET ROLE wfauth_upgrade_app;
CREATE TABLE app.dashboards (id int PRIMARY KEY);
SELECT wfauth.protect('app.dashboards', 'dashboard');
CREATE TABLE app.pboards (id int, created date NOT NULL) PARTITION BY RANGE (created);
CREATE TABLE app.pboards_2020 PARTITION OF app.pboards FOR VALUES FROM ('2020-01-01') TO ('2030-01-01');
SELECT wfauth.protect('app.pboards', 'dashboard');
RESET ROLE;
INSERT INTO app.pboards VALUES (1, '2021-01-01');
INSERT INTO app.dashboards SELECT g FROM generate_series(1, 20) g;
UPDATE app.dashboards SET acl = wfauth.acl_grant(acl, 'group:Engineering', 'view') WHERE id % 2 = 0;
UPDATE app.dashboards SET acl = wfauth.acl_grant(acl, 'dana@example.com', 'modify') WHERE id % 3 = 0;
SQL
    decisions="SELECT string_agg(format('%s/%s/%s=%s', p.name, d.id, m.mode, wfauth.can_access(p.id, d.acl, m.mode)), ','
                                 ORDER BY p.name, d.id, m.mode)
                 FROM wfauth.principals p, app.dashboards d, unnest('{view,modify}'::wfauth.access_mode[]) m(mode)
                WHERE p.kind <> 'group'"
    before=$(q $db "$decisions")
    psql -qXAt -v ON_ERROR_STOP=1 -d $db -c "ALTER EXTENSION wfauth UPDATE" >$WORK/update.log 2>&1
    check "$from: ALTER EXTENSION wfauth UPDATE succeeds" "0" "$?"
    case $from in 1.0|1.1) lookalikes=1 ;; *) lookalikes=0 ;; esac
    check "$from: the update reports the look-alike groups made before it ($lookalikes)" "$lookalikes" \
          "$(grep -c 'groups "Engineering" and "Еngineering" look alike' $WORK/update.log)"
    check "$from: the extension is now $current" "$current" "$(q $db "SELECT extversion FROM pg_extension WHERE extname = 'wfauth'")"
    check "$from: every access decision is the same" "$before" "$(q $db "$decisions")"
    check "$from: every principal, role, row and audit entry is in the default tenant" "1 1 1 1 1" \
          "$(q $db "SELECT (SELECT string_agg(DISTINCT tenant_id::text, ',') FROM wfauth.principals) || ' ' ||
                           (SELECT coalesce(string_agg(DISTINCT tenant_id::text, ','), '1') FROM wfauth.roles) || ' ' ||
                           (SELECT string_agg(DISTINCT tenant_id::text, ',') FROM wfauth.audit_log) || ' ' ||
                           (SELECT string_agg(DISTINCT wfauth.acl_tenant(acl)::text, ',') FROM app.dashboards) || ' ' ||
                           (SELECT string_agg(id || ':' || name, ',') FROM wfauth.tenants)" | sed 's/1:default/1/')"
    for who in dana exporter; do
        check "$from: the $who token still authenticates" "t" \
              "$(q $db "SELECT wfauth.authenticate_token(token) = wfauth.account_id(CASE name WHEN 'dana' THEN 'dana@example.com' ELSE 'sa::exporter' END)
                         FROM keep WHERE name = '$who'")"
    done
    check "$from: the password still logs in" "t" \
          "$(q $db "SELECT wfauth.login('dana@example.com', 'dana''s long passphrase') IS NOT NULL")"
    check "$from: a protected table's partitions are protected now, each with the TRUNCATE guard" \
          "app.dashboards:t:4:t app.pboards:t:4:t app.pboards_2020:t:4:t" \
          "$(q $db "SELECT string_agg(format('%s:%s:%s:%s', p.tbl, c.relforcerowsecurity,
                                             (SELECT count(*) FROM pg_policy WHERE polrelid = p.tbl),
                                             EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = p.tbl AND tgname = 'wfauth_truncate')),
                                      ' ' ORDER BY p.tbl::text)
                      FROM wfauth.protected_tables p JOIN pg_class c ON c.oid = p.tbl")"
    check "$from: a new partition of it is protected, and the owner cannot unforce it" "t 42501" \
          "$(q $db "SET ROLE wfauth_upgrade_app;
                     CREATE TABLE app.pboards_2030 PARTITION OF app.pboards FOR VALUES FROM ('2030-01-01') TO ('2040-01-01');
                     DO \$\$ BEGIN ALTER TABLE app.pboards_2020 NO FORCE ROW LEVEL SECURITY;
                                  EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$;
                     SELECT relforcerowsecurity FROM pg_class WHERE oid = 'app.pboards_2030'::regclass" 2>&1 |
             sed 's/^NOTICE: *//' | sort -r | xargs)"
    check "$from: the upgraded policies are served by a listing index" "t" \
          "$(q $db "CREATE INDEX ON app.dashboards USING gin (acl); ANALYZE app.dashboards;
                     BEGIN; SELECT wfauth.set_principal('lee@example.com'); SET LOCAL enable_seqscan = off;
                     SET LOCAL ROLE wfauth_upgrade_app;
                     DO \$\$ DECLARE r record; v boolean := false; BEGIN
                         FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) SELECT * FROM app.dashboards' LOOP
                             v := v OR r.\"QUERY PLAN\" ~ 'Bitmap Index Scan';
                         END LOOP;
                         RAISE NOTICE 'index used: %', v; END \$\$" 2>&1 | sed -n 's/.*index used: //p')"
    check "$from: the built-in rows are those of a fresh install" "$(q $fresh "$builtins")" "$(q $db "$builtins")"
    schema $db >$WORK/updated.sql
    schema $fresh >$WORK/fresh.sql
    check "$from: the schema is identical to a fresh install of $current" "" \
          "$(diff $WORK/fresh.sql $WORK/updated.sql | head -40)"
    psql -qX -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done
psql -qX -c "DROP DATABASE IF EXISTS $fresh" >/dev/null 2>&1
done_testing
