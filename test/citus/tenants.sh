#!/usr/bin/env bash
# Tenants, access-list changes and the listing index on a distributed table
# (distributed by the application's tenant key).  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/../tap/lib.bash"
. "$(dirname "$0")/lib.bash"
db=wfauth_citus
start_citus_cluster $db
psql -qXAt -v ON_ERROR_STOP=1 -h $COORD -p $PORT0 -d $db >$WORK/setup.log 2>&1 <<'SQL' ||
SET client_min_messages = warning;
SELECT wfauth.distribute_model();
CREATE ROLE wfauth_citus_app LOGIN;
GRANT USAGE ON SCHEMA wfauth TO wfauth_citus_app;
CREATE TABLE boards (customer int, id int, title text);
SELECT create_distributed_table('boards', 'customer');
SELECT wfauth.protect('boards', 'dashboard');
CREATE INDEX boards_acl ON boards USING gin (acl wfauth.acl_ops);
GRANT SELECT, INSERT, UPDATE, DELETE ON boards TO wfauth_citus_app;
SELECT wfauth.create_tenant('Acme');
BEGIN;
SELECT wfauth.set_tenant('Acme');
SELECT wfauth.create_user('admin@acme.example', permissions => '{accounts,dashboards}');
SELECT wfauth.grant_super_admin('admin@acme.example');
SELECT wfauth.create_user('ann@acme.example', permissions => '{dashboards}');
SELECT wfauth.set_new_object_access('creator');
COMMIT;
SELECT wfauth.create_user('dana@example.com', permissions => '{dashboards}');
SQL
    bail "set up" $WORK/setup.log
tadmin=$(on 0 $db "BEGIN; SELECT wfauth.set_tenant('Acme'); SELECT wfauth.generate_token('admin@acme.example', 'app'); COMMIT" | grep wfat_)
tann=$(on 0 $db "BEGIN; SELECT wfauth.set_tenant('Acme'); SELECT wfauth.generate_token('ann@acme.example', 'app'); COMMIT" | grep wfat_)
tdana=$(on 0 $db "SELECT wfauth.generate_token('dana@example.com', 'app')")
# app TOKEN SQL...: as the application, one transaction; the last line (app_all: every line)
app_all() { local t=$1; shift; psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" \
                -c "SELECT wfauth.authenticate_token('$t') IS NULL" "${@/#/-c}" -c "COMMIT" 2>&1 | grep .; }
app() { app_all "$@" | tail -1; }
# customer 7 is Acme's key in the application; Dana's default tenant has customer 8
for i in 1 2 3; do
    app "$tann" "INSERT INTO boards VALUES (7, $i, 'ann''s')" >/dev/null
    app "$tdana" "INSERT INTO boards VALUES (8, 10 + $i, 'dana''s')" >/dev/null
done
check "rows belong to the inserting principal's tenant" "3 3" \
      "$(on 0 $db "SELECT count(*) FILTER (WHERE wfauth.acl_tenant(acl) <> 1) || ' ' ||
                          count(*) FILTER (WHERE wfauth.acl_tenant(acl) = 1) FROM boards")"
check "a tenant's query for its key goes to one node" "1" \
      "$(on 0 $db "EXPLAIN (FORMAT JSON) SELECT * FROM boards WHERE customer = 7" | grep -o '"Task Count": [0-9]*' | grep -o '[0-9]*$')"
check "Ann sees her tenant's rows" "3" "$(app "$tann" "SELECT count(*) FROM boards WHERE customer = 7")"
check "Dana, of another tenant, none of them" "0" "$(app "$tdana" "SELECT count(*) FROM boards WHERE customer = 7")"
check "Acme's Super Admin sees Acme's rows, fanned out" "3" "$(app "$tadmin" "SELECT count(*) FROM boards")"
check "Acme's Super Admin lists through the index on the shards" "t" \
      "$(app "$tadmin" "SET LOCAL enable_seqscan = off" \
             "SELECT count(*) > 0 FROM (SELECT 1 FROM boards) s" >/dev/null;
         psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" \
             -c "SELECT wfauth.authenticate_token('$tadmin') IS NULL" -c "SET LOCAL enable_seqscan = off" \
             -c "EXPLAIN SELECT * FROM boards WHERE customer = 7" -c "COMMIT" 2>&1 |
         grep -q 'Index Scan on boards_acl' && echo t || echo f)"

# changing a list: on a distributed table, Citus evaluates no STABLE function
# with column references in an UPDATE, so the list is read in a subquery
grant="WITH u AS (UPDATE boards SET acl = wfauth.acl_grant((SELECT acl FROM boards WHERE customer = 7 AND id = 1),
                                                          'admin@acme.example', 'view')
                  WHERE customer = 7 AND id = 1 RETURNING 1) SELECT count(*) FROM u"
check "Ann shares her row with her admin (a router UPDATE)" "1" "$(app "$tann" "$grant")"
check "its entries, read on the shard's node" "ann@acme.example|modify admin@acme.example|view" \
      "$(app "$tadmin" "SELECT string_agg(e.grantee || '|' || e.mode, ' ' ORDER BY e.mode DESC) FROM boards, wfauth.acl_entries(acl) e
                      WHERE customer = 7 AND id = 1")"
audited() { on $1 $db "BEGIN; SELECT wfauth.set_tenant('Acme'); SELECT target FROM wfauth.audit_list WHERE action = 'change_acl'; COMMIT" | grep boards; }
check "the change is audited under the table's name, on the node of its shard" "public.boards" \
      "$( (audited 1; audited 2) | sort -u)"
check "Dana cannot name Acme's admin in her list" "t" \
      "$(app_all "$tdana" "UPDATE boards SET acl = wfauth.acl_grant((SELECT acl FROM boards WHERE customer = 8 AND id = 11),
                                                                 'admin@acme.example', 'view') WHERE customer = 8 AND id = 11" |
         grep -q 'does not exist' && echo t || echo f)"
check "the written-out form is refused in an UPDATE (Citus), with its message" "t" \
      "$(app_all "$tann" "UPDATE boards SET acl = wfauth.acl_grant(acl, 'admin@acme.example', 'modify') WHERE customer = 7 AND id = 2" |
         grep -q 'STABLE functions used in UPDATE queries' && echo t || echo f)"
done_testing
