/* data_profile.c - `data --format profile`: a sized data job as a profile that `plan` explains and
 * `launch` turns into its Spark, Ray or Dask files, so a data engineer reaches a cluster without
 * writing the profile by hand. The plan sizes it again from the same keys. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>

/* Up to six significant digits, rounded up: the plan's fewest nodes that meet the hours are the
 * count that ran them, where a coarser rounding would let fewer nodes through. */
static double round_up_6(double x)
{
    if (!(x > 0))
        return x;
    double unit = pow(10.0, floor(log10(x)) - 5.0);
    return ceil(x / unit) * unit;
}

char *sp_data_profile(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                      const sp_data_result *result, double deadline_hours, double managed_premium, sp_error *err)
{
    sp_emitter *y = sp_emit_begin(err);
    if (!y)
        return NULL;
    char name[SP_NAME_MAX * 2 + 48];
    snprintf(name, sizeof name, "%.4g TB data job on %.0f x %s", job->input_bytes / 1e12, result->nodes, instance->name);
    sp_emit_seq(y);
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", name);
    sp_emit_kv_num(y, "data_tb", job->input_bytes / 1e12);
    sp_emit_str(y, "stages");
    sp_emit_seq(y);
    for (unsigned i = 0; i < job->count; i++)
        sp_emit_str(y, model->stages[job->stages[i]].name);
    sp_emit_end_seq(y);
    sp_emit_kv_str(y, "instance", instance->name);
    /* The deadline given picks the node count again; without one, the run's own hours do. */
    sp_emit_kv_num(y, "train_hours", deadline_hours > 0 ? deadline_hours : round_up_6(result->hours));
    /* At the managed premium, so that the budget rules out neither tier: the plan picks between
     * them by their totals (the seed's inequality). */
    sp_emit_kv_int(y, "budget_usd", fmax(1.0, ceil(result->cost_usd * managed_premium)));
    sp_buf b = {0};
    sp_buf_printf(&b, "# stackplan data --format profile: the job on %.0f x %s, as a profile.\n", result->nodes,
                  instance->name);
    sp_buf_puts(&b, "# `stackplan plan FILE` explains it; `stackplan launch FILE --out DIR` writes its launch files.\n");
    sp_buf_printf(&b, "# train_hours: %s; budget_usd: its cost at the managed premium, rounded up, so that either tier\n"
                      "# is within it (set your own).\n",
                  deadline_hours > 0 ? "the --deadline-hours given" : "the run's hours at --nodes, which the plan meets with the fewest nodes");
    return sp_emit_profile_finish(y, sp_buf_finish(&b, err), err);
}
