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

/* Constants that make hand derivation exact: every GEMM at half of peak, no saturation,
 * no latency, no contention, no fitted sustained fraction. */
#define TEST_PERF {0.5, 0, 1.0, 1.0, 1.0, 1.0, 0, 0, 0, 1.0, 25e9, 1e9, 0, 4096, 0, 0, 0, 0, 0, 0, 1.1, 0.9, 0.5, 0, 0.9, 10, 24, 0.25, 0.5, 1.4142, 6}
/* No CUDA context, no fragmentation; vLLM's 8192-token chunk, int4 groups of 128. */
#define TEST_MEM {0, 0, 8192, 128, 12}

/* A toy 8-GPU-node accelerator with the rates a test derives by hand. */
static inline sp_accel test_accel(double memory_bytes, double hbm_bytes_per_s, double bf16_flops_per_s,
                                  double intra_node_bytes_per_s, double inter_node_bytes_per_s, double usd_per_hour)
{
    sp_accel a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "toy");
    snprintf(a.vendor, sizeof a.vendor, "nvidia");
    a.memory_bytes = memory_bytes;
    a.hbm_bytes_per_s = hbm_bytes_per_s;
    a.bf16_flops_per_s = bf16_flops_per_s;
    a.per_node = 8;
    a.intra_node_bytes_per_s = intra_node_bytes_per_s;
    a.inter_node_bytes_per_s = inter_node_bytes_per_s;
    a.usd_per_hour = usd_per_hour;
    return a;
}

#endif
