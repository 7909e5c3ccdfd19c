/* report_text.c - the plan as text for a terminal. */
#include "report_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { LINE_MAX_CHARS = 1024 };

static void join_names(const char names[][SP_NAME_MAX], unsigned count, const char *sep,
                       char *buf, size_t size)
{
    buf[0] = '\0';
    for (unsigned i = 0; i < count; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? sep : "", names[i]);
    }
}

static void text_model_memory(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    const sp_mem_config *c = &plan->mem_config;
    const sp_memory *m = &plan->memory;
    sp_buf_printf(b, "  memory          : %s (%.2f B params), %s", p->model, m->params / 1e9, sp_mode_name(plan->mode));
    if (plan->mode == SP_MODE_TRAIN)
        sp_buf_printf(b, " %s %s, seq %g x micro-batch %g, recompute %s, flash attention\n", sp_precision_name(c->precision),
                      sp_optimizer_name(c->optimizer), c->seq, c->micro_batch, sp_recompute_name(c->recompute));
    else
        sp_buf_printf(b, " %s weights, %g sequences x %g tokens of KV cache\n", sp_dtype_name(c->weight_dtype), c->batch,
                      c->context);
    char split[64] = "";
    if (plan->mode == SP_MODE_TRAIN && c->cp > 1)
        snprintf(split, sizeof split, " with ZeRO-3 x context parallel %g", c->cp);
    else if (plan->mode == SP_MODE_TRAIN)
        snprintf(split, sizeof split, "%s", c->zero >= 3 ? " with ZeRO-3" : "");
    else
        snprintf(split, sizeof split, "%s", c->tp > 1 ? " tensor-parallel" : "");
    sp_buf_printf(b, "                    %.1f GB per GPU on %.0f GPU(s)%s: model state %.1f, activations %.1f, "
                     "KV cache %.1f, overhead %.1f GB\n",
                  m->total_bytes / 1e9, plan->gpus_for_model, split,
                  m->model_state_bytes / 1e9, m->activations_bytes / 1e9, m->kv_cache_bytes / 1e9,
                  m->overhead_bytes / 1e9);
}

static void text_fine_tune_memory(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    const sp_ft_option *o = &plan->fine_tune;
    sp_buf_printf(b, "  memory          : %s (%.2f B params), %s fine-tune, seq %g x micro-batch %g%s\n", p->model,
                  o->memory.params / 1e9, sp_ft_method_name(o->config.method), o->config.seq, o->config.micro_batch,
                  o->config.checkpointing ? ", gradient checkpointing" : "");
    sp_buf_printf(b, "                    %.1f GB allocated, %.1f GB on the device per GPU on %.0f GPU(s)%s\n",
                  o->memory.allocated_bytes / 1e9, o->memory.device_bytes / 1e9, o->config.gpus,
                  o->config.gpus > 1 ? (o->config.fsdp ? " with FSDP" : " with DDP") : "");
}

/* A served plan's memory is the engine's: weights, workspace and the KV cache its batch holds,
 * within the share of the card the engine may use (what `serve` and the launch line say). */
static void text_serving_memory(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    const sp_serve_result *s = &plan->serve;
    const sp_serve_config *c = &plan->serve_config;
    sp_buf_printf(b, "  memory          : %s (%.2f B params), infer %s weights, %g sequence%s x %.0f tokens of KV cache%s\n",
                  p->model, plan->memory.params / 1e9, sp_dtype_name(c->weight_dtype), s->batch, s->batch == 1 ? "" : "s",
                  s->sequence_kv_tokens, c->concurrency > 0 || c->requests > 0 ? "" : " (each on average in flight)");
    /* The share each engine is told: SGLang's static one holds the weights and KV pool alone. */
    char share[96];
    if (plan->engine == SP_ENGINE_SGLANG)
        snprintf(share, sizeof share, "weights, context and KV pool within SGLang's static %.3f of the card",
                 floor(s->static_memory_share * 1000.0) / 1000.0);
    else
        snprintf(share, sizeof share, "within the engine's %.2f of the card", c->gpu_memory_utilization);
    sp_buf_printf(b, "                    %.1f GB per GPU on %g GPU(s) a replica: weights %.1f, workspace %.1f, KV cache "
                     "%.1f GB, %s\n",
                  (s->weights_bytes + s->workspace_bytes + s->kv_cache_bytes) / 1e9, s->tp * s->pp, s->weights_bytes / 1e9,
                  s->workspace_bytes / 1e9, s->kv_cache_bytes / 1e9, share);
}

