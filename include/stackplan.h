/*
 * stackplan.h - public API of libstackplan.
 *
 * stackplan turns a distributed-AI design (which axis to distribute, how big the
 * model, how much data, what throughput) into a concrete stack: collective,
 * framework, accelerator memory, GPUs and nodes, infrastructure tier, the
 * self-managed versus managed cost and its break-even, and a launch line.
 *
 * Conventions
 *  - Every public name starts with sp_. Units live in names (_gb, _usd, _s ...).
 *  - Functions that can fail return sp_status and fill an sp_error the caller
 *    owns; on SP_OK the error is left cleared. The library never prints,
 *    exits or aborts.
 *  - Estimators (sp_plan_profile, sp_costs, sp_breakeven_hours) are pure: no
 *    I/O, no allocation, no globals.
 *  - Loaders and renderers allocate; each says who frees what. Every *_free
 *    accepts NULL.
 */
#ifndef STACKPLAN_H
#define STACKPLAN_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SP_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

typedef enum {
    SP_OK = 0,
    SP_ERR_INPUT = 1,    /* the user's file or flag is wrong */
    SP_ERR_IO = 2,       /* a file could not be opened or read */
    SP_ERR_NOMEM = 3,    /* an allocation failed */
    SP_ERR_INTERNAL = 4  /* a bug in stackplan */
} sp_status;

enum { SP_ERR_FILE_MAX = 256, SP_ERR_FIELD_MAX = 64, SP_ERR_MESSAGE_MAX = 320 };

/* Where and why something failed. line and col are 1-based; 0 when the
 * problem has no position (a missing file, a command-line flag). */
typedef struct {
    sp_status status;
    char file[SP_ERR_FILE_MAX];
    unsigned line;
    unsigned col;
    char field[SP_ERR_FIELD_MAX];
    char message[SP_ERR_MESSAGE_MAX];
} sp_error;

/* Resets err to SP_OK with empty strings. err may be NULL. */
void sp_error_clear(sp_error *err);

/* Writes "FILE:LINE:COL: field: message" (parts without a value are left out)
 * into buf, always NUL-terminated. Returns the length it wanted to write. */
int sp_error_format(const sp_error *err, char *buf, size_t size);

/* True for statuses caused by the user's input (exit status 2 in the CLI). */
bool sp_status_is_input(sp_status status);

/* ---------------------------------------------------------------- numbers */

enum {
    SP_NUM_ALLOW_SUFFIX = 1u << 0,     /* k M G T (x1000) and Ki Mi Gi Ti (x1024), optional trailing B */
    SP_NUM_ALLOW_UNDERSCORE = 1u << 1, /* 5_000 as YAML 1.1 and Python write it */
    SP_NUM_INTEGER = 1u << 2           /* the result must be a whole number */
};

/* Parses text strictly: the whole string must be one finite number. NaN,
 * infinities, overflow, empty text and trailing junk are rejected with a
 * message in err->message (err->field is left untouched). */
sp_status sp_parse_number(const char *text, unsigned flags, double *out, sp_error *err);

/* ---------------------------------------------------------------- rules */

typedef enum {
    SP_AXIS_DATA = 0,
    SP_AXIS_TRAINING,
    SP_AXIS_MODEL,
    SP_AXIS_SERVING,
    SP_AXIS_COUNT
} sp_axis;

typedef enum { SP_MODE_TRAIN = 0, SP_MODE_INFER } sp_mode;

/* Returns "data", "training", "model", "serving" ("?" when out of range). */
const char *sp_axis_name(sp_axis axis);
/* Returns "train" or "infer". */
const char *sp_mode_name(sp_mode mode);
/* Parses an axis or mode token; false when the token is not one. */
bool sp_axis_parse(const char *text, sp_axis *out);
bool sp_mode_parse(const char *text, sp_mode *out);

/* The tunable constants of the sizing rule (the seed's helper and its cost
 * model). A profile may override any of them. */
typedef struct {
    double gpu_mem_gb;            /* memory of one accelerator */
    double gpus_per_node;         /* accelerators in one node (whole number) */
    double usd_per_gpu_hour;      /* on-demand price of one accelerator-hour */
    double managed_premium;       /* m: managed price over raw cloud (>= 1) */
    double ops_hours;             /* T_ops: hours spent running a cluster yourself */
    double ops_usd_per_hour;      /* v: value of one hour of the team's time */
    double qps_per_replica;       /* r: requests a second one GPU replica sustains */
} sp_knobs;

enum { SP_KNOB_COUNT = 7 };

/* Constants that are not per profile. */
typedef struct {
    double train_bytes_per_param; /* mixed-precision Adam: 16 */
    double infer_bytes_per_param; /* bf16 weights only: 2 */
    double local_max_data_tb;     /* the seed keeps jobs under this on one node */
    double managed_max_nodes;     /* the seed's largest managed cluster */
} sp_limits;

enum { SP_NAME_MAX = 64, SP_TEXT_MAX = 256, SP_FRAMEWORKS_MAX = 6 };

