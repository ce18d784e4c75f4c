/* fb-replay: replays a recorded trace's calls under the allocator it runs with, and samples where the recording did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "replay.h"

/*
 * The runner starts it as a case (./run --replay=TRACE) under each profile; the engine (engine.c) makes the
 * calls through calls.c. Each call is made again with the recorded size and alignment, and every block is
 * written once per page, as the program that made it would have (an allocation never touched is not resident:
 * the replay makes it so). Each row's RSS is the process's less the replay's own bookkeeping.
 */

static void usage(FILE *out)
{
    fputs("usage: fb-replay TRACE [--time=gaps|fast|real] [--gap-ms=N]\n"
          "Replays the allocation calls of TRACE under the allocator this process runs with (LD_PRELOAD), and\n"
          "reports the memory at the recording's rows, every 5% of its time, and at the end: run it as\n"
          "./run --replay=TRACE. --time=gaps (default) sleeps the recorded gaps longer than --gap-ms (10),\n"
          "so that allocators that purge on a timer see the idle; --time=fast sleeps none; --time=real\n"
          "never runs ahead of the recorded clock (it waits whenever it is early by more than 1 ms).\n",
          out);
}

static int parse(int argc, char **argv, struct replay_options *options)
{
    *options = (struct replay_options){.gap_ns = 10 * 1000000ull};
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--time=fast") == 0)
            options->time = REPLAY_TIME_FAST;
        else if (strcmp(argv[i], "--time=gaps") == 0)
            options->time = REPLAY_TIME_GAPS;
        else if (strcmp(argv[i], "--time=real") == 0)
            options->time = REPLAY_TIME_REAL;
        else if (strncmp(argv[i], "--gap-ms=", 9) == 0) {
            unsigned long value = strtoul(argv[i] + 9, &end, 10);
            if (!argv[i][9] || *end || value > 86400000) {
                fprintf(stderr, "fb-replay: --gap-ms: '%s' is not a whole number of ms\n", argv[i] + 9);
                return -1;
            }
            options->gap_ns = value * 1000000ull;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "fb-replay: unknown option '%s'\n", argv[i]);
            return -1;
        } else if (!options->trace)
            options->trace = argv[i];
        else {
            fprintf(stderr, "fb-replay: one trace only ('%s' and '%s')\n", options->trace, argv[i]);
            return -1;
        }
    }
    if (!options->trace) {
        usage(stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct replay_options options;
    char error[512];
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (parse(argc, argv, &options) != 0)
        return 2;
    probe_start();
    if (replay_trace(&options, error, sizeof error) != 0) {
        fprintf(stderr, "fb-replay: %s\n", error);
        return 2;
    }
    return 0;
}
