/* hf_config.c - Hugging Face config.json files and the model catalog (data/models/NAME.json). */
#include "load_internal.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    const char *file;
    const char *text;   /* to point errors at the key's line and column */
    size_t length;
    json_t *root;
    sp_error *err;
    const char *not_boolean; /* the first switch read that holds something else (see hf_bool) */
} hf_config;

/* jansson keeps no positions for parsed values: find the key's first occurrence. */
static sp_status hf_fail(hf_config *c, const char *key, const char *message)
{
    unsigned line = 0, col = 0;
    char quoted[SP_ERR_FIELD_MAX + 2];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    size_t n = strlen(quoted);
    for (size_t i = 0, l = 1, start = 0; i + n <= c->length; i++) {
        if (c->text[i] == '\n') {
            l++;
            start = i + 1;
        } else if (!memcmp(c->text + i, quoted, n)) {
            line = (unsigned)l;
            col = (unsigned)(i - start + 1);
            break;
        }
    }
    if (!line) { /* a missing key: point at the start of the object */
        line = 1;
        col = 1;
    }
    return sp_fail(c->err, SP_ERR_INPUT, c->file, line, col, key, "%s", message);
}

/* The first of keys (NULL-terminated) present with a number; fallback if none. */
/* The first of keys the config gives: a count (layers, widths, heads, vocabulary), so a whole
 * number, or any number when `real` (a ratio). */
static sp_status hf_value(hf_config *c, const char *const *keys, double fallback, bool required, bool real,
                          double *out)
{
    for (int i = 0; keys[i]; i++) {
        json_t *v = json_object_get(c->root, keys[i]);
        if (!v || json_is_null(v))
            continue;
        double x = json_number_value(v);
        if (json_is_string(v)) { /* "4096": a number written as text, which config.json never does */
            char message[96];
            snprintf(message, sizeof message, "'%.40s' is quoted text: write the number bare", json_string_value(v));
            return hf_fail(c, keys[i], message);
        }
        if (!json_is_number(v) || x < 0 || x > 1e9 || (!real && x != floor(x)))
            return hf_fail(c, keys[i], real ? "must be a number from 0 to 1e9" : "must be a whole number from 0 to 1e9");
        *out = x;
        return SP_OK;
    }
    if (required)
        return hf_fail(c, keys[0], "missing");
    *out = fallback;
    return SP_OK;
}

static sp_status hf_number(hf_config *c, const char *const *keys, double fallback, bool required, double *out)
{
    return hf_value(c, keys, fallback, required, false, out);
}

/* A switch the config gives; fallback when absent or null. Anything else ("yes", 1) is kept as
 * the first wrong-typed key, refused once the family is read (check_shape), so that the many
 * switch reads stay expressions. */
