/* load_internal.h - the loaders inside libstackplan: files to plain structs (YAML rows with
 * positions, config.json, catalogs, the overridable knobs, hashes). Uses common/ only; the
 * estimators never call it. Not part of the API. */
#ifndef SP_LOAD_INTERNAL_H
#define SP_LOAD_INTERNAL_H

#include "common_internal.h"

/* ---- files (yaml.c) ---- */

/* Reads a whole file into a malloc'd NUL-terminated buffer. */
sp_status sp_read_file(const char *path, char **out, size_t *length, sp_error *err);

/* ---- limits (bounded.c; docs/CLI.md, Limits) ----
 * What any input may hold, so that loading stays linear in its size and every input answers or
 * is refused within a fraction of a second and a few hundred MB. Real inputs are far below:
 * the largest catalog shipped is 60 KB and 3 deep, and none uses anchors.
 * - SP_INPUT_BYTES_MAX: a YAML or JSON input; libyaml holds about 80 bytes a node, and the
 *   densest 2 MiB (a flow list of 1 M one-digit items) loads in 0.6 s and 170 MB.
 * - SP_YAML_DEPTH_MAX: collections inside collections; libyaml's scanner spends depth x size.
 * - SP_YAML_ANCHORS_MAX: anchors and aliases; libyaml's loader spends anchors x (anchors + aliases).
 * - SP_ROWS_MAX: profiles in a file, rows of a catalog. Each profile is planned and reported:
 *   1,000 render as one HTML page in 0.5 s and launch in 1 s, and those outputs grow faster
 *   than the count (2,000: 1.9 s and 3.4 s). */
enum {
    SP_INPUT_BYTES_MAX = 2 * 1024 * 1024,
    SP_YAML_DEPTH_MAX = 64,
    SP_YAML_ANCHORS_MAX = 1024,
    SP_ROWS_MAX = 1000,
};

/* Fails ("FILE:0:0: file: ...") when an input is longer than SP_INPUT_BYTES_MAX. */
sp_status sp_input_size_check(const char *file, size_t length, sp_error *err);
/* Fails at the first token of text past a limit: its size, nesting or anchors. A text libyaml
 * cannot scan passes, for the loader to report where and why. */
sp_status sp_yaml_limits_check(const char *file, const char *text, size_t length, sp_error *err);

/* A name and the place of what it names, for finding repeats by sorting. */
typedef struct {
    const char *name;
    size_t index;
} sp_named;
/* Sorts entries and finds the repeat a reader going down the list meets first: the smallest
 * index whose name an earlier entry has (*repeat), and that name's first index (*first).
 * False when every name differs. O(n log n). */
bool sp_first_repeat(sp_named *entries, size_t count, size_t *repeat, size_t *first);
/* The same over rows of `stride` bytes with a name (a char array) at name_offset: *repeat is
 * count when every name differs. Fails only for want of memory. */
sp_status sp_repeated_row(const char *file, const void *rows, size_t count, size_t stride, size_t name_offset,
                          size_t *repeat, size_t *first, sp_error *err);

/* ---- YAML documents (yaml.c) ----
 * libyaml's types by their struct tags, so that only the files that read YAML include
 * <yaml.h> (where yaml_node_t is struct yaml_node_s). */
struct yaml_node_s;
struct yaml_document_s;

typedef struct {
    const char *file;             /* name used in messages */
    struct yaml_document_s *doc;  /* NULL until parsed, and after sp_yaml_free */
} sp_yaml;

/* Parses text into one YAML document. An empty stream is an error. */
sp_status sp_yaml_parse(sp_yaml *y, const char *file, const char *text, size_t length,
                        sp_error *err);
void sp_yaml_free(sp_yaml *y);

struct yaml_node_s *sp_yaml_root(sp_yaml *y);
struct yaml_node_s *sp_yaml_node(sp_yaml *y, int index);
/* Fails with the node's position unless it has the wanted type (a yaml_node_type_t). */
sp_status sp_yaml_expect(const sp_yaml *y, const struct yaml_node_s *node, int type, const char *field,
                         sp_error *err);
const char *sp_yaml_scalar(const struct yaml_node_s *node);
/* Fails at node: "FILE:LINE:COL: field: message". */
sp_status sp_yaml_fail(const sp_yaml *y, const struct yaml_node_s *node, const char *field, sp_error *err,
                       const char *fmt, ...) SP_PRINTF(5, 6);
/* A scalar that must be a number within [min, max]. */
/* A profile's fine-tune keys (profile_ft.c): their names (NULL-terminated) and their reader. */
/* A profile's fine-tune keys, NULL-terminated: at most SP_PROFILE_FT_KEYS_MAX of them. */
enum { SP_PROFILE_FT_KEYS_MAX = 16 };
const char *const *sp_profile_ft_keys(void);
/* The profile key of one SP_FT_SWITCH_* bit ("chunked_loss"), "" for none. */
const char *sp_ft_switch_key(unsigned bit);
sp_status sp_profile_read_ft_key(sp_yaml *y, const char *key, const struct yaml_node_s *value, sp_profile *p,
                                 sp_error *err);
sp_status sp_yaml_number(const sp_yaml *y, const struct yaml_node_s *node, const char *field, double min,
                         double max, unsigned flags, double *out, sp_error *err);
/* A scalar string of at most size-1 bytes, not empty. */
sp_status sp_yaml_string(const sp_yaml *y, const struct yaml_node_s *node, const char *field, char *out,
                         size_t size, sp_error *err);
/* The value under key in a mapping node; NULL when absent. */
struct yaml_node_s *sp_yaml_mapping_get(sp_yaml *y, const struct yaml_node_s *map, const char *key);
/* Fails when a mapping repeats a key. */
sp_status sp_yaml_no_duplicate_keys(sp_yaml *y, const struct yaml_node_s *map, sp_error *err);

/* A catalog: the root is a non-empty list of rows, each read by `read` into the next of
 * *items (calloc'ed, `stride` bytes each), whose name (a char array at name_offset) must be
 * new. On failure *items is freed and NULL. */
typedef sp_status (*sp_row_reader)(sp_yaml *y, const struct yaml_node_s *row, void *item, sp_error *err);
sp_status sp_yaml_read_list(sp_yaml *y, const char *what, sp_row_reader read, size_t stride, size_t name_offset,
                            void **items, size_t *count, sp_error *err);

/* The number of a {value, source} entry under key in map: both present, the source not empty,
 * the value within [min, max] (errors point at the value). */
sp_status sp_yaml_sourced_number(sp_yaml *y, const struct yaml_node_s *map, const char *key, double min,
                                 double max, unsigned flags, double *out, sp_error *err);

/* A number that must be strictly greater than zero (loader-only flag). */
enum { SP_NUM_POSITIVE = 1u << 8 };

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
sp_status sp_yaml_read_row(sp_yaml *y, const struct yaml_node_s *map, const char *what, const sp_field *fields,
                           size_t count, void *dst, sp_error *err);

/* ---- launch data (launch_data.c) ---- */

/* data/launch.yaml: sourced numbers, the wheel indexes and the env list. */
sp_status sp_load_launch_data(sp_yaml *y, sp_launch_data *out, sp_error *err);

/* ---- knobs (knobs.c) ---- */

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

#endif
