#!/bin/bash
# Benchmarks of the replay: its wall time against the program's own on jq's trace (hyperfine, in one run), and its
# calls per second on a trace of small blocks. Usage: bench/replay.sh [RUNS]   (make bench-replay; docs/replay.md#speed)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# jq on a JSON of about 30 MB (bench/record.sh's), recorded once under glibc with the runner.
python3 -c "
import json, random
random.seed(1)
print(json.dumps([{'id': i, 'name': 'user%d' % i, 'tags': ['a%d' % (i % 7), 'b%d' % (i % 13)], 'score': random.random(),
                   'nested': {'x': i, 'y': [1, 2, 3]}} for i in range(240000)]))" >"$work/doc.json"
build/fragbench --quiet --record="$work/jq.trace" -- jq -c 'map(.id)' "$work/doc.json" >/dev/null
calls() { build/fb-trace info "$1" | sed -n 's/^events: \([0-9]*\).*/\1/p'; }
echo "== jq: the program against the replay of its trace ($(calls "$work/jq.trace") events; $runs runs each, glibc,"
echo "   --time=fast: no idle to keep; every block's pages written, as jq wrote them)"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/jq.json" \
    -n jq "jq -c 'map(.id)' $work/doc.json" \
    -n replay "build/fb-replay --time=fast $work/jq.trace"
python3 - "$work/jq.json" <<'PY'
import json, sys
times = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
print("replay / jq: %.2f (goal: at most 0.5)" % (times["replay"] / times["jq"]))
PY

# Small blocks, one thread: N pairs of malloc and free (tests/record_threads churn), few live at once.
build/fragbench --quiet --record="$work/churn.trace" -- build/tests/record_threads churn 3000000 >/dev/null
events=$(calls "$work/churn.trace")
echo
echo "== small blocks, one thread: $events events, $runs runs"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/churn.json" -n replay "build/fb-replay --time=fast $work/churn.trace"
python3 - "$work/churn.json" "$events" <<'PY'
import json, sys
mean = json.load(open(sys.argv[1]))["results"][0]["mean"]
print("%.1f M events/s (goal: 5), the process's start and the trace's reading included" % (int(sys.argv[2]) / mean / 1e6))
PY
