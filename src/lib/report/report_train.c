/* report_train.c - the training search as text or JSON: winner, why, Pareto, top layouts. */
#include "report_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LAYOUT_MAX = 160 };

static void layout_text(const sp_candidate *cand, char *buf, size_t size)
{
    const sp_mem_config *c = &cand->config;
    int n = sp_split_text(c, buf, size);
    if (c->interleave > 1)
        n = sp_appendf(buf, size, n, " (interleave %g)", c->interleave);
    n = sp_appendf(buf, size, n, ", ZeRO-%g, micro-batch %g, recompute %s", c->zero, c->micro_batch,
                  sp_recompute_name(c->recompute));
    if (c->sequence_parallel)
        n = sp_appendf(buf, size, n, ", sequence parallel");
    if (sp_tp_overlap_applies(c))
        n = sp_appendf(buf, size, n, ", TP overlapped");
    if (cand->step.ep_overlapped)
        sp_appendf(buf, size, n, ", all-to-all overlapped");
}

/* A step that mostly waits: compute under half of it (pipeline bubble, exposed communication). */
static bool mostly_waiting(const sp_step *step)
{
    return step->step_time_s > 0 && step->compute_s < 0.5 * step->step_time_s;
}

/* An option the default batch starves: its best step mostly waits (compute under half of it) with
 * no more micro-batches a replica than pipeline stages, nothing to fill the pipeline or hide the
 * gradient reduction with. More GPUs then buy little time at their full price. */
static bool starved(const sp_train_report *r, const sp_train_option *o)
{
    const sp_candidate *c = &o->result.top[0];
    return r->request->global_batch_is_default && o->result.found && mostly_waiting(&c->step) &&
           c->step.microbatches <= fmax(1.0, c->config.pp);
}

/* The winner: the option sp_run_preferred ranks first (deadline and budget both met, else the
 * budget kept, else the deadline, else the cheapest); *standing says which it met. With neither
 * target given that is the fastest, and an option the default batch starves is passed over while
 * one it does not starve remains: 65,536 H100s on a 2M-token batch finish a 405B run 18% sooner
 * than 4,096 at 13 times the cost (batch_bound_note says so; --deadline-days chooses by time). */
static const sp_train_option *winner(const sp_train_report *r, sp_run_standing *standing)
{
    bool targets = r->deadline_days > 0 || r->budget_usd > 0, some_fed = false;
    for (size_t i = 0; i < r->count && !targets; i++)
        some_fed = some_fed || (r->options[i].result.found && !starved(r, &r->options[i]));
    const sp_train_option *best = NULL;
    for (size_t i = 0; i < r->count; i++) {
        const sp_train_option *o = &r->options[i];
        if (!o->result.found || (some_fed && starved(r, o)))
            continue;
        const sp_candidate *c = &o->result.top[0], *b = best ? &best->result.top[0] : NULL;
        if (!b || sp_run_preferred(c->days, c->cost_usd, b->days, b->cost_usd, r->deadline_days, r->budget_usd))
            best = o;
    }
    *standing = best ? sp_run_standing_of(best->result.top[0].days, best->result.top[0].cost_usd, r->deadline_days,
                                          r->budget_usd)
                     : SP_RUN_MEETS_NEITHER;
    return best;
}

const sp_train_option *sp_train_report_winner(const sp_train_report *report)
{
    sp_run_standing standing;
    return winner(report, &standing);
}

static bool meets(const sp_train_report *r, const sp_candidate *c)
{
    return sp_run_standing_of(c->days, c->cost_usd, r->deadline_days, r->budget_usd) == SP_RUN_MEETS_BOTH;
}

/* The options table's counts where the default batch starves the GPUs: from the first count whose
 * best step is mostly waiting (compute under half of it) with no more micro-batches a replica than
 * pipeline stages (nothing to hide the reduction or fill the pipeline with), more GPUs buy little.
 * The winner's own starvation has its note above. */
static void batch_bound_note(sp_buf *b, const sp_train_report *r, const sp_train_option *winner)
{
    if (!r->request->global_batch_is_default)
        return;
    for (size_t i = 0; i < r->count; i++) {
        const sp_candidate *c = &r->options[i].result.top[0];
        if (!starved(r, &r->options[i]))
            continue;
        if (&r->options[i] == winner)
            return;
        sp_buf_printf(b,
                      "note        : from %g GPUs the default batch of %g sequences leaves %g micro-batch(es) to each "
                      "of %g replicas and the step mostly waits (MFU %.1f%%): more GPUs buy little unless a larger "
                      "--global-batch keeps them busy%s\n",
                      c->gpus, r->request->global_batch, c->step.microbatches, c->config.dp, 100 * c->step.mfu,
                      r->deadline_days > 0 || r->budget_usd > 0
                          ? ""
                          : "; the recommendation passes over such counts (--deadline-days chooses by time alone)");
        return;
    }
}

/* Which target a candidate misses, for its mark: "" when it meets both. */
static const char *miss_text(const sp_train_report *r, const sp_candidate *c)
{
    switch (sp_run_standing_of(c->days, c->cost_usd, r->deadline_days, r->budget_usd)) {
    case SP_RUN_MEETS_BUDGET: return "misses the deadline";
    case SP_RUN_MEETS_DEADLINE: return "over the budget";
    case SP_RUN_MEETS_NEITHER: return "misses the deadline and the budget";
    case SP_RUN_MEETS_BOTH: break;
    }
    return "";
}

/* Why an option has no layout: none splits its count (the batch, heads or layers do not divide),
 * or those that do overflow memory. */
static const char *unfit_reason(const sp_train_option *o)
{
    return o->result.plans_evaluated > 0 ? "no layout fits memory" : "no layout splits this count";
}

/* What the limits buy: over every option that fits, the token budget scaled by the tighter of its
 * deadline and its budget (a run's tokens go as its days and its cost), the most of them, and the
 * GPUs that train them; 0 when no option fits. */
