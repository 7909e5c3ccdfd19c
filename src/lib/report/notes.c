/* notes.c - the sentences behind each SP_NOTE_* bit. */
#include "report_internal.h"

#include <math.h>
#include <stdio.h>

static void hours_text(double hours, char *buf, size_t size)
{
    if (isinf(hours))
        snprintf(buf, size, "never");
    else
        snprintf(buf, size, "%.1f h", hours);
}

/* Services that run the plan's framework for a premium (examples, not a recommendation). */
static const char *managed_service(const sp_plan *plan)
{
    if (plan->data_sized)
        return plan->data_framework == SP_DATA_SPARK ? "Databricks or Amazon EMR (Spark)"
               : plan->data_framework == SP_DATA_DASK ? "Coiled (Dask)"
                                                      : "Anyscale (Ray)";
    if (plan->axis == SP_AXIS_SERVING)
        return "a managed endpoint (Amazon SageMaker, Anyscale)";
    return plan->launcher == SP_LAUNCH_RAY ? "Anyscale (Ray)"
                                           : "Amazon SageMaker HyperPod (Slurm) or Google Vertex AI (training jobs)";
}

int sp_note_text(unsigned note, const sp_plan *plan, char *buf, size_t size)
{
    char breakeven[32];
    hours_text(plan->breakeven_hours, breakeven, sizeof breakeven);
    switch (note) {
    case SP_NOTE_TRAINING_NEEDS_SHARDING:
        /* A searched layout splits it its own way (runs on); the seed's sizing shards with FSDP. */
        return snprintf(buf, size,
                        "%.0f GB of training state does not fit one %.0f GB accelerator; plain DDP would replicate it "
                        "on every GPU, so %s",
                        plan->memory_gb, plan->knobs.gpu_mem_gb,
                        plan->timed ? "the searched layout splits it (runs on)"
                                    : "it is sharded (ZeRO/FSDP: the model axis's collective and frameworks)");
    case SP_NOTE_SERVING_WITHOUT_QPS:
        return snprintf(buf, size, "serving axis without a qps target: sized for memory only");
    case SP_NOTE_MODEL_FITS_ONE_GPU:
        return snprintf(buf, size,
                        "the model fits one accelerator; data-parallel training needs no sharding");
    case SP_NOTE_MANAGED_CHEAPER:
        return snprintf(buf, size,
                        "the run is shorter than the %s break-even: managed would cost less in total, were it "
                        "within the budget and the managed cluster's size",
                        breakeven);
    case SP_NOTE_SEED_TRUNCATION:
        return snprintf(buf, size,
                        "the seed's int() truncation would give a different GPU count for %.2f GB; "
                        "this plan rounds the exact quotient up",
                        plan->memory_gb);
    case SP_NOTE_DATA_GPU_FLOOR:
        return snprintf(buf, size,
                        "a data job is bound by disk, network and CPU: the one GPU is the seed's floor, "
                        "not a sizing");
    case SP_NOTE_REPLICA_SPANS_GPUS:
        if (plan->gpus_for_qps <= plan->gpus_for_model)
            return snprintf(buf, size,
                            "one replica needs %.0f GPUs for its weights (tensor-parallel all-reduce); the "
                            "seed's %.0f qps a GPU puts the load within that one replica",
                            plan->gpus_for_model, plan->knobs.qps_per_replica);
        return snprintf(buf, size,
                        "one replica needs %.0f GPUs for its weights (tensor-parallel all-reduce); the "
                        "seed's %.0f qps is per GPU, so the load needs %.0f GPUs if that rate holds per GPU "
                        "of a split replica: %.0f whole replicas, %.0f GPUs",
                        plan->gpus_for_model, plan->knobs.qps_per_replica, plan->gpus_for_qps,
                        plan->gpus / plan->gpus_for_model, plan->gpus);
    case SP_NOTE_OVER_BUDGET:
        return snprintf(buf, size, "this tier spends more than the budget");
    case SP_NOTE_RUN_TOO_SLOW:
        if (plan->fine_tuned && plan->fine_tune_late) /* the deadline, whatever the budget */
            return snprintf(buf, size,
                            "no method or GPU count tried finishes the fine-tune within train_hours; this is the best "
                            "of what fits, %.4g h: more hours, fewer tokens, or more GPUs",
                            plan->fine_tune.hours);
        if (plan->fine_tuned)
            return snprintf(buf, size,
                            "no method or GPU count tried that finishes within train_hours stays within the budget; "
                            "this is the best of what fits (%.4g h, $%.2f)",
                            plan->fine_tune.hours, plan->fine_tune.cost_usd);
        if (plan->run_gpus_pinned && plan->run_gpus_in_time > 0) /* the profile's own count, and what would do */
            return snprintf(buf, size,
                            "the profile's %.0f GPUs (gpus) finish the token budget in %.4g h, past train_hours%s; "
                            "%.0f would finish within them and the budget",
                            plan->run.gpus, plan->run_hours,
                            plan->run_standing == SP_RUN_MEETS_BUDGET ? "" : " and over the budget", plan->run_gpus_in_time);
        if (plan->run_gpus_pinned) {
            bool within = plan->run_standing == SP_RUN_MEETS_BUDGET;
            char tried[96];
            if (plan->run.gpus * 2 <= plan->run_max_gpus)
                snprintf(tried, sizeof tried, "no doubling of them up to %.0f (run_max_gpus) finishes within them%s",
                         plan->run_max_gpus, within ? "" : " and the budget");
            else
                snprintf(tried, sizeof tried, "no larger count is tried (run_max_gpus %.0f)", plan->run_max_gpus);
            return snprintf(buf, size,
                            "the profile's %.0f GPUs (gpus) finish the token budget in %.4g h, past train_hours%s, and "
                            "%s: more hours, fewer tokens%s, or a larger global_batch (it caps the data-parallel GPUs)",
                            plan->run.gpus, plan->run_hours, within ? "" : " and over the budget", tried,
                            within ? "" : ", a larger budget");
        }
        if (plan->run_standing == SP_RUN_MEETS_BUDGET)
            return snprintf(buf, size,
                            "no GPU count up to %.0f (run_max_gpus) within the budget finishes the token budget "
                            "within train_hours; this is the fastest that stays within it (%.4g h)",
                            plan->run_max_gpus, plan->run_hours);
        /* reached only when no count meets train_hours (one that did would have been preferred) */
        return snprintf(buf, size,
                        "no GPU count up to %.0f (run_max_gpus) finishes the token budget within train_hours or "
                        "stays within the budget; this is the cheapest (%.4g h). No count finishes in time: fewer "
                        "tokens, more hours, or a larger global_batch (it caps the data-parallel GPUs)",
                        plan->run_max_gpus, plan->run_hours);
    case SP_NOTE_NEEDS_GPU_FOR_TIME:
        return snprintf(buf, size, "name a catalog gpu in the profile for a training time and layout");
    case SP_NOTE_SERVE_TARGETS_UNMET:
        return snprintf(buf, size,
                        "no batch of this model on this gpu meets the profile's latency targets (ttft_ms, tpot_ms): "
                        "the replicas as sized take %.1f ms to a first token and %.1f ms a token",
                        1e3 * plan->serve.ttft_s, 1e3 * plan->serve.tpot_s);
    case SP_NOTE_HOURS_BELOW_COMPUTE: {
        char tokens[32];
        sp_count_text(plan->floor_tokens, tokens, sizeof tokens);
        /* The same floor over the hours allowed: the fewest GPUs that could, at the full peak. */
        double least = ceil(plan->floor_hours * plan->gpus / plan->floor_allowed_hours);
        return snprintf(buf, size,
                        "train_hours (%g h) cannot cover the data: 6 x params x %s tokens = %.2g FLOPs take at least "
                        "%.0f h on %.0f GPUs even at the full dense bf16 peak (seed_gpu_bf16_flops_per_s: an H100's), "
                        "and no fewer than %.0f GPUs could finish in %g h at that peak (gpus: pins a count for a named "
                        "model); the cost above pays for the hours given, not the run: name a catalog model and gpu "
                        "for its time (or ask `stackplan train`)",
                        plan->floor_allowed_hours, tokens, plan->floor_flops, plan->floor_hours, plan->gpus, least,
                        plan->floor_allowed_hours);
    }
    case SP_NOTE_OPS_FIXED_SMALL:
        return snprintf(buf, size,
                        "the ops cost is %.2g h of the team's time (ops_hours, the seed's default unless given), "
                        "%.2g%% of the machines' cost: a cluster of %.0f nodes for the run takes more of it, and the "
                        "break-even moves with it; give ops_hours (breakeven --ops-hours) for yours",
                        plan->knobs.ops_hours, 100.0 * plan->cost.ops_usd / plan->cost.raw_usd, plan->nodes);
    case SP_NOTE_MANAGED_RUNS_IT:
        /* The premium is a service's price; the launch files run the same job on one's own account. */
        return snprintf(buf, size,
                        "the managed price (x%g) is what a service that runs this job for you charges over the raw "
                        "machines, e.g. %s; the launch files below are the same job on your own account at the raw "
                        "price",
                        plan->knobs.managed_premium, managed_service(plan));
    case SP_NOTE_HOURS_ARE_INPUT:
        return snprintf(buf, size,
                        "the hours the cost pays for are the profile's train_hours, not an estimate of the run: "
                        "name a catalog model and gpu for its time and layout (or ask `stackplan train`)");
    }
    return snprintf(buf, size, "?");
}

