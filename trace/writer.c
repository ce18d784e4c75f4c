/* The trace writer: per-thread event buffers, written to the trace file as chunks, with no lock on the fast path. */
#define _GNU_SOURCE
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/*
 * Each thread appends its events to a buffer of its own (mmap'ed, never malloc'ed), with no lock: the buffer
 * is written to the file as one chunk when it fills, when the thread ends, and at exit or exec.
 *
 * The clock. Each event is stamped: a release before the call (its address may be handed out again by the time
 * the call returns), an allocation after it returns (its address is only then the program's). So the clock
 * never puts an event before one it depends on in another thread (a block's allocation and its release; a
 * release and the allocation handed the same address). While a single thread records, the order is its own
 * and the stamp only has to place events in time: CLOCK_MONOTONIC_COARSE (3.5 ns a read here; the kernel's
 * tick, 4 ms). From the first event of a second thread on, every thread stamps with CLOCK_MONOTONIC (21 ns, to
 * the ns), which orders the threads' calls on one address: within a coarse tick, three threads passing one
 * address around cannot be told apart (measured: 19 order errors in 144 000 events). A thread that still reads
 * the old setting is not ordered against the new thread by anything but the clock, and a coarse stamp is never
 * later than the event. A mark is an event of its own, exact in its thread. Recording stops at the size cap,
 * every thread's buffer written out past it.
 *
 * The CPU notes. A pause between calls may be idle (a service waiting for requests) or busy (a program writing
 * its output): a replay that keeps the idle pauses, for the allocators that purge on a timer, must tell them
 * apart. So the process's CPU time (CLOCK_PROCESS_CPUTIME_ID: every thread, user and system) is noted as an
 * event of its own, before the event that finds a millisecond of the event clock passed since the last note
 * (with the coarse clock, at most once a tick): a pause's last note is at most that before it, and the event
 * that ends it notes the time again. A read takes about 1.3 µs here (a system call), at most 1 000 times a second
 * (250 with the coarse clock's 4 ms tick): at most 0.13% of the time.
 */

enum { BUFFER_BYTES = 64 << 10, DIRECT_BYTES = TRACE_BLOCK_HEAD + TRACE_CHUNK_FIXED + 2 * TRACE_EVENT_MAX };

/*
 * A thread's buffer is also written out at its first event a second or more after the chunk began: a program
 * killed (a service stopped by --duration or --timeout, which never reaches its exit) loses at most the events of
 * the second before each thread's last call, not up to 64 KiB of them (a Python loop stopped after 2 s held its
 * calls of the last 1.3 s unwritten). At most one more chunk a second per thread.
 */
#define FLUSH_AFTER_NS 1000000000ull

/* One thread's events not yet written: the block and chunk heads in front, then the encoded events. */
struct thread_buffer {
    pthread_mutex_t flush_lock; /* held while the buffer is written out, by its thread or by the exit's copy */
    _Atomic size_t used;        /* bytes of events; stored after the bytes themselves */
    size_t capacity;            /* bytes of room for events */
    uint32_t thread, chunk;
    uint64_t base_ns, prev_ns;
    uint32_t copied_chunk;      /* the last copy written of this buffer (write_chunk): chunk and bytes */
    size_t copied_used;
    uint64_t mark_written_ns;   /* when a mark last had the buffer written out (trace_writer_mark); 0: never */
    uintptr_t prev_pointer;
    struct thread_buffer *next, *prev; /* the registry of live buffers */
    unsigned char *data;               /* head room (block head and chunk head), then the events */
};

_Atomic int trace_writer_on;            /* 1 while this process records */
static _Thread_local struct thread_buffer *own __attribute__((tls_model("initial-exec")));
static _Thread_local bool thread_exiting __attribute__((tls_model("initial-exec")));
static _Thread_local uint32_t thread_number __attribute__((tls_model("initial-exec")));
static _Thread_local bool thread_numbered __attribute__((tls_model("initial-exec")));
static _Thread_local uint32_t thread_chunks __attribute__((tls_model("initial-exec"))); /* chunks of an exiting thread */
static int trace_fd = -1;
static pid_t owner_pid;
static uint64_t size_cap;
static atomic_uint_fast64_t bytes_written;
static atomic_uint threads_seen;
static atomic_int ended;               /* exit or exec began: every later event is written at once */
static atomic_int stopped;             /* a stop block was written */
static atomic_int stop_asked;          /* why a stop is asked, not yet acted on (stop_as_asked): a trace_stop_reason */
static atomic_int dying_of;            /* the ending signal the process dies of once its calls are written (0: none) */
static atomic_int end_written;         /* the image's end block is written (its exit goes on): nothing more to write */
static atomic_int write_errno;         /* why the last write to the trace failed */
static _Atomic uint64_t lost_in_writing_out_ns = UINT64_MAX; /* a thread's own write failed during writing_out */
static atomic_int writing_out;         /* a stop (at the cap, or a signal's) is writing every buffer out (stop_recording) */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct thread_buffer *registry, *spare;
static pthread_key_t exit_key;
static _Atomic clockid_t event_clock = CLOCK_MONOTONIC_COARSE;
static _Atomic uint64_t cpu_noted_ns; /* the event time of the last CPU note (0: none yet) */
enum { CPU_NOTE_EVERY_NS = 1000000 };
/*
 * A signal handler that allocates while this thread records a call must not write into the buffer under an event
 * it interrupted, nor wait for a lock this thread holds (the buffer's, as it is written out): a call it makes
 * while this thread is inside an event or the writer's locks waits in a ring, and the interrupted call writes it
 * after its own (it came after that began); one made between those steps, with none waiting, is written at once.
 * The ring (DEFERRED_MAX calls, 48 kB) is mapped by the first call that waits, so a thread whose handlers make
 * none costs nothing (the C library clears every thread's own storage as it starts); more calls waiting at once,
 * or no ring to be had, stop the recording (the trace complete up to them). Its counters only grow: the handler
 * adds at made, the interrupted call takes at taken, on the same thread.
 */
enum { DEFERRED_MAX = 1024 };
/* A call to record: an allocation (alignment where its op has one, size, pointer), a release (pointer), or an
   event whose one field is a value (a mark's number, a release call's pad). */
enum call_kind { CALL_ALLOCATION, CALL_RELEASE, CALL_VALUE };
struct call_event {
    enum call_kind kind;
    enum trace_op op;
    uint64_t ns, alignment, size, value;
    const void *pointer;
};
/* What this thread is doing in the writer, in one block of its storage (the common path looks its place up once). */
static _Thread_local struct {
    /*
     * Above 0 while this thread holds one of the writer's locks: _exit and exec (both callable from a signal
     * handler) then skip the flush rather than wait for a lock the interrupted code of this thread holds.
     */
    int in_writer;
    /*
     * Set while this thread writes an event into its own buffer. An exec or _exit in a signal handler that came in
     * between writes the buffer's finished events as a copy and leaves the buffer as it is: if the exec fails, the
     * interrupted event goes on where it was, and the chunk's later flush supersedes the copy (a flush that emptied
     * the buffer under it had the event end past the events already written, and they were written again).
     */
    volatile sig_atomic_t in_event;
    /* A signal handler's calls waiting (above). */
    struct call_event *ring;
    volatile unsigned made; /* calls put in the ring, ever */
    unsigned taken;         /* and written */
    volatile sig_atomic_t lost; /* one found the ring full, or none could be mapped */
    uint64_t lost_ns;           /* and when */
} writing __attribute__((tls_model("initial-exec")));
static int trace_device_ok; /* the trace's descriptor and file, checked before each write: a program may close */
static dev_t trace_device;  /* its descriptors and open a file of its own that gets the same number */
static ino_t trace_inode;
static char trace_path[PATH_MAX]; /* the trace's absolute path, to open it again then ("" if unknown) */

static uint64_t read_clock(clockid_t clock)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* The time of the trace's own blocks and of marks. */
static uint64_t now_ns(void)
{
    return read_clock(CLOCK_MONOTONIC);
}

/* The time of an allocation event. */
static inline uint64_t event_ns(void)
{
    return read_clock(atomic_load_explicit(&event_clock, memory_order_relaxed));
}

/*
 * A descriptor of the trace far above the program's own, which it may close all of and reuse: 900, or below a
 * lower limit of descriptors, near its top; if none is free there, the one given. The one given is closed if moved.
 */
