/* cmd_breakeven.c - `stackplan breakeven`: when does self-managed beat managed? */
#include "api_internal.h"

#include <math.h>

static const cli_opt OPTS[] = {
    {"gpus", CLI_NUMBER, "G", "accelerators in the cluster (required)"},
    {"usd-per-gpu-hour", CLI_NUMBER, "C", "raw price of one accelerator-hour (required)"},
    {"premium", CLI_NUMBER, "M", "managed price over raw, >= 1 (default: managed_premium in data/defaults.yaml)"},
    {"ops-hours", CLI_NUMBER, "T", "hours of operations work self-managing costs (default: ops_hours there)"},
    {"ops-usd-per-hour", CLI_NUMBER, "V", "value of one hour of the team's time (default: ops_usd_per_hour there)"},
    {"format", CLI_TEXT, "text|json|html", "output format (default text; html: a page with charts)"},
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},
};

static const cli_command CMD = {
    "stackplan breakeven --gpus G --usd-per-gpu-hour C [--premium M] [--ops-hours T] [--ops-usd-per-hour V] "
    "[--data-dir DIR]",
    "Solve (m - 1) g c h = v T_ops for h: below it managed costs less in total, above it\n"
    "self-managed does (seed section 2: renting GPUs and running them yourself against a managed\n"
    "service's premium; buying hardware is not priced). Prints both totals at durations around it.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 0};

int cmd_breakeven(int argc, char **argv)
{
    enum { COUNT = sizeof OPTS / sizeof OPTS[0], REQUIRED = 2 };
    cli_value v[COUNT] = {{0}};
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, NULL, NULL, &format, CLI_HTML);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    for (size_t i = 0; i < REQUIRED; i++)
        if (!v[i].set) {
            fprintf(cli_err(), "stackplan: --%s: required (usage: %s)\n", OPTS[i].name, CMD.usage);
            return CLI_EXIT_INPUT;
        }
    /* What is not given comes from the seed's defaults (data/defaults.yaml), as in `plan`. */
    sp_rules rules;
    if (sp_rules_load(cli_data_dir(v[cli_index(&CMD, "data-dir")].text), &rules, &err) != SP_OK)
        return cli_fail(&err);
    const sp_knobs *k = &rules.knobs;
    /* The premium is read to 9 decimals: reports print 12 significant digits, and a premium that
     * differed from 1 only past them would print as 1 beside a break-even of 10^15 hours. */
    double premium = round((v[2].set ? v[2].number : k->managed_premium) * 1e9) / 1e9;
    sp_breakeven_input in = {v[0].number, v[1].number, premium, v[3].set ? v[3].number : k->ops_hours,
                             v[4].set ? v[4].number : k->ops_usd_per_hour};
    char *text = sp_render_breakeven(&in, format, &err);
    return text ? cli_emit(text) : cli_fail(&err);
}

const cli_command *cmd_breakeven_spec(void) { return &CMD; }
