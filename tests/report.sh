#!/bin/sh
# Tests of make slides and make compare: golden outputs from committed fixtures, purity, valid plots, a small real compare.
set -u
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh

# slides NAME DIR: make slides on a copy of DIR's compare.csv, walltime.csv, timing.csv, machine.txt and timeline.csv, into $tmp/NAME.
slides() {
    mkdir -p "$tmp/$1"
    for input in compare.csv walltime.csv timing.csv machine.txt timeline.csv; do
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
expect make_slides_says_where_its_files_are "$(cat "$tmp/real.out")" \
    -n "$(grep -F "fragbench: slides from $tmp/real/compare.csv: $tmp/real/slides.md, $tmp/real/summary.csv, $tmp/real/plots/*.svg and *.png" "$tmp/real.out")"
# The committed reference's slides and summary are what its own rows give today, byte for byte (a change of fb-report's
# output is committed with the reference drawn again: make slides). Its heading counts the cases run under fewer
# profiles apart ("10 cases" once read as all there were).
mkdir -p "$tmp/reference"
for file in compare.csv walltime.csv timing.csv machine.txt diagnosis.txt timeline.csv; do
    [ -f "results/$file" ] && cp "results/$file" "$tmp/reference/"
done
build/fb-report --results="$tmp/reference" --plots-link=../plots >/dev/null 2>"$tmp/reference.err"
changed=""
for output in slides.md summary.csv; do cmp -s "results/$output" "$tmp/reference/$output" || changed="$changed $output"; done
expect the_committed_reference_slides_are_what_its_rows_give "changed:$changed; $(diff results/slides.md "$tmp/reference/slides.md" 2>&1 | head -n 6)" \
    "${changed:-none}:$(sed -n 3p results/slides.md | grep -c '^[0-9]* cases and [0-9]* recorded trace x [0-9]* profiles x [0-9-]* reps (and [0-9]* more under fewer profiles: ')" = "none:1"
# Every plot the reference's slides show or link is committed beside them (a case's over time where the timeline has it).
missing=""
for link in $(grep -o '](\.\./plots/[^)]*)' results/slides.md | sed 's/^](//; s/)$//' | sort -u); do
    [ -f "results/$link" ] || missing="$missing $link"
done
got="${missing:-none}:$(grep -c '^!\[frag: RSS over time\](\.\./plots/frag-timeline\.svg)$' results/slides.md)"
expect the_reference_slides_plots_are_committed "$got" "$got" = "none:1"
# The reference's replay table marks the cells whose reps differ, and the waste taken from them, as the table above it
# does (a speaker's pasted table had lost them), and answers in one line; its #3 of a replay whose largest rows tie
# with the recorded peak is taken there, the recorded run's point (it was taken at the first, 65%: 1.60 against 1.79).
# The reference's reps of jq's replay agree (within 1024 kB): in a copy, one rep's Exit under mimalloc-decommit0 is
# lowered 2 MB (its waste the least still), and the glibc replay's rows are capped at its RSS at the recorded peak,
# so that its largest rows tie with it (in the reference they may, or lie a few pages above it, as the recording falls).
mkdir -p "$tmp/differing"
cp "$tmp/reference/"* "$tmp/differing/"
awk -F, -v OFS=, 'NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) at[$i] = i
        else if ($at["case"] == "jq" && $at["alloc"] == "glibc" && $at["phase"] == "Recorded peak") peak[$at["rep"]] = $at["rss_kb"]
        next }
    FNR == 1 { print; next }
    $at["case"] == "jq" && $at["alloc"] == "mimalloc-decommit0" && $at["phase"] == "Exit" && !lowered { $at["rss_kb"] -= 2000; lowered = 1 }
    $at["case"] == "jq" && $at["alloc"] == "glibc" && $at["rss_kb"] > peak[$at["rep"]] { $at["rss_kb"] = peak[$at["rep"]] }
    { print }' "$tmp/reference/compare.csv" "$tmp/reference/compare.csv" >"$tmp/differing/compare.csv"
build/fb-report --results="$tmp/differing" --plots-link=../plots >/dev/null 2>"$tmp/differing.err"
got="$(grep -c '^| replay: mimalloc-decommit0  *| mimalloc [0-9.]* *| *[0-9]* | *[0-9]* | \* [0-9]* | *[0-9]* | *\* [0-9]* | *\* [0-9]*% |$' "$tmp/differing/slides.md")"
got="$got:$(grep -c '^At Exit, the least waste: mimalloc-decommit0, [0-9]* kB (its reps differ); the most: mimalloc, [0-9]* kB\.$' "$tmp/differing/slides.md")"
got="$got:$(grep -c '^| replay: glibc  *| glibc [0-9.]* *| *[0-9]* | *[0-9.]* | Recorded peak |' "$tmp/differing/slides.md")"
got="$got:$(grep -c '(its reps differ)' "$tmp/reference/slides.md")"
expect replay_slide_marks_reps_that_differ_answers_in_a_line_and_sets_3_at_the_recorded_peak "$got; $(cat "$tmp/differing.err")" \
    "$got" = "1:1:1:0"
# A recorded peak placed after the program's Exit mark (its high-water mark read once it had ended; a newcomer's
# rounds) is set before Exit in the table beside the recording: the ideal and the waste are taken at Exit, and the
# closing line answers there ("At Recorded peak, the least waste" once).
mkdir -p "$tmp/peak-last"
cp "$tmp/reference/"* "$tmp/peak-last/"
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; print; next }
    $at["case"] == "jq" && $at["phase"] == "Recorded peak" { $at["seq"] = 1000 }
    { print }' "$tmp/reference/compare.csv" >"$tmp/peak-last/compare.csv"
build/fb-report --results="$tmp/peak-last" --plots-link=../plots >/dev/null 2>"$tmp/peak-last.err"
got="$(grep -c '^| run  *| allocator  *| Start | Recorded peak |  *Exit | ideal at Exit | waste at Exit |' "$tmp/peak-last/slides.md")"
got="$got:$(grep -c '^At Exit, the least waste: ' "$tmp/peak-last/slides.md")"
expect a_peak_placed_after_exit_is_set_before_it_and_the_waste_taken_at_exit "$got; $(cat "$tmp/peak-last.err")" "$got" = "1:1"
# The heatmap's data: golden for both (the crafted one has no "After del" phase: its cells are "?", drawn grey).
for fixture in real crafted; do
    difference=$(diff "tests/fixtures/$fixture/expected/retained.dat" "$tmp/$fixture/plot-data/retained.dat" 2>&1 | head -n 20)
    expect "${fixture}_fixture_retained_heatmap_data_is_the_golden_one" "$difference" -z "$difference"
done

# ---- The retained heatmap, recomputed from compare.csv alone: per panel a header row of the profiles, then one row per
# case; each cell the median over the clean reps of (RSS at the phase / the largest RSS of that rep) x 100.
# heatmap_expected CSV PHASE: the rows as "case|value|value...", "?" where no clean rep has the phase.
heatmap_expected() {
    tr -d '\r' <"$1" | awk -F, -v phase="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        { c = $at["case"]; a = $at["alloc"]; key = c SUBSEP a SUBSEP $at["rep"]
          if (!(c in seen)) { seen[c] = 1; cases[++nc] = c }
          if (!(a in known)) { known[a] = 1; allocs[++na] = a }
          if ($at["rss_kb"] + 0 > peak[key]) peak[key] = $at["rss_kb"] + 0
          if ($at["status"] == "ok" && $at["phase"] == phase) { n++; rss[n] = $at["rss_kb"]; of[n] = key; cell[n] = c SUBSEP a } }
        END {
            for (i = 1; i <= n; i++) { k = cell[i]; v = 100 * rss[i] / peak[of[i]]
                # insertion into the sorted values of the cell
                for (j = ++count[k]; j > 1 && values[k, j - 1] > v; j--) values[k, j] = values[k, j - 1]
                values[k, j] = v }
            head = "case, " tolower(phase); for (a = 1; a <= na; a++) head = head "|" allocs[a]; print head
            for (r = 1; r <= nc; r++) { line = cases[r]
                for (a = 1; a <= na; a++) { k = cases[r] SUBSEP allocs[a]; m = count[k]
                    line = line "|" (m ? sprintf("%.1f", (values[k, int((m + 1) / 2)] + values[k, int(m / 2) + 1]) / 2) : "?") }
                print line } }'
}
# block FILE N: data block N (from 0) of a gnuplot data file, quotes removed, tabs as "|".
block() {
    awk -v want="$2" '/^$/ { blank++; next } { if (blank >= 2) b++; blank = 0 } b == want' "$1" | tr -d '"' | tr '\t' '|'
}
for fixture in real timeline; do
    [ -d "$tmp/$fixture" ] || slides "$fixture" "tests/fixtures/$fixture"
    for panel in 0 1; do
        phase=$(if [ $panel = 0 ]; then echo "After del"; else echo "After release"; fi)
        expected=$(heatmap_expected "tests/fixtures/$fixture/compare.csv" "$phase")
        shown=$(block "$tmp/$fixture/plot-data/retained.dat" $panel)
        cases=$(tr -d '\r' <"tests/fixtures/$fixture/compare.csv" | awk -F, 'NR > 1 { print $1 }' | sort -u | wc -l)
        expect "${fixture}_heatmap_${panel}_has_a_row_per_case_with_the_retained_pct_of_compare_csv" \
            "expected: $expected / shown: $shown" "$expected" = "$shown" -a "$(echo "$shown" | wc -l)" -eq $((cases + 1))
    done
done
# The values the slides print are the heatmap's (the first case's "after del" column of its retained table).
slides_value=$(sed -n '/retained after del/,/^$/p' "$tmp/real/slides.md" | awk -F'|' 'NR == 3 { gsub(/[ *]/, "", $3); print $3 }')
heatmap_value=$(block "$tmp/real/plot-data/retained.dat" 0 | awk -F'|' 'NR == 2 { print $2 }')
expect heatmap_shows_the_slides_retained_pct "slides: $slides_value / heatmap: $heatmap_value" \
    -n "$slides_value" -a "$slides_value" = "$heatmap_value"

# ---- The timelines as small multiples (fixtures/timeline: frag and sawtooth under 5 profiles of 3 families, no tcmalloc).
plots_are_valid timeline "$tmp/timeline/plots" frag sawtooth frag-timeline sawtooth-timeline
data="$tmp/timeline/plot-data"
for case in frag sawtooth; do
    # The panels expected: "family:profile,profile" per family, in order of appearance (rep 1 of timeline.csv).
    expected=$(tr -d '\r' <tests/fixtures/timeline/compare.csv | awk -F, -v c="$case" '
        NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        $at["case"] == c && !($at["alloc"] in family) { family[$at["alloc"]] = $at["allocator"]; order[++n] = $at["alloc"] }
        END { for (i = 1; i <= n; i++) { f = family[order[i]]; if (!members[f]++) fams[++nf] = f
                  list[f] = list[f] (members[f] > 1 ? "," : "") order[i] }
              for (i = 1; i <= nf; i++) print fams[i] ":" list[fams[i]] }')
    settings="$data/$case-timeline.gp"
    setting() { sed -n "s/^$1 = //p" "$settings" | tr -d '"'; }
    panels=$(setting panels)
    shown="" marks_ok=1 live_ok=1 labels_ok=1
    for p in $(seq 1 "${panels:-0}"); do
        first=$(setting "first_$p") series=$(setting "series_$p")
        names=$(for i in $(seq "$first" $((first + series - 1))); do block "$data/$case-timeline.dat" "$i" | head -n 1 | cut -d'|' -f1; done | paste -sd,)
        shown="$shown$(setting "family_$p"):$names
"
        lead=${names%%,*}
        # Its own marks: the phase rows of its first profile's rep 1, in order, each at its own time (its results
        # row's elapsed_ms: the timeline's row came as it arrived, after the program went on).
        want=$(tr -d '\r' <tests/fixtures/timeline/compare.csv | awk -F, -v c="$case" -v a="$lead" '
            NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
            $at["case"] == c && $at["alloc"] == a && $at["rep"] == 1 && $at["phase"] != "" { printf "%.4f|%s\n", $at["elapsed_ms"] / 1000, $at["phase"] }')
        got=$(block "$data/$case-timeline.dat" "$(setting "marks_$p")" | awk -F'|' 'NR == 1 { print $1; next } { print $1 "|" $3 }')
        [ -n "$want" ] && [ "$got" = "phase marks ($lead)
$want" ] || marks_ok=0
        # Its live bytes, from one of its own profiles.
        live=$(block "$data/$case-timeline.dat" "$(setting "live_$p")" | head -n 1 | sed -n 's/^live bytes (\(.*\))|live$/\1/p')
        case ",$names," in *",$live,"*) [ -n "$live" ] || live_ok=0 ;; *) live_ok=0 ;; esac
        # Labels at the same height are apart by at least 1.6% of the time axis, and del, idle and release have one.
        block "$data/$case-timeline.dat" "$(setting "marks_$p")" | awk -F'|' -v gap="$(setting x_max)" '
            NR > 1 && $2 != "?" { if (($2 in last) && $1 - last[$2] < 0.016 * gap) bad = 1; last[$2] = $1 }
            NR > 1 && $3 ~ /^After (del|idle|release)$/ && $2 == "?" { bad = 1 }
            END { exit bad }' || labels_ok=0
    done
    expect "timeline_${case}_has_a_panel_per_family_with_its_profiles" "expected: $expected / shown: $shown" \
        -n "$expected" -a "$expected" = "$(printf %s "$shown")"
    expect "timeline_${case}_panels_each_have_their_own_first_profiles_marks" "$settings" "$marks_ok" -eq 1 -a "${panels:-0}" -gt 0
    expect "timeline_${case}_panels_each_have_live_bytes_of_their_family" "$settings" "$live_ok" -eq 1 -a "${panels:-0}" -gt 0
    expect "timeline_${case}_mark_labels_do_not_collide" "$settings" "$labels_ok" -eq 1 -a "${panels:-0}" -gt 0
done
# A mark is drawn at its own time and RSS (its results row's), in the line's time order: the fixture's timeline has
# frag's glibc "After idle" as it arrived, at 117.4 ms after the release (1620 kB), where its row has 26 108 kB at
# 114.9 ms; the dot was drawn at the release's level.
glibc_line=$(block "$data/frag-timeline.dat" 0)
got=$(echo "$glibc_line" | awk -F'|' '$1 == "0.1149" { print $2 "|" $3 }')
backwards=$(echo "$glibc_line" | awk -F'|' 'NR > 2 && $1 + 0 < last { n++ } NR > 1 { last = $1 + 0 } END { print n + 0 }')
expect timeline_marks_are_drawn_at_their_own_time_and_rss "$(echo "$glibc_line" | head -n 1): at 0.1149 s '$got', $backwards points back in time" \
    "$got:$backwards" = "25.5|25.5:0"

# ---- make slides is pure: the same compare.csv again gives byte-identical files, plots included (the first
# run's moved away, so a second run that wrote nothing cannot pass).
mkdir -p "$tmp/first"
slide_outputs="slides.md summary.csv plots/frag.svg plots/frag.png plots/lists.svg plots/lists.png plots/retained.svg
    plots/retained.png"
mv "$tmp/real/slides.md" "$tmp/real/summary.csv" "$tmp/real/plots" "$tmp/first/"
make -s --no-print-directory slides RESULTS="$tmp/real" PLOTS="$tmp/real/plots" PLOT_DATA="$tmp/real/plot-data" \
    >/dev/null 2>&1
code=$?
changed=""
for output in $slide_outputs; do
    cmp -s "$tmp/first/$output" "$tmp/real/$output" || changed="$changed $output"
done
expect make_slides_twice_gives_byte_identical_files "exit $code, changed:$changed" "$code:$changed" = "0:"

# ---- A plot's data that cannot be written (the disk full: a symbolic link to /dev/full) gets its path and the
# reason, exit 1, not an unset message.
mkdir -p "$tmp/full/plot-data"
cp tests/fixtures/real/compare.csv tests/fixtures/real/machine.txt "$tmp/full/"
ln -s /dev/full "$tmp/full/plot-data/frag.dat"
build/fb-report --results="$tmp/full" --plot-data="$tmp/full/plot-data" >/dev/null 2>"$tmp/full.err"
code=$?
expect a_plot_file_that_cannot_be_written_is_named_with_its_reason "exit $code: $(cat "$tmp/full.err")" \
    "$code:$(cat "$tmp/full.err")" = "1:fb-report: $tmp/full/plot-data/frag.dat: No space left on device"

# ---- A replay of a trace cut before the recorded peak (no "Recorded peak" row among its rows): the recorded run's
# peak, #4 and #3 are n/a in the slides (they were the largest of the rows it reached, its Start: #4 below 1).
mkdir -p "$tmp/cut-peak"
tr -d '\r' <results/compare.csv | awk -F, 'NR == 1 || ($1 == "jq" && $2 == "glibc" && $6 != "Recorded peak")' |
    sed 's/$/\r/' >"$tmp/cut-peak/compare.csv"
build/fb-report --results="$tmp/cut-peak" >/dev/null 2>"$tmp/cut-peak.err"
got="$?:$(grep -c '^| recorded run *| as recorded *| *n/a | *n/a | n/a *| *n/a | *n/a | *n/a |$' "$tmp/cut-peak/slides.md")"
got="$got:$(grep -c '^| replay: glibc *| glibc 2.36 *| *[0-9]* | *1\.[0-9][0-9] |' "$tmp/cut-peak/slides.md")"
expect slides_leave_the_recorded_peak_na_when_the_replay_never_reached_it \
    "$got; $(cat "$tmp/cut-peak.err") $(grep -A4 'largest at' "$tmp/cut-peak/slides.md")" "$got" = "0:1:1"

# ---- The replay table takes the replay's rows only, in the recording's order, and thins a program of many marks to
# 24 columns (the first, the last, the peak, others evenly between): a --record run of the same name first in the CSV
# left only "Recorded peak" with every figure n/a, and past 48 rows the table stopped there, its ideal at the 48th.
mkdir -p "$tmp/many-marks"
tr -d '\r' <results/compare.csv | awk -F, -v OFS=, '
    NR == 1 { print; next }
    $1 != "jq" || $2 != "glibc" { next }
    { rows[++n] = $0 }
    $6 == "Start" || $6 == "Exit" { record = $0; split(record, f, ","); f[32] = f[34] = f[35] = f[36] = f[37] = f[38] = ""
        line = f[1]; for (i = 2; i <= 38; i++) line = line "," f[i]; recorded[++r] = line }
    END {
        for (i = 1; i <= r; i++) print recorded[i]   # the --record run: Start and Exit, no recorded columns
        for (i = 1; i <= n; i++) {
            print rows[i]
            split(rows[i], f, ",")
            if (f[6] == "Start") for (m = 1; m <= 50; m++) { f[6] = "m" m; f[34] = sprintf("%.3f", m / 1000)
                line = f[1]; for (k = 2; k <= 38; k++) line = line "," f[k]; print line }
        }
    }' | sed 's/$/\r/' >"$tmp/many-marks/compare.csv"
build/fb-report --results="$tmp/many-marks" >/dev/null 2>"$tmp/many-marks.err"
code=$?
head_row=$(grep -m1 '^| run .*| ideal at' "$tmp/many-marks/slides.md" | tr -d ' ')
recorded_row=$(grep -m1 '^| recorded run ' "$tmp/many-marks/slides.md" | tr -d ' ')
got="$code:$(echo "$head_row" | awk -F'|' '{ print NF - 2, $4, $5, $(NF - 5), $(NF - 4), $(NF - 3) }')"
got="$got:$(echo "$recorded_row" | awk -F'|' '{ print $(NF - 3), $(NF - 2) }')"
got="$got:$(grep -c "^(24 of the recording's 53 rows: the first, the last, its peak and others evenly between.) " "$tmp/many-marks/slides.md")"
start=$(value results/compare.csv jq glibc Start recorded_rss_kb)
exit_rss=$(value results/compare.csv jq glibc Exit recorded_rss_kb)
ideal=$(grep -m1 '^| recorded run ' results/slides.md | tr -d ' ' | awk -F'|' -v n="$(grep -m1 '^| run .*| ideal at' results/slides.md | tr -d ' ' | awk -F'|' '{ print NF }')" '{ print $(n - 3) }')
expect replay_table_takes_replay_rows_in_the_recordings_order_and_thins_many_marks \
    "$(cat "$tmp/many-marks.err") head $head_row; recorded $recorded_row" \
    "$got" = "0:29 Start m1 Recordedpeak Exit idealatExit:$ideal $((exit_rss - ideal)):1"

# A plots folder whose path holds a space is linked in CommonMark's <...> form (the plain link broke at the space).
build/fb-report --results="$tmp/many-marks" --plots-link="my plots" >/dev/null 2>"$tmp/spaced-link.err"
expect replay_plot_link_with_a_space_is_a_valid_link "$(grep 'replay.svg' "$tmp/many-marks/slides.md" | head -2)" \
    "$(grep -c '^!\[jq: RSS of each profile.s replay over the trace.s events\](<my plots/jq-replay.svg>)$' "$tmp/many-marks/slides.md")" = 1

# ---- A case whose every run failed has no plot (gnuplot failed on its bars of "?", and plots/render.sh stopped there:
# every plot after it was missing, make compare exited 1); a plot gnuplot cannot draw is said, the others drawn, exit 1.
mkdir -p "$tmp/all-failed/plot-data"
tr -d '\r' <results/compare.csv | awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") at = i; print; next }
    $1 == "frag" { $at = "oom"; print } $1 == "lists"' | sed 's/$/\r/' >"$tmp/all-failed/compare.csv"
build/fb-report --results="$tmp/all-failed" --plot-data="$tmp/all-failed/plot-data" --plots-link=plots >/dev/null \
    2>"$tmp/all-failed.err"
code=$?
plots/render.sh "$tmp/all-failed/plot-data" "$tmp/all-failed/plots" >/dev/null 2>>"$tmp/all-failed.err"
render=$?
printf 'this is no gnuplot (\n' >"$tmp/all-failed/plot-data/broken.gp"
plots/render.sh "$tmp/all-failed/plot-data" "$tmp/all-failed/plots2" >/dev/null 2>"$tmp/broken.err"
broken=$?
got="$code:$render:$(ls "$tmp/all-failed/plot-data" | grep -c '^frag\.'):$(cat "$tmp/all-failed/plots/drawn.txt" | tr '\n' ' ')"
got="$got:$broken:$(cat "$tmp/all-failed/plots2/drawn.txt" | tr '\n' ' '):$(grep -c '^render.sh: .*/broken\.\(svg\|png\): gnuplot could not draw it from ' "$tmp/broken.err")"
expect a_case_whose_runs_all_failed_has_no_plot_and_one_bad_plot_stops_no_other "$got; $(cat "$tmp/all-failed.err")" \
    "$got" = "0:0:0:lists-waste.svg lists-waste.png lists.svg lists.png retained.svg retained.png :1:lists-waste.svg lists-waste.png lists.svg lists.png retained.svg retained.png :2"
# The slides show each case's picture after its tables and link each of its plots (they named none but a replay's):
# only plots drawn, none of the case whose runs all failed.
links=$(grep -o '](plots/[^)]*)' "$tmp/all-failed/slides.md" | sed 's/^](plots\///; s/)$//' | LC_ALL=C sort -u | tr '\n' ' ')
got="$links:$(grep -c '^!\[lists: RSS after each phase\](plots/lists\.svg)$' "$tmp/all-failed/slides.md")"
expect slides_show_and_link_the_plots_drawn_alone "$got" "$got" = "lists-waste.svg lists.svg :1"

# ---- A case's plots are drawn by the script their settings name, not by their name's ending (a trace named
# svc-replay.trace makes a case svc-replay, whose bars were drawn as a replay's plot), and the slides link a case
# named with brackets in escaped CommonMark (its link broke at the first '>'). A case named retained has no plot of
# RSS after each phase, said (its bars overwrote the retained heatmap's files, or were overwritten).
mkdir -p "$tmp/odd-names/plot-data"
tr -d '\r' <results/compare.csv | awk -F, -v OFS=, 'NR == 1 { print; next }
    $1 == "frag" { $1 = "svc-replay"; print } $1 == "lists" { $1 = "we[i]rd>x"; print }
    $1 == "threads" { $1 = "retained"; print }' | sed 's/$/\r/' \
    >"$tmp/odd-names/compare.csv"
build/fb-report --results="$tmp/odd-names" --plot-data="$tmp/odd-names/plot-data" --plots-link=plots >/dev/null \
    2>"$tmp/odd-names.err"
code=$?
plots/render.sh "$tmp/odd-names/plot-data" "$tmp/odd-names/plots" >/dev/null 2>>"$tmp/odd-names.err"
got="$code:$?:$(grep -c '^# drawn by plots/bars.gp$' "$tmp/odd-names/plot-data/svc-replay.gp")"
got="$got:$(grep -c -F '![we\[i\]rd>x: RSS after each phase](<plots/we[i]rd\>x.svg>)' "$tmp/odd-names/slides.md")"
got="$got:$(grep -c '^svc-replay.svg$' "$tmp/odd-names/plots/drawn.txt"):$(file -b "$tmp/odd-names/plots/we[i]rd>x.svg" | grep -c '^SVG')"
got="$got:$(grep -c '^# drawn by plots/retained.gp$' "$tmp/odd-names/plot-data/retained.gp"):$(grep -c 'retained: RSS after each phase\|](plots/retained.svg)' "$tmp/odd-names/slides.md")"
got="$got:$(grep -cx "fb-report: the case named retained has no plot of RSS after each phase: retained.svg is the retained heatmap's (its other plots are drawn)" "$tmp/odd-names.err")"
expect plots_are_drawn_by_the_script_named_and_odd_names_are_linked_escaped "$got; $(cat "$tmp/odd-names.err")" \
    "$got" = "0:0:1:1:1:1:1:0:1"

# ---- A profile's timeline is drawn from its first clean rep: a failed rep 1 (here killed at --mem-limit, its samples
# made 100 times larger) was drawn as the profile's line, unmarked; a profile with no clean rep is not drawn.
mkdir -p "$tmp/failed-rep1/plot-data"
tr -d '\r' <results/compare.csv | awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") at = i; print; next }
    $1 == "frag" && $2 == "glibc" && $4 == 1 { $at = "oom" } $1 == "frag" && $2 == "jemalloc" { $at = "oom" }
    $1 == "frag" && ($2 == "glibc" || $2 == "jemalloc" || $2 == "mimalloc")' | sed 's/$/\r/' >"$tmp/failed-rep1/compare.csv"
tr -d '\r' <results/timeline.csv | awk -F, -v OFS=, 'NR == 1 { print; next }
    $1 == "frag" && ($2 == "glibc" || $2 == "jemalloc" || $2 == "mimalloc") && $3 == 1 {
        print; if ($2 == "glibc") { $3 = 2; print } }
    ' | awk -F, -v OFS=, '$2 == "glibc" && $3 == 1 { $5 = $5 * 100 } { print }' >"$tmp/failed-rep1/timeline.csv"
build/fb-report --results="$tmp/failed-rep1" --plot-data="$tmp/failed-rep1/plot-data" >/dev/null 2>"$tmp/failed-rep1.err"
code=$?
peak=$(awk -F, '$2 == "glibc" && $3 == 2 && $5 > max { max = $5 } END { printf "%.1f", max / 1024 }' "$tmp/failed-rep1/timeline.csv")
got="$code:$(grep -c '^# glibc$\|"glibc"' "$tmp/failed-rep1/plot-data/frag-timeline.dat" | sed 's/^[1-9][0-9]*$/glibc/')"
got="$got:$(grep -c 'jemalloc' "$tmp/failed-rep1/plot-data/frag-timeline.dat")"
got="$got:$(awk -F'\t' -v peak="$peak" '$2 + 0 > max { max = $2 + 0 } END { print (max < 2 * peak) ? "rep 2" : "max " max " MiB against rep 2 " peak }' "$tmp/failed-rep1/plot-data/frag-timeline.dat")"
expect timeline_draws_the_first_clean_rep "$got; $(cat "$tmp/failed-rep1.err")" "$got" = "0:glibc:0:rep 2"

# ---- A program of 70 marks: its RSS table shows the first 61 and the last, and says so (it stopped at the 62nd without
# a word, its Exit lost); a '|' in a mark's name is escaped (it split the cell).
mkdir -p "$tmp/many-phases"
{
    head -n 1 results/compare.csv | tr -d '\r'
    for seq in $(seq 1 70); do
        label="tick $seq"
        [ "$seq" = 3 ] && label="load | store"
        printf 'prog,glibc,2.36,1,%d,%s,%d.0,1000,%d,500,500,,,,,,,ok,glibc\n' "$seq" "$label" "$seq" "$((1000 + seq))"
    done
} | awk -F, -v OFS=, 'NR == 1 { n = NF } { $n = $n; print }' >"$tmp/many-phases/compare.csv"
build/fb-report --results="$tmp/many-phases" >/dev/null 2>"$tmp/many-phases.err"
code=$?
header=$(grep -m1 '^| profile .*tick 1 (kB)' "$tmp/many-phases/slides.md" | sed 's/\\|/+/g')
got="$code:$(echo "$header" | awk -F'|' '{ print NF - 2 }'):$(echo "$header" | awk -F'|' '{ gsub(/ +$|^ +/, "", $(NF - 1)); print $(NF - 1) }')"
got="$got:$(grep -c '^(The first 61 of its 70 phases and the last: every one is in compare.csv.)$' "$tmp/many-phases/slides.md")"
got="$got:$(echo "$header" | grep -c 'load + store (kB)')"
expect a_table_of_many_phases_shows_the_last_and_says_so "$got; $(cat "$tmp/many-phases.err")" "$got" = "0:64:tick 70 (kB):1:1"

# ---- make check-reference's comparison (scripts/compare_retained.awk) against the committed summary: the same
# figures are all ok; one moved past its tolerance is off (exit 1); a cell whose every rep failed here (its
# retained % empty) is off too, where it read as 0% and could pass as ok.
tr -d '\r' <results/summary.csv >"$tmp/here-summary.csv"
compare_retained() { # compare_retained HERE: the comparison's lines and exit status
    tr -d '\r' <results/summary.csv | awk -F, -v here="$1" -v timed=" jemalloc jemalloc-bgthread mimalloc " \
        -v tolerance=5 -v timed_tolerance=20 -f scripts/compare_retained.awk
}
same=$(compare_retained "$tmp/here-summary.csv")
same_code=$?
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; print; next }
    $1 == "frag" && $2 == "glibc" && $at["phase"] == "After del" { $at["retained_pct"] = $at["retained_pct"] - 30 }
    $1 == "frag" && $2 == "tcmalloc" && $at["phase"] == "After del" { $at["retained_pct"] = "" } { print }' \
    "$tmp/here-summary.csv" >"$tmp/here-off.csv"
