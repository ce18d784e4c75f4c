#!/bin/sh
# Tests of make slides and make compare: golden outputs from committed fixtures, purity, valid plots, a small real compare.
set -u
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh

# slides NAME DIR: make slides on a copy of DIR's compare.csv, timing.csv and machine.txt, into $tmp/NAME.
slides() {
    mkdir -p "$tmp/$1"
    for input in compare.csv timing.csv machine.txt; do
        [ -f "$2/$input" ] && cp "$2/$input" "$tmp/$1/"
    done
    make -s --no-print-directory slides RESULTS="$tmp/$1" PLOTS="$tmp/$1/plots" PLOT_DATA="$tmp/$1/plot-data" \
        >"$tmp/$1.out" 2>&1
}

# plots_are_valid NAME DIR CASES...: every plot of the cases and the retained plot is a real SVG and PNG.
plots_are_valid() {
    name=$1 dir=$2
    shift 2
    bad=""
    for plot in "$@" retained; do
        file -b "$dir/$plot.svg" 2>&1 | grep -q '^SVG Scalable Vector Graphics image' || bad="$bad $plot.svg"
        file -b "$dir/$plot.png" 2>&1 | grep -q '^PNG image data' || bad="$bad $plot.png"
    done
    expect "${name}_plots_are_valid_svg_and_png" "not valid:$bad" -z "$bad"
}

# ---- Golden files: a real small run (fixtures/real) and crafted rows for quoting, failures and spread (fixtures/crafted).
for fixture in real crafted; do
    slides "$fixture" "tests/fixtures/$fixture"
    code=$?
    expect "${fixture}_fixture_make_slides_succeeds" "exit $code: $(cat "$tmp/$fixture.out")" "$code" -eq 0
    for output in slides.md summary.csv; do
        difference=$(diff "tests/fixtures/$fixture/expected/$output" "$tmp/$fixture/$output" 2>&1 | head -n 20)
        expect "${fixture}_fixture_${output}_is_the_golden_one" "$difference" -z "$difference"
    done
done
plots_are_valid real "$tmp/real/plots" frag lists

# ---- make slides is pure: the same compare.csv again gives byte-identical files, plots included.
mkdir -p "$tmp/first"
cp -r "$tmp/real/slides.md" "$tmp/real/summary.csv" "$tmp/real/plots" "$tmp/first/"
make -s --no-print-directory slides RESULTS="$tmp/real" PLOTS="$tmp/real/plots" PLOT_DATA="$tmp/real/plot-data" \
    >/dev/null 2>&1
changed=""
for output in slides.md summary.csv plots/frag.svg plots/frag.png plots/lists.svg plots/lists.png \
    plots/retained.svg plots/retained.png; do
    cmp -s "$tmp/first/$output" "$tmp/real/$output" || changed="$changed $output"
done
expect make_slides_twice_gives_byte_identical_files "changed:$changed" -z "$changed"

# ---- A small real make compare: tiny scale, one rep, two profiles; every file appears.
make -s --no-print-directory compare CASES=frag ALLOCS="glibc jemalloc-decay0" REPS=1 SCALE=0.02 IDLE_MS=0 \
    TIMING_RUNS=2 RESULTS="$tmp/c" PLOTS="$tmp/c/plots" PLOT_DATA="$tmp/c/plot-data" >"$tmp/c.out" 2>&1
code=$?
expect small_make_compare_succeeds "exit $code: $(tail -n 5 "$tmp/c.out")" "$code" -eq 0
missing=""
for output in compare.csv timeline.csv machine.txt summary.csv slides.md timing.csv timing.md \
    plots/frag.svg plots/frag.png plots/retained.svg plots/retained.png plots/frag-timeline.svg plots/frag-timeline.png; do
    [ -s "$tmp/c/$output" ] || missing="$missing $output"
done
expect small_make_compare_writes_every_file "missing:$missing" -z "$missing"
plots_are_valid small_compare "$tmp/c/plots" frag frag-timeline
rows=$(($(wc -l <"$tmp/c/compare.csv") - 1))
expect small_make_compare_has_every_phase_row "$rows rows, expected 2 profiles x 4 phases" "$rows" -eq 8
ratio=$(tr -d '\r' <"$tmp/c/summary.csv" | awk -F, 'NR > 1 && $2 == "jemalloc-decay0" { print $19; exit }')
expect small_make_compare_puts_the_time_ratio_in_summary "ratio '$ratio'" \
    -n "$(echo "$ratio" | grep -E '^[0-9]+\.[0-9]{3}$')"
expect small_make_compare_prints_progress "$(head -n 5 "$tmp/c.out")" \
    "$(grep -c '^fragbench: \[[12]/2\] frag · ' "$tmp/c.out")" -eq 2
# The "where the memory freed by del went" rows, recomputed from compare.csv alone (one rep: it is the median one).
expected=$(tr -d '\r' <"$tmp/c/compare.csv" | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    { anon[$at["alloc"], $at["seq"]] = $at["anon_kb"] }
    $at["phase"] == "After del" { del[$at["alloc"]] = $at["seq"]; order[++n] = $at["alloc"]
        live[$at["alloc"]] = $at["live_kb"]; free[$at["alloc"]] = $at["alloc_free_kb"] }
    END { for (k = 1; k <= n; k++) { a = order[k]; held = anon[a, del[a] - 1]; after = anon[a, del[a]]
        returned = held > after ? held - after : 0; retained = after > live[a] ? after - live[a] : 0
        f = free[a] < retained ? free[a] : retained
        printf "%s|%.1f|%.1f|%.1f|%.1f|%.1f|1\n", a, held / 1024, live[a] / 1024, returned / 1024, f / 1024,
            (retained - f) / 1024 } }')
shown=$(sed -n '/^What became of the memory/,/^$/d; /^| profile *| held before del/,/^$/p' "$tmp/c/slides.md" |
    awk -F'|' 'NR > 2 && NF > 3 { row = ""; for (i = 2; i < NF; i++) { gsub(/ /, "", $i); row = row (i > 2 ? "|" : "") $i }
        print row }')
expect slides_split_the_waste_after_del_as_compare_csv_says "expected: $expected / shown: $shown" \
    "$expected" = "$shown" -a -n "$shown"
expect small_make_compare_splits_with_the_allocators_own_free_bytes "$(tr -d '\r' <"$tmp/c/compare.csv" | head -n 3)" \
    "$(tr -d '\r' <"$tmp/c/compare.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        $at["alloc_free_kb"] != "" && $at["alloc_in_use_kb"] != "" && $at["alloc_os_kb"] != "" { n++ } END { print n + 0 }')" -eq 8
plots_are_valid small_compare_waste "$tmp/c/plots" frag-waste
block='$ LD_PRELOAD=libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0 build/cases/frag --scale=0.02 --idle-ms=0'
expect slides_show_the_talk_style_command_that_reproduces_the_block "$(grep -F 'build/cases/frag' "$tmp/c/slides.md")" \
    "$(grep -cxF "$block" "$tmp/c/slides.md")" -eq 1
expect machine_facts_name_kernel_thp_and_allocator_versions "$(cat "$tmp/c/machine.txt")" \
    "$(grep -cE '^(kernel: Linux |transparent huge pages: |glibc: [0-9]|jemalloc: [0-9]|cpu: |date: )' "$tmp/c/machine.txt")" -eq 6
