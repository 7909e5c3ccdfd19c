/* serve_profile.c - `serve --format profile`: the fleet as a profile that `plan` explains and
 * `launch` turns into files (serve.sh, the SkyPilot service, the engine's pins), so a sized fleet
 * reaches a cluster without retyping. The plan sizes it again from the same keys. */
#include "launch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>


static const char *engine_key(sp_engine_ask engine)
{
    switch (engine) {
    case SP_ENGINE_ASK_VLLM: return "vllm";
    case SP_ENGINE_ASK_SGLANG: return "sglang";
    case SP_ENGINE_ASK_TRTLLM: return "trtllm";
    case SP_ENGINE_ASK_AUTO: break;
    }
    return NULL;
}

static char *header(const sp_serve_report *r, sp_error *err)
{
    sp_buf b = {0};
    sp_buf_printf(&b, "# stackplan serve --format profile: the fleet for %g requests/s on %s, as a profile.\n",
                  r->config->qps, r->accel->name);
    sp_buf_printf(&b, "# `stackplan plan FILE` explains it; `stackplan launch FILE --out DIR` writes its launch files.\n");
    sp_buf_printf(&b, "# train_hours: a month of the fleet; budget_usd: its cost for them, rounded up (set your\n"
                      "# own: the plan picks the tier by them).\n");
    return sp_buf_finish(&b, err);
}

char *sp_serve_profile(const sp_serve_report *r, sp_error *err)
{
    const sp_serve_config *c = r->config;
    const sp_serve_result *s = r->result;
    char name[SP_NAME_MAX * 2 + 48];
    snprintf(name, sizeof name, "%s at %g requests/s on %s", r->model->name, c->qps, r->accel->name);
    sp_emitter *y = sp_emit_profile_begin(name, sp_profile_model_key(r->model), r->accel->name, 0, err);
    if (!y)
        return NULL;
    sp_emit_kv_num(y, "qps", c->qps);
    if (!c->lengths_assumed) {
        sp_emit_kv_int(y, "prompt_tokens", c->prompt_tokens);
        sp_emit_kv_int(y, "output_tokens", c->output_tokens);
    }
    /* The default first-token bound serve holds under a percentile is written: plan applies none. */
    if (c->ttft_s > 0)
        sp_emit_kv_num(y, "ttft_ms", 1e3 * c->ttft_s);
    if (c->tpot_s > 0 && !c->tpot_is_default)
        sp_emit_kv_num(y, "tpot_ms", 1e3 * c->tpot_s);
    if (c->percentile > 0)
        sp_emit_kv_num(y, "percentile", c->percentile);
    /* Weights as asked; the checkpoint's own format is what the plan loads without the key. */
    if (!c->weights_from_checkpoint && c->weight_dtype != SP_DTYPE_BF16 &&
        !(c->fp16_only_part && c->weight_dtype == SP_DTYPE_FP16))
        sp_emit_kv_str(y, "weight_dtype", sp_dtype_name(c->weight_dtype));
    if (c->kv_dtype != SP_DTYPE_BF16 && !(c->fp16_only_part && c->kv_dtype == SP_DTYPE_FP16))
        sp_emit_kv_str(y, "kv_dtype", sp_dtype_name(c->kv_dtype));
    if (engine_key(c->engine))
        sp_emit_kv_str(y, "engine", engine_key(c->engine));
    if (c->prefix_share > 0)
        sp_emit_kv_num(y, "prefix_share", c->prefix_share);
    if (c->lora_rank > 0) { /* adapters served beside the base */
        sp_emit_kv_int(y, "lora_rank", c->lora_rank);
        sp_emit_kv_int(y, "max_loras", c->max_loras);
    }
    if (c->prompt_spread > 0) /* a --workload preset's or the user's: the plan draws them alike */
        sp_emit_kv_num(y, "prompt_spread", c->prompt_spread);
    if (c->output_spread > 0)
        sp_emit_kv_num(y, "output_spread", c->output_spread);
    if (!c->usd_from_catalog && c->usd_per_gpu_hour > 0) /* given; the catalog's price otherwise */
        sp_emit_kv_num(y, "usd_per_gpu_hour", c->usd_per_gpu_hour);
    /* A month of the fleet, the hours and cost serve's monthly figure is of. */
    sp_emit_kv_int(y, "train_hours", SP_HOURS_A_MONTH);
    sp_emit_kv_int(y, "budget_usd", fmax(1.0, ceil(s->fleet_usd_per_month)));
    return sp_emit_profile_finish(y, header(r, err), err);
}
