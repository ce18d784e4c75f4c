/* Names a run's repeated phase labels apart, so that each row of a rep stands for one point of the run. */
#include "phase_label.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/out_of_memory.h"

/* A name the run has given, and how many times it has come as a label (its next number is uses + 1). */
struct phase_label_entry {
    char *name;
    size_t uses;
};

static uint64_t hash_of(const char *text)
{
    uint64_t hash = 1469598103934665603ull; /* FNV-1a */
    for (; *text; text++)
        hash = (hash ^ (unsigned char)*text) * 1099511628211ull;
    return hash;
}

/* The slot holding name, or the free slot where it would go. */
static struct phase_label_entry *slot_of(const struct phase_labels *labels, const char *name)
{
    size_t mask = labels->capacity - 1;
    for (size_t at = (size_t)hash_of(name) & mask;; at = (at + 1) & mask)
        if (!labels->slots[at].name || strcmp(labels->slots[at].name, name) == 0)
            return &labels->slots[at];
}

/* Room for one more name, at most half full: doubles the table when needed. */
static void make_room(struct phase_labels *labels)
{
    if (labels->capacity && (labels->count + 1) * 2 <= labels->capacity)
        return;
    struct phase_labels grown = {.capacity = labels->capacity ? labels->capacity * 2 : 16, .count = labels->count};
    if (!(grown.slots = calloc(grown.capacity, sizeof *grown.slots)))
        out_of_memory("the runner's table of a run's row names", grown.capacity, sizeof *grown.slots);
    for (size_t i = 0; i < labels->capacity; i++)
        if (labels->slots[i].name)
            *slot_of(&grown, labels->slots[i].name) = labels->slots[i];
    free(labels->slots);
    *labels = grown;
}

/* Adds a name the run now gives (its slot, free, is found by slot_of). */
static void remember(struct phase_labels *labels, const char *name)
{
    make_room(labels);
    struct phase_label_entry *entry = slot_of(labels, name);
    if (!(entry->name = strdup(name)))
        out_of_memory("the runner's copy of a run's row name", 1, strlen(name) + 1);
    entry->uses = 1;
    labels->count++;
}

void phase_labels_number(struct phase_labels *labels, char *label, size_t size)
{
    struct phase_label_entry *entry = labels->capacity ? slot_of(labels, label) : NULL;
    if (!entry || !entry->name) {
        remember(labels, label);
        return;
    }
    char base[size];
    snprintf(base, size, "%s", label);
    size_t base_length = strlen(base);
    for (size_t number = ++entry->uses;; number = ++entry->uses) {
        char suffix[32];
        int suffix_length = snprintf(suffix, sizeof suffix, " #%zu", number);
        size_t room = size - 1 - (size_t)suffix_length; /* the base is cut where the number would not fit */
        snprintf(label, size, "%.*s%s", (int)(base_length < room ? base_length : room), base, suffix);
        struct phase_label_entry *given = slot_of(labels, label);
        if (!given->name) { /* a name not given yet (the program may give "tick #2" itself) */
            remember(labels, label);
            return;
        }
    }
}

void phase_labels_free(struct phase_labels *labels)
{
    for (size_t i = 0; i < labels->capacity; i++)
        free(labels->slots[i].name);
    free(labels->slots);
    *labels = (struct phase_labels){0};
}
