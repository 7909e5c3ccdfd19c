/* estimate_internal.h - what the estimators share inside libstackplan: bytes by precision and
 * dtype, the GEMM and attention rates, and the checked entry points the search calls. Pure
 * functions over plain structs; uses common/ only (never a loader). Not part of the API. */
#ifndef SP_ESTIMATE_INTERNAL_H
#define SP_ESTIMATE_INTERNAL_H

#include "common_internal.h"

/* ---- parameters (model.c) ---- */

/* One layer's attention weights (MLA's low-rank chain, or Q, K, V and O with their biases). */
double sp_model_attention_params(const sp_model *m);
/* Routed-expert weights of an average layer (0 for a dense model): what expert parallelism splits. */
double sp_layer_expert_params(const sp_model *m);
/* Communication run under `cover_s` of compute: the excess shows, and the hidden part still costs
 * overlap_contention of itself (NCCL kernels hold SMs and HBM bandwidth; traintime.c). */
double sp_exposed_s(double comm_s, double cover_s, const sp_perf_constants *k);

/* ---- memory (memory.c) ---- */

/* A layout FSDP2 runs (torchtitan; plain FSDP without TP/PP): ZeRO-3 without experts. Megatron-Core
 * runs the rest (sp_train_stack_of), and what it keeps in memory differs (memory.c). */
bool sp_layout_is_fsdp2(const sp_mem_config *c);

/* Bytes per parameter by training precision (ZeRO, Rajbhandari et al. 2019, sec. 3.1). */
typedef struct {
    double weights;   /* what stays resident: the working copy (plus fp32 weights under autocast) */
    double gradients;
    double master;    /* fp32 (or fp16) master copy kept by the optimizer */
    double state;     /* bytes of one optimizer state element (momentum, variance) */
    double compute;   /* the copy the GEMMs read, which ZeRO-3/FSDP gathers */
    double updated;   /* the weights the optimizer step reads and writes (not autocast's half cache) */
} sp_precision_bytes;

/* Inline: the search reads it several times a layout, and a call returning the whole struct cost
 * it a fourteenth of its instructions (callgrind on make bench's search). */
static inline sp_precision_bytes sp_precision_bytes_of(const sp_mem_config *c)
{
    switch (c->precision) {
    case SP_PREC_FP32: return (sp_precision_bytes){4, 4, 0, 4, 4, 4};
    case SP_PREC_MIXED_FP16:
    case SP_PREC_MIXED_BF16:
    case SP_PREC_MXFP8: /* Transformer Engine quantises each GEMM's operands; the weights stay bf16 with an fp32 master */
    case SP_PREC_NVFP4:
    case SP_PREC_FP8_ROWWISE: /* torchao's float8 linears over FSDP2's bf16 compute weights */
        /* torch.amp keeps fp32 weights (the master) and caches half copies for the forward. */
        if (c->mixed_style == SP_MASTER_AUTOCAST)
            return (sp_precision_bytes){4 + 2, 4, 0, 4, 2, 4};
        return (sp_precision_bytes){2, 2, 4, 4, 2, 2}; /* ZeRO sec. 3.1: 2 + 2 + (4 + 4 + 4) = 16 */
    case SP_PREC_BF16:
        /* Megatron's --bf16 keeps fp32 main parameters and Adam states (its precision-aware optimizer
         * takes no bf16 main parameters): sized as it runs. DeepSpeed (bf16_master_weights_and_grads,
         * bf16_optimizer_states) and torchtitan (training.dtype) run pure bf16. */
        if (sp_train_stack_of(c) == SP_TRAIN_MEGATRON)
            return (sp_precision_bytes){2, 2, 4, 4, 2, 2};
        return (sp_precision_bytes){2, 2, 0, 2, 2, 2};
    case SP_PREC_FP8:
        /* What the launches run, NVIDIA's recipes (Megatron-Bridge bf16_with_fp8_*_mixed:
         * fp8_param_gather): Transformer Engine keeps the weights in fp8 and gathers them so
         * (--fp8-param-gather), the gradients in bf16 (--grad-reduce-in-bf16) and the distributed
         * optimizer's fp32 master and moments. torchao's float8 under FSDP2 keeps 16-bit-or-wider
         * shards as mixed precision does and all-gathers the compute weights in fp8 (torchtitan.toml's
         * enable_fsdp_float8_all_gather, docs/float8.md). FP8-LM's fp8 gradients and moments (MS-AMP)
         * run in neither. */
        if (c->mixed_style == SP_MASTER_AUTOCAST)
            return (sp_precision_bytes){4 + 2, 4, 0, 4, 2, 4};
        if (sp_layout_is_fsdp2(c))
            return (sp_precision_bytes){2, 2, 4, 4, 1, 2};
        /* --fp8-param-gather needs the distributed optimizer: without it (ZeRO-0) bf16 weights. */
        return c->zero >= 1 ? (sp_precision_bytes){1, 2, 4, 4, 1, 1} : (sp_precision_bytes){2, 2, 4, 4, 2, 2};
    }
    return (sp_precision_bytes){4, 4, 0, 4, 4, 4};
}

