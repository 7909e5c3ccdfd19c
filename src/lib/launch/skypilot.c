/* skypilot.c - a SkyPilot task (sky launch / sky serve up) renting exactly the accelerators the
 * plan prices: num_nodes nodes of per_node devices for training, one replica's devices times
 * the plan's replicas for serving (skypilot-org/skypilot sky/utils/schemas.py). */
#include "launch_internal.h"

#include <math.h>

#include <stdio.h>
#include <string.h>

static void resources(sp_emitter *y, const sp_launch_ctx *c, double per_node, bool serving, bool across_nodes)
{
    char accelerators[64];
    snprintf(accelerators, sizeof accelerators, "%s:%.0f", sp_sky_accelerator(c->accel), per_node);
    sp_emit_str(y, "resources");
    sp_emit_map(y);
    sp_emit_kv_str(y, "accelerators", accelerators);
    if (sp_host_memory_gb(c) > 0) { /* at least the offloaded state's memory (SkyPilot's "N+") */
        char memory[32];
        snprintf(memory, sizeof memory, "%.0f+", sp_host_memory_gb(c));
        sp_emit_kv_str(y, "memory", memory);
    }
    if (serving) /* vllm serve's default port (vLLM FrontendArgs.port) */
        sp_emit_kv_int(y, "ports", 8000);
    /* A job over several nodes was timed at the cluster's network (the catalog's inter-node
     * bandwidth): SkyPilot provisions InfiniBand/RDMA where the infra offers it only when asked
     * ("network_tier: best", docs.skypilot.co examples/performance, CoreWeave and Together AI). */
    if (across_nodes)
        sp_emit_kv_str(y, "network_tier", "best");
    if (c->engine_image[0]) { /* the engine's image (SkyPilot runs the task in a docker: image_id) */
        char image[SP_WORD_MAX + 8];
        snprintf(image, sizeof image, "docker:%s", c->engine_image);
        sp_emit_kv_str(y, "image_id", image);
    }
    sp_emit_end_map(y);
}

/* SkyServe's readiness delay: its default, plus the checkpoint's download at a conservative rate
 * (data/launch.yaml serve_probe_delay_s, serve_download_bytes_per_s): the stored format's bytes, a
 * 16-bit checkpoint's when the engine quantises on load. Rounded up to whole minutes. */
static double probe_delay_s(const sp_launch_ctx *c)
{
    const sp_model *m = &c->plan->model;
    const sp_launch_data *d = &c->rules->launch;
    double bytes_per_param = sp_dtype_bytes(m->checkpoint_quantized ? m->checkpoint_dtype : SP_DTYPE_BF16);
    double download_s = sp_model_params(m) * bytes_per_param / d->serve_download_bytes_per_s;
    return 60.0 * ceil((d->serve_probe_delay_s + download_s) / 60.0);
}

double sp_host_memory_gb(const sp_launch_ctx *c)
{
    const sp_plan *plan = c->plan;
    if (!plan->fine_tuned || !(plan->fine_tune.memory.host_bytes > 0))
        return 0;
    return ceil(plan->fine_tune.memory.host_bytes * c->per_node * (1.0 + c->rules->launch.host_memory_margin) / 1e9);
}

double sp_rented_node_gpus(const sp_launch_ctx *c)
{
    if (!c->accel || !c->plan->instance_priced || c->o->cpu)
        return c->per_node;
    return fmax(c->per_node, sp_accel_instance_gpus(c->accel, c->per_node));
}

