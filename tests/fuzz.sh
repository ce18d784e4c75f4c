#!/bin/sh
# A bounded fuzz run of each target (libFuzzer, ASan+UBSan) from its committed corpus; a crash or a leak fails.
# Usage: tests/fuzz.sh [RUNS [SECONDS]]   (default 300000 executions per target, a third for the trace reader, a
# hundredth for the replay engine, each target stopped at SECONDS (default 12) if its runs take longer: the suite's
# time stays bounded on a slow day; make fuzz runs a long one)
set -u
cd "$(dirname "$0")/.." || exit 1
runs=${1:-300000}
seconds=${2:-12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in record profiles csv trace replay; do
    mkdir -p "$work/$target"
    # New inputs go to the scratch directory; the committed corpus is only read.
    # The trace reader reads each input through fmemopen, ten times slower an execution: a third of the runs.
    target_runs=$runs
    [ "$target" = trace ] && target_runs=$((runs / 3))
    # The replay engine's runs open a file and start the trace's threads (about 100 a second here): a hundredth.
    [ "$target" = replay ] && target_runs=$((runs / 100))
    # -timeout: an input that hangs (a deadlock) fails in a minute, not in libFuzzer's twenty.
    if build/fuzz/fuzz_$target -runs="$target_runs" -max_total_time="$seconds" -seed=1 -max_len=8192 -timeout=60 \
        -artifact_prefix="build/fuzz/$target-" "$work/$target" "tests/fuzz/corpus/$target" \
        >"$work/$target.log" 2>&1; then
        executed=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/$target.log")
        echo "PASS: fuzz_${target}_survives_${executed:-?}_executions"
    else
        echo "FAIL: fuzz_$target (the input that failed: build/fuzz/$target-crash-*, -leak-* or -timeout-*)"
        tail -n 30 "$work/$target.log" | sed 's/^/  /'
    fi
done
