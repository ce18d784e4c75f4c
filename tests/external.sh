#!/bin/sh
# Tests of fragbench.h and of external mode (./run -- COMMAND): marks, outside samples, peak, exit status, refusals.
set -u
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh
FB=${1:-build/fragbench}
PROGRAM=build/tests/header_phase

# ---- The header against the protocol, checked by the runner's own parser; silent without the runner.
got=$(FRAGBENCH_FD=3 $PROGRAM 4 0 0 3>&1 >/dev/null | build/tests/record_check | tr '\n' '|')
expect fragbench_h_speaks_the_protocol "records: $got" "$got" = "phase 1 Start|phase 2 After alloc live=4194304/1|phase 3 After free|"
got=$($PROGRAM 4 0 0 2>&1)
expect fragbench_h_is_silent_without_the_runner "printed '$got'" -z "$got"
FRAGBENCH_FD=3 $PROGRAM 4 0 0 3>"$tmp/user-file"
expect fragbench_h_writes_nothing_into_a_file_that_is_not_the_runners_pipe "$(cat "$tmp/user-file")" ! -s "$tmp/user-file"

# A program the runner's process starts (sh -c 'prog; true': sh forks it) inherits the pipe and the environment,
# but is not the program measured: its marks, C or Python, are not the shell's rows (they were, at its RSS).
"$FB" --quiet --csv="$tmp/child-marks.csv" -- sh -c "$PROGRAM 1 0 0; PYTHONPATH=cases python3 -c 'import fragbench; fragbench.phase(\"Child\")'; true" \
    >/dev/null 2>&1
code=$?
expect a_child_of_the_measured_program_marks_no_phase "exit $code; rows: $(cut -d, -f6 "$tmp/child-marks.csv" | tr '\n' ' ')" \
    "$code:$(cut -d, -f6 "$tmp/child-marks.csv" | tail -n +2 | tr '\n' ' ')" = "0:Start Exit "

# ---- External mode on a program that marks phases: 64 MB held for 300 ms, exit status 3.
"$FB" --alloc=glibc,jemalloc --quiet --interval-ms=5 --csv="$tmp/ext.csv" --timeline="$tmp/ext-timeline.csv" \
    -- $PROGRAM 64 300 3 >"$tmp/ext.out" 2>"$tmp/ext.err"
code=$?
got=$(tr -d '\r' <"$tmp/ext.csv" | awk -F, 'NR > 1 && $2 == "glibc" { printf "%s;", $6 }')
expect external_marks_arrive_in_order "phases: $got; $(cat "$tmp/ext.err")" "$got" = "Start;Start #2;After alloc;After free;Exit;"
got=$(tr -d '\r' <"$tmp/ext.csv" | awk -F, 'NR > 1 && $2 == "glibc" { printf "%s;", $5 }')
expect external_rows_are_numbered_as_they_arrive "seq: $got" "$got" = "1;2;3;4;5;"
"$FB" --alloc=jemalloc --quiet --csv="$tmp/env.csv" -- env -u LD_PRELOAD python3 -c 'import time; time.sleep(0.3)' \
    2>"$tmp/env.err"
env_code=$?
expect exec_into_an_image_without_the_preload_is_refused "exit $env_code, $(($(wc -l <"$tmp/env.csv") - 1)) rows: $(cat "$tmp/env.err")" \
    "$env_code:$(($(wc -l <"$tmp/env.csv") - 1)):$(grep -c "which did not name its allocator within 250 ms" "$tmp/env.err")" = 2:0:1
# The same for an image that ends within the grace (0.1 s here): seen running, it never named its allocator, so
# its rows are not labelled with the one asked for (they were, status ok, exit 0).
"$FB" --alloc=jemalloc --quiet --interval-ms=5 --csv="$tmp/env-short.csv" -- env -u LD_PRELOAD python3 -c 'sum(range(2000000))' \
    2>"$tmp/env-short.err"
