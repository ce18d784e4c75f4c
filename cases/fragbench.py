"""fragbench's phase API for Python programs: phase("After del") reports this process's memory to the runner.

Under the fragbench runner (FRAGBENCH_FD set), each phase() sends one record over the runner's pipe
(the format is in the README, "The record protocol"). Without the runner, phase() does nothing and costs a
single check, unless echo=True: then it prints the talk's line, "After del: 501484 kB used".
Standard library only.
"""
import os
import time

_FD_VARIABLE = "FRAGBENCH_FD"
_PROTOCOL = 1
_START = time.clock_gettime(time.CLOCK_MONOTONIC)
_PAGE_KB = os.sysconf("SC_PAGESIZE") // 1024
_state = {"started": False, "fd": None, "owner": None, "pipe": None, "seq": 0, "allocator": None}




def _elapsed_us():
    """Microseconds since the runner started the program (FRAGBENCH_T0_US), else since this module loaded."""
    t0 = os.environ.get("FRAGBENCH_T0_US", "")
    now = time.clock_gettime(time.CLOCK_MONOTONIC)
    if t0.isdigit():
        return max(0, int(now * 1e6) - int(t0))
    return int((now - _START) * 1e6)


def _pipe_identity(fd):
    """(device, inode) of fd if it is a pipe, else None."""
    import stat
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISFIFO(st.st_mode) else None


def _report_fd():
    text = os.environ.get(_FD_VARIABLE, "")
    if not text.isdigit() or _pipe_identity(int(text)) is None:
        return None
    return int(text)


# The allocators fragbench knows: a symbol that proves one serves malloc, its version, and its release call.
def _jemalloc_version(lib):
    import ctypes
    mallctl = lib.mallctl
    mallctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p,
                        ctypes.c_size_t]
    text = ctypes.c_char_p()
    size = ctypes.c_size_t(ctypes.sizeof(text))
    if mallctl(b"version", ctypes.byref(text), ctypes.byref(size), None, 0) != 0 or not text.value:
        return ""
    return text.value.decode().split("-")[0]


def _tcmalloc_version(lib):
    import ctypes
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_char_p()
    lib.tc_version(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
    return "%d.%d%s" % (major.value, minor.value, (patch.value or b"").decode())


def _mimalloc_version(lib):
    v = lib.mi_version()
    return "%d.%d.%d" % (v // 100, v // 10 % 10, v % 10)


def _glibc_version(lib):
    import ctypes
    lib.gnu_get_libc_version.restype = ctypes.c_char_p
    return lib.gnu_get_libc_version().decode()


def _jemalloc_view(lib):
    """stats.allocated; free: resident pages holding neither allocations nor metadata; stats.resident (see allocator.c)."""
    import ctypes
    epoch, size = ctypes.c_uint64(1), ctypes.c_size_t(8)
    if lib.mallctl(b"epoch", ctypes.byref(epoch), ctypes.byref(size), ctypes.byref(epoch), size) != 0:
        return None, None, None

    def stat(name):
        value, length = ctypes.c_size_t(), ctypes.c_size_t(ctypes.sizeof(ctypes.c_size_t))
        return value.value if lib.mallctl(name, ctypes.byref(value), ctypes.byref(length), None, 0) == 0 else None

    allocated, metadata, resident = stat(b"stats.allocated"), stat(b"stats.metadata"), stat(b"stats.resident")
    free = None if None in (allocated, metadata, resident) else max(resident - allocated - metadata, 0)
    return allocated, free, resident


def _tcmalloc_view(lib):
    """generic.current_allocated_bytes; from the OS: heap_size - pageheap_unmapped_bytes; free: the rest."""
    import ctypes

    def prop(name):
        value = ctypes.c_size_t()
        return value.value if lib.MallocExtension_GetNumericProperty(name, ctypes.byref(value)) else None

    allocated, heap = prop(b"generic.current_allocated_bytes"), prop(b"generic.heap_size")
    unmapped = prop(b"tcmalloc.pageheap_unmapped_bytes")
    if heap is None or unmapped is None or unmapped > heap:
        return allocated, None, None
    held = heap - unmapped
    return allocated, None if allocated is None else max(held - allocated, 0), held


def _mimalloc_view(lib):
    """Only what mimalloc has committed (mi_process_info's current_commit)."""
    import ctypes
    values = [ctypes.c_size_t() for _ in range(8)]
    lib.mi_process_info(*[ctypes.byref(v) for v in values])
    return None, None, values[5].value


def _glibc_view(lib):
    """mallinfo2(): uordblks + hblkhd in use, fordblks free, arena + hblkhd from the OS."""
    mallinfo2 = _state.get("mallinfo2")
    if mallinfo2 is None:  # the structure and the function's return type, once
        import ctypes

        class MallInfo2(ctypes.Structure):
            _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                             "fsmblks", "uordblks", "fordblks", "keepcost")]

        mallinfo2 = _state["mallinfo2"] = lib.mallinfo2  # AttributeError before glibc 2.33: caught by the caller
        mallinfo2.restype = MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd, info.fordblks, info.arena + info.hblkhd


