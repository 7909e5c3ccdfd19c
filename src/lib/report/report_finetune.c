/* report_finetune.c - fine-tuning options and one fine-tune's memory, as text or JSON. */
#include "report_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void sp_ft_pins(const sp_rules *rules, const sp_ft_option *o, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    const char *names[SP_FT_PACKAGES_MAX];
    size_t count = sp_ft_packages(o, names, SP_FT_PACKAGES_MAX);
    for (size_t i = 0; i < count && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s==%s", used ? ", " : "", names[i],
                         sp_framework_version(rules, names[i]));
        used += n > 0 ? (size_t)n : 0;
    }
}

/* "FSDP, ckpt, offload optimizer+params" and the like; optimizer offload is DeepSpeed's ZeRO-Offload
 * (stage 3 where the weights are sharded, else 2), so its layout is named as the framework line does. */
static void layout_text(const sp_ft_config *c, char *buf, size_t size)
{
    const char *sharding = c->offload == SP_OFFLOAD_OPTIMIZER ? (c->fsdp && c->gpus > 1 ? "ZeRO-3" : "ZeRO-2")
                           : c->gpus > 1                      ? (c->fsdp ? "FSDP" : "DDP")
                                                              : "1 GPU";
    snprintf(buf, size, "%s%s%s%s", sharding,
             c->checkpointing ? ", ckpt" : "", c->offload != SP_OFFLOAD_NONE ? ", offload " : "",
             c->offload != SP_OFFLOAD_NONE ? sp_offload_name(c->offload) : "");
}

static void money(double usd, double usd_per_hour, char *buf, size_t size)
{
    if (!(usd_per_hour > 0))
        snprintf(buf, size, "no price");
    else
        sp_money_cents(usd, buf, size);
}

/* Hours as people read them: whole past 100, one decimal past 1, three digits below (a run of
 * minutes does not read 0.0, a long one not 8.7e+03). */
static void hours_text(double hours, char *buf, size_t size)
{
    snprintf(buf, size, hours >= 100 ? "%.0f" : hours >= 1 ? "%.1f" : "%.3g", hours);
}

/* What each offloaded row keeps in the server's memory, which the table's GB/GPU leaves out: a
 * 3090 row that "fits" may need more host memory than a rented server has. */
static void offloaded_rows_text(sp_buf *b, const sp_ft_result *s, const sp_ft_request *q)
{
    bool any = false;
    for (size_t i = 0; i < s->count; i++) {
        const sp_ft_option *o = &s->items[i];
        if (!o->fits || !(o->memory.host_bytes > 0))
            continue;
        sp_buf_printf(b, "%s %s %s %g GPU%s %.0f GB", any ? "," : "host memory of the offloaded rows (a server):",
                      o->accel->name, sp_ft_method_name(o->config.method), o->config.gpus, o->config.gpus == 1 ? "" : "s",
                      o->memory.host_bytes * o->config.gpus / 1e9);
        any = true;
    }
    if (any)
        sp_buf_printf(b, "%s\n", q->base.host_bytes > 0 ? " (within --host-gb)" : " (not checked: --host-gb gives what a server has free)");
}

/* Whether a count past the largest tried could run on some accelerator searched: within one of its
 * servers, or any count where it has a network. */
static bool more_gpus_possible(const sp_ft_result *s, const sp_ft_request *q)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->items[i].accel->inter_node_bytes_per_s > 0 || q->gpus_max < s->items[i].accel->per_node)
            return true;
    return false;
}

/* Whether an option failed on host memory only: its offloaded state past --host-gb. */
static bool host_bound(const sp_ft_option *o)
{
    return !o->fits && o->config.host_bytes > 0 && o->memory.host_bytes * o->config.gpus > o->config.host_bytes &&
           o->memory.device_bytes <= o->memory.capacity_bytes;
}

/* The least host memory (bytes, on the server) the options need when every one of them failed on
 * host memory alone; 0 when any failed on the card (then the card advice stands). */
static double least_host_needed(const sp_ft_result *s)
{
    double least = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (!host_bound(&s->items[i]))
            return 0;
        double host = s->items[i].memory.host_bytes * s->items[i].config.gpus;
        if (least == 0 || host < least)
            least = host;
    }
    return least;
}

/* Whether a pinned micro-batch is what failed: some option fits a smaller one. */
static bool smaller_micro_batch_fits(const sp_ft_result *s, const sp_ft_request *q)
{
    for (size_t i = 0; q->micro_batch > 0 && i < s->count; i++)
        if (s->items[i].max_micro_batch >= 1)
            return true;
    return false;
}

/* Whether QLoRA was among the methods tried. */
static bool tried_qlora(const sp_ft_result *s)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->items[i].config.method == SP_METHOD_QLORA)
            return true;
    return false;
}

/* Why a fit is tight: what the allocator would reserve with room, against the capacity it has. */
static void tight_text(sp_buf *b, const sp_ft_memory *mem)
{
    sp_buf_printf(b, "with room the caching allocator would reserve about %.1f GB, which with the CUDA context "
                     "passes the %.1f GB it may use; the run leans on the allocator freeing its cache and can run "
                     "out of memory from fragmentation (launch sets PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True)",
                  mem->unbounded_reserved_bytes / 1e9, mem->capacity_bytes / 1e9);
}

/* Which of the request's targets a row misses, by how much: a time that rounds to the deadline
 * in the table's one decimal says the digits that miss it. */
