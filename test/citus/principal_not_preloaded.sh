#!/usr/bin/env bash
# principal.sh on nodes that load wfauth when it is first used (not
# preloaded): the principal is taken when first asked.  Prints TAP.
WFAUTH_CITUS_PRELOAD=citus exec bash "$(dirname "$0")/principal.sh"
