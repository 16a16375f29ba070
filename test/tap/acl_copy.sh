#!/usr/bin/env bash
# Every stored wfauth.acl survives dump and restore, in either format: text
# and binary input accept the same ids (principals and tenants 1 ..
# 2^61-1, a creator 0 .. 2^61-1) with one check.  In 1.2 before the fix a
# binary-loaded creator of 2^63-1 was stored and then failed text COPY back
# in, and a text principal id just above 2^61-1 was stored and failed
# binary COPY.  Dated entries (1.3) round-trip too, to the microsecond and
# at the ends of timestamptz's range.  Run by the harness against its cluster.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
db=wfauth_acl_copy
psql -qX -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
q $db "CREATE EXTENSION wfauth; CREATE TABLE t (n int, acl wfauth.acl); CREATE TABLE back (n int, acl wfauth.acl)" >/dev/null
max=2305843009213693951     # 2^61 - 1

# the edges, in text: all accepted
q $db "INSERT INTO t VALUES
         (1, 'dashboard/0:{1=view}'),
         (2, 'dashboard/$max:{$max=modify}'),
         (3, 'alert/$max:{1=view,$max=modify}@$max'),
         (4, 'dashboard/7:{}@2'),
         (5, 'dashboard/0:{1=view[2026-12-01T00:00:00.000001Z,),2=modify[,2030-01-01T00:00:00Z)}'),
         (6, 'alert/$max:{1=view[4713-11-24T00:00:00Z BC,294276-12-31T23:59:59.999999Z),$max=modify}@$max')" >/dev/null
# binary out, binary in; text out, text in: the same values
psql -qX -d $db -c "\\copy t TO '$WORK/t.bin' (FORMAT binary)"
psql -qX -d $db -c "\\copy back FROM '$WORK/t.bin' (FORMAT binary)"
check "every value round-trips through binary COPY" "6" \
      "$(q $db "SELECT count(*) FROM t JOIN back USING (n) WHERE t.acl::text = back.acl::text")"
q $db "TRUNCATE back" >/dev/null
psql -qX -d $db -c "\\copy t TO '$WORK/t.txt'"
psql -qX -d $db -c "\\copy back FROM '$WORK/t.txt'"
check "every value round-trips through text COPY" "6" \
      "$(q $db "SELECT count(*) FROM t JOIN back USING (n) WHERE t.acl::text = back.acl::text")"

# one past the edge, in each format: refused by both
binary() {  # binary VERSION CREATOR ID TENANT: a COPY binary file of one acl
    python3 - "$@" <<'PY'
import struct, sys
version, creator, pid, tenant = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
acl = bytes([version]) + b'dashboard\0' + struct.pack('>q', creator) + struct.pack('>i', 1) \
      + struct.pack('>q', pid) + bytes([1]) + (struct.pack('>q', tenant) if version == 2 else b'')
out = b'PGCOPY\n\xff\r\n\0' + struct.pack('>ii', 0, 0) + struct.pack('>h', 1) \
      + struct.pack('>i', len(acl)) + acl + struct.pack('>h', -1)
sys.stdout.buffer.write(out)
PY
}
refused() {     # refused NAME TEXT VERSION CREATOR ID TENANT
    binary "$3" "$4" "$5" "$6" >"$WORK/bad.bin"
    check "$1: refused by binary input" "22P03" \
          "$(psql -qXAt -d $db -v VERBOSITY=sqlstate -c "\\copy back (acl) FROM '$WORK/bad.bin' (FORMAT binary)" 2>&1 | grep -oE '22P0[0-9]' | head -1)"
    check "$1: refused by text input" "22P02" \
          "$(psql -qXAt -d $db -v VERBOSITY=sqlstate -c "SELECT '$2'::wfauth.acl" 2>&1 | grep -oE '22P0[0-9]' | head -1)"
}
over=$((max + 1))
refused "a creator of 2^63-1" "dashboard/9223372036854775807:{1=view}" 1 9223372036854775807 1 1
refused "a creator of 2^61" "dashboard/$over:{1=view}" 1 $over 1 1
refused "a principal id of 2^61" "dashboard/0:{$over=view}" 1 0 $over 1
refused "a tenant id of 2^61" "dashboard/0:{1=view}@$over" 2 0 1 $over
refused "a negative creator" "dashboard/-1:{1=view}" 1 -1 1 1
refused "a principal id of 0" "dashboard/0:{0=view}" 1 0 0 1
check "nothing refused was stored" "0" "$(q $db "SELECT count(*) FROM back WHERE n IS NULL")"

psql -qX -c "DROP DATABASE $db" >/dev/null
done_testing
