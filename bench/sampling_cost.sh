#!/bin/sh
# Measures what sampling from outside costs the measured program: paired runs of the same case, alternating
# plain / --interval-ms=20 (the default) / --interval-ms=1, comparing the case's own clock (its "After release"
# time, counted from its start) so that only the child's slowdown counts; and the runner's CPU time per sample.
# Usage: bench/sampling_cost.sh [PAIRS]   (default 30)
set -eu
cd "$(dirname "$0")/.."
pairs=${1:-30}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 "$pairs"); do
    # The order turns each time, so that no mode always runs first or after a given other.
    case $((i % 3)) in 0) order="0 20 1" ;; 1) order="20 1 0" ;; *) order="1 0 20" ;; esac
    for interval in $order; do
        if [ "$interval" -eq 0 ]; then set -- ; else set -- --interval-ms="$interval" --timeline="$tmp/t$interval.csv"; fi
        build/fragbench --quiet --alloc=glibc --scale=1 --idle-ms=0 "$@" --csv="$tmp/run.csv" frag
        tr -d '\r' <"$tmp/run.csv" | awk -F, -v i="$interval" '$6 == "After release" { print i, $7 }' >>"$tmp/times"
    done
done
# The median of the per-pair ratios: these page-fault-bound runs vary by +-10% on their own, and a mean
# would follow the outliers.
for interval in 20 1; do
    awk -v i="$interval" '$1 == 0 { plain[++p] = $2 } $1 == i { sampled[++s] = $2 }
        END { for (k = 1; k <= p; k++) print sampled[k] / plain[k] }' "$tmp/times" | sort -n >"$tmp/ratios$interval"
done
plain_ms=$(awk '$1 == 0 { t += $2; n++ } END { printf "%.1f", t / n }' "$tmp/times")
median() { awk '{ v[NR] = $1 } END { printf "%+.2f%%", ((v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 - 1) * 100 }' "$1"; }
echo "$pairs paired runs of frag at scale 1 (the case's own time to After release; plain: $plain_ms ms on average)"
echo "  median slowdown, sampled every 20 ms (default): $(median "$tmp/ratios20");  every 1 ms: $(median "$tmp/ratios1")"
# The runner's own CPU time per outside sample, from a long idle run sampled every millisecond.
/usr/bin/time -f "%U %S" -o "$tmp/cpu" build/fragbench --quiet --alloc=glibc --scale=0.01 --idle-ms=3000 \
    --interval-ms=1 --timeline="$tmp/long.csv" frag
rows=$(($(wc -l <"$tmp/long.csv") - 1))
awk -v rows="$rows" '{ printf "runner CPU per outside sample: %.1f us (%d samples, %.3f s user+system)\n", ($1 + $2) / rows * 1e6, rows, $1 + $2 }' "$tmp/cpu"
