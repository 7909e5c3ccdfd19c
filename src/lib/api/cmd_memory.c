/* cmd_memory.c - `stackplan memory`: bytes per accelerator and whether the job fits. */
#include "api_internal.h"

#include <math.h>
#include <string.h>

static const cli_opt OPTS[] = {
    CLI_MODEL_OPTS,
    {"gpu", CLI_TEXT, "NAME", "accelerator from the catalog (capacity, fits, largest batch)"},
    {"mode", CLI_TEXT, "train|infer", "training or inference (default train)"},
    CLI_PRECISION_OPTS,
    {"mixed-style", CLI_TEXT, "master|autocast", "where mixed precision keeps fp32 weights (default master)"},
    {"dp", CLI_NUMBER, "N", "data-parallel degree (default 1)"},
    {"zero", CLI_NUMBER, "S", "ZeRO stage / FSDP sharding 0-3 (default 0)"},
    {"tp", CLI_NUMBER, "N", "tensor-parallel degree (default 1)"},
    {"pp", CLI_NUMBER, "N", "pipeline stages (default 1)"},
    {"cp", CLI_NUMBER, "N", "context-parallel degree: each rank holds seq/N of a sequence (default 1)"},
    {"interleave", CLI_NUMBER, "V", "virtual pipeline stages per GPU (default 1)"},
    {"ep", CLI_NUMBER, "N", "MoE training: expert-parallel degree, E/N whole experts a GPU (ep x etp divides tp x cp x dp; default 1)"},
    {"etp", CLI_NUMBER, "N", "MoE training: expert tensor parallelism, each expert sliced over N (default 1)"},
    {"micro-batch", CLI_NUMBER, "B", "sequences per micro-batch (default 1)"},
    {"seq", CLI_NUMBER, "S", "tokens per sequence (default: model context, at most 4096)"},
    {"microbatches", CLI_NUMBER, "M", "micro-batches per step (caps those in flight; default pp)"},
    {"recompute", CLI_TEXT, "R", "none (default), selective, full, op (torchtitan's op-level)"},
    {"sequence-parallel", CLI_FLAG, NULL, "shard layer-norm and dropout activations over tp"},
    {"flash-attention", CLI_FLAG, NULL, "attention scores are never stored (FlashAttention; default on)"},
    {"eager-modules", CLI_FLAG, NULL,
     "training: norms, rotary and SwiGLU as PyTorch's eager modules keep them, with the loss's fp32 logits "
     "(default: as launch runs the layout, eager for DDP, FSDP and DeepSpeed on CUDA or ROCm: train.py)"},
    {"weight-dtype", CLI_TEXT, "D", "inference weights: bf16, fp16, fp8, int8, int4, nvfp4, mxfp4 (default: the checkpoint's quantization_config, else bf16)"},
    {"kv-dtype", CLI_TEXT, "D", "inference KV cache: bf16 (default), fp16, fp8, int8"},
    {"batch", CLI_NUMBER, "B", "inference: sequences decoded together (default 1)"},
    {"deepspeed", CLI_FLAG, NULL, "also print DeepSpeed's ZeRO-2/3 estimator figures"},
    CLI_FT_OPTS,
    {"format", CLI_TEXT, "text|json|html", "output format (default text; html: a page with charts)"},
};

