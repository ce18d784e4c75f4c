/* Killing a run's process with every process it started, so that a killed run leaves nothing running. */
#include "kill_tree.h"

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The runner kills a run for its --timeout, its --mem-limit, a wrong allocator, or the runner's own stop; a
 * command such as `sh -c 'worker; ...'` would otherwise leave its children running, reparented to init, holding
 * their memory (a --mem-limit kill whose memory a forked worker holds freed nothing). A process group would do
 * it in one call, but a run in a group of its own is in the terminal's background and stops at its first read
 * of it. So the processes whose chain of parents leads to root are found through /proc and stopped, pass after
 * pass while a pass finds new ones, and then killed.
 */

/* The parent of pid from /proc/PID/stat (the field after the command name, which may hold spaces), or -1. */
static pid_t parent_of(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "re");
    if (!file)
        return -1;
    size_t n = fread(line, 1, sizeof line - 1, file);
    fclose(file);
    line[n] = '\0';
    const char *after_name = strrchr(line, ')');
    int parent;
    return after_name && sscanf(after_name + 1, " %*c %d", &parent) == 1 ? (pid_t)parent : -1;
}

/* Whether pid descends from root: its chain of parents (at most 64 steps up) reaches root. */
static bool descends_from(pid_t pid, pid_t root)
{
    for (int step = 0; step < 64 && pid > 1; step++) {
        pid = parent_of(pid);
        if (pid == root)
            return true;
    }
    return false;
}

/* Adds to *pids every descendant of root found now and not in it yet, each stopped; returns how many were new. */
static size_t stop_descendants(pid_t root, pid_t **pids, size_t *count, size_t *room)
{
    DIR *proc = opendir("/proc");
    size_t found = 0;
    if (!proc)
        return 0;
    for (struct dirent *entry; (entry = readdir(proc));) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        bool known = false;
        for (size_t i = 0; i < *count && !known; i++)
            known = (*pids)[i] == (pid_t)pid;
        if (*end || pid <= 1 || pid == root || known || !descends_from((pid_t)pid, root))
            continue;
        if (*count == *room && !(*pids = realloc(*pids, (*room = *room * 2 + 16) * sizeof **pids)))
            abort();
        (*pids)[(*count)++] = (pid_t)pid;
        kill((pid_t)pid, SIGSTOP);
        found++;
    }
    closedir(proc);
    return found;
}

/* Stops root, then each descendant as it is found, until a pass finds none new; *pids holds the descendants. */
static void stop_tree(pid_t root, pid_t **pids, size_t *count, size_t *room)
{
    kill(root, SIGSTOP);
    for (int pass = 0; pass < 8 && stop_descendants(root, pids, count, room) > 0; pass++)
        ;
}

/* root's tree stopped and listed, root last (the signal, if any, sent to each while it is stopped), then let go. */
static void stop_list_and_signal(pid_t root, struct listed_process **listed, size_t *count, int signal_number)
{
    pid_t *pids = NULL;
    size_t found = 0, room = 0;
    stop_tree(root, &pids, &found, &room);
    if (!(*listed = calloc(found + 1, sizeof **listed)))
        abort();
    for (size_t i = 0; i <= found; i++) {
        pid_t pid = i < found ? pids[i] : root;
        /* Taken while the process is stopped: the kill 2 s later reaches it, or nothing, never a pid's next owner. */
        (*listed)[i] = (struct listed_process){pid, (int)syscall(SYS_pidfd_open, pid, 0)};
    }
    *count = found + 1;
    free(pids);
    for (size_t i = 0; i < *count; i++) { /* a stopped process takes its signal once it goes on */
        if (signal_number)
            kill((*listed)[i].pid, signal_number);
        kill((*listed)[i].pid, SIGCONT);
    }
}

void term_tree(pid_t root, struct listed_process **listed, size_t *count)
{
    stop_list_and_signal(root, listed, count, SIGTERM);
}

void list_tree(pid_t root, struct listed_process **listed, size_t *count)
{
    stop_list_and_signal(root, listed, count, 0);
}

void kill_listed(struct listed_process *listed, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (listed[i].pidfd >= 0) {
            syscall(SYS_pidfd_send_signal, listed[i].pidfd, SIGKILL, NULL, 0);
            close(listed[i].pidfd);
        } else
            kill(listed[i].pid, SIGKILL); /* no pidfd (a kernel before 5.3): within 2 s, a reused pid is unlikely */
    free(listed);
}

void kill_tree(pid_t root)
{
    pid_t *pids = NULL;
    size_t count = 0, room = 0;
    /*
     * Stopped, a process forks no more: the root, then each descendant as it is found, until a pass finds none
     * new. Only then is any killed: a parent killed first would leave its children to init, out of reach.
     */
    stop_tree(root, &pids, &count, &room);
    for (size_t i = 0; i < count; i++)
        kill(pids[i], SIGKILL);
    kill(root, SIGKILL);
    free(pids);
}
