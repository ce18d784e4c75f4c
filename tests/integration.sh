#!/bin/sh
# Integration tests: the real allocators at a small scale; asserts the physics and the runner's contract.
# Usage: tests/integration.sh [RUNNER]   (default build/fragbench; the test run also passes the ASan build)
set -u
cd "$(dirname "$0")/.." || exit 1
FB=${1:-build/fragbench}
SCALE=0.25          # 125 MB for frag: above every trim and mmap threshold, over in a fraction of a second
BIG=25000           # frag's batch at that scale: 100 000 x 0.25
LISTS_BLOCKS=31188  # lists' blocks at that scale: round(124 750 x 0.25)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. tests/lib.sh

# peak FILE CASE PROFILE: the largest rss_kb of that run.
peak() {
    tr -d '\r' <"$1" | awk -F, -v c="$2" -v a="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        $at["case"] == c && $at["alloc"] == a && $at["rss_kb"] > max { max = $at["rss_kb"] }
        END { print max + 0 }'
}

# percent PART WHOLE: PART as a whole percentage of WHOLE.
percent() { echo $(($1 * 100 / ($2 > 0 ? $2 : 1))); }

# ---- The matrix the physics tests read: frag and lists under the four allocators and their knobs.
profiles=glibc,jemalloc,jemalloc-decay0,tcmalloc,tcmalloc-aggressive,mimalloc,mimalloc-decommit0
"$FB" --alloc=$profiles --scale=$SCALE --idle-ms=0 --csv="$tmp/m.csv" frag lists >"$tmp/m.out" 2>"$tmp/m.err"
code=$?
expect matrix_runs_cleanly "exit $code: $(cat "$tmp/m.err")" "$code" -eq 0

alloc=$(value "$tmp/m.csv" frag glibc "After alloc" rss_kb)
del=$(value "$tmp/m.csv" frag glibc "After del" rss_kb)
released=$(value "$tmp/m.csv" frag glibc "After release" rss_kb)
expect glibc_keeps_the_pinned_heap_after_del \
    "After alloc ${alloc:-?} kB, After del ${del:-?} kB: glibc should keep >= 80%" \
    "$(percent "${del:-0}" "${alloc:-0}")" -ge 80
expect glibc_malloc_trim_gives_it_back \
    "After alloc ${alloc:-?} kB, After release ${released:-?} kB: malloc_trim(0) should leave < 20%" \
    "$(percent "${released:-999999999}" "${alloc:-0}")" -lt 20

for profile in jemalloc-decay0 tcmalloc-aggressive mimalloc-decommit0; do
    top=$(peak "$tmp/m.csv" frag $profile)
    del=$(value "$tmp/m.csv" frag $profile "After del" rss_kb)
    expect "${profile}_gives_it_back_at_del" "peak $top kB, After del ${del:-?} kB: should be < 20% of the peak" \
        "$(percent "${del:-999999999}" "$top")" -lt 20
done

for profile in jemalloc tcmalloc mimalloc; do
    top=$(peak "$tmp/m.csv" frag $profile)
    released=$(value "$tmp/m.csv" frag $profile "After release" rss_kb)
    expect "${profile}_release_call_gives_it_back" \
        "peak $top kB, After release ${released:-?} kB: should be < 20% of the peak" \
        "$(percent "${released:-999999999}" "$top")" -lt 20
done

for profile in tcmalloc mimalloc; do
    top=$(peak "$tmp/m.csv" frag $profile)
    del=$(value "$tmp/m.csv" frag $profile "After del" rss_kb)
    expect "${profile}_default_keeps_it_after_del" "peak $top kB, After del ${del:-?} kB: the default should keep >= 80%" \
        "$(percent "${del:-0}" "$top")" -ge 80
done

# ---- The closing table shows the same numbers as the CSV (one rep: the median is the value).
table=$(awk -F'|' '$2 ~ /^ glibc +$/ { gsub(/ /, ""); print $4, $5, $6, $7; exit }' "$tmp/m.out")
csv_row=""
for phase in "After alloc" "After del" "After idle" "After release"; do
    csv_row="$csv_row${csv_row:+ }$(value "$tmp/m.csv" frag glibc "$phase" rss_kb)"
done
expect closing_table_matches_the_csv "table '$table', csv '$csv_row'" "$table" = "$csv_row"

# ---- The allocator named in a row is the one that served malloc, with a real version.
bad=$(tr -d '\r' <"$tmp/m.csv" | awk -F, 'NR > 1 {
        family = $2; sub(/-.*/, "", family)
        if ($19 != family || $3 !~ /^[0-9]+\.[0-9]+/) print $2 " -> " $19 " " $3 }' | sort -u)
expect every_row_names_the_allocator_that_served_malloc "mislabelled: $bad" -z "$bad"

# ---- The allocations really happened, as many as the case says.
got=$(value "$tmp/m.csv" frag glibc "After alloc" allocs)
expect frag_reports_every_allocation "allocs $got, expected $((BIG + 1)) (the batch and its pointer array)" \
    "${got:-0}" -eq $((BIG + 1))
got="$(value "$tmp/m.csv" frag glibc "After del" allocs)/$(value "$tmp/m.csv" frag glibc "After del" live_kb)"
expect frag_keeps_one_5000_byte_block_after_del "allocs/live_kb after del: $got, expected 1/5" "$got" = 1/5
got=$(value "$tmp/m.csv" lists glibc "After work" allocs)
expect lists_reports_every_allocation "allocs $got, expected $((LISTS_BLOCKS + 1))" "${got:-0}" -eq $((LISTS_BLOCKS + 1))
got="$(value "$tmp/m.csv" lists glibc "After del" allocs)/$(value "$tmp/m.csv" lists glibc "After del" live_kb)"
expect lists_frees_everything "allocs/live_kb after del: $got" "$got" = 0/0

# An interposer counts the 5000-byte mallocs the program really made, and those still live at exit.
counter="$PWD/build/tests/malloc_counter.so"
FBTEST_TRACK_SIZE=5000 "$FB" --alloc="$counter" --scale=$SCALE --idle-ms=0 \
    --csv="$tmp/counted.csv" frag >"$tmp/counted.out" 2>"$tmp/counted.err"
got=$(sed -n 's/^malloc_counter: size=5000 //p' "$tmp/counted.err" | tail -n 1) # the last: the case, after the pre-flight check
expect compiler_kept_every_allocation_and_the_pin \
    "interposer saw '$got', expected calls=$((BIG + 1)) live_at_exit=1: $(cat "$tmp/counted.err")" \
    "$got" = "calls=$((BIG + 1)) live_at_exit=1"
got=$(value "$tmp/counted.csv" frag "$counter" "After del" allocator)
heading=$(head -n 1 "$tmp/counted.out")
expect ad_hoc_library_path_is_verified_and_labelled "allocator column '$got', heading '$heading'" "$got:$heading" = \
    "unknown:frag · $counter (unknown) · an allocator fragbench does not know: no release call is made"

