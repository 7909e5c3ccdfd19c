/* report_html.c - `plan --format html`: the text report of every profile and, for each plan,
 * the charts its numbers draw (memory per GPU, the chosen layout's step, the break-even with
 * the run marked). */
#include "report_internal.h"

#include <stdio.h>
#include <stdlib.h>

enum { CHARTS_PER_PLAN = 3 };

static size_t plan_charts(const sp_profile *p, const sp_plan *plan, char **charts, sp_error *err)
{
    size_t n = 0;
    char title[SP_TEXT_MAX + 64];
    if (plan->no_plan)
        return 0;
    if (plan->fine_tuned && plan->fine_tune.fits) { /* the adapter run planned, not a full training run */
        snprintf(title, sizeof title, "%s: memory per GPU of the fine-tune", p->name);
        sp_svg_bar bar = sp_ft_memory_bar(sp_ft_method_name(plan->fine_tune.config.method), &plan->fine_tune.memory);
        charts[n++] = sp_chart_ft_memory(title, &bar, 1, plan->knobs.gpu_mem_gb * 1e9, err);
    } else if (plan->memory_from_model) {
        /* The text's memory line (the fewest GPUs that hold the job) and, for a timed run, the
         * layout the plan provisions. */
        snprintf(title, sizeof title, "%s: memory per GPU", p->name);
        char least[64], chosen[64];
        snprintf(least, sizeof least, "%s, fewest GPUs (%g)", plan->mode == SP_MODE_TRAIN ? "training" : "inference",
                 plan->gpus_for_model);
        snprintf(chosen, sizeof chosen, "the run's layout (%g GPUs)", plan->run.gpus);
        sp_svg_bar bars[2] = {sp_memory_bar(least, &plan->memory), sp_memory_bar(chosen, &plan->run.memory)};
        charts[n++] = sp_chart_memory(title, bars, plan->timed ? 2 : 1, plan->knobs.gpu_mem_gb * 1e9, err);
    }
    if (plan->timed) {
        snprintf(title, sizeof title, "%s: where the step goes", p->name);
        charts[n++] = sp_chart_step(title, &plan->run.step, err);
    }
    if (plan->gpus > 0 && plan->knobs.usd_per_gpu_hour > 0) {
        sp_breakeven_input in = {plan->gpus, plan->knobs.usd_per_gpu_hour, plan->knobs.managed_premium,
                                 plan->knobs.ops_hours, plan->knobs.ops_usd_per_hour, 0, NULL};
        charts[n++] = sp_chart_breakeven(&in, plan->breakeven_hours, sp_plan_hours(p, plan), err);
    }
    return n;
}

char *sp_render_plans_html(const sp_profile_list *profiles, const sp_plan *plans, const sp_rules *rules,
                           sp_error *err)
{
    size_t max = profiles->count * CHARTS_PER_PLAN, n = 0;
    char **charts = calloc(max ? max : 1, sizeof *charts);
    if (!charts)
        return NULL;
    for (size_t i = 0; i < profiles->count; i++)
        n += plan_charts(&profiles->items[i], &plans[i], charts + n, err);
    char *page = sp_html_finish("stackplan plan", sp_render_plans_text(profiles, plans, rules, err),
                                sp_render_plans_json(profiles, plans, rules, err), charts, n, err);
    free(charts);
    return page;
}
