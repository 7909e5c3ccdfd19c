/* report_serve.c - a serving plan as text or JSON, with the engine's launch line. */
#include "report_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A replica's split as the engine runs it: "tp 4", "tp 8 x pp 2", and for MoE replicas whose experts
 * are split whole "ep 8 x dp 8" (data-parallel attention: vLLM --data-parallel-size) or "ep 8, tp
 * attention" (--enable-expert-parallel over a tensor-parallel group). */
void sp_serve_split_text(const sp_serve_result *s, char *buf, size_t size)
{
    if (s->expert_parallel && s->attention_dp)
        snprintf(buf, size, "ep %g x dp %g", s->tp, s->tp);
    else if (s->expert_parallel)
        snprintf(buf, size, "ep %g, tp attention", s->tp);
    else if (s->pp > 1)
        snprintf(buf, size, "tp %g x pp %g", s->tp, s->pp);
    else
        snprintf(buf, size, "tp %g", s->tp);
}

/* The targets a simulated load is held to, as the user gave them (or the rules' default). */
/* What an out-of-reach target was replaced by when the fleet was sized (fleet.c's plan_reach):
 * margin (perf.yaml serve_reach_margin) x what a request alone takes on the fastest split. */
static const char *reach_text(const sp_serve_config *c, const sp_serve_result *s, const sp_perf_constants *perf,
                              char *out, size_t n)
{
    size_t len = 0;
    double lone_ttft = sp_serve_lone_ttft_at_percentile(c, s);
    if (s->reach_ttft_s > 0)
        len += (size_t)snprintf(out, n, "first tokens within %.1f ms (%.4g x %.1f%s)", 1e3 * s->reach_ttft_s,
                                s->reach_ttft_s / lone_ttft, 1e3 * lone_ttft,
                                lone_ttft > s->nearest_ttft_s ? ", a request alone at the percentile's prompt" : "");
    if (s->reach_tpot_s > 0 && len < n)
        len += (size_t)snprintf(out + len, n - len, "%stokens within %.1f ms (%.4g x %.1f)", len ? " and " : "",
                                1e3 * s->reach_tpot_s, s->reach_tpot_s / s->nearest_tpot_s, 1e3 * s->nearest_tpot_s);
    /* Queueing at the percentile can keep even those out of reach within the replica ceiling. */
    if (!s->reach_met && len < n)
        snprintf(out + len, n - len, ", yet the fleet shown still misses a target (the percentiles above; %g "
                                     "tr%s, up to %.3g x a request alone, held none): a larger split, a faster "
                                     "part or a looser target",
                 s->reach_tries, s->reach_tries == 1 ? "y" : "ies",
                 perf->serve_reach_margin * pow(perf->serve_reach_widen, s->reach_tries - 1));
    return out;
}

/* The fastest a request alone goes, and on which split: what no fleet gets under. */
static const char *nearest_text(const sp_serve_config *c, const sp_serve_result *s, char *out, size_t n)
{
    snprintf(out, n,
             "a request alone takes at best %.1f ms a token and %.1f ms to its first token (tp %g%s, %s weights), "
             "which a faster part or --weight-dtype changes",
             1e3 * s->nearest_tpot_s, 1e3 * s->nearest_ttft_s, s->nearest_tp,
             c->tp > 0 ? ", pinned" : ", the fastest split", sp_dtype_name(c->weight_dtype));
    return out;
}

static const char *targets_text(const sp_serve_config *c, char *out, size_t size)
{
    if (c->ttft_is_default && c->tpot_is_default && !c->ttft_default_dropped) {
        snprintf(out, size, "the defaults, MLPerf's server bounds: first token %g ms, per token %g ms", 1e3 * c->ttft_s,
                 1e3 * c->tpot_s);
        return out;
    }
    if (!(c->ttft_s > 0) && !(c->tpot_s > 0) && !c->ttft_default_dropped) {
        snprintf(out, size, "none (--ttft-ms and --tpot-ms set them)");
        return out;
    }
    char per[64] = "";
    if (c->tpot_s > 0)
        snprintf(per, sizeof per, "per token %g ms%s", 1e3 * c->tpot_s, c->tpot_is_default ? " by default" : "");
    if (c->ttft_s > 0)
        snprintf(out, size, "first token %g ms%s%s%s", 1e3 * c->ttft_s, c->ttft_is_default ? " by default" : "",
                 per[0] ? ", " : "", per);
    else
        snprintf(out, size, "%s%sno first-token target: %s", per, per[0] ? "; " : "",
                 c->ttft_default_dropped ? "the default is below a request's own prefill, --ttft-ms sets one"
                                         : "--ttft-ms sets one");
    return out;
}

/* "draft model NAME, N B parameters" into buf. */
static const char *draft_label(const sp_serve_config *c, char *buf, size_t size)
{
    snprintf(buf, size, "draft model %s, %.2f B parameters", c->spec_draft_model, c->spec_draft_params / 1e9);
    return buf;
}

/* What a price multiplies, known with or without one: the fleet's GPU-hours a million output tokens
 * it serves at the load, capped at its capacity (past it the fleet serves what it can); 0 when it
 * serves none. */
static double gpu_hours_per_million_output_tokens(const sp_serve_config *c, const sp_serve_result *s)
{
    double capacity = s->replicas * s->requests_per_s;
    double served = fmin(c->qps > 0 ? c->qps : capacity, capacity);
    double million_an_hour = served * c->output_tokens * 3600.0 / 1e6;
    return million_an_hour > 0 ? s->gpus / million_an_hour : 0.0;
}

/* A rate in whole units, or three figures under 100 (a 405B on L4s serves 0.36 tokens/s a GPU, not 0). */
static void rate_text(double per_s, char *buf, size_t size)
{
    if (per_s >= 100)
        snprintf(buf, size, "%.0f", per_s);
    else
        snprintf(buf, size, "%.3g", per_s);
}

/* The first token and a token's time one part's fleet gives, as its targets are judged: at the
 * percentile when simulated, a closed loop's averages over its waves (the queue included), else
 * the steady state's averages. */
static void part_latency(const sp_serve_alternative *p, double *ttft_s, double *tpot_s)
{
    const sp_serve_result *s = p->result;
    bool loop = p->config->concurrency > 0;
    *ttft_s = s->simulated ? sp_latency_at(&s->ttft_load_s, p->config->percentile) : loop ? s->ttft_s_mean : s->ttft_s;
    *tpot_s = s->simulated ? sp_latency_at(&s->tpot_load_s, p->config->percentile) : loop ? s->tpot_s_mean : s->tpot_s;
}

/* Catalog prices from more than one provider rank the parts partly by where each was priced:
 * say so, with each part's provider (accelerators.yaml price_provider). */
static void providers_text(sp_buf *b, const sp_serve_report *r)
{
    const char *first = NULL;
    bool mixed = false;
    for (size_t i = 0; i < r->compared_count; i++) {
        const sp_serve_alternative *p = &r->compared[i];
        if (!p->result || p->unpriced || !p->config->usd_from_catalog || !p->accel->price_provider[0])
            continue;
        mixed = mixed || (first && strcmp(first, p->accel->price_provider) != 0);
        if (!first)
            first = p->accel->price_provider;
    }
    if (!mixed)
        return;
    sp_buf_printf(b, "prices      : the catalog's, from different providers (");
    const char *sep = "";
    for (size_t i = 0; i < r->compared_count; i++) {
        const sp_serve_alternative *p = &r->compared[i];
        if (!p->result || p->unpriced || !p->config->usd_from_catalog || !p->accel->price_provider[0])
            continue;
        sp_buf_printf(b, "%s%s %s", sep, p->accel->name, p->accel->price_provider);
        sep = ", ";
    }
    sp_buf_printf(b, "): part of a gap in price is the provider's, not the part's\n");
}

