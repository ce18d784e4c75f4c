/* The talk's lines for a recorded run (--record): its rows' live heap beside RSS, the peaks, the verdict, the calls. */
#define _GNU_SOURCE
#include "recorded_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "growth.h"
#include "results.h"

/*
 * Whether the live heap fell below half of its most only in the run's last fifth, to its end (its last row or
 * sample, not its last call: a program that frees its data and idles 0.3 s before it exits did not free it as it
 * ended, and a newcomer's was told it had); true where it was not seen to fall before the end.
 */
static bool fell_at_the_end(const struct recorded *recorded, uint64_t start_ns)
{
    uint64_t halved = recorded->live_halved_ns, end = recorded->end_ns;
    if (!halved || end <= start_ns || halved >= end)
        return true;
    return (end - halved) * 5 < end - start_ns;
}

/*
 * RSS over the live heap ("1.05", or "- (live under 0.5 kB)" where there is nothing to divide by), both in the
 * whole kB the report prints beside it and the CSV holds, so that the slides, which have the CSV's alone, give the
 * same figure (on 41 kB live, the exact bytes gave 5212.16 here, 5258.34 there).
 */
static void ratio_text(char *out, size_t size, uint64_t rss_kb, uint64_t live_bytes)
{
    uint64_t live_kb = results_kb(live_bytes);
    if (live_kb < 1)
        snprintf(out, size, "- (live under 0.5 kB)");
    else
        snprintf(out, size, "%.2f", (double)rss_kb / (double)live_kb);
}

/* The number of allocations the trace holds (each size class counts the allocations of its sizes). */
static uint64_t allocation_count(const struct trace_summary *summary)
{
    uint64_t allocations = 0;
    for (unsigned k = 0; k < TRACE_SIZE_CLASSES; k++)
        allocations += summary->size_classes[k];
    return allocations;
}

/* The calls, by kind; of a trace not whole, those it holds (a program that died lost those not yet written). */
static void print_calls(FILE *out, const struct trace_summary *summary, bool whole)
{
    const char *separator = "";
    fprintf(out, whole ? "  Calls:" : "  Calls the trace holds:");
    for (int op = 0; op < TRACE_OP_COUNT; op++)
        if (summary->op_counts[op] && op != TRACE_REALLOC_START && !trace_op_is_note(op)) { /* a realloc's start is half of its call */
            fprintf(out, "%s %s %" PRIu64, separator, trace_op_names[op], summary->op_counts[op]);
            /* free(NULL) is a call the program made, and changes nothing: frees can outnumber the allocations. */
            if (op == TRACE_FREE && summary->null_frees)
                fprintf(out, " (%" PRIu64 " of them free(NULL))", summary->null_frees);
            separator = " ·";
        }
    fprintf(out, "%s\n", *separator ? ""
                          : whole ? " none"
                                  : " none (a program that dies loses the calls each thread made since its last chunk "
                                    "was written, at most 64 KiB of events a thread: docs/recording.md)");
    /* The size classes that hold most allocations, largest share first. */
    uint64_t allocations = allocation_count(summary);
    bool shown[TRACE_SIZE_CLASSES] = {false};
    if (!allocations)
        return;
    fprintf(out, "  Sizes (of %" PRIu64 " allocations):", allocations);
    for (int shown_count = 0; shown_count < 4; shown_count++) {
        unsigned best = TRACE_SIZE_CLASSES;
        for (unsigned k = 0; k < TRACE_SIZE_CLASSES; k++)
            if (!shown[k] && summary->size_classes[k] &&
                (best == TRACE_SIZE_CLASSES || summary->size_classes[k] > summary->size_classes[best]))
                best = k;
        if (best == TRACE_SIZE_CLASSES)
            break;
        shown[best] = true;
        double share = 100.0 * (double)summary->size_classes[best] / (double)allocations;
        if (best == 0)
            fprintf(out, "%s 0 B %.0f%%", shown_count ? " ·" : "", share);
        else
            fprintf(out, "%s %" PRIu64 "-%" PRIu64 " B %.0f%%", shown_count ? " ·" : "", (uint64_t)1 << (best - 1),
                    best == 64 ? UINT64_MAX : ((uint64_t)1 << best) - 1, share);
    }
    fputc('\n', out);
}

