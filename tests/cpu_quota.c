/* Unit tests of the replay's reading of a cgroup CPU quota (replay/cpu_share.c), on cgroup trees made in a temporary directory. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cpu_share.h"

static char root[256];

/* Writes text to root/path, making its directories. */
static void put(const char *path, const char *text)
{
    char full[512];
    snprintf(full, sizeof full, "%s/%s", root, path);
    for (char *slash = strchr(full + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(full, 0755);
        *slash = '/';
    }
    FILE *out = fopen(full, "w");
    if (!out) {
        perror(full);
        exit(2);
    }
    fputs(text, out);
    fclose(out);
}

/* A fresh tree for one test, with proc as its /proc/self/cgroup. */
static void tree(const char *proc)
{
    char command[300];
    if (root[0]) {
        snprintf(command, sizeof command, "rm -rf '%s'", root);
        if (system(command) != 0)
            exit(2);
    }
    snprintf(root, sizeof root, "%s/cpu-quota-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root))
        exit(2);
    put("proc-cgroup", proc);
}

static double quota(void)
{
    char proc[300];
    snprintf(proc, sizeof proc, "%s/proc-cgroup", root);
    return cgroup_cpu_quota(proc, root);
}

/* A case: a /proc/self/cgroup, the files of its tree (path, text; NULL ends them), and the quota expected. */
struct quota_case {
    const char *name, *proc;
    const char *files[8][2];
    double quota;
};

static const struct quota_case cases[] = {
    {"v2: the group's quota", "0::/a/b\n", {{"a/b/cpu.max", "50000 100000\n"}, {"a/cpu.max", "max 100000\n"}}, 0.5},
    {"v2: a parent's quota caps the group's", "0::/a/b\n",
     {{"a/b/cpu.max", "50000 100000\n"}, {"a/cpu.max", "30000 100000\n"}}, 0.3},
    {"v2: max everywhere is none", "0::/a/b\n", {{"a/b/cpu.max", "max 100000\n"}, {"a/cpu.max", "max 100000\n"}}, 0},
    {"v2 beside v1, under unified/", "0::/u\n", {{"unified/u/cpu.max", "200000 100000\n"}}, 2},
    {"v1: cpu with cpuacct", "5:cpuset:/\n4:cpu,cpuacct:/c\n0::/\n",
     {{"cpu,cpuacct/c/cpu.cfs_quota_us", "150000\n"}, {"cpu,cpuacct/c/cpu.cfs_period_us", "100000\n"}}, 1.5},
    {"v1: -1 is none", "1:cpu:/c\n", {{"cpu/c/cpu.cfs_quota_us", "-1\n"}, {"cpu/c/cpu.cfs_period_us", "100000\n"}}, 0},
    {"v1: the root's quota above a group with none", "1:cpu:/c\n",
     {{"cpu/c/cpu.cfs_quota_us", "-1\n"}, {"cpu/c/cpu.cfs_period_us", "100000\n"},
      {"cpu/cpu.cfs_quota_us", "40000\n"}, {"cpu/cpu.cfs_period_us", "100000\n"}}, 0.4},
    /* The cpu hierarchy holds a quota for the group: a line that names cpuset or cpuacct alone must not find it. */
    {"cpuset and cpuacct are not the cpu controller", "3:cpuset:/d\n2:cpuacct:/d\n",
     {{"cpu/d/cpu.cfs_quota_us", "50000\n"}, {"cpu/d/cpu.cfs_period_us", "100000\n"},
      {"cpu,cpuacct/d/cpu.cfs_quota_us", "50000\n"}, {"cpu,cpuacct/d/cpu.cfs_period_us", "100000\n"}}, 0},
    /* Inside a container the group named may not exist under the mount: its quota is the mount root's. */
    {"a group above the mount's root", "0::/docker/abc123\n", {{"cpu.max", "100000 100000\n"}}, 1},
    {"a quota that is not a number", "0::/g\nnot a line\n::\n:\n", {{"g/cpu.max", "fifty 100000\n"}}, 0},
    {"a quota without its period", "0::/g\n", {{"g/cpu.max", "50000\n"}}, 0},
    {"a period of 0", "0::/g\n", {{"g/cpu.max", "50000 0\n"}}, 0},
};

/* Each case a test of its own: one PASS or FAIL line, named after it. */
static void run_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tree(cases[i].proc);
        for (size_t f = 0; f < 8 && cases[i].files[f][0]; f++)
            put(cases[i].files[f][0], cases[i].files[f][1]);
        double got = quota();
        bool passed = got == cases[i].quota;
        if (!passed)
            printf("  %g CPUs, expected %g\n", got, cases[i].quota);
        printf("%s: quota: %s\n", passed ? "PASS" : "FAIL", cases[i].name);
        check_failed_tests += !passed;
    }
}

static void no_cgroup_file_is_no_quota(void)
{
    tree("0::/\n");
    CHECK(cgroup_cpu_quota("/nonexistent/cgroup", root) == 0);
    CHECK(cgroup_cpu_quota("/dev/null", root) == 0);
}

/* This machine's own: a share above none (a quota may allow less than one CPU), and no more than its CPUs. */
static void this_machine(void)
{
    double share = cpu_share();
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(share > 0);
    CHECK(share <= (double)online);
}

int main(void)
{
    run_cases();
    RUN_TEST(no_cgroup_file_is_no_quota);
    RUN_TEST(this_machine);
    char command[300];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    if (system(command) != 0)
        return 2;
    return CHECK_EXIT_CODE();
}
