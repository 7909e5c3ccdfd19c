/* slurm.c - job.sbatch: one torchrun a node under srun, with the time, CPUs, exclusivity,
 * environment and (past the cluster's time limit) the requeue a long run needs. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Slurm's [days-]hours:minutes:seconds (sbatch(1), --time). */
static void slurm_time(double hours, char *buf, size_t size)
{
    double minutes = ceil(hours * 60);
    double days = floor(minutes / 1440);
    minutes -= days * 1440;
    snprintf(buf, size, "%.0f-%02.0f:%02.0f:00", days, floor(minutes / 60), fmod(minutes, 60));
}

/* The job's wall-clock limit: the estimate with the margin of data/launch.yaml, at most the
 * cluster's limit; 0 when nothing is known. */
static double time_hours(const sp_launch_ctx *c)
{
    double want = c->hours > 0 ? c->hours * (1 + c->rules->launch.time_margin) : 0;
    if (c->o->time_limit_hours > 0 && (want == 0 || want > c->o->time_limit_hours))
        return c->o->time_limit_hours;
    return want;
}

static bool requeues(const sp_launch_ctx *c)
{
    return c->o->time_limit_hours > 0 && c->hours * (1 + c->rules->launch.time_margin) > c->o->time_limit_hours;
}

static void directives(const sp_launch_ctx *c, sp_buf *b)
{
    char word[SP_WORD_MAX], when[32];
    sp_buf_printf(b, "#SBATCH --job-name=%s\n#SBATCH --nodes=%.0f\n#SBATCH --ntasks-per-node=1\n", c->slug,
                  c->plan->nodes);
    if (c->gpu) /* Slurm's GPU GRES; Trainium and Gaudi nodes are taken whole (--exclusive) instead */
        sp_buf_printf(b, "#SBATCH --gpus-per-node=%.0f\n", c->per_node);
    if (!c->o->cpu)
        sp_buf_printf(b, "#SBATCH --cpus-per-task=%.0f\n", c->per_node * c->rules->launch.cpus_per_gpu);
    /* A job that fills its nodes takes them whole; --exclusive alone grants only the memory asked
     * for, so --mem=0 asks for all of it (sbatch(1), --exclusive), which offloaded states and data
     * loaders need. A job of part of a node leaves the rest to others, at the site's memory a CPU. */
    if (!c->o->cpu && (!c->gpu || c->per_node >= c->plan->knobs.gpus_per_node))
        sp_buf_puts(b, "#SBATCH --exclusive\n#SBATCH --mem=0\n");
    else if (sp_host_memory_gb(c) > 0) /* part of a node: the offloaded state's memory, asked */
        sp_buf_printf(b, "#SBATCH --mem=%.0fG\n", sp_host_memory_gb(c));
    if (time_hours(c) > 0) {
        slurm_time(time_hours(c), when, sizeof when);
        sp_buf_printf(b, "#SBATCH --time=%s\n", when);
    }
    if (requeues(c))
        sp_buf_printf(b, "#SBATCH --requeue\n#SBATCH --signal=B:USR1@%.0f\n", c->rules->launch.requeue_signal_s);
    if (c->o->partition && c->o->partition[0]) {
        sp_shell_word(c->o->partition, word, sizeof word);
        sp_buf_printf(b, "#SBATCH --partition=%s\n", word);
    }
    if (c->o->account && c->o->account[0]) {
        sp_shell_word(c->o->account, word, sizeof word);
        sp_buf_printf(b, "#SBATCH --account=%s\n", word);
    }
    sp_buf_printf(b, "#SBATCH --output=%s-%%j.out\n", c->slug);
}

/* One task a node, with the CPUs the job asked for a task (none asked on a CPU-only run). */
static const char *srun(const sp_launch_ctx *c)
{
    return c->o->cpu ? "srun " : "srun ${SLURM_CPUS_PER_TASK:+--cpus-per-task=\"$SLURM_CPUS_PER_TASK\"} ";
}

char *sp_sbatch_script(const sp_launch_ctx *c, sp_error *err)
{
    sp_buf b = {0};
    sp_script_header(&b, "/bin/bash", c->profile, "Slurm: one torchrun per node, c10d rendezvous on the first node");
    directives(c, &b);
    if (requeues(c))
        sp_buf_printf(&b,
                      "# The run (about %.0f h) is longer than the %.4g h limit: it checkpoints to $CHECKPOINT_DIR,\n"
                      "# Slurm signals this script %.0f s before the limit, and the job requeues itself to resume.\n",
                      c->hours, c->o->time_limit_hours, c->rules->launch.requeue_signal_s);
    if (sp_run_preamble(c, &b, err) != SP_OK) {
        free(sp_buf_finish(&b, NULL));
        return NULL;
    }
    sp_buf_puts(&b, "head_node=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n");
    /* srun reads no SLURM_CPUS_PER_TASK from Slurm 22.05 on (its NEWS: "srun will no longer read in
     * SLURM_CPUS_PER_TASK"): without the flag each node's torchrun and its ranks share one core. */
    if (!requeues(c)) {
        sp_buf_printf(&b, "%storchrun ", srun(c));
        sp_torchrun_tail(c, true, &b);
        sp_buf_puts(&b, "\n");
        return sp_buf_finish(&b, err);
    }
    /* Megatron saves and exits on its own before the limit (--exit-duration-in-mins, before the
     * signal); torchtitan and axolotl save on their intervals and do not stop, so the signal stops
     * the step (the last interval's checkpoint resumes it) and the job requeues. */
    if (c->megatron)
        sp_buf_printf(&b, "requeue=0\ntrap 'requeue=1' USR1\n%storchrun ", srun(c));
    else
        sp_buf_printf(&b, "requeue=0\ntrap 'requeue=1; kill -TERM \"$step\" 2>/dev/null' USR1\n%storchrun ", srun(c));
    sp_torchrun_tail(c, true, &b);
    sp_buf_puts(&b, " &\nstep=$!\n"
                    "status=0\n"
                    "wait \"$step\" || status=$?\n"
                    "if [ \"$requeue\" = 1 ]; then\n"
                    "    wait \"$step\" || true  # let the step save and exit\n"
                    "    scontrol requeue \"$SLURM_JOB_ID\"\n"
                    "    exit 0\n"
                    "fi\n");
    /* Megatron stopped at --exit-duration-in-mins before the signal came: requeue while its last
     * checkpoint is short of --train-iters (its save directory's latest_checkpointed_iteration.txt). */
    if (c->megatron)
        sp_buf_printf(&b,
                      "done_iters=$(cat \"$CHECKPOINT_DIR/latest_checkpointed_iteration.txt\" 2>/dev/null || echo 0)\n"
                      "case \"$done_iters\" in '') done_iters=0 ;; *[!0-9]*) done_iters=%.0f ;; esac\n"
                      "if [ \"$status\" = 0 ] && [ \"$done_iters\" -lt %.0f ]; then\n"
                      "    scontrol requeue \"$SLURM_JOB_ID\"  # stopped at --exit-duration-in-mins to resume\n"
                      "    exit 0\n"
                      "fi\n",
                      sp_run_steps(c), sp_run_steps(c));
    sp_buf_puts(&b, "exit \"$status\"\n");
    return sp_buf_finish(&b, err);
}
