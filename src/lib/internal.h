/* internal.h - helpers shared inside libstackplan; not part of the API. */
#ifndef SP_INTERNAL_H
#define SP_INTERNAL_H

#include "stackplan.h"

#include <stdarg.h>
#include <yaml.h>

#if defined(__GNUC__)
#define SP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SP_PRINTF(a, b)
#endif


/* Fills err (if not NULL) and returns status. */
sp_status sp_fail(sp_error *err, sp_status status, const char *file, unsigned line,
                  unsigned col, const char *field, const char *fmt, ...) SP_PRINTF(7, 8);

/* Copies src into dst of size n, truncating; always NUL-terminates. */
void sp_copy(char *dst, size_t n, const char *src);

/* ---- growable string buffer (reporters) ---- */
typedef struct {
    char *data;
    size_t length;
    size_t capacity;
    bool failed; /* an allocation failed; later appends do nothing */
} sp_buf;

void sp_buf_printf(sp_buf *b, const char *fmt, ...) SP_PRINTF(2, 3);
/* Bytes a weight takes in an inference dtype: int4 is 4 bits plus an fp16 scale and zero point
 * per group (AWQ, GPTQ). */
double sp_weight_bytes_per_param(sp_dtype d, const sp_memory_constants *k);

/* K and V of one token on one GPU: every layer of its pipeline stage and its share of the kv
 * heads (at least one, replicated when tp exceeds them) (Pope et al. 2022). */
double sp_kv_bytes_per_token(const sp_model *m, double tp, double pp, sp_dtype kv_dtype);

/* The smallest whole n in [1, max] for which holds(n) is true, holds being false up to some
 * n and true from there (memory falls as GPUs are added, time as nodes are): 0 when it is false
 * even at max. O(log max) calls. */
double sp_smallest_true(bool (*holds)(double n, void *ctx), void *ctx, double max);

/* A whole number in [min, max] (NaN and infinities are not). */
bool sp_whole_in(double v, double min, double max);

/* Ceiling that forgives the rounding noise of a quotient that is really whole
 * (240 / 80 must give 3, not 4). The seed truncates with int() instead. */
double sp_exact_ceil(double quotient);

/* The user's entry point for each axis, by convention: train.py, serve_app.py, data_job.py. */
const char *sp_default_entry(sp_axis axis);

/* Appends to a fixed buffer whose text so far is `length` long (what snprintf returned, which
 * may exceed size): never writes past size, returns the length the whole text wants. */
int sp_appendf(char *buf, size_t size, int length, const char *fmt, ...) SP_PRINTF(4, 5);
void sp_buf_puts(sp_buf *b, const char *s);
/* Hands the text to the caller (NULL and err set when an append failed). */
char *sp_buf_finish(sp_buf *b, sp_error *err);

/* Writes a value rounded to whole units with thousands separators: 14000 -> "14,000". */
void sp_format_thousands(double value, char *buf, size_t size);

/* ---- YAML documents (loaders) ---- */
typedef struct {
    const char *file;        /* name used in messages */
    yaml_document_t doc;
    bool loaded;
} sp_yaml;

/* Parses text into one YAML document. An empty stream is an error. */
sp_status sp_yaml_parse(sp_yaml *y, const char *file, const char *text, size_t length,
                        sp_error *err);
void sp_yaml_free(sp_yaml *y);
/* Reads a whole file into a malloc'd NUL-terminated buffer. */
sp_status sp_read_file(const char *path, char **out, size_t *length, sp_error *err);

yaml_node_t *sp_yaml_root(sp_yaml *y);
yaml_node_t *sp_yaml_node(sp_yaml *y, int index);
/* Fails with the node's position unless it has the wanted type. */
sp_status sp_yaml_expect(const sp_yaml *y, const yaml_node_t *node, yaml_node_type_t type,
                         const char *field, sp_error *err);
const char *sp_yaml_scalar(const yaml_node_t *node);
/* Fails at node: "FILE:LINE:COL: field: message". */
sp_status sp_yaml_fail(const sp_yaml *y, const yaml_node_t *node, const char *field,
                       sp_error *err, const char *fmt, ...) SP_PRINTF(5, 6);
