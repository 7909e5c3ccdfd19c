/* cmd_finetune.c - `stackplan finetune`: which of full, LoRA and QLoRA fits which GPUs, how
 * long the dataset takes, what it costs, and the framework that runs it. */
#include "api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ACCELS = 8 };

static const cli_opt OPTS[] = {
    CLI_MODEL_OPTS,
    {"gpu", CLI_TEXT, "NAME[,NAME]", "accelerator(s) from the catalog (required)"},
    {"gpus", CLI_TEXT, "N|A-B", "GPU counts to try (default 1-8, within one server for cards without a network)"},
    {"dataset-gb", CLI_NUMBER, "GB", "text to train on, in GB (tokens: data/defaults.yaml dataset_bytes_per_token)"},
    {"tokens", CLI_NUMBER, "N", "tokens to train on, one epoch (instead of --dataset-gb)"},
    {"epochs", CLI_NUMBER, "E", "passes over the data (default 1)"},
    {"seq", CLI_NUMBER, "S", "tokens a sequence (default 2048, at most the model's context)"},
    {"micro-batch", CLI_NUMBER, "B", "sequences a GPU a step (default: the largest that fits, at most 16)"},
    {"checkpointing", CLI_FLAG, NULL, "gradient checkpointing (default: off when it fits, else on)"},
    CLI_FT_OPTS,
    {"precision", CLI_TEXT, "P", "bf16 (default: pure bf16 as HF torch_dtype and litgpt bf16-true), mixed-bf16, fp32"},
    {"optimizer", CLI_TEXT, "O", "adamw (default), adam, adam8bit, sgd, adafactor"},
    {"deadline-hours", CLI_NUMBER, "H", "finish within this many hours"},
    {"budget-usd", CLI_NUMBER, "USD", "spend at most this"},
    {"usd-per-gpu-hour", CLI_NUMBER, "C", "price of a GPU-hour (default: the catalog's, for the instance the GPUs come in)"},
    {"format", CLI_TEXT, "text|json|html|profile",
     "output format (default text; html: a page with charts; profile: the recommendation as a profile for plan and launch)"},
};

static const cli_command CMD = {
    "stackplan finetune (--model NAME | --hf-config FILE | --layers ...) --gpu NAME[,NAME] [options]",
    "Which fine-tuning methods (full, LoRA, QLoRA; DoRA with --method) fit which GPUs: memory per GPU\n"
    "as nvidia-smi shows it, the largest micro-batch, tokens/s, hours and cost for the dataset, and the\n"
    "cheapest option that meets --deadline-hours and --budget-usd with the framework that runs it.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 0};

/* N or A-B: a fine-tune tries the powers of two from A and B itself. */
static sp_status parse_counts(const cli_value *v, sp_ft_request *q, sp_error *err)
{
    const cli_value *f = cli_flag(&CMD, v, "gpus");
    if (!f->set)
        return SP_OK;
    if (strchr(f->text, ','))
        return cli_flag_error(err, "gpus", "a fine-tune tries N or the powers of two of A-B, not a list");
    double counts[64];
    size_t n = 0;
    sp_status s = cli_gpu_counts(f->text, counts, 64, &n, err);
    if (s != SP_OK)
        return s;
    if (counts[n - 1] > 65536)
        return cli_flag_error(err, "gpus", "at most 65536 GPUs");
    q->gpus_min = counts[0];
    q->gpus_max = counts[n - 1];
    return SP_OK;
}

static sp_status parse_methods(const cli_value *v, unsigned *out, sp_error *err)
{
    const cli_value *f = cli_flag(&CMD, v, "method");
    if (!f->set)
        return SP_OK;
    char copy[128];
    snprintf(copy, sizeof copy, "%s", f->text);
    *out = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        sp_ft_method m;
        if (!sp_ft_method_parse(tok, &m))
            return cli_flag_error(err, "method", "'%s' is not full, lora, qlora or dora", tok);
        *out |= 1u << m;
    }
    return *out ? SP_OK : cli_flag_error(err, "method", "no method named");
}

