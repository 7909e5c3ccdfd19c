/* scripts.c - what every launch script shares: its header, the environment block (hook,
 * data/launch.yaml's variables, threads, checkpoints, Megatron's arguments) and torchrun's
 * options; the names other launchers give the accelerator. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void sp_script_header(sp_buf *b, const char *shell, const sp_profile *p, const char *what)
{
    char name[SP_WORD_MAX];
    sp_shell_quote(p->name, name, sizeof name);
    sp_buf_printf(b, "#!%s\n# %s, written by stackplan %s for the profile below; edit the entry point, not the numbers.\n"
                     "# profile: %s\n",
                  shell, what, SP_VERSION, name);
}

/* Megatron-LM asserts CUDA_DEVICE_MAX_CONNECTIONS=1 with TP or CP above 1 before Blackwell and
 * forbids it under Megatron-FSDP (arguments.py validate_args). */
static bool megatron_needs_one_connection(const sp_launch_ctx *c)
{
    const sp_mem_config *k = &c->plan->run.config;
    bool blackwell = c->accel && c->accel->fp4_flops_per_s > 0 && c->plan->stack == SP_STACK_CUDA;
    return (k->tp > 1 || k->cp > 1) && k->zero < 3 && !blackwell;
}

static bool env_applies(const sp_launch_ctx *c, const sp_env_var *v)
{
    if (!strcmp(v->when, "all"))
        return true;
    if (!strcmp(v->when, "gpu"))
        return c->gpu;
    if (!strcmp(v->when, "megatron"))
        return c->gpu && c->megatron && megatron_needs_one_connection(c);
    return !strcmp(v->when, "multi-node") && c->gpu && c->plan->nodes > 1;
}

sp_status sp_run_preamble(const sp_launch_ctx *c, sp_buf *b, sp_error *err)
{
    char word[SP_WORD_MAX];
    sp_buf_puts(b, "set -euo pipefail\n");
    if (c->o->env_hook && c->o->env_hook[0]) {
        sp_shell_quote(c->o->env_hook, word, sizeof word);
        sp_buf_printf(b, "# Your environment first (a virtualenv, modules): --env-hook.\nsource %s\n", word);
    }
    sp_buf_puts(b, "# Settings for this plan (data/launch.yaml, each with its source there).\n");
    for (unsigned i = 0; i < c->rules->launch.env_count; i++) {
        const sp_env_var *v = &c->rules->launch.env[i];
        if (!env_applies(c, v))
            continue;
        sp_shell_quote(v->value, word, sizeof word);
        sp_buf_printf(b, "export %s=%s\n", v->name, word);
    }
    /* torchrun sets 1 thread a process when unset; each process owns cpus_per_gpu cores. */
    sp_buf_printf(b, "export OMP_NUM_THREADS=%.0f\n", c->o->cpu ? 1.0 : c->rules->launch.cpus_per_gpu);
    /* Absolute: torchtitan joins a relative --checkpoint.folder under its dump_folder (./outputs),
     * where the resume check and the README would not look. */
    sp_buf_printf(b, "CHECKPOINT_DIR=${CHECKPOINT_DIR:-%s}\nmkdir -p \"$CHECKPOINT_DIR\"\n"
                     "CHECKPOINT_DIR=$(cd \"$CHECKPOINT_DIR\" && pwd)\nexport CHECKPOINT_DIR\n",
                  c->checkpoint_dir);
    if (c->megatron)
        return sp_megatron_args(c, b, err);
    return SP_OK;
}

void sp_torchrun_tail(const sp_launch_ctx *c, bool multi_node, sp_buf *b)
{
    if (multi_node)
        sp_buf_printf(b,
                      "--nnodes=\"$SLURM_JOB_NUM_NODES\" --nproc_per_node=%.0f \\\n"
                      "    --rdzv_id=\"$SLURM_JOB_ID\" --rdzv_backend=c10d --rdzv_endpoint=\"$head_node:%.0f\" \\\n"
                      "    ${TORCHRUN_EXTRA_ARGS:-} %s",
                      c->per_node, c->o->rdzv_port, c->entry);
    else
        sp_buf_printf(b, "--standalone --nproc_per_node=%.0f ${TORCHRUN_EXTRA_ARGS:-} %s", c->per_node, c->entry);
}

const char *sp_k8s_device(sp_stack stack)
{
    switch (stack) { /* each vendor's Kubernetes device plugin */
    case SP_STACK_ROCM: return "amd.com/gpu";
    case SP_STACK_XLA: return "google.com/tpu";
    case SP_STACK_NEURON: return "aws.amazon.com/neuron";
    case SP_STACK_HPU: return "habana.ai/gaudi";
    case SP_STACK_CUDA: break;
    }
    return "nvidia.com/gpu";
}

const char *sp_sky_accelerator(const sp_accel *a) { return a ? a->skypilot : ""; }

size_t sp_required_envs(const char *script, sp_required_env *out, size_t max)
{
    size_t count = 0;
    for (const char *at = script ? strstr(script, "${") : NULL; at && count < max; at = strstr(at + 2, "${")) {
        const char *mark = strstr(at, ":?"), *end = strchr(at, '}');
        size_t len = mark ? (size_t)(mark - at - 2) : 0;
        if (!mark || !end || mark > end || len == 0 || len >= sizeof out[0].name)
            continue;
        bool seen = false;
        for (size_t k = 0; k < count && !seen; k++)
            seen = strlen(out[k].name) == len && !strncmp(out[k].name, at + 2, len);
        if (seen)
            continue;
        snprintf(out[count].name, sizeof out[count].name, "%.*s", (int)len, at + 2);
        snprintf(out[count].hint, sizeof out[count].hint, "%.*s", (int)(end - mark - 2), mark + 2);
        count++;
    }
    return count;
}
