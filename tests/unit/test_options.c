/* Unit tests of the runner's command-line parser: defaults, every option, and the error messages. */
#include "check.h"
#include "options.h"

static int parse(struct options *o, char *error, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return options_parse(argc, argv, o, error, 256);
}

static void defaults_are_the_talks(void)
{
    struct options o;
    char error[256];
    char *argv[] = {"run", NULL};
    CHECK(parse(&o, error, argv) == 0);
    CHECK_STR(o.alloc, "glibc");
    CHECK(o.reps == 1 && o.idle_ms == 1000 && !o.csv_path && o.case_count == 0);
    CHECK(o.jobs == 1 && !o.quiet && !o.list);
    CHECK(o.max_reps == 1 && o.spread_pct == 5 && !o.no_overlap); /* no extra reps unless asked; runs beside idle ones */
    CHECK_STR(o.scale_text, "1");
}

static void extra_reps_are_checked_against_reps(void)
{
    struct options o;
    char error[256];
    char *adaptive[] = {"run", "--reps=2", "--max-reps=3", "--spread=10", "--no-overlap", NULL};
    char *fewer[] = {"run", "--reps=3", "--max-reps=2", NULL};
    char *one[] = {"run", "--max-reps=3", NULL};
    char *bad_spread[] = {"run", "--spread=-1", NULL};
    CHECK(parse(&o, error, adaptive) == 0 && o.reps == 2 && o.max_reps == 3 && o.spread_pct == 10 && o.no_overlap);
    CHECK(parse(&o, error, fewer) == -1 && strstr(error, "--max-reps: 2 is fewer than --reps (3)"));
    CHECK(parse(&o, error, one) == -1 && strstr(error, "needs --reps of at least 2"));
    CHECK(parse(&o, error, bad_spread) == -1 && strstr(error, "--spread: '-1'"));
    char *spread_alone[] = {"run", "--reps=2", "--spread=0", NULL}; /* no extra rep for it to decide */
    char *spread_max_equal[] = {"run", "--reps=2", "--max-reps=2", "--spread=0", NULL};
    CHECK(parse(&o, error, spread_alone) == -1 && strstr(error, "--spread applies with --max-reps only"));
    CHECK(parse(&o, error, spread_max_equal) == -1 && strstr(error, "--spread applies with --max-reps only"));
}

/* --duration: a command's only; past the default timeout it raises it a minute past, never a timeout given. */
static void duration_raises_the_default_timeout_only(void)
{
    struct options o;
    char error[256];
    char *long_service[] = {"run", "--duration=400", "--", "svc", NULL};
    char *short_service[] = {"run", "--duration=10", "--", "svc", NULL};
    char *told[] = {"run", "--timeout=300", "--duration=400", "--", "svc", NULL};
    char *no_room[] = {"run", "--timeout=12", "--duration=10", "--", "svc", NULL};
    char *no_timeout[] = {"run", "--timeout=0", "--duration=400", "--", "svc", NULL};
    char *a_case[] = {"run", "--duration=10", "frag", NULL};
    CHECK(parse(&o, error, long_service) == 0 && o.duration_s == 400 && o.timeout_s == 460);
    CHECK(parse(&o, error, short_service) == 0 && o.duration_s == 10 && o.timeout_s == 300);
    CHECK(parse(&o, error, told) == -1 &&
          strstr(error, "--duration: 400 s leaves no room before --timeout (300 s): the stop takes up to 3 s, so "
                        "--timeout must be at least --duration + 3 (403)"));
    CHECK(parse(&o, error, no_room) == -1 && strstr(error, "--duration: 10 s leaves no room before --timeout (12 s)"));
    CHECK(parse(&o, error, no_timeout) == 0 && o.timeout_s == 0);
    CHECK(parse(&o, error, a_case) == -1 && strstr(error, "--duration applies to a command only"));
}