static void missed_text(const sp_ft_option *o, const sp_ft_request *q, char *buf, size_t size)
{
    buf[0] = '\0';
    if (o->meets)
        return;
    bool late = q->deadline_hours > 0 && o->hours > q->deadline_hours;
    bool over = q->budget_usd > 0 && o->cost_usd > q->budget_usd;
    int n = snprintf(buf, size, "  (misses");
    if (late)
        n += snprintf(buf + n, size - (size_t)n, " the %g h deadline: %.*f h", q->deadline_hours,
                      o->hours - q->deadline_hours < 0.05 ? 2 : 1, o->hours);
    if (over)
        n += snprintf(buf + n, size - (size_t)n, "%s the $%g budget", late ? ";" : "", q->budget_usd);
    if (!late && !over)
        n += snprintf(buf + n, size - (size_t)n, " a target");
    snprintf(buf + n, size - (size_t)n, ")");
}

/* The flags that plan an alternative to the recommendation: its count, and its card, method and
 * checkpointing where they differ (the search would otherwise find the recommendation again). */
static const char *alternative_flags(const sp_ft_option *rec, const sp_ft_option *alt, char *buf, size_t size)
{
    int n = snprintf(buf, size, "--gpus %g", alt->config.gpus);
    if (alt->accel != rec->accel && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " --gpu %s", alt->accel->name);
    if (alt->config.method != rec->config.method && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " --method %s", sp_ft_method_name(alt->config.method));
    if (alt->config.checkpointing != rec->config.checkpointing && n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " --%scheckpointing", alt->config.checkpointing ? "" : "no-");
    return buf;
}

/* An alternative to the recommendation as the faster and safer lines print it. */
typedef struct {
    char layout[96], hours[32], cost[32], flags[160];
} alt_text;

static void alternative_text(const sp_ft_option *rec, const sp_ft_option *alt, alt_text *t)
{
    layout_text(&alt->config, t->layout, sizeof t->layout);
    hours_text(alt->hours, t->hours, sizeof t->hours);
    money(alt->cost_usd, alt->usd_per_gpu_hour, t->cost, sizeof t->cost);
    alternative_flags(rec, alt, t->flags, sizeof t->flags);
}

static void option_line(sp_buf *b, const sp_ft_option *o, const sp_ft_request *q, bool best)
{
    char layout[64], cost[32];
    layout_text(&o->config, layout, sizeof layout);
    double host = o->memory.host_bytes * o->config.gpus;
    if (host_bound(o)) {
        sp_buf_printf(b, "  %-18s %-6s %4g  does not fit: its offloaded state needs %.0f GB of host memory, %.0f GB "
                         "given (--host-gb)\n",
                      o->accel->name, sp_ft_method_name(o->config.method), o->config.gpus, host / 1e9,
                      o->config.host_bytes / 1e9);
        return;
    }
    if (!o->fits) {
        sp_buf_printf(b, "  %-18s %-6s %4g  does not fit; the nearest layout tried needs %.1f GB a GPU at micro-batch %g (%s), %.1f GB usable of the "
                         "card's %.1f (memory_headroom)",
                      o->accel->name, sp_ft_method_name(o->config.method), o->config.gpus,
                      o->memory.device_bytes / 1e9, o->config.micro_batch, layout, o->memory.capacity_bytes / 1e9,
                      o->accel->memory_bytes / 1e9);
        if (o->max_micro_batch >= 1) /* only a pinned micro-batch can miss where a smaller one fits */
            sp_buf_printf(b, "; micro-batch %g fits (--micro-batch)", o->max_micro_batch);
        sp_buf_printf(b, "\n");
        return;
    }
    money(o->cost_usd, o->usd_per_gpu_hour, cost, sizeof cost);
    char hours[32];
    hours_text(o->hours, hours, sizeof hours);
    char missed[96];
    missed_text(o, q, missed, sizeof missed);
    sp_buf_printf(b, "%s %-18s %-6s %4g  %-36s %7.1f %5g %9.0f %9s %10s%s%s\n", best ? "*" : " ", o->accel->name,
                  sp_ft_method_name(o->config.method), o->config.gpus, layout, o->memory.device_bytes / 1e9,
                  o->config.micro_batch, o->step.tokens_per_s, hours, cost, o->memory.tight ? "  (tight)" : "", missed);
}

static void targets_text(sp_buf *b, const sp_ft_request *q)
{
    if (q->deadline_hours <= 0 && q->budget_usd <= 0)
        return;
    sp_buf_printf(b, "targets : ");
    if (q->deadline_hours > 0)
        sp_buf_printf(b, "done within %g hours%s", q->deadline_hours, q->budget_usd > 0 ? ", " : "");
    if (q->budget_usd > 0) {
        char budget[48];
        if (q->budget_usd == floor(q->budget_usd)) /* as the user wrote it: $500, $2,500 */
            sp_money(q->budget_usd, budget, sizeof budget);
        else
            sp_money_cents(q->budget_usd, budget, sizeof budget);
        sp_buf_printf(b, "at most %s", budget);
    }
    sp_buf_printf(b, "\n");
}

/* Which share of peak the estimate assumes and where it comes from, and the collectives' link. */
static void speed_line(sp_buf *b, const sp_rules *rules, const sp_ft_option *o)
{
    const sp_accel *a = o->accel;
    bool measured = a->matmul_efficiency > 0;
    double matmul = measured ? a->matmul_efficiency : rules->perf.matmul_efficiency;
    double peak = o->config.precision == SP_PREC_FP32 ? a->fp32_flops_per_s : a->bf16_flops_per_s;
    sp_buf_printf(b, "speed    : large GEMMs at %.0f%% of the %.0f TF peak: %.2f (%s) x %.3f sustained",
                  100.0 * matmul * rules->perf.sustained_fraction, peak / 1e12, matmul,
                  measured ? "measured, accelerators.yaml" : "default: no measurement of this card", rules->perf.sustained_fraction);
    if (o->config.gpus > 1 && a->peer_bytes_per_s > 0)
        sp_buf_printf(b, "; collectives at %.1f GB/s through host memory, the card having no GPU peer-to-peer "
                         "(accelerators.yaml peer_source)",
                      o->step.link_bytes_per_s / 1e9);
    else if (o->config.gpus > 1)
        sp_buf_printf(b, "; collectives at %.1f GB/s over the GPUs' link (accelerators.yaml link_source)",
                      o->step.link_bytes_per_s / 1e9);
    if (o->step.host_wait_s > 0)
        sp_buf_printf(b, "; host-bound: eager PyTorch issues a micro-step's kernels more slowly than the GPU runs "
                         "them, adding %.0f ms a micro-step (perf.yaml eager_host_s_per_layer_pass; a compiled or "
                         "fused-kernel stack, or a larger micro-batch, hides it)",
                      o->step.host_wait_s * 1e3);
    sp_buf_printf(b, "\n");
}

