/* zero_config.c - the sharding configs of a ZeRO / FSDP plan: DeepSpeed's ds_config.json and
 * accelerate's FSDP config, both carrying the stage, batch, precision and bucket sizes. */
#include "launch_internal.h"

#include <jansson.h>
#include <math.h>

/* DeepSpeed's own defaults for the buckets and the ZeRO-3 working set, written out so the
 * plan says what it assumed (deepspeed/runtime/zero/config.py: reduce_bucket_size and
 * allgather_bucket_size 5e8, stage3_prefetch_bucket_size 5e7, stage3_max_live_parameters 1e9,
 * stage3_param_persistence_threshold 1e5). */
static json_t *zero_section(const sp_mem_config *k)
{
    json_t *z = json_object();
    json_object_set_new(z, "stage", json_integer((json_int_t)k->zero));
    json_object_set_new(z, "overlap_comm", json_true());
    json_object_set_new(z, "contiguous_gradients", json_true());
    json_object_set_new(z, "reduce_bucket_size", json_integer(500000000));
    if (k->zero < 3) {
        json_object_set_new(z, "allgather_bucket_size", json_integer(500000000));
    } else {
        json_object_set_new(z, "stage3_prefetch_bucket_size", json_integer(50000000));
        json_object_set_new(z, "stage3_max_live_parameters", json_integer(1000000000));
        json_object_set_new(z, "stage3_param_persistence_threshold", json_integer(100000));
        json_object_set_new(z, "stage3_gather_16bit_weights_on_model_save", json_true());
    }
    return z;
}

/* The 16-bit type of a plan's mixed precision: fp16 where it asks for it or the part has no bf16
 * tensor cores (Volta, Turing), bf16 otherwise; NULL for fp32, which enables neither. */
static const char *half_type(const sp_launch_ctx *c, sp_precision precision)
{
    if (precision == SP_PREC_FP32)
        return NULL;
    return precision == SP_PREC_MIXED_FP16 || sp_accel_fp16_only(c->accel) ? "fp16" : "bf16";
}

char *sp_ds_config(const sp_launch_ctx *c, sp_error *err)
{
    const sp_mem_config *k = &c->plan->run.config;
    double global = c->plan->run_global_batch;
    json_t *root = json_object();
    json_object_set_new(root, "train_batch_size", json_integer((json_int_t)global));
    json_object_set_new(root, "train_micro_batch_size_per_gpu", json_integer((json_int_t)k->micro_batch));
    json_object_set_new(root, "gradient_accumulation_steps",
                        json_integer((json_int_t)round(global / (k->micro_batch * k->dp))));
    json_object_set_new(root, "gradient_clipping", json_real(c->rules->launch.clip_grad));
    if (half_type(c, k->precision)) {
        json_t *half = json_object();
        json_object_set_new(half, "enabled", json_true());
        /* Pure bf16, as the plan sizes it (2/2/0 + 2 x 2 bytes): DeepSpeed otherwise keeps fp32
         * master weights, gradients and Adam states (runtime/precision_config.py, DeepSpeedBF16Config). */
        if (k->precision == SP_PREC_BF16) {
            json_object_set_new(half, "bf16_master_weights_and_grads", json_true());
            json_object_set_new(half, "bf16_optimizer_states", json_true());
        }
        json_object_set_new(root, half_type(c, k->precision), half);
    }
    json_object_set_new(root, "zero_optimization", zero_section(k));
    json_object_set_new(root, "steps_per_print", json_integer(10));
    json_object_set_new(root, "wall_clock_breakdown", json_false());
    return sp_json_finish(root, err);
}

/* ZeRO-Offload (Ren et al. 2021): optimizer state and gradients in pinned host memory, the
 * update on the CPU (DeepSpeedCPUAdam); stage 2 on one GPU or over replicas, stage 3 when the
 * plan also shards the weights (FSDP offloads parameters with the optimizer or nothing). */
