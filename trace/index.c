/* The trace reader's index: the blocks of a trace read once at open, each chunk's place noted and each check compared. */
#include "reader_state.h"
#include "stable_sort.h"

#include <stdlib.h>
#include <string.h>

#include "out_of_memory.h"

static int compare_chunks(const void *left_pointer, const void *right_pointer)
{
    const struct chunk_ref *left = left_pointer, *right = right_pointer;
    if (left->image != right->image)
        return left->image < right->image ? -1 : 1;
    if (left->thread != right->thread)
        return left->thread < right->thread ? -1 : 1;
    if (left->number != right->number)
        return left->number < right->number ? -1 : 1;
    if (left->length != right->length) /* the longer copy of a chunk first: it is the one kept */
        return left->length > right->length ? -1 : 1;
    return left->offset < right->offset ? -1 : left->offset > right->offset;
}

/* Copies a NUL-terminated string out of payload[*at, length), advancing *at; false if none ends there. */
static bool take_string(const unsigned char *payload, size_t length, size_t *at, char *out, size_t size)
{
    if (*at >= length) /* nothing left (an empty block's payload may be no pointer at all) */
        return false;
    const unsigned char *end = memchr(payload + *at, '\0', length - *at);
    if (!end)
        return false;
    snprintf(out, size, "%s", (const char *)payload + *at);
    *at = (size_t)(end - payload) + 1;
    return true;
}

static int read_rows(struct trace_reader *reader, const unsigned char *payload, uint32_t length, char *error,
                     size_t error_size)
{
    size_t at = 0;
    while (at < length) {
        struct trace_row row;
        if (length - at < 40)
            return trace_failure(error, error_size, "corrupt trace: a rows block cut inside a row");
        row.mark = trace_get_u64(payload + at);
        row.ns = trace_get_u64(payload + at + 8);
        row.rss_kb = trace_get_u64(payload + at + 16);
        row.anon_kb = trace_get_u64(payload + at + 24);
        row.live_bytes = trace_get_u64(payload + at + 32);
        at += 40;
        if (!take_string(payload, length, &at, row.label, sizeof row.label) || !row.label[0])
            return trace_failure(error, error_size, "corrupt trace: a row without its label");
        if (reader->row_count == reader->row_room) { /* doubled: a run may mark 400 000 phases */
            reader->row_room = reader->row_room ? reader->row_room * 2 : 64;
            struct trace_row *grown = realloc(reader->rows, reader->row_room * sizeof *grown);
            if (!grown)
                out_of_memory("the trace's rows", reader->row_room, sizeof *grown);
            reader->rows = grown;
        }
        reader->rows[reader->row_count++] = row;
    }
    reader->info.rows = reader->rows;
    reader->info.row_count = reader->row_count;
    return 0;
}

