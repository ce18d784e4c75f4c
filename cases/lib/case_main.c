/* The main shared by every case program: options, the allocator hello, the case body and the tail phases. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allocator.h"
#include "case.h"

size_t scaled(size_t base, double scale)
{
    double n = floor((double)base * scale + 0.5);
    return n < 1 ? 1 : (size_t)n;
}

size_t mixed_size(size_t index, size_t min, size_t max)
{
    uint32_t h = (uint32_t)index * 2654435761u; /* Knuth's multiplicative hash */
    return min + (h >> 8) % (max - min + 1);
}

void start_thread(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    int error = pthread_create(thread, NULL, fn, arg);
    if (error != 0) {
        fprintf(stderr, "fragbench case: cannot start a thread: %s\n", strerror(error));
        exit(3);
    }
}

/* The most threads --threads accepts. */
enum { MAX_THREADS = 1024 };

static void usage(const char *program, FILE *out)
{
    char threads_line[160];
    if (case_default_threads)
        snprintf(threads_line, sizeof threads_line, "threads to start, 1-%d (default %u)", MAX_THREADS,
                 case_default_threads);
    else
        snprintf(threads_line, sizeof threads_line, "accepted (1-%d) and ignored: this case runs on one thread",
                 MAX_THREADS);
    fprintf(out,
            "usage: %s [--scale=F] [--idle-ms=N] [--threads=N]\n"
            "%s\n"
            "  --scale=F    multiply the working set by F (default 1, the talk's size)\n"
            "  --idle-ms=N  sleep N ms before the \"After idle\" phase (default 1000)\n"
            "  --threads=N  %s\n"
            "Run by the fragbench runner, it reports on the pipe named by FRAGBENCH_FD;\n"
            "run alone, it prints one \"PHASE: N kB used\" line per phase.\n",
            program, case_description, threads_line);
}

static void sleep_ms(long ms)
{
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0)
        ;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"scale", required_argument, NULL, 's'},
        {"idle-ms", required_argument, NULL, 'i'},
        {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct case_params params = {.scale = 1.0, .threads = case_default_threads};
    struct allocator_info allocator;
    long idle_ms = 1000;
    int opt;
    char *end;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            params.scale = strtod(optarg, &end);
            if (*end || !(params.scale > 0) || params.scale > 1000) {
                fprintf(stderr, "%s: --scale: '%s' is not a number in (0, 1000]\n", argv[0], optarg);
                return 2;
            }
            break;
        case 'i':
            idle_ms = strtol(optarg, &end, 10);
            if (*end || *optarg == '\0' || idle_ms < 0 || idle_ms > 86400000L) {
                fprintf(stderr, "%s: --idle-ms: '%s' is not a number of ms\n", argv[0], optarg);
                return 2;
            }
            break;
        case 't': {
            long threads = strtol(optarg, &end, 10);
            if (*end || *optarg == '\0' || threads < 1 || threads > MAX_THREADS) {
                fprintf(stderr, "%s: --threads: '%s' is not a number in 1-%d\n", argv[0], optarg, MAX_THREADS);
                return 2;
            }
            if (case_default_threads)
                params.threads = (unsigned)threads;
            break;
        }
        case 'h':
            usage(argv[0], stdout);
            return 0;
        default:
            usage(argv[0], stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
        return 2;
    }
    probe_start();
    allocator_identify(&allocator);
    probe_hello(&allocator, case_default_threads ? params.threads : 0);

    case_body(&params);

    fb_idle((uint64_t)idle_ms);
    sleep_ms(idle_ms);
    phase("After idle");
    allocator_release(&allocator);
    phase("After release");
    if (probe_output_error()) {
        fprintf(stderr, "%s: cannot write to standard output: %s\n", argv[0], strerror(probe_output_error()));
        return 2;
    }
    return 0;
}