static int moved_high(int fd)
{
    struct rlimit limit;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 900);
    if (high < 0 && getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur > 64 && limit.rlim_cur <= 900)
        high = fcntl(fd, F_DUPFD_CLOEXEC, (int)limit.rlim_cur - 16);
    if (high < 0)
        return fd;
    close(fd);
    return high;
}

/* Whether fd is the trace's file (its device and inode as at the start). */
static bool is_trace_file(int fd)
{
    struct stat status;
    return fd >= 0 && fstat(fd, &status) == 0 && status.st_dev == trace_device && status.st_ino == trace_inode;
}

/*
 * The program closed the trace's descriptor (a daemon closes them all), and maybe opened a file of its own that
 * got its number: the trace is opened again by its path, if it is still the same file. The old number is left
 * alone (it may be the program's now). Returns whether trace_fd is the trace's again. The caller holds write_lock.
 */
static bool reopen_trace(void)
{
    int fd = trace_path[0] ? open(trace_path, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
    if (fd >= 0 && !is_trace_file(fd)) {
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        return false;
    trace_fd = moved_high(fd);
    return true;
}

/*
 * A write that failed part way (a full disk) is cut off again, so that the file ends with a whole block and a
 * stop block may still follow it, in the room the cut freed: the trace then says why it stopped, where it read as
 * a program that died while writing. Its errno is kept for the stop block.
 */
static void write_failed(int error, size_t written_in_part)
{
    atomic_store(&write_errno, error);
    off_t end = written_in_part > 0 ? lseek(trace_fd, 0, SEEK_END) : -1;
    if (end >= (off_t)written_in_part && ftruncate(trace_fd, end - (off_t)written_in_part) != 0)
        return; /* left as it is: read as a trace cut inside a block */
}

/* write_all's work: the pieces at the end of the file, or false. */
static bool write_pieces(struct iovec *pieces, int count)
{
    if (!trace_device_ok || (!is_trace_file(trace_fd) && !reopen_trace())) {
        atomic_store(&write_errno, EBADF);
        return false; /* the descriptor is another file's now, and the trace cannot be opened again */
    }
    /*
     * Past a file size limit, a write raises SIGXFSZ, whose default kills the program: a write that would pass it
     * fails as the kernel's would, without it (the program would not have died of the recorder's writes).
     */
    struct rlimit file_size; /* read at each write: a program may change its limit (a recorded shell's ulimit -f) */
    rlim_t file_size_limit = getrlimit(RLIMIT_FSIZE, &file_size) == 0 ? file_size.rlim_cur : RLIM_INFINITY;
    if (file_size_limit != RLIM_INFINITY) {
        size_t total = 0;
        for (int i = 0; i < count; i++)
            total += pieces[i].iov_len;
        off_t end = lseek(trace_fd, 0, SEEK_END);
        if (end < 0 || (rlim_t)end + total > file_size_limit) {
            write_failed(EFBIG, 0);
            return false;
        }
    }
    size_t written = 0;
    while (count > 0) {
        ssize_t n = writev(trace_fd, pieces, count);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            write_failed(n < 0 ? errno : EIO, written);
            return false;
        }
        written += (size_t)n;
        while (count > 0 && (size_t)n >= pieces->iov_len) {
            n -= (ssize_t)pieces->iov_len;
            pieces++;
            count--;
        }
        if (count > 0) {
            pieces->iov_base = (char *)pieces->iov_base + n;
            pieces->iov_len -= (size_t)n;
        }
    }
    return true;
}

/*
 * Writes all of the pieces at the end of the file, or returns false. The caller holds write_lock.
 *
 * With the thread's cancellation off: writev and open are cancellation points, and a cancel pending on a thread
 * that reaches them only inside malloc or free (a loop that tests for it seldom) would be acted on here, with the
 * writer's locks held: the thread's end then waited forever for its own buffer's lock. The cancel is acted on at
 * the program's next cancellation point instead, as it would be without the recorder.
 */
static bool write_all(struct iovec *pieces, int count)
{
    int cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    bool written = write_pieces(pieces, count);
    pthread_setcancelstate(cancel_state, NULL);
    return written;
}

/* A small block (image, stop, end) written whole with its check block after it, outside the size cap. */
static void write_block(uint32_t kind, const void *payload, size_t length)
{
    unsigned char head[TRACE_BLOCK_HEAD], check[TRACE_CHECK_BLOCK_SIZE];
    trace_put_u32(head, kind);
    trace_put_u32(head + 4, (uint32_t)length);
    trace_put_check_block(check, kind, payload, length);
    struct iovec pieces[3] = {{head, sizeof head}, {(void *)payload, length}, {check, sizeof check}};
    int saved_errno = errno;
    writing.in_writer++;
    pthread_mutex_lock(&write_lock);
    if (write_all(pieces, 3))
        atomic_fetch_add(&bytes_written, sizeof head + length + sizeof check);
    pthread_mutex_unlock(&write_lock);
    writing.in_writer--;
    errno = saved_errno;
}

/* The earliest time whose events may be missing: the base of every buffer still holding events. */
static uint64_t complete_until(void)
{
    uint64_t until = now_ns();
    writing.in_writer++;
    pthread_mutex_lock(&registry_lock);
    for (struct thread_buffer *buffer = registry; buffer; buffer = buffer->next) {
        pthread_mutex_lock(&buffer->flush_lock); /* its base moves when its thread writes it out */
        if (atomic_load(&buffer->used) > 0 && buffer->base_ns < until)
            until = buffer->base_ns;
        pthread_mutex_unlock(&buffer->flush_lock);
    }
    pthread_mutex_unlock(&registry_lock);
    writing.in_writer--;
    return until;
}

/*
 * Recording ends here for good (cap reached, or the file failed): says so in the trace, once, with the time up to
 * which the events are complete: the earliest base of a buffer still holding events, or of the chunk just lost (at
 * the cap, every buffer written past it: the stop's time).
 */
static void write_stop_block(enum trace_stop_reason reason, uint64_t complete_until_ns, int detail)
{
    unsigned char payload[TRACE_STOP_SIZE] = {0};
    trace_put_u64(payload, complete_until_ns);
    trace_put_u64(payload + 8, atomic_load(&bytes_written));
    trace_put_u32(payload + 16, reason);
    trace_put_u32(payload + 20, (uint32_t)detail); /* the ending signal's number, or the failed write's errno */
    write_block(TRACE_BLOCK_STOP, payload, sizeof payload);
}

/* What the stop block said: the time up to which the trace is complete (UINT64_MAX: none written), why, and the
   signal's number or the errno beside it (restate_stop says it again, earlier). */
static _Atomic uint64_t stop_until_ns = UINT64_MAX;
static atomic_int stop_reason_said, stop_detail_said;

static void write_stop(enum trace_stop_reason reason, uint64_t complete_until_ns, int detail)
{
    atomic_store(&trace_writer_on, 0);
    if (atomic_exchange(&stopped, 1))
        return;
    atomic_store(&stop_reason_said, (int)reason);
    atomic_store(&stop_detail_said, detail);
    atomic_store(&stop_until_ns, complete_until_ns);
    write_stop_block(reason, complete_until_ns, detail);
}

/*
 * A call stamped at or before the stop's time that is not in the trace, found after the stop block was written:
 * the stop is said again, complete only to before that call (the reader takes the earliest stop block).
 */
static void restate_stop(uint64_t complete_until_ns)
{
    uint64_t said = atomic_load(&stop_until_ns);
    do
        if (said == UINT64_MAX || complete_until_ns >= said)
            return;
    while (!atomic_compare_exchange_weak(&stop_until_ns, &said, complete_until_ns));
    write_stop_block((enum trace_stop_reason)atomic_load(&stop_reason_said), complete_until_ns,
                     atomic_load(&stop_detail_said));
}

static int write_chunk(struct thread_buffer *buffer, size_t used, bool copy, bool past_cap);

/*
 * A stop writes every thread's buffer out, as a copy, past the cap (64 KiB a thread, twice that for one whose own
 * write raced the stop): so the trace is complete to the stop, where an idle thread's buffer, written at its next
 * call or its end, would have made it complete only to that thread's first unwritten call (a service's main thread
 * waiting since its start: to about 0 s). A thread that writes its own buffer meanwhile (writing_out) writes it
 * past the cap too: it would have dropped it, recording being off. A buffer whose events were all written as a
 * copy already is not written again. Returns until, or the base of a buffer whose write failed if earlier (the
 * time up to which the events are complete); *reason becomes that failure.
 */
static uint64_t write_every_buffer_out(uint64_t until, enum trace_stop_reason *reason)
{
    writing.in_writer++;
    pthread_mutex_lock(&registry_lock);
    for (struct thread_buffer *buffer = registry; buffer; buffer = buffer->next) {
        pthread_mutex_lock(&buffer->flush_lock); /* a thread writing its own buffer now: after that write */
        size_t used = atomic_load_explicit(&buffer->used, memory_order_acquire);
        int failed = buffer->copied_chunk == buffer->chunk && buffer->copied_used == used
                         ? 0
                         : write_chunk(buffer, used, true, true);
        if (failed) {
            *reason = (enum trace_stop_reason)failed;
            until = buffer->base_ns < until ? buffer->base_ns : until;
        }
        pthread_mutex_unlock(&buffer->flush_lock);
    }
    pthread_mutex_unlock(&registry_lock);
    writing.in_writer--;
    return until;
}

/* Every buffer written out, the calling thread's own and a copy of each other thread's (defined below). */
static void flush_all(bool wait);

/* Whether a thread other than the calling one has a buffer (it may be recording a call now). */
static bool other_threads_record(void)
{
    writing.in_writer++;
    pthread_mutex_lock(&registry_lock);
    bool others = registry && (registry != own || registry->next);
    pthread_mutex_unlock(&registry_lock);
    writing.in_writer--;
    return others;
}

/*
 * How long a stop (at a signal, or the size cap) waits, recording off, before it writes every buffer out: a thread
 * that was inside the recorder's few hundred instructions of a call as recording went off (it had found it on) ends
 * its event meanwhile, unless it is kept off the processor longer than this (then its call is lost, and the stop
 * said again before it: event_after_stop). At the cap, without the wait, sixteen busy threads lost such calls,
 * stamped by the coarse clock up to a tick early, and the trace read as complete to about 0 s.
 */
#define STOP_SETTLE_NS 1000000L
/* How often an exit waiting for another thread's stop pass looks again. */
#define STOP_WAIT_NS 100000L

/* Sleeps ns, not to be cancelled there (nanosleep is a cancellation point: the pause may be inside the program's
   malloc, in the middle of a stop) and keeping errno. */
static void pause_for(long ns)
{
    int saved_errno = errno, cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    struct timespec left = {0, ns};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
    pthread_setcancelstate(cancel_state, NULL);
    errno = saved_errno;
}

/*
 * Recording is off since until: after STOP_SETTLE_NS, for the calls other threads were recording as it went off,
 * every buffer is written out (write_every_buffer_out). Returns the time up to which the trace is complete.
 */
static uint64_t write_out_settled(uint64_t until, enum trace_stop_reason *reason)
{
    if (other_threads_record())
        pause_for(STOP_SETTLE_NS);
    return write_every_buffer_out(until, reason);
}

/*
 * A stop at a signal (the runner's, or an ending one): every buffer written out while the other threads record on,
 * then recording off, its time the time up to which the trace is complete (an idle program's last sample, taken
 * as the copies were made, is within it), then the calls the busy threads recorded since their copies written out
 * too (a second copy of each buffer that grew): a call made before the stop's time is in the trace, and one that
 * depends on it (the free of the block another thread allocated) is never in it without it. (Until 2026-12-07 the
 * calls made after a copy were lost, and the trace claimed them: 9 of 200 stops of three threads that swap blocks
 * read with an order error.) Returns the time.
 */
static uint64_t write_out_at_signal(enum trace_stop_reason *reason)
{
    writing.in_writer++;
    flush_all(true);
    uint64_t until = now_ns();
    atomic_store(&trace_writer_on, 0);
    until = write_out_settled(until, reason);
    writing.in_writer--;
    return until;
}

/* Dies of an ending signal, its default action put back (defined with the signals, below). */
static void die_of(int number);

/* Gives signal number to action (past the program's sigaction, which the recorder stands in for) and lets it
   into this thread. */
static void take_signal(int number, void (*action)(int))
{
    struct sigaction taken = {.sa_handler = action};
    sigemptyset(&taken.sa_mask);
    __sigaction(number, &taken, NULL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, number);
    pthread_sigmask(SIG_UNBLOCK, &only, NULL);
}

/*
 * A stop's pass ends, its stop block written (or another stop's found written): an exit, or an ending signal, that
 * came meanwhile waited for it (trace_writer_end, trace_writer_die_of). The process dies of that signal now; at a
 * signal's stop, the caller does (stop_as_asked).
 */
static void end_pass(bool at_signal)
{
    atomic_store(&writing_out, 0);
    int number = at_signal || getpid() != owner_pid ? 0 : atomic_exchange(&dying_of, 0);
    if (number)
        die_of(number);
}

/*
 * Recording stops. At the cap or a signal, one thread's pass writes every buffer out (write_every_buffer_out,
 * write_out_at_signal), claimed before recording is off so that the threads' own writes go on past the cap
 * meanwhile; a thread whose own write fails during that pass leaves its loss for the pass to take into its stop. A
 * failed write's stop block holds the write's errno, an ending signal's its number.
 */
static void stop_recording(enum trace_stop_reason reason, uint64_t lost_from_ns)
{
    int none = 0;
    bool at_signal = reason == TRACE_STOP_SIGNAL || reason == TRACE_STOP_ENDING_SIGNAL;
    writing.in_writer++; /* a handler on this thread meanwhile (its exit, a second stop) does not wait for this stop */
    /* Every stop claims the writing out, an exit and an ending signal waiting for its stop block; at the cap or a
       signal, it writes every buffer out. */
    bool claimed = atomic_load(&trace_writer_on) && !atomic_load(&stopped) &&
                   atomic_compare_exchange_strong(&writing_out, &none, 1);
    bool writes_out = claimed && (reason == TRACE_STOP_CAP || at_signal);
    if (writes_out && at_signal && atomic_load(&ended)) {
        /* An exit or exec began: it writes every call out. The stop is asked again, for an exec that fails. */
        int nothing = 0;
        atomic_compare_exchange_strong(&stop_asked, &nothing, (int)reason);
        atomic_store(&writing_out, 0);
    } else if (!claimed && atomic_load(&writing_out)) { /* another thread's pass writes the stop: its loss goes in */
        if (reason != TRACE_STOP_CAP && !at_signal)
            for (uint64_t was = atomic_load(&lost_in_writing_out_ns);
                 lost_from_ns < was && !atomic_compare_exchange_weak(&lost_in_writing_out_ns, &was, lost_from_ns);)
                ;
    } else {
        if (!writes_out || reason == TRACE_STOP_CAP)
            atomic_store(&trace_writer_on, 0); /* no event more while the time is found */
        if (!atomic_load(&stopped) && (claimed || !at_signal)) {
            uint64_t until = !writes_out ? complete_until()
                             : at_signal ? write_out_at_signal(&reason)
                                         : write_out_settled(event_ns(), &reason); /* a coarse tick: no later */
            if (claimed && atomic_load(&lost_in_writing_out_ns) != UINT64_MAX) {
                reason = TRACE_STOP_WRITE_FAILED;
                lost_from_ns = atomic_load(&lost_in_writing_out_ns);
            }
            write_stop(reason, lost_from_ns < until ? lost_from_ns : until,
                       reason == TRACE_STOP_WRITE_FAILED    ? atomic_load(&write_errno)
                       : reason == TRACE_STOP_ENDING_SIGNAL ? atomic_load(&dying_of)
                                                            : 0);
        }
        if (claimed)
            end_pass(at_signal);
    }
    writing.in_writer--;
}

/*
 * Writes [0, used) of a buffer as one chunk. A thread's own flush then starts a new chunk; the exit's copy of
 * another thread's buffer (copy true) leaves it as it is, and a later flush of the same chunk supersedes it.
 * Returns 0, or why recording must stop (trace_stop_reason). The caller holds buffer->flush_lock. Past the cap
 * (past_cap true): the last chunks, as recording stops there.
 */
static int write_chunk(struct thread_buffer *buffer, size_t used, bool copy, bool past_cap)
{
    unsigned char *head = buffer->data;
    size_t payload = TRACE_CHUNK_FIXED + used, total = TRACE_BLOCK_HEAD + payload;
    if (used == 0)
        return 0;
    if (atomic_fetch_add(&bytes_written, total) + total > size_cap && !past_cap) {
        atomic_fetch_sub(&bytes_written, total);
        return TRACE_STOP_CAP;
    }
    trace_put_u32(head, TRACE_BLOCK_CHUNK);
    trace_put_u32(head + 4, (uint32_t)payload);
    trace_put_u32(head + 8, buffer->thread);
    trace_put_u32(head + 12, buffer->chunk);
    trace_put_u32(head + 16, copy ? 1 : 0);
    /* The events [0, used) are finished: their thread, if it runs on, writes only after them. */
    trace_put_u32(head + 20, trace_check(buffer->thread, buffer->chunk, buffer->base_ns,
                                         head + TRACE_BLOCK_HEAD + TRACE_CHUNK_FIXED, used));
    trace_put_u64(head + 24, buffer->base_ns);
    struct iovec piece = {head, total};
    pthread_mutex_lock(&write_lock);
    bool written = write_all(&piece, 1);
    pthread_mutex_unlock(&write_lock);
    if (written && copy) { /* a later stop's pass need not write the same again (write_every_buffer_out) */
        buffer->copied_chunk = buffer->chunk;
        buffer->copied_used = used;
    }
    if (written)
        return 0;
    atomic_fetch_sub(&bytes_written, total);
    return TRACE_STOP_WRITE_FAILED;
}

/* A forked child: it records nothing (below, with fork). */
static void child_after_fork(void);

/*
 * A thread writes its own buffer out and starts the next chunk from its last event's time. A child the program
 * made by _Fork or clone (with memory of its own), where no pthread_atfork handler ran, finds it is not the trace's
 * process here, at its first flush: it drops what it recorded and records no more (its chunks would have taken the
 * parent's thread and chunk numbers, and the parent's own calls been read as duplicates).
 */
static void flush_own(struct thread_buffer *buffer)
{
    /* Not a vfork child (or one of clone with CLONE_VM; kcmp says 0): it shares the parent's memory, where a reset
       would stop the parent's recording; it writes as the parent's thread until it execs or exits (a vfork child
       may not call malloc at all). */
    if (getpid() != owner_pid && syscall(SYS_kcmp, getpid(), owner_pid, KCMP_VM, 0, 0) != 0) {
        child_after_fork();
        return;
    }
    int saved_errno = errno; /* inside the program's free or malloc: a failed write or check must not show */
    writing.in_writer++;
    pthread_mutex_lock(&buffer->flush_lock);
    size_t used = atomic_load_explicit(&buffer->used, memory_order_acquire);
    if (used == 0) { /* nothing since the last chunk: no chunk is written, so its number is not used up */
        pthread_mutex_unlock(&buffer->flush_lock);
        writing.in_writer--;
        errno = saved_errno;
        return;
    }
    uint64_t lost_from = buffer->base_ns;
    int reason = atomic_load(&trace_writer_on)   ? write_chunk(buffer, used, false, false)
                 : atomic_load(&writing_out) ? write_chunk(buffer, used, false, true)
                                                 : 0;
    bool at_cap = reason == TRACE_STOP_CAP;
    if (at_cap) /* the recording stops here: this chunk is written past the cap, as every thread's buffer is */
        reason = write_chunk(buffer, used, false, true);
    buffer->chunk++;
    buffer->base_ns = buffer->prev_ns;
    buffer->prev_pointer = 0;
    atomic_store_explicit(&buffer->used, 0, memory_order_release);
    pthread_mutex_unlock(&buffer->flush_lock);
    if ((reason || at_cap) && (atomic_load(&trace_writer_on) || atomic_load(&writing_out)))
        stop_recording(reason ? (enum trace_stop_reason)reason : TRACE_STOP_CAP, reason ? lost_from : UINT64_MAX);
    writing.in_writer--;
    errno = saved_errno;
}

/* A signal handler interrupted this thread's event: its finished events written as a copy, the buffer untouched. */
static void copy_own(struct thread_buffer *buffer)
{
    writing.in_writer++;
    pthread_mutex_lock(&buffer->flush_lock);
    size_t used = atomic_load_explicit(&buffer->used, memory_order_acquire);
    int reason = atomic_load(&trace_writer_on)   ? write_chunk(buffer, used, true, false)
                 : atomic_load(&writing_out) ? write_chunk(buffer, used, true, true)
                                                 : 0;
    uint64_t lost_from = reason == TRACE_STOP_CAP ? UINT64_MAX : buffer->base_ns; /* at the cap: written below */
    pthread_mutex_unlock(&buffer->flush_lock);
    if (reason && (atomic_load(&trace_writer_on) || atomic_load(&writing_out)))
        stop_recording((enum trace_stop_reason)reason, lost_from);
    writing.in_writer--;
}

/* ---- Per-thread buffers: made on a thread's first event, written out when it ends. */

static void unregister_buffer(struct thread_buffer *buffer)
{
    writing.in_writer++;
    pthread_mutex_lock(&registry_lock);
    if (buffer->prev)
        buffer->prev->next = buffer->next;
    else
        registry = buffer->next;
    if (buffer->next)
        buffer->next->prev = buffer->prev;
    buffer->next = spare; /* kept for the next thread: a program that starts many threads maps no more */
    spare = buffer;
    pthread_mutex_unlock(&registry_lock);
    writing.in_writer--;
}

/*
 * A thread whose first recorded call came after the C library ran its key destructors (a thread that makes no
 * call of its own; the library's free(NULL) as it ends) set the key too late for its destructor to run: the value
 * stays in the thread's descriptor, which the next thread started may reuse, and whose key destructor or first
 * event then finds it. The dead thread's buffer is written out under its own number and recycled. (One whose
 * descriptor is not reused stays registered, and is written out with the others at exit.)
 */
static void retire_dead_threads_buffer(struct thread_buffer *buffer)
{
    flush_own(buffer);
    unregister_buffer(buffer);
}

/* The note that the calling thread ends, among its events (defined with the other events, below). */
static void write_thread_end_note(void);

/* Writes the calls a signal handler made while this thread recorded one (defined with the events, below). */
static void write_deferred(void);

/* A stop asked while this thread was inside the writer, acted on now (defined with the events, below). */
static inline void stop_if_put_off(void);

/* pthread key destructor: the thread ends; later events of it (other destructors) are written one by one. */
static void thread_ends(void *value)
{
    struct thread_buffer *buffer = value;
    if (buffer != own) { /* a dead thread's, found in the descriptor this thread reuses: this thread has none */
        retire_dead_threads_buffer(buffer);
        thread_exiting = true; /* its later events, if any, are written one by one */
        return;
    }
    write_thread_end_note();
    flush_own(buffer);
    if (writing.taken != writing.made || writing.lost) { /* a signal handler's calls, made as it was written out */
        write_deferred();
        flush_own(buffer);
    }
    if (writing.ring && writing.taken == writing.made) { /* none waits: a thread's end is not inside a call */
        munmap(writing.ring, DEFERRED_MAX * sizeof *writing.ring);
        writing.ring = NULL;
    }
    thread_chunks = buffer->chunk;
    own = NULL;
    thread_exiting = true;
    unregister_buffer(buffer);
    stop_if_put_off(); /* a stop, or an ending signal, that came as its buffer was written out */
}

static struct thread_buffer *new_buffer(void)
{
    struct thread_buffer *buffer;
    writing.in_writer++;
    pthread_mutex_lock(&registry_lock);
    buffer = spare;
    if (buffer)
        spare = buffer->next;
    pthread_mutex_unlock(&registry_lock);
    writing.in_writer--;
    if (!buffer) {
        size_t head = (sizeof *buffer + 63) & ~(size_t)63;
        int saved_errno = errno; /* a failed mapping's ENOMEM is not the program's */
        void *memory = mmap(NULL, head + TRACE_BLOCK_HEAD + TRACE_CHUNK_FIXED + BUFFER_BYTES, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        errno = saved_errno;
        if (memory == MAP_FAILED)
            return NULL;
        buffer = memory;
        buffer->data = (unsigned char *)memory + head;
    }
    pthread_mutex_init(&buffer->flush_lock, NULL);
    atomic_store(&buffer->used, 0);
    buffer->capacity = BUFFER_BYTES;
    buffer->thread = thread_number;
    buffer->chunk = 0;
    buffer->copied_chunk = UINT32_MAX; /* none copied yet */
    buffer->copied_used = 0;
    buffer->base_ns = buffer->prev_ns = event_ns();
    buffer->prev_pointer = 0;
    buffer->prev = NULL;
    writing.in_writer++;
    pthread_mutex_lock(&registry_lock);
    buffer->next = registry;
    if (registry)
        registry->prev = buffer;
    registry = buffer;
    pthread_mutex_unlock(&registry_lock);
    writing.in_writer--;
    return buffer;
}

/* Gives the calling thread its number in the trace, on its first event (with a buffer or without). */
static void number_thread(void)
{
    if (thread_numbered)
        return;
    thread_numbered = true;
    thread_number = atomic_fetch_add(&threads_seen, 1);
    if (thread_number > 0) /* a second thread: from now on, to the ns (see the clock, above) */
        atomic_store(&event_clock, CLOCK_MONOTONIC);
}

/* The calling thread's buffer, made on its first event; NULL if none can be had (then the event is lost). */
static struct thread_buffer *own_buffer(void)
{
    if (own)
        return own;
    writing.in_writer++; /* a signal handler's call waits (see writing): it would make a second buffer for it */
    atomic_signal_fence(memory_order_seq_cst);
    if (own) { /* one that came before, made it */
        writing.in_writer--;
        return own;
    }
    number_thread();
    struct thread_buffer *dead = pthread_getspecific(exit_key);
    if (dead) /* this thread made no buffer yet: the key's value is a dead thread's (see above) */
        retire_dead_threads_buffer(dead);
    own = new_buffer();
    if (own)
        pthread_setspecific(exit_key, own);
    writing.in_writer--;
    return own;
}

/* ---- Encoding one event. */

struct event_writer {
    struct thread_buffer *buffer;
    unsigned char *out;
    struct thread_buffer direct; /* an exiting thread's one-event buffer */
    unsigned char direct_data[DIRECT_BYTES];
};

static inline bool event_begin(struct event_writer *writer, enum trace_op op, uint64_t ns)
{
    struct thread_buffer *buffer = thread_exiting ? NULL : own_buffer();
    if (!buffer) {
        if (!thread_exiting) { /* no memory for its buffer: this event is lost, so the trace is complete to here */
            stop_recording(TRACE_STOP_NO_BUFFER, ns);
            return false;
        }
        /* After the thread's own end: a buffer on the stack, written at once as a chunk of its own. */
        number_thread(); /* a thread that ends with no buffer of its own made none: it may have no number yet */
        buffer = &writer->direct;
        memset(buffer, 0, sizeof *buffer);
        pthread_mutex_init(&buffer->flush_lock, NULL);
        buffer->capacity = DIRECT_BYTES - TRACE_BLOCK_HEAD - TRACE_CHUNK_FIXED;
        buffer->data = writer->direct_data;
        buffer->thread = thread_number;
        buffer->chunk = thread_chunks++;
        buffer->base_ns = buffer->prev_ns = ns;
    }
    writing.in_event = 1;
    atomic_signal_fence(memory_order_seq_cst);
    writer->buffer = buffer;
    writer->out = buffer->data + TRACE_BLOCK_HEAD + TRACE_CHUNK_FIXED + atomic_load_explicit(&buffer->used, memory_order_relaxed);
    uint64_t delta = ns > buffer->prev_ns ? ns - buffer->prev_ns : 0;
    buffer->prev_ns = ns > buffer->prev_ns ? ns : buffer->prev_ns;
    writer->out += trace_put_varint(writer->out, delta << 4 | (uint64_t)op);
    return true;
}

static inline void event_value(struct event_writer *writer, uint64_t value)
{
    writer->out += trace_put_varint(writer->out, value);
}

/* A pointer: 0 for NULL, else 1 + the zigzag of its difference from the chunk's previous pointer. */
static inline void event_pointer(struct event_writer *writer, const void *pointer)
{
    struct thread_buffer *buffer = writer->buffer;
    uintptr_t address = (uintptr_t)pointer;
    if (!address) {
        event_value(writer, 0);
        return;
    }
    event_value(writer, trace_zigzag((int64_t)(address - buffer->prev_pointer)) + 1);
    buffer->prev_pointer = address;
}

/* The runner's stop, acted on (below, with the exit's writing out). */
static void stop_as_asked(void);

/* A stop asked while this thread was inside the writer or an event, acted on once it is out of both, with no
   handler's calls waiting (write_deferred acts on it then). */
static inline void stop_if_put_off(void)
{
    if (atomic_load_explicit(&stop_asked, memory_order_relaxed) && !writing.in_writer && !writing.in_event &&
        writing.taken == writing.made)
        stop_as_asked();
}

#ifdef TRACE_WRITER_TEST_HOOKS
/* The writer's stress test: called as an event is about to be ended (its time taken, its bytes written), as a
   thread kept off the processor there would wait. */
void (*trace_writer_test_before_event_end)(void);
#endif

/*
 * An event that ended with recording off, in the process that records: its thread found recording on and took its
 * time, then was kept off the processor while a stop turned recording off, copied every buffer and said the trace
 * was complete to its time. Once that stop is written, an event not in its buffer's last copy is lost: the stop is
 * said again, complete to just before it. (The stop waits 1 ms for such a call before its last copies: this is
 * the thread kept off longer.)
 */
static __attribute__((noinline)) void event_after_stop(struct thread_buffer *buffer, size_t used, uint64_t ns)
{
    if (getpid() != owner_pid)
        return;
    writing.in_writer++;
    while (atomic_load(&writing_out))
        pause_for(STOP_WAIT_NS);
    if (atomic_load(&stopped)) {
        pthread_mutex_lock(&buffer->flush_lock);
        bool copied = buffer->copied_chunk == buffer->chunk && buffer->copied_used >= used;
        pthread_mutex_unlock(&buffer->flush_lock);
        if (!copied && ns > 0)
            restate_stop(ns - 1);
    }
    writing.in_writer--;
}

static inline void event_end(struct event_writer *writer)
{
    struct thread_buffer *buffer = writer->buffer;
    size_t used = (size_t)(writer->out - (buffer->data + TRACE_BLOCK_HEAD + TRACE_CHUNK_FIXED));
    uint64_t ns = buffer->prev_ns; /* this event's time: a handler's call once it has ended moves it on */
#ifdef TRACE_WRITER_TEST_HOOKS
    if (trace_writer_test_before_event_end)
        trace_writer_test_before_event_end();
#endif
    atomic_store_explicit(&buffer->used, used, memory_order_release);
    atomic_signal_fence(memory_order_seq_cst);
    writing.in_event = 0;
    if (__builtin_expect(!atomic_load_explicit(&trace_writer_on, memory_order_relaxed), 0))
        event_after_stop(buffer, used, ns); /* (an exiting thread's one-event buffer too: never a copy of it) */
    if (used + TRACE_EVENT_MAX > buffer->capacity || atomic_load_explicit(&ended, memory_order_relaxed) ||
        buffer == &writer->direct || buffer->prev_ns - buffer->base_ns >= FLUSH_AFTER_NS)
        flush_own(buffer);
    stop_if_put_off();
}

/* The note that the calling thread ends (TRACE_THREAD_END), among its events: a replay ends the thread's replay there. */
static void write_thread_end_note(void)
{
    struct event_writer writer;
    if (atomic_load(&trace_writer_on) && getpid() == owner_pid && !writing.in_writer &&
        event_begin(&writer, TRACE_THREAD_END, event_ns()))
        event_end(&writer);
}

/* ---- Start, fork, exit and exec. */

static void child_after_fork(void)
{
    atomic_store(&trace_writer_on, 0); /* the child records nothing: the trace is the parent's */
    atomic_store(&writing_out, 0); /* (forked while the parent's cap stop wrote: none of that is the child's) */
    atomic_store(&stop_asked, 0);      /* nor a stop the parent was asked, or the signal it is to die of */
    atomic_store(&dying_of, 0);
    own = NULL;
    pthread_setspecific(exit_key, NULL); /* its thread's end must not touch the parent's registry */
    registry = spare = NULL;
    pthread_mutex_init(&write_lock, NULL);
    pthread_mutex_init(&registry_lock, NULL);
}

static void write_image(void)
{
    unsigned char payload[TRACE_IMAGE_FIXED + PATH_MAX + 1] = {0};
    ssize_t n = readlink("/proc/self/exe", (char *)payload + TRACE_IMAGE_FIXED, PATH_MAX);
    size_t exe_length = n > 0 ? (size_t)n : 0;
    trace_put_u32(payload, (uint32_t)getauxval(AT_PAGESZ));
    trace_put_u32(payload + 4, (uint32_t)owner_pid);
    trace_put_u32(payload + 8, (uint32_t)event_clock);
    trace_put_u32(payload + 12, 0);
    trace_put_u64(payload + 16, now_ns());
    trace_put_u64(payload + 24, size_cap);
    payload[TRACE_IMAGE_FIXED + exe_length] = '\0';
    write_block(TRACE_BLOCK_IMAGE, payload, TRACE_IMAGE_FIXED + exe_length + 1);
}

/* trace_writer_start gives up: the trace's descriptor closed, nothing recorded. Returns -1. */
static int start_failed(void)
{
    close(trace_fd);
    trace_fd = -1;
    return -1;
}

/* "/proc/self/fd/N" for a descriptor, by hand: the recorder runs inside malloc, where stdio is not safe to call. */
static void descriptor_link(char link[64], int fd)
{
    char digits[16];
    size_t count = 0, at = sizeof "/proc/self/fd/" - 1;
    memcpy(link, "/proc/self/fd/", at);
    do
        digits[count++] = (char)('0' + fd % 10);
    while ((fd /= 10) > 0);
    while (count > 0)
        link[at++] = digits[--count];
    link[at] = '\0';
}

/*
 * An exec'd image's walk of the trace its process's earlier images wrote, block by block by their heads (one read
 * per block, at exec only). Returns whether one stopped recording (the file holds a stop block: an image exec'd after
 * a stop must not record again, the trace being complete only up to the stop). A block the file ends inside was cut
 * by the exec itself: a thread of the image before, killed in the middle of its write of a chunk after that image's
 * end block, as the kernel ended every thread but the exec's. It is cut off (*size becomes where it began), so that
 * this image's blocks follow whole blocks: written after it, they were inside the cut chunk's length, and the runner,
 * cutting off a chunk cut after an end block before it appends its rows, cut them off too (the trace then read as an
 * exec into a program that did not record: 2 of 10 execs of a program with three busy threads, 2026-12-07).
 */
static bool walk_earlier_images(int fd, off_t *size)
{
    unsigned char head[TRACE_BLOCK_HEAD];
    off_t at = TRACE_MAGIC_SIZE;
    while (at + TRACE_BLOCK_HEAD <= *size) {
        if (pread(fd, head, sizeof head, at) != (ssize_t)sizeof head)
            return false;
        if (trace_get_u32(head) == TRACE_BLOCK_STOP)
            return true;
        off_t next = at + TRACE_BLOCK_HEAD + (off_t)trace_get_u32(head + 4);
        if (next > *size)
            break;
        at = next;
    }
    if (at < *size && at >= TRACE_MAGIC_SIZE && ftruncate(fd, at) == 0)
        *size = at;
    return false;
}

/*
 * The write-out at an ending signal waits for every other thread's buffer and the file's lock. A thread stopped
 * while it holds one (a program's own handler that parks it, as a collector's stop-the-world does, inside the
 * recorder's write) would hold the dying thread for ever, its stop signals blocked, where the signal alone killed
 * the process at once; so an alarm of WATCHDOG_S bounds it, and the process dies of the signal then, the trace cut
 * where the write-out was (alarm, sigaction and clock_gettime are async-signal-safe; the program, dying, has no
 * further use of SIGALRM). A SIGALRM before the deadline (the program's own, pending while it blocked it, or sent)
 * is not the watchdog's: it returns (it killed the process before anything was written, in a review's test).
 */
enum { WATCHDOG_S = 2 };
static _Atomic int watchdog_number;       /* the signal the process dies of at the deadline: the first armed */
static _Atomic uint64_t watchdog_deadline_ns;

static void watchdog_expired(int unused)
{
    (void)unused;
    if (now_ns() >= atomic_load(&watchdog_deadline_ns))
        die_of(atomic_load(&watchdog_number));
}

/* Arms the watchdog for number, unless it is armed already (two signals at once: the process dies of the first). */
static void arm_watchdog(int number)
{
    int unarmed = 0;
    if (!atomic_compare_exchange_strong(&watchdog_number, &unarmed, number))
        return;
    atomic_store(&watchdog_deadline_ns, now_ns() + (uint64_t)WATCHDOG_S * 1000000000u);
    take_signal(SIGALRM, watchdog_expired); /* one pending since before is taken now, and returns */
    alarm(WATCHDOG_S);
}

/*
 * A fault cannot be put off: the handler's return makes it again. So it is written out only where this thread can
 * do it now, and the process dies of it at once where the writing would wait on this thread: inside the writer or
 * an event (the event would never end), or an exit or exec writing every call out (this thread's own, waiting,
 * would never end). Where another thread's pass is under way (the runner's stop, or this fault's own stop taken by
 * a busy thread that saw it asked, the fault then coming again), that pass dies of the fault as it ends (dying_of):
 * this thread waits for it, the watchdog bounding the wait. (It died at once, and cut that pass's trace: 1 in 10
 * runs of a fault beside three busy threads.)
 */
void trace_writer_die_of_fault(int number)
{
    if (writing.in_writer || writing.in_event || atomic_load(&ended)) {
        die_of(number);
        return;
    }
    if (atomic_load(&writing_out) && getpid() == owner_pid) {
        atomic_store(&dying_of, number);
        arm_watchdog(number);
        struct timespec pause = {0, 1000000};
        while (atomic_load(&writing_out))
            nanosleep(&pause, NULL);
        die_of(number); /* the pass ended without dying of it (it had ended before it could see dying_of) */
        return;
    }
    trace_writer_die_of(number);
}

/* The runner's stop signal writes every buffer out and stops recording (below). */
static void catch_stop_signal(void);

int trace_writer_start(const char *path, uint64_t cap_bytes, bool precise_clock)
{
    struct stat status;
    char link[64];
    event_clock = precise_clock ? CLOCK_MONOTONIC : CLOCK_MONOTONIC_COARSE;
    owner_pid = getpid();
    size_cap = cap_bytes ? cap_bytes : UINT64_MAX;
    int opened = open(path, O_RDWR | O_APPEND | O_CLOEXEC); /* read too: an exec'd image looks for a stop block */
    if (opened < 0)
        opened = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (opened < 0)
        return -1;
    trace_fd = moved_high(opened);
    if (fstat(trace_fd, &status) != 0)
        return start_failed();
    trace_device = status.st_dev;
    trace_inode = status.st_ino;
    trace_device_ok = 1;
    /* Its absolute path, as the kernel has it (the program may change directory before it closes descriptors). */
    descriptor_link(link, trace_fd);
    ssize_t length = readlink(link, trace_path, sizeof trace_path - 1);
    trace_path[length > 0 && trace_path[0] == '/' ? length : 0] = '\0';
    if (status.st_size > 0 && walk_earlier_images(trace_fd, &status.st_size))
        return start_failed(); /* an earlier image of this process stopped recording: it stopped there for good */
    if (status.st_size > 0 && (uint64_t)status.st_size >= size_cap) {
        /*
         * The earlier image's last blocks (its end, written outside the cap) took the file to the cap with no chunk
         * refused, so no stop block says so: this image writes it, or the trace would read as an exec into a
         * program that does not record.
         */
        atomic_store(&bytes_written, (uint64_t)status.st_size);
        stop_recording(TRACE_STOP_CAP, UINT64_MAX);
        return start_failed();
    }
    /* Without the key a thread's buffer could not be written at its end (and a key never made may be another's). */
    if (pthread_key_create(&exit_key, thread_ends) != 0 || pthread_atfork(NULL, NULL, child_after_fork) != 0)
        return start_failed();
    atomic_store(&bytes_written, (uint64_t)status.st_size);
    if (status.st_size == 0) { /* the first image writes the file's magic; an exec'd one appends */
        unsigned char magic[TRACE_MAGIC_SIZE] = TRACE_MAGIC;
        magic[7] = TRACE_VERSION;
        struct iovec piece = {magic, sizeof magic};
        if (!write_all(&piece, 1))
            return start_failed();
        atomic_store(&bytes_written, sizeof magic);
    }
    write_image();
    atomic_store(&trace_writer_on, 1);
    catch_stop_signal();
    return 0;
}

/*
 * Writes every buffer out: the calling thread's own, and a copy of each other thread's (they may still run). One
 * whose thread is writing it now is skipped (that write is its own), or with wait, waited for and written after.
 */
static void flush_all(bool wait)
{
    struct thread_buffer *self = own;
    int reason = 0;
    uint64_t lost_from = UINT64_MAX;
    if (self && writing.in_event)
        copy_own(self);
    else if (self)
        flush_own(self);
    writing.in_writer++;
    pthread_mutex_lock(&registry_lock);
    for (struct thread_buffer *buffer = registry; buffer && !reason; buffer = buffer->next) {
        if (buffer == self || (wait ? pthread_mutex_lock(&buffer->flush_lock) : pthread_mutex_trylock(&buffer->flush_lock)) != 0)
            continue; /* a thread writing its own buffer now: that write is its own */
        if (atomic_load(&trace_writer_on) &&
            (reason = write_chunk(buffer, atomic_load_explicit(&buffer->used, memory_order_acquire), true, false)) &&
            reason != TRACE_STOP_CAP) /* at the cap, every buffer is written past it as recording stops */
            lost_from = buffer->base_ns;
        pthread_mutex_unlock(&buffer->flush_lock);
    }
    pthread_mutex_unlock(&registry_lock);
    if (reason)
        stop_recording((enum trace_stop_reason)reason, lost_from);
    writing.in_writer--;
}

/*
 * Dies of number as the program would have: its default action back in place of the recorder's handler, the signal
 * let into this thread and raised in it. (Sent to the process instead, it stayed pending where every thread blocks
 * it: a program that lets SIGTERM in only inside its ppoll, which the signal had ended, ran on and exited 0.)
 */
static void die_of(int number)
{
    take_signal(number, SIG_DFL);
    raise(number);
}

/*
 * A stop asked by a signal: the runner's (TRACE_STOP_SIGNAL_NUMBER, at --duration), or an ending signal the program
 * left to its default (trace_writer_die_of). Every thread's buffer is written out, waiting for a thread that is
 * writing its own (its lock is never held by the thread the signal interrupts: that one is not in the writer), then
 * a stop block says the trace is complete to now, and recording stops. At the runner's stop the program runs on
 * until its SIGTERM; at an ending signal the process then dies of it. Killed outright, a service lost each
 * thread's calls since its last chunk: all of them for one idle since its start. Taken in a thread inside the
 * writer or an event, it is done as that event ends (stop_asked).
 */
static void stop_as_asked(void)
{
    if (atomic_load(&ended))
        return; /* an exit or exec is writing every call out; an exec that fails acts on the stop after it */
    int reason = atomic_exchange(&stop_asked, 0);
    if (!reason)
        return; /* another thread took it: it writes the stop, then dies of the signal if one came */
    int saved_errno = errno; /* inside the program's malloc or free, at the end of an event */
    if (atomic_load(&trace_writer_on) && getpid() == owner_pid) /* (an exit begun meanwhile: it asks again) */
        stop_recording((enum trace_stop_reason)reason, UINT64_MAX); /* every buffer written: complete to then */
    errno = saved_errno;
    if (atomic_load(&writing_out) || (atomic_load(&ended) && !atomic_load(&stopped)))
        return; /* another thread's pass, or the exit, writes it all: that one dies of the signal, if one came */
    int number = getpid() == owner_pid ? atomic_exchange(&dying_of, 0) : 0;
    if (number)
        die_of(number);
}

static void stop_signal(int signal_number)
{
    (void)signal_number;
    int saved = errno;
    int none = 0; /* an ending signal's stop, asked first, stands */
    atomic_compare_exchange_strong(&stop_asked, &none, TRACE_STOP_SIGNAL);
    if (!writing.in_writer && !writing.in_event && writing.taken == writing.made)
        stop_as_asked();
    errno = saved;
}

void trace_writer_die_of(int number)
{
    int saved = errno;
    if (getpid() == owner_pid) {
        atomic_store(&dying_of, number);
        /* A stop's pass writes every buffer out: it dies of it, its stop written; not once an exit has written its
           end block (a signal's pass that found the exit begun leaves all to it: the exit dies of it then). */
        if (atomic_load(&writing_out) && !atomic_load(&end_written)) {
            errno = saved;
            return;
        }
    }
    /* Nothing to write: recording off, a forked child, or the end written (the exit goes on). */
    if (!atomic_load(&trace_writer_on) || getpid() != owner_pid || atomic_load(&end_written)) {
        die_of(number);
        errno = saved;
        return;
    }
    atomic_store(&dying_of, number);
    if (atomic_load(&ended)) {
        /* The exit or exec is writing every call out (this thread, or another): it dies as its end block is
           written; or, that written meanwhile, now (one of the two sees the other's store). */
        if (atomic_load(&end_written) && atomic_exchange(&dying_of, 0))
            die_of(number);
        errno = saved;
        return;
    }
    arm_watchdog(number); /* before the stop is asked: the busy threads that see it may begin a pass of their own */
    atomic_store(&stop_asked, TRACE_STOP_ENDING_SIGNAL);
    if (!writing.in_writer && !writing.in_event) {
        if (writing.taken != writing.made || writing.lost)
            write_deferred(); /* a handler's calls waiting are older: written first, then the stop (at its end) */
        else
            stop_as_asked();
    }
    errno = saved;
}

static void catch_stop_signal(void)
{
    struct sigaction current, stop = {.sa_handler = stop_signal, .sa_flags = SA_RESTART};
    /* The default, however given (a null sa_sigaction with SA_SIGINFO is the default too, as ending_signals.c has
       it): the program's own handler or SIG_IGN is left alone. */
    if (sigaction(TRACE_STOP_SIGNAL_NUMBER, NULL, &current) != 0 || current.sa_handler != SIG_DFL)
        return;
    sigemptyset(&stop.sa_mask);
    sigaction(TRACE_STOP_SIGNAL_NUMBER, &stop, NULL);
}

/* The process's CPU time at ns, as a note among the calling thread's events. */
static void write_cpu_note(uint64_t ns)
{
    struct event_writer writer;
    if (!event_begin(&writer, TRACE_CPU, ns))
        return;
    event_value(&writer, read_clock(CLOCK_PROCESS_CPUTIME_ID));
    event_end(&writer);
}

void trace_writer_end(bool exec)
{
    if (getpid() != owner_pid || writing.in_writer)
        return;
    bool recording = atomic_load(&trace_writer_on);
    if (!recording && !atomic_load(&writing_out)) {
        int number = atomic_exchange(&dying_of, 0); /* an ending signal put off inside the writer: it dies now */
        if (number)
            die_of(number);
        return;
    }
    if (!recording) /* another thread's stop pass has recording off: the exit waits for its stop block (below) */
        goto wait_for_the_stop;
    if (writing.taken != writing.made && !writing.in_event) /* a signal handler's calls, waiting: in the trace */
        write_deferred();
    /*
     * A last CPU note, at the end, in a program that made a call: the time from its last call to its end (a
     * service idle before it leaves by _exit, where no Exit mark follows) is then a pause like any other, whose
     * idle part a replay sleeps, as an allocator's timer (jemalloc's background thread) saw it pass. Written by a
     * thread that has its buffer (one that made no call would join the trace for it), not from a handler inside
     * an event.
     */
    if (atomic_load_explicit(&cpu_noted_ns, memory_order_relaxed) && own && !thread_exiting && !writing.in_event) {
        uint64_t ns = event_ns();
        atomic_store_explicit(&cpu_noted_ns, ns, memory_order_relaxed); /* a mark at the exit need not note it again */
        write_cpu_note(ns);
    }
wait_for_the_stop:
    atomic_store(&ended, 1);
    /*
     * A stop's pass in another thread (at a signal, or the cap) is writing every buffer out: the process must not
     * end before its stop block, which the trace then ends with (an exit during a signal's pass once left a trace
     * with neither, missing calls). A signal's pass not begun yet sees ended and leaves it to this exit
     * (stop_recording); the cap's, begun as this exit writes, is waited for below.
     */
    while (atomic_load(&writing_out))
        pause_for(STOP_WAIT_NS);
    if (!atomic_load(&trace_writer_on)) {
        int number = atomic_exchange(&dying_of, 0); /* an ending signal that came meanwhile */
        if (number)
            die_of(number);
        return;
    }
    flush_all(true); /* a thread writing its own buffer now (every event is written at once from here): after it */
    while (atomic_load(&writing_out)) /* the cap's pass, begun by a call written at once meanwhile: it writes them all */
        pause_for(STOP_WAIT_NS);
    unsigned char payload[TRACE_END_SIZE] = {0};
    trace_put_u64(payload, now_ns());
    trace_put_u32(payload + 8, exec ? 1 : 0);
    write_block(TRACE_BLOCK_END, payload, sizeof payload);
    atomic_store(&end_written, 1);
    int number = atomic_exchange(&dying_of, 0); /* an ending signal that came while this end was being written */
    if (number)
        die_of(number);
}

/* ---- Events. */

/* The process's CPU time, noted before an event at ns when a millisecond has passed since the last note (above). */
static inline void note_cpu(uint64_t ns)
{
    uint64_t last = atomic_load_explicit(&cpu_noted_ns, memory_order_relaxed);
    if (ns - last < CPU_NOTE_EVERY_NS || ns < last ||
        !atomic_compare_exchange_strong_explicit(&cpu_noted_ns, &last, ns, memory_order_relaxed, memory_order_relaxed))
        return; /* not due, or another thread notes it */
    write_cpu_note(ns);
}

/* Writes a call's event into the calling thread's buffer; false if it has none to be had. */
static inline __attribute__((always_inline)) bool write_call(const struct call_event *call)
{
    struct event_writer writer;
    if (!event_begin(&writer, call->op, call->ns))
        return false;
    switch (call->kind) {
    case CALL_ALLOCATION:
        if (trace_op_has_alignment(call->op)) /* memalign(0, n) too: the reader takes the field by the op */
            event_value(&writer, call->alignment);
        event_value(&writer, call->size);
        event_pointer(&writer, call->pointer);
        break;
    case CALL_RELEASE:
        event_pointer(&writer, call->pointer);
        break;
    case CALL_VALUE:
        event_value(&writer, call->value);
        break;
    }
    event_end(&writer);
    return true;
}

/* defer_call's work, with signals blocked: the call put in the ring, or the loss noted (with the time of the first
   call lost, up to which the trace is complete at most). */
static bool keep_call(enum call_kind kind, enum trace_op op, uint64_t ns, uint64_t alignment, uint64_t size,
                      uint64_t value, const void *pointer)
{
    if (!writing.ring) {
        void *ring = mmap(NULL, DEFERRED_MAX * sizeof *writing.ring, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        writing.ring = ring == MAP_FAILED ? NULL : ring;
    }
    if (!writing.ring || writing.made - writing.taken >= DEFERRED_MAX) {
        if (!writing.lost)
            writing.lost_ns = ns;
        writing.lost = 1;
        return false;
    }
    writing.ring[writing.made % DEFERRED_MAX] = (struct call_event){.kind = kind, .op = op, .ns = ns,
                                                                    .alignment = alignment, .size = size,
                                                                    .value = value, .pointer = pointer};
    atomic_signal_fence(memory_order_seq_cst);
    writing.made = writing.made + 1;
    return true;
}

/* A call made by a signal handler inside a call being recorded (see writing): kept in the ring for the interrupted
   call to write. Its fields come one by one: the call's common path makes no struct of them. */
static __attribute__((noinline)) bool defer_call(enum call_kind kind, enum trace_op op, uint64_t ns, uint64_t alignment,
                                                 uint64_t size, uint64_t value, const void *pointer)
{
    /* Signals blocked while it takes its slot (and maps the ring): a second handler coming inside this one would
       take the same slot. The rare path: two system calls. */
    sigset_t all, before;
    sigfillset(&all);
    int saved_errno = errno;
    pthread_sigmask(SIG_BLOCK, &all, &before);
    bool kept = keep_call(kind, op, ns, alignment, size, value, pointer);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    errno = saved_errno;
    return kept;
}

/* Writes the calls a signal handler made while this thread recorded one, in order, until none is left. */
static __attribute__((noinline)) void write_deferred(void)
{
    do {
        /* Inside the writer: a handler's call that comes meanwhile waits behind the older ones, which it may depend
           on (its allocation at an address one of them released). */
        writing.in_writer++;
        while (writing.taken != writing.made) {
            write_call(&writing.ring[writing.taken % DEFERRED_MAX]);
            atomic_signal_fence(memory_order_seq_cst);
            writing.taken++;
        }
        if (writing.lost) {
            writing.lost = 0;
            if (atomic_load(&trace_writer_on))
                stop_recording(TRACE_STOP_HANDLER_CALLS, writing.lost_ns);
        }
        atomic_signal_fence(memory_order_seq_cst);
        writing.in_writer--;
        atomic_signal_fence(memory_order_seq_cst);
    } while (writing.taken != writing.made); /* one came after the last was written, before the writer was left */
    if (atomic_load_explicit(&stop_asked, memory_order_relaxed) && !writing.in_writer)
        stop_as_asked(); /* the runner's stop, put off while calls waited (they are in the trace now) */
}

/*
 * Records a call: at once, then any a signal handler made meanwhile; or, from a handler that came inside this
 * thread's writing of an event or the writer's locks, into the ring (see writing). Calls that wait from before
 * (a handler's that came as the writer was left, or inside the writer's work at a stop) are written first: they
 * are older, and this one may depend on them. False if it could not be written. (The program's errno is kept by
 * the writer's own steps that may set it: a write of the trace inside free must not change it.)
 */
static inline __attribute__((always_inline)) bool record_call(enum call_kind kind, enum trace_op op, uint64_t alignment,
                                                              uint64_t size, uint64_t value, const void *pointer)
{
    uint64_t ns = event_ns();
    if (__builtin_expect(writing.in_event || writing.in_writer, 0))
        return defer_call(kind, op, ns, alignment, size, value, pointer);
    if (__builtin_expect(writing.taken != writing.made || writing.lost, 0))
        write_deferred();
    note_cpu(ns);
    struct call_event call = {.kind = kind, .op = op, .ns = ns, .alignment = alignment, .size = size, .value = value,
                              .pointer = pointer};
    bool written = write_call(&call);
    if (__builtin_expect(!written, 0))
        stop_if_put_off(); /* one that came as its buffer failed to be made: no event of this thread's acts on it */
    atomic_signal_fence(memory_order_seq_cst);
    if (__builtin_expect(writing.taken != writing.made || writing.lost, 0))
        write_deferred();
    return written;
}

void trace_writer_allocation(enum trace_op op, size_t alignment, size_t size, const void *pointer)
{
    record_call(CALL_ALLOCATION, op, alignment, size, 0, pointer);
}

void trace_writer_release(enum trace_op op, const void *pointer)
{
    record_call(CALL_RELEASE, op, 0, 0, 0, pointer);
}

/* An event whose one field is a value (a mark's number, a release call's pad); false if it could not be written. */
static bool value_event(enum trace_op op, uint64_t value)
{
    return record_call(CALL_VALUE, op, 0, 0, value, NULL);
}

/*
 * A thread's first mark, and one MARK_FLUSH_NS or more after the last that did, is written out at once with its
 * thread's calls before it: a program killed outright (a terminal's Ctrl-C reaches it beside the runner, and one
 * with no handler dies of it) kept none of an idle main thread's calls, its Start mark among them, and a replay had
 * no Start to set its rows against. A program that marks every request writes at most ten times a second so.
 */
#define MARK_FLUSH_NS 100000000ull
uint64_t trace_writer_mark(void)
{
    uint64_t number = now_ns(); /* unique enough: two marks in the same ns would share it */
    if (!value_event(TRACE_MARK, number))
        return 0;
    if (own && !writing.in_event && !writing.in_writer && atomic_load(&trace_writer_on) &&
        (!own->mark_written_ns || number - own->mark_written_ns >= MARK_FLUSH_NS)) {
        own->mark_written_ns = number;
        flush_own(own);
        stop_if_put_off(); /* one that came inside that write */
    }
    return number;
}

void trace_writer_trim(uint64_t pad)
{
    value_event(TRACE_TRIM, pad);
}

void trace_writer_exec_failed(void)
{
    if (!atomic_load(&trace_writer_on) || getpid() != owner_pid || !atomic_exchange(&ended, 0))
        return;
    atomic_store(&end_written, 0);
    write_block(TRACE_BLOCK_RESUME, NULL, 0); /* it did not exec: the image records on, its end is to come */
    stop_if_put_off();
}
