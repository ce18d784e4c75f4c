#!/bin/sh
# Estimates how long make compare's runs (the memory runs, the cures and the replays, then one run of each case's
# pair alone) take here: the busy
# times of earlier results (a compare.csv with busy_ms, and their walltime.csv), scaled by how long frag under glibc
# takes on this machine now (JOBS at a time) against its time there.
# Usage: scripts/estimate.sh EARLIER.csv "CASES" "PROFILES" REPS MAX_REPS JOBS SCALE IDLE_MS [EARLIER_WALLTIME.csv
#        ["CURES" "CURE_PROFILES" ["TRACES"]]]
# (make compare runs it). TRACES: each trace's case name, or NAME=MS with the time its recorded events span (fb-trace
# info), taken as a replay's time where the earlier results have no replay of it. SCALE does not apply to replays.
# Prints one line; says so when there is nothing to estimate from. ESTIMATE_SOURCE names the earlier results
# in it (default: the earlier results).
set -u
cd "$(dirname "$0")/.."
earlier=$1 cases=$2 profiles=$3 reps=$4 max_reps=$5 jobs=$6 scale=$7 idle_ms=$8 earlier_alone=${9:-/dev/null}
cures=${10:-} cure_profiles=${11:-} traces=${12:-}
if [ ! -s "$earlier" ] || ! head -1 "$earlier" | grep -q busy_ms; then
    echo "fragbench: estimate: none (no earlier results with busy_ms); the progress line gives an ETA after the first runs"
    exit 0
fi
# The calibration: frag under glibc at the earlier results' scale, timed as there (busy_ms: no idle). Against their
# runs alone (walltime.csv: one run, nothing beside it) where they have them; else against their memory runs, with
# JOBS runs side by side as the matrix runs them (rougher: what ran beside those is not known).
if [ -s "$earlier_alone" ] && head -1 "$earlier_alone" | grep -q busy_ms; then
    calibrate_from=$earlier_alone calibration_jobs=1
else
    calibrate_from=$earlier calibration_jobs=$jobs earlier_alone=/dev/null
fi
# (awk reads the file itself: one that left a pipe early made the writer say "write error" under compare.sh, which
# ignores SIGPIPE.)
earlier_scale=$(awk -F, '{ sub(/\r$/, "") } NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["scale"] != "" { print $at["scale"]; exit }' "$calibrate_from")
if [ -z "$earlier_scale" ]; then # replays alone: no run of a case to time this machine against
    echo "fragbench: estimate: none (the earlier results hold no run of a case to time this machine against); the progress line gives an ETA after the first runs"
    exit 0
