/* Unit tests of the strict number parser used for flags and YAML scalars. */
#include "test_support.h"

static double parse_ok(const char *text, unsigned flags)
{
    double v = -1;
    sp_error err;
    sp_error_clear(&err);
    assert_int_equal(sp_parse_number(text, flags, &v, &err), SP_OK);
    return v;
}

static void parse_bad(const char *text, unsigned flags)
{
    double v = 0;
    sp_error err;
    sp_error_clear(&err);
    assert_int_equal(sp_parse_number(text, flags, &v, &err), SP_ERR_INPUT);
    assert_true(err.message[0] != '\0');
}

static void plain_numbers(void **state)
{
    (void)state;
    assert_close(parse_ok("7", 0), 7.0);
    assert_close(parse_ok("0.02", 0), 0.02);
    assert_close(parse_ok("1e3", 0), 1000.0);
    assert_close(parse_ok("-4", 0), -4.0);
    assert_close(parse_ok(".5", 0), 0.5);
}

static void suffixes_scale(void **state)
{
    (void)state;
    assert_close(parse_ok("2T", SP_NUM_ALLOW_SUFFIX), 2e12);
    assert_close(parse_ok("80GiB", SP_NUM_ALLOW_SUFFIX), 80.0 * 1073741824.0);
    assert_close(parse_ok("1.5k", SP_NUM_ALLOW_SUFFIX), 1500.0);
    assert_close(parse_ok("64Mi", SP_NUM_ALLOW_SUFFIX), 64.0 * 1048576.0);
    /* Model sizes and token budgets as people write them. */
    assert_close(parse_ok("7B", SP_NUM_ALLOW_SUFFIX), 7e9);
    assert_close(parse_ok("70b", SP_NUM_ALLOW_SUFFIX), 70e9);
    assert_close(parse_ok("1.5T", SP_NUM_ALLOW_SUFFIX), 1.5e12);
    assert_close(parse_ok("2t", SP_NUM_ALLOW_SUFFIX), 2e12);
    parse_bad("7BB", SP_NUM_ALLOW_SUFFIX);
    parse_bad("2T", 0);
    parse_bad("2X", SP_NUM_ALLOW_SUFFIX);
    parse_bad("2TBB", SP_NUM_ALLOW_SUFFIX);
}

static void underscores_between_digits(void **state)
{
    (void)state;
    assert_close(parse_ok("200_000", SP_NUM_ALLOW_UNDERSCORE), 200000.0);
    parse_bad("200_000", 0);
    parse_bad("_200", SP_NUM_ALLOW_UNDERSCORE);
    parse_bad("200_", SP_NUM_ALLOW_UNDERSCORE);
}

static void rejects_what_is_not_a_finite_decimal(void **state)
{
    (void)state;
    const char *bad[] = {"", "nan", "NaN", "inf", "-inf", ".inf", "0x10", " 7", "7 ", "7$",
                         "seven", "1e999", "--1", "+", "1e", "1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_bad(bad[i], SP_NUM_ALLOW_SUFFIX | SP_NUM_ALLOW_UNDERSCORE);
    parse_bad("1e308k", SP_NUM_ALLOW_SUFFIX); /* overflows only after the suffix */
}

static void integer_flag(void **state)
{
    (void)state;
    assert_close(parse_ok("8", SP_NUM_INTEGER), 8.0);
    assert_close(parse_ok("1k", SP_NUM_INTEGER | SP_NUM_ALLOW_SUFFIX), 1000.0);
    parse_bad("2.5", SP_NUM_INTEGER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_numbers),
        cmocka_unit_test(suffixes_scale),
        cmocka_unit_test(underscores_between_digits),
        cmocka_unit_test(rejects_what_is_not_a_finite_decimal),
        cmocka_unit_test(integer_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
