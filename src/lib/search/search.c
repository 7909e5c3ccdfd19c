/* search.c - every training layout of a job, memory first, then time. */
#include "search_internal.h"

#include <math.h>
#include <string.h>

enum { DIVISORS_MAX = 256 };

/* Layouts one search may check (docs/CLI.md, Limits). The enumeration is a product of divisor
 * counts, so a shape and batch with many divisors asks for billions. The largest realistic
 * search measured checks 67 thousand (a 128-expert MoE on 1,024 to 4,096 GPUs), the golden
 * cases at most 19 thousand, a global batch of 73,513,440 sequences 146 thousand; at the
 * slowest rate measured (0.3 us a layout) the limit costs a third of a second. Past it the
 * search is refused, not cut short: a cut one would hide its best layout. */
enum { LAYOUTS_MAX = 1 << 20 };

/* Divisors of n up to limit, ascending: pairs (d, n/d) up to sqrt(n). */
/* What tensor parallelism splits whole: the key-value heads of grouped-query attention (Megatron-Core
 * divides num_query_groups by tp, attention.py; torchtitan shards wk and wv by head), else the heads
 * (multi-head attention, and MLA, whose latent cache every head reads). */
static double tp_unit(const sp_model *m)
{
    return m->kv_lora_rank > 0 || !(m->kv_heads > 0) || m->kv_heads >= m->heads ? m->heads : m->kv_heads;
}

static size_t divisors(double n, double limit, double *out)
{
    double high[DIVISORS_MAX];
    size_t low_count = 0, high_count = 0;
    for (double d = 1; d * d <= n && low_count < DIVISORS_MAX / 2; d++) {
        if (!sp_divides(d, n))
            continue;
        if (d <= limit)
            out[low_count++] = d;
        double pair = n / d;
        if (pair != d && pair <= limit)
            high[high_count++] = pair;
    }
    for (size_t i = 0; i < high_count; i++)
        out[low_count + i] = high[high_count - 1 - i];
    return low_count + high_count;
}

/* Powers of two below the layer count, and a pinned pp, that the divisors missed. */
static size_t add_uneven_stages(double layers, double pinned_pp, double *pps, size_t n)
{
    for (double pp = 2; pp < layers && n < DIVISORS_MAX; pp *= 2) {
        bool have = false;
        for (size_t i = 0; i < n; i++)
            have = have || pps[i] == pp;
        if (!have)
            pps[n++] = pp;
    }
    bool have = pinned_pp <= 0 || pinned_pp > layers;
    for (size_t i = 0; i < n; i++)
        have = have || pps[i] == pinned_pp;
    if (!have && n < DIVISORS_MAX)
        pps[n++] = pinned_pp;
    return n;
}

typedef struct {
    const sp_model *model;
    const sp_accel *accel;
    const sp_search_request *req;
    const sp_memory_constants *mk;
    const sp_perf_constants *perf;
    size_t top;
    double params;   /* the model's count, computed once */
    sp_search_result *out;
    bool over;       /* a layout past LAYOUTS_MAX was asked for: stop enumerating */
    sp_step_memo memo; /* layer costs shared by the layouts that differ in ZeRO stage and recompute */
    sp_memory_memo memory_memo; /* parameters a GPU and activations shared across ZeRO stages */
} search_ctx;

/* Keeps the `top` fastest, sorted (insertion: top is small). */
/* Whether a runs before b: the shorter step, then (where --mfu-cap gave both one time) the one
 * that was faster before the cap, then the one that recomputes less (selective recompute under
 * FlashAttention recomputes nothing the kernel does not, and ties with none: none is the simpler
 * launch). */
static bool faster(const sp_candidate *a, const sp_candidate *b)
{
    if (a->step.step_time_s != b->step.step_time_s)
        return a->step.step_time_s < b->step.step_time_s;
    if (a->step.uncapped_step_time_s != b->step.uncapped_step_time_s)
        return a->step.uncapped_step_time_s < b->step.uncapped_step_time_s;
    return a->config.recompute == SP_RECOMPUTE_NONE && b->config.recompute != SP_RECOMPUTE_NONE;
}

