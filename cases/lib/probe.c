/* The phase probe: samples this process's memory without allocating and sends it to the runner as one record. */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "allocator.h"
#include "linebuf.h"
#include "protocol.h"

/* State set once by probe_start(), before the case allocates anything. */
static int report_fd = -1;
static uint64_t page_kb = 4;
static struct timespec started;
static unsigned phase_seq;

void probe_start(void)
{
    const char *fd_text = getenv(FB_ENV_FD);
    clock_gettime(CLOCK_MONOTONIC, &started);
    page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
    if (fd_text && *fd_text) {
        char *end;
        long fd = strtol(fd_text, &end, 10);
        if (*end == '\0' && fd >= 0 && fd < 1 << 20 && fcntl((int)fd, F_GETFD) != -1)
            report_fd = (int)fd;
    }
}

/* Reads a whole small /proc file into buf (NUL-terminated); returns its length or -1. */
static ssize_t read_small_file(const char *path, char *buf, size_t size)
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

static uint64_t parse_u64(const char **cursor)
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

/* Finds "\nKey:" in a /proc status text and returns its number (kB), or UINT64_MAX when absent. */
static uint64_t status_field_kb(const char *status, const char *key)
{
    size_t key_len = strlen(key);
    for (const char *line = status; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
            const char *value = line + key_len + 1;
            return parse_u64(&value);
        }
    }
    return UINT64_MAX;
}

int probe_sample(struct probe_sample *sample)
{
    char text[4096];
    const char *cursor = text;
    if (read_small_file("/proc/self/statm", text, sizeof text) <= 0)
        return -1;
    sample->vsz_kb = parse_u64(&cursor) * page_kb;
    sample->rss_kb = parse_u64(&cursor) * page_kb;
    if (read_small_file("/proc/self/status", text, sizeof text) <= 0)
        return -1;
    sample->anon_kb = status_field_kb(text, "RssAnon");
    sample->file_kb = status_field_kb(text, "RssFile");
    return sample->rss_kb > 0 && sample->anon_kb != UINT64_MAX && sample->file_kb != UINT64_MAX ? 0 : -1;
}

static uint64_t elapsed_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)(now.tv_sec - started.tv_sec) * 1000000u +
           (uint64_t)((now.tv_nsec - started.tv_nsec) / 1000);
}

void probe_hello(const struct allocator_info *allocator)
{
    struct linebuf line = {.len = 0};
    if (report_fd < 0)
        return;
    linebuf_add_text(&line, FB_RECORD_HELLO);
    linebuf_add_field_u64(&line, "proto", FB_PROTOCOL_VERSION);
    linebuf_add_field(&line, "allocator", allocator->name);
    linebuf_add_field(&line, "version", allocator->version);
    linebuf_add_field(&line, "object", allocator->object);
    linebuf_add_field_u64(&line, "pid", (uint64_t)getpid());
    linebuf_send(&line, report_fd);
}

void probe_phase(const char *label, uint64_t live_bytes, uint64_t live_allocs)
{
    struct probe_sample sample = {0, 0, 0, 0};
    struct linebuf line = {.len = 0};
    uint64_t at_us = elapsed_us();
    char label_cut[FB_LABEL_MAX];

    strncpy(label_cut, label, sizeof label_cut - 1);
    label_cut[sizeof label_cut - 1] = '\0';
    if (probe_sample(&sample) != 0) {
        /* A sample that could not be taken is not reported as zeros: the run ends, failed. */
        static const char message[] = "fragbench probe: cannot read /proc/self/statm or /proc/self/status\n";
        (void)!write(STDERR_FILENO, message, sizeof message - 1);
        _exit(PROBE_FAILED_EXIT);
    }
    phase_seq++;
    if (report_fd < 0) {
        /* Standalone: the talk's line. */
        linebuf_add_text(&line, label_cut);
        linebuf_add_text(&line, ": ");
        linebuf_add_u64(&line, sample.rss_kb);
        linebuf_add_text(&line, " kB used");
        linebuf_send(&line, STDOUT_FILENO);
        return;
    }
    linebuf_add_text(&line, FB_RECORD_PHASE);
    linebuf_add_field_u64(&line, "seq", phase_seq);
    linebuf_add_field(&line, "label", label_cut);
    linebuf_add_field_u64(&line, "elapsed_us", at_us);
    linebuf_add_field_u64(&line, "vsz_kb", sample.vsz_kb);
    linebuf_add_field_u64(&line, "rss_kb", sample.rss_kb);
    linebuf_add_field_u64(&line, "anon_kb", sample.anon_kb);
    linebuf_add_field_u64(&line, "file_kb", sample.file_kb);
    linebuf_add_field_u64(&line, "live_bytes", live_bytes);
    linebuf_add_field_u64(&line, "allocs", live_allocs);
    linebuf_send(&line, report_fd);
}
