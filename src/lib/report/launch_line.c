/* launch_line.c - the one-line launch command of a plan's tier (seed 41.5.3). */
#include "internal.h"

#include <math.h>
#include <stdio.h>

const char *sp_default_entry(sp_axis axis)
{
    switch (axis) {
    case SP_AXIS_SERVING: return "serve_app.py";
    case SP_AXIS_DATA: return "data_job.py";
    default: return "train.py";
    }
}

/* Processes on each node: the GPUs spread evenly over the nodes. */
static unsigned long per_node(const sp_plan *plan)
{
    return (unsigned long)ceil(plan->gpus / plan->nodes);
}

int sp_launch_line(const sp_plan *plan, char *buf, size_t size)
{
    if (plan->data_sized)
        return sp_data_launch_line(plan->data_framework, &plan->data_instance, plan->data.nodes, buf, size);
    const char *entry = sp_default_entry(plan->axis);
    unsigned long nodes = (unsigned long)plan->nodes;
    switch (plan->launcher) {
    case SP_LAUNCH_TORCHRUN:
        return snprintf(buf, size, "torchrun --standalone --nproc_per_node=%lu %s",
                        (unsigned long)plan->gpus, entry);
    case SP_LAUNCH_SLURM:
        /* Single quotes: the batch shell on the first node expands the endpoint, not sbatch. */
        return snprintf(buf, size,
                        "sbatch --nodes=%lu --gpus-per-node=%lu --ntasks-per-node=1 --wrap='srun "
                        "torchrun --nnodes=%lu --nproc_per_node=%lu --rdzv_id=$SLURM_JOB_ID "
                        "--rdzv_backend=c10d --rdzv_endpoint=$(scontrol show hostnames "
                        "$SLURM_JOB_NODELIST | head -n 1):29500 %s'",
                        nodes, per_node(plan), nodes, per_node(plan), entry);
    case SP_LAUNCH_RAY:
        if (plan->tier == SP_TIER_LOCAL)
            return snprintf(buf, size,
                            "ray start --head --num-gpus=%lu && ray job submit --address "
                            "http://127.0.0.1:8265 -- python %s",
                            (unsigned long)plan->gpus, entry);
        return snprintf(buf, size, "ray up cluster.yaml -y && ray submit cluster.yaml %s", entry);
    }
    return snprintf(buf, size, "?");
}
