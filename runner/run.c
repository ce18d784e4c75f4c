/* One run of the matrix: starts its child, reads its records, samples it from outside, checks it, writes its rows. */
#define _GNU_SOURCE
#include "run.h"


#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "csv.h"
#include "elf_check.h"
#include "kill_tree.h"
#include "../trace/out_of_memory.h"
#include "phase_label.h"
#include "progress.h"
#include "recorded.h"
#include "replay_check.h"
#include "replays.h"
#include "results.h"
#include "run_trace.h"
#include "sampler.h"
#include "verify.h"

/* Keeps the largest RSS seen of the run's case. */
static void note_rss(struct run *run, uint64_t rss_kb)
{
    if (rss_kb > *run->case_peak_kb)
        *run->case_peak_kb = rss_kb;
}

/* The time the recorder has to write every thread's calls out at its stop signal, before what comes next. */
#define STOP_ASK_SECONDS 0.5

/*
 * Kills a run that passed a limit; its status will name the limit. Recorded, at --timeout, the recorder is first
 * sent its stop signal and has STOP_ASK_SECONDS to write every thread's calls out, as at --duration (killed
 * outright, each thread lost its calls since its last chunk, up to a second of them): the processes of the run are
 * listed then, and killed at the deadline (run_stop_overdue), or as the run ends if it ends first (a program the
 * signal woke, which has passed the limit all the same). At --mem-limit it is killed at once, pending kill or not.
 */
