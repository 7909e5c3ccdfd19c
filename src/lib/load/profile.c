/* profile.c - reads a YAML list of job profiles into plain structs. */
#include "load_internal.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* The keys read as text; the numbers are NUMBER_FIELDS and the knobs SP_KNOB_SPECS. */
static const char *const TEXT_KEYS[] = {"name",  "axis",     "mode",  "precision", "optimizer", "weight_dtype",
                                        "kv_dtype", "model", "gpu", "instance", "stages", "method", "engine"};
enum { TEXT_KEY_COUNT = sizeof TEXT_KEYS / sizeof TEXT_KEYS[0] };

typedef struct {
    const char *key;
    size_t offset;     /* into sp_profile */
    double min, max;   /* 1e5 billion parameters is far past any model ever trained */
    unsigned flags;
} number_field;

#define FIELD(k, lo, hi, fl) {#k, offsetof(sp_profile, k), lo, hi, fl}

static const number_field NUMBER_FIELDS[] = {
    FIELD(params_b, 0, 1e5, 0),
    FIELD(memory_gb, 0, 1e9, SP_NUM_POSITIVE),
    FIELD(data_tb, 0, 1e7, 0),
    FIELD(qps, 0, 1e9, 0),
    FIELD(train_hours, 0, 1e6, SP_NUM_POSITIVE),
    FIELD(budget_usd, 0, 1e12, SP_NUM_POSITIVE),
    FIELD(seq, 1, 1e7, SP_NUM_INTEGER),
    FIELD(micro_batch, 1, 1e6, SP_NUM_INTEGER),
    /* A training layout pinned, as train's --tp, --pp, --dp, --cp, --ep, --etp, --interleave and --zero;
     * the same bounds (src/lib/api/option_defaults.c). */
    FIELD(tp, 1, 1024, SP_NUM_INTEGER),
    FIELD(pp, 1, 1024, SP_NUM_INTEGER),
    FIELD(dp, 1, 1e6, SP_NUM_INTEGER),
    FIELD(cp, 1, 1024, SP_NUM_INTEGER),
    FIELD(ep, 1, 1e6, SP_NUM_INTEGER),
    FIELD(etp, 1, 1024, SP_NUM_INTEGER),
    FIELD(interleave, 1, 128, SP_NUM_INTEGER),
    FIELD(zero, 0, 3, SP_NUM_INTEGER),
    FIELD(tokens, 1, 1e16, SP_NUM_ALLOW_SUFFIX),
    FIELD(global_batch, 1, 1e8, SP_NUM_INTEGER),
    FIELD(prompt_tokens, 1, 1e7, SP_NUM_INTEGER),
    FIELD(output_tokens, 1, 1e7, SP_NUM_INTEGER),
    FIELD(ttft_ms, 0, 1e7, SP_NUM_POSITIVE),
    FIELD(tpot_ms, 0, 1e7, SP_NUM_POSITIVE),
    FIELD(percentile, 50, 99.9, 0),
    FIELD(prefix_share, 0, 0.99, 0),
    FIELD(max_loras, 1, 1024, SP_NUM_INTEGER),
    FIELD(prompt_spread, 0, 10, 0),
    FIELD(output_spread, 0, 10, 0),
    FIELD(dataset_gb, 0, 1e9, SP_NUM_POSITIVE),
    FIELD(epochs, 0, 1e4, SP_NUM_POSITIVE),
    FIELD(gpus, 1, 1e7, SP_NUM_INTEGER),
};
enum { NUMBER_FIELD_COUNT = sizeof NUMBER_FIELDS / sizeof NUMBER_FIELDS[0] };

static const char *const REQUIRED_KEYS[] = {"name", "budget_usd", NULL};