fi
now=$(build/fragbench --quiet --alloc=glibc --scale="$earlier_scale" --idle-ms=0 --reps="$calibration_jobs" \
    --jobs="$calibration_jobs" --csv=- frag 2>/dev/null | tr -d '\r' | awk -F, '
        NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        $at["seq"] == 1 { sum += $at["busy_ms"]; n++ } END { if (n) print sum / n }')
[ -n "$now" ] || { echo "fragbench: estimate: none (the calibration run of frag failed)"; exit 0; }
# The earlier runs alone, where there are any, first (marked by a leading "alone" field), then the memory runs.
{ tr -d '\r' <"$earlier_alone" | sed 's/^/alone,/'; tr -d '\r' <"$earlier"; } | awk -F, -v source="${ESTIMATE_SOURCE:-the earlier results}" -v cases="$cases" -v profiles="$profiles" -v reps="$reps" -v max_reps="$max_reps" \
    -v jobs="$jobs" -v scale="$scale" -v earlier_scale="$earlier_scale" -v idle_ms="$idle_ms" -v now="$now" \
    -v calibrate_alone="$([ "$earlier_alone" = /dev/null ] && echo 0 || echo 1)" \
    -v cures="$cures" -v cure_profiles="$cure_profiles" -v traces="$traces" '
    # add_pairs(NAMES, PROFILES, CASES): adds the busy time of each pair (that of the earlier pair, else the mean of
    # its case, else a trace'"'"'s recorded span where given, else the mean of any run) to work, or for a replay (not
    # CASES) to replay_work; a case'"'"'s also to alone (a case is run alone for its wall time; a replay is not). Returns
    # the number of pairs.
    function add_pairs(names, profile_names, cases,    c, p, i, j, key, ms, name, span, from_span, name_list, profile_list) {
        c = split(names, name_list, " "); p = split(profile_names, profile_list, " ")
        for (i = 1; i <= c; i++) for (j = 1; j <= p; j++) {
            name = name_list[i]; span = ""
            if (!cases && index(name, "=")) { span = substr(name, index(name, "=") + 1); name = substr(name, 1, index(name, "=") - 1) }
            key = name SUBSEP profile_list[j]
            from_span = !n[key] && !case_n[name] && span != ""
            ms = n[key] ? sum[key] / n[key] : case_n[name] ? case_sum[name] / case_n[name] : from_span ? span : all_sum / all_n
            if (cases) {
                work += ms * reps
                alone += key in alone_ms ? alone_ms[key] : ms
            } else if (from_span)
                span_work += ms * reps # timed here when recorded, not in the earlier results: not scaled by speed
            else
                replay_work += ms * reps
        }
        return c * p
    }
    $1 == "alone" && $2 == "case" { for (i = 2; i <= NF; i++) alone_at[$i] = i; next }
    $1 == "alone" {
        if ($alone_at["status"] == "ok" && $alone_at["seq"] == 1 && $alone_at["busy_ms"] != "") {
            alone_ms[$alone_at["case"] SUBSEP $alone_at["alloc"]] = $alone_at["busy_ms"]
            if ($alone_at["case"] == "frag" && $alone_at["alloc"] == "glibc") { frag_sum += $alone_at["busy_ms"]; frag_n++ }
        }
        next
    }
    $1 == "case" { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["status"] == "ok" && $at["seq"] == 1 && $at["busy_ms"] != "" {
        key = $at["case"] SUBSEP $at["alloc"]
        sum[key] += $at["busy_ms"]; n[key]++
        case_sum[$at["case"]] += $at["busy_ms"]; case_n[$at["case"]]++
        all_sum += $at["busy_ms"]; all_n++
        if (!calibrate_alone && $at["case"] == "frag" && $at["alloc"] == "glibc") { frag_sum += $at["busy_ms"]; frag_n++ }
        runs++; if ($at["rep"] > reps) extra++
    }
    END {
        if (!all_n || !frag_n) { print "fragbench: estimate: none (the earlier results have no frag under glibc)"; exit }
        speed = now / (frag_sum / frag_n)
        pairs = add_pairs(cases, profiles, 1) + add_pairs(cures, cure_profiles, 1) + add_pairs(traces, profiles, 0)
        # Extra reps: as often as the earlier results needed them.
        share = runs ? extra / runs : 0
        if (max_reps > reps) work *= 1 + share
        # The memory runs, JOBS working at a time (SCALE scales the cases, not the replays); then one run of each
        # case'"'"'s pair alone for its wall time (from the earlier runs alone, else from its busy time in the memory
        # runs, which is no less: an upper bound). The slides and plots after them are not counted.
        if (max_reps > reps) { replay_work *= 1 + share; span_work *= 1 + share }
        seconds = ((work * (scale / earlier_scale) + replay_work) * speed + span_work) / 1000 / jobs + idle_ms / 1000
        seconds += alone * speed * (scale / earlier_scale) / 1000
        t = seconds < 90 ? sprintf("%.0f s", seconds) : sprintf("%.0f min", seconds / 60)
        printf "fragbench: estimate: about %s for %d pairs, %d at a time (from %s: frag takes %.2fx their time here; the slides after them not counted)\n",
            t, pairs, jobs, source, speed
    }'
