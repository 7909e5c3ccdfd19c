/* model_flags.c - the model and accelerator every estimator command takes. */
#include "api_internal.h"

#include "common_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --experts E --experts-per-token K [--shared-experts S] [--moe-ffn F]: an MoE shape whose every
 * layer routes (Mixtral-style); the MoE flags without --experts describe a dense model: refused. */
static sp_status moe_from_flags(const cli_command *cmd, const cli_value *v, sp_model *m, sp_error *err)
{
    const cli_value *experts = cli_flag(cmd, v, "experts"), *k = cli_flag(cmd, v, "experts-per-token");
    const char *moe_only[] = {"experts-per-token", "shared-experts", "moe-ffn"};
    if (!experts->set) {
        for (size_t i = 0; i < 3; i++)
            if (cli_flag(cmd, v, moe_only[i])->set)
                return cli_flag_error(err, moe_only[i], "describes an MoE layer: give --experts too (the shape is dense)");
        return SP_OK;
    }
    if (!k->set)
        return cli_flag_error(err, "experts-per-token", "an MoE shape needs it (top-k routing)");
    if (k->number > experts->number)
        return cli_flag_error(err, "experts-per-token", "%g is more than the %g experts", k->number, experts->number);
    m->experts = experts->number;
    m->experts_per_token = k->number;
    m->shared_experts = cli_number_or(cmd, v, "shared-experts", 0);
    m->ffn = cli_number_or(cmd, v, "moe-ffn", m->ffn);
    return SP_OK;
}

static sp_status model_from_shape(const cli_command *cmd, const cli_value *v, sp_model *out, sp_error *err)
{
    const char *required[] = {"layers", "hidden", "heads", "vocab"};
    for (size_t i = 0; i < 4; i++)
        if (!cli_flag(cmd, v, required[i])->set)
            return cli_flag_error(err, required[i], "a shape needs --layers, --hidden, --heads and --vocab");
    sp_ffn_kind kind = SP_FFN_GELU;
    const cli_value *k = cli_flag(cmd, v, "ffn-kind");
    if (k->set && !strcmp(k->text, "swiglu"))
        kind = SP_FFN_SWIGLU;
    else if (k->set && strcmp(k->text, "gelu"))
        return cli_flag_error(err, "ffn-kind", "'%s' is not gelu or swiglu", k->text);
    double heads = cli_flag(cmd, v, "heads")->number;
    double kv = cli_flag(cmd, v, "kv-heads")->set ? cli_flag(cmd, v, "kv-heads")->number : heads;
    double hidden = cli_flag(cmd, v, "hidden")->number;
    double ffn = cli_flag(cmd, v, "ffn")->set ? cli_flag(cmd, v, "ffn")->number : 4.0 * hidden;
    if (kv > heads || !sp_divides(kv, heads))
        return cli_flag_error(err, "kv-heads", "must divide --heads");
    /* Each head takes hidden / heads dimensions; a config file's head_dim is refused the same way. */
    if (!sp_divides(heads, hidden))
        return cli_flag_error(err, "heads", "%g does not divide --hidden %g: each head needs a whole width", heads,
                              hidden);
    sp_model_from_shape(out, cli_flag(cmd, v, "layers")->number, hidden, heads, kv, ffn, kind,
                        cli_flag(cmd, v, "vocab")->number, 2048);
    return moe_from_flags(cmd, v, out, err);
}

static sp_status model_from_flags(const cli_command *cmd, const cli_value *values, const char *data_dir,
                                  sp_model *out, sp_error *err)
{
    const cli_value *name = cli_flag(cmd, values, "model"), *hf = cli_flag(cmd, values, "hf-config");
    const cli_value *params = cli_flag(cmd, values, "params"), *layers = cli_flag(cmd, values, "layers");
    int sources = name->set + hf->set + params->set + layers->set;
    if (sources != 1)
        return cli_flag_error(err, "model", "give exactly one of --model, --hf-config, --params or a shape (--layers ...)");
    if (name->set)
        return cli_load_named_model(data_dir, name->text, out, err);
    if (hf->set)
        return sp_model_load_hf(hf->text, out, err);
    if (layers->set)
        return model_from_shape(cmd, values, out, err);
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%g parameters", params->number);
    snprintf(out->arch, sizeof out->arch, "params");
    out->params_override = params->number;
    out->experts = out->experts_per_token = 1;
    return SP_OK;
}

/* A model past any trained one is a typo, refused here for every command (the estimators refuse it
 * too), naming where it came from: the file, the catalog row or the shape flags. */
