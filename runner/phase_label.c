/* Names a run's repeated phase labels apart, so that each row of a rep stands for one point of the run. */
#include "phase_label.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The count labels laid out stride bytes apart from earlier. */
static const char *label_at(const char *earlier, size_t stride, size_t i)
{
    return earlier + i * stride;
}

static bool taken(const char *name, const char *earlier, size_t stride, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(label_at(earlier, stride, i), name) == 0)
            return true;
    return false;
}

/* True when name is base itself or base followed by " #" and a number: an earlier use of base. */
static bool is_use_of(const char *name, const char *base, size_t base_length)
{
    if (strncmp(name, base, base_length) != 0)
        return false;
    name += base_length;
    if (*name == '\0')
        return true;
    if (name[0] != ' ' || name[1] != '#' || name[2] < '1' || name[2] > '9')
        return false;
    for (name += 2; *name; name++)
        if (*name < '0' || *name > '9')
            return false;
    return true;
}

void phase_label_number(char *label, size_t size, const char *earlier, size_t stride, size_t count)
{
    if (!taken(label, earlier, stride, count))
        return;
    char base[size];
    snprintf(base, size, "%s", label);
    size_t base_length = strlen(base), uses = 0;
    for (size_t i = 0; i < count; i++)
        uses += is_use_of(label_at(earlier, stride, i), base, base_length);
    for (size_t number = uses + 1;; number++) {
        char suffix[32];
        int suffix_length = snprintf(suffix, sizeof suffix, " #%zu", number);
        size_t room = size - 1 - (size_t)suffix_length; /* the base is cut where the number would not fit */
        snprintf(label, size, "%.*s%s", (int)(base_length < room ? base_length : room), base, suffix);
        if (!taken(label, earlier, stride, count))
            return;
    }
}
