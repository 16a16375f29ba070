#!/usr/bin/env bash
# Hot standby: a streaming replica made with pg_basebackup answers
# authenticate_token, authenticate_session, can_access and RLS reads without
# writing, and a revoke (token, membership, ACL entry) committed on the
# primary reaches it.  Prints TAP; runs two clusters of its own.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
base=$WORK
primary=$base/primary replica=$base/replica
pport=$((PGPORT + 1)) rport=$((PGPORT + 2))
P() { q wfauth "$1" $pport $primary; }
R() { q wfauth "$1" $rport $replica; }

new_cluster $primary $pport
start $primary
psql -qX -v ON_ERROR_STOP=1 -h $primary -p $pport -d postgres -c 'CREATE DATABASE wfauth' >/dev/null
psql -qX -v ON_ERROR_STOP=1 -h $primary -p $pport -d wfauth >/dev/null 2>$base/setup.log <<'SQL' 
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
CREATE ROLE standby_app;
GRANT USAGE ON SCHEMA wfauth TO standby_app;
CREATE SCHEMA app AUTHORIZATION standby_app;
SELECT wfauth.create_user('dana@example.com', 'dana''s long passphrase', permissions => '{api_tokens}');
SELECT wfauth.create_group('Ops');
SELECT wfauth.create_group('Others');
SELECT wfauth.add_members('Ops', '{dana@example.com}');
SET ROLE standby_app;
CREATE TABLE app.boards (id int PRIMARY KEY, title text);
SELECT wfauth.protect('app.boards', 'dashboard');
RESET ROLE;
INSERT INTO app.boards SELECT g, 'board ' || g FROM generate_series(1, 1000) g;
UPDATE app.boards SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:Ops', 'view'), 'everyone')
 WHERE id % 10 = 0;
UPDATE app.boards SET acl = wfauth.acl_revoke(wfauth.acl_grant(acl, 'group:Others', 'view'), 'everyone')
 WHERE id % 10 <> 0;
CREATE TABLE public.secrets (name text PRIMARY KEY, value text);
INSERT INTO public.secrets SELECT 'token', wfauth.generate_token('dana@example.com', 'laptop');
INSERT INTO public.secrets SELECT 'session', wfauth.login('dana@example.com', 'dana''s long passphrase');
-- a tenant's account: authenticating takes a share lock on its tenant
SELECT wfauth.create_tenant('acme');
BEGIN;
SELECT wfauth.set_tenant('acme');
SELECT wfauth.create_service_account('bot', permissions => '{dashboards}');
INSERT INTO public.secrets SELECT 'acme', wfauth.generate_token('sa::bot', 'ci');
INSERT INTO app.boards VALUES (1001, 'acme''s board');
COMMIT;
SQL
[ $? -eq 0 ] || bail "set up the primary"
token=$(P "SELECT value FROM public.secrets WHERE name = 'token'")
session=$(P "SELECT value FROM public.secrets WHERE name = 'session'")
dana=$(P "SELECT wfauth.account_id('dana@example.com')")

own_dir $replica
"${RUN_AS[@]}" $BIN/pg_basebackup -h $primary -p $pport -U wfauth_dba -D $replica/data -R -X stream -c fast \
    >$base/basebackup.log 2>&1 || bail "pg_basebackup copies the primary" $base/basebackup.log
set_port $replica $rport
echo "hot_standby = on" >>$replica/data/postgresql.conf
CLUSTERS+=("$replica")
start $replica
check "the replica is in recovery" "t" "$(R 'SELECT pg_is_in_recovery()')"

# wait_replay: until the replica has replayed everything the primary wrote
wait_replay() {
    local lsn i
    lsn=$(P 'SELECT pg_current_wal_lsn()')
    for i in $(seq 1 300); do
        [ "$(R "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null)" = t ] && return 0
        sleep 0.1
    done
    bail "the replica catches up"
}
wait_replay