env_code=$?
expect short_exec_into_an_image_without_the_preload_is_refused "exit $env_code, $(($(wc -l <"$tmp/env-short.csv") - 1)) rows: $(cat "$tmp/env-short.err")" \
    "$env_code:$(($(wc -l <"$tmp/env-short.csv") - 1)):$(grep -c "which ended without naming its allocator\|which did not name its allocator within 250 ms" "$tmp/env-short.err")" = 2:0:1
# Its console says so too: no Exit line for the row it does not have, and its progress line does not say ok.
"$FB" --alloc=jemalloc --interval-ms=5 -- env -u LD_PRELOAD python3 -c 'sum(range(2000000))' >"$tmp/env-talk.out" 2>&1
got="$(grep -c '^Exit' "$tmp/env-talk.out"):$(grep -c ': ok in ' "$tmp/env-talk.out"):$(grep -c ': refused in ' "$tmp/env-talk.out")"
expect a_refused_run_prints_no_exit_line_and_no_ok "$got; $(cat "$tmp/env-talk.out")" "$got" = "0:0:1"
# A command run through env is named after the program env runs, past its options and settings.
"$FB" --quiet --csv="$tmp/env-named.csv" -- env -u NO_SUCH_VARIABLE --chdir / -- PYTHONMALLOC=malloc python3 -c 'pass' \
    2>/dev/null
