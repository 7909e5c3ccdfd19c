/* schedule.c - the numbers of a run that every framework's launch file writes the same way: its
 * optimizer steps, warmup, checkpoint cadence and the layers of uneven virtual pipeline stages. */
#include "launch_internal.h"

#include <math.h>

double sp_run_steps(const sp_launch_ctx *c)
{
    return sp_plan_run_steps(c->plan);
}

double sp_warmup_steps(const sp_launch_ctx *c, double steps)
{
    return fmin(c->rules->launch.warmup_iters, floor(steps / 10));
}

double sp_checkpoint_steps(const sp_launch_ctx *c, double step_s)
{
    /* 1000 steps where no step time is known: a choice, Megatron-LM's and torchtitan's examples save
     * every few hundred to a thousand steps */
    return step_s > 0 ? fmax(1, floor(c->rules->launch.checkpoint_minutes * 60 / step_s)) : 1000;
}

int sp_virtual_stage_layers(int layers, int stages, int i)
{
    return layers / stages + (i >= 1 && i <= layers % stages);
}

/* The published peak learning rate of the Llama size nearest the model's (active) parameters on a
 * log scale: 7B and 13B at lr, 34B and 70B at lr_70b, 405B at lr_405b, past the boundaries
 * data/launch.yaml gives (Llama 2 Table 1, Llama 3 sec. 3.4.1); one 7B rate for a 405B run had been
 * written into every launch. */
double sp_pretrain_lr(const sp_launch_ctx *c)
{
    const sp_launch_data *d = &c->rules->launch;
    double b = sp_model_active_params(&c->plan->model) / 1e9;
    if (!(b > d->lr_70b_from_params_b))
        return d->lr;
    return b > d->lr_405b_from_params_b ? d->lr_405b : d->lr_70b;
}

