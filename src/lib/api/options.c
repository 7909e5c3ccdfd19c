/* options.c - the option tables: parsing argv by them, --help from them, look-ups into them. */
#include "api_internal.h"
#include "common_internal.h"

#include <math.h>
#include <stdarg.h>
#include <ctype.h>
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

double cli_number(const cli_command *cmd, const cli_value *values, const char *name)
{
    const cli_default *row = cli_default_of(name);
    return cli_number_or(cmd, values, name, row ? row->value : NAN);
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
    const cli_default *row = cli_default_of(opt->name);
    if (!row)
        return sp_fail(err, SP_ERR_INTERNAL, "", 0, 0, opt->name, "has no row in the bounds table");
    sp_error parse;
    sp_error_clear(&parse);
    if (sp_parse_number(text, row->flags | SP_NUM_ALLOW_SUFFIX | SP_NUM_ALLOW_UNDERSCORE, &value->number, &parse) != SP_OK)
        return cli_flag_error(err, opt->name, "%s", parse.message);
    value->number += 0.0; /* -0 reads as 0 (IEEE: -0 + 0 is +0), so it is never echoed as "-0" */
    /* "10TB" to --input-tb, "1e12B" to --tokens: the suffix multiplied a number already in the flag's unit. */
    size_t len = strlen(text), name_len = strlen(opt->name);
    bool suffixed = len > 0 && isalpha((unsigned char)text[len - 1]);
    /* A flag in bytes names its unit (--dataset-gb, --input-tb): any suffix there is a second unit,
     * and "500MB" would read as 5e8 GB. */
    bool bytes_flag = name_len > 3 && (!strcmp(opt->name + name_len - 3, "-gb") || !strcmp(opt->name + name_len - 3, "-tb"));
    if (suffixed && bytes_flag)
        return cli_flag_error(err, opt->name, "'%s': --%s is already in %s; give the bare number (%s)", text,
                              opt->name, !strcmp(opt->name + name_len - 3, "-gb") ? "GB" : "TB",
                              !strcmp(opt->name + name_len - 3, "-gb") ? "0.5 for 500 MB" : "0.5 for 500 GB");
    /* On a count, "15TB" reads like bytes: T then B is ambiguous (T alone is trillions, B alone billions). */
    if (suffixed && len >= 2 && text[len - 1] == 'B' && strchr("kKMGT", text[len - 2]))
        return cli_flag_error(err, opt->name, "'%s' reads like bytes, and --%s counts: give 15T, 15e12 or 7B (billions)",
                              text, opt->name);
    if ((value->number < row->min || value->number > row->max) && suffixed)
        return cli_flag_error(err, opt->name,
                              "%s reads as %g (its suffix multiplies: k, M, G or B, T), out of range [%g, %g]: give "
                              "the number in the flag's own unit",
                              text, value->number, row->min, row->max);
    if (value->number < row->min || value->number > row->max)
        return cli_flag_error(err, opt->name, "%s is out of range [%g, %g]", text, row->min, row->max);
    return SP_OK;
}

/* A switch: --x (on), --x=on|off, or --x on|off (the value is taken only when it is one of those
 * words, so a switch never swallows the next argument). */
static sp_status take_switch(const cli_opt *opt, const char *value, int argc, char **argv, int *i, cli_value *out,
                             sp_error *err)
{
    static const char *const ON[] = {"on", "true", "yes", "1", NULL}, *const OFF[] = {"off", "false", "no", "0", NULL};
    bool next = !value && *i + 1 < argc && (sp_key_index(ON, argv[*i + 1]) >= 0 || sp_key_index(OFF, argv[*i + 1]) >= 0);
    if (next)
        value = argv[++*i];
    if (value && sp_key_index(ON, value) < 0 && sp_key_index(OFF, value) < 0)
        return cli_flag_error(err, opt->name, "'%s' is not on or off (or use --%s / --no-%s)", value, opt->name,
                              opt->name);
    *out = (cli_value){true, 1, value && sp_key_index(OFF, value) >= 0 ? "off" : "on"};
    out->number = !strcmp(out->text, "on");
    return SP_OK;
}

bool cli_on(const cli_command *cmd, const cli_value *values, const char *name)
{
    const cli_value *v = cli_flag(cmd, values, name);
    const cli_default *row = cli_default_of(name);
    return v->set ? !strcmp(v->text, "on") : row && row->on;
}


/* "--premium: not an option of train; `stackplan breakeven` takes it": the commands whose options
 * hold the flag, named, where a bare "another command" left the user to guess. */
static const cli_entry *command_table;
static size_t command_count;

void cli_set_command_table(const cli_entry *table, size_t count)
{
    command_table = table;
    command_count = count;
}

