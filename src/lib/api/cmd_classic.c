/* cmd_classic.c - `stackplan classic`: the seed's helper, its layout and its rule. */
#include "api_internal.h"

#include <stdio.h>
#include <stdlib.h>

static const cli_opt OPTS[] = {
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},
};

static const cli_command CMD = {
    "stackplan classic [FILE] [--data-dir DIR]",
    "Print the seed's sizing helper output (Code 41.5.1) for FILE, by default the seed's own\n"
    "four profiles (DATA_DIR/seed-profiles.yaml): 16 bytes a parameter, 40 qps a replica.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 1};

int cmd_classic(int argc, char **argv)
{
    cli_value values[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    const char *files[1];
    size_t nfiles = 0;
    bool help = false;
    sp_error err;
    sp_error_clear(&err);
    if (cli_parse(&CMD, argc, argv, values, files, &nfiles, &help, &err) != SP_OK)
        return cli_fail(&err);
    if (help) {
        cli_print_help(&CMD, cli_out());
        return CLI_EXIT_OK;
    }
    const char *data_dir = cli_data_dir(values[0].text);
    cli_path seed_path;
    sp_rules rules;
    sp_profile_list profiles;
    sp_plan *plans = NULL;
    sp_plan_options options = SP_PLAN_OPTIONS_INIT;
    options.classic = true;
    int status = cli_load_and_plan(nfiles ? files[0] : cli_data_file(NULL, NULL, NULL, data_dir, "seed-profiles.yaml", &seed_path), data_dir, &options, &rules,
                                   &profiles, &plans);
    if (status != CLI_EXIT_OK)
        return status;
    char *text = sp_render_classic(&profiles, plans, &rules, &err);
    bool no_plan = false; /* a profile nothing meets is printed in place; the status says so, as plan's */
    for (size_t i = 0; i < profiles.count; i++)
        no_plan = no_plan || plans[i].no_plan;
    free(plans);
    sp_profile_list_free(&profiles);
    if (!text)
        return cli_fail(&err);
    int emitted = cli_emit(text);
    return emitted == CLI_EXIT_OK && no_plan ? CLI_EXIT_UNMET : emitted;
}

const cli_command *cmd_classic_spec(void) { return &CMD; }
