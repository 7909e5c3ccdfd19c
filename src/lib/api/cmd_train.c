/* cmd_train.c - `stackplan train`: the fastest layout of a training job, searched. */
#include "api_internal.h"
#include "common_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ACCELS = 16, MAX_COUNTS = 32 };

/* Layouts one request may check over all the searches it runs, those asked for and those that
 * explain an empty answer (docs/CLI.md, Limits). Each search stops at 1,048,576 of its own, and
 * 16 parts x 32 counts could add those up to half a billion; 4 Mi take about 1.3 s at the
 * slowest rate measured (0.3 us a layout). The golden searches check under 70 thousand. */
enum { REQUEST_LAYOUTS_MAX = 4 << 20 };

static const cli_opt OPTS[] = {
    CLI_MODEL_OPTS,
    {"gpu", CLI_TEXT, "NAME[,NAME]", "accelerator(s) from the catalog (required)"},
    {"gpus", CLI_TEXT, "N|A-B|N,M", "GPU count, a range (A, the powers of two above it, and B) or a list (required)"},
    {"global-batch", CLI_NUMBER, "B", "sequences per step (default: tokens_per_step in defaults.yaml, 2M tokens, as a power of two sequences)"},
    {"seq", CLI_NUMBER, "S", "tokens per sequence (default: model context, at most 4096)"},
    {"micro-batch", CLI_NUMBER, "B", "pin the micro-batch"},
    {"tp", CLI_NUMBER, "N", "pin the tensor-parallel degree"},
    {"pp", CLI_NUMBER, "N", "pin the pipeline stages"},
    {"dp", CLI_NUMBER, "N", "pin the data-parallel degree"},
    {"zero", CLI_NUMBER, "S", "pin the ZeRO stage 0-3"},
    {"interleave", CLI_NUMBER, "V", "pin the virtual pipeline stages"},
    {"ep", CLI_NUMBER, "N", "MoE: pin the expert-parallel degree (divides the experts and dp)"},
    {"cp", CLI_NUMBER, "N", "pin the context-parallel degree (ring attention; 2 x N divides --seq)"},
    {"etp", CLI_NUMBER, "N", "MoE: pin expert tensor parallelism (each expert sliced over N; ep x N divides tp x cp x dp)"},
    {"ep-overlap", CLI_FLAG, NULL,
     "MoE: run each micro-batch's expert all-to-all under another's compute (Megatron-Core's "
     "--overlap-moe-expert-parallel-comm; needs an interleaved schedule when pipelined, no full recompute)"},
    {"tp-overlap", CLI_FLAG, NULL,
     "run tensor-parallel communication under the GEMMs (Transformer Engine userbuffers, Megatron-Core's "
     "--tp-comm-overlap; with sequence parallelism)"},
    {"eager-modules", CLI_FLAG, NULL,
     "norms, rotary and SwiGLU as PyTorch's eager modules on torchtitan layouts (without torch.compile); "
     "default off. DDP, FSDP and DeepSpeed layouts run them whatever it says (train.py's Hugging Face model), "
     "Megatron-Core never"},
    {"recompute", CLI_TEXT, "R", "pin recompute: none, selective, full, op (torchtitan's op-level)"},
    {"sequence-parallel", CLI_FLAG, NULL, "pin sequence parallelism on or off (default: searched)"},
    {"flash-attention", CLI_FLAG, NULL, "FlashAttention kernels (default on)"},
    CLI_PRECISION_OPTS,
    {"tokens", CLI_NUMBER, "T", "token budget (default: tokens_per_param in defaults.yaml, 20, Chinchilla)"},
    {"goodput", CLI_NUMBER, "F", "share of wall time that trains (default: goodput in defaults.yaml, 0.9)"},
    {"mfu-cap", CLI_NUMBER, "F", "credit no layout with more MFU than F (e.g. 0.4 for a pessimistic plan)"},
    {"deadline-days", CLI_NUMBER, "D", "recommend the cheapest option that finishes within D days"},
    {"budget-usd", CLI_NUMBER, "USD", "recommend the fastest option that costs at most this (with --deadline-days, the cheapest meeting both)"},
    {"usd-per-gpu-hour", CLI_NUMBER, "C", "price of a GPU-hour (default: the catalog's, for the instance the GPUs come in)"},
    {"top", CLI_NUMBER, "N", "layouts to list (default 5, at most 32)"},
    CLI_FT_OPTS,
    {"format", CLI_TEXT, "text|json|html|profile",
     "output format (default text; html: a page with charts; profile: the recommended run as a profile for "
     "`stackplan plan` and `stackplan launch`)"},
};

