/* The signals that end a program by default: the recorder writes every call out before the program dies of one. */
#define _GNU_SOURCE
#include "ending_signals.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "writer.h"

/*
 * A program that leaves SIGINT, SIGTERM or SIGHUP to its default dies of it at once: a terminal's Ctrl-C, which
 * reaches the program as well as the runner, or a `kill` from outside, lost every thread's calls since its last
 * chunk (up to 64 KiB, or a second, of them). So does one that crashes (SIGSEGV, SIGBUS, SIGILL, SIGFPE) or aborts
 * (SIGABRT): a crash after its frees lost them, and its trace said it held what it had freed (a newcomer's script,
 * told it leaked). So where the program leaves one of these to its default, the
 * recorder's handler stands in its place: it has every call written out and a stop block say the trace is complete
 * to the signal, then the process dies of the signal as it would have (trace_writer_die_of).
 *
 * The program must not see the difference: a program that asks (sigaction, signal) is told its own setting, the
 * default, with the flags and mask it gave; one that sets a handler of its own, or SIG_IGN, has it put in place;
 * one that sets the default again has the recorder's handler back. CPython installs its KeyboardInterrupt, and
 * CRuby its handlers, only where it finds the default, so each finds it. siginterrupt is taken too: for these
 * signals it changes the program's own setting, and the flags signal() gives. A program that goes around these
 * three (sysv_signal, sigset, the system call itself) puts its setting in place all the same, the recorder's handler
 * then not there, and is told that handler was the one it replaced: called by the program's own (a chain), it does
 * nothing while it is not in place. A handler set with SA_RESETHAND goes behind one of the recorder's
 * (on_reset_handler, below). Only the recording process takes them; a forked child, which inherits the handler,
 * dies of the signal at once.
 */

static const int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE};
enum { FIRST_FAULT = 4 }; /* SIGSEGV on: a fault, which comes again as its handler returns */
enum { ENDING_SIGNALS = sizeof ending_signals / sizeof ending_signals[0] };

/* What the program set, or found, for each ending signal while the recorder's handler stands in its place. */
static struct sigaction program_setting[ENDING_SIGNALS];

static int ending_index(int number)
{
    for (int i = 0; i < ENDING_SIGNALS; i++)
        if (ending_signals[i] == number)
            return i;
    return -1;
}

static void on_ending_signal(int number);
static int stand_in(int number);

static bool is_default(const struct sigaction *action)
{
    /* sa_handler and sa_sigaction share their bits: a null sa_sigaction with SA_SIGINFO is the default too, as
       the kernel takes it (a program that gave it so had its crash cut the trace, the recorder not standing in). */
    return action->sa_handler == SIG_DFL;
}

static bool is_recorders(const struct sigaction *action)
{
    return !(action->sa_flags & SA_SIGINFO) && action->sa_handler == on_ending_signal;
}

/*
 * Called while it is not in place, it was not the signal's doing: a program's handler called the handler it
 * replaced, as it had it from a call that goes around these (sysv_signal, sigset), and that was the default,
 * which a program does not call. It does nothing, as the default would not have run either; but for a fault, which
 * its return would make again for ever, it ends the process as the default would (every call written out first).
 */
static void on_ending_signal(int number)
{
    struct sigaction current;
    if (__sigaction(number, NULL, &current) == 0 && !is_recorders(&current)) {
        /* A fault would come again at the chained handler's return, for ever: the default it stands for ends it. */
        if (ending_index(number) >= FIRST_FAULT)
            trace_writer_die_of_fault(number);
        return;
    }
    if (ending_index(number) >= FIRST_FAULT)
        trace_writer_die_of_fault(number);
    else
        trace_writer_die_of(number);
}

/*
 * A program's handler set with SA_RESETHAND runs once, and the kernel sets the default back as it does: the
 * recorder's handler was then not in its place, and the second signal (a second Ctrl-C, which such a program
 * leaves to end it) lost every call since the last chunk. So such a handler is put in place through
 * on_reset_handler, without the flag: at the signal it sets the default back itself, the recorder's handler
 * standing in for it, then calls the program's handler, which sees what it would have seen (the default).
 */
static struct sigaction reset_handler[ENDING_SIGNALS]; /* the program's handler, while on_reset_handler is in place */

static void on_reset_handler(int number, siginfo_t *info, void *context)
{
    int at = ending_index(number);
    struct sigaction handler = reset_handler[at];
    program_setting[at] = (struct sigaction){.sa_handler = SIG_DFL}; /* the default, as the kernel sets it back */
    sigemptyset(&program_setting[at].sa_mask);
    stand_in(number);
    if (handler.sa_flags & SA_SIGINFO)
        handler.sa_sigaction(number, info, context);
    else if (handler.sa_handler != SIG_DFL && handler.sa_handler != SIG_IGN)
        handler.sa_handler(number);
}

