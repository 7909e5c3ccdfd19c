/* dispatch.c - `stackplan COMMAND ...` as a function (sp_main): one file per subcommand. */
#include "api_internal.h"
#include "common_internal.h"

#include <string.h>

static int run_completion(int argc, char **argv);

static const cli_entry COMMANDS[] = {
    {"plan", cmd_plan, "plan every profile of a YAML file", cmd_plan_spec},
    {"classic", cmd_classic, "the seed's sizing helper, in its own layout", cmd_classic_spec},
    {"breakeven", cmd_breakeven, "hours at which self-managed beats managed", cmd_breakeven_spec},
    {"train", cmd_train, "search the fastest training layout: time, MFU, cost", cmd_train_spec},
    {"finetune", cmd_finetune, "full, LoRA or QLoRA fine-tune: what fits, how long, what it costs", cmd_finetune_spec},
    {"serve", cmd_serve, "size a serving fleet: latency, throughput, replicas, cost", cmd_serve_spec},
    {"data", cmd_data, "size a data job on CPU nodes: Spark, Ray Data, Dask", cmd_data_spec},
#ifndef SP_NO_LAUNCH /* the browser build writes no files */
    {"launch", cmd_launch, "write launch artifacts: Slurm, torchrun, Kubernetes, SkyPilot, Ray, serving", cmd_launch_spec},
#endif
    {"memory", cmd_memory, "memory per accelerator for training or inference", cmd_memory_spec},
    {"catalog", cmd_catalog, "list the accelerator, model, instance or workload catalog", cmd_catalog_spec},
    {"completion", run_completion, "shell completions (bash, zsh, fish), the man page or the defaults table", cmd_completion_spec},
};

/* Completions and the man page list the commands: they get the table (completion never calls
 * back into the dispatcher). */
static int run_completion(int argc, char **argv)
{
    return cmd_completion(argc, argv, COMMANDS, sizeof COMMANDS / sizeof COMMANDS[0]);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: stackplan COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "  %-10s %s\n", "version", "print the version");
    fprintf(out, "\n'stackplan COMMAND --help' shows a command's options.\n"
                 "Exit status: 0 ok, 1 internal failure, 2 bad input, 3 no plan meets the request\n"
                 "(the report says why).\n");
}

int sp_main(int argc, char **argv)
{
    cli_set_command_table(COMMANDS, sizeof COMMANDS / sizeof COMMANDS[0]);
    if (argc < 2) { /* the commands on stdout; stderr keeps its one line (docs/CLI.md) */
        usage(cli_out());
        cli_flush_out();
        fprintf(cli_err(), "stackplan: no command given (the commands are listed above)\n");
        return CLI_EXIT_INPUT;
    }
    const char *name = argv[1];
    bool help = !strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help");
    bool version = !strcmp(name, "version") || !strcmp(name, "--version");
    if ((help || version) && argc > 2) {
        fprintf(cli_err(), "stackplan: %s takes no arguments ('%s' given)\n", name, argv[2]);
        return CLI_EXIT_INPUT;
    }
    if (help || version) { /* a full disk or a closed pipe is a failure, not an answer */
        if (help)
            usage(cli_out());
        else
            fprintf(cli_out(), "stackplan %s\n", SP_VERSION);
        return cli_flush_out();
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(name, COMMANDS[i].name))
            return COMMANDS[i].run(argc - 2, argv + 2);
    const char *names[sizeof COMMANDS / sizeof COMMANDS[0] + 2];
    size_t n = 0;
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        names[n++] = COMMANDS[i].name;
    names[n++] = "version";
    names[n] = NULL;
    const char *near = sp_nearest_key(names, name);
    if (near)
        fprintf(cli_err(), "stackplan: '%s' is not a command; did you mean '%s'? (see stackplan --help)\n", name, near);
    else
        fprintf(cli_err(), "stackplan: '%s' is not a command (see stackplan --help)\n", name);
    return CLI_EXIT_INPUT;
}
