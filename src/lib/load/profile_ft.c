/* profile_ft.c - a profile's fine-tune keys, each as the finetune flag of the same name reads it:
 * lora_rank, lora_dropout, lora_targets, quant, offload, and the switches (chunked_loss,
 * fused_kernels, double_quant, train_embeddings, kbit_upcast, reentrant_checkpointing). */
#include "load_internal.h"

#include <string.h>
#include <yaml.h>

static const struct {
    const char *key;
    unsigned bit;
} SWITCHES[] = {{"chunked_loss", SP_FT_SWITCH_CHUNKED_LOSS},         {"fused_kernels", SP_FT_SWITCH_FUSED_KERNELS},
                {"double_quant", SP_FT_SWITCH_DOUBLE_QUANT},         {"train_embeddings", SP_FT_SWITCH_TRAIN_EMBEDDINGS},
                {"kbit_upcast", SP_FT_SWITCH_KBIT_UPCAST},           {"reentrant_checkpointing", SP_FT_SWITCH_REENTRANT_CHECKPOINTING}};

static const char *const FT_KEYS[] = {"lora_rank", "lora_dropout", "lora_targets", "quant", "offload", "chunked_loss",
                                      "fused_kernels", "double_quant", "train_embeddings", "kbit_upcast",
                                      "reentrant_checkpointing", NULL};
_Static_assert(sizeof FT_KEYS / sizeof FT_KEYS[0] <= SP_PROFILE_FT_KEYS_MAX + 1, "profile.c's key list holds them");

const char *sp_ft_switch_key(unsigned bit)
{
    for (size_t i = 0; i < sizeof SWITCHES / sizeof SWITCHES[0]; i++)
        if (SWITCHES[i].bit == bit)
            return SWITCHES[i].key;
    return "";
}

const char *const *sp_profile_ft_keys(void)
{
    return FT_KEYS;
}

/* true or false (YAML 1.1's yes/no and on/off too, as PyYAML reads them). */
static sp_status read_bool(sp_yaml *y, const yaml_node_t *value, const char *key, bool *out, sp_error *err)
{
    char text[16];
    sp_status s = sp_yaml_string(y, value, key, text, sizeof text, err);
    if (s != SP_OK)
        return s;
    static const char *const yes[] = {"true", "True", "yes", "on"}, *const no[] = {"false", "False", "no", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!strcmp(text, yes[i]) || !strcmp(text, no[i])) {
            *out = !strcmp(text, yes[i]);
            return SP_OK;
        }
    return sp_yaml_fail(y, value, key, err, "'%s' is not true or false", text);
}

static sp_status read_text(sp_yaml *y, const yaml_node_t *value, const char *key, sp_profile *p, sp_error *err)
{
    char text[SP_NAME_MAX], bad[SP_NAME_MAX];
    sp_status s = sp_yaml_string(y, value, key, text, sizeof text, err);
    if (s != SP_OK)
        return s;
    if (!strcmp(key, "lora_targets")) {
        if (!sp_targets_parse(text, &p->lora_targets, bad, sizeof bad))
            return sp_yaml_fail(y, value, key, err,
                                "'%s' is not attn, mlp, all-linear or a list of q,k,v,o,gate,up,down", bad);
        return SP_OK;
    }
    if (!strcmp(key, "quant")) {
        sp_quant q;
        if (!sp_quant_parse(text, &q))
            return sp_yaml_fail(y, value, key, err, "'%s' is not none, nf4, fp4, int4 or int8", text);
        p->has_quant = true;
        p->quant = (int)q;
        return SP_OK;
    }
    sp_offload o;
    if (!sp_offload_parse(text, &o))
        return sp_yaml_fail(y, value, key, err, "'%s' is not none, optimizer or optimizer+params", text);
    p->has_offload = true;
    p->offload = (int)o;
    return SP_OK;
}

sp_status sp_profile_read_ft_key(sp_yaml *y, const char *key, const yaml_node_t *value, sp_profile *p, sp_error *err)
{
    if (!strcmp(key, "lora_rank"))
        return sp_yaml_number(y, value, key, 1, 4096, SP_NUM_INTEGER, &p->lora_rank, err);
    if (!strcmp(key, "lora_dropout")) {
        p->has_lora_dropout = true;
        return sp_yaml_number(y, value, key, 0, 0.99, 0, &p->lora_dropout, err);
    }
    for (size_t i = 0; i < sizeof SWITCHES / sizeof SWITCHES[0]; i++) /* a switch: said, and its value */
        if (!strcmp(key, SWITCHES[i].key)) {
            bool on = false;
            sp_status s = read_bool(y, value, key, &on, err);
            p->ft_switches_given |= SWITCHES[i].bit;
            p->ft_switches_on = on ? p->ft_switches_on | SWITCHES[i].bit : p->ft_switches_on & ~SWITCHES[i].bit;
            return s;
        }
    return read_text(y, value, key, p, err);
}
