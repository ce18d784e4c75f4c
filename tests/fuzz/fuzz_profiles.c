/* libFuzzer target: any text as a profiles file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct profile_list list;
    char error[512];
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* the file reader refuses NUL bytes; the parser sees text up to the first */
    if (profiles_parse(text, "fuzz", &list, error, sizeof error) == 0)
        profiles_free(&list);
    free(text);
    return 0;
}
