/* The fragbench runner: runs each case under each allocator profile and reports every phase, verified. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "child.h"
#include "options.h"
#include "profiles.h"
#include "results.h"
#include "selection.h"
#include "summary.h"
#include "verify.h"

#define FRAGBENCH_VERSION "0.1.0"

enum exit_code { EXIT_CLEAN = 0, EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

/* Where the runner's own files are: the programs beside it, profiles.txt one level up. */
struct layout {
    char build_dir[PATH_MAX];
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
    snprintf(layout->profiles_file, sizeof layout->profiles_file, "%s/../profiles.txt", layout->build_dir);
    return 0;
}

static void fail_input(const char *message)
{
    fprintf(stderr, "fragbench: %s\n", message);
}

/* One run in progress: what it is, and the samples so far. */
struct run_state {
    struct run_identity identity;
    const struct selected_profile *selected;
    unsigned reps;
    FILE *console;
    bool have_hello;
    bool wrong_allocator;
    char wrong_why[1024];
    struct record *phases;
    size_t phase_count;
};

static void print_heading(const struct run_state *run)
{
    const struct run_identity *id = &run->identity;
    if (strcmp(id->profile, id->allocator) == 0)
        fprintf(run->console, "%s · %s %s", id->case_name, id->allocator, id->alloc_version);
    else
        fprintf(run->console, "%s · %s (%s %s)", id->case_name, id->profile, id->allocator, id->alloc_version);
    if (run->reps > 1)
        fprintf(run->console, " · rep %u/%u", id->rep, run->reps);
    fputc('\n', run->console);
}

static bool on_record(void *context, const struct record *record)
{
    struct run_state *run = context;
    if (record->type == RECORD_HELLO) {
        if (run->have_hello) {
            snprintf(run->wrong_why, sizeof run->wrong_why, "the case sent a second hello record");
            run->wrong_allocator = true;
            return false;
        }
        if (record->proto != FB_PROTOCOL_VERSION) {
            snprintf(run->wrong_why, sizeof run->wrong_why, "the case speaks protocol %llu, the runner %d",
                     (unsigned long long)record->proto, FB_PROTOCOL_VERSION);
            run->wrong_allocator = true;
            return false;
        }
        if (!verify_allocator(run->selected->profile, record, run->wrong_why, sizeof run->wrong_why)) {
            run->wrong_allocator = true;
            return false;
        }
        run->have_hello = true;
        print_heading(run);
        return true;
    }
    if (!run->have_hello) {
        /* A sample whose allocator is unknown cannot be labelled: stop the run. */
        snprintf(run->wrong_why, sizeof run->wrong_why, "a phase record came before the hello record");
        run->wrong_allocator = true;
        return false;
    }
    run->phases = realloc(run->phases, (run->phase_count + 1) * sizeof *run->phases);
    if (!run->phases)
        abort();
    run->phases[run->phase_count++] = *record;
    fprintf(run->console, "%s: %llu kB used\n", record->label, (unsigned long long)record->rss_kb);
    fflush(run->console);
    return true;
}

struct totals {
    unsigned runs, failed, wrong;
    size_t rows;
    bool csv_broken; /* a write to the CSV failed: the matrix stops, its rows would be lost */
};

/* Flushes the CSV and says whether every row so far reached it. */
static bool csv_flushed(FILE *csv, const char *path)
{
    if (fflush(csv) == 0 && !ferror(csv))
        return true;
    fprintf(stderr, "fragbench: --csv: cannot write %s: %s; stopping, the rows written so far are kept\n",
            strcmp(path, "-") == 0 ? "to stdout" : path, strerror(errno));
    return false;
}

/* Runs one case under one profile once; writes its rows; returns its exit code contribution. */
static int run_once(const struct layout *layout, const struct options *options, const struct case_entry *entry,
                    const struct selected_profile *selected, unsigned rep, FILE *console, FILE *csv,
                    struct summary *summary, struct totals *totals)
{
    char program[PATH_MAX + 64], scale_arg[64], idle_arg[64], status[64], error[512];
    char *argv[4] = {program, scale_arg, idle_arg, NULL};
    struct child_result result;
    struct run_state run = {
        .identity = {.case_name = entry->name, .profile = selected->profile->name,
                     .allocator = selected->allocator, .alloc_version = selected->version,
                     .scale = options->scale_text, .idle_ms = options->idle_ms, .rep = rep},
        .selected = selected, .reps = options->reps, .console = console,
    };
    int code = EXIT_CLEAN;

