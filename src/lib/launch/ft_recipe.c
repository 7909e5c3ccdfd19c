/* ft_recipe.c - axolotl's config for a fine-tuning plan: method, rank, targets, quantisation,
 * batch, precision, checkpointing and sharding as the plan chose them (keys from axolotl's
 * AxolotlInputConfig; examples/llama-3/qlora.yml and qlora-fsdp-70b.yaml are the pattern). */
#include "launch_internal.h"

#include <math.h>
#include <string.h>

static const struct {
    unsigned bit;
    const char *module; /* the Hugging Face Llama-family linear's name */
} TARGETS[] = {{SP_TARGET_Q, "q_proj"},       {SP_TARGET_K, "k_proj"},  {SP_TARGET_V, "v_proj"},
               {SP_TARGET_O, "o_proj"},       {SP_TARGET_GATE, "gate_proj"}, {SP_TARGET_UP, "up_proj"},
               {SP_TARGET_DOWN, "down_proj"}};

/* The run's 16-bit type: fp16 where the part has no bf16 tensor cores (Volta, Turing), where
 * transformers refuses bf16; NULL for fp32. */
static const char *half_dtype(const sp_launch_ctx *c, const sp_ft_config *k)
{
    if (k->precision == SP_PREC_FP32)
        return NULL;
    return k->precision == SP_PREC_MIXED_FP16 || sp_accel_fp16_only(c->accel) ? "float16" : "bfloat16";
}

static void adapter_keys(sp_emitter *y, const sp_launch_ctx *c, const sp_ft_config *k, double alpha_per_rank)
{
    bool quantised = k->quant == SP_QUANT_NF4 || k->quant == SP_QUANT_FP4;
    sp_emit_kv_str(y, "adapter", k->method == SP_METHOD_QLORA ? "qlora" : "lora");
    if (k->method == SP_METHOD_DORA)
        sp_emit_kv_bool(y, "peft_use_dora", true);
    sp_emit_kv_bool(y, "load_in_4bit", quantised);
    sp_emit_kv_bool(y, "load_in_8bit", k->quant == SP_QUANT_INT8);
    if (quantised) { /* BitsAndBytesConfig's 4-bit type and second-level quantisation */
        sp_emit_str(y, "bnb_config_kwargs");
        sp_emit_map(y);
        sp_emit_kv_str(y, "bnb_4bit_quant_type", k->quant == SP_QUANT_FP4 ? "fp4" : "nf4");
        sp_emit_kv_bool(y, "bnb_4bit_use_double_quant", k->double_quant);
        /* FSDP flattens a block's parameters into one tensor of one dtype: the packed 4-bit weights
         * are stored in the run's 16-bit type, as its norms are (bitsandbytes' FSDP-QLoRA guide;
         * axolotl's loader sets bfloat16 unless told, which fails beside fp16 norms on Volta and Turing). */
        if (k->fsdp && half_dtype(c, k))
            sp_emit_kv_str(y, "bnb_4bit_quant_storage", half_dtype(c, k));
        sp_emit_end_map(y);
    }
    if (k->quant == SP_QUANT_INT4) /* a GPTQ checkpoint */
        sp_emit_kv_bool(y, "gptq", true);
    sp_emit_kv_int(y, "lora_r", k->lora_rank);
    sp_emit_kv_num(y, "lora_alpha", k->lora_rank * alpha_per_rank);
    sp_emit_kv_num(y, "lora_dropout", k->lora_dropout);
    if (k->targets == SP_TARGET_ALL) {
        sp_emit_kv_bool(y, "lora_target_linear", true);
    } else {
        sp_emit_str(y, "lora_target_modules");
        sp_emit_seq(y);
        for (size_t i = 0; i < sizeof TARGETS / sizeof TARGETS[0]; i++)
            if (k->targets & TARGETS[i].bit)
                sp_emit_str(y, TARGETS[i].module);
        sp_emit_end_seq(y);
    }
    if (k->train_embeddings) {
        sp_emit_str(y, "lora_modules_to_save");
        sp_emit_seq(y);
        sp_emit_str(y, "embed_tokens");
        sp_emit_str(y, "lm_head");
        sp_emit_end_seq(y);
    }
}

