/* validate.c - predicted versus published for every validation row (make validate).
 *
 * usage: stackplan-validate DATA_DIR VALIDATION_DIR [--check]
 * With --check the exit status is 1 when a kind misses its error target. Uses only
 * the public API: the same estimators the CLI calls. */
#include "validate.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- memory rows ---- */

static void memory_zero_row(json_t *row, const sp_memory_constants *k, tally *t)
{
    json_t *measured = json_object_get(json_object_get(row, "measured"), "model_state_bytes_per_gpu");
    sp_model m;
    memset(&m, 0, sizeof m);
    m.params_override = number(json_object_get(row, "model"), "params", 0);
    for (int stage = 0; stage <= 3; stage++) {
        char key[8], what[32];
        snprintf(key, sizeof key, "zero%d", stage);
        snprintf(what, sizeof what, "model state, ZeRO-%d", stage);
        sp_mem_config c = SP_MEM_CONFIG_INIT;
        sp_precision_parse(text(row, "precision", "mixed-fp16"), &c.precision);
        sp_optimizer_parse(text(row, "optimizer", "adam"), &c.optimizer);
        c.dp = number(row, "dp", 1);
        c.zero = stage;
        sp_memory out;
        if (sp_memory_estimate(&m, &c, k, 0, &out, NULL) != SP_OK) {
            fail_row(t, text(row, "id", "?"), "memory estimate refused the row");
            continue;
        }
        record(t, text(row, "id", "?"), what, out.model_state_bytes, number(measured, key, 1));
    }
}

/* HF Trainer rows: PyTorch AMP keeps fp32 weights (autocast), eager attention. */
static void memory_peak_row(json_t *row, const char *data_dir, const sp_memory_constants *k, tally *t)
{
    json_t *model = json_object_get(row, "model");
    sp_model m;
    sp_error err;
    if (sp_model_load_catalog(data_dir, text(model, "name", "?"), &m, &err) != SP_OK) {
        fail_row(t, text(row, "id", "?"), err.message);
        return;
    }
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    sp_precision_parse(text(row, "precision", "fp32"), &c.precision);
    sp_optimizer_parse(text(row, "optimizer", "adamw"), &c.optimizer);
    sp_recompute_parse(text(row, "recompute", "none"), &c.recompute);
    c.mixed_style = SP_MASTER_AUTOCAST;
    c.micro_batch = number(row, "micro_batch", 1);
    c.seq = number(model, "seq", 512);
    sp_memory out;
    if (sp_memory_estimate(&m, &c, k, 0, &out, &err) != SP_OK) {
        fail_row(t, text(row, "id", "?"), err.message);
        return;
    }
    record(t, text(row, "id", "?"), "peak bytes", out.total_bytes,
           number(json_object_get(row, "measured"), "peak_bytes", 1));
}

static bool validate_memory(const char *data_dir, const char *dir, const sp_memory_constants *k)
{
    json_t *rows = load(dir, "memory_public.json");
    if (!rows)
        return false;
    printf("memory (memory_public.json)\n  %-38s %-22s %14s %14s %9s\n", "row", "quantity", "predicted",
           "published", "error");
    tally zero = {0}, peaks = {0};
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (json_object_get(json_object_get(row, "measured"), "model_state_bytes_per_gpu"))
            memory_zero_row(row, k, &zero);
        else
            memory_peak_row(row, data_dir, k, &peaks);
    }
    json_decref(rows);
    /* The ZeRO table is analytic: only its printed rounding (31.4 for 31.406) separates us. */
    bool ok = summary("ZeRO model states", &zero, 0.005, 0.005);
    return summary("measured peaks", &peaks, 0.10, 0.10) && ok;
}

/* ---- training rows ---- */

/* The row's model: a catalog name, or the published shape. */
static bool row_model(const estimate_ctx *t, json_t *model, bool mpt_style, sp_model *out)
{
    sp_error err;
    const char *name = text(model, "name", NULL);
    if (name && sp_model_load_catalog(t->data_dir, name, out, &err) == SP_OK)
        return true;
    sp_ffn_kind kind = !strcmp(text(model, "ffn_kind", "gelu"), "swiglu") ? SP_FFN_SWIGLU : SP_FFN_GELU;
    double heads = number(model, "heads", 0);
    sp_model_from_shape(out, number(model, "layers", 0), number(model, "hidden", 0), heads,
                        number(model, "kv_heads", heads), number(model, "ffn", 0), kind, number(model, "vocab", 0),
                        number(model, "seq", 2048));
    if (mpt_style) { /* MPT (llm-foundry): no biases, bias-free LayerNorm, ALiBi, no dropout */
        out->qkv_bias = out->out_bias = out->mlp_bias = out->norm_bias = false;
        out->learned_positions = 0;
        out->dropout = false;
    }
    return out->layers > 0;
}

