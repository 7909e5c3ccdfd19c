/* cli.c - option parsing from tables, error printing, output. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#ifndef SP_DATA_DIR
#define SP_DATA_DIR "data"
#endif

size_t cli_index(const cli_command *cmd, const char *name)
{
    for (size_t i = 0; i < cmd->count; i++)
        if (!strcmp(cmd->opts[i].name, name))
            return i;
    return cmd->count;
}

static sp_status flag_error(sp_error *err, const char *name, const char *message)
{
    sp_error_clear(err);
    err->status = SP_ERR_INPUT;
    snprintf(err->field, sizeof err->field, "--%s", name);
    snprintf(err->message, sizeof err->message, "%s", message);
    return SP_ERR_INPUT;
}

static sp_status take_value(const cli_opt *opt, const char *text, cli_value *value, sp_error *err)
{
    value->set = true;
    value->text = text;
    if (opt->kind != CLI_NUMBER)
        return SP_OK;
    sp_error parse;
    sp_error_clear(&parse);
    if (sp_parse_number(text, opt->flags | SP_NUM_ALLOW_SUFFIX, &value->number, &parse) != SP_OK)
        return flag_error(err, opt->name, parse.message);
    if (value->number < opt->min || value->number > opt->max) {
        char message[SP_ERR_MESSAGE_MAX];
        snprintf(message, sizeof message, "%s is out of range [%g, %g]", text, opt->min, opt->max);
        return flag_error(err, opt->name, message);
    }
    return SP_OK;
}

static sp_status parse_option(const cli_command *cmd, int argc, char **argv, int *i,
                              cli_value *values, sp_error *err)
{
    const char *word = argv[*i] + 2;
    const char *eq = strchr(word, '=');
    size_t len = eq ? (size_t)(eq - word) : strlen(word);
    for (size_t k = 0; k < cmd->count; k++) {
        const cli_opt *opt = &cmd->opts[k];
        if (strlen(opt->name) != len || strncmp(opt->name, word, len))
            continue;
        if (values[k].set)
            return flag_error(err, opt->name, "given twice");
        if (opt->kind == CLI_FLAG) {
            if (eq)
                return flag_error(err, opt->name, "takes no value");
            values[k].set = true;
            return SP_OK;
        }
        if (eq)
            return take_value(opt, eq + 1, &values[k], err);
        if (*i + 1 >= argc)
            return flag_error(err, opt->name, "needs a value");
        *i += 1;
        return take_value(opt, argv[*i], &values[k], err);
    }
    char name[SP_ERR_FIELD_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), word);
    return flag_error(err, name, "unknown option (see --help)");
}

sp_status cli_parse(const cli_command *cmd, int argc, char **argv, cli_value *values,
                    const char **positional, size_t *positional_count, bool *help, sp_error *err)
{
    *positional_count = 0;
    *help = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            *help = true;
            return SP_OK;
        }
        if (!strncmp(a, "--", 2) && a[2]) {
            sp_status status = parse_option(cmd, argc, argv, &i, values, err);
            if (status != SP_OK)
                return status;
            continue;
        }
        if (*positional_count == cmd->max_positional) {
            sp_error_clear(err);
            err->status = SP_ERR_INPUT;
            snprintf(err->message, sizeof err->message, "unexpected argument '%.60s' (usage: %s)",
                     a, cmd->usage);
            return SP_ERR_INPUT;
        }
        positional[(*positional_count)++] = a;
    }
    return SP_OK;
}

void cli_print_help(const cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n%s\n\noptions:\n", cmd->usage, cmd->summary);
    for (size_t i = 0; i < cmd->count; i++) {
        const cli_opt *o = &cmd->opts[i];
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-28s %s\n", left, o->help);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

const char *cli_data_dir(const char *flag_value)
{
    if (flag_value)
        return flag_value;
    const char *env = getenv("STACKPLAN_DATA_DIR");
    return env && *env ? env : SP_DATA_DIR;
}

const char *cli_data_file(const cli_command *cmd, const cli_value *values, const char *flag, const char *data_dir,
                          const char *name, cli_path *out)
{
    if (flag && cli_flag(cmd, values, flag)->set)
        return cli_flag(cmd, values, flag)->text;
    snprintf(out->text, sizeof out->text, "%s/%s", data_dir, name);
    return out->text;
}

int cli_fail(const sp_error *err)
{
    char line[SP_ERR_FILE_MAX + SP_ERR_FIELD_MAX + SP_ERR_MESSAGE_MAX + 64];
    sp_error_format(err, line, sizeof line);
    /* A file's error starts with its place, as compilers print them; a flag's
     * error names the flag as the user typed it. */
    if (err->file[0])
        fprintf(stderr, "%s\n", line);
    else if (err->field[0] && err->field[0] != '-')
        fprintf(stderr, "stackplan: --%s\n", line);
    else
        fprintf(stderr, "stackplan: %s\n", line);
    return sp_status_is_input(err->status) ? CLI_EXIT_INPUT : CLI_EXIT_INTERNAL;
}

int cli_emit(char *text)
{
    int status = CLI_EXIT_OK;
    if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
        fprintf(stderr, "stackplan: cannot write the output\n");
        status = CLI_EXIT_INTERNAL;
    }
    free(text);
    return status;
}

