/* Finds which allocator really serves malloc in this process, its version, and its own release call. */
#define _GNU_SOURCE
#include "allocator.h"

#include <dlfcn.h>
#include <link.h>
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* One size_t statistic of jemalloc's, or FB_UNKNOWN (a build without --enable-stats has none). */
static uint64_t jemalloc_stat(mallctl_fn mallctl, const char *name)
{
    size_t value, len = sizeof value;
    return mallctl(name, &value, &len, NULL, 0) == 0 ? (uint64_t)value : FB_UNKNOWN;
}

/*
 * jemalloc's statistics are a snapshot taken when "epoch" is written. In use: stats.allocated;
 * from the OS: stats.resident (the pages of metadata, of active allocations, and the dirty pages not
 * yet purged; stats.mapped would leave out the dirty pages of inactive extents, and stats.retained,
 * address space kept after purging, is not memory); free: resident minus allocations and metadata.
 */
static void jemalloc_view(void *fn, struct fb_allocator_view *view)
{
    mallctl_fn mallctl = (mallctl_fn)fn;
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    if (mallctl("epoch", &epoch, &len, &epoch, len) != 0)
        return;
    uint64_t allocated = jemalloc_stat(mallctl, "stats.allocated");
    uint64_t metadata = jemalloc_stat(mallctl, "stats.metadata");
    uint64_t resident = jemalloc_stat(mallctl, "stats.resident");
    view->in_use_bytes = allocated;
    view->os_bytes = resident;
    if (allocated != FB_UNKNOWN && metadata != FB_UNKNOWN && resident != FB_UNKNOWN)
        view->free_bytes = resident > allocated + metadata ? resident - allocated - metadata : 0;
}

/*
 * Before a phase's sample, the view read once and put aside: jemalloc's first refresh of its statistics after an
 * arena is made, and its first reads of them, make room that stays (`threads`, nine arenas: 308 kB). Read only
 * after the sample, as the view is, that room showed at every later row and at none before: `threads` held 308 kB
 * more after del than before it, where run alone it held 16 kB more. Read before as well, the room is in the row
 * whose arenas need it, the view after the sample makes nothing more, and the rows move as alone (16 kB).
 */
