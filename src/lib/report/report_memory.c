/* report_memory.c - memory breakdowns and catalog listings, as text or JSON. */
#include "report_internal.h"

#include <jansson.h>
#include <math.h>
#include <string.h>
#include <stdio.h>

static const double GB = 1e9;

static void describe_model(sp_buf *b, const sp_model *m)
{
    if (!sp_model_has_shape(m)) {
        sp_buf_printf(b, "model        : %s (%.3f B parameters; no shape: activations and KV cache not estimated)\n",
                      m->name, sp_model_params(m) / 1e9);
        return;
    }
    sp_buf_printf(b, "model        : %s (%s, %.3f B parameters", m->name, m->arch, sp_model_params(m) / 1e9);
    if (m->experts > 1)
        sp_buf_printf(b, ", %.3f B active per token", sp_model_active_params(m) / 1e9);
    if (m->text_only)
        sp_buf_printf(b, "; the language model of a multimodal file: its vision tower is not counted");
    sp_buf_printf(b, ")\n               %g layers, hidden %g, %g heads", m->layers, m->hidden, m->heads);
    /* MLA caches one latent a token, not K and V a head (DeepSeek-V2, sec. 2.1.2). */
    if (m->kv_lora_rank > 0)
        sp_buf_printf(b, ", MLA (a %g-wide latent cached)", m->kv_lora_rank);
    else
        sp_buf_printf(b, ", %g kv heads", m->kv_heads);
    if (m->experts > 1)
        sp_buf_printf(b, ", %g experts (%g a token, %g shared) of ffn %g", m->experts, m->experts_per_token,
                      m->shared_experts, m->ffn);
    else
        sp_buf_printf(b, ", ffn %g", m->ffn);
    if (m->experts > 1 && m->dense_ffn > 0 && sp_model_routed_layers(m) < m->layers)
        sp_buf_printf(b, ", dense layers' ffn %g", m->dense_ffn);
    sp_buf_printf(b, " %s, vocab %g\n", m->ffn_kind == SP_FFN_SWIGLU ? "swiglu" : "gelu", m->vocab);
}

static void describe_config(sp_buf *b, const sp_mem_config *c)
{
    if (c->mode == SP_MODE_INFER) {
        sp_buf_printf(b, "setup        : infer, weights %s, kv cache %s, tp %g, pp %g, batch %g x %g tokens\n",
                      sp_dtype_name(c->weight_dtype), sp_dtype_name(c->kv_dtype), c->tp, c->pp, c->batch,
                      c->context);
        return;
    }
    sp_buf_printf(b, "setup        : train, %s%s, %s, dp %g, zero %g, tp %g, pp %g", sp_precision_name(c->precision),
                  c->precision == SP_PREC_MIXED_FP16 || c->precision == SP_PREC_MIXED_BF16
                      ? (c->mixed_style == SP_MASTER_AUTOCAST ? " (autocast)" : " (master in optimizer)")
                      : "",
                  sp_optimizer_name(c->optimizer), c->dp, c->zero, c->tp, c->pp);
    if (c->interleave > 1)
        sp_buf_printf(b, " x %g virtual", c->interleave);
    if (c->cp > 1)
        sp_buf_printf(b, ", cp %g", c->cp);
    if (c->ep > 1)
        sp_buf_printf(b, ", ep %g", c->ep);
    if (c->etp > 1)
        sp_buf_printf(b, ", etp %g", c->etp);
    sp_buf_printf(b, "\n               micro-batch %g x %g tokens, recompute %s, sequence parallel %s, flash attention %s%s\n",
                  c->micro_batch, c->seq, sp_recompute_name(c->recompute), c->sequence_parallel ? "on" : "off",
                  c->flash_attention ? "on" : "off",
                  c->eager_modules ? ", eager modules (--no-eager-modules: fused)" : "");
}

static void text_row(sp_buf *b, const char *label, double bytes)
{
    sp_buf_printf(b, "  %-16s %10.2f\n", label, bytes / GB);
}

/* The next step after a NO: a smaller batch where one fits, else the command that searches splits
 * (and, serving, a smaller weight type than the one asked). */
