/* Writes RFC 4180 CSV: fields quoted when they must be, quotes doubled, rows ended by CRLF. */
#include "csv.h"

#include <string.h>

void csv_write_field(FILE *out, const char *value)
{
    if (!value[strcspn(value, ",\"\r\n")]) {
        fputs(value, out);
        return;
    }
    fputc('"', out);
    for (; *value; value++) {
        if (*value == '"')
            fputc('"', out);
        fputc(*value, out);
    }
    fputc('"', out);
}

void csv_write_row(FILE *out, const char *const *values, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            fputc(',', out);
        csv_write_field(out, values[i]);
    }
    fputs("\r\n", out);
}
