#!/bin/sh
# Tests of the talk's Python scripts and of cases/fragbench.py, the phase API for Python programs.
set -u
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh
FB=build/fragbench
# The interpreter under test: python3 in PATH, or PYTHON (run-all.sh also runs this suite under Debian's
# /usr/bin/python3, with NON_PIE=1: a position-dependent executable, where the address of malloc that the
# program sees is its own PLT stub, and naming the allocator by that address names the interpreter).
PY=${PYTHON:-python3}

if [ "${NON_PIE:-0}" = 1 ]; then
    image=$("$PY" -c 'import os; print(os.readlink("/proc/self/exe"))')
    type=$(LC_ALL=C readelf -h "$image" | awk '$1 == "Type:" { print $2 }')
    canonical=$(LC_ALL=C readelf --dyn-syms -W "$image" | awk '$8 ~ /^malloc(@|$)/ && $7 == "UND" && $2 !~ /^0+$/' | wc -l)
    expect interpreter_is_non_pie_and_exports_mallocs_canonical_address \
        "$image: type $type, $canonical undefined malloc with an address (the trap this run must exercise)" \
        "$type:$canonical" = EXEC:1
fi

# ---- The module against the protocol, checked by the runner's own parser.
# Through a pipe, as the runner gives it: the module refuses anything else (a file reusing the number).
got=$(FRAGBENCH_FD=3 "$PY" -c '
import sys; sys.path.insert(0, "cases")
import fragbench
fragbench.phase("After alloc", 5000, 1)
fragbench.phase("Tab\there")
fragbench.phase("é" * 100)
' 3>&1 >/dev/null | build/tests/record_check | tr '\n' '|')
expect python_module_speaks_the_protocol "records: $got" \
    "$got" = "hello glibc|phase 1 After alloc live=5000/1|phase 2 Tab here|phase 3 $(printf 'é%.0s' $(seq 63))|"
FRAGBENCH_FD=3 "$PY" -c '
import sys; sys.path.insert(0, "cases")
import fragbench
fragbench.phase("x")' 3>"$tmp/user-file"
expect python_module_writes_nothing_into_a_file_that_is_not_the_runners_pipe "$(cat "$tmp/user-file")" ! -s "$tmp/user-file"
got=$("$PY" -c 'import sys; sys.path.insert(0, "cases"); import fragbench; print("ctypes" in sys.modules)')
expect python_module_loads_no_ctypes_without_the_runner "ctypes loaded: $got" "$got" = False
got=$("$PY" -c '
import sys; sys.path.insert(0, "cases")
import fragbench
fragbench.phase("silent")
fragbench.phase("After del", echo=True)
' 2>&1)
expect python_module_is_silent_alone_unless_asked "printed '$got'" -n "$(echo "$got" | grep -xE 'After del: [0-9]+ kB used')"
expect python_module_prints_nothing_else_alone "printed '$got'" "$(echo "$got" | wc -l)" -eq 1
got=$(LD_PRELOAD=libjemalloc.so.2 "$PY" -c '
import sys; sys.path.insert(0, "cases")
import fragbench
print(fragbench.identify()[0])')
expect python_module_names_the_preloaded_allocator "got '$got'" "$got" = jemalloc
got=$("$PY" -c '
import sys; sys.path.insert(0, "cases")
import fragbench
name, version, path = fragbench.identify()[:3]
print(name, path)')
libc=$("$PY" -c 'import os; print(os.path.realpath("/proc/self/exe"))' | xargs ldd | awk '$1 == "libc.so.6" { print $3 }')
expect python_module_names_glibc_and_its_object_not_the_interpreter "got '$got', libc is '$libc'" \
    "$got" = "glibc $libc"

# ---- The harness must not decide the result: glibc gives back a freed batch only from the top of its heap, so a
# report that leaves any block above the batch (a class made at the first report, a freed buffer parked in the
# per-thread cache) keeps the whole batch. Two reports between the batch and its del must change neither.
FRAGBENCH_FD=3 "$PY" -c '
import sys; sys.path.insert(0, "cases")
import fragbench
assert fragbench._state["fd"] is not None, "not reporting through the pipe: the test would prove nothing"
view = fragbench._allocator()[4]  # glibc: mallinfo2(); [2] is arena + hblkhd, the heap from the OS
batch = [("%08d" % i) * 625 for i in range(4000)]  # 4 000 blocks of 5 049 B from malloc: 19.7 MB
before = view()[2]
fragbench.phase("After alloc", 1, 1)
fragbench.phase("Again", 1, 1)
after = view()[2]
del batch
open(sys.argv[1], "w").write("%d %d %d" % (before // 1024, after // 1024, view()[2] // 1024))
' "$tmp/top.txt" 3>&1 >/dev/null | cat >/dev/null
set -- $(cat "$tmp/top.txt" 2>/dev/null)
expect python_reports_leave_the_heaps_top_where_it_was \
    "heap before the reports ${1:-?} kB, after them ${2:-?} kB, after del ${3:-?} kB (the batch is 19 700 kB)" \
    "$(( ${2:-999999} - ${1:-0} < 256 && ${3:-999999} + 15000 < ${1:-0} ))" -eq 1

# Nor does reading jemalloc's view move a row: its first refresh makes room that stays (64 kB here), which, read
# only after the first row's sample, showed at every later row. Three rows with nothing between them read alike.
"$FB" --alloc=jemalloc --csv="$tmp/view-rows.csv" -- "$PY" -c '
import sys; sys.path.insert(0, "cases")
import fragbench
kept = [bytearray(1000) for i in range(1000)]
fragbench.phase("One")
fragbench.phase("Two")
fragbench.phase("Three")' >/dev/null 2>&1
rows=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next } $at["phase"] ~ /^(One|Two|Three)$/ { printf "%s=%s ", $at["phase"], $at["rss_kb"] }' "$tmp/view-rows.csv")
expect python_jemalloc_view_moves_no_row "$rows" \
    "$(echo "$rows" | awk '{ split($1, a, "="); split($3, c, "="); print (NF == 3 && c[2] - a[2] <= 8 && c[2] - a[2] >= -8) ? "still" : "moved" }')" = still

# ---- The talk under real CPython: glibc keeps what the strings held, jemalloc-decay0 gives it back.
"$FB" --alloc=glibc,jemalloc-decay0 --python="$PY" --scale=0.2 --idle-ms=0 --csv="$tmp/py.csv" \
    frag.py frag_gc.py lists.py >/dev/null 2>"$tmp/py.err"
code=$?
expect python_cases_run_cleanly "exit $code: $(cat "$tmp/py.err")" "$code" -eq 0
for case_name in frag.py frag_gc.py; do
    alloc=$(value "$tmp/py.csv" $case_name glibc "After alloc" rss_kb)
    del=$(value "$tmp/py.csv" $case_name glibc "After del" rss_kb)
    expect "${case_name}_glibc_after_del_within_5pct_of_after_alloc" "After alloc ${alloc:-?}, After del ${del:-?}" \
        "$([ -n "$alloc" ] && [ -n "$del" ] && echo $(( (alloc - del) * 100 / alloc )) || echo missing)" -lt 5
done
gc=$(value "$tmp/py.csv" frag_gc.py glibc "After gc" rss_kb)
alloc=$(value "$tmp/py.csv" frag_gc.py glibc "After alloc" rss_kb)
expect frag_gc_py_gc_gives_nothing_back_under_glibc "After alloc ${alloc:-?}, After gc ${gc:-?}" \
    "$([ -n "$alloc" ] && [ -n "$gc" ] && echo $(( (alloc - gc) * 100 / alloc )) || echo missing)" -lt 5
alloc=$(value "$tmp/py.csv" frag.py jemalloc-decay0 "After alloc" rss_kb)
del=$(value "$tmp/py.csv" frag.py jemalloc-decay0 "After del" rss_kb)
expect frag_py_jemalloc_decay0_gives_it_back "After alloc ${alloc:-?}, After del ${del:-?}" \
    "$(( ${del:-999999} * 100 / ${alloc:-1} ))" -lt 30
got=$(tr -d '\r' <"$tmp/py.csv" | awk -F, 'NR > 1 { print $1 ":" $2 ":" $19 }' | sort -u | tr '\n' ' ')
expect python_rows_name_the_allocator_that_served_malloc "$got" "$got" = \
    "frag.py:glibc:glibc frag.py:jemalloc-decay0:jemalloc frag_gc.py:glibc:glibc frag_gc.py:jemalloc-decay0:jemalloc lists.py:glibc:glibc lists.py:jemalloc-decay0:jemalloc "
want=$("$PY" -c 'import os, platform; print("CPython %s (%s)" % (platform.python_version(), os.readlink("/proc/self/exe")))')
got=$(tr -d '\r' <"$tmp/py.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next } { print $at["runtime"] }' | sort -u)
expect python_rows_name_the_interpreter_that_ran_them "got '$got', want '$want'" "$got" = "$want"
got=$(tr -d '\r' <"$tmp/py.csv" | awk -F, '$1 == "frag.py" && $2 == "glibc" && $6 == "After alloc" { print $13 }')
expect frag_py_reports_its_strings "allocs $got, expected 20001 (20 000 strings and their list)" "${got:-0}" -eq 20001

# The allocator's own view, read by the module through ctypes: in use at least the strings, the freed batch free.
for alloc in glibc jemalloc-decay0; do
    in_use=$(value "$tmp/py.csv" frag.py $alloc "After alloc" alloc_in_use_kb)
    live=$(value "$tmp/py.csv" frag.py $alloc "After alloc" live_kb)
    expect "frag_py_${alloc}_view_counts_the_strings_in_use" "in use '$in_use' kB, live '$live' kB" \
        "${in_use:-0}" -ge "${live:-1}"
done
free_kb=$(value "$tmp/py.csv" frag.py glibc "After del" alloc_free_kb)
expect frag_py_glibc_freed_strings_are_free_inside_the_allocator "free '$free_kb' kB, strings '$live' kB" \
    "${free_kb:-0}" -ge $(( $(value "$tmp/py.csv" frag.py glibc "After alloc" live_kb) * 95 / 100 ))

# The view has a budget (glibc's mallinfo2 walks every free chunk: 27 ms a mark in this heap of 150 000, and a
# program marking each request was slowed 100 times): views of 1 ms or more take at most a twentieth of the run's
# time, and past it a row's allocator columns are empty. The first mark has them; 200 marks back to back do not all.
cat >"$tmp/marks.py" <<'PY'
import fragbench
blocks = [bytearray(40 + i % 200) for i in range(300000)]
del blocks[::2]
for i in range(200):
    fragbench.phase("tick")
PY
env PYTHONMALLOC=malloc PYTHONPATH=cases "$FB" --quiet --csv="$tmp/marks.csv" -- "$PY" "$tmp/marks.py" >/dev/null 2>&1
got=$(tr -d '\r' <"$tmp/marks.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["phase"] ~ /^tick/ { n++; v += $at["alloc_in_use_kb"] != "" } $at["phase"] == "tick" { first = $at["alloc_in_use_kb"] != "" }
    END { printf "%d of %d marks viewed, the first %s", v, n, first ? "viewed" : "not" }')
expect python_marks_view_the_allocator_within_a_budget "$got" \
    "$(echo "$got" | awk '{ print ($1 >= 1 && $1 < $3 && $3 == 200 && $NF == "viewed") ? "ok" : "off" }')" = ok

# ---- Run alone, a script prints the talk's lines.
(cd cases && "$PY" frag.py --scale=0.01 --idle-ms=0) >"$tmp/alone.out" 2>&1
expect python_case_alone_prints_the_talks_lines "$(cat "$tmp/alone.out")" \
    "$(grep -cE '^After (alloc|del|idle|release): [0-9]+ kB used$' "$tmp/alone.out")" -eq 4

# ---- A missing interpreter is a clear error.
"$FB" --python=/nonexistent/python9 frag.py >/dev/null 2>"$tmp/nopy.err"
code=$?
expect missing_python_exits_2_with_the_reason "exit $code: $(cat "$tmp/nopy.err")" \
    "$code:$(grep -c "cannot run '/nonexistent/python9' for case frag.py: No such file or directory (give --python=PATH of a Python 3 interpreter)$" "$tmp/nopy.err")" = 2:1
# A name without a slash is looked for in PATH: missing, the hint is Debian's package (a path given is the user's).
"$FB" --python=nopython9 frag.py >/dev/null 2>"$tmp/nopy-path.err"
code=$?
expect python_missing_from_path_hints_the_package "exit $code: $(cat "$tmp/nopy-path.err")" \
    "$code:$(cat "$tmp/nopy-path.err")" = "2:fragbench: --python: cannot run 'nopython9' for case frag.py: no such program in PATH (apt-get install python3, or --python=PATH)"
# A program that runs but is not Python: the run fails, and the message asks about --python (it said "no-hello").
"$FB" --python=/bin/true --scale=0.01 --idle-ms=0 frag.py >/dev/null 2>"$tmp/notpy.err"
code=$?
expect not_a_python_names_the_python_option "exit $code: $(cat "$tmp/notpy.err")" "$code:$(grep -cF \
    "fragbench: frag.py · glibc · rep 1/1: the case ended (no-hello) without naming its allocator: is --python=/bin/true a CPython 3 interpreter? (its own words, if any, are above)" \
    "$tmp/notpy.err")" = 1:1

# ---- The talk's diagnosis and its cures, under glibc at scale 0.2 (20 000 strings, ~100 MB).
"$FB" --alloc=glibc --python="$PY" --scale=0.2 --idle-ms=0 --csv="$tmp/cures.csv" \
    frag_debug.py frag_subprocess.py frag_compact.py >/dev/null 2>"$tmp/cures.err"
code=$?
expect cure_cases_run_cleanly "exit $code: $(cat "$tmp/cures.err")" "$code" -eq 0
# The diagnosis: the heap's total (live_kb) falls below 5% of what it was at alloc while RSS stays above 80%.
heap_alloc=$(value "$tmp/cures.csv" frag_debug.py glibc "After alloc" live_kb)
heap_del=$(value "$tmp/cures.csv" frag_debug.py glibc "After del" live_kb)
rss_alloc=$(value "$tmp/cures.csv" frag_debug.py glibc "After alloc" rss_kb)
rss_del=$(value "$tmp/cures.csv" frag_debug.py glibc "After del" rss_kb)
expect diagnosis_heap_total_falls_while_glibc_rss_stays \
    "heap ${heap_alloc:-?} -> ${heap_del:-?} kB, RSS ${rss_alloc:-?} -> ${rss_del:-?} kB" \
    "$(( ${heap_del:-999999} * 100 < ${heap_alloc:-0} * 5 && ${rss_del:-0} * 100 > ${rss_alloc:-999999} * 80 ))" -eq 1
# Its block, run alone, against an independent count: between alloc and del, the objects fall by the batch's
# 20 000 strings and their list (give or take 200 of the interpreter's own), and the total by 20 000 times
# sys.getsizeof of one such string plus the list's size (give or take 64 kB); the str row holds them after alloc.
(cd cases && "$PY" frag_debug.py --scale=0.2 --idle-ms=0) >"$tmp/debug.out" 2>&1
set -- $("$PY" -c 'import sys; print(sys.getsizeof(("%08d" % 1) * 625), sys.getsizeof([None] * 20000))')
check=$(awk -v one="${1:-0}" -v list="${2:-0}" -v n=20000 '
    /^Partition of a set of/ { block++; objects[block] = $6; total[block] = $11 }
    / str$/ { count[block] = $2; size[block] = $4 }
    function near(x, want, slack) { return x >= want - slack && x <= want + slack }
    END {
        ok = block >= 2 && near(objects[1] - objects[2], n + 1, 200) && near(total[1] - total[2], n * one + list, 65536) \
             && count[1] >= n && size[1] >= n * one
        print ok ? "ok" : "objects " objects[1] " -> " objects[2] ", bytes " total[1] " -> " total[2] \
            ", str " count[1] "/" size[1] " (want a fall of " n + 1 " objects and " n * one + list " bytes)"
    }' "$tmp/debug.out")
expect diagnosis_block_counts_the_strings_independently "$check: $(head -n 3 "$tmp/debug.out")" "$check" = ok
# The records carry the partition: allocs is its object count and live_kb its total, as the block run alone at
# the same scale has them: the total within 1%, the count within 5% (under the runner, fragbench.py sets up its
# ctypes view of the allocator at import: about a thousand objects more).
objects=$(value "$tmp/cures.csv" frag_debug.py glibc "After alloc" allocs)
total=$(value "$tmp/cures.csv" frag_debug.py glibc "After alloc" live_kb)
block=$(awk '/^Partition of a set of/ { print $6, int($11 / 1024 + 0.5); exit }' "$tmp/debug.out")
expect diagnosis_record_carries_the_partition "record ${objects:-?} objects, ${total:-?} kB; block alone: $block" \
    "$(echo "${objects:-0} ${total:-0} $block" | awk '{ print ($1 >= $3 * 0.95 && $1 <= $3 * 1.05 && $2 >= $4 * 0.99 && $2 <= $4 * 1.01) }')" -eq 1
# The subprocess cure: the parent's RSS after del is under 20% of the in-process run's peak; the child's peak is
# reported, and it is the in-process run's size.
peak=$(value "$tmp/py.csv" frag.py glibc "After alloc" rss_kb)
parent=$(value "$tmp/cures.csv" frag_subprocess.py glibc "After del" rss_kb)
child=$(value "$tmp/cures.csv" frag_subprocess.py glibc "After del" child_peak_kb)
expect subprocess_cure_leaves_the_parent_small_and_reports_the_childs_peak \
    "in-process peak ${peak:-?} kB, parent after del ${parent:-?} kB, child's peak ${child:-?} kB" \
    "$(( ${parent:-999999} * 100 < ${peak:-0} * 20 && ${child:-0} * 100 > ${peak:-999999} * 80 ))" -eq 1
# The compact cure gives back at least 80% under glibc.
alloc=$(value "$tmp/cures.csv" frag_compact.py glibc "After alloc" rss_kb)
del=$(value "$tmp/cures.csv" frag_compact.py glibc "After del" rss_kb)
expect compact_cure_gives_back_80pct_under_glibc "After alloc ${alloc:-?}, After del ${del:-?}" \
    "$(( (${alloc:-0} - ${del:-0}) * 100 >= ${alloc:-1} * 80 ))" -eq 1
# The subprocess cure's child dies with its parent: a runner stopped mid-run leaves no child behind.
# (At scale 4 the child builds 2 GB for over a second: a child that outlived its parent would still be there.)
"$FB" --python="$PY" --scale=4 --idle-ms=0 --csv=/dev/null frag_subprocess.py >/dev/null 2>&1 &
runner=$!
# Stopped once the child is there (the case and its fork, two processes running the script by its path, which the
# runner's own command line does not hold), else it tests nothing.
two_processes() { [ "$(pgrep -f '/frag_subprocess\.py' | wc -l)" -ge 2 ]; }
wait_until 30 two_processes && seen=child || seen="no child seen"
kill -TERM "$runner"
wait "$runner"
sleep 0.2
left=$(pgrep -f 'frag_subprocess.py' | wc -l)
expect subprocess_cure_leaves_no_child_when_stopped "$seen; $left process(es) left: $(pgrep -af frag_subprocess.py)" \
    "$seen:$left" = child:0
