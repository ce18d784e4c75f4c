#!/bin/sh
# Times every case x profile with hyperfine, one run at a time and with no idle, and exports its CSV and Markdown.
# Usage: bench/timing.sh RESULTS_DIR "CASES" "PROFILES" SCALE RUNS   (make compare and make bench run it)
set -eu
cd "$(dirname "$0")/.."
results=$1 cases=$2 profiles=$3 scale=$4 runs=$5
set --
for case_name in $cases; do
    for profile in $profiles; do
        # The name is what fb-report matches: "CASE · PROFILE".
        set -- "$@" -n "$case_name · $profile" \
            "build/fragbench --quiet --alloc=$profile --scale=$scale --idle-ms=0 $case_name"
    done
done
[ $# -gt 0 ] || { echo "fragbench: nothing to time" >&2; exit 2; }
echo "fragbench: timing $(($# / 3)) case x profile pairs with hyperfine ($runs runs each, one at a time)" >&2
hyperfine --style basic -N --warmup 1 --runs "$runs" \
    --export-csv "$results/timing.csv.tmp" --export-markdown "$results/timing.md.tmp" "$@" >"$results/timing.log"
mv "$results/timing.csv.tmp" "$results/timing.csv"
mv "$results/timing.md.tmp" "$results/timing.md"
