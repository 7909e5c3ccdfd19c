/* model.c - transformer shapes: family defaults and exact parameter counts. */
#include "estimate_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Weight matrices of one MLP: up and down (GELU), gate, up and down (SwiGLU). */
static double mlp_matrices(const sp_model *m)
{
    return m->ffn_kind == SP_FFN_SWIGLU ? 3.0 : 2.0;
}

static double norm_params(const sp_model *m)
{
    return m->norm_bias ? 2.0 * m->hidden : m->hidden; /* LayerNorm gamma+beta, RMSNorm gamma */
}

/* One expert's MLP (Vaswani et al. 2017 sec. 3.3; SwiGLU: Shazeer 2020, eq. 6). */
static double mlp_params(const sp_model *m)
{
    double weights = mlp_matrices(m) * m->hidden * m->ffn;
    double biases = m->mlp_bias ? (mlp_matrices(m) - 1.0) * m->ffn + m->hidden : 0.0;
    return weights + biases;
}

/* MLA (DeepSeek-V2 sec. 2.1.2; HF DeepseekV3Attention): queries through a low-rank q_a/q_b pair
 * with a norm on the rank (or one q_proj), keys and values through a compressed latent plus a
 * decoupled RoPE key (kv_a_proj_with_mqa), its norm, the kv_b up-projection, and o_proj. */
static double mla_params(const sp_model *m)
{
    double qk = m->qk_nope_head_dim + m->qk_rope_head_dim, h = m->hidden;
    double q = m->q_lora_rank > 0 ? h * m->q_lora_rank + m->q_lora_rank + m->q_lora_rank * m->heads * qk
                                  : h * m->heads * qk;
    double kv = h * (m->kv_lora_rank + m->qk_rope_head_dim) + m->kv_lora_rank +
                m->kv_lora_rank * m->heads * (m->qk_nope_head_dim + m->v_head_dim);
    return q + kv + m->heads * m->v_head_dim * h;
}

/* Q and O are hidden x heads*head_dim; K and V shrink with GQA (Ainslie et al. 2023). Qwen3 and
 * Gemma 3 add a norm over each head's q and k; gpt-oss a learned sink logit a head. */
double sp_model_attention_params(const sp_model *m)
{
    double extras = (m->qk_norm ? 2.0 * m->head_dim : 0.0) + m->sinks;
    if (m->kv_lora_rank > 0)
        return mla_params(m) + extras;
    double q_dim = m->heads * m->head_dim, kv_dim = m->kv_heads * m->head_dim;
    double weights = m->hidden * q_dim + 2.0 * m->hidden * kv_dim + q_dim * m->hidden;
    double biases = (m->qkv_bias ? q_dim + 2.0 * kv_dim : 0.0) + (m->out_bias ? m->hidden : 0.0);
    return weights + biases + extras;
}

/* Layers whose MLP routes over experts. */
double sp_model_routed_layers(const sp_model *m)
{
    return m->experts > 1 ? m->layers - m->dense_layers : 0.0;
}

/* A dense layer's MLP, at dense_ffn when an MoE model gives one. */
static double dense_mlp_params(const sp_model *m)
{
    sp_model dense = *m;
    if (m->dense_ffn > 0)
        dense.ffn = m->dense_ffn;
    return mlp_params(&dense);
}

/* An MoE layer's MLP: E routed experts and the shared ones, each ffn wide, and a bias-free router
 * of E x hidden (Jiang et al. 2024; DeepSeek-V3 and gpt-oss add a bias an expert). */
static double moe_mlp_params(const sp_model *m)
{
    double router = m->experts * m->hidden + (m->router_bias ? m->experts : 0.0);
    return (m->experts + m->shared_experts) * mlp_params(m) + router;
}

/* The MLPs an MoE model runs on every token: its dense layers' and its shared experts. */
double sp_model_always_on_mlp_params(const sp_model *m)
{
    double moe = sp_model_routed_layers(m);
    return (m->layers - moe) * dense_mlp_params(m) + moe * m->shared_experts * mlp_params(m);
}

static double layers_params(const sp_model *m)
{
    double moe = sp_model_routed_layers(m), dense = m->layers - moe;
    double common = sp_model_attention_params(m) + m->norms_per_layer * norm_params(m);
    return m->layers * common + dense * dense_mlp_params(m) + moe * moe_mlp_params(m);
}

size_t sp_attention_matmuls(const sp_model *m, double tp, double out_width[5], double in_width[5])
{
    double h = m->hidden;
    size_t n = 0;
    if (m->kv_lora_rank > 0) {
        /* MLA (DeepSeek-V2 sec. 2.1.2): the down-projections to the query rank and to the KV latent
         * with its RoPE key are whole on every tensor-parallel rank (Megatron-Core's MLA spec builds
         * linear_q_down_proj and linear_kv_down_proj as duplicated linears); the up-projections and
         * the output are split by heads. */
        double qk = m->qk_nope_head_dim + m->qk_rope_head_dim;
        if (m->q_lora_rank > 0) {
            out_width[n] = m->q_lora_rank, in_width[n++] = h;
            out_width[n] = m->heads * qk / tp, in_width[n++] = m->q_lora_rank;
        } else {
            out_width[n] = m->heads * qk / tp, in_width[n++] = h;
        }
        out_width[n] = m->kv_lora_rank + m->qk_rope_head_dim, in_width[n++] = h;
        out_width[n] = m->heads * (m->qk_nope_head_dim + m->v_head_dim) / tp, in_width[n++] = m->kv_lora_rank;
        out_width[n] = h, in_width[n++] = m->heads * m->v_head_dim / tp;
        return n;
    }
    double q = m->heads * m->head_dim / tp, kv = m->kv_heads * m->head_dim / tp;
    const double outs[] = {q, kv, kv, h}, ins[] = {h, h, h, q};
    for (; n < 4; n++)
        out_width[n] = outs[n], in_width[n] = ins[n];
    return n;
}