static sp_status unknown_key(sp_yaml *y, const yaml_node_t *key, sp_error *err)
{
    const char *keys[TEXT_KEY_COUNT + NUMBER_FIELD_COUNT + SP_KNOB_COUNT + SP_PROFILE_FT_KEYS_MAX + 1];
    size_t n = 0;
    for (const char *const *ft = sp_profile_ft_keys(); *ft; ft++)
        keys[n++] = *ft;
    for (size_t i = 0; i < TEXT_KEY_COUNT; i++)
        keys[n++] = TEXT_KEYS[i];
    for (size_t i = 0; i < NUMBER_FIELD_COUNT; i++)
        keys[n++] = NUMBER_FIELDS[i].key;
    for (size_t i = 0; i < SP_KNOB_COUNT; i++)
        keys[n++] = SP_KNOB_SPECS[i].key;
    keys[n] = NULL;
    const char *text = sp_yaml_scalar(key);
    const char *near = sp_nearest_key(keys, text);
    if (near)
        return sp_yaml_fail(y, key, text, err, "unknown key; did you mean '%s'?", near);
    return sp_yaml_fail(y, key, text, err, "unknown key (see docs/CLI.md for the profile keys)");
}

static sp_status read_enum(sp_yaml *y, const yaml_node_t *value, const char *key, sp_profile *p,
                           sp_error *err)
{
    char text[SP_NAME_MAX];
    sp_status status = sp_yaml_string(y, value, key, text, sizeof text, err);
    if (status != SP_OK)
        return status;
    if (!strcmp(key, "weight_dtype") || !strcmp(key, "kv_dtype")) {
        sp_dtype *d = !strcmp(key, "weight_dtype") ? &p->weight_dtype : &p->kv_dtype;
        if (!sp_dtype_parse(text, d) || *d == SP_DTYPE_FP32 ||
            (d == &p->kv_dtype && (*d == SP_DTYPE_INT4 || sp_dtype_is_fp4(*d))))
            return sp_yaml_fail(y, value, key, err, "'%s' is not one of bf16, fp16, fp8, int8%s", text,
                                d == &p->kv_dtype ? "" : ", int4, nvfp4 (or fp4), mxfp4");
        p->has_weight_dtype |= d == &p->weight_dtype;
    } else if (!strcmp(key, "engine")) {
        if (!sp_engine_ask_parse(text, &p->engine))
            return sp_yaml_fail(y, value, key, err, "'%s' is not one of vllm, sglang, trtllm", text);
    } else if (!strcmp(key, "precision")) {
        p->has_precision = sp_precision_parse(text, &p->precision);
        if (!p->has_precision)
            return sp_yaml_fail(y, value, key, err,
                                "'%s' is not one of fp32, mixed-fp16, mixed-bf16, bf16, fp8, fp8-rowwise, mxfp8, nvfp4", text);
    } else if (!strcmp(key, "optimizer")) {
        p->has_optimizer = sp_optimizer_parse(text, &p->optimizer);
        if (!p->has_optimizer)
            return sp_yaml_fail(y, value, key, err,
                                "'%s' is not one of adamw, adam, adam8bit, sgd, adafactor", text);
    } else if (!strcmp(key, "axis")) {
        p->has_axis = sp_axis_parse(text, &p->axis);
        if (!p->has_axis)
            return sp_yaml_fail(y, value, key, err,
                                "'%s' is not one of data, training, model, serving", text);
    } else {
        p->has_mode = sp_mode_parse(text, &p->mode);
        if (!p->has_mode)
            return sp_yaml_fail(y, value, key, err, "'%s' is not one of train, infer", text);
    }
    return SP_OK;
}

/* method: full, lora, qlora, dora, or auto to compare full, LoRA and QLoRA. */
static sp_status read_method(sp_yaml *y, const yaml_node_t *value, sp_profile *p, sp_error *err)
{
    char text[SP_NAME_MAX];
    sp_status status = sp_yaml_string(y, value, "method", text, sizeof text, err);
    if (status != SP_OK)
        return status;
    sp_ft_method m = SP_METHOD_LORA;
    p->has_method = true;
    p->method_auto = !strcmp(text, "auto");
    if (!p->method_auto && !sp_ft_method_parse(text, &m))
        return sp_yaml_fail(y, value, "method", err, "'%s' is not one of full, lora, qlora, dora, auto", text);
    p->method = (int)m;
    return SP_OK;
}