/* A timed run's memory is its chosen layout's; the fewest GPUs that hold the model come second. */
static void text_run_memory(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    const sp_candidate *run = &plan->run;
    const sp_mem_config *k = &run->config;
    const sp_memory *m = &run->memory;
    sp_buf_printf(b, "  memory          : %s (%.2f B params), train %s %s, seq %g x micro-batch %g, recompute %s, flash "
                     "attention\n",
                  p->model, m->params / 1e9, sp_precision_name(k->precision), sp_optimizer_name(k->optimizer), k->seq,
                  k->micro_batch, sp_recompute_name(k->recompute));
    sp_buf_printf(b, "                    %.1f GB per GPU on the %.0f GPUs run below (ZeRO-%g): model state %.1f, "
                     "activations %.1f, overhead %.1f GB; %s: %.0f GPU(s), %.1f GB each%s\n",
                  m->total_bytes / 1e9, plan->gpus, k->zero, m->model_state_bytes / 1e9, m->activations_bytes / 1e9,
                  m->overhead_bytes / 1e9,
                  /* the seed's sizing shards the state over GPUs, never splits a layer: say so, or its
                   * count reads against the run's smaller one */
                  plan->mem_config.tp > 1 || plan->mem_config.pp > 1 ? "the fewest that hold it"
                                                                     : "without a tensor or pipeline split it takes",
                  plan->gpus_for_model, plan->memory.total_bytes / 1e9,
                  plan->mem_config.zero < 3 ? ""
                  : plan->mem_config.recompute == SP_RECOMPUTE_FULL ? " with ZeRO-3 and full recompute"
                                                                    : " with ZeRO-3");
}

static void text_memory(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    if (plan->fine_tuned)
        text_fine_tune_memory(b, p, plan);
    else if (plan->served)
        text_serving_memory(b, p, plan);
    else if (plan->timed)
        text_run_memory(b, p, plan);
    else if (plan->memory_from_model)
        text_model_memory(b, p, plan);
    else if (plan->bytes_per_param > 0 && p->params_b > 0)
        sp_buf_printf(b, "  memory          : %g B params x %g bytes/param (%s) = %g GB\n", p->params_b,
                      plan->bytes_per_param, sp_mode_name(plan->mode), plan->memory_gb);
    else if (p->has_memory_gb)
        sp_buf_printf(b, "  memory          : %g GB (given, %s)\n", plan->memory_gb,
                      sp_mode_name(plan->mode));
    else
        sp_buf_printf(b, "  memory          : no model\n");
}

