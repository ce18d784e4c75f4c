/* fragbench.h: mark phases in your own C program for the fragbench runner; header-only (copy it with protocol.h). */
#ifndef FRAGBENCH_H
#define FRAGBENCH_H

/*
 * fb_phase("After del") sends one record, this process's memory at that moment, to the
 * fragbench runner over the pipe named by FRAGBENCH_FD. Run without the runner, it does
 * nothing: one getenv() on the first call, then one branch per call.
 * fb_phase_live(label, live_bytes, allocs) also reports what the program holds, if it knows.
 *
 * Measuring allocates nothing and uses no stdio: open/read/close into stack buffers, the
 * record formatted by hand, one write(). State (the pipe, the phase count) is per file that
 * includes this header, so call it from one file, or accept one count per file.
 * Linux only (/proc); C99 or later; no library to link.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"

/* ---- A record line in a fixed stack buffer. */

struct fb_line {
    char text[FB_RECORD_MAX];
    size_t len;
};

/* Room left, keeping the last byte for the LF that ends a record. */
static inline size_t fb_line_room(const struct fb_line *line)
{
    return sizeof line->text - 1 - line->len;
}

/* Appends text; TAB, CR and LF become spaces so that a value cannot break the record. */
static inline void fb_line_text(struct fb_line *line, const char *text)
{
    for (; *text && fb_line_room(line) > 0; text++) {
        char c = *text;
        line->text[line->len++] = (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
    }
}

static inline void fb_line_u64(struct fb_line *line, uint64_t value)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n > 0 && fb_line_room(line) > 0)
        line->text[line->len++] = digits[--n];
}

/* Appends "\tkey=" (the key itself is trusted: the protocol's own names). */
static inline void fb_line_key(struct fb_line *line, const char *key)
{
    if (fb_line_room(line) > 0)
        line->text[line->len++] = '\t';
    fb_line_text(line, key);
    fb_line_text(line, "=");
}

static inline void fb_line_field(struct fb_line *line, const char *key, const char *value)
{
    fb_line_key(line, key);
    fb_line_text(line, value);
}

static inline void fb_line_field_u64(struct fb_line *line, const char *key, uint64_t value)
{
    fb_line_key(line, key);
    fb_line_u64(line, value);
}

