/* bisect.c - the smallest count for which a monotone test holds: the search that sizes
 * shards, batches and clusters. */
#include "common_internal.h"

#include <math.h>

double sp_smallest_true(bool (*holds)(double n, void *ctx), void *ctx, double max)
{
    /* Double from 1 (clamped to max) until it holds, then bisect the last step. */
    double lo = 0, hi = 1;
    while (!holds(hi, ctx)) {
        if (hi >= max)
            return 0;
        lo = hi;
        hi = fmin(hi * 2.0, max);
    }
    while (hi - lo > 1) {
        double mid = floor((lo + hi) / 2.0);
        if (holds(mid, ctx))
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}