static const cli_command CMD = {
    "stackplan train (--model NAME | --hf-config FILE | --layers ...) --gpu NAME --gpus N [--global-batch B] [options]",
    "Search every parallel layout (TP, CP, PP, DP, EP, micro-batch, ZeRO, recompute, sequence\n"
    "parallelism, interleaving) that fits memory; report the fastest, why, its cost and the time-cost Pareto front.\n"
    "With --method: a fine-tune (full, LoRA, QLoRA, DoRA) at the --gpus counts, as `stackplan finetune`\n"
    "(--tokens is then the data to train on; --recompute full or none pins checkpointing).",
    OPTS, sizeof OPTS / sizeof OPTS[0], 0};

static sp_status request_from_flags(const cli_value *v, const cli_inputs *in, sp_search_request *q, sp_error *err)
{
    const sp_model *m = &in->model;
    sp_search_request base = SP_SEARCH_REQUEST_INIT;
    *q = base;
    q->seq = cli_number_or(&CMD, v, "seq", sp_model_default_seq(m));
    q->global_batch_is_default = !cli_flag(&CMD, v, "global-batch")->set;
    q->global_batch = cli_number_or(&CMD, v, "global-batch", sp_rules_global_batch(&in->rules, q->seq));
    q->micro_batch = cli_number_or(&CMD, v, "micro-batch", 0);
    q->tp = cli_number_or(&CMD, v, "tp", 0);
    q->pp = cli_number_or(&CMD, v, "pp", 0);
    q->dp = cli_number_or(&CMD, v, "dp", 0);
    q->interleave = cli_number_or(&CMD, v, "interleave", 0);
    q->ep = cli_number_or(&CMD, v, "ep", 0);
    q->cp = cli_number_or(&CMD, v, "cp", 0);
    q->etp = cli_number_or(&CMD, v, "etp", 0);
    q->ep_overlap = cli_on(&CMD, v, "ep-overlap");
    q->tp_overlap = cli_on(&CMD, v, "tp-overlap");
    q->eager_modules = cli_on(&CMD, v, "eager-modules");
    q->trainer_layouts = true; /* a DDP, FSDP or DeepSpeed layout launches as train.py */
    if (q->ep_overlap && sp_model_has_shape(m) && m->experts <= 1)
        return cli_flag_error(err, "ep-overlap", "%s is dense: it has no expert all-to-all to overlap", m->name);
    if (q->ep_overlap && q->ep == 1) /* pinned without expert parallelism: the flag would do nothing */
        return cli_flag_error(err, "ep-overlap", "--ep 1 keeps every expert on each rank: there is no expert all-to-all "
                                                 "to overlap (drop one of the two)");
    q->zero = (int)cli_number_or(&CMD, v, "zero", -1);
    q->tokens = cli_number_or(&CMD, v, "tokens", in->rules.limits.tokens_per_param * sp_model_params(m));
    q->tokens_is_default = !cli_flag(&CMD, v, "tokens")->set;
    q->goodput = cli_number_or(&CMD, v, "goodput", in->rules.limits.goodput);
    q->mfu_cap = cli_number_or(&CMD, v, "mfu-cap", 0);
    sp_recompute r = SP_RECOMPUTE_NONE;
    bool pinned = false;
    sp_status s = cli_recompute(&CMD, v, &r, &pinned, err);
    if (pinned)
        q->recompute = (int)r;
    if (s == SP_OK)
        s = cli_precision(&CMD, v, &q->precision, err);
    if (s == SP_OK)
        s = cli_optimizer(&CMD, v, &q->optimizer, err);
    /* Searched unless pinned; the switch rows give the rest (option_defaults.c). */
    q->sequence_parallel = cli_flag(&CMD, v, "sequence-parallel")->set ? cli_on(&CMD, v, "sequence-parallel") : -1;
    q->flash_attention = cli_on(&CMD, v, "flash-attention");
    return s;
}

/* Each named accelerator from the catalog. */
typedef struct {
    cli_inputs in;
    sp_search_request request;
    const sp_accel *accels[MAX_ACCELS];
    size_t naccels;
    double counts[MAX_COUNTS];
    size_t ncounts;
    double spent; /* layouts checked so far by this request's searches */
    bool unpriced; /* the one part asked has no price: layout and time only */
} train_job;

