/* plan_internal.h - the recommendation inside libstackplan: axis, sizing, tier, and the
 * framework, engine and pinned releases that run the plan. Uses the search, the estimators
 * and the loaded catalogs and rules below it. Not part of the API. */
#ifndef SP_PLAN_INTERNAL_H
#define SP_PLAN_INTERNAL_H

#include "load_internal.h"
#include "search_internal.h"

/* The pinned version of a framework in data/frameworks.yaml, "?" when absent (frameworks.c). */
/* Why a plan leaves the local tier (choose_tier, and the report's reason): its GPUs outgrow one
 * node, or its data the local limit (the seed's rule; a job the stage model sized is judged by its
 * machines alone). */
bool sp_plan_gpus_beyond_node(const sp_plan *plan);
bool sp_plan_data_beyond_node(const sp_profile *p, const sp_plan *plan, const sp_rules *r);

const char *sp_framework_version(const sp_rules *rules, const char *name);
/* The pip extra a framework is installed with ("[default]", "[tpu]"), "" when none. */
const char *sp_framework_extra(const sp_rules *rules, const char *name);

/* The hours the plan's costs are for: the searched run, the sized data job, or train_hours
 * (plan.c). */
double sp_plan_hours(const sp_profile *p, const sp_plan *plan);

/* A timed run's optimizer steps: its token budget over the global batch's tokens, rounded up
 * (plan.c): Megatron's --train-iters, the Trainer's --max_steps. */
double sp_plan_run_steps(const sp_plan *plan);

#endif
