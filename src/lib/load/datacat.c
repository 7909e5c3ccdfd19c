/* datacat.c - loads the CPU instance catalog and the data-stage model. */
#include "load_internal.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define NUM(k, lo, hi, fl) {#k, offsetof(sp_instance, k), 0, lo, hi, fl, true}
#define TEXT(k) {#k, offsetof(sp_instance, k), sizeof(((sp_instance *)0)->k), 0, 0, 0, true}
#define SOURCE(k) {#k, 0, 1, 0, 0, 0, true}

/* Ranges catch unit slips (GB for bytes, Gbps for bytes/s). */
static const sp_field INSTANCE_FIELDS[] = {
    TEXT(name), TEXT(cloud),
    NUM(vcpus, 1, 4096, SP_NUM_INTEGER),
    NUM(memory_bytes, 1e9, 1e14, 0),
    NUM(local_disks, 0, 64, SP_NUM_INTEGER),
    NUM(local_disk_bytes, 0, 1e15, 0),
    NUM(disk_read_bytes_per_s, 1e7, 1e12, 0),
    NUM(disk_write_bytes_per_s, 1e7, 1e12, 0),
    NUM(network_bytes_per_s, 1e7, 1e12, 0),
    NUM(single_flow_bytes_per_s, 1e7, 1e12, 0),
    NUM(usd_per_hour, 0, 1e3, SP_NUM_POSITIVE),
    SOURCE(spec_source), SOURCE(disk_source), SOURCE(network_source), SOURCE(price_source),
    TEXT(price_date),
};
enum { INSTANCE_FIELD_COUNT = sizeof INSTANCE_FIELDS / sizeof INSTANCE_FIELDS[0] };

static sp_status load_text(const char *path, sp_yaml *y, char **text, sp_error *err)
{
    size_t length = 0;
    sp_status s = sp_read_file(path, text, &length, err);
    if (s == SP_OK)
        s = sp_yaml_parse(y, path, *text, length, err);
    return s;
}

sp_status sp_instances_load(const char *path, sp_instance_catalog *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t length = 0;
    sp_status s = sp_read_file(path, &text, &length, err);
    if (s == SP_OK)
        s = sp_instances_parse(path, text, length, out, err);
    free(text);
    return s;
}

static sp_status read_instance(sp_yaml *y, const yaml_node_t *row, void *item, sp_error *err)
{
    sp_instance *in = item;
    in->line = (unsigned)row->start_mark.line + 1;
    return sp_yaml_read_row(y, row, "instance", INSTANCE_FIELDS, INSTANCE_FIELD_COUNT, in, err);
}

sp_status sp_instances_parse(const char *path, const char *text, size_t length, sp_instance_catalog *out,
                             sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_yaml y;
    sp_status s = sp_yaml_parse(&y, path, text, length, err);
    void *items = NULL;
    if (s == SP_OK)
        s = sp_yaml_read_list(&y, "instances", read_instance, sizeof(sp_instance), offsetof(sp_instance, name),
                              &items, &out->count, err);
    out->items = items;
    sp_yaml_free(&y);
    return s;
}

void sp_instance_catalog_free(sp_instance_catalog *catalog)
{
    if (!catalog)
        return;
    free(catalog->items);
    catalog->items = NULL;
    catalog->count = 0;
}

const sp_instance *sp_instance_find(const sp_instance_catalog *catalog, const char *name)
{
    for (size_t i = 0; i < catalog->count; i++)
        if (!strcmp(catalog->items[i].name, name))
            return &catalog->items[i];
    return NULL;
}

/* ---- data/stages.yaml ---- */

#define PHASE(k, hi, required) {#k, offsetof(sp_stage_phase, k), 0, 0, hi, 0, required}
static const sp_field PHASE_FIELDS[] = {PHASE(disk_read, 100, true), PHASE(disk_write, 100, true),
                                        PHASE(network, 100, true), PHASE(cpu_s_per_gb, 1e6, true),
                                        PHASE(gpu_tokens_per_s, 1e12, false)};

static sp_status load_phases(sp_yaml *y, const yaml_node_t *seq, sp_stage *st, sp_error *err)
{
    sp_status s = sp_yaml_expect(y, seq, YAML_SEQUENCE_NODE, "phases", err);
    for (yaml_node_item_t *it = s == SP_OK ? seq->data.sequence.items.start : NULL;
         s == SP_OK && it < seq->data.sequence.items.top; it++) {
        if (st->phase_count == SP_PHASES_MAX)
            return sp_yaml_fail(y, seq, "phases", err, "more than %d phases", SP_PHASES_MAX);
        s = sp_yaml_read_row(y, sp_yaml_node(y, *it), "phase", PHASE_FIELDS, sizeof PHASE_FIELDS / sizeof PHASE_FIELDS[0],
                             &st->phases[st->phase_count], err);
        st->phase_count++;
    }
    if (s == SP_OK && st->phase_count == 0)
        s = sp_yaml_fail(y, seq, "phases", err, "a stage needs at least one phase");
    return s;
}

