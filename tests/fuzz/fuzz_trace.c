/* libFuzzer target: any bytes as a trace file for the trace reader, read to its end with the live set kept. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "live.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[512], state[256];
    struct trace_event event;
    struct live_set live;
    uint64_t freed;
    FILE *file = fmemopen((void *)data, size ? size : 1, "rb");
    if (!file)
        return 0;
    if (size == 0) /* fmemopen needs a byte; an empty trace is read as one */
        setvbuf(file, NULL, _IONBF, 0);
    struct trace_reader *reader = trace_open_stream(file, "input", error, sizeof error);
    if (!reader)
        return 0;
    trace_state_text(trace_info(reader), state, sizeof state);
    live_init(&live);
    for (int events = 0; events < 100000 && trace_next(reader, &event, error, sizeof error) > 0; events++) {
        if (trace_op_releases(event.op) && event.pointer)
            live_remove(&live, event.pointer, &freed);
        else if (event.pointer)
            live_add(&live, event.pointer, event.size);
    }
    live_free(&live);
    trace_close(reader);
    return 0;
}