static void jemalloc_view_before_sample(void *fn)
{
    struct fb_allocator_view put_aside;
    jemalloc_view(fn, &put_aside);
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

/* One numeric property of gperftools' MallocExtension, or FB_UNKNOWN. */
static uint64_t tcmalloc_property(void *fn, const char *name)
{
    size_t value;
    return ((int (*)(const char *, size_t *))fn)(name, &value) ? (uint64_t)value : FB_UNKNOWN;
}

/*
 * In use: generic.current_allocated_bytes. From the OS: generic.heap_size (every byte the page
 * heap got from the system) minus tcmalloc.pageheap_unmapped_bytes (released back). Free: the
 * rest of that, which is the page heap's free pages, the central and per-thread caches, and the
 * unused tails of spans.
 */
static void tcmalloc_view(void *fn, struct fb_allocator_view *view)
{
    uint64_t allocated = tcmalloc_property(fn, "generic.current_allocated_bytes");
    uint64_t heap = tcmalloc_property(fn, "generic.heap_size");
    uint64_t unmapped = tcmalloc_property(fn, "tcmalloc.pageheap_unmapped_bytes");
    view->in_use_bytes = allocated;
    if (heap == FB_UNKNOWN || unmapped == FB_UNKNOWN || unmapped > heap)
        return;
    view->os_bytes = heap - unmapped;
    if (allocated != FB_UNKNOWN)
        view->free_bytes = view->os_bytes > allocated ? view->os_bytes - allocated : 0;
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

/*
 * mi_process_info() gives the memory mimalloc has committed from the OS (current_commit: whole
 * segments are committed eagerly, so it can be far above the resident memory); its release builds
 * keep no count of the bytes in use, so in use and free stay unknown.
 */
static void mimalloc_view(void *fn, struct fb_allocator_view *view)
{
    size_t elapsed, user, system, rss, peak_rss, commit = 0, peak_commit, faults;
    ((void (*)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *))fn)(
        &elapsed, &user, &system, &rss, &peak_rss, &commit, &peak_commit, &faults);
    view->os_bytes = commit;
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

/*
 * mallinfo2(): in use, uordblks + hblkhd (chunks handed out, the per-thread tcache's included, and
 * mmapped chunks); free, fordblks (free chunks in every arena, the top chunk's included, even the
 * pages of them that malloc_trim() has given back with MADV_DONTNEED); from the OS, arena + hblkhd.
 */
static void glibc_view(void *fn, struct fb_allocator_view *view)
{
    struct mallinfo2 info = ((struct mallinfo2(*)(void))fn)();
    view->in_use_bytes = info.uordblks + info.hblkhd;
    view->free_bytes = info.fordblks;
    view->os_bytes = info.arena + info.hblkhd;
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
    const char *stats_symbol;
    const char *stats_call;
    void (*stats)(void *fn, struct fb_allocator_view *view);
    void (*before_sample)(void *fn); /* what the view will make that lasts, made before the sample; or NULL */
} kinds[] = {
    {"jemalloc", "mallctl", "mallctl", jemalloc_version, "mallctl", "mallctl(\"arena.4096.purge\")",
     jemalloc_release, "mallctl", "mallctl(\"stats.*\")", jemalloc_view, jemalloc_view_before_sample},
    {"tcmalloc", "MallocExtension_GetNumericProperty", "tc_version", tcmalloc_version,
     "MallocExtension_ReleaseFreeMemory", "MallocExtension_ReleaseFreeMemory()", tcmalloc_release,
     "MallocExtension_GetNumericProperty", "MallocExtension_GetNumericProperty()", tcmalloc_view, NULL},
    {"mimalloc", "mi_version", "mi_version", mimalloc_version, "mi_collect", "mi_collect(true)",
     mimalloc_release, "mi_process_info", "mi_process_info()", mimalloc_view, NULL},
    {"glibc", "gnu_get_libc_version", "gnu_get_libc_version", glibc_version, "malloc_trim",
     "malloc_trim(0)", glibc_release, "mallinfo2", "mallinfo2()", glibc_view, NULL},
};

/*
 * Which loaded object defines a symbol, read from the objects' own dynamic symbol tables as the dynamic
 * linker reads them. Not dladdr() of the address a lookup returns: in a non-PIE program the address of an
 * imported function is the program's own PLT stub (an undefined symbol whose value is the canonical
 * address), so dladdr() names the program. Not dlopen() of each object either: dlopen(RTLD_NOLOAD) of
 * libmimalloc.so.2 changes what mi_collect(true) gives back later (35 MB kept instead of 4 MB, measured).
 * Reading the tables allocates nothing and calls nothing of the allocator's.
 */
struct object_symbols {
    ElfW(Addr) base;
    const ElfW(Sym) *symtab;
    const char *strtab;
    const uint32_t *gnu_hash, *sysv_hash;
};

/* The dynamic linker rewrites most dynamic-section pointers to addresses; the rest stay offsets from base. */
static const void *dynamic_pointer(ElfW(Addr) base, ElfW(Addr) value)
{
    return (const void *)(value < base ? base + value : value);
}

static bool object_symbols_of(const struct link_map *map, struct object_symbols *out)
{
    *out = (struct object_symbols){.base = map->l_addr};
    for (const ElfW(Dyn) *dyn = map->l_ld; dyn && dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB)
            out->symtab = dynamic_pointer(map->l_addr, dyn->d_un.d_ptr);
        else if (dyn->d_tag == DT_STRTAB)
            out->strtab = dynamic_pointer(map->l_addr, dyn->d_un.d_ptr);
        else if (dyn->d_tag == DT_GNU_HASH)
            out->gnu_hash = dynamic_pointer(map->l_addr, dyn->d_un.d_ptr);
        else if (dyn->d_tag == DT_HASH)
            out->sysv_hash = dynamic_pointer(map->l_addr, dyn->d_un.d_ptr);
    }
    return out->symtab && out->strtab && (out->gnu_hash || out->sysv_hash);
}

/* The GNU hash table's lookup (the hash, its bucket, then the chain until its end bit). */
static const ElfW(Sym) *gnu_lookup(const struct object_symbols *object, const char *name)
{
    const uint32_t *table = object->gnu_hash;
    uint32_t buckets_count = table[0], first_symbol = table[1], bloom_words = table[2], hash = 5381;
    for (const char *c = name; *c; c++)
        hash = hash * 33 + (unsigned char)*c;
    const uint32_t *buckets = (const uint32_t *)((const ElfW(Addr) *)(table + 4) + bloom_words);
    const uint32_t *chain = buckets + buckets_count;
    uint32_t index = buckets_count ? buckets[hash % buckets_count] : 0;
    if (index < first_symbol)
        return NULL;
    for (;; index++) {
        uint32_t chained = chain[index - first_symbol];
        if ((chained | 1) == (hash | 1) && strcmp(object->strtab + object->symtab[index].st_name, name) == 0)
            return &object->symtab[index];
        if (chained & 1)
            return NULL;
    }
}

/* The System V hash table's lookup, for objects linked without a GNU hash table. */
static const ElfW(Sym) *sysv_lookup(const struct object_symbols *object, const char *name)
{
    const uint32_t *table = object->sysv_hash, *buckets = table + 2, *chain = buckets + table[0];
    uint32_t hash = 0;
    for (const char *c = name; *c; c++) {
        hash = (hash << 4) + (unsigned char)*c;
        uint32_t high = hash & 0xf0000000u;
        hash = (hash ^ (high >> 24)) & ~high;
    }
    for (uint32_t index = table[0] ? buckets[hash % table[0]] : 0; index; index = chain[index])
        if (strcmp(object->strtab + object->symtab[index].st_name, name) == 0)
            return &object->symtab[index];
    return NULL;
}

/*
 * The address of the function symbol if the object defines it itself, else NULL: an undefined entry (the
 * canonical-address kind included) is not a definition. An indirect function (IFUNC) counts as none, since
 * its value is the resolver, not the function; none of the calls used here is one.
 * (ELF64_ST_TYPE is the same as ELF32_ST_TYPE: the low four bits.)
 */
static void *defined_in(const struct object_symbols *object, const char *symbol)
{
    const ElfW(Sym) *entry = object->gnu_hash ? gnu_lookup(object, symbol) : sysv_lookup(object, symbol);
    if (!entry || entry->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(entry->st_info) != STT_FUNC)
        return NULL;
    return (void *)(object->base + entry->st_value);
}

/* Names the allocator whose malloc the loaded object map defines, its version, release call and view. */
static void identify_in(struct allocator_info *info, const struct link_map *map, bool is_main)
{
    struct object_symbols object;
    ssize_t n;
    if (!is_main || (n = readlink("/proc/self/exe", info->object, sizeof info->object - 1)) <= 0)
        snprintf(info->object, sizeof info->object, "%s", map->l_name);
    else
        info->object[n] = '\0';
    if (!object_symbols_of(map, &object))
        return;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const struct allocator_kind *kind = &kinds[i];
        void *version_fn;
        if (!defined_in(&object, kind->signature))
            continue;
        info->name = kind->name;
        version_fn = defined_in(&object, kind->version_symbol);
        if (version_fn)
            kind->version(version_fn, info->version, sizeof info->version);
        info->release_fn = defined_in(&object, kind->release_symbol);
        if (info->release_fn) {
            info->release = kind->release;
            info->release_call = kind->release_call;
        }
        info->stats_fn = defined_in(&object, kind->stats_symbol);
        if (info->stats_fn) {
            info->stats = kind->stats;
            info->stats_call = kind->stats_call;
            info->before_sample = kind->before_sample;
        }
        return;
    }
}

