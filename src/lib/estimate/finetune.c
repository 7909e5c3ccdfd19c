/* finetune.c - bytes per GPU of a fine-tune: full, LoRA, QLoRA or DoRA, on one GPU, under
 * DDP or FSDP, with optimizer or parameter offload; allocated, reserved and device bytes. */
#include "estimate_internal.h"

#include <math.h>
#include <string.h>

/* ---- the linear layers of one decoder block ---- */

sp_ft_projection sp_ft_projection_of(const sp_model *m, unsigned target)
{
    double q = m->heads * m->head_dim, kv = m->kv_heads * m->head_dim, h = m->hidden, f = m->ffn;
    double e = m->experts > 0 ? m->experts : 1;
    switch (target) {
    case SP_TARGET_Q: return (sp_ft_projection){h, q, 1};
    case SP_TARGET_K: return (sp_ft_projection){h, kv, 1};
    case SP_TARGET_V: return (sp_ft_projection){h, kv, 1};
    case SP_TARGET_O: return (sp_ft_projection){q, h, 1};
    case SP_TARGET_GATE: return m->ffn_kind == SP_FFN_SWIGLU ? (sp_ft_projection){h, f, e} : (sp_ft_projection){0, 0, 0};
    case SP_TARGET_UP: return (sp_ft_projection){h, f, e};
    case SP_TARGET_DOWN: return (sp_ft_projection){f, h, e};
    default: return (sp_ft_projection){0, 0, 0};
    }
}

enum { TARGET_BITS = 7 };

/* Weights of every linear layer of the blocks: the model less its embeddings and norms, which
 * 4-bit storage leaves alone (counted from the whole model, so dense-first layers, shared experts
 * and MLA's projections are all in it). */
double sp_ft_linear_params(const sp_model *m, double params)
{
    double norm = m->norm_bias ? 2.0 * m->hidden : m->hidden;
    double embeddings = m->vocab * m->hidden * (m->tied_embeddings ? 1.0 : 2.0) + m->learned_positions * m->hidden;
    double norms = m->layers * m->norms_per_layer * norm + (m->final_norm ? norm : 0.0);
    return fmax(0.0, params - embeddings - norms - m->extra_params);
}

/* Weights a 4-bit or 8-bit base stores quantised: the linear layers bitsandbytes and GPTQ replace
 * (nn.Linear), which leaves out experts fused into 3-D parameters; those stay in the 16-bit
 * load dtype (or fp32 under PEFT's upcast, which casts every 16-bit parameter that is not a
 * Params4bit: peft/utils/other.py prepare_model_for_kbit_training). */
double sp_ft_quantized_params(const sp_model *m, double params)
{
    double fused = m->experts_fused ? sp_layer_expert_params(m) * m->layers : 0.0;
    return fmax(0.0, sp_ft_linear_params(m, params) - fused);
}

/* The largest single linear of a block: the one a dequantising kernel unpacks at a time. */
static double largest_linear(const sp_model *m, unsigned targets)
{
    double most = 0;
    for (unsigned i = 0; i < TARGET_BITS; i++)
        if (targets & (1u << i)) {
            sp_ft_projection s = sp_ft_projection_of(m, 1u << i);
            most = fmax(most, s.in * s.out);
        }
    return most;
}

static bool is_adapter(sp_ft_method method)
{
    return method != SP_METHOD_FULL;
}

double sp_ft_adapter_params(const sp_model *m, const sp_ft_config *c)
{
    if (!is_adapter(c->method) || !sp_model_has_shape(m))
        return 0;
    double moe = sp_model_routed_layers(m), dense = m->layers - moe, total = 0;
    for (unsigned i = 0; i < TARGET_BITS; i++) {
        if (!(c->targets & (1u << i)))
            continue;
        sp_ft_projection s = sp_ft_projection_of(m, 1u << i);
        if (s.in == 0)
            continue; /* a projection the model does not have (GELU's gate) */
        /* PEFT LoRA: A is r x d_in, B is d_out x r (Hu et al. 2021, sec. 4.1); DoRA adds one
         * magnitude per output column (Liu et al. 2024, eq. 5; peft lora/dora.py). */
        double dora = c->method == SP_METHOD_DORA ? 1.0 : 0.0;
        if (s.copies <= 1) {
            total += m->layers * (c->lora_rank * (s.in + s.out) + dora * s.out);
            continue;
        }
        /* An MLP projection: every routed and shared expert of an MoE layer, one of a dense
         * layer at its own width. Fused experts are no nn.Linear for PEFT to wrap. */
        double width = m->dense_ffn > 0 ? m->dense_ffn : m->ffn;
        bool down = (1u << i) == SP_TARGET_DOWN;
        double din = down ? width : s.in, dout = down ? s.out : width;
        double routed = m->experts_fused ? 0.0 : m->experts;
        total += moe * (routed + m->shared_experts) * (c->lora_rank * (s.in + s.out) + dora * s.out) +
                 dense * (c->lora_rank * (din + dout) + dora * dout);
    }
    return total;
}

