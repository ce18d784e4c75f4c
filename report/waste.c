/* What became of the memory held before "After del": given back to the OS, kept free by the allocator, or other. */
#include "waste.h"

#include <stdlib.h>
#include <string.h>

static bool same_run(const struct sample_row *a, const struct sample_row *b)
{
    return a->rep == b->rep && !strcmp(a->case_name, b->case_name) && !strcmp(a->alloc, b->alloc);
}

/* The row of the same run with the given seq, or NULL. */
static const struct sample_row *run_row(const struct dataset *dataset, const struct sample_row *of, unsigned seq)
{
    for (size_t i = 0; i < dataset->count; i++)
        if (dataset->rows[i].seq == seq && same_run(&dataset->rows[i], of))
            return &dataset->rows[i];
    return NULL;
}

static int by_anon(const void *a, const void *b)
{
    const struct sample_row *x = *(const struct sample_row *const *)a, *y = *(const struct sample_row *const *)b;
    if (x->anon_kb != y->anon_kb)
        return (x->anon_kb > y->anon_kb) - (x->anon_kb < y->anon_kb);
    return (x->rep > y->rep) - (x->rep < y->rep);
}

struct waste_split waste_of(const struct dataset *dataset, const char *case_name, const char *alloc)
{
    struct waste_split out = {.known = false};
    const struct sample_row **dels = calloc(dataset->count + 1, sizeof *dels);
    size_t n = 0;
    if (!dels)
        abort();
    for (size_t i = 0; i < dataset->count; i++) {
        const struct sample_row *r = &dataset->rows[i];
        if (r->clean && r->seq > 1 && r->live_kb >= 0 && !strcmp(r->phase, WASTE_PHASE) &&
            !strcmp(r->case_name, case_name) && !strcmp(r->alloc, alloc) && run_row(dataset, r, r->seq - 1))
            dels[n++] = r;
    }
    if (n > 0) {
        qsort(dels, n, sizeof *dels, by_anon);
        const struct sample_row *del = dels[(n - 1) / 2], *before = run_row(dataset, del, del->seq - 1);
        uint64_t live = (uint64_t)del->live_kb;
        uint64_t retained = del->anon_kb > live ? del->anon_kb - live : 0;
        out = (struct waste_split){.known = true, .rep = del->rep, .held_kb = before->anon_kb, .live_kb = live,
                                   .anon_kb = del->anon_kb};
        out.returned_kb = before->anon_kb > del->anon_kb ? before->anon_kb - del->anon_kb : 0;
        if (del->alloc_free_kb >= 0) {
            out.split = true;
            out.free_kb = (uint64_t)del->alloc_free_kb < retained ? (uint64_t)del->alloc_free_kb : retained;
            out.other_kb = retained - out.free_kb;
        } else {
            out.unsplit_kb = retained;
        }
    }
    free(dels);
    return out;
}

bool waste_case_has_split(const struct dataset *dataset, const struct case_stats *case_stats)
{
    for (size_t p = 0; p < case_stats->profile_count; p++)
        if (waste_of(dataset, case_stats->case_name, case_stats->profiles[p].alloc).known)
            return true;
    return false;
}
