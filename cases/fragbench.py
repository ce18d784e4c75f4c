"""fragbench's phase API for Python programs: phase("After del") reports this process's memory to the runner.

Under the fragbench runner (FRAGBENCH_FD set), each phase() sends one record over the runner's pipe
(the format is in docs/results.md, "The record protocol"). Without the runner, phase() does nothing and costs a
single check, unless echo=True: then it prints the talk's line, "After del: 501484 kB used".
Standard library only.
"""
import os
import stat
import sys
import time

_FD_VARIABLE = "FRAGBENCH_FD"
_PID_VARIABLE = "FRAGBENCH_PID"
_PROTOCOL = 1
_START = time.clock_gettime(time.CLOCK_MONOTONIC)
_PAGE_KB = os.sysconf("SC_PAGESIZE") // 1024
_state = {"started": False, "fd": None, "owner": None, "pipe": None, "seq": 0, "allocator": None, "trace_mark": None,
          "trace_release": None, "slow_view_ns": 0, "last_slow_view_ns": 0}
# The allocator's view at a phase, within probe.c's budget: read only while the views of 1 ms or more so far, and one
# more as long as the last, would take at most 0.1 s and a twentieth of the run's time.
_VIEW_SLOW_NS = 1000000
_VIEW_FREE_NS = 100000000
_VIEW_BUDGET_DIVISOR = 20




def _elapsed_us():
    """Microseconds since the runner started the program (FRAGBENCH_T0_US), else since this module loaded."""
    t0 = os.environ.get("FRAGBENCH_T0_US", "")
    now = time.clock_gettime(time.CLOCK_MONOTONIC)
    if t0.isdigit():
        return max(0, int(now * 1e6) - int(t0))
    return int((now - _START) * 1e6)


def _pipe_identity(fd):
    """(device, inode) of fd if it is a pipe, else None."""
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISFIFO(st.st_mode) else None


def _report_fd():
    text = os.environ.get(_FD_VARIABLE, "")
    # A program the runner's process started (sh -c 'python3 prog.py; ...') inherits both: it is not the one measured.
    measured = os.environ.get(_PID_VARIABLE, str(os.getpid())) == str(os.getpid())
    if not measured or not text.isdigit() or _pipe_identity(int(text)) is None:
        return None
    return int(text)


# The allocators fragbench knows. Each setup function takes the ctypes library of the object that serves malloc
# and returns (version, release call, view): the calls are closures over functions resolved here, at start, so
# that no later report or release makes an object that lasts. A view returns (in use, free, from the OS) in
# bytes, None where the allocator does not tell. Mirrors cases/lib/allocator.c.
def _jemalloc(lib):
    import ctypes
    mallctl = lib.mallctl
    mallctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p,
                        ctypes.c_size_t]
    text = ctypes.c_char_p()
    size = ctypes.c_size_t(ctypes.sizeof(text))
    ok = mallctl(b"version", ctypes.byref(text), ctypes.byref(size), None, 0) == 0 and text.value
    version = text.value.decode().split("-")[0] if ok else ""

    def stat(name):
        value, length = ctypes.c_size_t(), ctypes.c_size_t(ctypes.sizeof(ctypes.c_size_t))
        return value.value if mallctl(name, ctypes.byref(value), ctypes.byref(length), None, 0) == 0 else None

    def view():
        """stats.allocated; free: resident pages holding neither allocations nor metadata; stats.resident."""
        epoch, length = ctypes.c_uint64(1), ctypes.c_size_t(8)
        if mallctl(b"epoch", ctypes.byref(epoch), ctypes.byref(length), ctypes.byref(epoch), length) != 0:
            return None, None, None
        allocated, metadata, resident = stat(b"stats.allocated"), stat(b"stats.metadata"), stat(b"stats.resident")
        free = None if None in (allocated, metadata, resident) else max(resident - allocated - metadata, 0)
        return allocated, free, resident

    return version, lambda: mallctl(b"arena.4096.purge", None, None, None, 0), view


def _tcmalloc(lib):
    import ctypes
    tc_version, release, property_of = lib.tc_version, lib.MallocExtension_ReleaseFreeMemory, \
        lib.MallocExtension_GetNumericProperty
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_char_p()
    tc_version(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))

    def prop(name):
        value = ctypes.c_size_t()
        return value.value if property_of(name, ctypes.byref(value)) else None

    def view():
        """generic.current_allocated_bytes; from the OS: heap_size - pageheap_unmapped_bytes; free: the rest."""
        allocated, heap = prop(b"generic.current_allocated_bytes"), prop(b"generic.heap_size")
        unmapped = prop(b"tcmalloc.pageheap_unmapped_bytes")
        if heap is None or unmapped is None or unmapped > heap:
            return allocated, None, None
        held = heap - unmapped
        return allocated, None if allocated is None else max(held - allocated, 0), held

    return "%d.%d%s" % (major.value, minor.value, (patch.value or b"").decode()), release, view


