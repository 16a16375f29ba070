#!/usr/bin/env bash
# Credentials against a hostile client (DESIGN §8), with two connections:
#  - a client that keeps an old snapshot (REPEATABLE READ, exported and
#    imported) cannot use a token revoked, a session ended or a password
#    changed since; a long transaction cannot use a token that expired;
#  - every attempt is counted before its answer: the count is there when
#    the error reaches the client, a savepoint or a rollback cannot undo it,
#    and when it cannot be counted -- the worker stopped, or every background
#    worker slot taken by parallel queries -- even the right password is
#    refused rather than let failures go uncounted.
# Prints TAP; runs on the harness's cluster.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
db=wfauth_credentials
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS wfauth_cred_dbowner" -c "CREATE DATABASE $db" >/dev/null 2>&1
psql -qX -v ON_ERROR_STOP=1 -d $db >$WORK/setup.log 2>&1 <<'SQL' || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
CREATE FUNCTION public.sqlstate(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE sql; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$;
-- lee's failure count, as committed when it is called (no waiting: a login
-- answers only once its attempt is counted)
CREATE FUNCTION public.failures() RETURNS int LANGUAGE sql VOLATILE AS $$
    SELECT failed_attempts FROM wfauth.passwords WHERE account_id = wfauth.account_id('lee@example.com') $$;
CREATE ROLE wfauth_cred_dbowner;
SELECT wfauth.create_user('dana@example.com', 'dana''s old passphrase');
SELECT wfauth.create_user('lee@example.com', 'lee''s long passphrase');
CREATE TABLE secrets (name text PRIMARY KEY, value text);
INSERT INTO secrets VALUES ('token', wfauth.generate_token('dana@example.com', 'laptop')),
                           ('session', wfauth.login('dana@example.com', 'dana''s old passphrase'));
SQL
one_session() { psql -qXAt -d $db "${@/#/-c}" 2>&1 | tr '\n' ' ' | sed 's/ $//'; }
secret() { q $db "SELECT value FROM secrets WHERE name = '$1'"; }
token=$(secret token) session=$(secret session)

# a client holds a REPEATABLE READ transaction open and exports its snapshot
mkfifo $WORK/holder.in
psql -qXAt -d $db <$WORK/holder.in >$WORK/holder.out 2>&1 &
holder=$!
exec 3>$WORK/holder.in
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_export_snapshot();" >&3
for _ in $(seq 1 100); do [ -s $WORK/holder.out ] && break; sleep 0.1; done
snap=$(head -1 $WORK/holder.out)
old() {     # old SQL: run SQL in a new transaction that imports the old snapshot
    q $db "BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '$snap'; SELECT $1"
}
check "under the old snapshot the token, the session and the password work" "ok ok ok" \
      "$(old "sqlstate('SELECT wfauth.authenticate_token(''$token'')') || ' ' ||
              sqlstate('SELECT wfauth.authenticate_session(''$session'')') || ' ' ||
              sqlstate('SELECT wfauth.login(''dana@example.com'', ''dana''''s old passphrase'')')")"

# now they are revoked, ended and changed, and the client tries again
q $db "SELECT wfauth.revoke_token('dana@example.com', 'laptop');
       SELECT wfauth.end_session('$session');
       SELECT wfauth.set_password('dana@example.com', 'dana''s new passphrase')" >/dev/null
check "a revoked token is refused under a snapshot from before the revoke" "28000" \
      "$(old "sqlstate('SELECT wfauth.authenticate_token(''$token'')')")"
check "an ended session is refused under a snapshot from before it ended" "28000" \
      "$(old "sqlstate('SELECT wfauth.authenticate_session(''$session'')')")"
check "a changed password is refused under a snapshot from before the change" "28P01" \
      "$(old "sqlstate('SELECT wfauth.login(''dana@example.com'', ''dana''''s old passphrase'')')")"
check "... and no session was made by it" "0" \
      "$(q $db "SELECT count(*) FROM wfauth.sessions WHERE account_id = wfauth.account_id('dana@example.com') AND ended_at IS NULL")"
echo "ROLLBACK;" >&3
exec 3>&-
wait $holder

# expiry is judged by the statement's clock, not the transaction's start
# (a lifetime with room for two client start-ups on a busy machine; then
# the transaction waits until the token's own expiry, not a guessed time)
brief=$(q $db "SELECT wfauth.generate_token('dana@example.com', 'brief', '6 seconds')")
check "a token that expires during a transaction stops working in it" "ok 28000" \
      "$(psql -qXAt -d $db <<SQL | tail -1
BEGIN;
SELECT sqlstate('SELECT wfauth.authenticate_token(''$brief'')') AS before \\gset
SELECT pg_sleep_until(expires_at + interval '1 millisecond') FROM wfauth.tokens WHERE name = 'brief';
SELECT :'before' || ' ' || sqlstate('SELECT wfauth.authenticate_token(''$brief'')');
COMMIT;
SQL
)"

