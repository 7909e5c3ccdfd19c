/* json.c - the JSON conventions every reporter shares: rounding, counts, ordered dumps. */
#include "report_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

json_t *sp_json_round(double v, double scale)
{
    return json_real(round(v * scale) / scale);
}

json_t *sp_json_significant(double v, int digits)
{
    if (!(v != 0) || !isfinite(v))
        return json_real(isfinite(v) ? v : 0.0);
    double scale = pow(10.0, digits - 1 - floor(log10(fabs(v))));
    return json_real(round(v * scale) / scale);
}

json_t *sp_json_count(double v)
{
    /* Past a 64-bit integer (9.2e18: exabytes, quintillions of tokens) the count is written as a
     * number, not wrapped to a negative integer. */
    if (!(fabs(v) < 9.2e18))
        return json_real(isfinite(v) ? v : 0.0);
    return json_integer((json_int_t)llround(v));
}

/* jansson's text is malloc'd; hand it over with a trailing newline. */
char *sp_json_report(json_t *root, sp_error *err)
{
    /* Every report says which stackplan wrote it, first, so a stored answer can be traced. */
    json_t *versioned = json_object();
    json_object_set_new(versioned, "stackplan_version", json_string(SP_VERSION));
    json_object_update(versioned, root);
    json_decref(root);
    return sp_json_finish(versioned, err);
}

char *sp_json_finish(json_t *root, sp_error *err)
{
    char *dumped = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(root);
    sp_buf b = {0};
    if (dumped) {
        sp_buf_puts(&b, dumped);
        sp_buf_puts(&b, "\n");
        free(dumped);
    } else {
        b.failed = true;
    }
    return sp_buf_finish(&b, err);
}
