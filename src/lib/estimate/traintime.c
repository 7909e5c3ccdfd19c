/* traintime.c - time of one training step: GEMMs, attention, element-wise work,
 * tensor/pipeline/data-parallel communication, bubble and optimizer. */
#include "estimate_internal.h"

#include <math.h>
#include <string.h>

/* What every term of one plan needs, derived once. */
typedef struct {
    const sp_model *m;
    const sp_mem_config *c;
    const sp_perf_constants *k;
    double peak;          /* dense FLOP/s of the training dtype */
    double matmul;        /* share of peak a large GEMM sustains on this accelerator */
    double hbm;           /* achievable bytes/s for element-wise work */
    double e;             /* bytes per activation element */
    double tokens;        /* s x b of one micro-batch */
    double q, kv;         /* attention widths */
    double attention;     /* FlashAttention's sustained share of peak */
    const sp_accel *a;
    double operand_bytes; /* bytes of a GEMM operand: 1 for fp8 */
    bool mx;              /* MXFP8: block scales beside each fp8 copy */
    bool rowwise;         /* torchao's rowwise float8: a scale per row, the forward GEMM on CUTLASS */
    double peak_16bit;    /* FLOP/s of the attention core and output layer: 16-bit even when the linears run fp8 */
    double matmul_16bit;  /* their sustained share: the linears' share (matmul) is lower for FP4 GEMMs */
} step_ctx;

double sp_intra_node_bus_bytes_per_s(const sp_accel *a, const sp_perf_constants *k)
{
    /* No peer-to-peer: NCCL stages every transfer through host memory (its SHM transport), at the
     * rate the catalog measured; peer_source there. */
    return a->peer_bytes_per_s > 0 ? a->peer_bytes_per_s : a->intra_node_bytes_per_s * k->intra_link_efficiency;
}

double sp_exposed_s(double comm_s, double cover_s, const sp_perf_constants *k)
{
    return fmax(0.0, comm_s - cover_s) + fmin(comm_s, cover_s) * k->overlap_contention;
}

double sp_attention_share(const sp_accel *a, const sp_perf_constants *perf, double matmul)
{
    return a->attention_efficiency > 0 ? a->attention_efficiency * perf->sustained_fraction
                                       : matmul * perf->attention_efficiency;
}

bool sp_mx_capable(const sp_accel *a)
{
    return a->fp4_flops_per_s > 0 && a->fp8_flops_per_s > 0;
}

bool sp_accel_fp16_only(const sp_accel *a) { return a && !strcmp(a->half_dtype, "fp16"); }

sp_status sp_train_half_precision(const sp_accel *a, sp_precision *precision, sp_error *err)
{
    if (!sp_accel_fp16_only(a))
        return SP_OK;
    /* Mixed precision keeps an fp32 master, so fp16 with loss scaling trains what bf16 would
     * (Micikevicius et al. 2018); pure bf16 and the 8- and 4-bit formats have no such stand-in. */
    if (*precision == SP_PREC_MIXED_BF16)
        *precision = SP_PREC_MIXED_FP16;
    if (*precision == SP_PREC_MIXED_FP16 || *precision == SP_PREC_FP32)
        return SP_OK;
    return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision",
                   "%s has no %s tensor cores (half_dtype fp16 in its catalog row): use mixed-fp16 or fp32", a->name,
                   sp_precision_name(*precision));
}

