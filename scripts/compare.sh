#!/bin/sh
# make compare: the memory matrix (JOBS working at a time, idle runs beside them), one run of each pair alone for its
# wall time, the machine facts, then the slides. make bench times each pair with hyperfine instead.
# The talk's diagnosis and cures (CURES) run under CURE_ALLOCS only, into the same files; the diagnosis blocks, run
# alone, go to RESULTS/diagnosis.txt.
# Recorded traces (TRACES) are replayed under the same profiles as cases of the matrix (docs/replay.md).
# Reads CASES, CURES, CURE_ALLOCS, TRACES, REPLAY_PARTIAL, ALLOCS, REPS, MAX_REPS, SCALE, IDLE_MS, JOBS, RESULTS, PLOTS, PLOT_DATA from the environment
# (the Makefile sets them).
set -u
cd "$(dirname "$0")/.."
runner=build/fragbench
TRACES=$(echo ${TRACES:-}) # blanks alone are no trace
# A closed pipe (make compare | head) makes a line said fail, not the shell die between two moves of files.
trap '' PIPE
if ! mkdir -p "$RESULTS" "$PLOTS"; then
    echo "fragbench: RESULTS ($RESULTS) and PLOTS ($PLOTS) must be directories that can be made; nothing ran" >&2
    exit 2
fi
# One make compare at a time in RESULTS: two at once each moved the other's files aside, and the last one's rows alone
# were left, both saying done. (The lock is held until this shell and every program it started have ended.)
if ! command exec 9>"$RESULTS/.compare.lock" || ! flock -n 9; then
    echo "fragbench: another make compare is running in $RESULTS (it holds $RESULTS/.compare.lock): wait for it, or give RESULTS=DIR; nothing ran" >&2
    exit 2
fi
# The results' files, then the runner's log (its console lines), which is kept with them but holds no rows.
result_files="compare.csv machine.txt timeline.csv walltime.csv diagnosis.txt timing.csv timing.md summary.csv slides.md"
kept_aside="$result_files compare.log"
moved_aside=0
drawing=0
earlier_dir=""

