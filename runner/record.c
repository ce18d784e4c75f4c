/* Parses one record line sent by a measured program over FRAGBENCH_FD (the format is in docs/results.md). */
#include "record.h"

#include <stdio.h>
#include <string.h>

enum field_kind { FIELD_TEXT, FIELD_NUMBER };

/* Every field a record may carry: which record type, key, how to store it, and if it must be there. */
static const struct field_spec {
    enum record_type type;
    const char *key;
    enum field_kind kind;
    size_t offset;
    size_t size; /* text fields: the buffer size */
    bool required;
} field_specs[] = {
#define TEXT(type, key, required) {type, #key, FIELD_TEXT, offsetof(struct record, key), sizeof(((struct record *)0)->key), required}
#define NUMBER(type, key, required) {type, #key, FIELD_NUMBER, offsetof(struct record, key), sizeof(uint64_t), required}
#define PHASE_TEXT(key, required) {RECORD_PHASE, #key, FIELD_TEXT, offsetof(struct record, phase.key), \
                                   sizeof(((struct record *)0)->phase.key), required}
#define PHASE_NUMBER(key, required) {RECORD_PHASE, #key, FIELD_NUMBER, offsetof(struct record, phase.key), \
                                     sizeof(uint64_t), required}
    NUMBER(RECORD_HELLO, proto, true),
    TEXT(RECORD_HELLO, allocator, true),
    TEXT(RECORD_HELLO, version, true),
    TEXT(RECORD_HELLO, object, true),
    TEXT(RECORD_HELLO, exe, false),
    TEXT(RECORD_HELLO, runtime, false),
    NUMBER(RECORD_HELLO, pid, false),
    NUMBER(RECORD_HELLO, threads, false),
    PHASE_NUMBER(seq, true),
    PHASE_TEXT(label, true),
    PHASE_NUMBER(elapsed_us, true),
    PHASE_NUMBER(vsz_kb, true),
    PHASE_NUMBER(rss_kb, true),
    PHASE_NUMBER(anon_kb, true),
    PHASE_NUMBER(file_kb, true),
    PHASE_NUMBER(live_bytes, false),
    PHASE_NUMBER(allocs, false),
    PHASE_NUMBER(alloc_in_use_bytes, false),
    PHASE_NUMBER(alloc_free_bytes, false),
    PHASE_NUMBER(alloc_os_bytes, false),
    PHASE_NUMBER(child_peak_kb, false),
    PHASE_NUMBER(t_ns, false),
    PHASE_NUMBER(trace_mark, false),
    PHASE_NUMBER(recorded_us, false),
    PHASE_NUMBER(recorded_rss_kb, false),
    PHASE_NUMBER(recorded_anon_kb, false),
    PHASE_NUMBER(trace_events, false),
    PHASE_NUMBER(trace_peak_live_bytes, false),
    PHASE_NUMBER(end, false),
    PHASE_NUMBER(replay_peak_kb, false),
    PHASE_NUMBER(hwm_kb, false),
    NUMBER(RECORD_IDLE, idle_ms, true),
#undef TEXT
#undef NUMBER
#undef PHASE_TEXT
#undef PHASE_NUMBER
};
enum { FIELD_SPEC_COUNT = sizeof field_specs / sizeof field_specs[0] };

/* The record types by their name on the wire, in enum record_type's order. */
static const char *const type_names[] = {FB_RECORD_HELLO, FB_RECORD_PHASE, FB_RECORD_IDLE};
enum { TYPE_COUNT = sizeof type_names / sizeof type_names[0] };

