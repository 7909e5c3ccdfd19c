/* Fuzz target: the profile loader, and every plan it lets through (numbers at their edges). */
#include "stackplan.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp_rules rules;
    static int loaded = -1;
    if (loaded < 0) {
        sp_error err;
        loaded = sp_rules_load(SP_DATA_DIR, &rules, &err) == SP_OK;
    }
    sp_profile_list list;
    sp_error err;
    if (sp_profiles_parse("fuzz.yaml", (const char *)data, size, &list, &err) != SP_OK)
        return 0;
    for (size_t i = 0; loaded && i < list.count; i++) {
        sp_plan plan;
        if (sp_plan_profile(&list.items[i], &rules, NULL, &plan, &err) == SP_OK) {
            char line[1024];
            sp_launch_line(&plan, line, sizeof line);
        }
    }
    if (loaded) {
        sp_plan *plans = calloc(list.count ? list.count : 1, sizeof *plans);
        bool all = plans != NULL;
        for (size_t i = 0; all && i < list.count; i++)
            all = sp_plan_profile(&list.items[i], &rules, NULL, &plans[i], &err) == SP_OK;
        for (int f = 0; all && f < 3; f++)
            free(sp_render_plans(&list, plans, &rules, (sp_format)f, &err));
        free(plans);
    }
    sp_profile_list_free(&list);
    return 0;
}
