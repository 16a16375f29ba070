#!/usr/bin/env bash
# The acting principal on every node: signed by the node that starts the
# distributed transaction, taken by the nodes that serve it, and nothing
# else.  The application's role forwards what it likes.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/../tap/lib.bash"
. "$(dirname "$0")/lib.bash"
db=wfauth_citus
start_citus_cluster $db
on 0 $db "SET client_min_messages = warning; SELECT wfauth.distribute_model();
          CREATE ROLE wfauth_citus_app LOGIN; GRANT USAGE ON SCHEMA wfauth TO wfauth_citus_app;
          CREATE TABLE probe (id int); SELECT create_distributed_table('probe', 'id');
          INSERT INTO probe SELECT generate_series(1, 16); GRANT SELECT ON probe TO wfauth_citus_app;
          CREATE ROLE wfauth_citus_owner LOGIN; GRANT USAGE ON SCHEMA wfauth TO wfauth_citus_owner;
          GRANT SELECT ON probe TO wfauth_citus_owner; GRANT CREATE ON SCHEMA public TO wfauth_citus_owner;
          -- (the tests' window on the assertion, which only superusers may read)
          CREATE FUNCTION peek_assertion() RETURNS text LANGUAGE sql SECURITY DEFINER
              AS \$\$SELECT current_setting('wfauth.assertion')\$\$" >$WORK/setup.log ||
    bail "set up" $WORK/setup.log
dana=$(on 0 $db "SELECT wfauth.create_user('dana@example.com')")
token=$(on 0 $db "SELECT wfauth.generate_token('dana@example.com', 'app')")
check "every shard is on a worker" "2" \
      "$(on 0 $db "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'probe'::regclass")"

# app SQL...: as the application's role on the coordinator, one transaction;
# the last line of output.  Each shard reports whom it sees acting (-1: nobody).
app() { psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" "${@/#/-c}" -c "COMMIT" 2>&1 | grep . | tail -1; }
seen="SELECT string_agg(DISTINCT (coalesce(wfauth.current_principal(), -1) + id * 0)::text, ',') FROM probe"
routed="SELECT coalesce(wfauth.current_principal(), -1) + id * 0 FROM probe WHERE id = 7"

check "a fan-out query: every shard sees Dana" "$dana" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "$seen")"
check "a router query: its shard sees Dana" "$dana" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "$routed")"
check "without authenticating: nobody" "-1" "$(app "$seen")"
check "one query string that authenticates, then reads: Dana" "$dana" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db \
             -c "SELECT wfauth.authenticate_token('$token') IS NULL; $seen" 2>&1 | tail -1)"
check "a prepared statement, executed before and after authenticating" "-1 $dana" \
      "$(app "PREPARE q AS $routed" "EXECUTE q" | tail -1) $(app "PREPARE q AS $routed" "EXECUTE q" "EXECUTE q" "EXECUTE q" \
             "EXECUTE q" "EXECUTE q" "EXECUTE q" "SELECT wfauth.authenticate_token('$token')" "EXECUTE q")"
# Who acts changes within a transaction: each change reaches the shards.  (The worker
# once knew a value by its address, which the third value can reuse once the second
# has freed the first: it kept acting as Dana.)
erin=$(on 0 $db "SELECT wfauth.create_user('erin@example.com')")
fred=$(on 0 $db "SELECT wfauth.create_user('fred@example.com')")
terin=$(on 0 $db "SELECT wfauth.generate_token('erin@example.com', 'app')")
tfred=$(on 0 $db "SELECT wfauth.generate_token('fred@example.com', 'app')")
check "Dana, then Erin and Fred with no query between: the router shard sees Fred" "$fred" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "$routed" "SELECT wfauth.authenticate_token('$terin')" \
             "SELECT wfauth.authenticate_token('$tfred')" "$routed")"
check "and every shard" "$fred" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "$seen" "SELECT wfauth.authenticate_token('$terin')" \
             "SELECT wfauth.authenticate_token('$tfred')" "$seen")"
check "Dana, then Erin in a savepoint rolled back: Dana again" "$dana" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "$routed" "SAVEPOINT s" \
             "SELECT wfauth.authenticate_token('$terin')" "$routed" "ROLLBACK TO SAVEPOINT s" "$routed")"

# what the application's role can send instead
check "the signed assertion is hidden from the application" "must be superuser" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "SELECT current_setting('wfauth.assertion')" | grep -o 'must be superuser')"
signed=$(app "SELECT wfauth.authenticate_token('$token')" "$seen" "SELECT peek_assertion()")
check "a signed assertion (as a superuser sees it)" "t" "$([[ $signed == "w3|$dana|"* ]] && echo t || echo f)"
check "replayed in another transaction: nobody" "-1" "$(app "SET LOCAL wfauth.assertion = '$signed'" "$seen")"
forged=$(sed "s/^w3|$dana|/w3|1|/" <<<"$signed")
check "another principal under the old signature: nobody" "-1" "$(app "SET LOCAL wfauth.assertion = '$forged'" "$seen")"
check "a made-up one: nobody" "-1" "$(app "SET LOCAL wfauth.assertion = 'w3|$dana|0|-|00|0|1|2|3|$(printf '0%.0s' {1..64})'" "$seen")"
check "authenticated, then overwritten: nobody" "-1" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "SET LOCAL wfauth.assertion = '$signed'" "$seen")"
check "forwarding switched off: nobody" "-1" \
      "$(app "SET LOCAL citus.propagate_set_commands = 'none'" "SELECT wfauth.authenticate_token('$token')" "$seen")"