off=$(compare_retained "$tmp/here-off.csv")
off_code=$?
got="$same_code:$(echo "$same" | grep -c ' OFF'):$off_code:$(echo "$off" | grep -c '^frag  *glibc  *After del .* OFF$'):$(echo "$off" | grep -c '^frag  *tcmalloc  *After del .*n/a .*OFF (no clean run here)$')"
expect check_reference_counts_a_cell_with_no_clean_run_here_as_off "$got; $(echo "$off" | grep OFF)" "$got" = "0:0:1:1:1"

# ---- Where make compare writes: the reference's results/ and plots/ for the whole matrix only; a matrix with any of
# its set given (a newcomer's make compare TRACES=svc.trace CASES= CURES= replaced the reference's files) goes to
# results/mine/ with its plots beside it, and results elsewhere have their plots beside them.
# where [NAME=VALUE in the environment] -- [make's arguments]: the RESULTS and PLOTS make compare would use.
where() {
    assignments=""
    while [ "$1" != -- ]; do assignments="$assignments $1" && shift; done
    shift
    # (make test's own make exports the set's variables to this script, and passes its own to a make below it in
    # MAKEFLAGS: every one is unset here.)
    # shellcheck disable=SC2086 # the assignments, one word each
    env -u CASES -u CURES -u CURE_ALLOCS -u TRACES -u REPLAY_PARTIAL -u ALLOCS -u REPS -u MAX_REPS -u SCALE -u IDLE_MS \
        -u RESULTS -u PLOTS -u PLOT_DATA -u MATRIX_GIVEN -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $assignments \
        make -s --no-print-directory -f Makefile -f /dev/stdin show "$@" <<'MAKE'
show:
	@echo "$(RESULTS) $(PLOTS)"
MAKE
}
got="$(where --) | $(where -- TRACES=x.trace CASES= CURES=) | $(where SCALE=2 --) | $(where -- ALLOCS=glibc RESULTS=look)"
got="$got | $(where -- RESULTS=look) | $(where -- CASES=frag PLOTS=p)"
expect make_compare_leaves_the_reference_alone_unless_the_whole_matrix_runs "$got" \
    "$got" = "results plots | results/mine results/mine/plots | results/mine results/mine/plots | look look/plots | look look/plots | results/mine p"

