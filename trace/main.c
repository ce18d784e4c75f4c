/* fb-trace: what a recorded trace holds (info), its events (events), its marks (marks), its live heap at times (live). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "out_of_memory.h"
#include "reader.h"
#include "version.h"

static void usage(FILE *out)
{
    fputs("usage: fb-trace info TRACE     the program, its threads, the allocator, the state, the counts, the live heap's peak,\n"
          "                               every size class\n"
          "       fb-trace events TRACE   every event in time order: ns image.thread op size alignment pointer\n"
          "                               (a release's size is the block's; a mark's, its number; a cpu\n"
          "                               note's, the process's CPU time in ns)\n"
          "       fb-trace marks TRACE    every mark in order: its number, the live bytes and blocks there\n"
          "       fb-trace live TRACE NS...  the live heap (bytes and blocks, as requested) after every event\n"
          "                               at or before each CLOCK_MONOTONIC time NS; \"unknown\" after them\n"
          "                               where NS is past the calls the trace holds (a trace cut or stopped:\n"
          "                               the figures are the heap after its last call)\n"
          "       fb-trace --help | --version\n"
          "Exit status: 0, or 2 when the trace cannot be read, the command is wrong or the output cannot be\n"
          "written (the message says why). A pipe closed early (| head) ends it by SIGPIPE, as it ends cat.\n",
          out);
}

static int print_info(const char *path)
{
    struct trace_summary summary;
    char error[512], state[256];
    if (trace_analyze(path, NULL, 0, &summary, error, sizeof error) != 0) {
        fprintf(stderr, "fb-trace: %s\n", error);
        return 2;
    }
    const struct trace_info *info = &summary.info;
    double seconds = summary.last_ns > info->start_ns ? (double)(summary.last_ns - info->start_ns) / 1e9 : 0;
    trace_state_text(info, state, sizeof state);
    char file_size[32], stored_size[32];
    trace_file_size_text(info->file_bytes, file_size, sizeof file_size);
    /* A compressed file (zstd's magic, whatever its name) is read through zstd: the reader's bytes are the trace's,
     * the file on disk is smaller. */
    bool compressed = info->compressed;
    if (compressed) {
        trace_file_size_text(info->stored_bytes, stored_size, sizeof stored_size);
        printf("trace: %s (%s compressed, %s as a trace, format %u, %s)\n", path, stored_size, file_size,
               info->version, state);
    } else
        printf("trace: %s (%s, format %u, %s)\n", path, file_size, info->version, state);
    printf("program: %s (pid %" PRIu32 "), %u image%s%s%s\n", info->exe, info->pid, info->images,
           info->images == 1 ? "" : "s", info->images > 1 ? ", the last " : "", info->images > 1 ? info->last_exe : "");
    printf("threads: %" PRIu32 "%s (a replay makes them again)\n", info->last_image_threads,
           info->images > 1 ? " in the last image" : "");
    printf("allocator: %s%s%s", *info->allocator ? info->allocator : "(not named)", *info->allocator_version ? " " : "",
           info->allocator_version);
    if (*info->allocator_profile)
        printf(" (profile %s)", info->allocator_profile);
    putchar('\n');
    printf("events: %" PRIu64 " in %.3f s", summary.events, seconds);
    /* Times on the coarse clock (the recorder's default) move in steps of a kernel tick: a short program's span
     * may read 0.000 s, and every time here is good to a step, not to the millisecond printed. */
    struct timespec step;
    if (info->clock_id == CLOCK_MONOTONIC_COARSE && clock_getres(CLOCK_MONOTONIC_COARSE, &step) == 0)
        printf(" (on a coarse clock, in steps of %.0f ms, while one thread made calls)",
               (double)step.tv_sec * 1e3 + (double)step.tv_nsec / 1e6);
    if (summary.events && !info->cut_block) /* a cut block's bytes hold events never read */
        printf(", %.2f bytes each", (double)info->file_bytes / (double)summary.events);
    if (summary.events && compressed && !info->cut_block)
        printf(" (%.2f compressed)", (double)info->stored_bytes / (double)summary.events);
    printf("\n");
    if (summary.op_counts[TRACE_REALLOC_START])
        printf("  (a realloc is two events, its start and its end; each call below is counted once)\n");
    for (int op = 0; op < TRACE_OP_COUNT; op++)
        if (summary.op_counts[op] && op != TRACE_REALLOC_START) /* a realloc's start is half of its call */
            printf("  %-15s %" PRIu64 "\n", trace_op_names[op], summary.op_counts[op]);
    if (summary.null_frees)
        printf("  (of the frees, %" PRIu64 " free(NULL): they change nothing)\n", summary.null_frees);
    printf("failed allocations: %" PRIu64 "\n", summary.failed);
    printf("peak live: %" PRIu64 " bytes in %" PRIu64 " blocks, %.3f s after the start\n", summary.peak_live_bytes,
           summary.peak_live_blocks,
           summary.peak_live_ns > info->start_ns ? (double)(summary.peak_live_ns - info->start_ns) / 1e9 : 0);
    printf("live at the end: %" PRIu64 " bytes in %" PRIu64 " blocks\n", summary.final_live_bytes,
           summary.final_live_blocks);
    printf("order errors: %" PRIu64 " releases of blocks not live, %" PRIu64 " allocations at live addresses\n",
           summary.unknown_releases, summary.double_allocations);
    printf("size classes (requested bytes: allocations):\n");
    for (unsigned k = 0; k < TRACE_SIZE_CLASSES; k++)
        if (summary.size_classes[k]) {
            if (k == 0)
                printf("  %-22s %" PRIu64 "\n", "0", summary.size_classes[k]);
            else {
                char range[48];
                snprintf(range, sizeof range, "%" PRIu64 "-%" PRIu64, (uint64_t)1 << (k - 1),
                         k == 64 ? UINT64_MAX : ((uint64_t)1 << k) - 1);
                printf("  %-22s %" PRIu64 "\n", range, summary.size_classes[k]);
            }
        }
    return 0;
}

