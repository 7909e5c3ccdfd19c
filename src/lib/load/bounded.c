/* bounded.c - the checks that keep loading linear in the input: its size, how deep it nests, how
 * many anchors it names, and names given twice found by sorting (docs/CLI.md, Limits). */
#include "load_internal.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

sp_status sp_input_size_check(const char *file, size_t length, sp_error *err)
{
    if (length <= SP_INPUT_BYTES_MAX)
        return SP_OK;
    return sp_fail(err, SP_ERR_INPUT, file, 0, 0, "file", "larger than %d MiB, the most an input may hold",
                   SP_INPUT_BYTES_MAX / (1024 * 1024));
}

/* +1 for a token that opens a collection, -1 for one that closes it, 0 otherwise. Block
 * collections count as their indentation opens them (a sequence at its parent's indentation
 * opens none), which still bounds the depth. */
static int nesting_step(yaml_token_type_t type)
{
    switch (type) {
    case YAML_BLOCK_SEQUENCE_START_TOKEN:
    case YAML_BLOCK_MAPPING_START_TOKEN:
    case YAML_FLOW_SEQUENCE_START_TOKEN:
    case YAML_FLOW_MAPPING_START_TOKEN:
        return 1;
    case YAML_BLOCK_END_TOKEN:
    case YAML_FLOW_SEQUENCE_END_TOKEN:
    case YAML_FLOW_MAPPING_END_TOKEN:
        return -1;
    default:
        return 0;
    }
}

/* One pass of libyaml's scanner alone, before its loader builds anything: the scanner checks
 * every open flow level at each token and the loader looks each anchor and alias up among all
 * anchors, so depth x size and anchors x (anchors + aliases) are what they cost. The pass stops
 * at the first token past a limit, having scanned at most that far at that depth. */
static sp_status scan_limits(const char *file, yaml_parser_t *parser, sp_error *err)
{
    int depth = 0;
    size_t anchors = 0;
    sp_status s = SP_OK;
    for (bool end = false; s == SP_OK && !end;) {
        yaml_token_t token;
        if (!yaml_parser_scan(parser, &token))
            break; /* malformed: the loader stops there too, and says why */
        int step = nesting_step(token.type);
        /* The stream's end, or a close with nothing open: the loader stops there. */
        end = token.type == YAML_STREAM_END_TOKEN || (step < 0 && depth == 0);
        depth += step;
        anchors += token.type == YAML_ANCHOR_TOKEN || token.type == YAML_ALIAS_TOKEN;
        unsigned line = (unsigned)token.start_mark.line + 1, col = (unsigned)token.start_mark.column + 1;
        if (depth > SP_YAML_DEPTH_MAX)
            s = sp_fail(err, SP_ERR_INPUT, file, line, col, "yaml", "nested more than %d deep, the most an input may nest",
                        SP_YAML_DEPTH_MAX);
        else if (anchors > SP_YAML_ANCHORS_MAX)
            s = sp_fail(err, SP_ERR_INPUT, file, line, col, "yaml",
                        "more than %d anchors and aliases, the most an input may name", SP_YAML_ANCHORS_MAX);
        yaml_token_delete(&token);
    }
    return s;
}

sp_status sp_yaml_limits_check(const char *file, const char *text, size_t length, sp_error *err)
{
    sp_status s = sp_input_size_check(file, length, err);
    if (s != SP_OK)
        return s;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return sp_fail(err, SP_ERR_NOMEM, file, 0, 0, "", "cannot start the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    s = scan_limits(file, &parser, err);
    yaml_parser_delete(&parser);
    return s;
}

static int compare_named(const void *a, const void *b)
{
    const sp_named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

bool sp_first_repeat(sp_named *entries, size_t count, size_t *repeat, size_t *first)
{
    if (count < 2)
        return false;
    qsort(entries, count, sizeof *entries, compare_named);
    bool found = false;
    /* Sorted by name, then place: the second of each run of equal names is that name's first
     * repeat, and the run's head its first use. The earliest such repeat is the one to report,
     * as a reader going down the file would meet it. */
    for (size_t i = 1; i < count; i++)
        if (!strcmp(entries[i].name, entries[i - 1].name) && (i < 2 || strcmp(entries[i].name, entries[i - 2].name)) &&
            (!found || entries[i].index < *repeat)) {
            *repeat = entries[i].index;
            *first = entries[i - 1].index;
            found = true;
        }
    return found;
}

sp_status sp_repeated_row(const char *file, const void *rows, size_t count, size_t stride, size_t name_offset,
                          size_t *repeat, size_t *first, sp_error *err)
{
    *repeat = count;
    *first = 0;
    if (count < 2)
        return SP_OK;
    sp_named *entries = malloc(count * sizeof *entries);
    if (!entries)
        return sp_fail(err, SP_ERR_NOMEM, file, 0, 0, "", "out of memory");
    for (size_t i = 0; i < count; i++)
        entries[i] = (sp_named){(const char *)rows + i * stride + name_offset, i};
    if (!sp_first_repeat(entries, count, repeat, first))
        *repeat = count;
    free(entries);
    return SP_OK;
}
