/* prices.c - whose prices a comparison of several parts mixes. */
#include "report_internal.h"

#include <string.h>

bool sp_accel_list_add(const sp_accel **list, size_t *n, size_t max, const sp_accel *a)
{
    for (size_t k = 0; k < *n; k++)
        if (list[k] == a)
            return false;
    if (*n >= max)
        return false;
    list[(*n)++] = a;
    return true;
}

/* Whether accels[i]'s provider appears before i (each is listed once). */
static bool seen_before(const sp_accel *const *accels, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (!strcmp(accels[j]->price_provider, accels[i]->price_provider))
            return true;
    return false;
}

void sp_price_providers_line(sp_buf *b, const char *label, const sp_accel *const *accels, size_t n,
                             bool price_given)
{
    size_t providers = 0;
    for (size_t i = 0; i < n; i++)
        providers += accels[i]->price_provider[0] && !seen_before(accels, i);
    /* One provider, or one price for all: the costs compare like with like. */
    if (providers < 2 || price_given)
        return;
    sp_buf_printf(b, "%s", label);
    for (size_t i = 0, listed = 0; i < n; i++) {
        if (!accels[i]->price_provider[0] || seen_before(accels, i))
            continue;
        sp_buf_printf(b, "%s%s (", listed++ ? "; " : "", accels[i]->price_provider);
        for (size_t j = i, named = 0; j < n; j++)
            if (!strcmp(accels[j]->price_provider, accels[i]->price_provider))
                sp_buf_printf(b, "%s%s $%.2f", named++ ? ", " : "", accels[j]->name, accels[j]->usd_per_hour);
        sp_buf_printf(b, ")");
    }
    sp_buf_printf(b, ": list prices of different providers, not one market (accelerators.yaml price_source)\n");
}
