/* accel.c - loads the accelerator catalog (data/accelerators.yaml). */
#include "load_internal.h"

#include <math.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define NUM(k, lo, hi, fl) {#k, offsetof(sp_accel, k), 0, lo, hi, fl, true}
#define TEXT(k) {#k, offsetof(sp_accel, k), sizeof(((sp_accel *)0)->k), 0, 0, 0, true}
#define SOURCE(k, required) {#k, 0, 1, 0, 0, 0, required}

/* Ranges catch unit slips: 80 for memory_bytes is GB, not bytes. */
static const sp_field FIELDS[] = {
    TEXT(name), TEXT(vendor),
    NUM(memory_bytes, 1e9, 1e13, SP_NUM_INTEGER),
    NUM(hbm_bytes_per_s, 1e10, 1e14, 0),
    NUM(fp32_flops_per_s, 0, 1e17, 0),
    NUM(tf32_flops_per_s, 0, 1e17, 0),
    NUM(bf16_flops_per_s, 1e12, 1e17, 0),
    NUM(fp8_flops_per_s, 0, 1e17, 0),
    NUM(int8_ops_per_s, 0, 1e17, 0),
    NUM(per_node, 1, 1024, SP_NUM_INTEGER),
    NUM(intra_node_bytes_per_s, 1e8, 1e13, 0),
    NUM(inter_node_bytes_per_s, 0, 1e13, 0), /* 0: no inter-node network published (read_row) */
    NUM(usd_per_hour, 0, 1e3, 0),
    SOURCE(spec_source, true), SOURCE(link_source, true), SOURCE(price_source, true),
    TEXT(price_date),
    /* Optional: a measured GEMM efficiency with its source, and the AWS instance with this part. It
     * may pass 1: GeForce cards boost above the clock their whitepaper's peak assumes. */
    {"matmul_efficiency", offsetof(sp_accel, matmul_efficiency), 0, 0.05, 1.2, 0, false},
    SOURCE(matmul_source, false),
    {"attention_efficiency", offsetof(sp_accel, attention_efficiency), 0, 0.05, 1, 0, false},
    SOURCE(attention_source, false),
    {"fp4_flops_per_s", offsetof(sp_accel, fp4_flops_per_s), 0, 1e12, 1e17, 0, false},
    {"fp4_matmul_efficiency", offsetof(sp_accel, fp4_matmul_efficiency), 0, 0.05, 1, 0, false},
    SOURCE(fp4_matmul_source, false),
    {"peer_bytes_per_s", offsetof(sp_accel, peer_bytes_per_s), 0, 1e8, 1e13, 0, false},
    SOURCE(peer_source, false),
    /* Optional: GPUs a host holds where the scale-up domain spans hosts (GB200 NVL72: 4 a tray). */
    {"host_gpus", offsetof(sp_accel, host_gpus), 0, 1, 1024, SP_NUM_INTEGER, false},
    SOURCE(host_source, false),
    {"compute_units", offsetof(sp_accel, compute_units), 0, 1, 4096, SP_NUM_INTEGER, false},
    {"gemm_tile_8bit", offsetof(sp_accel, gemm_tile_8bit), 0, 8, 1024, SP_NUM_INTEGER, false},
    SOURCE(tile_source, false),
    SOURCE(units_source, false),
    {"aws_instance", offsetof(sp_accel, aws_instance), sizeof(((sp_accel *)0)->aws_instance), 0, 0, 0, false},
    {"skypilot", offsetof(sp_accel, skypilot), sizeof(((sp_accel *)0)->skypilot), 0, 0, 0, false},
    {"half_dtype", offsetof(sp_accel, half_dtype), sizeof(((sp_accel *)0)->half_dtype), 0, 0, 0, false},
    {"price_provider", offsetof(sp_accel, price_provider), sizeof(((sp_accel *)0)->price_provider), 0, 0, 0, false},
    SOURCE(half_source, false),
    {"instances", 0, SP_FIELD_ELSEWHERE, 0, 0, 0, false}, /* read_instances */
    {"min_rented_gpus", offsetof(sp_accel, min_rented_gpus), 0, 2, 1024, SP_NUM_INTEGER, false},
    SOURCE(instances_source, false),
};
enum { FIELD_COUNT = sizeof FIELDS / sizeof FIELDS[0] };

static bool instance_type(const char *text)
{
    for (const char *c = text; *c; c++)
        if (!(*c >= 'a' && *c <= 'z') && !(*c >= '0' && *c <= '9') && *c != '.' && *c != '-')
            return false;
    return true;
}

