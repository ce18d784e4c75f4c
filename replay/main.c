/* fb-replay: replays a recorded trace's calls under the allocator it runs with, and samples where the recording did. */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "own_threads.h"
#include "private_alloc.h"
#include "probe.h"
#include "reader.h"
#include "replay.h"
#include "version.h"

/*
 * The runner starts it as a case (./run --replay=TRACE) under each profile; the engine (engine.c) makes the
 * calls through calls.c. Each call is made again with the recorded size and alignment, and every block is
 * written once per page, as the program that made it would have (an allocation never touched is not resident:
 * the replay makes it so). Each row's RSS is the process's less the replay's own bookkeeping.
 */

static void usage(FILE *out)
{
    fputs("usage: fb-replay TRACE [--time=gaps|fast|real] [--gap-ms=N] [--no-warnings] [--partial]\n"
          "                 [--decompressed-fd=N]\n"
          "       fb-replay --help | --version\n"
          "Replays the allocation calls of TRACE under the allocator this process runs with (LD_PRELOAD), and\n"
          "reports the memory at the recording's rows, every 5% of its events (of its time in a trace before\n"
          "format 5), and at the end: run it as\n"
          "./run --replay=TRACE. --time=gaps (default) sleeps the idle part of the recorded gaps, where it is\n"
          "longer than --gap-ms (10), so that allocators that purge on a timer see the idle (a trace's CPU\n"
          "notes tell the idle from the busy); --time=fast sleeps none; --time=real\n"
          "never runs ahead of the recorded clock (it waits whenever it is early by more than 1 ms).\n"
          "--no-warnings leaves out what the trace itself is warned of (order errors, rows without their mark): the\n"
          "same in every replay of it, the runner has only a trace's first replay say it.\n"
          "--partial replays a trace that is not whole (its program killed, its file cut short, its recording\n"
          "stopped): the calls it holds. Without it such a trace is refused (exit 2).\n"
          "--decompressed-fd=N reads TRACE, compressed with zstd, from descriptor N, open on its decompressed\n"
          "copy (the runner decompresses a .zst trace once for all its replays).\n",
          out);
}

/* The --time= modes, by name. */
static const struct {
    const char *name;
    enum replay_time time;
} time_modes[] = {{"gaps", REPLAY_TIME_GAPS}, {"fast", REPLAY_TIME_FAST}, {"real", REPLAY_TIME_REAL}};

static int parse_time(const char *name, enum replay_time *time)
{
    for (size_t i = 0; i < sizeof time_modes / sizeof time_modes[0]; i++)
        if (strcmp(name, time_modes[i].name) == 0) {
            *time = time_modes[i].time;
            return 0;
        }
    fprintf(stderr, "fb-replay: --time: '%s' is not gaps, fast or real\n", name);
    return -1;
}

static int parse(int argc, char **argv, struct replay_options *options, bool *warnings, bool *partial)
{
    enum { OPT_TIME = 1000, OPT_GAP_MS, OPT_NO_WARNINGS, OPT_PARTIAL, OPT_DECOMPRESSED_FD };
    static const struct option long_options[] = {{"time", required_argument, NULL, OPT_TIME},
                                                 {"gap-ms", required_argument, NULL, OPT_GAP_MS},
                                                 {"no-warnings", no_argument, NULL, OPT_NO_WARNINGS},
                                                 {"partial", no_argument, NULL, OPT_PARTIAL},
                                                 {"decompressed-fd", required_argument, NULL, OPT_DECOMPRESSED_FD},
                                                 {NULL, 0, NULL, 0}};
    const char *given[2] = {NULL, NULL}; /* each option's value, to refuse one given twice */
    int opt;
    *options = (struct replay_options){.gap_ns = 10 * 1000000ull};
    *warnings = true;
    *partial = false;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        char *end;
        unsigned long value;
        if (opt == OPT_TIME || opt == OPT_GAP_MS) {
            const char **seen = &given[opt - OPT_TIME];
            if (*seen) {
                fprintf(stderr, "fb-replay: --%s is given twice ('%s' and '%s'): give it once\n",
                        long_options[opt - OPT_TIME].name, *seen, optarg);
                return -1;
            }
            *seen = optarg;
        }
        switch (opt) {
        case OPT_TIME:
            if (parse_time(optarg, &options->time) != 0)
                return -1;
            break;
        case OPT_GAP_MS:
            value = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || value > 86400000) { /* no sign, no space */
                fprintf(stderr, "fb-replay: --gap-ms: '%s' is not a whole number of ms\n", optarg);
                return -1;
            }
            options->gap_ns = value * 1000000ull;
            break;
        case OPT_NO_WARNINGS:
            *warnings = false;
            break;
        case OPT_PARTIAL:
            *partial = true;
            break;
        case OPT_DECOMPRESSED_FD:
            if (options->decompressed_fd) {
                fprintf(stderr, "fb-replay: --decompressed-fd is given twice: give it once\n");
                return -1;
            }
            value = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || value <= STDERR_FILENO || value > INT_MAX ||
                fcntl((int)value, F_GETFD) < 0) {
                fprintf(stderr, "fb-replay: --decompressed-fd: '%s' is not a descriptor above 2 open in fb-replay\n",
                        optarg);
                return -1;
            }
            options->decompressed_fd = (int)value;
            break;
        case ':':
            fprintf(stderr, "fb-replay: %s: needs a value\n", argv[optind - 1]);
            return -1;
        default: /* a flag given a value (optopt: its code), a short option (its letter) or an unknown long one */
            if (optopt >= OPT_TIME)
                fprintf(stderr, "fb-replay: --%s takes no value ('%s')\n", long_options[optopt - OPT_TIME].name,
                        argv[optind - 1]);
            else if (optopt)
                fprintf(stderr, "fb-replay: unknown option '-%c' (see --help)\n", optopt);
            else
                fprintf(stderr, "fb-replay: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return -1;
        }
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "fb-replay: one trace only ('%s' and '%s')\n", argv[optind], argv[optind + 1]);
        return -1;
    }
    if (optind == argc) {
        usage(stderr);
        return -1;
    }
    options->trace = argv[optind];
    return 0;
}

