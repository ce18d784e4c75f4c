/* Building a trace in memory byte by byte, as the writer encodes it, and saving it to a file: for the tests. */
#ifndef FRAGBENCH_TRACE_BUILDER_H
#define FRAGBENCH_TRACE_BUILDER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format.h"

struct bytes {
    unsigned char data[1 << 18];
    size_t size;
    unsigned version; /* start_trace's: from TRACE_VERSION_BLOCKS_CHECKED, put_block adds a block's check block */
};

static inline void put(struct bytes *out, const void *data, size_t size)
{
    if (out->size + size > sizeof out->data) { /* a test asked for more than the builder holds: said, not overrun */
        fprintf(stderr, "trace_builder: a trace of more than %zu bytes\n", sizeof out->data);
        abort();
    }
    memcpy(out->data + out->size, data, size);
    out->size += size;
}

static inline void put_block(struct bytes *out, uint32_t kind, const unsigned char *payload, size_t length)
{
    unsigned char head[TRACE_BLOCK_HEAD], check[TRACE_CHECK_BLOCK_SIZE];
    trace_put_u32(head, kind);
    trace_put_u32(head + 4, (uint32_t)length);
    put(out, head, sizeof head);
    put(out, payload, length);
    if (out->version >= TRACE_VERSION_BLOCKS_CHECKED && kind != TRACE_BLOCK_CHUNK && kind != TRACE_BLOCK_CHECK) {
        trace_put_check_block(check, kind, payload, length);
        put(out, check, sizeof check);
    }
}

/* A trace's start, its events stamped on the clock given (CLOCK_MONOTONIC_COARSE, as the recorder's default). */
static inline void start_trace_on_clock(struct bytes *out, unsigned version, uint32_t clock_id)
{
    unsigned char magic[TRACE_MAGIC_SIZE] = TRACE_MAGIC, image[TRACE_IMAGE_FIXED + 8] = {0};
    out->size = 0;
    out->version = version;
    magic[7] = (unsigned char)version;
    put(out, magic, sizeof magic);
    trace_put_u32(image, 4096);
    trace_put_u32(image + 4, 42);
    trace_put_u32(image + 8, clock_id);
    trace_put_u64(image + 16, 1000);
    memcpy(image + TRACE_IMAGE_FIXED, "/bin/x", 7);
    put_block(out, TRACE_BLOCK_IMAGE, image, TRACE_IMAGE_FIXED + 7);
}

/* The image block of a program the last one exec'd, started at start_ns (its events follow in chunks of its own). */
static inline void put_exec(struct bytes *out, uint64_t start_ns)
{
    unsigned char image[TRACE_IMAGE_FIXED + 8] = {0};
    trace_put_u32(image, 4096);
    trace_put_u32(image + 4, 42);
    trace_put_u64(image + 16, start_ns);
    memcpy(image + TRACE_IMAGE_FIXED, "/bin/y", 7);
    put_block(out, TRACE_BLOCK_IMAGE, image, TRACE_IMAGE_FIXED + 7);
}

static inline void start_trace(struct bytes *out, unsigned version)
{
    start_trace_on_clock(out, version, 0);
}

/* A chunk of one thread whose events are the bytes given, already encoded (a test's own, well formed or not). */
static inline void put_chunk_bytes(struct bytes *out, uint32_t thread, uint32_t number, uint64_t base_ns,
                                   const unsigned char *events, size_t length)
{
    unsigned char payload[1 << 14];
    if (length > sizeof payload - TRACE_CHUNK_FIXED) {
        fprintf(stderr, "trace_builder: a chunk of more than %zu bytes of events\n", sizeof payload - TRACE_CHUNK_FIXED);
        abort();
    }
    memset(payload, 0, TRACE_CHUNK_FIXED);
    trace_put_u32(payload, thread);
    trace_put_u32(payload + 4, number);
    trace_put_u64(payload + 16, base_ns);
    memcpy(payload + TRACE_CHUNK_FIXED, events, length);
    trace_put_u32(payload + 12, trace_check(thread, number, base_ns, events, length));
    put_block(out, TRACE_BLOCK_CHUNK, payload, TRACE_CHUNK_FIXED + length);
}