    snprintf(program, sizeof program, "%s/cases/%s", layout->build_dir, entry->name);
    snprintf(scale_arg, sizeof scale_arg, "--scale=%s", options->scale_text);
    snprintf(idle_arg, sizeof idle_arg, "--idle-ms=%u", options->idle_ms);
    totals->runs++;
    struct child_spec spec = {.argv = argv, .profile = selected->profile, .quiet = false};
    if (child_run(&spec, on_record, &run, &result, error, sizeof error) != 0) {
        fprintf(stderr, "fragbench: %s · %s: %s\n", entry->name, selected->profile->name, error);
        totals->failed++;
        return EXIT_RUN_FAILED;
    }
    child_status_text(result.wait_status, status, sizeof status);
    if (run.wrong_allocator) {
        fprintf(stderr, "fragbench: %s · %s: %s; its samples are not kept\n", entry->name,
                selected->profile->name, run.wrong_why);
        totals->wrong++;
        code = EXIT_BAD_INPUT;
    } else if (!run.have_hello) {
        fprintf(stderr, "fragbench: %s · %s: the case ended (%s) without naming its allocator\n", entry->name,
                selected->profile->name, status);
        totals->failed++;
        code = EXIT_RUN_FAILED;
    } else {
        if (strcmp(status, "ok") != 0) {
            fprintf(stderr, "fragbench: %s · %s · rep %u: the case ended with %s\n", entry->name,
                    selected->profile->name, rep, status);
            totals->failed++;
            code = EXIT_RUN_FAILED;
        }
        char allocator[128];
        snprintf(allocator, sizeof allocator, "%s %s", selected->allocator, selected->version);
        for (size_t i = 0; i < run.phase_count; i++) {
            if (csv)
                results_write_row(csv, &run.identity, &run.phases[i], status);
            if (strcmp(status, "ok") == 0)
                summary_add(summary, entry->name, selected->profile->name, allocator, run.phases[i].label,
                            run.phases[i].rss_kb);
        }
        totals->rows += run.phase_count;
        if (csv && !csv_flushed(csv, options->csv_path)) {
            totals->csv_broken = true;
            code = EXIT_BAD_INPUT;
        }
    }
    if (result.bad_records)
        fprintf(stderr, "fragbench: %s · %s: %zu malformed record(s) ignored; the first: %s\n", entry->name,
                selected->profile->name, result.bad_records, result.first_bad);
    free(run.phases);
    fputc('\n', console);
    return code;
}

static void list_everything(const struct layout *layout, const struct profile_list *profiles, const char *source)
{
    printf("Cases (cases/cases.def):\n");
    for (size_t i = 0; i < case_registry_count; i++)
        printf("  %-8s %s\n", case_registry[i].name, case_registry[i].description);
    printf("\nAllocator profiles (%s):\n", source);
    for (size_t i = 0; i < profiles->count; i++) {
        struct selected_profile selected = {.profile = &profiles->items[i]};
        char message[1024], found[128];
        bool installed = selection_check(layout->identify_program, &selected, message, sizeof message) == 0;
        if (installed)
            snprintf(found, sizeof found, "%s %s", selected.allocator, selected.version);
        else if (*selected.profile->package)
            snprintf(found, sizeof found, "apt-get install %s", selected.profile->package);
        else
            snprintf(found, sizeof found, "see --alloc=%s", selected.profile->name);
        printf("  %-20s %-9s %-32s %s\n", selected.profile->name, installed ? "installed" : "missing", found,
               selected.profile->description);
    }
}

