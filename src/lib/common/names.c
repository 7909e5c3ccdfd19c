/* names.c - the words for the job's enums (axis, mode, precision, optimizer, recompute, dtype), for loaders and reporters alike. */
#include "common_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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

bool sp_engine_ask_parse(const char *text, sp_engine_ask *out)
{
    if (!strcmp(text, "vllm"))
        *out = SP_ENGINE_ASK_VLLM;
    else if (!strcmp(text, "sglang"))
        *out = SP_ENGINE_ASK_SGLANG;
    else if (!strcmp(text, "trtllm"))
        *out = SP_ENGINE_ASK_TRTLLM;
    else
        return false;
    return true;
}

/* ---- memory-model tokens ---- */

static const char *const PRECISIONS[] = {"fp32", "mixed-fp16", "mixed-bf16", "bf16", "fp8", "mxfp8", "nvfp4", "fp8-rowwise", NULL};
static const char *const OPTIMIZERS[] = {"adamw", "adam", "adam8bit", "sgd", "adafactor", NULL};
static const char *const RECOMPUTES[] = {"none", "selective", "full", "op", NULL};
static const char *const DTYPES[] = {"bf16", "fp16", "fp8", "int8", "int4", "fp32", "nvfp4", "mxfp4", NULL};
/* The element alone; block scales are added by sp_weight_bytes_per_param. */
static const double DTYPE_BYTES[] = {2, 2, 1, 1, 0.5, 4, 0.5, 0.5};
enum { DTYPE_COUNT = sizeof DTYPE_BYTES / sizeof DTYPE_BYTES[0] };

/* Case forgiven, as catalog names are: --method QLoRA, precision: BF16. */
static bool token_parse(const char *const *tokens, const char *text, int *out)
{
    for (int i = 0; tokens[i]; i++)
        if (!strcasecmp(tokens[i], text)) {
            *out = i;
            return true;
        }
    return false;
}

/* The value-th token of a NULL-terminated table, "?" past its end: counting to the NULL keeps a
 * name for every enum value a table lists, however many are added. */
static const char *token_name(const char *const *tokens, int value)
{
    for (int i = 0; value >= 0 && tokens[i]; i++)
        if (i == value)
            return tokens[i];
    return "?";
}

const char *sp_precision_name(sp_precision p) { return token_name(PRECISIONS, (int)p); }
const char *sp_optimizer_name(sp_optimizer o) { return token_name(OPTIMIZERS, (int)o); }
const char *sp_recompute_name(sp_recompute r) { return token_name(RECOMPUTES, (int)r); }
const char *sp_dtype_name(sp_dtype d) { return token_name(DTYPES, (int)d); }

