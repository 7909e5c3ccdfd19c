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

/* A profile's budget, deadline (train_hours for a timed run or a fine-tune) or latency targets that
 * its plan misses. */
static bool plan_misses(const sp_plan *plan)
{
    const unsigned missed = SP_NOTE_OVER_BUDGET | SP_NOTE_RUN_TOO_SLOW | SP_NOTE_SERVE_TARGETS_UNMET;
    return !plan->within_budget || (plan->notes & missed) || (plan->fine_tuned && !plan->fine_tune.meets);
}

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
        unmet = unmet || plan_misses(&plans[i]);
    free(plans);
    sp_profile_list_free(&profiles);
    if (!text)
        return cli_fail(&err);
    int emitted = cli_emit(text);
    /* As train, finetune and serve do: the report is the answer, and the status says a target is missed. */
    return emitted == CLI_EXIT_OK && unmet ? CLI_EXIT_UNMET : emitted;
}

const cli_command *cmd_plan_spec(void) { return &CMD; }
