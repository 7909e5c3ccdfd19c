/* torchtitan.c - torchtitan's TOML job config for a layout that runs FSDP2 beside tensor, context or
 * pipeline parallelism (torchtitan v0.2.2, torchtitan/config/job_config.py; 0.3 moved runs to
 * Python configurations): the parallel degrees, the batch, the pipeline's split, recompute,
 * precision, the optimizer's schedule (data/launch.yaml) and checkpointing. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PP_RANKS_MAX = 1024 };

/* ---- TOML values (toml.io v1.0.0): only what the config needs ---- */

static void table(sp_buf *b, const char *name) { sp_buf_printf(b, "\n[%s]\n", name); }
static void whole(sp_buf *b, const char *key, double v) { sp_buf_printf(b, "%s = %.0f\n", key, v); }
static void flag(sp_buf *b, const char *key, bool v) { sp_buf_printf(b, "%s = %s\n", key, v ? "true" : "false"); }

/* A float that TOML reads as one: "1.0", not "1". */
static void real(sp_buf *b, const char *key, double v)
{
    char text[32];
    snprintf(text, sizeof text, "%.6g", v);
    sp_buf_printf(b, "%s = %s%s\n", key, text, strpbrk(text, ".en") ? "" : ".0");
}

/* A basic string: quotes, backslashes and control characters escaped. */
static void quoted(sp_buf *b, const char *s)
{
    sp_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sp_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            sp_buf_printf(b, "\\u%04x", *p);
        else
            sp_buf_printf(b, "%c", *p);
    }
    sp_buf_puts(b, "\"");
}

static void text(sp_buf *b, const char *key, const char *v)
{
    sp_buf_printf(b, "%s = ", key);
    quoted(b, v);
    sp_buf_puts(b, "\n");
}

/* ---- the pipeline's split ---- */

/* torchtitan's split (generate_llm_fqn_per_model_part, torchtitan/distributed/pipeline_parallel.py):
 * the embedding and the output count as first_less and last_less layers, the effective layers are
 * spread evenly over the stages, the first stages taking the remainder; stage i runs on rank i % pp.
 * Returns the most layers a pipeline rank holds, or -1 where torchtitan refuses the weights. */
static int rank_layers(int layers, int pp, int stages, int first_less, int last_less)
{
    int effective = layers + first_less + last_less, base = effective / stages, extra = effective % stages;
    if (base < 1 || first_less > base || last_less > base)
        return -1;
    int per_rank[PP_RANKS_MAX] = {0}, most = 0;
    for (int i = 0; i < stages; i++) {
        int share = base + (i < extra) - (i == 0 ? first_less : 0) - (i == stages - 1 ? last_less : 0);
        per_rank[i % pp] += share;
        most = per_rank[i % pp] > most ? per_rank[i % pp] : most;
    }
    return most;
}

typedef struct {
    int first_less, last_less; /* pipeline_parallel_first/last_stage_less_layers */
    int layers_per_stage;      /* pipeline_parallel_layers_per_stage (interleaved only) */
} pipeline_split;

/* Weights with which torchtitan's own split puts at most ceil(layers / pp) layers on a rank, as the
 * time model counts (docs/MODEL.md, uneven pipelines), torchtitan's defaults (1, 1) first, else the
 * nearest pair. Interleaved schedules also need the layers a virtual stage holds, from which
 * torchtitan counts the stages (ceil(effective / layers_per_stage)): it must give pp x interleave.
 * False when no small pair does. */
static bool pipeline_weights(int layers, int pp, int interleave, pipeline_split *out)
{
    int stages = pp * interleave, allowed = (layers + pp - 1) / pp, best = -1;
    for (int first = 0; first <= 4; first++)
        for (int last = 0; last <= 4; last++) {
            int effective = layers + first + last, per_stage = (effective + stages - 1) / stages;
            if (interleave > 1 && (effective + per_stage - 1) / per_stage != stages)
                continue;
            int most = rank_layers(layers, pp, stages, first, last);
            int distance = abs(first - 1) + abs(last - 1);
            if (most >= 0 && most <= allowed && (best < 0 || distance < best)) {
                best = distance;
                *out = (pipeline_split){first, last, per_stage};
            }
        }
    return best >= 0;
}