static sp_status model_in_reach(const cli_command *cmd, const cli_value *values, const sp_model *m, sp_error *err)
{
    double params = sp_model_params(m);
    if (params <= SP_MODEL_PARAMS_MAX)
        return SP_OK;
    const cli_value *hf = cli_flag(cmd, values, "hf-config");
    if (hf->set)
        return sp_fail(err, SP_ERR_INPUT, hf->text, 0, 0, "file", "%.3g parameters is beyond any model", params);
    return cli_flag_error(err, cli_flag(cmd, values, "model")->set ? "model" : "layers",
                          "%.3g parameters is beyond any model", params);
}

/* --gpu missing: with --gpus given, the two may have been confused (--gpus 4090 is a count). */
static sp_status gpu_required(const cli_command *cmd, const cli_value *values, sp_error *err)
{
    if (cli_index(cmd, "gpus") < cmd->count && cli_flag(cmd, values, "gpus")->set)
        return cli_flag_error(err, "gpu", "required: --gpus %s is a count of GPUs, the part is --gpu NAME (see `stackplan "
                                          "catalog accelerators`)",
                              cli_flag(cmd, values, "gpus")->text);
    return cli_flag_error(err, "gpu", "required (see `stackplan catalog accelerators`)");
}

sp_status cli_load_inputs(const cli_command *cmd, const cli_value *values, const char *shape_for, cli_gpu_mode gpu,
                          cli_inputs *in, sp_error *err)
{
    memset(in, 0, sizeof *in);
    in->data_dir = cli_data_dir(cli_flag(cmd, values, "data-dir")->text);
    const cli_value *name = cli_flag(cmd, values, "gpu");
    sp_status s = sp_rules_load(in->data_dir, &in->rules, err);
    if (s == SP_OK)
        s = model_from_flags(cmd, values, in->data_dir, &in->model, err);
    in->catalog_model = s == SP_OK && cli_flag(cmd, values, "model")->set;
    if (s == SP_OK)
        s = model_in_reach(cmd, values, &in->model, err);
    const cli_value *label = cli_flag(cmd, values, "name");
    if (s == SP_OK && label->set) {
        if (!label->text[0] || strlen(label->text) >= sizeof in->model.name)
            s = cli_flag_error(err, "name", "must be 1 to %zu characters", sizeof in->model.name - 1);
        else
            snprintf(in->model.name, sizeof in->model.name, "%s", label->text);
    }
    if (s == SP_OK && shape_for && !sp_model_has_shape(&in->model))
        s = cli_flag_error(err, "params", "%s needs the model's shape (--model, --hf-config or --layers ...)", shape_for);
    if (s == SP_OK && gpu == CLI_GPU_REQUIRED && !name->set)
        s = gpu_required(cmd, values, err);
    if (s != SP_OK || (gpu != CLI_GPU_LIST && !name->set))
        return s;
    cli_path path;
    s = sp_accels_load(cli_data_file(cmd, values, "accelerators", in->data_dir, "accelerators.yaml", &path),
                       &in->catalog, err);
    if (s != SP_OK || gpu == CLI_GPU_LIST)
        return s;
    if (strchr(name->text, ',')) /* train, finetune and serve compare a list; the others answer for one part */
        return cli_flag_error(err, "gpu", "'%s': this command answers for one accelerator (train, finetune and "
                                          "serve compare a list): run it once for each",
                              name->text);
    return cli_find_accel(&in->catalog, name->text, &in->accel, err);
}

sp_status cli_precision(const cli_command *cmd, const cli_value *values, sp_precision *out, sp_error *err)
{
    const cli_value *v = cli_flag(cmd, values, "precision");
    if (v->set && !sp_precision_parse(v->text, out))
        return cli_flag_error(err, "precision", "'%s' is not fp32, mixed-fp16, mixed-bf16, bf16, fp8, fp8-rowwise, mxfp8 or nvfp4", v->text);
    return SP_OK;
}

sp_status cli_optimizer(const cli_command *cmd, const cli_value *values, sp_optimizer *out, sp_error *err)
{
    const cli_value *v = cli_flag(cmd, values, "optimizer");
    if (v->set && !sp_optimizer_parse(v->text, out))
        return cli_flag_error(err, "optimizer", "'%s' is not adamw, adam, adam8bit, sgd or adafactor", v->text);
    return SP_OK;
}

