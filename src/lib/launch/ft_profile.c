/* ft_profile.c - `finetune --format profile`: the recommended fine-tune as a profile that `plan`
 * explains and `launch` turns into an axolotl recipe and its scripts, with the settings that made
 * it (method, count, sequence, rank, targets, quantisation, offload, loss, kernels), so the plan
 * launched is the one recommended, not the defaults searched again. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *header(const sp_ft_report *r, const sp_ft_option *o, sp_error *err)
{
    sp_buf b = {0};
    sp_buf_printf(&b, "# stackplan finetune --format profile: the recommended %s fine-tune, %g x %s, as a profile.\n",
                  sp_ft_method_name(o->config.method), o->config.gpus, o->accel->name);
    sp_buf_printf(&b, "# `stackplan plan FILE` explains it; `stackplan launch FILE --out DIR` writes its axolotl recipe.\n");
    sp_buf_printf(&b, "# train_hours: %s; budget_usd: %s.\n",
                  r->request->deadline_hours > 0 ? "the --deadline-hours given" : "the run's hours, rounded up",
                  r->request->budget_usd > 0 ? "the --budget-usd given"
                                             : "its GPUs' cost, rounded up (set your own: the plan picks the tier by it)");
    /* The report's unit is no dataset: the files would size their time limit and checkpoints by it. */
    if (!r->request->tokens_given && !(r->request->dataset_gb > 0))
        sp_buf_printf(&b, "# tokens: %.0fM is the report's unit, not your data (no --dataset-gb or --tokens given): set\n"
                          "# your data's size here, or train_hours, job.sbatch's --time and the checkpoint steps follow the unit.\n",
                      r->request->tokens / 1e6);
    return sp_buf_finish(&b, err);
}

static void settings(sp_emitter *y, const sp_ft_config *c)
{
    bool adapters = c->method != SP_METHOD_FULL, quantised = adapters && c->quant != SP_QUANT_NONE;
    if (adapters) {
        char targets[64];
        sp_targets_text(c->targets, targets, sizeof targets);
        sp_emit_kv_int(y, "lora_rank", c->lora_rank);
        sp_emit_kv_num(y, "lora_dropout", c->lora_dropout);
        sp_emit_kv_str(y, "lora_targets", targets);
        sp_emit_kv_bool(y, sp_ft_switch_key(SP_FT_SWITCH_TRAIN_EMBEDDINGS), c->train_embeddings);
    }
    if (c->method == SP_METHOD_QLORA)
        sp_emit_kv_str(y, "quant", sp_quant_name(c->quant));
    if (quantised) {
        sp_emit_kv_bool(y, sp_ft_switch_key(SP_FT_SWITCH_DOUBLE_QUANT), c->double_quant);
        sp_emit_kv_bool(y, sp_ft_switch_key(SP_FT_SWITCH_KBIT_UPCAST), c->fp32_upcast);
    }
    sp_emit_kv_str(y, "offload", sp_offload_name(c->offload));
    sp_emit_kv_bool(y, sp_ft_switch_key(SP_FT_SWITCH_CHUNKED_LOSS), c->chunked_loss);
    sp_emit_kv_bool(y, sp_ft_switch_key(SP_FT_SWITCH_FUSED_KERNELS), c->fused_kernels);
    sp_emit_kv_bool(y, sp_ft_switch_key(SP_FT_SWITCH_REENTRANT_CHECKPOINTING), c->reentrant_outside_fsdp);
}

/* The data as it was given: dataset_gb or tokens, and the passes over it (which axolotl.yml's
 * num_epochs takes), not the product, which would launch one pass of what was planned as several. */
static void data_keys(sp_emitter *y, const sp_ft_request *q)
{
    double epochs = q->epochs > 0 ? q->epochs : 1;
    if (q->dataset_gb > 0)
        sp_emit_kv_num(y, "dataset_gb", q->dataset_gb);
    else
        sp_emit_kv_int(y, "tokens", ceil(q->tokens / epochs));
    if (q->epochs > 0)
        sp_emit_kv_num(y, "epochs", q->epochs);
}

char *sp_ft_profile(const sp_ft_report *r, sp_error *err)
{
    const sp_ft_result *res = r->result;
    if (res->best < 0) {
        sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpu", "nothing fits: there is no fine-tune to write as a profile");
        return NULL;
    }
    const sp_ft_option *o = &res->items[res->best];
    const sp_ft_request *q = r->request;
    char name[SP_NAME_MAX * 2 + 48];
    snprintf(name, sizeof name, "%s %s on %g x %s", sp_ft_method_name(o->config.method), r->model->name,
             o->config.gpus, o->accel->name);
    sp_emitter *y = sp_emit_profile_begin(name, sp_profile_model_key(r->model), o->accel->name, o->config.gpus, err);
    if (!y)
        return NULL;
    sp_emit_kv_str(y, "method", sp_ft_method_name(o->config.method));
    sp_emit_kv_int(y, "seq", o->config.seq);
    if (q->micro_batch > 0) /* pinned; the plan searches it otherwise, as finetune did */
        sp_emit_kv_int(y, "micro_batch", q->micro_batch);
    data_keys(y, q);
    sp_emit_kv_str(y, "precision", sp_precision_name(o->config.precision));
    sp_emit_kv_str(y, "optimizer", sp_optimizer_name(o->config.optimizer));
    settings(y, &o->config);
    if (q->usd_per_gpu_hour > 0) /* given; the catalog's price otherwise */
        sp_emit_kv_num(y, "usd_per_gpu_hour", q->usd_per_gpu_hour);
    sp_emit_kv_num(y, "train_hours", q->deadline_hours > 0 ? q->deadline_hours : ceil(o->hours));
    sp_emit_kv_num(y, "budget_usd", q->budget_usd > 0 ? q->budget_usd : fmax(1.0, ceil(o->cost_usd)));
    return sp_emit_profile_finish(y, header(r, o, err), err);
}
