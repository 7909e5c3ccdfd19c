/* report_data.c - a data-job estimate as text or JSON. */
#include "report_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static char *data_text(const sp_stage_model *m, const sp_instance *in, const sp_data_job *job,
                       const sp_data_result *r, const sp_rules *rules, sp_error *err)
{
    const char *reason = "";
    sp_data_engine framework = sp_data_framework(m, job, r, &reason);
    char line[1024], cost[48];
    sp_money_cents(r->cost_usd, cost, sizeof cost); /* cents under $1,000, as plan prints them */
    sp_buf b = {0};
    sp_buf_printf(&b, "input       : %.4g TB (%.4g tokens at %g bytes each)\n", job->input_bytes / 1e12,
                  job->input_bytes / m->bytes_per_token, m->bytes_per_token);
    sp_buf_printf(&b, "cluster     : %.0f x %s (%g vCPUs, %.0f GB, disk %.2f/%.2f GB/s, network %.2f GB/s each)",
                  r->nodes, in->name, in->vcpus, in->memory_bytes / 1e9, in->disk_read_bytes_per_s / 1e9,
                  in->disk_write_bytes_per_s / 1e9, in->network_bytes_per_s / 1e9);
    if (job->gpu)
        sp_buf_printf(&b, " + %g x %s a node", job->gpus_per_node, job->gpu->name);
    /* Each resource's busy hours within the stage, not summed over nodes: the stage takes the longest. */
    sp_buf_printf(&b, "\nstages      : %-12s %9s %9s %9s %9s %9s  bottleneck\n", "", "hours", "cpu busy", "disk busy",
                  "net busy", "gpu busy");
    for (unsigned i = 0; i < r->count; i++) {
        const sp_stage_time *t = &r->stages[i];
        sp_buf_printf(&b, "              %-12s %9.3f %9.3f %9.3f %9.3f %9.3f  %s\n", m->stages[job->stages[i]].name,
                      t->seconds / 3600, t->cpu_s / 3600, t->disk_s / 3600, t->network_s / 3600, t->gpu_s / 3600,
                      t->bottleneck);
    }
    sp_buf_printf(&b, "total       : %.3f hours, %s; %.4g TB shuffled over the network, %.4g TB through disks\n",
                  r->hours, cost, r->shuffle_bytes / 1e12, r->disk_bytes / 1e12);
    /* No one rents a CPU instance with GPUs bolted on: the price is the sum of two offers. */
    if (job->gpu)
        sp_buf_printf(&b, "price       : a node priced as %s's $%.4g an hour plus %g x %s at $%.2f/GPU-hour (%s): the sum of "
                          "two offers, not a machine one rents; a GPU instance's own host CPUs would run the CPU stages\n",
                      in->name, in->usd_per_hour, job->gpus_per_node, job->gpu->name,
                      sp_accel_usd_per_gpu_hour(job->gpu, job->gpus_per_node),
                      job->gpu->price_provider[0] ? job->gpu->price_provider : "the catalog's price");
    /* The one package the chosen engine runs on, at its pin. */
    const char *package = framework == SP_DATA_SPARK ? "pyspark" : framework == SP_DATA_DASK ? "dask" : "ray";
    sp_buf_printf(&b, "framework   : %s (%s==%s): %s\n", sp_data_engine_name(framework), package,
                  sp_framework_version(rules, package), reason);
    sp_data_launch_line(framework, in, r->nodes, line, sizeof line);
    sp_buf_printf(&b, "launch      : %s\n", line);
    return sp_buf_finish(&b, err);
}

static char *data_json(const sp_stage_model *m, const sp_instance *in, const sp_data_job *job,
                       const sp_data_result *r, sp_error *err)
{
    const char *reason = "";
    sp_data_engine framework = sp_data_framework(m, job, r, &reason);
    char line[1024];
    json_t *o = json_object();
    json_object_set_new(o, "input_bytes", json_real(job->input_bytes));
    json_object_set_new(o, "instance", json_string(in->name));
    json_object_set_new(o, "nodes", json_integer((json_int_t)r->nodes));
    json_object_set_new(o, "gpu", job->gpu ? json_string(job->gpu->name) : json_null());
    json_object_set_new(o, "hours", sp_json_round(r->hours, 1e4));
    json_object_set_new(o, "cost_usd", sp_json_round(r->cost_usd, 100));
    json_object_set_new(o, "shuffle_bytes", json_real(round(r->shuffle_bytes)));
    json_object_set_new(o, "disk_bytes", json_real(round(r->disk_bytes)));
    json_t *stages = json_array();
    for (unsigned i = 0; i < r->count; i++) {
        const sp_stage_time *t = &r->stages[i];
        json_t *s = json_object();
        json_object_set_new(s, "stage", json_string(m->stages[job->stages[i]].name));
        json_object_set_new(s, "input_bytes", json_real(round(t->input_bytes)));
        json_object_set_new(s, "hours", sp_json_round(t->seconds / 3600, 1e4));
        json_object_set_new(s, "cpu_hours", sp_json_round(t->cpu_s / 3600, 1e4));
        json_object_set_new(s, "disk_hours", sp_json_round(t->disk_s / 3600, 1e4));
        json_object_set_new(s, "network_hours", sp_json_round(t->network_s / 3600, 1e4));
        json_object_set_new(s, "gpu_hours", sp_json_round(t->gpu_s / 3600, 1e4));
        json_object_set_new(s, "bottleneck", json_string(t->bottleneck));
        json_array_append_new(stages, s);
    }
    json_object_set_new(o, "stages", stages);
    json_object_set_new(o, "framework", json_string(sp_data_engine_name(framework)));
    json_object_set_new(o, "framework_reason", json_string(reason));
    sp_data_launch_line(framework, in, r->nodes, line, sizeof line);
    json_object_set_new(o, "launch", json_string(line));
    return sp_json_report(o, err);
}

