# Shared by the TAP shell tests (test/tap/*.sh): TAP output, and clusters of
# their own beside the harness's one, run as an unprivileged user.
BIN=${WFAUTH_PGBIN:-/usr/lib/postgresql/15/bin}
RUN_AS=()
[ "$(id -u)" = 0 ] && RUN_AS=(runuser -u postgres --)
n=0
fails=0
CLUSTERS=()
WORK=$(mktemp -d /tmp/wfauth-tap.XXXXXX)     # scratch space, removed on exit
chmod 755 "$WORK"

check() {   # check "description" expected actual
    n=$((n + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $n - $1"
    else
        fails=$((fails + 1))
        echo "not ok $n - $1"
        echo "#   want: $2"
        echo "#   have: $3"
    fi
}

bail() {    # bail "why" [LOGFILE]: stop here; the harness counts it as a failure
    echo "not ok $((n + 1)) - $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/#   /' "$2" | tail -20
    echo "Bail out! $1"
    exit 1
}

done_testing() {
    echo "1..$n"
    [ "$fails" -eq 0 ]
}

# q DATABASE SQL [PORT [HOST]]: one value, unaligned
q() { psql -qXAt -v ON_ERROR_STOP=1 -h "${4:-$PGHOST}" -p "${3:-$PGPORT}" -d "$1" -c "$2"; }

# own_dir DIR: a directory the server's user can write
own_dir() {
    mkdir -p "$1"
    chmod 755 "$1"
    [ "$(id -u)" = 0 ] && chown postgres: "$1"
    return 0
}

# new_cluster DIR PORT: an initialised, stopped cluster with its socket in DIR
new_cluster() {
    local dir=$1 port=$2
    own_dir "$dir"
    "${RUN_AS[@]}" $BIN/initdb -D "$dir/data" -U wfauth_dba -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || bail "initdb $dir" "$dir/initdb.log"
    set_port "$dir" "$port"
    CLUSTERS+=("$dir")
}

set_port() {    # set_port DIR PORT: listen on PORT, socket in DIR only
    cat >>"$1/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$1'
port = $2
shared_buffers = '128MB'
log_min_messages = warning
CONF
}

pg_ctl_as() { "${RUN_AS[@]}" $BIN/pg_ctl "$@"; }
start() {
    if [ -n "${WFAUTH_VALGRIND_DIR:-}" ]; then start_under_valgrind "$1"; return; fi
    pg_ctl_as -D "$1/data" -l "$1/server.log" -w -t 120 start >/dev/null || bail "start the cluster in $1" "$1/server.log"
}

# start_under_valgrind DIR (make citus-valgrind): the postmaster and every
# backend under memcheck, a log per process in $WFAUTH_VALGRIND_DIR; waits
# until the node answers
start_under_valgrind() {
    local logs port i
    logs=$WFAUTH_VALGRIND_DIR/$(basename "$WORK")-$(basename "$1")
    own_dir "$logs"
    port=$(sed -n 's/^port = //p' "$1/data/postgresql.conf" | tail -1)
    "${RUN_AS[@]}" valgrind --quiet --trace-children=yes --num-callers=30 --log-file="$logs/%p.log" \
        $BIN/postgres -D "$1/data" >"$1/server.log" 2>&1 &
    for i in $(seq 1 300); do
        psql -qXAt -h "$1" -p "$port" -d postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 1
    done
    bail "start the cluster in $1 under valgrind" "$1/server.log"
}

# every cluster this test made is stopped and removed, whatever happens
remove_clusters() {
    local dir
    for dir in "${CLUSTERS[@]}"; do
        # (under memcheck: a fast stop, so that every process ends its log)
        pg_ctl_as -D "$dir/data" -m "$([ -n "${WFAUTH_VALGRIND_DIR:-}" ] && echo fast || echo immediate)" \
            -w -t 300 stop >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap remove_clusters EXIT

# start_pgbouncer DB USER PORT POOL_SIZE: pgbouncer in transaction mode on a
# socket of its own in $WORK/pgbouncer, as the server's user, in front of the
# harness's server; stopped on exit.  Sets PGB to its socket directory.
start_pgbouncer() {
    PGB=$WORK/pgbouncer
    own_dir $PGB
    cat >$PGB/pgbouncer.ini <<INI
[databases]
$1 = host=$PGHOST port=$PGPORT dbname=$1
[pgbouncer]
listen_addr =
listen_port = $3
unix_socket_dir = $PGB
auth_type = trust
auth_file = $PGB/users.txt
pool_mode = transaction
default_pool_size = $4
max_client_conn = 200
logfile = $PGB/pgbouncer.log
pidfile = $PGB/pgbouncer.pid
INI
    launch_pgbouncer "$1" "$2" "$3"
}

# launch_pgbouncer DB USER PORT: start the pgbouncer of $PGB/pgbouncer.ini
# (its pidfile $PGB/pgbouncer.pid, its log $PGB/pgbouncer.log) with USER
# let in, and wait until DB answers through it on PORT; stopped on exit.
launch_pgbouncer() {
    echo "\"$2\" \"\"" >$PGB/users.txt
    [ "$(id -u)" = 0 ] && chown -R postgres: $PGB
    "${RUN_AS[@]}" /usr/sbin/pgbouncer -d $PGB/pgbouncer.ini || bail "start pgbouncer" $PGB/pgbouncer.log
    trap 'kill "$(cat $PGB/pgbouncer.pid 2>/dev/null)" 2>/dev/null; remove_clusters' EXIT
    for _ in $(seq 1 50); do
        psql -qXAt -h $PGB -p $3 -U "$2" -d "$1" -c "SELECT 1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    bail "pgbouncer did not answer" $PGB/pgbouncer.log
}

# dana_app DB ROLE: in DB, the extension, login ROLE owning schema app and
# its protected app.dashboards, Dana (password $password, holding
# dashboards) and her dashboard X; sets api_token to a token of hers
dana_app() {
    psql -qX -v ON_ERROR_STOP=1 -v password="$password" -v role="$2" -d "$1" >$WORK/setup.log 2>&1 <<'SQL' || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
GRANT USAGE ON SCHEMA wfauth TO :"role";
CREATE SCHEMA app AUTHORIZATION :"role";
SET ROLE :"role";
CREATE TABLE app.dashboards (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text);
SELECT wfauth.protect('app.dashboards', 'dashboard');
RESET ROLE;
SELECT wfauth.create_user('dana@example.com', :'password', permissions => '{dashboards}');
INSERT INTO app.dashboards (title) VALUES ('X');
CREATE TABLE token AS SELECT wfauth.generate_token('dana@example.com', 'app') AS value;
SQL
    api_token=$(q "$1" "SELECT value FROM token")
    q "$1" "DROP TABLE token" >/dev/null
}