# failed logins: counted before the error reaches the client, so that the
# next statement sees the count; a savepoint or a rollback cannot undo it
failures() { q $db "SELECT failures()"; }
check "a failure is counted when its error reaches the client" "28P01 1" \
      "$(one_session "SELECT sqlstate('SELECT wfauth.login(''lee@example.com'', ''a wrong passphrase'')')" \
                     "SELECT failures()")"
q $db "BEGIN; SAVEPOINT s; SELECT sqlstate('SELECT wfauth.login(''lee@example.com'', ''a wrong passphrase'')');
       ROLLBACK TO s; ROLLBACK" >/dev/null
check "a failure caught by a savepoint and rolled back is counted" "2" "$(failures)"
q $db "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1; SELECT wfauth.login('lee@example.com', 'lee''s long passphrase'); ROLLBACK" >/dev/null
check "the right password resets the count, whatever becomes of its transaction (REPEATABLE READ too)" "0" "$(failures)"

# The database's own settings cannot keep the counting worker out: a
# database that allows no new connection (sessions already connected keep
# working), and one whose session_authorization is a role that may not
# write wfauth's tables.  Each session below stays connected throughout.
wrong="SELECT sqlstate('SELECT wfauth.login(''lee@example.com'', ''a wrong passphrase'')')"
mkfifo $WORK/kept.in
psql -qXAt -d $db <$WORK/kept.in >$WORK/kept.out 2>&1 &
kept=$!
exec 4>$WORK/kept.in
echo "SELECT 'connected';" >&4
for _ in $(seq 1 100); do [ -s $WORK/kept.out ] && break; sleep 0.1; done
q postgres "ALTER DATABASE $db ALLOW_CONNECTIONS false" >/dev/null
echo "$wrong; SELECT failures();" >&4
exec 4>&-
wait $kept
q postgres "ALTER DATABASE $db ALLOW_CONNECTIONS true" >/dev/null
check "with ALLOW_CONNECTIONS false a failed login is counted" "connected 28P01 1" \
      "$(tr '\n' ' ' <$WORK/kept.out | sed 's/ $//')"
check "with a database session_authorization a failed login is counted" "28P01 2" \
      "$(one_session "ALTER DATABASE $db SET session_authorization = 'wfauth_cred_dbowner'" "$wrong" \
                     "SELECT failures()" "ALTER DATABASE $db RESET session_authorization")"
q $db "SELECT wfauth.login('lee@example.com', 'lee''s long passphrase')" >/dev/null
check "the right password resets the count" "0" "$(failures)"

