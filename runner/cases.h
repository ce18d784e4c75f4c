/* The registry of cases the runner knows, generated from cases/cases.def. */
#ifndef FRAGBENCH_CASES_H
#define FRAGBENCH_CASES_H

#include <stdbool.h>

#include <stddef.h>

/* How a case runs: a C program built to build/cases/<name>, a script cases/<name> run by --python, the
   command given after "--" (external mode), or build/fb-replay replaying a recorded trace (--replay). */
enum case_kind { C, PYTHON, EXTERNAL, REPLAY };

struct case_entry {
    const char *name;
    enum case_kind kind;
    const char *description;
    unsigned fewest_threads; /* the fewest --threads it runs with (handoff: a producer and a consumer) */
    const char *path; /* REPLAY: the trace, absolute */
    /* REPLAY: the profile it was recorded under (the trace's; an older trace's allocator's name), or NULL */
    const char *recorded_profile;
    /*
     * REPLAY of a compressed trace: a descriptor (above 2, inherited by the runs) open on its copy decompressed when
     * it was checked, which every replay of it reads (fb-replay --decompressed-fd): zstd runs once. 0 otherwise.
     */
    int decompressed_fd;
    /*
     * REPLAY: which of its replays says what the trace itself is warned of (the same in each): the first started,
     * or, where that one failed before it could, the next started after it. Owned by the entry.
     */
    struct replay_warnings {
        bool taken;  /* a replay in flight carries them */
        bool said;   /* one ended clean: said */
        bool failed; /* one that carried them failed (said at the matrix's end, where none said them after) */
        bool refused; /* fb-replay refused the trace (exit 2: corrupt past the runner's checks): no more runs of it */
        bool checking; /* a replay's exit 2 has the trace read whole in a child now: another waits for its answer */
    } *warnings;
};

extern const struct case_entry case_registry[];
extern const size_t case_registry_count;

/* The case called name, or NULL. */
const struct case_entry *case_find(const char *name);

#endif
