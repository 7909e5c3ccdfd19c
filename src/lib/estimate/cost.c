/* cost.c - the build-versus-buy cost model (seed section 2). */
#include "estimate_internal.h"

#include <math.h>

sp_cost sp_costs(double gpus, double usd_per_gpu_hour, double hours, double premium,
                 double ops_hours, double ops_usd_per_hour)
{
    sp_cost c;
    c.raw_usd = gpus * usd_per_gpu_hour * hours;       /* seed eq.: g c h */
    c.managed_usd = premium * c.raw_usd;               /* seed eq.: C_managed = m g c h */
    c.ops_usd = ops_usd_per_hour * ops_hours;          /* seed eq.: v T_ops */
    c.self_usd = c.raw_usd + c.ops_usd;                /* seed eq.: C_self = g c h + v T_ops */
    return c;
}

double sp_breakeven_hours(double gpus, double usd_per_gpu_hour, double premium,
                          double ops_hours, double ops_usd_per_hour)
{
    /* seed: C_managed <= C_self  <=>  (m - 1) g c h <= v T_ops, solved for h. */
    double premium_per_hour = (premium - 1.0) * gpus * usd_per_gpu_hour;
    double ops_usd = ops_usd_per_hour * ops_hours;
    if (premium_per_hour <= 0.0)
        return INFINITY;
    return ops_usd / premium_per_hour;
}

static bool finite_at_least(double v, double min)
{
    return isfinite(v) && v >= min;
}

sp_status sp_breakeven_check(const sp_breakeven_input *in, sp_error *err)
{
    if (!sp_whole_in(in->gpus, 1, 1e7))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpus", "must be a whole number from 1 to 10000000");
    if (!finite_at_least(in->usd_per_gpu_hour, 0) || in->usd_per_gpu_hour == 0 ||
        in->usd_per_gpu_hour > 1e4)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "usd-per-gpu-hour", "must be in (0, 10000]");
    if (!finite_at_least(in->premium, 1) || in->premium > 100)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "premium",
                       "must be in [1, 100]: managed compute costs at least the raw price");
    if (!finite_at_least(in->ops_hours, 0) || in->ops_hours > 1e6)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "ops-hours", "must be in [0, 1000000]");
    if (!finite_at_least(in->ops_usd_per_hour, 0) || in->ops_usd_per_hour > 1e6)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "ops-usd-per-hour", "must be in [0, 1000000]");
    return SP_OK;
}