/* Bytes a weight takes in an inference dtype: int4 is 4 bits plus an fp16 scale and zero point
 * per group (AWQ, GPTQ). */
double sp_weight_bytes_per_param(sp_dtype d, const sp_memory_constants *k);

/* K and V of one token on one GPU: every layer of its pipeline stage and its share of the kv
 * heads (at least one, replicated when tp exceeds them) (Pope et al. 2022). */
double sp_kv_bytes_per_token(const sp_model *m, double tp, double pp, sp_dtype kv_dtype);
/* One sequence of `context` tokens: sliding-window and chunked layers hold at most their window. */
double sp_kv_bytes_per_sequence(const sp_model *m, double tp, double pp, sp_dtype kv_dtype, double context);

/* sp_memory_estimate for a layout already checked, with the model's parameter count known. */
void sp_memory_estimate_checked(const sp_model *model, const sp_mem_config *config,
                                const sp_memory_constants *constants, double capacity_bytes, double params,
                                sp_memory *out);

/* A search's memo of the memory terms the ZeRO stage does not change: parameters per GPU, which
 * recompute and sequence parallelism do not change either (held once a generation), and training
 * activations (one slot a recompute policy and sequence-parallel setting). The caller
 * bumps `generation` whenever the layout changes in anything but its ZeRO stage, recompute policy
 * and sequence parallelism (the search does at each new split and batch), and keeps the model and
 * its parameter count for the memo's life: a slot holds while its generation is the memo's.
 * Zero-initialise before use; generation 0 never matches. */
typedef struct {
    unsigned generation;
    double activations_bytes;
} sp_memory_memo_slot;

typedef struct {
    unsigned generation;
    unsigned params_generation; /* params_per_gpu holds while this is generation */
    double params_per_gpu;
    sp_memory_memo_slot slots[32]; /* a recompute policy x sequence parallelism x eager modules x FSDP2 */
} sp_memory_memo;

/* sp_memory_estimate_checked with the memo (NULL: none); the answer is the same either way. */
void sp_memory_estimate_memo(const sp_model *model, const sp_mem_config *config,
                             const sp_memory_constants *constants, double capacity_bytes, double params,
                             sp_memory_memo *memo, sp_memory *out);

/* ---- kernel rates and training time (traintime.c) ---- */

/* An (m x k) by (k x n) GEMM: 2mnk FLOPs at peak x efficiency x prod d/(d + d0), never
 * faster than moving its operands at hbm bytes/s (roofline, Williams et al. 2009). */
double sp_gemm_time_s(double m, double n, double k, double peak, double efficiency, double d0, double hbm,
                      double act_bytes, double weight_bytes);

/* Share of the accelerator's SMs an (m x n) output keeps busy: one SM per tile, and 8-bit
 * kernels come in coarse tiles only (1 unless the catalog gives gemm_tile_8bit). */
