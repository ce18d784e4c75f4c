/* A program that only reports which allocator serves its malloc: the runner's pre-flight check of a profile. */
#include <stdio.h>
#include <stdlib.h>

#include "allocator.h"
#include "probe.h"
#include "protocol.h"

int main(void)
{
    struct allocator_info allocator;
    probe_start();
    allocator_identify(&allocator);
    probe_hello(&allocator, 0);
    if (!getenv(FB_ENV_FD)) /* run by hand: say it */
        printf("%s %s (%s)\n", allocator.name, allocator.version, allocator.object);
    return 0;
}