/*
 * Whether the trace is whole: 0, or 2 with the message printed. Checked in this process: the trace reader's tables
 * come from the replayer's own allocator and it reads with pread, so nothing of the check is left in the allocator
 * under test (it once used stdio, whose FILE and buffer were, and a replay run alone ended 11 MB above the runner's
 * under jemalloc, until the check ran in a child process; tests/replay.sh compares the two).
 */
static int check_whole(struct replay_options *options)
{
    char error[1024];
    const char *path = options->trace;
    int copy = options->decompressed_fd ? fcntl(options->decompressed_fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1) : -1;
    struct trace_reader *reader = copy >= 0 ? trace_open_fd(copy, path, error, sizeof error)
                                            : trace_open(path, error, sizeof error);
    /* A compressed trace, decompressed for the check, is replayed from that copy: zstd runs once. */
    if (reader && !options->decompressed_fd && trace_info(reader)->compressed) {
        int kept = fcntl(trace_descriptor(reader), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        options->decompressed_fd = kept >= 0 ? kept : 0;
    }
    int whole = !reader || trace_is_complete(trace_info(reader)); /* one not read is told by the replay itself */
    if (!whole) {
        char state[256];
        trace_state_text(trace_info(reader), state, sizeof state);
        fprintf(stderr, "fb-replay: %s is %s; its replay would make only the calls it holds: --partial replays them\n",
                path, state);
    }
    if (reader)
        trace_close(reader);
    return whole ? 0 : 2;
}

int main(int argc, char **argv)
{
    struct replay_options options;
    char error[512];
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("fb-replay (fragbench) %s\n", FRAGBENCH_VERSION);
        return 0;
    }
    bool warnings, partial;
    if (parse(argc, argv, &options, &warnings, &partial) != 0)
        return 2;
    /* A trace that is not whole is replayed only when asked (the runner checks and says so once, and asks). */
    if (!partial && check_whole(&options) != 0)
        return 2;
    probe_start();
    struct replay_outcome outcome;
    if (replay_trace(&options, &outcome, error, sizeof error) != 0) {
        fprintf(stderr, "fb-replay: %s\n", error);
        return 2;
    }
    if (warnings && (outcome.releases_not_live || outcome.allocations_at_live))
        fprintf(stderr,
                "fb-replay: warning: %s has %" PRIu64 " release(s) of blocks not live and %" PRIu64 " allocation(s) at "
                "addresses still live: the program freed or allocated by a path the recorder does not see, %s "
                "(fb-trace info counts them). The replay skipped those releases, and released the block at a reused "
                "address before its new allocation.\n",
                options.trace, outcome.releases_not_live, outcome.allocations_at_live,
                outcome.not_whole ? "the trace is damaged, or (a trace not whole) a call was in progress where a "
                                    "thread's events end: another thread's calls after it are there, its own not"
                                  : "or the trace is damaged");
    if (warnings && outcome.rows_without_mark)
        fprintf(stderr,
                "fb-replay: warning: %s has %" PRIu64 " row(s) of the recording (the first: '%s') placed at a mark of "
                "the program that is not among its events (a buffer the program never wrote, or a chunk lost): the "
                "replay has no row for them.\n",
                options.trace, outcome.rows_without_mark, outcome.row_without_mark);
    uint64_t without_slot, too_large;
    own_thread_tables_outside(&without_slot, &too_large);
    if (warnings && without_slot)
        fprintf(stderr,
                "fb-replay: warning: %" PRIu64 " of the replay's threads started while all %d slots for their C "
                "library tables were taken: those tables (about 300 bytes each) are blocks of the allocator under "
                "test, beside the program's.\n",
                without_slot, PRIVATE_TABLE_SLOTS);
    if (warnings && too_large)
        fprintf(stderr,
                "fb-replay: warning: %" PRIu64 " of the replay's threads' C library tables were larger than a slot "
                "(%d bytes): those tables are blocks of the allocator under test, beside the program's.\n",
                too_large, PRIVATE_TABLE_SLOT);
    /* Said whatever --no-warnings: it is this allocator's answer, not the trace's, and differs from profile to profile. */
    struct replay_failures failed;
    replay_failures_read(&failed);
    if (failed.count)
        fprintf(stderr,
                "fb-replay: warning: %" PRIu64 " call(s) that succeeded when recorded failed under %s (the first: %s "
                "of %" PRIu64 " bytes%s%.0" PRIu64 "): it refuses them (an alignment it does not take) or memory ran "
                "out; their blocks are missing from the rows after them.\n",
                failed.count, failed.allocator, trace_op_names[failed.first_op], failed.first_size,
                failed.first_alignment ? ", aligned " : "", failed.first_alignment);
    if (probe_output_error()) {
        fprintf(stderr, "fb-replay: cannot write to standard output: %s\n", strerror(probe_output_error()));
        return 2;
    }
    return 0;
}
