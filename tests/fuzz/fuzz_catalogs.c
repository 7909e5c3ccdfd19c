/* Fuzz target: the accelerator, instance and request-length catalog loaders (the first byte
 * picks which). */
#include "stackplan.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    sp_error err;
    const char *text = (const char *)data + 1;
    switch (data[0] % 3) {
    case 1: {
        sp_instance_catalog c;
        if (sp_instances_parse("fuzz.yaml", text, size - 1, &c, &err) == SP_OK)
            sp_instance_catalog_free(&c);
        break;
    }
    case 2: {
        sp_workload_catalog c;
        if (sp_workloads_parse("fuzz.yaml", text, size - 1, &c, &err) == SP_OK)
            sp_workload_catalog_free(&c);
        break;
    }
    default: {
        sp_accel_catalog c;
        if (sp_accels_parse("fuzz.yaml", text, size - 1, &c, &err) == SP_OK)
            sp_accel_catalog_free(&c);
    }
    }
    return 0;
}