static const sp_field STAGE_FIELDS[] = {
    {"name", offsetof(sp_stage, name), SP_NAME_MAX, 0, 0, 0, true},
    {"kind", 0, SP_FIELD_ELSEWHERE, 0, 0, 0, true},
    {"keep", offsetof(sp_stage, keep), 0, 0, 1, 0, true},
    {"source", 0, 1, 0, 0, 0, true},
    {"phases", 0, SP_FIELD_ELSEWHERE, 0, 0, 0, true},
};

static sp_status load_stage(sp_yaml *y, const yaml_node_t *row, sp_stage_model *out, sp_error *err)
{
    if (out->count == SP_STAGES_MAX)
        return sp_yaml_fail(y, row, "stages", err, "more than %d stages", SP_STAGES_MAX);
    sp_stage *st = &out->stages[out->count];
    /* read_row checks that the row is a mapping and that "phases" is there. */
    sp_status s = sp_yaml_read_row(y, row, "stage", STAGE_FIELDS, sizeof STAGE_FIELDS / sizeof STAGE_FIELDS[0], st, err);
    static const char *const KINDS[] = {"io", "general", "relational", "ml", NULL};
    yaml_node_t *kind = s == SP_OK ? sp_yaml_mapping_get(y, row, "kind") : NULL;
    char text[SP_NAME_MAX] = "";
    if (s == SP_OK)
        s = sp_yaml_string(y, kind, "kind", text, sizeof text, err); /* a scalar, not a list */
    int k = sp_key_index(KINDS, text);
    if (s == SP_OK && k < 0)
        s = sp_yaml_fail(y, kind, "kind", err, "'%s' is not io, general, relational or ml", text);
    st->kind = (sp_stage_kind)(k < 0 ? 0 : k);
    if (s == SP_OK)
        s = load_phases(y, sp_yaml_mapping_get(y, row, "phases"), st, err);
    if (s == SP_OK && sp_stage_find(out, st->name) >= 0)
        s = sp_yaml_fail(y, row, "name", err, "stage '%s' is listed twice", st->name);
    if (s == SP_OK)
        out->count++;
    return s;
}

/* The model's {value, source} numbers, with the ranges that catch unit slips. */
static const struct {
    const char *key;
    size_t offset;
    double min, max;
} VALUES[] = {
    {"bytes_per_token", offsetof(sp_stage_model, bytes_per_token), 0.5, 64},
    {"cpu_efficiency", offsetof(sp_stage_model, cpu_efficiency), 0.01, 1},
    {"disk_efficiency", offsetof(sp_stage_model, disk_efficiency), 0.01, 1},
    {"network_efficiency", offsetof(sp_stage_model, network_efficiency), 0.01, 1},
    {"gpu_reference_hbm_bytes_per_s", offsetof(sp_stage_model, gpu_reference_hbm_bytes_per_s), 1e9, 1e14},
    {"spark_min_input_bytes", offsetof(sp_stage_model, spark_min_input_bytes), 1, 1e20},
    {"dask_max_input_bytes", offsetof(sp_stage_model, dask_max_input_bytes), 1, 1e20},
    {"dask_max_nodes", offsetof(sp_stage_model, dask_max_nodes), 1, 1e5},
};
enum { VALUE_COUNT = sizeof VALUES / sizeof VALUES[0] };

sp_status sp_stages_load(const char *path, sp_stage_model *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    sp_yaml y;
    memset(&y, 0, sizeof y);
    sp_status s = load_text(path, &y, &text, err);
    yaml_node_t *root = s == SP_OK ? sp_yaml_root(&y) : NULL;
    /* The top-level keys: the values and the stage list, each read below. */
    sp_field keys[VALUE_COUNT + 1];
    for (size_t i = 0; i < VALUE_COUNT; i++)
        keys[i] = (sp_field){VALUES[i].key, 0, SP_FIELD_ELSEWHERE, 0, 0, 0, true};
    keys[VALUE_COUNT] = (sp_field){"stages", 0, SP_FIELD_ELSEWHERE, 0, 0, 0, true};
    if (s == SP_OK)
        s = sp_yaml_read_row(&y, root, "stages file", keys, VALUE_COUNT + 1, out, err);
    for (size_t i = 0; s == SP_OK && i < VALUE_COUNT; i++)
        s = sp_yaml_sourced_number(&y, root, VALUES[i].key, VALUES[i].min, VALUES[i].max, SP_NUM_POSITIVE,
                                   (double *)((char *)out + VALUES[i].offset), err);
    yaml_node_t *stages = s == SP_OK ? sp_yaml_mapping_get(&y, root, "stages") : NULL;
    if (s == SP_OK && !stages)
        s = sp_yaml_fail(&y, root, "stages", err, "missing");
    if (s == SP_OK)
        s = sp_yaml_expect(&y, stages, YAML_SEQUENCE_NODE, "stages", err);
    for (yaml_node_item_t *it = s == SP_OK ? stages->data.sequence.items.start : NULL;
         s == SP_OK && it < stages->data.sequence.items.top; it++)
        s = load_stage(&y, sp_yaml_node(&y, *it), out, err);
    sp_yaml_free(&y);
    free(text);
    return s;
}

int sp_stage_find(const sp_stage_model *model, const char *name)
{
    for (unsigned i = 0; i < model->count; i++)
        if (!strcmp(model->stages[i].name, name))
            return (int)i;
    return -1;
}
