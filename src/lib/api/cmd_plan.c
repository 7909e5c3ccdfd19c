/* cmd_plan.c - `stackplan plan FILE`: a recommendation for each profile. */
#include "api_internal.h"

#include <stdlib.h>

static const cli_opt OPTS[] = {
    {"format", CLI_TEXT, "text|json|md|html", "output format (default text; html: a page with charts)"},
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},
};

static const cli_command CMD = {
    "stackplan plan FILE [--format text|json|md|html] [--data-dir DIR]",
    "Plan every profile of a YAML file: axis, collective, frameworks, memory, GPUs, nodes,\n"
    "costs, break-even, budget, tier and launch line.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 1};

int cmd_plan(int argc, char **argv)
{
    cli_value values[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    const char *files[1];
    size_t nfiles = 0;
    sp_format format;
    int started = cli_start(&CMD, argc, argv, values, files, &nfiles, &format, CLI_MD | CLI_HTML);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    if (nfiles != 1) {
        fprintf(cli_err(), "stackplan: usage: %s\n", CMD.usage);
        return CLI_EXIT_INPUT;
    }
    sp_rules rules;
    sp_profile_list profiles;
    sp_plan *plans = NULL;
    sp_plan_options options = SP_PLAN_OPTIONS_INIT;
    int status = cli_load_and_plan(files[0], cli_data_dir(values[cli_index(&CMD, "data-dir")].text),
                                   &options, &rules, &profiles, &plans);
    if (status != CLI_EXIT_OK)
        return status;
    char *text = sp_render_plans(&profiles, plans, &rules, format, &err);
    bool unmet = false;
    for (size_t i = 0; i < profiles.count; i++)
        unmet = unmet || sp_plan_misses(&plans[i]) != 0;
    free(plans);
    sp_profile_list_free(&profiles);
    if (!text)
        return cli_fail(&err);
    int emitted = cli_emit(text);
    /* As train, finetune and serve do: the report is the answer, and the status says a target is missed. */
    return emitted == CLI_EXIT_OK && unmet ? CLI_EXIT_UNMET : emitted;
}

const cli_command *cmd_plan_spec(void) { return &CMD; }
