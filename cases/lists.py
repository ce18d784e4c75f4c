"""The talk's lists.py ("free list torture"): 500 rounds of alloc(i) extended into one list, then del."""
import talk

args = talk.arguments(__doc__)
big = []
made = 0
for i in range(500):
    # Round i brings the total to scale x (0 + 1 + ... + i), as the C case does.
    target = round(i * (i + 1) // 2 * args.scale)
    strings = talk.alloc(target - made, first=made)
    made = target
    big.extend(strings)
del strings
talk.report("After work", big)
del big
talk.report("After del")
talk.tail(args.idle_ms)
