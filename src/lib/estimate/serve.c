/* serve.c - serving: prefill and decode time, batch that fits, replicas for a rate. */
#include "estimate_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const sp_model *m;
    const sp_accel *a;
    const sp_serve_config *c;
    const sp_perf_constants *k;
    double tp;
    double peak;        /* FLOP/s of the weight dtype's GEMMs */
    double efficiency;  /* large-GEMM share of peak, sustained (16-bit: attention, output layer) */
    double weight_gemm_efficiency; /* the same for the weight dtype's GEMMs (FP4 kernels sustain less) */
    double hbm;         /* achievable bytes/s of the KV cache's reads */
    double weight_hbm;  /* achievable bytes/s of the weights' reads (GEMV-like at small batch) */
    double wbytes;      /* bytes per weight */
    double gemm_bytes;  /* operand bytes of the GEMM kernel: 1 when it runs in fp8/int8 */
    double attn_tp;     /* GPUs one sequence's attention is split over: 1 under attention DP */
    double attn_share;  /* the share of the sequences a GPU attends to: 1/tp under attention DP */
    double pp;          /* pipeline stages of the replica */
} serve_ctx;

static double weight_peak(const sp_accel *a, sp_dtype d)
{
    if ((d == SP_DTYPE_FP8 && a->fp8_flops_per_s > 0))
        return a->fp8_flops_per_s;
    if (d == SP_DTYPE_INT8 && a->int8_ops_per_s > 0)
        return a->int8_ops_per_s;
    if (sp_dtype_is_fp4(d) && a->fp4_flops_per_s > 0)
        return a->fp4_flops_per_s; /* Blackwell and MI355X multiply 4-bit operands natively */
    if (d == SP_DTYPE_NVFP4)
        return 0; /* NVFP4 kernels need FP4 tensor cores */
    if (d == SP_DTYPE_FP32)
        return a->fp32_flops_per_s;
    /* int4 weights are dequantised to 16-bit for the GEMM (AWQ/GPTQ kernels), and so are MXFP4
     * weights on parts without FP4 (gpt-oss on Hopper: OpenAI's gpt-oss model card, sec. 2.1). */
    return a->bf16_flops_per_s;
}

/* The share of the SMs an 8-bit GEMM keeps busy: all of them unless the engine runs fixed coarse
 * tiles (sp_serve_config.gemm_8bit_fixed_tiles, sp_gemm_occupancy). */
static double gemm_busy(const serve_ctx *x, double m, double n)
{
    return x->c->gemm_8bit_fixed_tiles ? sp_gemm_occupancy(x->a, m, n, x->gemm_bytes) : 1.0;
}

/* 8-bit weights run 8-bit GEMMs, whose coarse tiles can leave SMs idle at small batch
 * (gemm_busy); int4 is dequantised to 16-bit kernels that fill the GPU. */
static double gemm(const serve_ctx *x, double m, double n, double k)
{
    double busy = gemm_busy(x, m, n);
    return sp_gemm_time_s(m, n, k, x->peak, x->weight_gemm_efficiency * busy, x->k->gemm_saturation_dim, x->weight_hbm,
                          2.0, x->wbytes);
}

/* The GEMMs a checkpoint that quantises only its routed experts (gpt-oss) leaves in 16 bits:
 * attention, dense MLPs, shared experts. */
static serve_ctx sixteen_bit(const serve_ctx *x)
{
    serve_ctx y = *x;
    if (x->c->quantized_experts_only) {
        y.peak = x->a->bf16_flops_per_s;
        y.weight_gemm_efficiency = x->efficiency;
        y.wbytes = 2.0;
        y.gemm_bytes = 2.0;
    }
    return y;
}

/* The attention projections of one layer over `tokens` tokens. MLA (DeepSeek-V2 sec. 2.1.2) runs
 * its low-rank chain: q_a and kv_a whole on every rank, q_b, kv_b and o split by heads. */
static double attention_gemms_s(const serve_ctx *quantised, double all_tokens)
{
    serve_ctx y = sixteen_bit(quantised);
    const serve_ctx *x = &y;
    const sp_model *m = x->m;
    double t = x->attn_tp, h = m->hidden, tokens = fmax(1.0, all_tokens * x->attn_share);
    if (m->kv_lora_rank > 0) {
        double qk = m->qk_nope_head_dim + m->qk_rope_head_dim, heads = m->heads / t;
        double q = m->q_lora_rank > 0 ? gemm(x, tokens, m->q_lora_rank, h) + gemm(x, tokens, heads * qk, m->q_lora_rank)
                                      : gemm(x, tokens, heads * qk, h);
        double kv = gemm(x, tokens, m->kv_lora_rank + m->qk_rope_head_dim, h) +
                    gemm(x, tokens, heads * (m->qk_nope_head_dim + m->v_head_dim), m->kv_lora_rank);
        return q + kv + gemm(x, tokens, h, heads * m->v_head_dim);
    }
    double q = m->heads * m->head_dim, kv = m->kv_heads * m->head_dim;
    return gemm(x, tokens, (q + 2.0 * kv) / t, h) + gemm(x, tokens, h, q / t);
}

/* `groups` GEMMs of one shape launched as one grouped GEMM (the fused MoE kernels of vLLM and
 * TensorRT-LLM): their tiles fill the SMs together, so occupancy counts every group's tiles. */
static double grouped_gemm(const serve_ctx *x, double groups, double m, double n, double k)
{
    /* A dense MLP (one group) runs the engine's GEMM; the grouped expert kernels (vLLM's fused MoE,
     * DeepGEMM's masked grouped GEMM) keep their block sizes and pad each expert's rows to a whole
     * tile (vLLM's moe_align_block_size), so every group's own tiles count towards the busy SMs. */
    double busy = groups > 1 ? fmin(1.0, groups * sp_gemm_occupancy(x->a, m, n, x->gemm_bytes)) : gemm_busy(x, m, n);
    return groups * sp_gemm_time_s(m, n, k, x->peak, x->weight_gemm_efficiency * busy, x->k->gemm_saturation_dim,
                                   x->weight_hbm, 2.0, x->wbytes);
}

/* `groups` MLPs `width` wide, each over `tokens` tokens, matrices sliced over `split` GPUs. */
static double mlp_split_s(const serve_ctx *x, double groups, double tokens, double width, double split)
{
    double mats = x->m->ffn_kind == SP_FFN_SWIGLU ? 2.0 : 1.0;
    return grouped_gemm(x, groups, tokens, width * mats / split, x->m->hidden) +
           grouped_gemm(x, groups, tokens, x->m->hidden, width / split);
}

static double mlp_s(const serve_ctx *x, double tokens, double width)
{
    return mlp_split_s(x, 1.0, tokens, width, x->tp);
}

/* A dense layer's MLP or a shared expert. Under attention DP the engines keep it whole on every GPU,
 * each running its own share of the tokens (TensorRT-LLM's GatedMLP with overridden_tp_size=1 when
 * enable_attention_dp; vLLM's data-parallel ranks shard only the experts). */
static double always_on_mlp_s(const serve_ctx *quantised, double tokens, double width)
{
    serve_ctx y = sixteen_bit(quantised);
    const serve_ctx *x = &y;
    if (x->attn_tp == 1 && x->tp > 1)
        return mlp_split_s(x, 1.0, fmax(1.0, tokens * x->attn_share), width, 1.0);
    return mlp_s(x, tokens, width);
}

/* Distinct experts a batch of `tokens` touches when each picks k of E independently and
 * uniformly: E (1 - (1 - k/E)^tokens) (balls into bins). An assumption: real routers are skewed,
 * which touches fewer experts and loads some more. */
double sp_experts_touched(double experts, double per_token, double tokens)
{
    if (experts <= 1)
        return 1.0;
    return experts * (1.0 - pow(1.0 - per_token / experts, tokens));
}

/* Routing a GPU's `own` tokens through an MoE layer on the GPU: the dispatch reads each token's
 * hidden state and writes a copy for each of its k experts, grouped by expert, and the combine reads
 * the k outputs back and writes their weighted sum, (2k + 2) x hidden 16-bit values a token, memory-
 * bound (TensorRT-LLM's expandInputRows and finalizeMoeRouting kernels; vLLM's fused-MoE sum). */
static double routing_s(const serve_ctx *x, double own)
{
    return own * (2.0 * x->m->experts_per_token + 2.0) * x->m->hidden * 2.0 / x->hbm;
}

/* An MoE layer's MLPs: the experts touched, each over its share of the routed tokens, the
 * shared experts over every token, and the routing of the tokens to the experts and back. */
static double moe_s(const serve_ctx *x, double tokens)
{
    const sp_model *m = x->m;
    double touched = sp_experts_touched(m->experts, m->experts_per_token, tokens);
    double routed = fmax(1.0, tokens * m->experts_per_token / touched);
    double shared = m->shared_experts * always_on_mlp_s(x, tokens, m->ffn);
    if (!x->c->expert_parallel || x->tp <= 1)
        return mlp_split_s(x, touched, routed, m->ffn, x->tp) + shared + routing_s(x, tokens);
    /* Expert parallelism: each GPU runs its E/tp experts whole, and every token's hidden state
     * goes to the GPUs of its k experts and comes back (dispatch and combine all-to-all; Lepikhin
     * et al. 2020, GShard). Each GPU sends its own 1/tp of the tokens (its attention-DP share, or
     * its slice of the sequence under TP), k x hidden 16-bit values each: to the other GPUs of its
     * node over its scale-up link and, when the experts span nodes, to the rest over its NIC, the
     * two at once (DeepEP's normal kernels: NVLink and RDMA in parallel). */
    double own = tokens / x->tp, per_node = fmin(x->tp, x->a->per_node);
    double vector_bytes = own * m->experts_per_token * m->hidden * 2.0;
    double inside = (per_node - 1.0) / x->tp * vector_bytes /
                    (sp_intra_node_bus_bytes_per_s(x->a, x->k));
    double outside = x->tp > per_node ? (x->tp - per_node) / x->tp * vector_bytes /
                                            (x->a->inter_node_bytes_per_s * x->k->inter_link_efficiency)
                                      : 0.0;
    double all_to_all = 2.0 * (fmax(inside, outside) + x->k->collective_latency_s);
    return mlp_split_s(x, touched / x->tp, routed, m->ffn, 1.0) + shared + all_to_all + routing_s(x, own);
}

