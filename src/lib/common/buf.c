/* buf.c - the growable text buffer every renderer writes into. */
#include "common_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool buf_reserve(sp_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->length + extra + 1 <= b->capacity)
        return true;
    size_t want = b->capacity ? b->capacity : 256;
    while (want < b->length + extra + 1)
        want *= 2;
    char *grown = realloc(b->data, want);
    if (!grown) {
        b->failed = true;
        return false;
    }
    b->data = grown;
    b->capacity = want;
    return true;
}

void sp_buf_printf(sp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        b->failed = true;
        return;
    }
    if (!buf_reserve(b, (size_t)need))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->length, (size_t)need + 1, fmt, ap);
    va_end(ap);
    b->length += (size_t)need;
}

int sp_appendf(char *buf, size_t size, int length, const char *fmt, ...)
{
    if (length < 0) /* an earlier snprintf failed: keep what is there */
        return -1;
    va_list ap;
    va_start(ap, fmt);
    size_t at = (size_t)length;
    int more = at < size ? vsnprintf(buf + at, size - at, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    return more < 0 ? -1 : length + more;
}

void sp_buf_puts(sp_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (!buf_reserve(b, n))
        return;
    memcpy(b->data + b->length, s, n + 1);
    b->length += n;
}

char *sp_buf_finish(sp_buf *b, sp_error *err)
{
    if (!b->failed && buf_reserve(b, 0)) {
        b->data[b->length] = '\0';
        return b->data;
    }
    free(b->data);
    b->data = NULL;
    sp_fail(err, SP_ERR_NOMEM, "", 0, 0, "", "out of memory while rendering");
    return NULL;
}

void sp_format_thousands(double value, char *buf, size_t size)
{
    char digits[64];
    /* %.0f rounds the exact binary value, as Python's format(",.0f") does. */
    snprintf(digits, sizeof digits, "%.0f", value);
    const char *p = digits;
    char out[96];
    size_t o = 0;
    if (*p == '-')
        out[o++] = *p++;
    size_t n = strlen(p);
    for (size_t i = 0; i < n && o + 2 < sizeof out; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = p[i];
    }
    out[o] = '\0';
    if (strcmp(out, "-0") == 0)
        sp_copy(out, sizeof out, "0");
    sp_copy(buf, size, out);
}
