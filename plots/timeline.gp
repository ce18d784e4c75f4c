# RSS over time of one case as small multiples: one panel per allocator family (its profiles, each its first clean rep), the same axes in
# every panel, each panel with its own phase marks (labelled grey lines, and a dot on each profile's line) and live bytes.
# Run by plots/render.sh: gnuplot -c plots/timeline.gp FORMAT OUTPUT SETTINGS (svg plots/frag-timeline.svg build/plot-data/frag-timeline.gp)
fmt = ARG1
outfile = ARG2
load ARG3
panel_height = 210            # pixels per panel at the PNG's size
width = 1200
height = panels * panel_height + 200
load "plots/style.gp"
unset title
set xrange [0:x_max * 1.02]
set yrange [0:y_max * 1.05]
set ytics nomirror
set key outside right top vertical Left reverse width 1 samplen 2.5
set style textbox opaque fillcolor rgb "#33ffffff" noborder margins 0.5,0.3
left = 80.0 / width
right = 1 - 215.0 / width     # room for each panel's key
top = 1 - 80.0 / height
bottom = 150.0 / height       # room for the time axis and the footnote
step = (top - bottom) / panels
# Within a panel: profile 1 blue, 2 orange, 3 green, 4 purple (the default setting of a family is always blue).
panel_colours = "#1f77b4 #ff7f0e #2ca02c #9467bd #8c564b #e377c2"
set multiplot title title font ",13"
set lmargin at screen left
set rmargin at screen right
do for [p = 1:panels] {
    set tmargin at screen top - (p - 1) * step - 0.012
    set bmargin at screen top - p * step + 0.012
    first = value("first_" . p)
    series = value("series_" . p)
    live = value("live_" . p)
    marks = value("marks_" . p)
    set key title value("family_" . p) font ",11"
    set ylabel "MiB"
    if (p == panels) { set format x "%g"; set xlabel "time since the program started (s)" } else { set format x ""; unset xlabel }
    # A family with more profiles than colours starts the colours again (its lines still differ by the key's order).
    do for [i = 1:series] { set linetype 100 + i linecolor rgb word(panel_colours, (i - 1) % words(panel_colours) + 1) }
    command = sprintf("plot for [i = 1:%d] datafile index %d + i - 1 using 1:2 with lines linewidth 2 linetype 100 + i title columnheader(1)", series, first)
    command = command . sprintf(", for [i = 1:%d] datafile index %d + i - 1 using 1:3 with points pointtype 7 pointsize 0.6 linetype 100 + i notitle", series, first)
    if (live >= 0) {
        command = command . sprintf(", datafile index %d using 1:2 with steps linewidth 2 dashtype 2 linecolor rgb \"#000000\" title columnheader(1)", live)
    }
    if (marks >= 0) {
        command = command . sprintf(", datafile index %d using 1:(0):(0):(y_max * 1.05) with vectors nohead dashtype 3 linecolor rgb \"#999999\" notitle", marks)
        command = command . sprintf(", datafile index %d using 1:2:3 with labels boxed rotate by 90 right offset -0.5,0 font \",8\" textcolor rgb \"#555555\" notitle", marks)
    }
    eval command
}
unset multiplot