sp_status cli_recompute(const cli_command *cmd, const cli_value *values, sp_recompute *out, bool *given,
                        sp_error *err)
{
    const cli_value *v = cli_flag(cmd, values, "recompute");
    *given = v->set;
    if (v->set && !sp_recompute_parse(v->text, out))
        return cli_flag_error(err, "recompute", "'%s' is not none, selective, full or op", v->text);
    return SP_OK;
}

sp_status cli_dtype(const cli_command *cmd, const cli_value *values, const char *name, bool allow_int4,
                    sp_dtype *out, sp_error *err)
{
    const cli_value *v = cli_flag(cmd, values, name);
    if (v->set && (!sp_dtype_parse(v->text, out) || ((*out == SP_DTYPE_INT4 || sp_dtype_is_fp4(*out)) && !allow_int4) ||
                   *out == SP_DTYPE_FP32))
        return cli_flag_error(err, name, "'%s' is not bf16, fp16, fp8%s", v->text,
                              allow_int4 ? ", int8, int4, nvfp4 (or fp4) or mxfp4" : " or int8");
    return SP_OK;
}

sp_status cli_accel_list(const cli_command *cmd, const cli_value *v, const sp_accel_catalog *catalog,
                         const sp_accel **out, size_t max, size_t *count, sp_error *err)
{
    *count = 0;
    if (!cli_flag(cmd, v, "gpu")->set)
        return gpu_required(cmd, v, err);
    char copy[512];
    if ((size_t)snprintf(copy, sizeof copy, "%s", cli_flag(cmd, v, "gpu")->text) >= sizeof copy)
        return cli_flag_error(err, "gpu", "the list is too long");
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*count == max)
            return cli_flag_error(err, "gpu", "at most %zu accelerators", max);
        sp_status s = cli_find_accel(catalog, tok, &out[*count], err);
        if (s != SP_OK)
            return s;
        /* A part named twice is one option, not two rows of the same answer. */
        bool again = false;
        for (size_t i = 0; i < *count; i++)
            again = again || out[i] == out[*count];
        *count += !again;
    }
    return *count ? SP_OK
                  : cli_flag_error(err, "gpu", "names no accelerator: give one or a comma list (see `stackplan catalog accelerators`)");
}

sp_status cli_gpu_counts(const char *text, double *counts, size_t max, size_t *n, sp_error *err)
{
    *n = 0;
    const char *dash = strchr(text, '-');
    while (dash && dash > text && (dash[-1] == 'e' || dash[-1] == 'E')) /* an exponent ("1e-3"), not a range */
        dash = strchr(dash + 1, '-');
    if (dash) {
        char lo_text[32];
        snprintf(lo_text, sizeof lo_text, "%.*s", (int)(dash - text), text);
        double lo = 0, hi = 0;
        if (sp_parse_number(lo_text, SP_NUM_INTEGER | SP_NUM_ALLOW_SUFFIX, &lo, err) != SP_OK ||
            sp_parse_number(dash + 1, SP_NUM_INTEGER | SP_NUM_ALLOW_SUFFIX, &hi, err) != SP_OK || lo < 1 || hi < lo ||
            hi > 1e7)
            return cli_flag_error(err, "gpus", "'%s' is not a range A-B with 1 <= A <= B <= 1e7", text);
        /* A, then the powers of two above it: a start such as 19 doubles into counts (38, 76 ...)
         * that no batch, head or layer count splits, and the answer would skip every usual one. */
        counts[(*n)++] = lo;
        for (double c = pow(2.0, floor(log2(lo)) + 1.0); c <= hi && *n < max; c *= 2)
            counts[(*n)++] = c;
        if (counts[*n - 1] != hi && *n < max) /* the range ends at B, a power of two or not */
            counts[(*n)++] = hi;
        return SP_OK;
    }
    char copy[256];
    if ((size_t)snprintf(copy, sizeof copy, "%s", text) >= sizeof copy)
        return cli_flag_error(err, "gpus", "the list is too long");
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == max)
            return cli_flag_error(err, "gpus", "at most %zu counts", max);
        if (sp_parse_number(tok, SP_NUM_INTEGER | SP_NUM_ALLOW_SUFFIX, &counts[*n], err) != SP_OK || counts[*n] < 1 ||
            counts[*n] > 1e7)
            return cli_flag_error(err, "gpus", "'%s' is not a whole number from 1 to 1e7", tok);
        bool again = false; /* a count given twice is tried once */
        for (size_t i = 0; i < *n; i++)
            again = again || counts[i] == counts[*n];
        *n += !again;
    }
    return *n ? SP_OK : cli_flag_error(err, "gpus", "no count given");
}
