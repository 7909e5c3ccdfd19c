/* megatron.c - the Megatron-LM arguments of a chosen layout (megatron/training/arguments.py):
 * every parallel dimension, the model's shape, the batch, precision, recompute, the optimizer's
 * schedule (data/launch.yaml) and checkpointing, one flag a line of a bash array. */
#include "launch_internal.h"

#include <math.h>
#include <string.h>

static void flag(sp_buf *b, const char *name) { sp_buf_printf(b, "    %s\n", name); }
static void whole(sp_buf *b, const char *name, double v) { sp_buf_printf(b, "    %s %.0f\n", name, v); }
static void real(sp_buf *b, const char *name, double v) { sp_buf_printf(b, "    %s %.6g\n", name, v); }

/* Layers of the first and last stage when the pipeline does not divide the layers: the middle
 * stages carry ceil(L/pp), as the time model assumes, and the ends share the rest (Llama 3
 * 405B: 126 layers on 16 stages, 7 at each end; Megatron's --decoder-first/last-pipeline-num-layers).
 * False when an end would be empty. */
static bool uneven_ends(double layers, double pp, double *first, double *last)
{
    double middle = ceil(layers / pp);
    double rest = pp > 2 ? layers - (pp - 2) * middle : layers - middle;
    if (pp == 2) {
        *first = middle;
        *last = rest;
        return rest >= 1;
    }
    *first = floor(rest / 2);
    *last = rest - *first;
    return *first >= 1;
}

/* Virtual stages that do not cut the layers evenly, as Megatron-LM's
 * --pipeline-model-parallel-layout writes them in model order ("Et*7|t*8|...|t*7L": E the
 * embedding, t a layer, L the loss), sp_virtual_stage_layers a stage. */
static void layout_arg(sp_buf *b, int layers, int stages)
{
    sp_buf_puts(b, "    --pipeline-model-parallel-layout \"");
    for (int i = 0; i < stages; i++)
        sp_buf_printf(b, "%s%st*%d%s", i > 0 ? "|" : "", i == 0 ? "E" : "", sp_virtual_stage_layers(layers, stages, i),
                      i == stages - 1 ? "L" : "");
    sp_buf_puts(b, "\"\n");
}

static sp_status parallel_args(const sp_launch_ctx *c, sp_buf *b, sp_error *err)
{
    const sp_mem_config *k = &c->plan->run.config;
    const sp_model *m = &c->plan->model;
    if (k->pp > 1 && k->pp * k->interleave > m->layers)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "interleave",
                       "pp x interleave (%.0f) is more stages than the %.0f layers", k->pp * k->interleave, m->layers);
    whole(b, "--tensor-model-parallel-size", k->tp);
    whole(b, "--pipeline-model-parallel-size", k->pp);
    if (k->pp > 1 && k->interleave > 1 && !sp_divides(k->pp * k->interleave, m->layers)) {
        layout_arg(b, (int)m->layers, (int)(k->pp * k->interleave));
    } else if (k->pp > 1 && k->interleave > 1) {
        whole(b, "--num-virtual-stages-per-pipeline-rank", k->interleave);
    } else if (k->pp > 1 && !sp_divides(k->pp, m->layers)) {
        double first = 0, last = 0;
        if (!uneven_ends(m->layers, k->pp, &first, &last))
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "pp",
                           "Megatron-LM cannot split %.0f layers over %.0f pipeline stages (an end stage would be empty)",
                           m->layers, k->pp);
        whole(b, "--decoder-first-pipeline-num-layers", first);
        whole(b, "--decoder-last-pipeline-num-layers", last);
    }
    if (k->cp > 1)
        whole(b, "--context-parallel-size", k->cp);
    if (m->experts > 1) {
        whole(b, "--expert-model-parallel-size", k->ep);
        whole(b, "--expert-tensor-parallel-size", k->etp);
        /* The all-to-all under another micro-batch's compute, with the weight gradients deferred so
         * there is compute to hide it under (Megatron-Bridge's set_moe_a2a_overlap_overrides). */
        if (c->plan->run.step.ep_overlapped) {
            flag(b, "--overlap-moe-expert-parallel-comm");
            flag(b, "--delay-wgrad-compute");
        }
    }
    if (k->sequence_parallel && k->tp > 1)
        flag(b, "--sequence-parallel");
    if (sp_tp_overlap_applies(k)) /* Transformer Engine userbuffers: TP communication under the GEMMs */
        flag(b, "--tp-comm-overlap");
    /* Gradients sharded (ZeRO-2), parameters too (ZeRO-3): Megatron-FSDP (megatron/core/distributed/
     * fsdp); the distributed optimizer alone shards the optimizer state and keeps every gradient. */
    if (k->zero >= 2) {
        flag(b, "--use-megatron-fsdp");
        sp_buf_printf(b, "    --data-parallel-sharding-strategy %s\n", k->zero >= 3 ? "optim_grads_params" : "optim_grads");
    }
    if (k->zero >= 1)
        flag(b, "--use-distributed-optimizer");
    if (k->zero >= 1 && k->zero < 3) /* the overlap the time model assumes for DP traffic */
        flag(b, "--overlap-grad-reduce"), flag(b, "--overlap-param-gather");
    return SP_OK;
}