/* Several --gpu parts: a row each, the reported one starred (cmd_serve's order: a fleet at all, the
 * targets met, priced, the least an hour, then a token). */
static void compared_text(sp_buf *b, const sp_serve_report *r)
{
    if (r->compared_count == 0)
        return;
    bool simulated = r->config->percentile > 0 && r->config->qps > 0;
    char latency[48];
    if (simulated)
        snprintf(latency, sizeof latency, "p%g first / a token", r->config->percentile);
    else if (r->config->concurrency > 0)
        snprintf(latency, sizeof latency, "mean first / a token");
    else
        snprintf(latency, sizeof latency, "first token / a token");
    /* At a rate, the input and output prices at that load, as APIs bill them: one output figure alone
     * would rank parts by how each splits its hour between prefill and decode. */
    bool at_load = r->config->qps > 0;
    sp_buf_printf(b, "compared    : %zu parts (--gpu); * the one above: meeting what was asked, then the least %s\n"
                     "              %-20s %-12s %8s %6s %10s %15s  %-22s %s\n",
                  r->compared_count, at_load ? "an hour at the rate" : "a million output tokens", "gpu",
                  "split", "replicas", "GPUs", "$/hour", at_load ? "$/M in / out" : "$/M output", latency, "targets");
    for (size_t i = 0; i < r->compared_count; i++) {
        const sp_serve_alternative *p = &r->compared[i];
        const char *mark = p->accel == r->accel ? "*" : " ";
        if (!p->result) {
            sp_buf_printf(b, "            %s %-20s no fleet: %s\n", mark, p->accel->name, p->reason);
            continue;
        }
        const sp_serve_result *s = p->result;
        char split[32], hour[24] = "-", token[40] = "-", times[48];
        sp_serve_split_text(s, split, sizeof split);
        if (!p->unpriced) {
            snprintf(hour, sizeof hour, "%.2f", s->fleet_usd_per_hour);
            if (at_load && s->usd_per_million_output_tokens_at_load > 0)
                snprintf(token, sizeof token, "%.3f / %.3f", s->usd_per_million_input_tokens,
                         s->usd_per_million_output_tokens_at_load);
            else
                snprintf(token, sizeof token, "%.3f", sp_serve_usd_per_million_output(s));
        }
        double ttft_s, tpot_s;
        part_latency(p, &ttft_s, &tpot_s);
        snprintf(times, sizeof times, "%.0f ms / %.1f ms", 1e3 * ttft_s, 1e3 * tpot_s);
        sp_buf_printf(b, "            %s %-20s %-12s %8g %6g %10s %15s  %-22s %s\n", mark, p->accel->name, split,
                      s->replicas, s->gpus, hour, token, times, p->unmet ? "NOT met" : "met");
    }
    providers_text(b, r);
}

/* The latencies under load, as serve --format json and a plan's "serving" give them: under a rate
 * the simulation's percentiles, under a closed loop the wave's (the means are the loop's own); with
 * --percentile the values the verdict read there and the target that set the replica count. */
void sp_serve_load_json(json_t *o, const sp_serve_config *c, const sp_serve_result *s)
{
    if (s->simulated || c->concurrency > 0) {
        const sp_latency *l[] = {&s->ttft_load_s, &s->tpot_load_s, &s->e2e_load_s};
        const char *names[] = {"ttft_s", "tpot_s", "e2e_s"};
        for (size_t i = 0; i < 3; i++) {
            const double values[] = {l[i]->mean, l[i]->p50, l[i]->p90, l[i]->p95, l[i]->p99};
            const char *suffix[] = {"mean", "p50", "p90", "p95", "p99"};
            for (size_t k = 0; k < 5; k++) {
                char key[32];
                snprintf(key, sizeof key, "%s_%s", names[i], suffix[k]);
                json_object_set_new(o, key, sp_json_round(values[k], 1e6));
            }
        }
    }
    if (!s->simulated)
        return;
    json_object_set_new(o, "percentile", json_real(c->percentile));
    /* The values the verdict read, at the percentile asked (one of the pNN above, or its own rank). */
    json_object_set_new(o, "ttft_s_at_percentile", sp_json_round(sp_latency_at(&s->ttft_load_s, c->percentile), 1e6));
    json_object_set_new(o, "tpot_s_at_percentile", sp_json_round(sp_latency_at(&s->tpot_load_s, c->percentile), 1e6));
    json_object_set_new(o, "e2e_s_at_percentile", sp_json_round(sp_latency_at(&s->e2e_load_s, c->percentile), 1e6));
    json_object_set_new(o, "binding", json_string(s->binding));
    /* The counts behind it: what the rate needs, what holds the targets, before instances are filled. */
    json_object_set_new(o, "rate_replicas", json_real(s->rate_replicas));
    json_object_set_new(o, "target_replicas", json_real(s->target_replicas));
}

/* The same rows as JSON: null for one part. */
static json_t *compared_json(const sp_serve_report *r)
{
    if (r->compared_count == 0)
        return json_null();
    json_t *list = json_array();
    for (size_t i = 0; i < r->compared_count; i++) {
        const sp_serve_alternative *p = &r->compared[i];
        const sp_serve_result *s = p->result;
        json_t *o = json_object();
        json_object_set_new(o, "gpu", json_string(p->accel->name));
        json_object_set_new(o, "reported", json_boolean(p->accel == r->accel));
        json_object_set_new(o, "fits", json_boolean(s != NULL));
        json_object_set_new(o, "reason", s ? json_null() : json_string(p->reason));
        double ttft_s = 0, tpot_s = 0;
        if (s)
            part_latency(p, &ttft_s, &tpot_s);
        json_object_set_new(o, "tp", s ? json_integer((json_int_t)s->tp) : json_null());
        json_object_set_new(o, "pp", s ? json_integer((json_int_t)fmax(1.0, s->pp)) : json_null());
        json_object_set_new(o, "expert_parallel", s ? json_boolean(s->expert_parallel) : json_null());
        json_object_set_new(o, "attention_dp", s ? json_boolean(s->expert_parallel && s->attention_dp) : json_null());
        json_object_set_new(o, "replicas", s ? json_integer((json_int_t)s->replicas) : json_null());
        json_object_set_new(o, "gpus", s ? json_integer((json_int_t)s->gpus) : json_null());
        json_object_set_new(o, "usd_per_hour",
                            s && !p->unpriced ? sp_json_round(s->fleet_usd_per_hour, 1e4) : json_null());
        /* The keys mean what the top level's mean: at full capacity, and at the load asked (null without one). */
        json_object_set_new(o, "usd_per_million_output_tokens",
                            s && !p->unpriced ? sp_json_round(s->usd_per_million_output_tokens, 1e4) : json_null());
        json_object_set_new(o, "usd_per_million_output_tokens_at_load",
                            s && !p->unpriced && s->usd_per_million_output_tokens_at_load > 0
                                ? sp_json_round(s->usd_per_million_output_tokens_at_load, 1e4)
                                : json_null());
        json_object_set_new(o, "usd_per_million_input_tokens",
                            s && !p->unpriced && s->usd_per_million_output_tokens_at_load > 0
                                ? sp_json_round(s->usd_per_million_input_tokens, 1e4)
                                : json_null());
        json_object_set_new(o, "price_provider", s && !p->unpriced && p->config->usd_from_catalog && p->accel->price_provider[0]
                                                     ? json_string(p->accel->price_provider)
                                                     : json_null());
        json_object_set_new(o, "ttft_s", s ? sp_json_round(ttft_s, 1e6) : json_null());
        json_object_set_new(o, "tpot_s", s ? sp_json_round(tpot_s, 1e6) : json_null());
        json_object_set_new(o, "meets", s ? json_boolean(!p->unmet) : json_null());
        json_array_append_new(list, o);
    }
    return list;
}


