/* report_breakeven.c - the build-versus-buy break-even and both totals around it. */
#include "report_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum { DURATION_COUNT = 5 };

/* Durations around h*: a quarter, half, at, twice and four times it. Without a
 * finite, positive h*, decades show which side wins everywhere. */
static void durations(double breakeven, double out[DURATION_COUNT])
{
    static const double AROUND[DURATION_COUNT] = {0.25, 0.5, 1.0, 2.0, 4.0};
    static const double DECADES[DURATION_COUNT] = {1, 10, 100, 1000, 10000};
    bool usable = isfinite(breakeven) && breakeven > 0;
    for (int i = 0; i < DURATION_COUNT; i++)
        out[i] = usable ? AROUND[i] * breakeven : DECADES[i];
}

static const char *cheaper(const sp_cost *c)
{
    /* Compare to the cent: at h* both totals agree up to rounding noise. */
    double self = round(c->self_usd * 100), managed = round(c->managed_usd * 100);
    if (self == managed)
        return "either";
    return managed < self ? "managed" : "self-managed";
}

static sp_cost cost_at(const sp_breakeven_input *in, double hours)
{
    return sp_costs(in->gpus, in->usd_per_gpu_hour, hours, in->premium, in->ops_hours,
                    in->ops_usd_per_hour);
}

static char *render_text(const sp_breakeven_input *in, double h, const double *hours,
                         sp_error *err)
{
    sp_buf b = {0};
    char ops[48], self[48], managed[48];
    sp_money(in->ops_hours * in->ops_usd_per_hour, ops, sizeof ops);
    sp_buf_printf(&b, "self-managed versus managed: %g GPU(s) at $%g/GPU-h, managed premium x%g, ops %g h at $%g/h (%s, fixed whatever the hours)\n",
                  in->gpus, in->usd_per_gpu_hour, in->premium, in->ops_hours, in->ops_usd_per_hour, ops);
    if (in->priced) /* the instance the catalog's price comes from, as plan and serve say it */
        sp_instance_price_line(&b, "price      : ", in->priced, in->gpus, in->usd_per_gpu_hour);
    bool no_ops = !(in->ops_hours * in->ops_usd_per_hour > 0);
    if (in->premium <= 1 && no_ops)
        sp_buf_puts(&b, "break-even : none: with no premium and no ops cost both cost the same\n\n");
    else if (isinf(h))
        sp_buf_puts(&b, in->premium <= 1 ? "break-even : never: with no premium managed never costs more\n\n"
                                         : "break-even : never: the premium on this spend never outweighs the ops cost\n\n");
    else if (!(h > 0)) /* no ops cost: self-managed is cheaper from the first hour */
        sp_buf_puts(&b, "break-even : none: with no ops cost self-managed is cheaper for a run of any length\n\n");
    else if (h < 1) /* a large fleet's premium passes the ops cost within minutes: say them, not 0.0 h */
        sp_buf_printf(&b, "break-even : %.2g h (%.2g minutes): managed is cheaper for shorter runs, self-managed for "
                          "longer\n\n",
                      h, 60 * h);
    else
        sp_buf_printf(&b, "break-even : %.1f h: managed is cheaper for shorter runs, self-managed for longer\n\n", h);
    if (in->hours > 0) { /* the run asked about */
        sp_cost c = cost_at(in, in->hours);
        sp_money(c.self_usd, self, sizeof self);
        sp_money(c.managed_usd, managed, sizeof managed);
        const char *which = cheaper(&c);
        char label[32];
        snprintf(label, sizeof label, "at %g h", in->hours);
        sp_buf_printf(&b, "%-10s : self-managed %s, managed %s: %s\n\n", label, self, managed,
                      !strcmp(which, "either") ? "either costs the same" : !strcmp(which, "managed") ? "managed is cheaper"
                                                                                                : "self-managed is cheaper");
    }
    sp_buf_printf(&b, "%10s  %14s  %14s  %s\n", "hours", "self-managed", "managed", "cheaper");
    for (int i = 0; i < DURATION_COUNT; i++) {
        sp_cost c = cost_at(in, hours[i]);
        sp_money(c.self_usd, self, sizeof self);
        sp_money(c.managed_usd, managed, sizeof managed);
        sp_buf_printf(&b, hours[i] < 1 ? "%10.2g  %14s  %14s  %s\n" : "%10.1f  %14s  %14s  %s\n", hours[i], self, managed,
                      cheaper(&c));
    }
    return sp_buf_finish(&b, err);
}

static char *render_json(const sp_breakeven_input *in, double h, const double *hours,
                         sp_error *err)
{
    json_t *root = json_object();
    json_object_set_new(root, "gpus", json_integer((json_int_t)in->gpus));
    json_object_set_new(root, "usd_per_gpu_hour", json_real(in->usd_per_gpu_hour));
    json_object_set_new(root, "managed_premium", json_real(in->premium));
    json_object_set_new(root, "ops_hours", json_real(in->ops_hours));
    json_object_set_new(root, "ops_usd_per_hour", json_real(in->ops_usd_per_hour));
    json_object_set_new(root, "ops_cost_usd", sp_json_round(in->ops_hours * in->ops_usd_per_hour, 100));
    json_object_set_new(root, "breakeven_hours", isinf(h) ? json_null() : sp_json_significant(h, 6));
    json_t *rows = json_array();
    for (int i = 0; i < DURATION_COUNT; i++) {
        sp_cost c = cost_at(in, hours[i]);
        json_t *row = json_object();
        json_object_set_new(row, "hours", sp_json_significant(hours[i], 6));
        json_object_set_new(row, "self_cost_usd", sp_json_round(c.self_usd, 100));
        json_object_set_new(row, "managed_cost_usd", sp_json_round(c.managed_usd, 100));
        json_object_set_new(row, "cheaper", json_string(cheaper(&c)));
        json_array_append_new(rows, row);
    }
    json_object_set_new(root, "durations", rows);
    json_t *asked = json_null(); /* --hours: the run asked about; null when none was */
    if (in->hours > 0) {
        sp_cost c = cost_at(in, in->hours);
        asked = json_object();
        json_object_set_new(asked, "hours", json_real(in->hours));
        json_object_set_new(asked, "self_cost_usd", sp_json_round(c.self_usd, 100));
        json_object_set_new(asked, "managed_cost_usd", sp_json_round(c.managed_usd, 100));
        json_object_set_new(asked, "cheaper", json_string(cheaper(&c)));
    }
    json_object_set_new(root, "at_hours", asked);
    return sp_json_report(root, err);
}

char *sp_render_breakeven(const sp_breakeven_input *in, sp_format format, sp_error *err)
{
    if (sp_breakeven_check(in, err) != SP_OK)
        return NULL;
    double h = sp_breakeven_hours(in->gpus, in->usd_per_gpu_hour, in->premium, in->ops_hours,
                                  in->ops_usd_per_hour);
    double hours[DURATION_COUNT];
    durations(h, hours);
    if (format == SP_FORMAT_JSON)
        return render_json(in, h, hours, err);
    if (format == SP_FORMAT_HTML) {
        char *charts[] = {sp_chart_breakeven(in, h, in->hours, err)}; /* the run asked about marked, as plan marks its own */
        return sp_html_finish("stackplan breakeven: self-managed versus managed", render_text(in, h, hours, err),
                              render_json(in, h, hours, err), charts, 1, err);
    }
    return render_text(in, h, hours, err);
}