/* Each stage's hours, coloured by the resource that bounds it: a stage's resources work at once,
 * so its hours are the longest of theirs, and the bars add up to the job's total. */
static char *data_chart(const sp_stage_model *m, const sp_data_job *job, const sp_data_result *r, sp_error *err)
{
    static const char *const parts[] = {"CPU", "disk", "network", "GPU"};
    static const char *const keys[] = {"cpu", "disk", "network", "gpu"};
    sp_svg_bar bars[SP_STAGES_MAX];
    for (unsigned i = 0; i < r->count && i < job->count; i++) {
        const sp_stage_time *t = &r->stages[i];
        bars[i] = (sp_svg_bar){m->stages[job->stages[i]].name, {0, 0, 0, 0}};
        size_t k = 0;
        while (k < 3 && strcmp(t->bottleneck, keys[k]) != 0)
            k++;
        bars[i].values[k] = t->seconds / 3600;
    }
    sp_svg_bars chart = {"Each stage's hours, by what bounds it", "", "hours", parts, 4, bars,
                         r->count < job->count ? r->count : job->count, 0, NULL};
    return sp_svg_stacked_bars(&chart, err);
}

char *sp_render_data(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                     const sp_data_result *result, const sp_rules *rules, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_HTML) {
        char *charts[] = {data_chart(model, job, result, err)};
        return sp_html_finish("stackplan data: a data job's stages", data_text(model, instance, job, result, rules, err),
                              data_json(model, instance, job, result, err), charts, 1, err);
    }
    return format == SP_FORMAT_JSON ? data_json(model, instance, job, result, err)
                                    : data_text(model, instance, job, result, rules, err);
}

char *sp_render_instances(const sp_instance_catalog *catalog, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_JSON) {
        json_t *list = json_array();
        for (size_t i = 0; i < catalog->count; i++) {
            const sp_instance *in = &catalog->items[i];
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(in->name));
            json_object_set_new(o, "cloud", json_string(in->cloud));
            json_object_set_new(o, "vcpus", json_integer((json_int_t)in->vcpus));
            json_object_set_new(o, "memory_bytes", sp_json_count(in->memory_bytes));
            json_object_set_new(o, "disk_read_bytes_per_s", json_real(in->disk_read_bytes_per_s));
            json_object_set_new(o, "disk_write_bytes_per_s", json_real(in->disk_write_bytes_per_s));
            json_object_set_new(o, "network_bytes_per_s", json_real(in->network_bytes_per_s));
            json_object_set_new(o, "usd_per_hour", json_real(in->usd_per_hour));
            json_array_append_new(list, o);
        }
        return sp_json_finish(list, err);
    }
    sp_buf b = {0};
    sp_buf_printf(&b, "%-32s %-6s %5s %8s %9s %9s %9s %8s\n", "name", "cloud", "vCPU", "mem GB", "read GB/s",
                  "write GB/s", "net GB/s", "$/h");
    for (size_t i = 0; i < catalog->count; i++) {
        const sp_instance *in = &catalog->items[i];
        sp_buf_printf(&b, "%-32s %-6s %5.0f %8.0f %9.2f %9.2f %9.2f %8.3f\n", in->name, in->cloud, in->vcpus,
                      in->memory_bytes / 1e9, in->disk_read_bytes_per_s / 1e9, in->disk_write_bytes_per_s / 1e9,
                      in->network_bytes_per_s / 1e9, in->usd_per_hour);
    }
    return sp_buf_finish(&b, err);
}

char *sp_render_workloads(const sp_workload_catalog *catalog, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_JSON) {
        json_t *list = json_array();
        for (size_t i = 0; i < catalog->count; i++) {
            const sp_workload *w = &catalog->items[i];
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(w->name));
            json_object_set_new(o, "prompt_tokens", json_integer((json_int_t)w->prompt_tokens));
            json_object_set_new(o, "prompt_cv", json_real(w->prompt_cv));
            json_object_set_new(o, "output_tokens", json_integer((json_int_t)w->output_tokens));
            json_object_set_new(o, "output_cv", json_real(w->output_cv));
            json_array_append_new(list, o);
        }
        return sp_json_finish(list, err);
    }
    sp_buf b = {0};
    sp_buf_printf(&b, "%-16s %8s %6s %8s %6s   (mean tokens and std/mean; sources in workloads.yaml)\n", "name",
                  "prompt", "cv", "output", "cv");
    for (size_t i = 0; i < catalog->count; i++) {
        const sp_workload *w = &catalog->items[i];
        sp_buf_printf(&b, "%-16s %8.0f %6.3f %8.0f %6.3f\n", w->name, w->prompt_tokens, w->prompt_cv, w->output_tokens,
                      w->output_cv);
    }
    return sp_buf_finish(&b, err);
}
