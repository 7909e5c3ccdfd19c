/* cmd_completion.c - `stackplan completion bash|zsh|fish|man`: shell completions and the man page,
 * generated from the option tables that drive parsing and --help (so they cannot drift), with
 * the catalog's model and accelerator names. */
#include "api_internal.h"
#include "common_internal.h"

#include <stdlib.h>
#include <string.h>

static const cli_opt OPTS[] = {
    {"data-dir", CLI_TEXT, "DIR", "catalogs whose model and GPU names to complete (default: the bundled data/)"},
};

static const cli_command CMD = {"stackplan completion bash|zsh|fish|man|defaults [--data-dir DIR]",
                                "Print a shell completion script (source it, or put it where your shell looks)\n"
                                "or the man page (roff), both generated from the commands' option tables; `defaults`: the\n"
                                "table of every number's and switch's range, default and why (Markdown).",
                                OPTS, sizeof OPTS / sizeof OPTS[0], 1};

typedef struct {
    char **models;
    size_t model_count;
    sp_accel_catalog accels;
} catalog_names;

static void load_names(const char *data_dir, catalog_names *n)
{
    sp_error err;
    memset(n, 0, sizeof *n);
    cli_path path;
    if (sp_model_catalog_names(data_dir, &n->models, &n->model_count, &err) != SP_OK)
        n->model_count = 0;
    if (sp_accels_load(cli_data_file(NULL, NULL, NULL, data_dir, "accelerators.yaml", &path), &n->accels, &err) !=
        SP_OK)
        memset(&n->accels, 0, sizeof n->accels);
}

static void free_names(catalog_names *n)
{
    sp_names_free(n->models, n->model_count);
    sp_accel_catalog_free(&n->accels);
}

static void word_list(FILE *out, const catalog_names *n, bool models)
{
    size_t count = models ? n->model_count : n->accels.count;
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%s%s", i ? " " : "", models ? n->models[i] : n->accels.items[i].name);
}

static void bash_script(FILE *out, const catalog_names *n, const cli_entry *cmds, size_t count)
{
    fprintf(out, "# bash completion for stackplan %s (stackplan completion bash)\n_stackplan() {\n"
                 "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts=\n"
                 "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        COMPREPLY=($(compgen -W \"",
            SP_VERSION);
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%s ", cmds[i].name);
    fprintf(out, "version\" -- \"$cur\"))\n        return\n    fi\n    case \"$prev\" in\n"
                 "    --model) COMPREPLY=($(compgen -W \"");
    word_list(out, n, true);
    fprintf(out, "\" -- \"$cur\")); return ;;\n    --gpu) COMPREPLY=($(compgen -W \"");
    word_list(out, n, false);
    fprintf(out, "\" -- \"$cur\")); return ;;\n    --format) COMPREPLY=($(compgen -W \"text json md html\" -- \"$cur\"));"
                 " return ;;\n    esac\n    case \"${COMP_WORDS[1]}\" in\n");
    for (size_t i = 0; i < count; i++) {
        const cli_command *c = cmds[i].spec();
        fprintf(out, "    %s) opts=\"", cmds[i].name);
        for (size_t k = 0; k < c->count; k++)
            fprintf(out, "--%s ", c->opts[k].name);
        fprintf(out, "--help\" ;;\n");
    }
    fprintf(out, "    esac\n    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n}\n"
                 "complete -o default -F _stackplan stackplan\n");
}

static void fish_script(FILE *out, const catalog_names *n, const cli_entry *cmds, size_t count)
{
    fprintf(out, "# fish completion for stackplan %s (stackplan completion fish)\ncomplete -c stackplan -f\n",
            SP_VERSION);
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "complete -c stackplan -n __fish_use_subcommand -a %s -d '", cmds[i].name);
        for (const char *c = cmds[i].summary; *c; c++)
            fprintf(out, *c == '\'' ? "\\'" : "%c", *c);
        fprintf(out, "'\n");
        const cli_command *c = cmds[i].spec();
        for (size_t k = 0; k < c->count; k++) {
            const cli_opt *o = &c->opts[k];
            fprintf(out, "complete -c stackplan -n '__fish_seen_subcommand_from %s' -l %s%s", cmds[i].name, o->name,
                    o->kind == CLI_FLAG ? "" : " -r");
            if (!strcmp(o->name, "model") || !strcmp(o->name, "gpu")) {
                fprintf(out, " -a '");
                word_list(out, n, !strcmp(o->name, "model"));
                fprintf(out, "'");
            }
            fprintf(out, " -d '");
            for (const char *h = o->help; *h && *h != '\n'; h++)
                fprintf(out, *h == '\'' ? "\\'" : "%c", *h);
            fprintf(out, "'\n");
        }
    }
}

