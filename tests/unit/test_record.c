/* Unit tests of the record parser and the line reader, including records made by the probe's own line writer. */
#include <stdlib.h>

#include "check.h"
#include "line_reader.h"
#include "fragbench.h"
#include "record.h"

static int parse(const char *line, struct record *record, char *error)
{
    return record_parse(line, strlen(line), record, error, 256);
}

static void hello_record_is_parsed(void)
{
    struct record r;
    char error[256] = "";
    CHECK(parse("hello\tproto=1\tallocator=jemalloc\tversion=5.3.0\tobject=/usr/lib/libjemalloc.so.2\tpid=42", &r, error) == 0);
    CHECK(r.type == RECORD_HELLO);
    CHECK_STR(r.allocator, "jemalloc");
    CHECK_STR(r.version, "5.3.0");
    CHECK_STR(r.object, "/usr/lib/libjemalloc.so.2");
    CHECK(r.pid == 42 && r.proto == 1);
    CHECK(r.threads == 0); /* not a threaded case */
    CHECK(parse("hello\tproto=1\tallocator=glibc\tversion=2.36\tobject=/lib/libc.so.6\tthreads=8", &r, error) == 0);
    CHECK(r.threads == 8);
    CHECK(r.runtime[0] == '\0'); /* a native program names no interpreter */
    CHECK(parse("hello\tproto=1\tallocator=glibc\tversion=2.36\tobject=/lib/libc.so.6\texe=/usr/bin/python3.11"
                "\truntime=CPython 3.11.2", &r, error) == 0);
    CHECK_STR(r.runtime, "CPython 3.11.2");
    CHECK_STR(r.exe, "/usr/bin/python3.11");
}

static void phase_record_is_parsed(void)
{
    struct record r;
    char error[256] = "";
    CHECK(parse("phase\tseq=2\tlabel=After del\telapsed_us=1500\tvsz_kb=10\trss_kb=9\tanon_kb=7\tfile_kb=2"
                "\tlive_bytes=5000\tallocs=1\tfuture_key=ignored",
                &r, error) == 0);
    CHECK(r.type == RECORD_PHASE);
    CHECK(r.phase.seq == 2 && r.phase.elapsed_us == 1500 && r.phase.vsz_kb == 10 && r.phase.rss_kb == 9);
    CHECK(r.phase.anon_kb == 7 && r.phase.file_kb == 2 && r.phase.live_bytes == 5000 && r.phase.allocs == 1 && r.phase.has_live);
    CHECK_STR(r.phase.label, "After del");
}

static void idle_record_is_parsed(void)
{
    struct record r;
    char error[256] = "";
    CHECK(parse("idle\tidle_ms=1000", &r, error) == 0);
    CHECK(r.type == RECORD_IDLE && r.idle_ms == 1000);
    CHECK(parse("idle", &r, error) == -1 && strstr(error, "idle record lacks field 'idle_ms'"));
    CHECK(parse("idle\tidle_ms=soon", &r, error) == -1 && strstr(error, "'soon' is not a whole number"));
}

static void live_fields_are_optional(void)
{
    struct record r;
    char error[256] = "";
    CHECK(parse("phase\tseq=1\tlabel=x\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0", &r, error) == 0);
    CHECK(!r.phase.has_live);
    CHECK(!r.phase.has_child_peak);
    CHECK(parse("phase\tseq=1\tlabel=x\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0\tchild_peak_kb=512000", &r,
                error) == 0);
    CHECK(r.phase.has_child_peak && r.phase.child_peak_kb == 512000);
}

static void malformed_records_are_rejected_with_a_reason(void)
{
    struct record r;
    char error[256];
    CHECK(parse("phase\tseq=1\tlabel=x", &r, error) == -1 && strstr(error, "lacks field 'elapsed_us'"));
    CHECK(parse("phase\tseq=x1\tlabel=x\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0", &r, error) == -1 &&
          strstr(error, "'seq'"));
    CHECK(parse("phase\tseq=99999999999999999999\tlabel=x\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0", &r,
                error) == -1);
    CHECK(parse("phase\tseq=1\tseq=2\tlabel=x\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0", &r, error) ==
              -1 &&
          strstr(error, "twice"));
    CHECK(parse("phase\tseq=\tlabel=x\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0", &r, error) == -1);
    CHECK(parse("gossip\tx=1", &r, error) == -1 && strstr(error, "unknown record type"));
    CHECK(parse("hello\tproto=1\tallocator=glibc\tversion=2.36\tnovalue", &r, error) == -1 &&
          strstr(error, "not key=value"));
    CHECK(parse("", &r, error) == -1);
    CHECK(record_parse("hello\tproto=1\0x", 16, &r, error, sizeof error) == -1 && strstr(error, "NUL"));
    CHECK(parse("phase\tseq=1\tlabel=A\rB\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0", &r, error) == -1 &&
          strstr(error, "CR"));
    char long_label[400];
    memset(long_label, 'a', sizeof long_label);
    long_label[sizeof long_label - 1] = '\0';
    char line[600];
    snprintf(line, sizeof line, "phase\tseq=1\tlabel=%s\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0",
             long_label);
    CHECK(parse(line, &r, error) == -1 && strstr(error, "longer than"));
}