static double scale_tokens(const sp_train_report *r, double *gpus, const sp_accel **accel)
{
    double best = 0;
    for (size_t i = 0; i < r->count; i++) {
        const sp_search_result *res = &r->options[i].result;
        if (!res->found)
            continue;
        const sp_candidate *o = &res->top[0];
        double share = INFINITY;
        if (r->deadline_days > 0 && o->days > 0)
            share = fmin(share, r->deadline_days / o->days);
        if (r->budget_usd > 0 && o->cost_usd > 0)
            share = fmin(share, r->budget_usd / o->cost_usd);
        if (isfinite(share) && r->request->tokens * fmin(share, 1.0) > best) {
            best = r->request->tokens * fmin(share, 1.0);
            *gpus = o->gpus;
            *accel = r->options[i].accel;
        }
    }
    return best;
}

/* What the winner misses and why it was still chosen (sp_run_preferred's order). */
static const char *unmet_text(const sp_train_report *r, sp_run_standing standing)
{
    bool both = r->deadline_days > 0 && r->budget_usd > 0;
    switch (standing) {
    case SP_RUN_MEETS_BUDGET:
        return both ? "no option within the budget finishes by the deadline; this is the fastest within the budget"
                    : "no option finishes by the deadline; this is the fastest";
    case SP_RUN_MEETS_DEADLINE:
        return both ? "no option that finishes by the deadline is within the budget; this is the cheapest that does"
                    : "no option is within the budget; this is the cheapest";
    case SP_RUN_MEETS_NEITHER: return "no option finishes by the deadline or stays within the budget; this is the cheapest";
    case SP_RUN_MEETS_BOTH: break;
    }
    return "";
}

bool sp_train_report_meets(const sp_train_report *r)
{
    sp_run_standing standing;
    return winner(r, &standing) && standing == SP_RUN_MEETS_BOTH;
}

static const sp_train_option *cheapest(const sp_train_report *r)
{
    const sp_train_option *best = NULL;
    for (size_t i = 0; i < r->count; i++)
        if (r->options[i].result.found &&
            (!best || r->options[i].result.top[0].cost_usd < best->result.top[0].cost_usd))
            best = &r->options[i];
    return best;
}

/* Every accelerator searched is one without a published inter-node network (consumer cards). */
static bool no_network(const sp_train_report *r)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->options[i].accel->inter_node_bytes_per_s > 0)
            return false;
    return true;
}

/* How much a policy recomputes: none, then torchtitan's per-op and Megatron's selective, then full. */
static int recompute_rank(sp_recompute r)
{
    return r == SP_RECOMPUTE_NONE ? 0 : r == SP_RECOMPUTE_FULL ? 2 : 1;
}

/* The time component where the runner-up loses most against the winner; its compute is blamed on
 * recompute only when it recomputes more. */
static const char *largest_gap(const sp_candidate *wc, const sp_candidate *rc)
{
    const sp_step *w = &wc->step, *r = &rc->step;
    bool recomputes_more = recompute_rank(rc->config.recompute) > recompute_rank(wc->config.recompute);
    /* Without sequence parallelism every tensor-parallel rank runs the norms and dropouts over the
     * whole sequence (Korthikanti et al. 2022): element-wise work, not GEMMs. */
    bool unsplit_elementwise = wc->config.sequence_parallel && !rc->config.sequence_parallel && rc->config.tp > 1;
    const double gaps[] = {r->compute_s - w->compute_s,     r->tp_comm_s - w->tp_comm_s,
                           r->bubble_s - w->bubble_s,       r->pp_comm_s - w->pp_comm_s,
                           r->dp_comm_s - w->dp_comm_s,     r->ep_comm_s - w->ep_comm_s,
                           r->cp_comm_s - w->cp_comm_s,     r->optimizer_s - w->optimizer_s};
    const char *names[] = {recomputes_more        ? "compute (recompute)"
                           : unsplit_elementwise  ? "compute (norms and dropouts over the whole sequence on each TP rank)"
                                                  : "compute (smaller or fewer-token GEMMs)",
                           "tensor-parallel all-reduces", "pipeline bubble", "pipeline sends",
                           "data-parallel communication", "expert-parallel all-to-alls",
                           "context-parallel exchanges", "the optimizer step"};
    size_t best = 0;
    for (size_t i = 1; i < sizeof gaps / sizeof gaps[0]; i++)
        if (gaps[i] > gaps[best])
            best = i;
    /* Only a part that is in fact slower explains the gap. */
    return gaps[best] > 0 ? names[best] : NULL;
}

static void why_text(const sp_train_option *o, char *buf, size_t size)
{
    const sp_search_result *res = &o->result;
    const sp_candidate *w = &res->top[0];
    int n = snprintf(buf, size, "%s of %.0f layouts that fit (%.0f checked); %.0f%% of its step is compute at %.1f%% MFU",
                     res->memory_tie_break ? "the fastest with room (a near tie, perf.yaml search_comfort_share)" : "fastest",
                     res->plans_fitting, res->plans_evaluated, 100.0 * w->step.compute_s / w->step.step_time_s,
                     100.0 * w->step.mfu);
    if (res->memory_tie_break) {
        char layout[LAYOUT_MAX];
        const sp_candidate *f = &res->displaced;
        layout_text(f, layout, sizeof layout);
        if (f->config.tp > 1 && !f->config.sequence_parallel) /* else it can read as the winner's */
            sp_appendf(layout, sizeof layout, (int)strlen(layout), ", no sequence parallelism");
        double quicker = 100.0 * (1.0 - f->step.step_time_s / w->step.step_time_s);
        char by[32] = "under 0.1%";
        if (quicker >= 0.05)
            snprintf(by, sizeof by, "%.1f%%", quicker);
        sp_appendf(buf, size, n,
                   "; the fastest (%s) is %s quicker, within the %g%% the search counts as a tie "
                   "(search_tie_tolerance), but needs %.1f GB where this needs %.1f",
                   layout, by, 100.0 * res->tie_tolerance, f->memory.total_bytes / 1e9, w->memory.total_bytes / 1e9);
    } else if (res->top_count > 1) {
        char layout[LAYOUT_MAX];
        const sp_candidate *r = &res->top[1];
        layout_text(r, layout, sizeof layout);
        if (r->config.tp > 1 && !r->config.sequence_parallel) /* else it can read as the winner's */
            sp_appendf(layout, sizeof layout, (int)strlen(layout), ", no sequence parallelism");
        double slower = 100.0 * (r->step.step_time_s / w->step.step_time_s - 1.0);
        if (slower < 0.05)
            sp_appendf(buf, size, n, "; the runner-up (%s) is as fast to within 0.1%%", layout);
        else if (largest_gap(w, r))
            sp_appendf(buf, size, n, "; the runner-up (%s) is %.1f%% slower, mostly in %s", layout, slower,
                       largest_gap(w, r));
        else
            sp_appendf(buf, size, n, "; the runner-up (%s) is %.1f%% slower", layout, slower);
    }
}

