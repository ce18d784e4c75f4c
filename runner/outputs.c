/* The runner's output files: opened and checked apart from one another first, emptied only once all are good. */
#include "outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
 * A trace is a recording of a run that may have taken an hour of the user's service and cannot be made again the
 * same: one recorded to the same name is moved aside, not emptied (perf record does the same with perf.data).
 */
static int move_to_old(struct output_file *file)
{
    char old[4096];
    struct stat status;
    if (snprintf(old, sizeof old, "%s.old", file->path) >= (int)sizeof old) {
        fprintf(stderr, "fragbench: %s: the path %s is too long\n", file->option, file->path);
        return -1;
    }
    if (rename(file->path, old) != 0) {
        fprintf(stderr, "fragbench: %s: cannot move the earlier %s to %s: %s\n", file->option, file->path, old,
                strerror(errno));
        return -1;
    }
    close(file->fd);
    file->fd = open(file->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (file->fd < 0 || fstat(file->fd, &status) != 0) {
        fprintf(stderr, "fragbench: %s: cannot write %s: %s\n", file->option, file->path, strerror(errno));
        rename(old, file->path); /* the earlier one back where it was */
        return -1;
    }
    file->device = status.st_dev;
    file->inode = status.st_ino;
    file->moved = true;
    fprintf(stderr, "fragbench: %s: %s held an earlier recording: it is now %s\n", file->option, file->path, old);
    return 0;
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
    if (file->moved) {
        char old[4096];
        snprintf(old, sizeof old, "%s.old", file->path);
        rename(old, file->path);
    }
}
