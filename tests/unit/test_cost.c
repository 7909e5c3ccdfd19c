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
    sp_breakeven_input ok = {16, 2.5, 1.6, 40, 60, 0};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exercise3_breakeven_is_100_hours),
        cmocka_unit_test(totals_meet_at_breakeven),
        cmocka_unit_test(seed_profile_b_costs),
        cmocka_unit_test(no_premium_never_breaks_even),
        cmocka_unit_test(breakeven_check_names_the_bad_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
