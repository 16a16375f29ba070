#!/usr/bin/env bash
# Every fenced block of docs/app-integration.md, run as written, in the
# database and with the role the page names (app):
#   sql         with psql, in page order, as the role its first line names,
#               before the client blocks (the Python ones are one script, and
#               the role's setting must come before their sessions);
#   python      with psycopg 3: the module (<!-- wfauth_app.py begins -->)
#               as wfauth_app.py, the others in page order as one script,
#               since each continues the one before;
#   javascript  with pg from npm: the module as wfauth_app.js, each other
#               block a script of its own (skipped, saying so, without node
#               or the npm registry);
#   ini         pgbouncer started from it, and the Python and JavaScript
#               scripts run again through it, in transaction mode.
# A block that catches an error to show it must print the SQLSTATE the
# comment on its except/catch line names.  A block none of this runs fails
# the test, unless NOT_RUN says why it is not run.  (docs/tutorial.md is
# tutorial.sh's, which checks that it runs every block.)  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
page=$top/docs/app-integration.md
db=app                                  # the page's names: database app, role app
pgb_port=$((PGPORT + 12))

# Blocks deliberately not run: their first line -> why.  None today.
declare -A NOT_RUN=()
declare -A RAN=()

# The page's blocks: $B/NN.LANG, and $B/index with "NN LANG MODULE" lines
# (MODULE: the file name of a <!-- NAME begins --> line right above it, or -)
B=$WORK/blocks
mkdir -p $B/py $B/js
awk -v dir=$B '
    inblock && /^```$/ { close(file); inblock = 0; next }
    inblock            { print > file; next }
    /^```/             { n++; lang = substr($0, 4); if (lang == "") lang = "text"
                         file = sprintf("%s/%02d.%s", dir, n, lang); printf "" > file
                         printf "%02d %s %s\n", n, lang, (module == "" ? "-" : module) > (dir "/index")
                         inblock = 1; module = ""; next }
    /^<!-- [^ ]+ begins -->$/ { module = $2; next }
                       { module = "" }
' "$page"
fences=$(grep -c '^ *```' "$page")
check "docs/app-integration.md: every fence starts a line and opens or closes a block" \
      "$fences" "$(( $(wc -l <$B/index) * 2 ))"
label() { echo "block $1 ($2$( [ "$3" = - ] || echo ", $3"))"; }    # label NN LANG MODULE

password="dana's passphrase $RANDOM$RANDOM"
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS app" -c "CREATE DATABASE $db" >/dev/null 2>&1
# what the page takes as given: the extension, the role app owning its schema
# and a protected table, Dana (who holds dashboards), a dashboard, her token
dana_app $db app

# --- SQL ---------------------------------------------------------------------
while read -r nn lang module; do
    [ "$lang" = sql ] || continue
    f=$B/$nn.sql first=$(head -1 $B/$nn.sql)
    RAN[$nn]=1
    case "$first" in
        "-- as a superuser") user=$PGUSER ;;
        "-- as the application"|"-- as any role") user=app ;;
        *) check "$(label $nn sql $module) says who runs it" t f; continue ;;
    esac
    psql -X -v ON_ERROR_STOP=1 -U $user -d $db -f $f >$f.out 2>&1
    rc=$?
    check "$(label $nn sql $module) runs without error, ${first#-- }" 0 "$rc"
    grep -q ERROR $f.out && sed 's/^/#   /' $f.out | head -10
    if grep -q 'AS protected' $f; then
        check "$(label $nn sql $module): the health check says app.dashboards is protected" t \
              "$(grep -qx ' t' $f.out && echo t)"
    fi
done <$B/index

