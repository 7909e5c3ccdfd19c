/* datajob.c - time and cost of a data job: stages of CPU, disk and network work. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The largest cluster the model sizes: beyond it, a data job is a different problem. */
static const double MAX_NODES = 1e5;

typedef struct {
    double cpu_s, disk_s, network_s, gpu_s;
} phase_time;

/* One phase at the cluster's size: every resource works in parallel across the nodes;
 * the shuffle sends (n-1)/n of its bytes off each node (all-to-all). */
static phase_time phase(const sp_stage_model *m, const sp_instance *in, const sp_stage_phase *ph, double bytes,
                        double nodes)
{
    phase_time t;
    t.cpu_s = bytes / 1e9 * ph->cpu_s_per_gb / (nodes * in->vcpus * m->cpu_efficiency);
    t.disk_s = bytes * (ph->disk_read / in->disk_read_bytes_per_s + ph->disk_write / in->disk_write_bytes_per_s) /
               (nodes * m->disk_efficiency);
    t.network_s = nodes > 1 ? bytes * ph->network * (nodes - 1.0) / nodes /
                                  (nodes * in->network_bytes_per_s * m->network_efficiency)
                            : 0.0;
    t.gpu_s = 0;
    return t;
}

/* A phase on GPUs (RAPIDS, NeMo Curator): tokens over its measured rate per reference GPU,
 * scaled by HBM bandwidth (the kernels are memory-bound). */
static double gpu_phase_s(const sp_stage_model *m, const sp_stage_phase *ph, const sp_data_job *job, double bytes)
{
    double gpus = job->nodes * job->gpus_per_node;
    double rate = ph->gpu_tokens_per_s * job->gpu->hbm_bytes_per_s / m->gpu_reference_hbm_bytes_per_s;
    return bytes / m->bytes_per_token / (gpus * rate);
}

static const char *bottleneck(double cpu, double disk, double network, double gpu)
{
    if (gpu >= cpu && gpu >= disk && gpu >= network && gpu > 0)
        return "gpu";
    if (cpu >= disk && cpu >= network)
        return "cpu";
    return disk >= network ? "disk" : "network";
}

static sp_status check_job(const sp_stage_model *m, const sp_data_job *job, sp_error *err)
{
    if (!(job->input_bytes > 0) || !isfinite(job->input_bytes) || job->input_bytes > 1e20)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "input-tb", "must be a positive size below 1e8 TB");
    if (!sp_whole_in(job->nodes, 1, MAX_NODES))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "nodes", "must be a whole number from 1 to %.0f", MAX_NODES);
    if (job->count == 0)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "stages", "name at least one stage");
    for (unsigned i = 0; i < job->count; i++)
        if (job->stages[i] < 0 || (unsigned)job->stages[i] >= m->count)
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "stages", "stage %u is not in the model", i);
    if (job->gpu && !(job->gpus_per_node >= 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpu", "GPU nodes need at least one GPU");
    return SP_OK;
}

sp_status sp_data_estimate(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                           sp_data_result *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_status s = check_job(model, job, err);
    if (s != SP_OK)
        return s;
    double bytes = job->input_bytes, seconds = 0;
    for (unsigned i = 0; i < job->count; i++) {
        const sp_stage *st = &model->stages[job->stages[i]];
        sp_stage_time *t = &out->stages[i];
        t->input_bytes = bytes;
        for (unsigned k = 0; k < st->phase_count; k++) {
            phase_time p = phase(model, instance, &st->phases[k], bytes, job->nodes);
            if (job->gpu && st->phases[k].gpu_tokens_per_s > 0) { /* the GPUs take the CPU work; I/O stays */
                p.gpu_s = gpu_phase_s(model, &st->phases[k], job, bytes);
                p.cpu_s = 0;
            }
            t->cpu_s += p.cpu_s;
            t->disk_s += p.disk_s;
            t->network_s += p.network_s;
            t->gpu_s += p.gpu_s;
            t->seconds += fmax(fmax(p.cpu_s, p.gpu_s), fmax(p.disk_s, p.network_s));
            out->shuffle_bytes += bytes * st->phases[k].network;
            out->disk_bytes += bytes * (st->phases[k].disk_read + st->phases[k].disk_write);
        }
        t->bottleneck = bottleneck(t->cpu_s, t->disk_s, t->network_s, t->gpu_s);
        seconds += t->seconds;
        bytes *= st->keep;
    }
    out->count = job->count;
    out->nodes = job->nodes;
    out->hours = seconds / 3600.0;
    double gpu_cost = job->gpu ? job->nodes * job->gpus_per_node * job->gpu->usd_per_hour * out->hours : 0;
    out->cost_usd = job->nodes * instance->usd_per_hour * out->hours + gpu_cost;
    return SP_OK;
}

typedef struct {
    const sp_stage_model *model;
    const sp_instance *instance;
    sp_data_job job;
    double deadline_hours;
} deadline_ctx;

static bool meets_deadline(double nodes, void *ctx)
{
    deadline_ctx *d = ctx;
    sp_data_result r;
    d->job.nodes = nodes;
    return sp_data_estimate(d->model, d->instance, &d->job, &r, NULL) == SP_OK && r.hours <= d->deadline_hours;
}

sp_status sp_data_size(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                       double deadline_hours, sp_data_result *out, sp_error *err)
{
    if (!(deadline_hours > 0) || !isfinite(deadline_hours))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "deadline-hours", "must be a positive number of hours");
    deadline_ctx d = {model, instance, *job, deadline_hours};
    d.job.nodes = 1;
    sp_status s = sp_data_estimate(model, instance, &d.job, out, err); /* the job's own errors first */
    if (s != SP_OK)
        return s;
    /* Time falls as nodes are added: the fewest that finish in time. */
    double nodes = sp_smallest_true(meets_deadline, &d, MAX_NODES);
    if (nodes == 0)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "deadline-hours", "%s cannot finish within %g h even on %.0f nodes",
                       instance->name, deadline_hours, MAX_NODES);
    d.job.nodes = nodes;
    return sp_data_estimate(model, instance, &d.job, out, err);
}

