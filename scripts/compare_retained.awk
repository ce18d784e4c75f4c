# Compares each cell's retained % of a check-reference run (here) with the reference's: both fb-report summary.csv.
# Usage: awk -F, -v here=SUMMARY -v timed=" NAMES " -v tolerance=N -v timed_tolerance=N -f scripts/compare_retained.awk \
#            REFERENCE_SUMMARY   (scripts/check_reference.sh runs it). Exit 0 every cell within its tolerance, 1 some
# cell off (or with no clean run here), 2 no cell to compare. A line per cell, then the count.
function load(file, into,   line, n, f, i, at) {
    while ((getline line < file) > 0) {
        sub(/\r$/, "", line)
        n = split(line, f, ",")
        if (!header_seen[file]++) { for (i = 1; i <= n; i++) at[f[i]] = i; continue }
        if (f[at["phase"]] != "After del" && f[at["phase"]] != "After release") continue
        into[f[at["case"]] SUBSEP f[at["alloc"]] SUBSEP f[at["phase"]]] = f[at["retained_pct"]]
    }
}
BEGIN { load(here, mine) }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
    key = $col["case"] SUBSEP $col["alloc"] SUBSEP $col["phase"]
    if (!(key in mine) || $col["retained_pct"] == "") next
    limit = index(timed, " " $col["alloc"] " ") ? timed_tolerance : tolerance
    if (mine[key] == "") { # no clean run of it here (every rep failed): off, not read as 0%
        printf "%-12s %-20s %-14s %9.1f %9s %8s %6s  %s\n", $col["case"], $col["alloc"], $col["phase"],
            $col["retained_pct"], "n/a", "", "±" limit, "OFF (no clean run here)"
        cells++; off++
        next
    }
    diff = mine[key] - $col["retained_pct"]
    bad = (diff > limit || -diff > limit)
    printf "%-12s %-20s %-14s %9.1f %9.1f %+8.1f %6s  %s\n", $col["case"], $col["alloc"], $col["phase"],
        $col["retained_pct"], mine[key], diff, "±" limit, bad ? "OFF" : "ok"
    cells++; off += bad
}
END {
    if (!cells) { print "fragbench: check-reference: no cell to compare" > "/dev/stderr"; exit 2 }
    printf "%d cells, %d off (tolerance ±%s points of retained %%, ±%s for the timed profiles:%s)\n",
        cells, off, tolerance, timed_tolerance, timed
    exit off > 0
}