/* Element-wise traffic of every layer's forward over `tokens` tokens, 16-bit, memory-bound (the
 * passes Korthikanti et al. 2022, sec. 4.1 count, with the residual add fused into the norm after
 * it as serving engines run it: vLLM's fused_add_rms_norm reads the input and the residual and
 * writes both, 4 h a token; a further norm, such as Gemma's post-norms, reads and writes h): the
 * two add-norms, and the MLP activation, which reads gate and up (or its one input) and writes
 * one, for each expert a token visits. A GPU norms its own tokens (all of them under TP) and
 * activates its slice of the MLP widths. */
static double elementwise_s(const serve_ctx *x, double tokens)
{
    const sp_model *m = x->m;
    double moe_layers = sp_model_routed_layers(m);
    double gated = m->ffn_kind == SP_FFN_SWIGLU ? 3.0 : 2.0;
    double dense_width = m->dense_ffn > 0 ? m->dense_ffn : m->ffn;
    double norms = m->layers * (8.0 + 2.0 * fmax(0.0, m->norms_per_layer - 2.0)) * m->hidden;
    /* Dense MLPs and shared experts run where attention does (whole on each GPU for its own tokens
     * under attention DP); routed experts split over all tp GPUs. */
    double always_on = ((m->layers - moe_layers) * dense_width + moe_layers * m->shared_experts * m->ffn) / x->attn_tp;
    double routed = moe_layers * m->experts_per_token * m->ffn / x->tp;
    return (tokens * x->attn_share * (norms + gated * always_on) + tokens * gated * routed) * 2.0 / x->hbm;
}

/* One forward pass of every layer over `tokens` tokens (the weights once, the activations' element-
 * wise passes). */
static double layers_s(const serve_ctx *x, double tokens)
{
    const sp_model *m = x->m;
    double moe_layers = sp_model_routed_layers(m);
    double dense_width = m->dense_ffn > 0 ? m->dense_ffn : m->ffn;
    return m->layers * attention_gemms_s(x, tokens) +
           (m->layers - moe_layers) * always_on_mlp_s(x, tokens, dense_width) + moe_layers * moe_s(x, tokens) +
           elementwise_s(x, tokens);
}

/* Two all-reduces a layer of tokens x hidden x 2 bytes (Megatron tensor parallelism). */
static double tp_comm_s(const serve_ctx *x, double tokens)
{
    if (x->tp <= 1)
        return 0;
    /* Under attention DP nothing is sliced over tp but the experts, whose all-to-all moe_s counts. */
    if (x->attn_tp == 1)
        return 0;
    /* A ring spanning nodes runs at its slowest hop, the NIC. */
    double bw = x->tp > x->a->per_node ? x->a->inter_node_bytes_per_s * x->k->inter_link_efficiency
                                       : sp_intra_node_bus_bytes_per_s(x->a, x->k);
    double one = 2.0 * (x->tp - 1.0) / x->tp * tokens * x->m->hidden * 2.0 / bw + x->k->collective_latency_s;
    return 2.0 * x->m->layers * one;
}

/* A pipeline stage hands a micro-batch's activations to the next, on the next node once the
 * replica spans more than one (16-bit hidden states). */
static double stage_send_s(const serve_ctx *x, double tokens)
{
    if (x->pp <= 1)
        return 0;
    bool across = x->tp * x->pp > x->a->per_node;
    double bw = across ? x->a->inter_node_bytes_per_s * x->k->inter_link_efficiency
                       : sp_intra_node_bus_bytes_per_s(x->a, x->k);
    return tokens * x->m->hidden * 2.0 / bw + x->k->collective_latency_s;
}

/* Prefill of `count` prompts of `prompt` tokens in chunks of at most `chunk` tokens:
 * compute-bound GEMMs plus causal FlashAttention (half of 4 P^2 q a layer). */
static double prefill_s(const serve_ctx *x, double count, double prompt, double chunk)
{
    /* A cached shared prefix is not computed again: only the rest of the prompt runs, its queries
     * attending to the whole prompt (Zheng et al. 2024, SGLang RadixAttention; vLLM automatic
     * prefix caching). Without a prefix: the causal half of 2 P^2 (q + v), QK^T over the
     * query-key width and the product with V over the value width (MLA's 192 and 128 a head). */
    double fresh = prompt * (1.0 - x->c->prefix_share), cached = prompt - fresh;
    double tokens = count * fresh;
    double per_pass = fmax(1.0, fmin(tokens, chunk));
    double passes = tokens / per_pass;
    double widths = x->m->heads * x->m->head_dim + sp_attention_value_width(x->m);
    double attention_flops = count * x->m->layers * 2.0 * fresh * (cached + fresh / 2.0) * widths / x->tp;
    double attention = attention_flops / (x->a->bf16_flops_per_s * sp_attention_share(x->a, x->k, x->efficiency));
    return passes * (layers_s(x, per_pass) + tp_comm_s(x, per_pass) + (x->pp - 1.0) * stage_send_s(x, per_pass)) +
           attention;
}

/* A token's average share of its sequence's cache: windowed layers stop growing at the window. */
static double kv_per_token(const serve_ctx *x)
{
    double context = x->c->prompt_tokens + x->c->output_tokens;
    return sp_kv_bytes_per_sequence(x->m, x->attn_tp, x->pp, x->c->kv_dtype, context) / context * x->attn_share;
}

/* One decode step of `batch` sequences holding `context` tokens on average: the weights
 * once (roofline over small-M GEMMs), the KV cache, the logits and the TP all-reduces. With pp
 * stages the batch flows as pp micro-batches (vLLM's virtual engines): each stage reads its
 * weights once a micro-batch, so a round reads the whole model at batch/pp, every stage's share
 * of the whole batch's cache, and the last stage's logits and a send a micro-batch. */
/* The output layer over `tokens` tokens; it stays 16-bit under weight quantisation (as memory.c
 * counts it). */
static double logits_s(const serve_ctx *x, double tokens)
{
    return sp_gemm_time_s(fmax(1.0, tokens * x->attn_share), x->m->vocab / x->attn_tp, x->m->hidden,
                          x->a->bf16_flops_per_s, x->efficiency, x->k->gemm_saturation_dim, x->weight_hbm, 2.0, 2.0);
}

/* A server streams each sequence's new token to its client every step, on the host; under
 * attention DP each GPU's engine process streams its own share of the sequences, in parallel. */
static double stream_s(const serve_ctx *x, double batch)
{
    return batch * x->attn_share * x->c->stream_s_per_token;
}

/* The engine's step loop walks every running sequence on the host (schedule, prepare inputs,
 * sample); TensorRT-LLM's overlap scheduler and vLLM's async scheduling run it for the next step
 * while the GPU runs this one, so a step lasts the longer of the two. Under attention DP each
 * GPU's rank loops over its own share. */
static double host_loop_s(const serve_ctx *x, double batch)
{
    return batch * x->attn_share * x->k->serve_host_s_per_sequence;
}

/* The tokens a decode step's GEMMs run: an engine replaying CUDA graphs with padding runs the
 * smallest captured batch that holds the step's, on each GPU under attention DP (TensorRT-LLM's
 * cuda_graph_config enable_padding); past the largest it runs the batch as it is. */
static double graph_tokens(const serve_ctx *x, double tokens)
{
    const sp_serve_config *c = x->c;
    double ranks = x->attn_tp == 1 && x->tp > 1 ? x->tp : 1.0, own = ceil(tokens / ranks);
    for (int i = 0; i < c->graph_batch_count; i++)
        if (own <= c->graph_batches[i])
            return c->graph_batches[i] * ranks;
    return tokens;
}

/* How TensorRT-LLM without multi-block mode spreads decode attention (decoderXQARunner.cpp): one
 * thread block for each sequence and head over its whole context. XQA's grid is a block per
 * sequence and KV head, on the tensor cores; it runs over an e4m3 cache always ("MMHA does not
 * support this combination"), for several query tokens a sequence (speculative decoding's
 * multi_query_tokens) always, and elsewhere where mayHavePerfGain finds kv_heads x batch x 4
 * blocks at least the SM count. Otherwise masked MHA runs a block per sequence and query head on
 * the CUDA cores, its group's repeated reads of one KV head taken as served by L2 (before XQA, with
 * per-query-head reads, it always ran). A block sits on one SM, which is assumed to draw its even
 * share of the achievable HBM bandwidth (memory_efficiency x HBM / SMs: 20 GB/s on H100 SXM, 15 on
 * A100 80 GB); the NIM rows' one-client ITL grows with the context at 25-31 GB/s a block. MLA's
 * absorbed decode runs other kernels and is taken as filling the GPU. */
typedef struct {
    double share;  /* of the SMs the blocks keep busy (1: filled) */
    bool tensor;   /* the kernel multiplies on the tensor cores */
} decode_spread;

static decode_spread decode_spread_of(const serve_ctx *x, double sequences, double queries)
{
    decode_spread d = {1.0, x->c->decode_attention_tensor_cores};
    const sp_model *m = x->m;
    double units = x->a->compute_units;
    if (!x->c->decode_attention_block_per_head || m->kv_lora_rank > 0 || !(units > 0))
        return d;
    double seqs = ceil(sequences * x->attn_share / x->pp);
    double kv_blocks = seqs * fmax(1.0, m->kv_heads / x->attn_tp);
    /* mayHavePerfGain: blocks x kEnableMinBlockFactor (4) at least the SM count. */
    enum { XQA_MIN_BLOCK_FACTOR = 4 };
    bool xqa = x->c->gqa_shared_kv_reads &&
               (x->c->kv_dtype == SP_DTYPE_FP8 || queries > 1 || kv_blocks * XQA_MIN_BLOCK_FACTOR >= units);
    double blocks = xqa ? kv_blocks : seqs * fmax(1.0, m->heads / x->attn_tp);
    d.tensor = d.tensor || xqa;
    d.share = fmin(1.0, blocks / units);
    return d;
}

