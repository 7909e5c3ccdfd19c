/* request.c - the narrow JSON ABI: a request is the command line as a JSON object (the command
 * and its flags as keys), the answer is the JSON report that `--format json` prints. Every
 * binding (Python, the browser page) goes through here, so they all answer as the CLI does. */
#include "api_internal.h"
#include "common_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARGS_MAX = 256 };

/* Keys that are positional arguments: plan's and launch's profile file, catalog's list. */
static const char *const POSITIONAL[] = {"file", "what", NULL};

typedef struct {
    char *argv[ARGS_MAX];
    int argc;
} args;

static bool push(args *a, const char *text)
{
    if (a->argc == ARGS_MAX - 1)
        return false;
    a->argv[a->argc] = strdup(text);
    return a->argv[a->argc++] != NULL;
}

static void free_args(args *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
}

static sp_status request_fail(sp_error *err, const char *field, const char *message)
{
    return sp_fail(err, SP_ERR_INPUT, "", 0, 0, field, "%s", message);
}

/* One key's value as the flag's text: numbers in full precision, lists joined by commas. */
static bool value_text(json_t *v, char *buf, size_t size)
{
    if (json_is_string(v))
        return (size_t)snprintf(buf, size, "%s", json_string_value(v)) < size;
    if (json_is_integer(v))
        return (size_t)snprintf(buf, size, "%lld", (long long)json_integer_value(v)) < size;
    if (json_is_real(v))
        return (size_t)snprintf(buf, size, "%.17g", json_real_value(v)) < size;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return false;
    size_t i, n = 0;
    json_t *item;
    buf[0] = '\0';
    json_array_foreach(v, i, item)
    {
        char one[256];
        if (json_is_array(item) || !value_text(item, one, sizeof one))
            return false;
        int w = snprintf(buf + n, size - n, "%s%s", i ? "," : "", one);
        if (w < 0 || (size_t)w >= size - n)
            return false;
        n += (size_t)w;
    }
    return true;
}

/* {"command": "memory", "model": "llama-3.1-8b", "micro_batch": 2, "flash_attention": true, ...}
 * -> memory --model llama-3.1-8b --micro-batch 2 --flash-attention ... --format json. "file" is
 * plan's and launch's positional argument; underscores in keys are the flags' dashes. */
static sp_status build_args(json_t *req, args *a, sp_error *err)
{
    if (!json_is_object(req))
        return request_fail(err, "request", "a request is a JSON object with a \"command\"");
    json_t *command = json_object_get(req, "command");
    if (!json_is_string(command))
        return request_fail(err, "command", "\"command\" is missing or not a string");
    /* Commands with no JSON report: files on disk, the seed's own layout, shell scripts. */
    static const char *const NO_REPORT[] = {"launch", "classic", "completion", "version", NULL};
    if (sp_key_index(NO_REPORT, json_string_value(command)) >= 0)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "command",
                       "'%s' has no JSON report to return: run the stackplan executable for it",
                       json_string_value(command));
    push(a, "stackplan");
    push(a, json_string_value(command));
    for (const char *const *p = POSITIONAL; *p; p++) {
        json_t *word = json_object_get(req, *p);
        if (word && (!json_is_string(word) || !push(a, json_string_value(word))))
            return request_fail(err, *p, "must be a string");
    }
    const char *key;
    json_t *v;
    bool format = false;
    json_object_foreach(req, key, v)
    {
        if (!strcmp(key, "command") || sp_key_index(POSITIONAL, key) >= 0 || json_is_null(v) ||
            (json_is_false(v) && !strcmp(key, "help")))
            continue;
        /* false turns a switch off (--no-flag), as the CLI spells it; a flag that is not a switch
         * then fails as an unknown option, by its name. */
        char flag[SP_ERR_FIELD_MAX + 5], value[4096];
        const char *prefix = json_is_false(v) ? "--no-" : "--";
        if (snprintf(flag, sizeof flag, "%s%s", prefix, key) >= (int)sizeof flag)
            return request_fail(err, key, "no such flag");
        for (char *c = flag + strlen(prefix); *c; c++)
            *c = *c == '_' ? '-' : *c;
        /* true and false are a switch's on and off; any other flag needs its value (a bare --gpus
         * would take the next flag for it). Every switch has a row in option_defaults.c. */
        const cli_default *row = cli_default_of(flag + strlen(prefix));
        if (json_is_boolean(v) && strcmp(key, "help") && (!row || row->kind != CLI_FLAG))
            return request_fail(err, key, "is not a switch: give it a value, not true or false");
        format = format || !strcmp(key, "format");
        if (!push(a, flag))
            return request_fail(err, key, "too many fields");
        if (json_is_boolean(v))
            continue;
        if (!value_text(v, value, sizeof value) || !push(a, value))
            return request_fail(err, key, "the value must be a string, a number or a list of them");
    }
    if (!format && (!push(a, "--format") || !push(a, "json")))
        return request_fail(err, "request", "too many fields");
    return SP_OK;
}

/* The error the command reported, or its stderr's last line when it had no structured one. */
static void command_error(int status, const char *stderr_text, sp_error *err)
{
    const sp_error *last = cli_last_error();
    if (last->status != SP_OK) {
        if (err) {
            *err = *last;
            err->message[strcspn(err->message, "\n")] = '\0'; /* one line, as the CLI prints it */
        }
        return;
    }
    const char *line = stderr_text && stderr_text[0] ? stderr_text : "the command failed";
    if (!strncmp(line, "stackplan: ", 11))
        line += 11;
    sp_fail(err, status == CLI_EXIT_INPUT ? SP_ERR_INPUT : SP_ERR_INTERNAL, "", 0, 0, "", "%.*s",
            (int)strcspn(line, "\n"), line);
}

char *sp_request(const char *request_json, sp_error *err)
{
    sp_error_clear(err);
    json_error_t jerr;
    json_t *req = json_loads(request_json ? request_json : "", 0, &jerr);
    if (!req) {
        sp_fail(err, SP_ERR_INPUT, "request", (unsigned)jerr.line, (unsigned)jerr.column, "request", "%s", jerr.text);
        return NULL;
    }
    args a = {{NULL}, 0};
    sp_status s = build_args(req, &a, err);
    json_decref(req);
    char *out_text = NULL, *err_text = NULL;
    size_t out_size = 0, err_size = 0;
    FILE *out = s == SP_OK ? open_memstream(&out_text, &out_size) : NULL;
    FILE *errs = s == SP_OK ? open_memstream(&err_text, &err_size) : NULL;
    int status = CLI_EXIT_INTERNAL;
    if (out && errs) {
        cli_redirect(out, errs);
        status = sp_main(a.argc, a.argv);
        cli_redirect(NULL, NULL);
    } else if (s == SP_OK) {
        sp_fail(err, SP_ERR_NOMEM, "", 0, 0, "", "cannot capture the output");
    }
    if (out)
        fclose(out);
    if (errs)
        fclose(errs);
    free_args(&a);
    /* 3: understood, but no plan meets it; the report says why, so it is the answer. A 3 with no
     * report (serve's model that no replica holds) is its one line, as an error. */
    bool answered = out && (status == CLI_EXIT_OK || (status == CLI_EXIT_UNMET && out_text && out_text[0]));
    if (!answered && s == SP_OK && out && errs)
        command_error(status, err_text, err);
    free(err_text);
    if (!answered) {
        free(out_text);
        return NULL;
    }
    return out_text;
}

void sp_free(void *p) { free(p); }
