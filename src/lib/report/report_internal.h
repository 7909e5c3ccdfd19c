/* report_internal.h - the reporters inside libstackplan: text, JSON and Markdown over a plan,
 * its sentences and its launch lines. They format what the layers below computed and never
 * compute it. Not part of the API. */
#ifndef SP_REPORT_INTERNAL_H
#define SP_REPORT_INTERNAL_H

#include "plan_internal.h"

/* The launch line's caveats of the checkpoint's format and the engine, each line after `lead`
 * (serve_caveats.c). */
void sp_serve_launch_caveats(const sp_model *m, const sp_accel *a, sp_engine engine, const sp_serve_config *c,
                             const sp_serve_result *s, const char *lead, sp_buf *b);

/* ---- launch lines (launch_line.c) ---- */
/* Whether the launch line's program reads what `stackplan launch` writes (Megatron's arguments,
 * torchtitan's TOML, axolotl's recipe): the line alone does not run it. */
bool sp_plan_entry_needs_launch_files(const sp_plan *plan);
/* vLLM's --dtype and --quantization for a serving config; NULL: vLLM's own choice (serve.sh and
 * serve_app.py pass the same). */
const char *sp_vllm_dtype(const sp_serve_config *c);
/* Micro-batches the written fine-tune recipe accumulates an optimizer step (axolotl.yml). */
double sp_ft_accumulation(const sp_launch_data *d, const sp_ft_config *k);
const char *sp_vllm_quantization(const sp_serve_config *c);

/* The user's entry point for each axis, by convention: train.py, serve_app.py, data_job.py. */
const char *sp_default_entry(sp_axis axis);
/* HF Trainer's sharding flag and its value, which the default entry (train.py) gets on GPUs:
 * --deepspeed ds_config.json for a searched ZeRO/FSDP layout, --fsdp "full_shard auto_wrap" where
 * no layout was searched and the seed's sizing found state past one GPU; false: none. */
bool sp_default_entry_sharding(const sp_plan *plan, const char **flag, const char **value);
/* Whether launch writes the plan as the default train.py under Hugging Face's Trainer: a searched
 * DDP, FSDP or DeepSpeed layout on a CUDA or ROCm part (sp_train_runs_trainer). */
bool sp_plan_runs_trainer(const sp_plan *plan);
/* For such a plan, the Trainer's batch, step, precision and checkpointing arguments (" --per_device_
 * train_batch_size 2 --gradient_accumulation_steps 4 --max_steps 954 --bf16"), which match
 * ds_config.json where DeepSpeed runs (the Trainer refuses to run against it when they differ);
 * "" (0) for any other plan. */
int sp_trainer_batch_args(const sp_plan *plan, char *buf, size_t size);
/* The command ray.sh submits when no entry is named: ray_train.py for training (a Ray Train worker
 * a GPU), Ray Serve's app or serve.sh for serving, the data program. */
const char *sp_ray_job_command(const sp_plan *plan);
/* A serving replica's split: "tp 4", "tp 8 x pp 2", "ep 8 x dp 8", "ep 8, tp attention". */
void sp_serve_split_text(const sp_serve_result *s, char *buf, size_t size);
/* A serving plan the seed's rate sized (no model served): the whole replicas of gpus_for_model
 * GPUs its GPUs hold, which Ray Serve runs; 1 where a replica takes every GPU. */
double sp_unsized_serving_replicas(const sp_plan *plan);
/* Whether the plan's serving replicas run as a Ray Serve app (serve_app.py): Ray Serve + vLLM
 * plans, and seed-sized plans of several replicas. */
bool sp_plan_runs_serve_app(const sp_plan *plan);
/* Whether the plan's replicas each run their own server (SGLang, trtllm-serve), with SkyPilot's
 * load balancer in front of several (sky serve up sky_task.yaml), and no Ray. */
bool sp_plan_runs_own_servers(const sp_plan *plan);
/* A Ray Data job on one machine: run there (ray.init() starts Ray), no cluster brought up. */
bool sp_plan_data_runs_local(const sp_plan *plan);
/* The servers such a plan starts: its replicas, or SGLang's instances of them (--dp-size). */
double sp_plan_servers(const sp_plan *plan);

