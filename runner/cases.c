/* The registry of cases the runner knows, generated from cases/cases.def. */
#include "cases.h"

#include <string.h>

const struct case_entry case_registry[] = {
#define CASE(name, kind, fewest_threads, description) {#name, kind, description, fewest_threads, NULL, NULL, 0, NULL},
#include "../cases/cases.def"
#undef CASE
};

const size_t case_registry_count = sizeof case_registry / sizeof case_registry[0];

const struct case_entry *case_find(const char *name)
{
    for (size_t i = 0; i < case_registry_count; i++)
        if (strcmp(case_registry[i].name, name) == 0)
            return &case_registry[i];
    return NULL;
}