static bool hf_bool(hf_config *c, const char *key, bool fallback)
{
    json_t *v = json_object_get(c->root, key);
    if (v && !json_is_null(v) && !json_is_boolean(v) && !c->not_boolean)
        c->not_boolean = key;
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Reads the fields every family names alike or nearly so. */
/* Switches some family reads: each is checked to be a switch in every file, read or not, so that
 * "tie_word_embeddings": "yes" is refused even where the family fixes the tie (MPT). */
static const char *const SWITCHES[] = {"tie_word_embeddings", "attention_bias", "mlp_bias", "no_bias", "bias",
                                       "multi_query", "new_decoder_architecture", "enable_bias",
                                       "do_layer_norm_before", NULL};

static sp_status hf_common(hf_config *c, sp_model *m)
{
    for (int i = 0; SWITCHES[i]; i++)
        (void)hf_bool(c, SWITCHES[i], false);
    sp_status s = hf_number(c, KEYS("hidden_size", "n_embd", "d_model", "n_embed"), 0, true, &m->hidden);
    if (s == SP_OK)
        s = hf_number(c, KEYS("num_hidden_layers", "n_layer", "n_layers"), 0, true, &m->layers);
    if (s == SP_OK)
        s = hf_number(c, KEYS("num_attention_heads", "n_head", "n_heads"), 0, true, &m->heads);
    if (s == SP_OK)
        s = hf_number(c, KEYS("vocab_size"), 0, true, &m->vocab);
    if (s == SP_OK)
        s = hf_number(c, KEYS("max_position_embeddings", "n_positions", "max_seq_len", "seq_length"),
                      2048, false, &m->seq);
    if (s == SP_OK)
        s = hf_number(c, KEYS("num_key_value_heads", "num_kv_heads"), m->heads, false, &m->kv_heads);
    if (s == SP_OK)
        s = hf_number(c, KEYS("head_dim"), m->heads > 0 ? m->hidden / m->heads : 0, false,
                      &m->head_dim);
    if (s == SP_OK) /* Su et al. 2021 (RoFormer): base 10000 where the file states none */
        s = hf_number(c, KEYS("rope_theta"), 10000, false, &m->rope_theta);
    json_t *scaling = json_object_get(c->root, "rope_scaling");
    json_t *kind = json_is_object(scaling) ? json_object_get(scaling, "rope_type") : NULL;
    if (json_is_object(scaling) && !kind)
        kind = json_object_get(scaling, "type");
    json_t *factor = json_is_object(scaling) ? json_object_get(scaling, "factor") : NULL;
    if (json_is_string(kind) && !strcmp(json_string_value(kind), "llama3") && json_is_number(factor))
        m->rope_llama3_factor = json_number_value(factor);
    m->experts = m->experts_per_token = 1;
    m->norms_per_layer = 2;
    m->final_norm = true;
    return s;
}

/* llama, mistral, mixtral, qwen2: SwiGLU, RMSNorm, RoPE, untied by default. */
static sp_status hf_llama(hf_config *c, sp_model *m, bool qwen)
{
    sp_status s = hf_number(c, KEYS("intermediate_size"), 0, true, &m->ffn);
    if (s == SP_OK)
        s = hf_number(c, KEYS("num_local_experts"), 1, false, &m->experts);
    if (s == SP_OK)
        s = hf_number(c, KEYS("num_experts_per_tok"), 1, false, &m->experts_per_token);
    m->ffn_kind = SP_FFN_SWIGLU;
    m->tied_embeddings = hf_bool(c, "tie_word_embeddings", false);
    m->qkv_bias = qwen || hf_bool(c, "attention_bias", false); /* Qwen2 always biases q, k, v */
    m->out_bias = !qwen && hf_bool(c, "attention_bias", false);
    m->mlp_bias = hf_bool(c, "mlp_bias", false);
    return s;
}

/* GPT-2 (and GPT-3 written as GPT-2): Conv1D with biases, LayerNorm, learned positions, tied. */
static sp_status hf_gpt2(hf_config *c, sp_model *m)
{
    sp_status s = hf_number(c, KEYS("n_inner"), 4.0 * m->hidden, false, &m->ffn);
    m->ffn_kind = SP_FFN_GELU;
    m->qkv_bias = m->out_bias = m->mlp_bias = m->norm_bias = true;
    m->tied_embeddings = hf_bool(c, "tie_word_embeddings", true);
    m->learned_positions = m->seq;
    m->dropout = true;
    return s;
}

static sp_status hf_neox(hf_config *c, sp_model *m)
{
    sp_status s = hf_number(c, KEYS("intermediate_size"), 4.0 * m->hidden, false, &m->ffn);
    m->ffn_kind = SP_FFN_GELU;
    m->qkv_bias = m->out_bias = m->mlp_bias = m->norm_bias = true;
    m->tied_embeddings = hf_bool(c, "tie_word_embeddings", false);
    return s;
}

/* Falcon: parallel attention and MLP; the new architecture has two norms a layer and GQA. */
static sp_status hf_falcon(hf_config *c, sp_model *m)
{
    sp_status s = hf_number(c, KEYS("ffn_hidden_size"), 4.0 * m->hidden, false, &m->ffn);
    bool new_arch = hf_bool(c, "new_decoder_architecture", false);
    if (!new_arch && hf_bool(c, "multi_query", true))
        m->kv_heads = 1;
    m->norms_per_layer = new_arch ? 2 : 1;
    m->ffn_kind = SP_FFN_GELU;
    bool bias = hf_bool(c, "bias", false);
    m->qkv_bias = m->out_bias = m->mlp_bias = bias;
    m->norm_bias = true;
    m->tied_embeddings = hf_bool(c, "tie_word_embeddings", true);
    return s;
}

/* BLOOM: ALiBi, a LayerNorm after the embedding, biases, tied. */
static sp_status hf_bloom(hf_config *c, sp_model *m)
{
    m->ffn = 4.0 * m->hidden;
    m->ffn_kind = SP_FFN_GELU;
    m->qkv_bias = m->out_bias = m->mlp_bias = m->norm_bias = true;
    m->tied_embeddings = true;
    m->extra_params = 2.0 * m->hidden; /* word_embeddings_layernorm */
    (void)c;
    return SP_OK;
}

/* OPT: learned positions with an offset of 2 rows (Zhang et al. 2022; HF OPTLearnedPositionalEmbedding). */
static sp_status hf_opt(hf_config *c, sp_model *m)
{
    sp_status s = hf_number(c, KEYS("ffn_dim"), 4.0 * m->hidden, false, &m->ffn);
    m->ffn_kind = SP_FFN_GELU; /* ReLU, but the same two matrices */
    m->qkv_bias = m->out_bias = m->mlp_bias = m->norm_bias = hf_bool(c, "enable_bias", true);
    m->tied_embeddings = hf_bool(c, "tie_word_embeddings", true);
    m->learned_positions = m->seq + 2;
    m->final_norm = hf_bool(c, "do_layer_norm_before", true);
    m->dropout = true;
    return s;
}

/* BERT (BertModel): post-norm encoder, token types, embedding LayerNorm, pooler, no LM head. */
static sp_status hf_bert(hf_config *c, sp_model *m)
{
    double types = 2;
    sp_status s = hf_number(c, KEYS("intermediate_size"), 4.0 * m->hidden, false, &m->ffn);
    if (s == SP_OK)
        s = hf_number(c, KEYS("type_vocab_size"), 2, false, &types);
    m->ffn_kind = SP_FFN_GELU;
    m->qkv_bias = m->out_bias = m->mlp_bias = m->norm_bias = true;
    m->tied_embeddings = true;
    m->learned_positions = m->seq;
    m->final_norm = false;
    m->dropout = true;
    /* token-type table + embedding LayerNorm + pooler dense (Devlin et al. 2019; HF BertModel) */
    m->extra_params = types * m->hidden + 2.0 * m->hidden + m->hidden * m->hidden + m->hidden;
    return s;
}

/* MPT: ALiBi, no biases anywhere (LayerNorm without bias), tied, expansion_ratio x d_model. */
static sp_status hf_mpt(hf_config *c, sp_model *m)
{
    double ratio = 4;
    sp_status s = hf_value(c, KEYS("expansion_ratio"), 4, false, true, &ratio);
    json_t *attn = json_object_get(c->root, "attn_config");
    if (attn && !json_is_null(attn) && !json_is_object(attn))
        return hf_fail(c, "attn_config", "must be an object");
    json_t *kv = attn ? json_object_get(attn, "kv_n_heads") : NULL;
    if (kv && !json_is_null(kv)) {
        double heads = json_number_value(kv);
        if (!json_is_number(kv) || heads < 1 || heads > 1e9 || heads != floor(heads))
            return hf_fail(c, "kv_n_heads", "must be a whole number from 1 to 1e9");
        m->kv_heads = heads;
    }
    m->ffn = ratio * m->hidden;
    m->ffn_kind = SP_FFN_GELU;
    bool bias = !hf_bool(c, "no_bias", true);
    m->qkv_bias = m->out_bias = m->mlp_bias = m->norm_bias = bias;
    m->tied_embeddings = true;
    return s;
}

/* ---- today's families (issue 14) ---- */

/* The length of a list field (Qwen3-MoE's mlp_only_layers), 0 when absent. */
static double hf_list_length(hf_config *c, const char *key)
{
    json_t *v = json_object_get(c->root, key);
    return json_is_array(v) ? (double)json_array_size(v) : 0.0;
}

/* Qwen3 (and Phi-3, whose fused qkv and gate_up hold the same weights as Llama's): Llama's shape
 * with explicit head_dim; Qwen3 norms each head's q and k (HF Qwen3Attention q_norm, k_norm). */
static sp_status hf_qwen3(hf_config *c, sp_model *m, bool qk_norm)
{
    sp_status s = hf_llama(c, m, false);
    m->qk_norm = qk_norm;
    return s;
}

/* Qwen3-MoE: layer i routes when it is not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0
 * (HF Qwen3MoeDecoderLayer); experts are moe_intermediate_size wide, dense layers intermediate_size. */
static sp_status hf_qwen3_moe(hf_config *c, sp_model *m)
{
    double step = 1, only = hf_list_length(c, "mlp_only_layers");
    sp_status s = hf_qwen3(c, m, true);
    if (s == SP_OK)
        s = hf_number(c, KEYS("num_experts"), 1, true, &m->experts);
    if (s == SP_OK)
        s = hf_number(c, KEYS("moe_intermediate_size"), 0, true, &m->ffn);
    if (s == SP_OK)
        s = hf_number(c, KEYS("intermediate_size"), 0, true, &m->dense_ffn);
    if (s == SP_OK)
        s = hf_number(c, KEYS("decoder_sparse_step"), 1, false, &step);
    if (s == SP_OK && step < 1)
        return hf_fail(c, "decoder_sparse_step", "must be at least 1");
    if (s == SP_OK && m->experts < 2)
        return hf_fail(c, "num_experts", "an MoE family needs at least 2 experts");
    double routed = floor(m->layers / step);
    m->dense_layers = m->layers - routed + only; /* an mlp_only layer among the routed ones */
    if (m->dense_layers > m->layers)
        return hf_fail(c, "mlp_only_layers", "lists more layers than the model has");
    return s;
}

/* Qwen2-MoE (Qwen1.5-MoE, Qwen2-57B-A14B): Qwen2's attention with q, k, v biases; routed layers
 * as Qwen3-MoE's, and one shared expert shared_expert_intermediate_size wide beside the routed ones
 * (HF Qwen2MoeSparseMoeBlock), counted as that width over moe_intermediate_size experts of the
 * routed width: the same weights and FLOPs. Its sigmoid gate (hidden x 1 a layer) is left out. */
static sp_status hf_qwen2_moe(hf_config *c, sp_model *m)
{
    sp_status s = hf_qwen3_moe(c, m);
    double shared = 0;
    m->qk_norm = false;
    m->qkv_bias = true;
    if (s == SP_OK)
        s = hf_number(c, KEYS("shared_expert_intermediate_size"), 0, false, &shared);
    if (s == SP_OK && shared > 0) {
        if (!sp_divides(m->ffn, shared))
            return hf_fail(c, "shared_expert_intermediate_size", "must be a whole number of moe_intermediate_size experts");
        m->shared_experts = shared / m->ffn;
    }
    return s;
}

/* Gemma: GeGLU (gate, up, down), RMSNorm, tied, explicit head_dim (Gemma Team 2024); Gemma 2 adds
 * a norm after attention and around the MLP (four a layer) and alternates 1:1 sliding-window and
 * global layers; Gemma 3 adds q/k norms and puts one global layer in sliding_window_pattern. */
static sp_status hf_gemma(hf_config *c, sp_model *m, int version)
{
    sp_status s = hf_number(c, KEYS("intermediate_size"), 0, true, &m->ffn);
    m->ffn_kind = SP_FFN_SWIGLU;
    m->tied_embeddings = hf_bool(c, "tie_word_embeddings", true);
    m->qkv_bias = m->out_bias = m->mlp_bias = false;
    if (version == 1 || s != SP_OK)
        return s;
    m->norms_per_layer = 4;
    m->qk_norm = version == 3;
    double pattern = version == 3 ? 6 : 2;
    s = hf_number(c, KEYS("sliding_window"), 0, false, &m->window);
    if (s == SP_OK && version == 3)
        s = hf_number(c, KEYS("sliding_window_pattern"), 6, false, &pattern);
    if (s == SP_OK && pattern < 1)
        return hf_fail(c, "sliding_window_pattern", "must be at least 1");
    m->window_layers = m->window > 0 ? m->layers - floor(m->layers / pattern) : 0;
    return s;
}

/* Layers of layer_types that slide (gpt-oss); half of them when the list is not given. */
static double sliding_layers(hf_config *c, double layers)
{
    json_t *types = json_object_get(c->root, "layer_types");
    if (!json_is_array(types))
        return floor(layers / 2.0);
    double n = 0;
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t) n += json_is_string(t) && !strcmp(json_string_value(t), "sliding_attention");
    return n;
}

