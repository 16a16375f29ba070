#!/usr/bin/env bash
# wfauth.distribute_model(): one model on a coordinator and two workers.
# Prints TAP.
set -uo pipefail
. "$(dirname "$0")/../tap/lib.bash"
. "$(dirname "$0")/lib.bash"
db=wfauth_citus
start_citus_cluster $db

check "distribute_model() on the coordinator" "" "$(on 0 $db "SET client_min_messages = warning; SELECT wfauth.distribute_model()")"
check "every model table but protected_tables and audit_log (each node's own) is a reference table" "17" \
      "$(on 0 $db "SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
                   WHERE c.relnamespace = 'wfauth'::regnamespace AND p.partmethod = 'n'")"
check "a second call does nothing" "" "$(on 0 $db "SELECT wfauth.distribute_model()")"
check "a worker refuses to run it" "distribute_model runs on the coordinator" \
      "$(on 1 $db "SELECT wfauth.distribute_model()" | sed -n 's/^ERROR: *//p')"

# accounts made on any node are the same accounts everywhere, with ids of their own
dana=$(on 0 $db "SELECT wfauth.create_user('dana@example.com')")
erin=$(on 1 $db "SELECT wfauth.create_user('erin@example.com')")
for node in 0 1 2; do
    check "node $node knows Dana and Erin" "dana@example.com erin@example.com" \
          "$(on $node $db "SELECT string_agg(name, ' ' ORDER BY name) FROM wfauth.principals WHERE id IN ($dana, $erin)")"
done
check "ids made on a worker do not collide with the coordinator's" "t" \
      "$(on 0 $db "SELECT $erin > (1::bigint << 48) AND $dana < (1::bigint << 48)")"

# decisions read the model from the node's own copy; a change on one node
# reaches the caches of a session that is open on another
on 0 $db "SELECT wfauth.grant_permission('dashboards', '{dana@example.com}')" >/dev/null
cat >$WORK/session.sql <<SQL
SELECT wfauth.has_permission($dana, 'dashboards') AS before;
\! psql -qXAt -h $W1 -p $PORT1 -d $db -c "SELECT wfauth.revoke_permission('dashboards', '{dana@example.com}')"
SELECT wfauth.has_permission($dana, 'dashboards') AS after;
SQL
check "a session on worker 2 sees a revocation made on worker 1 at its next statement" "t f" \
      "$(psql -qXAt -h $W2 -p $PORT2 -d $db -f $WORK/session.sql | grep . | tr '\n' ' ' | sed 's/ $//')"
check "so does the coordinator" "f" "$(on 0 $db "SELECT wfauth.has_permission($dana, 'dashboards')")"

# in one distributed transaction, a change is seen on the workers at once
on 0 $db "CREATE TABLE probe (id int, principal bigint); SELECT create_distributed_table('probe', 'id');
          INSERT INTO probe SELECT g, $dana FROM generate_series(1, 8) g" >/dev/null
check "within the transaction that grants it, every shard's node decides with the grant" "8" \
      "$(on 0 $db "BEGIN; SELECT wfauth.grant_permission('dashboards', '{dana@example.com}');
                   SELECT count(*) FILTER (WHERE wfauth.has_permission(principal, 'dashboards')) FROM probe;
                   ROLLBACK" | tail -1)"
check "the shards are on both workers" "2" \
      "$(on 0 $db "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'probe'::regclass")"
check "and after the rollback, none does" "0" \
      "$(on 0 $db "SELECT count(*) FILTER (WHERE wfauth.has_permission(principal, 'dashboards')) FROM probe")"