# ---- Talk-style output, standalone and through the runner.
build/cases/frag --scale=0.01 --idle-ms=0 >"$tmp/alone.out" 2>&1
got=$(grep -cE '^After (alloc|del|idle|release): [0-9]+ kB used$' "$tmp/alone.out")
expect case_run_alone_prints_the_talks_lines "$(cat "$tmp/alone.out")" "$got" -eq 4
build/cases/frag --scale=0.01 --idle-ms=0 >/dev/full 2>"$tmp/alone-full.err"
code=$?
expect case_run_alone_on_a_full_disk_fails "exit $code: $(cat "$tmp/alone-full.err")" \
    "$code:$(cat "$tmp/alone-full.err")" = "2:build/cases/frag: cannot write to standard output: No space left on device"
"$FB" --alloc=jemalloc --scale=0.01 --idle-ms=0 frag >"$tmp/talk.out" 2>&1
got=$(head -n 1 "$tmp/talk.out")
expect runner_heading_names_allocator_and_version "heading '$got'" \
    -n "$(echo "$got" | grep -E '^frag · jemalloc [0-9]+\.[0-9]+\.[0-9]+$')"

# ---- The CSV: RFC 4180 rows of 38 fields, CRLF ends, the header first, status ok.
got=$(awk -F, 'NR == 1 && $0 != "case,alloc,alloc_version,rep,seq,phase,elapsed_ms,vsz_kb,rss_kb,anon_kb,file_kb,live_kb,allocs,alloc_in_use_kb,alloc_free_kb,alloc_os_kb,overhead_pct,status,allocator,scale,idle_ms,threads,peak_rss_kb,lazyfree_kb,anon_huge_kb,runtime,busy_ms,child_peak_kb,trace_live_kb,trace_blocks,ideal_rss_kb,peak_live_kb,live_at_peak_rss_kb,recorded_ms,recorded_rss_kb,trace_events,recorded_anon_kb,recorded_alloc\r" { print "header: " $0 }
               !/\r$/ { print "line " NR " lacks CRLF" }
               NF != 38 { print "line " NR " has " NF " fields" }
               NR > 1 && $18 != "ok" { print "line " NR " status " $18 }' "$tmp/m.csv")
expect csv_is_well_formed "$got" -z "$got"
rows=$(($(wc -l <"$tmp/m.csv") - 1))
expect csv_has_one_row_per_phase "$rows rows, expected 2 cases x 7 profiles x 4 phases" "$rows" -eq 56

# ---- Options that shape the runs.
"$FB" --reps=2 --scale=0.01 --idle-ms=150 --csv="$tmp/reps.csv" frag >/dev/null 2>&1
got=$(tr -d '\r' <"$tmp/reps.csv" | awk -F, 'NR > 1 { reps[$4]++ } END { print reps[1] + 0, reps[2] + 0 }')
expect reps_gives_each_rep_its_rows "rows per rep: $got" "$got" = "4 4"
idle=$(tr -d '\r' <"$tmp/reps.csv" | awk -F, '$4 == 1 && $6 == "After del" { d = $7 } $4 == 1 && $6 == "After idle" { i = $7 } END { printf "%d", i - d }')
expect idle_ms_sleeps_before_after_idle "After idle came $idle ms after After del" "$idle" -ge 150
"$FB" --scale=0.01 --idle-ms=0 --csv=- frag 2>"$tmp/console.out" >"$tmp/stdout.csv"
got=$(head -c 4 "$tmp/stdout.csv")$(grep -c 'kB used' "$tmp/console.out")
expect csv_to_stdout_moves_the_talk_lines_to_stderr "got '$got'" "$got" = case4
# A command's own output goes to stderr too: on stdout it stood among the rows.
"$FB" --csv=- -- sh -c 'echo the-programs-line' 2>"$tmp/command-console.out" >"$tmp/command-stdout.csv"
code=$?
got="$code:$(grep -c the-programs-line "$tmp/command-console.out"):$(wc -l <"$tmp/command-stdout.csv"):$(grep -c '^sh,glibc,' "$tmp/command-stdout.csv")"
expect csv_to_stdout_moves_a_commands_output_to_stderr "exit:on stderr:lines:rows $got; stdout: $(head -c 300 "$tmp/command-stdout.csv")" \
    "$got" = "0:1:3:2"

# ---- The child gets the profile's allocator, not the caller's settings.
case "$FB" in
*asan*) echo "SKIP: callers_ld_preload_does_not_leak_into_the_child (ASan must be the first library loaded)" ;;
*)
    LD_PRELOAD=libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:0 "$FB" --alloc=glibc --scale=0.01 --idle-ms=0 \
        --csv="$tmp/env.csv" frag >/dev/null 2>&1
    got=$(value "$tmp/env.csv" frag glibc "After del" allocator)
    expect callers_ld_preload_does_not_leak_into_the_child "allocator column '$got'" "$got" = glibc
    ;;
esac

# ---- Bad input: an exact message, exit 2, and no row.
"$FB" --alloc=nosuch --csv="$tmp/bogus.csv" frag >/dev/null 2>"$tmp/bogus.err"
code=$?
expect bogus_alloc_exits_2 "exit $code" "$code" -eq 2
expect bogus_alloc_names_the_profile_and_the_choices "$(cat "$tmp/bogus.err")" \
    -n "$(grep -F "unknown allocator profile 'nosuch'; profiles: glibc, glibc-arena2" "$tmp/bogus.err")"
expect bogus_alloc_writes_no_row "the CSV file was created" ! -e "$tmp/bogus.csv"

printf 'glibc | | | | glibc\nghost | libghostmalloc.so.9 | libghostmalloc9 | | not installed anywhere\n' >"$tmp/ghost.txt"
"$FB" --profiles="$tmp/ghost.txt" --alloc=ghost --scale=0.01 --idle-ms=0 --csv="$tmp/ghost.csv" frag \
    >/dev/null 2>"$tmp/ghost.err"
code=$?
expect missing_library_exits_2 "exit $code" "$code" -eq 2
expect missing_library_names_the_debian_package "$(cat "$tmp/ghost.err")" \
    -n "$(grep -F "profile 'ghost' asks for libghostmalloc.so.9, but malloc is served by glibc" "$tmp/ghost.err" |
        grep -F 'install the Debian package libghostmalloc9')"
expect missing_library_writes_no_row "the CSV file was created" ! -e "$tmp/ghost.csv"

"$FB" --profiles="$tmp/ghost.txt" --alloc=all --scale=0.01 --idle-ms=0 --csv="$tmp/all.csv" frag \
    >/dev/null 2>"$tmp/all.err"
code=$?
got="exit $code; ran: $(tr -d '\r' <"$tmp/all.csv" | awk -F, 'NR > 1 { print $2 }' | sort -u | tr '\n' ' ')"
got="$got; skip lines: $(grep -c '^fragbench: skipping ghost: ' "$tmp/all.err")"
expect alloc_all_skips_a_missing_library_with_one_line "$got; $(cat "$tmp/all.err")" \
    "$got" = "exit 0; ran: glibc ; skip lines: 1"

printf 'glibc | | | | ok\nbroken | x.so\n' >"$tmp/broken.txt"
"$FB" --profiles="$tmp/broken.txt" frag >/dev/null 2>"$tmp/broken.err"
code=$?
expect malformed_profiles_file_names_file_and_line "exit $code: $(cat "$tmp/broken.err")" \
    "$code:$(grep -c -F "$tmp/broken.txt:2: expected 5 fields" "$tmp/broken.err")" = 2:1
