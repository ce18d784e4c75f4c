# fragbench: builds the runner and the case programs, installs what is missing, runs the talk and the tests.

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=gnu11 -Wall -Wextra -Werror
# Cases, and every program whose allocations are measured or recorded, must keep every allocation: the compiler may
# not treat malloc and free as builtins.
CASE_FLAGS := -fno-builtin-malloc -fno-builtin-free -fno-builtin-realloc -fno-builtin-calloc
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BUILD   := build
CASE_NAMES := ${shell sed -n "s/^CASE(\([a-z0-9_]*\), C,.*/\1/p" cases/cases.def}
ALL_CASES  := ${shell sed -n "s/^CASE(\([a-z0-9_.]*\),.*/\1/p" cases/cases.def}
# The cases that start threads (they define a non-zero case_default_threads): also built with ThreadSanitizer for the tests.
THREADED_CASES := ${shell grep -l "^const unsigned case_default_threads = [1-9]" $(addprefix cases/,$(addsuffix .c,$(CASE_NAMES)))}

# The recorder (preloaded into the measured program) and the trace reader the runner, the report and fb-trace share.
TRACE_READER := trace/reader.c trace/index.c trace/decode.c trace/merge.c trace/live.c trace/stable_sort.c trace/out_of_memory.c
TRACE_LIB    := $(TRACE_READER) trace/analysis.c
TRACE_HDR    := $(wildcard trace/*.h)

CASE_LIB_SRC := $(filter-out cases/lib/identify.c cases/lib/hello_shim.c,$(wildcard cases/lib/*.c))
CASE_LIB_HDR := $(wildcard cases/lib/*.h)
RUNNER_SRC   := $(wildcard runner/*.c) $(TRACE_LIB)
RUNNER_HDR   := $(wildcard runner/*.h) cases/lib/protocol.h cases/lib/fragbench.h cases/cases.def $(TRACE_HDR)
RUNNER_LIB   := $(filter-out runner/main.c,$(RUNNER_SRC))
UNIT_TESTS   := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

REPORT_SRC   := $(wildcard report/*.c)
REPORT_HDR   := $(wildcard report/*.h)
REPORT_SHARED := runner/csv.c runner/profiles.c runner/median.c runner/spread.c runner/cases.c runner/growth.c runner/replay_check.c
REPORT_LIB   := $(filter-out report/main.c,$(REPORT_SRC)) $(REPORT_SHARED)

PROGRAMS := $(BUILD)/fragbench $(BUILD)/fb-identify $(BUILD)/fb-report $(BUILD)/fb-trace $(BUILD)/libfbhello.so $(BUILD)/libfbtrace.so \
            $(BUILD)/fb-replay $(addprefix $(BUILD)/cases/,$(CASE_NAMES))

# make compare / make slides / make bench: the matrix and where its results go.
# The talk's diagnosis and cures: frag.py's workload under glibc only (the cures table sets them against frag.py).
CURE_CASES  := frag_debug.py frag_subprocess.py frag_compact.py
CASES       ?= $(filter-out $(CURE_CASES),$(ALL_CASES))
CURES       ?= $(CURE_CASES)
CURE_ALLOCS ?= glibc
# Recorded traces replayed as cases of the matrix (docs/replay.md); by default the reference's, jq's (TRACES= for none).
TRACES      ?= results/jq.trace.zst
# REPLAY_PARTIAL=yes: traces that are not whole (a killed program's) are replayed, not refused (--replay-partial).
REPLAY_PARTIAL ?=
ALLOCS      ?= all
REPS        ?= 2
MAX_REPS    ?= 3
SCALE       ?= 1
IDLE_MS     ?= 1000
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
TIMING_RUNS ?= 3
# The reference's files (results/ and plots/) are replaced by the whole matrix only: a matrix with any of its set's
# variables given (on make's command line or in the environment) goes to results/mine/ unless RESULTS says where.
MATRIX_SET  := CASES CURES CURE_ALLOCS TRACES REPLAY_PARTIAL ALLOCS REPS MAX_REPS SCALE IDLE_MS
MATRIX_GIVEN := $(strip $(foreach name,$(MATRIX_SET),$(if $(filter command% environment%,$(origin $(name))),$(name))))
# Results elsewhere than results/ have their plots beside them, not in the reference's plots/.
ifneq ($(MATRIX_GIVEN),)
RESULTS     ?= results/mine
endif
RESULTS     ?= results
ifeq ($(abspath $(RESULTS)),$(abspath results))
PLOTS       ?= plots
endif
PLOTS       ?= $(RESULTS)/plots
# The plots' data: a directory of the drawing's own, removed after it, unless named (the tests read it). One shared by
# name (build/plot-data/mine for results/mine and /tmp/x/mine) mixed two drawings' plots.
PLOT_DATA   ?=
export CASES CURES CURE_ALLOCS TRACES REPLAY_PARTIAL ALLOCS REPS MAX_REPS SCALE IDLE_MS JOBS TIMING_RUNS RESULTS PLOTS PLOT_DATA MATRIX_GIVEN
# A variable on make's command line that this Makefile does not read is refused before anything runs: a typo
# (make compare CASE=frag) ran the whole matrix, which replaces the reference's results in results/ and plots/.
# Read: every variable this Makefile sets (a command line may override any); make's own for C are taken too, though
# its rules use CC and CFLAGS alone (docs/options.md says so); the names suggested are the user's, those set with ?=.
THIS_MAKEFILE      := $(firstword $(MAKEFILE_LIST))
MAKEFILE_VARIABLES := $(shell sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\) *[:?+!]*=.*/\1/p' $(THIS_MAKEFILE)) CPPFLAGS LDFLAGS LDLIBS
USER_VARIABLES     := $(sort $(shell sed -n 's/^\([A-Z_]*\) *?=.*/\1/p' $(THIS_MAKEFILE)))
UNKNOWN_VARIABLES  := $(filter-out $(MAKEFILE_VARIABLES),$(foreach name,$(.VARIABLES),$(if $(filter command line,$(origin $(name))),$(name))))
ifneq ($(UNKNOWN_VARIABLES),)
$(error $(foreach name,$(UNKNOWN_VARIABLES),$(name) is not a variable of fragbench's Makefile$(if $(filter $(name)%,$(USER_VARIABLES)), (did you mean $(firstword $(filter $(name)%,$(USER_VARIABLES)))?));) nothing ran; the variables a user sets: $(USER_VARIABLES) (docs/options.md))
endif
TEST_PROGRAMS := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS) probe_allocs view_allocs malloc_counter.so no_threads.so malloc_set_up.so probe.o record_check record_live record_threads record_intrusions signal_safe_alloc.so replay_order replay_own_memory cpu_quota header_phase header_phase_nopie lazyfree_phase static_hello main_thread_exits frees_then_idles woken_early) \
                 $(BUILD)/fragbench-asan $(addprefix $(BUILD)/asan/,$(UNIT_TESTS)) \
                 $(addprefix $(BUILD)/fuzz/fuzz_,record profiles csv trace replay) \
                 $(patsubst cases/%.c,$(BUILD)/tsan/%,$(THREADED_CASES)) \
                 $(BUILD)/tsan-writer/trace_writer_stress $(BUILD)/asan/trace_writer_stress $(BUILD)/tsan-replay/fb-replay $(BUILD)/tsan-replay/replay_order \
                 $(BUILD)/bench/replay_floor

.PHONY: all programs deps deps-compare deps-test bench-record bench-replay fidelity talk compare slides bench test clean clang-check bench-runner fuzz check-reference
all: programs

programs: $(PROGRAMS)

deps:
	@scripts/deps.sh

# What make compare and make bench need besides the allocators.
deps-compare:
	@scripts/deps.sh gnuplot-nox hyperfine

# Real programs the recorder's tests run (fragbench did not write them).
deps-test:
	@scripts/deps.sh jq sqlite3

# The talk's table for the four allocators (installs them first).
talk: deps programs
	./run --alloc=glibc,jemalloc,tcmalloc,mimalloc frag lists extend

# The whole matrix (wall times from the memory runs), then the slide tables and plots (docs/options.md).
compare: deps deps-compare programs
	@scripts/compare.sh

# Tables and plots again from $(RESULTS)/compare.csv; nothing is re-run.
slides: deps-compare programs
	@scripts/slides.sh && echo "fragbench: slides from $(RESULTS)/compare.csv: $(RESULTS)/slides.md, $(RESULTS)/summary.csv, $(PLOTS)/*.svg and *.png" >&2

# A sample of the committed matrix run again here, each cell's retained % beside the reference's (docs/findings.md, "Does the reference reproduce here?").
CHECK_CASES     ?= frag lists extend sizeclass frag.py lists.py
CHECK_ALLOCS    ?= glibc glibc-mmap64k jemalloc-decay0 jemalloc-bgthread tcmalloc-aggressive mimalloc mimalloc-decommit0
CHECK_REPS      ?= 1
TOLERANCE       ?= 5
TIMED_TOLERANCE ?= 15
export CHECK_CASES CHECK_ALLOCS CHECK_REPS TOLERANCE TIMED_TOLERANCE
check-reference: deps programs
	@REFERENCE="$(if $(filter command% environment%,$(origin RESULTS)),$(RESULTS),results)" scripts/check_reference.sh

# Timings only: hyperfine over every case x installed profile, one at a time; make slides then uses them.
bench: deps deps-compare programs
	@mkdir -p "$(RESULTS)"
	@bench/timing.sh "$(RESULTS)" "$(CASES)" "$$(if [ "$(ALLOCS)" = all ]; then build/fragbench --list=profiles; else echo $(ALLOCS); fi)" $(SCALE) $(TIMING_RUNS) "$(CURES)" "$(CURE_ALLOCS)"

# The packages first, one apt-get at a time; then the build on both cores (half the time of a serial one: the
# sanitizer, fuzz and ThreadSanitizer builds are most of it), then the tests.
test: deps deps-compare deps-test
	@$(MAKE) --no-print-directory -j2 programs $(TEST_PROGRAMS)
	@tests/run-all.sh

# Benchmarks of fragbench itself (probe cost, runner overhead and memory); figures in docs/speed.md.
bench-runner: programs $(BUILD)/bench/probe_cost
	@scripts/deps.sh hyperfine
	@bench/run.sh

# Benchmarks of the recorder: jq and CPython with and without it, the trace's size, its memory (docs/speed.md).
bench-record: deps deps-test programs $(BUILD)/tests/record_threads
	@scripts/deps.sh hyperfine
	@bench/record.sh

# Benchmarks of the replay: jq's replay against jq itself, and calls per second on small blocks (docs/replay.md#speed).
bench-replay: deps deps-test programs $(BUILD)/tests/record_threads $(BUILD)/bench/replay_floor
	@scripts/deps.sh hyperfine
	@bench/replay.sh

# The replay's fidelity: jq, CPython and sqlite3 recorded once, then run and replayed under six profiles (docs/replay.md).
fidelity: deps deps-test programs
	@bench/fidelity.sh

# A long fuzz run: make fuzz FUZZ_SECONDS=600 (each target in turn; new inputs land in build/fuzz/found-*).
FUZZ_SECONDS ?= 60
fuzz: deps $(addprefix $(BUILD)/fuzz/fuzz_,record profiles csv trace replay)
	@for target in record profiles csv trace replay; do mkdir -p $(BUILD)/fuzz/found-$$target; \
	    $(BUILD)/fuzz/fuzz_$$target -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=60 \
	        -artifact_prefix=$(BUILD)/fuzz/$$target- $(BUILD)/fuzz/found-$$target tests/fuzz/corpus/$$target || exit 1; done

clean:
	rm -rf $(BUILD)

$(BUILD)/fragbench: $(RUNNER_SRC) $(RUNNER_HDR) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -o $@ $(RUNNER_SRC) -lm

# The sanitizer build sits beside the normal one, so that it finds the same cases and profiles.
$(BUILD)/fragbench-asan: $(RUNNER_SRC) $(RUNNER_HDR) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $(RUNNER_SRC) -lm

$(BUILD)/fb-report: $(REPORT_SRC) $(REPORT_HDR) $(REPORT_SHARED) $(RUNNER_HDR) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -Irunner -Ireport -o $@ $(REPORT_SRC) $(REPORT_SHARED)

# Preloaded after the profile's library in external mode: sends the hello record from a constructor.
$(BUILD)/libfbhello.so: cases/lib/hello_shim.c cases/lib/allocator.c cases/lib/probe.c $(CASE_LIB_HDR) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -shared -fPIC -Icases/lib -o $@ cases/lib/hello_shim.c cases/lib/allocator.c cases/lib/probe.c -ldl

# The recorder: nothing of the runner's, only libc and libdl (it runs inside the measured program).
RECORDER_SRC := trace/recorder.c trace/writer.c trace/ending_signals.c
$(BUILD)/libfbtrace.so: $(RECORDER_SRC) trace/format.h trace/writer.h trace/ending_signals.h | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -shared -fPIC -fvisibility=hidden -pthread -o $@ $(RECORDER_SRC) -ldl

$(BUILD)/fb-trace: trace/main.c $(TRACE_LIB) $(TRACE_HDR) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -o $@ trace/main.c $(TRACE_LIB)

# The replayer: its trace reader's and live set's tables come from its own mmap'ed allocator, not from the
# allocator under test (their malloc family renamed in the objects), so they do not sit in the heap measured; the
# reader reads with pread and sorts with stable_sort, not stdio and qsort, whose FILE, buffer and scratch would
# (docs/replay.md). The C library's table for each of the replay's threads comes from the replay's own memory
# too (replay/own_threads.c).
REPLAY_PRIVATE := --redefine-sym malloc=private_malloc --redefine-sym calloc=private_calloc \
                  --redefine-sym realloc=private_realloc --redefine-sym free=private_free
TRACE_READER_PRIVATE := $(patsubst trace/%.c,$(BUILD)/replay/%.o,$(TRACE_READER))
$(BUILD)/replay/%.o: trace/%.c $(TRACE_HDR) | $(BUILD)/replay
	$(CC) $(WARN) $(CFLAGS) -c -o $@ $<
	objcopy $(REPLAY_PRIVATE) $@

REPLAY_ENGINE := replay/engine.c replay/points.c replay/threads.c replay/pipeline.c replay/private_alloc.c replay/own_threads.c \
                 replay/cpu_share.c
REPLAY_SRC := replay/main.c replay/calls.c $(REPLAY_ENGINE)
REPLAY_HDR := replay/replay.h replay/points.h replay/pipeline.h replay/private_alloc.h replay/threads.h replay/own_threads.h replay/cpu_share.h $(TRACE_HDR) $(CASE_LIB_HDR)
$(BUILD)/fb-replay: $(REPLAY_SRC) $(REPLAY_HDR) $(TRACE_READER_PRIVATE) \
                    cases/lib/allocator.c cases/lib/probe.c | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -pthread -Icases/lib -Itrace -Ireplay -o $@ $(REPLAY_SRC) \
	    $(TRACE_READER_PRIVATE) cases/lib/allocator.c cases/lib/probe.c -ldl

# The engine's order on crafted traces (its calls logged by the test), and the same under ThreadSanitizer.
REPLAY_ORDER_SRC := tests/replay_order.c $(REPLAY_ENGINE) $(TRACE_READER)
REPLAY_ORDER_DEP := $(REPLAY_ORDER_SRC) $(REPLAY_HDR) tests/unit/check.h tests/unit/trace_builder.h
$(BUILD)/tests/replay_order: $(REPLAY_ORDER_DEP) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -pthread -Itests/unit -Icases/lib -Itrace -Ireplay -o $@ $(REPLAY_ORDER_SRC)
$(BUILD)/tests/replay_own_memory: tests/replay_own_memory.c replay/private_alloc.c replay/private_alloc.h \
                                  tests/unit/check.h $(CASE_LIB_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -pthread -Itests/unit -Icases/lib -Ireplay -o $@ tests/replay_own_memory.c replay/private_alloc.c
$(BUILD)/tests/cpu_quota: tests/cpu_quota.c replay/cpu_share.c replay/cpu_share.h tests/unit/check.h $(CASE_LIB_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(SAN_FLAGS) -Itests/unit -Icases/lib -Ireplay -o $@ tests/cpu_quota.c replay/cpu_share.c
$(BUILD)/tsan-replay/replay_order: $(REPLAY_ORDER_DEP) | $(BUILD)/tsan-replay
	$(CC) $(WARN) -O1 -g -fsanitize=thread -pthread -Itests/unit -Icases/lib -Itrace -Ireplay -o $@ $(REPLAY_ORDER_SRC)

# The replayer under ThreadSanitizer, for the tests (its threads hand blocks to one another).
$(BUILD)/tsan-replay/fb-replay: $(REPLAY_SRC) $(REPLAY_HDR) $(TRACE_READER_PRIVATE) \
                                cases/lib/allocator.c cases/lib/probe.c | $(BUILD)/tsan-replay
	$(CC) $(WARN) -O1 -g -fsanitize=thread $(CASE_FLAGS) -pthread -Icases/lib -Itrace -Ireplay -o $@ $(REPLAY_SRC) \
	    $(TRACE_READER_PRIVATE) cases/lib/allocator.c cases/lib/probe.c -ldl

$(BUILD)/fb-identify: cases/lib/identify.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) trace/version.h | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ cases/lib/identify.c $(filter-out cases/lib/case_main.c,$(CASE_LIB_SRC)) -ldl

$(BUILD)/cases/%: cases/%.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)/cases
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -pthread -Icases/lib -o $@ $< $(CASE_LIB_SRC) -ldl -lm

# The threaded cases under ThreadSanitizer: a data race in a case would make its numbers meaningless.
$(BUILD)/tsan/%: cases/%.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)/tsan
	$(CC) $(WARN) -O1 -g -fsanitize=thread $(CASE_FLAGS) -pthread -Icases/lib -o $@ $< $(CASE_LIB_SRC) -ldl -lm

