/* The phase probe of the cases: the allocator's hello, phases with live counts, and the talk's lines when run alone. */
#include "probe.h"

#include "allocator.h"

#include <stdbool.h>

/* The number of phases so far. */
static unsigned phase_seq;

/* The allocator named in the hello, whose own view each phase reports; NULL before the hello. */
static const struct allocator_info *reported_allocator;

/*
 * The allocator's own count costs the program time: glibc's mallinfo2 walks every free chunk (27 ms a mark in a
 * CPython heap of 150 000 free chunks, where jemalloc's took 0.2 ms and mimalloc's 0.1). Views of 1 ms or more are
 * slow, and a view is read only while the slow ones so far and one more as long as the last would take at most
 * 0.1 s and a twentieth of the run's time; otherwise the row's allocator columns are empty. So a program that marks
 * every request is slowed by about that share (the first slow view past the 0.1 s, whose cost is not known before,
 * is read whatever it takes); a case's few views of a few ms each (jemalloc's of eight threads' arenas in a run of
 * 40 ms: a twentieth alone left them out) and an allocator whose views are all under 1 ms have them at every row.
 * fragbench.py keeps the same budget.
 */
#define VIEW_SLOW_NS 1000000ULL
#define VIEW_FREE_NS 100000000ULL
#define VIEW_BUDGET_DIVISOR 20
static uint64_t slow_view_ns, last_slow_view_ns;

/* Whether the budget allows the allocator's view at this phase. */
static bool view_within_budget(void)
{
    return slow_view_ns + last_slow_view_ns <= VIEW_FREE_NS + fb_elapsed_us() * 1000 / VIEW_BUDGET_DIVISOR;
}

/* Reads the allocator's view into *view, timing it for the budget with what was read before the sample (ns). */
static void timed_view(struct fb_allocator_view *view, uint64_t before_sample_ns)
{
    uint64_t started = fb_now_ns();
    allocator_view(reported_allocator, view);
    uint64_t took = fb_now_ns() - started + before_sample_ns;
    if (took >= VIEW_SLOW_NS) {
        slow_view_ns += took;
        last_slow_view_ns = took;
    }
}

/* The time the allocator's reading before a caller's sample took (probe_before_sample), for the view's budget. */
static uint64_t pending_before_sample_ns;

/* Makes what the view makes that lasts (allocator_before_sample); the time it took, ns. */
static uint64_t before_sample(void)
{
    uint64_t started = fb_now_ns();
    allocator_before_sample(reported_allocator);
    return fb_now_ns() - started;
}

void probe_before_sample(void)
{
    if (fb_report_fd() >= 0 && reported_allocator && reported_allocator->before_sample && view_within_budget())
        pending_before_sample_ns = before_sample();
}

/* The errno of the first talk's line that could not be written to standard output; 0: none failed. */
static int standalone_write_errno;

int probe_output_error(void)
{
    return standalone_write_errno;
}

void probe_start(void)
{
    (void)fb_report_fd();
    (void)fb_elapsed_us(); /* without the runner's start time, the clock starts here */
}

void probe_hello(const struct allocator_info *allocator, unsigned threads)
{
    struct fb_line line = {.len = 0};
    int fd = fb_report_fd();
    reported_allocator = allocator;
    if (fd < 0)
        return;
    fb_line_text(&line, FB_RECORD_HELLO);
    fb_line_field_u64(&line, "proto", FB_PROTOCOL_VERSION);
    fb_line_field(&line, "allocator", allocator->name);
    fb_line_field(&line, "version", allocator->version);
    fb_line_field(&line, "object", allocator->object);
    fb_line_field_u64(&line, "pid", (uint64_t)getpid());
    if (threads > 0)
        fb_line_field_u64(&line, "threads", threads);
    /* The image saying hello: the runner checks that the process is still this image when it samples it. */
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        fb_line_field(&line, "exe", exe);
    }
    fb_line_send(&line, fd);
}

void probe_phase(const char *label, uint64_t live_bytes, uint64_t live_allocs)
{
    probe_phase_replay(label, live_bytes, live_allocs, NULL, NULL, true);
}

/* A sample that could not be taken is not reported as zeros: the run ends, failed. */
void probe_sample_failed(void)
{
    static const char message[] = "fragbench probe: cannot read /proc/self/statm or /proc/self/status\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    _exit(PROBE_FAILED_EXIT);
}

void probe_phase_replay(const char *label, uint64_t live_bytes, uint64_t live_allocs, const struct fb_memory *sampled,
                        const struct fb_recorded_point *recorded, bool with_allocator_view)
{
    struct fb_memory memory;
    int fd = fb_report_fd();
    bool viewing = fd >= 0 && reported_allocator && with_allocator_view && view_within_budget();

    uint64_t before_sample_ns = pending_before_sample_ns; /* a caller's sample: its probe_before_sample's */
    pending_before_sample_ns = 0;
    if (viewing && !sampled && reported_allocator->before_sample) /* what the view makes that lasts: before */
        before_sample_ns = before_sample();
    if (sampled)
        memory = *sampled;
    else if (fb_sample(&memory) != 0)
        probe_sample_failed();
    phase_seq++;
    if (fd >= 0) {
        /* Read after /proc, so that the allocator's bookkeeping cannot show in the sample. */
        struct fb_allocator_view view;
        if (viewing)
            timed_view(&view, before_sample_ns);
        fb_send_phase(fd, phase_seq, label, &memory, 1, live_bytes, live_allocs, viewing ? &view : NULL, recorded);
        return;
    }
    /* Standalone: the talk's line; and where the recorder records this program (FRAGBENCH_TRACE set), a mark there
       as under the runner: a replay recorded so shows the live heap of the calls it made at each of its rows. */
    (void)fb_trace_mark();
    struct fb_line line = {.len = 0};
    char label_cut[FB_LABEL_MAX];
    strncpy(label_cut, label, sizeof label_cut - 1);
    label_cut[sizeof label_cut - 1] = '\0';
    fb_line_text(&line, label_cut);
    fb_line_text(&line, ": ");
    fb_line_u64(&line, memory.rss_kb);
    fb_line_text(&line, " kB used");
    errno = 0;
    if (fb_line_send(&line, STDOUT_FILENO) != 0 && standalone_write_errno == 0)
        standalone_write_errno = errno ? errno : EIO; /* a write of 0 bytes sets none */
}
