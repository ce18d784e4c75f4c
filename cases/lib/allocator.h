/* Finds which allocator really serves malloc in this process, its version, and its own release call. */
#ifndef FRAGBENCH_ALLOCATOR_H
#define FRAGBENCH_ALLOCATOR_H

#include <limits.h>

#include "fragbench.h"

struct allocator_info {
    const char *name;         /* "glibc", "jemalloc", "tcmalloc", "mimalloc" or "unknown" */
    char version[64];         /* e.g. "5.3.0"; "" when the allocator does not say */
    char object[PATH_MAX];    /* the loaded object that defines the malloc in use */
    const char *release_call; /* e.g. "malloc_trim(0)"; NULL when there is none */
    void (*release)(void *fn);
    void *release_fn;
    const char *stats_call; /* e.g. "mallinfo2()"; NULL when the allocator tells nothing of itself */
    void (*stats)(void *fn, struct fb_allocator_view *view);
    void *stats_fn;
    void (*before_sample)(void *fn); /* jemalloc: its view read once, so that the one after the sample makes nothing */
};

/*
 * Finds the loaded object that defines the malloc calls in this process bind to: the first in the
 * dynamic linker's search order (the link map) whose own symbol table defines it. Not dladdr() of
 * malloc's address: in a non-PIE program that address is the program's own PLT stub. Then names the
 * allocator by a symbol that only that allocator exports from the same object (mallctl,
 * MallocExtension_GetNumericProperty, mi_version, gnu_get_libc_version). All lookups happen here,
 * once, so that the release call and the view later need none.
 */
void allocator_identify(struct allocator_info *info);

/*
 * The same for the shared object that defines address, whether or not it serves malloc: for tests
 * that must reach an allocator's own calls while an interposer serves malloc.
 */
void allocator_identify_object(struct allocator_info *info, const void *address);

/* Calls the allocator's own "give free memory back to the OS" function, if it has one. */
void allocator_release(const struct allocator_info *info);

/*
 * Fills *view with what the allocator says of its own memory, read now through the function
 * found by allocator_identify(); every field is FB_UNKNOWN if it tells nothing. It allocates
 * nothing through malloc and takes no lock of ours.
 */
void allocator_view(const struct allocator_info *info, struct fb_allocator_view *view);

/* Before a sample whose view is read after it: makes now what that read would make that lasts (jemalloc). */
void allocator_before_sample(const struct allocator_info *info);

#endif
