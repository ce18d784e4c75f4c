/* What a fragbench program does when memory for its own tables runs out: it says which, and exits 2. */
#define _GNU_SOURCE
#include "out_of_memory.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

_Noreturn void out_of_memory(const char *what, size_t count, size_t size)
{
    /* On the stack and through write: stdio's buffer, or anything else allocated now, may be what failed. */
    char message[512];
    int length = snprintf(message, sizeof message, "%s: out of memory: %zu x %zu bytes for %s could not be had\n",
                          program_invocation_short_name, count, size, what);
    if (length > 0) {
        size_t left = (size_t)length < sizeof message ? (size_t)length : sizeof message - 1;
        const char *at = message;
        while (left > 0) {
            ssize_t written = write(STDERR_FILENO, at, left);
            if (written < 0 && errno == EINTR)
                continue;
            if (written <= 0)
                break;
            at += written;
            left -= (size_t)written;
        }
    }
    _exit(2);
}
