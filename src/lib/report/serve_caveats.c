/* serve_caveats.c - what a serving launch line needs beside it: the checkpoint to point it at when
 * the engine does not quantise on load, the options file trtllm-serve takes instead of a flag, and
 * a checkpoint stored in a format the plan did not size. serve's report, the plan and the launch
 * README say the same lines. */
#include "report_internal.h"

#include <stdio.h>

void sp_serve_launch_caveats(const sp_model *m, const sp_accel *a, sp_engine engine, const sp_serve_config *c,
                             const sp_serve_result *s, const char *lead, sp_buf *b)
{
    /* Engines load FP4 weights from a checkpoint quantised beforehand; they do not quantise to FP4 on
     * load. Nothing to say when the named checkpoint already is one. */
    if (sp_dtype_is_fp4(c->weight_dtype) && !c->weights_from_checkpoint && !m->checkpoint_quantized)
        sp_buf_printf(b, "%spoint the launch line at a checkpoint already in %s (%s); the engines do "
                          "not quantise to FP4 when they load\n", lead,
                      sp_dtype_name(c->weight_dtype),
                      c->weight_dtype == SP_DTYPE_NVFP4 ? "NVIDIA ModelOpt publishes them, e.g. nvidia/<model>-FP4"
                                                        : "gpt-oss ships in it");
    /* Integer weights come the same way: vLLM reads GPTQ/AWQ (int4) and W8A8 or GPTQ (int8)
     * checkpoints; it does not quantise a 16-bit one to int4 or int8 on load. */
    bool integer = c->weight_dtype == SP_DTYPE_INT4 || c->weight_dtype == SP_DTYPE_INT8;
    if (integer && !c->weights_from_checkpoint && !m->checkpoint_quantized)
        sp_buf_printf(b, "%spoint the launch line at a checkpoint already in %s (%s); the engines do "
                          "not quantise to it when they load\n", lead,
                      sp_dtype_name(c->weight_dtype),
                      c->weight_dtype == SP_DTYPE_INT4 ? "AWQ or GPTQ 4-bit, e.g. <org>/<model>-AWQ"
                                                       : "W8A8 or GPTQ 8-bit, e.g. from llm-compressor");
    /* TensorRT-LLM's server loads 8-bit weights from a checkpoint NVIDIA's ModelOpt quantised, and
     * takes a quantised KV cache from its LLM API options, not from a flag. */
    bool fp8_weights = c->weight_dtype == SP_DTYPE_FP8 && !c->weights_from_checkpoint && !m->checkpoint_quantized;
    /* vLLM's online fp8 loads the 16-bit weights whole and quantises them after (docs/features/
     * quantization/fp8.md: "we load the model at original precision before quantizing down to 8-bits,
     * so you need enough memory to load the whole model"): a shard that fits only in 8 bits never loads. */
    double bf16_shard = 2.0 * s->weights_bytes, engine_share = a->memory_bytes * c->gpu_memory_utilization;
    if (engine != SP_ENGINE_TRTLLM && fp8_weights && bf16_shard > engine_share) {
        double loads = s->tp; /* the split whose 16-bit shard would load, within a node */
        while (bf16_shard * s->tp / loads > engine_share && loads < a->per_node)
            loads *= 2;
        char wider[64] = "";
        if (loads > s->tp && bf16_shard * s->tp / loads <= engine_share)
            snprintf(wider, sizeof wider, ", or pin --tp %g, whose 16-bit shard loads", loads);
        sp_buf_printf(b, "%s%s quantises to fp8 after loading the 16-bit weights, about %.0f GB a GPU here, "
                          "past the %.0f GB it may take: the line as written runs out of memory while loading; serve a "
                          "checkpoint already in fp8 (e.g. <org>/<model>-FP8) and drop --quantization fp8%s\n", lead,
                      engine == SP_ENGINE_SGLANG ? "SGLang" : "vLLM", bf16_shard / 1e9, engine_share / 1e9, wider);
    }
    if (engine == SP_ENGINE_TRTLLM && fp8_weights)
        sp_buf_printf(b, "%strtllm-serve reads fp8 weights from a checkpoint quantised beforehand (NVIDIA "
                          "ModelOpt publishes them, e.g. nvidia/<model>-FP8): point the launch line at one\n", lead);
    /* trtllm-serve schedules at most max_num_tokens (8192 by default) a step and splits no prompt
     * unless told (TensorRT-LLM issues #6539, #9277). */
    if (engine == SP_ENGINE_TRTLLM && s->max_model_len > 8192)
        sp_buf_printf(b, "%sprompts past trtllm-serve's default --max_num_tokens 8192 need enable_chunked_prefill: "
                          "true in --extra_llm_api_options FILE (the plan sized chunked prefill)\n", lead);
    if (engine == SP_ENGINE_TRTLLM && (c->kv_dtype == SP_DTYPE_FP8 || c->kv_dtype == SP_DTYPE_INT8))
        sp_buf_printf(b, "%sthe %s KV cache is trtllm-serve's --extra_llm_api_options FILE, FILE holding "
                          "kv_cache_config: {dtype: %s}\n", lead,
                      sp_dtype_name(c->kv_dtype), sp_dtype_name(c->kv_dtype));
    /* vLLM caches in 16 bits or fp8 (--kv-cache-dtype): an int8 cache, sized here, runs as fp8,
     * the same byte a value. */
    if (engine != SP_ENGINE_TRTLLM && c->kv_dtype == SP_DTYPE_INT8)
        sp_buf_printf(b, "%s%s has no int8 KV cache; the launch line runs its fp8 one, the same byte a "
                          "value the plan sized\n", lead,
                      engine == SP_ENGINE_SGLANG ? "SGLang" : "vLLM");
    /* A checkpoint stored in a format the plan did not size (NVFP4 on a part without FP4, or a
     * --weight-dtype that differs): the launch line loads the file as it is, not as sized. */
    if (m->checkpoint_quantized && !c->weights_from_checkpoint)
        sp_buf_printf(b, "%s%s is stored in %s and the plan sizes %s weights: launch it on a checkpoint in "
                          "%s, or plan %s\n", lead,
                      m->hf_id[0] ? m->hf_id : m->name, sp_dtype_name(m->checkpoint_dtype),
                      sp_dtype_name(c->weight_dtype), sp_dtype_name(c->weight_dtype),
                      m->checkpoint_dtype == SP_DTYPE_NVFP4 && !(a->fp4_flops_per_s > 0)
                          ? "a part with FP4 tensor cores for this one"
                          : "without --weight-dtype to size the file as stored");
}
