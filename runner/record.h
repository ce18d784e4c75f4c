/* Parses one record line sent by a measured program over FRAGBENCH_FD (the format is in the README). */
#ifndef FRAGBENCH_RECORD_H
#define FRAGBENCH_RECORD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cases/lib/protocol.h"

enum record_type { RECORD_HELLO, RECORD_PHASE };

struct record {
    enum record_type type;
    /* hello: the allocator that serves malloc in the program */
    uint64_t proto;
    char allocator[32];
    char version[64];
    char object[PATH_MAX];
    char exe[PATH_MAX];   /* optional: the program image that said hello (/proc/self/exe) */
    uint64_t pid;
    /* phase: one sample */
    uint64_t seq;
    char label[FB_LABEL_MAX];
    uint64_t elapsed_us;
    uint64_t vsz_kb, rss_kb, anon_kb, file_kb;
    uint64_t live_bytes, allocs;
    bool has_live; /* live_bytes and allocs were sent (a program may not know them) */
};

/*
 * Parses line[0..len) (no LF). Fields are TAB-separated key=value after the type;
 * unknown keys are ignored, a missing required key, a repeated key, a bad number,
 * a NUL byte or a CR is an error. Returns 0, or -1 with what is wrong in error.
 */
int record_parse(const char *line, size_t len, struct record *out, char *error, size_t error_size);

#endif
