# RSS over time of one case, one line per profile (rep 1), with the phase marks as labelled vertical lines.
# Run by plots/render.sh: gnuplot -c plots/timeline.gp FORMAT OUTPUT SETTINGS (svg plots/frag-timeline.svg build/plot-data/frag-timeline.gp)
fmt = ARG1
outfile = ARG2
load ARG3
width = 1200
height = 620
load "plots/style.gp"
set xlabel "time since the program started (s)"
set ylabel "RSS (MiB)"
set yrange [0:*]
set xrange [0:*]
set key outside right top vertical title "profile"
set bmargin 7
plot for [i=0:series-1] datafile index i using 1:2 with lines linewidth 2 title columnheader(1)
