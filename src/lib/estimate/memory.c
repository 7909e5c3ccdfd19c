/* memory.c - bytes per accelerator for training and inference of a transformer. */
#include "estimate_internal.h"

#include <math.h>
#include <string.h>

/* Factored second-moment entries of Adafactor (Shazeer and Stern 2018, sec. 3):
 * rows + columns for each weight matrix. */
static double adafactor_entries(const sp_model *m)
{
    double q = m->heads * m->head_dim, kv = m->kv_heads * m->head_dim;
    double attention = (m->hidden + q) * 2.0 + (m->hidden + kv) * 2.0;
    double mlp = (m->ffn_kind == SP_FFN_SWIGLU ? 3.0 : 2.0) * (m->hidden + m->ffn) * m->experts;
    double embeddings = (m->vocab + m->hidden) * (m->tied_embeddings ? 1.0 : 2.0);
    return m->layers * (attention + mlp) + embeddings;
}

/* Optimizer bytes per parameter (states + master), and Adafactor's factored total. */
static double optimizer_bytes_total(const sp_model *m, const sp_mem_config *c, double params, double total)
{
    sp_precision_bytes b = sp_precision_bytes_of(c);
    switch (c->optimizer) {
    case SP_OPT_ADAM:
    case SP_OPT_ADAMW: return params * (b.master + 2.0 * b.state); /* momentum + variance */
    case SP_OPT_ADAM8BIT: return params * (b.master + 2.0);        /* Dettmers et al. 2021: 1 byte a state */
    case SP_OPT_SGD: return params * (b.master + b.state);         /* momentum only */
    case SP_OPT_ADAFACTOR:
        if (!sp_model_has_shape(m))
            return params * b.master;
        return params * b.master + 4.0 * adafactor_entries(m) * params / total;
    }
    return 0;
}

/* ---- parameters on the busiest GPU after tensor and pipeline splits ---- */

static double norm_params(const sp_model *m)
{
    return m->norm_bias ? 2.0 * m->hidden : m->hidden;
}

/* The ranks routed experts are split over: E/ep experts a GPU under expert parallelism, each
 * sliced over etp (MoE Parallel Folding), else a 1/tp slice of every one. */
static double expert_split(const sp_mem_config *c)
{
    return c->ep > 1 ? c->ep * c->etp : c->tp;
}

/* Routed-expert weights on one GPU: its stage's share of them. */
static double expert_params_per_gpu(const sp_model *m, const sp_mem_config *c)
{
    if (!sp_model_has_shape(m))
        return 0;
    return ceil(m->layers / c->pp) * sp_layer_expert_params(m) / expert_split(c);
}

/* Megatron-LM splits every weight matrix over tp and replicates the norms (Shoeybi et al. 2019). */
static double params_per_gpu(const sp_model *m, const sp_mem_config *c, double total)
{
    if (!sp_model_has_shape(m))
        return total / (c->tp * c->pp);
    double embedding = m->vocab * m->hidden;
    double positions = m->learned_positions * m->hidden;
    double layer_norms = m->norms_per_layer * norm_params(m);
    double body = total - embedding * (m->tied_embeddings ? 1.0 : 2.0) - positions - m->extra_params -
                  (m->final_norm ? norm_params(m) : 0.0);
    double layer = body / m->layers;
    /* Expert parallelism (Megatron-Core MoE): each GPU holds E/ep whole routed experts of an MoE
     * layer instead of a 1/tp slice of every one. */
    double experts = sp_layer_expert_params(m);
    double expert_share = experts / expert_split(c);
    double layer_per_gpu = (layer - layer_norms - experts) / c->tp + layer_norms + expert_share;
    double layers_per_stage = ceil(m->layers / c->pp);
    double first = embedding / c->tp + positions + m->extra_params + layers_per_stage * layer_per_gpu;
    if (c->pp == 1)
        return first + (m->tied_embeddings ? 0.0 : embedding / c->tp) + (m->final_norm ? norm_params(m) : 0.0);
    /* With pp > 1 the last stage holds the output layer, a copy of a tied embedding too. */
    double last = layers_per_stage * layer_per_gpu + embedding / c->tp + (m->final_norm ? norm_params(m) : 0.0);
    return fmax(first, last);
}

