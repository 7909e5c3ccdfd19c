/* validate.h - what the validation report's files share (tools/validate*.c). */
#ifndef SP_VALIDATE_H
#define SP_VALIDATE_H

#include "stackplan.h"

#include <jansson.h>

enum { TALLY_MAX = 512 };

typedef struct {
    double errors[TALLY_MAX]; /* signed relative errors */
    size_t count;
    int failures;        /* rows that could not be predicted */
} tally;

/* A number or string member of o, or fallback when absent or of another type. */
double number(json_t *o, const char *key, double fallback);
const char *text(json_t *o, const char *key, const char *fallback);
/* Prints one row's predicted and published value and tallies the relative error. */
void record(tally *t, const char *id, const char *what, double predicted, double published);
/* The same, without printing a line: for a second tally over rows already printed. */
void tally_add(tally *t, double predicted, double published);
/* A row that could not be predicted: counted as a failure and named. */
void fail_row(tally *t, const char *id, const char *why);
/* Prints median and worst absolute error against the targets (a median target of 1 or more:
 * reported only). Returns whether every row was predicted and the targets are met. */
bool summary(const char *kind, tally *t, double median_target, double worst_target);
bool summary_median(const char *kind, tally *t, double median_target);
/* The median absolute error of a tally with every row predicted; false when it has none. */
bool tally_median(const tally *t, double *median);
/* What the estimator rows of a file need: the data directory and the loaded constants. */
typedef struct {
    const char *data_dir;
    const sp_accel_catalog *accels;
    const sp_memory_constants *mk;
    const sp_perf_constants *perf;
    double goodput; /* defaults.yaml's whole-run share, for rows that count whole runs */
} estimate_ctx;

/* Prints heading, runs row() over every row of DIR/FILE into one tally and prints its summary
 * (reported, not a target). False when the file cannot be read. */
bool report_rows(const char *dir, const char *file, const char *heading, const char *kind, const estimate_ctx *x,
                 void (*row)(const estimate_ctx *x, json_t *row, void *t));

/* Prints heading and runs row() over every row of DIR/FILE with the caller's tallies. False when
 * the file cannot be read. */
bool each_row(const char *dir, const char *file, const char *heading, const estimate_ctx *x,
              void (*row)(const estimate_ctx *x, json_t *row, void *tallies), void *tallies);

/* The layout a published run pins: gpus, global batch, tp, pp, dp, ep and micro-batch as the
 * row gives them, seq from the row or seq_fallback; an absent tp or pp is unpinned (0, searched)
 * unless absent_means_one (a paper that names only the axes it used). */
sp_search_request pinned_request(json_t *row, double seq_fallback, bool absent_means_one);

/* The catalog model a source's printed name means (one table for every file), or NULL. */
const char *catalog_model_of(const char *published);

/* DIR/FILE parsed, or NULL with the error printed. */
json_t *load(const char *dir, const char *file);

/* Fine-tuning rows (validate_finetune.c): memory at each row's kind, fit and OOM, tokens/s. */
bool validate_finetune(const char *data_dir, const char *dir, const sp_rules *rules,
                       const sp_accel_catalog *accels);
/* The fine-tuning rows added 2026-12 (finetune_extra_public.json), out of sample: memory at each
 * row's kind and tokens/s per GPU, reported without a target. */
bool validate_finetune_extra(const char *data_dir, const char *dir, const sp_rules *rules,
                             const sp_accel_catalog *accels);

/* Today's families (validate_models.c): parameter counts and KV bytes against each config. */
bool validate_models(const char *dir);

/* TensorRT-LLM's MoE throughput rows (validate_serving_modern.c), reported. */
bool validate_serving_modern(const char *data_dir, const char *dir, const sp_accel_catalog *accels,
                             const sp_memory_constants *mk, const sp_perf_constants *perf);

/* Speculative decoding's published speedups and slowdowns (validate_serving_features.c), reported. */
bool validate_serving_features(const char *data_dir, const char *dir, const sp_accel_catalog *accels,
                               const sp_memory_constants *mk, const sp_perf_constants *perf);

/* Latency percentiles under Poisson load (validate_serving_mlperf.c): MLPerf's Llama 2 70B runs. */
bool validate_serving_mlperf(const char *data_dir, const char *dir, const sp_accel_catalog *accels,
                             const sp_memory_constants *mk, const sp_perf_constants *perf);

/* Serving under load (validate_serving_slo.c): closed-loop concurrency sweeps, reported. */
bool validate_serving_slo(const char *data_dir, const char *dir, const sp_accel_catalog *accels,
                          const sp_memory_constants *mk, const sp_perf_constants *perf, const sp_limits *limits);

/* Training runs at scale, dense and MoE, at their published layouts (validate_training_scale.c), reported. */
bool validate_training_scale(const char *data_dir, const char *dir, const sp_accel_catalog *accels,
                           const sp_memory_constants *mk, const sp_perf_constants *perf);

#endif