# Stopped (Ctrl-C, SIGTERM, SIGHUP): the earlier results come back in place, whole, and the rows this matrix had
# finished (the runner keeps them) go to RESULTS/interrupted-DATE-TIME/, with the files they were bound for named as
# they would have been (.tmp left off). The shell then dies of the same signal, as make expects. A second signal
# meanwhile (make sends its own SIGTERM to the recipe's shell when it gets one, sometimes after this has begun; a
# second Ctrl-C) is ignored until that is done: it once killed the shell half way, leaving the .tmp files.
# keep_this_matrix: the files in RESULTS are this matrix's (the earlier ones all aside): those with a row below the
# header go to RESULTS/interrupted-DATE-TIME/ (its name in $aside; empty where none had a row), the runner's log with
# them (it also holds the lines of the run it dropped); the rest are removed.
keep_this_matrix() {
    aside="$RESULTS/interrupted-$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$aside"
    for file in $result_files compare.csv.tmp timeline.csv.tmp cures.csv.tmp cures-timeline.csv.tmp \
        replays.csv.tmp replays-timeline.csv.tmp walltime.csv.tmp walltime-part.csv.tmp; do
        [ "$(sed -n 2p "$RESULTS/$file" 2>/dev/null)" ] && mv "$RESULTS/$file" "$aside/${file%.tmp}"
        rm -f "$RESULTS/$file"
    done
    [ -n "$(ls -A "$aside")" ] && [ -f "$RESULTS/compare.log" ] && mv "$RESULTS/compare.log" "$aside/"
    rm -f "$RESULTS/compare.log"
    rmdir "$aside" 2>/dev/null && aside=""
}
# stopped SIGNAL [CODE]: this shell took SIGNAL (or, with CODE, the runner died of it: killed outright, its memory out).
stopped() {
    trap '' INT TERM HUP
    # A runner still at work is stopped as the signal this shell took (SIGTERM for SIGHUP, which the runner does not
    # take): it ends its runs and keeps the finished ones' rows, and says the signal the user sent (a Ctrl-C read as
    # "stopped by SIGTERM" from the runner, then "stopped by SIGINT" from here).
    if [ -n "$runner_pid" ]; then
        kill -s "$([ "$1" = INT ] && echo INT || echo TERM)" "$runner_pid" 2>/dev/null
        wait "$runner_pid"
    fi
    aside=""
    [ "$moved_aside" = 1 ] && keep_this_matrix
    put_back_earlier
    what="stopped by SIG$1"
    [ -n "${2:-}" ] && what="the runner died of SIG$1 (exit $2)"
    if [ -z "$aside" ]; then
        echo "fragbench: $what: no run had finished; $earlier_state" >&2
    else
        echo "fragbench: $what: $earlier_state; this matrix's finished rows are in $aside/ ($(cd "$aside" && echo *))" >&2
    fi
    [ "$drawing" = 1 ] &&
        echo "fragbench: the plots in $PLOTS were part drawn from this matrix: 'make slides' draws them again from the results in place" >&2
    rm -rf "$earlier_dir"
    [ -n "${2:-}" ] && exit "$2"
    trap - INT TERM HUP
    kill -s "$1" $$
    # Still here: the shell ignores that signal (it was ignored when it started, as in a background job without job
    # control, where a trap is not set either): the exit status says it.
    case $1 in INT) exit 130 ;; HUP) exit 129 ;; *) exit 143 ;; esac
}
# runner_stopped CODE: a runner that ended by SIGINT, SIGTERM or SIGHUP (exit 130, 143, 129) that this shell did
# not take (sent to the runner alone, or ignored here) stops the matrix as that signal here would have: without
# this, the slides were drawn from the rows so far, as if the matrix had finished, and the earlier results moved.
runner_stopped() {
    case $1 in 130) stopped INT ;; 143) stopped TERM ;; 129) stopped HUP ;; esac
    [ "$1" -gt 128 ] && stopped "$(kill -l "$1")" "$1"
}
# run_runner LOG ARG...: the runner, its console lines added to LOG, in the background and waited for, so that a
# signal this shell takes is taken at once (a runner in the foreground held the traps until it ended: make compare
# went on for minutes after a kill); its exit status in $code.
# A command in the background has SIGINT and SIGQUIT ignored, which the runner keeps (as it keeps them ignored where
# its caller meant it): they are given back their default unless this shell itself was started with SIGINT ignored,
# so that a Ctrl-C, or a SIGINT sent to the runner alone, stops it as before. SIGPIPE, which this shell ignores
# (above), is given back its default too: the runner and its runs get what they had before.
runner_pid=""
signals_back=--default-signal=INT,QUIT,PIPE
[ $((0x$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status) & 2)) -eq 0 ] ||
    signals_back="--ignore-signal=INT --default-signal=PIPE"