/* ---- activations (Korthikanti et al. 2022, sec. 4, generalised to GQA and SwiGLU) ---- */

static double activation_bytes(const sp_mem_config *c)
{
    return c->precision == SP_PREC_FP32 ? 4.0 : 2.0;
}


/* Per token (s b) of one layer: what is kept for backward, split into the part
 * tensor parallelism replicates and the part it divides. Dropout masks are 1 byte. */
typedef struct {
    double replicated;  /* layer-norm inputs, block inputs, dropout masks: 10 sbh in the paper */
    double split;       /* Q, K, V, attention output, MLP inner activations */
    double scores;      /* a s per token: softmax output, dropout mask and output */
    double norm_outputs; /* of `replicated`: the attention and MLP inputs, the norms' outputs */
} layer_activations;

/* What an MLP of inner width f keeps a token: GELU its pre-activation and output, 4h each at 2
 * bytes in the paper (8+8 sbh); SwiGLU fused keeps gate and up (its one input) and the product (the
 * down projection's input), recomputing silu in the backward (Megatron-Core
 * fusions/fused_bias_swiglu.py: SwiGLUFunction saves its input alone; torch.compile's partitioner
 * alike); eager modules keep silu(gate) too (transformers LlamaMLP: act_fn(gate_proj(x)) * up_proj(x)). */
static double mlp_kept_bytes(const sp_model *m, const sp_mem_config *c, double f, double e)
{
    return (m->ffn_kind == SP_FFN_SWIGLU ? (c->eager_modules ? 4.0 : 3.0) : 2.0) * f * e;
}

/* An MoE layer's MLP a token: each of its k routed visits and each shared expert keeps an
 * expert's inner activations; each routed visit also keeps its permuted copy of the token (the
 * experts' fc1 input) and the expert's output, which the probability-weighted combine multiplies
 * in the backward (Megatron-Core moe/token_dispatcher.py permute and unpermute, GShard's
 * combine); the router keeps its fp32 scores, one an expert. A dense layer of an MoE model runs
 * its own width (dense_ffn). With one pipeline stage the layers average; with more, the heaviest
 * stage is taken as all of the heavier kind. */
static double moe_mlp_kept_bytes(const sp_model *m, const sp_mem_config *c, sp_recompute recompute, double e)
{
    double k = m->experts_per_token, visit = mlp_kept_bytes(m, c, m->ffn, e);
    /* moe_act recomputed: a routed visit keeps its gate and up, not their product. */
    double routed_visit = sp_selective_covers_moe(m, c, recompute) ? visit - m->ffn * e : visit;
    double routed = k * routed_visit + m->shared_experts * visit + 2.0 * k * m->hidden * e + 4.0 * m->experts;
    double dense = mlp_kept_bytes(m, c, m->dense_ffn > 0 ? m->dense_ffn : m->ffn, e);
    double moe_layers = sp_model_routed_layers(m);
    if (moe_layers >= m->layers)
        return routed;
    if (c->pp <= 1)
        return (moe_layers * routed + (m->layers - moe_layers) * dense) / m->layers;
    return fmax(routed, dense);
}

