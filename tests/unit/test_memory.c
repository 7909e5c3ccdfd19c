/* Unit tests of the memory model against hand-derived values. */
#include "test_support.h"

static const sp_memory_constants BARE = {0, 0, 8192, 128, 12}; /* no context, no fragmentation */

/* A model known by its parameter count alone (no shape: no activations). */
static sp_model params_only(double params)
{
    sp_model m;
    memset(&m, 0, sizeof m);
    m.params_override = params;
    return m;
}

static sp_memory estimate(const sp_model *m, const sp_mem_config *c)
{
    sp_memory out;
    sp_error err;
    assert_int_equal(sp_memory_estimate(m, c, &BARE, 80e9, &out, &err), SP_OK);
    return out;
}

/* ZeRO paper, Figure 1 / sec. 5: 7.5B parameters, Adam, mixed precision, N = 64:
 * 16 x 7.5 = 120 GB; (4 + 12/64) x 7.5 = 31.4 GB; (2 + 14/64) x 7.5 = 16.6 GB; 16/64 x 7.5 = 1.875 GB. */
static void zero_table(void **state)
{
    (void)state;
    sp_model m = params_only(7.5e9);
    const double expected[4] = {120e9, 31.40625e9, 16.640625e9, 1.875e9};
    for (int stage = 0; stage <= 3; stage++) {
        sp_mem_config c = SP_MEM_CONFIG_INIT;
        c.precision = SP_PREC_MIXED_FP16;
        c.optimizer = SP_OPT_ADAM;
        c.dp = 64;
        c.zero = stage;
        assert_close(estimate(&m, &c).model_state_bytes, expected[stage]);
    }
}

/* FP8 as the launches run it, per parameter: Megatron-Core with --fp8-param-gather keeps fp8 weights
 * (1), bf16 gradients (2) and the distributed optimizer's fp32 master and two moments (12 / dp): at
 * dp 4, 1 + 2 + 3 = 6 bytes. FSDP2 (torchao float8, ZeRO-3) shards 16 bytes as mixed precision does:
 * 16 / 4 = 4. */
static void fp8_model_state_as_launched(void **state)
{
    (void)state;
    sp_model m = params_only(1e9);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.precision = SP_PREC_FP8;
    c.dp = 4;
    c.zero = 1;
    assert_close(estimate(&m, &c).model_state_bytes, 6e9);
    c.zero = 3;
    assert_close(estimate(&m, &c).model_state_bytes, 4e9);
    /* Pure bf16: Megatron's --bf16 (tp 2, ZeRO-1) keeps fp32 main parameters and Adam states,
     * 2 + 2 + 12 / 4 = 7 bytes; FSDP2 and DeepSpeed run it pure, 2 + 2 + 2 x 2 sharded 4 ways = 2. */
    c.precision = SP_PREC_BF16;
    c.tp = 2;
    c.zero = 1;
    assert_close(estimate(&m, &c).model_state_bytes, 7e9 / 2);
    c.tp = 1;
    c.zero = 3;
    assert_close(estimate(&m, &c).model_state_bytes, 2e9);
}

/* One layer's activations: the difference between a 2-layer and a 1-layer model. */
static double one_layer(double t, bool sp, sp_recompute r, bool flash)
{
    sp_model one, two;
    sp_model_from_shape(&one, 1, 1024, 16, 16, 4096, SP_FFN_GELU, 1000, 2048);
    sp_model_from_shape(&two, 2, 1024, 16, 16, 4096, SP_FFN_GELU, 1000, 2048);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.tp = t;
    c.sequence_parallel = sp;
    c.recompute = r;
    c.flash_attention = flash;
    c.micro_batch = 2;
    c.seq = 512;
    return estimate(&two, &c).activations_bytes - estimate(&one, &c).activations_bytes;
}

/* Korthikanti et al. 2022, Table 2, with s = 512, b = 2, h = 1024, a = 16, t = 4:
 * none: sbh(34 + 5as/h); TP: sbh(10 + 24/t + 5as/(ht)); TP+SP: sbh/t (34 + 5as/h);
 * selective TP+SP: 34 sbh/t; full: 2sbh. */
