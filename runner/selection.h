/* Turns --alloc into the profiles to run, and checks each one really serves malloc before a run starts. */
#ifndef FRAGBENCH_SELECTION_H
#define FRAGBENCH_SELECTION_H

#include <stdbool.h>
#include <stddef.h>

#include "profiles.h"

struct selected_profile {
    struct profile *profile; /* into the profile list, or an owned ad-hoc one */
    bool owned;
    char allocator[32];      /* what the check found serving malloc */
    char version[64];
};

struct selection {
    struct selected_profile *items;
    size_t count;
    bool all; /* --alloc=all: profiles whose library is missing are skipped, not errors */
};

/*
 * Resolves a comma-separated --alloc value: profile names, "all", or library paths
 * (anything with a '/'). Returns 0, or -1 with a message naming the valid profiles.
 */
int selection_resolve(const char *alloc, const struct profile_list *profiles, struct selection *out, char *error,
                      size_t error_size);

/*
 * Runs the identify program under the profile and verifies the allocator it reports.
 * Returns 0 and fills allocator and version, or -1 with why in message.
 */
int selection_check(const char *identify_program, struct selected_profile *selected, char *message, size_t size);

/* The allocator as the talk's lines name it: "jemalloc 5.3.0", or the name alone where it gave no version. */
void allocator_text(char *out, size_t size, const char *allocator, const char *version);

/* Drops item i (a skipped profile) from the selection. */
void selection_remove(struct selection *selection, size_t i);

void selection_free(struct selection *selection);

#endif