# --- the client blocks: modules, and scripts -------------------------------
# want_states FILE: the SQLSTATEs its except/catch lines name ("# 28000: ...")
want_states() { sed -nE 's/.*(except|catch).*(#|\/\/) *([0-9A-Z]{5}):.*/\3/p' "$1" | xargs; }
while read -r nn lang module; do
    case "$lang" in
        python)     d=$B/py ;;
        javascript) d=$B/js ;;
        *) continue ;;
    esac
    RAN[$nn]=1
    if [ "$module" != - ]; then
        cp $B/$nn.$lang $d/$module
        uses=$(grep -l -e "from ${module%.*} import" -e "require('./${module%.*}')" $d/../*.$lang 2>/dev/null | wc -l)
        check "$(label $nn $lang $module) is used by the page's other $lang blocks" t "$([ "$uses" -gt 0 ] && echo t)"
    elif [ "$lang" = python ]; then
        echo "$nn" >>$B/py/blocks
    else
        echo "$nn" >>$B/js/blocks
        # password: the test's stand-in for the page's placeholder (Dana's)
        { echo 'const password = process.env.DANA_PASSWORD;'; cat $B/$nn.javascript; } >$B/js/block$nn.js
    fi
done <$B/index

# One Python script: the page's blocks in order, each between two lines that
# say how far it got.  password and api_token are the test's stand-ins for
# the page's placeholders: Dana's password and an API token of hers.  At the
# end, how many rows the last block's last read saw (the fixes read as Dana).
{
    echo 'import os'
    echo 'password, api_token = os.environ["DANA_PASSWORD"], os.environ["API_TOKEN"]'
    for nn in $(cat $B/py/blocks 2>/dev/null); do
        echo "print('# block $nn begins', flush=True)"
        cat $B/$nn.python
        echo "print('# block $nn ran', flush=True)"
    done
    echo "print('# rows read last:', len(rows))"
} >$B/py/app.py

# run_python LABEL HOST PORT: the script against a server (or a pooler)
run_python() {
    local out=$B/py/out.$3 nn have
    (cd $B/py && PGHOST=$2 PGPORT=$3 DANA_PASSWORD="$password" API_TOKEN="$api_token" \
        timeout 120 /usr/bin/python3 app.py) >$out 2>&1
    for nn in $(cat $B/py/blocks 2>/dev/null); do
        check "$1$(label $nn python -) runs to its end" t "$(grep -qx "# block $nn ran" $out && echo t)"
        have=$(sed -n "/^# block $nn begins\$/,/^# block $nn ran\$/p" $out | grep -oE '^[0-9A-Z]{5} ' | xargs)
        [ -z "$(want_states $B/$nn.python)" ] ||
            check "$1$(label $nn python -) gets the errors it shows" "$(want_states $B/$nn.python)" "$have"
    done
    check "$1the last read of the Python blocks saw Dana's dashboards" t \
          "$(grep -qE '^# rows read last: [1-9]' $out && echo t)"
    grep -q '^Traceback' $out && sed 's/^/#   /' $out | tail -12
}

# run_node LABEL HOST PORT: each JavaScript script against a server (or a pooler)
node_ok=""
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    node_ok="node or npm is not installed"
elif ! (cd $B/js && timeout 300 npm install --no-audit --no-fund --silent pg@8 >npm.log 2>&1); then
    node_ok="npm install pg failed (the npm registry unreachable?)"
fi
run_node() {
    local nn out rc
    for nn in $(cat $B/js/blocks 2>/dev/null); do
        if [ -n "$node_ok" ]; then
            n=$((n + 1)); echo "ok $n - $1$(label $nn javascript -) # SKIP $node_ok"; continue
        fi
        out=$B/js/out.$nn.$3
        (cd $B/js && PGHOST=$2 PGPORT=$3 DANA_PASSWORD="$password" timeout 120 node block$nn.js) >$out 2>&1
        rc=$?
        check "$1$(label $nn javascript -) runs to its end" 0 "$rc"
        [ -z "$(want_states $B/$nn.javascript)" ] ||
            check "$1$(label $nn javascript -) gets the errors it shows" "$(want_states $B/$nn.javascript)" \
                  "$(grep -oE '^[0-9A-Z]{5} ' $out | xargs)"
        [ $rc -eq 0 ] || sed 's/^/#   /' $out | head -12
    done
}

run_python "" "$PGHOST" "$PGPORT"
run_node "" "$PGHOST" "$PGPORT"
check "Dana's insert of the Python block was committed" 1 "$(q $db "SELECT count(*) FROM app.dashboards WHERE title = 'Y'")"

# --- pgbouncer, from the page's ini block -----------------------------------
# The block as it stands, but for the server's address in [databases] (the
# throwaway server listens on a socket of its own, not on 127.0.0.1:5432),
# and with these lines added to its [pgbouncer] section: listen on a socket
# of its own only, let the role app in without a password (auth_type and
# auth_file), and where to write the log and the pid file.
for nn in $(awk '$2 == "ini" { print $1 }' $B/index); do
    RAN[$nn]=1
    if [ -n "${PGB:-}" ]; then check "$(label $nn ini -): one pgbouncer configuration on the page" t f; continue; fi
    PGB=$WORK/pgbouncer
    own_dir $PGB
    check "$(label $nn ini -) sets pool_mode = transaction" t "$(grep -qx 'pool_mode = transaction' $B/$nn.ini && echo t)"
    check "$(label $nn ini -) ends in its [pgbouncer] section, where the test adds its lines" "[pgbouncer]" \
          "$(grep -E '^\[' $B/$nn.ini | tail -1)"
    sed -E "/^\[databases\]/,/^\[/ s/host=[^ ]+ port=[0-9]+/host=$(echo "$PGHOST" | sed 's/[\/&]/\\&/g') port=$PGPORT/" \
        $B/$nn.ini >$PGB/pgbouncer.ini
    check "$(label $nn ini -): the test changes only the server's address" 1 \
          "$(diff $B/$nn.ini $PGB/pgbouncer.ini | grep -c '^>')"
    cat >>$PGB/pgbouncer.ini <<INI
; added by test/tap/docs_blocks.sh
listen_addr =
listen_port = $pgb_port
unix_socket_dir = $PGB
auth_type = trust
auth_file = $PGB/users.txt
logfile = $PGB/pgbouncer.log
pidfile = $PGB/pgbouncer.pid
INI
    launch_pgbouncer $db app $pgb_port
    check "$(label $nn ini -) starts pgbouncer, and the database app answers through it" t t
    run_python "through pgbouncer: " "$PGB" "$pgb_port"
    run_node "through pgbouncer: " "$PGB" "$pgb_port"
    check "through pgbouncer: Dana's insert of the Python block was committed" 2 \
          "$(q $db "SELECT count(*) FROM app.dashboards WHERE title = 'Y'")"
done
check "the page's pgbouncer configuration ran, and the client blocks through it" t "$([ -n "${PGB:-}" ] && echo t)"

# --- every block ran, or says why not ---------------------------------------
while read -r nn lang module; do
    [ -n "${RAN[$nn]:-}" ] && continue
    why=${NOT_RUN[$(head -1 $B/$nn.$lang)]:-}
    if [ -n "$why" ]; then
        n=$((n + 1)); echo "ok $n - $(label $nn $lang $module) # SKIP not run: $why"
    else
        check "$(label $nn $lang $module) is run by this test, or NOT_RUN says why not" t f
    fi
done <$B/index

psql -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS app" >/dev/null 2>&1
done_testing
