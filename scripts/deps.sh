#!/bin/sh
# Installs the Debian packages fragbench needs that are missing: the build tools and every allocator package named in profiles.txt.
# Usage: scripts/deps.sh [EXTRA_PACKAGE...]   (run as root, or it names what to install and exits 1)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

base="gcc make libc6-dev libtsan2 clang libclang-rt-dev file python3 valgrind time procps zstd"
allocators=$(sed -e 's/#.*//' "$top/profiles.txt" | awk -F'|' 'NF >= 3 { gsub(/[ \t]/, "", $3); if ($3 != "") print $3 }' | sort -u)
wanted="$base $allocators $*"

# One dpkg-query for them all (one per package took 0.6 s of every make compare, make test and make slides).
# shellcheck disable=SC2086 # the package list is split on purpose
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' $wanted 2>/dev/null | awk '$NF == "installed" { printf "%s ", $1 }' || true) "
missing=""
for pkg in $wanted; do
    case "$installed" in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "fragbench: missing Debian packages:$missing" >&2
    echo "fragbench: install them as root: apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
# One install at a time: make -j runs deps, deps-compare and deps-test side by side, and two apt-get at once fail
# on dpkg's lock. The one that waited checks again what is still missing.
if [ -z "${FRAGBENCH_DEPS_LOCKED:-}" ] && command -v flock >/dev/null; then
    lock_dir=/run/lock
    [ -d "$lock_dir" ] || lock_dir=/tmp
    FRAGBENCH_DEPS_LOCKED=1 exec flock "$lock_dir/fragbench-deps.lock" "$0" "$@"
fi
echo "fragbench: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086 # the package list is split on purpose
apt-get install -y -q --no-install-recommends $missing >/dev/null
