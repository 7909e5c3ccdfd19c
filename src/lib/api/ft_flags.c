/* ft_flags.c - the fine-tuning flags `finetune` and `memory` share. */
#include "api_internal.h"

#include <string.h>

static sp_status words(const cli_command *cmd, const cli_value *v, bool one_method, sp_ft_config *c, sp_error *err)
{
    const cli_value *f = cli_flag(cmd, v, "method");
    if (one_method && f->set && !sp_ft_method_parse(f->text, &c->method))
        return cli_flag_error(err, "method", "'%s' is not full, lora, qlora or dora", f->text);
    if ((f = cli_flag(cmd, v, "quant"))->set && !sp_quant_parse(f->text, &c->quant))
        return cli_flag_error(err, "quant", "'%s' is not none, nf4, fp4, int4 or int8", f->text);
    if ((f = cli_flag(cmd, v, "offload"))->set && !sp_offload_parse(f->text, &c->offload))
        return cli_flag_error(err, "offload", "'%s' is not none, optimizer or optimizer+params", f->text);
    char bad[72];
    if ((f = cli_flag(cmd, v, "lora-targets"))->set && !sp_targets_parse(f->text, &c->targets, bad, sizeof bad))
        return cli_flag_error(err, "lora-targets", "'%s' is not a projection (q,k,v,o,gate,up,down, attn, mlp, all-linear)",
                              bad);
    return SP_OK;
}

sp_status cli_ft_flags(const cli_command *cmd, const cli_value *v, bool one_method, sp_ft_config *c, sp_error *err)
{
    sp_status s = words(cmd, v, one_method, c, err);
    c->double_quant = cli_on(cmd, v, "double-quant");
    if (s != SP_OK)
        return s;
    /* QLoRA means a 4-bit base: NF4 unless told otherwise (Dettmers et al. 2023). */
    if (c->method == SP_METHOD_QLORA && !cli_flag(cmd, v, "quant")->set)
        c->quant = SP_QUANT_NF4;
    c->lora_rank = cli_number_or(cmd, v, "lora-rank", c->lora_rank);
    c->lora_dropout = cli_number_or(cmd, v, "lora-dropout", c->lora_dropout);
    c->train_embeddings = cli_on(cmd, v, "train-embeddings");
    c->fused_kernels = cli_on(cmd, v, "fused-kernels");
    c->reentrant_outside_fsdp = cli_on(cmd, v, "reentrant-checkpointing");
    c->chunked_loss = cli_on(cmd, v, "chunked-loss");
    c->fp32_upcast = cli_on(cmd, v, "kbit-upcast");
    c->host_bytes = cli_number_or(cmd, v, "host-gb", 0) * 1e9;
    if (one_method && c->fp32_upcast && c->quant == SP_QUANT_NONE) /* PEFT calls it on quantised bases only */
        return cli_flag_error(err, "kbit-upcast", "applies to a quantised base (qlora, or --quant)");
    return SP_OK;
}

/* A context past the model's own (RoPE scaling, LongLoRA) is the user's to state, never assumed. */
sp_status cli_seq_within_context(const cli_command *cmd, const cli_value *v, const sp_model *m, double seq,
                                 const char *verb, sp_error *err)
{
    const cli_value *context = cli_flag(cmd, v, "context");
    if (context->set && seq > context->number)
        return cli_flag_error(err, "seq", "%g tokens is beyond the --context of %g", seq, context->number);
    if (!context->set && m->seq > 0 && seq > m->seq)
        return cli_flag_error(err, "seq", "%g tokens is beyond %s's context of %g (--context N %s a longer one, with "
                                          "RoPE scaling)",
                              seq, m->name, m->seq, verb);
    return SP_OK;
}

sp_status cli_ft_base(const cli_command *cmd, const cli_value *v, const sp_model *m, bool one_method, sp_ft_config *c,
                      sp_error *err)
{
    sp_ft_config defaults = SP_FT_CONFIG_INIT;
    *c = defaults;
    c->seq = cli_number_or(cmd, v, "seq", m->seq > 0 && m->seq < 2048 ? m->seq : 2048);
    sp_status s = cli_seq_within_context(cmd, v, m, c->seq, "fine-tunes at", err);
    if (s == SP_OK)
        s = cli_ft_flags(cmd, v, one_method, c, err);
    if (s == SP_OK)
        s = cli_precision(cmd, v, &c->precision, err);
    if (s == SP_OK)
        s = cli_optimizer(cmd, v, &c->optimizer, err);
    return s;
}

int cli_ft_run(cli_inputs *in, const sp_accel *const *accels, size_t count, const sp_ft_request *q, sp_format format)
{
    static sp_ft_result result; /* large: one search a process */
    sp_error err;
    sp_error_clear(&err);
    sp_ft_constants k = sp_rules_ft_constants(&in->rules);
    char *text = NULL;
    sp_model_as_transformers_loads(&in->model, &in->rules);
    if (sp_ft_search(&in->model, accels, count, q, &k, &in->rules.perf, &result, &err) == SP_OK) {
        sp_ft_report report = {&in->model, q, &result, &in->rules, in->catalog_model};
        if (format == SP_FORMAT_PROFILE && result.best < 0) /* understood, nothing to write: exit 3 below */
            text = strdup("# stackplan finetune --format profile: nothing fits at the counts asked, so there is no "
                          "fine-tune to write; the text report says what would fit\n");
        else
            text = format == SP_FORMAT_PROFILE ? sp_ft_profile(&report, &err) : sp_render_finetune(&report, format, &err);
    }
    sp_accel_catalog_free(&in->catalog);
    if (!text)
        return cli_fail(&err);
    int status = cli_emit(text);
    /* Nothing fits, or the deadline or budget given is met by no option: understood, no plan meets it. */
    bool unmet = result.best < 0 || ((q->deadline_hours > 0 || q->budget_usd > 0) && !result.items[result.best].meets);
    return status == CLI_EXIT_OK && unmet ? CLI_EXIT_UNMET : status;
}

sp_status cli_ft_flags_need_method(const cli_command *cmd, const cli_value *v, const char *allowed, sp_error *err)
{
    static const char *const FT_ONLY[] = {"lora-rank", "lora-targets", "lora-dropout",     "quant",
                                          "double-quant", "offload",   "train-embeddings", "fused-kernels",
                                          "reentrant-checkpointing",  "host-gb",           "chunked-loss",
                                          "kbit-upcast",              "context",           NULL};
    for (size_t i = 0; FT_ONLY[i]; i++)
        if ((!allowed || strcmp(allowed, FT_ONLY[i]) != 0) && cli_index(cmd, FT_ONLY[i]) < cmd->count &&
            cli_flag(cmd, v, FT_ONLY[i])->set)
            return cli_flag_error(err, FT_ONLY[i], "describes a fine-tune: give --method too");
    return SP_OK;
}
