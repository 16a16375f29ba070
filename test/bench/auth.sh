#!/usr/bin/env bash
# Credentials benchmark, run by `make bench` against the harness's cluster:
#  - authenticate_token per call vs a primary-key lookup of a one-row table,
#    both as prepared statements through pgbench, interleaved, 5 rounds;
#  - login at the default argon2id cost, and the three failure cases, which
#    must cost the same;
#  - a refused login's time, end to end through pgbench, for an existing
#    account and an unknown one: it must not tell them apart.
set -euo pipefail
cd "$(dirname "$0")"
PGBENCH=${WFAUTH_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
db=wfauth_bench_auth
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -qX -d $db -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
CREATE TABLE one_row (id int PRIMARY KEY, payload text);
INSERT INTO one_row VALUES (1, 'x');
SELECT wfauth.create_user('bench@example.com', 'the benchmark passphrase', permissions => '{api_tokens}');
SELECT wfauth.create_user('inactive@example.com', 'the benchmark passphrase');
SELECT wfauth.set_active('inactive@example.com', false);
CREATE TABLE bench_token AS SELECT wfauth.generate_token('bench@example.com', 'bench') AS token;
SQL
token=$(psql -qXAt -d $db -c 'SELECT token FROM bench_token')
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo 'SELECT payload FROM one_row WHERE id = 1;' >"$dir/pk.sql"
echo "SELECT wfauth.authenticate_token('$token');" >"$dir/auth.sql"
: >"$dir/results"
for round in 1 2 3 4 5; do
    for v in pk auth; do
        lat=$($PGBENCH -n -M prepared -c 1 -T 3 -f "$dir/$v.sql" $db 2>/dev/null |
              sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p')
        echo "$v $lat" >>"$dir/results"
    done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pk=$(awk '$1=="pk"{print $2}' "$dir/results" | median)
auth=$(awk '$1=="auth"{print $2}' "$dir/results" | median)
echo
echo "== authenticate_token vs primary-key lookup (pgbench, prepared, 1 client, median of 5 x 3 s)"
printf '   %-28s %8.1f us per call\n' "primary-key lookup" "$(echo "$pk * 1000" | bc -l)"
printf '   %-28s %8.1f us per call\n' "authenticate_token" "$(echo "$auth * 1000" | bc -l)"
printf '   %-28s %8.2f x   (target <= 2)\n' "ratio" "$(echo "$auth / $pk" | bc -l)"

# the same, in-server: a PL/pgSQL loop calls each 20,000 times, interleaved, 7 rounds
psql -qXAt -d $db -v token="$token" <<'SQL'
SELECT wfauth.current_principal();               -- load the library, off the clock
CREATE TEMP TABLE us (what text, us float8);
CREATE FUNCTION pg_temp.time_it(what text, sql text, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    FOR i IN 1..n LOOP
        EXECUTE sql;
    END LOOP;
    INSERT INTO us VALUES (what, extract(epoch FROM clock_timestamp() - t0) * 1e6 / n);
END $$;
PREPARE pk AS SELECT payload FROM one_row WHERE id = 1;
PREPARE auth(text) AS SELECT wfauth.authenticate_token($1);
\o /dev/null
SELECT pg_temp.time_it('pk', 'EXECUTE pk', 20000),
       pg_temp.time_it('auth', format('EXECUTE auth(%L)', :'token'), 20000)
  FROM generate_series(1, 7);
\o
\echo
\echo '== authenticate_token vs primary-key lookup, in-server (prepared, EXECUTE in a PL/pgSQL loop, median of 7 x 20,000)'
SELECT format('   %-28s %8s us per call', CASE what WHEN 'pk' THEN 'primary-key lookup' ELSE 'authenticate_token' END,
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us)::numeric, 2))
  FROM us GROUP BY what ORDER BY what DESC;
SELECT format('   %-28s %8s x   (target <= 2)', 'ratio',
              round(((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM us WHERE what = 'auth') /
                     (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM us WHERE what = 'pk'))::numeric, 2));
SQL

# each login in a transaction of its own, as an application would run it
psql -qX -d $db >/dev/null <<'SQL'
CREATE TABLE login_times (what text, ms float8);
CREATE FUNCTION time_login(what text, who text, pw text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    BEGIN
        PERFORM wfauth.login(who, pw);
    EXCEPTION WHEN invalid_password THEN
        NULL;
    END;
    INSERT INTO login_times VALUES (what, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;
SQL
# (the pauses let a failed login's recorder worker finish off the clock: the
# machine has two cores)
for round in $(seq 1 11); do
    psql -qX -d $db >/dev/null <<'SQL'
SELECT wfauth.current_principal();   -- load the library first, off the clock
SELECT time_login('login, right password', 'bench@example.com', 'the benchmark passphrase');
SELECT pg_sleep(0.1);
SELECT time_login('login, wrong password', 'bench@example.com', 'not the benchmark phrase');
SELECT pg_sleep(0.1);
SELECT time_login('login, unknown account', 'nobody@example.com', 'the benchmark passphrase');
SELECT pg_sleep(0.1);
SELECT time_login('login, inactive account', 'inactive@example.com', 'the benchmark passphrase');
UPDATE wfauth.passwords SET failed_attempts = 0;   -- stay clear of the throttle
SQL
done
psql -qX -d $db <<'SQL'
\pset footer off
\echo
\echo '== login at the default argon2id cost (19 MiB, t=2), median of 11 (ms)'
\echo '   the three failures must cost the same; success also writes a session'
SELECT what, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS median_ms
  FROM login_times GROUP BY what ORDER BY what;
SQL

# a refused login, end to end: existing account vs unknown one.  pgbench,
# 2 clients, each login a transaction of its own and counted (the throttle
# raised to its maximum and the count reset between rounds, so it never
# engages), interleaved, median of 5 rounds of 2 x 40 logins.  Every path
# starts the worker that counts a failure, so the two match on a busy host.
psql -qX -d $db -v ON_ERROR_STOP=1 >/dev/null <<SQL
ALTER DATABASE $db SET wfauth.max_failed_logins = 100;
CREATE FUNCTION refused(who text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
    PERFORM wfauth.login(who, 'a wrong passphrase');
    RETURN 'ok';
EXCEPTION WHEN invalid_password THEN
    RETURN '28P01';
END \$\$;
SQL
echo "SELECT refused('bench@example.com');" >"$dir/known.sql"
echo "SELECT refused('nobody@example.com');" >"$dir/unknown.sql"
: >"$dir/refused"
for round in 1 2 3 4 5; do
    for v in known unknown; do
        psql -qX -d $db -c "UPDATE wfauth.passwords SET failed_attempts = 0" >/dev/null
        lat=$($PGBENCH -n -c 2 -j 2 -t 40 -f "$dir/$v.sql" $db 2>/dev/null |
              sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p')
        echo "$v $lat" >>"$dir/refused"
    done
done
known=$(awk '$1=="known"{print $2}' "$dir/refused" | median)
unknown=$(awk '$1=="unknown"{print $2}' "$dir/refused" | median)
echo
echo "== a refused login, end to end: existing account vs unknown one (pgbench, 2 clients, median of 5 rounds of 2 x 40)"
printf '   %-28s %8.1f ms\n' "existing, wrong password" "$known"
printf '   %-28s %8.1f ms\n' "unknown account" "$unknown"
printf '   %-28s %8.1f ms (%.2f x)\n' "difference" "$(echo "$known - $unknown" | bc -l)" "$(echo "$known / $unknown" | bc -l)"
