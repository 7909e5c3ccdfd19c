/* frameworks.c - which framework or engine runs a plan, and the release pinned for it:
 * the software half of the recommendation, chosen from the estimates in one place. */
#include "plan_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- training ---- */

/* A sharded data-parallel layout by its stage: FSDP shards gradients with the optimizer
 * (SHARD_GRAD_OP, ZeRO-2) or everything (FULL_SHARD, ZeRO-3), never the optimizer alone, so a
 * ZeRO-1 layout is DeepSpeed's (torch.distributed.fsdp.ShardingStrategy); on ROCm, their builds. */
static const char *fsdp_zero_name(double zero, bool rocm)
{
    static const char *const NAMES[2][3] = {
        {"DeepSpeed ZeRO-1", "PyTorch FSDP (SHARD_GRAD_OP) / DeepSpeed ZeRO-2",
         "PyTorch FSDP (FULL_SHARD) / DeepSpeed ZeRO-3"},
        {"DeepSpeed ZeRO-1 (ROCm build)", "PyTorch FSDP (SHARD_GRAD_OP) / DeepSpeed ZeRO-2 (ROCm builds)",
         "PyTorch FSDP (FULL_SHARD) / DeepSpeed ZeRO-3 (ROCm builds)"}};
    return NAMES[rocm ? 1 : 0][zero <= 1 ? 0 : zero <= 2 ? 1 : 2];
}

const char *sp_train_framework(const sp_mem_config *config)
{
    switch (sp_train_stack_of(config)) {
    case SP_TRAIN_MEGATRON: return "Megatron-LM (Megatron-Core)";
    case SP_TRAIN_TORCHTITAN: return "torchtitan (PyTorch FSDP2 with tensor, context or pipeline parallelism)";
    case SP_TRAIN_FSDP_ZERO: return fsdp_zero_name(config->zero, false);
    case SP_TRAIN_DDP: break;
    }
    return "PyTorch DDP";
}

const char *sp_train_stack_package(sp_train_stack stack)
{
    switch (stack) {
    case SP_TRAIN_MEGATRON: return "megatron-core";
    case SP_TRAIN_TORCHTITAN: return "torchtitan";
    case SP_TRAIN_FSDP_ZERO: return "deepspeed";
    case SP_TRAIN_DDP: break;
    }
    return NULL;
}

/* ---- software stacks ---- */

const char *sp_train_framework_on(sp_stack stack, const sp_mem_config *config)
{
    switch (stack) {
    case SP_STACK_XLA: return "JAX + MaxText (or PyTorch/XLA SPMD): the TPU's compiler shards it";
    case SP_STACK_NEURON: return "AWS Neuron: TorchNeuron, native PyTorch on Trainium (Neuron 2.33; NeuronX Distributed Training is end-of-support)";
    case SP_STACK_HPU: return "Intel Gaudi PyTorch bridge: Optimum Habana / DeepSpeed for HPU";
    case SP_STACK_ROCM:
        switch (sp_train_stack_of(config)) {
        case SP_TRAIN_MEGATRON: return "Megatron-LM (ROCm build, ROCm/Megatron-LM)";
        case SP_TRAIN_FSDP_ZERO: return fsdp_zero_name(config->zero, true);
        case SP_TRAIN_TORCHTITAN: return "torchtitan (PyTorch FSDP2 with TP, CP or PP; ROCm build of PyTorch)";
        case SP_TRAIN_DDP: return "PyTorch DDP (ROCm build, RCCL)";
        }
        break;
    case SP_STACK_CUDA: break;
    }
    return sp_train_framework(config);
}

/* ---- serving ---- */

const char *sp_engine_name(sp_engine engine)
{
    switch (engine) {
    case SP_ENGINE_TRTLLM: return "TensorRT-LLM (trtllm-serve)";
    case SP_ENGINE_RAY_SERVE_VLLM: return "Ray Serve + vLLM";
    case SP_ENGINE_SGLANG: return "SGLang";
    case SP_ENGINE_VLLM: break;
    }
    return "vLLM";
}

