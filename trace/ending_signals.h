/* The signals that end a program by default (SIGINT, SIGTERM, SIGHUP): written out before the program dies of one. */
#ifndef FRAGBENCH_TRACE_ENDING_SIGNALS_H
#define FRAGBENCH_TRACE_ENDING_SIGNALS_H

/* Puts the recorder's handler in place of each ending signal the program leaves to its default (recording began). */
void ending_signals_take(void);

#endif