static void korthikanti_table2(void **state)
{
    (void)state;
    const double s = 512, b = 2, h = 1024, a = 16, t = 4, sbh = s * b * h;
    assert_close(one_layer(1, false, SP_RECOMPUTE_NONE, false), sbh * (34 + 5 * a * s / h));
    assert_close(one_layer(t, false, SP_RECOMPUTE_NONE, false), sbh * (10 + 24 / t + 5 * a * s / (h * t)));
    assert_close(one_layer(t, true, SP_RECOMPUTE_NONE, false), sbh / t * (34 + 5 * a * s / h));
    assert_close(one_layer(t, true, SP_RECOMPUTE_SELECTIVE, false), sbh / t * 34);
    assert_close(one_layer(1, false, SP_RECOMPUTE_FULL, false), 2 * sbh);
    /* FlashAttention stores no scores, only an fp32 log-sum-exp per head and token. */
    assert_close(one_layer(1, false, SP_RECOMPUTE_NONE, true), sbh * 34 + s * b * a * 4);
}

/* GQA and SwiGLU, no dropout (llama): 2(norms) + 2 + 2 h... per token:
 * replicated 2x2h + 2x2h = 8h, attention (2 + 2r) x 2h, MLP 4 x 2f. */
static void gqa_swiglu_layer(void **state)
{
    (void)state;
    sp_model one, two;
    sp_model_from_shape(&one, 1, 4096, 32, 8, 14336, SP_FFN_SWIGLU, 1000, 4096);
    sp_model_from_shape(&two, 2, 4096, 32, 8, 14336, SP_FFN_SWIGLU, 1000, 4096);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.seq = 1024;
    c.recompute = SP_RECOMPUTE_SELECTIVE;
    double layer = estimate(&two, &c).activations_bytes - estimate(&one, &c).activations_bytes;
    /* Fused SwiGLU keeps gate, up and the product (3f), not silu(gate) (Megatron-Core SwiGLUFunction). */
    double per_token = 8.0 * 4096 + (2.0 + 2.0 * 0.25) * 2.0 * 4096 + 3.0 * 2.0 * 14336;
    assert_close(layer, 1024.0 * per_token);
}

/* An MoE layer (Mixtral's shape, 8 experts, top-k, no dropout, flash attention, no tensor
 * parallelism) keeps per token: the norms' inputs and outputs 8h, attention (2 + 2r) x 2h, and per
 * routed visit the expert's fused SwiGLU 3 x 2f plus its permuted input and its output 2 x 2h, and
 * the router's fp32 scores 4E. Top-2 keeps one visit more than top-1; top-2 with selective recompute
 * (Megatron's moe_act and layernorm) drops each visit's product (2f) and the MLP norm's output (2h):
 * the attention norm is fused into the QKV linear, which keeps its output. */
/* One MoE layer's activations: two models a layer apart, 1024 tokens, flash attention, experts
 * split over ep ranks (Megatron-Core's stack). */
static double moe_layer_bytes(const sp_model *one, const sp_model *two, sp_precision precision, double ep,
                              sp_recompute recompute)
{
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.precision = precision;
    c.seq = 1024;
    c.flash_attention = true;
    c.ep = ep;
    c.dp = ep;
    c.recompute = recompute;
    return estimate(two, &c).activations_bytes - estimate(one, &c).activations_bytes;
}

static double moe_layer(double k, sp_recompute recompute)
{
    sp_model one, two;
    sp_model_from_shape(&one, 1, 4096, 32, 8, 14336, SP_FFN_SWIGLU, 1000, 4096);
    sp_model_from_shape(&two, 2, 4096, 32, 8, 14336, SP_FFN_SWIGLU, 1000, 4096);
    one.experts = two.experts = 8;
    one.experts_per_token = two.experts_per_token = k;
    return moe_layer_bytes(&one, &two, SP_PREC_MIXED_BF16, 8, recompute);
}