static void shape_args(const sp_launch_ctx *c, sp_buf *b)
{
    const sp_model *m = &c->plan->model;
    const sp_mem_config *k = &c->plan->run.config;
    whole(b, "--num-layers", m->layers);
    whole(b, "--hidden-size", m->hidden);
    whole(b, "--ffn-hidden-size", m->dense_ffn > 0 ? m->dense_ffn : m->ffn);
    whole(b, "--num-attention-heads", m->heads);
    if (m->kv_heads < m->heads && m->kv_lora_rank <= 0) {
        flag(b, "--group-query-attention");
        whole(b, "--num-query-groups", m->kv_heads);
    }
    if (m->head_dim > 0 && m->head_dim * m->heads != m->hidden && m->kv_lora_rank <= 0)
        whole(b, "--kv-channels", m->head_dim);
    if (m->kv_lora_rank > 0) { /* DeepSeek-V2/V3 multi-latent attention */
        flag(b, "--multi-latent-attention");
        if (m->q_lora_rank > 0)
            whole(b, "--q-lora-rank", m->q_lora_rank);
        whole(b, "--kv-lora-rank", m->kv_lora_rank);
        whole(b, "--qk-head-dim", m->qk_nope_head_dim);
        whole(b, "--qk-pos-emb-head-dim", m->qk_rope_head_dim);
        whole(b, "--v-head-dim", m->v_head_dim);
    }
    /* MLA's q_a and kv_a norms (DeepSeek-V2/V3) are Megatron's q_layernorm and kv_layernorm, which
     * its MLA layer spec builds only under --qk-layernorm (IdentityOp otherwise). */
    if (m->qk_norm || m->kv_lora_rank > 0)
        flag(b, "--qk-layernorm");
    if (m->experts > 1) {
        whole(b, "--num-experts", m->experts);
        whole(b, "--moe-router-topk", m->experts_per_token);
        /* DeepSeek-V3's router as config.json states it: sigmoid scores, experts in n_group groups
         * of which topk_group a token may use, weights x routed_scaling_factor, and the per-expert
         * bias of its auxiliary-loss-free balancing (topk_method noaux_tc). */
        if (m->router_sigmoid)
            sp_buf_puts(b, "    --moe-router-score-function sigmoid\n");
        if (m->router_groups > 1) {
            whole(b, "--moe-router-num-groups", m->router_groups);
            whole(b, "--moe-router-group-topk", m->router_group_topk);
        }
        if (m->router_scaling > 0 && m->router_scaling != 1)
            real(b, "--moe-router-topk-scaling-factor", m->router_scaling);
        if (m->router_balance_bias)
            flag(b, "--moe-router-enable-expert-bias");
        /* A softmax router needs its balancing loss: config.json's weight, else data/launch.yaml's
         * (Megatron's default is none); DeepSeek-V3's bias balances without one. */
        else {
            sp_buf_puts(b, "    --moe-router-load-balancing-type aux_loss\n");
            real(b, "--moe-aux-loss-coeff",
                 m->router_aux_loss_coef > 0 ? m->router_aux_loss_coef : c->rules->launch.moe_aux_loss_coeff);
        }
        whole(b, "--moe-ffn-hidden-size", m->ffn);
        if (m->shared_experts > 0)
            whole(b, "--moe-shared-expert-intermediate-size", m->shared_experts * m->ffn);
        /* Where the dense layers sit, as a Python list expression: Llama 4's every step-th layer
         * routed (HF: layer i when (i + 1) % step == 0), DeepSeek's first layers dense. */
        if (m->dense_layers > 0 && m->moe_layer_step > 1) {
            double rounds = floor(m->layers / m->moe_layer_step), tail = m->layers - rounds * m->moe_layer_step;
            sp_buf_printf(b, "    --moe-layer-freq '([0]*%.0f+[1])*%.0f%s", m->moe_layer_step - 1, rounds,
                          tail > 0 ? "+[0]*" : "'\n");
            if (tail > 0)
                sp_buf_printf(b, "%.0f'\n", tail);
        } else if (m->dense_layers > 0)
            sp_buf_printf(b, "    --moe-layer-freq '[0]*%.0f+[1]*%.0f'\n", m->dense_layers, m->layers - m->dense_layers);
        flag(b, "--moe-grouped-gemm");
        sp_buf_puts(b, "    --moe-token-dispatcher-type alltoall\n");
    }
    whole(b, "--seq-length", k->seq);
    whole(b, "--max-position-embeddings", fmax(k->seq, m->seq));
    whole(b, "--vocab-size", m->vocab);
    if (m->ffn_kind == SP_FFN_SWIGLU)
        flag(b, "--swiglu");
    sp_buf_printf(b, "    --normalization %s\n", m->norm_bias ? "LayerNorm" : "RMSNorm");
    sp_buf_printf(b, "    --position-embedding-type %s\n", m->learned_positions > 0 ? "learned_absolute" : "rope");
    /* The model's own base: Megatron's default (10000) would train Llama 3 (500000) or Qwen3 (1e6)
     * with other positions than the named model's. */
    if (!(m->learned_positions > 0) && m->rope_theta > 0)
        sp_buf_printf(b, "    --rotary-base %.0f\n", m->rope_theta);
    if (!(m->learned_positions > 0) && m->rope_llama3_factor > 0) /* Llama 3.1's scaled frequencies */
        sp_buf_printf(b, "    --use-rope-scaling\n    --rope-scaling-factor %g\n", m->rope_llama3_factor);
    if (!m->tied_embeddings)
        flag(b, "--untie-embeddings-and-output-weights");
    if (!m->qkv_bias && !m->out_bias && !m->mlp_bias)
        flag(b, "--disable-bias-linear");
    else if (m->qkv_bias && !m->out_bias && !m->mlp_bias)
        flag(b, "--disable-bias-linear"), flag(b, "--add-qkv-bias"); /* Qwen2's q, k, v biases */
}

