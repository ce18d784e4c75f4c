# fragbench: builds the runner and the case programs, installs what is missing, runs the talk and the tests.

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=gnu11 -Wall -Wextra -Werror
# Cases must keep every allocation: the compiler may not treat malloc and free as builtins.
CASE_FLAGS := -fno-builtin-malloc -fno-builtin-free -fno-builtin-realloc -fno-builtin-calloc
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BUILD   := build
CASES   := ${shell sed -n "s/^CASE(\([a-z0-9_]*\),.*/\1/p" cases/cases.def}

CASE_LIB_SRC := $(filter-out cases/lib/identify.c,$(wildcard cases/lib/*.c))
CASE_LIB_HDR := $(wildcard cases/lib/*.h)
RUNNER_SRC   := $(wildcard runner/*.c)
RUNNER_HDR   := $(wildcard runner/*.h) cases/lib/protocol.h cases/cases.def
RUNNER_LIB   := $(filter-out runner/main.c,$(RUNNER_SRC))
UNIT_TESTS   := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

PROGRAMS := $(BUILD)/fragbench $(BUILD)/fb-identify $(addprefix $(BUILD)/cases/,$(CASES))
TEST_PROGRAMS := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS) probe_allocs malloc_counter.so probe.o linebuf.o) \
                 $(BUILD)/fragbench-asan $(addprefix $(BUILD)/asan/,$(UNIT_TESTS))

.PHONY: all programs deps talk test clean clang-check bench-runner
all: programs

programs: $(PROGRAMS)

deps:
	@scripts/deps.sh

# The talk's table for the four allocators (installs them first).
talk: deps programs
	./run --alloc=glibc,jemalloc,tcmalloc,mimalloc frag lists extend

test: deps programs $(TEST_PROGRAMS)
	@tests/run-all.sh

# Benchmarks of fragbench itself (probe cost, runner overhead and memory); figures in the README.
bench-runner: programs $(BUILD)/bench/probe_cost
	@scripts/deps.sh hyperfine
	@bench/run.sh

clean:
	rm -rf $(BUILD)

$(BUILD)/fragbench: $(RUNNER_SRC) $(RUNNER_HDR) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -o $@ $(RUNNER_SRC) -lm

# The sanitizer build sits beside the normal one, so that it finds the same cases and profiles.
$(BUILD)/fragbench-asan: $(RUNNER_SRC) $(RUNNER_HDR) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $(RUNNER_SRC) -lm

$(BUILD)/fb-identify: cases/lib/identify.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ cases/lib/identify.c $(filter-out cases/lib/case_main.c,$(CASE_LIB_SRC)) -ldl

$(BUILD)/cases/%: cases/%.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)/cases
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ $< $(CASE_LIB_SRC) -ldl -lm

# Unit tests link the runner's modules and the probe's line writer (to test the protocol both ways).
UNIT_SRC := $(RUNNER_LIB) cases/lib/linebuf.c
UNIT_INC := -Irunner -Icases/lib

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/check.h $(UNIT_SRC) $(RUNNER_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(UNIT_INC) -o $@ $< $(UNIT_SRC) -lm

$(BUILD)/asan/test_%: tests/unit/test_%.c tests/unit/check.h $(UNIT_SRC) $(RUNNER_HDR) | $(BUILD)/asan
	$(CC) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(UNIT_INC) -o $@ $< $(UNIT_SRC) -lm

$(BUILD)/tests/probe_allocs: tests/probe_allocs.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ $< $(filter-out cases/lib/case_main.c,$(CASE_LIB_SRC)) -ldl

$(BUILD)/bench/probe_cost: bench/probe_cost.c $(CASE_LIB_SRC) $(CASE_LIB_HDR) | $(BUILD)/bench
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -o $@ $< $(filter-out cases/lib/case_main.c,$(CASE_LIB_SRC)) -ldl

# The probe's objects, built as for the cases, for the check of what they import.
$(BUILD)/tests/%.o: cases/lib/%.c $(CASE_LIB_HDR) | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) $(CASE_FLAGS) -Icases/lib -c -o $@ $<

$(BUILD)/tests/malloc_counter.so: tests/malloc_counter.c | $(BUILD)/tests
	$(CC) $(WARN) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

# Every C source must build warning-free with clang too (run by the tests).
ALL_C_SRC := $(RUNNER_SRC) $(wildcard cases/*.c cases/lib/*.c tests/*.c tests/unit/*.c bench/*.c)
clang-check:
	@for f in $(ALL_C_SRC); do \
	    clang $(WARN) -O2 -Icases/lib -Irunner -fsyntax-only $$f || exit 1; done

$(BUILD) $(BUILD)/cases $(BUILD)/tests $(BUILD)/asan $(BUILD)/bench:
	mkdir -p $@
