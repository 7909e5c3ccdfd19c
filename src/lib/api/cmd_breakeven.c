/* cmd_breakeven.c - `stackplan breakeven`: when does self-managed beat managed? */
#include "api_internal.h"

#include <math.h>

static const cli_opt OPTS[] = {
    {"gpus", CLI_NUMBER, "G", "accelerators in the cluster (required)"},
    {"usd-per-gpu-hour", CLI_NUMBER, "C", "raw price of one accelerator-hour (required unless --gpu gives the catalog's)"},
    {"gpu", CLI_TEXT, "NAME", "a catalog accelerator: its on-demand price for G of them, when --usd-per-gpu-hour is not given"},
    {"hours", CLI_NUMBER, "H", "also answer for a run of H hours: both totals and which is cheaper"},
    {"premium", CLI_NUMBER, "M", "managed price over raw, >= 1 (default: managed_premium in data/defaults.yaml)"},
    {"ops-hours", CLI_NUMBER, "T", "hours of operations work self-managing costs (default: ops_hours there)"},
    {"ops-usd-per-hour", CLI_NUMBER, "V", "value of one hour of the team's time (default: ops_usd_per_hour there)"},
    {"format", CLI_TEXT, "text|json|html", "output format (default text; html: a page with charts)"},
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},
};

static const cli_command CMD = {
    "stackplan breakeven --gpus G (--usd-per-gpu-hour C | --gpu NAME) [--hours H] [--premium M] [--ops-hours T] "
    "[--ops-usd-per-hour V] [--data-dir DIR]",
    "Solve (m - 1) g c h = v T_ops for h: below it managed costs less in total, above it\n"
    "self-managed does (seed section 2: renting GPUs and running them yourself against a managed\n"
    "service's premium; buying hardware is not priced). Prints both totals at durations around it.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 0};

/* The raw price: the one given, else the catalog's on-demand price of --gpu for G of them (the
 * instance they come in, as plan and serve price it). */
static sp_status raw_price(const cli_value *v, const char *data_dir, double gpus, double *usd, sp_error *err)
{
    if (cli_flag(&CMD, v, "usd-per-gpu-hour")->set && cli_flag(&CMD, v, "gpu")->set)
        return cli_flag_error(err, "gpu", "give --gpu for the catalog's price or --usd-per-gpu-hour, not both");
    if (cli_flag(&CMD, v, "usd-per-gpu-hour")->set) {
        *usd = cli_flag(&CMD, v, "usd-per-gpu-hour")->number;
        return SP_OK;
    }
    if (!cli_flag(&CMD, v, "gpu")->set)
        return cli_flag_error(err, "usd-per-gpu-hour", "required, or --gpu NAME for the catalog's price (usage: %s)",
                              CMD.usage);
    sp_accel_catalog catalog;
    cli_path path;
    const sp_accel *a = NULL;
    sp_status s = sp_accels_load(cli_data_file(&CMD, v, NULL, data_dir, "accelerators.yaml", &path), &catalog, err);
    if (s == SP_OK)
        s = cli_find_accel(&catalog, cli_flag(&CMD, v, "gpu")->text, &a, err);
    if (s == SP_OK && !(a->usd_per_hour > 0))
        s = cli_flag_error(err, "gpu", "%s has no public price in the catalog: give --usd-per-gpu-hour", a->name);
    if (s == SP_OK)
        *usd = sp_accel_usd_per_gpu_hour(a, gpus);
    sp_accel_catalog_free(&catalog);
    return s;
}

int cmd_breakeven(int argc, char **argv)
{
    enum { COUNT = sizeof OPTS / sizeof OPTS[0] };
    cli_value v[COUNT] = {{0}};
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, NULL, NULL, &format, CLI_HTML);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    if (!cli_flag(&CMD, v, "gpus")->set) {
        fprintf(cli_err(), "stackplan: --gpus: required (usage: %s)\n", CMD.usage);
        return CLI_EXIT_INPUT;
    }
    /* What is not given comes from the seed's defaults (data/defaults.yaml), as in `plan`. */
    const char *data_dir = cli_data_dir(cli_flag(&CMD, v, "data-dir")->text);
    sp_rules rules;
    double gpus = cli_flag(&CMD, v, "gpus")->number, usd = 0;
    if (sp_rules_load(data_dir, &rules, &err) != SP_OK || raw_price(v, data_dir, gpus, &usd, &err) != SP_OK)
        return cli_fail(&err);
    const sp_knobs *k = &rules.knobs;
    /* The premium is read to 9 decimals: reports print 12 significant digits, and a premium that
     * differed from 1 only past them would print as 1 beside a break-even of 10^15 hours. */
    double premium = round(cli_number_or(&CMD, v, "premium", k->managed_premium) * 1e9) / 1e9;
    sp_breakeven_input in = {gpus, usd, premium, cli_number_or(&CMD, v, "ops-hours", k->ops_hours),
                             cli_number_or(&CMD, v, "ops-usd-per-hour", k->ops_usd_per_hour),
                             cli_number_or(&CMD, v, "hours", 0)};
    char *text = sp_render_breakeven(&in, format, &err);
    return text ? cli_emit(text) : cli_fail(&err);
}

const cli_command *cmd_breakeven_spec(void) { return &CMD; }