/* ---- storage of the base ---- */

static double embedding_params(const sp_model *m)
{
    return m->vocab * m->hidden * (m->tied_embeddings ? 1.0 : 2.0);
}

/* Bytes a quantised weight takes with its constants, and the constants alone. */
void sp_ft_quant_bytes(const sp_ft_config *c, const sp_ft_constants *k, double *weight, double *constants)
{
    switch (c->quant) {
    case SP_QUANT_NF4:
    case SP_QUANT_FP4:
        /* QLoRA sec. 3: an fp32 absmax per 64 weights (0.5 bit), or with double quantisation an
         * 8-bit constant per 64 and an fp32 one per 256 of those (0.127 bit). */
        *constants = c->double_quant ? 1.0 / k->quant_block + 4.0 / (k->quant_block * k->double_quant_block)
                                     : 4.0 / k->quant_block;
        *weight = 0.5;
        return;
    case SP_QUANT_INT4:
        /* GPTQ (AutoGPTQ): int32-packed 4-bit weights, an fp16 scale and a 4-bit zero per group. */
        *constants = (2.0 + 0.5) / k->gptq_group;
        *weight = 0.5;
        return;
    case SP_QUANT_INT8:
        /* LLM.int8() (Dettmers et al. 2022): int8 weights, an fp32 scale per output row, which is
         * below a thousandth of a byte a weight for any real width and is left out. */
        *constants = 0;
        *weight = 1.0;
        return;
    case SP_QUANT_NONE: break;
    }
    *constants = 0;
    *weight = 0;
}

/* ---- training state ---- */

sp_precision_bytes sp_ft_precision_bytes(const sp_ft_config *c)
{
    /* Mixed precision in a fine-tune is torch autocast over fp32 weights (HF Trainer bf16=True). */
    sp_mem_config mc = SP_MEM_CONFIG_INIT;
    mc.precision = c->precision;
    mc.optimizer = c->optimizer;
    mc.mixed_style = SP_MASTER_AUTOCAST;
    return sp_precision_bytes_of(&mc);
}

/* Optimizer bytes a trainable parameter carries (master copy and moments). */
double sp_ft_optimizer_bytes(const sp_ft_config *c)
{
    sp_precision_bytes b = sp_ft_precision_bytes(c);
    switch (c->optimizer) {
    case SP_OPT_ADAM:
    case SP_OPT_ADAMW: return b.master + 2.0 * b.state;
    case SP_OPT_ADAM8BIT: return b.master + 2.0;  /* Dettmers et al. 2021: a byte a state */
    case SP_OPT_SGD: return b.master + b.state;
    case SP_OPT_ADAFACTOR: return b.master + b.state; /* factored moments: a bound, not exact */
    }
    return 0;
}

/* Host bytes a trainable parameter takes under DeepSpeed ZeRO-Offload, whatever the GPU's
 * precision: an fp32 master copy, an fp32 gradient partition and fp32 moments for CPU-Adam
 * (Ren et al. 2021, ZeRO-Offload, sec. 4.1: the 12 bytes of fp32 parameters and optimizer
 * state on the CPU; deepspeed/runtime/zero/stage_1_and_2.py keeps the offloaded gradient
 * partition in fp32 beside them). DeepSpeedCPUAdam has no 8-bit state. */
static double zero_offload_host_bytes_per_param(const sp_ft_config *c)
{
    double moments = c->optimizer == SP_OPT_SGD || c->optimizer == SP_OPT_ADAFACTOR ? 4.0 : 8.0;
    return 4.0 + 4.0 + moments;
}

