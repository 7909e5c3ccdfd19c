/* validate_moe_training.c - MoE training runs at their published layouts (training_scale_public.json:
 * Megatron-Bridge performance tables and the MoE Parallel Folding paper) against the step model. */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *catalog_model(const char *name)
{
    static const struct {
        const char *prefix, *model;
    } names[] = {{"GPT-OSS 120B", "gpt-oss-120b"},       {"Qwen3-30B-A3B", "qwen3-30b-a3b"},
                 {"Qwen3-235B-A22B", "qwen3-235b-a22b"}, {"DeepSeek-V3", "deepseek-v3"},
                 {"Mixtral 8x22B", "mixtral-8x22b"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strncmp(name, names[i].prefix, strlen(names[i].prefix)))
            return names[i].model;
    return NULL;
}

static const char *catalog_gpu(const char *gpu)
{
    return !strcmp(gpu, "gb300") ? "gb300-nvl72-288gb" : gpu;
}

/* Why a row is not expressed, or NULL. */
static const char *unexpressed(json_t *row, const char *model)
{
    if (!model)
        return NULL; /* not an MoE row of the catalog: silently skipped */
    if (number(row, "cp", 1) > 1)
        return "context parallelism is not modelled";
    if (fmod(number(row, "dp", 0), number(row, "ep", 1)) != 0)
        return "expert parallelism folded over tp x dp is not modelled (ep must divide dp)";
    return "";
}

static void moe_row(const estimate_ctx *x, json_t *row, tally *t)
{
    const char *id = text(row, "id", "?");
    const char *model = catalog_model(text(json_object_get(row, "model"), "name", ""));
    const char *why = unexpressed(row, model);
    if (!why)
        return;
    if (*why) {
        printf("  %-44s not expressed: %s\n", id, why);
        return;
    }
    sp_model m;
    sp_error err;
    const sp_accel *a = sp_accel_find(x->accels, catalog_gpu(text(row, "gpu", "")));
    json_t *measured = json_object_get(row, "measured");
    double per_gpu = number(measured, "tokens_per_s_per_gpu", 0), mfu = number(measured, "mfu", 0);
    if (!a || sp_model_load_catalog(x->data_dir, model, &m, &err) != SP_OK || !(per_gpu > 0 || mfu > 0)) {
        printf("  %-44s not expressed: no catalog part or throughput\n", id);
        return;
    }
    sp_search_request q = pinned_request(row, 4096, true);
    sp_search_result r;
    if (sp_train_search(&m, a, &q, x->mk, x->perf, 1, &r, &err) != SP_OK || !r.found) {
        fail_row(t, id, r.found ? err.message : "no layout fits at the published split");
        return;
    }
    if (per_gpu > 0)
        record(t, id, "tokens/s per GPU", r.top[0].step.tokens_per_s / q.gpus, per_gpu);
    else
        record(t, id, "MFU", r.top[0].step.mfu, mfu);
}

bool validate_moe_training(const char *data_dir, const char *dir, const sp_accel_catalog *accels,
                           const sp_memory_constants *mk, const sp_perf_constants *perf)
{
    estimate_ctx x = {data_dir, accels, mk, perf};
    return report_rows(dir, "training_scale_public.json", "MoE training at published layouts (training_scale_public.json, bf16 searched at the row's split)", "MoE training (reported against issue 14's 15% target)", &x, moe_row);
}
