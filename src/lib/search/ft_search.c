/* ft_search.c - where a fine-tune fits: each method on each accelerator and GPU count, the
 * fastest layout that fits it, and the cheapest option that meets the deadline and budget. */
#include "search_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const sp_model *m;
    const sp_ft_request *q;
    const sp_ft_constants *k;
    const sp_perf_constants *perf;
    double layouts;
    sp_ft_option roomy; /* of the layouts best_layout tries at one count, the fastest fit with room */
} ft_search;

/* The micro-batch a layout runs: the request's, or the largest that fits up to the cap, leaving
 * the caching allocator its room (not tight) when a micro-batch of at least one does. */
static double micro_batch_of(ft_search *s, sp_ft_config *c, const sp_accel *a, double *largest)
{
    c->micro_batch = 1;
    *largest = sp_ft_max_micro_batch(s->m, c, s->k, sp_usable_memory_bytes(a, s->perf));
    if (s->q->micro_batch > 0)
        return *largest >= s->q->micro_batch ? s->q->micro_batch : 0;
    double roomy = *largest >= 1 ? sp_ft_max_roomy_micro_batch(s->m, c, s->k, sp_usable_memory_bytes(a, s->perf)) : 0;
    return fmin(roomy >= 1 ? roomy : *largest, s->q->max_micro_batch);
}

/* Of two fits the faster, except that one leaving the allocator its room beats a tight one (its
 * cache at the card's edge) while the tight one is at most ft_roomy_premium (perf.yaml) faster, as
 * across GPU counts (choice below). A tight fit runs (Answer.AI's DDP LoRA on two 24 GB cards,
 * 23.7 GB reserved): a roomy FSDP layout half as fast, gathering frozen weights over PCIe, had
 * beaten DDP at any speed. */
static void keep_better(sp_ft_option *best, const sp_ft_option *o, double roomy_premium)
{
    if (!o->fits)
        return;
    if (!best->fits) {
        *best = *o;
        return;
    }
    if (best->memory.tight == o->memory.tight) {
        if (o->step.tokens_per_s > best->step.tokens_per_s)
            *best = *o;
        return;
    }
    const sp_ft_option *roomy = o->memory.tight ? best : o, *tight = o->memory.tight ? o : best;
    const sp_ft_option *kept = roomy->step.tokens_per_s * (1.0 + roomy_premium) >= tight->step.tokens_per_s ? roomy : tight;
    if (kept == o)
        *best = *o;
}

/* One layout: sized, timed, kept when it fits and beats the best so far. */
static void try_layout(ft_search *s, const sp_accel *a, sp_ft_config c, sp_ft_option *best)
{
    sp_error err;
    double largest = 0;
    s->layouts++;
    if (sp_ft_config_check(s->m, &c, &err) != SP_OK)
        return;
    c.micro_batch = micro_batch_of(s, &c, a, &largest);
    if (!(c.micro_batch >= 1)) {
        if (best->fits)
            return;
        /* Nothing fits yet: keep the layout that comes closest (on the GPU, then on the host), at
         * the micro-batch the user pinned so that the report can say what that one needs. */
        sp_ft_option near;
        memset(&near, 0, sizeof near);
        near.accel = a;
        near.config = c;
        near.config.micro_batch = s->q->micro_batch > 0 ? s->q->micro_batch : 1;
        near.max_micro_batch = largest;
        sp_ft_memory_estimate(s->m, &near.config, s->k, sp_usable_memory_bytes(a, s->perf), &near.memory, &err);
        double need = near.memory.device_bytes, had = best->memory.device_bytes;
        if (!best->accel || need < had || (need == had && near.memory.host_bytes < best->memory.host_bytes))
            *best = near;
        return;
    }
    sp_ft_option o;
    memset(&o, 0, sizeof o);
    o.accel = a;
    o.config = c;
    o.max_micro_batch = largest;
    if (sp_ft_memory_estimate(s->m, &c, s->k, sp_usable_memory_bytes(a, s->perf), &o.memory, &err) != SP_OK || !o.memory.fits ||
        sp_ft_step_estimate(s->m, a, &c, s->k, s->perf, &o.step, &err) != SP_OK)
        return;
    o.fits = true;
    if (!o.memory.tight && (!s->roomy.fits || o.step.tokens_per_s > s->roomy.step.tokens_per_s))
        s->roomy = o;
    keep_better(best, &o, s->perf->ft_roomy_premium);
}