/* A catalog name, with its place so that a name the catalog lacks can be pointed at. */
static sp_status read_catalog_name(sp_yaml *y, const yaml_node_t *value, const char *key,
                                   sp_profile *p, sp_error *err)
{
    char *dst = !strcmp(key, "model") ? p->model : !strcmp(key, "gpu") ? p->gpu : p->instance;
    unsigned *line = !strcmp(key, "model") ? &p->model_line : !strcmp(key, "gpu") ? &p->gpu_line : &p->instance_line;
    unsigned *col = !strcmp(key, "model") ? &p->model_col : !strcmp(key, "gpu") ? &p->gpu_col : &p->instance_col;
    *line = (unsigned)value->start_mark.line + 1;
    *col = (unsigned)value->start_mark.column + 1;
    return sp_yaml_string(y, value, key, dst, SP_NAME_MAX, err);
}

/* stages: a list of stage names, checked against the stage model when the plan is made. */
static sp_status read_stages(sp_yaml *y, const yaml_node_t *value, sp_profile *p, sp_error *err)
{
    sp_status s = sp_yaml_expect(y, value, YAML_SEQUENCE_NODE, "stages", err);
    p->stage_count = 0;
    for (yaml_node_item_t *it = s == SP_OK ? value->data.sequence.items.start : NULL;
         s == SP_OK && it < value->data.sequence.items.top; it++) {
        if (p->stage_count == SP_STAGES_MAX)
            return sp_yaml_fail(y, value, "stages", err, "at most %d stages", SP_STAGES_MAX);
        s = sp_yaml_string(y, sp_yaml_node(y, *it), "stages", p->stage_names[p->stage_count], SP_NAME_MAX, err);
        p->stage_count++;
    }
    if (s == SP_OK && p->stage_count == 0)
        s = sp_yaml_fail(y, value, "stages", err, "the list is empty");
    return s;
}

static sp_status read_knob(sp_yaml *y, const yaml_node_t *value, const sp_knob_spec *k,
                           sp_profile *p, sp_error *err)
{
    double v = 0;
    sp_status status = sp_yaml_number(y, value, k->key, k->min, k->max, k->flags, &v, err);
    if (status == SP_OK) {
        sp_knob_set(&p->knobs, k, v);
        p->knobs_set |= k->set_bit;
    }
    return status;
}

static sp_status read_field(sp_yaml *y, const yaml_node_t *key, const yaml_node_t *value,
                            sp_profile *p, sp_error *err)
{
    const char *name = sp_yaml_scalar(key);
    if (p->place_count < sizeof p->places / sizeof p->places[0] && strlen(name) < sizeof p->places[0].key) {
        snprintf(p->places[p->place_count].key, sizeof p->places[0].key, "%s", name);
        p->places[p->place_count].line = (unsigned)value->start_mark.line + 1;
        p->places[p->place_count++].col = (unsigned)value->start_mark.column + 1;
    }
    if (!strcmp(name, "name"))
        return sp_yaml_string(y, value, name, p->name, sizeof p->name, err);
    if (!strcmp(name, "axis") || !strcmp(name, "mode") || !strcmp(name, "precision") ||
        !strcmp(name, "optimizer") || !strcmp(name, "weight_dtype") || !strcmp(name, "kv_dtype") ||
        !strcmp(name, "engine"))
        return read_enum(y, value, name, p, err);
    if (!strcmp(name, "model") || !strcmp(name, "gpu") || !strcmp(name, "instance"))
        return read_catalog_name(y, value, name, p, err);
    if (!strcmp(name, "stages"))
        return read_stages(y, value, p, err);
    if (!strcmp(name, "method"))
        return read_method(y, value, p, err);
    for (const char *const *ft = sp_profile_ft_keys(); *ft; ft++)
        if (!strcmp(name, *ft))
            return sp_profile_read_ft_key(y, name, value, p, err);
    for (size_t i = 0; i < NUMBER_FIELD_COUNT; i++) {
        const number_field *f = &NUMBER_FIELDS[i];
        if (strcmp(name, f->key))
            continue;
        double v = 0;
        sp_status status = sp_yaml_number(y, value, name, f->min, f->max, f->flags, &v, err);
        if (status == SP_OK)
            memcpy((char *)p + f->offset, &v, sizeof v);
        if (!strcmp(name, "memory_gb"))
            p->has_memory_gb = true;
        if (!strcmp(name, "zero"))
            p->has_zero = true;
        return status;
    }
    for (size_t i = 0; i < SP_KNOB_COUNT; i++)
        if (!strcmp(name, SP_KNOB_SPECS[i].key))
            return read_knob(y, value, &SP_KNOB_SPECS[i], p, err);
    return unknown_key(y, key, err);
}

