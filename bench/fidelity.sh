#!/bin/bash
# The replay's fidelity: three real programs recorded once under glibc, then run for real and replayed under each
# profile; heap growth (anonymous RSS) at the peak, at Exit and at each of the program's marks, compared.
# Usage: bench/fidelity.sh [PROFILES [REPLAY-TIME [REPS]]]  (make fidelity; REPLAY-TIME: gaps, the default, fast or
# real, or several with commas: one recording and its runs, replayed in each, a row each named "program (mode)";
# REPS: runs and replays of each profile, 5 unless told, compared by their medians). FIDELITY_PROGRAMS: the programs,
# of jq, python, sqlite3 (the default: the three), python-threads (CPython running four threads that share a cache,
# bench/threaded_rounds.py: the threaded replay's, docs/replay.md) and python-idle (python's rounds, four, each
# followed by 3 s idle: the time modes', docs/replay.md). On stderr, each program's median wall time, run and replayed.
set -eu
cd "$(dirname "$0")/.."
profiles=${1:-glibc,jemalloc,tcmalloc,mimalloc,jemalloc-decay0,mimalloc-decommit0}
replay_time=${2:-gaps}
reps=${3:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FB=build/fragbench

python3 -c "
import json
print(json.dumps([{'id': i, 'name': 'user%d' % i, 'tags': ['a', 'b', str(i)], 'n': {'x': i}} for i in range(150000)]))
" >"$work/doc.json"
sql="create table t(a, b); with recursive n(i) as (select 1 union all select i + 1 from n where i < 60000)
     insert into t select i, randomblob(200) from n; delete from t where a % 2 = 0; select count(*) from t;"

# program NAME: the command line of each program (PYTHONMALLOC=malloc: every CPython object through malloc).
run_program() {
    case $1 in
        jq) "${@:2}" -- jq -c 'map(.id)' "$work/doc.json" ;;
        python) env PYTHONMALLOC=malloc PYTHONPATH="$PWD/cases" "${@:2}" -- /usr/bin/python3 "$PWD/bench/request_rounds.py" 5 100000 ;;
        sqlite3) "${@:2}" -- sqlite3 :memory: "$sql" ;;
        python-threads) env PYTHONMALLOC=malloc PYTHONPATH="$PWD/cases" "${@:2}" -- /usr/bin/python3 \
            "$PWD/bench/threaded_rounds.py" 3 5000 4 ;;
        python-idle) env PYTHONMALLOC=malloc PYTHONPATH="$PWD/cases" "${@:2}" -- /usr/bin/python3 \
            "$PWD/bench/request_rounds.py" 4 100000 3000 ;;
    esac
}

echo "| program | profile | peak, real (MB) | peak, replay (MB) | off | Exit, real (MB) | Exit, replay (MB) | off | marks: the furthest off |"
echo "|:--|:--|--:|--:|--:|--:|--:|--:|:--|"
for program in ${FIDELITY_PROGRAMS:-jq python sqlite3}; do
    run_program $program "$FB" --quiet --record-clock=precise --record="$work/$program.trace" >/dev/null 2>&1
    run_program $program "$FB" --quiet --alloc="$profiles" --reps="$reps" --csv="$work/$program-real.csv" >/dev/null 2>&1
    for mode in ${replay_time//,/ }; do
        label=$program
        [ "$mode" = "$replay_time" ] || label="$program ($mode)"
        "$FB" --quiet --alloc="$profiles" --reps="$reps" --replay-time="$mode" --replay="$work/$program.trace" \
            --csv="$work/$program-replay.csv" >/dev/null 2>&1
        python3 - "$work/$program-real.csv" "$work/$program-replay.csv" "$label" "$profiles" <<'PY'
import csv, statistics, sys
def rows(path):  # profile -> rep -> phase -> row
    out = {}
    for row in csv.DictReader(open(path, newline="")):
        out.setdefault(row["alloc"], {}).setdefault(row["rep"], {})[row["phase"]] = row
    return out
def growths(reps, peak_phase):  # per rep: (heap growth at the peak, heap growth at Exit), kB
    out = []
    for phases in reps.values():
        if "Start" in phases and "Exit" in phases and peak_phase in phases:
            start, end = phases["Start"], phases["Exit"]
            # The kernel keeps no high-water mark of anonymous RSS: the peak of all of RSS, less the file-backed and
            # shared part at Exit (the program's code and files, paged in as it runs and kept), less Start's heap.
            out.append((int(phases[peak_phase]["peak_rss_kb"]) - (int(end["rss_kb"]) - int(end["anon_kb"]))
                        - int(start["anon_kb"]), int(end["anon_kb"]) - int(start["anon_kb"])))
    return out
SAMPLED = ("Start", "Exit", "Replay end", "Recorded peak")
def marks(reps):  # the program's own marks: mark -> heap growth (anonymous RSS above Start) per rep, kB
    out = {}
    for phases in reps.values():
        for phase, row in phases.items():
            if phase not in SAMPLED and not phase.endswith("%") and "Start" in phases:
                out.setdefault(phase, []).append(int(row["anon_kb"]) - int(phases["Start"]["anon_kb"]))
    return out
def cell(values):  # the median, and the range where the runs differ by more than 1 MB
    median = statistics.median(values)
    spread = " (%.1f–%.1f)" % (min(values) / 1024, max(values) / 1024) if max(values) - min(values) > 1024 else ""
    return median, "%.1f%s" % (median / 1024, spread)
def off(a, b):
    d = abs(a - b)
    mark = "" if d <= 4096 or d <= 0.1 * abs(a) else " ✗"
    return "%+.1f%%%s" % (100.0 * (b - a) / a if a else 0.0, mark)
real, replay, program = rows(sys.argv[1]), rows(sys.argv[2]), sys.argv[3]
def wall(runs, end):  # the median of the runs' times from start to their end row, s
    times = [float(phases[end]["elapsed_ms"]) / 1000 for reps in runs.values() for phases in reps.values() if end in phases]
    return "%.1f s" % statistics.median(times) if times else "none"
print("fidelity: %s: median time, run %s, replayed %s" % (program, wall(real, "Exit"), wall(replay, "Replay end")),
      file=sys.stderr)
for profile in sys.argv[4].split(","):
    r, p = growths(real.get(profile, {}), "Exit"), growths(replay.get(profile, {}), "Replay end")
    if not r or not p:
        print("| %s | %s | | | | | | failed |" % (program, profile))
        continue
    (peak_real, peak_real_text), (peak_replay, peak_replay_text) = cell([g[0] for g in r]), cell([g[0] for g in p])
    (exit_real, exit_real_text), (exit_replay, exit_replay_text) = cell([g[1] for g in r]), cell([g[1] for g in p])
    real_marks, replay_marks = marks(real.get(profile, {})), marks(replay.get(profile, {}))
    furthest, most = "none", -1.0
    for mark in real_marks:
        if mark in replay_marks:
            (a, a_text), (b, b_text) = cell(real_marks[mark]), cell(replay_marks[mark])
            beyond = abs(a - b) - max(4096, 0.1 * abs(a))  # the furthest from the goal, within it or not
            if beyond > most or furthest == "none":
                furthest, most = "%s: %s, %s, %s" % (mark, a_text, b_text, off(a, b)), beyond
    if real_marks and furthest == "none":
        furthest = "not replayed ✗"
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (program, profile, peak_real_text, peak_replay_text,
          off(peak_real, peak_replay), exit_real_text, exit_replay_text, off(exit_real, exit_replay), furthest))
PY
    done
done