/* Where torchtitan's weights cannot give the split, the stages are named module by module
 * (module_fqns_per_model_part, which torchtitan takes as given), sp_virtual_stage_layers a stage;
 * the embedding goes with the first stage, the final norm and output with the last. The module
 * names are torchtitan's decoder models' (llama3, qwen3, deepseek_v3, gpt_oss). */
static void explicit_stages(sp_buf *b, int layers, int stages)
{
    int next = 0;
    sp_buf_puts(b, "module_fqns_per_model_part = [\n");
    for (int i = 0; i < stages; i++) {
        int count = sp_virtual_stage_layers(layers, stages, i);
        sp_buf_puts(b, i == 0 ? "  [\"tok_embeddings\"" : "  [");
        for (int l = 0; l < count; l++, next++)
            sp_buf_printf(b, "%s\"layers.%d\"", i == 0 || l > 0 ? ", " : "", next);
        sp_buf_puts(b, i == stages - 1 ? ", \"norm\", \"output\"],\n" : "],\n");
    }
    sp_buf_puts(b, "]\n");
}

/* ---- sections ---- */

static sp_status parallelism(const sp_launch_ctx *c, sp_buf *b, sp_error *err)
{
    const sp_mem_config *k = &c->plan->run.config;
    const sp_model *m = &c->plan->model;
    table(b, "parallelism");
    whole(b, "data_parallel_replicate_degree", 1);
    whole(b, "data_parallel_shard_degree", k->dp); /* FSDP2 over dp; torchtitan also shards over cp */
    whole(b, "tensor_parallel_degree", k->tp);
    whole(b, "context_parallel_degree", k->cp);
    whole(b, "pipeline_parallel_degree", k->pp);
    if (k->pp <= 1)
        return SP_OK;
    /* Under pipeline stages torchtitan keeps each stage's gathered weights between micro-batches
     * unless told (parallelize.py: reshard_after_forward defaults to "not pp_enabled"); the plan
     * sized a stage's weights sharded and gathered again for each micro-batch. */
    text(b, "fsdp_reshard_after_forward", "always");
    int layers = (int)m->layers, pp = (int)k->pp, interleave = (int)k->interleave;
    if (pp > PP_RANKS_MAX || pp * interleave > layers)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "pp", "torchtitan cannot split %d layers over %d pipeline stages",
                       layers, pp * interleave);
    text(b, "pipeline_parallel_schedule", interleave > 1 ? "Interleaved1F1B" : "1F1B");
    whole(b, "pipeline_parallel_microbatch_size", k->micro_batch);
    pipeline_split split;
    if (!pipeline_weights(layers, pp, interleave, &split)) { /* only interleaved splits get here */
        explicit_stages(b, layers, pp * interleave);
        return SP_OK;
    }
    whole(b, "pipeline_parallel_first_stage_less_layers", split.first_less);
    whole(b, "pipeline_parallel_last_stage_less_layers", split.last_less);
    if (interleave > 1)
        whole(b, "pipeline_parallel_layers_per_stage", split.layers_per_stage);
    return SP_OK;
}

/* The batch: without a pipeline, local_batch_size is a micro-batch and torchtitan accumulates
 * gradients up to the global batch; with one, a data-parallel rank's whole share goes through the
 * schedule as micro-batches of pipeline_parallel_microbatch_size (torchtitan/train.py). */