/* Every event, or with marks_only the marks alone as "number live_bytes live_blocks". */
static int print_events(const char *path, bool marks_only)
{
    char error[512];
    struct trace_event event;
    struct trace_reader *reader = trace_open(path, error, sizeof error);
    int status;
    if (!reader) {
        fprintf(stderr, "fb-trace: %s\n", error);
        return 2;
    }
    while ((status = trace_next(reader, &event, error, sizeof error)) > 0)
        if (marks_only) {
            if (event.op == TRACE_MARK)
                printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", event.mark, event.live_bytes, event.live_blocks);
        } else
            printf("%" PRIu64 " %u.%" PRIu32 " %s %" PRIu64 " %" PRIu64 " 0x%" PRIx64 "%s\n", event.ns, event.image,
               event.thread, trace_op_names[event.op],
               event.op == TRACE_MARK ? event.mark : event.op == TRACE_CPU ? event.cpu_ns : event.size,
               event.alignment, event.pointer, event.order_error ? " order-error" : "");
    trace_close(reader);
    if (status < 0) {
        trace_name_error(path, error, sizeof error);
        fprintf(stderr, "fb-trace: %s\n", error);
        return 2;
    }
    return 0;
}

static int print_live(const char *path, char **times, int count)
{
    struct trace_summary summary;
    struct trace_point *points = calloc((size_t)count, sizeof *points);
    char error[512];
    if (!points)
        out_of_memory("the points asked for", (size_t)count, sizeof *points);
    for (int i = 0; i < count; i++) {
        char *end;
        errno = 0;
        points[i].ns = strtoull(times[i], &end, 10);
        if (*times[i] < '0' || *times[i] > '9' || *end || errno == ERANGE) {
            fprintf(stderr, "fb-trace: live: '%s' is not a time in ns\n", times[i]);
            free(points);
            return 2;
        }
    }
    int status = trace_analyze(path, points, (size_t)count, &summary, error, sizeof error);
    if (status != 0)
        fprintf(stderr, "fb-trace: %s\n", error);
    for (int i = 0; status == 0 && i < count; i++)
        printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "%s\n", points[i].ns, points[i].live_bytes, points[i].live_blocks,
               points[i].known ? "" : " unknown");
    free(points);
    return status == 0 ? 0 : 2;
}

static int run_info(int argc, char **argv)
{
    (void)argc;
    return print_info(argv[2]);
}

static int run_events(int argc, char **argv)
{
    (void)argc;
    return print_events(argv[2], false);
}

static int run_marks(int argc, char **argv)
{
    (void)argc;
    return print_events(argv[2], true);
}

static int run_live(int argc, char **argv)
{
    return print_live(argv[2], argv + 3, argc - 3);
}

/* The commands: a name, the least arguments after it (the trace first), the most (0: no limit), the function. */
static const struct {
    const char *name;
    int least, most;
    int (*run)(int argc, char **argv);
} commands[] = {{"info", 1, 1, run_info}, {"events", 1, 1, run_events}, {"marks", 1, 1, run_marks},
                {"live", 2, 0, run_live}};

/* The status, or 2 where the output could not all be written (a full disk): said, not lost with exit 0. */
static int written(int status)
{
    int flushed = fflush(stdout);
    if (flushed == 0 && !ferror(stdout))
        return status;
    fprintf(stderr, "fb-trace: cannot write the output: %s\n", flushed != 0 ? strerror(errno) : "a write failed");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return written(0);
    }
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("fb-trace (fragbench) %s\n", FRAGBENCH_VERSION);
        return written(0);
    }
    for (size_t i = 0; argc > 1 && i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        int given = argc - 2;
        if (given >= commands[i].least && (!commands[i].most || given <= commands[i].most))
            return written(commands[i].run(argc, argv));
        fprintf(stderr, "fb-trace: %s takes %s\n", commands[i].name,
                commands[i].most ? "one trace" : "a trace and at least one time in ns");
        usage(stderr);
        return 2;
    }
    if (argc > 1) {
        fprintf(stderr, "fb-trace: unknown command '%s' (commands:", argv[1]);
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            fprintf(stderr, "%s %s", i ? "," : "", commands[i].name);
        fprintf(stderr, ")\n");
    }
    usage(stderr);
    return 2;
}
