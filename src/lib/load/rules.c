/* rules.c - loads the sizing constants and the design-to-tool table from data/. */
#include "load_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    const char *key;
    size_t offset; /* into sp_limits */
    double min, max;
    unsigned flags;
} limit_spec;

#define LIMIT(k, lo, hi, fl) {#k, offsetof(sp_limits, k), lo, hi, fl}

static const limit_spec LIMITS[] = {
    LIMIT(train_bytes_per_param, 0, 1024, SP_NUM_POSITIVE),
    LIMIT(infer_bytes_per_param, 0, 1024, SP_NUM_POSITIVE),
    LIMIT(local_max_data_tb, 0, 1e9, 0),
    LIMIT(managed_max_nodes, 1, 1e6, SP_NUM_INTEGER),
    LIMIT(cuda_context_gb, 0, 64, 0),
    LIMIT(allocator_fragmentation, 0, 1, 0),
    LIMIT(allocator_fragmentation_multi_gpu, 0, 1, 0),
    LIMIT(prefill_chunk_tokens, 1, 1e7, SP_NUM_INTEGER),
    LIMIT(int4_group_size, 1, 1e6, SP_NUM_INTEGER),
    LIMIT(tokens_per_param, 0, 1e6, SP_NUM_POSITIVE),
    LIMIT(tokens_per_step, 1, 1e9, SP_NUM_INTEGER),
    LIMIT(run_max_gpus, 1, 1e7, SP_NUM_INTEGER),
    LIMIT(quant_block, 1, 1e6, SP_NUM_INTEGER),
    LIMIT(double_quant_block, 1, 1e6, SP_NUM_INTEGER),
    LIMIT(loss_bytes_per_logit, 0, 64, 0),
    LIMIT(chunked_loss_bytes_per_logit, 0, 64, 0),
    LIMIT(eager_loss_bytes_per_logit, 1, 64, SP_NUM_POSITIVE),
    LIMIT(dataset_bytes_per_token, 0.1, 100, SP_NUM_POSITIVE),
    LIMIT(goodput, 0.05, 1, SP_NUM_POSITIVE),
    LIMIT(serve_tpot_ms, 1, 1e5, SP_NUM_POSITIVE),
    LIMIT(serve_stream_s_per_token, 0, 1e-2, 0),
    LIMIT(serve_ttft_ms_mlperf, 1, 1e6, SP_NUM_POSITIVE),
    LIMIT(serve_route_choices, 0, 2, SP_NUM_INTEGER),
    LIMIT(seed_gpu_bf16_flops_per_s, 1e12, 1e17, SP_NUM_POSITIVE),
    LIMIT(ops_note_share, 0, 1, 0),
};
enum { LIMIT_COUNT = sizeof LIMITS / sizeof LIMITS[0] };

/* A mapping whose keys are all in allowed, with every required key present. */
static sp_status check_keys(sp_yaml *y, const yaml_node_t *map, const char *what,
                            const char *const *allowed, sp_error *err)
{
    sp_status status = sp_yaml_expect(y, map, YAML_MAPPING_NODE, what, err);
    if (status == SP_OK)
        status = sp_yaml_no_duplicate_keys(y, map, err);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         status == SP_OK && p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = sp_yaml_node(y, p->key);
        if (sp_key_index(allowed, sp_yaml_scalar(k)) < 0)
            return sp_yaml_fail(y, k, sp_yaml_scalar(k), err, "unknown key in %s", what);
    }
    for (int i = 0; status == SP_OK && allowed[i]; i++)
        if (!sp_yaml_mapping_get(y, map, allowed[i]))
            return sp_yaml_fail(y, map, allowed[i], err, "missing in %s", what);
    return status;
}

static sp_status load_defaults(sp_yaml *y, sp_rules *out, sp_error *err)
{
    yaml_node_t *root = sp_yaml_root(y);
    const char *keys[SP_KNOB_COUNT + LIMIT_COUNT + 1];
    for (size_t i = 0; i < SP_KNOB_COUNT; i++)
        keys[i] = SP_KNOB_SPECS[i].key;
    for (size_t i = 0; i < LIMIT_COUNT; i++)
        keys[SP_KNOB_COUNT + i] = LIMITS[i].key;
    keys[SP_KNOB_COUNT + LIMIT_COUNT] = NULL;
    sp_status status = check_keys(y, root, "defaults", keys, err);
    for (size_t i = 0; status == SP_OK && i < SP_KNOB_COUNT; i++) {
        const sp_knob_spec *k = &SP_KNOB_SPECS[i];
        double value = 0;
        status = sp_yaml_sourced_number(y, root, k->key, k->min, k->max, k->flags,
                            &value, err);
        sp_knob_set(&out->knobs, k, value);
    }
    for (size_t i = 0; status == SP_OK && i < LIMIT_COUNT; i++) {
        const limit_spec *l = &LIMITS[i];
        double value = 0;
        status = sp_yaml_sourced_number(y, root, l->key, l->min, l->max, l->flags,
                            &value, err);
        memcpy((char *)&out->limits + l->offset, &value, sizeof value);
    }
    return status;
}

