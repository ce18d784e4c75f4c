/* Tells whether a program is dynamically linked (LD_PRELOAD can apply) by reading its ELF program headers. */
#include "elf_check.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * 1 when the ELF file open on fd has a PT_INTERP program header, 0 when it has none, -1 when it cannot be read.
 * One body for both classes: EHDR and PHDR are Elf64_* or Elf32_*.
 */
#define SCAN_PROGRAM_HEADERS(EHDR, PHDR)                                                                      \
    do {                                                                                                      \
        EHDR header;                                                                                          \
        if (pread(fd, &header, sizeof header, 0) != (ssize_t)sizeof header)                                  \
            return -1;                                                                                        \
        for (unsigned i = 0; i < header.e_phnum; i++) {                                                       \
            PHDR program;                                                                                     \
            off_t at = (off_t)header.e_phoff + (off_t)i * header.e_phentsize;                                \
            if (pread(fd, &program, sizeof program, at) != (ssize_t)sizeof program)                          \
                return -1;                                                                                    \
            if (program.p_type == PT_INTERP)                                                                  \
                return 1;                                                                                     \
        }                                                                                                     \
        return 0;                                                                                             \
    } while (0)

static int has_interpreter(int fd, const unsigned char *ident)
{
    if (ident[EI_CLASS] == ELFCLASS64)
        SCAN_PROGRAM_HEADERS(Elf64_Ehdr, Elf64_Phdr);
    SCAN_PROGRAM_HEADERS(Elf32_Ehdr, Elf32_Phdr);
}

static int check_at_depth(const char *path, char *message, size_t size, int depth);

int elf_check_dynamic(const char *path, char *message, size_t size)
{
    return check_at_depth(path, message, size, 0);
}

/* depth: "#!" interpreters followed so far; the kernel itself gives up after a few. */
static int check_at_depth(const char *path, char *message, size_t size, int depth)
{
    if (depth > 4) {
        snprintf(message, size, "%s: more than 4 levels of #! interpreters", path);
        return -1;
    }
    unsigned char start[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0) {
        snprintf(message, size, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    n = pread(fd, start, sizeof start - 1, 0);
    if (n >= 2 && start[0] == '#' && start[1] == '!') {
        /* A script: what matters is its interpreter. */
        char interpreter[256];
        close(fd);
        start[n] = '\0';
        size_t at = 2 + strspn((char *)start + 2, " \t");
        size_t len = strcspn((char *)start + at, " \t\n");
        snprintf(interpreter, sizeof interpreter, "%.*s", (int)len, (char *)start + at);
        return check_at_depth(interpreter, message, size, depth + 1);
    }
    if (n < EI_NIDENT || memcmp(start, ELFMAG, SELFMAG) != 0) {
        close(fd);
        snprintf(message, size, "%s is neither an ELF executable nor a script", path);
        return -1;
    }
    int dynamic = has_interpreter(fd, start);
    close(fd);
    if (dynamic == 1)
        return 0;
    if (dynamic == 0)
        snprintf(message, size, "%s is statically linked: LD_PRELOAD cannot apply to it, so no allocator profile can "
                                "be measured",
                 path);
    else
        snprintf(message, size, "%s: cannot read its ELF program headers", path);
    return -1;
}