/*
 * Whether CPython's own allocator served the program's small objects: an image named python*, without
 * PYTHONMALLOC=malloc (or malloc_debug) in the runner's environment or among the command's words (env NAME=VALUE).
 * pymalloc serves objects of up to 512 bytes from 256 kB arenas it maps itself, which the trace never sees.
 */
static bool pymalloc_may_serve(const struct trace_info *info, char *const *command)
{
    const char *exe = info->images > 1 && *info->last_exe ? info->last_exe : info->exe;
    const char *name = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
    const char *setting = getenv("PYTHONMALLOC");
    if (strncmp(name, "python", 6) != 0)
        return false;
    /* env's settings come before the program: a word after it is the program's own argument. */
    for (; command && *command; command++) {
        const char *word = strrchr(*command, '/') ? strrchr(*command, '/') + 1 : *command;
        if (strncmp(word, "python", 6) == 0)
            break;
        if (strncmp(*command, "PYTHONMALLOC=", 13) == 0)
            setting = *command + 13;
    }
    return !setting || (strcmp(setting, "malloc") != 0 && strcmp(setting, "malloc_debug") != 0);
}

/* Under 1 MB, RSS is the libraries' own data and the allocator's first arena as much as the program's heap. */
enum { TELLING_KB = 1024 };

/* The path as one shell word: as it is when it holds only characters a shell leaves alone, else in single quotes. */
static void print_shell_word(FILE *out, const char *word)
{
    static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./+,:=@%";
    if (*word && strspn(word, plain) == strlen(word)) {
        fputs(word, out);
        return;
    }
    fputc('\'', out);
    for (; *word; word++)
        if (*word == '\'')
            fputs("'\\''", out);
        else
            fputc(*word, out);
    fputc('\'', out);
}

/*
 * The answer the recording was made for, when one part is 1 MB or more and more than half of the growth: blocks
 * the program still holds (a leak, or its data: no allocator gives them back), memory it freed that the process
 * kept (fragmentation, or the allocator's retention: a replay under the profiles shows which gives it back), or
 * file-backed or shared pages (its code, files and shared memory: not heap at all). Under pymalloc the not-live
 * part holds the program's small objects too: there it cannot tell; nor where how much is live cannot be told
 * (growth.h). Where no part is most of it, nothing is said.
 */
static bool mostly_live(const struct growth_split *split)
{
    return !split->live_unknown && split->live_kb >= TELLING_KB && split->live_kb * 2 > split->growth_kb;
}

/*
 * ended_holding: the split where the program held the most, if most of it was live, the live heap had not risen
 * to half of it and fallen back before (a program in rounds frees each: its last round's peak says nothing of its end),
 * and it fell from its peak only
 * in the run's last two fifths of its time (the program freed what it held as it ended: a teardown frees it all,
 * CPython's at exit; its teardown of 490 000 blocks took 9 to 23% of such a run, as the machine was idle or busy,
 * where one that freed them and slept 1.2 s before its end fell at 70%), else NULL. The last row alone would then
 * call a program that held ever more until its end "not a leak".
 */
