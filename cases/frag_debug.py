"""The talk's frag-debug.py: frag.py with what the Python heap holds printed beside RSS (the talk used Guppy)."""
import fragbench
import heapwalk
import talk


def diagnose(label):
    """RSS first, then the heap walk in a forked copy (its allocations never reach this heap), as the live bytes."""
    memory = fragbench.sample()
    count, size, rows = heapwalk.partition_in_child()
    fragbench.phase(label, size, count, echo=True, memory=memory)
    talk.say(heapwalk.block(count, size, rows))


args = talk.arguments(__doc__)
n = max(1, round(100000 * args.scale))
big = talk.alloc(n)
diagnose("After alloc")
small = talk.alloc(1, first=n)
del big
diagnose("After del")
talk.tail(args.idle_ms, mark=diagnose)  # the heap's own total at every phase