def _mimalloc(lib):
    import ctypes
    mi_collect, process_info, v = lib.mi_collect, lib.mi_process_info, lib.mi_version()

    def view():
        """Only what mimalloc has committed (mi_process_info's current_commit)."""
        values = [ctypes.c_size_t() for _ in range(8)]
        process_info(*[ctypes.byref(value) for value in values])
        return None, None, values[5].value

    return "%d.%d.%d" % (v // 100, v // 10 % 10, v % 10), lambda: mi_collect(ctypes.c_bool(True)), view


def _glibc(lib):
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                         "fsmblks", "uordblks", "fordblks", "keepcost")]

    lib.gnu_get_libc_version.restype = ctypes.c_char_p
    malloc_trim = lib.malloc_trim
    malloc_trim.argtypes = [ctypes.c_size_t]
    try:
        mallinfo2 = lib.mallinfo2
        mallinfo2.restype = MallInfo2
    except AttributeError:  # before glibc 2.33
        mallinfo2 = None

    def view():
        """mallinfo2(): uordblks + hblkhd in use, fordblks free, arena + hblkhd from the OS."""
        info = mallinfo2()
        return info.uordblks + info.hblkhd, info.fordblks, info.arena + info.hblkhd

    return lib.gnu_get_libc_version().decode(), lambda: malloc_trim(0), view if mallinfo2 else None


# Name, the symbol that proves the allocator serves malloc (defined by the same object), its setup, and whether its
# view is read before a phase's sample as well as after (jemalloc: its first refresh and reads of its statistics
# make room that stays, 64 kB under CPython, which read only after the sample showed at every later row and at none
# before; as cases/lib/allocator.c does).
_ALLOCATORS = [
    ("jemalloc", "mallctl", _jemalloc, True),
    ("tcmalloc", "MallocExtension_GetNumericProperty", _tcmalloc, False),
    ("mimalloc", "mi_version", _mimalloc, False),
    ("glibc", "gnu_get_libc_version", _glibc, False),
]


