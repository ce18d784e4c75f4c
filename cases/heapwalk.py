"""What the Python heap holds, as the talk's Guppy (hpy().heap()) showed it, with the standard library only.

The objects are those the garbage collector tracks (containers) and every object they refer to directly (strings,
numbers, bytes: what the collector does not track), each counted once; the size of each is sys.getsizeof().
partition_in_child() walks in a forked copy of the process, so that the walk's own allocations stay out of the
heap it describes.
"""
import gc
import sys

import forked


def partition():
    """(count, total bytes, [(kind, count, bytes)] largest first) of the objects the heap holds now."""
    tracked = gc.get_objects()
    seen = set(map(id, tracked))
    kinds = {}
    # The walk's own list and set are not the program's: they are left out.
    skip = {id(tracked), id(seen), id(kinds)}

    def count(obj):
        kind = type(obj).__name__
        entry = kinds.get(kind)
        if entry is None:
            entry = kinds[kind] = [0, 0]
        entry[0] += 1
        entry[1] += sys.getsizeof(obj)

    for obj in tracked:
        if id(obj) in skip:
            continue
        count(obj)
        for referent in gc.get_referents(obj):
            if id(referent) not in seen and not gc.is_tracked(referent):
                seen.add(id(referent))
                count(referent)
    rows = sorted(((kind, n, size) for kind, (n, size) in kinds.items()), key=lambda row: -row[2])
    total_count = sum(n for _, n, _ in rows)
    total_size = sum(size for _, _, size in rows)
    del tracked, seen, kinds
    return total_count, total_size, rows


def block(total_count, total_size, rows, top=3):
    """The talk's Guppy block: the partition line, the total, and the largest kinds by size."""
    lines = ["Partition of a set of %d objects. Total size = %d bytes." % (total_count, total_size),
             " Index  Count   %     Size   % Cumulative  % Kind"]
    cumulative = 0
    for index, (kind, n, size) in enumerate(rows[:top]):
        cumulative += size
        lines.append("%6d %6d %3d %8d %3d %10d %3d %s" % (
            index, n, n * 100 // max(total_count, 1), size, size * 100 // max(total_size, 1),
            cumulative, cumulative * 100 // max(total_size, 1), kind))
    return "\n".join(lines)


def partition_in_child(top=3):
    """partition() as a forked child sees the heap, its largest `top` kinds only: the parent allocates nothing big."""
    def walk():
        count, size, rows = partition()
        return ("%d %d\n" % (count, size) + "".join("%s %d %d\n" % row for row in rows[:top])).encode()

    lines = forked.run(walk, "heapwalk")[0].decode().splitlines()
    count, size = map(int, lines[0].split())
    rows = [(kind, int(n), int(bytes_)) for kind, n, bytes_ in (line.split() for line in lines[1:])]
    return count, size, rows
