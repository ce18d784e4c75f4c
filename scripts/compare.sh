#!/bin/sh
# make compare: the memory matrix (JOBS runs at a time), the machine facts, the timings (alone), then the slides.
# Reads CASES, ALLOCS, REPS, SCALE, IDLE_MS, JOBS, TIMING_RUNS, RESULTS, PLOTS, PLOT_DATA from the environment
# (the Makefile sets them).
set -u
cd "$(dirname "$0")/.."
runner=build/fragbench
mkdir -p "$RESULTS" "$PLOTS"
rm -f "$RESULTS/timing.csv" "$RESULTS/timing.md" # never mix timings of another matrix in
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
    --csv="$RESULTS/compare.csv" $CASES >"$RESULTS/compare.log" || status=$?

if [ ! -s "$RESULTS/compare.csv" ]; then
    exit "$status" # bad input: nothing ran (the runner said why)
fi

scripts/machine.sh "$runner" >"$RESULTS/machine.txt"

if [ -n "$(echo $profiles)" ] && [ "$TIMING_RUNS" -gt 0 ]; then
    bench/timing.sh "$RESULTS" "$CASES" "$(echo $profiles)" "$SCALE" "$TIMING_RUNS" || {
        echo "fragbench: the timing runs failed; the slides have no wall times" >&2
        status=1
    }
fi

scripts/slides.sh || status=1
[ $status -eq 0 ] && echo "fragbench: done: $RESULTS/slides.md, $RESULTS/summary.csv, $PLOTS/*.svg" >&2
exit $status
