#!/usr/bin/env bash
# Does the time of a refused login tell an existing account from an unknown
# one?  (run by `make bench`)  pgbench, 2 clients, a wrong password for an
# existing active account and for an unknown one, each login in a
# transaction of its own and counted (the throttle raised, and its count reset between rounds),
# interleaved, median of 5 rounds of 2 x 40 logins each (below the throttle).  The worker that counts a
# failure starts on every path, so the two should match on a busy host too.
set -euo pipefail
cd "$(dirname "$0")"
PGBENCH=${WFAUTH_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
db=wfauth_bench_login
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -qX -d $db -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
ALTER DATABASE $db SET wfauth.max_failed_logins = 100;
SELECT wfauth.create_user('known@example.com', 'the benchmark passphrase');
CREATE FUNCTION refused(who text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
    PERFORM wfauth.login(who, 'a wrong passphrase');
    RETURN 'ok';
EXCEPTION WHEN invalid_password THEN
    RETURN '28P01';
END \$\$;
SQL
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "SELECT refused('known@example.com');" >"$dir/known.sql"
echo "SELECT refused('unknown@example.com');" >"$dir/unknown.sql"
: >"$dir/results"
for round in 1 2 3 4 5; do
    for v in known unknown; do
        psql -qX -d $db -c "UPDATE wfauth.passwords SET failed_attempts = 0" >/dev/null
        lat=$($PGBENCH -n -c 2 -j 2 -t 40 -f "$dir/$v.sql" $db 2>/dev/null |
              sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p')
        echo "$v $lat" >>"$dir/results"
    done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
known=$(awk '$1=="known"{print $2}' "$dir/results" | median)
unknown=$(awk '$1=="unknown"{print $2}' "$dir/results" | median)
echo
echo "== a refused login: existing account vs unknown one (pgbench, 2 clients, median of 5 rounds of 2 x 40)"
printf '   %-28s %8.1f ms\n' "existing, wrong password" "$known"
printf '   %-28s %8.1f ms\n' "unknown account" "$unknown"
printf '   %-28s %8.1f ms (%.2f x)\n' "difference" "$(echo "$known - $unknown" | bc -l)" "$(echo "$known / $unknown" | bc -l)"
psql -qX -c "DROP DATABASE $db" >/dev/null
