/* serve_sim.c - replicas behind a router under Poisson load, each simulated iteration by iteration
 * as vLLM's scheduler runs it (continuous batching with chunked prefill; Kwon et al. 2023, vLLM V1
 * scheduler; the simulation approach of Vidur, Agrawal et al. MLSys 2024). Pure: the step times
 * come in as a table, the arrivals from a seeded generator, so the same inputs give the same
 * percentiles. */
#include "estimate_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64* (Vigna 2016): a small, seeded, deterministic generator. */
static double uniform01(unsigned long long *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    unsigned long long r = *state * 2685821657736338717ULL;
    return ((double)(r >> 11) + 0.5) / 9007199254740992.0; /* (0, 1]: the top draw rounds to 1 */
}

typedef struct {
    double arrival_s, first_token_s, done_s;
    double prompt, output;     /* this request's lengths */
    double prefilled;          /* prompt tokens prefilled so far */
    double base;               /* its cache tokens less the replica's emitted count, once decoding */
    size_t next;               /* the next request waiting at the same replica */
} sim_request;

/* A standard normal draw (Box-Muller, the cosine branch). */
static double normal01(unsigned long long *state)
{
    double u = uniform01(state), v = uniform01(state);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* A whole length of the given mean and coefficient of variation, lognormal (sigma^2 =
 * ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2 keeps the mean), at least one token. */
static double draw_length(unsigned long long *state, double mean, double cv)
{
    if (!(cv > 0))
        return mean;
    double sigma2 = log(1.0 + cv * cv);
    return fmax(1.0, round(exp(log(mean) - sigma2 / 2.0 + sqrt(sigma2) * normal01(state))));
}

/* The k-th smallest of v[0..n) (0-based), v partly reordered so that v[0..k) hold nothing larger
 * and v(k..n) nothing smaller: Hoare's selection (Hoare 1961, FIND), median-of-three pivots.
 * Linear on average where a sort is n log n, and the rank's value is the same. */
static double select_rank(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* The nearest-rank p-th percentile's 0-based rank among n. */
static size_t percentile_rank(size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return rank > 0 ? rank - 1 : 0;
}

/* Mean and nearest-rank percentiles; each selection works below the one above it. */
static void summarise(double *values, size_t n, double percentile, sp_latency *out)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    out->mean = sum / (double)n;
    const double ps[4] = {99, 95, 90, 50};
    double *at[4] = {&out->p99, &out->p95, &out->p90, &out->p50};
    size_t within = n;
    for (int i = 0; i < 4; i++) {
        size_t k = percentile_rank(n, ps[i]);
        *at[i] = select_rank(values, within, k);
        within = k + 1;
    }
    /* Any other percentile asked (--percentile 75, 99.9): its own nearest rank over all n. */
    if (percentile > 0) {
        out->at = select_rank(values, n, percentile_rank(n, percentile));
        out->at_percentile = percentile;
    }
}

/* Tokens a decoding sequence emits an emitting iteration (a speculative check's mean acceptance). */
static double tokens_per_step(const sp_sim_input *in)
{
    return in->tokens_per_step > 1 ? in->tokens_per_step : 1.0;
}

/* Sequences in flight once the replica is full, from above: Little's law (in flight = rate x a
 * request's time) with the request's time bounded by its prefill and its tokens at the step of
 * the batch assumed, stretched by the share of time prefills take (Kleinrock 1975, ch. 2),
 * iterated down from the largest batch the cache holds to the largest batch that sustains itself.
 * At or above the replica's capacity it is that largest batch. */
static double steady_in_flight(const sp_sim_input *in, double rate_per_s)
{
    double prefill_share = rate_per_s * in->prompt_tokens * in->prefill_s_per_token;
    double batch = in->max_batch;
    if (prefill_share >= 1)
        return batch;
    for (int i = 0; i < 8; i++) {
        double step = in->decode_step_s[(size_t)fmax(1.0, ceil(batch)) - 1] / tokens_per_step(in);
        double request_s = in->prompt_tokens * in->prefill_s_per_token + in->output_tokens * step / (1.0 - prefill_share);
        batch = fmin(in->max_batch, rate_per_s * request_s);
    }
    return batch;
}

/* A replica starts empty and fills over about one request's lifetime, and empties once arrivals
 * stop: requests that arrive in the first two lifetimes, or after the last measured one, see a
 * smaller batch than the steady state and are simulated but not counted (a lifetime's arrivals are
 * the fleet's batches in flight). The measured ones are at least nine tenths of in->requests and
 * twenty lifetimes' worth, so each percentile averages over many turnovers of a batch: near
 * capacity, rare excursions to a full batch take long to drain (docs/MODEL.md). */
typedef struct {
    size_t warm, measured, total;
} sim_window;

static sim_window window_of(const sp_sim_input *in, size_t replicas)
{
    double each = ceil(steady_in_flight(in, in->rate_per_s / (double)replicas)), fleet = (double)replicas * each;
    sim_window w;
    w.warm = (size_t)fmax(in->requests / 10, 2.0 * fleet);
    w.measured = (size_t)fmax(in->requests - in->requests / 10, 20.0 * fleet);
    w.total = w.warm + w.measured + (size_t)fleet;
    return w;
}

/* A decoding request and the replica's emitted count at which it emits its last token. */
typedef struct {
    double finish;
    size_t index;
} sim_decode;

/* A replica of the simulated fleet: its requests not yet wholly prefilled wait in arrival order
 * (a list through sim_request.next), the first `admitted` of them holding KV-cache room. Every
 * decoding request emits a token at the end of each iteration that is not prefill-only, so a
 * request's last token falls at a known count of such iterations: the decoding ones wait in a
 * min-heap on that count, and an iteration costs the requests it starts and finishes, not the
 * batch it runs (Vidur's simulator steps the same batches). */
typedef struct {
    size_t head, tail;       /* the waiting list, read only while queued > 0 */
    size_t queued, admitted; /* its length, and how many of its first ones are admitted */
    size_t frontier;         /* the first waiting request not admitted, read only while queued > admitted */
    sim_decode *decoding;    /* the heap */
    size_t decoding_count;
    size_t *fresh, fresh_count; /* prefilled in the iteration in flight: their first token ends it */
    double emitted;          /* tokens each decoding sequence has emitted so far: emitting iterations x
                                tokens_per_step */
    size_t active;           /* admitted and not done */
    double prompt_held;      /* cache tokens of the admitted prompts not yet wholly prefilled (whole) */
    double decoding_base;    /* the sum of the decoding requests' base: they hold this plus
                                decoding_count x emitted tokens */
    unsigned long since;     /* iterations since the last scheduling point */
    bool busy, prefill_only;
    double end_s;            /* when the iteration in flight ends */
} sim_replica;

typedef struct {
    const sp_sim_input *in;
    sim_request *q;
    size_t max_batch;
    unsigned long round;     /* iterations between scheduling points */
} sim_fleet;

/* Requests routed to the replica and not yet done: what a load-aware router compares. */
static size_t outstanding(const sim_replica *r)
{
    return r->active + (r->queued - r->admitted);
}

static void enqueue(sim_fleet *f, sim_replica *r, size_t i)
{
    f->q[i].next = SIZE_MAX;
    if (r->queued == 0)
        r->head = i;
    else
        f->q[r->tail].next = i;
    if (r->queued == r->admitted)
        r->frontier = i;
    r->tail = i;
    r->queued++;
}

/* Cache tokens the replica's admitted requests hold now, each with its last block's unfilled half. */
static double held_tokens(const sp_sim_input *in, const sim_replica *r)
{
    return r->prompt_held + r->decoding_base + (double)r->decoding_count * r->emitted +
           (double)r->active * in->block_tokens / 2.0;
}

/* Whether the first waiting request not admitted may be: a running batch below max_batch whose
 * cache holds its prompt beside the tokens held (vLLM's scheduler allocates a prompt's blocks when
 * it schedules it and preempts when a decode finds none; growth past the cache is taken as absorbed
 * by the next admissions waiting, not simulated as preemption). An empty replica always admits. */
static bool admits(const sim_fleet *f, const sim_replica *r)
{
    if (r->admitted >= r->queued || r->active >= f->max_batch)
        return false;
    const sp_sim_input *in = f->in;
    if (!(in->kv_tokens > 0) || r->active == 0)
        return true;
    double prompt = f->q[r->frontier].prompt;
    return held_tokens(in, r) + prompt + in->block_tokens / 2.0 <= in->kv_tokens;
}

/* One iteration's token budget: every running decode takes a token of it, waiting prompts the
 * rest (vLLM's max_num_batched_tokens), first come first served, while the KV cache holds
 * max_batch sequences. The iteration takes the decode step of its running batch plus its
 * prefill tokens at the per-token prefill time. Under multi-step scheduling prompts join only at
 * a scheduling point, every scheduler_steps iterations (vLLM V0's multi-step runner decodes that
 * many steps a scheduler call: vllm-project/vllm pull request #7000, RFC #6854), or at once when
 * nothing is decoding, and are prefilled in an iteration of their own. */
static void start_iteration(sim_fleet *f, sim_replica *r, double now)
{
    const sp_sim_input *in = f->in;
    bool schedules = r->since % f->round == 0 || r->decoding_count == 0;
    while (schedules && admits(f, r)) {
        r->prompt_held += f->q[r->frontier].prompt;
        r->frontier = f->q[r->frontier].next;
        r->admitted++;
        r->active++;
    }
    if (r->active == 0) { /* idle until a request is routed here */
        r->busy = false;
        r->since = 0;
        return;
    }
    /* vLLM 0.6's multi-step refuses chunked prefill ("Chunked prefill is not supported with
     * multi-step", vllm-project/vllm issue #8274), so waiting prompts take an iteration of their
     * own, the decodes paused, as V0 schedules prefills, and the scheduler is called again. */
    r->prefill_only = f->round > 1 && schedules && r->admitted > 0;
    size_t decoding = r->prefill_only ? 0 : r->decoding_count;
    double budget = schedules ? in->chunk_tokens - (double)decoding : 0, prefill_tokens = 0;
    r->since = r->prefill_only ? 0 : schedules ? 1 : r->since + 1;
    /* First come, first served: a prompt completes only once those before it have, so the
     * completed ones leave from the head. */
    for (size_t left = r->admitted, i = r->head; left > 0 && budget > 0; left--) {
        sim_request *x = &f->q[i];
        double take = fmin(budget, x->prompt - x->prefilled);
        x->prefilled += take;
        prefill_tokens += take;
        budget -= take;
        size_t following = x->next;
        if (x->prefilled >= x->prompt) {
            r->fresh[r->fresh_count++] = i; /* the prefill's last chunk yields the first token */
            r->head = following;
            r->queued--;
            r->admitted--;
        }
        i = following;
    }
    /* The weights are read once an iteration: a decode step counts them, and prompt tokens add
     * their own compute (prefill_s_per_token, a chunk's worth's share). An iteration of prompts
     * alone reads them for the prompts: the first mean prompt's worth of tokens at a lone prompt's
     * rate, the whole no faster than a chunk's rate or a one-sequence step. */
    double lone = in->lone_prefill_s_per_token > 0 ? in->lone_prefill_s_per_token : in->prefill_s_per_token;
    double step = decoding > 0 ? in->decode_step_s[decoding - 1] + prefill_tokens * in->prefill_s_per_token
                               : fmax(fmax(prefill_tokens * in->prefill_s_per_token,
                                           fmin(prefill_tokens, in->prompt_tokens) * lone),
                                      in->decode_step_s[0]);
    r->end_s = now + step;
    r->busy = true;
}

static void heap_push(sim_replica *r, double finish, size_t index)
{
    size_t k = r->decoding_count++;
    while (k > 0 && r->decoding[(k - 1) / 2].finish > finish) {
        r->decoding[k] = r->decoding[(k - 1) / 2];
        k = (k - 1) / 2;
    }
    r->decoding[k] = (sim_decode){finish, index};
}

static size_t heap_pop(sim_replica *r)
{
    size_t top = r->decoding[0].index;
    sim_decode last = r->decoding[--r->decoding_count];
    size_t k = 0, n = r->decoding_count;
    for (;;) {
        size_t c = 2 * k + 1;
        if (c >= n)
            break;
        if (c + 1 < n && r->decoding[c + 1].finish < r->decoding[c].finish)
            c++;
        if (!(r->decoding[c].finish < last.finish))
            break;
        r->decoding[k] = r->decoding[c];
        k = c;
    }
    if (n > 0)
        r->decoding[k] = last;
    return top;
}

/* The iteration's end: every decoding request emits a token unless it was prefill-only, those at
 * their last token finish, and the ones it prefilled emit their first. Returns the requests it
 * finished. */
static size_t finish_iteration(sim_fleet *f, sim_replica *r)
{
    size_t finished = 0;
    double now = r->end_s;
    if (!r->prefill_only) /* a speculative check emits its acceptance length, on average */
        r->emitted += tokens_per_step(f->in);
    while (r->decoding_count > 0 && r->decoding[0].finish <= r->emitted) {
        sim_request *x = &f->q[heap_pop(r)];
        x->done_s = now;
        r->decoding_base -= x->base;
        finished++;
    }
    for (size_t k = 0; k < r->fresh_count; k++) {
        sim_request *x = &f->q[r->fresh[k]];
        x->first_token_s = now;
        r->prompt_held -= x->prompt;
        if (x->output > 1) { /* its prompt and first token now, a token more each emitting iteration */
            x->base = x->prompt + 1.0 - r->emitted;
            r->decoding_base += x->base;
            heap_push(r, r->emitted + x->output - 1.0, r->fresh[k]);
            continue;
        }
        x->done_s = now;
        finished++;
    }
    r->fresh_count = 0;
    r->active -= finished;
    return finished;
}

/* One of n at random; the draw can round to 1, which would be n. */
static size_t draw_index(unsigned long long *state, size_t n)
{
    size_t i = (size_t)(uniform01(state) * (double)n);
    return i < n ? i : n - 1;
}

/* The replica an arrival goes to: with 0 choices the one with the fewest requests not yet done of
 * all (the first on a tie); with 1 one at random; with 2 (or more) the fewer of two drawn at
 * random, the first drawn on a tie (Mitzenmacher 2001, the power of two choices; Ray Serve's
 * default router compares two replicas' queues; NVIDIA's MLPerf harness sends each sample to the
 * least busy of all). */
static size_t route(const sim_replica *fleet, size_t replicas, double choices, unsigned long long *state)
{
    if (replicas == 1)
        return 0;
    size_t best = 0;
    if (!(choices >= 1)) {
        for (size_t r = 1; r < replicas; r++)
            if (outstanding(&fleet[r]) < outstanding(&fleet[best]))
                best = r;
        return best;
    }
    best = draw_index(state, replicas);
    if (choices >= 2) {
        size_t other = draw_index(state, replicas - 1);
        other += other >= best; /* distinct from the first */
        if (outstanding(&fleet[other]) < outstanding(&fleet[best]))
            best = other;
    }
    return best;
}

/* The busy replica whose iteration ends first, or SIZE_MAX when none is busy. */
static size_t first_to_finish(const sim_replica *fleet, size_t replicas)
{
    size_t first = SIZE_MAX;
    for (size_t r = 0; r < replicas; r++)
        if (fleet[r].busy && (first == SIZE_MAX || fleet[r].end_s < fleet[first].end_s))
            first = r;
    return first;
}

bool sp_serve_simulate(const sp_sim_input *in, sp_sim_result *out)
{
    memset(out, 0, sizeof *out);
    if (in->requests < 10 || !(in->rate_per_s > 0) || !(in->max_batch >= 1) || !(in->prompt_tokens >= 1) ||
        !(in->output_tokens >= 1))
        return false;
    /* 0, 1, less or not a number: one replica. */
    size_t replicas = in->replicas >= 1 ? (size_t)fmin(in->replicas, SP_SIM_REPLICAS_MAX) : 1;
    sim_window w = window_of(in, replicas);
    size_t n = w.total, max_batch = (size_t)in->max_batch;
    sim_request *q = calloc(n, sizeof *q);
    double *values = malloc(n * sizeof *values);
    sim_decode *decoding = malloc(replicas * (max_batch + 1) * sizeof *decoding);
    size_t *fresh = malloc(replicas * (max_batch + 1) * sizeof *fresh);
    sim_replica *fleet = calloc(replicas, sizeof *fleet);
    if (!q || !values || !decoding || !fresh || !fleet) {
        free(q);
        free(values);
        free(decoding);
        free(fresh);
        free(fleet);
        return false;
    }
    unsigned long long state = in->seed ? in->seed : 0x9E3779B97F4A7C15ULL;
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        t += -log(uniform01(&state)) / in->rate_per_s; /* Poisson arrivals: exponential gaps */
        q[i].arrival_s = t;
        q[i].prompt = draw_length(&state, in->prompt_tokens, in->prompt_spread);
        q[i].output = draw_length(&state, in->output_tokens, in->output_spread);
        if (in->max_tokens > 0 && q[i].prompt + q[i].output > in->max_tokens) {
            q[i].output = fmin(q[i].output, fmax(1.0, in->max_tokens - 1.0));
            q[i].prompt = fmax(1.0, in->max_tokens - q[i].output);
        }
    }
    for (size_t r = 0; r < replicas; r++) {
        fleet[r].decoding = decoding + r * (max_batch + 1);
        fleet[r].fresh = fresh + r * (max_batch + 1);
    }
    /* The router draws from its own stream, so the arrivals are the same whatever it does. */
    unsigned long long routing = state ^ 0xD1B54A32D192ED03ULL;
    sim_fleet f = {in, q, max_batch, in->scheduler_steps > 1 ? (unsigned long)in->scheduler_steps : 1};
    size_t next = 0, done = 0;
    while (done < n) {
        size_t r = first_to_finish(fleet, replicas);
        /* An arrival at the moment an iteration ends waits for the next one. */
        if (next < n && (r == SIZE_MAX || q[next].arrival_s <= fleet[r].end_s)) {
            sim_replica *to = &fleet[route(fleet, replicas, in->route_choices, &routing)];
            enqueue(&f, to, next);
            if (!to->busy)
                start_iteration(&f, to, q[next].arrival_s);
            next++;
            continue;
        }
        done += finish_iteration(&f, &fleet[r]);
        start_iteration(&f, &fleet[r], fleet[r].end_s);
    }
    size_t skip = w.warm, m = w.measured;
    for (size_t i = 0; i < m; i++)
        values[i] = q[skip + i].first_token_s - q[skip + i].arrival_s;
    summarise(values, m, in->percentile, &out->ttft_s);
    for (size_t i = 0; i < m; i++) {
        const sim_request *r = &q[skip + i];
        values[i] = r->output > 1 ? (r->done_s - r->first_token_s) / (r->output - 1.0) : 0;
    }
    summarise(values, m, in->percentile, &out->tpot_s);
    for (size_t i = 0; i < m; i++)
        values[i] = q[skip + i].done_s - q[skip + i].arrival_s;
    summarise(values, m, in->percentile, &out->e2e_s);
    free(q);
    free(values);
    free(decoding);
    free(fresh);
    free(fleet);
    return true;
}
