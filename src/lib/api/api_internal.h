/* api_internal.h - the command line inside libstackplan: option tables, data dir, output
 * streams, one file per command; sp_main and sp_request (the JSON ABI) run it. Not part of the
 * API. */
#ifndef SP_API_INTERNAL_H
#define SP_API_INTERNAL_H

#include "stackplan.h"

#include <limits.h>
#include <stdio.h>

/* 3: the request was understood but no plan meets it (nothing fits memory, targets not met);
 * stdout holds the report that says why. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_INTERNAL = 1, CLI_EXIT_INPUT = 2, CLI_EXIT_UNMET = 3 };

/* Where commands write: stdout and stderr, or the buffers of a JSON request (request.c). */
FILE *cli_out(void);
FILE *cli_err(void);
/* Sends output to out and err (NULL: back to stdout and stderr); redirecting clears the last error. */
void cli_redirect(FILE *out, FILE *err);
/* The last error cli_fail printed since cli_redirect (status SP_OK when none). */
const sp_error *cli_last_error(void);

typedef enum { CLI_NUMBER, CLI_TEXT, CLI_FLAG } cli_kind;

enum { CLI_OPTS_MAX = 96 }; /* options a command may have (suggestions list them) */

/* One row of a subcommand's option table: it drives both parsing and --help. */
typedef struct {
    const char *name;   /* without the leading dashes */
    cli_kind kind;
    const char *arg;    /* placeholder in help, e.g. "N" */
    const char *help;
} cli_opt;

/* The bounds and default of a number or switch flag, with why: one row a name for every command
 * (option_defaults.c), so that a flag two commands share has one range and one default. */
typedef struct {
    const char *name;     /* without the leading dashes */
    cli_kind kind;        /* CLI_NUMBER or CLI_FLAG */
    double min, max;      /* numbers: the range, both ends allowed */
    unsigned flags;       /* numbers: SP_NUM_* (SP_NUM_INTEGER for counts) */
    bool on;              /* switches: the state when neither --x nor --no-x is given */
    const char *fallback; /* the default in words; NULL when it is `value` */
    const char *why;      /* the reason for the range and the default */
    double value;         /* numbers: the default, when it is one value (else NAN) */
} cli_default;

/* The row of a flag, or NULL when it has none (a bug: tests/cli/run_completion.sh checks every
 * number and switch has one). */
const cli_default *cli_default_of(const char *name);
size_t cli_defaults(const cli_default **rows);

typedef struct {
    bool set;
    double number;
    const char *text;
} cli_value;

typedef struct {
    const char *usage;        /* "stackplan plan FILE [options]" */
    const char *summary;      /* one line */
    const cli_opt *opts;
    size_t count;
    size_t max_positional;
} cli_command;

/* Parses argv (after the subcommand word). Fills values[i] for opts[i] and the
 * positional arguments. Returns SP_OK, or SP_ERR_INPUT with err set. *help is
 * set when -h/--help was given. */
sp_status cli_parse(const cli_command *cmd, int argc, char **argv, cli_value *values,
                    const char **positional, size_t *positional_count, bool *help, sp_error *err);
void cli_print_help(const cli_command *cmd, FILE *out);

/* A number flag's value, or its row's default value when not given. */
double cli_number(const cli_command *cmd, const cli_value *values, const char *name);

/* A catalog name as the user typed it (model_flags.c): exact, another case, an unambiguous short
 * form; else one line listing the candidates or suggesting the nearest (listing: where to look, as shown after "see"). */
sp_status cli_resolve_name(const char *const *names, size_t count, const char *typed, const char *flag,
                           const char *catalog, const char *listing, const char **out, sp_error *err);

/* A switch's state: --x or --x=on (true), --no-x or --x=off (false), its row's default when not given. */
bool cli_on(const cli_command *cmd, const cli_value *values, const char *name);

/* Index of an option by name in cmd->opts (the tables are static, so a miss is a bug). */
size_t cli_index(const cli_command *cmd, const char *name);

/* The data directory: --data-dir, then $STACKPLAN_DATA_DIR, then the build's default. */
const char *cli_data_dir(const char *flag_value);

/* A path under the data directory. */
typedef struct {
    char text[PATH_MAX];
} cli_path;

