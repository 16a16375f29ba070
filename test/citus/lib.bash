# Shared by the Citus suites (test/citus/*.sh): a coordinator and two
# workers on one machine, each on a socket of its own (the nodes reach each
# other by socket directory), with Citus and wfauth installed and preloaded
# (WFAUTH_CITUS_PRELOAD=citus: wfauth loaded when first used).  Sourced after
# test/tap/lib.bash.  Sets COORD, W1, W2 (socket directories; ports PORT0..2).
export PGUSER=wfauth_dba
PORT0=${WFAUTH_CITUS_PORT:-56320}
PORT1=$((PORT0 + 1))
PORT2=$((PORT0 + 2))
CLUSTER_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

# start_citus_cluster DB: three nodes, DB created on each with citus and
# wfauth, the workers added, the coordinator in the metadata
start_citus_cluster() {
    local db=$1 i dir port
    COORD=$WORK/coord W1=$WORK/w1 W2=$WORK/w2
    i=0
    for dir in $COORD $W1 $W2; do
        port=$((PORT0 + i)); i=$((i + 1))
        new_cluster $dir $port
        # the same key on every node, readable by the server's user only
        printf '%s' "$CLUSTER_KEY" >$dir/cluster.key
        chmod 600 $dir/cluster.key
        [ "$(id -u)" = 0 ] && chown postgres: $dir/cluster.key
        cat >>$dir/data/postgresql.conf <<CONF
shared_preload_libraries = '${WFAUTH_CITUS_PRELOAD:-citus, wfauth}'
max_prepared_transactions = 50
fsync = off
citus.propagate_set_commands = 'local'
wfauth.cluster_key_file = '$dir/cluster.key'
CONF
        start $dir
        psql -qX -h $dir -p $port -d postgres -c "CREATE DATABASE $db" >/dev/null || bail "create $db"
        psql -qX -h $dir -p $port -d $db -c "SET client_min_messages = warning" -c "CREATE EXTENSION citus" \
            >/dev/null || bail "create extension citus on $dir"
    done
    psql -qX -h $COORD -p $PORT0 -d $db -v ON_ERROR_STOP=1 >$WORK/nodes.log 2>&1 <<SQL || bail "add the nodes" $WORK/nodes.log
SELECT citus_set_coordinator_host('$COORD', $PORT0);
SELECT citus_add_node('$W1', $PORT1);
SELECT citus_add_node('$W2', $PORT2);
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
SQL
}

# node_dir NODE: the socket directory of node NODE (0, 1 or 2)
node_dir() { case $1 in 0) echo $COORD ;; 1) echo $W1 ;; 2) echo $W2 ;; esac; }

# on NODE DB SQL: one value from node NODE
on() { psql -qXAt -v ON_ERROR_STOP=1 -h $(node_dir $1) -p $((PORT0 + $1)) -d "$2" -c "$3" 2>&1; }

# hold NAME DB SQL PATTERN: a session on the coordinator runs SQL in a transaction
# it keeps open, until a line of its output matches PATTERN; release ends it
hold() {
    rm -f $WORK/$1.in; mkfifo $WORK/$1.in
    psql -qXAt -h $COORD -p $PORT0 -d $2 <$WORK/$1.in >$WORK/$1.out 2>&1 6>&- &
    held=$!
    exec 6>$WORK/$1.in
    echo "BEGIN; $3" >&6
    wait_for $WORK/$1.out "$4" || bail "$1" $WORK/$1.out
}
release() { echo "COMMIT;" >&6; exec 6>&-; wait $held; }

# wait_for FILE PATTERN: until a line of FILE matches (a minute at most)
wait_for() { for _ in $(seq 1 600); do grep -q "$2" "$1" && return 0; sleep 0.1; done; return 1; }

# citus_installed: is citus.so there for this PostgreSQL?
citus_installed() { [ -f "$($BIN/pg_config --pkglibdir)/citus.so" ]; }
