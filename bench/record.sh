#!/bin/bash
# Benchmarks of the recorder: paired runs with and without it (hyperfine), the trace's bytes per event and per second,
# and its own memory. Usage: bench/record.sh [RUNS]   (make bench-record builds what it needs; figures in docs/speed.md)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
recorder=$PWD/build/libfbtrace.so

# The inputs: a JSON of about 30 MB for jq; an allocation-bound CPython script run with every object through malloc.
python3 -c "
import json, random
random.seed(1)
print(json.dumps([{'id': i, 'name': 'user%d' % i, 'tags': ['a%d' % (i % 7), 'b%d' % (i % 13)], 'score': random.random(),
                   'nested': {'x': i, 'y': [1, 2, 3]}} for i in range(240000)]))" >"$work/doc.json"
cat >"$work/alloc.py" <<'PY'
for round in range(6):
    table = {}
    for i in range(120000):
        table[str(i)] = [i, str(i) * 2, {"k": i}]
    del table
PY
echo "inputs: $(($(wc -c <"$work/doc.json") / 1000000)) MB of JSON; $work/alloc.py (PYTHONMALLOC=malloc)"

# plain COMMAND and recorded COMMAND: the same shell start-up, the recorder only in the second (the trace file is
# made empty before each run, as the runner does).
plain() { echo "sh -c 'exec $1'"; }
recorded() { echo "sh -c 'FRAGBENCH_PID=\$\$ FRAGBENCH_TRACE=$work/t.trace LD_PRELOAD=$recorder exec $1'"; }

# medians JSON NAME: the medians of hyperfine's two commands in JSON, and the second's ratio to the first.
medians() {
    python3 - "$1" "$2" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
plain, recorded = (sorted(r["times"]) for r in results)
median = lambda xs: xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
ratio = median(recorded) / median(plain)
print("%s: median %.3f s plain, %.3f s recorded: %.2fx (%+.0f%%)" % (sys.argv[2], median(plain), median(recorded), ratio, (ratio - 1) * 100))
PY
}

for program in jq python; do
    if [ $program = jq ]; then
        command="jq -c \"map(.id)\" $work/doc.json"
        export_env=""
    else
        command="/usr/bin/python3 $work/alloc.py"
        export_env="PYTHONMALLOC=malloc"
    fi
    echo
    echo "== $program: $runs paired runs (hyperfine), without and with the recorder"
    env $export_env hyperfine --style basic -N --warmup 1 --runs "$runs" --prepare "truncate -s 0 $work/t.trace" \
        --export-json "$work/$program.json" -n "$program" "$(plain "$command")" -n "$program recorded" "$(recorded "$command")" \
        >"$work/$program.log" 2>&1 || { cat "$work/$program.log"; exit 1; }
    # One more recorded run for the trace's figures, and the peak RSS of each (GNU time).
    : >"$work/t.trace"
    env $export_env /usr/bin/time -f %M -o "$work/plain.rss" sh -c "exec $command" >/dev/null
    env $export_env FRAGBENCH_TRACE="$work/t.trace" /usr/bin/time -f %M -o "$work/recorded.rss" \
        sh -c "FRAGBENCH_PID=\$\$ LD_PRELOAD=$recorder exec $command" >/dev/null
    medians "$work/$program.json" "$program"
    echo "$program: peak RSS $(cat "$work/plain.rss") kB plain, $(cat "$work/recorded.rss") kB recorded"
    build/fb-trace info "$work/t.trace" >"$work/info.txt"
    events=$(sed -n 's/^events: \([0-9]*\) in \([0-9.]*\) s.*/\1/p' "$work/info.txt")
    seconds=$(sed -n 's/^events: \([0-9]*\) in \([0-9.]*\) s.*/\2/p' "$work/info.txt")
    bytes=$(wc -c <"$work/t.trace")
    echo "$program: $events events, $bytes bytes: $(echo "$bytes $events $seconds" | awk '{ printf "%.2f bytes per event, %.1f MB per second of run", $1 / $2, $1 / $3 / 1e6 }')"
done

# What a user waits for: ./run --record against ./run, the runner's sampling in both; the recorded run's time
# adds the reading of the trace after the run (the live heap at every row, the peaks, the report).
for program in jq python; do
    if [ $program = jq ]; then
        command="jq -c map(.id) $work/doc.json"
    else
        command="env PYTHONMALLOC=malloc /usr/bin/python3 $work/alloc.py"
    fi
    echo
    echo "== $program through the runner: $runs paired runs (hyperfine), build/fragbench -- and build/fragbench --record= --"
    hyperfine --style basic -N --warmup 1 --runs "$runs" --prepare "rm -f $work/r.trace $work/r.trace.old" \
        --export-json "$work/$program-runner.json" -n "$program" "build/fragbench --quiet -- $command" \
        -n "$program recorded" "build/fragbench --quiet --record=$work/r.trace -- $command" \
        >"$work/$program-runner.log" 2>&1 || { cat "$work/$program-runner.log"; exit 1; }
    medians "$work/$program-runner.json" "$program through the runner"
    /usr/bin/time -f %e -o "$work/read.s" build/fb-trace info "$work/r.trace" >/dev/null
    echo "$program: reading its trace alone (fb-trace info) $(cat "$work/read.s") s"
done

# The recorder's own memory: one 64 KiB buffer per thread that allocates (and its code). RSS at Start, before
# main, with and without it, for a program with no threads and one with eleven.
echo
echo "== the recorder's own memory (RSS at Start and at the last mark, kB)"
for args in "none" "threads"; do
    build/fragbench --quiet --csv="$work/plain.csv" -- build/tests/record_threads $args >/dev/null 2>&1 || true
    build/fragbench --quiet --record="$work/m.trace" --csv="$work/rec.csv" -- build/tests/record_threads $args >/dev/null 2>&1 || true
    paste -d' ' <(tr -d '\r' <"$work/plain.csv" | awk -F, 'NR > 1 && $6 != "Exit" { print $6, $9 }') \
                <(tr -d '\r' <"$work/rec.csv" | awk -F, 'NR > 1 && $6 != "Exit" { print $9 }') |
        awk -v mode="$args" '{ printf "record_threads %s · %s: %s kB plain, %s kB recorded (%+d kB)\n", mode, $1, $2, $3, $3 - $2 }'
done