static sp_status another_command_takes(const cli_command *cmd, const char *name, sp_error *err)
{
    size_t count = command_count;
    const cli_entry *table = command_table;
    char takers[160] = "";
    size_t used = 0, found = 0;
    for (size_t i = 0; i < count; i++) {
        const cli_command *other = table[i].spec();
        if (other == cmd)
            continue;
        for (size_t j = 0; j < other->count; j++)
            if (!strcmp(other->opts[j].name, name) && used < sizeof takers) {
                used += (size_t)snprintf(takers + used, sizeof takers - used, "%s`stackplan %s`", found ? ", " : "",
                                         table[i].name);
                found++;
                break;
            }
    }
    if (!found)
        return cli_flag_error(err, name, "not an option of this command (see --help)");
    return cli_flag_error(err, name, "not an option of this command; %s take%s it", takers, found == 1 ? "s" : "");
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
        if (opt->kind == CLI_FLAG)
            return take_switch(opt, eq ? eq + 1 : NULL, argc, argv, i, &values[k], err);
        if (eq)
            return take_value(opt, eq + 1, &values[k], err);
        if (*i + 1 >= argc)
            return cli_flag_error(err, opt->name, "needs a value");
        *i += 1;
        return take_value(opt, argv[*i], &values[k], err);
    }
    /* --no-x: switch x off (every switch has one). */
    for (size_t k = 0; len > 3 && !strncmp(word, "no-", 3) && k < cmd->count; k++) {
        const cli_opt *opt = &cmd->opts[k];
        if (opt->kind != CLI_FLAG || strlen(opt->name) != len - 3 || strncmp(opt->name, word + 3, len - 3))
            continue;
        if (eq)
            return cli_flag_error(err, opt->name, "--no-%s takes no value", opt->name);
        if (values[k].set)
            return cli_flag_error(err, opt->name, "given twice");
        values[k] = (cli_value){true, 0, "off"};
        return SP_OK;
    }
    char name[SP_ERR_FIELD_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), word);
    const char *names[CLI_OPTS_MAX + 2];
    size_t n = 0;
    for (size_t k = 0; k < cmd->count && n < CLI_OPTS_MAX; k++)
        names[n++] = cmd->opts[k].name;
    names[n++] = "help";
    names[n] = NULL;
    /* plan and launch read a profile FILE: a job's words go into it, not onto the command line. */
    static const char *const PROFILE_WORDS[] = {"model", "gpu", "gpus", "qps", "method", "tokens", "params"};
    bool reads_profile = strstr(cmd->usage, "plan FILE") || strstr(cmd->usage, "launch FILE"); /* not --hf-config FILE */
    for (size_t k = 0; reads_profile && k < sizeof PROFILE_WORDS / sizeof PROFILE_WORDS[0]; k++)
        if (!strcmp(name, PROFILE_WORDS[k]))
            return cli_flag_error(err, name,
                                  "not an option: this command reads a profile FILE; put '%s:' in it (examples/launch.yaml, "
                                  "docs/CLI.md's profile keys)",
                                  name);
    /* The same idea spelled otherwise here: memory --method sizes checkpointing as --recompute full
     * and a sharded fine-tune's GPUs as --dp, where finetune says --checkpointing and --gpus. */
    static const struct {
        const char *given, *here, *spelled;
    } SYNONYMS[] = {{"checkpointing", "recompute", "--recompute full"},
                    {"recompute", "checkpointing", "--checkpointing"},
                    {"gpus", "dp", "--dp N (the data-parallel GPUs)"},
                    {"deadline-hours", "deadline-days", "--deadline-days D (hours / 24)"},
                    {"deadline-days", "deadline-hours", "--deadline-hours H (days x 24)"}};
    for (size_t k = 0; k < sizeof SYNONYMS / sizeof SYNONYMS[0]; k++)
        if (!strcmp(name, SYNONYMS[k].given))
            for (size_t j = 0; j < cmd->count; j++)
                if (!strcmp(cmd->opts[j].name, SYNONYMS[k].here))
                    return cli_flag_error(err, name, "not an option of this command, which spells it %s (see --help)",
                                          SYNONYMS[k].spelled);
    /* A flag another command takes (the bounds table holds every command's numbers) is named as
     * such, not matched to this command's nearest spelling (--qps on train is not --gpu). */
    if (cli_default_of(name))
        return another_command_takes(cmd, name, err);
    /* --json, --md, --html, --text: a format, which --format names. */
    static const char *const FORMATS[] = {"json", "md", "html", "text"};
    for (size_t k = 0; k < sizeof FORMATS / sizeof FORMATS[0]; k++)
        if (!strcmp(name, FORMATS[k]))
            for (size_t j = 0; j < cmd->count; j++)
                if (!strcmp(cmd->opts[j].name, "format") && strstr(cmd->opts[j].arg, name))
                    return cli_flag_error(err, name, "unknown option; did you mean --format %s? (see --help)", name);
    const char *near = sp_nearest_key(names, name);
    if (near)
        return cli_flag_error(err, name, "unknown option; did you mean --%s? (see --help)", near);
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
        if (o->kind == CLI_FLAG)
            snprintf(left, sizeof left, "--[no-]%s", o->name);
        else
            snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-28s %s\n", left, o->help);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

sp_status cli_refuse_for_profile(const cli_command *cmd, const cli_value *values, const char *const *names, size_t count,
                                 const char *plan_would, sp_error *err)
{
    for (size_t i = 0; i < count; i++)
        if (cli_flag(cmd, values, names[i])->set)
            return cli_flag_error(err, names[i], "a profile has no key for it, and `plan` would %s without it: drop it "
                                                 "with --format profile",
                                  plan_would);
    return SP_OK;
}