run_runner() {
    log=$1
    shift
    # shellcheck disable=SC2086 # one or two options
    env $signals_back "$runner" "$@" >>"$log" &
    runner_pid=$!
    wait "$runner_pid"
    code=$?
    runner_pid=""
}
# put_back_earlier [DIR]: the earlier results' files back in RESULTS from DIR (earlier_dir unless told); earlier_state
# says whether there were any.
put_back_earlier() {
    earlier_state="there were no earlier results in $RESULTS"
    [ -n "${1:-$earlier_dir}" ] || return 0 # none moved aside yet
    for file in "${1:-$earlier_dir}"/*; do
        [ -f "$file" ] && mv "$file" "$RESULTS/" && earlier_state="the earlier results in $RESULTS are back in place"
    done
}
# A make compare killed outright (SIGKILL, the machine's end) left its earlier results aside in RESULTS/.earlier.*:
# they come back now, and its finished rows go aside, as a stop would have done.
for left in "$RESULTS"/.earlier.*; do
    [ -d "$left" ] || continue
    keep_this_matrix
    put_back_earlier "$left"
    rm -rf "$left"
    echo "fragbench: a make compare in $RESULTS was killed before it ended: $earlier_state${aside:+; its finished rows are in $aside/}" >&2
done
# The earlier results estimate this matrix's time; nothing of them may be mixed in, so their files move aside (in
# RESULTS, where a make compare killed outright leaves them to be found), and come back only if bad input stops
# this matrix before anything ran, or a stop.
earlier_dir=$(mktemp -d "$RESULTS/.earlier.XXXXXX") || exit 2
trap 'rm -rf "$earlier_dir"' EXIT
trap 'stopped INT' INT
trap 'stopped TERM' TERM
trap 'stopped HUP' HUP
for file in $kept_aside; do
    [ -f "$RESULTS/$file" ] && mv "$RESULTS/$file" "$earlier_dir/"
done
moved_aside=1
earlier=$earlier_dir/compare.csv earlier_alone=$earlier_dir/walltime.csv
# A first matrix elsewhere (results/mine/, say) is estimated from the reference's results, which it leaves in place;
# so is one whose earlier results hold replays alone: the estimate times frag under glibc at their scale to learn
# this machine's speed against theirs, and a replay's row has no scale (a second traces-only compare once printed
# "estimate: none (the calibration run of frag failed)", its calibration run refused --scale=).
has_case_rows() {
    awk -F, '{ sub(/\r$/, "") } NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        $at["scale"] != "" { found = 1; exit } END { exit !found }' "$1"
}
if { [ ! -f "$earlier" ] || ! has_case_rows "$earlier"; } && [ -f results/compare.csv ]; then
    earlier=results/compare.csv earlier_alone=results/walltime.csv
    export ESTIMATE_SOURCE="the reference's results"
fi
[ -f "$earlier_alone" ] || earlier_alone=/dev/null
status=0

# The case name the runner gives a trace: its file's name less .zst and .trace; trace_names: those of TRACES.
trace_name() {
    name=$(basename "$1")
    name=${name%.zst}
    echo "${name%.trace}"
}
trace_names() {
    for trace in ${TRACES:-}; do
        trace_name "$trace"
    done
}

# The profiles that will run: those asked for (all: every one) that are installed; the runner says which it skips.
installed=$("$runner" --list=profiles)
if [ "$ALLOCS" = all ]; then
    profiles=$installed
else
    profiles=""
    for name in $ALLOCS; do
        echo "$installed" | grep -qx -- "$name" && profiles="$profiles $name"
    done
fi
alloc_list=$(echo $ALLOCS | tr ' ' ',')
# CASES empty (make compare CASES= TRACES=...): no case runs (the runner given no name would run them all).
if [ -z "$(echo $CASES)" ] && [ -z "$(echo ${CURES:-})" ] && [ -z "$(echo ${TRACES:-})" ]; then
    put_back_earlier
    echo "fragbench: CASES, CURES and TRACES are all empty: nothing to run; $earlier_state" >&2
    exit 2
fi
# A cure named in CASES runs with the other cases, not a second time with the cures.
cures=""
for name in ${CURES:-}; do
    case " $CASES " in *" $name "*) ;; *) cures="$cures $name" ;; esac
done
cure_allocs=$(echo $CURE_ALLOCS | tr ' ' ',')

# The traces are checked before anything runs (bad input stops make compare at once, not after the matrix): each
# must read as a trace, and its name must not be a case's of this matrix (its rows would join that case's). What
# fb-trace info says of each gives the estimate the time its events span (NAME=MS), for a trace it has no replay of;
# three times that for a trace of more than one thread, whose calls wait for each other's (docs/replay.md#speed:
# such replays took 1.4 to 6.6 times their span, alone or two at a time; after the threaded replay's mends of
# 2026-12-06, the shared ring's 1.1 alone and 1.3 two at a time, the newcomer's service not measured again: kept).
trace_spans=""
for trace in ${TRACES:-}; do
    # The traces reach the runner as one --replay list, split at commas: a comma in a name would split it; and one
    # alone, which the runner takes whole, is a quoted case name in compare.csv, which the estimate of the next
    # make compare reads with awk, split at every comma ("estimate: none").
    case "$trace" in *,*)
        put_back_earlier
        echo "fragbench: TRACES: $trace has a comma in its name, which the traces' --replay list and this script's reading of compare.csv split: rename it (./run --replay=$trace takes it as it is); nothing ran; $earlier_state" >&2
        exit 2 ;;
    esac
    if ! said=$(build/fb-trace info "$trace" 2>&1); then
        put_back_earlier
        said=$(echo "$said" | grep '^fb-trace: ' | tail -n 1)
        echo "fragbench: TRACES: ${said#fb-trace: }; nothing ran; $earlier_state" >&2
        exit 2
    fi
    threads=$(echo "$said" | sed -n 's/^threads: \([0-9]*\).*/\1/p')
    trace_spans="$trace_spans $(trace_name "$trace")=$(echo "$said" | sed -n 's/^events: [0-9]* in \([0-9.]*\) s.*/\1/p' |
        awk -v threads="${threads:-1}" '{ printf "%.0f", $1 * 1000 * (threads > 1 ? 3 : 1) }')"
