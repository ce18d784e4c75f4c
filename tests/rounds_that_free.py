# Rounds that build a table and free it, a few entries kept: under glibc CPython's heap top is trimmed at its end or not by how the string hashes (PYTHONHASHSEED) laid it out.
# Usage: python3 tests/rounds_that_free.py ROUNDS ENTRIES
import random
import sys

rounds, entries = int(sys.argv[1]), int(sys.argv[2])
survivors = []
random.seed(1)
for number in range(rounds):
    table = {}
    for i in range(entries):
        table["key-%d-%d" % (number, i)] = ("value-%d" % i) * random.randint(1, 8) + "x"
        if i % 3 == 0:
            table[("t", number, i)] = [i, str(i), {"a": i}]
    keys = list(table)
    survivors.extend(table[key] for key in keys[::500])
    del table, keys
print("survivors", len(survivors))