/* DDP before FSDP, no checkpointing before checkpointing; then both offloads, the faster kept
 * (parameter offload frees room for a larger micro-batch, which can outrun optimizer offload's
 * smaller one), taken when nothing else fits, or only tightly, or when clearly faster. */
static sp_ft_option best_layout(ft_search *s, const sp_accel *a, sp_ft_method method, double gpus)
{
    sp_ft_option best;
    memset(&best, 0, sizeof best);
    memset(&s->roomy, 0, sizeof s->roomy);
    sp_ft_config c = s->q->base;
    c.method = method;
    c.gpus = gpus;
    if (method == SP_METHOD_QLORA && c.quant == SP_QUANT_NONE)
        c.quant = SP_QUANT_NF4;
    if (method != SP_METHOD_QLORA)
        c.quant = SP_QUANT_NONE;
    /* fp16 trains only with fp32 weights to unscale into (the Trainer's GradScaler: "Attempting to
     * unscale FP16 gradients"): a full fine-tune on a part without bf16 keeps an fp32 master under
     * autocast. Adapters are fp32 in PEFT's default and train over a 16-bit base. */
    if (method == SP_METHOD_FULL && c.precision == SP_PREC_BF16 && sp_accel_fp16_only(a))
        c.precision = SP_PREC_MIXED_BF16;
    for (int fsdp = 0; fsdp <= (gpus > 1 ? 1 : 0); fsdp++)
        for (int gc = 0; gc <= 1; gc++) {
            if (s->q->checkpointing >= 0 && gc != s->q->checkpointing)
                continue;
            c.fsdp = fsdp;
            c.checkpointing = gc;
            c.offload = s->q->offload > 0 ? (sp_offload)s->q->offload : SP_OFFLOAD_NONE;
            try_layout(s, a, c, &best);
        }
    /* Offload when nothing else fits, or only tightly; over a roomy fit only when clearly faster
     * (perf.yaml offload_min_gain): a larger micro-batch can outrun a step that waits on gathers. */
    if (s->q->offload < 0) {
        bool needed = !best.fits || best.memory.tight;
        sp_ft_option off_best; /* when not needed, the offloaded layouts apart, to weigh their gain */
        memset(&off_best, 0, sizeof off_best);
        for (int off = SP_OFFLOAD_OPTIMIZER; off <= SP_OFFLOAD_PARAMS; off++) {
            c.fsdp = gpus > 1;
            c.checkpointing = true;
            c.offload = (sp_offload)off;
            try_layout(s, a, c, needed ? &best : &off_best);
        }
        if (!needed && off_best.fits && !off_best.memory.tight &&
            off_best.step.tokens_per_s > (1 + s->perf->offload_min_gain) * best.step.tokens_per_s)
            best = off_best;
    }
    return best;
}

static void price(const ft_search *s, sp_ft_option *o)
{
    /* Given, or the catalog's for this many GPUs (a 2-GPU job on an AWS g5 pays for a 4-GPU instance). */
    double usd = s->q->usd_per_gpu_hour > 0 ? s->q->usd_per_gpu_hour
                                            : sp_accel_usd_per_gpu_hour(o->accel, o->config.gpus);
    o->usd_per_gpu_hour = usd;
    /* Whole steps: a job smaller than one step still runs one. */
    double steps = ceil(s->q->tokens / (o->config.gpus * o->config.micro_batch * o->config.seq));
    o->hours = steps * o->step.step_time_s / 3600.0;
    o->cost_usd = usd * o->config.gpus * o->hours;
    o->meets = (s->q->deadline_hours <= 0 || o->hours <= s->q->deadline_hours) &&
               (s->q->budget_usd <= 0 || (usd > 0 && o->cost_usd <= s->q->budget_usd));
}

/* Better for a user: meets the targets, then cheaper (unpriced parts last), then faster. When
 * neither meets a deadline and budget, the budget is kept first and a run within it is judged by
 * how soon it finishes (sp_run_preferred's order). */