# (before wfauth is loaded in the session the setting is a placeholder, dropped
# with a warning when it loads; once loaded, it is refused)
check "the application role cannot lengthen the lifetime" "t" \
      "$(out=$(app "SET LOCAL wfauth.cluster_assertion_lifetime = 86400" "SELECT wfauth.decision_time() IS NULL" \
                   "SELECT current_setting('wfauth.cluster_assertion_lifetime')");
         [[ $out == 1min || $out == *"transaction is aborted"* ]] && echo t || echo "f: $out")"
check "the lifetime is the DBA's to set" "permission denied to set parameter" \
      "$(app "SELECT wfauth.decision_time() IS NULL" "SET LOCAL wfauth.cluster_assertion_lifetime = 86400" |
         grep -o 'permission denied to set parameter')"
on 0 $db "ALTER ROLE wfauth_citus_app SET wfauth.cluster_assertion_lifetime = 0" >/dev/null
check "expired: nobody" "-1" "$(app "SELECT wfauth.authenticate_token('$token')" "$seen")"
on 0 $db "ALTER ROLE wfauth_citus_app RESET wfauth.cluster_assertion_lifetime" >/dev/null
check "and back to a lifetime: Dana again" "$dana" "$(app "SELECT wfauth.authenticate_token('$token')" "$seen")"
# a transaction that outlives the lifetime is signed again: a node it reaches later sees Dana
# (waits until the assertion signed first has expired, polling its expiry, for 30 s at most)
past_expiry="DO \$\$ DECLARE expiry timestamptz := timestamptz '2000-01-01 00:00:00+00'
                    + split_part(peek_assertion(), '|', 9)::bigint * interval '1 microsecond';
             BEGIN FOR i IN 1 .. 600 LOOP EXIT WHEN clock_timestamp() > expiry; PERFORM pg_sleep(0.05); END LOOP;
                   IF clock_timestamp() <= expiry THEN RAISE 'the assertion did not expire'; END IF; END \$\$"
on 0 $db "ALTER ROLE wfauth_citus_app SET wfauth.cluster_assertion_lifetime = 2" >/dev/null
check "a transaction longer than the lifetime: a node reached late still sees Dana" "$dana" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "$routed" "$past_expiry" "$seen")"
on 0 $db "ALTER ROLE wfauth_citus_app RESET wfauth.cluster_assertion_lifetime" >/dev/null

# Replayed with the very distributed transaction id it was signed for (Citus lets any
# role assign its transaction's id): each node that took it refuses it once that
# transaction has ended (and the credential it was signed for must be good as well).
IFS='|' read -r _ _ _ _ _ init number stamp _ _ <<<"$signed"
replay() { app "SELECT assign_distributed_transaction_id($init, $number,
                       timestamptz '2000-01-01 00:00:00+00' + interval '$stamp microseconds')" \
               "SET LOCAL wfauth.assertion = '$signed'" "$seen"; }