/* The packages a layout's framework needs, pinned: "torch==2.15.0, megatron-core==0.19.2"; on a
 * TPU, Trainium or Gaudi the stack's own (sp_train_framework_on names them), not CUDA's. */
static void versions_text(const sp_rules *r, sp_stack accel_stack, const sp_mem_config *c, char *buf, size_t size)
{
    if (accel_stack == SP_STACK_XLA) {
        snprintf(buf, size, "jax==%s, maxtext==%s", sp_framework_version(r, "jax"), sp_framework_version(r, "maxtext"));
        return;
    }
    if (accel_stack == SP_STACK_NEURON || accel_stack == SP_STACK_HPU) {
        const char *own = accel_stack == SP_STACK_NEURON ? "torch-neuronx" : "optimum-habana";
        snprintf(buf, size, "%s==%s", own, sp_framework_version(r, own));
        return;
    }
    int n = snprintf(buf, size, "torch==%s", sp_framework_version(r, "torch"));
    sp_train_stack stack = sp_train_stack_of(c);
    const char *package = sp_train_stack_package(stack);
    if (package)
        sp_appendf(buf, size, n, "%s%s==%s", stack == SP_TRAIN_FSDP_ZERO && c->zero > 1 ? " (FSDP), or " : ", ", package,
                   sp_framework_version(r, package));
}

/* The best candidate of every option that found one, and which of them are on the
 * time-cost Pareto front. Caller frees both; NULL when an allocation failed. */