static layer_activations per_token(const sp_model *m, const sp_mem_config *c, sp_recompute recompute)
{
    double e = activation_bytes(c), h = m->hidden, f = m->ffn;
    double r = m->kv_heads / m->heads;
    double mask = m->dropout ? 1.0 : 0.0;
    layer_activations a;
    /* Two norm inputs, attention input, MLP input; two dropout masks (sec. 4.1: 4 + 2 + 2 + 2 = 10).
     * An eager RMSNorm keeps its input's fp32 upcast for the backward, not the 16-bit input
     * (transformers LlamaRMSNorm: hidden_states.to(torch.float32), then pow and the rsqrt product). */
    double norm_input = c->eager_modules && !m->norm_bias ? fmax(e, 4.0) : e;
    /* The norms' outputs (attention and MLP inputs) are not kept where Megatron's layernorm module
     * reruns them: the MLP's norm always, the attention's only where it is a module of its own (MLA's
     * TENorm; a GQA layer fuses it into TELayerNormColumnParallelLinear, which keeps its output). */
    bool covered = sp_selective_covers_moe(m, c, recompute), mla = m->kv_lora_rank > 0;
    a.norm_outputs = (covered ? (mla ? 0.0 : 1.0) : 2.0) * h * e;
    a.replicated = m->norms_per_layer * h * norm_input + a.norm_outputs + 2.0 * mask * h;
    /* Q, K, V (K and V shrink with GQA) and the input of the output projection: 2+2+2+2 sbh. */
    double attention = (2.0 + 2.0 * r) * h * e;
    if (mla) {
        /* MLA (DeepSeek-V2 sec. 2.1.2): Q and K of the query-key width, V and the output
         * projection's input of the value width, every head; mla_up_proj recomputed, Q, K and V
         * are rerun from the latents and only the output projection's input stays. The query and
         * KV latents enter their norms and up-projections (input and normalised copy each; the
         * rotary key has no norm): on every tensor-parallel rank, a 1/tp of the sequence under
         * sequence parallelism (Megatron-Core multi_latent_attention.py: [s/TP, b, ...]), so they
         * are counted where the block inputs are. */
        double qk = m->qk_nope_head_dim + m->qk_rope_head_dim;
        attention = m->heads * ((covered ? 0.0 : 2.0 * qk + m->v_head_dim) + m->v_head_dim) * e;
        a.replicated += (2.0 * (m->q_lora_rank + m->kv_lora_rank) + m->qk_rope_head_dim) * e;
    }
    double mlp = m->experts > 1 ? moe_mlp_kept_bytes(m, c, recompute, e) : mlp_kept_bytes(m, c, f, e);
    a.split = attention + mlp;
    /* Softmax output (2as^2b) plus dropout mask and output (as^2b + 2as^2b); autocast runs softmax in fp32. */
    bool fp32_softmax = c->mixed_style == SP_MASTER_AUTOCAST && c->precision != SP_PREC_FP32;
    double softmax = fp32_softmax ? 4.0 : e;
    a.scores = m->heads * (softmax + mask * (1.0 + softmax));
    return a;
}

/* Transformer Engine keeps the FP8 cast of each linear layer's input for the weight gradient, not
 * its 16-bit original (TransformerEngine pytorch/module/linear.py: saved_inputmat is the quantized
 * input, "row-wise data ... not needed in backward"; LayerNormLinear's normalised output assumed
 * kept alike): the QKV and fc1 inputs (the two norm outputs), the output projection's and fc2's
 * inputs take 1 byte an element (MXFP8 adds an 8-bit scale per 32). Megatron-Core runs TE; torchtitan's FSDP2 runs
 * torchao's Float8Linear, which keeps the 16-bit input, so the saving is Megatron's. */
static void fp8_saved_inputs(const sp_model *m, const sp_mem_config *c, layer_activations *a)
{
    bool fp8 = c->precision == SP_PREC_FP8 || c->precision == SP_PREC_MXFP8 || c->precision == SP_PREC_NVFP4 ||
               c->precision == SP_PREC_FP8_ROWWISE;
    if (!fp8 || (sp_layout_is_fsdp2(c) && c->precision != SP_PREC_NVFP4) || c->mode != SP_MODE_TRAIN)
        return;
    /* NVFP4 keeps a 4-bit copy with an E4M3 scale a 16 values (Transformer Engine's NVFP4 recipe). */
    double e = activation_bytes(c), fp8_bytes = c->precision == SP_PREC_NVFP4   ? 0.5 + 1.0 / 16.0
                                                : c->precision == SP_PREC_MXFP8 ? 1.0 + 1.0 / 32.0
                                                                                : 1.0;
    double saved = e - fp8_bytes;
    a->replicated -= a->norm_outputs / e * saved; /* the QKV and fc1 inputs kept */
    /* The output projection's input (the value width, MLA's too) and each fc2 input kept: an MoE
     * layer's shared experts', and its routed visits' unless moe_act reruns them. */
    double projection = sp_attention_value_width(m);
    double fc2 = m->experts > 1 ? m->shared_experts + (sp_selective_covers_moe(m, c, c->recompute) ? 0.0 : m->experts_per_token)
                                : 1.0;
    a->split -= (projection + fc2 * m->ffn) * saved;
}

