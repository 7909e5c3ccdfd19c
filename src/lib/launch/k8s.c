/* k8s.c - Kubernetes: a Kubeflow PyTorchJob (kubeflow.org/v1) for training and a KubeRay
 * RayService (ray.io/v1) for Ray Serve plans, each asking for exactly the plan's devices. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void device_limits(sp_emitter *y, const sp_launch_ctx *c, double devices)
{
    sp_emit_str(y, "resources");
    sp_emit_map(y);
    sp_emit_str(y, "limits");
    sp_emit_map(y);
    sp_emit_kv_int(y, sp_k8s_device(c->plan->stack), devices);
    sp_emit_end_map(y);
    /* An offloaded state lives in the pod's memory: scheduled where it fits. */
    if (sp_host_memory_gb(c) > 0) {
        char memory[32];
        snprintf(memory, sizeof memory, "%.0fG", sp_host_memory_gb(c));
        sp_emit_str(y, "requests");
        sp_emit_map(y);
        sp_emit_kv_str(y, "memory", memory);
        sp_emit_end_map(y);
    }
    sp_emit_end_map(y);
}

/* A container's /dev/shm is 64 MB unless a volume replaces it; NCCL's intra-node transport and
 * PyTorch's data-loader workers need more (NCCL troubleshooting, "Docker": --shm-size; vLLM's
 * Kubernetes guide mounts an emptyDir of medium Memory). */
static void shm_mount(sp_emitter *y)
{
    sp_emit_str(y, "volumeMounts");
    sp_emit_seq(y);
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", "dshm");
    sp_emit_kv_str(y, "mountPath", "/dev/shm");
    sp_emit_end_map(y);
    sp_emit_end_seq(y);
}

static void shm_volume(sp_emitter *y)
{
    sp_emit_str(y, "volumes");
    sp_emit_seq(y);
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", "dshm");
    sp_emit_str(y, "emptyDir");
    sp_emit_map(y);
    sp_emit_kv_str(y, "medium", "Memory");
    sp_emit_end_map(y);
    sp_emit_end_map(y);
    sp_emit_end_seq(y);
}

/* HF_TOKEN from the Secret hf-token (key token) where the pod downloads a Hugging Face checkpoint
 * (gated Llama, Mistral, Gemma repositories); optional, so open repositories need none:
 * kubectl create secret generic hf-token --from-literal=token=... */
static void hf_token_env(sp_emitter *y)
{
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", "HF_TOKEN");
    sp_emit_str(y, "valueFrom");
    sp_emit_map(y);
    sp_emit_str(y, "secretKeyRef");
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", "hf-token");
    sp_emit_kv_str(y, "key", "token");
    sp_emit_kv_bool(y, "optional", true);
    sp_emit_end_map(y);
    sp_emit_end_map(y);
    sp_emit_end_map(y);
}

/* The pod's environment: HF_TOKEN where it downloads a checkpoint; for Ray Serve's pods, /workspace
 * (serve_app.py) on the import path, since Serve's config takes only remote URIs for a runtime_env
 * working_dir (ray serve/schema.py, runtime_env_contains_remote_uris). */
static void pod_env(sp_emitter *y, const sp_launch_ctx *c, bool serve_app)
{
    bool token = sp_plan_downloads_checkpoint(c->plan);
    if (!token && !serve_app)
        return;
    sp_emit_str(y, "env");
    sp_emit_seq(y);
    if (token)
        hf_token_env(y);
    if (serve_app) {
        sp_emit_map(y);
        sp_emit_kv_str(y, "name", "PYTHONPATH");
        sp_emit_kv_str(y, "value", "/workspace");
        sp_emit_end_map(y);
    }
    sp_emit_end_seq(y);
}

