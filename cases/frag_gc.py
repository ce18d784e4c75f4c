"""The talk's frag.py with a full garbage collection: gc.collect(2) gives nothing back either."""
import gc

import talk

args = talk.arguments(__doc__)
big = talk.alloc(max(1, round(100000 * args.scale)))
talk.report("After alloc", big)
small = talk.alloc(1, first=len(big))
del big
talk.report("After del", small)
gc.collect(2)
talk.report("After gc", small)
talk.tail(args.idle_ms, small)