/* The pre-training layout keys, in the order messages name them; zero pins from 0 (has_zero), the
 * degrees from 1 (0: searched). */
static const struct {
    const char *key;
    size_t offset;
} LAYOUT_KEYS[] = {{"tp", offsetof(sp_profile, tp)},   {"pp", offsetof(sp_profile, pp)},
                   {"dp", offsetof(sp_profile, dp)},   {"cp", offsetof(sp_profile, cp)},
                   {"ep", offsetof(sp_profile, ep)},   {"etp", offsetof(sp_profile, etp)},
                   {"interleave", offsetof(sp_profile, interleave)}, {"zero", offsetof(sp_profile, zero)}};
enum { LAYOUT_KEY_COUNT = sizeof LAYOUT_KEYS / sizeof LAYOUT_KEYS[0] };

size_t sp_profile_layout_pins(const sp_profile *p, const char **keys, double *values, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < LAYOUT_KEY_COUNT && n < max; i++) {
        double v;
        memcpy(&v, (const char *)p + LAYOUT_KEYS[i].offset, sizeof v);
        if (strcmp(LAYOUT_KEYS[i].key, "zero") ? v > 0 : p->has_zero) {
            keys[n] = LAYOUT_KEYS[i].key;
            values[n++] = v;
        }
    }
    return n;
}

const char *sp_profile_layout_key(const char *name)
{
    for (size_t i = 0; i < LAYOUT_KEY_COUNT; i++)
        if (!strcmp(name, LAYOUT_KEYS[i].key))
            return LAYOUT_KEYS[i].key;
    return NULL;
}

bool sp_profile_place(const sp_profile *p, const char *key, unsigned *line, unsigned *col)
{
    for (unsigned i = 0; i < p->place_count; i++)
        if (!strcmp(p->places[i].key, key)) {
            *line = p->places[i].line;
            *col = p->places[i].col;
            return true;
        }
    *line = p->line;
    *col = 0;
    return false;
}

/* The keys this profile must have and lacks, in the order the message names them: all of them at
 * once, so a new profile is not corrected one key a run. */
static size_t missing_keys(sp_yaml *y, const yaml_node_t *map, bool fine_tune, const char *missing[3])
{
    size_t n = 0;
    for (int i = 0; REQUIRED_KEYS[i]; i++)
        if (!sp_yaml_mapping_get(y, map, REQUIRED_KEYS[i]))
            missing[n++] = REQUIRED_KEYS[i];
    /* How long a fine-tune takes is the answer, not the input; anything else needs its hours. */
    if (!fine_tune && !sp_yaml_mapping_get(y, map, "train_hours"))
        missing[n++] = "train_hours";
    return n;
}