/* DATA_DIR/NAME in out, or the file of the --FLAG option when it is given (flag may be NULL). */
const char *cli_data_file(const cli_command *cmd, const cli_value *values, const char *flag, const char *data_dir,
                          const char *name, cli_path *out);

/* Prints err on stderr as one line and returns the exit status for it. */
int cli_fail(const sp_error *err);
/* Writes text to stdout and frees it; exit status 1 when writing fails. */
int cli_emit(char *text);
/* Flushes stdout; on a full disk or a closed pipe says so on stderr and returns CLI_EXIT_INTERNAL. */
int cli_flush_out(void);

/* Loads the rules and the profiles of path, and plans each. On success the
 * caller frees *profiles (sp_profile_list_free) and *plans (free). On failure
 * the error is printed and its exit status returned. */
int cli_load_and_plan(const char *path, const char *data_dir, const sp_plan_options *options,
                      sp_rules *rules, sp_profile_list *profiles, sp_plan **plans);

/* Option rows every command that takes a model shares. */
#define CLI_MODEL_OPTS                                                                               \
    {"model", CLI_TEXT, "NAME", "a catalog model (see `stackplan catalog models`)"},        \
    {"hf-config", CLI_TEXT, "FILE|DIR", "a Hugging Face config.json, or a directory holding one"}, \
    {"name", CLI_TEXT, "NAME", "what to call a --hf-config or shape model (default: _name_or_path or the file)"}, \
    {"params", CLI_NUMBER, "N", "only a parameter count (e.g. 7e9 or 7G)"},               \
    {"layers", CLI_NUMBER, "L", "shape: transformer layers"},                \
    {"hidden", CLI_NUMBER, "H", "shape: hidden size"},                       \
    {"heads", CLI_NUMBER, "A", "shape: attention heads"},                    \
    {"kv-heads", CLI_NUMBER, "K", "shape: key/value heads (GQA; default heads)"}, \
    {"ffn", CLI_NUMBER, "F", "shape: MLP width (default 4 x hidden)"},        \
    {"ffn-kind", CLI_TEXT, "gelu|swiglu", "shape: MLP kind (default gelu)"},                 \
    {"vocab", CLI_NUMBER, "V", "shape: vocabulary size"},                     \
    {"experts", CLI_NUMBER, "E", "shape, MoE: routed experts a layer"},        \
    {"experts-per-token", CLI_NUMBER, "K", "shape, MoE: experts each token is routed to"}, \
    {"shared-experts", CLI_NUMBER, "S", "shape, MoE: always-active experts a layer (default 0)"}, \
    {"moe-ffn", CLI_NUMBER, "F", "shape, MoE: each expert's MLP width (default --ffn)"}, \
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},        \
    {"accelerators", CLI_TEXT, "FILE", "accelerator catalog (default DATA_DIR/accelerators.yaml)"}

/* Option rows of the training precision and optimizer, alike in every command. */
#define CLI_PRECISION_OPTS                                                                           \
    {"precision", CLI_TEXT, "P", "fp32, mixed-fp16, mixed-bf16 (default), bf16, fp8, fp8-rowwise (torchao, FSDP2), mxfp8 (Blackwell, MI355X), nvfp4 (Blackwell)"},      \
    {"optimizer", CLI_TEXT, "O", "adamw (default), adam, adam8bit, sgd, adafactor"}

