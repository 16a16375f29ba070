#!/usr/bin/env bash
# A PostgREST-style pre-request function: the block of
# docs/app-integration.md, created by the request role, then requests made
# as PostgREST makes them (the authenticator switches to the request role,
# sets request.headers, calls the function, runs the query).  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
db=wfauth_prerequest
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
psql -qX -v ON_ERROR_STOP=1 -d $db >$WORK/setup.log 2>&1 <<'SQL' || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_pgrst_web') THEN CREATE ROLE wfauth_pgrst_web; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_pgrst_authenticator') THEN
        CREATE ROLE wfauth_pgrst_authenticator LOGIN NOINHERIT;
    END IF;
END $$;
GRANT wfauth_pgrst_web TO wfauth_pgrst_authenticator;
GRANT USAGE ON SCHEMA wfauth TO wfauth_pgrst_web;
CREATE SCHEMA app AUTHORIZATION wfauth_pgrst_web;
SET ROLE wfauth_pgrst_web;
CREATE TABLE app.dashboards (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text);
SELECT wfauth.protect('app.dashboards', 'dashboard');
RESET ROLE;
SELECT wfauth.create_user('dana@example.com');
INSERT INTO app.dashboards (title) VALUES ('X');
UPDATE app.dashboards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'dana@example.com', 'view');
CREATE TABLE token AS SELECT wfauth.generate_token('dana@example.com', 'gateway') AS value;
SQL
token=$(q $db "SELECT value FROM token")
q $db "DROP TABLE token" >/dev/null
sed -n '/<!-- pre_request.sql begins -->/,/<!-- pre_request.sql ends -->/p' "$top/docs/app-integration.md" |
    sed '1,2d;$d' | sed '$d' >$WORK/pre_request.sql
check "docs/app-integration.md holds the pre-request function" "t" \
      "$(grep -q 'CREATE FUNCTION app.pre_request' $WORK/pre_request.sql && echo t)"
{ echo "SET ROLE wfauth_pgrst_web;"; cat $WORK/pre_request.sql; } |
    psql -qX -v ON_ERROR_STOP=1 -d $db >$WORK/create.log 2>&1
check "the request role creates it" "0" "$?"

# request HEADERS: what PostgREST runs for one GET /dashboards
request() {
    psql -qXAt -v ON_ERROR_STOP=1 -U wfauth_pgrst_authenticator -d $db 2>&1 <<SQL
BEGIN;
SET LOCAL ROLE wfauth_pgrst_web;
SELECT set_config('request.headers', '$1', true) IS NULL;
SELECT app.pre_request();
SELECT coalesce(string_agg(title, ','), '(none)') FROM app.dashboards;
COMMIT;
SQL
}
check "with Dana's bearer token the request reads her dashboard" "f

X" "$(request "{\"authorization\": \"Bearer $token\"}")"
check "with no Authorization header nobody acts and nothing is read" "f

(none)" "$(request '{"accept": "application/json"}')"
check "a bad token fails the request with 28000" "t" \
      "$({ request '{"authorization": "Bearer wfat_not_a_token"}' || true; } | grep -q 'invalid or expired token' && echo t)"
psql -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
     -c "DROP ROLE IF EXISTS wfauth_pgrst_authenticator" -c "DROP ROLE IF EXISTS wfauth_pgrst_web" >/dev/null 2>&1
done_testing
