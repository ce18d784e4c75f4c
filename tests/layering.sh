#!/bin/sh
# Checks the layering: trace/ (the recorder and the reader) builds from its own headers alone, and fb-replay from its
# own, trace/'s and the cases' library (the probe), never from the runner's or the report's.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# problems DIR INCLUDE-DIRS...: DIR's C files that do not compile (syntax only) with those directories alone on the
# include path, and its files that name a file elsewhere by a relative path; nothing when it keeps to its layer.
problems() {
    dir=$1
    shift
    includes=""
    for include in "$@"; do includes="$includes -I$include"; done
    for file in "$dir"/*.c; do
        # shellcheck disable=SC2086
        cc -std=gnu11 -fsyntax-only -Wall -Wextra -Werror $includes "$file" 2>/dev/null || printf 'needs more: %s; ' "$file"
    done
    grep -l '#include "\.\./' "$dir"/*.c "$dir"/*.h 2>/dev/null | sed 's/^/relative include: /; s/$/; /' | tr -d '\n'
}

got=$(problems trace trace)
expect trace_builds_from_its_own_headers_alone "$got" -z "$got"
got=$(problems replay replay trace cases/lib)
expect replay_builds_from_its_own_trace_and_the_probe_headers_alone "$got" -z "$got"
# The check itself, both halves, on a copy of trace/ beside a copy of runner/: a file that names the runner's header
# by a relative path (which compiles there: only the search for such paths finds it), and one that names it by its
# bare name, found only through an include path other than trace/'s (which does not compile with trace/'s alone).
mkdir "$tmp/trace" "$tmp/runner"
cp trace/*.h trace/*.c "$tmp/trace/"
cp runner/*.h "$tmp/runner/"
mkdir "$tmp/cases" && cp -r cases/lib "$tmp/cases/"
printf '/* planted */\n#include "../runner/options.h"\n' >"$tmp/trace/planted_relative.c"
printf '/* planted */\n#include "options.h"\n' >"$tmp/trace/planted_bare.c"
got=$(problems "$tmp/trace" "$tmp/trace")
expect the_layering_check_finds_a_trace_file_that_includes_the_runner "$got" \
    "$(echo "$got" | grep -c 'relative include: [^;]*planted_relative.c'):$(echo "$got" | grep -c 'needs more: [^;]*planted_bare.c'):$(echo "$got" | grep -c 'needs more: [^;]*planted_relative.c')" = 1:1:0