static size_t front_of(const sp_train_report *r, sp_candidate **cands, bool **front)
{
    *cands = malloc((r->count ? r->count : 1) * sizeof **cands);
    *front = malloc((r->count ? r->count : 1) * sizeof **front);
    if (!*cands || !*front) {
        free(*cands);
        free(*front);
        *cands = NULL;
        *front = NULL;
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        if (r->options[i].result.found)
            (*cands)[n++] = r->options[i].result.top[0];
    sp_pareto_front(*cands, n, *front);
    return n;
}

/* ---- text ---- */

static void text_candidate(sp_buf *b, const char *label, const sp_train_option *o, const sp_candidate *c)
{
    char layout[LAYOUT_MAX];
    layout_text(c, layout, sizeof layout);
    sp_buf_printf(b, "%-12s: %.0f x %s, %s\n", label, c->gpus, o->accel->name, layout);
}

/* A cost, or a dash where the part has no public price (never $0: it is not free). */
static void cost_text(const sp_train_report *r, double usd, char *buf, size_t size)
{
    if (r->unpriced)
        snprintf(buf, size, "-");
    else
        sp_money(usd, buf, size);
}

/* A run's length: under a day in hours ("0.00 days" says nothing), else in days; one rule for every
 * line that tells it, so two lines of one run read in one unit. */
static void span_text(double days, char *buf, size_t size)
{
    if (days >= 1.0)
        snprintf(buf, size, "%.2f days", days);
    else
        snprintf(buf, size, "%.3g hours", 24.0 * days);
}

/* A winner past search_comfort_share of what a GPU may use (perf.yaml: the allocator's fragmentation
 * and NCCL's buffers need the rest) says so, and names the roomiest layout listed below with what
 * its room costs in step time, for the user to weigh. */
static void room_line(sp_buf *b, const sp_train_report *r, const sp_train_option *o)
{
    const sp_search_result *res = &o->result;
    const sp_candidate *w = &res->top[0];
    double usable = r->rules ? sp_usable_memory_bytes(o->accel, &r->rules->perf) : 0;
    double comfort = r->rules ? r->rules->perf.search_comfort_share * usable : 0;
    if (!(usable > 0) || w->memory.total_bytes <= comfort)
        return;
    /* The fastest of the listed layouts ("top layouts") within the comfort line, else the roomiest. */
    size_t listed = res->top_count < r->top ? res->top_count : r->top, roomiest = 0;
    for (size_t i = 1; i < listed && (roomiest == 0 || res->top[roomiest].memory.total_bytes > comfort); i++)
        if (res->top[i].memory.total_bytes <= comfort || res->top[i].memory.total_bytes < res->top[roomiest].memory.total_bytes)
            roomiest = i;
    sp_buf_printf(b, "room        : %.1f of the %.1f GB a GPU may use (%.0f%%), little for the allocator's fragmentation",
                  w->memory.total_bytes / 1e9, usable / 1e9, 100 * w->memory.total_bytes / usable);
    if (roomiest > 0)
        sp_buf_printf(b, "; layout %zu below keeps %.1f GB more for a step %.1f%% longer", roomiest + 1,
                      (w->memory.total_bytes - res->top[roomiest].memory.total_bytes) / 1e9,
                      100 * (res->top[roomiest].step.step_time_s / w->step.step_time_s - 1));
    sp_buf_puts(b, "\n");
}

static void text_step(sp_buf *b, const sp_train_report *r, const sp_train_option *o, const sp_candidate *c)
{
    const sp_step *s = &c->step;
    char cost[48], versions[SP_TEXT_MAX];
    cost_text(r, c->cost_usd, cost, sizeof cost);
    sp_buf_printf(b, "framework   : %s", sp_train_framework_on(sp_accel_stack(o->accel), &c->config));
    versions_text(r->rules, sp_accel_stack(o->accel), &c->config, versions, sizeof versions);
    sp_buf_printf(b, " (%s)\n", versions);
    /* A part without bf16 tensor cores trains in fp16, as the launch files do: say so here. */
    if (sp_accel_fp16_only(o->accel) && c->config.precision == SP_PREC_MIXED_FP16)
        sp_buf_printf(b, "precision   : %s: %s has no bf16 tensor cores, so mixed precision runs fp16 with loss "
                         "scaling (Micikevicius et al. 2018)\n",
                      sp_precision_name(c->config.precision), o->accel->name);
    sp_buf_printf(b, "step        : %.3f s for %g sequences x %g tokens (%g micro-batch%s): compute %.3f, TP %.3f, "
                     "bubble %.3f, PP %.3f, DP %.3f, EP %.3f, ",
                  s->step_time_s, r->request->global_batch, r->request->seq, s->microbatches,
                  s->microbatches == 1 ? "" : "es", s->compute_s, s->tp_comm_s,
                  s->bubble_s, s->pp_comm_s, s->dp_comm_s, s->ep_comm_s);
    if (c->config.cp > 1)
        sp_buf_printf(b, "CP %.3f, ", s->cp_comm_s);
    sp_buf_printf(b, "optimizer %.3f\n", s->optimizer_s);
    /* MFU is against the training precision's own dense peak (fp8's is twice bf16's on Hopper): name it. */
    sp_buf_printf(b,
                  "throughput  : %.0f tokens/s; %.1f model / %.1f hardware TFLOP/s per GPU; MFU %.1f%%, HFU %.1f%% of "
                  "the %.0f TFLOP/s %s peak\n",
                  s->tokens_per_s, s->model_flops_per_gpu / 1e12, s->hardware_flops_per_gpu / 1e12, 100 * s->mfu,
                  100 * s->hfu, sp_train_peak(o->accel, c->config.precision) / 1e12,
                  sp_precision_name(c->config.precision));
    char capacity[64];
    sp_capacity_text(o->accel->memory_bytes, 1, capacity, sizeof capacity);
    sp_buf_printf(b, "memory      : %.1f GB of %s per GPU\n", c->memory.total_bytes / 1e9, capacity);
    room_line(b, r, o);
    char span[32];
    span_text(c->days, span, sizeof span);
    char tokens[32], gpu_hours[48];
    sp_count_text(r->request->tokens, tokens, sizeof tokens);
    sp_format_thousands(c->gpu_hours, gpu_hours, sizeof gpu_hours);
    if (r->unpriced)
        sp_buf_printf(b, "budget      : %s tokens in %s, %s GPU-hours; %s has no public price (--usd-per-gpu-hour "
                         "prices them)\n",
                      tokens, span, gpu_hours, o->accel->name);
    else
        sp_buf_printf(b, "budget      : %s tokens in %s, %s GPU-hours, %s at $%.2f/GPU-hour\n", tokens,
                      span, gpu_hours, cost, c->gpu_hours > 0 ? c->cost_usd / c->gpu_hours : 0.0);
    /* A budget the user did not give reads as theirs unless said (GPT-3 trained on 300B, not 3.5T). */
    if (r->request->tokens_is_default)
        sp_buf_printf(b, "tokens      : %s, the default of %g a parameter (tokens_per_param in data/defaults.yaml, "
                         "Chinchilla); --tokens sets yours\n",
                      tokens, r->rules ? r->rules->limits.tokens_per_param : 20.0);
    /* Fewer tokens than one step holds (--tokens 15 for 15T): the figures are a fraction of a step. */
    double step_tokens = r->request->global_batch * r->request->seq;
    if (r->request->tokens > 0 && r->request->tokens < step_tokens)
        sp_buf_printf(b, "tokens      : %s fill less than one step of %g x %g tokens: a count's suffix missing "
                         "(--tokens 15T for 15 trillion)?\n",
                      tokens, r->request->global_batch, r->request->seq);
    if (!r->unpriced && !(r->request->usd_per_gpu_hour > 0))
        sp_instance_price_line(b, "price       : ", o->accel, c->gpus, sp_accel_usd_per_gpu_hour(o->accel, c->gpus));
    if (r->request->goodput < 1 || r->request->mfu_cap > 0) {
        char steady[32];
        span_text(c->days * r->request->goodput, steady, sizeof steady);
        sp_buf_printf(b, "whole run   : the days, hours and cost above count %.0f%% goodput (restarts, checkpoints; "
                         "steady state %s)",
                      100 * r->request->goodput, steady);
        if (r->request->mfu_cap > 0)
            sp_buf_printf(b, " and credit at most %.1f%% MFU", 100 * r->request->mfu_cap);
        sp_buf_printf(b, "\n");
    }
    /* Training past the released context is context extension: allowed, but said. Shape flags
     * name no context (their 2048 only sizes learned positions). */
    if (r->model->seq > 0 && r->request->seq > r->model->seq && strcmp(r->model->arch, "shape") != 0)
        sp_buf_printf(b, "context     : %g tokens a sequence is past %s's %g-token context: training there extends it "
                         "(e.g. RoPE scaling), which this plan assumes you do\n",
                      r->request->seq, r->model->name, r->model->seq);
}

static char *train_text(const sp_train_report *r, sp_error *err)
{
    sp_buf b = {0};
    sp_run_standing standing;
    const sp_train_option *w = winner(r, &standing);
    bool constrained = standing == SP_RUN_MEETS_BOTH;
    double evaluated = 0;
    for (size_t i = 0; i < r->count; i++)
        evaluated += r->options[i].result.plans_evaluated;
    sp_buf_printf(&b, "model       : %s (%.2f B parameters), %g sequences of %g tokens a step%s\n", r->model->name,
                  sp_model_params(r->model) / 1e9, r->request->global_batch, r->request->seq,
                  r->request->global_batch_is_default ? " (the default batch: tokens_per_step in data/defaults.yaml; "
                                                        "--global-batch sets it)"
                                                      : "");
    if (!w) {
        sp_buf_printf(&b, "no layout fits memory (%.0f checked)", evaluated);
        if (r->fits_from_gpus > 0 && r->fits_from_accel)
            sp_buf_printf(&b, ": %.0f x %s is the first power of two past the counts asked that fits\n", r->fits_from_gpus,
                          r->fits_from_accel->name);
        else if (r->count > 0 && no_network(r))
            sp_buf_printf(&b, ", and %s has no published network, so a job spans at most one server of %g: a "
                              "larger accelerator, or a fine-tune method (--method lora or qlora)\n",
                          r->options[0].accel->name, r->options[0].accel->per_node);
        else {
            /* Pinned degrees and sizes hold at every count: they are the first thing to let go. */
            const sp_search_request *q = r->request;
            char pins[160] = "";
            size_t used = 0;
            const struct {
                const char *flag;
                double value;
            } pinned[] = {{"--tp", q->tp}, {"--pp", q->pp}, {"--dp", q->dp}, {"--cp", q->cp}, {"--ep", q->ep},
                          {"--micro-batch", q->micro_batch}, {"--zero", q->zero >= 0 ? q->zero : -1}};
            for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++)
                if (pinned[i].value >= 0 && (pinned[i].value > 0 || !strcmp(pinned[i].flag, "--zero")) && used < sizeof pins)
                    used += (size_t)snprintf(pins + used, sizeof pins - used, "%s%s %g", used ? ", " : "",
                                             pinned[i].flag, pinned[i].value);
            sp_buf_printf(&b, ", nor at a power of two up to 2^16 times the largest count: %s%s%sa shorter sequence or a "
                              "larger accelerator\n",
                          pins[0] ? "the pins held at every count (" : "", pins, pins[0] ? ") first, then " : "");
        }
        return sp_buf_finish(&b, err);
    }
    const sp_candidate *c = &w->result.top[0];
    text_candidate(&b, "best", w, c);
    text_step(&b, r, w, c);
    char why[SP_TEXT_MAX * 2];
    why_text(w, why, sizeof why);
    sp_buf_printf(&b, "why         : %s\n", why);
    /* Exposed communication the layout could hide (the user did not ask for the overlap). */
    sp_mem_config overlapped = c->config;
    overlapped.ep_overlap = overlapped.tp_overlap = true;
    if (!c->config.tp_overlap && c->step.tp_comm_s > 0.1 * c->step.step_time_s && sp_tp_overlap_applies(&overlapped))
        sp_buf_printf(&b,
                      "note        : %.3f s of the %.3f s step is tensor-parallel communication, exposed; Transformer "
                      "Engine can run it under the GEMMs (--tp-overlap)\n",
                      c->step.tp_comm_s, c->step.step_time_s);
    if (!c->config.ep_overlap && c->step.ep_comm_s > 0.1 * c->step.step_time_s && c->step.microbatches >= 2 &&
        sp_ep_overlap_applies(r->model, &overlapped))
        sp_buf_printf(&b,
                      "note        : %.3f s of the %.3f s step is the expert all-to-all, exposed; Megatron-Core can run it "
                      "under other micro-batches' compute (--ep-overlap)\n",
                      c->step.ep_comm_s, c->step.step_time_s);
    /* A default batch too small for the GPUs: each replica gets few micro-batches, so the step is
     * mostly pipeline bubble and gradient reduction, and more GPUs buy little. */
    if (r->request->global_batch_is_default && mostly_waiting(&c->step))
        sp_buf_printf(&b,
                      "note        : the default batch of %g sequences leaves %g micro-batch(es) to each of %g "
                      "replicas, so most of the step waits on %s; a larger --global-batch keeps more GPUs busy\n",
                      r->request->global_batch, c->step.microbatches, c->config.dp,
                      c->config.pp > 1 ? "the pipeline and the gradient reduction" : "communication (the gradient "
                                                                                    "reduction, tensor- and expert-parallel collectives)");
    /* A step shorter than eager PyTorch takes to launch its kernels: the host sets the pace. */
    double launch_s = r->rules ? sp_train_host_launch_s(r->model, &c->config, c->step.microbatches, &r->rules->perf) : 0;
    if (c->step.step_time_s < launch_s)
        sp_buf_printf(&b,
                      "note        : this %.3f s step is shorter than the %.3f s eager PyTorch takes to launch its "
                      "kernels (%.2f ms a layer and pass, perf.yaml eager_host_s_per_layer_pass): the host sets the "
                      "pace unless CUDA graphs or torch.compile remove the launches, and fewer GPUs would take about "
                      "as long\n",
                      c->step.step_time_s, launch_s, 1e3 * r->rules->perf.eager_host_s_per_layer_pass);
    if (r->request->trainer_layouts && sp_train_runs_trainer(&c->config, sp_accel_stack(w->accel)))
        sp_buf_printf(&b,
                      "note        : the step and memory count train.py's Hugging Face model as it runs under %s: "
                      "norms, rotary and SwiGLU as eager modules, the loss in fp32%s\n",
                      sp_train_stack_of(&c->config) == SP_TRAIN_DDP ? "DDP" : "FSDP or DeepSpeed",
                      c->config.recompute == SP_RECOMPUTE_FULL ? ", each decoder layer recomputed "
                                                                 "(--gradient_checkpointing)"
                                                               : "");
    /* Where the model is known to be optimistic: torchtitan's published runs over 4 and 8
     * context-parallel ranks ran well below it (make validate, training at scale; docs/MODEL.md). */
    if (sp_layout_is_torchtitan(&c->config) && c->config.cp >= 4)
        sp_buf_printf(&b,
                      "note        : torchtitan's published runs with context parallelism over 4 or 8 ranks ran slower "
                      "than this model predicts (docs/MODEL.md, training at scale): read this step time as "
                      "optimistic\n");
    if ((r->deadline_days > 0 || r->budget_usd > 0) && !constrained) {
        sp_buf_printf(&b, "warning     : %s\n", unmet_text(r, standing));
        double gpus = 0;
        const sp_accel *part = NULL;
        double tokens = scale_tokens(r, &gpus, &part);
        if (tokens > 0) {
            char count[32];
            sp_count_text(tokens, count, sizeof count);
            sp_buf_printf(&b, "scale       : within %s, at most %s tokens: %g x %s\n",
                          r->deadline_days > 0 && r->budget_usd > 0 ? "the deadline and the budget"
                          : r->deadline_days > 0                    ? "the deadline"
                                                                    : "the budget",
                          count, gpus, part ? part->name : "");
        }
    }
    else if (r->deadline_days > 0 && r->count > 1)
        sp_buf_printf(&b, "choice      : the %s that finishes within %g days%s; faster ones are listed below\n",
                      r->unpriced ? "option of fewest GPU-hours" : "cheapest option", r->deadline_days,
                      r->budget_usd > 0 ? " and the budget" : "");
    else if (r->budget_usd > 0 && r->count > 1)
        sp_buf_printf(&b, "choice      : the fastest option within the budget\n");
    else if (r->count > 1) /* neither given: say the rule, and what a deadline or budget would change */
        sp_buf_printf(&b, "choice      : the fastest option whose step the batch does not starve (no --deadline-days "
                          "or --budget-usd; with a deadline the cheapest that meets it wins)\n");
    const sp_train_option *cheap = r->unpriced ? NULL : cheapest(r);
    if (cheap && cheap != w) {
        char cost[48];
        cost_text(r, cheap->result.top[0].cost_usd, cost, sizeof cost);
        text_candidate(&b, "cheapest", cheap, &cheap->result.top[0]);
        /* Under a deadline or budget the winner is already the cheapest that meets them: a cheaper
         * option misses them, and says so. */
        const char *miss = miss_text(r, &cheap->result.top[0]);
        sp_buf_printf(&b, "              %.2f days, %s%s%s%s\n", cheap->result.top[0].days, cost, miss[0] ? " (" : "",
                      miss, miss[0] ? ")" : "");
    }
    sp_buf_printf(&b, "plans       : %.0f evaluated\n", evaluated);
    if (r->count > 1) {
        bool *front = NULL;
        sp_candidate *cands = NULL;
        front_of(r, &cands, &front);
        if (!front)
            b.failed = true;
        sp_buf_puts(&b, "\noptions (best layout of each; * on the time-cost Pareto front)\n");
        for (size_t i = 0, k = 0; i < r->count; i++) {
            const sp_train_option *o = &r->options[i];
            if (!o->result.found) {
                sp_buf_printf(&b, "    %5.0f x %-18s nothing fits: %s\n", o->gpus, o->accel->name, unfit_reason(o));
                continue;
            }
            char cost[48];
            cost_text(r, o->result.top[0].cost_usd, cost, sizeof cost);
            sp_buf_printf(&b, "  %s %5.0f x %-18s %8.2f days %14s  MFU %.1f%%%s%s%s\n", front && front[k] ? "*" : " ",
                          o->result.top[0].gpus, o->accel->name, o->result.top[0].days, cost,
                          100 * o->result.top[0].step.mfu,
                          miss_text(r, &o->result.top[0])[0] ? "  (" : "", miss_text(r, &o->result.top[0]),
                          miss_text(r, &o->result.top[0])[0] ? ")" : "");
            k++;
        }
        free(front);
        free(cands);
        batch_bound_note(&b, r, w);
        /* Each part once, in the options' order: whose prices the costs above compare. */
        enum { PARTS_MAX = 64 }; /* more than any --gpu list names */
        const sp_accel *parts[PARTS_MAX];
        size_t nparts = 0;
        for (size_t i = 0; i < r->count; i++)
            sp_accel_list_add(parts, &nparts, PARTS_MAX, r->options[i].accel);
        sp_price_providers_line(&b, "prices      : ", parts, nparts, r->request->usd_per_gpu_hour > 0);
    }
    if (r->top > 1) {
        sp_buf_printf(&b, "\ntop layouts on %.0f x %s\n", c->gpus, w->accel->name);
        for (size_t i = 0; i < w->result.top_count && i < r->top; i++) {
            char layout[LAYOUT_MAX];
            layout_text(&w->result.top[i], layout, sizeof layout);
            sp_buf_printf(&b, "  %2zu. %8.3f s  MFU %5.1f%%  %5.1f GB  %s\n", i + 1, w->result.top[i].step.step_time_s,
                          100 * w->result.top[i].step.mfu, w->result.top[i].memory.total_bytes / 1e9, layout);
        }
    }
    return sp_buf_finish(&b, err);
}

