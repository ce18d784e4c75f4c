/* libFuzzer target: any bytes from a child, through the line reader and the record parser, as the runner reads them. */
#include <stddef.h>
#include <stdint.h>

#include "line_reader.h"
#include "record.h"

static void parse_line(void *context, const char *line, size_t len)
{
    struct record record;
    char error[256];
    (void)context;
    if (line)
        record_parse(line, len, &record, error, sizeof error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct line_reader reader;
    /* Fed in two pieces, so that lines split across reads are exercised too. */
    size_t half = size / 2;
    line_reader_feed(&reader, (const char *)data, half, parse_line, NULL);
    line_reader_feed(&reader, (const char *)data + half, size - half, parse_line, NULL);
    line_reader_finish(&reader);
    return 0;
}
