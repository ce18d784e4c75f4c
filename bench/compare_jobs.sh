#!/bin/sh
# Compares the median RSS of every case x profile x phase in two results CSVs (e.g. --jobs=1 and --jobs=2),
# as a share of each run's largest RSS at a phase: shows whether running two at a time changed what was measured.
# Usage: bench/compare_jobs.sh ONE_AT_A_TIME.csv TWO_AT_A_TIME.csv
set -eu
cat "$1" "$2" | tr -d '\r' | awk -F, '
    $1 == "case" { file++; for (i = 1; i <= NF; i++) at[$i] = i; next }  # columns by name: any version of the CSV
    $at["status"] == "ok" {
        key = $at["case"] SUBSEP $at["alloc"] SUBSEP $at["phase"]
        rss = $at["rss_kb"]
        value[file, key, ++count[file, key]] = rss
        if (rss > peak[$at["case"] SUBSEP $at["alloc"]]) peak[$at["case"] SUBSEP $at["alloc"]] = rss
        keys[key] = 1
    }
    function median(f, k,    n, a, i, j, t) {
        n = count[f, k]
        for (i = 1; i <= n; i++) a[i] = value[f, k, i]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return (a[int((n + 1) / 2)] + a[int(n / 2) + 1]) / 2
    }
    END {
        for (k in keys) {
            if (!count[1, k] || !count[2, k]) { missing++; continue }
            split(k, part, SUBSEP)
            d = median(2, k) - median(1, k); if (d < 0) d = -d
            pct = d / peak[part[1] SUBSEP part[2]] * 100
            sum += pct; compared++
            if (pct >= worst) { worst = pct; worst_key = part[1] " " part[2] " " part[3]; worst_kb = d }
        }
        if (!compared) { print "no phase in both files"; exit 1 }
        printf "%d phases in both files (%d in one only); |difference of medians| as %% of the largest RSS of the run at a phase: mean %.2f%%, worst %.2f%% (%s, %d kB)\n",
            compared, missing, sum / compared, worst, worst_key, worst_kb
    }'
