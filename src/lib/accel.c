/* accel.c - loads the accelerator catalog (data/accelerators.yaml). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *key;
    size_t offset;
    double min, max;  /* ranges catch unit slips: 80 for memory_bytes is GB, not bytes */
    unsigned flags;
} accel_number;

#define NUM(k, lo, hi, fl) {#k, offsetof(sp_accel, k), lo, hi, fl}

static const accel_number NUMBERS[] = {
    NUM(memory_bytes, 1e9, 1e13, SP_NUM_INTEGER),
    NUM(hbm_bytes_per_s, 1e10, 1e14, 0),
    NUM(fp32_flops_per_s, 0, 1e17, 0),
    NUM(tf32_flops_per_s, 0, 1e17, 0),
    NUM(bf16_flops_per_s, 1e12, 1e17, 0),
    NUM(fp8_flops_per_s, 0, 1e17, 0),
    NUM(int8_ops_per_s, 0, 1e17, 0),
    NUM(per_node, 1, 1024, SP_NUM_INTEGER),
    NUM(intra_node_bytes_per_s, 1e8, 1e13, 0),
    NUM(inter_node_bytes_per_s, 1e8, 1e13, 0),
    NUM(usd_per_hour, 0, 1e3, 0),
};
enum { NUMBER_COUNT = sizeof NUMBERS / sizeof NUMBERS[0] };

static const char *const TEXT_KEYS[] = {"name", "vendor", "spec_source", "link_source",
                                        "price_source", "price_date", NULL};

/* Optional: a measured GEMM efficiency and where it was measured. */
static const accel_number MATMUL = NUM(matmul_efficiency, 0.05, 1, 0);

static bool is_known(const char *key)
{
    if (sp_key_index(TEXT_KEYS, key) >= 0 || !strcmp(key, MATMUL.key) || !strcmp(key, "matmul_source") ||
        !strcmp(key, "aws_instance"))
        return true;
    for (size_t i = 0; i < NUMBER_COUNT; i++)
        if (!strcmp(NUMBERS[i].key, key))
            return true;
    return false;
}

static sp_status read_text(sp_yaml *y, const yaml_node_t *key, const yaml_node_t *value,
                           sp_accel *a, sp_error *err)
{
    const char *k = sp_yaml_scalar(key);
    char scratch[SP_TEXT_MAX * 4];
    if (!strcmp(k, "name"))
        return sp_yaml_string(y, value, k, a->name, sizeof a->name, err);
    if (!strcmp(k, "vendor"))
        return sp_yaml_string(y, value, k, a->vendor, sizeof a->vendor, err);
    if (!strcmp(k, "price_date"))
        return sp_yaml_string(y, value, k, a->price_date, sizeof a->price_date, err);
    /* Sources are checked (present, not empty) but not kept: the file is the record. */
    return sp_yaml_string(y, value, k, scratch, sizeof scratch, err);
}