/* gpt-oss: MoE with biased experts and router, biased attention, a sink logit a head, alternating
 * sliding (128) and full layers (OpenAI gpt-oss model card; HF GptOssForCausalLM). */
static sp_status hf_gpt_oss(hf_config *c, sp_model *m)
{
    sp_status s = hf_llama(c, m, false);
    bool bias = hf_bool(c, "attention_bias", true);
    m->qkv_bias = m->out_bias = bias;
    m->mlp_bias = m->router_bias = true;
    m->sinks = m->heads;
    /* transformers' GptOssExperts holds gate_up_proj and down_proj as nn.Parameter tensors of
     * (experts, in, out), not nn.Linear (models/gpt_oss/modeling_gpt_oss.py @00d4b3d2). */
    m->experts_fused = true;
    if (s == SP_OK)
        s = hf_number(c, KEYS("sliding_window"), 0, false, &m->window);
    if (s == SP_OK)
        s = hf_number(c, KEYS("swiglu_limit"), 0, false, &m->glu_clamp);
    m->window_layers = m->window > 0 ? sliding_layers(c, m->layers) : 0;
    return s;
}

/* DeepSeek-V2/V3: MLA attention, n_routed_experts of moe_intermediate_size plus n_shared_experts,
 * the first first_k_dense_replace layers dense at intermediate_size; V3's noaux_tc router keeps
 * a score-correction bias an expert (DeepSeek-V3 report sec. 2.1.2). The MTP module is not counted. */
