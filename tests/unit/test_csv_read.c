/* Unit tests of the RFC 4180 reader: quoting, doubled quotes, line breaks in fields, CRLF, errors, and a round trip with the writer. */
#include <stdlib.h>

#include "check.h"
#include "csv.h"
#include "csv_read.h"

static int parse(const char *text, struct csv_table *table, char *error)
{
    return csv_parse(text, strlen(text), table, error, 256);
}

static void quoted_fields_are_unquoted(void)
{
    struct csv_table t;
    char error[256] = "";
    CHECK(parse("name,value\r\nplain,\"a,b\"\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\n,\"\"\r\n", &t, error) == 0);
    CHECK(t.rows == 4 && t.columns == 2);
    if (t.rows == 4) {
        CHECK_STR(csv_cell(&t, 1, 0), "plain");
        CHECK_STR(csv_cell(&t, 1, 1), "a,b");
        CHECK_STR(csv_cell(&t, 2, 0), "say \"hi\"");
        CHECK_STR(csv_cell(&t, 2, 1), "two\nlines");
        CHECK_STR(csv_cell(&t, 3, 0), "");
        CHECK_STR(csv_cell(&t, 3, 1), "");
    }
    CHECK(csv_column(&t, "value") == 1 && csv_column(&t, "nope") == -1);
    csv_free(&t);
}

static void lf_endings_and_no_final_newline(void)
{
    struct csv_table t;
    char error[256] = "";
    CHECK(parse("a,b\n1,2\n3,", &t, error) == 0);
    CHECK(t.rows == 3);
    if (t.rows == 3) {
        CHECK_STR(csv_cell(&t, 2, 0), "3");
        CHECK_STR(csv_cell(&t, 2, 1), "");
    }
    csv_free(&t);
}

/* Blank lines at the end (an editor's, an `echo >>`'s) hold no row: read, not refused; one between rows still is. */
static void blank_lines_at_the_end_are_no_rows(void)
{
    struct csv_table t;
    char error[256] = "";
    CHECK(parse("a,b\r\n1,2\r\n\r\n\n", &t, error) == 0);
    CHECK(t.rows == 2);
    csv_free(&t);
    CHECK(parse("a,b\n1,2\n\n3,4\n", &t, error) == -1 && strstr(error, "line 3: 1 fields, the header has 2"));
}

static void broken_files_name_the_line(void)
{
    struct csv_table t;
    char error[256];
    CHECK(parse("a,b\n1,\"open\n2,3\n", &t, error) == -1 && strstr(error, "line 2: a quoted field is not closed"));
    CHECK(parse("a,b\n1,2,3\n", &t, error) == -1 && strstr(error, "line 2: 3 fields, the header has 2"));
    CHECK(parse("a,b\n\"x\"y,2\n", &t, error) == -1 && strstr(error, "text after a closing quote"));
    CHECK(parse("a,b\nx\"y,2\n", &t, error) == -1 && strstr(error, "a quote inside an unquoted field"));
    CHECK(parse("", &t, error) == -1 && strstr(error, "no header"));
}

static void what_the_writer_writes_reads_back(void)
{
    const char *values[] = {"After del", "a,b", "\"q\"", "x\r\ny", "", "5000"};
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    csv_write_row(out, values, 6);
    csv_write_row(out, values, 6);
    fclose(out);
    struct csv_table t;
    char error[256] = "";
    CHECK(csv_parse(text, size, &t, error, sizeof error) == 0);
    CHECK(t.rows == 2 && t.columns == 6);
    for (size_t c = 0; t.rows == 2 && c < 6; c++)
        CHECK_STR(csv_cell(&t, 1, c), values[c]);
    csv_free(&t);
    free(text);
}

int main(void)
{
    RUN_TEST(quoted_fields_are_unquoted);
    RUN_TEST(lf_endings_and_no_final_newline);
    RUN_TEST(blank_lines_at_the_end_are_no_rows);
    RUN_TEST(broken_files_name_the_line);
    RUN_TEST(what_the_writer_writes_reads_back);
    return CHECK_EXIT_CODE();
}
