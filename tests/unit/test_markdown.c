/* Unit tests of the slides' Markdown tables and of the strings the plots' data files carry. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "markdown.h"
#include "report.h"

static void table_of_a_name_with_a_pipe(FILE *out, const void *name)
{
    static const bool right[2] = {false, true};
    struct md_table table;
    md_begin(&table, 2, right);
    md_cell(&table, "phase");
    md_cell(&table, "kB");
    md_cell(&table, "%s", (const char *)name);
    md_cell(&table, "%d", 42);
    md_end(&table, out);
}

/* A '|' in a cell (a program's mark, a profile's name) is escaped: every row keeps as many cells as the header. */
static void a_pipe_in_a_cell_is_escaped(void)
{
    char *text = check_written(table_of_a_name_with_a_pipe, "load | store");
    CHECK(text && strstr(text, "load \\| store") != NULL);
    /* Cells per line: the unescaped '|' count is the same on every line. */
    int counts[3] = {0}, line = 0;
    for (const char *at = text; *at && line < 3; at++) {
        if (*at == '\n')
            line++;
        else if (*at == '|' && (at == text || at[-1] != '\\'))
            counts[line]++;
    }
    CHECK(counts[0] == 3 && counts[1] == 3 && counts[2] == 3);
    free(text);
}

static void data_string(FILE *out, const void *text)
{
    gp_data_string(out, text);
}

/* A data file's string: gnuplot reads no escapes there, so a double quote becomes a single one, a newline a space. */
static void a_data_files_string_has_no_escapes(void)
{
    char *text = check_written(data_string, "del \"big\" one\\x\nnext");
    CHECK(text && strcmp(text, "\"del 'big' one\\x next\"") == 0);
    free(text);
}

int main(void)
{
    RUN_TEST(a_pipe_in_a_cell_is_escaped);
    RUN_TEST(a_data_files_string_has_no_escapes);
    return CHECK_EXIT_CODE();
}
