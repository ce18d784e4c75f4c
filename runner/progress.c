/* Progress of a matrix on stderr: a live line on a terminal, one plain line per finished run otherwise. */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double progress_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void progress_init(struct progress *progress, unsigned total, FILE *out, bool quiet)
{
    memset(progress, 0, sizeof *progress);
    progress->out = out;
    progress->enabled = !quiet;
    progress->live = !quiet && isatty(fileno(out));
    progress->total = total;
    progress->started = progress_now();
    /* make compare runs the runner once per stage: each run's ETA is its stage's, and says so (a speaker read
       "ETA 0:00" with five minutes of later stages to come). */
    const char *stage = getenv("FRAGBENCH_STAGE");
    if (stage && strlen(stage) < sizeof progress->stage)
        snprintf(progress->stage, sizeof progress->stage, "%s", stage);
}

/* "m:ss" */
static void clock_text(double seconds, char *out, size_t size)
{
    unsigned whole = seconds > 0 ? (unsigned)(seconds + 0.5) : 0;
    snprintf(out, size, "%u:%02u", whole / 60, whole % 60);
}

/* "elapsed 0:32 · ETA 1:40" (no ETA before the first run has finished) */
static void timing_text(const struct progress *progress, char *out, size_t size)
{
    double elapsed = progress_now() - progress->started;
    char elapsed_text[16], eta_text[16] = "?";
    clock_text(elapsed, elapsed_text, sizeof elapsed_text);
    if (progress->done > 0)
        clock_text(elapsed / progress->done * (progress->total - progress->done), eta_text, sizeof eta_text);
    if (*progress->stage)
        snprintf(out, size, "elapsed %s · ETA %s (of stage %s)", elapsed_text, eta_text, progress->stage);
    else
        snprintf(out, size, "elapsed %s · ETA %s", elapsed_text, eta_text);
}

void progress_started(struct progress *progress, const char *what)
{
    snprintf(progress->current, sizeof progress->current, "%s", what);
    progress->running++;
    progress_draw(progress);
}

void progress_finished(struct progress *progress, const char *what, const char *status, double seconds)
{
    char timing[128];
    progress->done++;
    progress->running -= progress->running > 0;
    if (!progress->enabled)
        return;
    if (progress->live) {
        progress_draw(progress);
        return;
    }
    timing_text(progress, timing, sizeof timing);
    fprintf(progress->out, "fragbench: [%u/%u] %s: %s in %.1f s · %s\n", progress->done, progress->total, what,
            status, seconds, timing);
    fflush(progress->out);
}

void progress_draw(struct progress *progress)
{
    char timing[128], others[32] = "", line[sizeof progress->shown];
    if (!progress->live)
        return;
    timing_text(progress, timing, sizeof timing);
    if (progress->running > 1)
        snprintf(others, sizeof others, " (+%u running)", progress->running - 1);
    snprintf(line, sizeof line, "[%u/%u] %s%s · %s", progress->done, progress->total, progress->current, others,
             timing);
    if (progress->drawn && strcmp(line, progress->shown) == 0)
        return; /* the same text: the elapsed clock moves on by whole seconds */
    fprintf(progress->out, "\r%s\033[K", line);
    fflush(progress->out);
    snprintf(progress->shown, sizeof progress->shown, "%s", line);
    progress->drawn = true;
}

void progress_clear(struct progress *progress)
{
    if (!progress->live || !progress->drawn)
        return;
    fputs("\r\033[K", progress->out);
    fflush(progress->out);
    progress->drawn = false;
}
