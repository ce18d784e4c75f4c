/* Reads RFC 4180 CSV text into a table of strings: quoted fields, doubled quotes, embedded line breaks, CRLF or LF. */
#ifndef FRAGBENCH_CSV_READ_H
#define FRAGBENCH_CSV_READ_H

#include <stddef.h>

struct csv_table {
    char **cells;    /* rows x columns, row-major; row 0 is the header */
    size_t rows;     /* header included */
    size_t columns;
};

/*
 * Parses text[0..len). Every row must have as many fields as the header. Returns 0, or
 * -1 with "line N: what is wrong" in error.
 */
int csv_parse(const char *text, size_t len, struct csv_table *out, char *error, size_t error_size);

/* Reads and parses a file; errors start with the path. */
int csv_load(const char *path, struct csv_table *out, char *error, size_t error_size);

/* The cell at row, column. */
const char *csv_cell(const struct csv_table *table, size_t row, size_t column);

/* The index of the header column called name, or -1. */
long csv_column(const struct csv_table *table, const char *name);

void csv_free(struct csv_table *table);

#endif