# ---- A bad trace, or a trace named as a case, stops make compare before anything runs (it was found after the
# whole matrix), and the earlier results stay.
mkdir -p "$tmp/badtrace" && printf 'earlier\n' >"$tmp/badtrace/compare.csv"
cp results/jq.trace.zst "$tmp/frag.trace.zst"
make -s --no-print-directory compare TRACES="$tmp/no-such.trace" CASES=frag CURES= ALLOCS=glibc REPS=1 SCALE=0.02 IDLE_MS=0 \
    RESULTS="$tmp/badtrace" PLOTS="$tmp/badtrace/plots" PLOT_DATA="$tmp/badtrace/pd" >"$tmp/badtrace.out" 2>&1
code=$?
make -s --no-print-directory compare TRACES="$tmp/frag.trace.zst" CASES=frag CURES= ALLOCS=glibc REPS=1 SCALE=0.02 IDLE_MS=0 \
    RESULTS="$tmp/badtrace" PLOTS="$tmp/badtrace/plots" PLOT_DATA="$tmp/badtrace/pd" >>"$tmp/badtrace.out" 2>&1
code2=$?
got="$code:$code2:$(grep -c 'fragbench: TRACES: cannot read .*no-such.trace: No such file or directory; nothing ran' "$tmp/badtrace.out"):$(grep -c 'fragbench: TRACES: a trace named frag is also a case of the matrix' "$tmp/badtrace.out"):$(grep -c 'fragbench: \[' "$tmp/badtrace.out"):$(cat "$tmp/badtrace/compare.csv")"
expect make_compare_refuses_a_bad_trace_before_any_run "$got; $(cat "$tmp/badtrace.out")" "$got" = "2:2:1:1:0:earlier"
# Two traces of one name (other folders): refused before the cases run (it was found after them, with the slides
# made of the cases alone).
mkdir -p "$tmp/twin" && cp results/jq.trace.zst "$tmp/twin/jq.trace.zst"
make -s --no-print-directory compare TRACES="results/jq.trace.zst $tmp/twin/jq.trace.zst" CASES=frag CURES= ALLOCS=glibc \
    REPS=1 SCALE=0.02 IDLE_MS=0 RESULTS="$tmp/badtrace" PLOTS="$tmp/badtrace/plots" PLOT_DATA="$tmp/badtrace/pd" \
    >"$tmp/twin.out" 2>&1