# passwords: set, logged in with on any node, failures counted once for every node
on 0 $db "SELECT wfauth.set_password('dana@example.com', 'dana''s long passphrase')" >/dev/null
check "set_password on the coordinator" "1" "$(on 0 $db "SELECT count(*) FROM wfauth.passwords WHERE account_id = $dana")"
check "login on the coordinator" "t" "$(on 0 $db "SELECT wfauth.login('dana@example.com', 'dana''s long passphrase') LIKE 'wfas_%'")"
check "login on a worker" "t" "$(on 2 $db "SELECT wfauth.login('dana@example.com', 'dana''s long passphrase') LIKE 'wfas_%'")"
check "a wrong password is refused" "28P01" \
      "$(psql -qXAt -h $W1 -p $PORT1 -d $db -v VERBOSITY=verbose -c "SELECT wfauth.login('dana@example.com', 'wrong')" 2>&1 |
         grep -o '28P01' | head -1)"
check "and counted, on every node" "1 1 1" \
      "$(for n in 0 1 2; do on $n $db "SELECT failed_attempts FROM wfauth.passwords WHERE account_id = $dana"; done | tr '\n' ' ' | sed 's/ $//')"
check "set_password again, from a worker" "0" \
      "$(on 1 $db "SELECT wfauth.set_password('dana@example.com', 'another long passphrase');
                   SELECT failed_attempts FROM wfauth.passwords WHERE account_id = $dana" | tail -1)"

# a login, and a failure counted, while a transaction that logged in is still open:
# Citus serializes changes of a reference table's rows across the cluster (an
# exclusive lock on the table and those it references, to the end of the
# transaction), and the worker that counts an attempt waited for that login's session
pass="'another long passphrase'"
# login_on NODE PASSWORD [ACCOUNT]: how Dana's (or ACCOUNT's) login there ends: t, or its
# SQLSTATE (57014: at 60 s)
login_on() {
    psql -qXAt -h $(node_dir $1) -p $((PORT0 + $1)) -d $db -v VERBOSITY=verbose -c "SET statement_timeout = '60s'" \
         -c "SELECT wfauth.login('${3:-dana@example.com}', $2) IS NOT NULL" 2>&1 | grep -o '^t$\|28P01\|57014' | head -1
}
hold open $db "SELECT 'open ' || (wfauth.login('dana@example.com', $pass) IS NOT NULL);" '^open '
check "a login on a worker while a transaction that logged in is open" "t" "$(login_on 2 "$pass")"
check "and on the coordinator" "t" "$(login_on 0 "$pass")"
check "a wrong password then is refused at once, and counted" "28P01 1" \
      "$(login_on 1 "'wrong'") $(on 1 $db "SELECT failed_attempts FROM wfauth.passwords WHERE account_id = $dana")"
release
check "the open one committed" "open true" "$(grep -v '^$' $WORK/open.out)"
# ... and attempts at once on every node, on one account, are all counted: the counting
# takes turns across the cluster (its changes of the row, taken in opposite orders on two
# nodes' copies, were a deadlock, and an attempt refused uncounted)
# (a database's owner may make every change commute, the turns' too: they ordered nothing)
on 0 $db "SELECT wfauth.set_password('dana@example.com', $pass)" >/dev/null
for node in 0 1 2; do
    on $node $db "SET citus.enable_ddl_propagation = off; ALTER DATABASE $db SET citus.all_modifications_commutative = on" >/dev/null
done
for node in 0 1 2; do for k in 1 2 3; do login_on $node "'wrong $k'" >>$WORK/storm.out & done; done
wait
for node in 0 1 2; do
    on $node $db "SET citus.enable_ddl_propagation = off; ALTER DATABASE $db RESET citus.all_modifications_commutative" >/dev/null
done
check "nine wrong passwords at once on three nodes: each refused" "9" "$(grep -c 28P01 $WORK/storm.out)"
check "and each counted, on every node" "9 9 9" \
      "$(for n in 0 1 2; do on $n $db "SELECT failed_attempts FROM wfauth.passwords WHERE account_id = $dana"; done | tr '\n' ' ' | sed 's/ $//')"