/* Ends the line with LF and writes it whole to fd, retrying short writes; returns 0 or -1. */
static inline int fb_line_send(struct fb_line *line, int fd)
{
    size_t done = 0;
    line->text[line->len++] = '\n'; /* fb_line_room() always keeps this byte free */
    while (done < line->len) {
        ssize_t n = write(fd, line->text + done, line->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* ---- Sampling this process from /proc. */

struct fb_memory {
    uint64_t vsz_kb, rss_kb;
    uint64_t anon_kb; /* RssAnon */
    uint64_t file_kb; /* RssFile */
    uint64_t hwm_kb;  /* VmHWM, the kernel's high-water mark of RSS (this image's): sent where known, not 0 */
};

/* Reads a small /proc file into buf (NUL-terminated); returns its length or -1. */
static inline ssize_t fb_read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    if (fd < 0)
        return -1;
    while (len < size - 1) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

static inline uint64_t fb_parse_u64(const char **cursor)
{
    const char *p = *cursor;
    uint64_t value = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    while (*p >= '0' && *p <= '9')
        value = value * 10 + (uint64_t)(*p++ - '0');
    *cursor = p;
    return value;
}

/* The number of "Key:" in a /proc status text (kB), or UINT64_MAX when absent. */
static inline uint64_t fb_status_kb(const char *status, const char *key)
{
    size_t key_len = strlen(key);
    for (const char *line = status; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
            const char *value = line + key_len + 1;
            return fb_parse_u64(&value);
        }
    }
    return UINT64_MAX;
}

/*
 * Fills *memory from the calling thread's statm and status in /proc/thread-self (the process's memory, whichever
 * thread reads it: /proc/self is the main thread's, which reads as a zombie's, with no memory, once main has ended
 * with pthread_exit and another thread marks a phase or ends the process); /proc/self before Linux 3.17. Returns
 * 0, or -1 if they cannot be read.
 */
static inline int fb_sample(struct fb_memory *memory)
{
    char text[4096];
    const char *cursor = text;
    uint64_t page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
    bool thread_self = fb_read_file("/proc/thread-self/statm", text, sizeof text) > 0;
    if (!thread_self && fb_read_file("/proc/self/statm", text, sizeof text) <= 0)
        return -1;
    memory->vsz_kb = fb_parse_u64(&cursor) * page_kb;
    memory->rss_kb = fb_parse_u64(&cursor) * page_kb;
    if (fb_read_file(thread_self ? "/proc/thread-self/status" : "/proc/self/status", text, sizeof text) <= 0)
        return -1;
    memory->anon_kb = fb_status_kb(text, "RssAnon");
    memory->file_kb = fb_status_kb(text, "RssFile");
    memory->hwm_kb = fb_status_kb(text, "VmHWM");
    return memory->rss_kb > 0 && memory->anon_kb != UINT64_MAX && memory->file_kb != UINT64_MAX ? 0 : -1;
}

/* ---- Time and the runner's pipe. */

static inline uint64_t fb_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static inline uint64_t fb_now_us(void)
{
    return fb_now_ns() / 1000u;
}

/* Microseconds since the runner started the program (FRAGBENCH_T0_US), else since the first call here. */
static inline uint64_t fb_elapsed_us(void)
{
    static uint64_t t0;
    if (!t0) {
        const char *text = getenv(FB_ENV_T0);
        char *end;
        unsigned long long value = text ? strtoull(text, &end, 10) : 0;
        t0 = text && *text && !*end && value > 0 ? (uint64_t)value : fb_now_us();
    }
    uint64_t now = fb_now_us();
    return now > t0 ? now - t0 : 0;
}

/*
 * The runner's pipe, or -1 without the runner. Looked up once; after that it must still be the same pipe
 * (a FIFO with the same device and inode: the program may have closed it and reused the number for a file
 * of its own) in the same process (a forked child is not the program the runner measures), or it is
 * given up. fstat() and getpid() allocate nothing.
 */
static inline int fb_report_fd(void)
{
    static int fd = -2;
    static pid_t owner;
    static dev_t device;
    static ino_t inode;
    struct stat now;
    if (fd == -2) {
        const char *text = getenv(FB_ENV_FD), *pid_text = getenv(FB_ENV_PID);
        char *end;
        long value = text ? strtol(text, &end, 10) : -1;
        fd = -1;
        /* A program the runner's process started (sh -c 'prog; ...') inherits both: it is not the one measured. */
        bool measured = !pid_text || strtol(pid_text, NULL, 10) == (long)getpid();
        if (measured && text && *text && !*end && value >= 0 && value < (1L << 20) && fstat((int)value, &now) == 0 &&
            S_ISFIFO(now.st_mode)) {
            fd = (int)value;
            owner = getpid();
            device = now.st_dev;
            inode = now.st_ino;
        }
        return fd;
    }
    if (fd >= 0 && (getpid() != owner || fstat(fd, &now) != 0 || now.st_dev != device || now.st_ino != inode))
        fd = -1;
    return fd;
}

/* ---- The API. */

/* A value the allocator does not tell. */
#define FB_UNKNOWN UINT64_MAX

/* The allocator's own view of its memory, in bytes; FB_UNKNOWN where it does not tell. */
struct fb_allocator_view {
    uint64_t in_use_bytes; /* handed out to the program and not freed, as the allocator counts */
    uint64_t free_bytes;   /* free inside the allocator, kept for reuse, not given back to the OS */
    uint64_t os_bytes;     /* held from the operating system: in use, free and (most allocators) their metadata */
};

/* Appends "\tkey=value" unless the value is FB_UNKNOWN. */
static inline void fb_line_known_u64(struct fb_line *line, const char *key, uint64_t value)
{
    if (value != FB_UNKNOWN)
        fb_line_field_u64(line, key, value);
}

/*
 * An entry point of the recorder by name, in a run it records (--record: FRAGBENCH_TRACE is set); else NULL, and
 * nothing is looked up (dlsym of a name that is not there allocates, and would show in the heap measured).
 */
static inline void *fb_recorder_entry(const char *name)
{
    return getenv("FRAGBENCH_TRACE") ? dlsym((void *)0, name) : (void *)0; /* null handle: every loaded object */
}

/* In a recorded run, places a mark among the recorder's events in this thread and returns its number; else 0. */
static inline uint64_t fb_trace_mark(void)
{
    static uint64_t (*mark)(void);
    static int looked_up;
    if (!looked_up) {
        looked_up = 1;
        *(void **)&mark = fb_recorder_entry("fragbench_trace_mark");
    }
    return mark ? mark() : 0;
}

/*
 * In a recorded run, notes that the program made its allocator's release call (a replay makes the release call of
 * the allocator under test there); else nothing. The call itself bypasses the recorder (it is made at the
 * allocator's own address), so the caller says so after it.
 */
static inline void fb_trace_release(void)
{
    static void (*note)(void);
    static int looked_up;
    if (!looked_up) {
        looked_up = 1;
        *(void **)&note = fb_recorder_entry("fragbench_trace_release");
    }
    if (note)
        note();
}

/*
 * Where a replay's row stands in the recording it replays (fb-replay sends it): its time there, in µs after the
 * recording's start, and the RSS the recording measured there (FB_UNKNOWN where it measured none); and the
 * replay's own largest RSS so far, less its bookkeeping, seen at its rows and between them (0: not sent).
 */
struct fb_recorded_point {
    uint64_t at_us;
    uint64_t rss_kb, anon_kb; /* anon_kb: its anonymous part (the heap's), FB_UNKNOWN where not measured */
    uint64_t peak_kb;
    uint64_t events; /* the trace's events (of its last image) replayed before the row */
    uint64_t peak_live_bytes; /* the largest live heap of the trace after any of those events */
};

/*
 * Writes one phase record, without its LF, into *line: the memory sampled now, if has_live what the program
 * holds, if view is not NULL what the allocator says of itself, and if recorded is not NULL where the row stands
 * in a replayed recording. fb_send_phase sends it; a sender may add fields before it does.
 */
static inline void fb_phase_line(struct fb_line *line, unsigned seq, const char *label,
                                 const struct fb_memory *memory, int has_live, uint64_t live_bytes, uint64_t allocs,
                                 const struct fb_allocator_view *view, const struct fb_recorded_point *recorded)
{
    char label_cut[FB_LABEL_MAX];
    uint64_t trace_mark = fb_trace_mark();
    line->len = 0;
    strncpy(label_cut, label, sizeof label_cut - 1);
    label_cut[sizeof label_cut - 1] = '\0';
    fb_line_text(line, FB_RECORD_PHASE);
    fb_line_field_u64(line, "seq", seq);
    fb_line_field(line, "label", label_cut);
    fb_line_field_u64(line, "elapsed_us", fb_elapsed_us());
    fb_line_field_u64(line, "t_ns", fb_now_ns());
    if (trace_mark)
        fb_line_field_u64(line, "trace_mark", trace_mark);
    fb_line_field_u64(line, "vsz_kb", memory->vsz_kb);
    fb_line_field_u64(line, "rss_kb", memory->rss_kb);
    fb_line_field_u64(line, "anon_kb", memory->anon_kb);
    fb_line_field_u64(line, "file_kb", memory->file_kb);
    /*
     * The process's own high-water mark: a peak that rose and fell between the runner's outside samples, in a
     * program that ends before the runner reads its last mark from outside (perl making a string of 96 MB and
     * exiting showed a peak of 5 MB), is still the run's.
     */
    if (memory->hwm_kb && memory->hwm_kb != FB_UNKNOWN)
        fb_line_field_u64(line, "hwm_kb", memory->hwm_kb);
    if (has_live) {
        fb_line_field_u64(line, "live_bytes", live_bytes);
        fb_line_field_u64(line, "allocs", allocs);
    }
    if (view) {
        fb_line_known_u64(line, "alloc_in_use_bytes", view->in_use_bytes);
        fb_line_known_u64(line, "alloc_free_bytes", view->free_bytes);
        fb_line_known_u64(line, "alloc_os_bytes", view->os_bytes);
    }
    if (recorded) {
        fb_line_field_u64(line, "recorded_us", recorded->at_us);
        fb_line_known_u64(line, "recorded_rss_kb", recorded->rss_kb);
        fb_line_known_u64(line, "recorded_anon_kb", recorded->anon_kb);
        if (recorded->peak_kb)
            fb_line_field_u64(line, "replay_peak_kb", recorded->peak_kb);
        fb_line_field_u64(line, "trace_events", recorded->events);
        fb_line_field_u64(line, "trace_peak_live_bytes", recorded->peak_live_bytes);
    }
}

/* Sends one phase record (fb_phase_line) to the runner's pipe fd; returns 0, or -1 if it could not be written. */
static inline int fb_send_phase(int fd, unsigned seq, const char *label, const struct fb_memory *memory,
                                int has_live, uint64_t live_bytes, uint64_t allocs,
                                const struct fb_allocator_view *view, const struct fb_recorded_point *recorded)
{
    struct fb_line line;
    fb_phase_line(&line, seq, label, memory, has_live, live_bytes, allocs, view, recorded);
    return fb_line_send(&line, fd);
}

static inline void fb_phase_report(const char *label, int has_live, uint64_t live_bytes, uint64_t allocs)
{
    static unsigned seq;
    struct fb_memory memory;
    int fd = fb_report_fd();
    if (fd < 0 || fb_sample(&memory) != 0)
        return;
    fb_send_phase(fd, ++seq, label, &memory, has_live, live_bytes, allocs, NULL, NULL);
}

/*
 * Tells the runner that the program sleeps for ms now and uses no CPU meanwhile, so that it may start
 * another run beside it (--jobs counts working runs only); the next phase ends the idle. Does not sleep.
 */
static inline void fb_idle(uint64_t ms)
{
    struct fb_line line;
    int fd = fb_report_fd();
    if (fd < 0)
        return;
    line.len = 0;
    fb_line_text(&line, FB_RECORD_IDLE);
    fb_line_field_u64(&line, "idle_ms", ms);
    fb_line_send(&line, fd);
}

/* Marks a phase: under the runner, reports this process's memory now; alone, does nothing. */
static inline void fb_phase(const char *label)
{
    fb_phase_report(label, 0, 0, 0);
}

/* The same, with the bytes and the number of blocks the program holds by its own count. */
static inline void fb_phase_live(const char *label, uint64_t live_bytes, uint64_t allocs)
{
    fb_phase_report(label, 1, live_bytes, allocs);
}

#endif