code=$?
got="$code:$(grep -c '^fragbench: TRACES (--replay): two traces are named jq (rename one)$' "$tmp/twin.out"):$(grep -c 'nothing ran' "$tmp/twin.out"):$(grep -c 'fragbench: \[' "$tmp/twin.out"):$(cat "$tmp/badtrace/compare.csv")"
expect make_compare_refuses_two_traces_of_one_name_before_any_run "$got; $(cat "$tmp/twin.out")" "$got" = "2:1:1:0:earlier"
# A comma in a trace's name, among two traces or alone: refused before any run (the runner's --replay list split it,
# and it said "cannot read" of a name no one gave; alone, the next make compare's estimate misread its CSV rows).
cp results/jq.trace.zst "$tmp/twin/jq,small.trace.zst"
make -s --no-print-directory compare TRACES="results/jq.trace.zst $tmp/twin/jq,small.trace.zst" CASES=frag CURES= \
    ALLOCS=glibc REPS=1 SCALE=0.02 IDLE_MS=0 RESULTS="$tmp/badtrace" PLOTS="$tmp/badtrace/plots" \
    PLOT_DATA="$tmp/badtrace/pd" >"$tmp/comma.out" 2>&1
code=$?
got="$code:$(grep -c "^fragbench: TRACES: $tmp/twin/jq,small.trace.zst has a comma in its name, .*: rename it (./run --replay=$tmp/twin/jq,small.trace.zst takes it as it is); nothing ran" "$tmp/comma.out"):$(grep -c 'fragbench: \[' "$tmp/comma.out"):$(cat "$tmp/badtrace/compare.csv")"
make -s --no-print-directory compare TRACES="$tmp/twin/jq,small.trace.zst" CASES= CURES= \
    ALLOCS=glibc REPS=1 RESULTS="$tmp/badtrace" PLOTS="$tmp/badtrace/plots" PLOT_DATA="$tmp/badtrace/pd" >"$tmp/comma.out" 2>&1
got="$got;$?:$(grep -c "^fragbench: TRACES: $tmp/twin/jq,small.trace.zst has a comma in its name" "$tmp/comma.out")"
expect make_compare_refuses_a_comma_in_a_trace_name "$got; $(cat "$tmp/comma.out")" "$got" = "2:1:0:earlier;2:1"
# A trace that is not whole (cut short) is refused before any run unless REPLAY_PARTIAL is set.
zstd -dc results/jq.trace.zst 2>/dev/null | head -c 100000 >"$tmp/twin/part.trace"
make -s --no-print-directory compare TRACES="$tmp/twin/part.trace" CASES=frag CURES= ALLOCS=glibc REPS=1 SCALE=0.02 \
    IDLE_MS=0 RESULTS="$tmp/badtrace" PLOTS="$tmp/badtrace/plots" PLOT_DATA="$tmp/badtrace/pd" >"$tmp/part.out" 2>&1
