/* Checks that the allocator a program reports serving malloc is the one its profile asks for. */
#define _GNU_SOURCE /* dladdr */
#include "verify.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The same file, by name as ld.so found it or by resolved path. */
static bool same_library(const char *wanted, const char *loaded)
{
    char wanted_real[PATH_MAX], loaded_real[PATH_MAX];
    if (!strchr(wanted, '/'))
        return strcmp(base_name(loaded), wanted) == 0;
    return realpath(wanted, wanted_real) && realpath(loaded, loaded_real) && strcmp(wanted_real, loaded_real) == 0;
}

/*
 * Why a readable library did not serve malloc once preloaded: ld.so's own reason when it cannot load it here
 * either, or that it loads but defines no malloc (the one found is a library's it depends on). Only on this
 * failure path is the library opened in the runner.
 */
static void say_why_not_loaded(const char *library, char *out, size_t size)
{
    void *handle = dlopen(library, RTLD_LAZY | RTLD_LOCAL);
    if (!handle) {
        const char *reason = dlerror();
        snprintf(out, size, ": ld.so could not load the library (%s)", reason ? reason : "no reason given");
        return;
    }
    Dl_info where;
    void *found = dlsym(handle, "malloc");
    if (!found || !dladdr(found, &where) || !where.dli_fname || !same_library(library, where.dli_fname))
        snprintf(out, size, ": the library loads, but defines no malloc of its own");
    else
        snprintf(out, size, ": the library defines malloc, but ld.so did not preload it");
    dlclose(handle);
}

bool verify_allocator(const struct profile *profile, const struct record *hello, char *message, size_t size)
{
    char served_by[PATH_MAX + 128];
    snprintf(served_by, sizeof served_by, "%s%s%s (%s)", hello->allocator, *hello->version ? " " : "",
             hello->version, hello->object);

    if (!*profile->library) {
        if (strcmp(hello->allocator, "glibc") == 0)
            return true;
        snprintf(message, size, "profile '%s' asks for glibc's malloc, but malloc is served by %s",
                 profile->name, served_by);
        return false;
    }
    if (same_library(profile->library, hello->object))
        return true;

    /* glibc serving malloc means ld.so could not preload the library: it ignores it with a warning. */
    bool fell_back = strcmp(hello->allocator, "glibc") == 0;
    if (fell_back && !*profile->package && strchr(profile->library, '/') && access(profile->library, R_OK) != 0) {
        /* A mistyped path: what is wrong comes first. An ad-hoc profile is named after its path. */
        if (strcmp(profile->name, profile->library) == 0)
            snprintf(message, size, "--alloc=%s: there is no readable file %s (malloc would be served by %s)",
                     profile->library, profile->library, served_by);
        else
            snprintf(message, size, "profile '%s' asks for %s: there is no readable file %s (malloc would be "
                     "served by %s)", profile->name, profile->library, profile->library, served_by);
        return false;
    }
    int n = snprintf(message, size, "profile '%s' asks for %s, but malloc is served by %s", profile->name,
                     profile->library, served_by);
    if (n < 0 || (size_t)n >= size)
        return false;
    if (!fell_back)
        snprintf(message + n, size - (size_t)n, ": another malloc was loaded before it");
    else if (*profile->package)
        snprintf(message + n, size - (size_t)n,
                 ": ld.so could not load the library; install the Debian package %s "
                 "(apt-get install %s, or make deps)",
                 profile->package, profile->package);
    else
        say_why_not_loaded(profile->library, message + n, size - (size_t)n);
    return false;
}