static void print_verdict(FILE *out, const char *path, bool whole, const char *label, const struct growth_split *split,
                          bool pymalloc, const struct growth_split *ended_holding)
{
    int64_t growth = split->growth_kb;
    /* Where the live part cannot be told, neither can the not-live part: only the rest may be answered. */
    bool not_live =
        !split->live_unknown && split->anon_not_live_kb >= TELLING_KB && split->anon_not_live_kb * 2 > growth;
    if (not_live && pymalloc)
        fprintf(out, "  So: most of the growth at %s is not in the trace, and under pymalloc that may be objects the "
                     "program still holds: whether it is a leak or fragmentation, a recording with PYTHONMALLOC=malloc "
                     "tells\n", label);
    else if (not_live) {
        fprintf(out, "  So: most of the growth at %s is memory the program freed and the process kept: fragmentation "
                     "or the allocator's retention, not a leak. Which profile gives it back: ./run --alloc=all "
                     "%s--replay=", label, whole ? "" : "--replay-partial ");
        print_shell_word(out, path);
        fputc('\n', out);
        if (ended_holding)
            fprintf(out, "  But where it held the most, most of its growth (%" PRId64 " of %" PRId64 " kB) was blocks "
                         "the program held, and it freed them only as it ended (a program's teardown frees what it held; "
                         "CPython's does at exit): whether it held more and more while it ran, a leak or its data, "
                         "its marks or --timeline show, and no allocator gives those back\n",
                    ended_holding->live_kb, ended_holding->growth_kb);
        /* A service stopped at --duration that leaks slowly: most of its growth freed and kept, some of it held. */
        if (split->live_kb >= TELLING_KB)
            fprintf(out, "  And at %s it still held %" PRId64 " kB of blocks more than at its start (%.0f%% of the "
                         "growth): a leak if it should have freed them, its data if not; whether they grew while it "
                         "ran, its marks or --timeline show, and no allocator gives those back\n",
                    label, split->live_kb, 100.0 * (double)split->live_kb / (double)growth);
    } else if (mostly_live(split))
        fprintf(out, "  So: most of the growth at %s is blocks the program still holds: a leak if it should have freed "
                     "them, its data if not; no allocator gives those back\n", label);
    else if (split->other_kb >= TELLING_KB && split->other_kb * 2 > growth)
        fprintf(out, "  So: most of the growth at %s is file-backed or shared pages (the program's code, the files "
                     "and shared memory it mapped), not its heap\n", label);
}

/* Under pymalloc, the objects the trace does not see, and how to record them. */
static void print_pymalloc_note(FILE *out, bool pymalloc)
{
    if (pymalloc)
        fprintf(out, "  CPython's pymalloc served its objects of up to 512 bytes from arenas it maps itself: the "
                     "trace holds none of them, so their memory is in the anonymous part above, not in the live heap. "
                     "For every object to be a malloc call, record with PYTHONMALLOC=malloc (-- env "
                     "PYTHONMALLOC=malloc python3 ...)\n");
}

/*
 * What the RSS above the first row is made of at the last row (growth.h): the live heap's resident pages,
 * file-backed or shared pages (code, files and shared memory the program mapped, never heap), and anonymous memory
 * that is not live, which is the allocator's freed memory and overhead only where the program took no memory past
 * malloc: its own mmap, thread stacks, an interpreter's arenas are in it too. Under 1 MB, the libraries' own data
 * and the allocator's first arena are as much.
 */