sp_status sp_fp8_rowwise_check(const sp_accel *a, double zero, double data_ranks, double ep, sp_error *err)
{
    if (ep > 1 || (zero >= 0 && zero < 3 && data_ranks > 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, ep > 1 ? "ep" : "zero",
                       "fp8-rowwise is torchao's float8 recipe, run by torchtitan over FSDP2: ZeRO-3 and no expert "
                       "parallelism (fp8 is Transformer Engine's, for the other layouts)");
    if (!a)
        return SP_OK;
    const char *sixteen = sp_accel_fp16_only(a) ? "mixed-fp16" : "mixed-bf16";
    /* torchao is a CUDA and ROCm library; TPUs, Trainium and Gaudi train under their own stacks. */
    if (strcmp(a->vendor, "nvidia") != 0 && strcmp(a->vendor, "amd") != 0)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision",
                       "fp8-rowwise is torchao's (CUDA and ROCm) and %s runs another stack: use %s", a->name, sixteen);
    if (!(a->fp8_flops_per_s > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision",
                       "fp8-rowwise needs FP8 tensor cores and %s has none (no fp8 rate in its catalog row): use %s",
                       a->name, sixteen);
    return SP_OK;
}

double sp_train_peak(const sp_accel *a, sp_precision p)
{
    switch (p) {
    case SP_PREC_FP32: return a->fp32_flops_per_s;
    case SP_PREC_FP8: return a->fp8_flops_per_s > 0 ? a->fp8_flops_per_s : a->bf16_flops_per_s;
    /* MX block scaling runs at the FP8 rate on the parts that have it (sp_mx_capable). */
    case SP_PREC_MXFP8: return sp_mx_capable(a) ? a->fp8_flops_per_s : 0;
    /* torchao's rowwise recipe needs FP8 tensor cores: there is no 16-bit fallback. */
    case SP_PREC_FP8_ROWWISE: return a->fp8_flops_per_s;
    /* NVFP4 runs on FP4 tensor cores (Blackwell, MI355X's MXFP4 aside: NVFP4 is NVIDIA's format). */
    case SP_PREC_NVFP4: return sp_mx_capable(a) && !strcmp(a->vendor, "nvidia") ? a->fp4_flops_per_s : 0;
    default: return a->bf16_flops_per_s;
    }
}

/* Tile and wave quantisation make small dimensions wasteful: each dimension d
 * keeps d/(d + d0) of the large-GEMM rate (NVIDIA Matrix Multiplication Background
 * Guide). A GEMM is never faster than moving its operands (roofline, Williams et al. 2009). */
double sp_gemm_time_s(double m, double n, double k, double peak, double efficiency, double d0, double hbm,
                      double act_bytes, double weight_bytes)
{
    double saturated = efficiency * (m / (m + d0)) * (n / (n + d0)) * (k / (k + d0));
    double flops = 2.0 * m * n * k;
    double bytes = act_bytes * (m * k + m * n) + weight_bytes * k * n;
    return fmax(flops / (peak * saturated), bytes / hbm);
}

/* A CTA runs one output tile on one SM, so an output of fewer tiles than SMs leaves the rest
 * idle (NVIDIA Matrix Multiplication Background Guide, wave quantization). cuBLAS's Hopper fp8
 * kernels are 128x128 tiles with split-K off even at batch 16 (TensorRT-LLM issue #2013). */
double sp_gemm_occupancy(const sp_accel *a, double m, double n, double operand_bytes)
{
    double tile = a->gemm_tile_8bit;
    if (operand_bytes != 1.0 || !(tile > 0) || !(a->compute_units > 0))
        return 1.0;
    return fmin(1.0, ceil(m / tile) * ceil(n / tile) / a->compute_units);
}

static double gemm_s(const step_ctx *x, double m, double n, double k)
{
    double busy = sp_gemm_occupancy(x->a, m, n, x->operand_bytes);
    return sp_gemm_time_s(m, n, k, x->peak, x->matmul * busy, x->k->gemm_saturation_dim, x->hbm, x->e, x->e);
}

/* One MLP `width` wide over `rows` tokens, its matrices sliced over `split` ranks. */
static double mlp_gemms_s(const step_ctx *x, double rows, double width, double split)
{
    double mats = x->m->ffn_kind == SP_FFN_SWIGLU ? 2.0 : 1.0;
    return gemm_s(x, rows, width * mats / split, x->m->hidden) + gemm_s(x, rows, x->m->hidden, width / split);
}

/* An MoE layer's MLPs on one rank: each routed expert multiplies the tokens routed to it (top-k of
 * E, uniform routing assumed), sliced over tp, or under expert parallelism E/ep whole experts each
 * taking the tokens of ep ranks, a tensor-parallel rank dispatching its 1/tp of the sequence (expert
 * tensor parallelism 1: MoE Parallel Folding, Liu et al. 2025); shared experts see every token. */
static double moe_gemms_s(const step_ctx *x)
{
    const sp_model *m = x->m;
    double T = x->tokens, t = x->c->tp, ep = x->c->ep > 1 ? x->c->ep : 1.0, etp = x->c->etp;
    /* Under ep each rank dispatches its 1/tp of the sequence; an expert's etp slices share the
     * tokens of etp x ep ranks. */
    double routed = ep > 1 ? T / t * etp * ep * m->experts_per_token / m->experts : T * m->experts_per_token / m->experts;
    double experts = ep > 1 ? m->experts / ep * mlp_gemms_s(x, routed, m->ffn, etp)
                            : m->experts * mlp_gemms_s(x, routed, m->ffn, t);
    return experts + m->shared_experts * mlp_gemms_s(x, T, m->ffn, t);
}

/* The attention's projections on one rank: q, k and v as one fused GEMM and the output (Megatron's
 * linear_qkv, torchtitan's separate three at the same FLOPs), or MLA's five. */
static double attention_gemms_s(const step_ctx *x)
{
    const sp_model *m = x->m;
    double t = x->c->tp, T = x->tokens;
    if (!(m->kv_lora_rank > 0))
        return gemm_s(x, T, (x->q + 2.0 * x->kv) / t, m->hidden) + gemm_s(x, T, m->hidden, x->q / t);
    double outs[5], ins[5], total = 0;
    size_t n = sp_attention_matmuls(m, t, outs, ins);
    for (size_t i = 0; i < n; i++)
        total += gemm_s(x, T, outs[i], ins[i]);
    return total;
}

/* Forward GEMMs of one (average) layer, per micro-batch, on one tensor-parallel rank; *beside_tp
 * gets those next to a tensor-parallel collective (the projections, the dense MLPs and shared
 * experts, whose inputs and outputs Transformer Engine's userbuffers exchange), without the routed
 * experts. */
static double layer_gemms_s(const step_ctx *x, double *beside_tp)
{
    const sp_model *m = x->m;
    double t = x->c->tp, T = x->tokens;
    double attention = attention_gemms_s(x);
    if (m->experts <= 1) {
        *beside_tp = attention + mlp_gemms_s(x, T, m->ffn, t);
        return *beside_tp;
    }
    /* Dense-first layers (DeepSeek) run their own width; the average layer mixes the two. */
    double moe_share = (m->layers - m->dense_layers) / m->layers;
    double dense = mlp_gemms_s(x, T, m->dense_ffn > 0 ? m->dense_ffn : m->ffn, t);
    /* Shared experts are tensor-parallel MLPs (Megatron-Core's SharedExpertMLP), beside TP collectives too. */
    double shared = m->shared_experts * mlp_gemms_s(x, T, m->ffn, t);
    *beside_tp = attention + (1.0 - moe_share) * dense + moe_share * shared;
    return attention + moe_share * moe_gemms_s(x) + (1.0 - moe_share) * dense;
}

/* NCCL's latency for large messages (src/graph/tuning.cc, Simple protocol): a base plus one
 * latency a step, over NVLink inside a node and the network between the group's `nodes`. A ring
 * takes n-1 steps (an all-reduce 2(n-1)), nodes-1 (2(nodes-1)) of them between nodes; an
 * all-reduce may run as a tree instead, 2((n/nodes - 1) NVLink + log2(nodes) network) steps, and
 * NCCL takes the faster. */
static double nccl_latency_s(const sp_perf_constants *k, double n, double nodes, bool allreduce)
{
    if (n <= 1)
        return 0;
    double per = allreduce ? 2.0 : 1.0, inter = per * (nodes - 1.0), steps = per * (n - 1.0);
    double ring = k->nccl_base_latency_s + (steps - inter) * k->nccl_nvlink_ring_step_s + inter * k->nccl_net_step_s;
    if (!allreduce)
        return ring;
    double tree = k->nccl_base_latency_s +
                  2.0 * ((n / nodes - 1.0) * k->nccl_nvlink_tree_step_s + log2(nodes) * k->nccl_net_step_s);
    return fmin(ring, tree);
}

/* Ring all-reduce over n ranks on `nodes` nodes: 2 (n - 1)/n of the bytes cross each link
 * (Patarasuk and Yuan 2009), after NCCL's latency. */
static double allreduce_s(const step_ctx *x, double bytes, double n, double nodes, double bandwidth)
{
    if (n <= 1)
        return 0;
    return 2.0 * (n - 1.0) / n * bytes / bandwidth + nccl_latency_s(x->k, n, nodes, true);
}

/* One rank's share of an all-to-all over a group of `ranks` that each send `bytes` in all, the
 * group spread over whole nodes of `near` ranks: NCCL sends to each peer point to point, over
 * NVLink to the near - 1 peers of its node and over the NIC to the others, the two at once (NCCL
 * p2p transports; DeepEP, Zhao et al. 2025, splits its dispatch the same way), so the slower
 * part sets the time. */
static double all_to_all_transfer_s(const step_ctx *x, double bytes, double ranks, double near)
{
    double intra = sp_intra_node_bus_bytes_per_s(x->a, x->k);
    if (ranks <= near)
        return (ranks - 1.0) / ranks * bytes / intra;
    double inter = x->a->inter_node_bytes_per_s * x->k->inter_link_efficiency;
    return fmax((near - 1.0) / ranks * bytes / intra, (ranks - near) / ranks * bytes / inter);
}

/* Expert parallelism's dispatch and combine all-to-all of one (average) layer's forward: each
 * moves (ep-1)/ep of tokens x k hidden vectors (GShard, Lepikhin et al. 2020). The ep x etp expert
 * ranks are folded onto consecutive GPUs (MoE Parallel Folding), etp of them one expert rank, so a
 * node holds per_node / etp of a group wider than it. A group that fits a node is taken to sit in
 * one: on NVL72 racks a job's power-of-two groups could straddle two (32 as 8 + 24), but
 * Megatron-Bridge's GB300 DeepSeek-V3 rows (ep 32) match within 11% placed whole and miss by 38%
 * counting the straddle. */
static double expert_all_to_all_s(const step_ctx *x)
{
    const sp_model *m = x->m;
    double ep = x->c->ep;
    if (!(ep > 1) || m->experts <= 1)
        return 0;
    double etp = x->c->etp;
    double near = fmax(1.0, floor(x->a->per_node / etp));
    double sent = x->tokens * m->experts_per_token * m->hidden * x->e / x->c->tp;
    double moe_share = (m->layers - m->dense_layers) / m->layers;
    /* Expert tensor parallelism gathers the etp ranks' routed tokens before the sliced expert
     * MLP and reduce-scatters its output: one all-reduce's worth over the etp group. */
    double slices = allreduce_s(x, x->tokens / x->c->tp * etp * m->experts_per_token * m->hidden * x->e, etp, 1.0,
                                sp_intra_node_bus_bytes_per_s(x->a, x->k));
    return moe_share * (2.0 * (all_to_all_transfer_s(x, sent, ep, near) + x->k->collective_latency_s) + slices);
}

/* Passes Megatron-Core's grouped expert MLP (TEGroupedMLP) makes outside its kernels, per routed
 * row (a token's visit to one of its k experts; a rank runs about as many as it dispatches). The
 * second linear's bias goes on expert by expert in eager PyTorch (_apply_bias, Megatron-LM
 * a329dd6da5 "Enable bias in expert mlp [gpt-oss 5/5]": t + b * p with fp32 routing probabilities,
 * then torch.cat and a cast back): forward it writes the fp32 product (4 bytes an element of the
 * output), reads t and that and writes the fp32 sum (10), copies it in the cat (8) and casts it
 * (6): 28 bytes; backward the casts of the gradient (6 + 6) and the two products and reductions
 * for the bias's and the probabilities' gradients (12 + 12): 36. A clamped GLU (gpt-oss's
 * swiglu_limit) clamps both halves of the first linear's output and concatenates them before the
 * fused activation (weighted_bias_quick_geglu_impl): 8 bytes an element of that output forward,
 * 6 backward (the clamps' masked gradients). */
static double expert_passes_s(const step_ctx *x, bool backward)
{
    const sp_model *m = x->m;
    if (m->experts <= 1 || (!m->mlp_bias && !(m->glu_clamp > 0)))
        return 0;
    double etp = x->c->ep > 1 ? x->c->etp : x->c->tp;
    double rows = x->tokens / x->c->tp * etp * m->experts_per_token;
    double mats = m->ffn_kind == SP_FFN_SWIGLU ? 2.0 : 1.0;
    double bias = m->mlp_bias ? m->hidden * (backward ? 36.0 : 28.0) : 0.0;
    double clamp = m->glu_clamp > 0 ? mats * m->ffn / etp * (backward ? 6.0 : 8.0) : 0.0;
    double moe_share = (m->layers - m->dense_layers) / m->layers;
    return moe_share * rows * (bias + clamp) / x->hbm;
}

/* The GEMMs FP8 recipes leave in 16 bits: attention (Transformer Engine's DotProductAttention runs
 * bf16 unless fp8_dpa is set) and the output layer (Megatron-Core's output_layer is not a TE
 * module; torchtitan's float8 converter skips "output"). */
static step_ctx sixteen_bit(const step_ctx *x)
{
    step_ctx y = *x;
    y.peak = x->peak_16bit;
    y.matmul = x->matmul_16bit;
    y.operand_bytes = x->e;
    return y;
}

/* Forward attention core (QK^T, softmax, AV) of one layer per micro-batch. */
static double attention_s(const step_ctx *x)
{
    const sp_model *m = x->m;
    double s = x->c->seq, b = x->c->micro_batch, heads = m->heads / x->c->tp;
    if (x->c->flash_attention) {
        /* FlashAttention skips the masked half of a causal score matrix (Dao 2023); QK^T runs
         * over the query-key width, the probabilities times V over the value width. */
        double flops = 2.0 * x->tokens * s * (x->q + sp_attention_value_width(m)) / x->c->tp * 0.5;
        return flops / (x->peak_16bit * x->attention);
    }
    step_ctx y = sixteen_bit(x);
    double batched = heads * b;
    double scores = batched * (gemm_s(&y, s, s, m->head_dim) + gemm_s(&y, s, m->head_dim, s));
    /* Fused scale-mask-softmax reads and writes the scores; dropout reads them, writes them
     * and writes a 1-byte mask (Korthikanti et al. 2022, sec. 4.1 count the mask at one byte). */
    double bytes = 2.0 * x->e + (m->dropout ? 2.0 * x->e + 1.0 : 0.0);
    return scores + batched * s * s * bytes / x->hbm;
}

/* Forward element-wise traffic of one layer, in elements a token, each pass over the tensor
 * once (unfused kernels as in Megatron; Korthikanti et al. 2022, sec. 4.1 list the same ops):
 * each norm reads and writes h; each of the two residual adds reads two and writes one; the MLP
 * activation reads its input (two for SwiGLU's gate and up) and writes one; each of the two
 * dropouts reads and writes h and writes a 1-byte mask. */
static double elementwise_s(const step_ctx *x)
{
    const sp_model *m = x->m;
    double t = x->c->tp, h = m->hidden;
    double hidden_share = x->c->sequence_parallel ? h / t : h;
    double elements = m->norms_per_layer * 2.0 * hidden_share + 2.0 * 3.0 * hidden_share +
                      (m->ffn_kind == SP_FFN_SWIGLU ? 3.0 : 2.0) * m->ffn / t;
    double bytes = elements * x->e + (m->dropout ? 2.0 * (2.0 * x->e + 1.0) * hidden_share : 0.0);
    if (x->c->eager_modules)
        bytes += sp_eager_module_bytes(m, hidden_share, t);
    return x->tokens * bytes / x->hbm;
}

/* What eager modules add to a fused count's one read and write of each tensor, per token of one
 * layer's forward (transformers models/llama/modeling_llama.py; torchtitan's RMSNorm, complex-
 * multiply rotary and F.silu(w1(x)) * w3(x) run the same kernels uncompiled): the norm runs
 * to(fp32), pow, mean, the rsqrt product, to(bf16) and the weight product, 36 bytes an element of
 * the hidden state where a fused norm moves 4; rotary embedding runs about 20 bytes an element of
 * every query and key (upcast, rotate, multiply, add, cast back); the gated activation writes the
 * activation before the product, 10 bytes an element of the MLP width where the fused count moves
 * 6, for each expert a token visits. */
double sp_eager_module_bytes(const sp_model *m, double hidden_share, double tp)
{
    double active = m->experts > 1 ? m->experts_per_token : 1.0;
    return m->norms_per_layer * hidden_share * 32.0 + (m->heads + m->kv_heads) * m->head_dim / tp * 20.0 +
           (m->ffn_kind == SP_FFN_SWIGLU ? 4.0 * m->ffn * active / tp : 0.0);
}

/* torchtitan's context parallelism (PyTorch's context_parallel with its "allgather" rotate method,
 * torchtitan's default, config_manager.py @9dec370): K and V are taken after repeat_kv, every query
 * head's (model.py), and all-gathered once a layer at the first ring step, under that step's 1/cp
 * of the attention only (_AllGatherRotater); the backward gathers them again and passes each
 * step's fp32 gradient of K and V on by all-to-all under the next step, the last one exposed
 * (_templated_ring_attention_backward). Elements of this rank's K and V: `shard`. */
static double gathered_context_parallel_s(const step_ctx *x, double attention_s, double bw, bool backward)
{
    double cp = x->c->cp, shard = x->tokens * (x->q + sp_attention_value_width(x->m)) / x->c->tp;
    double gather = (cp - 1.0) * shard * x->e / bw + x->k->collective_latency_s;
    double exposed = sp_exposed_s(gather, attention_s / cp, x->k);
    if (backward) {
        double pass = shard * 4.0 / bw + x->k->collective_latency_s;
        exposed += pass + (cp - 1.0) * sp_exposed_s(pass, attention_s / cp, x->k);
    }
    return exposed;
}

/* Context parallelism's ring (Liu et al. 2023, Ring Attention; Megatron-Core's p2p cp_comm_type):
 * each of the cp-1 steps of a layer's forward passes this rank's K and V chunk to the next rank
 * while attention runs on the chunk in hand; the backward passes K and V again and returns their
 * gradients (twice the bytes). Ranks go tp, then cp: the ring stays in a node while tp x cp fits
 * (torchtitan's mesh alike). Returns the exposed time, what the layer's attention does not cover. */
static double context_parallel_s(const step_ctx *x, double attention_s, bool backward)
{
    const sp_mem_config *c = x->c;
    if (c->cp <= 1)
        return 0;
    bool inside = c->tp * c->cp <= x->a->per_node;
    double bw = inside ? sp_intra_node_bus_bytes_per_s(x->a, x->k)
                       : x->a->inter_node_bytes_per_s * x->k->inter_link_efficiency;
    if (sp_layout_is_torchtitan(c))
        return gathered_context_parallel_s(x, attention_s, bw, backward);
    /* K as wide as the kv heads' query-key width, V as their value width (MLA's heads x 128). */
    double values = sp_attention_value_width(x->m) * x->m->kv_heads / x->m->heads;
    double chunk = x->tokens * (x->kv + values) / c->tp * x->e * (backward ? 2.0 : 1.0);
    double ring = (c->cp - 1.0) * (chunk / bw + x->k->collective_latency_s);
    return sp_exposed_s(ring, attention_s, x->k);
}

/* FP8 linears quantise each GEMM's 16-bit input in the forward and each output gradient in the
 * backward: read 2 bytes, write the fp8 copy and its transpose for the other GEMM, 4 bytes an
 * element (Transformer Engine's Float8Tensor keeps row- and column-wise data; FP8 primer). NVFP4
 * writes two 4-bit copies and an E4M3 scale per 16 values of each: 2 + 2 x (0.5 + 1/16) bytes (its
 * random Hadamard transform of the weight-gradient operands is fused into the cast, Transformer
 * Engine's hadamard_transform_cast_fusion, and adds no pass). The attention core and element-wise
 * work stay 16-bit. Elements a token of one layer on one rank. */
static double fp8_cast_s(const step_ctx *x, bool backward)
{
    if (x->operand_bytes >= 2.0)
        return 0;
    const sp_model *m = x->m;
    double t = x->c->tp, h = m->hidden;
    double mlps = m->experts > 1 ? m->experts_per_token + m->shared_experts : 1.0;
    double mats = m->ffn_kind == SP_FFN_SWIGLU ? 2.0 : 1.0;
    double elements = backward ? (x->q + 2.0 * x->kv) / t + h + mlps * (mats * m->ffn / t + h)
                               : h + x->q / t + mlps * (h + m->ffn / t);
    /* MXFP8 writes an E8M0 scale for each 32 values of both copies (OCP MX v1.0). Rowwise scales
     * run along the other axis for the second copy, which a kernel cannot take in one pass: read 2,
     * write the fp8 copy and a bf16 one (5), then read that and write its fp8 (3), 8 bytes an element
     * (torchao's roofline, torchao/testing/training/roofline_utils.py, rowwise branch). */
    double bytes = x->operand_bytes < 1.0 ? 2.0 + 2.0 * (0.5 + 1.0 / 16.0)
                   : x->rowwise           ? 8.0
                                          : 4.0 + (x->mx ? 2.0 / 32.0 : 0.0);
    return x->tokens * elements * bytes / x->hbm;
}

/* What torchao's rowwise float8 adds to a layer's linears beyond the casts: the forward GEMM runs
 * PyTorch's CUTLASS rowwise kernel at fp8_rowwise_gemm_share of the cuBLAS rate (perf.yaml), and
 * both backward GEMMs run cuBLAS tensorwise and then rescale their bf16 outputs in a pass of their
 * own, read and write, 4 bytes an element (torchao/float8/float8_ops.py: "do the scaling manually
 * afterwards"; torchao issue #2184): the input gradient, tokens x each linear's input width, and
 * the weight gradient, one per weight. */
static double rowwise_overhead_s(const step_ctx *x, double gemms_s, bool backward)
{
    if (!x->rowwise)
        return 0;
    if (!backward)
        return gemms_s * (1.0 / x->k->fp8_rowwise_gemm_share - 1.0);
    double outs[8], ins[8], elements = 0;
    size_t n = sp_layer_matmuls(x->m, x->c->tp, outs, ins);
    for (size_t i = 0; i < n; i++)
        elements += x->tokens * ins[i] + ins[i] * outs[i];
    return elements * 4.0 / x->hbm;
}


typedef struct {
    double ep_comm_s;      /* expert all-to-alls of the stage's layers, forward, backward and recompute */
    double cp_comm_s;      /* the context-parallel ring's exposed time, forward, backward and recompute */
    double forward_s;      /* one micro-batch through the stage's layers */
    double backward_s;
    double recompute_s;
    double tp_comm_s;
    double logits_s;       /* output layer and loss on the last stage */
} stage_times;

/* torchtitan's op-level checkpointing recomputes every other matmul of a layer (the 2nd, 4th ...)
 * and its element-wise work; the attention core is kept. */
static double op_recompute_gemms_s(const step_ctx *x)
{
    double outs[8], ins[8], total = 0;
    size_t n = sp_layer_matmuls(x->m, x->c->tp, outs, ins);
    for (size_t i = 1; i < n; i += 2)
        total += gemm_s(x, x->tokens, outs[i], ins[i]);
    return total;
}

/* MLA's up-projections, which the selective recompute of an MLA model reruns
 * (sp_selective_covers_moe). */
static double mla_up_projections_s(const step_ctx *x)
{
    double outs[2], ins[2], total = 0;
    size_t n = sp_mla_rerun_matmuls(x->m, x->c->tp, outs, ins);
    for (size_t i = 0; i < n; i++)
        total += gemm_s(x, x->tokens, outs[i], ins[i]);
    return total;
}

/* The element-wise passes Megatron's selective recompute of an MoE model adds to a layer's
 * backward (sp_selective_covers_moe): the gated activation of each routed row again (read gate
 * and up, write their product: 3 elements of the expert width), on the routed layers, and the norms
 * it reruns (read and write the hidden state: the MLP's, and MLA's attention norm, memory.c), on
 * this rank's 1/tp of the tokens. */
static double moe_modules_recompute_s(const step_ctx *x)
{
    const sp_model *m = x->m;
    if (!sp_selective_covers_moe(m, x->c, x->c->recompute))
        return 0;
    double tokens = x->tokens / x->c->tp, routed_share = sp_model_routed_layers(m) / m->layers;
    double gated = m->ffn_kind == SP_FFN_SWIGLU ? 3.0 : 2.0;
    double norms = m->kv_lora_rank > 0 ? 2.0 : 1.0;
    double elements = tokens * (routed_share * m->experts_per_token * gated * m->ffn + norms * 2.0 * m->hidden);
    return elements * x->e / x->hbm + mla_up_projections_s(x);
}

/* What one layer of the stage costs per micro-batch, before the recompute policy and the ZeRO
 * stage are applied: those two vary fastest in the search, and these do not depend on them. */
static sp_layer_costs layer_costs_of(const step_ctx *x)
{
    const sp_accel *a = x->a;
    const sp_model *m = x->m;
    const sp_mem_config *c = x->c;
    sp_layer_costs lc;
    lc.gemms = layer_gemms_s(x, &lc.tp_gemms);
    lc.attention = attention_s(x);
    lc.elementwise = elementwise_s(x);
    lc.cast_forward = fp8_cast_s(x, false) + rowwise_overhead_s(x, lc.gemms, false);
    lc.cast_backward = fp8_cast_s(x, true) + rowwise_overhead_s(x, lc.gemms, true);
    lc.expert_forward = expert_passes_s(x, false);
    lc.expert_backward = expert_passes_s(x, true);
    /* Forward ring, backward ring (under 2.5x the attention work). */
    lc.ring_forward = context_parallel_s(x, lc.attention, false);
    lc.ring_backward = context_parallel_s(x, 2.5 * lc.attention, true);
    double tp_bw = sp_intra_node_bus_bytes_per_s(a, x->k);
    lc.tp_allreduce = allreduce_s(x, x->tokens * m->hidden * x->e, c->tp, 1.0, tp_bw);
    lc.all_to_all = expert_all_to_all_s(x);
    double vocab = m->vocab / c->tp;
    /* fp32 logits, four passes: the GEMM writes them, the fused softmax-cross-entropy reads them
     * and writes the probabilities, the gradient reads those (Megatron's vocab-parallel loss). */
    double loss_traffic = x->tokens * vocab * 4.0 * 4.0 / x->hbm;
    step_ctx head = sixteen_bit(x);
    lc.logits = 3.0 * gemm_s(&head, x->tokens, vocab, m->hidden) + loss_traffic;
    return lc;
}

static stage_times stage(const step_ctx *x, const sp_layer_costs *lc)
{
    const sp_mem_config *c = x->c;
    double layers = ceil(x->m->layers / c->pp);
    bool full = c->recompute == SP_RECOMPUTE_FULL;
    stage_times st;
    /* The forward's ring again when the layer is recomputed. */
    st.cp_comm_s = layers * (lc->ring_forward + lc->ring_backward + (full ? lc->ring_forward : 0.0));
    st.forward_s = layers * (lc->gemms + lc->attention + lc->elementwise + lc->cast_forward + lc->expert_forward);
    /* Backward: two GEMMs per forward GEMM (data and weight gradients); FlashAttention's
     * backward does 2.5x its forward work (5 matmuls against 2; Dao 2023). */
    st.backward_s = layers * (2.0 * lc->gemms + 2.5 * lc->attention + 2.0 * lc->elementwise + lc->cast_backward +
                              lc->expert_backward);
    if (full)
        st.recompute_s = st.forward_s;
    else if (c->recompute == SP_RECOMPUTE_OP)
        st.recompute_s = layers * (op_recompute_gemms_s(x) + lc->elementwise);
    else if (c->recompute == SP_RECOMPUTE_SELECTIVE)
        st.recompute_s = layers * (lc->attention + moe_modules_recompute_s(x));
    else
        st.recompute_s = 0;
    /* Megatron: two all-reduces forward and two backward per layer (Shoeybi et al. 2019),
     * two more when the forward is recomputed; sequence parallelism moves the same bytes.
     * torchtitan's op-level recompute saves reduce-scatters but no all-gather or all-reduce
     * (_save_list, torchtitan/models/llama3/parallelize_llama.py @820504e), and the mms it
     * recomputes (k, up) read the gathered inputs of attention and MLP under sequence parallelism
     * (two all-gathers again), or without it the MLP norm's input, the attention's all-reduced
     * output (that all-reduce again): one all-reduce's bytes either way. */
    double again = full ? 2.0 : c->recompute == SP_RECOMPUTE_OP ? 1.0 : 0.0;
    st.tp_comm_s = layers * (4.0 + again) * lc->tp_allreduce;
    /* The backward runs the all-to-alls in reverse; full recompute repeats the forward's. */
    st.ep_comm_s = layers * lc->all_to_all * (full ? 3.0 : 2.0);
    st.logits_s = lc->logits;
    return st;
}

/* The layer costs of this layout: from the memo when it holds this layout's (one slot a
 * sequence-parallel setting, the search's innermost switch, and each of the eager-module and
 * torchtitan settings the ZeRO stage brings: elementwise_s and context_parallel_s read them),
 * else computed and kept there. */
static sp_layer_costs remembered_costs(const step_ctx *x, sp_step_memo *memo)
{
    if (!memo || memo->generation == 0)
        return layer_costs_of(x);
    int slot = (x->c->sequence_parallel ? 1 : 0) + (x->c->eager_modules ? 2 : 0) + (sp_layout_is_torchtitan(x->c) ? 4 : 0);
    if (memo->slot_generation[slot] != memo->generation) {
        memo->costs[slot] = layer_costs_of(x);
        memo->slot_generation[slot] = memo->generation;
    }
    return memo->costs[slot];
}

/* Forward FLOPs of the whole model per token: GEMMs, full (non-causal) attention, logits. */
static double forward_flops_per_token(const sp_model *m, double seq)
{
    double q = m->heads * m->head_dim, h = m->hidden;
    double mats = m->ffn_kind == SP_FFN_SWIGLU ? 3.0 : 2.0;
    /* A routed layer runs a token through its k routed and its shared experts; the dense layers
     * (DeepSeek's first ones, Llama 4's interleaved ones) run their own width, as the step does
     * (layer_gemms_s) and as Megatron-Core counts model FLOPs (num_floating_point_operations). */
    double routed_layers = m->experts > 1 ? sp_model_routed_layers(m) : m->layers;
    double experts = m->experts_per_token + (m->experts > 1 ? m->shared_experts : 0.0);
    double routed_mlp = mats * h * m->ffn * experts, dense_mlp = mats * h * (m->dense_ffn > 0 ? m->dense_ffn : m->ffn);
    double attention = sp_attention_matmul_weights(m);
    return m->layers * (2.0 * attention + 2.0 * seq * (q + sp_attention_value_width(m))) +
           2.0 * (routed_layers * routed_mlp + (m->layers - routed_layers) * dense_mlp) + 2.0 * h * m->vocab;
}

/* forward_flops_per_token from the memo when it holds this sequence length (a search's does). */
static double remembered_flops_per_token(const sp_model *m, double seq, sp_step_memo *memo)
{
    if (!memo)
        return forward_flops_per_token(m, seq);
    if (memo->flops_seq != seq) {
        memo->forward_flops_per_token = forward_flops_per_token(m, seq);
        memo->flops_seq = seq;
    }
    return memo->forward_flops_per_token;
}

/* Extra forward FLOPs per token a recompute policy repeats. */
static double recompute_flops_per_token(const sp_model *m, const sp_mem_config *c)
{
    if (c->recompute == SP_RECOMPUTE_FULL)
        return forward_flops_per_token(m, c->seq) - 2.0 * m->hidden * m->vocab;
    if (c->recompute == SP_RECOMPUTE_SELECTIVE) /* the attention core, QK^T and the product with V */
        return m->layers * 2.0 * c->seq * (m->heads * m->head_dim + sp_attention_value_width(m));
    if (c->recompute == SP_RECOMPUTE_OP) {
        double outs[8], ins[8], flops = 0;
        size_t n = sp_layer_matmuls(m, 1.0, outs, ins);
        for (size_t i = 1; i < n; i += 2)
            flops += 2.0 * outs[i] * ins[i];
        return m->layers * flops;
    }
    return 0;
}

/* The ranks that reduce gradients together: data-parallel replicas times the context-parallel
 * ranks of each (Megatron-Core's data-parallel-with-context-parallel group). */
static double gradient_ranks(const sp_mem_config *c)
{
    return c->dp * c->cp;
}

/* Bus bandwidth of the data-parallel group. Megatron orders ranks tp, then dp, so a
 * node holds min(dp, per_node/tp) members of a group. Across nodes NCCL runs one ring per
 * NIC (rail-optimised), so the group moves k NICs' worth: bus bandwidth = min(NVLink,
 * k x NIC) (nccl-tests: ~185 GB/s across DGX A100 nodes with 8 x 25 GB/s NICs). */
/* Nodes the data-parallel group spans: min(n, per_node / tp) members share a node. */
static double data_parallel_nodes(const step_ctx *x)
{
    double n = gradient_ranks(x->c);
    return ceil(n / fmin(n, fmax(1.0, floor(x->a->per_node / x->c->tp))));
}

static double data_parallel_bandwidth(const step_ctx *x)
{
    const sp_accel *a = x->a;
    const sp_mem_config *c = x->c;
    double intra = sp_intra_node_bus_bytes_per_s(a, x->k), n = gradient_ranks(c);
    if (n * c->tp <= a->per_node)
        return intra;
    double per_node = fmin(n, fmax(1.0, floor(a->per_node / c->tp)));
    return fmin(intra, per_node * a->inter_node_bytes_per_s * x->k->inter_link_efficiency);
}

/* Data-parallel traffic: gradient all-reduce (ZeRO 0-2 move the same bytes as
 * reduce-scatter + all-gather), or ZeRO-3's gather-gather-scatter per micro-batch. */
static double data_parallel_s(const step_ctx *x, const sp_memory *mem,
                              const stage_times *st, double microbatches)
{
    const sp_mem_config *c = x->c;
    double n = gradient_ranks(c);
    if (n <= 1)
        return 0;
    double bandwidth = data_parallel_bandwidth(x);
    double params = mem->params_per_gpu;
    sp_precision_bytes b = sp_precision_bytes_of(c);
    if (c->zero >= 3) {
        /* All-gather of the compute weights for forward and backward, reduce-scatter of the
         * gradients: (n-1)/n of each per micro-batch, prefetched under its compute (ZeRO sec. 7.2.2). */
        double bytes = (2.0 * b.compute + b.gradients) * params;
        /* FSDP gathers and scatters one wrapped block (a layer) at a time, each its own NCCL call. */
        double calls = 3.0 * ceil(x->m->layers / c->pp);
        double latency = nccl_latency_s(x->k, n, data_parallel_nodes(x), false);
        double per_mb = (n - 1.0) / n * bytes / bandwidth + calls * latency;
        double compute = st->forward_s + st->backward_s + st->recompute_s;
        double first_gather = (n - 1.0) / n * b.compute * params / bandwidth + calls / 3.0 * latency;
        return microbatches * sp_exposed_s(per_mb, compute, x->k) + first_gather; /* nothing hides the first */
    }
    double total = allreduce_s(x, params * b.gradients, n, data_parallel_nodes(x), bandwidth);
    /* DDP buckets gradients and overlaps the all-reduce with the last backward (Li et al.
     * 2020); Megatron's pipeline engine reduces after the flush (Narayanan et al. 2021). */
    if (c->pp == 1)
        return sp_exposed_s(total, st->backward_s, x->k);
    return total;
}

/* The optimizer step reads weights, gradients and its state (master and moments) and writes
 * weights and state: element-wise over the GPU's shard (the optimizer bytes are that shard's
 * already under ZeRO >= 1). Mixed-precision Adam: 2 + 2 + 12 read, 2 + 12 written. */
static double optimizer_s(const step_ctx *x, const sp_memory *mem)
{
    const sp_mem_config *c = x->c;
    sp_precision_bytes b = sp_precision_bytes_of(c);
    double shard = mem->params_per_gpu / (c->zero >= 1 ? gradient_ranks(c) : 1.0);
    return (shard * (2.0 * b.updated + b.gradients) + 2.0 * mem->optimizer_bytes) / x->hbm;
}

static sp_status check_step(const sp_model *m, const sp_mem_config *c, double global_batch, sp_error *err)
{
    if (!sp_model_has_shape(m))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model", "a training time needs the model's shape");
    if (!sp_whole_in(global_batch, 1, 1e9))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "global-batch", "must be a whole number >= 1");
    if (!sp_divides(c->dp * c->micro_batch, global_batch))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "global-batch",
                       "%g is not a multiple of dp x micro-batch (%g)", global_batch, c->dp * c->micro_batch);
    return SP_OK;
}