/* What the optimizer step allocates beside the state: torch's foreach AdamW computes the
 * square root of every second moment at once (torch/optim/adamw.py _multi_tensor_adamw,
 * torch._foreach_sqrt), a temporary the size of the state's second moment. */
static double optimizer_temporary_per_param(const sp_ft_config *c)
{
    if (c->optimizer != SP_OPT_ADAM && c->optimizer != SP_OPT_ADAMW)
        return 0;
    return sp_ft_precision_bytes(c).state;
}

/* ---- activations ---- */

/* Whether PEFT's prepare_model_for_kbit_training has upcast the norms, embeddings and head to
 * fp32 (it is called for quantised bases only). TRL's SFTTrainer never calls it for sharded QLoRA (4-bit weights on cpu or meta when FSDP
 * or ZeRO-3 loads them: trl/trainer/sft_trainer.py, is_sharded_qlora), so under FSDP they stay
 * 16-bit. */
static bool upcast_applies(const sp_ft_config *c)
{
    return c->fp32_upcast && c->quant != SP_QUANT_NONE && !(c->fsdp && c->gpus > 1);
}

/* Bytes of an element of the residual stream: fp32 once the norms and the embeddings are
 * (peft/utils/other.py prepare_model_for_kbit_training), else the compute dtype. */
static double residual_bytes(const sp_ft_config *c)
{
    return c->precision == SP_PREC_FP32 || upcast_applies(c) ? 4.0 : 2.0;
}

/* Whether autograd keeps the input of a projection: a trained weight needs it for its gradient,
 * bitsandbytes' and GPTQ's matmul functions save it whatever trains (bnb MatMul4Bit saves A), an
 * adapter without dropout reads it for A's gradient. A frozen nn.Linear's backward needs only its
 * weight, and with dropout the adapter keeps its own dropped-out copy (counted apart). */
static bool keeps_input(const sp_ft_config *c, unsigned target)
{
    if (c->method == SP_METHOD_FULL || c->quant != SP_QUANT_NONE)
        return true;
    return (c->targets & target) && !(c->lora_dropout > 0);
}

/* The adapters' own saved tensors per token: the dropped-out input with its 1-byte mask, A's
 * output for B, and for DoRA the base and adapter outputs it rescales (peft dora.py). */
static double adapter_bytes_per_token(const sp_model *m, const sp_ft_config *c, double e, double active)
{
    double bytes = 0;
    for (unsigned i = 0; i < TARGET_BITS; i++) {
        if (!(c->targets & (1u << i)))
            continue;
        sp_ft_projection s = sp_ft_projection_of(m, 1u << i);
        double copies = s.copies > 1 ? active : 1.0;
        double adapter = (c->lora_dropout > 0 ? s.in * (e + 1.0) : 0.0) + c->lora_rank * e;
        if (c->method == SP_METHOD_DORA)
            adapter += 2.0 * s.out * e;
        bytes += adapter * copies;
    }
    return bytes;
}

/* Bytes one token keeps in one decoder block for backward, in eager PyTorch (HF Transformers,
 * litgpt): the counts of Korthikanti et al. 2022, sec. 4.1, without dropout, with RMSNorm's
 * input kept in fp32 (both upcast before normalising: LlamaRMSNorm, litgpt RMSNorm) and the
 * inputs of frozen projections dropped where nothing else needs them. */