/* One numeric field a family reads: its key, its default, whether it must be there. */
typedef struct {
    const char *key;
    double fallback;
    bool required;
    double *out;
} hf_field;

static sp_status hf_fields(hf_config *c, const hf_field *fields, size_t count)
{
    sp_status s = SP_OK;
    for (size_t i = 0; s == SP_OK && i < count; i++)
        s = hf_number(c, KEYS(fields[i].key), fields[i].fallback, fields[i].required, fields[i].out);
    return s;
}

static sp_status hf_deepseek(hf_config *c, sp_model *m)
{
    const hf_field fields[] = {
        {"moe_intermediate_size", 0, true, &m->ffn},     {"intermediate_size", 0, true, &m->dense_ffn},
        {"n_routed_experts", 1, true, &m->experts},      {"num_experts_per_tok", 1, true, &m->experts_per_token},
        {"n_shared_experts", 0, false, &m->shared_experts}, {"first_k_dense_replace", 0, false, &m->dense_layers},
        {"q_lora_rank", 0, false, &m->q_lora_rank},      {"kv_lora_rank", 0, true, &m->kv_lora_rank},
        {"qk_nope_head_dim", 0, true, &m->qk_nope_head_dim}, {"qk_rope_head_dim", 0, true, &m->qk_rope_head_dim},
        {"v_head_dim", 0, true, &m->v_head_dim},         {"num_nextn_predict_layers", 0, false, &m->mtp_layers},
    };
    sp_status s = hf_fields(c, fields, sizeof fields / sizeof fields[0]);
    json_t *method = json_object_get(c->root, "topk_method");
    m->router_bias = m->router_balance_bias = json_is_string(method) && !strcmp(json_string_value(method), "noaux_tc");
    /* The router the launch files must build as the model was trained (DeepSeek-V3 sec. 2.1.2):
     * sigmoid scores, node-limited groups, scaled weights. */
    json_t *scoring = json_object_get(c->root, "scoring_func");
    m->router_sigmoid = json_is_string(scoring) && !strcmp(json_string_value(scoring), "sigmoid");
    if (s == SP_OK)
        s = hf_number(c, KEYS("n_group"), 1, false, &m->router_groups);
    if (s == SP_OK)
        s = hf_number(c, KEYS("topk_group"), 1, false, &m->router_group_topk);
    if (s == SP_OK)
        s = hf_value(c, KEYS("routed_scaling_factor"), 1, false, true, &m->router_scaling); /* a ratio */
    m->head_dim = m->qk_nope_head_dim + m->qk_rope_head_dim; /* the query-key width a head */
    m->ffn_kind = SP_FFN_SWIGLU;
    m->tied_embeddings = hf_bool(c, "tie_word_embeddings", false);
    if (s == SP_OK && m->dense_layers > m->layers)
        return hf_fail(c, "first_k_dense_replace", "is more than the number of layers");
    if (s == SP_OK && m->experts < 2)
        return hf_fail(c, "n_routed_experts", "an MoE family needs at least 2 routed experts");
    return s;
}

/* Llama 4: every interleave_moe_layer_step-th layer routes over num_local_experts of
 * intermediate_size plus one shared expert, the others are dense at intermediate_size_mlp; three
 * of every no_rope_layer_interval layers attend in chunks of attention_chunk_size (HF Llama4TextModel). */