static sp_status read_row(sp_yaml *y, const yaml_node_t *map, sp_accel *a, sp_error *err)
{
    memset(a, 0, sizeof *a);
    a->line = (unsigned)map->start_mark.line + 1;
    sp_status status = sp_yaml_expect(y, map, YAML_MAPPING_NODE, "accelerator", err);
    if (status == SP_OK)
        status = sp_yaml_no_duplicate_keys(y, map, err);
    unsigned seen = 0;
    for (yaml_node_pair_t *p = status == SP_OK ? map->data.mapping.pairs.start : NULL;
         status == SP_OK && p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *key = sp_yaml_node(y, p->key), *value = sp_yaml_node(y, p->value);
        const char *k = sp_yaml_scalar(key);
        if (!is_known(k))
            return sp_yaml_fail(y, key, k, err, "unknown key in an accelerator row");
        if (!strcmp(k, MATMUL.key)) {
            status = sp_yaml_number(y, value, k, MATMUL.min, MATMUL.max, 0, &a->matmul_efficiency, err);
            if (status == SP_OK && !sp_yaml_mapping_get(y, map, "matmul_source"))
                status = sp_yaml_fail(y, key, k, err, "needs a matmul_source beside it");
            continue;
        }
        if (!strcmp(k, "aws_instance")) {
            status = sp_yaml_string(y, value, k, a->aws_instance, sizeof a->aws_instance, err);
            for (const char *c = a->aws_instance; status == SP_OK && *c; c++)
                if (!(*c >= 'a' && *c <= 'z') && !(*c >= '0' && *c <= '9') && *c != '.' && *c != '-')
                    status = sp_yaml_fail(y, value, k, err, "'%s' is not an instance type", a->aws_instance);
            continue;
        }
        if (!strcmp(k, "matmul_source")) {
            status = read_text(y, key, value, a, err);
            continue;
        }
        seen++;
        int t = sp_key_index(TEXT_KEYS, k);
        if (t >= 0) {
            status = read_text(y, key, value, a, err);
            continue;
        }
        for (size_t i = 0; i < NUMBER_COUNT; i++)
            if (!strcmp(NUMBERS[i].key, k)) {
                double v = 0;
                status = sp_yaml_number(y, value, k, NUMBERS[i].min, NUMBERS[i].max,
                                        NUMBERS[i].flags, &v, err);
                memcpy((char *)a + NUMBERS[i].offset, &v, sizeof v);
            }
    }
    if (status == SP_OK && seen != NUMBER_COUNT + 6) {
        for (size_t i = 0; TEXT_KEYS[i]; i++)
            if (!sp_yaml_mapping_get(y, map, TEXT_KEYS[i]))
                return sp_yaml_fail(y, map, TEXT_KEYS[i], err, "missing in accelerator '%s'", a->name);
        for (size_t i = 0; i < NUMBER_COUNT; i++)
            if (!sp_yaml_mapping_get(y, map, NUMBERS[i].key))
                return sp_yaml_fail(y, map, NUMBERS[i].key, err, "missing in accelerator '%s'",
                                    a->name);
    }
    return status;
}

sp_status sp_accels_parse(const char *name, const char *text, size_t length,
                          sp_accel_catalog *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_yaml y;
    sp_status status = sp_yaml_parse(&y, name, text, length, err);
    if (status != SP_OK)
        return status;
    yaml_node_t *root = sp_yaml_root(&y);
    status = sp_yaml_expect(&y, root, YAML_SEQUENCE_NODE, "accelerators", err);
    size_t count = status == SP_OK ? (size_t)(root->data.sequence.items.top -
                                              root->data.sequence.items.start)
                                   : 0;
    if (status == SP_OK && count == 0)
        status = sp_yaml_fail(&y, root, "accelerators", err, "the list is empty");
    if (status == SP_OK && !(out->items = calloc(count, sizeof *out->items)))
        status = sp_fail(err, SP_ERR_NOMEM, name, 0, 0, "", "out of memory");
    for (size_t i = 0; status == SP_OK && i < count; i++) {
        yaml_node_t *row = sp_yaml_node(&y, root->data.sequence.items.start[i]);
        status = read_row(&y, row, &out->items[i], err);
        out->count = i + 1;
        if (status == SP_OK && sp_accel_find(&(sp_accel_catalog){out->items, i}, out->items[i].name))
            status = sp_yaml_fail(&y, row, "name", err, "'%s' is listed twice", out->items[i].name);
    }
    sp_yaml_free(&y);
    if (status != SP_OK)
        sp_accel_catalog_free(out);
    return status;
}

sp_status sp_accels_load(const char *path, sp_accel_catalog *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t length = 0;
    sp_status status = sp_read_file(path, &text, &length, err);
    if (status == SP_OK)
        status = sp_accels_parse(path, text, length, out, err);
    free(text);
    return status;
}

void sp_accel_catalog_free(sp_accel_catalog *catalog)
{
    if (!catalog)
        return;
    free(catalog->items);
    catalog->items = NULL;
    catalog->count = 0;
}

const sp_accel *sp_accel_find(const sp_accel_catalog *catalog, const char *name)
{
    for (size_t i = 0; i < catalog->count; i++)
        if (!strcmp(catalog->items[i].name, name))
            return &catalog->items[i];
    return NULL;
}