static bool better(const sp_ft_request *q, const sp_ft_option *a, const sp_ft_option *b, const sp_perf_constants *perf)
{
    double tie = perf->search_tie_tolerance;
    if (a->meets != b->meets)
        return a->meets;
    bool pa = a->usd_per_gpu_hour > 0, pb = b->usd_per_gpu_hour > 0;
    if (pa != pb)
        return pa;
    if (!a->meets && pa && q->deadline_hours > 0) {
        double d = q->deadline_hours / 24.0;
        sp_run_standing sa = sp_run_standing_of(a->hours / 24.0, a->cost_usd, d, q->budget_usd);
        sp_run_standing sb = sp_run_standing_of(b->hours / 24.0, b->cost_usd, d, q->budget_usd);
        if (sa != sb)
            return sa > sb;
        if (sa == SP_RUN_MEETS_BUDGET && a->hours != b->hours)
            return a->hours < b->hours;
    }
    /* A run that fits with room beats one that fits only tightly (the allocator's cache at the
     * card's edge), as within one count (best_layout offloads rather than run tight), while it costs
     * at most ft_roomy_premium more (perf.yaml): a few percent saved on a second GPU is not worth an
     * OOM. After the deadline's and budget's standing: a later run is no safer choice. */
    if (a->memory.tight != b->memory.tight) {
        const sp_ft_option *roomy = a->memory.tight ? b : a, *tight = a->memory.tight ? a : b;
        double over = pa ? roomy->cost_usd / fmax(tight->cost_usd, 1e-9) : roomy->hours / fmax(tight->hours, 1e-9);
        if (over <= 1.0 + perf->ft_roomy_premium)
            return !a->memory.tight;
    }
    bool near = pa ? fabs(a->cost_usd - b->cost_usd) <= tie * fmax(a->cost_usd, b->cost_usd)
                   : fabs(a->hours - b->hours) <= tie * fmax(a->hours, b->hours);
    /* ... and past a day a near tie in price is no reason to wait longer: the faster run takes it
     * (perf.yaml ft_patience_hours: 8 x 4090 for 301 h at $1,420 against one for 2,384 h at $1,406). */
    bool long_run = fmax(a->hours, b->hours) > perf->ft_patience_hours;
    if (near && pa && long_run && a->hours != b->hours && !(q->deadline_hours > 0 && !a->meets))
        return a->hours < b->hours;
    if (pa && a->cost_usd != b->cost_usd)
        return a->cost_usd < b->cost_usd;
    return a->hours < b->hours;
}

static sp_status check_request(const sp_ft_request *q, size_t accel_count, sp_error *err)
{
    if (accel_count == 0)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpu", "no accelerator to try");
    if (!sp_whole_in(q->gpus_min, 1, 65536) || !sp_whole_in(q->gpus_max, q->gpus_min, 65536))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpus", "must be whole numbers 1 <= A <= B");
    if (!(q->tokens > 0) || !isfinite(q->tokens))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "tokens", "the job has no tokens to train on");
    if (!(q->methods & (SP_METHODS_FULL | SP_METHODS_LORA | SP_METHODS_QLORA | SP_METHODS_DORA)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "method", "no method to try");
    return SP_OK;
}

/* A faster option worth naming beside the recommendation: at most ft_roomy_premium more money
 * for at most 1 / (1 + ft_roomy_premium) of the time (25% more to finish in 80%), as roomy as it,
 * and within the deadline and budget when the recommendation is. The fastest such one is kept.
 * Past the patience rule's near tie (ft_patience_hours) a 2-GPU QLoRA of Qwen2.5 32B at $20.61 in
 * 17.5 h had stayed hidden behind one card's $18.70 in 31.7 h. */
static void keep_faster(const ft_search *s, const sp_ft_option *best, const sp_ft_option *o, sp_ft_option *faster)
{
    double premium = 1.0 + s->perf->ft_roomy_premium;
    bool priced = o->fits && o->usd_per_gpu_hour > 0 && best->usd_per_gpu_hour > 0;
    if (!priced || (o->memory.tight && !best->memory.tight) || (best->meets && !o->meets))
        return;
    if (o->cost_usd <= best->cost_usd * premium && o->hours * premium <= best->hours &&
        (!faster->fits || o->hours < faster->hours))
        *faster = *o;
}