static void try_text(sp_buf *b, const sp_memory_report *r)
{
    bool train = r->config->mode == SP_MODE_TRAIN;
    if (r->max_batch >= 1) {
        sp_buf_printf(b, "try          : %s %g, the largest that fits\n", train ? "--micro-batch" : "--batch", r->max_batch);
        return;
    }
    if (train) {
        sp_buf_puts(b, "try          : more GPUs with the state sharded: `stackplan train` searches ZeRO stages, tensor "
                       "and pipeline splits over --gpus N\n");
        return;
    }
    sp_dtype w = r->config->weight_dtype;
    const char *smaller = w == SP_DTYPE_BF16 || w == SP_DTYPE_FP16 || w == SP_DTYPE_FP32 ? ", or a smaller --weight-dtype (fp8, int4)"
                          : w == SP_DTYPE_FP8 || w == SP_DTYPE_INT8                      ? ", or --weight-dtype int4"
                                                                                         : "";
    sp_buf_printf(b, "try          : split it over GPUs: `stackplan serve` searches tensor parallelism (--tp N)%s\n", smaller);
}

static char *memory_text(const sp_memory_report *r, sp_error *err)
{
    const sp_memory *m = r->memory;
    sp_buf b = {0};
    describe_model(&b, r->model);
    describe_config(&b, r->config);
    /* As train says it: a training sequence past the published context extends it. Shape flags
     * name no context. */
    const sp_model *model = r->model;
    if (r->config->mode == SP_MODE_TRAIN && model->seq > 0 && r->config->seq > model->seq &&
        strcmp(model->arch, "shape") != 0)
        sp_buf_printf(&b, "context      : %g tokens a sequence is past %s's %g-token context: training there extends "
                          "it (e.g. RoPE scaling)\n",
                      r->config->seq, model->name, model->seq);
    char capacity[64];
    if (r->accel) {
        sp_capacity_text(r->accel->memory_bytes, 2, capacity, sizeof capacity);
        sp_buf_printf(&b, "accelerator  : %s (%s)\n", r->accel->name, capacity);
    }
    sp_buf_printf(&b, "\nper accelerator        GB\n");
    text_row(&b, "weights", m->weights_bytes);
    text_row(&b, "gradients", m->gradients_bytes);
    text_row(&b, "optimizer", m->optimizer_bytes);
    text_row(&b, "model state", m->model_state_bytes);
    text_row(&b, "activations", m->activations_bytes);
    text_row(&b, "kv cache", m->kv_cache_bytes);
    text_row(&b, "overhead", m->overhead_bytes);
    text_row(&b, "total", m->total_bytes);
    /* params_per_gpu is the tensor and pipeline slice; ZeRO-3 keeps 1/dp of it (the weights row). */
    if (r->config->mode == SP_MODE_TRAIN && r->config->zero >= 3 && r->config->dp > 1)
        sp_buf_printf(&b, "  (%.3f B parameters in this GPU's tensor and pipeline slice, of which ZeRO-3 stores "
                          "its data-parallel share: the weights row",
                      m->params_per_gpu / 1e9);
    else
        sp_buf_printf(&b, "  (%.3f B parameters on this GPU", m->params_per_gpu / 1e9);
    if (m->gather_bytes > 0)
        sp_buf_printf(&b, "; overhead includes %.2f GB of ZeRO-3 gathered layers", m->gather_bytes / GB);
    if (r->config->mode == SP_MODE_TRAIN && r->config->pp > 1)
        sp_buf_printf(&b, "; %g micro-batches in flight on the first stage", m->inflight_microbatches);
    sp_buf_puts(&b, ")\n\n");
    /* Training is checked against what a layout may use, the card less perf.yaml's
     * memory_headroom (as train searches); inference against the whole card. */
    double card = r->accel ? r->accel->memory_bytes : m->capacity_bytes;
    char limit[96];
    if (card > m->capacity_bytes)
        snprintf(limit, sizeof limit, "the %.2f GB a GPU may use (%.2f GB less the memory headroom)", m->capacity_bytes / GB,
                 card / GB);
    else
        snprintf(limit, sizeof limit, "the card's %.2f GB", m->capacity_bytes / GB);
    if (m->capacity_bytes > 0 && m->fits)
        sp_buf_printf(&b, "fits         : yes, %.2f GB of %s, %.0f%%; %.2f GB to spare\n", m->total_bytes / GB, limit,
                      100.0 * m->total_bytes / m->capacity_bytes, m->headroom_bytes / GB);
    else if (m->capacity_bytes > 0)
        sp_buf_printf(&b, "fits         : NO, %.2f GB is %.2f GB over %s\n", m->total_bytes / GB, -m->headroom_bytes / GB,
                      limit);
    /* Without a shape nothing scales with the batch (no activations, no KV cache): no largest. */
    if (m->capacity_bytes > 0 && sp_model_has_shape(r->model))
        sp_buf_printf(&b, "largest %s that fits: %.0f\n",
                      r->config->mode == SP_MODE_TRAIN ? "micro-batch" : "batch of sequences", r->max_batch);
    else if (m->capacity_bytes > 0)
        sp_buf_printf(&b, "largest %s that fits: unknown without the model's shape\n",
                      r->config->mode == SP_MODE_TRAIN ? "micro-batch" : "batch of sequences");
    /* No fit: what would make one (the fine-tune mode has its own line). */
    if (m->capacity_bytes > 0 && !m->fits)
        try_text(&b, r);
    if (r->deepspeed) {
        double params = m->params, largest = sp_model_largest_layer_params(r->model);
        sp_buf_printf(&b, "deepspeed    : its estimator gives %.2f GB (ZeRO-2) and %.2f GB (ZeRO-3) of model state per GPU over %g GPUs\n",
                      sp_deepspeed_zero_estimate(params, largest, r->config->dp, 2) / GB,
                      sp_deepspeed_zero_estimate(params, largest, r->config->dp, 3) / GB, r->config->dp);
    }
    return sp_buf_finish(&b, err);
}