done
for name in $(trace_names); do
    case " $CASES $cures " in *" $name "*)
        put_back_earlier
        echo "fragbench: TRACES: a trace named $name is also a case of the matrix (its rows would be that case's): rename the trace; nothing ran; $earlier_state" >&2
        exit 2 ;;
    esac
done
# Whatever else the runner would refuse (a case's or a profile's name, a number) stops make compare here too, before
# the plan and its estimate: the runner checks the runs below without running any (--dry-run, which writes nothing).
refuse_bad_runs() {
    said=$("$runner" --dry-run --quiet "$@" 2>&1 >/dev/null) && return 0
    code=$?
    put_back_earlier
    echo "$said" | sed -e 's/^fragbench: --reps:/fragbench: REPS (--reps):/' -e 's/^fragbench: --scale:/fragbench: SCALE (--scale):/' \
        -e 's/^fragbench: --idle-ms:/fragbench: IDLE_MS (--idle-ms):/' -e 's/^fragbench: --jobs:/fragbench: JOBS (--jobs):/' \
        -e 's/^fragbench: --max-reps:/fragbench: MAX_REPS (--max-reps):/' -e 's/^fragbench: --replay:/fragbench: TRACES (--replay):/' \
        -e 's/: --replay-partial replays them$/: REPLAY_PARTIAL=yes (--replay-partial) replays them/' >&2
    echo "fragbench: nothing ran; $earlier_state" >&2
    exit "$code"
}
# REPS and MAX_REPS first, as numbers (the shell compares them below), then every run as it will be made.
refuse_bad_runs --reps="$REPS" frag
case $MAX_REPS in
'' | *[!0-9]* | ?????*) # (five digits or more: past what the runner takes, and the shell's test may not read it)
    put_back_earlier
    echo "fragbench: MAX_REPS: '$MAX_REPS' is not a whole number up to 1000; nothing ran; $earlier_state" >&2
    exit 2 ;;
esac
# More reps where they differ needs two to compare, and never means fewer than REPS.
[ "$REPS" -lt 2 ] && MAX_REPS=$REPS
[ "$MAX_REPS" -lt "$REPS" ] && MAX_REPS=$REPS
# shellcheck disable=SC2086 # lists of names
[ -z "$(echo $CASES)" ] || refuse_bad_runs --alloc="$alloc_list" --skip-missing --reps="$REPS" --max-reps="$MAX_REPS" \
    --scale="$SCALE" --idle-ms="$IDLE_MS" --jobs="$JOBS" $CASES
# shellcheck disable=SC2086
[ -z "$cures" ] || refuse_bad_runs --alloc="$cure_allocs" --skip-missing $cures
# The replays as they will be made: two traces of one name among them, or one that is not whole without
# REPLAY_PARTIAL, are refused here, not after the matrix ran.
case ${REPLAY_PARTIAL:-} in
'') partial="" ;;
yes) partial=--replay-partial ;;
*)
    put_back_earlier
    echo "fragbench: REPLAY_PARTIAL: '$REPLAY_PARTIAL' is not 'yes' (or empty); nothing ran; $earlier_state" >&2
    exit 2 ;;
esac
# shellcheck disable=SC2086
[ -z "${TRACES:-}" ] || refuse_bad_runs --alloc="$alloc_list" --skip-missing --reps="$REPS" --max-reps="$MAX_REPS" \
    --jobs="$JOBS" $partial --replay="$(echo $TRACES | tr ' ' ',')"
