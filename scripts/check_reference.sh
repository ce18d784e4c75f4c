#!/bin/sh
# make check-reference: re-runs a sample of the committed matrix here and compares each cell's retained % with the reference.
# Reads REFERENCE (the committed results, default results), CHECK_CASES, CHECK_ALLOCS, CHECK_REPS, CHECK_OUT,
# TOLERANCE and TIMED_TOLERANCE from the environment (the Makefile sets them). Exit 0: every cell within its
# tolerance; 1: some cell is not; 2: nothing could be compared.
set -u
cd "$(dirname "$0")/.."
reference=${REFERENCE:-results}
out=${CHECK_OUT:-build/check-reference}
[ -f "$reference/summary.csv" ] && [ -f "$reference/compare.csv" ] || {
    echo "fragbench: check-reference: no $reference/summary.csv and compare.csv to check against" >&2
    exit 2
}
# The reference's own scale and idle time, from its cases' rows (a replay's have none), so that the same runs are made.
settings=$(awk -F, '{ sub(/\r$/, "") } NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["status"] == "ok" && $at["scale"] != "" { print $at["scale"], $at["idle_ms"]; exit }' "$reference/compare.csv")
set -- $settings
if [ $# -lt 2 ]; then
    echo "fragbench: check-reference: $reference/compare.csv has no ok row of a case (with its scale and idle time) to run again" >&2
    exit 2
fi
scale=$1 idle_ms=$2
mkdir -p "$out"
rm -f "$out/compare.csv" "$out/summary.csv"
alloc_list=$(echo $CHECK_ALLOCS | tr ' ' ',')
echo "fragbench: check-reference: [$CHECK_CASES] x [$CHECK_ALLOCS] x $CHECK_REPS reps at scale $scale, idle $idle_ms ms," \
    "against $reference" >&2
# shellcheck disable=SC2086 # CHECK_CASES is a list of names
build/fragbench --alloc="$alloc_list" --skip-missing --reps="$CHECK_REPS" --scale="$scale" --idle-ms="$idle_ms" \
    --jobs=2 --quiet --csv="$out/compare.csv" $CHECK_CASES >/dev/null
[ -s "$out/compare.csv" ] || { echo "fragbench: check-reference: no run wrote a row (the runner said why, above)" >&2; exit 2; }
scripts/machine.sh build/fragbench >"$out/machine.txt"
build/fb-report --results="$out" >/dev/null || { echo "fragbench: check-reference: no slides from the runs (fb-report said why, above)" >&2; exit 2; }

# Profiles that purge on a timer give figures that depend on how much time passed between phases, and so on
# the machine's speed (up to 8x between machines of this kind): their cells get the wider tolerance.
timed=" jemalloc jemalloc-bgthread mimalloc "
tr -d '\r' <"$reference/summary.csv" | awk -F, -v here="$out/summary.csv" -v timed="$timed" \
    -v tolerance="$TOLERANCE" -v timed_tolerance="$TIMED_TOLERANCE" -f scripts/compare_retained.awk >"$out/check.txt"
status=$?
{
    printf "%-12s %-20s %-14s %9s %9s %8s %6s\n" case profile phase reference here diff limit
    cat "$out/check.txt"
} | tee "$out/check.md"
exit $status
