/* Runs the matrix of cases x profiles x reps, --jobs working at a time, verifying each run and writing its rows in order. */
#define _GNU_SOURCE
#include "matrix.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "kill_tree.h"
#include "progress.h"
#include "recorded.h"
#include "run.h"
#include "schedule.h"
#include "spread.h"

volatile sig_atomic_t matrix_stop_signal, matrix_stop_count;

/* The run of a slot of the schedule, set up to start. */
static struct run *make_run(const struct matrix *matrix, const struct schedule *schedule, size_t slot,
                            uint64_t *case_peak_kb, struct progress *progress)
{
    struct run *run = malloc(sizeof *run);
    if (!run)
        abort();
    size_t case_index = schedule_case(schedule, slot);
    run_prepare(run, matrix, matrix->cases[case_index], &matrix->selection->items[schedule_profile(schedule, slot)],
            schedule_rep(schedule, slot), progress);
    run->slot = slot;
    run->alone = schedule->slots == 1 || (matrix->jobs == 1 && matrix->no_overlap);
    run->case_peak_kb = &case_peak_kb[case_index];
    return run;
}

/* What a run of a case may come to hold: the most any run of it has shown, else the most any run has shown. */
static uint64_t expected_kb(const uint64_t *case_peak_kb, size_t cases, size_t case_index)
{
    uint64_t most = 0;
    if (case_peak_kb[case_index])
        return case_peak_kb[case_index];
    for (size_t c = 0; c < cases; c++)
        most = case_peak_kb[c] > most ? case_peak_kb[c] : most;
    return most;
}

/* Whether a run of its reps ended clean, for the decision on one more rep. */
static bool run_clean(const struct run *run)
{
    return run->have_hello && !run->wrong_allocator && run->phase_count > 0 && strcmp(run->status, "ok") == 0;
}

/* A run is done: its slot says so, and the next rep of its pair is decided if every rep before it is done. */
static void settle(struct schedule *schedule, struct run **runs, struct run *run, const struct matrix *matrix,
                   struct progress *progress)
{
    schedule->state[run->slot] = SLOT_DONE;
    if (run->trace_refused) /* every replay of that trace would be refused the same */
        progress->total -= (unsigned)schedule_skip_case(schedule, schedule_case(schedule, run->slot));
    size_t extra = schedule_undecided(schedule, run->slot);
    if (extra == schedule->slots)
        return;
    struct rep_phases reps[extra % schedule->max_reps];
    size_t first = extra - extra % schedule->max_reps;
    for (size_t s = first; s < extra; s++)
        reps[s - first] = (struct rep_phases){runs[s]->phases, runs[s]->phase_count, run_clean(runs[s])};
    bool needed = reps_differ(reps, extra - first, matrix->spread_pct);
    schedule_decide(schedule, extra, needed);
    if (needed)
        progress->total++;
}

/*
 * Stops the children of runs still active (after an error that ends the matrix) and reaps them; a run that had
 * ended and waits for its trace's check is done without it (kept). Returns how many were so.
 */