static void keep(search_ctx *s, const sp_candidate *c)
{
    sp_search_result *r = s->out;
    size_t n = r->top_count;
    if (n == s->top && !faster(c, &r->top[n - 1]))
        return;
    size_t i = n < s->top ? n : n - 1;
    while (i > 0 && faster(c, &r->top[i - 1])) {
        r->top[i] = r->top[i - 1];
        i--;
    }
    r->top[i] = *c;
    if (n < s->top)
        r->top_count = n + 1;
}

/* The layouts a caller may ask for: 1 to SP_TOP_MAX. */
static size_t top_asked(size_t top)
{
    return top < 1 ? 1 : (top > SP_TOP_MAX ? SP_TOP_MAX : top);
}

/* A near tie is broken among the TIE_POOL fastest layouts, however many the caller lists, so the
 * winner does not depend on `top` (keeping all SP_TOP_MAX would cost the search a tenth of its
 * speed in insertions). */
enum { TIE_POOL = 8 };
static size_t top_pool(size_t top)
{
    return top_asked(top < TIE_POOL ? TIE_POOL : top);
}

/* A near tie goes to room: when the fastest layout fills more than `comfort` of the memory a GPU
 * may use, the fastest of those within `tolerance` of its step that stays under that line moves to
 * the front (the rest keep their order). A difference that small is below the step model's error,
 * while free memory is what survives fragmentation and a framework's own buffers. */
static void roomier_first(sp_search_result *r, const sp_perf_constants *perf)
{
    const sp_candidate *f = &r->top[0];
    double tolerance = perf->search_tie_tolerance;
    /* memory.capacity_bytes is the card; what a layout may use is the card less memory_headroom. */
    double line = perf->search_comfort_share * f->memory.capacity_bytes * (1.0 - perf->memory_headroom);
    if (!(tolerance > 0) || r->top_count < 2 || !(line > 0) || f->memory.total_bytes <= line)
        return; /* a tolerance of 0 turns the rule off, exact ties included (make validate) */
    size_t pick = 0;
    for (size_t i = 1; i < r->top_count && i < TIE_POOL && !pick; i++)
        if (r->top[i].step.step_time_s <= f->step.step_time_s * (1.0 + tolerance) && r->top[i].memory.total_bytes <= line)
            pick = i;
    if (pick == 0)
        return;
    sp_candidate winner = r->top[pick];
    r->displaced = r->top[0];
    memmove(&r->top[1], &r->top[0], pick * sizeof r->top[0]);
    r->top[0] = winner;
    r->memory_tie_break = true;
    r->tie_tolerance = tolerance;
}

/* A user's pessimism: the step slows until its MFU is the cap, the extra time counted as compute. */
static void cap_mfu(sp_step *step, double cap)
{
    step->uncapped_step_time_s = step->step_time_s;
    double slower = step->mfu / cap;
    step->compute_s += step->step_time_s * (slower - 1.0);
    step->step_time_s *= slower;
    step->tokens_per_s /= slower;
    step->model_flops_per_gpu /= slower;
    step->hardware_flops_per_gpu /= slower;
    step->mfu = cap;
    step->hfu /= slower;
}

static void evaluate(search_ctx *s, const sp_mem_config *c)
{
    sp_search_result *r = s->out;
    s->over = s->over || r->plans_evaluated >= LAYOUTS_MAX;
    if (s->over)
        return;
    r->plans_evaluated += 1;
    sp_candidate cand;
    /* The enumeration only builds layouts that divide the model and the batch. */
    sp_memory_estimate_memo(s->model, c, s->mk, s->accel->memory_bytes, s->params, &s->memory_memo, &cand.memory);
    if (cand.memory.total_bytes > sp_usable_memory_bytes(s->accel, s->perf))
        return;
    r->plans_fitting += 1;
    if (sp_train_step_memo(s->model, s->accel, c, s->req->global_batch, s->perf, &cand.memory, &s->memo,
                           &cand.step) != SP_OK)
        return;
    if (s->req->mfu_cap > 0 && cand.step.mfu > s->req->mfu_cap)
        cap_mfu(&cand.step, s->req->mfu_cap);
    cand.config = *c;
    cand.gpus = s->req->gpus;
    /* Whole-run wall time: restarts, checkpoints and stragglers leave 1 - goodput of it idle. */
    double seconds = s->req->tokens / cand.step.tokens_per_s / s->req->goodput;
    cand.gpu_hours = seconds / 3600.0 * cand.gpus;
    cand.days = seconds / 86400.0;
    cand.cost_usd = cand.gpu_hours * s->req->usd_per_gpu_hour;
    r->found = true;
    keep(s, &cand);
}