static void allocator_view_fields_are_optional_each(void)
{
    struct record r;
    char error[256] = "";
    const char *base = "phase\tseq=1\tlabel=x\telapsed_us=1\tvsz_kb=1\trss_kb=1\tanon_kb=1\tfile_kb=0";
    char line[512];
    snprintf(line, sizeof line, "%s\talloc_in_use_bytes=4096\talloc_os_bytes=0", base);
    CHECK(parse(line, &r, error) == 0);
    CHECK(r.phase.has_alloc_in_use && r.phase.alloc_in_use_bytes == 4096);
    CHECK(!r.phase.has_alloc_free);
    CHECK(r.phase.has_alloc_os && r.phase.alloc_os_bytes == 0); /* zero is a value, not "unknown" */
    CHECK(parse(base, &r, error) == 0);
    CHECK(!r.phase.has_alloc_in_use && !r.phase.has_alloc_free && !r.phase.has_alloc_os);
    snprintf(line, sizeof line, "%s\talloc_free_bytes=-1", base);
    CHECK(parse(line, &r, error) == -1 && strstr(error, "alloc_free_bytes"));
}

/* fb_send_phase() leaves out what the allocator does not tell, and the runner reads the rest back. */
static void sent_allocator_view_parses_back(void)
{
    int fds[2];
    char text[FB_RECORD_MAX], error[256] = "";
    struct record r;
    struct fb_memory memory = {.vsz_kb = 4, .rss_kb = 3, .anon_kb = 2, .file_kb = 1};
    struct fb_allocator_view view = {.in_use_bytes = 123, .free_bytes = FB_UNKNOWN, .os_bytes = 456};
    CHECK(pipe(fds) == 0);
    CHECK(fb_send_phase(fds[1], 5, "After del", &memory, 1, 100, 2, &view, NULL) == 0);
    ssize_t n = read(fds[0], text, sizeof text);
    CHECK(n > 1 && text[n - 1] == '\n');
    text[n > 0 ? n - 1 : 0] = '\0';
    CHECK(strstr(text, "alloc_free_bytes") == NULL);
    CHECK(record_parse(text, strlen(text), &r, error, sizeof error) == 0);
    CHECK(r.phase.has_alloc_in_use && r.phase.alloc_in_use_bytes == 123 && !r.phase.has_alloc_free);
    CHECK(r.phase.has_alloc_os && r.phase.alloc_os_bytes == 456 && r.phase.has_live && r.phase.live_bytes == 100);
    CHECK(fb_send_phase(fds[1], 6, "After idle", &memory, 1, 100, 2, NULL, NULL) == 0); /* fragbench.h: no view */
    n = read(fds[0], text, sizeof text);
    CHECK(n > 1 && record_parse(text, (size_t)n - 1, &r, error, sizeof error) == 0);
    CHECK(!r.phase.has_alloc_in_use && !r.phase.has_alloc_free && !r.phase.has_alloc_os);
    CHECK(!r.phase.has_recorded && !r.phase.has_recorded_rss && !r.phase.has_trace_events);
    /* A replay's row: where it stands in the recording, and the recording's RSS only where it measured one. */
    struct fb_recorded_point at_row = {.at_us = 1500000, .rss_kb = 86828, .peak_kb = 91000, .events = 777},
                             between = {.at_us = 42, .rss_kb = FB_UNKNOWN};
    CHECK(fb_send_phase(fds[1], 7, "Recorded peak", &memory, 1, 100, 2, NULL, &at_row) == 0);
    n = read(fds[0], text, sizeof text);
    CHECK(n > 1 && record_parse(text, (size_t)n - 1, &r, error, sizeof error) == 0);
    CHECK(r.phase.has_recorded && r.phase.recorded_us == 1500000 && r.phase.has_recorded_rss && r.phase.recorded_rss_kb == 86828);
    CHECK(r.phase.replay_peak_kb == 91000); /* the replay's own peak so far, between its rows too */
    CHECK(r.phase.has_trace_events && r.phase.trace_events == 777); /* the events replayed before the row */
    CHECK(fb_send_phase(fds[1], 8, "5%", &memory, 1, 100, 2, NULL, &between) == 0);
    n = read(fds[0], text, sizeof text);
    CHECK(n > 1 && record_parse(text, (size_t)n - 1, &r, error, sizeof error) == 0);
    CHECK(r.phase.has_recorded && r.phase.recorded_us == 42 && !r.phase.has_recorded_rss && r.phase.replay_peak_kb == 0);
    CHECK(r.phase.hwm_kb == 0); /* none known in this sample: none sent */
    /* The process's own high-water mark, where its sample read one (fb_sample does; a replay's says none). */
    memory.hwm_kb = 201740;
    CHECK(fb_send_phase(fds[1], 9, "Exit", &memory, 0, 0, 0, NULL, NULL) == 0);
    n = read(fds[0], text, sizeof text);
    CHECK(n > 1 && record_parse(text, (size_t)n - 1, &r, error, sizeof error) == 0 && r.phase.hwm_kb == 201740);
    memory.hwm_kb = FB_UNKNOWN;
    CHECK(fb_send_phase(fds[1], 10, "Exit", &memory, 0, 0, 0, NULL, NULL) == 0);
    n = read(fds[0], text, sizeof text);
    CHECK(n > 1 && record_parse(text, (size_t)n - 1, &r, error, sizeof error) == 0 && r.phase.hwm_kb == 0);
    struct fb_memory own;
    CHECK(fb_sample(&own) == 0 && own.hwm_kb != FB_UNKNOWN && own.hwm_kb >= own.rss_kb);
    close(fds[0]);
    close(fds[1]);
}

