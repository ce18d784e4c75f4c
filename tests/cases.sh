#!/bin/sh
# The cases beyond the talk, at small scales on glibc and another allocator: each shows the physics it stands for.
set -u
cd "$(dirname "$0")/.." || exit 1
FB=${1:-build/fragbench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh

# run NAME ARGS...: one matrix into $tmp/NAME.csv; a failure is reported with its output.
run() {
    name=$1
    shift
    "$FB" --idle-ms=0 --csv="$tmp/$name.csv" "$@" >"$tmp/$name.out" 2>&1
    code=$?
    expect "${name}_runs_cleanly" "exit $code: $(tail -n 3 "$tmp/$name.out")" "$code" -eq 0
}

# ---- threads: 8 threads serving requests in turn. glibc gives each its own arena (up to 8 per core), each grown to
# a request's burst and pinned by the blocks that request kept; MALLOC_ARENA_MAX=2 caps them at two.
run threads --alloc=glibc,glibc-arena2,jemalloc --scale=0.25 --threads=8 threads
many=$(value "$tmp/threads.csv" threads glibc "After del" anon_kb)
two=$(value "$tmp/threads.csv" threads glibc-arena2 "After del" anon_kb)
expect threads_8_arenas_hold_more_than_2 "glibc ${many} kB, glibc-arena2 ${two} kB after del" \
    "${many:-0}" -gt $((${two:-0} * 3 / 2))
glibc_counts="$(value "$tmp/threads.csv" threads glibc "After requests" allocs)/$(value "$tmp/threads.csv" threads glibc "After del" live_kb)"
jemalloc_counts="$(value "$tmp/threads.csv" threads jemalloc "After requests" allocs)/$(value "$tmp/threads.csv" threads jemalloc "After del" live_kb)"
# 8 threads x 4 requests, each keeping 1 in 32 of its blocks, plus the 8 workers' two arrays and the worker table:
# the case's fixed seed makes them 1 009 blocks live after the requests and 1 021 kB after del, under any allocator.
expect threads_allocations_are_the_same_under_every_allocator "glibc $glibc_counts, jemalloc $jemalloc_counts" \
    "$glibc_counts:$jemalloc_counts" = "1009/1021:1009/1021"
expect threads_column_says_8 "$(value "$tmp/threads.csv" threads glibc "After del" threads)" \
    "$(value "$tmp/threads.csv" threads glibc "After del" threads)" = 8
run threads2 --alloc=glibc --scale=0.25 --threads=2 threads
few=$(value "$tmp/threads2.csv" threads glibc "After del" anon_kb)
expect threads_2_threads_make_fewer_arenas_than_8 "2 threads ${few} kB, 8 threads ${many} kB" \
    "${few:-0}" -lt $((${many:-0} * 2 / 3))
expect threads_column_says_2_when_asked "$(value "$tmp/threads2.csv" threads glibc "After del" threads)" \
    "$(value "$tmp/threads2.csv" threads glibc "After del" threads)" = 2

# ---- handoff: every block a producer allocates, a consumer frees. Twice the messages must not mean twice the
# memory: the allocators route cross-thread frees back (no Hoard-style blowup).
run handoff --alloc=glibc,jemalloc --scale=0.1 handoff
run handoff2 --alloc=glibc,jemalloc --scale=0.2 handoff
for alloc in glibc jemalloc; do
    small=$(value "$tmp/handoff.csv" handoff $alloc "After stream" anon_kb)
    big=$(value "$tmp/handoff2.csv" handoff $alloc "After stream" anon_kb)
    expect "handoff_${alloc}_memory_does_not_grow_with_the_messages" "20 000 messages ${small} kB, 40 000 ${big} kB" \
        "${big:-0}" -lt $((${small:-1} * 5 / 4 + 2048))
    # The cache of 4 096 and the three arrays are live; nothing else is.
    allocs=$(value "$tmp/handoff2.csv" handoff $alloc "After stream" allocs)
    expect "handoff_${alloc}_holds_exactly_the_cache" "allocs $allocs" "${allocs:-0}" -eq 4099
done

# ---- sawtooth: live bytes creep up round after round (1 in 20 kept), and the expiry of the older half gives
# next to nothing back: the survivors are scattered over the heap.
run sawtooth --alloc=glibc,jemalloc --scale=0.125 sawtooth
for alloc in glibc jemalloc; do
    rising=$(tr -d '\r' <"$tmp/sawtooth.csv" | awk -F, -v a=$alloc '
        NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        $at["alloc"] == a && $at["phase"] ~ /^Round / { n++; if ($at["live_kb"] <= last) bad = bad " " $at["phase"]
            last = $at["live_kb"] }
        END { print n == 8 && bad == "" ? "yes" : n " round phases, not rising at:" bad }')
    expect "sawtooth_${alloc}_live_bytes_grow_every_round_phase" "$rising" "$rising" = yes
    allocs=$(value "$tmp/sawtooth.csv" sawtooth $alloc "Round 200" allocs)
    expect "sawtooth_${alloc}_keeps_1_in_20_of_every_round" "allocs $allocs" "${allocs:-0}" -eq $((200 * 25 + 2))
    # The row there (its phase read), with nothing in its threads column.
    threads=$(value "$tmp/sawtooth.csv" sawtooth $alloc "Round 200" phase):$(value "$tmp/sawtooth.csv" sawtooth $alloc "Round 200" threads)
    expect "sawtooth_${alloc}_threads_column_is_empty_for_a_single_threaded_case" "phase:threads '$threads'" \
        "$threads" = "Round 200:"
    top=$(value "$tmp/sawtooth.csv" sawtooth $alloc "Round 200" anon_kb)
    after=$(value "$tmp/sawtooth.csv" sawtooth $alloc "After del" anon_kb)
    expect "sawtooth_${alloc}_expiry_gives_little_back" "Round 200 ${top} kB, after del ${after} kB" \
        "${after:-0}" -ge $((${top:-0} * 9 / 10))
done

# ---- sizeclass: the same live bytes in three size classes; the memory of the classes left behind stays.
run sizeclass --alloc=glibc,tcmalloc --scale=0.25 sizeclass
for alloc in glibc tcmalloc; do
    spread=$(tr -d '\r' <"$tmp/sizeclass.csv" | awk -F, -v a=$alloc '
        NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        $at["alloc"] == a && $at["phase"] ~ /^After (small|4 KiB|64 KiB)$/ { v = $at["live_kb"]; n++
            if (min == "" || v < min) min = v; if (v > max) max = v }
        END { print n == 3 && max * 100 <= min * 115 ? "yes" : n " stages, live " min " to " max " kB" }')
    expect "sizeclass_${alloc}_live_bytes_stay_the_same_across_classes" "$spread" "$spread" = yes
    live=$(value "$tmp/sizeclass.csv" sizeclass $alloc "After 64 KiB" live_kb)
    anon=$(value "$tmp/sizeclass.csv" sizeclass $alloc "After 64 KiB" anon_kb)
    expect "sizeclass_${alloc}_holds_memory_for_classes_no_longer_used" "live ${live} kB, anon ${anon} kB" \
        "${anon:-0}" -gt $((${live:-0} * 3 / 2))
done

# ---- --threads: a handoff needs a producer and a consumer (cases.def's fewest threads): the runner refuses fewer
# before any run, as --dry-run does (it once approved a run that then failed), and the case itself says so if run
# alone; the runner takes 1 to 1024 only.
"$FB" --idle-ms=0 --threads=1 --csv="$tmp/one.csv" frag handoff >/dev/null 2>"$tmp/one.err"
code=$?
"$FB" --dry-run --threads=1 handoff >/dev/null 2>"$tmp/one-dry.err"
dry=$?
build/cases/handoff --threads=1 >/dev/null 2>"$tmp/one-alone.err"
alone=$?
expect handoff_with_one_thread_is_refused_before_any_run "exit $code, dry run $dry, alone $alone: $(cat "$tmp/one.err" "$tmp/one-dry.err" "$tmp/one-alone.err")" \
    "$code:$dry:$(cat "$tmp/one.err"):$(cmp -s "$tmp/one.err" "$tmp/one-dry.err" && echo same):$([ -e "$tmp/one.csv" ] && echo csv):$alone:$(grep -c 'handoff: --threads=1: needs at least 2 threads' "$tmp/one-alone.err")" = \
    "2:2:fragbench: --threads=1: case handoff runs with 2 threads or more (cases/cases.def):same::2:1"
"$FB" --threads=0 handoff >/dev/null 2>"$tmp/zero.err"
code=$?
expect threads_0_is_bad_input "exit $code: $(cat "$tmp/zero.err")" \
    "$code:$(grep -c "threads: '0' is not a whole number from 1 to 1024" "$tmp/zero.err")" = "2:1"

# ---- The threaded cases under ThreadSanitizer (build/tsan/): no data race, or their counts would mean nothing.
for program in build/tsan/*; do
    name=$(basename "$program")
    TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$program" --scale=0.05 --idle-ms=0 --threads=4 >/dev/null 2>"$tmp/tsan-$name.err"
    code=$?
    expect "${name}_has_no_data_race_under_threadsanitizer" "exit $code: $(head -n 5 "$tmp/tsan-$name.err")" \
        "$code:$(grep -c ThreadSanitizer "$tmp/tsan-$name.err")" = "0:0"
done
expect threadsanitizer_builds_exist "$(ls build/tsan 2>&1)" "$(ls build/tsan | wc -l)" -ge 2
