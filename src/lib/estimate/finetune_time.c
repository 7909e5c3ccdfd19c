/* finetune_time.c - time of one fine-tuning step on one GPU: the GEMMs a frozen base still
 * pays, adapters, recompute, 4-bit dequantisation, FSDP/DDP collectives, offload, optimizer. */
#include "estimate_internal.h"

#include <math.h>
#include <string.h>

typedef struct {
    const sp_model *m;
    const sp_ft_config *c;
    const sp_accel *a;
    const sp_perf_constants *k;
    double peak, matmul, hbm, tokens;
    double element_bytes; /* what the GEMMs and element-wise kernels read: 4 in fp32, else 2 */
} ft_ctx;

static double gemm_s(const ft_ctx *x, double m, double n, double k)
{
    return sp_gemm_time_s(m, n, k, x->peak, x->matmul, x->k->gemm_saturation_dim, x->hbm, x->element_bytes, x->element_bytes);
}

typedef struct {
    double forward_s, backward_s;
} pass_times;

/* GEMMs of one block: the base's forward, its data gradient (every layer: the adapters below
 * need it), its weight gradient only when it trains, and the adapters' small GEMMs. */
static pass_times block_gemms(const ft_ctx *x)
{
    const sp_model *m = x->m;
    bool full = x->c->method == SP_METHOD_FULL;
    pass_times t = {0, 0};
    for (int i = 0; i < 7; i++) {
        sp_ft_projection p = sp_ft_projection_of(m, 1u << i);
        if (p.copies == 0)
            continue;
        /* An MoE expert multiplies only the tokens routed to it (top-k of E). */
        double rows = p.copies > 1 ? x->tokens * m->experts_per_token / m->experts : x->tokens;
        double base = p.copies * gemm_s(x, rows, p.out, p.in);
        t.forward_s += base;
        t.backward_s += base * (full ? 2.0 : 1.0);
        if (full || !(x->c->targets & (1u << i)))
            continue;
        double r = x->c->lora_rank;
        double adapter = p.copies * (gemm_s(x, rows, r, p.in) + gemm_s(x, rows, p.out, r));
        t.forward_s += adapter;
        t.backward_s += 2.0 * adapter;
    }
    return t;
}

/* Element-wise traffic of one block's forward, per token (the kernels Korthikanti et al. 2022,
 * sec. 4.1 count): each norm reads and writes h, the two residual adds read two and write one,
 * the MLP activation reads its inputs and writes one. */
static double block_elementwise_s(const ft_ctx *x)
{
    const sp_model *m = x->m;
    double active = m->experts > 1 ? m->experts_per_token : 1.0;
    double elements = m->norms_per_layer * 2.0 * m->hidden + 6.0 * m->hidden +
                      (m->ffn_kind == SP_FFN_SWIGLU ? 3.0 : 2.0) * m->ffn * active;
    double bytes = elements * x->element_bytes;
    /* PEFT's adapters add their own passes: dropout reads the input and writes it with a
     * 1-byte mask, and the scaled adapter output is added to the base output (peft lora/layer.py). */
    if (x->c->method != SP_METHOD_FULL) {
        for (int i = 0; i < 7; i++) {
            sp_ft_projection p = sp_ft_projection_of(m, 1u << i);
            if ((x->c->targets & (1u << i)) && p.copies > 0)
                bytes += (x->c->lora_dropout > 0 ? 5.0 * p.in : 0.0) + 3.0 * x->element_bytes * p.out * (p.copies > 1 ? active : 1.0);
        }
    }
    return x->tokens * bytes / x->hbm;
}

/* What Hugging Face's eager modules add to block_elementwise_s's one read and write of each
 * tensor (sp_eager_module_bytes, counted from transformers' modeling_llama.py). Fused kernels
 * (Liger, Unsloth, torch.compile) add nothing. */
