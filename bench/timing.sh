#!/bin/sh
# Times every case x profile with hyperfine, one run at a time and with no idle, and exports its CSV and Markdown.
# Each pair is timed on its own, so one that fails is reported and left out instead of losing all the others.
# Usage: bench/timing.sh RESULTS_DIR "CASES" "PROFILES" SCALE RUNS ["CASES2" "PROFILES2"]   (make bench runs it:
# the cases under every profile, and the talk's cures under theirs)
set -eu
cd "$(dirname "$0")/.."
results=$1 cases=$2 profiles=$3 scale=$4 runs=$5 cases2=${6:-} profiles2=${7:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
timing_pid=""
# gather DIR: one CSV and one Markdown table of the pairs timed so far into DIR (the first header, then every pair's
# row, in order); false where none was.
gather() {
    first=1
    for i in $(seq 1 "$pairs"); do
        [ -f "$tmp/$i.csv" ] || continue
        if [ $first -eq 1 ]; then
            cat "$tmp/$i.csv" >"$tmp/timing.csv"
            cat "$tmp/$i.md" >"$tmp/timing.md"
            first=0
        else
            tail -n +2 "$tmp/$i.csv" >>"$tmp/timing.csv"
            tail -n +3 "$tmp/$i.md" >>"$tmp/timing.md"
        fi
    done
    [ $first -eq 0 ] || return 1
    mv "$tmp/timing.csv" "$1/timing.csv"
    mv "$tmp/timing.md" "$1/timing.md"
}
# Stopped (Ctrl-C, SIGTERM, SIGHUP): the pair being timed is stopped, the pairs timed so far go to
# RESULTS/interrupted-DATE-TIME/ (the earlier timing.csv stays in place), and the shell dies of the same signal.
stopped() {
    trap '' INT TERM HUP
    if [ -n "$timing_pid" ]; then
        kill -s TERM "$timing_pid" 2>/dev/null
        wait "$timing_pid" || true # (set -e: its status, 143, is no reason to stop here)
    fi
    aside="$results/interrupted-$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$aside"
    rm -f "$tmp/$n.csv" "$tmp/$n.md" # the pair stopped half way
    if gather "$aside"; then
        echo "fragbench: stopped by SIG$1: the pairs timed so far are in $aside/ (timing.csv, timing.md)" >&2
    else
        rmdir "$aside"
        echo "fragbench: stopped by SIG$1: no pair had been timed" >&2
    fi
    rm -rf "$tmp"
    trap - INT TERM HUP EXIT
    kill -s "$1" $$
    case $1 in INT) exit 130 ;; HUP) exit 129 ;; *) exit 143 ;; esac
}
n=0 pairs=0
trap 'stopped INT' INT
trap 'stopped TERM' TERM
trap 'stopped HUP' HUP
# Every pair, one a line: the cases under the profiles, then the second group's.
for case_name in $cases; do
    for profile in $profiles; do echo "$case_name $profile"; done
done >"$tmp/pairs"
for case_name in $cases2; do
    for profile in $profiles2; do echo "$case_name $profile"; done
done >>"$tmp/pairs"
pairs=$(wc -l <"$tmp/pairs")
[ "$pairs" -gt 0 ] || { echo "fragbench: nothing to time" >&2; exit 2; }
echo "fragbench: timing $pairs case x profile pairs with hyperfine ($runs runs each, one at a time)" >&2
: >"$results/timing.log"
n=0
started=$(date +%s)
# "m:ss"
clock() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
while read -r case_name profile; do
    n=$((n + 1))
    # The name is what fb-report matches: "CASE · PROFILE". In the background and waited for, so that a signal is
    # taken at once, not after the pair.
    hyperfine --style basic -N --warmup 1 --runs "$runs" --export-csv "$tmp/$n.csv" \
        --export-markdown "$tmp/$n.md" -n "$case_name · $profile" \
        "build/fragbench --quiet --alloc=$profile --scale=$scale --idle-ms=0 $case_name" \
        </dev/null >>"$results/timing.log" 2>&1 &
    timing_pid=$!
    code=0
    wait "$timing_pid" || code=$?
    timing_pid=""
    if [ "$code" -eq 0 ]; then
        elapsed=$(($(date +%s) - started))
        mean=$(awk -F, 'NR == 2 { printf "%.3f", $2 }' "$tmp/$n.csv")
        echo "fragbench: timed [$n/$pairs] $case_name · $profile: mean $mean s · elapsed $(clock $elapsed)" \
            "· ETA $(clock $((elapsed * (pairs - n) / n)))" >&2
    else
        echo "fragbench: timing [$n/$pairs] $case_name · $profile failed (see $results/timing.log); left out" >&2
        rm -f "$tmp/$n.csv" "$tmp/$n.md"
        failed=$((failed + 1))
    fi
done <"$tmp/pairs"
gather "$results" || true
[ "$failed" -eq 0 ]