static size_t stop_active(struct schedule *schedule, struct run **runs, size_t from, size_t to)
{
    size_t kept = 0;
    for (size_t i = from; i < to; i++)
        if (runs[i] && runs[i]->state == RUN_CHECKING) { /* ended: kept (written as done), its trace's check dropped */
            run_check_done(runs[i], true);
            schedule->state[runs[i]->slot] = SLOT_DONE;
            kept++;
        } else if (runs[i] && runs[i]->state == RUN_ACTIVE) {
            kill_tree(runs[i]->child->pid);
            if (runs[i]->stop_pids) { /* sent SIGTERM at --duration: what is left of them too (an orphan) */
                kill_listed(runs[i]->stop_pids, runs[i]->stop_pid_count);
                runs[i]->stop_pids = NULL;
            }
            while (waitpid(runs[i]->child->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
    return kept;
}

/*
 * Stopped while recording: the program was killed, and the trace holds its calls up to its last chunk written.
 * It names the allocator that served them where the program's hello verified it (else fb-trace info and a replay
 * would call it unnamed), is compressed as asked (FILE.zst) if zstd can, and the user is told where it is; a trace
 * the program never started leaves no file of the runner's own making behind.
 */
static void keep_stopped_trace(const struct matrix *matrix, const struct run *recording, struct matrix_totals *totals)
{
    struct stat status;
    const char *kept = matrix->trace_path;
    if (stat(matrix->trace_path, &status) != 0 || status.st_size == 0) {
        unlink(matrix->trace_path); /* the empty file the runner made for the recorder */
        if (matrix->trace_compressed && stat(matrix->trace_compressed, &status) == 0 && status.st_size == 0)
            unlink(matrix->trace_compressed);
        fprintf(stderr, "fragbench: --record: stopped before the program began recording: no trace in %s\n",
                matrix->trace_display);
        totals->no_trace = true;
        return;
    }
    if (recording && recording->have_hello && !recording->wrong_allocator &&
        recorded_name_allocator(matrix->trace_path, recording->selected->allocator, recording->selected->version,
                                recording->selected->profile->name) < 0)
        fprintf(stderr, "fragbench: --record: cannot add the allocator's name to %s: %s\n", matrix->trace_path,
                strerror(errno));
    int compressed = matrix->trace_compressed ? recorded_compress(matrix->trace_path, matrix->trace_compressed) : -1;
    if (compressed == 0)
        kept = matrix->trace_compressed;
    else if (matrix->trace_compressed)
        fprintf(stderr, "fragbench: --record: %s: it is kept uncompressed\n", recorded_compress_failure(compressed));
    fprintf(stderr, "fragbench: --record: the trace of the stopped program is in %s, truncated (the calls it made "
                    "since its last chunk was written are lost): '%s/fb-trace info %s' tells what it holds\n", kept,
            matrix->build_dir, kept);
}

/* The wait in ms until deadline (seconds on the progress clock), if sooner than timeout (-1: none); 0 if past. */
static int sooner(int timeout, double deadline, double now)
{
    int due = (int)((deadline - now) * 1000 + 0.999);
    due = due < 0 ? 0 : due;
    return timeout < 0 || due < timeout ? due : timeout;
}

/*
 * Writes every run from next_emit on that is done and whose pair is settled, in matrix order. When stopping,
 * writes every run that is done, leaves the others (and next_emit) for the caller to free.
 */
static int emit_ready(struct schedule *schedule, struct run **runs, size_t *next_emit, bool stopping,
                      struct matrix_totals *totals)
{
    int code = EXIT_CLEAN;
    for (size_t slot = *next_emit; slot < schedule->slots; slot++) {
        unsigned char state = schedule->state[slot];
        /* Where an extra rep may follow, its pair's reps stay until it is decided: the decision reads them. */
        bool may_go = stopping || schedule->max_reps == schedule->reps || schedule_pair_settled(schedule, slot);
        if (state == SLOT_DONE && runs[slot] && may_go) {
            int run_code = run_emit(runs[slot], totals);
            code = run_code > code ? run_code : code;
            run_free(runs[slot]);
            runs[slot] = NULL;
        } else if (!stopping && state != SLOT_SKIPPED)
            break; /* rows are written in matrix order */
        if (!stopping)
            *next_emit = slot + 1;
    }
    return code;
}

int matrix_run(const struct matrix *matrix, struct matrix_totals *totals)
{
    struct schedule schedule;
    if (schedule_init(&schedule, matrix->case_count, matrix->selection->count, matrix->reps,
                      matrix->max_reps > matrix->reps ? matrix->max_reps : matrix->reps) != 0)
        abort();
    /* Only pointers for every slot; a run's state exists from its start to its writing. */
    struct run **runs = calloc(schedule.slots ? schedule.slots : 1, sizeof *runs);
    uint64_t *case_peak_kb = calloc(matrix->case_count ? matrix->case_count : 1, sizeof *case_peak_kb);
    struct pollfd watched[3 * MATRIX_MAX_JOBS]; /* a run's child's (child_watch), or its trace's check */
    struct progress progress;
    size_t next_emit = 0, active = 0;
    int code = EXIT_CLEAN;
    bool stopped = false;
    int recording_stopped_by = 0; /* --record: the stop signal at which its run was stopped as at --duration */
    sig_atomic_t stops_taken = 0;  /* stop signals taken so (one at most): a signal past them stops at once */
    /* Runs beside the working ones may hold up to 3/4 of the memory available now. */
    uint64_t budget_kb = memory_available_kb() / 4 * 3;

    if (!runs || !case_peak_kb)
        abort();
    progress_init(&progress, (unsigned)schedule.planned, stderr, matrix->quiet);
    if (!matrix->quiet && schedule.slots > 1) {
        const char *kind = matrix->command ? "command" : matrix->cases[0]->kind == REPLAY ? "trace" : "case";
        fprintf(stderr, "fragbench: plan: %zu %s%s x %zu profile%s x %u rep%s", matrix->case_count, kind,
                matrix->case_count > 1 ? "s" : "", matrix->selection->count, matrix->selection->count > 1 ? "s" : "",
                matrix->reps, matrix->reps > 1 ? "s" : "");
        if (schedule.max_reps > matrix->reps)
            fprintf(stderr, " (up to %u where they differ by more than %.0f%% and %d kB)", schedule.max_reps,
                    matrix->spread_pct, SPREAD_FLOOR_KB);
        /* Cases idle for --idle-ms, at 0 not at all: each run is one of the --jobs working. */
        bool none_idles = !matrix->command && matrix->cases[0]->kind != REPLAY && matrix->idle_ms == 0;
        fprintf(stderr, " = %zu runs; %u working at a time%s\n", schedule.planned, matrix->jobs,
                matrix->no_overlap ? ", none beside them (--no-overlap)"
                : none_idles       ? ", none beside them (--idle-ms=0: no case idles)"
                                   : ", more beside them while they idle");
    }

    for (;;) {
        /* Start runs while fewer than --jobs work (an idle one does not) and the memory they may hold fits. */
        double now = progress_now();
        size_t working = 0;
        uint64_t reserved_kb = 0;
        bool checking_now = false; /* no run starts while a trace's check runs (its answer may leave the next out) */
        for (size_t i = next_emit; i < schedule.slots; i++)
            if (runs[i] && (runs[i]->state == RUN_ACTIVE || runs[i]->state == RUN_CHECKING)) { /* a check works */
                working += matrix->no_overlap || now >= runs[i]->idle_until;
                reserved_kb += expected_kb(case_peak_kb, matrix->case_count, schedule_case(&schedule, i));
                checking_now |= runs[i]->state == RUN_CHECKING;
            }
        while (!checking_now && working < matrix->jobs && active < MATRIX_MAX_JOBS && !totals->csv_broken) {
            size_t slot = schedule_next(&schedule, next_emit);
            if (slot == schedule.slots)
                break;
            uint64_t need_kb = expected_kb(case_peak_kb, matrix->case_count, schedule_case(&schedule, slot));
            /* Beside other runs only within the memory budget (working ones too: many cores, little memory);
               where the budget is unknown, only up to --jobs. */
            if (active > 0 && (budget_kb && !matrix->no_overlap ? reserved_kb + need_kb > budget_kb : active >= matrix->jobs))
                break;
            runs[slot] = make_run(matrix, &schedule, slot, case_peak_kb, &progress);
            schedule.state[slot] = SLOT_STARTED;
            run_start(runs[slot]);
            if (runs[slot]->state == RUN_ACTIVE) {
                active++;
                working++;
                reserved_kb += need_kb;
            } else
                settle(&schedule, runs, runs[slot], matrix, &progress);
        }
        int emitted = emit_ready(&schedule, runs, &next_emit, false, totals);
        code = emitted > code ? emitted : code;
        if (active == 0 && (totals->csv_broken || schedule_next(&schedule, next_emit) == schedule.slots))
            break; /* nothing running and nothing more to start (or the CSV is lost) */
        if (active == 0)
            continue;

        size_t count = 0, checks = 0;
        struct run *owners[MATRIX_MAX_JOBS], *checking[MATRIX_MAX_JOBS];
        int first[MATRIX_MAX_JOBS], counts[MATRIX_MAX_JOBS];
        for (size_t i = next_emit; i < schedule.slots; i++)
            if (runs[i] && runs[i]->state == RUN_ACTIVE && count < MATRIX_MAX_JOBS)
                owners[count++] = runs[i];
            else if (runs[i] && runs[i]->state == RUN_CHECKING && runs[i]->check_fd >= 0 && checks < MATRIX_MAX_JOBS)
                checking[checks++] = runs[i]; /* (one that waits for another's check: below, once that answers) */
        int used = 0;
        for (size_t k = 0; k < count; k++) {
            first[k] = used;
            counts[k] = child_watch(owners[k]->child, watched + used);
            used += counts[k];
        }
        int first_check = used;
        for (size_t k = 0; k < checks; k++)
            watched[used++] = (struct pollfd){.fd = checking[k]->check_fd, .events = POLLIN};
        /* Wake up for the next outside sample due, a run's deadline, or the progress line. */
        int timeout = progress.live ? 500 : -1;
        for (size_t k = 0; k < count; k++) {
            if (matrix->duration_s && !owners[k]->duration_done)
                timeout = sooner(timeout, owners[k]->started + matrix->duration_s, now);
            if (owners[k]->stop_asked || owners[k]->stop_pids)
                timeout = sooner(timeout, owners[k]->stop_deadline, now);
            if (matrix->timeout_s && !owners[k]->killed_for) /* once killed (or its kill due: stop_deadline), no more */
                timeout = sooner(timeout, owners[k]->started + matrix->timeout_s, now);
            if (owners[k]->sampling)
                timeout = sooner(timeout, owners[k]->next_sample, now);
        }
        for (size_t k = 0; k < checks; k++)
            if (checking[k]->check_deadline)
                timeout = sooner(timeout, checking[k]->check_deadline, now);
        /*
         * A stop signal that came before the wait must not wait for the runs to end: SIGINT and SIGTERM are held
         * from the check to the wait, which lets them in (ppoll), so one that comes between ends the wait.
         */
        sigset_t stop_signals, unblocked;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        sigprocmask(SIG_BLOCK, &stop_signals, &unblocked);
        if (matrix_stop_count > stops_taken)
            timeout = 0;
        struct timespec wait = {timeout / 1000, (long)(timeout % 1000) * 1000000};
        int polled = ppoll(watched, (nfds_t)used, timeout < 0 ? NULL : &wait, &unblocked), poll_error = errno;
        sigprocmask(SIG_SETMASK, &unblocked, NULL);
        if (polled < 0 && poll_error != EINTR) {
            errno = poll_error;
            fprintf(stderr, "fragbench: poll: %s; stopping the runs in progress\n", strerror(errno));
            active -= stop_active(&schedule, runs, next_emit, schedule.slots);
            emit_ready(&schedule, runs, &next_emit, true, totals); /* the finished ones are kept, as at a stop */
            code = EXIT_BAD_INPUT;
            break;
        }
        /*
         * --record: at the first signal, the program recorded is stopped as at --duration (the recorder writes its
         * calls out, then SIGTERM), and its trace read and reported as the run ends; at a second (the same signal
         * within 0.1 s of the first is the same stop, SAME_STOP_NS), at once. A program that has not yet begun
         * recording (no hello: the recorder's stop signal would kill it) or has no row yet is stopped at once too,
         * as before.
         */
        if (matrix_stop_count == 1 && stops_taken == 0 && matrix->trace_path && count == 1 &&
            owners[0]->have_hello && owners[0]->phase_count > 0) {
            stops_taken = 1;
            recording_stopped_by = matrix_stop_signal;
            const char *name = recording_stopped_by == SIGINT ? "SIGINT" : "SIGTERM";
            progress_clear(&progress);
            if (owners[0]->killed_for || owners[0]->duration_done)
                fprintf(stderr, "fragbench: %s: the recorded program is being stopped already (%s); %s "
                                "again stops it at once (the trace then truncated)\n", name,
                        !owners[0]->killed_for                         ? "--duration"
                        : strcmp(owners[0]->killed_for, "timeout") == 0 ? "--timeout"
                                                                        : "--mem-limit",
                        name);
            else
                fprintf(stderr, "fragbench: %s: stopping the recorded program as --duration does (its calls written "
                                "out, then SIGTERM), to report its trace; %s again stops at once (the trace then "
                                "truncated)\n", name, name);
            run_stop_by_signal(owners[0], recording_stopped_by);
        }
        if (matrix_stop_count > stops_taken) {
            /* Ctrl-C or SIGTERM: the runs in progress are stopped and not kept; the finished ones are written. */
            progress_clear(&progress);
            active -= stop_active(&schedule, runs, next_emit, schedule.slots);
            stopped = true;
            break;
        }
        now = progress_now();
        for (size_t k = 0; k < count; k++) {
            if (matrix->duration_s && now >= owners[k]->started + matrix->duration_s)
                run_stop_at_duration(owners[k]);
            run_stop_overdue(owners[k], now);
        }
        for (size_t k = 0; k < count && matrix->timeout_s; k++)
            if (now >= owners[k]->started + matrix->timeout_s)
                run_kill_for(owners[k], "timeout");
        for (size_t k = 0; k < count; k++)
            if (owners[k]->sampling && now >= owners[k]->next_sample) {
                run_sample_outside(owners[k], NULL);
                owners[k]->next_sample += matrix->interval_ms / 1000.0;
                if (owners[k]->next_sample < now) /* fell behind: no burst to catch up */
                    owners[k]->next_sample = now + matrix->interval_ms / 1000.0;
            }
        for (size_t k = 0; k < count; k++)
            if (child_handle(owners[k]->child, watched + first[k], counts[k])) {
                run_finish(owners[k]);
                if (owners[k]->state == RUN_CHECKING)
                    continue; /* settled once its trace is read, below in a later turn */
                settle(&schedule, runs, owners[k], matrix, &progress);
                active--;
            }
        for (size_t k = 0; k < checks; k++)
            if (run_check_overdue(checking[k], now)) { /* read no longer than a run may take: stopped, kept */
                settle(&schedule, runs, checking[k], matrix, &progress);
                active--;
            } else if (watched[first_check + (int)k].revents) { /* its end: the child that read the trace has ended */
                run_check_done(checking[k], false);
                settle(&schedule, runs, checking[k], matrix, &progress);
                active--;
            }
        for (size_t i = next_emit; i < schedule.slots; i++)
            if (runs[i] && run_check_answered(runs[i])) { /* the check of its trace it waited for has answered */
                run_check_done(runs[i], false);
                settle(&schedule, runs, runs[i], matrix, &progress);
                active--;
            }
        progress_draw(&progress);
    }
    /* A trace whose replay that carried its warnings failed, with no replay of it started after: said here. */
    for (size_t c = 0; c < matrix->case_count && !stopped; c++) {
        const struct replay_warnings *warnings = matrix->cases[c]->warnings;
        if (warnings && warnings->failed && !warnings->said && !warnings->refused)
            fprintf(stderr, "fragbench: %s: the replay that was to say whether the trace has order errors or rows "
                            "without their mark failed, and none started after it: %s/fb-trace info %s tells\n",
                    matrix->cases[c]->name, matrix->build_dir, matrix->cases[c]->path);
    }
    /* Its run kept, and reported: the exit still says how it ended, but for a run that failed or a trace that could
       not be read (1 or 2: what the user must know of, more than the stop they asked for). */
    if (recording_stopped_by && !stopped && code == EXIT_CLEAN)
        code = 128 + recording_stopped_by;
    if (stopped) {
        emit_ready(&schedule, runs, &next_emit, true, totals);
        code = 128 + matrix_stop_signal;
        fprintf(stderr, "fragbench: stopped by %s: %u finished run(s) kept, %zu run(s) in progress dropped\n",
                matrix_stop_signal == SIGINT ? "SIGINT" : "SIGTERM", totals->runs, active);
        if (matrix->trace_path && active > 0) {
            const struct run *recording = NULL; /* --record makes one run: the one still running */
            for (size_t i = next_emit; i < schedule.slots && !recording; i++)
                if (runs[i] && runs[i]->state == RUN_ACTIVE)
                    recording = runs[i];
            keep_stopped_trace(matrix, recording, totals);
        }
    }
    progress_clear(&progress);
    for (size_t i = next_emit; i < schedule.slots; i++)
        if (runs[i])
            run_discard(runs[i]);
    free(runs);
    free(case_peak_kb);
    schedule_free(&schedule);
    return code;
}
