/* The trace reader's merge: the threads' events put in one time order, each applied to the live set when it may be. */
#include "reader_state.h"

#include <stdlib.h>
#include <string.h>

#include "out_of_memory.h"

/* A cursor's rank among those at the same time: one not loaded yet first (its events may come at that time). */
static int rank(const struct cursor *cursor)
{
    return cursor->unloaded ? -1 : !trace_op_releases(cursor->next.op);
}

/* Ordering: time, then cursors not loaded yet, then releases before allocations at the same time, then thread. */
static bool before(const struct cursor *left, const struct cursor *right)
{
    if (left->next.ns != right->next.ns)
        return left->next.ns < right->next.ns;
    int left_rank = rank(left), right_rank = rank(right);
    if (left_rank != right_rank)
        return left_rank < right_rank;
    return left->next.thread < right->next.thread;
}

static void heap_push(struct trace_reader *reader, struct cursor *cursor)
{
    size_t at = reader->heap_size++;
    while (at > 0 && before(cursor, reader->heap[(at - 1) / 2])) {
        reader->heap[at] = reader->heap[(at - 1) / 2];
        at = (at - 1) / 2;
    }
    reader->heap[at] = cursor;
}

static struct cursor *heap_pop(struct trace_reader *reader)
{
    struct cursor *top = reader->heap[0], *last = reader->heap[--reader->heap_size];
    size_t at = 0;
    for (;;) {
        size_t child = 2 * at + 1;
        if (child >= reader->heap_size)
            break;
        if (child + 1 < reader->heap_size && before(reader->heap[child + 1], reader->heap[child]))
            child++;
        if (!before(reader->heap[child], last))
            break;
        reader->heap[at] = reader->heap[child];
        at = child;
    }
    if (reader->heap_size > 0)
        reader->heap[at] = last;
    return top;
}

void trace_drop_cursors(struct trace_reader *reader)
{
    for (size_t i = 0; i < reader->cursor_count; i++)
        free(reader->cursors[i].bytes);
    free(reader->cursors);
    free(reader->heap);
    free(reader->blocked);
    reader->cursors = NULL;
    reader->heap = NULL;
    reader->blocked = NULL;
    reader->cursor_count = reader->heap_size = reader->blocked_count = 0;
}

/*
 * Starts merging the next image that has chunks: one cursor per thread, in the merge by its first chunk's base
 * time, which no event of the chunk precedes. The chunk is read when the cursor comes first in the merge, and its
 * thread's later chunks one at a time as the cursor reaches them: the reader holds a chunk (up to 64 KiB) for each
 * thread whose events have begun and not ended, not for every thread the program ever started (a service that
 * started 2 000 threads one after another held 2 000 chunks, 84 MB, when all were read at the start). The merge
 * stays exact: an unloaded cursor comes before every event of its time or later, and none of its thread's events
 * comes before the earliest base of its chunks.
 */
static int start_image(struct trace_reader *reader)
{
    trace_drop_cursors(reader);
    size_t first = reader->image_first, end = first;
    if (first >= reader->chunk_count)
        return 0;
    while (end < reader->chunk_count && reader->chunks[end].image == reader->chunks[first].image)
        end++;
    reader->image = reader->chunks[first].image;
    for (size_t i = first; i < end; i++)
        if (i == first || reader->chunks[i].thread != reader->chunks[i - 1].thread)
            reader->cursor_count++;
    reader->cursors = calloc(reader->cursor_count, sizeof *reader->cursors);
    reader->heap = calloc(reader->cursor_count, sizeof *reader->heap);
    reader->blocked = calloc(reader->cursor_count, sizeof *reader->blocked);
    if (!reader->cursors || !reader->heap || !reader->blocked)
        out_of_memory("the merge of the trace's threads", reader->cursor_count, sizeof *reader->cursors);
    live_clear(&reader->live); /* an exec: the new image starts with an empty heap */
    size_t c = 0;
    for (size_t i = first; i < end; i++) {
        if (i != first && reader->chunks[i].thread == reader->chunks[i - 1].thread)
            continue;
        struct cursor *cursor = &reader->cursors[c++];
        cursor->first = cursor->current = i;
        cursor->last = i + 1;
        /* By the earliest base of its chunks, not the first's: an empty first chunk (a crafted or damaged trace; the
           recorder writes none) is passed over when loading, and the next may be based earlier. */
        uint64_t earliest = reader->chunks[i].base_ns;
        while (cursor->last < end && reader->chunks[cursor->last].thread == reader->chunks[i].thread) {
            if (reader->chunks[cursor->last].base_ns < earliest)
                earliest = reader->chunks[cursor->last].base_ns;
            cursor->last++;
        }
        cursor->unloaded = true;
        cursor->next.ns = earliest;
        cursor->next.thread = reader->chunks[i].thread;
        heap_push(reader, cursor);
    }
    reader->image_first = end;
    return 1;
}

