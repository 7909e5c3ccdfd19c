/* serve_app.c - a Ray Serve application for Ray Serve + vLLM plans: Ray Serve LLM's
 * LLMConfig (ray.serve.llm, Ray 2.44+) with the plan's replicas and vLLM engine arguments. */
#include "launch_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The model as a Python string literal: a JSON string with every non-ASCII character escaped is
 * one. NULL (with err set) where the id is not UTF-8. */
static char *python_string(const char *text, sp_error *err)
{
    json_t *id = json_string(text);
    char *literal = id ? json_dumps(id, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
    json_decref(id);
    if (!literal)
        sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "the model id is not UTF-8");
    return literal;
}

/* The app up to its engine arguments: the model (a Python expression), the replicas, the split.
 * With data-parallel attention (dp) the replicas are DP groups of Ray Serve LLM's DP builder,
 * each num_replicas x data_parallel_size x tensor_parallel_size GPUs (user guide "Data parallel
 * attention"); build_openai_app would reserve tensor_parallel_size GPUs, one, a replica. */
static void app_head(sp_buf *b, const char *comment, const char *model_expr, double replicas, double tp, bool dp)
{
    char deployment[128];
    if (dp)
        snprintf(deployment, sizeof deployment, "{\"num_replicas\": %.0f}", replicas);
    else
        snprintf(deployment, sizeof deployment, "{\"autoscaling_config\": {\"min_replicas\": %.0f, \"max_replicas\": %.0f}}",
                 replicas, replicas);
    sp_buf_printf(b,
                  "# Ray Serve + vLLM, written by stackplan %s %s\n"
                  "%s"
                  "from ray.serve.llm import LLMConfig, %s\n\n"
                  "llm_config = LLMConfig(\n"
                  "    model_loading_config={\"model_id\": %s},\n"
                  "    deployment_config=%s,\n"
                  "    engine_kwargs={\n"
                  "        \"tensor_parallel_size\": %.0f,\n",
                  SP_VERSION, comment, strncmp(model_expr, "os.", 3) ? "" : "import os\n\n",
                  dp ? "build_dp_openai_app" : "build_openai_app", model_expr, deployment, tp);
}

/* dp_per_node: a DP group's ranks a node (experimental_configs.dp_size_per_node); 0 without dp. */
static char *app_tail(sp_buf *b, double dp_per_node, sp_error *err)
{
    sp_buf_puts(b, "    },\n");
    if (dp_per_node > 0)
        sp_buf_printf(b, "    experimental_configs={\"dp_size_per_node\": %.0f},\n", dp_per_node);
    sp_buf_printf(b, ")\n"
                     "app = %s\n",
                  dp_per_node > 0 ? "build_dp_openai_app({\"llm_config\": llm_config})"
                                  : "build_openai_app({\"llm_configs\": [llm_config]})");
    return sp_buf_finish(b, err);
}

char *sp_serve_app(const sp_launch_ctx *c, sp_error *err)
{
    const sp_serve_config *k = &c->plan->serve_config;
    const sp_serve_result *s = &c->plan->serve;
    char *model = python_string(c->plan->model_id, err);
    if (!model)
        return NULL;
    bool dp = k->expert_parallel && k->attention_dp;
    char comment[256];
    snprintf(comment, sizeof comment, "with the numbers the plan chose:\n# %.0f replicas of %.0f GPU(s), %s %.0f. Run: serve run serve_app:app",
             s->replicas, s->tp * fmax(1, s->pp), dp ? "data-parallel attention with experts split whole over" : "tensor parallel",
             s->tp);
    sp_buf b = {0};
    app_head(&b, comment, model, s->replicas, dp ? 1.0 : s->tp, dp);
    sp_buf_printf(&b,
                  "        \"pipeline_parallel_size\": %.0f,\n"
                  "        \"max_model_len\": %.0f,\n"
                  "        \"gpu_memory_utilization\": %.2f,\n"
                  "        \"max_num_seqs\": %.0f,\n"
                  "        \"block_size\": %.0f,\n",
                  fmax(1, s->pp), s->max_model_len, k->gpu_memory_utilization, dp ? ceil(s->batch / s->tp) : s->batch,
                  k->block_tokens);
    /* Experts split whole (vLLM's enable_expert_parallel); with data-parallel attention each of the
     * replica's GPUs is a data-parallel rank of its own sequences, as serve.sh's --data-parallel-size. */
    if (k->expert_parallel)
        sp_buf_printf(&b, "        \"enable_expert_parallel\": True,\n");
    if (dp)
        sp_buf_printf(&b, "        \"data_parallel_size\": %.0f,\n", s->tp);
    /* The same dtypes as serve.sh's vllm serve line (sp_serve_launch_line), as engine arguments. */
    if (sp_vllm_dtype(k))
        sp_buf_printf(&b, "        \"dtype\": \"%s\",\n", sp_vllm_dtype(k));
    if (k->kv_dtype == SP_DTYPE_FP8 || k->kv_dtype == SP_DTYPE_INT8) /* as serve.sh's line: fp8 for an int8 cache */
        sp_buf_printf(&b, "        \"kv_cache_dtype\": \"fp8\",\n");
    if (sp_vllm_quantization(k))
        sp_buf_printf(&b, "        \"quantization\": \"%s\",\n", sp_vllm_quantization(k));
    free(model);
    double per_node = c->accel ? fmax(1, sp_accel_host_gpus(c->accel)) : s->tp;
    return app_tail(&b, dp ? fmin(s->tp, per_node) : 0, err);
}

/* A plan the seed's rate a GPU sized, with no model served: its whole replicas of gpus_for_model
 * GPUs under Ray Serve, the model read from MODEL (serve.sh's variable) where the profile names none,
 * and only the split the plan knows (vLLM picks the rest). */
char *sp_serve_app_unsized(const sp_launch_ctx *c, sp_error *err)
{
    const char *named = c->profile->model;
    char *model = python_string(named[0] ? named : "MODEL", err);
    if (!model)
        return NULL;
    char expr[SP_WORD_MAX + 32], comment[320];
    snprintf(expr, sizeof expr, "os.environ.get(\"MODEL\", %s)", model);
    double tp = fmax(1.0, c->plan->gpus_for_model), replicas = sp_unsized_serving_replicas(c->plan);
    snprintf(comment, sizeof comment,
             "for a plan sized by the seed's rate a GPU:\n# %.0f replicas of %.0f GPU(s), tensor parallel %.0f. Run: "
             "MODEL=<Hugging Face repository> serve run serve_app:app",
             replicas, tp, tp);
    free(model);
    sp_buf b = {0};
    app_head(&b, comment, expr, replicas, tp, false);
    return app_tail(&b, 0, err);
}
