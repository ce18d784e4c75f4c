/* Writes results/slides.md: per case the RSS table, the retained/timing table, and the talk-style console blocks. */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "cases.h"
#include "markdown.h"
#include "replay_fidelity.h"
#include "replay_slide.h"
#include "report.h"
#include "spread.h"
#include "waste.h"

/* The phases whose retained share the slides show, when a case has them. */
static const char *const retained_phases[] = {"After del", "After idle", "After release"};
static const char *const retained_columns[] = {"after del", "after idle", "after release"};
enum { RETAINED_COUNT = sizeof retained_phases / sizeof retained_phases[0] };

static void profile_cell(struct md_table *table, const struct profile_stats *ps)
{
    if (ps->failed_reps)
        md_cell(table, "%s (%u of %u reps failed)", ps->alloc, ps->failed_reps, ps->failed_reps + ps->clean_reps);
    else
        md_cell(table, "%s", ps->alloc);
}

/*
 * The phase at column f of a table of at most max phases: all of them where they fit; else the first max - 1 and the
 * last (a program's Exit), which the note under the table says.
 */
static size_t shown_phase(const struct case_stats *c, size_t f, size_t max)
{
    return c->phase_count <= max || f + 1 < max ? f : c->phase_count - 1;
}

static void rss_table(const struct case_stats *c, FILE *out)
{
    enum { MAX_PHASES = 62 };
    struct md_table table;
    bool right[MAX_PHASES + 2] = {false, false};
    size_t shown = c->phase_count < MAX_PHASES ? c->phase_count : MAX_PHASES, columns = 2 + shown;
    for (size_t i = 2; i < columns; i++)
        right[i] = true;
    md_begin(&table, columns, right);
    md_cell(&table, "profile");
    md_cell(&table, "allocator");
    for (size_t f = 0; f < shown; f++)
        md_cell(&table, "%s (kB)", c->phases[shown_phase(c, f, MAX_PHASES)]);
    for (size_t p = 0; p < c->profile_count; p++) {
        const struct profile_stats *ps = &c->profiles[p];
        profile_cell(&table, ps);
        md_cell(&table, "%s %s", ps->allocator, ps->version);
        for (size_t f = 0; f < shown; f++) {
            const struct phase_stats *s = &ps->phases[shown_phase(c, f, MAX_PHASES)];
            if (s->reps == 0)
                md_cell(&table, "n/a");
            else
                md_cell(&table, "%s%" PRIu64, s->disagree ? "* " : "", s->rss_median);
        }
    }
    md_end(&table, out);
    if (shown < c->phase_count) /* 62 of 70 marks were shown, and no word of the rest (nor of its Exit) */
        fprintf(out, "\n(The first %d of its %zu phases and the last: every one is in compare.csv.)\n", MAX_PHASES - 1,
                c->phase_count);
}

/* A program run by ./run -- COMMAND: neither a case of the registry nor a recorded trace replayed. */
static bool program_case(const struct dataset *d, const char *name)
{
    return !case_find(name) && !replay_case(d, name);
}

/* Whether the retained table would show a figure: a retained phase the case has, or a wall time. */
static bool retained_table_has_figures(const struct report *report, const struct case_stats *c)
{
    for (size_t i = 0; i < RETAINED_COUNT; i++)
        if (stats_phase(c, retained_phases[i]) >= 0)
            return true;
    for (size_t p = 0; p < c->profile_count; p++) {
        enum wall_source source;
        if (report_wall(report, c->case_name, c->profiles[p].alloc, &source) >= 0)
            return true;
    }
    return false;
}

static void retained_table(const struct report *report, const struct case_stats *c, FILE *out)
{
    static const bool right[] = {false, true, true, true, true, true};
    struct md_table table;
    md_begin(&table, 6, right);
    md_cell(&table, "profile");
    for (size_t i = 0; i < RETAINED_COUNT; i++)
        md_cell(&table, "retained %s (%%)", retained_columns[i]);
    md_cell(&table, "wall time (s)");
    md_cell(&table, "time vs glibc");
    for (size_t p = 0; p < c->profile_count; p++) {
        const struct profile_stats *ps = &c->profiles[p];
        profile_cell(&table, ps);
        for (size_t i = 0; i < RETAINED_COUNT; i++) {
            long f = stats_phase(c, retained_phases[i]);
            if (f < 0 || ps->phases[f].reps == 0)
                md_cell(&table, "n/a");
            else
                md_cell(&table, "%s%.1f", ps->phases[f].disagree ? "* " : "", ps->phases[f].retained_pct);
        }
        enum wall_source source;
        double wall = report_wall(report, c->case_name, ps->alloc, &source);
        double ratio = report_ratio_vs_glibc(report, c->case_name, ps->alloc);
        if (wall >= 0)
            md_cell(&table, "%.3f", wall);
        else
            md_cell(&table, "n/a");
        if (ratio >= 0)
            md_cell(&table, "%.2f", ratio);
        else
            md_cell(&table, "n/a");
    }
    md_end(&table, out);
}

