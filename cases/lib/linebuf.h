/* Builds a text line in a fixed stack buffer with no heap allocation and no stdio. */
#ifndef FRAGBENCH_LINEBUF_H
#define FRAGBENCH_LINEBUF_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

struct linebuf {
    char text[FB_RECORD_MAX];
    size_t len;
};

/* Appends a string; TAB, CR and LF become spaces so a value cannot break the record. */
void linebuf_add_text(struct linebuf *line, const char *text);
/* Appends an unsigned number in decimal. */
void linebuf_add_u64(struct linebuf *line, uint64_t value);
/* Appends "\tkey=value" for a string or a number. */
void linebuf_add_field(struct linebuf *line, const char *key, const char *value);
void linebuf_add_field_u64(struct linebuf *line, const char *key, uint64_t value);
/* Ends the line with LF and writes it whole to fd, retrying short writes; returns 0 or -1. */
int linebuf_send(struct linebuf *line, int fd);

#endif
