/* Unit tests of the data-job model against hand-derived values. */
#include "test_support.h"

static sp_stage_model MODEL; /* the bundled data/stages.yaml */

static int load(void **state)
{
    (void)state;
    sp_error err;
    return sp_stages_load(SP_DATA_DIR "/stages.yaml", &MODEL, &err) == SP_OK ? 0 : -1;
}

static sp_instance node(void)
{
    sp_instance in;
    memset(&in, 0, sizeof in);
    snprintf(in.name, sizeof in.name, "toy");
    snprintf(in.cloud, sizeof in.cloud, "aws");
    in.vcpus = 32;
    in.memory_bytes = 256e9;
    in.disk_read_bytes_per_s = 3e9;
    in.disk_write_bytes_per_s = 2e9;
    in.network_bytes_per_s = 1.25e9;
    in.usd_per_hour = 2;
    return in;
}

/* Sort (Databricks GraySort accounting): map reads and writes N; reduce fetches N over the
 * network, reads N and writes 2N. With d = disk efficiency, w = network efficiency:
 * map = N/(n d) (1/R + 1/W); reduce = max(disk N/(n d) (1/R + 2/W), net 2N (n-1)/n / (n B w)). */
static void sort_by_hand(void **state)
{
    (void)state;
    sp_instance in = node();
    sp_data_job job;
    memset(&job, 0, sizeof job);
    job.input_bytes = 100e12;
    job.stages[0] = sp_stage_find(&MODEL, "sort");
    job.count = 1;
    job.nodes = 200;
    sp_data_result r;
    sp_error err;
    assert_int_equal(sp_data_estimate(&MODEL, &in, &job, &r, &err), SP_OK);
    double N = 100e12, n = 200, d = MODEL.disk_efficiency, w = MODEL.network_efficiency;
    double map = fmax(N / (n * d) * (1 / 3e9 + 1 / 2e9), N / 1e9 * 2 / (n * 32 * MODEL.cpu_efficiency));
    double reduce_disk = N / (n * d) * (1 / 3e9 + 2 / 2e9);
    double reduce_net = 2 * N * (n - 1) / n / (n * 1.25e9 * w);
    double expected = map + fmax(reduce_disk, reduce_net);
    assert_true(fabs(r.hours * 3600 - expected) < 1e-6 * expected);
    assert_close(r.shuffle_bytes, 2 * N * (n - 1) / n); /* what leaves each node */
    sp_data_job alone = job; /* on one node the shuffle stays on it */
    alone.nodes = 1;
    sp_data_result one;
    assert_int_equal(sp_data_estimate(&MODEL, &in, &alone, &one, &err), SP_OK);
    assert_close(one.shuffle_bytes, 0.0);
    assert_close(r.disk_bytes, 5 * N); /* 500 TB of disk I/O for a 100 TB sort */
    assert_close(r.cost_usd, 200 * 2 * r.hours);
}

/* Tokenizing is CPU-bound: bytes x core-seconds per GB over every vCPU of the cluster. */
static void tokenize_is_cpu_bound(void **state)
{
    (void)state;
    sp_instance in = node();
    sp_data_job job;
    memset(&job, 0, sizeof job);
    job.input_bytes = 1e12;
    job.stages[0] = sp_stage_find(&MODEL, "tokenize");
    job.count = 1;
    job.nodes = 4;
    sp_data_result r;
    sp_error err;
    assert_int_equal(sp_data_estimate(&MODEL, &in, &job, &r, &err), SP_OK);
    double cpu_s_per_gb = MODEL.stages[job.stages[0]].phases[0].cpu_s_per_gb;
    assert_true(fabs(r.hours * 3600 - 1000 * cpu_s_per_gb / (4 * 32 * MODEL.cpu_efficiency)) < 1e-6);
    assert_string_equal(r.stages[0].bottleneck, "cpu");
}

/* Filters shrink what later stages see; sizing finds the fewest nodes within the deadline. */
static void keep_and_sizing(void **state)
{
    (void)state;
    sp_instance in = node();
    sp_data_job job;
    memset(&job, 0, sizeof job);
    job.input_bytes = 10e12;
    job.stages[0] = sp_stage_find(&MODEL, "filter");
    job.stages[1] = sp_stage_find(&MODEL, "write");
    job.count = 2;
    job.nodes = 1;
    sp_data_result r;
    sp_error err;
    assert_int_equal(sp_data_estimate(&MODEL, &in, &job, &r, &err), SP_OK);
    assert_close(r.stages[1].input_bytes, 10e12 * MODEL.stages[job.stages[0]].keep);
    assert_int_equal(sp_data_size(&MODEL, &in, &job, 1.0, &r, &err), SP_OK);
    assert_true(r.hours <= 1.0);
    sp_data_job fewer = job;
    fewer.nodes = r.nodes - 1;
    sp_data_result slower;
    assert_int_equal(sp_data_estimate(&MODEL, &in, &fewer, &slower, &err), SP_OK);
    assert_true(slower.hours > 1.0);
    job.count = 0;
    assert_int_equal(sp_data_estimate(&MODEL, &in, &job, &r, &err), SP_ERR_INPUT);
}

/* Spark for joins and sorts at scale; Ray Data for tokenizers; Dask for small pandas work. */
static void framework_choice(void **state)
{
    (void)state;
    sp_data_job job;
    memset(&job, 0, sizeof job);
    sp_data_result r;
    memset(&r, 0, sizeof r);
    r.nodes = 4;
    const char *why;
    job.input_bytes = 5e12;
    job.stages[0] = sp_stage_find(&MODEL, "join");
    job.count = 1;
    assert_int_equal(sp_data_framework(&MODEL, &job, &r, &why), SP_DATA_SPARK);
    job.stages[0] = sp_stage_find(&MODEL, "tokenize");
    assert_int_equal(sp_data_framework(&MODEL, &job, &r, &why), SP_DATA_RAY_DATA);
    job.stages[0] = sp_stage_find(&MODEL, "filter");
    job.input_bytes = 0.2e12;
    assert_int_equal(sp_data_framework(&MODEL, &job, &r, &why), SP_DATA_DASK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sort_by_hand),
        cmocka_unit_test(tokenize_is_cpu_bound),
        cmocka_unit_test(keep_and_sizing),
        cmocka_unit_test(framework_choice),
    };
    return cmocka_run_group_tests(tests, load, NULL);
}
