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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_counts),
        cmocka_unit_test(mixtral_total_and_active),
        cmocka_unit_test(shape_matches_hand_count),
        cmocka_unit_test(hf_errors_name_the_field),
        cmocka_unit_test(qwen2_biases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
