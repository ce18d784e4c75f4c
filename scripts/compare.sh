#!/bin/sh
# make compare: the memory matrix (JOBS runs at a time), the machine facts, the timings (alone), then the slides.
# Reads CASES, ALLOCS, REPS, SCALE, IDLE_MS, JOBS, TIMING_RUNS, RESULTS, PLOTS, PLOT_DATA from the environment
# (the Makefile sets them).
set -u
cd "$(dirname "$0")/.."
runner=build/fragbench
mkdir -p "$RESULTS" "$PLOTS"
# Nothing of an earlier matrix may be mixed in: its files go before anything runs.
rm -f "$RESULTS/compare.csv" "$RESULTS/timeline.csv" "$RESULTS/timing.csv" "$RESULTS/timing.md" "$RESULTS/summary.csv" \
    "$RESULTS/slides.md"
status=0

# The profiles that will run: those asked for (all: every one) that are installed; the runner says which it skips.
installed=$("$runner" --list=profiles)
if [ "$ALLOCS" = all ]; then
    profiles=$installed
else
    profiles=""
    for name in $ALLOCS; do
        echo "$installed" | grep -qx -- "$name" && profiles="$profiles $name"
    done
fi
alloc_list=$(echo $ALLOCS | tr ' ' ',')

echo "fragbench: memory: cases [$CASES] x profiles [$ALLOCS] x $REPS reps, scale $SCALE, idle $IDLE_MS ms, $JOBS at a time" >&2
# shellcheck disable=SC2086 # CASES is a list of names
"$runner" --alloc="$alloc_list" --skip-missing --reps="$REPS" --scale="$SCALE" --idle-ms="$IDLE_MS" --jobs="$JOBS" \
    --csv="$RESULTS/compare.csv.tmp" --timeline="$RESULTS/timeline.csv.tmp" $CASES >"$RESULTS/compare.log" || status=$?
if [ "$status" -ge 2 ] && ! grep -q ',ok,' "$RESULTS/compare.csv.tmp" 2>/dev/null; then
    rm -f "$RESULTS/compare.csv.tmp" "$RESULTS/timeline.csv.tmp"
    exit "$status" # bad input: nothing ran (the runner said why)
fi
mv "$RESULTS/compare.csv.tmp" "$RESULTS/compare.csv"
mv "$RESULTS/timeline.csv.tmp" "$RESULTS/timeline.csv"

scripts/machine.sh "$runner" >"$RESULTS/machine.txt" || status=1

if [ -n "$(echo $profiles)" ] && [ "$TIMING_RUNS" -gt 0 ]; then
    bench/timing.sh "$RESULTS" "$CASES" "$(echo $profiles)" "$SCALE" "$TIMING_RUNS" || {
        echo "fragbench: the timing runs failed; the slides have no wall times" >&2
        status=1
    }
fi

scripts/slides.sh || status=1
[ $status -eq 0 ] && echo "fragbench: done: $RESULTS/slides.md, $RESULTS/summary.csv, $PLOTS/*.svg" >&2
exit $status
