#!/usr/bin/env bash
# wfauth's own tables are read by every login and every authentication.  A
# role that may merely name them (USAGE on schema wfauth, as every
# application role and table owner has) queued a lock on them with a
# command PostgreSQL locks the table for before it checks ownership (CREATE
# RULE, DROP TRIGGER ... ON, a foreign key to them, ...): behind any open
# transaction that used the table, and ahead of every later login, which
# waited as long as that role wished (attack pass 37).  Such commands that
# name one of wfauth's relations are refused to every role but its owner
# before they take any lock.  A superuser session holds the table in ROW
# EXCLUSIVE mode (as an open write would) and its primary key index (as a
# read would); each command must fail at once
# (42501) instead of waiting (55P03 at its lock_timeout).
# Prints TAP; runs on the harness's cluster.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
db=wfauth_lock_queue
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS wfauth_lq_owner" -c "CREATE DATABASE $db" >/dev/null 2>&1
psql -qX -v ON_ERROR_STOP=1 -d $db >$WORK/setup.log 2>&1 <<'SQL' || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
CREATE ROLE wfauth_lq_owner LOGIN;
GRANT CREATE ON DATABASE wfauth_lock_queue TO wfauth_lq_owner;
GRANT USAGE ON SCHEMA wfauth TO wfauth_lq_owner;
CREATE SCHEMA lq AUTHORIZATION wfauth_lq_owner;
SET ROLE wfauth_lq_owner;
CREATE TABLE lq.own (id bigint);
CREATE TABLE lq.ownp (id bigint) PARTITION BY LIST (id);
CREATE FUNCTION lq.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
SQL

mkfifo $WORK/holder.in
psql -qXAt -d $db <$WORK/holder.in >$WORK/holder.out 2>&1 &
holder=$!
exec 3>$WORK/holder.in
echo "BEGIN; LOCK wfauth.principals IN ROW EXCLUSIVE MODE; SET LOCAL enable_seqscan = off;
      SELECT count(*) FROM wfauth.principals WHERE id = 1; SELECT 'held';" >&3
for _ in $(seq 1 300); do grep -q held $WORK/holder.out && break; sleep 0.1; done

# as_owner SQL: how the command ends, by SQLSTATE (55P03: it waited for a lock)
as_owner() {
    psql -qXAt -d $db -U wfauth_lq_owner -v VERBOSITY=verbose -c "SET lock_timeout = '100ms'" -c "$1" 2>&1 |
        grep -o '^ERROR:  [0-9A-Z]\{5\}' | head -1 | cut -c9-
}
for sql in "CREATE RULE r AS ON UPDATE TO wfauth.principals DO INSTEAD NOTHING" \
           "DROP RULE IF EXISTS r ON wfauth.principals" \
           "DROP TRIGGER principals_guard ON wfauth.principals" \
           "DROP POLICY IF EXISTS p ON wfauth.principals" \
           "CREATE TRIGGER t BEFORE UPDATE ON wfauth.principals FOR EACH ROW EXECUTE FUNCTION lq.f()" \
           "CREATE TABLE lq.part PARTITION OF wfauth.principals FOR VALUES IN (1)" \
           "CREATE TABLE lq.child (id bigint REFERENCES wfauth.principals)" \
           "CREATE TABLE lq.child (id bigint, FOREIGN KEY (id) REFERENCES wfauth.principals)" \
           "ALTER TABLE lq.own ADD FOREIGN KEY (id) REFERENCES wfauth.principals" \
           "ALTER TABLE lq.own ADD COLUMN p bigint REFERENCES wfauth.principals" \
           "ALTER TABLE lq.ownp ATTACH PARTITION wfauth.principals FOR VALUES IN (1)" \
           "ALTER TABLE lq.ownp DETACH PARTITION wfauth.principals" \
           "ALTER INDEX wfauth.principals_pkey DEPENDS ON EXTENSION wfauth" \
           "ALTER TRIGGER principals_guard ON wfauth.principals DEPENDS ON EXTENSION wfauth" \
           "SET search_path = wfauth, lq; CREATE RULE r AS ON UPDATE TO principals DO INSTEAD NOTHING" \
           "CREATE SCHEMA lq2 CREATE TABLE lq2.t PARTITION OF wfauth.principals FOR VALUES IN (1)" \
           "CREATE SCHEMA lq2 CREATE TABLE lq2.t (id bigint REFERENCES wfauth.principals)" \
           "CLUSTER wfauth.principals USING principals_pkey"; do
    check "naming wfauth.principals, refused at once: $sql" "42501" "$(as_owner "$sql")"
