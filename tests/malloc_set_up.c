/* A test interposer: says on stderr each mallopt call, with whether the caller is the main thread and how many threads run. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The "Threads:" count of /proc/self/status, or -1; read with open and read alone (no malloc, no stdio). */
static long thread_count(void)
{
    char status[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, status, sizeof status - 1);
    close(fd);
    if (n <= 0)
        return -1;
    status[n] = '\0';
    const char *at = strstr(status, "\nThreads:");
    if (!at)
        return -1;
    long count = 0;
    for (at += strlen("\nThreads:"); *at == ' ' || *at == '\t'; at++)
        ;
    for (; *at >= '0' && *at <= '9'; at++)
        count = count * 10 + (*at - '0');
    return count;
}

/* "malloc_set_up: mallopt(P, V) in the main thread|another thread, N thread(s) running", then glibc's mallopt. */
int mallopt(int parameter, int value)
{
    char line[160];
    size_t length = 0;
    const char *parts[] = {"malloc_set_up: mallopt(", NULL, ", ", NULL, ") in ", NULL, ", ", NULL, " thread(s) running\n"};
    char parameter_text[24], value_text[24], threads_text[24];
    long numbers[] = {parameter, value, thread_count()};
    char *texts[] = {parameter_text, value_text, threads_text};
    for (int k = 0; k < 3; k++) { /* each number in decimal, by hand */
        long number = numbers[k];
        char digits[24];
        int d = 0;
        unsigned long magnitude = number < 0 ? 0UL - (unsigned long)number : (unsigned long)number;
        do
            digits[d++] = (char)('0' + magnitude % 10);
        while ((magnitude /= 10) > 0);
        int t = 0;
        if (number < 0)
            texts[k][t++] = '-';
        while (d > 0)
            texts[k][t++] = digits[--d];
        texts[k][t] = '\0';
    }
    parts[1] = parameter_text;
    parts[3] = value_text;
    parts[5] = syscall(SYS_gettid) == getpid() ? "the main thread" : "another thread";
    parts[7] = threads_text;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        size_t part = strlen(parts[i]);
        if (length + part < sizeof line) {
            memcpy(line + length, parts[i], part);
            length += part;
        }
    }
    (void)!write(STDERR_FILENO, line, length);
    int (*next)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "mallopt");
    return next ? next(parameter, value) : 0;
}
