# A service's request loop in small, for the replay's fidelity: build a table of records, keep a tenth, drop the rest,
# again and again; a mark after each round (fragbench.py: nothing without the runner).
# IDLE_MS: a pause after each round's work, before its mark, as a service waits for its next requests (a purge on a
# timer then has the time it has in a service: bench/fidelity.sh's python-idle, docs/replay.md's time modes).
# Usage: python3 bench/request_rounds.py ROUNDS RECORDS [IDLE_MS]   (tests/replay.sh: 3 30000; bench/fidelity.sh:
# 5 100000)
import sys
import time

import fragbench

rounds, records = int(sys.argv[1]), int(sys.argv[2])
idle_seconds = int(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0
kept = []
for round in range(rounds):
    table = {str(i): [i, str(i) * 4, {"k": i}] for i in range(records)}
    kept.extend(v for k, v in table.items() if int(k) % 10 == 0)
    del table
    if idle_seconds:
        time.sleep(idle_seconds)
    fragbench.phase("Round %d" % (round + 1))