/* Whether text contains word, ignoring ASCII case. */
static bool mentions(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (; *text; text++) {
        size_t i = 0;
        while (i < n && text[i] && tolower((unsigned char)text[i]) == tolower((unsigned char)word[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* inter_node_bytes_per_s is 0 (no inter-node network published: a job stays within per_node GPUs,
 * and link_source says so) or at least 1e8 (below that it is a unit slip: Gb/s or GB/s). */
static sp_status check_inter_node(sp_yaml *y, const yaml_node_t *map, const sp_accel *a, sp_error *err)
{
    const yaml_node_t *node = sp_yaml_mapping_get(y, map, "inter_node_bytes_per_s");
    if (a->inter_node_bytes_per_s > 0 && a->inter_node_bytes_per_s < 1e8)
        return sp_yaml_fail(y, node, "inter_node_bytes_per_s", err,
                            "%g is out of range: 0 (no inter-node network published) or 1e8 to 1e13 ('%s')",
                            a->inter_node_bytes_per_s, a->name);
    const yaml_node_t *link = sp_yaml_mapping_get(y, map, "link_source");
    if (a->inter_node_bytes_per_s == 0 && !mentions(sp_yaml_scalar(link), "no inter-node network"))
        return sp_yaml_fail(y, node, "inter_node_bytes_per_s", err,
                            "0 means no inter-node network is published: link_source must say 'no inter-node "
                            "network' ('%s')", a->name);
    return SP_OK;
}

/* The offer's larger instances: a list of {gpus, usd_per_hour} (the whole instance's price), GPUs
 * rising, each from 2 to host_gpus, with instances_source beside it and usd_per_hour: a single GPU's
 * price, or with min_rented_gpus (no single GPU rented) the smallest instance's per-GPU share. */
static sp_status read_instances(sp_yaml *y, const yaml_node_t *map, sp_accel *a, sp_error *err)
{
    static const sp_field FIELDS_INSTANCE[] = {{"gpus", 0, SP_FIELD_ELSEWHERE, 0, 0, 0, true},
                                               {"usd_per_hour", 0, SP_FIELD_ELSEWHERE, 0, 0, 0, true}};
    const yaml_node_t *list = sp_yaml_mapping_get(y, map, "instances");
    if (!list && a->min_rented_gpus > 0)
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "min_rented_gpus"), "min_rented_gpus", err,
                            "needs the instances it rents beside it ('%s')", a->name);
    if (!list)
        return SP_OK;
    sp_status s = sp_yaml_expect(y, list, YAML_SEQUENCE_NODE, "instances", err);
    size_t n = s == SP_OK ? (size_t)(list->data.sequence.items.top - list->data.sequence.items.start) : 0;
    if (s == SP_OK && (n == 0 || n > SP_INSTANCES_MAX))
        return sp_yaml_fail(y, list, "instances", err, "lists %zu instances: 1 to %d ('%s')", n, SP_INSTANCES_MAX,
                            a->name);
    if (s == SP_OK && !sp_yaml_mapping_get(y, map, "instances_source"))
        return sp_yaml_fail(y, list, "instances", err, "needs an instances_source beside it ('%s')", a->name);
    if (s == SP_OK && !(a->usd_per_hour > 0))
        return sp_yaml_fail(y, list, "instances", err, "needs usd_per_hour beside it, a single GPU's or the smallest "
                                                        "instance's share ('%s')", a->name);
    for (size_t i = 0; s == SP_OK && i < n; i++) {
        yaml_node_t *row = sp_yaml_node(y, list->data.sequence.items.start[i]);
        s = sp_yaml_read_row(y, row, "instance", FIELDS_INSTANCE, 2, NULL, err);
        if (s == SP_OK)
            s = sp_yaml_number(y, sp_yaml_mapping_get(y, row, "gpus"), "gpus", 2, a->host_gpus, SP_NUM_INTEGER,
                               &a->instance_gpus[i], err);
        if (s == SP_OK)
            s = sp_yaml_number(y, sp_yaml_mapping_get(y, row, "usd_per_hour"), "usd_per_hour", 0.01, 1e4, 0,
                               &a->instance_usd_per_hour[i], err);
        if (s == SP_OK && i > 0 && !(a->instance_gpus[i] > a->instance_gpus[i - 1]))
            return sp_yaml_fail(y, row, "gpus", err, "instances are listed by GPUs, rising ('%s')", a->name);
        a->instance_count = i + 1;
    }
    /* An offer with no single GPU (AWS p4d: eight A100s or none) names its smallest instance, whose
     * per-GPU share usd_per_hour is. */
    if (s == SP_OK && a->min_rented_gpus > 0 && a->min_rented_gpus != a->instance_gpus[0])
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "min_rented_gpus"), "min_rented_gpus", err,
                            "must be the smallest instance's GPUs (%g) ('%s')", a->instance_gpus[0], a->name);
    if (s == SP_OK && a->min_rented_gpus > 0 &&
        fabs(a->usd_per_hour * a->min_rented_gpus - a->instance_usd_per_hour[0]) > 1e-6 * a->instance_usd_per_hour[0])
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "usd_per_hour"), "usd_per_hour", err,
                            "must be the %g-GPU instance's share, %.8g ('%s')", a->min_rented_gpus,
                            a->instance_usd_per_hour[0] / a->min_rented_gpus, a->name);
    return s;
}

