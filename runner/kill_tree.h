/* Killing a run's process with every process it started, so that a killed run leaves nothing running. */
#ifndef FRAGBENCH_KILL_TREE_H
#define FRAGBENCH_KILL_TREE_H

#include <sys/types.h>

/* SIGKILL to root's descendants (found through /proc), then to root itself. */
void kill_tree(pid_t root);

/*
 * SIGTERM to root's descendants, then to root (each stopped first, as kill_tree does, then let go): a stop they may
 * handle. Returns the processes signalled, root last, in *pids (malloc'ed; *count of them) for kill_listed.
 */
void term_tree(pid_t root, pid_t **pids, size_t *count);

/* SIGKILL to each of pids still there (those that did not end at term_tree's SIGTERM); frees the list. */
void kill_listed(pid_t *pids, size_t count);

#endif
