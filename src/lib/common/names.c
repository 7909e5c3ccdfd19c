/* names.c - the words for enums, in one place for every reporter and loader. */
#include "internal.h"

#include <string.h>

static const char *const AXIS_NAMES[SP_AXIS_COUNT] = {"data", "training", "model", "serving"};

const char *sp_axis_name(sp_axis axis)
{
    return (unsigned)axis < SP_AXIS_COUNT ? AXIS_NAMES[axis] : "?";
}

bool sp_axis_parse(const char *text, sp_axis *out)
{
    for (int a = 0; a < SP_AXIS_COUNT; a++)
        if (!strcmp(text, AXIS_NAMES[a])) {
            *out = (sp_axis)a;
            return true;
        }
    return false;
}

const char *sp_mode_name(sp_mode mode)
{
    return mode == SP_MODE_INFER ? "infer" : "train";
}

bool sp_mode_parse(const char *text, sp_mode *out)
{
    if (!strcmp(text, "train"))
        *out = SP_MODE_TRAIN;
    else if (!strcmp(text, "infer"))
        *out = SP_MODE_INFER;
    else
        return false;
    return true;
}

bool sp_format_parse(const char *text, sp_format *out)
{
    if (!strcmp(text, "text"))
        *out = SP_FORMAT_TEXT;
    else if (!strcmp(text, "json"))
        *out = SP_FORMAT_JSON;
    else if (!strcmp(text, "md"))
        *out = SP_FORMAT_MD;
    else
        return false;
    return true;
}

const char *sp_tier_name(sp_tier tier)
{
    switch (tier) {
    case SP_TIER_LOCAL: return "Local single node (multi-GPU)";
    case SP_TIER_MANAGED: return "Managed cluster (Ch 33.9)";
    case SP_TIER_SELF: return "Self-managed cloud cluster (Ch 33)";
    }
    return "?";
}

const char *sp_tier_key(sp_tier tier)
{
    switch (tier) {
    case SP_TIER_LOCAL: return "local";
    case SP_TIER_MANAGED: return "managed";
    case SP_TIER_SELF: return "self-managed";
    }
    return "?";
}

const char *sp_launcher_name(sp_launcher launcher)
{
    switch (launcher) {
    case SP_LAUNCH_TORCHRUN: return "torchrun";
    case SP_LAUNCH_RAY: return "ray";
    case SP_LAUNCH_SLURM: return "slurm";
    }
    return "?";
}

/* ---- memory-model tokens ---- */

static const char *const PRECISIONS[] = {"fp32", "mixed-fp16", "mixed-bf16", "bf16", "fp8", NULL};
static const char *const OPTIMIZERS[] = {"adamw", "adam", "adam8bit", "sgd", "adafactor", NULL};
static const char *const RECOMPUTES[] = {"none", "selective", "full", NULL};
static const char *const DTYPES[] = {"bf16", "fp16", "fp8", "int8", "int4", "fp32", NULL};
static const double DTYPE_BYTES[] = {2, 2, 1, 1, 0.5, 4};

static bool token_parse(const char *const *tokens, const char *text, int *out)
{
    for (int i = 0; tokens[i]; i++)
        if (!strcmp(tokens[i], text)) {
            *out = i;
            return true;
        }
    return false;
}

static const char *token_name(const char *const *tokens, int count, int value)
{
    return value >= 0 && value < count ? tokens[value] : "?";
}

const char *sp_precision_name(sp_precision p) { return token_name(PRECISIONS, 5, (int)p); }
const char *sp_optimizer_name(sp_optimizer o) { return token_name(OPTIMIZERS, 5, (int)o); }
const char *sp_recompute_name(sp_recompute r) { return token_name(RECOMPUTES, 3, (int)r); }
const char *sp_dtype_name(sp_dtype d) { return token_name(DTYPES, 6, (int)d); }

double sp_dtype_bytes(sp_dtype d)
{
    return (unsigned)d < 6 ? DTYPE_BYTES[d] : 2.0;
}

#define TOKEN_PARSER(fn, type, table)              \
    bool fn(const char *text, type *out)           \
    {                                              \
        int v;                                     \
        if (!token_parse(table, text, &v))         \
            return false;                          \
        *out = (type)v;                            \
        return true;                               \
    }

TOKEN_PARSER(sp_precision_parse, sp_precision, PRECISIONS)
TOKEN_PARSER(sp_recompute_parse, sp_recompute, RECOMPUTES)
TOKEN_PARSER(sp_dtype_parse, sp_dtype, DTYPES)

TOKEN_PARSER(sp_optimizer_parse, sp_optimizer, OPTIMIZERS)
