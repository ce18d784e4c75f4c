/* Reads a trace file: indexes its blocks once, then merges the threads' chunks into one time order, chunk by chunk. */
#include "reader.h"

#include "live.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

const char *const trace_op_names[TRACE_OP_COUNT] = {
    "malloc", "calloc", "realloc_start", "realloc", "reallocarray", "free",
    "memalign", "posix_memalign", "aligned_alloc", "valloc", "pvalloc", "mark", "cpu",
    "malloc_trim",
};

/* Where a chunk is in the file. */
struct chunk_ref {
    uint64_t offset; /* of its payload */
    uint32_t length; /* of its payload */
    uint32_t thread, number, image;
    uint64_t base_ns;
    uint64_t latest_ns; /* no event of it may be later: its image's end and a margin, or UINT64_MAX */
    uint8_t op_count;   /* the operations its trace's version has (version 1: no CPU notes) */
    bool checked;       /* it carries its check (trace_check: version 3 on) */
    uint32_t check;
};

/* An image's start (its image block) and end (its end block; 0 while it has none). */
struct image_span {
    uint64_t start_ns, end_ns;
};

/* The block a thread's realloc took out of the live set at its start, until the call's end says what became of it. */
struct pending_realloc {
    uint64_t pointer, size, tag;
    bool valid;
};

/* One thread's place in the merge: its chunks, the one loaded, and its next event. */
struct cursor {
    size_t first, last, current; /* its chunks in the index: [first, last); current is the one to read */
    unsigned char *bytes;        /* the loaded chunk's events, or NULL before it is loaded */
    size_t length, position;
    uint64_t ns, prev_pointer;
    struct trace_event next;     /* valid when bytes is not NULL */
    struct pending_realloc pending; /* the thread's realloc under way */
};

struct trace_reader {
    FILE *file;
    struct trace_info info;
    struct chunk_ref *chunks;
    size_t chunk_count;
    size_t image_first;          /* the current image's first chunk in the index */
    unsigned image;              /* the image being merged */
    struct cursor *cursors;
    size_t cursor_count;
    struct cursor **heap;        /* cursors ordered by their next event */
    size_t heap_size;
    struct cursor **blocked;     /* cursors whose next event waits for another thread's (see trace_next) */
    struct trace_row *rows;      /* the rows block's */
    size_t row_count;
    struct image_span *spans;    /* by image */
    size_t blocked_count;
    /* The live set as of the events returned so far (each thread's realloc under way is its cursor's). */
    struct live_set live;
};

int trace_failure(char *error, size_t size, const char *format_text, ...)
{
    va_list arguments;
    va_start(arguments, format_text);
    vsnprintf(error, size, format_text, arguments);
    va_end(arguments);
    return -1;
}

