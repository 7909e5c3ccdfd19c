/* serve_app.c - a Ray Serve application for Ray Serve + vLLM plans: Ray Serve LLM's
 * LLMConfig (ray.serve.llm, Ray 2.44+) with the plan's replicas and vLLM engine arguments. */
#include "launch_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

char *sp_serve_app(const sp_launch_ctx *c, sp_error *err)
{
    const sp_serve_config *k = &c->plan->serve_config;
    const sp_serve_result *s = &c->plan->serve;
    /* A JSON string with every non-ASCII character escaped is also a Python string literal. */
    json_t *id = json_string(c->plan->model_id);
    char *model = id ? json_dumps(id, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
    json_decref(id);
    if (!model) {
        sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "the model id is not UTF-8");
        return NULL;
    }
    bool dp = k->expert_parallel && k->attention_dp;
    sp_buf b = {0};
    sp_buf_printf(&b,
                  "# Ray Serve + vLLM, written by stackplan %s with the numbers the plan chose:\n"
                  "# %.0f replicas of %.0f GPU(s), %s %.0f. Run: serve run serve_app:app\n"
                  "from ray.serve.llm import LLMConfig, build_openai_app\n\n"
                  "llm_config = LLMConfig(\n"
                  "    model_loading_config={\"model_id\": %s},\n"
                  "    deployment_config={\"autoscaling_config\": {\"min_replicas\": %.0f, \"max_replicas\": %.0f}},\n"
                  "    engine_kwargs={\n"
                  "        \"tensor_parallel_size\": %.0f,\n"
                  "        \"pipeline_parallel_size\": %.0f,\n"
                  "        \"max_model_len\": %.0f,\n"
                  "        \"gpu_memory_utilization\": %.2f,\n"
                  "        \"max_num_seqs\": %.0f,\n"
                  "        \"block_size\": %.0f,\n",
                  SP_VERSION, s->replicas, s->tp * fmax(1, s->pp),
                  dp ? "data-parallel attention with experts split whole over" : "tensor parallel", s->tp, model, s->replicas, s->replicas,
                  dp ? 1.0 : s->tp, fmax(1, s->pp), s->max_model_len, k->gpu_memory_utilization,
                  dp ? ceil(s->batch / s->tp) : s->batch, k->block_tokens);
    /* Experts split whole (vLLM's enable_expert_parallel); with data-parallel attention each of the
     * replica's GPUs is a data-parallel rank of its own sequences, as serve.sh's --data-parallel-size. */
    if (k->expert_parallel)
        sp_buf_printf(&b, "        \"enable_expert_parallel\": True,\n");
    if (dp)
        sp_buf_printf(&b, "        \"data_parallel_size\": %.0f,\n", s->tp);
    /* The same dtypes as serve.sh's vllm serve line (sp_serve_launch_line), as engine arguments. */
    if (sp_vllm_dtype(k))
        sp_buf_printf(&b, "        \"dtype\": \"%s\",\n", sp_vllm_dtype(k));
    if (k->kv_dtype == SP_DTYPE_FP8)
        sp_buf_printf(&b, "        \"kv_cache_dtype\": \"fp8\",\n");
    if (sp_vllm_quantization(k))
        sp_buf_printf(&b, "        \"quantization\": \"%s\",\n", sp_vllm_quantization(k));
    sp_buf_printf(&b, "    },\n"
                      ")\n"
                      "app = build_openai_app({\"llm_configs\": [llm_config]})\n");
    free(model);
    return sp_buf_finish(&b, err);
}