# Mirrors cases/lib/allocator.c: name, signature symbol, version, release call and the allocator's own view.
_ALLOCATORS = [
    ("jemalloc", "mallctl", _jemalloc_version, lambda lib: lib.mallctl(b"arena.4096.purge", None, None, None, 0),
     _jemalloc_view),
    ("tcmalloc", "MallocExtension_GetNumericProperty", _tcmalloc_version,
     lambda lib: lib.MallocExtension_ReleaseFreeMemory(), _tcmalloc_view),
    ("mimalloc", "mi_version", _mimalloc_version, lambda lib: lib.mi_collect(__import__("ctypes").c_bool(True)),
     _mimalloc_view),
    ("glibc", "gnu_get_libc_version", _glibc_version, lambda lib: lib.malloc_trim(__import__("ctypes").c_size_t(0)),
     _glibc_view),
]


def identify():
    """(name, version, object path, release function or None, view function or None) of the allocator that serves
    malloc here; the view function returns (in use, free, from the OS) in bytes, None where it does not tell."""
    import ctypes  # here, not at import: without the runner the module costs nothing

    class _DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]

    def object_of(symbol):
        """The base address and path of the shared object that defines symbol, as the process binds it."""
        try:
            address = ctypes.cast(getattr(lib, symbol), ctypes.c_void_p)
        except AttributeError:
            return None, ""
        info = _DlInfo()
        if not lib.dladdr(address, ctypes.byref(info)):
            return None, ""
        return info.dli_fbase, (info.dli_fname or b"").decode()

    lib = ctypes.CDLL(None)
    lib.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    base, path = object_of("malloc")
    for name, signature, version, release, view in _ALLOCATORS:
        if base is not None and object_of(signature)[0] == base:
            return name, version(lib), path, (lambda: release(lib)), (lambda: view(lib))
    return "unknown", "", path, None, None


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
        _send("hello\tproto=%d\tallocator=%s\tversion=%s\tobject=%s\tpid=%d"
              % (_PROTOCOL, name, version, path, os.getpid()))


def _allocator():
    if _state["allocator"] is None:
        _state["allocator"] = identify()
    return _state["allocator"]


def _read(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 8192).decode()
    finally:
        os.close(fd)


def sample():
    """This process's memory in kB: vsz, rss (all resident), anon (RssAnon) and file (RssFile)."""
    statm = _read("/proc/self/statm").split()
    status = dict(line.split(":", 1) for line in _read("/proc/self/status").splitlines() if ":" in line)
    return {"vsz_kb": int(statm[0]) * _PAGE_KB, "rss_kb": int(statm[1]) * _PAGE_KB,
            "anon_kb": int(status["RssAnon"].split()[0]), "file_kb": int(status["RssFile"].split()[0])}


def phase(label, live_bytes=None, allocs=None, echo=False):
    """Marks a phase: under the runner, sends one record; alone, prints the talk's line if echo."""
    if not _state["started"]:
        _start()
    if _state["fd"] is None and not echo:
        return
    memory = sample()
    _state["seq"] += 1
    # At most 127 bytes of UTF-8 (the protocol's limit), cut on a character boundary.
    label = str(label).replace("\t", " ").replace("\0", " ").encode()[:127].decode(errors="ignore")
    if _state["fd"] is None:
        print("%s: %d kB used" % (label, memory["rss_kb"]), flush=True)
        return
    fields = ["phase", "seq=%d" % _state["seq"], "label=" + label, "elapsed_us=%d" % _elapsed_us()]
    fields += ["%s=%d" % (key, memory[key]) for key in ("vsz_kb", "rss_kb", "anon_kb", "file_kb")]
    if live_bytes is not None and allocs is not None:
        fields += ["live_bytes=%d" % live_bytes, "allocs=%d" % allocs]
    view = _allocator()[4]
    if view:  # read after /proc, as the C probe does; an allocator that cannot tell leaves the fields out
        try:
            told = view()
        except (AttributeError, OSError, TypeError, ValueError):
            told = (None, None, None)
        for key, value in zip(("alloc_in_use_bytes", "alloc_free_bytes", "alloc_os_bytes"), told):
            if value is not None:
                fields.append("%s=%d" % (key, value))
    _send("\t".join(fields))


def release():
    """Calls the allocator's own release call (malloc_trim(0), arena purge, ReleaseFreeMemory, mi_collect)."""
    release_call = _allocator()[3]
    if release_call:
        release_call()


# Under the runner, say hello at import: the runner counts the program's samples only once it has named its allocator.
if _report_fd() is not None:
    _start()
