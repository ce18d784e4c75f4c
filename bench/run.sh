#!/bin/sh
# Benchmarks of fragbench itself: the probe's cost, the runner's time overhead per run (hyperfine) and its memory.
# Usage: bench/run.sh   (make bench-runner builds what it needs and installs hyperfine first)
set -eu
cd "$(dirname "$0")/.."

echo "== the phase probe, under each allocator"
build/bench/probe_cost 20000
for library in libjemalloc.so.2 libtcmalloc_minimal.so.4 libmimalloc.so.2; do
    LD_PRELOAD=$library build/bench/probe_cost 20000
done

echo
echo "== time: a case run directly vs through the runner (scale 0.01, no idle), hyperfine"
hyperfine --style basic -N --warmup 5 --runs 50 \
    -n 'case alone' 'build/cases/frag --scale=0.01 --idle-ms=0' \
    -n 'through the runner' 'build/fragbench --scale=0.01 --idle-ms=0 frag'

echo
echo "== memory of the runner while a case runs"
build/fragbench --alloc=glibc,jemalloc --idle-ms=1500 --csv=/dev/null frag >/dev/null &
runner=$!
sleep 1
grep -E '^(VmRSS|VmHWM)' "/proc/$runner/status" | sed 's/^/runner /'
wait "$runner"