/* Option rows of a fine-tune's method, alike in `finetune` and `memory`. */
#define CLI_FT_OPTS                                                                                     \
    {"method", CLI_TEXT, "M", "full, lora, qlora or dora (finetune: a comma list; default full,lora,qlora)"}, \
    {"lora-rank", CLI_NUMBER, "R", "adapter rank (default 8, PEFT's)"},           \
    {"lora-targets", CLI_TEXT, "T", "attn, mlp, all-linear (default) or a list such as q,k,v,o,gate,up,down"}, \
    {"lora-dropout", CLI_NUMBER, "P", "adapter dropout (default 0.05; 0 keeps no dropped input)"}, \
    {"quant", CLI_TEXT, "Q", "frozen base: none, nf4 (QLoRA default), fp4, int4 (GPTQ), int8"}, \
    {"double-quant", CLI_FLAG, NULL, "quantise the 4-bit constants again (default on)"},      \
    {"offload", CLI_TEXT, "O", "none, optimizer, optimizer+params (default: finetune and train try it where nothing else fits or it gains perf.yaml's offload_min_gain; memory: none)"},            \
    {"train-embeddings", CLI_FLAG, NULL, "the embeddings and output layer train beside the adapters"}, \
    {"fused-kernels", CLI_FLAG, NULL, "norms, rotary and SwiGLU fused (Liger, Unsloth, torch.compile); default off: HF's eager modules"}, \
    {"reentrant-checkpointing", CLI_FLAG, NULL, "HF's reentrant checkpointing around FSDP blocks (default on); off: non-reentrant or FSDP's own"}, \
    {"chunked-loss", CLI_FLAG, NULL, "the loss over 16-bit logits in chunks (torchtune, litgpt), no fp32 copy of them all (default off)"}, \
    {"kbit-upcast", CLI_FLAG, NULL, "a quantised base's norms, embeddings and head in fp32 (PEFT prepare_model_for_kbit_training; default off)"}, \
    {"host-gb", CLI_NUMBER, "GB", "host memory free for offloaded state (default: not checked)"}, \
    {"context", CLI_NUMBER, "N", "fine-tune at a context longer than the model's own (RoPE scaling): --seq up to it"}

/* Refuses a CLI_FT_OPTS flag given without --method (memory and train without it are not a
 * fine-tune, and would ignore it). */
/* --seq within the model's context, or within --context when given (bad input naming --seq);
 * verb says what a longer --context does ("fine-tunes at", "sizes"). */
sp_status cli_seq_within_context(const cli_command *cmd, const cli_value *values, const sp_model *m, double seq,
                                 const char *verb, sp_error *err);
sp_status cli_ft_flags_need_method(const cli_command *cmd, const cli_value *values, const char *allowed,
                                   sp_error *err); /* allowed: one flag this command takes anyway, or NULL */
/* Reads the CLI_FT_OPTS into c (method only when one is given; finetune reads its list itself). */
sp_status cli_ft_flags(const cli_command *cmd, const cli_value *values, bool one_method, sp_ft_config *c,
                       sp_error *err);
/* The defaults every fine-tune command starts from (PEFT's rank 8 on all linears, dropout 0.05,
 * double quantisation, pure bf16 AdamW, seq 2048 or the model's shorter context), then the
 * CLI_FT_OPTS, --precision, --optimizer and --seq. */
sp_status cli_ft_base(const cli_command *cmd, const cli_value *values, const sp_model *model, bool one_method,
                      sp_ft_config *c, sp_error *err);

/* What the estimator commands start from. */
typedef struct {
    const char *data_dir;
    sp_rules rules;
    sp_model model;            /* exactly one of --model, --hf-config, --params or --layers ... */
    bool catalog_model;        /* it is --model's catalog model (a profile can name it) */
    sp_accel_catalog catalog;  /* --accelerators or DATA_DIR/accelerators.yaml; the caller frees it */
    const sp_accel *accel;     /* the --gpu part; NULL when not given or with CLI_GPU_LIST */
} cli_inputs;

typedef enum {
    CLI_GPU_OPTIONAL, /* --gpu NAME may be given */
    CLI_GPU_REQUIRED, /* --gpu NAME must be given */
    CLI_GPU_LIST      /* --gpu is a list the command reads itself: only the catalog is loaded */
} cli_gpu_mode;

/* Loads the rules, the model and the accelerator. shape_for names the estimate that needs the
 * model's shape (NULL when a parameter count will do). */
sp_status cli_load_inputs(const cli_command *cmd, const cli_value *values, const char *shape_for, cli_gpu_mode gpu,
                          cli_inputs *in, sp_error *err);
/* The catalog parts of a --gpu NAME[,NAME] list, at most max of them. */
sp_status cli_accel_list(const cli_command *cmd, const cli_value *values, const sp_accel_catalog *catalog,
                         const sp_accel **out, size_t max, size_t *count, sp_error *err);
/* Searches a fine-tune request over the accelerators and renders it: the exit status. Frees the
 * inputs' catalog. */
int cli_ft_run(cli_inputs *in, const sp_accel *const *accels, size_t count, const sp_ft_request *request,
               sp_format format);