/* roff text: backslashes and leading dots or quotes escaped, dashes as \- (mandoc -Tlint). */
static void roff(FILE *out, const char *text)
{
    for (const char *c = text; *c; c++) {
        if (*c == '\\')
            fputs("\\e", out);
        else if (*c == '-')
            fputs("\\-", out);
        else if ((*c == '.' || *c == '\'') && (c == text || c[-1] == '\n'))
            fprintf(out, "\\&%c", *c);
        else if (*c == '.' && c[1] == ' ') /* "et al. 2023" does not end a sentence */
            fputs(".\\&", out);
        else
            fputc(*c, out);
    }
}

/* The default of a row in words: its text, or its one value. */
static const char *fallback_text(const cli_default *row, char *buf, size_t size)
{
    if (row->fallback)
        return row->fallback;
    snprintf(buf, size, "%g", row->value);
    return buf;
}

/* The range of a row in words: "[1, 1024], whole", "on or off". */
static void range_text(const cli_default *row, char *buf, size_t size)
{
    if (row->kind == CLI_FLAG)
        snprintf(buf, size, "on or off");
    else
        snprintf(buf, size, "[%g, %g]%s", row->min, row->max, (row->flags & SP_NUM_INTEGER) ? ", whole" : "");
}

/* docs/CLI.md's table, between its markers (tests/cli/run_completion.sh compares them). */
static void defaults_markdown(FILE *out)
{
    const cli_default *rows = NULL;
    size_t n = cli_defaults(&rows);
    fprintf(out, "| flag | range | default | why |\n|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        char range[64];
        range_text(&rows[i], range, sizeof range);
        char value[32];
        fprintf(out, "| `--%s` | %s | %s | %s |\n", rows[i].name, range, fallback_text(&rows[i], value, sizeof value),
                rows[i].why);
    }
}

static void defaults_roff(FILE *out)
{
    const cli_default *rows = NULL;
    size_t n = cli_defaults(&rows);
    fprintf(out, ".Sh DEFAULTS\nEvery number and switch, with its range, its default and why; one row a flag,\n"
                 "whichever command takes it.\n.Bl -tag -width Ds\n");
    for (size_t i = 0; i < n; i++) {
        char range[64];
        range_text(&rows[i], range, sizeof range);
        fprintf(out, ".It Fl \\-");
        roff(out, rows[i].name);
        fprintf(out, "\n");
        roff(out, range);
        fprintf(out, "; default ");
        char value[32];
        roff(out, fallback_text(&rows[i], value, sizeof value));
        fprintf(out, ".\n");
        roff(out, rows[i].why);
        fprintf(out, ".\n");
    }
    fprintf(out, ".El\n");
}

