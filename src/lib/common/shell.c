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

static bool name_part(const char *start, size_t length)
{
    if (length == 0 || start[0] == '.' || start[0] == '-' || start[0] == '_')
        return false;
    for (size_t i = 0; i < length; i++)
        if (!((start[i] >= 'a' && start[i] <= 'z') || (start[i] >= 'A' && start[i] <= 'Z') ||
              (start[i] >= '0' && start[i] <= '9') || strchr("-_.", start[i])))
            return false;
    return true;
}

bool sp_is_slash_pair(const char *text)
{
    const char *slash = strchr(text, '/');
    return slash && name_part(text, (size_t)(slash - text)) && name_part(slash + 1, strlen(slash + 1));
}

int sp_shell_word(const char *text, char *buf, size_t size)
{
    if (!sp_shell_plain(text))
        return sp_shell_quote(text, buf, size);
    sp_copy(buf, size, text);
    return (int)strlen(text);
}