/* Why capacity set the replica count: the rate alone, or the rate held to --max-utilization, or
 * the whole instances an offer with no single GPU rents (the replicas that fill them). */
static const char *capacity_reason(const sp_serve_config *c, const sp_serve_result *s, char *buf, size_t size)
{
    double rate_alone = s->rate_replicas, capped = s->capped_replicas; /* as size_fleet counted them */
    if (s->replicas <= rate_alone)
        snprintf(buf, size, "capacity (the rate alone)");
    else if (s->replicas <= capped)
        snprintf(buf, size, "capacity held to --max-utilization %g (the rate alone needs %g)", c->max_utilization,
                 rate_alone);
    else if (capped > rate_alone)
        snprintf(buf, size, "the whole instances they take, filled (the rate alone needs %g, %g at --max-utilization %g)",
                 rate_alone, capped, c->max_utilization);
    else
        snprintf(buf, size, "the whole instances they take, filled (the rate alone needs %g)", rate_alone);
    return buf;
}
static char *serve_text(const sp_serve_report *r, sp_error *err)
{
    const sp_serve_config *c = r->config;
    const sp_serve_result *s = r->result;
    const char *reason = "";
    sp_engine engine = sp_serve_engine(r->accel, c, s, &reason);
    char line[1024];
    sp_buf b = {0};
    sp_buf_printf(&b, "model       : %s (%.2f B parameters), weights %s%s, KV cache %s\n", r->model->name,
                  sp_model_params(r->model) / 1e9, sp_dtype_name(c->weight_dtype),
                  c->quantized_experts_only    ? " for the routed experts, 16-bit elsewhere (as the checkpoint stores them)"
                  : c->weights_from_checkpoint ? " (as the checkpoint stores them)"
                                               : "",
                  sp_dtype_name(c->kv_dtype));
    sp_buf_printf(&b, "requests    : %g prompt + %g output tokens", c->prompt_tokens, c->output_tokens);
    /* Drawn lengths (the --percentile simulation only): the means and their spreads. */
    bool drawn = c->percentile > 0 && c->qps > 0; /* only the Poisson simulation draws lengths */
    if ((c->prompt_spread > 0 || c->output_spread > 0) && drawn)
        sp_buf_printf(&b, " on average (lognormal, std/mean %g and %g)", c->prompt_spread, c->output_spread);
    else if (c->prompt_spread > 0 || c->output_spread > 0)
        sp_buf_printf(&b, " (the means: only a --qps --percentile simulation draws lengths from the spreads)");
    if (c->qps > 0)
        sp_buf_printf(&b, ", %g a second", c->qps);
    /* The default shape sizes the batch; the server it launches still takes the model's context. */
    if (c->lengths_assumed && s->max_model_len > c->prompt_tokens + c->output_tokens)
        sp_buf_printf(&b, " (a length not given is assumed: --prompt-tokens/--output-tokens or --workload size it for "
                          "your traffic; the launch line admits up to %.0f tokens a request)",
                      s->max_model_len);
    sp_buf_printf(&b, "\n");
    char stages[48] = "";
    if (s->pp > 1)
        snprintf(stages, sizeof stages, " x pp %g (%g GPUs a replica)", s->pp, s->tp * s->pp);
    else if (s->nodes_per_replica > 1)
        snprintf(stages, sizeof stages, " (%g GPUs over %g nodes)", s->tp, s->nodes_per_replica);
    /* Under attention DP the replica's GPUs split the sequences for attention and the experts for
     * the MoE layers: no tensor split (the launch line's --data-parallel-size). */
    char split[96];
    if (c->expert_parallel && c->attention_dp)
        snprintf(split, sizeof split, "attention dp %g x experts ep %g", s->tp, s->tp);
    else if (c->expert_parallel)
        snprintf(split, sizeof split, "tp %g (experts ep %g)", s->tp, s->tp);
    else
        snprintf(split, sizeof split, "tp %g", s->tp);
    sp_buf_printf(&b,
                  "replica     : %s%s on %s, batch %g (at most %g fit, at %.0f cache tokens each%s), %.2f GB weights + "
                  "%.2f GB workspace + %.2f GB KV cache in use per GPU (of %.2f GB the engine takes for it)\n",
                  split, stages, r->accel->name, s->batch, s->max_batch, s->sequence_kv_tokens,
                  c->concurrency > 0 || c->requests > 0 ? ": the whole request, as a wave ends" : " on average in flight",
                  s->weights_bytes / 1e9, s->workspace_bytes / 1e9, s->kv_cache_bytes / 1e9,
                  s->kv_cache_engine_bytes / 1e9);
    if (c->lora_rank > 0)
        sp_buf_printf(&b, "adapters    : %g slot(s) of rank %g (the engine's slot for rank %g adapters%s) over every linear "
                          "layer, %.2f GB a GPU within the weights; a step reads the slots its batch mixes. One adapter "
                          "is named at start (ADAPTER_DIR); load others while it runs (vLLM with "
                          "VLLM_ALLOW_RUNTIME_LORA_UPDATING=1, SGLang's /load_lora_adapter)\n",
                      sp_serve_lora_slots(c), s->lora_engine_rank, c->lora_rank,
                      c->engine == SP_ENGINE_ASK_SGLANG ? "; SGLang's batch counts base requests as one" : "",
                      sp_serve_lora_slots(c) * s->lora_slot_bytes / 1e9);
    /* An MoE whose split was left open: both were sized; say which won and what the other costs. */
    char parallelism[320];
    if (r->model->experts > 1 && sp_parallelism_choice_text(c, s, !r->unpriced, parallelism, sizeof parallelism) > 0)
        sp_buf_printf(&b, "parallelism : %s (the better kept: carrying the rate, then the targets, then the fleet's price an "
                          "hour, then a token's; %s pins one)\n",
                      parallelism, c->attention_searched ? "--attention-dp or --no-attention-dp"
                                                         : "--no-expert-parallel, --expert-parallel or --expert-parallel --attention-dp");
    /* The steady state of a full batch; the load line below, when there is one, is what requests see. */
    char streaming[384] = "";
    int n = 0;
    /* Streaming happens once a step; with speculation a token carries its share of a check's. */
    double stream_per_token = c->spec_tokens > 0 && c->spec_acceptance > 0 ? s->decode_stream_s / c->spec_acceptance
                                                                            : s->decode_stream_s;
    if (s->decode_stream_s > 0)
        n = snprintf(streaming, sizeof streaming, ", %.1f of it streaming tokens on the host", 1e3 * stream_per_token);
    /* The GPU waits on the engine's host loop (a speculative step's figure is a token's, not a step's). */
    bool host_bound = c->spec_tokens == 0 && s->decode_host_loop_s > 0 &&
                      s->decode_host_loop_s >= s->decode_step_s - s->decode_stream_s - 1e-12;
    if (host_bound && n >= 0 && (size_t)n < sizeof streaming)
        n += snprintf(streaming + n, sizeof streaming - (size_t)n, ", host-bound: the engine's loop over the batch");
    /* Attention multiplied on the CUDA cores outlasts its cache read at large GQA groups: say so
     * where the GPU sets the step. */
    if (!host_bound && s->decode_attention_core_bound && n >= 0 && (size_t)n < sizeof streaming)
        snprintf(streaming + n, sizeof streaming - (size_t)n,
                 ", %.1f of it attention bound by the CUDA cores at %g queries a KV head: --decode-attention "
                 "tensor-cores where the engine packs them",
                 1e3 * s->decode_attention_s, r->model->heads / r->model->kv_heads);
    /* One block a sequence and head leaves SMs idle at small batches: say how many stream the cache. */
    n = (int)strlen(streaming);
    if (c->decode_attention_block_per_head && s->decode_attention_sm_share > 0 && s->decode_attention_sm_share < 1 &&
        (size_t)n < sizeof streaming)
        snprintf(streaming + n, sizeof streaming - (size_t)n,
                 ", %.1f of it attention on %.0f%% of the SMs (a block a sequence and head)", 1e3 * s->decode_attention_s,
                 100 * s->decode_attention_sm_share);
    /* Under a simulated load the replicas run below their full batch: say so, or the full batch's
     * per-token figure reads as a contradiction of the load line's percentiles. */
    /* With speculation the decode figure is a token's share of a check, not a step. */
    /* A request of one token has no time between tokens; the batch's prefills set its pace. */
    if (c->output_tokens <= 1)
        sp_buf_printf(&b, "%s %g%s, first token %.1f ms (prefill %.1f ms); one output token: no time between tokens, "
                          "the batch's prefills take %.1f ms a request\n",
                      s->simulated ? "full batch  :" : "latency     : at batch", s->batch, s->simulated ? " sequences" : "",
                      1e3 * s->ttft_s, 1e3 * s->prefill_s, s->requests_per_s > 0 ? 1e3 / s->requests_per_s : 0.0);
    else
        sp_buf_printf(&b,
                      "%s %g%s, first token %.1f ms (prefill %.1f ms), %.1f ms per output token (%s %.1f ms%s)\n",
                      s->simulated ? "full batch  :" : "latency     : at batch", s->batch, s->simulated ? " sequences" : "",
                      1e3 * s->ttft_s, 1e3 * s->prefill_s, 1e3 * s->tpot_s,
                      c->spec_tokens > 0 ? "decode a token" : "decode step", 1e3 * s->decode_step_s, streaming);
    if (c->prefix_share > 0)
        sp_buf_printf(&b, "prefix      : %.0f%% of every prompt is one shared prefix, cached once a replica: prefills "
                          "compute the rest, sequences keep their own blocks\n",
                      100 * c->prefix_share);
    char label[SP_NAME_MAX + 48];
    if (c->spec_tokens > 0)
        sp_buf_printf(&b, "speculation : %g token%s drafted a step (%s), %g emitted a check on average: a check (the "
                          "drafts and one target forward over %g tokens a sequence) takes %.1f ms, %.1f ms of decode a "
                          "token\n",
                      c->spec_tokens, c->spec_tokens == 1 ? "" : "s", c->spec_draft == SP_DRAFT_MTP ? "MTP heads"
                                      : c->spec_draft == SP_DRAFT_MODEL ? draft_label(c, label, sizeof label)
                                                                        : "prompt-lookup n-grams",
                      c->spec_acceptance, c->spec_tokens + 1, 1e3 * s->decode_step_s * c->spec_acceptance,
                      1e3 * s->decode_step_s);
    if (s->simulated) {
        char targets[160], router[64] = "", reach[192], nearest[256], why[160];
        if (s->replicas > 1)
            snprintf(router, sizeof router, " behind a %s router", sp_routing_name(c->route_choices));
        sp_buf_printf(&b,
                      "load        : %g requests/s, Poisson, over %g replica(s)%s, simulated (p50 / p90 / p95 / p99):\n"
                      "              first token %.0f / %.0f / %.0f / %.0f ms, between tokens %.1f / %.1f / %.1f / %.1f ms, "
                      "request %.2f / %.2f / %.2f / %.2f s\n",
                      c->qps, s->replicas, router, 1e3 * s->ttft_load_s.p50, 1e3 * s->ttft_load_s.p90, 1e3 * s->ttft_load_s.p95,
                      1e3 * s->ttft_load_s.p99, 1e3 * s->tpot_load_s.p50, 1e3 * s->tpot_load_s.p90,
                      1e3 * s->tpot_load_s.p95, 1e3 * s->tpot_load_s.p99, s->e2e_load_s.p50, s->e2e_load_s.p90,
                      s->e2e_load_s.p95, s->e2e_load_s.p99);
        double p = c->percentile;
        if (p != 50 && p != 90 && p != 95 && p != 99) /* the percentile the verdict reads, when not shown */
            sp_buf_printf(&b, "              at p%g: first token %.0f ms, between tokens %.1f ms, request %.2f s\n", p,
                          1e3 * sp_latency_at(&s->ttft_load_s, p), 1e3 * sp_latency_at(&s->tpot_load_s, p),
                          sp_latency_at(&s->e2e_load_s, p));
        if (!strcmp(s->binding, "ceiling"))
            sp_buf_printf(&b, "              targets at p%g (%s): NOT met at any replica count up to %g, 4x the rate's "
                              "count + 8, the fleet shown: more replicas barely move the tail (a longer request's "
                              "prefill or a full batch), so a larger split, a faster part or a looser target\n",
                          c->percentile, targets_text(c, targets, sizeof targets), s->replicas);
        else if (!strcmp(s->binding, "unreachable"))
            sp_buf_printf(&b, "              targets at p%g: NOT met, at any replica count: %s; the fleet is sized instead "
                              "for %s\n",
                          c->percentile, nearest_text(c, s, nearest, sizeof nearest),
                          reach_text(c, s, &r->rules->perf, reach, sizeof reach));
        else {
        bool target_bound = !strcmp(s->binding, "ttft") || !strcmp(s->binding, "tpot") || !strcmp(s->binding, "both");
        char filled[128] = "";
        if (target_bound && s->replicas > s->target_replicas && s->target_replicas > 0)
            snprintf(filled, sizeof filled, " (%g hold %s), then the whole instances they take, filled",
                     s->target_replicas, !strcmp(s->binding, "both") ? "them" : "it");
        /* No target at all: nothing was met or missed, the rate alone sized the fleet. */
        bool none = !(c->ttft_s > 0) && !(c->tpot_s > 0) && !c->ttft_default_dropped;
        sp_buf_printf(&b, "              targets at p%g%s%s%s; %s%s%s\n", c->percentile, none ? ": " : " (",
                      none ? "none (--ttft-ms and --tpot-ms set them)" : targets_text(c, targets, sizeof targets),
                      none ? "" : s->meets_targets ? "): met" : "): NOT met",
                      !strcmp(s->binding, "pinned")                         ? "the replica count is pinned"
                      : s->replicas <= 1 && !strcmp(s->binding, "capacity") ? "one replica holds the rate"
                                                                             : "the replica count was set by ",
                      !strcmp(s->binding, "pinned") ? " (--replicas)"
                      : s->replicas <= 1 && !strcmp(s->binding, "capacity") ? ""
                      : !strcmp(s->binding, "both") ? "both targets"
                      : !strcmp(s->binding, "ttft") ? "the first-token target"
                      : !strcmp(s->binding, "tpot") ? "the per-token target"
                                                    : capacity_reason(c, s, why, sizeof why),
                      filled);
        }
        if (sp_serve_refused_past_percentile(c, s))
            sp_buf_printf(&b, "              NOT met for the refused: %.1f%% of requests pass the %.0f-token context "
                              "(the note below), more than the %.3g%% that p%g leaves out\n",
                          100.0 * s->over_context_share, r->model->seq, 100.0 - c->percentile, c->percentile);
        /* The count below, as simulated: a first token far past its target there is a queue that
         * grows, which a looser target would not cure. */
        if (s->below_replicas > 0 && (!strcmp(s->binding, "ttft") || !strcmp(s->binding, "tpot") ||
                                      !strcmp(s->binding, "both")))
            sp_buf_printf(&b, "              at %g replica(s) the p%g first token is %.0f ms and a token %.1f ms\n",
                          s->below_replicas, c->percentile, 1e3 * s->below_ttft_s, 1e3 * s->below_tpot_s);
        /* A fleet the tail sizes below serve_tail_note_load (perf.yaml) pays mostly for headroom: say so. */
        if (s->meets_targets && s->utilization > 0 && s->utilization < r->rules->perf.serve_tail_note_load &&
            (!strcmp(s->binding, "ttft") || !strcmp(s->binding, "tpot") || !strcmp(s->binding, "both")))
            sp_buf_printf(&b, "              %.0f%% utilised: the p%g target, not the rate, buys most of these GPUs; a "
                              "faster part, a wider split or smaller weights (--weight-dtype) may meet it for less\n",
                          100.0 * s->utilization, c->percentile);
    }
    if (c->concurrency > 0)
        sp_buf_printf(&b,
                      "load        : %g client%s in a closed loop, in waves of %g: on average %.1f ms to the first "
                      "token (p95 %.1f ms), %.1f ms between tokens, %.2f s a request\n",
                      c->concurrency, c->concurrency == 1 ? "" : "s", s->batch, 1e3 * s->ttft_s_mean, 1e3 * s->ttft_load_s.p95, 1e3 * s->tpot_s_mean,
                      s->e2e_s_mean);
    /* The waves' spread of first tokens is the model's weakest figure (docs/MODEL.md, issue 16's
     * six differing verdicts): say so wherever the waves spread them. */
    if (c->concurrency > 1 && s->ttft_load_s.p95 > s->ttft_s_mean)
        sp_buf_printf(&b, "              the p95 first token assumes the clients stay in step, their prompts queued "
                          "behind one another each wave; NVIDIA's NIM sweeps measured p95 near 1.1 x the mean at "
                          "25-150 clients: read it as an upper bound, the mean as the estimate\n");
    if ((c->ttft_s > 0 || c->tpot_s > 0) && !s->simulated) {
        char first[32] = "none", per[256] = "none";
        if (c->ttft_s > 0)
            snprintf(first, sizeof first, "%g ms", 1e3 * c->ttft_s);
        if (c->tpot_s > 0)
            snprintf(per, sizeof per, "%g ms%s", 1e3 * c->tpot_s,
                     c->tpot_is_default ? " (the default serve_tpot_ms, MLPerf's server bound: 5 tokens a second, "
                                          "about reading speed; an interactive chat sets --tpot-ms 50 or less)"
                                        : "");
        /* Under a rate without --percentile the verdict is the full batch's averages: a queue's wait,
         * unbounded near 100% load, is not in it, so the verdict says so rather than a bare "met". */
        if (!s->meets_targets && (s->reach_tpot_s > 0 || s->reach_ttft_s > 0)) {
            char nearest[256], reach[192];
            sp_buf_printf(&b, "targets     : first token %s, per token %s: NOT met by any split or batch: %s; the fleet "
                              "is sized instead for %s\n",
                          first, per, nearest_text(c, s, nearest, sizeof nearest),
                          reach_text(c, s, &r->rules->perf, reach, sizeof reach));
        } else if (s->meets_targets && s->utilization > 1.0 + 1e-9) /* the averages hold; the queue grows */
            sp_buf_printf(&b, "targets     : first token %s, per token %s: met by a full batch's averages, but the "
                              "rate is %.0f%% of what the fleet serves: the queue grows without bound\n",
                          first, per, 100.0 * s->utilization);
        else if (s->meets_targets && c->qps > 0 && c->concurrency <= 0)
            sp_buf_printf(&b, "targets     : first token %s, per token %s: met by a full batch's averages, no queue "
                              "counted (see sizing)\n",
                          first, per);
        else if (s->meets_targets)
            sp_buf_printf(&b, "targets     : first token %s, per token %s: met\n", first, per);
        else if (c->concurrency > 0 || c->replicas > 0) /* the batch is the clients' or the pin's, not the nearest */
            sp_buf_printf(&b, "targets     : first token %s, per token %s: NOT met at this load\n", first, per);
        else /* the nearest the part reaches, and what would move it */
            sp_buf_printf(&b, "targets     : first token %s, per token %s: NOT met at any batch; the nearest is this "
                              "lowest-latency batch, %.1f ms a token and %.1f ms to the first token: a larger split "
                              "(--tp), a faster part, smaller weights (--weight-dtype) or a looser target\n",
                          first, per, 1e3 * s->tpot_s, 1e3 * s->ttft_s);
    }
    /* Without --percentile the fleet covers the rate at the full batch's means: no queue. */
    if (c->qps > 0 && !s->simulated && c->concurrency <= 0) {
        /* Near full load the averages hide a queue that every burst of a Poisson stream lengthens. */
        char load[96] = "";
        /* A Poisson queue's wait grows as 1 / (1 - load) (Kleinrock 1975, M/M/1): long near full load,
         * without bound at or past it. */
        if (s->utilization >= 1.0)
            snprintf(load, sizeof load, " at %.0f%% load, where the queue grows without bound", 100.0 * s->utilization);
        else if (s->utilization >= 0.9)
            snprintf(load, sizeof load, " at %.0f%% load, where bursts queue long", 100.0 * s->utilization);
        sp_buf_printf(&b, "sizing      : the rate over a full batch's averages, no queueing%s; --percentile 95 sizes the "
                          "fleet so the targets hold at p95 under Poisson arrivals%s\n",
                      load, load[0] ? ", --max-utilization 0.8 leaves headroom" : "");
    }
    char replica_rate[32], gpu_rate[32];
    rate_text(s->output_tokens_per_s, replica_rate, sizeof replica_rate);
    rate_text(s->output_tokens_per_s_per_gpu, gpu_rate, sizeof gpu_rate);
    sp_buf_printf(&b, "throughput  : %s%s output tokens/s per replica, %s per GPU, %.3g requests/s per replica",
                  s->simulated ? "at a full batch, " : "", replica_rate, gpu_rate, s->requests_per_s);
    if (s->simulated && s->replicas > 0) /* past capacity a replica serves what it can */
        sp_buf_printf(&b, "; at %g requests/s, %.0f output tokens/s a replica%s", c->qps,
                      fmin(c->qps / s->replicas, s->requests_per_s) * c->output_tokens,
                      c->qps / s->replicas > s->requests_per_s ? " (its capacity: the rest queues)" : "");
    sp_buf_printf(&b, "\n");
    if (c->requests > 0) {
        char wall[48];
        if (s->run_s >= 3600)
            snprintf(wall, sizeof wall, "%.0f s (%.1f h)", s->run_s, s->run_s / 3600);
        else if (s->run_s >= 120)
            snprintf(wall, sizeof wall, "%.0f s (%.1f min)", s->run_s, s->run_s / 60);
        else
            snprintf(wall, sizeof wall, "%.1f s", s->run_s);
        char batches[160], share[64] = "";
        if (s->replicas > 1)
            snprintf(share, sizeof share, " over %g replicas, %g each,", s->replicas, s->run_requests_per_replica);
        if (s->run_batches <= 1)
            snprintf(batches, sizeof batches, "%s in one batch of %g", share, s->run_last_batch);
        else
            snprintf(batches, sizeof batches, "%s in %.0f batches of %g (the last of %g)", share, s->run_batches,
                     s->batch, s->run_last_batch);
        /* What the run itself costs: its wall time on the fleet's GPUs at the hourly price. */
        char run_cost[64];
        double usd = s->run_s / 3600.0 * s->gpus * s->usd_per_gpu_hour;
        if (r->unpriced)
            snprintf(run_cost, sizeof run_cost, "%.3g GPU-hours", usd);
        else
            sp_money_cents(usd, run_cost, sizeof run_cost);
        sp_buf_printf(&b, "offline run : %.0f requests queued at once,%s: %s, %.0f output tokens/s over the run, %s on the fleet's GPUs\n",
                      c->requests, batches, wall, s->run_output_tokens_per_s, run_cost);
    }
    sp_buf_printf(&b, "fleet       : %g replica(s) x %g GPU(s) = %g GPU%s%s\n", s->replicas, s->tp * s->pp, s->gpus,
                  s->gpus == 1 ? "" : "s",
                  /* Only the steady state's lowest-latency batch: a simulated, closed-loop or pinned
                   * fleet says what binds in its own lines. */
                  s->meets_targets || !(c->ttft_s > 0 || c->tpot_s > 0) || s->simulated || c->concurrency > 0 ||
                          c->replicas > 0
                      ? ""
                  : s->reach_tpot_s > 0 || s->reach_ttft_s > 0
                      ? ", sized for the nearest targets in reach (targets, above)"
                      : ", sized at the nearest batch: no fleet of this replica meets the targets");
    char month[48], hour[48];
    sp_money(s->fleet_usd_per_month, month, sizeof month);
    sp_money_cents(s->fleet_usd_per_hour, hour, sizeof hour);
    if (r->unpriced) { /* what a price would multiply: the fleet's GPU-hours against the tokens it serves */
        sp_buf_printf(&b, "cost        : %s has no public price (--usd-per-gpu-hour prices the fleet); at %.4g requests/s "
                          "(%.0f%% utilised) the fleet spends %.3g GPU-hours a million output tokens\n",
                      r->accel->name, s->utilization * s->replicas * s->requests_per_s, 100 * s->utilization,
                      gpu_hours_per_million_output_tokens(c, s));
    } else {
    /* Past capacity (a pinned count the rate swamps) the tokens priced are those served, at capacity. */
    double asked = s->utilization * s->replicas * s->requests_per_s, served = fmin(asked, s->replicas * s->requests_per_s);
    char load[96];
    if (s->utilization > 1.0 + 1e-9)
        snprintf(load, sizeof load, "at the %.4g requests/s it can serve (%.4g asked, %.0f%% of capacity)", served, asked,
                 100 * s->utilization);
    else
        snprintf(load, sizeof load, "at %.4g requests/s (%.0f%% utilised)", asked, 100 * s->utilization);
    /* Two bases, said as such: the hour split between prompt and output tokens by the GPU time each
     * takes at the load, and the hour charged to output tokens alone at full capacity (as output-only
     * price sheets quote), which can read higher or lower than the split figure. */
    sp_buf_printf(&b, "cost        : %s an hour for the fleet (%s a month) at $%.2f/GPU-hour; %s, the hour split by "
                      "the GPU time each takes: $%.3f per million input and $%.3f per million output tokens; all of it "
                      "on output tokens at full capacity: $%.3f per million\n",
                  hour, month, s->usd_per_gpu_hour, load, s->usd_per_million_input_tokens,
                  s->usd_per_million_output_tokens_at_load, s->usd_per_million_output_tokens);
        if (c->usd_from_catalog)
            sp_fleet_price_line(&b, "price       : ", r->accel, s);
    }
    /* A pinned split the search would not take: what leaving it open gives. */
    if (s->open_tp > 0) {
        char open_hour[48], pinned_hour[48];
        sp_money_cents(s->open_usd_per_hour, open_hour, sizeof open_hour);
        sp_money_cents(s->fleet_usd_per_hour, pinned_hour, sizeof pinned_hour);
        if (!strcmp(open_hour, pinned_hour) && s->open_gpus == s->gpus) /* a tie on the fleet's price */
            sp_buf_printf(&b, "note        : --tp %g is pinned; left open the search takes tp %g%s at the same price, "
                              "%g GPU%s at %s an hour, for a lower cost a token at full capacity ($%.3f against "
                              "$%.3f): a tie the pinned split's latency may well decide\n",
                          s->tp, s->open_tp, s->open_pp > 1 ? " with pipeline stages" : "", s->gpus,
                          s->gpus == 1 ? "" : "s", pinned_hour, s->open_usd_per_million_output_tokens,
                          s->usd_per_million_output_tokens);
        else
        sp_buf_printf(&b, "note        : --tp %g is pinned; left open the search takes tp %g%s, %g GPU%s at %s an hour "
                          "($%.3f per million output tokens at full capacity), against %g GPU%s at %s an hour "
                          "($%.3f) with tp %g\n",
                      s->tp, s->open_tp, s->open_pp > 1 ? " with pipeline stages" : "", s->open_gpus,
                      s->open_gpus == 1 ? "" : "s", open_hour, s->open_usd_per_million_output_tokens, s->gpus,
                      s->gpus == 1 ? "" : "s", pinned_hour, s->usd_per_million_output_tokens, s->tp);
    }
    /* One replica, no rate: a wider split that serves a token for less. */
    if (s->token_tp > 0 && !r->unpriced)
        sp_buf_printf(&b, "note        : tp %g serves a million output tokens for $%.3f at full capacity against $%.3f with "
                          "tp %g, the fewest GPUs that hold the model (a larger KV cache, a larger batch); --tp %g pins "
                          "it, --qps sizes a fleet by its cost\n",
                      s->token_tp, s->token_usd_per_million_output_tokens, s->usd_per_million_output_tokens, s->tp,
                      s->token_tp);
    /* A rate past the fleet's capacity has no steady state: the queue grows for as long as it lasts. */
    if (s->utilization > 1.0)
        sp_buf_printf(&b, "warning     : %g requests/s is %.0f%% of what the fleet serves (%.3g): requests queue without "
                          "bound; add replicas (leave --replicas to the plan)\n",
                      c->qps, 100 * s->utilization, s->replicas * s->requests_per_s);
    /* The pins of the engine chosen, as its launch files install them. */
    char pins[SP_TEXT_MAX];
    if (engine == SP_ENGINE_TRTLLM)
        snprintf(pins, sizeof pins, "tensorrt-llm==%s", sp_framework_version(r->rules, "tensorrt-llm"));
    else if (engine == SP_ENGINE_SGLANG)
        snprintf(pins, sizeof pins, "sglang==%s", sp_framework_version(r->rules, "sglang"));
    else if (engine == SP_ENGINE_RAY_SERVE_VLLM || s->pp > 1) /* stages across nodes run on vLLM's Ray executor */
        snprintf(pins, sizeof pins, "vllm==%s, ray==%s", sp_framework_version(r->rules, "vllm"),
                 sp_framework_version(r->rules, "ray"));
    else
        snprintf(pins, sizeof pins, "vllm==%s", sp_framework_version(r->rules, "vllm"));
    sp_buf_printf(&b, "engine      : %s (%s): %s\n", sp_engine_name(engine), pins, reason);
    sp_serve_launch_line(r->model->hf_id[0] ? r->model->hf_id : r->model->name, engine, c, s, line, sizeof line);
    double per_server = engine == SP_ENGINE_SGLANG ? sp_replicas_per_server(engine, false, c, s) : 1.0;
    char behind[96] = "";
    if (per_server > 1)
        snprintf(behind, sizeof behind, "   (each instance's %g replicas, behind a load balancer)", per_server);
    sp_buf_printf(&b, "launch      : %s%s\n", line,
                  per_server > 1                      ? behind
                  : s->replicas <= 1                   ? ""
                  : engine == SP_ENGINE_RAY_SERVE_VLLM ? "   (each replica, behind Ray Serve)"
                                                      : "   (each replica, behind a load balancer)");
    /* Drawn lengths past the context: the engine refuses those requests (an HTTP 400 from vLLM's
     * OpenAI server), which the plan does not serve either. */
    if (s->over_context_share >= 0.001)
        sp_buf_printf(&b, "note        : at these spreads %.1f%% of requests pass the %.0f-token context and the engine "
                          "refuses them: truncate prompts, cap max_tokens, or give --context for a longer one\n",
                      100.0 * s->over_context_share, r->model->seq);
    /* The engine named above fills the GPU; the step times were modelled for one that does not. */
    if (c->decode_attention_block_per_head)
        sp_buf_printf(&b, "note        : the step times model decode attention as TensorRT-LLM runs it without "
                          "multi-block mode (--decode-blocks per-head)%s\n",
                      r->accel->compute_units > 0 ? ""
                                                  : ", but the catalog gives no SM count (compute_units) for this part, so "
                                                    "it is taken as filling the GPU");
    sp_serve_launch_caveats(r->model, r->accel, engine, c, s, "note        : ", &b);
    /* Positions past the ones the checkpoint was trained on mean something only with RoPE scaling. */
    if (c->context_extended && c->native_context > 0)
        sp_buf_printf(&b, "note        : requests up to %.0f tokens pass the %.0f the checkpoint was trained on (%.1fx): "
                          "its positions past them are untrained unless its config.json scales RoPE (rope_scaling) to "
                          "reach them\n",
                      s->max_model_len, c->native_context, s->max_model_len / c->native_context);
    /* Expert parallelism past a node is where the published DeepSeek deployments split prefill from
     * decode and move tokens with DeepEP; the step model runs both on every rank with chunked prefill. */
    if (c->expert_parallel && s->nodes_per_replica > 1)
        sp_buf_printf(&b, "note        : prefill and decode share every rank here (chunked prefill, the engine's "
                          "default all-to-all); wide expert-parallel deployments (SGLang's DeepSeek-V3 on 96 H100, "
                          "vLLM's and Dynamo's) run them on separate servers (prefill/decode disaggregation) with "
                          "DeepEP's kernels and expert load balancing, none of which is modelled\n");
    /* A base checkpoint has no chat template: OpenAI's chat endpoint refuses it, completions serve. */
    const sp_model *m = r->model;
    /* An adapter runs on the checkpoint it was trained on: no other one to suggest. */
    if (c->lora_rank > 0)
        sp_buf_printf(&b, "note        : requests name the model \"adapter\" for the fine-tune (ADAPTER_DIR: its output "
                          "directory, axolotl's output_dir) and %s for the base; an adapter runs on the checkpoint it "
                          "was trained on, this one\n",
                      m->hf_id[0] ? m->hf_id : m->name);
    else if (m->tuned_hf_id[0] && strcmp(m->hf_id, m->tuned_hf_id) != 0)
        sp_buf_printf(&b, "note        : %s is the base checkpoint, which has no chat template: %s serves it on "
                          "/v1/completions; for /v1/chat/completions serve its tuned one (--model %s)\n",
                      m->hf_id[0] ? m->hf_id : m->name,
                      engine == SP_ENGINE_SGLANG ? "SGLang" : engine == SP_ENGINE_TRTLLM ? "trtllm-serve" : "vLLM",
                      m->tuned_hf_id);
    compared_text(&b, r);
    return sp_buf_finish(&b, err);
}

