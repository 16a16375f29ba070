#!/usr/bin/env bash
# Node.js: the example of docs/app-integration.md, extracted and run
# unchanged with pg from npm (test/drivers/check.js), against the server and
# behind pgbouncer in transaction mode.  Skipped, with a line
# that says so, where node or the npm registry is not there.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
db=wfauth_node
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "ok 1 # SKIP node or npm is not installed"; echo "1..1"; exit 0
fi
if ! (cd $WORK && timeout 300 npm install --no-audit --no-fund --silent pg@8 >npm.log 2>&1); then
    echo "ok 1 # SKIP npm install pg failed (the npm registry unreachable?)"; echo "1..1"; exit 0
fi
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
password="dana's passphrase $RANDOM$RANDOM"
dana_app $db wfauth_node_app
token=$api_token
dana=$(q $db "SELECT wfauth.account_id('dana@example.com')")
sed -n '/<!-- wfauth_app.js begins -->/,/<!-- wfauth_app.js ends -->/p' "$top/docs/app-integration.md" |
    sed '1,2d;$d' | sed '$d' >$WORK/wfauth_app.js
cp "$top/test/drivers/check.js" $WORK/
check "docs/app-integration.md holds the Node.js module" "t" \
      "$(grep -q 'function request(pool, secret, sql' $WORK/wfauth_app.js && echo t)"
# run_checks LABEL HOST PORT: check.js against a server (or a pooler)
run_checks() {
    (cd $WORK && PGHOST=$2 PGPORT=$3 PGDATABASE=$db PGUSER=wfauth_node_app TOKEN="$token" \
        PASSWORD="$password" DANA="$dana" node check.js) >$WORK/check.out 2>&1
    while read -r line; do
        case "$line" in
            "ok "*) check "$1${line#ok [0-9]* - }" t t ;;
            "not ok "*) check "$1${line#not ok [0-9]* - }" t f ;;
        esac
    done <$WORK/check.out
    grep -qE '^1\.\.' $WORK/check.out || { sed 's/^/#   /' $WORK/check.out; check "$1the example ran to its end" t f; }
}
run_checks "" "$PGHOST" "$PGPORT"
# the same behind pgbouncer in transaction mode, two server connections
if [ -x /usr/sbin/pgbouncer ]; then
    start_pgbouncer $db wfauth_node_app $((PGPORT + 11)) 2
    q $db "DELETE FROM app.dashboards WHERE title = 'written'" >/dev/null
    run_checks "through pgbouncer: " "$PGB" "$((PGPORT + 11))"
fi
psql -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS wfauth_node_app" >/dev/null 2>&1
done_testing