double sp_replicas_per_server(sp_engine engine, bool moe, const sp_serve_config *c, const sp_serve_result *s)
{
    if (engine == SP_ENGINE_TRTLLM || (moe && engine != SP_ENGINE_SGLANG))
        return 1.0;
    double gpus = s->tp * fmax(1.0, s->pp);
    bool dp_free = !(c->expert_parallel && c->attention_dp); /* --dp-size already splits the attention */
    /* A pinned count is the user's: each replica its own server. */
    if (!dp_free || c->replicas > 0 || s->nodes_per_replica > 1 || !(s->instance_gpus > gpus) ||
        fmod(s->instance_gpus, gpus) != 0 || fmod(s->replicas, s->instance_gpus / gpus) != 0)
        return 1.0;
    return s->instance_gpus / gpus;
}

/* An engine asked for by name runs every replica itself, one server each: SkyPilot's load
 * balancer (sky_task.yaml) or the user's routes between them. */
static sp_engine asked_engine(const sp_serve_config *config, const sp_serve_result *result, const char **reason)
{
    bool several = result->replicas > 1, across = result->nodes_per_replica > 1;
    if (config->engine == SP_ENGINE_ASK_SGLANG && sp_replicas_per_server(SP_ENGINE_SGLANG, false, config, result) > 1) {
        *reason = "asked for: one SGLang server an instance, the replicas sharing it its data-parallel workers "
                  "(--dp-size), the servers behind SkyPilot's load balancer; RadixAttention caches shared prefixes";
        return SP_ENGINE_SGLANG;
    }
    if (config->engine == SP_ENGINE_ASK_SGLANG) {
        *reason = across    ? "asked for: one SGLang server a replica, its ranks over the nodes "
                              "(--nnodes, --node-rank); RadixAttention caches shared prefixes"
                  : several ? "asked for: one SGLang server a replica, routed by SkyPilot's load "
                              "balancer or SGLang's router; RadixAttention caches shared prefixes"
                            : "asked for: SGLang's continuous batching, RadixAttention prefix cache";
        return SP_ENGINE_SGLANG;
    }
    *reason = several ? "asked for: one trtllm-serve a replica, routed by SkyPilot's load balancer "
                        "or yours; TensorRT-LLM's kernels, sized with its fixed 8-bit GEMM tiles"
                      : "asked for: TensorRT-LLM's OpenAI server, sized with its fixed 8-bit GEMM "
                        "tiles";
    return SP_ENGINE_TRTLLM;
}

/* vLLM unless another engine is asked for: the step times are modelled for the engine the launch
 * line runs, so the choice is not made on speed the model does not show. */
sp_engine sp_serve_engine(const sp_accel *accel, const sp_serve_config *config, const sp_serve_result *result,
                          const char **reason)
{
    if (config->engine == SP_ENGINE_ASK_SGLANG || config->engine == SP_ENGINE_ASK_TRTLLM)
        return asked_engine(config, result, reason);
    if (result->replicas <= 1 && result->pp > 1) {
        *reason = "one replica over several nodes: vLLM's pipeline stages on its Ray executor, tensor parallel "
                  "inside each node";
        return SP_ENGINE_VLLM;
    }
    if (result->replicas <= 1 && result->nodes_per_replica > 1) {
        *reason = config->attention_dp ? "one replica over several nodes: vLLM's data-parallel attention ranks and "
                                         "expert-parallel MoE layers on a Ray cluster"
                                       : "one replica over several nodes: vLLM's tensor-parallel group on its Ray "
                                         "executor";
        return SP_ENGINE_VLLM;
    }
    if (result->gpus > sp_accel_host_gpus(accel) || result->replicas > 1) {
        *reason = "several replicas: Ray Serve routes and autoscales them, vLLM runs each";
        return SP_ENGINE_RAY_SERVE_VLLM;
    }
    sp_stack stack = sp_accel_stack(accel);
    if (stack == SP_STACK_XLA || stack == SP_STACK_NEURON || stack == SP_STACK_HPU) {
        *reason = stack == SP_STACK_XLA      ? "one TPU replica: vLLM's TPU backend (vllm-tpu, XLA)"
                  : stack == SP_STACK_NEURON ? "one Trainium/Inferentia replica: vLLM on AWS Neuron (NxD Inference)"
                                             : "one Gaudi replica: vLLM's HPU backend (vllm-gaudi)";
        return SP_ENGINE_VLLM;
    }
    *reason = "one replica: vLLM's continuous batching and paged KV cache, one command to start";
    return SP_ENGINE_VLLM;
}