static bool pinned(double pin, double value)
{
    return pin <= 0 || pin == value;
}

/* A DDP, FSDP or DeepSpeed layout on a CUDA or ROCm part launches as train.py under Hugging Face's
 * Trainer (asked to plan as launch writes): its model runs norms, rotary and SwiGLU as eager
 * modules, in the step and in what it keeps for the backward, and recomputes a whole decoder layer
 * (--gradient_checkpointing, which launch passes) or nothing: not Megatron's selective or
 * torchtitan's op-level policies. */
static bool launches_trainer(const search_ctx *s, const sp_mem_config *c)
{
    return s->req->trainer_layouts && sp_train_runs_trainer(c, sp_accel_stack(s->accel));
}

/* Whether the launch of a Megatron or torchtitan layout runs the optimizer asked for: Megatron's
 * --optimizer takes adam (AdamW) and sgd (arguments.py), torchtitan's job config AdamW; 8-bit Adam
 * and Adafactor run under the Trainer only (its --optim). */
static bool launch_runs_optimizer(const sp_mem_config *c, sp_optimizer optimizer)
{
    if (optimizer == SP_OPT_ADAMW || optimizer == SP_OPT_ADAM)
        return true;
    return optimizer == SP_OPT_SGD && sp_train_stack_of(c) == SP_TRAIN_MEGATRON;
}

/* The knobs that do not change the split: ZeRO stage, recompute, sequence parallelism. */
static void search_knobs(search_ctx *s, sp_mem_config *c)
{
    const sp_search_request *q = s->req;
    /* Megatron shards the optimizer (distributed optimizer = ZeRO-1) beside TP/PP; FSDP/ZeRO-2/3
     * apply to pure data parallelism, and FSDP2 (ZeRO-3) also composes with TP and PP in
     * torchtitan (Liang et al. 2024, "TorchTitan", sec. 3.1). MoE plans run Megatron-Core's. */
    /* Context parallelism runs on Megatron-Core or torchtitan too: no ZeRO-2 beside it either. */
    bool split = c->tp > 1 || c->pp > 1 || c->cp > 1;
    /* Below, only the ZeRO stage, recompute and sequence parallelism change: the memos' terms hold. */
    s->memo.generation = s->memory_memo.generation = s->memory_memo.generation + 1u;
    int zero_max = c->ep <= 1 ? 3 : 1;
    if (c->dp * c->cp == 1) /* ZeRO shards over the ranks that reduce gradients: dp x cp */
        zero_max = 0;
    for (int zero = 0; zero <= zero_max; zero++) {
        if ((q->zero >= 0 && q->zero != zero) || (split && zero == 2))
            continue;
        if (q->precision == SP_PREC_FP8_ROWWISE && sp_fp8_rowwise_check(NULL, zero, c->dp * c->cp, c->ep, NULL) != SP_OK)
            continue; /* torchao under FSDP2 */
        c->zero = zero;
        /* Asked for, eager modules apply where a framework runs them (torchtitan uncompiled, plain
         * FSDP); Megatron-Core always fuses its kernels. */
        bool trainer = launches_trainer(s, c);
        if (q->trainer_layouts && !trainer && !launch_runs_optimizer(c, q->optimizer))
            continue;
        c->eager_modules = trainer || (q->eager_modules && sp_train_stack_of(c) != SP_TRAIN_MEGATRON);
        for (int r = SP_RECOMPUTE_NONE; r <= SP_RECOMPUTE_OP; r++) {
            /* torchtitan's op-level policy goes with its FSDP2 runs, asked for or not: Megatron's
             * launch has no such policy (its selective one keeps more, megatron.c). */
            if ((q->recompute >= 0 && q->recompute != r) || (r == SP_RECOMPUTE_OP && (zero < 3 || c->ep > 1)) ||
                (trainer && r != SP_RECOMPUTE_NONE && r != SP_RECOMPUTE_FULL))
                continue;
            c->recompute = (sp_recompute)r;
            /* torchtitan's tensor parallelism always shards the norms' activations over the
             * sequence (its parallelize_llama's SequenceParallel plans): no FSDP2 layout without it */
            bool torchtitan_tp = zero == 3 && c->ep <= 1 && c->tp > 1;
            for (int sp = torchtitan_tp && q->sequence_parallel < 0 ? 1 : 0; sp <= (c->tp > 1 ? 1 : 0); sp++) {
                if (q->sequence_parallel >= 0 && q->sequence_parallel != sp)
                    continue;
                c->sequence_parallel = sp != 0;
                evaluate(s, c);
            }
        }
    }
}