/* Checks what one field alone cannot: required keys, conflicts, something to size. */
static sp_status check_profile(sp_yaml *y, const yaml_node_t *map, const sp_profile *p, sp_error *err)
{
    bool fine_tune = p->has_method && p->model[0];
    /* A method without a model changes nothing in the seed's arithmetic (16 bytes a parameter): an
     * 8B QLoRA would be sized and priced as full training, so it is refused at the key, before the
     * keys the seed's arithmetic would then miss (train_hours), which naming the model makes moot. */
    if (p->has_method && !p->model[0])
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "method"), "method", err,
                            "a fine-tune is searched for a named model on a gpu (the seed's arithmetic has no "
                            "method): add model and gpu (profile '%s')",
                            p->name);
    /* A fine-tune's keys without its method would be dropped, but for lora_rank on a serving fleet:
     * the adapters served beside the base (serve --lora-rank); the pre-training run has no LoRA. */
    for (const char *const *ft = sp_profile_ft_keys(); !p->has_method && *ft; ft++)
        if (sp_yaml_mapping_get(y, map, *ft) && !(p->qps > 0 && !strcmp(*ft, "lora_rank")))
            return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, *ft), *ft, err,
                                "a fine-tune's key: add method (or qps: lora_rank then serves adapters beside the "
                                "base, as `stackplan serve --lora-rank`) (profile '%s')",
                                p->name);
    /* Adapters one batch mixes: of the adapters lora_rank serves. */
    if (sp_yaml_mapping_get(y, map, "max_loras") && (!(p->lora_rank > 0) || p->has_method))
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "max_loras"), "max_loras", err,
                            "counts the adapters a serving profile's lora_rank serves beside the base (qps, no "
                            "method): add lora_rank, or drop it from a fine-tune (profile '%s')",
                            p->name);
    const char *missing[3];
    size_t n_missing = missing_keys(y, map, fine_tune, missing);
    if (n_missing > 0) {
        char also[64] = "";
        for (size_t i = 1; i < n_missing; i++)
            snprintf(also + strlen(also), sizeof also - strlen(also), "%s%s", i > 1 ? " and " : n_missing == 2 ? "; so is " : "; so are ",
                     missing[i]);
        return sp_yaml_fail(y, map, missing[0], err, "missing (profile '%s'%s)", p->name[0] ? p->name : "unnamed", also);
    }
    /* Without a gpu a named model's fine-tune has nothing to search on, and the plan would size a
     * full pre-training run's memory instead: the method would be dropped without a word. */
    if (fine_tune && !p->gpu[0])
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "method"), "method", err,
                            "a fine-tune is searched on a catalog accelerator: add gpu (profile '%s')", p->name);
    /* Keys that only a named model's plan reads: refused rather than left without effect. */
    static const char *const MODEL_ONLY[] = {"ttft_ms", "tpot_ms", "percentile", "prefix_share", "engine", "prompt_tokens", "output_tokens",
                                             "prompt_spread", "output_spread", "max_loras",
                                             "weight_dtype", "kv_dtype", "tokens", "seq", "micro_batch",
                                             "global_batch", "precision", "optimizer", NULL};
    for (int i = 0; !p->model[0] && MODEL_ONLY[i]; i++)
        if (sp_yaml_mapping_get(y, map, MODEL_ONLY[i]))
            return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, MODEL_ONLY[i]), MODEL_ONLY[i], err,
                                "applies to a named model's plan (the seed's arithmetic ignores it): add model "
                                "(profile '%s')",
                                p->name);
    /* A pinned layout is a named model's pre-training run on a catalog part: a fine-tune searches its
     * own data-parallel layouts and a serving fleet its replicas. */
    const char *pin = NULL;
    double pinned = 0;
    if (sp_profile_layout_pins(p, &pin, &pinned, 1) > 0 && (!p->model[0] || !p->gpu[0]))
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, pin), pin, err,
                            "pins a named model's training layout on a catalog gpu: add model and gpu (profile '%s')",
                            p->name);
    if (pin && (fine_tune || p->qps > 0 || (p->has_mode && p->mode == SP_MODE_INFER) ||
                (p->has_axis && p->axis == SP_AXIS_SERVING)))
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, pin), pin, err,
                            "pins a pre-training layout: a fine-tune searches its own data-parallel one and a "
                            "serving fleet its replicas (profile '%s')",
                            p->name);
    /* A percentile is of requests arriving at a rate: without qps there is no queue to simulate. */
    const yaml_node_t *percentile = sp_yaml_mapping_get(y, map, "percentile");
    if (percentile && !(p->qps > 0))
        return sp_yaml_fail(y, percentile, "percentile", err,
                            "holds the targets under Poisson arrivals at a rate: add qps (profile '%s')", p->name);
    /* Serving keys on a profile that serves nothing would be dropped, and a named model planned as a
     * pre-training run: a serving plan is sized for a rate. */
    static const char *const SERVING_ONLY[] = {"ttft_ms", "tpot_ms", "prompt_tokens", "output_tokens", "weight_dtype",
                                               "kv_dtype", "engine", "prefix_share", "prompt_spread",
                                               "output_spread", "max_loras", NULL};
    bool serves = (p->has_mode && p->mode == SP_MODE_INFER) || (p->has_axis && p->axis == SP_AXIS_SERVING);
    for (int i = 0; !(p->qps > 0) && SERVING_ONLY[i]; i++)
        if (sp_yaml_mapping_get(y, map, SERVING_ONLY[i]))
            return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, SERVING_ONLY[i]), SERVING_ONLY[i], err,
                                "sizes a serving fleet, which is sized for a rate: add qps (profile '%s')", p->name);
    if (serves && !(p->qps > 0))
        return sp_yaml_fail(y, map, "qps", err, "missing: a serving plan is sized for a rate of requests (profile '%s')",
                            p->name);
    /* A pinned count is a named model's training run or fine-tune on a catalog part; a serving fleet
     * is sized from its rate and the seed's arithmetic has no layout to pin. */
    const yaml_node_t *gpus = sp_yaml_mapping_get(y, map, "gpus");
    if (gpus && (!p->model[0] || !p->gpu[0]))
        return sp_yaml_fail(y, gpus, "gpus", err,
                            "pins a named model's training run or fine-tune on a catalog gpu: add model and gpu "
                            "(profile '%s')",
                            p->name);
    if (gpus && (p->qps > 0 || (p->has_mode && p->mode == SP_MODE_INFER) || (p->has_axis && p->axis == SP_AXIS_SERVING)))
        return sp_yaml_fail(y, gpus, "gpus", err,
                            "a serving fleet is sized from qps and the latency targets, not pinned (profile '%s')",
                            p->name);
    /* A data job with no instance runs on the catalog's cheapest that meets train_hours (plan.c). */
    if (p->stage_count > 0 && !p->instance[0] && (!(p->data_tb > 0) || p->gpu[0] || p->model[0]))
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "stages"), "stages", err,
                            "the stage model sizes a data job (data_tb) on a catalog CPU instance, the one named "
                            "in instance or, with no gpu or model, the cheapest that meets train_hours (profile '%s')",
                            p->name);
    if (fine_tune && p->dataset_gb > 0 && p->tokens > 0)
        return sp_yaml_fail(y, map, "dataset_gb", err, "give dataset_gb or tokens, not both (profile '%s')", p->name);
    if (fine_tune && !(p->dataset_gb > 0) && !(p->tokens > 0))
        return sp_yaml_fail(y, map, "dataset_gb", err,
                            "a fine-tune needs its data: give dataset_gb or tokens (profile '%s')", p->name);
    if (p->has_memory_gb && p->params_b > 0)
        return sp_yaml_fail(y, map, "memory_gb", err,
                            "give params_b or memory_gb, not both (profile '%s')", p->name);
    if (p->model[0] && (p->has_memory_gb || p->params_b > 0))
        return sp_yaml_fail(y, map, "model", err,
                            "a named model fixes the size: drop params_b and memory_gb (profile '%s')",
                            p->name);
    if (!p->model[0] && !p->has_memory_gb && p->params_b == 0 && p->data_tb == 0 && p->qps == 0)
        return sp_yaml_fail(y, map, "params_b", err,
                            "nothing to size: give params_b, memory_gb, data_tb or qps (profile '%s')",
                            p->name);
    return SP_OK;
}

