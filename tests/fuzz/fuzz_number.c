/* Fuzz target: the strict number parser behind every flag and YAML number. */
#include "stackplan.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 128)
        return 0;
    char text[129];
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    double v = 0;
    sp_error err;
    if (sp_parse_number(text, data[0] & 7u, &v, &err) == SP_OK && !isfinite(v))
        abort(); /* the parser promised a finite number */
    return 0;
}
