/* Finds the known name nearest to a mistyped one, for "did you mean ...?". */
#include "nearest.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    /* Three rows of the optimal-string-alignment table. */
    size_t *rows = calloc(3 * (m + 1), sizeof *rows);
    size_t *before = rows, *previous = rows + m + 1, *current = rows + 2 * (m + 1), result;
    if (!rows)
        abort();
    for (size_t j = 0; j <= m; j++)
        previous[j] = j;
    for (size_t i = 1; i <= n; i++) {
        current[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = previous[j] + 1;
            if (current[j - 1] + 1 < best)
                best = current[j - 1] + 1;
            if (previous[j - 1] + cost < best)
                best = previous[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            current[j] = best;
        }
        size_t *spare = before;
        before = previous;
        previous = current;
        current = spare;
    }
    result = previous[m];
    free(rows);
    return result;
}

const char *nearest_name(const char *wrong, size_t count, const char *(*name_at)(const void *, size_t),
                         const void *names)
{
    const char *best = NULL;
    size_t best_distance = (size_t)-1, allowed = (strlen(wrong) + 1) / 3; /* an edit per three letters: "alocc" (2) is "alloc" */
    if (allowed < 1)
        allowed = 1;
    for (size_t i = 0; i < count; i++)
        if (strcasecmp(wrong, name_at(names, i)) == 0)
            return name_at(names, i); /* "ALL" is all, however long: a name in other capitals is that name */
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(wrong, name_at(names, i));
        if (d < best_distance) {
            best_distance = d;
            best = name_at(names, i);
        }
    }
    return best_distance <= allowed ? best : NULL;
}