/* One row of the design-to-tool table (seed Table 41.5.1). */
typedef struct {
    char collective[SP_NAME_MAX];
    char frameworks[SP_FRAMEWORKS_MAX][SP_NAME_MAX];
    unsigned framework_count;
    char seed_label[SP_NAME_MAX];   /* how the seed's helper prints the frameworks */
    char refuse_to_build[SP_TEXT_MAX];
    char refuse_why[SP_TEXT_MAX];
} sp_axis_info;

/* Everything a plan needs besides the profile: loaded once from data/. */
typedef struct {
    sp_knobs knobs;
    sp_limits limits;
    sp_axis_info axes[SP_AXIS_COUNT];
    char schedulers[SP_FRAMEWORKS_MAX][SP_NAME_MAX];
    unsigned scheduler_count;
    char trackers[SP_FRAMEWORKS_MAX][SP_NAME_MAX];
    unsigned tracker_count;
} sp_rules;

/* Loads DATA_DIR/defaults.yaml and DATA_DIR/axes.yaml into out. Every value
 * must carry a source. */
sp_status sp_rules_load(const char *data_dir, sp_rules *out, sp_error *err);

/* ---------------------------------------------------------------- profiles */

/* Bits of sp_profile.knobs_set: which knobs the profile overrides. */
enum {
    SP_SET_GPU_MEM_GB = 1u << 0,
    SP_SET_GPUS_PER_NODE = 1u << 1,
    SP_SET_USD_PER_GPU_HOUR = 1u << 2,
    SP_SET_MANAGED_PREMIUM = 1u << 3,
    SP_SET_OPS_HOURS = 1u << 4,
    SP_SET_OPS_USD_PER_HOUR = 1u << 5,
    SP_SET_QPS_PER_REPLICA = 1u << 6
};

/* One job as the user describes it. Plain data; validated by the loader. */
typedef struct {
    char name[SP_TEXT_MAX];
    double params_b;      /* billions of parameters; 0 when there is no model */
    double memory_gb;     /* accelerator memory the job needs, when known directly */
    bool has_memory_gb;   /* memory_gb was given (it then wins over params_b) */
    double data_tb;
    double qps;
    sp_axis axis;
    bool has_axis;        /* false: the plan infers the axis */
    sp_mode mode;
    bool has_mode;        /* false: train, or infer on the serving axis */
    double train_hours;   /* how long the job runs (hours of compute) */
    double budget_usd;
    sp_knobs knobs;       /* overrides; only the fields in knobs_set count */
    unsigned knobs_set;
    unsigned line;        /* where the profile starts in its file (1-based) */
} sp_profile;

typedef struct {
    sp_profile *items;
    size_t count;
} sp_profile_list;

/* Reads a YAML list of profiles. On success the caller owns *out and frees it
 * with sp_profile_list_free. On failure *out is left empty. */
sp_status sp_profiles_load(const char *path, sp_profile_list *out, sp_error *err);
/* Same, from a buffer; name is used in error messages. */
sp_status sp_profiles_parse(const char *name, const char *text, size_t length,
                            sp_profile_list *out, sp_error *err);
/* Frees what a loader put in list and empties it. list may be NULL. */
void sp_profile_list_free(sp_profile_list *list);

/* The known profile keys, NULL-terminated (for help text and suggestions). */
const char *const *sp_profile_keys(void);

/* ---------------------------------------------------------------- estimators */

typedef struct {
    double raw_usd;       /* g c h */
    double managed_usd;   /* m g c h */
    double ops_usd;       /* v T_ops */
    double self_usd;      /* g c h + v T_ops */
} sp_cost;

/* Seed section 2: C_self = g c h + v T_ops, C_managed = m g c h. Pure. */
sp_cost sp_costs(double gpus, double usd_per_gpu_hour, double hours, double premium,
                 double ops_hours, double ops_usd_per_hour);

/* Hours h* at which the two totals are equal: v T_ops / ((m - 1) g c). Returns
 * +infinity when m == 1 (managed never costs more) and 0 when there is no ops
 * burden. Arguments must be finite with g, c > 0 and m >= 1. Pure. */
double sp_breakeven_hours(double gpus, double usd_per_gpu_hour, double premium,
                          double ops_hours, double ops_usd_per_hour);

typedef enum { SP_TIER_LOCAL = 0, SP_TIER_MANAGED, SP_TIER_SELF } sp_tier;
typedef enum { SP_LAUNCH_TORCHRUN = 0, SP_LAUNCH_RAY, SP_LAUNCH_SLURM } sp_launcher;

/* How the axis was chosen. */
typedef enum {
    SP_AXIS_GIVEN = 0,
    SP_AXIS_FROM_QPS,      /* a qps target makes it a serving job */
    SP_AXIS_FROM_MEMORY,   /* training state exceeds one accelerator */
    SP_AXIS_FROM_DATA,     /* data but no model */
    SP_AXIS_BY_DEFAULT     /* a model that fits: plain data-parallel training */
} sp_axis_source;