static const cli_command CMD = {
    "stackplan memory (--model NAME | --hf-config FILE | --params N | --layers ...) [options]",
    "Memory per accelerator for training or inference: weights, gradients, optimizer state,\n"
    "activations, KV cache and overhead; whether it fits the --gpu and the largest batch that does.\n"
    "With --method: a fine-tune (full, LoRA, QLoRA, DoRA) as PyTorch and nvidia-smi measure it; --dp is\n"
    "the GPU count, --zero 3 shards with FSDP, --recompute full checkpoints each layer.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 0};

static sp_status enum_flags(const cli_value *v, sp_mem_config *c, sp_error *err)
{
    const cli_value *f = cli_flag(&CMD, v, "mode");
    bool given = false;
    if (f->set && !sp_mode_parse(f->text, &c->mode))
        return cli_flag_error(err, "mode", "'%s' is not train or infer", f->text);
    sp_status s = cli_precision(&CMD, v, &c->precision, err);
    if (s == SP_OK)
        s = cli_optimizer(&CMD, v, &c->optimizer, err);
    if (s == SP_OK)
        s = cli_recompute(&CMD, v, &c->recompute, &given, err);
    if (s == SP_OK)
        s = cli_dtype(&CMD, v, "weight-dtype", true, &c->weight_dtype, err);
    if (s == SP_OK)
        s = cli_dtype(&CMD, v, "kv-dtype", false, &c->kv_dtype, err);
    if (s == SP_OK && (f = cli_flag(&CMD, v, "mixed-style"))->set) {
        if (!strcmp(f->text, "autocast"))
            c->mixed_style = SP_MASTER_AUTOCAST;
        else if (strcmp(f->text, "master"))
            return cli_flag_error(err, "mixed-style", "'%s' is not master or autocast", f->text);
    }
    return s;
}

/* Flags that mean nothing for the mode are refused, not ignored: training state and schedule
 * for inference, the served batch and dtypes for training. */
static sp_status flags_for_mode(const cli_value *v, sp_mode mode, sp_error *err)
{
    static const char *const TRAIN_ONLY[] = {"dp", "zero", "optimizer", "mixed-style", "micro-batch", "microbatches",
                                             "interleave", "recompute", "ep", "etp", NULL};
    static const char *const INFER_ONLY[] = {"weight-dtype", "kv-dtype", "batch", NULL};
    const char *const *wrong = mode == SP_MODE_INFER ? TRAIN_ONLY : INFER_ONLY;
    for (size_t i = 0; wrong[i]; i++)
        if (cli_index(&CMD, wrong[i]) < CMD.count && cli_flag(&CMD, v, wrong[i])->set)
            return cli_flag_error(err, wrong[i], "applies to --mode %s only", mode == SP_MODE_INFER ? "train" : "infer");
    return SP_OK;
}

static sp_status config_from_flags(const cli_value *v, const sp_model *m, const sp_accel *a, sp_mem_config *c,
                                   sp_error *err)
{
    sp_mem_config defaults = SP_MEM_CONFIG_INIT;
    *c = defaults;
    sp_status s = enum_flags(v, c, err);
    if (s != SP_OK)
        return s;
    /* Inference without --weight-dtype holds the weights as the checkpoint stores them (serve does too). */
    bool named = !cli_flag(&CMD, v, "weight-dtype")->set || c->weight_dtype == m->checkpoint_dtype;
    if (c->mode == SP_MODE_INFER && named && m->checkpoint_quantized &&
        (m->checkpoint_dtype != SP_DTYPE_NVFP4 || !a || a->fp4_flops_per_s > 0)) { /* NVFP4 needs FP4 tensor cores */
        c->weight_dtype = m->checkpoint_dtype;
        c->quantized_experts_only = m->checkpoint_experts_only;
    }
    /* Volta and Turing run fp16, not bf16 (sp_accel_fp16_only): the same bytes, named as they run. */
    if (sp_accel_fp16_only(a)) {
        s = c->mode == SP_MODE_TRAIN ? sp_train_half_precision(a, &c->precision, err) : SP_OK;
        if (s != SP_OK)
            return s;
        sp_serve_config half = SP_SERVE_CONFIG_INIT;
        half.weight_dtype = c->weight_dtype;
        half.kv_dtype = c->kv_dtype;
        s = c->mode == SP_MODE_INFER ? sp_serve_half_dtypes(a, cli_flag(&CMD, v, "weight-dtype")->set,
                                                            cli_flag(&CMD, v, "kv-dtype")->set, &half, err)
                                     : SP_OK;
        if (s != SP_OK)
            return s;
        c->weight_dtype = half.weight_dtype;
        c->kv_dtype = half.kv_dtype;
    }
    double seq = sp_model_default_seq(m);
    c->dp = cli_number_or(&CMD, v, "dp", 1);
    c->zero = cli_number_or(&CMD, v, "zero", 0);
    c->tp = cli_number_or(&CMD, v, "tp", 1);
    c->pp = cli_number_or(&CMD, v, "pp", 1);
    c->cp = cli_number_or(&CMD, v, "cp", 1);
    c->interleave = cli_number_or(&CMD, v, "interleave", 1);
    c->ep = cli_number_or(&CMD, v, "ep", 1);
    c->etp = cli_number_or(&CMD, v, "etp", 1);
    c->micro_batch = cli_number_or(&CMD, v, "micro-batch", 1);
    c->seq = cli_number_or(&CMD, v, "seq", seq);
    c->context = c->seq;
    /* A served model has the context it was trained to (a training run sets its own). */
    if (c->mode == SP_MODE_INFER && cli_seq_within_context(&CMD, v, m, c->seq, "sizes", err) != SP_OK)
        return err->status;
    c->batch = cli_number_or(&CMD, v, "batch", 1);
    c->microbatches = cli_number_or(&CMD, v, "microbatches", 0);
    c->sequence_parallel = cli_on(&CMD, v, "sequence-parallel");
    c->flash_attention = cli_on(&CMD, v, "flash-attention"); /* as train and finetune: the kernels every framework runs */
    /* As train sizes the layout: eager where launch writes it as train.py, unless told. */
    c->vendor_stack = a && !sp_stack_is_gpu(sp_accel_stack(a));
    c->eager_modules = cli_flag(&CMD, v, "eager-modules")->set
                           ? cli_on(&CMD, v, "eager-modules")
                           : c->mode == SP_MODE_TRAIN && sp_train_runs_trainer(c, a ? sp_accel_stack(a) : SP_STACK_CUDA);
    if (c->zero > 0 && c->dp == 1)
        return cli_flag_error(err, "zero", "ZeRO shards over the data-parallel degree: give --dp too");
    /* The layouts and parts train's search allows torchao's rowwise float8. */
    if (c->mode == SP_MODE_TRAIN && c->precision == SP_PREC_FP8_ROWWISE &&
        (s = sp_fp8_rowwise_check(a, c->zero, c->dp * c->cp, c->ep, err)) != SP_OK)
        return s;
    return flags_for_mode(v, c->mode, err);
}

/* A fine-tune's memory (--method): the shared flags mapped onto sp_ft_config. */
static sp_status ft_config_from_flags(const cli_value *v, const sp_model *m, sp_ft_config *c, sp_error *err)
{
    sp_status s = cli_ft_base(&CMD, v, m, true, c, err);
    sp_recompute recompute = SP_RECOMPUTE_NONE;
    bool given = false;
    if (s == SP_OK)
        s = cli_recompute(&CMD, v, &recompute, &given, err);
    if (s != SP_OK)
        return s;
    /* A fine-tune runs under the HF Trainer, whose gradient checkpointing is whole layers: a
     * partial recompute would be sized as full without saying so. */
    if (recompute == SP_RECOMPUTE_SELECTIVE || recompute == SP_RECOMPUTE_OP)
        return cli_flag_error(err, "recompute",
                              "a fine-tune (--method) checkpoints whole layers (the Trainer's "
                              "--gradient_checkpointing): use --recompute full or none");
    c->gpus = cli_number_or(&CMD, v, "dp", 1);
    c->fsdp = cli_number_or(&CMD, v, "zero", 0) >= 3;
    c->checkpointing = recompute != SP_RECOMPUTE_NONE;
    c->micro_batch = cli_number_or(&CMD, v, "micro-batch", 1);
    if (cli_flag(&CMD, v, "tp")->set || cli_flag(&CMD, v, "pp")->set)
        return cli_flag_error(err, "tp", "a fine-tune here is data-parallel (DDP or FSDP): drop --tp and --pp");
    return SP_OK;
}

/* The report, and exit status 3 when a --gpu was named and the job does not fit it: answered, and
 * the target (this part) missed, as every command says it (docs/CLI.md, exit statuses). */
static int emit_fit(char *text, bool misses)
{
    int status = cli_emit(text);
    return status == CLI_EXIT_OK && misses ? CLI_EXIT_UNMET : status;
}

/* --mode infer, as given (config_from_flags reads it again with its checks). */
static bool is_inference(const cli_value *v)
{
    const cli_value *f = cli_flag(&CMD, v, "mode");
    return f->set && !strcmp(f->text, "infer");
}

static int ft_memory(const cli_value *v, cli_inputs *in, sp_format format)
{
    sp_error err;
    sp_error_clear(&err);
    sp_ft_config config;
    sp_ft_memory memory;
    sp_ft_constants k = sp_rules_ft_constants(&in->rules);
    double capacity = sp_usable_memory_bytes(in->accel, &in->rules.perf);
    sp_model_as_transformers_loads(&in->model, &in->rules);
    sp_status s = ft_config_from_flags(v, &in->model, &config, &err);
    if (s == SP_OK)
        s = sp_ft_memory_estimate(&in->model, &config, &k, capacity, &memory, &err);
    char *text = NULL;
    if (s == SP_OK) {
        double largest = capacity > 0 ? sp_ft_max_micro_batch(&in->model, &config, &k, capacity) : 0;
        double roomy = capacity > 0 ? sp_ft_max_roomy_micro_batch(&in->model, &config, &k, capacity) : 0;
        double checkpointed = 0; /* an adapter fine-tune without checkpointing: the figure with it */
        sp_ft_config with = config;
        with.checkpointing = true;
        sp_ft_memory other;
        if (config.method != SP_METHOD_FULL && !config.checkpointing &&
            sp_ft_memory_estimate(&in->model, &with, &k, capacity, &other, &err) == SP_OK)
            checkpointed = other.device_bytes;
        text = sp_render_ft_memory(&in->model, &config, &memory, in->accel, largest, roomy, checkpointed, format, &err);
    }
    sp_accel_catalog_free(&in->catalog);
    return text ? emit_fit(text, capacity > 0 && !memory.fits) : cli_fail(&err);
}

int cmd_memory(int argc, char **argv)
{
    cli_value v[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, NULL, NULL, &format, CLI_HTML);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    cli_inputs in;
    sp_mem_config config;
    sp_memory memory;
    bool fine_tune = cli_flag(&CMD, v, "method")->set;
    sp_status s = cli_load_inputs(&CMD, v, fine_tune ? "a fine-tune" : NULL, CLI_GPU_OPTIONAL, &in, &err);
    const cli_value *mode = cli_flag(&CMD, v, "mode");
    if (s == SP_OK && fine_tune && mode->set && strcmp(mode->text, "train") != 0)
        s = cli_flag_error(&err, "method", "sizes a fine-tune, which trains: drop --mode %s", mode->text);
    if (s == SP_OK && fine_tune)
        return ft_memory(v, &in, format);
    if (s == SP_OK)
        s = cli_ft_flags_need_method(&CMD, v, is_inference(v) ? "context" : NULL, &err);
    if (s == SP_OK)
        s = config_from_flags(v, &in.model, in.accel, &config, &err);
    sp_memory_constants constants = sp_rules_memory_constants(&in.rules);
    /* Inference is checked against the whole card: a serving engine takes its own share of it
     * (serve --gpu-memory-utilization). */
    double capacity = config.mode == SP_MODE_TRAIN ? sp_usable_memory_bytes(in.accel, &in.rules.perf) : in.accel ? in.accel->memory_bytes : 0;
    if (s == SP_OK)
        s = sp_memory_estimate(&in.model, &config, &constants, capacity, &memory, &err);
    char *text = NULL;
    if (s == SP_OK) {
        sp_memory_report report = {&in.model, &config, &memory, in.accel,
                                   capacity > 0 ? sp_memory_max_batch(&in.model, &config, &constants, capacity) : 0,
                                   cli_on(&CMD, v, "deepspeed")};
        text = sp_render_memory(&report, format, &err);
    }
    sp_accel_catalog_free(&in.catalog);
    return text ? emit_fit(text, capacity > 0 && !memory.fits) : cli_fail(&err);
}

const cli_command *cmd_memory_spec(void) { return &CMD; }
