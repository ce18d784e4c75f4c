/* Turns --alloc into the profiles to run, and checks each one really serves malloc before a run starts. */
#include "selection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "nearest.h"
#include "verify.h"

static void add(struct selection *out, struct profile *profile, bool owned)
{
    out->items = realloc(out->items, (out->count + 1) * sizeof *out->items);
    if (!out->items)
        abort();
    out->items[out->count++] = (struct selected_profile){.profile = profile, .owned = owned};
}

static bool already_selected(const struct selection *out, const char *name)
{
    for (size_t i = 0; i < out->count; i++)
        if (strcmp(out->items[i].profile->name, name) == 0)
            return true;
    return false;
}

static const char *profile_name_at(const void *profiles, size_t i)
{
    return ((const struct profile_list *)profiles)->items[i].name;
}

/* The names --alloc takes, for "did you mean": the profiles, then all. */
static const char *profile_or_all_at(const void *profiles, size_t i)
{
    return i < ((const struct profile_list *)profiles)->count ? profile_name_at(profiles, i) : "all";
}

static void list_names(const struct profile_list *profiles, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < profiles->count && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", profiles->items[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

int selection_resolve(const char *alloc, const struct profile_list *profiles, struct selection *out, char *error,
                      size_t error_size)
{
    char *copy = strdup(alloc), *save = NULL;
    *out = (struct selection){.items = NULL};
    if (!copy)
        abort();
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        const struct profile *known = profiles_find(profiles, name);
        if (strcmp(name, "all") == 0) {
            out->all = true;
            for (size_t i = 0; i < profiles->count; i++)
                if (!already_selected(out, profiles->items[i].name))
                    add(out, &profiles->items[i], false);
            continue;
        }
        if (already_selected(out, name) && out->all && known)
            continue; /* all holds it already (as all after it would): all,glibc is glibc,all */
        if (already_selected(out, name)) {
            snprintf(error, error_size, "--alloc: '%s' is given twice", name);
            goto fail;
        }
        if (known) {
            add(out, (struct profile *)known, false);
        } else if (strchr(name, '/')) {
            struct profile *adhoc = malloc(sizeof *adhoc);
            if (!adhoc)
                abort();
            profile_for_library(name, adhoc);
            add(out, adhoc, true);
        } else {
            char names[2048], hint[160] = "";
            const char *near = nearest_name(name, profiles->count + 1, profile_or_all_at, profiles);
            list_names(profiles, names, sizeof names);
            if (near)
                snprintf(hint, sizeof hint, " (did you mean %s?)", near);
            snprintf(error, error_size, "unknown allocator profile '%s'%s; profiles: %s, all (or a path to a library)",
                     name, hint, names);
            goto fail;
        }
    }
    free(copy);
    if (out->count == 0) {
        snprintf(error, error_size, "--alloc: no profile named");
        return -1;
    }
    return 0;
fail:
    free(copy);
    selection_free(out);
    return -1;
}

struct identify_state {
    struct record hello;
    bool have_hello;
};

static bool keep_hello(void *context, const struct record *record)
{
    struct identify_state *state = context;
    if (record->type == RECORD_HELLO && !state->have_hello) {
        state->hello = *record;
        state->have_hello = true;
    }
    return true;
}

int selection_check(const char *identify_program, struct selected_profile *selected, char *message, size_t size)
{
    char *argv[] = {(char *)identify_program, NULL};
    /* Quiet: ld.so's warning about a library it cannot load is restated in the message. */
    struct child_spec spec = {.argv = argv, .profile = selected->profile, .quiet = true};
    struct identify_state state = {.have_hello = false};
    struct child_result result;
    char status[64];

    if (child_run(&spec, keep_hello, &state, &result, message, size) != 0)
        return -1;
    child_status_text(result.wait_status, status, sizeof status);
    if (!state.have_hello || strcmp(status, "ok") != 0) {
        snprintf(message, size, "profile '%s': the allocator check (%s) failed with status %s", selected->profile->name,
                 identify_program, status);
        return -1;
    }
    if (!verify_allocator(selected->profile, &state.hello, message, size))
        return -1;
    snprintf(selected->allocator, sizeof selected->allocator, "%s", state.hello.allocator);
    snprintf(selected->version, sizeof selected->version, "%s", state.hello.version);
    return 0;
}

void selection_remove(struct selection *selection, size_t i)
{
    if (selection->items[i].owned) {
        profile_free(selection->items[i].profile);
        free(selection->items[i].profile);
    }
    memmove(&selection->items[i], &selection->items[i + 1], (selection->count - i - 1) * sizeof selection->items[0]);
    selection->count--;
}

void selection_free(struct selection *selection)
{
    while (selection->count > 0)
        selection_remove(selection, selection->count - 1);
    free(selection->items);
    selection->items = NULL;
}

void allocator_text(char *out, size_t size, const char *allocator, const char *version)
{
    snprintf(out, size, "%s%s%s", allocator, *version ? " " : "", version);
}
