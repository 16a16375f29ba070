#!/usr/bin/env bash
# wfauth behind a transaction-pooling pgbouncer (Debian's 1.18), a pool far
# smaller than its clients: 50 clients, each with its own token and its own
# private dashboards, run thousands of requests (README "Using wfauth from an
# application"), mixed with requests that forget to authenticate, roll back,
# or fail half-way.  Not one row of another account is ever seen, nor any row
# unauthenticated.  Then the unsafe pattern the README warns against (token
# in the SQL text, named prepared statements) under the same pooler, which
# runs requests as another client's account.  Prints TAP and the counts.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
db=wfauth_pooler
clients=50 transactions=${WFAUTH_POOLER_TRANSACTIONS:-100}
PGBOUNCER=/usr/sbin/pgbouncer
[ -x $PGBOUNCER ] || bail "pgbouncer is not installed"

psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
psql -qX -v ON_ERROR_STOP=1 -d $db >$WORK/setup.log 2>&1 <<SQL || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_pool_app') THEN CREATE ROLE wfauth_pool_app LOGIN; END IF;
END \$\$;
GRANT USAGE ON SCHEMA wfauth TO wfauth_pool_app;
CREATE SCHEMA app AUTHORIZATION wfauth_pool_app;
SET ROLE wfauth_pool_app;
CREATE TABLE app.dashboards (id serial PRIMARY KEY, owner bigint NOT NULL DEFAULT wfauth.current_principal());
SELECT wfauth.protect('app.dashboards', 'dashboard');
RESET ROLE;
SELECT wfauth.set_new_object_access('creator');
CREATE TABLE accounts (id bigint, token text);
DO \$\$
DECLARE
    v bigint;
BEGIN
    FOR i IN 1..$clients LOOP
        v := wfauth.create_user('client' || i || '@example.com', permissions => '{dashboards}');
        INSERT INTO accounts VALUES (v, wfauth.generate_token('client' || i || '@example.com', 'app'));
        PERFORM wfauth.set_principal('client' || i || '@example.com');
        INSERT INTO app.dashboards (owner) SELECT v FROM generate_series(1, 3);
        PERFORM wfauth.reset_principal();
    END LOOP;
END
\$\$;
SQL
q $db "SELECT id || ' ' || token FROM accounts ORDER BY id" >$WORK/accounts.txt

# pgbouncer on a socket of its own, as the server's user; pool of 4
start_pgbouncer $db wfauth_pool_app $((PGPORT + 10)) 4
dsn="host=$PGB port=$((PGPORT + 10)) dbname=$db user=wfauth_pool_app"

count() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
safe=$(/usr/bin/python3 $top/test/pooler/clients.py safe "$dsn" $WORK/accounts.txt $clients $transactions 2>$WORK/safe.err)
echo "# safe pattern: $safe"
check "safe pattern: every request ran ($clients clients x $transactions)" "$((clients * transactions))" "$(count "$safe" transactions)"
check "safe pattern: no row of another account was ever seen" "0" "$(count "$safe" foreign_rows)"
check "safe pattern: no request ran as another client's account" "0" "$(count "$safe" swaps)"
check "safe pattern: no row was seen unauthenticated" "0" "$(count "$safe" rows_seen_unauthenticated)"
check "safe pattern: no unexpected error" "0" "$(count "$safe" errors)"
check "safe pattern: each authenticated read saw its own 3 rows" "$(( $(count "$safe" authenticated_reads) * 3 ))" "$(count "$safe" rows_seen)"
check "safe pattern: forgotten, rolled back and failed requests were all in the mix" "t" \
      "$([ "$(count "$safe" unauthenticated_requests)" -gt 0 ] && [ "$(count "$safe" rolled_back)" -gt 0 ] \
         && [ "$(count "$safe" failed_halfway)" -gt 0 ] && echo t)"
check "the pool stayed far smaller than the clients" "t" \
      "$([ "$(q $db "SELECT count(*) FROM pg_stat_activity WHERE usename = 'wfauth_pool_app'")" -le 4 ] && echo t)"

unsafe=$(/usr/bin/python3 $top/test/pooler/clients.py unsafe "$dsn" $WORK/accounts.txt 12 $transactions 2>$WORK/unsafe.err)
echo "# unsafe pattern (token in the SQL text, named prepared statements): $unsafe"
check "unsafe pattern: requests ran as another client's account, as the README warns" "t" \
      "$([ "$(count "$unsafe" swaps)" -gt 0 ] && echo t)"
psql -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
done_testing