/* The job's precision as it runs: fp16 on parts without bf16 tensor cores (Volta, Turing), said
 * here so that the job line and the recommendation agree. */
static const char *precision_text(const sp_ft_result *s, sp_precision precision, char *buf, size_t size)
{
    size_t fp16 = 0;
    for (size_t i = 0; i < s->count; i++)
        fp16 += sp_accel_fp16_only(s->items[i].accel);
    const char *name = sp_precision_name(precision);
    if (fp16 == 0 || precision == SP_PREC_FP32)
        snprintf(buf, size, "%s", name);
    else if (fp16 == s->count)
        snprintf(buf, size, "%s (no bf16 tensor cores)", precision == SP_PREC_MIXED_BF16 ? "mixed-fp16" : "fp16");
    else
        snprintf(buf, size, "%s (fp16 on the parts without bf16 tensor cores)", name);
    return buf;
}

/* An offloaded recommendation that fits on the card once the loss is chunked: say so, with its figures. */
static void chunked_text(sp_buf *b, const sp_ft_result *s)
{
    const sp_ft_option *c = &s->chunked;
    if (!c->fits)
        return;
    char hours[32];
    hours_text(c->hours, hours, sizeof hours);
    sp_buf_printf(b, "try      : a chunked loss (torchtune, litgpt; Liger's fused cross-entropy under the Trainer, "
                     "use_liger_kernel) fits without offload: %.1f GB on the device, micro-batch %g, %.0f tokens/s, "
                     "%s hours (--chunked-loss plans it)\n",
                  c->memory.device_bytes / 1e9, c->config.micro_batch, c->step.tokens_per_s, hours);
}