# The trace writer alone (not in build/tsan/, which holds the threaded cases), under ThreadSanitizer and under ASan+UBSan (the recorder itself cannot be: it is
# preloaded, and the sanitizers' runtimes interpose malloc themselves), with its test hook (a thread kept off the processor inside a call).
$(BUILD)/tsan-writer/trace_writer_stress: tests/trace_writer_stress.c trace/writer.c $(TRACE_LIB) $(TRACE_HDR) | $(BUILD)/tsan-writer
	$(CC) $(WARN) -O1 -g -fsanitize=thread -pthread -Itrace -DTRACE_WRITER_TEST_HOOKS -o $@ $< trace/writer.c $(TRACE_LIB)

$(BUILD)/asan/trace_writer_stress: tests/trace_writer_stress.c trace/writer.c $(TRACE_LIB) $(TRACE_HDR) | $(BUILD)/asan
	$(CC) $(WARN) $(CFLAGS) $(SAN_FLAGS) -pthread -Itrace -DTRACE_WRITER_TEST_HOOKS -o $@ $< trace/writer.c $(TRACE_LIB)

# Unit tests link the runner's and the report's modules, each compiled once per build (plain, and ASan+UBSan) into
# an archive: compiled into every test, they were 28 compiles of some 75 files, most of make test's build time.
UNIT_SRC  := $(sort $(RUNNER_LIB) $(REPORT_LIB))
UNIT_INC  := -Irunner -Ireport -Icases/lib -Itrace
UNIT_ARCHIVE      := $(BUILD)/unit-objects/libunit.a
UNIT_ASAN_ARCHIVE := $(BUILD)/asan-objects/libunit.a