/* A layout wider than one node sends gradients and activations between nodes; a part that
 * publishes no inter-node network (inter_node_bytes_per_s 0) cannot run it. */
static bool spans_nodes_without_network(const sp_accel *a, const sp_mem_config *c)
{
    return c->dp * c->tp * c->pp * c->cp > a->per_node && !(a->inter_node_bytes_per_s > 0);
}

sp_status sp_train_step(const sp_model *model, const sp_accel *accel, const sp_mem_config *config,
                        double global_batch, const sp_perf_constants *perf, sp_step *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_status status = sp_mem_config_check(model, config, err);
    if (status == SP_OK)
        status = check_step(model, config, global_batch, err);
    if (status != SP_OK)
        return status;
    if (!(sp_train_peak(accel, config->precision) > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision", "%s has no %s throughput in the catalog", accel->name,
                       sp_precision_name(config->precision));
    if (spans_nodes_without_network(accel, config))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpus", "%s has no published inter-node network: at most %g GPUs",
                       accel->name, accel->per_node);
    /* The step reads only parameters and optimizer bytes per GPU, which the overhead constants
     * (CUDA context, fragmentation, serving chunk, int4 groups) do not touch. */
    sp_memory mem;
    sp_memory_constants no_overheads = {.prefill_chunk_tokens = 1, .int4_group_size = 128};
    if (sp_memory_estimate(model, config, &no_overheads, 0, &mem, err) != SP_OK)
        return SP_ERR_INPUT;
    return sp_train_step_known_memory(model, accel, config, global_batch, perf, &mem, out);
}

