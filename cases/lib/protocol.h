/* The record protocol spoken between a measured program and the runner (see docs/results.md, "The record protocol"). */
#ifndef FRAGBENCH_PROTOCOL_H
#define FRAGBENCH_PROTOCOL_H

/* The runner puts the number of an inherited, writable pipe into this variable. */
#define FB_ENV_FD "FRAGBENCH_FD"

/* And the pid of the process it started into this one: only that process speaks (not a child it made, which
   inherits the pipe and the environment). */
#define FB_ENV_PID "FRAGBENCH_PID"

/* And the CLOCK_MONOTONIC time, in microseconds, at which it started the program, into this one. */
#define FB_ENV_T0 "FRAGBENCH_T0_US"

/* Version of the record format, sent in the hello record. */
#define FB_PROTOCOL_VERSION 1

/* A record is one line: a type, then TAB-separated key=value fields, ended by LF. */
#define FB_RECORD_HELLO "hello"
#define FB_RECORD_PHASE "phase"
/* Optional: "I sleep idle_ms now and use no CPU": the runner may start another run meanwhile. */
#define FB_RECORD_IDLE "idle"

/* The longest record a reader must accept, LF included; longer lines are rejected. */
#define FB_RECORD_MAX 4096

/* The longest phase label; a longer one is cut. */
#define FB_LABEL_MAX 128

#endif