static double eager_modules_s(const ft_ctx *x)
{
    if (x->c->fused_kernels)
        return 0.0;
    return x->tokens * sp_eager_module_bytes(x->m, x->m->hidden, 1.0) / x->hbm;
}

/* The host time eager PyTorch takes to issue one micro-step of an adapter fine-tune: every layer
 * once for the forward, once for the backward and once more when checkpointing reruns the forward.
 * Fused kernels (torch.compile, Liger, Unsloth) issue far fewer launches and are taken as GPU-bound. */
static double eager_launch_s(const ft_ctx *x)
{
    /* Read off LoRA runs, whose adapters are a third of a layer's ops: not applied to full fine-tunes,
     * which launch fewer (no measurement of theirs is published here). */
    if (x->c->fused_kernels || x->c->method == SP_METHOD_FULL)
        return 0.0;
    return x->m->layers * (x->c->checkpointing ? 3.0 : 2.0) * x->k->eager_host_s_per_layer_pass;
}

/* Causal FlashAttention forward: 2 s (q + v) FLOPs a token, QK^T over the query-key width and the
 * product with V over the value width (MLA's differ), over half the score matrix (Dao 2023). */
static double attention_s(const ft_ctx *x, const sp_perf_constants *perf)
{
    double q = x->m->heads * x->m->head_dim, v = sp_attention_value_width(x->m);
    double flops = 2.0 * x->tokens * x->c->seq * (q + v) * (x->c->flash_attention ? 0.5 : 1.0);
    return flops / (x->peak * sp_attention_share(x->a, perf, x->matmul));
}

/* bitsandbytes unpacks a whole 4-bit weight to the compute dtype before each GEMM
 * (bitsandbytes autograd MatMul4Bit: dequantize_4bit in forward and in backward): read the
 * packed weight and its constants, write the unpacked copy (memory-bound). */
static double dequant_pass_s(const ft_ctx *x, const sp_ft_memory *mem, const sp_ft_constants *k)
{
    if (x->c->quant == SP_QUANT_NONE)
        return 0;
    double packed, constants;
    sp_ft_quant_bytes(x->c, k, &packed, &constants);
    return sp_ft_quantized_params(x->m, mem->params) * (packed + constants + x->element_bytes) / x->hbm;
}

/* DoRA (Liu et al. 2024; PEFT tuners/lora/dora.py DoraLinearLayer.forward) in each adapted linear's
 * forward: builds B A as a d_out x d_in matrix, scales it and adds the base weight (dequantised
 * first under a quantised base, PEFT's dequantize_module_weight), and takes the rows' norm: write 2,
 * read 2 and write 2, read 4 and write 2, read 2, 14 bytes an element of the weight, all detached
 * (no backward); then rescales the output, (m / |W + BA| - 1) x base + m / |W + BA| x s x lora: about
 * five passes over tokens x d_out in the forward and ten in the backward. Per forward pass, and the
 * backward's share. Memory-bound. */
static double dora_forward_s(const ft_ctx *x, const sp_ft_constants *k, double *backward_s)
{
    *backward_s = 0;
    if (x->c->method != SP_METHOD_DORA)
        return 0;
    double packed = 0, constants = 0;
    if (x->c->quant != SP_QUANT_NONE)
        sp_ft_quant_bytes(x->c, k, &packed, &constants);
    double unpack = x->c->quant != SP_QUANT_NONE ? packed + constants + x->element_bytes : 0.0;
    double weights = 0, outputs = 0;
    for (int i = 0; i < 7; i++) {
        sp_ft_projection p = sp_ft_projection_of(x->m, 1u << i);
        if (p.copies == 0 || !(x->c->targets & (1u << i)))
            continue;
        weights += p.copies * p.out * p.in;
        outputs += p.copies * p.out;
    }
    double rescale = 5.0 * x->tokens * outputs * x->element_bytes;
    *backward_s = x->m->layers * 2.0 * rescale / x->hbm;
    return x->m->layers * (weights * (14.0 + unpack) + rescale) / x->hbm;
}

