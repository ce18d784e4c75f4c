/* libFuzzer target: any bytes as a trace file for the trace reader: its chunks checked, then read to its end. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "live.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[512], state[256];
    struct trace_event event;
    struct live_set live;
    uint64_t freed;
    int fd = memfd_create("input", MFD_CLOEXEC); /* the reader reads a file with pread: the input as one */
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    struct trace_reader *reader = trace_open_fd(fd, "input", error, sizeof error);
    if (!reader)
        return 0;
    trace_state_text(trace_info(reader), state, sizeof state);
    int checked = trace_check_chunks(reader, error, sizeof error);
    live_init(&live);
    int got = 0;
    for (int events = 0; events < 100000 && (got = trace_next(reader, &event, error, sizeof error)) > 0; events++) {
        if (trace_op_releases(event.op) && event.pointer)
            live_remove(&live, event.pointer, &freed);
        else if (event.pointer)
            live_add(&live, event.pointer, event.size);
    }
    live_free(&live);
    if (checked == 0 && got < 0 && (strstr(error, "has a bad event") || strstr(error, "goes back in time")))
        __builtin_trap(); /* the check passed a chunk that the merge found garbled */
    if (checked != 0 && got == 0)
        __builtin_trap(); /* the check refused a trace the merge read to its end */
    trace_close(reader);
    return 0;
}
