/* fleet.c - the serving fleet: every tensor-parallel split of a replica, the best one kept. */
#include "search_internal.h"

#include <math.h>
#include <string.h>

static bool fits_whole_memory(const sp_model *model, const sp_accel *accel, const sp_serve_config *config,
                              const sp_memory_constants *memory, const sp_perf_constants *perf)
{
    sp_serve_config whole = *config;
    whole.gpu_memory_utilization = 1;
    whole.percentile = 0; /* fitting is the question, not the load */
    sp_serve_result r;
    sp_error ignored;
    return sp_serve_plan(model, accel, &whole, memory, perf, &r, &ignored) == SP_OK && r.fits;
}

/* Whether the fleet serves the request rate at the utilization the user allows (always, without a
 * rate; the replica count follows the rate unless --replicas pins it). */
static bool carries_rate(const sp_serve_config *c, const sp_serve_result *r)
{
    return !(c->qps > 0) || r->utilization <= (c->max_utilization > 0 ? c->max_utilization : 1.0) + 1e-9;
}

/* Whether fleet r beats fleet out: carrying the rate first (with the replica count pinned, a split
 * too small for the load would queue without bound; of two that both fall short, the one serving
 * more of it), then meeting the targets, then the cheapest fleet an hour, then cost per token (cost
 * per token first where no rate is asked but a run or a closed loop is). */
static bool better_fleet(const sp_serve_config *config, const sp_serve_result *r, const sp_serve_result *out)
{
    bool carries = carries_rate(config, r), carried = carries_rate(config, out);
    if (carries != carried)
        return carries;
    if (!carries && r->utilization != out->utilization)
        return r->utilization < out->utilization;
    if (r->meets_targets != out->meets_targets)
        return r->meets_targets;
    /* An offline run (--requests) or a closed loop of clients (--concurrency) has no rate to carry:
     * what it costs is the price of the tokens it serves, and a wider split that finishes sooner
     * can cost less in all (a 70B run of 10,000 requests: tp 4 a third of tp 2's bill). */
    bool per_token = !(config->qps > 0) && (config->requests > 0 || config->concurrency > 0);
    /* A closed loop's clients past the batch wait a whole wave for their first token (70B, 64
     * clients: tp 2 holds 55, and 9 wait 15 s for 3% off the bill): a split that holds the loop in
     * one wave comes first. */
    if (config->concurrency > 0 && !(config->qps > 0)) {
        bool holds = r->batch >= config->concurrency, held = out->batch >= config->concurrency;
        if (holds != held)
            return holds;
    }
    if (per_token && r->usd_per_million_output_tokens != out->usd_per_million_output_tokens)
        return r->usd_per_million_output_tokens < out->usd_per_million_output_tokens;
    /* The price an hour orders fleets as their GPUs do at one rate a GPU (the smallest split for one
     * replica); where a part is rented 1, 4 or 8 to an instance the fewest GPUs need not be the
     * cheapest: tp-8 replicas of L40S pay $3.77 a GPU, tp-4 ones $2.62, and a tp-2 replica pays for
     * the 4-GPU instance a tp-4 one fills. */
    double cost = r->fleet_usd_per_hour, other = out->fleet_usd_per_hour;
    return cost < other || (cost == other && r->usd_per_million_output_tokens < out->usd_per_million_output_tokens);
}

/* The fastest a request alone goes over the splits tried, a token and to its first token, and the
 * split that goes fastest a token. */
typedef struct {
    double tp, tpot_s, ttft_s;
} nearest_split;

/* Split r's figures into n where they are the fastest yet: the simulated lone figures, else the
 * steady state's nearest batch (one sequence, when the targets are missed). */
static void note_nearest(const sp_serve_result *r, nearest_split *n)
{
    double tpot = r->simulated ? fmax(r->tpot_s, r->lone_tpot_s) : r->tpot_s;
    double ttft = r->simulated ? fmax(r->ttft_s, r->lone_ttft_s) : r->ttft_s;
    if (n->tp == 0 || tpot < n->tpot_s) {
        n->tp = r->tp;
        n->tpot_s = tpot;
    }
    if (n->ttft_s == 0 || ttft < n->ttft_s)
        n->ttft_s = ttft;
}