/* Whether the plan's job downloads a Hugging Face checkpoint (a served model, a fine-tune's base):
 * its SkyPilot task requires HF_TOKEN as a secret (sky ... --secret HF_TOKEN) and its pods read it,
 * since Meta's, Mistral's and Google's repositories are gated. */
bool sp_plan_downloads_checkpoint(const sp_plan *plan);

/* ---- sentences (notes.c) ---- */

bool sp_note_is_warning(unsigned note);
void sp_money(double usd, char *buf, size_t size); /* "$14,000" */
void sp_money_cents(double usd, char *buf, size_t size); /* "$3.20", "$3,165" */
void sp_count_text(double n, char *buf, size_t size); /* "10M", "2.5B", "1T"; under 10,000 as is */
/* "LABEL AWS on-demand (h100-sxm-80gb $6.88); Lambda on-demand (...): ..." when the parts compared
 * (each once) are priced by two or more providers and no price was given for all; else nothing. */
void sp_price_providers_line(sp_buf *b, const char *label, const sp_accel *const *accels, size_t n,
                             bool price_given);
/* Appends a to list (of *n, at most max) unless it is there already; true when appended. */
bool sp_accel_list_add(const sp_accel **list, size_t *n, size_t max, const sp_accel *a);
/* "LABEL <provider> rents <part> 1, 4 or 8 to an instance (...): ..." where a job's rate is an
 * instance's share, not the single GPU's; sp_fleet_price_line for a serving fleet's instances. */
void sp_instance_price_line(sp_buf *b, const char *label, const sp_accel *a, double gpus, double rate);
void sp_fleet_price_line(sp_buf *b, const char *label, const sp_accel *a, const sp_serve_result *s);
/* An accelerator's memory: "85.9 GB = 80 GiB" (decimal GB to digits decimals, or four significant
 * digits when digits < 0, and the GiB it is sold as when whole). */
void sp_capacity_text(double bytes, int digits, char *buf, size_t size);
int sp_split_text(const sp_mem_config *c, char *buf, size_t size); /* "tp 8 x pp 1 x dp 128" (cp when > 1) */
int sp_axis_reason_text(const sp_profile *p, const sp_plan *plan, char *buf, size_t size);
/* The axis whose collective and frameworks carry the plan: the model axis for a training job whose
 * state needs sharding (sp_plan_sharded_training), else the plan's own. */
const sp_axis_info *sp_plan_carrying_axis(const sp_plan *plan, const sp_rules *r);
bool sp_plan_sharded_training(const sp_plan *plan);
/* The plan's memory in GB as every format shows it: a served plan's is the engine's, a replica's GPUs
 * together (the text's memory line); any other plan's is its sized memory. */
double sp_plan_memory_gb(const sp_plan *plan);
/* "expert parallelism kept; tensor-parallel experts would take 16 GPUs at $0.123 per million output
 * tokens at full capacity[, meeting the targets]" for an MoE sized both ways; 0 and "" otherwise. */
int sp_parallelism_choice_text(const sp_serve_config *c, const sp_serve_result *s, bool priced, char *buf, size_t size);
/* A plan's tier as its report names it: the seed's name, except that a local plan on one GPU is not
 * called multi-GPU. (`stackplan classic` keeps the seed's own words.) */
const char *sp_plan_tier_name(const sp_plan *plan);

int sp_tier_reason_text(const sp_profile *p, const sp_plan *plan, const sp_rules *r, char *buf,
                        size_t size);

/* ---- fine-tuning (report_finetune.c) ---- */

/* "torch==2.15.0, transformers==..., peft==..." for the packages the option needs. */
void sp_ft_pins(const sp_rules *rules, const sp_ft_option *option, char *buf, size_t size);

/* ---- plans (report_text.c, report_json.c, report_md.c), behind sp_render_plans ---- */

char *sp_render_plans_text(const sp_profile_list *profiles, const sp_plan *plans,
                           const sp_rules *rules, sp_error *err);
char *sp_render_plans_json(const sp_profile_list *profiles, const sp_plan *plans,
                           const sp_rules *rules, sp_error *err);
char *sp_render_plans_md(const sp_profile_list *profiles, const sp_plan *plans,
                         const sp_rules *rules, sp_error *err);
/* report_html.c: the text report with each plan's charts (memory, step, break-even). */
char *sp_render_plans_html(const sp_profile_list *profiles, const sp_plan *plans, const sp_rules *rules,
                           sp_error *err);