static sp_status hf_llama4(hf_config *c, sp_model *m)
{
    double step = 1, interval = 4;
    sp_status s = hf_llama(c, m, false);
    if (s == SP_OK)
        s = hf_number(c, KEYS("intermediate_size_mlp"), 0, false, &m->dense_ffn);
    if (s == SP_OK)
        s = hf_number(c, KEYS("interleave_moe_layer_step"), 1, false, &step);
    if (s == SP_OK)
        s = hf_number(c, KEYS("attention_chunk_size"), 0, false, &m->window);
    if (s == SP_OK)
        s = hf_number(c, KEYS("no_rope_layer_interval"), 4, false, &interval);
    if (s == SP_OK && (step < 1 || interval < 1))
        return hf_fail(c, step < 1 ? "interleave_moe_layer_step" : "no_rope_layer_interval", "must be at least 1");
    m->shared_experts = m->experts > 1 ? 1 : 0;
    m->dense_layers = m->experts > 1 ? m->layers - floor(m->layers / step) : 0;
    m->moe_layer_step = m->experts > 1 ? step : 0; /* layer i routes when (i + 1) % step == 0 */
    /* Llama4TextMoe scores its top-k experts with a sigmoid; Llama4TextExperts holds them as
     * gate_up_proj and down_proj nn.Parameter tensors (models/llama4/modeling_llama4.py). */
    m->router_sigmoid = m->experts > 1;
    m->experts_fused = m->experts > 1;
    m->window_layers = m->window > 0 ? m->layers - floor(m->layers / interval) : 0;
    return s;
}

static const char *const SUPPORTED[] = {"llama", "mistral", "mixtral", "qwen2", "gpt2", "gpt_neox",
                                        "falcon", "RefinedWeb", "RefinedWebModel", "bloom", "opt",
                                        "bert", "mpt", "qwen3", "qwen3_moe", "qwen2_moe", "phi3", "gemma", "gemma2",
                                        "gemma3", "gemma3_text", "gpt_oss", "deepseek_v2", "deepseek_v3",
                                        "llama4", "llama4_text", NULL};

static sp_status hf_by_type(hf_config *c, const char *type, sp_model *m)
{
    if (!strcmp(type, "llama") || !strcmp(type, "mistral") || !strcmp(type, "mixtral"))
        return hf_llama(c, m, false);
    if (!strcmp(type, "qwen2"))
        return hf_llama(c, m, true);
    if (!strcmp(type, "gpt2"))
        return hf_gpt2(c, m);
    if (!strcmp(type, "gpt_neox"))
        return hf_neox(c, m);
    if (!strcmp(type, "falcon") || !strcmp(type, "RefinedWeb") || !strcmp(type, "RefinedWebModel"))
        return hf_falcon(c, m);
    if (!strcmp(type, "bloom"))
        return hf_bloom(c, m);
    if (!strcmp(type, "opt"))
        return hf_opt(c, m);
    if (!strcmp(type, "bert"))
        return hf_bert(c, m);
    if (!strcmp(type, "mpt"))
        return hf_mpt(c, m);
    if (!strcmp(type, "qwen3") || !strcmp(type, "phi3"))
        return hf_qwen3(c, m, !strcmp(type, "qwen3"));
    if (!strcmp(type, "qwen3_moe"))
        return hf_qwen3_moe(c, m);
    if (!strcmp(type, "qwen2_moe"))
        return hf_qwen2_moe(c, m);
    if (!strncmp(type, "gemma", 5))
        return hf_gemma(c, m, type[5] == '2' ? 2 : type[5] == '3' ? 3 : 1);
    if (!strcmp(type, "gpt_oss"))
        return hf_gpt_oss(c, m);
    if (!strncmp(type, "deepseek_v", 10))
        return hf_deepseek(c, m);
    if (!strncmp(type, "llama4", 6))
        return hf_llama4(c, m);
    return hf_fail(c, "model_type", "unsupported"); /* SUPPORTED and this list disagree */
}

/* Counts that make no transformer. */
/* Fields of today's families that contradict each other. */
static sp_status check_modern(hf_config *c, const sp_model *m)
{
    if (m->experts <= 1 && (m->shared_experts > 0 || m->dense_layers > 0) && !(m->dense_ffn > 0))
        return hf_fail(c, "n_shared_experts", "shared experts or dense-first layers on a model without routed experts");
    if (m->dense_layers > m->layers)
        return hf_fail(c, "first_k_dense_replace", "more dense layers than layers");
    if (m->kv_lora_rank > 0 && (m->qk_rope_head_dim < 1 || m->v_head_dim < 1 || m->qk_nope_head_dim < 1))
        return hf_fail(c, "qk_rope_head_dim", "MLA needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim of at least 1");
    if (m->window_layers > m->layers)
        return hf_fail(c, "layer_types", "more sliding-window layers than layers");
    if (m->window > 0 && m->window > m->seq && m->seq > 0 && m->window_layers == m->layers)
        return hf_fail(c, "sliding_window", "every layer slides over a window longer than the context");
    return SP_OK;
}

