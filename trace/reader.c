/* Reads a trace file: opens it (through zstd where compressed), indexes it (index.c), and says what state it is in. */
#define _GNU_SOURCE
#include "reader_state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "out_of_memory.h"

const char *const trace_op_names[TRACE_OP_COUNT] = {
    "malloc", "calloc", "realloc_start", "realloc", "reallocarray", "free",
    "memalign", "posix_memalign", "aligned_alloc", "valloc", "pvalloc", "mark", "cpu",
    "malloc_trim", "thread_end",
};

int trace_failure(char *error, size_t size, const char *format_text, ...)
{
    va_list arguments;
    va_start(arguments, format_text);
    vsnprintf(error, size, format_text, arguments);
    va_end(arguments);
    return -1;
}

void trace_name_error(const char *name, char *error, size_t error_size)
{
    char found[512];
    snprintf(found, sizeof found, "%s", error);
    snprintf(error, error_size, "%s: %s", name, found);
}

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
        if (trace_load_chunk(reader, &cursor, unused, sizeof unused) == 1)
            do
                if (cursor.ns > reader->info.last_ns)
                    reader->info.last_ns = cursor.ns;
            while (trace_decode_event(&cursor, chunk, &corrupt));
        free(cursor.bytes);
    }
}

/*
 * Why a file that does not start with the trace's magic is not read: empty, cut inside the magic (a trace's first
 * bytes and no more), or compressed by another program than zstd; else it is no trace.
 */
static const char *not_a_trace_reason(const unsigned char *start, size_t length, uint64_t file_bytes)
{
    static const struct {
        const char *magic;
        size_t size;
        const char *reason;
    } compressors[] = {
        {"\x1f\x8b", 2, " (it is compressed with gzip: gunzip it; fragbench reads a trace plain or compressed with zstd)"},
        {"\xfd" "7zXZ", 6, " (it is compressed with xz: unxz it; fragbench reads a trace plain or compressed with zstd)"},
        {"BZh", 3, " (it is compressed with bzip2: bunzip2 it; fragbench reads a trace plain or compressed with zstd)"},
    };
    if (file_bytes == 0)
        return " (it is empty: the program never started recording, or the file was not copied)";
    if (length < TRACE_MAGIC_SIZE && memcmp(start, TRACE_MAGIC, length) == 0)
        return " (it is a trace's first bytes and no more: the file was cut short)";
    for (size_t i = 0; i < sizeof compressors / sizeof compressors[0]; i++)
        if (length >= compressors[i].size && memcmp(start, compressors[i].magic, compressors[i].size) == 0)
            return compressors[i].reason;
    return "";
}

size_t trace_read_at(const struct trace_reader *reader, uint64_t offset, void *into, size_t length)
{
    size_t done = 0;
    while (done < length) {
        ssize_t got = pread(reader->fd, (unsigned char *)into + done, length - done, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        done += (size_t)got;
    }
    return done;
}

struct trace_reader *trace_open_fd(int fd, const char *name, char *error, size_t error_size)
{
    unsigned char magic[TRACE_MAGIC_SIZE];
    struct trace_reader *reader = calloc(1, sizeof *reader);
    struct stat status;
    if (!reader)
        out_of_memory("the trace reader", 1, sizeof *reader);
    live_init(&reader->live);
    reader->fd = fd;
    if (fstat(fd, &status) == 0)
        reader->info.file_bytes = (uint64_t)status.st_size;
    size_t got = trace_read_at(reader, 0, magic, sizeof magic);
    if (got < sizeof magic || memcmp(magic, TRACE_MAGIC, 7) != 0) {
        snprintf(error, error_size, "%s is not a fragbench trace%s", name,
                 not_a_trace_reason(magic, got, reader->info.file_bytes));
        trace_close(reader);
        return NULL;
    }
    reader->info.version = magic[7];
    if (magic[7] < TRACE_VERSION_OLDEST || magic[7] > TRACE_VERSION) {
        snprintf(error, error_size, "%s is a trace of format version %u; this fragbench reads versions %u to %u (%s)",
                 name, magic[7], TRACE_VERSION_OLDEST, TRACE_VERSION,
                 magic[7] > TRACE_VERSION ? "a later fragbench wrote it, or its first bytes are damaged"
                                          : "its first bytes are damaged");
        trace_close(reader);
        return NULL;
    }
    if (trace_index_blocks(reader, error, error_size) != 0) { /* its message, after the trace's name */
        trace_name_error(name, error, error_size);
        trace_close(reader);
        return NULL;
    }
    find_last_event_time(reader);
    return reader;
}

/* An unnamed temporary file in directory, read and written: -1 with errno. */
static int temporary_file_in(const char *directory)
{
    int fd = open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        char name[4096]; /* a file system without O_TMPFILE: a named file, unlinked at once */
        if (snprintf(name, sizeof name, "%s/fragbench-trace-XXXXXX", directory) >= (int)sizeof name) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if ((fd = mkostemp(name, O_CLOEXEC)) >= 0)
            unlink(name);
    }
    return fd;
}

