#!/usr/bin/env bash
# protect() on distributed tables: after create_distributed_table, or
# before it (then again after); every shard protected; decisions on the
# workers follow the principal the coordinator signed; the lockdown holds
# on the shards.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/../tap/lib.bash"
. "$(dirname "$0")/lib.bash"
db=wfauth_citus
start_citus_cluster $db
on 0 $db "SET client_min_messages = warning; SELECT wfauth.distribute_model();
          CREATE ROLE wfauth_citus_app LOGIN; GRANT USAGE ON SCHEMA wfauth TO wfauth_citus_app;
          CREATE ROLE wfauth_citus_owner LOGIN; GRANT USAGE ON SCHEMA wfauth TO wfauth_citus_owner;
          GRANT CREATE ON SCHEMA public TO wfauth_citus_owner;
          SELECT wfauth.set_new_object_access('creator')" >$WORK/setup.log || bail "set up" $WORK/setup.log
dana=$(on 0 $db "SELECT wfauth.create_user('dana@example.com', permissions => '{dashboards}')")
erin=$(on 0 $db "SELECT wfauth.create_user('erin@example.com', permissions => '{dashboards}')")
tdana=$(on 0 $db "SELECT wfauth.generate_token('dana@example.com', 'app')")
terin=$(on 0 $db "SELECT wfauth.generate_token('erin@example.com', 'app')")

owner() { psql -qXAt -v ON_ERROR_STOP=1 -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db -c "$1" 2>&1; }
check "protect() after create_distributed_table" "" \
      "$(owner "CREATE TABLE boards (tenant int, id int, title text);
                SELECT create_distributed_table('boards', 'tenant');
                GRANT SELECT, INSERT, UPDATE, DELETE ON boards TO wfauth_citus_app;
                SELECT wfauth.protect('boards', 'dashboard')" | grep -v '^$')"
# (attack pass 23) a table protected before it is distributed is distributed by a DBA: the
# owner's entries in Citus's catalog could route its rows anywhere (below)
check "protect() before create_distributed_table: the owner cannot distribute it" "permission denied to change Citus's catalog" \
      "$(owner "CREATE TABLE notes (tenant int, id int, body text);
                SELECT wfauth.protect('notes', 'dashboard');
                SET citus.enable_unsafe_triggers = on;
                SELECT create_distributed_table('notes', 'tenant');
                SELECT wfauth.protect('notes', 'dashboard')" | grep -o "permission denied to change Citus's catalog")"
check "a DBA distributes it, then protect() again" "" \
      "$(owner "CREATE TABLE notes (tenant int, id int, body text); SELECT wfauth.protect('notes', 'dashboard')" | grep -v '^$'
         on 0 $db "SET citus.enable_unsafe_triggers = on; SELECT create_distributed_table('notes', 'tenant')" | grep -v '^$'
         owner "SELECT wfauth.protect('notes', 'dashboard')" | grep -v '^$')"
# each worker: its shards forced, with wfauth's 4 policies and its 2 row triggers (a table
# protected after it was distributed has no TRUNCATE trigger on its shards: the utility
# hook refuses that), and the table registered
shards="SET citus.show_shards_for_app_name_prefixes = '*';
        SELECT count(*) FILTER (WHERE c.relforcerowsecurity
                  AND (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname LIKE 'wfauth%') = 4
                  AND (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname ~ '^wfauth_acl_(insert|update)') = 2)
               || '/' || count(*)
          FROM pg_class c WHERE c.relname ~ '^(boards|notes)_[0-9]+$' AND c.relkind = 'r'"