char *sp_sky_task(const sp_launch_ctx *c, const char *setup, const char *run, const char *script, sp_error *err)
{
    bool serving = c->plan->axis == SP_AXIS_SERVING && c->plan->served;
    const sp_serve_result *s = &c->plan->serve;
    sp_emitter *y = sp_emit_begin(err);
    if (!y)
        return NULL;
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", c->slug);
    sp_emit_kv_str(y, "workdir", ".");
    /* A replica wider than a node rents its nodes' GPUs node by node (num_nodes), as training does:
     * no node holds 16 GPUs. */
    double per_replica = s->tp * (s->pp > 1 ? s->pp : 1), replica_nodes = fmax(1, s->nodes_per_replica);
    /* On a part rented in whole instances a server runs the replicas of one (SGLang's --dp-size,
     * vLLM's --data-parallel-size), so the service rents the instances the plan prices. */
    double per_server = c->plan->served ? sp_replicas_per_server(c->plan->engine, c->plan->model.experts > 1, &c->plan->serve_config, s) : 1.0;
    per_replica *= per_server;
    /* Training asks the instance the plan priced (SkyPilot would otherwise look for a smaller shape
     * elsewhere, at another price); torchrun starts the plan's ranks on it. */
    resources(y, c, serving ? per_replica / replica_nodes : sp_rented_node_gpus(c), serving,
              serving ? replica_nodes > 1 : c->plan->nodes > 1);
    if (!serving)
        sp_emit_kv_int(y, "num_nodes", c->plan->nodes);
    else if (replica_nodes > 1)
        sp_emit_kv_int(y, "num_nodes", replica_nodes);
    if (serving) { /* sky serve: the plan's replicas behind SkyPilot's load balancer */
        sp_emit_str(y, "service");
        sp_emit_map(y);
        /* vLLM's OpenAI server answers 200 on /health once ready; a replica downloads its checkpoint
         * first, which SkyServe's default delay does not cover for hundreds of GB. */
        sp_emit_str(y, "readiness_probe");
        sp_emit_map(y);
        sp_emit_kv_str(y, "path", "/health");
        sp_emit_kv_int(y, "initial_delay_seconds", probe_delay_s(c));
        sp_emit_end_map(y);
        sp_emit_kv_int(y, "replicas", ceil(s->replicas / per_server));
        sp_emit_end_map(y);
    }
    /* What node_run.sh stops without (DATA_PATH for Megatron): required here, so sky launch asks
     * for it (--env NAME) before renting anything, instead of every node failing at its first line. */
    sp_required_env required[SP_REQUIRED_ENVS_MAX];
    size_t nrequired = sp_required_envs(script, required, SP_REQUIRED_ENVS_MAX);
    if (nrequired > 0) {
        sp_emit_str(y, "envs");
        sp_emit_map(y);
        for (size_t i = 0; i < nrequired; i++) {
            sp_emit_str(y, required[i].name);
            sp_emit_null(y);
        }
        sp_emit_end_map(y);
    }
    bool token = sp_plan_downloads_checkpoint(c->plan);
    if (token) { /* required: sky refuses to start without it (null marks a secret the CLI must pass) */
        sp_emit_str(y, "secrets");
        sp_emit_map(y);
        sp_emit_str(y, "HF_TOKEN");
        sp_emit_null(y);
        sp_emit_end_map(y);
    }
    sp_emit_kv_str(y, "setup", setup);
    sp_emit_str(y, "run");
    if (strchr(run, '\n')) /* a script of several lines reads as one in a literal block */
        sp_emit_literal(y, run);
    else
        sp_emit_str(y, run);
    sp_emit_end_map(y);
    char header[480];
    int n = snprintf(header, sizeof header, "# SkyPilot: sky %s %ssky_task.yaml (the plan's %s).\n", serving ? "serve up" : "launch",
                     token ? "--secret HF_TOKEN " : "",
                     !serving          ? "nodes and GPUs"
                     : per_server > 1 ? "instances, each one server of its replicas as data-parallel workers"
                                      : "replicas, each its GPUs");
    if (c->megatron && c->plan->stack == SP_STACK_ROCM && n > 0 && (size_t)n < sizeof header)
        n += snprintf(header + n, sizeof header - (size_t)n,
                      "# ROCm: Megatron-LM's Transformer Engine for ROCm is not on PyPI: set resources.image_id to a tag\n"
                      "# of AMD's training container (Docker Hub rocm/primus, Megatron-LM for ROCm built in).\n");
    /* Replicas the engine cannot pack into the whole instances the plan priced: said, since the
     * cloud SkyPilot picks for a smaller shape may charge another price. */
    if (serving && per_server <= 1 && s->instance_gpus > per_replica && replica_nodes <= 1 && n > 0 &&
        (size_t)n < sizeof header)
        snprintf(header + n, sizeof header - (size_t)n,
                 "# The plan priced whole %.0f-GPU instances; this engine runs a server a replica, so each replica\n"
                 "# asks %.0f GPU(s), a shape SkyPilot may find on another cloud at another price.\n",
                 s->instance_gpus, per_replica);
    return sp_emit_finish(y, header, err);
}