/* --gpus as "64", "64,128" or "64-512" (doubling from A, and B itself), at most max counts. */
sp_status cli_gpu_counts(const char *text, double *counts, size_t max, size_t *n, sp_error *err);
/* A flag error: "stackplan: --NAME: message". */
sp_status cli_flag_error(sp_error *err, const char *name, const char *fmt, ...);
/* --format profile: the first of `names` given is refused, a profile having no key for it (what
 * `plan` would then do without it: "search the layout", "size the fleet"). */
sp_status cli_refuse_for_profile(const cli_command *cmd, const cli_value *values, const char *const *names, size_t count,
                                 const char *plan_would, sp_error *err);
/* A catalog accelerator or model by the name as typed: exact, any case, an unambiguous short form
 * or its words ("b200", "RTX 4090", "Llama-3.1-8B"); several candidates are listed and a near miss
 * suggested, on the command line and in profiles alike. */
sp_status cli_find_accel(const sp_accel_catalog *catalog, const char *typed, const sp_accel **out, sp_error *err);
/* The item of a catalog of structs a word names (cli_resolve_name's rules): its index. */
sp_status cli_resolve_item(const void *items, size_t count, size_t stride, size_t name_offset, const char *typed,
                           const char *flag, const char *catalog, const char *listing, size_t *index, sp_error *err);
sp_status cli_load_named_model(const char *data_dir, const char *typed, sp_model *out, sp_error *err);

/* Output formats a command accepts beyond text and json. */
enum { CLI_MD = 1u << 0, CLI_HTML = 1u << 1, CLI_PROFILE = 1u << 2 };

/* Parses argv, answers --help and reads --format (text, json, and the CLI_MD / CLI_HTML given).
 * positional and positional_count are NULL for a command that takes no operands.
 * Returns -1 when the command should go on, else the exit status to return. */
int cli_start(const cli_command *cmd, int argc, char **argv, cli_value *values, const char **positional,
              size_t *positional_count, sp_format *format, unsigned formats);

/* Token flags shared by the estimator commands; each leaves *out alone when not given. */
sp_status cli_precision(const cli_command *cmd, const cli_value *values, sp_precision *out, sp_error *err);
sp_status cli_optimizer(const cli_command *cmd, const cli_value *values, sp_optimizer *out, sp_error *err);
sp_status cli_recompute(const cli_command *cmd, const cli_value *values, sp_recompute *out, bool *given,
                        sp_error *err);
sp_status cli_dtype(const cli_command *cmd, const cli_value *values, const char *name, bool allow_int4,
                    sp_dtype *out, sp_error *err);
/* The value slot of an option by name (the tables are static: a name always exists). */
const cli_value *cli_flag(const cli_command *cmd, const cli_value *values, const char *name);
/* The value of a numeric flag, or fallback when not given. */
double cli_number_or(const cli_command *cmd, const cli_value *values, const char *name, double fallback);

int cmd_memory(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_launch(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_classic(int argc, char **argv);
int cmd_breakeven(int argc, char **argv);
int cmd_finetune(int argc, char **argv);

/* Each command's option table (its file's CMD): what --help, completions and the man page show. */
const cli_command *cmd_plan_spec(void);
const cli_command *cmd_classic_spec(void);
const cli_command *cmd_breakeven_spec(void);
const cli_command *cmd_train_spec(void);
const cli_command *cmd_finetune_spec(void);
const cli_command *cmd_serve_spec(void);
const cli_command *cmd_data_spec(void);
const cli_command *cmd_launch_spec(void);
const cli_command *cmd_memory_spec(void);
const cli_command *cmd_catalog_spec(void);
const cli_command *cmd_completion_spec(void);

/* One command of the dispatcher's table (dispatch.c), in the order --help lists them. */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const cli_command *(*spec)(void);
} cli_entry;

/* The subcommands, as the dispatcher runs them: it hands options.c its table, so that an error can
 * name the command taking a flag (options.c sits below the commands and cannot reach the table). */
void cli_set_command_table(const cli_entry *table, size_t count);
/* `stackplan completion bash|zsh|fish|man` over the dispatcher's table. */
int cmd_completion(int argc, char **argv, const cli_entry *commands, size_t count);

#endif
