/* Reads RFC 4180 CSV text into a table of strings: quoted fields, doubled quotes, embedded line breaks, CRLF or LF. */
#include "csv_read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct growing {
    char **items;
    size_t count, capacity;
};

static void push(struct growing *list, char *item)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 64;
        list->items = realloc(list->items, list->capacity * sizeof *list->items);
        if (!list->items)
            abort();
    }
    list->items[list->count++] = item;
}

/*
 * One pass over the field that starts at *at: with out NULL it only measures; otherwise it copies the
 * unquoted text to out. Returns the unquoted length and leaves *at past the field, or -1 on a bad quote.
 */
static long field_pass(const char *text, size_t len, size_t *at, unsigned *line, char *out, char *error,
                       size_t error_size)
{
    size_t i = *at;
    long n = 0;
    if (i < len && text[i] == '"') {
        unsigned opened_on = *line;
        for (i++;; i++) {
            if (i >= len) {
                snprintf(error, error_size, "line %u: a quoted field is not closed", opened_on);
                return -1;
            }
            if (text[i] == '"') {
                if (i + 1 < len && text[i + 1] == '"') {
                    if (out)
                        out[n] = '"';
                    n++;
                    i++;
                    continue;
                }
                i++;
                break;
            }
            if (text[i] == '\n')
                (*line)++;
            if (out)
                out[n] = text[i];
            n++;
        }
        if (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
            snprintf(error, error_size, "line %u: text after a closing quote", *line);
            return -1;
        }
    } else {
        while (i < len && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')) {
            if (text[i] == '"') {
                snprintf(error, error_size, "line %u: a quote inside an unquoted field", *line);
                return -1;
            }
            if (out)
                out[n] = text[i];
            n++;
            i++;
        }
    }
    *at = i;
    return n;
}

/* Parses one field starting at *at; advances past it; returns the field (heap, its own size) or NULL. */
static char *parse_field(const char *text, size_t len, size_t *at, unsigned *line, char *error, size_t error_size)
{
    size_t scan_at = *at;
    unsigned scan_line = *line;
    long n = field_pass(text, len, &scan_at, &scan_line, NULL, error, error_size);
    char *field;
    if (n < 0)
        return NULL;
    field = malloc((size_t)n + 1);
    if (!field)
        abort();
    field_pass(text, len, at, line, field, error, error_size);
    field[n] = '\0';
    return field;
}

int csv_parse(const char *text, size_t len, struct csv_table *out, char *error, size_t error_size)
{
    struct growing cells = {NULL, 0, 0};
    size_t at = 0, columns = 0, fields_in_row = 0;
    unsigned line = 1;

    memset(out, 0, sizeof *out);
    if (len == 0) {
        snprintf(error, error_size, "line 1: empty file, no header");
        return -1;
    }
    while (at < len) {
        size_t blank = at;
        while (fields_in_row == 0 && columns > 0 && blank < len && (text[blank] == '\r' || text[blank] == '\n'))
            blank++;
        if (blank == len)
            break; /* blank lines at the end (an editor's, an echo >>'s) hold no row: the file is read, not refused */
        char *field = parse_field(text, len, &at, &line, error, error_size);
        if (!field)
            goto fail;
        push(&cells, field);
        fields_in_row++;
        if (at < len && text[at] == ',') {
            at++;
            if (at == len) { /* a trailing comma: one more, empty field ends the file */
                push(&cells, strdup(""));
                fields_in_row++;
            } else
                continue;
        }
        /* End of a row: CRLF, LF, or the end of the text. */
        if (at < len && text[at] == '\r')
            at++;
        if (at < len && text[at] == '\n')
            at++;
        if (columns == 0)
            columns = fields_in_row;
        else if (fields_in_row != columns) {
            snprintf(error, error_size, "line %u: %zu fields, the header has %zu", line, fields_in_row, columns);
            goto fail;
        }
        fields_in_row = 0;
        line++;
    }
    out->cells = cells.items;
    out->columns = columns;
    out->rows = columns ? cells.count / columns : 0;
    return 0;
fail:
    for (size_t i = 0; i < cells.count; i++)
        free(cells.items[i]);
    free(cells.items);
    return -1;
}

int csv_load(const char *path, struct csv_table *out, char *error, size_t error_size)
{
    FILE *file = fopen(path, "re");
    char *text = NULL, why[256];
    size_t size = 0;
    int result;
    if (!file) {
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    FILE *buffer = open_memstream(&text, &size);
    char chunk[65536];
    size_t n;
    if (!buffer)
        abort(); /* out of memory before the first byte */
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
        fwrite(chunk, 1, n, buffer);
    int read_failure = ferror(file) ? errno : 0;
    if ((ferror(buffer) | fclose(buffer)) != 0)
        abort(); /* open_memstream fails only for want of memory */
    fclose(file);
    if (read_failure) {
        snprintf(error, error_size, "%s: %s", path, strerror(read_failure));
        free(text);
        return -1;
    }
    result = csv_parse(text, size, out, why, sizeof why);
    if (result != 0)
        snprintf(error, error_size, "%s: %s", path, why);
    free(text);
    return result;
}

const char *csv_cell(const struct csv_table *table, size_t row, size_t column)
{
    return table->cells[row * table->columns + column];
}

long csv_column(const struct csv_table *table, const char *name)
{
    for (size_t c = 0; table->rows > 0 && c < table->columns; c++)
        if (strcmp(csv_cell(table, 0, c), name) == 0)
            return (long)c;
    return -1;
}

void csv_free(struct csv_table *table)
{
    for (size_t i = 0; i < table->rows * table->columns; i++)
        free(table->cells[i]);
    free(table->cells);
    memset(table, 0, sizeof *table);
}
