#!/usr/bin/env bash
# wfauth access benchmark: run by `make bench` against the harness's cluster.
set -euo pipefail
cd "$(dirname "$0")"
psql -qX -c 'DROP DATABASE IF EXISTS wfauth_bench' -c 'CREATE DATABASE wfauth_bench' >/dev/null
echo "wfauth access benchmark (setting up 4 x 1M rows)..."
psql -qX -d wfauth_bench -f access_setup.sql >/dev/null
psql -qX -d wfauth_bench -f access_run.sql
