/* Starts a measured program under an allocator profile and collects its records over an inherited pipe. */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kill_tree.h"
#include "line_reader.h"

extern char **environ;

/* Settings inherited from the caller's environment that would change the allocator under test. */
static const char *const inherited_settings_dropped[] = {
    "LD_PRELOAD=", "GLIBC_TUNABLES=", "MALLOC_", "TCMALLOC_", "MIMALLOC_", "FRAGBENCH_",
};

/* True when an inherited VAR=value entry sets the same variable as the VAR=value setting. */
static bool same_variable(const char *entry, const char *setting)
{
    size_t name_len = strcspn(setting, "=");
    return strncmp(entry, setting, name_len) == 0 && entry[name_len] == '=';
}

static bool dropped_from_environment(const char *entry, const struct profile *profile)
{
    for (size_t i = 0; i < sizeof inherited_settings_dropped / sizeof inherited_settings_dropped[0]; i++)
        if (strncmp(entry, inherited_settings_dropped[i], strlen(inherited_settings_dropped[i])) == 0)
            return true;
    for (size_t i = 0; i < profile->env_count; i++)
        if (same_variable(entry, profile->env[i]))
            return true;
    return false;
}

/* The child writes its own pid here between fork and exec: "FRAGBENCH_PID=" and room for the digits. */
#define PID_VARIABLE "FRAGBENCH_PID="
#define PID_ROOM 24

/* Builds the child's environment; every string is heap-owned and freed by free_environment(). */
static char **build_environment(const struct child_spec *spec, int report_fd, uint64_t *t0_us)
{
    const struct profile *profile = spec->profile;
    const char *shim = spec->shim, *recorder = spec->recorder ? spec->recorder : "";
    size_t count = 0, n = 0;
    char **env;
    while (environ[count])
        count++;
    env = calloc(count + profile->env_count + 9, sizeof *env);
    if (!env)
        abort();
    for (size_t i = 0; i < count; i++)
        if (!dropped_from_environment(environ[i], profile))
            env[n++] = strdup(environ[i]);
    for (size_t i = 0; i < profile->env_count; i++)
        env[n++] = strdup(profile->env[i]);
    /* The recorder first: it forwards each call to the next malloc, the profile's, which the shim then names. */
    const char *preload[] = {recorder, profile->library, shim ? shim : ""};
    char *joined = NULL;
    for (size_t i = 0; i < sizeof preload / sizeof preload[0]; i++) {
        char *longer = NULL;
        if (!*preload[i])
            continue;
        if (asprintf(&longer, "%s%s%s", joined ? joined : "LD_PRELOAD=", joined ? ":" : "", preload[i]) < 0)
            abort();
        free(joined);
        joined = longer;
    }
    if (joined)
        env[n++] = joined;
    env[n] = calloc(1, strlen(PID_VARIABLE) + PID_ROOM); /* filled in by the child */
    if (env[n])
        strcpy(env[n++], PID_VARIABLE "0");
    if (shim && !(env[n++] = strdup("FRAGBENCH_START=1"))) /* the shim's "Start" phase, sent once */
        abort();
    if (spec->trace_path && (asprintf(&env[n++], "FRAGBENCH_TRACE=%s", spec->trace_path) < 0 ||
                             asprintf(&env[n++], "FRAGBENCH_TRACE_CAP=%llu", spec->trace_cap_bytes) < 0 ||
                             asprintf(&env[n++], "FRAGBENCH_TRACE_CLOCK=%s",
                                      spec->trace_precise_clock ? "precise" : "coarse") < 0))
        abort();
    if (asprintf(&env[n++], "%s=%d", FB_ENV_FD, report_fd) < 0)
        abort();
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now); /* the program's elapsed times count from here */
    *t0_us = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
    if (asprintf(&env[n++], "%s=%llu", FB_ENV_T0, (unsigned long long)*t0_us) < 0)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!env[i])
            abort();
    return env;
}

static void free_environment(char **env)
{
    for (char **entry = env; *entry; entry++)
        free(*entry);
    free(env);
}

static void count_bad(struct child_result *result, const char *why)
{
    if (result->bad_records++ == 0)
        snprintf(result->first_bad, sizeof result->first_bad, "%s", why);
}

static void on_line(void *context, const char *line, size_t len)
{
    struct child *child = context;
    struct record record;
    char why[200];
    if (child->result->stopped)
        return;
    if (!line) {
        count_bad(child->result, "a line longer than the record limit");
        return;
    }
    if (record_parse(line, len, &record, why, sizeof why) != 0) {
        count_bad(child->result, why);
        return;
    }
    if (!child->handler(child->context, &record)) {
        kill_tree(child->pid);
        child->result->stopped = true;
    }
}

/* Reads what is in the pipe now; returns false at end of file or on an error. */
static bool read_available(struct child *child)
{
    char buffer[65536];
    ssize_t n = read(child->pipe_fd, buffer, sizeof buffer);
    while (n < 0 && errno == EINTR)
        n = read(child->pipe_fd, buffer, sizeof buffer);
    if (n <= 0)
        return false;
    line_reader_feed(&child->reader, buffer, (size_t)n, on_line, child);
    return true;
}

int child_start(struct child *child, const struct child_spec *spec, record_handler handler, void *context,
                struct child_result *result, char *error, size_t error_size)
{
    char *const *argv = spec->argv;
    int fds[2];
    char **env;
    pid_t pid;