static int read_small_block(struct trace_reader *reader, uint32_t kind, const unsigned char *payload, uint32_t length,
                            char *error, size_t error_size)
{
    struct trace_info *info = &reader->info;
    size_t at = TRACE_IMAGE_FIXED;
    switch (kind) {
    case TRACE_BLOCK_IMAGE:
        if (length < TRACE_IMAGE_FIXED || !take_string(payload, length, &at, info->last_exe, sizeof info->last_exe))
            return trace_failure(error, error_size, "corrupt trace: an image block of %llu bytes", (unsigned long long)length);
        if (info->images > 0 && !info->ended)
            info->unended_images++; /* it exec'd past the recorder (a raw system call): its last events are lost */
        if (info->images++ == 0) {
            info->page_size = trace_get_u32(payload);
            info->pid = trace_get_u32(payload + 4);
            info->clock_id = trace_get_u32(payload + 8);
            info->start_ns = trace_get_u64(payload + 16);
            info->cap_bytes = trace_get_u64(payload + 24);
            snprintf(info->exe, sizeof info->exe, "%s", info->last_exe);
        }
        info->ended = false; /* until this image's own end block */
        info->last_image_threads = 0; /* counted afresh: a launcher's threads are not the program's */
        info->exec_unrecorded = false;
        if ((info->images & (info->images - 1)) == 0 &&
            !(reader->spans = realloc(reader->spans, 2 * info->images * sizeof *reader->spans)))
            out_of_memory("the trace's images", 2 * info->images, sizeof *reader->spans); /* room for 1, 2, 4, ... */
        reader->spans[info->images - 1] = (struct image_span){.start_ns = trace_get_u64(payload + 16)};
        /* An exec comes after the image that made it: one timed before it (less a coarse clock's lag) is corrupt, and
           a replay, which makes the last image's calls, would have its times before the trace's start. */
        uint64_t before = info->images > 1 ? reader->spans[info->images - 2].start_ns : 0;
        if (before > TRACE_EARLY_NS && reader->spans[info->images - 1].start_ns < before - TRACE_EARLY_NS)
            return trace_failure(error, error_size, "corrupt trace: image %u is timed before the image it follows",
                                 info->images);
        return 0;
    case TRACE_BLOCK_ALLOCATOR:
        at = 0;
        if (!take_string(payload, length, &at, info->allocator, sizeof info->allocator) ||
            !take_string(payload, length, &at, info->allocator_version, sizeof info->allocator_version))
            return trace_failure(error, error_size, "corrupt trace: an allocator block of %llu bytes", (unsigned long long)length);
        /* The profile, from 2026-12-06: after the two strings, which readers before it take alone. */
        if (!take_string(payload, length, &at, info->allocator_profile, sizeof info->allocator_profile))
            info->allocator_profile[0] = '\0';
        return 0;
    case TRACE_BLOCK_STOP:
        if (length < TRACE_STOP_SIZE)
            return trace_failure(error, error_size, "corrupt trace: a stop block of %llu bytes", (unsigned long long)length);
        /* The earliest stop counts: an image exec'd after it cannot make its events whole again. */
        if (!info->stopped || trace_get_u64(payload) < info->complete_until_ns) {
            info->complete_until_ns = trace_get_u64(payload);
            info->stop_reason = trace_get_u32(payload + 16);
            info->stop_detail = trace_get_u32(payload + 20);
        }
        info->stopped = true;
        return 0;
    case TRACE_BLOCK_RESUME:
        info->ended = false; /* the exec its end block announced failed: the image's end is still to come */
        info->exec_unrecorded = false;
        if (info->images > 0)
            reader->spans[info->images - 1].end_ns = 0;
        return 0;
    case TRACE_BLOCK_END:
        if (length < TRACE_END_SIZE)
            return trace_failure(error, error_size, "corrupt trace: an end block of %llu bytes", (unsigned long long)length);
        info->ended = true;
        info->exec_unrecorded = trace_get_u32(payload + 8) != 0; /* until the exec'd image's block comes */
        if (info->images > 0)
            reader->spans[info->images - 1].end_ns = trace_get_u64(payload);
        if (trace_get_u64(payload) > info->last_ns)
            info->last_ns = trace_get_u64(payload);
        return 0;
    case TRACE_BLOCK_ROWS:
        return read_rows(reader, payload, length, error, error_size);
    default:
        return 0; /* a kind this reader does not know: skipped */
    }
}

/*
 * Each chunk's times bounded by its image's: none before the image started (less a coarse clock's lag), none after
 * its end block (past a margin for the exit's handlers and the threads still running). A time out of bounds is a
 * corrupt trace, refused here or when the event is decoded: a replay keeping the recorded gaps would otherwise wait
 * for as long as the corrupt time says. An image with no end block (the program crashed) bounds only the start.
 */
static int bound_chunk_times(struct trace_reader *reader, char *error, size_t error_size)
{
    for (size_t i = 0; i < reader->chunk_count; i++) {
        struct chunk_ref *chunk = &reader->chunks[i];
        const struct image_span *span = &reader->spans[chunk->image];
        chunk->latest_ns = span->end_ns && span->end_ns <= UINT64_MAX - TRACE_LATE_NS ? span->end_ns + TRACE_LATE_NS
                                                                                   : UINT64_MAX;
        bool early = span->start_ns > TRACE_EARLY_NS && chunk->base_ns < span->start_ns - TRACE_EARLY_NS;
        if (early || chunk->base_ns > chunk->latest_ns)
            return trace_failure(error, error_size, "corrupt trace: the chunk at byte %llu (thread %llu) is timed %s",
                                 chunk_block_at(chunk), (unsigned long long)chunk->thread,
                                 chunk->base_ns > chunk->latest_ns ? "after its program's end"
                                                                  : "before its program started");
    }
    return 0;
}