static void probe_writer_output_parses_back(void)
{
    struct fb_line line = {.len = 0};
    struct record r;
    char error[256] = "";
    fb_line_text(&line, "phase");
    fb_line_field_u64(&line, "seq", 7);
    fb_line_field(&line, "label", "After\tdel\nx"); /* TAB and LF must not break the record */
    fb_line_field_u64(&line, "elapsed_us", 18446744073709551615ull);
    fb_line_field_u64(&line, "vsz_kb", 0);
    fb_line_field_u64(&line, "rss_kb", 123456789);
    fb_line_field_u64(&line, "anon_kb", 1);
    fb_line_field_u64(&line, "file_kb", 2);
    CHECK(record_parse(line.text, line.len, &r, error, sizeof error) == 0);
    CHECK_STR(r.phase.label, "After del x");
    CHECK(r.phase.seq == 7 && r.phase.elapsed_us == 18446744073709551615ull && r.phase.vsz_kb == 0 && r.phase.rss_kb == 123456789);
}

struct collected {
    char lines[8][64];
    size_t count;
};

static void collect(void *context, const char *line, size_t len)
{
    struct collected *c = context;
    if (c->count < 8)
        snprintf(c->lines[c->count++], 64, "%.*s", line ? (int)len : 10, line ? line : "<too long>");
}

static void line_reader_joins_split_lines_and_drops_long_ones(void)
{
    struct line_reader *reader = calloc(1, sizeof *reader);
    struct collected c = {.count = 0};
    char *huge = malloc(3 * FB_RECORD_MAX);
    memset(huge, 'x', 3 * FB_RECORD_MAX);

    line_reader_feed(reader, "ab", 2, collect, &c);
    line_reader_feed(reader, "c\nd\n\n", 5, collect, &c);
    line_reader_feed(reader, huge, 3 * FB_RECORD_MAX, collect, &c);
    line_reader_feed(reader, "tail\nnext\nunfinished", 20, collect, &c);
    CHECK(c.count == 5);
    CHECK_STR(c.lines[0], "abc");
    CHECK_STR(c.lines[1], "d");
    CHECK_STR(c.lines[2], "");
    CHECK_STR(c.lines[3], "<too long>");
    CHECK_STR(c.lines[4], "next");
    CHECK(reader->long_lines == 1);
    CHECK(line_reader_finish(reader));
    free(huge);
    free(reader);
}

int main(void)
{
    RUN_TEST(hello_record_is_parsed);
    RUN_TEST(phase_record_is_parsed);
    RUN_TEST(idle_record_is_parsed);
    RUN_TEST(live_fields_are_optional);
    RUN_TEST(malformed_records_are_rejected_with_a_reason);
    RUN_TEST(probe_writer_output_parses_back);
    RUN_TEST(allocator_view_fields_are_optional_each);
    RUN_TEST(sent_allocator_view_parses_back);
    RUN_TEST(line_reader_joins_split_lines_and_drops_long_ones);
    return CHECK_EXIT_CODE();
}