static int parse_number(const char *text, size_t len, uint64_t *out)
{
    uint64_t value = 0;
    if (len == 0 || len > 20)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned digit = (unsigned)(text[i] - '0');
        if (digit > 9 || value > (UINT64_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    *out = value;
    return 0;
}

static int store_field(const struct field_spec *spec, const char *value, size_t len, struct record *out,
                       char *error, size_t error_size)
{
    char *slot = (char *)out + spec->offset;
    if (spec->kind == FIELD_NUMBER) {
        if (parse_number(value, len, (uint64_t *)(void *)slot) == 0)
            return 0;
        snprintf(error, error_size, "field '%s': '%.*s' is not a whole number", spec->key, (int)(len > 40 ? 40 : len), value);
        return -1;
    }
    if (len >= spec->size) {
        snprintf(error, error_size, "field '%s' is longer than %zu bytes", spec->key, spec->size - 1);
        return -1;
    }
    memcpy(slot, value, len);
    slot[len] = '\0';
    return 0;
}

static bool was_seen(const bool *seen, const char *key)
{
    for (size_t i = 0; i < FIELD_SPEC_COUNT; i++)
        if (seen[i] && strcmp(field_specs[i].key, key) == 0)
            return true;
    return false;
}

int record_parse(const char *line, size_t len, struct record *out, char *error, size_t error_size)
{
    bool seen[FIELD_SPEC_COUNT] = {false};
    const char *end = line + len;
    const char *type_end = memchr(line, '\t', len);
    size_t type_len;

    memset(out, 0, sizeof *out);
    if (memchr(line, '\0', len) || memchr(line, '\r', len)) {
        snprintf(error, error_size, "record contains a %s", memchr(line, '\0', len) ? "NUL byte" : "CR");
        return -1;
    }
    if (!type_end)
        type_end = end;
    type_len = (size_t)(type_end - line);
    size_t type = 0;
    while (type < TYPE_COUNT && !(strlen(type_names[type]) == type_len && memcmp(line, type_names[type], type_len) == 0))
        type++;
    if (type < TYPE_COUNT)
        out->type = (enum record_type)type;
    else {
        snprintf(error, error_size, "unknown record type '%.*s'", (int)(type_len > 40 ? 40 : type_len), line);
        return -1;
    }

    for (const char *field = type_end; field < end;) {
        const char *field_end, *equals;
        field++; /* the TAB */
        field_end = memchr(field, '\t', (size_t)(end - field));
        if (!field_end)
            field_end = end;
        equals = memchr(field, '=', (size_t)(field_end - field));
        if (!equals) {
            snprintf(error, error_size, "field '%.*s' is not key=value", (int)(field_end - field > 40 ? 40 : field_end - field), field);
            return -1;
        }
        for (size_t i = 0; i < FIELD_SPEC_COUNT; i++) {
            const struct field_spec *spec = &field_specs[i];
            if (spec->type != out->type || strlen(spec->key) != (size_t)(equals - field) ||
                memcmp(spec->key, field, (size_t)(equals - field)) != 0)
                continue;
            if (seen[i]) {
                snprintf(error, error_size, "field '%s' appears twice", spec->key);
                return -1;
            }
            seen[i] = true;
            if (store_field(spec, equals + 1, (size_t)(field_end - equals - 1), out, error, error_size))
                return -1;
        }
        field = field_end;
    }

    for (size_t i = 0; i < FIELD_SPEC_COUNT; i++)
        if (field_specs[i].type == out->type && field_specs[i].required && !seen[i]) {
            snprintf(error, error_size, "%s record lacks field '%s'", type_names[out->type], field_specs[i].key);
            return -1;
        }
    struct phase_sample *phase = &out->phase;
    phase->has_live = out->type == RECORD_PHASE && was_seen(seen, "live_bytes") && was_seen(seen, "allocs");
    phase->has_alloc_in_use = was_seen(seen, "alloc_in_use_bytes");
    phase->has_alloc_free = was_seen(seen, "alloc_free_bytes");
    phase->has_alloc_os = was_seen(seen, "alloc_os_bytes");
    phase->has_child_peak = was_seen(seen, "child_peak_kb");
    phase->has_t_ns = was_seen(seen, "t_ns");
    phase->has_recorded = was_seen(seen, "recorded_us");
    phase->has_recorded_rss = was_seen(seen, "recorded_rss_kb");
    phase->has_recorded_anon = was_seen(seen, "recorded_anon_kb");
    phase->has_trace_events = was_seen(seen, "trace_events");
    return 0;
}
