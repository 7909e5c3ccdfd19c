/* cmd_breakeven.c - `stackplan breakeven`: when does self-managed beat managed? */
#include "api_internal.h"

#include <math.h>

static const cli_opt OPTS[] = {
    {"gpus", CLI_NUMBER, "G", "accelerators in the cluster (required)"},
    {"usd-per-gpu-hour", CLI_NUMBER, "C", "raw price of one accelerator-hour (required unless --gpu gives the catalog's)"},
    {"gpu", CLI_TEXT, "NAME", "a catalog accelerator: its on-demand price for G of them (--usd-per-gpu-hour overrides it)"},
    {"hours", CLI_NUMBER, "H", "also answer for a run of H hours: both totals and which is cheaper"},
    {"premium", CLI_NUMBER, "M", "managed price over raw, >= 1 (default: managed_premium in data/defaults.yaml)"},
    {"ops-hours", CLI_NUMBER, "T", "hours of operations work self-managing costs (default: ops_hours there)"},
    {"ops-usd-per-hour", CLI_NUMBER, "V", "value of one hour of the team's time (default: ops_usd_per_hour there)"},
    {"format", CLI_TEXT, "text|json|html", "output format (default text; html: a page with charts)"},
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},
};

static const cli_command CMD = {
    "stackplan breakeven --gpus G (--usd-per-gpu-hour C | --gpu NAME) [--hours H] [--premium M] [--ops-hours T] "
    "[--ops-usd-per-hour V] [--data-dir DIR] [--format text|json|html]",
    "Solve (m - 1) g c h = v T_ops for h: below it managed costs less in total, above it\n"
    "self-managed does (seed section 2: renting GPUs and running them yourself against a managed\n"
    "service's premium; buying hardware is not priced). Prints both totals at durations around it.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 0};

/* The raw price: the one given, else the catalog's on-demand price of --gpu for G of them (the
 * instance they come in, as plan and serve price it). With both, the given price for that part. */
static sp_status raw_price(const cli_value *v, const char *data_dir, double gpus, sp_accel_catalog *catalog,
                           double *usd, const sp_accel **priced, sp_error *err)
{
    *priced = NULL;
    bool given = cli_flag(&CMD, v, "usd-per-gpu-hour")->set;
    if (given)
        *usd = cli_flag(&CMD, v, "usd-per-gpu-hour")->number;
    if (!cli_flag(&CMD, v, "gpu")->set)
        return given ? SP_OK
                     : cli_flag_error(err, "usd-per-gpu-hour", "required, or --gpu NAME for the catalog's price (usage: %s)",
                                      CMD.usage);
    cli_path path;
    const sp_accel *a = NULL;
    sp_status s = sp_accels_load(cli_data_file(&CMD, v, NULL, data_dir, "accelerators.yaml", &path), catalog, err);
    if (s == SP_OK)
        s = cli_find_accel(catalog, cli_flag(&CMD, v, "gpu")->text, &a, err);
    if (s == SP_OK && !given && !(a->usd_per_hour > 0))
        s = cli_flag_error(err, "gpu", "%s has no public price in the catalog: give --usd-per-gpu-hour", a->name);
    if (s == SP_OK && !given) {
        *usd = sp_accel_usd_per_gpu_hour(a, gpus);
        *priced = a;
    }
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
    sp_accel_catalog catalog = {0};
    const sp_accel *priced = NULL;
    double gpus = cli_flag(&CMD, v, "gpus")->number, usd = 0;
    if (sp_rules_load(data_dir, &rules, &err) != SP_OK ||
        raw_price(v, data_dir, gpus, &catalog, &usd, &priced, &err) != SP_OK) {
        sp_accel_catalog_free(&catalog);
        return cli_fail(&err);
    }
    const sp_knobs *k = &rules.knobs;
    /* The premium is read to 9 decimals: reports print 12 significant digits, and a premium that
     * differed from 1 only past them would print as 1 beside a break-even of 10^15 hours. */
    double premium = round(cli_number_or(&CMD, v, "premium", k->managed_premium) * 1e9) / 1e9;
    sp_breakeven_input in = {gpus, usd, premium, cli_number_or(&CMD, v, "ops-hours", k->ops_hours),
                             cli_number_or(&CMD, v, "ops-usd-per-hour", k->ops_usd_per_hour),
                             cli_number_or(&CMD, v, "hours", 0), priced};
    char *text = sp_render_breakeven(&in, format, &err);
    sp_accel_catalog_free(&catalog);
    return text ? cli_emit(text) : cli_fail(&err);
}

const cli_command *cmd_breakeven_spec(void) { return &CMD; }
