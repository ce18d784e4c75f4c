/* libFuzzer target: any bytes as a results CSV for the report's RFC 4180 reader. */
#include <stddef.h>
#include <stdint.h>

#include "csv_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_table table;
    char error[256];
    if (csv_parse((const char *)data, size, &table, error, sizeof error) == 0)
        csv_free(&table);
    return 0;
}