/* Why the tier was picked (seed section 3 rule). */
typedef enum {
    SP_TIER_WHY_FITS_NODE = 0,   /* fits one node and under the local data limit */
    SP_TIER_WHY_MANAGED_FITS,    /* managed price within budget and small enough */
    SP_TIER_WHY_OVER_BUDGET,     /* managed price exceeds the budget */
    SP_TIER_WHY_TOO_MANY_NODES   /* more nodes than a managed cluster is sized for */
} sp_tier_reason;

/* Bits of sp_plan.notes: facts the plan wants the user to see. */
enum {
    SP_NOTE_TRAINING_NEEDS_SHARDING = 1u << 0, /* warning: axis training but state > 1 GPU */
    SP_NOTE_SERVING_WITHOUT_QPS = 1u << 1,     /* warning: axis serving but no qps target */
    SP_NOTE_MODEL_FITS_ONE_GPU = 1u << 2,      /* warning: axis model but it fits one GPU */
    SP_NOTE_SELF_CHEAPER = 1u << 3,            /* seed rule says managed, inequality says self */
    SP_NOTE_MANAGED_CHEAPER = 1u << 4,         /* seed rule says self, inequality says managed */
    SP_NOTE_SEED_TRUNCATION = 1u << 5,         /* the seed's int() would have given one GPU fewer */
    SP_NOTE_DATA_GPU_FLOOR = 1u << 6,          /* a data job: the GPU count is only the seed's floor */
    SP_NOTE_REPLICA_SPANS_GPUS = 1u << 7,      /* one replica needs several GPUs */
    SP_NOTE_OVER_BUDGET = 1u << 8              /* warning: the tier's spend exceeds the budget */
};
enum { SP_NOTE_COUNT = 9 };

/* The outcome of planning one profile. Plain numbers; reporters format them. */
typedef struct {
    sp_axis axis;
    sp_axis_source axis_source;
    sp_mode mode;
    sp_knobs knobs;             /* the constants in force (defaults plus overrides) */
    double bytes_per_param;     /* 0 when memory_gb was given directly */
    double memory_gb;           /* accelerator memory the job needs */
    double gpus_for_model;      /* whole numbers, kept as double for JSON and math */
    double gpus_for_qps;
    double gpus;
    double nodes;
    sp_cost cost;
    double breakeven_hours;     /* +infinity when the premium is 1 */
    bool buy_by_inequality;     /* (m-1) g c h <= v T_ops */
    sp_tier tier;
    sp_tier_reason tier_reason;
    double spend_usd;           /* cash the tier costs: raw, or managed on the managed tier */
    bool within_budget;
    sp_launcher launcher;
    unsigned notes;             /* SP_NOTE_* bits */
} sp_plan;

typedef struct {
    bool classic;   /* the seed's helper verbatim: 16 bytes/param always, axis required */
} sp_plan_options;

#define SP_PLAN_OPTIONS_INIT {false}

/* Plans one profile. Pure: no I/O, no allocation. Fails with SP_ERR_INPUT
 * when the numbers are out of the range a plan can be made for. */
sp_status sp_plan_profile(const sp_profile *profile, const sp_rules *rules,
                          const sp_plan_options *options, sp_plan *out, sp_error *err);

/* ---------------------------------------------------------------- output */

typedef enum { SP_FORMAT_TEXT = 0, SP_FORMAT_JSON, SP_FORMAT_MD } sp_format;

/* Parses "text", "json" or "md". */
bool sp_format_parse(const char *text, sp_format *out);

/* Names used in every output. */
const char *sp_tier_name(sp_tier tier);          /* "Local single node (multi-GPU)" ... */
const char *sp_tier_key(sp_tier tier);           /* "local", "managed", "self-managed" */
const char *sp_launcher_name(sp_launcher launcher);

/* Writes the launch line of plan's tier into buf (always NUL-terminated).
 * Returns the length it wanted to write. */
int sp_launch_line(const sp_plan *plan, char *buf, size_t size);

/* Writes the sentence for one SP_NOTE_* bit. Returns the wanted length. */
int sp_note_text(unsigned note, const sp_plan *plan, char *buf, size_t size);

/* Renders the plans of every profile (plans[i] belongs to profiles->items[i]).
 * Returns a NUL-terminated string the caller frees with free(), or NULL with
 * err set (SP_ERR_NOMEM). */
char *sp_render_plans(const sp_profile_list *profiles, const sp_plan *plans,
                      const sp_rules *rules, sp_format format, sp_error *err);

/* Renders the seed helper's own layout (header, rule, six lines a profile). */
char *sp_render_classic(const sp_profile_list *profiles, const sp_plan *plans,
                        const sp_rules *rules, sp_error *err);

/* The build-versus-buy question on its own. */
typedef struct {
    double gpus;
    double usd_per_gpu_hour;
    double premium;
    double ops_hours;
    double ops_usd_per_hour;
} sp_breakeven_input;

/* Checks the numbers of a break-even question (finite, g and c > 0,
 * premium >= 1, ops >= 0). On failure err->field names the bad one. */
sp_status sp_breakeven_check(const sp_breakeven_input *in, sp_error *err);

/* Renders h* and both totals at durations around it. Caller frees. */
char *sp_render_breakeven(const sp_breakeven_input *in, sp_format format, sp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* STACKPLAN_H */