/* A chunk of one thread: events as (ns, op, size, pointer), encoded as the writer does. */
struct test_event {
    uint64_t ns;
    enum trace_op op;
    uint64_t size, pointer;
};

static inline void put_chunk(struct bytes *out, uint32_t thread, uint32_t number, uint64_t base_ns,
                      const struct test_event *events, size_t count)
{
    unsigned char encoded[(1 << 14) - TRACE_CHUNK_FIXED]; /* up to 2 000 events or so */
    size_t at = 0;
    uint64_t previous_ns = base_ns, previous_pointer = 0;
    for (size_t i = 0; i < count; i++) {
        const struct test_event *event = &events[i];
        at += trace_put_varint(encoded + at, (event->ns - previous_ns) << 4 | event->op);
        previous_ns = event->ns;
        if (event->op == TRACE_THREAD_END) /* no field */
            continue;
        if (!trace_op_has_pointer(event->op)) { /* a mark's number, a CPU note's time, a trim's pad (in size) */
            at += trace_put_varint(encoded + at, event->size);
            continue;
        }
        if (!trace_op_releases(event->op))
            at += trace_put_varint(encoded + at, event->size);
        if (event->pointer) {
            at += trace_put_varint(encoded + at, trace_zigzag((int64_t)(event->pointer - previous_pointer)) + 1);
            previous_pointer = event->pointer;
        } else
            at += trace_put_varint(encoded + at, 0);
    }
    put_chunk_bytes(out, thread, number, base_ns, encoded, at);
}

/*
 * A rows block of one row, after that many events of the last image: a replay samples there and at its end only,
 * at no point placed by time (each such point makes every call before it first, and so orders the calls for it).
 */
static inline void put_row_after_events(struct bytes *out, uint64_t events, const char *label)
{
    unsigned char payload[40 + 128] = {0};
    size_t length = strlen(label) + 1;
    if (length > 128) {
        fprintf(stderr, "trace_builder: a row label of more than 127 bytes\n");
        abort();
    }
    trace_put_u64(payload, TRACE_ROW_AT_EVENT | events);
    memcpy(payload + 40, label, length);
    put_block(out, TRACE_BLOCK_ROWS, payload, 40 + length);
}

static inline void end_trace(struct bytes *out)
{
    unsigned char end[TRACE_END_SIZE] = {0};
    put_block(out, TRACE_BLOCK_END, end, sizeof end);
}

/*
 * A whole trace on the clock given whose program allocated 100 bytes, then in one tick (5 steps of the coarse
 * clock in) 1000 and 2000 bytes and freed both, then 5 bytes 4 steps later: on the coarse clock, the tick's four
 * calls stamped alike. Gives the coarse clock's step and the tick's time.
 */
static inline void put_burst_in_a_tick(struct bytes *out, uint32_t clock_id, uint64_t *step, uint64_t *tick)
{
    struct timespec resolution;
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &resolution) != 0)
        abort();
    *step = (uint64_t)resolution.tv_sec * 1000000000u + (uint64_t)resolution.tv_nsec;
    *tick = 5 * *step;
    const struct test_event events[] = {{1000, TRACE_MALLOC, 100, 0x1000},   {*tick, TRACE_MALLOC, 1000, 0x2000},
                                        {*tick, TRACE_MALLOC, 2000, 0x3000}, {*tick, TRACE_FREE, 0, 0x2000},
                                        {*tick, TRACE_FREE, 0, 0x3000},      {*tick + 4 * *step, TRACE_MALLOC, 5, 0x4000}};
    start_trace_on_clock(out, TRACE_VERSION, clock_id);
    put_chunk(out, 0, 0, 0, events, 6);
    end_trace(out);
}

static char path[64];

static inline const char *saved(const struct bytes *trace)
{
    snprintf(path, sizeof path, "/tmp/fb-test-trace-%d", (int)getpid());
    FILE *file = fopen(path, "wb");
    fwrite(trace->data, 1, trace->size, file);
    fclose(file);
    return path;
}

#endif
