/* The registry of cases the runner knows, generated from cases/cases.def. */
#ifndef FRAGBENCH_CASES_H
#define FRAGBENCH_CASES_H

#include <stddef.h>

struct case_entry {
    const char *name;        /* also the program's name under build/cases/ */
    const char *description;
};

extern const struct case_entry case_registry[];
extern const size_t case_registry_count;

/* The case called name, or NULL. */
const struct case_entry *case_find(const char *name);

#endif