bool sp_note_is_warning(unsigned note)
{
    return (note & (SP_NOTE_TRAINING_NEEDS_SHARDING | SP_NOTE_SERVING_WITHOUT_QPS |
                    SP_NOTE_MODEL_FITS_ONE_GPU | SP_NOTE_OVER_BUDGET | SP_NOTE_RUN_TOO_SLOW |
                    SP_NOTE_SERVE_TARGETS_UNMET | SP_NOTE_HOURS_BELOW_COMPUTE)) != 0;
}

void sp_money(double usd, char *buf, size_t size)
{
    char digits[64];
    sp_format_thousands(usd, digits, sizeof digits);
    snprintf(buf, size, "$%s", digits);
}

/* An amount a user may pay once or by the hour: cents below $1,000 (a fine-tune often costs a
 * few dollars), whole dollars with separators above, so that no report prints $3164.80. */
void sp_money_cents(double usd, char *buf, size_t size)
{
    if (fabs(usd) < 999.995)
        snprintf(buf, size, "$%.2f", usd);
    else
        sp_money(usd, buf, size);
}

/* A count as people write it: 10M, 2.5B, 1T (three significant digits); under 10,000 as is. The
 * unit is chosen after rounding (999.6k is 1M, not 1e+03k), and past 999T the digits are whole. The
 * suffixes are the ones --tokens and a profile's `tokens` accept. */