/* Decode attention over `kv_bytes` of cache for `queries` query tokens a sequence: the cache read
 * once (or once a query head without grouped reads), or, on the CUDA cores, 2 FLOPs a query head
 * for each K and V element (q.k and p.v as fp32 FMAs), whichever is longer (the roofline), each on
 * the share of the SMs the kernel's blocks keep busy. The arithmetic grows with the GQA group, so
 * it binds where the CUDA cores' FLOPs a byte of HBM are few: B200's 80 TFLOP/s over 8 TB/s is 10
 * FLOPs a byte, a 16-query group over an fp8 cache is 32. FlashInfer's decode wrapper runs on CUDA
 * cores unless told that tensor cores "will be faster for large group size" (flashinfer decode.py,
 * BatchDecodeWithPagedKVCacheWrapper); TensorRT-LLM's masked MHA kernel is the FasterTransformer
 * CUDA-core one. MLA's absorbed decode is tensor-core work on a shared latent (FlashMLA) and is
 * left to the read. */
static double decode_attention_s(const serve_ctx *x, double sequences, double kv_bytes, double queries,
                                 bool *core_bound, double *sm_share)
{
    const sp_model *m = x->m;
    decode_spread d = decode_spread_of(x, sequences, queries);
    /* Without grouped reads every query head loads its KV head's cache (TensorRT-LLM before the
     * XQA kernel of v0.8: "reducing data loading" for MQA/GQA, 2.4x Llama-70B throughput). */
    double rereads = x->c->gqa_shared_kv_reads ? 1.0 : m->heads / m->kv_heads;
    double read = rereads * kv_bytes / (x->hbm * d.share), cores = 0;
    if (!d.tensor && !(m->kv_lora_rank > 0) && x->a->fp32_flops_per_s > 0) {
        double elements = kv_bytes / sp_dtype_bytes(x->c->kv_dtype);
        cores = elements * 2.0 * (m->heads / m->kv_heads) * queries /
                (x->a->fp32_flops_per_s * x->k->sustained_fraction * d.share);
    }
    if (core_bound)
        *core_bound = cores > read;
    if (sm_share)
        *sm_share = d.share;
    return fmax(read, cores);
}

/* One LoRA slot on a GPU, 16-bit, at the engine's rank over every linear layer of the stage:
 * vLLM splits B of a column-parallel layer (q, k, v, gate, up) and A of a row-parallel one (o,
 * down) with the layer, and keeps the other factor whole on every rank unless told
 * --fully-sharded-loras (vllm/lora/layers: ColumnParallelLinearWithLoRA, RowParallelLinearWithLoRA). */
static double lora_slot_bytes(const serve_ctx *x, double rank)
{
    const sp_model *m = x->m;
    double h = m->hidden, t = x->tp, q = m->heads * m->head_dim, kv = m->kv_heads * m->head_dim;
    double mlp_in = m->ffn_kind == SP_FFN_SWIGLU ? 2.0 : 1.0; /* gate and up, or one up */
    double column = (h + q / t) + 2.0 * (h + kv / t) + mlp_in * (h + m->ffn / t);
    double row = (q / t + h) + (m->ffn / t + h);
    return 2.0 * rank * (column + row) * m->layers / x->pp;
}

/* The adapters a step's batch mixes, each slot's weights read once (punica's BGMV shrink and
 * expand per linear layer, vllm/lora/ops); their FLOPs, 2 x rank x (in + out) a token, are under
 * 1% of the layer's and left out. */
static double lora_read_s(const serve_ctx *x, double batch)
{
    if (!(x->c->lora_rank > 0))
        return 0.0;
    double slot = lora_slot_bytes(x, sp_serve_lora_engine_rank(x->c->lora_rank));
    return fmin(x->c->max_loras, ceil(batch)) * slot / x->weight_hbm;
}

static double decode_round_s(const serve_ctx *x, double batch, double context, double queries)
{
    double pp = x->pp, micro = graph_tokens(x, fmax(1.0, batch / pp)) * queries;
    double kv_read = decode_attention_s(x, batch, batch * context * kv_per_token(x), queries, NULL, NULL);
    double gpu = layers_s(x, micro) + kv_read + tp_comm_s(x, micro) + pp * (logits_s(x, micro) + stage_send_s(x, micro)) +
                 lora_read_s(x, batch);
    return fmax(gpu, host_loop_s(x, batch)) + stream_s(x, batch);
}

static double decode_step_s(const serve_ctx *x, double batch, double context)
{
    return decode_round_s(x, batch, context, 1.0);
}

/* One forward of a separate draft model over `tokens` tokens: its 16-bit weights, split over the
 * target's tp GPUs, read once at the weights' bandwidth or its 2 P FLOPs a token at the 16-bit GEMM
 * rate, whichever is longer (the roofline). Its own KV cache and all-reduces are not counted: a
 * draft a hundredth of the target's size caches about that share of its bytes. */
static double draft_model_forward_s(const serve_ctx *x, double tokens)
{
    double params = x->c->spec_draft_params / x->tp;
    return fmax(2.0 * params * tokens / (x->a->bf16_flops_per_s * x->efficiency), 2.0 * params / x->weight_hbm);
}

/* Speculative decoding (Leviathan et al. 2023; Chen et al. 2023): k tokens are drafted and the
 * target model checks them in one forward of k + 1 query tokens a sequence; on average
 * `acceptance` tokens are emitted a check. An n-gram draft (prompt lookup) costs nothing on the
 * GPU; an MTP draft (DeepSeek-V3's multi-token prediction) runs one extra layer and the output
 * layer a drafted token; a draft model runs k forwards of its own over the batch. Returns the
 * time of one check, drafts included. */
static double speculative_check_s(const serve_ctx *x, double batch, double context)
{
    const sp_serve_config *c = x->c;
    double k = c->spec_tokens, verify = decode_round_s(x, batch, context, k + 1.0);
    double draft = 0, micro = fmax(1.0, batch / x->pp);
    if (c->spec_draft == SP_DRAFT_MTP)
        draft = k * (layers_s(x, micro) / x->m->layers + logits_s(x, micro));
    else if (c->spec_draft == SP_DRAFT_MODEL)
        draft = k * draft_model_forward_s(x, batch);
    return verify + draft;
}

/* The decode time an output token: a check over the tokens it emits on average. */
static double speculative_token_s(const serve_ctx *x, double batch, double context)
{
    return speculative_check_s(x, batch, context) / x->c->spec_acceptance;
}

/* Weights and activation workspace on one GPU; false when the estimate refuses the layout. */
static bool resident_bytes(const serve_ctx *x, const sp_memory_constants *mk, sp_serve_result *out)
{
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.mode = SP_MODE_INFER;
    c.tp = x->tp;
    c.pp = x->pp;
    c.weight_dtype = x->c->weight_dtype;
    c.quantized_experts_only = x->c->quantized_experts_only;
    c.kv_dtype = x->c->kv_dtype;
    c.context = x->c->prompt_tokens + x->c->output_tokens;
    /* The workspace of a full prefill chunk, as vLLM's profiling run sizes it before it gives
     * the rest to the KV cache (max_num_batched_tokens). */
    c.batch = ceil(mk->prefill_chunk_tokens / c.context);
    /* Attention DP: each GPU is a whole engine rank for its share of the sequences, with the whole
     * model (attention, dense MLPs, shared experts, embeddings and output layer: vLLM's
     * data-parallel ranks, TensorRT-LLM's attention DP without lm-head TP) and its own prefill
     * workspace, less the routed experts' share that the other tp - 1 GPUs hold. */
    const sp_model *m = x->m;
    bool whole_attention = x->attn_tp == 1 && x->tp > 1;
    if (whole_attention)
        c.tp = 1;
    sp_memory mem;
    bool ok = sp_memory_estimate(m, &c, mk, 0, &mem, NULL) == SP_OK;
    out->weights_bytes = ok ? mem.weights_bytes : INFINITY;
    if (ok && whole_attention)
        out->weights_bytes -= sp_layer_expert_params(m) * m->layers * (1.0 - 1.0 / x->tp) * x->wbytes;
    /* LoRA slots: vLLM preallocates max_loras adapters at its max_lora_rank over every linear layer
     * the model has, whatever an adapter targets (vllm/lora/layers: create_lora_weights), in the
     * 16-bit dtype, one factor split with its layer over tp and the other whole (lora_slot_bytes). */
    if (ok && x->c->lora_rank > 0) {
        out->lora_engine_rank = sp_serve_lora_engine_rank(x->c->lora_rank);
        out->lora_slot_bytes = lora_slot_bytes(x, out->lora_engine_rank);
        out->weights_bytes += sp_serve_lora_slots(x->c) * out->lora_slot_bytes;
    }
    /* MTP drafts run the checkpoint's own prediction modules, which the engines load beside the
     * model (SGLang's NEXTN, vLLM's deepseek_mtp: DeepSeek-V3's 14B beside its 671B): each taken as
     * one more layer on the stage that holds it (a GPU's share is of layers / pp), split like it. */
    if (ok && x->c->spec_tokens > 0 && x->c->spec_draft == SP_DRAFT_MTP && m->mtp_layers > 0)
        out->weights_bytes += m->mtp_layers * out->weights_bytes * x->pp / m->layers; /* the last stage's */
    /* A draft model's weights sit beside the target's, 16-bit, split like them. */
    if (ok && x->c->spec_tokens > 0 && x->c->spec_draft == SP_DRAFT_MODEL)
        out->weights_bytes += 2.0 * x->c->spec_draft_params / x->tp;
    out->workspace_bytes = ok ? mem.activations_bytes : 0;
    return ok;
}

/* Tokens of the shared prefix, in whole blocks: cached once for the replica. */
static double shared_prefix_tokens(const sp_serve_config *c)
{
    return floor(c->prompt_tokens * c->prefix_share / c->block_tokens) * c->block_tokens;
}