/* The bus bandwidth of the job's collectives: within a server the accelerator's link (PCIe
 * for consumer cards), across servers its network. */
static double link_bytes_per_s(const ft_ctx *x)
{
    if (x->c->gpus <= x->a->per_node)
        return sp_intra_node_bus_bytes_per_s(x->a, x->k);
    return fmin(sp_intra_node_bus_bytes_per_s(x->a, x->k),
                x->a->per_node * x->a->inter_node_bytes_per_s * x->k->inter_link_efficiency);
}

/* Per step: FSDP gathers the base for forward and for backward (checkpointing recomputes inside
 * the backward's gather) and reduce-scatters the trainable gradients, three collectives a layer
 * (Zhao et al. 2023, PyTorch FSDP, sec. 3.2); DDP all-reduces them (Patarasuk and Yuan 2009:
 * 2(n-1)/n of the bytes for a ring all-reduce). */
static double collective_s(const ft_ctx *x, const sp_ft_memory *mem, double grad_bytes, double compute_s,
                           double backward_s)
{
    double n = x->c->gpus;
    if (n <= 1)
        return 0;
    double bw = link_bytes_per_s(x), latency = x->k->collective_latency_s;
    if (x->c->fsdp) {
        /* What is gathered is the parameters, on the GPU or streamed in from the host. */
        double storage = (mem->base_bytes + mem->quant_constants_bytes + mem->trainable_bytes + mem->host_param_bytes) * n;
        double bytes = (n - 1.0) / n * (2.0 * storage + grad_bytes * n);
        return sp_exposed_s(bytes / bw + 3.0 * x->m->layers * latency, compute_s, x->k);
    }
    double allreduce = 2.0 * (n - 1.0) / n * grad_bytes * n / bw + latency;
    return sp_exposed_s(allreduce, backward_s, x->k);
}

/* Offloaded state crosses the host link and the update runs on the CPU (Ren et al. 2021,
 * ZeRO-Offload, sec. 4): FSDP param offload brings each GPU's shard in for the forward and
 * again for the backward; the gradients go out and the updated weights come back. */
static double offload_s(const ft_ctx *x, const sp_ft_memory *mem, double trainable_per_gpu, double compute_s)
{
    if (x->c->offload == SP_OFFLOAD_NONE)
        return 0;
    double host = x->k->host_link_bytes_per_s;
    sp_precision_bytes b = sp_ft_precision_bytes(x->c);
    double update = trainable_per_gpu * (b.gradients + b.compute); /* gradients out, weights back */
    double params = 2.0 * mem->host_param_bytes; /* in for the forward, again for the backward */
    return sp_exposed_s((params + update) / host, compute_s, x->k) +
           trainable_per_gpu / x->k->host_adam_params_per_s;
}

sp_status sp_ft_card_check(const sp_accel *a, const sp_ft_config *c, sp_error *err)
{
    if (!(sp_train_peak(a, c->precision) > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "precision", "%s has no %s throughput in the catalog", a->name,
                       sp_precision_name(c->precision));
    /* bitsandbytes and AutoGPTQ ship CUDA (and ROCm) kernels; XLA, Neuron and Gaudi have neither. */
    sp_stack stack = sp_accel_stack(a);
    if (c->quant != SP_QUANT_NONE && stack != SP_STACK_CUDA && stack != SP_STACK_ROCM)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "quant", "%s runs %s: no %s kernels (bitsandbytes and GPTQ run on CUDA or ROCm)",
                       a->name, sp_stack_name(stack), sp_quant_name(c->quant));
    if (c->gpus > a->per_node && !(a->inter_node_bytes_per_s > 0))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpus",
                       "%s has no published inter-node network: at most %g GPUs", a->name, a->per_node);
    return SP_OK;
}

