/* Allocator profiles: the profiles.txt format, its parser, and look-up by name. */
#ifndef FRAGBENCH_PROFILES_H
#define FRAGBENCH_PROFILES_H

#include <stddef.h>

struct profile {
    char *name;        /* what --alloc= takes */
    char *library;     /* soname or path to LD_PRELOAD; "" for glibc */
    char *package;     /* Debian package that provides library; "" if none */
    char **env;        /* VAR=value settings for the child */
    size_t env_count;
    char *description;
};

struct profile_list {
    struct profile *items;
    size_t count;
};

/*
 * Parses the text of a profiles file: one profile per line, five fields separated by
 * '|' (name | library | package | environment | description); blank lines and lines
 * starting with '#' are skipped. Returns 0, or -1 with "SOURCE:LINE: what is wrong".
 */
int profiles_parse(const char *text, const char *source, struct profile_list *out, char *error,
                   size_t error_size);

/* Reads and parses a profiles file. */
int profiles_load(const char *path, struct profile_list *out, char *error, size_t error_size);

/* The profile called name, or NULL. */
const struct profile *profiles_find(const struct profile_list *list, const char *name);

/* A profile for an ad-hoc library path given to --alloc (no package, no settings). */
int profile_for_library(const char *path, struct profile *out);

void profile_free(struct profile *profile);
void profiles_free(struct profile_list *list);

#endif
