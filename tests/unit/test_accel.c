/* Unit tests of the accelerator catalog: the bundled rows and the loader's checks. */
#include "test_support.h"

static const char *const REQUIRED[] = {
    "h100-sxm-80gb", "h100-pcie-80gb", "h200-sxm-141gb", "b200-sxm-192gb", "a100-sxm-80gb",
    "a100-sxm-40gb", "v100-sxm-16gb", "v100-sxm-32gb", "l4-pcie-24gb", "l40s-pcie-48gb",
    "a10g-pcie-24gb", "mi300x-oam-192gb", "mi250x-oam-128gb", "tpu-v5e-16gb"};

static void bundled_catalog_has_every_required_row(void **state)
{
    (void)state;
    sp_accel_catalog c;
    sp_error err;
    assert_int_equal(sp_accels_load(SP_DATA_DIR "/accelerators.yaml", &c, &err), SP_OK);
    for (size_t i = 0; i < sizeof REQUIRED / sizeof REQUIRED[0]; i++) {
        const sp_accel *a = sp_accel_find(&c, REQUIRED[i]);
        assert_non_null(a);
        assert_true(a->memory_bytes >= 16e9);
        assert_true(a->hbm_bytes_per_s > 0 && a->bf16_flops_per_s > 0);
        assert_true(a->intra_node_bytes_per_s > 0 && a->inter_node_bytes_per_s > 0);
        assert_true(a->per_node >= 1);
    }
    /* The datasheet figures every estimate leans on most (NVIDIA H100/A100 datasheets). */
    const sp_accel *h100 = sp_accel_find(&c, "h100-sxm-80gb");
    assert_close(h100->memory_bytes, 80.0 * 1073741824.0);
    assert_close(h100->bf16_flops_per_s, 989.4e12);
    assert_close(sp_accel_find(&c, "a100-sxm-80gb")->bf16_flops_per_s, 312e12);
    assert_null(sp_accel_find(&c, "h900"));
    sp_accel_catalog_free(&c);
    sp_accel_catalog_free(&c);
    sp_accel_catalog_free(NULL);
}

static const char *ROW = "- name: x1\n  vendor: v\n  memory_bytes: 2e10\n  hbm_bytes_per_s: 1e12\n"
                         "  fp32_flops_per_s: 1e13\n  tf32_flops_per_s: 0\n  bf16_flops_per_s: 1e14\n"
                         "  fp8_flops_per_s: 0\n  int8_ops_per_s: 0\n  per_node: 8\n"
                         "  intra_node_bytes_per_s: 1e11\n  inter_node_bytes_per_s: 1e10\n"
                         "  usd_per_hour: 1.5\n  spec_source: \"a\"\n  link_source: \"b\"\n"
                         "  price_source: \"c\"\n  price_date: \"2026-01\"\n";