static void keep_nearest(const nearest_split *n, sp_serve_result *out)
{
    out->nearest_tp = n->tp;
    out->nearest_tpot_s = n->tpot_s;
    out->nearest_ttft_s = n->ttft_s;
}

static sp_status plan_once(const sp_model *model, const sp_accel *accel, const sp_serve_config *config,
                           const sp_memory_constants *memory, const sp_perf_constants *perf, sp_serve_result *out,
                           sp_error *err)
{
    nearest_split nearest = {0};
    if (config->tp > 0) {
        sp_status pinned = sp_serve_estimate(model, accel, config, memory, perf, out, err);
        if (pinned == SP_OK && out->fits) {
            note_nearest(out, &nearest);
            keep_nearest(&nearest, out);
        }
        return pinned;
    }
    sp_status s = sp_serve_config_check(model, config, err);
    if (s != SP_OK)
        return s;
    bool have = false;
    memset(out, 0, sizeof *out);
    sp_serve_result token; /* the split inside a node that serves a token for least */
    memset(&token, 0, sizeof token);
    /* A node's tensor-parallel splits first; then, when none fits, the widest of them with pipeline
     * stages across nodes (vLLM's multi-node recipe: TP inside a node, PP across), up to 8 nodes. */
    double widest = 1;
    bool heads_split = sp_serve_splits_heads(config);
    for (double tp = 1; tp <= accel->per_node && (tp <= model->heads || !heads_split); tp++)
        if (sp_serve_tp_splits_model(model, config, tp) && (!config->expert_parallel || sp_divides(tp, model->experts)))
            widest = tp;
    bool multi_node = accel->inter_node_bytes_per_s > 0 && !config->expert_parallel && config->pp <= 1;
    double last = widest + (multi_node ? 7 : 0);
    for (double step = 1; step <= last; step++) {
        double tp = step <= widest ? step : widest, pp = step <= widest ? 1 : step - widest + 1;
        /* Stages across nodes only when nothing inside one fits, and no more of them than the
         * targets need. */
        if (pp > 1 && have && (out->pp <= 1 || out->meets_targets))
            break;
        /* Tensor parallelism splits heads; expert parallelism over the same GPUs splits experts. */
        if (!sp_serve_tp_splits_model(model, config, tp) || (config->expert_parallel && !sp_divides(tp, model->experts)) ||
            pp > model->layers)
            continue;
        sp_serve_config c = *config;
        c.tp = tp;
        if (pp > 1)
            c.pp = pp;
        /* A pinned pipeline over a node's widest split can pass the node on a part without a
         * network between nodes: that split is no candidate, the narrower ones still are. */
        if (c.tp * fmax(1.0, c.pp) > accel->per_node && !(accel->inter_node_bytes_per_s > 0))
            continue;
        sp_serve_result r;
        if (sp_serve_estimate(model, accel, &c, memory, perf, &r, err) != SP_OK)
            return SP_ERR_INPUT;
        if (!r.fits)
            continue;
        note_nearest(&r, &nearest);
        if (!have || better_fleet(config, &r, out)) {
            *out = r;
            have = true;
        }
        if (pp <= 1 && (token.tp == 0 || r.usd_per_million_output_tokens < token.usd_per_million_output_tokens))
            token = r;
    }
    if (have)
        keep_nearest(&nearest, out);
    /* One replica and no rate: the fewest GPUs win, and a wider split that is cheaper a token is
     * said (DeepSeek-V3 on B200: tp 4 holds 65 sequences, tp 8 serves a token for a third the price). */
    bool one_replica = !(config->qps > 0) && config->replicas <= 0 && config->concurrency <= 0 && config->requests <= 0;
    if (have && one_replica && token.tp > out->tp &&
        token.usd_per_million_output_tokens < (1.0 - perf->search_tie_tolerance) * out->usd_per_million_output_tokens) {
        out->token_tp = token.tp;
        out->token_usd_per_million_output_tokens = token.usd_per_million_output_tokens;
    }
    /* Expert parallelism across nodes when no node holds the model (DeepSeek-V3 in fp8 on H100):
     * the experts over 2 to 8 nodes' GPUs, their all-to-all partly over the NICs; attention data
     * parallel on each GPU, or tensor-parallel when its heads divide as well. The fewest nodes that
     * fit. */
    bool ep_nodes = config->expert_parallel && accel->inter_node_bytes_per_s > 0 && config->pp <= 1;
    for (double nodes = 2; !have && ep_nodes && nodes <= 8; nodes++) {
        double tp = accel->per_node * nodes;
        if (!sp_divides(tp, model->experts) || !sp_serve_tp_splits_model(model, config, tp))
            continue;
        sp_serve_config c = *config;
        c.tp = tp;
        sp_serve_result r;
        if (sp_serve_estimate(model, accel, &c, memory, perf, &r, err) != SP_OK)
            return SP_ERR_INPUT;
        if (r.fits) {
            *out = r;
            have = true;
        }
    }
    /* When the whole memory would hold it, the share the engine is given is what does not fit: the
     * user's pin (bad input, as a pinned --batch), not a model no replica holds. */
    if (!have && config->gpu_memory_utilization > 0 && config->gpu_memory_utilization < 1 &&
        fits_whole_memory(model, accel, config, memory, perf))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpu-memory-utilization",
                       "%s does not fit %g%% of %s's memory even split %g ways%s: a larger share or accelerator",
                       model->name, config->gpu_memory_utilization * 100, accel->name,
                       multi_node ? widest * 8 : accel->per_node, multi_node ? " over 8 nodes" : "");
    /* A pinned batch that holds at a smaller size is the batch's fault, not the part's. */
    if (!have && config->batch > 0) {
        sp_serve_config one = *config;
        one.batch = 1;
        if (fits_whole_memory(model, accel, &one, memory, perf))
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "batch",
                           "%g sequences of %g tokens do not fit %s even split %g ways%s: a smaller --batch",
                           config->batch, config->prompt_tokens + config->output_tokens, accel->name,
                           multi_node ? widest * 8 : accel->per_node, multi_node ? " over 8 nodes" : "");
    }
    if (!have)
        return sp_fail(err, SP_ERR_NO_PLAN, "", 0, 0, "gpu",
                       "%s does not fit %s even split %g ways%s: a larger accelerator or a smaller dtype", model->name,
                       accel->name, multi_node ? widest * 8 : accel->per_node,
                       multi_node ? " over 8 nodes" : "");
    return SP_OK;
}

