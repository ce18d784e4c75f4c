/* A stable merge sort into a scratch array the caller gives: no allocation of its own (stable_sort.h). */
#include "stable_sort.h"

#include <stdbool.h>
#include <string.h>

/*
 * Bottom-up: runs of 1, 2, 4... elements merged pairwise from one array into the other, the arrays swapping roles
 * at each width; where the runs end in scratch, they are copied back.
 */
void stable_sort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *), void *scratch)
{
    unsigned char *from = base, *to = scratch;
    bool in_base = true;
    for (size_t width = 1; width < count; width *= 2) {
        for (size_t start = 0; start < count; start += 2 * width) {
            size_t middle = start + width < count ? start + width : count;
            size_t end = start + 2 * width < count ? start + 2 * width : count;
            size_t left = start, right = middle, out = start;
            while (left < middle && right < end)
                if (compare(from + right * size, from + left * size) < 0) /* the left first when equal: stable */
                    memcpy(to + out++ * size, from + right++ * size, size);
                else
                    memcpy(to + out++ * size, from + left++ * size, size);
            memcpy(to + out * size, from + left * size, (middle - left) * size);
            out += middle - left;
            memcpy(to + out * size, from + right * size, (end - right) * size);
        }
        unsigned char *swap = from;
        from = to;
        to = swap;
        in_base = !in_base;
    }
    if (!in_base)
        memcpy(base, scratch, count * size);
}