# the caller's citus.all_modifications_commutative (a role's or database's setting too) does
# not reach wfauth's other changes: Citus keeps serializing them, as their copies must read
# alike what other rows and tables they read
exclusive="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 5 AND mode = 'ExclusiveLock'"
hold commute $db "SET LOCAL citus.all_modifications_commutative = on;
                  SELECT 'revoked ' || (wfauth.revoke_permission('dashboards', '{dana@example.com}') IS NULL);" '^revoked '
check "a change made under a caller's all_modifications_commutative takes Citus's exclusive lock" "t t" \
      "$(on 0 $db "$exclusive") $(on 1 $db "$exclusive")"
release

# ... but an open transaction that changed a password's row makes the counting wait,
# on every node: a bounded wait, then the login is refused (it waited, without end,
# for Citus's lock on another node)
on 0 $db "SELECT wfauth.set_password('erin@example.com', 'erin''s long passphrase')" >/dev/null
hold change $db "SELECT 'changed ' || wfauth.set_password('erin@example.com', 'erin''s new passphrase');" '^changed '
for node in 0 2; do
    check "while a password change is open, a login on node $node is refused, not kept waiting" "28P01" "$(login_on $node "$pass")"
done
release
check "once it has ended, the login goes through" "t" "$(login_on 2 "$pass")"

# (attack pass 41) a logout kept open -- of a session ended long ago too, which anyone
# holding its token may call -- or a revocation of one's own token made every login of
# the cluster wait 5 s and fail
ended=$(on 0 $db "SELECT wfauth.login('erin@example.com', 'erin''s new passphrase')")
on 0 $db "SELECT wfauth.end_session('$ended')" >/dev/null
live=$(on 1 $db "SELECT wfauth.login('erin@example.com', 'erin''s new passphrase')")
on 0 $db "SELECT wfauth.generate_token('erin@example.com', 'held')" >/dev/null
for open_tx in "Erin's revocation of her token:SELECT wfauth.authenticate_session('$live') IS NULL; SELECT wfauth.revoke_token('erin@example.com', 'held')" \
               "a logout of an ended session:SELECT wfauth.end_session('$ended')" \
               "a logout of a live session:SELECT wfauth.end_session('$live')"; do
    hold out $db "${open_tx#*:}; SELECT 'held';" '^held'
    check "while ${open_tx%%:*} is open, a login on a worker goes through" "t" "$(login_on 2 "$pass")"
    check "and on the coordinator" "t" "$(login_on 0 "$pass")"
    release
done
# ... and such changes of the same rows at once from every node leave every copy alike
# (Citus may cancel one of two that took a row's copies in opposite orders: 40P01)
for i in $(seq 1 12); do on $((i % 3)) $db "SELECT wfauth.login('erin@example.com', 'erin''s new passphrase')"; done >$WORK/sessions
for node in 0 1 2; do
    for s in $(shuf $WORK/sessions); do echo "SELECT wfauth.end_session('$s');"; done |
        psql -qXAt -h $(node_dir $node) -p $((PORT0 + node)) -d $db >$WORK/logouts$node.out 2>&1 &
done
wait
copies="SELECT md5(string_agg(id || ':' || coalesce(ended_at::text, '-') || coalesce(ended_why, ''), ',' ORDER BY id))
          FROM wfauth.sessions"
for n in 0 1 2; do on $n $db "$copies"; done | sort -u >$WORK/copies
check "logouts of twelve sessions at once from every node: every copy of sessions alike" "1 1" \
      "$(wc -l <$WORK/copies) $(grep -c '^[0-9a-f]\{32\}$' $WORK/copies)"

