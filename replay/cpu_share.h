/* How much CPU the replay may use at once: the CPUs of its affinity, capped by its cgroups' CPU quota. */
#ifndef FRAGBENCH_CPU_SHARE_H
#define FRAGBENCH_CPU_SHARE_H

/*
 * The CPUs' worth of time the process may use at once: the CPUs its affinity allows, or, where less, the
 * smallest CPU quota of its cgroups and their parents (cgroup v2's cpu.max, v1's cpu.cfs_quota_us over
 * cpu.cfs_period_us; a quota of 50 ms in 100 ms is half a CPU). Calls no allocator.
 */
double cpu_share(void);

/*
 * The smallest CPU quota, in CPUs, of the cgroups named in proc_cgroup (a /proc/PID/cgroup) and their parents,
 * under root (where the hierarchies are mounted: /sys/fs/cgroup); 0 where none is set or none can be read.
 */
double cgroup_cpu_quota(const char *proc_cgroup, const char *root);

#endif
