/* Numeric edges: every estimator answers zero, huge, NaN and infinite inputs with a clear
 * error (a status and the field), never a wrong number. */
#include "test_support.h"

static sp_model shape(void)
{
    sp_model m;
    sp_model_from_shape(&m, 4, 256, 4, 4, 1024, SP_FFN_GELU, 1000, 512);
    return m;
}

static sp_accel accel(void)
{
    sp_accel a = test_accel(80e9, 2e12, 300e12, 300e9, 25e9, 3);
    a.fp32_flops_per_s = 20e12;
    return a;
}

static void memory_edges(void **state)
{
    (void)state;
    sp_model m = shape();
    sp_memory_constants k = {1e9, 0.1, 8192, 128, 12};
    sp_memory out;
    sp_error err;
    const double bad[] = {0, -1, NAN, INFINITY, 1.5, 1e12};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sp_mem_config c = SP_MEM_CONFIG_INIT;
        c.micro_batch = bad[i];
        assert_int_equal(sp_memory_estimate(&m, &c, &k, 80e9, &out, &err), SP_ERR_INPUT);
        assert_string_equal(err.field, "micro-batch");
        c = (sp_mem_config)SP_MEM_CONFIG_INIT;
        c.tp = bad[i];
        assert_int_equal(sp_memory_estimate(&m, &c, &k, 80e9, &out, &err), SP_ERR_INPUT);
    }
    sp_model huge = m;
    huge.params_override = 1e30; /* 1e30 parameters: refused, not a number of bytes */
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    assert_int_equal(sp_memory_estimate(&huge, &c, &k, 80e9, &out, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "model");
    sp_model none;
    memset(&none, 0, sizeof none);
    none.params_override = NAN; /* not a count: the model has no parameters at all */
    assert_int_equal(sp_memory_estimate(&none, &c, &k, 80e9, &out, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "model");
}

static void train_edges(void **state)
{
    (void)state;
    sp_model m = shape();
    sp_accel a = accel();
    sp_perf_constants perf = {0.8, 128, 0.6, 0.8, 0.8, 0.9, 2e-5, 0.05, 0.25, 0.86, 25e9, 1e9, 0, 4096, 8.4e-6, 3.4e-6, 4e-6, 14e-6, 0, 0, 1.1, 0.9, 0.5, 0, 0.9, 10, 24, 0.25, 0.5, 1.4142, 6};
    sp_memory_constants k = {1e9, 0.1, 8192, 128, 12};
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.seq = 512;
    sp_step step;
    sp_error err;
    const double batches[] = {0, NAN, INFINITY, -8, 2.5, 1e12};
    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++)
        assert_int_equal(sp_train_step(&m, &a, &c, batches[i], &perf, &step, &err), SP_ERR_INPUT);
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.global_batch = 8;
    q.seq = 512;
    q.usd_per_gpu_hour = 3;
    static sp_search_result r;
    const double gpus[] = {0, NAN, INFINITY, 1e9, 0.5};
    for (size_t i = 0; i < sizeof gpus / sizeof gpus[0]; i++) {
        q.gpus = gpus[i];
        assert_int_equal(sp_train_search(&m, &a, &q, &k, &perf, 1, &r, &err), SP_ERR_INPUT);
        assert_string_equal(err.field, "gpus");
    }
    q.gpus = 8;
    q.tokens = NAN;
    assert_int_equal(sp_train_search(&m, &a, &q, &k, &perf, 1, &r, &err), SP_ERR_INPUT);
    /* A count the model and batch cannot split: nothing fits, reported as found = false. */
    q.tokens = 1e9;
    q.gpus = 7;
    assert_int_equal(sp_train_search(&m, &a, &q, &k, &perf, 1, &r, &err), SP_OK);
    assert_false(r.found);
}

