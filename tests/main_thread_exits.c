/* A program whose main thread ends with pthread_exit while another allocates 48 MB, writes it and holds it 0.4 s. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *volatile held; /* volatile: the compiler may not drop the allocation, the writes or the free */

static void *allocate_and_hold(void *unused)
{
    (void)unused;
    held = malloc(48 << 20);
    if (!held)
        abort();
    memset(held, 1, 48 << 20);
    usleep(400000);
    free(held);
    return NULL;
}

int main(void)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, allocate_and_hold, NULL) != 0)
        return 1;
    pthread_exit(NULL); /* the process runs on in the thread; its main thread is a zombie in /proc from here */
}
