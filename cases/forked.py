"""Runs a function in a forked child of this process: what it returns (bytes) comes back through a pipe.

The child dies with its parent (a runner that stops the parent leaves nothing behind); a child that fails is reaped,
and the parent stops with its exit code named.
"""
import os
import signal

PR_SET_PDEATHSIG = 1


def run(work, what):
    """(the bytes work() returned in the child, the child's rusage: ru_maxrss is its largest RSS in kB)."""
    parent = os.getpid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_end)
            import ctypes  # in the child only: the parent's heap stays as the program left it
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() == parent:
                data = work()
                while data:
                    data = data[os.write(write_end, data):]
                code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        sent = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not sent:
        raise SystemExit("%s: the child ended with exit code %d and sent %d bytes"
                         % (what, os.waitstatus_to_exitcode(status), len(sent)))
    return sent, usage
