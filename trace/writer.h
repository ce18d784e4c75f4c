/* The trace writer: records allocation events into per-thread buffers and writes them to the trace file. */
#ifndef FRAGBENCH_TRACE_WRITER_H
#define FRAGBENCH_TRACE_WRITER_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

/* 1 while this process records: the writer's calls below are made only then. */
extern _Atomic int trace_writer_on;

static inline bool trace_writer_recording(void)
{
    return atomic_load_explicit(&trace_writer_on, memory_order_relaxed);
}

/*
 * Starts recording this process into path: the file's magic if it is empty (the runner created it), then an
 * image block. Records nothing in a child forked later. Events are stamped with CLOCK_MONOTONIC_COARSE, or
 * CLOCK_MONOTONIC with precise_clock. Returns 0, or -1 (the process then records nothing).
 */
int trace_writer_start(const char *path, uint64_t cap_bytes, bool precise_clock);

/* An allocation's event (size as asked, alignment 0 where the call takes none): stamp it after the call returned. */
void trace_writer_allocation(enum trace_op op, size_t alignment, size_t size, const void *pointer);

/* A release's event (free, or a realloc's start): stamp it before the call. */
void trace_writer_release(enum trace_op op, const void *pointer);

/* A mark: an event in the calling thread; returns its number (its CLOCK_MONOTONIC time in ns). */
uint64_t trace_writer_mark(void);

/* The program's release call returned: malloc_trim(pad). */
void trace_writer_trim(uint64_t pad);

/* The image ends (exit; exec when exec is true): every thread's events are written, then the end block. */
void trace_writer_end(bool exec);

/* The exec that trace_writer_end(true) announced failed: the image records on as before. */
void trace_writer_exec_failed(void);

/*
 * The recorder's handler of an ending signal the program left to its default (ending_signals.c): every thread's
 * calls are written out and a stop block says the trace is complete to the signal (TRACE_STOP_ENDING_SIGNAL, with
 * its number), then the process dies of it as it would have. From a thread inside the writer or an event, that is
 * done as it leaves them. Where nothing is to be written (recording stopped, a forked child), it dies at once.
 */
void trace_writer_die_of(int number);

/*
 * The same for a fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE), which comes again as the handler returns: where the
 * writing out would wait (this thread inside the writer or an event, an exit or another stop writing out), the
 * process dies of it at once, nothing more written.
 */
void trace_writer_die_of_fault(int number);

/* The C library's sigaction under its other name: the recorder's own sigaction (ending_signals.c) stands in front. */
int __sigaction(int number, const struct sigaction *action, struct sigaction *old);

#endif