reps=$REPS-$MAX_REPS
[ "$REPS" = "$MAX_REPS" ] && reps=$REPS
# The plan: scale and idle apply to the cases alone (a replay keeps its trace's sizes and pauses).
plan=""
[ -n "$(echo $CASES)" ] && plan="cases [$(echo $CASES)] (scale $SCALE, idle $IDLE_MS ms)"
[ -n "$(echo ${TRACES:-})" ] && plan="${plan:+$plan, }traces [$(echo $(trace_names))]"
echo "fragbench: memory: $plan, each x profiles [$ALLOCS] x $reps reps, $JOBS working at a time" >&2
# Where the files go: a matrix other than the reference's whole one goes to results/mine/ (the Makefile decides).
if [ -n "${MATRIX_GIVEN:-}" ] && [ "$RESULTS" = results/mine ]; then
    echo "fragbench: results to $RESULTS/, plots to $PLOTS/ ($MATRIX_GIVEN given: not the reference's whole matrix, so results/ and plots/ stay as they are; RESULTS=DIR for elsewhere)" >&2
else
    echo "fragbench: results to $RESULTS/, plots to $PLOTS/" >&2
fi
[ -n "$(echo $profiles)" ] &&
    scripts/estimate.sh "$earlier" "$CASES" "$(echo $profiles)" "$REPS" "$MAX_REPS" "$JOBS" "$SCALE" "$IDLE_MS" \
        "$earlier_alone" "$(echo $cures)" "$(echo $cure_allocs | tr ',' ' ')" "$(echo $trace_spans)" >&2
: >"$RESULTS/compare.log"
# The runner is run once per stage (memory, cures, replays, wall times): each run's ETA is its stage's, and says
# which of how many (FRAGBENCH_STAGE), where "ETA 0:00" once came with minutes of later stages to go.
stages=0
for present in "$(echo $CASES)" "$(echo $cures)" "$(echo ${TRACES:-})" "$(echo $CASES $cures)"; do
    [ -z "$present" ] || stages=$((stages + 1))
done
stage=0
next_stage() {
    stage=$((stage + 1))
    FRAGBENCH_STAGE="$stage/$stages"
    export FRAGBENCH_STAGE
}
if [ -n "$(echo $CASES)" ]; then
    next_stage
    # shellcheck disable=SC2086 # CASES is a list of names
    run_runner "$RESULTS/compare.log" --alloc="$alloc_list" --skip-missing --reps="$REPS" --max-reps="$MAX_REPS" \
        --scale="$SCALE" --idle-ms="$IDLE_MS" --jobs="$JOBS" \
        --csv="$RESULTS/compare.csv.tmp" --timeline="$RESULTS/timeline.csv.tmp" $CASES
    status=$code
    runner_stopped "$status"
    if [ "$status" -ge 2 ] && ! grep -q ',ok,' "$RESULTS/compare.csv.tmp" 2>/dev/null; then
        rm -f "$RESULTS/compare.csv.tmp" "$RESULTS/timeline.csv.tmp" "$RESULTS/compare.log"
        put_back_earlier
        echo "fragbench: nothing ran; $earlier_state" >&2
        exit "$status" # bad input (the runner said why)
    fi
    mv "$RESULTS/compare.csv.tmp" "$RESULTS/compare.csv"
    mv "$RESULTS/timeline.csv.tmp" "$RESULTS/timeline.csv"
fi

# add_rows RUNNER_STATUS FROM TO: the rows of FROM (its header left out) at the end of TO, or FROM itself where TO
# is not there; FROM goes. Keeps the worst status in $status.
add_rows() {
    [ "$1" -gt "$status" ] && status=$1
    [ -f "$2" ] || return 0
    if [ -f "$3" ]; then tail -n +2 "$2" >>"$3" && rm -f "$2"; else mv "$2" "$3"; fi
}

# The cures, with the same reps and idle, under CURE_ALLOCS; the matrix's own rows are in place already.
if [ -n "$cures" ]; then
    echo "fragbench: the talk's diagnosis and cures: [$(echo $cures)] under [$CURE_ALLOCS]" >&2
    next_stage
    # shellcheck disable=SC2086 # a list of names
    run_runner "$RESULTS/compare.log" --alloc="$cure_allocs" --skip-missing --reps="$REPS" --max-reps="$MAX_REPS" \
        --scale="$SCALE" --idle-ms="$IDLE_MS" --jobs="$JOBS" --csv="$RESULTS/cures.csv.tmp" \
        --timeline="$RESULTS/cures-timeline.csv.tmp" $cures
    runner_stopped "$code"
    add_rows "$code" "$RESULTS/cures.csv.tmp" "$RESULTS/compare.csv"
    add_rows 0 "$RESULTS/cures-timeline.csv.tmp" "$RESULTS/timeline.csv"
