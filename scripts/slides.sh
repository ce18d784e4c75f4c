#!/bin/sh
# make slides: summary.csv, slides.md and the plots again from RESULTS/compare.csv; nothing is re-run.
# Reads RESULTS, PLOTS and PLOT_DATA (empty: a directory of its own, removed after) from the environment (the
# Makefile sets them).
set -eu
cd "$(dirname "$0")/.."
[ -f "$RESULTS/compare.csv" ] || { echo "fragbench: no $RESULTS/compare.csv: run make compare first" >&2; exit 2; }
if [ -z "${PLOT_DATA:-}" ]; then
    PLOT_DATA=$(mktemp -d)
    trap 'rm -rf "$PLOT_DATA"' EXIT
else
    rm -rf "$PLOT_DATA"
    mkdir -p "$PLOT_DATA"
fi
# The slides show a trace's replay plot from PLOTS, reached from RESULTS (../plots for the committed ones).
build/fb-report --results="$RESULTS" --plot-data="$PLOT_DATA" --plots-link="$(realpath -m --relative-to="$RESULTS" "$PLOTS")"
# Plots of cases or traces no longer in the results must not stay beside the new ones: remove what the last
# drawing listed (plots/render.sh's drawn.txt; images only, named in PLOTS itself), and what fragbench could have
# drawn for any case it knows.
if [ -f "$PLOTS/drawn.txt" ]; then
    while IFS= read -r image; do
        case $image in
            */* | .*) ;;
            *.svg | *.png) rm -f "$PLOTS/$image" ;;
        esac
    done <"$PLOTS/drawn.txt"
fi
for name in retained $(build/fragbench --list=cases); do
    for kind in "" -timeline -waste; do rm -f "$PLOTS/$name$kind.svg" "$PLOTS/$name$kind.png"; done
done
plots/render.sh "$PLOT_DATA" "$PLOTS"