/* The search has already checked the layout and sized its memory. */
sp_status sp_train_step_known_memory(const sp_model *model, const sp_accel *accel, const sp_mem_config *config,
                                     double global_batch, const sp_perf_constants *perf, const sp_memory *memory,
                                     sp_step *out)
{
    return sp_train_step_memo(model, accel, config, global_batch, perf, memory, NULL, out);
}

bool sp_ep_overlap_applies(const sp_model *model, const sp_mem_config *config)
{
    return config->ep_overlap && config->ep > 1 && (!model || model->experts > 1) &&
           config->recompute != SP_RECOMPUTE_FULL &&
           (config->pp <= 1 || config->interleave > 1);
}

bool sp_tp_overlap_applies(const sp_mem_config *config)
{
    /* Megatron-Core's, not torchtitan's: an FSDP2 layout (NVFP4 aside, always Megatron's) has none. */
    return config->tp_overlap && config->tp > 1 && config->sequence_parallel &&
           (!sp_layout_is_fsdp2(config) || config->precision == SP_PREC_NVFP4);
}

double sp_train_host_launch_s(const sp_model *model, const sp_mem_config *config, double microbatches,
                              const sp_perf_constants *perf)
{
    double passes = config->recompute == SP_RECOMPUTE_FULL ? 3.0 : 2.0;
    return ceil(model->layers / fmax(1.0, config->pp)) * passes * fmax(1.0, microbatches) *
           perf->eager_host_s_per_layer_pass;
}

