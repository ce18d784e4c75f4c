/* The runner's command line: what getopt_long accepts, its defaults, and the usage text. */
#include "options.h"
#include "nearest.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_IDLE_MS = 256, OPT_THREADS, OPT_PROFILES, OPT_JOBS, OPT_SKIP_MISSING, OPT_PYTHON, OPT_INTERVAL, OPT_TIMELINE,
       OPT_TIMEOUT, OPT_DURATION, OPT_MEM_LIMIT, OPT_MAX_REPS, OPT_SPREAD, OPT_NO_OVERLAP, OPT_RECORD, OPT_RECORD_CAP, OPT_RECORD_CLOCK, OPT_REPLAY, OPT_REPLAY_TIME,
       OPT_REPLAY_PARTIAL, OPT_DRY_RUN };

static const struct option long_options[] = {
    {"alloc", required_argument, NULL, 'a'},
    {"reps", required_argument, NULL, 'r'},
    {"max-reps", required_argument, NULL, OPT_MAX_REPS},
    {"spread", required_argument, NULL, OPT_SPREAD},
    {"scale", required_argument, NULL, 's'},
    {"idle-ms", required_argument, NULL, OPT_IDLE_MS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"csv", required_argument, NULL, 'c'},
    {"profiles", required_argument, NULL, OPT_PROFILES},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"no-overlap", no_argument, NULL, OPT_NO_OVERLAP},
    {"quiet", no_argument, NULL, 'q'},
    {"skip-missing", no_argument, NULL, OPT_SKIP_MISSING},
    {"python", required_argument, NULL, OPT_PYTHON},
    {"interval-ms", required_argument, NULL, OPT_INTERVAL},
    {"timeline", required_argument, NULL, OPT_TIMELINE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"mem-limit", required_argument, NULL, OPT_MEM_LIMIT},
    {"record", required_argument, NULL, OPT_RECORD},
    {"record-cap", required_argument, NULL, OPT_RECORD_CAP},
    {"record-clock", required_argument, NULL, OPT_RECORD_CLOCK},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"replay-time", required_argument, NULL, OPT_REPLAY_TIME},
    {"replay-partial", no_argument, NULL, OPT_REPLAY_PARTIAL},
    {"list", optional_argument, NULL, 'l'},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void options_usage(FILE *out)
{
    fputs("usage: ./run [OPTIONS] [CASE...]\n"
          "       ./run [OPTIONS] -- COMMAND [ARGS...]\n"
          "Runs each CASE (default: all), or any dynamically linked COMMAND, under each allocator\n"
          "profile and reports the process's memory after every phase, in the talk's words and as CSV.\n"
          "\n"
          "  -a, --alloc=NAME[,NAME...]  allocator profiles, or 'all' (every installed one),\n"
          "                              or a path to a malloc library (default: glibc)\n"
          "  -r, --reps=N                runs of each case x profile (default: 1)\n"
          "      --max-reps=M            run one more rep of a case x profile while its reps so far differ\n"
          "                              by more than --spread, up to M (default: --reps; needs --reps >= 2)\n"
          "      --spread=PCT            reps differ when a phase's RSS (max - min) passes PCT % of their\n"
          "                              median and 1024 kB (default: 5, as the slides flag it; with\n"
          "                              --max-reps only)\n"
          "  -s, --scale=F               multiply each case's working set by F (default: 1,\n"
          "                              the talk's size, ~500 MB); 0 < F <= 1000\n"
          "      --idle-ms=N             sleep before the 'After idle' phase (default: 1000)\n"
          "      --threads=N             threads started by the threaded cases (threads, handoff), 1-1024\n"
          "                              (default: each case's own: 8 and 2); the others ignore it\n"
          "                              (--scale, --idle-ms, --threads: for cases, not a command or --replay)\n"
          "  -c, --csv=FILE              write one CSV row per phase to FILE ('-': stdout, with the talk's\n"
          "                              lines and a command's own output on stderr)\n"
          "      --profiles=FILE         read allocator profiles from FILE (default: profiles.txt)\n"
          "      --jobs=N                at most N runs working at the same time (default: 1); a run sleeping\n"
          "                              through its idle phase does not count, so others start beside it\n"
          "                              within 3/4 of the memory available (at most 64 runs at once)\n"
          "      --no-overlap            count idle runs too: at most --jobs runs at once, idle or not\n"
          "  -q, --quiet                 print no talk lines, progress or closing table (errors and warnings)\n"
          "      --skip-missing          skip a profile whose library is missing (one line), as 'all' does\n"
          "      --python=PATH           the interpreter of the Python cases (default: python3)\n"
          "      --interval-ms=N         sample the process from outside every N ms (default: 20), in\n"
          "                              external mode and for --timeline\n"
          "      --timeline=FILE         write every outside sample as CSV (case,alloc,rep,t_ms,rss_kb,...)\n"
          "      --timeout=SEC           kill a run still going after SEC seconds; status timeout (default: 300;\n"
          "                              0: none); recorded, its calls are written out first (0.5 s)\n"
          "      --duration=SEC          a command that does not end by itself (a service): after SEC seconds\n"
          "                              its last sample from outside is its Exit row and it is stopped; the\n"
          "                              run counts as clean (status ok; the default --timeout is raised to\n"
          "                              a minute past it)\n"
          "      --mem-limit=SIZE        kill a run whose RSS passes SIZE (512M, 2G); status oom (default: 75% of\n"
          "                              the memory available at start; 0: none)\n"
          "      --record=FILE           record every malloc-family call of the one run into FILE (a trace),\n"
          "                              and show the live heap beside RSS at every mark, the peaks and the\n"
          "                              fragmentation (one case or command, one profile, one rep); a FILE\n"
          "                              that holds something is moved to FILE.old (FILE.old.2, ...), never\n"
          "                              written over\n"
          "      --record-cap=SIZE       stop recording (the program runs on) when the trace reaches SIZE\n"
          "                              (default: 1G; each thread's last calls, 64 KiB at most, are written\n"
          "                              past it); the trace and the report say where it stopped\n"
          "      --record-clock=CLOCK    'coarse' (default): calls stamped to the kernel's tick (4 ms) while one\n"
          "                              thread allocates, to the ns from a second thread's first call on;\n"
          "                              'precise': to the ns throughout (about 17 ns more per call)\n"
          "      --replay=TRACE[,TRACE]  replay each recorded trace as a case: the same calls, sizes and threads\n"
          "                              under each profile, sampled at the recording's rows and every 5% of\n"
          "                              its events (instead of cases; see docs/replay.md)\n"
          "      --replay-time=MODE      'gaps' (default): sleep the recorded idle gaps over 10 ms (idle: the\n"
          "                              CPU time noted did not advance), so that timed purging happens as it\n"
          "                              did; 'fast': none; 'real': never run ahead of the recorded clock\n"
          "                              (as long as the program took)\n"
          "      --replay-partial        replay a trace that is not whole (its program was killed, its file\n"
          "                              cut short, its recording stopped at --record-cap): the calls it holds;\n"
          "                              without it such a trace is refused (exit 2)\n"
          "  -l, --list[=cases|profiles] list cases and profiles, each installed or missing; with a\n"
          "                              value, only the names (of installed profiles), one a line\n"
          "      --dry-run               check everything a run needs (names, libraries, numbers, traces,\n"
          "                              files) and say what would run; run nothing, write no file\n"
          "  -h, --help                  show this help\n"
          "  -V, --version               show the version\n"
          "\n"
          "The manual: docs/README.md (options: docs/options.md; CSV columns: docs/results.md).\n"
          "\n"
          "Exit status: 0 all runs clean; 1 a run failed (its rows are kept with its status);\n"
          "2 bad input, or an allocator that is missing or not the one serving malloc; 130 and 143\n"
          "stopped by SIGINT (Ctrl-C) and SIGTERM (the finished runs' rows are kept; --record's program\n"
          "is stopped as at --duration, and its run kept and reported, with 1 or 2 if it failed or its\n"
          "trace cannot be read: a second signal drops it).\n"
          "Examples:\n"
          "  ./run frag\n"
          "  ./run --alloc=jemalloc,jemalloc-decay0 --reps=3 frag\n"
          "  ./run --alloc=all --scale=0.2 --csv=mine.csv frag lists extend\n"
          "  ./run --alloc=glibc,jemalloc --timeline=t.csv -- python3 my_service.py\n"
          "  ./run --record=jq.trace -- jq -c 'map(.id)' big.json\n",
          out);
}