/* template.spec.containers[0]: the container, its command (NULL: the image's) and devices. */
static void pod_template(sp_emitter *y, const sp_launch_ctx *c, const char *name, const char *image, bool run_node,
                         double devices)
{
    sp_emit_str(y, "template");
    sp_emit_map(y);
    sp_emit_str(y, "spec");
    sp_emit_map(y);
    sp_emit_str(y, "containers");
    sp_emit_seq(y);
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", name);
    sp_emit_kv_str(y, "image", image);
    if (run_node) { /* the job's files are in the image's /workspace */
        sp_emit_kv_str(y, "workingDir", "/workspace");
        sp_emit_str(y, "command");
        sp_emit_seq(y);
        sp_emit_str(y, "bash");
        sp_emit_str(y, "node_run.sh");
        sp_emit_end_seq(y);
    }
    pod_env(y, c, !run_node && c->plan->axis == SP_AXIS_SERVING);
    if (devices > 0) {
        device_limits(y, c, devices);
        shm_mount(y);
    }
    sp_emit_end_map(y);
    sp_emit_end_seq(y);
    if (devices > 0)
        shm_volume(y);
    sp_emit_end_map(y);
    sp_emit_end_map(y);
}

/* One replica type of the job: the container runs node_run.sh. */
static void replica(sp_emitter *y, const sp_launch_ctx *c, const char *role, double replicas, const char *image)
{
    sp_emit_str(y, role);
    sp_emit_map(y);
    sp_emit_kv_int(y, "replicas", replicas);
    sp_emit_kv_str(y, "restartPolicy", "OnFailure");
    /* the training operator finds the container by the name "pytorch" */
    pod_template(y, c, "pytorch", image, true, c->per_node);
    sp_emit_end_map(y);
}

/* A resource name Kubernetes and its operators accept from a profile's slug: a DNS-1035 label
 * (a letter first, letters, digits and '-', alphanumeric last) of at most 47 characters, KubeRay's
 * limit for a RayService (ValidateRayServiceMetadata), which also keeps training-operator's
 * "<name>-worker-<i>" Services within 63. */
