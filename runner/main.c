/* The fragbench runner: runs each case under each allocator profile and reports every phase, verified. */
#define _GNU_SOURCE /* basename, which leaves its argument whole */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"
#include "child.h"
#include "elf_check.h"
#include "matrix.h"
#include "nearest.h"
#include "options.h"
#include "outputs.h"
#include "profiles.h"
#include "replays.h"
#include "results.h"
#include "selection.h"
#include "summary.h"
#include "../trace/analysis.h"
#include "../trace/version.h"

/* Where the runner's own files are: the programs beside it, profiles.txt one level up. */
struct layout {
    char build_dir[PATH_MAX];
    char shim[PATH_MAX + 32];
    char recorder[PATH_MAX + 32];
    char script_dir[PATH_MAX + 32];
    char identify_program[PATH_MAX + 32];
    char profiles_file[PATH_MAX + 32];
};

static int find_layout(struct layout *layout)
{
    ssize_t n = readlink("/proc/self/exe", layout->build_dir, sizeof layout->build_dir - 1);
    char *slash;
    if (n <= 0)
        return -1;
    layout->build_dir[n] = '\0';
    slash = strrchr(layout->build_dir, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    snprintf(layout->identify_program, sizeof layout->identify_program, "%s/fb-identify", layout->build_dir);
    snprintf(layout->shim, sizeof layout->shim, "%s/libfbhello.so", layout->build_dir);
    snprintf(layout->recorder, sizeof layout->recorder, "%s/libfbtrace.so", layout->build_dir);
    snprintf(layout->script_dir, sizeof layout->script_dir, "%s/../cases", layout->build_dir);
    snprintf(layout->profiles_file, sizeof layout->profiles_file, "%s/../profiles.txt", layout->build_dir);
    return 0;
}

/* The default memory cap of a run: 75% of MemAvailable now, so a runaway case cannot take the machine down. */
static unsigned long long default_mem_limit_kb(void)
{
    unsigned long long available = 0;
    char line[256];
    FILE *meminfo = fopen("/proc/meminfo", "re");
    while (meminfo && fgets(line, sizeof line, meminfo))
        if (sscanf(line, "MemAvailable: %llu kB", &available) == 1)
            break;
    if (meminfo)
        fclose(meminfo);
    return available * 3 / 4;
}

/*
 * The same stop signal again within this time of the last one counted is taken as the same stop: coreutils'
 * timeout, a service manager, or a script that kills the runner and then its process group sends it twice at once,
 * and a second one counted drops the recorded run that the first stops with its report (1 try in 24 of
 * `timeout -s INT 3 ./run --record=...`). A person's second Ctrl-C comes later.
 */
#define SAME_STOP_NS 100000000LL

static void on_stop_signal(int signal_number)
{
    static long long last_counted_ns; /* only here: the handler is not re-entered (both stop signals blocked in it) */
    int saved_errno = errno;              /* the code it interrupts may read errno next (after ppoll) */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now); /* async-signal-safe */
    long long now_ns = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
    if (!(matrix_stop_count > 0 && signal_number == matrix_stop_signal && now_ns - last_counted_ns < SAME_STOP_NS)) {
        last_counted_ns = now_ns;
        matrix_stop_signal = signal_number;
        matrix_stop_count = matrix_stop_count + 1;
    }
    errno = saved_errno;
}

/* SIGPIPE and SIGXFSZ: the write fails instead (EPIPE, EFBIG), and says so. */
static void on_broken_pipe(int signal_number)
{
    (void)signal_number;
}

static void fail_input(const char *message)
{
    fprintf(stderr, "fragbench: %s\n", message);
}

