/* main.c - `stackplan COMMAND ...`: dispatch to one file per subcommand. */
#include "cli.h"

#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command COMMANDS[] = {
    {"plan", cmd_plan, "plan every profile of a YAML file"},
    {"classic", cmd_classic, "the seed's sizing helper, in its own layout"},
    {"breakeven", cmd_breakeven, "hours at which self-managed beats managed"},
    {"train", cmd_train, "search the fastest training layout: time, MFU, cost"},
    {"finetune", cmd_finetune, "full, LoRA or QLoRA fine-tune: what fits, how long, what it costs"},
    {"serve", cmd_serve, "size a serving fleet: latency, throughput, replicas, cost"},
    {"data", cmd_data, "size a data job on CPU nodes: Spark, Ray Data, Dask"},
#ifndef SP_NO_LAUNCH /* the browser build writes no files */
    {"launch", cmd_launch, "write launch artifacts: torchrun, Slurm, Ray, serving, manifest"},
#endif
    {"memory", cmd_memory, "memory per accelerator for training or inference"},
    {"catalog", cmd_catalog, "list the accelerator, model or instance catalog"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: stackplan COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "  %-10s %s\n", "version", "print the version");
    fprintf(out, "\n'stackplan COMMAND --help' shows a command's options.\n"
                 "Exit status: 0 ok, 1 internal failure, 2 bad input.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_INPUT;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(name, "version") || !strcmp(name, "--version")) {
        printf("stackplan %s\n", SP_VERSION);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(name, COMMANDS[i].name))
            return COMMANDS[i].run(argc - 2, argv + 2);
    fprintf(stderr, "stackplan: '%s' is not a command (see stackplan --help)\n", name);
    return CLI_EXIT_INPUT;
}