/* Bytes one layer keeps for one micro-batch, before pipelining. */
static double layer_bytes(const sp_model *m, const sp_mem_config *c, sp_recompute recompute)
{
    /* Context parallelism keeps seq/cp tokens of each sequence on a rank (FlashAttention only). */
    double s = c->seq / c->cp, b = c->micro_batch, t = c->tp;
    double e = activation_bytes(c);
    if (recompute == SP_RECOMPUTE_FULL) /* sec. 5: only the layer input, 2sbh (/t with SP) */
        return s * b * m->hidden * e / (c->sequence_parallel ? t : 1.0);
    if (recompute == SP_RECOMPUTE_OP) {
        /* torchtitan's op-level policy keeps the block input, the outputs of the 1st, 3rd, 5th ...
         * matmul and the attention output with its fp32 log-sum-exp (torchtitan
         * activation_checkpoint.py: _save_list, "mm_count % 2 == 0" recomputed). */
        double outs[8], ins[8];
        size_t n = sp_layer_matmuls(m, t, outs, ins);
        double kept = m->hidden / (c->sequence_parallel ? t : 1.0) + m->heads * m->head_dim / t;
        for (size_t i = 0; i < n; i += 2)
            kept += outs[i];
        return s * b * (kept * e + m->heads / t * 4.0);
    }
    layer_activations a = per_token(m, c, recompute);
    fp8_saved_inputs(m, c, &a);
    double scores = a.scores * s;
    if (recompute == SP_RECOMPUTE_SELECTIVE || c->flash_attention)
        scores = c->flash_attention ? m->heads * 4.0 : 0.0; /* FlashAttention keeps fp32 log-sum-exp */
    double replicated = c->sequence_parallel ? a.replicated / t : a.replicated;
    return s * b * (replicated + (a.split + scores) / t);
}

/* Output layer: fp32 logits and their gradient for the cross-entropy (sec. 4.3 counts 4sbv/t); an
 * eager loss also holds the 16-bit logits and the log-softmax's output (defaults.yaml
 * eager_loss_bytes_per_logit). */
static double output_bytes(const sp_model *m, const sp_mem_config *c, const sp_memory_constants *k)
{
    double per_logit = c->eager_modules ? k->eager_loss_bytes_per_logit : 8.0; /* 8: sec. 4.3's fp32 logits and gradient */
    return c->seq / c->cp * c->micro_batch * (2.0 * m->hidden * activation_bytes(c) + per_logit * m->vocab / c->tp);
}

static double inflight(const sp_mem_config *c)
{
    double n = c->pp;
    if (c->microbatches > 0 && c->microbatches < n)
        n = c->microbatches;
    return n;
}

static double training_activations(const sp_model *m, const sp_mem_config *c, const sp_memory_constants *k)
{
    if (!sp_model_has_shape(m))
        return 0;
    double layers_per_stage = ceil(m->layers / c->pp);
    /* 1F1B: the first stage holds pp micro-batches; interleaving adds (1 + (p-1)/(p v)) (sec. 4.2.3). */
    double factor = inflight(c);
    if (c->interleave > 1 && c->pp > 1)
        factor *= 1.0 + (c->pp - 1.0) / (c->pp * c->interleave);
    double stored = layers_per_stage * layer_bytes(m, c, c->recompute) * factor;
    /* Full and op-level recompute rebuild one layer's activations during its backward. */
    if (c->recompute == SP_RECOMPUTE_FULL || c->recompute == SP_RECOMPUTE_OP)
        stored += layer_bytes(m, c, SP_RECOMPUTE_NONE);
    if (c->pp == 1)
        stored += output_bytes(m, c, k);
    return stored;
}

/* ---- inference ---- */

