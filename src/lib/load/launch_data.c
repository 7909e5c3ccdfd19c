/* launch_data.c - loads data/launch.yaml: what launch scripts export and ask for beyond a plan
 * (environment, Slurm sizing, checkpoint cadence, recipe hyperparameters), each with a source. */
#include "load_internal.h"

#include <stddef.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    const char *key;
    size_t offset; /* into sp_launch_data */
    double min, max;
} number_spec;

#define NUMBER(k, lo, hi) {#k, offsetof(sp_launch_data, k), lo, hi}

static const number_spec NUMBERS[] = {
    NUMBER(cpus_per_gpu, 1, 1024),     NUMBER(host_memory_margin, 0, 10), NUMBER(time_margin, 0, 10),    NUMBER(requeue_signal_s, 60, 65535),
    NUMBER(checkpoint_minutes, 1, 1e5), NUMBER(lr, 1e-7, 1),          NUMBER(lr_70b, 1e-7, 1),
    NUMBER(lr_405b, 1e-7, 1),          NUMBER(lr_70b_from_params_b, 0, 1e6), NUMBER(lr_405b_from_params_b, 0, 1e6),          NUMBER(min_lr_ratio, 0, 1),
    NUMBER(warmup_iters, 0, 1e7),      NUMBER(weight_decay, 0, 1),    NUMBER(clip_grad, 0, 1e3),
    NUMBER(adam_beta2, 0, 1),          NUMBER(ft_full_lr, 1e-8, 1),   NUMBER(ft_lora_lr, 1e-8, 1),
    NUMBER(lora_alpha_per_rank, 0, 64), NUMBER(ft_warmup_ratio, 0, 1),  NUMBER(ft_batch_sequences, 1, 1e6),
    NUMBER(moe_aux_loss_coeff, 0, 1),  NUMBER(long_job_hours, 1, 1e6),
    NUMBER(serve_probe_delay_s, 0, 1e6), NUMBER(serve_download_bytes_per_s, 1e6, 1e12),
};
enum { NUMBER_COUNT = sizeof NUMBERS / sizeof NUMBERS[0] };

static const char *const TEXT_KEYS[] = {"cuda_wheel_index", "rocm_wheel_index", "neuron_wheel_index",
                                        "cuda_torch_image", "cuda_ray_image",     "rocm_torch_image",
                                        "rocm_ray_image"};
enum { TEXT_COUNT = sizeof TEXT_KEYS / sizeof TEXT_KEYS[0] };
static const char *const WHEN[] = {"all", "gpu", "megatron", "multi-node", NULL};

static const sp_field ENV_FIELDS[] = {
    {"name", offsetof(sp_env_var, name), sizeof(((sp_env_var *)0)->name), 0, 0, 0, true},
    {"value", offsetof(sp_env_var, value), sizeof(((sp_env_var *)0)->value), 0, 0, 0, true},
    {"when", offsetof(sp_env_var, when), sizeof(((sp_env_var *)0)->when), 0, 0, 0, true},
    {"source", 0, 1, 0, 0, 0, true},
};

/* A {value, source} entry whose value is text. */
static sp_status sourced_text(sp_yaml *y, yaml_node_t *root, const char *key, char *out, size_t size, sp_error *err)
{
    const sp_field fields[] = {{"value", 0, size, 0, 0, 0, true}, {"source", 0, 1, 0, 0, 0, true}};
    yaml_node_t *entry = sp_yaml_mapping_get(y, root, key);
    if (!entry)
        return sp_yaml_fail(y, root, key, err, "missing");
    return sp_yaml_read_row(y, entry, key, fields, 2, out, err);
}