/* ---- data jobs ---- */

static bool has_kind(const sp_stage_model *m, const sp_data_job *job, sp_stage_kind kind)
{
    for (unsigned i = 0; i < job->count; i++)
        if (m->stages[job->stages[i]].kind == kind)
            return true;
    return false;
}

const char *sp_data_engine_name(sp_data_engine engine)
{
    switch (engine) {
    case SP_DATA_SPARK: return "Spark";
    case SP_DATA_DASK: return "Dask";
    case SP_DATA_RAY_DATA: break;
    }
    return "Ray Data";
}

sp_data_engine sp_data_framework(const sp_stage_model *model, const sp_data_job *job, const sp_data_result *result,
                                 const char **reason)
{
    if (has_kind(model, job, SP_STAGE_RELATIONAL) && job->input_bytes >= model->spark_min_input_bytes) {
        *reason = "SQL-style joins and sorts at scale: Spark's shuffle spills to disk and retries lost partitions";
        return SP_DATA_SPARK;
    }
    if (job->gpu) {
        *reason = "GPU stages beside Python ones: Ray Data streams batches through Python workers and GPUs";
        return SP_DATA_RAY_DATA;
    }
    if (has_kind(model, job, SP_STAGE_ML)) { /* on CPU nodes: say nothing of GPUs it does not have */
        *reason = "Python and ML preprocessing (tokenizers, dedup): Ray Data streams batches through Python workers";
        return SP_DATA_RAY_DATA;
    }
    if (job->input_bytes < model->dask_max_input_bytes && result->nodes <= model->dask_max_nodes) {
        *reason = "pandas-style work on a moderate cluster: Dask scales the pandas API without a JVM";
        return SP_DATA_DASK;
    }
    *reason = "Python preprocessing at scale: Ray Data streams batches through Python workers";
    return SP_DATA_RAY_DATA;
}

/* ---- pinned releases (data/frameworks.yaml) ---- */

const char *sp_framework_extra(const sp_rules *rules, const char *name)
{
    for (unsigned i = 0; rules && i < rules->framework_count; i++)
        if (!strcmp(rules->frameworks[i].name, name))
            return rules->frameworks[i].extra;
    return "";
}

const char *sp_framework_version(const sp_rules *rules, const char *name)
{
    for (unsigned i = 0; rules && i < rules->framework_count; i++)
        if (!strcmp(rules->frameworks[i].name, name))
            return rules->frameworks[i].version;
    return "?";
}

/* ---- fine-tuning ---- */

void sp_model_as_transformers_loads(sp_model *m, const sp_rules *rules)
{
    if (m->experts > 1 && atoi(sp_framework_version(rules, "transformers")) >= 5)
        m->experts_fused = true;
}