/* --list: cases, then profiles marked installed or missing; --list=cases or =profiles: names only. */
static void list_everything(const struct layout *layout, const struct profile_list *profiles, const char *source,
                            const char *what)
{
    bool names_only = strcmp(what, "all") != 0;
    if (!names_only)
        printf("Cases (cases/cases.def):\n");
    int name_width = 0; /* the longest case name: the descriptions line up after it */
    for (size_t i = 0; i < case_registry_count; i++)
        name_width = (int)strlen(case_registry[i].name) > name_width ? (int)strlen(case_registry[i].name) : name_width;
    for (size_t i = 0; i < case_registry_count && strcmp(what, "profiles") != 0; i++)
        if (names_only)
            printf("%s\n", case_registry[i].name);
        else
            printf("  %-*s %s\n", name_width, case_registry[i].name, case_registry[i].description);
    if (strcmp(what, "cases") == 0)
        return;
    if (!names_only)
        printf("\nAllocator profiles (%s):\n", source);
    for (size_t i = 0; i < profiles->count; i++) {
        struct selected_profile selected = {.profile = &profiles->items[i]};
        char message[1024], found[128];
        bool installed = selection_check(layout->identify_program, &selected, message, sizeof message) == 0;
        if (names_only) {
            if (installed)
                printf("%s\n", selected.profile->name);
            continue;
        }
        if (installed)
            allocator_text(found, sizeof found, selected.allocator, selected.version);
        else if (*selected.profile->package)
            snprintf(found, sizeof found, "apt-get install %s", selected.profile->package);
        else
            snprintf(found, sizeof found, "see --alloc=%s", selected.profile->name);
        printf("  %-20s %-9s %-32s %s\n", selected.profile->name, installed ? "installed" : "missing", found,
               selected.profile->description);
    }
}

/* Checks every selected profile before any run: a missing one is an error, or skipped under 'all'. */
static int check_selection(const struct layout *layout, struct selection *selection, bool skip_missing)
{
    int code = EXIT_CLEAN;
    for (size_t i = 0; i < selection->count;) {
        char message[1024];
        if (selection_check(layout->identify_program, &selection->items[i], message, sizeof message) == 0) {
            i++;
            continue;
        }
        if (selection->all || skip_missing) {
            fprintf(stderr, "fragbench: skipping %s: %s\n", selection->items[i].profile->name, message);
            selection_remove(selection, i);
        } else {
            fprintf(stderr, "fragbench: %s\n", message);
            code = EXIT_BAD_INPUT;
            i++;
        }
    }
    if (selection->count == 0) {
        fprintf(stderr, "fragbench: --alloc: none of the profiles is installed (make deps installs them)\n");
        code = EXIT_BAD_INPUT;
    }
    return code;
}

/* Whether path is a file this user may run (access alone says yes to a directory). */
static bool runnable_file(const char *path)
{
    struct stat status;
    return access(path, X_OK) == 0 && stat(path, &status) == 0 && S_ISREG(status.st_mode);
}

/* The interpreter as a path: as given when it has a '/', else the first match on PATH. */
static int find_program(const char *name, char *out, size_t size)
{
    const char *path = getenv("PATH");
    if (!*name)
        return -1;
    if (strchr(name, '/')) {
        snprintf(out, size, "%s", name);
        return runnable_file(out) ? 0 : -1;
    }
    for (const char *dir = path ? path : "/usr/bin:/bin"; *dir;) {
        size_t len = strcspn(dir, ":");
        snprintf(out, size, "%.*s/%s", (int)len, len ? dir : ".", name);
        if (runnable_file(out))
            return 0;
        dir += len + (dir[len] == ':');
    }
    return -1;
}

/* Why find_program refused name: the file's own state when it has a '/', else that PATH holds no such program. */
static const char *why_not_runnable(const char *name)
{
    struct stat status;
    if (!*name)
        return "an empty name";
    if (!strchr(name, '/'))
        return "no such program in PATH";
    if (stat(name, &status) != 0)
        return strerror(errno);
    if (S_ISDIR(status.st_mode))
        return "it is a directory";
    if (!S_ISREG(status.st_mode))
        return "it is not a regular file";
    return "it is not executable (no x permission for this user)";
}

static const char *case_name_at(const void *unused, size_t i)
{
    (void)unused;
    return case_registry[i].name;
}

