/* report_json.c - the plan as JSON (jansson); keys documented in docs/CLI.md. */
#include "report_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { TEXT_MAX = 1024 };

static json_t *names_array(const char names[][SP_NAME_MAX], unsigned count)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < count; i++)
        json_array_append_new(a, json_string(names[i]));
    return a;
}

static void add_notes(json_t *o, const sp_plan *plan)
{
    json_t *warnings = json_array(), *notes = json_array();
    char line[TEXT_MAX];
    for (unsigned i = 0; i < SP_NOTE_COUNT; i++) {
        unsigned bit = 1u << i;
        if (!(plan->notes & bit))
            continue;
        sp_note_text(bit, plan, line, sizeof line);
        json_array_append_new(sp_note_is_warning(bit) ? warnings : notes, json_string(line));
    }
    json_object_set_new(o, "warnings", warnings);
    json_object_set_new(o, "notes", notes);
}

static void add_sizing(json_t *o, const sp_profile *p, const sp_plan *plan)
{
    /* A data job sized on CPU instances has no mode, model size, memory or rate method: null, not
     * a training plan's defaults. */
    bool data = plan->data_sized;
    json_object_set_new(o, "mode", data ? json_null() : json_string(sp_mode_name(plan->mode)));
    /* As given, or the named model's own count (the profile leaves params_b out when it names one). */
    double params_b = p->params_b > 0 || !plan->has_model ? p->params_b : sp_model_params(&plan->model) / 1e9;
    json_object_set_new(o, "params_b", data ? json_null() : json_real(params_b));
    json_object_set_new(o, "bytes_per_param", plan->bytes_per_param > 0 && !plan->data_sized
                                                  ? json_real(plan->bytes_per_param)
                                                  : json_null());
    json_object_set_new(o, "memory_gb", data ? json_null() : sp_json_round(sp_plan_memory_gb(plan), 100));
    json_object_set_new(o, "memory_method",
                        data ? json_null() : json_string(plan->memory_from_model ? "model" : "bytes-per-param"));
    json_object_set_new(o, "model", p->model[0] ? json_string(p->model) : json_null());
    json_object_set_new(o, "gpu", p->gpu[0] ? json_string(p->gpu) : json_null());
    /* A fine-tune's memory is in "fine_tune", a served plan's in "serving". */
    if (plan->memory_from_model && !plan->fine_tuned && !plan->served) {
        const sp_mem_config *c = &plan->mem_config;
        json_t *m = json_object();
        json_object_set_new(m, "params", json_integer((json_int_t)plan->memory.params));
        json_object_set_new(m, "per_gpu_bytes", sp_json_count(plan->memory.total_bytes));
        json_object_set_new(m, "model_state_bytes", sp_json_count(plan->memory.model_state_bytes));
        json_object_set_new(m, "activations_bytes", sp_json_count(plan->memory.activations_bytes));
        json_object_set_new(m, "kv_cache_bytes", sp_json_count(plan->memory.kv_cache_bytes));
        json_object_set_new(m, "overhead_bytes", sp_json_count(plan->memory.overhead_bytes));
        json_object_set_new(m, "precision", json_string(sp_precision_name(c->precision)));
        json_object_set_new(m, "optimizer", json_string(sp_optimizer_name(c->optimizer)));
        json_object_set_new(m, "seq", json_integer((json_int_t)c->seq));
        json_object_set_new(m, "micro_batch", json_integer((json_int_t)c->micro_batch));
        json_object_set_new(m, "zero", json_integer((json_int_t)c->zero));
        json_object_set_new(m, "tp", json_integer((json_int_t)c->tp));
        json_object_set_new(m, "cp", json_integer((json_int_t)c->cp));
        json_object_set_new(m, "recompute", json_string(sp_recompute_name(c->recompute)));
        json_object_set_new(o, "memory_detail", m);
    }
    json_object_set_new(o, "qps_method", data ? json_null() : json_string(plan->served ? "model" : "seed-constant"));
    if (plan->served) {
        const sp_serve_result *sv = &plan->serve;
        char line[1024];
        json_t *t = json_object();
        json_object_set_new(t, "prompt_tokens", json_integer((json_int_t)plan->serve_config.prompt_tokens));
        json_object_set_new(t, "output_tokens", json_integer((json_int_t)plan->serve_config.output_tokens));
        json_object_set_new(t, "tp", json_integer((json_int_t)sv->tp));
        json_object_set_new(t, "pp", json_integer((json_int_t)fmax(1.0, sv->pp)));
        json_object_set_new(t, "batch", json_integer((json_int_t)sv->batch));
        json_object_set_new(t, "replicas", json_integer((json_int_t)sv->replicas));
        /* What one GPU of a replica holds, as the text's memory line and the engine's launch line say. */
        json_object_set_new(t, "per_gpu_bytes", sp_json_count(sv->weights_bytes + sv->workspace_bytes + sv->kv_cache_bytes));
        json_object_set_new(t, "weights_bytes", sp_json_count(sv->weights_bytes));
        json_object_set_new(t, "workspace_bytes", sp_json_count(sv->workspace_bytes));
        json_object_set_new(t, "kv_cache_bytes", sp_json_count(sv->kv_cache_bytes));
        json_object_set_new(t, "gpu_memory_utilization", json_real(plan->serve_config.gpu_memory_utilization));
        json_object_set_new(t, "requests_per_s_per_replica", json_real(round(sv->requests_per_s * 1e4) / 1e4));
        json_object_set_new(t, "output_tokens_per_s_per_gpu", json_real(round(sv->output_tokens_per_s_per_gpu * 10) / 10));
        json_object_set_new(t, "ttft_s", json_real(round(sv->ttft_s * 1e6) / 1e6));
        json_object_set_new(t, "tpot_s", json_real(round(sv->tpot_s * 1e6) / 1e6));
        json_object_set_new(t, "meets_targets", json_boolean(sv->meets_targets));
        json_object_set_new(t, "usd_per_million_output_tokens", json_real(round(sv->usd_per_million_output_tokens * 1e4) / 1e4));
        /* At the profile's rate, as the text's cost line: each kind of token its share, and the load. */
        bool loaded = sv->usd_per_million_output_tokens_at_load > 0;
        json_object_set_new(t, "usd_per_million_input_tokens",
                            loaded ? sp_json_round(sv->usd_per_million_input_tokens, 1e4) : json_null());
        json_object_set_new(t, "usd_per_million_output_tokens_at_load",
                            loaded ? sp_json_round(sv->usd_per_million_output_tokens_at_load, 1e4) : json_null());
        json_object_set_new(t, "fleet_usd_per_hour", sp_json_round(sv->fleet_usd_per_hour, 100));
        json_object_set_new(t, "utilization", sp_json_round(sv->utilization, 1e4));
        sp_serve_load_json(t, &plan->serve_config, sv);
        json_object_set_new(t, "engine", json_string(sp_engine_name(plan->engine)));
        json_object_set_new(t, "engine_reason", json_string(plan->engine_reason));
        sp_serve_launch_line(plan->model_id, plan->engine, &plan->serve_config, sv, line, sizeof line);
        json_object_set_new(t, "launch", json_string(line));
        json_object_set_new(o, "serving", t);
    }
    if (plan->data_sized) {
        const sp_data_result *d = &plan->data;
        json_t *t = json_object(), *stages = json_array();
        json_object_set_new(t, "instance", json_string(plan->data_instance.name));
        json_object_set_new(t, "nodes", json_integer((json_int_t)d->nodes));
        json_object_set_new(t, "usd_per_instance_hour", json_real(plan->data_instance.usd_per_hour));
        json_object_set_new(t, "hours", json_real(round(d->hours * 1e4) / 1e4));
        json_object_set_new(t, "shuffle_bytes", json_real(round(d->shuffle_bytes)));
        for (unsigned i = 0; i < d->count; i++) {
            json_t *st = json_object();
            json_object_set_new(st, "stage", json_string(plan->data_stage_names[i]));
            json_object_set_new(st, "hours", json_real(round(d->stages[i].seconds / 3600 * 1e4) / 1e4));
            json_object_set_new(st, "bottleneck", json_string(d->stages[i].bottleneck));
            json_array_append_new(stages, st);
        }
        json_object_set_new(t, "stages", stages);
        json_object_set_new(t, "framework", json_string(sp_data_engine_name(plan->data_framework)));
        json_object_set_new(t, "framework_reason", json_string(plan->data_framework_reason));
        json_object_set_new(o, "data_job", t);
    }
    if (plan->timed) {
        const sp_candidate *c = &plan->run;
        json_t *t = json_object();
        json_object_set_new(t, "tokens", json_real(plan->run_tokens));
        json_object_set_new(t, "global_batch", json_integer((json_int_t)plan->run_global_batch));
        json_object_set_new(t, "hours", sp_json_significant(plan->run_hours, 6));
        /* The hours count norms, rotary and SwiGLU as eager modules (train.py's Hugging Face model). */
        json_object_set_new(t, "eager_modules", json_boolean(c->config.eager_modules));
        json_object_set_new(t, "goodput", sp_json_round(plan->run_goodput, 1e4));
        json_object_set_new(t, "gpus", json_integer((json_int_t)c->gpus));
        json_object_set_new(t, "tp", json_integer((json_int_t)c->config.tp));
        json_object_set_new(t, "pp", json_integer((json_int_t)c->config.pp));
        json_object_set_new(t, "dp", json_integer((json_int_t)c->config.dp));
        json_object_set_new(t, "cp", json_integer((json_int_t)c->config.cp));
        json_object_set_new(t, "ep", json_integer((json_int_t)c->config.ep));
        json_object_set_new(t, "etp", json_integer((json_int_t)(c->config.etp > 0 ? c->config.etp : 1)));
        json_object_set_new(t, "zero", json_integer((json_int_t)c->config.zero));
        json_object_set_new(t, "micro_batch", json_integer((json_int_t)c->config.micro_batch));
        json_object_set_new(t, "interleave", json_integer((json_int_t)c->config.interleave));
        json_object_set_new(t, "recompute", json_string(sp_recompute_name(c->config.recompute)));
        json_object_set_new(t, "sequence_parallel", json_boolean(c->config.sequence_parallel));
        json_object_set_new(t, "tokens_per_s", json_real(round(c->step.tokens_per_s)));
        json_object_set_new(t, "mfu", json_real(round(c->step.mfu * 1e4) / 1e4));
        json_object_set_new(t, "step_time_s", json_real(round(c->step.step_time_s * 1e6) / 1e6));
        json_object_set_new(t, "memory_per_gpu_bytes", sp_json_count(c->memory.total_bytes));
        json_object_set_new(t, "framework", json_string(sp_train_framework_on(plan->stack, &c->config)));
        json_object_set_new(t, "plans_evaluated", json_integer((json_int_t)plan->plans_evaluated));
        /* A pinned count that misses train_hours: the first doubling that finishes (null: none, or met). */
        json_object_set_new(t, "gpus_in_time", plan->run_gpus_in_time > 0 ? json_integer((json_int_t)plan->run_gpus_in_time)
                                                                          : json_null());
        json_object_set_new(o, "training", t);
    }
    if (plan->fine_tuned) {
        const sp_ft_option *f = &plan->fine_tune;
        const char *why = "";
        json_t *t = json_object();
        json_object_set_new(t, "method", json_string(sp_ft_method_name(f->config.method)));
        json_object_set_new(t, "gpu", json_string(plan->fine_tune_accel.name));
        json_object_set_new(t, "gpus", sp_json_count(f->config.gpus));
        json_object_set_new(t, "sharding", json_string(f->config.gpus > 1 ? (f->config.fsdp ? "fsdp" : "ddp") : "none"));
        json_object_set_new(t, "checkpointing", json_boolean(f->config.checkpointing));
        json_object_set_new(t, "offload", json_string(sp_offload_name(f->config.offload)));
        json_object_set_new(t, "micro_batch", sp_json_count(f->config.micro_batch));
        json_object_set_new(t, "seq", sp_json_count(f->config.seq));
        json_object_set_new(t, "tokens", json_real(plan->fine_tune_tokens));
        json_object_set_new(t, "tokens_per_s", sp_json_round(f->step.tokens_per_s, 10));
        json_object_set_new(t, "hours", sp_json_significant(f->hours, 6));
        json_object_set_new(t, "allocated_bytes", sp_json_count(f->memory.allocated_bytes));
        json_object_set_new(t, "device_bytes", sp_json_count(f->memory.device_bytes));
        json_object_set_new(t, "framework", json_string(sp_ft_framework(f, &why)));
        json_object_set_new(t, "framework_reason", json_string(why));
        json_object_set_new(o, "fine_tune", t);
    }
    json_object_set_new(o, "gpu_mem_gb", plan->data_sized ? json_null() : json_real(plan->knobs.gpu_mem_gb));
    json_object_set_new(o, "gpus_for_model", sp_json_count(plan->gpus_for_model));
    json_object_set_new(o, "gpus_for_qps", sp_json_count(plan->gpus_for_qps));
    /* A data job sized on CPU instances provisions no GPU: its machines are data.nodes. */
    json_object_set_new(o, "gpus", sp_json_count(plan->data_sized ? 0 : plan->gpus));
    json_object_set_new(o, "gpus_per_node", sp_json_count(plan->data_sized ? 0 : plan->knobs.gpus_per_node));
    json_object_set_new(o, "nodes", sp_json_count(plan->nodes));
}