static double block_bytes_per_token(const sp_model *m, const sp_ft_config *c)
{
    double e = c->precision == SP_PREC_FP32 ? 4.0 : 2.0;
    double q = m->heads * m->head_dim, kv = m->kv_heads * m->head_dim, h = m->hidden, f = m->ffn;
    double stream = residual_bytes(c);
    /* A fused RMSNorm keeps its input as it comes and 1/rms a token (Liger-Kernel ops/rms_norm.py,
     * LigerRMSNormFunction: save_for_backward(X, W, r)), not an fp32 copy. */
    double norm = (m->norm_bias ? e : c->fused_kernels ? stream : 4.0) * h;
    bool swiglu = m->ffn_kind == SP_FFN_SWIGLU;
    double bytes = m->norms_per_layer * norm;
    /* The normalised inputs of the attention and MLP projections. */
    if (keeps_input(c, SP_TARGET_Q) || keeps_input(c, SP_TARGET_K) || keeps_input(c, SP_TARGET_V))
        bytes += h * stream;
    if (keeps_input(c, SP_TARGET_GATE) || keeps_input(c, SP_TARGET_UP))
        bytes += h * stream;
    bytes += (2.0 * q + 2.0 * kv) * e;                        /* Q, K, V and the attention output */
    /* FlashAttention keeps a log-sum-exp per head; eager attention the softmax output. */
    bytes += c->flash_attention ? 4.0 * m->heads : m->heads * c->seq * e;
    double active = m->experts > 1 ? m->experts_per_token : 1.0;
    /* SwiGLU keeps gate, up and silu(gate) for its products, GELU its pre-activation; the
     * product (the down projection's input) only when the down projection keeps it. A fused
     * SwiGLU keeps gate and up and recomputes silu(gate) in the backward (Liger-Kernel
     * ops/swiglu.py, LigerSiLUMulFunction: save_for_backward(a, b)). */
    double mlp = (swiglu ? (c->fused_kernels ? 2.0 : 3.0) : 1.0) * f + (keeps_input(c, SP_TARGET_DOWN) ? f : 0.0);
    bytes += mlp * e * active;
    if (c->method == SP_METHOD_FULL)
        return bytes;
    return bytes + adapter_bytes_per_token(m, c, e, active);
}

/* Whether FSDP's reshard hooks on frozen units hold every checkpointed block's input (below). */
static bool frozen_units_hold_inputs(const sp_ft_config *c)
{
    return c->fsdp && c->gpus > 1 && c->method != SP_METHOD_FULL && c->checkpointing && c->reentrant_outside_fsdp;
}

/* Bytes saved for backward when the loss runs, and the part a checkpointed block rebuilds. */
typedef struct {
    double saved;     /* every block's saved tensors, or only their inputs under checkpointing */
    double rebuilt;   /* checkpointing: one block recomputed inside the backward */
} saved_activations;

static saved_activations activations_of(const sp_model *m, const sp_ft_config *c)
{
    double tokens = c->micro_batch * c->seq;
    double block = block_bytes_per_token(m, c) * tokens;
    if (!c->checkpointing)
        return (saved_activations){m->layers * block, 0};
    /* Checkpointing per block keeps each block's input and rebuilds one block at a time. */
    return (saved_activations){m->layers * m->hidden * residual_bytes(c) * tokens, block};
}

/* ---- checks ---- */

unsigned sp_ft_targets_of(const sp_model *m, unsigned targets)
{
    /* Fused experts in every layer, with no shared or dense MLP beside them: no MLP linear to adapt. */
    bool mlp = !(m->experts_fused && sp_model_routed_layers(m) >= m->layers && !(m->shared_experts > 0));
    unsigned present = 0;
    for (unsigned i = 0; i < TARGET_BITS; i++)
        if ((targets & (1u << i)) && sp_ft_projection_of(m, 1u << i).in > 0 &&
            (mlp || sp_ft_projection_of(m, 1u << i).copies <= 1))
            present |= 1u << i;
    return present;
}

sp_ft_config sp_ft_as_found(const sp_model *m, const sp_ft_config *c)
{
    sp_ft_config k = *c;
    k.targets = sp_ft_targets_of(m, c->targets);
    return k;
}

static bool model_has(const sp_model *m, unsigned targets, unsigned *missing)
{
    for (unsigned i = 0; i < TARGET_BITS; i++)
        if ((targets & (1u << i)) && sp_ft_projection_of(m, 1u << i).in == 0) {
            *missing = 1u << i;
            return false;
        }
    return true;
}

