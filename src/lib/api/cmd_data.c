/* cmd_data.c - `stackplan data`: hours, nodes and cost of a shuffle-heavy data job. */
#include "api_internal.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static const cli_opt OPTS[] = {
    {"input-tb", CLI_NUMBER, "TB", "input size in TB (or --input-tokens)"},
    {"input-tokens", CLI_NUMBER, "T", "input size in tokens (e.g. 2T)"},
    {"stages", CLI_TEXT, "S,S,...", "stages in order: read, tokenize, filter, exact-dedup, fuzzy-dedup, join, sort, write"},
    {"instance", CLI_TEXT, "NAME", "CPU instance (default: the cheapest in the catalog that meets the deadline)"},
    {"nodes", CLI_NUMBER, "N", "cluster size: how long and what cost"},
    {"deadline-hours", CLI_NUMBER, "H", "finish within H hours: the fewest nodes"},
    {"gpu", CLI_TEXT, "NAME", "run fuzzy dedup on these GPUs (RAPIDS), one node's worth per node"},
    {"instances", CLI_TEXT, "FILE", "instance catalog (default DATA_DIR/instances.yaml)"},
    {"accelerators", CLI_TEXT, "FILE", "accelerator catalog (default DATA_DIR/accelerators.yaml)"},
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},
    {"format", CLI_TEXT, "text|json|html|profile", "output format (default text; html: a page with charts; profile: the job as a profile for plan and launch)"},
};

static const cli_command CMD = {
    "stackplan data (--input-tb TB | --input-tokens T) --stages S,S [--instance NAME] (--nodes N | --deadline-hours H)",
    "Size a data job on CPU nodes (Spark, Ray Data, Dask): each stage's CPU, disk and network time,\n"
    "the bottleneck, the shuffle, hours and cost, the framework and its launch line.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 0};

static sp_status job_from_flags(const cli_value *v, const sp_stage_model *m, sp_data_job *job, sp_error *err)
{
    memset(job, 0, sizeof *job);
    bool tb = cli_flag(&CMD, v, "input-tb")->set, tokens = cli_flag(&CMD, v, "input-tokens")->set;
    if (tb == tokens)
        return cli_flag_error(err, "input-tb", "give exactly one of --input-tb and --input-tokens");
    job->input_bytes = tb ? cli_flag(&CMD, v, "input-tb")->number * 1e12 : cli_flag(&CMD, v, "input-tokens")->number * m->bytes_per_token;
    if (!cli_flag(&CMD, v, "stages")->set)
        return cli_flag_error(err, "stages", "required, e.g. read,tokenize,exact-dedup,write");
    char copy[512];
    if ((size_t)snprintf(copy, sizeof copy, "%s", cli_flag(&CMD, v, "stages")->text) >= sizeof copy)
        return cli_flag_error(err, "stages", "the list is too long");
    size_t len = strlen(copy);
    if (strstr(copy, ",,") || copy[0] == ',' || (len > 0 && copy[len - 1] == ','))
        return cli_flag_error(err, "stages", "'%s' has an empty stage between its commas", copy);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int i = sp_stage_find(m, tok);
        if (i < 0)
            return cli_flag_error(err, "stages", "'%s' is not a stage (read, tokenize, filter, exact-dedup, "
                                                 "fuzzy-dedup, join, sort, write)", tok);
        if (job->count == SP_STAGES_MAX)
            return cli_flag_error(err, "stages", "at most %d stages", SP_STAGES_MAX);
        job->stages[job->count++] = i;
    }
    if (cli_flag(&CMD, v, "nodes")->set == cli_flag(&CMD, v, "deadline-hours")->set)
        return cli_flag_error(err, "nodes", "give exactly one of --nodes and --deadline-hours");
    job->nodes = cli_number_or(&CMD, v, "nodes", 1);
    if (!job->count)
        return cli_flag_error(err, "stages", "name at least one stage");
    return sp_data_job_check(m, job, err); /* before any instance is tried: the job's own errors */
}

/* With --instance, that one; without, the cheapest that meets the deadline. */
/* The instance an --instance word names, by the catalog names' rules (case, short forms, a near
 * miss suggested), as --gpu's. */
