"""The talk's second cure, "subprocess": frag.py's work done in a forked child, which returns only its small result."""
import forked
import talk

args = talk.arguments(__doc__)
n = max(1, round(100000 * args.scale))
# The child: the talk's big batch, and back to the parent only a number (the characters it holds). Its largest
# RSS (ru_maxrss, kB) is reported with the parent's phases: the memory did not vanish, it went with the child.
sent, usage = forked.run(lambda: b"%d" % sum(len(s) for s in talk.alloc(n)), "frag_subprocess.py")
result = int(sent)
child_peak_kb = usage.ru_maxrss
talk.report("After alloc", result, child_peak_kb=child_peak_kb)
talk.say("  (the child's peak: %d kB used)" % child_peak_kb)
small = talk.alloc(1, first=n)
del result
talk.report("After del", small, child_peak_kb=child_peak_kb)
talk.tail(args.idle_ms, small)
