/* The runs of a slide's table whose RSS at Start was most of their peak, and the sentence that says so. */
#include "small_heap.h"

#include <inttypes.h>

void small_heaps_note(struct small_heaps *small, const char *run, int64_t start_kb, int64_t peak_kb)
{
    if (start_kb < 0 || peak_kb <= 0 || start_kb * 2 < peak_kb)
        return;
    if (!small->runs++) {
        snprintf(small->first_run, sizeof small->first_run, "%s", run);
        small->start_kb = start_kb;
        small->peak_kb = peak_kb;
    }
}

void small_heaps_print(const struct small_heaps *small, FILE *out)
{
    if (small->runs)
        fprintf(out, "\nIn %zu of these runs the RSS at Start was half or more of the peak (%s: %" PRId64 " of %" PRId64
                     " kB): #3 and #4 count all of a process's RSS, its code, libraries and stack with its heap, and "
                     "say little of a heap that small; the waste says what each run kept.\n",
                small->runs, small->first_run, small->start_kb, small->peak_kb);
}