double sp_gemm_occupancy(const sp_accel *a, double m, double n, double operand_bytes);

/* FlashAttention's sustained share of peak: the accelerator's measured rate where the catalog
 * has one, else the default share of its sustained GEMM rate (matmul, already sustained). */
double sp_attention_share(const sp_accel *a, const sp_perf_constants *perf, double matmul);

/* Dense FLOP/s of an accelerator for a training precision (0 when the catalog has none). */
double sp_train_peak(const sp_accel *a, sp_precision p);

/* One layer's costs per micro-batch that neither the ZeRO stage nor the recompute policy changes
 * (traintime.c), in seconds. */
typedef struct {
    double gemms, attention, elementwise;
    double tp_gemms;                    /* the GEMMs beside tensor-parallel collectives: attention projections
                                           and dense MLPs (not the routed experts' grouped GEMMs) */
    double cast_forward, cast_backward; /* fp8 and MXFP8 operand casts */
    double expert_forward, expert_backward; /* routed experts' unfused bias and clamp passes */
    double ring_forward, ring_backward; /* context parallelism's exposed ring */
    double tp_allreduce;                /* one tensor-parallel all-reduce */
    double all_to_all;                  /* expert dispatch and combine, forward */
    double logits;                      /* output layer and loss of the stage's micro-batch */
} sp_layer_costs;

/* A search's memo of layer costs (one slot a sequence-parallel setting, reused while only the
 * ZeRO stage and recompute change: the search's inner loops) and of the model's FLOPs a token.
 * As sp_memory_memo, the caller bumps `generation` at each other change and keeps the model,
 * accelerator and constants for the memo's life. Zero-initialise before use; generation 0 never
 * matches. */
typedef struct {
    unsigned generation;
    unsigned slot_generation[8]; /* sequence parallelism x eager modules x torchtitan's stack */
    sp_layer_costs costs[8];
    double flops_seq;               /* the sequence length forward_flops_per_token was taken at (0: none) */
    double forward_flops_per_token; /* the model's, at flops_seq: the same for every layout */
} sp_step_memo;

/* sp_train_step_known_memory with the memo (NULL: none); the answer is the same either way. */
sp_status sp_train_step_memo(const sp_model *model, const sp_accel *accel, const sp_mem_config *config,
                             double global_batch, const sp_perf_constants *perf, const sp_memory *memory,
                             sp_step_memo *memo, sp_step *out);

/* sp_train_step for a layout whose checks and memory the caller has already done. */
sp_status sp_train_step_known_memory(const sp_model *model, const sp_accel *accel, const sp_mem_config *config,
                                     double global_batch, const sp_perf_constants *perf, const sp_memory *memory,
                                     sp_step *out);

/* ---- fine-tuning (finetune.c) ---- */

/* Input and output width of one targetable projection (SP_TARGET_* bit), and how many of it a
 * layer has: the experts for an MoE MLP, 0 when the model has none (GELU's gate). */
typedef struct {
    double in, out, copies;
} sp_ft_projection;

sp_ft_projection sp_ft_projection_of(const sp_model *m, unsigned target);

/* Bytes a token moves through one layer's eager norm, rotary and gated-activation modules beyond
 * the fused kernels' one read and write of each tensor, for a rank holding hidden_share of the
 * hidden state and 1/tp of the heads and the MLP width (traintime.c). */
double sp_eager_module_bytes(const sp_model *m, double hidden_share, double tp);
/* Weights of the blocks' linear layers: params less embeddings, norms and extra parameters. */
double sp_ft_linear_params(const sp_model *m, double params);
/* The linear weights a 4-bit or 8-bit base stores quantised (nn.Linear ones: not fused experts). */
double sp_ft_quantized_params(const sp_model *m, double params);
/* The config with its targets as PEFT finds them in the model (fused experts are no linear to wrap):
 * what the memory and step models read. */