/* The main program's entry in the link map (the head of the list), or NULL. */
static struct link_map *main_link_map(void)
{
    struct link_map *map = NULL;
    void *main_handle = dlopen(NULL, RTLD_LAZY);
    if (!main_handle || dlinfo(main_handle, RTLD_DI_LINKMAP, &map) != 0)
        return NULL;
    while (map && map->l_prev)
        map = map->l_prev;
    return map;
}

/*
 * The dynamic linker binds malloc to the first object in its search order that defines it: the
 * program, the preloaded libraries, then their dependencies, which is the order of the link map.
 * Objects opened later with dlopen come after all of these, so the first definer in the list is the
 * one that serves malloc.
 */
void allocator_identify(struct allocator_info *info)
{
    struct link_map *main_map = main_link_map();
    memset(info, 0, sizeof *info);
    info->name = "unknown";
    for (struct link_map *map = main_map; map; map = map->l_next) {
        struct object_symbols object;
        /* fragbench's recorder defines malloc but forwards every call to the next definer, which serves it. */
        if (object_symbols_of(map, &object) && defined_in(&object, "malloc") &&
            !defined_in(&object, "fragbench_interposer")) {
            identify_in(info, map, map == main_map);
            return;
        }
    }
}

void allocator_identify_object(struct allocator_info *info, const void *address)
{
    Dl_info where;
    struct link_map *map = NULL;
    memset(info, 0, sizeof *info);
    info->name = "unknown";
    if (address && dladdr1(address, &where, (void **)&map, RTLD_DL_LINKMAP) && map)
        identify_in(info, map, map == main_link_map());
}

void allocator_release(const struct allocator_info *info)
{
    if (info->release)
        info->release(info->release_fn);
    fb_trace_release();
}

void allocator_before_sample(const struct allocator_info *info)
{
    if (info->stats && info->before_sample)
        info->before_sample(info->stats_fn);
}

void allocator_view(const struct allocator_info *info, struct fb_allocator_view *view)
{
    view->in_use_bytes = view->free_bytes = view->os_bytes = FB_UNKNOWN;
    if (info->stats)
        info->stats(info->stats_fn, view);
}
