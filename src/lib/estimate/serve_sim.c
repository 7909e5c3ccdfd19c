/* serve_sim.c - one replica under Poisson load, simulated iteration by iteration as vLLM's
 * scheduler runs it (continuous batching with chunked prefill; Kwon et al. 2023, vLLM V1
 * scheduler; the simulation approach of Vidur, Agrawal et al. MLSys 2024). Pure: the step times
 * come in as a table, the arrivals from a seeded generator, so the same inputs give the same
 * percentiles. */
#include "estimate_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64* (Vigna 2016): a small, seeded, deterministic generator. */
static double uniform01(unsigned long long *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    unsigned long long r = *state * 2685821657736338717ULL;
    return ((double)(r >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
}

typedef struct {
    double arrival_s, first_token_s, done_s;
    double prompt, output;     /* this request's lengths */
    double prefilled, emitted; /* prompt tokens prefilled so far, output tokens emitted */
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

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double percentile(const double *sorted, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return sorted[rank > 0 ? rank - 1 : 0];
}

static void summarise(double *values, size_t n, sp_latency *out)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    qsort(values, n, sizeof values[0], compare_double);
    out->mean = sum / (double)n;
    out->p50 = percentile(values, n, 50);
    out->p90 = percentile(values, n, 90);
    out->p95 = percentile(values, n, 95);
    out->p99 = percentile(values, n, 99);
}

/* Sequences in flight once the replica is full, from above: Little's law (in flight = rate x a
 * request's time) with the request's time bounded by its prefill and its tokens at the step of
 * the batch assumed, stretched by the share of time prefills take (Kleinrock 1975, ch. 2),
 * iterated down from the largest batch the cache holds to the largest batch that sustains itself.
 * At or above the replica's capacity it is that largest batch. */
static double steady_in_flight(const sp_sim_input *in)
{
    double prefill_share = in->rate_per_s * in->prompt_tokens * in->prefill_s_per_token;
    double batch = in->max_batch;
    if (prefill_share >= 1)
        return batch;
    for (int i = 0; i < 8; i++) {
        double step = in->decode_step_s[(size_t)fmax(1.0, ceil(batch)) - 1];
        double request_s = in->prompt_tokens * in->prefill_s_per_token + in->output_tokens * step / (1.0 - prefill_share);
        batch = fmin(in->max_batch, in->rate_per_s * request_s);
    }
    return batch;
}

/* A replica starts empty and fills over about one request's lifetime, and empties once arrivals
 * stop: requests that arrive in the first two lifetimes, or after the last measured one, see a
 * smaller batch than the steady state and are simulated but not counted. The measured ones are
 * at least nine tenths of in->requests and five lifetimes' worth (a lifetime's arrivals are the
 * batch in flight), so each percentile averages over several turnovers of the batch. */
typedef struct {
    size_t warm, measured, total;
} sim_window;

static sim_window window_of(const sp_sim_input *in)
{
    double in_flight = ceil(steady_in_flight(in));
    sim_window w;
    w.warm = (size_t)fmax(in->requests / 10, 2.0 * in_flight);
    w.measured = (size_t)fmax(in->requests - in->requests / 10, 5.0 * in_flight);
    w.total = w.warm + w.measured + (size_t)in_flight;
    return w;
}

/* One iteration's token budget: every running decode takes a token of it, waiting prompts the
 * rest (vLLM's max_num_batched_tokens), first come first served, while the KV cache holds
 * max_batch sequences. The iteration takes the decode step of its running batch plus its
 * prefill tokens at the per-token prefill time. Under multi-step scheduling prompts join only at
 * a scheduling point, every scheduler_steps iterations (vLLM V0's multi-step runner decodes that
 * many steps a scheduler call: vllm-project/vllm pull request #7000, RFC #6854), or at once when
 * nothing is decoding, and are prefilled in an iteration of their own. */
bool sp_serve_simulate(const sp_sim_input *in, sp_sim_result *out)
{
    memset(out, 0, sizeof *out);
    if (in->requests < 10 || !(in->rate_per_s > 0) || !(in->max_batch >= 1) || !(in->prompt_tokens >= 1) ||
        !(in->output_tokens >= 1))
        return false;
    sim_window w = window_of(in);
    size_t n = w.total;
    sim_request *q = calloc(n, sizeof *q);
    double *values = malloc(n * sizeof *values);
    size_t *live = malloc(((size_t)in->max_batch + 1) * sizeof *live);
    if (!q || !values || !live) {
        free(q);
        free(values);
        free(live);
        return false;
    }
    unsigned long long state = in->seed ? in->seed : 0x9E3779B97F4A7C15ULL;
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        t += -log(uniform01(&state)) / in->rate_per_s; /* Poisson arrivals: exponential gaps */
        q[i].arrival_s = t;
        q[i].prompt = draw_length(&state, in->prompt_tokens, in->prompt_spread);
        q[i].output = draw_length(&state, in->output_tokens, in->output_spread);
    }
    double now = 0, busy_s = 0;
    /* Admitted requests are those before next in arrival order. The scheduler is first come, first
     * served, so the prompts still being prefilled are those from first_unprefilled to next; the
     * prefilled ones not yet done are listed in live (prefilled_active of them, in no order: one
     * that finishes takes the last one's place), so an iteration touches only running requests
     * however long an early one runs; active counts the admitted ones not yet done. */
    size_t next = 0, done = 0, first_unprefilled = 0, active = 0, prefilled_active = 0;
    size_t max_batch = (size_t)in->max_batch;
    unsigned long round = in->scheduler_steps > 1 ? (unsigned long)in->scheduler_steps : 1, since = 0;
    while (done < n) {
        bool schedules = since % round == 0 || prefilled_active == 0;
        while (schedules && next < n && q[next].arrival_s <= now && active < max_batch) {
            next++;
            active++;
        }
        if (active == 0) { /* idle until the next arrival */
            now = q[next].arrival_s;
            since = 0;
            continue;
        }
        /* vLLM 0.6's multi-step refuses chunked prefill ("Chunked prefill is not supported with
         * multi-step", vllm-project/vllm issue #8274), so waiting prompts take an iteration of their
         * own, the decodes paused, as V0 schedules prefills, and the scheduler is called again. */
        bool prefill_only = round > 1 && schedules && first_unprefilled < next;
        size_t decoding = prefill_only ? 0 : prefilled_active;
        double budget = schedules ? in->chunk_tokens - (double)decoding : 0, prefill_tokens = 0;
        since = prefill_only ? 0 : schedules ? 1 : since + 1;
        for (size_t i = first_unprefilled; i < next && budget > 0; i++) {
            double take = fmin(budget, q[i].prompt - q[i].prefilled);
            q[i].prefilled += take;
            prefill_tokens += take;
            budget -= take;
            if (q[i].prefilled >= q[i].prompt) {
                q[i].emitted = -1; /* the prefill's last chunk yields the first token below */
                first_unprefilled = i + 1;
                live[prefilled_active++] = i;
            }
        }
        double step = (decoding > 0 ? in->decode_step_s[decoding - 1] : 0) + prefill_tokens * in->prefill_s_per_token;
        now += step;
        busy_s += step;
        for (size_t k = 0; k < prefilled_active;) {
            sim_request *r = &q[live[k]];
            if (prefill_only && r->emitted >= 0) {
                k++;
                continue;
            }
            if (r->emitted < 0) {
                r->emitted = 1;
                r->first_token_s = now;
            } else {
                r->emitted += 1;
            }
            if (r->emitted < r->output) {
                k++;
                continue;
            }
            r->done_s = now;
            done++;
            active--;
            live[k] = live[--prefilled_active];
        }
    }
    size_t skip = w.warm, m = w.measured;
    for (size_t i = 0; i < m; i++)
        values[i] = q[skip + i].first_token_s - q[skip + i].arrival_s;
    summarise(values, m, &out->ttft_s);
    for (size_t i = 0; i < m; i++) {
        const sim_request *r = &q[skip + i];
        values[i] = r->output > 1 ? (r->done_s - r->first_token_s) / (r->output - 1.0) : 0;
    }
    summarise(values, m, &out->tpot_s);
    for (size_t i = 0; i < m; i++)
        values[i] = q[skip + i].done_s - q[skip + i].arrival_s;
    summarise(values, m, &out->e2e_s);
    out->requests_per_s = (double)m / (q[skip + m - 1].arrival_s - q[skip].arrival_s);
    out->busy_share = now > 0 ? busy_s / now : 0;
    free(q);
    free(values);
    free(live);
    return true;
}
