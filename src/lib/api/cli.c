/* cli.c - the start of every command, its data directory, error lines and output. */
#define _GNU_SOURCE /* dladdr: where this library (or the executable holding it) is installed */
#include "api_internal.h"
#include "common_internal.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifndef SP_DATA_DIR
#define SP_DATA_DIR "data"
#endif

static FILE *redirect_out, *redirect_err;
static sp_error last_error;

FILE *cli_out(void) { return redirect_out ? redirect_out : stdout; }
FILE *cli_err(void) { return redirect_err ? redirect_err : stderr; }

void cli_redirect(FILE *out, FILE *err)
{
    redirect_out = out;
    redirect_err = err;
    if (out) /* a new request starts with no error; restoring keeps the one it ended with */
        sp_error_clear(&last_error);
}

const sp_error *cli_last_error(void) { return &last_error; }

/* PREFIX/share/stackplan/data when this code runs from PREFIX/bin, PREFIX/lib or
 * PREFIX/lib/MULTIARCH (an install), else NULL. */
static const char *installed_data_dir(void)
{
    static char dir[PATH_MAX];
    static bool looked;
    if (looked)
        return dir[0] ? dir : NULL;
    looked = true;
    static const char anchor = 0; /* an address inside this library (or executable) */
    Dl_info info;
    char object[PATH_MAX]; /* realpath writes up to PATH_MAX bytes */
    if (!dladdr(&anchor, &info) || !info.dli_fname || !realpath(info.dli_fname, object))
        return NULL;
    char *slash = strrchr(object, '/');
    if (!slash)
        return NULL;
    *slash = '\0'; /* PREFIX/bin or PREFIX/lib */
    static const char *const up[] = {"..", "../.."}; /* PREFIX/lib or PREFIX/lib/MULTIARCH */
    for (size_t i = 0; i < sizeof up / sizeof up[0]; i++) {
        struct stat st;
        int n = snprintf(dir, sizeof dir, "%s/%s/share/stackplan/data", object, up[i]);
        if (n > 0 && (size_t)n < sizeof dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return dir;
    }
    dir[0] = '\0';
    return NULL;
}

const char *cli_data_dir(const char *flag_value)
{
    if (flag_value)
        return flag_value;
    const char *env = getenv("STACKPLAN_DATA_DIR");
    if (env && *env)
        return env;
    const char *installed = installed_data_dir();
    return installed ? installed : SP_DATA_DIR;
}

/* The longest name under the data directory: "/models/", a 48-character catalog name, ".json". */
enum { DATA_NAME_MAX = 8 + 48 + 5 };

/* The longest data directory whose files' paths fit a cli_path and the system's limit. */
static size_t data_dir_max(void)
{
    cli_path probe;
    size_t room = sizeof probe.text < PATH_MAX ? sizeof probe.text : PATH_MAX;
    return room - 1 - DATA_NAME_MAX;
}

/* What set the data directory cli_data_dir chose, for its errors. */
static const char *data_dir_source(const char *dir)
{
    if (dir == getenv("STACKPLAN_DATA_DIR"))
        return "STACKPLAN_DATA_DIR";
    if (dir == installed_data_dir() || !strcmp(dir, SP_DATA_DIR))
        return "the data directory";
    return "--data-dir";
}

/* An empty data directory would read the catalogs from the root (/defaults.yaml), and one too
 * long would cut its files' paths: both are refused where each command starts. */
static int check_data_dir(const char *dir)
{
    const char *from = data_dir_source(dir);
    sp_error err;
    sp_error_clear(&err);
    err.status = SP_ERR_INPUT;
    if (!*dir)
        snprintf(err.message, sizeof err.message, "%s: is empty (name a directory, or leave it out for the bundled data)",
                 from);
    else if (strlen(dir) > data_dir_max())
        snprintf(err.message, sizeof err.message, "%s: the path is %zu bytes long; the most its files allow is %zu",
                 from, strlen(dir), data_dir_max());
    else
        return CLI_EXIT_OK;
    return cli_fail(&err);
}

/* check_data_dir has made room for every name under the directory, so the path is whole. */
const char *cli_data_file(const cli_command *cmd, const cli_value *values, const char *flag, const char *data_dir,
                          const char *name, cli_path *out)
{
    if (flag && cli_flag(cmd, values, flag)->set)
        return cli_flag(cmd, values, flag)->text;
    int n = snprintf(out->text, sizeof out->text, "%s/%s", data_dir, name);
    if (n < 0 || (size_t)n >= sizeof out->text)
        out->text[0] = '\0'; /* unreachable after check_data_dir; an empty path fails to open, a cut one might not */
    return out->text;
}

int cli_fail(const sp_error *err)
{
    last_error = *err;
    char line[SP_ERR_FILE_MAX + SP_ERR_FIELD_MAX + SP_ERR_MESSAGE_MAX + 64];
    sp_error_format(err, line, sizeof line);
    /* A file's error starts with its place, as compilers print them; a flag's
     * error names the flag as the user typed it. */
    if (err->file[0])
        fprintf(cli_err(), "%s\n", line);
    else if (err->field[0] && err->field[0] != '-')
        fprintf(cli_err(), "stackplan: --%s\n", line);
    else
        fprintf(cli_err(), "stackplan: %s\n", line);
    if (err->status == SP_ERR_NO_PLAN) /* understood, and nothing meets it */
        return CLI_EXIT_UNMET;
    return sp_status_is_input(err->status) ? CLI_EXIT_INPUT : CLI_EXIT_INTERNAL;
}

int cli_flush_out(void)
{
    if (fflush(cli_out()) != 0 || ferror(cli_out())) {
        fprintf(cli_err(), "stackplan: cannot write the output\n");
        return CLI_EXIT_INTERNAL;
    }
    return CLI_EXIT_OK;
}

int cli_emit(char *text)
{
    int status = CLI_EXIT_OK;
    if (fputs(text, cli_out()) == EOF || fflush(cli_out()) == EOF) {
        fprintf(cli_err(), "stackplan: cannot write the output\n");
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
        /* A name the flags' resolver refused is the profile's key here, not a flag. */
        if (!strncmp(err->field, "--", 2))
            memmove(err->field, err->field + 2, strlen(err->field + 2) + 1);
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
/* A stage data/stages.yaml does not define, with the nearest that it does. */
static int unknown_stage(const char *path, const sp_profile *p, const sp_stage_model *stages, const char *name)
{
    const char *names[SP_STAGES_MAX + 1];
    for (unsigned i = 0; i < stages->count; i++)
        names[i] = stages->stages[i].name;
    names[stages->count] = NULL;
    const char *near = sp_nearest_key(names, name);
    sp_error err;
    sp_error_clear(&err);
    err.status = SP_ERR_INPUT;
    snprintf(err.field, sizeof err.field, "stages");
    int n = snprintf(err.message, sizeof err.message, "'%s' is not a stage of data/stages.yaml", name);
    if (near)
        sp_appendf(err.message, sizeof err.message, n, "; did you mean '%s'?", near);
    else /* nothing close ('dedup' for exact-dedup and fuzzy-dedup): the stages there are */
        for (unsigned i = 0; i < stages->count; i++)
            n = sp_appendf(err.message, sizeof err.message, n, "%s%s", i ? ", " : "; it has ", names[i]);
    unsigned line, col;
    if (!sp_profile_place(p, "stages", &line, &col))
        col = 1;
    return fail_at(&err, path, line, col);
}

static int resolve_data(const char *path, const char *data_dir, const sp_profile_list *profiles,
                        sp_stage_model *stages, sp_instance_catalog *instances)
{
    sp_error err;
    sp_error_clear(&err);
    cli_path file;
    bool stages_loaded = false;
    for (size_t i = 0; i < profiles->count; i++) {
        const sp_profile *p = &profiles->items[i];
        /* Stages are checked whether or not an instance sizes them: a typo is a typo. A data size
         * with no instance named is sized on the catalog's cheapest (sp_plan_options.instances). */
        bool sized_on_catalog = p->data_tb > 0 && !p->instance[0] && !p->gpu[0];
        if ((p->instance[0] || p->stage_count > 0 || sized_on_catalog) && !stages_loaded) {
            if (sp_stages_load(cli_data_file(NULL, NULL, NULL, data_dir, "stages.yaml", &file), stages, &err) != SP_OK)
                return cli_fail(&err);
            stages_loaded = true;
        }
        for (unsigned k = 0; k < p->stage_count; k++)
            if (sp_stage_find(stages, p->stage_names[k]) < 0)
                return unknown_stage(path, p, stages, p->stage_names[k]);
        if (!p->instance[0] && !sized_on_catalog)
            continue;
        if (!instances->items &&
            sp_instances_load(cli_data_file(NULL, NULL, NULL, data_dir, "instances.yaml", &file), instances, &err) !=
                SP_OK)
            return cli_fail(&err);
        if (p->instance[0] && !sp_instance_find(instances, p->instance))
            return missing_name(path, p->instance_line, p->instance_col, "instance", p->instance, "instances");
    }
    return CLI_EXIT_OK;
}

/* Loads the catalog entries the profiles name: one model per profile, one accelerator catalog.
 * Names resolve as the --model and --gpu flags resolve them, and the profile keeps the catalog's
 * spelling, which plans and launch files then name. */
static int resolve_names(const char *path, const char *data_dir, sp_profile_list *profiles, sp_model *models,
                         sp_accel_catalog *catalog)
{
    sp_error err;
    sp_error_clear(&err);
    for (size_t i = 0; i < profiles->count; i++) {
        sp_profile *p = &profiles->items[i];
        if (p->model[0]) {
            if (cli_load_named_model(data_dir, p->model, &models[i], &err) != SP_OK)
                return fail_at(&err, path, p->model_line, p->model_col);
            sp_copy(p->model, sizeof p->model, models[i].name);
        }
        if (!p->gpu[0])
            continue;
        if (!catalog->items) {
            cli_path accels;
            if (sp_accels_load(cli_data_file(NULL, NULL, NULL, data_dir, "accelerators.yaml", &accels), catalog, &err) !=
                SP_OK)
                return cli_fail(&err);
        }
        const sp_accel *accel = NULL;
        if (cli_find_accel(catalog, p->gpu, &accel, &err) != SP_OK)
            return fail_at(&err, path, p->gpu_line, p->gpu_col);
        sp_copy(p->gpu, sizeof p->gpu, accel->name);
    }
    return CLI_EXIT_OK;
}

int cli_load_and_plan(const char *path, const char *data_dir, const sp_plan_options *options,
                      sp_rules *rules, sp_profile_list *profiles, sp_plan **plans)
{
    sp_error err;
    sp_error_clear(&err);
    *plans = NULL;
    int checked = check_data_dir(data_dir);
    if (checked != CLI_EXIT_OK)
        return checked;
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
        fprintf(cli_err(), "stackplan: out of memory\n");
    for (size_t i = 0; status == CLI_EXIT_OK && i < profiles->count; i++) {
        const sp_profile *p = &profiles->items[i];
        sp_plan_options each = *options;
        each.model = p->model[0] ? &models[i] : NULL;
        each.accel = p->gpu[0] ? sp_accel_find(&catalog, p->gpu) : NULL;
        each.stages = p->instance[0] || (p->data_tb > 0 && !p->gpu[0]) ? &stages : NULL;
        each.instance = p->instance[0] ? sp_instance_find(&instances, p->instance) : NULL;
        each.instances = instances.items ? &instances : NULL;
        sp_status planned = sp_plan_profile(p, rules, &each, &(*plans)[i], &err);
        if (planned == SP_OK)
            continue;
        /* The estimator knows the line; the file name is the CLI's. */
        snprintf(err.file, sizeof err.file, "%s", path);
        if (err.line && !err.col)
            err.col = 1;
        /* A profile nothing meets is that profile's answer; the file's other profiles still are planned. */
        if (planned == SP_ERR_NO_PLAN) {
            (*plans)[i].why_no_plan = err;
            continue;
        }
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

int cli_start(const cli_command *cmd, int argc, char **argv, cli_value *values, const char **positional,
              size_t *positional_count, sp_format *format, unsigned formats)
{
    sp_error err;
    sp_error_clear(&err);
    bool help = false;
    size_t none = 0;
    if (cli_parse(cmd, argc, argv, values, positional, positional_count ? positional_count : &none, &help, &err) !=
        SP_OK)
        return cli_fail(&err);
    if (help) {
        cli_print_help(cmd, cli_out());
        return cli_flush_out();
    }
    size_t d = cli_index(cmd, "data-dir");
    int checked = d < cmd->count ? check_data_dir(cli_data_dir(values[d].text)) : CLI_EXIT_OK;
    if (checked != CLI_EXIT_OK)
        return checked;
    *format = SP_FORMAT_TEXT;
    size_t f = cli_index(cmd, "format");
    if (f < cmd->count && values[f].set &&
        (!sp_format_parse(values[f].text, format) || (*format == SP_FORMAT_MD && !(formats & CLI_MD)) ||
         (*format == SP_FORMAT_HTML && !(formats & CLI_HTML)) ||
         (*format == SP_FORMAT_PROFILE && !(formats & CLI_PROFILE)))) {
        cli_flag_error(&err, "format", "'%s' is not %s", values[f].text,
                       (formats & CLI_PROFILE) ? "text, json, html or profile"
                       : (formats & CLI_MD)    ? "text, json, md or html"
                       : (formats & CLI_HTML)  ? "text, json or html"
                                               : "text or json");
        return cli_fail(&err);
    }
    return -1;
}