code=$?
got="$code:$(grep -c 'part.trace is truncated: .*: REPLAY_PARTIAL=yes (--replay-partial) replays them$' "$tmp/part.out"):$(grep -c 'nothing ran' "$tmp/part.out"):$(cat "$tmp/badtrace/compare.csv")"
expect make_compare_refuses_a_trace_not_whole_unless_replay_partial "$got; $(cat "$tmp/part.out")" "$got" = "2:1:1:earlier"
# CASES and CURES empty: the traces alone are replayed (the runner given no case name ran every case, cures too);
# all three empty is refused. The slides show the trace's replay plot from PLOTS.
make -s --no-print-directory compare TRACES=results/jq.trace.zst CASES= CURES= ALLOCS=glibc REPS=1 IDLE_MS=0 \
    RESULTS="$tmp/traces-only" PLOTS="$tmp/traces-only/img" PLOT_DATA="$tmp/traces-only/pd" >"$tmp/traces-only.out" 2>&1
code=$?
got="$code:$(tr -d '\r' <"$tmp/traces-only/compare.csv" | cut -d, -f1 | sort -u | tr '\n' ' '):$(grep -c '^!\[jq: .*\](img/jq-replay.svg)$' "$tmp/traces-only/slides.md")"
got="$got:$(test -s "$tmp/traces-only/img/jq-replay.svg" && echo drawn)"
make -s --no-print-directory compare TRACES= CASES= CURES= RESULTS="$tmp/none" PLOTS="$tmp/none/p" PLOT_DATA="$tmp/none/pd" \
    >"$tmp/none.out" 2>&1
got="$got:$?:$(grep -c '^fragbench: CASES, CURES and TRACES are all empty: nothing to run' "$tmp/none.out")"
expect make_compare_with_no_cases_replays_the_traces_alone "$got; $(cat "$tmp/traces-only.out" "$tmp/none.out")" \
    "$got" = "0:case jq :1:drawn:2:1"
# Again over those results, which hold replays alone (no case's run to time this machine against): estimated from
# the reference's, where it once said "none (the calibration run of frag failed)"; its plan names the traces, with
# no scale or idle (which apply to cases: it said "cases [] x ..., scale 1, idle 1000 ms").
make -s --no-print-directory compare TRACES=results/jq.trace.zst CASES= CURES= ALLOCS=glibc REPS=1 IDLE_MS=0 \
    RESULTS="$tmp/traces-only" PLOTS="$tmp/traces-only/img" PLOT_DATA="$tmp/traces-only/pd" >"$tmp/traces-again.out" 2>&1
