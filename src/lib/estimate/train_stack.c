/* train_stack.c - which training stack runs a layout (Megatron-Core, torchtitan, FSDP or DeepSpeed,
 * DDP): a property of the layout that the step and memory models, the search and the plan share. */
#include "estimate_internal.h"

bool sp_layout_is_fsdp2(const sp_mem_config *c)
{
    return c->zero >= 3 && c->ep <= 1;
}

bool sp_layout_is_torchtitan(const sp_mem_config *c)
{
    /* torchtitan has no fp16 mixed precision (job_config.py mixed_precision_param: bf16 or fp32)
     * and no NVFP4 GEMMs: those FSDP layouts run on Megatron-FSDP. */
    bool split = c->tp > 1 || c->pp > 1 || c->cp > 1;
    return sp_layout_is_fsdp2(c) && split && c->precision != SP_PREC_MIXED_FP16 && c->precision != SP_PREC_NVFP4;
}

bool sp_selective_covers_moe(const sp_model *m, const sp_mem_config *c, sp_recompute recompute)
{
    /* Megatron-Core's selective recompute of an MoE model names the expert activation and the norms
     * beside the attention core (--recompute-modules core_attn moe_act layernorm, as the
     * Megatron-Bridge MoE recipes set them: gpt_oss_workload_base_configs.py [layernorm, moe_act]),
     * and MLA's up-projections where the model has them (mla_up_proj: DeepSeek-V3's recipes, and
     * DeepSeek-V3's own report, sec. 3.2.3, recomputes them); torchtitan's op-level policy, DeepSpeed's
     * and the vendors' stacks (MaxText, Neuron, Optimum Habana) are their own. */
    return recompute == SP_RECOMPUTE_SELECTIVE && m->experts > 1 && !c->vendor_stack &&
           sp_train_stack_of(c) == SP_TRAIN_MEGATRON;
}

sp_train_stack sp_train_stack_of(const sp_mem_config *config)
{
    /* Expert parallelism and its all-to-all: Megatron-Core MoE. */
    /* NVFP4 training is Transformer Engine's recipe, which Megatron-Core runs (Megatron-FSDP for
     * ZeRO-3 layouts); DeepSpeed and FSDP2 have no NVFP4 GEMMs. */
    if (config->precision == SP_PREC_NVFP4)
        return SP_TRAIN_MEGATRON;
    /* torchao's float8 under FSDP2 is torchtitan's converter (docs/float8.md), with or without TP,
     * PP or CP; its rowwise recipe has no Transformer Engine counterpart. */
    if (config->precision == SP_PREC_FP8_ROWWISE ||
        ((config->precision == SP_PREC_FP8 || config->precision == SP_PREC_MXFP8) && sp_layout_is_fsdp2(config)))
        return SP_TRAIN_TORCHTITAN;
    /* FSDP2 (ZeRO-3) with TP, PP or CP is torchtitan's composition, not Megatron's; an fp16 one runs
     * on Megatron-FSDP (sp_layout_is_torchtitan). */
    if (sp_layout_is_torchtitan(config))
        return SP_TRAIN_TORCHTITAN;
    if (sp_layout_is_fsdp2(config))
        return config->tp > 1 || config->pp > 1 || config->cp > 1 ? SP_TRAIN_MEGATRON : SP_TRAIN_FSDP_ZERO;
    /* FP8 and MXFP8 linears are Transformer Engine's (or torchao's under FSDP2, above): a ZeRO-1/2 or
     * plain data-parallel layout runs them on Megatron-Core with its distributed optimizer, since
     * DeepSpeed and DDP have no FP8 GEMMs of their own. */
    if (config->precision == SP_PREC_FP8 || config->precision == SP_PREC_MXFP8)
        return SP_TRAIN_MEGATRON;
    /* Context parallelism is Megatron-Core's (or torchtitan's, above): DeepSpeed's ZeRO and DDP
     * would take the cp ranks for data-parallel ones. */
    if (config->tp > 1 || config->pp > 1 || config->ep > 1 || config->cp > 1)
        return SP_TRAIN_MEGATRON;
    return config->zero > 0 ? SP_TRAIN_FSDP_ZERO : SP_TRAIN_DDP;
}

bool sp_train_runs_trainer(const sp_mem_config *config, sp_stack stack)
{
    /* TPUs run MaxText, Trainium and Gaudi their vendors' stacks (launch_line.c): no train.py there. */
    if (stack != SP_STACK_CUDA && stack != SP_STACK_ROCM)
        return false;
    sp_train_stack framework = sp_train_stack_of(config);
    return framework == SP_TRAIN_DDP || framework == SP_TRAIN_FSDP_ZERO;
}
