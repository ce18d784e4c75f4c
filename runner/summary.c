/* The end-of-run table: per case, a Markdown table of the median RSS of each profile x phase over the reps. */
#include "summary.h"

#include "median.h"
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Every sample kept, in arrival order; the tables are derived from them when printed. */
struct sample {
    const char *case_name, *profile, *allocator, *label; /* interned: one copy of each distinct text */
    uint64_t rss_kb;
};

struct summary {
    struct sample *samples;
    size_t count, capacity;
    char **texts; /* the distinct texts, few: cases, profiles, allocators, phase labels */
    size_t text_count;
};

static const char *intern(struct summary *summary, const char *text)
{
    for (size_t i = 0; i < summary->text_count; i++)
        if (strcmp(summary->texts[i], text) == 0)
            return summary->texts[i];
    summary->texts = realloc(summary->texts, (summary->text_count + 1) * sizeof *summary->texts);
    if (!summary->texts || !(summary->texts[summary->text_count] = strdup(text)))
        abort();
    return summary->texts[summary->text_count++];
}

struct summary *summary_new(void)
{
    struct summary *summary = calloc(1, sizeof *summary);
    if (!summary)
        abort();
    return summary;
}

void summary_add(struct summary *summary, const char *case_name, const char *profile, const char *allocator,
                 const char *label, uint64_t rss_kb)
{
    if (summary->count == summary->capacity) {
        summary->capacity = summary->capacity ? summary->capacity * 2 : 64;
        summary->samples = realloc(summary->samples, summary->capacity * sizeof *summary->samples);
        if (!summary->samples)
            abort();
    }
    summary->samples[summary->count++] = (struct sample){intern(summary, case_name), intern(summary, profile),
                                                         intern(summary, allocator), intern(summary, label), rss_kb};
}

/* The distinct values of one field among the samples that match case_name (NULL: all), in first-seen order. */
static size_t distinct(const struct summary *summary, size_t field_offset, const char *case_name, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < summary->count; i++) {
        const struct sample *s = &summary->samples[i];
        const char *value = *(char *const *)((const char *)s + field_offset);
        bool seen = false;
        if (case_name && strcmp(s->case_name, case_name) != 0)
            continue;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(out[k], value) == 0;
        if (!seen)
            out[n++] = value;
    }
    return n;
}

/* The median RSS of one case x profile x phase (for an even count, the mean of the middle two, rounded down), or -1. */
static long long median(const struct summary *summary, const char *case_name, const char *profile, const char *label,
                        uint64_t *scratch)
{
    size_t n = 0;
    for (size_t i = 0; i < summary->count; i++) {
        const struct sample *s = &summary->samples[i];
        if (!strcmp(s->case_name, case_name) && !strcmp(s->profile, profile) && !strcmp(s->label, label))
            scratch[n++] = s->rss_kb;
    }
    return n == 0 ? -1 : (long long)median_u64(scratch, n);
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

/*
 * Prints a Markdown table of rows x columns cells (row 0: the headings), each column as wide as its widest cell;
 * the first `left` columns are text, aligned left, the others numbers, aligned right.
 */
static void print_grid(FILE *out, const char **cells, size_t rows, size_t columns, size_t left)
{
    size_t *width = calloc(columns, sizeof *width);
    if (!width)
        abort();
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < columns; c++)
            if (strlen(cells[r * columns + c]) > width[c])
                width[c] = strlen(cells[r * columns + c]);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < columns; c++)
            fprintf(out, c < left ? "| %-*s " : "| %*s ", (int)width[c], cells[r * columns + c]);
        fputs("|\n", out);
        if (r == 0) {
            for (size_t c = 0; c < columns; c++) {
                fputs("|-", out);
                for (size_t k = 0; k < width[c]; k++)
                    fputc('-', out);
                fputs(c < left ? "-" : ":", out);
            }
            fputs("|\n", out);
        }
    }
    free(width);
}