static sp_status check_shape(hf_config *c, const sp_model *m)
{
    if (c->not_boolean)
        return hf_fail(c, c->not_boolean, "must be true or false");
    /* A zero count names its own key (the usual spelling; hf_fail places it where the file has it),
     * before anything derived from it (head_dim = hidden / heads) is checked. */
    const struct {
        double value;
        const char *keys[4]; /* the spellings families use, the first the file has is named */
    } counts[] = {{m->layers, {"num_hidden_layers", "n_layer", "n_layers", NULL}},
                  {m->hidden, {"hidden_size", "n_embd", "d_model", "n_embed"}},
                  {m->heads, {"num_attention_heads", "n_head", "n_heads", NULL}},
                  {m->vocab, {"vocab_size", NULL, NULL, NULL}},
                  {m->ffn, {"intermediate_size", "ffn_dim", "n_inner", "d_ff"}}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (counts[i].value >= 1)
            continue;
        const char *key = counts[i].keys[0];
        for (size_t k = 0; k < 4 && counts[i].keys[k]; k++)
            if (json_object_get(c->root, counts[i].keys[k])) {
                key = counts[i].keys[k];
                break;
            }
        return hf_fail(c, key, "must be at least 1");
    }
    /* The given counts are whole (hf_number); the two derived ones may not be. */
    if (m->head_dim != floor(m->head_dim))
        return hf_fail(c, "head_dim", "hidden size / heads is not whole: give head_dim");
    if (m->ffn != floor(m->ffn))
        return hf_fail(c, "expansion_ratio", "times the hidden size, it gives an MLP width that is not whole");
    if (m->head_dim < 1)
        return hf_fail(c, "head_dim", "must be at least 1");
    if (m->layers < 1 || m->hidden < 1 || m->heads < 1 || m->vocab < 1 || m->ffn < 1)
        return hf_fail(c, "model_type",
                       "layers, hidden size, heads, vocabulary and MLP width must all be at least 1");
    if (m->kv_heads < 1 || m->kv_heads > m->heads || !sp_divides(m->kv_heads, m->heads))
        return hf_fail(c, json_object_get(c->root, "num_kv_heads") ? "num_kv_heads" : "num_key_value_heads",
                       "must divide the number of attention heads");
    if (m->experts < 1 || m->experts_per_token < 1 || m->experts_per_token > m->experts)
        return hf_fail(c, "num_experts_per_tok", "must be between 1 and the number of experts");
    return check_modern(c, m);
}

/* The catalog's _stackplan_tuned: the makers' instruction-tuned checkpoint of the same shape, its
 * repository and its own context (both required, with a _source), which name resolution serves
 * when a -Instruct, -chat or -it name is asked. */
static sp_status tuned_checkpoint(hf_config *c, json_t *root, sp_model *out)
{
    json_t *tuned = json_object_get(root, "_stackplan_tuned");
    if (!tuned)
        return SP_OK;
    json_t *id = json_object_get(tuned, "_name_or_path"), *seq = json_object_get(tuned, "max_position_embeddings");
    json_t *source = json_object_get(tuned, "_source");
    if (!json_is_object(tuned) || !json_is_string(id) || !json_is_integer(seq) || json_integer_value(seq) < 1 ||
        !json_is_string(source) || !json_string_length(source))
        return hf_fail(c, "_stackplan_tuned",
                       "an object with _name_or_path, max_position_embeddings (a whole number) and _source");
    sp_copy(out->tuned_hf_id, sizeof out->tuned_hf_id, json_string_value(id));
    out->tuned_seq = (double)json_integer_value(seq);
    return SP_OK;
}

/* The catalog's _torchtitan: the model name and flavor torchtitan registers for this model
 * ("llama3/70B", torchtitan/models/llama3/__init__.py), which its TOML config names. */
static sp_status torchtitan_name(hf_config *c, json_t *root, sp_model *out)
{
    json_t *v = json_object_get(root, "_torchtitan");
    if (!v)
        return SP_OK;
    const char *text = json_string_value(v);
    if (!text || !sp_is_slash_pair(text))
        return hf_fail(c, "_torchtitan", "must be torchtitan's model name and flavor, as \"llama3/70B\"");
    sp_copy(out->torchtitan, sizeof out->torchtitan, text);
    return SP_OK;
}

/* A model read from a file is named by the catalog's _stackplan_name, else the file's
 * _name_or_path (the Hugging Face id launch lines need), else the file: "qwen3-8b.json" gives
 * qwen3-8b, "Qwen3-8B/config.json" gives Qwen3-8B. Never by its model_type. */