static char *serve_json(const sp_serve_report *r, sp_error *err)
{
    const sp_serve_config *c = r->config;
    const sp_serve_result *s = r->result;
    const char *reason = "";
    sp_engine engine = sp_serve_engine(r->accel, c, s, &reason);
    char line[1024];
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(r->model->name));
    json_object_set_new(o, "gpu", json_string(r->accel->name));
    json_object_set_new(o, "weight_dtype", json_string(sp_dtype_name(c->weight_dtype)));
    json_object_set_new(o, "weights_from_checkpoint", json_boolean(c->weights_from_checkpoint));
    json_object_set_new(o, "quantized_experts_only", json_boolean(c->quantized_experts_only));
    json_object_set_new(o, "kv_dtype", json_string(sp_dtype_name(c->kv_dtype)));
    json_object_set_new(o, "prompt_tokens", json_integer((json_int_t)c->prompt_tokens));
    json_object_set_new(o, "output_tokens", json_integer((json_int_t)c->output_tokens));
    json_object_set_new(o, "tp", json_integer((json_int_t)s->tp));
    json_object_set_new(o, "expert_parallel", json_boolean(c->expert_parallel));
    json_object_set_new(o, "attention_dp", json_boolean(c->expert_parallel && c->attention_dp));
    /* What the replica's tp GPUs run: the attention split tp ways or data-parallel (one rank a
     * sequence, vLLM --data-parallel-size), the experts over all of them or sliced by tp. */
    json_object_set_new(o, "attention_tp", json_integer((json_int_t)(c->expert_parallel && c->attention_dp ? 1 : s->tp)));
    json_object_set_new(o, "ep", json_integer((json_int_t)(c->expert_parallel ? s->tp : 1)));
    /* A pinned --tp the search would not take: the open split's fleet (null when none is better). */
    if (s->open_tp > 0) {
        json_t *open = json_object();
        json_object_set_new(open, "tp", json_real(s->open_tp));
        json_object_set_new(open, "pp", json_real(s->open_pp));
        json_object_set_new(open, "gpus", json_real(s->open_gpus));
        json_object_set_new(open, "usd_per_million_output_tokens", r->unpriced ? json_null() : sp_json_round(s->open_usd_per_million_output_tokens, 1e4));
        json_object_set_new(open, "usd_per_hour", r->unpriced ? json_null() : sp_json_round(s->open_usd_per_hour, 1e4));
        json_object_set_new(o, "open_split", open);
    } else {
        json_object_set_new(o, "open_split", json_null());
    }
    /* One replica, no rate: a wider split cheaper a token (null when none). */
    if (s->token_tp > 0 && !r->unpriced) {
        json_t *cheaper = json_object();
        json_object_set_new(cheaper, "tp", json_real(s->token_tp));
        json_object_set_new(cheaper, "usd_per_million_output_tokens",
                            sp_json_round(s->token_usd_per_million_output_tokens, 1e4));
        json_object_set_new(o, "cheaper_split", cheaper);
    } else {
        json_object_set_new(o, "cheaper_split", json_null());
    }
    json_object_set_new(o, "pp", json_integer((json_int_t)s->pp));
    json_object_set_new(o, "nodes_per_replica", json_integer((json_int_t)s->nodes_per_replica));
    json_object_set_new(o, "batch", json_integer((json_int_t)s->batch));
    json_object_set_new(o, "max_batch", json_integer((json_int_t)s->max_batch));
    json_object_set_new(o, "kv_cache_bytes_per_token_per_gpu", sp_json_count(s->kv_cache_bytes_per_token));
    json_object_set_new(o, "kv_cache_tokens", sp_json_count(floor(s->kv_cache_tokens)));
    json_object_set_new(o, "sequence_kv_tokens", sp_json_round(s->sequence_kv_tokens, 10));
    json_object_set_new(o, "weights_bytes_per_gpu", sp_json_count(s->weights_bytes));
    json_object_set_new(o, "workspace_bytes_per_gpu", sp_json_count(s->workspace_bytes));
    json_object_set_new(o, "kv_cache_bytes_per_gpu", sp_json_count(s->kv_cache_bytes));
    json_object_set_new(o, "prefill_s", sp_json_round(s->prefill_s, 1e6));
    json_object_set_new(o, "decode_step_s", sp_json_round(s->decode_step_s, 1e6));
    json_object_set_new(o, "decode_host_loop_s", sp_json_round(s->decode_host_loop_s, 1e6));
    json_object_set_new(o, "decode_attention_s", sp_json_round(s->decode_attention_s, 1e6));
    json_object_set_new(o, "decode_attention_bound", json_string(s->decode_attention_core_bound ? "cuda-cores" : "kv-read"));
    json_object_set_new(o, "decode_attention_sm_share", sp_json_round(s->decode_attention_sm_share, 1e4));
    json_object_set_new(o, "ttft_target_s", sp_json_round(c->ttft_s, 1e6));
    json_object_set_new(o, "tpot_target_s", sp_json_round(c->tpot_s, 1e6));
    json_object_set_new(o, "ttft_target_is_default", json_boolean(c->ttft_is_default && !c->ttft_default_dropped));
    json_object_set_new(o, "ttft_default_dropped", json_boolean(c->ttft_default_dropped));
    json_object_set_new(o, "tpot_target_is_default", json_boolean(c->tpot_is_default));
    json_object_set_new(o, "stream_s_per_token", sp_json_round(c->stream_s_per_token, 1e9));
    json_object_set_new(o, "ttft_s", sp_json_round(s->ttft_s, 1e6));
    json_object_set_new(o, "tpot_s", sp_json_round(s->tpot_s, 1e6));
    json_object_set_new(o, "meets_targets", json_boolean(s->meets_targets));
    if (c->prefix_share > 0)
        json_object_set_new(o, "prefix_share", json_real(c->prefix_share));
    if (c->lora_rank > 0) { /* the adapters' slots, within weights_bytes */
        json_object_set_new(o, "lora_rank", json_real(c->lora_rank));
        json_object_set_new(o, "lora_engine_rank", json_real(s->lora_engine_rank));
        json_object_set_new(o, "max_loras", json_real(c->max_loras));
        json_object_set_new(o, "lora_bytes", sp_json_round(sp_serve_lora_slots(c) * s->lora_slot_bytes, 1));
    }
    if (c->spec_tokens > 0) {
        json_object_set_new(o, "spec_tokens", json_integer((json_int_t)c->spec_tokens));
        json_object_set_new(o, "spec_acceptance", json_real(c->spec_acceptance));
        json_object_set_new(o, "spec_draft", json_string(c->spec_draft == SP_DRAFT_MTP     ? "mtp"
                                                         : c->spec_draft == SP_DRAFT_MODEL ? "model"
                                                                                           : "ngram"));
        if (c->spec_draft == SP_DRAFT_MODEL) {
            json_object_set_new(o, "spec_draft_model", json_string(c->spec_draft_model));
            json_object_set_new(o, "spec_draft_params", json_real(c->spec_draft_params));
        }
    }
    if (c->concurrency > 0) {
        json_object_set_new(o, "concurrency", json_integer((json_int_t)c->concurrency));
    }
    /* A target no split meets: the targets the fleet was sized for instead (null: the user's own). */
    json_object_set_new(o, "ttft_s_sized_for", s->reach_ttft_s > 0 ? sp_json_round(s->reach_ttft_s, 1e6) : json_null());
    json_object_set_new(o, "tpot_s_sized_for", s->reach_tpot_s > 0 ? sp_json_round(s->reach_tpot_s, 1e6) : json_null());
    json_object_set_new(o, "sized_for_met",
                        s->reach_ttft_s > 0 || s->reach_tpot_s > 0 ? json_boolean(s->reach_met) : json_null());
    sp_serve_load_json(o, c, s);
    if (s->simulated) {
        json_object_set_new(o, "routing", json_string(sp_routing_name(c->route_choices)));
        /* One replica fewer, simulated: what it missed (null when no count below was tried). */
        bool below = s->below_replicas > 0;
        json_object_set_new(o, "below_replicas", below ? json_real(s->below_replicas) : json_null());
        json_object_set_new(o, "below_ttft_s", below ? sp_json_round(s->below_ttft_s, 1e6) : json_null());
        json_object_set_new(o, "below_tpot_s", below ? sp_json_round(s->below_tpot_s, 1e6) : json_null());
    }
    if (c->requests > 0) {
        json_object_set_new(o, "requests", json_integer((json_int_t)c->requests));
        json_object_set_new(o, "run_requests_per_replica", json_integer((json_int_t)s->run_requests_per_replica));
        json_object_set_new(o, "run_s", sp_json_round(s->run_s, 1e3));
        json_object_set_new(o, "run_output_tokens_per_s", sp_json_round(s->run_output_tokens_per_s, 10));
        json_object_set_new(o, "run_batches", json_integer((json_int_t)s->run_batches));
        json_object_set_new(o, "run_last_batch", json_integer((json_int_t)s->run_last_batch));
    }
    json_object_set_new(o, "output_tokens_per_s", sp_json_round(s->output_tokens_per_s, 10));
    json_object_set_new(o, "output_tokens_per_s_per_gpu", sp_json_round(s->output_tokens_per_s_per_gpu, 10));
    json_object_set_new(o, "requests_per_s", sp_json_round(s->requests_per_s, 1e4));
    json_object_set_new(o, "qps", json_real(c->qps));
    json_object_set_new(o, "replicas", json_integer((json_int_t)s->replicas));
    json_object_set_new(o, "gpus", json_integer((json_int_t)s->gpus));
    /* No public price: the dollar figures are null, never $0 (the estimate ran at a nominal $1). */
    bool priced = !r->unpriced;
    json_object_set_new(o, "usd_per_gpu_hour", priced ? json_real(s->usd_per_gpu_hour) : json_null());
    json_object_set_new(o, "usd_per_million_output_tokens",
                        priced ? sp_json_round(s->usd_per_million_output_tokens, 1e4) : json_null());
    json_object_set_new(o, "utilization", sp_json_round(s->utilization, 1e4));
    double gpu_hours = gpu_hours_per_million_output_tokens(c, s);
    json_object_set_new(o, "gpu_hours_per_million_output_tokens",
                        gpu_hours > 0 ? sp_json_round(gpu_hours, 1e4) : json_null());
    json_object_set_new(o, "fleet_usd_per_hour", priced ? sp_json_round(s->fleet_usd_per_hour, 100) : json_null());
    json_object_set_new(o, "fleet_usd_per_month", priced ? sp_json_round(s->fleet_usd_per_month, 100) : json_null());
    json_object_set_new(o, "usd_per_million_input_tokens",
                        priced ? sp_json_round(s->usd_per_million_input_tokens, 1e4) : json_null());
    json_object_set_new(o, "usd_per_million_output_tokens_at_load",
                        priced ? sp_json_round(s->usd_per_million_output_tokens_at_load, 1e4) : json_null());
    json_object_set_new(o, "engine", json_string(sp_engine_name(engine)));
    json_object_set_new(o, "engine_reason", json_string(reason));
    sp_serve_launch_line(r->model->hf_id[0] ? r->model->hf_id : r->model->name, engine, c, s, line, sizeof line);
    json_object_set_new(o, "launch", json_string(line));
    json_object_set_new(o, "max_model_len", sp_json_count(s->max_model_len));
    json_object_set_new(o, "over_context_share", sp_json_round(s->over_context_share, 1e4));
    json_object_set_new(o, "compared", compared_json(r));
    return sp_json_report(o, err);
}

char *sp_render_serve(const sp_serve_report *report, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_HTML) {
        char title[SP_TEXT_MAX];
        snprintf(title, sizeof title, "Serving %s on %s", report->model->name, report->accel->name);
        char *charts[] = {sp_chart_serve(report, err)};
        return sp_html_finish(title, serve_text(report, err), serve_json(report, err), charts, 1, err);
    }
    return format == SP_FORMAT_JSON ? serve_json(report, err) : serve_text(report, err);
}
