/* numbers.c - whole-number checks and the exact ceiling every estimator shares. */
#include "common_internal.h"

#include <math.h>

bool sp_whole_in(double v, double min, double max)
{
    return isfinite(v) && v >= min && v <= max && v == floor(v);
}

bool sp_divides(double d, double n)
{
    double q = n / d;
    return isfinite(q) && q == floor(q);
}

double sp_exact_ceil(double quotient)
{
    double nearest = round(quotient);
    if (fabs(quotient - nearest) <= 1e-9 * fmax(1.0, nearest))
        return nearest;
    return ceil(quotient);
}
