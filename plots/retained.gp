# Heatmap of the RSS retained by every case (row) x profile (column), as % of the run's largest RSS at a phase: after del, after release.
# Run by plots/render.sh: gnuplot -c plots/retained.gp FORMAT OUTPUT SETTINGS (svg plots/retained.svg build/plot-data/retained.gp)
fmt = ARG1
outfile = ARG2
load ARG3
cell = 46                     # pixels per cell at the PNG's size
width = 2 * columns * cell + 380
width = width < 1000 ? 1000 : width   # room for the title
height = rows * cell + 400
load "plots/style.gp"
unset title
unset grid
set border 0
set tics scale 0
set xtics rotate by 45 right offset 0.6,0
set xlabel "allocator profile" offset 0,0.5
set xrange [-0.5:columns - 0.5]
set yrange [rows - 0.5:-0.5]  # the first case at the top
set cbrange [0:100]
set palette defined (0 "#ffffe5", 20 "#fee391", 40 "#fe9929", 60 "#d95f0e", 80 "#a63603", 100 "#5a1a02")
set cblabel "RSS still resident, % of the largest at a phase" offset 0.5,0
set cbtics 20
set style fill solid 1.0 border rgb "white"
unset key
left = 150.0 / width          # room for the case names
gap = 40.0 / width
right = 1 - 130.0 / width     # room for the colour scale
top = 1 - 95.0 / height
bottom = 215.0 / height       # room for the profile names and the footnote
panel_width = (right - left - gap) / 2
set colorbox user origin screen right + 25.0 / width, screen bottom size screen 18.0 / width, screen top - bottom
set multiplot title title font ",14"
set tmargin at screen top
set bmargin at screen bottom
# The value at (column c, data row r) of a block; the block's first row is its header.
pct(c) = column(c + 1)
y_of(r) = r > 0 ? r - 1 : NaN
ink(v) = v >= 55 ? 0xffffff : 0x222222
do for [panel = 1:2] {
    set lmargin at screen left + (panel - 1) * (panel_width + gap)
    set rmargin at screen left + (panel - 1) * (panel_width + gap) + panel_width
    set label 1 value("panel_title_" . panel) at graph 0.5, graph 1 center offset 0,1.2 font ",12"
    set object 1 rectangle from graph 0, graph 0 to graph 1, graph 1 behind fillcolor rgb "#d9d9d9" fillstyle solid 1.0 noborder
    if (panel == 1) { unset colorbox; set ylabel "case" offset 1,0 } else { unset ytics; unset ylabel; set colorbox }
    plot for [c = 1:columns] datafile index panel - 1 using (c - 1):(y_of($0)):(0.5):(0.5):(pct(c)) \
             with boxxyerror fillcolor palette, \
         for [c = 1:columns] datafile index panel - 1 using (c - 1):(y_of($0)):(valid(c + 1) ? sprintf("%.1f", pct(c)) : ""):(ink(pct(c))) \
             with labels font ",10" textcolor rgb variable
}
unset multiplot