static void moe_layer_counts_every_routed_visit(void **state)
{
    (void)state;
    const double h = 4096, f = 14336, tokens = 1024;
    double common = 8.0 * h + (2.0 + 2.0 * 0.25) * 2.0 * h + 4.0 * 8 + 32 * 4.0; /* + flash's log-sum-exp */
    double visit = 3.0 * 2.0 * f + 2.0 * 2.0 * h;
    assert_close(moe_layer(1, SP_RECOMPUTE_NONE), tokens * (common + visit));
    assert_close(moe_layer(2, SP_RECOMPUTE_NONE), tokens * (common + 2.0 * visit));
    assert_close(moe_layer(2, SP_RECOMPUTE_SELECTIVE), tokens * (common - 2.0 * h + 2.0 * (visit - 2.0 * f)));
}

/* An MLA MoE layer, hand-counted a token (bf16, e = 2): 4 heads of query-key width 16 + 8 and value
 * width 16, query latent 32, KV latent 24, hidden 64, 4 experts of width 32, top-2. Kept: the two
 * norms' inputs (2 x 64 x 2) and outputs (the same), the latents' inputs and normalised copies and
 * the rotary key ((2 x 32 + 2 x 24 + 8) x 2), Q and K (4 x 24 x 2 each), V and the output
 * projection's input (4 x 16 x 2 each), per routed visit its SwiGLU (3 x 32 x 2) and its permuted
 * input and output (2 x 64 x 2), the router's scores (4 x 4), flash's log-sum-exp (4 x 4):
 * 256 + 256 + 240 + 640 + 2 x (192 + 256) + 16 + 16 = 2320. Selective recompute under Megatron
 * (mla_up_proj, moe_act, layernorm) drops both norms' outputs (MLA's attention norm is a module of
 * its own), Q, K and V, and each visit's product: 256 + 240 + 128 + 2 x (128 + 256) + 32 = 1424. */
static double mla_layer(sp_recompute recompute)
{
    sp_model one, two;
    sp_model_from_shape(&one, 1, 64, 4, 4, 32, SP_FFN_SWIGLU, 100, 1024);
    sp_model_from_shape(&two, 2, 64, 4, 4, 32, SP_FFN_SWIGLU, 100, 1024);
    sp_model *both[2] = {&one, &two};
    for (int i = 0; i < 2; i++) {
        both[i]->experts = 4;
        both[i]->experts_per_token = 2;
        both[i]->q_lora_rank = 32;
        both[i]->kv_lora_rank = 24;
        both[i]->qk_nope_head_dim = 16;
        both[i]->qk_rope_head_dim = 8;
        both[i]->v_head_dim = 16;
    }
    return moe_layer_bytes(&one, &two, SP_PREC_BF16, 4, recompute);
}

static void mla_moe_layer_by_hand(void **state)
{
    (void)state;
    assert_close(mla_layer(SP_RECOMPUTE_NONE), 1024.0 * 2320);
    assert_close(mla_layer(SP_RECOMPUTE_SELECTIVE), 1024.0 * 1424);
}

/* Eager modules (train.py's Hugging Face model): each of the two RMSNorms keeps its input's fp32
 * upcast (4 bytes an element, not 2), SwiGLU keeps silu(gate) too (2 bytes x 14336), and the loss
 * 12 bytes a logit (BARE's eager_loss_bytes_per_logit) where the fused count keeps 8. Llama 3 8B's
 * layer shape, two layers, vocabulary 1000, 1024 tokens: 2 layers x (2 norms x 2 bytes x 4096 +
 * 2 bytes x 14336) + 4 bytes x 1000, per token. */
static void eager_modules_keep_fp32_norms_and_loss(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 2, 4096, 32, 8, 14336, SP_FFN_SWIGLU, 1000, 4096);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.seq = 1024;
    c.flash_attention = true;
    double fused = estimate(&m, &c).activations_bytes;
    c.eager_modules = true;
    double eager = estimate(&m, &c).activations_bytes;
    assert_close(eager - fused, 1024.0 * (2.0 * (2.0 * 2.0 * 4096 + 2.0 * 14336) + 4.0 * 1000));
}

/* KV cache: 2 x layers x kv_heads x head_dim x bytes x batch x context, heads split over tp.
 * llama-2-70b shape, fp8 cache, tp 2, batch 8, 4096 tokens: 2 x 80 x 4 x 128 x 1 x 8 x 4096. */