static char *finetune_text(const sp_ft_report *r, sp_error *err)
{
    const sp_ft_request *q = r->request;
    const sp_ft_result *s = r->result;
    char targets[64];
    sp_targets_text(sp_ft_targets_of(r->model, q->base.targets), targets, sizeof targets);
    sp_buf b = {0};
    sp_buf_printf(&b, "model   : %s (%.2f B parameters), %g token%s a sequence\n", r->model->name,
                  sp_model_params(r->model) / 1e9, q->base.seq, q->base.seq == 1 ? "" : "s");
    char tokens[32];
    sp_count_text(q->tokens, tokens, sizeof tokens);
    sp_buf_printf(&b, "job     : %s token%s%s; ", tokens, q->tokens == 1 ? "" : "s",
                  q->tokens_given ? " to train on" : " (a unit: no --dataset-gb or --tokens given)");
    if (q->methods & ~(unsigned)SP_METHODS_FULL) /* a full fine-tune alone has no adapters to describe */
        sp_buf_printf(&b, "adapters rank %g on %s%s; ", q->base.lora_rank, targets,
                      !r->model->experts_fused ? ""
                      : q->methods & SP_METHODS_QLORA ? " (transformers holds its experts as fused 3-D parameters: no "
                                                        "LoRA target reaches them, and bitsandbytes' 4-bit loading "
                                                        "keeps them 16-bit, bitsandbytes#1849)"
                                                      : " (transformers holds its experts as fused 3-D parameters: no "
                                                        "LoRA target reaches them)");
    char precision[96];
    sp_buf_printf(&b, "%s, %s%s%s\n", precision_text(s, q->base.precision, precision, sizeof precision),
                  sp_optimizer_name(q->base.optimizer),
                  q->base.chunked_loss ? ", chunked loss" : "", q->base.fp32_upcast ? ", a quantised base's norms and head in fp32" : "");
    targets_text(&b, q);
    sp_buf_printf(&b, "\n  %-18s %-6s %4s  %-36s %7s %5s %9s %9s %10s\n", "gpu", "method", "gpus", "layout", "GB/GPU",
                  "mb", "tokens/s", "hours", "cost");
    for (size_t i = 0; i < s->count; i++)
        option_line(&b, &s->items[i], q, (int)i == s->best);
    /* Host memory the only limit: more GPUs on the server do not shrink the optimizer's copy there. */
    double host_needed = least_host_needed(s);
    if (s->best < 0 && host_needed > 0) {
        sp_buf_printf(&b, "\nnothing fits in the host memory given: the offloaded state needs at least %.1f GB on the "
                          "server (--host-gb %.0f), or %sa card with more memory that offloads less\n",
                      host_needed / 1e9, ceil(host_needed / 1e9), tried_qlora(s) ? "" : "QLoRA (--method qlora), ");
        return sp_buf_finish(&b, err);
    }
    if (s->best < 0) { /* what the search found would fit (ft_search.c what_would_fit), then the rest */
        char fits[256] = "", gpus[48] = "", seq[48] = "", offload[48] = "offload included";
        if (q->offload >= 0)
            snprintf(offload, sizeof offload, "with --offload %s", sp_offload_name((sp_offload)q->offload));
        if (s->fits_at_gpus > 0)
            snprintf(gpus, sizeof gpus, "--gpus %g, ", s->fits_at_gpus);
        if (s->fits_at_seq > 0)
            snprintf(seq, sizeof seq, "--seq %g, ", s->fits_at_seq);
        snprintf(fits, sizeof fits, "%s%s%s%s%s", s->fits_with_offload ? "offload as the search picks it (no --offload), " : "",
                 s->fits_with_chunked_loss ? "--chunked-loss, " : "", gpus, seq,
                 smaller_micro_batch_fits(s, q) ? "a smaller --micro-batch, " : "");
        if (fits[0]) {
            fits[strlen(fits) - 2] = '\0';
            sp_buf_printf(&b, "\nnothing fits, %s; each of these fits alone: %s; else %sa card with more memory\n",
                          offload, fits, tried_qlora(s) ? "" : "QLoRA (--method qlora) or ");
        } else
            sp_buf_printf(&b, "\nnothing fits, %s, nor with a chunked loss, more GPUs or a --seq down to %d: %sa card "
                              "with more memory\n",
                          offload, SP_FT_PROBE_SEQ_MIN, tried_qlora(s) ? "" : "QLoRA (--method qlora) or ");
        return sp_buf_finish(&b, err);
    }
    const sp_ft_option *o = &s->items[s->best];
    const char *why = "";
    const char *framework = sp_ft_framework(o, &why);
    char cost[64] = "no public price", total[32];
    money(o->cost_usd, o->usd_per_gpu_hour, total, sizeof total);
    if (o->usd_per_gpu_hour > 0)
        snprintf(cost, sizeof cost, "%s at $%.2f/GPU-hour", total, o->usd_per_gpu_hour);
    char run_hours[32];
    hours_text(o->hours, run_hours, sizeof run_hours);
    /* The search runs the largest micro-batch that is not tight; say so when a larger one fits. */
    char roomier[96] = "";
    if (q->micro_batch <= 0 && o->max_micro_batch > o->config.micro_batch && o->config.micro_batch < q->max_micro_batch)
        snprintf(roomier, sizeof roomier, " (%g fits, tightly: the allocator's cache would pass the card)",
                 o->max_micro_batch);
    /* Offload is part of what is recommended: the host must hold it (the host line gives how much). */
    char offloaded[64] = "";
    if (o->config.offload != SP_OFFLOAD_NONE)
        snprintf(offloaded, sizeof offloaded, ", %s offloaded to the host",
                 o->config.offload == SP_OFFLOAD_OPTIMIZER ? "optimizer state" : "parameters and optimizer state");
    sp_buf_printf(&b, "\nrecommend: %s on %g x %s, micro-batch %g%s, %s%s: %s hours, %s%s%s\n",
                  sp_ft_method_name(o->config.method), o->config.gpus, o->accel->name, o->config.micro_batch, roomier,
                  o->config.checkpointing ? "gradient checkpointing" : "no checkpointing", offloaded, run_hours, cost,
                  o->meets ? "" : " (nothing meets the targets: the best of what fits",
                  /* more GPUs shorten a run, never cheapen it: advised only past a deadline */
                  o->meets ? ""
                  : q->deadline_hours > 0 && o->hours > q->deadline_hours && more_gpus_possible(s, q)
                      ? "; more GPUs, --gpus, may)"
                      : ")");
    /* A faster option within the premium: named, with what it takes to plan it. */
    const sp_ft_option *f = &s->faster;
    alt_text t;
    if (f->fits) {
        alternative_text(o, f, &t);
        sp_buf_printf(&b, "faster   : %s on %g x %s (%s): %s hours, %s, %.0f%% sooner for %.0f%% more (%s plans it)\n",
                      sp_ft_method_name(f->config.method), f->config.gpus, f->accel->name, t.layout, t.hours, t.cost,
                      100.0 * (1.0 - f->hours / o->hours), 100.0 * (f->cost_usd / o->cost_usd - 1.0), t.flags);
    }
    /* A tight recommendation: the best fit that leaves the allocator its room, for who would rather. */
    const sp_ft_option *safe = &s->safer;
    if (o->memory.tight && safe->fits) {
        alternative_text(o, safe, &t);
        sp_buf_printf(&b, "safer    : %s on %g x %s (%s, micro-batch %g): %s hours, %s, with room for the allocator's "
                          "cache, %+.0f%% in cost (%s plans it)\n",
                      sp_ft_method_name(safe->config.method), safe->config.gpus, safe->accel->name, t.layout,
                      safe->config.micro_batch, t.hours, t.cost, 100.0 * (safe->cost_usd / o->cost_usd - 1.0), t.flags);
    }
    /* Less data than one optimizer step holds: the run is that one step, whatever the layout. */
    double step_tokens = o->config.gpus * o->config.micro_batch * o->config.seq;
    if (q->tokens < step_tokens) {
        char few[32];
        sp_count_text(q->tokens, few, sizeof few);
        sp_buf_printf(&b, "data     : %s tokens fill less than one step of %g x %g x %g tokens (GPUs x micro-batch x "
                          "sequence): the figures are that one step's\n",
                      few, o->config.gpus, o->config.micro_batch, o->config.seq);
    }
    if (!(q->usd_per_gpu_hour > 0))
        sp_instance_price_line(&b, "price    : ", o->accel, o->config.gpus, o->usd_per_gpu_hour);
    char pins[256];
    sp_ft_pins(r->rules, o, pins, sizeof pins);
    sp_buf_printf(&b, "framework: %s (%s): %s\n", framework, pins, why);
    if (sp_accel_fp16_only(o->accel) && o->config.precision != SP_PREC_FP32)
        sp_buf_printf(&b, "precision: %s has no bf16 tensor cores: the run is fp16 (%s, fp16 mixed precision with loss "
                          "scaling; axolotl.yml says fp16), at the same peak\n",
                      o->accel->name,
                      o->config.precision == SP_PREC_MIXED_BF16 ? "fp32 weights to unscale the gradients into"
                                                                : "torch_dtype float16");
    /* The card is sold in GiB ("24 GB" is 24 GiB = 25.8 GB): both, so the figures read against the box. */
    sp_buf_printf(&b, "memory   : %.1f GB allocated, %.1f GB reserved, %.1f GB on the device of %.1f GB (%.1f GiB)\n",
                  o->memory.allocated_bytes / 1e9, o->memory.reserved_bytes / 1e9, o->memory.device_bytes / 1e9,
                  o->accel->memory_bytes / 1e9, o->accel->memory_bytes / 1073741824.0);
    if (o->memory.tight) {
        sp_buf_puts(&b, "tight    : ");
        tight_text(&b, &o->memory);
        sp_buf_puts(&b, "\n");
    }
    /* The host side is only checked against --host-gb: say what the server needs in all. */
    if (o->memory.host_bytes > 0)
        sp_buf_printf(&b, "host     : %.1f GB of offloaded state in host memory a GPU, %.1f GB on the server%s\n",
                      o->memory.host_bytes / 1e9, o->memory.host_bytes * o->config.gpus / 1e9,
                      q->base.host_bytes > 0 ? "" : " (not checked: --host-gb says how much it has free)");
    /* What the user can take back: FSDP1's hold on the checkpointed inputs, when it sets the peak. */
    if (o->memory.held_inputs_bytes > 0.1 * o->memory.allocated_bytes)
        sp_buf_printf(&b,
                      "held     : %.1f GB of the peak are blocks' inputs FSDP holds to the backward's end under "
                      "reentrant checkpointing; non-reentrant (--no-reentrant-checkpointing, use_reentrant: false) "
                      "frees them\n",
                      o->memory.held_inputs_bytes / 1e9);
    speed_line(&b, r->rules, o);
    chunked_text(&b, s);
    offloaded_rows_text(&b, s, q);
    const sp_accel *parts[SP_FT_OPTIONS_MAX];
    size_t nparts = 0;
    for (size_t i = 0; i < s->count; i++)
        sp_accel_list_add(parts, &nparts, SP_FT_OPTIONS_MAX, s->items[i].accel);
    sp_price_providers_line(&b, "prices   : ", parts, nparts, q->usd_per_gpu_hour > 0);
    /* The next step: the recommendation as a profile, and its files. */
    if (r->catalog_model && (sp_accel_stack(o->accel) == SP_STACK_CUDA || sp_accel_stack(o->accel) == SP_STACK_ROCM))
        sp_buf_printf(&b, "launch   : `stackplan finetune` with these flags and --format profile > ft.yaml, then `stackplan launch ft.yaml --out "
                          "run`: axolotl.yml (micro-batch %g x %g accumulated x %g GPU(s) a step) and its torchrun, "
                          "Slurm%s scripts; put your data at data/train.jsonl (alpaca) and HF_TOKEN in the environment "
                          "for gated models\n",
                      o->config.micro_batch, sp_ft_accumulation(&r->rules->launch, &o->config), o->config.gpus,
                      o->accel->skypilot[0] ? ", Kubernetes and SkyPilot" : " and Kubernetes");
    /* After training: an adapter is served beside its base (merged, it is a full model to serve). */
    if (r->catalog_model && o->config.method != SP_METHOD_FULL && r->model->experts <= 1 &&
        !(r->model->kv_lora_rank > 0) && o->config.lora_rank <= 512) /* what serve --lora-rank sizes */
        sp_buf_printf(&b, "serve    : `stackplan serve --model %s --gpu GPU --qps RATE --lora-rank %g` sizes serving the "
                          "adapter beside its 16-bit base (vLLM --enable-lora, ADAPTER_DIR its output directory)\n",
                      r->model->name, o->config.lora_rank);
    sp_buf_printf(&b, "(* = recommended; %g layouts tried; mb = micro-batch per GPU; GB/GPU as nvidia-smi shows it)\n",
                  s->layouts_tried);
    return sp_buf_finish(&b, err);
}

