/* plan.c - the recommendation for one profile: axis, memory, GPUs, nodes, cost, tier (seed 41.5). */
#include "plan_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The largest cluster a plan may ask for; beyond it the input is a typo. */
static const double MAX_GPUS = 1e7;

static sp_knobs effective_knobs(const sp_knobs *defaults, const sp_profile *p, const sp_accel *accel)
{
    sp_knobs k = *defaults;
    if (accel) { /* the catalog's accelerator replaces the seed's generic one */
        k.gpu_mem_gb = accel->memory_bytes / 1e9;
        k.gpus_per_node = sp_accel_host_gpus(accel); /* hosts, not the NVLink domain */
        k.usd_per_gpu_hour = accel->usd_per_hour;
    }
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

/* ---- sizing with the transformer memory model (options.model) ---- */

/* A profile's request shape over the serving defaults (SP_SERVE_CONFIG_INIT). */
static sp_serve_config serve_shape(const sp_profile *p)
{
    sp_serve_config c = SP_SERVE_CONFIG_INIT;
    if (p->prompt_tokens > 0)
        c.prompt_tokens = p->prompt_tokens;
    if (p->output_tokens > 0)
        c.output_tokens = p->output_tokens;
    c.lengths_assumed = !(p->prompt_tokens > 0 && p->output_tokens > 0);
    /* Drawn lengths (a trace's, as serve --workload): the simulation draws them under a percentile,
     * and the launch line's --max-model-len leaves room for their tail either way. */
    c.prompt_spread = p->prompt_spread;
    c.output_spread = p->output_spread;
    return c;
}

/* Serving weights without weight_dtype: the checkpoint as stored (quantization_config), as engines
 * load it; an NVFP4 checkpoint needs FP4 tensor cores where the part is known. */
static bool checkpoint_weights(const sp_profile *p, const sp_model *m, const sp_accel *a)
{
    return (!p->has_weight_dtype || p->weight_dtype == m->checkpoint_dtype) && m->checkpoint_quantized &&
           (m->checkpoint_dtype != SP_DTYPE_NVFP4 || !a || a->fp4_flops_per_s > 0);
}

static sp_mem_config profile_mem_config(const sp_profile *p, const sp_model *m, const sp_accel *a, sp_mode mode)
{
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.mode = mode;
    if (p->has_precision)
        c.precision = p->precision;
    if (p->has_optimizer)
        c.optimizer = p->optimizer;
    c.seq = p->seq > 0 ? p->seq : sp_model_default_seq(m);
    c.micro_batch = p->micro_batch > 0 ? p->micro_batch : 1;
    c.context = c.seq;
    if (mode == SP_MODE_INFER && p->prompt_tokens + p->output_tokens > 0) {
        sp_serve_config shape = serve_shape(p);
        c.context = shape.prompt_tokens + shape.output_tokens;
    }
    c.batch = c.micro_batch;
    c.flash_attention = true; /* PyTorch SDPA, vLLM and Megatron all use flash kernels by default */
    c.weight_dtype = p->weight_dtype;
    if (mode == SP_MODE_INFER && checkpoint_weights(p, m, a)) {
        c.weight_dtype = m->checkpoint_dtype;
        c.quantized_experts_only = m->checkpoint_experts_only;
    }
    /* Volta and Turing run their 16-bit work in fp16 (sp_accel_fp16_only): the same bytes. */
    if (sp_accel_fp16_only(a) && c.weight_dtype == SP_DTYPE_BF16)
        c.weight_dtype = SP_DTYPE_FP16;
    if (sp_accel_fp16_only(a) && c.kv_dtype == SP_DTYPE_BF16)
        c.kv_dtype = SP_DTYPE_FP16;
    (void)sp_train_half_precision(a, &c.precision, NULL); /* a refusal comes from the run's own search */
    return c;
}

/* Spreads the job over n GPUs the way its framework would: ZeRO-3/FSDP for training (sized as
 * train.py's Hugging Face model keeps it where launch writes that, sp_train_runs_trainer), tensor
 * parallelism for inference. */
static bool fits_on(const sp_model *m, sp_mem_config *c, double n, double capacity,
                    const sp_memory_constants *k, sp_stack stack, sp_memory *out)
{
    if (c->mode == SP_MODE_TRAIN) {
        c->dp = n;
        c->zero = n > 1 ? 3 : 0;
        c->eager_modules = sp_train_runs_trainer(c, stack);
        c->vendor_stack = !sp_stack_is_gpu(stack);
    } else {
        c->tp = n;
    }
    return sp_memory_estimate(m, c, k, capacity, out, NULL) == SP_OK && out->fits;
}

typedef struct {
    const sp_model *m;
    sp_mem_config *c;
    double capacity;
    const sp_memory_constants *k;
    sp_stack stack;
    sp_memory *out;
} sharding_ctx;

static bool shards_fit(double n, void *ctx)
{
    sharding_ctx *s = ctx;
    return fits_on(s->m, s->c, n, s->capacity, s->k, s->stack, s->out);
}

/* Smallest data-parallel degree whose ZeRO-3 shards fit (memory falls with n). 0 when not
 * even 2^20 GPUs suffice. */
static double smallest_sharding(const sp_model *m, sp_mem_config *c, double capacity,
                                const sp_memory_constants *k, sp_stack stack, sp_memory *out)
{
    sharding_ctx s = {m, c, capacity, k, stack, out};
    double n = sp_smallest_true(shards_fit, &s, 1048576);
    if (n > 0)
        fits_on(m, c, n, capacity, k, stack, out); /* leave the estimate of the answer in out */
    return n;
}

/* Smallest tensor-parallel degree (a divisor of the heads) that holds the weights and cache. */
static double smallest_tensor_split(const sp_model *m, sp_mem_config *c, double capacity,
                                    const sp_memory_constants *k, sp_memory *out)
{
    double heads = sp_model_has_shape(m) ? m->heads : 1024;
    for (double n = 1; n <= heads; n++)
        if (sp_divides(n, heads) && fits_on(m, c, n, capacity, k, SP_STACK_CUDA, out))
            return n;
    return 0;
}

enum { PLAN_CP_MAX = 64 }; /* Llama 3 trained 128k tokens at cp 16; 64 leaves room past it */

static sp_status size_with_model(const sp_profile *p, const sp_rules *r, const sp_model *m, const sp_accel *a, sp_mode mode,
                                 sp_plan *out, sp_error *err)
{
    sp_memory_constants k = sp_rules_memory_constants(r);
    /* What a GPU may use, as memory and train judge it: the card less perf.yaml memory_headroom. */
    double capacity = out->knobs.gpu_mem_gb * 1e9 * (1.0 - r->perf.memory_headroom);
    sp_mem_config c = profile_mem_config(p, m, a, mode);
    /* With no part named the launch is train.py under HF's FSDP too (launch_line.c). */
    sp_stack stack = a ? sp_accel_stack(a) : SP_STACK_CUDA;
    double n = mode == SP_MODE_TRAIN ? smallest_sharding(m, &c, capacity, &k, stack, &out->memory)
                                     : smallest_tensor_split(m, &c, capacity, &k, &out->memory);
    /* Activations too big for one GPU, or for the fewest: recomputed, they may need fewer (1.1B at
     * seq 2048 on a 24 GB L4: 2 GPUs under ZeRO-3 keeping them, 1 recomputing them, as `train`
     * finds). The fewer GPUs win; on a tie the activations are kept. */
    if ((n == 0 || n > 1) && mode == SP_MODE_TRAIN && c.recompute != SP_RECOMPUTE_FULL) {
        sp_mem_config full = c;
        full.recompute = SP_RECOMPUTE_FULL;
        sp_memory recomputed;
        double fewer = smallest_sharding(m, &full, capacity, &k, stack, &recomputed);
        if (n == 0 || (fewer > 0 && fewer < n)) { /* with none, the context split below recomputes too */
            c = full;
            n = fewer;
            out->memory = recomputed;
        }
    }
    /* A sequence whose recomputed activations still overflow one GPU is split over cp ranks (ring
     * attention, as Megatron-Core and torchtitan run it), 2cp balanced chunks of at least
     * cp_min_tokens each, the state sharded over dp x cp: the GPUs are dp x cp. */
    for (double cp = 2;
         n == 0 && mode == SP_MODE_TRAIN && cp <= PLAN_CP_MAX && sp_cp_splits(c.seq, cp, r->perf.cp_min_tokens);
         cp *= 2) {
        c.cp = cp;
        double dp = smallest_sharding(m, &c, capacity, &k, stack, &out->memory);
        n = dp * cp;
    }
    if (n == 0)
        c.cp = 1;
    if (n == 0)
        return sp_fail(err, SP_ERR_NO_PLAN, "", p->line, 0, "model",
                       "%s does not fit %.3g GB accelerators at seq %g x batch %g even fully split "
                       "(profile '%s'): lower seq or micro_batch",
                       m->name, out->knobs.gpu_mem_gb, c.seq, c.micro_batch, p->name);
    out->mem_config = c;
    out->memory_from_model = true;
    out->gpus_for_model = n;
    out->bytes_per_param = 0;
    out->memory_gb = out->memory.total_bytes * n / 1e9;
    return SP_OK;
}

/* Seed 41.5 and issue 2: serving when there is a qps target (or an inference
 * job), model when training state outgrows one accelerator, data when there
 * is data and no model, else plain data-parallel training. */
static void choose_axis(const sp_profile *p, const sp_rules *r, const sp_knobs *k,
                        double model_train_gpus, sp_plan *out)
{
    bool has_model = p->has_memory_gb || p->params_b > 0 || model_train_gpus > 0;
    if (p->has_axis) {
        out->axis = p->axis;
        out->axis_source = SP_AXIS_GIVEN;
    } else if (p->qps > 0 || (p->has_mode && p->mode == SP_MODE_INFER)) {
        out->axis = SP_AXIS_SERVING;
        out->axis_source = SP_AXIS_FROM_QPS;
    } else if (model_train_gpus > 1 ||
               (model_train_gpus == 0 && train_memory_gb(p, &r->limits) > k->gpu_mem_gb)) {
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

static sp_mode choose_mode(const sp_profile *p, bool classic, sp_axis axis)
{
    if (classic)
        return SP_MODE_TRAIN; /* the seed charges 16 bytes a parameter for every job */
    if (p->has_mode)
        return p->mode;
    return axis == SP_AXIS_SERVING ? SP_MODE_INFER : SP_MODE_TRAIN;
}

static void size_memory(const sp_profile *p, const sp_rules *r, bool classic, sp_plan *out)
{
    out->mode = choose_mode(p, classic, out->axis);
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
    /* Seed 41.5.3: g_model = ceil(bytes / M_GPU); the memory model has already chosen it. */
    if (!out->memory_from_model)
        out->gpus_for_model = out->memory_gb > 0 ? sp_exact_ceil(out->memory_gb / k->gpu_mem_gb) : 0;
    double truncated = floor(k->gpu_mem_gb) >= 1
                           ? ceil(floor(out->memory_gb) / floor(k->gpu_mem_gb))
                           : out->gpus_for_model;
    if (!out->memory_from_model && out->memory_gb > 0 && truncated != out->gpus_for_model)
        out->notes |= SP_NOTE_SEED_TRUNCATION;
    if (classic && out->gpus_for_model < 1)
        out->gpus_for_model = 1; /* the seed's max(1, ...) */
    /* Seed 41.5.3: g_qps = ceil(Q / r), unless the serving model sized the fleet. */
    if (!out->served)
        out->gpus_for_qps = p->qps > 0 ? sp_exact_ceil(p->qps / k->qps_per_replica) : 0;
    out->gpus = fmax(fmax(out->gpus_for_model, out->gpus_for_qps), 1.0);
    /* A replica split over several GPUs is deployed whole: the seed's per-GPU rate fills whole
     * replicas, so 5 GPUs of qps at 2 GPUs a replica are 3 replicas, 6 GPUs (the seed's own layout
     * keeps its max). */
    if (!classic && !out->served && out->gpus_for_model > 1 && out->gpus_for_qps > out->gpus_for_model)
        out->gpus = sp_exact_ceil(out->gpus_for_qps / out->gpus_for_model) * out->gpus_for_model;
    out->nodes = sp_exact_ceil(out->gpus / k->gpus_per_node);
    /* A tensor-parallel replica stays inside a node: 3-GPU replicas fill 6 of 8 GPUs a node. */
    if (!classic && !out->served && out->gpus_for_model > 1 && out->gpus_for_model <= k->gpus_per_node)
        out->nodes = sp_exact_ceil(out->gpus / out->gpus_for_model / floor(k->gpus_per_node / out->gpus_for_model));
}

unsigned sp_plan_misses(const sp_plan *plan)
{
    if (plan->no_plan)
        return SP_MISSES_PLAN;
    unsigned missed = 0;
    if (!plan->within_budget || (plan->notes & SP_NOTE_OVER_BUDGET))
        missed |= SP_MISSES_BUDGET;
    /* The seed's arithmetic prices the hours given; when the data's FLOPs cannot fit in them even at
     * peak, the deadline is missed as surely as a timed run's (SP_NOTE_HOURS_BELOW_COMPUTE). */
    /* A fine-tune's SP_NOTE_RUN_TOO_SLOW is its deadline or its budget (plan_fine_tune): fine_tune_late says which. */
    bool slow = plan->fine_tuned ? plan->fine_tune_late : (plan->notes & SP_NOTE_RUN_TOO_SLOW) != 0;
    if (slow || (plan->notes & SP_NOTE_HOURS_BELOW_COMPUTE))
        missed |= SP_MISSES_DEADLINE;
    /* A fine-tune's meets is its deadline and its budget together: in time, it is the budget. */
    if (plan->fine_tuned && !plan->fine_tune.meets && !plan->fine_tune_late)
        missed |= SP_MISSES_BUDGET;
    if (plan->notes & SP_NOTE_SERVE_TARGETS_UNMET)
        missed |= SP_MISSES_TARGETS;
    return missed;
}

/* Seed 41.5.3: the smallest tier that clears the ceiling, managed before self. */
bool sp_plan_gpus_beyond_node(const sp_plan *plan)
{
    return plan->gpus > plan->knobs.gpus_per_node;
}

bool sp_plan_data_beyond_node(const sp_profile *p, const sp_plan *plan, const sp_rules *r)
{
    return !plan->data_sized && p->data_tb >= r->limits.local_max_data_tb;
}

/* Past one node, managed where it is within the budget and size and costs no more in total than
 * self-managed with its ops time (the seed's inequality, C_managed <= C_self; its Code 41.5.1
 * checks the budget alone, which `classic` keeps): a run longer than the break-even goes
 * self-managed, as the seed's text says such runs should. */
static void choose_tier(const sp_profile *p, const sp_rules *r, bool classic, sp_plan *out)
{
    bool within = out->cost.managed_usd <= p->budget_usd, small = out->nodes <= r->limits.managed_max_nodes;
    if (!sp_plan_gpus_beyond_node(out) && !sp_plan_data_beyond_node(p, out, r)) {
        out->tier = SP_TIER_LOCAL;
        out->tier_reason = SP_TIER_WHY_FITS_NODE;
    } else if (within && small && (classic || out->buy_by_inequality)) {
        out->tier = SP_TIER_MANAGED;
        out->tier_reason = SP_TIER_WHY_MANAGED_FITS;
    } else {
        out->tier = SP_TIER_SELF;
        out->tier_reason = !within ? SP_TIER_WHY_OVER_BUDGET
                           : !small ? SP_TIER_WHY_TOO_MANY_NODES
                                    : SP_TIER_WHY_SELF_CHEAPER;
    }
    if (out->tier == SP_TIER_SELF && out->buy_by_inequality)
        out->notes |= SP_NOTE_MANAGED_CHEAPER;
    if (out->tier == SP_TIER_MANAGED)
        out->notes |= SP_NOTE_MANAGED_RUNS_IT;
    /* A cluster's ops burden is the seed's one figure whatever its size (T_ops): a sliver of a large
     * run's machines, which then decides the verdict at a break-even of minutes. */
    if (out->nodes > 1 && out->cost.ops_usd < r->limits.ops_note_share * out->cost.raw_usd)
        out->notes |= SP_NOTE_OPS_FIXED_SMALL;
    /* Cash leaves the budget; the team's ops hours do not. */
    out->spend_usd = out->tier == SP_TIER_MANAGED ? out->cost.managed_usd : out->cost.raw_usd;
    out->within_budget = out->spend_usd <= p->budget_usd;
    if (!out->within_budget)
        out->notes |= SP_NOTE_OVER_BUDGET;
}

/* ---- the training run: the search over GPU counts (options.model + options.accel) ---- */

/* Whether the plan prices the catalog's accelerator at the catalog's rates (the profile gives none):
 * then a job pays for the instance its GPUs come in (sp_accel_usd_per_gpu_hour). */
static bool catalog_price(const sp_profile *p, const sp_accel *a)
{
    return a && !(p->knobs_set & SP_SET_USD_PER_GPU_HOUR);
}

static sp_search_request run_request(const sp_profile *p, const sp_rules *r, const sp_plan *out, const sp_model *m)
{
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.seq = out->mem_config.seq;
    q.precision = out->mem_config.precision;
    q.optimizer = out->mem_config.optimizer;
    q.global_batch = p->global_batch > 0 ? p->global_batch : sp_rules_global_batch(r, q.seq);
    q.tokens = p->tokens > 0 ? p->tokens : r->limits.tokens_per_param * sp_model_params(m);
    q.usd_per_gpu_hour = out->knobs.usd_per_gpu_hour;
    q.goodput = r->limits.goodput;
    q.trainer_layouts = true; /* a DDP, FSDP or DeepSpeed layout launches as train.py */
    if (p->micro_batch > 0)
        q.micro_batch = p->micro_batch;
    /* The layout a profile pins (0 and no zero key: searched), as train's flags pin it. */
    q.tp = p->tp;
    q.pp = p->pp;
    q.dp = p->dp;
    q.cp = p->cp;
    q.ep = p->ep;
    q.etp = p->etp;
    q.interleave = p->interleave;
    if (p->has_zero)
        q.zero = (int)p->zero;
    return q;
}

/* The profile key of a layout flag the search refused ("micro-batch" is micro_batch), NULL for others. */
static const char *pinned_key_of(const char *field)
{
    return !strcmp(field, "micro-batch") ? "micro_batch" : sp_profile_layout_key(field);
}

/* " as pinned (tp 3, zero 1)" for the layout keys and micro-batch a profile gives, "" for none. */
static void pinned_layout(const sp_profile *p, char *buf, size_t size)
{
    const char *keys[9];
    double values[9];
    size_t n = sp_profile_layout_pins(p, keys, values, 8);
    if (p->micro_batch > 0) {
        keys[n] = "micro_batch";
        values[n++] = p->micro_batch;
    }
    int length = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        length = sp_appendf(buf, size, length, "%s%s %g", i ? ", " : " as pinned (", keys[i], values[i]);
    if (n > 0)
        sp_appendf(buf, size, length, ")");
}

/* Doubling GPU counts from the memory minimum, chosen as `train` chooses its options
 * (sp_run_preferred): the cheapest that finishes within train_hours and the budget (the GPUs' raw
 * price), else the fastest within the budget, else the cheapest. */
static sp_status time_training_run(const sp_profile *p, const sp_rules *r, const sp_model *m, const sp_accel *a,
                                   sp_plan *out, sp_error *err)
{
    sp_memory_constants mk = sp_rules_memory_constants(r);
    sp_search_request q = run_request(p, r, out, m);
    sp_search_result res;
    bool have = false, split = false; /* split: some layout divided a count (memory, not divisibility, refused it) */
    double deadline_days = p->train_hours / 24.0;
    /* From the fewest GPUs the training state alone could fill, not the ZeRO-3-only count: tensor and
     * pipeline splits shard the activations ZeRO-3 keeps whole (405B at 8k: 128 GPUs hold it split,
     * ZeRO-3 alone needs 531, and the search had started at 1024). */
    double state_bytes = out->memory.model_state_bytes * fmax(out->gpus_for_model, 1.0);
    double usable = sp_usable_memory_bytes(a, &r->perf);
    double floor_gpus = usable > 0 && state_bytes > 0 ? ceil(state_bytes / usable) : out->gpus_for_model;
    double start = pow(2.0, ceil(log2(fmax(fmin(floor_gpus, out->gpus_for_model), 1.0))));
    /* A pinned count (the profile's gpus: the cluster one has) is the only one tried. */
    double last = p->gpus > 0 ? p->gpus : r->limits.run_max_gpus;
    if (p->gpus > 0)
        start = p->gpus;
    for (double gpus = start; gpus <= last; gpus *= 2) {
        q.gpus = gpus;
        if (catalog_price(p, a))
            q.usd_per_gpu_hour = sp_accel_usd_per_gpu_hour(a, gpus);
        sp_error search_err;
        if (sp_train_search(m, a, &q, &mk, &r->perf, 1, &res, &search_err) != SP_OK) {
            /* A precision the part cannot run, or a pin the model or batch refuses (tp 3 of 32 heads),
             * fails at every count: the profile's error at its key, not a gap. (cp's own divisibility
             * of the count is the one that depends on it.) */
            const char *key = pinned_key_of(search_err.field);
            if (!strcmp(search_err.field, "precision") || (key && strcmp(key, "cp"))) {
                unsigned line = p->line, col = 0;
                if (key)
                    sp_profile_place(p, key, &line, &col);
                return sp_fail(err, search_err.status, "", line, col, key ? key : search_err.field, "%s (profile '%s')",
                               search_err.message, p->name);
            }
            continue;
        }
        out->plans_evaluated += res.plans_evaluated;
        split = split || res.plans_evaluated > 0;
        if (!res.found)
            continue;
        const sp_candidate *c = &res.top[0];
        if (!have || sp_run_preferred(c->days, c->cost_usd, out->run.days, out->run.cost_usd, deadline_days,
                                      p->budget_usd)) {
            out->run = *c;
            out->run_hours = c->days * 24.0;
            have = true;
        }
    }
    char pinned[160];
    pinned_layout(p, pinned, sizeof pinned);
    if (!have && p->gpus > 0) {
        unsigned line = p->line, col = 0;
        sp_profile_place(p, "gpus", &line, &col);
        if (!split) /* the rules the search applies (search.c: divisors and add_uneven_stages) */
            return sp_fail(err, SP_ERR_INPUT, "", line, col, "gpus",
                           "no layout of %s splits %g GPUs%s: tp must divide the %g heads within a node, pp divide the "
                           "%g layers or be a power of two, and dp divide the global batch of %g sequences "
                           "(global_batch sets it) (profile '%s')",
                           m->name, p->gpus, pinned, m->heads, m->layers, q.global_batch, p->name);
        /* The count to ask for instead: the first doubling past the pinned one whose layouts fit (as
         * train names it), not ZeRO-3-alone's count, which tensor and pipeline splits undercut. */
        double enough = 0;
        for (double gpus = p->gpus * 2; enough == 0 && gpus <= r->limits.run_max_gpus; gpus *= 2) {
            q.gpus = gpus;
            sp_error ignored;
            if (sp_train_search(m, a, &q, &mk, &r->perf, 1, &res, &ignored) == SP_OK && res.found)
                enough = gpus;
        }
        if (enough > 0)
            return sp_fail(err, SP_ERR_NO_PLAN, "", line, col, "gpus",
                           "no layout of %s fits %g x %s at seq %g and %g sequences a step: %g is the first doubling "
                           "whose layouts do (profile '%s')",
                           m->name, p->gpus, a->name, q.seq, q.global_batch, enough, p->name);
        return sp_fail(err, SP_ERR_NO_PLAN, "", line, col, "gpus",
                       "no layout of %s fits %g x %s at seq %g and %g sequences a step, nor at any doubling up to %g "
                       "(profile '%s')",
                       m->name, p->gpus, a->name, q.seq, q.global_batch, r->limits.run_max_gpus, p->name);
    }
    /* A pinned layout that no count holds is not dropped for the seed's arithmetic: it is the answer
     * asked. (A pinned micro-batch alone falls to the memory check, which names seq and micro_batch.) */
    const char *first = NULL;
    double first_value = 0;
    if (!have && sp_profile_layout_pins(p, &first, &first_value, 1) > 0) {
        unsigned line = p->line, col = 0;
        sp_profile_place(p, first, &line, &col);
        return sp_fail(err, SP_ERR_INPUT, "", line, col, first,
                       "no count of %s up to %g%s splits or holds %s%s at seq %g and %g sequences a step (profile '%s')",
                       a->name, a->inter_node_bytes_per_s > 0 ? r->limits.run_max_gpus : a->per_node,
                       a->inter_node_bytes_per_s > 0 ? "" : " (one server: no published network)", m->name, pinned,
                       q.seq, q.global_batch, p->name);
    }
    if (!have)
        return SP_OK;
    out->timed = true;
    out->run_max_gpus = r->limits.run_max_gpus;
    out->run_tokens = q.tokens;
    out->run_goodput = q.goodput;
    out->run_global_batch = q.global_batch;
    out->run_standing = sp_run_standing_of(out->run.days, out->run.cost_usd, deadline_days, p->budget_usd);
    if (out->run_standing == SP_RUN_MEETS_BUDGET || out->run_standing == SP_RUN_MEETS_NEITHER)
        out->notes |= SP_NOTE_RUN_TOO_SLOW;
    out->run_gpus_pinned = p->gpus > 0;
    /* The cluster one has is too small for the deadline: the count that would do, as train names it. */
    for (double gpus = p->gpus * 2; out->run_gpus_pinned && (out->notes & SP_NOTE_RUN_TOO_SLOW) &&
                                    out->run_gpus_in_time == 0 && gpus <= r->limits.run_max_gpus;
         gpus *= 2) {
        q.gpus = gpus;
        if (catalog_price(p, a))
            q.usd_per_gpu_hour = sp_accel_usd_per_gpu_hour(a, gpus);
        sp_error ignored;
        if (sp_train_search(m, a, &q, &mk, &r->perf, 1, &res, &ignored) != SP_OK || !res.found)
            continue;
        /* Judged as the run will go: a layout train.py runs is timed with its eager modules. */
        const sp_candidate *o = &res.top[0];
        if (sp_run_standing_of(o->days, o->cost_usd, deadline_days, p->budget_usd) == SP_RUN_MEETS_BOTH)
            out->run_gpus_in_time = gpus;
    }
    return SP_OK;
}

/* ---- a fine-tune (profile method + options.model + options.accel) ---- */

/* The profile's fine-tune settings over finetune's defaults, as its flags of the same names. */
static void ft_settings(const sp_profile *p, sp_ft_request *q)
{
    if (p->lora_rank > 0)
        q->base.lora_rank = p->lora_rank;
    if (p->lora_targets)
        q->base.targets = p->lora_targets;
    if (p->has_quant)
        q->base.quant = (sp_quant)p->quant;
    if (p->has_offload) {
        q->base.offload = (sp_offload)p->offload;
        q->offload = p->offload;
    }
    if (p->has_lora_dropout)
        q->base.lora_dropout = p->lora_dropout;
    const struct {
        unsigned bit;
        bool *field;
    } switches[] = {{SP_FT_SWITCH_CHUNKED_LOSS, &q->base.chunked_loss},
                    {SP_FT_SWITCH_FUSED_KERNELS, &q->base.fused_kernels},
                    {SP_FT_SWITCH_DOUBLE_QUANT, &q->base.double_quant},
                    {SP_FT_SWITCH_TRAIN_EMBEDDINGS, &q->base.train_embeddings},
                    {SP_FT_SWITCH_KBIT_UPCAST, &q->base.fp32_upcast},
                    {SP_FT_SWITCH_REENTRANT_CHECKPOINTING, &q->base.reentrant_outside_fsdp}};
    for (size_t i = 0; i < sizeof switches / sizeof switches[0]; i++)
        if (p->ft_switches_given & switches[i].bit)
            *switches[i].field = (p->ft_switches_on & switches[i].bit) != 0;
}

/* Full, LoRA and QLoRA (or the profile's method) on 1 to gpus_per_node GPUs: the cheapest that
 * finishes within train_hours (when given) and the budget, else the fastest. */
static sp_status plan_fine_tune(const sp_profile *p, const sp_rules *r, const sp_model *named, const sp_accel *a,
                                sp_plan *out, sp_error *err)
{
    static sp_model loaded; /* large; plans run one at a time */
    loaded = *named;
    sp_model_as_transformers_loads(&loaded, r);
    const sp_model *m = &loaded;
    static const sp_ft_request defaults = SP_FT_REQUEST_INIT;
    sp_ft_request q = defaults;
    q.base.seq = p->seq > 0 ? p->seq : fmin(2048.0, sp_model_default_seq(m));
    /* As finetune --seq: a context past the model's own is not assumed (a profile states none). */
    if (m->seq > 0 && q.base.seq > m->seq) {
        unsigned line = p->line, col = 0;
        sp_profile_place(p, "seq", &line, &col);
        return sp_fail(err, SP_ERR_INPUT, "", line, col, "seq",
                       "%g tokens is beyond %s's context of %g (profile '%s')", q.base.seq, m->name, m->seq, p->name);
    }
    if (p->has_precision)
        q.base.precision = p->precision;
    if (p->has_optimizer)
        q.base.optimizer = p->optimizer;
    if (!p->method_auto)
        q.methods = 1u << p->method;
    ft_settings(p, &q);
    q.gpus_max = out->knobs.gpus_per_node;
    if (p->gpus > 0) /* the cluster one has */
        q.gpus_min = q.gpus_max = p->gpus;
    q.micro_batch = p->micro_batch;
    double epochs = p->epochs > 0 ? p->epochs : 1.0;
    q.tokens = (p->tokens > 0 ? p->tokens : p->dataset_gb * 1e9 / r->limits.dataset_bytes_per_token) * epochs;
    q.tokens_given = true;
    q.deadline_hours = p->train_hours;
    q.budget_usd = p->budget_usd;
    q.usd_per_gpu_hour = catalog_price(p, a) ? 0 : out->knobs.usd_per_gpu_hour; /* 0: each option's instance */
    sp_ft_constants k = sp_rules_ft_constants(r);
    static sp_ft_result res; /* large; plans run one at a time */
    const sp_accel *accels[1] = {a};
    sp_status s = sp_ft_search(m, accels, 1, &q, &k, &r->perf, &res, err);
    if (s != SP_OK)
        return s;
    if (res.best < 0 && q.micro_batch > 0) {
        /* A pinned micro-batch past what fits is the cause when the search fits without it: name it,
         * not the part. */
        q.micro_batch = 0;
        s = sp_ft_search(m, accels, 1, &q, &k, &r->perf, &res, err);
        if (s != SP_OK)
            return s;
        if (res.best >= 0) {
            unsigned line = p->gpu_line, col = p->gpu_col;
            sp_profile_place(p, "micro_batch", &line, &col);
            return sp_fail(err, SP_ERR_INPUT, "", line, col, "micro_batch",
                           "micro-batch %g fits no fine-tune of %s on %g x %s; without it the plan takes micro-batch %g "
                           "(profile '%s')",
                           p->micro_batch, m->name, q.gpus_max, a->name, res.items[res.best].config.micro_batch, p->name);
        }
    }
    if (res.best < 0) {
        char hints[128] = ""; /* what the search's probe found would fit, each alone */
        int n = 0;
        if (res.fits_with_chunked_loss)
            n += snprintf(hints + n, sizeof hints - (size_t)n, "%schunked_loss: true", n ? ", " : "");
        if (res.fits_at_seq > 0 && n >= 0 && (size_t)n < sizeof hints)
            n += snprintf(hints + n, sizeof hints - (size_t)n, "%sseq: %g", n ? ", " : "", res.fits_at_seq);
        if (res.fits_at_gpus > 0 && n >= 0 && (size_t)n < sizeof hints)
            n += snprintf(hints + n, sizeof hints - (size_t)n, "%sgpus: %g", n ? ", " : "", res.fits_at_gpus);
        return sp_fail(err, SP_ERR_NO_PLAN, "", p->gpu_line, p->gpu_col, "gpu",
                       "no fine-tune of %s fits %g x %s, even with QLoRA and offload%s%s (profile '%s')", m->name,
                       q.gpus_max, a->name, hints[0] ? "; each of these fits alone: " : "", hints, p->name);
    }
    out->fine_tuned = true;
    out->fine_tune = res.items[res.best];
    out->fine_tune_late = q.deadline_hours > 0 && out->fine_tune.hours > q.deadline_hours;
    out->fine_tune_accel = *a;
    out->fine_tune.accel = NULL;
    out->fine_tune_tokens = q.tokens;
    out->gpus_for_model = out->fine_tune.config.fsdp ? out->fine_tune.config.gpus : 1.0;
    out->memory_gb = out->fine_tune.memory.device_bytes * out->gpus_for_model / 1e9;
    if (!out->fine_tune.meets && p->train_hours > 0)
        out->notes |= SP_NOTE_RUN_TOO_SLOW;
    return SP_OK;
}

/* ---- serving with the first-principles model (options.model + options.accel) ---- */

/* The memory line describes the replica the serving plan chose (its tp, stages and batch), not
 * the smallest split that holds the weights. */
static void describe_replica_memory(const sp_model *m, const sp_serve_config *c, const sp_memory_constants *mk,
                                    sp_plan *out)
{
    if (!out->memory_from_model)
        return;
    sp_mem_config mc = out->mem_config;
    mc.tp = out->serve.tp;
    mc.pp = out->serve.pp > 0 ? out->serve.pp : 1;
    mc.batch = out->serve.batch;
    /* What each sequence holds in the cache: on average in flight for a stream of requests. */
    mc.context = out->serve.sequence_kv_tokens > 0 ? out->serve.sequence_kv_tokens : c->prompt_tokens + c->output_tokens;
    mc.weight_dtype = c->weight_dtype;
    mc.kv_dtype = c->kv_dtype;
    mc.quantized_experts_only = c->quantized_experts_only;
    sp_memory mem;
    if (sp_memory_estimate(m, &mc, mk, out->knobs.gpu_mem_gb * 1e9, &mem, NULL) != SP_OK)
        return;
    out->mem_config = mc;
    out->memory = mem;
    out->memory_gb = mem.total_bytes * mc.tp * mc.pp / 1e9;
}

static sp_status size_serving(const sp_profile *p, const sp_rules *r, const sp_model *m, const sp_accel *a,
                              sp_plan *out, sp_error *err)
{
    sp_memory_constants mk = sp_rules_memory_constants(r);
    sp_serve_config c = serve_shape(p);
    c.weight_dtype = p->weight_dtype;
    if (checkpoint_weights(p, m, a)) {
        c.weight_dtype = m->checkpoint_dtype;
        c.weights_from_checkpoint = true;
        c.quantized_experts_only = m->checkpoint_experts_only;
    }
    c.kv_dtype = p->kv_dtype;
    sp_serve_engine_defaults(&c, p->engine, false, false); /* as serve --engine sizes it */
    c.block_tokens = sp_serve_block_tokens(m, &c); /* as serve pages the model's cache */
    sp_status half = sp_serve_half_dtypes(a, p->has_weight_dtype, false, &c, err); /* fp16 on Volta, Turing */
    if (half != SP_OK) {
        err->line = p->line;
        return half;
    }
    c.qps = p->qps;
    c.ttft_s = p->ttft_ms / 1e3;
    c.tpot_s = p->tpot_ms / 1e3;
    /* As serve does: without a per-token target of its own a fleet sized for a rate would take the
     * largest batch at any latency a token, so MLPerf's server bound holds (data/defaults.yaml
     * serve_tpot_ms). A pinned batch (micro_batch) fixes the batch instead. */
    unsigned line, col;
    if (!sp_profile_place(p, "tpot_ms", &line, &col) && !(p->micro_batch > 0)) {
        c.tpot_s = r->limits.serve_tpot_ms / 1e3;
        c.tpot_is_default = true;
    }
    c.percentile = p->percentile; /* the queue simulated, as serve --percentile */
    c.prefix_share = p->prefix_share; /* cached once, as serve --prefix-share */
    if (!p->has_method && p->lora_rank > 0) { /* adapters beside the base, as serve --lora-rank */
        c.lora_rank = p->lora_rank;
        c.max_loras = p->max_loras > 0 ? p->max_loras : 1;
    }
    c.usd_per_gpu_hour = out->knobs.usd_per_gpu_hour;
    c.usd_from_catalog = catalog_price(p, a);
    c.stream_s_per_token = r->limits.serve_stream_s_per_token; /* a profile's fleet is a server */
    if (p->micro_batch > 0)
        c.batch = p->micro_batch;
    /* An MoE: tensor-parallel and expert-parallel experts both sized (not for trtllm-serve, whose line
     * here carries no expert parallelism). */
    c.parallelism_searched = p->engine != SP_ENGINE_ASK_TRTLLM;
    sp_status s = sp_serve_plan(m, a, &c, &mk, &r->perf, &out->serve, err);
    if (s == SP_OK && out->serve.expert_parallel) { /* the split chosen is the one described and launched */
        c.expert_parallel = true;
        c.attention_dp = out->serve.attention_dp;
    }
    if (s != SP_OK) {
        if (err) { /* at the profile's key the serving model named (qps, gpu), else at the model */
            for (char *dash = strchr(err->field, '-'); dash; dash = strchr(dash, '-'))
                *dash = '_'; /* the flag's name (prompt-tokens) is the key's (prompt_tokens) */
            if (!sp_profile_place(p, err->field, &err->line, &err->col)) {
                sp_profile_place(p, "model", &err->line, &err->col);
                snprintf(err->field, sizeof err->field, "model");
            }
        }
        return s;
    }
    out->served = true;
    out->serve_accel = *a;
    out->sky_named = a->skypilot[0] != '\0';
    out->serve_config = c;
    if ((c.ttft_s > 0 || c.tpot_s > 0) && !out->serve.meets_targets)
        out->notes |= SP_NOTE_SERVE_TARGETS_UNMET;
    describe_replica_memory(m, &c, &mk, out);
    out->engine = sp_serve_engine(a, &c, &out->serve, &out->engine_reason);
    out->gpus_for_model = out->serve.tp * fmax(1.0, out->serve.pp); /* one replica: its stages too */
    out->gpus_for_qps = out->serve.gpus;
    return SP_OK;
}

/* ---- data jobs with the stage model (options.stages + options.instance or options.instances) ---- */

static const char *const DEFAULT_STAGES[] = {"read", "filter", "exact-dedup", "write"};

/* The profile's instance at the fewest nodes that meet train_hours; with none named, the cheapest
 * instance of the catalog that does (a profile with no train_hours: one node of the cheapest). */
static sp_status size_data(const sp_profile *p, const sp_stage_model *m, const sp_instance *in,
                           const sp_instance_catalog *catalog, sp_plan *out, sp_error *err)
{
    sp_data_job job;
    memset(&job, 0, sizeof job);
    job.input_bytes = p->data_tb * 1e12;
    unsigned count = p->stage_count ? p->stage_count : (unsigned)(sizeof DEFAULT_STAGES / sizeof DEFAULT_STAGES[0]);
    for (unsigned i = 0; i < count; i++) {
        const char *name = p->stage_count ? p->stage_names[i] : DEFAULT_STAGES[i];
        int k = sp_stage_find(m, name);
        unsigned line, col;
        sp_profile_place(p, "stages", &line, &col);
        if (k < 0)
            return sp_fail(err, SP_ERR_INPUT, "", line, col, "stages", "'%s' is not a stage (profile '%s')", name,
                           p->name);
        sp_copy(out->data_stage_names[job.count], SP_NAME_MAX, name);
        job.stages[job.count++] = k;
    }
    job.nodes = 1;
    sp_status s = sp_data_job_check(m, &job, err);
    if (s == SP_OK && in)
        s = sp_data_size(m, in, &job, p->train_hours, &out->data, err);
    else if (s == SP_OK)
        s = sp_data_cheapest(m, catalog, &job, p->train_hours, &out->data, &in, err);
    if (s != SP_OK) {
        if (err) { /* the stage list's own error at stages, else the hours that no count meets */
            const char *key = !strcmp(err->field, "stages") ? "stages" : "train_hours";
            sp_profile_place(p, key, &err->line, &err->col);
            snprintf(err->field, sizeof err->field, "%s", key);
        }
        return s;
    }
    job.nodes = out->data.nodes;
    out->data_sized = true;
    out->data_instance = *in;
    out->data_framework = sp_data_framework(m, &job, &out->data, &out->data_framework_reason);
    /* A CPU job: the cost model's "accelerators" are machines at the instance's price. */
    out->gpus_for_model = 0;
    out->knobs.gpus_per_node = 1;
    out->knobs.usd_per_gpu_hour = in->usd_per_hour;
    return SP_OK;
}

/* Ray Train has no worker type for Trainium or Gaudi, and TPUs run MaxText. */
bool sp_plan_ray_trains(const sp_plan *plan)
{
    bool gpu = plan->stack == SP_STACK_CUDA || plan->stack == SP_STACK_ROCM;
    sp_train_stack stack = sp_train_stack_of(&plan->run.config);
    bool own_launcher = plan->timed && plan->has_model && (stack == SP_TRAIN_MEGATRON || stack == SP_TRAIN_TORCHTITAN);
    return gpu && !plan->fine_tuned && !own_launcher;
}

static sp_launcher choose_launcher(const sp_plan *plan, const sp_accel *accel)
{
    if (plan->axis == SP_AXIS_SERVING || plan->axis == SP_AXIS_DATA)
        return SP_LAUNCH_RAY; /* Ray Serve / Ray Data own fan-out and shuffle on any tier */
    if (plan->tier == SP_TIER_LOCAL)
        return SP_LAUNCH_TORCHRUN;
    if (plan->tier == SP_TIER_MANAGED && !sp_plan_ray_trains(plan) && plan->stack != SP_STACK_XLA)
        return accel && accel->skypilot[0] ? SP_LAUNCH_SKYPILOT : SP_LAUNCH_SLURM;
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

/* A training profile whose hours are taken as given (no model or gpu named) still holds a
 * floor: 6 N D FLOPs (Kaplan et al. 2020, forward and backward) over its data's tokens cannot run
 * faster than every provisioned GPU at the full dense peak a seed GPU is allowed
 * (seed_gpu_bf16_flops_per_s). Hours under that floor cannot cover the data: said, not charged. */
static void check_compute_floor(const sp_profile *p, const sp_rules *r, sp_plan *out)
{
    if (!(out->notes & SP_NOTE_HOURS_ARE_INPUT) || !(p->params_b > 0) || !(out->gpus > 0))
        return;
    double tokens = p->tokens > 0 ? p->tokens : p->data_tb * 1e12 / r->limits.dataset_bytes_per_token;
    if (!(tokens > 0))
        return;
    double flops = 6.0 * p->params_b * 1e9 * tokens;
    double hours = flops / (out->gpus * r->limits.seed_gpu_bf16_flops_per_s) / 3600.0;
    if (!(hours > p->train_hours))
        return;
    out->floor_tokens = tokens;
    out->floor_flops = flops;
    out->floor_hours = hours;
    out->floor_allowed_hours = p->train_hours;
    out->notes = (out->notes & ~(unsigned)SP_NOTE_HOURS_ARE_INPUT) | SP_NOTE_HOURS_BELOW_COMPUTE;
}

/* The seed's helper reads a name, params_b (or memory_gb), data_tb, qps, axis, mode, train_hours
 * and budget_usd, and its constants (the knobs): a model, a gpu, a fine-tune method or a data job's
 * instance it would ignore, sizing a named 70B on one GPU or a fine-tune at $0. Refused, naming
 * the key, where `stackplan plan` reads it. */
static sp_status classic_keys_only(const sp_profile *p, sp_error *err)
{
    static const char *const seed[] = {"name", "params_b", "memory_gb", "data_tb", "qps", "axis", "mode",
                                       "train_hours", "budget_usd"};
    for (unsigned i = 0; i < p->place_count; i++) {
        const char *key = p->places[i].key;
        bool known = false;
        for (size_t j = 0; j < sizeof seed / sizeof seed[0] && !known; j++)
            known = !strcmp(key, seed[j]);
        for (size_t j = 0; j < SP_KNOB_COUNT && !known; j++)
            known = !strcmp(key, SP_KNOB_SPECS[j].key);
        if (!known)
            return sp_fail(err, SP_ERR_INPUT, "", p->places[i].line, p->places[i].col, key,
                           "the seed's helper reads no '%s' (profile '%s'): `stackplan plan` sizes it", key,
                           p->name);
    }
    return SP_OK;
}

static sp_status plan_profile(const sp_profile *profile, const sp_rules *rules, const sp_plan_options *options,
                              sp_plan *out, sp_error *err)
{
    const bool classic = options && options->classic;
    const sp_model *model = options && !classic ? options->model : NULL;
    const sp_accel *accel = options ? options->accel : NULL;
    memset(out, 0, sizeof *out);
    out->knobs = effective_knobs(&rules->knobs, profile, accel);
    if (accel && !(out->knobs.usd_per_gpu_hour > 0))
        return sp_fail(err, SP_ERR_INPUT, "", profile->gpu_line, profile->gpu_col, "gpu",
                       "'%s' has no public price in the catalog: set usd_per_gpu_hour (profile '%s')",
                       accel->name, profile->name);
    sp_status status = check_inputs(profile, &out->knobs, err);
    if (status != SP_OK)
        return status;
    if (classic && !profile->has_axis)
        return sp_fail(err, SP_ERR_INPUT, "", profile->line, 0, "axis",
                       "the seed's helper needs an axis (profile '%s')", profile->name);
    if (classic)
        status = classic_keys_only(profile, err);
    if (status != SP_OK)
        return status;
    /* With a model and no stated axis, the sharding a training run needs decides model vs training. */
    bool serving_hint = profile->qps > 0 || (profile->has_mode && profile->mode == SP_MODE_INFER);
    double train_gpus = 0;
    /* A fine-tune is sized by its own search below (its method, sequence and offload), so a full
     * training run's state that no split holds does not end its plan. */
    bool fine_tune = model && accel && profile->has_method;
    if (model && !profile->has_axis && !serving_hint) {
        /* With an accelerator, the run's own search (below) may still split the model. */
        status = size_with_model(profile, rules, model, accel, SP_MODE_TRAIN, out, err);
        if (status != SP_OK && !fine_tune && !accel)
            return status;
        /* No sharding alone holds it: it needs the model split across GPUs, whatever the count. */
        train_gpus = status == SP_OK ? out->gpus_for_model : INFINITY;
    }
    if (model) {
        sp_copy(out->model_id, sizeof out->model_id, model->hf_id[0] ? model->hf_id : profile->model);
        out->has_model = true;
        out->model = *model;
    }
    out->stack = accel ? sp_accel_stack(accel) : SP_STACK_CUDA;
    choose_axis(profile, rules, &out->knobs, train_gpus, out);
    size_memory(profile, rules, classic, out);
    /* A training run whose state ZeRO and context parallelism alone cannot hold may still fit with
     * tensor and pipeline splits: the run's own search (time_training_run) decides, and this
     * error stands only if it finds no layout either. */
    sp_error unsized;
    sp_error_clear(&unsized);
    bool searched_run = model && accel && out->mode == SP_MODE_TRAIN && !fine_tune;
    if (model) {
        status = size_with_model(profile, rules, model, accel, out->mode, out, err);
        if (status != SP_OK && searched_run) {
            unsized = *err;
            out->mem_config = profile_mem_config(profile, model, accel, out->mode); /* the run's sequence */
        }
        else if (status != SP_OK && !(fine_tune && out->mode == SP_MODE_TRAIN))
            return status;
    }
    if (model && accel && out->axis == SP_AXIS_SERVING && out->mode == SP_MODE_INFER) {
        status = size_serving(profile, rules, model, accel, out, err);
        if (status != SP_OK)
            return status;
    }
    const sp_stage_model *stages = options && !classic ? options->stages : NULL;
    const sp_instance *instance = options && !classic ? options->instance : NULL;
    const sp_instance_catalog *instances = options && !classic && !accel ? options->instances : NULL;
    if (stages && (instance || instances) && out->axis == SP_AXIS_DATA && profile->data_tb > 0) {
        status = size_data(profile, stages, instance, instances, out, err);
        if (status != SP_OK)
            return status;
    }
    size_gpus(profile, classic, out);
    if (out->data_sized) {
        out->gpus = out->data.nodes;
        out->nodes = out->data.nodes;
    }
    bool trains = out->mode == SP_MODE_TRAIN && (out->axis == SP_AXIS_TRAINING || out->axis == SP_AXIS_MODEL);
    /* A pinned layout steers the pre-training search only: a profile that plans none is told so. */
    const char *pin = NULL;
    double pinned = 0;
    if (sp_profile_layout_pins(profile, &pin, &pinned, 1) > 0 && !(model && accel && trains && !profile->has_method)) {
        unsigned line, col;
        sp_profile_place(profile, pin, &line, &col);
        return sp_fail(err, SP_ERR_INPUT, "", line, col, pin,
                       "pins a pre-training layout, and this profile plans no pre-training run (its axis is %s%s) "
                       "(profile '%s')",
                       sp_axis_name(out->axis), out->mode == SP_MODE_INFER ? ", inference" : "", profile->name);
    }
    if (model && trains && accel && profile->has_method) {
        status = plan_fine_tune(profile, rules, model, accel, out, err);
        if (status != SP_OK)
            return status;
        out->gpus = out->fine_tune.config.gpus;
        out->nodes = sp_exact_ceil(out->gpus / out->knobs.gpus_per_node);
        if (!profile->has_axis) { /* the layout the fine-tune search chose, not a full training run's memory */
            bool shards = out->fine_tune.config.fsdp && out->gpus > 1;
            out->axis = shards ? SP_AXIS_MODEL : SP_AXIS_TRAINING;
            out->axis_source = SP_AXIS_FROM_FINE_TUNE;
        }
    } else if (model && trains && accel) {
        status = time_training_run(profile, rules, model, accel, out, err);
        if (status != SP_OK)
            return status;
    }
    else if (model && trains)
        out->notes |= SP_NOTE_NEEDS_GPU_FOR_TIME;
    else if (trains && !out->fine_tuned && profile->train_hours > 0)
        out->notes |= SP_NOTE_HOURS_ARE_INPUT; /* the seed's arithmetic sizes memory, not time */
    if (unsized.status != SP_OK) {
        if (!out->timed) {
            *err = unsized;
            return unsized.status;
        }
        /* The memory the run's layout takes, one replica's GPUs holding the model. */
        out->mem_config = out->run.config;
        out->memory = out->run.memory;
        out->memory_from_model = true;
        out->gpus_for_model = out->run.config.tp * out->run.config.pp * out->run.config.cp;
        out->memory_gb = out->memory.total_bytes * out->gpus_for_model / 1e9;
    }
    if (out->timed) { /* the searched run sets the GPUs and the hours the money pays for */
        out->gpus = out->run.gpus;
        out->nodes = sp_exact_ceil(out->gpus / out->knobs.gpus_per_node);
    }
    if (out->gpus > MAX_GPUS) { /* at the key that asked for them: the rate, else the size */
        const char *key = out->gpus_for_qps > out->gpus_for_model ? "qps"
                          : profile->has_memory_gb                 ? "memory_gb"
                          : profile->params_b > 0                  ? "params_b"
                                                                   : "model";
        unsigned line, col;
        sp_profile_place(profile, key, &line, &col);
        return sp_fail(err, SP_ERR_NO_PLAN, "", line, col, key,
                       "the job needs %.0f accelerators, more than any cluster (profile '%s')", out->gpus,
                       profile->name);
    }
    /* The rate the GPUs the plan settled on are paid at: a served fleet's replicas share instances,
     * any other job pays for the instance its GPUs come in. */
    if (catalog_price(profile, accel) && !out->data_sized && out->gpus > 0) {
        out->knobs.usd_per_gpu_hour =
            out->served ? out->serve.usd_per_gpu_hour : sp_accel_usd_per_gpu_hour(accel, out->gpus);
        out->instance_priced = out->knobs.usd_per_gpu_hour != accel->usd_per_hour || accel->min_rented_gpus > 1;
        out->priced_accel = *accel;
    }
    const sp_knobs *k = &out->knobs;
    double hours = sp_plan_hours(profile, out);
    out->cost = sp_costs(out->gpus, k->usd_per_gpu_hour, hours, k->managed_premium, k->ops_hours,
                         k->ops_usd_per_hour);
    out->breakeven_hours = sp_breakeven_hours(out->gpus, k->usd_per_gpu_hour, k->managed_premium,
                                              k->ops_hours, k->ops_usd_per_hour);
    out->buy_by_inequality = out->cost.managed_usd - out->cost.raw_usd <= out->cost.ops_usd;
    choose_tier(profile, rules, classic, out);
    out->launcher = choose_launcher(out, accel);
    if (classic) {
        out->notes = 0; /* the seed's layout has no room for remarks */
        return SP_OK;
    }
    check_axis(profile, out);
    check_compute_floor(profile, rules, out);
    if (out->axis == SP_AXIS_DATA && out->gpus_for_model == 0 && out->gpus_for_qps == 0 && !out->data_sized)
        out->notes |= SP_NOTE_DATA_GPU_FLOOR;
    if (out->axis == SP_AXIS_SERVING && out->gpus_for_model > 1 && out->gpus_for_qps > 0 && !out->served)
        out->notes |= SP_NOTE_REPLICA_SPANS_GPUS;
    return SP_OK;
}

double sp_plan_hours(const sp_profile *p, const sp_plan *plan)
{
    if (plan->fine_tuned)
        return plan->fine_tune.hours;
    if (plan->timed)
        return plan->run_hours;
    return plan->data_sized ? plan->data.hours : p->train_hours;
}

double sp_plan_run_steps(const sp_plan *plan)
{
    return ceil(plan->run_tokens / (plan->run_global_batch * plan->run.config.seq));
}

sp_status sp_plan_profile(const sp_profile *profile, const sp_rules *rules,
                          const sp_plan_options *options, sp_plan *out, sp_error *err)
{
    sp_error local;
    sp_error *why = err ? err : &local;
    sp_error_clear(why);
    sp_status status = plan_profile(profile, rules, options, out, why);
    if (status == SP_ERR_NO_PLAN) { /* the half-made plan is not the answer: only its reason is */
        memset(out, 0, sizeof *out);
        out->no_plan = true;
        out->why_no_plan = *why;
    }
    return status;
}