    memset(result, 0, sizeof *result);
    memset(child, 0, sizeof *child);
    child->handler = handler;
    child->context = context;
    child->result = result;
    child->pipe_fd = child->pidfd = -1;
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(error, error_size, "cannot make a pipe: %s", strerror(errno));
        return -1;
    }
    env = build_environment(spec, fds[1], &child->t0_us);
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t runner = getpid();
    pid = fork();
    if (pid == 0) {
        /* A runner that dies without stopping its runs (SIGKILL, out of memory) takes its programs with it: a
         * service run for --duration would otherwise run on with no one to stop it. (Their own children, which
         * the runner kills through kill_tree when it can, are not covered.) */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != runner)
            _exit(127);
        /* The CSV on stdout: the program's own output beside it would be read as rows. (Before --quiet's /dev/null:
           its output is not an error, so it is kept.) */
        if (spec->output_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
            _exit(127);
        if (spec->quiet) {
            int null = open("/dev/null", O_WRONLY | O_CLOEXEC); /* its duplicate on 2 is not close-on-exec */
            if (null >= 0)
                dup2(null, STDERR_FILENO);
        }
        if (spec->inherited_fd > STDERR_FILENO && fcntl(spec->inherited_fd, F_SETFD, 0) != 0) {
            dprintf(STDERR_FILENO, "fragbench: cannot keep descriptor %d open for %s: %s\n", spec->inherited_fd,
                    argv[0], strerror(errno));
            _exit(127);
        }
        for (char **entry = env; *entry; entry++)
            if (strncmp(*entry, PID_VARIABLE, strlen(PID_VARIABLE)) == 0)
                snprintf(*entry + strlen(PID_VARIABLE), PID_ROOM, "%d", (int)getpid());
        /* The write end must survive exec; the read end must not. */
        if (fcntl(fds[1], F_SETFD, 0) == 0)
            execve(spec->path ? spec->path : argv[0], argv, env);
        dprintf(STDERR_FILENO, "fragbench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    free_environment(env);
    close(fds[1]);
    if (pid < 0) {
        snprintf(error, error_size, "cannot start %s: %s", argv[0], strerror(errno));
        close(fds[0]);
        return -1;
    }
    child->pid = pid;
    child->pipe_fd = fds[0];
    child->pipe_open = true;
    child->pidfd = pidfd_open(pid, 0);
    return 0;
}

int child_watch(const struct child *child, struct pollfd *out)
{
    /* poll() skips an entry whose fd is negative: a pipe already at its end is not watched. */
    out[0] = (struct pollfd){.fd = child->pipe_open ? child->pipe_fd : -1, .events = POLLIN};
    if (child->pidfd < 0)
        return 1;
    out[1] = (struct pollfd){.fd = child->pidfd, .events = POLLIN};
    return 2;
}

/* The child is gone: take what it left in the pipe, reap it, and close everything. */
static void finish(struct child *child)
{
    fcntl(child->pipe_fd, F_SETFL, O_NONBLOCK);
    /* Bounded: a process left behind that keeps writing cannot keep the run open. */
    for (int reads = 0; reads < 1024 && read_available(child); reads++)
        ;
    close(child->pipe_fd);
    if (child->pidfd >= 0)
        close(child->pidfd);
    child->pipe_fd = child->pidfd = -1;
    if (line_reader_finish(&child->reader))
        count_bad(child->result, "the last line has no LF");
    while (waitpid(child->pid, &child->result->wait_status, 0) < 0 && errno == EINTR)
        ;
}

bool child_handle(struct child *child, const struct pollfd *watched, int count)
{
    bool pipe_closed = false;
    if (watched[0].revents)
        pipe_closed = !read_available(child);
    /* With a pidfd, the child's exit ends the run; without one, the pipe's end does. */
    if ((count > 1 && watched[1].revents) || (child->pidfd < 0 && pipe_closed)) {
        finish(child);
        return true;
    }
    if (pipe_closed)
        child->pipe_open = false; /* the child closed its end but runs on: only its exit matters now */
    return false;
}

int child_run(const struct child_spec *spec, record_handler handler, void *context, struct child_result *result,
              char *error, size_t error_size)
{
    struct child *child = malloc(sizeof *child);
    int code = -1;
    if (!child)
        abort();
    if (child_start(child, spec, handler, context, result, error, error_size) == 0) {
        struct pollfd watched[2];
        bool done = false;
        while (!done) {
            int count = child_watch(child, watched);
            if (poll(watched, (nfds_t)count, -1) < 0 && errno != EINTR)
                break;
            done = child_handle(child, watched, count);
        }
        code = done ? 0 : -1;
        if (!done)
            snprintf(error, error_size, "cannot wait for %s: %s", spec->argv[0], strerror(errno));
    }
    free(child);
    return code;
}

void child_status_text(int wait_status, char *out, size_t size)
{
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
        snprintf(out, size, "ok");
    else if (WIFEXITED(wait_status))
        snprintf(out, size, "exit:%d", WEXITSTATUS(wait_status));
    else if (WIFSIGNALED(wait_status)) {
        const char *name = sigabbrev_np(WTERMSIG(wait_status));
        if (name)
            snprintf(out, size, "signal:SIG%s", name);
        else
            snprintf(out, size, "signal:%d", WTERMSIG(wait_status));
    } else
        snprintf(out, size, "unknown");
}