/*
 * An unnamed temporary file, as tmpfile's but without a FILE: in $TMPDIR where it can be made there, else in /tmp
 * (where tmpfile makes it, whatever $TMPDIR says). Never descriptor 0, 1 or 2, even with those closed: zstd's
 * output goes to it through dup2 onto 1 or 2, which would keep the close-on-exec flag of a descriptor already there.
 */
static int temporary_file(void)
{
    const char *directory = getenv("TMPDIR");
    int fd = directory && *directory ? temporary_file_in(directory) : -1;
    if (fd < 0)
        fd = temporary_file_in("/tmp");
    if (fd >= 0 && fd <= STDERR_FILENO) {
        int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        int saved = errno;
        close(fd);
        errno = saved;
        fd = moved;
    }
    return fd;
}

/* zstd's last line that is not blank (its reason), from the end of the file it wrote its stderr to. */
static void last_said(int complaint, char *said, size_t said_size)
{
    char tail[1024];
    off_t end = lseek(complaint, 0, SEEK_END);
    off_t from = end > (off_t)sizeof tail - 1 ? end - (off_t)sizeof tail + 1 : 0;
    ssize_t got = end > 0 ? pread(complaint, tail, (size_t)(end - from), from) : 0;
    tail[got > 0 ? got : 0] = '\0';
    *said = '\0';
    for (char *line = tail, *next; *line; line = next) {
        size_t length = strcspn(line, "\r\n");
        next = line + length + (line[length] != '\0');
        if (strspn(line, " ") < length) /* not blank: something but spaces before the line's end */
            snprintf(said, said_size, "%.*s", (int)length, line);
    }
    for (size_t length = strlen(said); length > 0 && said[length - 1] == ' '; length--)
        said[length - 1] = '\0';
    /* "PATH : Read error (39) : premature end": the path (which zstd shortens where it is long) is the message's own. */
    char *reason = strstr(said, " : ");
    if (reason)
        memmove(said, reason + 3, strlen(reason + 3) + 1);
}

/*
 * A trace compressed with zstd (it starts with zstd's frame magic), decompressed by Debian's zstd program into an
 * unnamed temporary file: the reader seeks, which a stream of the decompressor could not do. -1 with a message.
 */