static int parse_unsigned(const char *text, unsigned long max, unsigned *out)
{
    char *end;
    unsigned long value;
    if (*text < '0' || *text > '9')
        return -1;
    errno = 0;
    value = strtoul(text, &end, 10);
    if (errno || *end || value > max)
        return -1;
    *out = (unsigned)value;
    return 0;
}

/* "512M", "2G", "1500K", "0": a size in kB, at most 1 PiB (2^40 kB: its bytes fit 64 bits). A bare number other
   than 0 is refused: --mem-limit=10 read as bytes killed every run at once, and as MB it would be a guess. */
static int parse_size_kb(const char *text, long long *out)
{
    char *end;
    unsigned long long value;
    if (*text < '0' || *text > '9')
        return -1;
    errno = 0;
    value = strtoull(text, &end, 10);
    if (errno || value > (1ull << 40))
        return -1;
    switch (*end) {
    case '\0':
        if (value != 0)
            return -1;
        break;
    case 'k': case 'K': break;
    case 'm': case 'M': value *= 1024; break;
    case 'g': case 'G': value *= 1024 * 1024; break;
    default: return -1;
    }
    if (*end && end[1] != '\0' && !(end[1] == 'B' && end[2] == '\0') && !(end[1] == 'i' && end[2] == 'B' && !end[3]))
        return -1;
    if (value > (1ull << 40)) /* 2^40 G, say, as --record-cap's bytes, would wrap to 0: no cap */
        return -1;
    *out = (long long)value;
    return 0;
}