# As the application would: one transaction, authenticate, read through RLS.
read_as() {     # read_as token|session SECRET: the rows the holder sees on the replica
    local fn=authenticate_token
    [ "$1" = session ] && fn=authenticate_session
    psql -qXAt -h $replica -p $rport -d wfauth 2>&1 <<SQL
BEGIN;
SET LOCAL ROLE standby_app;
SELECT wfauth.$fn('$2') IS NOT NULL AS authenticated \gset
SELECT count(*) FROM app.boards;
COMMIT;
SQL
}
# (the token was never used, so on a primary this would record its last use)
check "authenticate_token works on the replica, and RLS shows the group's rows" "100" "$(read_as token "$token")"
check "authenticate_session works on the replica" "100" "$(read_as session "$session")"
acme=$(P "SELECT value FROM public.secrets WHERE name = 'acme'")
check "a token of another tenant authenticates on the replica, into its tenant's rows" "1" "$(read_as token "$acme")"
check "can_access answers on the replica" "100 0" \
      "$(R "SELECT count(*) FILTER (WHERE wfauth.can_access($dana, acl, 'view')) || ' ' ||
                  count(*) FILTER (WHERE wfauth.can_access($dana, acl, 'modify')) FROM app.boards")"

# Revokes on the primary reach the replica, and a session there sees them
# in its next transaction (the cached context is invalidated by replay).
psql -qXAt -h $replica -p $rport -d wfauth >$base/long.out 2>&1 <<SQL &
SELECT count(*) FILTER (WHERE wfauth.can_access($dana, acl, 'view')) FROM app.boards;
DO \$\$ BEGIN   -- until the primary's marker, written after the revokes, is replayed
    FOR i IN 1..600 LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM public.secrets WHERE name = 'replayed');
        PERFORM pg_sleep(0.1);
    END LOOP;
END \$\$;
SELECT count(*) FILTER (WHERE wfauth.can_access($dana, acl, 'view')) FROM app.boards;
SQL
long=$!
sleep 1
P "SELECT wfauth.remove_members('Ops', '{dana@example.com}')" >/dev/null
P "UPDATE app.boards SET acl = wfauth.acl_grant(acl, 'dana@example.com', 'view') WHERE id <= 5" >/dev/null
P "SELECT wfauth.revoke_token('dana@example.com', 'laptop')" >/dev/null
P "INSERT INTO public.secrets VALUES ('replayed', 'yes')" >/dev/null
wait_replay
wait $long
check "a long-lived replica session sees the membership revoke in its next transaction" \
      "$(printf '100\n5')" "$(cat $base/long.out)"
refused=$(read_as token "$token")
check "the revoked token no longer authenticates on the replica" \
      "ERROR:  invalid or expired token" "$(echo "$refused" | grep -o 'ERROR:  invalid or expired token')"
check "the session now sees only the rows granted to dana herself" "5" "$(read_as session "$session")"
check "the replica still refuses writes (wfauth does not try any)" "25006" \
      "$(psql -qXAt -h $replica -p $rport -d wfauth -v VERBOSITY=sqlstate \
           -c "SELECT wfauth.create_group('Nope')" 2>&1 | grep -o '25006')"
# A login on the replica answers every password alike, before looking at
# any (it was 28P01 for a wrong one and 25006 for the right one: an
# oracle that no failure counter throttled), and says where logins go.
login_on_replica() {
    psql -qXAt -h $replica -p $rport -d wfauth -v VERBOSITY=sqlstate \
         -c "SELECT wfauth.login('dana@example.com', '$1')" 2>&1 | grep -oE '[0-9A-Z]{5}$' | head -1
}
check "on the replica the right password gets 25006" "25006" "$(login_on_replica "dana''s long passphrase")"
check "on the replica a wrong password gets 25006 too" "25006" "$(login_on_replica 'a wrong guess')"
check "on the replica an unknown account gets 25006 too" "25006" \
      "$(psql -qXAt -h $replica -p $rport -d wfauth -v VERBOSITY=sqlstate \
           -c "SELECT wfauth.login('nobody@example.com', 'x')" 2>&1 | grep -oE '[0-9A-Z]{5}$' | head -1)"
check "the refusal says where logins go" "HINT:  Send logins to the primary" \
      "$(psql -qXAt -h $replica -p $rport -d wfauth -c "SELECT wfauth.login('dana@example.com', 'x')" 2>&1 | grep -o 'HINT:  Send logins to the primary')"
done_testing