/* Micro-batch sizes and, with a pipeline, interleaving depths. */
static void search_batches(search_ctx *s, sp_mem_config *c)
{
    double per_replica = s->req->global_batch / c->dp;
    double mbs[DIVISORS_MAX], virtuals[DIVISORS_MAX];
    size_t nmb = divisors(per_replica, per_replica, mbs);
    /* Interleaving depths that divide a rank's ceil(L/pp) layers into equal virtual stages (all
     * equal when pp divides L; otherwise within a layer of each other, as Megatron-LM's
     * --pipeline-model-parallel-layout and torchtitan's split points place them), every virtual
     * stage keeping a layer. A pinned depth is tried as given. */
    double layers = s->model->layers, per_rank = ceil(layers / c->pp);
    size_t nv = c->pp > 1 ? divisors(per_rank, layers, virtuals) : 1;
    if (c->pp == 1)
        virtuals[0] = 1;
    double v_pinned = s->req->interleave;
    if (c->pp > 1 && v_pinned > 1 && c->pp * v_pinned <= layers) {
        virtuals[0] = v_pinned;
        nv = 1;
    }
    for (size_t i = 0; i < nmb && !s->over; i++) {
        if (!pinned(s->req->micro_batch, mbs[i]))
            continue;
        c->micro_batch = mbs[i];
        double m = per_replica / mbs[i];
        c->microbatches = m;
        for (size_t j = 0; j < nv; j++) {
            double v = virtuals[j];
            /* Megatron's interleaved schedule needs whole rounds of pp micro-batches, and every
             * virtual stage a layer. */
            if (!pinned(s->req->interleave, v) || (v > 1 && !sp_divides(c->pp, m)) || c->pp * v > layers)
                continue;
            c->interleave = v;
            search_knobs(s, c);
        }
    }
}

/* MoE: expert-parallel degrees that divide the experts, each with whole experts (etp 1) or
 * experts sliced as the attention is (etp = tp), the ep x etp expert ranks folded over the
 * tp x cp x dp ranks of a stage (MoE Parallel Folding, Liu et al. 2025); 1 for a dense model. */
static void search_experts(search_ctx *s, sp_mem_config *c)
{
    double eps[DIVISORS_MAX];
    double ranks = c->tp * c->cp * c->dp;
    size_t n = s->model->experts > 1 ? divisors(s->model->experts, ranks, eps) : 0;
    if (n == 0)
        eps[n++] = 1;
    const double etps[] = {1, c->tp};
    for (size_t i = 0; i < n && !s->over; i++) {
        if (!pinned(s->req->ep, eps[i]))
            continue;
        c->ep = eps[i];
        for (size_t j = 0; j < (c->tp > 1 && eps[i] > 1 ? 2 : 1); j++) {
            c->etp = s->req->etp > 0 && eps[i] > 1 ? s->req->etp : etps[j];
            if (!sp_divides(c->ep * c->etp, ranks) || (j > 0 && s->req->etp > 0))
                continue;
            search_batches(s, c);
        }
    }
    c->ep = 1;
    c->etp = 1;
}

/* Context-parallel degrees worth trying: 1, and powers of two that split each sequence into 2 cp
 * balanced chunks (Megatron-Core) while leaving every rank at least cp_min_tokens of it; a pinned
 * degree alone. Ring attention runs on FlashAttention kernels only. */