static sp_status check_counts(const sp_ft_config *c, sp_error *err)
{
    const double counts[] = {c->gpus, c->micro_batch, c->seq};
    const char *names[] = {"gpus", "micro-batch", "seq"};
    for (size_t i = 0; i < 3; i++)
        if (!sp_whole_in(counts[i], 1, 1e9))
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, names[i], "must be a whole number >= 1");
    if (!(c->host_bytes >= 0) || !isfinite(c->host_bytes))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "host-gb", "must be a number >= 0");
    if (!(c->lora_dropout >= 0 && c->lora_dropout < 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-dropout", "must be in [0, 1)");
    return SP_OK;
}

static sp_status check_method(const sp_model *m, const sp_ft_config *c, sp_error *err)
{
    if (c->precision == SP_PREC_FP8 || c->precision == SP_PREC_MXFP8 || c->precision == SP_PREC_NVFP4 ||
        c->precision == SP_PREC_FP8_ROWWISE || c->precision == SP_PREC_MIXED_FP16)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision",
                       "a fine-tune here runs in bf16 (pure), mixed-bf16 or fp32");
    if (c->offload == SP_OFFLOAD_PARAMS && c->gpus > 1 && !c->fsdp)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "offload",
                       "parameter offload is FSDP's (CPUOffload): shard with FSDP (--zero 3) or offload the optimizer only");
    if (c->method == SP_METHOD_FULL) {
        if (c->quant != SP_QUANT_NONE)
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "quant",
                           "a full fine-tune trains every weight and cannot keep them in %s: use --method qlora",
                           sp_quant_name(c->quant));
        return SP_OK;
    }
    if (c->method == SP_METHOD_QLORA && c->quant == SP_QUANT_NONE)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "quant", "QLoRA needs a quantised base: nf4, fp4, int4 or int8");

    double width = fmin(m->hidden, m->heads * m->head_dim);
    if (!sp_whole_in(c->lora_rank, 1, width))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-rank",
                       "%g is not a whole number from 1 to the layer width (%g)", c->lora_rank, width);
    if (!(c->targets & SP_TARGET_ALL))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-targets", "no layer gets an adapter");
    /* "all-linear" and "mlp" mean the projections the model has; a projection named alone must exist. */
    unsigned missing = 0;
    bool group = c->targets == SP_TARGET_ALL || c->targets == SP_TARGET_MLP;
    if (!group && !model_has(m, c->targets, &missing)) {
        char name[32];
        sp_targets_text(missing, name, sizeof name);
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-targets",
                       "%s has no '%s' projection (its MLP is up and down)", m->name[0] ? m->name : "the model",
                       name);
    }
    /* Targets that name only fused experts (gpt-oss's MLP) reach no linear: nothing would train. */
    if (m->experts_fused && !sp_ft_targets_of(m, c->targets))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-targets",
                       "%s's experts are fused parameters no LoRA target wraps: add its attention (q,k,v,o)",
                       m->name[0] ? m->name : "the model");
    return SP_OK;
}

sp_status sp_ft_config_check(const sp_model *m, const sp_ft_config *c, sp_error *err)
{
    if (!sp_model_has_shape(m))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "a fine-tune needs the model's shape, not only --params");
    double params = sp_model_params(m);
    if (!(params > 0) || !isfinite(params) || params > 1e15)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "%.3g parameters is not a model", params);
    sp_status s = check_counts(c, err);
    return s == SP_OK ? check_method(m, c, err) : s;
}

/* ---- the estimate ---- */

typedef struct {
    double base, constants, layer_storage; /* per GPU, and one block unsharded */
} base_storage;

/* A frozen base under autocast: torch caches the 16-bit cast of an fp32 weight only while the
 * weight requires grad (aten/src/ATen/autocast_mode.cpp cached_cast, can_try_cache), so a frozen
 * weight is cast at each use. Autograd keeps that cast for the input gradient unless the block is
 * checkpointed, which rebuilds it one block at a time; FSDP's mixed precision casts the gathered
 * unit instead and frees it after use. Either way the resident base is the fp32 copy alone. */
static double base_bytes_per_param(const sp_ft_config *c, const sp_precision_bytes *b)
{
    bool autocast = b->weights > b->updated; /* fp32 weights plus a cached 16-bit copy */
    if (autocast && is_adapter(c->method) && (c->checkpointing || (c->fsdp && c->gpus > 1)))
        return b->updated;
    return b->weights;
}