static json_t *memory_json(const sp_ft_memory *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "params", sp_json_count(m->params));
    json_object_set_new(o, "trainable_params", sp_json_count(m->trainable_params));
    json_object_set_new(o, "base_bytes", sp_json_count(m->base_bytes));
    json_object_set_new(o, "quant_constants_bytes", sp_json_count(m->quant_constants_bytes));
    json_object_set_new(o, "trainable_bytes", sp_json_count(m->trainable_bytes));
    json_object_set_new(o, "gradients_bytes", sp_json_count(m->gradients_bytes));
    json_object_set_new(o, "optimizer_bytes", sp_json_count(m->optimizer_bytes));
    json_object_set_new(o, "activations_bytes", sp_json_count(m->activations_bytes));
    json_object_set_new(o, "held_inputs_bytes", sp_json_count(m->held_inputs_bytes));
    json_object_set_new(o, "logits_bytes", sp_json_count(m->logits_bytes));
    json_object_set_new(o, "transient_bytes", sp_json_count(m->transient_bytes));
    json_object_set_new(o, "allocated_bytes", sp_json_count(m->allocated_bytes));
    json_object_set_new(o, "reserved_bytes", sp_json_count(m->reserved_bytes));
    json_object_set_new(o, "unbounded_reserved_bytes", sp_json_count(m->unbounded_reserved_bytes));
    json_object_set_new(o, "device_bytes", sp_json_count(m->device_bytes));
    json_object_set_new(o, "total_bytes", sp_json_count(m->device_bytes));
    json_object_set_new(o, "host_bytes", sp_json_count(m->host_bytes));
    json_object_set_new(o, "peak", json_string(m->peak_in_optimizer_step ? "optimizer step" : "backward"));
    return o;
}

