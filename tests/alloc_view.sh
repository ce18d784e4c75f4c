#!/bin/sh
# The allocator's own view under each allocator (tests/view_allocs.c), and its columns in real runs: consistent with live_kb.
set -u
cd "$(dirname "$0")/.." || exit 1
FB=${1:-build/fragbench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh

# glibc needs no preload; the others are the profiles' libraries.
for pair in glibc: jemalloc:libjemalloc.so.2 tcmalloc:libtcmalloc_minimal.so.4 mimalloc:libmimalloc.so.2; do
    name=${pair%%:*} library=${pair#*:}
    env ${library:+LD_PRELOAD=$library} build/tests/view_allocs "$name" >"$tmp/view.out" 2>&1
    code=$?
    cat "$tmp/view.out"
    # A crash (a wrong signature, say) leaves no FAIL line of its own: the exit status must say it.
    expect "${name}_view_check_ran_to_the_end" "exit $code: $(tail -n 2 "$tmp/view.out")" "$code" -eq 0
done

# Real runs: every phase row of every allocator that tells its bytes in use says at least the case's live bytes
# (the allocator rounds blocks up and counts its caches as in use, never less); mimalloc tells only the OS part.
"$FB" --alloc=glibc,jemalloc,tcmalloc,mimalloc --scale=0.05 --idle-ms=0 --csv="$tmp/v.csv" frag threads >"$tmp/v.out" 2>&1
code=$?
expect view_runs_succeed "exit $code: $(tail -n 3 "$tmp/v.out")" "$code" -eq 0
columns='NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }'
for alloc in glibc jemalloc tcmalloc; do
    bad=$(tr -d '\r' <"$tmp/v.csv" | awk -F, -v a="$alloc" "$columns"'
        $at["alloc"] == a { n++
            if ($at["alloc_in_use_kb"] == "" || $at["alloc_free_kb"] == "" || $at["alloc_os_kb"] == "") print "empty view: " $0
            else if ($at["alloc_in_use_kb"] + 1 < $at["live_kb"]) print "in use below live: " $0 }
        END { if (n < 8) print "only " n " rows" }')
    expect "${alloc}_in_use_is_at_least_live_in_every_phase" "$bad" -z "$bad"
done
bad=$(tr -d '\r' <"$tmp/v.csv" | awk -F, "$columns"'
    $at["alloc"] == "mimalloc" { n++ }
    $at["alloc"] == "mimalloc" && ($at["alloc_in_use_kb"] != "" || $at["alloc_free_kb"] != "" || $at["alloc_os_kb"] == "") { print }
    END { if (n < 8) print "only " n " mimalloc rows" }')
expect mimalloc_tells_only_what_it_committed "$bad" -z "$bad"
# Reading jemalloc's view moves no row: its first refresh after an arena is made gives it room that stays (296 kB for
# threads' nine arenas), which, read only after the first phase's sample, showed at every later row. So threads'
# RSS moves from After requests to After del under the runner as it does run alone (4 kB at this scale).
rss_step() { awk '/^After requests/ { a = $3 } /^After del/ { b = $3 } END { print b - a }'; }
runner_step=$(awk -F, "$columns"' $at["case"] == "threads" && $at["alloc"] == "jemalloc" && $at["phase"] == "After requests" { a = $at["rss_kb"] }
    $at["case"] == "threads" && $at["alloc"] == "jemalloc" && $at["phase"] == "After del" { b = $at["rss_kb"] } END { print b - a }' "$tmp/v.csv")
alone_step=$(LD_PRELOAD=libjemalloc.so.2 build/cases/threads --scale=0.05 --idle-ms=0 | rss_step)
expect jemalloc_view_moves_no_row "RSS from After requests to After del: $runner_step kB under the runner, $alone_step kB alone" \
    "$(awk -v r="$runner_step" -v a="$alone_step" 'BEGIN { d = r - a; print (r != "" && a != "" && d <= 16 && d >= -16) ? "same" : "moved" }')" = same
# frag after del under glibc: the freed batch is free inside the allocator (fordblks), not in use.
free_kb=$(value "$tmp/v.csv" frag glibc "After del" alloc_free_kb)
live_kb=$(value "$tmp/v.csv" frag glibc "After alloc" live_kb)
expect glibc_free_after_del_is_the_freed_batch "free $free_kb kB, batch $live_kb kB" "${free_kb:-0}" -ge $((live_kb * 95 / 100))