/* What the exit status 3 says, per plan: the request met, else which of it is missed. */
static void add_missed(json_t *o, const sp_plan *plan)
{
    unsigned missed = sp_plan_misses(plan);
    json_t *names = json_array();
    if (missed & SP_MISSES_BUDGET)
        json_array_append_new(names, json_string("budget"));
    if (missed & SP_MISSES_DEADLINE)
        json_array_append_new(names, json_string("deadline"));
    if (missed & SP_MISSES_TARGETS)
        json_array_append_new(names, json_string("targets"));
    if (missed & SP_MISSES_PLAN)
        json_array_append_new(names, json_string("plan"));
    json_object_set_new(o, "meets_request", json_boolean(missed == 0));
    json_object_set_new(o, "missed", names);
}

static void add_costs(json_t *o, const sp_profile *p, const sp_plan *plan)
{
    /* A fine-tune's profile may leave its hours to the estimate: null, not 0 (cost_hours is what is priced). */
    json_object_set_new(o, "train_hours", p->train_hours > 0 ? json_real(p->train_hours) : json_null());
    json_object_set_new(o, "cost_hours", sp_json_significant(sp_plan_hours(p, plan), 6));
    json_object_set_new(o, "usd_per_gpu_hour", plan->data_sized ? json_null() : json_real(plan->knobs.usd_per_gpu_hour));
    json_object_set_new(o, "managed_premium", json_real(plan->knobs.managed_premium));
    json_object_set_new(o, "ops_hours", json_real(plan->knobs.ops_hours));
    json_object_set_new(o, "ops_usd_per_hour", json_real(plan->knobs.ops_usd_per_hour));
    json_object_set_new(o, "raw_cost_usd", sp_json_round(plan->cost.raw_usd, 100));
    json_object_set_new(o, "managed_cost_usd", sp_json_round(plan->cost.managed_usd, 100));
    json_object_set_new(o, "self_cost_usd", sp_json_round(plan->cost.self_usd, 100));
    json_object_set_new(o, "ops_cost_usd", sp_json_round(plan->cost.ops_usd, 100));
    json_object_set_new(o, "breakeven_hours",
                        isinf(plan->breakeven_hours) ? json_null() : sp_json_significant(plan->breakeven_hours, 6));
    json_object_set_new(o, "cheaper_in_total",
                        json_string(plan->buy_by_inequality ? "managed" : "self-managed"));
    json_object_set_new(o, "budget_usd", json_real(p->budget_usd));
    json_object_set_new(o, "spend_usd", sp_json_round(plan->spend_usd, 100));
    json_object_set_new(o, "within_budget", json_boolean(plan->within_budget));
    add_missed(o, plan);
}

