/* Writes a Markdown table whose columns are padded to one width, text left and numbers right. */
#ifndef FRAGBENCH_MARKDOWN_H
#define FRAGBENCH_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct md_table {
    size_t columns;
    const bool *right; /* per column: right-aligned (numbers) */
    char **cells;      /* header row first, then the rows; owned */
    size_t count;      /* cells so far */
};

void md_begin(struct md_table *table, size_t columns, const bool *right);

/* Adds the next cell (printf-style); rows fill left to right, the header first. */
void md_cell(struct md_table *table, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Writes the table and frees its cells. */
void md_end(struct md_table *table, FILE *out);

#endif
