#!/bin/sh
# A bounded fuzz run of each target (libFuzzer, ASan+UBSan) from its committed corpus; a crash or a leak fails.
# Usage: tests/fuzz.sh [RUNS]   (default 300000 executions per target, a third for the trace reader; make fuzz runs a long one)
set -u
cd "$(dirname "$0")/.." || exit 1
runs=${1:-300000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in record profiles csv trace; do
    mkdir -p "$work/$target"
    # New inputs go to the scratch directory; the committed corpus is only read.
    # The trace reader reads each input through fmemopen, ten times slower an execution: a third of the runs.
    target_runs=$runs
    [ "$target" = trace ] && target_runs=$((runs / 3))
    if build/fuzz/fuzz_$target -runs="$target_runs" -seed=1 -max_len=8192 "$work/$target" "tests/fuzz/corpus/$target" \
        >"$work/$target.log" 2>&1; then
        executed=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/$target.log")
        echo "PASS: fuzz_${target}_survives_${executed:-?}_executions"
    else
        echo "FAIL: fuzz_$target"
        tail -n 30 "$work/$target.log" | sed 's/^/  /'
    fi
done
