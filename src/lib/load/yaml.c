/* yaml.c - libyaml documents with positions, for every loader. */
#include "load_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" : S_ISSOCK(mode) ? "a socket" : "a device";
}

/* Opened without blocking, then checked to be a regular file: a FIFO would wait forever for a
 * writer, a device may never end, a directory reads as an error. O_NONBLOCK does nothing to
 * reads of a regular file. */
static FILE *open_regular(const char *path, sp_error *err)
{
    /* An empty name has no place to print, and the error line would read as a flag's. */
    if (!path[0]) {
        sp_fail(err, SP_ERR_INPUT, "", 0, 0, "", "an empty file name names no file");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        sp_fail(err, SP_ERR_IO, path, 0, 0, "file", "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    FILE *f = NULL;
    if (fstat(fd, &st) != 0)
        sp_fail(err, SP_ERR_IO, path, 0, 0, "file", "cannot open: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        sp_fail(err, SP_ERR_INPUT, path, 0, 0, "file", "cannot read %s: not a regular file", file_kind(st.st_mode));
    else if (!(f = fdopen(fd, "rb")))
        sp_fail(err, SP_ERR_IO, path, 0, 0, "file", "cannot open: %s", strerror(errno));
    if (!f)
        close(fd);
    return f;
}

sp_status sp_read_file(const char *path, char **out, size_t *length, sp_error *err)
{
    FILE *f = open_regular(path, err);
    if (!f)
        return err ? err->status : SP_ERR_IO;
    char *data = NULL;
    size_t used = 0, capacity = 0;
    sp_status status = SP_OK;
    for (;;) {
        if (used + 4096 + 1 > capacity) {
            size_t want = capacity ? capacity * 2 : 8192;
            char *grown = realloc(data, want);
            if (!grown) {
                status = sp_fail(err, SP_ERR_NOMEM, path, 0, 0, "", "out of memory reading it");
                goto done;
            }
            data = grown;
            capacity = want;
        }
        size_t got = fread(data + used, 1, capacity - used - 1, f);
        used += got;
        if (used > SP_INPUT_BYTES_MAX) { /* stop reading: no loader takes more */
            status = sp_input_size_check(path, used, err);
            goto done;
        }
        if (got == 0)
            break;
    }
    if (ferror(f))
        status = sp_fail(err, SP_ERR_IO, path, 0, 0, "", "read error");
done:
    fclose(f);
    if (status != SP_OK) {
        free(data);
        return status;
    }
    data[used] = '\0';
    *out = data;
    *length = used;
    return SP_OK;
}

sp_status sp_yaml_parse(sp_yaml *y, const char *file, const char *text, size_t length,
                        sp_error *err)
{
    memset(y, 0, sizeof *y);
    y->file = file;
    sp_status limits = sp_yaml_limits_check(file, text, length, err);
    if (limits != SP_OK)
        return limits;
    yaml_document_t *doc = malloc(sizeof *doc);
    if (!doc)
        return sp_fail(err, SP_ERR_NOMEM, file, 0, 0, "", "out of memory for the YAML document");
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(doc);
        return sp_fail(err, SP_ERR_NOMEM, file, 0, 0, "", "cannot start the YAML parser");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    sp_status status = SP_OK;
    if (!yaml_parser_load(&parser, doc)) {
        free(doc); /* yaml_parser_load deleted what it had built */
        const yaml_mark_t *m = parser.problem_mark.line || parser.problem_mark.column
                                   ? &parser.problem_mark
                                   : &parser.context_mark;
        status = sp_fail(err, SP_ERR_INPUT, file, (unsigned)m->line + 1, (unsigned)m->column + 1,
                         "yaml", "%s%s%s", parser.problem ? parser.problem : "malformed YAML",
                         parser.context ? " " : "", parser.context ? parser.context : "");
        goto done;
    }
    y->doc = doc;
    if (!yaml_document_get_root_node(y->doc)) {
        status = sp_fail(err, SP_ERR_INPUT, file, 1, 1, "yaml", "the file is empty");
        goto done;
    }
    /* A second document would be ignored: refuse it (libyaml loads one per call, an empty
     * document at the end of the stream). */
    yaml_document_t next;
    if (!yaml_parser_load(&parser, &next)) {
        status = sp_fail(err, SP_ERR_INPUT, file, (unsigned)parser.problem_mark.line + 1,
                         (unsigned)parser.problem_mark.column + 1, "yaml", "%s",
                         parser.problem ? parser.problem : "malformed YAML");
        goto done;
    }
    yaml_node_t *extra = yaml_document_get_root_node(&next);
    bool empty = extra && extra->type == YAML_SCALAR_NODE && extra->data.scalar.length == 0; /* a bare "---" */
    if (extra && !empty)
        status = sp_fail(err, SP_ERR_INPUT, file, (unsigned)extra->start_mark.line + 1,
                         (unsigned)extra->start_mark.column + 1, "yaml", "a second YAML document: one per file");
    yaml_document_delete(&next);
done:
    yaml_parser_delete(&parser);
    if (status != SP_OK)
        sp_yaml_free(y);
    return status;
}

void sp_yaml_free(sp_yaml *y)
{
    if (y && y->doc) {
        yaml_document_delete(y->doc);
        free(y->doc);
        y->doc = NULL;
    }
}

yaml_node_t *sp_yaml_root(sp_yaml *y)
{
    return yaml_document_get_root_node(y->doc);
}

yaml_node_t *sp_yaml_node(sp_yaml *y, int index)
{
    return yaml_document_get_node(y->doc, index);
}

static const char *node_kind(yaml_node_type_t type)
{
    switch (type) {
    case YAML_SCALAR_NODE: return "a single value";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping of keys to values";
    default: return "nothing";
    }
}

sp_status sp_yaml_fail(const sp_yaml *y, const yaml_node_t *node, const char *field,
                       sp_error *err, const char *fmt, ...)
{
    if (!err)
        return SP_ERR_INPUT;
    char message[SP_ERR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    unsigned line = node ? (unsigned)node->start_mark.line + 1 : 1;
    unsigned col = node ? (unsigned)node->start_mark.column + 1 : 1;
    return sp_fail(err, SP_ERR_INPUT, y->file, line, col, field, "%s", message);
}

sp_status sp_yaml_expect(const sp_yaml *y, const yaml_node_t *node, int type, const char *field, sp_error *err)
{
    if (node && (int)node->type == type)
        return SP_OK;
    return sp_yaml_fail(y, node, field, err, "expected %s, found %s", node_kind((yaml_node_type_t)type),
                        node ? node_kind(node->type) : "nothing");
}

const char *sp_yaml_scalar(const yaml_node_t *node)
{
    return (const char *)node->data.scalar.value;
}

/* A plain (unquoted) scalar that YAML would read as null. */
static bool is_null_scalar(const yaml_node_t *node)
{
    const char *v = sp_yaml_scalar(node);
    return node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
            !strcmp(v, "NULL"));
}

sp_status sp_yaml_number(const sp_yaml *y, const yaml_node_t *node, const char *field,
                         double min, double max, unsigned flags, double *out, sp_error *err)
{
    sp_status status = sp_yaml_expect(y, node, YAML_SCALAR_NODE, field, err);
    if (status != SP_OK)
        return status;
    if (is_null_scalar(node))
        return sp_yaml_fail(y, node, field, err, "has no value: a number is needed");
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return sp_yaml_fail(y, node, field, err, "'%.40s' is quoted text: write the number bare",
                            sp_yaml_scalar(node));
    /* A plain scalar's node spans its text alone unless a tag or anchor comes first: `!!str 7`
     * is text by YAML's own rule, though libyaml's loader tags every scalar str alike. */
    if (node->end_mark.index - node->start_mark.index != node->data.scalar.length)
        return sp_yaml_fail(y, node, field, err, "'%.40s' carries a tag or an anchor: write the number bare",
                            sp_yaml_scalar(node));
    double value = 0.0;
    sp_error parse_err;
    sp_error_clear(&parse_err);
    if (sp_parse_number(sp_yaml_scalar(node), (flags & ~(unsigned)SP_NUM_POSITIVE) | SP_NUM_ALLOW_UNDERSCORE, &value,
                        &parse_err) != SP_OK) {
        /* params_b: 7B - the key's unit is already billions. */
        double bare = 0;
        const char *text = sp_yaml_scalar(node);
        size_t n = strlen(text);
        char digits[64];
        snprintf(digits, sizeof digits, "%.*s", (int)(n > 0 && n < sizeof digits ? n - 1 : 0), text);
        bool billions = !strcmp(field, "params_b") && n > 1 && (text[n - 1] == 'B' || text[n - 1] == 'b') &&
                        sp_parse_number(digits, 0, &bare, NULL) == SP_OK;
        if (billions)
            return sp_yaml_fail(y, node, field, err, "'%s': params_b counts billions already: write %s", text, digits);
        return sp_yaml_fail(y, node, field, err, "%s", parse_err.message);
    }
    if ((flags & SP_NUM_POSITIVE) && !(value > 0))
        return sp_yaml_fail(y, node, field, err, "%s must be greater than 0", sp_yaml_scalar(node));
    if (value < min || value > max)
        return sp_yaml_fail(y, node, field, err, "%s is out of range [%g, %g]",
                            sp_yaml_scalar(node), min, max);
    *out = value;
    return SP_OK;
}

sp_status sp_yaml_string(const sp_yaml *y, const yaml_node_t *node, const char *field,
                         char *out, size_t size, sp_error *err)
{
    sp_status status = sp_yaml_expect(y, node, YAML_SCALAR_NODE, field, err);
    if (status != SP_OK)
        return status;
    if (is_null_scalar(node))
        return sp_yaml_fail(y, node, field, err, "has no value: text is needed");
    const char *v = sp_yaml_scalar(node);
    if (!*v)
        return sp_yaml_fail(y, node, field, err, "is empty: text is needed");
    if (strlen(v) != node->data.scalar.length)
        return sp_yaml_fail(y, node, field, err, "contains a NUL character");
    if (strlen(v) >= size)
        return sp_yaml_fail(y, node, field, err, "is longer than %zu characters", size - 1);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 && *p != '\t')
            return sp_yaml_fail(y, node, field, err, "contains a control character");
    sp_copy(out, size, v);
    return SP_OK;
}

/* How many keys of a mapping, from the first, are scalars. */
static size_t leading_scalar_keys(sp_yaml *y, const yaml_node_pair_t *pairs, size_t n)
{
    size_t i = 0;
    for (const yaml_node_t *key; i < n && (key = sp_yaml_node(y, pairs[i].key)) && key->type == YAML_SCALAR_NODE;)
        i++;
    return i;
}

/* Keys are sorted, not compared pairwise, so that a mapping of many keys costs n log n. The
 * first problem going down the mapping is reported: a repeat before the first key that is not
 * a word, else that key. */
sp_status sp_yaml_no_duplicate_keys(sp_yaml *y, const yaml_node_t *map, sp_error *err)
{
    const yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
    size_t n = (size_t)(map->data.mapping.pairs.top - pairs), words = leading_scalar_keys(y, pairs, n);
    sp_named *keys = words > 1 ? malloc(words * sizeof *keys) : NULL;
    if (words > 1 && !keys)
        return sp_fail(err, SP_ERR_NOMEM, y->file, 0, 0, "", "out of memory");
    for (size_t i = 0; keys && i < words; i++)
        keys[i] = (sp_named){sp_yaml_scalar(sp_yaml_node(y, pairs[i].key)), i};
    size_t repeat = 0, first = 0;
    bool twice = keys && sp_first_repeat(keys, words, &repeat, &first);
    free(keys);
    if (twice) {
        yaml_node_t *key = sp_yaml_node(y, pairs[repeat].key);
        return sp_yaml_fail(y, key, sp_yaml_scalar(key), err, "duplicate key (first given on line %lu)",
                            (unsigned long)sp_yaml_node(y, pairs[first].key)->start_mark.line + 1);
    }
    if (words < n)
        return sp_yaml_fail(y, sp_yaml_node(y, pairs[words].key), "key", err, "keys must be plain words");
    return SP_OK;
}

yaml_node_t *sp_yaml_mapping_get(sp_yaml *y, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = sp_yaml_node(y, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp(sp_yaml_scalar(k), key))
            return sp_yaml_node(y, p->value);
    }
    return NULL;
}

static const sp_field *field_named(const sp_field *fields, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (!strcmp(fields[i].key, key))
            return &fields[i];
    return NULL;
}

/* An unknown key, with the nearest known one when a typo explains it. */
static sp_status unknown_field(sp_yaml *y, const yaml_node_t *key, const char *what, const sp_field *fields,
                               size_t count, sp_error *err)
{
    enum { KEYS_MAX = 64 };
    const char *keys[KEYS_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; i < count && n < KEYS_MAX; i++)
        keys[n++] = fields[i].key;
    keys[n] = NULL;
    const char *text = sp_yaml_scalar(key), *near = sp_nearest_key(keys, text);
    if (near)
        return sp_yaml_fail(y, key, text, err, "unknown key in %s; did you mean '%s'?", what, near);
    return sp_yaml_fail(y, key, text, err, "unknown key in %s", what);
}

sp_status sp_yaml_read_row(sp_yaml *y, const yaml_node_t *map, const char *what, const sp_field *fields,
                           size_t count, void *dst, sp_error *err)
{
    sp_status s = sp_yaml_expect(y, map, YAML_MAPPING_NODE, what, err);
    if (s == SP_OK)
        s = sp_yaml_no_duplicate_keys(y, map, err);
    for (yaml_node_pair_t *p = s == SP_OK ? map->data.mapping.pairs.start : NULL;
         s == SP_OK && p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *key = sp_yaml_node(y, p->key), *value = sp_yaml_node(y, p->value);
        const sp_field *f = field_named(fields, count, sp_yaml_scalar(key));
        if (!f)
            return unknown_field(y, key, what, fields, count, err);
        if (f->size == SP_FIELD_ELSEWHERE)
            continue;
        if (f->size == 1) {
            char scratch[1024];
            s = sp_yaml_string(y, value, f->key, scratch, sizeof scratch, err);
        } else if (f->size > 1) {
            s = sp_yaml_string(y, value, f->key, (char *)dst + f->offset, f->size, err);
        } else {
            double v = 0;
            s = sp_yaml_number(y, value, f->key, f->min, f->max, f->flags, &v, err);
            memcpy((char *)dst + f->offset, &v, sizeof v);
        }
    }
    for (size_t i = 0; s == SP_OK && i < count; i++)
        if (fields[i].required && !sp_yaml_mapping_get(y, map, fields[i].key))
            return sp_yaml_fail(y, map, fields[i].key, err, "missing in %s", what);
    return s;
}

sp_status sp_yaml_sourced_number(sp_yaml *y, const yaml_node_t *map, const char *key, double min, double max,
                                 unsigned flags, double *out, sp_error *err)
{
    static const sp_field FIELDS[] = {{"value", 0, SP_FIELD_ELSEWHERE, 0, 0, 0, true},
                                      {"source", 0, 1, 0, 0, 0, true}};
    yaml_node_t *entry = sp_yaml_mapping_get(y, map, key);
    if (!entry)
        return sp_yaml_fail(y, map, key, err, "missing");
    sp_status s = sp_yaml_read_row(y, entry, key, FIELDS, 2, NULL, err);
    if (s == SP_OK)
        s = sp_yaml_number(y, sp_yaml_mapping_get(y, entry, "value"), key, min, max, flags, out, err);
    return s;
}

sp_status sp_yaml_read_list(sp_yaml *y, const char *what, sp_row_reader read, size_t stride, size_t name_offset,
                            void **items, size_t *count, sp_error *err)
{
    *items = NULL;
    *count = 0;
    yaml_node_t *root = sp_yaml_root(y);
    sp_status s = sp_yaml_expect(y, root, YAML_SEQUENCE_NODE, what, err);
    size_t n = s == SP_OK ? (size_t)(root->data.sequence.items.top - root->data.sequence.items.start) : 0;
    if (s == SP_OK && n == 0)
        s = sp_yaml_fail(y, root, what, err, "the list is empty");
    if (s == SP_OK && n > SP_ROWS_MAX)
        s = sp_yaml_fail(y, root, what, err, "%zu rows: at most %d in one file", n, SP_ROWS_MAX);
    char *rows = s == SP_OK ? calloc(n, stride) : NULL;
    if (s == SP_OK && !rows)
        s = sp_fail(err, SP_ERR_NOMEM, y->file, 0, 0, "", "out of memory");
    size_t good = 0; /* rows read before the first bad one */
    while (s == SP_OK && good < n &&
           (s = read(y, sp_yaml_node(y, root->data.sequence.items.start[good]), rows + good * stride, err)) == SP_OK)
        good++;
    /* A name listed twice above the first bad row is met first going down the file. */
    size_t repeat = good, first = 0;
    if (rows && sp_repeated_row(y->file, rows, good, stride, name_offset, &repeat, &first, err) != SP_OK)
        s = SP_ERR_NOMEM;
    else if (repeat < good)
        s = sp_yaml_fail(y, sp_yaml_node(y, root->data.sequence.items.start[repeat]), "name", err,
                         "'%s' is listed twice", rows + repeat * stride + name_offset);
    if (s != SP_OK) {
        free(rows);
        return s;
    }
    *items = rows;
    *count = n;
    return SP_OK;
}
