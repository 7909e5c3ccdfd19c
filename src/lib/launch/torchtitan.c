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
 * spread evenly over the stages, the first stages taking the remainder. Returns the most layers a
 * pipeline rank holds (its stages r, r + pp, ...), or -1 where torchtitan refuses the split. */
static double rank_layers(double layers, double pp, double stages, double first_less, double last_less)
{
    double effective = layers + first_less + last_less, base = floor(effective / stages);
    if (base < 1 || first_less > base || last_less > base)
        return -1;
    double extra = effective - base * stages, placed = 0, most = 0;
    double per_rank[PP_RANKS_MAX] = {0};
    for (double i = 0; i < stages; i++) {
        double share = base + (i < extra ? 1 : 0) - (i == 0 ? first_less : 0) - (i == stages - 1 ? last_less : 0);
        share = fmin(share, layers - placed);
        placed += share;
        int rank = (int)fmod(i, pp);
        per_rank[rank] += share;
        most = fmax(most, per_rank[rank]);
    }
    return placed == layers ? most : -1;
}

typedef struct {
    double first_less, last_less; /* pipeline_parallel_first/last_stage_less_layers */
    double layers_per_stage;      /* pipeline_parallel_layers_per_stage (interleaved only) */
} pipeline_split;

/* The weights that let torchtitan place at most ceil(layers / pp) layers on a rank, as the time
 * model counts (docs/MODEL.md, uneven pipelines): torchtitan's defaults (1, 1) where they do,
 * else the pair that loads the busiest rank least. Interleaved schedules also need the layers a
 * virtual stage holds, from which torchtitan counts the stages: it must give pp x interleave. */
static bool pipeline_weights(double layers, double pp, double interleave, pipeline_split *out)
{
    double stages = pp * interleave, allowed = ceil(layers / pp), best = INFINITY;
    for (double first = 0; first <= 4; first++)
        for (double last = 0; last <= 4; last++) {
            double per_stage = ceil((layers + first + last) / stages);
            if (interleave > 1 && ceil((layers + first + last) / per_stage) != stages)
                continue;
            double most = rank_layers(layers, pp, stages, first, last);
            if (most < 0 || most > allowed)
                continue;
            double score = most * 100 + fabs(first - 1) + fabs(last - 1); /* the defaults win a tie */
            if (score < best) {
                best = score;
                *out = (pipeline_split){first, last, per_stage};
            }
        }
    return isfinite(best);
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
    pipeline_split split = {1, 1, 0};
    if (k->pp > PP_RANKS_MAX || !pipeline_weights(m->layers, k->pp, k->interleave, &split))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "pp",
                       "torchtitan cannot split %.0f layers over %.0f pipeline stages with at most %.0f on a rank",
                       m->layers, k->pp * k->interleave, ceil(m->layers / k->pp));
    text(b, "pipeline_parallel_schedule", k->interleave > 1 ? "Interleaved1F1B" : "1F1B");
    whole(b, "pipeline_parallel_microbatch_size", k->micro_batch);
    whole(b, "pipeline_parallel_first_stage_less_layers", split.first_less);
    whole(b, "pipeline_parallel_last_stage_less_layers", split.last_less);
    if (k->interleave > 1)
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
    const char *id = m->hf_id[0] ? m->hf_id : NULL;
    const char *base = id && strrchr(id, '/') ? strrchr(id, '/') + 1 : id;
    if (id) {
        char path[SP_WORD_MAX];
        snprintf(path, sizeof path, "./assets/hf/%s", base);
        sp_buf_printf(b, "# the tokenizer, with torchtitan's repository script (v0.2.2):\n"
                         "#   python scripts/download_hf_assets.py --repo_id %s --assets tokenizer\n", id);
        text(b, "hf_assets_path", path);
    }
    if (precision == SP_PREC_FP8)
        sp_buf_puts(b, "converters = [\"quantize.linear.float8\"]\n");
    else if (precision == SP_PREC_MXFP8)
        sp_buf_puts(b, "converters = [\"quantize.linear.mx\"]\n");
}

static void schedule(const sp_launch_ctx *c, sp_buf *b, double steps)
{
    const sp_launch_data *d = &c->rules->launch;
    table(b, "optimizer");
    text(b, "name", "AdamW");
    real(b, "lr", d->lr);
    real(b, "beta2", d->adam_beta2);
    real(b, "weight_decay", d->weight_decay);
    table(b, "lr_scheduler");
    /* as Megatron's launch: Llama 2's warmup, never more than a tenth of a short run */
    whole(b, "warmup_steps", fmin(d->warmup_iters, floor(steps / 10)));
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

/* FP8 and MXFP8 linears (torchao), the output layer kept in 16 bits as the time model counts it;
 * torchtitan's float8 and mx recipes are compiled (docs/float8.md, docs/mxfp8.md). */
static void low_precision(const sp_launch_ctx *c, sp_buf *b)
{
    sp_precision p = c->plan->run.config.precision;
    if (p != SP_PREC_FP8 && p != SP_PREC_MXFP8)
        return;
    table(b, "compile");
    flag(b, "enable", true);
    if (p == SP_PREC_FP8) {
        table(b, "quantize.linear.float8");
        flag(b, "enable_fsdp_float8_all_gather", true);
        flag(b, "precompute_float8_dynamic_scale_for_fsdp", true);
    } else {
        table(b, "quantize.linear.mx");
        text(b, "recipe_name", "mxfp8_cublas");
    }
    sp_buf_puts(b, "filter_fqns = [\"output\"]\n");
}

/* Saved about every checkpoint_minutes; the folder is the script's --checkpoint.folder. */
static void checkpoint(const sp_launch_ctx *c, sp_buf *b)
{
    double step_s = c->plan->run.step.step_time_s;
    table(b, "checkpoint");
    flag(b, "enable", true);
    whole(b, "interval", step_s > 0 ? fmax(1, floor(c->rules->launch.checkpoint_minutes * 60 / step_s)) : 500);
}

char *sp_torchtitan_config(const sp_launch_ctx *c, sp_error *err)
{
    const sp_mem_config *k = &c->plan->run.config;
    double steps = ceil(c->plan->run_tokens / (c->plan->run_global_batch * k->seq));
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
    sp_status s = parallelism(c, &b, err);
    recompute(c, &b);
    low_precision(c, &b);
    checkpoint(c, &b);
    if (s != SP_OK) {
        free(sp_buf_finish(&b, NULL));
        return NULL;
    }
    return sp_buf_finish(&b, err);
}