/* ---- JSON ---- */

static json_t *plan_json(const sp_train_report *r, const sp_candidate *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "tp", json_integer((json_int_t)c->config.tp));
    json_object_set_new(o, "pp", json_integer((json_int_t)c->config.pp));
    json_object_set_new(o, "dp", json_integer((json_int_t)c->config.dp));
    json_object_set_new(o, "zero", json_integer((json_int_t)c->config.zero));
    json_object_set_new(o, "micro_batch", json_integer((json_int_t)c->config.micro_batch));
    json_object_set_new(o, "global_batch", json_integer((json_int_t)r->request->global_batch));
    json_object_set_new(o, "recompute", json_string(sp_recompute_name(c->config.recompute)));
    json_object_set_new(o, "precision", json_string(sp_precision_name(c->config.precision))); /* fp16 on Volta, Turing */
    json_object_set_new(o, "sequence_parallel", json_boolean(c->config.sequence_parallel));
    json_object_set_new(o, "interleave", json_integer((json_int_t)c->config.interleave));
    json_object_set_new(o, "ep", json_integer((json_int_t)c->config.ep));
    json_object_set_new(o, "cp", json_integer((json_int_t)c->config.cp));
    json_object_set_new(o, "etp", json_integer((json_int_t)c->config.etp));
    if (c->config.tp > 1)
        json_object_set_new(o, "tp_overlap", json_boolean(sp_tp_overlap_applies(&c->config)));
    if (c->config.ep > 1)
        json_object_set_new(o, "ep_overlap", json_boolean(c->step.ep_overlapped));
    if (c->config.eager_modules)
        json_object_set_new(o, "eager_modules", json_true());
    return o;
}