# A file of the user's without glibc, and no --alloc: the default is named as such (it said "unknown allocator
# profile 'glibc'", a name the user never typed).
printf 'ghost | libghostmalloc.so.9 | libghostmalloc9 | | not installed anywhere\n' >"$tmp/no-glibc.txt"
"$FB" --profiles="$tmp/no-glibc.txt" --scale=0.01 frag >/dev/null 2>"$tmp/no-glibc.err"
code=$?
expect profiles_file_without_the_default_says_to_give_alloc "exit $code: $(cat "$tmp/no-glibc.err")" \
    "$code:$(cat "$tmp/no-glibc.err")" = "2:fragbench: --profiles=$tmp/no-glibc.txt has no profile 'glibc', the default of --alloc: give --alloc=NAME ($tmp/no-glibc.txt's profiles: ./run --profiles=$tmp/no-glibc.txt --list=profiles)"
mkdir -p "$tmp/profiles-dir"
"$FB" --profiles="$tmp/profiles-dir" frag >/dev/null 2>"$tmp/profiles-dir.err"
code=$?
expect a_profiles_file_that_cannot_be_read_says_why "exit $code: $(cat "$tmp/profiles-dir.err")" \
    "$code:$(cat "$tmp/profiles-dir.err")" = "2:fragbench: $tmp/profiles-dir: cannot read the profiles file: Is a directory"

"$FB" --list >"$tmp/list.out" 2>&1
got=$(grep -cE '^  (glibc|jemalloc|tcmalloc|mimalloc)[a-z0-9-]* +installed ' "$tmp/list.out")
expect list_marks_every_shipped_profile_installed "$(cat "$tmp/list.out")" "$got" -eq 10
"$FB" --profiles="$tmp/ghost.txt" --list >"$tmp/list2.out" 2>&1
expect list_marks_a_missing_profile_with_its_package "$(cat "$tmp/list2.out")" \
    -n "$(grep -E '^  ghost +missing +apt-get install libghostmalloc9 ' "$tmp/list2.out")"

# ---- --dry-run checks as a run does and runs nothing: no row, no file made or emptied; bad input still exit 2.
printf 'earlier\n' >"$tmp/dry-kept.csv"
"$FB" --dry-run --alloc=glibc,jemalloc --reps=2 --max-reps=3 --csv="$tmp/dry-new.csv" frag lists >"$tmp/dry.out" 2>&1
code=$?
"$FB" --dry-run --csv="$tmp/dry-kept.csv" --timeline="$tmp/dry-timeline.csv" frag >>"$tmp/dry.out" 2>&1
code2=$?
"$FB" --dry-run --alloc=jemaloc frag >"$tmp/dry-bad.out" 2>&1
code3=$?
got="$code:$code2:$code3:$(grep -c '^fragbench: dry run: 2 cases x 2 profiles x 2-3 reps would run; nothing ran$' "$tmp/dry.out")"
got="$got:$(grep -c '^  profiles: glibc (glibc [0-9.]*), jemalloc (jemalloc [0-9.]*)$' "$tmp/dry.out")"
got="$got:$(ls "$tmp/dry-new.csv" "$tmp/dry-timeline.csv" 2>/dev/null | wc -l):$(cat "$tmp/dry-kept.csv")"
got="$got:$(grep -c "unknown allocator profile 'jemaloc'" "$tmp/dry-bad.out")"
expect dry_run_checks_everything_and_runs_and_writes_nothing "$got; $(cat "$tmp/dry.out" "$tmp/dry-bad.out")" \
    "$got" = "0:0:2:1:1:0:earlier:1"

# ---- Each program says its version (fragbench's one), and --help prints its usage on stdout with exit 0.
want=$(sed -n 's/^#define FRAGBENCH_VERSION "\(.*\)"$/\1/p' trace/version.h)
got=""
for program in fragbench fb-report fb-trace fb-replay fb-identify; do
    build/$program --version >"$tmp/version.out" 2>&1
    code=$?
    got="$got$(sed 's/ (fragbench)//' "$tmp/version.out"):$code;"
    build/$program --help >"$tmp/help.out" 2>"$tmp/help.err"
    code=$?
    got="$got$(head -c 6 "$tmp/help.out"):$code:$(wc -c <"$tmp/help.err");"
done
expect every_program_has_version_and_help "$got" "$got" = \
    "fragbench $want:0;usage::0:0;fb-report $want:0;usage::0:0;fb-trace $want:0;usage::0:0;fb-replay $want:0;usage::0:0;fb-identify $want:0;usage::0:0;"
# fb-identify, the runner's pre-flight check, takes no other argument: one is refused, exit 2 (it ran as if none).
build/fb-identify --bogus >"$tmp/identify.out" 2>"$tmp/identify.err"
code=$?
got="$code:$(wc -c <"$tmp/identify.out"):$(head -n 1 "$tmp/identify.err")"
expect fb_identify_refuses_an_argument "$got" "$got" = "2:0:fb-identify: unknown argument '--bogus' (it takes none)"

