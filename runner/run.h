/* One run of the matrix (run.c): its child, its records and outside samples, the checks on it, and its rows. */
#ifndef FRAGBENCH_RUN_H
#define FRAGBENCH_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "child.h"
#include "kill_tree.h"
#include "matrix.h"
#include "phase_label.h"
#include "progress.h"
#include "recorded.h"
#include "recorded_report.h"
#include "results.h"
#include "sampler.h"

/* One run of the matrix: what it is, its child, and its samples. */
struct run {
    struct run_identity identity;
    const struct selected_profile *selected;
    const struct case_entry *entry;
    char program[PATH_MAX + 64], script[PATH_MAX + 64], scale_arg[64], idle_arg[32], threads_arg[32];
    char decompressed_arg[48];
    char *argv[7];
    bool says_warnings; /* a replay that carries what its trace is warned of (see struct replay_warnings) */
    char what[256]; /* "frag · jemalloc · rep 2/3" for progress */
    struct child *child;
    struct child_result result;
    /* RUN_CHECKING: ended, its replay's trace being read whole in a child (replays_check_start) before it is done */
    enum { RUN_WAITING, RUN_ACTIVE, RUN_CHECKING, RUN_DONE } state;
    pid_t check_pid; /* RUN_CHECKING: the child reading the trace, and the descriptor that reads at its end; 0 and -1 */
    int check_fd;    /* where another run's check of the same trace answers for it */
    double check_deadline; /* its own check: stopped at this time (--timeout after its start); 0: never */
    bool check_given_up;   /* its own check outlasted --timeout and was stopped: the trace's state not known */
    double started;
    /* The talk's lines: straight to the console with one job, else kept until the run is written. */
    FILE *console;
    char *block;
    size_t block_size;
    const struct matrix *matrix;
    struct progress *progress;
    bool have_hello;
    bool wrong_allocator;
    char wrong_why[1024];
    bool trace_unread; /* --record: the run ended, and its trace could not be read (said): exit 2, its rows kept */
    bool trace_refused; /* --replay: fb-replay's exit 2, the trace read corrupt whole (said): exit 2, no more of it */
    bool trace_write_failed; /* --record: a write to the trace failed (a full disk): exit 1, its rows kept */
    struct phase_sample *phases;
    size_t phase_count;
    struct phase_labels labels; /* the phase labels given so far, each once (see phase_label.h) */
    char status[64];
    /* Sampling from outside: the timeline rows (kept until the run is written), the last sample, the peak. */
    struct sampler sampler;
    bool sampling;
    double next_sample;
    struct timeline_sample *samples; /* kept for the timeline until the run is written */
    size_t sample_count;
    struct fb_memory last;
    bool have_last;
    bool last_is_a_mark; /* last is a mark's memory (the process was gone, or never sampled), not an outside sample */
    uint64_t last_ns; /* when last was taken */
    struct smaps_extra last_smaps; /* the newest smaps_rollup read, for the Exit row */
    const char *killed_for; /* "timeout" or "oom" when the runner killed it for a limit */
    bool kill_pending;      /* recorded, at --timeout: the recorder's stop sent, the kill due at stop_deadline */
    uint64_t killed_rss_kb; /* "oom": the RSS that passed --mem-limit */
    bool stopped_at_duration; /* stopped by the runner at --duration: its last sample from outside is its Exit */
    int stopped_by_signal;    /* --record: stopped so at the runner's SIGINT or SIGTERM instead (its number) */
    bool duration_done;       /* --duration has been acted on (or the run had ended by then) */
    bool stop_asked;          /* --record: the recorder was sent its stop signal; SIGTERM comes at stop_deadline */
    uint64_t stop_ns;         /* when it was stopped at --duration (CLOCK_MONOTONIC), its Exit row taken */
    struct listed_process *stop_pids; /* the processes sent SIGTERM, killed if still there at stop_deadline */
    size_t stop_pid_count;
    double stop_deadline;
    char hello_exe[PATH_MAX]; /* external mode: the image that said hello last */
    char foreign_exe[PATH_MAX]; /* an image seen running that has not said hello (yet), and since when */
    double foreign_since;
    double hello_at;          /* when the last hello came */
    pid_t child_process;      /* external mode: the first child process of the program's seen running (0: none) */
    char child_process_name[32];
    double child_check_due;   /* when the next look for it is due (progress_now()) */
    uint64_t mark_peak_kb;    /* the largest RSS the program's own marks reported */
    uint64_t mark_hwm_kb;     /* the largest VmHWM they reported (the kernel's high-water mark, read inside) */
    struct recorded_peak peak_seen; /* the largest RSS seen outside or at a mark, and when (for a recorded run) */
    uint64_t t0_us;           /* when the child was started, as its records count elapsed_us */
    bool replay;              /* a replay (fb-replay): its rows, not outside samples, give its peak */
    char runtime[128 + PATH_MAX + 4]; /* the interpreter that said hello and its image; see run_identity */
    size_t slot;              /* its place in the schedule */
    bool alone;               /* the matrix has no other run: its lines go straight to the console */
    double idle_until;        /* it said it sleeps until then (an idle record); it does not count as working */
    double idle_since;        /* when its current idle began; 0: not idle */
    double idle_seconds;      /* the time it spent in the idles it announced, each up to its next record or exit */
    uint64_t *case_peak_kb;   /* the most RSS any run of its case has shown so far: what a run of it may hold */
};

