#!/usr/bin/env bash
# The access check through Citus: a router query (one shard) and a fan-out
# query (every shard), each on a protected table and on the same rows
# unprotected, measured side by side in one run, rounds interleaved.
# Prints the medians and the ratios; not a test.
set -uo pipefail
. "$(dirname "$0")/../../tap/lib.bash"
. "$(dirname "$0")/../lib.bash"
db=wfauth_citus
ROWS=${WFAUTH_BENCH_ROWS:-100000}
ROUNDS=${WFAUTH_BENCH_ROUNDS:-9}
start_citus_cluster $db
sql() { psql -qXAt -v ON_ERROR_STOP=1 -h $COORD -p $PORT0 -d $db "$@"; }
sql >$WORK/setup.log 2>&1 <<SQL || { cat $WORK/setup.log; exit 1; }
SET client_min_messages = warning;
SELECT wfauth.distribute_model();
CREATE ROLE wfauth_citus_app LOGIN;
GRANT USAGE ON SCHEMA wfauth TO wfauth_citus_app;
SELECT wfauth.create_user('dana@example.com', permissions => '{dashboards}');
SELECT wfauth.create_group('ops');
SELECT wfauth.add_members('ops', '{dana@example.com}');
SELECT wfauth.create_group('others');
SELECT count(wfauth.create_user('u' || g || '@example.com')) FROM generate_series(1, 9) g;
CREATE TABLE boards (customer int, id int, title text);
SELECT create_distributed_table('boards', 'customer');
SELECT wfauth.protect('boards', 'dashboard');
CREATE TABLE boards_plain (customer int, id int, title text, acl wfauth.acl);
SELECT create_distributed_table('boards_plain', 'customer', colocate_with => 'boards');
GRANT SELECT ON boards, boards_plain TO wfauth_citus_app;
SQL
# ten entries a row: nine accounts, and Dana's group on every other row (another group on the rest)
list() { sql -c "SELECT 'dashboard/0:{' || string_agg(id || '=view', ',' ORDER BY id) || '}'
                   FROM (SELECT id FROM wfauth.principals WHERE name LIKE 'u%@example.com'
                         UNION ALL SELECT id FROM wfauth.principals WHERE name = '$1') s"; }
with=$(list ops)
without=$(list others)
# a DBA writes the rows (past row security) and then the lists, as any DBA could
sql >>$WORK/setup.log 2>&1 <<SQL || { cat $WORK/setup.log; exit 1; }
SET client_min_messages = warning;
INSERT INTO boards SELECT g % 1000, g, 'board ' || g FROM generate_series(1, $ROWS) g;
UPDATE boards SET acl = (CASE WHEN id % 2 = 0 THEN '$with' ELSE '$without' END)::wfauth.acl;
INSERT INTO boards_plain SELECT customer, id, title, acl FROM boards;
VACUUM ANALYZE boards;
VACUUM ANALYZE boards_plain;
SQL
token=$(sql -c "SELECT wfauth.generate_token('dana@example.com', 'bench')")
# one round: each query N times in one transaction of Dana's; milliseconds a query
cat >$WORK/round.sql <<SQL
BEGIN;
SELECT wfauth.authenticate_token('$token') IS NULL;
CREATE TEMP TABLE IF NOT EXISTS timing (query text, ms float8);
DO \$\$
DECLARE
    q record;
    t0 timestamptz;
    i int;
    n int;
BEGIN
    FOR q IN SELECT * FROM (VALUES
        ('router protected', 'SELECT count(*) FROM boards WHERE customer = 8', 40),
        ('router plain', 'SELECT count(*) FROM boards_plain WHERE customer = 8', 40),
        ('fan-out protected', 'SELECT count(*) FROM boards WHERE title LIKE ''board 1%''', 5),
        ('fan-out plain', 'SELECT count(*) FROM boards_plain WHERE title LIKE ''board 1%''', 5)) v(name, sql, times)
    LOOP
        -- once untimed: the first query of a session opens its connections
        -- to the workers, and each worker backend fills its caches
        EXECUTE q.sql INTO n;
        t0 := clock_timestamp();
        FOR i IN 1 .. q.times LOOP
            EXECUTE q.sql INTO n;
        END LOOP;
        INSERT INTO timing VALUES (q.name, extract(epoch FROM clock_timestamp() - t0) * 1000 / q.times);
    END LOOP;
END
\$\$;
COPY timing TO STDOUT;
COMMIT;
SQL
echo "Citus, $ROWS rows over $(sql -c "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'boards'::regclass") workers, $ROUNDS rounds; medians, ms a query"
echo "rows Dana sees: protected $(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" \
      -c "SELECT wfauth.authenticate_token('$token') IS NULL" -c "SELECT count(*) FROM boards" -c "COMMIT" | tail -1) of $ROWS"
: >$WORK/times
for r in $(seq 1 $ROUNDS); do
    psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -f $WORK/round.sql | grep $'\t' >>$WORK/times
done
python3 - "$WORK/times" <<'PY'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    name, ms = line.rstrip('\n').split('\t')
    t.setdefault(name, []).append(float(ms))
for kind in ('router', 'fan-out'):
    p, u = statistics.median(t[kind + ' protected']), statistics.median(t[kind + ' plain'])
    print(f"{kind:8} protected {p:8.3f}  unprotected {u:8.3f}  ratio {p / u:.2f}")
PY
