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
    # The name is what fb-report matches: "CASE · PROFILE".
    if hyperfine --style basic -N --warmup 1 --runs "$runs" --export-csv "$tmp/$n.csv" \
        --export-markdown "$tmp/$n.md" -n "$case_name · $profile" \
        "build/fragbench --quiet --alloc=$profile --scale=$scale --idle-ms=0 $case_name" \
        </dev/null >>"$results/timing.log" 2>&1; then
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
# One CSV and one Markdown table: the first header, then every pair's row, in order.
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
if [ $first -eq 0 ]; then
    mv "$tmp/timing.csv" "$results/timing.csv"
    mv "$tmp/timing.md" "$results/timing.md"
fi
[ "$failed" -eq 0 ]
