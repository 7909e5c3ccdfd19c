/* report_internal.h - the reporters inside libstackplan: text, JSON and Markdown over a plan,
 * its sentences and its launch lines. They format what the layers below computed and never
 * compute it. Not part of the API. */
#ifndef SP_REPORT_INTERNAL_H
#define SP_REPORT_INTERNAL_H

#include "plan_internal.h"

/* ---- launch lines (launch_line.c) ---- */
/* vLLM's --max-model-len of a serving config: the 99th-percentile prompt plus output. */
double sp_serve_max_model_len(const sp_serve_config *c);

/* The user's entry point for each axis, by convention: train.py, serve_app.py, data_job.py. */
const char *sp_default_entry(sp_axis axis);

/* ---- sentences (notes.c) ---- */

bool sp_note_is_warning(unsigned note);
void sp_money(double usd, char *buf, size_t size); /* "$14,000" */
int sp_split_text(const sp_mem_config *c, char *buf, size_t size); /* "tp 8 x pp 1 x dp 128" (cp when > 1) */
int sp_axis_reason_text(const sp_profile *p, const sp_plan *plan, char *buf, size_t size);
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

/* ---- JSON (json.c; jansson's json_t by its struct tag) ---- */

struct json_t;
/* The JSON object of one plan, as `plan --format json` prints it (report_json.c). */
struct json_t *sp_plan_json(const sp_profile *p, const sp_plan *plan, const sp_rules *r);
/* Dumps a jansson value (and releases it) as indented, ordered text plus a newline. */
char *sp_json_finish(struct json_t *root, sp_error *err);
/* A JSON number rounded to 1/scale (money to the cent with 100): what a reader can use, and
 * the same text across libm versions. */
struct json_t *sp_json_round(double v, double scale);
/* A whole JSON number: bytes, counts. */
struct json_t *sp_json_count(double v);

#endif
