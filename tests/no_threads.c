/* A test interposer: pthread_create fails with EAGAIN, as in a process that may start no more threads, and says so. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

int pthread_create(pthread_t *thread, const pthread_attr_t *attributes, void *(*start)(void *), void *argument)
{
    (void)thread;
    (void)attributes;
    (void)start;
    (void)argument;
    static const char said[] = "no_threads: pthread_create refused\n"; /* the test's proof that it was asked */
    (void)!write(STDERR_FILENO, said, sizeof said - 1);
    return EAGAIN;
}
