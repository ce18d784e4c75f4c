/* Writes RFC 4180 CSV: fields quoted when they must be, quotes doubled, rows ended by CRLF. */
#ifndef FRAGBENCH_CSV_H
#define FRAGBENCH_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Writes one field, quoted if it holds a comma, a double quote, CR or LF. */
void csv_write_field(FILE *out, const char *value);

/* Writes count fields as one row, ended by CRLF. */
void csv_write_row(FILE *out, const char *const *values, size_t count);

#endif