static void model_name(json_t *root, const char *file, char *out, size_t size)
{
    json_t *label = json_object_get(root, "_stackplan_name");
    if (!json_is_string(label))
        label = json_object_get(root, "_name_or_path");
    if (json_is_string(label) && json_string_length(label) > 0) {
        sp_copy(out, size, json_string_value(label));
        /* A name is printed in reports and one-line errors: control characters (a newline, an
         * escape sequence) become '?' rather than reach the terminal. */
        for (char *c = out; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
        return;
    }
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    size_t length = strlen(base);
    if (!strcmp(base, "config.json") && base > file) { /* the directory holding it */
        const char *end = base - 1, *start = end;
        while (start > file && start[-1] != '/')
            start--;
        base = start;
        length = (size_t)(end - start);
    } else if (length > 5 && !strcmp(base + length - 5, ".json")) {
        length -= 5;
    }
    snprintf(out, size, "%.*s", (int)(length < size ? length : size - 1), base);
}

static sp_status unsupported(hf_config *c, const char *type)
{
    char message[SP_TEXT_MAX];
    snprintf(message, sizeof message,
             "'%.40s' is not a family stackplan reads (llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, phi3, gemma, "
             "gemma2, gemma3, gpt_oss, deepseek_v3, llama4, ...): give the shape with --layers --hidden --heads "
             "--kv-heads --ffn --ffn-kind --vocab",
             type);
    return hf_fail(c, "model_type", message);
}

/* compressed-tensors (llm-compressor's format) names the weights' format per group of layers:
 * the first group's weights, 8-bit float (FP8), 4-bit float in 16-element groups (NVFP4; 32: MXFP4)
 * or 4/8-bit integers. Returns false for anything else. */
static bool compressed_tensors_format(json_t *qc, sp_dtype *out)
{
    const char *key;
    json_t *group;
    json_object_foreach(json_object_get(qc, "config_groups"), key, group)
    {
        json_t *w = json_object_get(group, "weights");
        json_t *bits = json_object_get(w, "num_bits");
        const char *type = json_string_value(json_object_get(w, "type"));
        int width = json_is_integer(bits) ? (int)json_integer_value(bits) : 0;
        if (!type)
            return false;
        if (!strcmp(type, "float") && (width == 8 || width == 4)) {
            json_t *group_size = json_object_get(w, "group_size"); /* NVFP4: 16 elements a scale; MXFP4: 32 */
            *out = width == 8                                                               ? SP_DTYPE_FP8
                   : json_is_integer(group_size) && json_integer_value(group_size) == 32 ? SP_DTYPE_MXFP4
                                                                                           : SP_DTYPE_NVFP4;
            return true;
        }
        if (!strcmp(type, "int") && (width == 8 || width == 4)) {
            *out = width == 8 ? SP_DTYPE_INT8 : SP_DTYPE_INT4;
            return true;
        }
        return false;
    }
    return false;
}

/* The stored weights' format from quantization_config, as transformers and vLLM read it:
 * quant_method "fp8" (FineGrainedFP8Config: DeepSeek-V3, Qwen3-*-FP8), "fbgemm_fp8" (Meta's Llama 4
 * FP8), "mxfp4" (gpt-oss), "modelopt" with quant_algo FP8 or NVFP4 (NVIDIA ModelOpt checkpoints),
 * "gptq"/"awq" with bits 4 or 8, "compressed-tensors" by its first group. Any other method leaves
 * the 16-bit torch_dtype: its format is not modelled. */
static void checkpoint_format(json_t *root, sp_model *m)
{
    json_t *qc = json_object_get(root, "quantization_config");
    const char *method = json_string_value(json_object_get(qc, "quant_method"));
    if (!method)
        return;
    const char *algo = json_string_value(json_object_get(qc, "quant_algo"));
    json_t *bits = json_object_get(qc, "bits");
    int width = json_is_integer(bits) ? (int)json_integer_value(bits) : 0;
    m->checkpoint_quantized = true;
    if (!strcmp(method, "compressed-tensors"))
        m->checkpoint_quantized = compressed_tensors_format(qc, &m->checkpoint_dtype);
    else if (!strncmp(method, "fp8", 3) || !strcmp(method, "fbgemm_fp8") ||
             (!strcmp(method, "modelopt") && algo && !strcmp(algo, "FP8")))
        m->checkpoint_dtype = SP_DTYPE_FP8;
    else if (!strncmp(method, "mxfp4", 5))
        m->checkpoint_dtype = SP_DTYPE_MXFP4;
    else if (!strcmp(method, "modelopt") && algo && !strcmp(algo, "NVFP4"))
        m->checkpoint_dtype = SP_DTYPE_NVFP4;
    else if ((!strcmp(method, "gptq") || !strcmp(method, "awq")) && (width == 4 || width == 8))
        m->checkpoint_dtype = width == 4 ? SP_DTYPE_INT4 : SP_DTYPE_INT8;
    else
        m->checkpoint_quantized = false;
    /* Modules left in 16 bits: gpt-oss names every layer's attention ("model.layers.*.self_attn"),
     * router, embeddings and output layer, so only the experts are MXFP4 (OpenAI's gpt-oss model
     * card: the MoE weights, 90% of them). One layer's attention left out does not make it so. */
    size_t i;
    json_t *module;
    json_array_foreach(json_object_get(qc, "modules_to_not_convert"), i, module)
    {
        const char *name = json_string_value(module);
        if (m->checkpoint_quantized && m->experts > 1 && name && strstr(name, "layers.*.self_attn"))
            m->checkpoint_experts_only = true;
    }
}

sp_status sp_model_parse_hf(const char *name, const char *text, size_t length, sp_model *out,
                            sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_status size = sp_input_size_check(name, length, err); /* jansson is linear and caps depth at 2048 */
    if (size != SP_OK)
        return size;
    /* Windows editors save JSON with a UTF-8 byte-order mark: skipped, as JSON parsers may (RFC 8259 sec. 8.1). */
    if (length >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        length -= 3;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, length, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return sp_fail(err, SP_ERR_INPUT, name, (unsigned)(jerr.line > 0 ? jerr.line : 1),
                       (unsigned)(jerr.column > 0 ? jerr.column : 1), "json", "%s", jerr.text);
    /* A multimodal file (Gemma 3, Llama 4) nests its language model in text_config. */
    json_t *text_config = json_is_object(root) ? json_object_get(root, "text_config") : NULL;
    json_t *fields = json_is_object(text_config) ? text_config : root;
    hf_config c = {name, text, length, fields, err, NULL};
    sp_status s = SP_OK;
    json_t *type = json_object_get(fields, "model_type");
    if (!json_is_string(type) && fields != root)
        type = json_object_get(root, "model_type");
    if (!json_is_object(root))
        s = sp_fail(err, SP_ERR_INPUT, name, 1, 1, "json", "expected an object");
    else if (!json_is_string(type))
        s = hf_fail(&c, "model_type", "missing (not a config.json?)");
    else if (sp_key_index(SUPPORTED, json_string_value(type)) < 0)
        s = unsupported(&c, json_string_value(type));
    if (s == SP_OK) {
        sp_copy(out->arch, sizeof out->arch, json_string_value(type));
        model_name(root, name, out->name, sizeof out->name);
        json_t *id = json_object_get(root, "_name_or_path");
        if (json_is_string(id))
            sp_copy(out->hf_id, sizeof out->hf_id, json_string_value(id));
        s = tuned_checkpoint(&c, root, out);
        out->text_only = fields != root;
        if (s == SP_OK)
            s = torchtitan_name(&c, root, out);
        if (s == SP_OK)
            s = hf_common(&c, out);
    }
    if (s == SP_OK)
        s = hf_by_type(&c, out->arch, out);
    /* The load-balancing loss a MoE was trained with (Mixtral's 0.02, gpt-oss's), whatever its family. */
    if (s == SP_OK)
        s = hf_value(&c, KEYS("router_aux_loss_coef"), 0, false, true, &out->router_aux_loss_coef);
    if (s == SP_OK)
        checkpoint_format(root, out); /* after the family: whether it has experts */
    if (s == SP_OK)
        s = check_shape(&c, out);
    json_decref(root);
    return s;
}

sp_status sp_model_load_hf(const char *path, sp_model *out, sp_error *err)
{
    /* A directory (a downloaded checkpoint) holds its config.json. */
    char file[PATH_MAX];
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t length = strlen(path);
        while (length > 1 && path[length - 1] == '/') /* "Qwen3-8B/" names the directory Qwen3-8B */
            length--;
        if ((size_t)snprintf(file, sizeof file, "%.*s/config.json", (int)length, path) >= sizeof file)
            return sp_fail(err, SP_ERR_INPUT, path, 0, 0, "file", "the path is too long");
        path = file;
    }
    char *text = NULL;
    size_t length = 0;
    sp_status s = sp_read_file(path, &text, &length, err);
    if (s == SP_OK)
        s = sp_model_parse_hf(path, text, length, out, err);
    free(text);
    return s;
}

/* A catalog model's top-level "_source" is a non-empty string. */
static bool has_source(const char *text, size_t length)
{
    json_t *root = json_loadb(text, length, 0, NULL);
    json_t *source = json_object_get(root, "_source");
    bool ok = json_is_string(source) && json_string_length(source) > 0;
    json_decref(root);
    return ok;
}

/* Catalog names are file names: a path separator would leave data/models/. */
static bool safe_name(const char *name)
{
    if (!*name || strlen(name) > 48)
        return false;
    for (const char *p = name; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '.' &&
            *p != '_')
            return false;
    return name[0] != '.';
}

sp_status sp_model_load_catalog(const char *data_dir, const char *name, sp_model *out, sp_error *err)
{
    if (!safe_name(name))
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model",
                       "'%.48s' is not a catalog name (lower-case letters, digits, '-', '.')", name);
    /* The whole path or none: a cut one would name another file, or none, and read as "not in
     * the catalog". */
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/models/%s.json", data_dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "data-dir", "the data directory's path is too long (%zu bytes)",
                       strlen(data_dir));
    char *text = NULL;
    size_t length = 0;
    sp_status s = sp_read_file(path, &text, &length, err);
    if (s == SP_ERR_IO)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "model",
                       "'%s' is not in the model catalog (see `stackplan catalog models`)", name);
    if (s == SP_OK)
        s = sp_model_parse_hf(path, text, length, out, err);
    if (s == SP_OK && !has_source(text, length))
        s = sp_fail(err, SP_ERR_INPUT, path, 1, 1, "_source", "a catalog model needs its source");
    free(text);
    return s;
}