def _defining_object():
    """(path, symbols) of the loaded object that defines the malloc this process binds to, or ("", None).

    The dynamic linker binds malloc to the first object in its search order (the link map: the program, the
    preloaded libraries, then their dependencies) whose own symbol table defines it, so that is read here, as
    cases/lib/allocator.c reads it. Not dladdr() of malloc's address: in a non-PIE interpreter such as Debian's
    /usr/bin/python3 that address is the interpreter's own PLT stub (an undefined symbol with the canonical
    address). Not ctypes.CDLL(path) either: dlopen() of libmimalloc.so.2 changes what mi_collect() gives back.
    symbols is an object whose attributes are the functions that object itself defines (AttributeError for
    the others), called at their exact addresses.
    """
    import ctypes
    wide = ctypes.sizeof(ctypes.c_void_p) == 8
    word, signed_word = (ctypes.c_uint64, ctypes.c_int64) if wide else (ctypes.c_uint32, ctypes.c_int32)

    class LinkMap(ctypes.Structure):
        pass

    LinkMap._fields_ = [("l_addr", ctypes.c_size_t), ("l_name", ctypes.c_char_p), ("l_ld", ctypes.c_void_p),
                        ("l_next", ctypes.POINTER(LinkMap)), ("l_prev", ctypes.POINTER(LinkMap))]

    class Dyn(ctypes.Structure):
        _fields_ = [("d_tag", signed_word), ("d_val", word)]

    class Sym(ctypes.Structure):
        _fields_ = ([("st_name", ctypes.c_uint32), ("st_info", ctypes.c_uint8), ("st_other", ctypes.c_uint8),
                     ("st_shndx", ctypes.c_uint16), ("st_value", word), ("st_size", word)] if wide else
                    [("st_name", ctypes.c_uint32), ("st_value", word), ("st_size", word), ("st_info", ctypes.c_uint8),
                     ("st_other", ctypes.c_uint8), ("st_shndx", ctypes.c_uint16)])

    DT_NULL, DT_HASH, DT_STRTAB, DT_SYMTAB, DT_GNU_HASH = 0, 4, 5, 6, 0x6ffffef5
    SHN_UNDEF, STT_FUNC, RTLD_DI_LINKMAP = 0, 2, 2

    def u32(address, index=0):
        return ctypes.c_uint32.from_address(address + 4 * index).value

    def tables(entry):
        """{tag: address} of the dynamic section entries read here, offsets made addresses as allocator.c does."""
        found, dyn = {}, entry.l_ld
        while dyn:
            item = Dyn.from_address(dyn)
            if item.d_tag == DT_NULL:
                break
            if item.d_tag in (DT_HASH, DT_STRTAB, DT_SYMTAB, DT_GNU_HASH):
                found[item.d_tag] = item.d_val + entry.l_addr if item.d_val < entry.l_addr else item.d_val
            dyn += ctypes.sizeof(Dyn)
        return found

    def lookup(entry, name):
        """The address of the function name if entry's object defines it itself, else None."""
        t = tables(entry)
        if DT_SYMTAB not in t or DT_STRTAB not in t:
            return None
        symtab, strtab, raw = t[DT_SYMTAB], t[DT_STRTAB], name.encode()

        def symbol(index):
            return Sym.from_address(symtab + index * ctypes.sizeof(Sym))

        def matches(index):
            return ctypes.string_at(strtab + symbol(index).st_name) == raw

        index = None
        if DT_GNU_HASH in t:
            table = t[DT_GNU_HASH]
            buckets_count, first, bloom_words = u32(table), u32(table, 1), u32(table, 2)
            buckets = table + 16 + bloom_words * ctypes.sizeof(word)
            chain = buckets + 4 * buckets_count
            wanted = 5381
            for byte in raw:
                wanted = (wanted * 33 + byte) & 0xffffffff
            candidate = u32(buckets, wanted % buckets_count) if buckets_count else 0
            while candidate >= first:
                chained = u32(chain, candidate - first)
                if (chained | 1) == (wanted | 1) and matches(candidate):
                    index = candidate
                    break
                if chained & 1:
                    break
                candidate += 1
        elif DT_HASH in t:
            table = t[DT_HASH]
            wanted = 0
            for byte in raw:
                wanted = (wanted << 4) + byte
                high = wanted & 0xf0000000
                wanted = (wanted ^ (high >> 24)) & ~high & 0xffffffff
            candidate = u32(table, 2 + wanted % u32(table)) if u32(table) else 0
            while candidate:
                if matches(candidate):
                    index = candidate
                    break
                candidate = u32(table, 2 + u32(table) + candidate)
        if index is None:
            return None
        entry_sym = symbol(index)
        if entry_sym.st_shndx == SHN_UNDEF or entry_sym.st_info & 0xf != STT_FUNC:
            return None
        return entry.l_addr + entry_sym.st_value

    class Symbols:
        """The functions one loaded object defines, as ctypes function pointers at their addresses."""

        def __init__(self, entry):
            self._entry = entry

        def __getattr__(self, name):
            address = lookup(self._entry, name)
            if address is None:
                raise AttributeError(name)
            function = ctypes.CFUNCTYPE(ctypes.c_int)(address)
            setattr(self, name, function)  # one pointer per function, made during set-up
            return function

    handle = ctypes.CDLL(None)._handle  # the program itself: dlopen(NULL), which loads nothing
    entry = ctypes.POINTER(LinkMap)()
    libc = ctypes.CDLL(None)
    libc.dlinfo.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    if libc.dlinfo(handle, RTLD_DI_LINKMAP, ctypes.byref(entry)) != 0:
        return "", None
    while entry and entry.contents.l_prev:
        entry = entry.contents.l_prev
    main = True
    while entry:
        # fragbench's recorder defines malloc but forwards every call to the next definer, which serves it.
        if lookup(entry.contents, "malloc") is not None and lookup(entry.contents, "fragbench_interposer") is None:
            path = os.readlink("/proc/self/exe") if main else (entry.contents.l_name or b"").decode()
            return path, Symbols(entry.contents)
        entry, main = entry.contents.l_next, False
    return "", None


def identify():
    """(name, version, object path, release function or None, view function or None, whether the view is read
    before a sample too) of the allocator that serves malloc here. Everything that lasts (ctypes, the library, its
    functions and structures) is made here, once."""
    path, lib = _defining_object()
    for name, signature, setup, view_before_sample in _ALLOCATORS if lib is not None else []:
        if hasattr(lib, signature):
            try:
                version, release, view = setup(lib)
            except (AttributeError, OSError, TypeError, ValueError):  # an export missing: name it, call nothing
                version, release, view = "", None, None
            return name, version, path, release, view, view_before_sample
    return "unknown", "", path, None, None, False