/* A stream of requests reaches a steady state in which the running sequences sit at every point of
 * their lives, so a paged cache (vLLM allocates a block as its tokens arrive, Kwon et al. 2023;
 * TensorRT-LLM's max-utilization scheduler likewise) holds each at its prompt and half its output,
 * plus half a block unfilled. With drawn output lengths a long request stays in flight longer, so
 * the sequences running are length-biased: E[O^2] / (2 E[O]) = O (1 + cv^2) / 2 of output on average
 * (renewal theory's inspection paradox; Kleinrock 1975, sec. 5.2). A closed loop or an offline run
 * starts its sequences together, in waves that end with every sequence whole, so there each holds
 * its whole length in blocks. */
static bool staggered(const sp_serve_config *c)
{
    return c->concurrency <= 0 && c->requests <= 0;
}

/* Cache tokens one sequence holds beside the shared prefix (see staggered). */
static double sequence_kv_tokens(const sp_serve_config *c)
{
    double own = c->prompt_tokens - shared_prefix_tokens(c);
    if (staggered(c))
        return own + c->output_tokens * (1.0 + c->output_spread * c->output_spread) / 2.0 + c->block_tokens / 2.0;
    return ceil((own + c->output_tokens) / c->block_tokens) * c->block_tokens;
}

/* Tokens the paged KV cache holds beside the weights, workspace and shared prefix in the engine's
 * share of memory; sets out's weights and workspace bytes. */
static double kv_capacity_tokens(const serve_ctx *x, const sp_memory_constants *mk, sp_serve_result *out)
{
    if (!resident_bytes(x, mk, out))
        return 0;
    double resident = out->weights_bytes + out->workspace_bytes + mk->cuda_context_bytes;
    /* vLLM's --gpu-memory-utilization bounds everything (vllm/worker: requested memory less the
     * profiled peak); TensorRT-LLM's kv_cache_free_gpu_mem_fraction takes a share of what is free
     * once the model is loaded (llm_args.py KvCacheConfig.free_gpu_memory_fraction, default 0.9). */
    double budget = x->c->memory_share_of_free
                        ? (x->a->memory_bytes - resident) * x->c->gpu_memory_utilization
                        : x->a->memory_bytes * x->c->gpu_memory_utilization - resident;
    double tokens = budget / kv_per_token(x) - shared_prefix_tokens(x->c);
    return tokens > 0 ? tokens : 0;
}

/* Steady state of continuous batching: each request is prefilled once and decoded
 * output_tokens times; every step carries the whole batch. */
static void at_batch(const serve_ctx *x, double batch, const sp_memory_constants *mk, sp_serve_result *r)
{
    const sp_serve_config *c = x->c;
    double prompt = c->prompt_tokens, output = c->output_tokens;
    double decode = c->spec_tokens > 0 ? speculative_token_s(x, batch, prompt + output / 2.0)
                                        : decode_step_s(x, batch, prompt + output / 2.0);
    double prefills = prefill_s(x, batch, prompt, mk->prefill_chunk_tokens);
    double cycle = prefills + output * decode;
    r->batch = batch;
    r->prefill_s = prefill_s(x, 1, prompt, mk->prefill_chunk_tokens);
    r->decode_step_s = decode;
    r->decode_stream_s = stream_s(x, batch);
    r->decode_host_loop_s = host_loop_s(x, batch);
    r->decode_attention_s =
        decode_attention_s(x, batch, batch * (prompt + output / 2.0) * kv_per_token(x), 1.0,
                           &r->decode_attention_core_bound, &r->decode_attention_sm_share);
    /* It waits for the step in flight, or under multi-step scheduling for the rest of the round
     * in flight: half of its steps on average. */
    r->ttft_s = r->prefill_s + decode * fmax(1.0, c->scheduler_steps / 2.0);
    /* Between its first and last token the other batch - 1 slots each turn over once: their
     * prefills, not its own (that one is before its first token), stall its decode steps. */
    r->tpot_s = ((batch - 1.0) / batch * prefills + output * decode) / output;
    r->output_tokens_per_s = batch * output / cycle;
    r->output_tokens_per_s_per_gpu = r->output_tokens_per_s / (x->tp * x->pp);
    r->requests_per_s = batch / cycle;
    /* The shared prefix's blocks once, each sequence's own tokens after it. Decode still reads the
     * prefix for every sequence (attention without a shared-prefix kernel). */
    r->kv_cache_bytes = (shared_prefix_tokens(c) + batch * sequence_kv_tokens(c)) * kv_per_token(x);
}

static bool meets(const sp_serve_config *c, const sp_serve_result *r)
{
    double ttft = c->concurrency > 0 ? r->ttft_s_mean : r->ttft_s, tpot = c->concurrency > 0 ? r->tpot_s_mean : r->tpot_s;
    return (c->ttft_s <= 0 || ttft <= c->ttft_s) && (c->tpot_s <= 0 || tpot <= c->tpot_s);
}

/* One wave of a closed loop (closed_loop below): B requests of P prompt and O output tokens, their
 * prefills in passes of `chunk` tokens. */
typedef struct {
    double b, prompt_tokens, output_tokens, chunk;
    double total;    /* B x P, the wave's prompt tokens */
    double prefills; /* seconds the wave's prefills take */
    double step;     /* the decode step in flight when the wave arrives */
    double cycle;    /* a wave's prefills and decode steps */
    double waves;    /* whole waves every request waits before its own: floor((C - B) / B) */
    double longer;   /* requests of a wave that waited one wave more: (C - B) mod B, its first ones */
} wave;

/* The first token of the wave's i-th request (1-based), from the wave's start: its prompt ends in
 * pass ceil(i P / chunk), and every pass but the last is full, so that pass ends when min(its count
 * x chunk, B P) of the wave's tokens are done. Nondecreasing in i. */
static double wave_prefill_s(const wave *w, double i)
{
    return w->prefills * fmin(ceil(i * w->prompt_tokens / w->chunk) * w->chunk, w->total) / w->total + w->step;
}

/* Waves the wave's i-th request waited before its own: the first `longer` were at the head of the
 * queue, one wave more than the rest (first in, first served). */
static double waves_waited(const wave *w, double i)
{
    return w->waves + (i <= w->longer ? 1.0 : 0.0);
}

/* The r-th smallest first token (1-based) over the wave's requests. A request that waited a wave
 * more comes after every one that did not (a wave lasts longer than its prefills and a step), and
 * within each group the first token grows with the position. */
static double wave_ttft_rank_s(const wave *w, double r)
{
    double shorter = w->b - w->longer, i = r <= shorter ? w->longer + r : r - shorter;
    return wave_prefill_s(w, i) + waves_waited(w, i) * w->cycle;
}

/* The p-th percentile (nearest rank) over the wave's requests of their first token, of their time
 * between tokens (which falls as the first token comes later in the wave: every request ends with
 * it) and of the end-to-end latency (its own wave plus the waves it waited, whose mean is Little's
 * C / requests a second). */
static void wave_percentiles(const wave *w, sp_serve_result *r)
{
    const double ps[] = {50, 90, 95, 99};
    double *ttft[] = {&r->ttft_load_s.p50, &r->ttft_load_s.p90, &r->ttft_load_s.p95, &r->ttft_load_s.p99};
    double *tpot[] = {&r->tpot_load_s.p50, &r->tpot_load_s.p90, &r->tpot_load_s.p95, &r->tpot_load_s.p99};
    double *e2e[] = {&r->e2e_load_s.p50, &r->e2e_load_s.p90, &r->e2e_load_s.p95, &r->e2e_load_s.p99};
    double gaps = w->output_tokens > 1 ? w->output_tokens - 1.0 : 1.0, shorter = w->b - w->longer;
    for (size_t k = 0; k < 4; k++) {
        double rank = fmax(1.0, ceil(ps[k] / 100.0 * w->b));
        *ttft[k] = wave_ttft_rank_s(w, rank);
        *tpot[k] = w->output_tokens > 1 ? (w->cycle - wave_prefill_s(w, w->b - rank + 1.0)) / gaps : 0.0;
        *e2e[k] = (w->waves + (rank > shorter ? 1.0 : 0.0) + 1.0) * w->cycle;
    }
    r->ttft_load_s.mean = r->ttft_s_mean;
    r->tpot_load_s.mean = r->tpot_s_mean;
    r->e2e_load_s.mean = r->e2e_s_mean;
}

/* A closed loop of C clients with fixed lengths moves in waves: the C requests start together,
 * finish together and the next C arrive at once (GenAI-Perf's concurrency mode). A wave is the
 * steady cycle of batch B = min(C, largest batch): B prefills, then O decode steps. The wave's
 * prompts run in forward passes of at most `chunk` tokens (TensorRT-LLM's max_num_tokens, vLLM's
 * max_num_batched_tokens), so a request's first token comes at the end of the pass holding its
 * prompt's last token, after the step in flight when the wave arrived. With C past B, the C - B
 * requests beyond a wave queue: each wave's B arrivals join behind them, so a request waits
 * floor((C - B) / B) whole waves, and the first (C - B) mod B of a wave one more; on average
 * (C - B) / B waves, as Little's law (C = requests a second x end-to-end) requires. */
static void closed_loop(double clients, double prompt_tokens, double output_tokens, double chunk, sp_serve_result *r)
{
    double b = r->batch, cycle = b / r->requests_per_s, beyond = fmax(0.0, clients - b);
    r->e2e_s_mean = clients / r->requests_per_s;
    wave w = {b, prompt_tokens, output_tokens, chunk, b * prompt_tokens, cycle - output_tokens * r->decode_step_s,
              r->decode_step_s, cycle, floor(beyond / b), fmod(beyond, b)};
    double sum = 0;
    for (double i = 1; i <= b; i++)
        sum += wave_prefill_s(&w, i) + waves_waited(&w, i) * cycle;
    r->ttft_s_mean = sum / b;
    r->tpot_s_mean = output_tokens > 1 ? (r->e2e_s_mean - r->ttft_s_mean) / (output_tokens - 1.0) : 0.0;
    wave_percentiles(&w, r);
}

/* An offline run of N requests queued at once: continuous batching admits the steady batch B and
 * the requests move through in batches of B, each one cycle (its prefills and its decode steps,
 * at_batch's cycle); the last holds N mod B at its own, smaller batch, and a run shorter than a
 * batch never fills one. Benchmarks report the run's tokens over its wall time (trtllm-bench's
 * "Total Output Throughput", perf-overview.md @00f37686), not the steady state. */
