#!/bin/bash
# The replay's fidelity: three real programs recorded once under glibc, then run for real and replayed under each
# profile; RSS growth at the peak and heap growth at Exit compared.
# Usage: bench/fidelity.sh [PROFILES [REPLAY-TIME]]  (make fidelity; REPLAY-TIME: gaps, the default, fast or real)
set -eu
cd "$(dirname "$0")/.."
profiles=${1:-glibc,jemalloc,tcmalloc,mimalloc,jemalloc-decay0,mimalloc-decommit0}
replay_time=${2:-gaps}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FB=build/fragbench

python3 -c "
import json
print(json.dumps([{'id': i, 'name': 'user%d' % i, 'tags': ['a', 'b', str(i)], 'n': {'x': i}} for i in range(150000)]))
" >"$work/doc.json"
cat >"$work/app.py" <<'PY'
# A service's request loop in small: build a table of records, keep a tenth, drop the rest, again and again.
kept = []
for round in range(5):
    table = {str(i): [i, str(i) * 4, {"k": i}] for i in range(100000)}
    kept.extend(v for k, v in table.items() if int(k) % 10 == 0)
    del table
PY
sql="create table t(a, b); with recursive n(i) as (select 1 union all select i + 1 from n where i < 60000)
     insert into t select i, randomblob(200) from n; delete from t where a % 2 = 0; select count(*) from t;"

# program NAME: the command line of each program (PYTHONMALLOC=malloc: every CPython object through malloc).
run_program() {
    case $1 in
        jq) "${@:2}" -- jq -c 'map(.id)' "$work/doc.json" ;;
        python) env PYTHONMALLOC=malloc "${@:2}" -- /usr/bin/python3 "$work/app.py" ;;
        sqlite3) "${@:2}" -- sqlite3 :memory: "$sql" ;;
    esac
}

echo "| program | profile | peak, real (MB) | peak, replay (MB) | off | Exit, real (MB) | Exit, replay (MB) | off |"
echo "|:--|:--|--:|--:|--:|--:|--:|--:|"
for program in jq python sqlite3; do
    run_program $program "$FB" --quiet --record-clock=precise --record="$work/$program.trace" >/dev/null 2>&1
    run_program $program "$FB" --quiet --alloc="$profiles" --csv="$work/$program-real.csv" >/dev/null 2>&1
    "$FB" --quiet --alloc="$profiles" --replay-time="$replay_time" --replay="$work/$program.trace" \
        --csv="$work/$program-replay.csv" >/dev/null 2>&1
    python3 - "$work/$program-real.csv" "$work/$program-replay.csv" "$program" "$profiles" <<'PY'
import csv, sys
def rows(path):
    out = {}
    for row in csv.DictReader(open(path, newline="")):
        out.setdefault(row["alloc"], {})[row["phase"]] = row
    return out
real, replay, program = rows(sys.argv[1]), rows(sys.argv[2]), sys.argv[3]
def off(a, b):
    d = abs(a - b)
    mark = "" if d <= 4096 or d <= 0.1 * abs(a) else " ✗"
    return "%+.1f%%%s" % (100.0 * (b - a) / a if a else 0.0, mark)
for profile in sys.argv[4].split(","):
    r, p = real.get(profile), replay.get(profile)
    if not r or not p or "Exit" not in r or "Replay end" not in p:
        print("| %s | %s | | | | | | failed |" % (program, profile))
        continue
    peak_real = int(r["Exit"]["peak_rss_kb"]) - int(r["Start"]["rss_kb"])
    peak_replay = int(p["Replay end"]["peak_rss_kb"]) - int(p["Start"]["rss_kb"])
    exit_real = int(r["Exit"]["anon_kb"]) - int(r["Start"]["anon_kb"])
    exit_replay = int(p["Exit"]["anon_kb"]) - int(p["Start"]["anon_kb"])
    print("| %s | %s | %.1f | %.1f | %s | %.1f | %.1f | %s |" % (program, profile, peak_real / 1024, peak_replay / 1024,
          off(peak_real, peak_replay), exit_real / 1024, exit_replay / 1024, off(exit_real, exit_replay)))
PY
done