void sp_count_text(double n, char *buf, size_t size)
{
    static const struct {
        double scale;
        const char *suffix;
    } units[] = {{1e3, "k"}, {1e6, "M"}, {1e9, "B"}, {1e12, "T"}};
    enum { UNITS = sizeof units / sizeof units[0] };
    if (!isfinite(n) || fabs(n) < 9999.5) {
        snprintf(buf, size, "%.4g", n);
        return;
    }
    size_t u = 0;
    while (u + 1 < UNITS && fabs(n) >= units[u + 1].scale)
        u++;
    /* Three significant digits can round up into the next unit: 999.6k reads 1M. */
    if (u + 1 < UNITS && fabs(n) / units[u].scale >= 999.5)
        u++;
    double v = n / units[u].scale;
    if (fabs(v) >= 999.5)
        snprintf(buf, size, "%.0f%s", v, units[u].suffix);
    else
        snprintf(buf, size, "%.3g%s", v, units[u].suffix);
}

void sp_capacity_text(double bytes, int digits, char *buf, size_t size)
{
    /* Datasheets' "80GB" HBM is 80 GiB: decimal GB (what every other figure uses) with the GiB
     * the part is sold as, labelled GiB. */
    double gib = bytes / 1073741824.0;
    char gb[32];
    if (digits < 0) /* four significant digits: "80 GB", "85.9 GB" */
        snprintf(gb, sizeof gb, "%.4g GB", bytes / 1e9);
    else
        snprintf(gb, sizeof gb, "%.*f GB", digits, bytes / 1e9);
    if (bytes > 0 && fabs(gib - round(gib)) < 1e-9)
        snprintf(buf, size, "%s = %.0f GiB", gb, gib);
    else if (bytes > 0 && digits >= 0) /* a catalog card showing less than its box (the 4090's 24564 MiB) */
        snprintf(buf, size, "%s = %.1f GiB", gb, gib);
    else
        snprintf(buf, size, "%s", gb);
}