# a role that may merely name wfauth's tables queued a lock on a worker's shard of
# principals (CREATE RULE locks before it checks ownership), and every login there
# waited behind it: refused before it locks
on 0 $db "CREATE ROLE wfauth_citus_intruder LOGIN" >/dev/null
for node in 0 1 2; do on $node $db "SET citus.enable_ddl_propagation = off; GRANT USAGE ON SCHEMA wfauth TO wfauth_citus_intruder" >/dev/null; done
shard=$(on 1 $db "SELECT shard_name('wfauth.principals'::regclass, shardid) FROM pg_dist_shard WHERE logicalrelid = 'wfauth.principals'::regclass")
cat >$WORK/queue.sql <<SQL
BEGIN;
SET citus.enable_manual_changes_to_shards = on;
LOCK $shard IN ROW EXCLUSIVE MODE;
\! psql -qXAt -h $W1 -p $PORT1 -d $db -U wfauth_citus_intruder -v VERBOSITY=verbose -c "SET lock_timeout = '100ms'" -c "CREATE RULE r AS ON UPDATE TO $shard DO INSTEAD NOTHING" 2>&1 | grep -o '^ERROR:  [0-9A-Z]\{5\}' | cut -c9-
COMMIT;
SQL
check "a rule on a worker's shard of principals, by a role that may not: refused before it waits" "42501" \
      "$(psql -qXAt -h $W1 -p $PORT1 -d $db -f $WORK/queue.sql 2>&1 | grep -v '^$')"
# ... nor on the coordinator through Citus's utility hook, which locks a Citus table
# that some commands name before PostgreSQL checks (attack pass 38): each refused at once
# while a transaction holds principals and sessions, as open logins do
on 0 $db "CREATE SCHEMA intr AUTHORIZATION wfauth_citus_intruder;
          SET ROLE wfauth_citus_intruder; CREATE TABLE intr.own (id bigint); CREATE TABLE intr.own2 (id bigint)" >/dev/null
{
    echo "BEGIN;"
    echo "LOCK wfauth.principals, wfauth.sessions IN ROW EXCLUSIVE MODE;"
    echo "SET LOCAL enable_seqscan = off; SELECT 'held' FROM wfauth.principals WHERE id = 1 UNION ALL SELECT 'held';"
    while read -r command; do
        echo "\\! psql -qXAt -h $COORD -p $PORT0 -d $db -U wfauth_citus_intruder -v VERBOSITY=verbose -c \"SET lock_timeout = '100ms'\" -c \"$command\" 2>&1 | grep -o '^ERROR:  [0-9A-Z]\\{5\\}' | cut -c9- | head -1"
    done <<'COMMANDS'
DROP TRIGGER IF EXISTS nosuch ON wfauth.principals
ALTER TRIGGER principals_guard ON wfauth.principals DEPENDS ON EXTENSION wfauth
VACUUM FULL wfauth.principals
CREATE INDEX ON wfauth.sessions (id)
CLUSTER wfauth.principals USING principals_pkey
ALTER TABLE intr.own ADD FOREIGN KEY (id) REFERENCES wfauth.sessions
ALTER TABLE intr.own2 ADD COLUMN y bigint REFERENCES wfauth.sessions
ALTER TABLE wfauth.principals RENAME COLUMN description TO d
ALTER TABLE wfauth.principals RENAME TO p
ALTER POLICY nosuch ON wfauth.principals RENAME TO p
COMMANDS
    echo "COMMIT;"
} >$WORK/queue2.sql
check "ten commands naming wfauth's tables, while they are held: each refused at once (42501)" \
      "42501 42501 42501 42501 42501 42501 42501 42501 42501 42501" \
      "$(psql -qXAt -h $COORD -p $PORT0 -d $db -f $WORK/queue2.sql 2>&1 | grep -v '^$\|^held$' | tr '\n' ' ' | sed 's/ $//')"
# Citus functions that change the catalog with no check of their caller: not on wfauth's
# objects (worker_change_sequence_dependency made wfauth's sequence depend on the caller's
# table, and the next login failed; citus_unmark_object_distributed took wfauth off
# Citus's list)
check "worker_change_sequence_dependency on wfauth's sequence, by another role: refused" \
      "permission denied for function worker_change_sequence_dependency(regclass,regclass,regclass) on objects of wfauth" \
      "$(psql -qXAt -h $COORD -p $PORT0 -d $db -U wfauth_citus_intruder \
             -c "SELECT worker_change_sequence_dependency(pg_get_serial_sequence('wfauth.sessions', 'id')::regclass, 'wfauth.sessions', 'intr.own')" 2>&1 |
         sed -n 's/^ERROR: *//p')"