static void mb_cell(struct md_table *table, bool known, uint64_t kb)
{
    if (known)
        md_cell(table, "%.1f", (double)kb / 1024.0);
    else
        md_cell(table, "n/a");
}

/* What became of the memory held before "After del", per profile (see waste.h). */
static void waste_table(const struct report *report, const struct case_stats *c, FILE *out)
{
    static const bool right[] = {false, true, true, true, true, true, true};
    struct md_table table;
    bool unsplit = false;
    md_begin(&table, 7, right);
    md_cell(&table, "profile");
    md_cell(&table, "held before del");
    md_cell(&table, "live after del");
    md_cell(&table, "returned to the OS");
    md_cell(&table, "free in the allocator, resident");
    md_cell(&table, "metadata and other");
    md_cell(&table, "rep");
    for (size_t p = 0; p < c->profile_count; p++) {
        const struct profile_stats *ps = &c->profiles[p];
        struct waste_split w = waste_of(report->dataset, c->case_name, ps->alloc);
        profile_cell(&table, ps);
        mb_cell(&table, w.known, w.held_kb);
        mb_cell(&table, w.known, w.live_kb);
        mb_cell(&table, w.known, w.returned_kb);
        if (w.known && !w.split) {
            md_cell(&table, "%.1f together †", (double)w.unsplit_kb / 1024.0);
            md_cell(&table, "†");
            unsplit = true;
        } else {
            mb_cell(&table, w.known, w.free_kb);
            mb_cell(&table, w.known, w.other_kb);
        }
        if (w.known)
            md_cell(&table, "%u", w.rep);
        else
            md_cell(&table, "n/a");
    }
    md_end(&table, out);
    if (unsplit)
        fprintf(out, "\n† the allocator does not tell its free bytes, or they were not read (past the view's time budget, "
                     "or the results predate alloc_free_kb), so what it kept is not split.\n");
}

/* "$ LD_PRELOAD=lib SETTINGS build/cases/CASE [--scale=S] [--idle-ms=N]": what reproduces the block by hand. */
static void console_command(const struct report *report, const struct case_stats *c, const struct profile_stats *ps,
                            FILE *out)
{
    const struct profile *profile = profiles_find(report->profiles, ps->alloc);
    const char *library = profile ? profile->library : ps->alloc; /* an ad-hoc library path */
    if (!profile && !strchr(ps->alloc, '/')) {
        fprintf(out, "# profile %s is not in the profiles file: its library and settings are unknown\n", ps->alloc);
        library = "";
    }
    fputs("$ ", out);
    if (*library)
        fprintf(out, "LD_PRELOAD=%s ", library);
    for (size_t i = 0; profile && i < profile->env_count; i++)
        fprintf(out, "%s ", profile->env[i]);
    if (program_case(report->dataset, c->case_name)) { /* the CSV keeps the command's name, not its arguments */
        fprintf(out, "%s ...   (the command given after ./run --)\n", c->case_name);
        return;
    }
    fprintf(out, "build/cases/%s", c->case_name);
    if (strcmp(report->dataset->scale, "1") != 0)
        fprintf(out, " --scale=%s", report->dataset->scale);
    if (strcmp(report->dataset->idle_ms, "1000") != 0)
        fprintf(out, " --idle-ms=%s", report->dataset->idle_ms);
    if (*ps->first_clean_rep->threads)
        fprintf(out, " --threads=%s", ps->first_clean_rep->threads);
    fputc('\n', out);
}

static void console_blocks(const struct report *report, const struct case_stats *c, FILE *out)
{
    fprintf(out, "Console, as the talk showed it (the first clean rep of each profile):\n\n```\n");
    for (size_t p = 0; p < c->profile_count; p++) {
        const struct profile_stats *ps = &c->profiles[p];
        const struct sample_row *row = ps->first_clean_rep;
        if (!row)
            continue;
        if (p > 0)
            fputc('\n', out);
        console_command(report, c, ps, out);
        const struct sample_row *end = report->dataset->rows + report->dataset->count;
        for (; row < end && row->rep == ps->first_clean_rep->rep && !strcmp(row->alloc, ps->alloc) &&
               !strcmp(row->case_name, c->case_name);
             row++)
            fprintf(out, "%s: %" PRIu64 " kB used\n", row->phase, row->rss_kb);
    }
    fprintf(out, "```\n");
}

