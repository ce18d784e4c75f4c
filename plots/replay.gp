# A replayed trace: RSS over the trace's events (the share made before each row; results from before the
# trace_events column: over the recorded run's time), one line per profile's replay, the recorded run's own RSS
# (black: at its rows, and every 5% of its events where it was sampled near, from 2026-12-06) and its live heap
# (dashed). Run by plots/render.sh: gnuplot -c plots/replay.gp FORMAT OUTPUT SETTINGS
# (svg plots/jq-replay.svg build/plot-data/jq-replay.gp)
fmt = ARG1
outfile = ARG2
load ARG3
width = 1200
height = 620
load "plots/style.gp"
set xlabel xlabel
set ylabel "RSS (MiB)"
if (by_events) { set xrange [0:100]; set xtics 10 } else { set xrange [0:*] }
set yrange [0:*]
set key outside right top vertical title "replayed under"
set bmargin 7
# The recording's two lines where any row has them (a trace cut before its rows has no recorded RSS: a line of no
# points made gnuplot warn); settings from before these two flags draw both.
if (!exists("has_live")) has_live = 1
if (!exists("has_recorded_rss")) has_recorded_rss = 1
lines = "plot for [i = 4:series + 3] datafile using 1:i with linespoints linewidth 2 pointtype 7 pointsize 0.5 title columnheader(i)"
if (has_live) lines = lines . ", datafile using 1:2 with lines linewidth 2 dashtype 2 linecolor rgb \"#000000\" title \"live heap (recorded)\""
if (has_recorded_rss) lines = lines . ", datafile using 1:3 with linespoints linewidth 2 pointtype 7 pointsize 1.2 linecolor rgb \"#000000\" title \"RSS, recorded run\""
eval lines
