/* When the reps of one phase differ: more than a share of their median, and more than a process's own wobble. */
#include "spread.h"

bool spread_differs(uint64_t low_kb, uint64_t high_kb, uint64_t median_kb, double pct)
{
    uint64_t spread = high_kb - low_kb;
    return median_kb > 0 && spread > SPREAD_FLOOR_KB && 100.0 * (double)spread / (double)median_kb > pct;
}