bool sp_cp_splits(double seq, double cp, double cp_min_tokens)
{
    return sp_divides(2.0 * cp, seq) && seq / cp >= cp_min_tokens;
}

static size_t cp_degrees(const sp_search_request *q, double cp_min_tokens, double *out)
{
    if (q->cp > 0) {
        out[0] = q->cp;
        return 1;
    }
    size_t n = 0;
    out[n++] = 1;
    for (double cp = 2;
         q->flash_attention && n < DIVISORS_MAX && sp_cp_splits(q->seq, cp, cp_min_tokens) && cp <= q->gpus; cp *= 2)
        out[n++] = cp;
    return n;
}

static sp_status check_request(const sp_model *m, const sp_search_request *q, sp_error *err)
{
    if (!sp_model_has_shape(m))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "the search needs the model's shape");
    const double counts[] = {q->gpus, q->global_batch, q->seq};
    const char *names[] = {"gpus", "global-batch", "seq"};
    for (size_t i = 0; i < 3; i++)
        if (!sp_whole_in(counts[i], 1, 1e8))
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, names[i], "must be a whole number from 1 to 1e8");
    /* Pins that no GPU count can satisfy are bad input, named before any search. */
    if (q->dp > 0 && !sp_divides(q->dp, q->global_batch))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "dp", "%g does not divide the global batch (%g sequences)", q->dp,
                       q->global_batch);
    if (q->micro_batch > 0 && !sp_divides(q->micro_batch * (q->dp > 0 ? q->dp : 1), q->global_batch))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "micro-batch", "%g%s does not divide the global batch (%g sequences)",
                       q->micro_batch, q->dp > 0 ? " x dp" : "", q->global_batch);
    if (q->tp > 0 && !sp_divides(q->tp, m->heads))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "tp", "%g does not divide the %g attention heads", q->tp, m->heads);
    if (q->tp > 0 && !sp_divides(q->tp, tp_unit(m)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "tp",
                       "%g does not divide the %g key-value heads: Megatron-Core and torchtitan give each rank whole "
                       "query groups",
                       q->tp, tp_unit(m));
    if (q->pp > m->layers)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "pp", "%g stages for %g layers", q->pp, m->layers);
    if (q->interleave > 1 && q->pp > 0 && q->pp * q->interleave > m->layers)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "interleave",
                       "pp x interleave (%g) is more stages than the %g layers", q->pp * q->interleave, m->layers);
    /* Megatron's sequence parallelism splits the norm and dropout activations over the TP group. */
    if (q->sequence_parallel == 1 && q->tp == 1)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "sequence-parallel",
                       "splits activations over the tensor-parallel group: it needs tp above 1");
    if (q->ep > 1 && m->experts <= 1)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "ep", "%s is dense: it has no experts to split",
                       m->name[0] ? m->name : "the model");
    if (q->ep > 1 && !sp_divides(q->ep, m->experts))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "ep", "%g does not divide the %g experts", q->ep, m->experts);
    if (q->etp > 0 && (!sp_whole_in(q->etp, 1, 1024) || (q->etp > 1 && m->experts <= 1)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "etp", "expert tensor parallelism needs an MoE model");
    if (!(q->goodput > 0 && q->goodput <= 1) || !(q->mfu_cap >= 0 && q->mfu_cap <= 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, q->goodput > 0 && q->goodput <= 1 ? "mfu-cap" : "goodput",
                       "must be a share in (0, 1]");
    if (q->cp > 0 && (!sp_whole_in(q->cp, 1, 1e6) || !sp_divides(q->cp, q->gpus)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "cp", "must be a whole number that divides the %g GPUs", q->gpus);
    if (q->cp > 1 && !sp_divides(2.0 * q->cp, q->seq))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "cp", "2 x cp (%g) must divide the sequence (%g tokens)", 2.0 * q->cp,
                       q->seq);
    if (q->cp > 1 && !q->flash_attention)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "cp", "context parallelism needs FlashAttention (ring attention)");
    if (!(q->tokens > 0) || !isfinite(q->tokens) || !(q->usd_per_gpu_hour >= 0) || !isfinite(q->usd_per_gpu_hour))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "tokens", "token budget and price must be finite and positive");
    /* torchao's rowwise float8 runs in torchtitan: FSDP2, no Megatron-style expert parallelism. */
    if (q->precision == SP_PREC_FP8_ROWWISE)
        return sp_fp8_rowwise_check(NULL, q->zero, q->gpus, q->ep, err);
    return SP_OK;
}