/* Whether a fleet sized for widened targets misses one of the widened ones (at the percentile when
 * simulated, else the steady state's), which a wider try may meet. */
static bool misses_widened(const sp_serve_config *goal, const sp_serve_result *r, bool tpot_widened, bool ttft_widened)
{
    double p = goal->percentile;
    double tpot = r->simulated ? sp_latency_at(&r->tpot_load_s, p) : r->tpot_s;
    double ttft = r->simulated ? sp_latency_at(&r->ttft_load_s, p) : r->ttft_s;
    return (tpot_widened && tpot > goal->tpot_s) || (ttft_widened && ttft > goal->ttft_s);
}

/* A target no split meets: under a percentile, one under what a request alone takes (binding
 * "unreachable"); in the steady state, one no batch meets, where the batch taken is the
 * lowest-latency one, 1 sequence, whose replicas the rate multiplies (a 70B at 5 ms a token: 49
 * tp-2 replicas). The fleet is sized again for the nearest targets in reach, serve_reach_margin
 * (perf.yaml) x what a request alone takes on the fastest split: a larger batch, and replicas until
 * those hold (at the percentile when one is given). The answer still misses the user's targets and
 * says what it was sized for. */
static sp_status plan_reach(const sp_model *model, const sp_accel *accel, const sp_serve_config *config,
                            const sp_memory_constants *memory, const sp_perf_constants *perf, sp_serve_result *out,
                            sp_error *err)
{
    sp_status s = plan_once(model, accel, config, memory, perf, out, err);
    if (s != SP_OK || !out->fits)
        return s;
    bool unreachable = out->simulated && !strcmp(out->binding, "unreachable");
    /* The steady state under a rate, its batch and replicas left to the search. */
    bool steady_missed = !out->simulated && !out->meets_targets && config->qps > 0 && config->batch <= 0 &&
                         config->concurrency <= 0 && config->requests <= 0 && config->replicas <= 0;
    if (!unreachable && !steady_missed)
        return s;
    bool tpot_out = config->tpot_s > 0 && out->nearest_tpot_s > config->tpot_s;
    /* Drawn prompts: the lone first token at the percentile's prompt length, not the mean's. */
    double lone_ttft = sp_serve_lone_ttft_at_percentile(config, out);
    double ttft_now = out->simulated ? sp_latency_at(&out->ttft_load_s, config->percentile) : out->ttft_s;
    bool ttft_out = config->ttft_s > 0 && lone_ttft > config->ttft_s && ttft_now > config->ttft_s;
    if (!tpot_out && !ttft_out)
        return s;
    nearest_split nearest = {out->nearest_tp, out->nearest_tpot_s, out->nearest_ttft_s}; /* what the answer names */
    /* The margin first; where queueing at the percentile keeps even that out of reach within the
     * replica ceiling, wider by serve_reach_widen a try (perf.yaml), so the answer is sized for
     * targets it meets, or says it met none of them. */
    sp_serve_result first, again;
    int sized = 0;
    for (int i = 0; i < perf->serve_reach_tries; i++) {
        double margin = perf->serve_reach_margin * pow(perf->serve_reach_widen, i);
        sp_serve_config goal = *config;
        goal.tpot_s = tpot_out ? margin * nearest.tpot_s : config->tpot_s;
        goal.ttft_s = ttft_out ? margin * lone_ttft : config->ttft_s;
        if (plan_once(model, accel, &goal, memory, perf, &again, err) != SP_OK || !again.fits)
            break;
        again.reach_tpot_s = tpot_out ? goal.tpot_s : 0;
        again.reach_ttft_s = ttft_out ? goal.ttft_s : 0;
        if (sized++ == 0)
            first = again;
        /* Met, or missed only on a target that is not widened: no wider try helps. */
        if (again.meets_targets || !misses_widened(&goal, &again, tpot_out, ttft_out))
            break;
    }
    if (!sized)
        return SP_OK; /* the first answer stands */
    /* None met: the fleet for the nearest targets, which says so. */
    *out = again.meets_targets ? again : first;
    out->reach_met = out->meets_targets;
    out->reach_tries = sized;
    keep_nearest(&nearest, out);
    out->meets_targets = false;
    out->binding = "unreachable";
    return SP_OK;
}