/* The step: batch, precision, recompute; the schedule of data/launch.yaml (Llama 2's). */
static void step_args(const sp_launch_ctx *c, sp_buf *b)
{
    const sp_mem_config *k = &c->plan->run.config;
    const sp_launch_data *d = &c->rules->launch;
    double iters = sp_run_steps(c);
    whole(b, "--micro-batch-size", k->micro_batch);
    whole(b, "--global-batch-size", c->plan->run_global_batch);
    whole(b, "--train-iters", iters);
    real(b, "--lr", sp_pretrain_lr(c));
    real(b, "--min-lr", sp_pretrain_lr(c) * d->min_lr_ratio);
    sp_buf_puts(b, "    --lr-decay-style cosine\n");
    whole(b, "--lr-warmup-iters", sp_warmup_steps(c, iters));
    real(b, "--weight-decay", d->weight_decay);
    real(b, "--clip-grad", d->clip_grad);
    real(b, "--adam-beta2", d->adam_beta2);
    if (k->optimizer == SP_OPT_SGD) /* the plan's optimizer (Megatron's default is adam: AdamW) */
        sp_buf_puts(b, "    --optimizer sgd\n");
    if (k->precision != SP_PREC_FP32) /* Megatron trains in fp32 unless told --fp16 or --bf16 */
        flag(b, k->precision == SP_PREC_MIXED_FP16 ? "--fp16" : "--bf16");
    /* Under --bf16 Megatron accumulates and reduces gradients in fp32 unless told otherwise
     * (arguments.py: accumulate_allreduce_grads_in_fp32): the plan's memory and its data-parallel
     * traffic count 16-bit gradients, as NVIDIA's performance recipes run (grad_reduce_in_fp32 off). */
    if (k->precision != SP_PREC_FP32 && k->precision != SP_PREC_MIXED_FP16)
        flag(b, "--grad-reduce-in-bf16");
    if (k->precision == SP_PREC_FP8) { /* Transformer Engine: E4M3 forward, E5M2 gradients */
        sp_buf_puts(b, "    --fp8-format hybrid\n");
        /* Per-tensor scaling, what --precision fp8 is sized as (MXFP8 block scaling is --precision
         * mxfp8): on Blackwell the current ("tensorwise") recipe NVIDIA's Megatron-Bridge runs, on Hopper
         * delayed scaling, Megatron's default. */
        bool blackwell = c->accel && c->accel->fp4_flops_per_s > 0 && c->plan->stack == SP_STACK_CUDA;
        sp_buf_printf(b, "    --fp8-recipe %s\n", blackwell ? "tensorwise" : "delayed");
        /* The weights kept and all-gathered in fp8, as the plan sizes them (estimate_internal.h) and
         * NVIDIA's recipes run (Megatron-Bridge bf16_with_fp8_*_mixed: fp8_param_gather); Megatron
         * allows it with the distributed optimizer only (arguments.py), which ZeRO-1 and up write. */
        if (k->zero >= 1)
            sp_buf_puts(b, "    --fp8-param-gather\n");
    }
    /* NVIDIA's MXFP8 pre-training recipe: E4M3 for every tensor, gradients included (Mishra et al. 2025). */
    if (k->precision == SP_PREC_MXFP8)
        sp_buf_puts(b, "    --fp8-format e4m3\n    --fp8-recipe mxfp8\n");
    /* NVFP4 (Megatron-Bridge's bf16_with_nvfp4_mixed): E2M1 GEMMs, Transformer Engine's NVFP4 recipe. */
    if (k->precision == SP_PREC_NVFP4)
        sp_buf_puts(b, "    --fp4-format e2m1\n    --fp4-recipe nvfp4\n");
    if (k->recompute == SP_RECOMPUTE_FULL) {
        sp_buf_puts(b, "    --recompute-granularity full\n    --recompute-method uniform\n");
        whole(b, "--recompute-num-layers", 1);
    } else if (k->recompute == SP_RECOMPUTE_SELECTIVE || k->recompute == SP_RECOMPUTE_OP) {
        sp_buf_puts(b, "    --recompute-granularity selective\n");
        /* An MoE model's selective recompute, as the plan sizes it (sp_selective_covers_moe): the
         * expert activation and the norms beside the attention core, MLA's up-projections too. */
        const sp_model *m = &c->plan->model;
        if (sp_selective_covers_moe(m, k, k->recompute))
            sp_buf_printf(b, "    --recompute-modules core_attn moe_act layernorm%s\n",
                          m->kv_lora_rank > 0 ? " mla_up_proj" : "");
    }
}

