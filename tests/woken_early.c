/*
 * A program that builds 32 MB of 4 kB blocks, frees every other one (the heap stays: each freed block lies between
 * two live ones), then sleeps 100 s and exits when the sleep ends, early or not: a signal that ends the sleep (the
 * runner's stop at --duration, which the recorder takes) ends the program too. It prints the seconds left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { BLOCKS = 8192, BLOCK = 4000 };

int main(void)
{
    static char *volatile blocks[BLOCKS]; /* volatile: the compiler may not drop the allocations or the writes */
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(BLOCK);
        if (!blocks[i])
            return 1;
        memset(blocks[i], i & 0xff, BLOCK);
    }
    for (int i = 0; i < BLOCKS; i += 2)
        free(blocks[i]);
    unsigned left = sleep(100);
    printf("%u s of the sleep left\n", left);
    return 0;
}