got=$(tr -d '\r' <"$tmp/env-named.csv" | awk -F, 'NR > 1 { print $1 }' | sort -u | tr '\n' ' ')
expect command_through_env_is_named_after_its_program "case names: $got" "$got" = "python3 "
printf '#!%s\n' "$tmp/loop" >"$tmp/loop"
chmod +x "$tmp/loop"
"$FB" --quiet -- "$tmp/loop" >/dev/null 2>"$tmp/loop.err"
loop_code=$?
expect interpreter_loop_is_refused "exit $loop_code: $(cat "$tmp/loop.err")" "$loop_code:$(grep -c 'more than 4 levels of #!' "$tmp/loop.err")" = 2:1
got=$(tr -d '\r' <"$tmp/ext.csv" | awk -F, 'NR > 1 { print $18 }' | sort -u | tr '\n' ' ')
expect external_exit_status_passes_through "exit $code, statuses $got" "$code:$got" = "1:exit:3 "
got=$(tr -d '\r' <"$tmp/ext.csv" | awk -F, 'NR > 1 { print $2 ":" $19 }' | sort -u | tr '\n' ' ')
expect external_rows_name_the_allocator_that_served_malloc "$got" "$got" = "glibc:glibc jemalloc:jemalloc "
bad=$(tr -d '\r' <"$tmp/ext-timeline.csv" | awk -F, 'NR > 1 { key = $2 "/" $3; if (key in last && $4 + 0 < last[key]) n++; last[key] = $4 + 0; rows[key]++ }
    END { for (k in rows) { if (rows[k] < 20) n++; keys++ } if (keys != 2) n++; print n + 0 }') # glibc and jemalloc
expect external_samples_are_monotonic_in_time_and_many "$bad problems in $(wc -l <"$tmp/ext-timeline.csv") rows" "$bad" -eq 0
got=$(tr -d '\r' <"$tmp/ext-timeline.csv" | awk -F, '$2 == "glibc" && $7 != "" { printf "%s;", $7 }')
expect external_timeline_marks_the_phases "marks: $got" "$got" = "Start;Start #2;After alloc;After free;Exit;"
# A mark's timeline row has the CSV row's figures (read by the program at the mark) and its time: a Start that env
# sent just before it exec'd python3 was read from outside mid-exec, 4 kB of RSS, and a mark's row stood at the time
# it arrived (a line falling fast took a step back there). The rows stay in time order. (Exit's CSV row gives the
# run's whole time, to its reaping, as its elapsed_ms.)
"$FB" --quiet --interval-ms=5 --csv="$tmp/via-env.csv" --timeline="$tmp/via-env-timeline.csv" -- env PYTHONMALLOC=malloc python3 \
    -c 'x = [str(i) for i in range(100000)]' >/dev/null 2>&1
code=$?
csv_rows=$(tr -d '\r' <"$tmp/via-env.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    { printf "%s %s %s %s;", $at["phase"], $at["phase"] == "Exit" ? "" : $at["elapsed_ms"], $at["rss_kb"], $at["anon_kb"] }')
timeline_rows=$(tr -d '\r' <"$tmp/via-env-timeline.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["phase"] != "" { printf "%s %s %s %s;", $at["phase"], $at["phase"] == "Exit" ? "" : $at["t_ms"], $at["rss_kb"], $at["anon_kb"] }')
backwards=$(tr -d '\r' <"$tmp/via-env-timeline.csv" | awk -F, 'NR > 2 && $4 + 0 < last { n++ } NR > 1 { last = $4 + 0 } END { print n + 0 }')
expect a_marks_timeline_row_has_its_csv_rows_figures_and_time \
    "exit $code; csv $csv_rows timeline $timeline_rows; $backwards rows back in time" \
    "$code:$(echo "$csv_rows" | sed 's/ [^;]*;/;/g'):$timeline_rows:$backwards" = "0:Start;Exit;:$csv_rows:0"
peak=$(tr -d '\r' <"$tmp/ext.csv" | awk -F, '$2 == "glibc" && $6 == "Exit" { print $23 }')
reference=$(/usr/bin/time -f %M $PROGRAM 64 300 0 2>&1 >/dev/null | tail -n 1)
expect external_peak_matches_time_v_within_5pct "runner peak ${peak:-?} kB, /usr/bin/time ${reference:-?} kB" \
    "$(awk -v a="${peak:-0}" -v b="${reference:-1}" 'BEGIN { d = (a - b) / b * 100; if (d < 0) d = -d; print (d < 5) ? "yes" : "no" }')" = yes
# A peak between two samples: 96 MB written and freed with no sample in between (none but at the marks, with
# --interval-ms=60000), then a mark. The runner's read at the mark finds the kernel's high-water mark.
"$FB" --quiet --interval-ms=60000 --csv="$tmp/between.csv" -- python3 -c '
import sys; sys.path.insert(0, "cases")
import fragbench
block = b"x" * (96 << 20)
del block
fragbench.phase("After free")' 2>"$tmp/between.err"
code=$?
peak=$(value "$tmp/between.csv" python3 glibc Exit peak_rss_kb)
after=$(value "$tmp/between.csv" python3 glibc "After free" rss_kb)
expect external_peak_between_samples_is_the_kernels_high_water_mark "exit $code, peak ${peak:-?} kB, RSS after the free ${after:-?} kB; $(cat "$tmp/between.err")" \
    "$code:$([ "${peak:-0}" -gt $((96 * 1024)) ] && [ "${after:-0}" -lt $((64 * 1024)) ] && echo peak)" = "0:peak"
# A program that ends at once after its peak, with no mark in it: perl makes a string of 96 MB (and a copy, 192 MB)
# and exits. The runner's outside read at its Exit finds the process gone; the Exit itself carries the process's own
# high-water mark (VmHWM, read inside as it ended), where the run's peak once showed 5 MB.
"$FB" --quiet --interval-ms=60000 --csv="$tmp/perl.csv" -- perl -e '$x = "x" x (96 << 20); undef $x;' 2>"$tmp/perl.err"
code=$?
peak=$(value "$tmp/perl.csv" perl glibc Exit peak_rss_kb)
expect external_peak_of_a_program_that_ends_at_once_is_its_own_high_water_mark "exit $code, peak ${peak:-?} kB; $(cat "$tmp/perl.err")" \
    "$code:$([ "${peak:-0}" -gt $((96 * 1024)) ] && echo peak)" = "0:peak"
# Exit is the process's own last word, after its atexit handlers: 64 MB written by one, with no outside sample
# after main (--interval-ms=1000 in a run of half a second), shows at Exit. A process that leaves by _exit says
# no last word: its last outside sample (every 20 ms, while it held 64 MB) stands in.
for ending in atexit _exit; do
    interval=1000
    [ "$ending" = _exit ] && interval=20
    "$FB" --interval-ms=$interval --csv="$tmp/end-$ending.csv" -- python3 -c '
import atexit, ctypes, os, sys, time
def grow(): # 64 MB from malloc, written, never freed (a Python object would be freed as the interpreter ends)
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    ctypes.memset(libc.malloc(64 << 20), 1, 64 << 20)
if sys.argv[1] == "atexit":
    atexit.register(grow)
else:
    grow()
time.sleep(0.3)
if sys.argv[1] == "_exit":
    os._exit(0)' "$ending" >/dev/null 2>"$tmp/end-$ending.err" # the talk's lines: on stderr, stdout is the program's
    code=$?
    rows=$(tr -d '\r' <"$tmp/end-$ending.csv" | awk -F, 'NR > 1 { printf "%s;", $6 }')
    start=$(value "$tmp/end-$ending.csv" python3 glibc Start rss_kb)
    exit_rss=$(value "$tmp/end-$ending.csv" python3 glibc Exit rss_kb)
    grown=$(( ${exit_rss:-0} - ${start:-0} ))
    expect "external_exit_row_after_${ending}_holds_the_64_mb" "exit $code, rows $rows, RSS at Exit $grown kB above Start; $(cat "$tmp/end-$ending.err")" \
        "$code:$rows:$([ "$grown" -gt $((64 * 1024)) ] && echo held)" = "0:Start;Exit;:held"
done
# On the screen too, the _exit run's Exit line is its CSV row, said to be the last sample from outside.
expect external_exit_after__exit_is_on_the_screen_as_in_the_csv "$(cat "$tmp/end-_exit.err")" \
    "$(grep -c "^Exit: $(value "$tmp/end-_exit.csv" python3 glibc Exit rss_kb) kB used (the last sample from outside: it ended without calling exit: by _exit, as sh does, or a signal)\$" "$tmp/end-_exit.err")" = 1
# A program whose main thread ends by pthread_exit while another holds 48 MB: its main thread reads as a zombie in
# /proc (no memory), so the runner reads the process through the live thread; it once saw no growth at all. The
# process ends through exit() when that thread ends, and the shim's Exit, read from /proc/thread-self, is its own.
"$FB" --csv="$tmp/main-exits.csv" --timeline="$tmp/main-exits.tl" -- build/tests/main_thread_exits >/dev/null 2>"$tmp/main-exits.err"
code=$?
start=$(value "$tmp/main-exits.csv" main_thread_exits glibc Start rss_kb)
peak=$(value "$tmp/main-exits.csv" main_thread_exits glibc Start peak_rss_kb)
# The samples from outside (the timeline's rows with no phase), taken while the thread held the 48 MB: its figure.
outside=$(tr -d '\r' <"$tmp/main-exits.tl" | awk -F, 'NR > 1 && $7 == "" && $5 > top { top = $5 } END { print top + 0 }')
expect sampling_follows_a_live_thread_once_main_has_exited "exit $code, Start $start kB, peak $peak kB, outside samples up to $outside kB; $(cat "$tmp/main-exits.err")" \
    "$code:$([ $(( ${peak:-0} - ${start:-0} )) -ge $((48 * 1024)) ] && echo seen):$([ $(( outside - ${start:-0} )) -ge $((48 * 1024)) ] && echo outside)" = "0:seen:outside"
expect exit_after_main_thread_exits_is_the_processs_own "$(cat "$tmp/main-exits.err")" \
    "$(grep -c "^Exit: $(value "$tmp/main-exits.csv" main_thread_exits glibc Exit rss_kb) kB used\$" "$tmp/main-exits.err")" = 1
# A runner gone before the program ends (its pipe closed after the hello): the shim's Exit finds no reader, and
# the program still exits 0, not killed by SIGPIPE.
got=$(python3 - build/libfbhello.so <<'PY'
import os, subprocess, sys
r, w = os.pipe()
env = dict(os.environ, LD_PRELOAD=os.path.abspath(sys.argv[1]), FRAGBENCH_FD=str(w))
child = subprocess.Popen(["sh", "-c", "FRAGBENCH_PID=$$ exec sleep 0.5"], env=env, pass_fds=(w,))
os.close(w)
hello = os.read(r, 4096).decode()
os.close(r)
print("%s %d" % (hello.split("\t")[0], child.wait()))
PY
)
expect external_program_outlives_its_runner_without_sigpipe "first record and exit status: $got" "$got" = "hello 0"
wall=$(tr -d '\r' <"$tmp/ext.csv" | awk -F, '$2 == "glibc" && $6 == "Exit" { printf "%d", $7 }')
expect external_exit_row_carries_the_wall_time "wall ${wall:-?} ms for a 300 ms hold" "${wall:-0}" -ge 300

# ---- The command's stdin, stdout and stderr pass through untouched.
got=$(echo "through stdin" | "$FB" --quiet -- /bin/cat 2>/dev/null)
expect external_stdin_and_stdout_pass_through "stdout '$got'" "$got" = "through stdin"
got=$("$FB" --quiet -- /bin/sh -c 'echo to-stderr >&2' 2>&1 >/dev/null)
expect external_stderr_passes_through "stderr '$got'" "$got" = "to-stderr"

# ---- A Python program with the module under external mode: the shim's hello and the module's agree.
# Under python3 in PATH and under Debian's own, position-dependent /usr/bin/python3.
for python in python3 /usr/bin/python3; do
    "$FB" --alloc=jemalloc --quiet --csv="$tmp/py.csv" -- $python -c '
import sys; sys.path.insert(0, "cases")
import fragbench
fragbench.phase("Marked from Python")' 2>"$tmp/py.err"
    code=$?
    got=$(tr -d '\r' <"$tmp/py.csv" | awk -F, 'NR > 1 { printf "%s:%s;", $6, $19 }')
    expect "external_python_program_marks_phases ($python)" "exit $code: $got $(cat "$tmp/py.err")" \
        "$code:$got" = "0:Start:jemalloc;Marked from Python:jemalloc;Exit:jemalloc;"
done

# ---- A program that marks every request: 20 000 marks of one label, each its own row (tick, tick #2, ...), and the
# runner's own memory stays small (each row once kept a whole record, hello's paths included: 182 MB; now 17 MB).
/usr/bin/time -f %M -o "$tmp/ticks.rss" "$FB" --quiet --csv="$tmp/ticks.csv" -- python3 -c '
import sys; sys.path.insert(0, "cases")
import fragbench
for i in range(20000):
    fragbench.phase("tick")' 2>"$tmp/ticks.err"
code=$?
got=$(tr -d '\r' <"$tmp/ticks.csv" | awk -F, 'NR > 1 { rows++; if (seen[$6]++) twice++ } END { printf "%d rows, %d labels twice", rows, twice }')
last=$(tr -d '\r' <"$tmp/ticks.csv" | awk -F, 'NR > 1 && $6 ~ /^tick/ { label = $6 } END { print label }')
expect runner_keeps_twenty_thousand_marks_apart_in_little_memory "exit $code, $got, the last '$last', runner peak $(cat "$tmp/ticks.rss") kB; $(head -2 "$tmp/ticks.err")" \
    "$code:$got:$last:$([ "$(cat "$tmp/ticks.rss")" -lt 65536 ] && echo small)" = "0:20002 rows, 0 labels twice:tick #20000:small"

# ---- The runner's own tables out of memory (its address space held to 12 MB, a program that marks 200 000 times):
# it says which table and exits 2, where it aborted with no word.
(ulimit -v 12000 && exec "$FB" --quiet --csv="$tmp/many.csv" -- $PROGRAM 0 0 0 200000) >/dev/null 2>"$tmp/many.err"
code=$?
expect runner_out_of_memory_says_which_table_and_exits_2 "exit $code: $(tail -n 2 "$tmp/many.err")" \
    "$code:$(grep -cE "^fragbench: out of memory: [0-9]+ x [0-9]+ bytes for the runner's [a-z' ]+ could not be had$" "$tmp/many.err")" = "2:1"

# ---- A runner killed outright (SIGKILL: no chance to stop its runs) takes its program with it: a program held
# for 30 s (a service run for --duration, for ever) ran on with no one to stop it.
"$FB" --quiet --csv=/dev/null -- $PROGRAM 1 30000 0 >/dev/null 2>&1 &
runner=$!
# The runner's child once it is the program (exec'd): its pid, from /proc.
program_pid() {
    for status in /proc/[0-9]*/status; do
        awk -v parent="$runner" '$1 == "Name:" { name = $2 } $1 == "PPid:" { exit !($2 == parent && name == "header_phase") }' \
            "$status" 2>/dev/null && basename "$(dirname "$status")" && return 0
    done
    return 1
}
wait_until 30 program_pid >/dev/null
program=$(program_pid)
kill -KILL "$runner"
wait "$runner" 2>/dev/null
# Gone, or a zombie left to a PID 1 that does not reap (a container's).
program_gone() { ! grep -q '^State:[[:space:]]*[^Z]' "/proc/$program/status" 2>/dev/null; }
wait_until 10 program_gone
code=$?
expect runner_killed_outright_takes_its_program_with_it "program pid '${program:-none found}', \
$(grep '^State:' "/proc/${program:-0}/status" 2>/dev/null || echo gone)" "${program:+found}:$code" = "found:0"
[ -n "$program" ] && kill -KILL "$program" 2>/dev/null

# ---- A position-dependent C program that takes malloc's address: the shim must still name the allocator.
image=build/tests/header_phase_nopie
canonical=$(LC_ALL=C readelf --dyn-syms -W "$image" | awk '$8 ~ /^malloc(@|$)/ && $7 == "UND" && $2 !~ /^0+$/' | wc -l)
expect non_pie_program_exports_mallocs_canonical_address "$(LC_ALL=C readelf -h "$image" | grep Type:), $canonical" \
    "$(LC_ALL=C readelf -h "$image" | awk '$1 == "Type:" { print $2 }'):$canonical" = EXEC:1
for alloc in glibc jemalloc tcmalloc mimalloc; do
    "$FB" --alloc=$alloc --quiet --csv="$tmp/nopie.csv" -- "$image" 8 10 0 2>"$tmp/nopie.err"
    code=$?
    got=$(tr -d '\r' <"$tmp/nopie.csv" | awk -F, 'NR > 1 { print $19 }' | sort -u | tr '\n' ' ')
    expect "non_pie_program_is_measured_under_$alloc" "exit $code: '$got' $(cat "$tmp/nopie.err")" "$code:$got" = "0:$alloc "
done

# ---- What only smaps_rollup tells, read by the runner at each mark: MADV_FREE pages still in RSS, huge pages.
"$FB" --quiet --csv="$tmp/lazy.csv" --timeline="$tmp/lazy-timeline.csv" -- build/tests/lazyfree_phase 32 150
got=$(tr -d '\r' <"$tmp/lazy.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    { printf "%s=%s/%s/%s;", $at["phase"], $at["rss_kb"], $at["lazyfree_kb"], $at["anon_huge_kb"] }')
lazy_touch=$(value "$tmp/lazy.csv" lazyfree_phase glibc "After touch" lazyfree_kb)
lazy_freed=$(value "$tmp/lazy.csv" lazyfree_phase glibc "After MADV_FREE" lazyfree_kb)
rss_freed=$(value "$tmp/lazy.csv" lazyfree_phase glibc "After MADV_FREE" rss_kb)
rss_touch=$(value "$tmp/lazy.csv" lazyfree_phase glibc "After touch" rss_kb)
expect madv_free_pages_stay_in_rss_and_show_as_lazyfree "rows: $got" \
    "${lazy_touch:-x}:$(( ${lazy_freed:-0} >= 30 * 1024 )):$(( ${rss_freed:-0} + 1024 >= ${rss_touch:-0} ))" = "0:1:1"
if grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    echo "SKIP: huge_pages_show_as_anon_huge_kb (transparent huge pages are off on this machine)"
else
    huge=$(value "$tmp/lazy.csv" lazyfree_phase glibc "After touch" anon_huge_kb)
    expect huge_pages_show_as_anon_huge_kb "rows: $got" "${huge:-0}" -ge 4096
fi
got=$(tr -d '\r' <"$tmp/lazy-timeline.csv" | awk -F, 'NR > 1 && $7 == "" && $9 != "" { n++ } END { print n + 0 }')
expect timeline_samples_between_marks_read_smaps_rollup "$got rows between marks with lazyfree_kb" "$got" -ge 3

# ---- Own cases get a timeline too.
"$FB" --scale=0.05 --idle-ms=100 --quiet --timeline="$tmp/case-timeline.csv" frag
got=$(tr -d '\r' <"$tmp/case-timeline.csv" | awk -F, '$7 != "" && NR > 1 { printf "%s;", $7 }')
expect case_timeline_marks_every_phase "marks: $got" "$got" = "After alloc;After del;After idle;After release;"
got=$(tr -d '\r' <"$tmp/case-timeline.csv" | awk -F, 'NR > 1 && $7 != "" { printf "%s=%s;", $7, $8 }')
expect case_timeline_marks_carry_the_live_bytes "marks: $got" \
    "$(echo "$got" | grep -cE '^After alloc=[1-9][0-9]*;After del=[0-9]+;After idle=[0-9]+;After release=[0-9]+;$')" -eq 1
expect timeline_has_the_documented_header "$(head -n 1 "$tmp/case-timeline.csv")" \
    "$(head -n 1 "$tmp/case-timeline.csv" | tr -d '\r')" = "case,alloc,rep,t_ms,rss_kb,anon_kb,phase,live_kb,lazyfree_kb,anon_huge_kb"

# ---- Refusals: a static binary, a command that does not exist.
"$FB" --quiet -- build/tests/static_hello >"$tmp/static.out" 2>"$tmp/static.err"
code=$?
expect static_binary_is_refused_with_the_reason "exit $code: $(cat "$tmp/static.err") $(cat "$tmp/static.out")" \
    "$code:$(grep -c 'is statically linked: LD_PRELOAD cannot apply to it' "$tmp/static.err"):$(wc -c <"$tmp/static.out")" = "2:1:0"
# One a command execs into (past the runner's check of the command): the refusal says why it cannot say hello.
"$FB" --quiet -- sh -c 'exec build/tests/static_hello 1000' >/dev/null 2>"$tmp/exec-static.err"
code=$?
expect a_static_binary_execd_into_is_refused_with_the_reason "exit $code: $(cat "$tmp/exec-static.err")" \
    "$code:$(grep -c "the command exec'd into .*/static_hello, which did not name its allocator within 250 ms (after .*): .*/static_hello is statically linked: LD_PRELOAD cannot apply to it" "$tmp/exec-static.err")" = "2:1"
"$FB" --quiet -- /nonexistent/command >/dev/null 2>"$tmp/missing.err"
code=$?
expect missing_command_exits_2 "exit $code: $(cat "$tmp/missing.err")" \
    "$code:$(grep -c "^fragbench: cannot run '/nonexistent/command': No such file or directory$" "$tmp/missing.err")" = 2:1
# Each refusal says why: a directory, a file without x, a name PATH does not hold (it said "not found or not
# executable" to all of them).
printf 'data\n' >"$tmp/not-executable"
got=""
for command in "$tmp" "$tmp/not-executable" no-such-program-anywhere; do
    "$FB" --quiet -- "$command" >/dev/null 2>>"$tmp/why.err"
    got="$got$?:"
done
got="$got$(grep -c -e "^fragbench: cannot run '$tmp': it is a directory$" \
    -e "^fragbench: cannot run '$tmp/not-executable': it is not executable (no x permission for this user)$" \
    -e "^fragbench: cannot run 'no-such-program-anywhere': no such program in PATH$" "$tmp/why.err")"
expect a_command_that_cannot_run_is_refused_saying_why "$got; $(cat "$tmp/why.err")" "$got" = "2:2:2:3"
"$FB" --quiet -- --alloc=jemalloc true >/dev/null 2>"$tmp/option-after.err"
got="$?:$(grep -c "^fragbench: cannot run '--alloc=jemalloc': no such program in PATH (the runner's options go before --, the command after it)$" "$tmp/option-after.err")"
expect an_option_after_the_dashes_is_told_to_go_before_them "$got; $(cat "$tmp/option-after.err")" "$got" = 2:1
# A program run through a wrapper (sh -c): the figures are the wrapper's, and the runner says so once, naming the
# child it saw running (its name read again after its exec); a program that starts none gets no such note, nor one
# that execs through a launcher whose subshell ran before the exec (a pyenv shim's bash). The runner reads
# /proc/PID/task/PID/children, which a kernel without CONFIG_PROC_CHILDREN lacks: there the note cannot come.
if [ ! -e "/proc/$$/task/$$/children" ]; then
    echo "SKIP: a_program_that_starts_a_child_is_noted_as_measured_alone (no /proc/PID/task/TID/children here)"
else
"$FB" --quiet -- sh -c 'sleep 0.5; true' >/dev/null 2>"$tmp/wrapper.err"
got="$?:$(grep -c "^fragbench: sh · glibc · rep 1/1: note: the program started a child process (sleep, pid [0-9]*) while it ran; the figures are the program's alone, not its children's (to measure the child, run its own command: ./run -- COMMAND)$" "$tmp/wrapper.err")"
"$FB" --quiet -- sleep 0.3 >/dev/null 2>"$tmp/no-wrapper.err"
got="$got:$?:$(grep -c 'child process' "$tmp/no-wrapper.err")"
# A launcher that forks a subshell, then execs the program (in the image after it, which says hello anew).
"$FB" --quiet -- sh -c 'x=$(echo sub; sleep 0.3); exec sleep 0.3' >/dev/null 2>"$tmp/launcher.err"
got="$got:$?:$(grep -c 'child process' "$tmp/launcher.err")"
expect a_program_that_starts_a_child_is_noted_as_measured_alone \
    "$got; $(cat "$tmp/wrapper.err" "$tmp/no-wrapper.err" "$tmp/launcher.err")" "$got" = 0:1:0:0:0:0
# A child forked without an exec runs the program's own code: no command of its own could be run alone (a newcomer
# was told to run one); the note says what it is.
"$FB" --quiet -- /usr/bin/python3 -c 'import os, time
pid = os.fork()
time.sleep(0.5)
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)' >/dev/null 2>"$tmp/forked.err"
got="$?:$(grep -c "^fragbench: python3 · glibc · rep 1/1: note: the program forked a child process (python3, pid [0-9]*) while it ran, which did not exec another program; the figures are the parent's alone, not the child's (its memory is its own process's)$" "$tmp/forked.err")"
expect a_child_forked_without_exec_is_noted_as_a_fork "$got; $(cat "$tmp/forked.err")" "$got" = 0:1
fi