# The login answers only once its attempt is durably counted, and refuses
# when it cannot be: a session holds lee's row locked, so the counting
# worker waits; the login waits for the worker; the worker is stopped (as a
# crash or an administrator would) and the login, with the right password,
# is refused.  Each step waits for a state, not for a time.
mkfifo $WORK/rowlock.in
psql -qXAt -d $db <$WORK/rowlock.in >$WORK/rowlock.out 2>&1 &
rowlock=$!
exec 6>$WORK/rowlock.in
echo "BEGIN; SELECT 'locked' FROM wfauth.passwords WHERE account_id = wfauth.account_id('lee@example.com') FOR UPDATE;" >&6
for _ in $(seq 1 300); do [ -s $WORK/rowlock.out ] && break; sleep 0.1; done
q $db "SELECT sqlstate('SELECT wfauth.login(''lee@example.com'', ''lee''''s long passphrase'')')" >$WORK/waiting.out 2>&1 &
waiting=$!
for _ in $(seq 1 300); do
    state=$(q $db "SELECT string_agg(backend_type || ':' || wait_event_type, ',' ORDER BY backend_type)
                     FROM pg_stat_activity
                    WHERE backend_type = 'wfauth login counter'
                       OR query LIKE 'SELECT sqlstate(''SELECT wfauth.login(%' AND pid <> pg_backend_pid()")
    [ "$state" = "client backend:IPC,wfauth login counter:Lock" ] && break
    sleep 0.1
done
check "the login waits for its count, which waits for the row" "client backend:IPC,wfauth login counter:Lock" "$state"
check "... and has answered nothing yet" "" "$(cat $WORK/waiting.out)"
q $db "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'wfauth login counter'" >/dev/null
wait $waiting
check "with its count lost, the right password is refused" "28P01" "$(cat $WORK/waiting.out)"
echo "ROLLBACK;" >&6
exec 6>&-
wait $rowlock
check "... and counted nothing" "0" "$(failures)"
check "with the row free the right password logs in" "ok" \
      "$(q $db "SELECT sqlstate('SELECT wfauth.login(''lee@example.com'', ''lee''''s long passphrase'')')")"

# every background worker slot taken by a parallel query, held until this
# test releases an advisory lock (not for a time: on a busy machine a timed
# query ended before the logins did); each worker waits while the lock is
# held, at most 60 s
q $db "CREATE TABLE filler AS SELECT g AS id FROM generate_series(1, 2000) g;
       ALTER TABLE filler SET (parallel_workers = 16);
       CREATE FUNCTION slow(int) RETURNS boolean LANGUAGE plpgsql PARALLEL SAFE AS \$\$
       BEGIN
           FOR i IN 1..6000 LOOP
               EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks
                                      WHERE locktype = 'advisory' AND objid = 4242 AND granted);
               PERFORM pg_sleep(0.01);
           END LOOP;
           RETURN true;
       END \$\$" >/dev/null
mkfifo $WORK/lock.in
psql -qXAt -d $db <$WORK/lock.in >$WORK/lock.out 2>&1 &
locker=$!
exec 5>$WORK/lock.in
echo "SELECT pg_advisory_lock(4242);" >&5
for _ in $(seq 1 100); do
    [ "$(q $db "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted")" = 1 ] && break
    sleep 0.1
done
slots=$(q $db "SELECT current_setting('max_worker_processes')::int - count(*) FROM pg_stat_activity WHERE backend_type = 'logical replication launcher'")
q $db "SET max_parallel_workers = 16; SET max_parallel_workers_per_gather = 16; SET parallel_setup_cost = 0;
       SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
       SELECT count(*) FROM filler WHERE slow(id)" >/dev/null 2>&1 &
filler=$!
for _ in $(seq 1 100); do
    busy=$(q $db "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'")
    [ "$busy" -ge "$slots" ] && break
    sleep 0.1
done
check "parallel workers hold every worker slot ($slots)" "$slots" "$busy"
results=""
for i in $(seq 1 14); do
    results="$results $(q $db "SELECT sqlstate('SELECT wfauth.login(''lee@example.com'', ''guess $i'')')")"
done
check "14 wrong passwords are refused" "$(printf ' 28P01%.0s' $(seq 1 14))" "$results"
check "then the right password is refused too: its failure could not have been counted" "28P01" \
      "$(q $db "SELECT sqlstate('SELECT wfauth.login(''lee@example.com'', ''lee''''s long passphrase'')')")"
check "the parallel query still held every slot meanwhile" "$slots" \
      "$(q $db "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'")"
echo "SELECT pg_advisory_unlock(4242);" >&5
exec 5>&-
wait $locker
wait $filler
check "with a slot free again the right password logs in" "ok" \
      "$(q $db "SELECT sqlstate('SELECT wfauth.login(''lee@example.com'', ''lee''''s long passphrase'')')")"
# A login with the old password whose count waited for a password change:
# the worker that then reset the count stored its re-hash (a new cost) of
# the old password over the new one, and the change was undone.  The
# login reads the password once counted, and a re-hash is stored only over
# the hash the login verified.
q $db "SELECT wfauth.create_user('ray@example.com', 'ray''s old passphrase')" >/dev/null
mkfifo $WORK/change.in
psql -qXAt -d $db <$WORK/change.in >$WORK/change.out 2>&1 &
changer=$!
exec 6>$WORK/change.in
echo "BEGIN; SELECT 'changed' FROM wfauth.set_password('ray@example.com', 'ray''s new passphrase');" >&6
for _ in $(seq 1 300); do [ -s $WORK/change.out ] && break; sleep 0.1; done
psql -qXAt -d $db -c "SET wfauth.password_hash_iterations = 3" \
     -c "SELECT sqlstate('SELECT wfauth.login(''ray@example.com'', ''ray''''s old passphrase'')')" >$WORK/old.out 2>&1 &
old=$!
for _ in $(seq 1 300); do
    state=$(q $db "SELECT string_agg(wait_event_type, ',') FROM pg_stat_activity WHERE backend_type = 'wfauth login counter'")
    [ "$state" = "Lock" ] && break
    sleep 0.1
done
check "a login with the old password counts after the change, which holds the row" "Lock" "$state"
echo "COMMIT;" >&6
exec 6>&-
wait $changer
wait $old
check "that login is refused: once counted, the password is the new one" "28P01" "$(cat $WORK/old.out)"
check "the new password works after that login" "ok" \
      "$(q $db "SELECT sqlstate('SELECT wfauth.login(''ray@example.com'', ''ray''''s new passphrase'')')")"
check "and the old one no more" "28P01" \
      "$(q $db "SELECT sqlstate('SELECT wfauth.login(''ray@example.com'', ''ray''''s old passphrase'')')")"

ray="wfauth.account_id('ray@example.com')"
check "a re-hash over a hash other than the one verified is not stored" "f" \
      "$(q $db "SELECT wfauth._login_succeeded($ray, 'rehashed', 'another hash');
                SELECT hash = 'rehashed' FROM wfauth.passwords WHERE account_id = $ray" | tail -1)"
check "over the one verified, it is" "t" \
      "$(q $db "SELECT wfauth._login_succeeded($ray, 'rehashed', (SELECT hash FROM wfauth.passwords WHERE account_id = $ray));
                SELECT hash = 'rehashed' FROM wfauth.passwords WHERE account_id = $ray" | tail -1)"

psql -qX -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS wfauth_cred_dbowner" >/dev/null 2>&1
done_testing