static sp_status read_row(sp_yaml *y, const yaml_node_t *map, void *item, sp_error *err)
{
    sp_accel *a = item;
    memset(a, 0, sizeof *a);
    a->line = (unsigned)map->start_mark.line + 1;
    sp_status s = sp_yaml_read_row(y, map, "accelerator", FIELDS, FIELD_COUNT, a, err);
    if (s != SP_OK)
        return s;
    if (a->host_gpus > 0 && (!sp_divides(a->host_gpus, a->per_node) || !sp_yaml_mapping_get(y, map, "host_source")))
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "host_gpus"), "host_gpus", err,
                            "must divide per_node (%g) and have a host_source beside it ('%s')", a->per_node, a->name);
    if (!(a->host_gpus > 0)) /* a host is the whole scale-up domain */
        a->host_gpus = a->per_node;
    s = check_inter_node(y, map, a, err);
    if (s == SP_OK)
        s = read_instances(y, map, a, err);
    if (s != SP_OK)
        return s;
    if (a->matmul_efficiency > 0 && !sp_yaml_mapping_get(y, map, "matmul_source"))
        return sp_yaml_fail(y, map, "matmul_efficiency", err, "needs a matmul_source beside it ('%s')", a->name);
    if (a->fp4_matmul_efficiency > 0 && !sp_yaml_mapping_get(y, map, "fp4_matmul_source"))
        return sp_yaml_fail(y, map, "fp4_matmul_efficiency", err, "needs an fp4_matmul_source beside it ('%s')",
                            a->name);
    if (a->fp4_matmul_efficiency > 0 && !(a->fp4_flops_per_s > 0))
        return sp_yaml_fail(y, map, "fp4_matmul_efficiency", err, "is given but the part has no fp4_flops_per_s ('%s')",
                            a->name);
    if (a->attention_efficiency > 0 && !sp_yaml_mapping_get(y, map, "attention_source"))
        return sp_yaml_fail(y, map, "attention_efficiency", err, "needs an attention_source beside it ('%s')", a->name);
    if (a->peer_bytes_per_s > 0 && !sp_yaml_mapping_get(y, map, "peer_source"))
        return sp_yaml_fail(y, map, "peer_bytes_per_s", err, "needs a peer_source beside it ('%s')", a->name);
    if (a->gemm_tile_8bit > 0 && !(a->compute_units > 0))
        return sp_yaml_fail(y, map, "compute_units", err, "gemm_tile_8bit needs compute_units beside it ('%s')", a->name);
    if (a->gemm_tile_8bit > 0 && !sp_yaml_mapping_get(y, map, "tile_source"))
        return sp_yaml_fail(y, map, "gemm_tile_8bit", err, "needs a tile_source beside it ('%s')", a->name);
    if (a->compute_units > 0 && !sp_yaml_mapping_get(y, map, "tile_source") &&
        !sp_yaml_mapping_get(y, map, "units_source"))
        return sp_yaml_fail(y, map, "compute_units", err, "needs a units_source (or tile_source) beside it ('%s')",
                            a->name);
    if (a->half_dtype[0] && strcmp(a->half_dtype, "fp16"))
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "half_dtype"), "half_dtype", err,
                            "'%s' is not fp16 (leave it out where the part runs bf16)", a->half_dtype);
    if (a->half_dtype[0] && !sp_yaml_mapping_get(y, map, "half_source"))
        return sp_yaml_fail(y, map, "half_dtype", err, "needs a half_source beside it ('%s')", a->name);
    if (!instance_type(a->aws_instance))
        return sp_yaml_fail(y, sp_yaml_mapping_get(y, map, "aws_instance"), "aws_instance", err,
                            "'%s' is not an instance type", a->aws_instance);
    return SP_OK;
}

sp_status sp_accels_parse(const char *name, const char *text, size_t length,
                          sp_accel_catalog *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_yaml y;
    sp_status status = sp_yaml_parse(&y, name, text, length, err);
    void *items = NULL;
    if (status == SP_OK)
        status = sp_yaml_read_list(&y, "accelerators", read_row, sizeof(sp_accel), offsetof(sp_accel, name), &items,
                                   &out->count, err);
    out->items = items;
    sp_yaml_free(&y);
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
