/* Builds a text line in a fixed stack buffer with no heap allocation and no stdio. */
#include "linebuf.h"

#include <errno.h>
#include <unistd.h>

/* The last byte is kept for the LF that ends a record. */
static size_t room(const struct linebuf *line)
{
    return sizeof line->text - 1 - line->len;
}

void linebuf_add_text(struct linebuf *line, const char *text)
{
    for (; *text && room(line) > 0; text++) {
        char c = *text;
        line->text[line->len++] = (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
    }
}

void linebuf_add_u64(struct linebuf *line, uint64_t value)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n > 0 && room(line) > 0)
        line->text[line->len++] = digits[--n];
}

static void add_key(struct linebuf *line, const char *key)
{
    if (room(line) > 0)
        line->text[line->len++] = '\t';
    linebuf_add_text(line, key);
    linebuf_add_text(line, "=");
}

void linebuf_add_field(struct linebuf *line, const char *key, const char *value)
{
    add_key(line, key);
    linebuf_add_text(line, value);
}

void linebuf_add_field_u64(struct linebuf *line, const char *key, uint64_t value)
{
    add_key(line, key);
    linebuf_add_u64(line, value);
}

int linebuf_send(struct linebuf *line, int fd)
{
    size_t done = 0;
    line->text[line->len++] = '\n'; /* room() always keeps this byte free */
    while (done < line->len) {
        ssize_t n = write(fd, line->text + done, line->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}