sp_ft_config sp_ft_as_found(const sp_model *m, const sp_ft_config *c);
/* Bytes a quantised base weight takes, and its constants alone, per weight. */
void sp_ft_quant_bytes(const sp_ft_config *c, const sp_ft_constants *k, double *weight, double *constants);
/* Layers whose MLP routes over experts (all but the dense-first ones of an MoE model). */
double sp_model_routed_layers(const sp_model *m);
double sp_model_always_on_mlp_params(const sp_model *m);
/* An FSDP2 layout with TP, PP or CP that torchtitan runs (not its fp16 or NVFP4 ones). */
bool sp_layout_is_torchtitan(const sp_mem_config *c);
/* Whether selective recompute also reruns an MoE layer's expert activation and norms (Megatron). */
bool sp_selective_covers_moe(const sp_model *m, const sp_mem_config *c, sp_recompute recompute);

/* The bus bandwidth of collectives among a server's accelerators: the measured host-staged rate
 * where the driver offers no peer-to-peer path (GeForce cards), else the link at NCCL's efficiency. */
double sp_intra_node_bus_bytes_per_s(const sp_accel *a, const sp_perf_constants *k);

/* The matmuls of one layer's attention in the order the model calls them (q, k, v, o; MLA: q_a,
 * q_b, kv_a, kv_b, o), each as the output and input widths on one of tp ranks. At most 5. */
size_t sp_attention_matmuls(const sp_model *m, double tp, double out_width[5], double in_width[5]);
/* The matmuls of one layer's forward: the attention's, then the MLP's (gate, up, down for SwiGLU;
 * up, down for GELU; MoE: the active experts' MLP). Returns how many (at most 8). */
size_t sp_layer_matmuls(const sp_model *m, double tp, double out_width[8], double in_width[8]);
/* MLA's matmuls Megatron-Core's mla_up_proj recompute reruns (the query's and the KV up-projections);
 * none for other attention. */
size_t sp_mla_rerun_matmuls(const sp_model *m, double tp, double out_width[2], double in_width[2]);
/* The prompt a request at the percentile brings (drawn, cut at --max-model-len less the output, no
 * shorter than the mean), and a lone request's first token at it (the nearest split's, scaled). */
double sp_serve_prompt_at_percentile(const sp_serve_config *c, const sp_serve_result *r);
double sp_serve_lone_ttft_at_percentile(const sp_serve_config *c, const sp_serve_result *r);
/* The percentile (0-100) of a lognormal length of this mean and coefficient of variation. */
double sp_lognormal_quantile(double mean, double cv, double percentile);
/* Weights one token multiplies through in a layer's attention projections (sp_attention_matmuls). */
double sp_attention_matmul_weights(const sp_model *m);
/* Width of the values a layer's attention multiplies its probabilities with: heads x head_dim,
 * MLA's heads x v_head_dim. */
static inline double sp_attention_value_width(const sp_model *m)
{
    return m->kv_lora_rank > 0 ? m->heads * m->v_head_dim : m->heads * m->head_dim;
}

/* Bytes a parameter of a fine-tune takes by precision: pure bf16, or autocast over fp32 weights. */
sp_precision_bytes sp_ft_precision_bytes(const sp_ft_config *config);
/* Optimizer bytes (master and moments) per trainable parameter. */
double sp_ft_optimizer_bytes(const sp_ft_config *config);
/* Whether the accelerator runs the fine-tune: its precision, 4-bit kernels, GPUs per node. */
sp_status sp_ft_card_check(const sp_accel *accel, const sp_ft_config *config, sp_error *err);
/* sp_ft_memory_estimate for a configuration already checked. */
void sp_ft_memory_checked(const sp_model *model, const sp_ft_config *config, const sp_ft_constants *k,
                          double capacity_bytes, sp_ft_memory *out);

/* ---- serving (serve.c) ---- */

/* The checks sp_serve_estimate and sp_serve_plan share: shape, counts, tp, rates, utilisation. */
sp_status sp_serve_config_check(const sp_model *model, const sp_serve_config *config, sp_error *err);

#endif