static void text_costs(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    char raw[48], managed[48], self[48], ops[48], spend[48], budget[48];
    /* Cents under $1,000: a student's fine-tune costs a few dollars, and $1 for $1.48 is a third off. */
    sp_money_cents(plan->cost.raw_usd, raw, sizeof raw);
    sp_money_cents(plan->cost.managed_usd, managed, sizeof managed);
    sp_money_cents(plan->cost.self_usd, self, sizeof self);
    sp_money_cents(plan->cost.ops_usd, ops, sizeof ops);
    sp_money_cents(plan->spend_usd, spend, sizeof spend);
    sp_money_cents(p->budget_usd, budget, sizeof budget);
    double hours = sp_plan_hours(p, plan);
    /* The seed's T_ops: one burden per job, not per hour; a recurring job pays it once, not each run. */
    sp_buf_printf(b, "  cost            : raw %s for %.4g h; managed %s (x%g); self-managed %s (%s ops, fixed whatever the hours)\n",
                  raw, hours, managed, plan->knobs.managed_premium, self, ops);
    if (plan->instance_priced && plan->served)
        sp_fleet_price_line(b, "  price           : ", &plan->priced_accel, &plan->serve);
    else if (plan->instance_priced)
        sp_instance_price_line(b, "  price           : ", &plan->priced_accel, plan->gpus, plan->knobs.usd_per_gpu_hour);
    if (isinf(plan->breakeven_hours))
        sp_buf_printf(b, plan->cost.ops_usd > 0 ? "  break-even      : never (no managed premium): managed costs less at any length\n"
                                                 : "  break-even      : none (no managed premium and no ops cost): both cost the same\n");
    else /* on one node the comparison is between the clusters it would outgrow into: said as such */
        sp_buf_printf(b, "  break-even      : %.1f h; this run is %.4g h, so %s costs less in total%s\n",
                      plan->breakeven_hours, hours, plan->buy_by_inequality ? "managed" : "self-managed",
                      plan->tier == SP_TIER_LOCAL ? " of the two cluster tiers; the job fits one node (the tier below), "
                                                    "which pays no managed premium"
                                                  : "");
    sp_buf_printf(b, "  budget          : %s spent on this tier, %s the %s budget", spend,
                  plan->within_budget ? "within" : "OVER", budget);
    /* The seed's rule: cash leaves the budget, the team's hours do not (plan.c). Said where it matters. */
    if (plan->tier != SP_TIER_MANAGED && plan->cost.ops_usd > 0)
        sp_buf_printf(b, " (cash only: the team's ops hours, worth %s, are not counted against it)", ops);
    sp_buf_printf(b, "\n");
}

static void text_training(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    const sp_candidate *c = &plan->run;
    const sp_mem_config *k = &c->config;
    char tokens[32];
    sp_count_text(plan->run_tokens, tokens, sizeof tokens);
    sp_buf_printf(b,
                  "  training        : %s tokens, %g x %g tokens a step, in %.4g h at %.0f%% goodput on %.0f GPUs (%g h "
                  "allowed)\n",
                  tokens, plan->run_global_batch, k->seq, plan->run_hours, 100 * plan->run_goodput, plan->gpus,
                  p->train_hours);
    char split[96], interleave[32] = "";
    sp_split_text(k, split, sizeof split);
    if (k->interleave > 1) /* the count, as `train` prints it: Megatron's --num-layers-per-virtual-pipeline-stage follows */
        snprintf(interleave, sizeof interleave, " (interleave %g)", k->interleave);
    sp_buf_printf(b, "                    %s%s, ZeRO-%g, micro-batch %g, recompute %s: %.0f tokens/s, "
                     "MFU %.1f%%, %.1f GB per GPU (%.0f layouts checked)\n",
                  split, interleave, k->zero, k->micro_batch,
                  sp_recompute_name(k->recompute), c->step.tokens_per_s, 100 * c->step.mfu, c->memory.total_bytes / 1e9,
                  plan->plans_evaluated);
    sp_buf_printf(b, "  runs on         : %s\n", sp_train_framework_on(plan->stack, k));
    if (sp_train_runs_trainer(k, plan->stack))
        sp_buf_printf(b, "                    the hours count train.py's Hugging Face model as it runs there: norms, "
                         "rotary and SwiGLU as eager modules, the loss in fp32\n");
}

