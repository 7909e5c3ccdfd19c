/* prices.c - whose prices a comparison of several parts mixes. */
#include "report_internal.h"

#include <math.h>
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

/* Where the catalog lists a part's larger instances and the rate a job pays is not the single GPU's:
 * which instance it takes, so that a higher rate than the catalog's reads as the instance's. */
void sp_instance_price_line(sp_buf *b, const char *label, const sp_accel *a, double gpus, double rate, bool replicas)
{
    if (a->instance_count == 0 || !(rate > 0) || rate == a->usd_per_hour)
        return;
    sp_buf_printf(b, "%s%s rents %s 1", label, a->price_provider, a->name);
    for (size_t i = 0; i < a->instance_count; i++)
        sp_buf_printf(b, "%s%g", i + 1 == a->instance_count ? " or " : ", ", a->instance_gpus[i]);
    sp_buf_printf(b, " to an instance ($%.2f", a->usd_per_hour);
    for (size_t i = 0; i < a->instance_count; i++)
        sp_buf_printf(b, ", $%.2f", a->instance_usd_per_hour[i]);
    double in_server = fmin(gpus, a->per_node);
    if (replicas) {
        double size = 1;
        sp_accel_replica_usd_per_gpu_hour(a, gpus, &size);
        double together = floor(size / gpus);
        sp_buf_printf(b, " an hour): replicas of %g GPUs take the %g-GPU instance, %g to one%s, at $%.2f/GPU-hour\n", gpus,
                      size, together, size > together * gpus ? " (the rest idle)" : "", rate);
        return;
    }
    double size = sp_accel_instance_gpus(a, gpus);
    sp_buf_printf(b, " an hour): %g GPU%s a server take the %g-GPU instance%s, at $%.2f/GPU-hour\n", in_server,
                  in_server == 1 ? "" : "s", size, size > in_server ? ", the rest of it idle and paid for" : "", rate);
}