static void replay_time_is_one_of_three(void)
{
    struct options o;
    char error[256];
    char *none[] = {"run", NULL};
    char *real[] = {"run", "--replay=t.trace", "--replay-time=real", NULL};
    char *fast[] = {"run", "--replay-time=fast", "--replay=t.trace", NULL};
    char *bad[] = {"run", "--replay=t.trace", "--replay-time=slow", NULL};
    char *alone[] = {"run", "--replay-time=fast", "frag", NULL};
    char *clock[] = {"run", "--record-clock=precise", "frag", NULL};
    char *cap[] = {"run", "--record-cap=2M", "--", "true", NULL};
    CHECK(parse(&o, error, none) == 0);
    CHECK_STR(o.replay_time, "gaps");
    CHECK(parse(&o, error, real) == 0);
    CHECK_STR(o.replay_time, "real");
    CHECK(parse(&o, error, fast) == 0);
    CHECK_STR(o.replay_time, "fast");
    CHECK(parse(&o, error, bad) == -1);
    CHECK_STR(error, "--replay-time: 'slow' is not 'gaps', 'fast' or 'real'");
    /* An option of --replay or --record alone is not silently ignored. */
    CHECK(parse(&o, error, alone) == -1);
    CHECK_STR(error, "--replay-time applies to --replay only: give --replay=TRACE with it");
    CHECK(parse(&o, error, clock) == -1);
    CHECK_STR(error, "--record-clock applies to --record only: give --record=FILE with it");
    CHECK(parse(&o, error, cap) == -1);
    CHECK_STR(error, "--record-cap applies to --record only: give --record=FILE with it");
    /* A trace that is not whole is refused unless --replay-partial says to replay what it holds. */
    char *partial[] = {"run", "--replay-partial", "--replay=t.trace", NULL};
    char *partial_alone[] = {"run", "--replay-partial", "frag", NULL};
    CHECK(parse(&o, error, real) == 0 && !o.replay_partial);
    CHECK(parse(&o, error, partial) == 0 && o.replay_partial);
    CHECK(parse(&o, error, partial_alone) == -1);
    CHECK_STR(error, "--replay-partial applies to --replay only: give --replay=TRACE with it");
}

/* The cases' settings given to a command or a replay are refused, not silently ignored (and written in its rows). */
static void case_settings_are_for_cases_only(void)
{
    struct options o;
    char error[256];
    char *cases[] = {"run", "--scale=0.5", "--idle-ms=0", "--threads=2", "frag", "threads", NULL};
    char *command[] = {"run", "--scale=0.5", "--", "true", NULL};
    char *replay[] = {"run", "--replay=t.trace", "--idle-ms=0", NULL};
    char *threads[] = {"run", "--threads=4", "--", "true", NULL};
    CHECK(parse(&o, error, cases) == 0);
    CHECK(parse(&o, error, command) == -1);
    CHECK_STR(error, "--scale applies to fragbench's cases only: a command does not take it");
    CHECK(parse(&o, error, replay) == -1);
    CHECK_STR(error, "--idle-ms applies to fragbench's cases only: a replay does not take it");
    CHECK(parse(&o, error, threads) == -1);
    CHECK_STR(error, "--threads applies to fragbench's cases only: a command does not take it");
}

/* --list lists everything: a case name or command given with it would be silently ignored, so it is refused. */
static void list_takes_no_case_names_and_dry_run_is_a_flag(void)
{
    struct options o;
    char error[256];
    char *named[] = {"run", "--list", "frag", NULL};
    char *command[] = {"run", "--list=profiles", "--", "true", NULL};
    char *dry[] = {"run", "--dry-run", "frag", NULL};
    CHECK(parse(&o, error, named) == -1);
    CHECK_STR(error, "--list lists every case and profile: give no case name with it ('frag')");
    CHECK(parse(&o, error, command) == -1);
    CHECK_STR(error, "--list lists every case and profile: give no command with it ('true')");
    CHECK(parse(&o, error, dry) == 0);
    CHECK(o.dry_run && o.case_count == 1);
}

static void an_unknown_option_names_the_nearest(void)
{
    struct options o;
    char error[256];
    char *typo[] = {"run", "--replay=t.trace", "--replay-tme=fast", NULL};
    char *flag[] = {"run", "--quite", "frag", NULL};
    char *far[] = {"run", "--colour-scheme=dark", "frag", NULL};
    char *shorthand[] = {"run", "-x", "frag", NULL};
    char *valued_flag[] = {"run", "--quiet=3", "frag", NULL};
    char *valued_abbreviation[] = {"run", "--qui=3", "frag", NULL};
    CHECK(parse(&o, error, typo) == -1);
    CHECK_STR(error, "unknown option '--replay-tme=fast' (did you mean --replay-time? see --help)");
    CHECK(parse(&o, error, flag) == -1);
    CHECK_STR(error, "unknown option '--quite' (did you mean --quiet? see --help)");
    CHECK(parse(&o, error, far) == -1);
    CHECK_STR(error, "unknown option '--colour-scheme=dark' (see --help)");
    CHECK(parse(&o, error, shorthand) == -1);
    CHECK_STR(error, "unknown option '-x' (see --help)");
    CHECK(parse(&o, error, valued_flag) == -1);
    CHECK_STR(error, "--quiet takes no value (see --help)");
    CHECK(parse(&o, error, valued_abbreviation) == -1);
    CHECK_STR(error, "--quiet takes no value (see --help)");
}

