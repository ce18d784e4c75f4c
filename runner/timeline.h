/* The timeline CSV: one row per outside sample of a run, kept until the run is written (its live heap may come later). */
#ifndef FRAGBENCH_TIMELINE_H
#define FRAGBENCH_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "results.h"
#include "sampler.h"

/* The columns of the timeline CSV. */
#define TIMELINE_HEADER "case,alloc,rep,t_ms,rss_kb,anon_kb,phase,live_kb,lazyfree_kb,anon_huge_kb\r\n"

struct timeline_sample {
    double t_ms;          /* since the run started */
    uint64_t ns;          /* CLOCK_MONOTONIC when it was taken (a mark's own time): where it falls among a trace's events */
    uint64_t mark;        /* a mark's number in a recorded run's trace (places it exactly); 0: by ns */
    uint64_t rss_kb, anon_kb;
    char label[FB_LABEL_MAX]; /* a mark's label; "" between marks */
    bool has_live;        /* the program's own count at a mark, or the trace's live heap (recorded runs) */
    uint64_t live_bytes;
    uint64_t at_event;    /* recorded runs: the trace's events of its last image made by then (with has_live) */
    struct smaps_extra extra;
};

void timeline_write_row(FILE *out, const struct run_identity *run, const struct timeline_sample *sample);

#endif