static sp_status load_job(const cli_value *v, train_job *j, sp_error *err)
{
    sp_status s = cli_load_inputs(&CMD, v, "a training time", CLI_GPU_LIST, &j->in, err);
    if (s == SP_OK)
        s = cli_accel_list(&CMD, v, &j->in.catalog, j->accels, MAX_ACCELS, &j->naccels, err);
    if (s == SP_OK && !cli_flag(&CMD, v, "gpus")->set)
        s = cli_flag_error(err, "gpus",
                           "required: a count, or a range such as 8-4096 (doubling) to compare, with "
                           "--deadline-days or --budget-usd to find the fewest that meet them");
    if (s == SP_OK)
        s = cli_gpu_counts(cli_flag(&CMD, v, "gpus")->text, j->counts, MAX_COUNTS, &j->ncounts, err);
    if (s == SP_OK)
        s = request_from_flags(v, &j->in, &j->request, err);
    return s;
}

/* One search per accelerator and count; prices from the catalog unless given. */
static sp_status run_searches(const cli_value *v, train_job *j, sp_train_option *options, size_t *n, sp_error *err)
{
    sp_memory_constants mk = sp_rules_memory_constants(&j->in.rules);
    *n = 0;
    for (size_t a = 0; a < j->naccels; a++) {
        double price = cli_number_or(&CMD, v, "usd-per-gpu-hour", j->accels[a]->usd_per_hour);
        /* A part nobody prices still gets its layout and time, alone: a comparison or a budget needs
         * the price (data/accelerators.yaml leaves unpublished prices empty). */
        if (!(price > 0) && (j->naccels > 1 || cli_flag(&CMD, v, "budget-usd")->set))
            return cli_flag_error(err, "usd-per-gpu-hour",
                                  "'%s' has no public price in the catalog: give one (asked alone and without "
                                  "--budget-usd it gets its layout and time, unpriced)",
                                  j->accels[a]->name);
        j->unpriced = !(price > 0);
        if (j->unpriced) /* a nominal $1: the options then weigh GPU-hours, as a price would on one part */
            price = 1.0;
        for (size_t c = 0; c < j->ncounts; c++) {
            sp_search_request q = j->request;
            q.gpus = j->counts[c];
            /* Given, or the catalog's for this many GPUs (AWS rents L4s 1, 4 or 8 to an instance). */
            q.usd_per_gpu_hour = j->unpriced || cli_flag(&CMD, v, "usd-per-gpu-hour")->set
                                     ? price
                                     : sp_accel_usd_per_gpu_hour(j->accels[a], q.gpus);
            options[*n].accel = j->accels[a];
            options[*n].gpus = q.gpus;
            sp_status s = sp_train_search(&j->in.model, j->accels[a], &q, &mk, &j->in.rules.perf,
                                          (size_t)cli_number(&CMD, v, "top"), &options[*n].result, err);
            if (s != SP_OK)
                return s;
            j->spent += options[*n].result.plans_evaluated;
            (*n)++;
            if (j->spent > REQUEST_LAYOUTS_MAX)
                return cli_flag_error(err, "gpus",
                                      "%zu accelerator(s) x %zu count(s) hold more than %d layouts, the most one request "
                                      "checks: ask for fewer, or pin --tp, --pp or --micro-batch",
                                      j->naccels, j->ncounts, REQUEST_LAYOUTS_MAX);
        }
    }
    return SP_OK;
}

/* Layouts a search at `gpus` of the first part and a global batch would check (0: none splits). */
static double layouts_at_batch(const train_job *j, const sp_memory_constants *mk, double gpus, double global_batch)
{
    static sp_search_result r;
    sp_search_request q = j->request;
    q.gpus = gpus;
    q.global_batch = global_batch;
    q.usd_per_gpu_hour = 1;
    sp_error err;
    if (sp_train_search(&j->in.model, j->accels[0], &q, mk, &j->in.rules.perf, 1, &r, &err) != SP_OK)
        return 0;
    return r.plans_evaluated;
}

static double layouts_at(const train_job *j, const sp_memory_constants *mk, double gpus)
{
    return layouts_at_batch(j, mk, gpus, j->request.global_batch);
}

/* Not one layout checked at any count: the counts cannot be split as the model and the pins
 * need (a part with no network past one server, tp not dividing the heads, dp not dividing the
 * batch ...): bad input, naming the nearest count above that can. */
