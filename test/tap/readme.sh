#!/usr/bin/env bash
# The README's "An application in ten lines", run unchanged: its first part
# as a superuser in a fresh database, its second as the role it creates.
# Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
db=wfauth_readme
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
sed -n '/^## An application in ten lines/,/^## /p' "$top/README.md" |
    sed -n '/^```sql$/,/^```$/p' | sed '1d;$d' >$WORK/block.sql
check "README.md holds the ten-line application" "t" \
      "$( [ "$(grep -c . $WORK/block.sql)" -ge 8 ] && grep -q 'the application' $WORK/block.sql && echo t)"
sed '/^-- the application/,$d' $WORK/block.sql >$WORK/setup.sql
sed -n '/^-- the application/,$p' $WORK/block.sql >$WORK/app.sql
psql -qX -c "DROP ROLE IF EXISTS app" >/dev/null 2>&1
psql -X -v ON_ERROR_STOP=1 -d $db -f $WORK/setup.sql >$WORK/setup.out 2>&1
check "its set-up runs as a superuser" "0" "$?"
psql -X -v ON_ERROR_STOP=1 -U app -d $db -f $WORK/app.sql >$WORK/app.out 2>&1
check "its request runs as the application role" "0" "$?"
check "Dana created dashboard X and sees it" "t" "$(grep -qE '^ +1 \| X *$' $WORK/app.out && echo t)"
check "with nobody authenticated the application sees no dashboard" "0" \
      "$(psql -qXAt -U app -d $db -c 'SELECT count(*) FROM dashboards')"
check "the dashboard is Dana's creation, shared as the default says" "dashboard/$(q $db "SELECT wfauth.account_id('dana@example.com')"):{1=modify}" \
      "$(q $db 'SELECT acl FROM dashboards')"
[ "$fails" -eq 0 ] || sed 's/^/#   /' $WORK/setup.out $WORK/app.out
psql -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS app" >/dev/null 2>&1
done_testing
