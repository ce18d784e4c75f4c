# Retained RSS of every case x profile, as % of the run's peak, after del, after idle and after release.
# Run by plots/render.sh: gnuplot -c plots/retained.gp FORMAT OUTPUT SETTINGS (svg plots/retained.svg build/plot-data/retained.gp)
fmt = ARG1
outfile = ARG2
load ARG3
width = 1500
height = 680
load "plots/style.gp"
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9
set ylabel "RSS retained (% of the run's peak)"
set xlabel "case and profile"
set yrange [0:110]
set xtics rotate by -50 font ",9"
set key outside right top vertical
set bmargin 12
set linetype 1 linecolor rgb "#d62728"
set linetype 2 linecolor rgb "#ff7f0e"
set linetype 3 linecolor rgb "#2ca02c"
plot datafile using 2:xtic(1) title columnheader(2), '' using 3 title columnheader(3), '' using 4 title columnheader(4)
