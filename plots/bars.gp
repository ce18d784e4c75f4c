# Grouped bars of one case: RSS (MiB) after each phase, one colour per profile.
# Run by plots/render.sh: gnuplot -c plots/bars.gp FORMAT OUTPUT SETTINGS (svg plots/frag.svg build/plot-data/frag.gp)
fmt = ARG1
outfile = ARG2
load ARG3
width = 1200
height = 620
load "plots/style.gp"
set style data histograms
set style histogram clustered gap 1.4
set boxwidth 0.92
set xlabel "phase"
set ylabel "RSS (MiB)"
set yrange [0:*]
set key outside right top vertical title "profile"
set bmargin 7
# Many phases (a replay's rows every 5%): their names slanted, so that neighbours do not run into each other.
stats datafile using 0 nooutput # row numbers: a profile without kept reps has only "?" in its column
if (STATS_records > 10) { set xtics rotate by 40 right; set bmargin 10 }
plot for [i=2:series+1] datafile using i:xtic(1) title columnheader(i)
