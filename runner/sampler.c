/* Samples another process's memory from outside, through /proc/PID, without stopping or touching it. */
#include "sampler.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int sampler_open(struct sampler *sampler, pid_t pid)
{
    char path[64];
    *sampler = (struct sampler){.pid = pid, .statm_fd = -1, .status_fd = -1,
                                .page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024};
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    sampler->statm_fd = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    sampler->status_fd = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(sampler->smaps_path, sizeof sampler->smaps_path, "/proc/%d/smaps_rollup", (int)pid);
    if (sampler->statm_fd < 0 || sampler->status_fd < 0) {
        sampler_close(sampler);
        return -1;
    }
    return 0;
}

/* Reads the whole file from its start into buf (NUL-terminated); returns its length or -1. */
static ssize_t read_from_start(int fd, char *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size - 1, 0);
    while (n < 0 && errno == EINTR)
        n = pread(fd, buf, size - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* Reads the whole small file at path into buf (NUL-terminated), opening and closing it; its length, or -1. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read_from_start(fd, buf, size) : -1;
    if (fd >= 0)
        close(fd);
    return n;
}

/*
 * The process's main thread has ended and reads as a zombie (no memory lines), or the thread read so far has
 * ended: a thread of it still running, whose statm and status are the process's, is read from now on (the main
 * thread again where it is back: a thread that execs takes over its number). smaps_rollup is the process's alone
 * (none for a thread): its columns stay empty while the main thread is a zombie. 0, or -1 where none is left.
 */
static int follow_a_live_thread(struct sampler *sampler)
{
    char path[96], text[4096];
    snprintf(path, sizeof path, "/proc/%d/task", (int)sampler->pid);
    DIR *tasks = opendir(path);
    if (!tasks)
        return -1;
    int found = -1;
    for (struct dirent *task; found != 0 && (task = readdir(tasks));) {
        int tid = atoi(task->d_name);
        if (tid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)sampler->pid, tid);
        int status_fd = open(path, O_RDONLY | O_CLOEXEC);
        snprintf(path, sizeof path, "/proc/%d/task/%d/statm", (int)sampler->pid, tid);
        int statm_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (status_fd >= 0 && statm_fd >= 0 && read_from_start(status_fd, text, sizeof text) > 0 &&
            fb_status_kb(text, "RssAnon") != UINT64_MAX) {
            sampler_close(sampler);
            sampler->statm_fd = statm_fd;
            sampler->status_fd = status_fd;
            found = 0;
            continue;
        }
        if (status_fd >= 0)
            close(status_fd);
        if (statm_fd >= 0)
            close(statm_fd);
    }
    closedir(tasks);
    return found;
}

/* One read of the open files; -1 where they are gone or read as a zombie's. */
static int read_memory(struct sampler *sampler, struct fb_memory *memory, char *text, size_t size)
{
    const char *cursor = text;
    if (read_from_start(sampler->statm_fd, text, size) <= 0)
        return -1;
    memory->vsz_kb = fb_parse_u64(&cursor) * sampler->page_kb;
    memory->rss_kb = fb_parse_u64(&cursor) * sampler->page_kb;
    if (read_from_start(sampler->status_fd, text, size) <= 0)
        return -1;
    memory->anon_kb = fb_status_kb(text, "RssAnon");
    memory->file_kb = fb_status_kb(text, "RssFile");
    return memory->anon_kb == UINT64_MAX || memory->file_kb == UINT64_MAX ? -1 : 0; /* a zombie has no memory lines */
}

int sampler_read(struct sampler *sampler, struct fb_memory *memory)
{
    char text[4096];
    if (read_memory(sampler, memory, text, sizeof text) != 0 &&
        (follow_a_live_thread(sampler) != 0 || read_memory(sampler, memory, text, sizeof text) != 0))
        return -1;
    /*
     * The kernel keeps the image's largest RSS (VmHWM), so a peak that rose and fell between two samples still
     * counts: a program shorter than a few intervals would otherwise show the peak of whichever sample came
     * nearest. It starts again at each exec; the samples of an earlier image keep that image's share.
     */
    uint64_t high_water_kb = fb_status_kb(text, "VmHWM");
    memory->hwm_kb = high_water_kb;
    if (high_water_kb != UINT64_MAX && high_water_kb > sampler->peak_rss_kb)
        sampler->peak_rss_kb = high_water_kb;
    if (memory->rss_kb > sampler->peak_rss_kb)
        sampler->peak_rss_kb = memory->rss_kb;
    sampler->samples++;
    return 0;
}

int sampler_read_smaps(struct sampler *sampler, struct smaps_extra *extra, bool periodic, double now)
{
    char text[4096];
    struct timespec start, end;
    extra->known = false;
    if (periodic && now < sampler->smaps_due)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &start);
    ssize_t n = read_file(sampler->smaps_path, text, sizeof text); /* none before Linux 4.14: the columns stay empty */
    clock_gettime(CLOCK_MONOTONIC, &end);
    sampler->smaps_due = now + 9 * ((double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9);
    if (n <= 0)
        return -1;
    extra->lazyfree_kb = fb_status_kb(text, "LazyFree");
    extra->anon_huge_kb = fb_status_kb(text, "AnonHugePages");
    if (extra->lazyfree_kb == UINT64_MAX || extra->anon_huge_kb == UINT64_MAX)
        return -1;
    extra->known = true;
    return 0;
}

/* A process's name (comm) now into name: 0, or -1 where it is gone (name left as it was). */
static int process_name(pid_t pid, char *name, size_t size)
{
    char path[64], text[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    ssize_t n = read_file(path, text, sizeof text);
    if (n <= 0)
        return -1;
    snprintf(name, size, "%.*s", (int)strcspn(text, "\n"), text);
    return 0;
}

int sampler_child_process(const struct sampler *sampler, pid_t *child, char *name, size_t size)
{
    char path[80], text[256];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)sampler->pid, (int)sampler->pid);
    ssize_t n = read_file(path, text, sizeof text);
    const char *cursor = text;
    if (n <= 0 || (*child = (pid_t)fb_parse_u64(&cursor)) <= 0)
        return -1;
    if (process_name(*child, name, size) != 0)
        snprintf(name, size, "?");
    return 0;
}


void sampler_close(struct sampler *sampler)
{
    if (sampler->statm_fd >= 0)
        close(sampler->statm_fd);
    if (sampler->status_fd >= 0)
        close(sampler->status_fd);
    sampler->statm_fd = sampler->status_fd = -1;
}
