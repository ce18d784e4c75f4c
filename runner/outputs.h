/* The runner's output files: opened and checked apart from one another first, emptied only once all are good. */
#ifndef FRAGBENCH_OUTPUTS_H
#define FRAGBENCH_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct output_file {
    const char *option; /* "--csv", "--timeline", "--record" */
    const char *path;
    int fd;             /* -1 when not open */
    bool created;       /* it did not exist before this run: removed if the run is refused */
    bool keep_old;      /* a file that holds something is moved to PATH.old (PATH.old.2, ...), not emptied (a trace) */
    bool moved;         /* it was, to old_path: put back if the run is refused */
    char old_path[4096];
    bool regular;
    dev_t device;
    ino_t inode;
};

/* Opens path for writing without emptying it (created if missing); 0, or -1 with the message printed. */
int output_open(struct output_file *file, const char *option, const char *path);

/* 0, or -1 with the message printed when two of the open files are the same regular file. */
int output_check_distinct(const struct output_file *files, size_t count);

/*
 * 0, or -1 with the message printed where the open file already holds a trace, raw or compressed: a results file
 * (--csv, --timeline) given a trace's name, perhaps the trace being replayed, must not empty it.
 */
int output_refuse_a_trace(const struct output_file *file);

/*
 * Empties an open file for this run's output, or with keep_old moves one that holds something to the first of
 * PATH.old, PATH.old.2, PATH.old.3, ... that does not exist (none is replaced) and opens PATH anew, saying so on
 * stderr; 0, or -1 with the message printed.
 */
int output_empty(struct output_file *file);

/*
 * The run is refused: the file is closed, and removed if this run created it (an earlier file stays as it was, or
 * is put back from PATH.old).
 */
void output_abandon(struct output_file *file);

#endif
