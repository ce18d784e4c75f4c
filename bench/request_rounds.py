# A service's request loop in small, for the replay's fidelity: build a table of records, keep a tenth, drop the rest,
# again and again; a mark after each round (fragbench.py: nothing without the runner).
# Usage: python3 bench/request_rounds.py ROUNDS RECORDS   (tests/replay.sh: 3 30000; bench/fidelity.sh: 5 100000)
import sys

import fragbench

rounds, records = int(sys.argv[1]), int(sys.argv[2])
kept = []
for round in range(rounds):
    table = {str(i): [i, str(i) * 4, {"k": i}] for i in range(records)}
    kept.extend(v for k, v in table.items() if int(k) % 10 == 0)
    del table
    fragbench.phase("Round %d" % (round + 1))
