#!/usr/bin/env bash
# Concurrency under load: pgbench clients authenticate with API tokens and
# read a protected table through RLS, while an admin client adds and removes
# group members.  No client sees an error, and the final memberships are
# exactly the sum of the committed changes.  Bounded (a few seconds), on the
# harness's cluster through its private socket.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
db=wfauth_load
L() { q $db "$1"; }
users=40 groups=5 seconds=${WFAUTH_LOAD_SECONDS:-6}

psql -qX -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
psql -qX -c "CREATE DATABASE $db" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d $db >$WORK/setup.log 2>&1 <<SQL || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wfauth_load_app') THEN
        CREATE ROLE wfauth_load_app LOGIN;
    END IF;
END \$\$;
GRANT USAGE ON SCHEMA wfauth TO wfauth_load_app;
CREATE SCHEMA app AUTHORIZATION wfauth_load_app;
SELECT wfauth.create_user('u' || i || '@example.com', permissions => '{api_tokens}') FROM generate_series(1, $users) i;
SELECT wfauth.create_group('G' || g) FROM generate_series(1, $groups) g;
CREATE TABLE app.tokens (u int PRIMARY KEY, token text NOT NULL);
INSERT INTO app.tokens SELECT i, wfauth.generate_token('u' || i || '@example.com', 'bench') FROM generate_series(1, $users) i;
GRANT SELECT ON app.tokens TO wfauth_load_app;
-- the admin client's committed changes, in commit order (one admin client)
CREATE TABLE changes (id bigserial PRIMARY KEY, u int NOT NULL, g int NOT NULL, added boolean NOT NULL);
SET ROLE wfauth_load_app;
CREATE TABLE app.boards (id int PRIMARY KEY);
SELECT wfauth.protect('app.boards', 'dashboard');
RESET ROLE;
INSERT INTO app.boards SELECT g FROM generate_series(1, 5000) g;
UPDATE app.boards SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:G' || (id % $groups + 1), 'view'), 'everyone');
SQL

cat >$WORK/read.sql <<SQL
\set u random(1, $users)
BEGIN;
SELECT wfauth.authenticate_token(token) FROM app.tokens WHERE u = :u;
-- Each group sees 1000 whole boards: a statement sees whole groups, never
-- a mix of two membership states, or the client fails.  (Which state a
-- statement running as the change commits sees is not fixed: the check uses
-- the latest committed memberships when the context was loaded, as the
-- server's own privilege checks do; the next transaction always sees it.)
SELECT 1 / (count(*) % 1000 = 0)::int FROM app.boards;
COMMIT;
SQL
cat >$WORK/admin.sql <<SQL
\set u random(1, $users)
\set g random(1, $groups)
\set add random(0, 1)
BEGIN;
SELECT CASE WHEN :add = 1 THEN wfauth.add_members('G:g', '{u:u@example.com}')
            ELSE wfauth.remove_members('G:g', '{u:u@example.com}') END;
INSERT INTO changes (u, g, added) VALUES (:u, :g, :add = 1);
COMMIT;
SQL
$BIN/pgbench -n -c 16 -j 2 -T $seconds -f $WORK/read.sql -U wfauth_load_app $db >$WORK/read.log 2>&1 &
reader=$!
$BIN/pgbench -n -c 1 -T $seconds -f $WORK/admin.sql $db >$WORK/admin.log 2>&1
admin_rc=$?
wait $reader
read_rc=$?

grep -m3 'ERROR\|aborted' $WORK/read.log | sed 's/^/# /'
check "the reading clients finish without an error, each read seeing whole groups" "0 0" "$read_rc $(grep -c 'aborted\|ERROR' $WORK/read.log)"
check "the admin client finishes without an error" "0 0" "$admin_rc $(grep -c 'aborted\|ERROR' $WORK/admin.log)"
reads=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' $WORK/read.log)
changes=$(L "SELECT count(*) FROM changes")
check "there was real load: reads and membership changes interleaved" "t" \
      "$([ "${reads:-0}" -ge 100 ] && [ "$changes" -ge 20 ] && echo t)"
echo "# $reads authenticated RLS reads, $changes membership changes in ${seconds}s"
check "the memberships are the sum of the committed changes" "" \
      "$(L "WITH final AS (SELECT DISTINCT ON (u, g) u, g, added FROM changes ORDER BY u, g, id DESC),
                 expected AS (SELECT 'G' || g AS grp, 'u' || u || '@example.com' AS member FROM final WHERE added),
                 actual AS (SELECT g.name AS grp, p.name AS member FROM wfauth.group_members m
                              JOIN wfauth.principals g ON g.id = m.group_id JOIN wfauth.principals p ON p.id = m.member_id)
            SELECT string_agg(grp || '/' || member, ',') FROM
                   ((SELECT * FROM expected EXCEPT SELECT * FROM actual)
                    UNION ALL (SELECT * FROM actual EXCEPT SELECT * FROM expected)) d")"
check "what each user sees afterwards follows the final memberships" "" \
      "$(L "SELECT string_agg(t.u::text, ',') FROM app.tokens t
             WHERE (SELECT count(*) FROM app.boards b WHERE wfauth.can_access(wfauth.account_id('u' || t.u || '@example.com'), b.acl, 'view'))
                <> (SELECT count(*) FROM app.boards b WHERE EXISTS (
                        SELECT 1 FROM wfauth.group_members m JOIN wfauth.principals g ON g.id = m.group_id
                         WHERE m.member_id = wfauth.account_id('u' || t.u || '@example.com')
                           AND g.name = 'G' || (b.id % $groups + 1)))")"
psql -qX -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done_testing
