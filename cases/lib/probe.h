/* The phase probe of the cases: the allocator's hello, phases with live counts, and the talk's lines when run alone. */
#ifndef FRAGBENCH_PROBE_H
#define FRAGBENCH_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "fragbench.h"

struct allocator_info;

/* The exit status of a program whose probe could not read /proc (the run is then recorded as exit:70). */
#define PROBE_FAILED_EXIT 70

/* Starts the clock and finds FRAGBENCH_FD; call once, first thing in main. */
void probe_start(void);

/*
 * Sends the hello record naming the allocator that serves malloc, and the number of threads the
 * program starts if it is a threaded case (0: not one); standalone it prints nothing. The later
 * phases report the allocator's own view of its memory through *allocator, which must outlive them.
 */
void probe_hello(const struct allocator_info *allocator, unsigned threads);

/*
 * Samples the process and sends one phase record with the caller's live bytes and live
 * allocation count, and the allocator's own view of its memory (fragbench.h's fb_send_phase).
 * Standalone (no FRAGBENCH_FD) it prints "LABEL: N kB used", the talk's line. It allocates
 * nothing and uses no stdio. If /proc cannot be read, it says so on stderr and ends the process
 * with PROBE_FAILED_EXIT.
 */
void probe_phase(const char *label, uint64_t live_bytes, uint64_t live_allocs);

/*
 * The errno of the first of the standalone lines (above) that could not be written to standard output, or 0.
 * A program that printed them checks it before it exits, so that a full disk or a closed pipe is not a success.
 */
int probe_output_error(void);

/* Says on stderr that /proc could not be read and ends the process with PROBE_FAILED_EXIT. */
void probe_sample_failed(void) __attribute__((noreturn));

/*
 * For fb-replay, before it samples a row whose allocator's view it will ask: what the view makes that lasts (under
 * jemalloc, its statistics' room for each arena) is made now, before the sample, as probe_phase does.
 */
void probe_before_sample(void);

/*
 * The same for fb-replay: the memory it sampled itself (its own tables taken off RSS and anonymous RSS; NULL:
 * sampled here, or the run ends as above), where the row stands in the recording it replays (NULL: nowhere), and
 * whether the row has the allocator's own count (false: its columns are empty, and its cost is not paid).
 */
void probe_phase_replay(const char *label, uint64_t live_bytes, uint64_t live_allocs, const struct fb_memory *sampled,
                        const struct fb_recorded_point *recorded, bool with_allocator_view);

#endif