static void text_fine_tune(sp_buf *b, const sp_profile *p, const sp_plan *plan, const sp_rules *r)
{
    const sp_ft_option *o = &plan->fine_tune;
    const char *why = "";
    const char *framework = sp_ft_framework(o, &why);
    char allowed[48] = "";
    if (p->train_hours > 0)
        snprintf(allowed, sizeof allowed, " (%g h allowed)", p->train_hours);
    char tokens[32];
    sp_count_text(plan->fine_tune_tokens, tokens, sizeof tokens);
    sp_buf_printf(b, "  fine-tune       : %s tokens in %.4g h on %.0f x %s%s: %.0f tokens/s\n", tokens,
                  o->hours, o->config.gpus, plan->fine_tune_accel.name, allowed, o->step.tokens_per_s);
    char pins[256];
    sp_ft_pins(r, o, pins, sizeof pins);
    sp_buf_printf(b, "  runs on         : %s (%s): %s\n", framework, pins, why);
    /* The launch line below runs axolotl, which drives the same transformers, PEFT and TRL. */
    if (plan->stack == SP_STACK_CUDA || plan->stack == SP_STACK_ROCM)
        sp_buf_printf(b, "                    launched through axolotl==%s, whose recipe drives them at the versions it pins "
                         "(stackplan launch writes axolotl.yml%s); an optimizer step takes %g sequences: micro-batch %g x %g accumulated "
                         "x %g GPU(s) (launch.yaml ft_batch_sequences)\n",
                      sp_framework_version(r, "axolotl"),
                      o->config.offload == SP_OFFLOAD_OPTIMIZER ? " and the ds_config.json it names" : "",
                      o->config.micro_batch * sp_ft_accumulation(&r->launch, &o->config) * o->config.gpus,
                      o->config.micro_batch, sp_ft_accumulation(&r->launch, &o->config), o->config.gpus);
}

static void text_serving(sp_buf *b, const sp_plan *plan)
{
    const sp_serve_result *s = &plan->serve;
    const sp_serve_config *c = &plan->serve_config;
    char line[1024], split[32];
    sp_serve_split_text(s, split, sizeof split);
    char shared[96] = "";
    if (c->prefix_share > 0)
        snprintf(shared, sizeof shared, " (%.0f%% of each prompt a prefix all share, cached once)", 100.0 * c->prefix_share);
    sp_buf_printf(b, "  serving         : first-principles model (not the seed's %g qps): %g + %g tokens a request%s%s, "
                     "%s, batch %g, %.3g requests/s and %.0f output tokens/s per replica\n",
                  plan->knobs.qps_per_replica, c->prompt_tokens, c->output_tokens,
                  c->lengths_assumed ? " (prompt_tokens/output_tokens not given: assumed)" : "", shared, split, s->batch,
                  s->requests_per_s, s->output_tokens_per_s);
    /* The steady state is a full batch's averages: at a high load a Poisson queue adds to the first
     * token what no average shows (serve --percentile simulates it). */
    char load[200] = "";
    if (c->qps > 0 && !s->simulated)
        snprintf(load, sizeof load, ": a full batch's averages at %.0f%% load, with no queue; the profile's "
                                    "percentile (or `stackplan serve --percentile 95`) simulates one",
                 100 * s->utilization);
    else if (c->qps > 0)
        snprintf(load, sizeof load, " at p%g under Poisson arrivals at %.0f%% load, simulated: first token %.0f ms, "
                                    "%.1f ms a token",
                 c->percentile, 100 * s->utilization, 1e3 * sp_latency_at(&s->ttft_load_s, c->percentile),
                 1e3 * sp_latency_at(&s->tpot_load_s, c->percentile));
    char verdict[320] = "", bound[96] = "";
    if (c->tpot_is_default) /* a default bound is named: the profile did not ask it */
        snprintf(bound, sizeof bound, ", the default %g ms a token (serve_tpot_ms) among them,", 1e3 * c->tpot_s);
    if (c->ttft_s > 0 || c->tpot_s > 0)
        snprintf(verdict, sizeof verdict, " (targets%s %s%s)", bound, s->meets_targets ? "met" : "NOT met", load);
    /* At the rate asked (input and output billed as serve bills them) and at full capacity. */
    char price[256];
    if (s->usd_per_million_output_tokens_at_load > 0)
        snprintf(price, sizeof price,
                 "$%.3f per million input and $%.3f per million output tokens at the %g requests/s asked, the hour "
                 "split by the GPU time each takes (all of it on output tokens at full capacity: $%.3f per million)",
                 s->usd_per_million_input_tokens, s->usd_per_million_output_tokens_at_load, c->qps,
                 s->usd_per_million_output_tokens);
    else
        snprintf(price, sizeof price, "$%.3f per million output tokens at full capacity", s->usd_per_million_output_tokens);
    sp_buf_printf(b, "                    first token %.0f ms, %.1f ms per token%s; %g replica(s); %s\n", 1e3 * s->ttft_s,
                  1e3 * s->tpot_s, verdict, s->replicas, price);
    char parallelism[320];
    if (sp_parallelism_choice_text(c, s, true, parallelism, sizeof parallelism) > 0) /* a plan's part has a price */
        sp_buf_printf(b, "  parallelism     : %s\n", parallelism);
    sp_buf_printf(b, "  engine          : %s: %s\n", sp_engine_name(plan->engine), plan->engine_reason);
    sp_serve_launch_line(plan->model_id, plan->engine, c, s, line, sizeof line);
    sp_buf_printf(b, "  engine launch   : %s\n", line);
    /* What the serve report says beside the same line (serve_caveats.c). */
    sp_serve_launch_caveats(&plan->model, &plan->serve_accel, plan->engine, &plan->serve_config, &plan->serve,
                            "                    ", b);
}

