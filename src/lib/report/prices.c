/* prices.c - whose prices a comparison of several parts mixes. */
#include "report_internal.h"

#include <math.h>
#include <stdio.h>
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

/* "LABEL AWS on-demand rents l4-pcie-24gb 1, 4 or 8 to an instance ($0.80, $4.60, $13.35 an hour): ",
 * or for an offer with no single GPU "LABEL AWS on-demand rents a100-sxm-40gb only 8 to an instance
 * ($21.96 an hour): " */
static void instance_offer(sp_buf *b, const char *label, const sp_accel *a)
{
    bool single = !(a->min_rented_gpus > 1);
    sp_buf_printf(b, "%s%s rents %s %s", label, a->price_provider, a->name, single ? "1" : "only ");
    for (size_t i = 0; i < a->instance_count; i++)
        sp_buf_printf(b, "%s%g", i == 0 && !single ? "" : i + 1 == a->instance_count ? " or " : ", ", a->instance_gpus[i]);
    sp_buf_printf(b, " to an instance (");
    if (single)
        sp_buf_printf(b, "$%.2f, ", a->usd_per_hour);
    for (size_t i = 0; i < a->instance_count; i++)
        sp_buf_printf(b, "%s$%.2f", i ? ", " : "", a->instance_usd_per_hour[i]);
    sp_buf_printf(b, " an hour): ");
}

/* Where the catalog lists a part's larger instances and the rate a job pays is not the single GPU's:
 * which instance it takes, so that a higher rate than the catalog's reads as the instance's. */
void sp_instance_price_line(sp_buf *b, const char *label, const sp_accel *a, double gpus, double rate)
{
    double in_server = fmin(gpus, sp_accel_host_gpus(a)), size = sp_accel_instance_gpus(a, gpus);
    if (!(rate > 0) || size <= 1) /* a single GPU's rate needs no word */
        return;
    if (a->min_rented_gpus > 1 && sp_divides(a->min_rented_gpus, gpus)) /* whole instances, none idle: the share */
        return;
    instance_offer(b, label, a);
    /* More GPUs than a server on an offer of whole instances only: instances of that size, the last
     * one's rest idle and paid for (sp_accel_usd_per_gpu_hour). */
    if (gpus > in_server && a->min_rented_gpus > 1) {
        double count = ceil(gpus / size), idle = count * size - gpus;
        char rest[48] = "";
        if (idle > 0)
            snprintf(rest, sizeof rest, ", %g GPU%s idle and paid for", idle, idle == 1 ? "" : "s");
        sp_buf_printf(b, "%g GPUs take %g %g-GPU instances%s, at $%.2f/GPU-hour\n", gpus, count, size, rest, rate);
        return;
    }
    if (gpus > in_server) { /* servers of that instance, each GPU at its share */
        sp_buf_printf(b, "%g GPUs on %g-GPU servers, each GPU at the %g-GPU instance's share, $%.2f/GPU-hour\n", gpus,
                      in_server, size, rate);
        return;
    }
    sp_buf_printf(b, "%g GPU%s a server take%s the %g-GPU instance%s, at $%.2f/GPU-hour%s\n", in_server,
                  in_server == 1 ? "" : "s", in_server == 1 ? "s" : "", size,
                  size > in_server ? ", the rest of it idle and paid for" : "", rate,
                  a->min_rented_gpus > in_server ? " (a provider renting single GPUs: --usd-per-gpu-hour)" : "");
}

/* The same for a serving fleet: how many instances of which size its replicas take. */
void sp_fleet_price_line(sp_buf *b, const char *label, const sp_accel *a, const sp_serve_result *s)
{
    /* Single GPUs at their own rate need no word. */
    if (a->instance_count == 0 || !(s->usd_per_gpu_hour > 0) || s->instance_gpus <= 1)
        return;
    double replica_gpus = s->tp * fmax(1.0, s->pp), idle = s->instances * s->instance_gpus - s->gpus;
    /* Whole instances of an offer with no single GPU, none idle: the catalog's share, as shown. */
    if (a->min_rented_gpus > 1 && !(idle > 0) && sp_divides(a->min_rented_gpus, replica_gpus))
        return;
    instance_offer(b, label, a);
    char rest[48] = "";
    if (idle > 0)
        snprintf(rest, sizeof rest, ", %g GPU%s idle and paid for", idle, idle == 1 ? "" : "s");
    sp_buf_printf(b, "%g replica%s of %g GPU%s take%s %g %g-GPU instance%s%s, at $%.2f/GPU-hour\n", s->replicas,
                  s->replicas == 1 ? "" : "s", replica_gpus, replica_gpus == 1 ? "" : "s", s->replicas == 1 ? "s" : "",
                  s->instances,
                  s->instance_gpus, s->instances == 1 ? "" : "s", rest, s->usd_per_gpu_hour);
}