/*
 * An unknown short option with its value attached ("-j2"), after another option: named as itself, with the one
 * long option of its letter (the message named the option before it: "unknown option '--alloc=jemalloc' (did
 * you mean --alloc?)"); in a cluster ("-qz"), the letter getopt did not know.
 */
static void an_unknown_short_option_is_named_not_the_one_before_it(void)
{
    struct options o;
    char error[256];
    char *attached[] = {"run", "--alloc=jemalloc", "-j2", "frag", NULL};
    char *after_flag[] = {"run", "--dry-run", "-j2", "frag", NULL};
    char *cluster[] = {"run", "--quiet", "-qz", "frag", NULL};
    CHECK(parse(&o, error, attached) == -1);
    CHECK_STR(error, "unknown option '-j' (did you mean --jobs? see --help)");
    CHECK(parse(&o, error, after_flag) == -1);
    CHECK_STR(error, "unknown option '-j' (did you mean --jobs? see --help)");
    CHECK(parse(&o, error, cluster) == -1);
    CHECK_STR(error, "unknown option '-z' (see --help)");
}

static void an_option_given_twice_is_refused_naming_both_values(void)
{
    struct options o;
    char error[256];
    char *allocs[] = {"run", "--alloc=glibc", "-a", "jemalloc", "frag", NULL};
    char *reps[] = {"run", "-r", "2", "--reps=3", "frag", NULL};
    char *csv[] = {"run", "--csv=/tmp/a.csv", "--csv=/tmp/b.csv", "frag", NULL};
    char *flags[] = {"run", "-q", "--quiet", "--skip-missing", "--skip-missing", "frag", NULL};
    CHECK(parse(&o, error, allocs) == -1);
    CHECK_STR(error, "--alloc is given twice ('glibc' and 'jemalloc'): give it once (several: --alloc=glibc,jemalloc)");
    CHECK(parse(&o, error, reps) == -1);
    CHECK_STR(error, "--reps is given twice ('2' and '3'): give it once");
    CHECK(parse(&o, error, csv) == -1);
    CHECK_STR(error, "--csv is given twice ('/tmp/a.csv' and '/tmp/b.csv'): give it once");
    CHECK(parse(&o, error, flags) == 0); /* a flag twice drops nothing */
    CHECK(o.quiet && o.skip_missing);
}

static void a_list_with_an_empty_name_is_refused(void)
{
    struct options o;
    char error[256];
    char *middle[] = {"run", "--alloc=glibc,,jemalloc", "frag", NULL};
    char *last[] = {"run", "--alloc=glibc,", "frag", NULL};
    char *first[] = {"run", "--replay=,a.trace", NULL};
    char *alone[] = {"run", "--replay=,", NULL};
    char *fine[] = {"run", "--alloc=glibc,jemalloc", "frag", NULL};
    CHECK(parse(&o, error, middle) == -1);
    CHECK_STR(error, "--alloc: an empty name in 'glibc,,jemalloc' (one comma between names)");
    CHECK(parse(&o, error, last) == -1);
    CHECK_STR(error, "--alloc: an empty name in 'glibc,' (one comma between names)");
    CHECK(parse(&o, error, first) == -1);
    CHECK_STR(error, "--replay: an empty name in ',a.trace' (one comma between traces)");
    CHECK(parse(&o, error, alone) == -1);
    CHECK_STR(error, "--replay: an empty name in ',' (one comma between traces)");
    CHECK(parse(&o, error, fine) == 0);
}