/* A pinned tensor-parallel split on a dense model: the fleet the search takes with the split left
 * open, kept for the report when it comes first in better_fleet's order (a user who pinned --tp 16
 * for an 8B learns that tp 1 serves the rate on fewer GPUs). The replica count, when pinned, and
 * the pipeline, when pinned past one stage, stay the user's. */
static void open_split(const sp_model *model, const sp_accel *accel, const sp_serve_config *config,
                       const sp_memory_constants *memory, const sp_perf_constants *perf, sp_serve_result *out)
{
    /* A closed loop or an offline run has no rate to carry: fewer GPUs would win by default. */
    if (!(config->tp > 0) || config->pp > 1 || config->replicas > 0 || config->concurrency > 0 || config->requests > 0 ||
        model->experts > 1 || !out->fits)
        return;
    sp_serve_config open = *config;
    open.tp = 0;
    open.pp = 0;
    sp_serve_result r;
    sp_error ignored;
    if (plan_reach(model, accel, &open, memory, perf, &r, &ignored) != SP_OK || !r.fits ||
        (r.tp == out->tp && fmax(1.0, r.pp) == fmax(1.0, out->pp)) || !better_fleet(config, &r, out))
        return;
    out->open_tp = r.tp;
    out->open_pp = fmax(1.0, r.pp);
    out->open_gpus = r.gpus;
    out->open_usd_per_million_output_tokens = r.usd_per_million_output_tokens;
    out->open_usd_per_hour = r.fleet_usd_per_hour;
}