static json_t *config_json(const sp_mem_config *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "mode", json_string(sp_mode_name(c->mode)));
    if (c->mode == SP_MODE_INFER) {
        json_object_set_new(o, "weight_dtype", json_string(sp_dtype_name(c->weight_dtype)));
        json_object_set_new(o, "kv_dtype", json_string(sp_dtype_name(c->kv_dtype)));
        json_object_set_new(o, "batch", json_integer((json_int_t)c->batch));
        json_object_set_new(o, "context", json_integer((json_int_t)c->context));
    } else {
        json_object_set_new(o, "precision", json_string(sp_precision_name(c->precision)));
        json_object_set_new(o, "mixed_style", json_string(c->mixed_style == SP_MASTER_AUTOCAST ? "autocast" : "master"));
        json_object_set_new(o, "optimizer", json_string(sp_optimizer_name(c->optimizer)));
        json_object_set_new(o, "dp", json_integer((json_int_t)c->dp));
        json_object_set_new(o, "zero", json_integer((json_int_t)c->zero));
        json_object_set_new(o, "micro_batch", json_integer((json_int_t)c->micro_batch));
        json_object_set_new(o, "seq", json_integer((json_int_t)c->seq));
        json_object_set_new(o, "recompute", json_string(sp_recompute_name(c->recompute)));
        json_object_set_new(o, "sequence_parallel", json_boolean(c->sequence_parallel));
        json_object_set_new(o, "flash_attention", json_boolean(c->flash_attention));
        json_object_set_new(o, "eager_modules", json_boolean(c->eager_modules));
        json_object_set_new(o, "interleave", json_integer((json_int_t)c->interleave));
        json_object_set_new(o, "cp", json_integer((json_int_t)c->cp));
        json_object_set_new(o, "ep", json_integer((json_int_t)c->ep));
        json_object_set_new(o, "etp", json_integer((json_int_t)c->etp));
    }
    json_object_set_new(o, "tp", json_integer((json_int_t)c->tp));
    json_object_set_new(o, "pp", json_integer((json_int_t)c->pp));
    return o;
}

static char *memory_json(const sp_memory_report *r, sp_error *err)
{
    const sp_memory *m = r->memory;
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(r->model->name));
    json_object_set_new(o, "params", sp_json_count(m->params));
    json_object_set_new(o, "active_params", sp_json_count(sp_model_active_params(r->model)));
    json_object_set_new(o, "vision_tower_counted", json_boolean(!r->model->text_only));
    json_object_set_new(o, "params_per_gpu", sp_json_count(m->params_per_gpu));
    json_object_set_new(o, "config", config_json(r->config));
    json_object_set_new(o, "gpu", r->accel ? json_string(r->accel->name) : json_null());
    json_object_set_new(o, "weights_bytes", sp_json_count(m->weights_bytes));
    json_object_set_new(o, "gradients_bytes", sp_json_count(m->gradients_bytes));
    json_object_set_new(o, "optimizer_bytes", sp_json_count(m->optimizer_bytes));
    json_object_set_new(o, "model_state_bytes", sp_json_count(m->model_state_bytes));
    json_object_set_new(o, "activations_bytes", sp_json_count(m->activations_bytes));
    json_object_set_new(o, "kv_cache_bytes", sp_json_count(m->kv_cache_bytes));
    json_object_set_new(o, "gather_bytes", sp_json_count(m->gather_bytes));
    json_object_set_new(o, "overhead_bytes", sp_json_count(m->overhead_bytes));
    json_object_set_new(o, "allocated_bytes", sp_json_count(m->allocated_bytes));
    json_object_set_new(o, "reserved_bytes", sp_json_count(m->reserved_bytes));
    json_object_set_new(o, "device_bytes", sp_json_count(m->device_bytes));
    json_object_set_new(o, "total_bytes", sp_json_count(m->total_bytes));
    json_object_set_new(o, "capacity_bytes", sp_json_count(m->capacity_bytes));
    json_object_set_new(o, "headroom_bytes", sp_json_count(m->headroom_bytes));
    json_object_set_new(o, "fits", json_boolean(m->fits));
    json_object_set_new(o, r->config->mode == SP_MODE_TRAIN ? "max_micro_batch" : "max_batch",
                        sp_model_has_shape(r->model) ? json_integer((json_int_t)r->max_batch) : json_null());
    if (r->deepspeed) {
        double largest = sp_model_largest_layer_params(r->model);
        json_object_set_new(o, "deepspeed_zero2_bytes", sp_json_count(sp_deepspeed_zero_estimate(m->params, largest, r->config->dp, 2)));
        json_object_set_new(o, "deepspeed_zero3_bytes", sp_json_count(sp_deepspeed_zero_estimate(m->params, largest, r->config->dp, 3)));
    }
    return sp_json_report(o, err);
}