static base_storage base_of(const sp_model *m, const sp_ft_config *c, const sp_ft_constants *k, double params)
{
    sp_precision_bytes b = sp_ft_precision_bytes(c);
    double linear = sp_ft_linear_params(m, params);
    double weight = 0, constants = 0;
    sp_ft_quant_bytes(c, k, &weight, &constants);
    base_storage s;
    if (c->quant == SP_QUANT_NONE) {
        s.base = params * base_bytes_per_param(c, &b);
        s.constants = 0;
        s.layer_storage = linear / m->layers * b.compute;
    } else {
        /* Embeddings, head, norms and fused experts stay 16-bit (bitsandbytes replaces nn.Linear
         * only), or become fp32 under PEFT's upcast. */
        double quantized = sp_ft_quantized_params(m, params), kept = upcast_applies(c) ? 4.0 : 2.0;
        s.base = quantized * weight + (params - quantized) * kept;
        s.constants = quantized * constants;
        s.layer_storage = (quantized * (weight + constants) + (linear - quantized) * kept) / m->layers;
    }
    return s;
}

static double trainable_params(const sp_model *m, const sp_ft_config *c, double params)
{
    if (!is_adapter(c->method))
        return params;
    return sp_ft_adapter_params(m, c) + (c->train_embeddings ? embedding_params(m) : 0.0);
}

/* FSDP's unsharded units live beside the saved tensors in the backward: two blocks (the current
 * one and the prefetched next; limit_all_gathers), each gathered into a padded buffer of its own
 * beside the shard it keeps (flat_param._full_param_padded against _local_shard), and the root
 * unit, the embeddings and output layer no block's unit holds, which FSDP1 never frees after the
 * forward ("Do not free the root's parameters in the post-forward for FULL_SHARD",
 * fsdp/_runtime_utils.py _post_forward_reshard). With the shard on the host each unit's shard is
 * first copied to the GPU (FlatParamHandle.pre_unshard): 1/n more (one GPU runs NO_SHARD, where
 * the copy is the unit). */
static double fsdp_gathered_bytes(const sp_model *m, const sp_ft_config *c, const base_storage *base)
{
    double n = c->gpus;
    if (!((c->fsdp && n > 1) || c->offload == SP_OFFLOAD_PARAMS))
        return 0.0;
    double copy = c->offload == SP_OFFLOAD_PARAMS && n > 1 ? 1.0 + 1.0 / n : 1.0;
    return (2.0 * base->layer_storage + embedding_params(m) * 2.0) * copy;
}