/* Where checkpoints go, how often (about checkpoint_minutes), and a clean exit before a time limit. */
static void checkpoint_args(const sp_launch_ctx *c, sp_buf *b)
{
    double step_s = c->plan->run.step.step_time_s;
    double every = sp_checkpoint_steps(c, step_s);
    sp_buf_puts(b, "    --save \"$CHECKPOINT_DIR\"\n    --load \"$CHECKPOINT_DIR\"\n");
    whole(b, "--save-interval", every);
    sp_buf_puts(b, "    --ckpt-format torch_dist\n");
    if (c->o->time_limit_hours > 0 && c->hours > c->o->time_limit_hours) /* save and exit before Slurm's signal */
        whole(b, "--exit-duration-in-mins",
              floor(c->o->time_limit_hours * 60 - 2 * c->rules->launch.requeue_signal_s / 60));
    whole(b, "--log-interval", 10);
    whole(b, "--eval-iters", 0);
}

sp_status sp_megatron_args(const sp_launch_ctx *c, sp_buf *b, sp_error *err)
{
    char tokenizer[SP_WORD_MAX];
    sp_shell_word(c->plan->model_id, tokenizer, sizeof tokenizer);
    sp_buf_puts(b, "# Megatron-LM's pretrain_gpt.py: the data is yours (an indexed dataset from\n"
                   "# tools/preprocess_data.py); every other number is the plan's.\n");
    /* The megatron-core wheel ships megatron.core only (its pyproject's package include): the trainer
     * is the repository's, and Transformer Engine comes with the vendor's container, not PyPI torch. */
    sp_buf_printf(b,
                  "# pretrain_gpt.py and megatron.training are in %s's repository, not the megatron-core\n"
                  "# wheel of requirements.txt: run from a checkout of the release matching that pin, in %s\n"
                  "# (Transformer Engine, which sequence parallelism and fp8 need, comes with it).\n"
                  "[ -f pretrain_gpt.py ] || { echo 'run from a Megatron-LM checkout: pretrain_gpt.py not found' >&2; exit 1; }\n",
                  c->plan->stack == SP_STACK_ROCM ? "ROCm/Megatron-LM" : "NVIDIA/Megatron-LM",
                  c->plan->stack == SP_STACK_ROCM ? "AMD's ROCm Megatron container" : "NVIDIA's PyTorch container (nvcr.io/nvidia/pytorch)");
    sp_buf_puts(b, "DATA_PATH=${DATA_PATH:?set DATA_PATH to the prefix of a Megatron indexed dataset}\n"
                   "MEGATRON_ARGS=(\n");
    sp_status s = parallel_args(c, b, err);
    if (s != SP_OK)
        return s;
    shape_args(c, b);
    step_args(c, b);
    sp_buf_printf(b, "    --tokenizer-type HuggingFaceTokenizer\n    --tokenizer-model %s\n", tokenizer);
    sp_buf_puts(b, "    --data-path \"$DATA_PATH\"\n");
    checkpoint_args(c, b);
    sp_buf_puts(b, ")\n");
    return SP_OK;
}
