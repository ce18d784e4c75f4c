/* Writes a Markdown table whose columns are padded to one width, text left and numbers right. */
#define _GNU_SOURCE
#include "markdown.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void md_begin(struct md_table *table, size_t columns, const bool *right)
{
    *table = (struct md_table){.columns = columns, .right = right};
}

void md_cell(struct md_table *table, const char *format, ...)
{
    va_list args;
    char *text;
    va_start(args, format);
    if (vasprintf(&text, format, args) < 0)
        abort();
    va_end(args);
    if (strchr(text, '|')) { /* a name's '|' (a program's mark, a profile) would end the cell: \| keeps it */
        size_t pipes = 0;
        for (const char *at = text; *at; at++)
            pipes += *at == '|';
        char *escaped = malloc(strlen(text) + pipes + 1), *to = escaped;
        if (!escaped)
            abort();
        for (const char *at = text; *at; at++) {
            if (*at == '|')
                *to++ = '\\';
            *to++ = *at;
        }
        *to = '\0';
        free(text);
        text = escaped;
    }
    table->cells = realloc(table->cells, (table->count + 1) * sizeof *table->cells);
    if (!table->cells)
        abort();
    table->cells[table->count++] = text;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width_of(const char *text)
{
    size_t width = 0;
    for (; *text; text++)
        width += ((unsigned char)*text & 0xC0) != 0x80;
    return width;
}

void md_end(struct md_table *table, FILE *out)
{
    size_t *widths = calloc(table->columns, sizeof *widths);
    if (!widths)
        abort();
    for (size_t i = 0; i < table->count; i++) {
        size_t w = width_of(table->cells[i]);
        if (w > widths[i % table->columns])
            widths[i % table->columns] = w;
    }
    for (size_t i = 0; i < table->count; i++) {
        size_t column = i % table->columns, pad = widths[column] - width_of(table->cells[i]);
        fputs(column == 0 ? "| " : " ", out);
        if (table->right[column])
            fprintf(out, "%*s%s", (int)pad, "", table->cells[i]);
        else
            fprintf(out, "%s%*s", table->cells[i], (int)pad, "");
        fputs(" |", out);
        if (column == table->columns - 1) {
            fputc('\n', out);
            if (i == table->columns - 1) { /* under the header: the alignment row */
                for (size_t c = 0; c < table->columns; c++) {
                    fputs(c == 0 ? "|" : "", out);
                    fputs(table->right[c] ? "" : ":", out);
                    for (size_t k = 0; k < widths[c] + 1; k++)
                        fputc('-', out);
                    fputs(table->right[c] ? ":|" : "|", out);
                }
                fputc('\n', out);
            }
        }
        free(table->cells[i]);
    }
    free(table->cells);
    free(widths);
    table->cells = NULL;
    table->count = 0;
}