/* A block's kind as the messages name it. */
static const char *block_name(uint32_t kind)
{
    switch (kind) {
    case TRACE_BLOCK_IMAGE:
        return "image";
    case TRACE_BLOCK_ALLOCATOR:
        return "allocator";
    case TRACE_BLOCK_STOP:
        return "stop";
    case TRACE_BLOCK_END:
        return "end";
    case TRACE_BLOCK_ROWS:
        return "rows";
    case TRACE_BLOCK_RESUME:
        return "resume";
    default:
        return "unknown";
    }
}

/*
 * From version 4, the check block after a block that is not a chunk (the file is at it): read and compared. 0, the
 * file then past it; 1 if the file ends first (cut: reader->info.cut_block set); -1 if the block has no check after
 * it or does not match it. Before version 4 there is none: 0, the file where it was.
 */
static int check_small_block(struct trace_reader *reader, uint32_t kind, const unsigned char *payload, uint32_t length,
                             uint64_t offset, char *error, size_t error_size)
{
    if (reader->info.version < TRACE_VERSION_BLOCKS_CHECKED || kind == TRACE_BLOCK_CHECK)
        return 0;
    unsigned char check[TRACE_CHECK_BLOCK_SIZE];
    if (trace_read_at(reader, offset + TRACE_BLOCK_HEAD + length, check, sizeof check) < sizeof check) {
        reader->info.cut_block = true;
        return 1;
    }
    if (trace_get_u32(check) != TRACE_BLOCK_CHECK || trace_get_u32(check + 4) != 4)
        return trace_failure(error, error_size, "corrupt trace: the %s block at byte %llu has no check block after it",
                             block_name(kind), (unsigned long long)offset);
    if (trace_get_u32(check + TRACE_BLOCK_HEAD) != trace_block_check(kind, payload, length))
        return trace_failure(error, error_size,
                             "corrupt trace: the %s block at byte %llu does not match its check: its bytes changed after "
                             "they were written",
                             block_name(kind), (unsigned long long)offset);
    return 0;
}

/*
 * The file ends inside a block. After its image's end block that is a thread's last chunk, written as the process
 * ended (exit_group or an exec ends the threads still writing; the end block was written once every buffer was):
 * dropped (the runner cuts it off before it appends its blocks), and the trace is whole. Anywhere else the trace is
 * cut (cut_block).
 */
static void note_cut(struct trace_reader *reader, uint64_t offset)
{
    if (reader->info.ended) {
        reader->info.cut_after_end = true;
        reader->info.cut_after_end_at = offset;
    } else
        reader->info.cut_block = true;
}