/*
 * Checks a --scale value: a decimal number above 0 and at most 1000, as every case accepts it (C's strtod also
 * takes hex, leading spaces and "inf", which Python's float() refuses or the CSV would carry as given).
 */
static int check_scale(const char *text)
{
    char *end;
    double value;
    if (strlen(text) > 32 || strspn(text, "0123456789.eE+-") != strlen(text) || !strchr("0123456789.", text[0]))
        return -1;
    errno = 0;
    value = strtod(text, &end);
    return errno || end == text || *end || !isfinite(value) || value <= 0 || value > 1000 ? -1 : 0;
}

static const char *long_option_name_at(const void *unused, size_t i)
{
    (void)unused;
    return long_options[i].name;
}

/*
 * The long option a name given on the command line stands for, as getopt_long reads it: the one so named, else
 * the one it abbreviates; NULL if it names none or abbreviates several (*matches says how many it begins).
 */
static const struct option *long_option_named(const char *name, size_t length, size_t *matches)
{
    const struct option *found = NULL;
    *matches = 0;
    for (size_t i = 0; long_options[i].name; i++) {
        if (strncmp(long_options[i].name, name, length) != 0)
            continue;
        if (long_options[i].name[length] == '\0') {
            *matches = 1;
            return &long_options[i];
        }
        found = ++*matches == 1 ? &long_options[i] : NULL;
    }
    return found;
}

/* Lists the long options a name abbreviates: "ambiguous option '--rep=2' (could be --reps, --replay, ...)". */
static void ambiguous_long_option(const char *argument, const char *name, size_t length, char *error,
                                  size_t error_size)
{
    size_t listed = 0;
    size_t used = (size_t)snprintf(error, error_size, "ambiguous option '%s' (could be", argument);
    for (size_t i = 0; long_options[i].name && used < error_size; i++)
        if (strncmp(long_options[i].name, name, length) == 0)
            used += (size_t)snprintf(error + used, error_size - used, "%s --%s", listed++ ? "," : "",
                                     long_options[i].name);
    if (used < error_size)
        snprintf(error + used, error_size - used, "; see --help)");
}

/*
 * Says why getopt_long refused a long option: a value given to one that takes none ("--quiet=3", "--qui=3"), a
 * name that abbreviates several ("--rep=2"), or a name it does not know, with the known name nearest to it
 * ("--replay-tme=fast" names --replay-time).
 */
static void unknown_long_option(const char *argument, char *error, size_t error_size)
{
    char name[64];
    const char *start = argument + 2;
    size_t length = strcspn(start, "="), matches;
    const char *near = NULL;
    if (length > 0 && length < sizeof name) {
        memcpy(name, start, length);
        name[length] = '\0';
        const struct option *named = long_option_named(name, length, &matches);
        if (named && named->has_arg == no_argument && start[length] == '=') {
            snprintf(error, error_size, "--%s takes no value (see --help)", named->name);
            return;
        }
        if (matches > 1) {
            ambiguous_long_option(argument, name, length, error, error_size);
            return;
        }
        near = nearest_name(name, sizeof long_options / sizeof long_options[0] - 1, long_option_name_at, NULL);
    }
    if (near)
        snprintf(error, error_size, "unknown option '%s' (did you mean --%s? see --help)", argument, near);
    else
        snprintf(error, error_size, "unknown option '%s' (see --help)", argument);
}