/* FSDP over the plan's GPUs (axolotl's fsdp + fsdp_config, as qlora-fsdp-70b.yaml). */
static void fsdp_keys(sp_emitter *y, const sp_ft_config *k)
{
    sp_emit_str(y, "fsdp");
    sp_emit_seq(y);
    sp_emit_str(y, "full_shard");
    sp_emit_str(y, "auto_wrap");
    sp_emit_end_seq(y);
    sp_emit_str(y, "fsdp_config");
    sp_emit_map(y);
    sp_emit_kv_bool(y, "fsdp_offload_params", k->offload == SP_OFFLOAD_PARAMS);
    sp_emit_kv_bool(y, "fsdp_cpu_ram_efficient_loading", true);
    sp_emit_kv_bool(y, "fsdp_use_orig_params", false);
    sp_emit_kv_str(y, "fsdp_auto_wrap_policy", "TRANSFORMER_BASED_WRAP");
    sp_emit_kv_str(y, "fsdp_state_dict_type", "SHARDED_STATE_DICT");
    sp_emit_kv_str(y, "fsdp_sharding_strategy", "FULL_SHARD");
    sp_emit_end_map(y);
}

static const char *optimizer_name(const sp_ft_config *k)
{
    switch (k->optimizer) { /* transformers' OptimizerNames */
    case SP_OPT_ADAM8BIT: return k->method == SP_METHOD_QLORA ? "paged_adamw_8bit" : "adamw_bnb_8bit";
    case SP_OPT_SGD: return "sgd";
    case SP_OPT_ADAFACTOR: return "adafactor";
    case SP_OPT_ADAMW:
    case SP_OPT_ADAM: break;
    }
    /* The foreach AdamW the memory was sized with (its step's sqrt temporary, finetune.c), not the
     * fused one axolotl defaults to: the launched peak is the one the plan promised. */
    return "adamw_torch";
}

/* The fused kernels and chunked loss the plan counted, as axolotl runs them: Liger's plugin
 * (axolotl integrations/liger, examples/llama-3/fft-8b-liger-fsdp.yaml): its RoPE, RMSNorm and
 * gated-activation kernels, and the fused linear cross-entropy, which never holds the whole
 * logits (what --chunked-loss estimates). */
static void liger_keys(sp_emitter *y, const sp_ft_config *k)
{
    if (!k->fused_kernels && !k->chunked_loss)
        return;
    sp_emit_str(y, "plugins");
    sp_emit_seq(y);
    sp_emit_str(y, "axolotl.integrations.liger.LigerPlugin");
    sp_emit_end_seq(y);
    if (k->fused_kernels) {
        sp_emit_kv_bool(y, "liger_rope", true);
        sp_emit_kv_bool(y, "liger_rms_norm", true);
        sp_emit_kv_bool(y, "liger_glu_activation", true);
    }
    if (k->chunked_loss)
        sp_emit_kv_bool(y, "liger_fused_linear_cross_entropy", true);
}

