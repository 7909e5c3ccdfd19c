/* Fuzz target: the JSON ABI and, through it, every command's flag parser and report (launch,
 * which writes files, is left out). */
#include "stackplan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (!strstr(text, "launch")) { /* writes files: its inputs are fuzzed by fuzz_launch */
        sp_error err;
        char *report = sp_request(text, &err);
        sp_free(report);
    }
    free(text);
    return 0;
}