/* A list of short names, at most SP_FRAMEWORKS_MAX. */
static sp_status load_names(sp_yaml *y, const yaml_node_t *seq, const char *field,
                            char names[][SP_NAME_MAX], unsigned *count, sp_error *err)
{
    sp_status status = sp_yaml_expect(y, seq, YAML_SEQUENCE_NODE, field, err);
    if (status != SP_OK)
        return status;
    *count = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        if (*count == SP_FRAMEWORKS_MAX)
            return sp_yaml_fail(y, seq, field, err, "more than %d names", SP_FRAMEWORKS_MAX);
        status = sp_yaml_string(y, sp_yaml_node(y, *it), field, names[*count], SP_NAME_MAX, err);
        if (status != SP_OK)
            return status;
        (*count)++;
    }
    if (*count == 0)
        return sp_yaml_fail(y, seq, field, err, "the list is empty");
    return SP_OK;
}

static const char *const AXIS_KEYS[] = {"axis", "collective", "frameworks", "seed_label",
                                        "refuse_to_build", "refuse_why", "source", NULL};

static sp_status load_axis(sp_yaml *y, const yaml_node_t *row, sp_rules *out, bool *seen,
                           sp_error *err)
{
    sp_status status = check_keys(y, row, "axes", AXIS_KEYS, err);
    if (status != SP_OK)
        return status;
    yaml_node_t *name = sp_yaml_mapping_get(y, row, "axis");
    char text[SP_TEXT_MAX];
    sp_axis axis;
    status = sp_yaml_string(y, name, "axis", text, sizeof text, err);
    if (status != SP_OK)
        return status;
    if (!sp_axis_parse(text, &axis))
        return sp_yaml_fail(y, name, "axis", err, "'%s' is not data, training, model or serving", text);
    if (seen[axis])
        return sp_yaml_fail(y, name, "axis", err, "'%s' is listed twice", text);
    seen[axis] = true;
    sp_axis_info *info = &out->axes[axis];
    status = sp_yaml_string(y, sp_yaml_mapping_get(y, row, "collective"), "collective", info->collective,
                            sizeof info->collective, err);
    if (status == SP_OK)
        status = load_names(y, sp_yaml_mapping_get(y, row, "frameworks"), "frameworks", info->frameworks,
                            &info->framework_count, err);
    if (status == SP_OK)
        status = sp_yaml_string(y, sp_yaml_mapping_get(y, row, "seed_label"), "seed_label", info->seed_label,
                                sizeof info->seed_label, err);
    if (status == SP_OK)
        status = sp_yaml_string(y, sp_yaml_mapping_get(y, row, "refuse_to_build"), "refuse_to_build",
                                info->refuse_to_build, sizeof info->refuse_to_build, err);
    if (status == SP_OK)
        status = sp_yaml_string(y, sp_yaml_mapping_get(y, row, "refuse_why"), "refuse_why", info->refuse_why,
                                sizeof info->refuse_why, err);
    if (status == SP_OK)
        status = sp_yaml_string(y, sp_yaml_mapping_get(y, row, "source"), "source", text, sizeof text, err);
    return status;
}

static const char *const CROSS_KEYS[] = {"names", "source", NULL};

static sp_status load_cross(sp_yaml *y, const yaml_node_t *node, const char *field,
                            char names[][SP_NAME_MAX], unsigned *count, sp_error *err)
{
    char source[SP_TEXT_MAX];
    sp_status status = check_keys(y, node, field, CROSS_KEYS, err);
    if (status == SP_OK)
        status = sp_yaml_string(y, sp_yaml_mapping_get(y, node, "source"), "source", source, sizeof source, err);
    if (status == SP_OK)
        status = load_names(y, sp_yaml_mapping_get(y, node, "names"), field, names, count, err);
    return status;
}

static const char *const AXES_FILE_KEYS[] = {"axes", "schedulers", "trackers", NULL};