/* A target group (all-linear, mlp) is printed as the projections the model has. */
static json_t *config_json(const sp_model *m, const sp_ft_config *c)
{
    char targets[64];
    sp_targets_text(sp_ft_targets_of(m, c->targets), targets, sizeof targets);
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string(sp_ft_method_name(c->method)));
    json_object_set_new(o, "lora_rank", json_integer((json_int_t)c->lora_rank));
    json_object_set_new(o, "lora_targets", json_string(targets));
    json_object_set_new(o, "quant", json_string(sp_quant_name(c->quant)));
    /* Double quantisation is of a 4-bit base's constants: none without one. */
    json_object_set_new(o, "double_quant", json_boolean(c->double_quant && (c->quant == SP_QUANT_NF4 || c->quant == SP_QUANT_FP4)));
    json_object_set_new(o, "gpus", json_integer((json_int_t)c->gpus));
    json_object_set_new(o, "sharding", json_string(c->gpus > 1 ? (c->fsdp ? "fsdp" : "ddp") : "none"));
    json_object_set_new(o, "checkpointing", json_boolean(c->checkpointing));
    json_object_set_new(o, "offload", json_string(sp_offload_name(c->offload)));
    json_object_set_new(o, "micro_batch", json_integer((json_int_t)c->micro_batch));
    json_object_set_new(o, "seq", json_integer((json_int_t)c->seq));
    json_object_set_new(o, "fused_kernels", json_boolean(c->fused_kernels));
    json_object_set_new(o, "reentrant_checkpointing", json_boolean(c->reentrant_outside_fsdp));
    json_object_set_new(o, "chunked_loss", json_boolean(c->chunked_loss));
    json_object_set_new(o, "kbit_upcast", json_boolean(c->fp32_upcast));
    return o;
}

static json_t *packages_json(const sp_ft_option *o)
{
    json_t *list = json_array();
    const char *names[SP_FT_PACKAGES_MAX];
    size_t count = sp_ft_packages(o, names, SP_FT_PACKAGES_MAX);
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, json_string(names[i]));
    return list;
}

static json_t *option_json(const sp_model *m, const sp_ft_option *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "gpu", json_string(o->accel->name));
    json_object_set_new(j, "fits", json_boolean(o->fits));
    json_object_set_new(j, "tight", json_boolean(o->memory.tight));
    json_object_set_new(j, "config", config_json(m, &o->config));
    /* The 16-bit type the run uses: fp16 on parts without bf16 tensor cores (Volta, Turing). */
    json_object_set_new(j, "half_dtype", json_string(sp_accel_fp16_only(o->accel) ? "fp16" : "bf16"));
    json_object_set_new(j, "memory", memory_json(&o->memory));
    /* Also where a pinned micro-batch does not fit: the largest that does (0: none). */
    json_object_set_new(j, "max_micro_batch", json_integer((json_int_t)o->max_micro_batch));
    if (o->fits) {
        const char *why = "";
        json_object_set_new(j, "framework", json_string(sp_ft_framework(o, &why)));
        json_object_set_new(j, "framework_reason", json_string(why));
        json_object_set_new(j, "packages", packages_json(o));
        json_object_set_new(j, "tokens_per_s", sp_json_round(o->step.tokens_per_s, 10));
        json_object_set_new(j, "tokens_per_s_per_gpu", sp_json_round(o->step.tokens_per_s_per_gpu, 10));
        json_object_set_new(j, "step_time_s", sp_json_round(o->step.step_time_s, 1e6));
        json_t *parts = json_object();
        json_object_set_new(parts, "compute_s", sp_json_round(o->step.compute_s, 1e6));
        json_object_set_new(parts, "recompute_s", sp_json_round(o->step.recompute_s, 1e6));
        json_object_set_new(parts, "dequant_s", sp_json_round(o->step.dequant_s, 1e6));
        json_object_set_new(parts, "dora_s", sp_json_round(o->step.dora_s, 1e6));
        json_object_set_new(parts, "comm_s", sp_json_round(o->step.comm_s, 1e6));
        json_object_set_new(parts, "offload_s", sp_json_round(o->step.offload_s, 1e6));
        json_object_set_new(parts, "optimizer_s", sp_json_round(o->step.optimizer_s, 1e6));
        json_object_set_new(parts, "host_wait_s", sp_json_round(o->step.host_wait_s, 1e6));
        json_object_set_new(j, "step_parts", parts);
        json_object_set_new(j, "link_bytes_per_s", sp_json_count(o->step.link_bytes_per_s));
        json_object_set_new(j, "hours", sp_json_round(o->hours, 1e4));
        /* No price: null, as train and serve write it. */
        json_object_set_new(j, "usd_per_gpu_hour", o->usd_per_gpu_hour > 0 ? json_real(o->usd_per_gpu_hour) : json_null());
        json_object_set_new(j, "cost_usd", o->usd_per_gpu_hour > 0 ? sp_json_round(o->cost_usd, 100) : json_null());
        json_object_set_new(j, "meets_targets", json_boolean(o->meets));
    }
    return j;
}

