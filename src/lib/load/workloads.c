/* workloads.c - loads the request-length presets (data/workloads.yaml). */
#include "load_internal.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define NUM(k, lo, hi, fl) {#k, offsetof(sp_workload, k), 0, lo, hi, fl, true}

/* Lengths are whole tokens (the serving model takes whole ones); a spread past 10 is a unit slip. */
static const sp_field FIELDS[] = {
    {"name", offsetof(sp_workload, name), sizeof(((sp_workload *)0)->name), 0, 0, 0, true},
    NUM(prompt_tokens, 1, 1e7, SP_NUM_INTEGER),
    NUM(prompt_cv, 0, 10, 0),
    NUM(output_tokens, 1, 1e7, SP_NUM_INTEGER),
    NUM(output_cv, 0, 10, 0),
    {"source", 0, 1, 0, 0, 0, true},
};
enum { FIELD_COUNT = sizeof FIELDS / sizeof FIELDS[0] };

static sp_status read_workload(sp_yaml *y, const yaml_node_t *row, void *item, sp_error *err)
{
    sp_workload *w = item;
    memset(w, 0, sizeof *w);
    w->line = (unsigned)row->start_mark.line + 1;
    return sp_yaml_read_row(y, row, "workload", FIELDS, FIELD_COUNT, w, err);
}

sp_status sp_workloads_parse(const char *name, const char *text, size_t length, sp_workload_catalog *out,
                             sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_yaml y;
    sp_status s = sp_yaml_parse(&y, name, text, length, err);
    void *items = NULL;
    if (s == SP_OK)
        s = sp_yaml_read_list(&y, "workloads", read_workload, sizeof(sp_workload), offsetof(sp_workload, name),
                              &items, &out->count, err);
    out->items = items;
    sp_yaml_free(&y);
    return s;
}

sp_status sp_workloads_load(const char *path, sp_workload_catalog *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t length = 0;
    sp_status s = sp_read_file(path, &text, &length, err);
    if (s == SP_OK)
        s = sp_workloads_parse(path, text, length, out, err);
    free(text);
    return s;
}

void sp_workload_catalog_free(sp_workload_catalog *catalog)
{
    if (!catalog)
        return;
    free(catalog->items);
    catalog->items = NULL;
    catalog->count = 0;
}

const sp_workload *sp_workload_find(const sp_workload_catalog *catalog, const char *name)
{
    for (size_t i = 0; i < catalog->count; i++)
        if (!strcmp(catalog->items[i].name, name))
            return &catalog->items[i];
    return NULL;
}
