#!/usr/bin/env bash
# docs/tutorial.md, every block in order and unchanged, in a fresh
# database: "-- as a superuser" blocks as one, "-- as the application"
# blocks as the role app they create.  A block that shows "-- ERROR:" must
# get that error; any other must get none.  Then what the tutorial says
# each step shows.  All of it twice: the application's blocks against the
# server, then through pgbouncer in transaction mode.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
db=wfauth_tutorial
awk -v dir="$WORK" '
    /^```sql$/ { n++; file = sprintf("%s/block%02d.sql", dir, n); inblock = 1; next }
    /^```$/    { if (inblock) close(file); inblock = 0; next }
    inblock    { print > file }
' "$top/docs/tutorial.md"
blocks=$(ls $WORK/block*.sql 2>/dev/null | wc -l)
check "docs/tutorial.md has its blocks" "t" "$([ "$blocks" -ge 12 ] && echo t)"
# a block in another language, or a fence this awk does not see, would go unrun
check "every fenced block of docs/tutorial.md is one of them (SQL)" "$(grep -c '^ *```' "$top/docs/tutorial.md")" \
      "$((blocks * 2))"

# run_tutorial LABEL HOST PORT: the application's blocks through HOST and PORT
run_tutorial() {
    local b name want
    psql -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS app" -c "CREATE DATABASE $db" >/dev/null 2>&1
    for b in $WORK/block*.sql; do
        name="$1block $(basename "$b" .sql | sed 's/block//') ($(head -1 "$b" | sed 's/^-- //'))"
        case "$(head -1 "$b")" in
            "-- as a superuser") psql -X -U $PGUSER -d $db -f "$b" >"$b.out" 2>&1 ;;
            "-- as the application") psql -X -h "$2" -p "$3" -U app -d $db -f "$b" >"$b.out" 2>&1 ;;
            *) check "$name says who runs it" "t" f; continue ;;
        esac
        want=$(sed -n 's/^-- ERROR: *\(.*[^ ]\) *(\([0-9A-Z]\{5\}\).*/\1/p' "$b")
        if [ -n "$want" ]; then
            check "$name gets the error it shows" "t" "$(grep -qF "ERROR:  $want" "$b.out" && echo t)"
        else
            check "$name runs without error" "0" "$(grep -c 'ERROR' "$b.out")"
        fi
        [ "$(grep -c 'ERROR' "$b.out")" -eq 0 ] || [ -n "$want" ] || sed 's/^/#   /' "$b.out" | head -10
    done
    out() { cat "$WORK/block$1.sql.out"; }
    check "$1Dana's report is hers and Finance's, a group she sees by id only" "t" \
          "$(out 07 | grep -q 'dana@example.com *| modify' && out 07 | grep -qE '#[0-9]+ *\| view' && echo t)"
    check "$1Eve, in Finance, sees it; nobody sees nothing" "t" \
          "$(out 08 | grep -q 'Q3 numbers' && out 08 | grep -qE '^ +0$' && echo t)"
    check "$1the service account sees nothing without the kind's permission, and explain_access says why" "t" \
          "$(out 10 | grep -qE '^ +0$' && out 11 | grep -q 'permission reports .*: not held' && echo t)"
    check "$1with it, the service account sees the report" "t" "$(out 13 | grep -qE '^ +1$' && echo t)"
    check "$1in autocommit, the statement after authenticating sees nothing" "t" "$(out 14 | grep -qE '^ +0$' && echo t)"
}
run_tutorial "" "$PGHOST" "$PGPORT"
# pgbouncer lets app in once the first pass made it; the second pass makes
# the database and the role anew (the pooler's server connections with them)
start_pgbouncer $db app $((PGPORT + 13)) 2
run_tutorial "through pgbouncer: " "$PGB" "$((PGPORT + 13))"
psql -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS app" >/dev/null 2>&1
done_testing
