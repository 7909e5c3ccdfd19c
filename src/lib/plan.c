/* plan.c - the sizing estimator: axis, memory, GPUs, nodes, cost, tier (seed 41.5). */
#include "internal.h"

#include <math.h>
#include <string.h>

/* The largest cluster a plan may ask for; beyond it the input is a typo. */
static const double MAX_GPUS = 1e7;

/* Ceiling that forgives the rounding noise of a quotient that is really whole
 * (240 / 80 must give 3, not 4). The seed truncates with int() instead. */
static double exact_ceil(double quotient)
{
    double nearest = round(quotient);
    if (fabs(quotient - nearest) <= 1e-9 * fmax(1.0, nearest))
        return nearest;
    return ceil(quotient);
}

static sp_knobs effective_knobs(const sp_knobs *defaults, const sp_profile *p)
{
    sp_knobs k = *defaults;
    for (size_t i = 0; i < SP_KNOB_COUNT; i++)
        if (p->knobs_set & SP_KNOB_SPECS[i].set_bit)
            sp_knob_set(&k, &SP_KNOB_SPECS[i], sp_knob_get(&p->knobs, &SP_KNOB_SPECS[i]));
    return k;
}

static bool bad_number(double v)
{
    return !isfinite(v) || v < 0;
}

/* Library callers may hand in structs no loader checked. */
static sp_status check_inputs(const sp_profile *p, const sp_knobs *k, sp_error *err)
{
    const double numbers[] = {p->params_b, p->memory_gb, p->data_tb, p->qps, p->train_hours,
                              p->budget_usd};
    const char *const names[] = {"params_b", "memory_gb", "data_tb", "qps", "train_hours",
                                 "budget_usd"};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (bad_number(numbers[i]))
            return sp_fail(err, SP_ERR_INPUT, "", p->line, 0, names[i],
                           "must be a finite number >= 0 (profile '%s')", p->name);
    for (size_t i = 0; i < SP_KNOB_COUNT; i++) {
        const sp_knob_spec *s = &SP_KNOB_SPECS[i];
        double v = sp_knob_get(k, s);
        if (!isfinite(v) || v < s->min || v > s->max || ((s->flags & SP_NUM_POSITIVE) && v <= 0))
            return sp_fail(err, SP_ERR_INPUT, "", p->line, 0, s->key,
                           "%g is out of range (profile '%s')", v, p->name);
    }
    return SP_OK;
}

static double train_memory_gb(const sp_profile *p, const sp_limits *l)
{
    return p->has_memory_gb ? p->memory_gb : p->params_b * l->train_bytes_per_param;
}

/* Seed 41.5 and issue 2: serving when there is a qps target (or an inference
 * job), model when training state outgrows one accelerator, data when there
 * is data and no model, else plain data-parallel training. */
static void choose_axis(const sp_profile *p, const sp_rules *r, const sp_knobs *k, sp_plan *out)
{
    bool has_model = p->has_memory_gb || p->params_b > 0;
    if (p->has_axis) {
        out->axis = p->axis;
        out->axis_source = SP_AXIS_GIVEN;
    } else if (p->qps > 0 || (p->has_mode && p->mode == SP_MODE_INFER)) {
        out->axis = SP_AXIS_SERVING;
        out->axis_source = SP_AXIS_FROM_QPS;
    } else if (train_memory_gb(p, &r->limits) > k->gpu_mem_gb) {
        out->axis = SP_AXIS_MODEL;
        out->axis_source = SP_AXIS_FROM_MEMORY;
    } else if (p->data_tb > 0 && !has_model) {
        out->axis = SP_AXIS_DATA;
        out->axis_source = SP_AXIS_FROM_DATA;
    } else {
        out->axis = SP_AXIS_TRAINING;
        out->axis_source = SP_AXIS_BY_DEFAULT;
    }
}

static void size_memory(const sp_profile *p, const sp_rules *r, bool classic, sp_plan *out)
{
    if (classic)
        out->mode = SP_MODE_TRAIN; /* the seed charges 16 bytes a parameter for every job */
    else if (p->has_mode)
        out->mode = p->mode;
    else
        out->mode = out->axis == SP_AXIS_SERVING ? SP_MODE_INFER : SP_MODE_TRAIN;
    if (p->has_memory_gb) {
        out->bytes_per_param = 0;
        out->memory_gb = p->memory_gb;
        return;
    }
    /* Seed 41.5.3: ~16 B/param for mixed-precision Adam; Exercise 2: ~2 B/param bf16 weights. */
    out->bytes_per_param = out->mode == SP_MODE_INFER ? r->limits.infer_bytes_per_param
                                                      : r->limits.train_bytes_per_param;
    out->memory_gb = p->params_b * out->bytes_per_param;
}

static void size_gpus(const sp_profile *p, bool classic, sp_plan *out)
{
    const sp_knobs *k = &out->knobs;
    /* Seed 41.5.3: g_model = ceil(bytes / M_GPU). */
    out->gpus_for_model = out->memory_gb > 0 ? exact_ceil(out->memory_gb / k->gpu_mem_gb) : 0;
    double truncated = floor(k->gpu_mem_gb) >= 1
                           ? ceil(floor(out->memory_gb) / floor(k->gpu_mem_gb))
                           : out->gpus_for_model;
    if (out->memory_gb > 0 && truncated != out->gpus_for_model)
        out->notes |= SP_NOTE_SEED_TRUNCATION;
    if (classic && out->gpus_for_model < 1)
        out->gpus_for_model = 1; /* the seed's max(1, ...) */
    /* Seed 41.5.3: g_qps = ceil(Q / r). */
    out->gpus_for_qps = p->qps > 0 ? exact_ceil(p->qps / k->qps_per_replica) : 0;
    out->gpus = fmax(fmax(out->gpus_for_model, out->gpus_for_qps), 1.0);
    out->nodes = exact_ceil(out->gpus / k->gpus_per_node);
}