static sp_search_request row_request(json_t *row, json_t *model)
{
    sp_search_request q = pinned_request(row, number(model, "seq", 2048), false);
    q.zero = (int)number(row, "zero", -1);
    sp_recompute r;
    q.recompute = sp_recompute_parse(text(row, "recompute", ""), &r) ? (int)r : -1;
    return q;
}

/* The fastest fitting layout of the row's job on its accelerator. */
static bool best_of(const estimate_ctx *t, const char *gpu, const sp_model *m, const sp_search_request *q,
                    sp_candidate *best)
{
    const sp_accel *a = sp_accel_find(t->accels, gpu);
    sp_search_result r;
    sp_error err;
    if (!a || sp_train_search(m, a, q, t->mk, t->perf, 1, &r, &err) != SP_OK || !r.found)
        return false;
    *best = r.top[0];
    return true;
}

/* Megatron-LM 2021 (Narayanan et al.), Table 1: fp16, full recompute, no sequence
 * parallelism, no distributed optimizer, no FlashAttention (all later than the paper);
 * the micro-batch and interleaving depth were not published, so the search picks them. */
static void megatron_row(const estimate_ctx *t, json_t *row, tally *tl)
{
    json_t *model = json_object_get(row, "model");
    sp_model m;
    sp_candidate best;
    sp_search_request q = row_request(row, model);
    q.precision = SP_PREC_MIXED_FP16;
    q.flash_attention = false;
    q.sequence_parallel = 0;
    q.zero = 0;
    if (!row_model(t, model, false, &m) || !best_of(t, text(row, "gpu", ""), &m, &q, &best)) {
        fail_row(tl, text(row, "id", "?"), "no model, accelerator or fitting layout");
        return;
    }
    record(tl, text(row, "id", "?"), "iteration time (s)", best.step.step_time_s,
           number(json_object_get(row, "measured"), "iteration_time_s", 1));
}

/* llm-foundry MPT runs (FSDP FULL_SHARD, bf16, FlashAttention). */
static void mosaic_row(const estimate_ctx *t, json_t *row, tally *tl)
{
    json_t *model = json_object_get(row, "model");
    sp_model m;
    sp_candidate best;
    sp_search_request q = row_request(row, model);
    if (!row_model(t, model, true, &m) || !best_of(t, text(row, "gpu", ""), &m, &q, &best)) {
        fail_row(tl, text(row, "id", "?"), "no model, accelerator or fitting layout");
        return;
    }
    record(tl, text(row, "id", "?"), "tokens/s", best.step.tokens_per_s,
           number(json_object_get(row, "measured"), "tokens_per_s", 1));
}

/* Llama 2 whole runs: layout and GPU count unpublished, so the cheapest of the usual
 * cluster sizes; steady state only, so restarts and evaluation make the truth higher. */
static void llama_row(const estimate_ctx *t, json_t *row, tally *tl)
{
    json_t *model = json_object_get(row, "model");
    sp_model m;
    if (!row_model(t, model, false, &m)) {
        fail_row(tl, text(row, "id", "?"), "no model");
        return;
    }
    double seq = number(model, "seq", 4096);
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.seq = seq;
    q.global_batch = number(row, "global_batch_tokens", 4194304) / seq;
    q.tokens = number(row, "tokens", 2e12);
    q.goodput = t->goodput; /* published GPU-hours are whole runs */
    const double counts[] = {256, 512, 1024, 2048};
    double best_hours = 0;
    for (size_t i = 0; i < 4; i++) {
        sp_candidate c;
        q.gpus = counts[i];
        if (best_of(t, text(row, "gpu", ""), &m, &q, &c) && (best_hours == 0 || c.gpu_hours < best_hours))
            best_hours = c.gpu_hours;
    }
    if (best_hours == 0) {
        fail_row(tl, text(row, "id", "?"), "no accelerator or fitting layout at any cluster size");
        return;
    }
    record(tl, text(row, "id", "?"), "GPU-hours", best_hours, number(json_object_get(row, "measured"), "gpu_hours", 1));
}

