/* The runner's output files: opened and checked apart from one another first, emptied only once all are good. */
#define _GNU_SOURCE /* renameat2 */
#include "outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../trace/format.h"

/* Whether the file at path begins as a fragbench trace does, raw or compressed with zstd. */
static bool holds_a_trace(const char *path)
{
    unsigned char start[TRACE_MAGIC_SIZE] = {0};
    int reading = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* the output's own descriptor is write-only */
    bool trace = reading >= 0 && pread(reading, start, sizeof start, 0) >= 4 &&
                 (!memcmp(start, TRACE_MAGIC, 7) || !memcmp(start, TRACE_ZSTD_MAGIC, 4));
    if (reading >= 0)
        close(reading);
    return trace;
}

/*
 * The CSV, the timeline and the trace were once opened with O_TRUNC one after another while the input was still
 * being checked: a refusal after the first (an unwritable timeline, say) returned exit 2 with the earlier results
 * already emptied. Now each is opened as it is, the set is checked (the same file given twice was two writers
 * corrupting one file), and only then is each emptied.
 */
int output_open(struct output_file *file, const char *option, const char *path)
{
    struct stat status;
    bool existed = lstat(path, &status) == 0;
    *file = (struct output_file){.option = option, .path = path, .fd = -1};
    file->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (file->fd < 0 || fstat(file->fd, &status) != 0) {
        fprintf(stderr, "fragbench: %s: cannot write %s: %s\n", option, path, strerror(errno));
        if (file->fd >= 0)
            close(file->fd);
        file->fd = -1;
        return -1;
    }
    file->created = !existed;
    file->regular = S_ISREG(status.st_mode);
    file->device = status.st_dev;
    file->inode = status.st_ino;
    return 0;
}

int output_check_distinct(const struct output_file *files, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++)
            if (files[i].fd >= 0 && files[j].fd >= 0 && files[i].regular && files[i].device == files[j].device &&
                files[i].inode == files[j].inode) {
                fprintf(stderr, "fragbench: %s and %s name the same file (%s): give each its own\n", files[i].option,
                        files[j].option, files[j].path);
                return -1;
            }
    return 0;
}

/*
 * Renames from to to where no file is named to (renameat2's RENAME_NOREPLACE: a file made under that name since
 * the name was found free is not replaced); on a file system without it, rename, to a name no file had a moment
 * ago. 0, or -1 with errno set.
 */
static int move_no_replace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    return rename(from, to);
}

/*
 * A trace is a recording of a run that may have taken an hour of the user's service and cannot be made again the
 * same: one recorded to the same name is moved aside, not emptied, to a name no file has (perf record keeps one
 * perf.data.old and replaces it; a third recording would then lose the first).
 */
static int move_to_old(struct output_file *file)
{
    struct stat status;
    bool trace = holds_a_trace(file->path);
    for (unsigned n = 1; n < 1000; n++) {
        int length = n == 1 ? snprintf(file->old_path, sizeof file->old_path, "%s.old", file->path)
                            : snprintf(file->old_path, sizeof file->old_path, "%s.old.%u", file->path, n);
        if (length >= (int)sizeof file->old_path) {
            fprintf(stderr, "fragbench: %s: the path %s is too long\n", file->option, file->path);
            return -1;
        }
        if (lstat(file->old_path, &status) != 0 && errno == ENOENT)
            break;
        if (n == 999) {
            fprintf(stderr, "fragbench: %s: %s and 998 more of its earlier files exist: remove some\n", file->option,
                    file->old_path);
            return -1;
        }
    }
    if (move_no_replace(file->path, file->old_path) != 0) {
        fprintf(stderr, "fragbench: %s: cannot move the earlier %s to %s: %s\n", file->option, file->path,
                file->old_path, strerror(errno));
        return -1;
    }
    close(file->fd);
    file->fd = open(file->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (file->fd < 0 || fstat(file->fd, &status) != 0) {
        int error = errno;
        if (file->fd >= 0)
            close(file->fd);
        file->fd = -1;
        bool back = error != EEXIST && move_no_replace(file->old_path, file->path) == 0;
        fprintf(stderr, "fragbench: %s: cannot write %s: %s (the earlier one is %s)\n", file->option, file->path,
                strerror(error), back ? "back in place" : file->old_path);
        return -1;
    }
    file->device = status.st_dev;
    file->inode = status.st_ino;
    file->moved = true;
    fprintf(stderr, "fragbench: %s: %s %s: it is now %s\n", file->option, file->path,
            trace ? "held an earlier recording" : "was not empty (and not a trace)", file->old_path);
    return 0;
}

int output_refuse_a_trace(const struct output_file *file)
{
    if (!file->regular || !holds_a_trace(file->path))
        return 0;
    fprintf(stderr, "fragbench: %s: %s holds a trace (a recording, or a file compressed with zstd): it is not "
                    "written over; give %s another file\n", file->option, file->path, file->option);
    return -1;
}

int output_empty(struct output_file *file)
{
    struct stat status;
    if (file->keep_old && file->regular && fstat(file->fd, &status) == 0 && status.st_size > 0)
        return move_to_old(file);
    if (file->regular && ftruncate(file->fd, 0) != 0) {
        fprintf(stderr, "fragbench: %s: cannot write %s: %s\n", file->option, file->path, strerror(errno));
        return -1;
    }
    return 0;
}

void output_abandon(struct output_file *file)
{
    if (file->fd < 0)
        return;
    close(file->fd);
    file->fd = -1;
    if (file->created)
        unlink(file->path);
    if (file->moved)
        rename(file->old_path, file->path); /* over the empty file this run made there */
}