static sp_status check_something_checked(const train_job *j, const sp_train_option *options, size_t n, sp_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (options[i].result.plans_evaluated > 0)
            return SP_OK;
    for (size_t a = 0; a < j->naccels; a++)
        for (size_t c = 0; c < j->ncounts; c++)
            if (j->counts[c] > j->accels[a]->per_node && !(j->accels[a]->inter_node_bytes_per_s > 0))
                return cli_flag_error(err, "gpus", "%s has no published inter-node network: at most %g GPUs",
                                      j->accels[a]->name, j->accels[a]->per_node);
    /* A pinned ZeRO stage on one GPU: ZeRO shards over data-parallel ranks, and one GPU has none. */
    if (j->ncounts == 1 && j->counts[0] == 1 && j->request.zero > 0)
        return cli_flag_error(err, "zero", "ZeRO-%g shards over data-parallel ranks and one GPU has none: --zero 0, "
                                           "or more --gpus",
                              (double)j->request.zero);
    /* Pins that cannot hold together at the one count asked: said as they are. */
    const sp_search_request *pin = &j->request;
    double cp = pin->cp > 0 ? pin->cp : 1;
    if (j->ncounts == 1 && pin->tp > 0 && pin->pp > 0 && pin->dp > 0 && pin->tp * cp * pin->pp * pin->dp != j->counts[0])
        return cli_flag_error(err, "gpus", "--tp %g x --cp %g x --pp %g x --dp %g is %g GPUs, not the %g asked",
                              pin->tp, cp, pin->pp, pin->dp, pin->tp * cp * pin->pp * pin->dp, j->counts[0]);
    for (size_t a = 0; a < j->naccels; a++)
        if (pin->tp > j->accels[a]->per_node)
            return cli_flag_error(err, "tp", "%g spans more than one %g-GPU %s server: tensor parallelism stays within "
                                             "a node (its all-reduces run every layer)",
                                  pin->tp, j->accels[a]->per_node, j->accels[a]->name);
    sp_memory_constants mk = sp_rules_memory_constants(&j->in.rules);
    double top = j->counts[j->ncounts - 1], next = 0;
    for (double g = top + 1; g <= fmin(2 * top + 8, top + 64) && next == 0; g++) /* a bounded look */
        if (layouts_at(j, &mk, g) > 0)
            next = g;
    /* A batch the count splits: the next multiple of 8 past the one asked, up to twice it, at most
     * 64 tries (each is a search). */
    double batch = 0, asked = j->request.global_batch, first = (floor(asked / 8) + 1) * 8;
    for (double b = first; b <= fmin(2 * asked, first + 8 * 63) && batch == 0; b += 8)
        if (layouts_at_batch(j, &mk, top, b) > 0)
            batch = b;
    char hint[128] = "";
    /* "16k" reads 16000 (counts are SI); the binary count it was likely meant as may split */
    double binary = top / 1000.0 * 1024.0;
    if (sp_divides(1000, top) && top >= 1000 && layouts_at(j, &mk, binary) > 0)
        snprintf(hint, sizeof hint, " (%gk is %g; %gKi, %g, splits)", top / 1000, top, top / 1000, binary);
    else if (next > 0 && batch > 0)
        snprintf(hint, sizeof hint, " (%g would, or --global-batch %g)", next, batch);
    else if (next > 0)
        snprintf(hint, sizeof hint, " (%g would)", next);
    else if (batch > 0)
        snprintf(hint, sizeof hint, " (--global-batch %g would)", batch);
    /* The rules the search applies (search.c: divisors and add_uneven_stages); "as pinned" only
     * when some degree was. */
    const sp_search_request *q = &j->request;
    bool pins = q->tp > 0 || q->pp > 0 || q->dp > 0 || q->cp > 0 || q->ep > 0 || q->etp > 0 || q->micro_batch > 0 ||
                q->interleave > 0 || q->zero >= 0;
    /* The hint first: the rules after it may run past the error's length. */
    return cli_flag_error(err, "gpus",
                          "no layout splits %g GPU(s)%s: dp must divide the global batch of %g%s, tp x cp x pp the "
                          "GPUs, tp the %g heads within a node, 2 x cp the sequence, pp the %g layers or be a power of "
                          "two (any count up to them with --pp)%s%s",
                          top, hint, q->global_batch, q->global_batch_is_default ? " (the default: --global-batch)" : "",
                          j->in.model.heads, j->in.model.layers,
                          j->in.model.experts > 1 ? "; ep the experts and ep x etp the tp x cp x dp ranks" : "",
                          pins ? ", as pinned" : "");
}

/* Nothing fits memory at any count: the first power of two past the largest count (up to 2^16 times)
 * at which some part fits, for the report to name. */
