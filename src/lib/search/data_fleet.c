/* data_fleet.c - the instance and node count a data job runs on when none is named: the cheapest
 * of the catalog that finishes within the deadline, as `stackplan data` and a data profile size it. */
#include "search_internal.h"

sp_status sp_data_cheapest(const sp_stage_model *model, const sp_instance_catalog *catalog, const sp_data_job *job,
                           double deadline_hours, sp_data_result *out, const sp_instance **chosen, sp_error *err)
{
    *chosen = NULL;
    for (size_t i = 0; i < catalog->count; i++) {
        sp_data_result trial;
        sp_status s = deadline_hours > 0 ? sp_data_size(model, &catalog->items[i], job, deadline_hours, &trial, NULL)
                                         : sp_data_estimate(model, &catalog->items[i], job, &trial, NULL);
        if (s != SP_OK)
            continue;
        if (!*chosen || trial.cost_usd < out->cost_usd) {
            *out = trial;
            *chosen = &catalog->items[i];
        }
    }
    if (*chosen)
        return SP_OK;
    /* The job is sound (checked by the caller) and no instance meets it: nothing to plan. */
    return sp_fail(err, SP_ERR_NO_PLAN, "", 0, 0, "deadline-hours",
                   "no instance of the catalog finishes within %g h, at up to %d nodes each", deadline_hours,
                   SP_DATA_NODES_MAX);
}