double sp_weight_bytes_per_param(sp_dtype d, const sp_memory_constants *k)
{
    if (d == SP_DTYPE_INT4) /* 4 bits plus an fp16 scale and zero point per group */
        return 0.5 + 4.0 / k->int4_group_size;
    if (d == SP_DTYPE_NVFP4) /* E2M1 plus one E4M3 scale per 16 elements (NVIDIA, "Introducing NVFP4", 2025) */
        return 0.5 + 1.0 / 16.0;
    if (d == SP_DTYPE_MXFP4) /* E2M1 plus one E8M0 scale per 32 elements (OCP Microscaling Formats v1.0 sec. 5) */
        return 0.5 + 1.0 / 32.0;
    return sp_dtype_bytes(d);
}

/* Quantized formats leave the embedding and output layer in 16 bits (AWQ, GPTQ, fp8 in vLLM). */
static double inference_weights(const sp_model *m, const sp_mem_config *c, const sp_memory_constants *k,
                                double per_gpu)
{
    double bytes = sp_weight_bytes_per_param(c->weight_dtype, k);
    if (!sp_model_has_shape(m) || bytes >= 2.0)
        return per_gpu * bytes;
    /* A checkpoint that quantises only the routed experts (gpt-oss's MXFP4) keeps the rest 16-bit:
     * the experts of this GPU's stage and split. */
    if (c->quantized_experts_only && m->experts > 1) {
        double experts = fmin(per_gpu, expert_params_per_gpu(m, c));
        return experts * bytes + (per_gpu - experts) * 2.0;
    }
    double embeddings = m->vocab * m->hidden * (m->tied_embeddings ? 1.0 : 2.0) / c->tp;
    embeddings = fmin(embeddings, per_gpu);
    return (per_gpu - embeddings) * bytes + embeddings * 2.0;
}

/* One token of one layer's cache on one GPU. MLA caches its compressed latent and the decoupled
 * RoPE key, shared by every head and so whole on each tensor-parallel rank (DeepSeek-V2 sec.
 * 2.1.2: (d_c + d_h^R) elements a token and layer); otherwise K and V of the GPU's share of the kv
 * heads (at least one, replicated when tp exceeds them). */
static double kv_bytes_per_token_layer(const sp_model *m, double tp, sp_dtype kv_dtype)
{
    if (m->kv_lora_rank > 0)
        return (m->kv_lora_rank + m->qk_rope_head_dim) * sp_dtype_bytes(kv_dtype);
    return 2.0 * fmax(1.0, m->kv_heads / tp) * m->head_dim * sp_dtype_bytes(kv_dtype);
}

double sp_kv_bytes_per_token(const sp_model *m, double tp, double pp, sp_dtype kv_dtype)
{
    return ceil(m->layers / pp) * kv_bytes_per_token_layer(m, tp, kv_dtype);
}

double sp_model_kv_bytes_per_token(const sp_model *m, sp_dtype kv_dtype)
{
    return sp_model_has_shape(m) ? sp_kv_bytes_per_token(m, 1, 1, kv_dtype) : 0.0;
}

double sp_kv_bytes_per_sequence(const sp_model *m, double tp, double pp, sp_dtype kv_dtype, double context)
{
    /* Sliding-window and chunked layers keep at most their window (Gemma 2/3, gpt-oss, Llama 4);
     * a stage holds its share of them. */
    double layers = ceil(m->layers / pp);
    double windowed = m->window > 0 ? layers * m->window_layers / m->layers : 0.0;
    double tokens = (layers - windowed) * context + windowed * fmin(context, m->window);
    return tokens * kv_bytes_per_token_layer(m, tp, kv_dtype);
}

static double kv_cache(const sp_model *m, const sp_mem_config *c)
{
    if (!sp_model_has_shape(m))
        return 0;
    return sp_kv_bytes_per_sequence(m, c->tp, c->pp, c->kv_dtype, c->context) * c->batch;
}

/* Peak transient of one forward pass over a chunk of tokens, 16-bit: four hidden-sized buffers
 * live at once (the residual stream, the norm's output, the attention output and the layer's
 * result; an assumption of this model, not a measurement), the MLP's inner activations, and
 * the fp32 logits of each sequence's last token (vLLM samples from those). */