/* Says which short option getopt_long does not know ("-j" of "-j2"), with the one long option of that letter. */
static void unknown_short_option(int letter, char *error, size_t error_size)
{
    const struct option *only = NULL;
    size_t count = 0;
    for (const struct option *option = long_options; option->name; option++)
        if (option->name[0] == letter) {
            only = option;
            count++;
        }
    if (count == 1)
        snprintf(error, error_size, "unknown option '-%c' (did you mean --%s? see --help)", letter, only->name);
    else
        snprintf(error, error_size, "unknown option '-%c' (see --help)", letter);
}

/*
 * An option that takes a value, given twice (--alloc=glibc --alloc=jemalloc, or -r 2 --reps=3): one of the values
 * would be dropped unseen, so it is refused, naming both. given[] holds the value each option had so far.
 */
static bool given_twice(int opt, const char **given, char *error, size_t error_size)
{
    for (size_t i = 0; long_options[i].name; i++) {
        if (long_options[i].val != opt || long_options[i].has_arg != required_argument)
            continue;
        if (given[i]) {
            const char *name = long_options[i].name;
            if (opt == 'a' || opt == OPT_REPLAY) /* options that take several, comma-separated */
                snprintf(error, error_size, "--%s is given twice ('%s' and '%s'): give it once (several: --%s=%s,%s)",
                         name, given[i], optarg, name, given[i], optarg);
            else
                snprintf(error, error_size, "--%s is given twice ('%s' and '%s'): give it once", name, given[i], optarg);
            return true;
        }
        given[i] = optarg;
        return false;
    }
    return false;
}

/* Whether a comma-separated list has an empty item: a comma first, last, or beside another. */
static bool has_an_empty_item(const char *list)
{
    return *list == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,");
}