int sp_split_text(const sp_mem_config *c, char *buf, size_t size)
{
    int n = c->cp > 1 /* Megatron's rank order: tp innermost, then cp, dp, pp */
                ? snprintf(buf, size, "tp %g x cp %g x pp %g x dp %g", c->tp, c->cp, c->pp, c->dp)
                : snprintf(buf, size, "tp %g x pp %g x dp %g", c->tp, c->pp, c->dp);
    /* The experts' own split, folded over those ranks (what the launch files set). */
    if (c->ep > 1 && c->etp > 1)
        n = sp_appendf(buf, size, n, " (ep %g, etp %g)", c->ep, c->etp);
    else if (c->ep > 1)
        n = sp_appendf(buf, size, n, " (ep %g)", c->ep);
    return n;
}

static const char *moe_split_name(bool expert_parallel, bool attention_dp)
{
    return !expert_parallel ? "tensor-parallel experts"
           : attention_dp   ? "expert parallelism with data-parallel attention"
                            : "expert parallelism with tensor-parallel attention";
}

/* An MoE whose split was left open is sized three ways, or its attention two under a pinned --ep
 * (fleet.c sp_serve_plan): which was kept and
 * what the runner-up would take, so that "EP or TP?" gets an answer with its price; for a part with
 * no price, with its GPUs and GPU-hours (the fleets were ranked at one rate a GPU-hour). */
int sp_parallelism_choice_text(const sp_serve_config *c, const sp_serve_result *s, bool priced, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!(c->parallelism_searched || c->attention_searched) || !(s->other_usd_per_million_output_tokens > 0))
        return 0;
    const char *targets = "";
    if (c->ttft_s > 0 || c->tpot_s > 0)
        targets = s->other_meets_targets ? ", meeting the targets" : ", missing the targets";
    if (!priced)
        return snprintf(buf, size,
                        "%s kept (%g GPUs); %s would take %g GPUs (%.3f GPU-hours per million output tokens at full "
                        "capacity, against %.3f)%s",
                        moe_split_name(s->expert_parallel, s->attention_dp), s->gpus,
                        moe_split_name(s->other_expert_parallel, s->other_attention_dp), s->other_gpus,
                        s->other_usd_per_million_output_tokens / c->usd_per_gpu_hour,
                        s->usd_per_million_output_tokens / c->usd_per_gpu_hour, targets);
    /* The fleets were ordered by their price an hour at the load (fleet.c better_fleet): both are
     * shown, the per-token price at full capacity beside it. */
    char kept_hour[48], other_hour[48];
    sp_money_cents(s->fleet_usd_per_hour, kept_hour, sizeof kept_hour);
    sp_money_cents(s->other_usd_per_hour, other_hour, sizeof other_hour);
    return snprintf(buf, size,
                    "%s kept (%g GPUs at %s an hour); %s would take %g GPUs at %s an hour ($%.3f per million "
                    "output tokens at full capacity, against $%.3f)%s",
                    moe_split_name(s->expert_parallel, s->attention_dp), s->gpus, kept_hour,
                    moe_split_name(s->other_expert_parallel, s->other_attention_dp), s->other_gpus, other_hour,
                    s->other_usd_per_million_output_tokens, s->usd_per_million_output_tokens, targets);
}