code=$?
expect second_traces_only_make_compare_estimates_from_the_reference "exit $code: $(grep 'estimate\|memory:' "$tmp/traces-again.out")" \
    "$code:$(grep -c "^fragbench: estimate: about .*(from the reference's results: frag takes" "$tmp/traces-again.out"):$(grep -c '^fragbench: memory: traces \[jq\], each x profiles \[glibc\] x 1 reps, [0-9]* working at a time$' "$tmp/traces-again.out")" = 0:1:1
make -s --no-print-directory compare TRACES="$tmp/twin/part.trace" REPLAY_PARTIAL=no CASES=frag CURES= ALLOCS=glibc REPS=1 \
    SCALE=0.02 IDLE_MS=0 RESULTS="$tmp/badtrace" PLOTS="$tmp/badtrace/plots" PLOT_DATA="$tmp/badtrace/pd" >"$tmp/part-no.out" 2>&1
code=$?
got="$code:$(grep -c "fragbench: REPLAY_PARTIAL: 'no' is not 'yes' (or empty); nothing ran" "$tmp/part-no.out"):$(cat "$tmp/badtrace/compare.csv")"
expect make_compare_takes_replay_partial_yes_or_empty_only "$got; $(cat "$tmp/part-no.out")" "$got" = "2:1:earlier"
# ---- A variable the Makefile does not read (a typo: CASE=frag) is refused before anything runs: it ran the whole
# matrix, which replaces the reference's results in results/ and plots/.
make -s --no-print-directory compare CASE=frag RESULTS="$tmp/badtrace" >"$tmp/typo.out" 2>&1
code=$?
got="$code:$(grep -c "CASE is not a variable of fragbench's Makefile (did you mean CASES?); nothing ran; the variables a user sets: ALLOCS CASES " "$tmp/typo.out"):$(grep -c 'fragbench: ' "$tmp/typo.out"):$(cat "$tmp/badtrace/compare.csv")"
expect make_refuses_a_variable_it_does_not_read "$got; $(cat "$tmp/typo.out")" "$got" = "2:1:0:earlier"
# A value with a blank and an = in it, an override of the Makefile's own, or := is no unknown name (the check once
# split the values: "-DFOO is not a variable").
make -n --no-print-directory programs CFLAGS="-O2 -DFOO=1" LDFLAGS="-L/x -Wl,-rpath=/opt" BUILD="$tmp/b" CASES:=frag \
    >/dev/null 2>"$tmp/typo-ok.err"
code=$?
expect make_takes_values_with_blanks_and_its_own_variables "exit $code: $(cat "$tmp/typo-ok.err")" \
    "$code:$(cat "$tmp/typo-ok.err")" = "0:"
# ---- Any other input the runner would refuse (a number, a case's or a profile's name) stops make compare before its
# plan and estimate (they were printed first, and REPS=abc drew the shell's own errors), and the earlier results stay.
for bad in REPS=abc CASES=fragg CURE_ALLOCS=jemaloc MAX_REPS=x MAX_REPS=5000; do
    make -s --no-print-directory compare TRACES= CASES=frag CURES=frag_subprocess.py ALLOCS=glibc SCALE=0.02 \
        IDLE_MS=0 RESULTS="$tmp/badtrace" PLOTS="$tmp/badtrace/plots" PLOT_DATA="$tmp/badtrace/pd" "$bad" \
        >>"$tmp/badinput.out" 2>&1 # (the last of a name's values on make's command line is the one it takes)
    printf 'exit %s\n' $? >>"$tmp/badinput.out"
done
got="$(grep -c '^exit 2$' "$tmp/badinput.out"):$(grep -c 'nothing ran; the earlier results in .* are back in place' "$tmp/badinput.out")"
got="$got:$(grep -c "^fragbench: REPS (--reps): 'abc' is not a whole number" "$tmp/badinput.out")"
got="$got:$(grep -c "^fragbench: unknown case 'fragg' (did you mean frag?)" "$tmp/badinput.out")"
got="$got:$(grep -c "^fragbench: unknown allocator profile 'jemaloc'" "$tmp/badinput.out")"
got="$got:$(grep -c "^fragbench: MAX_REPS: 'x' is not a whole number" "$tmp/badinput.out")"
got="$got:$(grep -c "^fragbench: MAX_REPS (--max-reps): '5000' is not a whole number" "$tmp/badinput.out")"
got="$got:$(grep -c -e 'fragbench: memory:' -e 'Illegal number' -e 'fragbench: \[' "$tmp/badinput.out"):$(cat "$tmp/badtrace/compare.csv")"
expect make_compare_refuses_bad_input_before_its_plan "$got; $(cat "$tmp/badinput.out")" "$got" = "5:5:1:1:1:1:1:0:earlier"
# ---- A small real make compare: tiny scale, one rep, two profiles; every file appears.
make -s --no-print-directory compare TRACES= CASES=frag CURES= ALLOCS="glibc jemalloc-decay0" REPS=1 SCALE=0.02 IDLE_MS=0 \
    RESULTS="$tmp/c" PLOTS="$tmp/c/plots" PLOT_DATA="$tmp/c/plot-data" >"$tmp/c.out" 2>&1
code=$?
expect small_make_compare_succeeds "exit $code: $(tail -n 5 "$tmp/c.out")" "$code" -eq 0
missing=""
for output in compare.csv timeline.csv machine.txt summary.csv slides.md \
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
# Progress for the memory runs, then for the runs alone that give the wall times.
expect small_make_compare_prints_progress "$(head -n 5 "$tmp/c.out")" \
    "$(grep -c '^fragbench: \[[12]/2\] frag · ' "$tmp/c.out"):$(grep -c '^fragbench: wall times: one run of each pair alone' "$tmp/c.out")" = 4:1
# Its first estimate, with no earlier results of its own, is from the reference's (results/), which it leaves alone.
expect small_make_compare_prints_its_plan_and_estimates_from_the_reference "$(head -n 5 "$tmp/c.out")" \
    "$(grep -c '^fragbench: plan: 1 case x 2 profiles x 1 rep = 2 runs' "$tmp/c.out"):$(grep -c \
        "^fragbench: estimate: about [0-9]* [smin]* for 2 pairs, [0-9]* at a time (from the reference's results: frag takes" "$tmp/c.out")" = 2:1
# Again, over those results: now they give an estimate.
cp "$tmp/c/compare.csv" "$tmp/c1.csv"
make -s --no-print-directory compare TRACES= CASES=frag CURES= ALLOCS="glibc jemalloc-decay0" REPS=1 SCALE=0.02 IDLE_MS=0 \
    RESULTS="$tmp/c" PLOTS="$tmp/c/plots" PLOT_DATA="$tmp/c/plot-data" >"$tmp/c2.out" 2>&1
# The first's results are kept beside the second's, not replaced (a directory git does not hold: a newcomer lost a
# first small matrix to a second), and the console says where.
previous=$(ls -d "$tmp"/c/previous-* 2>/dev/null | head -n 1)
expect second_make_compare_keeps_the_first_results_beside_it "$(tail -n 2 "$tmp/c2.out")" \
    "$(cmp -s "$tmp/c1.csv" "$previous/compare.csv" && echo kept):$(grep -c "^fragbench: the earlier results in $tmp/c are in $previous/ (their plots: make slides RESULTS=$previous)\$" "$tmp/c2.out")" = kept:1
# The calibration run of frag on the same machine takes about the time it took in the first compare.
factor=$(sed -n 's/^fragbench: estimate: about [0-9]* [smin]* for 2 pairs, [0-9]* at a time (from the earlier results: frag takes \([0-9.]*\)x their time here; the slides after them not counted)$/\1/p' "$tmp/c2.out")
expect second_make_compare_estimates_from_the_first "factor '$factor': $(head -n 3 "$tmp/c2.out")" \
    "$(awk -v f="${factor:-0}" 'BEGIN { print (f > 0.2 && f < 5) }')" = 1
# The estimate counts the cures (under their profiles) and the traces' replays (under the matrix's) as pairs too.
pairs=$(scripts/estimate.sh "$tmp/c/compare.csv" frag "glibc jemalloc-decay0" 1 1 1 0.02 0 "$tmp/c/walltime.csv" \
    "frag.py lists.py" glibc "svc other" | sed -n 's/^fragbench: estimate: about [0-9]* [smin]* for \([0-9]*\) pairs.*/\1/p')
expect estimate_counts_the_cures_and_the_replays "pairs '$pairs' (2 cases + 2 cures + 4 replays)" "$pairs" = 8
# A replay's time is not scaled by SCALE (SCALE=0.1 once took a tenth off the reference trace's replays): an earlier
# replay of 100 s a run (frag's rows renamed) is estimated the same at two scales a hundredfold apart; a trace with no
# earlier replay is estimated from the time its events span (NAME=MS), not from the mean of the cases. Each estimate
# times frag at the earlier scale (a few ms) for the machine's speed: two in a row differed twofold (CI, 2026-12-06),
# so the bound is fourfold either way, which the hundredfold of the bug still passes far beyond.
tr -d '\r' <"$tmp/c/compare.csv" | awk -F, 'BEGIN { OFS = "," } NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; print; next }
    { print; $at["case"] = "svc"; $at["busy_ms"] = 100000; print }' >"$tmp/with-replay.csv"
# estimated_s ARGS...: the estimate's time in seconds.
estimated_s() {
    scripts/estimate.sh "$@" | sed -n 's/^fragbench: estimate: about \([0-9]*\) \([smin]*\) for.*/\1 \2/p' |
        awk '{ print $2 == "min" ? $1 * 60 : $1 }'
}
small=$(estimated_s "$tmp/with-replay.csv" frag glibc 1 1 1 0.0002 0 "$tmp/c/walltime.csv" "" "" svc)
large=$(estimated_s "$tmp/with-replay.csv" frag glibc 1 1 1 0.02 0 "$tmp/c/walltime.csv" "" "" svc)
spanned=$(estimated_s "$tmp/c/compare.csv" frag glibc 1 1 1 0.02 0 "$tmp/c/walltime.csv" "" "" "fresh=600000")
expect estimate_takes_replays_unscaled_and_a_new_trace_from_its_span \
    "replay of 100 s at scale 0.0002: '$small' s, at 0.02: '$large' s; a new trace of 600 s: '$spanned' s" \
    "$(awk -v a="${small:-0}" -v b="${large:-0}" -v c="${spanned:-0}" 'BEGIN { print (a > 0 && b > 0 && a / b > 0.25 && a / b < 4 && c >= 600) }')" = 1
# make bench times each pair alone with hyperfine, with progress (the cases under ALLOCS, the cures under glibc);
# make slides then takes its times.
make -s --no-print-directory bench CASES=frag ALLOCS="glibc jemalloc-decay0" SCALE=0.02 TIMING_RUNS=2 \
    RESULTS="$tmp/c" >"$tmp/bench.out" 2>&1
code=$?
make -s --no-print-directory slides RESULTS="$tmp/c" PLOTS="$tmp/c/plots" PLOT_DATA="$tmp/c/plot-data" >/dev/null 2>&1
source=$(tr -d '\r' <"$tmp/c/summary.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next } { print $at["wall_source"]; exit }')
expect make_bench_times_every_pair_and_slides_use_it \
    "exit $code, source '$source': $(cat "$tmp/bench.out")" \
    "$code:$(grep -cE '^fragbench: timed \[[1-5]/5\] frag[a-z_.]* · .*: mean [0-9.]+ s · elapsed [0-9]+:[0-9]{2} · ETA' "$tmp/bench.out"):$source" = 0:5:hyperfine
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

# ---- Wall times from the runs alone (walltime.csv, make compare's last pass): without timing.csv, a pair's wall time
# is the median busy_ms of its clean runs there, and the ratio is against glibc's; the slides say where they come from.
mkdir -p "$tmp/alone-in"
cp tests/fixtures/crafted/compare.csv "$tmp/alone-in/compare.csv"
tr -d '\r' <tests/fixtures/crafted/compare.csv | awk -F, -v OFS=, '
    NR == 1 { print $0, "busy_ms"; next }
    { busy = $2 == "glibc" ? 100 * $4 : 200 + 10 * $4 * $4; print $0, busy ".500" }' >"$tmp/alone-in/walltime.csv"
slides alone "$tmp/alone-in"
code=$?
walls=$(tr -d '\r' <"$tmp/alone/summary.csv" | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["seq"] == 1 { printf "%s %s %s %s;", $at["alloc"], $at["wall_s"], $at["wall_ratio_vs_glibc"], $at["wall_source"] }')
# glibc: clean reps 1 and 3 (rep 2 failed): median of 100.5 and 300.5 ms; jemalloc: 210.5, 240.5, 290.5 ms.
expect wall_time_is_the_median_busy_ms_of_the_runs_alone "exit $code; $walls" \
    "$walls" = "glibc 0.2005 1.000 alone;jemalloc 0.2405 1.200 alone;"
expect slides_say_the_wall_times_come_from_the_runs_alone "$(sed -n 3p "$tmp/alone/slides.md")" \
    "$(grep -c 'x 3 reps.*one run of each pair alone after the memory runs' "$tmp/alone/slides.md")" = 1
# hyperfine's time where it timed the pair, the run alone elsewhere, and no ratio across the two kinds.
printf 'command,mean\nfrag · jemalloc,0.5\n' >"$tmp/alone-in/timing.csv"
slides mixed "$tmp/alone-in"
walls=$(tr -d '\r' <"$tmp/mixed/summary.csv" | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["seq"] == 1 { printf "%s %s %s %s;", $at["alloc"], $at["wall_s"], $at["wall_ratio_vs_glibc"], $at["wall_source"] }')
expect wall_time_source_is_chosen_per_pair "$walls" "$walls" = "glibc 0.2005 1.000 alone;jemalloc 0.5000  hyperfine;"

# ---- The talk's cures: a small make compare of frag.py under glibc and jemalloc-decay0, and the cures under glibc.
make -s --no-print-directory compare TRACES= CASES=frag.py ALLOCS="glibc jemalloc-decay0" REPS=1 SCALE=0.02 IDLE_MS=0 \
    RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >"$tmp/cu.out" 2>&1
code=$?
rows=$(awk '/^## The talk.s cures, measured/ { on = 1; next } /^## / { on = 0 } on && /^\| [a-z]/ { split($0, f, "|"); gsub(/^ +| +$/, "", f[2]); print f[2] }' \
    "$tmp/cu/slides.md" | tr '\n' ';')
expect cures_table_has_a_row_per_cure_that_ran "exit $code, rows: $rows; $(tail -n 3 "$tmp/cu.out")" "$rows" = \
    "cure;none: as in the talk;subprocess: the work in a forked child;better use of memory: one buffer;jemalloc, dirty and muzzy decay 0;malloc_trim(0) after del (glibc);"
# Its figures are compare.csv's: the subprocess row's after-the-cure RSS is frag_subprocess.py's median After del.
expected=$(value "$tmp/cu/compare.csv" frag_subprocess.py glibc "After del" rss_kb)
got=$(awk -F'|' '$2 ~ /^ subprocess/ { gsub(/ /, "", $5); print $5 }' "$tmp/cu/slides.md")
expect cures_table_takes_its_figures_from_compare_csv "table '$got', compare.csv '$expected'" "$got" = "$expected"
expect make_compare_writes_the_diagnosis_blocks "$(head -n 4 "$tmp/cu/diagnosis.txt")" \
    "$(grep -c '^Partition of a set of [0-9]* objects. Total size = [0-9]* bytes.$' "$tmp/cu/diagnosis.txt")" -eq 4
cp "$tmp/cu/slides.md" "$tmp/cu-first.md"
make -s --no-print-directory slides RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >/dev/null 2>&1
expect cures_table_is_byte_identical_on_a_second_make_slides "$(diff "$tmp/cu-first.md" "$tmp/cu/slides.md" | head -n 5)" \
    -z "$(diff "$tmp/cu-first.md" "$tmp/cu/slides.md")"

# ---- make slides removes the images it drew last time (drawn.txt) that these results no longer draw, such as a trace's
# that was not replayed again, and leaves an image it did not draw.
printf 'gone-replay.svg\ngone-replay.png\n' >>"$tmp/cu/plots/drawn.txt"
touch "$tmp/cu/plots/gone-replay.svg" "$tmp/cu/plots/gone-replay.png" "$tmp/cu/plots/mine.png"
make -s --no-print-directory slides RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >/dev/null 2>&1
listed=$(grep -c '' "$tmp/cu/plots/drawn.txt")
images=$(ls "$tmp/cu/plots" | grep -c '\.\(svg\|png\)$')
expect make_slides_removes_the_images_it_no_longer_draws \
    "$(ls "$tmp/cu/plots" | tr '\n' ' '); drawn.txt: $listed lines" \
    "$(ls "$tmp/cu/plots" | grep -c '^gone-replay'):$([ -f "$tmp/cu/plots/mine.png" ] && echo mine):$((images - listed))" = "0:mine:1"

# ---- A program run by ./run -- (no case of fragbench): the heading counts it as a program and gives no scale or
# idle, which do not apply to it; no retained table of n/a alone; its console block names its command.
mkdir -p "$tmp/program"
build/fragbench --quiet --csv="$tmp/program/compare.csv" -- python3 -c 'x = bytearray(10 ** 6)' >/dev/null 2>&1
make -s --no-print-directory slides RESULTS="$tmp/program" PLOTS="$tmp/program/plots" PLOT_DATA="$tmp/program/plot-data" \
    >/dev/null 2>&1
heading=$(sed -n 3p "$tmp/program/slides.md")
expect slides_of_a_program_say_program_and_no_scale "$heading" \
    "$(echo "$heading" | grep -c '^1 program x 1 profile x 1 rep\. RSS in kB'):$(grep -c '^Retained' "$tmp/program/slides.md"):$(grep -c '^\$ python3 \.\.\.   (the command given after ./run --)$' "$tmp/program/slides.md")" = "1:0:1"

# ---- The heatmap leaves out a case that ran under one profile while others ran under several (the cures), and
# prints nothing in a grey cell (no clean rep).
rows=$(awk -F'\t' 'NR > 1 && NF > 1 { n++ } /^$/ { exit } END { print n + 0 }' "$tmp/cu/plot-data/retained.dat")
expect heatmap_has_a_row_per_case_compared_across_profiles "$(head -n 3 "$tmp/cu/plot-data/retained.dat")" "$rows" -eq 1
expect heatmap_prints_no_nan_in_grey_cells "$(grep -o '>[^<]*nan[^<]*<' "$tmp/crafted/plots/retained.svg" | head -n 3)" \
    "$(test -s "$tmp/crafted/plots/retained.svg" && grep -c '>nan<\|>NaN<' "$tmp/crafted/plots/retained.svg")" = 0

# ---- Bad input stops make compare before anything runs, with the runner's message, and the earlier results stay.
cp "$tmp/cu/compare.csv" "$tmp/cu-before.csv"
cp "$tmp/cu/compare.log" "$tmp/cu-before.log"
make -s --no-print-directory compare TRACES= CASES=nosuchcase ALLOCS=glibc REPS=1 SCALE=0.02 IDLE_MS=0 \
    RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >"$tmp/bad.out" 2>&1
code=$?
kept=""
for file in compare.csv walltime.csv slides.md summary.csv diagnosis.txt; do [ -s "$tmp/cu/$file" ] && kept="$kept $file"; done
expect bad_input_to_make_compare_keeps_the_earlier_results "exit $code, kept:$kept: $(tail -n 3 "$tmp/bad.out")" \
    "$((code != 0)):$(grep -c "unknown case 'nosuchcase'" "$tmp/bad.out"):$(cmp -s "$tmp/cu-before.csv" "$tmp/cu/compare.csv" && echo same):$(cmp -s "$tmp/cu-before.log" "$tmp/cu/compare.log" && echo log):$kept" \
    = "1:1:same:log: compare.csv walltime.csv slides.md summary.csv diagnosis.txt"

# ---- make compare stopped (SIGINT to its process group, as Ctrl-C sends it) in its cures, its matrix's runs
# finished: the earlier results are back in place, byte for byte, and this matrix's rows in RESULTS/interrupted-DATE-TIME/.
# (The cure, frag.py with 4 s of idle, is still running when the signal comes.)
cp "$tmp/cu/slides.md" "$tmp/cu-before.md"
# A process group of its own (perl, in every Debian: SIGINT back to its default, which a background job of a
# script ignores, then setpgrp and exec, so $! is the group's id), signalled as a terminal does, by perl too (dash's
# kill takes no negative id). in_own_group is run with & only: its exec makes perl the background job itself.
in_own_group() { exec perl -e '$SIG{INT} = "DEFAULT"; setpgrp(0, 0); exec @ARGV or die "exec: $!"' "$@"; }
signal_group() { perl -e 'kill $ARGV[0], -$ARGV[1] or die "kill: $!"' "$1" "$2"; }
in_own_group make -s --no-print-directory compare TRACES= CASES=frag CURES=frag.py CURE_ALLOCS=glibc ALLOCS=glibc REPS=1 SCALE=0.02 \
    IDLE_MS=4000 JOBS=1 RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >"$tmp/stopped.out" 2>&1 &
group=$!
# runner_catches_sigint GROUP: a runner in GROUP has its SIGINT handler set (SigCgt). The signal waits for it: a
# Ctrl-C between the script's heading and the runner's start is taken by the script alone, which says it once (the
# test flapped so in CI).
runner_catches_sigint() {
    for pid in $(pgrep -g "$1" -x fragbench); do
        caught=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
        [ -n "$caught" ] && [ $((0x$caught & 2)) -ne 0 ] && return 0
    done
    return 1
}
wait_until 60 grep -q "the talk's diagnosis and cures" "$tmp/stopped.out"
wait_until 10 runner_catches_sigint "$group"
signal_group INT "$group"
wait "$group"
code=$?
same=""
cmp -s "$tmp/cu-before.csv" "$tmp/cu/compare.csv" && same="$same compare.csv"
cmp -s "$tmp/cu-before.md" "$tmp/cu/slides.md" && same="$same slides.md"
cmp -s "$tmp/cu-before.log" "$tmp/cu/compare.log" && same="$same compare.log"
expect make_compare_stopped_puts_the_earlier_results_back_and_keeps_its_finished_rows \
    "exit $code, same:$same; $(tail -n 2 "$tmp/stopped.out"); interrupted: $(ls "$tmp"/cu/interrupted-* 2>&1)" \
    "$code" = 130 -a "$same" = " compare.csv slides.md compare.log" -a "$(cat "$tmp"/cu/interrupted-*/compare.csv 2>/dev/null | grep -c ',ok,')" -ge 1 -a \
    "$(ls "$tmp/cu" | grep -c '\.tmp$')" = 0 -a \
    "$(grep -c "^fragbench: stopped by SIGINT: the earlier results in $tmp/cu are back in place; this matrix's finished rows are in $tmp/cu/interrupted-[0-9]*-[0-9]*/ (compare.csv" "$tmp/stopped.out")" = 1
# The runner, stopped by the script as well as by the terminal, says the signal the user sent (it said SIGTERM, the
# script's, then the script SIGINT).
expect make_compare_stopped_by_ctrl_c_names_sigint_alone "$(grep 'stopped by' "$tmp/stopped.out")" \
    "$(grep -c 'stopped by SIGTERM' "$tmp/stopped.out"):$(grep -c '^fragbench: stopped by SIGINT' "$tmp/stopped.out")" = "0:2"

# ---- The same where only the runner is stopped (SIGINT sent to it alone, or to a job whose shell ignores it): make
# compare stops as it would have at its own SIGINT. It went on to draw the slides from the rows so far (here the
# case's, its replays stopped), as if the matrix had finished, and moved the earlier results aside.
cp "$tmp/cu/compare.csv" "$tmp/cu-before.csv"
cp "$tmp/cu/slides.md" "$tmp/cu-before.md"
in_own_group make -s --no-print-directory compare TRACES=results/jq.trace.zst CASES=frag CURES= ALLOCS=glibc REPS=3 \
    SCALE=0.02 IDLE_MS=0 JOBS=1 RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" \
    >"$tmp/runner-stopped.out" 2>&1 &
group=$!
wait_until 60 grep -q '^fragbench: replays: ' "$tmp/runner-stopped.out"
matrix_runner=""
wait_until 10 sh -c "pgrep -g $group -x fragbench >/dev/null" && matrix_runner=$(pgrep -g "$group" -x fragbench | head -n 1)
[ -n "$matrix_runner" ] && kill -INT "$matrix_runner"
wait "$group"
code=$?
expect make_compare_whose_runner_alone_is_stopped_stops_too \
    "exit $code, runner ${matrix_runner:-not found}; $(tail -n 2 "$tmp/runner-stopped.out")" \
    "$((code != 0)):${matrix_runner:+found}:$(cmp -s "$tmp/cu-before.csv" "$tmp/cu/compare.csv" && echo same):$(cmp -s "$tmp/cu-before.md" "$tmp/cu/slides.md" && echo same):$(grep -c "^fragbench: stopped by SIGINT: the earlier results in $tmp/cu are back in place; this matrix's finished rows are in $tmp/cu/interrupted-[0-9]*-[0-9]*/ (compare.csv" "$tmp/runner-stopped.out"):$(grep -c '^fragbench: done' "$tmp/runner-stopped.out")" \
    = "1:found:same:same:1:0"

# ---- make compare stopped by SIGTERM in its first run, where there were no earlier results: it says so, keeps no
# empty folder, and leaves no file behind.
mkdir -p "$tmp/fresh"
in_own_group make -s --no-print-directory compare TRACES= CASES=frag CURES= ALLOCS=glibc REPS=1 SCALE=0.02 IDLE_MS=4000 \
    JOBS=1 RESULTS="$tmp/fresh" PLOTS="$tmp/fresh/plots" PLOT_DATA="$tmp/fresh/plot-data" >"$tmp/fresh.out" 2>&1 &
group=$!
wait_until 60 test -f "$tmp/fresh/compare.csv.tmp"
sleep 0.5
signal_group TERM "$group"
wait "$group"
code=$?
expect make_compare_stopped_before_any_run_finished_says_there_was_nothing_earlier \
    "exit $code; $(tail -n 2 "$tmp/fresh.out"); left: $(ls "$tmp/fresh")" \
    "$code" = 143 -a "$(ls "$tmp/fresh" | grep -v -c '^plots$')" = 0 -a \
    "$(grep -c "^fragbench: stopped by SIGTERM: no run had finished; there were no earlier results in $tmp/fresh\$" "$tmp/fresh.out")" = 1

# ---- The same with a second SIGTERM to make compare's shell as it cleans up (make -j sends one to its recipes when it
# gets its own, sometimes later; a second Ctrl-C is the same): the clean-up ends all the same. It once killed the
# shell half way, leaving the .tmp files and no word (under make test's -j2, one run in three).
mkdir -p "$tmp/twice"
in_own_group make -j2 -s --no-print-directory compare TRACES= CASES=frag CURES= ALLOCS=glibc REPS=1 SCALE=0.02 IDLE_MS=4000 \
    JOBS=1 RESULTS="$tmp/twice" PLOTS="$tmp/twice/plots" PLOT_DATA="$tmp/twice/plot-data" >"$tmp/twice.out" 2>&1 &
group=$!
wait_until 60 test -f "$tmp/twice/compare.csv.tmp"
sleep 0.5
recipe=$(pgrep -g "$group" -f scripts/compare.sh | head -n 1)
signal_group TERM "$group"
sleep 0.01
[ -n "$recipe" ] && kill -TERM "$recipe" 2>/dev/null
wait "$group"
code=$?
expect make_compare_stopped_twice_cleans_up_all_the_same \
    "exit $code, recipe shell ${recipe:-not found}; $(tail -n 2 "$tmp/twice.out"); left: $(ls "$tmp/twice")" \
    "$code:${recipe:+found}:$(ls "$tmp/twice" | grep -v -c '^plots$'):$(grep -c "^fragbench: stopped by SIGTERM: no run had finished; there were no earlier results in $tmp/twice\$" "$tmp/twice.out")" = "143:found:0:1"

# ---- make compare stopped while it draws (once its plot data folder is made): its rows and machine facts go to
# their folder, and it says the plots are part drawn. Three cases under two profiles: a dozen plots, a second or
# more of drawing even on a fast day, for the signal to land in.
in_own_group make -s --no-print-directory compare TRACES= CASES="frag lists extend" CURES= ALLOCS="glibc jemalloc-decay0" \
    REPS=1 SCALE=0.02 IDLE_MS=0 JOBS=2 RESULTS="$tmp/fresh" PLOTS="$tmp/fresh/plots" PLOT_DATA="$tmp/fresh/plot-data" \
    >"$tmp/drawing.out" 2>&1 &
group=$!
wait_until 60 test -d "$tmp/fresh/plot-data"
signal_group INT "$group"
wait "$group"
code=$?
expect make_compare_stopped_while_drawing_says_the_plots_are_part_drawn \
    "exit $code; $(tail -n 3 "$tmp/drawing.out"); interrupted: $(ls "$tmp"/fresh/interrupted-* 2>&1 | tr '\n' ' ')" \
    "$code" = 130 -a "$(ls "$tmp"/fresh/interrupted-*/machine.txt "$tmp"/fresh/interrupted-*/compare.csv 2>/dev/null | grep -c .)" = 2 -a \
    "$(grep -c "^fragbench: the plots in $tmp/fresh/plots were part drawn from this matrix: 'make slides' draws them again from the results in place\$" "$tmp/drawing.out")" = 1

# ---- make compare's make alone sent SIGTERM (as kill PID does; make passes it to its recipe's shell only): the shell
# stops at once, its runner with it. It once waited for the runner to end every run first (minutes of the default
# matrix): the second case's run here would have been made.
cp "$tmp/cu/compare.csv" "$tmp/cu-before.csv"
in_own_group make -s --no-print-directory compare TRACES= CASES="frag lists" CURES= ALLOCS=glibc REPS=1 SCALE=0.02 \
    IDLE_MS=4000 JOBS=1 RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >"$tmp/make-term.out" 2>&1 &
group=$!
wait_until 60 test -f "$tmp/cu/compare.csv.tmp"
sleep 0.5
kill -TERM "$group"
wait "$group"
code=$?
expect make_compare_whose_make_alone_is_stopped_stops_at_once \
    "exit $code; $(tail -n 3 "$tmp/make-term.out")" \
    "$((code != 0)):$(grep -c '\[2/2\]' "$tmp/make-term.out"):$(cmp -s "$tmp/cu-before.csv" "$tmp/cu/compare.csv" && echo same):$(grep -c "^fragbench: stopped by SIGTERM: .*the earlier results in $tmp/cu are back in place" "$tmp/make-term.out")" \
    = "1:0:same:1"

# ---- make compare killed outright (SIGKILL to its group, as the machine's end would): the next make compare in
# that folder puts the earlier results back and the killed one's finished rows aside before anything else (here
# before it refuses its bad input). They were left in a temporary folder, and nothing said so.
rm -rf "$tmp"/cu/interrupted-*
in_own_group make -s --no-print-directory compare TRACES= CASES="frag lists" CURES= ALLOCS=glibc REPS=1 SCALE=0.02 \
    IDLE_MS=0 JOBS=1 RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >"$tmp/killed.out" 2>&1 &
group=$!
wait_until 60 grep -q '\[1/2\]' "$tmp/killed.out"
signal_group KILL "$group"
wait "$group"
left=$(ls -a "$tmp/cu" | grep -c '^\.earlier\.')
make -s --no-print-directory compare TRACES= CASES=nosuchcase ALLOCS=glibc REPS=1 SCALE=0.02 IDLE_MS=0 \
    RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >"$tmp/after-kill.out" 2>&1
expect make_compare_after_one_killed_outright_puts_the_earlier_results_back \
    "$left left aside; $(head -n 2 "$tmp/after-kill.out"); interrupted: $(ls "$tmp"/cu/interrupted-* 2>&1 | tr '\n' ' ')" \
    "$left:$(cmp -s "$tmp/cu-before.csv" "$tmp/cu/compare.csv" && echo same):$(ls -a "$tmp/cu" | grep -c '^\.earlier\.'):$(grep -c "^fragbench: a make compare in $tmp/cu was killed before it ended: the earlier results in $tmp/cu are back in place; its finished rows are in $tmp/cu/interrupted-[0-9]*-[0-9]*/\$" "$tmp/after-kill.out"):$(grep -q ',ok,' "$tmp"/cu/interrupted-*/compare.csv 2>/dev/null && echo rows)" \
    = "1:same:0:1:rows"

# ---- One make compare at a time in a folder: a second, while the first holds its lock, is refused before it moves a
# file (two at once each moved the other's results aside, and both said done over one's rows).
flock "$tmp/cu/.compare.lock" sleep 30 &
holder=$!
wait_until 10 sh -c "! flock -n '$tmp/cu/.compare.lock' true"
make -s --no-print-directory compare TRACES= CASES=frag CURES= ALLOCS=glibc REPS=1 SCALE=0.02 IDLE_MS=0 \
    RESULTS="$tmp/cu" PLOTS="$tmp/cu/plots" PLOT_DATA="$tmp/cu/plot-data" >"$tmp/locked.out" 2>&1
code=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
expect a_second_make_compare_in_one_folder_is_refused "exit $code: $(cat "$tmp/locked.out")" \
    "$(cmp -s "$tmp/cu-before.csv" "$tmp/cu/compare.csv" && echo same):$(grep -c "^fragbench: another make compare is running in $tmp/cu (it holds $tmp/cu/.compare.lock): wait for it, or give RESULTS=DIR; nothing ran\$" "$tmp/locked.out")" \
    = "same:1"

# ---- The replay slide's check of the replays under the recorded profile, from the reference's jq rows: one rep
# made to grow 200 MB at Exit, the next rep without its Start, which is not checked (its growth would be measured
# from a later row). The furthest miss is named with its own row (the label once pointed into the rows of the rep
# read after it: "at Replay end").
mkdir -p "$tmp/fidelity"
tr -d '\r' <results/compare.csv | awk -F, 'BEGIN { OFS = "," } NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; print; next }
    $at["case"] != "jq" || $at["alloc"] != "glibc" { next }
    $at["rep"] == 2 && $at["phase"] == "Start" { next }
    $at["rep"] == 1 && $at["phase"] == "Exit" { $at["anon_kb"] = 200000 }
    { print }' >"$tmp/fidelity/compare.csv"
build/fb-report --results="$tmp/fidelity" >/dev/null 2>"$tmp/fidelity.err"
got=$(grep '^Checked against the recording' "$tmp/fidelity/slides.md")
expect replay_slide_names_the_furthest_misses_own_row "$(cat "$tmp/fidelity.err") $got" \
    "$(echo "$got" | grep -c '1 of 1 replay missed it; the furthest, rep 1, grew by [0-9]* kB of anonymous RSS at Exit where the recording grew by [0-9]* kB')" = 1
# The same rows unchanged but rep 2's Start: the one rep checked is within it, and the other is said to be unchecked.
tr -d '\r' <results/compare.csv | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; print; next }
    $at["case"] != "jq" || $at["alloc"] != "glibc" { next } $at["rep"] == 2 && $at["phase"] == "Start" { next } { print }' \
    >"$tmp/fidelity/compare.csv"
build/fb-report --results="$tmp/fidelity" >/dev/null 2>"$tmp/fidelity.err"
got=$(grep '^Checked against the recording' "$tmp/fidelity/slides.md")
expect replay_slide_says_which_reps_it_could_not_check "$(cat "$tmp/fidelity.err") $got" \
    "$(echo "$got" | grep -c "the 1 replay checked is within it at every such row (1 other lacks the recording's rows from Start on)")" = 1
