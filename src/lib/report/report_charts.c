/* report_charts.c - the charts of each report, drawn from the numbers the report prints:
 * memory per GPU, the time-cost front, GPUs against days and cost, the step, the break-even,
 * serving throughput against latency, and a page to put them on. */
#include "report_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double GB = 1e9;

static const char *const MEMORY_PARTS[] = {"weights", "gradients", "optimizer state", "activations", "KV cache",
                                           "overhead"};

sp_svg_bar sp_memory_bar(const char *label, const sp_memory *m)
{
    sp_svg_bar bar = {label, {m->weights_bytes / GB, m->gradients_bytes / GB, m->optimizer_bytes / GB,
                              m->activations_bytes / GB, m->kv_cache_bytes / GB, m->overhead_bytes / GB}};
    return bar;
}

char *sp_chart_memory(const char *title, const sp_svg_bar *bars, size_t count, double capacity_bytes, sp_error *err)
{
    sp_svg_bars chart = {title, "", "GB per GPU", MEMORY_PARTS, 6, bars, count, capacity_bytes / GB, "GPU memory"};
    return sp_svg_stacked_bars(&chart, err);
}

static const char *const FT_PARTS[] = {"frozen base", "trainable state", "activations and logits", "transient",
                                       "allocator and context"};

sp_svg_bar sp_ft_memory_bar(const char *label, const sp_ft_memory *m)
{
    double base = m->base_bytes + m->quant_constants_bytes;
    double trainable = m->trainable_bytes + m->gradients_bytes + m->optimizer_bytes;
    double acts = m->activations_bytes + m->logits_bytes;
    double parts = base + trainable + acts + m->transient_bytes;
    sp_svg_bar bar = {label, {base / GB, trainable / GB, acts / GB, m->transient_bytes / GB,
                              fmax(0, m->device_bytes - parts) / GB}};
    return bar;
}

char *sp_chart_ft_memory(const char *title, const sp_svg_bar *bars, size_t count, double capacity_bytes, sp_error *err)
{
    sp_svg_bars chart = {title, "", "GB per GPU (parts summed; nvidia-smi total)", FT_PARTS, 5, bars, count,
                         capacity_bytes / GB, "GPU memory"};
    return sp_svg_stacked_bars(&chart, err);
}

char *sp_chart_step(const char *title, const sp_step *s, sp_error *err)
{
    static const char *const parts[] = {"compute", "TP", "pipeline bubble", "PP", "DP", "EP", "CP", "optimizer"};
    sp_svg_bar bar = {"one step", {s->compute_s, s->tp_comm_s, s->bubble_s, s->pp_comm_s, s->dp_comm_s, s->ep_comm_s,
                                   s->cp_comm_s, s->optimizer_s}};
    sp_svg_bars chart = {title, "", "seconds", parts, 8, &bar, 1, 0, NULL};
    return sp_svg_stacked_bars(&chart, err);
}

/* Both totals over hours up to four times h* (or the run, when longer), h* marked. */
char *sp_chart_breakeven(const sp_breakeven_input *in, double breakeven_hours, double run_hours, sp_error *err)
{
    enum { N = 41 };
    double top = isfinite(breakeven_hours) && breakeven_hours > 0 ? 4 * breakeven_hours : 1000;
    top = fmax(top, run_hours * 1.25);
    double x[N], self[N], managed[N];
    for (int i = 0; i < N; i++) {
        x[i] = top * i / (N - 1);
        sp_cost c = sp_costs(in->gpus, in->usd_per_gpu_hour, x[i], in->premium, in->ops_hours, in->ops_usd_per_hour);
        self[i] = c.self_usd;
        managed[i] = c.managed_usd;
    }
    char mark[64];
    snprintf(mark, sizeof mark, "break-even %.4g h", breakeven_hours);
    sp_svg_series series[] = {{"self-managed", x, self, N, false}, {"managed", x, managed, N, false}};
    sp_svg_xy chart = {"Self-managed versus managed, total cost", "hours the job runs", "total cost (USD)", false,
                       true, isfinite(breakeven_hours) ? breakeven_hours : 0, mark, 0, NULL, NULL, 0, 0};
    if (run_hours > 0) {
        sp_cost c = sp_costs(in->gpus, in->usd_per_gpu_hour, run_hours, in->premium, in->ops_hours,
                             in->ops_usd_per_hour);
        chart.chosen_label = "this run";
        chart.chosen_x = run_hours;
        chart.chosen_y = fmin(c.self_usd, c.managed_usd);
    }
    return sp_svg_xy_chart(&chart, series, 2, err);
}

/* Serving: a batch sweep of one replica at the plan's tensor parallelism, output tokens a second
 * against the time between tokens, with the targets drawn. */
char *sp_chart_serve(const sp_serve_report *r, sp_error *err)
{
    enum { N = 16 };
    double tput[N], tpot_ms[N];
    size_t n = 0;
    sp_memory_constants mk = sp_rules_memory_constants(r->rules);
    for (double batch = 1; batch <= r->result->max_batch && n < N; batch *= 2) {
        sp_serve_config c = *r->config;
        c.tp = r->result->tp;
        c.pp = r->result->pp;
        c.batch = batch;
        c.ttft_s = c.tpot_s = 0; /* the sweep shows what each batch gives, targets or not */
        c.qps = 0;
        c.percentile = 0;
        c.replicas = 0;
        sp_serve_result s;
        if (sp_serve_estimate(r->model, r->accel, &c, &mk, &r->rules->perf, &s, NULL) != SP_OK)
            break;
        tput[n] = s.output_tokens_per_s;
        tpot_ms[n++] = s.tpot_s * 1e3;
    }
    sp_svg_series series = {"one replica, batch 1, 2, 4...", tput, tpot_ms, n, false};
    sp_svg_xy chart = {"Throughput against latency over batch sizes", "output tokens/s per replica",
                       "time per output token (ms)", false, true, 0, NULL,
                       r->config->tpot_s > 0 ? r->config->tpot_s * 1e3 : 0, "TPOT target", "plan", 0, 0};
    chart.chosen_x = r->result->output_tokens_per_s;
    chart.chosen_y = r->result->tpot_s * 1e3;
    return sp_svg_xy_chart(&chart, &series, 1, err);
}

char *sp_html_finish(const char *title, char *text, char *json, char **charts, size_t count, sp_error *err)
{
    char *page = text && json ? sp_html_page(title, text, charts, count, json, err) : NULL;
    free(text);
    free(json);
    for (size_t i = 0; i < count; i++)
        free(charts[i]);
    return page;
}
