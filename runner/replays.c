/* The traces --replay names, each made a case of its own: checked whole and readable, named, decompressed once. */
#define _GNU_SOURCE
#include "replays.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../trace/analysis.h"
#include "../trace/reader.h"

/*
 * A trace whose program died, whose file was cut short, or whose recording stopped or lost blocks is refused
 * (-1), or with --replay-partial replays what it holds, the user told once with how much of the recorded run that
 * is (its rows after the cut are missing).
 */
static int check_whole(const char *path, const struct trace_info *info, bool partial)
{
    if (trace_is_complete(info) && info->row_count == 0) /* replayed, but with nothing of the recording beside it */
        fprintf(stderr, "fragbench: --replay: note: %s holds none of the recording's rows (Start, marks, Exit: "
                        "./run --record appends them after the run; it was recorded another way, or cut short just "
                        "before them): its replay's rows are every 5%% of the time its events cover, with no recorded "
                        "RSS beside them\n", path);
    if (trace_is_complete(info))
        return 0;
    char state[256];
    double seconds = info->last_ns > info->start_ns ? (double)(info->last_ns - info->start_ns) / 1e9 : 0.0;
    trace_state_text(info, state, sizeof state);
    /* The runner appends the recording's rows after the run: a file cut before them has none (no Start to set the
       replay's growth against, no recorded RSS beside it). */
    const char *no_rows = info->row_count ? "" : " (it holds none of the recording's rows, Start, marks, Exit, which the "
                                                 "runner appends after the run: its replay's rows are every 5% of the "
                                                 "time its events cover)";
    if (!partial) {
        fprintf(stderr, "fragbench: --replay: %s is %s; its replay would make only the calls it holds, %.3f s of the "
                        "recorded run%s: --replay-partial replays them\n", path, state, seconds, no_rows);
        return -1;
    }
    fprintf(stderr, "fragbench: --replay: %s is %s; its replay makes the calls it holds, %.3f s of the recorded run%s\n",
            path, state, seconds, no_rows);
    return 0;
}

/*
 * A descriptor above 2, close-on-exec, open read-only on the file open on fd (the reader's decompressed copy, which
 * it opened to write and read): a replay under test could not write into what every later replay reads. Only the
 * replays of this trace keep it across exec (child_spec.inherited_fd); every other child of the runner closes it.
 * -1 with errno set.
 */