for node in 1 2; do
    got=$(on $node $db "$shards" | tail -1)
    check "worker $node: every shard protected" "t" "$([ "${got%/*}" = "${got#*/}" ] && [ "${got#*/}" -gt 0 ] && echo t || echo "f ($got)")"
    check "worker $node: both tables registered" "boards notes" \
          "$(on $node $db "SELECT string_agg(tbl::text, ' ' ORDER BY tbl::text) FROM wfauth.protected_tables")"
done

# app TOKEN SQL...: as the application, one transaction, last line
app() { local t=$1; shift; psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" \
            -c "SELECT wfauth.authenticate_token('$t') IS NULL" "${@/#/-c}" -c "COMMIT" 2>&1 | grep . | tail -1; }
for t in 1 2 3 4; do
    app "$tdana" "INSERT INTO boards VALUES ($t, $t, 'dana''s')" >/dev/null
    app "$terin" "INSERT INTO boards VALUES ($t, 10 + $t, 'erin''s')" >/dev/null
done
check "inserted rows carry their creator's list, on the shards" "4 4" \
      "$(on 0 $db "SELECT count(*) FILTER (WHERE wfauth.acl_creator(acl) = $dana) || ' ' ||
                          count(*) FILTER (WHERE wfauth.acl_creator(acl) = $erin) FROM boards")"
check "fan-out: Dana sees her 4 rows" "4 dana's" "$(app "$tdana" "SELECT count(*) || ' ' || max(title) FROM boards")"
check "fan-out: Erin sees hers" "4 erin's" "$(app "$terin" "SELECT count(*) || ' ' || max(title) FROM boards")"
# (attack pass 23) Citus's connections to a worker carry the signed principal in their first
# command: they publish no command text in pg_stat_activity (each worker: connections, texts shown)
check "Citus's connections to the workers publish no command text" "t" \
      "$(on 0 $db "SELECT count(*) FROM boards; SELECT string_agg(result, ' ') FROM run_command_on_workers(\$\$
                   SELECT count(*) || ':' || count(*) FILTER (WHERE query <> '') FROM pg_stat_activity
                    WHERE application_name ~ '^citus.* gpid='\$\$)" | tail -1 | grep -qE '^[1-9][0-9]*:0 [1-9][0-9]*:0$' && echo t || echo f)"
check "router: Dana's row of tenant 3" "1" "$(app "$tdana" "SELECT count(*) FROM boards WHERE tenant = 3")"
check "nobody authenticated: nothing" "0" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SELECT count(*) FROM boards")"
check "Erin's update reaches none of Dana's rows" "0" \
      "$(app "$terin" "WITH u AS (UPDATE boards SET title = 'x' WHERE title = 'dana''s' RETURNING 1) SELECT count(*) FROM u")"
check "Dana deletes her row of tenant 2 (a router delete)" "1" \
      "$(app "$tdana" "WITH d AS (DELETE FROM boards WHERE tenant = 2 RETURNING 1) SELECT count(*) FROM d")"

# the lockdown holds on the shards, also for the owner connected to a worker
shard=$(on 1 $db "SET citus.show_shards_for_app_name_prefixes = '*';
                  SELECT relname FROM pg_class WHERE relname ~ '^boards_[0-9]+$' ORDER BY 1 LIMIT 1" | tail -1)
ownerw() { psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db -c "$1" 2>&1 | grep -o 'cannot [a-z ]*\|permission denied[a-z ]*' | head -1; }
check "the owner cannot lift forced row security on a shard" "t" \
      "$([ -n "$(ownerw "ALTER TABLE $shard NO FORCE ROW LEVEL SECURITY")" ] && echo t || echo f)"
check "nor drop a policy of a shard" "t" "$([ -n "$(ownerw "DROP POLICY wfauth_select ON $shard")" ] && echo t || echo f)"
check "nor disable a shard's triggers" "t" "$([ -n "$(ownerw "ALTER TABLE $shard DISABLE TRIGGER USER")" ] && echo t || echo f)"
check "nor rename a shard (then it would be no shard of a protected table)" "t" \
      "$([ -n "$(ownerw "ALTER TABLE $shard RENAME TO loot")" ] && echo t || echo f)"
check "nor move it to another schema" "t" \
      "$([ -n "$(ownerw "CREATE SCHEMA IF NOT EXISTS elsewhere; ALTER TABLE $shard SET SCHEMA elsewhere")" ] && echo t || echo f)"
check "nor add a permissive policy to a shard" "t" \
      "$([ -n "$(ownerw "CREATE POLICY anyone ON $shard USING (true)")" ] && echo t || echo f)"
check "nor a rule" "t" \
      "$([ -n "$(ownerw "CREATE RULE r AS ON UPDATE TO $shard DO INSTEAD NOTHING")" ] && echo t || echo f)"
# the same from the coordinator, on every shard at once (Citus runs it on the workers as the owner)
open_all="SELECT count(*) FILTER (WHERE success) FROM run_command_on_shards('boards', \$q\$
            DO \$d\$ BEGIN
                EXECUTE 'ALTER TABLE %1\$s RENAME TO boards_loot';
                ALTER TABLE boards_loot NO FORCE ROW LEVEL SECURITY;
                CREATE POLICY anyone ON boards_loot USING (true) WITH CHECK (true);
                EXECUTE 'ALTER TABLE boards_loot RENAME TO ' || '%1\$s';
            END \$d\$ \$q\$)"
out=$(owner "$open_all")
check "the owner's rename-and-open on every shard, from the coordinator, succeeds on none" "t" \
      "$([[ $out == 0 ]] && echo t || echo "f: $out")"
check "and the application with no principal still sees nothing" "0" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SELECT count(*) FROM boards")"
check "nor truncate a shard" "t" "$([ -n "$(ownerw "TRUNCATE $shard")" ] && echo t || echo f)"
check "the shard is still protected, its rows there" "true|4|true" \
      "$(on 1 $db "SET citus.show_shards_for_app_name_prefixes = '*';
                   SELECT relforcerowsecurity || '|' || (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid)
                          || '|' || (c.reltuples <> 0 OR pg_relation_size(c.oid) > 0)
                     FROM pg_class c WHERE relname = '$shard'" | tail -1)"

# Attack pass 14: what a worker counts as a shard, and what a function drops there
there=$(on 0 $db "SELECT 'boards_' || min(shardid) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
                  JOIN pg_dist_node USING (groupid) WHERE logicalrelid = 'boards'::regclass AND nodeport = $PORT2")
ownerw "CREATE TABLE public.$there (tenant int, id int, title text, acl wfauth.acl NOT NULL)" >/dev/null
ownerw "ALTER TABLE $shard INHERIT $there" >/dev/null
check "a table named like a shard worker 2 holds is no shard on worker 1: the shard there cannot inherit from it" "0" \
      "$(on 1 $db "SELECT count(*) FROM pg_inherits WHERE inhrelid = '$shard'::regclass")"
ownerw "SELECT worker_drop_shell_table('public.boards')" >/dev/null
check "the owner cannot drop the table on a worker while its shards are there (worker_drop_shell_table)" "1 1" \
      "$(on 1 $db "SELECT count(*) FROM pg_class WHERE relname = 'boards'") $(
         on 1 $db "SELECT count(*) FROM wfauth.protected_tables WHERE tbl::text = 'boards'")"
check "so the shard stays locked" "t" "$([ -n "$(ownerw "ALTER TABLE $shard NO FORCE ROW LEVEL SECURITY")" ] && echo t || echo f)"
ownerw "SELECT worker_drop_shell_table('public.$shard')" >/dev/null
check "nor drop a shard there with it, which DROP TABLE could not" "t" "$(on 1 $db "SELECT to_regclass('$shard') IS NOT NULL")"

# Citus's catalog on a worker, which the owner may change there (its citus_internal
# functions, posing as Citus's connection): a shard it no longer lists stays locked
owner "CREATE TABLE vault (tenant int, id int, title text); SELECT create_distributed_table('vault', 'tenant', shard_count := 2);
       SELECT wfauth.protect('vault', 'dashboard')" >/dev/null
dba_rows=$(on 0 $db "INSERT INTO vault SELECT g, g, 'secret' FROM generate_series(1, 8) g")
vshard=$(on 0 $db "SELECT 'vault_' || min(shardid) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
                   JOIN pg_dist_node USING (groupid) WHERE logicalrelid = 'vault'::regclass AND nodeport = $PORT1")
PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db \
    -c "SELECT citus_internal.delete_shard_metadata(${vshard#vault_})" >$WORK/unlisted.log 2>&1
check "the owner cannot take a shard out of Citus's catalog on a worker" "1 permission denied to change Citus's catalog" \
      "$(on 1 $db "SELECT count(*) FROM pg_dist_shard WHERE shardid = ${vshard#vault_}") $(
         grep -o "permission denied to change Citus's catalog" $WORK/unlisted.log)"
PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db \
    -c "SELECT citus_internal.delete_shard_metadata(${vshard#vault_})" >$WORK/unlisted0.log 2>&1
check "nor on the coordinator, which would then route the shard's rows elsewhere" "1 permission denied to change Citus's catalog" \
      "$(on 0 $db "SELECT count(*) FROM pg_dist_shard WHERE shardid = ${vshard#vault_}") $(
         grep -o "permission denied to change Citus's catalog" $WORK/unlisted0.log)"
# nor, in one transaction, take one out, rename it and make an unprotected table under its name
PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db -c "BEGIN" \
    -c "SELECT citus_internal.delete_placement_metadata(placementid) FROM pg_dist_placement
         WHERE shardid = ${shard#boards_} AND groupid = (SELECT groupid FROM pg_dist_local_group)" \
    -c "ALTER TABLE $shard RENAME TO boards_555" -c "SET LOCAL citus.enable_ddl_propagation = off" \
    -c "CREATE TABLE $shard (tenant int, id int, title text, acl wfauth.acl)" -c "COMMIT" >$WORK/a1.log 2>&1
check "nor take one out, rename it and make another under its name, in one transaction" "t permission denied to change Citus's catalog" \
      "$(on 1 $db "SELECT to_regclass('boards_555') IS NULL") $(grep -o "permission denied to change Citus's catalog" $WORK/a1.log)"
# nor strip it in the command that takes it out (a function that a CREATE TABLE AS runs)
PGAPPNAME='citus_internal gpid=10000000001' psql -qX -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db >$WORK/ctas.log 2>&1 <<SQL
SET citus.enable_ddl_propagation = off;
CREATE FUNCTION public.strip() RETURNS int LANGUAGE plpgsql AS \$f\$
BEGIN
  PERFORM citus_internal.delete_shard_metadata(${vshard#vault_});
  DROP TRIGGER wfauth_acl_insert_${vshard#vault_} ON public.$vshard;
  ALTER TABLE public.$vshard NO FORCE ROW LEVEL SECURITY;
  RETURN 1;
END \$f\$;
CREATE TABLE stripped AS SELECT public.strip();
SQL
check "nor in one command that takes it out and strips it" "t 1" \
      "$(on 1 $db "SET citus.show_shards_for_app_name_prefixes = '*';
                   SELECT relforcerowsecurity FROM pg_class WHERE oid = '$vshard'::regclass") $(
         on 1 $db "SELECT count(*) FROM pg_dist_shard WHERE shardid = ${vshard#vault_}")"
# a shard the catalog no longer lists (a DBA took it out, as a shard move leaves its old copy)
PGAPPNAME='citus_internal gpid=10000000001' on 1 $db "SELECT citus_internal.delete_shard_metadata(${vshard#vault_})" >/dev/null
check "a DBA may take it out" "0" "$(on 1 $db "SELECT count(*) FROM pg_dist_shard WHERE shardid = ${vshard#vault_}")"
check "the shard stays locked" "t" "$([ -n "$(ownerw "ALTER TABLE $vshard NO FORCE ROW LEVEL SECURITY")" ] && echo t || echo f)"
check "also against a command that only the state check sees (its column acl renamed through ALTER VIEW)" "t" \
      "$([ -n "$(ownerw "ALTER VIEW $vshard RENAME COLUMN acl TO gone")" ] && echo t || echo f)"
check "nor can its marks be dropped" "t" \
      "$([ -n "$(ownerw "DROP TRIGGER wfauth_acl_insert_${vshard#vault_} ON $vshard")" ] && echo t || echo f)"
check "its rows stay unread" "0" \
      "$(psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db -c "SELECT count(*) FROM $vshard" 2>&1)"
check "a DBA sees it among the faults" "1" \
      "$(on 1 $db "SELECT count(*) FROM wfauth.protection_faults() WHERE tbl::text = '$vshard' AND fault LIKE '%marked as a shard%'")"
# and Citus's worker_drop_distributed_table(), which deletes the catalog's rows first
v2shard=$(on 0 $db "SELECT 'vault_' || min(shardid) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
                    JOIN pg_dist_node USING (groupid) WHERE logicalrelid = 'vault'::regclass AND nodeport = $PORT2")
psql -qXAt -h $W2 -p $PORT2 -U wfauth_citus_owner -d $db -c "SELECT worker_drop_distributed_table('public.vault')" >$WORK/wddt.log 2>&1
check "the owner's worker_drop_distributed_table on worker 2 is refused" "permission denied to take shard" \
      "$(grep -o 'permission denied to take shard' $WORK/wddt.log)"
check "and the shard there stays locked" "t" \
      "$([ -n "$(psql -qXAt -h $W2 -p $PORT2 -U wfauth_citus_owner -d $db -c "ALTER TABLE $v2shard NO FORCE ROW LEVEL SECURITY" 2>&1 |
                 grep -o 'permission denied[a-z ]*')" ] && echo t || echo "f ($(cat $WORK/wddt.log))")"

# protected, then distributed by a DBA (its shards made with wfauth's triggers), not yet protected again:
# the shards on a worker are held already
owner "CREATE TABLE memo (tenant int, id int, body text); SELECT wfauth.protect('memo', 'dashboard')" >/dev/null
on 0 $db "SET citus.enable_unsafe_triggers = on; SELECT create_distributed_table('memo', 'tenant', shard_count := 2)" >/dev/null
mshard=$(on 0 $db "SELECT 'memo_' || min(shardid) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
                   JOIN pg_dist_node USING (groupid) WHERE logicalrelid = 'memo'::regclass AND nodeport = $PORT1")
check "protected, distributed, not protected again yet: the owner cannot strip a shard on a worker" "t" \
      "$([ -n "$(ownerw "ALTER TABLE $mshard NO FORCE ROW LEVEL SECURITY")" ] && echo t || echo f)"
check "and protect() again completes it" "" "$(owner "SELECT wfauth.protect('memo', 'dashboard')" | grep -v '^$')"

# ... or forge there: a look-alike entered as a shard (one worker 2 holds taken out of worker 1's
# catalog, the look-alike put in its range) is refused at commit, and would be no protected
# relation to join a real shard to (check_join: both protected in full)
owner "CREATE TABLE safe (tenant int, id int, title text); SELECT create_distributed_table('safe', 'tenant', shard_count := 4);
       SELECT wfauth.protect('safe', 'dashboard')" >/dev/null
on 0 $db "INSERT INTO safe SELECT g, g, 'secret' FROM generate_series(1, 8) g" >/dev/null
sshard=$(on 0 $db "SELECT 'safe_' || min(shardid) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
                   JOIN pg_dist_node USING (groupid) WHERE logicalrelid = 'safe'::regclass AND nodeport = $PORT1")
read -r fid fmin fmax <<<"$(on 1 $db "SELECT shardid || ' ' || shardminvalue || ' ' || shardmaxvalue FROM pg_dist_shard
                                     JOIN pg_dist_placement USING (shardid) WHERE logicalrelid = 'safe'::regclass
                                      AND groupid <> (SELECT groupid FROM pg_dist_local_group) ORDER BY 1 LIMIT 1")"
# (the owner may not take the shard out: a DBA does, as if by mistake)
PGAPPNAME='citus_internal gpid=10000000001' on 1 $db "SELECT citus_internal.delete_shard_metadata($fid)" >/dev/null
PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db \
    -c "CREATE TABLE public.safe_990001 (tenant int, id int, title text, acl wfauth.acl NOT NULL)" \
    -c "SELECT citus_internal.add_shard_metadata('safe'::regclass, 990001, 't', '$fmin', '$fmax')" \
    -c "SELECT citus_internal.add_placement_metadata(990001, 0, (SELECT groupid FROM pg_dist_local_group), 990001)" \
    >$WORK/forged.log 2>&1
ownerw "ALTER TABLE $sshard INHERIT safe_990001" >/dev/null
check "the owner cannot enter a look-alike in Citus's catalog on a worker as a shard, nor can the real shard inherit from it" "0 0" \
      "$(on 1 $db "SELECT count(*) FROM pg_dist_shard WHERE shardid = 990001") $(
         on 1 $db "SELECT count(*) FROM pg_inherits WHERE inhrelid = '$sshard'::regclass")"

# nor add a placement of a protected shard on another node, where a table of its own would get
# copies of the rows written (attack pass 21)
pshard=$(on 0 $db "SELECT min(shardid) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
                   JOIN pg_dist_node USING (groupid) WHERE logicalrelid = 'safe'::regclass AND nodeport = $PORT1")
w2group=$(on 2 $db "SELECT groupid FROM pg_dist_local_group")
PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db \
    -c "SELECT citus_internal.add_placement_metadata($pshard, 0, $w2group, 990100)" >$WORK/addp0.log 2>&1
PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db \
    -c "SELECT citus_internal.add_placement_metadata($pshard, 0, $w2group, 990101)" >$WORK/addp1.log 2>&1
check "the owner cannot add a placement of a protected shard, on a worker or the coordinator" "0 0 2" \
      "$(on 0 $db "SELECT count(*) FROM pg_dist_placement WHERE shardid = $pshard AND groupid = $w2group") $(
         on 1 $db "SELECT count(*) FROM pg_dist_placement WHERE shardid = $pshard AND groupid = $w2group") $(
         grep -l "permission denied to change Citus's catalog" $WORK/addp0.log $WORK/addp1.log | wc -l)"
# a table whose name is too long for "_<shard id>": Citus cuts and hashes it
long=boards_with_a_name_long_enough_that_citus_cuts_and_hashes_its_shards
owner "CREATE TABLE $long (tenant int, id int, title text); SELECT create_distributed_table('$long', 'tenant', shard_count := 2);
       SELECT wfauth.protect('$long', 'dashboard')" >/dev/null
lshard=$(on 1 $db "SELECT shard_name('$long', min(shardid)) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
                   WHERE logicalrelid = '$long'::regclass AND groupid = (SELECT groupid FROM pg_dist_local_group)")
check "a table with a long name: its shards, named with a hash, are protected with no fault" "0 t" \
      "$(on 1 $db "SELECT count(*) FROM wfauth.protection_faults() WHERE tbl::text LIKE 'boards_with%'") $([[ $lshard == *_*_[0-9]* ]] && echo t)"
check "and its shard cannot be dropped on a worker" "t" \
      "$(psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db -c "DROP TABLE $lshard" >/dev/null 2>&1; on 1 $db "SELECT to_regclass('$lshard') IS NOT NULL")"

# hand_distribute TABLE SHARD APPNAME THEN: the owner's local TABLE, protected, given Citus's
# entries by hand on the coordinator (its shard on worker 2), posing as APPNAME, THEN before
# COMMIT; prints how many entries it has and how many refusals were seen
hand_distribute() {
    owner "CREATE TABLE $1 (tenant int, id int, title text); SELECT wfauth.protect('$1', 'dashboard')" >/dev/null
    PGAPPNAME=$3 psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db -c "BEGIN" \
        -c "SELECT citus_internal.add_partition_metadata('$1', 'h', 'tenant', 0, 's')" \
        -c "SELECT citus_internal.add_shard_metadata('$1', $2, 't', '-2147483648', '2147483647')" \
        -c "SELECT citus_internal.add_placement_metadata($2, 0, $w2group, $2)" -c "$4" -c "COMMIT" >$WORK/h1.log 2>&1
    echo "$(on 0 $db "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = '$1'::regclass") $(
           grep -c "permission denied to change Citus's catalog" $WORK/h1.log)"
}
# (attack pass 22) a table protected while local, distributed by hand on the coordinator
check "a table protected while local is not distributed by hand (Citus's catalog, on the coordinator)" "0 1" \
      "$(hand_distribute loc 990500 'citus_internal gpid=10000000001' 'SELECT 1')"
# (attack pass 23) ... whatever the connection calls itself at commit, whoever wrote the entries
check "nor as 'citus_rebalancer'" "0 1" "$(hand_distribute loc_h1 990511 'citus_rebalancer gpid=10000000001' 'SELECT 1')"
check "nor as 'citus_internal', then renamed 'psql' before COMMIT" "0 1" \
      "$(hand_distribute loc_h2 990512 'citus_internal gpid=10000000001' "SET application_name = 'psql'")"
# ... nor made, protected and distributed by hand in one transaction (protect() before the entries)
psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db -c "BEGIN" \
    -c "CREATE TABLE loc9 (tenant int, id int, title text)" -c "SELECT wfauth.protect('loc9', 'dashboard')" \
    -c "SET LOCAL application_name = 'citus_internal gpid=10000000001'" \
    -c "SELECT citus_internal.add_partition_metadata('loc9', 'h', 'tenant', 0, 's')" \
    -c "SELECT citus_internal.add_shard_metadata('loc9', 990519, 't', '-2147483648', '2147483647')" \
    -c "SELECT citus_internal.add_placement_metadata(990519, 0, $w2group, 990519)" -c "COMMIT" >$WORK/h1.log 2>&1
check "nor protected, then distributed by hand, in one transaction" "1" \
      "$(grep -c "permission denied to change Citus's catalog" $WORK/h1.log)"
# swap_on_worker TABLE DROP LOG: on worker 1, posing as Citus, one transaction: TABLE's entries
# taken out, the table dropped with DROP, made anew unprotected, the same entries put back for it
swap_on_worker() {
    local t=$1 drop=$2 out=$3 takeout readd colo
    owner "CREATE TABLE $t (tenant int, id int, title text); SELECT create_distributed_table('$t', 'tenant', shard_count := 2);
           SELECT wfauth.protect('$t', 'dashboard')" >/dev/null
    takeout=$(on 1 $db "SELECT string_agg(format('SELECT citus_internal.delete_placement_metadata(%s);', placementid), ' ')
                        FROM pg_dist_placement JOIN pg_dist_shard USING (shardid) WHERE logicalrelid = '$t'::regclass")
    takeout="$takeout $(on 1 $db "SELECT string_agg(format('SELECT citus_internal.delete_shard_metadata(%s);', shardid), ' ')
                                  FROM pg_dist_shard WHERE logicalrelid = '$t'::regclass")"
    readd=$(on 1 $db "SELECT string_agg(format('SELECT citus_internal.add_shard_metadata(''$t'', %s, ''t'', %L, %L);', shardid,
                                               shardminvalue, shardmaxvalue), ' ') FROM pg_dist_shard WHERE logicalrelid = '$t'::regclass")
    readd="$readd $(on 1 $db "SELECT string_agg(format('SELECT citus_internal.add_placement_metadata(%s, 0, %s, %s);', shardid, groupid,
                                                       placementid), ' ')
                              FROM pg_dist_placement JOIN pg_dist_shard USING (shardid) WHERE logicalrelid = '$t'::regclass")"
    colo=$(on 1 $db "SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = '$t'::regclass")
    PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db >$out 2>&1 <<SQL
BEGIN;
$takeout
SELECT citus_internal.delete_partition_metadata('$t');
SET LOCAL citus.enable_ddl_propagation = off;
$drop;
CREATE TABLE $t (tenant int, id int, title text, acl wfauth.acl);
SELECT citus_internal.add_partition_metadata('$t', 'h', 'tenant', $colo, 's');
$readd
COMMIT;
SQL
}
# ... and on a worker, dropped with a function no event trigger sees
swap_on_worker swap "SELECT worker_drop_shell_table('public.swap')" $WORK/g3.log
check "nor swapped on a worker for an unprotected table of the same name, with the same entries" "t 1" \
      "$(on 1 $db "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'swap'::regclass") $(
         grep -c "permission denied to \(change Citus's catalog\|give table\)" $WORK/g3.log)"
# (attack pass 23) ... nor with an ordinary DROP TABLE, which unregisters it: a shard's id is
# not given to another table
swap_on_worker swap2 "DROP TABLE swap2" $WORK/h2.log
check "nor dropped on a worker and made anew unprotected, with the same shards" "t 1" \
      "$(on 1 $db "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'swap2'::regclass") $(
         grep -c "permission denied to give table \"swap2\" a shard of another table" $WORK/h2.log)"

# (attack pass 23, H3) statements find a shard on a worker by its schema's name: a schema
# holding protected tables is not renamed there (then made anew with a plain look-alike)
on 0 $db "GRANT CREATE ON DATABASE $db TO wfauth_citus_owner" >/dev/null
owner "CREATE SCHEMA own; CREATE TABLE own.t (tenant int, id int, title text);
       SELECT create_distributed_table('own.t', 'tenant', shard_count := 2); SELECT wfauth.protect('own.t', 'dashboard')" >/dev/null
check "a protected table's schema is not renamed on a worker" "permission denied to change the protection" \
      "$(psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db -c "SET citus.enable_ddl_propagation = off" \
             -c "ALTER SCHEMA own RENAME TO own_was" 2>&1 | grep -o 'permission denied to change the protection' | head -1)"

# (attack pass 24, F1) protect() with DDL propagation off in the owner's session (or its
# database's default) still reaches every shard
owner "CREATE TABLE nopro (tenant int, id int, title text); SELECT create_distributed_table('nopro', 'tenant', shard_count := 2)" >/dev/null
owner "SET citus.enable_ddl_propagation = off; SELECT wfauth.protect('nopro', 'dashboard')" >/dev/null
check "protect() with the owner's DDL propagation off: every shard protected all the same" "0 0 0" \
      "$(for n in 0 1 2; do on $n $db "SELECT count(*) FROM wfauth.protection_faults() WHERE tbl::text ~ '^nopro'"; done | xargs)"
# (attack pass 25, F5) ... nor with metadata sync off (the workers' own tables)
owner "CREATE TABLE nosync (tenant int, id int, title text); SELECT create_distributed_table('nosync', 'tenant', shard_count := 2)" >/dev/null
owner "SET citus.enable_metadata_sync = off; SELECT wfauth.protect('nosync', 'dashboard')" >/dev/null
check "protect() with the owner's metadata sync off: every node's table protected all the same" "0 0 0" \
      "$(for n in 0 1 2; do on $n $db "SELECT count(*) FROM wfauth.protection_faults() WHERE tbl::text ~ '^nosync'"; done | xargs)"
# refused_for_dana STATEMENT MESSAGE: "t" when STATEMENT, run in a transaction where Dana
# authenticated, fails once with MESSAGE (else how many times it printed it)
refused_for_dana() {
    psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "BEGIN" \
         -c "SELECT wfauth.authenticate_token('$tdana') IS NULL" -c "$1" -c "COMMIT" 2>&1 |
        grep -c "$2" | sed 's/^1$/t/'
}
# (attack pass 24, F6) a function of another role in the application's transaction (the owner's
# column default) reads no protected Citus table: the workers would read it as Dana
owner "CREATE FUNCTION peek_boards() RETURNS text LANGUAGE sql AS 'SELECT string_agg(title, '','') FROM public.boards';
       CREATE TABLE spy6 (x int, loot text DEFAULT peek_boards()); GRANT INSERT ON spy6 TO wfauth_citus_app" >/dev/null
check "the owner's default, run in Dana's transaction, reads no protected Citus table" "t 0" \
      "$(refused_for_dana "INSERT INTO spy6 (x) VALUES (1)" 'is read within a function of another role') $(
         on 0 $db "SELECT count(*) FROM spy6 WHERE loot IS NOT NULL")"

# (attack pass 27) the owner's argument default, filled into the query Citus sends the
# workers, would run there as the application's own, with Dana's principal
owner "CREATE FUNCTION tagged(a int, b text DEFAULT wfauth.current_principal()::text) RETURNS text
       LANGUAGE sql AS 'SELECT b'" >/dev/null
check "the owner's argument default is not sent to the workers in Dana's transaction" "t" \
      "$(refused_for_dana "SELECT DISTINCT tagged(id) FROM boards" 'is read by a statement that runs expressions of another role')"

# (attack pass 28) ... nor in the call of a distributed function that Citus delegates to
# a worker (the statement reads no table on the coordinator)
owner "CREATE FUNCTION delegated(a int, b text DEFAULT wfauth.current_principal()::text) RETURNS text
       LANGUAGE sql AS 'SELECT b';
       SELECT create_distributed_function('delegated(int,text)', '\$1', colocate_with := 'boards', force_delegation := true)" >/dev/null
check "the owner's argument default is not sent to a worker with its function's delegated call" "t" \
      "$(refused_for_dana "SELECT delegated(7)" 'runs expressions of another role is sent to another Citus node')"

# (attack pass 29) ... nor a view of the owner's, whose expressions Citus writes into the
# query it sends the workers (there they read the protected shards by name)
owner "CREATE TABLE spots (tenant int, id int); SELECT create_distributed_table('spots', 'tenant');
       INSERT INTO spots VALUES (1, 1), (2, 2);
       CREATE VIEW spotted AS SELECT id, wfauth.current_principal() AS who FROM spots;
       GRANT SELECT ON spotted TO wfauth_citus_app" >/dev/null
check "the owner's view's expressions are not sent to the workers in Dana's transaction" "t" \
      "$(refused_for_dana "SELECT DISTINCT who FROM spotted" 'is read by a statement that runs expressions of another role')"

# (attack pass 30) ... nor, while someone acts, any statement on a Citus table that the
# owner's code sends (its function, a nested statement of its view): the workers would
# run its expressions, which can read a protected shard by name there, as Dana's
owner "CREATE FUNCTION spot_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM spots';
       CREATE VIEW spot_xml AS SELECT query_to_xml('SELECT id FROM spots', false, false, '') AS x;
       GRANT SELECT ON spot_xml, spots TO wfauth_citus_app" >/dev/null
check "the owner's function sends no statement to the workers in Dana's transaction" "t" \
      "$(refused_for_dana "SELECT spot_count()" 'is read by code of another role while someone acts')"
check "nor does a statement nested in the owner's view" "t" \
      "$(refused_for_dana "SELECT x IS NOT NULL FROM spot_xml" 'is read by code of another role while someone acts')"
check "with nobody acting, the owner's function works" "2" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SELECT spot_count()" 2>&1)"

# (attack passes 31, 32) ... nor does it call Citus's functions, or run commands Citus sends
# the workers (a copy of rows, DDL: a CHECK constraint there runs as the application's own;
# run_command_on_* made the application's trigger while nobody acted, run later as its own)
on 0 $db "CREATE TABLE app_own (a int); ALTER TABLE app_own OWNER TO wfauth_citus_app" >/dev/null
owner "CREATE FUNCTION distributes(t regclass) RETURNS void LANGUAGE plpgsql
           AS \$\$ BEGIN PERFORM create_distributed_table(t, 'a'); END \$\$;
       CREATE FUNCTION alters(t regclass) RETURNS void LANGUAGE plpgsql
           AS \$\$ BEGIN EXECUTE format('ALTER TABLE %s ADD COLUMN b int CHECK (b > 0)', t); END \$\$;
       CREATE FUNCTION everywhere(c text) RETURNS SETOF text LANGUAGE sql
           AS 'SELECT result FROM run_command_on_all_nodes(c)';
       CREATE FUNCTION peeks() RETURNS bigint LANGUAGE sql
           AS 'SELECT count(*) FROM read_intermediate_result(''1_1'', ''binary'') AS r(x int)'" >/dev/null
check "the owner's function calls no Citus function in Dana's transaction" "t" \
      "$(refused_for_dana "SELECT distributes('app_own')" 'calls Citus function create_distributed_table')"
check "nor runs DDL there" "t" \
      "$(refused_for_dana "SELECT alters('app_own')" "runs ALTER TABLE in the application's session")"
check "nor with nobody acting (what it sent would run as the application's own later)" "1" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SELECT distributes('app_own')" 2>&1 |
         grep -c 'calls Citus function')"
check "nor reads the transaction's intermediate results while Dana acts (attack pass 33)" "t" \
      "$(refused_for_dana "SELECT peeks()" 'calls Citus function read_intermediate_result')"
check "nor run_command_on_all_nodes(), with nobody acting" "1" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SELECT everywhere('SELECT 1')" 2>&1 |
         grep -c 'calls Citus function')"

# ... nor a protected shard made a distributed table of its own there
PGAPPNAME='citus_internal gpid=10000000001' psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db \
    -c "SELECT citus_internal.add_partition_metadata('$shard', 'h', 'tenant', 0, 's')" >$WORK/g2.log 2>&1
check "nor a protected shard made a table of its own in a worker's catalog" "0 1" \
      "$(on 1 $db "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = '$shard'::regclass") $(
         grep -c "permission denied to change Citus's catalog" $WORK/g2.log)"

# A registration is what lets a table join a protected hierarchy: a worker takes
# only the one the node running protect() signed for this distributed transaction
owner "CREATE TABLE peek (tenant int, id int, title text, acl wfauth.acl NOT NULL);
       SELECT create_distributed_table('peek', 'tenant')" >/dev/null
ownerw_says() { psql -qXAt -h $W1 -p $PORT1 -U wfauth_citus_owner -d $db -c "$1" 2>&1 | grep -o 'permission denied[a-z ]*' | head -1; }
check "the owner, on a worker, cannot register its table unsigned" "permission denied to register a protected table without its node" \
      "$(ownerw_says "SELECT wfauth._register_protected('public.peek', 1::smallint, NULL)")"
mac=$(on 0 $db "BEGIN; SELECT wfauth._sign_registration(wfauth._citus_identity('peek'), 1::smallint); COMMIT" | grep -E '^[0-9a-f]{64}$')
check "nor with a registration signed in another transaction" "64 permission denied to register a protected table without its node" \
      "${#mac} $(ownerw_says "SELECT wfauth._register_protected('public.peek', 1::smallint, '$mac')")"
check "nor on the coordinator" "permission denied to register a protected table without its node" \
      "$(owner "SELECT wfauth._register_protected('public.peek', 1::smallint, '$mac')" | grep -o 'permission denied[a-z ]*')"
check "so its table cannot be made a protected table's parent, on the worker" "t" \
      "$([ -n "$(ownerw "ALTER TABLE $shard INHERIT peek")" ] && echo t || echo f)"
check "and no node registered it" "0 0 0" \
      "$(for n in 0 1 2; do on $n $db "SELECT count(*) FROM wfauth.protected_tables WHERE tbl::text = 'peek'"; done | xargs)"
# The owner reads the signed registration its own protect() sent (pg_stat_activity on
# the workers, in the same transaction), drops the table, makes another of the same
# name and replays the registration on a worker through a function of its own that a
# shard query runs there: the signature names the table by its shards, not its name
owner "CREATE TABLE carrier (tenant int); SELECT create_distributed_table('carrier', 'tenant');
       INSERT INTO carrier SELECT g FROM generate_series(1, 8) g;
       CREATE TABLE decoy (tenant int, id int, title text); SELECT create_distributed_table('decoy', 'tenant')" >/dev/null
owner "CREATE FUNCTION replay(mac text) RETURNS int LANGUAGE plpgsql AS
           \$f\$ BEGIN PERFORM wfauth._register_protected('public.decoy', 1::smallint, mac); RETURN 1; END \$f\$" >/dev/null
replayed=$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_owner -d $db 2>&1 <<'SQL'
BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
SELECT wfauth.protect('decoy', 'dashboard');
SELECT string_agg(result, ' ') AS seen, coalesce(substring(string_agg(result, ' ') FROM '''([0-9a-f]{64})'''), 'none') AS mac
  FROM run_command_on_workers($$SELECT string_agg(query, ' ') FROM pg_stat_activity
                                WHERE query LIKE '%\_register\_protected%' AND pid <> pg_backend_pid()$$) \gset
\echo :'seen'
DROP TABLE decoy;
CREATE TABLE decoy (tenant int, id int, title text, acl wfauth.acl NOT NULL);
SELECT create_distributed_table('decoy', 'tenant');
SELECT replay(:'mac') FROM carrier WHERE tenant = 1;
COMMIT;
SQL
)
check "the owner's protect() leaves no signature in the workers' pg_stat_activity" "" \
      "$(grep -oE '[0-9a-f]{64}' <<<"$replayed")"
check "a registration replayed for another table of the same name, in the same transaction, is refused" \
      "permission denied to register a protected table without its node" \
      "$(grep -o 'permission denied[a-z ]*' <<<"$replayed" | head -1)"
check "and the new table is registered on no node" "0 0 0" \
      "$(for n in 0 1 2; do on $n $db "SELECT count(*) FROM wfauth.protected_tables WHERE tbl::text = 'decoy'"; done | xargs)"

dba() { psql -qXAt -h $COORD -p $PORT0 -d $db -c "$1" 2>&1 | grep -v '^$'; }
# a distributed partitioned table: its partitions are protected with it, on every node,
# and so is a partition made later (as a registration its protect() signed)
check "protect() on a distributed partitioned table" "" \
      "$(owner "CREATE TABLE logs (tenant int, id int, body text) PARTITION BY RANGE (id);
                CREATE TABLE logs_1 PARTITION OF logs FOR VALUES FROM (0) TO (100);
                SELECT create_distributed_table('logs', 'tenant');
                GRANT SELECT, INSERT ON logs TO wfauth_citus_app;
                SELECT wfauth.protect('logs', 'dashboard')" | grep -v '^$')"
lshard=$(on 0 $db "SELECT 'logs_' || min(shardid) FROM pg_dist_shard JOIN pg_dist_placement USING (shardid)
                   JOIN pg_dist_node USING (groupid) WHERE logicalrelid = 'logs'::regclass AND nodeport = $PORT1")
check "a protected distributed partitioned table: no fault on either worker" "0 0" \
      "$(for n in 1 2; do on $n $db "SELECT count(*) FROM wfauth.protection_faults() WHERE tbl::text ~ '^logs'"; done | xargs)"
lpart=$(on 1 $db "SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = '$lshard'::regclass LIMIT 1")
ownerw "ALTER TABLE $lshard DETACH PARTITION $lpart" >/dev/null
check "on a worker, the owner cannot detach a partition shard (wfauth's triggers on it are its parent's clones)" "1" \
      "$(on 1 $db "SELECT count(*) FROM pg_inherits WHERE inhrelid = '$lpart'::regclass")"
ownerw "CREATE TABLE public.sink PARTITION OF $lshard DEFAULT" >/dev/null
check "on a worker, the owner cannot make an unprotected partition of a partitioned shard" "0" \
      "$(on 1 $db "SELECT count(*) FROM pg_class WHERE relname = 'sink'")"
check "a partition made later: Citus refuses the owner (wfauth's triggers), and it is not made" "t 0" \
      "$([[ $(owner "CREATE TABLE logs_2 PARTITION OF logs FOR VALUES FROM (100) TO (200)") == *"because it has triggers"* ]] && echo t || echo f) $(
         on 0 $db "SELECT count(*) FROM pg_class WHERE relname = 'logs_2'")"
check "so: a DBA keeps the application out and unprotects; the owner adds the partition and protects" "" \
      "$(dba "SET client_min_messages = warning; BEGIN; REVOKE ALL ON logs FROM wfauth_citus_app;
              SELECT wfauth.unprotect('logs'); COMMIT"
         owner "BEGIN; CREATE TABLE logs_2 PARTITION OF logs FOR VALUES FROM (100) TO (200);
                SELECT wfauth.protect('logs', 'dashboard'); GRANT SELECT, INSERT ON logs TO wfauth_citus_app; COMMIT" | grep -v '^$')"
check "every node registers the table and both partitions" "3 3 3" \
      "$(for n in 0 1 2; do on $n $db "SELECT count(*) FROM wfauth.protected_tables WHERE tbl::text ~ '^logs'"; done | xargs)"
check "Dana writes into both partitions and sees her rows" "2" \
      "$(app "$tdana" "INSERT INTO logs VALUES (1, 50, 'a'), (2, 150, 'b')" "SELECT count(*) FROM logs")"
check "with no principal, nothing" "0" \
      "$(psql -qXAt -h $COORD -p $PORT0 -U wfauth_citus_app -d $db -c "SELECT count(*) FROM logs")"

# Citus's conversions make a new table: a DBA unprotects, converts, protects again
registered() { echo "$(on 0 $db "SELECT count(*) FROM wfauth.protected_tables WHERE tbl = 'boards'::regclass") $(
               on 0 $db "SELECT count(*) FROM citus_shards WHERE table_name = 'boards'::regclass") $(
               on 1 $db "SELECT count(*) FROM wfauth.protected_tables WHERE tbl::text = 'boards'")"; }
check "the owner's alter_distributed_table of a protected table fails" "t" \
      "$([[ $(owner "SELECT alter_distributed_table('boards', shard_count := 8)") == *ERROR* ]] && echo t || echo f)"
check "unprotect() on a distributed table, by a DBA" "" \
      "$(dba "SET client_min_messages = warning; SELECT wfauth.unprotect('boards')")"
check "then alter_distributed_table and protect(): registered, 8 shards, on the worker too" "1 8 1" \
      "$(dba "SET client_min_messages = warning; SELECT alter_distributed_table('boards', shard_count := 8, cascade_to_colocated := false)" >$WORK/alter.log
         dba "SELECT wfauth.protect('boards', 'dashboard')" >/dev/null; registered)"
check "Dana sees her 3 rows, Erin hers" "3 dana's|4 erin's" \
      "$(app "$tdana" "SELECT count(*) || ' ' || max(title) FROM boards")|$(app "$terin" "SELECT count(*) || ' ' || max(title) FROM boards")"
check "undistribute_table between unprotect() and protect(), one transaction: a local protected table" "1 0 0" \
      "$(dba "SET client_min_messages = warning; BEGIN; SELECT wfauth.unprotect('boards'); SELECT undistribute_table('boards');
              SELECT wfauth.protect('boards', 'dashboard'); COMMIT" >/dev/null; registered)"
check "Dana still sees her 3 rows" "3 dana's" "$(app "$tdana" "SELECT count(*) || ' ' || max(title) FROM boards")"
done_testing