replayed=$(replay)
[ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && replayed=-1     # (documented: each connection remembers its own)
memory=$(on 1 $db "SELECT count(*) || ' ' || sum(allocated_size) FROM pg_shmem_allocations WHERE name LIKE 'wfauth replay%'")
echo "# the replay memory on worker 1: ${memory#* } bytes"
[ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && memory="2 (not preloaded)"
check "the signatures taken are remembered in shared memory (wfauth preloaded)" "2" "${memory%% *}"
check "replayed under its own transaction id after it ended, the token still good: nobody" "-1" "$replayed"
# (attack pass 30) ... and a replay begun while that transaction ran acts no longer once it
# has ended: from its next statement
mkfifo $WORK/genuine.in $WORK/early.in
psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db <$WORK/genuine.in >$WORK/genuine.out 2>&1 &
genuine=$!
exec 4>$WORK/genuine.in
echo "BEGIN; SELECT wfauth.authenticate_token('$token') IS NULL; $seen; SELECT peek_assertion();" >&4
wait_for $WORK/genuine.out '^w3|'
live=$(grep '^w3|' $WORK/genuine.out | tail -1)
IFS='|' read -r _ _ _ _ _ linit lnumber lstamp _ _ <<<"$live"
psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_app -d $db <$WORK/early.in >$WORK/early.out 2>&1 4>&- &
early=$!
exec 5>$WORK/early.in
echo "BEGIN; SELECT assign_distributed_transaction_id($linit, $lnumber,
          timestamptz '2000-01-01 00:00:00+00' + interval '$lstamp microseconds');
      SET LOCAL wfauth.assertion = '$live'; SELECT 'during ' || coalesce(wfauth.current_principal(), -1);" >&5
wait_for $WORK/early.out '^during'
echo "COMMIT;" >&4; exec 4>&-; wait $genuine
echo "SELECT 'after ' || coalesce(wfauth.current_principal(), -1); COMMIT;" >&5; exec 5>&-; wait $early
outlived="$(grep -o '^during .*' $WORK/early.out) $(grep -o '^after .*' $WORK/early.out)"
[ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && outlived="during $dana after -1"     # (documented: each connection remembers its own)
check "a replay begun while its transaction ran: nobody once that transaction has ended" "during $dana after -1" "$outlived"
# (attack pass 29) ... also where no statement took it: a transaction that reached the workers
# only with rows to copy (an INSERT ... SELECT pulled up to the coordinator), then rolled back
on 0 $db "GRANT INSERT ON probe TO wfauth_citus_app" >/dev/null
copied=$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SET citus.force_max_query_parallelization = on" \
             -c "BEGIN" -c "SELECT wfauth.authenticate_token('$token') IS NULL" -c "SELECT peek_assertion()" \
             -c "INSERT INTO probe SELECT generate_series(100, 131)" -c "ROLLBACK" 2>&1 | grep '^w3' | tail -1)
IFS='|' read -r _ _ _ _ _ cinit cnumber cstamp _ _ <<<"$copied"
for w in 1 2; do
    replayed=$(psql -qXAt -h $WORK/w$w -p $((PORT0 + w)) -U wfauth_citus_app -d $db -c "BEGIN" \
                   -c "SELECT assign_distributed_transaction_id($cinit, $cnumber,
                           timestamptz '2000-01-01 00:00:00+00' + interval '$cstamp microseconds')" \
                   -c "SET LOCAL wfauth.assertion = '$copied'" -c "SELECT coalesce(wfauth.current_principal(), -1)" \
                   -c "COMMIT" 2>&1 | grep . | tail -1)
    [ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && replayed=-1     # (documented: each connection remembers its own)
    check "replayed on worker $w, which its rolled-back transaction reached only to copy rows: nobody" "-1" "$replayed"
done
on 0 $db "REVOKE INSERT ON probe FROM wfauth_citus_app" >/dev/null
# (attack pass 23) ... also on the node that signed it, which its transaction never reached as
# another node's: the coordinator, by a connection calling itself Citus's
replayed=$(PGAPPNAME='citus_internal gpid=10000000001' app "SELECT assign_distributed_transaction_id($init, $number,
                       timestamptz '2000-01-01 00:00:00+00' + interval '$stamp microseconds')" \
               "SET LOCAL wfauth.assertion = '$signed'" "SELECT coalesce(wfauth.current_principal(), -1)")
[ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && replayed=-1     # (documented: each connection remembers its own)
check "replayed on the node that signed it, after it ended: nobody" "-1" "$replayed"
# Code of another role that runs in the application's transaction (a column's default,
# a trigger) and took the assertion cannot act with it: it names the application's role
owner() { psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db -c "BEGIN" "${@/#/-c}" -c "COMMIT" 2>&1 | grep . | tail -1; }
owner "CREATE TABLE events (what text, stolen text DEFAULT current_setting('wfauth.assertion', true))" \
      "GRANT INSERT ON events TO wfauth_citus_app" >/dev/null
# nor off the workers, where the application's role sees its own connections' last
# command: after a second authentication that was the forwarded SET LOCAL (a worker
# that has not loaded wfauth yet takes it as a placeholder, and cannot hide it)
shown=$(app "SELECT wfauth.authenticate_token('$token')" "$seen" "SELECT wfauth.authenticate_token('$token')" \
             "SELECT count(*) FROM run_command_on_workers(\$q\$SELECT count(*) FROM pg_stat_activity
                 WHERE query LIKE '%w3|%' AND pid <> pg_backend_pid()\$q\$) WHERE result <> '0'")
[ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && shown=0     # (documented: not when loaded late)
check "the workers' pg_stat_activity does not show it (wfauth preloaded)" "0" "$shown"
# (attack pass 26, F7) the owner's function cannot leave a SET LOCAL on the workers, which
# Citus forwards there and nothing rolls back when the function ends: the application's
# later statements of the transaction went on as nobody there
owner "CREATE FUNCTION clobber() RETURNS int LANGUAGE plpgsql AS \$f\$
           BEGIN EXECUTE 'SET LOCAL wfauth.assertion = ''junk'''; RETURN 1; END \$f\$" >/dev/null
check "the owner's function cannot forward a SET LOCAL to the workers" "SET LOCAL in code of another role" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" -c "SELECT wfauth.authenticate_token('$token')" \
             -c "$seen" -c "SELECT clobber()" -c "COMMIT" 2>&1 | grep -o 'SET LOCAL in code of another role')"
check "a column default of another role cannot read it" "must be superuser" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "INSERT INTO events (what) VALUES ('x')" | grep -o 'must be superuser')"
check "replayed by another role in a session of its own: nobody" "-1" \
      "$(owner "SELECT assign_distributed_transaction_id($init, $number,
                       timestamptz '2000-01-01 00:00:00+00' + interval '$stamp microseconds')" \
               "SET LOCAL wfauth.assertion = '$signed'" "$seen")"
# Attack pass 17.  A7: the owner shadows Citus's unqualified assign_distributed_transaction_id
# (propagated to the workers), puts its schema first on the application's pooled worker
# connections in one request, and in Dana's request reads there the whole command Citus
# began her transaction with (current_query()); a third request fetches it
psql -qX -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db -v ON_ERROR_STOP=1 >$WORK/a7.log 2>&1 <<'SQL' || bail "A7 setup" $WORK/a7.log
SET client_min_messages = warning;
CREATE TABLE spy (id int);
SELECT create_distributed_table('spy', 'id');
INSERT INTO spy SELECT generate_series(1, 16);
GRANT SELECT ON spy TO wfauth_citus_app;
CREATE FUNCTION public.assign_distributed_transaction_id(integer, bigint, timestamptz) RETURNS void
LANGUAGE plpgsql AS $f$
BEGIN
  IF current_query() LIKE '%wfauth.assertion = %' THEN
    PERFORM set_config('owner.loot', substring(current_query() from $r$wfauth.assertion = '([^']*)'$r$), false);
  END IF;
  PERFORM pg_catalog.assign_distributed_transaction_id($1, $2, $3);
END $f$;
CREATE FUNCTION poison_w(int) RETURNS text LANGUAGE sql VOLATILE AS
  $f$ SELECT set_config('search_path', 'public, pg_catalog', false) $f$;
CREATE FUNCTION read_w(int) RETURNS text LANGUAGE sql VOLATILE AS $f$ SELECT current_setting('owner.loot', true) $f$;
CREATE FUNCTION poison() RETURNS text LANGUAGE sql VOLATILE AS $f$ SELECT max(poison_w(id)) FROM spy $f$;
CREATE FUNCTION fetch_loot() RETURNS text LANGUAGE sql VOLATILE AS $f$ SELECT max(read_w(id)) FROM spy $f$;
CREATE TABLE events_p (what text, got text DEFAULT poison());
CREATE TABLE events_q (what text, got text DEFAULT fetch_loot());
GRANT INSERT, SELECT ON events_p, events_q TO wfauth_citus_app;
SQL
loot=$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db \
         -c "BEGIN" -c "INSERT INTO events_p (what) VALUES ('1') RETURNING got" -c "COMMIT" \
         -c "BEGIN" -c "SELECT wfauth.authenticate_token('$token')" -c "$seen" -c "COMMIT" \
         -c "BEGIN" -c "INSERT INTO events_q (what) VALUES ('3') RETURNING got" -c "COMMIT" 2>&1 | tail -1)
[ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && loot='****'     # (documented: not when loaded late)
# (since attack pass 24 the owner's function may not leave the search_path changed: the
# shadow is not reached at all, and the loot is empty)
check "A7: the owner's shadow of Citus's call on a worker reads asterisks for the assertion, or nothing" "t" \
      "$([[ -z $loot || $loot == '****'* ]] && ! [[ $loot =~ [0-9a-f]{64} ]] && echo t || echo "f: $loot")"
# A3: a member of pg_read_all_settings reads settings only superusers may
on 0 $db "GRANT pg_read_all_settings TO wfauth_citus_app" >/dev/null
check "A3: a member of pg_read_all_settings does not see it" "<hidden>" \
      "$(app "SELECT wfauth.authenticate_token('$token')" "SELECT current_setting('wfauth.assertion')")"
on 0 $db "REVOKE pg_read_all_settings FROM wfauth_citus_app" >/dev/null
# A5: citus.log_remote_commands would show the application's own session each command
# sent to the workers, its assertion too (attack pass 26, F8: another connection then acted
# with it while the transaction lasted): while this node signs, only a superuser may have
# it on, turned on before authenticating or after; a worker that logs every statement
# keeps no signature
on 1 $db "ALTER SYSTEM SET log_statement = 'all'" >/dev/null; on 1 $db "SELECT pg_reload_conf()" >/dev/null
before=$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" -c "SET LOCAL citus.log_remote_commands = on" \
             -c "SELECT wfauth.authenticate_token('$token')" -c "$seen" -c "COMMIT" 2>&1)
after=$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" -c "SELECT wfauth.authenticate_token('$token')" \
             -c "$seen" -c "SET LOCAL citus.log_remote_commands = on" -c "$seen" -c "COMMIT" 2>&1)
shown=$(app "SELECT wfauth.authenticate_token('$token')" "$seen" "SELECT peek_assertion()")
on 1 $db "ALTER SYSTEM RESET log_statement" >/dev/null; on 1 $db "SELECT pg_reload_conf()" >/dev/null
check "A5: citus.log_remote_commands on, then authenticated: refused, no assertion shown" "1 0" \
      "$(grep -c 'citus.log_remote_commands would show' <<<"$before") $(grep -c 'w3|' <<<"$before")"
check "A5: authenticated, then citus.log_remote_commands on: refused, no assertion shown" "1 0" \
      "$(grep -c 'citus.log_remote_commands would show' <<<"$after") $(grep -c 'w3|' <<<"$after")"
# (attack pass 27) turned on by set_config() within a statement, where no statement
# starts before Citus opens its next connection (a cursor's FETCH)
midway=$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SET citus.force_max_query_parallelization = on" \
             -c "BEGIN" -c "SELECT wfauth.authenticate_token('$token')" \
             -c "DO \$do\$ DECLARE c refcursor; r record; BEGIN
                   OPEN c FOR SELECT count(*) FROM probe;
                   PERFORM set_config('citus.log_remote_commands', 'on', true);
                   FETCH c INTO r; END \$do\$" -c "COMMIT" 2>&1)
check "A5: authenticated, then citus.log_remote_commands on by set_config() before a cursor's FETCH: refused" "1 0" \
      "$(grep -c 'citus.log_remote_commands would show' <<<"$midway") $(grep -c 'w3|' <<<"$midway")"
# (attack passes 28 and 29) on before authenticating, inside a function of the application's
# own whose SET clause turns it off: PostgreSQL restores "on" when it returns, with no check,
# and a PL/pgSQL FETCH starts no statement (nor does an INSERT ... SELECT's COPY): a node
# signs only when no value the session could return to is on
on 0 $db "CREATE FUNCTION public.quiet_auth(t text) RETURNS boolean LANGUAGE plpgsql
              SET citus.log_remote_commands = off
              AS \$\$ BEGIN RETURN wfauth.authenticate_token(t) IS NOT NULL; END \$\$;
          ALTER FUNCTION public.quiet_auth(text) OWNER TO wfauth_citus_app" >/dev/null
restored=$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SET citus.force_max_query_parallelization = on" \
             -c "SET citus.log_remote_commands = on" -c "BEGIN" \
             -c "DO \$do\$ DECLARE c refcursor; r record; BEGIN
                   OPEN c FOR SELECT count(*) FROM probe;
                   PERFORM quiet_auth('$token');
                   FETCH c INTO r; END \$do\$" -c "COMMIT" 2>&1)
check "A5: on before authenticating in a function whose SET clause turns it off (restored on return): refused" "1 0" \
      "$(grep -c 'citus.log_remote_commands would show' <<<"$restored") $(grep -c 'w3|' <<<"$restored")"
# ... or a RESET to the value the connection began with, then a PL/pgSQL FETCH
reset=$(PGOPTIONS='-c citus.log_remote_commands=on' psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db \
             -c "SET citus.force_max_query_parallelization = on" -c "BEGIN" -c "SET LOCAL citus.log_remote_commands = off" \
             -c "SELECT wfauth.authenticate_token('$token') IS NOT NULL" \
             -c "DO \$do\$ DECLARE c refcursor; r record; BEGIN
                   OPEN c FOR SELECT count(*) FROM probe;
                   RESET citus.log_remote_commands;
                   FETCH c INTO r; END \$do\$" -c "COMMIT" 2>&1)
check "A5: on in the connection's options, off by SET LOCAL (a RESET, then a FETCH, would show it): refused" "1 0" \
      "$(grep -c 'citus.log_remote_commands would show' <<<"$reset") $(grep -c 'w3|' <<<"$reset")"
logged=$(grep 'wfauth.assertion' $W1/server.log | grep -c '[0-9a-f]\{64\}')
[ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && logged=0     # (documented: not when loaded late)
check "a worker's log (log_statement = 'all') keeps no signature" "0" "$logged"
IFS='|' read -r _ _ _ _ _ linit lnumber lstamp _ _ <<<"$shown"
replayed=$(app "SELECT assign_distributed_transaction_id($linit, $lnumber,
                       timestamptz '2000-01-01 00:00:00+00' + interval '$lstamp microseconds')" \
               "SET LOCAL wfauth.assertion = '$shown'" "$seen")
[ "${WFAUTH_CITUS_PRELOAD:-}" = citus ] && replayed=-1     # (documented: each connection remembers its own)
check "A5: the application's assertion, replayed in a later transaction: nobody" "-1" "$replayed"
dbasigned=$(on 0 $db "BEGIN; SELECT wfauth.set_principal('dana@example.com'); SELECT peek_assertion(); COMMIT" | grep '^w3' | tail -1)
IFS='|' read -r _ _ _ _ _ dinit dnumber dstamp _ _ <<<"$dbasigned"
check "a DBA's set_principal, replayed by another role: nobody" "-1" \
      "$(owner "SELECT assign_distributed_transaction_id($dinit, $dnumber,
                       timestamptz '2000-01-01 00:00:00+00' + interval '$dstamp microseconds')" \
               "SET LOCAL wfauth.assertion = '$dbasigned'" "$seen")"
check "a DBA acting as Dana, then SET ROLE to the application: the shards see Dana" "$dana" \
      "$(psql -qXAt -h $COORD -p $PORT0 -d $db -c "BEGIN" -c "SELECT wfauth.set_principal('dana@example.com')" \
             -c "SET LOCAL ROLE wfauth_citus_app" -c "$seen" -c "COMMIT" 2>&1 | grep . | tail -1)"
on 0 $db "SELECT wfauth.set_token_policy('1 microsecond', NULL)" >/dev/null
check "replayed after the tenant's maximum token lifetime passed: nobody" "-1" "$(replay)"
on 0 $db "SELECT wfauth.set_token_policy(NULL, NULL)" >/dev/null
# Super Admin mode signs the principal again: still bound to the token it authenticated with
sam=$(on 0 $db "SELECT wfauth.create_user('sam@example.com')")
on 0 $db "SELECT wfauth.grant_super_admin('sam@example.com')" >/dev/null
tsam=$(on 0 $db "SELECT wfauth.generate_token('sam@example.com', 'app')")
samsigned=$(app "SELECT wfauth.authenticate_token('$tsam')" "SELECT wfauth.super_admin_mode()" "SELECT peek_assertion()")
IFS='|' read -r _ _ _ samcred _ sinit snumber sstamp _ _ <<<"$samsigned"
# (attack pass 23) Sam, Erin in a savepoint rolled back, then Super Admin mode: signed with
# Sam's token still (the signed state follows the savepoint), not with no credential
check "a savepoint rolled back, then Super Admin mode: signed with the token authenticated with" "$samcred" \
      "$(app "SELECT wfauth.authenticate_token('$tsam')" "$routed" "SAVEPOINT s" \
             "SELECT wfauth.authenticate_token('$terin')" "$routed" "ROLLBACK TO SAVEPOINT s" \
             "SELECT wfauth.super_admin_mode()" "SELECT split_part(peek_assertion(), '|', 4)")"
on 0 $db "SELECT wfauth.revoke_token('sam@example.com', 'app')" >/dev/null
check "Super Admin mode, replayed after its token was revoked: nobody" "t -1" \
      "$([[ $samsigned == "w3|$sam:"*":1|"* ]] && echo t || echo "f($samsigned)") $(
         app "SELECT assign_distributed_transaction_id($sinit, $snumber,
                       timestamptz '2000-01-01 00:00:00+00' + interval '$sstamp microseconds')" \
             "SET LOCAL wfauth.assertion = '$samsigned'" "$seen")"
w1app() { psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_app -d $db -c "BEGIN" "${@/#/-c}" -c "COMMIT" 2>&1 | grep . | tail -1; }
check "replayed on a worker under another transaction number: nobody" "-1" \
      "$(w1app "SELECT assign_distributed_transaction_id($init, $((number + 1)),
                       timestamptz '2000-01-01 00:00:00+00' + interval '$stamp microseconds')" \
               "SET LOCAL wfauth.assertion = '$signed'" "SELECT coalesce(wfauth.current_principal(), -1)")"
check "replayed on a worker under another transaction timestamp: nobody" "-1" \
      "$(w1app "SELECT assign_distributed_transaction_id($init, $number,
                       timestamptz '2000-01-01 00:00:00+00' + interval '$((stamp + 1)) microseconds')" \
               "SET LOCAL wfauth.assertion = '$signed'" "SELECT coalesce(wfauth.current_principal(), -1)")"
check "run_command_on_workers carries no principal and no DBA's rights, authenticated or not" "-1/false -1/false" \
      "$(app "SELECT wfauth.authenticate_token('$token')" \
             "SELECT string_agg(DISTINCT result, ' ') || ' ' || min(result) FROM run_command_on_workers(
                \$q\$SELECT coalesce(wfauth.current_principal(), -1) || '/' || wfauth.acting_as_dba()\$q\$)")"
check "a client posing as Citus's connection (application_name) on a worker gains nothing" "cannot change here|-1/false" \
      "$(PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_app -d $db \
             -c "SELECT wfauth.authenticate_token('$token')" 2>&1 | grep -o 'cannot change here' | head -1)|$(
         PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_app -d $db \
             -c "SELECT coalesce(wfauth.current_principal(), -1) || '/' || wfauth.acting_as_dba()" 2>&1)"
token2=$(on 0 $db "SELECT wfauth.generate_token('dana@example.com', 'second')")
on 0 $db "SELECT wfauth.revoke_token('dana@example.com', 'app')" >/dev/null
check "replayed after the token was revoked: nobody" "-1" "$(replay)"
token=$token2

# (attack pass 33, F3) Citus keeps a subplan's result in a file named by the role and the
# distributed transaction's id: another connection of the application's role, nobody acting,
# took Dana's transaction's id (assign_distributed_transaction_id, anyone's) and read her
# results, on the coordinator and on the worker they were broadcast to
token3=$(on 0 $db "SELECT wfauth.generate_token('dana@example.com', 'third')")
# (a subplan's result, read by the workers, and another's, read on the coordinator)
pooled="WITH s AS MATERIALIZED (SELECT id, wfauth.current_principal() AS who FROM probe ORDER BY id LIMIT 4)
        SELECT count(*) FROM s JOIN probe USING (id);
        WITH s AS MATERIALIZED (SELECT id, wfauth.current_principal() AS who FROM probe ORDER BY id LIMIT 4)
        SELECT count(*) FROM s, generate_series(1, 2)"
results_of() { on $1 $db "SELECT coalesce(string_agg(f, ' ' ORDER BY f), '') FROM pg_ls_dir('base/pgsql_job_cache') d,
                              pg_ls_dir('base/pgsql_job_cache/' || d) f WHERE d LIKE '%\_0\_$2'"; }
start_boss() {
    rm -f $WORK/boss.in; mkfifo $WORK/boss.in
    psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db <$WORK/boss.in >$WORK/boss.out 2>&1 6>&- &
    boss=$!
    exec 6>$WORK/boss.in
    echo "BEGIN; SELECT wfauth.authenticate_token('$token3') IS NULL; $pooled;
          SELECT 'txn ' || transaction_number || ' ' || pg_backend_pid() FROM get_current_transaction_id();" >&6
    wait_for $WORK/boss.out '^txn ' || bail "Dana's transaction" $WORK/boss.out
    read -r _ bnumber bpid <<<"$(grep '^txn ' $WORK/boss.out)"
}
start_boss
rid=$(results_of 0 $bnumber); rid=${rid%% *}; rid=${rid%.data}
rid1=$(results_of 1 $bnumber); rid1=${rid1%% *}; rid1=${rid1%.data}
check "Dana's results are on the coordinator and worker 1" "t t" "$([ -n "$rid" ] && echo t) $([ -n "$rid1" ] && echo t)"
steal() { echo "SELECT string_agg(DISTINCT who::text, ',') FROM read_intermediate_result('$1', 'binary') AS t(id int, who bigint)"; }
join="SELECT assign_distributed_transaction_id(0, $bnumber, now())"
refusal="permission denied for intermediate results of a distributed transaction where a principal acts"
# the refusal, or the principals read
said() { grep -ao "$refusal\|cannot change here\|^[0-9,]\+$" | head -1; }
# ... what is wanted, where wfauth is loaded late (documented: no shared memory, none of this refused)
late() { if [ "${WFAUTH_CITUS_PRELOAD:-}" = citus ]; then cat >/dev/null; echo "$1"; else cat; fi; }
check "another connection takes her transaction's id on the coordinator: her results refused" "$refusal" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" -c "$join" -c "$(steal $rid)" 2>&1 | said | late "$refusal")"
check "and on worker 1" "$refusal" \
      "$(psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_app -d $db -c "BEGIN" -c "$join" -c "$(steal $rid1)" 2>&1 | said | late "$refusal")"
check "... by COPY (format result), as a node fetching them would" "$refusal" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" -c "$join" \
             -c "COPY \"$rid\" TO STDOUT WITH (format result)" 2>&1 | grep -ao "$refusal\|PGCOPY" | head -1 | late "$refusal")"
check "... nor may it then authenticate, acting in her transaction" "cannot change here" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" -c "$join" \
             -c "SELECT wfauth.authenticate_token('$terin') IS NULL" -c "$(steal $rid)" 2>&1 | said)"
echo "COMMIT;" >&6; exec 6>&-; wait $boss
check "her results are gone once her transaction has ended" "" "$(results_of 0 $bnumber)$(results_of 1 $bnumber)"
# ... nor did a connection that took her transaction's id before her transaction did, and
# wrote a result there: Citus found the directory made, left it behind when her transaction
# ended, and that connection read what her transaction had written in it
last=$(app "SELECT count(*) FROM probe" "SELECT transaction_number FROM get_current_transaction_id()")
rm -f $WORK/planter.in; mkfifo $WORK/planter.in
psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db <$WORK/planter.in >$WORK/planter.out 2>&1 6>&- &
planter=$!
exec 6>$WORK/planter.in
echo "BEGIN; SELECT assign_distributed_transaction_id(0, $((last + 1)), now());
      SELECT 'planted ' || create_intermediate_result('planted', 'SELECT 42');" >&6
wait_for $WORK/planter.out '^planted ' || bail "planted" $WORK/planter.out
taken=$(app "SELECT wfauth.authenticate_token('$token3') IS NULL" "$pooled" \
            "SELECT transaction_number FROM get_current_transaction_id()")
check "Dana's next transaction takes the id claimed first" "$((last + 1))" "$taken"
check "and leaves nothing of hers behind for the connection that claimed it" "" "$(results_of 0 $taken | late "")"
echo "COMMIT;" >&6; exec 6>&-; wait $planter
# (attack pass 34, F1) ... nor another role's code in her transaction, after she acted in a
# savepoint rolled back since, in a parallel worker: the worker counted none of its leader's
# frames of another role's code, nor knew a principal had acted
owner "CREATE FUNCTION peek(r text) RETURNS text LANGUAGE sql PARALLEL SAFE
           AS \$f\$ SELECT string_agg(who::text, ',') FROM read_intermediate_result(r, 'binary') AS t(id int, who bigint) \$f\$" \
      "CREATE FUNCTION peek_within(r text) RETURNS SETOF text LANGUAGE plpgsql AS \$f\$ BEGIN
           RETURN QUERY SELECT string_agg(who::text, ',') FROM read_intermediate_result(r, 'binary') AS t(id int, who bigint);
           END \$f\$" \
      "CREATE TABLE spots (k int)" "SELECT create_distributed_table('spots', 'k')" "INSERT INTO spots VALUES (1)" \
      "GRANT SELECT ON spots TO wfauth_citus_app" \
      "CREATE FUNCTION grab(r text) RETURNS SETOF text LANGUAGE plpgsql AS \$f\$ BEGIN
           RETURN QUERY EXECUTE format('SELECT string_agg(DISTINCT who::text, '','') FROM spots
               JOIN read_intermediate_result(%L, ''binary'') AS t(id int, who bigint) ON true', r); END \$f\$" >/dev/null
rm -f $WORK/boss.in; mkfifo $WORK/boss.in
psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db <$WORK/boss.in >$WORK/boss.out 2>&1 6>&- &
boss=$!
exec 6>$WORK/boss.in
echo "BEGIN; SAVEPOINT p; SELECT wfauth.authenticate_token('$token3') IS NULL; $pooled;
      SELECT 'txn ' || transaction_number FROM get_current_transaction_id(); ROLLBACK TO p;" >&6
wait_for $WORK/boss.out '^txn ' || bail "Dana's transaction" $WORK/boss.out
read -r _ bnumber <<<"$(grep '^txn ' $WORK/boss.out)"
rid=$(results_of 0 $bnumber); rid=${rid%% *}; rid=${rid%.data}
rid1=$(results_of 1 $bnumber); rid1=${rid1%% *}; rid1=${rid1%.data}
echo "SAVEPOINT a; SELECT 'pushed ' || coalesce(v, '') FROM grab('$rid1') v; ROLLBACK TO a; SELECT 'first';" >&6
wait_for $WORK/boss.out '^first' || bail "the owner's code" $WORK/boss.out
echo "SAVEPOINT a; SET LOCAL force_parallel_mode = on; SET LOCAL parallel_setup_cost = 0;
      SELECT 'worker ' || coalesce(peek('$rid'), '') FROM (SELECT 1) x; ROLLBACK TO a; SELECT 'second';
      SET LOCAL force_parallel_mode = on; SET LOCAL parallel_setup_cost = 0;
      SELECT 'within ' || coalesce(v, '') FROM peek_within('$rid') v; ROLLBACK TO a; SELECT 'done';" >&6
wait_for $WORK/boss.out '^done' || bail "the owner's code" $WORK/boss.out
echo "COMMIT;" >&6; exec 6>&-; wait $boss
others="code of another role calls Citus function read_intermediate_result"
# (attack pass 35, F1) ... nor its statement that Citus sends to the workers, where her
# backends still claim the transaction: a transaction where someone acted, as one where
# someone acts
check "another role's function, its read of her results sent to the workers: refused once she acted" \
      "Citus table \"spots\" is read by code of another role while someone acts" \
      "$(sed '/^first/q' $WORK/boss.out | grep -o 'Citus table "spots" is read by code of another role while someone acts\|^pushed .*' | head -1)"
check "another role's function, in a parallel worker, reads none of her results once she acted" "$others" \
      "$(sed '1,/^first/d; /^second/q' $WORK/boss.out | grep -o "$others\|^worker .*" | head -1)"
check "nor does its statement, planned (parallel, forced) within another role's code" "$others" \
      "$(sed '1,/^second/d' $WORK/boss.out | grep -o "$others\|^within .*" | head -1)"
# (attack pass 34, F2) A session of another role that took the next transaction's id, and
# was writing a result under it (its own role's directory), made Dana's transaction fail
# when it took that id: only a session of the same role could reach her results
on 0 $db "CREATE TABLE blocker (x int); GRANT SELECT ON blocker TO wfauth_citus_owner" >/dev/null
last=$(app "SELECT count(*) FROM probe" "SELECT transaction_number FROM get_current_transaction_id()")
rm -f $WORK/lock.in $WORK/slow.in; mkfifo $WORK/lock.in $WORK/slow.in
psql -qXAt -h $COORD -p $PORT0 -d $db <$WORK/lock.in >$WORK/lock.out 2>&1 6>&- 7>&- &
locker=$!
exec 6>$WORK/lock.in
echo "BEGIN; LOCK blocker; SELECT 'locked';" >&6
wait_for $WORK/lock.out '^locked' || bail "lock" $WORK/lock.out
psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db <$WORK/slow.in >$WORK/slow.out 2>&1 6>&- 7>&- &
slow=$!
exec 7>$WORK/slow.in
echo "BEGIN; SELECT assign_distributed_transaction_id(0, $((last + 1)), now());
      SELECT create_intermediate_result('slow', 'SELECT count(*) FROM blocker');" >&7
for _ in $(seq 1 600); do
    [ "$(on 0 $db "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                   WHERE NOT l.granted AND a.usename = 'wfauth_citus_owner'")" = 1 ] && break; sleep 0.1; done
check "another role writing a result under the id Dana's transaction takes: her transaction goes on" "$((last + 1))" \
      "$(app "SELECT wfauth.authenticate_token('$token3') IS NULL" "$pooled" \
             "SELECT transaction_number FROM get_current_transaction_id()")"
echo "COMMIT;" >&6; exec 6>&-; wait $locker
echo "COMMIT;" >&7; exec 7>&-; wait $slow
# (attack pass 34, F3) Citus's repartitioning fetches results between workers over
# connections that carry no principal: refused while she acts, never fewer rows
on 0 $db "SET client_min_messages = warning; CREATE TABLE pairs (id int, other int);
          SELECT create_distributed_table('pairs', 'id'); INSERT INTO pairs SELECT g, 17 - g FROM generate_series(1, 16) g;
          GRANT SELECT ON pairs TO wfauth_citus_app" >/dev/null
repartition="SELECT count(*) FROM pairs a JOIN pairs b ON a.other = b.other"
check "a repartition join while nobody acts: every row" "16" \
      "$(app "SET LOCAL citus.enable_repartition_joins = on" "$repartition")"
check "... while Dana acts: refused" "$refusal" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" -c "SET LOCAL citus.enable_repartition_joins = on" \
             -c "SELECT wfauth.authenticate_token('$token3') IS NULL" -c "$repartition" 2>&1 | said | late "$refusal")"
# (attack pass 35, F2) ... nor a worker her transaction reached only once her assertion had
# expired (a connection Citus opens for a subplan's result late in a long statement): it
# did not act, claimed nothing, and kept her rows for a second connection to read
late_id=$(on 0 $db "SELECT min(id) FROM probe WHERE (SELECT nodeport FROM citus_shards
                       WHERE shardid = get_shard_id_for_distribution_column('probe', probe.id)) = $PORT2")
on 0 $db "ALTER ROLE wfauth_citus_app SET wfauth.cluster_assertion_lifetime = 3" >/dev/null
rm -f $WORK/boss.in; mkfifo $WORK/boss.in
psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db <$WORK/boss.in >$WORK/boss.out 2>&1 6>&- &
boss=$!
exec 6>$WORK/boss.in
# (the subplan, on worker 2 only, waits for the expiry: worker 1 is reached after it)
echo "BEGIN; SELECT wfauth.authenticate_token('$token3') IS NULL;
      SELECT 'expiry ' || (timestamptz '2000-01-01 00:00:00+00' + split_part(peek_assertion(), '|', 9)::bigint * interval '1 microsecond');
      SELECT 'txn ' || transaction_number FROM get_current_transaction_id();" >&6
wait_for $WORK/boss.out '^txn ' || bail "Dana's transaction" $WORK/boss.out
expiry=$(sed -n 's/^expiry //p' $WORK/boss.out); read -r _ bnumber <<<"$(grep '^txn ' $WORK/boss.out)"
echo "WITH s AS MATERIALIZED (SELECT id, wfauth.current_principal() AS who FROM probe
                           WHERE id = $late_id AND pg_sleep_until('$expiry'::timestamptz + interval '0.5 s') IS NOT NULL)
      SELECT 'joined ' || count(*) FROM s JOIN probe USING (id);" >&6
wait_for $WORK/boss.out '^joined ' || bail "Dana's long statement" $WORK/boss.out
rid1=$(results_of 1 $bnumber); rid1=${rid1%% *}; rid1=${rid1%.data}
check "her long statement left a result on worker 1" "t" "$([ -n "$rid1" ] && echo t)"
check "a worker reached after her assertion expired: her results refused to another connection" "$refusal" \
      "$(psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_app -d $db -c "BEGIN" \
             -c "SELECT assign_distributed_transaction_id(0, $bnumber, now())" \
             -c "$(steal $rid1)" 2>&1 | said | late "$refusal")"
echo "COMMIT;" >&6; exec 6>&-; wait $boss
on 0 $db "ALTER ROLE wfauth_citus_app RESET wfauth.cluster_assertion_lifetime" >/dev/null
# ... nor after a crash, which leaves them behind: removed when the node starts again
start_boss
kill -9 $bpid
exec 6>&-; wait $boss
for _ in $(seq 1 600); do on 0 $db "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
check "a crash in Dana's transaction leaves none of her results on the node restarted" "" "$(results_of 0 $bnumber | late "")"

# a DBA's rights on another node need its signature too
dba="SELECT string_agg(DISTINCT (wfauth.acting_as_dba() OR id < 0)::text, ',') FROM probe"
check "a DBA with no principal, unsigned: no DBA's rights on the workers" "false" "$(on 0 $db "$dba")"
check "a DBA that says so (set_tenant): DBA's rights there" "true" \
      "$(on 0 $db "BEGIN; SELECT wfauth.set_tenant('default'); $dba; COMMIT" | grep . | tail -1)"
check "a DBA acting as Dana: Dana there, not a DBA" "$dana,false" \
      "$(on 0 $db "BEGIN; SELECT wfauth.set_principal('dana@example.com'); $seen; $dba; COMMIT" | grep . | tail -2 | tr '\n' ',' | sed 's/,$//')"

# any node may start the transaction: authenticate on worker 1
check "authenticated on a worker: every shard sees Dana" "$dana" \
      "$(w1app "SELECT wfauth.authenticate_token('$token')" "$seen")"
# a revocation on one node holds on all at the next statement
on 2 $db "SELECT wfauth.revoke_token('dana@example.com', 'second')" >/dev/null
check "a token revoked on worker 2 fails on worker 1" "28000" \
      "$(psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_app -d $db -v VERBOSITY=verbose \
             -c "SELECT wfauth.authenticate_token('$token')" 2>&1 | grep -o '28000' | head -1)"
done_testing
