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
    if (!finite_at_least(in->hours, 0) || in->hours > 1e6)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "hours", "must be in [0, 1000000]: a run's length (0: none)");
    return SP_OK;
}

double sp_accel_host_gpus(const sp_accel *a)
{
    return a->host_gpus > 0 ? a->host_gpus : a->per_node;
}

/* The listed instance that prices a job's server: the smallest holding its share of GPUs (a
 * server's worth at most), else the largest; -1 where a single GPU's rate applies (an offer that
 * rents single GPUs, for a job on one). */
static long pricing_instance(const sp_accel *a, double gpus)
{
    double in_server = fmin(gpus, sp_accel_host_gpus(a));
    if (a->instance_count == 0)
        return -1;
    if (a->min_rented_gpus > 1) /* only the smallest instance is rented (sp_accel_usd_per_gpu_hour) */
        return 0;
    if (!(in_server > 1))
        return -1;
    for (size_t i = 0; i < a->instance_count; i++)
        if (a->instance_gpus[i] >= in_server)
            return (long)i;
    return (long)a->instance_count - 1;
}

/* A provider that rents GPUs one at a time charges each its rate; one that rents instances charges
 * the whole instance, so a job on 2 of a 4-GPU instance pays for 4 (AWS g5, g6, g6e: 1, 4 and 8 GPUs
 * an instance, the larger ones with proportionally more CPUs and memory). */
double sp_accel_usd_per_gpu_hour(const sp_accel *a, double gpus)
{
    /* An offer with no single GPU rents whole instances of its smallest size (the loader checks
     * usd_per_hour is their share): 12 GPUs take two 8-GPU instances, 16 GPUs idle-free ones. */
    if (a->min_rented_gpus > 1 && a->instance_count > 0 && gpus > 0)
        return ceil(gpus / a->min_rented_gpus) * a->instance_usd_per_hour[0] / gpus;
    long i = pricing_instance(a, gpus);
    if (i < 0)
        return a->usd_per_hour;
    double used = fmin(fmin(gpus, sp_accel_host_gpus(a)), a->instance_gpus[i]);
    return a->instance_usd_per_hour[i] / used;
}

double sp_accel_instance_gpus(const sp_accel *a, double gpus)
{
    long i = pricing_instance(a, gpus);
    return i < 0 ? 1.0 : a->instance_gpus[i];
}

/* Replicas of a fleet are independent jobs: as many as fit share an instance. The fleet rents one
 * size, whichever costs least for its replicas (3 replicas of 2 L4s: two g6.12xlarge, $9.20 an hour;
 * 1 replica of 2: one g6.12xlarge, $4.60, its other 2 GPUs idle). A replica wider than a server fills
 * each it takes. Mixing sizes is not tried. */
double sp_accel_fleet_usd_per_hour(const sp_accel *a, double replicas, double replica_gpus, double *instances,
                                   double *instance_gpus)
{
    double count = replicas, size = 1;
    double best = replica_gpus <= 1 && !(a->min_rented_gpus > 1) ? replicas * a->usd_per_hour : INFINITY;
    for (size_t i = 0; replica_gpus <= sp_accel_host_gpus(a) && i < a->instance_count; i++) {
        double per_instance = floor(a->instance_gpus[i] / replica_gpus);
        if (!(per_instance >= 1))
            continue;
        double n = ceil(replicas / per_instance), usd = n * a->instance_usd_per_hour[i];
        if (usd < best) {
            best = usd;
            count = n;
            size = a->instance_gpus[i];
        }
    }
    if (!isfinite(best)) { /* wider than a server, or than any instance listed */
        best = replicas * replica_gpus * sp_accel_usd_per_gpu_hour(a, replica_gpus);
        size = sp_accel_instance_gpus(a, replica_gpus);
        count = size > 1 ? replicas * ceil(replica_gpus / size) : replicas * replica_gpus;
    }
    if (instances)
        *instances = count;
    if (instance_gpus)
        *instance_gpus = size;
    return best;
}