static void add_option(sp_ft_result *out, const sp_ft_option *o)
{
    if (out->count < SP_FT_OPTIONS_MAX)
        out->items[out->count++] = *o;
}

/* An offloaded recommendation whose loss upcasts every logit (Hugging Face's 14 bytes a logit) may
 * fit on the card with the loss chunked (torchtune, litgpt, Liger's fused cross-entropy under the
 * Trainer): the same method, card and count tried that way, offload off, for the report to offer. */
static void chunked_alternative(const ft_search *s, sp_ft_result *out)
{
    if (out->best < 0 || s->q->base.chunked_loss || s->q->offload >= 0)
        return;
    const sp_ft_option *b = &out->items[out->best];
    if (b->config.offload == SP_OFFLOAD_NONE)
        return;
    sp_ft_request chunked = *s->q;
    chunked.base.chunked_loss = true;
    chunked.offload = SP_OFFLOAD_NONE;
    ft_search again = {s->m, &chunked, s->k, s->perf, 0, {0}};
    sp_ft_option o = best_layout(&again, b->accel, b->config.method, b->config.gpus);
    o.fits = o.fits && !o.memory.tight; /* offered only with the allocator's room: no trade for a likely OOM */
    if (o.fits)
        price(&again, &o);
    out->chunked = o;
    out->layouts_tried += again.layouts;
}

/* The GPU counts a search tries: doubling from the least, the most itself last. */
static double next_count(double g, double most)
{
    return g < most && g * 2 > most ? most : g * 2;
}

/* Whether any method asked fits some count from gpus_min to gpus_max (doubling) under request q. */
static bool any_fits(const ft_search *base, const sp_ft_request *q, const sp_ft_result *out)
{
    ft_search s = {base->m, q, base->k, base->perf, 0, {0}};
    for (size_t i = 0; i < out->count; i++) {
        const sp_ft_option *o = &out->items[i];
        for (double g = q->gpus_min; g <= q->gpus_max; g = next_count(g, q->gpus_max)) {
            if (g > o->accel->per_node && !(o->accel->inter_node_bytes_per_s > 0))
                break;
            if (best_layout(&s, o->accel, o->config.method, g).fits)
                return true;
            if (g == q->gpus_max)
                break;
        }
    }
    return false;
}

/* Nothing fits: probe what would, so the report names it rather than guessing: a chunked loss,
 * the offload the search would choose where --offload pinned one, more GPUs (up to a server, or PROBE_GPUS_PAST x past it on a part with a network: sharding
 * splits the weights, not the activations, so more may not help), and the longest --seq (halving,
 * down to SP_FT_PROBE_SEQ_MIN). A probe's bounds, not a model: it stops looking there. */
enum { PROBE_GPUS_PAST = 8 };
static void what_would_fit(const ft_search *s, sp_ft_result *out)
{
    if (out->best >= 0 || out->count == 0)
        return;
    sp_ft_request q = *s->q;
    q.base.chunked_loss = true;
    out->fits_with_chunked_loss = !s->q->base.chunked_loss && any_fits(s, &q, out);
    q = *s->q;
    q.offload = -1;
    out->fits_with_offload = s->q->offload >= 0 && any_fits(s, &q, out);
    q = *s->q;
    double reach = 0;
    for (size_t i = 0; i < out->count; i++) {
        const sp_accel *a = out->items[i].accel;
        reach = fmax(reach, a->inter_node_bytes_per_s > 0 ? PROBE_GPUS_PAST * s->q->gpus_max : a->per_node);
    }
    for (double g = s->q->gpus_max * 2; g <= reach && out->fits_at_gpus == 0; g *= 2) {
        q.gpus_min = q.gpus_max = g;
        if (any_fits(s, &q, out))
            out->fits_at_gpus = g;
    }
    q = *s->q;
    for (double seq = floor(s->q->base.seq / 2); seq >= SP_FT_PROBE_SEQ_MIN && out->fits_at_seq == 0;
         seq = floor(seq / 2)) {
        q.base.seq = seq;
        if (any_fits(s, &q, out))
            out->fits_at_seq = seq;
    }
}