/*
 * What ran, for the heading: the cases and traces under every profile ("10 cases and 1 recorded trace x 10
 * profiles x 2-3 reps"), then how many ran under fewer (the talk's cures, under glibc alone), by name.
 */
static void write_what_ran(const struct report *report, size_t profiles, const char *reps_text, FILE *out)
{
    const struct stats *stats = report->stats;
    size_t cases = 0, traces = 0, programs = 0, fewer = 0;
    for (size_t k = 0; k < stats->count; k++) {
        const struct case_stats *c = &stats->cases[k];
        if (c->profile_count < profiles)
            fewer++;
        else if (replay_case(report->dataset, c->case_name))
            traces++;
        else if (program_case(report->dataset, c->case_name))
            programs++;
        else
            cases++;
    }
    if (cases || (!programs && !traces))
        fprintf(out, "%zu case%s", cases, cases == 1 ? "" : "s");
    if (programs)
        fprintf(out, "%s%zu program%s", cases ? " and " : "", programs, programs == 1 ? "" : "s");
    if (traces)
        fprintf(out, "%s%zu recorded trace%s", cases || programs ? " and " : "", traces, traces == 1 ? "" : "s");
    fprintf(out, " x %zu profile%s x %s", profiles, profiles == 1 ? "" : "s", reps_text);
    if (fewer) { /* counted apart: "10 cases" read as all the cases there were (13) */
        fprintf(out, " (and %zu more under fewer profiles: ", fewer);
        for (size_t k = 0, listed = 0; k < stats->count; k++)
            if (stats->cases[k].profile_count < profiles)
                fprintf(out, "%s%s", listed++ ? ", " : "", stats->cases[k].case_name);
        fputc(')', out);
    }
}

/* Text written with a backslash before each of specials (and before a backslash): CommonMark's escapes. */
static void put_escaped(FILE *out, const char *text, const char *specials)
{
    for (; *text; text++) {
        if (*text == '\\' || strchr(specials, *text))
            fputc('\\', out);
        fputc(*text, out);
    }
}

/*
 * A link to the plot <case><suffix>.svg in the plots' directory, or the image itself (image true). Its text's
 * brackets are escaped; a destination with a blank, a parenthesis or an angle bracket is written in CommonMark's
 * <...> form, its angle brackets escaped (a case named from a file may hold any of them).
 */
static void plot_link(const struct report *report, const char *text, const char *case_name, const char *suffix,
                      bool image, FILE *out)
{
    bool bracketed = strpbrk(report->plots_link, " ()<>") || strpbrk(case_name, " ()<>");
    fputs(image ? "![" : "[", out);
    put_escaped(out, text, "[]");
    fputs(bracketed ? "](<" : "](", out);
    put_escaped(out, report->plots_link, bracketed ? "<>" : "");
    fputc('/', out);
    put_escaped(out, case_name, bracketed ? "<>" : "");
    fprintf(out, "%s.svg%s)", suffix, bracketed ? ">" : "");
}

/*
 * A case's pictures, after its tables: RSS over time if the timeline has it (the talk's picture), else RSS after
 * each phase; a line then links each plot drawn of it, for the one not shown.
 */
static void case_plots(const struct report *report, const struct case_stats *c, FILE *out)
{
    const struct {
        bool drawn;
        const char *text, *suffix;
    } plots[] = {
        {case_has_phase_plot(c), "RSS after each phase", ""},
        {case_has_timeline_plot(report, c->case_name), "RSS over time", "-timeline"},
        {waste_case_has_split(report->dataset, c), "what became of the memory held before \"" WASTE_PHASE "\"", "-waste"},
    };
    int shown = plots[1].drawn ? 1 : plots[0].drawn ? 0 : -1;
    char text[512];
    if (shown >= 0) {
        snprintf(text, sizeof text, "%s: %s", c->case_name, plots[shown].text);
        plot_link(report, text, c->case_name, plots[shown].suffix, true, out);
        fputs("\n\n", out);
    }
    const char *separator = "Plots: ";
    for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++)
        if (plots[i].drawn) {
            fputs(separator, out);
            plot_link(report, plots[i].text, c->case_name, plots[i].suffix, false, out);
            separator = " · ";
        }
    if (separator[0] == ' ') /* one at least */
        fputs(" (SVG; a PNG of each beside it).\n\n", out);
}