static void print_growth(FILE *out, const char *path, const struct recorded *recorded, const struct phase_sample *rows,
                         const struct phase_sample *last, char *const *command, const struct growth_split *peak)
{
    const struct trace_summary *summary = &recorded->summary;
    char ratio[64], live_text[256];
    /* The live heap's part: its pages above the first row's live heap, which the first row's RSS already holds. */
    struct growth_split split = growth_split((int64_t)recorded->baseline_rss_kb, (int64_t)rows[0].anon_kb,
                                             (int64_t)last->rss_kb, (int64_t)last->anon_kb,
                                             (int64_t)last->ideal_rss_kb);
    int64_t anon_not_live = split.anon_not_live_kb;
    if (recorded->baseline_live_bytes)
        snprintf(live_text, sizeof live_text, "the live heap above %s's (%" PRIu64 " kB then), in whole pages,",
                 rows[0].label, results_kb(recorded->baseline_live_bytes));
    else
        snprintf(live_text, sizeof live_text, "the live heap in whole pages");
    ratio_text(ratio, sizeof ratio, last->rss_kb, last->trace_live_bytes);
    bool pymalloc = pymalloc_may_serve(&summary->info, command);
    if (split.live_unknown && allocation_count(summary) > 0) {
        fprintf(out, "  At %s: RSS/live %s; of the %" PRId64 " kB RSS above %s, %" PRId64 " kB is file-backed or "
                     "shared (code, files and shared memory mapped: not heap) and %" PRId64 " kB anonymous; %.*s, "
                     "%" PRId64 " kB, is more than RSS or its anonymous part grew: blocks never written "
                     "are not resident, or memory held at %s was given back since, so how much of the anonymous part "
                     "is live the trace cannot tell\n",
                last->label, ratio, split.growth_kb, rows[0].label, split.other_kb, split.live_kb + anon_not_live,
                (int)(strlen(live_text) - (live_text[strlen(live_text) - 1] == ',')), live_text,
                split.live_pages_kb, rows[0].label);
        print_pymalloc_note(out, pymalloc);
        print_verdict(out, path, trace_is_complete(&summary->info), last->label, &split, pymalloc, peak);
        return;
    }
    fprintf(out, "  At %s: RSS/live %s; of the %" PRId64 " kB RSS above %s, %s is %" PRId64 " kB, %" PRId64
                 " kB is file-backed or shared (code, files and shared memory mapped: not heap) and %" PRId64
                 " kB (%.0f%%) is anonymous and not live: ",
            last->label, ratio, split.growth_kb, rows[0].label, live_text, split.live_kb, split.other_kb,
            anon_not_live, 100.0 * (double)anon_not_live / (double)split.growth_kb);
    if (allocation_count(summary) == 0)
        fprintf(out, "the program made no allocation, so none of it is the allocator's\n");
    else if (anon_not_live == 0)
        fprintf(out, "nothing is held beyond the live heap's pages\n");
    else if (anon_not_live < TELLING_KB)
        fprintf(out, "under 1 MB, too little to call fragmentation (the libraries' own data and the allocator's "
                     "first arena are as much)\n");
    else
        fprintf(out, "memory freed and kept by the allocator, and its overhead, unless the program took memory "
                     "past malloc (its own mmap, thread stacks)\n");
    print_pymalloc_note(out, pymalloc);
    if (allocation_count(summary) > 0)
        print_verdict(out, path, trace_is_complete(&summary->info), last->label, &split, pymalloc, peak);
}

