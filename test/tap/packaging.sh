#!/usr/bin/env bash
# Packaging conventions: PGXN's META.json and the release archive carry the
# version of wfauth.control (the one place it is written), and the archive
# holds what a build from it needs.  Prints TAP.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
cd "$(dirname "$0")/../.."
control=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" wfauth.control)

make -s META.json >/dev/null 2>&1
check "META.json is valid JSON with the version of wfauth.control" "$control.0 $control.0 postgresql" \
      "$(perl -MJSON::PP -e 'local $/; my $m = decode_json(<STDIN>);
             print join(" ", $m->{version}, $m->{provides}{wfauth}{version}, $m->{license})' <META.json 2>&1)"
# the CHANGELOG entry of the version: a release date, or "unreleased"
entry=$(sed -n "s/^## $control — \(.*\)$/\1/p" CHANGELOG.md)
case "$entry" in
    unreleased) status=testing ;;
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) status=stable ;;
    *) status="a CHANGELOG entry '## $control — YYYY-MM-DD' or '— unreleased'" ;;
esac
check "META.json's release_status matches the CHANGELOG (${entry:-no entry})" "$status" \
      "$(perl -MJSON::PP -e 'local $/; print decode_json(<STDIN>)->{release_status}' <META.json 2>&1)"
if git rev-parse --git-dir >/dev/null 2>&1; then
    make -s dist >/dev/null 2>&1
    zip=wfauth-$control.0.zip
    check "make dist builds $zip with META.json, the control file and every install script" "" \
          "$(for f in META.json wfauth.control Makefile $(git ls-files 'sql/wfauth--*.sql'); do
                 unzip -l "$zip" "wfauth-$control.0/$f" >/dev/null 2>&1 || echo "missing $f"; done)"
    rm -f "$zip"
fi
done_testing
