/* The end-of-run table: per case, one Markdown row per profile with the median RSS of each phase over the reps. */
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
        int width = (int)strlen("profile");
        for (size_t p = 0; p < profile_count; p++)
            if ((int)strlen(profiles[p]) > width)
                width = (int)strlen(profiles[p]);

        fprintf(out, "\n%s\n\n| %-*s | allocator         |", cases[c], width, "profile");
        for (size_t l = 0; l < label_count; l++)
            fprintf(out, " %13s |", labels[l]);
        fprintf(out, "\n|-%.*s-|-------------------|", width, "--------------------------------------------------");
        for (size_t l = 0; l < label_count; l++)
            fprintf(out, "--------------:|");
        fputc('\n', out);
        for (size_t p = 0; p < profile_count; p++) {
            const char *allocator = "";
            for (size_t i = 0; i < summary->count; i++)
                if (!strcmp(summary->samples[i].profile, profiles[p]))
                    allocator = summary->samples[i].allocator;
            fprintf(out, "| %-*s | %-17s |", width, profiles[p], allocator);
            for (size_t l = 0; l < label_count; l++) {
                long long value = median(summary, cases[c], profiles[p], labels[l], scratch);
                if (value < 0)
                    fprintf(out, " %13s |", "");
                else
                    fprintf(out, " %13lld |", value);
            }
            fputc('\n', out);
        }
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
