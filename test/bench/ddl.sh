#!/usr/bin/env bash
# What the lockdown costs DDL (run by `make bench`): the state of every
# protected table is read before and after each DDL command of a non-DBA.
# Two databases side by side, one with no protected table and one with
# 1,000; pgbench, 1 client, each transaction a CREATE TEMP TABLE and its
# DROP; interleaved, median of 5 rounds of 3 s.
set -euo pipefail
cd "$(dirname "$0")"
PGBENCH=${WFAUTH_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
tables=1000
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS wfauth_bench_ddl0;
DROP DATABASE IF EXISTS wfauth_bench_ddl1;
CREATE DATABASE wfauth_bench_ddl0;
CREATE DATABASE wfauth_bench_ddl1;
DROP ROLE IF EXISTS wfauth_bench_ddl;
CREATE ROLE wfauth_bench_ddl LOGIN;
SQL
for db in wfauth_bench_ddl0 wfauth_bench_ddl1; do
    psql -qX -d $db -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION wfauth' >/dev/null
done
psql -qX -d wfauth_bench_ddl1 -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
DO \$\$ BEGIN
    FOR i IN 1..$tables LOOP
        EXECUTE format('CREATE TABLE t%s (id int)', i);
        PERFORM wfauth.protect(format('t%s', i)::regclass, 'dashboard');
    END LOOP;
END \$\$;
SQL
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'CREATE TEMP TABLE x (a int);\nDROP TABLE x;\n' >"$dir/ddl.sql"
# run DB: microseconds per transaction (two DDL commands)
run() { $PGBENCH -n -U wfauth_bench_ddl -c 1 -T 3 -f "$dir/ddl.sql" "$1" 2>/dev/null |
        sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' | awk '{ printf "%d\n", $1 * 1000 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "== DDL under the lockdown: CREATE TEMP TABLE + DROP TABLE by a non-DBA (pgbench, 1 client, median of 5 x 3 s)"
run wfauth_bench_ddl0 >/dev/null; run wfauth_bench_ddl1 >/dev/null      # warm-up
for round in 1 2 3 4 5; do
    run wfauth_bench_ddl0 >>"$dir/none"
    run wfauth_bench_ddl1 >>"$dir/many"
done
none=$(median <"$dir/none")
many=$(median <"$dir/many")
echo "no protected table:     $none us per transaction"
echo "$tables protected tables: $many us per transaction"
echo "ratio: $(echo "scale=2; $many / $none" | bc)"
psql -qX -c 'DROP DATABASE wfauth_bench_ddl0' -c 'DROP DATABASE wfauth_bench_ddl1' -c 'DROP ROLE wfauth_bench_ddl' >/dev/null
