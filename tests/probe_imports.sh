#!/bin/sh
# Checks that the phase probe's object files call nothing outside an allow-list: no malloc family, no stdio.
# Usage: tests/probe_imports.sh OBJECT...
set -u
# What measuring may call: system calls, string functions that never allocate, and the probe's own line writer.
# (fragbench.h's functions are inline: what they call shows up here.)
allowed="__errno_location _exit clock_gettime close fcntl fstat getenv getpid open read readlink write sysconf
strchr strlen strncmp strncpy strtol strtoull memcpy memset __stack_chk_fail
allocator_view allocator_before_sample dlsym"
# dlsym: fb_trace_mark looks up the recorder's mark once, and only in a recorded run (FRAGBENCH_TRACE set); a lookup
# that finds its name allocates nothing (tests/record.sh: no call between the shim's Start mark and a program's first).
# allocator_view calls the allocator's own statistics function (mallinfo2, mallctl, ...) through a pointer found
# at start; tests/probe_allocs.c and tests/alloc_view.sh check that it allocates nothing. allocator_before_sample
# reads the same view before a sample, under jemalloc only (its statistics' room made before the sample, in its own
# metadata, not by malloc: tests/alloc_view.sh checks the rows then move as the program alone does).

imports=$(nm -u "$@" | awk 'NF == 2 && $1 == "U" { print $2 }' | sort -u)
if [ -z "$imports" ]; then
    echo "FAIL: probe_imports_only_allowed_functions (nm found no imports in $*: the check would prove nothing)"
    exit 1
fi
unexpected=""
for symbol in $imports; do
    case " $(echo $allowed) " in
        *" $symbol "*) ;;
        *) unexpected="$unexpected $symbol" ;;
    esac
done
if [ -z "$unexpected" ]; then
    echo "PASS: probe_imports_only_allowed_functions"
else
    echo "FAIL: probe_imports_only_allowed_functions (the probe now calls:$unexpected; an allocation or stdio call here moves the heap it measures)"
    exit 1
fi