static int decompressed(const char *path, bool *cut, char *error, size_t error_size)
{
    int plain = temporary_file(), complaint = temporary_file(); /* zstd's output, and what it says on stderr */
    int status = 0;
    if (plain < 0 || complaint < 0) {
        snprintf(error, error_size, "cannot make a temporary file to decompress %s: %s", path, strerror(errno));
        if (plain >= 0)
            close(plain);
        if (complaint >= 0)
            close(complaint);
        return -1;
    }
    pid_t child = fork(), waited = -1;
    if (child == 0) {
        dup2(plain, STDOUT_FILENO);
        dup2(complaint, STDERR_FILENO);
        execlp("zstd", "zstd", "-d", "-c", "-q", "--", path, (char *)NULL);
        _exit(127);
    }
    while (child > 0 && (waited = waitpid(child, &status, 0)) < 0 && errno == EINTR)
        ; /* a signal the caller handles (the runner's SIGINT) does not leave zstd unwaited for */
    if (child < 0) {
        snprintf(error, error_size, "cannot start zstd to decompress %s: %s", path, strerror(errno));
        close(plain);
        close(complaint);
        return -1;
    }
    if (waited != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* zstd's own words (its last line) go into the message rather than onto the terminal before it. */
        char said[256];
        struct stat out = {.st_size = 0};
        last_said(complaint, said, sizeof said);
        /*
         * A file cut short ("premature end": a copy that stopped, a head -c) still decompresses up to where it
         * ends: the trace of that much, read as a trace cut there (its state says so, and --replay-partial replays
         * it). Damage inside the frame ("Data corruption detected") is refused.
         */
        if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && strstr(said, "premature end") &&
            fstat(plain, &out) == 0 && out.st_size > 0) {
            *cut = true;
            close(complaint);
            return plain;
        }
        snprintf(error, error_size, "%s is compressed with zstd, and %s%s%s%s", path,
                 waited == child && WIFEXITED(status) && WEXITSTATUS(status) == 127
                     ? "the zstd program is missing (apt-get install zstd)"
                     : "zstd could not decompress it",
                 *said ? " (zstd: " : "", said, *said ? ")" : "");
        close(plain);
        close(complaint);
        return -1;
    }
    close(complaint);
    return plain;
}

const char *trace_file_kind(mode_t mode)
{
    return S_ISREG(mode)    ? NULL
           : S_ISDIR(mode)  ? "a directory"
           : S_ISFIFO(mode) ? "a pipe"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a regular file";
}

struct trace_reader *trace_open(const char *path, char *error, size_t error_size)
{
    unsigned char start[4] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a pipe without a writer: said below, not waited on */
    struct stat status = {.st_size = 0};
    if (fd < 0) {
        int failure = errno;
        char compressed[PATH_MAX];
        struct stat beside;
        /* --record=NAME.zst writes NAME.zst: a user who gives NAME after it is told where the trace is. */
        bool zst_beside = failure == ENOENT &&
                          snprintf(compressed, sizeof compressed, "%s.zst", path) < (int)sizeof compressed &&
                          stat(compressed, &beside) == 0;
        snprintf(error, error_size, "cannot read %s: %s%s%s%s", path, strerror(failure), zst_beside ? " (" : "",
                 zst_beside ? compressed : "", zst_beside ? " is there: give that name)" : "");
        return NULL;
    }
    if (fstat(fd, &status) == 0 && !S_ISREG(status.st_mode)) {
        const char *kind = trace_file_kind(status.st_mode);
        if (S_ISDIR(status.st_mode))
            snprintf(error, error_size, "%s is a directory, not a trace", path);
        else
            snprintf(error, error_size, "%s is %s, not a trace file: the reader seeks in a trace, so save it to a "
                     "file first", path, kind);
        close(fd);
        return NULL;
    }
    bool compressed = pread(fd, start, sizeof start, 0) == (ssize_t)sizeof start &&
                      !memcmp(start, TRACE_ZSTD_MAGIC, sizeof start);
    bool cut = false;
    if (compressed) {
        close(fd);
        if ((fd = decompressed(path, &cut, error, error_size)) < 0)
            return NULL;
    }
    struct trace_reader *reader = trace_open_fd(fd, path, error, error_size);
    if (reader) {
        reader->info.compressed = compressed;
        reader->info.compressed_cut = cut;
        reader->info.stored_bytes = (uint64_t)status.st_size;
    }
    return reader;
}

