/* A program that only reports which allocator serves its malloc: the runner's pre-flight check of a profile. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "probe.h"
#include "protocol.h"
#include "../../trace/version.h"

int main(int argc, char **argv)
{
    struct allocator_info allocator;
    if (argc > 1) { /* it takes no argument: the runner runs it bare, under each profile's LD_PRELOAD */
        if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
            printf("fb-identify (fragbench) %s\n", FRAGBENCH_VERSION);
            return 0;
        }
        bool help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
        if (!help)
            fprintf(stderr, "fb-identify: unknown argument '%s' (it takes none)\n", argv[1]);
        fputs("usage: fb-identify [--help | --version] (no other argument): prints the allocator that serves this process's malloc, its\n"
              "version and the object it comes from, e.g. LD_PRELOAD=libjemalloc.so.2 build/fb-identify: the\n"
              "runner's check that a profile's allocator is the one it claims (docs/profiles.md).\n",
              help ? stdout : stderr);
        return help ? 0 : 2;
    }
    probe_start();
    allocator_identify(&allocator);
    probe_hello(&allocator, 0);
    if (!getenv(FB_ENV_FD)) /* run by hand: say it */
        printf("%s %s (%s)\n", allocator.name, allocator.version, allocator.object);
    return 0;
}