static sp_status too_many_layouts(const sp_model *m, const sp_accel *a, const sp_search_request *q, sp_error *err)
{
    char limit[32];
    sp_format_thousands(LAYOUTS_MAX, limit, sizeof limit);
    return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpus",
                   "%g x %s: %s has more than %s layouts, the most one search checks; pin --tp, --pp or "
                   "--micro-batch, or give a global batch with fewer divisors",
                   q->gpus, a->name, m->name[0] ? m->name : "the model", limit);
}

/* A pinned recompute policy that the pinned layout's framework does not run: bad input, said
 * before the search finds nothing for a reason it cannot name. */
static sp_status recompute_runs_there(const sp_search_request *q, const sp_accel *a, sp_error *err)
{
    if (q->recompute == SP_RECOMPUTE_OP && ((q->zero >= 0 && q->zero < 3) || q->ep > 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "recompute",
                       "op is torchtitan's op-level policy, which runs with FSDP2 (ZeRO-3) and no expert "
                       "parallelism: pin --zero 3, or another policy");
    bool sixteen_bit = q->precision == SP_PREC_MIXED_BF16 || q->precision == SP_PREC_MIXED_FP16 ||
                       q->precision == SP_PREC_BF16 || q->precision == SP_PREC_FP32;
    /* tp, pp and cp pinned to 1, or data parallelism pinned over every GPU */
    bool plain = ((q->tp == 1 && q->pp == 1 && q->cp == 1) || (q->dp > 0 && q->dp == q->gpus)) && q->ep <= 1;
    bool partial = q->recompute == SP_RECOMPUTE_SELECTIVE || q->recompute == SP_RECOMPUTE_OP;
    sp_stack stack = sp_accel_stack(a);
    if (q->trainer_layouts && plain && sixteen_bit && partial && (stack == SP_STACK_CUDA || stack == SP_STACK_ROCM))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "recompute",
                       "%s: a layout with tp, pp and cp 1 launches as train.py under Hugging Face's Trainer, which "
                       "recomputes whole layers (full) or nothing",
                       sp_recompute_name((sp_recompute)q->recompute));
    return SP_OK;
}