sp_status sp_ft_step_estimate(const sp_model *m, const sp_accel *a, const sp_ft_config *given, const sp_ft_constants *k,
                              const sp_perf_constants *perf, sp_ft_step *out, sp_error *err)
{
    const sp_ft_config adapted = sp_ft_as_found(m, given), *c = &adapted;
    memset(out, 0, sizeof *out);
    sp_ft_memory mem;
    sp_status s = sp_ft_memory_estimate(m, c, k, 0, &mem, err);
    if (s == SP_OK)
        s = sp_ft_card_check(a, c, err);
    if (s != SP_OK)
        return s;
    double matmul = (a->matmul_efficiency > 0 ? a->matmul_efficiency : perf->matmul_efficiency) * perf->sustained_fraction;
    sp_precision_bytes b = sp_ft_precision_bytes(c);
    ft_ctx x = {m, c, a, perf, sp_train_peak(a, c->precision), matmul, a->hbm_bytes_per_s * perf->memory_efficiency,
                c->micro_batch * c->seq, b.compute};
    pass_times g = block_gemms(&x);
    double attention = attention_s(&x, perf), elementwise = block_elementwise_s(&x) + eager_modules_s(&x);
    double forward = m->layers * (g.forward_s + attention + elementwise);
    /* FlashAttention's backward does 2.5x its forward (Dao 2023); element-wise twice. */
    double backward = m->layers * (g.backward_s + 2.5 * attention + 2.0 * elementwise);
    bool head_trains = c->method == SP_METHOD_FULL || c->train_embeddings;
    /* The output GEMM forward, its data gradient and (when the head trains) its weight gradient;
     * HF upcasts the logits to fp32 (LlamaForCausalLM: logits.float()), which are written, read
     * by the loss, and its gradient written and read: four passes. */
    double logits = (head_trains ? 3.0 : 2.0) * gemm_s(&x, x.tokens, m->vocab, m->hidden) +
                    x.tokens * m->vocab * 4.0 * 4.0 / x.hbm;
    out->recompute_s = c->checkpointing ? forward : 0.0;
    /* One unpack for the forward and one for the backward's data gradient; checkpointing
     * reruns the forward and so unpacks once more. */
    out->dequant_s = dequant_pass_s(&x, &mem, k) * (c->checkpointing ? 3.0 : 2.0);
    double dora_backward = 0, dora_forward = dora_forward_s(&x, k, &dora_backward);
    out->dora_s = dora_forward * (c->checkpointing ? 2.0 : 1.0) + dora_backward; /* the recompute reruns it */
    out->compute_s = forward + backward + logits;
    double shard = c->fsdp ? c->gpus : 1.0;
    double trainable_per_gpu = mem.trainable_params / shard;
    double busy = out->compute_s + out->recompute_s + out->dequant_s + out->dora_s;
    /* Eager PyTorch launches each layer's kernels one Python op at a time; when the GPU runs a
     * micro-step faster than the host issues it, the GPU waits (perf.yaml eager_host_s_per_layer_pass). */
    out->host_wait_s = fmax(0.0, eager_launch_s(&x) - busy);
    busy += out->host_wait_s;
    out->link_bytes_per_s = c->gpus > 1 ? link_bytes_per_s(&x) : 0.0;
    out->comm_s = collective_s(&x, &mem, trainable_per_gpu * b.gradients, busy, backward);
    out->offload_s = offload_s(&x, &mem, trainable_per_gpu, busy);
    /* The update reads weights, gradients and state and writes weights and state (torch
     * foreach AdamW, memory-bound: one pass over each). */
    if (c->offload == SP_OFFLOAD_NONE)
        out->optimizer_s = trainable_per_gpu * (2.0 * b.updated + b.gradients + 2.0 * sp_ft_optimizer_bytes(c)) / x.hbm;
    out->step_time_s = busy + out->comm_s + out->offload_s + out->optimizer_s;
    out->tokens_per_s_per_gpu = x.tokens / out->step_time_s;
    out->tokens_per_s = out->tokens_per_s_per_gpu * c->gpus;
    return SP_OK;
}