sp_status sp_ft_search(const sp_model *m, const sp_accel *const *accels, size_t accel_count, const sp_ft_request *q,
                       const sp_ft_constants *k, const sp_perf_constants *perf, sp_ft_result *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    out->best = -1;
    sp_status status = check_request(q, accel_count, err);
    sp_ft_config probe = q->base;
    probe.gpus = q->gpus_min;
    /* Parameter offload over several GPUs is FSDP's: the search shards when it offloads. */
    probe.fsdp = probe.fsdp || (probe.gpus > 1 && probe.offload == SP_OFFLOAD_PARAMS);
    if (status == SP_OK)
        status = sp_ft_config_check(m, &probe, err);
    if (status != SP_OK)
        return status;
    /* Counts no card can reach (past one server, with no published network) are an error. */
    size_t reachable = 0;
    for (size_t a = 0; a < accel_count; a++)
        reachable += q->gpus_min <= accels[a]->per_node || accels[a]->inter_node_bytes_per_s > 0;
    if (reachable == 0)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpus",
                       "%s has no published inter-node network: at most %g GPUs", accels[0]->name,
                       accels[0]->per_node);
    ft_search s = {m, q, k, perf, 0, {0}};
    sp_error card_err;
    bool refused = false;
    /* Every priced fit, for the faster option weighed against the recommendation at the end. */
    enum { CANDIDATES_MAX = 2048 };
    sp_ft_option *candidates = malloc(CANDIDATES_MAX * sizeof *candidates);
    size_t candidate_count = 0;
    if (!candidates)
        return sp_fail(err, SP_ERR_NOMEM, "", 0, 0, "", "out of memory");
    for (size_t a = 0; a < accel_count; a++)
        for (int method = SP_METHOD_FULL; method <= SP_METHOD_DORA; method++) {
            if (!(q->methods & (1u << method)))
                continue;
            /* A card that cannot run the method is an error when it is the only thing asked. */
            probe.method = (sp_ft_method)method;
            probe.quant = method == SP_METHOD_QLORA ? (q->base.quant != SP_QUANT_NONE ? q->base.quant : SP_QUANT_NF4)
                                                    : SP_QUANT_NONE;
            if (sp_ft_card_check(accels[a], &probe, &card_err) != SP_OK) {
                refused = true;
                continue;
            }
            sp_ft_option chosen;
            memset(&chosen, 0, sizeof chosen);
            for (double g = q->gpus_min; g <= q->gpus_max; g = next_count(g, q->gpus_max)) {
                if (g > accels[a]->per_node && !(accels[a]->inter_node_bytes_per_s > 0))
                    break;
                sp_ft_option o = best_layout(&s, accels[a], (sp_ft_method)method, g);
                if (o.fits)
                    price(&s, &o);
                /* The best fit with room at this count, for a tight recommendation to name. */
                if (s.roomy.fits) {
                    price(&s, &s.roomy);
                    if (!out->safer.fits || better(q, &s.roomy, &out->safer, s.perf))
                        out->safer = s.roomy;
                }
                if (o.fits && candidate_count < CANDIDATES_MAX)
                    candidates[candidate_count++] = o;
                if ((o.fits && (!chosen.fits || better(q, &o, &chosen, s.perf))) || (!chosen.fits && !chosen.accel))
                    chosen = o;
                if (g == q->gpus_max)
                    break;
            }
            if (chosen.accel)
                add_option(out, &chosen);
        }
    out->layouts_tried = s.layouts;
    /* Nothing to show because no card could run any method asked: that card's reason. */
    if (out->count == 0 && refused) {
        free(candidates);
        if (err)
            *err = card_err;
        return SP_ERR_INPUT;
    }
    for (size_t i = 0; i < out->count; i++)
        if (out->items[i].fits && (out->best < 0 || better(q, &out->items[i], &out->items[out->best], perf)))
            out->best = (int)i;
    for (size_t i = 0; out->best >= 0 && i < candidate_count; i++)
        keep_faster(&s, &out->items[out->best], &candidates[i], &out->faster);
    free(candidates);
    chunked_alternative(&s, out);
    what_would_fit(&s, out);
    return SP_OK;
}
