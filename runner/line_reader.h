/* Splits the bytes read from a pipe into lines, whatever the child sends: partial, over-long or binary. */
#ifndef FRAGBENCH_LINE_READER_H
#define FRAGBENCH_LINE_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "../cases/lib/protocol.h"

struct line_reader {
    char pending[FB_RECORD_MAX]; /* the start of a line not yet ended by LF */
    size_t pending_len;
    bool skipping;       /* inside a line already found too long: drop until LF */
    size_t long_lines;   /* lines dropped because they were longer than FB_RECORD_MAX */
};

/* Called once per complete line (without its LF), or with line NULL when a line is found too long. */
typedef void (*line_handler)(void *context, const char *line, size_t len);

/* Feeds bytes; calls handler for each line, in the order the lines came. */
void line_reader_feed(struct line_reader *reader, const char *data, size_t len, line_handler handler, void *context);

/* At end of input: returns true if an unterminated last line was dropped. */
bool line_reader_finish(struct line_reader *reader);

#endif
