#!/usr/bin/env bash
# Crash safety: the postmaster is killed (pg_ctl stop -m immediate) in the
# middle of a write load.  After crash recovery every change whose COMMIT was
# acknowledged is there (accounts, grants, memberships, revokes, tokens, ACL
# entries), and nothing of a transaction that never committed is.
# Prints TAP; runs a cluster of its own, with fsync on.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
dir=$WORK/crash port=$((PGPORT + 3))
C() { q wfauth "$1" $port $dir; }

new_cluster $dir $port
start $dir
psql -qX -h $dir -p $port -d postgres -c 'CREATE DATABASE wfauth' >/dev/null
psql -qX -v ON_ERROR_STOP=1 -h $dir -p $port -d wfauth >$WORK/setup.log 2>&1 <<'SQL' || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
SELECT wfauth.create_group('Crew');
SELECT wfauth.create_group('Others');
CREATE TABLE boards (id int PRIMARY KEY);
SELECT wfauth.protect('boards', 'dashboard');
INSERT INTO boards SELECT g FROM generate_series(1, 5000) g;
UPDATE boards SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:Others', 'view'), 'everyone');
-- what the load committed, written in the same transactions as the changes
CREATE TABLE ledger (n int PRIMARY KEY, token text NOT NULL, dropped text NOT NULL);
CREATE FUNCTION authenticates(token text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wfauth.authenticate_token(token);
    RETURN true;
EXCEPTION WHEN invalid_authorization_specification THEN
    RETURN false;
END
$$;
SQL

# Transaction N creates account uN with two permissions and two tokens, puts
# it in Crew and gives it an entry on board N; and it takes u(N-1) out of
# Crew, revokes one of its permissions and one of its tokens.
awk 'BEGIN { for (i = 1; i <= 5000; i++) {
    u = "u" i "@example.com"; prev = "u" i - 1 "@example.com"
    print "BEGIN;"
    print "SELECT wfauth.create_user(\047" u "\047, permissions => \047{dashboards, alerts}\047);"
    print "SELECT wfauth.add_members(\047Crew\047, \047{" u "}\047);"
    if (i > 1) {
        print "SELECT wfauth.remove_members(\047Crew\047, \047{" prev "}\047);"
        print "SELECT wfauth.revoke_permission(\047alerts\047, \047{" prev "}\047);"
        print "SELECT wfauth.revoke_token(\047" prev "\047, \047drop\047);"
    }
    print "INSERT INTO ledger SELECT " i ", wfauth.generate_token(\047" u "\047, \047keep\047),"
    print "                           wfauth.generate_token(\047" u "\047, \047drop\047);"
    print "UPDATE boards SET acl = wfauth.acl_grant(acl, \047" u "\047, \047modify\047) WHERE id = " i ";"
    print "COMMIT;"
    print "\\echo committed " i
} }' >$WORK/load.sql

# A transaction that stays open until the crash: none of it may survive.
psql -qX -h $dir -p $port -d wfauth >/dev/null 2>&1 <<'SQL' &
BEGIN;
SELECT wfauth.create_user('ghost@example.com', permissions => '{accounts}');
SELECT wfauth.grant_permission('accounts', '{group:Crew}');
UPDATE boards SET acl = wfauth.acl_grant(acl, 'everyone', 'modify') WHERE id > 4000;
SELECT pg_sleep(600);
SQL
ghost=$!
psql -qXAt -v ON_ERROR_STOP=1 -h $dir -p $port -d wfauth -f $WORK/load.sql >$WORK/acked.log 2>&1 &
load=$!
for i in $(seq 1 600); do
    [ "$(grep -c committed $WORK/acked.log)" -ge 100 ] && break
    sleep 0.1
done
pg_ctl_as -D $dir/data -m immediate stop >/dev/null
wait $load $ghost
last=$(grep committed $WORK/acked.log | tail -1 | awk '{print $2}')
check "the load was cut off in the middle" "t" "$([ "${last:-0}" -ge 50 ] && [ "$last" -lt 5000 ] && echo t)"
start $dir

