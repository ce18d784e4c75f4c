/* The end-of-run table: per case, a Markdown table of the median RSS of each profile x phase over the reps. */
#include "summary.h"

#include "median.h"
#include "../trace/out_of_memory.h"
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Every sample kept, in arrival order; the tables are derived from them when printed. */
struct sample {
    uint32_t case_id, profile_id, allocator_id, label_id; /* interned: each an index of texts */
    uint64_t rss_kb;
};

struct summary {
    struct sample *samples;
    size_t count, capacity;
    /* The distinct texts (cases, profiles, allocators, phase labels: a row of its own per mark of a service that
       marks every request), each once, found through a hash table of their ids + 1 (0: a free slot), at most half
       full. A scan of the texts for each sample, and of the samples for each cell, took 83 s for 100 000 marks. */
    char **texts;
    size_t text_count, text_room;
    uint32_t *slots;
    size_t slot_count; /* a power of two, or 0 before the first text */
};

static uint64_t text_hash(const char *text)
{
    uint64_t hash = 0xcbf29ce484222325ull; /* FNV-1a */
    for (const unsigned char *at = (const unsigned char *)text; *at; at++)
        hash = (hash ^ *at) * 0x100000001b3ull;
    return hash;
}

/* The slot of text in the hash table: its own, or the free one where it would go. */
static uint32_t *slot_of(const struct summary *summary, const char *text)
{
    size_t mask = summary->slot_count - 1;
    for (size_t i = text_hash(text) & mask;; i = (i + 1) & mask)
        if (!summary->slots[i] || strcmp(summary->texts[summary->slots[i] - 1], text) == 0)
            return &summary->slots[i];
}

/* Room for one more text: the texts' array and the table, which doubles (every id placed again) when half full. */
static void make_room(struct summary *summary)
{
    if (summary->text_count == summary->text_room) {
        summary->text_room = summary->text_room ? summary->text_room * 2 : 64;
        if (!(summary->texts = realloc(summary->texts, summary->text_room * sizeof *summary->texts)))
            out_of_memory("the closing table's texts", summary->text_room, sizeof *summary->texts);
    }
    if ((summary->text_count + 1) * 2 <= summary->slot_count)
        return;
    free(summary->slots);
    summary->slot_count = summary->slot_count ? summary->slot_count * 2 : 128;
    if (!(summary->slots = calloc(summary->slot_count, sizeof *summary->slots)))
        out_of_memory("the closing table's index of its texts", summary->slot_count, sizeof *summary->slots);
    for (size_t id = 0; id < summary->text_count; id++)
        *slot_of(summary, summary->texts[id]) = (uint32_t)id + 1;
}

/* The id of text, added the first time it comes. */
static uint32_t intern(struct summary *summary, const char *text)
{
    if (summary->slot_count) {
        uint32_t *slot = slot_of(summary, text);
        if (*slot)
            return *slot - 1;
    }
    make_room(summary);
    uint32_t id = (uint32_t)summary->text_count;
    if (!(summary->texts[id] = strdup(text)))
        out_of_memory("a text of the closing table", 1, strlen(text) + 1);
    *slot_of(summary, text) = id + 1;
    summary->text_count++;
    return id;
}

struct summary *summary_new(void)
{
    struct summary *summary = calloc(1, sizeof *summary);
    if (!summary)
        out_of_memory("the closing table", 1, sizeof *summary);
    return summary;
}

void summary_add(struct summary *summary, const char *case_name, const char *profile, const char *allocator,
                 const char *label, uint64_t rss_kb)
{
    if (summary->count == summary->capacity) {
        summary->capacity = summary->capacity ? summary->capacity * 2 : 64;
        summary->samples = realloc(summary->samples, summary->capacity * sizeof *summary->samples);
        if (!summary->samples)
            out_of_memory("the closing table's samples", summary->capacity, sizeof *summary->samples);
    }
    summary->samples[summary->count++] = (struct sample){intern(summary, case_name), intern(summary, profile),
                                                         intern(summary, allocator), intern(summary, label), rss_kb};
}

/* calloc, or the runner says which table could not be had and exits 2. */
static void *table(size_t count, size_t size, const char *what)
{
    void *memory = calloc(count ? count : 1, size);
    if (!memory)
        out_of_memory(what, count ? count : 1, size);
    return memory;
}

/* The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled, e.g. "madvise". */
static void thp_mode(char *out, size_t size)
{
    char text[128] = "";
    int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    char *open_bracket, *close_bracket;
    if (fd >= 0)
        close(fd);
    text[n > 0 ? n : 0] = '\0';
    open_bracket = strchr(text, '[');
    close_bracket = open_bracket ? strchr(open_bracket, ']') : NULL;
    if (close_bracket)
        snprintf(out, size, "%.*s", (int)(close_bracket - open_bracket - 1), open_bracket + 1);
    else
        snprintf(out, size, "unknown");
}