def _send(line):
    """Writes one record; if the pipe is gone or is no longer the runner's, stops reporting (never raises)."""
    fd = _state["fd"]
    if fd is None or os.getpid() != _state["owner"] or _pipe_identity(fd) != _state["pipe"]:
        _state["fd"] = None  # closed and reused, or a forked child: not the program the runner measures
        return
    data = (line.replace("\r", " ").replace("\n", " ").replace("\0", " ") + "\n").encode()
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        _state["fd"] = None


def _start():
    """Finds the runner's pipe once; under the runner, names the allocator in the hello record."""
    _state["started"] = True
    _state["fd"] = _report_fd()
    _state["owner"] = os.getpid()
    _state["pipe"] = _pipe_identity(_state["fd"]) if _state["fd"] is not None else None
    if _state["fd"] is not None:
        name, version, path = _allocator()[:3]
        _send("hello\tproto=%d\tallocator=%s\tversion=%s\tobject=%s\tpid=%d\texe=%s\truntime=%s"
              % (_PROTOCOL, name, version, path, os.getpid(), os.readlink("/proc/self/exe"),
                 _runtime()))


def _recorder_entry(name, returns_number):
    """An entry point of the recorder by name, in a recorded run (--record: FRAGBENCH_TRACE is set); else False."""
    if not os.environ.get("FRAGBENCH_TRACE"):
        return False
    import ctypes
    try:
        entry = getattr(ctypes.CDLL(None), name)  # dlopen(NULL): every loaded object, loads nothing
    except AttributeError:
        return False  # not preloaded after all (the program cleared LD_PRELOAD and exec'd)
    entry.restype, entry.argtypes = (ctypes.c_uint64 if returns_number else None), []
    return entry


def _trace_mark():
    """In a recorded run, places a mark among the recorder's events in this thread and returns its number; else 0.
    The time alone cannot place it: while one thread records, the recorder stamps its events with the kernel's
    coarse clock (a tick of 4 ms), so the calls made just after the mark would share its time and could be taken
    as before it.
    """
    if _state["trace_mark"] is None:
        _state["trace_mark"] = _recorder_entry("fragbench_trace_mark", True)
    return _state["trace_mark"]() if _state["trace_mark"] else 0


def _runtime():
    """The interpreter as it names itself: "CPython 3.11.2"."""
    name = {"cpython": "CPython", "pypy": "PyPy"}.get(sys.implementation.name, sys.implementation.name)
    return "%s %d.%d.%d" % ((name,) + tuple(sys.version_info[:3]))


def _allocator():
    if _state["allocator"] is None:
        _state["allocator"] = identify()
    return _state["allocator"]


# /proc files are read into this one buffer, made at import, before any workload. A report must make no
# object of malloc's size (above pymalloc's 512 bytes): freed, such a block sits in glibc's per-thread cache,
# which is never merged into the free top of the heap, so one made above a freed batch keeps the whole batch
# from being given back (tests/python.sh, "a report leaves the heap's top where it was").
_BUFFER = bytearray(4096)


