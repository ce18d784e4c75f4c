/* Unit tests of the nearest-name search behind "did you mean ...?". */
#include "check.h"
#include "nearest.h"

static const char *const names[] = {"glibc", "jemalloc", "jemalloc-decay0", "tcmalloc", "mimalloc", "frag", "lists"};

static const char *name_at(const void *list, size_t i)
{
    return ((const char *const *)list)[i];
}

static const char *nearest(const char *wrong)
{
    return nearest_name(wrong, sizeof names / sizeof names[0], name_at, names);
}

static void distances(void)
{
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("abc", "") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("jemlaloc", "jemalloc") == 1); /* a swap of neighbours counts once */
    CHECK(edit_distance("frag", "frag") == 0);
}

static void typos_find_their_name_and_nonsense_finds_none(void)
{
    const char *got;
    CHECK((got = nearest("jemmalloc")) && strcmp(got, "jemalloc") == 0);
    CHECK((got = nearest("jemalloc-decay")) && strcmp(got, "jemalloc-decay0") == 0);
    CHECK((got = nearest("fragg")) && strcmp(got, "frag") == 0);
    CHECK((got = nearest("glbic")) && strcmp(got, "glibc") == 0);
    CHECK((got = nearest("glbcc")) && strcmp(got, "glibc") == 0); /* two edits in five letters (--alocc) */
    CHECK((got = nearest("LISTS")) && strcmp(got, "lists") == 0); /* other capitals: 5 edits, still the name */
    CHECK((got = nearest("Jemalloc-Decay0")) && strcmp(got, "jemalloc-decay0") == 0);
    CHECK(nearest("xyz") == NULL);
    CHECK(nearest("completely-different") == NULL);
}

int main(void)
{
    RUN_TEST(distances);
    RUN_TEST(typos_find_their_name_and_nonsense_finds_none);
    return CHECK_EXIT_CODE();
}
