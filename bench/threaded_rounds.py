# A threaded service in small, for the replay's threaded fidelity: worker threads build records for requests taken
# from a queue and keep a tenth in a cache that all share, a worker that adds to it evicting the oldest (most often
# another worker's: blocks freed by a thread that did not allocate them); a mark after each round.
# Usage: python3 bench/threaded_rounds.py ROUNDS REQUESTS WORKERS   (bench/fidelity.sh: 3 5000 4)
import collections
import queue
import sys
import threading

import fragbench

rounds, requests, workers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
cache = collections.deque()
cache_lock = threading.Lock()
CACHE_MAX = requests * 5  # records: a quarter of those a round keeps


def serve(jobs):
    while True:
        n = jobs.get()
        if n is None:
            return
        records = [[n, str(n * i) * (1 + i % 7), {"k": i}] for i in range(200)]
        with cache_lock:
            cache.extend(records[::10])
            while len(cache) > CACHE_MAX:
                cache.popleft()
        del records


for round in range(rounds):
    jobs = queue.Queue()
    threads = [threading.Thread(target=serve, args=(jobs,)) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for n in range(requests):
        jobs.put(n)
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join()
    fragbench.phase("Round %d" % (round + 1))
