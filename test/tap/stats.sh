#!/usr/bin/env bash
# wfauth.stats with the library preloaded: the counts of every backend,
# cluster-wide (the regress suite, without preloading, sees its own).  A
# cluster of its own with shared_preload_libraries = 'wfauth'.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
dir=$WORK/stats port=$((PGPORT + 7))
S() { q wfauth "$1" $port $dir; }

new_cluster $dir $port
echo "shared_preload_libraries = 'wfauth'" >>$dir/data/postgresql.conf
start $dir
psql -qX -h $dir -p $port -d postgres -c 'CREATE DATABASE wfauth' >/dev/null
psql -qX -v ON_ERROR_STOP=1 -h $dir -p $port -d wfauth >$WORK/setup.log 2>&1 <<'SQL' || bail "set up" $WORK/setup.log
SET client_min_messages = warning;
CREATE EXTENSION wfauth;
SELECT wfauth.create_user('st@example.com');
CREATE TABLE tok AS SELECT wfauth.generate_token('st@example.com', 'a') AS t;
SELECT wfauth.stats_reset();
SQL
token=$(S "SELECT t FROM tok")
check "the scope is the cluster's" "cluster" "$(S 'SELECT scope FROM wfauth.stats')"
# three backends, one after the other: two accepted tokens and a refused one
for t in "$token" "$token" "wfat_not_a_token"; do
    S "SELECT wfauth.authenticate_token('$t')" >/dev/null 2>&1
done
check "another backend sees every backend's counts" "2 1" \
      "$(S "SELECT token_authentications || ' ' || token_failures FROM wfauth.stats")"
# a backend that is still open has added what its finished transactions counted
coproc P { psql -qXAt -h $dir -p $port -d wfauth 2>&1; }
echo "SELECT wfauth.authenticate_token('$token') > 0;" >&"${P[1]}"
read -r line <&"${P[0]}"
check "a transaction's counts are there once it ends, its backend still open" "3" \
      "$(S 'SELECT token_authentications FROM wfauth.stats')"
echo '\q' >&"${P[1]}"
wait $P_PID 2>/dev/null
S "SELECT wfauth.stats_reset()" >/dev/null
check "stats_reset() zeroes them for everyone" "0 0" \
      "$(S "SELECT token_authentications || ' ' || token_failures FROM wfauth.stats")"
done_testing
