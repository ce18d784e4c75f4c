/* Allocator profiles: the profiles.txt format, its parser, and look-up by name. */
#include "profiles.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FIELD_COUNT = 5 };

/* The variables a profile may not set: the runner owns them. */
static const char *const reserved_variables[] = {"LD_PRELOAD", "FRAGBENCH_FD"};

static char *copy_trimmed(const char *start, const char *end)
{
    char *copy;
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    copy = malloc((size_t)(end - start) + 1);
    if (!copy)
        abort();
    memcpy(copy, start, (size_t)(end - start));
    copy[end - start] = '\0';
    return copy;
}

static bool valid_name(const char *name)
{
    if (!*name)
        return false;
    for (; *name; name++)
        if (!isalnum((unsigned char)*name) && !strchr("._-", *name))
            return false;
    return true;
}

/* Checks one VAR=value word; returns NULL or what is wrong with it. */
static const char *invalid_setting(const char *word)
{
    const char *equals = strchr(word, '=');
    if (!equals || equals == word)
        return "is not VAR=value";
    if (!isalpha((unsigned char)word[0]) && word[0] != '_')
        return "has a variable name that does not start with a letter or '_'";
    for (const char *p = word; p < equals; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return "has a variable name with a character other than letters, digits and '_'";
    for (size_t i = 0; i < sizeof reserved_variables / sizeof reserved_variables[0]; i++) {
        size_t n = strlen(reserved_variables[i]);
        if ((size_t)(equals - word) == n && strncmp(word, reserved_variables[i], n) == 0)
            return "sets a variable the runner owns (use the library field for LD_PRELOAD)";
    }
    return NULL;
}

/* Splits the environment field on blanks into profile->env; returns NULL or what is wrong. */
static const char *split_settings(const char *field, struct profile *profile, char *bad_word, size_t bad_size)
{
    const char *p = field;
    while (*p) {
        const char *start, *why;
        char *word;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        start = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        word = copy_trimmed(start, p);
        why = invalid_setting(word);
        if (why) {
            snprintf(bad_word, bad_size, "%s", word);
            free(word);
            return why;
        }
        profile->env = realloc(profile->env, (profile->env_count + 1) * sizeof *profile->env);
        if (!profile->env)
            abort();
        profile->env[profile->env_count++] = word;
    }
    return NULL;
}

/* Parses one non-comment line; returns 0, or -1 with what is wrong (without the location). */
static int parse_line(const char *line, const char *line_end, struct profile *profile, char *why, size_t why_size)
{
    const char *fields[FIELD_COUNT];
    size_t count = 1;
    char bad_word[256];
    const char *setting_error;

    memset(profile, 0, sizeof *profile);
    for (const char *p = line; p < line_end; p++)
        count += *p == '|';
    if (count != FIELD_COUNT) {
        snprintf(why, why_size,
                 "expected 5 fields separated by '|' (name | library | package | environment | "
                 "description), found %zu",
                 count);
        return -1;
    }
    count = 0;
    fields[count++] = line;
    for (const char *p = line; p < line_end; p++)
        if (*p == '|')
            fields[count++] = p + 1;
    profile->name = copy_trimmed(fields[0], fields[1] - 1);
    profile->library = copy_trimmed(fields[1], fields[2] - 1);
    profile->package = copy_trimmed(fields[2], fields[3] - 1);
    profile->description = copy_trimmed(fields[4], line_end);
    if (!valid_name(profile->name)) {
        snprintf(why, why_size, "profile name '%s' must be letters, digits, '.', '_' or '-'", profile->name);
        return -1;
    }
    if (strcmp(profile->name, "all") == 0) {
        snprintf(why, why_size, "'all' is reserved: --alloc=all means every installed profile");
        return -1;
    }
    if (*profile->package && !*profile->library) {
        snprintf(why, why_size, "profile '%s' names package '%s' but no library", profile->name, profile->package);
        return -1;
    }
    char *settings = copy_trimmed(fields[3], fields[4] - 1);
    setting_error = split_settings(settings, profile, bad_word, sizeof bad_word);
    free(settings);
    if (setting_error) {
        snprintf(why, why_size, "profile '%s': setting '%s' %s", profile->name, bad_word, setting_error);
        return -1;
    }
    return 0;
}

int profiles_parse(const char *text, const char *source, struct profile_list *out, char *error, size_t error_size)
{
    unsigned line_number = 0;
    const char *line = text;
    out->items = NULL;
    out->count = 0;
    while (*line) {
        const char *line_end = strchr(line, '\n');
        const char *first = line;
        char why[512] = "";
        struct profile profile;

        if (!line_end)
            line_end = line + strlen(line);
        line_number++;
        while (first < line_end && isspace((unsigned char)*first))
            first++;
        if (first < line_end && *first != '#') {
            if (parse_line(line, line_end, &profile, why, sizeof why) == 0 && profiles_find(out, profile.name))
                snprintf(why, sizeof why, "profile '%s' is defined twice", profile.name);
            if (why[0]) {
                snprintf(error, error_size, "%s:%u: %s", source, line_number, why);
                profile_free(&profile);
                profiles_free(out);
                return -1;
            }
            out->items = realloc(out->items, (out->count + 1) * sizeof *out->items);
            if (!out->items)
                abort();
            out->items[out->count++] = profile;
        }
        line = *line_end ? line_end + 1 : line_end;
    }
    if (out->count == 0) {
        snprintf(error, error_size, "%s: no profiles in the file", source);
        return -1;
    }
    return 0;
}

int profiles_load(const char *path, struct profile_list *out, char *error, size_t error_size)
{
    FILE *file = fopen(path, "re");
    char *text = NULL;
    size_t size = 0, len = 0;
    int result;

    if (!file) {
        snprintf(error, error_size, "%s: cannot read the profiles file: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len + 4096 + 1 > size) {
            size = (size + 4096 + 1) * 2;
            text = realloc(text, size);
            if (!text)
                abort();
        }
        size_t n = fread(text + len, 1, size - len - 1, file);
        len += n;
        if (n == 0)
            break;
    }
    int read_failure = ferror(file) ? errno : 0;
    fclose(file);
    if (read_failure) { /* a directory, an I/O error: not the profiles read so far */
        snprintf(error, error_size, "%s: cannot read the profiles file: %s", path, strerror(read_failure));
        free(text);
        return -1;
    }
    text[len] = '\0';
    if (memchr(text, '\0', len)) {
        snprintf(error, error_size, "%s: the profiles file contains a NUL byte", path);
        free(text);
        return -1;
    }
    result = profiles_parse(text, path, out, error, error_size);
    free(text);
    return result;
}

const struct profile *profiles_find(const struct profile_list *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return &list->items[i];
    return NULL;
}

int profile_for_library(const char *path, struct profile *out)
{
    memset(out, 0, sizeof *out);
    out->name = strdup(path);
    out->library = strdup(path);
    out->package = strdup("");
    out->description = strdup("ad-hoc library given to --alloc");
    if (!out->name || !out->library || !out->package || !out->description)
        abort();
    return 0;
}

void profile_free(struct profile *profile)
{
    free(profile->name);
    free(profile->library);
    free(profile->package);
    free(profile->description);
    for (size_t i = 0; i < profile->env_count; i++)
        free(profile->env[i]);
    free(profile->env);
    memset(profile, 0, sizeof *profile);
}

void profiles_free(struct profile_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        profile_free(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