const char *sp_ft_framework(const sp_ft_option *o, const char **reason)
{
    const sp_ft_config *c = &o->config;
    bool full = c->method == SP_METHOD_FULL;
    /* Offload decides the framework: FSDP offloads parameters (with gradients and the optimizer
     * step) or nothing; optimizer-only offload is DeepSpeed's ZeRO-Offload. */
    if (c->offload == SP_OFFLOAD_OPTIMIZER) {
        *reason = c->fsdp ? "optimizer state on the host, weights sharded: DeepSpeed ZeRO-3 with offload_optimizer "
                            "(ZeRO-Offload) under the Trainer; FSDP cannot offload the optimizer alone"
                          : "optimizer state on the host: DeepSpeed ZeRO-2 with offload_optimizer (ZeRO-Offload, "
                            "CPU-Adam) under the Trainer";
        return full ? "TRL + DeepSpeed ZeRO-Offload" : "PEFT + TRL + DeepSpeed ZeRO-Offload";
    }
    if (c->offload == SP_OFFLOAD_PARAMS) {
        /* Answer.AI's FSDP-QLoRA is the precedent for adapters over offloaded 4-bit weights only. */
        *reason = c->quant != SP_QUANT_NONE
                      ? "parameters on the host: accelerate FSDP with CPU offload (fsdp_offload_params), one rank a "
                        "GPU even alone, as Answer.AI's FSDP-QLoRA runs 70B on 24 GB cards"
                      : "parameters on the host: accelerate FSDP with CPU offload (fsdp_offload_params), one rank a "
                        "GPU even alone";
        return full ? "TRL (FSDP CPU offload)" : c->quant != SP_QUANT_NONE ? "PEFT + TRL (FSDP-QLoRA, CPU offload)"
                                                                            : "PEFT + TRL (FSDP CPU offload)";
    }
    if (full && c->gpus == 1) {
        *reason = "a full fine-tune on one GPU: TRL's SFTTrainer";
        return "TRL";
    }
    if (full && c->gpus > 1) {
        *reason = c->fsdp ? "a full fine-tune with its state sharded: TRL's SFTTrainer under accelerate FSDP (torchtune's "
                            "distributed recipes did the same, but its README says it is no longer maintained)"
                          : "a full fine-tune whose state fits each GPU: TRL's SFTTrainer under accelerate's DDP";
        return "TRL";
    }
    if (c->quant != SP_QUANT_NONE && c->fsdp) {
        *reason = "QLoRA sharded over GPUs: PEFT + TRL under accelerate FSDP with bitsandbytes quant_storage, the "
                  "FSDP-QLoRA path Answer.AI and Hugging Face published";
        return "PEFT + TRL (FSDP-QLoRA)";
    }
    if (c->gpus > 1) {
        *reason = c->fsdp ? "adapters over sharded base weights: PEFT + TRL under accelerate FSDP"
                          : "each GPU holds the whole base: PEFT + TRL under accelerate's DDP";
        return "PEFT + TRL";
    }
    *reason = c->fused_kernels ? "one GPU: PEFT + TRL with Liger's fused kernels (axolotl's LigerPlugin)"
                               : "one GPU: PEFT + TRL, the reference the validation rows measure, with Hugging Face's "
                                 "eager modules; Unsloth's or Liger's fused kernels are faster (--fused-kernels "
                                 "estimates them)";
    return "PEFT + TRL";
}

size_t sp_ft_packages(const sp_ft_option *o, const char **out, size_t max)
{
    const sp_ft_config *c = &o->config;
    bool adapters = c->method != SP_METHOD_FULL;
    /* GPTQ bases load through transformers' own GPTQ integration, not bitsandbytes. */
    bool bnb = adapters && c->quant != SP_QUANT_NONE && c->quant != SP_QUANT_INT4;
    const struct {
        const char *name;
        bool needed;
    } all[] = {{"torch", true},   {"transformers", true}, {"peft", adapters},
               {"trl", true},     {"accelerate", true},   {"bitsandbytes", bnb},
               {"deepspeed", c->offload == SP_OFFLOAD_OPTIMIZER}}; /* ZeRO-Offload */
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0] && n < max; i++)
        if (all[i].needed)
            out[n++] = all[i].name;
    return n;
}