static json_t *candidate_json(const sp_train_report *r, const sp_train_option *opt, const sp_candidate *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "gpu", json_string(opt->accel->name));
    json_object_set_new(o, "gpus", json_integer((json_int_t)c->gpus));
    json_object_set_new(o, "step_time_s", sp_json_round(c->step.step_time_s, 1e6));
    json_object_set_new(o, "tokens_per_s", sp_json_round(c->step.tokens_per_s, 10));
    json_object_set_new(o, "model_tflops_per_gpu", sp_json_round(c->step.model_flops_per_gpu / 1e12, 100));
    json_object_set_new(o, "hardware_tflops_per_gpu", sp_json_round(c->step.hardware_flops_per_gpu / 1e12, 100));
    json_object_set_new(o, "mfu", sp_json_round(c->step.mfu, 1e4));
    json_object_set_new(o, "hfu", sp_json_round(c->step.hfu, 1e4));
    json_object_set_new(o, "memory_per_gpu_bytes", sp_json_count(c->memory.total_bytes));
    json_object_set_new(o, "fits", json_boolean(c->memory.fits));
    json_object_set_new(o, "gpu_hours", sp_json_round(c->gpu_hours, 100));
    json_object_set_new(o, "days", sp_json_round(c->days, 1e4));
    json_object_set_new(o, "steady_state_days", sp_json_round(c->days * r->request->goodput, 1e4));
    json_object_set_new(o, "goodput", sp_json_round(r->request->goodput, 1e4));
    json_object_set_new(o, "usd_per_gpu_hour",
                        r->unpriced || !(c->gpu_hours > 0) ? json_null() : sp_json_round(c->cost_usd / c->gpu_hours, 1e6));
    json_object_set_new(o, "cost_usd", r->unpriced ? json_null() : sp_json_round(c->cost_usd, 100));
    json_object_set_new(o, "meets_deadline_and_budget", json_boolean(meets(r, c)));
    json_object_set_new(o, "meets_deadline", json_boolean(r->deadline_days <= 0 || c->days <= r->deadline_days));
    json_object_set_new(o, "within_budget", json_boolean(r->budget_usd <= 0 || c->cost_usd <= r->budget_usd));
    json_object_set_new(o, "plan", plan_json(r, c));
    json_t *t = json_object();
    json_object_set_new(t, "compute_s", sp_json_round(c->step.compute_s, 1e6));
    json_object_set_new(t, "tp_comm_s", sp_json_round(c->step.tp_comm_s, 1e6));
    json_object_set_new(t, "bubble_s", sp_json_round(c->step.bubble_s, 1e6));
    json_object_set_new(t, "pp_comm_s", sp_json_round(c->step.pp_comm_s, 1e6));
    json_object_set_new(t, "dp_comm_s", sp_json_round(c->step.dp_comm_s, 1e6));
    json_object_set_new(t, "cp_comm_s", sp_json_round(c->step.cp_comm_s, 1e6));
    json_object_set_new(t, "ep_comm_s", sp_json_round(c->step.ep_comm_s, 1e6));
    json_object_set_new(t, "optimizer_s", sp_json_round(c->step.optimizer_s, 1e6));
    json_object_set_new(o, "step_breakdown", t);
    return o;
}