static sp_status load_axes(sp_yaml *y, sp_rules *out, sp_error *err)
{
    yaml_node_t *root = sp_yaml_root(y);
    sp_status status = check_keys(y, root, "axes file", AXES_FILE_KEYS, err);
    yaml_node_t *rows = status == SP_OK ? sp_yaml_mapping_get(y, root, "axes") : NULL;
    if (status == SP_OK)
        status = sp_yaml_expect(y, rows, YAML_SEQUENCE_NODE, "axes", err);
    bool seen[SP_AXIS_COUNT] = {false};
    for (yaml_node_item_t *it = status == SP_OK ? rows->data.sequence.items.start : NULL;
         status == SP_OK && it < rows->data.sequence.items.top; it++)
        status = load_axis(y, sp_yaml_node(y, *it), out, seen, err);
    for (int a = 0; status == SP_OK && a < SP_AXIS_COUNT; a++)
        if (!seen[a])
            status = sp_yaml_fail(y, rows, "axes", err, "no row for axis '%s'",
                                  sp_axis_name((sp_axis)a));
    if (status == SP_OK)
        status = load_cross(y, sp_yaml_mapping_get(y, root, "schedulers"), "schedulers", out->schedulers,
                            &out->scheduler_count, err);
    if (status == SP_OK)
        status = load_cross(y, sp_yaml_mapping_get(y, root, "trackers"), "trackers", out->trackers,
                            &out->tracker_count, err);
    return status;
}

#define PERF(k, lo, hi) {#k, offsetof(sp_perf_constants, k), lo, hi, 0}

static const limit_spec PERF_SPECS[] = {
    PERF(matmul_efficiency, 0.05, 1),
    PERF(gemm_saturation_dim, 0, 1e5),
    PERF(attention_efficiency, 0.05, 1),
    PERF(memory_efficiency, 0.05, 1),
    PERF(intra_link_efficiency, 0.05, 1),
    PERF(inter_link_efficiency, 0.05, 1),
    PERF(collective_latency_s, 0, 1),
    PERF(memory_headroom, 0, 0.5),
    PERF(overlap_contention, 0, 1),
    PERF(sustained_fraction, 0.05, 1),
    PERF(host_link_bytes_per_s, 1e8, 1e13),
    PERF(host_adam_params_per_s, 1e6, 1e13),
    PERF(eager_host_s_per_layer_pass, 0, 1),
    PERF(cp_min_tokens, 1, 1e7),
    PERF(nccl_base_latency_s, 0, 1e-2),
    PERF(nccl_nvlink_ring_step_s, 0, 1e-3),
    PERF(nccl_nvlink_tree_step_s, 0, 1e-3),
    PERF(nccl_net_step_s, 0, 1e-2),
    PERF(serve_weight_bandwidth_share, 0.05, 1),
    PERF(serve_host_s_per_sequence, 0, 1e-2),
    PERF(serve_reach_margin, 1, 10),
    PERF(fp8_rowwise_gemm_share, 0.05, 1),
    PERF(serve_assumed_len_cache_share, 0.05, 1),
    PERF(search_tie_tolerance, 0, 0.1),
    PERF(search_comfort_share, 0.5, 1),
    PERF(offload_min_gain, 0, 10),
    PERF(ft_patience_hours, 0, 1e6),
    PERF(ft_roomy_premium, 0, 10),
    PERF(serve_tail_note_load, 0, 1),
    PERF(serve_reach_widen, 1, 10),
    {"serve_reach_tries", offsetof(sp_perf_constants, serve_reach_tries), 1, 16, SP_NUM_INTEGER},
};
enum { PERF_COUNT = sizeof PERF_SPECS / sizeof PERF_SPECS[0] };

static sp_status load_perf(sp_yaml *y, sp_rules *out, sp_error *err)
{
    yaml_node_t *root = sp_yaml_root(y);
    const char *keys[PERF_COUNT + 1];
    for (size_t i = 0; i < PERF_COUNT; i++)
        keys[i] = PERF_SPECS[i].key;
    keys[PERF_COUNT] = NULL;
    sp_status status = check_keys(y, root, "perf", keys, err);
    for (size_t i = 0; status == SP_OK && i < PERF_COUNT; i++) {
        const limit_spec *l = &PERF_SPECS[i];
        double value = 0;
        status = sp_yaml_sourced_number(y, root, l->key, l->min, l->max, l->flags,
                            &value, err);
        memcpy((char *)&out->perf + l->offset, &value, sizeof value);
    }
    return status;
}

static const sp_field PIN_FIELDS[] = {
    {"name", offsetof(sp_framework_pin, name), sizeof(((sp_framework_pin *)0)->name), 0, 0, 0, true},
    {"version", offsetof(sp_framework_pin, version), sizeof(((sp_framework_pin *)0)->version), 0, 0, 0, true},
    {"extra", offsetof(sp_framework_pin, extra), sizeof(((sp_framework_pin *)0)->extra), 0, 0, 0, false},
    {"released", 0, 1, 0, 0, 0, true},
    {"source", 0, 1, 0, 0, 0, true},
};

