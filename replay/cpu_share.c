/* How much CPU the replay may use at once: the CPUs of its affinity, capped by its cgroups' CPU quota. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cpu_share.h"
#include "fragbench.h"

/*
 * Nothing here calls the allocator under test: the files are read by the probe's fb_read_file into buffers on the
 * stack (stdio's FILE and the C library's CPU sets are malloc's), and paths are put together by hand.
 */

enum { PATH_ROOM = 512, FILE_ROOM = 4096 };

/* The CPUs the process may run on, by its affinity (the raw system call: CPU_ALLOC is malloc's). */
static unsigned affinity_cpus(void)
{
    static unsigned long cpus[8192 / (8 * sizeof(unsigned long))];
    long length = syscall(SYS_sched_getaffinity, 0, sizeof cpus, cpus); /* the bytes of the kernel's mask */
    unsigned count = 0;
    for (long i = 0; i < length / (long)sizeof *cpus; i++)
        count += (unsigned)__builtin_popcountl(cpus[i]);
    return count;
}

/* directory + "/" + file into path (false where it does not fit). */
static bool join(char *path, const char *directory, size_t directory_length, const char *file)
{
    size_t file_length = strlen(file);
    if (directory_length + 1 + file_length + 1 > PATH_ROOM)
        return false;
    memcpy(path, directory, directory_length);
    path[directory_length] = '/';
    memcpy(path + directory_length + 1, file, file_length + 1);
    return true;
}

/*
 * The quota set in one cgroup directory, in CPUs (0: none there): cgroup v2's cpu.max ("max PERIOD" or "QUOTA
 * PERIOD"), or v1's cpu.cfs_quota_us (-1: none) over cpu.cfs_period_us.
 */
static double quota_in(const char *directory, size_t length)
{
    /* fb_parse_u64 (the probe's) reads "max", "-1" or no number at all as 0: none. */
    char path[PATH_ROOM], text[64];
    const char *cursor = text;
    uint64_t quota = 0, period = 0;
    if (join(path, directory, length, "cpu.max") && fb_read_file(path, text, sizeof text) > 0) {
        quota = fb_parse_u64(&cursor);
        period = quota ? fb_parse_u64(&cursor) : 0;
    } else if (join(path, directory, length, "cpu.cfs_quota_us") && fb_read_file(path, text, sizeof text) > 0 &&
               (quota = fb_parse_u64(&cursor)) > 0 && join(path, directory, length, "cpu.cfs_period_us") &&
               fb_read_file(path, text, sizeof text) > 0) {
        cursor = text;
        period = fb_parse_u64(&cursor);
    }
    return quota && period ? (double)quota / (double)period : 0;
}

/*
 * The smallest quota from the cgroup at mount + group up to the mount's root (a parent's quota caps its
 * children's), in CPUs; 0 where none is set. Inside a container the group named in /proc/self/cgroup may lie
 * above the mount's root: its directories that do not exist there are passed over on the way up.
 */
static double smallest_quota(const char *mount, const char *group, size_t group_length)
{
    char directory[PATH_ROOM];
    size_t mount_length = strlen(mount);
    if (mount_length + group_length + 1 > sizeof directory)
        return 0;
    memcpy(directory, mount, mount_length);
    memcpy(directory + mount_length, group, group_length);
    size_t length = mount_length + group_length;
    while (length > mount_length && directory[length - 1] == '/')
        length--;
    double smallest = 0;
    for (;;) {
        double quota = quota_in(directory, length);
        if (quota > 0 && (smallest == 0 || quota < smallest))
            smallest = quota;
        if (length <= mount_length)
            return smallest;
        while (length > mount_length && directory[length - 1] != '/')
            length--;
        if (length > mount_length)
            length--; /* the slash */
    }
}

/* Whether the comma-separated controllers of a /proc/self/cgroup line name "cpu". */
static bool names_cpu(const char *controllers, size_t length)
{
    for (size_t start = 0; start < length;) {
        size_t end = start;
        while (end < length && controllers[end] != ',')
            end++;
        if (end - start == 3 && memcmp(controllers + start, "cpu", 3) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

/* root + suffix into mount (false where it does not fit). */
static bool mount_at(char *mount, const char *root, const char *suffix)
{
    size_t root_length = strlen(root), suffix_length = strlen(suffix);
    if (root_length + suffix_length + 1 > PATH_ROOM)
        return false;
    memcpy(mount, root, root_length);
    memcpy(mount + root_length, suffix, suffix_length + 1);
    return true;
}

/* The smaller quota of two hierarchies' (0: none in either). */
static double smaller(double a, double b)
{
    return a > 0 && (b == 0 || a < b) ? a : b;
}

/* The quota of one group under the mounts where its hierarchy may be, root + each suffix: the smallest found. */
static double quota_under(const char *root, const char *const suffixes[2], const char *group, size_t group_length)
{
    char mount[PATH_ROOM];
    double quota = 0;
    for (int i = 0; i < 2; i++)
        if (mount_at(mount, root, suffixes[i]))
            quota = smaller(quota, smallest_quota(mount, group, group_length));
    return quota;
}

double cgroup_cpu_quota(const char *proc_cgroup, const char *root)
{
    /* cgroup v2 at the root itself, or beside v1's at unified/; v1's cpu controller alone or with cpuacct. */
    static const char *const v2[2] = {"", "/unified"}, *const v1_cpu[2] = {"/cpu", "/cpu,cpuacct"};
    char text[FILE_ROOM];
    if (fb_read_file(proc_cgroup, text, sizeof text) <= 0)
        return 0;
    double smallest = 0;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t line_length = end ? (size_t)(end - line) : strlen(line);
        char *first = memchr(line, ':', line_length);
        char *second = first ? memchr(first + 1, ':', line_length - (size_t)(first + 1 - line)) : NULL;
        if (second) {
            const char *group = second + 1;
            size_t group_length = line_length - (size_t)(group - line);
            size_t controllers_length = (size_t)(second - first - 1);
            if (controllers_length == 0)
                smallest = smaller(smallest, quota_under(root, v2, group, group_length));
            else if (names_cpu(first + 1, controllers_length))
                smallest = smaller(smallest, quota_under(root, v1_cpu, group, group_length));
        }
        if (!end)
            break;
        line = end + 1;
    }
    return smallest;
}

double cpu_share(void)
{
    double cpus = (double)affinity_cpus();
    double quota = cgroup_cpu_quota("/proc/self/cgroup", "/sys/fs/cgroup");
    return quota > 0 && quota < cpus ? quota : cpus;
}