static char *train_json(const sp_train_report *r, sp_error *err)
{
    sp_run_standing standing;
    const sp_train_option *w = winner(r, &standing);
    bool constrained = standing == SP_RUN_MEETS_BOTH;
    json_t *root = json_object();
    json_object_set_new(root, "model", json_string(r->model->name));
    json_object_set_new(root, "params", json_integer((json_int_t)sp_model_params(r->model)));
    json_object_set_new(root, "seq", json_integer((json_int_t)r->request->seq));
    json_object_set_new(root, "global_batch", json_integer((json_int_t)r->request->global_batch));
    json_object_set_new(root, "global_batch_is_default", json_boolean(r->request->global_batch_is_default));
    json_object_set_new(root, "tokens_is_default", json_boolean(r->request->tokens_is_default));
    json_object_set_new(root, "tokens", json_real(r->request->tokens));
    double evaluated = 0;
    for (size_t i = 0; i < r->count; i++)
        evaluated += r->options[i].result.plans_evaluated;
    json_object_set_new(root, "plans_evaluated", json_integer((json_int_t)evaluated));
    json_object_set_new(root, "found", json_boolean(w != NULL));
    if (!w && r->fits_from_gpus > 0 && r->fits_from_accel) {
        json_object_set_new(root, "fits_from_gpus", json_integer((json_int_t)r->fits_from_gpus));
        json_object_set_new(root, "fits_from_gpu", json_string(r->fits_from_accel->name));
    }
    if (w) {
        const sp_candidate *c = &w->result.top[0];
        json_t *best = candidate_json(r, w, c);
        char text[SP_TEXT_MAX * 2];
        json_object_set_new(best, "framework", json_string(sp_train_framework_on(sp_accel_stack(w->accel), &c->config)));
        versions_text(r->rules, sp_accel_stack(w->accel), &c->config, text, sizeof text);
        json_object_set_new(best, "framework_versions", json_string(text));
        why_text(w, text, sizeof text);
        json_object_set_new(best, "why", json_string(text));
        json_object_update(root, best);
        json_decref(best);
        json_object_set_new(root, "meets_constraints", json_boolean(constrained));
        json_object_set_new(root, "deadline_days", r->deadline_days > 0 ? json_real(r->deadline_days) : json_null());
        json_object_set_new(root, "budget_usd", r->budget_usd > 0 ? json_real(r->budget_usd) : json_null());
        json_object_set_new(root, "warning", (r->deadline_days > 0 || r->budget_usd > 0) && !constrained
                                                 ? json_string(unmet_text(r, standing))
                                                 : json_null());
        /* What the missed limits buy, as the text's scale line: null when they are met. */
        double scale_gpus = 0;
        const sp_accel *scale_part = NULL;
        double scale = (r->deadline_days > 0 || r->budget_usd > 0) && !constrained
                           ? scale_tokens(r, &scale_gpus, &scale_part)
                           : 0;
        json_object_set_new(root, "scale",
                            scale > 0 ? json_pack("{s:f, s:I, s:s}", "tokens", scale, "gpus", (json_int_t)scale_gpus,
                                                  "gpu", scale_part ? scale_part->name : "")
                                      : json_null());
        json_t *top = json_array();
        for (size_t i = 0; i < w->result.top_count && i < r->top; i++)
            json_array_append_new(top, candidate_json(r, w, &w->result.top[i]));
        json_object_set_new(root, "top", top);
    }
    const sp_train_option *cheap = r->unpriced ? NULL : cheapest(r);
    json_object_set_new(root, "cheapest", cheap ? candidate_json(r, cheap, &cheap->result.top[0]) : json_null());
    json_t *options = json_array();
    bool *front = NULL;
    sp_candidate *cands = NULL;
    front_of(r, &cands, &front);
    for (size_t i = 0, k = 0; front && i < r->count; i++) {
        if (!r->options[i].result.found)
            continue;
        json_t *o = candidate_json(r, &r->options[i], &r->options[i].result.top[0]);
        json_object_set_new(o, "pareto", json_boolean(front[k++]));
        json_array_append_new(options, o);
    }
    free(front);
    free(cands);
    json_object_set_new(root, "options", options);
    json_t *unfit = json_array();
    for (size_t i = 0; i < r->count; i++)
        if (!r->options[i].result.found)
            json_array_append_new(unfit, json_pack("{s:s, s:I, s:s}", "gpu", r->options[i].accel->name, "gpus",
                                                   (json_int_t)r->options[i].gpus, "reason", unfit_reason(&r->options[i])));
    json_object_set_new(root, "unfit", unfit);
    return sp_json_report(root, err);
}