/* A scalar that must be a number within [min, max]. */
sp_status sp_yaml_number(const sp_yaml *y, const yaml_node_t *node, const char *field,
                         double min, double max, unsigned flags, double *out, sp_error *err);
/* A scalar string of at most size-1 bytes, not empty. */
sp_status sp_yaml_string(const sp_yaml *y, const yaml_node_t *node, const char *field,
                         char *out, size_t size, sp_error *err);
/* The value under key in a mapping node; NULL when absent. */
yaml_node_t *sp_yaml_mapping_get(sp_yaml *y, const yaml_node_t *map, const char *key);
/* Fails when a mapping repeats a key. */
sp_status sp_yaml_no_duplicate_keys(sp_yaml *y, const yaml_node_t *map, sp_error *err);
/* A catalog: the root is a non-empty list of rows, each read by `read` into the next of
 * *items (calloc'ed, `stride` bytes each), whose name (a char array at name_offset) must be
 * new. On failure *items is freed and NULL. */
typedef sp_status (*sp_row_reader)(sp_yaml *y, const yaml_node_t *row, void *item, sp_error *err);
sp_status sp_yaml_read_list(sp_yaml *y, const char *what, sp_row_reader read, size_t stride, size_t name_offset,
                            void **items, size_t *count, sp_error *err);

/* The number of a {value, source} entry under key in map: both present, the source not empty,
 * the value within [min, max] (errors point at the value). */
sp_status sp_yaml_sourced_number(sp_yaml *y, const yaml_node_t *map, const char *key, double min, double max,
                                 unsigned flags, double *out, sp_error *err);
/* sp_field.size of a key the caller reads itself (a nested list, say). */
#define SP_FIELD_ELSEWHERE ((size_t)-1)

/* A table-driven row: each key of a mapping lands in a struct field. */
typedef struct {
    const char *key;
    size_t offset;        /* into the destination struct */
    size_t size;          /* text fields: buffer size; 0 for numbers */
    double min, max;      /* numbers */
    unsigned flags;       /* SP_NUM_* for numbers */
    bool required;
} sp_field;

/* Reads map into dst by fields (count entries): unknown keys, duplicates, wrong types,
 * out-of-range numbers and missing required keys fail with the node's position.
 * Text fields with size 1 are checked and dropped (sources). */
sp_status sp_yaml_read_row(sp_yaml *y, const yaml_node_t *map, const char *what, const sp_field *fields,
                           size_t count, void *dst, sp_error *err);

/* Index of key in keys (NULL-terminated), or -1. */
int sp_key_index(const char *const *keys, const char *key);
/* The known key nearest to an unknown one (edit distance), or NULL if none is close. */
const char *sp_nearest_key(const char *const *keys, const char *key);

/* A number that must be strictly greater than zero (loader-only flag). */
enum { SP_NUM_POSITIVE = 1u << 8 };

/* One overridable constant: its key in files and flags, where it lives in
 * sp_knobs, its SP_SET_* bit and the range it may take. */
typedef struct {
    const char *key;
    size_t offset;
    unsigned set_bit;
    double min, max;
    unsigned flags;
} sp_knob_spec;

extern const sp_knob_spec SP_KNOB_SPECS[SP_KNOB_COUNT];

/* Reads/writes one knob through its spec. */
double sp_knob_get(const sp_knobs *knobs, const sp_knob_spec *spec);
void sp_knob_set(sp_knobs *knobs, const sp_knob_spec *spec, double value);

/* Bytes per parameter by training precision (ZeRO, Rajbhandari et al. 2019, sec. 3.1). */
typedef struct {
    double weights;   /* what stays resident: the working copy (plus fp32 weights under autocast) */
    double gradients;
    double master;    /* fp32 (or fp16) master copy kept by the optimizer */
    double state;     /* bytes of one optimizer state element (momentum, variance) */
    double compute;   /* the copy the GEMMs read, which ZeRO-3/FSDP gathers */
    double updated;   /* the weights the optimizer step reads and writes (not autocast's half cache) */
} sp_precision_bytes;