static void offline_run(const serve_ctx *x, double requests_all, const sp_memory_constants *mk, sp_serve_result *r)
{
    /* Several replicas (an instance filled) split the queue: each runs its share, the largest
     * setting the wall time. */
    double b = r->batch, output = x->c->output_tokens, replicas = fmax(1.0, r->replicas);
    double requests = ceil(requests_all / replicas);
    r->run_requests_per_replica = requests;
    double full = floor(requests / b), rest = requests - full * b;
    double seconds = full * b * output / r->output_tokens_per_s;
    if (rest > 0) {
        sp_serve_result last;
        memset(&last, 0, sizeof last);
        at_batch(x, rest, mk, &last);
        seconds += rest * output / last.output_tokens_per_s;
    }
    r->run_s = seconds;
    r->run_output_tokens_per_s = requests_all * output / seconds;
    r->run_batches = full + (rest > 0 ? 1.0 : 0.0);
    r->run_last_batch = rest > 0 ? rest : b;
}

bool sp_serve_splits_heads(const sp_serve_config *config)
{
    return !(config->attention_dp && config->expert_parallel);
}

bool sp_serve_tp_splits_model(const sp_model *m, const sp_serve_config *config, double tp)
{
    if (!sp_serve_splits_heads(config))
        return true;
    /* vLLM's tensor parallelism: the query heads divide, and the KV heads divide or are replicated
     * (tp a multiple of them; vllm/model_executor/layers/linear.py QKVParallelLinear). MLA's one
     * latent is replicated on every rank. */
    double kv = m->kv_lora_rank > 0 ? 1.0 : m->kv_heads;
    return sp_divides(tp, m->heads) && (sp_divides(tp, kv) || sp_divides(kv, tp));
}

/* MLA's cache is paged in blocks of 64 tokens: vLLM forces it for FlashMLA ("Forcing kv cache block
 * size to 64 for FlashMLA backend", vllm/platforms/cuda.py). */
double sp_serve_block_tokens(const sp_model *m, const sp_serve_config *c)
{
    return m->kv_lora_rank > 0 ? 64 : c->block_tokens;
}

/* SGLang decodes a GQA group on the tensor cores (FlashInfer with use_tensor_cores at groups of 4
 * or more, FlashAttention-3 on Hopper) and pages its cache a token at a time (ServerArgs.page_size
 * 1); trtllm-serve's FP8 GEMMs run cuBLAS's fixed tiles (TensorRT-LLM issue #2013) and its KV cache
 * takes kv_cache_free_gpu_memory_fraction of the memory the weights leave free. A knob the user
 * set stays as set. */
void sp_serve_engine_defaults(sp_serve_config *c, sp_engine_ask engine, bool decode_unit_set, bool tiles_set)
{
    c->engine = engine;
    if (engine == SP_ENGINE_ASK_SGLANG) {
        c->decode_attention_tensor_cores = decode_unit_set ? c->decode_attention_tensor_cores : true;
        c->block_tokens = 1;
    }
    if (engine == SP_ENGINE_ASK_TRTLLM) {
        c->gemm_8bit_fixed_tiles = tiles_set ? c->gemm_8bit_fixed_tiles : true;
        c->memory_share_of_free = true;
    }
}

sp_status sp_serve_half_dtypes(const sp_accel *a, bool weight_given, bool kv_given, sp_serve_config *c, sp_error *err)
{
    c->fp16_only_part = sp_accel_fp16_only(a);
    c->no_marlin = c->fp16_only_part || sp_accel_stack(a) != SP_STACK_CUDA; /* Marlin is CUDA's, sm80+ */
    if (!c->fp16_only_part)
        return SP_OK;
    /* vLLM refuses bfloat16 below compute capability 8.0 ("You can use float16 instead"). */
    if ((weight_given && c->weight_dtype == SP_DTYPE_BF16) || (kv_given && c->kv_dtype == SP_DTYPE_BF16))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, weight_given && c->weight_dtype == SP_DTYPE_BF16 ? "weight-dtype" : "kv-dtype",
                       "%s has no bf16 tensor cores: use fp16", a->name);
    bool low = c->weight_dtype == SP_DTYPE_FP8 || sp_dtype_is_fp4(c->weight_dtype);
    /* Not asked for: the checkpoint's own format (its quantization_config), which no flag changes. */
    if (low && !weight_given && c->kv_dtype != SP_DTYPE_FP8)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model",
                       "the checkpoint stores its weights in %s (its quantization_config), and %s predates the FP8 "
                       "and FP4 kernels (Ampere or newer): serve it on a newer part, or a 16-bit checkpoint of the "
                       "model with --weight-dtype fp16, int8 or int4",
                       sp_dtype_name(c->weight_dtype), a->name);
    if (low || c->kv_dtype == SP_DTYPE_FP8)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, c->kv_dtype == SP_DTYPE_FP8 ? "kv-dtype" : "weight-dtype",
                       "%s predates the FP8 and FP4 kernels (Ampere or newer): use fp16, int8 or int4", a->name);
    if (c->weight_dtype == SP_DTYPE_BF16)
        c->weight_dtype = SP_DTYPE_FP16;
    if (c->kv_dtype == SP_DTYPE_BF16)
        c->kv_dtype = SP_DTYPE_FP16;
    return SP_OK;
}

/* SGLang's pool counts the base model's requests as an adapter of the batch (--max-loras-per-batch,
 * "include base-only request"): one slot more than the adapters mixed; vLLM's --max-loras does not. */
double sp_serve_lora_slots(const sp_serve_config *c)
{
    return c->lora_rank > 0 ? c->max_loras + (c->engine == SP_ENGINE_ASK_SGLANG ? 1.0 : 0.0) : 0.0;
}

/* vLLM's max_lora_rank must be one of these (vllm/config/lora.py, possible_max_ranks): an adapter of
 * rank r is served from the smallest slot that holds it. */
double sp_serve_lora_engine_rank(double rank)
{
    static const double RANKS[] = {8, 16, 32, 64, 128, 256, 320, 512};
    for (size_t i = 0; i < sizeof RANKS / sizeof RANKS[0]; i++)
        if (rank <= RANKS[i])
            return RANKS[i];
    return rank;
}