static void training(const sp_launch_ctx *c, sp_buf *b, double steps)
{
    const sp_mem_config *k = &c->plan->run.config;
    double global = c->plan->run_global_batch;
    table(b, "training");
    sp_buf_puts(b, "# c4 streams from the Hugging Face hub; set dataset_path (or a dataset of your own) for your data.\n");
    text(b, "dataset", "c4");
    whole(b, "local_batch_size", k->pp > 1 ? global / k->dp : k->micro_batch);
    whole(b, "global_batch_size", global);
    whole(b, "seq_len", k->seq);
    real(b, "max_norm", c->rules->launch.clip_grad);
    whole(b, "steps", steps);
    /* fp32 master weights with bf16 compute (FSDP2's MixedPrecisionPolicy), all-fp32, or pure bf16
     * weights, gradients and optimizer state (training.dtype) */
    sp_precision p = k->precision;
    if (p == SP_PREC_BF16)
        text(b, "dtype", "bfloat16");
    text(b, "mixed_precision_param", p == SP_PREC_FP32 ? "float32" : "bfloat16");
}

static void model(const sp_launch_ctx *c, sp_buf *b)
{
    const sp_model *m = &c->plan->model;
    const sp_precision precision = c->plan->run.config.precision;
    table(b, "model");
    const char *slash = strchr(m->torchtitan, '/');
    if (slash) {
        char name[SP_NAME_MAX];
        snprintf(name, sizeof name, "%.*s", (int)(slash - m->torchtitan), m->torchtitan);
        text(b, "name", name);
        text(b, "flavor", slash + 1);
    } else {
        sp_buf_puts(b, "# torchtitan defines no model of this shape: register one (torchtitan/models) and pass\n"
                       "# its name and flavor in TORCHTITAN_MODEL and TORCHTITAN_FLAVOR.\n");
    }
    /* a Hugging Face repository id ("owner/name"), not a local path, goes into the comment and path */
    const char *id = sp_is_slash_pair(m->hf_id) ? m->hf_id : NULL;
    const char *base = id ? strchr(id, '/') + 1 : NULL;
    if (id) {
        char path[SP_WORD_MAX];
        snprintf(path, sizeof path, "./assets/hf/%s", base);
        sp_buf_printf(b, "# the tokenizer, with torchtitan's repository script (v0.2.2):\n"
                         "#   python scripts/download_hf_assets.py --repo_id %s --assets tokenizer\n", id);
        text(b, "hf_assets_path", path);
    }
    /* The linear converters swap nn.Linear only; an MoE's experts (GroupedExperts' 3-D weights)
     * take the grouped-GEMM converters, or they would run bf16 where the plan timed them 8-bit. */
    bool moe = m->experts > 1;
    if (precision == SP_PREC_FP8 || precision == SP_PREC_FP8_ROWWISE)
        sp_buf_printf(b, "converters = [\"quantize.linear.float8\"%s]\n", moe ? ", \"quantize.grouped_mm.float8\"" : "");
    else if (precision == SP_PREC_MXFP8)
        sp_buf_printf(b, "converters = [\"quantize.linear.mx\"%s]\n", moe ? ", \"quantize.grouped_mm.mx\"" : "");
}

static void schedule(const sp_launch_ctx *c, sp_buf *b, double steps)
{
    const sp_launch_data *d = &c->rules->launch;
    table(b, "optimizer");
    text(b, "name", "AdamW");
    real(b, "lr", sp_pretrain_lr(c));
    real(b, "beta2", d->adam_beta2);
    real(b, "weight_decay", d->weight_decay);
    table(b, "lr_scheduler");
    whole(b, "warmup_steps", sp_warmup_steps(c, steps));
    text(b, "decay_type", "cosine");
    real(b, "min_lr_factor", d->min_lr_ratio);
}

