# Shared look of fragbench's plots: terminal by format, white background, twelve distinct colours, footnote.
# Expects: fmt ("svg" or "png"), outfile, width, height, and title and footnote from the settings file.
if (fmt eq "svg") {
    set terminal svg size width,height font "DejaVu Sans,12" background rgb "white"
} else {
    set terminal pngcairo size width,height font "DejaVu Sans,10" background rgb "white"
}
set termoption noenhanced # names like x86_64 are text, not subscripts
set output outfile
set title title font ",14"
# The footnote's first line is placed so that its last ends just above the bottom edge (12 px a line at ",8"):
# at a fixed height, a fourth line, the allocator versions' last, fell off the image.
footnote_lines = 1
rest = footnote
while (strstrt(rest, "\n") > 0) { footnote_lines = footnote_lines + 1; rest = rest[strstrt(rest, "\n") + 1:] }
footnote_top = (footnote_lines * 12.0 + 2) / height
set label 100 footnote at screen 0.01, screen footnote_top left font ",8" textcolor rgb "#555555"
set datafile separator "\t"
set datafile missing "?"
set style fill solid 0.9 border rgb "#333333"
set grid ytics linecolor rgb "#dddddd"
set border 3
set tics nomirror
colours = "#1f77b4 #aec7e8 #6baed6 #d62728 #ff9896 #e377c2 #2ca02c #98df8a #9467bd #c5b0d5 #8c564b #7f7f7f"
do for [i=1:12] { set linetype i linecolor rgb word(colours, i) }
