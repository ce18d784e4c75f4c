/* Killing a run's process with every process it started, so that a killed run leaves nothing running. */
#ifndef FRAGBENCH_KILL_TREE_H
#define FRAGBENCH_KILL_TREE_H

#include <sys/types.h>

/* SIGKILL to root's descendants (found through /proc), then to root itself. */
void kill_tree(pid_t root);

#endif
