/* The floor under a replay's time: a trace's calls made from an array read ahead, timed alone (bench/replay.sh). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "replay.h"

/*
 * fb-replay reads the trace as it goes and finds each released block in a hash table. This program first reads
 * the whole trace into an array of calls, each block numbered (a direct index, no lookup), all of it in memory
 * mapped and written before the clock starts; then it makes the calls through the same functions as fb-replay
 * (replay/calls.c: the allocator under test, every page of a block written) and times that loop alone. What it
 * prints is the time no replay can beat: the calls and their page writes, with no bookkeeping at all. The
 * trace's threads are made in one thread, in the trace's order. The reader's tables come from the replay's
 * private allocator, so the heap under test starts as fb-replay's does.
 */

enum { MAX_BLOCKS = 1 << 28 };

struct call {
    uint64_t size, old_size, alignment;
    uint32_t block, old_block; /* numbers in blocks[]; 0: none */
    uint8_t op;
};

static void *mapped(size_t bytes)
{
    void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) {
        perror("replay_floor: mmap");
        exit(1);
    }
    return memory;
}

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Reads the trace into calls; returns how many, and the highest block number in *blocks_used. */
static size_t read_calls(const char *path, struct call *calls, size_t room, uint32_t *free_list, uint32_t *blocks_used)
{
    char error[512];
    struct trace_reader *reader = trace_open(path, error, sizeof error);
    if (!reader) {
        fprintf(stderr, "replay_floor: %s\n", error);
        exit(2);
    }
    trace_keep_small_tags(reader); /* block numbers below MAX_BLOCKS */
    struct trace_event event;
    size_t count = 0;
    uint32_t next_block = 0, free_head = 0;
    int got;
    while ((got = trace_next(reader, &event, error, sizeof error)) == 1) {
        if (!trace_op_has_pointer(event.op) || event.op == TRACE_REALLOC_START || event.failed || event.order_error)
            continue;
        if (count == room) {
            fprintf(stderr, "replay_floor: more than %zu calls\n", room);
            exit(2);
        }
        struct call *call = &calls[count++];
        *call = (struct call){.size = event.size, .old_size = event.old_size, .alignment = event.alignment,
                              .old_block = (uint32_t)event.tag, .op = (uint8_t)event.op};
        if (event.op == TRACE_FREE) {
            call->block = (uint32_t)event.tag;
            if (call->block) { /* its number is free again once the block is */
                free_list[call->block] = free_head;
                free_head = call->block;
            }
            continue;
        }
        if ((event.op == TRACE_REALLOC || event.op == TRACE_REALLOCARRAY) && call->old_block) {
            free_list[call->old_block] = free_head; /* the old block's number goes with it */
            free_head = call->old_block;
        }
        if (!event.pointer)
            continue; /* realloc(p, 0): p freed, nothing new */
        if (free_head) {
            call->block = free_head;
            free_head = free_list[free_head];
        } else if ((call->block = ++next_block) >= MAX_BLOCKS) {
            fprintf(stderr, "replay_floor: more than %d blocks live\n", MAX_BLOCKS);
            exit(2);
        }
        trace_set_tag(reader, event.pointer, call->block);
    }
    if (got < 0) {
        fprintf(stderr, "replay_floor: %s\n", error);
        exit(2);
    }
    trace_close(reader);
    *blocks_used = next_block;
    return count;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: replay_floor TRACE\n"
                        "Prints the seconds that the trace's calls and page writes take alone (see bench/replay.sh).\n");
        return 2;
    }
    size_t room = (size_t)1 << 30;
    struct call *calls = mapped(room * sizeof *calls);
    uint32_t *free_list = mapped((size_t)MAX_BLOCKS * sizeof *free_list), blocks_used;
    size_t count = read_calls(argv[1], calls, room, free_list, &blocks_used);
    void **blocks = mapped(((size_t)blocks_used + 1) * sizeof *blocks);
    memset(blocks, 0, ((size_t)blocks_used + 1) * sizeof *blocks); /* its pages, written before the clock */
    struct trace_info none = {0};
    replay_begin(&none, false);

    double start = seconds_now();
    for (size_t i = 0; i < count; i++) {
        const struct call *call = &calls[i];
        switch (call->op) {
        case TRACE_FREE:
            replay_release(blocks[call->block]);
            break;
        case TRACE_REALLOC:
        case TRACE_REALLOCARRAY:
            if (call->block)
                blocks[call->block] = replay_reallocate(blocks[call->old_block], call->old_size, call->size);
            else if (call->size == 0) /* realloc(p, 0) freed p */
                replay_release(blocks[call->old_block]);
            break;
        default:
            blocks[call->block] = replay_allocate((enum trace_op)call->op, call->size, call->alignment);
            break;
        }
    }
    double elapsed = seconds_now() - start;
    printf("%.4f s for %zu calls (%u blocks numbered)\n", elapsed, count, blocks_used);
    return 0;
}