size_t sp_mla_rerun_matmuls(const sp_model *m, double tp, double out_width[2], double in_width[2])
{
    if (!(m->kv_lora_rank > 0))
        return 0;
    /* The query's projection from its latent (or from the hidden state when queries are not
     * compressed) and the keys' and values' from the KV latent, as sp_attention_matmuls splits them. */
    double qk = m->qk_nope_head_dim + m->qk_rope_head_dim;
    out_width[0] = m->heads * qk / tp, in_width[0] = m->q_lora_rank > 0 ? m->q_lora_rank : m->hidden;
    out_width[1] = m->heads * (m->qk_nope_head_dim + m->v_head_dim) / tp, in_width[1] = m->kv_lora_rank;
    return 2;
}

size_t sp_layer_matmuls(const sp_model *m, double tp, double out_width[8], double in_width[8])
{
    size_t n = sp_attention_matmuls(m, tp, out_width, in_width);
    double h = m->hidden;
    double f = m->ffn * (m->experts > 1 ? m->experts_per_token + m->shared_experts : 1.0) / tp;
    const double outs[] = {f, f, h}, ins[] = {h, h, f};
    for (size_t i = 0; i < 3; i++) {
        if (i == 1 && m->ffn_kind != SP_FFN_SWIGLU)
            continue; /* GELU has one up projection */
        out_width[n] = outs[i];
        in_width[n++] = ins[i];
    }
    return n;
}

double sp_attention_matmul_weights(const sp_model *m)
{
    if (!(m->kv_lora_rank > 0)) { /* q, k, v and o in closed form: the search calls this per layout */
        double q = m->heads * m->head_dim, kv = m->kv_heads * m->head_dim;
        return m->hidden * (q + 2.0 * kv) + q * m->hidden;
    }
    double outs[5], ins[5], weights = 0;
    size_t n = sp_attention_matmuls(m, 1.0, outs, ins);
    for (size_t i = 0; i < n; i++)
        weights += outs[i] * ins[i];
    return weights;
}

double sp_model_default_seq(const sp_model *model)
{
    return model->seq > 0 ? fmin(model->seq, 4096) : 2048;
}

bool sp_model_has_shape(const sp_model *model)
{
    return model->params_override <= 0 && model->layers > 0 && model->hidden > 0;
}

double sp_model_params(const sp_model *m)
{
    if (m->params_override > 0)
        return m->params_override;
    double embeddings = m->vocab * m->hidden * (m->tied_embeddings ? 1.0 : 2.0) +
                        m->learned_positions * m->hidden;
    return embeddings + layers_params(m) + (m->final_norm ? norm_params(m) : 0.0) + m->extra_params;
}

double sp_model_active_params(const sp_model *m)
{
    if (!sp_model_has_shape(m) || m->experts <= 1)
        return sp_model_params(m);
    return sp_model_params(m) - sp_model_routed_layers(m) * (m->experts - m->experts_per_token) * mlp_params(m);
}

double sp_model_largest_layer_params(const sp_model *m)
{
    if (!sp_model_has_shape(m))
        return 0.0;
    double embedding = m->vocab * m->hidden;
    double mlp_matrix = m->hidden * m->ffn;
    return fmax(embedding, mlp_matrix);
}

void sp_model_from_shape(sp_model *out, double layers, double hidden, double heads,
                         double kv_heads, double ffn, sp_ffn_kind kind, double vocab, double seq)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "shape");
    snprintf(out->arch, sizeof out->arch, "shape");
    out->layers = layers;
    out->hidden = hidden;
    out->heads = heads;
    out->kv_heads = kv_heads > 0 ? kv_heads : heads;
    out->head_dim = heads > 0 ? hidden / heads : 0;
    out->ffn = ffn > 0 ? ffn : 4.0 * hidden;
    out->ffn_kind = kind;
    out->vocab = vocab;
    out->seq = seq;
    out->experts = 1;
    out->experts_per_token = 1;
    out->norms_per_layer = 2;
    out->final_norm = true;
    bool gpt = kind == SP_FFN_GELU; /* GPT-2/GPT-3/Megatron: biases, LayerNorm, tied, learned positions */
    out->qkv_bias = out->out_bias = out->mlp_bias = out->norm_bias = gpt;
    out->tied_embeddings = gpt;
    out->learned_positions = gpt ? seq : 0;
    out->dropout = gpt;
}

double sp_layer_expert_params(const sp_model *m)
{
    if (m->experts <= 1 || !sp_model_has_shape(m))
        return 0;
    return sp_model_routed_layers(m) * m->experts * mlp_params(m) / m->layers;
}
