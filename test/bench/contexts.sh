#!/usr/bin/env bash
# Many principals per backend, run by `make bench` against the harness's
# cluster.  pgbench, 16 clients, prepared statements; each transaction
# authenticates with one of N API tokens (chosen at random) and reads one row
# through the RLS policy, as pooled requests do.  N = 1, 16 and 1,000,
# interleaved, 3 rounds after a warm-up; then the cost of a cold context (the
# first check of a principal a backend has not cached).
set -euo pipefail
cd "$(dirname "$0")"
PGBENCH=${WFAUTH_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
db=wfauth_bench_contexts
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -qX -d $db -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
CREATE TABLE boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('boards', 'dashboard');
INSERT INTO boards SELECT g, 'board ' || g FROM generate_series(1, 100) g;   -- shared with Everyone
CREATE TABLE tokens (n int PRIMARY KEY, account bigint, token text);
INSERT INTO tokens
SELECT i, a, wfauth.generate_token(format('p%s@example.com', i), 'bench')
  FROM generate_series(1, 1000) i, wfauth.create_user(format('p%s@example.com', i)) a;
SQL
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/request.sql" <<'PGB'
\set n random(1, :principals)
\set id random(1, 100)
BEGIN;
SELECT wfauth.authenticate_token(token) FROM tokens WHERE n = :n;
SELECT title FROM boards WHERE id = :id;
COMMIT;
PGB
# run N SECONDS [CACHE_KB]: transactions per second
run() { PGOPTIONS="${3:+-c wfauth.context_cache_memory=$3}" \
        $PGBENCH -n -M prepared -c 16 -j 2 -T "$2" -D principals="$1" -f "$dir/request.sql" $db 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p'; }
echo "wfauth context benchmark (pgbench, 16 clients, prepared; authenticate + one row through the policy)"
run 1000 10 >/dev/null                         # warm-up: every backend meets most principals
: >"$dir/results"
for round in 1 2 3; do
    for n in 1 16 1000; do
        echo "$n $(run $n 5)" >>"$dir/results"
    done
    echo "small $(run 1000 5 64)" >>"$dir/results"   # a cache with room for a few dozen contexts
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one=$(awk '$1==1{print $2}' "$dir/results" | median)
for n in 1 16 1000; do
    tps=$(awk -v n=$n '$1==n{print $2}' "$dir/results" | median)
    printf '   N = %-5s %8.0f transactions/s   N=1 / N=%s = %.2f x\n' "$n" "$tps" "$n" "$(echo "$one / $tps" | bc -l)"
done
tps=$(awk '$1=="small"{print $2}' "$dir/results" | median)
printf '   N = 1000, 64 kB cache %8.0f transactions/s   N=1 / that = %.2f x   (every transaction reloads, as with a few slots)\n' \
       "$tps" "$(echo "$one / $tps" | bc -l)"
echo "   (target: N = 1000 within 1.2 x of N = 1; median of 3 rounds x 5 s, interleaved)"

# the first check of a principal: a backend loads its context (a few index scans)
psql -qXAt -d $db <<'SQL'
SELECT wfauth.current_principal();               -- load the library, off the clock
CREATE TEMP TABLE t AS SELECT account FROM tokens;
DO $$
DECLARE
    t0 timestamptz; cold float8; warm float8; n int := (SELECT count(*) FROM t);
BEGIN
    t0 := clock_timestamp();
    PERFORM wfauth.has_permission(account, 'dashboards') FROM t;
    cold := extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
    t0 := clock_timestamp();
    PERFORM wfauth.has_permission(account, 'dashboards') FROM t;
    warm := extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
    RAISE NOTICE '   first check of a principal (cold context): % us; cached: % us (% principals, one backend)',
        round(cold::numeric, 1), round(warm::numeric, 1), n;
END
$$;
SQL