static void man_page(FILE *out, const cli_entry *cmds, size_t count)
{
    fprintf(out, ".Dd November 30, 2026\n.Dt STACKPLAN 1\n.Os stackplan %s\n.Sh NAME\n.Nm stackplan\n"
                 ".Nd size a distributed AI job: memory, GPUs, time, cost and launch files\n"
                 ".Sh SYNOPSIS\n.Nm\n.Ar command\n.Op Ar options\n.Sh DESCRIPTION\n"
                 "Turns a job (pre-training, fine-tuning, serving or data) into a concrete stack: the axis to\n"
                 "distribute, the framework, memory per accelerator, GPUs and nodes, the infrastructure tier,\n"
                 "self-managed and managed cost with their break-even, and launch files.\n"
                 "This page is generated from the option tables by\n.Ql stackplan completion man .\n"
                 ".Sh COMMANDS\n",
            SP_VERSION);
    for (size_t i = 0; i < count; i++) {
        const cli_command *c = cmds[i].spec();
        fprintf(out, ".Ss %s\n", cmds[i].name);
        roff(out, cmds[i].summary);
        fprintf(out, ".\n.Pp\n.Dl ");
        roff(out, c->usage);
        fprintf(out, "\n.Bl -tag -width Ds\n");
        for (size_t k = 0; k < c->count; k++) {
            const cli_opt *o = &c->opts[k];
            fprintf(out, ".It Fl \\-%s", o->name);
            if (o->kind == CLI_FLAG) /* every switch also has its --no- form */
                fprintf(out, " , Fl \\-no\\-%s", o->name);
            if (o->arg) {
                fprintf(out, " Ar ");
                roff(out, o->arg);
            }
            fprintf(out, "\n");
            roff(out, o->help);
            fprintf(out, "\n");
        }
        fprintf(out, ".El\n");
    }
    defaults_roff(out);
    fprintf(out, ".Sh ENVIRONMENT\n.Bl -tag -width Ds\n.It Ev STACKPLAN_DATA_DIR\n"
                 "The catalogs and rules, when\n.Fl \\-data\\-dir\nis not given.\n.El\n"
                 ".Sh EXIT STATUS\n.Bl -tag -width Ds -compact\n.It 0\nthe answer\n.It 1\nan internal failure\n"
                 ".It 2\nbad input: one line names the file, line, column and field\n"
                 ".It 3\nthe request was understood but no plan meets it; the report says why\n.El\n"
                 ".Sh SEE ALSO\ndocs/CLI.md, docs/MODEL.md and docs/LAUNCH.md in the source tree.\n");
}

/* Every number and switch of every command has a row, every row is some command's, and the rows
 * are sorted: a table that drifted from the commands is a bug, reported on stderr (exit 1). */
static bool defaults_complete(const cli_entry *cmds, size_t count)
{
    const cli_default *rows = NULL;
    size_t n = cli_defaults(&rows);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        bool used = false;
        for (size_t c = 0; c < count; c++) {
            const cli_command *spec = cmds[c].spec();
            for (size_t k = 0; k < spec->count; k++)
                used |= !strcmp(spec->opts[k].name, rows[i].name) && spec->opts[k].kind == rows[i].kind;
        }
        if (!used || (i > 0 && strcmp(rows[i - 1].name, rows[i].name) >= 0)) {
            fprintf(cli_err(), "stackplan: --%s: its bounds row is %s\n", rows[i].name, used ? "out of order" : "unused");
            ok = false;
        }
    }
    for (size_t c = 0; c < count; c++) {
        const cli_command *spec = cmds[c].spec();
        for (size_t k = 0; k < spec->count; k++) {
            const cli_opt *o = &spec->opts[k];
            const cli_default *row = cli_default_of(o->name);
            if (o->kind != CLI_TEXT && (!row || row->kind != o->kind)) {
                fprintf(cli_err(), "stackplan: %s --%s: no bounds row of its kind\n", cmds[c].name, o->name);
                ok = false;
            }
        }
    }
    return ok;
}

int cmd_completion(int argc, char **argv, const cli_entry *commands, size_t count)
{
    cli_value v[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    const char *what[1];
    size_t n = 0;
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, what, &n, &format, 0);
    if (started >= 0)
        return started;
    static const char *const KINDS[] = {"bash", "zsh", "fish", "man", "defaults", NULL};
    if (n != 1 || sp_key_index(KINDS, what[0]) < 0) {
        fprintf(cli_err(), "stackplan: usage: %s\n", CMD.usage);
        return CLI_EXIT_INPUT;
    }
    if (!defaults_complete(commands, count))
        return CLI_EXIT_INTERNAL;
    if (!strcmp(what[0], "defaults")) {
        defaults_markdown(cli_out());
        return cli_flush_out();
    }
    if (!strcmp(what[0], "man")) {
        man_page(cli_out(), commands, count);
        return cli_flush_out();
    }
    catalog_names names;
    load_names(cli_data_dir(cli_flag(&CMD, v, "data-dir")->text), &names);
    if (!strcmp(what[0], "fish"))
        fish_script(cli_out(), &names, commands, count);
    else {
        if (!strcmp(what[0], "zsh")) /* zsh runs the bash function through its bash emulation */
            fprintf(cli_out(), "#compdef stackplan\nautoload -U +X compinit && compinit -u\n"
                               "autoload -U +X bashcompinit && bashcompinit\n");
        bash_script(cli_out(), &names, commands, count);
    }
    free_names(&names);
    return cli_flush_out();
}

const cli_command *cmd_completion_spec(void) { return &CMD; }