static int resolve_cases(const struct options *options, const struct profile_list *profiles,
                         const struct case_entry ***out, size_t *count)
{
    size_t n = options->case_count ? options->case_count : case_registry_count;
    const struct case_entry **cases = calloc(n, sizeof *cases);
    if (!cases)
        abort();
    for (size_t i = 0; i < n; i++) {
        cases[i] = options->case_count ? case_find(options->case_names[i]) : &case_registry[i];
        for (size_t k = 0; cases[i] && k < i; k++)
            if (cases[k] == cases[i]) {
                fprintf(stderr, "fragbench: case '%s' is given twice (use --reps for more runs)\n", cases[i]->name);
                free(cases);
                return -1;
            }
        if (!cases[i]) {
            const char *name = options->case_names[i];
            const char *near = nearest_name(name, case_registry_count, case_name_at, NULL);
            char program[PATH_MAX];
            /* One line: what the name is where it is not a case, else the cases. */
            if (!near && (profiles_find(profiles, name) || strcmp(name, "all") == 0))
                fprintf(stderr, "fragbench: %s is an allocator profile, not a case: to run the cases under it, "
                                "./run --alloc=%s [CASE...]\n", name, name);
            else if (!near && find_program(name, program, sizeof program) == 0)
                fprintf(stderr, "fragbench: %s is a program, not a case: to measure it, put it after --: ./run "
                                "[OPTIONS] -- %s [ARGUMENTS]\n", name, name);
            else {
                fprintf(stderr, "fragbench: unknown case '%s'", name);
                if (near)
                    fprintf(stderr, " (did you mean %s?)", near);
                fprintf(stderr, "; cases:");
                for (size_t k = 0; k < case_registry_count; k++)
                    fprintf(stderr, "%s %s", k ? "," : "", case_registry[k].name);
                fputc('\n', stderr);
            }
            free(cases);
            return -1;
        }
        if (options->threads && options->threads < cases[i]->fewest_threads) {
            fprintf(stderr, "fragbench: --threads=%u: case %s runs with %u threads or more (cases/cases.def)\n",
                    options->threads, cases[i]->name, cases[i]->fewest_threads);
            free(cases);
            return -1;
        }
    }
    *out = cases;
    *count = n;
    return 0;
}

/* --record: one run only (a trace is one process's), and the recorder built (its file is opened with the others). */
static int check_recording(const struct options *options, const struct layout *layout, size_t pairs)
{
    if (pairs * options->max_reps != 1) {
        fprintf(stderr, "fragbench: --record records one run: give one case (or a command after --), one profile "
                        "and one rep (%zu run(s) asked for)\n", pairs * options->max_reps);
        return -1;
    }
    if (access(layout->recorder, R_OK) != 0) {
        fprintf(stderr, "fragbench: --record: the recorder %s is missing (run make)\n", layout->recorder);
        return -1;
    }
    if (strpbrk(layout->recorder, " :\t")) {
        fprintf(stderr, "fragbench: cannot preload %s: LD_PRELOAD cannot hold a path with a space or a colon\n",
                layout->recorder);
        return -1;
    }
    return 0;
}

/*
 * The full path of a file that may not exist yet, a link resolved (into absolute, PATH_MAX bytes): its directory's
 * full path and its name. 0, or -1 where the directory cannot be found (output_open then says why).
 */