static void serve_edges(void **state)
{
    (void)state;
    sp_model m = shape();
    sp_accel a = accel();
    sp_perf_constants perf = {0.8, 128, 0.6, 0.8, 0.8, 0.9, 2e-5, 0.05, 0.25, 0.86, 25e9, 1e9, 0, 4096, 8.4e-6, 3.4e-6, 4e-6, 14e-6, 0, 0, 1.1, 0.9, 0.5, 0, 0.9, 10, 24, 0.25, 0.5, 1.4142, 6};
    sp_memory_constants k = {1e9, 0.1, 8192, 128, 12};
    sp_serve_result r;
    sp_error err;
    sp_serve_config c = SP_SERVE_CONFIG_INIT;
    c.tp = 1;
    c.prompt_tokens = 0;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &k, &perf, &r, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "prompt-tokens");
    c = (sp_serve_config)SP_SERVE_CONFIG_INIT;
    c.tp = 1;
    c.qps = NAN;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &k, &perf, &r, &err), SP_ERR_INPUT);
    c.qps = 0;
    c.tpot_s = INFINITY;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &k, &perf, &r, &err), SP_ERR_INPUT);
    c.tpot_s = 0;
    c.gpu_memory_utilization = 0;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &k, &perf, &r, &err), SP_ERR_INPUT);
    c.gpu_memory_utilization = 0.9;
    c.batch = 1e9;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &k, &perf, &r, &err), SP_ERR_INPUT);
}

static void data_edges(void **state)
{
    (void)state;
    sp_stage_model model;
    sp_error err;
    assert_int_equal(sp_stages_load(SP_DATA_DIR "/stages.yaml", &model, &err), SP_OK);
    sp_instance in;
    memset(&in, 0, sizeof in);
    in.vcpus = 32;
    in.disk_read_bytes_per_s = in.disk_write_bytes_per_s = 1e9;
    in.network_bytes_per_s = 1e9;
    in.usd_per_hour = 1;
    sp_data_job job;
    memset(&job, 0, sizeof job);
    job.stages[0] = 0;
    job.count = 1;
    job.nodes = 1;
    sp_data_result r;
    const double sizes[] = {0, -1, NAN, INFINITY, 1e30};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        job.input_bytes = sizes[i];
        assert_int_equal(sp_data_estimate(&model, &in, &job, &r, &err), SP_ERR_INPUT);
    }
    job.input_bytes = 1e12;
    job.nodes = 0;
    assert_int_equal(sp_data_estimate(&model, &in, &job, &r, &err), SP_ERR_INPUT);
    job.nodes = 1;
    assert_int_equal(sp_data_size(&model, &in, &job, NAN, &r, &err), SP_ERR_INPUT);
    assert_int_equal(sp_data_size(&model, &in, &job, 1e-9, &r, &err), SP_ERR_INPUT); /* no cluster is that fast */
    job.stages[0] = 99;
    assert_int_equal(sp_data_estimate(&model, &in, &job, &r, &err), SP_ERR_INPUT);
}

/* The cost model stays finite at the largest inputs the loaders accept. */
static void cost_extremes(void **state)
{
    (void)state;
    sp_cost c = sp_costs(1e7, 1e4, 1e6, 100, 1e6, 1e6);
    assert_true(isfinite(c.raw_usd) && isfinite(c.managed_usd) && isfinite(c.self_usd));
    assert_true(isinf(sp_breakeven_hours(1e7, 1e4, 1.0, 1e6, 1e6)));
}

/* Every precision and dtype the enums hold has its own name, which parses back to it: a value added
 * to an enum without its name would print "?" in every report. */
static void every_value_has_a_name(void **state)
{
    (void)state;
    for (int p = SP_PREC_FP32; p <= SP_PREC_NVFP4; p++) {
        sp_precision back;
        assert_string_not_equal(sp_precision_name((sp_precision)p), "?");
        assert_true(sp_precision_parse(sp_precision_name((sp_precision)p), &back) && (int)back == p);
    }
    for (int d = SP_DTYPE_BF16; d <= SP_DTYPE_MXFP4; d++) {
        sp_dtype back;
        assert_string_not_equal(sp_dtype_name((sp_dtype)d), "?");
        assert_true(sp_dtype_parse(sp_dtype_name((sp_dtype)d), &back) && (int)back == d);
    }
    assert_string_equal(sp_precision_name((sp_precision)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_edges),
        cmocka_unit_test(train_edges),
        cmocka_unit_test(serve_edges),
        cmocka_unit_test(data_edges),
        cmocka_unit_test(cost_extremes),
        cmocka_unit_test(every_value_has_a_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