sp_status sp_train_step_memo(const sp_model *model, const sp_accel *accel, const sp_mem_config *config,
                             double global_batch, const sp_perf_constants *perf, const sp_memory *memory,
                             sp_step_memo *memo, sp_step *out)
{
    static const sp_step none; /* a copy, not memset: see sp_memory_estimate_memo */
    *out = none;
    if (!sp_divides(config->dp * config->micro_batch, global_batch) || !(sp_train_peak(accel, config->precision) > 0) ||
        spans_nodes_without_network(accel, config))
        return SP_ERR_INPUT;
    double share_16bit = (accel->matmul_efficiency > 0 ? accel->matmul_efficiency : perf->matmul_efficiency) *
                         perf->sustained_fraction;
    bool nvfp4 = config->precision == SP_PREC_NVFP4;
    step_ctx x = {model, config, perf, sp_train_peak(accel, config->precision),
                  /* FP4 GEMMs reach a smaller share of their peak (the catalog's fp4_matmul_efficiency). */
                  nvfp4 && accel->fp4_matmul_efficiency > 0 ? accel->fp4_matmul_efficiency * perf->sustained_fraction
                                                            : share_16bit,
                  accel->hbm_bytes_per_s * perf->memory_efficiency,
                  config->precision == SP_PREC_FP32 ? 4.0 : 2.0, config->seq / config->cp * config->micro_batch,
                  model->heads * model->head_dim, model->kv_heads * model->head_dim, 0, accel,
                  nvfp4 ? 0.5
                  : (config->precision == SP_PREC_FP8 && accel->fp8_flops_per_s > 0) ||
                          config->precision == SP_PREC_MXFP8 || config->precision == SP_PREC_FP8_ROWWISE
                      ? 1.0
                      : 2.0,
                  config->precision == SP_PREC_MXFP8, config->precision == SP_PREC_FP8_ROWWISE,
                  config->precision == SP_PREC_FP32 ? accel->fp32_flops_per_s : accel->bf16_flops_per_s, share_16bit};
    x.attention = sp_attention_share(accel, perf, share_16bit);
    const sp_memory *mem = memory;
    sp_layer_costs costs = remembered_costs(&x, memo);
    stage_times st = stage(&x, &costs);
    double m = global_batch / (config->dp * config->micro_batch);
    /* Userbuffers split each sequence-parallel all-gather and reduce-scatter into chunks that run
     * under the GEMM beside it (Transformer Engine's comm-GEMM overlap; Wang et al. 2022, "Overlap
     * communication with dependent computation"): only what a layer's GEMMs cannot cover stays
     * exposed, and the covered part costs the SMs the communication takes. */
    if (sp_tp_overlap_applies(config)) {
        double cover = ceil(model->layers / config->pp) * costs.tp_gemms *
                       (3.0 + (config->recompute == SP_RECOMPUTE_FULL ? 1.0 : 0.0));
        st.tp_comm_s = sp_exposed_s(st.tp_comm_s, cover, perf);
    }
    /* Overlapped, a micro-batch's dispatch and combine run under another micro-batch's forward and
     * backward (Megatron-Core's 1F1B A2A overlap, after DeepSeek-V3's DualPipe, sec. 3.2.1): only
     * what that compute cannot cover stays exposed. It needs a second micro-batch in flight. */
    bool ep_overlapped = sp_ep_overlap_applies(model, config) && m >= 2;
    if (ep_overlapped)
        st.ep_comm_s = sp_exposed_s(st.ep_comm_s, st.forward_s + st.backward_s, perf);
    double per_mb =
        st.forward_s + st.backward_s + st.recompute_s + st.tp_comm_s + st.logits_s + st.ep_comm_s + st.cp_comm_s;
    /* 1F1B: (m + (p - 1)/v) micro-batch slots (Narayanan et al. 2021, eq. 1-2). */
    double bubble_slots = (config->pp - 1.0) / config->interleave;
    out->microbatches = m;
    out->ep_overlapped = ep_overlapped;
    out->compute_s = m * (st.forward_s + st.backward_s + st.recompute_s + st.logits_s);
    out->tp_comm_s = m * st.tp_comm_s;
    out->ep_comm_s = m * st.ep_comm_s;
    out->cp_comm_s = m * st.cp_comm_s;
    out->bubble_s = bubble_slots * per_mb;
    if (config->pp > 1) {
        /* Ranks go tp, then dp, pp outermost (as data_parallel_bandwidth): neighbouring stages
         * are tp x dp ranks apart, so sends leave the node once the job spans more than one. */
        bool crosses = config->tp * config->cp * config->dp * config->pp > accel->per_node;
        double bw = crosses ? accel->inter_node_bytes_per_s * perf->inter_link_efficiency
                            : sp_intra_node_bus_bytes_per_s(accel, perf);
        double send = x.tokens * model->hidden * x.e / config->tp / bw + perf->collective_latency_s;
        out->pp_comm_s = 2.0 * config->interleave * m * send;
    }
    out->dp_comm_s = data_parallel_s(&x, mem, &st, m);
    out->optimizer_s = optimizer_s(&x, mem);
    out->step_time_s = out->compute_s + out->tp_comm_s + out->ep_comm_s + out->cp_comm_s + out->bubble_s +
                       out->pp_comm_s + out->dp_comm_s + out->optimizer_s;
    out->uncapped_step_time_s = out->step_time_s;
    double gpus = config->dp * config->tp * config->pp * config->cp;
    double tokens = global_batch * config->seq;
    out->tokens_per_s = tokens / out->step_time_s;
    double model_flops = 3.0 * remembered_flops_per_token(model, config->seq, memo) * tokens;
    double hardware_flops = model_flops + recompute_flops_per_token(model, config) * tokens;
    out->model_flops_per_gpu = model_flops / out->step_time_s / gpus;
    out->hardware_flops_per_gpu = hardware_flops / out->step_time_s / gpus;
    out->mfu = out->model_flops_per_gpu / x.peak;
    out->hfu = out->hardware_flops_per_gpu / x.peak;
    return SP_OK;
}