static void text_data(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    const sp_data_result *d = &plan->data;
    char chosen[128] = "";
    if (!p->instance[0]) /* launch writes an AWS provider only: elsewhere cluster.yaml lists the machines */
        snprintf(chosen, sizeof chosen, " (%s, the catalog's cheapest in time%s; `instance` names yours)",
                 plan->data_instance.cloud,
                 strcmp(plan->data_instance.cloud, "aws") ? ": launch's cluster.yaml takes the machines' addresses" : "");
    sp_buf_printf(b, "  data job        : %g TB on %.0f x %s%s in %.3g h (%g h allowed); %.3g TB shuffled over the network%s\n",
                  p->data_tb, d->nodes, plan->data_instance.name, chosen, d->hours, p->train_hours,
                  d->shuffle_bytes / 1e12, p->stage_count ? "" : "; the default stages (`stages` names yours)");
    for (unsigned i = 0; i < d->count; i++)
        sp_buf_printf(b, "                    %-12s %8.3f h, bound by %s\n", plan->data_stage_names[i],
                      d->stages[i].seconds / 3600, d->stages[i].bottleneck);
    sp_buf_printf(b, "  runs on         : %s: %s\n", sp_data_engine_name(plan->data_framework),
                  plan->data_framework_reason);
}

/* What the exit status 3 stands for, named where the plan is read (JSON: missed). */
static void text_missed(sp_buf *b, const sp_profile *p, const sp_plan *plan)
{
    unsigned missed = sp_plan_misses(plan);
    if (!missed)
        return;
    sp_buf_puts(b, "  request         : NOT MET:");
    const char *sep = " ";
    if (missed & SP_MISSES_DEADLINE) {
        sp_buf_printf(b, "%sthe deadline (train_hours %g)", sep, p->train_hours);
        sep = ", ";
    }
    if (missed & SP_MISSES_BUDGET) {
        char budget[48];
        sp_money_cents(p->budget_usd, budget, sizeof budget); /* as the budget line prints it */
        sp_buf_printf(b, "%sthe budget (%s)", sep, budget);
        sep = ", ";
    }
    if (missed & SP_MISSES_TARGETS) {
        sp_buf_printf(b, "%sthe latency targets", sep);
        sep = ", ";
    }
    if (missed & SP_MISSES_PLAN)
        sp_buf_printf(b, "%sno plan", sep);
    sp_buf_puts(b, " (exit status 3; the notes say why)\n");
}