/* What the asked engine's launch line cannot carry is refused rather than sized and dropped. */
static sp_status engine_check(const sp_model *m, const sp_serve_config *c, sp_error *err)
{
    if (!(c->lora_rank == 0 || sp_whole_in(c->lora_rank, 1, 512)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-rank", "must be a whole number from 1 to 512 (vLLM's largest slot)");
    if (!sp_whole_in(c->max_loras, 1, 1024))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "max-loras", "must be a whole number of adapters from 1 to 1024");
    if (c->lora_rank > 0 && c->engine == SP_ENGINE_ASK_TRTLLM)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-rank",
                       "the trtllm-serve line written here serves no adapters: use --engine vllm or sglang");
    if (c->lora_rank > 0 && (m->experts > 1 || m->kv_lora_rank > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-rank",
                       "adapters are sized here on dense attention and MLP layers: %s's %s are not",
                       m->name[0] ? m->name : "the model", m->experts > 1 ? "experts" : "latent-attention projections");
    if (c->lora_rank > 0 && c->spec_tokens > 0)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "lora-rank",
                       "adapters beside speculative decoding are not sized here: drop one of them");
    if (c->engine == SP_ENGINE_ASK_TRTLLM && (c->spec_tokens > 0 || c->expert_parallel || c->attention_dp || c->pp > 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "engine",
                       "the trtllm-serve line written here carries no %s: use --engine vllm or sglang",
                       c->spec_tokens > 0 ? "speculative decoding" : c->pp > 1 ? "pipeline stages" : "expert parallelism");
    /* SGLang's argument list (data/engines: v0.5.2) drafts with EAGLE, NEXTN (MTP heads) or a
     * STANDALONE draft model; prompt-lookup n-grams came later. */
    if (c->engine == SP_ENGINE_ASK_SGLANG && c->spec_tokens > 0 && c->spec_draft == SP_DRAFT_NGRAM)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "spec-draft",
                       "SGLang drafts with MTP heads (--spec-draft mtp) or a draft model (--spec-draft model), not "
                       "prompt-lookup n-grams");
    return SP_OK;
}

sp_status sp_serve_config_check(const sp_model *m, const sp_serve_config *c, sp_error *err)
{
    if (!sp_model_has_shape(m))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "serving needs the model's shape");
    sp_status engine = engine_check(m, c, err);
    if (engine != SP_OK)
        return engine;
    const double counts[] = {c->prompt_tokens, c->output_tokens, c->block_tokens};
    const char *names[] = {"prompt-tokens", "output-tokens", "block-tokens"};
    for (size_t i = 0; i < 3; i++)
        if (!sp_whole_in(counts[i], 1, 1e7))
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, names[i], "must be a whole number from 1 to 1e7");
    /* An encoder (BERT) has no LM head and generates nothing: it is not a serving fleet's model. */
    if (!strcmp(m->arch, "bert"))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model",
                       "%s is an encoder (no LM head): serve sizes text-generating decoders", m->name);
    /* MTP drafts come from the checkpoint's own prediction heads (vLLM's deepseek_mtp method). */
    if (c->spec_tokens > 0 && c->spec_draft == SP_DRAFT_MTP && !(m->mtp_layers > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "spec-draft",
                       "%s carries no multi-token-prediction heads (config.json num_nextn_predict_layers): draft "
                       "with ngram or a draft model",
                       m->name[0] ? m->name : "the model");
    /* A request longer than the context the model was trained for is not served (vLLM refuses a
     * --max-model-len above the config's max_position_embeddings unless told to override it). The
     * last output token is never fed back, so it needs no position of its own (the servers' own
     * stricter rule is the command line's, cmd_serve.c). */
    if (m->seq > 0 && c->prompt_tokens + c->output_tokens - 1.0 > m->seq)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "prompt-tokens",
                       "%g prompt + %g output tokens is beyond %s's context of %g: a shorter request, or a longer "
                       "context given explicitly (serve --context N, e.g. with RoPE scaling)",
                       c->prompt_tokens, c->output_tokens, m->name[0] ? m->name : "the model", m->seq);
    /* Spreads shape what the --percentile simulation draws and the tail --max-model-len leaves room
     * for; the steady state runs at the means. */
    if (!(c->prompt_spread >= 0 && c->prompt_spread <= 10 && c->output_spread >= 0 && c->output_spread <= 10))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "prompt-spread",
                       "length spreads are coefficients of variation from 0 to 10");
    if (!sp_whole_in(c->spec_tokens, 0, 64) ||
        (c->spec_tokens > 0 && !(c->spec_acceptance >= 1 && c->spec_acceptance <= c->spec_tokens + 1)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "spec-acceptance",
                       "the tokens emitted a check are from 1 to the drafted tokens + 1 (%g)", c->spec_tokens + 1);
    if (c->spec_tokens > 0 && c->spec_draft == SP_DRAFT_MODEL &&
        !(c->spec_draft_params > 0 && c->spec_draft_params < sp_model_params(m)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "draft-params",
                       "the draft model's %.3g parameters must be above 0 and below the target's %.3g",
                       c->spec_draft_params, sp_model_params(m));
    if (c->graph_batch_count < 0 || c->graph_batch_count > SP_GRAPH_BATCHES_MAX)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "graph-batches", "at most %d captured batch sizes", SP_GRAPH_BATCHES_MAX);
    for (int i = 0; i < c->graph_batch_count; i++)
        if (!sp_whole_in(c->graph_batches[i], 1, 1e6) || (i > 0 && !(c->graph_batches[i] > c->graph_batches[i - 1])))
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "graph-batches", "captured batch sizes are whole and ascending");
    if (!(c->prefix_share >= 0 && c->prefix_share < 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "prefix-share", "must be a share from 0 to below 1");
    if (!sp_whole_in(c->replicas, 0, 1e6))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "replicas", "must be a whole number from 1 to 1e6");
    if (!(c->max_utilization >= 0 && c->max_utilization <= 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "max-utilization", "must be a share in (0, 1]");
    if (!sp_whole_in(c->pp, 0, m->layers))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "pp", "must be a whole number of stages up to the %g layers", m->layers);
    if (c->pp > 1 && c->expert_parallel)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "pp", "pipeline stages with expert parallelism are not modelled");
    if (!(c->tp >= 0) || c->tp != floor(c->tp) || (c->tp > 0 && !sp_serve_tp_splits_model(m, c, c->tp)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "tp",
                       "must divide the %g attention heads, and divide the %g KV heads or be a multiple of them",
                       m->heads, m->kv_heads);
    if (!sp_whole_in(c->batch, 0, 1e6))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "batch", "must be a whole number from 1 to 1e6");
    /* A value out of range and a combination that cannot be are different mistakes: each says its own. */
    if (!(c->percentile == 0 || (c->percentile >= 50 && c->percentile <= 99.9)))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "percentile", "must be from 50 to 99.9");
    if (c->percentile > 0 && !(c->qps > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "percentile",
                       "needs --qps: the percentile is of requests arriving at that rate (the simulated load)");
    if (!sp_whole_in(c->requests, 0, 1e9))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "requests", "must be a whole number of requests from 1 to 1e9");
    if (c->requests > 0 && (c->qps > 0 || c->concurrency > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "requests",
                       "an offline run cannot be combined with --%s: it queues every request at once",
                       c->qps > 0 ? "qps" : "concurrency");
    if (!sp_whole_in(c->concurrency, 0, 1e6))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "concurrency", "must be a whole number of clients from 1 to 1e6");
    if (c->concurrency > 0 && (c->qps > 0 || c->batch > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "concurrency",
                       "a closed loop cannot be combined with --%s: its clients set the rate and the batch",
                       c->qps > 0 ? "qps" : "batch");
    if (!(c->qps >= 0) || !isfinite(c->qps) || !(c->ttft_s >= 0) || !(c->tpot_s >= 0) || !isfinite(c->ttft_s) ||
        !isfinite(c->tpot_s))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "qps", "rates and targets must be finite and >= 0");
    if (!(c->gpu_memory_utilization > 0 && c->gpu_memory_utilization <= 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpu-memory-utilization", "must be in (0, 1]");
    if (c->kv_dtype == SP_DTYPE_INT4 || c->kv_dtype == SP_DTYPE_FP32 || sp_dtype_is_fp4(c->kv_dtype))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "kv-dtype", "'%s' is not a KV-cache dtype (bf16, fp16, fp8, int8)",
                       sp_dtype_name(c->kv_dtype));
    if (c->expert_parallel && m->experts <= 1)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "expert-parallel", "%s has no experts to split (a dense model)",
                       m->name[0] ? m->name : "the model");
    if (c->expert_parallel && c->tp > 0 && !sp_divides(c->tp, m->experts))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "tp", "expert parallelism over %g GPUs does not divide the %g experts",
                       c->tp, m->experts);
    return SP_OK;
}

static void price_fleet(const sp_serve_config *c, const sp_accel *a, sp_serve_result *r);
static double filled_replicas(const sp_serve_config *c, const sp_accel *a, double replica_gpus, double needed);

static void size_fleet(const sp_serve_config *c, const sp_accel *a, sp_serve_result *r)
{
    double usable = c->max_utilization > 0 ? c->max_utilization : 1.0; /* headroom the user asked for */
    bool rated = c->qps > 0 && r->requests_per_s > 0;
    r->rate_replicas = rated ? fmax(1.0, sp_exact_ceil(c->qps / r->requests_per_s)) : 1.0;
    r->capped_replicas = rated ? fmax(1.0, sp_exact_ceil(c->qps / (r->requests_per_s * usable))) : 1.0;
    r->replicas = c->replicas > 0 ? c->replicas : filled_replicas(c, a, r->tp * r->pp, r->capped_replicas);
    price_fleet(c, a, r);
}

/* An offer that rents no single GPU (AWS p4d: eight A100s or none) is paid an instance at a time:
 * the replicas a rate needs are rounded up to fill the instances they take, whose GPUs would
 * otherwise idle, paid for (one 8B replica at 2 requests/s: eight on the instance, not one at tp 8);
 * an offline run's queue is split over the instance's replicas (offline_run). A closed loop's
 * replicas are the measured setup's, and stay as asked. */
static double filled_replicas(const sp_serve_config *c, const sp_accel *a, double replica_gpus, double needed)
{
    bool whole = c->usd_from_catalog && a->min_rented_gpus > 1 && replica_gpus < a->min_rented_gpus;
    if (!whole || c->concurrency > 0)
        return needed;
    double per_instance = fmax(1.0, floor(a->min_rented_gpus / replica_gpus));
    return ceil(needed / per_instance) * per_instance;
}

static void price_fleet(const sp_serve_config *c, const sp_accel *a, sp_serve_result *r)
{
    r->gpus = r->replicas * r->tp * r->pp;
    r->usd_per_gpu_hour = c->usd_per_gpu_hour;
    if (c->usd_from_catalog && r->gpus > 0) /* the instances the replicas take */
        r->usd_per_gpu_hour =
            sp_accel_fleet_usd_per_hour(a, r->replicas, r->tp * r->pp, &r->instances, &r->instance_gpus) / r->gpus;
    double tokens_per_hour = r->output_tokens_per_s_per_gpu * 3600.0;
    r->usd_per_million_output_tokens = tokens_per_hour > 0 ? r->usd_per_gpu_hour / tokens_per_hour * 1e6 : 0;
    r->fleet_usd_per_hour = r->gpus * r->usd_per_gpu_hour;
    r->fleet_usd_per_month = r->fleet_usd_per_hour * SP_HOURS_A_MONTH;
    double capacity = r->replicas * r->requests_per_s, load = c->qps > 0 ? c->qps : capacity;
    r->utilization = capacity > 0 ? load / capacity : 0;
    /* A replica's time splits between its prefills and its decode steps (the cycle of at_batch);
     * each kind of token bears its share of the fleet's price. */
    double cycle = r->batch / r->requests_per_s, decode = c->output_tokens * r->decode_step_s / cycle;
    /* Past capacity the fleet serves what it can, not what arrives: the tokens it bills are capped. */
    double served = capacity > 0 ? fmin(load, capacity) : load;
    double input_per_hour = served * c->prompt_tokens * 3600.0, output_per_hour = served * c->output_tokens * 3600.0;
    r->usd_per_million_input_tokens = input_per_hour > 0 ? r->fleet_usd_per_hour * (1.0 - decode) / input_per_hour * 1e6 : 0;
    r->usd_per_million_output_tokens_at_load =
        output_per_hour > 0 ? r->fleet_usd_per_hour * decode / output_per_hour * 1e6 : 0;
}

/* The fewest requests a percentile simulation measures: 1% of 2,700 is 27, enough for a p99 that
 * moves by a few percent between seeds (the simulation runs more where the replica holds many:
 * serve_sim.c's window_of); a larger batch than 4096 is simulated as 4096. */
enum { SIM_REQUESTS = 3000, SIM_MAX_BATCH = 4096 };

double sp_latency_at(const sp_latency *l, double p)
{
    if (p > 0 && l->at_percentile == p)
        return l->at;
    return p >= 99 ? l->p99 : p >= 95 ? l->p95 : p >= 90 ? l->p90 : l->p50;
}

/* One replica count's simulation and whether it holds each target at the percentile. */
typedef struct {
    double replicas; /* 0: not simulated */
    sp_sim_result s;
    bool ttft, tpot;
} sim_outcome;

static bool simulate_at(sp_sim_input *in, const sp_serve_config *c, double replicas, sim_outcome *out)
{
    /* Routed at random, each replica gets its own Poisson share (splitting a Poisson stream gives
     * Poisson streams) and one is simulated; a load-aware router couples them, so up to
     * SP_SIM_REPLICAS_MAX are simulated together under their share of the rate. */
    in->replicas = c->route_choices == 1 ? 1.0 : fmin(replicas, SP_SIM_REPLICAS_MAX);
    in->rate_per_s = c->qps * in->replicas / replicas;
    out->replicas = replicas;
    if (!sp_serve_simulate(in, &out->s))
        return false;
    out->ttft = c->ttft_s <= 0 || sp_latency_at(&out->s.ttft_s, c->percentile) <= c->ttft_s;
    out->tpot = c->tpot_s <= 0 || sp_latency_at(&out->s.tpot_s, c->percentile) <= c->tpot_s;
    return true;
}