static void an_abbreviation_of_several_options_lists_them(void)
{
    struct options o;
    char error[256];
    char *rep[] = {"run", "--rep=2", "frag", NULL};
    char *reps[] = {"run", "--rep=2", "--reps=3", "frag", NULL};
    char *record[] = {"run", "--rec=t.trace", "--", "true", NULL};
    CHECK(parse(&o, error, rep) == -1);
    CHECK_STR(error, "ambiguous option '--rep=2' (could be --reps, --replay, --replay-time, --replay-partial; see --help)");
    CHECK(parse(&o, error, reps) == -1);
    CHECK_STR(error, "ambiguous option '--rep=2' (could be --reps, --replay, --replay-time, --replay-partial; see --help)");
    CHECK(parse(&o, error, record) == -1);
    CHECK_STR(error, "ambiguous option '--rec=t.trace' (could be --record, --record-cap, --record-clock; see --help)");
}

static void every_option_is_read(void)
{
    struct options o;
    char error[256];
    char *argv[] = {"run", "--alloc=jemalloc,tcmalloc", "--reps", "3", "--scale=0.5", "--idle-ms=0",
                    "--csv=-", "--profiles=p.txt", "frag", "--dry-run", "lists", "--jobs=2", "-q", NULL};
    char *list_argv[] = {"run", "-l", "--profiles=p.txt", NULL};
    CHECK(parse(&o, error, argv) == 0);
    CHECK_STR(o.alloc, "jemalloc,tcmalloc");
    CHECK(o.reps == 3 && o.idle_ms == 0 && !o.list && o.dry_run && o.jobs == 2 && o.quiet);
    CHECK_STR(o.scale_text, "0.5");
    CHECK_STR(o.csv_path, "-");
    CHECK_STR(o.profiles_path, "p.txt");
    CHECK(o.case_count == 2);
    if (o.case_count == 2) {
        CHECK_STR(o.case_names[0], "frag");
        CHECK_STR(o.case_names[1], "lists");
    }
    CHECK(parse(&o, error, list_argv) == 0);
    CHECK_STR(o.list, "all");
    char *short_argv[] = {"run", "-a", "mimalloc", "-r2", "-s", "2", "-c", "x.csv", "-h", "-V", NULL};
    CHECK(parse(&o, error, short_argv) == 0);
    CHECK(o.reps == 2 && o.help && o.version);
    CHECK_STR(o.scale_text, "2");
}

static void bad_values_are_named(void)
{
    struct options o;
    char error[256];
    char *reps0[] = {"run", "--reps=0", NULL};
    char *reps_word[] = {"run", "--reps=three", NULL};
    char *reps_negative[] = {"run", "--reps=-1", NULL};
    char *scale0[] = {"run", "--scale=0", NULL};
    char *scale_nan[] = {"run", "--scale=nan", NULL};
    char *scale_big[] = {"run", "--scale=1e9", NULL};
    char *idle[] = {"run", "--idle-ms=1.5", NULL};
    char *unknown[] = {"run", "--frobnicate", NULL};
    char *missing[] = {"run", "--alloc", NULL};
    char *empty_alloc[] = {"run", "--alloc=", NULL};
    char *jobs0[] = {"run", "--jobs=0", NULL};
    char *jobs_many[] = {"run", "--jobs=65", NULL};
    char *list_bad[] = {"run", "--list=everything", NULL};
    char *list_profiles[] = {"run", "--list=profiles", NULL};
    CHECK(parse(&o, error, jobs0) == -1 && strstr(error, "--jobs: '0'"));
    CHECK(parse(&o, error, jobs_many) == -1);
    CHECK(parse(&o, error, list_bad) == -1 && strstr(error, "--list: 'everything'"));
    CHECK(parse(&o, error, list_profiles) == 0 && o.list && strcmp(o.list, "profiles") == 0);
    CHECK(parse(&o, error, reps0) == -1 && strstr(error, "--reps: '0'"));
    CHECK(parse(&o, error, reps_word) == -1 && strstr(error, "'three'"));
    CHECK(parse(&o, error, reps_negative) == -1);
    CHECK(parse(&o, error, scale0) == -1 && strstr(error, "--scale"));
    CHECK(parse(&o, error, scale_nan) == -1);
    CHECK(parse(&o, error, scale_big) == -1);
    CHECK(parse(&o, error, idle) == -1 && strstr(error, "--idle-ms: '1.5'"));
    CHECK(parse(&o, error, unknown) == -1 && strstr(error, "'--frobnicate'"));
    CHECK(parse(&o, error, missing) == -1 && strstr(error, "--alloc: needs a value"));
    CHECK(parse(&o, error, empty_alloc) == -1);
}

