"""The talk's first cure, "make better use of memory": frag.py's data held in one buffer, so that del gives it back."""
import talk

args = talk.arguments(__doc__)
n = max(1, round(100000 * args.scale))
big = talk.alloc_compact(n)
talk.report("After alloc", big)
small = talk.alloc(1, first=n)
del big
talk.report("After del", small)
talk.tail(args.idle_ms, small)
