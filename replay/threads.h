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
