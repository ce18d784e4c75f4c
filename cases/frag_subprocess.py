"""The talk's second cure, "subprocess": frag.py's work done in a forked child, which returns only its small result."""
import os

import talk

args = talk.arguments(__doc__)
n = max(1, round(100000 * args.scale))
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    # The child: the talk's big batch, and back to the parent only a number (the characters it holds).
    os.close(read_end)
    big = talk.alloc(n)
    os.write(write_end, b"%d" % sum(len(s) for s in big))
    os._exit(0)
os.close(write_end)
with os.fdopen(read_end, "rb") as pipe:
    result = int(pipe.read())
# The child's largest RSS (ru_maxrss, kB): the memory did not vanish, it went with the child.
_, status, usage = os.wait4(pid, 0)
if status != 0:
    raise SystemExit("frag_subprocess.py: the child ended with status %d" % status)
child_peak_kb = usage.ru_maxrss
talk.report("After alloc", result, child_peak_kb=child_peak_kb)
talk.say("  (the child's peak: %d kB used)" % child_peak_kb)
small = talk.alloc(1, first=n)
del result
talk.report("After del", small, child_peak_kb=child_peak_kb)
talk.tail(args.idle_ms, small)
