/* The traces --replay names, each made a case of its own: checked whole and readable, named, decompressed once. */
#ifndef FRAGBENCH_REPLAYS_H
#define FRAGBENCH_REPLAYS_H

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>

#include "cases.h"
#include "options.h"

/*
 * --replay=TRACE[,TRACE...]: each trace a case of its own, named after its file (less .zst and .trace), checked
 * to be a readable trace before any run: 0, or -1 with the reason said on stderr. A compressed trace is
 * decompressed here, once, and its copy kept open for every run (case_entry.decompressed_fd). The entries, their
 * names and paths, and the list are freed by replays_free.
 */
int replays_resolve(const struct options *options, const struct case_entry ***out, size_t *count);

/*
 * Whether the trace of a replay that fb-replay ended with exit 2 reads corrupt when read whole, past the checks made
 * before the runs (a thread that goes back in time, a live heap past any address space): every replay of it would
 * end so. Not so where the replay's exit 2 was its own (no thread, no memory for its tables, its output lost). A
 * compressed trace is read from the copy decompressed for its replays, not decompressed again. The read is a child
 * of the runner's, which goes on with its other runs meanwhile (it once waited, their samples held): started by
 * replays_check_start, which gives a descriptor that reads at its end (poll it), and answered by
 * replays_check_result, which reaps it. A check that cannot start is answered false at once (check_fd -1).
 */
pid_t replays_check_start(const struct case_entry *entry, int *check_fd);
bool replays_check_result(pid_t check, int check_fd);

/* Frees what replays_resolve gave (the list, its entries, their names; the decompressed copies closed). */
void replays_free(const struct case_entry **cases, size_t count);

#endif