static double inference_workspace(const sp_model *m, const sp_mem_config *c, const sp_memory_constants *k)
{
    if (!sp_model_has_shape(m))
        return 0;
    double tokens = fmin(c->batch * c->context, k->prefill_chunk_tokens);
    double inner = (m->ffn_kind == SP_FFN_SWIGLU ? 2.0 : 1.0) * m->ffn / c->tp;
    return tokens * 2.0 * (4.0 * m->hidden + inner) + c->batch * m->vocab * 4.0 / c->tp;
}

/* ---- checks ---- */

double sp_usable_memory_bytes(const sp_accel *accel, const sp_perf_constants *perf)
{
    return accel ? accel->memory_bytes * (1.0 - perf->memory_headroom) : 0.0;
}

sp_status sp_mem_config_check(const sp_model *m, const sp_mem_config *c, sp_error *err)
{
    const double counts[] = {c->dp, c->tp, c->pp, c->interleave, c->micro_batch, c->seq, c->batch, c->context};
    const char *names[] = {"dp", "tp", "pp", "interleave", "micro-batch", "seq", "batch", "context"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if (!sp_whole_in(counts[i], 1, 1e9))
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, names[i], "must be a whole number >= 1");
    if (!sp_whole_in(c->zero, 0, 3))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "zero", "must be 0, 1, 2 or 3");
    if (!sp_whole_in(c->microbatches, 0, 1e9))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "microbatches", "must be a whole number >= 0");
    if (!sp_whole_in(c->cp, 1, 1e6))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "cp", "must be a whole number >= 1");
    /* Megatron-Core splits each sequence into 2 cp chunks, rank i taking chunks i and 2cp-1-i to
     * balance causal attention, and runs the ring on FlashAttention-style kernels only. */
    if (c->cp > 1 && c->mode == SP_MODE_TRAIN && !sp_divides(2.0 * c->cp, c->seq))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "cp", "2 x cp (%g) must divide the sequence (%g tokens)", 2.0 * c->cp,
                       c->seq);
    if (c->cp > 1 && !c->flash_attention)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "cp", "context parallelism needs FlashAttention (ring attention)");
    /* Megatron-Core folds the ep x etp expert ranks over the tp x cp x dp ranks of a stage. */
    if (!sp_whole_in(c->etp, 1, 1e6) || (c->etp > 1 && c->ep <= 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "etp", "expert tensor parallelism needs ep > 1");
    if (!sp_whole_in(c->ep, 1, 1e6) || (c->ep > 1 && !sp_divides(c->ep * c->etp, c->tp * c->cp * c->dp)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "ep", "ep x etp must divide tp x cp x dp (%g)",
                       c->tp * c->cp * c->dp);
    if (c->ep > 1 && sp_model_has_shape(m) && m->experts <= 1)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "ep", "%s is dense: it has no experts to split",
                       m->name[0] ? m->name : "the model");
    if (c->ep > 1 && sp_model_has_shape(m) && !sp_divides(c->ep, m->experts))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "ep", "%g does not divide the %g experts", c->ep, m->experts);
    double params = sp_model_params(m);
    if (!(params > 0) || !isfinite(params))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "has no parameters");
    if (params > SP_MODEL_PARAMS_MAX)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "%.3g parameters is beyond any model", params);
    if (!sp_model_has_shape(m))
        return SP_OK;
    if (!sp_divides(c->tp, m->heads))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "tp", "%g does not divide the %g attention heads",
                       c->tp, m->heads);
    if (c->pp > m->layers)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "pp", "%g stages for %g layers", c->pp, m->layers);
    /* Virtual stages may be uneven (torchtitan's generate_split_points; Megatron-LM's
     * --pipeline-model-parallel-layout): a rank holds ceil(L/pp) layers at most either way, which
     * is what memory and time count. */
    if (c->interleave > 1 && c->pp * c->interleave > m->layers)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "interleave",
                       "pp x interleave (%g) is more stages than the %g layers", c->pp * c->interleave, m->layers);
    return SP_OK;
}