static sp_status find_instance(const sp_instance_catalog *catalog, const char *typed, const sp_instance **out,
                               sp_error *err)
{
    size_t i = 0;
    sp_status s = cli_resolve_item(catalog->items, catalog->count, sizeof catalog->items[0], offsetof(sp_instance, name),
                                   typed, "instance", "instance", "`stackplan catalog instances`", &i, err);
    *out = s == SP_OK ? &catalog->items[i] : NULL;
    return s;
}

static sp_status size_job(const cli_value *v, const sp_stage_model *m, const sp_instance_catalog *catalog,
                          sp_data_job *job, sp_data_result *r, const sp_instance **chosen, sp_error *err)
{
    const cli_value *name = cli_flag(&CMD, v, "instance");
    double deadline = cli_number_or(&CMD, v, "deadline-hours", 0);
    if (name->set) {
        sp_status s = find_instance(catalog, name->text, chosen, err);
        if (s != SP_OK)
            return s;
        return deadline > 0 ? sp_data_size(m, *chosen, job, deadline, r, err) : sp_data_estimate(m, *chosen, job, r, err);
    }
    if (deadline <= 0)
        return cli_flag_error(err, "instance", "--nodes needs an --instance");
    return sp_data_cheapest(m, catalog, job, deadline, r, chosen, err);
}

int cmd_data(int argc, char **argv)
{
    cli_value v[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, NULL, NULL, &format, CLI_HTML | CLI_PROFILE);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    const char *data_dir = cli_data_dir(cli_flag(&CMD, v, "data-dir")->text);
    cli_path path;
    sp_rules rules;
    static sp_stage_model model;
    sp_instance_catalog catalog = {0};
    sp_accel_catalog accels = {0};
    sp_data_job job;
    sp_data_result result;
    const sp_instance *instance = NULL;
    sp_status s = sp_rules_load(data_dir, &rules, &err);
    if (s == SP_OK)
        s = sp_stages_load(cli_data_file(NULL, NULL, NULL, data_dir, "stages.yaml", &path), &model, &err);
    if (s == SP_OK)
        s = sp_instances_load(cli_data_file(&CMD, v, "instances", data_dir, "instances.yaml", &path), &catalog, &err);
    if (s == SP_OK)
        s = job_from_flags(v, &model, &job, &err);
    if (s == SP_OK && cli_flag(&CMD, v, "gpu")->set) {
        s = sp_accels_load(cli_data_file(&CMD, v, "accelerators", data_dir, "accelerators.yaml", &path), &accels, &err);
        if (s == SP_OK)
            s = cli_find_accel(&accels, cli_flag(&CMD, v, "gpu")->text, &job.gpu, &err);
        if (s == SP_OK && !(job.gpu->usd_per_hour > 0))
            s = cli_flag_error(&err, "gpu", "'%s' has no public price in the catalog", job.gpu->name);
        if (s == SP_OK)
            job.gpus_per_node = sp_accel_host_gpus(job.gpu); /* hosts, not the NVLink domain */
        if (s == SP_OK) /* the job with its GPUs, before any instance is tried */
            s = sp_data_job_check(&model, &job, &err);
    }
    if (s == SP_OK)
        s = size_job(v, &model, &catalog, &job, &result, &instance, &err);
    char *text = NULL;
    /* A profile's data job runs on CPU instances: the GPU fuzzy dedup has no profile key. */
    if (s == SP_OK && format == SP_FORMAT_PROFILE && cli_flag(&CMD, v, "gpu")->set)
        s = cli_flag_error(&err, "gpu", "a profile has no key for a data job's GPUs: drop it with --format profile");
    if (s == SP_OK) {
        job.nodes = result.nodes;
        text = format == SP_FORMAT_PROFILE
                   ? sp_data_profile(&model, instance, &job, &result, cli_number_or(&CMD, v, "deadline-hours", 0),
                                     rules.knobs.managed_premium, &err)
                   : sp_render_data(&model, instance, &job, &result, &rules, format, &err);
    }
    sp_instance_catalog_free(&catalog);
    sp_accel_catalog_free(&accels);
    return text ? cli_emit(text) : cli_fail(&err);
}

const cli_command *cmd_data_spec(void) { return &CMD; }
