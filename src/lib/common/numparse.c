/* numparse.c - strict number parsing for flags and YAML scalars. */
#include "common_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NUMBER_TEXT_MAX = 64 };

typedef struct {
    const char *text;
    double factor;
} suffix;

/* Longest first so "Gi" wins over "G". Decimal SI and binary IEC prefixes, and the way model
 * sizes and token budgets are written: "7B" and "70b" are billions (as "7G"), "1.5T" and "2t"
 * trillions. */
static const suffix SUFFIXES[] = {
    {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
    {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"B", 1e9}, {"b", 1e9}, {"t", 1e12},
};

/* Sets only the status and message: the caller knows the file, place and field. */
static sp_status bad(sp_error *err, const char *text, const char *why)
{
    if (err) {
        err->status = SP_ERR_INPUT;
        snprintf(err->message, sizeof err->message, "'%.40s' %s", text, why);
    }
    return SP_ERR_INPUT;
}

/* Copies text without underscores that sit between two digits. */
static bool strip_underscores(const char *text, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; text[i]; i++) {
        bool between = i > 0 && text[i] == '_' && isdigit((unsigned char)text[i - 1]) &&
                       isdigit((unsigned char)text[i + 1]);
        if (between)
            continue;
        if (o + 1 >= size)
            return false;
        out[o++] = text[i];
    }
    out[o] = '\0';
    return true;
}

static double suffix_factor(const char *rest, bool *ok)
{
    *ok = true;
    if (*rest == '\0')
        return 1.0;
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof SUFFIXES[0]; i++) {
        size_t n = strlen(SUFFIXES[i].text);
        if (strncmp(rest, SUFFIXES[i].text, n) != 0)
            continue;
        const char *tail = rest + n;
        bool billions = !strcmp(SUFFIXES[i].text, "B") || !strcmp(SUFFIXES[i].text, "b"); /* "7BB" is not a size */
        if (*tail == '\0' || (!billions && strcmp(tail, "B") == 0))
            return SUFFIXES[i].factor;
    }
    *ok = false;
    return 1.0;
}

sp_status sp_parse_number(const char *text, unsigned flags, double *out, sp_error *err)
{
    char clean[NUMBER_TEXT_MAX];
    if (!text || !*text)
        return bad(err, "", "is empty: a number is needed");
    if (strlen(text) >= sizeof clean)
        return bad(err, text, "is too long to be a number");
    if (flags & SP_NUM_ALLOW_UNDERSCORE) {
        if (!strip_underscores(text, clean, sizeof clean))
            return bad(err, text, "is too long to be a number");
    } else {
        sp_copy(clean, sizeof clean, text);
    }
    /* strtod accepts hex, "inf" and "nan" and leading blanks; a user's number has none. */
    const char *p = clean;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return bad(err, text, "is not a number");
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return bad(err, text, "is not a decimal number");
    errno = 0;
    char *end = NULL;
    double value = strtod(clean, &end);
    if (errno == ERANGE && fabs(value) > 1.0)
        return bad(err, text, "is too large");
    bool suffix_ok = true;
    double factor = 1.0;
    if (*end && (flags & SP_NUM_ALLOW_SUFFIX))
        factor = suffix_factor(end, &suffix_ok);
    else if (*end)
        suffix_ok = false;
    if (!suffix_ok)
        return bad(err, text, "is not a number (unexpected text after the digits)");
    value *= factor;
    if (!isfinite(value))
        return bad(err, text, "is too large");
    if ((flags & SP_NUM_INTEGER) && value != floor(value))
        return bad(err, text, "must be a whole number");
    *out = value;
    return SP_OK;
}
