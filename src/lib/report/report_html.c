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
    if (plan->memory_from_model) {
        snprintf(title, sizeof title, "%s: memory per GPU", p->name);
        sp_svg_bar bar = sp_memory_bar(plan->mode == SP_MODE_TRAIN ? "training" : "inference", &plan->memory);
        charts[n++] = sp_chart_memory(title, &bar, 1, plan->knobs.gpu_mem_gb * 1e9, err);
    }
    if (plan->timed) {
        snprintf(title, sizeof title, "%s: where the step goes", p->name);
        charts[n++] = sp_chart_step(title, &plan->run.step, err);
    }
    if (plan->gpus > 0 && plan->knobs.usd_per_gpu_hour > 0) {
        sp_breakeven_input in = {plan->gpus, plan->knobs.usd_per_gpu_hour, plan->knobs.managed_premium,
                                 plan->knobs.ops_hours, plan->knobs.ops_usd_per_hour};
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
