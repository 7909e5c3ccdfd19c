/* error.c - error values with their place (file, line, column, field). */
#include "common_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sp_copy(char *dst, size_t n, const char *src)
{
    if (n == 0)
        return;
    size_t len = src ? strlen(src) : 0;
    if (len >= n)
        len = n - 1;
    if (len)
        memcpy(dst, src, len);
    dst[len] = '\0';
}

void sp_error_clear(sp_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

sp_status sp_fail(sp_error *err, sp_status status, const char *file, unsigned line,
                  unsigned col, const char *field, const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    sp_copy(err->file, sizeof err->file, file);
    err->line = line;
    err->col = col;
    sp_copy(err->field, sizeof err->field, field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

int sp_error_format(const sp_error *err, char *buf, size_t size)
{
    char place[SP_ERR_FILE_MAX + 32] = "";
    /* A file always gets a line and column, 0:0 when the problem has no place
     * (it cannot be opened), so every file error parses the same way. */
    if (err->file[0])
        snprintf(place, sizeof place, "%s:%u:%u: ", err->file, err->line, err->col);
    char field[SP_ERR_FIELD_MAX + 2] = "";
    if (err->field[0])
        snprintf(field, sizeof field, "%s: ", err->field);
    char line[SP_ERR_FILE_MAX + SP_ERR_FIELD_MAX + SP_ERR_MESSAGE_MAX + 64];
    snprintf(line, sizeof line, "%s%s%s", place, field, err->message);
    /* One line, and nothing from a file or a flag drives the terminal: control characters are
     * written as escapes (\n, \t, \e, \xNN). Returns the length the whole line needs. */
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)line; *c; c++) {
        char one[5] = {(char)*c, 0};
        if (*c == '\n' || *c == '\t' || *c == 0x1b)
            snprintf(one, sizeof one, "\\%c", *c == '\n' ? 'n' : *c == '\t' ? 't' : 'e');
        else if (*c < 0x20 || *c == 0x7f)
            snprintf(one, sizeof one, "\\x%02x", *c);
        for (const char *o = one; *o; o++, n++)
            if (size > 0 && n + 1 < size)
                buf[n] = *o;
    }
    if (size > 0)
        buf[n + 1 < size ? n : size - 1] = '\0';
    return (int)n;
}

bool sp_status_is_input(sp_status status)
{
    return status == SP_ERR_INPUT || status == SP_ERR_IO;
}