/* Reads an unloaded cursor's first chunk and puts it back into the merge by its first event: 0, or -1 on an error. */
static int load_first(struct trace_reader *reader, struct cursor *cursor, char *error, size_t error_size)
{
    cursor->unloaded = false;
    int loaded = trace_load_chunk(reader, cursor, error, error_size);
    if (loaded < 0)
        return -1;
    if (loaded > 0)
        heap_push(reader, cursor);
    return 0; /* a thread with no events leaves the merge */
}

/* ---- The live set, kept by the merge: it decides when an event may be returned. */

static bool allocates(const struct trace_event *event)
{
    return event->pointer && !trace_op_releases(event->op) && !trace_op_is_note(event->op);
}

/*
 * Whether the event is consistent with the events returned so far: a release of a live block, an allocation at
 * an address that is free. A thread's event that is not waits for another thread's (see trace_next).
 */
static bool ready(struct trace_reader *reader, const struct trace_event *event)
{
    if (reader->cursor_count == 1)
        return true; /* one thread: its own order is the order */
    if (trace_op_releases(event->op) && event->pointer)
        return live_contains(&reader->live, event->pointer);
    if (allocates(event))
        return !live_contains(&reader->live, event->pointer);
    return true;
}

static void allocated(struct trace_reader *reader, struct trace_event *event, uint64_t pointer, uint64_t size)
{
    if (!live_add(&reader->live, pointer, size)) {
        event->order_error = true; /* an address handed out twice without a release between */
        event->displaced_tag = reader->live.removed_tag;
    }
}

void trace_keep_tags(struct trace_reader *reader)
{
    live_free(&reader->live);
    live_init_tagged(&reader->live);
}

void trace_keep_small_tags(struct trace_reader *reader)
{
    live_free(&reader->live);
    live_init_small_tags(&reader->live);
}

bool trace_set_tag(struct trace_reader *reader, uint64_t pointer, uint64_t tag)
{
    /* The block the last event added, most often: its slot is known without a lookup (or a call). */
    return live_tag_added(&reader->live, pointer, tag) || live_set_tag(&reader->live, pointer, tag);
}

/* Applies an event to the live set; sets what it freed, whether it failed, and the live heap after it. */
static void apply(struct trace_reader *reader, struct cursor *cursor, struct trace_event *event)
{
    struct pending_realloc *pending = &cursor->pending;
    uint64_t size = 0;
    switch (event->op) {
    case TRACE_MARK:
    case TRACE_CPU:
    case TRACE_TRIM:
    case TRACE_THREAD_END:
        break;
    case TRACE_FREE:
        if (event->pointer && !live_remove(&reader->live, event->pointer, &size))
            event->order_error = true;
        event->size = size;
        event->tag = event->pointer && !event->order_error ? reader->live.removed_tag : 0;
        break;
    case TRACE_REALLOC_START:
        pending->valid = event->pointer && live_remove(&reader->live, event->pointer, &pending->size);
        pending->pointer = event->pointer;
        pending->tag = pending->valid ? reader->live.removed_tag : 0;
        event->order_error = event->pointer && !pending->valid;
        event->size = pending->valid ? pending->size : 0;
        event->tag = pending->tag;
        break;
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY:
        if (event->pointer)
            allocated(reader, event, event->pointer, event->size);
        else if (event->size > 0) { /* it failed: the old block, if any, is still the program's */
            event->failed = true;
            if (pending->valid) {
                allocated(reader, event, pending->pointer, pending->size);
                live_set_tag(&reader->live, pending->pointer, pending->tag);
            }
        }
        event->tag = pending->valid ? pending->tag : 0; /* the old block's, for a replay's own realloc */
        event->old_size = pending->valid ? pending->size : 0;
        pending->valid = false;
        break;
    default:
        if (event->pointer) /* a pvalloc whose pages wrapped holds none of its size (trace_pvalloc_wraps) */
            allocated(reader, event, event->pointer,
                      event->op == TRACE_PVALLOC && trace_pvalloc_wraps(event->size) ? 0 : event->size);
        else
            event->failed = true;
        break;
    }
    event->live_bytes = reader->live.bytes;
    event->live_blocks = reader->live.blocks;
}

