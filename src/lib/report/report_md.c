/* report_md.c - the plans as a Markdown table to paste into a design doc. */
#include "report_internal.h"

#include <math.h>
#include <stdio.h>

enum { TEXT_MAX = 1024 };

/* Table cells cannot hold a pipe or a line break. */
static void md_cell(sp_buf *b, const char *text)
{
    for (const char *c = text; *c; c++) {
        if (*c == '|')
            sp_buf_puts(b, "\\|");
        else if (*c == '\n')
            sp_buf_puts(b, " ");
        else
            sp_buf_printf(b, "%c", *c);
    }
}

static void md_row(sp_buf *b, const sp_profile *p, const sp_plan *plan, const sp_rules *r)
{
    const sp_axis_info *axis = sp_plan_carrying_axis(plan, r);
    char raw[48], managed[48], self[48], budget[48], breakeven[32];
    sp_money(plan->cost.raw_usd, raw, sizeof raw);
    sp_money(plan->cost.managed_usd, managed, sizeof managed);
    sp_money(plan->cost.self_usd, self, sizeof self);
    sp_money(p->budget_usd, budget, sizeof budget);
    if (isinf(plan->breakeven_hours))
        snprintf(breakeven, sizeof breakeven, "never");
    else
        snprintf(breakeven, sizeof breakeven, "%.1f", plan->breakeven_hours);
    sp_buf_puts(b, "| ");
    md_cell(b, p->name);
    if (plan->no_plan) { /* its reason is in its section below */
        sp_buf_puts(b, " | no plan | | | | | | | | | | | | |\n");
        return;
    }
    sp_buf_printf(b, " | %s | ", sp_axis_name(plan->axis));
    md_cell(b, axis->collective);
    sp_buf_puts(b, " | ");
    for (unsigned i = 0; i < axis->framework_count; i++) {
        sp_buf_puts(b, i ? ", " : "");
        md_cell(b, axis->frameworks[i]);
    }
    char gpus[64]; /* a data job on CPU instances provisions machines, not GPUs */
    if (plan->data_sized)
        snprintf(gpus, sizeof gpus, "none (%.0f CPU nodes)", plan->nodes);
    else
        snprintf(gpus, sizeof gpus, "%.0f / %.0f / %.0f", plan->gpus_for_model, plan->gpus_for_qps, plan->gpus);
    /* The budget cell carries what else of the request is missed, as the exit status counts it. */
    unsigned missed = sp_plan_misses(plan);
    /* A data job trains and serves nothing: no mode (JSON's null). */
    sp_buf_printf(b, " | %s | %.4g | %s | %.0f | %s | %s | %s | %s | %s (%s%s%s) | %s |\n",
                  plan->axis == SP_AXIS_DATA ? "-" : sp_mode_name(plan->mode),
                  sp_plan_memory_gb(plan), gpus, plan->nodes, raw, managed, self, breakeven, budget,
                  plan->within_budget ? "within" : "over", missed & SP_MISSES_DEADLINE ? "; deadline missed" : "",
                  missed & SP_MISSES_TARGETS ? "; targets missed" : "", sp_tier_key(plan->tier));
}

