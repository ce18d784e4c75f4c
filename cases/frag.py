"""The talk's frag.py: a big batch of strings, one more that stays, then the batch dropped."""
import talk

args = talk.arguments(__doc__)
big = talk.alloc(max(1, round(100000 * args.scale)))
talk.report("After alloc", big)
small = talk.alloc(1, first=len(big))
del big
talk.report("After del", small)
talk.tail(args.idle_ms, small)