char *sp_render_memory(const sp_memory_report *report, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_HTML) {
        char title[SP_TEXT_MAX];
        snprintf(title, sizeof title, "Memory per GPU: %s", report->model->name);
        sp_svg_bar bar = sp_memory_bar(report->config->mode == SP_MODE_TRAIN ? "training" : "inference",
                                       report->memory);
        char *charts[] = {sp_chart_memory(title, &bar, 1, report->accel ? report->accel->memory_bytes : 0, err)};
        return sp_html_finish(title, memory_text(report, err), memory_json(report, err), charts, 1, err);
    }
    return format == SP_FORMAT_JSON ? memory_json(report, err) : memory_text(report, err);
}

char *sp_render_accels(const sp_accel_catalog *catalog, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_JSON) {
        json_t *list = json_array();
        for (size_t i = 0; i < catalog->count; i++) {
            const sp_accel *a = &catalog->items[i];
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(a->name));
            json_object_set_new(o, "vendor", json_string(a->vendor));
            json_object_set_new(o, "memory_bytes", sp_json_count(a->memory_bytes));
            json_object_set_new(o, "hbm_bytes_per_s", json_real(a->hbm_bytes_per_s));
            json_object_set_new(o, "bf16_flops_per_s", json_real(a->bf16_flops_per_s));
            json_object_set_new(o, "fp8_flops_per_s", json_real(a->fp8_flops_per_s));
            json_object_set_new(o, "fp4_flops_per_s", json_real(a->fp4_flops_per_s));
            json_object_set_new(o, "per_node", json_integer((json_int_t)a->per_node));
            json_object_set_new(o, "host_gpus", json_integer((json_int_t)sp_accel_host_gpus(a)));
            json_object_set_new(o, "intra_node_bytes_per_s", json_real(a->intra_node_bytes_per_s));
            json_object_set_new(o, "inter_node_bytes_per_s", json_real(a->inter_node_bytes_per_s));
            /* null where the GPUs reach each other peer to peer */
            json_object_set_new(o, "peer_bytes_per_s", a->peer_bytes_per_s > 0 ? json_real(a->peer_bytes_per_s) : json_null());
            /* null where no price is published: not free (the text prints "-") */
            json_object_set_new(o, "usd_per_hour", a->usd_per_hour > 0 ? json_real(a->usd_per_hour) : json_null());
            json_object_set_new(o, "price_date", json_string(a->price_date));
            json_object_set_new(o, "price_provider", a->price_provider[0] ? json_string(a->price_provider) : json_null());
            json_t *sizes = json_array(); /* the offer's larger instances: [] where GPUs are rented one at a time */
            for (size_t k = 0; k < a->instance_count; k++) {
                json_t *size = json_object();
                json_object_set_new(size, "gpus", json_integer((json_int_t)a->instance_gpus[k]));
                json_object_set_new(size, "usd_per_hour", json_real(a->instance_usd_per_hour[k]));
                json_array_append_new(sizes, size);
            }
            json_object_set_new(o, "instances", sizes);
            /* The fewest GPUs the offer rents: usd_per_hour is then that instance's per-GPU share. */
            json_object_set_new(o, "min_rented_gpus", json_integer(a->min_rented_gpus > 1 ? (json_int_t)a->min_rented_gpus : 1));
            json_array_append_new(list, o);
        }
        return sp_json_finish(list, err);
    }
    sp_buf b = {0};
    sp_buf_printf(&b, "%-20s %-7s %8s %8s %9s %9s %9s %5s %8s %8s %8s\n", "name", "vendor", "mem GB", "HBM TB/s",
                  "bf16 TF/s", "fp8 TF/s", "fp4 TF/s", "/node", "NVL GB/s", "net GB/s", "$/h");
    for (size_t i = 0; i < catalog->count; i++) {
        const sp_accel *a = &catalog->items[i];
        char price[32] = "-"; /* no public price: not free */
        if (a->usd_per_hour > 0)
            snprintf(price, sizeof price, "%.2f", a->usd_per_hour);
        sp_buf_printf(&b, "%-20s %-7s %8.1f %8.2f %9.1f %9.1f %9.1f %5.0f %8.0f %8.1f %8s\n", a->name, a->vendor,
                      a->memory_bytes / GB, a->hbm_bytes_per_s / 1e12, a->bf16_flops_per_s / 1e12,
                      a->fp8_flops_per_s / 1e12, a->fp4_flops_per_s / 1e12, a->per_node,
                      a->intra_node_bytes_per_s / GB, a->inter_node_bytes_per_s / GB, price);
    }
    sp_buf_printf(&b, "(0 TF/s: the part has no such mode or none is published; $/h -: no public price)\n");
    /* /node is the NVLink domain; where it spans hosts, launches count the host's GPUs. */
    for (size_t i = 0; i < catalog->count; i++) {
        const sp_accel *a = &catalog->items[i];
        if (sp_accel_host_gpus(a) != a->per_node)
            sp_buf_printf(&b, "(%s: /node is its NVLink domain of %.0f, on hosts of %.0f GPUs each)\n", a->name,
                          a->per_node, sp_accel_host_gpus(a));
    }
    /* Where GPUs come only in instances of 1, 4 or 8, a job on several pays for the instance. */
    for (size_t i = 0; i < catalog->count; i++) {
        const sp_accel *a = &catalog->items[i];
        if (a->instance_count == 0)
            continue;
        bool single = !(a->min_rented_gpus > 1);
        sp_buf_printf(&b, "%s: $/h is %s; %s rents", a->name,
                      single ? "one GPU's instance" : "a GPU's share of the smallest instance", a->price_provider);
        for (size_t k = 0; k < a->instance_count; k++)
            sp_buf_printf(&b, "%s %g for $%.2f", k ? "," : "", a->instance_gpus[k], a->instance_usd_per_hour[k]);
        if (single && a->instance_gpus[0] > 2) /* a count between sizes pays for the next one up */
            sp_buf_printf(&b, " an hour (a job on 2 pays for the %g)\n", a->instance_gpus[0]);
        else if (single)
            sp_buf_printf(&b, " an hour\n");
        else
            sp_buf_printf(&b, " an hour and no single GPU (a job on 1 pays for the %g)\n", a->min_rented_gpus);
    }
    return sp_buf_finish(&b, err);
}