/* Replicas until the targets hold at the percentile under the Poisson load behind the router; at
 * most 4x the capacity count plus 8. */
static sp_status hold_percentile(const serve_ctx *x, const sp_memory_constants *mk, const sp_serve_config *c,
                                 sp_serve_result *r, sp_error *err)
{
    size_t cap = (size_t)fmin(r->batch, SIM_MAX_BATCH);
    double *steps = malloc(cap * sizeof *steps); /* the estimators keep no state between calls */
    if (!steps)
        return sp_fail(err, SP_ERR_INTERNAL, "", 0, 0, "percentile", "out of memory");
    double context = c->prompt_tokens + c->output_tokens / 2.0;
    /* With speculative decoding an iteration is a whole check, which emits the acceptance length a
     * sequence on average: a prompt that arrives waits for the check in flight, and its prefill
     * shares an iteration with one, not with a token's share of it. */
    bool speculates = c->spec_tokens > 0;
    for (size_t b = 1; b <= cap; b++)
        steps[b - 1] = speculates ? speculative_check_s(x, (double)b, context) : decode_step_s(x, (double)b, context);
    /* A prompt token's cost in an iteration: beside running decodes the iteration reads the weights
     * for them anyway (vLLM and TensorRT-LLM run prompt and decode tokens in one forward), so a
     * prompt token adds its FLOPs at the rate of a chunk's worth of prompts, the same cost the
     * steady state (at_batch) charges its prefills; prompts alone pay a lone prompt's share, weight
     * reads included. */
    double lone = prefill_s(x, 1, c->prompt_tokens, mk->prefill_chunk_tokens) / c->prompt_tokens;
    double chunk_prompts = fmax(1.0, floor(mk->prefill_chunk_tokens / c->prompt_tokens));
    double per_prompt_token = prefill_s(x, chunk_prompts, c->prompt_tokens, mk->prefill_chunk_tokens) /
                              (chunk_prompts * c->prompt_tokens);
    sp_sim_input in = {steps, (double)cap, per_prompt_token,
                       mk->prefill_chunk_tokens, 0, c->prompt_tokens, c->output_tokens, c->prompt_spread,
                       c->output_spread, SIM_REQUESTS, 0, c->scheduler_steps, 1, c->route_choices, r->max_model_len,
                       speculates ? c->spec_acceptance : 1.0, r->kv_cache_tokens, c->block_tokens, lone,
                       c->percentile};
    /* The simulation counts a request's whole prompt in the cache; a shared prefix is cached once,
     * so there the batch alone bounds the admissions. */
    if (shared_prefix_tokens(c) > 0)
        in.kv_tokens = 0;
    /* From the count the rate needs, not the instances filled: a target that misses there binds,
     * and the instances are filled after the count that holds it. */
    double first = c->replicas > 0 ? r->replicas : r->capped_replicas, last = c->replicas > 0 ? first : 4.0 * first + 8.0;
    /* No replica count beats a request alone: every token of a request takes at least the batch-1
     * decode step, and (lengths fixed) its first token at least its prompt's prefill. A target
     * under those is out of reach, so the capacity count is simulated once and reported. */
    r->lone_tpot_s = steps[0] / in.tokens_per_step;
    r->lone_ttft_s = prefill_s(x, 1, c->prompt_tokens, mk->prefill_chunk_tokens);
    bool tpot_out_of_reach = c->tpot_s > 0 && r->lone_tpot_s > c->tpot_s;
    bool ttft_out_of_reach = c->ttft_s > 0 && c->prompt_spread == 0 && r->lone_ttft_s > c->ttft_s;
    if (tpot_out_of_reach || ttft_out_of_reach)
        last = first; /* sp_serve_plan sizes the fleet again for the nearest targets in reach */
    /* The smallest count in [first, last] that holds the targets: doubling steps from first, then
     * bisection. One seed for every count scales the same arrivals in time, so the queue, and the
     * percentiles, ease as replicas are added; that is assumed, not proven, and was checked where
     * it matters (every golden and validation answer equals the one-count-at-a-time scan's). It
     * takes about log2 of the simulations. */
    sim_outcome lo = {0}, hi = {0};
    double step = 1;
    for (double n = first;; n = fmin(lo.replicas + step, last), step *= 2) {
        sim_outcome o;
        if (!simulate_at(&in, c, n, &o)) {
            free(steps);
            return sp_fail(err, SP_ERR_INTERNAL, "", 0, 0, "percentile", "the load simulation could not run");
        }
        if (o.ttft && o.tpot) {
            hi = o;
            break;
        }
        lo = o;
        if (n >= last)
            break;
    }
    while (hi.replicas > 0 && lo.replicas > 0 && hi.replicas - lo.replicas > 1) {
        sim_outcome o;
        if (!simulate_at(&in, c, floor((lo.replicas + hi.replicas) / 2.0), &o)) {
            free(steps);
            return sp_fail(err, SP_ERR_INTERNAL, "", 0, 0, "percentile", "the load simulation could not run");
        }
        *(o.ttft && o.tpot ? &hi : &lo) = o;
    }
    /* The answer is the first count that holds, else the last tried; what set it is what the count
     * below it missed (capacity when the rate's own count holds). */
    const sim_outcome *at = hi.replicas > 0 ? &hi : &lo;
    sim_outcome filled = {0};
    r->target_replicas = at->replicas;
    double whole = c->replicas > 0 ? at->replicas : filled_replicas(c, x->a, r->tp * r->pp, at->replicas);
    if (whole > at->replicas) { /* the instances' idle GPUs serve too: the latencies of the fleet paid for */
        if (!simulate_at(&in, c, whole, &filled)) {
            free(steps);
            return sp_fail(err, SP_ERR_INTERNAL, "", 0, 0, "percentile", "the load simulation could not run");
        }
        at = &filled;
    }
    r->replicas = at->replicas;
    r->ttft_load_s = at->s.ttft_s;
    r->tpot_load_s = at->s.tpot_s;
    r->e2e_load_s = at->s.e2e_s;
    r->meets_targets = at->ttft && at->tpot;
    r->binding = lo.replicas == 0                ? "capacity"
                 : !lo.ttft && !lo.tpot          ? "both"
                 : !lo.ttft                      ? "ttft"
                                                 : "tpot";
    if (lo.replicas > 0) { /* what one replica fewer gave: a queue that grew, or latency past the target */
        r->below_replicas = lo.replicas;
        r->below_ttft_s = sp_latency_at(&lo.s.ttft_s, c->percentile);
        r->below_tpot_s = sp_latency_at(&lo.s.tpot_s, c->percentile);
    }
    if (c->replicas > 0)
        r->binding = "pinned";
    else if (tpot_out_of_reach || ttft_out_of_reach)
        r->binding = "unreachable";
    else if (!r->meets_targets)
        r->binding = "ceiling"; /* held at no count up to the search's 4x + 8: the fleet shown is that many */
    free(steps);
    r->simulated = true;
    price_fleet(c, x->a, r);
    return SP_OK;
}

/* The 99th percentile of a lognormal length of this mean and coefficient of variation, whole
 * tokens: the room --max-model-len leaves for a drawn distribution's tail. */
static double length_p99(double mean, double cv)
{
    return ceil(sp_lognormal_quantile(mean, cv, 99.0));
}

/* The longest request to admit: both lengths at their 99th percentiles, no longer than the
 * model's context (an engine refuses a --max-model-len beyond the one the model derives). With no
 * lengths given, the whole context, up to perf.yaml's share of the KV cache in whole blocks (vLLM
 * refuses to start when its cache cannot hold one request of --max-model-len tokens). */
static double max_model_len(const sp_model *m, const sp_serve_config *c, const sp_perf_constants *k,
                            const sp_serve_result *r)
{
    double tail = length_p99(c->prompt_tokens, c->prompt_spread) + length_p99(c->output_tokens, c->output_spread);
    if (c->lengths_assumed && m->seq > tail && k->serve_assumed_len_cache_share > 0) {
        double block = c->block_tokens > 0 ? c->block_tokens : 1.0;
        /* The check is each engine's: under attention DP every one of the tp ranks runs its own
         * engine with its own cache (vLLM's data-parallel ranks), a tp-th of the replica's. */
        double engines = !sp_serve_splits_heads(c) && r->tp > 1 ? r->tp : 1.0;
        double cache_tokens = r->kv_cache_tokens / engines;
        double share = block * floor(cache_tokens * k->serve_assumed_len_cache_share / block);
        return fmax(tail, fmin(m->seq, share));
    }
    return m->seq > 0 ? fmin(tail, m->seq) : tail;
}

double sp_serve_prompt_at_percentile(const sp_serve_config *c, const sp_serve_result *r)
{
    /* The percentile's drawn prompt, cut where the simulation cuts it (the launch line's
     * --max-model-len less the output); never under the mean, which the lone figure is of. */
    if (!r->simulated || !(c->prompt_spread > 0))
        return c->prompt_tokens;
    double drawn = sp_lognormal_quantile(c->prompt_tokens, c->prompt_spread, c->percentile);
    double cut = r->max_model_len > c->output_tokens ? r->max_model_len - c->output_tokens : drawn;
    return fmax(c->prompt_tokens, fmin(drawn, cut));
}

double sp_serve_lone_ttft_at_percentile(const sp_serve_config *c, const sp_serve_result *r)
{
    /* Prefill grows with the prompt: taken in proportion, the percentile's prompt over the mean's. */
    return r->nearest_ttft_s * sp_serve_prompt_at_percentile(c, r) / c->prompt_tokens;
}

