# What became of the memory held before "After del", less what is still live, per profile of one case: stacked MiB.
# Run by plots/render.sh: gnuplot -c plots/waste.gp FORMAT OUTPUT SETTINGS (svg plots/frag-waste.svg build/plot-data/frag-waste.gp)
fmt = ARG1
outfile = ARG2
load ARG3
width = 1200
height = 620
load "plots/style.gp"
set style data histograms
set style histogram rowstacked
set boxwidth 0.7
set ylabel "MiB held before del, less what is live after (anonymous)"
set xlabel "profile"
set yrange [0:*]
set xtics rotate by -30
set key outside right top vertical
set bmargin 10
set linetype 1 linecolor rgb "#2ca02c"
set linetype 2 linecolor rgb "#d62728"
set linetype 3 linecolor rgb "#7f7f7f"
set linetype 4 linecolor rgb "#ff7f0e"
plot for [i=2:series+1] datafile using i:xtic(1) title columnheader(i)
