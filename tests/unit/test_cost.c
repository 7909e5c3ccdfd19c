/* Unit tests of the build-versus-buy cost model (seed section 2). */
#include "test_support.h"

/* Seed Exercise 3: g=16, c=2.5, m=1.6, T_ops=40 h, v=60 $/h.
 * h* = v T / ((m-1) g c) = 2400 / (0.6 * 40) = 100 h. */
static void exercise3_breakeven_is_100_hours(void **state)
{
    (void)state;
    assert_close(sp_breakeven_hours(16, 2.5, 1.6, 40, 60), 100.0);
}

/* At h* both totals are equal: self = 16*2.5*100 + 2400 = 6400, managed = 1.6*4000 = 6400. */
static void totals_meet_at_breakeven(void **state)
{
    (void)state;
    sp_cost c = sp_costs(16, 2.5, 100, 1.6, 40, 60);
    assert_close(c.raw_usd, 4000.0);
    assert_close(c.self_usd, 6400.0);
    assert_close(c.managed_usd, 6400.0);
    assert_close(c.ops_usd, 2400.0);
}

/* Seed profile B: 14 GPUs, 400 h: raw 14,000, managed 22,400; h* = 2400/(0.6*35) = 114.2857 h. */
static void seed_profile_b_costs(void **state)
{
    (void)state;
    sp_cost c = sp_costs(14, 2.5, 400, 1.6, 40, 60);
    assert_close(c.raw_usd, 14000.0);
    assert_close(c.managed_usd, 22400.0);
    assert_close(c.self_usd, 16400.0);
    assert_close(sp_breakeven_hours(14, 2.5, 1.6, 40, 60), 2400.0 / 21.0);
}

static void no_premium_never_breaks_even(void **state)
{
    (void)state;
    assert_true(isinf(sp_breakeven_hours(8, 2, 1.0, 10, 50)));
    assert_close(sp_breakeven_hours(8, 2, 1.5, 0, 50), 0.0);
}

static void breakeven_check_names_the_bad_field(void **state)
{
    (void)state;
    sp_error err;
    sp_breakeven_input ok = {16, 2.5, 1.6, 40, 60, 0, NULL};
    assert_int_equal(sp_breakeven_check(&ok, &err), SP_OK);
    sp_breakeven_input bad = ok;
    bad.premium = 0.9;
    assert_int_equal(sp_breakeven_check(&bad, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "premium");
    bad = ok;
    bad.gpus = NAN;
    assert_int_equal(sp_breakeven_check(&bad, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "gpus");
    bad = ok;
    bad.ops_usd_per_hour = INFINITY;
    assert_int_equal(sp_breakeven_check(&bad, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "ops-usd-per-hour");
}

/* An offer with no single GPU (AWS p4d: 8 x A100 40GB at $21.957642 an hour, $2.74470525 a GPU's
 * share): a job on 1 pays the instance ($21.96 a GPU-hour), on 4 half of it each ($5.49), on 8 or
 * 16 the share, on 12 two instances; a fleet of 3 one-GPU replicas takes one instance, of 9 two,
 * a 12-GPU replica two. An offer that rents
 * single GPUs (L4: 1, 4 or 8) charges one GPU its own rate. */
static void whole_instances_are_paid_whole(void **state)
{
    (void)state;
    sp_accel p4d;
    memset(&p4d, 0, sizeof p4d);
    p4d.per_node = p4d.host_gpus = 8;
    p4d.usd_per_hour = 2.74470525;
    p4d.instance_gpus[0] = 8;
    p4d.instance_usd_per_hour[0] = 21.957642;
    p4d.instance_count = 1;
    p4d.min_rented_gpus = 8;
    assert_close(sp_accel_usd_per_gpu_hour(&p4d, 1), 21.957642);
    assert_close(sp_accel_usd_per_gpu_hour(&p4d, 4), 21.957642 / 4);
    assert_close(sp_accel_usd_per_gpu_hour(&p4d, 8), 2.74470525);
    assert_close(sp_accel_usd_per_gpu_hour(&p4d, 16), 2.74470525);
    assert_close(sp_accel_usd_per_gpu_hour(&p4d, 12), 2 * 21.957642 / 12); /* two whole instances */
    double instances = 0, size = 0;
    assert_close(sp_accel_fleet_usd_per_hour(&p4d, 3, 1, &instances, &size), 21.957642);
    assert_close(instances, 1.0);
    assert_close(size, 8.0);
    assert_close(sp_accel_fleet_usd_per_hour(&p4d, 9, 1, &instances, &size), 2 * 21.957642);
    /* A replica wider than a server takes whole instances: 12 GPUs, two. */
    assert_close(sp_accel_fleet_usd_per_hour(&p4d, 1, 12, &instances, &size), 2 * 21.957642);
    assert_close(instances, 2.0);
    assert_close(size, 8.0);
    sp_accel l4 = p4d;
    l4.usd_per_hour = 0.8048;
    l4.min_rented_gpus = 0;
    assert_close(sp_accel_usd_per_gpu_hour(&l4, 1), 0.8048);
    assert_close(sp_accel_fleet_usd_per_hour(&l4, 3, 1, NULL, NULL), 3 * 0.8048);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exercise3_breakeven_is_100_hours),
        cmocka_unit_test(totals_meet_at_breakeven),
        cmocka_unit_test(seed_profile_b_costs),
        cmocka_unit_test(whole_instances_are_paid_whole),
        cmocka_unit_test(no_premium_never_breaks_even),
        cmocka_unit_test(breakeven_check_names_the_bad_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