/* ---- Indexing. */

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
        if (reader->row_count % 64 == 0) {
            struct trace_row *grown = realloc(reader->rows, (reader->row_count + 64) * sizeof *grown);
            if (!grown)
                abort();
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
            abort(); /* room for 1, 2, 4, ... images */
        reader->spans[info->images - 1] = (struct image_span){.start_ns = trace_get_u64(payload + 16)};
        return 0;
    case TRACE_BLOCK_ALLOCATOR:
        at = 0;
        if (!take_string(payload, length, &at, info->allocator, sizeof info->allocator) ||
            !take_string(payload, length, &at, info->allocator_version, sizeof info->allocator_version))
            return trace_failure(error, error_size, "corrupt trace: an allocator block of %llu bytes", (unsigned long long)length);
        return 0;
    case TRACE_BLOCK_STOP:
        if (length < TRACE_STOP_SIZE)
            return trace_failure(error, error_size, "corrupt trace: a stop block of %llu bytes", (unsigned long long)length);
        /* The earliest stop counts: an image exec'd after it cannot make its events whole again. */
        if (!info->stopped || trace_get_u64(payload) < info->complete_until_ns) {
            info->complete_until_ns = trace_get_u64(payload);
            info->stop_reason = trace_get_u32(payload + 16);
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
                                 (unsigned long long)chunk->offset, (unsigned long long)chunk->thread,
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
    if (fread(check, 1, sizeof check, reader->file) < sizeof check) {
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

static int index_blocks(struct trace_reader *reader, char *error, size_t error_size)
{
    unsigned char head[TRACE_BLOCK_HEAD + TRACE_CHUNK_FIXED], *payload = NULL;
    size_t capacity = 0;
    uint64_t offset = TRACE_MAGIC_SIZE;
    for (;;) {
        size_t got = fread(head, 1, TRACE_BLOCK_HEAD, reader->file);
        if (got == 0)
            break;
        if (got < TRACE_BLOCK_HEAD) {
            reader->info.cut_block = true;
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
            if (length < TRACE_CHUNK_FIXED || fread(head + TRACE_BLOCK_HEAD, 1, TRACE_CHUNK_FIXED, reader->file) <
                                                  TRACE_CHUNK_FIXED) {
                if (length < TRACE_CHUNK_FIXED) {
                    free(payload);
                    return trace_failure(error, error_size, "corrupt trace: a chunk of %llu bytes at byte %llu",
                                   (unsigned long long)length, (unsigned long long)offset);
                }
                reader->info.cut_block = true;
                break;
            }
            if (fseeko(reader->file, (off_t)(offset + TRACE_BLOCK_HEAD + length), SEEK_SET) != 0 ||
                offset + TRACE_BLOCK_HEAD + length > reader->info.file_bytes) {
                reader->info.cut_block = true;
                break;
            }
            if (reader->chunk_count % 1024 == 0) {
                struct chunk_ref *grown = realloc(reader->chunks, (reader->chunk_count + 1024) * sizeof *grown);
                if (!grown)
                    abort();
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
                .op_count = reader->info.version >= 2 ? TRACE_OP_COUNT : TRACE_CPU,
                .checked = reader->info.version >= TRACE_VERSION_CHECKED, .check = trace_get_u32(head + 20)};
        } else {
            if (length > capacity && !(payload = realloc(payload, capacity = length)))
                abort();
            if (fread(payload, 1, length, reader->file) < length) {
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
    if (reader->info.images == 0)
        return trace_failure(error, error_size, "not a whole trace: no image block (the program never started recording)");
    /* Each chunk once (the longest copy), in image, thread and chunk order; gaps are counted. */
    if (reader->chunk_count > 1)
        qsort(reader->chunks, reader->chunk_count, sizeof *reader->chunks, compare_chunks);
    size_t kept = 0;
    for (size_t i = 0; i < reader->chunk_count; i++) {
        struct chunk_ref *chunk = &reader->chunks[i], *previous = kept ? &reader->chunks[kept - 1] : NULL;
        bool same_thread = previous && previous->image == chunk->image && previous->thread == chunk->thread;
        if (same_thread && previous->number == chunk->number)
            continue;
        if (same_thread ? chunk->number != previous->number + 1 : chunk->number != 0)
            reader->info.gaps++;
        reader->chunks[kept++] = *chunk;
    }
    reader->chunk_count = kept;
    reader->info.chunks = kept;
    return bound_chunk_times(reader, error, error_size);
}

static bool decode_event(struct cursor *cursor, const struct chunk_ref *chunk, bool *corrupt);
static int load_chunk(struct trace_reader *reader, struct cursor *cursor, char *error, size_t error_size);

/*
 * A trace's last events' times are in its threads' last chunks: past the chunks' bases, and past the end block's
 * time too where threads called on after the exit's end block was stamped (the Exit mark of a program whose other
 * threads ran on). Each is read once, at open, and last_ns moved to the latest event in them (a chunk that cannot
 * be read is left for trace_next to report).
 */
static void find_last_event_time(struct trace_reader *reader)
{
    for (size_t i = 0; i < reader->chunk_count; i++) {
        const struct chunk_ref *chunk = &reader->chunks[i], *next = i + 1 < reader->chunk_count ? chunk + 1 : NULL;
        struct cursor cursor = {.first = i, .last = i + 1, .current = i};
        char unused[160];
        bool corrupt;
        if (next && next->image == chunk->image && next->thread == chunk->thread)
            continue; /* not its thread's last chunk */
        if (load_chunk(reader, &cursor, unused, sizeof unused) == 1)
            do
                if (cursor.ns > reader->info.last_ns)
                    reader->info.last_ns = cursor.ns;
            while (decode_event(&cursor, chunk, &corrupt));
        free(cursor.bytes);
    }
}

struct trace_reader *trace_open_stream(FILE *file, const char *name, char *error, size_t error_size)
{
    unsigned char magic[TRACE_MAGIC_SIZE];
    struct trace_reader *reader = calloc(1, sizeof *reader);
    if (!reader)
        abort();
    live_init(&reader->live);
    reader->file = file;
    if (fseeko(reader->file, 0, SEEK_END) == 0)
        reader->info.file_bytes = (uint64_t)ftello(reader->file);
    rewind(reader->file);
    if (fread(magic, 1, sizeof magic, reader->file) < sizeof magic || memcmp(magic, TRACE_MAGIC, 7) != 0) {
        snprintf(error, error_size, "%s is not a fragbench trace%s", name,
                 reader->info.file_bytes == 0 ? " (it is empty: the program never started recording)" : "");
        trace_close(reader);
        return NULL;
    }
    reader->info.version = magic[7];
    if (magic[7] < TRACE_VERSION_OLDEST || magic[7] > TRACE_VERSION) {
        snprintf(error, error_size, "%s is a trace of format version %u; this fragbench reads versions %u to %u",
                 name, magic[7], TRACE_VERSION_OLDEST, TRACE_VERSION);
        trace_close(reader);
        return NULL;
    }
    if (index_blocks(reader, error, error_size) != 0) { /* its message, after the trace's name */
        char why[512];
        snprintf(why, sizeof why, "%s", error);
        snprintf(error, error_size, "%s: %s", name, why);
        trace_close(reader);
        return NULL;
    }
    find_last_event_time(reader);
    return reader;
}

/*
 * A trace compressed with zstd (it starts with zstd's frame magic), decompressed by Debian's zstd program into an
 * unnamed temporary file: the reader seeks, which a stream of the decompressor could not do. NULL with a message.
 */
static FILE *decompressed(const char *path, char *error, size_t error_size)
{
    FILE *plain = tmpfile(), *complaint = tmpfile(); /* zstd's output, and what it says on stderr */
    int status = 0;
    if (!plain || !complaint) {
        snprintf(error, error_size, "cannot make a temporary file to decompress %s: %s", path, strerror(errno));
        if (plain)
            fclose(plain);
        if (complaint)
            fclose(complaint);
        return NULL;
    }
    pid_t child = fork(), waited = -1;
    if (child == 0) {
        dup2(fileno(plain), STDOUT_FILENO);
        dup2(fileno(complaint), STDERR_FILENO);
        execlp("zstd", "zstd", "-d", "-c", "-q", "--", path, (char *)NULL);
        _exit(127);
    }
    while (child > 0 && (waited = waitpid(child, &status, 0)) < 0 && errno == EINTR)
        ; /* a signal the caller handles (the runner's SIGINT) does not leave zstd unwaited for */
    if (child < 0) {
        snprintf(error, error_size, "cannot start zstd to decompress %s: %s", path, strerror(errno));
        fclose(plain);
        fclose(complaint);
        return NULL;
    }
    if (waited != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* zstd's own words (its last line) go into the message rather than onto the terminal before it. */
        char said[256] = "", line[256];
        rewind(complaint);
        while (fgets(line, sizeof line, complaint))
            if (line[strspn(line, " \r\n")] != '\0')
                snprintf(said, sizeof said, "%.*s", (int)strcspn(line, "\r\n"), line);
        for (size_t end = strlen(said); end > 0 && said[end - 1] == ' '; end--)
            said[end - 1] = '\0';
        snprintf(error, error_size, "%s is compressed with zstd, and %s%s%s%s", path,
                 waited == child && WIFEXITED(status) && WEXITSTATUS(status) == 127
                     ? "the zstd program is missing (apt-get install zstd)"
                     : "zstd could not decompress it",
                 *said ? " (zstd: " : "", said, *said ? ")" : "");
        fclose(plain);
        fclose(complaint);
        return NULL;
    }
    fclose(complaint);
    rewind(plain);
    return plain;
}

struct trace_reader *trace_open(const char *path, char *error, size_t error_size)
{
    static const unsigned char zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    unsigned char start[4] = {0};
    FILE *file = fopen(path, "rbe");
    struct stat status = {.st_size = 0};
    if (!file) {
        snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(file), &status) == 0 && !S_ISREG(status.st_mode)) {
        const char *kind = S_ISFIFO(status.st_mode)   ? "a pipe"
                           : S_ISCHR(status.st_mode)  ? "a character device"
                           : S_ISBLK(status.st_mode)  ? "a block device"
                           : S_ISSOCK(status.st_mode) ? "a socket"
                                                      : "not a regular file";
        if (S_ISDIR(status.st_mode))
            snprintf(error, error_size, "%s is a directory, not a trace", path);
        else
            snprintf(error, error_size, "%s is %s, not a trace file: the reader seeks in a trace, so save it to a "
                     "file first", path, kind);
        fclose(file);
        return NULL;
    }
    bool compressed = fread(start, 1, sizeof start, file) == sizeof start && !memcmp(start, zstd_magic, sizeof start);
    if (compressed) {
        fclose(file);
        if (!(file = decompressed(path, error, error_size)))
            return NULL;
    }
    struct trace_reader *reader = trace_open_stream(file, path, error, error_size);
    if (reader) {
        reader->info.compressed = compressed;
        reader->info.stored_bytes = (uint64_t)status.st_size;
    }
    return reader;
}

const struct trace_info *trace_info(const struct trace_reader *reader)
{
    return &reader->info;
}

/* ---- Decoding and merging. */

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

/* Decodes the cursor's next event from its chunk; false at the chunk's end or on a corrupt event (*corrupt). */
static bool decode_event(struct cursor *cursor, const struct chunk_ref *chunk, bool *corrupt)
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

/* The message for a chunk with an event that cannot be decoded; returns -1. */
static int bad_event(const struct cursor *cursor, const struct chunk_ref *chunk, char *error, size_t error_size)
{
    return trace_failure(error, error_size, "corrupt trace: the chunk at byte %llu (thread %llu) has %s",
                         (unsigned long long)chunk->offset, (unsigned long long)chunk->thread,
                         cursor->ns > chunk->latest_ns ? "an event timed after its program's end" : "a bad event");
}

/* Loads the cursor's current chunk and decodes its first event; -1 on a read error or a corrupt chunk. */
static int load_chunk(struct trace_reader *reader, struct cursor *cursor, char *error, size_t error_size)
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
        if (decode_event(cursor, chunk, &corrupt))
            return 1;
        if (corrupt)
            return bad_event(cursor, chunk, error, error_size);
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
        int loaded = load_chunk(reader, &cursor, error, error_size);
        if (loaded <= 0) {
            result = loaded;
            continue;
        }
        if (same_thread && cursor.next.ns < thread_ns)
            result = trace_failure(error, error_size, "corrupt trace: thread %llu goes back in time at byte %llu",
                                   (unsigned long long)chunk->thread, (unsigned long long)chunk->offset);
        while (result == 0 && decode_event(&cursor, chunk, &corrupt))
            ;
        if (result == 0 && corrupt)
            result = bad_event(&cursor, chunk, error, error_size);
        thread_ns = cursor.ns;
    }
    free(cursor.bytes);
    return result;
}

/* Ordering: time, then releases before allocations at the same time, then thread. */
static bool before(const struct cursor *left, const struct cursor *right)
{
    if (left->next.ns != right->next.ns)
        return left->next.ns < right->next.ns;
    int left_rank = !trace_op_releases(left->next.op), right_rank = !trace_op_releases(right->next.op);
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

static void drop_cursors(struct trace_reader *reader)
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
 * Starts merging the next image that has chunks: one cursor per thread, each with its first event loaded.
 * Loading every thread's first chunk up front keeps the merge exact; a thread's later chunks are read one
 * at a time as its cursor reaches them.
 */
static int start_image(struct trace_reader *reader, char *error, size_t error_size)
{
    drop_cursors(reader);
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
        abort();
    live_clear(&reader->live); /* an exec: the new image starts with an empty heap */
    size_t c = 0;
    for (size_t i = first; i < end; i++) {
        if (i != first && reader->chunks[i].thread == reader->chunks[i - 1].thread)
            continue;
        struct cursor *cursor = &reader->cursors[c++];
        cursor->first = cursor->current = i;
        cursor->last = i + 1;
        while (cursor->last < end && reader->chunks[cursor->last].thread == reader->chunks[i].thread)
            cursor->last++;
        int loaded = load_chunk(reader, cursor, error, error_size);
        if (loaded < 0)
            return -1;
        if (loaded > 0)
            heap_push(reader, cursor);
    }
    reader->image_first = end;
    return 1;
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

bool trace_set_tag(struct trace_reader *reader, uint64_t pointer, uint64_t tag)
{
    /* The block the last event added, most often: its slot is known without a lookup. */
    struct live_set *live = &reader->live;
    if (live->tags && live->slots[live->added_slot].key == pointer) {
        live->tags[live->added_slot] = tag;
        return true;
    }
    return live_set_tag(live, pointer, tag);
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
        if (event->pointer)
            allocated(reader, event, event->pointer, event->size);
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
   unreadable chunk. */
static int advance(struct trace_reader *reader, struct cursor *cursor, uint64_t taken_ns, char *error,
                   size_t error_size)
{
    bool corrupt;
    if (decode_event(cursor, &reader->chunks[cursor->current], &corrupt)) {
        heap_push(reader, cursor);
        return 0;
    }
    if (corrupt)
        return bad_event(cursor, &reader->chunks[cursor->current], error, error_size);
    cursor->current++;
    int loaded = load_chunk(reader, cursor, error, error_size);
    if (loaded < 0)
        return -1;
    if (loaded > 0) {
        if (cursor->next.ns < taken_ns) /* a thread's chunks follow one another in time */
            return trace_failure(error, error_size, "corrupt trace: thread %llu goes back in time at byte %llu",
                           (unsigned long long)cursor->next.thread,
                           (unsigned long long)reader->chunks[cursor->current].offset);
        heap_push(reader, cursor);
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
        if (reader->blocked_count > 0) {
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
                int started = start_image(reader, error, error_size);
                if (started <= 0)
                    return started;
                continue;
            }
            cursor = heap_pop(reader);
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
        if (advanced == 0 && trace_op_has_pointer(cursor->next.op))
            live_prefetch(&reader->live, cursor->next.pointer);
        apply(reader, cursor, event);
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

void trace_close(struct trace_reader *reader)
{
    if (!reader)
        return;
    drop_cursors(reader);
    live_free(&reader->live);
    free(reader->rows);
    if (reader->file)
        fclose(reader->file);
    free(reader->chunks);
    free(reader->spans);
    free(reader);
}

bool trace_is_complete(const struct trace_info *info)
{
    return !info->stopped && !info->cut_block && info->ended && !info->unended_images && !info->gaps &&
           !info->exec_unrecorded;
}

uint64_t trace_known_until(const struct trace_info *info)
{
    uint64_t until = UINT64_MAX;
    if (info->stopped)
        until = info->complete_until_ns;
    if ((!info->ended || info->cut_block || info->exec_unrecorded) && info->last_ns < until)
        until = info->last_ns > info->start_ns ? info->last_ns : info->start_ns;
    return until;
}

void trace_state_text(const struct trace_info *info, char *out, size_t size)
{
    if (info->stopped)
        snprintf(out, size, "stopped early (%s): complete up to %.3f s after the start",
                 info->stop_reason == TRACE_STOP_CAP           ? "size cap reached"
                 : info->stop_reason == TRACE_STOP_NO_BUFFER ? "no memory for a thread's buffer"
                                                             : "a write to the trace failed",
                 info->complete_until_ns > info->start_ns ? (double)(info->complete_until_ns - info->start_ns) / 1e9
                                                          : 0.0);
    else if (info->cut_block)
        snprintf(out, size, "truncated: the file ends inside a block (the program died while writing it)");
    else if (!info->ended)
        snprintf(out, size, "truncated: no end block (the program crashed, was killed, or never returned from main)");
    else if (info->exec_unrecorded)
        snprintf(out, size, "incomplete: the program exec'd one that did not record (statically linked, set-user-ID, "
                            "or run without LD_PRELOAD): its calls are not in the trace");
    else if (info->unended_images)
        snprintf(out, size, "incomplete: %u image(s) exec'd without writing their end (their last events are lost)",
                 info->unended_images);
    else if (info->gaps)
        snprintf(out, size, "incomplete: %llu chunk(s) missing", (unsigned long long)info->gaps);
    else
        snprintf(out, size, "complete");
}

int trace_check_replayable(const struct trace_info *info, const char *path, char *error, size_t error_size)
{
    if (info->last_image_threads > TRACE_REPLAY_MAX_THREADS)
        return trace_failure(error, error_size, "%s numbers %" PRIu32 " threads over its last program's life: the replay "
                             "follows at most %u", path, info->last_image_threads, TRACE_REPLAY_MAX_THREADS);
    if (info->chunks > 0)
        return 0;
    char state[256];
    trace_state_text(info, state, sizeof state);
    return trace_failure(error, error_size,
                         "%s holds no events, so there is nothing to replay (the program made no call it recorded, "
                         "or died before it wrote any; the trace is %s)", path, state);
}