fi

# Replays of recorded traces (TRACES), under the same profiles with the same reps; each trace is a case of the matrix.
if [ -n "${TRACES:-}" ]; then
    echo "fragbench: replays: [$(echo $TRACES)] x profiles [$ALLOCS]" >&2
    next_stage
    # shellcheck disable=SC2086
    run_runner "$RESULTS/compare.log" --alloc="$alloc_list" --skip-missing --reps="$REPS" --max-reps="$MAX_REPS" \
        --jobs="$JOBS" $partial --csv="$RESULTS/replays.csv.tmp" --timeline="$RESULTS/replays-timeline.csv.tmp" \
        --replay="$(echo $TRACES | tr ' ' ',')"
    runner_stopped "$code"
    add_rows "$code" "$RESULTS/replays.csv.tmp" "$RESULTS/compare.csv"
    add_rows 0 "$RESULTS/replays-timeline.csv.tmp" "$RESULTS/timeline.csv"
fi
# No case ran (CASES empty) and no cure or replay wrote a row: the earlier results come back, as after bad input.
if [ ! -f "$RESULTS/compare.csv" ]; then
    put_back_earlier
    echo "fragbench: no run finished; $earlier_state" >&2
    [ "$status" -gt 0 ] || status=1
    exit "$status"
fi

# Wall times: one run of each pair alone, no idle, nothing beside it. Times taken in the memory runs are not
# comparable: a run started beside idle ones touches memory they hold back, which is slow on a VM.
# wall_times ALLOC_LIST CASE...: one run of each pair alone, its rows added to walltime.csv.tmp.
wall_times() {
    allocs=$1
    shift
    run_runner /dev/null --alloc="$allocs" --skip-missing --reps=1 --jobs=1 --scale="$SCALE" --idle-ms=0 \
        --csv="$RESULTS/walltime-part.csv.tmp" "$@"
    runner_stopped "$code"
    [ "$code" = 0 ] || echo "fragbench: a wall-time run failed (its row says how); the slides leave its time out" >&2
    add_rows "$code" "$RESULTS/walltime-part.csv.tmp" "$RESULTS/walltime.csv.tmp"
}
[ -z "$(echo $CASES $cures)" ] || { echo "fragbench: wall times: one run of each pair alone, no idle" >&2 && next_stage; }
# shellcheck disable=SC2086 # lists of names
[ -z "$(echo $CASES)" ] || wall_times "$alloc_list" $CASES
# shellcheck disable=SC2086
[ -z "$cures" ] || wall_times "$cure_allocs" $cures
mv "$RESULTS/walltime.csv.tmp" "$RESULTS/walltime.csv" 2>/dev/null

# The talk's diagnosis as the talk printed it: frag_debug.py run alone (no runner, glibc), its RSS lines and the
# heap's partition after alloc and after del.
if echo " ${CURES:-} " | grep -q " frag_debug.py "; then # (also when CASES took it)
    (cd cases && python3 frag_debug.py --scale="$SCALE" --idle-ms=0) >"$RESULTS/diagnosis.txt" 2>&1 || {
        echo "fragbench: frag_debug.py alone failed (see $RESULTS/diagnosis.txt)" >&2
        status=1
    }
fi

scripts/machine.sh "$runner" >"$RESULTS/machine.txt" || status=1

drawing=1
scripts/slides.sh || status=1
drawing=0
# The earlier results of a directory git does not hold (results/mine/, RESULTS=DIR) are kept beside the new ones:
# a newcomer's second small matrix replaced the first's without a word. The reference's (results/) are in git.
if [ "$(cd "$RESULTS" && pwd -P)" != "$(cd results && pwd -P)" ] && [ -n "$(ls -A "$earlier_dir")" ]; then
    previous="$RESULTS/previous-$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$previous" && mv "$earlier_dir"/* "$previous/" &&
        echo "fragbench: the earlier results in $RESULTS are in $previous/ (their plots: make slides RESULTS=$previous)" >&2
fi
[ $status -eq 0 ] && echo "fragbench: done: $RESULTS/slides.md, $RESULTS/summary.csv, $PLOTS/*.svg and *.png (drawn again from these results, nothing re-run: make slides RESULTS=$RESULTS PLOTS=$PLOTS)" >&2
exit $status