static bool has_kind(const sp_stage_model *m, const sp_data_job *job, sp_stage_kind kind)
{
    for (unsigned i = 0; i < job->count; i++)
        if (m->stages[job->stages[i]].kind == kind)
            return true;
    return false;
}

const char *sp_data_engine_name(sp_data_engine engine)
{
    switch (engine) {
    case SP_DATA_SPARK: return "Spark";
    case SP_DATA_DASK: return "Dask";
    case SP_DATA_RAY_DATA: break;
    }
    return "Ray Data";
}

sp_data_engine sp_data_framework(const sp_stage_model *model, const sp_data_job *job, const sp_data_result *result,
                                 const char **reason)
{
    if (has_kind(model, job, SP_STAGE_RELATIONAL) && job->input_bytes >= model->spark_min_input_bytes) {
        *reason = "SQL-style joins and sorts at scale: Spark's shuffle spills to disk and retries lost partitions";
        return SP_DATA_SPARK;
    }
    if (job->gpu || has_kind(model, job, SP_STAGE_ML)) {
        *reason = "Python and ML preprocessing (tokenizers, GPU stages): Ray Data streams batches through Python "
                  "workers and GPUs";
        return SP_DATA_RAY_DATA;
    }
    if (job->input_bytes < model->dask_max_input_bytes && result->nodes <= model->dask_max_nodes) {
        *reason = "pandas-style work on a moderate cluster: Dask scales the pandas API without a JVM";
        return SP_DATA_DASK;
    }
    *reason = "Python preprocessing at scale: Ray Data streams batches through Python workers";
    return SP_DATA_RAY_DATA;
}

/* Conventions of the engines' own sizing guides, not estimates: they shape the launch line only. */
enum { SPARK_EXECUTOR_CORES = 5 }; /* Cloudera, "How-to: Tune Your Apache Spark Jobs (Part 2)": HDFS client throughput */
static const double SPARK_MEMORY_OVERHEAD = 1.10; /* spark.executor.memoryOverhead: 10% of executor memory (Spark docs) */
static const double NODE_MEMORY_SHARE = 0.9;      /* the rest of a node's memory to the OS and daemons (YARN/Dask guides) */

int sp_data_launch_line(sp_data_engine framework, const sp_instance *in, double nodes, char *buf, size_t size)
{
    double node_gib = in->memory_bytes / 1073741824.0 * NODE_MEMORY_SHARE;
    if (framework == SP_DATA_SPARK) {
        /* One core to the node's daemons, the rest in executors of five. */
        double per_node = fmax(1.0, floor((in->vcpus - 1.0) / SPARK_EXECUTOR_CORES));
        double memory_gb = floor((node_gib - 1.0) / per_node / SPARK_MEMORY_OVERHEAD);
        return snprintf(buf, size,
                        "spark-submit --master yarn --deploy-mode cluster --num-executors %.0f --executor-cores %d "
                        "--executor-memory %.0fg data_job.py",
                        per_node * nodes, SPARK_EXECUTOR_CORES, fmax(1.0, memory_gb));
    }
    if (framework == SP_DATA_DASK)
        return snprintf(buf, size,
                        "dask scheduler --port 8786 & dask worker tcp://SCHEDULER:8786 --nworkers %.0f --nthreads 1 "
                        "--memory-limit %.0fGiB   # on each of %.0f nodes",
                        in->vcpus, floor(node_gib / in->vcpus), nodes);
    return snprintf(buf, size, "ray up cluster.yaml -y && ray job submit --address http://127.0.0.1:8265 "
                               "--working-dir . -- python data_job.py");
}