static bool validate_training(const estimate_ctx *t, const char *dir)
{
    json_t *mega = load(dir, "megatron_2021_table1.json"), *pub = load(dir, "training_public.json");
    if (!mega || !pub) {
        json_decref(mega);
        json_decref(pub);
        return false;
    }
    printf("training (megatron_2021_table1.json, training_public.json)\n  %-38s %-22s %14s %14s %9s\n", "row",
           "quantity", "predicted", "published", "error");
    tally steady = {0}, whole = {0};
    size_t i;
    json_t *row;
    json_array_foreach(mega, i, row)
        megatron_row(t, row, &steady);
    json_array_foreach(pub, i, row)
    {
        if (json_object_get(json_object_get(row, "measured"), "gpu_hours"))
            llama_row(t, row, &whole);
        else
            mosaic_row(t, row, &steady);
    }
    json_decref(mega);
    json_decref(pub);
    /* Issue 4's targets: median 7%, worst 20%. The one fitted constant was chosen on these rows. */
    bool ok = summary("training, steady-state rows (in-sample: perf.yaml sustained_fraction was fitted on them)",
                      &steady, 0.07, 0.20);
    summary("training, whole-run GPU-hours at defaults.yaml's goodput (reported, not a target: evaluation, ablations "
            "and restarts beyond the goodput included)",
            &whole, 1, 1);
    return ok;
}

/* ---- serving rows (TensorRT-LLM performance tables: v0.6.1 throughput, v0.5 first token) ---- */

static void serving_row(const estimate_ctx *t, json_t *row, tally *tl)
{
    json_t *model = json_object_get(row, "model"), *measured = json_object_get(row, "measured");
    sp_model m;
    sp_error err;
    const sp_accel *a = sp_accel_find(t->accels, text(row, "gpu", ""));
    if (!row_model(t, model, false, &m) || !a) {
        fail_row(tl, text(row, "id", "?"), "no model or accelerator");
        return;
    }
    sp_serve_config c = SP_SERVE_CONFIG_INIT;
    sp_dtype_parse(text(row, "weight_dtype", "bf16"), &c.weight_dtype);
    sp_dtype_parse(text(row, "kv_dtype", "bf16"), &c.kv_dtype);
    c.tp = number(row, "tp", 1);
    c.batch = number(row, "batch", 1);
    c.prompt_tokens = number(row, "prompt_tokens", 128);
    c.output_tokens = number(row, "output_tokens", 128);
    /* These tables are TensorRT-LLM v0.5 and v0.6.1, which predate the XQA kernel (v0.8) that made GQA
     * decode read each KV head once (TensorRT-LLM blog "XQA kernel"). */
    c.gqa_shared_kv_reads = false;
    c.gemm_8bit_fixed_tiles = true; /* TensorRT-LLM's GEMMs are cuBLAS's */
    sp_serve_result r;
    if (sp_serve_estimate(&m, a, &c, t->mk, t->perf, &r, &err) != SP_OK) {
        fail_row(tl, text(row, "id", "?"), err.message);
        return;
    }
    if (json_object_get(measured, "ttft_s"))
        record(tl, text(row, "id", "?"), "first token (s)", r.prefill_s, number(measured, "ttft_s", 1));
    else if (json_object_get(measured, "output_tokens_per_s_per_gpu"))
        record(tl, text(row, "id", "?"), "output tok/s/GPU", r.output_tokens_per_s_per_gpu,
               number(measured, "output_tokens_per_s_per_gpu", 1));
    else
        record(tl, text(row, "id", "?"), "output tok/s", r.output_tokens_per_s, number(measured, "output_tokens_per_s", 1));
}

static bool serving_file(const estimate_ctx *t, const char *dir, const char *file, tally *tl)
{
    json_t *rows = load(dir, file);
    if (!rows)
        return false;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
        serving_row(t, row, tl);
    json_decref(rows);
    return true;
}

/* Issue 5's targets (median 15%, worst 35%) apply to the shared rows and to all rows together;
 * the first-token rows of the same tables that the shared file leaves out (serving_extra.json)
 * are also summarised alone so that their bias shows. */