static void md_details(sp_buf *b, const sp_profile *p, const sp_plan *plan, const sp_rules *r)
{
    char text[TEXT_MAX];
    sp_buf_puts(b, "\n### ");
    md_cell(b, p->name);
    sp_buf_puts(b, "\n\n");
    if (plan->no_plan) {
        sp_error_format(&plan->why_no_plan, text, sizeof text);
        sp_buf_printf(b, "- No plan: %s\n", text);
        return;
    }
    sp_axis_reason_text(p, plan, text, sizeof text);
    sp_buf_printf(b, "- Axis: %s (%s)\n", sp_axis_name(plan->axis), text);
    char split[128];
    int n = sp_split_text(&plan->run.config, split, sizeof split);
    if (plan->run.config.interleave > 1 && n > 0 && (size_t)n < sizeof split) /* as the text says it */
        snprintf(split + n, sizeof split - (size_t)n, " (interleave %g)", plan->run.config.interleave);
    char tokens[32];
    sp_count_text(plan->timed ? plan->run_tokens : plan->fine_tune_tokens, tokens, sizeof tokens);
    if (plan->timed)
        sp_buf_printf(b, "- Training: %s tokens in %.4g h (%.0f%% goodput) on %.0f GPUs: %s, ZeRO-%g, micro-batch %g, "
                         "recompute %s; %.1f%% MFU; %s\n",
                      tokens, plan->run_hours, 100 * plan->run_goodput, plan->gpus, split, plan->run.config.zero,
                      plan->run.config.micro_batch,
                      sp_recompute_name(plan->run.config.recompute), 100 * plan->run.step.mfu,
                      sp_train_framework_on(plan->stack, &plan->run.config));
    if (plan->fine_tuned) {
        const char *why = "";
        sp_buf_printf(b, "- Fine-tune: %s on %.0f x %s, micro-batch %g, %s tokens in %.4g h (%.0f tokens/s); %s\n",
                      sp_ft_method_name(plan->fine_tune.config.method), plan->fine_tune.config.gpus,
                      plan->fine_tune_accel.name, plan->fine_tune.config.micro_batch, tokens,
                      plan->fine_tune.hours, plan->fine_tune.step.tokens_per_s, sp_ft_framework(&plan->fine_tune, &why));
    }
    if (plan->served) {
        char line[1024];
        sp_serve_launch_line(plan->model_id, plan->engine, &plan->serve_config, &plan->serve, line, sizeof line);
        sp_buf_printf(b, "- Serving: tp %g, batch %g, %g replica(s), first token %.0f ms, %.1f ms a token, $%.3f per "
                         "million output tokens; %s: `%s`\n",
                      plan->serve.tp, plan->serve.batch, plan->serve.replicas, 1e3 * plan->serve.ttft_s,
                      1e3 * plan->serve.tpot_s, plan->serve.usd_per_million_output_tokens, sp_engine_name(plan->engine), line);
    }
    if (plan->data_sized)
        sp_buf_printf(b, "- Data job: %g TB on %.0f x %s in %.3g h; %s\n", p->data_tb, plan->data.nodes,
                      plan->data_instance.name, plan->data.hours,
                      sp_data_engine_name(plan->data_framework));
    sp_tier_reason_text(p, plan, r, text, sizeof text);
    sp_buf_printf(b, "- Tier: %s: %s\n", sp_plan_tier_name(plan), text);
    for (unsigned i = 0; i < SP_NOTE_COUNT; i++)
        if (plan->notes & (1u << i)) {
            sp_note_text(1u << i, plan, text, sizeof text);
            sp_buf_printf(b, "- Note: %s%s\n", sp_note_is_warning(1u << i) ? "warning: " : "", text);
        }
    const sp_axis_info *carrying = sp_plan_carrying_axis(plan, r);
    sp_buf_printf(b, "- Refuse to build: %s: %s\n", carrying->refuse_to_build, carrying->refuse_why);
    sp_launch_line(plan, text, sizeof text);
    sp_buf_printf(b, "- Launch: `%s`\n", text);
}

char *sp_render_plans_md(const sp_profile_list *profiles, const sp_plan *plans,
                         const sp_rules *rules, sp_error *err)
{
    sp_buf b = {0};
    sp_buf_puts(&b, "| Profile | Axis | Collective | Frameworks | Mode | Memory (GB) | GPUs model / qps "
                    "/ provisioned | Nodes | Raw cost | Managed | Self-managed | Break-even (h) | "
                    "Budget | Tier |\n");
    sp_buf_puts(&b, "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (size_t i = 0; i < profiles->count; i++)
        md_row(&b, &profiles->items[i], &plans[i], rules);
    for (size_t i = 0; i < profiles->count; i++)
        md_details(&b, &profiles->items[i], &plans[i], rules);
    return sp_buf_finish(&b, err);
}
