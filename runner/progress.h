/* Progress of a matrix on stderr: a live line on a terminal, one plain line per finished run otherwise. */
#ifndef FRAGBENCH_PROGRESS_H
#define FRAGBENCH_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

struct progress {
    FILE *out;
    bool live;     /* out is a terminal: one line, redrawn in place */
    bool enabled;
    bool drawn;    /* the live line is on the screen now */
    unsigned total, done;
    double started;
    char current[256]; /* the run started last, for the live line */
    unsigned running;  /* runs in progress now, the one started last among them */
    char shown[512];   /* the live line as drawn last: it is drawn again only when its text changes */
    char stage[32];    /* FRAGBENCH_STAGE ("2/4": make compare's stages), or "": the ETA is the stage's */
};

/* Sets up progress for total runs on out; disabled when quiet. */
void progress_init(struct progress *progress, unsigned total, FILE *out, bool quiet);

/* A run started: the live line shows it (and how many others run beside it). */
void progress_started(struct progress *progress, const char *what);

/* A run finished with status after seconds: counts it; without a terminal, prints its line. */
void progress_finished(struct progress *progress, const char *what, const char *status, double seconds);

/* Redraws the live line (elapsed time and ETA move on). */
void progress_draw(struct progress *progress);

/* Erases the live line, so that other output can be written; the next draw puts it back. */
void progress_clear(struct progress *progress);

/* Seconds on the monotonic clock. */
double progress_now(void);

#endif
