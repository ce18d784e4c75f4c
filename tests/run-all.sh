#!/bin/sh
# Runs every fragbench test (unit, ASan+UBSan, probe, integration, report, docs links, clang) and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
all=$(mktemp)
one=$(mktemp)
trap 'rm -f "$all" "$one"' EXIT

# suite NAME COMMAND...: runs one suite; one that dies without a FAIL line counts as a failure.
suite() {
    name=$1
    shift
    echo "== $name"
    began=$(date +%s)
    "$@" >"$one" 2>&1
    code=$?
    echo "   ($(($(date +%s) - began)) s)" >>"$one"
    if [ $code -ne 0 ] && ! grep -q '^FAIL:' "$one"; then
        echo "FAIL: $name exited with status $code" >>"$one"
    fi
    # awk, not sed: a suite's name may hold a slash ("Debian's /usr/bin/python3"), which broke sed's s/// and
    # dropped that suite's lines, its failures included.
    awk -v name="$name" '/^(PASS|FAIL|SKIP): / { i = index($0, ": "); $0 = substr($0, 1, i) " [" name "]" substr($0, i + 1) }
        { print }' "$one" | tee -a "$all"
}

for test in build/tests/test_*; do
    suite "unit $(basename "$test")" "$test"
done
for test in build/asan/test_*; do
    suite "asan $(basename "$test")" "$test"
done
suite "probe" env LD_PRELOAD="$PWD/build/tests/malloc_counter.so" build/tests/probe_allocs
suite "probe imports" tests/probe_imports.sh build/tests/probe.o
suite "allocator view" tests/alloc_view.sh build/fragbench
suite "cases beyond the talk" tests/cases.sh build/fragbench
suite "integration" tests/integration.sh build/fragbench
suite "integration, ASan+UBSan runner" tests/integration.sh build/fragbench-asan
suite "python cases and module (python3 in PATH)" tests/python.sh
suite "python cases and module (Debian's /usr/bin/python3)" env PYTHON=/usr/bin/python3 NON_PIE=1 tests/python.sh
suite "fragbench.h and external mode" tests/external.sh
suite "recorder and trace (--record)" tests/record.sh
suite "replay (--replay)" tests/replay.sh
suite "replay order on crafted traces" build/tests/replay_order
suite "replay order under ThreadSanitizer" build/tsan-replay/replay_order
suite "replay's own memory, counted as RSS counts it" build/tests/replay_own_memory
suite "replay's CPU share: cgroup quotas read from made trees" build/tests/cpu_quota
suite "trace writer under ThreadSanitizer" sh -c 'trace=$(mktemp) && build/tsan-writer/trace_writer_stress "$trace" && build/tsan-writer/trace_writer_stress "$trace" 300000 && build/tsan-writer/trace_writer_stress "$trace" stop; code=$?; rm -f "$trace"; exit $code'
suite "trace writer under ASan+UBSan" sh -c 'trace=$(mktemp) && build/asan/trace_writer_stress "$trace" && build/asan/trace_writer_stress "$trace" 300000 && build/asan/trace_writer_stress "$trace" stop; code=$?; rm -f "$trace"; exit $code'
suite "report: make slides and make compare" tests/report.sh
suite "docs: every relative link resolves" tests/docs.sh
suite "shell scripts parse" tests/scripts_parse.sh
suite "layering: trace/ and replay/ build from their own layers" tests/layering.sh
suite "fuzz (libFuzzer, bounded)" tests/fuzz.sh
suite "valgrind: the runner" sh -c 'valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    build/fragbench --alloc=glibc,jemalloc --scale=0.01 --idle-ms=0 --csv=/dev/null --timeline=/dev/null frag >/dev/null \
    && echo "PASS: valgrind_finds_no_error_or_leak_in_the_runner"'
suite "clang" sh -c 'make -s --no-print-directory clang-check && echo "PASS: builds warning-free with clang"'

passed=$(grep -c '^PASS:' "$all")
failed=$(grep -c '^FAIL:' "$all")
skipped=$(grep -c '^SKIP:' "$all")
echo
grep '^FAIL:' "$all"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