/* A scale as every case reads it (decimal, nothing around it); a size with its unit; not a case and a command. */
static void scale_is_decimal_sizes_have_units_and_words_before_the_command_are_refused(void)
{
    struct options o;
    char error[256];
    char *hex[] = {"run", "--scale=0x0.02", NULL}, *spaced[] = {"run", "--scale= 0.01", NULL};
    char *infinite[] = {"run", "--scale=inf", NULL}, *exponent[] = {"run", "--scale=1e-2", NULL};
    char *both[] = {"run", "--csv=/dev/null", "echo", "--", "hi", "there", NULL};
    char *command[] = {"run", "--csv=/dev/null", "--", "echo", "--", "hi", NULL};
    CHECK(parse(&o, error, hex) == -1 && strstr(error, "'0x0.02'"));
    CHECK(parse(&o, error, spaced) == -1);
    CHECK(parse(&o, error, infinite) == -1);
    CHECK(parse(&o, error, exponent) == 0 && strcmp(o.scale_text, "1e-2") == 0);
    CHECK(parse(&o, error, both) == -1);
    CHECK_STR(error, "'echo' before --: give case names or a command after --, not both");
    CHECK(parse(&o, error, command) == 0 && o.external && o.case_count == 3 && strcmp(o.case_names[2], "hi") == 0);
    char *bare[] = {"run", "--mem-limit=10", NULL}, *none[] = {"run", "--mem-limit=0", NULL};
    CHECK(parse(&o, error, bare) == -1 && strstr(error, "'10' is not a size with its unit"));
    CHECK(parse(&o, error, none) == 0 && o.mem_limit_kb == 0);
    /* Past 1 PiB a cap's bytes would wrap 64 bits (2^40 G: 0, no cap at all): refused; 1 PiB itself is taken. */
    char *huge_cap[] = {"run", "--record=x", "--record-cap=1099511627776G", NULL};
    char *past_cap[] = {"run", "--record=x", "--record-cap=1048577G", NULL};
    char *most_cap[] = {"run", "--record=x", "--record-cap=1048576G", NULL};
    CHECK(parse(&o, error, huge_cap) == -1 && strstr(error, "at most 1 PiB"));
    CHECK(parse(&o, error, past_cap) == -1 && strstr(error, "at most 1 PiB"));
    CHECK(parse(&o, error, most_cap) == 0 && o.record_cap_kb == 1LL << 40);
    char *no_csv[] = {"run", "--csv=", NULL}, *no_timeline[] = {"run", "--timeline=", NULL};
    CHECK(parse(&o, error, no_csv) == -1 && strcmp(error, "--csv: needs a file name (or - for stdout)") == 0);
    CHECK(parse(&o, error, no_timeline) == -1 && strcmp(error, "--timeline: needs a file name") == 0);
    char *stdout_timeline[] = {"run", "--timeline=-", NULL};
    CHECK(parse(&o, error, stdout_timeline) == -1 &&
          strcmp(error, "--timeline: '-' is not standard output here (--csv=- is): give a file name") == 0);
}

int main(void)
{
    RUN_TEST(defaults_are_the_talks);
    RUN_TEST(every_option_is_read);
    RUN_TEST(extra_reps_are_checked_against_reps);
    RUN_TEST(duration_raises_the_default_timeout_only);
    RUN_TEST(bad_values_are_named);
    RUN_TEST(scale_is_decimal_sizes_have_units_and_words_before_the_command_are_refused);
    RUN_TEST(replay_time_is_one_of_three);
    RUN_TEST(case_settings_are_for_cases_only);
    RUN_TEST(an_unknown_option_names_the_nearest);
    RUN_TEST(an_unknown_short_option_is_named_not_the_one_before_it);
    RUN_TEST(an_abbreviation_of_several_options_lists_them);
    RUN_TEST(a_list_with_an_empty_name_is_refused);
    RUN_TEST(list_takes_no_case_names_and_dry_run_is_a_flag);
    RUN_TEST(an_option_given_twice_is_refused_naming_both_values);
    return CHECK_EXIT_CODE();
}
