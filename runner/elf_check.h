/* Tells whether a program is dynamically linked (LD_PRELOAD can apply) by reading its ELF program headers. */
#ifndef FRAGBENCH_ELF_CHECK_H
#define FRAGBENCH_ELF_CHECK_H

#include <stddef.h>

/*
 * Returns 0 when path is a dynamically linked ELF executable (it has a PT_INTERP header),
 * or a script whose "#!" interpreter is; otherwise -1 with why in message.
 */
int elf_check_dynamic(const char *path, char *message, size_t size);

#endif
