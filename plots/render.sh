#!/bin/sh
# Draws every plot whose gnuplot settings fb-report wrote into DATA_DIR, as SVG and PNG in OUT_DIR.
# Usage: plots/render.sh DATA_DIR OUT_DIR   (make slides runs it); OUT_DIR/drawn.txt lists what it drew.
set -eu
data=$1
out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
drawn=""
for settings in "$data"/*.gp; do
    name=$(basename "$settings" .gp)
    case $name in
        retained) script=plots/retained.gp ;;
        *-timeline) script=plots/timeline.gp ;;
        *-waste) script=plots/waste.gp ;;
        *-replay) script=plots/replay.gp ;;
        *) script=plots/bars.gp ;;
    esac
    for fmt in svg png; do
        # Arguments, not pasted text: any path works.
        gnuplot -c "$script" "$fmt" "$out/$name.$fmt" "$settings"
        drawn="$drawn $name.$fmt"
    done
done
# The images drawn, one a line: make slides removes them before it draws again (a case or trace no longer in the
# results leaves none behind).
printf '%s\n' $drawn >"$out/drawn.txt"
