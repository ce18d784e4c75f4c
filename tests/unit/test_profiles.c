/* Unit tests of the profiles file parser, on the shipped profiles.txt and on broken files. */
#include <stdlib.h>

#include "check.h"
#include "profiles.h"
#include "selection.h"

static int parse(const char *text, struct profile_list *list, char *error)
{
    return profiles_parse(text, "p.txt", list, error, 512);
}

static void shipped_profiles_parse_with_the_issue_profiles(void)
{
    struct profile_list list;
    char error[512] = "";
    CHECK(profiles_load("profiles.txt", &list, error, sizeof error) == 0);
    static const char *const wanted[] = {"glibc", "jemalloc", "tcmalloc", "mimalloc", "glibc-arena2",
                                         "glibc-mmap64k", "jemalloc-decay0", "jemalloc-bgthread",
                                         "tcmalloc-aggressive", "mimalloc-decommit0"};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        CHECK(profiles_find(&list, wanted[i]) != NULL);
    const struct profile *decay0 = profiles_find(&list, "jemalloc-decay0");
    if (decay0) {
        CHECK_STR(decay0->library, "libjemalloc.so.2");
        CHECK_STR(decay0->package, "libjemalloc2");
        CHECK(decay0->env_count == 1);
        if (decay0->env_count == 1)
            CHECK_STR(decay0->env[0], "MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0");
    }
    const struct profile *glibc = profiles_find(&list, "glibc");
    if (glibc) {
        CHECK_STR(glibc->library, "");
        CHECK(glibc->env_count == 0);
    }
    profiles_free(&list);
}

static void comments_blank_lines_and_several_settings(void)
{
    struct profile_list list;
    char error[512] = "";
    CHECK(parse("# comment\n\n   \n  # indented comment\n"
                "a | | | A=1 B=x,y:z  | two settings\n"
                "b|/opt/lib.so||| no package, no newline at the end",
                &list, error) == 0);
    CHECK(list.count == 2);
    if (list.count == 2) {
        CHECK(list.items[0].env_count == 2);
        CHECK_STR(list.items[0].env[1], "B=x,y:z");
        CHECK_STR(list.items[0].description, "two settings");
        CHECK_STR(list.items[1].library, "/opt/lib.so");
        CHECK_STR(list.items[1].description, "no package, no newline at the end");
    }
    profiles_free(&list);
}

static void errors_name_the_line_and_the_fault(void)
{
    struct profile_list list;
    char error[512];
    CHECK(parse("ok | | | | fine\nbad | x | y\n", &list, error) == -1);
    CHECK(strstr(error, "p.txt:2:") && strstr(error, "expected 5 fields") && strstr(error, "found 3"));
    CHECK(parse("a|b|c|d|e|f\n", &list, error) == -1 && strstr(error, "found 6"));
    CHECK(parse("\n\nbad name | | | | x\n", &list, error) == -1 && strstr(error, "p.txt:3:") &&
          strstr(error, "'bad name'"));
    CHECK(parse("a | | | NOEQUALS | x\n", &list, error) == -1 && strstr(error, "'NOEQUALS'") &&
          strstr(error, "VAR=value"));
    CHECK(parse("a | | | 1X=2 | x\n", &list, error) == -1 && strstr(error, "'1X=2'"));
    CHECK(parse("a | | | LD_PRELOAD=x.so | x\n", &list, error) == -1 && strstr(error, "runner owns"));
    CHECK(parse("a | | pkg | | x\n", &list, error) == -1 && strstr(error, "no library"));
    CHECK(parse("a | | | | x\na | | | | y\n", &list, error) == -1 && strstr(error, "p.txt:2:") &&
          strstr(error, "defined twice"));
    CHECK(parse("# only comments\n", &list, error) == -1 && strstr(error, "no profiles"));
    CHECK(parse("all | | | | x\n", &list, error) == -1 && strstr(error, "'all' is reserved"));
}

static void missing_file_is_an_error(void)
{
    struct profile_list list;
    char error[512];
    CHECK(profiles_load("/nonexistent/profiles.txt", &list, error, sizeof error) == -1);
    CHECK(strstr(error, "/nonexistent/profiles.txt") && strstr(error, "No such file"));
}

static void ad_hoc_library_profile(void)
{
    struct profile p;
    profile_for_library("/opt/my/libfoo.so", &p);
    CHECK_STR(p.name, "/opt/my/libfoo.so");
    CHECK_STR(p.library, "/opt/my/libfoo.so");
    CHECK(p.env_count == 0);
    profile_free(&p);
}

/* A profile named twice is refused, unless all holds it already, before or after it (all,glibc is glibc,all). */
static void all_absorbs_a_profile_it_holds_on_either_side(void)
{
    struct profile_list list;
    struct selection selection;
    char error[512] = "";
    CHECK(profiles_load("profiles.txt", &list, error, sizeof error) == 0);
    CHECK(selection_resolve("all,glibc", &list, &selection, error, sizeof error) == 0 && selection.count == list.count);
    selection_free(&selection);
    CHECK(selection_resolve("glibc,all", &list, &selection, error, sizeof error) == 0 && selection.count == list.count);
    selection_free(&selection);
    CHECK(selection_resolve("glibc,jemalloc,glibc", &list, &selection, error, sizeof error) == -1);
    CHECK_STR(error, "--alloc: 'glibc' is given twice");
    profiles_free(&list);
}

int main(void)
{
    RUN_TEST(shipped_profiles_parse_with_the_issue_profiles);
    RUN_TEST(comments_blank_lines_and_several_settings);
    RUN_TEST(errors_name_the_line_and_the_fault);
    RUN_TEST(missing_file_is_an_error);
    RUN_TEST(ad_hoc_library_profile);
    RUN_TEST(all_absorbs_a_profile_it_holds_on_either_side);
    return CHECK_EXIT_CODE();
}