static bool validate_serving(const estimate_ctx *t, const char *dir)
{
    printf("serving (serving_public.json, then serving_extra.json)\n  %-38s %-22s %14s %14s %9s\n", "row",
           "quantity", "predicted", "published", "error");
    tally shared = {0}, extra = {0};
    if (!serving_file(t, dir, "serving_public.json", &shared) || !serving_file(t, dir, "serving_extra.json", &extra))
        return false;
    tally all = shared;
    for (size_t i = 0; i < extra.count && all.count < TALLY_MAX; i++)
        all.errors[all.count++] = extra.errors[i];
    all.failures += extra.failures;
    bool ok = summary("serving, shared rows", &shared, 0.15, 0.35);
    summary("serving, first-token rows the shared file leaves out (reported)", &extra, 1, 1);
    return summary("serving, all rows", &all, 0.15, 0.35) && ok;
}

/* ---- data rows ---- */

typedef struct {
    const sp_stage_model *stages;
    const sp_instance_catalog *instances;
    const sp_accel_catalog *accels;
} data_ctx;

static bool data_job(const data_ctx *d, json_t *row, sp_data_job *job)
{
    json_t *spec = json_object_get(row, "job"), *names = json_object_get(spec, "stages"), *name;
    size_t i;
    memset(job, 0, sizeof *job);
    json_array_foreach(names, i, name)
    {
        int k = sp_stage_find(d->stages, json_string_value(name));
        if (k < 0 || job->count == SP_STAGES_MAX)
            return false;
        job->stages[job->count++] = k;
    }
    job->input_bytes = json_object_get(spec, "input_tb") ? number(spec, "input_tb", 0) * 1e12
                                                         : number(spec, "input_tokens", 0) * d->stages->bytes_per_token;
    job->nodes = number(row, "nodes", 1);
    return job->count > 0;
}

/* Rows a catalog constant was taken from: printed with the reason, not counted in the target. */
static const struct {
    const char *id, *why;
} IN_SAMPLE[] = {
    {"nemo-curator-fuzzy-dedup", "stages.yaml fuzzy-dedup gpu_tokens_per_s is calibrated on it"},
    {"tiktoken-per-thread", "stages.yaml's tokenize cost is this figure"},
    {"slimpajama-redpajama-cpu", "stages.yaml fuzzy-dedup cpu_s_per_gb is calibrated on it"},
};

static const char *in_sample(const char *id)
{
    for (size_t i = 0; i < sizeof IN_SAMPLE / sizeof IN_SAMPLE[0]; i++)
        if (!strcmp(id, IN_SAMPLE[i].id))
            return IN_SAMPLE[i].why;
    return NULL;
}

static void data_row(const data_ctx *d, json_t *row, tally *tl, tally *calibration)
{
    const char *id = text(row, "id", "?");
    const char *why = in_sample(id);
    if (why) {
        printf("  %-38s (in-sample, not counted: %s)\n", id, why);
        tl = calibration;
    }
    json_t *measured = json_object_get(row, "measured");
    sp_data_job job;
    sp_data_result r;
    if (!data_job(d, row, &job)) {
        fail_row(tl, id, "unknown stage");
        return;
    }
    if (json_object_get(measured, "mb_per_s_per_thread")) {
        /* tiktoken: the tokenize stage's cost per byte is this figure (in-sample); the 16-thread
         * figure is one process, which the model (one worker per vCPU) does not describe. */
        const sp_stage *st = &d->stages->stages[job.stages[0]];
        double per_core = 1e9 / st->phases[0].cpu_s_per_gb / 1e6;
        record(tl, id, "MB/s, 1 thread", per_core, number(measured, "mb_per_s_per_thread", 1));
        /* Reported, not counted: sixteen threads inside one process stop scaling (the row's own
         * note); the model runs one worker process per vCPU and has no term for it. */
        double threads = 16 * per_core * d->stages->cpu_efficiency, published = number(measured, "mb_per_s_16_threads", 1);
        printf("  %-38s %-22s %14.4g %14.4g %+8.1f%%  (not modelled: threads in one process)\n", id,
               "MB/s, 16 threads", threads, published, 100.0 * (threads - published) / published);
        return;
    }
    const sp_instance *in = sp_instance_find(d->instances, text(row, "instance", ""));
    const sp_accel *gpu = in ? NULL : sp_accel_find(d->accels, text(row, "instance", ""));
    if (gpu) { /* GPU rows: the GPUs do the work; the host CPUs are a c6i.8xlarge per node */
        in = sp_instance_find(d->instances, "c6i.8xlarge");
        job.gpu = gpu;
        job.gpus_per_node = number(row, "gpus", gpu->per_node) / job.nodes;
    }
    if (!in || sp_data_estimate(d->stages, in, &job, &r, NULL) != SP_OK) {
        fail_row(tl, id, "cannot estimate");
        return;
    }
    record(tl, id, "hours", r.hours, number(measured, "hours", 1));
}