/* The allocator that served a profile's runs, as its hello named it. */
static const char *allocator_of(const struct summary *summary, const char *profile)
{
    for (size_t i = 0; i < summary->count; i++)
        if (!strcmp(summary->samples[i].profile, profile))
            return summary->samples[i].allocator;
    return "";
}

/*
 * One case's table: a row per profile and a column per phase (profile, allocator, then the phases), or, past
 * PHASES_ACROSS_MAX phases, a row per phase and a column per profile (the allocators in the first row).
 */
static void print_case(const struct summary *summary, FILE *out, const char *case_name, const char **profiles,
                       size_t profile_count, const char **labels, size_t label_count, uint64_t *scratch)
{
    bool down = label_count > PHASES_ACROSS_MAX;
    size_t rows = down ? label_count + 2 : profile_count + 1, columns = down ? profile_count + 1 : label_count + 2;
    const char **cells = calloc(rows * columns, sizeof *cells);
    char (*numbers)[24] = calloc(profile_count * label_count + 1, sizeof *numbers);
    if (!cells || !numbers)
        abort();
    for (size_t p = 0; p < profile_count; p++)
        for (size_t l = 0; l < label_count; l++) {
            long long value = median(summary, case_name, profiles[p], labels[l], scratch);
            char *number = numbers[p * label_count + l];
            if (value >= 0)
                snprintf(number, sizeof numbers[0], "%lld", value);
            /* Profile p, phase l: across, row p + 1 and column l + 2; down, row l + 2 and column p + 1. */
            cells[down ? (l + 2) * columns + p + 1 : (p + 1) * columns + l + 2] = number;
        }
    cells[0] = down ? "phase" : "profile";
    if (down)
        cells[columns] = "allocator";
    else
        cells[1] = "allocator";
    for (size_t p = 0; p < profile_count; p++) {
        cells[down ? p + 1 : (p + 1) * columns] = profiles[p];
        cells[down ? columns + p + 1 : (p + 1) * columns + 1] = allocator_of(summary, profiles[p]);
    }
    for (size_t l = 0; l < label_count; l++)
        cells[down ? (l + 2) * columns : l + 2] = labels[l];
    fprintf(out, "\n%s\n\n", case_name);
    print_grid(out, cells, rows, columns, down ? 1 : 2);
    free(numbers);
    free(cells);
}

void summary_print(const struct summary *summary, FILE *out, const char *settings)
{
    if (summary->count == 0)
        return; /* every run failed or was refused: no heading over an empty table */
    const char **cases = calloc(summary->count + 1, sizeof *cases);
    const char **profiles = calloc(summary->count + 1, sizeof *profiles);
    const char **labels = calloc(summary->count + 1, sizeof *labels);
    uint64_t *scratch = calloc(summary->count + 1, sizeof *scratch);
    struct utsname machine;
    char thp[64];

    if (!cases || !profiles || !labels || !scratch)
        abort();
    uname(&machine);
    thp_mode(thp, sizeof thp);
    fprintf(out, "RSS after each phase, kB (median over the reps) · Linux %s %s · THP %s · %s\n", machine.release,
            machine.machine, thp, settings);
    size_t case_count = distinct(summary, offsetof(struct sample, case_name), NULL, cases);
    for (size_t c = 0; c < case_count; c++) {
        size_t profile_count = distinct(summary, offsetof(struct sample, profile), cases[c], profiles);
        size_t label_count = distinct(summary, offsetof(struct sample, label), cases[c], labels);
        print_case(summary, out, cases[c], profiles, profile_count, labels, label_count, scratch);
    }
    free(cases);
    free(profiles);
    free(labels);
    free(scratch);
}

void summary_free(struct summary *summary)
{
    for (size_t i = 0; i < summary->text_count; i++)
        free(summary->texts[i]);
    free(summary->texts);
    free(summary->samples);
    free(summary);
}