double sp_lognormal_quantile(double mean, double cv, double percentile)
{
    if (!(cv > 0))
        return mean;
    /* The standard normal's quantile by bisection on its tail (erfc): no closed form in C's math. */
    double p = percentile / 100.0, lo = -10.0, hi = 10.0;
    for (int i = 0; i < 64; i++) {
        double z = (lo + hi) / 2.0;
        if (0.5 * erfc(-z / sqrt(2.0)) < p)
            lo = z;
        else
            hi = z;
    }
    double sigma = sqrt(log(1.0 + cv * cv));
    return mean * exp(-sigma * sigma / 2.0 + (lo + hi) / 2.0 * sigma);
}

/* The share of a lognormal length of this mean and spread (coefficient of variation) above x. */
static double lognormal_above(double mean, double cv, double x)
{
    if (!(x > 0))
        return 1.0;
    double sigma = sqrt(log(1.0 + cv * cv));
    return 0.5 * erfc((log(x) - (log(mean) - sigma * sigma / 2.0)) / sigma / sqrt(2.0));
}

bool sp_serve_refused_past_percentile(const sp_serve_config *c, const sp_serve_result *r)
{
    return c->percentile > 0 && r->over_context_share > 1.0 - c->percentile / 100.0;
}

/* The share of requests whose prompt and output together pass the context: exact where one length
 * is fixed, else their sum, of independent lognormal lengths, as the lognormal of its mean and
 * variance (Fenton 1960). */
static double over_context_share(const sp_model *m, const sp_serve_config *c)
{
    double p = c->prompt_tokens, o = c->output_tokens, p_sd = c->prompt_spread * p, o_sd = c->output_spread * o;
    if (!(m->seq > 0) || !(p_sd > 0 || o_sd > 0))
        return 0;
    if (!(o_sd > 0))
        return lognormal_above(p, c->prompt_spread, m->seq - o);
    if (!(p_sd > 0))
        return lognormal_above(o, c->output_spread, m->seq - p);
    return lognormal_above(p + o, sqrt(p_sd * p_sd + o_sd * o_sd) / (p + o), m->seq);
}

sp_status sp_serve_estimate(const sp_model *model, const sp_accel *accel, const sp_serve_config *config,
                            const sp_memory_constants *memory, const sp_perf_constants *perf,
                            sp_serve_result *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_status s = sp_serve_config_check(model, config, err);
    if (s != SP_OK)
        return s;
    if (config->tp < 1)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "tp", "sp_serve_estimate needs a tensor-parallel degree");
    /* A replica wider than a node needs a network between nodes; a part that publishes none
     * (inter_node_bytes_per_s 0) keeps its replicas inside one. */
    if (config->tp * fmax(1.0, config->pp) > accel->per_node && !(accel->inter_node_bytes_per_s > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, config->pp > 1 ? "pp" : "tp",
                       "%s publishes no network between nodes: a replica stays within its %g GPUs a node", accel->name,
                       accel->per_node);
    sp_stack stack = sp_accel_stack(accel);
    /* trtllm-serve spans nodes only under MPI (trtllm-llmapi-launch), which the launch files here do
     * not write: its replicas stay within a node. */
    if (config->engine == SP_ENGINE_ASK_TRTLLM && config->tp * fmax(1.0, config->pp) > sp_accel_host_gpus(accel))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "engine",
                       "a replica of %g GPUs spans nodes of %g, and trtllm-serve is written here within one node: "
                       "use --engine vllm or sglang",
                       config->tp * fmax(1.0, config->pp), sp_accel_host_gpus(accel));
    /* TensorRT-LLM is NVIDIA's; SGLang's pip wheels are CUDA builds (its ROCm builds ship as images,
     * which the launch files here do not name). */
    if ((config->engine == SP_ENGINE_ASK_TRTLLM || config->engine == SP_ENGINE_ASK_SGLANG) && stack != SP_STACK_CUDA)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "engine", "%s: %s is not an NVIDIA GPU, use --engine vllm",
                       config->engine == SP_ENGINE_ASK_TRTLLM ? "TensorRT-LLM runs on NVIDIA GPUs only"
                                                              : "SGLang's pip wheels are CUDA builds",
                       accel->name);
    double e = accel->matmul_efficiency > 0 ? accel->matmul_efficiency : perf->matmul_efficiency;
    if (config->weight_dtype == SP_DTYPE_NVFP4 && !(accel->fp4_flops_per_s > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "weight-dtype",
                       "%s has no FP4 tensor cores for nvfp4 weights (Blackwell has them); use mxfp4, which "
                       "other parts dequantise, or fp8 or int4",
                       accel->name);
    if (!(weight_peak(accel, config->weight_dtype) > 0) || !(accel->bf16_flops_per_s > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "weight-dtype", "%s has no %s throughput in the catalog",
                       accel->name, sp_dtype_name(config->weight_dtype));
    double weight_share = perf->serve_weight_bandwidth_share > 0 ? perf->serve_weight_bandwidth_share
                                                                 : perf->memory_efficiency;
    serve_ctx x = {model, accel, config, perf, config->tp, weight_peak(accel, config->weight_dtype),
                   e * perf->sustained_fraction, e * perf->sustained_fraction,
                   accel->hbm_bytes_per_s * perf->memory_efficiency,
                   accel->hbm_bytes_per_s * weight_share, sp_weight_bytes_per_param(config->weight_dtype, memory),
                   2.0, config->tp, 1.0, config->pp > 1 ? config->pp : 1.0};
    if (!sp_serve_splits_heads(config) && config->tp > 1) {
        x.attn_tp = 1.0;
        x.attn_share = 1.0 / config->tp;
    }
    if ((config->weight_dtype == SP_DTYPE_FP8 && accel->fp8_flops_per_s > 0) ||
        (config->weight_dtype == SP_DTYPE_INT8 && accel->int8_ops_per_s > 0))
        x.gemm_bytes = 1.0; /* the part multiplies 8-bit operands natively */
    if (sp_dtype_is_fp4(config->weight_dtype) && accel->fp4_flops_per_s > 0) {
        x.gemm_bytes = 0.5;
        /* Block-scaled FP4 GEMMs reach a smaller share of their peak than 16-bit ones (the catalog's
         * fp4_matmul_source: cuBLASLt MXFP4 on B200 at 58%, against 78% for bf16). */
        if (accel->fp4_matmul_efficiency > 0)
            x.weight_gemm_efficiency = accel->fp4_matmul_efficiency * perf->sustained_fraction;
    }
    out->tp = config->tp;
    out->pp = x.pp;
    out->kv_cache_tokens = kv_capacity_tokens(&x, memory, out);
    out->kv_cache_engine_bytes = (out->kv_cache_tokens + shared_prefix_tokens(config)) * kv_per_token(&x);
    /* SGLang's --mem-fraction-static: its KV pool is the share of the card less what loading left in
     * use (weights and the CUDA context; python/sglang/srt/model_executor/model_runner.py
     * profile_max_num_token), so the share is those and the pool as sized; activations and CUDA
     * graphs live outside it. */
    out->static_memory_share =
        (out->weights_bytes + memory->cuda_context_bytes + out->kv_cache_engine_bytes) / accel->memory_bytes;
    out->sequence_kv_tokens = sequence_kv_tokens(config);
    out->max_batch = floor(out->kv_cache_tokens / out->sequence_kv_tokens);
    out->kv_cache_bytes_per_token = kv_per_token(&x);
    out->fits = out->max_batch >= 1;
    if (!out->fits)
        return SP_OK;
    if (config->concurrency > 0) {
        double max = out->max_batch;
        at_batch(&x, fmin(config->concurrency, max), memory, out);
        out->max_batch = max;
        closed_loop(config->concurrency, config->prompt_tokens, config->output_tokens, memory->prefill_chunk_tokens,
                    out);
    } else if (config->batch > 0) {
        at_batch(&x, config->batch, memory, out);
        out->fits = config->batch <= out->max_batch;
    } else {
        /* Throughput grows with the batch until memory or a latency target stops it. */
        sp_serve_result trial;
        memset(&trial, 0, sizeof trial); /* at_batch sets the batch's fields; the rest stay zero */
        double chosen = 0, most_tokens_per_s = 0;
        for (double b = 1; b <= out->max_batch; b = b < 8 ? b + 1 : ceil(b * 1.125)) {
            at_batch(&x, b, memory, &trial);
            if (meets(config, &trial) && trial.output_tokens_per_s > most_tokens_per_s) {
                chosen = b;
                most_tokens_per_s = trial.output_tokens_per_s;
            }
        }
        /* The batch's fields on out, beside its memory's; nothing meeting the targets: the lowest latency. */
        at_batch(&x, chosen > 0 ? chosen : 1, memory, out);
        out->fits = true;
    }
    out->meets_targets = meets(config, out);
    out->max_model_len = max_model_len(model, config, perf, out);
    out->over_context_share = over_context_share(model, config);
    out->nodes_per_replica = ceil(out->tp * fmax(1.0, out->pp) / sp_accel_host_gpus(accel));
    size_fleet(config, accel, out);
    if (config->requests > 0)
        offline_run(&x, config->requests, memory, out);
    /* A rate past a million GPUs at capacity is past any fleet (the largest published training
     * clusters hold about 10^5); simulating its percentiles would cost seconds for no answer. */
    enum { FLEET_GPUS_MAX = 1000000 };
    if (out->fits && out->gpus > FLEET_GPUS_MAX)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "qps",
                       "%g requests/s need %.3g GPUs at capacity, more than any fleet (a million): a lower rate",
                       config->qps, out->gpus);
    if (config->percentile > 0 && config->qps > 0) {
        sp_status held = hold_percentile(&x, memory, config, out, err);
        /* A request the engine refuses (past the context) never gets its first token: more of them than
         * the percentile leaves out misses the targets at that percentile, whatever the served ones do. */
        if (held == SP_OK && sp_serve_refused_past_percentile(config, out))
            out->meets_targets = false;
        return held;
    }
    return SP_OK;
}

double sp_serve_usd_per_million_output(const sp_serve_result *r)
{
    return r->usd_per_million_output_tokens_at_load > 0 ? r->usd_per_million_output_tokens_at_load
                                                        : r->usd_per_million_output_tokens;
}
