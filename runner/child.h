/* Starts a measured program under an allocator profile and collects its records over an inherited pipe. */
#ifndef FRAGBENCH_CHILD_H
#define FRAGBENCH_CHILD_H

#include <stdbool.h>
#include <stddef.h>

#include "profiles.h"
#include "record.h"

/* Called for each well-formed record; return false to stop the child at once. */
typedef bool (*record_handler)(void *context, const struct record *record);

struct child_result {
    int wait_status;     /* as from waitpid() */
    bool stopped;        /* the handler asked to stop it, and it was killed */
    size_t bad_records;  /* lines that were not well-formed records */
    char first_bad[256]; /* what was wrong with the first of them */
};

struct child_spec {
    char *const *argv;             /* argv[0] is the program's path */
    const struct profile *profile;
    bool quiet;                    /* send the child's stderr to /dev/null */
};

/*
 * Runs the program with the caller's environment less every allocator setting
 * (LD_PRELOAD, GLIBC_TUNABLES, MALLOC_*, TCMALLOC_*, MIMALLOC_*, FRAGBENCH_*, and any
 * variable the profile sets), plus the profile's library as LD_PRELOAD, its settings, and
 * FRAGBENCH_FD. Reads records until the program exits (not until the pipe closes: a
 * process it left behind cannot hold the run). Returns 0, or -1 with a message when it
 * could not be started.
 */
int child_run(const struct child_spec *spec, record_handler handler, void *context, struct child_result *result,
              char *error, size_t error_size);

/* "ok" for exit 0, "exit:N", or "signal:SIGNAME". */
void child_status_text(int wait_status, char *out, size_t size);

#endif
