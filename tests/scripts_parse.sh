#!/bin/sh
# Every shell script of the project parses, each with the shell its first line names (a quote left open in an awk
# program broke bench/compare_jobs.sh, which no other test runs).
set -u
cd "$(dirname "$0")/.." || exit 1
failed=0 checked=0
for script in run .ci/run scripts/*.sh bench/*.sh tests/*.sh; do
    shell=$(head -n 1 "$script" | sed -n 's|^#! *\(/usr/bin/env  *\)\{0,1\}\([^ ]*\).*|\2|p')
    case $shell in */sh | sh) shell=sh ;; */bash | bash) shell=bash ;; *) continue ;; esac
    checked=$((checked + 1))
    if ! said=$("$shell" -n "$script" 2>&1); then
        failed=1
        echo "FAIL: $script does not parse ($shell -n): $said"
    fi
done
[ "$failed" = 0 ] && [ "$checked" -gt 20 ] && echo "PASS: every_shell_script_parses"
[ "$failed" = 0 ] && [ "$checked" -le 20 ] && echo "FAIL: every_shell_script_parses: only $checked scripts found"
exit 0