/* ---- the estimate ---- */

static void training_state(const sp_model *m, const sp_mem_config *c, double total, double activations,
                           sp_memory *out)
{
    sp_precision_bytes b = sp_precision_bytes_of(c);
    /* Context-parallel ranks hold the same weights and reduce gradients together: ZeRO and the
     * distributed optimizer shard over dp x cp (Megatron-Core's data-parallel-with-CP group). */
    double p = out->params_per_gpu, n = c->dp * c->cp;
    double weights = p * b.weights, gradients = p * b.gradients;
    double optimizer = optimizer_bytes_total(m, c, p, total);
    /* ZeRO stages (Rajbhandari et al. 2019, sec. 5.1-5.3): 1 shards optimizer state, 2 adds
     * gradients, 3 adds the parameters, each over the data-parallel degree. */
    /* Expert state is sharded over the expert-data-parallel group, tp x cp x dp / (ep x etp)
     * ranks (Megatron-Core's distributed optimizer keeps a separate group for expert parameters). */
    double f = c->ep > 1 && p > 0 ? expert_params_per_gpu(m, c) / p : 0.0;
    double expert_dp = c->ep > 1 ? c->tp * c->cp * c->dp / (c->ep * c->etp) : n;
    double sharded = (1.0 - f) / n + f / expert_dp; /* what a ZeRO shard keeps of this GPU's state */
    if (c->zero >= 1)
        optimizer *= sharded;
    if (c->zero >= 2)
        gradients *= sharded;
    if (c->zero >= 3) {
        weights *= sharded;
        /* FSDP/ZeRO-3 materialise the current layer and prefetch the next: 2 layers of compute
         * weights (PyTorch FSDP backward_prefetch=BACKWARD_PRE and limit_all_gathers keep at most
         * two layers' all-gathers in flight; ZeRO-3's prefetch bucket is of the same order). */
        double layer = sp_model_has_shape(m) ? (p - m->vocab * m->hidden / c->tp) / ceil(m->layers / c->pp) : 0;
        out->gather_bytes = n > 1 ? 2.0 * fmax(layer, 0.0) * b.compute : 0.0;
    }
    out->weights_bytes = weights;
    out->gradients_bytes = gradients;
    out->optimizer_bytes = optimizer;
    out->activations_bytes = activations;
    out->inflight_microbatches = inflight(c);
}

static void inference_state(const sp_model *m, const sp_mem_config *c, const sp_memory_constants *k,
                            sp_memory *out)
{
    out->weights_bytes = inference_weights(m, c, k, out->params_per_gpu);
    out->kv_cache_bytes = kv_cache(m, c);
    out->activations_bytes = inference_workspace(m, c, k);
}

sp_status sp_memory_estimate(const sp_model *model, const sp_mem_config *config,
                             const sp_memory_constants *constants, double capacity_bytes,
                             sp_memory *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_status status = sp_mem_config_check(model, config, err);
    if (status != SP_OK)
        return status;
    sp_memory_estimate_checked(model, config, constants, capacity_bytes, sp_model_params(model), out);
    if (!isfinite(out->total_bytes))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "the estimate overflows: check the shape");
    return SP_OK;
}

/* Parameters per GPU and training activations of this layout: from the memo when it holds this
 * layout (the search varies the ZeRO stage outermost of its inner loops; parameters per GPU
 * depend on the split alone, the activations on its recompute policy, sequence parallelism,
 * eager modules and whether FSDP2 runs it too), else computed and kept there. */