int trace_index_blocks(struct trace_reader *reader, char *error, size_t error_size)
{
    unsigned char head[TRACE_BLOCK_HEAD + TRACE_CHUNK_FIXED], *payload = NULL;
    size_t capacity = 0;
    uint64_t offset = TRACE_MAGIC_SIZE; /* the block's; its payload at offset + TRACE_BLOCK_HEAD */
    for (;;) {
        size_t got = trace_read_at(reader, offset, head, TRACE_BLOCK_HEAD);
        if (got == 0)
            break;
        if (got < TRACE_BLOCK_HEAD) {
            note_cut(reader, offset);
            break;
        }
        uint32_t kind = trace_get_u32(head), length = trace_get_u32(head + 4);
        if (length > TRACE_MAX_PAYLOAD) {
            free(payload);
            return trace_failure(error, error_size, "corrupt trace: a block of %llu bytes at byte %llu", (unsigned long long)length,
                           (unsigned long long)offset);
        }
        if (kind == TRACE_BLOCK_CHUNK) {
            if (reader->info.images == 0) {
                free(payload);
                return trace_failure(error, error_size, "corrupt trace: a chunk at byte %llu before any image block",
                               (unsigned long long)offset);
            }
            if (length < TRACE_CHUNK_FIXED ||
                trace_read_at(reader, offset + TRACE_BLOCK_HEAD, head + TRACE_BLOCK_HEAD, TRACE_CHUNK_FIXED) <
                    TRACE_CHUNK_FIXED) {
                if (length < TRACE_CHUNK_FIXED) {
                    free(payload);
                    return trace_failure(error, error_size, "corrupt trace: a chunk of %llu bytes at byte %llu",
                                   (unsigned long long)length, (unsigned long long)offset);
                }
                note_cut(reader, offset);
                break;
            }
            if (offset + TRACE_BLOCK_HEAD + length > reader->info.file_bytes) {
                note_cut(reader, offset);
                break;
            }
            if (reader->chunk_count % 1024 == 0) {
                struct chunk_ref *grown = realloc(reader->chunks, (reader->chunk_count + 1024) * sizeof *grown);
                if (!grown)
                    out_of_memory("the trace's index of chunks", reader->chunk_count + 1024, sizeof *grown);
                reader->chunks = grown;
            }
            if (trace_get_u64(head + 24) > reader->info.last_ns)
                reader->info.last_ns = trace_get_u64(head + 24);
            uint32_t thread = trace_get_u32(head + 8), threads = thread + (thread < UINT32_MAX); /* saturates */
            if (threads > reader->info.last_image_threads)
                reader->info.last_image_threads = threads;
            reader->chunks[reader->chunk_count++] = (struct chunk_ref){
                .offset = offset + TRACE_BLOCK_HEAD + TRACE_CHUNK_FIXED, .length = length - TRACE_CHUNK_FIXED,
                .thread = thread, .number = trace_get_u32(head + 12),
                .image = reader->info.images - 1, .base_ns = trace_get_u64(head + 24),
                .op_count = reader->info.version >= TRACE_VERSION_THREAD_ENDS ? TRACE_OP_COUNT
                            : reader->info.version >= 2                        ? TRACE_THREAD_END
                                                                               : TRACE_CPU,
                .checked = reader->info.version >= TRACE_VERSION_CHECKED, .check = trace_get_u32(head + 20)};
        } else {
            if (length > capacity && !(payload = realloc(payload, capacity = length)))
                out_of_memory("a block of the trace", 1, length);
            if (trace_read_at(reader, offset + TRACE_BLOCK_HEAD, payload, length) < length) {
                reader->info.cut_block = true;
                break;
            }
            int checked = check_small_block(reader, kind, payload, length, offset, error, error_size);
            if (checked > 0)
                break; /* the trace ends between the block and its check: cut there, the block not taken */
            if (checked < 0 || read_small_block(reader, kind, payload, length, error, error_size) != 0) {
                free(payload);
                return -1;
            }
            if (reader->info.version >= TRACE_VERSION_BLOCKS_CHECKED && kind != TRACE_BLOCK_CHECK)
                offset += TRACE_CHECK_BLOCK_SIZE;
        }
        offset += TRACE_BLOCK_HEAD + (uint64_t)length;
    }
    free(payload);
    if (reader->info.images == 0 && reader->info.cut_block)
        return trace_failure(error, error_size, "truncated trace: it ends inside its first block, before any call "
                                                "(the file was cut short: written or copied in part)");
    if (reader->info.images == 0)
        return trace_failure(error, error_size, "not a whole trace: no image block (the program never started recording)");
    /* Each chunk once (the longest copy), in image, thread and chunk order; gaps are counted. */
    if (reader->chunk_count > 1) { /* not qsort: its scratch would come from the replay's allocator under test */
        void *scratch = malloc(reader->chunk_count * sizeof *reader->chunks);
        if (!scratch)
            out_of_memory("the sort of the trace's chunks", reader->chunk_count, sizeof *reader->chunks);
        stable_sort(reader->chunks, reader->chunk_count, sizeof *reader->chunks, compare_chunks, scratch);
        free(scratch);
    }
    size_t kept = 0;
    for (size_t i = 0; i < reader->chunk_count; i++) {
        struct chunk_ref *chunk = &reader->chunks[i], *previous = kept ? &reader->chunks[kept - 1] : NULL;
        bool same_thread = previous && previous->image == chunk->image && previous->thread == chunk->thread;
        if (same_thread && previous->number == chunk->number)
            continue;
        if (same_thread ? chunk->number != previous->number + 1 : chunk->number != 0)
            reader->info.gaps++;
        reader->chunks[kept++] = *chunk;
        if (chunk->image + 1 == reader->info.images && chunk->length > 0)
            reader->info.last_image_events_chunks++;
    }
    reader->chunk_count = kept;
    reader->info.chunks = kept;
    return bound_chunk_times(reader, error, error_size);
}
