/* Fuzz target: the launch writers over every plan a profile file lets through (rendered in
 * memory: Slurm, torchrun, Megatron arguments, DeepSpeed/accelerate/axolotl configs, Kubernetes,
 * SkyPilot, Ray, manifest), with hostile option strings. */
#include "stackplan.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_rules rules;
    static int loaded = -1;
    sp_error err;
    if (loaded < 0)
        loaded = sp_rules_load(SP_DATA_DIR, &rules, &err) == SP_OK;
    sp_profile_list list;
    if (!loaded || sp_profiles_parse("fuzz.yaml", (const char *)data, size, &list, &err) != SP_OK)
        return 0;
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    o.entry_args = "--x '$(touch y)' \"q\"";
    o.time_limit_hours = 1;
    o.env_hook = "a b';c";
    o.checkpoint_dir = "dir with 'quote'";
    for (size_t i = 0; i < list.count; i++) {
        sp_plan plan;
        if (sp_plan_profile(&list.items[i], &rules, NULL, &plan, &err) != SP_OK)
            continue;
        sp_artifact_set set;
        if (sp_launch_artifacts(&list.items[i], &plan, &rules, NULL, &o, NULL, 0, &set, &err) == SP_OK)
            sp_artifact_set_free(&set);
    }
    sp_profile_list_free(&list);
    return 0;
}
