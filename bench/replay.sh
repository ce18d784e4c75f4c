#!/bin/bash
# Benchmarks of the replay: its wall time against the program's own on two traces of jq (in turn, one round after another),
# and against the floor (jq's calls alone, bench/replay_floor.c); and its calls per second on a trace of small blocks.
# Usage: bench/replay.sh [RUNS]   (make bench-replay; docs/replay.md#speed)
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
calls() { build/fb-trace info "$1" | sed -n 's/^events: \([0-9]*\).*/\1/p'; }
# Two filters: map(.id) spends jq's time parsing (its allocator's share is the largest), the second also builds a
# string per record; the replay's share of jq's time follows the allocator's share of it.
filter_number=0
for filter in 'map(.id)' 'map(.name | ascii_upcase | length) | add'; do
    filter_number=$((filter_number + 1))
    trace=$work/jq$filter_number.trace
    build/fragbench --quiet --record="$trace" -- jq -c "$filter" "$work/doc.json" >/dev/null
    echo "== jq '$filter': the program, the replay of its trace (as ./run makes it, and --replay-time=fast) and the floor, in turn, $runs rounds"
    echo "   ($(calls "$trace") events; glibc; no idle to keep; every block's pages written, as jq wrote them)"
    # In turn rather than hyperfine's each-command-in-a-row: this machine's speed drifts within minutes, and a ratio
    # of times taken side by side holds where one of means taken a minute apart does not. The floor
    # (bench/replay_floor.c) is jq's calls and page writes alone, made from an array read ahead, timed inside its
    # process.
    python3 - "$runs" "$work" "$filter" "$trace" <<'PY'
import statistics, subprocess, sys, time
runs, work, jq_filter, trace = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def wall(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start
jq = ["jq", "-c", jq_filter, work + "/doc.json"]
# As ./run replays (the runner's check of the trace, its allocator's, its samples and rows included): the default,
# --replay-time=gaps (the calls 100 ms of recorded time behind the reading), and fast.
replay = ["build/fragbench", "--quiet", "--replay=" + trace, "--csv=/dev/null"]
fast = ["build/fragbench", "--quiet", "--replay=" + trace, "--replay-time=fast", "--csv=/dev/null"]
floor = ["build/bench/replay_floor", trace]
wall(jq), wall(replay)  # warm-up: the files in the page cache
# Each round takes the three in a turned order: whichever runs right after jq runs slower here (by up to a fifth:
# the kernel is still taking back jq's memory), and a fixed order would put that on one of them.
measures = [lambda: wall(jq), lambda: wall(replay), lambda: wall(fast),
            lambda: float(subprocess.run(floor, check=True, capture_output=True, text=True).stdout.split()[0])]
rounds = []
for round_number in range(runs):
    times = [0.0] * len(measures)
    for k in range(len(measures)):
        which = (round_number + k) % len(measures)
        times[which] = measures[which]()
    rounds.append(tuple(times))
median = lambda values: statistics.median(values)
print("median of %d rounds: jq %.2f s, replay %.2f s, replay --replay-time=fast %.2f s, floor %.2f s"
      % (runs, *(median(r[i] for r in rounds) for i in range(len(measures)))))
for name, i in (("replay", 1), ("replay --replay-time=fast", 2)):
    print("%s / jq: %.2f (goal: at most 0.5; ranged %.2f to %.2f); / floor: %.2f" % (
        name, median(r[i] / r[0] for r in rounds), min(r[i] / r[0] for r in rounds), max(r[i] / r[0] for r in rounds),
        median(r[i] / r[3] for r in rounds)))
print("floor / jq: %.2f  (medians of each round's ratio)" % median(r[3] / r[0] for r in rounds))
PY
    echo
done

# Small blocks, one thread: N pairs of malloc and free (tests/record_threads churn), few live at once.
build/fragbench --quiet --record="$work/churn.trace" -- build/tests/record_threads churn 3000000 >/dev/null
events=$(calls "$work/churn.trace")
# Read beside the calls (two cores: the default there), and on one core (taskset: read in the main thread).
cpu=$(taskset -pc $$ | sed 's/.*: *//; s/[,-].*//')
echo "== small blocks, one thread: $events events, $runs runs; on two cores, then on one (taskset -c $cpu)"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/churn.json" -n "two cores" "build/fb-replay --time=fast $work/churn.trace" \
    -n "one core" "taskset -c $cpu build/fb-replay --time=fast $work/churn.trace"
python3 - "$work/churn.json" "$events" <<'PY'
import json, sys
for result in json.load(open(sys.argv[1]))["results"]:
    print("%s: %.1f M events/s (goal: 5), the process's start and the trace's reading included"
          % (result["command"], int(sys.argv[2]) / result["mean"] / 1e6))
PY
