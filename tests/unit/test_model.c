/* Unit tests of parameter counts: the catalog's configs against published exact figures. */
#include "test_support.h"

static double params_of(const char *name, double *active)
{
    sp_model m;
    sp_error err;
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, name, &m, &err), SP_OK);
    if (active)
        *active = sp_model_active_params(&m);
    return sp_model_params(&m);
}

/* Figures from the model cards / issue 3 (exact integers). */
static void exact_counts(void **state)
{
    (void)state;
    assert_true(params_of("llama-2-7b", NULL) == 6738415616.0);
    assert_true(params_of("llama-2-13b", NULL) == 13015864320.0);
    assert_true(params_of("mistral-7b", NULL) == 7241732096.0);
    assert_true(params_of("llama-3.1-8b", NULL) == 8030261248.0);
    assert_true(params_of("gpt2", NULL) == 124439808.0);            /* HF gpt2 model card */
    assert_true(params_of("bert-large-uncased", NULL) == 335141888.0); /* HF docs, validation row */
    assert_true(params_of("bloom-176b", NULL) == 176247271424.0);   /* BigScience model card */
    assert_true(params_of("mpt-7b", NULL) == 6649286656.0);         /* MosaicML model card */
}

/* Mixtral: 8 experts, 2 active: 46,702,792,704 total; active = total - 32 x 6 x 3 x 4096 x 14336. */
static void mixtral_total_and_active(void **state)
{
    (void)state;
    double active = 0;
    assert_true(params_of("mixtral-8x7b", &active) == 46702792704.0);
    assert_true(active == 46702792704.0 - 32.0 * 6.0 * 3.0 * 4096.0 * 14336.0);
}

/* The hand count for llama-2-7b: 2 x 32000 x 4096 + 32 x (4 x 4096^2 + 3 x 4096 x 11008 + 2 x 4096) + 4096. */
static void shape_matches_hand_count(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 32, 4096, 32, 32, 11008, SP_FFN_SWIGLU, 32000, 4096);
    double hand = 2.0 * 32000 * 4096 + 32.0 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008 + 2.0 * 4096) + 4096;
    assert_true(sp_model_params(&m) == hand);
    assert_true(hand == 6738415616.0);
}

/* Qwen2-57B-A14B (qwen2_moe) by hand: per layer attention 2 x 3584^2 + 2 x 3584 x 512 with q, k, v
 * biases (3584 + 2 x 512), two norms, a 3584 x 64 router, 64 routed experts of 3 x 3584 x 2560 and the
 * 20480-wide shared expert (8 of the routed width); 28 layers, untied 151936-token embedding and head,
 * a final norm. Active: the shared expert and 8 routed ones. (HF's count is 100,352 higher: the
 * shared expert's 3584 x 1 sigmoid gate a layer, left out.) */
static void qwen2_moe_by_hand(void **state)
{
    (void)state;
    double attention = 2.0 * 3584 * 3584 + 2.0 * 3584 * 512 + 3584 + 2 * 512, expert = 3.0 * 3584 * 2560;
    double fixed = attention + 2.0 * 3584 + 3584.0 * 64 + 8 * expert; /* ... and the shared expert */
    double embeddings = 2.0 * 151936 * 3584 + 3584;
    double active = 0;
    assert_true(params_of("qwen2-57b-a14b", &active) == 28.0 * (fixed + 64 * expert) + embeddings);
    assert_true(active == 28.0 * (fixed + 8 * expert) + embeddings);
    assert_true(params_of("qwen2-57b-a14b", NULL) == 57408558592.0);
}

/* The stored weights' format from quantization_config: DeepSeek-V3's fp8 blocks, gpt-oss's MXFP4, a
 * ModelOpt NVFP4 file, a 4-bit GPTQ one, Meta's fbgemm FP8, compressed-tensors W4A16 and FP8; a
 * 16-bit file, an unmodelled method (bitsandbytes) and an unmodelled width (2-bit) say nothing. */