/* A case with more phases than this (a replay's rows every 5%) is printed with its phases down, its profiles across. */
enum { PHASES_ACROSS_MAX = 8 };

/* The columns first..last (and the `left` ones before them) of the table print_grid prints: one Markdown table. */
static void print_columns(FILE *out, const char **cells, size_t rows, size_t columns, size_t left, const size_t *width,
                          size_t first, size_t last)
{
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < last; c = c + 1 == left ? first : c + 1)
            fprintf(out, c < left ? "| %-*s " : "| %*s ", (int)width[c], cells[r * columns + c]);
        fputs("|\n", out);
        if (r == 0) {
            for (size_t c = 0; c < last; c = c + 1 == left ? first : c + 1) {
                fputs("|-", out);
                for (size_t k = 0; k < width[c]; k++)
                    fputc('-', out);
                fputs(c < left ? "-" : ":", out);
            }
            fputs("|\n", out);
        }
    }
}

/*
 * Prints a Markdown table of rows x columns cells (row 0: the headings), each column as wide as its widest cell;
 * the first `left` columns are text, aligned left, the others numbers, aligned right. A table wider than a
 * terminal of GRID_WIDTH_MAX characters is printed as several, each with the `left` columns and as many of the
 * others as fit (ten profiles' replays side by side took 250 characters, and wrapped).
 */
enum { GRID_WIDTH_MAX = 160 };
static void print_grid(FILE *out, const char **cells, size_t rows, size_t columns, size_t left)
{
    size_t *width = table(columns, sizeof *width, "the closing table's column widths"), left_width = 1;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < columns; c++)
            if (strlen(cells[r * columns + c]) > width[c])
                width[c] = strlen(cells[r * columns + c]);
    for (size_t c = 0; c < left; c++)
        left_width += width[c] + 3; /* "| " before, " " after */
    size_t first = left;
    do {
        size_t last = first, used = left_width;
        while (last < columns && (last == first || used + width[last] + 3 <= GRID_WIDTH_MAX))
            used += width[last++] + 3;
        if (first > left)
            fputc('\n', out);
        print_columns(out, cells, rows, columns, left, width, first, last);
        first = last;
    } while (first < columns);
    free(width);
}

/*
 * The distinct ids of one field (at field_offset in a sample) among the samples given, in the order they first
 * came, into ids; each sample's place among them into at; position: scratch, an entry per text id. Returns how many.
 */
static size_t first_seen(const struct sample *samples, const size_t *in_case, size_t count, size_t field_offset,
                         size_t *position, uint32_t *ids, size_t *at)
{
    size_t distinct = 0;
    for (size_t i = 0; i < count; i++)
        position[*(const uint32_t *)((const char *)&samples[in_case[i]] + field_offset)] = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        uint32_t id = *(const uint32_t *)((const char *)&samples[in_case[i]] + field_offset);
        if (position[id] == SIZE_MAX) {
            position[id] = distinct;
            ids[distinct++] = id;
        }
        at[i] = position[id];
    }
    return distinct;
}

/*
 * One case's table, from its samples (their indexes, in arrival order): a row per profile and a column per phase
 * (profile, allocator, then the phases), each in the order they first came, or, past PHASES_ACROSS_MAX phases, a
 * row per phase and a column per profile (the allocators in the first row). allocator_of: by profile id, the
 * allocator its first sample named; position: scratch, an entry per text id.
 */
