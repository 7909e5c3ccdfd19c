/* validate.c - predicted versus published for every validation row (make validate).
 *
 * usage: stackplan-validate DATA_DIR VALIDATION_DIR [--check]
 * With --check the exit status is 1 when a kind misses its error target. Uses only
 * the public API: the same estimators the CLI calls. */
#include "stackplan.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double errors[64];   /* signed relative errors */
    size_t count;
    int failures;        /* rows that could not be predicted */
} tally;

static double number(json_t *o, const char *key, double fallback)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : fallback;
}

static const char *text(json_t *o, const char *key, const char *fallback)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : fallback;
}

static void record(tally *t, const char *id, const char *what, double predicted, double published)
{
    double error = (predicted - published) / published;
    if (t->count < sizeof t->errors / sizeof t->errors[0])
        t->errors[t->count++] = error;
    printf("  %-38s %-22s %14.4g %14.4g %+8.1f%%\n", id, what, predicted, published, 100.0 * error);
}

static int compare_abs(const void *a, const void *b)
{
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

/* Prints median and worst absolute error; true when within the targets. */
static bool summary(const char *kind, tally *t, double median_target, double worst_target)
{
    if (t->count == 0) {
        printf("  %s: no rows\n\n", kind);
        return t->failures == 0;
    }
    double sorted[64];
    memcpy(sorted, t->errors, t->count * sizeof sorted[0]);
    qsort(sorted, t->count, sizeof sorted[0], compare_abs);
    double median = t->count % 2 ? fabs(sorted[t->count / 2])
                                 : (fabs(sorted[t->count / 2 - 1]) + fabs(sorted[t->count / 2])) / 2;
    double worst = fabs(sorted[t->count - 1]);
    bool ok = median <= median_target && worst <= worst_target && t->failures == 0;
    printf("  %s: %zu rows, median |error| %.1f%% (target %.1f%%), worst %.1f%% (target %.1f%%)%s\n\n", kind,
           t->count, 100 * median, 100 * median_target, 100 * worst, 100 * worst_target, ok ? "" : "  MISSED");
    return ok;
}

/* ---- memory rows ---- */

static void memory_zero_row(json_t *row, const sp_memory_constants *k, tally *t)
{
    json_t *measured = json_object_get(json_object_get(row, "measured"), "model_state_bytes_per_gpu");
    sp_model m;
    memset(&m, 0, sizeof m);
    m.params_override = number(json_object_get(row, "model"), "params", 0);
    for (int stage = 0; stage <= 3; stage++) {
        char key[8], what[32];
        snprintf(key, sizeof key, "zero%d", stage);
        snprintf(what, sizeof what, "model state, ZeRO-%d", stage);
        sp_mem_config c = SP_MEM_CONFIG_INIT;
        sp_precision_parse(text(row, "precision", "mixed-fp16"), &c.precision);
        sp_optimizer_parse(text(row, "optimizer", "adam"), &c.optimizer);
        c.dp = number(row, "dp", 1);
        c.zero = stage;
        sp_memory out;
        if (sp_memory_estimate(&m, &c, k, 0, &out, NULL) != SP_OK) {
            t->failures++;
            continue;
        }
        record(t, text(row, "id", "?"), what, out.model_state_bytes, number(measured, key, 1));
    }
}

/* HF Trainer rows: PyTorch AMP keeps fp32 weights (autocast), eager attention. */
static void memory_peak_row(json_t *row, const char *data_dir, const sp_memory_constants *k, tally *t)
{
    json_t *model = json_object_get(row, "model");
    sp_model m;
    sp_error err;
    if (sp_model_load_catalog(data_dir, text(model, "name", "?"), &m, &err) != SP_OK) {
        t->failures++;
        printf("  %-38s cannot load the model: %s\n", text(row, "id", "?"), err.message);
        return;
    }
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    sp_precision_parse(text(row, "precision", "fp32"), &c.precision);
    sp_optimizer_parse(text(row, "optimizer", "adamw"), &c.optimizer);
    sp_recompute_parse(text(row, "recompute", "none"), &c.recompute);
    c.mixed_style = SP_MASTER_AUTOCAST;
    c.micro_batch = number(row, "micro_batch", 1);
    c.seq = number(model, "seq", 512);
    sp_memory out;
    if (sp_memory_estimate(&m, &c, k, 0, &out, &err) != SP_OK) {
        t->failures++;
        return;
    }
    record(t, text(row, "id", "?"), "peak bytes", out.total_bytes,
           number(json_object_get(row, "measured"), "peak_bytes", 1));
}

static json_t *load(const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    json_error_t jerr;
    json_t *rows = json_load_file(path, 0, &jerr);
    if (!rows)
        fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
    return rows;
}

static bool validate_memory(const char *data_dir, const char *dir, const sp_memory_constants *k)
{
    json_t *rows = load(dir, "memory_public.json");
    if (!rows)
        return false;
    printf("memory (memory_public.json)\n  %-38s %-22s %14s %14s %9s\n", "row", "quantity", "predicted",
           "published", "error");
    tally zero = {0}, peaks = {0};
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (json_object_get(json_object_get(row, "measured"), "model_state_bytes_per_gpu"))
            memory_zero_row(row, k, &zero);
        else
            memory_peak_row(row, data_dir, k, &peaks);
    }
    json_decref(rows);
    /* The ZeRO table is analytic: only its printed rounding (31.4 for 31.406) separates us. */
    bool ok = summary("ZeRO model states", &zero, 0.005, 0.005);
    return summary("measured peaks", &peaks, 0.10, 0.10) && ok;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: stackplan-validate DATA_DIR VALIDATION_DIR [--check]\n");
        return 2;
    }
    bool check = argc > 3 && !strcmp(argv[3], "--check");
    sp_rules rules;
    sp_error err;
    if (sp_rules_load(argv[1], &rules, &err) != SP_OK) {
        fprintf(stderr, "validate: %s\n", err.message);
        return 2;
    }
    sp_memory_constants k = sp_rules_memory_constants(&rules);
    bool ok = validate_memory(argv[1], argv[2], &k);
    printf("%s\n", ok ? "all error targets met" : "some error targets missed");
    return check && !ok ? 1 : 0;
}