static void take_blocked(struct trace_reader *reader, size_t at)
{
    reader->blocked[at] = reader->blocked[--reader->blocked_count];
}

/* Moves back into the merge every waiting cursor whose next event the event just applied may have made ready. */
static void wake(struct trace_reader *reader)
{
    for (size_t i = 0; i < reader->blocked_count;) {
        struct cursor *cursor = reader->blocked[i];
        if (ready(reader, &cursor->next)) {
            take_blocked(reader, i);
            heap_push(reader, cursor);
        } else
            i++;
    }
}

/* Reads the cursor's next event after the one just taken: 0; 1 if the thread has none left; -1 on a corrupt or
   unreadable chunk. The caller puts the cursor back into the merge. */
static int advance(struct trace_reader *reader, struct cursor *cursor, uint64_t taken_ns, char *error,
                   size_t error_size)
{
    bool corrupt;
    if (trace_decode_event(cursor, &reader->chunks[cursor->current], &corrupt))
        return 0;
    if (corrupt)
        return trace_bad_event(cursor, &reader->chunks[cursor->current], error, error_size);
    cursor->current++;
    int loaded = trace_load_chunk(reader, cursor, error, error_size);
    if (loaded < 0)
        return -1;
    if (loaded > 0) {
        if (cursor->next.ns < taken_ns) /* a thread's chunks follow one another in time */
            return trace_failure(error, error_size, "corrupt trace: thread %llu goes back in time at byte %llu",
                           (unsigned long long)cursor->next.thread,
                           chunk_block_at(&reader->chunks[cursor->current]));
        return 0;
    }
    return 1;
}

/*
 * The merge. Threads' events come in time order (at the same time, releases first). The clock orders every
 * pair of events that depend on each other (a block's allocation in one thread and its release in another; a
 * release and the allocation that is handed the same address), up to ties within one tick of a coarse clock:
 * so an event that is not yet consistent with the live set waits, while other threads' events of no later
 * time go first, until the event it depends on has come. If none is left that could, it is taken anyway and
 * counted as an order error (a trace that lost events, or a program that frees what it never allocated).
 */
int trace_next(struct trace_reader *reader, struct trace_event *event, char *error, size_t error_size)
{
    for (;;) {
        struct cursor *cursor = NULL;
        /* One thread: its events in its order, its cursor left in the merge (most traces; no heap, no waits). */
        bool alone = reader->cursor_count == 1 && reader->heap_size == 1 && !reader->heap[0]->unloaded;
        if (alone)
            cursor = reader->heap[0];
        else if (reader->blocked_count > 0) {
            size_t earliest = 0;
            for (size_t i = 1; i < reader->blocked_count; i++)
                if (reader->blocked[i]->next.ns < reader->blocked[earliest]->next.ns)
                    earliest = i;
            if (reader->heap_size == 0 || reader->heap[0]->next.ns > reader->blocked[earliest]->next.ns) {
                cursor = reader->blocked[earliest]; /* what it waits for cannot come any more */
                take_blocked(reader, earliest);
            }
        }
        if (!cursor) {
            if (reader->heap_size == 0) {
                int started = start_image(reader);
                if (started <= 0)
                    return started;
                continue;
            }
            cursor = heap_pop(reader);
            if (cursor->unloaded) {
                if (load_first(reader, cursor, error, error_size) < 0)
                    return -1;
                continue;
            }
            if (!ready(reader, &cursor->next)) {
                reader->blocked[reader->blocked_count++] = cursor;
                continue;
            }
        }
        *event = cursor->next;
        /* The thread's next event read first: its block's slot is fetched into the cache while this one is applied. */
        int advanced = advance(reader, cursor, event->ns, error, error_size);
        if (advanced < 0)
            return -1;
        if (alone && advanced > 0)
            reader->heap_size = 0;
        else if (!alone && advanced == 0)
            heap_push(reader, cursor);
        if (advanced == 0 && trace_op_has_pointer(cursor->next.op))
            live_prefetch(&reader->live, cursor->next.pointer);
        apply(reader, cursor, event);
        if (reader->live.bytes > TRACE_MAX_HEAP_BYTES) /* blocks each within it, so the sum has not wrapped */
            return trace_failure(error, error_size, "corrupt trace: its live heap passes 2^57 bytes, more than any "
                                 "address space holds (thread %llu, at %llu ns)", (unsigned long long)event->thread,
                                 (unsigned long long)event->ns);
        event->thread_ends = advanced > 0;
        if (reader->blocked_count > 0)
            wake(reader);
        return 1;
    }
}

const struct live_set *trace_live_set(const struct trace_reader *reader)
{
    return &reader->live;
}
