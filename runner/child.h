/* Starts a measured program under an allocator profile and collects its records over an inherited pipe. */
#ifndef FRAGBENCH_CHILD_H
#define FRAGBENCH_CHILD_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "line_reader.h"
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
    bool output_to_stderr;         /* send the child's stdout to the runner's stderr (the CSV is on stdout) */
    const char *path;              /* the program to execute; NULL: argv[0] */
    const char *shim;              /* a library preloaded after the profile's (external mode's hello); or NULL */
    const char *recorder;          /* the recorder, preloaded before the profile's library; or NULL */
    const char *trace_path;        /* with the recorder: the trace file (absolute), and its size cap */
    unsigned long long trace_cap_bytes;
    bool trace_precise_clock;
    int inherited_fd;              /* a close-on-exec descriptor this child alone keeps open across exec; 0: none */
};

/* A started child: its pid, the pipe its records come through, and a pidfd to see it exit. */
struct child {
    pid_t pid;
    uint64_t t0_us; /* CLOCK_MONOTONIC when it was started: its records' elapsed_us count from here */
    int pipe_fd;
    bool pipe_open; /* false once the child closed its end */
    int pidfd; /* -1 on kernels without pidfd_open: then the run ends when the pipe closes */
    record_handler handler;
    void *context;
    struct child_result *result;
    struct line_reader reader;
};

/*
 * Starts the program with the caller's environment less every allocator setting
 * (LD_PRELOAD, GLIBC_TUNABLES, MALLOC_*, TCMALLOC_*, MIMALLOC_*, FRAGBENCH_*, and any
 * variable the profile sets), plus the profile's library as LD_PRELOAD, its settings, and
 * FRAGBENCH_FD. Returns 0, or -1 with a message when it could not be started.
 */
int child_start(struct child *child, const struct child_spec *spec, record_handler handler, void *context,
                struct child_result *result, char *error, size_t error_size);

/* Fills the pollfds to watch for this child (at most 2) and returns how many. */
int child_watch(const struct child *child, struct pollfd *out);

/*
 * Handles what poll() reported on the child's pollfds: reads records and passes them to
 * the handler. Returns true once the child has exited, what it wrote before exiting has
 * been read (a process it left behind cannot hold the run), and it has been reaped.
 */
bool child_handle(struct child *child, const struct pollfd *watched, int count);

/* child_start, then child_handle until the child is done. */
int child_run(const struct child_spec *spec, record_handler handler, void *context, struct child_result *result,
              char *error, size_t error_size);

/* "ok" for exit 0, "exit:N", or "signal:SIGNAME". */
void child_status_text(int wait_status, char *out, size_t size);

#endif
