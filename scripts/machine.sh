#!/bin/sh
# Writes the facts a result depends on, one "key: value" a line: date, OS, kernel, THP, CPU, memory, what can take
# memory back behind the allocator's back, the Python interpreter, allocator versions.
# Usage: scripts/machine.sh RUNNER [PYTHON] > results/machine.txt
set -eu
runner=$1
python=${2:-python3}
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)
echo "date: $(date -u +%Y-%m-%d)"
echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "kernel: Linux $(uname -r) $(uname -m)"
echo "transparent huge pages: ${thp:-unknown}"
echo "cpu: $(awk '/^model name/ { sub(/^[^:]*: /, ""); print; exit }' /proc/cpuinfo), $(nproc) cores"
echo "memory: $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"

# What can change RSS without the allocator: reclaim to swap or zswap, DAMON's proactive reclaim, KSM merging,
# huge pages made or split (defrag, khugepaged), overcommit, and a cgroup memory limit.
# (No pipe that is left early: compare.sh, which runs this, ignores SIGPIPE, and the writer would say "write error".)
first() { sed -n 1p "$@" 2>/dev/null || true; }
bracketed() { sed -n 's/.*\[\(.*\)\].*/\1/p' "$1" 2>/dev/null; }
swap=$(awk 'NR > 1 { kb += $3 } END { print (kb > 0 ? int(kb / 1024) " MiB" : "none") }' /proc/swaps 2>/dev/null)
damon=""
for kdamond in /sys/kernel/mm/damon/admin/kdamonds/[0-9]*; do
    [ -d "$kdamond" ] || continue
    actions=$(cat "$kdamond"/contexts/*/schemes/*/action 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//')
    damon="$damon${damon:+, }$(first "$kdamond/state")${actions:+ ($actions)}"
done
[ -n "$damon" ] || damon=$([ -d /sys/kernel/mm/damon ] && echo "no kdamond" || echo "not built in")
case $(first /sys/kernel/mm/ksm/run) in 1) ksm=on ;; 0) ksm=off ;; 2) ksm="unmerging" ;; *) ksm=unknown ;; esac
case $(first /sys/module/zswap/parameters/enabled) in Y) zswap=on ;; N) zswap=off ;; *) zswap="not built in" ;; esac
case $(first /proc/sys/vm/overcommit_memory) in 0) overcommit="0 (heuristic)" ;; 1) overcommit="1 (always)" ;;
    2) overcommit="2 (never)" ;; *) overcommit=unknown ;; esac
cgroup_limit=none
memory_cgroup=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/self/cgroup 2>/dev/null)
unified=$(sed -n 's/^0::\(.*\)/\1/p' /proc/self/cgroup 2>/dev/null)
for limit_file in "/sys/fs/cgroup/memory$memory_cgroup/memory.limit_in_bytes" "/sys/fs/cgroup$unified/memory.max"; do
    limit=$(first "$limit_file")
    case $limit in ""|max) ;; *[!0-9]*) ;; *)
        [ "$limit" -lt 4611686018427387904 ] && cgroup_limit="$((limit / 1048576)) MiB" ;;
    esac
done
echo "reclaim behind the allocator: swap $swap, zswap $zswap, DAMON $damon, KSM $ksm," \
    "THP defrag $(bracketed /sys/kernel/mm/transparent_hugepage/defrag)," \
    "khugepaged defrag $(first /sys/kernel/mm/transparent_hugepage/khugepaged/defrag)," \
    "overcommit $overcommit, cgroup memory limit $cgroup_limit"
# The interpreter that runs the Python cases, as it names itself (each CSV row's runtime column says the same).
if interpreter=$("$python" -c 'import os, platform; print("CPython %s (%s)" % (platform.python_version(), os.path.realpath(os.readlink("/proc/self/exe"))))' 2>/dev/null); then
    echo "python: $interpreter"
fi
# The versions the allocators report themselves (the runner's check), with the Debian package from profiles.txt.
top=$(cd "$(dirname "$0")/.." && pwd)
"$runner" --list 2>/dev/null | awk '$2 == "installed" && !seen[$3]++ { print $3, $4 }' | while read -r name version; do
    package=$(sed -e 's/#.*//' "$top/profiles.txt" | awk -F'|' -v name="$name" '
        { gsub(/[ \t]/, "", $1); gsub(/[ \t]/, "", $3) } $1 == name { print $3 }')
    [ "$name" = glibc ] && package=libc6
    if [ -n "$package" ]; then
        echo "$name: $version ($package $(dpkg-query -W -f='${Version}' "$package" 2>/dev/null))"
    else
        echo "$name: $version"
    fi
done