def _read(path):
    """Reads path into _BUFFER; returns the length."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.readv(fd, [_BUFFER])
    finally:
        os.close(fd)


def _number_after(key, length, start=0):
    """The whole number after key (bytes) in _BUFFER[:length], and the offset after it; (None, start) if absent."""
    at = _BUFFER.find(key, start, length)
    if at < 0:
        return None, start
    at += len(key)
    while at < length and _BUFFER[at] in (9, 32):  # tabs and spaces
        at += 1
    end = at
    while end < length and 48 <= _BUFFER[end] <= 57:
        end += 1
    return int(_BUFFER[at:end]), end


def sample():
    """This process's memory in kB: vsz, rss (all resident), anon (RssAnon), file (RssFile) and hwm (VmHWM, the
    kernel's high-water mark of its RSS: a peak between two of the runner's samples)."""
    length = _read("/proc/self/statm")
    vsz, end = _number_after(b"", length)
    rss = _number_after(b" ", length, end)[0]
    length = _read("/proc/self/status")
    anon, file = _number_after(b"\nRssAnon:", length)[0], _number_after(b"\nRssFile:", length)[0]
    hwm = _number_after(b"\nVmHWM:", length)[0]
    return {"vsz_kb": vsz * _PAGE_KB, "rss_kb": rss * _PAGE_KB, "anon_kb": anon, "file_kb": file, "hwm_kb": hwm}


def phase(label, live_bytes=None, allocs=None, echo=False, memory=None, child_peak_kb=None):
    """Marks a phase: under the runner, sends one record; alone, prints the talk's line if echo.

    memory: a sample() taken earlier (e.g. before a heap walk whose result is live_bytes); child_peak_kb: the
    largest RSS of a child process that did the work (its ru_maxrss), so that nobody thinks the memory vanished.
    """
    if not _state["started"]:
        _start()
    if _state["fd"] is None and not echo:
        return
    # Under the runner, the allocator's view within its budget (glibc's mallinfo2 walks every free chunk: 27 ms a
    # mark in a heap of 150 000 of them); alone, nothing of the allocator's is looked up.
    view, view_before_sample = _allocator()[4:6] if _state["fd"] is not None else (None, False)
    slow = _state["slow_view_ns"] + _state["last_slow_view_ns"]
    viewing = view is not None and slow <= _VIEW_FREE_NS + _elapsed_us() * 1000 // _VIEW_BUDGET_DIVISOR
    before_sample_ns = 0
    if viewing and view_before_sample and memory is None:
        started = time.monotonic_ns()
        try:
            view()  # what it makes that lasts, made before the sample; its figures put aside
        except (AttributeError, OSError, TypeError, ValueError):
            pass
        before_sample_ns = time.monotonic_ns() - started
    memory = memory or sample()
    _state["seq"] += 1
    # At most 127 bytes of UTF-8 (the protocol's limit), cut on a character boundary.
    label = str(label).replace("\t", " ").replace("\0", " ").encode()[:127].decode(errors="ignore")
    if _state["fd"] is None:
        print("%s: %d kB used" % (label, memory["rss_kb"]), flush=True)
        return
    trace_mark = _trace_mark()
    fields = ["phase", "seq=%d" % _state["seq"], "label=" + label, "elapsed_us=%d" % _elapsed_us()]
    fields.append("t_ns=%d" % time.clock_gettime_ns(time.CLOCK_MONOTONIC))  # CLOCK_MONOTONIC: places the mark among a trace's events
    if trace_mark:
        fields.append("trace_mark=%d" % trace_mark)
    fields += ["%s=%d" % (key, memory[key]) for key in ("vsz_kb", "rss_kb", "anon_kb", "file_kb")]
    if memory.get("hwm_kb"):  # a sample taken by the caller may be of another shape
        fields.append("hwm_kb=%d" % memory["hwm_kb"])
    if live_bytes is not None and allocs is not None:
        fields += ["live_bytes=%d" % live_bytes, "allocs=%d" % allocs]
    if child_peak_kb is not None:
        fields.append("child_peak_kb=%d" % child_peak_kb)
    # Read after /proc, as the C probe does; an allocator that cannot tell leaves the fields out, and so does a view
    # past the budget.
    told = (None, None, None)
    if viewing:
        started = time.monotonic_ns()
        try:
            told = view()
        except (AttributeError, OSError, TypeError, ValueError):
            told = (None, None, None)
        took = time.monotonic_ns() - started + before_sample_ns
        if took >= _VIEW_SLOW_NS:
            _state["slow_view_ns"] += took
            _state["last_slow_view_ns"] = took
        for key, value in zip(("alloc_in_use_bytes", "alloc_free_bytes", "alloc_os_bytes"), told):
            if value is not None:
                fields.append("%s=%d" % (key, value))
    _send("\t".join(fields))


def idle(ms):
    """Sleeps ms; under the runner, first says so (an idle record), so that it may start another run meanwhile."""
    if not _state["started"]:
        _start()
    if _state["fd"] is not None:
        _send("idle\tidle_ms=%d" % ms)
    time.sleep(ms / 1000)


def release():
    """Calls the allocator's own release call (malloc_trim(0), arena purge, ReleaseFreeMemory, mi_collect).

    In a recorded run, then says so to the recorder (the call, made at the allocator's own address, bypasses it),
    so that a replay makes the release call of the allocator under test there.
    """
    release_call = _allocator()[3]
    if release_call:
        release_call()
    if _state["trace_release"] is None:
        _state["trace_release"] = _recorder_entry("fragbench_trace_release", False)
    if _state["trace_release"]:
        _state["trace_release"]()


# Under the runner, say hello at import: the runner counts the program's samples only once it has named its allocator.
if _report_fd() is not None:
    _start()