/* Checks every selected profile before any run: a missing one is an error, or skipped under 'all'. */
static int check_selection(const struct layout *layout, struct selection *selection)
{
    int code = EXIT_CLEAN;
    for (size_t i = 0; i < selection->count;) {
        char message[1024];
        if (selection_check(layout->identify_program, &selection->items[i], message, sizeof message) == 0) {
            i++;
            continue;
        }
        if (selection->all) {
            fprintf(stderr, "fragbench: skipping %s: %s\n", selection->items[i].profile->name, message);
            selection_remove(selection, i);
        } else {
            fprintf(stderr, "fragbench: %s\n", message);
            code = EXIT_BAD_INPUT;
            i++;
        }
    }
    if (selection->count == 0) {
        fprintf(stderr, "fragbench: --alloc=all: no profile is installed (make deps installs them)\n");
        code = EXIT_BAD_INPUT;
    }
    return code;
}

static int resolve_cases(const struct options *options, const struct case_entry ***out, size_t *count)
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
            fprintf(stderr, "fragbench: unknown case '%s'; cases:", options->case_names[i]);
            for (size_t k = 0; k < case_registry_count; k++)
                fprintf(stderr, "%s %s", k ? "," : "", case_registry[k].name);
            fputc('\n', stderr);
            free(cases);
            return -1;
        }
    }
    *out = cases;
    *count = n;
    return 0;
}

int main(int argc, char **argv)
{
    struct options options;
    struct layout layout;
    struct profile_list profiles;
    struct selection selection;
    const struct case_entry **cases;
    size_t case_count;
    struct totals totals = {0, 0, 0, 0, false};
    struct summary *summary;
    char error[4096];
    FILE *csv = NULL, *console = stdout;
    int code = EXIT_CLEAN;

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
        list_everything(&layout, &profiles, options.profiles_path ? options.profiles_path : "profiles.txt");
        profiles_free(&profiles);
        return EXIT_CLEAN;
    }
    if (resolve_cases(&options, &cases, &case_count) != 0) {
        profiles_free(&profiles);
        return EXIT_BAD_INPUT;
    }
    if (selection_resolve(options.alloc, &profiles, &selection, error, sizeof error) != 0) {
        fail_input(error);
        free(cases);
        profiles_free(&profiles);
        return EXIT_BAD_INPUT;
    }
    code = check_selection(&layout, &selection);
    if (code == EXIT_CLEAN && options.csv_path) {
        if (strcmp(options.csv_path, "-") == 0) {
            csv = stdout;
            console = stderr;
        } else if (!(csv = fopen(options.csv_path, "we"))) {
            fprintf(stderr, "fragbench: --csv: cannot write %s: %s\n", options.csv_path, strerror(errno));
            code = EXIT_BAD_INPUT;
        }
        if (csv) {
            results_write_header(csv);
            if (!csv_flushed(csv, options.csv_path)) {
                totals.csv_broken = true;
                code = EXIT_BAD_INPUT;
            }
        }
    }
    bool ready = code == EXIT_CLEAN;
    summary = summary_new();
    for (size_t c = 0; ready && c < case_count; c++)
        for (size_t p = 0; p < selection.count && !totals.csv_broken; p++)
            for (unsigned rep = 1; rep <= options.reps && !totals.csv_broken; rep++) {
                int run_code =
                    run_once(&layout, &options, cases[c], &selection.items[p], rep, console, csv, summary, &totals);
                if (run_code > code)
                    code = run_code;
            }
    if (totals.runs > 1) {
        char settings[128];
        snprintf(settings, sizeof settings, "scale %s · idle %u ms · %u rep%s", options.scale_text, options.idle_ms,
                 options.reps, options.reps > 1 ? "s" : "");
        summary_print(summary, console, settings);
    }
    summary_free(summary);
    if (totals.runs > 0 && (totals.failed || totals.wrong))
        fprintf(stderr, "fragbench: %u of %u runs failed%s; the rows of the others are kept\n",
                totals.failed + totals.wrong, totals.runs, totals.wrong ? " (allocator not the one asked for)" : "");
    if (csv == stdout && !totals.csv_broken && !csv_flushed(csv, options.csv_path))
        code = EXIT_BAD_INPUT;
    if (csv && csv != stdout && fclose(csv) != 0 && !totals.csv_broken) {
        fprintf(stderr, "fragbench: --csv: error writing %s: %s\n", options.csv_path, strerror(errno));
        code = EXIT_BAD_INPUT;
    }
    selection_free(&selection);
    free(cases);
    profiles_free(&profiles);
    return code;
}