void write_slides(const struct report *report, FILE *out)
{
    const struct dataset *d = report->dataset;
    unsigned reps = 0, fewest_reps = 0;
    size_t profiles = 0;
    char reps_text[32];
    for (size_t k = 0; k < report->stats->count; k++) {
        const struct case_stats *c = &report->stats->cases[k];
        profiles = c->profile_count > profiles ? c->profile_count : profiles;
        for (size_t p = 0; p < c->profile_count; p++) {
            unsigned ran = c->profiles[p].clean_reps + c->profiles[p].failed_reps;
            reps = ran > reps ? ran : reps;
            fewest_reps = fewest_reps == 0 || ran < fewest_reps ? ran : fewest_reps;
        }
    }
    if (fewest_reps < reps) /* more reps where the first ones differed (--max-reps) */
        snprintf(reps_text, sizeof reps_text, "%u-%u reps", fewest_reps, reps);
    else
        snprintf(reps_text, sizeof reps_text, "%u rep%s", reps, reps == 1 ? "" : "s");
    fprintf(out, "# fragbench: which allocator gives the memory back\n\n");
    write_what_ran(report, profiles, reps_text, out);
    bool any_case = false; /* the scale and idle apply to fragbench's own cases only */
    for (size_t k = 0; k < report->stats->count && !any_case; k++)
        any_case = case_find(report->stats->cases[k].case_name) != NULL;
    if (any_case)
        fprintf(out, ", scale %s (1 = the talk's ~500 MB), %s ms idle before \"After idle\"", d->scale, d->idle_ms);
    fprintf(out, ". RSS in kB; medians over the clean reps; `*` marks a phase whose reps differ by "
                 "more than %.0f%% and %d kB (see rss_spread_pct in summary.csv). %s\n\n",
            STATS_DISAGREE_PCT, SPREAD_FLOOR_KB, report_wall_text(report));
    fprintf(out, "Figures of the profiles that purge on a timer (jemalloc's 10 s decay, jemalloc-bgthread's background "
                 "thread, mimalloc's 25 ms decommit delay) depend on how much time passed between the frees and the "
                 "sample, and so on this machine's speed, which varies up to 8x between machines of this kind: "
                 "compare them across machines with `make check-reference` and its wider tolerance.\n\n");
    if (report->machine_count) {
        fprintf(out, "Machine:\n\n");
        for (size_t i = 0; i < report->machine_count; i++)
            fprintf(out, "- %s\n", report->machine[i]);
        fputc('\n', out);
    }
    write_cures_table(report, out);
    write_recorded_table(report, out);
    for (size_t k = 0; k < report->stats->count; k++) {
        const struct case_stats *c = &report->stats->cases[k];
        if (replay_case(d, c->case_name)) {
            fprintf(out, "## %s\n\nA recorded trace replayed under each profile (docs/replay.md): the recording's rows, "
                         "every 5%% of its events and the replay's end. RSS at each (kB, median):\n\n", c->case_name);
            rss_table(c, out);
            fputc('\n', out);
            write_replay_table(report, c, out);
            write_replay_fidelity(report, c, out);
            write_replay_fragmentation(report, c, out);
            const char *axis = replay_plot_events(d, c) > 0 ? "the trace's events" : "the recorded time";
            if (report->plots_link) {
                char text[256];
                snprintf(text, sizeof text, "%s: RSS of each profile's replay over %s", c->case_name, axis);
                fputc('\n', out);
                plot_link(report, text, c->case_name, "-replay", true, out);
                fputc('\n', out);
            }
            /* Cut short: its replays have no Exit row. A trace stopped at --duration has one (the runner's last
               sample before the stop) and needs --replay-partial all the same, which its results do not tell. */
            if (replay_of_a_cut_trace(d, c->case_name))
                fprintf(out, "\nPlot: `%s-replay.svg`, RSS over %s. One profile again: "
                             "`./run --alloc=PROFILE --replay-partial --replay=TRACE`.\n\n", c->case_name, axis);
            else
                fprintf(out, "\nPlot: `%s-replay.svg`, RSS over %s. One profile again: "
                             "`./run --alloc=PROFILE --replay=TRACE` (and `--replay-partial` for a trace stopped "
                             "early: `build/fb-trace info TRACE` says).\n\n", c->case_name, axis);
            continue;
        }
        fprintf(out, "## %s\n\nRSS after each phase (kB, median):\n\n", c->case_name);
        rss_table(c, out);
        if (retained_table_has_figures(report, c)) {
            fprintf(out, "\nRetained (RSS as %% of the run's largest RSS at a phase, median) and wall time:\n\n");
            retained_table(report, c, out);
        }
        fputc('\n', out);
        if (waste_case_has_split(d, c)) {
            fprintf(out, "What became of the memory held before \"%s\" (MiB of anonymous memory, RssAnon, in the rep "
                         "with the median after del; held = live + returned + free + metadata and other, unless the "
                         "process grew; free in the allocator is its own count, alloc_free_kb):\n\n",
                    WASTE_PHASE);
            waste_table(report, c, out);
            fputc('\n', out);
        }
        if (report->plots_link)
            case_plots(report, c, out);
        console_blocks(report, c, out);
        fputc('\n', out);
    }
}