enum { K8S_NAME_MAX = 47 };
static void k8s_name(const char *slug, char *out, size_t size)
{
    char name[K8S_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s%s", slug[0] >= 'a' && slug[0] <= 'z' ? "" : "sp-", slug);
    size_t n = strlen(name);
    while (n > 0 && name[n - 1] == '-')
        name[--n] = '\0';
    snprintf(out, size, "%s", name);
}

/* The head of a custom resource, leaving its spec mapping open. */
static sp_emitter *begin_resource(const char *api, const char *kind, const char *name, sp_error *err)
{
    sp_emitter *y = sp_emit_begin(err);
    if (!y)
        return NULL;
    sp_emit_map(y);
    sp_emit_kv_str(y, "apiVersion", api);
    sp_emit_kv_str(y, "kind", kind);
    sp_emit_str(y, "metadata");
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", name);
    sp_emit_end_map(y);
    sp_emit_str(y, "spec");
    sp_emit_map(y);
    return y;
}

char *sp_pytorchjob(const sp_launch_ctx *c, const char *image, sp_error *err)
{
    char name[K8S_NAME_MAX + 1];
    k8s_name(c->slug, name, sizeof name);
    sp_emitter *y = begin_resource("kubeflow.org/v1", "PyTorchJob", name, err);
    if (!y)
        return NULL;
    char procs[32];
    snprintf(procs, sizeof procs, "%.0f", c->per_node);
    sp_emit_kv_str(y, "nprocPerNode", procs);
    sp_emit_str(y, "pytorchReplicaSpecs");
    sp_emit_map(y);
    replica(y, c, "Master", 1, image);
    if (c->plan->nodes > 1)
        replica(y, c, "Worker", c->plan->nodes - 1, image);
    sp_emit_end_map(y);
    sp_emit_end_map(y);
    sp_emit_end_map(y);
    /* Pods reach one another over the pod network unless the cluster exposes its RDMA NICs, which
     * is cluster-specific (a device plugin's resource): say so where the plan spans nodes. */
    const char *rdma = c->plan->nodes > 1 && c->gpu
                           ? "# Across nodes NCCL needs the cluster's RDMA network (InfiniBand or RoCE, or AWS EFA through its\n"
                             "# device plugin, vpc.amazonaws.com/efa): add the resource your cluster names to the limits, or\n"
                             "# NCCL falls back to TCP sockets, far below the inter-node bandwidth the plan assumes.\n"
                           : "";
    /* pretrain_gpt.py is in Megatron-LM's repository, not the wheel, and its fp8, sequence-parallel and
     * grouped-GEMM paths need Transformer Engine, which NVIDIA's PyTorch container carries built. */
    char megatron[512] = "";
    if (c->megatron && c->plan->stack == SP_STACK_ROCM)
        snprintf(megatron, sizeof megatron,
                 "# Megatron-LM: build it FROM AMD's training container (Docker Hub rocm/primus, Transformer\n"
                 "# Engine for ROCm built in) instead, with a checkout of ROCm/Megatron-LM as /workspace and\n"
                 "# these files beside pretrain_gpt.py.\n");
    else if (c->megatron)
        snprintf(megatron, sizeof megatron,
                 "# Megatron-LM: build it FROM NVIDIA's PyTorch container (nvcr.io/nvidia/pytorch, Transformer Engine\n"
                 "# built in) instead, with a checkout of NVIDIA/Megatron-LM at core_v%s as /workspace and these files\n"
                 "# beside pretrain_gpt.py.\n",
                 sp_framework_version(c->rules, "megatron-core"));
    char comment[1536];
    snprintf(comment, sizeof comment,
             "# Kubeflow PyTorchJob: one pod a node, each running node_run.sh; build the image FROM the\n"
             "# one named below with these files in /workspace and requirements.txt installed.\n%s%s",
             megatron, rdma);
    return sp_emit_finish(y, comment, err);
}

/* Ray Serve's application config (serve build's format): one deployment of serve_app.py. */
static char *serve_config(sp_error *err)
{
    sp_emitter *y = sp_emit_begin(err);
    if (!y)
        return NULL;
    sp_emit_map(y);
    sp_emit_str(y, "applications");
    sp_emit_seq(y);
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", "llm");
    sp_emit_kv_str(y, "import_path", "serve_app:app");
    sp_emit_kv_str(y, "route_prefix", "/");
    sp_emit_end_map(y);
    sp_emit_end_seq(y);
    sp_emit_end_map(y);
    return sp_emit_finish(y, NULL, err);
}

static void ray_group(sp_emitter *y, const sp_launch_ctx *c, const char *image, double gpus, bool head)
{
    sp_emit_str(y, "rayStartParams");
    sp_emit_map(y);
    sp_emit_end_map(y);
    pod_template(y, c, head ? "ray-head" : "ray-worker", image, false, gpus);
}

char *sp_rayservice(const sp_launch_ctx *c, const char *image, sp_error *err)
{
    char *config = serve_config(err);
    if (!config)
        return NULL;
    char name[K8S_NAME_MAX + 1];
    k8s_name(c->slug, name, sizeof name);
    sp_emitter *y = begin_resource("ray.io/v1", "RayService", name, err);
    if (!y) {
        free(config);
        return NULL;
    }
    const sp_serve_result *s = &c->plan->serve;
    /* A replica wider than a node is that many worker pods of a node's GPUs, which Ray's placement
     * group spans; a pod never asks for more GPUs than a node has. */
    double replica_nodes = fmax(1, s->nodes_per_replica);
    double per_replica = s->tp * fmax(1, s->pp) / replica_nodes, replicas = s->replicas * replica_nodes;
    sp_emit_str(y, "serveConfigV2");
    sp_emit_literal(y, config);
    sp_emit_str(y, "rayClusterConfig");
    sp_emit_map(y);
    sp_emit_kv_str(y, "rayVersion", sp_framework_version(c->rules, "ray"));
    sp_emit_str(y, "headGroupSpec");
    sp_emit_map(y);
    ray_group(y, c, image, 0, true);
    sp_emit_end_map(y);
    sp_emit_str(y, "workerGroupSpecs");
    sp_emit_seq(y);
    sp_emit_map(y);
    sp_emit_kv_str(y, "groupName", "replicas");
    sp_emit_kv_int(y, "replicas", replicas); /* one pod a replica's node, with that node's GPUs */
    sp_emit_kv_int(y, "minReplicas", replicas);
    sp_emit_kv_int(y, "maxReplicas", replicas);
    ray_group(y, c, image, per_replica, false);
    sp_emit_end_map(y);
    sp_emit_end_seq(y);
    sp_emit_end_map(y);
    sp_emit_end_map(y);
    sp_emit_end_map(y);
    free(config);
    return sp_emit_finish(y, "# KubeRay RayService: serve_app.py on one worker pod a replica; build the image FROM the\n"
                              "# one named below with serve_app.py in /workspace.\n", err);
}
