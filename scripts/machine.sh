#!/bin/sh
# Writes the facts a result depends on, one "key: value" a line: date, OS, kernel, THP, CPU, memory, allocator versions.
# Usage: scripts/machine.sh RUNNER > results/machine.txt
set -eu
runner=$1
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)
echo "date: $(date -u +%Y-%m-%d)"
echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "kernel: Linux $(uname -r) $(uname -m)"
echo "transparent huge pages: ${thp:-unknown}"
echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
echo "memory: $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
# The versions the allocators report themselves (the runner's check), and the Debian packages.
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