/* Seed 41.5.3: the smallest tier that clears the ceiling, managed before self. */
static void choose_tier(const sp_profile *p, const sp_rules *r, sp_plan *out)
{
    const sp_knobs *k = &out->knobs;
    if (out->gpus <= k->gpus_per_node && p->data_tb < r->limits.local_max_data_tb) {
        out->tier = SP_TIER_LOCAL;
        out->tier_reason = SP_TIER_WHY_FITS_NODE;
    } else if (out->cost.managed_usd <= p->budget_usd && out->nodes <= r->limits.managed_max_nodes) {
        out->tier = SP_TIER_MANAGED;
        out->tier_reason = SP_TIER_WHY_MANAGED_FITS;
    } else {
        out->tier = SP_TIER_SELF;
        out->tier_reason = out->cost.managed_usd > p->budget_usd ? SP_TIER_WHY_OVER_BUDGET
                                                                 : SP_TIER_WHY_TOO_MANY_NODES;
    }
    if (out->tier == SP_TIER_MANAGED && !out->buy_by_inequality)
        out->notes |= SP_NOTE_SELF_CHEAPER;
    if (out->tier == SP_TIER_SELF && out->buy_by_inequality)
        out->notes |= SP_NOTE_MANAGED_CHEAPER;
    /* Cash leaves the budget; the team's ops hours do not. */
    out->spend_usd = out->tier == SP_TIER_MANAGED ? out->cost.managed_usd : out->cost.raw_usd;
    out->within_budget = out->spend_usd <= p->budget_usd;
    if (!out->within_budget)
        out->notes |= SP_NOTE_OVER_BUDGET;
}

static sp_launcher choose_launcher(const sp_plan *plan)
{
    if (plan->axis == SP_AXIS_SERVING || plan->axis == SP_AXIS_DATA)
        return SP_LAUNCH_RAY; /* Ray Serve / Ray Data own fan-out and shuffle on any tier */
    if (plan->tier == SP_TIER_LOCAL)
        return SP_LAUNCH_TORCHRUN;
    return plan->tier == SP_TIER_MANAGED ? SP_LAUNCH_RAY : SP_LAUNCH_SLURM;
}

/* Warnings where the given axis and the numbers disagree. */
static void check_axis(const sp_profile *p, sp_plan *out)
{
    if (out->axis_source != SP_AXIS_GIVEN)
        return;
    if (out->axis == SP_AXIS_TRAINING && out->mode == SP_MODE_TRAIN && out->gpus_for_model > 1)
        out->notes |= SP_NOTE_TRAINING_NEEDS_SHARDING;
    if (out->axis == SP_AXIS_SERVING && p->qps == 0)
        out->notes |= SP_NOTE_SERVING_WITHOUT_QPS;
    if (out->axis == SP_AXIS_MODEL && out->memory_gb > 0 && out->gpus_for_model <= 1)
        out->notes |= SP_NOTE_MODEL_FITS_ONE_GPU;
}

sp_status sp_plan_profile(const sp_profile *profile, const sp_rules *rules,
                          const sp_plan_options *options, sp_plan *out, sp_error *err)
{
    const bool classic = options && options->classic;
    memset(out, 0, sizeof *out);
    out->knobs = effective_knobs(&rules->knobs, profile);
    sp_status status = check_inputs(profile, &out->knobs, err);
    if (status != SP_OK)
        return status;
    if (classic && !profile->has_axis)
        return sp_fail(err, SP_ERR_INPUT, "", profile->line, 0, "axis",
                       "the seed's helper needs an axis (profile '%s')", profile->name);
    choose_axis(profile, rules, &out->knobs, out);
    size_memory(profile, rules, classic, out);
    size_gpus(profile, classic, out);
    if (out->gpus > MAX_GPUS)
        return sp_fail(err, SP_ERR_INPUT, "", profile->line, 0, "gpus",
                       "the job needs %.0f accelerators, more than any cluster (profile '%s')",
                       out->gpus, profile->name);
    const sp_knobs *k = &out->knobs;
    out->cost = sp_costs(out->gpus, k->usd_per_gpu_hour, profile->train_hours, k->managed_premium,
                         k->ops_hours, k->ops_usd_per_hour);
    out->breakeven_hours = sp_breakeven_hours(out->gpus, k->usd_per_gpu_hour, k->managed_premium,
                                              k->ops_hours, k->ops_usd_per_hour);
    out->buy_by_inequality = out->cost.managed_usd - out->cost.raw_usd <= out->cost.ops_usd;
    choose_tier(profile, rules, out);
    out->launcher = choose_launcher(out);
    if (classic) {
        out->notes = 0; /* the seed's layout has no room for remarks */
        return SP_OK;
    }
    check_axis(profile, out);
    if (out->axis == SP_AXIS_DATA && out->gpus_for_model == 0 && out->gpus_for_qps == 0)
        out->notes |= SP_NOTE_DATA_GPU_FLOOR;
    if (out->axis == SP_AXIS_SERVING && out->gpus_for_model > 1 && out->gpus_for_qps > 0)
        out->notes |= SP_NOTE_REPLICA_SPANS_GPUS;
    return SP_OK;
}