char *sp_ft_ds_config(const sp_launch_ctx *c, sp_error *err)
{
    const sp_ft_config *k = &c->plan->fine_tune.config;
    sp_mem_config stage = SP_MEM_CONFIG_INIT;
    stage.zero = k->fsdp ? 3 : 2;
    json_t *root = json_object();
    json_object_set_new(root, "train_batch_size", json_string("auto"));
    json_object_set_new(root, "train_micro_batch_size_per_gpu", json_string("auto"));
    json_object_set_new(root, "gradient_accumulation_steps", json_string("auto"));
    json_object_set_new(root, "gradient_clipping", json_string("auto"));
    if (half_type(c, k->precision)) { /* "auto": the Trainer's bf16/fp16 flag (axolotl.yml) decides */
        json_t *half = json_object();
        json_object_set_new(half, "enabled", json_string("auto"));
        json_object_set_new(root, half_type(c, k->precision), half);
    }
    json_t *zero = zero_section(&stage);
    json_t *offload = json_object();
    json_object_set_new(offload, "device", json_string("cpu"));
    json_object_set_new(offload, "pin_memory", json_true());
    json_object_set_new(zero, "offload_optimizer", offload);
    json_object_set_new(root, "zero_optimization", zero);
    /* DeepSpeed's own AdamW, which under offload is DeepSpeedCPUAdam (the host update the plan
     * times); the Trainer's optimizer would stop ZeRO-Offload at startup (engine.py: "ZeRO-Offload
     * with a client provided optimizer", zero_force_ds_cpu_optimizer). "auto": the Trainer's values. */
    json_t *params = json_object();
    static const char *const filled[] = {"lr", "betas", "eps", "weight_decay"};
    for (size_t i = 0; i < sizeof filled / sizeof filled[0]; i++)
        json_object_set_new(params, filled[i], json_string("auto"));
    json_t *optimizer = json_object();
    json_object_set_new(optimizer, "type", json_string("AdamW"));
    json_object_set_new(optimizer, "params", params);
    json_object_set_new(root, "optimizer", optimizer);
    return sp_json_finish(root, err);
}

char *sp_accelerate_config(const sp_launch_ctx *c, sp_error *err)
{
    const sp_mem_config *k = &c->plan->run.config;
    sp_emitter *y = sp_emit_begin(err);
    if (!y)
        return NULL;
    sp_emit_map(y);
    sp_emit_kv_str(y, "compute_environment", "LOCAL_MACHINE");
    sp_emit_kv_str(y, "distributed_type", "FSDP");
    sp_emit_kv_str(y, "mixed_precision", half_type(c, k->precision) ? half_type(c, k->precision) : "no");
    sp_emit_kv_int(y, "num_machines", c->plan->nodes);
    sp_emit_kv_int(y, "num_processes", c->plan->gpus);
    sp_emit_kv_int(y, "machine_rank", 0);
    sp_emit_kv_str(y, "rdzv_backend", "c10d");
    sp_emit_kv_bool(y, "same_network", true);
    sp_emit_kv_str(y, "main_training_function", "main");
    sp_emit_kv_bool(y, "use_cpu", false);
    sp_emit_str(y, "fsdp_config");
    sp_emit_map(y);
    sp_emit_kv_int(y, "fsdp_version", 2);
    /* ZeRO-3 frees gathered parameters after forward; ZeRO-2 keeps them (FSDP2 reshard_after_forward). */
    sp_emit_kv_bool(y, "fsdp_reshard_after_forward", k->zero >= 3);
    sp_emit_kv_str(y, "fsdp_auto_wrap_policy", "TRANSFORMER_BASED_WRAP");
    sp_emit_kv_bool(y, "fsdp_offload_params", false);
    sp_emit_kv_str(y, "fsdp_state_dict_type", "SHARDED_STATE_DICT");
    sp_emit_kv_bool(y, "fsdp_cpu_ram_efficient_loading", true);
    /* The layout's recompute reaches train.py as the Trainer's --gradient_checkpointing, which every
     * script passes; transformers refuses both at once (Trainer: "The activation_checkpointing in
     * FSDP config and the gradient_checkpointing in training arg can't be set to True
     * simultaneously"), so FSDP's own stays off. */
    sp_emit_kv_bool(y, "fsdp_activation_checkpointing", false);
    sp_emit_end_map(y);
    sp_emit_end_map(y);
    return sp_emit_finish(y, "# accelerate launch --config_file accelerate_config.yaml: the FSDP side of the plan\n"
                              "# (ds_config.json is the DeepSpeed side): run train.py with the scripts' Trainer arguments\n"
                              "# less --deepspeed ds_config.json; written by stackplan.\n", err);
}