static sp_status read_profile(sp_yaml *y, const yaml_node_t *map, sp_profile *p, sp_error *err)
{
    memset(p, 0, sizeof *p);
    p->line = (unsigned)map->start_mark.line + 1;
    sp_status status = sp_yaml_expect(y, map, YAML_MAPPING_NODE, "profile", err);
    if (status == SP_OK)
        status = sp_yaml_no_duplicate_keys(y, map, err);
    for (yaml_node_pair_t *it = status == SP_OK ? map->data.mapping.pairs.start : NULL;
         status == SP_OK && it < map->data.mapping.pairs.top; it++)
        status = read_field(y, sp_yaml_node(y, it->key), sp_yaml_node(y, it->value), p, err);
    if (status == SP_OK)
        status = check_profile(y, map, p, err);
    return status;
}

/* By sorting the names: n log n, where comparing every pair took minutes for 100,000 profiles. */
static sp_status check_unique_names(sp_yaml *y, const yaml_node_t *seq, const sp_profile_list *list,
                                    sp_error *err)
{
    size_t i = 0, j = 0;
    sp_status status = sp_repeated_row(y->file, list->items, list->count, sizeof *list->items,
                                       offsetof(sp_profile, name), &i, &j, err);
    if (status != SP_OK || i == list->count)
        return status;
    return sp_yaml_fail(y, sp_yaml_node(y, seq->data.sequence.items.start[i]), "name", err,
                        "'%s' names two profiles (first on line %u)", list->items[i].name, list->items[j].line);
}