static void find_fitting_count(const train_job *j, const sp_train_option *options, size_t n, sp_train_report *report)
{
    for (size_t i = 0; i < n; i++)
        if (options[i].result.found)
            return;
    sp_memory_constants mk = sp_rules_memory_constants(&j->in.rules);
    static sp_search_result r;
    double spent = j->spent; /* the request's layouts limit bounds these searches too */
    /* Powers of two past the largest count asked (the list may be in any order): they split the
     * batch, heads and layers where a doubling of 3 (6, 12, 24 ...) may split none of them. */
    double largest = 0;
    for (size_t c = 0; c < j->ncounts; c++)
        largest = fmax(largest, j->counts[c]);
    for (double g = pow(2.0, floor(log2(largest)) + 1.0); g <= 65536.0 * largest && g <= 1e8; g *= 2)
        for (size_t a = 0; a < j->naccels && spent <= REQUEST_LAYOUTS_MAX; a++) {
            sp_search_request q = j->request;
            q.gpus = g;
            q.usd_per_gpu_hour = 1;
            sp_error err;
            sp_status s = sp_train_search(&j->in.model, j->accels[a], &q, &mk, &j->in.rules.perf, 1, &r, &err);
            spent += r.plans_evaluated;
            if (s == SP_OK && r.found) {
                report->fits_from_gpus = g;
                report->fits_from_accel = j->accels[a];
                return;
            }
        }
}

/* --format profile writes what a profile can say: a catalog model, the part, count, batch, tokens,
 * precision, optimizer, the pinned layout (micro-batch, tp, pp, dp, cp, ep, etp, interleave, zero)
 * and price. The plan searches the rest again, so a flag that steers the search some other way
 * would be dropped on the way: refused instead. */
static sp_status check_profile_flags(const cli_value *v, sp_error *err)
{
    static const char *const not_in_profiles[] = {"ep-overlap", "tp-overlap", "eager-modules", "recompute",
                                                   "sequence-parallel", "goodput", "mfu-cap"};
    if (!cli_flag(&CMD, v, "model")->set)
        return cli_flag_error(err, "format", "profile: a profile names a catalog model; give --model");
    /* A fine-tune's profile (its method, rank, quantisation) is finetune's to write. */
    if (cli_flag(&CMD, v, "method")->set)
        return cli_flag_error(err, "method",
                              "a fine-tune's profile is written by `stackplan finetune` with the same flags and "
                              "--format profile");
    sp_status s = cli_refuse_for_profile(&CMD, v, not_in_profiles, sizeof not_in_profiles / sizeof not_in_profiles[0],
                                         "search the layout", err);
    if (s != SP_OK)
        return s;
    if (!cli_on(&CMD, v, "flash-attention"))
        return cli_flag_error(err, "flash-attention",
                              "a profile plans with FlashAttention: drop --no-flash-attention with --format profile");
    return SP_OK;
}