static void text_notes(sp_buf *b, const sp_plan *plan)
{
    char line[LINE_MAX_CHARS];
    for (unsigned i = 0; i < SP_NOTE_COUNT; i++) {
        unsigned bit = 1u << i;
        if (!(plan->notes & bit))
            continue;
        sp_note_text(bit, plan, line, sizeof line);
        sp_buf_printf(b, "  note            : %s%s\n", sp_note_is_warning(bit) ? "warning: " : "", line);
    }
}

static void text_one(sp_buf *b, const sp_profile *p, const sp_plan *plan, const sp_rules *r)
{
    const sp_axis_info *axis = sp_plan_carrying_axis(plan, r);
    char line[LINE_MAX_CHARS], names[LINE_MAX_CHARS], tracking[LINE_MAX_CHARS];
    sp_buf_printf(b, "%s\n", p->name);
    if (plan->no_plan) { /* its reason, where a plan's lines would be */
        sp_error_format(&plan->why_no_plan, line, sizeof line);
        sp_buf_printf(b, "  no plan         : %s\n", line);
        return;
    }
    sp_axis_reason_text(p, plan, line, sizeof line);
    sp_buf_printf(b, "  binding axis    : %s (%s)\n", sp_axis_name(plan->axis), line);
    /* One GPU has no peer to talk to: say so rather than name a collective that never runs. */
    bool alone = !plan->data_sized && plan->gpus <= 1 && plan->axis != SP_AXIS_DATA;
    const char *sharded = " (the training state needs sharding, as the note says: the model axis's)";
    sp_buf_printf(b, "  collective      : %s%s\n", axis->collective,
                  alone ? " (none runs on one GPU; it carries the job once it spans GPUs)"
                  : sp_plan_sharded_training(plan) ? sharded : "");
    join_names(axis->frameworks, axis->framework_count, ", ", names, sizeof names);
    /* The axis's frameworks are the seed's answer; a plan with a concrete stack names its own below. */
    bool own_stack = plan->timed || plan->fine_tuned || plan->served || plan->data_sized;
    sp_buf_printf(b, "  frameworks      : %s%s\n", names,
                  own_stack ? (plan->served ? " (what the axis calls for; this plan's engine is named below)"
                                            : " (what the axis calls for; this plan's own stack is under `runs on`)")
                  : sp_plan_sharded_training(plan) ? sharded : "");
    join_names(r->schedulers, r->scheduler_count, ", ", names, sizeof names);
    join_names(r->trackers, r->tracker_count, ", ", tracking, sizeof tracking);
    sp_buf_printf(b, "  cross-cutting   : scheduling %s; tracking %s\n", names, tracking);
    text_memory(b, p, plan);
    if (plan->timed)
        text_training(b, p, plan);
    if (plan->fine_tuned)
        text_fine_tune(b, p, plan, r);
    if (plan->served)
        text_serving(b, plan);
    if (plan->data_sized)
        text_data(b, p, plan);
    else if (!plan->served && plan->axis == SP_AXIS_SERVING && p->qps > 0)
        sp_buf_printf(b, "  serving         : the seed's %g qps per GPU replica (name a model and gpu for a "
                         "first-principles estimate)\n",
                      plan->knobs.qps_per_replica);
    if (plan->data_sized)
        sp_buf_printf(b, "  machines        : %.0f x %s at $%g/h (CPU nodes; no GPU)\n", plan->gpus,
                      plan->data_instance.name, plan->data_instance.usd_per_hour);
    else {
        char capacity[64];
        sp_capacity_text(plan->knobs.gpu_mem_gb * 1e9, -1, capacity, sizeof capacity);
        /* A served model's replica is the split the serving model chose (often wider than the weights
         * need, for a larger batch): said as a replica, not as what the model needs. */
        char model_gpus[64];
        if (plan->served)
            snprintf(model_gpus, sizeof model_gpus, "%.0f a replica", plan->gpus_for_model);
        else if (plan->timed && plan->memory_from_model && plan->mem_config.tp <= 1 && plan->mem_config.pp <= 1 &&
                 plan->run.config.tp * plan->run.config.pp > 1)
            snprintf(model_gpus, sizeof model_gpus, "%.0f for the model without a tensor or pipeline split",
                     plan->gpus_for_model);
        else
            snprintf(model_gpus, sizeof model_gpus, "%.0f for the model", plan->gpus_for_model);
        sp_buf_printf(b, "  GPUs            : %s, %.0f for qps -> provision %.0f %s (%s) on %.0f node(s) of %.0f%s\n",
                      model_gpus, plan->gpus_for_qps, plan->gpus, p->gpu[0] ? p->gpu : "GPU(s)", capacity, plan->nodes,
                      plan->knobs.gpus_per_node, p->gpus > 0 ? " (the profile's gpus)" : "");
    }
    text_costs(b, p, plan);
    sp_tier_reason_text(p, plan, r, line, sizeof line);
    sp_buf_printf(b, "  infra tier      : %s: %s\n", sp_plan_tier_name(plan), line);
    text_missed(b, p, plan);
    text_notes(b, plan);
    sp_buf_printf(b, "  refuse to build : %s: %s\n", axis->refuse_to_build, axis->refuse_why);
    sp_launch_line(plan, line, sizeof line);
    sp_buf_printf(b, "  launch          : %s\n", line);
    if (sp_plan_entry_needs_launch_files(plan))
        sp_buf_puts(b, "                    the program's arguments and config are the plan's, written by `stackplan launch "
                       "PROFILE --out DIR` beside the scripts that run it (DIR/<profile>/README.md)\n");
}