/* ---- JSON (json.c; jansson's json_t by its struct tag) ---- */

struct json_t;
/* The JSON object of one plan, as `plan --format json` prints it (report_json.c). */
struct json_t *sp_plan_json(const sp_profile *p, const sp_plan *plan, const sp_rules *r);
/* A serving result's latencies under load into o (report_serve.c): percentiles, the verdict's, binding. */
void sp_serve_load_json(struct json_t *o, const sp_serve_config *c, const sp_serve_result *s);
/* Dumps a jansson value (and releases it) as indented, ordered text plus a newline. */
char *sp_json_finish(struct json_t *root, sp_error *err);
/* A command's JSON report: "stackplan_version" first, then root's keys (releases root). */
char *sp_json_report(struct json_t *root, sp_error *err);
/* A JSON number rounded to 1/scale (money to the cent with 100): what a reader can use, and
 * the same text across libm versions. */
struct json_t *sp_json_round(double v, double scale);
/* v to `digits` significant figures: a quantity whose scale varies (0.031 h to 8,423 h) keeps its
 * precision, and a small one is never rounded to a 0 that means something else. */
struct json_t *sp_json_significant(double v, int digits);
/* A whole JSON number: bytes, counts. */
struct json_t *sp_json_count(double v);

/* ---- charts (svg.c) and pages (html.c) ---- */

enum { SP_SVG_SEGMENTS_MAX = 8 };

/* One bar of stacked segments (values in the chart's unit). */
typedef struct {
    const char *label;
    double values[SP_SVG_SEGMENTS_MAX];
} sp_svg_bar;

typedef struct {
    const char *title, *x_label, *y_label;
    const char *const *segment_names;  /* segments of them */
    size_t segments;
    const sp_svg_bar *bars;
    size_t count;
    double limit;                      /* > 0: a dashed line (the accelerator's memory) */
    const char *limit_label;
} sp_svg_bars;

/* One series of an x-y chart. */
typedef struct {
    const char *name;
    const double *x, *y;
    size_t count;
    bool points_only;                  /* no line between the points */
} sp_svg_series;

typedef struct {
    const char *title, *x_label, *y_label;
    bool x_log2;                       /* GPU counts: powers of two evenly spaced */
    bool y_from_zero;
    double x_mark;                     /* > 0: a dashed vertical line (the break-even) */
    const char *x_mark_label;
    double y_mark;                     /* > 0: a dashed horizontal line (a latency target) */
    const char *y_mark_label;
    const char *chosen_label;          /* non-NULL: ring (chosen_x, chosen_y) */
    double chosen_x, chosen_y;
} sp_svg_xy;

/* XML-escaped text (&, <, >, quotes). */
void sp_xml_text(sp_buf *b, const char *text);
char *sp_svg_stacked_bars(const sp_svg_bars *chart, sp_error *err);
char *sp_svg_xy_chart(const sp_svg_xy *chart, const sp_svg_series *series, size_t n, sp_error *err);

/* Each report's charts (report_charts.c). Bars in GB; capacity draws the accelerator's line. */
sp_svg_bar sp_memory_bar(const char *label, const sp_memory *m);
char *sp_chart_memory(const char *title, const sp_svg_bar *bars, size_t count, double capacity_bytes, sp_error *err);
sp_svg_bar sp_ft_memory_bar(const char *label, const sp_ft_memory *m);
char *sp_chart_ft_memory(const char *title, const sp_svg_bar *bars, size_t count, double capacity_bytes, sp_error *err);
char *sp_chart_step(const char *title, const sp_step *s, sp_error *err);
/* Both totals against hours, h* marked, and the run (run_hours > 0) ringed. */
char *sp_chart_breakeven(const sp_breakeven_input *in, double breakeven_hours, double run_hours, sp_error *err);
char *sp_chart_serve(const sp_serve_report *r, sp_error *err);
/* The page of a report from its text, JSON and charts; frees all of them (NULL-safe). */
char *sp_html_finish(const char *title, char *text, char *json, char **charts, size_t count, sp_error *err);

/* A self-contained page: the text report, the charts beside it, and the JSON it was computed
 * from (inputs and results). Frees nothing it is given. */
char *sp_html_page(const char *title, const char *text, char *const *charts, size_t chart_count, const char *json,
                   sp_error *err);

#endif
