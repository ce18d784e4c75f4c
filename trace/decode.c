/* The trace reader's decoding: a chunk's bytes read, checked and decoded into events, and every chunk checked whole. */
#include "reader_state.h"

#include <stdlib.h>

static bool take_varint(struct cursor *cursor, uint64_t *value)
{
    uint64_t result = 0;
    for (unsigned shift = 0; shift < 64 && cursor->position < cursor->length; shift += 7) {
        unsigned char byte = cursor->bytes[cursor->position++];
        if (shift == 63 && byte > 1)
            return false;
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *value = result;
            return true;
        }
    }
    return false;
}

static bool take_pointer(struct cursor *cursor, uint64_t *pointer)
{
    uint64_t value;
    if (!take_varint(cursor, &value))
        return false;
    if (value == 0) {
        *pointer = 0;
        return true;
    }
    *pointer = cursor->prev_pointer + (uint64_t)trace_unzigzag(value - 1);
    cursor->prev_pointer = *pointer;
    return true;
}

bool trace_decode_event(struct cursor *cursor, const struct chunk_ref *chunk, bool *corrupt)
{
    struct trace_event *event = &cursor->next;
    uint64_t head;
    *corrupt = false;
    if (cursor->position >= cursor->length)
        return false;
    *corrupt = true;
    if (!take_varint(cursor, &head) || (head & 15) >= chunk->op_count || (head >> 4) > UINT64_MAX - cursor->ns)
        return false;
    *event = (struct trace_event){.op = (enum trace_op)(head & 15), .image = chunk->image, .thread = chunk->thread};
    cursor->ns += head >> 4;
    if (cursor->ns > chunk->latest_ns)
        return false; /* timed after its image's end: corrupt */
    event->ns = cursor->ns;
    if (trace_op_has_alignment(event->op) && !take_varint(cursor, &event->alignment))
        return false;
    switch (event->op) {
    case TRACE_MARK:
        return (*corrupt = !take_varint(cursor, &event->mark)) == false;
    case TRACE_CPU:
        return (*corrupt = !take_varint(cursor, &event->cpu_ns)) == false;
    case TRACE_TRIM:
        return (*corrupt = !take_varint(cursor, &event->size)) == false;
    case TRACE_MEMALIGN: /* its alignment taken above; then size and pointer */
    case TRACE_POSIX_MEMALIGN:
    case TRACE_ALIGNED_ALLOC:
    case TRACE_MALLOC:
    case TRACE_CALLOC:
    case TRACE_REALLOC:
    case TRACE_REALLOCARRAY:
    case TRACE_VALLOC:
    case TRACE_PVALLOC:
        if (!take_varint(cursor, &event->size))
            return false;
        __attribute__((fallthrough));
    default:
        if (!take_pointer(cursor, &event->pointer))
            return false;
    }
    *corrupt = false;
    return true;
}

int trace_bad_event(const struct cursor *cursor, const struct chunk_ref *chunk, char *error, size_t error_size)
{
    return trace_failure(error, error_size, "corrupt trace: the chunk at byte %llu (thread %llu) has %s",
                         (unsigned long long)chunk->offset, (unsigned long long)chunk->thread,
                         cursor->ns > chunk->latest_ns ? "an event timed after its program's end" : "a bad event");
}

int trace_load_chunk(struct trace_reader *reader, struct cursor *cursor, char *error, size_t error_size)
{
    for (; cursor->current < cursor->last; cursor->current++) {
        const struct chunk_ref *chunk = &reader->chunks[cursor->current];
        unsigned char *bytes = realloc(cursor->bytes, chunk->length ? chunk->length : 1);
        bool corrupt;
        if (!bytes)
            abort();
        cursor->bytes = bytes;
        cursor->length = chunk->length;
        cursor->position = 0;
        cursor->ns = chunk->base_ns;
        cursor->prev_pointer = 0;
        if (fseeko(reader->file, (off_t)chunk->offset, SEEK_SET) != 0 ||
            fread(bytes, 1, chunk->length, reader->file) < chunk->length)
            return trace_failure(error, error_size, "cannot read the chunk at byte %llu of the trace", (unsigned long long)chunk->offset);
        if (chunk->checked && trace_check(chunk->thread, chunk->number, chunk->base_ns, bytes, chunk->length) != chunk->check)
            return trace_failure(error, error_size,
                                 "corrupt trace: the chunk at byte %llu (thread %llu) does not match its check: its "
                                 "bytes changed after they were written", (unsigned long long)chunk->offset,
                                 (unsigned long long)chunk->thread);
        if (trace_decode_event(cursor, chunk, &corrupt))
            return 1;
        if (corrupt)
            return trace_bad_event(cursor, chunk, error, error_size);
    }
    free(cursor->bytes);
    cursor->bytes = NULL;
    return 0; /* the thread has no more events */
}

int trace_check_chunks(struct trace_reader *reader, char *error, size_t error_size)
{
    struct cursor cursor = {0};
    uint64_t thread_ns = 0; /* the time the thread's chunks before this one reached */
    int result = 0;
    for (size_t i = 0; i < reader->chunk_count && result == 0; i++) {
        const struct chunk_ref *chunk = &reader->chunks[i];
        bool corrupt, same_thread = i > 0 && chunk[-1].image == chunk->image && chunk[-1].thread == chunk->thread;
        if (!same_thread)
            thread_ns = 0; /* a thread's first chunk: no time of its own yet (an empty chunk leaves none either) */
        cursor.first = cursor.current = i;
        cursor.last = i + 1;
        int loaded = trace_load_chunk(reader, &cursor, error, error_size);
        if (loaded <= 0) {
            result = loaded;
            continue;
        }
        if (same_thread && cursor.next.ns < thread_ns)
            result = trace_failure(error, error_size, "corrupt trace: thread %llu goes back in time at byte %llu",
                                   (unsigned long long)chunk->thread, (unsigned long long)chunk->offset);
        while (result == 0 && trace_decode_event(&cursor, chunk, &corrupt))
            ;
        if (result == 0 && corrupt)
            result = trace_bad_event(&cursor, chunk, error, error_size);
        thread_ns = cursor.ns;
    }
    free(cursor.bytes);
    return result;
}