# The transaction after the last acknowledged one may or may not have
# committed; everything before it must be there, nothing after it.
upto=$((last + 1))
check "every acknowledged transaction's ledger row is there, none later" "$last" \
      "$(C "SELECT count(*) FILTER (WHERE n <= $last) + 10000 * count(*) FILTER (WHERE n > $upto) FROM ledger")"
check "every acknowledged account exists with its permission" "$last" \
      "$(C "SELECT count(*) FROM generate_series(1, $last) i
             WHERE wfauth.has_permission(wfauth.account_id('u' || i || '@example.com'), 'dashboards')")"
check "every committed token authenticates its account" "$(C 'SELECT count(*) FROM ledger')" \
      "$(C "SELECT count(*) FROM ledger
             WHERE wfauth.authenticate_token(token) = wfauth.account_id('u' || n || '@example.com')")"
check "every committed token revoke holds: one 'drop' token still works, the newest" "t" \
      "$(C "SELECT array_agg(n) <@ ARRAY[$last, $upto] AND count(*) = 1 FROM ledger WHERE authenticates(dropped)")"
check "every committed permission revoke holds: one account still has alerts, the newest" "t" \
      "$(C "SELECT array_agg(substring(name FROM '^u([0-9]+)@')::int) <@ ARRAY[$last, $upto] AND count(*) = 1
              FROM wfauth.principals WHERE name LIKE 'u%@example.com' AND wfauth.has_permission(id, 'alerts')")"
check "memberships: just the last committed add is left, every committed remove holds" "t" \
      "$(C "SELECT array_agg(p.name) <@ ARRAY['u$last@example.com', 'u$upto@example.com'] AND count(*) = 1
              FROM wfauth.group_members m JOIN wfauth.principals g ON g.id = m.group_id
              JOIN wfauth.principals p ON p.id = m.member_id WHERE g.name = 'Crew'")"
check "every committed ACL entry is there" "$(C 'SELECT count(*) FROM ledger')" \
      "$(C "SELECT count(*) FROM boards b JOIN ledger l ON l.n = b.id
             WHERE wfauth.can_access(wfauth.account_id('u' || l.n || '@example.com'), b.acl, 'modify')")"
check "no ACL entry of a transaction that did not commit" "0" \
      "$(C "SELECT count(*) FROM boards WHERE id > $upto AND (SELECT count(*) FROM wfauth.acl_entries(acl)) <> 1")"
check "nothing of the transaction that never committed" "0 0" \
      "$(C "SELECT (SELECT count(*) FROM wfauth.principals WHERE name = 'ghost@example.com') || ' ' ||
                   (SELECT count(*) FROM wfauth.permission_grants WHERE permission = 'accounts')")"

# A failed login is counted before its answer, durably: a database owner's
# synchronous_commit = off must not make the counting worker's commit
# asynchronous (then a crash right after the answers loses the counts).  The
# WAL writer is slowed down so that an asynchronous commit surely is lost.
C "SELECT wfauth.create_user('lee@example.com', 'lee''s long passphrase')" >/dev/null
C "ALTER SYSTEM SET wal_writer_delay = '10s'" >/dev/null
C "SELECT pg_reload_conf()" >/dev/null
C "ALTER DATABASE wfauth SET synchronous_commit = off" >/dev/null
check "three wrong passwords are refused" "28P01 28P01 28P01" \
      "$(for i in 1 2 3; do
             psql -qXAt -v VERBOSITY=sqlstate -h $dir -p $port -d wfauth \
                  -c "SELECT wfauth.login('lee@example.com', 'guess $i')" 2>&1 | sed 's/^ERROR: *//'
         done | xargs)"
pg_ctl_as -D $dir/data -m immediate stop >/dev/null
start $dir
check "after a crash right after their answers, all three are counted" "3" \
      "$(C "SELECT failed_attempts FROM wfauth.passwords WHERE account_id = wfauth.account_id('lee@example.com')")"
done_testing