sp_precision_bytes sp_precision_bytes_of(const sp_mem_config *c);

/* sp_memory_estimate for a layout already checked, with the model's parameter count known. */
void sp_memory_estimate_checked(const sp_model *model, const sp_mem_config *config,
                                const sp_memory_constants *constants, double capacity_bytes, double params,
                                sp_memory *out);

/* An (m x k) by (k x n) GEMM: 2mnk FLOPs at peak x efficiency x prod d/(d + d0), never
 * faster than moving its operands at hbm bytes/s (roofline, Williams et al. 2009). */
double sp_gemm_time_s(double m, double n, double k, double peak, double efficiency, double d0, double hbm,
                      double act_bytes, double weight_bytes);

/* Share of the accelerator's SMs an (m x n) output keeps busy: one SM per tile, and 8-bit
 * kernels come in coarse tiles only (1 unless the catalog gives gemm_tile_8bit). */
double sp_gemm_occupancy(const sp_accel *a, double m, double n, double operand_bytes);

/* FlashAttention's sustained share of peak: the accelerator's measured rate where the catalog
 * has one, else the default share of its sustained GEMM rate (matmul, already sustained). */
double sp_attention_share(const sp_accel *a, const sp_perf_constants *perf, double matmul);

/* The checks sp_serve_estimate and sp_serve_plan share: shape, counts, tp, rates, utilisation. */
sp_status sp_serve_config_check(const sp_model *model, const sp_serve_config *config, sp_error *err);

/* Dense FLOP/s of an accelerator for a training precision (0 when the catalog has none). */
double sp_train_peak(const sp_accel *a, sp_precision p);

/* sp_train_step for a layout whose checks and memory the caller has already done. */
sp_status sp_train_step_known_memory(const sp_model *model, const sp_accel *accel, const sp_mem_config *config,
                                     double global_batch, const sp_perf_constants *perf, const sp_memory *memory,
                                     sp_step *out);

/* The pinned version of a framework in data/frameworks.yaml, "?" when absent. */
const char *sp_framework_version(const sp_rules *rules, const char *name);

/* Reporter helpers (notes.c). */
bool sp_note_is_warning(unsigned note);
/* The hours the plan's costs are for: the searched run, the sized data job, or train_hours. */
double sp_plan_hours(const sp_profile *p, const sp_plan *plan);
void sp_money(double usd, char *buf, size_t size); /* "$14,000" */
int sp_axis_reason_text(const sp_profile *p, const sp_plan *plan, char *buf, size_t size);
int sp_tier_reason_text(const sp_profile *p, const sp_plan *plan, const sp_rules *r, char *buf,
                        size_t size);

/* Renderers behind sp_render_plans. */
char *sp_render_plans_text(const sp_profile_list *profiles, const sp_plan *plans,
                           const sp_rules *rules, sp_error *err);
char *sp_render_plans_json(const sp_profile_list *profiles, const sp_plan *plans,
                           const sp_rules *rules, sp_error *err);
char *sp_render_plans_md(const sp_profile_list *profiles, const sp_plan *plans,
                         const sp_rules *rules, sp_error *err);
/* Ray's cluster.yaml for a plan (launch_yaml.c); setup is its one setup command. */
char *sp_cluster_yaml(const char *slug, const sp_plan *plan, const sp_accel *a, const char *setup, bool cpu,
                      sp_error *err);
/* The JSON object of one plan, as `plan --format json` prints it (report_json.c). */
struct json_t *sp_plan_json(const sp_profile *p, const sp_plan *plan, const sp_rules *r);
/* Dumps a jansson value (and releases it) as indented, ordered text plus a newline. */
struct json_t;
char *sp_json_finish(struct json_t *root, sp_error *err);
/* A JSON number rounded to 1/scale (money to the cent with 100): what a reader can use, and
 * the same text across libm versions. */
struct json_t *sp_json_round(double v, double scale);
/* A whole JSON number: bytes, counts. */
struct json_t *sp_json_count(double v);

#endif
