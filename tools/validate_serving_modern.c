/* validate_serving_modern.c - TensorRT-LLM's published max-load throughput of today's MoE models
 * (serving_modern_public.json) against the serving model, for the rows it can express. */
#include "validate.h"

#include <stdio.h>
#include <string.h>

/* The catalog part a row names. */
static const char *row_accel(const char *gpu)
{
    static const struct {
        const char *row, *name;
    } parts[] = {{"b200", "b200-sxm-192gb"},           {"gb200", "gb200-nvl72-186gb"},
                 {"h200-sxm-141gb", "h200-sxm-141gb"}, {"h100-sxm-80gb", "h100-sxm-80gb"},
                 {"rtx-pro-6000-blackwell-server", "rtx-pro-6000-96gb"}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (!strcmp(gpu, parts[i].row))
            return parts[i].name;
    return "";
}

#define RUN_SHAPES_MAX 16 /* the page lists ten */

typedef struct {
    tally moe, dense; /* the dense rows are the same harness's check on a model without experts */
    tally moe_rest;   /* serving_modern_moe_rest.json: the table's other MoE cells, copied after the
                         2026-12-01 changes (out of sample for them) */
    bool rest;
    /* serving_modern_dense.json: the same table's dense rows, Hopper and Blackwell apart */
    tally hopper, blackwell;
    bool by_part;
    /* serving_modern_harness.json: the CUDA-graph batch sizes the table's runs captured, padded */
    double graph_batches[SP_GRAPH_BATCHES_MAX];
    int graph_batch_count;
    /* ... and the requests each run was given, by prompt and output length */
    struct {
        double prompt, output, requests;
    } runs[RUN_SHAPES_MAX];
    int run_count;
} modern_tallies;

/* The requests the table's run of this shape was given; 0 if the page names none. */
static double run_requests(const modern_tallies *t, double prompt, double output)
{
    for (int i = 0; i < t->run_count; i++)
        if (t->runs[i].prompt == prompt && t->runs[i].output == output)
            return t->runs[i].requests;
    return 0;
}

/* FP8 and NVFP4 rows. TensorRT-LLM's ModelOpt FP8 and FP4 checkpoints keep the KV cache in FP8
 * (an assumption: the table does not say; TensorRT-LLM's own accuracy references,
 * tests/integration/defs/accuracy/references/mmlu.yaml, list its Qwen3-30B-A3B and Qwen3-235B-A22B
 * NVFP4 and FP8 checkpoints and its Llama 3.3 70B NVFP4 one with kv_cache_quant_algo FP8). */
static void modern_row(const estimate_ctx *x, json_t *row, void *tallies)
{
    modern_tallies *both = tallies;
    const char *id = text(row, "id", "?");
    if (json_object_get(row, "feature")) /* speculative decoding and prefix caching: validate_serving_features.c */
        return;
    const char *dtype = text(row, "weight_dtype", "");
    double measured = number(json_object_get(row, "measured"), "output_tokens_per_s", 0);
    sp_model m;
    sp_error err;
    const sp_accel *a = sp_accel_find(x->accels, row_accel(text(row, "gpu", "")));
    const char *named = text(json_object_get(row, "model"), "name", "");
    const char *model = catalog_model_of(named) ? catalog_model_of(named) : named; /* most rows use catalog names */
    bool fp8 = !strcmp(dtype, "fp8"), nvfp4 = !strcmp(dtype, "nvfp4");
    if (!(fp8 || nvfp4) || !(measured > 0) || !a || sp_model_load_catalog(x->data_dir, model, &m, &err) != SP_OK) {
        printf("  %-52s not expressed: %s\n", id,
               !(fp8 || nvfp4) ? "weights neither fp8 nor nvfp4 as stated" : "no catalog model, part or throughput");
        return;
    }
    sp_serve_config c = SP_SERVE_CONFIG_INIT;
    c.weight_dtype = nvfp4 ? SP_DTYPE_NVFP4 : SP_DTYPE_FP8;
    c.kv_dtype = SP_DTYPE_FP8;
    /* trtllm-bench sizes the KV cache as a share of the memory free after loading, 0.90 by
     * default (the table's page: "In many cases ... 0.95", with no cell named: the default is taken). */
    c.memory_share_of_free = true;
    c.gemm_8bit_fixed_tiles = true; /* trtllm-bench: TensorRT-LLM's GEMMs */
    c.tp = number(row, "tp", 1);
    c.prompt_tokens = number(row, "prompt_tokens", 1000);
    c.output_tokens = number(row, "output_tokens", 1000);
    c.usd_per_gpu_hour = 1;
    memcpy(c.graph_batches, both->graph_batches, sizeof c.graph_batches);
    c.graph_batch_count = both->graph_batch_count;
    /* trtllm-bench queues every request of the run at once and reports the run's tokens over its
     * wall time; the page lists how many each shape was given (serving_modern_harness.json). */
    c.requests = run_requests(both, c.prompt_tokens, c.output_tokens);
    /* TensorRT-LLM's MoE recipe passes --ep (its size not published) and enable_attention_dp, which
     * its later perf-overview pages name for "Qwen3 MoE, Llama4 Maverick" (relabelled DEP): experts
     * split whole over the GPUs, attention whole on each for its share of the sequences. Llama 4
     * Scout's guide leaves attention DP off: tensor parallelism throughout (moe_ep_size 1). */
    bool scout = strstr(model, "scout") != NULL;
    c.expert_parallel = c.attention_dp = m.experts > 1 && !scout;
    tally *t = both->rest ? &both->moe_rest : m.experts > 1 ? &both->moe : &both->dense;
    if (both->by_part)
        t = strstr(text(row, "gpu", ""), "b200") ? &both->blackwell : &both->hopper;
    sp_serve_result r;
    if (sp_serve_estimate(&m, a, &c, x->mk, x->perf, &r, &err) != SP_OK || !r.fits) {
        fail_row(t, id, r.fits ? err.message : "does not fit");
        return;
    }
    record(t, id, "output tokens/s", c.requests > 0 ? r.run_output_tokens_per_s : r.output_tokens_per_s, measured);
}

bool validate_serving_modern(const char *data_dir, const char *dir, const sp_accel_catalog *accels,
                             const sp_memory_constants *mk, const sp_perf_constants *perf)
{
    estimate_ctx x = {data_dir, accels, mk, perf, 1};
    static modern_tallies t;
    memset(&t, 0, sizeof t);
    json_t *harness = load(dir, "serving_modern_harness.json");
    if (!harness)
        return false;
    size_t i;
    json_t *size;
    json_array_foreach(json_object_get(harness, "cuda_graph_batch_sizes"), i, size) if (i < SP_GRAPH_BATCHES_MAX)
        t.graph_batches[t.graph_batch_count++] = json_number_value(size);
    json_t *run;
    json_array_foreach(json_object_get(harness, "num_requests"), i, run) if (i < RUN_SHAPES_MAX) {
        t.runs[t.run_count].prompt = number(run, "prompt_tokens", 0);
        t.runs[t.run_count].output = number(run, "output_tokens", 0);
        t.runs[t.run_count++].requests = number(run, "requests", 0);
    }
    json_decref(harness);
    if (!each_row(dir, "serving_modern_public.json",
                  "today's MoE serving (serving_modern_public.json: TensorRT-LLM max-load throughput, one replica)", &x,
                  modern_row, &t))
        return false;
    bool met = summary_median("MoE serving throughput (issue 14's target; EP = tp with attention DP, Llama 4 Scout TP "
                              "only; each run's requests in batches, as serve --requests)",
                              &t.moe, 0.20);
    summary("  the same harness on a dense model (Llama 3.3 70B, reported)", &t.dense, 1, 1);
    t.rest = true;
    if (!each_row(dir, "serving_modern_moe_rest.json",
                  "the same table's other MoE cells (serving_modern_moe_rest.json, copied after the 2026-12-01 "
                  "serving changes: out of sample for them)",
                  &x, modern_row, &t))
        return false;
    t.rest = false;
    summary("  the table's other MoE cells (reported, out of sample for the decode-attention, routing and KV-share "
            "changes)",
            &t.moe_rest, 1, 1);
    /* The table's dense rows tell an MoE miss from a part's: Hopper FP8 against Blackwell NVFP4. */
    t.by_part = true;
    if (!each_row(dir, "serving_modern_dense.json",
                  "the same table's dense models (serving_modern_dense.json: Llama 3.1 8B/405B, Llama 3.3 70B)", &x,
                  modern_row, &t))
        return false;
    summary("dense, Hopper FP8 (reported: the harness without experts)", &t.hopper, 1, 1);
    summary("dense, Blackwell NVFP4 (reported)", &t.blackwell, 1, 1);
    return met;
}
