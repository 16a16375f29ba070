#!/usr/bin/env bash
# What watching another role's code costs (run by `make bench`): a request
# role writes to a table with a BEFORE INSERT trigger, once where the table
# and its trigger function are the request role's own and once where they
# are another role's (the usual layout: tables owned by the role that runs
# the migrations).  The second runs the trigger as another role's function
# (a security-restricted operation, its settings rolled back, the session's
# cursors parked) inside a statement of another role.  pgbench, 1 client,
# interleaved, median of 5 rounds of 3 s; one row per statement, then 100.
set -euo pipefail
cd "$(dirname "$0")"
PGBENCH=${WFAUTH_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
db=wfauth_bench_others
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
DROP DATABASE IF EXISTS $db;
CREATE DATABASE $db;
DROP ROLE IF EXISTS wfauth_bench_app;
DROP ROLE IF EXISTS wfauth_bench_owner;
CREATE ROLE wfauth_bench_app LOGIN;
CREATE ROLE wfauth_bench_owner;
SQL
psql -qX -d $db -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
GRANT CREATE ON SCHEMA public TO wfauth_bench_app, wfauth_bench_owner;
SET ROLE wfauth_bench_app;
CREATE TABLE own_rows (id int, note text);
CREATE FUNCTION own_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'noted'; RETURN NEW; END $$;
CREATE TRIGGER note BEFORE INSERT ON own_rows FOR EACH ROW EXECUTE FUNCTION own_note();
SET ROLE wfauth_bench_owner;
CREATE TABLE others_rows (id int, note text);
CREATE FUNCTION others_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'noted'; RETURN NEW; END $$;
CREATE TRIGGER note BEFORE INSERT ON others_rows FOR EACH ROW EXECUTE FUNCTION others_note();
GRANT INSERT, TRUNCATE ON others_rows TO wfauth_bench_app;
SQL
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for t in own_rows others_rows; do
    printf 'INSERT INTO %s VALUES (1);\n' $t >"$dir/$t-1.sql"
    printf 'INSERT INTO %s SELECT g FROM generate_series(1, 100) g;\n' $t >"$dir/$t-100.sql"
done
# run SCRIPT: microseconds per transaction
run() { $PGBENCH -n -U wfauth_bench_app -c 1 -T 3 -f "$dir/$1.sql" $db 2>/dev/null |
        sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' | awk '{ printf "%d\n", $1 * 1000 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "== another role's code: INSERT with a BEFORE trigger, own table vs another role's (pgbench, 1 client, median of 5 x 3 s)"
for rows in 1 100; do
    run own_rows-$rows >/dev/null; run others_rows-$rows >/dev/null      # warm-up
    for round in 1 2 3 4 5; do
        run own_rows-$rows >>"$dir/own-$rows"
        run others_rows-$rows >>"$dir/others-$rows"
        psql -qX -d $db -c 'TRUNCATE own_rows, others_rows' >/dev/null
    done
    own=$(median <"$dir/own-$rows")
    others=$(median <"$dir/others-$rows")
    echo "$rows row(s) per INSERT: own table $own us, another role's $others us per transaction, ratio $(echo "scale=2; $others / $own" | bc)"
done
psql -qX -c "DROP DATABASE $db" -c 'DROP ROLE wfauth_bench_app' -c 'DROP ROLE wfauth_bench_owner' >/dev/null
