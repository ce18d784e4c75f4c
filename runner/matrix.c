/* Runs the matrix of cases x profiles x reps, --jobs working at a time, verifying each run and writing its rows in order. */
#define _GNU_SOURCE
#include "matrix.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "csv.h"
#include "growth.h"
#include "kill_tree.h"
#include "phase_label.h"
#include "progress.h"
#include "recorded.h"
#include "results.h"
#include "sampler.h"
#include "schedule.h"
#include "verify.h"

/* One run of the matrix: what it is, its child, and its samples. */
struct run {
    struct run_identity identity;
    const struct selected_profile *selected;
    char program[PATH_MAX + 64], script[PATH_MAX + 64], scale_arg[64], idle_arg[32], threads_arg[32];
    char *argv[6];
    char what[256]; /* "frag · jemalloc · rep 2/3" for progress */
    struct child *child;
    struct child_result result;
    enum { RUN_WAITING, RUN_ACTIVE, RUN_DONE } state;
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
    char hello_exe[PATH_MAX]; /* external mode: the image that said hello last */
    char foreign_exe[PATH_MAX]; /* an image seen running that has not said hello (yet), and since when */
    double foreign_since;
    double hello_at;          /* when the last hello came */
    uint64_t mark_peak_kb;    /* the largest RSS the program's own marks reported */
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

/* Keeps the largest RSS seen of the run's case. */
static void note_rss(struct run *run, uint64_t rss_kb)
{
    if (rss_kb > *run->case_peak_kb)
        *run->case_peak_kb = rss_kb;
}

volatile sig_atomic_t matrix_stop_signal;

/* Kills a run that passed a limit; its status will name the limit. */
static void kill_for(struct run *run, const char *limit)
{
    siginfo_t ended = {.si_pid = 0};
    if (run->killed_for)
        return;
    /* Already exited (not reaped yet): it ended within the limit, and its own status stands. */
    if (waitid(P_PID, (id_t)run->child->pid, &ended, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        ended.si_pid == run->child->pid)
        return;
    run->killed_for = limit;
    kill_tree(run->child->pid);
}

static bool refuse(struct run *run, const char *why);

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
static void note_peak(struct run *run, uint64_t rss_kb, uint64_t ns, uint64_t mark)
{
    if (rss_kb > run->peak_seen.rss_kb)
        run->peak_seen = (struct recorded_peak){.rss_kb = rss_kb, .ns = ns, .mark = mark};
}

/*
 * Samples the run from outside now and adds a timeline row: at a mark (the program's own phase record, as kept
 * in run->phases, which gains the smaps_rollup figures; the row carries its label, and if the program has
 * already exited, the record's own measurement stands in) or periodically (mark NULL).
 */
static void sample_outside(struct run *run, struct phase_sample *mark)
{
    struct fb_memory memory;
    struct smaps_extra extra = {.known = false};
    uint64_t ns = fb_now_ns();
    /* Before the hello, the pid may still be the runner's fork, not yet the program: not a sample of it. */
    if (!run->sampling || !run->have_hello)
        return;
    if (run->matrix->command && *run->hello_exe && !same_image(run)) {
        /* It exec'd into an image that never said hello: LD_PRELOAD did not reach it (cleared, static, setuid). */
        char why[sizeof run->wrong_why - 128];
        snprintf(why, sizeof why, "the command exec'd into %.400s, which did not name its allocator within %.0f ms "
                 "(after %.400s)", run->foreign_exe, HELLO_GRACE_SECONDS * 1000, run->hello_exe);
        refuse(run, why);
        kill_tree(run->child->pid);
        return;
    }
    if (sampler_read(&run->sampler, &memory) == 0) {
        run->last = memory;
        run->have_last = true;
        run->last_is_a_mark = false;
        run->last_ns = ns;
        note_rss(run, memory.rss_kb);
        note_peak(run, memory.rss_kb, ns, 0);
        if (run->matrix->mem_limit_kb && memory.rss_kb > run->matrix->mem_limit_kb)
            kill_for(run, "oom");
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
        memory = (struct fb_memory){mark->vsz_kb, mark->rss_kb, mark->anon_kb, mark->file_kb};
        run->last = memory; /* gone already: its own last word is the newest there is */
        run->have_last = true;
        run->last_ns = mark->has_t_ns ? mark->t_ns : (run->t0_us + mark->elapsed_us) * 1000;
        run->last_is_a_mark = true;
    } else
        return;
    if (run->replay) {
        /* Its RSS from outside holds the replay's own tables (its live set: 192 MiB for jq's): a replay's timeline is
           its rows, with the memory they report, its own less that bookkeeping, as its CSV rows have it. */
        if (!mark)
            return;
        memory = (struct fb_memory){mark->vsz_kb, mark->rss_kb, mark->anon_kb, mark->file_kb};
    }
    if (run->matrix->timeline) {
        if (run->sample_count % 256 == 0) {
            run->samples = realloc(run->samples, (run->sample_count + 256) * sizeof *run->samples);
            if (!run->samples)
                abort();
        }
        struct timeline_sample *sample = &run->samples[run->sample_count++];
        /* A mark's row stands for the mark: its live heap is the trace's at the mark, not at this read. */
        if (mark)
            ns = mark->has_t_ns ? mark->t_ns : (run->t0_us + mark->elapsed_us) * 1000;
        *sample = (struct timeline_sample){.t_ms = (progress_now() - run->started) * 1000, .ns = ns,
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
    if (strcmp(id->profile, id->allocator) == 0)
        fprintf(out, "%s · %s %s", id->case_name, id->allocator, id->alloc_version);
    else
        fprintf(out, "%s · %s (%s %s)", id->case_name, id->profile, id->allocator, id->alloc_version);
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
    end_idle(run); /* a phase ends an idle */
    run->phases = realloc(run->phases, (run->phase_count + 1) * sizeof *run->phases);
    if (!run->phases)
        abort();
    const struct phase_sample *sent = &record->phase;
    struct phase_sample *phase = &run->phases[run->phase_count];
    *phase = *sent;
    /* Rows are numbered as they arrive: the shim, each exec'd image and a program's own API count apart. */
    phase->seq = run->phase_count + 1;
    if (phase_labels_number(&run->labels, phase->label, sizeof phase->label) != 0)
        abort();
    run->phase_count++;
    if (sent->rss_kb > run->mark_peak_kb)
        run->mark_peak_kb = sent->rss_kb;
    if (sent->replay_peak_kb > run->mark_peak_kb)
        run->mark_peak_kb = sent->replay_peak_kb;
    note_peak(run, sent->rss_kb, sent->has_t_ns ? sent->t_ns : (run->t0_us + sent->elapsed_us) * 1000,
              sent->trace_mark);
    note_rss(run, sent->rss_kb);
    sample_outside(run, phase);
    FILE *out = talk(run);
    if (out) {
        fprintf(out, "%s: %llu kB used\n", phase->label, (unsigned long long)sent->rss_kb);
        fflush(out);
    }
    return true;
}

static void prepare(struct run *run, const struct matrix *matrix, const struct case_entry *entry,
                    const struct selected_profile *selected, unsigned rep, struct progress *progress)
{
    memset(run, 0, sizeof *run);
    run->matrix = matrix;
    run->progress = progress;
    run->selected = selected;
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

static void start(struct run *run)
{
    char error[512];
    const struct matrix *matrix = run->matrix;
    struct child_spec spec = {.argv = run->argv, .profile = run->selected->profile, .quiet = false};
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

/*
 * A replay's ideal RSS at each row, as a recording's (growth_ideal_kb): its first row's RSS plus the recorded live
 * heap grown since, in whole pages. Its rows carry the live bytes exactly, where the CSV's live_kb is rounded to a
 * kB: the slides take the ideal from here, and agree with the recording's own report to the page.
 */
static void set_replay_ideals(struct run *run)
{
    if (!run->replay || run->phase_count == 0 || !run->phases[0].has_live)
        return;
    const struct phase_sample *first = &run->phases[0];
    uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < run->phase_count; i++)
        if (run->phases[i].has_live) {
            run->phases[i].ideal_rss_kb =
                growth_ideal_kb(first->rss_kb, first->live_bytes, run->phases[i].live_bytes, page_size);
            run->phases[i].has_ideal = true;
        }
}

/* A recorded run has ended: its trace names the allocator verified, then gives the live heap at each row and sample. */
static void read_trace(struct run *run)
{
    const struct matrix *matrix = run->matrix;
    struct recorded recorded;
    char error[512];
    FILE *out = talk(run);
    int named = recorded_name_allocator(matrix->trace_path, run->selected->allocator, run->selected->version);
    if (named < 0)
        fprintf(stderr, "fragbench: --record: cannot add the allocator's name to %s: %s\n", matrix->trace_path,
                strerror(errno));
    if (recorded_read(matrix->trace_path, run->phases, run->phase_count, run->t0_us, run->samples, run->sample_count,
                      &run->peak_seen, &recorded, error, sizeof error) != 0) {
        fprintf(stderr, "fragbench: --record: %s\n", error);
        return;
    }
    if (named == 0 && run->phase_count > 0 &&
        recorded_append_rows(matrix->trace_path, run->phases, run->phase_count, run->t0_us, &run->peak_seen,
                             recorded.live_at_peak_rss_bytes) != 0)
        fprintf(stderr, "fragbench: --record: cannot add the run's rows to %s: %s\n", matrix->trace_path,
                strerror(errno));
    run->identity.recorded = true;
    run->identity.peak_live_kb = results_kb(recorded.summary.peak_live_bytes);
    run->identity.peak_live_known = trace_is_complete(&recorded.summary.info);
    run->identity.live_at_peak_rss_kb = results_kb(recorded.live_at_peak_rss_bytes);
    run->identity.live_at_peak_rss_known = recorded.live_at_peak_rss_known;
    if (!trace_is_complete(&recorded.summary.info)) { /* said even when --quiet: the live heap after it is unknown */
        char state[256];
        trace_state_text(&recorded.summary.info, state, sizeof state);
        fprintf(stderr, "fragbench: --record: the trace %s is %s\n", matrix->trace_display, state);
    }
    recorded_print(out, matrix->trace_display, &recorded, run->phases, run->phase_count, matrix->command,
                   matrix->timeline != NULL);
    if (out)
        fflush(out);
}

static void finish(struct run *run)
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
        refuse(run, why);
    }
    run->identity.busy_ms = (wall - run->idle_seconds) * 1000;
    if (run->sampling) {
        /*
         * A replay's rows leave out its own bookkeeping, which an outside sample cannot: its peak is its rows' and
         * the largest it noted between them (replay_peak_kb), both less that bookkeeping.
         * A recorded run's is the largest RSS seen at a known moment, where the trace gives the live heap (the
         * kernel's high-water mark has no moment); any other run's includes that high-water mark.
         */
        uint64_t outside = run->matrix->trace_path ? run->peak_seen.rss_kb : run->sampler.peak_rss_kb;
        run->identity.peak_rss_kb = outside > run->mark_peak_kb && !run->replay ? outside : run->mark_peak_kb;
        if (!run->replay)
            note_rss(run, run->sampler.peak_rss_kb); /* what a later run of the case may hold, high-water mark included */
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
        run->last = (struct fb_memory){mark->vsz_kb, mark->rss_kb, mark->anon_kb, mark->file_kb};
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
            abort();
        if (phase_labels_number(&run->labels, end.label, sizeof end.label) != 0)
            abort();
        run->phases[run->phase_count++] = end;
        FILE *out = talk(run);
        if (out) { /* as its CSV row: the program's own Exit never came */
            fprintf(out, "%s: %llu kB used (%s: it did not end through exit)\n", end.label, (unsigned long long)end.rss_kb,
                    run->last_is_a_mark ? "as at its last mark" : "the last sample from outside");
            fflush(out);
        }
    }
    if (run->matrix->trace_path && run->have_hello && !run->wrong_allocator)
        read_trace(run);
    if (run->matrix->trace_compressed &&
        recorded_compress(run->matrix->trace_path, run->matrix->trace_compressed) != 0)
        fprintf(stderr, "fragbench: --record: zstd could not compress the trace: it is kept uncompressed in %s\n",
                run->matrix->trace_path);
    if (run->child)
        child_status_text(run->result.wait_status, run->status, sizeof run->status);
    if (run->killed_for) /* the runner's SIGKILL: say why */
        snprintf(run->status, sizeof run->status, "%s", run->killed_for);
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

/* Writes a finished run: its talk block, its rows, its summary samples; returns its exit code. */
static int emit(struct run *run, struct matrix_totals *totals)
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
        if (run->have_hello && run->phase_count == 0 && strcmp(run->status, "ok") == 0)
            snprintf(run->status, sizeof run->status, "no-phases"); /* a clean exit that measured nothing */
        if (!run->have_hello && strcmp(run->status, "ok") == 0)
            snprintf(run->status, sizeof run->status, "no-hello"); /* exited 0 without naming its allocator */
        const char *kind = run->matrix->command ? "program" : run->replay ? "replay" : "case";
        if (!run->have_hello && strcmp(run->status, "not-started") != 0)
            fprintf(stderr, "fragbench: %s: the %s ended (%s) without naming its allocator\n", run->what, kind,
                    run->status);
        else if (strcmp(run->status, "ok") != 0)
            fprintf(stderr, "fragbench: %s: the %s ended with %s\n", run->what, kind, run->status);
        if (strcmp(run->status, "ok") != 0 || !run->have_hello) {
            totals->failed++;
            code = EXIT_RUN_FAILED;
        }
        snprintf(allocator, sizeof allocator, "%s %s", run->selected->allocator, run->selected->version);
        set_replay_ideals(run);
        for (size_t i = 0; i < run->phase_count; i++) {
            results_write_row(row_buffer, &run->identity, &run->phases[i], run->status);
            if (code == EXIT_CLEAN && matrix->summary)
                summary_add(matrix->summary, run->identity.case_name, run->identity.profile, allocator,
                            run->phases[i].label, run->phases[i].rss_kb);
        }
        if (run->phase_count == 0) /* it failed before its first sample: one row says so */
            results_write_status_row(row_buffer, &run->identity, run->status);
        totals->rows += run->phase_count;
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
    if (matrix->console)
        fflush(matrix->console);
    progress_draw(run->progress);
    return code;
}

/* Frees what a run holds once its rows are written or dropped: its rows, their labels, its samples. */
static void free_run(struct run *run)
{
    free(run->phases);
    phase_labels_free(&run->labels);
    free(run->samples);
    free(run);
}

/* Frees a run that is not written (stopped, or after an error): its child, samples and kept output. */
static void discard(struct run *run)
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
    free_run(run);
}

/* The run of a slot of the schedule, set up to start. */
static struct run *make_run(const struct matrix *matrix, const struct schedule *schedule, size_t slot,
                            uint64_t *case_peak_kb, struct progress *progress)
{
    struct run *run = malloc(sizeof *run);
    if (!run)
        abort();
    size_t case_index = schedule_case(schedule, slot);
    prepare(run, matrix, matrix->cases[case_index], &matrix->selection->items[schedule_profile(schedule, slot)],
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

/* Stops the children of runs still active (after an error that ends the matrix) and reaps them. */
static void stop_active(struct run **runs, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (runs[i] && runs[i]->state == RUN_ACTIVE) {
            kill_tree(runs[i]->child->pid);
            while (waitpid(runs[i]->child->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
}

/*
 * Stopped while recording: the program was killed, and the trace holds its calls up to its last chunk written.
 * It is compressed as asked (FILE.zst) if zstd can, and the user is told where it is; a trace the program never
 * started leaves no file of the runner's own making behind.
 */
static void keep_stopped_trace(const struct matrix *matrix)
{
    struct stat status;
    const char *kept = matrix->trace_path;
    if (stat(matrix->trace_path, &status) != 0 || status.st_size == 0) {
        unlink(matrix->trace_path); /* the empty file the runner made for the recorder */
        if (matrix->trace_compressed && stat(matrix->trace_compressed, &status) == 0 && status.st_size == 0)
            unlink(matrix->trace_compressed);
        fprintf(stderr, "fragbench: --record: stopped before the program began recording: no trace in %s\n",
                matrix->trace_display);
        return;
    }
    if (matrix->trace_compressed && recorded_compress(matrix->trace_path, matrix->trace_compressed) == 0)
        kept = matrix->trace_compressed;
    fprintf(stderr, "fragbench: --record: the trace of the stopped program is in %s, truncated (the calls it made "
                    "since its last chunk was written are lost): 'fb-trace info %s' tells what it holds\n", kept, kept);
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
            int run_code = emit(runs[slot], totals);
            code = run_code > code ? run_code : code;
            free_run(runs[slot]);
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
    struct pollfd watched[2 * MATRIX_MAX_JOBS];
    struct progress progress;
    size_t next_emit = 0, active = 0;
    int code = EXIT_CLEAN;
    bool stopped = false;
    /* Runs beside the working ones may hold up to 3/4 of the memory available now. */
    uint64_t budget_kb = memory_available_kb() / 4 * 3;

    if (!runs || !case_peak_kb)
        abort();
    progress_init(&progress, (unsigned)schedule.planned, stderr, matrix->quiet);
    if (!matrix->quiet && schedule.slots > 1) {
        fprintf(stderr, "fragbench: plan: %zu case(s) x %zu profile(s) x %u rep(s)", matrix->case_count,
                matrix->selection->count, matrix->reps);
        if (schedule.max_reps > matrix->reps)
            fprintf(stderr, " (up to %u where they differ by more than %.0f%%)", schedule.max_reps, matrix->spread_pct);
        fprintf(stderr, " = %zu runs; %u working at a time%s\n", schedule.planned, matrix->jobs,
                matrix->no_overlap ? ", none beside them (--no-overlap)" : ", more beside them while they idle");
    }

    for (;;) {
        /* Start runs while fewer than --jobs work (an idle one does not) and the memory they may hold fits. */
        double now = progress_now();
        size_t working = 0;
        uint64_t reserved_kb = 0;
        for (size_t i = next_emit; i < schedule.slots; i++)
            if (runs[i] && runs[i]->state == RUN_ACTIVE) {
                working += matrix->no_overlap || now >= runs[i]->idle_until;
                reserved_kb += expected_kb(case_peak_kb, matrix->case_count, schedule_case(&schedule, i));
            }
        while (working < matrix->jobs && active < MATRIX_MAX_JOBS && !totals->csv_broken) {
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
            start(runs[slot]);
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

        size_t count = 0;
        struct run *owners[MATRIX_MAX_JOBS];
        int first[MATRIX_MAX_JOBS], counts[MATRIX_MAX_JOBS];
        for (size_t i = next_emit; i < schedule.slots; i++)
            if (runs[i] && runs[i]->state == RUN_ACTIVE && count < MATRIX_MAX_JOBS)
                owners[count++] = runs[i];
        int used = 0;
        for (size_t k = 0; k < count; k++) {
            first[k] = used;
            counts[k] = child_watch(owners[k]->child, watched + used);
            used += counts[k];
        }
        /* Wake up for the next outside sample due, a run's deadline, or the progress line. */
        int timeout = progress.live ? 500 : -1;
        for (size_t k = 0; k < count && matrix->timeout_s; k++) {
            int due = (int)((owners[k]->started + matrix->timeout_s - now) * 1000 + 0.999);
            due = due < 0 ? 0 : due;
            timeout = timeout < 0 || due < timeout ? due : timeout;
        }
        for (size_t k = 0; k < count; k++)
            if (owners[k]->sampling) {
                int due = (int)((owners[k]->next_sample - now) * 1000 + 0.999);
                due = due < 0 ? 0 : due;
                timeout = timeout < 0 || due < timeout ? due : timeout;
            }
        /*
         * A stop signal that came before the wait must not wait for the runs to end: SIGINT and SIGTERM are held
         * from the check to the wait, which lets them in (ppoll), so one that comes between ends the wait.
         */
        sigset_t stop_signals, unblocked;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        sigprocmask(SIG_BLOCK, &stop_signals, &unblocked);
        if (matrix_stop_signal)
            timeout = 0;
        struct timespec wait = {timeout / 1000, (long)(timeout % 1000) * 1000000};
        int polled = ppoll(watched, (nfds_t)used, timeout < 0 ? NULL : &wait, &unblocked), poll_error = errno;
        sigprocmask(SIG_SETMASK, &unblocked, NULL);
        if (polled < 0 && poll_error != EINTR) {
            errno = poll_error;
            fprintf(stderr, "fragbench: poll: %s; stopping the runs in progress\n", strerror(errno));
            stop_active(runs, next_emit, schedule.slots);
            code = EXIT_BAD_INPUT;
            break;
        }
        if (matrix_stop_signal) {
            /* Ctrl-C or SIGTERM: the runs in progress are stopped and not kept; the finished ones are written. */
            progress_clear(&progress);
            stop_active(runs, next_emit, schedule.slots);
            stopped = true;
            break;
        }
        now = progress_now();
        for (size_t k = 0; k < count && matrix->timeout_s; k++)
            if (now >= owners[k]->started + matrix->timeout_s)
                kill_for(owners[k], "timeout");
        for (size_t k = 0; k < count; k++)
            if (owners[k]->sampling && now >= owners[k]->next_sample) {
                sample_outside(owners[k], NULL);
                owners[k]->next_sample += matrix->interval_ms / 1000.0;
                if (owners[k]->next_sample < now) /* fell behind: no burst to catch up */
                    owners[k]->next_sample = now + matrix->interval_ms / 1000.0;
            }
        for (size_t k = 0; k < count; k++)
            if (child_handle(owners[k]->child, watched + first[k], counts[k])) {
                finish(owners[k]);
                settle(&schedule, runs, owners[k], matrix, &progress);
                active--;
            }
        progress_draw(&progress);
    }
    if (stopped) {
        emit_ready(&schedule, runs, &next_emit, true, totals);
        code = 128 + matrix_stop_signal;
        fprintf(stderr, "fragbench: stopped by %s: %u finished run(s) kept, %zu run(s) in progress dropped\n",
                matrix_stop_signal == SIGINT ? "SIGINT" : "SIGTERM", totals->runs, active);
        if (matrix->trace_path && active > 0)
            keep_stopped_trace(matrix);
    }
    progress_clear(&progress);
    for (size_t i = next_emit; i < schedule.slots; i++)
        if (runs[i])
            discard(runs[i]);
    free(runs);
    free(case_peak_kb);
    schedule_free(&schedule);
    return code;
}