/* One way to split an MoE's replica, sized. */
typedef struct {
    sp_serve_result r;
    bool fits;
} moe_split;

static void size_split(const sp_model *model, const sp_accel *accel, const sp_serve_config *config, bool ep, bool dp,
                       const sp_memory_constants *memory, const sp_perf_constants *perf, moe_split *out)
{
    sp_serve_config c = *config;
    c.expert_parallel = ep;
    c.attention_dp = dp;
    sp_error ignored;
    /* Experts "split" over one GPU are the tensor-parallel replica itself: no alternative. */
    out->fits = plan_reach(model, accel, &c, memory, perf, &out->r, &ignored) == SP_OK && out->r.fits &&
                (!ep || out->r.tp * fmax(1.0, out->r.pp) > 1);
    out->r.expert_parallel = ep;
    out->r.attention_dp = dp;
}

/* An MoE whose parallelism was not given is sized three ways over the same GPUs: tensor-parallel
 * experts, experts split whole with tensor-parallel attention (vLLM's --enable-expert-parallel), and
 * experts split whole with data-parallel attention (vLLM's --data-parallel-size, SGLang's
 * --enable-dp-attention: each rank keeps its own sequences' cache, where tensor parallelism copies
 * MLA's single latent head to every rank); better_fleet's order picks, the runner-up is kept. */
sp_status sp_serve_plan(const sp_model *model, const sp_accel *accel, const sp_serve_config *config,
                        const sp_memory_constants *memory, const sp_perf_constants *perf,
                        sp_serve_result *out, sp_error *err)
{
    sp_status s = plan_reach(model, accel, config, memory, perf, out, err);
    if (s == SP_OK) {
        out->expert_parallel = config->expert_parallel;
        out->attention_dp = config->expert_parallel && config->attention_dp;
        open_split(model, accel, config, memory, perf, out);
    }
    /* Three ways when the split is open; the attention's two when only expert parallelism is pinned. */
    bool every_split = config->parallelism_searched && !config->expert_parallel;
    bool attention_only = config->attention_searched && config->expert_parallel && !config->attention_dp;
    if (!(every_split || attention_only) || model->experts <= 1 || config->pp > 1)
        return s;
    moe_split splits[3];
    int n = 0;
    splits[n].r = *out;
    splits[n++].fits = s == SP_OK && out->fits;
    if (every_split)
        size_split(model, accel, config, true, false, memory, perf, &splits[n++]);
    size_split(model, accel, config, true, true, memory, perf, &splits[n++]);
    int best = -1, second = -1;
    for (int i = 0; i < n; i++) {
        if (!splits[i].fits)
            continue;
        if (best < 0 || better_fleet(config, &splits[i].r, &splits[best].r)) {
            second = best;
            best = i;
        } else if (second < 0 || better_fleet(config, &splits[i].r, &splits[second].r))
            second = i;
    }
    if (best < 0)
        return s; /* the tensor-parallel answer's own error or misfit */
    sp_serve_result kept = splits[best].r;
    if (second >= 0) {
        const sp_serve_result *other = &splits[second].r;
        kept.other_usd_per_million_output_tokens = carries_rate(config, other) ? other->usd_per_million_output_tokens : 0;
        kept.other_gpus = other->gpus;
        kept.other_usd_per_hour = other->fleet_usd_per_hour;
        kept.other_meets_targets = other->meets_targets;
        kept.other_expert_parallel = other->expert_parallel;
        kept.other_attention_dp = other->attention_dp;
    }
    *out = kept;
    return SP_OK;
}
