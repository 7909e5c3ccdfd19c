/* Fuzz target: the Hugging Face config.json loader, then the estimators on what it accepts. */
#include "stackplan.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_model m;
    sp_error err;
    if (sp_model_parse_hf("config.json", (const char *)data, size, &m, &err) != SP_OK)
        return 0;
    (void)sp_model_params(&m);
    (void)sp_model_active_params(&m);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.seq = 128;
    sp_memory_constants k = {1e9, 0.1, 8192, 128, 12};
    sp_memory mem;
    (void)sp_memory_estimate(&m, &c, &k, 80e9, &mem, &err);
    c.mode = SP_MODE_INFER;
    (void)sp_memory_estimate(&m, &c, &k, 80e9, &mem, &err);
    return 0;
}
