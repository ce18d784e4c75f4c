/* A minimal test harness: CHECK() inside TEST functions, one "PASS: name" or "FAIL: name" line per test. */
#ifndef FRAGBENCH_CHECK_H
#define FRAGBENCH_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures_in_test;
static int check_failed_tests;

#define CHECK(condition)                                                             \
    do {                                                                             \
        if (!(condition)) {                                                          \
            check_failures_in_test++;                                                \
            printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
        }                                                                            \
    } while (0)

#define CHECK_STR(actual, expected)                                                                        \
    do {                                                                                                   \
        const char *check_actual = (actual), *check_expected = (expected);                                \
        if (strcmp(check_actual, check_expected) != 0) {                                                   \
            check_failures_in_test++;                                                                      \
            printf("  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #actual, check_actual, \
                   check_expected);                                                                        \
        }                                                                                                  \
    } while (0)

#define RUN_TEST(test)                                                                  \
    do {                                                                                \
        check_failures_in_test = 0;                                                     \
        test();                                                                         \
        printf("%s: %s\n", check_failures_in_test ? "FAIL" : "PASS", #test);           \
        check_failed_tests += check_failures_in_test != 0;                              \
    } while (0)

#define CHECK_EXIT_CODE() (check_failed_tests ? 1 : 0)

/* Runs writer into a memory stream and returns what it wrote, NUL-terminated (the caller frees it). */
static inline char *check_written(void (*writer)(FILE *, const void *), const void *argument)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    writer(out, argument);
    fclose(out);
    return text;
}

#endif