/* ---- HTML ---- */

enum { CHART_ACCELS = 7 };

/* Days against cost of every option's best layout, the front joined, the winner ringed. */
static char *front_chart(const sp_train_report *r, const sp_train_option *w, sp_error *err)
{
    size_t n = 0;
    double *x = malloc((r->count + 1) * sizeof *x), *y = malloc((r->count + 1) * sizeof *y);
    double *fx = malloc((r->count + 1) * sizeof *fx), *fy = malloc((r->count + 1) * sizeof *fy);
    bool *front = NULL;
    sp_candidate *cands = NULL;
    size_t count = x && y && fx && fy ? front_of(r, &cands, &front) : 0, nf = 0;
    for (size_t i = 0; i < count; i++) {
        x[n] = cands[i].days;
        y[n++] = cands[i].cost_usd / 1e3;
    }
    for (size_t pass = 0; front && pass < count; pass++) { /* the front in order of days */
        size_t next = count;
        for (size_t i = 0; i < count; i++)
            if (front[i] && (nf == 0 || cands[i].days > fx[nf - 1]) && (next == count || cands[i].days < cands[next].days))
                next = i;
        if (next == count)
            break;
        fx[nf] = cands[next].days;
        fy[nf++] = cands[next].cost_usd / 1e3;
    }
    sp_svg_series series[] = {{"best layouts", x, y, n, true}, {"Pareto front", fx, fy, nf, false}};
    sp_svg_xy chart = {"Time against cost: the Pareto front", "days", "cost (thousand USD)", false, false, 0, NULL, 0,
                       NULL, "chosen", w->result.top[0].days, w->result.top[0].cost_usd / 1e3};
    char *svg = x && y && fx && fy && front ? sp_svg_xy_chart(&chart, series, 2, err) : NULL;
    free(x), free(y), free(fx), free(fy), free(front), free(cands);
    return svg;
}

/* Days against GPUs, one line per accelerator (the options share the search request); *cost gets
 * the same against cost. */
static char *scaling_chart(const sp_train_report *r, char **cost, sp_error *err)
{
    const sp_accel *accels[CHART_ACCELS];
    size_t na = 0;
    for (size_t i = 0; i < r->count; i++)
        if (r->options[i].result.found)
            sp_accel_list_add(accels, &na, CHART_ACCELS, r->options[i].accel);
    double *x = malloc((r->count + 1) * CHART_ACCELS * sizeof *x), *y = malloc((r->count + 1) * CHART_ACCELS * sizeof *y);
    sp_svg_series series[CHART_ACCELS];
    size_t used = 0;
    for (size_t k = 0; x && y && k < na; k++) {
        series[k] = (sp_svg_series){accels[k]->name, x + used, y + used, 0, false};
        for (size_t i = 0; i < r->count; i++)
            if (r->options[i].accel == accels[k] && r->options[i].result.found) {
                x[used] = r->options[i].result.top[0].gpus;
                y[used++] = r->options[i].result.top[0].days;
                series[k].count++;
            }
    }
    sp_svg_xy chart = {"GPUs against days", "GPUs", "days", true, true, 0, NULL,
                       r->deadline_days > 0 ? r->deadline_days : 0, "deadline", NULL, 0, 0};
    char *svg = x && y ? sp_svg_xy_chart(&chart, series, na, err) : NULL;
    if (cost && x && y) { /* the same options, priced */
        for (size_t k = 0, used2 = 0; k < na; k++)
            for (size_t i = 0; i < r->count; i++)
                if (r->options[i].accel == accels[k] && r->options[i].result.found)
                    y[used2++] = r->options[i].result.top[0].cost_usd / 1e3;
        sp_svg_xy priced = {"GPUs against cost", "GPUs", "cost (thousand USD)", true, false, 0, NULL,
                            r->budget_usd > 0 ? r->budget_usd / 1e3 : 0, "budget", NULL, 0, 0};
        *cost = sp_svg_xy_chart(&priced, series, na, err);
    }
    free(x), free(y);
    return svg;
}

/* The winner's top layouts, memory per GPU each. */
static char *layouts_chart(const sp_train_report *r, const sp_train_option *w, sp_error *err)
{
    enum { BARS = 6 };
    sp_svg_bar bars[BARS];
    char labels[BARS][16];
    size_t n = 0;
    for (size_t i = 0; i < w->result.top_count && n < BARS; i++, n++) {
        snprintf(labels[n], sizeof labels[n], "#%zu", i + 1);
        bars[n] = sp_memory_bar(labels[n], &w->result.top[i].memory);
    }
    char title[SP_TEXT_MAX];
    snprintf(title, sizeof title, "Memory per GPU of the top layouts on %.0f x %s", w->result.top[0].gpus, w->accel->name);
    (void)r;
    return sp_chart_memory(title, bars, n, w->accel->memory_bytes, err);
}

static char *train_html(const sp_train_report *r, sp_error *err)
{
    sp_run_standing standing;
    const sp_train_option *w = winner(r, &standing);
    char title[SP_TEXT_MAX];
    snprintf(title, sizeof title, "Training %s", r->model->name);
    char *charts[5] = {NULL, NULL, NULL, NULL, NULL};
    if (w) {
        charts[0] = r->unpriced ? NULL : front_chart(r, w, err); /* no cost axis without a price */
        charts[1] = scaling_chart(r, r->unpriced ? NULL : &charts[2], err);
        charts[3] = sp_chart_step("Where the chosen layout's step goes", &w->result.top[0].step, err);
        charts[4] = layouts_chart(r, w, err);
    }
    return sp_html_finish(title, train_text(r, err), train_json(r, err), charts, 5, err);
}

char *sp_render_train(const sp_train_report *report, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_HTML)
        return train_html(report, err);
    if (format == SP_FORMAT_PROFILE) { /* a launch input, not a report: sp_train_profile writes it */
        sp_fail(err, SP_ERR_INTERNAL, "", 0, 0, "format", "a train report renders as text, json or html");
        return NULL;
    }
    return format == SP_FORMAT_JSON ? train_json(report, err) : train_text(report, err);
}