void run_kill_for(struct run *run, const char *limit)
{
    siginfo_t ended = {.si_pid = 0};
    if (run->killed_for && !(run->kill_pending && strcmp(limit, "oom") == 0))
        return;
    /* Already exited (not reaped yet): it ended within the limit, and its own status stands. */
    if (!run->killed_for && waitid(P_PID, (id_t)run->child->pid, &ended, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        ended.si_pid == run->child->pid)
        return;
    run->killed_for = limit;
    if (!run->kill_pending && run->matrix->trace_path && strcmp(limit, "timeout") == 0 && !run->stop_asked &&
        !run->stop_pids) {
        list_tree(run->child->pid, &run->stop_pids, &run->stop_pid_count);
        kill(run->child->pid, TRACE_STOP_SIGNAL_NUMBER);
        run->stop_deadline = progress_now() + STOP_ASK_SECONDS;
        run->kill_pending = true;
        return;
    }
    run->kill_pending = false;
    kill_tree(run->child->pid);
}

/*
 * A service stopped at --duration: recorded, the recorder first has STOP_ASK_SECONDS to write every thread's
 * calls out at its stop signal; then SIGTERM, and DURATION_GRACE_SECONDS to end of it (a handler of its own)
 * before what is left of it is killed.
 */
#define DURATION_GRACE_SECONDS 2.0

void run_stop_at_duration(struct run *run)
{
    siginfo_t ended = {.si_pid = 0};
    if (run->duration_done || run->killed_for)
        return;
    run->duration_done = true;
    if (waitid(P_PID, (id_t)run->child->pid, &ended, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        ended.si_pid == run->child->pid)
        return; /* it ended by itself, in time */
    run_sample_outside(run, NULL); /* its Exit row: the process as it was, just before the stop */
    run->stopped_at_duration = true; /* no more samples: the Exit row stays the one at the stop */
    run->stop_ns = fb_now_ns();
    if (run->matrix->trace_path) {
        kill(run->child->pid, TRACE_STOP_SIGNAL_NUMBER);
        run->stop_asked = true;
        run->stop_deadline = progress_now() + STOP_ASK_SECONDS;
        return;
    }
    term_tree(run->child->pid, &run->stop_pids, &run->stop_pid_count);
    run->stop_deadline = progress_now() + DURATION_GRACE_SECONDS;
}

void run_stop_by_signal(struct run *run, int signal_number)
{
    if (run->killed_for)
        return; /* ending at a limit: its status says which */
    run->stopped_by_signal = signal_number; /* whether or not the terminal's SIGINT ended it first */
    run_stop_at_duration(run);              /* nothing more where --duration is stopping it already */
}

void run_stop_overdue(struct run *run, double now)
{
    if (now < run->stop_deadline)
        return;
    if (run->stop_asked) { /* the recorder has written its calls out: now the stop itself */
        run->stop_asked = false;
        term_tree(run->child->pid, &run->stop_pids, &run->stop_pid_count);
        run->stop_deadline = now + DURATION_GRACE_SECONDS;
    } else if (run->stop_pids) {
        if (run->kill_pending) { /* --timeout's kill, the recorder's time up: what the program started since too */
            run->kill_pending = false;
            kill_tree(run->child->pid);
        }
        kill_listed(run->stop_pids, run->stop_pid_count);
        run->stop_pids = NULL;
    }
}

static bool refuse(struct run *run, const char *why);

/* why, with the reason the exec'd image cannot say hello where its file tells it (statically linked: LD_PRELOAD
   cannot reach it), as the runner says of a command that is so. */
static const char *why_foreign_image(const struct run *run, char *why, size_t size)
{
    char elf[512];
    size_t length = strlen(why);
    if (elf_check_dynamic(run->foreign_exe, elf, sizeof elf) != 0 && length < size)
        snprintf(why + length, size - length, ": %s", elf);
    return why;
}

/* How often the runner looks for a child process of a program (external mode): see run_sample_outside. */
#define CHILD_CHECK_SECONDS 0.1

/* Grace for a freshly exec'd image to reach its constructor and say hello. */
#define HELLO_GRACE_SECONDS 0.25

/*
 * False when the process has been, for longer than the grace, an image other than the one that said hello
 * last: it exec'd into something the preload did not reach. (A process already gone has nothing to compare.)
 */
static bool same_image(struct run *run)
{
    char path[64], exe[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)run->child->pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n <= 0)
        return true;
    exe[n] = '\0';
    if (strcmp(exe, run->hello_exe) == 0) {
        run->foreign_exe[0] = '\0';
        return true;
    }
    if (strcmp(exe, run->foreign_exe) != 0) { /* just exec'd: its hello may be on the way */
        snprintf(run->foreign_exe, sizeof run->foreign_exe, "%s", exe);
        run->foreign_since = progress_now();
        return true;
    }
    return progress_now() - run->foreign_since < HELLO_GRACE_SECONDS;
}

/* Keeps the largest RSS seen of this run and when (at a mark: its number, or 0), for a recorded run's live heap there. */
static void note_peak(struct run *run, uint64_t rss_kb, uint64_t anon_kb, uint64_t ns, uint64_t mark)
{
    if (rss_kb > run->peak_seen.rss_kb)
        run->peak_seen = (struct recorded_peak){.rss_kb = rss_kb, .anon_kb = anon_kb, .ns = ns, .mark = mark};
}

/*
 * Samples the run from outside now and adds a timeline row: at a mark (the program's own phase record, as kept
 * in run->phases, which gains the smaps_rollup figures; the row carries its label, and if the program has
 * already exited, the record's own measurement stands in) or periodically (mark NULL).
 */
void run_sample_outside(struct run *run, struct phase_sample *mark)
{
    struct fb_memory memory;
    struct smaps_extra extra = {.known = false};
    uint64_t ns = fb_now_ns();
    /* Before the hello, the pid may still be the runner's fork, not yet the program: not a sample of it. Once
       stopped at --duration, none from outside: its Exit row stays the one taken at the stop. */
    if (!run->sampling || !run->have_hello || (run->stopped_at_duration && !mark))
        return;
    if (run->matrix->command && *run->hello_exe && !same_image(run)) {
        /* It exec'd into an image that never said hello: LD_PRELOAD did not reach it (cleared, static, setuid). */
        char why[sizeof run->wrong_why - 128];
        snprintf(why, sizeof why, "the command exec'd into %.400s, which did not name its allocator within %.0f ms "
                 "(after %.400s)", run->foreign_exe, HELLO_GRACE_SECONDS * 1000, run->hello_exe);
        refuse(run, why_foreign_image(run, why, sizeof why));
        kill_tree(run->child->pid);
        return;
    }
    /*
     * A program started through a wrapper (sh -c, a launcher) is measured and recorded alone, not its children: its
     * first child seen is noted, its name read again while it is still the first (first seen, it may not have
     * exec'd its program yet). Ten times a second at most: two small reads of /proc, kept off most samples.
     */
    pid_t child;
    char name[sizeof run->child_process_name];
    double now = progress_now();
    bool look = run->matrix->command && now >= run->child_check_due;
    if (look)
        run->child_check_due = now + CHILD_CHECK_SECONDS;
    if (look && sampler_child_process(&run->sampler, &child, name, sizeof name) == 0 &&
        (!run->child_process || child == run->child_process)) {
        run->child_process = child;
        snprintf(run->child_process_name, sizeof run->child_process_name, "%s", name);
    }
    if (run->stopped_at_duration) {
        /* A mark the program took before the stop, handled after it: its own figures only. A read now would be of
           the process past the stop, and would replace the Exit row taken at it (run->last). */
        memory = (struct fb_memory){mark->vsz_kb, mark->rss_kb, mark->anon_kb, mark->file_kb, mark->hwm_kb};
    } else if (sampler_read(&run->sampler, &memory) == 0) {
        run->last = memory;
        run->have_last = true;
        run->last_is_a_mark = false;
        run->last_ns = ns;
        note_rss(run, memory.rss_kb);
        note_peak(run, memory.rss_kb, memory.anon_kb, ns, 0);
        if (run->matrix->mem_limit_kb && memory.rss_kb > run->matrix->mem_limit_kb &&
            (!run->killed_for || run->kill_pending)) {
            run->killed_rss_kb = memory.rss_kb;
            run_kill_for(run, "oom");
        }
        /* At every mark; between marks only where a timeline shows it (a replay's shows only its rows), and within
           the sampler's time budget. */
        if ((mark || (run->matrix->timeline && !run->replay)) && sampler_read_smaps(&run->sampler, &extra, !mark, progress_now()) == 0 && mark) {
            mark->lazyfree_kb = extra.lazyfree_kb;
            mark->anon_huge_kb = extra.anon_huge_kb;
            mark->has_smaps = true;
        }
        if (run->replay && extra.known) {
            /* The whole process's huge pages hold the replay's own tables (mapped with MADV_HUGEPAGE), which its
               rows take off RSS; not told rather than above RSS. Its lazily freed pages are the allocator's. */
            extra.anon_huge_kb = SMAPS_UNKNOWN_KB;
            if (mark)
                mark->anon_huge_kb = SMAPS_UNKNOWN_KB;
        }
        run->last_smaps = extra; /* for the Exit row: known only if read with this sample */
    } else if (mark) {
        memory = (struct fb_memory){mark->vsz_kb, mark->rss_kb, mark->anon_kb, mark->file_kb, mark->hwm_kb};
        run->last = memory; /* gone already: its own last word is the newest there is */
        run->have_last = true;
        run->last_ns = mark->has_t_ns ? mark->t_ns : (run->t0_us + mark->elapsed_us) * 1000;
        run->last_is_a_mark = true;
    } else
        return;
    if (run->replay && !mark)
        return; /* its RSS from outside holds the replay's own tables (its live set: 192 MiB for jq's) */
    /*
     * A mark's row has the mark's own figures, as its CSV row: a replay's, its own less its bookkeeping; a
     * program's, read by the program at the mark. Read from outside, the runner got the mark after the program
     * went on: a Start sent by env just before it exec'd python3 read 4 kB of RSS, the image half replaced.
     */
    if (mark)
        memory = (struct fb_memory){mark->vsz_kb, mark->rss_kb, mark->anon_kb, mark->file_kb, mark->hwm_kb};
    /* Kept for the timeline, and for a recorded run's report (where the program held the most: recorded.c). */
    if (run->matrix->timeline || run->matrix->trace_path) {
        if (run->sample_count % 256 == 0) {
            run->samples = realloc(run->samples, (run->sample_count + 256) * sizeof *run->samples);
            if (!run->samples)
                out_of_memory("the runner's samples of a run", run->sample_count + 256, sizeof *run->samples);
        }
        /*
         * A mark's row stands for the mark: its live heap is the trace's at the mark, not at this read, and its time
         * is the mark's (its figures' own: at the time it arrived, a line falling fast took a step back there). It
         * goes among the samples in time order, before any read from outside after the mark was sent.
         */
        double t_ms = mark ? (double)mark->elapsed_us / 1000.0 : (progress_now() - run->started) * 1000;
        size_t at = run->sample_count++;
        for (; mark && at > 0 && run->samples[at - 1].t_ms > t_ms; at--)
            run->samples[at] = run->samples[at - 1];
        struct timeline_sample *sample = &run->samples[at];
        if (mark)
            ns = mark->has_t_ns ? mark->t_ns : (run->t0_us + mark->elapsed_us) * 1000;
        *sample = (struct timeline_sample){.t_ms = t_ms, .ns = ns,
                                           .mark = mark ? mark->trace_mark : 0,
                                           .rss_kb = memory.rss_kb, .anon_kb = memory.anon_kb, .extra = extra,
                                           .has_live = mark && mark->has_live,
                                           .live_bytes = mark && mark->has_live ? mark->live_bytes : 0};
        snprintf(sample->label, sizeof sample->label, "%s", mark ? mark->label : "");
    }
}

bool matrix_csv_flushed(FILE *csv, const char *option, const char *path)
{
    if (fflush(csv) == 0 && !ferror(csv))
        return true;
    fprintf(stderr, "fragbench: %s: cannot write %s: %s; stopping, the rows written so far are kept\n", option,
            strcmp(path, "-") == 0 ? "to stdout" : path, strerror(errno));
    return false;
}

/* Output for the talk's lines; the live progress line is cleared first when they share a screen. */
static FILE *talk(struct run *run)
{
    if (run->console == run->matrix->console)
        progress_clear(run->progress);
    return run->console;
}

static void print_heading(struct run *run)
{
    const struct run_identity *id = &run->identity;
    FILE *out = talk(run);
    if (!out)
        return;
    char allocator[128];
    allocator_text(allocator, sizeof allocator, id->allocator, id->alloc_version);
    if (strcmp(id->profile, id->allocator) == 0)
        fprintf(out, "%s · %s", id->case_name, allocator);
    else
        fprintf(out, "%s · %s (%s)", id->case_name, id->profile, allocator);
    if (strcmp(id->allocator, "unknown") == 0) /* not one of the probe's: it knows no release call of its own */
        fprintf(out, " · an allocator fragbench does not know: no release call is made");
    if (id->rep > run->matrix->reps)
        fprintf(out, " · rep %u (the reps before it differ)", id->rep);
    else if (run->matrix->reps > 1)
        fprintf(out, " · rep %u/%u", id->rep, run->matrix->reps);
    fputc('\n', out);
    fflush(out);
}

static bool refuse(struct run *run, const char *why)
{
    snprintf(run->wrong_why, sizeof run->wrong_why, "%s", why);
    run->wrong_allocator = true;
    return false;
}

/* Keeps what a hello says of the image that sent it: its path, and the interpreter if it names one. */
static void note_image(struct run *run, const struct record *hello)
{
    run->hello_at = progress_now();
    run->child_process = 0; /* a new image: what an earlier one forked (a launcher's subshell before its exec) is not it */
    if (*hello->exe)
        snprintf(run->hello_exe, sizeof run->hello_exe, "%s", hello->exe);
    if (*hello->runtime) {
        snprintf(run->runtime, sizeof run->runtime, "%s (%s)", hello->runtime, hello->exe);
        run->identity.runtime = run->runtime;
    }
}

/* An idle ends (the next record, or the exit): its time is not the run's work. */
static void end_idle(struct run *run)
{
    if (run->idle_since > 0)
        run->idle_seconds += progress_now() - run->idle_since;
    run->idle_since = run->idle_until = 0;
}

static bool on_record(void *context, const struct record *record)
{
    struct run *run = context;
    if (record->type == RECORD_HELLO) {
        char why[sizeof run->wrong_why - 64];
        if (run->have_hello) {
            /* Another hello (a program's own module after the shim's) must name the same allocator. */
            if (verify_allocator(run->selected->profile, record, why, sizeof why)) {
                note_image(run, record);
                return true;
            }
            char second[sizeof run->wrong_why];
            snprintf(second, sizeof second, "a second hello record names another allocator: %s", why);
            return refuse(run, second);
        }
        if (record->proto != FB_PROTOCOL_VERSION) {
            snprintf(why, sizeof why, "the case speaks protocol %llu, the runner %d",
                     (unsigned long long)record->proto, FB_PROTOCOL_VERSION);
            return refuse(run, why);
        }
        if (!verify_allocator(run->selected->profile, record, why, sizeof why))
            return refuse(run, why);
        run->have_hello = true;
        run->identity.threads = record->threads;
        note_image(run, record);
        print_heading(run);
        return true;
    }
    if (record->type == RECORD_IDLE) {
        end_idle(run);
        run->idle_since = progress_now();
        run->idle_until = run->idle_since + (double)record->idle_ms / 1000;
        return true;
    }
    if (!run->have_hello) /* a sample whose allocator is unknown cannot be labelled */
        return refuse(run, "a phase record came before the hello record");
    /*
     * Recorded and stopped at --duration, the trace ends at the stop: a row the program took after it (the stop
     * signal ends a sleep or a poll early, as any signal does, and a program may then end by itself before the
     * SIGTERM) is past its calls, where its live heap is unknown. Its Exit row stays the one taken at the stop.
     */
    uint64_t sent_ns = record->phase.has_t_ns ? record->phase.t_ns : (run->t0_us + record->phase.elapsed_us) * 1000;
    if (run->stopped_at_duration && run->matrix->trace_path && sent_ns >= run->stop_ns)
        return true;
    end_idle(run); /* a phase ends an idle */
    run->phases = realloc(run->phases, (run->phase_count + 1) * sizeof *run->phases);
    if (!run->phases)
        out_of_memory("the runner's rows of a run", run->phase_count + 1, sizeof *run->phases);
    const struct phase_sample *sent = &record->phase;
    struct phase_sample *phase = &run->phases[run->phase_count];
    *phase = *sent;
    /* Rows are numbered as they arrive: the shim, each exec'd image and a program's own API count apart. */
    phase->seq = run->phase_count + 1;
    phase_labels_number(&run->labels, phase->label, sizeof phase->label);
    run->phase_count++;
    if (sent->rss_kb > run->mark_peak_kb)
        run->mark_peak_kb = sent->rss_kb;
    if (sent->replay_peak_kb > run->mark_peak_kb)
        run->mark_peak_kb = sent->replay_peak_kb;
    if (sent->hwm_kb > run->mark_hwm_kb)
        run->mark_hwm_kb = sent->hwm_kb;
    note_peak(run, sent->rss_kb, sent->anon_kb, sent_ns, sent->trace_mark);
    note_rss(run, sent->rss_kb);
    run_sample_outside(run, phase);
    FILE *out = talk(run);
    if (out) {
        fprintf(out, "%s: %llu kB used\n", phase->label, (unsigned long long)sent->rss_kb);
        fflush(out);
    }
    return true;
}

void run_prepare(struct run *run, const struct matrix *matrix, const struct case_entry *entry,
                 const struct selected_profile *selected, unsigned rep, struct progress *progress)
{
    memset(run, 0, sizeof *run);
    run->matrix = matrix;
    run->progress = progress;
    run->selected = selected;
    run->entry = entry;
    run->identity = (struct run_identity){
        .case_name = entry->name, .profile = selected->profile->name, .allocator = selected->allocator,
        .alloc_version = selected->version, .scale = matrix->scale_text, .idle_ms = matrix->idle_ms, .rep = rep};
    snprintf(run->scale_arg, sizeof run->scale_arg, "--scale=%s", matrix->scale_text);
    snprintf(run->idle_arg, sizeof run->idle_arg, "--idle-ms=%u", matrix->idle_ms);
    if (rep > matrix->reps)
        snprintf(run->what, sizeof run->what, "%s · %s · rep %u (reps differ)", entry->name, selected->profile->name,
                 rep);
    else
        snprintf(run->what, sizeof run->what, "%s · %s · rep %u/%u", entry->name, selected->profile->name, rep,
                 matrix->reps);
    char **arg = run->argv;
    run->identity.recorded_profile = entry->kind == REPLAY ? entry->recorded_profile : NULL;
    if (entry->kind == EXTERNAL || entry->kind == REPLAY)
        run->identity.scale = NULL; /* the cases' settings: a command's and a replay's rows say none */
    if (entry->kind == EXTERNAL) {
        *arg = NULL; /* the command's own argv is used */
        return;
    }
    if (entry->kind == REPLAY) {
        run->replay = true;
        snprintf(run->program, sizeof run->program, "%s/fb-replay", matrix->build_dir);
        snprintf(run->script, sizeof run->script, "%s", entry->path);
        snprintf(run->scale_arg, sizeof run->scale_arg, "--time=%s", matrix->replay_time);
        *arg++ = run->program;
        *arg++ = run->script;
        *arg++ = run->scale_arg;
        /* What the trace is warned of is the same in each replay of it: said by one (run_start takes this out). */
        *arg++ = "--no-warnings";
        /* Whole, or asked for partial: checked and said once, before the runs (replays_resolve). Told so, fb-replay
           does not open the trace a second time to check; a .zst one it reads from the copy decompressed then. */
        *arg++ = "--partial";
        if (entry->decompressed_fd) {
            snprintf(run->decompressed_arg, sizeof run->decompressed_arg, "--decompressed-fd=%d", entry->decompressed_fd);
            *arg++ = run->decompressed_arg;
        }
        *arg = NULL;
        return;
    }
    if (entry->kind == PYTHON) {
        snprintf(run->program, sizeof run->program, "%s", matrix->python);
        snprintf(run->script, sizeof run->script, "%s/%s", matrix->script_dir, entry->name);
        *arg++ = run->program;
        *arg++ = run->script;
    } else {
        snprintf(run->program, sizeof run->program, "%s/cases/%s", matrix->build_dir, entry->name);
        *arg++ = run->program;
    }
    *arg++ = run->scale_arg;
    *arg++ = run->idle_arg;
    if (entry->kind == C && matrix->threads) {
        snprintf(run->threads_arg, sizeof run->threads_arg, "--threads=%u", matrix->threads);
        *arg++ = run->threads_arg;
    }
    *arg = NULL;
}

void run_start(struct run *run)
{
    char error[512];
    const struct matrix *matrix = run->matrix;
    struct child_spec spec = {.argv = run->argv, .profile = run->selected->profile, .quiet = false,
                              .output_to_stderr = matrix->csv == stdout};
    if (run->entry && run->entry->decompressed_fd) /* the replay's decompressed trace: its own, no other child's */
        spec.inherited_fd = run->entry->decompressed_fd;
    if (matrix->command) {
        spec.argv = matrix->command;
        spec.path = matrix->command_path;
        spec.shim = matrix->shim;
    }
    if (matrix->trace_path) {
        spec.recorder = matrix->recorder;
        spec.trace_path = matrix->trace_path;
        spec.trace_cap_bytes = matrix->trace_cap_bytes;
        spec.trace_precise_clock = matrix->trace_precise_clock;
    }
    struct replay_warnings *warnings = run->replay ? run->entry->warnings : NULL;
    if (warnings && !warnings->taken && !warnings->said) { /* this replay says them: its --no-warnings taken out */
        warnings->taken = run->says_warnings = true;
        char **slot = run->argv;
        while (*slot && strcmp(*slot, "--no-warnings") != 0)
            slot++;
        for (; *slot; slot++)
            slot[0] = slot[1];
    }
    run->console = run->matrix->console;
    if (run->console && !run->alone) /* others may run beside it: its lines wait for its turn */
        run->console = open_memstream(&run->block, &run->block_size);
    run->child = malloc(sizeof *run->child);
    if (!run->child)
        abort();
    run->started = progress_now();
    run->state = RUN_ACTIVE;
    progress_started(run->progress, run->what);
    if (child_start(run->child, &spec, on_record, run, &run->result, error, sizeof error) != 0) {
        fprintf(stderr, "fragbench: %s: %s\n", run->what, error);
        snprintf(run->status, sizeof run->status, "not-started");
        if (run->says_warnings) { /* the next replay started carries them */
            warnings->taken = false;
            warnings->failed = true;
        }
        free(run->child);
        run->child = NULL;
        run->state = RUN_DONE;
        progress_finished(run->progress, run->what, run->status, 0);
        return;
    }
    run->t0_us = run->child->t0_us;
    if ((matrix->sample_outside || matrix->mem_limit_kb) && sampler_open(&run->sampler, run->child->pid) == 0) {
        run->sampling = true;
        run->next_sample = run->started;
    }
}

static void finish_done(struct run *run);

void run_finish(struct run *run)
{
    double wall = progress_now() - run->started;
    end_idle(run);
    /*
     * An image seen running after the last hello that never said one (it exec'd without the preload, cleared by
     * env -i, say) and ended within the grace: its calls were served by another allocator all the same.
     */
    if (run->matrix->command && run->have_hello && !run->wrong_allocator && *run->foreign_exe &&
        run->foreign_since > run->hello_at && strcmp(run->foreign_exe, run->hello_exe) != 0) {
        char why[sizeof run->wrong_why - 128];
        snprintf(why, sizeof why, "the command exec'd into %.400s, which ended without naming its allocator "
                 "(after %.400s)", run->foreign_exe, run->hello_exe);
        refuse(run, why_foreign_image(run, why, sizeof why));
    }
    run->identity.busy_ms = (wall - run->idle_seconds) * 1000;
    if (run->sampling) {
        /*
         * A replay's rows leave out its own bookkeeping, which an outside sample cannot: its peak is its rows' and
         * the largest it noted between them (replay_peak_kb), both less that bookkeeping.
         * A recorded run's is the largest RSS seen at a known moment, where the trace gives the live heap (the
         * kernel's high-water mark has no moment); any other run's includes that high-water mark, read from
         * outside at each sample and from inside at each mark (the last mark of a program that ends at once
         * comes after it has gone: the outside read then finds nothing).
         */
        uint64_t high_water = run->sampler.peak_rss_kb > run->mark_hwm_kb ? run->sampler.peak_rss_kb : run->mark_hwm_kb;
        uint64_t outside = run->matrix->trace_path ? run->peak_seen.rss_kb : high_water;
        run->identity.peak_rss_kb = outside > run->mark_peak_kb && !run->replay ? outside : run->mark_peak_kb;
        if (!run->replay)
            note_rss(run, high_water); /* what a later run of the case may hold, high-water mark included */
        sampler_close(&run->sampler);
        run->sampling = false;
    }
    /*
     * External mode: the command's end is a row too, with its wall time: the process's own last word (the shim's
     * Exit, sent as it ended through exit()) or, when it ended otherwise, the last outside sample.
     */
    bool ended_itself = run->phase_count > 0 && run->phases[run->phase_count - 1].end;
    if (run->matrix->command && run->have_hello && ended_itself)
        run->phases[run->phase_count - 1].elapsed_us = (uint64_t)(wall * 1e6);
    else if (run->matrix->command && run->have_hello && !run->have_last && run->phase_count > 0) {
        const struct phase_sample *mark = &run->phases[run->phase_count - 1]; /* never sampled from outside */
        run->last = (struct fb_memory){mark->vsz_kb, mark->rss_kb, mark->anon_kb, mark->file_kb, mark->hwm_kb};
        run->have_last = true;
        run->last_ns = mark->has_t_ns ? mark->t_ns : (run->t0_us + mark->elapsed_us) * 1000;
        run->last_is_a_mark = true;
    }
    if (run->matrix->command && run->have_hello && run->have_last && !ended_itself && !run->wrong_allocator) {
        struct phase_sample end = {.seq = run->phase_count + 1, .label = "Exit",
                             .elapsed_us = (uint64_t)(wall * 1e6), .vsz_kb = run->last.vsz_kb,
                             .rss_kb = run->last.rss_kb, .anon_kb = run->last.anon_kb, .file_kb = run->last.file_kb,
                             .lazyfree_kb = run->last_smaps.lazyfree_kb, .anon_huge_kb = run->last_smaps.anon_huge_kb,
                             .has_smaps = run->last_smaps.known, .t_ns = run->last_ns, .has_t_ns = true};
        run->phases = realloc(run->phases, (run->phase_count + 1) * sizeof *run->phases);
        if (!run->phases)
            out_of_memory("the runner's rows of a run", run->phase_count + 1, sizeof *run->phases);
        phase_labels_number(&run->labels, end.label, sizeof end.label);
        run->phases[run->phase_count++] = end;
        FILE *out = talk(run);
        if (out) { /* as its CSV row: the program's own Exit never came */
            fprintf(out, "%s: %llu kB used (%s: %s)\n", end.label, (unsigned long long)end.rss_kb,
                    run->last_is_a_mark ? "as at its last mark" : "the last sample from outside",
                    run->killed_for && !strcmp(run->killed_for, "timeout") ? "killed there, at --timeout"
                    : run->killed_for                ? "killed there, at --mem-limit"
                    : !run->stopped_at_duration      ? "it ended without calling exit: by _exit, as sh does, or a signal"
                    : run->stopped_by_signal == SIGINT ? "stopped there, at the runner's SIGINT"
                    : run->stopped_by_signal           ? "stopped there, at the runner's SIGTERM"
                                                       : "stopped there, at --duration");
            fflush(out);
        }
    }
    /* Read, compressed (FILE.zst), then reported: the report's replay command names the file the trace is in. */
    struct recorded recorded;
    bool to_read = run->matrix->trace_path && run->have_hello && !run->wrong_allocator;
    bool read = to_read && run_read_trace(run, &recorded);
    run->trace_unread = to_read && !read;
    run->trace_write_failed = read && recorded.summary.info.stopped &&
                              recorded.summary.info.stop_reason == TRACE_STOP_WRITE_FAILED;
    const char *trace_now = run->matrix->trace_compressed ? run_compress_trace(run) : run->matrix->trace_display;
    if (read)
        run_print_recorded(run, talk(run), &recorded, trace_now);
    if (run->child)
        child_status_text(run->result.wait_status, run->status, sizeof run->status);
    if (run->killed_for) /* the runner's SIGKILL: say why */
        snprintf(run->status, sizeof run->status, "%s", run->killed_for);
    if (run->stop_pids) { /* stopped at --duration: what it started and left is not left running */
        kill_listed(run->stop_pids, run->stop_pid_count);
        run->stop_pids = NULL;
    }
    /* Ended by the stop at --duration (its SIGTERM, or the SIGKILL after the grace): a clean run. A crash in its
       own handling of the stop, or an exit with an error, says so. Stopped so at the runner's SIGINT or SIGTERM
       (--record), the terminal's Ctrl-C reached the program too: it may have died of it, or left by its own handler
       with 128 + the signal (the shells' and the JVM's way), and is clean as well. */
    bool user_stopped = run->stopped_by_signal &&
                        (!strcmp(run->status, "signal:SIGINT") || !strcmp(run->status, "exit:130") ||
                         !strcmp(run->status, "exit:143"));
    if (!run->killed_for &&
        ((run->stopped_at_duration && (!strcmp(run->status, "signal:SIGTERM") || !strcmp(run->status, "signal:SIGKILL"))) ||
         user_stopped))
        snprintf(run->status, sizeof run->status, "ok");
    if (run->have_hello && run->phase_count == 0 && strcmp(run->status, "ok") == 0)
        snprintf(run->status, sizeof run->status, "no-phases"); /* a clean exit that measured nothing */
    if (!run->have_hello && strcmp(run->status, "ok") == 0)
        snprintf(run->status, sizeof run->status, "no-hello"); /* exited 0 without naming its allocator */
    /* fb-replay's exit 2 where the trace reads corrupt whole (where only a full read finds it: a thread back in time,
       a live heap past any address space) is the trace's refusal, which every replay of it would repeat, whatever
       the profile: the matrix starts no more of it. (Its exit 2 for its own reasons, no thread or no memory for
       its tables, is a run that failed.) */
    bool may_be_refused = run->replay && !run->killed_for && strcmp(run->status, "exit:2") == 0;
    run->trace_refused = may_be_refused && run->entry->warnings->refused;
    run->check_pid = 0;
    run->check_fd = -1;
    if (may_be_refused && !run->trace_refused && run->entry->warnings->checking) {
        run->state = RUN_CHECKING; /* another run's check of the trace answers for it too (run_check_answered) */
        return;
    }
    if (may_be_refused && !run->trace_refused &&
        (run->check_pid = replays_check_start(run->entry, &run->check_fd)) > 0) {
        run->entry->warnings->checking = true;
        run->check_deadline = run->matrix->timeout_s ? progress_now() + run->matrix->timeout_s : 0;
        run->state = RUN_CHECKING; /* done once its trace is read (run_check_done) */
        return;
    }
    finish_done(run);
}

bool run_check_overdue(struct run *run, double now)
{
    if (run->state != RUN_CHECKING || run->check_pid <= 0 || !run->check_deadline || now < run->check_deadline)
        return false;
    kill(run->check_pid, SIGKILL); /* reaped by run_check_done: a check killed is no refusal */
    run->check_given_up = true;
    run_check_done(run, false);
    return true;
}

bool run_check_answered(const struct run *run)
{
    return run->state == RUN_CHECKING && run->check_pid <= 0 && !run->entry->warnings->checking;
}

void run_check_done(struct run *run, bool stopping)
{
    if (run->check_pid > 0) { /* its own check */
        if (stopping)
            kill(run->check_pid, SIGKILL);
        run->trace_refused = replays_check_result(run->check_pid, run->check_fd) && !stopping;
        run->entry->warnings->checking = false;
    } else /* another run's: its answer */
        run->trace_refused = !stopping && run->entry->warnings->refused;
    run->check_pid = 0;
    run->check_fd = -1;
    finish_done(run);
}

/* The end of run_finish, once a replay's trace is known refused or not. */
static void finish_done(struct run *run)
{
    if (run->trace_refused)
        run->entry->warnings->refused = true;
    if (run->says_warnings) { /* said if it ended clean; else the next replay started carries them */
        run->entry->warnings->taken = false;
        run->entry->warnings->said = strcmp(run->status, "ok") == 0;
        run->entry->warnings->failed |= !run->entry->warnings->said;
    }
    free(run->child);
    run->child = NULL;
    run->state = RUN_DONE;
    /* A refused run (another allocator, a record out of protocol) has no rows whatever its exit: not ok. */
    progress_finished(run->progress, run->what, run->wrong_allocator ? "refused" : run->status,
                      progress_now() - run->started);
}

/* Writes a finished run: its talk block, its rows, its summary samples; returns its exit code. */
/*
 * Appends a run's rows to the CSV in one write. If the write fails (disk full), a regular file is cut
 * back to where the run began, so the file keeps whole rows only.
 */
static bool append_rows(FILE *out, const char *option, const char *path, const char *rows, size_t size)
{
    off_t before = ftello(out);
    if (fwrite(rows, 1, size, out) == size && matrix_csv_flushed(out, option, path))
        return true;
    if (before >= 0 && ftruncate(fileno(out), before) == 0)
        fseeko(out, before, SEEK_SET);
    return false;
}

/*
 * A clean replay's first rep under the profile its trace was recorded under is set against the recording: where
 * they disagree beyond the fidelity goal, the user is told once, whatever the number of profiles and reps.
 */
static void check_against_the_recording(const struct run *run, int code, struct matrix_totals *totals)
{
    struct replay_miss miss;
    if (run->replay && code == EXIT_CLEAN && run->identity.rep == 1 && run->entry->recorded_profile &&
        strcmp(run->entry->recorded_profile, run->selected->profile->name) == 0 &&
        replay_check_rows(run->phases, run->phase_count, &miss)) {
        replay_check_print(stderr, run->identity.case_name, run->selected->profile->name, &miss);
        size_t used = strlen(totals->replay_misses);
        snprintf(totals->replay_misses + used, sizeof totals->replay_misses - used, "%s%s under %s (%s)",
                 used ? ", " : "", run->identity.case_name, run->selected->profile->name, miss.label);
    }
}

/* Writes a finished run: its talk block, its rows, its summary samples; returns its exit code. */
int run_emit(struct run *run, struct matrix_totals *totals)
{
    const struct matrix *matrix = run->matrix;
    int code = EXIT_CLEAN;
    char *rows = NULL;
    size_t rows_size = 0;
    FILE *row_buffer = open_memstream(&rows, &rows_size);

    progress_clear(run->progress);
    if (run->console && run->console != matrix->console) {
        fclose(run->console);
        fwrite(run->block, 1, run->block_size, matrix->console);
        free(run->block);
    }
    if (matrix->console)
        fputc('\n', matrix->console);
    totals->runs++;
    if (run->wrong_allocator) {
        fprintf(stderr, "fragbench: %s: %s; its samples are not kept\n", run->what, run->wrong_why);
        totals->wrong++;
        code = EXIT_BAD_INPUT;
    } else {
        char allocator[128];
        const char *kind = run->matrix->command ? "program" : run->replay ? "replay" : "case";
        if (!run->have_hello && strcmp(run->status, "not-started") != 0 && run->entry && run->entry->kind == PYTHON)
            fprintf(stderr, "fragbench: %s: the case ended (%s) without naming its allocator: is --python=%s a "
                            "CPython 3 interpreter? (its own words, if any, are above)\n", run->what, run->status,
                    matrix->python);
        else if (!run->have_hello && strcmp(run->status, "not-started") != 0)
            fprintf(stderr, "fragbench: %s: the %s ended (%s) without naming its allocator\n", run->what, kind,
                    run->status);
        else if (run->killed_for && strcmp(run->killed_for, "timeout") == 0)
            fprintf(stderr, "fragbench: %s: the %s ran past --timeout=%u s, and the runner killed it (status timeout)\n",
                    run->what, kind, matrix->timeout_s);
        else if (run->killed_for && strcmp(run->killed_for, "oom") == 0)
            fprintf(stderr, "fragbench: %s: the %s's RSS reached %llu kB%s, past --mem-limit (%llu kB), and the runner "
                    "killed it (status oom)\n", run->what, kind, (unsigned long long)run->killed_rss_kb,
                    run->replay ? " (its process's, the replay's own tables included, which its rows leave out)" : "",
                    matrix->mem_limit_kb);
        else if (run->trace_refused)
            fprintf(stderr, "fragbench: --replay: %s: the trace reads corrupt past the checks made before the runs "
                            "(fb-replay's words above, exit 2), as every replay of it would find: its replays not yet "
                            "started are left out\n", run->entry->path);
        else if (run->check_given_up)
            fprintf(stderr, "fragbench: %s: the replay ended with %s; its trace, read whole to tell a corrupt trace "
                            "from the replay's own failure, was not read within --timeout=%u s, and the read was "
                            "stopped: the trace is not refused, and its other replays go on\n", run->what,
                    run->status, matrix->timeout_s);
        else if (strcmp(run->status, "ok") != 0)
            fprintf(stderr, "fragbench: %s: the %s ended with %s\n", run->what, kind, run->status);
        if (strcmp(run->status, "ok") != 0 || !run->have_hello) {
            totals->failed++;
            code = run->trace_refused ? EXIT_BAD_INPUT : EXIT_RUN_FAILED;
        }
        allocator_text(allocator, sizeof allocator, run->selected->allocator, run->selected->version);
        run_set_replay_figures(run);
        for (size_t i = 0; i < run->phase_count; i++) {
            /* A replay's table has the recording beside it: its RSS at its own rows (Start, marks, peak, Exit),
               each added before the replay's own row there, so that the rows keep the replay's order. */
            if (run->replay && code == EXIT_CLEAN && matrix->summary && run->phases[i].has_recorded_rss) {
                summary_add(matrix->summary, run->identity.case_name, "recorded run", "as recorded",
                            run->phases[i].label, run->phases[i].recorded_rss_kb);
                totals->recorded_rows = true;
            }
            results_write_row(row_buffer, &run->identity, &run->phases[i], run->status);
            if (code == EXIT_CLEAN && matrix->summary)
                summary_add(matrix->summary, run->identity.case_name, run->identity.profile, allocator,
                            run->phases[i].label, run->phases[i].rss_kb);
        }
        if (run->phase_count == 0) /* it failed before its first sample: one row says so */
            results_write_status_row(row_buffer, &run->identity, run->status);
        check_against_the_recording(run, code, totals);
        totals->rows += run->phase_count;
        if (run->trace_unread) /* said when it was read: the rows are the run's, true; the trace is not to be used */
            code = EXIT_BAD_INPUT;
        else if (run->trace_write_failed) { /* the rows are the run's, true; its trace holds its calls up to the failure */
            fprintf(stderr, "fragbench: --record: a write to the trace %s failed (above): it holds the program's calls up "
                    "to the failure only; the run's rows are kept; make room where it is written, or give "
                    "--record=FILE elsewhere, and record again\n", matrix->trace_display);
            code = code == EXIT_CLEAN ? EXIT_RUN_FAILED : code;
        }
    }
    fclose(row_buffer);
    if (matrix->csv && !totals->csv_broken && rows_size > 0 && !append_rows(matrix->csv, "--csv", matrix->csv_path, rows, rows_size)) {
        totals->csv_broken = true;
        code = EXIT_BAD_INPUT;
    }
    free(rows);
    if (matrix->timeline && run->sample_count > 0 && !run->wrong_allocator && !totals->csv_broken) {
        char *timeline_rows = NULL;
        size_t timeline_size = 0;
        FILE *timeline = open_memstream(&timeline_rows, &timeline_size);
        for (size_t i = 0; i < run->sample_count; i++)
            timeline_write_row(timeline, &run->identity, &run->samples[i]);
        fclose(timeline);
        if (!append_rows(matrix->timeline, "--timeline", matrix->timeline_path, timeline_rows, timeline_size)) {
            totals->csv_broken = true;
            code = EXIT_BAD_INPUT;
        }
        free(timeline_rows);
    }
    if (run->result.bad_records)
        fprintf(stderr, "fragbench: %s: %zu malformed record(s) ignored; the first: %s\n", run->what,
                run->result.bad_records, run->result.first_bad);
    /* A child of the program's own name forked without an exec: it runs the program's code, and no command of its
       own could run it alone (a newcomer was told to run its command). Names are the kernel's, 15 bytes at most. */
    const char *program = run->identity.case_name; /* a command's: the name of the program its hello came from */
    bool a_fork = matrix->command && program && strncmp(run->child_process_name, program, 15) == 0;
    if (run->child_process && a_fork)
        fprintf(stderr, "fragbench: %s: note: the program forked a child process (%s, pid %d) while it ran, which "
                "did not exec another program; the figures%s are the parent's alone, not the child's (its memory is "
                "its own process's)\n", run->what, run->child_process_name, (int)run->child_process,
                matrix->trace_path ? " and the trace" : "");
    else if (run->child_process)
        fprintf(stderr, "fragbench: %s: note: the program started a child process (%s, pid %d) while it ran; the "
                "figures%s are the program's alone, not its children's (to measure the child, run its own command: "
                "./run %s-- COMMAND)\n", run->what, run->child_process_name, (int)run->child_process,
                matrix->trace_path ? " and the trace" : "", matrix->trace_path ? "--record=FILE " : "");
    if (matrix->console)
        fflush(matrix->console);
    progress_draw(run->progress);
    return code;
}

/* Frees what a run holds once its rows are written or dropped: its rows, their labels, its samples. */
void run_free(struct run *run)
{
    free(run->phases);
    phase_labels_free(&run->labels);
    free(run->samples);
    free(run);
}

/* Frees a run that is not written (stopped, or after an error): its child, samples and kept output. */
void run_discard(struct run *run)
{
    if (run->console && run->console != run->matrix->console) {
        fclose(run->console);
        free(run->block);
    }
    if (run->sampling)
        sampler_close(&run->sampler);
    if (run->child) { /* stopped before it ended: its pipe and pidfd are still open */
        if (run->child->pipe_fd >= 0)
            close(run->child->pipe_fd);
        if (run->child->pidfd >= 0)
            close(run->child->pidfd);
    }
    free(run->child);
    run_free(run);
}