char *sp_axolotl_config(const sp_launch_ctx *c, sp_error *err)
{
    const sp_ft_option *ft = &c->plan->fine_tune;
    const sp_ft_config *k = &ft->config;
    const sp_launch_data *d = &c->rules->launch;
    sp_emitter *y = sp_emit_begin(err);
    if (!y)
        return NULL;
    sp_emit_map(y);
    sp_emit_kv_str(y, "base_model", c->plan->model_id);
    liger_keys(y, k);
    if (k->method != SP_METHOD_FULL)
        adapter_keys(y, c, k, d->lora_alpha_per_rank);
    sp_emit_str(y, "datasets");
    sp_emit_seq(y);
    sp_emit_map(y);
    sp_emit_kv_str(y, "path", "data/train.jsonl");
    sp_emit_kv_str(y, "type", "alpaca");
    sp_emit_end_map(y);
    sp_emit_end_seq(y);
    sp_emit_kv_num(y, "val_set_size", 0);
    sp_emit_kv_str(y, "output_dir", c->o->checkpoint_dir ? c->o->checkpoint_dir : "checkpoints");
    sp_emit_kv_int(y, "sequence_len", k->seq);
    sp_emit_kv_bool(y, "sample_packing", true);
    sp_emit_kv_int(y, "micro_batch_size", k->micro_batch);
    double accumulation = sp_ft_accumulation(d, k);
    sp_emit_kv_int(y, "gradient_accumulation_steps", accumulation);
    sp_emit_kv_num(y, "num_epochs", c->profile->epochs > 0 ? c->profile->epochs : 1);
    sp_emit_kv_str(y, "optimizer", optimizer_name(k));
    sp_emit_kv_str(y, "lr_scheduler", "cosine");
    sp_emit_kv_num(y, "learning_rate", k->method == SP_METHOD_FULL ? d->ft_full_lr : d->ft_lora_lr);
    sp_emit_kv_num(y, "warmup_ratio", d->ft_warmup_ratio);
    const char *half = half_dtype(c, k);
    sp_emit_kv_bool(y, "bf16", half && !strcmp(half, "bfloat16"));
    sp_emit_kv_bool(y, "fp16", half && !strcmp(half, "float16"));
    sp_emit_kv_bool(y, "gradient_checkpointing", k->checkpointing);
    /* Said, not left to a default: under FSDP1 with a frozen base the reentrant kind keeps every
     * block's input to the backward's end, which the plan's memory counts (axolotl's own FSDP
     * QLoRA examples set use_reentrant: true). */
    if (k->checkpointing) {
        sp_emit_str(y, "gradient_checkpointing_kwargs");
        sp_emit_map(y);
        sp_emit_kv_bool(y, "use_reentrant", k->reentrant_outside_fsdp);
        sp_emit_end_map(y);
    }
    /* FlashAttention-2 needs Ampere or newer; Volta and Turing (the fp16-only parts) take PyTorch's
     * SDPA, whose memory-efficient kernel keeps no score matrix either. */
    bool pre_ampere = sp_accel_fp16_only(c->accel);
    sp_emit_kv_bool(y, "flash_attention", k->flash_attention && !pre_ampere);
    if (k->flash_attention && pre_ampere)
        sp_emit_kv_bool(y, "sdp_attention", true);
    /* axolotl (the HF Trainer) counts save_steps in optimizer steps, each of `accumulation`
     * micro-steps of the plan's step time. */
    double step_s = ft->step.step_time_s * accumulation;
    if (step_s > 0)
        sp_emit_kv_int(y, "save_steps", sp_checkpoint_steps(c, step_s));
    /* A requeued slice (job.sbatch) starts where the last checkpoint left off: the HF Trainer
     * does not resume by itself (axolotl's config reference, auto_resume_from_checkpoints). */
    sp_emit_kv_bool(y, "auto_resume_from_checkpoints", true);
    sp_emit_kv_int(y, "logging_steps", 10);
    /* Optimizer offload is DeepSpeed's (ZeRO-Offload); parameter offload FSDP's, one rank a GPU even
     * alone (axolotl runs FSDP under accelerate at any world size). */
    if (k->offload == SP_OFFLOAD_OPTIMIZER)
        sp_emit_kv_str(y, "deepspeed", "ds_config.json");
    else if ((k->fsdp && k->gpus > 1) || k->offload == SP_OFFLOAD_PARAMS)
        fsdp_keys(y, k);
    sp_emit_end_map(y);
    return sp_emit_finish(y, "# axolotl config for the plan's fine-tune: replace datasets with your data;\n"
                              "# every other value is the plan's (written by stackplan).\n", err);
}
