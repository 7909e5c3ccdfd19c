/* names.c - the words for the job's enums (axis, mode, precision, optimizer, recompute, dtype), for loaders and reporters alike. */
#include "common_internal.h"

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
