/* datajob.c - time and cost of a data job: stages of CPU, disk and network work. */
#include "estimate_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The largest cluster the model sizes: beyond it, a data job is a different problem. */
static const double MAX_NODES = SP_DATA_NODES_MAX;

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

static bool job_has_gpu_phase(const sp_stage_model *m, const sp_data_job *job)
{
    for (unsigned i = 0; i < job->count; i++) {
        const sp_stage *st = &m->stages[job->stages[i]];
        for (unsigned k = 0; k < st->phase_count; k++)
            if (st->phases[k].gpu_tokens_per_s > 0)
                return true;
    }
    return false;
}

sp_status sp_data_job_check(const sp_stage_model *m, const sp_data_job *job, sp_error *err)
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
    /* Each stage once, reading first and writing last: the model passes each stage's output bytes
     * to the next, so a write before a read, or a stage twice, times a pipeline nobody runs. */
    for (unsigned i = 0; i < job->count; i++) {
        const char *name = m->stages[job->stages[i]].name;
        for (unsigned k = 0; k < i; k++)
            if (job->stages[k] == job->stages[i])
                return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "stages", "'%s' is named twice: each stage runs once", name);
        if (!strcmp(name, "read") && i != 0)
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "stages", "read comes first: the job reads its input once");
        if (!strcmp(name, "write") && i + 1 != job->count)
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "stages", "write comes last: the job writes its output once");
    }
    if (job->gpu && !(job->gpus_per_node >= 1))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpu", "GPU nodes need at least one GPU");
    /* GPUs that no stage runs on would idle and be billed. */
    if (job->gpu && !job_has_gpu_phase(m, job))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpu",
                       "no stage of this job runs on GPUs (only those with gpu_tokens_per_s in stages.yaml do, "
                       "such as fuzzy-dedup): the GPUs would idle and be billed");
    return SP_OK;
}

sp_status sp_data_estimate(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                           sp_data_result *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_status s = sp_data_job_check(model, job, err);
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
            /* What crosses the network: (n-1)/n of a shuffle's bytes leave their node; on one node none. */
            out->shuffle_bytes += bytes * st->phases[k].network * (job->nodes - 1.0) / job->nodes;
            out->disk_bytes += bytes * (st->phases[k].disk_read + st->phases[k].disk_write);
        }
        t->bottleneck = bottleneck(t->cpu_s, t->disk_s, t->network_s, t->gpu_s);
        seconds += t->seconds;
        bytes *= st->keep;
    }
    out->count = job->count;
    out->nodes = job->nodes;
    out->hours = seconds / 3600.0;
    /* The GPUs at the rate of the instance that holds gpus_per_node of them (cost.c), as train and
     * finetune price the same count: not the one-GPU offer's rate. */
    double gpu_rate = job->gpu ? sp_accel_usd_per_gpu_hour(job->gpu, job->gpus_per_node) : 0;
    double gpu_cost = job->gpu ? job->nodes * job->gpus_per_node * gpu_rate * out->hours : 0;
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