/* A profile nothing meets: its name, what it misses (the plan) and why, at the error's place. */
static json_t *no_plan_json(const sp_profile *p, const sp_plan *plan)
{
    const sp_error *e = &plan->why_no_plan;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(p->name));
    add_missed(o, plan);
    json_object_set_new(o, "no_plan", json_pack("{s:s, s:I, s:I, s:s, s:s}", "file", e->file, "line", (json_int_t)e->line,
                                                 "column", (json_int_t)e->col, "field", e->field, "message", e->message));
    return o;
}

json_t *sp_plan_json(const sp_profile *p, const sp_plan *plan, const sp_rules *r)
{
    if (plan->no_plan)
        return no_plan_json(p, plan);
    const sp_axis_info *axis = sp_plan_carrying_axis(plan, r);
    char text[TEXT_MAX];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "axis", json_string(sp_axis_name(plan->axis)));
    json_object_set_new(o, "axis_source",
                        json_string(plan->axis_source == SP_AXIS_GIVEN ? "given" : "inferred"));
    sp_axis_reason_text(p, plan, text, sizeof text);
    json_object_set_new(o, "axis_reason", json_string(text));
    json_object_set_new(o, "collective", json_string(axis->collective));
    json_object_set_new(o, "frameworks", names_array(axis->frameworks, axis->framework_count));
    json_object_set_new(o, "schedulers", names_array(r->schedulers, r->scheduler_count));
    json_object_set_new(o, "trackers", names_array(r->trackers, r->tracker_count));
    add_sizing(o, p, plan);
    add_costs(o, p, plan);
    json_object_set_new(o, "tier", json_string(sp_tier_key(plan->tier)));
    json_object_set_new(o, "tier_name", json_string(sp_plan_tier_name(plan)));
    sp_tier_reason_text(p, plan, r, text, sizeof text);
    json_object_set_new(o, "tier_reason", json_string(text));
    json_object_set_new(o, "refuse_to_build", json_string(axis->refuse_to_build));
    json_object_set_new(o, "refuse_why", json_string(axis->refuse_why));
    add_notes(o, plan);
    json_object_set_new(o, "launcher", json_string(sp_launcher_name(plan->launcher)));
    sp_launch_line(plan, text, sizeof text);
    json_object_set_new(o, "launch", json_string(text));
    return o;
}

char *sp_render_plans_json(const sp_profile_list *profiles, const sp_plan *plans,
                           const sp_rules *rules, sp_error *err)
{
    json_t *root = json_object();
    json_object_set_new(root, "stackplan_version", json_string(SP_VERSION));
    json_t *list = json_array();
    bool every = true; /* false: `plan` exits 3 */
    for (size_t i = 0; i < profiles->count; i++) {
        json_array_append_new(list, sp_plan_json(&profiles->items[i], &plans[i], rules));
        every = every && sp_plan_misses(&plans[i]) == 0;
    }
    json_object_set_new(root, "meets_every_request", json_boolean(every));
    json_object_set_new(root, "plans", list);
    return sp_json_finish(root, err);
}
