/* A statically linked program, for the tests that external mode refuses what LD_PRELOAD cannot reach. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* usage: static_hello [MS] (MS milliseconds asleep after its hello: long enough for the runner to see it) */
int main(int argc, char **argv)
{
    puts("static hello");
    fflush(stdout);
    if (argc > 1)
        usleep((useconds_t)atoi(argv[1]) * 1000);
    return 0;
}