static void checkpoint_formats(void **state)
{
    (void)state;
    sp_model m;
    sp_error err;
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "deepseek-v3", &m, &err), SP_OK);
    assert_true(m.checkpoint_quantized && m.checkpoint_dtype == SP_DTYPE_FP8);
    assert_false(m.checkpoint_experts_only);
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "gpt-oss-120b", &m, &err), SP_OK);
    assert_true(m.checkpoint_quantized && m.checkpoint_dtype == SP_DTYPE_MXFP4);
    assert_true(m.checkpoint_experts_only); /* modules_to_not_convert names the attention */
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "llama-3.1-8b", &m, &err), SP_OK);
    assert_false(m.checkpoint_quantized);
    const char *head = "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 4, \"intermediate_size\": 128, \"vocab_size\": 100, ";
    const char *tails[] = {"\"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\"}}",
                           "\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 4}}",
                           "\"quantization_config\": {\"quant_method\": \"fbgemm_fp8\"}}",
                           "\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"config_groups\": "
                           "{\"group_0\": {\"weights\": {\"num_bits\": 4, \"type\": \"int\"}}}}}",
                           "\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"config_groups\": "
                           "{\"group_0\": {\"weights\": {\"num_bits\": 8, \"type\": \"float\"}}}}}",
                           "\"quantization_config\": {\"quant_method\": \"bitsandbytes\"}}",
                           "\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"config_groups\": "
                           "{\"group_0\": {\"weights\": {\"num_bits\": 2, \"type\": \"int\"}}}}}"};
    const sp_dtype want[] = {SP_DTYPE_NVFP4, SP_DTYPE_INT4, SP_DTYPE_FP8, SP_DTYPE_INT4, SP_DTYPE_FP8};
    for (int i = 0; i < 7; i++) {
        char text[768];
        snprintf(text, sizeof text, "%s%s", head, tails[i]);
        assert_int_equal(sp_model_parse_hf("c.json", text, strlen(text), &m, &err), SP_OK);
        assert_int_equal(m.checkpoint_quantized, i < 5);
        if (i < 5)
            assert_int_equal(m.checkpoint_dtype, want[i]);
    }
}

static void hf_errors_name_the_field(void **state)
{
    (void)state;
    sp_model m;
    sp_error err;
    const char *no_type = "{\"hidden_size\": 8}";
    assert_int_equal(sp_model_parse_hf("c.json", no_type, strlen(no_type), &m, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "model_type");
    const char *bad_kv = "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_hidden_layers\": 2,"
                         " \"num_attention_heads\": 8, \"num_key_value_heads\": 3, \"vocab_size\": 10,"
                         " \"intermediate_size\": 128}";
    assert_int_equal(sp_model_parse_hf("c.json", bad_kv, strlen(bad_kv), &m, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "num_key_value_heads");
    const char *odd_shared = "{\"model_type\": \"qwen2_moe\", \"hidden_size\": 64, \"num_hidden_layers\": 2,"
                             " \"num_attention_heads\": 8, \"num_key_value_heads\": 2, \"vocab_size\": 10,"
                             " \"intermediate_size\": 128, \"moe_intermediate_size\": 32, \"num_experts\": 4,"
                             " \"num_experts_per_tok\": 2, \"shared_expert_intermediate_size\": 48}";
    assert_int_equal(sp_model_parse_hf("c.json", odd_shared, strlen(odd_shared), &m, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "shared_expert_intermediate_size");
    const char *broken = "{\"model_type\": ";
    assert_int_equal(sp_model_parse_hf("c.json", broken, strlen(broken), &m, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "json");
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "../etc/passwd", &m, &err), SP_ERR_INPUT);
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "no-such-model", &m, &err), SP_ERR_INPUT);
}

/* A qwen2 config (from a user's download): q, k, v carry biases, o does not. */
static void qwen2_biases(void **state)
{
    (void)state;
    const char *cfg = "{\"model_type\": \"qwen2\", \"hidden_size\": 64, \"num_hidden_layers\": 1,"
                      " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 100,"
                      " \"intermediate_size\": 128, \"tie_word_embeddings\": true}";
    sp_model m;
    sp_error err;
    assert_int_equal(sp_model_parse_hf("q.json", cfg, strlen(cfg), &m, &err), SP_OK);
    /* embed 6400; q 64x64+64, k,v 64x32+32 each, o 64x64; mlp 3x64x128; norms 2x64; final 64 */
    double hand = 6400 + (4096 + 64) + 2 * (2048 + 32) + 4096 + 3 * 64 * 128 + 128 + 64;
    assert_true(sp_model_params(&m) == hand);
}

/* MLA by hand (DeepSeek-V2 sec. 2.1.2) on a toy: h 64, 4 heads, q rank 16, kv rank 8, nope 8, rope 4,
 * v 8. Attention: q_a 64x16 + norm 16 + q_b 16x4x12 = 1808; kv_a 64x12 = 768, norm 8, kv_b
 * 8x4x16 = 512; o 4x8x64 = 2048: 5144. KV a token and layer: (8 + 4) x 2 bytes. MoE: 1 dense layer
 * of ffn 32 (3x64x32 = 6144), 1 routed layer of 4 experts + 1 shared of 16 (5 x 3072) and a router
 * of 4x64 + 4 bias (noaux_tc). Norms 2x64 a layer; vocab 10 untied: 1280; final norm 64. */
