/* fb-report: turns results/compare.csv (and timing.csv, machine.txt) into summary.csv, slides.md and plot data. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "timeline_panels.h"
#include "../trace/version.h"

static void usage(FILE *out)
{
    fputs("usage: fb-report --results=DIR [--plot-data=DIR] [--plots-link=PATH] [--profiles=FILE]\n"
          "Reads DIR/compare.csv (the runner's rows), DIR/walltime.csv (each pair's run alone, optional),\n"
          "DIR/timing.csv (hyperfine's export, optional) and\n"
          "DIR/machine.txt and DIR/timeline.csv (optional); writes DIR/summary.csv and DIR/slides.md, and with\n"
          "--plot-data the gnuplot inputs that plots/render.sh draws. --plots-link: the plots' directory as\n"
          "slides.md reaches it (../plots): the slides show each case's plot from there and link the\n"
          "others (the timelines from DIR/timeline.csv; one that cannot be read is said, exit 1).\n"
          "Same input, byte-identical output.\n"
          "fb-report --help | --version\n",
          out);
}

/* Reads machine.txt: one fact a line; a missing file gives none. */
static char **read_lines(const char *path, size_t *count)
{
    FILE *file = fopen(path, "re");
    char **lines = NULL, *line = NULL;
    size_t size = 0;
    ssize_t n;
    *count = 0;
    if (!file)
        return NULL;
    while ((n = getline(&line, &size, file)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        lines = realloc(lines, (*count + 1) * sizeof *lines);
        if (!lines || !(lines[*count] = strdup(line)))
            abort();
        (*count)++;
    }
    free(line);
    fclose(file);
    return lines;
}

/* Writes path through a temporary file and a rename, so a reader never sees half a file. */
static int write_file(const char *path, void (*writer)(const struct report *, FILE *), const struct report *report)
{
    char temporary[4096];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    FILE *out = fopen(temporary, "we");
    if (!out) {
        fprintf(stderr, "fb-report: %s: %s\n", temporary, strerror(errno));
        return -1;
    }
    writer(report, out);
    if (ferror(out) | (fclose(out) != 0) || rename(temporary, path) != 0) {
        fprintf(stderr, "fb-report: cannot write %s: %s\n", path, strerror(errno));
        unlink(temporary);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"results", required_argument, NULL, 'r'},
        {"plot-data", required_argument, NULL, 'p'},
        {"profiles", required_argument, NULL, 'f'},
        {"plots-link", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *results = NULL, *plot_data = NULL, *profiles_path = "profiles.txt", *plots_link = NULL;
    char path[4096], error[1024];
    struct dataset dataset, alone_runs;
    struct stats stats, alone;
    bool have_alone = false;
    struct timing timing;
    struct profile_list profiles;
    struct report report;
    int opt, code = 0;

    while ((opt = getopt_long(argc, argv, "hV", options, NULL)) != -1) {
        switch (opt) {
        case 'r':
            results = optarg;
            break;
        case 'p':
            plot_data = optarg;
            break;
        case 'f':
            profiles_path = optarg;
            break;
        case 'l':
            plots_link = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("fb-report (fragbench) %s\n", FRAGBENCH_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!results || optind < argc) {
        usage(stderr);
        return 2;
    }
    snprintf(path, sizeof path, "%s/compare.csv", results);
    if (dataset_load(path, &dataset, error, sizeof error) != 0) {
        fprintf(stderr, "fb-report: %s\n", error);
        return 2;
    }
    snprintf(path, sizeof path, "%s/timing.csv", results);
    if (timing_load(path, &timing, error, sizeof error) != 0 ||
        profiles_load(profiles_path, &profiles, error, sizeof error) != 0) {
        fprintf(stderr, "fb-report: %s\n", error);
        dataset_free(&dataset);
        return 2;
    }
    /* The runs alone that give the wall times (make compare's last pass); absent in older results. */
    snprintf(path, sizeof path, "%s/walltime.csv", results);
    if (access(path, F_OK) == 0) {
        if (dataset_load(path, &alone_runs, error, sizeof error) != 0) {
            fprintf(stderr, "fb-report: %s\n", error);
            dataset_free(&dataset);
            timing_free(&timing);
            profiles_free(&profiles);
            return 2;
        }
        stats_build(&alone_runs, &alone);
        have_alone = true;
    }
    stats_build(&dataset, &stats);
    /* The timelines: their plots, and the slides' links to them (read only for those). One that cannot be read is
       said, and left out. */
    struct timeline_csv timeline;
    bool have_timeline = false;
    snprintf(path, sizeof path, "%s/timeline.csv", results);
    if ((plots_link || plot_data) && access(path, F_OK) == 0) {
        if (timeline_csv_load(path, &timeline, error, sizeof error) != 0) {
            fprintf(stderr, "fb-report: %s\n", error);
            code = -1;
        } else
            have_timeline = true;
    }
    report = (struct report){.dataset = &dataset, .stats = &stats, .timing = &timing, .profiles = &profiles,
                             .plots_link = plots_link, .timeline = have_timeline ? &timeline : NULL,
                             .alone = have_alone ? &alone : NULL};
    snprintf(path, sizeof path, "%s/machine.txt", results);
    report.machine = read_lines(path, &report.machine_count);

    snprintf(path, sizeof path, "%s/summary.csv", results);
    code |= write_file(path, write_summary_csv, &report);
    snprintf(path, sizeof path, "%s/slides.md", results);
    code |= write_file(path, write_slides, &report);
    if (plot_data) {
        mkdir(plot_data, 0777);
        if (write_plot_data(&report, plot_data, error, sizeof error) != 0) {
            fprintf(stderr, "fb-report: %s\n", error);
            code = -1;
        }
    }
    for (size_t i = 0; i < report.machine_count; i++)
        free(report.machine[i]);
    free(report.machine);
    if (have_timeline)
        csv_free(&timeline.table);
    stats_free(&stats);
    if (have_alone) {
        stats_free(&alone);
        dataset_free(&alone_runs);
    }
    timing_free(&timing);
    profiles_free(&profiles);
    dataset_free(&dataset);
    return code ? 1 : 0;
}
