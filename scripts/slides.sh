#!/bin/sh
# make slides: summary.csv, slides.md and the plots again from RESULTS/compare.csv; nothing is re-run.
# Reads RESULTS, PLOTS and PLOT_DATA from the environment (the Makefile sets them).
set -eu
cd "$(dirname "$0")/.."
[ -f "$RESULTS/compare.csv" ] || { echo "fragbench: no $RESULTS/compare.csv: run make compare first" >&2; exit 2; }
rm -rf "$PLOT_DATA"
mkdir -p "$PLOT_DATA"
build/fb-report --results="$RESULTS" --plot-data="$PLOT_DATA"
# Plots of cases no longer in the results must not stay beside the new ones: remove what fragbench could have drawn.
for name in retained $(build/fragbench --list=cases); do
    rm -f "$PLOTS/$name.svg" "$PLOTS/$name.png" "$PLOTS/$name-timeline.svg" "$PLOTS/$name-timeline.png"
done
plots/render.sh "$PLOT_DATA" "$PLOTS"
