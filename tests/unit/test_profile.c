/* Unit tests of the profile loader: what it accepts and how it says no. */
#include "test_support.h"

static sp_status parse(const char *text, sp_profile_list *out, sp_error *err)
{
    sp_error_clear(err);
    return sp_profiles_parse("t.yaml", text, strlen(text), out, err);
}

static void reads_every_key(void **state)
{
    (void)state;
    const char *text = "- name: full\n"
                       "  params_b: 13\n"
                       "  data_tb: 0.5\n"
                       "  qps: 120\n"
                       "  axis: serving\n"
                       "  mode: infer\n"
                       "  train_hours: 720\n"
                       "  budget_usd: 40_000\n"
                       "  gpu_mem_gb: 141\n"
                       "  gpus_per_node: 4\n"
                       "  usd_per_gpu_hour: 3.1\n"
                       "  managed_premium: 1.2\n"
                       "  ops_hours: 80\n"
                       "  ops_usd_per_hour: 45\n"
                       "  qps_per_replica: 25\n";
    sp_profile_list list;
    sp_error err;
    assert_int_equal(parse(text, &list, &err), SP_OK);
    assert_int_equal(list.count, 1);
    const sp_profile *p = &list.items[0];
    assert_string_equal(p->name, "full");
    assert_close(p->params_b, 13.0);
    assert_close(p->budget_usd, 40000.0);
    assert_true(p->has_axis);
    assert_int_equal(p->axis, SP_AXIS_SERVING);
    assert_true(p->has_mode);
    assert_int_equal(p->mode, SP_MODE_INFER);
    assert_close(p->knobs.gpu_mem_gb, 141.0);
    assert_close(p->knobs.gpus_per_node, 4.0);
    assert_close(p->knobs.qps_per_replica, 25.0);
    assert_int_equal(p->knobs_set, SP_SET_GPU_MEM_GB | SP_SET_GPUS_PER_NODE | SP_SET_USD_PER_GPU_HOUR |
                                       SP_SET_MANAGED_PREMIUM | SP_SET_OPS_HOURS |
                                       SP_SET_OPS_USD_PER_HOUR | SP_SET_QPS_PER_REPLICA);
    assert_int_equal(p->line, 1);
    sp_profile_list_free(&list);
    sp_profile_list_free(&list); /* freeing twice is harmless */
    sp_profile_list_free(NULL);
}

static void suggests_the_nearest_key(void **state)
{
    (void)state;
    sp_profile_list list;
    sp_error err;
    assert_int_equal(parse("- name: x\n  budget: 5\n", &list, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "budget");
    assert_non_null(strstr(err.message, "budget_usd"));
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 3);
    assert_int_equal(list.count, 0);
    assert_null(list.items);
}

static void error_names_place_and_field(void **state)
{
    (void)state;
    sp_profile_list list;
    sp_error err;
    assert_int_equal(parse("- name: x\n  train_hours: 1\n  budget_usd: 1\n  qps: -3\n", &list, &err),
                     SP_ERR_INPUT);
    char line[512];
    sp_error_format(&err, line, sizeof line);
    assert_string_equal(line, "t.yaml:4:8: qps: -3 is out of range [0, 1e+09]");
}

static void axis_and_mode_are_optional(void **state)
{
    (void)state;
    sp_profile_list list;
    sp_error err;
    assert_int_equal(parse("- {name: x, params_b: 7, train_hours: 1, budget_usd: 9}\n", &list, &err),
                     SP_OK);
    assert_false(list.items[0].has_axis);
    assert_false(list.items[0].has_mode);
    assert_false(list.items[0].has_memory_gb);
    sp_profile_list_free(&list);
}

/* One document per file: a bare "---" at the end is fine, a second profile list is refused. */
static void one_document(void **state)
{
    (void)state;
    sp_profile_list list;
    sp_error err;
    const char *one = "- {name: a, memory_gb: 10, train_hours: 1, budget_usd: 10}\n---\n";
    assert_int_equal(parse(one, &list, &err), SP_OK);
    assert_int_equal(list.count, 1);
    sp_profile_list_free(&list);
    const char *two = "- {name: a, memory_gb: 10, train_hours: 1, budget_usd: 10}\n---\n- {name: b}\n";
    assert_int_equal(parse(two, &list, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "yaml");
    assert_int_equal(err.line, 3);
}

/* A fine-tune of a named model needs its data, not its hours; anything else still needs hours. */
static void fine_tune_keys(void **state)
{
    (void)state;
    sp_profile_list list;
    sp_error err;
    const char *ok = "- name: ft\n  model: llama-2-7b\n  gpu: rtx-4090-24gb\n  method: auto\n"
                     "  dataset_gb: 20\n  epochs: 2\n  budget_usd: 100\n";
    assert_int_equal(parse(ok, &list, &err), SP_OK);
    assert_true(list.items[0].has_method && list.items[0].method_auto);
    assert_close(list.items[0].dataset_gb, 20.0);
    assert_close(list.items[0].epochs, 2.0);
    assert_close(list.items[0].train_hours, 0.0);
    sp_profile_list_free(&list);
    const char *lora = "- name: ft\n  model: llama-2-7b\n  gpu: a100-sxm-80gb\n  method: qlora\n  tokens: 5e8\n"
                       "  budget_usd: 100\n";
    assert_int_equal(parse(lora, &list, &err), SP_OK);
    assert_int_equal(list.items[0].method, SP_METHOD_QLORA);
    sp_profile_list_free(&list);
    /* without a gpu the method would be dropped for a pre-training run's memory: refused at it */
    const char *no_gpu = "- name: ft\n  model: llama-2-7b\n  method: qlora\n  tokens: 5e8\n  budget_usd: 100\n";
    assert_int_equal(parse(no_gpu, &list, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "method");
    assert_int_equal(err.line, 3);
    const char *no_data = "- name: ft\n  model: llama-2-7b\n  gpu: a100-sxm-80gb\n  method: lora\n  budget_usd: 100\n";
    assert_int_equal(parse(no_data, &list, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "dataset_gb");
    const char *no_hours = "- name: ft\n  params_b: 7\n  dataset_gb: 1\n  budget_usd: 100\n";
    assert_int_equal(parse(no_hours, &list, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "train_hours");
    /* a method without a model would be dropped by the seed's arithmetic: refused at it */
    const char *no_model = "- name: ft\n  params_b: 7\n  method: lora\n  train_hours: 1\n  budget_usd: 100\n";
    assert_int_equal(parse(no_model, &list, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "method");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_every_key),
        cmocka_unit_test(fine_tune_keys),
        cmocka_unit_test(suggests_the_nearest_key),
        cmocka_unit_test(error_names_place_and_field),
        cmocka_unit_test(axis_and_mode_are_optional),
        cmocka_unit_test(one_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