# ---- Every run's own hello is checked, not only the pre-flight one: fake cases that send crafted records.
# A copy of the runner finds its cases beside it, so a fake build directory holds script "cases".
fake="$tmp/fake"
mkdir -p "$fake/cases"
cp "$FB" "$fake/fragbench"
cp build/fb-identify "$fake/fb-identify"
cat >"$fake/cases/frag" <<'SCRIPT'
#!/bin/bash
# A fake case: sleeps $FAKE_SLEEP, sends $FAKE_RECORDS (printf escapes; KNOB becomes $FAKE_KNOB, VALUE the first
# line of the file $FAKE_VALUES, which the run takes out of it), runs $FAKE_THEN, exits $FAKE_EXIT.
sleep "${FAKE_SLEEP:-0}"
value=
if [ -n "${FAKE_VALUES:-}" ]; then value=$(head -n 1 "$FAKE_VALUES") && sed -i 1d "$FAKE_VALUES"; fi
records=${FAKE_RECORDS//KNOB/$FAKE_KNOB}
printf "${records//VALUE/$value}" >&"$FRAGBENCH_FD"
eval "${FAKE_THEN:-}"
exit "${FAKE_EXIT:-0}"
SCRIPT
chmod +x "$fake/cases/frag"
glibc_hello='hello\tproto=1\tallocator=glibc\tversion=2.36\tobject=/lib/x86_64-linux-gnu/libc.so.6\n'
jemalloc_hello='hello\tproto=1\tallocator=jemalloc\tversion=5.3.0\tobject=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n'
fake_phase='phase\tseq=1\tlabel=After KNOB\telapsed_us=1\tvsz_kb=3\trss_kb=2\tanon_kb=1\tfile_kb=1\n'

# fake_run NAME RECORDS [ENV...]: runs the fake case under glibc; leaves exit code, rows and stderr.
fake_run() {
    name=$1 records=$2
    shift 2
    env FAKE_RECORDS="$records" FAKE_KNOB=x "$@" "$fake/fragbench" --profiles=profiles.txt --idle-ms=0 \
        --csv="$tmp/$name.csv" frag >"$tmp/$name.out" 2>"$tmp/$name.err"
    fake_code=$?
    fake_rows=$(($(wc -l <"$tmp/$name.csv") - 1))
}

fake_run good "$glibc_hello$fake_phase$fake_phase"
expect fake_case_harness_records_a_clean_run "exit $fake_code, $fake_rows rows: $(cat "$tmp/good.err")" \
    "$fake_code:$fake_rows" = 0:2
fake_run other_allocator "$jemalloc_hello$fake_phase"
expect run_whose_hello_names_another_allocator_is_refused "exit $fake_code, $fake_rows rows: $(cat "$tmp/other_allocator.err")" \
    "$fake_code:$fake_rows:$(grep -c "asks for glibc's malloc, but malloc is served by jemalloc" "$tmp/other_allocator.err")" = 2:0:1
fake_run phase_first "$fake_phase$glibc_hello$fake_phase"
expect run_with_a_phase_before_hello_is_refused "exit $fake_code, $fake_rows rows: $(cat "$tmp/phase_first.err")" \
    "$fake_code:$fake_rows" = 2:0
fake_run second_hello "$glibc_hello$fake_phase$jemalloc_hello$fake_phase"
expect run_with_a_second_hello_is_refused "exit $fake_code, $fake_rows rows: $(cat "$tmp/second_hello.err")" \
    "$fake_code:$fake_rows:$(grep -c 'second hello' "$tmp/second_hello.err")" = 2:0:1
fake_run proto2 "$(echo "$glibc_hello" | sed 's/proto=1/proto=2/')$fake_phase"
expect run_speaking_another_protocol_is_refused "exit $fake_code, $fake_rows rows: $(cat "$tmp/proto2.err")" \
    "$fake_code:$fake_rows" = 2:0
fake_run exit3 "$glibc_hello$fake_phase" FAKE_EXIT=3
got="$fake_code:$fake_rows:$(tr -d '\r' <"$tmp/exit3.csv" | awk -F, 'NR == 2 { print $18 }')"
expect failed_run_keeps_its_rows_with_its_status "exit:rows:status $got: $(cat "$tmp/exit3.err")" "$got" = 1:1:exit:3
fake_run garbage "${glibc_hello}garbage\n$(head -c 5000 /dev/zero | tr '\0' x)\n$fake_phase"
expect malformed_records_are_counted_and_the_first_named \
    "$(cat "$tmp/garbage.err")" "$fake_code:$fake_rows:$(grep -c "2 malformed record(s) ignored; the first: unknown record type 'garbage'" "$tmp/garbage.err")" = 0:1:1

printf 'glibc-knob | | | FAKE_KNOB=profile | the profile sets FAKE_KNOB\n' >"$tmp/knob.txt"
FAKE_RECORDS="$glibc_hello$fake_phase" FAKE_KNOB=caller "$fake/fragbench" --profiles="$tmp/knob.txt" \
    --alloc=glibc-knob --idle-ms=0 --csv="$tmp/knob.csv" frag >/dev/null 2>&1
got=$(tr -d '\r' <"$tmp/knob.csv" | awk -F, 'NR == 2 { print $6 }')
expect profile_setting_wins_over_the_callers_variable "the child saw '$got'" "$got" = "After profile"

start=$(date +%s%N)
fake_run leftover "$glibc_hello$fake_phase" FAKE_THEN='sleep 4 &'
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect a_process_left_behind_does_not_hold_the_run "took $elapsed_ms ms, exit $fake_code" \
    "$fake_code:$((elapsed_ms < 3000))" = 0:1

# ---- The caller's allocator settings do not reach the child (real jemalloc: decay 0 would purge at del; glibc:
# an mmap threshold of a page would serve every block of frag by a mapping of its own, unmapped at del).
MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0 GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4096 \
    "$FB" --alloc=jemalloc,glibc --scale=$SCALE --idle-ms=0 --csv="$tmp/conf.csv" frag >/dev/null 2>&1
top=$(peak "$tmp/conf.csv" frag jemalloc)
del=$(value "$tmp/conf.csv" frag jemalloc "After del" rss_kb)
expect callers_malloc_conf_does_not_reach_the_child "peak $top kB, After del ${del:-?} kB" \
    "$(percent "${del:-0}" "$top")" -ge 50
alloc=$(value "$tmp/conf.csv" frag glibc "After alloc" rss_kb)
del=$(value "$tmp/conf.csv" frag glibc "After del" rss_kb)
expect callers_glibc_tunables_do_not_reach_the_child "After alloc ${alloc:-?} kB, After del ${del:-?} kB" \
    "$(percent "${del:-0}" "${alloc:-0}")" -ge 80

# ---- With several reps the closing table shows each phase's median: reps of 300, 200 and 40 kB (the median is
# neither the first rep's, nor the last's, nor the mean).
printf '300\n200\n40\n' >"$tmp/median.values"
FAKE_VALUES="$tmp/median.values" FAKE_RECORDS="$glibc_hello$(printf "%s" "$fake_phase" | sed 's/rss_kb=2/rss_kb=VALUE/')" \
    FAKE_KNOB=x "$fake/fragbench" --profiles=profiles.txt --idle-ms=0 --reps=3 --csv="$tmp/median.csv" frag \
    >"$tmp/median.out" 2>&1
code=$?
table=$(awk -F'|' '$2 ~ /^ glibc +$/ { gsub(/ /, ""); print $4; exit }' "$tmp/median.out")
reps=$(tr -d '\r' <"$tmp/median.csv" | awk -F, 'NR > 1 { printf "%s;", $9 }')
expect closing_table_shows_the_median_of_the_reps "exit $code, reps' RSS $reps, table '$table'" \
    "$code:$reps:$table" = "0:300;200;40;:200"

# ---- More bad input.
"$FB" --alloc=/nonexistent/libnomalloc.so --idle-ms=0 frag >/dev/null 2>"$tmp/nolib.err"
code=$?
expect ad_hoc_path_that_does_not_exist_exits_2 "exit $code: $(cat "$tmp/nolib.err")" \
    "$code:$(grep -c '^fragbench: --alloc=/nonexistent/libnomalloc.so: there is no readable file /nonexistent/libnomalloc.so (malloc would be served by glibc ' "$tmp/nolib.err")" = 2:1
# A library that loads but has no malloc (zlib), and a file that is no library at all: each said as it is.
zlib=$(ls /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | head -n 1)
"$FB" --alloc="$zlib" --idle-ms=0 frag >/dev/null 2>"$tmp/zlib.err"
code=$?
cp build/tests/static_hello "$tmp/notalib.so"
"$FB" --alloc="$tmp/notalib.so" --idle-ms=0 frag >/dev/null 2>"$tmp/notalib.err"
code2=$?
expect library_without_malloc_and_a_file_that_is_no_library_are_told_apart \
    "exit $code, $code2: $(cat "$tmp/zlib.err" "$tmp/notalib.err")" \
    "$code:$code2:$(grep -c "but malloc is served by glibc .*: the library loads, but defines no malloc of its own\$" "$tmp/zlib.err"):$(grep -c ": ld.so could not load the library ($tmp/notalib.so: " "$tmp/notalib.err")" = 2:2:1:1
printf 'ghost | libghostmalloc.so.9 | libghostmalloc9 | | not installed anywhere\n' >"$tmp/onlyghost.txt"
"$FB" --profiles="$tmp/onlyghost.txt" --alloc=all --csv="$tmp/none.csv" frag >/dev/null 2>"$tmp/none.err"
code=$?
expect alloc_all_with_nothing_installed_exits_2 "exit $code: $(cat "$tmp/none.err")" \
    "$code:$(grep -c 'none of the profiles is installed' "$tmp/none.err"):$(test -e "$tmp/none.csv" && echo csv)" = 2:1:
"$FB" --scale=0.01 --idle-ms=0 --csv=/dev/full frag >/dev/null 2>"$tmp/full.err"
code=$?
expect unwritable_csv_exits_2_with_the_reason "exit $code: $(cat "$tmp/full.err")" \
    "$code:$(grep -c 'cannot write /dev/full: No space left on device' "$tmp/full.err")" = 2:1
# A command line refused for a later output leaves the earlier ones as they were (they were emptied), and two
# options naming one file are refused (they corrupted each other, exit 0).
printf 'earlier results\n' >"$tmp/kept.csv"
printf 'earlier trace\n' >"$tmp/kept.trace"
"$FB" --csv="$tmp/kept.csv" --record="$tmp/kept.trace" --timeline=/nonexistent/t.csv frag >/dev/null 2>"$tmp/kept.err"
code=$?
"$FB" --csv="$tmp/kept.csv" --timeline="$tmp/kept.csv" frag >/dev/null 2>"$tmp/same.err"
code2=$?
expect refused_outputs_keep_earlier_files_and_one_file_twice_is_refused "exit $code, $code2: $(cat "$tmp/kept.err" "$tmp/same.err")" \
    "$code:$code2:$(cat "$tmp/kept.csv" "$tmp/kept.trace" | tr '\n' ';'):$(cat "$tmp/same.err")" = \
    "2:2:earlier results;earlier trace;:fragbench: --csv and --timeline name the same file ($tmp/kept.csv): give each its own"
"$FB" frag frag >/dev/null 2>"$tmp/twice.err"
code=$?
expect case_named_twice_exits_2 "exit $code: $(cat "$tmp/twice.err")" "$code:$(grep -c 'given twice' "$tmp/twice.err")" = 2:1
# A results file given a trace's name, the trace being replayed among them, is refused: the file is not emptied
# (a newcomer's --csv=x.trace --replay=x.trace turned the recording into a CSV, then failed to replay it).
cp results/jq.trace.zst "$tmp/mine.trace.zst"
printf 'FBTRACE\0and the rest of a recording\n' >"$tmp/mine.trace"
"$FB" --alloc=glibc --csv="$tmp/mine.trace.zst" --replay="$tmp/mine.trace.zst" >/dev/null 2>"$tmp/onto.err"
code=$?
"$FB" --scale=0.01 --timeline="$tmp/mine.trace" frag >/dev/null 2>"$tmp/onto2.err"
code2=$?
expect results_files_named_as_a_trace_are_refused_and_the_trace_kept "exit $code, $code2: $(cat "$tmp/onto.err" "$tmp/onto2.err")" \
    "$code:$code2:$(cmp -s results/jq.trace.zst "$tmp/mine.trace.zst" && echo same):$(head -c 8 "$tmp/mine.trace" | tr -d '\0'):$(cat "$tmp/onto.err" "$tmp/onto2.err" | tr '\n' ';')" = \
    "2:2:same:FBTRACE:fragbench: --csv: $tmp/mine.trace.zst holds a trace (a recording, or a file compressed with zstd): it is not written over; give --csv another file;fragbench: --timeline: $tmp/mine.trace holds a trace (a recording, or a file compressed with zstd): it is not written over; give --timeline another file;"

# ---- Two runs at a time (--jobs=2) give each run the same RSS as one at a time: a run's RSS is its own.
"$FB" --alloc=glibc,jemalloc,tcmalloc,mimalloc --scale=$SCALE --idle-ms=0 --jobs=2 --csv="$tmp/jobs2.csv" frag \
    >/dev/null 2>&1
jobs2_code=$?
# Compared to the run's peak: small phases (1.5 MB after malloc_trim) move by ~100 kB between any two reps,
# and tcmalloc sometimes lands one 2 MB step higher in either mode (1.5% of this peak): 3% allows for that.
worst=$(cat "$tmp/m.csv" "$tmp/jobs2.csv" | tr -d '\r' | awk -F, '
    $1 == "case" { file++; next }
    $1 == "frag" && $4 == 1 && $2 ~ /^(glibc|jemalloc|tcmalloc|mimalloc)$/ {
        key = $2 SUBSEP $6
        if (file == 1) { one[key] = $9; if ($9 > peak[$2]) peak[$2] = $9 } else two[key] = $9
    }
    END {
        worst = -1
        for (key in one) if (!(key in two)) { print "missing in --jobs=2: " key; exit } # every row of both, both ways
        for (key in two) {
            if (!(key in one)) { print "missing " key; exit }
            split(key, part, SUBSEP)
            d = (two[key] - one[key]) / peak[part[1]] * 100; if (d < 0) d = -d
            if (d > worst) worst = d
        }
        printf "%.2f", worst
    }')
expect jobs_2_gives_the_same_rss_as_one_at_a_time "exit $jobs2_code; largest difference per phase: $worst% of the run's largest RSS at a phase" \
    "$jobs2_code:$(echo "$worst" | awk '/^[0-9.]+$/ { print ($1 < 3) ? "yes" : "no" }')" = 0:yes

# ---- Progress, --quiet, --skip-missing, --list=profiles.
"$FB" --reps=2 --scale=0.01 --idle-ms=0 --csv=/dev/null frag >/dev/null 2>"$tmp/progress.err"
got=$(grep -cE '^fragbench: \[[12]/2\] frag · glibc · rep [12]/2: ok in [0-9.]+ s · elapsed [0-9]+:[0-9]{2} · ETA [0-9]+:[0-9]{2}$' "$tmp/progress.err")
expect progress_prints_one_line_per_run_without_a_terminal "$(cat "$tmp/progress.err")" "$got" -eq 2
"$FB" --quiet --reps=2 --scale=0.01 --idle-ms=0 --csv="$tmp/quiet.csv" frag >"$tmp/quiet.out" 2>&1
code=$?
expect quiet_prints_nothing_for_clean_runs "exit $code, $(grep -c ',ok,' "$tmp/quiet.csv") rows ok: $(cat "$tmp/quiet.out")" \
    "$code:$(grep -c ',ok,' "$tmp/quiet.csv"):$(wc -c <"$tmp/quiet.out")" = 0:8:0
"$FB" --profiles="$tmp/ghost.txt" --alloc=glibc,ghost --skip-missing --scale=0.01 --idle-ms=0 --csv="$tmp/skip.csv" \
    frag >/dev/null 2>"$tmp/skip.err"
code=$?
got="exit $code; ran: $(tr -d '\r' <"$tmp/skip.csv" | awk -F, 'NR > 1 { print $2 }' | sort -u | tr '\n' ' ')"
expect skip_missing_skips_a_missing_library_with_one_line "$got; $(cat "$tmp/skip.err")" \
    "$got:$(grep -c '^fragbench: skipping ghost: ' "$tmp/skip.err")" = "exit 0; ran: glibc :1"
got=$("$FB" --profiles="$tmp/ghost.txt" --list=profiles 2>&1 | tr '\n' ' ')
expect list_profiles_names_only_installed_profiles "got '$got'" "$got" = "glibc "

# ---- With --jobs=2 a later run that ends first is still written after the earlier one.
printf 'slow | | | FAKE_SLEEP=0.6 | ends last\nfast | | | FAKE_SLEEP=0 | ends first\n' >"$tmp/speeds.txt"
FAKE_RECORDS="$glibc_hello$fake_phase" FAKE_KNOB=x "$fake/fragbench" --profiles="$tmp/speeds.txt" --alloc=slow,fast \
    --jobs=2 --idle-ms=0 --csv="$tmp/order.csv" frag >/dev/null 2>"$tmp/order.err"
got=$(tr -d '\r' <"$tmp/order.csv" | awk -F, 'NR > 1 { printf "%s ", $2 }')
expect jobs_2_writes_rows_in_matrix_order_when_a_later_run_ends_first "rows: $got; $(cat "$tmp/order.err")" \
    "$got" = "slow fast "

# ---- A run that fails before its first sample leaves one status row, so the failure is counted.
fake_run early_death "$glibc_hello" FAKE_EXIT=9
got="$fake_code:$(tr -d '\r' <"$tmp/early_death.csv" | awk -F, 'NR == 2 { print $5 "|" $6 "|" $9 "|" $18 }')"
expect run_that_dies_before_sampling_leaves_a_status_row "$got" "$got" = "1:0|||exit:9"

# ---- A full disk mid-matrix: the runner stops with exit 2, and the CSV keeps whole rows only.
(
    trap '' XFSZ
    ulimit -f 4
    exec "$FB" --reps=40 --scale=0.01 --idle-ms=0 --quiet --csv="$tmp/full-disk.csv" frag
) 2>"$tmp/full-disk.err"
code=$?
bad=$(tr -d '\r' <"$tmp/full-disk.csv" | awk -F, 'NF != 38 { n++ } END { print n + 0 }')
rows=$(($(wc -l <"$tmp/full-disk.csv") - 1))
expect csv_keeps_whole_rows_when_the_disk_fills "exit $code, $rows rows, $bad broken: $(cat "$tmp/full-disk.err")" \
    "$code:$bad:$((rows % 4)):$((rows > 0))" = 2:0:0:1
# The same with SIGXFSZ at its default, as a shell leaves it: the runner takes it itself (the write fails with EFBIG
# and says so), where it died of it, with no message and nothing said of the rows.
(
    ulimit -f 4
    exec "$FB" --reps=40 --scale=0.01 --idle-ms=0 --quiet --csv="$tmp/file-size.csv" frag
) 2>"$tmp/file-size.err"
code=$?
expect csv_over_the_file_size_limit_is_said_and_kept "exit $code: $(cat "$tmp/file-size.err")" \
    "$code:$(grep -c "^fragbench: --csv: cannot write $tmp/file-size.csv: File too large; stopping, the rows written so far are kept$" "$tmp/file-size.err")" = 2:1

# ---- A typo gets the nearest name.
"$FB" --alloc=jemmalloc frag >/dev/null 2>"$tmp/typo.err"
code=$?
expect unknown_profile_suggests_the_nearest "exit $code: $(cat "$tmp/typo.err")" \
    "$code:$(grep -c "unknown allocator profile 'jemmalloc' (did you mean jemalloc?); profiles: glibc," "$tmp/typo.err")" = 2:1
"$FB" fragg >/dev/null 2>"$tmp/typo-case.err"
code=$?
expect unknown_case_suggests_the_nearest "exit $code: $(cat "$tmp/typo-case.err")" \
    "$code:$(grep -c "unknown case 'fragg' (did you mean frag?); cases: frag, lists" "$tmp/typo-case.err")" = 2:1
# A program given without -- (a newcomer's ./run python3 app.py) is told where it goes; a case's typo is not.
"$FB" python3 app.py >/dev/null 2>"$tmp/no-dashes.err"
code=$?
got="$code:$(grep -c '^fragbench: python3 is a program, not a case: to measure it, put it after --: ./run \[OPTIONS\] -- python3 \[ARGUMENTS\]$' "$tmp/no-dashes.err"):$(grep -c 'is a program' "$tmp/typo-case.err"):$(wc -l <"$tmp/no-dashes.err")"
expect a_program_given_without_dashes_is_told_to_put_it_after_them "$got; $(cat "$tmp/no-dashes.err")" "$got" = 2:1:0:1
# A profile given as a case (./run jemalloc) is told it goes to --alloc; a name in other capitals gets its name.
"$FB" jemalloc >/dev/null 2>"$tmp/profile-as-case.err"
code=$?
got="$code:$(grep -c '^fragbench: jemalloc is an allocator profile, not a case: to run the cases under it, ./run --alloc=jemalloc \[CASE...\]$' "$tmp/profile-as-case.err"):$(wc -l <"$tmp/profile-as-case.err")"
expect a_profile_given_as_a_case_is_told_it_goes_to_alloc "$got; $(cat "$tmp/profile-as-case.err")" "$got" = 2:1:1
"$FB" --alloc=ALL frag >/dev/null 2>"$tmp/capitals.err"
code=$?
expect a_name_in_capitals_gets_its_own_name "exit $code: $(cat "$tmp/capitals.err")" \
    "$code:$(grep -c "unknown allocator profile 'ALL' (did you mean all?); profiles: glibc," "$tmp/capitals.err")" = 2:1

# ---- Faults: a crash at a phase, a run past --timeout, a run past --mem-limit; rows kept, status says which.
fake_run segv "$glibc_hello$fake_phase" FAKE_THEN='kill -SEGV $$'
got="$fake_code:$fake_rows:$(tr -d '\r' <"$tmp/segv.csv" | awk -F, 'NR == 2 { print $18 }')"
expect crash_at_a_phase_keeps_its_rows_with_signal_status "exit:rows:status $got" "$got" = "1:1:signal:SIGSEGV"
start=$(date +%s%N)
FAKE_RECORDS="$glibc_hello$fake_phase" FAKE_KNOB=x FAKE_THEN='sleep 20' "$fake/fragbench" --profiles=profiles.txt \
    --timeout=1 --idle-ms=0 --csv="$tmp/timeout.csv" frag >/dev/null 2>"$tmp/timeout.err"
code=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
got="$code:$(tr -d '\r' <"$tmp/timeout.csv" | awk -F, 'NR == 2 { print $6 "|" $18 }'):$((elapsed_ms < 4000))"
expect run_past_the_timeout_is_killed_and_says_timeout "exit:row:fast $got, $elapsed_ms ms: $(cat "$tmp/timeout.err")" \
    "$got" = "1:After x|timeout:1"
# The console says the runner killed it, and at which limit (it said "the case ended with timeout").
expect run_past_the_timeout_is_said_to_be_killed_by_the_runner "$(cat "$tmp/timeout.err")" \
    "$(grep -c ': the case ran past --timeout=1 s, and the runner killed it (status timeout)$' "$tmp/timeout.err")" = 1
expect a_failed_run_is_counted_and_its_rows_said_to_be_kept "$(tail -n 1 "$tmp/timeout.err")" \
    "$(tail -n 1 "$tmp/timeout.err")" = "fragbench: 1 of 1 run failed; its rows are kept in $tmp/timeout.csv, with the status that says how"
# Without --csv, the closing table has the clean runs alone: the failed run's rows are kept nowhere, and the last
# line says how to keep them (it said they were kept).
FAKE_RECORDS="$glibc_hello$fake_phase" FAKE_KNOB=x FAKE_THEN='sleep 20' "$fake/fragbench" --profiles=profiles.txt \
    --timeout=1 --idle-ms=0 frag >/dev/null 2>"$tmp/timeout-no-csv.err"
expect a_failed_run_without_csv_says_how_to_keep_its_rows "$(tail -n 1 "$tmp/timeout-no-csv.err")" \
    "$(tail -n 1 "$tmp/timeout-no-csv.err")" = "fragbench: 1 of 1 run failed (why: above); --csv=FILE keeps every run's rows, a failed run's with the status that says how"
# A killed run takes every process it started with it: a command's child (sleep) and grandchild were left
# running, reparented to init.
"$FB" --quiet --timeout=1 --csv=/dev/null -- sh -c "sh -c 'sleep 71.5; true' & sleep 72.5; true" 2>/dev/null
code=$?
sleep 0.3
left=$(pgrep -f 'sleep 7[12][.]5' | wc -l)
pkill -f 'sleep 7[12][.]5' 2>/dev/null
expect run_killed_for_its_timeout_leaves_no_process_it_started "exit $code, $left left" "$code:$left" = "1:0"
# A service that never ends, run for --duration: stopped there, its last sample from outside its Exit row, a clean
# run (status ok, exit 0) with its closing table; every process it started is gone too.
"$FB" --alloc=glibc,jemalloc --duration=1 --csv="$tmp/duration.csv" -- \
    /usr/bin/python3 -c "import time
x = []
while True:
    x.append(bytearray(10000)); time.sleep(0.002)" >"$tmp/duration.out" 2>&1
code=$?
got="$code:$(tr -d '\r' <"$tmp/duration.csv" | awk -F, 'NR > 1 && $6 == "Exit" && $18 == "ok" && $7 >= 1000 && $7 < 3000 { n++ } END { print n + 0 }')"
got="$got:$(grep -c 'Exit: [0-9]* kB used (the last sample from outside: stopped there, at --duration)' "$tmp/duration.out")"
got="$got:$(grep -c '^| jemalloc ' "$tmp/duration.out")"
expect a_run_for_its_duration_is_stopped_clean_with_its_exit_row "exit:rows:said:table $got; $(tail -n 12 "$tmp/duration.out")" \
    "$got" = "0:2:2:1"
for bad in "--duration=1 frag" "--duration=0 -- true" "--duration=5 --timeout=3 -- true"; do
    # shellcheck disable=SC2086 # the words of each case
    "$FB" $bad >/dev/null 2>>"$tmp/duration-bad.err"
    printf 'exit %s\n' $? >>"$tmp/duration-bad.err"
done
expect duration_is_refused_where_it_cannot_apply "$(cat "$tmp/duration-bad.err")" \
    "$(tr '\n' ';' <"$tmp/duration-bad.err")" = "fragbench: --duration applies to a command only (after --): cases and replays end by themselves;exit 2;fragbench: --duration: '0' is not a whole number of seconds (1 to 86400);exit 2;fragbench: --duration: 5 s leaves no room before --timeout (3 s): the stop takes up to 3 s, so --timeout must be at least --duration + 3 (8);exit 2;"
# Every run failed: no closing table, and no heading of one over nothing (it was printed).
"$FB" --alloc=glibc,jemalloc --timeout=1 --jobs=2 --csv=/dev/null -- sleep 3 >"$tmp/allfail.out" 2>&1
code=$?
expect no_closing_heading_when_every_run_failed "exit $code: $(cat "$tmp/allfail.out")" \
    "$code:$(grep -c 'RSS after each phase' "$tmp/allfail.out"):$(grep -c '^fragbench: 2 of 2 runs failed; ' "$tmp/allfail.out")" = 1:0:1
"$FB" --scale=1 --idle-ms=0 --mem-limit=100M --csv="$tmp/oom.csv" frag >/dev/null 2>"$tmp/oom.err"
code=$?
got="$code:$(tr -d '\r' <"$tmp/oom.csv" | awk -F, 'NR > 1 { print $18 }' | sort -u | tr '\n' ' ')"
expect run_past_the_memory_cap_is_killed_and_says_oom "exit:status $got: $(cat "$tmp/oom.err")" "$got" = "1:oom "
"$FB" --quiet --mem-limit=200M --csv="$tmp/oom-ext.csv" -- build/tests/header_phase 4000 0 0 2>"$tmp/oom-ext.err"
got="$?:$(tr -d '\r' <"$tmp/oom-ext.csv" | awk -F, 'NR > 1 { print $18 }' | sort -u | tr '\n' ' ')"
expect runaway_command_is_stopped_at_the_memory_cap "exit:status $got: $(cat "$tmp/oom-ext.err")" "$got" = "1:oom "
# The console names the RSS that passed the limit, and that the runner killed it ("oom" read as the kernel's).
expect run_past_the_memory_cap_is_said_to_be_killed_by_the_runner "$(cat "$tmp/oom-ext.err")" \
    "$(grep -cE "^fragbench: .*: the program's RSS reached [0-9]+ kB, past --mem-limit \(204800 kB\), and the runner killed it \(status oom\)$" "$tmp/oom-ext.err")" = 1

# ---- Ctrl-C and SIGTERM mid-matrix: the runs in progress stop, finished rows stay, the CSV parses.
for signal in INT TERM; do
    # No idle (runs would start beside an idle one and end together): the signal comes once the first run is
    # written, with the next one working. Started through perl (in every Debian), which sets SIGINT back to its
    # default, as a terminal's job has it: this shell's background job inherits it ignored, and keeps it so.
    perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec: $!"' \
        "$FB" --reps=20 --scale=0.5 --idle-ms=0 --csv="$tmp/stop-$signal.csv" frag >/dev/null 2>"$tmp/stop-$signal.err" &
    runner=$!
    waited=0
    while [ "$(cat "$tmp/stop-$signal.csv" 2>/dev/null | wc -l)" -lt 2 ] && [ $waited -lt 300 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -"$signal" "$runner"
    wait "$runner"
    code=$?
    sleep 0.2
    left=$(pgrep -f "$PWD/build/cases/frag" | wc -l)
    rows=$(($(wc -l <"$tmp/stop-$signal.csv") - 1))
    bad=$(tr -d '\r' <"$tmp/stop-$signal.csv" | awk -F, 'NF != 38 { n++ } END { print n + 0 }')
    case $signal in INT) expected=130 ;; TERM) expected=143 ;; esac
    expect "sig${signal}_stops_the_matrix_and_keeps_finished_rows" \
        "exit $code, $rows rows, $bad broken, $left children left: $(cat "$tmp/stop-$signal.err")" \
        "$code:$((rows > 0)):$((rows % 4)):$bad:$left" = "$expected:1:0:0:0"
done

# A SIGINT ignored when the runner starts (a background job of a script, as here) stays ignored, as make, the shell
# and CPython leave it: the matrix runs to its end. It once stopped the runs, and make compare in such a job went on
# to draw its slides from the rows so far.
# The signal comes as the second rep (1.5 s of idle) runs, the first's rows written (--no-overlap: the second starts
# once the first has ended, not beside its idle).
"$FB" --reps=2 --jobs=1 --no-overlap --scale=0.1 --idle-ms=1500 --csv="$tmp/ignored-int.csv" frag >/dev/null \
    2>"$tmp/ignored-int.err" &
runner=$!
wait_until 60 sh -c "grep -q ',ok,' '$tmp/ignored-int.csv' 2>/dev/null"
sent=$(kill -INT "$runner" 2>&1 && echo sent)
wait "$runner"
code=$?
reps=$(tr -d '\r' <"$tmp/ignored-int.csv" | awk -F, 'NR > 1 && $18 == "ok" { print $4 }' | sort -u | tr '\n' ' ')
expect an_ignored_sigint_stays_ignored_and_the_matrix_ends "exit $code, SIGINT $sent, reps written: $reps; $(tail -n 2 "$tmp/ignored-int.err")" \
    "$code:$sent:$reps" = "0:sent:1 2 "

# ---- Output paths that cannot be written: an exact error before anything runs.
for option in --csv --timeline; do
    start=$(date +%s%N)
    "$FB" $option=/nonexistent/dir/out.csv --idle-ms=3000 frag >/dev/null 2>"$tmp/path.err"
    code=$?
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    expect "unwritable_${option#--}_path_fails_before_any_run" "exit $code in $elapsed_ms ms: $(cat "$tmp/path.err")" \
        "$code:$((elapsed_ms < 2000)):$(grep -c -e "$option: cannot write /nonexistent/dir/out.csv: No such file or directory" "$tmp/path.err")" = 2:1:1
done

# ---- A child that floods its pipe with random bytes, and one that closes it early and runs on.
start=$(date +%s%N)
fake_run flood "$glibc_hello$fake_phase" FAKE_THEN='head -c 5000000 /dev/urandom >&"$FRAGBENCH_FD"'
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect flooding_child_is_read_to_the_end_and_its_garbage_counted \
    "exit $fake_code, $fake_rows rows, $elapsed_ms ms: $(cat "$tmp/flood.err")" \
    "$fake_code:$fake_rows:$(grep -c 'malformed record(s) ignored' "$tmp/flood.err"):$((elapsed_ms < 10000))" = 0:1:1:1
fake_run closed "$glibc_hello$fake_phase" FAKE_THEN='eval "exec $FRAGBENCH_FD>&-"; sleep 0.5'
expect child_that_closes_its_pipe_early_is_still_waited_for "exit $fake_code, $fake_rows rows: $(cat "$tmp/closed.err")" \
    "$fake_code:$fake_rows" = 0:1

# ---- A run sleeping through its idle phase does not count against --jobs: the next one starts beside it.
# One at a time, three reps of a 3 s idle would take at least 9 s; beside each other, about one idle and the work.
start=$(date +%s%N)
"$FB" --quiet --reps=3 --jobs=1 --scale=0.02 --idle-ms=3000 --csv="$tmp/idle.csv" frag 2>"$tmp/idle.err"
code=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect runs_start_beside_one_that_idles "exit $code in $elapsed_ms ms (one at a time: >= 9000): $(cat "$tmp/idle.err")" \
    "$code:$((elapsed_ms < 7500))" = 0:1
# --no-overlap: idle runs count too, so three reps of a 1 s idle take at least 3 s, one after the other.
start=$(date +%s%N)
"$FB" --quiet --no-overlap --reps=3 --jobs=1 --scale=0.02 --idle-ms=1000 --csv=/dev/null frag 2>"$tmp/serial.err"
code=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect no_overlap_runs_one_at_a_time "exit $code in $elapsed_ms ms (one at a time: >= 3000): $(cat "$tmp/serial.err")" \
    "$code:$((elapsed_ms >= 3000))" = 0:1
# busy_ms: each run's time from start to exit less the idle it announced, the same on every row of the run.
busy=$(tr -d '\r' <"$tmp/idle.csv" | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    { b = $at["busy_ms"]; if (b == "" || b <= 0 || b >= 3000) bad++; if ($at["phase"] == "After release" && $at["elapsed_ms"] - b < 2900) bad++
      seen[$at["rep"]] = seen[$at["rep"]] == "" || seen[$at["rep"]] == b ? b : "differs" }
    END { for (r in seen) if (seen[r] == "differs") bad++; print bad + 0 }')
expect busy_ms_leaves_out_the_announced_idle "$busy bad rows: $(cut -d, -f6,7,27 "$tmp/idle.csv" | tr '\r\n' '; ')" "$busy" = 0

# ---- More reps only where the reps so far differ: a program that holds 30 MB more at each run (its "After
# alloc" mark says so) needs a third rep at a 5% spread, and none at 1000%.
for spread in 5 1000; do
    : >"$tmp/count-$spread"
    "$FB" --quiet --reps=2 --max-reps=3 --spread=$spread --csv="$tmp/extra-$spread.csv" -- sh -c \
        'echo x >>"$1"; exec "$2" $((30 * $(wc -l <"$1"))) 0 0' sh "$tmp/count-$spread" build/tests/header_phase \
        2>"$tmp/extra-$spread.err"
    eval "code_$spread=\$?"
    eval "reps_$spread=\$(wc -l <\"$tmp/count-$spread\")"
done
reps_in_csv=$(tr -d '\r' <"$tmp/extra-5.csv" | awk -F, 'NR > 1 { seen[$4] = 1 } END { for (r in seen) n++; print n + 0 }')
expect a_third_rep_runs_where_the_first_two_differ \
    "exit $code_5, $reps_5 runs, $reps_in_csv reps in the CSV: $(cat "$tmp/extra-5.err")" \
    "$code_5:$reps_5:$reps_in_csv" = 0:3:3
expect no_third_rep_where_the_first_two_agree_within_the_spread "exit $code_1000, $reps_1000 runs: $(cat "$tmp/extra-1000.err")" \
    "$code_1000:$reps_1000" = 0:2

# ---- On a terminal the live progress line's elapsed clock ticks while a run idles (script(1) gives it a terminal).
if command -v script >/dev/null 2>&1; then
    script -qec "$FB --scale=0.01 --idle-ms=2500 --csv=/dev/null frag >/dev/null" /dev/null 2>&1 | tr '\r' '\n' |
        grep -ao '^\[0/1\] frag · glibc · rep 1/1 · elapsed 0:0[0-9]' | sort -u >"$tmp/ticks"
    expect progress_clock_ticks_during_a_run "clocks seen: $(tr '\n' ' ' <"$tmp/ticks")" "$(wc -l <"$tmp/ticks")" -ge 2
else
    echo "SKIP: progress_clock_ticks_during_a_run (no script(1))"
fi