check "citus_unmark_object_distributed on extension wfauth, by another role: refused" \
      "permission denied for function citus_unmark_object_distributed(oid,oid,integer,boolean) on objects of wfauth" \
      "$(psql -qXAt -h $COORD -p $PORT0 -d $db -U wfauth_citus_intruder \
             -c "SELECT citus_unmark_object_distributed('pg_extension'::regclass, $(on 0 $db "SELECT oid FROM pg_extension WHERE extname = 'wfauth'"), 0, false)" 2>&1 |
         sed -n 's/^ERROR: *//p')"
check "a login still works" "t" "$(login_on 0 "$pass")"

# Citus sends the values wfauth writes to the other nodes as text, printed with the
# sender's settings and read with the receiver's (attack pass 37, F2 to F4): a logout under
# standard_conforming_strings = off ended the session on the coordinator only (the digest
# arrived with its backslash doubled); a token made under DateStyle 'SQL, DMY' expired
# eleven months later on the workers, one under a zone whose abbreviation the nodes read
# otherwise nineteen hours later everywhere; a database's settings did that to the worker
# that counts a failed login
on 0 $db "SELECT wfauth.grant_permission('api_tokens', '{erin@example.com}')" >/dev/null
sess=$(on 0 $db "SELECT wfauth.login('erin@example.com', 'erin''s new passphrase')")
check "logout (end_session) under standard_conforming_strings = off, on the coordinator" "" \
      "$(on 0 $db "SET standard_conforming_strings = off; SELECT wfauth.end_session('$sess')")"
check "ends the session on every node" "28000 28000 28000" \
      "$(for node in 0 1 2; do psql -qXAt -h $(node_dir $node) -p $((PORT0 + node)) -d $db -v VERBOSITY=verbose \
             -c "SELECT wfauth.authenticate_session('$sess')" 2>&1 | grep -o '^ERROR:  [0-9A-Z]\{5\}' | cut -c9- | head -1; done |
         tr '\n' ' ' | sed 's/ $//')"
expiry="SELECT expires_at FROM wfauth.tokens WHERE name = 'skewed'"
on 0 $db "SET DateStyle = 'SQL, DMY'; SELECT wfauth.generate_token('erin@example.com', 'skewed', expires_in => '40 days')" >/dev/null
check "a token made under DateStyle 'SQL, DMY' expires at one time on every node" "1" \
      "$(for node in 0 1 2; do on $node $db "$expiry"; done | sort -u | wc -l)"
on 0 $db "SELECT wfauth.revoke_token('erin@example.com', 'skewed'); DELETE FROM wfauth.tokens WHERE name = 'skewed'" >/dev/null
on 0 $db "SET DateStyle = 'SQL, MDY'; SET TimeZone = 'EST-14'; SELECT wfauth.generate_token('erin@example.com', 'skewed', expires_in => '1 minute')" >/dev/null
check "one made under TimeZone 'EST-14' expires within its minute, on every node" "t t t" \
      "$(for node in 0 1 2; do on $node $db "SELECT expires_at <= now() + interval '1 minute' FROM wfauth.tokens WHERE name = 'skewed'"; done |
         tr '\n' ' ' | sed 's/ $//')"