/* Names the scripts export: one of WHEN each, never twice. */
static sp_status load_env(sp_yaml *y, yaml_node_t *list, sp_launch_data *out, sp_error *err)
{
    sp_status status = sp_yaml_expect(y, list, YAML_SEQUENCE_NODE, "env", err);
    for (yaml_node_item_t *it = status == SP_OK ? list->data.sequence.items.start : NULL;
         status == SP_OK && it < list->data.sequence.items.top; it++) {
        yaml_node_t *row = sp_yaml_node(y, *it);
        if (out->env_count == SP_ENV_MAX)
            return sp_yaml_fail(y, row, "env", err, "more than %d rows", SP_ENV_MAX);
        sp_env_var *v = &out->env[out->env_count];
        status = sp_yaml_read_row(y, row, "env", ENV_FIELDS, sizeof ENV_FIELDS / sizeof ENV_FIELDS[0], v, err);
        if (status == SP_OK && sp_key_index(WHEN, v->when) < 0)
            status = sp_yaml_fail(y, sp_yaml_mapping_get(y, row, "when"), "when", err,
                                  "'%s' is not all, gpu, megatron or multi-node", v->when);
        for (size_t c = 0; status == SP_OK && v->name[c]; c++)
            if (!((v->name[c] >= 'A' && v->name[c] <= 'Z') || (v->name[c] >= '0' && v->name[c] <= '9') ||
                  v->name[c] == '_'))
                status = sp_yaml_fail(y, sp_yaml_mapping_get(y, row, "name"), "name", err,
                                      "'%s' is not an environment variable name (A-Z, 0-9, _)", v->name);
        for (unsigned i = 0; status == SP_OK && i < out->env_count; i++)
            if (!strcmp(out->env[i].name, v->name))
                status = sp_yaml_fail(y, sp_yaml_mapping_get(y, row, "name"), "name", err, "'%s' is set twice",
                                      v->name);
        out->env_count++;
    }
    return status;
}

sp_status sp_load_launch_data(sp_yaml *y, sp_launch_data *out, sp_error *err)
{
    yaml_node_t *root = sp_yaml_root(y);
    memset(out, 0, sizeof *out);
    sp_status status = sp_yaml_expect(y, root, YAML_MAPPING_NODE, "launch", err);
    if (status == SP_OK)
        status = sp_yaml_no_duplicate_keys(y, root, err);
    for (yaml_node_pair_t *p = status == SP_OK ? root->data.mapping.pairs.start : NULL;
         status == SP_OK && p < root->data.mapping.pairs.top; p++) {
        const char *key = sp_yaml_scalar(sp_yaml_node(y, p->key));
        bool known = !strcmp(key, "env");
        for (size_t i = 0; i < TEXT_COUNT; i++)
            known = known || !strcmp(key, TEXT_KEYS[i]);
        for (size_t i = 0; i < NUMBER_COUNT; i++)
            known = known || !strcmp(key, NUMBERS[i].key);
        if (!known)
            status = sp_yaml_fail(y, sp_yaml_node(y, p->key), key, err, "unknown key in launch");
    }
    for (size_t i = 0; status == SP_OK && i < NUMBER_COUNT; i++) {
        double value = 0;
        status = sp_yaml_sourced_number(y, root, NUMBERS[i].key, NUMBERS[i].min, NUMBERS[i].max, 0, &value, err);
        memcpy((char *)out + NUMBERS[i].offset, &value, sizeof value);
    }
    char *const texts[TEXT_COUNT] = {out->cuda_wheel_index, out->rocm_wheel_index, out->neuron_wheel_index,
                                     out->cuda_torch_image, out->cuda_ray_image,     out->rocm_torch_image,
                                     out->rocm_ray_image};
    for (size_t i = 0; status == SP_OK && i < TEXT_COUNT; i++)
        status = sourced_text(y, root, TEXT_KEYS[i], texts[i], SP_TEXT_MAX, err);
    yaml_node_t *env = status == SP_OK ? sp_yaml_mapping_get(y, root, "env") : NULL;
    if (status == SP_OK && !env)
        status = sp_yaml_fail(y, root, "env", err, "missing");
    if (status == SP_OK)
        status = load_env(y, env, out, err);
    return status;
}