static char *finetune_json(const sp_ft_report *r, sp_error *err)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(r->model->name));
    json_object_set_new(o, "params", sp_json_count(sp_model_params(r->model)));
    json_object_set_new(o, "tokens", sp_json_count(r->request->tokens));
    json_object_set_new(o, "deadline_hours", r->request->deadline_hours > 0 ? json_real(r->request->deadline_hours) : json_null());
    json_object_set_new(o, "budget_usd", r->request->budget_usd > 0 ? json_real(r->request->budget_usd) : json_null());
    json_t *options = json_array();
    for (size_t i = 0; i < r->result->count; i++)
        json_array_append_new(options, option_json(r->model, &r->result->items[i]));
    json_object_set_new(o, "options", options);
    json_object_set_new(o, "recommended", r->result->best >= 0 ? json_integer(r->result->best) : json_null());
    json_object_set_new(o, "layouts_tried", sp_json_count(r->result->layouts_tried));
    /* The recommendation with a chunked loss and no offload, when that fits (null otherwise). */
    json_object_set_new(o, "chunked_loss_without_offload",
                        r->result->chunked.fits ? option_json(r->model, &r->result->chunked) : json_null());
    /* The faster option within ft_roomy_premium, as the text's faster line (null when none). */
    json_object_set_new(o, "faster", r->result->faster.fits ? option_json(r->model, &r->result->faster) : json_null());
    bool tight = r->result->best >= 0 && r->result->items[r->result->best].memory.tight;
    json_object_set_new(o, "safer", tight && r->result->safer.fits ? option_json(r->model, &r->result->safer) : json_null());
    /* Nothing fits: what the search found would, each alone (null when something fits). */
    const sp_ft_result *f = r->result;
    json_t *would = json_null();
    if (f->best < 0) {
        would = json_object();
        json_object_set_new(would, "chunked_loss", json_boolean(f->fits_with_chunked_loss));
        json_object_set_new(would, "offload", json_boolean(f->fits_with_offload));
        json_object_set_new(would, "gpus", f->fits_at_gpus > 0 ? sp_json_count(f->fits_at_gpus) : json_null());
        json_object_set_new(would, "seq", f->fits_at_seq > 0 ? sp_json_count(f->fits_at_seq) : json_null());
    }
    json_object_set_new(o, "would_fit", would);
    return sp_json_report(o, err);
}

/* One bar per option (method on accelerator x GPUs), at most eight. */
static char *finetune_html(const sp_ft_report *r, sp_error *err)
{
    enum { BARS = 8 };
    sp_svg_bar bars[BARS];
    char labels[BARS][48];
    size_t n = 0;
    double capacity = 0;
    for (size_t i = 0; i < r->result->count && n < BARS; i++) {
        const sp_ft_option *o = &r->result->items[i];
        snprintf(labels[n], sizeof labels[n], "%s x%g", sp_ft_method_name(o->config.method), o->config.gpus);
        bars[n] = sp_ft_memory_bar(labels[n], &o->memory);
        capacity = r->result->best >= 0 ? r->result->items[r->result->best].memory.capacity_bytes : capacity;
        n++;
    }
    char title[SP_TEXT_MAX];
    snprintf(title, sizeof title, "Fine-tuning %s: memory per GPU of each option", r->model->name);
    char *charts[] = {sp_chart_ft_memory(title, bars, n, capacity, err)};
    return sp_html_finish(title, finetune_text(r, err), finetune_json(r, err), charts, 1, err);
}

char *sp_render_finetune(const sp_ft_report *report, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_HTML)
        return finetune_html(report, err);
    return format == SP_FORMAT_JSON ? finetune_json(report, err) : finetune_text(report, err);
}

/* The fit line, and for a tight fit why and the micro-batch that leaves the allocator room. */
static void fit_text(sp_buf *b, const sp_ft_memory *mem, const sp_accel *a, double max_mb, double roomy_mb)
{
    char capacity[64];
    sp_capacity_text(a->memory_bytes, 1, capacity, sizeof capacity);
    /* The limit is the card less perf.yaml's memory_headroom, not the card: say it where the answer is
     * no, or a device figure under the card's size reads as a contradiction. */
    char verdict[96];
    if (mem->fits)
        snprintf(verdict, sizeof verdict, "%s", mem->tight ? "yes, tight" : "yes");
    else
        snprintf(verdict, sizeof verdict, "NO, %.2f GB on the device over the %.2f GB usable (memory_headroom)",
                 mem->device_bytes / 1e9, mem->capacity_bytes / 1e9);
    sp_buf_printf(b, "%-12s: %s (%s): %s; largest micro-batch %g", "fits", a->name, capacity, verdict, max_mb);
    if (roomy_mb < max_mb && roomy_mb >= 1)
        sp_buf_printf(b, ", %g with room for the allocator's cache", roomy_mb);
    else if (roomy_mb < max_mb)
        sp_buf_puts(b, ", none with room for the allocator's cache");
    sp_buf_puts(b, "\n");
    if (!mem->tight)
        return;
    sp_buf_printf(b, "%-12s: ", "tight");
    tight_text(b, mem);
    if (roomy_mb >= 1)
        sp_buf_printf(b, "; micro-batch %g leaves it room", roomy_mb);
    sp_buf_puts(b, "\n");
}