sp_status sp_train_search(const sp_model *model, const sp_accel *accel, const sp_search_request *request,
                          const sp_memory_constants *memory_constants, const sp_perf_constants *perf,
                          size_t top, sp_search_result *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_status status = check_request(model, request, err);
    if (status == SP_OK)
        status = recompute_runs_there(request, accel, err);
    if (status != SP_OK)
        return status;
    /* A part whose tensor cores take fp16 but not bf16 (Volta, Turing) trains mixed-precision in fp16
     * with loss scaling, and the launch files say --fp16. */
    sp_search_request fp16_request = *request;
    status = sp_train_half_precision(accel, &fp16_request.precision, err);
    if (status != SP_OK)
        return status;
    request = &fp16_request;
    bool fp16_only = sp_accel_fp16_only(accel);
    const char *sixteen = fp16_only ? "mixed-fp16" : "mixed-bf16";
    if (request->precision == SP_PREC_FP8_ROWWISE && (status = sp_fp8_rowwise_check(accel, -1, 1, 1, err)) != SP_OK)
        return status;
    /* An FP8 GEMM needs FP8 tensor cores (Hopper, Ada, Blackwell, MI300); Ampere and older have
     * none, so an fp8 plan there would be priced at a rate the part cannot run. */
    if (request->precision == SP_PREC_FP8 && !(accel->fp8_flops_per_s > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision",
                       "fp8 needs FP8 tensor cores and %s has none (no fp8 rate in its catalog row): use %s",
                       accel->name, sixteen);
    if (request->precision == SP_PREC_MXFP8 && !sp_mx_capable(accel))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision",
                       "mxfp8 needs tensor cores with MX block scaling (Blackwell, MI355X) and %s has none: use %s",
                       accel->name, accel->fp8_flops_per_s > 0 ? "fp8" : sixteen);
    if (request->precision == SP_PREC_NVFP4 && !(sp_train_peak(accel, request->precision) > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision",
                       "nvfp4 needs NVIDIA FP4 tensor cores (Blackwell) and %s has none: use %s", accel->name,
                       sp_mx_capable(accel) ? "mxfp8" : accel->fp8_flops_per_s > 0 ? "fp8" : sixteen);
    if (!(sp_train_peak(accel, request->precision) > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision", "%s has no %s throughput in the catalog", accel->name,
                       sp_precision_name(request->precision));
    search_ctx s = {.model = model,
                    .accel = accel,
                    .req = request,
                    .mk = memory_constants,
                    .perf = perf,
                    .top = top_pool(top),
                    .params = sp_model_params(model),
                    .out = out}; /* the rest zero: not over, empty memos */
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.mode = SP_MODE_TRAIN;
    c.precision = request->precision;
    c.optimizer = request->optimizer;
    c.mixed_style = request->mixed_style;
    c.flash_attention = request->flash_attention;
    c.ep_overlap = request->ep_overlap;
    c.tp_overlap = request->tp_overlap;
    c.eager_modules = request->eager_modules;
    c.vendor_stack = !sp_stack_is_gpu(sp_accel_stack(accel));
    c.seq = request->seq;
    /* Every layout spans all request->gpus; wider than one node, it needs a network between
     * nodes, and a part that publishes none (inter_node_bytes_per_s 0) cannot run it: no layout. */
    if (request->gpus > accel->per_node && !(accel->inter_node_bytes_per_s > 0))
        return SP_OK;
    double tps[DIVISORS_MAX], pps[DIVISORS_MAX];
    /* Tensor parallelism stays inside a node (NVLink), as Megatron recommends, and splits whole
     * query groups (tp_unit). */
    size_t ntp = divisors(tp_unit(model), accel->per_node, tps);
    size_t npp = divisors(model->layers, model->layers, pps);
    /* Uneven stages: Megatron-Core places the remainder on some stages (its first and last
     * pipeline-layer options), so a power-of-two pp need not divide the layers; the slowest
     * stage holds ceil(layers / pp) of them. */
    npp = add_uneven_stages(model->layers, request->pp, pps, npp);
    double cps[DIVISORS_MAX];
    size_t ncp = cp_degrees(request, perf->cp_min_tokens, cps);
    for (size_t i = 0; i < ntp && !s.over; i++) {
        if (!pinned(request->tp, tps[i]) || !sp_divides(tps[i], request->gpus))
            continue;
        c.tp = tps[i];
        for (size_t k = 0; k < ncp; k++) {
            c.cp = cps[k];
            for (size_t j = 0; j < npp && !s.over; j++) {
                double split = tps[i] * cps[k] * pps[j];
                if (!pinned(request->pp, pps[j]) || !sp_divides(split, request->gpus))
                    continue;
                c.pp = pps[j];
                c.dp = request->gpus / split;
                if (!pinned(request->dp, c.dp) || !sp_divides(c.dp, request->global_batch))
                    continue;
                search_experts(&s, &c);
            }
        }
    }
    if (s.over)
        return too_many_layouts(model, accel, request, err);
    roomier_first(out, perf);
    if (out->top_count > top_asked(top))
        out->top_count = top_asked(top);
    return SP_OK;
}

void sp_pareto_front(const sp_candidate *candidates, size_t count, bool *on_front)
{
    for (size_t i = 0; i < count; i++) {
        on_front[i] = true;
        for (size_t j = 0; j < count && on_front[i]; j++) {
            const sp_candidate *a = &candidates[j], *b = &candidates[i];
            bool no_worse = a->days <= b->days && a->cost_usd <= b->cost_usd;
            bool better = a->days < b->days || a->cost_usd < b->cost_usd;
            if (j != i && no_worse && better)
                on_front[i] = false;
        }
    }
}
