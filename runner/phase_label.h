/* Names a run's repeated phase labels apart, so that each row of a rep stands for one point of the run. */
#ifndef FRAGBENCH_PHASE_LABEL_H
#define FRAGBENCH_PHASE_LABEL_H

#include <stddef.h>

/*
 * A program may give one label to several marks (a service marking each request "tick"). Its rows are then
 * different points of the run, and a median over the reps must not pool them: the second "tick" of a run is
 * named "tick #2", the third "tick #3", and so on, as the rows arrive. The names a run has given so far, in a
 * hash table: each row costs the same whatever the run's length (a scan of the earlier rows made a run of
 * 20 000 marks five times slower).
 */
struct phase_labels {
    struct phase_label_entry *slots; /* open addressing; a NULL name is free */
    size_t capacity, count;          /* capacity: a power of two, or 0 before the first label */
};

/*
 * Renames label (of size bytes) in place when the run has given that name already, to the next "label #N" it
 * has not given (the base is shortened where the number would not fit), and remembers the name. Out of memory for
 * the table, the runner says so and exits 2 (out_of_memory.h).
 */
void phase_labels_number(struct phase_labels *labels, char *label, size_t size);

void phase_labels_free(struct phase_labels *labels);

#endif