static char *ft_memory_text(const sp_model *m, const sp_ft_config *c, const sp_ft_memory *mem, const sp_accel *a,
                            double max_mb, double roomy_mb, double checkpointed_bytes, sp_error *err)
{
    char layout[64];
    layout_text(c, layout, sizeof layout);
    sp_buf b = {0};
    sp_buf_printf(&b, "model       : %s (%.2f B parameters), %s fine-tune, %.4g trainable (%.3f%%)\n", m->name,
                  mem->params / 1e9, sp_ft_method_name(c->method), mem->trainable_params,
                  100.0 * mem->trainable_params / mem->params);
    sp_buf_printf(&b, "job         : %s, micro-batch %g x %g tokens, base %s%s%s\n", layout, c->micro_batch, c->seq,
                  c->quant == SP_QUANT_NONE ? sp_precision_name(c->precision) : sp_quant_name(c->quant),
                  c->fp32_upcast ? " (norms, embeddings and head fp32)" : "", c->chunked_loss ? ", chunked loss" : "");
    sp_buf_printf(&b, "base        : %10.2f GB (+ %.2f GB quantisation constants)\n", mem->base_bytes / 1e9,
                  mem->quant_constants_bytes / 1e9);
    sp_buf_printf(&b, "adapters    : %10.2f GB\n", mem->trainable_bytes / 1e9);
    sp_buf_printf(&b, "gradients   : %10.2f GB\n", mem->gradients_bytes / 1e9);
    sp_buf_printf(&b, "optimizer   : %10.2f GB\n", mem->optimizer_bytes / 1e9);
    sp_buf_printf(&b, "activations : %10.2f GB", mem->activations_bytes / 1e9);
    if (mem->held_inputs_bytes > 0)
        sp_buf_printf(&b, "  (%.2f GB of them blocks' inputs FSDP holds to the backward's end under reentrant "
                          "checkpointing; --no-reentrant-checkpointing drops them)",
                      mem->held_inputs_bytes / 1e9);
    sp_buf_puts(&b, "\n");
    sp_buf_printf(&b, "logits+loss : %10.2f GB\n", mem->logits_bytes / 1e9);
    sp_buf_printf(&b, "transient   : %10.2f GB\n", mem->transient_bytes / 1e9);
    sp_buf_printf(&b, "allocated   : %10.2f GB  (peak in the %s)\n", mem->allocated_bytes / 1e9,
                  mem->peak_in_optimizer_step ? "optimizer step" : "backward");
    sp_buf_printf(&b, "reserved    : %10.2f GB\n", mem->reserved_bytes / 1e9);
    sp_buf_printf(&b, "device      : %10.2f GB  (nvidia-smi: reserved + CUDA context)\n", mem->device_bytes / 1e9);
    if (mem->host_bytes > 0)
        sp_buf_printf(&b, "host        : %10.2f GB offloaded\n", mem->host_bytes / 1e9);
    /* LoRA and QLoRA recipes checkpoint every layer (axolotl's, TRL's, the QLoRA paper's): without
     * it the activations dominate, and the figure above would read as "does not fit 24 GB". */
    if (checkpointed_bytes > 0)
        sp_buf_printf(&b, "%-12s: no gradient checkpointing here; with it (--recompute full), as %s recipes run, "
                          "%.2f GB on the device\n",
                      "note", sp_ft_method_name(c->method), checkpointed_bytes / 1e9);
    if (a)
        fit_text(&b, mem, a, max_mb, roomy_mb);
    /* A smaller micro-batch that fits comes first; else what the fine-tune search would turn to,
     * in its order: checkpointing, then offload. */
    if (a && !mem->fits && checkpointed_bytes > 0 && checkpointed_bytes <= mem->capacity_bytes)
        sp_buf_printf(&b, "%-12s: --recompute full, as %s recipes run (and `stackplan finetune` plans them): %.2f GB, "
                          "which fits the %.2f GB usable\n",
                      "try", sp_ft_method_name(c->method), checkpointed_bytes / 1e9, mem->capacity_bytes / 1e9);
    else if (a && !mem->fits && max_mb >= 1)
        sp_buf_printf(&b, "%-12s: --micro-batch %g, the largest that %s\n", "try", roomy_mb >= 1 ? roomy_mb : max_mb,
                      roomy_mb >= 1 ? "leaves the allocator room" : "fits");
    else if (a && !mem->fits)
        sp_buf_printf(&b, "%-12s: %s%s, or `stackplan finetune` to search them\n", "try",
                      c->checkpointing ? "" : "gradient checkpointing (--recompute full), ",
                      c->offload == SP_OFFLOAD_NONE ? "offload (--offload optimizer or optimizer+params)"
                                                    : "a smaller --micro-batch or --seq");
    return sp_buf_finish(&b, err);
}

char *sp_render_ft_memory(const sp_model *m, const sp_ft_config *c, const sp_ft_memory *mem, const sp_accel *a,
                          double max_mb, double roomy_mb, double checkpointed_bytes, sp_format format, sp_error *err)
{
    if (format == SP_FORMAT_HTML) {
        char title[SP_TEXT_MAX];
        snprintf(title, sizeof title, "Fine-tuning memory per GPU: %s, %s", m->name, sp_ft_method_name(c->method));
        sp_svg_bar bar = sp_ft_memory_bar(sp_ft_method_name(c->method), mem);
        char *charts[] = {sp_chart_ft_memory(title, &bar, 1, a ? a->memory_bytes : 0, err)};
        return sp_html_finish(title, ft_memory_text(m, c, mem, a, max_mb, roomy_mb, checkpointed_bytes, err),
                              sp_render_ft_memory(m, c, mem, a, max_mb, roomy_mb, checkpointed_bytes, SP_FORMAT_JSON, err),
                              charts, 1, err);
    }
    if (format != SP_FORMAT_JSON)
        return ft_memory_text(m, c, mem, a, max_mb, roomy_mb, checkpointed_bytes, err);
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(m->name));
    json_object_set_new(o, "config", config_json(m, c));
    json_object_set_new(o, "memory", memory_json(mem));
    json_object_set_new(o, "device_bytes_with_checkpointing",
                        checkpointed_bytes > 0 ? json_integer((json_int_t)round(checkpointed_bytes)) : json_null());
    json_object_set_new(o, "gpu", a ? json_string(a->name) : json_null());
    json_object_set_new(o, "capacity_bytes", a ? sp_json_count(mem->capacity_bytes) : json_null());
    json_object_set_new(o, "fits", a ? json_boolean(mem->fits) : json_null());
    json_object_set_new(o, "tight", a ? json_boolean(mem->tight) : json_null());
    json_object_set_new(o, "max_micro_batch", a ? json_integer((json_int_t)max_mb) : json_null());
    json_object_set_new(o, "max_roomy_micro_batch", a ? json_integer((json_int_t)roomy_mb) : json_null());
    return sp_json_report(o, err);
}
