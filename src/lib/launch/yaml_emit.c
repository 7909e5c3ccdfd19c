/* yaml_emit.c - YAML documents written with libyaml's emitter (never by hand): the event calls
 * every YAML artifact shares, and scalars that keep their type when read back. */
#include "launch_internal.h"

#include <yaml.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sp_emitter {
    yaml_emitter_t emitter;
    sp_buf out;
    bool failed;
};

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    sp_buf *b = data;
    char chunk[4096];
    while (size > 0) {
        size_t n = size < sizeof chunk - 1 ? size : sizeof chunk - 1;
        memcpy(chunk, buffer, n);
        chunk[n] = '\0';
        sp_buf_puts(b, chunk);
        buffer += n;
        size -= n;
    }
    return !b->failed;
}

static void emit(sp_emitter *y, yaml_event_t *event)
{
    if (y->failed)
        yaml_event_delete(event); /* the emitter takes (and frees) only the events it is given */
    else if (!yaml_emitter_emit(&y->emitter, event))
        y->failed = true;
}

sp_emitter *sp_emit_begin(sp_error *err)
{
    sp_emitter *y = calloc(1, sizeof *y);
    if (!y || !yaml_emitter_initialize(&y->emitter)) {
        free(y);
        sp_fail(err, SP_ERR_NOMEM, "", 0, 0, "", "cannot start the YAML emitter");
        return NULL;
    }
    yaml_emitter_set_output(&y->emitter, write_handler, &y->out);
    yaml_emitter_set_unicode(&y->emitter, 1);
    yaml_emitter_set_width(&y->emitter, -1); /* long command lines stay on one line */
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    emit(y, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    emit(y, &ev);
    return y;
}

char *sp_emit_finish(sp_emitter *y, const char *comment, sp_error *err)
{
    yaml_event_t ev;
    yaml_document_end_event_initialize(&ev, 1);
    emit(y, &ev);
    yaml_stream_end_event_initialize(&ev);
    emit(y, &ev);
    yaml_emitter_delete(&y->emitter);
    if (y->failed)
        y->out.failed = true;
    char *body = sp_buf_finish(&y->out, err);
    free(y);
    if (!body || !comment)
        return body;
    sp_buf b = {0}; /* comments are ours (no user text), one "# " line each */
    sp_buf_printf(&b, "%s%s", comment, body);
    free(body);
    return sp_buf_finish(&b, err);
}

/* YAML 1.1 reads these plain scalars as numbers, booleans or null: a string spelled so is quoted. */
static bool reads_as_other_type(const char *text)
{
    static const char *const words[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", ""};
    char lower[8];
    size_t n = strnlen(text, sizeof lower);
    if (n < sizeof lower) {
        for (size_t i = 0; i < n && i < sizeof lower - 1; i++)
            lower[i] = (char)tolower((unsigned char)text[i]);
        lower[n] = '\0';
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            if (!strcmp(lower, words[i]))
                return true;
    }
    char *end = NULL;
    strtod(text, &end);
    return end && end != text && *end == '\0';
}

void sp_emit_str(sp_emitter *y, const char *text)
{
    yaml_event_t ev;
    yaml_scalar_style_t style = reads_as_other_type(text) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1, style);
    emit(y, &ev);
}

static void plain(sp_emitter *y, const char *text)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 0,
                                 YAML_PLAIN_SCALAR_STYLE);
    emit(y, &ev);
}

void sp_emit_int(sp_emitter *y, double value)
{
    char text[32];
    snprintf(text, sizeof text, "%.0f", value);
    plain(y, text);
}

/* Six significant digits; an exponent gets a decimal point, since YAML 1.1 (PyYAML) reads
 * "1e-05" as a string and "1.0e-05" as a float. */
void sp_emit_num(sp_emitter *y, double value)
{
    char text[48], mantissa[32];
    snprintf(text, sizeof text, "%.6g", value);
    char *e = strchr(text, 'e');
    if (e && !memchr(text, '.', (size_t)(e - text))) {
        snprintf(mantissa, sizeof mantissa, "%.*s", (int)(e - text), text);
        char exponent[16];
        snprintf(exponent, sizeof exponent, "%s", e);
        snprintf(text, sizeof text, "%s.0%s", mantissa, exponent);
    }
    plain(y, text);
}

void sp_emit_bool(sp_emitter *y, bool value) { plain(y, value ? "true" : "false"); }

void sp_emit_null(sp_emitter *y) { plain(y, "null"); }

void sp_emit_map(sp_emitter *y)
{
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    emit(y, &ev);
}

void sp_emit_end_map(sp_emitter *y)
{
    yaml_event_t ev;
    yaml_mapping_end_event_initialize(&ev);
    emit(y, &ev);
}

void sp_emit_seq(sp_emitter *y)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    emit(y, &ev);
}

void sp_emit_end_seq(sp_emitter *y)
{
    yaml_event_t ev;
    yaml_sequence_end_event_initialize(&ev);
    emit(y, &ev);
}

void sp_emit_kv_str(sp_emitter *y, const char *key, const char *value)
{
    sp_emit_str(y, key);
    sp_emit_str(y, value);
}

void sp_emit_kv_int(sp_emitter *y, const char *key, double value)
{
    sp_emit_str(y, key);
    sp_emit_int(y, value);
}

void sp_emit_kv_num(sp_emitter *y, const char *key, double value)
{
    sp_emit_str(y, key);
    sp_emit_num(y, value);
}

void sp_emit_kv_bool(sp_emitter *y, const char *key, bool value)
{
    sp_emit_str(y, key);
    sp_emit_bool(y, value);
}

void sp_emit_literal(sp_emitter *y, const char *text)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1,
                                 YAML_LITERAL_SCALAR_STYLE);
    emit(y, &ev);
}

char *sp_emit_profile_finish(sp_emitter *y, char *comment, sp_error *err)
{
    sp_emit_end_map(y);
    sp_emit_end_seq(y);
    if (!comment) {
        free(sp_emit_finish(y, NULL, err));
        return NULL;
    }
    char *text = sp_emit_finish(y, comment, err);
    free(comment);
    return text;
}

const char *sp_profile_model_key(const sp_model *m)
{
    /* The tuned checkpoint asked for (meta-llama/Llama-3.1-8B-Instruct) stays the profile's model, so
     * the launch files load it and not the base of the same shape. */
    return m->tuned_hf_id[0] && !strcmp(m->hf_id, m->tuned_hf_id) ? m->hf_id : m->name;
}

sp_emitter *sp_emit_profile_begin(const char *name, const char *model, const char *gpu, double gpus, sp_error *err)
{
    sp_emitter *y = sp_emit_begin(err);
    if (!y)
        return NULL;
    sp_emit_seq(y);
    sp_emit_map(y);
    sp_emit_kv_str(y, "name", name);
    sp_emit_kv_str(y, "model", model);
    sp_emit_kv_str(y, "gpu", gpu);
    if (gpus > 0) /* a serving profile is sized from its rate: no count */
        sp_emit_kv_int(y, "gpus", gpus);
    return y;
}