static void split_terms(const sp_model *m, const sp_mem_config *c, const sp_memory_constants *k, double params,
                        sp_memory_memo *memo, double *per_gpu, double *activations)
{
    if (!memo || memo->generation == 0) {
        *per_gpu = params_per_gpu(m, c, params);
        *activations = c->mode == SP_MODE_TRAIN ? training_activations(m, c, k) : 0.0;
        return;
    }
    if (memo->params_generation != memo->generation) {
        memo->params_per_gpu = params_per_gpu(m, c, params);
        memo->params_generation = memo->generation;
    }
    *per_gpu = memo->params_per_gpu;
    /* FSDP2 (ZeRO-3 without experts) keeps fp8 GEMMs' inputs in 16 bits (fp8_saved_inputs): the
     * ZeRO stages of one generation may not share a slot across it. */
    unsigned key = ((unsigned)c->recompute % 4u) * 2u + (c->sequence_parallel ? 1u : 0u) + (c->eager_modules ? 8u : 0u) +
                   (sp_layout_is_fsdp2(c) ? 16u : 0u);
    sp_memory_memo_slot *slot = &memo->slots[key];
    if (slot->generation != memo->generation)
        *slot = (sp_memory_memo_slot){memo->generation, c->mode == SP_MODE_TRAIN ? training_activations(m, c, k) : 0.0};
    *activations = slot->activations_bytes;
}

void sp_memory_estimate_checked(const sp_model *model, const sp_mem_config *config,
                                const sp_memory_constants *constants, double capacity_bytes, double params,
                                sp_memory *out)
{
    sp_memory_estimate_memo(model, config, constants, capacity_bytes, params, NULL, out);
}

void sp_memory_estimate_memo(const sp_model *model, const sp_mem_config *config,
                             const sp_memory_constants *constants, double capacity_bytes, double params,
                             sp_memory_memo *memo, sp_memory *out)
{
    /* A copy of a zero value, not memset: GCC lowers a memset of this size to rep stosq, whose
     * start-up cost was an eighth of the search's time (perf annotate and timings of make bench's search). */
    static const sp_memory none;
    *out = none;
    out->params = params;
    double activations = 0;
    split_terms(model, config, constants, params, memo, &out->params_per_gpu, &activations);
    if (config->mode == SP_MODE_TRAIN)
        training_state(model, config, params, activations, out);
    else
        inference_state(model, config, constants, out);
    out->model_state_bytes = out->weights_bytes + out->gradients_bytes + out->optimizer_bytes;
    double tensors = out->model_state_bytes + out->activations_bytes + out->kv_cache_bytes + out->gather_bytes;
    out->overhead_bytes = out->gather_bytes + tensors * constants->fragmentation + constants->cuda_context_bytes;
    out->total_bytes = out->model_state_bytes + out->activations_bytes + out->kv_cache_bytes +
                       out->overhead_bytes;
    out->allocated_bytes = tensors;
    out->reserved_bytes = tensors * (1.0 + constants->fragmentation);
    out->device_bytes = out->total_bytes;
    out->capacity_bytes = capacity_bytes;
    out->headroom_bytes = capacity_bytes - out->total_bytes;
    out->fits = capacity_bytes > 0 && out->total_bytes <= capacity_bytes;
}

typedef struct {
    const sp_model *model;
    sp_mem_config c;
    const sp_memory_constants *constants;
    double capacity_bytes;
} batch_ctx;

static bool overflows(double batch, void *ctx)
{
    batch_ctx *b = ctx;
    *(b->c.mode == SP_MODE_TRAIN ? &b->c.micro_batch : &b->c.batch) = batch;
    sp_memory m;
    return sp_memory_estimate(b->model, &b->c, b->constants, b->capacity_bytes, &m, NULL) != SP_OK || !m.fits;
}

double sp_memory_max_batch(const sp_model *model, const sp_mem_config *config,
                           const sp_memory_constants *constants, double capacity_bytes)
{
    /* Memory grows with the batch: the largest that fits is one below the smallest that does not. */
    enum { LARGEST = 1048576 };
    batch_ctx b = {model, *config, constants, capacity_bytes};
    double first_over = sp_smallest_true(overflows, &b, LARGEST);
    return first_over == 0 ? LARGEST : first_over - 1;
}

double sp_deepspeed_zero_estimate(double params, double largest_layer_params, double gpus, int stage)
{
    /* deepspeed/runtime/zero/stage_1_and_2.py and stage3.py, cpu_offload=False. */
    if (stage == 3)
        return 4.0 * largest_layer_params + floor(18.0 * params / gpus);
    return 4.0 * params + floor(16.0 * params / gpus);
}