static void loader_accepts_a_full_row_and_rejects_a_missing_source(void **state)
{
    (void)state;
    sp_accel_catalog c;
    sp_error err;
    assert_int_equal(sp_accels_parse("a.yaml", ROW, strlen(ROW), &c, &err), SP_OK);
    assert_int_equal(c.count, 1);
    assert_close(c.items[0].usd_per_hour, 1.5);
    sp_accel_catalog_free(&c);
    char text[2048];
    snprintf(text, sizeof text, "%s", ROW);
    char *source = strstr(text, "  link_source");
    memcpy(source, "  #ink_source", 13);
    assert_int_equal(sp_accels_parse("a.yaml", text, strlen(text), &c, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "link_source");
    assert_int_equal(c.count, 0);
}

/* A measured FP4 GEMM share needs its source and an FP4 peak to be a share of. */
static void fp4_matmul_efficiency_needs_source_and_peak(void **state)
{
    (void)state;
    sp_accel_catalog c;
    sp_error err;
    char text[2048];
    snprintf(text, sizeof text, "%s  fp4_flops_per_s: 2e15\n  fp4_matmul_efficiency: 0.5\n  fp4_matmul_source: \"d\"\n", ROW);
    assert_int_equal(sp_accels_parse("a.yaml", text, strlen(text), &c, &err), SP_OK);
    assert_close(c.items[0].fp4_matmul_efficiency, 0.5);
    sp_accel_catalog_free(&c);
    snprintf(text, sizeof text, "%s  fp4_flops_per_s: 2e15\n  fp4_matmul_efficiency: 0.5\n", ROW);
    assert_int_equal(sp_accels_parse("a.yaml", text, strlen(text), &c, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "fp4_matmul_efficiency");
    snprintf(text, sizeof text, "%s  fp4_matmul_efficiency: 0.5\n  fp4_matmul_source: \"d\"\n", ROW);
    assert_int_equal(sp_accels_parse("a.yaml", text, strlen(text), &c, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "fp4_matmul_efficiency");
}

/* An NVL72 rack joins 72 GPUs over NVLink on hosts (compute trays) of 4: the plan counts nodes of
 * 4, the communication a domain of 72. host_gpus must divide per_node and cite its source; a struct
 * built by hand without it has hosts of per_node. */
static void hosts_may_be_smaller_than_the_nvlink_domain(void **state)
{
    (void)state;
    sp_accel_catalog c;
    sp_error err;
    assert_int_equal(sp_accels_load(SP_DATA_DIR "/accelerators.yaml", &c, &err), SP_OK);
    const sp_accel *gb200 = sp_accel_find(&c, "gb200-nvl72-186gb");
    assert_close(gb200->per_node, 72.0);
    assert_close(sp_accel_host_gpus(gb200), 4.0);
    assert_close(sp_accel_host_gpus(sp_accel_find(&c, "h100-sxm-80gb")), 8.0);
    sp_accel_catalog_free(&c);
    sp_accel by_hand = {.per_node = 8};
    assert_close(sp_accel_host_gpus(&by_hand), 8.0);
    char text[2048];
    snprintf(text, sizeof text, "%s  host_gpus: 4\n  host_source: \"f\"\n", ROW);
    assert_int_equal(sp_accels_parse("a.yaml", text, strlen(text), &c, &err), SP_OK);
    assert_close(c.items[0].host_gpus, 4.0);
    sp_accel_catalog_free(&c);
    const char *bad[] = {"  host_gpus: 3\n  host_source: \"f\"\n", "  host_gpus: 4\n"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(text, sizeof text, "%s%s", ROW, bad[i]);
        assert_int_equal(sp_accels_parse("a.yaml", text, strlen(text), &c, &err), SP_ERR_INPUT);
        assert_string_equal(err.field, "host_gpus");
    }
}

/* An offer rented 1, 4 or 8 GPUs to an instance (x1 at $1.5 alone; $8 for 4, $20 for 8): a job
 * pays for the smallest instance holding its GPUs in a server, idle ones included, so 2 GPUs pay
 * $8 / 2 = $4 each, 3 pay $8 / 3, 4 pay $2, 5 to 8 the 8-GPU instance, and 16 fill two of those at
 * $2.50. A serving fleet's replicas share instances of the one size cheapest for the fleet: 3
 * replicas of 2 GPUs take two 4-GPU instances ($16, not one 8-GPU $20), a lone one a whole 4-GPU
 * instance, 5 one-GPU replicas single GPUs, 2 of 3 GPUs two 4-GPU instances, and replicas wider
 * than a server fill 8-GPU instances. */
static void instances_price_the_gpus_they_hold(void **state)
{
    (void)state;
    sp_accel_catalog c;
    sp_error err;
    char text[2048];
    snprintf(text, sizeof text,
             "%s  instances:\n    - {gpus: 4, usd_per_hour: 8}\n    - {gpus: 8, usd_per_hour: 20}\n"
             "  instances_source: \"e\"\n",
             ROW);
    assert_int_equal(sp_accels_parse("a.yaml", text, strlen(text), &c, &err), SP_OK);
    const sp_accel *a = &c.items[0];
    assert_int_equal(a->instance_count, 2);
    assert_close(sp_accel_usd_per_gpu_hour(a, 1), 1.5);
    assert_close(sp_accel_usd_per_gpu_hour(a, 2), 4.0);
    assert_close(sp_accel_usd_per_gpu_hour(a, 3), 8.0 / 3.0);
    assert_close(sp_accel_usd_per_gpu_hour(a, 4), 2.0);
    assert_close(sp_accel_usd_per_gpu_hour(a, 5), 4.0);
    assert_close(sp_accel_usd_per_gpu_hour(a, 16), 2.5);
    assert_close(sp_accel_instance_gpus(a, 2), 4.0);
    assert_close(sp_accel_instance_gpus(a, 1), 1.0);
    double n = 0, size = 0;
    assert_close(sp_accel_fleet_usd_per_hour(a, 3, 2, &n, &size), 16.0); /* two 4-GPU instances */
    assert_close(n, 2.0);
    assert_close(size, 4.0);
    assert_close(sp_accel_fleet_usd_per_hour(a, 1, 2, &n, &size), 8.0); /* one, half idle */
    assert_close(n, 1.0);
    assert_close(sp_accel_fleet_usd_per_hour(a, 5, 1, &n, &size), 7.5); /* single GPUs */
    assert_close(n, 5.0);
    assert_close(size, 1.0);
    assert_close(sp_accel_fleet_usd_per_hour(a, 2, 3, &n, &size), 16.0); /* one to a 4-GPU instance */
    assert_close(sp_accel_fleet_usd_per_hour(a, 2, 16, &n, &size), 80.0); /* two 8-GPU instances each */
    assert_close(n, 4.0);
    assert_close(size, 8.0);
    sp_accel_catalog_free(&c);
    /* Without the list every count pays the single GPU's rate. */
    assert_int_equal(sp_accels_parse("a.yaml", ROW, strlen(ROW), &c, &err), SP_OK);
    assert_close(sp_accel_usd_per_gpu_hour(&c.items[0], 8), 1.5);
    assert_close(sp_accel_fleet_usd_per_hour(&c.items[0], 3, 4, NULL, NULL), 18.0);
    sp_accel_catalog_free(&c);
}

/* The list needs its source, rising GPU counts within a server, and no more rows than it holds. */
static void instances_are_checked(void **state)
{
    (void)state;
    static const char *bad[] = {
        "  instances:\n    - {gpus: 4, usd_per_hour: 8}\n",
        "  instances:\n    - {gpus: 8, usd_per_hour: 20}\n    - {gpus: 4, usd_per_hour: 8}\n  instances_source: \"e\"\n",
        "  instances:\n    - {gpus: 16, usd_per_hour: 8}\n  instances_source: \"e\"\n",
        "  instances:\n    - {gpus: 4}\n  instances_source: \"e\"\n",
        "  instances: 4\n  instances_source: \"e\"\n",
    };
    static const char *fields[] = {"instances", "gpus", "gpus", "usd_per_hour", "instances"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sp_accel_catalog c;
        sp_error err;
        char text[2048];
        snprintf(text, sizeof text, "%s%s", ROW, bad[i]);
        assert_int_equal(sp_accels_parse("a.yaml", text, strlen(text), &c, &err), SP_ERR_INPUT);
        assert_string_equal(err.field, fields[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundled_catalog_has_every_required_row),
        cmocka_unit_test(loader_accepts_a_full_row_and_rejects_a_missing_source),
        cmocka_unit_test(fp4_matmul_efficiency_needs_source_and_peak),
        cmocka_unit_test(hosts_may_be_smaller_than_the_nvlink_domain),
        cmocka_unit_test(instances_price_the_gpus_they_hold), cmocka_unit_test(instances_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