static void kv_cache_bytes(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 80, 8192, 64, 8, 28672, SP_FFN_SWIGLU, 32000, 4096);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.mode = SP_MODE_INFER;
    c.tp = 2;
    c.kv_dtype = SP_DTYPE_FP8;
    c.batch = 8;
    c.context = 4096;
    assert_close(estimate(&m, &c).kv_cache_bytes, 2.0 * 80 * 4 * 128 * 1 * 8 * 4096);
}

/* bf16 weights are 2 bytes a parameter; int4 keeps the embeddings in 16 bits and adds a
 * 4-byte scale+zero per 128 weights elsewhere. */
static void inference_weights(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 32, 4096, 32, 32, 11008, SP_FFN_SWIGLU, 32000, 4096);
    double params = sp_model_params(&m), embeddings = 2.0 * 32000 * 4096;
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.mode = SP_MODE_INFER;
    assert_close(estimate(&m, &c).weights_bytes, 2.0 * params);
    c.weight_dtype = SP_DTYPE_INT4;
    assert_close(estimate(&m, &c).weights_bytes, (params - embeddings) * (0.5 + 4.0 / 128) + embeddings * 2.0);
    /* Experts-only MXFP4 (gpt-oss): 4 layers of 8 SwiGLU experts 3 x 256 x 512 at 0.5 + 1/32 bytes
     * (an E8M0 scale a 32 elements), every other parameter at 2; under tp 2 each GPU holds half of
     * every expert (Megatron splits expert matrices like the others) and its other parameters at 2;
     * under pp 2 the first stage holds 2 of the 4 layers' experts beside the embeddings. */
    sp_model moe;
    sp_model_from_shape(&moe, 4, 256, 4, 4, 512, SP_FFN_SWIGLU, 1000, 4096);
    moe.experts = 8;
    moe.experts_per_token = 2;
    double experts = 4.0 * 8 * 3 * 256 * 512, all = sp_model_params(&moe);
    c.weight_dtype = SP_DTYPE_MXFP4;
    c.quantized_experts_only = true;
    assert_close(estimate(&moe, &c).weights_bytes, experts * (0.5 + 1.0 / 32) + (all - experts) * 2.0);
    c.tp = 2;
    sp_memory split = estimate(&moe, &c);
    assert_close(split.weights_bytes, experts / 2 * (0.5 + 1.0 / 32) + (split.params_per_gpu - experts / 2) * 2.0);
    c.tp = 1;
    c.pp = 2;
    sp_memory staged = estimate(&moe, &c);
    assert_close(staged.weights_bytes, experts / 2 * (0.5 + 1.0 / 32) + (staged.params_per_gpu - experts / 2) * 2.0);
}

/* 1F1B keeps pp micro-batches on the first stage: L/p layers x p = as many as no pipeline;
 * interleaving multiplies by 1 + (p - 1)/(p v). */
static void pipeline_in_flight(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 8, 1024, 16, 16, 4096, SP_FFN_GELU, 1000, 2048);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.seq = 512;
    c.pp = 4;
    double plain = estimate(&m, &c).activations_bytes;
    c.interleave = 2;
    assert_close(estimate(&m, &c).activations_bytes, plain * (1.0 + 3.0 / 8.0));
    c.interleave = 1;
    c.microbatches = 2; /* fewer micro-batches than stages: only 2 in flight */
    assert_close(estimate(&m, &c).activations_bytes, plain / 2.0);
}

/* FP8 under Megatron (Transformer Engine): the four linear inputs of a layer are kept in 1 byte
 * instead of 2: the QKV and fc1 inputs (h each), the projection's (heads x head_dim) and fc2's (f),
 * so a layer keeps s b (2h + q + f) bytes less. MXFP8 adds a scale byte a 32. FSDP2 (torchtitan,
 * torchao's Float8Linear) keeps the 16-bit inputs: no saving. */
static void fp8_keeps_linear_inputs_in_8_bits(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 4, 1024, 16, 4, 2816, SP_FFN_SWIGLU, 1000, 2048);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.seq = 512;
    c.zero = 1;
    c.dp = 2;
    double bf16 = estimate(&m, &c).activations_bytes, saved = 4.0 * 512 * (2.0 * 1024 + 1024 + 2816);
    c.precision = SP_PREC_FP8;
    assert_close(estimate(&m, &c).activations_bytes, bf16 - saved);
    c.precision = SP_PREC_MXFP8;
    assert_close(estimate(&m, &c).activations_bytes, bf16 - saved * (1.0 - 1.0 / 32.0));
    c.zero = 3;
    assert_close(estimate(&m, &c).activations_bytes, bf16);
}