void sp_ft_memory_checked(const sp_model *m, const sp_ft_config *given, const sp_ft_constants *k, double capacity_bytes,
                          sp_ft_memory *out)
{
    const sp_ft_config adapted = sp_ft_as_found(m, given), *c = &adapted;
    memset(out, 0, sizeof *out);
    double params = sp_model_params(m), n = c->gpus;
    double shard = c->fsdp ? n : 1.0;
    sp_precision_bytes b = sp_ft_precision_bytes(c);
    out->params = params;
    out->adapter_params = sp_ft_adapter_params(m, c);
    out->trainable_params = trainable_params(m, c, params);
    base_storage base = base_of(m, c, k, params);
    double trainable = out->trainable_params / shard;
    /* Adapters live beside the frozen base; a full fine-tune's weights are the base. */
    /* FSDP shards parameters only: AutoGPTQ keeps its packed weights, zeros and scales in
     * registered buffers (auto_gptq nn_modules/qlinear), which every rank holds whole, unless they
     * are made parameters first (fms-acceleration PR #15: framework_plugin_autogptq.py views them
     * as the training dtype and wraps them in nn.Parameter "so FSDP can shard them"). */
    double base_shard = c->quant == SP_QUANT_INT4 && !c->gptq_as_parameters ? 1.0 : shard;
    out->base_bytes = base.base / base_shard;
    /* bitsandbytes keeps a 4-bit weight's absmax constants in its QuantState, neither a
     * parameter nor a buffer: FSDP neither shards nor offloads them, and every rank quantises
     * its own whole copy (Answer.AI fsdp_qlora train.py: "FSDP only syncs parameters and buffers,
     * so the quant_state isn't copied"; bitsandbytes nn/modules.py Params4bit.quant_state). */
    bool bnb = c->quant == SP_QUANT_NF4 || c->quant == SP_QUANT_FP4;
    out->quant_constants_bytes = bnb ? base.constants : base.constants / base_shard;
    out->trainable_bytes = is_adapter(c->method) ? trainable * b.weights : 0.0;
    out->gradients_bytes = trainable * b.gradients;
    out->optimizer_bytes = trainable * sp_ft_optimizer_bytes(c);
    /* Offload moves state to the host: ZeRO-Offload the optimizer and gradients (Ren et al.
     * 2021, sec. 4), FSDP CPUOffload(offload_params=True) the parameters as well. */
    if (c->offload != SP_OFFLOAD_NONE) {
        /* FSDP's CPUOffload keeps them in the training dtype; ZeRO-Offload in fp32. */
        out->host_bytes += c->offload == SP_OFFLOAD_OPTIMIZER ? trainable * zero_offload_host_bytes_per_param(c)
                                                             : out->optimizer_bytes + out->gradients_bytes;
        out->optimizer_bytes = 0;
        out->gradients_bytes = 0;
    }
    if (c->offload == SP_OFFLOAD_PARAMS) {
        out->host_param_bytes = out->base_bytes + (bnb ? 0.0 : out->quant_constants_bytes) + out->trainable_bytes;
        out->host_bytes += out->host_param_bytes;
        out->base_bytes = out->trainable_bytes = 0;
        if (!bnb)
            out->quant_constants_bytes = 0;
    }
    saved_activations saved = activations_of(m, c);
    out->logits_bytes = c->micro_batch * c->seq * m->vocab *
                        (c->chunked_loss ? k->chunked_loss_bytes_per_logit : k->loss_bytes_per_logit);
    /* The loss runs when the forward ends and is freed before the backward rebuilds the last
     * checkpointed block, so the two are never live together. */
    out->activations_bytes = saved.saved + fmax(0.0, saved.rebuilt - out->logits_bytes);
    /* PyTorch FSDP1 reshards a frozen unit in the backward through a multi-grad hook on the
     * unit's inputs (pytorch PR #101982, fsdp/_runtime_utils.py _register_post_backward_reshard_
     * only_hook), and the hook keeps the inputs' autograd nodes (autograd/graph.py
     * register_multi_grad_hook) until the backward ends. Under Hugging Face's reentrant
     * checkpointing the unit's inputs are the rebuilt block's detached leaves, so every block's
     * input and its gradient stay: at the last block, 2 L - 1 hidden states where L + 1 would
     * be, (L - 2) a sequence more, beside one rebuilt block and no loss. */
    if (frozen_units_hold_inputs(c)) {
        double held = (m->layers - 2.0) * c->micro_batch * c->seq * m->hidden * residual_bytes(c);
        double unheld = out->activations_bytes;
        out->activations_bytes = fmax(unheld, saved.saved + held + saved.rebuilt - out->logits_bytes);
        out->held_inputs_bytes = out->activations_bytes - unheld;
    }
    /* In flight beside the saved tensors: FSDP's gathered units (below); the 16-bit copy of the
     * 4-bit linear being multiplied (bitsandbytes dequantises a whole weight before its GEMM);
     * DoRA's weight norm over W + BA (peft dora.py get_weight_norm). */
    double gathered = fsdp_gathered_bytes(m, c, &base);
    double dequant = c->quant != SP_QUANT_NONE ? largest_linear(m, SP_TARGET_ALL) * 2.0 : 0.0;
    double dora = c->method == SP_METHOD_DORA ? 2.0 * largest_linear(m, c->targets) * 2.0 : 0.0;
    double resident = out->base_bytes + out->quant_constants_bytes + out->trainable_bytes + out->optimizer_bytes;
    double backward = resident + out->activations_bytes + out->logits_bytes + gathered + dequant + dora;
    double step = resident + out->gradients_bytes +
                  (c->offload == SP_OFFLOAD_NONE ? trainable * optimizer_temporary_per_param(c) : 0.0);
    /* A whole unsharded copy kept beside the shard adds to every phase. */
    double copy = c->full_copy_resident && c->fsdp && n > 1 ? base.base + base.constants : 0.0;
    out->peak_in_optimizer_step = step > backward;
    out->transient_bytes = (out->peak_in_optimizer_step ? step - resident - out->gradients_bytes
                                                        : gathered + dequant + dora) + copy;
    out->allocated_bytes = fmax(backward, step) + copy;
    /* Quantised on the device: the whole 16-bit base (every parameter at 2 bytes, one GPU's
     * share under FSDP) was there first, and PyTorch's peak counter keeps it. */
    if (c->quantizes_on_device && c->quant != SP_QUANT_NONE)
        out->allocated_bytes = fmax(out->allocated_bytes, 2.0 * sp_model_params(m) / (c->fsdp ? n : 1.0));
    out->unbounded_reserved_bytes =
        out->allocated_bytes * (1.0 + (n > 1 ? k->fragmentation_multi_gpu : k->fragmentation));
    /* The allocator cannot reserve beyond the card: near capacity it frees its cache first. */
    out->reserved_bytes = out->unbounded_reserved_bytes;
    if (capacity_bytes > 0)
        out->reserved_bytes = fmin(out->reserved_bytes, fmax(out->allocated_bytes, capacity_bytes - k->cuda_context_bytes));
    out->device_bytes = out->reserved_bytes + k->cuda_context_bytes;
    out->capacity_bytes = capacity_bytes;
    /* Near capacity PyTorch's allocator frees its cached blocks and retries before it fails
     * (c10/cuda/CUDACachingAllocator.cpp, release_cached_blocks on a failed cudaMalloc): a
     * job fits when its live tensors and the context do, whatever it reserves when memory is free. */
    out->fits = capacity_bytes > 0 && out->allocated_bytes + k->cuda_context_bytes <= capacity_bytes &&
                (c->host_bytes <= 0 || out->host_bytes * c->gpus <= c->host_bytes);
    /* Such a job runs only while freeing the cache leaves whole blocks for each request; a
     * version that fragments a little more fails (fms-acceleration a100_80gb.csv: Llama 2 70B
     * QLoRA, 2 GPUs, batch 4 ran at 97fc3c1 with its reserve at the card and ran out of memory
     * at 24bdadb, while the runs that finished at both kept their allocated peaks). */
    out->tight = out->fits && out->unbounded_reserved_bytes + k->cuda_context_bytes > capacity_bytes;
}