int options_parse(int argc, char **argv, struct options *out, char *error, size_t error_size)
{
    int opt;
    const char *for_record = NULL, *for_replay = NULL; /* an option given that applies to --record or --replay only */
    bool spread_given = false;
    const char *for_cases = NULL; /* one given that applies to fragbench's cases only (not a command, not a replay) */
    bool timeout_given = false;   /* --duration raises the default timeout, never one given */
    *out = (struct options){.alloc = "glibc", .reps = 1, .scale_text = "1", .idle_ms = 1000, .jobs = 1,
                            .spread_pct = 5,
                            .python = "python3", .replay_time = "gaps", .interval_ms = 20, .timeout_s = 300,
                            .mem_limit_kb = -1, .record_cap_kb = 1024 * 1024};
    /* The words after the first "--" (the command): getopt moves any words it skipped before it among them. */
    int command_words = -1;
    for (int i = 1; i < argc && command_words < 0; i++)
        if (strcmp(argv[i], "--") == 0)
            command_words = argc - i - 1;
    optind = 0; /* glibc: start afresh, so that the parser can be called more than once */
    opterr = 0;
    const char *given[sizeof long_options / sizeof long_options[0]] = {NULL}; /* each valued option's value */
    int was_at = optind ? optind : 1; /* (optind 0: getopt starts again, at argv[1]) */
    while ((opt = getopt_long(argc, argv, ":a:r:s:c:l::qhV", long_options, NULL)) != -1) {
        /* The argument just read: getopt_long stays at a cluster of short options ("-j2") until it is through. */
        const char *argument = optind == was_at && optind < argc ? argv[optind] : argv[optind - 1];
        was_at = optind;
        if (given_twice(opt, given, error, error_size))
            return -1;
        switch (opt) {
        case 'a':
            if (*optarg == '\0') {
                snprintf(error, error_size, "--alloc: needs a profile name");
                return -1;
            }
            if (has_an_empty_item(optarg)) {
                snprintf(error, error_size, "--alloc: an empty name in '%s' (one comma between names)", optarg);
                return -1;
            }
            out->alloc = optarg;
            out->alloc_given = true;
            break;
        case 'r':
            if (parse_unsigned(optarg, 1000, &out->reps) || out->reps == 0) {
                snprintf(error, error_size, "--reps: '%s' is not a whole number from 1 to 1000", optarg);
                return -1;
            }
            break;
        case OPT_MAX_REPS:
            if (parse_unsigned(optarg, 1000, &out->max_reps) || out->max_reps == 0) {
                snprintf(error, error_size, "--max-reps: '%s' is not a whole number from 1 to 1000", optarg);
                return -1;
            }
            break;
        case OPT_SPREAD:
            if (parse_unsigned(optarg, 1000, &out->spread_pct)) {
                snprintf(error, error_size, "--spread: '%s' is not a whole number of percent (0 to 1000)", optarg);
                return -1;
            }
            spread_given = true;
            break;
        case 's':
            if (check_scale(optarg)) {
                snprintf(error, error_size, "--scale: '%s' is not a number above 0 and at most 1000", optarg);
                return -1;
            }
            out->scale_text = optarg;
            for_cases = "--scale";
            break;
        case OPT_IDLE_MS:
            if (parse_unsigned(optarg, 86400000, &out->idle_ms)) {
                snprintf(error, error_size, "--idle-ms: '%s' is not a whole number of milliseconds (0 to 86400000)", optarg);
                return -1;
            }
            for_cases = "--idle-ms";
            break;
        case 'c':
            if (*optarg == '\0') {
                snprintf(error, error_size, "--csv: needs a file name (or - for stdout)");
                return -1;
            }
            out->csv_path = optarg;
            break;
        case OPT_THREADS:
            if (parse_unsigned(optarg, 1024, &out->threads) || out->threads == 0) {
                snprintf(error, error_size, "--threads: '%s' is not a whole number from 1 to 1024", optarg);
                return -1;
            }
            for_cases = "--threads";
            break;
        case OPT_PROFILES:
            out->profiles_path = optarg;
            break;
        case 'l':
            out->list = optarg ? optarg : "all";
            if (strcmp(out->list, "all") && strcmp(out->list, "cases") && strcmp(out->list, "profiles")) {
                snprintf(error, error_size, "--list: '%s' is not 'cases' or 'profiles'", optarg);
                return -1;
            }
            break;
        case OPT_JOBS:
            if (parse_unsigned(optarg, 64, &out->jobs) || out->jobs == 0) {
                snprintf(error, error_size, "--jobs: '%s' is not a whole number from 1 to 64", optarg);
                return -1;
            }
            break;
        case 'q':
            out->quiet = true;
            break;
        case OPT_DRY_RUN:
            out->dry_run = true;
            break;
        case OPT_NO_OVERLAP:
            out->no_overlap = true;
            break;
        case OPT_SKIP_MISSING:
            out->skip_missing = true;
            break;
        case OPT_PYTHON:
            out->python = optarg;
            break;
        case OPT_INTERVAL:
            if (parse_unsigned(optarg, 60000, &out->interval_ms) || out->interval_ms == 0) {
                snprintf(error, error_size, "--interval-ms: '%s' is not a whole number from 1 to 60000", optarg);
                return -1;
            }
            break;
        case OPT_TIMELINE:
            if (*optarg == '\0') {
                snprintf(error, error_size, "--timeline: needs a file name");
                return -1;
            }
            if (strcmp(optarg, "-") == 0) { /* --csv's '-' is standard output: this one would have been a file '-' */
                snprintf(error, error_size, "--timeline: '-' is not standard output here (--csv=- is): give a file name");
                return -1;
            }
            out->timeline_path = optarg;
            break;
        case OPT_TIMEOUT:
            timeout_given = true;
            if (parse_unsigned(optarg, 86400, &out->timeout_s)) {
                snprintf(error, error_size, "--timeout: '%s' is not a whole number of seconds (0 to 86400; 0: none)",
                         optarg);
                return -1;
            }
            break;
        case OPT_DURATION:
            if (parse_unsigned(optarg, 86400, &out->duration_s) || out->duration_s == 0) {
                snprintf(error, error_size, "--duration: '%s' is not a whole number of seconds (1 to 86400)", optarg);
                return -1;
            }
            break;
        case OPT_MEM_LIMIT:
            if (parse_size_kb(optarg, &out->mem_limit_kb)) {
                snprintf(error, error_size,
                         "--mem-limit: '%s' is not a size with its unit like 512M, 2G or 0 (none), at most 1 PiB", optarg);
                return -1;
            }
            break;
        case OPT_RECORD:
            if (*optarg == '\0') {
                snprintf(error, error_size, "--record: needs a file name");
                return -1;
            }
            out->record_path = optarg;
            break;
        case OPT_RECORD_CAP:
            for_record = "--record-cap";
            if (parse_size_kb(optarg, &out->record_cap_kb) || out->record_cap_kb < 1024) {
                snprintf(error, error_size,
                         "--record-cap: '%s' is not a size with its unit like 64M or 2G (at least 1M, at most 1 PiB)",
                         optarg);
                return -1;
            }
            break;
        case OPT_REPLAY:
            if (*optarg == '\0') {
                snprintf(error, error_size, "--replay: needs a trace file");
                return -1;
            }
            if (has_an_empty_item(optarg)) {
                snprintf(error, error_size, "--replay: an empty name in '%s' (one comma between traces)", optarg);
                return -1;
            }
            out->replay = optarg;
            break;
        case OPT_REPLAY_TIME:
            for_replay = "--replay-time";
            if (strcmp(optarg, "gaps") != 0 && strcmp(optarg, "fast") != 0 && strcmp(optarg, "real") != 0) {
                snprintf(error, error_size, "--replay-time: '%s' is not 'gaps', 'fast' or 'real'", optarg);
                return -1;
            }
            out->replay_time = optarg;
            break;
        case OPT_REPLAY_PARTIAL:
            for_replay = "--replay-partial";
            out->replay_partial = true;
            break;
        case OPT_RECORD_CLOCK:
            for_record = "--record-clock";
            if (strcmp(optarg, "coarse") != 0 && strcmp(optarg, "precise") != 0) {
                snprintf(error, error_size, "--record-clock: '%s' is not 'coarse' or 'precise'", optarg);
                return -1;
            }
            out->record_precise_clock = strcmp(optarg, "precise") == 0;
            break;
        case 'h':
            out->help = true;
            break;
        case 'V':
            out->version = true;
            break;
        case ':':
            snprintf(error, error_size, "%s: needs a value", argument);
            return -1;
        default:
            if (strncmp(argument, "--", 2) == 0)
                unknown_long_option(argument, error, error_size);
            else
                unknown_short_option(optopt, error, error_size);
            return -1;
        }
    }
    if (out->max_reps == 0)
        out->max_reps = out->reps;
    if (out->max_reps < out->reps) {
        snprintf(error, error_size, "--max-reps: %u is fewer than --reps (%u)", out->max_reps, out->reps);
        return -1;
    }
    if (out->max_reps > out->reps && out->reps < 2) {
        snprintf(error, error_size, "--max-reps: needs --reps of at least 2 (reps differ only where there are two)");
        return -1;
    }
    if (spread_given && out->max_reps == out->reps) {
        snprintf(error, error_size, "--spread applies with --max-reps only: it says when reps differ enough for "
                 "another (give --max-reps=M above --reps)");
        return -1;
    }
    if (for_record && !out->record_path) {
        snprintf(error, error_size, "%s applies to --record only: give --record=FILE with it", for_record);
        return -1;
    }
    if (for_replay && !out->replay) {
        snprintf(error, error_size, "%s applies to --replay only: give --replay=TRACE with it", for_replay);
        return -1;
    }
    out->external = optind > 0 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;
    out->case_names = argv + optind;
    out->case_count = (size_t)(argc - optind);
    if (out->external && out->case_count == 0) {
        snprintf(error, error_size, "--: needs a command to run");
        return -1;
    }
    if (out->external && command_words >= 0 && out->case_count != (size_t)command_words) {
        snprintf(error, error_size, "'%s' before --: give case names or a command after --, not both",
                 out->case_names[0]);
        return -1;
    }
    if (out->list && out->case_count > 0) {
        snprintf(error, error_size, "--list lists every case and profile: give no %s with it ('%s')",
                 out->external ? "command" : "case name", out->case_names[0]);
        return -1;
    }
    if (out->duration_s && !out->external) {
        snprintf(error, error_size, "--duration applies to a command only (after --): cases and replays end by themselves");
        return -1;
    }
    /* A --duration past the default timeout raises it (a minute more), unless a --timeout was given. */
    if (out->duration_s && !timeout_given && out->timeout_s && out->duration_s + 60 > out->timeout_s)
        out->timeout_s = out->duration_s + 60;
    if (out->duration_s && out->timeout_s && out->duration_s + 3 > out->timeout_s) {
        snprintf(error, error_size,
                 "--duration: %u s leaves no room before --timeout (%u s): the stop takes up to 3 s, so --timeout must be "
                 "at least --duration + 3 (%u)", out->duration_s, out->timeout_s, out->duration_s + 3);
        return -1;
    }
    if (for_cases && (out->external || out->replay)) {
        snprintf(error, error_size, "%s applies to fragbench's cases only: %s does not take it", for_cases,
                 out->external ? "a command" : "a replay");
        return -1;
    }
    return 0;
}
