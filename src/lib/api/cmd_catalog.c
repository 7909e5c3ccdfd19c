/* cmd_catalog.c - `stackplan catalog accelerators|models|instances|workloads`: what the data files hold. */
#include "api_internal.h"
#include "common_internal.h"

#include <stdlib.h>
#include <string.h>

static const cli_opt OPTS[] = {
    {"format", CLI_TEXT, "text|json", "output format (default text)"},
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},
    {"accelerators", CLI_TEXT, "FILE", "accelerator catalog (default DATA_DIR/accelerators.yaml)"},
};

static const cli_command CMD = {
    "stackplan catalog accelerators|models|instances|workloads [--format text|json] [--data-dir DIR]",
    "List the accelerator catalog (memory, bandwidth, FLOP/s, links, price) or the model\n"
    "catalog (exact parameter counts from each config.json).",
    OPTS, sizeof OPTS / sizeof OPTS[0], 1};

static char *list_accels(const char *path, sp_format format, sp_error *err)
{
    sp_accel_catalog catalog;
    if (sp_accels_load(path, &catalog, err) != SP_OK)
        return NULL;
    char *text = sp_render_accels(&catalog, format, err);
    sp_accel_catalog_free(&catalog);
    return text;
}

static char *list_models(const char *data_dir, sp_format format, sp_error *err)
{
    char **names = NULL;
    size_t count = 0;
    if (sp_model_catalog_names(data_dir, &names, &count, err) != SP_OK)
        return NULL;
    sp_model *models = calloc(count ? count : 1, sizeof *models);
    char *text = NULL;
    sp_status s = models ? SP_OK : SP_ERR_NOMEM;
    for (size_t i = 0; s == SP_OK && i < count; i++) {
        s = sp_model_load_catalog(data_dir, names[i], &models[i], err);
        /* Listed by the file name --model takes, not the file's own label (which may be anything). */
        snprintf(models[i].name, sizeof models[i].name, "%s", names[i]);
    }
    if (s == SP_OK)
        text = sp_render_models(models, count, format, err);
    else if (!models)
        err->status = SP_ERR_NOMEM;
    free(models);
    sp_names_free(names, count);
    return text;
}

static char *list_instances(const char *data_dir, sp_format format, sp_error *err)
{
    cli_path path;
    sp_instance_catalog catalog;
    if (sp_instances_load(cli_data_file(NULL, NULL, NULL, data_dir, "instances.yaml", &path), &catalog, err) != SP_OK)
        return NULL;
    char *text = sp_render_instances(&catalog, format, err);
    sp_instance_catalog_free(&catalog);
    return text;
}

static char *list_workloads(const char *data_dir, sp_format format, sp_error *err)
{
    cli_path path;
    sp_workload_catalog catalog;
    if (sp_workloads_load(cli_data_file(NULL, NULL, NULL, data_dir, "workloads.yaml", &path), &catalog, err) != SP_OK)
        return NULL;
    char *text = sp_render_workloads(&catalog, format, err);
    sp_workload_catalog_free(&catalog);
    return text;
}

int cmd_catalog(int argc, char **argv)
{
    cli_value v[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    const char *what[1];
    size_t n = 0;
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, what, &n, &format, 0);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    const char *data_dir = cli_data_dir(cli_flag(&CMD, v, "data-dir")->text);
    cli_path path;
    char *text = NULL;
    /* "gpus", as --gpu names them, is the accelerators; another near spelling is named, not listed. */
    static const char *const LISTS[] = {"accelerators", "models", "instances", "workloads", NULL};
    if (n == 1 && (!strcmp(what[0], "gpus") || !strcmp(what[0], "gpu")))
        what[0] = "accelerators";
    const char *near = n == 1 ? sp_nearest_key(LISTS, what[0]) : NULL;
    if (n == 1 && near && strcmp(near, what[0]) != 0) {
        fprintf(cli_err(), "stackplan: catalog: '%s' is not a catalog; did you mean '%s'? (accelerators, models, "
                           "instances, workloads)\n",
                what[0], near);
        return CLI_EXIT_INPUT;
    }
    if (n == 1 && !strcmp(what[0], "accelerators"))
        text = list_accels(cli_data_file(&CMD, v, "accelerators", data_dir, "accelerators.yaml", &path), format, &err);
    else if (n == 1 && !strcmp(what[0], "models"))
        text = list_models(data_dir, format, &err);
    else if (n == 1 && !strcmp(what[0], "instances"))
        text = list_instances(data_dir, format, &err);
    else if (n == 1 && !strcmp(what[0], "workloads"))
        text = list_workloads(data_dir, format, &err);
    else {
        fprintf(cli_err(), "stackplan: usage: %s\n", CMD.usage);
        return CLI_EXIT_INPUT;
    }
    return text ? cli_emit(text) : cli_fail(&err);
}

const cli_command *cmd_catalog_spec(void) { return &CMD; }