/* --method: the fine-tuning model at the counts of --gpus, not the pre-training search. */
static int train_fine_tune(const cli_value *v, sp_format format)
{
    sp_error err;
    sp_error_clear(&err);
    cli_inputs in;
    const sp_accel *accels[MAX_ACCELS];
    size_t count = 0, ncounts = 0;
    double counts[MAX_COUNTS];
    static const sp_ft_request defaults = SP_FT_REQUEST_INIT;
    static sp_ft_request q;
    q = defaults;
    sp_status s = cli_load_inputs(&CMD, v, "fine-tuning", CLI_GPU_LIST, &in, &err);
    if (s == SP_OK)
        s = cli_accel_list(&CMD, v, &in.catalog, accels, MAX_ACCELS, &count, &err);
    static const char *const layout_pins[] = {"tp", "pp", "dp", "ep", "etp", "cp", "zero", "interleave", "global-batch",
                                              "eager-modules", "tp-overlap", "ep-overlap"};
    for (size_t i = 0; s == SP_OK && i < sizeof layout_pins / sizeof layout_pins[0]; i++)
        if (cli_flag(&CMD, v, layout_pins[i])->set)
            s = cli_flag_error(&err, layout_pins[i],
                               "a fine-tune (--method) is data-parallel, DDP or FSDP as it fits, its modules eager "
                               "unless --fused-kernels: --%s does not apply",
                               layout_pins[i]);
    if (s == SP_OK)
        s = cli_ft_base(&CMD, v, &in.model, true, &q.base, &err);
    if (s == SP_OK && !cli_flag(&CMD, v, "gpus")->set)
        s = cli_flag_error(&err, "gpus", "required (a count, a range A-B or a list)");
    if (s == SP_OK && strchr(cli_flag(&CMD, v, "gpus")->text, ','))
        s = cli_flag_error(&err, "gpus", "a fine-tune tries N or the powers of two of A-B, not a list");
    if (s == SP_OK)
        s = cli_gpu_counts(cli_flag(&CMD, v, "gpus")->text, counts, MAX_COUNTS, &ncounts, &err);
    sp_recompute recompute = SP_RECOMPUTE_NONE;
    bool pinned = false;
    if (s == SP_OK)
        s = cli_recompute(&CMD, v, &recompute, &pinned, &err);
    if (s != SP_OK) {
        sp_accel_catalog_free(&in.catalog);
        return cli_fail(&err);
    }
    q.methods = 1u << q.base.method;
    q.gpus_min = counts[0];
    q.gpus_max = counts[ncounts - 1];
    q.micro_batch = cli_number_or(&CMD, v, "micro-batch", 0);
    q.offload = cli_flag(&CMD, v, "offload")->set ? (int)q.base.offload : -1;
    q.checkpointing = pinned ? recompute != SP_RECOMPUTE_NONE : -1;
    q.tokens_given = cli_flag(&CMD, v, "tokens")->set;
    q.tokens = cli_number_or(&CMD, v, "tokens", q.tokens);
    q.deadline_hours = cli_number_or(&CMD, v, "deadline-days", 0) * 24.0;
    q.budget_usd = cli_number_or(&CMD, v, "budget-usd", 0);
    q.usd_per_gpu_hour = cli_number_or(&CMD, v, "usd-per-gpu-hour", 0);
    return cli_ft_run(&in, accels, count, &q, format);
}

int cmd_train(int argc, char **argv)
{
    cli_value v[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, NULL, NULL, &format, CLI_HTML | CLI_PROFILE);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    if (format == SP_FORMAT_PROFILE && check_profile_flags(v, &err) != SP_OK)
        return cli_fail(&err);
    if (cli_flag(&CMD, v, "method")->set)
        return train_fine_tune(v, format);
    train_job *j = calloc(1, sizeof *j);
    sp_train_option *options = calloc(MAX_ACCELS * MAX_COUNTS, sizeof *options);
    if (!j || !options) {
        free(j);
        free(options);
        fprintf(cli_err(), "stackplan: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    size_t n = 0;
    sp_status s = cli_ft_flags_need_method(&CMD, v, NULL, &err);
    if (s == SP_OK)
        s = load_job(v, j, &err);
    if (s == SP_OK)
        s = run_searches(v, j, options, &n, &err);
    if (s == SP_OK)
        s = check_something_checked(j, options, n, &err);
    if (s == SP_OK && format == SP_FORMAT_PROFILE && j->unpriced)
        s = cli_flag_error(&err, "usd-per-gpu-hour",
                           "'%s' has no public price: a profile's plan prices the run, so give one", j->accels[0]->name);
    char *text = NULL;
    bool meets = false;
    if (s == SP_OK) {
        j->request.usd_per_gpu_hour = cli_number_or(&CMD, v, "usd-per-gpu-hour", 0);
        sp_train_report report = {&j->in.model, &j->request, options, n, cli_number_or(&CMD, v, "deadline-days", 0),
                                  cli_number_or(&CMD, v, "budget-usd", 0), (size_t)cli_number(&CMD, v, "top"), &j->in.rules,
                                  0, NULL, j->unpriced};
        find_fitting_count(j, options, n, &report);
        meets = sp_train_report_meets(&report);
        if (format == SP_FORMAT_PROFILE && !sp_train_report_winner(&report)) /* understood, nothing to write */
            text = strdup("# stackplan train --format profile: no layout fits memory at the counts asked, so there "
                             "is no run to write (the text report names the count that would fit)\n");
        else if (format == SP_FORMAT_PROFILE)
            text = sp_train_profile(&report, &err);
        else
            text = sp_render_train(&report, format, &err);
    }
    sp_accel_catalog_free(&j->in.catalog);
    free(j);
    free(options);
    if (!text)
        return cli_fail(&err);
    int status = cli_emit(text);
    /* Nothing fits, or the deadline or budget given is missed: understood, and no plan meets it. */
    return status == CLI_EXIT_OK && !meets ? CLI_EXIT_UNMET : status;
}

const cli_command *cmd_train_spec(void) { return &CMD; }