/* The axis whose collective and frameworks carry the plan: a training job sized by the seed's rule
 * whose state does not fit one GPU is sharded (its launch line runs FSDP), so the model axis's, not
 * DDP's all-reduce. A searched layout names its own framework under `runs on`. */
const sp_axis_info *sp_plan_carrying_axis(const sp_plan *plan, const sp_rules *r)
{
    return sp_plan_sharded_training(plan) ? &r->axes[SP_AXIS_MODEL] : &r->axes[plan->axis];
}

double sp_plan_memory_gb(const sp_plan *plan)
{
    const sp_serve_result *served = &plan->serve;
    if (!plan->served)
        return plan->memory_gb;
    return (served->weights_bytes + served->workspace_bytes + served->kv_cache_bytes) * served->tp *
           fmax(1.0, served->pp) / 1e9;
}

bool sp_plan_sharded_training(const sp_plan *plan)
{
    return plan->axis == SP_AXIS_TRAINING && !plan->timed && (plan->notes & SP_NOTE_TRAINING_NEEDS_SHARDING);
}

int sp_axis_reason_text(const sp_profile *p, const sp_plan *plan, char *buf, size_t size)
{
    switch (plan->axis_source) {
    case SP_AXIS_GIVEN: return snprintf(buf, size, "given in the profile");
    case SP_AXIS_FROM_QPS:
        if (p->qps > 0)
            return snprintf(buf, size, "inferred: a target of %g requests/s makes it a serving job", p->qps);
        return snprintf(buf, size, "inferred: an inference job serves requests");
    case SP_AXIS_FROM_MEMORY:
        if (plan->memory_from_model && (plan->mem_config.tp > 1 || plan->mem_config.pp > 1))
            return snprintf(buf, size,
                            "inferred: no ZeRO-3 sharding holds training %s on %.4g GB accelerators; the run "
                            "splits it tp %g x pp %g, %.0f GPUs a replica, so the model itself must be sharded",
                            p->model, plan->knobs.gpu_mem_gb, plan->mem_config.tp, plan->mem_config.pp,
                            plan->gpus_for_model);
        if (plan->memory_from_model && plan->mem_config.cp > 1)
            return snprintf(buf, size,
                            "inferred: training %s needs %.0f GPUs of %.4g GB with ZeRO-3 sharding and each "
                            "sequence split %g ways (context parallel), so the model itself must be sharded",
                            p->model, plan->gpus_for_model, plan->knobs.gpu_mem_gb, plan->mem_config.cp);
        if (plan->memory_from_model)
            return snprintf(buf, size,
                            "inferred: training %s needs %.0f GPUs of %.4g GB even with ZeRO-3 sharding (without a "
                            "tensor or pipeline split), so its training state must be sharded over GPUs",
                            p->model, plan->gpus_for_model, plan->knobs.gpu_mem_gb);
        return snprintf(buf, size,
                        "inferred: %.4g GB of training state exceeds one %.4g GB accelerator, so the state "
                        "must be sharded over GPUs",
                        p->has_memory_gb ? p->memory_gb : plan->memory_gb, plan->knobs.gpu_mem_gb);
    case SP_AXIS_FROM_DATA:
        return snprintf(buf, size, "inferred: %g TB of data and no model to train or serve", p->data_tb);
    case SP_AXIS_FROM_FINE_TUNE:
        if (plan->axis == SP_AXIS_MODEL)
            return snprintf(buf, size, "inferred: the fine-tune shards the model over %.0f GPUs with FSDP", plan->gpus);
        if (plan->gpus > 1)
            return snprintf(buf, size, "inferred: the fine-tune fits each GPU whole, so %.0f replicas all-reduce "
                                       "gradients", plan->gpus);
        /* With state on the host the GPU holds only part of it: said, as runs on names the offload. */
        if (plan->fine_tune.config.offload == SP_OFFLOAD_PARAMS)
            return snprintf(buf, size, "inferred: the fine-tune runs on one GPU with its parameters and optimizer "
                                       "state on the host (offloaded), streamed in layer by layer");
        if (plan->fine_tune.config.offload == SP_OFFLOAD_OPTIMIZER)
            return snprintf(buf, size, "inferred: the fine-tune runs on one GPU with its optimizer state on the host "
                                       "(offloaded)");
        return snprintf(buf, size, "inferred: the fine-tune fits one GPU");
    case SP_AXIS_BY_DEFAULT:
        return snprintf(buf, size,
                        "inferred: the model fits one accelerator, so replicas train it and all-reduce "
                        "gradients");
    }
    return snprintf(buf, size, "?");
}