static bool validate_data(const data_ctx *d, const char *dir)
{
    json_t *rows = load(dir, "data_public.json");
    if (!rows)
        return false;
    printf("data (data_public.json)\n  %-38s %-22s %14s %14s %9s\n", "row", "quantity", "predicted", "published",
           "error");
    tally tl = {0}, calibration = {0};
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
        data_row(d, row, &tl, &calibration);
    json_decref(rows);
    /* Issue 7: within 20%, on the rows no constant was taken from. */
    bool ok = summary("data, in-sample rows (reported)", &calibration, 1, 1);
    return summary("data, rows no constant was fitted to", &tl, 0.20, 0.20) && ok;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: stackplan-validate DATA_DIR VALIDATION_DIR [--check]\n");
        return 2;
    }
    bool check = argc > 3 && !strcmp(argv[3], "--check");
    sp_rules rules;
    sp_error err;
    if (sp_rules_load(argv[1], &rules, &err) != SP_OK) {
        fprintf(stderr, "validate: %s\n", err.message);
        return 2;
    }
    /* A published run is timed at its own layout, the knobs it does not state taken at their fastest
     * (its operators tuned for speed): the planner's near-tie rule, which gives a tie to the layout
     * with more free memory, is a choice for users, not a claim about what ran. */
    rules.perf.search_tie_tolerance = 0;
    sp_memory_constants k = sp_rules_memory_constants(&rules);
    bool ok = validate_memory(argv[1], argv[2], &k);
    char path[1024];
    snprintf(path, sizeof path, "%s/accelerators.yaml", argv[1]);
    sp_accel_catalog accels;
    if (sp_accels_load(path, &accels, &err) != SP_OK) {
        fprintf(stderr, "validate: %s\n", err.message);
        return 2;
    }
    estimate_ctx t = {argv[1], &accels, &k, &rules.perf, rules.limits.goodput};
    ok = validate_training(&t, argv[2]) && ok;
    ok = validate_serving(&t, argv[2]) && ok;
    ok = validate_finetune(argv[1], argv[2], &rules, &accels) && ok;
    ok = validate_finetune_extra(argv[1], argv[2], &rules, &accels) && ok;
    ok = validate_models(argv[2]) && ok;
    ok = validate_serving_modern(argv[1], argv[2], &accels, &k, &rules.perf) && ok;
    ok = validate_serving_features(argv[1], argv[2], &accels, &k, &rules.perf) && ok;
    ok = validate_training_scale(argv[1], argv[2], &accels, &k, &rules.perf) && ok;
    ok = validate_serving_slo(argv[1], argv[2], &accels, &k, &rules.perf, &rules.limits) && ok;
    ok = validate_serving_mlperf(argv[1], argv[2], &accels, &k, &rules.perf) && ok;
    static sp_stage_model stages;
    sp_instance_catalog instances;
    snprintf(path, sizeof path, "%s/stages.yaml", argv[1]);
    char ipath[1024];
    snprintf(ipath, sizeof ipath, "%s/instances.yaml", argv[1]);
    if (sp_stages_load(path, &stages, &err) != SP_OK || sp_instances_load(ipath, &instances, &err) != SP_OK) {
        fprintf(stderr, "validate: %s: %s\n", err.field, err.message);
        return 2;
    }
    data_ctx d = {&stages, &instances, &accels};
    ok = validate_data(&d, argv[2]) && ok;
    sp_instance_catalog_free(&instances);
    sp_accel_catalog_free(&accels);
    printf("%s\n", ok ? "every gated target met (lines marked \"reported until met\" are not yet)" : "a target was missed or a row could not be predicted");
    return check && !ok ? 1 : 0;
}