static sp_status load_frameworks(sp_yaml *y, sp_rules *out, sp_error *err)
{
    yaml_node_t *root = sp_yaml_root(y);
    sp_status status = sp_yaml_expect(y, root, YAML_SEQUENCE_NODE, "frameworks", err);
    out->framework_count = 0;
    for (yaml_node_item_t *it = status == SP_OK ? root->data.sequence.items.start : NULL;
         status == SP_OK && it < root->data.sequence.items.top; it++) {
        yaml_node_t *row = sp_yaml_node(y, *it);
        if (out->framework_count == SP_FRAMEWORK_MAX)
            return sp_yaml_fail(y, row, "frameworks", err, "more than %d rows", SP_FRAMEWORK_MAX);
        sp_framework_pin *pin = &out->frameworks[out->framework_count];
        status = sp_yaml_read_row(y, row, "framework", PIN_FIELDS, sizeof PIN_FIELDS / sizeof PIN_FIELDS[0], pin, err);
        for (size_t i = 0; status == SP_OK && i < out->framework_count; i++)
            if (!strcmp(out->frameworks[i].name, pin->name))
                status = sp_yaml_fail(y, sp_yaml_mapping_get(y, row, "name"), "name", err, "'%s' is pinned twice",
                                      pin->name);
        out->framework_count++;
    }
    return status;
}

static sp_status load_launch(sp_yaml *y, sp_rules *out, sp_error *err)
{
    return sp_load_launch_data(y, &out->launch, err);
}

typedef sp_status (*file_loader)(sp_yaml *, sp_rules *, sp_error *);

static sp_status load_one(const char *data_dir, const char *name, file_loader load,
                          sp_rules *out, sp_error *err)
{
    char path[PATH_MAX]; /* the system's limit: longer is refused, never cut */
    int n = snprintf(path, sizeof path, "%s/%s", data_dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "data-dir", "the data directory's path is too long (%zu bytes)",
                       strlen(data_dir));
    char *text = NULL;
    size_t length = 0;
    sp_status status = sp_read_file(path, &text, &length, err);
    if (status != SP_OK)
        return status;
    sp_yaml y;
    status = sp_yaml_parse(&y, path, text, length, err);
    if (status == SP_OK)
        status = load(&y, out, err);
    sp_yaml_free(&y);
    free(text);
    return status;
}

sp_status sp_rules_load(const char *data_dir, sp_rules *out, sp_error *err)
{
    sp_rules rules;
    memset(&rules, 0, sizeof rules);
    sp_status status = load_one(data_dir, "defaults.yaml", load_defaults, &rules, err);
    if (status == SP_OK)
        status = load_one(data_dir, "axes.yaml", load_axes, &rules, err);
    if (status == SP_OK)
        status = load_one(data_dir, "perf.yaml", load_perf, &rules, err);
    if (status == SP_OK)
        status = load_one(data_dir, "frameworks.yaml", load_frameworks, &rules, err);
    if (status == SP_OK)
        status = load_one(data_dir, "launch.yaml", load_launch, &rules, err);
    if (status == SP_OK)
        *out = rules;
    return status;
}

double sp_rules_global_batch(const sp_rules *rules, double seq)
{
    return pow(2.0, fmax(0.0, round(log2(rules->limits.tokens_per_step / seq))));
}

sp_memory_constants sp_rules_memory_constants(const sp_rules *rules)
{
    sp_memory_constants c;
    c.cuda_context_bytes = rules->limits.cuda_context_gb * 1e9;
    c.fragmentation = rules->limits.allocator_fragmentation;
    c.prefill_chunk_tokens = rules->limits.prefill_chunk_tokens;
    c.int4_group_size = rules->limits.int4_group_size;
    c.eager_loss_bytes_per_logit = rules->limits.eager_loss_bytes_per_logit;
    return c;
}

sp_ft_constants sp_rules_ft_constants(const sp_rules *rules)
{
    sp_ft_constants c;
    c.cuda_context_bytes = rules->limits.cuda_context_gb * 1e9;
    c.fragmentation = rules->limits.allocator_fragmentation;
    c.fragmentation_multi_gpu = rules->limits.allocator_fragmentation_multi_gpu;
    c.quant_block = rules->limits.quant_block;
    c.double_quant_block = rules->limits.double_quant_block;
    c.gptq_group = rules->limits.int4_group_size;
    c.loss_bytes_per_logit = rules->limits.loss_bytes_per_logit;
    c.chunked_loss_bytes_per_logit = rules->limits.chunked_loss_bytes_per_logit;
    return c;
}
