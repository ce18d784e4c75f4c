/* A threaded replay's threads (threads.c): one per recorded thread, fed through a queue, with the waits between them. */
#ifndef FRAGBENCH_REPLAY_THREADS_H
#define FRAGBENCH_REPLAY_THREADS_H

#include <stdint.h>

#include "reader.h"

/* The threads set up for a trace that numbers thread_count threads (at most TRACE_REPLAY_MAX_THREADS: checked). */
void threads_start(uint32_t thread_count);

/*
 * The recorded main thread (thread 0) made by the calling thread, the replay's main thread, with
 * threads_run_main; 0, or -1 if its queue cannot be had. threads_abandon_main undoes it (thread 0 then gets a
 * thread of its own at its first call).
 */
int threads_adopt_main(void);
void threads_abandon_main(void);

/* Makes the adopted thread 0's calls as they are dispatched, until it is stopped (its last call, or the finish). */
void threads_run_main(void);

/*
 * Turns: where the recorded threads took turns, each making a run of REPLAY_TURN_MIN_CALLS calls or more while the
 * others made none (threads under a lock, or CPython's, whose lock passes every 5 ms), the next thread's calls
 * wait until the run's last call is made, so the runs follow one another as recorded. Else a thread's calls wait
 * only for those they depend on (a block's allocation, an address's release) and the threads run side by side: a
 * CPython program of four threads (bench/threaded_rounds.py) was replayed with 19 to 21% less heap growth than it
 * had under glibc and jemalloc, 11 to 15% less with the turns. A wait per run, some 70 us: 12 849 in the 41 M calls
 * of its trace, whose runs are almost all longer; of the 1.07 M runs of bench/shared_ring.c's four threads, truly
 * side by side, 112 (3 913 of 64 calls or more, which made its replay 9% slower with turns from 64 calls).
 */
enum { REPLAY_TURN_MIN_CALLS = 1024 };

/*
 * Queues an event's call on its recorded thread's replay (started at its first call), with the calls of other
 * threads it must wait for; 0, or -1 with why in error (a corrupt trace, a thread that cannot start).
 */
int threads_dispatch(struct trace_reader *reader, const struct trace_event *event, char *error, size_t error_size);

/* Returns once every call queued has been made: before a sample, an idle gap, or the end. */
void threads_drain(void);

/* The trace noted the thread's end: its replay is joined at its last event (threads_stop), not later. */
void threads_note_end(uint32_t thread);

/* Tells a recorded thread's replay that its calls are over: it exits after the last. */
void threads_stop(uint32_t thread);

/*
 * The recorded thread's last event: its replay is stopped (threads_stop), unless the trace notes threads' ends
 * (ends_noted: version 6 on) and noted none for it: it was alive at the program's end, and its replay stays, its
 * allocator's thread cache with it, to the replay's end (threads_finish).
 */
void threads_last_event(uint32_t thread, bool ends_noted);

/* Every call queued made, every thread joined, the bookkeeping freed. */
void threads_finish(void);

#endif
