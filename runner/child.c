/* Starts a measured program under an allocator profile and collects its records over an inherited pipe. */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "line_reader.h"

extern char **environ;

/* Settings inherited from the caller's environment that would change the allocator under test. */
static const char *const inherited_settings_dropped[] = {
    "LD_PRELOAD=", "GLIBC_TUNABLES=", "MALLOC_", "TCMALLOC_", "MIMALLOC_", "FRAGBENCH_",
};

static bool dropped_from_environment(const char *entry)
{
    for (size_t i = 0; i < sizeof inherited_settings_dropped / sizeof inherited_settings_dropped[0]; i++)
        if (strncmp(entry, inherited_settings_dropped[i], strlen(inherited_settings_dropped[i])) == 0)
            return true;
    return false;
}

/* Builds the child's environment; every string is heap-owned and freed by free_environment(). */
static char **build_environment(const struct profile *profile, int report_fd)
{
    size_t count = 0, n = 0;
    char **env;
    while (environ[count])
        count++;
    env = calloc(count + profile->env_count + 3, sizeof *env);
    if (!env)
        abort();
    for (size_t i = 0; i < count; i++)
        if (!dropped_from_environment(environ[i]))
            env[n++] = strdup(environ[i]);
    for (size_t i = 0; i < profile->env_count; i++)
        env[n++] = strdup(profile->env[i]);
    if (*profile->library && asprintf(&env[n++], "LD_PRELOAD=%s", profile->library) < 0)
        abort();
    if (asprintf(&env[n++], "%s=%d", FB_ENV_FD, report_fd) < 0)
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

struct collector {
    pid_t pid;
    record_handler handler;
    void *context;
    struct child_result *result;
};

static void count_bad(struct child_result *result, const char *why)
{
    if (result->bad_records++ == 0)
        snprintf(result->first_bad, sizeof result->first_bad, "%s", why);
}

static void on_line(void *context, const char *line, size_t len)
{
    struct collector *collector = context;
    struct record record;
    char why[200];
    if (collector->result->stopped)
        return;
    if (record_parse(line, len, &record, why, sizeof why) != 0) {
        count_bad(collector->result, why);
        return;
    }
    if (!collector->handler(collector->context, &record)) {
        kill(collector->pid, SIGKILL);
        collector->result->stopped = true;
    }
}

int child_run(char *const argv[], const struct profile *profile, record_handler handler, void *context,
              struct child_result *result, char *error, size_t error_size)
{
    int fds[2];
    char **env;
    pid_t pid;
    struct line_reader reader = {.pending_len = 0};
    struct collector collector = {.handler = handler, .context = context, .result = result};

    memset(result, 0, sizeof *result);
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(error, error_size, "cannot make a pipe: %s", strerror(errno));
        return -1;
    }
    env = build_environment(profile, fds[1]);
    fflush(NULL); /* nothing buffered may be written twice */
    pid = fork();
    if (pid == 0) {
        /* The write end must survive exec; the read end must not. */
        if (fcntl(fds[1], F_SETFD, 0) == 0)
            execve(argv[0], argv, env);
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
    collector.pid = pid;
    for (;;) {
        char buffer[65536];
        ssize_t n = read(fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        line_reader_feed(&reader, buffer, (size_t)n, on_line, &collector);
    }
    close(fds[0]);
    if (line_reader_finish(&reader))
        count_bad(result, "the last line has no LF");
    for (size_t i = 0; i < reader.long_lines; i++)
        count_bad(result, "a line longer than the record limit");
    while (waitpid(pid, &result->wait_status, 0) < 0)
        if (errno != EINTR) {
            snprintf(error, error_size, "cannot wait for %s: %s", argv[0], strerror(errno));
            return -1;
        }
    return 0;
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
