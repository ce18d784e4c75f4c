/* A statically linked program, for the test that external mode refuses what LD_PRELOAD cannot reach. */
#include <stdio.h>

int main(void)
{
    puts("static hello");
    return 0;
}
