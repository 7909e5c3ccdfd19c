/* options.c - the option tables: parsing argv by them, --help from them, look-ups into them. */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

sp_status cli_flag_error(sp_error *err, const char *name, const char *fmt, ...)
{
    sp_error_clear(err);
    err->status = SP_ERR_INPUT;
    snprintf(err->field, sizeof err->field, "--%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return SP_ERR_INPUT;
}

const cli_value *cli_flag(const cli_command *cmd, const cli_value *values, const char *name)
{
    return &values[cli_index(cmd, name)];
}

double cli_number_or(const cli_command *cmd, const cli_value *values, const char *name, double fallback)
{
    const cli_value *v = cli_flag(cmd, values, name);
    return v->set ? v->number : fallback;
}

size_t cli_index(const cli_command *cmd, const char *name)
{
    for (size_t i = 0; i < cmd->count; i++)
        if (!strcmp(cmd->opts[i].name, name))
            return i;
    return cmd->count;
}

static sp_status take_value(const cli_opt *opt, const char *text, cli_value *value, sp_error *err)
{
    value->set = true;
    value->text = text;
    if (opt->kind != CLI_NUMBER)
        return SP_OK;
    sp_error parse;
    sp_error_clear(&parse);
    if (sp_parse_number(text, opt->flags | SP_NUM_ALLOW_SUFFIX, &value->number, &parse) != SP_OK)
        return cli_flag_error(err, opt->name, "%s", parse.message);
    if (value->number < opt->min || value->number > opt->max)
        return cli_flag_error(err, opt->name, "%s is out of range [%g, %g]", text, opt->min, opt->max);
    return SP_OK;
}

static sp_status parse_option(const cli_command *cmd, int argc, char **argv, int *i,
                              cli_value *values, sp_error *err)
{
    const char *word = argv[*i] + 2;
    const char *eq = strchr(word, '=');
    size_t len = eq ? (size_t)(eq - word) : strlen(word);
    for (size_t k = 0; k < cmd->count; k++) {
        const cli_opt *opt = &cmd->opts[k];
        if (strlen(opt->name) != len || strncmp(opt->name, word, len))
            continue;
        if (values[k].set)
            return cli_flag_error(err, opt->name, "given twice");
        if (opt->kind == CLI_FLAG) {
            if (eq)
                return cli_flag_error(err, opt->name, "takes no value");
            values[k].set = true;
            return SP_OK;
        }
        if (eq)
            return take_value(opt, eq + 1, &values[k], err);
        if (*i + 1 >= argc)
            return cli_flag_error(err, opt->name, "needs a value");
        *i += 1;
        return take_value(opt, argv[*i], &values[k], err);
    }
    char name[SP_ERR_FIELD_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), word);
    return cli_flag_error(err, name, "unknown option (see --help)");
}

sp_status cli_parse(const cli_command *cmd, int argc, char **argv, cli_value *values,
                    const char **positional, size_t *positional_count, bool *help, sp_error *err)
{
    *positional_count = 0;
    *help = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            *help = true;
            return SP_OK;
        }
        if (!strncmp(a, "--", 2) && a[2]) {
            sp_status status = parse_option(cmd, argc, argv, &i, values, err);
            if (status != SP_OK)
                return status;
            continue;
        }
        if (*positional_count == cmd->max_positional) {
            sp_error_clear(err);
            err->status = SP_ERR_INPUT;
            snprintf(err->message, sizeof err->message, "unexpected argument '%.60s' (usage: %s)",
                     a, cmd->usage);
            return SP_ERR_INPUT;
        }
        positional[(*positional_count)++] = a;
    }
    return SP_OK;
}

void cli_print_help(const cli_command *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n%s\n\noptions:\n", cmd->usage, cmd->summary);
    for (size_t i = 0; i < cmd->count; i++) {
        const cli_opt *o = &cmd->opts[i];
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-28s %s\n", left, o->help);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}