static sp_status job_flags(const cli_value *v, const cli_inputs *in, sp_ft_request *q, sp_error *err)
{
    const cli_value *gb = cli_flag(&CMD, v, "dataset-gb"), *tokens = cli_flag(&CMD, v, "tokens");
    if (gb->set && tokens->set)
        return cli_flag_error(err, "tokens", "give --dataset-gb or --tokens, not both");
    double epochs = cli_number(&CMD, v, "epochs");
    q->tokens_given = gb->set || tokens->set;
    /* Passes over no data would scale the 100M-token unit the report prices per: say what is missing. */
    if (cli_flag(&CMD, v, "epochs")->set && !q->tokens_given)
        return cli_flag_error(err, "epochs", "passes over the data need the data: give --dataset-gb or --tokens");
    if (gb->set)
        q->tokens = gb->number * 1e9 / in->rules.limits.dataset_bytes_per_token * epochs;
    if (tokens->set)
        q->tokens = tokens->number * epochs;
    q->dataset_gb = gb->set ? gb->number : 0;
    q->epochs = cli_flag(&CMD, v, "epochs")->set ? epochs : 0;
    if (!(q->tokens >= 1))
        return cli_flag_error(err, gb->set ? "dataset-gb" : "epochs", "the job trains on less than one token");
    q->deadline_hours = cli_number_or(&CMD, v, "deadline-hours", 0);
    q->budget_usd = cli_number_or(&CMD, v, "budget-usd", 0);
    q->usd_per_gpu_hour = cli_number_or(&CMD, v, "usd-per-gpu-hour", 0);
    q->micro_batch = cli_number_or(&CMD, v, "micro-batch", 0);
    const cli_value *gc = cli_flag(&CMD, v, "checkpointing");
    q->checkpointing = -1;
    if (gc->set && strcmp(gc->text, "on") && strcmp(gc->text, "off"))
        return cli_flag_error(err, "checkpointing", "'%s' is not on or off", gc->text);
    if (gc->set)
        q->checkpointing = !strcmp(gc->text, "on");
    q->offload = cli_flag(&CMD, v, "offload")->set ? (int)q->base.offload : -1;
    return SP_OK;
}

static sp_status request_from_flags(const cli_value *v, const cli_inputs *in, sp_ft_request *q, sp_error *err)
{
    sp_ft_request defaults = SP_FT_REQUEST_INIT;
    *q = defaults;
    sp_status s = cli_ft_base(&CMD, v, &in->model, false, &q->base, err);
    if (s != SP_OK)
        return s;
    s = parse_methods(v, &q->methods, err);
    if (s == SP_OK)
        s = parse_counts(v, q, err);
    if (s == SP_OK && q->base.quant != SP_QUANT_NONE && !(q->methods & SP_METHODS_QLORA))
        s = cli_flag_error(err, "quant", "a quantised base is QLoRA: add qlora to --method");
    /* QLoRA is a quantised base by definition (Dettmers et al. 2023): an explicit none contradicts it, as
     * `memory` says (finetune.c sp_ft_config_check), rather than being quietly read as NF4. */
    bool unquantised = cli_flag(&CMD, v, "quant")->set && q->base.quant == SP_QUANT_NONE;
    if (s == SP_OK && unquantised && !cli_flag(&CMD, v, "method")->set)
        q->methods &= ~(unsigned)SP_METHODS_QLORA; /* the methods left to the search: those on a 16-bit base */
    if (s == SP_OK && (q->methods & SP_METHODS_QLORA) && unquantised)
        s = cli_flag_error(err, "quant", "QLoRA needs a quantised base: nf4, fp4, int4 or int8 (drop qlora from --method "
                                         "for a 16-bit base)");
    if (s == SP_OK && q->base.fp32_upcast && !(q->methods & SP_METHODS_QLORA)) /* PEFT's, for quantised bases */
        s = cli_flag_error(err, "kbit-upcast", unquantised ? "applies to a quantised base, and --quant none asks for none"
                                                          : "applies to a quantised base: add qlora to --method");
    if (s == SP_OK && !(q->methods & SP_METHODS_QLORA))
        q->base.quant = SP_QUANT_NONE;
    return s == SP_OK ? job_flags(v, in, q, err) : s;
}

int cmd_finetune(int argc, char **argv)
{
    cli_value v[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, NULL, NULL, &format, CLI_HTML | CLI_PROFILE);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    cli_inputs in;
    const sp_accel *accels[MAX_ACCELS];
    size_t count = 0;
    static sp_ft_request q;
    /* A profile names a catalog model (as train's): a --hf-config model's profile would be refused by
     * the plan and launch it is written for. */
    if (format == SP_FORMAT_PROFILE && !cli_flag(&CMD, v, "model")->set) {
        fprintf(cli_err(), "stackplan: --format: profile: a profile names a catalog model (`stackplan catalog models`); "
                        "give --model, or keep --hf-config models to text and JSON\n");
        return CLI_EXIT_INPUT;
    }
    sp_status s = cli_load_inputs(&CMD, v, "fine-tuning", CLI_GPU_LIST, &in, &err);
    if (s == SP_OK)
        s = cli_accel_list(&CMD, v, &in.catalog, accels, MAX_ACCELS, &count, &err);
    if (s == SP_OK)
        s = request_from_flags(v, &in, &q, &err);
    /* A budget needs every part's price: an unpriced one would look free (as train refuses it). */
    for (size_t i = 0; s == SP_OK && q.budget_usd > 0 && !(q.usd_per_gpu_hour > 0) && i < count; i++)
        if (!(accels[i]->usd_per_hour > 0))
            s = cli_flag_error(&err, "budget-usd", "'%s' has no public price in the catalog: give --usd-per-gpu-hour "
                                                   "to hold it to a budget",
                               accels[i]->name);
    if (s != SP_OK) {
        sp_accel_catalog_free(&in.catalog);
        return cli_fail(&err);
    }
    return cli_ft_run(&in, accels, count, &q, format);
}

const cli_command *cmd_finetune_spec(void) { return &CMD; }
