/* train_profile.c - `train --format profile`: the recommended run as a profile that `plan`
 * explains and `launch` turns into files, so a searched layout reaches a cluster without retyping. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The deadline and budget the plan weighs the run against: the user's when given, else the run's
 * own wall time and GPU cost rounded up, which it meets (the plan then chooses the tier by them). */
static void targets(const sp_train_report *r, const sp_candidate *c, double *hours, double *usd)
{
    *hours = r->deadline_days > 0 ? r->deadline_days * 24.0 : ceil(c->days * 24.0);
    *usd = r->budget_usd > 0 ? r->budget_usd : ceil(c->cost_usd);
}

/* A whole amount in full (six significant digits would round $2,179,911 down to 2.17991e+06, under
 * the cost it stands for); a fractional one the user gave, as YAML numbers go. */
static void emit_amount(sp_emitter *y, const char *key, double value)
{
    if (value == floor(value) && value < 1e15)
        sp_emit_kv_int(y, key, value);
    else
        sp_emit_kv_num(y, key, value);
}

static char *header(const sp_train_report *r, const sp_train_option *o, sp_error *err)
{
    sp_buf b = {0};
    sp_buf_printf(&b, "# stackplan train --format profile: the recommended run, %g x %s, as a profile.\n", o->gpus,
                  o->accel->name);
    sp_buf_printf(&b, "# `stackplan plan FILE` explains it; `stackplan launch FILE --out DIR` writes its launch files.\n");
    sp_buf_printf(&b, "# train_hours: %s; budget_usd: %s.\n",
                  r->deadline_days > 0 ? "the --deadline-days given" : "the run's wall time at its goodput, rounded up",
                  r->budget_usd > 0 ? "the --budget-usd given" : "its GPUs' cost, rounded up (set your own: the plan "
                                                                 "picks managed or self-managed by it)");
    return sp_buf_finish(&b, err);
}

char *sp_train_profile(const sp_train_report *r, sp_error *err)
{
    const sp_train_option *o = sp_train_report_winner(r);
    if (!o) {
        sp_fail(err, SP_ERR_INPUT, "", 0, 0, "gpus", "no layout fits: there is no run to write as a profile");
        return NULL;
    }
    const sp_candidate *c = &o->result.top[0];
    const sp_search_request *q = r->request;
    double hours, usd;
    targets(r, c, &hours, &usd);
    char name[SP_NAME_MAX * 2 + 32];
    snprintf(name, sizeof name, "%s on %g x %s", r->model->name, o->gpus, o->accel->name);
    sp_emitter *y = sp_emit_profile_begin(name, sp_profile_model_key(r->model), o->accel->name, o->gpus, err);
    if (!y)
        return NULL;
    sp_emit_kv_int(y, "seq", q->seq);
    sp_emit_kv_int(y, "global_batch", q->global_batch);
    if (q->micro_batch > 0) /* pinned; searched otherwise, by the plan as by train */
        sp_emit_kv_int(y, "micro_batch", q->micro_batch);
    const struct {
        const char *key;
        double value, pinned_from; /* the degrees are pinned from 1 (0: searched), ZeRO from 0 (-1) */
    } pins[] = {{"tp", q->tp, 1}, {"pp", q->pp, 1}, {"dp", q->dp, 1}, {"cp", q->cp, 1}, {"ep", q->ep, 1},
                {"etp", q->etp, 1}, {"interleave", q->interleave, 1}, {"zero", q->zero, 0}};
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++)
        if (pins[i].value >= pins[i].pinned_from)
            sp_emit_kv_int(y, pins[i].key, pins[i].value);
    sp_emit_kv_int(y, "tokens", q->tokens);
    sp_emit_kv_str(y, "precision", sp_precision_name(q->precision));
    sp_emit_kv_str(y, "optimizer", sp_optimizer_name(q->optimizer));
    if (q->usd_per_gpu_hour > 0) /* given; the catalog's price otherwise */
        sp_emit_kv_num(y, "usd_per_gpu_hour", q->usd_per_gpu_hour);
    emit_amount(y, "train_hours", hours);
    emit_amount(y, "budget_usd", usd);
    return sp_emit_profile_finish(y, header(r, o, err), err);
}