static int full_path(const char *path, char *absolute)
{
    if (realpath(path, absolute))
        return 0;
    if (errno != ENOENT)
        return -1;
    char directory[PATH_MAX], resolved[PATH_MAX];
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    snprintf(directory, sizeof directory, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
    if (!*name || !realpath(directory, resolved))
        return -1;
    int length = snprintf(absolute, PATH_MAX, "%s/%s", strcmp(resolved, "/") ? resolved : "", name);
    return length > 0 && length < PATH_MAX ? 0 : -1;
}

/*
 * Opens the trace's files (not emptied yet) into outputs: the trace, or for FILE.zst that file and FILE.zst.raw,
 * which the recorder writes and which is compressed into FILE.zst once the run has been read. absolute: the path
 * the recorder gets.
 */
static int open_trace_outputs(const struct options *options, struct output_file *outputs, size_t *count,
                              char *absolute, char *compressed)
{
    /*
     * By its full path, a link resolved: the recorder opens the file the link names, so that file is the one an
     * earlier trace is moved aside from (the link itself once was, and the recorder appended to the earlier trace).
     */
    if (full_path(options->record_path, absolute) != 0) {
        /* Its directory missing, say: opening it says why, in the words of a file that cannot be written. */
        if (output_open(&outputs[(*count)++], "--record", options->record_path) == 0)
            fprintf(stderr, "fragbench: --record: cannot find the full path of %s: %s\n", options->record_path,
                    strerror(errno));
        return -1;
    }
    const char *trace = absolute;
    struct stat existing; /* a device or a pipe would take the trace and not give it back to be read */
    const char *kind = stat(absolute, &existing) == 0 && !S_ISDIR(existing.st_mode) ? trace_file_kind(existing.st_mode) : NULL;
    if (kind) {
        fprintf(stderr, "fragbench: --record: %s is %s, not a file: a trace is written to a regular file and read by "
                "seeking in it: give a file name\n", options->record_path, kind);
        return -1;
    }
    if (trace_path_is_compressed(absolute)) {
        if (strlen(absolute) + 5 > PATH_MAX) {
            fprintf(stderr, "fragbench: --record: the path %s is too long\n", absolute);
            return -1;
        }
        strcpy(compressed, absolute);
        strcat(absolute, ".raw");
        trace = compressed;
    }
    if (output_open(&outputs[(*count)++], "--record", trace) != 0)
        return -1;
    outputs[*count - 1].keep_old = true;
    if (trace == compressed) { /* the raw file, which a failed compression left as the trace, is kept too */
        if (output_open(&outputs[(*count)++], "--record", absolute) != 0)
            return -1;
        outputs[*count - 1].keep_old = true;
    }
    return 0;
}

/*
 * The name a command's rows go under: its program's, or, for "env [OPTION]... [NAME=VALUE]... PROGRAM", the
 * program env runs (env -u NAME python3 ... is python3): env's options are skipped, with the value of -u, -C,
 * --unset and --chdir (attached or the next word), and its settings. env -S splits a string of its own: "env".
 */
static const char *command_name(char **command, size_t count)
{
    if (strcmp(basename(command[0]), "env") != 0)
        return basename(command[0]);
    bool options_done = false;
    for (size_t i = 1; i < count; i++) {
        const char *word = command[i];
        if (!options_done && strcmp(word, "--") == 0) {
            options_done = true;
            continue;
        }
        if (!options_done && word[0] == '-' && word[1] != '\0') {
            if (strncmp(word, "--split-string", 14) == 0)
                return "env";
            if (strcmp(word, "--unset") == 0 || strcmp(word, "--chdir") == 0)
                i++; /* its value, the next word */
            for (const char *letter = word + 1; word[1] != '-' && *letter; letter++) {
                if (*letter == 'S')
                    return "env";
                if (*letter == 'u' || *letter == 'C') {
                    if (letter[1] == '\0')
                        i++; /* "-u NAME", "-iu NAME": the value is the next word */
                    break;       /* "-uNAME": the rest of the word is the value */
                }
            }
            continue;
        }
        if (strchr(word, '='))
            continue; /* a setting, NAME=VALUE */
        return basename(word);
    }
    return "env";
}

/* --dry-run, everything checked: what would run, and that nothing did. */
static void print_dry_run(FILE *out, const struct options *options, const struct case_entry **cases,
                          size_t case_count, const struct selection *selection)
{
    char reps[32];
    if (options->max_reps > options->reps)
        snprintf(reps, sizeof reps, "%u-%u reps", options->reps, options->max_reps);
    else
        snprintf(reps, sizeof reps, "%u rep%s", options->reps, options->reps > 1 ? "s" : "");
    const char *kind = options->replay ? "trace" : options->external ? "command" : "case";
    fprintf(out, "fragbench: dry run: %zu %s%s x %zu profile%s x %s would run; nothing ran\n", case_count, kind,
            case_count > 1 ? "s" : "", selection->count, selection->count > 1 ? "s" : "", reps);
    fprintf(out, "  %-9s", options->replay ? "traces:" : options->external ? "command:" : "cases:");
    for (size_t c = 0; c < case_count; c++)
        fprintf(out, "%s %s", c ? "," : "", cases[c]->name);
    fprintf(out, "\n  profiles:");
    for (size_t p = 0; p < selection->count; p++)
        fprintf(out, "%s %s (%s%s%s)", p ? "," : "", selection->items[p].profile->name,
                selection->items[p].allocator, *selection->items[p].version ? " " : "", selection->items[p].version);
    fputc('\n', out);
}

/*
 * Standard input, output and error opened on /dev/null where the caller closed them (./run >&- 2>&-): else the
 * runner's own pipes and files would take descriptors 0 to 2, and its children, its messages and zstd's output
 * would go into them (a replay of a .zst trace ended at exit 2 so).
 */
static void open_standard_descriptors(void)
{
    /* In order, so the lowest free descriptor open returns is the one closed: each takes its own number. */
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
            (void)open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
}

/* Frees the list of cases: a replay's entries with it (replays_resolve allocated them). */
static void free_cases(const struct options *options, const struct case_entry **cases, size_t count)
{
    if (options->replay)
        replays_free(cases, count);
    else
        free(cases);
}

int main(int argc, char **argv)
{
    struct options options;
    struct layout layout;
    struct profile_list profiles;
    struct selection selection;
    const struct case_entry **cases;
    size_t case_count;
    struct matrix_totals totals = {0};
    struct summary *summary;
    char error[4096];
    FILE *csv = NULL, *console = stdout;
    int code = EXIT_CLEAN;

    open_standard_descriptors();
    if (options_parse(argc, argv, &options, error, sizeof error) != 0) {
        fail_input(error);
        return EXIT_BAD_INPUT;
    }
    if (options.help) {
        options_usage(stdout);
        return EXIT_CLEAN;
    }
    if (options.version) {
        printf("fragbench %s\n", FRAGBENCH_VERSION);
        return EXIT_CLEAN;
    }
    if (find_layout(&layout) != 0) {
        fail_input("cannot find the runner's own directory through /proc/self/exe");
        return EXIT_BAD_INPUT;
    }
    const char *profiles_file = options.profiles_path ? options.profiles_path : layout.profiles_file;
    if (profiles_load(profiles_file, &profiles, error, sizeof error) != 0) {
        fail_input(error);
        return EXIT_BAD_INPUT;
    }
    if (options.list) {
        list_everything(&layout, &profiles, options.profiles_path ? options.profiles_path : "profiles.txt",
                        options.list);
        profiles_free(&profiles);
        return EXIT_CLEAN;
    }
    /* External mode: the command is the one case; it must be dynamically linked for LD_PRELOAD to apply. */
    char command_path[PATH_MAX] = "";
    struct case_entry command_case = {.kind = EXTERNAL, .description = "the command given after --"};
    const struct case_entry *command_cases[1] = {&command_case};
    if (options.external && options.replay) {
        fail_input("--replay replays traces instead of a command: give no command after -- with it");
        profiles_free(&profiles);
        return EXIT_BAD_INPUT;
    }
    if (options.external) {
        command_case.name = command_name(options.case_names, options.case_count);
        if (find_program(options.case_names[0], command_path, sizeof command_path) != 0) {
            fprintf(stderr, "fragbench: cannot run '%s': %s%s\n", options.case_names[0],
                    why_not_runnable(options.case_names[0]),
                    options.case_names[0][0] == '-' ? " (the runner's options go before --, the command after it)" : "");
            profiles_free(&profiles);
            return EXIT_BAD_INPUT;
        }
        if (elf_check_dynamic(command_path, error, sizeof error) != 0) {
            fail_input(error);
            profiles_free(&profiles);
            return EXIT_BAD_INPUT;
        }
        cases = calloc(1, sizeof *cases);
        if (!cases)
            abort();
        cases[0] = command_cases[0];
        case_count = 1;
        console = stderr; /* the command's own stdout passes through untouched */
    } else if (options.replay) {
        if (replays_resolve(&options, &cases, &case_count) != 0) {
            profiles_free(&profiles);
            return EXIT_BAD_INPUT;
        }
    } else if (resolve_cases(&options, &profiles, &cases, &case_count) != 0) {
        profiles_free(&profiles);
        return EXIT_BAD_INPUT;
    }
    if (selection_resolve(options.alloc, &profiles, &selection, error, sizeof error) != 0) {
        if (!options.alloc_given && options.profiles_path) /* the default, which a file of the user's may lack */
            snprintf(error, sizeof error, "--profiles=%s has no profile 'glibc', the default of --alloc: give "
                     "--alloc=NAME (%s's profiles: ./run --profiles=%s --list=profiles)", options.profiles_path,
                     options.profiles_path, options.profiles_path);
        fail_input(error);
        free_cases(&options, cases, case_count);
        profiles_free(&profiles);
        return EXIT_BAD_INPUT;
    }
    code = check_selection(&layout, &selection, options.skip_missing);
    /* ld.so splits LD_PRELOAD at spaces and colons: a path holding one would load something else. */
    for (size_t p = 0; code == EXIT_CLEAN && p <= selection.count; p++) {
        const char *library = p < selection.count ? selection.items[p].profile->library
                                                  : (options.external ? layout.shim : "");
        if (strpbrk(library, " :\t")) {
            fprintf(stderr, "fragbench: cannot preload %s: LD_PRELOAD cannot hold a path with a space or a colon "
                            "(move or link it to a path without)\n", library);
            code = EXIT_BAD_INPUT;
        }
    }
    char trace_path[PATH_MAX] = "", trace_compressed[PATH_MAX] = "";
    if (code == EXIT_CLEAN && options.record_path &&
        check_recording(&options, &layout, case_count * selection.count) != 0)
        code = EXIT_BAD_INPUT;
    char python[PATH_MAX] = "";
    for (size_t c = 0; code == EXIT_CLEAN && c < case_count; c++)
        if (cases[c]->kind == PYTHON && find_program(options.python, python, sizeof python) != 0) {
            fprintf(stderr, "fragbench: --python: cannot run '%s' for case %s: %s (%s)\n", options.python,
                    cases[c]->name, why_not_runnable(options.python),
                    strchr(options.python, '/') ? "give --python=PATH of a Python 3 interpreter"
                                                : "apt-get install python3, or --python=PATH");
            code = EXIT_BAD_INPUT;
        }
    /* The output files: all opened and checked before any is emptied, so a refusal loses no earlier results. */
    struct output_file outputs[4], *csv_file = NULL, *timeline_file = NULL;
    size_t output_count = 0;
    if (code == EXIT_CLEAN && options.csv_path && strcmp(options.csv_path, "-") == 0) {
        csv = stdout;
        console = stderr;
    } else if (code == EXIT_CLEAN && options.csv_path &&
               (output_open(csv_file = &outputs[output_count++], "--csv", options.csv_path) != 0 ||
                output_refuse_a_trace(csv_file) != 0))
        code = EXIT_BAD_INPUT;
    if (code == EXIT_CLEAN && options.timeline_path &&
        (output_open(timeline_file = &outputs[output_count++], "--timeline", options.timeline_path) != 0 ||
         output_refuse_a_trace(timeline_file) != 0))
        code = EXIT_BAD_INPUT;
    if (code == EXIT_CLEAN && options.record_path &&
        open_trace_outputs(&options, outputs, &output_count, trace_path, trace_compressed) != 0)
        code = EXIT_BAD_INPUT;
    if (code == EXIT_CLEAN && output_check_distinct(outputs, output_count) != 0)
        code = EXIT_BAD_INPUT;
    /* The traces first: moving an earlier one aside may fail, and then no other file may have been emptied yet. */
    for (int moving = 1; moving >= 0; moving--)
        for (size_t o = 0; o < output_count && code == EXIT_CLEAN && !options.dry_run; o++)
            if (outputs[o].keep_old == (moving == 1) && output_empty(&outputs[o]) != 0)
                code = EXIT_BAD_INPUT;
    for (size_t o = 0; o < output_count; o++)
        if (code != EXIT_CLEAN || options.dry_run)
            output_abandon(&outputs[o]); /* a dry run leaves every file as it was */
        else if (&outputs[o] != csv_file && &outputs[o] != timeline_file)
            close(outputs[o].fd); /* the trace: the recorder opens it by its path */
    if (code == EXIT_CLEAN && options.dry_run) {
        if (!options.quiet)
            print_dry_run(console, &options, cases, case_count, &selection);
        selection_free(&selection);
        free_cases(&options, cases, case_count);
        profiles_free(&profiles);
        return EXIT_CLEAN;
    }
    FILE *timeline = NULL;
    if (code == EXIT_CLEAN && csv_file && !(csv = fdopen(csv_file->fd, "w")))
        abort();
    if (code == EXIT_CLEAN && timeline_file && !(timeline = fdopen(timeline_file->fd, "w")))
        abort();
    if (code == EXIT_CLEAN && csv) {
        results_write_header(csv);
        if (!matrix_csv_flushed(csv, "--csv", options.csv_path)) {
            totals.csv_broken = true;
            code = EXIT_BAD_INPUT;
        }
    }
    if (code == EXIT_CLEAN && timeline) {
        fputs(TIMELINE_HEADER, timeline);
        if (!matrix_csv_flushed(timeline, "--timeline", options.timeline_path))
            code = EXIT_BAD_INPUT;
    }
    summary = summary_new();
    if (code == EXIT_CLEAN) {
        /* A SIGINT ignored when the runner started stays ignored (a script's background job has it so, and make
           and the shell leave it): the runs go on, as everything else of that job does, and the programs inherit
           it so. SIGTERM is always taken: the programs then get it at its default, which --duration's stop needs. */
        struct sigaction stop = {.sa_handler = on_stop_signal}, was;
        sigemptyset(&stop.sa_mask);
        sigaddset(&stop.sa_mask, SIGINT); /* one handler at a time: its count is not torn */
        sigaddset(&stop.sa_mask, SIGTERM);
        if (sigaction(SIGINT, NULL, &was) == 0 && was.sa_handler != SIG_IGN)
            sigaction(SIGINT, &stop, NULL);
        sigaction(SIGTERM, &stop, NULL);
        /*
         * Output piped into a reader that went away (head): the write fails with EPIPE instead of killing the runner
         * and its runs. The console's lines are lost and the runs go on; a CSV on that pipe fails as a full disk
         * does. A handler, not SIG_IGN, which the measured programs would inherit through exec.
         */
        struct sigaction broken_pipe = {.sa_handler = on_broken_pipe};
        sigemptyset(&broken_pipe.sa_mask);
        sigaction(SIGPIPE, &broken_pipe, NULL);
        /* A write past a file size limit (ulimit -f) fails with EFBIG, said as any failed write, where SIGXFSZ
           killed the runner; the same handler, for the same reason. */
        sigaction(SIGXFSZ, &broken_pipe, NULL);
        struct matrix matrix = {
            .build_dir = layout.build_dir, .script_dir = layout.script_dir, .python = python, .cases = cases, .case_count = case_count, .selection = &selection,
            .scale_text = options.scale_text, .idle_ms = options.idle_ms, .threads = options.threads,
            .reps = options.reps, .max_reps = options.max_reps, .spread_pct = options.spread_pct,
            .jobs = options.jobs, .no_overlap = options.no_overlap, .console = options.quiet ? NULL : console, .csv = csv,
            .csv_path = options.csv_path, .quiet = options.quiet, .summary = summary,
            .interval_ms = options.interval_ms, .sample_outside = options.external || timeline,
            .timeline = timeline, .timeline_path = options.timeline_path,
            .command = options.external ? options.case_names : NULL, .command_path = command_path,
            .shim = layout.shim, .timeout_s = options.timeout_s,
            .duration_s = options.duration_s,
            .recorder = layout.recorder, .trace_path = options.record_path ? trace_path : NULL,
            .trace_display = options.record_path, .trace_compressed = *trace_compressed ? trace_compressed : NULL, .trace_cap_bytes = (unsigned long long)options.record_cap_kb * 1024,
            .trace_precise_clock = options.record_precise_clock, .replay_time = options.replay_time,
            .replay_partial = options.replay_partial,
            .mem_limit_kb = options.mem_limit_kb >= 0 ? (unsigned long long)options.mem_limit_kb : default_mem_limit_kb(),
        };
        code = matrix_run(&matrix, &totals);
        /* Stopped before the program began recording, its empty trace is removed: the earlier file comes back. */
        for (size_t o = 0; o < output_count && totals.no_trace; o++)
            if (outputs[o].moved && access(outputs[o].path, F_OK) != 0 && errno == ENOENT &&
                rename(outputs[o].old_path, outputs[o].path) == 0)
                fprintf(stderr, "fragbench: %s: the earlier %s is back from %s\n", outputs[o].option,
                        outputs[o].path, outputs[o].old_path);
    }
    if ((totals.runs > 1 || totals.recorded_rows) && !options.quiet) { /* a replay alone: beside its recording */
        char settings[192], applying[96] = ""; /* scale and idle are the cases'; a replay has its time instead */
        if (options.replay)
            snprintf(applying, sizeof applying, "replay time %s · ", options.replay_time);
        else if (!options.external)
            snprintf(applying, sizeof applying, "scale %s · idle %u ms · ", options.scale_text, options.idle_ms);
        if (options.max_reps > options.reps)
            snprintf(settings, sizeof settings, "%s%u-%u reps (more where they differ by > %u%%)", applying,
                     options.reps, options.max_reps, options.spread_pct);
        else
            snprintf(settings, sizeof settings, "%s%u rep%s", applying, options.reps, options.reps > 1 ? "s" : "");
        summary_print(summary, console, settings);
        if (totals.recorded_rows) /* a trace cut short has no rows of its recording: no such column */
            fprintf(console, "\n(recorded run: the recording's RSS at its own rows, and every 5%% of its events that "
                             "of its sample nearest in time (10 ms off at most at the default --interval-ms, none in "
                             "a trace recorded before 2026-12-06). Its process was the program's, with "
                             "the program's code and files; a replay's is fb-replay's: set them side by side by the "
                             "growth above Start. Recorded peak: the event where the recording's RSS peaked, and each "
                             "replay's RSS there, not the replay's own peak.)\n");
        /* A replay off from its recording was told as it ran, many lines up: the table's reader is told again. */
        fflush(console);
        if (totals.replay_misses[0])
            fprintf(stderr, "fragbench: --replay: off from the recording beyond the fidelity goal: %s; the replays of "
                            "the other profiles may be as far off (the reason: above, as the replay ran)\n",
                    totals.replay_misses);
    }
    summary_free(summary);
    /* A failed run's rows are kept with its status; a run under another allocator than the one asked for has none. */
    if (totals.runs > 0 && totals.failed && options.csv_path)
        fprintf(stderr, "fragbench: %u of %u run%s failed; %s rows are kept in %s, with the status that says how\n",
                totals.failed, totals.runs, totals.runs > 1 ? "s" : "", totals.failed > 1 ? "their" : "its",
                strcmp(options.csv_path, "-") == 0 ? "the CSV on standard output" : options.csv_path);
    else if (totals.runs > 0 && totals.failed) /* no CSV: the closing table has the clean runs alone */
        fprintf(stderr, "fragbench: %u of %u run%s failed (why: above); --csv=FILE keeps every run's rows, a failed "
                        "run's with the status that says how\n",
                totals.failed, totals.runs, totals.runs > 1 ? "s" : "");
    if (totals.runs > 0 && totals.wrong)
        fprintf(stderr, "fragbench: %u of %u run%s ran under another allocator than the one asked for; %s no rows\n",
                totals.wrong, totals.runs, totals.runs > 1 ? "s" : "", totals.wrong > 1 ? "they have" : "it has");
    if (csv == stdout && !totals.csv_broken && !matrix_csv_flushed(csv, "--csv", options.csv_path))
        code = EXIT_BAD_INPUT;
    if (timeline && fclose(timeline) != 0 && !totals.csv_broken) {
        fprintf(stderr, "fragbench: --timeline: error writing %s: %s\n", options.timeline_path, strerror(errno));
        code = EXIT_BAD_INPUT;
    }
    if (csv && csv != stdout && fclose(csv) != 0 && !totals.csv_broken) {
        fprintf(stderr, "fragbench: --csv: error writing %s: %s\n", options.csv_path, strerror(errno));
        code = EXIT_BAD_INPUT;
    }
    selection_free(&selection);
    free_cases(&options, cases, case_count);
    profiles_free(&profiles);
    return code;
}