static bool is_reset_wrapper(const struct sigaction *action)
{
    return (action->sa_flags & SA_SIGINFO) && action->sa_sigaction == on_reset_handler;
}

/* Ending signals the program asked siginterrupt to let interrupt calls: signal() then sets no SA_RESTART. */
static bool interrupting[ENDING_SIGNALS];

/* Puts the recorder's handler in place of the default of ending signal number (index at); 0, or -1 and errno. */
static int stand_in(int number)
{
    struct sigaction handler = {.sa_handler = on_ending_signal, .sa_flags = SA_RESTART};
    /* The other ending signals held off while one is acted on (the first is the one died of); not the faults: one
       blocked is not delivered to any handler but kills at once, a program's own handler of it too (a guard page's). */
    sigemptyset(&handler.sa_mask);
    for (int i = 0; i < FIRST_FAULT; i++)
        sigaddset(&handler.sa_mask, ending_signals[i]);
    return __sigaction(number, &handler, NULL);
}

void ending_signals_take(void)
{
    for (int i = 0; i < ENDING_SIGNALS; i++) {
        struct sigaction current;
        if (__sigaction(ending_signals[i], NULL, &current) == 0 && is_default(&current)) {
            program_setting[i] = current;
            stand_in(ending_signals[i]);
        }
    }
}

/* sigaction for the ending signals (above); every other signal goes straight to the C library's. */
__attribute__((visibility("default"))) int sigaction(int number, const struct sigaction *action,
                                                     struct sigaction *old)
{
    int at = ending_index(number);
    if (at < 0)
        return __sigaction(number, action, old);
    struct sigaction current;
    if (__sigaction(number, NULL, &current) != 0)
        return -1;
    bool standing_in = is_recorders(&current);
    struct sigaction seen = standing_in ? program_setting[at] : is_reset_wrapper(&current) ? reset_handler[at] : current;
    if (action) {
        bool handler = action->sa_handler != SIG_DFL && action->sa_handler != SIG_IGN; /* either member: one value */
        if (is_default(action) && trace_writer_recording()) {
            if (!standing_in && stand_in(number) != 0)
                return -1;
            program_setting[at] = *action;
        } else if (handler && (action->sa_flags & SA_RESETHAND) && trace_writer_recording()) {
            struct sigaction wrapper = *action;
            wrapper.sa_sigaction = on_reset_handler;
            wrapper.sa_flags = (action->sa_flags & ~SA_RESETHAND) | SA_SIGINFO;
            reset_handler[at] = *action;
            if (__sigaction(number, &wrapper, NULL) != 0)
                return -1;
        } else if (__sigaction(number, action, NULL) != 0)
            return -1;
    }
    if (old)
        *old = seen;
    return 0;
}

/*
 * signal, as the C library's (BSD semantics: the call restarted, the signal blocked in its handler), through the
 * sigaction above for the ending signals; the C library's own for every other (bsd_signal, the same function
 * under another name, which this library does not take).
 */
extern __sighandler_t bsd_signal(int number, __sighandler_t handler);

__attribute__((visibility("default"))) __sighandler_t signal(int number, __sighandler_t handler)
{
    if (ending_index(number) < 0 || handler == SIG_ERR)
        return bsd_signal(number, handler);
    struct sigaction action = {.sa_handler = handler, .sa_flags = interrupting[ending_index(number)] ? 0 : SA_RESTART}, old;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, number);
    return sigaction(number, &action, &old) == 0 ? old.sa_handler : SIG_ERR;
}

/*
 * siginterrupt, as the C library's (the signal's setting changed in place, and kept for signal() after it), through
 * the sigaction above for the ending signals, so that the program's own setting is the one changed; the C
 * library's for every other.
 */
__attribute__((visibility("default"))) int siginterrupt(int number, int interrupt)
{
    int at = ending_index(number);
    if (at < 0) {
        static int (*next_siginterrupt)(int, int);
        if (!next_siginterrupt)
            next_siginterrupt = (int (*)(int, int))dlsym(RTLD_NEXT, "siginterrupt");
        if (!next_siginterrupt) {
            errno = ENOSYS;
            return -1;
        }
        return next_siginterrupt(number, interrupt);
    }
    struct sigaction action;
    if (sigaction(number, NULL, &action) != 0)
        return -1;
    interrupting[at] = interrupt != 0;
    action.sa_flags = interrupt ? action.sa_flags & ~SA_RESTART : action.sa_flags | SA_RESTART;
    return sigaction(number, &action, NULL);
}
