"""What the talk's three scripts share: alloc(n), report(label), the command line and the tail phases.

alloc(n) makes n distinct strings of 5 000 characters: above pymalloc's 512-byte limit, so each one is its
own malloc() (see ../docs/cases.md). Every string is built at run time, so none is shared or folded.
"""
import argparse
import sys

import fragbench

STRING_CHARS = 5000


def alloc(n, first=0):
    return [("%08d" % i) * (STRING_CHARS // 8) for i in range(first, first + n)]


def live(objects):
    """(bytes, count) of the strings and lists the script holds, by CPython's own sizes."""
    total, count = 0, 0
    for obj in objects:
        if isinstance(obj, list):
            total += sys.getsizeof(obj) + sum(sys.getsizeof(s) for s in obj)
            count += 1 + len(obj)
        else:
            total += sys.getsizeof(obj)
            count += 1
    return total, count


def alloc_compact(n, first=0):
    """The same n strings' characters held compactly: one buffer of n x 5 000 bytes, item i at i x 5 000.

    One allocation above every mmap threshold, so freeing it unmaps it; each item is built and copied in turn,
    its temporaries freed at once, so the heap never holds more than one of them.
    """
    buffer = bytearray(n * STRING_CHARS)
    for i in range(n):
        start = i * STRING_CHARS
        buffer[start:start + STRING_CHARS] = (("%08d" % (first + i)) * (STRING_CHARS // 8)).encode()
    return buffer


def report(label, *held, child_peak_kb=None):
    """The talk's report(): one phase, printed as the talk printed it when run alone."""
    live_bytes, allocs = live(held)
    fragbench.phase(label, live_bytes, allocs, echo=True, child_peak_kb=child_peak_kb)


def say(text):
    """A line of the talk's own output beyond the phases: printed only when run alone (the runner keeps its own)."""
    if fragbench._report_fd() is None:
        print(text, flush=True)


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the working set (default 1, the talk's)")
    parser.add_argument("--idle-ms", type=int, default=1000, help="sleep before 'After idle' (default 1000)")
    args = parser.parse_args()
    if not 0 < args.scale <= 1000 or args.idle_ms < 0:
        parser.error("--scale must be in (0, 1000] and --idle-ms at least 0")
    return args


def tail(idle_ms, *held, mark=None):
    """The tail every fragbench case ends with: After idle, then the allocator's release call and After release.

    mark(label) reports each phase instead of report(label, *held) (frag_debug.py: the heap's own total)."""
    mark = mark or (lambda label: report(label, *held))
    fragbench.idle(idle_ms)
    mark("After idle")
    fragbench.release()
    mark("After release")