char *sp_render_models(const sp_model *models, size_t count, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_JSON) {
        json_t *list = json_array();
        for (size_t i = 0; i < count; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(models[i].name));
            json_object_set_new(o, "arch", json_string(models[i].arch));
            json_object_set_new(o, "params", sp_json_count(sp_model_params(&models[i])));
            json_object_set_new(o, "active_params", sp_json_count(sp_model_active_params(&models[i])));
            json_array_append_new(list, o);
        }
        return sp_json_finish(list, err);
    }
    sp_buf b = {0};
    sp_buf_printf(&b, "%-26s %-12s %18s %18s %7s %7s %6s %4s %7s\n", "name", "arch", "params", "active",
                  "layers", "hidden", "heads", "kv", "vocab");
    for (size_t i = 0; i < count; i++) {
        const sp_model *m = &models[i];
        char params[48], active[48];
        sp_format_thousands(sp_model_params(m), params, sizeof params);
        sp_format_thousands(sp_model_active_params(m), active, sizeof active);
        sp_buf_printf(&b, "%-26s %-12s %18s %18s %7g %7g %6g %4g %7g\n", m->name, m->arch, params, active,
                      m->layers, m->hidden, m->heads, m->kv_heads, m->vocab);
    }
    /* Makers count "active" differently (OpenAI's gpt-oss card leaves the input embedding out,
     * Mistral's Mixtral and DeepSeek-V3 figures keep it): say which this column is. */
    sp_buf_printf(&b, "\nactive: every parameter less the routed experts a token skips, the input embedding included (a "
                     "lookup, no FLOPs; some makers' figures leave it out)\n");
    return sp_buf_finish(&b, err);
}