/* Why a plan leaves the local tier: its GPUs outgrow one node, its data the local limit, or both. */
static void beyond_local(const sp_profile *p, const sp_plan *plan, const sp_rules *r, char *buf, size_t size)
{
    bool gpus = sp_plan_gpus_beyond_node(plan), data = sp_plan_data_beyond_node(p, plan, r);
    char gpu_text[96] = "", data_text[96] = "";
    if (gpus && plan->data_sized) /* a data job's count is of CPU machines */
        snprintf(gpu_text, sizeof gpu_text, "the job spans %.0f machines", plan->gpus);
    else if (gpus)
        snprintf(gpu_text, sizeof gpu_text, "%.0f GPU(s) are more than one %.0f-GPU node", plan->gpus,
                 plan->knobs.gpus_per_node);
    if (data)
        snprintf(data_text, sizeof data_text, "%g TB of data is at or above the %g TB one node handles", p->data_tb,
                 r->limits.local_max_data_tb);
    snprintf(buf, size, "%s%s%s", gpu_text, gpus && data ? " and " : "", data_text);
}

int sp_tier_reason_text(const sp_profile *p, const sp_plan *plan, const sp_rules *r, char *buf,
                        size_t size)
{
    char managed[48], budget[48], beyond[200];
    sp_money(plan->cost.managed_usd, managed, sizeof managed);
    sp_money(p->budget_usd, budget, sizeof budget);
    beyond_local(p, plan, r, beyond, sizeof beyond);
    switch (plan->tier_reason) {
    case SP_TIER_WHY_FITS_NODE:
        if (plan->data_sized)
            return snprintf(buf, size, "one %s finishes the %g TB within the hours allowed (the stage model)",
                            plan->data_instance.name, p->data_tb);
        return snprintf(buf, size, "%.0f GPU(s) fit one %.0f-GPU node and %g TB of data is under %g TB",
                        plan->gpus, plan->knobs.gpus_per_node, p->data_tb, r->limits.local_max_data_tb);
    case SP_TIER_WHY_MANAGED_FITS:
        return snprintf(buf, size, "%s; managed price %s is within the %s budget on %.0f node(s) (at most %g)",
                        beyond, managed, budget, plan->nodes, r->limits.managed_max_nodes);
    case SP_TIER_WHY_OVER_BUDGET:
        return snprintf(buf, size, "%s, and the managed price %s exceeds the %s budget", beyond, managed, budget);
    case SP_TIER_WHY_TOO_MANY_NODES:
        return snprintf(buf, size, "%.0f nodes is more than the %g a managed cluster is sized for",
                        plan->nodes, r->limits.managed_max_nodes);
    case SP_TIER_WHY_SELF_CHEAPER: {
        char self[48], hours[32];
        sp_money(plan->cost.self_usd, self, sizeof self);
        hours_text(plan->breakeven_hours, hours, sizeof hours);
        return snprintf(buf, size,
                        "%s; the run is longer than the %s break-even, so self-managed costs %s in total, ops time "
                        "included, against managed %s (the seed's inequality; `stackplan classic` keeps its "
                        "budget rule)",
                        beyond, hours, self, managed);
    }
    }
    return snprintf(buf, size, "?");
}


