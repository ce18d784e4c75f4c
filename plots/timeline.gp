# RSS over time of one case, one line per profile (rep 1), with the phase marks as labelled vertical lines and,
# when the timeline has them, the first profile's live bytes at its marks as a dashed step line.
# Run by plots/render.sh: gnuplot -c plots/timeline.gp FORMAT OUTPUT SETTINGS (svg plots/frag-timeline.svg build/plot-data/frag-timeline.gp)
fmt = ARG1
outfile = ARG2
load ARG3
width = 1200
height = 620
load "plots/style.gp"
set xlabel "time since the program started (s)"
set ylabel "RSS, live bytes (MiB)"
set yrange [0:*]
set xrange [0:*]
set key outside right top vertical title "profile"
set bmargin 7
if (live) {
    plot for [i=0:series-1] datafile index i using 1:2 with lines linewidth 2 title columnheader(1), \
         datafile index series using 1:2 with steps linewidth 2 dashtype 2 linecolor rgb "#000000" title columnheader(1)
} else {
    plot for [i=0:series-1] datafile index i using 1:2 with lines linewidth 2 title columnheader(1)
}
