/* validate_models.c - parameter counts and KV bytes of today's families (models_modern_public.json)
 * against the counts the rows derive from their configs and the totals their makers publish. */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The row's config as config.json text; a layer_types the mirror summarised as prose is dropped. */
static char *config_text(json_t *row)
{
    json_t *config = json_deep_copy(json_object_get(row, "config"));
    if (json_is_string(json_object_get(config, "layer_types")))
        json_object_del(config, "layer_types");
    char *text = json_dumps(config, JSON_SORT_KEYS);
    json_decref(config);
    return text;
}

static double derived(json_t *row, const char *const *keys)
{
    json_t *d = json_object_get(row, "derived");
    for (int i = 0; keys[i]; i++)
        if (json_is_number(json_object_get(d, keys[i])))
            return json_number_value(json_object_get(d, keys[i]));
    return 0;
}

/* A published total: "9,242,164,736 (...)" or "8.2B" or "235B"; 0 when the text gives none. */
static double published(json_t *row)
{
    const char *text_total = text(row, "published_params_total", "");
    char digits[32];
    size_t n = 0;
    const char *p = text_total;
    for (; *p && n + 1 < sizeof digits && ((*p >= '0' && *p <= '9') || *p == ',' || *p == '.'); p++)
        if (*p != ',')
            digits[n++] = *p;
    digits[n] = '\0';
    if (n == 0)
        return 0;
    double value = atof(digits);
    return *p == 'B' ? value * 1e9 : value;
}

static void model_row(json_t *row, tally *t, tally *makers)
{
    const char *id = text(row, "hf_repo", "?");
    char *config = config_text(row);
    sp_model m;
    sp_error err;
    if (!config || sp_model_parse_hf(id, config, strlen(config), &m, &err) != SP_OK) {
        fail_row(t, id, config ? err.message : "no config");
        free(config);
        return;
    }
    free(config);
    static const char *const totals[] = {"params_total", "text_params_total", NULL};
    static const char *const actives[] = {"params_active", "text_params_active", NULL};
    static const char *const unembedded[] = {"params_active_incl_unembed_only", NULL};
    static const char *const kvs[] = {"kv_cache_bytes_per_token_bf16", "kv_cache_bytes_per_token_bf16_mla_latent",
                                      "kv_cache_bytes_per_token_bf16_if_all_layers_global",
                                      "kv_cache_bytes_per_token_bf16_if_all_layers_full", NULL};
    double total = derived(row, totals), active = derived(row, actives), unembed = derived(row, unembedded);
    double kv = derived(row, kvs);
    if (total > 0)
        record(t, id, "parameters", sp_model_params(&m), total);
    if (active > 0)
        record(t, id, "active parameters", sp_model_active_params(&m), active);
    if (unembed > 0) /* OpenAI counts the unembedding but not the input embedding */
        record(t, id, "active, no input embedding", sp_model_active_params(&m) - m.vocab * m.hidden, unembed);
    if (kv > 0)
        record(t, id, "KV bytes a token (bf16)", sp_model_kv_bytes_per_token(&m, SP_DTYPE_BF16), kv);
    double made = published(row);
    if (made > 0 && !m.text_only) /* a multimodal total counts the vision tower, which we do not */
        record(makers, id, "parameters, as published", sp_model_params(&m), made);
}

bool validate_models(const char *dir)
{
    json_t *rows = load(dir, "models_modern_public.json");
    if (!rows)
        return false;
    static tally t, makers;
    memset(&t, 0, sizeof t);
    memset(&makers, 0, sizeof makers);
    printf("today's families (models_modern_public.json: counts derived from each config, KV at full attention)\n"
           "  %-38s %-22s %14s %14s %9s\n", "row", "quantity", "predicted", "derived", "error");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) model_row(row, &t, &makers);
    json_decref(rows);
    summary("against the makers' totals, as rounded in their cards (reported; Gemma 2's paper counts a 256128 "
            "vocabulary, the config 256000)",
            &makers, 1, 1);
    return summary("parameter counts and KV bytes (exact: 0.1%)", &t, 0.001, 0.001);
}
