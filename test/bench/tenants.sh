#!/usr/bin/env bash
# Tenants benchmark, run by `make bench` against the harness's cluster: the
# access and credential figures of one tenant of 1,000 accounts against one
# tenant among 1,000 tenants of 1,000 accounts each (1,000,000 accounts),
# side by side in one run, interleaved, medians of 5 rounds (pgbench,
# prepared statements, 1 client, no parallel workers):
#  - the per-row check: count(*) over 100,000 protected rows of the tenant,
#    each ACL naming its Everyone, divided by the rows;
#  - the first check of a transaction: authenticate a random account of the
#    tenant, then read one protected row;
#  - authenticate_token alone.
# Both sides run the same statements, including the lookup of the random
# account's token in a side table.
set -euo pipefail
cd "$(dirname "$0")"
PGBENCH=${WFAUTH_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
psql -qX -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_bench_app') THEN CREATE ROLE wfauth_bench_app LOGIN; END IF;
END \$\$" -c "ALTER ROLE wfauth_bench_app SET max_parallel_workers_per_gather = 0" >/dev/null

# setup DB TENANTS: TENANTS tenants of 1,000 accounts; the measured one is the last
setup() {
    local db=$1 tenants=$2
    psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    psql -qX -d $db -v ON_ERROR_STOP=1 -v tenants=$tenants >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
GRANT USAGE ON SCHEMA wfauth TO wfauth_bench_app;
-- tenants and their Everyone, then 1,000 accounts in each (as a DBA, in bulk)
INSERT INTO wfauth.tenant_catalog (id, name, everyone_id)
SELECT t, 'tenant' || t, nextval('wfauth.principal_id_seq') FROM generate_series(2, :tenants) t;
INSERT INTO wfauth.principals (id, kind, name, description, tenant_id)
SELECT everyone_id, 'group', 'Everyone', 'Every account belongs to this group, implicitly', id
  FROM wfauth.tenant_catalog WHERE id > 1;
INSERT INTO wfauth.principals (kind, name, tenant_id)
SELECT 'service', 'sa::bot' || i, t FROM generate_series(1, :tenants) t, generate_series(1, 1000) i;
INSERT INTO wfauth.permission_grants (principal_id, permission)
SELECT id, 'dashboards' FROM wfauth.principals WHERE kind = 'service';
-- the measured tenant: the last one; its accounts' tokens
CREATE TABLE bench_tokens (n int PRIMARY KEY, token text);
GRANT SELECT ON bench_tokens TO wfauth_bench_app;
BEGIN;
SELECT CASE WHEN :tenants > 1 THEN wfauth.set_tenant('tenant' || :tenants) END;
INSERT INTO bench_tokens SELECT i, wfauth.generate_token('sa::bot' || i, 'bench') FROM generate_series(1, 1000) i;
-- 100,000 protected rows of that tenant, each naming its Everyone
CREATE TABLE objects (id int PRIMARY KEY, payload text);
SELECT wfauth.protect('objects', 'dashboard');
INSERT INTO objects SELECT g, 'x' FROM generate_series(1, 100000) g;
GRANT SELECT ON objects TO wfauth_bench_app;
COMMIT;
VACUUM ANALYZE;
SQL
}
echo "wfauth tenants benchmark (setting up 1 x 1,000 and 1,000 x 1,000 accounts)..."
setup wfauth_bench_t1 1
setup wfauth_bench_t1000 1000

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/rows.sql" <<'SQL'
BEGIN;
SELECT wfauth.authenticate_token(token) FROM bench_tokens WHERE n = 1;
SELECT count(*) FROM objects;
COMMIT;
SQL
cat >"$dir/first.sql" <<'SQL'
\set n random(1, 1000)
BEGIN;
SELECT wfauth.authenticate_token(token) FROM bench_tokens WHERE n = :n;
SELECT payload FROM objects WHERE id = :n;
COMMIT;
SQL
cat >"$dir/auth.sql" <<'SQL'
\set n random(1, 1000)
SELECT wfauth.authenticate_token(token) FROM bench_tokens WHERE n = :n;
SQL
: >"$dir/results"
for round in 1 2 3 4 5; do
    for test in rows first auth; do
        for db in wfauth_bench_t1 wfauth_bench_t1000; do
            lat=$($PGBENCH -n -M prepared -U wfauth_bench_app -c 1 -T 3 -f "$dir/$test.sql" $db 2>/dev/null |
                  sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p')
            echo "$test $db $lat" >>"$dir/results"
        done
    done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m() { awk -v t=$1 -v d=$2 '$1==t && $2==d {print $3}' "$dir/results" | median; }
echo
echo "== one tenant of 1,000 accounts vs one of 1,000 tenants x 1,000 accounts (pgbench, prepared, 1 client, median of 5 x 3 s)"
printf '   %-44s %12s %12s %8s\n' "" "1 tenant" "1,000" "ratio"
row() {   # label test scale unit
    local a b
    a=$(m $2 wfauth_bench_t1) b=$(m $2 wfauth_bench_t1000)
    printf '   %-44s %9.3f %s %9.3f %s %7.2f x\n' "$1" "$(echo "$a * $3" | bc -l)" "$4" "$(echo "$b * $3" | bc -l)" "$4" \
           "$(echo "$b / $a" | bc -l)"
}
row "per-row check (count(*) of 100,000 rows)" rows 10 "ns"
row "first check of a transaction (auth + 1 row)" first 1000 "us"
row "authenticate_token (+ the token's lookup)" auth 1000 "us"
echo "   (per-row: the whole transaction / 100,000; it includes one authentication)"
