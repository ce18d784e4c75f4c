/* Killing a run's process with every process it started, so that a killed run leaves nothing running. */
#ifndef FRAGBENCH_KILL_TREE_H
#define FRAGBENCH_KILL_TREE_H

#include <stddef.h>
#include <sys/types.h>

/* A process signalled by term_tree: its pid, and a pidfd (-1 where none could be had) that a reused pid cannot fool. */
struct listed_process {
    pid_t pid;
    int pidfd;
};

/* SIGKILL to root's descendants (found through /proc), then to root itself. */
void kill_tree(pid_t root);

/*
 * SIGTERM to root's descendants, then to root (each stopped first, as kill_tree does, then let go): a stop they may
 * handle. Returns the processes signalled, root last, in *listed (malloc'ed; *count of them) for kill_listed.
 */
void term_tree(pid_t root, struct listed_process **listed, size_t *count);

/* root's descendants and root, listed as term_tree lists them, with no signal sent: for a kill_listed to come. */
void list_tree(pid_t root, struct listed_process **listed, size_t *count);

/* SIGKILL to each listed process still there (those that did not end at term_tree's SIGTERM); frees the list. */
void kill_listed(struct listed_process *listed, size_t count);

#endif