/* ---- the catalog's list of names ---- */

#include <dirent.h>
#include <errno.h>

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void sp_names_free(char **names, size_t count)
{
    if (!names)
        return;
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

static sp_status add_name(char ***names, size_t *count, size_t *capacity, const char *file, size_t len)
{
    if (*count == *capacity) {
        size_t want = *capacity ? *capacity * 2 : 32;
        char **grown = realloc(*names, want * sizeof *grown);
        if (!grown)
            return SP_ERR_NOMEM;
        *names = grown;
        *capacity = want;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return SP_ERR_NOMEM;
    memcpy(copy, file, len);
    copy[len] = '\0';
    (*names)[(*count)++] = copy;
    return SP_OK;
}

sp_status sp_model_catalog_names(const char *data_dir, char ***names, size_t *count, sp_error *err)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/models", data_dir);
    *names = NULL;
    *count = 0;
    if (n < 0 || (size_t)n >= sizeof path)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "data-dir", "the data directory's path is too long (%zu bytes)",
                       strlen(data_dir));
    DIR *dir = opendir(path);
    if (!dir)
        return sp_fail(err, SP_ERR_IO, path, 0, 0, "file", "cannot open the model catalog: %s", strerror(errno));
    size_t capacity = 0;
    sp_status s = SP_OK;
    for (struct dirent *d; s == SP_OK && (d = readdir(dir));) {
        size_t len = strlen(d->d_name);
        if (len > 5 && !strcmp(d->d_name + len - 5, ".json") && d->d_name[0] != '.')
            s = add_name(names, count, &capacity, d->d_name, len - 5);
    }
    closedir(dir);
    if (s != SP_OK) {
        sp_names_free(*names, *count);
        *names = NULL;
        *count = 0;
        return sp_fail(err, SP_ERR_NOMEM, path, 0, 0, "", "out of memory");
    }
    /* readdir order depends on the filesystem; output must not. */
    if (*count)
        qsort(*names, *count, sizeof **names, compare_names);
    return SP_OK;
}