static void mla_and_moe_by_hand(void **state)
{
    (void)state;
    const char *config = "{\"model_type\": \"deepseek_v3\", \"hidden_size\": 64, \"num_hidden_layers\": 2,"
                         " \"num_attention_heads\": 4, \"num_key_value_heads\": 4, \"vocab_size\": 10,"
                         " \"intermediate_size\": 32, \"moe_intermediate_size\": 16, \"n_routed_experts\": 4,"
                         " \"n_shared_experts\": 1, \"num_experts_per_tok\": 2, \"first_k_dense_replace\": 1,"
                         " \"q_lora_rank\": 16, \"kv_lora_rank\": 8, \"qk_nope_head_dim\": 8,"
                         " \"qk_rope_head_dim\": 4, \"v_head_dim\": 8, \"topk_method\": \"noaux_tc\","
                         " \"_name_or_path\": \"toy/deepseek\"}";
    sp_model m;
    sp_error err;
    assert_int_equal(sp_model_parse_hf("toy.json", config, strlen(config), &m, &err), SP_OK);
    assert_string_equal(m.name, "toy/deepseek");
    assert_string_equal(m.hf_id, "toy/deepseek");
    double attention = 5144, norms = 128, dense = 6144, moe = 5 * 3072 + 4 * 64 + 4;
    double expected = 1280 + 2 * (attention + norms) + dense + moe + 64;
    assert_close(sp_model_params(&m), expected);
    assert_close(sp_model_active_params(&m), expected - 2 * 3072);
    assert_close(sp_model_kv_bytes_per_token(&m, SP_DTYPE_BF16), 2 * (8 + 4) * 2.0);
}

/* A file is named by _name_or_path, else by its file or its directory, never by model_type. */
static void names_from_files(void **state)
{
    (void)state;
    const char *config = "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_hidden_layers\": 2,"
                         " \"num_attention_heads\": 4, \"vocab_size\": 10, \"intermediate_size\": 32}";
    sp_model m;
    sp_error err;
    assert_int_equal(sp_model_parse_hf("dl/Qwen3-8B/config.json", config, strlen(config), &m, &err), SP_OK);
    assert_string_equal(m.name, "Qwen3-8B");
    assert_int_equal(sp_model_parse_hf("my-model.json", config, strlen(config), &m, &err), SP_OK);
    assert_string_equal(m.name, "my-model");
    assert_string_equal(m.hf_id, "");
}

/* Balls into bins: top-2 of 8 experts touches 2 at one token, 8 (1 - 0.75^2) = 3.5 at two, all
 * but 8 x 0.75^64 at 64; a dense model has one. */
static void experts_touched_by_hand(void **state)
{
    (void)state;
    assert_close(sp_experts_touched(8, 2, 1), 2.0);
    assert_close(sp_experts_touched(8, 2, 2), 3.5);
    assert_close(sp_experts_touched(8, 2, 64), 8.0 * (1.0 - pow(0.75, 64)));
    assert_close(sp_experts_touched(1, 1, 100), 1.0);
}

/* Llama 4 as transformers and Megatron see it: every 2nd of Maverick's 48 layers routes over 128
 * experts (HF: layer i when (i + 1) % interleave_moe_layer_step == 0), 24 dense; a sigmoid router
 * (Llama4TextMoe); experts held as fused 3-D parameters (Llama4TextExperts). Scout routes every
 * layer. From transformers 5 every MoE family's experts are fused; a dense model stays as it is. */
static void llama4_layers_router_and_fused_experts(void **state)
{
    (void)state;
    sp_model m;
    sp_error err;
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "llama-4-maverick-17b-128e", &m, &err), SP_OK);
    assert_true(m.moe_layer_step == 2 && m.dense_layers == 24 && m.layers == 48);
    assert_true(m.router_sigmoid && m.experts_fused);
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "llama-4-scout-17b-16e", &m, &err), SP_OK);
    assert_true(m.moe_layer_step == 1 && m.dense_layers == 0 && m.experts_fused);
    sp_rules rules;
    assert_int_equal(sp_rules_load(SP_DATA_DIR, &rules, &err), SP_OK);
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "mixtral-8x7b", &m, &err), SP_OK);
    assert_false(m.experts_fused); /* transformers 4's MixtralBlockSparseTop2MLP: nn.Linear */
    sp_model_as_transformers_loads(&m, &rules);
    assert_true(m.experts_fused); /* the pinned transformers (5.x): MixtralExperts' 3-D tensors */
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "llama-3.1-8b", &m, &err), SP_OK);
    sp_model_as_transformers_loads(&m, &rules);
    assert_false(m.experts_fused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mla_and_moe_by_hand), cmocka_unit_test(experts_touched_by_hand), cmocka_unit_test(names_from_files),
        cmocka_unit_test(exact_counts),
        cmocka_unit_test(qwen2_moe_by_hand),
        cmocka_unit_test(mixtral_total_and_active),
        cmocka_unit_test(shape_matches_hand_count),
        cmocka_unit_test(hf_errors_name_the_field),
        cmocka_unit_test(checkpoint_formats),
        cmocka_unit_test(qwen2_biases),
        cmocka_unit_test(llama4_layers_router_and_fused_experts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