/* Sets up a run of a case under a profile, its rep-th, to start (its slot, alone and case_peak_kb are the caller's). */
void run_prepare(struct run *run, const struct matrix *matrix, const struct case_entry *entry,
                 const struct selected_profile *selected, unsigned rep, struct progress *progress);

/* Starts its child; a run that cannot start is done at once (state RUN_DONE, its status saying why). */
void run_start(struct run *run);

/* Samples a running run from outside (its timeline row, its peak, its limits). */
void run_sample_outside(struct run *run, struct phase_sample *mark);

/* Kills a run that passed a limit ("timeout" or "oom"); its status will name the limit. */
void run_kill_for(struct run *run, const char *limit);

/* --duration has passed: a last sample from outside, then SIGTERM to the run's processes (run_stop_overdue follows). */
void run_stop_at_duration(struct run *run);

/* --record: the runner's SIGINT or SIGTERM stops the run as --duration does (its trace then read and reported). */
void run_stop_by_signal(struct run *run, int signal_number);

/* A run stopped at --duration still there after its grace: SIGKILL to what is left. */
void run_stop_overdue(struct run *run, double now);

/*
 * Its child has ended: the last samples, the checks (allocator, image, records), the trace's figures, the status.
 * A replay that fb-replay ended with exit 2 then waits for its trace to be read whole (state RUN_CHECKING: poll
 * check_fd, then run_check_done); any other is done (RUN_DONE).
 */
void run_finish(struct run *run);

/*
 * RUN_CHECKING: its trace has been read (check_fd reads at its end; or, where another run's check of the same trace
 * was under way, run_check_answered), or, stopping, need not be (the check killed, the trace not refused): the run
 * is done.
 */
void run_check_done(struct run *run, bool stopping);

/*
 * RUN_CHECKING with a check of its own past its deadline (--timeout after the check began): the check is stopped,
 * the trace not refused, and the run done; true if so. A trace that takes longer to read than a run may take held
 * the matrix, which starts no run meanwhile, for as long as the read took.
 */
bool run_check_overdue(struct run *run, double now);

/* Whether a run that waits for another run's check of its trace (check_fd -1) has its answer now. */
bool run_check_answered(const struct run *run);

/* Writes a finished run: its talk lines, CSV and timeline rows, progress; the worst exit code it makes. */
int run_emit(struct run *run, struct matrix_totals *totals);

/* Frees a written run; run_discard frees one that is not written (stopped, or after an error), its child too. */
void run_free(struct run *run);
void run_discard(struct run *run);

#endif