static void print_case(const struct summary *summary, FILE *out, const size_t *in_case, size_t count,
                       const uint32_t *allocator_of, size_t *position)
{
    const struct sample *samples = summary->samples;
    uint32_t *profiles = table(count, sizeof *profiles, "the closing table's profiles"),
             *labels = table(count, sizeof *labels, "the closing table's phases");
    size_t *profile_at = table(count, sizeof *profile_at, "the closing table's places"),
           *label_at = table(count, sizeof *label_at, "the closing table's places");
    size_t profile_count = first_seen(samples, in_case, count, offsetof(struct sample, profile_id), position, profiles,
                                      profile_at);
    size_t label_count = first_seen(samples, in_case, count, offsetof(struct sample, label_id), position, labels,
                                    label_at);
    /* The samples of each cell side by side (a counting sort by cell), then each cell's median. */
    size_t cells_count = profile_count * label_count;
    size_t *cell_start = table(cells_count + 1, sizeof *cell_start, "the closing table's cells");
    uint64_t *values = table(count, sizeof *values, "the closing table's values");
    for (size_t i = 0; i < count; i++)
        cell_start[profile_at[i] * label_count + label_at[i] + 1]++;
    for (size_t k = 0; k < cells_count; k++)
        cell_start[k + 1] += cell_start[k];
    size_t *filled = table(cells_count + 1, sizeof *filled, "the closing table's cells");
    for (size_t i = 0; i < count; i++) {
        size_t cell = profile_at[i] * label_count + label_at[i];
        values[cell_start[cell] + filled[cell]++] = samples[in_case[i]].rss_kb;
    }

    bool down = label_count > PHASES_ACROSS_MAX;
    size_t rows = down ? label_count + 2 : profile_count + 1, columns = down ? profile_count + 1 : label_count + 2;
    const char **cells = table(rows * columns, sizeof *cells, "the closing table's cells");
    char (*numbers)[24] = table(cells_count + 1, sizeof *numbers, "the closing table's numbers");
    for (size_t p = 0; p < profile_count; p++)
        for (size_t l = 0; l < label_count; l++) {
            size_t cell = p * label_count + l, n = cell_start[cell + 1] - cell_start[cell];
            if (n)
                snprintf(numbers[cell], sizeof numbers[0], "%llu",
                         (unsigned long long)median_u64(values + cell_start[cell], n));
            /* Profile p, phase l: across, row p + 1 and column l + 2; down, row l + 2 and column p + 1. */
            cells[down ? (l + 2) * columns + p + 1 : (p + 1) * columns + l + 2] = numbers[cell];
        }
    cells[0] = down ? "phase" : "profile";
    if (down)
        cells[columns] = "allocator";
    else
        cells[1] = "allocator";
    for (size_t p = 0; p < profile_count; p++) {
        cells[down ? p + 1 : (p + 1) * columns] = summary->texts[profiles[p]];
        cells[down ? columns + p + 1 : (p + 1) * columns + 1] = summary->texts[allocator_of[profiles[p]]];
    }
    for (size_t l = 0; l < label_count; l++)
        cells[down ? (l + 2) * columns : l + 2] = summary->texts[labels[l]];
    fprintf(out, "\n%s\n\n", summary->texts[samples[in_case[0]].case_id]);
    print_grid(out, cells, rows, columns, down ? 1 : 2);
    free(numbers);
    free(cells);
    free(filled);
    free(values);
    free(cell_start);
    free(label_at);
    free(profile_at);
    free(labels);
    free(profiles);
}

void summary_print(const struct summary *summary, FILE *out, const char *settings)
{
    if (summary->count == 0)
        return; /* every run failed or was refused: no heading over an empty table */
    struct utsname machine;
    char thp[64];
    uname(&machine);
    thp_mode(thp, sizeof thp);
    fprintf(out, "RSS after each phase, kB (median over the reps) · Linux %s %s · THP %s · %s\n", machine.release,
            machine.machine, thp, settings);
    /* The cases in the order they came (rank + 1 by case id), each with its samples in arrival order. */
    size_t texts = summary->text_count, case_count = 0;
    size_t *rank = table(texts, sizeof *rank, "the closing table's cases");
    uint32_t *allocator_of = table(texts, sizeof *allocator_of, "the closing table's allocators");
    bool *profile_seen = table(texts, sizeof *profile_seen, "the closing table's profiles");
    for (size_t i = 0; i < summary->count; i++) {
        const struct sample *s = &summary->samples[i];
        if (!rank[s->case_id])
            rank[s->case_id] = ++case_count;
        if (!profile_seen[s->profile_id]) { /* the allocator a profile's first sample named */
            profile_seen[s->profile_id] = true;
            allocator_of[s->profile_id] = s->allocator_id;
        }
    }
    size_t *case_start = table(case_count + 1, sizeof *case_start, "the closing table's cases");
    size_t *order = table(summary->count, sizeof *order, "the closing table's order");
    size_t *position = table(texts, sizeof *position, "the closing table's places");
    for (size_t i = 0; i < summary->count; i++)
        case_start[rank[summary->samples[i].case_id]]++;
    for (size_t c = 1; c <= case_count; c++)
        case_start[c] += case_start[c - 1];
    size_t *placed = table(case_count + 1, sizeof *placed, "the closing table's cases");
    for (size_t i = 0; i < summary->count; i++) {
        size_t c = rank[summary->samples[i].case_id] - 1;
        order[case_start[c] + placed[c]++] = i;
    }
    for (size_t c = 0; c < case_count; c++)
        print_case(summary, out, order + case_start[c], case_start[c + 1] - case_start[c], allocator_of, position);
    free(placed);
    free(position);
    free(order);
    free(case_start);
    free(profile_seen);
    free(allocator_of);
    free(rank);
}

void summary_free(struct summary *summary)
{
    for (size_t i = 0; i < summary->text_count; i++)
        free(summary->texts[i]);
    free(summary->texts);
    free(summary->slots);
    free(summary->samples);
    free(summary);
}