static sp_status read_profiles(sp_yaml *y, sp_profile_list *out, sp_error *err)
{
    yaml_node_t *root = sp_yaml_root(y);
    sp_status status = sp_yaml_expect(y, root, YAML_SEQUENCE_NODE, "profiles", err);
    if (status != SP_OK)
        return status;
    size_t count = (size_t)(root->data.sequence.items.top - root->data.sequence.items.start);
    if (count == 0)
        return sp_yaml_fail(y, root, "profiles", err, "the list is empty");
    if (count > SP_ROWS_MAX)
        return sp_yaml_fail(y, root, "profiles", err, "%zu profiles: at most %d in one file", count, SP_ROWS_MAX);
    out->items = calloc(count, sizeof *out->items);
    if (!out->items)
        return sp_fail(err, SP_ERR_NOMEM, y->file, 0, 0, "", "out of memory");
    for (size_t i = 0; status == SP_OK && i < count; i++) {
        status = read_profile(y, sp_yaml_node(y, root->data.sequence.items.start[i]),
                              &out->items[i], err);
        out->count = i + 1;
    }
    if (status == SP_OK)
        status = check_unique_names(y, root, out, err);
    return status;
}

sp_status sp_profiles_parse(const char *name, const char *text, size_t length,
                            sp_profile_list *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_yaml y;
    sp_status status = sp_yaml_parse(&y, name, text, length, err);
    if (status != SP_OK)
        return status;
    status = read_profiles(&y, out, err);
    sp_yaml_free(&y);
    if (status != SP_OK)
        sp_profile_list_free(out);
    return status;
}

sp_status sp_profiles_load(const char *path, sp_profile_list *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t length = 0;
    sp_status status = sp_read_file(path, &text, &length, err);
    if (status != SP_OK)
        return status;
    status = sp_profiles_parse(path, text, length, out, err);
    free(text);
    return status;
}

void sp_profile_list_free(sp_profile_list *list)
{
    if (!list)
        return;
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
