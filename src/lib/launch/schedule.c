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