char *sp_render_plans_text(const sp_profile_list *profiles, const sp_plan *plans,
                           const sp_rules *rules, sp_error *err)
{
    sp_buf b = {0};
    for (size_t i = 0; i < profiles->count; i++) {
        if (i)
            sp_buf_puts(&b, "\n");
        text_one(&b, &profiles->items[i], &plans[i], rules);
    }
    return sp_buf_finish(&b, err);
}

char *sp_render_classic(const sp_profile_list *profiles, const sp_plan *plans,
                        const sp_rules *rules, sp_error *err)
{
    sp_buf b = {0};
    sp_buf_puts(&b, "Capstone tool-and-infrastructure sizing helper\n");
    sp_buf_puts(&b, "================================================\n\n");
    for (size_t i = 0; i < profiles->count; i++) {
        const sp_profile *p = &profiles->items[i];
        const sp_plan *plan = &plans[i];
        const sp_axis_info *axis = &rules->axes[plan->axis];
        char raw[48], budget[48];
        sp_money(plan->cost.raw_usd, raw, sizeof raw);
        sp_money(p->budget_usd, budget, sizeof budget);
        sp_buf_printf(&b, "%s\n", p->name);
        if (plan->no_plan) {
            char why[LINE_MAX_CHARS];
            sp_error_format(&plan->why_no_plan, why, sizeof why);
            sp_buf_printf(&b, "  no plan          : %s\n\n", why);
            continue;
        }
        sp_buf_printf(&b, "  binding axis     : %-9s collective: %s\n", sp_axis_name(plan->axis),
                      axis->collective);
        sp_buf_printf(&b, "  framework        : %s\n", axis->seed_label);
        sp_buf_printf(&b, "  GPUs (model/qps) : %.0f / %.0f -> provision %.0f GPU(s), %.0f node(s)\n",
                      plan->gpus_for_model, plan->gpus_for_qps, plan->gpus, plan->nodes);
        sp_buf_printf(&b, "  raw cloud cost   : %s (budget %s)\n", raw, budget);
        sp_buf_printf(&b, "  infra tier       : %s\n\n", sp_tier_name(plan->tier));
    }
    return sp_buf_finish(&b, err);
}
