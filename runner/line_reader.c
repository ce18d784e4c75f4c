/* Splits the bytes read from a pipe into lines, whatever the child sends: partial, over-long or binary. */
#include "line_reader.h"

#include <string.h>

void line_reader_feed(struct line_reader *reader, const char *data, size_t len, line_handler handler, void *context)
{
    while (len > 0) {
        const char *newline = memchr(data, '\n', len);
        size_t chunk = newline ? (size_t)(newline - data) : len;

        if (!reader->skipping && reader->pending_len + chunk >= sizeof reader->pending) {
            reader->skipping = true; /* a record must fit, LF included, in FB_RECORD_MAX */
            reader->long_lines++;
            reader->pending_len = 0;
            handler(context, NULL, 0);
        }
        if (!reader->skipping) {
            memcpy(reader->pending + reader->pending_len, data, chunk);
            reader->pending_len += chunk;
        }
        if (!newline)
            return;
        if (!reader->skipping)
            handler(context, reader->pending, reader->pending_len);
        reader->pending_len = 0;
        reader->skipping = false;
        data = newline + 1;
        len -= chunk + 1;
    }
}

bool line_reader_finish(struct line_reader *reader)
{
    bool dropped = reader->pending_len > 0;
    reader->pending_len = 0;
    reader->skipping = false;
    return dropped;
}
