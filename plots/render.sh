#!/bin/sh
# Draws every plot whose gnuplot settings fb-report wrote into DATA_DIR, as SVG and PNG in OUT_DIR.
# Usage: plots/render.sh DATA_DIR OUT_DIR   (make slides runs it); OUT_DIR/drawn.txt lists what it drew.
# A plot gnuplot cannot draw is said and left out; the others are drawn all the same, and the exit status is 1.
set -eu
data=$1
out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
drawn="$out/drawn.txt.new"
: >"$drawn"
failed=0
for settings in "$data"/*.gp; do
    [ -e "$settings" ] || continue # no plot at all: the pattern itself
    name=$(basename "$settings" .gp)
    # The script that draws it, named in its settings (a case may be named svc-replay: its name says nothing);
    # settings written before 2026-12-07 name none, and their name's ending tells.
    script=$(sed -n 's|^# drawn by \(plots/[a-z]*\.gp\)$|\1|p' "$settings" | head -n 1)
    [ -n "$script" ] || case $name in
        retained) script=plots/retained.gp ;;
        *-timeline) script=plots/timeline.gp ;;
        *-waste) script=plots/waste.gp ;;
        *-replay) script=plots/replay.gp ;;
        *) script=plots/bars.gp ;;
    esac
    for fmt in svg png; do
        # Arguments, not pasted text: any path works.
        if gnuplot -c "$script" "$fmt" "$out/$name.$fmt" "$settings"; then
            printf '%s\n' "$name.$fmt" >>"$drawn"
        else
            echo "render.sh: $out/$name.$fmt: gnuplot could not draw it from $settings (its message above)" >&2
            rm -f "$out/$name.$fmt"
            failed=1
        fi
    done
done
# The images drawn, one a line: make slides removes them before it draws again (a case or trace no longer in the
# results leaves none behind).
mv "$drawn" "$out/drawn.txt"
exit $failed