int trace_descriptor(const struct trace_reader *reader)
{
    return reader->fd;
}

const struct trace_info *trace_info(const struct trace_reader *reader)
{
    return &reader->info;
}

void trace_close(struct trace_reader *reader)
{
    if (!reader)
        return;
    trace_drop_cursors(reader);
    live_free(&reader->live);
    free(reader->rows);
    close(reader->fd);
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
    /* Stopped at a signal, every call written first: complete to the signal, however long it had been idle. */
    bool written_out = info->stopped && !info->cut_block &&
                       (info->stop_reason == TRACE_STOP_SIGNAL || info->stop_reason == TRACE_STOP_ENDING_SIGNAL);
    if ((!info->ended || info->cut_block || info->exec_unrecorded) && !written_out && info->last_ns < until)
        until = info->last_ns > info->start_ns ? info->last_ns : info->start_ns;
    return until;
}

uint64_t trace_clock_step_ns(const struct trace_info *info)
{
    struct timespec step;
    if (info->clock_id != CLOCK_MONOTONIC_COARSE || clock_getres(CLOCK_MONOTONIC_COARSE, &step) != 0)
        return 0;
    return (uint64_t)step.tv_sec * 1000000000u + (uint64_t)step.tv_nsec;
}

void trace_state_text(const struct trace_info *info, char *out, size_t size)
{
    if (info->stopped) {
        char ended_by[64], write_failed[96] = "a write to the trace failed";
        const char *abbreviation = sigabbrev_np((int)info->stop_detail);
        if (abbreviation)
            snprintf(ended_by, sizeof ended_by, "the program was ended by SIG%s, every call written out first", abbreviation);
        else
            snprintf(ended_by, sizeof ended_by, "the program was ended by signal %u, every call written out first",
                     info->stop_detail);
        if (info->stop_detail) /* from 2026-12-07 */
            snprintf(write_failed, sizeof write_failed, "a write to the trace failed: %s", strerror((int)info->stop_detail));
        snprintf(out, size, "stopped early (%s): complete up to %.3f s after the start",
                 info->stop_reason == TRACE_STOP_CAP           ? "size cap reached"
                 : info->stop_reason == TRACE_STOP_NO_BUFFER ? "no memory for a thread's buffer"
                 : info->stop_reason == TRACE_STOP_SIGNAL    ? "the runner stopped it: --duration, --timeout, or its SIGINT or SIGTERM"
                 : info->stop_reason == TRACE_STOP_HANDLER_CALLS
                     ? "a signal handler made more calls than the recorder keeps while it records the call it interrupted"
                 : info->stop_reason == TRACE_STOP_ENDING_SIGNAL ? ended_by
                                                                 : write_failed,
                 info->complete_until_ns > info->start_ns ? (double)(info->complete_until_ns - info->start_ns) / 1e9
                                                          : 0.0);
    }
    else if (info->compressed_cut && (info->cut_block || !info->ended))
        snprintf(out, size, "truncated: the compressed file was cut short (zstd: premature end), and the trace is what "
                            "zstd decompressed before its end");
    else if (info->cut_block)
        snprintf(out, size, "truncated: the file ends inside a block (the program died while writing it, or the file was cut short)");
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
    if (info->last_image_events_chunks > 0)
        return 0;
    if (info->chunks > 0 && info->images > 1)
        return trace_failure(error, error_size,
                             "%s holds no events of its last program (%s, exec'd by the one before): a replay makes "
                             "the last program's calls only, so there is nothing to replay", path, info->last_exe);
    char state[256];
    trace_state_text(info, state, sizeof state);
    return trace_failure(error, error_size,
                         "%s holds no events, so there is nothing to replay (the program made no call it recorded, "
                         "or died before it wrote any; the trace is %s)", path, state);
}