done
# ... nor through an unqualified name that finds a table of the role's own first, which it
# drops while the command waits for it: the name, looked up again, finds wfauth's table
# (attack pass 39: the command went on to lock wfauth.principals unchecked)
psql -qXAt -d $db -U wfauth_lq_owner -c "CREATE TABLE lq.principals (id bigint) PARTITION BY LIST (id)" >/dev/null
mkfifo $WORK/dropper.in
psql -qXAt -d $db -U wfauth_lq_owner <$WORK/dropper.in >$WORK/dropper.out 2>&1 3>&- &
dropper=$!
exec 4>$WORK/dropper.in
echo "BEGIN; LOCK lq.principals IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&4
for _ in $(seq 1 300); do grep -q locked $WORK/dropper.out && break; sleep 0.1; done
psql -qXAt -d $db -U wfauth_lq_owner -v VERBOSITY=verbose -c "SELECT wfauth.current_principal()" \
     -c "SET search_path = lq, wfauth" -c "SET application_name = lq_racer" \
     -c "CREATE SCHEMA lq3 CREATE TABLE lq3.t PARTITION OF principals FOR VALUES IN (1)" >$WORK/racer.out 2>&1 3>&- 4>&- &
racer=$!
waiting() { q $db "SELECT string_agg(l.relation::regclass::text, ',') FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                   WHERE NOT l.granted AND a.application_name = 'lq_racer'"; }
for _ in $(seq 1 300); do [ "$(waiting)" = "lq.principals" ] && break; sleep 0.1; done
echo "DROP TABLE lq.principals; COMMIT;" >&4
exec 4>&-
wait $dropper
state=""
for _ in $(seq 1 300); do
    kill -0 $racer 2>/dev/null || break
    state=$(waiting)
    [ -n "$state" ] && { q $db "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'lq_racer'" >/dev/null; break; }
    sleep 0.1
done
wait $racer
check "a name that found the role's table, dropped while the command waited: wfauth's is checked, not locked" "42501" \
      "${state:-$(grep -o '^ERROR:  [0-9A-Z]\{5\}' $WORK/racer.out | head -1 | cut -c9-)}"
check "the holder still holds the table" "held" "$(grep held $WORK/holder.out)"
echo "COMMIT;" >&3
exec 3>&-
wait $holder
check "the owner's own table takes a trigger as before" "" \
      "$(psql -qXAt -d $db -U wfauth_lq_owner -c "CREATE TRIGGER t BEFORE UPDATE ON lq.own FOR EACH ROW EXECUTE FUNCTION lq.f()" 2>&1)"

# wfauth's objects go only by a superuser, whatever reaches them: Citus's
# worker_change_sequence_dependency() let any role make wfauth's sequence
# depend on a table of its own, and dropping that table dropped wfauth
# (attack pass 38).  The dependency is made here by hand, as Citus did.
q $db "UPDATE pg_depend SET refobjid = 'lq.own'::regclass, refobjsubid = 1
        WHERE classid = 'pg_class'::regclass AND refclassid = 'pg_class'::regclass
          AND objid = pg_get_serial_sequence('wfauth.sessions', 'id')::regclass
          AND refobjid = 'wfauth.sessions'::regclass" >/dev/null
check "a table of another role's, which wfauth's sequence was made to depend on: its drop reaches wfauth and is refused" \
      "permission denied to drop ..., of extension wfauth" \
      "$(psql -qXAt -d $db -U wfauth_lq_owner -c "DROP TABLE lq.own CASCADE" 2>&1 |
         sed -n 's/^ERROR:  permission denied to drop .*, of extension wfauth$/permission denied to drop ..., of extension wfauth/p')"
check "wfauth is still there" "wfauth" "$(q $db "SELECT extname FROM pg_extension WHERE extname = 'wfauth'")"
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS wfauth_lq_owner" >/dev/null 2>&1
done_testing
