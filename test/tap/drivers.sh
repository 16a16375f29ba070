#!/usr/bin/env bash
# Drivers: the example of docs/app-integration.md, extracted
# from it and run unchanged through psycopg 3 (test/drivers/check.py),
# then the server log searched for every secret the run used.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
db=wfauth_drivers
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
password="dana's passphrase $RANDOM$RANDOM"
psql -qX -v ON_ERROR_STOP=1 -v password="$password" -d $db >$WORK/setup.log 2>&1 <<'SQL' || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_drivers_app') THEN CREATE ROLE wfauth_drivers_app LOGIN; END IF;
END $$;
GRANT USAGE ON SCHEMA wfauth TO wfauth_drivers_app;
ALTER ROLE wfauth_drivers_app IN DATABASE wfauth_drivers SET wfauth.require_principal = on;
CREATE SCHEMA app AUTHORIZATION wfauth_drivers_app;
SET ROLE wfauth_drivers_app;
CREATE TABLE app.dashboards (id serial PRIMARY KEY, title text);
SELECT wfauth.protect('app.dashboards', 'dashboard');
RESET ROLE;
SELECT wfauth.create_user('dana@example.com', :'password');
SELECT wfauth.create_group('Engineering');
INSERT INTO app.dashboards (title) VALUES ('X');
UPDATE app.dashboards SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:Engineering', 'view'), 'everyone');
CREATE TABLE token AS SELECT wfauth.generate_token('dana@example.com', 'app') AS value;
SQL
token=$(q $db "SELECT value FROM token")
q $db "DROP TABLE token" >/dev/null

sed -n '/<!-- wfauth_app.py begins -->/,/<!-- wfauth_app.py ends -->/p' "$top/docs/app-integration.md" |
    sed '1,2d;$d' | sed '$d' >$WORK/wfauth_app.py
check "docs/app-integration.md holds the example application module" "t" \
      "$(grep -q 'def request(conn, secret, sql' $WORK/wfauth_app.py && echo t)"
log=${WFAUTH_SERVER_LOG:-$PGHOST/server.log}
before=$(wc -c <"$log" 2>/dev/null || echo 0)
PYTHONPATH=$WORK /usr/bin/python3 $top/test/drivers/check.py \
    "host=$PGHOST port=$PGPORT dbname=$db user=wfauth_drivers_app" \
    "host=$PGHOST port=$PGPORT dbname=$db user=$PGUSER" "$token" "$password" >$WORK/check.out 2>&1
while read -r line; do
    case "$line" in
        "ok "*) check "${line#ok [0-9]* - }" t t ;;
        "not ok "*) check "${line#not ok [0-9]* - }" t f ;;
        "#"*) echo "$line" ;;
    esac
done <$WORK/check.out
grep -qE '^1\.\.' $WORK/check.out || { sed 's/^/#   /' $WORK/check.out; check "the example ran to its end" t f; }
if [ -r "$log" ]; then
    tail -c +$((before + 1)) "$log" >$WORK/run.log
    check "the server log has errors of this run (it is the right log)" "t" "$(grep -q 'ERROR' $WORK/run.log && echo t)"
    check "no token, session token or password reaches the server log at default logging" "0" \
          "$(grep -cF -e "$token" -e "$password" -e "${token:0:20}" $WORK/run.log)"
fi
psql -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
done_testing
