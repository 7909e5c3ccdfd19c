/* test_support.h - what every unit test includes. */
#ifndef SP_TEST_SUPPORT_H
#define SP_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stackplan.h"

/* Doubles equal to within a relative 1e-12 (hand-derived values are exact
 * decimals; only binary rounding may differ). */
#define assert_close(a, b) assert_true(fabs((a) - (b)) <= 1e-12 * fmax(1.0, fabs(b)))

#endif