/* Points an error from a catalog lookup at the profile's key (errors inside a
 * catalog file keep their own place). */
static int fail_at(sp_error *err, const char *path, unsigned line, unsigned col)
{
    if (!err->file[0]) {
        snprintf(err->file, sizeof err->file, "%s", path);
        err->line = line;
        err->col = col;
    }
    return cli_fail(err);
}

static int missing_name(const char *path, unsigned line, unsigned col, const char *field, const char *name,
                        const char *catalog)
{
    sp_error err;
    sp_error_clear(&err);
    err.status = SP_ERR_INPUT;
    snprintf(err.field, sizeof err.field, "%s", field);
    snprintf(err.message, sizeof err.message, "'%s' is not in the %s catalog (see `stackplan catalog %s`)", name,
             catalog, catalog);
    return fail_at(&err, path, line, col);
}

/* The stage model and the instance catalog, when a profile names an instance. */
static int resolve_data(const char *path, const char *data_dir, const sp_profile_list *profiles,
                        sp_stage_model *stages, sp_instance_catalog *instances)
{
    sp_error err;
    sp_error_clear(&err);
    cli_path file;
    for (size_t i = 0; i < profiles->count; i++) {
        const sp_profile *p = &profiles->items[i];
        if (!p->instance[0])
            continue;
        if (!instances->items) {
            if (sp_stages_load(cli_data_file(NULL, NULL, NULL, data_dir, "stages.yaml", &file), stages, &err) != SP_OK)
                return cli_fail(&err);
            if (sp_instances_load(cli_data_file(NULL, NULL, NULL, data_dir, "instances.yaml", &file), instances,
                                  &err) != SP_OK)
                return cli_fail(&err);
        }
        if (!sp_instance_find(instances, p->instance))
            return missing_name(path, p->instance_line, p->instance_col, "instance", p->instance, "instances");
    }
    return CLI_EXIT_OK;
}

/* Loads the catalog entries the profiles name: one model per profile, one accelerator catalog. */
static int resolve_names(const char *path, const char *data_dir, const sp_profile_list *profiles,
                         sp_model *models, sp_accel_catalog *catalog)
{
    sp_error err;
    sp_error_clear(&err);
    for (size_t i = 0; i < profiles->count; i++) {
        const sp_profile *p = &profiles->items[i];
        if (p->model[0] && sp_model_load_catalog(data_dir, p->model, &models[i], &err) != SP_OK)
            return fail_at(&err, path, p->model_line, p->model_col);
        if (!p->gpu[0])
            continue;
        if (!catalog->items) {
            cli_path accels;
            if (sp_accels_load(cli_data_file(NULL, NULL, NULL, data_dir, "accelerators.yaml", &accels), catalog, &err) !=
                SP_OK)
                return cli_fail(&err);
        }
        if (!sp_accel_find(catalog, p->gpu))
            return missing_name(path, p->gpu_line, p->gpu_col, "gpu", p->gpu, "accelerators");
    }
    return CLI_EXIT_OK;
}

int cli_load_and_plan(const char *path, const char *data_dir, const sp_plan_options *options,
                      sp_rules *rules, sp_profile_list *profiles, sp_plan **plans)
{
    sp_error err;
    sp_error_clear(&err);
    *plans = NULL;
    if (sp_rules_load(data_dir, rules, &err) != SP_OK)
        return cli_fail(&err);
    if (sp_profiles_load(path, profiles, &err) != SP_OK)
        return cli_fail(&err);
    sp_model *models = calloc(profiles->count, sizeof *models);
    sp_accel_catalog catalog = {0};
    sp_instance_catalog instances = {0};
    static sp_stage_model stages;
    *plans = calloc(profiles->count, sizeof **plans);
    int status = models && *plans ? resolve_names(path, data_dir, profiles, models, &catalog)
                                  : CLI_EXIT_INTERNAL;
    if (status == CLI_EXIT_OK)
        status = resolve_data(path, data_dir, profiles, &stages, &instances);
    if (!models || !*plans)
        fprintf(stderr, "stackplan: out of memory\n");
    for (size_t i = 0; status == CLI_EXIT_OK && i < profiles->count; i++) {
        const sp_profile *p = &profiles->items[i];
        sp_plan_options each = *options;
        each.model = p->model[0] ? &models[i] : NULL;
        each.accel = p->gpu[0] ? sp_accel_find(&catalog, p->gpu) : NULL;
        each.stages = p->instance[0] ? &stages : NULL;
        each.instance = p->instance[0] ? sp_instance_find(&instances, p->instance) : NULL;
        if (sp_plan_profile(p, rules, &each, &(*plans)[i], &err) == SP_OK)
            continue;
        /* The estimator knows the line; the file name is the CLI's. */
        snprintf(err.file, sizeof err.file, "%s", path);
        if (err.line && !err.col)
            err.col = 1;
        status = cli_fail(&err);
    }
    free(models);
    sp_accel_catalog_free(&catalog);
    sp_instance_catalog_free(&instances);
    if (status != CLI_EXIT_OK) {
        free(*plans);
        *plans = NULL;
        sp_profile_list_free(profiles);
    }
    return status;
}
