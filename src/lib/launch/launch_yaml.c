/* launch_yaml.c - Ray's cluster.yaml for a plan: exactly the nodes and devices it prices. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* GPUs of the instance the plan's price comes from when that is not one GPU's rate (an L40S fleet of
 * tp-4 replicas priced on 4-GPU g6e.12xlarge), else 0. */
static double priced_instance_gpus(const sp_plan *plan)
{
    if (!plan->instance_priced)
        return 0;
    return plan->served ? plan->serve.instance_gpus : sp_accel_instance_gpus(&plan->priced_accel, plan->gpus);
}

/* The AWS instance of the plan's nodes, "" when it does not rent exactly what the plan prices (at
 * AWS's own price):
 * the catalog's instance holds a host's GPUs, so only plans of whole instances, priced on that
 * instance, name it. */
static const char *aws_type(const sp_launch_ctx *c)
{
    const sp_plan *plan = c->plan;
    if (plan->data_sized)
        return strcmp(plan->data_instance.cloud, "aws") ? "" : plan->data_instance.name;
    const sp_accel *a = c->accel;
    /* An instance AWS rents at a price another provider's row gives (B200 at Lambda's $6.69) is not
     * what the plan priced: named only when the catalog's price is AWS's own. */
    if (!a || !a->aws_instance[0] || c->o->cpu || strncmp(a->price_provider, "AWS", 3) != 0)
        return "";
    double priced = priced_instance_gpus(plan);
    double host = sp_accel_host_gpus(a);
    bool whole = c->per_node == host && plan->gpus == plan->nodes * host && (priced == 0 || priced == host);
    return whole ? a->aws_instance : "";
}

static void node_type(sp_emitter *e, const char *name, const sp_launch_ctx *c, double workers)
{
    sp_emit_str(e, name);
    sp_emit_map(e);
    sp_emit_str(e, "resources");
    sp_emit_map(e);
    if (c->plan->data_sized)
        sp_emit_kv_int(e, "CPU", c->plan->data_instance.vcpus);
    else if (!c->o->cpu)
        sp_emit_kv_int(e, "GPU", c->per_node);
    sp_emit_end_map(e);
    sp_emit_str(e, "node_config");
    sp_emit_map(e);
    if (aws_type(c)[0])
        sp_emit_kv_str(e, "InstanceType", aws_type(c));
    sp_emit_end_map(e);
    sp_emit_kv_int(e, "min_workers", workers);
    sp_emit_kv_int(e, "max_workers", workers);
    sp_emit_end_map(e);
}

/* AWS when whole instances hold the plan; otherwise Ray's on-premises provider with addresses
 * the operator fills in. */
static void provider(sp_emitter *e, const sp_launch_ctx *c)
{
    sp_emit_str(e, "provider");
    sp_emit_map(e);
    if (aws_type(c)[0]) {
        sp_emit_kv_str(e, "type", "aws");
        sp_emit_kv_str(e, "region", "us-east-1");
    } else {
        sp_emit_kv_str(e, "type", "local");
        sp_emit_kv_str(e, "head_ip", "HEAD_NODE_IP");
        sp_emit_str(e, "worker_ips");
        sp_emit_seq(e);
        for (double i = 1; i < c->plan->nodes && i <= 64; i++) {
            char ip[32];
            snprintf(ip, sizeof ip, "WORKER_%.0f_IP", i);
            sp_emit_str(e, ip);
        }
        sp_emit_end_seq(e);
    }
    sp_emit_end_map(e);
}

char *sp_cluster_yaml(const sp_launch_ctx *c, const char *setup, sp_error *err)
{
    sp_emitter *e = sp_emit_begin(err);
    if (!e)
        return NULL;
    sp_emit_map(e);
    sp_emit_kv_str(e, "cluster_name", c->slug);
    sp_emit_kv_int(e, "max_workers", c->plan->nodes - 1);
    sp_emit_kv_int(e, "idle_timeout_minutes", 10);
    provider(e, c);
    if (aws_type(c)[0]) {
        sp_emit_str(e, "available_node_types");
        sp_emit_map(e);
        node_type(e, "head", c, 0);
        if (c->plan->nodes > 1)
            node_type(e, "worker", c, c->plan->nodes - 1);
        sp_emit_end_map(e);
        sp_emit_kv_str(e, "head_node_type", "head");
    } else {
        /* Ray's on-premises provider aborts on node types ("The field available_node_types is not
         * supported for on-premise clusters", autoscaler/_private/local/config.py) and finds each
         * machine's GPUs itself; it reaches the machines over SSH as the user named here. */
        sp_emit_str(e, "auth");
        sp_emit_map(e);
        sp_emit_kv_str(e, "ssh_user", "SSH_USER");
        sp_emit_end_map(e);
    }
    if (c->engine_image[0]) { /* Ray's launcher runs each node's processes in this container */
        sp_emit_str(e, "docker");
        sp_emit_map(e);
        sp_emit_kv_str(e, "image", c->engine_image);
        sp_emit_kv_str(e, "container_name", "vllm");
        if (c->plan->stack == SP_STACK_ROCM) {
            /* Ray detects NVIDIA runtimes only: ROCm's GPUs reach a container through the kernel driver
             * and render nodes (ROCm docs, "Running ROCm Docker containers"; the rocm/vllm image's own
             * docker run line adds --ipc=host). */
            static const char *const rocm_options[] = {"--device=/dev/kfd", "--device=/dev/dri", "--group-add=video",
                                                       "--ipc=host", "--security-opt=seccomp=unconfined"};
            sp_emit_str(e, "run_options");
            sp_emit_seq(e);
            for (size_t i = 0; i < sizeof rocm_options / sizeof rocm_options[0]; i++)
                sp_emit_str(e, rocm_options[i]);
            sp_emit_end_seq(e);
        }
        sp_emit_end_map(e);
    }
    sp_emit_str(e, "setup_commands");
    sp_emit_seq(e);
    sp_emit_str(e, setup);
    sp_emit_end_seq(e);
    sp_emit_end_map(e);
    /* An EFA interface is the account's own (its subnet and security group): said, not written, where
     * collectives cross nodes: a training job over several, a serving replica spanning them (a fleet's
     * replicas talk to none). */
    bool spans = c->plan->served ? c->plan->serve.nodes_per_replica > 1 : c->plan->nodes > 1;
    const char *efa = aws_type(c)[0] && spans && c->accel && c->accel->inter_node_bytes_per_s > 0
                          ? "# Across nodes NCCL needs the instances' RDMA network: on AWS instances with EFA (p4d, p5)\n"
                            "# add NetworkInterfaces with InterfaceType efa, your SubnetId and security Groups, to each\n"
                            "# node_config, or NCCL falls back to TCP sockets, far below the inter-node bandwidth the\n"
                            "# plan assumes.\n"
                          : NULL;
    return sp_emit_finish(e, efa, err);
}
