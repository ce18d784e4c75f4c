/* Names a run's repeated phase labels apart, so that each row of a rep stands for one point of the run. */
#ifndef FRAGBENCH_PHASE_LABEL_H
#define FRAGBENCH_PHASE_LABEL_H

#include <stddef.h>

/*
 * A program may give one label to several marks (a service marking each request "tick"). Its rows are then
 * different points of the run, and a median over the reps must not pool them: the second "tick" of a run is
 * named "tick #2", the third "tick #3", and so on, as the rows arrive. label (of size bytes) is renamed in place
 * when one of the count labels before it in the run, earlier[i] (each of size bytes), has it already; the base
 * is shortened where the number would not fit. The name it gets is different from every earlier one.
 */
void phase_label_number(char *label, size_t size, const char *earlier, size_t stride, size_t count);

#endif
