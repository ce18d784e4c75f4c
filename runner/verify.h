/* Checks that the allocator a program reports serving malloc is the one its profile asks for. */
#ifndef FRAGBENCH_VERIFY_H
#define FRAGBENCH_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "profiles.h"
#include "record.h"

/*
 * True when hello shows the profile's library (or, for a profile with no library, glibc)
 * defining the malloc in use. Otherwise false, with a message that says what served
 * malloc instead and what to install.
 */
bool verify_allocator(const struct profile *profile, const struct record *hello, char *message, size_t size);

#endif