void recorded_print(FILE *out, const char *path, const struct recorded *recorded, const struct phase_sample *rows,
                    size_t row_count, char *const *command, bool timeline)
{
    const struct trace_summary *summary = &recorded->summary;
    const struct trace_info *info = &summary->info;
    char state[256], ratio[64];
    bool whole = trace_is_complete(info); /* #4, peak RSS / peak live, needs every call of the run */
    if (!out)
        return;
    trace_state_text(info, state, sizeof state);
    char file_size[32];
    trace_file_size_text(info->file_bytes, file_size, sizeof file_size);
    /* A .zst's size said is the trace's as read, before zstd compressed it, not the file's. */
    bool to_compress = trace_path_is_compressed(path);
    fprintf(out, "Recorded heap (%s: %" PRIu64 " events, %s%s", path, summary->events, file_size,
            to_compress ? " before compression" : "");
    if (summary->events && !info->cut_block) /* a cut block's bytes hold events never read */
        fprintf(out, ", %.1f bytes each", (double)info->file_bytes / (double)summary->events);
    fprintf(out, "; %s):\n", state);
    if (row_count > 0)
        fprintf(out, "  %-24s %10s %10s %10s %10s %10s\n", "row", "RSS kB", "live kB", "blocks", "ideal kB", "waste kB");
    else
        fprintf(out, "  No rows: the run ended before its first phase (the figures below are the trace's alone)\n");
    bool below_ideal = false;
    for (size_t i = 0; i < row_count; i++) {
        const struct phase_sample *row = &rows[i];
        below_ideal |= row->has_trace_live && row->rss_kb < row->ideal_rss_kb;
        if (!row->has_trace_live) {
            fprintf(out, "  %-24.24s %10" PRIu64 " %10s (past the calls the trace holds)\n", row->label, row->rss_kb,
                    "?");
            continue;
        }
        fprintf(out, "  %-24.24s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRId64 "\n", row->label,
                row->rss_kb, results_kb(row->trace_live_bytes), row->trace_blocks, row->ideal_rss_kb,
                (int64_t)row->rss_kb - (int64_t)row->ideal_rss_kb);
    }
    /* Two causes: blocks never written (a Python bytes(n)), or a first row taken with the heap built (a case's). */
    if (below_ideal)
        fprintf(out, "  (A waste below 0: RSS under the ideal, %s's RSS plus the live heap's change since in whole "
                     "pages: the live heap holds blocks never written, which are not resident, or %s's RSS held more "
                     "than its live blocks' pages (the allocator's headers, pages partly used by blocks freed since), "
                     "which the ideal keeps.)\n", rows[0].label, rows[0].label);
    if (row_count > 0 && row_count <= 2 && !timeline && info->chunks > 0) /* the runner's Start and Exit alone */
        fprintf(out, "  (The program marked no phases of its own: its rows are the runner's Start and Exit. RSS beside "
                     "the live heap through the run: --timeline=FILE, or ./run %s--replay=%s, with a row every 5%% of "
                     "its events.)\n",
                whole ? "" : "--replay-partial ", path);
    else if (row_count > 0 && row_count <= 2 && !timeline) /* and no event to replay */
        fprintf(out, "  (The program marked no phases of its own: its rows are the runner's Start and Exit. RSS through "
                     "the run: --timeline=FILE.)\n");
    if (recorded->live_at_peak_rss_known) {
        ratio_text(ratio, sizeof ratio, recorded->peak_rss_kb, recorded->live_at_peak_rss_bytes);
        fprintf(out, "  Peak RSS %" PRIu64 " kB, live there %" PRIu64 " kB: RSS/live %s (Johnstone & Wilson's #3)\n",
                recorded->peak_rss_kb, results_kb(recorded->live_at_peak_rss_bytes), ratio);
    } else if (recorded->peak_rss_kb) /* the peak came past the calls the trace holds (stopped, cut, timed out) */
        fprintf(out, "  Peak RSS %" PRIu64 " kB, past the calls the trace holds: the live heap there, and so #3, "
                     "unknown\n", recorded->peak_rss_kb);
    fprintf(out, "  Peak live %" PRIu64 " kB in %" PRIu64 " blocks, %.3f s after the start%s",
            results_kb(summary->peak_live_bytes), summary->peak_live_blocks,
            summary->peak_live_ns > info->start_ns ? (double)(summary->peak_live_ns - info->start_ns) / 1e9 : 0.0,
            whole ? "" : ", of the calls the trace holds");
    if (whole) {
        ratio_text(ratio, sizeof ratio, recorded->peak_rss_kb, summary->peak_live_bytes);
        fprintf(out, ": peak RSS/peak live %s (#4)", ratio);
        /* Below 1 the process held less than its live heap: a newcomer's sqlite3 (0.74) replayed 24 to 42% high. */
        if (recorded->peak_rss_kb * 1024 < summary->peak_live_bytes)
            fprintf(out, ", below 1: the program held blocks it had not written (not resident until written; a "
                         "replay writes every block, so its RSS will be higher), or RSS peaked between two samples "
                         "(--interval-ms)");
        fputc('\n', out);
    } else /* the run's peak RSS may be past the calls the trace holds, where its peak live is unknown */
        fprintf(out, " (the run's own peak live, and so #4, unknown)\n");
    /* A small heap: the process's code, libraries and stack are most of what #3 and #4 divide (ls: #4 was 38). */
    if (row_count && (recorded->live_at_peak_rss_known || whole) && recorded->peak_rss_kb &&
        recorded->baseline_rss_kb * 2 >= recorded->peak_rss_kb)
        fprintf(out, "  (#3 and #4 count all of the process's RSS, its code, libraries and stack with its heap: its "
                     "RSS at %s, %" PRIu64 " kB, is %" PRIu64 "%% of its peak, and they say little of a heap that "
                     "small.)\n",
                rows[0].label, recorded->baseline_rss_kb, recorded->baseline_rss_kb * 100 / recorded->peak_rss_kb);
    const struct phase_sample *last = row_count ? &rows[row_count - 1] : NULL;
    /* The growth at the peak of RSS, where its anonymous part and live heap are known. */
    struct growth_split peak_split;
    bool peak_told = row_count && recorded->live_at_peak_rss_known && recorded->peak_anon_kb &&
                     recorded->peak_rss_kb > recorded->baseline_rss_kb;
    if (peak_told)
        peak_split = growth_split((int64_t)recorded->baseline_rss_kb, (int64_t)rows[0].anon_kb,
                                  (int64_t)recorded->peak_rss_kb, (int64_t)recorded->peak_anon_kb,
                                  (int64_t)recorded_ideal_kb(recorded, recorded->live_at_peak_rss_bytes));
    /*
     * Whether it ended holding what it had: where it held the most (of the rows and outside samples), most of the
     * growth was live, and the live heap fell from its peak only in the run's last two fifths. Taken at the peak
     * of RSS, the answer flipped on a loaded machine: a sample in the teardown a few pages above the plateau, the
     * heap half freed there, was the peak.
     */
    struct growth_split held_split;
    bool held_told = row_count && recorded->most_held_known && recorded->most_held_rss_kb > recorded->baseline_rss_kb;
    if (held_told)
        held_split = growth_split((int64_t)recorded->baseline_rss_kb, (int64_t)rows[0].anon_kb,
                                  (int64_t)recorded->most_held_rss_kb, (int64_t)recorded->most_held_anon_kb,
                                  (int64_t)recorded_ideal_kb(recorded, recorded->most_held_live_bytes));
    uint64_t run_ns = summary->last_ns > info->start_ns ? summary->last_ns - info->start_ns : 0;
    bool ended_holding = held_told && mostly_live(&held_split) && summary->peak_live_ns > info->start_ns &&
                         (summary->last_ns - summary->peak_live_ns) * 5 < run_ns * 2 &&
                         !recorded->live_fell_before_most_held && fell_at_the_end(recorded, info->start_ns);
    /* Killed, say: its last row has no live heap. Answered where the trace last tells it: the state it was left in,
       where at the peak of RSS (a plateau's first sample, before or after its frees) the answer flipped run to run. */
    struct phase_sample last_told = {.rss_kb = recorded->last_known_rss_kb, .anon_kb = recorded->last_known_anon_kb,
                                     .trace_live_bytes = recorded->last_known_live_bytes, .has_trace_live = true,
                                     .ideal_rss_kb = recorded_ideal_kb(recorded, recorded->last_known_live_bytes)};
    if (recorded->last_known_row < row_count)
        snprintf(last_told.label, sizeof last_told.label, "%s", rows[recorded->last_known_row].label);
    else
        snprintf(last_told.label, sizeof last_told.label, "the last sample the trace covers (%.2f s after the start)",
                 recorded->last_known_ns > info->start_ns ? (double)(recorded->last_known_ns - info->start_ns) / 1e9
                                                          : 0.0);
    if (last && last->has_trace_live && last->rss_kb > recorded->baseline_rss_kb)
        print_growth(out, path, recorded, rows, last, command, ended_holding ? &held_split : NULL);
    else if (last && !last->has_trace_live && recorded->last_known &&
             recorded->last_known_rss_kb > recorded->baseline_rss_kb && allocation_count(summary) > 0)
        print_growth(out, path, recorded, rows, &last_told, command, ended_holding ? &held_split : NULL);
    else if (peak_told && allocation_count(summary) > 0) /* no sample inside the trace above the start's RSS */
        print_verdict(out, path, whole, "the peak of RSS", &peak_split, pymalloc_may_serve(info, command), NULL);
    if (summary->unknown_releases || summary->double_allocations)
        fprintf(out, "  Order errors: %" PRIu64 " releases of blocks not live, %" PRIu64 " allocations at live "
                     "addresses (the live heap is approximate)\n",
                summary->unknown_releases, summary->double_allocations);
    fprintf(out, "  After the last call, %.3f s after the start: live %" PRIu64 " kB in %" PRIu64 " blocks\n",
            summary->last_ns > info->start_ns ? (double)(summary->last_ns - info->start_ns) / 1e9 : 0.0,
            results_kb(summary->final_live_bytes), summary->final_live_blocks);
    print_calls(out, summary, trace_is_complete(info));
}
