/* shell.c - words for POSIX shell command lines: what launch scripts and printed launch lines share. */
#include "common_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sp_shell_quote(const char *text, char *buf, size_t size)
{
    sp_buf b = {0};
    sp_buf_puts(&b, "'");
    for (const char *c = text; *c; c++) {
        if (*c == '\'')
            sp_buf_puts(&b, "'\\''");
        else
            sp_buf_printf(&b, "%c", *c);
    }
    sp_buf_puts(&b, "'");
    char *quoted = sp_buf_finish(&b, NULL);
    int n = quoted ? (int)strlen(quoted) : 0;
    sp_copy(buf, size, quoted ? quoted : "''");
    free(quoted);
    return n;
}

bool sp_shell_plain(const char *text)
{
    /* Letters, digits and the punctuation of repository ids and paths need no quotes. */
    bool plain = *text != '\0';
    for (const char *c = text; *c && plain; c++)
        plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                strchr("._/:+-", *c) != NULL;
    return plain;
}

int sp_shell_word(const char *text, char *buf, size_t size)
{
    if (!sp_shell_plain(text))
        return sp_shell_quote(text, buf, size);
    sp_copy(buf, size, text);
    return (int)strlen(text);
}
