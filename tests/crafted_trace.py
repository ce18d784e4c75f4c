"""Small traces written by hand for the tests (format 1: no checks): one image, one thread's chunk, its end, rows."""
import struct

MALLOC, FREE, MARK = 0, 5, 11


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7f) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def block(kind, payload):
    return struct.pack('<II', kind, len(payload)) + payload


def encode(events):
    """events as write takes them, in the bytes of a chunk."""
    return b''.join(varint(gap << 4 | op) + b''.join(varint(field) for field in fields) for gap, op, *fields in events)


def write(path, events, thread=0, rows=(), end_ns=2000):
    """events: (ns after the previous event, op, its fields as the format has them: a pointer as its zigzagged
    difference + 1); rows: (mark, ns, live bytes, label).
    The image starts at 1000 ns and ends at end_ns."""
    image = struct.pack('<IIIIQQ', 4096, 1, 1, 0, 1000, 0) + b'/x\0'
    encoded = encode(events)
    chunk = struct.pack('<IIIIQ', thread, 0, 0, 0, 1000) + encoded
    end = struct.pack('<QII', end_ns, 0, 0)
    row_bytes = b''.join(struct.pack('<QQQQQ', mark, ns, 100, 0, live) + label.encode() + b'\0'
                         for mark, ns, live, label in rows)
    with open(path, 'wb') as out:
        out.write(b'FBTRACE\x01' + block(0x474d4921, image) + block(0x4b4e4843, chunk) + block(0x21444e45, end) +
                  (block(0x53574f52, row_bytes) if rows else b''))


def write_threads(path, threads, end_ns=1000000, bases=None):
    """threads: {thread: events}, each thread's events (as write's, or their bytes already encoded) in a chunk of
    its own, based at 1000 ns or at bases[thread]; the image ends at end_ns."""
    image = struct.pack('<IIIIQQ', 4096, 1, 1, 0, 1000, 0) + b'/x\0'
    end = struct.pack('<QII', end_ns, 0, 0)
    with open(path, 'wb') as out:  # block by block: a bytes object grown chunk by chunk took 10 s for 400 threads
        out.write(b'FBTRACE\x01' + block(0x474d4921, image))
        for thread, events in sorted(threads.items()):
            encoded = events if isinstance(events, bytes) else encode(events)
            base = bases[thread] if bases else 1000
            out.write(block(0x4b4e4843, struct.pack('<IIIIQ', thread, 0, 0, 0, base) + encoded))
        out.write(block(0x21444e45, end))