static int read_only_copy(int fd)
{
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    int copy = open(self, O_RDONLY | O_CLOEXEC);
    if (copy >= 0 && copy <= STDERR_FILENO) { /* never 0 to 2: the runner keeps those open, but be sure */
        int moved = fcntl(copy, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        close(copy);
        copy = moved;
    }
    return copy;
}

/*
 * Whether the process that recorded the trace at path still has it open for writing: a recording in progress (its
 * end not written yet), which a replay would take for a program that died part way (a newcomer's replay of a
 * service still being recorded was told of a crash and of order errors). Read from /proc/PID/fd.
 */
static bool being_recorded(const char *path, const struct trace_info *info)
{
    char directory[64], link[PATH_MAX], target[PATH_MAX], trace[PATH_MAX];
    if (info->ended || info->compressed || !info->pid || !realpath(path, trace))
        return false;
    snprintf(directory, sizeof directory, "/proc/%u/fd", (unsigned)info->pid);
    DIR *fds = opendir(directory);
    if (!fds)
        return false;
    bool open_there = false;
    for (struct dirent *fd; !open_there && (fd = readdir(fds));) {
        if (fd->d_name[0] == '.')
            continue;
        snprintf(link, sizeof link, "%s/%s", directory, fd->d_name);
        ssize_t length = readlink(link, target, sizeof target - 1);
        if (length > 0) {
            target[length] = '\0';
            open_there = strcmp(target, trace) == 0;
        }
    }
    closedir(fds);
    return open_there;
}

/* Frees what replays_resolve allocated for the n entries it filled, on its way out with an error. */
static void free_replays(char *list, struct case_entry *entries, size_t n, const struct case_entry **cases)
{
    for (size_t k = 0; k < n; k++) {
        free((char *)entries[k].name);
        free((char *)entries[k].path);
        free((char *)entries[k].recorded_profile);
        free(entries[k].warnings);
    }
    for (size_t k = 0; k <= n; k++) /* entry n too: the one whose check failed may hold its copy already */
        if (entries[k].decompressed_fd)
            close(entries[k].decompressed_fd);
    free(entries);
    free(cases);
    free(list);
}

void replays_free(const struct case_entry **cases, size_t count)
{
    if (count > 0) /* the entries are one array, the first entry its start, with a zeroed one past the last */
        free_replays(NULL, (struct case_entry *)cases[0], count, cases);
    else
        free(cases);
}

int replays_resolve(const struct options *options, const struct case_entry ***out, size_t *count)
{
    char *list = strdup(options->replay), *save = NULL, error[1024];
    size_t n = 0;
    struct case_entry *entries = calloc(strlen(options->replay) / 2 + 2, sizeof *entries);
    const struct case_entry **cases = calloc(strlen(options->replay) / 2 + 2, sizeof *cases);
    if (!list || !entries || !cases)
        abort();
    if (options->case_count > 0) {
        fprintf(stderr, "fragbench: --replay replays traces instead of cases: give no case name with it ('%s')\n",
                options->case_names[0]);
        goto fail;
    }
    if (options->record_path) {
        fprintf(stderr, "fragbench: --record and --replay: a replay cannot be recorded\n");
        goto fail;
    }
    /* A trace whose file name holds a comma is one trace where the whole value names a file ("a,b.trace"). */
    struct stat whole;
    const char *between = stat(options->replay, &whole) == 0 && S_ISREG(whole.st_mode) ? "" : ",";
    for (char *path = strtok_r(list, between, &save); path; path = strtok_r(NULL, between, &save)) {
        char absolute[PATH_MAX];
        struct trace_reader *reader = trace_open(path, error, sizeof error);
        if (!reader || trace_check_replayable(trace_info(reader), path, error, sizeof error) != 0) {
            fprintf(stderr, "fragbench: --replay: %s\n", error);
            if (reader)
                trace_close(reader);
            goto fail;
        }
        if (trace_check_chunks(reader, error, sizeof error) != 0) { /* refused here, not in every run */
            fprintf(stderr, "fragbench: --replay: %s: %s\n", path, error);
            trace_close(reader);
            goto fail;
        }
        if (being_recorded(path, trace_info(reader))) {
            fprintf(stderr, "fragbench: --replay: %s is still being recorded (process %u writes it): replay it once "
                            "its recording has ended\n", path, (unsigned)trace_info(reader)->pid);
            trace_close(reader);
            goto fail;
        }
        if (check_whole(path, trace_info(reader), options->replay_partial) != 0) {
            trace_close(reader);
            goto fail;
        }
        const struct trace_info *info = trace_info(reader);
        /* Its decompressed copy is kept, open in every run (not close-on-exec), for the runs to read. */
        int decompressed_fd = info->compressed ? read_only_copy(trace_descriptor(reader)) : 0;
        if (decompressed_fd < 0) {
            fprintf(stderr, "fragbench: --replay: %s: cannot keep its decompressed copy open: %s\n", path,
                    strerror(errno));
            trace_close(reader);
            goto fail;
        }
        entries[n].decompressed_fd = decompressed_fd; /* closed by free_replays if a check below fails */
        /* The profile it was recorded under; before traces named it, the allocator's own (default) profile. */
        const char *recorded_profile = *info->allocator_profile ? info->allocator_profile
                                       : *info->allocator      ? info->allocator
                                                               : NULL;
        char *profile = recorded_profile ? strdup(recorded_profile) : NULL;
        trace_close(reader);
        if (!realpath(path, absolute)) {
            fprintf(stderr, "fragbench: --replay: %s: %s\n", path, strerror(errno));
            free(profile);
            goto fail;
        }
        char *name = strdup(strrchr(absolute, '/') ? strrchr(absolute, '/') + 1 : absolute);
        if (!name)
            abort();
        for (const char *suffix = ".zst"; name; suffix = suffix[1] == 'z' ? ".trace" : NULL) {
            size_t length = strlen(name), cut = strlen(suffix);
            if (length > cut && strcmp(name + length - cut, suffix) == 0)
                name[length - cut] = '\0';
            if (suffix[1] != 'z')
                break;
        }
        for (size_t k = 0; k < n; k++)
            if (strcmp(entries[k].name, name) == 0) {
                if (strcmp(entries[k].path, absolute) == 0)
                    fprintf(stderr, "fragbench: --replay: %s is given twice (--reps=N replays it N times)\n", path);
                else
                    fprintf(stderr, "fragbench: --replay: two traces are named %s (rename one)\n", name);
                free(name);
                free(profile);
                goto fail;
            }
        entries[n] = (struct case_entry){.name = name, .kind = REPLAY, .description = "a recorded trace, replayed",
                                         .path = strdup(absolute), .recorded_profile = profile,
                                         .decompressed_fd = decompressed_fd,
                                         .warnings = calloc(1, sizeof *entries[n].warnings)};
        if (!entries[n].warnings)
            abort();
        cases[n] = &entries[n];
        n++;
    }
    free(list); /* n > 0: options_parse refused an empty name */
    *out = cases;
    *count = n;
    return 0;
fail:
    free_replays(list, entries, n, cases);
    return -1;
}

pid_t replays_check_start(const struct case_entry *entry, int *check_fd)
{
    char copy[64];
    const char *path = entry->path;
    if (entry->decompressed_fd > 0) { /* inherited by the child below, and read from its start again */
        snprintf(copy, sizeof copy, "/proc/self/fd/%d", entry->decompressed_fd);
        path = copy;
    }
    int ends[2];
    *check_fd = -1;
    if (pipe2(ends, O_CLOEXEC) != 0)
        return -1;
    /* Read in a child: a read whole needs the live set the replay needed, and where the replay's exit was for want
       of memory, the runner's own read would end the runner (out_of_memory), its finished runs unwritten. Its end
       of the pipe closes as it ends: the runner's end then reads its end. */
    pid_t child = fork();
    if (child == 0) {
        close(ends[0]);
        /* Ended with the runner (killed, it leaves no reader of a large trace behind), and by its stop signals. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0)
            dup2(null, STDERR_FILENO); /* its own out of memory is no word of the runner's */
        /* A test's seam (tests/replay.sh): the read held back, as a large trace's would take that long. */
        const char *hold_ms = getenv("FRAGBENCH_TEST_CHECK_HOLD_MS");
        if (hold_ms)
            usleep((useconds_t)strtoul(hold_ms, NULL, 10) * 1000);
        char error[1024];
        struct trace_summary *summary = malloc(sizeof *summary);
        _exit(summary && trace_analyze(path, NULL, 0, summary, error, sizeof error) != 0 &&
                      strstr(error, "corrupt trace")
                  ? 0
                  : 1);
    }
    close(ends[1]);
    if (child < 0) {
        close(ends[0]);
        return -1;
    }
    *check_fd = ends[0];
    return child;
}

bool replays_check_result(pid_t check, int check_fd)
{
    if (check_fd >= 0)
        close(check_fd);
    int status = 0;
    pid_t waited = -1;
    while (check > 0 && (waited = waitpid(check, &status, 0)) < 0 && errno == EINTR)
        ; /* the runner's SIGINT and SIGTERM handlers do not restart it */
    return check > 0 && waited == check && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