static void recompute(const sp_launch_ctx *c, sp_buf *b)
{
    table(b, "activation_checkpoint");
    switch (c->plan->run.config.recompute) {
    case SP_RECOMPUTE_NONE: text(b, "mode", "none"); break;
    case SP_RECOMPUTE_FULL: text(b, "mode", "full"); break;
    case SP_RECOMPUTE_SELECTIVE:
        /* Megatron's attention-core recompute has no torchtitan switch; the op-level policy is the
         * nearest (it keeps less and recomputes more). */
        sp_buf_puts(b, "# the plan's selective (attention-core) recompute is Megatron's; torchtitan's nearest:\n");
        /* fall through */
    case SP_RECOMPUTE_OP:
        text(b, "mode", "selective");
        text(b, "selective_ac_option", "op");
        break;
    }
}

/* Compiled: the time model counts norms, rotary embeddings and the gated activation as fused
 * kernels, which torch.compile makes them (torchtitan docs/performance.md, Table 1: Llama 3.1 8B
 * on 8 H100, 5,762 tokens/s a GPU eager, 6,667 compiled); the float8 and mx recipes need it too
 * (docs/float8.md, docs/mxfp8.md). */
static void compiled(sp_buf *b)
{
    table(b, "compile");
    flag(b, "enable", true);
}

/* FP8 and MXFP8 linears (torchao), the output layer kept in 16 bits as the time model counts it. */
static void low_precision(const sp_launch_ctx *c, sp_buf *b)
{
    sp_precision p = c->plan->run.config.precision;
    if (p != SP_PREC_FP8 && p != SP_PREC_MXFP8 && p != SP_PREC_FP8_ROWWISE)
        return;
    if (p == SP_PREC_FP8) {
        table(b, "quantize.linear.float8");
        flag(b, "enable_fsdp_float8_all_gather", true);
        flag(b, "precompute_float8_dynamic_scale_for_fsdp", true);
    } else if (p == SP_PREC_FP8_ROWWISE) {
        /* rowwise gathers in bf16: "all distributed communication is done in high precision" (docs/float8.md) */
        table(b, "quantize.linear.float8");
        text(b, "recipe_name", "rowwise");
    } else {
        table(b, "quantize.linear.mx");
        text(b, "recipe_name", "mxfp8_cublas");
    }
    sp_buf_puts(b, "filter_fqns = [\"output\"]\n");
    if (c->plan->model.experts > 1) { /* the experts' grouped GEMMs (torchtitan's MoE GroupedExperts) */
        table(b, p == SP_PREC_MXFP8 ? "quantize.grouped_mm.mx" : "quantize.grouped_mm.float8");
        sp_buf_puts(b, "fqns = [\"experts\"]\n");
    }
}

/* Saved about every checkpoint_minutes; the folder is the script's --checkpoint.folder. */
static void checkpoint(const sp_launch_ctx *c, sp_buf *b)
{
    table(b, "checkpoint");
    flag(b, "enable", true);
    whole(b, "interval", sp_checkpoint_steps(c, c->plan->run.step.step_time_s));
}

char *sp_torchtitan_config(const sp_launch_ctx *c, sp_error *err)
{
    double steps = sp_run_steps(c);
    sp_buf b = {0};
    sp_buf_printf(&b, "# torchtitan %s job config (torchtitan/config/job_config.py), written by stackplan %s for\n"
                      "# the profile below; edit the data, not the numbers.\n# profile: ",
                  sp_framework_version(c->rules, "torchtitan"), SP_VERSION);
    quoted(&b, c->profile->name);
    sp_buf_puts(&b, "\n\n[job]\n");
    text(&b, "dump_folder", "./outputs");
    text(&b, "description", c->profile->name);
    table(&b, "metrics");
    whole(&b, "log_freq", 10);
    model(c, &b);
    schedule(c, &b, steps);
    training(c, &b, steps);
    if (parallelism(c, &b, err) != SP_OK) {
        free(sp_buf_finish(&b, NULL));
        return NULL;
    }
    recompute(c, &b);
    compiled(&b);
    low_precision(c, &b);
    checkpoint(c, &b);
    return sp_buf_finish(&b, err);
}