$(BUILD)/unit-objects/%.o: %.c $(RUNNER_HDR) $(REPORT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(UNIT_INC) -c -o $@ $<

$(BUILD)/asan-objects/%.o: %.c $(RUNNER_HDR) $(REPORT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(UNIT_INC) -c -o $@ $<

$(UNIT_ARCHIVE): $(patsubst %.c,$(BUILD)/unit-objects/%.o,$(UNIT_SRC))
	rm -f $@ && ar rcs $@ $^

$(UNIT_ASAN_ARCHIVE): $(patsubst %.c,$(BUILD)/asan-objects/%.o,$(UNIT_SRC))
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/check.h tests/unit/trace_builder.h $(UNIT_ARCHIVE) $(RUNNER_HDR) $(REPORT_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(UNIT_INC) -o $@ $< $(UNIT_ARCHIVE) -lm

$(BUILD)/asan/test_%: tests/unit/test_%.c tests/unit/check.h tests/unit/trace_builder.h $(UNIT_ASAN_ARCHIVE) $(RUNNER_HDR) $(REPORT_HDR) | $(BUILD)/asan
	$(CC) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(UNIT_INC) -o $@ $< $(UNIT_ASAN_ARCHIVE) -lm

$(BUILD)/tests/probe_allocs: tests/probe_allocs.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ $< $(filter-out cases/lib/case_main.c,$(CASE_LIB_SRC)) -ldl

$(BUILD)/tests/view_allocs: tests/view_allocs.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ $< $(filter-out cases/lib/case_main.c,$(CASE_LIB_SRC)) -ldl

$(BUILD)/bench/probe_cost: bench/probe_cost.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)/bench
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ $< $(filter-out cases/lib/case_main.c,$(CASE_LIB_SRC)) -ldl

# The replay's floor: a trace's calls alone, from an array read ahead (bench/replay.sh); linked as fb-replay is.
$(BUILD)/bench/replay_floor: bench/replay_floor.c replay/calls.c replay/private_alloc.c $(REPLAY_HDR) \
                             $(TRACE_READER_PRIVATE) cases/lib/allocator.c cases/lib/probe.c | $(BUILD)/bench
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -Itrace -Ireplay -o $@ $< replay/calls.c replay/private_alloc.c \
	    $(TRACE_READER_PRIVATE) cases/lib/allocator.c cases/lib/probe.c -ldl

# A threaded service in small, for the replay's threaded fidelity (docs/replay.md, Not done yet; docs/reproducing.md).
$(BUILD)/bench/shared_ring: bench/shared_ring.c | $(BUILD)/bench
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -pthread -o $@ $<

# The probe's objects, built as for the cases, for the check of what they import.
$(BUILD)/tests/%.o: cases/lib/%.c $(CASE_LIB_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -c -o $@ $<

$(BUILD)/tests/header_phase: tests/header_phase.c cases/lib/fragbench.h cases/lib/protocol.h | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -Icases/lib -o $@ $<

# The same program built position-dependent: there, the address of malloc it takes is its own PLT stub
# (the canonical address), the trap for any code that names the allocator by that address.
$(BUILD)/tests/header_phase_nopie: tests/header_phase.c cases/lib/fragbench.h cases/lib/protocol.h | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -fno-pie -no-pie -Icases/lib -o $@ $<

$(BUILD)/tests/record_live: tests/record_live.c cases/lib/fragbench.h cases/lib/protocol.h | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ $<

$(BUILD)/tests/record_threads: tests/record_threads.c cases/lib/fragbench.h cases/lib/protocol.h | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -pthread -Icases/lib -o $@ $<

$(BUILD)/tests/record_intrusions: tests/record_intrusions.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -pthread -o $@ $<

$(BUILD)/tests/lazyfree_phase: tests/lazyfree_phase.c cases/lib/fragbench.h cases/lib/protocol.h | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ $<

$(BUILD)/tests/frees_then_idles: tests/frees_then_idles.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -o $@ $<

$(BUILD)/tests/woken_early: tests/woken_early.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -pthread -o $@ $<

$(BUILD)/tests/main_thread_exits: tests/main_thread_exits.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -pthread -o $@ $<

$(BUILD)/tests/static_hello: tests/static_hello.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -static -o $@ $<

$(BUILD)/tests/record_check: tests/record_check.c runner/record.c $(RUNNER_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -Irunner -o $@ $< runner/record.c

FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
$(BUILD)/fuzz/fuzz_record: tests/fuzz/fuzz_record.c runner/line_reader.c runner/record.c $(RUNNER_HDR) | $(BUILD)/fuzz
	clang $(WARN) $(FUZZ_FLAGS) -Irunner -o $@ $< runner/line_reader.c runner/record.c

$(BUILD)/fuzz/fuzz_trace: tests/fuzz/fuzz_trace.c $(TRACE_READER) $(TRACE_HDR) | $(BUILD)/fuzz
	clang $(WARN) $(FUZZ_FLAGS) -Itrace -o $@ $< $(TRACE_READER)

# The replay engine on any bytes, its calls answered by a checking allocator (no block released it does not hold).
$(BUILD)/fuzz/fuzz_replay: tests/fuzz/fuzz_replay.c $(REPLAY_ENGINE) $(TRACE_READER) \
                           $(REPLAY_HDR) | $(BUILD)/fuzz
	clang $(WARN) $(FUZZ_FLAGS) -pthread -Icases/lib -Itrace -Ireplay -o $@ $< $(REPLAY_ENGINE) $(TRACE_READER)

$(BUILD)/fuzz/fuzz_profiles: tests/fuzz/fuzz_profiles.c runner/profiles.c runner/profiles.h | $(BUILD)/fuzz
	clang $(WARN) $(FUZZ_FLAGS) -Irunner -o $@ $< runner/profiles.c

$(BUILD)/fuzz/fuzz_csv: tests/fuzz/fuzz_csv.c report/csv_read.c report/csv_read.h | $(BUILD)/fuzz
	clang $(WARN) $(FUZZ_FLAGS) -Ireport -o $@ $< report/csv_read.c

$(BUILD)/tests/signal_safe_alloc.so: tests/signal_safe_alloc.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -shared -fPIC -o $@ $<

$(BUILD)/tests/malloc_counter.so: tests/malloc_counter.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

$(BUILD)/tests/no_threads.so: tests/no_threads.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -shared -fPIC -o $@ $<

$(BUILD)/tests/malloc_set_up.so: tests/malloc_set_up.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

# Every C source must build warning-free with clang too (run by the tests).
ALL_C_SRC := $(RUNNER_SRC) $(REPORT_SRC) $(RECORDER_SRC) trace/main.c $(REPLAY_SRC) $(wildcard cases/*.c cases/lib/*.c tests/*.c tests/unit/*.c tests/fuzz/*.c bench/*.c)
clang-check:
	@for f in $(ALL_C_SRC); do \
	    clang $(WARN) -O2 -Icases/lib -Irunner -Ireport -Itrace -Ireplay -Itests/unit -fsyntax-only $$f || exit 1; done

$(BUILD) $(BUILD)/cases $(BUILD)/tests $(BUILD)/asan $(BUILD)/bench $(BUILD)/fuzz $(BUILD)/tsan $(BUILD)/tsan-writer $(BUILD)/replay $(BUILD)/tsan-replay:
	mkdir -p $@
