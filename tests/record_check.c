/* Checks records against the protocol with the runner's own parser: reads lines on stdin, prints one summary per record. */
#include <stdio.h>
#include <string.h>

#include "record.h"

int main(void)
{
    char line[FB_RECORD_MAX + 2];
    int bad = 0;
    while (fgets(line, sizeof line, stdin)) {
        struct record record;
        char error[256];
        size_t len = strcspn(line, "\n");
        if (record_parse(line, len, &record, error, sizeof error) != 0) {
            printf("bad: %s\n", error);
            bad = 1;
        } else if (record.type == RECORD_HELLO)
            printf("hello %s\n", record.allocator);
        else if (record.type == RECORD_IDLE)
            printf("idle %llu ms\n", (unsigned long long)record.idle_ms);
        else if (record.phase.has_live)
            printf("phase %llu %s live=%llu/%llu\n", (unsigned long long)record.phase.seq, record.phase.label,
                   (unsigned long long)record.phase.live_bytes, (unsigned long long)record.phase.allocs);
        else
            printf("phase %llu %s\n", (unsigned long long)record.phase.seq, record.phase.label);
    }
    return bad;
}