double sp_dtype_bytes(sp_dtype d)
{
    return (unsigned)d < DTYPE_COUNT ? DTYPE_BYTES[d] : 2.0;
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
bool sp_dtype_parse(const char *text, sp_dtype *out)
{
    int v;
    if (text && !strcmp(text, "fp4")) { /* NVIDIA's 4-bit format is what "fp4" names on Blackwell */
        *out = SP_DTYPE_NVFP4;
        return true;
    }
    if (!token_parse(DTYPES, text, &v))
        return false;
    *out = (sp_dtype)v;
    return true;
}

bool sp_dtype_is_fp4(sp_dtype d) { return d == SP_DTYPE_NVFP4 || d == SP_DTYPE_MXFP4; }

TOKEN_PARSER(sp_optimizer_parse, sp_optimizer, OPTIMIZERS)

/* ---- fine-tuning tokens ---- */

static const char *const METHODS[] = {"full", "lora", "qlora", "dora", NULL};
static const char *const QUANTS[] = {"none", "nf4", "fp4", "int4", "int8", NULL};
static const char *const OFFLOADS[] = {"none", "optimizer", "optimizer+params", NULL};

const char *sp_ft_method_name(sp_ft_method m) { return token_name(METHODS, (int)m); }
const char *sp_quant_name(sp_quant q) { return token_name(QUANTS, (int)q); }
const char *sp_offload_name(sp_offload o) { return token_name(OFFLOADS, (int)o); }

TOKEN_PARSER(sp_ft_method_parse, sp_ft_method, METHODS)
TOKEN_PARSER(sp_quant_parse, sp_quant, QUANTS)
TOKEN_PARSER(sp_offload_parse, sp_offload, OFFLOADS)

/* Each projection's short name, then the names PEFT, litgpt and GPT-style configs use for it. */
static const char *const TARGET_WORDS[7][5] = {
    {"q", "q_proj", "query", "wq", NULL},
    {"k", "k_proj", "key", "wk", NULL},
    {"v", "v_proj", "value", "wv", NULL},
    {"o", "o_proj", "out_proj", "projection", "wo"},
    {"gate", "gate_proj", "w1", NULL, NULL},
    {"up", "up_proj", "w3", "fc1", NULL},
    {"down", "down_proj", "w2", "fc2", NULL},
};

static unsigned target_bit(const char *word, size_t length)
{
    if (length == 4 && !strncmp(word, "attn", 4))
        return SP_TARGET_ATTN;
    if (length == 3 && !strncmp(word, "mlp", 3))
        return SP_TARGET_MLP;
    if (length == 10 && !strncmp(word, "all-linear", 10))
        return SP_TARGET_ALL;
    for (unsigned i = 0; i < 7; i++)
        for (unsigned j = 0; j < 5 && TARGET_WORDS[i][j]; j++)
            if (strlen(TARGET_WORDS[i][j]) == length && !strncmp(word, TARGET_WORDS[i][j], length))
                return 1u << i;
    return 0;
}

bool sp_targets_parse(const char *text, unsigned *out, char *bad, size_t bad_size)
{
    unsigned bits = 0;
    const char *p = text;
    do {
        size_t length = strcspn(p, ",");
        unsigned bit = target_bit(p, length);
        if (!bit) {
            if (bad && bad_size)
                snprintf(bad, bad_size, "%.*s", (int)(length < 64 ? length : 64), p);
            return false;
        }
        bits |= bit;
        p += length;
    } while (*p++ == ',');
    *out = bits;
    return true;
}

int sp_targets_text(unsigned targets, char *buf, size_t size)
{
    int wanted = 0;
    if (size)
        buf[0] = '\0';
    for (unsigned i = 0; i < 7; i++) {
        if (!(targets & (1u << i)))
            continue;
        size_t used = (size_t)wanted < size ? (size_t)wanted : size;
        int n = snprintf(buf + used, size - used, "%s%s", wanted ? "," : "", TARGET_WORDS[i][0]);
        wanted += n > 0 ? n : 0;
    }
    return wanted;
}

/* ---- software stacks: what an accelerator runs, by its vendor ---- */

bool sp_stack_is_gpu(sp_stack stack)
{
    return stack == SP_STACK_CUDA || stack == SP_STACK_ROCM;
}

sp_stack sp_accel_stack(const sp_accel *a)
{
    if (!strcmp(a->vendor, "amd"))
        return SP_STACK_ROCM;
    if (!strcmp(a->vendor, "google"))
        return SP_STACK_XLA;
    if (!strcmp(a->vendor, "aws"))
        return SP_STACK_NEURON;
    if (!strcmp(a->vendor, "intel"))
        return SP_STACK_HPU;
    return SP_STACK_CUDA;
}

const char *sp_stack_name(sp_stack stack)
{
    switch (stack) {
    case SP_STACK_ROCM: return "ROCm";
    case SP_STACK_XLA: return "XLA";
    case SP_STACK_NEURON: return "Neuron";
    case SP_STACK_HPU: return "Gaudi HPU";
    case SP_STACK_CUDA: break;
    }
    return "CUDA";
}