/* Overheads: context plus a fraction of the tensors; fits compares with capacity. */
static void overhead_and_fit(void **state)
{
    (void)state;
    sp_model m = params_only(1e9);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    sp_memory_constants k = {1e9, 0.1, 8192, 128, 12};
    sp_memory out;
    sp_error err;
    assert_int_equal(sp_memory_estimate(&m, &c, &k, 18.5e9, &out, &err), SP_OK);
    assert_close(out.model_state_bytes, 16e9);
    assert_close(out.overhead_bytes, 1e9 + 1.6e9);
    assert_close(out.total_bytes, 18.6e9);
    assert_false(out.fits);
    assert_close(out.headroom_bytes, -0.1e9);
}

/* The largest micro-batch is the last that fits: total(mb) <= capacity < total(mb + 1). */
static void max_batch_is_the_boundary(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 32, 4096, 32, 32, 11008, SP_FFN_SWIGLU, 32000, 4096);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.dp = 8;
    c.zero = 3;
    c.seq = 2048;
    double best = sp_memory_max_batch(&m, &c, &BARE, 80e9);
    assert_true(best >= 1);
    sp_memory out;
    c.micro_batch = best;
    assert_int_equal(sp_memory_estimate(&m, &c, &BARE, 80e9, &out, NULL), SP_OK);
    assert_true(out.fits);
    c.micro_batch = best + 1;
    assert_int_equal(sp_memory_estimate(&m, &c, &BARE, 80e9, &out, NULL), SP_OK);
    assert_false(out.fits);
}

static void rejects_bad_splits(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 30, 3072, 24, 24, 12288, SP_FFN_GELU, 51200, 2048);
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    sp_memory out;
    sp_error err;
    c.tp = 5; /* does not divide 24 heads */
    assert_int_equal(sp_memory_estimate(&m, &c, &BARE, 0, &out, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "tp");
    c.tp = 1;
    c.pp = 64; /* more stages than layers */
    assert_int_equal(sp_memory_estimate(&m, &c, &BARE, 0, &out, &err), SP_ERR_INPUT);
    c.pp = 1;
    c.micro_batch = NAN;
    assert_int_equal(sp_memory_estimate(&m, &c, &BARE, 0, &out, &err), SP_ERR_INPUT);
    c.micro_batch = 1;
    c.zero = 4;
    assert_int_equal(sp_memory_estimate(&m, &c, &BARE, 0, &out, &err), SP_ERR_INPUT);
}

/* DeepSpeed's estimator: ZeRO-2 4P + 16P/N; ZeRO-3 4 x largest + 18P/N. */
static void deepspeed_estimator(void **state)
{
    (void)state;
    assert_close(sp_deepspeed_zero_estimate(7e9, 0, 8, 2), 4 * 7e9 + 16 * 7e9 / 8);
    assert_close(sp_deepspeed_zero_estimate(7e9, 131072000, 8, 3), 4.0 * 131072000 + 18 * 7e9 / 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_table),
        cmocka_unit_test(fp8_model_state_as_launched),
        cmocka_unit_test(korthikanti_table2),
        cmocka_unit_test(fp8_keeps_linear_inputs_in_8_bits),
        cmocka_unit_test(gqa_swiglu_layer),
        cmocka_unit_test(eager_modules_keep_fp32_norms_and_loss),
        cmocka_unit_test(moe_layer_counts_every_routed_visit),
        cmocka_unit_test(mla_moe_layer_by_hand),
        cmocka_unit_test(kv_cache_bytes),
        cmocka_unit_test(inference_weights),
        cmocka_unit_test(pipeline_in_flight),
        cmocka_unit_test(overhead_and_fit),
        cmocka_unit_test(max_batch_is_the_boundary),
        cmocka_unit_test(rejects_bad_splits),
        cmocka_unit_test(deepspeed_estimator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
