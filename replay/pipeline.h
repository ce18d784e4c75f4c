/* The calls of a one-thread trace, read ahead by a reading thread and made by the main thread, through a ring. */
#ifndef FRAGBENCH_PIPELINE_H
#define FRAGBENCH_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

/*
 * The reading thread (the only one to call the functions marked "reader") reads the trace, keeps the live
 * set and numbers each block with a handle; the main thread (pipe_make_calls) makes the calls in order under
 * the allocator under test, as the program's one thread made them (glibc serves the main thread from its
 * main arena: a replay thread of its own would be served from another). Handles are numbers from 1; 0 is no
 * block.
 */
struct call_pipe;

/*
 * Both made by the main thread, before the reading thread starts and after it is joined. The ring holds lead call
 * entries (16 bytes: most calls are one, a realloc two), made a power of two from 4096 to 4 194 304 (64 MiB):
 * what the reading thread may read ahead (replay_one_thread says how many). With a lag (not 0), pipe_make_calls
 * makes the calls after each stamp (pipe_stamp) only once the reading thread has read lag_ns of recorded time
 * past it, its ring is full, it waits for the calls (pipe_drain), or it has read the last.
 */
struct call_pipe *pipe_open(uint64_t lead, uint64_t lag_ns);
void pipe_close(struct call_pipe *pipe);

/* Reader: an allocation (op, size, alignment) and the handle of its block; -1 with error when out of handles. */
int pipe_allocate(struct call_pipe *pipe, enum trace_op op, uint64_t size, uint64_t alignment, uint64_t *handle,
                  char *error, size_t error_size);

/* Reader: a realloc of the block old_handle (0: realloc(NULL, size)) of old_size bytes to size, its new handle. */
int pipe_reallocate(struct call_pipe *pipe, uint64_t old_handle, uint64_t old_size, uint64_t size,
                    uint64_t *handle, char *error, size_t error_size);

/* Reader: the release of a block (its handle is free for another once the call is queued). */
void pipe_release(struct call_pipe *pipe, uint64_t handle);

/* Reader: a note of the replay's memory (replay_note_peak) by the main thread, once the calls before it are made. */
void pipe_note_peak(struct call_pipe *pipe);

/* Queues the program's release call (replay_trim). */
void pipe_trim(struct call_pipe *pipe);

/* Reader: a row (replay_sample) by the main thread, once the calls before it are made; point must outlive the pipe. */
struct replay_point;
void pipe_sample(struct call_pipe *pipe, const struct replay_point *point, uint64_t live_bytes, uint64_t live_blocks);

/* Reader: the recorded time ns reached (queued as a stamp); returns when the next stamp is due. */
uint64_t pipe_stamp(struct call_pipe *pipe, uint64_t ns);

/* Reader: returns once every call queued has been made (before a recorded pause is slept). */
void pipe_drain(struct call_pipe *pipe);

/* Reader: no more calls; pipe_make_calls returns once it has made those queued. */
void pipe_finish(struct call_pipe *pipe);

/* Main thread: makes the calls as they come, until pipe_finish. */
void pipe_make_calls(struct call_pipe *pipe);

#endif
