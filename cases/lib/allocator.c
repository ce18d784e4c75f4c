/* Finds which allocator really serves malloc in this process, its version, and its own release call. */
#define _GNU_SOURCE
#include "allocator.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* jemalloc: mallctl("version") and mallctl("arena.<MALLCTL_ARENAS_ALL>.purge"). */
typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static void jemalloc_version(void *fn, char *out, size_t size)
{
    const char *version = NULL;
    size_t len = sizeof version;
    if (((mallctl_fn)fn)("version", &version, &len, NULL, 0) == 0 && version) {
        size_t n = strcspn(version, "-"); /* "5.3.0-0-g54eaed1d..." */
        snprintf(out, size, "%.*s", (int)n, version);
    }
}

static void jemalloc_release(void *fn)
{
    ((mallctl_fn)fn)("arena.4096.purge", NULL, NULL, NULL, 0);
}

/* tcmalloc (gperftools): tc_version() and MallocExtension_ReleaseFreeMemory(). */
static void tcmalloc_version(void *fn, char *out, size_t size)
{
    int major = 0, minor = 0;
    const char *patch = NULL;
    ((const char *(*)(int *, int *, const char **))fn)(&major, &minor, &patch);
    snprintf(out, size, "%d.%d%s", major, minor, patch ? patch : "");
}

static void tcmalloc_release(void *fn)
{
    ((void (*)(void))fn)();
}

/* mimalloc: mi_version() gives 209 for 2.0.9; mi_collect(true). */
static void mimalloc_version(void *fn, char *out, size_t size)
{
    int v = ((int (*)(void))fn)();
    snprintf(out, size, "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
}

static void mimalloc_release(void *fn)
{
    ((void (*)(bool))fn)(true);
}

/* glibc: gnu_get_libc_version() and malloc_trim(0). */
static void glibc_version(void *fn, char *out, size_t size)
{
    snprintf(out, size, "%s", ((const char *(*)(void))fn)());
}

static void glibc_release(void *fn)
{
    ((int (*)(size_t))fn)(0);
}

/* The allocators fragbench knows, each with the symbol that proves it serves malloc. */
static const struct allocator_kind {
    const char *name;
    const char *signature;
    const char *version_symbol;
    void (*version)(void *fn, char *out, size_t size);
    const char *release_symbol;
    const char *release_call;
    void (*release)(void *fn);
} kinds[] = {
    {"jemalloc", "mallctl", "mallctl", jemalloc_version, "mallctl", "mallctl(\"arena.4096.purge\")",
     jemalloc_release},
    {"tcmalloc", "MallocExtension_GetNumericProperty", "tc_version", tcmalloc_version,
     "MallocExtension_ReleaseFreeMemory", "MallocExtension_ReleaseFreeMemory()", tcmalloc_release},
    {"mimalloc", "mi_version", "mi_version", mimalloc_version, "mi_collect", "mi_collect(true)",
     mimalloc_release},
    {"glibc", "gnu_get_libc_version", "gnu_get_libc_version", glibc_version, "malloc_trim",
     "malloc_trim(0)", glibc_release},
};

/* True when symbol is defined in the object loaded at base. */
static void *symbol_in_object(const char *symbol, const void *base)
{
    Dl_info where;
    void *address = dlsym(RTLD_DEFAULT, symbol);
    if (!address || !dladdr(address, &where) || where.dli_fbase != base)
        return NULL;
    return address;
}

void allocator_identify(struct allocator_info *info)
{
    Dl_info malloc_object;
    void *malloc_address = dlsym(RTLD_DEFAULT, "malloc");

    memset(info, 0, sizeof *info);
    info->name = "unknown";
    if (!malloc_address || !dladdr(malloc_address, &malloc_object))
        return;
    snprintf(info->object, sizeof info->object, "%s",
             malloc_object.dli_fname ? malloc_object.dli_fname : "");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const struct allocator_kind *kind = &kinds[i];
        void *version_fn;
        if (!symbol_in_object(kind->signature, malloc_object.dli_fbase))
            continue;
        info->name = kind->name;
        version_fn = symbol_in_object(kind->version_symbol, malloc_object.dli_fbase);
        if (version_fn)
            kind->version(version_fn, info->version, sizeof info->version);
        info->release_fn = symbol_in_object(kind->release_symbol, malloc_object.dli_fbase);
        if (info->release_fn) {
            info->release = kind->release;
            info->release_call = kind->release_call;
        }
        return;
    }
}

void allocator_release(const struct allocator_info *info)
{
    if (info->release)
        info->release(info->release_fn);
}