on 0 $db "ALTER DATABASE $db SET DateStyle = 'SQL, MDY'; ALTER DATABASE $db SET TimeZone = 'EST-14'" >/dev/null
psql -qXAt -h $COORD -p $PORT0 -d $db -c "SELECT wfauth.login('erin@example.com', 'wrong')" >/dev/null 2>&1
on 0 $db "ALTER DATABASE $db RESET DateStyle; ALTER DATABASE $db RESET TimeZone" >/dev/null
check "a failure counted under the database's DateStyle and TimeZone: one count and time on every node, not ahead" "1 t" \
      "$(for node in 0 1 2; do on $node $db "SELECT failed_attempts, last_failed_at <= now() FROM wfauth.passwords
                                             WHERE account_id = $erin"; done | sort -u | tr '|\n' '  ' | sed 's/ $//')"
check "under a forwarded SET LOCAL standard_conforming_strings = off, no node writes wfauth's rows (it would read them otherwise)" \
      "wfauth's tables are written only with standard_conforming_strings on" \
      "$(psql -qXAt -h $COORD -p $PORT0 -d $db -c "BEGIN" -c "SET LOCAL standard_conforming_strings = off" \
             -c "SELECT wfauth.create_group('back\\slash')" -c "COMMIT" 2>&1 | sed -n 's/^ERROR: *//p' | head -1)"
check "... and none has the group" "0 0 0" \
      "$(for node in 0 1 2; do on $node $db "SELECT count(*) FROM wfauth.principals WHERE name LIKE 'back%'"; done | tr '\n' ' ' | sed 's/ $//')"

# kinds get ranges of their own per node
check "a kind registered on a worker" "t" \
      "$(on 1 $db "SELECT wfauth.register_kind('report', 'dashboards'); SELECT id >= 1000 FROM wfauth.kinds WHERE name = 'report'" | tail -1)"
check "is known on the other worker" "report" "$(on 2 $db "SELECT name FROM wfauth.kinds WHERE name = 'report'")"
# the last active Super Admin guard (principals' trigger) runs on every copy
# of the reference table; a Super Admin can be deactivated and stripped from
# the coordinator and from a worker, and the last one is still kept
on 0 $db "SELECT wfauth.create_user('frank@example.com'); SELECT wfauth.create_user('gina@example.com');
          SELECT wfauth.grant_super_admin('frank@example.com'); SELECT wfauth.grant_super_admin('gina@example.com')" >/dev/null
first_error() { sed -n 's/^ERROR: *//p' | head -1; }
check "set_active(a Super Admin, false) on the coordinator" "" \
      "$(on 0 $db "SELECT wfauth.set_active('frank@example.com', false)" | first_error)"
check "the Super Admin is inactive on every node" "f f f" \
      "$(for n in 0 1 2; do on $n $db "SELECT active FROM wfauth.principals WHERE name = 'frank@example.com'"; done | tr '\n' ' ' | sed 's/ $//')"
check "the last active Super Admin cannot be revoked" "cannot remove the last active Super Admin" \
      "$(on 0 $db "SELECT wfauth.revoke_super_admin('gina@example.com')" | first_error)"
check "set_active(a Super Admin, true) on a worker" "" \
      "$(on 1 $db "SELECT wfauth.set_active('frank@example.com', true)" | first_error)"
check "revoke_super_admin on the coordinator" "" \
      "$(on 0 $db "SELECT wfauth.revoke_super_admin('gina@example.com')" | first_error)"
check "revoke_super_admin on a worker, of the last one, is refused" "cannot remove the last active Super Admin" \
      "$(on 2 $db "SELECT wfauth.revoke_super_admin('frank@example.com')" | first_error)"
check "grant_super_admin and revoke_super_admin on a worker" "" \
      "$(on 2 $db "SELECT wfauth.grant_super_admin('gina@example.com'); SELECT wfauth.revoke_super_admin('frank@example.com')" | first_error)"
check "Super Admins on every node" "gina@example.com gina@example.com gina@example.com" \
      "$(for n in 0 1 2; do on $n $db "SELECT string_agg(name, ',' ORDER BY name) FROM wfauth.principals WHERE super_admin AND name IN ('frank@example.com', 'gina@example.com')"; done | tr '\n' ' ' | sed 's/ $//')"
done_testing