sp_status sp_ft_memory_estimate(const sp_model *m, const sp_ft_config *c, const sp_ft_constants *k,
                                double capacity_bytes, sp_ft_memory *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_status s = sp_ft_config_check(m, c, err);
    if (s != SP_OK)
        return s;
    sp_ft_memory_checked(m, c, k, capacity_bytes, out);
    if (!isfinite(out->device_bytes))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "the estimate overflows: check the shape");
    if (c->host_bytes > 0 && out->host_bytes * c->gpus > c->host_bytes)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "offload",
                       "the offloaded state of %g GPU(s) needs %.1f GB of host memory and %.1f GB is left", c->gpus,
                       out->host_bytes * c->gpus / 1e9, c->host_bytes / 1e9);
    return SP_OK;
}

typedef struct {
    const sp_model *m;
    sp_ft_config c;
    const sp_ft_constants *k;
    double capacity;
    bool needs_room; /* a tight fit counts as too big */
} batch_ctx;

static bool too_big(double batch, void *ctx)
{
    batch_ctx *b = ctx;
    b->c.micro_batch = batch;
    sp_ft_memory mem;
    sp_ft_memory_checked(b->m, &b->c, b->k, b->capacity, &mem);
    return !mem.fits || (b->needs_room && mem.tight);
}

static double largest_micro_batch(const sp_model *m, const sp_ft_config *c, const sp_ft_constants *k,
                                  double capacity_bytes, bool needs_room)
{
    enum { LARGEST = 65536 };
    sp_error err;
    if (sp_ft_config_check(m, c, &err) != SP_OK || !(capacity_bytes > 0))
        return 0;
    batch_ctx b = {m, *c, k, capacity_bytes, needs_room};
    double first_over = sp_smallest_true(too_big, &b, LARGEST);
    return first_over == 0 ? LARGEST : first_over - 1;
}

double sp_ft_max_micro_batch(const sp_model *m, const sp_ft_config *c, const sp_ft_constants *k,
                             double capacity_bytes)
{
    return largest_micro_batch(m, c, k, capacity_bytes, false);
}

double sp_ft_max_roomy_micro_batch(const sp_model *m, const sp_ft_config *c, const sp_ft_constants *k,
                                   double capacity_bytes)
{
    return largest_micro_batch(m, c, k, capacity_bytes, true);
}
