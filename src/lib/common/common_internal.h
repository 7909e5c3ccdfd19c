/* common_internal.h - the bottom layer inside libstackplan: errors, text buffers, whole
 * numbers, the monotone search and name look-ups. Every other layer builds on it; it uses
 * libc and libm only. Not part of the API. */
#ifndef SP_COMMON_INTERNAL_H
#define SP_COMMON_INTERNAL_H

#include "stackplan.h"

#if defined(__GNUC__)
#define SP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SP_PRINTF(a, b)
#endif

/* ---- errors (error.c) ---- */

/* Fills err (if not NULL) and returns status. */
sp_status sp_fail(sp_error *err, sp_status status, const char *file, unsigned line,
                  unsigned col, const char *field, const char *fmt, ...) SP_PRINTF(7, 8);

/* Copies src into dst of size n, truncating; always NUL-terminates. */
void sp_copy(char *dst, size_t n, const char *src);

/* "owner/name" (shell.c): one slash between two non-empty parts of letters, digits and "-_.", each
 * starting with a letter or digit; a Hugging Face repository id, torchtitan's "model/flavor". */
bool sp_is_slash_pair(const char *text);

/* ---- text (buf.c) ---- */

/* A growable string buffer. */
typedef struct {
    char *data;
    size_t length;
    size_t capacity;
    bool failed; /* an allocation failed; later appends do nothing */
} sp_buf;

void sp_buf_printf(sp_buf *b, const char *fmt, ...) SP_PRINTF(2, 3);
void sp_buf_puts(sp_buf *b, const char *s);
/* Hands the text to the caller (NULL and err set when an append failed). */
char *sp_buf_finish(sp_buf *b, sp_error *err);

/* Appends to a fixed buffer whose text so far is `length` long (what snprintf returned, which
 * may exceed size): never writes past size, returns the length the whole text wants. */
int sp_appendf(char *buf, size_t size, int length, const char *fmt, ...) SP_PRINTF(4, 5);

/* Writes a value rounded to whole units with thousands separators: 14000 -> "14,000". */
void sp_format_thousands(double value, char *buf, size_t size);

/* ---- numbers (numbers.c, bisect.c) ---- */

/* A whole number in [min, max] (NaN and infinities are not). */
bool sp_whole_in(double v, double min, double max);

/* Whether whole n is a whole multiple of d (d divides n): exact below 2^53, where a quotient that is
 * not whole lies at least 1/d from one; false for d 0 and for NaN. What fmod(n, d) == 0 answers,
 * at a tenth of its cost (glibc's fmod loops over the exponent gap; the search asks it for every
 * layout). */
bool sp_divides(double d, double n);

/* Ceiling that forgives the rounding noise of a quotient that is really whole
 * (240 / 80 must give 3, not 4). The seed truncates with int() instead. */
double sp_exact_ceil(double quotient);

/* The smallest whole n in [1, max] for which holds(n) is true, holds being false up to some
 * n and true from there (memory falls as GPUs are added, time as nodes are): 0 when it is false
 * even at max. O(log max) calls. */
double sp_smallest_true(bool (*holds)(double n, void *ctx), void *ctx, double max);

/* ---- look-ups (lookup.c) ---- */

/* Index of key in keys (NULL-terminated), or -1. */
int sp_key_index(const char *const *keys, const char *key);
/* The known key nearest to an unknown one (edit distance), or NULL if none is close. */
const char *sp_nearest_key(const char *const *keys, const char *key);

#endif
