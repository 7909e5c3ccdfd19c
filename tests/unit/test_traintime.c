/* Unit tests of the training-time model and the search, against hand-derived values. */
#include "test_support.h"

#include <jansson.h>
#include <stdlib.h>

static const sp_perf_constants PERF = TEST_PERF;
static const sp_memory_constants MEM = TEST_MEM;

/* Memory to spare, element-wise work free (1e18 B/s), 100 TF bf16, 10 TF fp32. */
static sp_accel toy_accel(void)
{
    sp_accel a = test_accel(1e12, 1e18, 100e12, 100e9, 10e9, 2);
    a.fp32_flops_per_s = 10e12;
    return a;
}

static sp_model toy_model(double layers)
{
    sp_model m;
    sp_model_from_shape(&m, layers, 1024, 16, 16, 4096, SP_FFN_GELU, 1000, 512);
    return m;
}

/* The toy layer as an MoE: 2 layers, 8 experts, top-2. */
static sp_model toy_moe(void)
{
    sp_model m = toy_model(2);
    m.experts = 8;
    m.experts_per_token = 2;
    return m;
}

static sp_mem_config toy_config(void)
{
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.seq = 512;
    c.flash_attention = true;
    return c;
}

/* One layer, one micro-batch of 512 tokens on one GPU:
 * GEMMs forward 2T h (3h) + 2T h h + 2 x 2T h f = 12.885 GFLOP at 50 TFLOP/s, backward twice that;
 * FlashAttention forward 4 T s h / 2 (causal), backward 2.5x; logits 3 x 2 T h V. */
static void single_gpu_step(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096, V = 1000, rate = 50e12;
    double gemm = (2 * T * h * 3 * h + 2 * T * h * h + 2 * 2 * T * h * f) / rate;
    double attention = 4 * T * 512 * h * 0.5 / rate;
    double logits = 3 * 2 * T * V * h / rate;
    double expected = 3 * gemm + 3.5 * attention + logits;
    assert_true(fabs(s.step_time_s - expected) / expected < 1e-6);
    assert_close(s.microbatches, 1.0);
    assert_close(s.tp_comm_s, 0.0);
    assert_close(s.bubble_s, 0.0);
    /* MFU: 3 x forward FLOPs (full, non-causal attention counted as papers do) over peak. */
    double forward = 2 * T * h * 3 * h + 2 * T * h * h + 2 * 2 * T * h * f + 4 * T * 512 * h + 2 * T * h * V;
    assert_true(fabs(s.mfu - 3 * forward / s.step_time_s / 100e12) < 1e-9);
    assert_close(s.hfu, s.mfu); /* no recompute */
}

/* FP8 linears: the layer GEMMs run at the fp8 rate, the attention core and the output layer stay
 * 16-bit, and each GEMM input (forward) and output gradient (backward) is cast: 4 bytes an element
 * (read 2, write the fp8 copy and its transpose). Toy: fp8 200 TF, 1 TB/s for the casts. */
static void fp8_linears_only(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.fp8_flops_per_s = 200e12;
    a.hbm_bytes_per_s = 1e12;
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    c.precision = SP_PREC_FP8;
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096, V = 1000;
    double gemm = (2 * T * h * 3 * h + 2 * T * h * h + 2 * 2 * T * h * f) / 100e12; /* 200 TF x 0.5 */
    double attention = 4 * T * 512 * h * 0.5 / 50e12;
    double logits = 3 * 2 * T * V * h / 50e12;
    /* casts: forward inputs h (qkv) + h (proj) + h (fc1) + f (fc2); backward output gradients
     * 3h (qkv) + h (proj) + f (fc1) + h (fc2) */
    double casts = T * ((3 * h + f) + (5 * h + f)) * 4.0 / 1e12;
    /* element-wise work and the loss traffic at 1 TB/s, as in the bf16 step */
    sp_accel b = a;
    b.fp8_flops_per_s = 0;
    sp_mem_config bf = c;
    bf.precision = SP_PREC_MIXED_BF16;
    sp_step s16;
    assert_int_equal(sp_train_step(&m, &b, &bf, 1, &PERF, &s16, &err), SP_OK);
    double memory_bound = s16.step_time_s - (3 * 2 * gemm + 3.5 * attention + logits) - s16.optimizer_s;
    double expected = 3 * gemm + 3.5 * attention + logits + casts + memory_bound + s.optimizer_s;
    assert_true(fabs(s.step_time_s - expected) / expected < 1e-6);
}

/* torchao's rowwise float8 over the tensorwise step: the forward GEMMs at 0.9 of the fp8 rate
 * (TEST_PERF's fp8_rowwise_gemm_share), 8 bytes an element of cast where tensorwise writes 4, and
 * a rescale of each backward GEMM's bf16 output, 4 bytes an element: input gradients T x (5h + f)
 * (q, k, v, proj and fc1 take h, fc2 f) and weight gradients 4 h x h + h x f + f x h. Toy:
 * fp8 200 TF at 0.5, 1 TB/s. A part with no fp8 rate has no rowwise step. */
static void fp8_rowwise_over_tensorwise(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.hbm_bytes_per_s = 1e12;
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    c.precision = SP_PREC_FP8_ROWWISE;
    sp_step tensorwise, rowwise;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &rowwise, &err), SP_ERR_INPUT);
    a.fp8_flops_per_s = 200e12;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &rowwise, &err), SP_OK);
    c.precision = SP_PREC_FP8;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &tensorwise, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096;
    double gemm = (2 * T * h * 3 * h + 2 * T * h * h + 2 * 2 * T * h * f) / 100e12;
    double forward = gemm * (1 / 0.9 - 1);
    double casts = T * ((3 * h + f) + (5 * h + f)) * 4.0 / 1e12;
    double rescale = (T * (5 * h + f) + (4 * h * h + h * f + f * h)) * 4.0 / 1e12;
    double expected = forward + casts + rescale;
    double got = (rowwise.step_time_s - rowwise.optimizer_s) - (tensorwise.step_time_s - tensorwise.optimizer_s);
    assert_true(fabs(got - expected) / expected < 1e-6);
    /* the layouts and parts it runs on, the rule train and memory share */
    assert_int_equal(sp_fp8_rowwise_check(&a, 3, 8, 1, &err), SP_OK);
    assert_int_equal(sp_fp8_rowwise_check(&a, 0, 1, 1, &err), SP_OK); /* one rank: nothing to shard */
    assert_int_equal(sp_fp8_rowwise_check(&a, 1, 8, 1, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "zero");
    assert_int_equal(sp_fp8_rowwise_check(&a, -1, 8, 2, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "ep");
    snprintf(a.vendor, sizeof a.vendor, "google");
    assert_int_equal(sp_fp8_rowwise_check(&a, -1, 8, 1, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "precision");
}

/* The deadline-and-budget order, by hand: 10 days for $100 against 5 days for $300, under a 7-day
 * deadline and a $200 budget. Neither meets both; the first keeps the budget and wins. With a
 * $400 budget the second meets both; without a deadline a budget alone buys the faster; over
 * every budget the cheaper wins; no constraint at all, the faster. */
static void deadline_and_budget_order(void **state)
{
    (void)state;
    assert_int_equal(sp_run_standing_of(10, 100, 7, 200), SP_RUN_MEETS_BUDGET);
    assert_int_equal(sp_run_standing_of(5, 300, 7, 200), SP_RUN_MEETS_DEADLINE);
    assert_int_equal(sp_run_standing_of(5, 300, 0, 0), SP_RUN_MEETS_BOTH);
    assert_true(sp_run_preferred(10, 100, 5, 300, 7, 200));
    assert_true(sp_run_preferred(5, 300, 10, 100, 7, 400));
    assert_true(sp_run_preferred(5, 300, 10, 100, 0, 400));
    assert_true(sp_run_preferred(10, 100, 5, 300, 0, 50));
    assert_true(sp_run_preferred(5, 300, 10, 100, 0, 0));
    /* both meet a deadline: the cheaper (fewest GPUs that finish in time) */
    assert_true(sp_run_preferred(6, 250, 5, 300, 7, 0));
    /* within the budget, both late: the sooner */
    assert_true(sp_run_preferred(8, 190, 10, 100, 7, 200));
}

/* MXFP8 (Blackwell, CDNA 4): the fp8 step's GEMMs and casts, plus an E8M0 scale a 32 values beside
 * each of the two fp8 copies (2/32 byte an element more than the fp8 casts above); refused on a
 * part without MX block scaling (no FP4 rate); weights and master as mixed-bf16. */
static void mxfp8_block_scales(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.fp8_flops_per_s = 200e12;
    a.hbm_bytes_per_s = 1e12;
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    sp_step fp8, mx;
    sp_error err;
    c.precision = SP_PREC_MXFP8;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &mx, &err), SP_ERR_INPUT); /* no MX on this part */
    a.fp4_flops_per_s = 400e12;
    assert_true(sp_mx_capable(&a));
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &mx, &err), SP_OK);
    c.precision = SP_PREC_FP8;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &fp8, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096;
    double scales = T * ((3 * h + f) + (5 * h + f)) * (2.0 / 32.0) / 1e12;
    double expected = fp8.step_time_s - fp8.optimizer_s + scales;
    assert_true(fabs((mx.step_time_s - mx.optimizer_s) - expected) / expected < 1e-6);
    sp_memory mem_mx, mem_bf16;
    sp_memory_constants k = {0, 0, 1, 128, 12};
    c.precision = SP_PREC_MXFP8;
    assert_int_equal(sp_memory_estimate(&m, &c, &k, 0, &mem_mx, &err), SP_OK);
    c.precision = SP_PREC_MIXED_BF16;
    assert_int_equal(sp_memory_estimate(&m, &c, &k, 0, &mem_bf16, &err), SP_OK);
    assert_true(mem_mx.model_state_bytes == mem_bf16.model_state_bytes);
}

/* Volta and Turing (half_dtype fp16): mixed-bf16 runs as mixed-fp16 with its fp32 master; fp32 and
 * mixed-fp16 stand; bf16 and the 8-bit formats are refused on "precision". A bf16 part keeps all. */
static void fp16_only_parts_train_mixed_fp16(void **state)
{
    (void)state;
    sp_accel volta = {0}, ampere = {0};
    snprintf(volta.name, sizeof volta.name, "v100");
    snprintf(volta.half_dtype, sizeof volta.half_dtype, "fp16");
    snprintf(ampere.half_dtype, sizeof ampere.half_dtype, "bf16");
    sp_error err;
    sp_precision p = SP_PREC_MIXED_BF16;
    assert_int_equal(sp_train_half_precision(&volta, &p, &err), SP_OK);
    assert_int_equal(p, SP_PREC_MIXED_FP16);
    p = SP_PREC_FP32;
    assert_int_equal(sp_train_half_precision(&volta, &p, &err), SP_OK);
    assert_int_equal(p, SP_PREC_FP32);
    const sp_precision refused[] = {SP_PREC_BF16, SP_PREC_FP8, SP_PREC_MXFP8, SP_PREC_NVFP4};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        p = refused[i];
        sp_error_clear(&err);
        assert_int_equal(sp_train_half_precision(&volta, &p, &err), SP_ERR_INPUT);
        assert_string_equal(err.field, "precision");
        assert_int_equal(p, refused[i]);
    }
    p = SP_PREC_BF16;
    assert_int_equal(sp_train_half_precision(&ampere, &p, &err), SP_OK);
    assert_int_equal(p, SP_PREC_BF16);
}

/* NVFP4 (Blackwell): the linears at the FP4 rate (here 400 TF, twice fp8's, so half the fp8 step's
 * GEMM time), each cast writing two 4-bit copies and an E4M3 scale a 16 values (2 + 2 x 0.5625 =
 * 3.125 bytes an element against fp8's 4); the attention core and output layer stay 16-bit. A
 * measured FP4 share half the 16-bit one (0.25 of 0.5) gives back exactly fp8's GEMM time; NVIDIA's
 * format is refused on a part of another vendor. */
static void nvfp4_linears(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.fp8_flops_per_s = 200e12;
    a.fp4_flops_per_s = 400e12;
    a.hbm_bytes_per_s = 1e12;
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    sp_step fp8, fp4, fp4_share;
    sp_error err;
    c.precision = SP_PREC_FP8;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &fp8, &err), SP_OK);
    c.precision = SP_PREC_NVFP4;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &fp4, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096;
    double gemm = (2 * T * h * 3 * h + 2 * T * h * h + 2 * 2 * T * h * f) / 100e12; /* fp8: 200 TF x 0.5 */
    double casts = T * ((3 * h + f) + (5 * h + f)) / 1e12;                          /* elements at 1 TB/s */
    double expected = fp8.step_time_s - fp8.optimizer_s - 3 * gemm / 2 - casts * (4.0 - 3.125);
    assert_true(fabs((fp4.step_time_s - fp4.optimizer_s) - expected) / expected < 1e-6);
    a.fp4_matmul_efficiency = 0.25;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &fp4_share, &err), SP_OK);
    expected = fp8.step_time_s - fp8.optimizer_s - casts * (4.0 - 3.125);
    assert_true(fabs((fp4_share.step_time_s - fp4_share.optimizer_s) - expected) / expected < 1e-6);
    snprintf(a.vendor, sizeof a.vendor, "amd");
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &fp4, &err), SP_ERR_INPUT);
}

/* torchtitan's context parallelism (an FSDP2 layout: ZeRO-3, no EP) on the toy with 4 query heads
 * to each KV head: K and V go after repeat_kv, 256 x 2 x 1024 x 2 B a rank, all-gathered once a
 * layer under the first ring step's half of the attention; the backward gathers them again and
 * passes the fp32 gradient (twice the bytes) under the next step, the last one exposed. */
static void context_parallel_gathered(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(1);
    m.kv_heads = m.heads / 4;
    sp_mem_config c = toy_config();
    c.zero = 3;
    c.cp = 2;
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    const double T = 256, s_len = 512, h = 1024;
    double attention = 4 * T * s_len * h * 0.5 / 50e12;
    double gather = T * 2 * h * 2 / 100e9, pass = 2 * gather;
    double expected = fmax(0, gather - attention / 2) +
                      fmax(0, gather - 2.5 * attention / 2) + pass + fmax(0, pass - 2.5 * attention / 2);
    assert_true(fabs(s.cp_comm_s - expected) / expected < 1e-9);
}

/* Context parallelism 2: each rank computes half of every sequence (GEMMs, causal attention and
 * logits all halve), and passes its K and V chunk once a layer forward (T/2 x 2 x kv x 2 bytes over
 * 100 GB/s) and twice the bytes backward, exposed where attention does not cover it. */
static void context_parallel_ring(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    sp_step one, two;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &one, &err), SP_OK);
    c.cp = 2;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &two, &err), SP_OK);
    assert_true(fabs(two.compute_s - one.compute_s / 2) / one.compute_s < 1e-9);
    const double T = 256, s = 512, h = 1024;
    double attention = 4 * T * s * h * 0.5 / 50e12;
    double ring = T * 2 * h * 2 / 100e9;
    double expected = fmax(0, ring - attention) + fmax(0, 2 * ring - 2.5 * attention);
    assert_true(fabs(two.cp_comm_s - expected) / expected < 1e-9);
    assert_close(one.cp_comm_s, 0.0);
    /* the two ranks reduce gradients together, as a data-parallel pair would */
    assert_true(two.dp_comm_s > 0 && one.dp_comm_s == 0);
    /* memory: each rank keeps half the activations; ZeRO-1 shards the optimizer over the pair */
    sp_memory m1, m2;
    sp_mem_config d = toy_config();
    d.zero = 1;
    assert_int_equal(sp_memory_estimate(&m, &d, &MEM, 1e12, &m1, &err), SP_OK);
    d.cp = 2;
    assert_int_equal(sp_memory_estimate(&m, &d, &MEM, 1e12, &m2, &err), SP_OK);
    assert_true(fabs(m2.activations_bytes - m1.activations_bytes / 2) < 1e-6 * m1.activations_bytes);
    assert_true(fabs(m2.optimizer_bytes - m1.optimizer_bytes / 2) < 1e-6 * m1.optimizer_bytes);
    /* a sequence that 2 x cp does not divide, and attention without FlashAttention, are refused */
    c.seq = 510;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &two, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "cp");
    c.seq = 512;
    c.flash_attention = false;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &two, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "cp");
}

/* Whole-run goodput divides the days and cost of the same step; an MFU cap slows every layout
 * that would beat it to exactly the cap, the extra time counted as compute. */
static void goodput_and_mfu_cap(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(4);
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.gpus = 2;
    q.global_batch = 2;
    q.seq = 512;
    q.usd_per_gpu_hour = 2;
    q.tokens = 1e9;
    sp_search_result steady, whole, capped;
    sp_error err;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 1, &steady, &err), SP_OK);
    q.goodput = 0.8;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 1, &whole, &err), SP_OK);
    assert_true(fabs(whole.top[0].days - steady.top[0].days / 0.8) < 1e-9 * whole.top[0].days);
    assert_true(fabs(whole.top[0].cost_usd - steady.top[0].cost_usd / 0.8) < 1e-6 * whole.top[0].cost_usd);
    double cap = steady.top[0].step.mfu / 2;
    q.goodput = 1;
    q.mfu_cap = cap;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 1, &capped, &err), SP_OK);
    const sp_step *s = &capped.top[0].step;
    assert_true(fabs(s->mfu - cap) < 1e-12);
    assert_true(fabs(s->step_time_s - 2 * steady.top[0].step.step_time_s) < 1e-9 * s->step_time_s);
    double parts = s->compute_s + s->tp_comm_s + s->ep_comm_s + s->cp_comm_s + s->bubble_s + s->pp_comm_s +
                   s->dp_comm_s + s->optimizer_s;
    assert_true(fabs(parts - s->step_time_s) < 1e-9 * s->step_time_s);
    q.goodput = 0; /* out of (0, 1] */
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 1, &capped, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "goodput");
}

/* torchtitan's op-level checkpointing on the toy layer (GELU: q, k, v, o, up, down): it keeps the
 * block input, the 1st, 3rd and 5th matmul outputs (q, v, up) and the attention output with its
 * fp32 log-sum-exp, and recomputes k, o and down: 2 T h (h + h + f) FLOPs at 50 TF/s. */
static void op_level_checkpointing(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    sp_step none, op;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &none, &err), SP_OK);
    c.recompute = SP_RECOMPUTE_OP;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &op, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096;
    double recompute = 2 * T * h * (h + h + f) / 50e12;
    assert_true(fabs((op.step_time_s - none.step_time_s) - recompute) < 1e-6 * recompute);
    sp_memory kept, all;
    sp_mem_config d = toy_config();
    assert_int_equal(sp_memory_estimate(&m, &d, &MEM, 1e12, &all, &err), SP_OK);
    d.recompute = SP_RECOMPUTE_OP;
    assert_int_equal(sp_memory_estimate(&m, &d, &MEM, 1e12, &kept, &err), SP_OK);
    /* the kept tensors, plus one whole layer rebuilt during its backward */
    double layer = T * ((h + h + h + h + f) * 2.0 + 16 * 4.0);
    assert_true(fabs((kept.activations_bytes - all.activations_bytes) - layer) < 1e-6 * layer);
}

/* Tensor parallelism: 4 ring all-reduces of T h x 2 bytes a layer, each 2 (t-1)/t of the
 * bytes over NVLink (Megatron, Shoeybi et al. 2019). */
/* Tensor-parallel overlap (Transformer Engine userbuffers): with sequence parallelism each layer's
 * all-gathers and reduce-scatters run under its GEMMs, forward and backward (3 x the forward's
 * 12.885 GFLOP of the toy layer over 2 ranks at 50 TF), so only the excess stays exposed (no
 * contention in the test constants): all of it on a link slow enough. Without sequence
 * parallelism Megatron-Core cannot. */
static void tensor_parallel_overlap(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.intra_node_bytes_per_s = 1e9; /* slow: the communication outlasts the GEMMs */
    sp_model m = toy_model(2);
    sp_mem_config c = toy_config();
    c.tp = 2;
    c.sequence_parallel = true;
    sp_step plain, hidden;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &plain, &err), SP_OK);
    c.tp_overlap = true;
    assert_true(sp_tp_overlap_applies(&c));
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &hidden, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096;
    double gemms = (2 * T * h * 3 * h + 2 * T * h * h + 2 * 2 * T * h * f) / 2 / 50e12; /* a layer, a rank */
    assert_true(fabs(hidden.tp_comm_s - (plain.tp_comm_s - 2 * 3 * gemms)) < 1e-9 * plain.tp_comm_s);
    a.intra_node_bytes_per_s = 100e9; /* fast: all of it hidden */
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &hidden, &err), SP_OK);
    assert_close(hidden.tp_comm_s, 0.0);
    c.sequence_parallel = false;
    assert_false(sp_tp_overlap_applies(&c));
}

static void tensor_parallel_comm(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(2);
    sp_mem_config c = toy_config();
    c.tp = 2;
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    double one = 2.0 * (1.0 / 2.0) * 512 * 1024 * 2 / 100e9;
    assert_true(fabs(s.tp_comm_s - 2 * 4 * one) < 1e-12);
    c.recompute = SP_RECOMPUTE_OP; /* torchtitan's op SAC repeats the attention output's all-reduce */
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.tp_comm_s - 2 * 5 * one) < 1e-12);
    c.recompute = SP_RECOMPUTE_FULL; /* two more all-reduces for the recomputed forward */
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.tp_comm_s - 2 * 6 * one) < 1e-12);
    assert_true(s.hfu > s.mfu);
    /* NCCL's latency (tuning.cc, Simple): 8.4 us base; a 2-rank all-reduce inside a node is a ring
     * of 2 x 1 NVLink steps at 3.4 us or a tree of 2 x 1 at 4.0 us, and NCCL takes the ring. */
    sp_perf_constants nccl = PERF;
    nccl.nccl_base_latency_s = 8.4e-6;
    nccl.nccl_nvlink_ring_step_s = 3.4e-6;
    nccl.nccl_nvlink_tree_step_s = 4.0e-6;
    nccl.nccl_net_step_s = 14e-6;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &nccl, &s, &err), SP_OK);
    assert_true(fabs(s.tp_comm_s - 2 * 6 * (one + 8.4e-6 + 2 * 3.4e-6)) < 1e-12);
}

/* Pipeline: (p - 1)/v extra micro-batch slots (Narayanan et al. 2021, eq. 1-2). */
static void pipeline_bubble(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(4);
    sp_mem_config c = toy_config();
    c.pp = 2;
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 8, &PERF, &s, &err), SP_OK);
    assert_close(s.microbatches, 8.0);
    double per_mb = s.compute_s / 8.0; /* no TP: a micro-batch slot is its compute */
    assert_true(fabs(s.bubble_s - per_mb) < 1e-12);
    c.interleave = 2;
    assert_int_equal(sp_train_step(&m, &a, &c, 8, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.bubble_s - per_mb / 2.0) < 1e-12);
    /* Sends: activations T h x 2 bytes forward and their gradients back, per micro-batch and
     * virtual stage, over NVLink while the job fits one node of 8. */
    double send_nvlink = 512 * 1024 * 2.0 / 100e9;
    assert_true(fabs(s.pp_comm_s - 2 * 2 * 8 * send_nvlink) < 1e-15);
    /* dp 8 x pp 2 = 16 GPUs span two nodes: stage neighbours are 8 ranks apart, over the NIC. */
    c.interleave = 1;
    c.dp = 8;
    assert_int_equal(sp_train_step(&m, &a, &c, 64, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.pp_comm_s - 2 * 8 * 512 * 1024 * 2.0 / 10e9) < 1e-15);
}

/* Data parallelism inside a node: a ring all-reduce of the bf16 gradients, hidden under
 * the last backward up to its length; the excess is exposed, and a quarter of the hidden
 * part still slows compute (overlap_contention). A 1 GB/s link makes the excess real. */
static void data_parallel_exposure(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.intra_node_bytes_per_s = 1e9;
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    c.dp = 2;
    sp_perf_constants perf = PERF;
    perf.overlap_contention = 0.25;
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 2, &perf, &s, &err), SP_OK);
    double allreduce = 2.0 * 0.5 * sp_model_params(&m) * 2.0 / 1e9;
    const double T = 512, h = 1024, f = 4096, rate = 50e12;
    double gemm = (2 * T * h * 3 * h + 2 * T * h * h + 2 * 2 * T * h * f) / rate, attention = 4 * T * 512 * h * 0.5 / rate;
    double backward = 2 * gemm + 2.5 * attention;
    assert_true(allreduce > backward);
    /* Element-wise work at 1e18 B/s adds about 1e-11 s: compare to a relative 1e-6. */
    double expected = allreduce - backward + 0.25 * backward;
    assert_true(fabs(s.dp_comm_s - expected) < 1e-6 * expected);
    /* ZeRO-3: per micro-batch, gather the bf16 weights twice and reduce-scatter the bf16
     * gradients, (n-1)/n of each; what the micro-batch's compute cannot hide is exposed, and
     * the first gather always is. */
    c.zero = 3;
    assert_int_equal(sp_train_step(&m, &a, &c, 2, &perf, &s, &err), SP_OK);
    double per_mb = 0.5 * (2 * 2 + 2) * sp_model_params(&m) / 1e9, compute = 3 * gemm + 3.5 * attention;
    expected = per_mb - compute + 0.25 * compute + per_mb / 3;
    assert_true(fabs(s.dp_comm_s - expected) < 1e-6 * expected);
    assert_int_equal(sp_train_step(&m, &a, &c, 3, &PERF, &s, &err), SP_ERR_INPUT); /* 3 % (dp x mb) != 0 */
}

/* The optimizer step streams its shard: read weights, gradients and state, write weights and
 * state. Mixed-bf16 AdamW: 2 + 2 + (4 + 4 + 4) read, 2 + 12 written = 30 bytes a parameter;
 * SGD with momentum keeps 4 + 4 of state: 22; ZeRO-1 over 2 halves the shard. */
static void optimizer_traffic(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.hbm_bytes_per_s = 1e12;
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    sp_step s;
    sp_error err;
    double p = sp_model_params(&m);
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.optimizer_s - p * 30 / 1e12) < 1e-12);
    c.optimizer = SP_OPT_SGD;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.optimizer_s - p * 22 / 1e12) < 1e-12);
    /* Autocast keeps fp32 weights and gradients and a half copy the optimizer never touches:
     * 4 + 4 + 8 read, 4 + 8 written = 28. */
    c.optimizer = SP_OPT_ADAMW;
    c.mixed_style = SP_MASTER_AUTOCAST;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.optimizer_s - p * 28 / 1e12) < 1e-12);
    c.mixed_style = SP_MASTER_IN_OPTIMIZER;
    c.dp = 2;
    c.zero = 1;
    assert_int_equal(sp_train_step(&m, &a, &c, 2, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.optimizer_s - p * 15 / 1e12) < 1e-12);
}

/* The smallest model the search enumerations are counted by hand on: 2 layers, 2 heads. */
static sp_model tiny_search_model(void)
{
    sp_model m;
    sp_model_from_shape(&m, 2, 256, 2, 2, 1024, SP_FFN_GELU, 1000, 512);
    return m;
}

/* A search of the toy model on 2 GPUs at 512 tokens, $2 a GPU-hour. */
static sp_search_request toy_request(double global_batch)
{
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.gpus = 2;
    q.global_batch = global_batch;
    q.seq = 512;
    q.usd_per_gpu_hour = 2;
    return q;
}

/* The enumeration of a tiny job, by hand: 2 layers, 2 heads, 2 GPUs, global batch 2:
 * (tp,pp,dp) = (1,1,2): mb 1, ZeRO 0-3, 3 recompute, and torchtitan's op-level policy with ZeRO-3
 * = 13; (1,2,1): mb 1 or 2, 3 recompute = 6; (2,1,1): mb 1 or 2, 3 recompute, sequence parallel
 * on/off = 12. 31 in all. */
static void search_counts_every_layout(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = tiny_search_model();
    sp_search_request q = toy_request(2);
    sp_search_result r;
    sp_error err;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 32, &r, &err), SP_OK);
    assert_close(r.plans_evaluated, 31.0);
    assert_close(r.plans_fitting, 31.0);
    assert_true(r.found);
    for (size_t i = 1; i < r.top_count; i++)
        assert_true(r.top[i - 1].step.step_time_s <= r.top[i].step.step_time_s);
    /* Cost = GPUs x hours x price for the token budget. */
    double hours = q.tokens / r.top[0].step.tokens_per_s / 3600.0;
    assert_true(fabs(r.top[0].cost_usd - 2.0 * hours * 2.0) < 1e-6 * r.top[0].cost_usd);
}

/* Planned as launch writes them (trainer_layouts), the same job's data-parallel layouts run as
 * train.py under Hugging Face's Trainer: ZeRO 0-3 recompute nothing or whole layers
 * (--gradient_checkpointing) = 4 x 2 = 8 where 13 were; the pipelined and tensor-parallel splits
 * (Megatron) keep their 6 + 12: 26. Each of the eight runs eager modules; the Megatron ones stay
 * fused. */
static void trainer_layouts_run_as_train_py(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = tiny_search_model();
    sp_search_request q = toy_request(2);
    q.trainer_layouts = true;
    sp_search_result r;
    sp_error err;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 32, &r, &err), SP_OK);
    assert_close(r.plans_evaluated, 26.0);
    size_t trainer = 0;
    for (size_t i = 0; i < r.top_count; i++) {
        const sp_mem_config *c = &r.top[i].config;
        bool runs_trainer = c->tp == 1 && c->pp == 1;
        assert_int_equal(c->eager_modules, runs_trainer);
        if (runs_trainer) {
            trainer++;
            assert_true(c->recompute == SP_RECOMPUTE_NONE || c->recompute == SP_RECOMPUTE_FULL);
        }
    }
    assert_int_equal(trainer, 8);
    /* A TPU's data-parallel layouts run MaxText, never train.py: searched as without the Trainer. */
    snprintf(a.vendor, sizeof a.vendor, "google");
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 32, &r, &err), SP_OK);
    assert_close(r.plans_evaluated, 31.0);
    for (size_t i = 0; i < r.top_count; i++)
        assert_false(r.top[i].config.eager_modules);
}

/* Interleaving an uneven pipeline (5 layers on 2 stages): depths dividing a rank's ceil(5/2) = 3
 * layers are searched (1 and 3, but 2 x 3 = 6 stages leave one empty, so 1 only); a pinned depth
 * of 2 (stages of 2, 1, 1, 1 layers, as Megatron's layout string or torchtitan's split points place
 * them) is tried; 3 x 2 stages for 5 layers is bad input. */
static void pinned_interleave_on_uneven_pipeline(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m;
    sp_model_from_shape(&m, 5, 256, 2, 2, 1024, SP_FFN_GELU, 1000, 512);
    sp_search_request q = toy_request(4);
    q.pp = 2;
    q.micro_batch = 1;
    sp_search_result r;
    sp_error err;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 32, &r, &err), SP_OK);
    assert_true(r.found);
    for (size_t i = 0; i < r.top_count; i++)
        assert_close(r.top[i].config.interleave, 1.0);
    double plain_bubble = r.top[0].step.bubble_s;
    q.interleave = 2;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 32, &r, &err), SP_OK);
    assert_true(r.found);
    assert_close(r.top[0].config.interleave, 2.0);
    assert_true(r.top[0].step.bubble_s < plain_bubble); /* (pp - 1) / v slots */
    q.interleave = 3;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 32, &r, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "interleave");
}

/* The bundled rules and catalogs with llama-2-13b: what the search tests run on. */
typedef struct {
    sp_rules rules;
    sp_accel_catalog catalog;
    sp_model model;
    sp_memory_constants mk;
} search_inputs;

static void load_search_inputs(search_inputs *in)
{
    sp_error err;
    assert_int_equal(sp_rules_load(SP_DATA_DIR, &in->rules, &err), SP_OK);
    assert_int_equal(sp_accels_load(SP_DATA_DIR "/accelerators.yaml", &in->catalog, &err), SP_OK);
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "llama-2-13b", &in->model, &err), SP_OK);
    in->mk = sp_rules_memory_constants(&in->rules);
}

/* Pins hold, and every layout kept fits memory. */
static void search_respects_pins_and_memory(void **state)
{
    (void)state;
    static search_inputs in;
    load_search_inputs(&in);
    sp_error err;
    const sp_accel *a = sp_accel_find(&in.catalog, "a100-sxm-80gb");
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.gpus = 32;
    q.global_batch = 256;
    q.seq = 4096;
    q.tp = 2;
    q.recompute = SP_RECOMPUTE_SELECTIVE;
    q.usd_per_gpu_hour = a->usd_per_hour;
    static sp_search_result r;
    assert_int_equal(sp_train_search(&in.model, a, &q, &in.mk, &in.rules.perf, 32, &r, &err), SP_OK);
    assert_true(r.found);
    for (size_t i = 0; i < r.top_count; i++) {
        assert_close(r.top[i].config.tp, 2.0);
        assert_int_equal(r.top[i].config.recompute, SP_RECOMPUTE_SELECTIVE);
        assert_true(r.top[i].memory.total_bytes <= a->memory_bytes);
        assert_close(r.top[i].config.tp * r.top[i].config.pp * r.top[i].config.dp, 32.0);
    }
    sp_accel_catalog_free(&in.catalog);
}

/* The search reuses a layout's layer costs across the ZeRO stages and recompute policies that
 * share them (sp_step_memo), and its parameters a GPU and activations across ZeRO stages
 * (sp_memory_memo): every listed layout's step and memory, recomputed alone (no memo), are the
 * same to the last bit. */
static void search_memo_changes_nothing(void **state)
{
    (void)state;
    static search_inputs in;
    load_search_inputs(&in);
    sp_error err;
    const sp_accel *a = sp_accel_find(&in.catalog, "h100-sxm-80gb");
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.gpus = 64;
    q.global_batch = 512;
    q.seq = 4096;
    q.usd_per_gpu_hour = a->usd_per_hour;
    static sp_search_result r;
    assert_int_equal(sp_train_search(&in.model, a, &q, &in.mk, &in.rules.perf, 32, &r, &err), SP_OK);
    assert_int_equal(r.top_count, 32);
    for (size_t i = 0; i < r.top_count; i++) {
        sp_step alone;
        assert_int_equal(sp_train_step(&in.model, a, &r.top[i].config, q.global_batch, &in.rules.perf, &alone, &err),
                         SP_OK);
        assert_true(alone.step_time_s == r.top[i].step.step_time_s);
        assert_true(alone.dp_comm_s == r.top[i].step.dp_comm_s);
        sp_memory fresh;
        assert_int_equal(sp_memory_estimate(&in.model, &r.top[i].config, &in.mk, a->memory_bytes, &fresh, &err),
                         SP_OK);
        assert_true(fresh.total_bytes == r.top[i].memory.total_bytes);
        assert_true(fresh.activations_bytes == r.top[i].memory.activations_bytes);
    }
    sp_accel_catalog_free(&in.catalog);
}

static void pareto_front_by_hand(void **state)
{
    (void)state;
    sp_candidate c[4];
    memset(c, 0, sizeof c);
    c[0].days = 1; c[0].cost_usd = 100; /* fastest */
    c[1].days = 2; c[1].cost_usd = 50;  /* cheaper */
    c[2].days = 3; c[2].cost_usd = 60;  /* dominated by c[1] */
    c[3].days = 4; c[3].cost_usd = 40;  /* cheapest */
    bool front[4];
    sp_pareto_front(c, 4, front);
    assert_true(front[0] && front[1] && !front[2] && front[3]);
}

/* More options than any fixed table would hold: every one is listed and marked. */
static void many_options_render(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(2);
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.gpus = 1;
    q.global_batch = 4;
    q.seq = 512;
    q.usd_per_gpu_hour = 2;
    enum { COUNT = 100 };
    static sp_train_option options[COUNT];
    sp_error err;
    for (size_t i = 0; i < COUNT; i++) {
        options[i].accel = &a;
        assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, 1, &options[i].result, &err), SP_OK);
        assert_true(options[i].result.found);
    }
    sp_train_report report = {&m, &q, options, COUNT, 0, 0, 1, NULL, 0, NULL, false};
    char *text = sp_render_train(&report, SP_FORMAT_TEXT, &err);
    assert_non_null(text);
    free(text);
    text = sp_render_train(&report, SP_FORMAT_JSON, &err);
    json_t *root = json_loads(text, 0, NULL);
    free(text);
    json_t *listed = json_object_get(root, "options");
    assert_int_equal(json_array_size(listed), COUNT);
    for (size_t i = 0; i < COUNT; i++) /* identical options: none dominates another */
        assert_true(json_is_true(json_object_get(json_array_get(listed, i), "pareto")));
    json_decref(root);
    /* A part with no public price: the layouts and times, no cost (null, never $0). */
    report.unpriced = true;
    text = sp_render_train(&report, SP_FORMAT_JSON, &err);
    root = json_loads(text, 0, NULL);
    free(text);
    assert_true(json_is_null(json_object_get(root, "cost_usd")));
    json_decref(root);
    text = sp_render_train(&report, SP_FORMAT_TEXT, &err);
    assert_non_null(strstr(text, "has no public price"));
    assert_null(strstr(text, "$0"));
    free(text);
}

/* EP all-to-all overlap (Megatron-Core's --overlap-moe-expert-parallel-comm): with two micro-batches
 * a replica, each one's all-to-all runs under the other's forward and backward, so on the toy's fast
 * link it is all covered (no contention in the test constants) and on a slow one only the excess
 * over that compute stays. One micro-batch has nothing to hide under; a pipeline without
 * interleaving and full recompute are layouts Megatron-Core refuses it for. */
static void expert_all_to_all_overlap(void **state)
{
    (void)state;
    sp_model m = toy_moe();
    sp_accel a = toy_accel();
    sp_mem_config c = toy_config();
    c.dp = 2;
    c.ep = 2;
    sp_step plain, hidden;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 4, &PERF, &plain, &err), SP_OK);
    assert_close(plain.ep_comm_s, 2 * 2.0 * 4.0 * 1048576.0 / 100e9); /* two micro-batches */
    c.ep_overlap = true;
    assert_true(sp_ep_overlap_applies(&m, &c));
    assert_int_equal(sp_train_step(&m, &a, &c, 4, &PERF, &hidden, &err), SP_OK);
    assert_close(hidden.ep_comm_s, 0.0);
    assert_true(hidden.step_time_s < plain.step_time_s);
    assert_int_equal(sp_train_step(&m, &a, &c, 2, &PERF, &hidden, &err), SP_OK); /* one micro-batch */
    assert_close(hidden.ep_comm_s, 2.0 * 4.0 * 1048576.0 / 100e9);
    a.intra_node_bytes_per_s = 1e6; /* slow: the all-to-all outlasts the compute that covers it */
    c.ep_overlap = false;
    assert_int_equal(sp_train_step(&m, &a, &c, 4, &PERF, &plain, &err), SP_OK);
    c.ep_overlap = true;
    assert_int_equal(sp_train_step(&m, &a, &c, 4, &PERF, &hidden, &err), SP_OK);
    assert_true(hidden.ep_comm_s > 0 && hidden.ep_comm_s < plain.ep_comm_s);
    assert_true(plain.ep_comm_s - hidden.ep_comm_s <= plain.compute_s * (1 + 1e-9));
    sp_mem_config pipelined = c;
    pipelined.pp = 2;
    assert_false(sp_ep_overlap_applies(&m, &pipelined));
    pipelined.interleave = 2;
    assert_true(sp_ep_overlap_applies(&m, &pipelined));
    c.recompute = SP_RECOMPUTE_FULL;
    assert_false(sp_ep_overlap_applies(&m, &c));
}

/* The toy MoE's expert all-to-all seconds a step with dp = ep = `ranks`, one micro-batch a rank. */
static double toy_all_to_all_s(const sp_accel *a, double ranks)
{
    sp_model m = toy_moe();
    sp_mem_config c = toy_config();
    c.dp = ranks;
    c.ep = ranks;
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, a, &c, ranks, &PERF, &s, &err), SP_OK);
    return s.ep_comm_s;
}

/* Expert parallelism's all-to-all by hand: a toy MoE (8 experts, top-2, 2 layers, h 1024) on
 * dp 2 with ep 2, one micro-batch of 512 tokens a rank, bf16. A layer's forward moves
 * (ep-1)/ep x 512 x 2 x 1024 x 2 B = 1,048,576 B twice (dispatch, combine) over the 100 GB/s
 * link (efficiency 1, no latency); the backward the same: 2 layers x 4 x 1,048,576 / 1e11 s. */
static void expert_all_to_all_by_hand(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    assert_close(toy_all_to_all_s(&a, 2), 2.0 * 4.0 * 1048576.0 / 100e9);
    sp_model m = toy_moe();
    sp_mem_config c = toy_config();
    c.dp = 2;
    c.ep = 3;
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 2, &PERF, &s, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "ep");
}

/* An expert group wider than a node: ep 4 over nodes of 2 GPUs. Of the 512 x 2 x 1024 x
 * 2 B = 2,097,152 B a rank sends in each all-to-all, 1/4 goes to its node's other GPU over NVLink
 * (100 GB/s) and 2/4 to the other node's two over its NIC (10 GB/s), both at once: the NIC's
 * 1,048,576 B / 10 GB/s sets it, 4 times a layer, 2 layers. A NIC 100 times faster leaves NVLink's
 * 524,288 B / 100 GB/s. */
static void expert_all_to_all_across_nodes(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.per_node = 2;
    assert_close(toy_all_to_all_s(&a, 4), 2.0 * 4.0 * 1048576.0 / 10e9);
    a.inter_node_bytes_per_s = 1000e9;
    assert_close(toy_all_to_all_s(&a, 4), 2.0 * 4.0 * 524288.0 / 100e9);
}

/* Model FLOPs of an MoE count what a token runs: on each routed layer its top-2 experts and the
 * shared one, on a dense layer that layer's own width (here 2048). 2 layers (1 dense, 1 routed),
 * h 1024, f 4096, GELU, V 1000, T 512: forward 2 x (4 T h h + 2 T h s) + 2 T h (3 x 2 f) [routed]
 * + 2 T h (2 x 2048) [dense] + 2 T h V. */
static void moe_model_flops_by_hand(void **state)
{
    (void)state;
    sp_model m = toy_moe();
    m.shared_experts = 1;
    m.dense_layers = 1;
    m.dense_ffn = 2048;
    sp_accel a = toy_accel();
    sp_mem_config c = toy_config();
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096, V = 1000;
    double attention = 2.0 * (2 * T * h * 3 * h + 2 * T * h * h + 4 * T * 512 * h);
    double forward = attention + 2 * T * h * 3 * 2 * f + 2 * T * h * 2 * 2048 + 2 * T * h * V;
    assert_true(fabs(s.mfu - 3 * forward / s.step_time_s / 100e12) < 1e-9);
}

/* MLA's projections (DeepSeek-V2 sec. 2.1.2) as the step counts them: the toy's 2 layers with 8
 * heads of query-key width 64 + 32 and value width 64, a query rank of 256 and a KV latent of
 * 128. A token multiplies through q_a 1024 x 256, q_b 256 x 768, kv_a 1024 x (128 + 32), kv_b
 * 128 x 8 (64 + 64) and o 512 x 1024: 1,277,952 weights, not the 4 x 1024 x 768 of a
 * multi-head layer as wide; QK^T runs over 768 and the product with V over 512. */
static void mla_model_flops_by_hand(void **state)
{
    (void)state;
    sp_model m = toy_model(2);
    m.q_lora_rank = 256;
    m.kv_lora_rank = 128;
    m.qk_nope_head_dim = 64;
    m.qk_rope_head_dim = 32;
    m.v_head_dim = 64;
    m.heads = m.kv_heads = 8;
    m.head_dim = 96;
    sp_accel a = toy_accel();
    sp_mem_config c = toy_config();
    sp_step s;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    const double T = 512, h = 1024, f = 4096, V = 1000, weights = 1277952;
    double layer = 2 * T * weights + 2 * T * 512 * (768 + 512) + 2 * T * h * 2 * f;
    double forward = 2 * layer + 2 * T * h * V;
    assert_true(fabs(s.mfu - 3 * forward / s.step_time_s / 100e12) < 1e-9);
    /* With the value width the query-key width (96 a head) the attention core is the same as a
     * multi-head layer's of head_dim 96: only the projections differ, and the step's GEMMs must
     * take longer through q, k, v and o than through MLA's five. */
    m.v_head_dim = 96;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &s, &err), SP_OK);
    sp_step wide;
    m.kv_lora_rank = m.q_lora_rank = 0;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &wide, &err), SP_OK);
    assert_true(wide.compute_s > 1.1 * s.compute_s); /* 11.5 M weights a layer against 10.0 M */
}

/* Megatron-Core's unfused expert passes by hand: the toy MoE (2 routed layers, top-2, h 1024, GELU
 * f 4096) with biased experts and a clamped GLU input, one micro-batch of 512 tokens: 1024 routed
 * rows, each forward 28 bytes an element of the 1024-wide output (the bias in fp32, its cat and
 * cast) and 8 of the 4096-wide first output (the clamps and their cat), backward 36 and 6. */
static void expert_passes_by_hand(void **state)
{
    (void)state;
    sp_model m = toy_moe();
    m.mlp_bias = false; /* the GELU shape defaults to GPT-2's biases */
    sp_accel a = toy_accel();
    a.hbm_bytes_per_s = 1e12;
    sp_mem_config c = toy_config();
    sp_step plain, passes;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &plain, &err), SP_OK);
    m.mlp_bias = true;
    m.glu_clamp = 7.0;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &passes, &err), SP_OK);
    double rows = 512.0 * 2, bytes = 1024.0 * (28 + 36) + 4096.0 * (8 + 6);
    double expected = 2 * rows * bytes / (1e12 * PERF.memory_efficiency);
    assert_true(fabs((passes.compute_s - plain.compute_s) - expected) / expected < 1e-9);
}

/* Expert tensor parallelism on the toy MoE with tp 2, dp 2, ep 2: etp 2 slices each of a GPU's
 * E/ep = 4 experts over 2 ranks (a quarter of the expert weights where etp 1 keeps half), and
 * adds one all-reduce's worth of the etp group's routed tokens a MoE layer, forward and backward:
 * 2 (etp-1)/etp x (512/2 x 2 x 2 x 1024 x 2 B) over 100 GB/s. ep x etp must divide tp x cp x dp. */
static void expert_tensor_parallel(void **state)
{
    (void)state;
    sp_model m = toy_moe();
    sp_accel a = toy_accel();
    sp_mem_config c = toy_config();
    c.tp = 2;
    c.dp = 2;
    c.ep = 2;
    sp_step one, two;
    sp_memory whole, sliced;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 2, &PERF, &one, &err), SP_OK);
    assert_int_equal(sp_memory_estimate(&m, &c, &MEM, 1e12, &whole, &err), SP_OK);
    c.etp = 2;
    assert_int_equal(sp_train_step(&m, &a, &c, 2, &PERF, &two, &err), SP_OK);
    assert_int_equal(sp_memory_estimate(&m, &c, &MEM, 1e12, &sliced, &err), SP_OK);
    double expert_params = 2 * 8 * (2.0 * 1024 * 4096 + 4096 + 1024); /* 2 layers, 8 GELU experts with biases */
    assert_true(fabs((whole.params_per_gpu - sliced.params_per_gpu) - expert_params * (1.0 / 2 - 1.0 / 4)) < 1.0);
    double slices = 2.0 * (1.0 / 2.0) * (512.0 / 2 * 2 * 2 * 1024 * 2) / 100e9;
    assert_true(fabs((two.ep_comm_s - one.ep_comm_s) - 2 * 2 * slices) < 1e-12);
    c.etp = 4; /* ep x etp = 8 does not divide tp x dp = 4 */
    assert_int_equal(sp_train_step(&m, &a, &c, 2, &PERF, &two, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "ep");
}

/* Eager modules: 32 more bytes an element of the hidden state for each norm and 20 for each query
 * and key element, per token and layer, forward once and backward twice (no recompute), memory-
 * bound. The toy's GELU MLP has no gate to add. */
static void eager_modules_move_more_bytes(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.hbm_bytes_per_s = 1e12;
    sp_model m = toy_model(1);
    sp_mem_config c = toy_config();
    sp_step fused, eager;
    sp_error err;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &fused, &err), SP_OK);
    c.eager_modules = true;
    assert_int_equal(sp_train_step(&m, &a, &c, 1, &PERF, &eager, &err), SP_OK);
    double bytes = 2 * 1024 * 32.0 + (16 + 16) * 64 * 20.0;
    double expected = 3 * 512 * bytes / (1e12 * PERF.memory_efficiency);
    assert_true(fabs((eager.step_time_s - fused.step_time_s) - expected) < 1e-6 * expected);
}

/* Eager launches of a step on one stage: 30 layers over pp 4 is 8 a stage (the heaviest), three
 * passes under full recompute, 5 micro-batches, 1 ms a layer pass: 8 x 3 x 5 x 1 ms = 0.12 s; two
 * passes without recompute: 0.08 s; no pipeline and no micro-batch count: 30 x 2 x 1 x 1 ms. */
static void host_launch_time_of_a_step(void **state)
{
    (void)state;
    sp_model m = toy_model(30);
    sp_perf_constants k = PERF;
    k.eager_host_s_per_layer_pass = 1e-3;
    sp_mem_config c = SP_MEM_CONFIG_INIT;
    c.pp = 4;
    c.recompute = SP_RECOMPUTE_FULL;
    assert_true(fabs(sp_train_host_launch_s(&m, &c, 5, &k) - 0.12) < 1e-12);
    c.recompute = SP_RECOMPUTE_NONE;
    assert_true(fabs(sp_train_host_launch_s(&m, &c, 5, &k) - 0.08) < 1e-12);
    c.pp = 1;
    assert_true(fabs(sp_train_host_launch_s(&m, &c, 0, &k) - 0.06) < 1e-12);
}

/* The near-tie rule, from its definition: with no tolerance the fastest wins; with the comfort line
 * just under the fastest's memory, first place goes to the first layout of the fastest-first list
 * that is within the tolerance and under the line, the others keeping their order. */
static void near_tie_goes_to_room(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    sp_model m = toy_model(4);
    sp_search_request q = toy_request(8);
    sp_search_result plain, tied;
    sp_error err;
    sp_perf_constants k = PERF;
    k.search_tie_tolerance = 0;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &k, 8, &plain, &err), SP_OK);
    assert_false(plain.memory_tie_break);
    assert_true(plain.top_count >= 3);
    const sp_candidate *f = &plain.top[0];
    k.search_tie_tolerance = 0.05;
    k.search_comfort_share = (f->memory.total_bytes - 1.0) / (f->memory.capacity_bytes * (1.0 - k.memory_headroom));
    size_t expect = 0;
    for (size_t i = 1; i < plain.top_count && !expect; i++)
        if (plain.top[i].step.step_time_s <= f->step.step_time_s * 1.05 && plain.top[i].memory.total_bytes < f->memory.total_bytes)
            expect = i;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &k, 8, &tied, &err), SP_OK);
    assert_true(expect > 0); /* the toy has a near tie with less memory: the rule is exercised */
    assert_true(tied.memory_tie_break);
    assert_memory_equal(&tied.top[0].config, &plain.top[expect].config, sizeof tied.top[0].config);
    if (expect > 0)
        assert_memory_equal(&tied.top[1].config, &plain.top[0].config, sizeof tied.top[1].config);
    /* Asking for one layout gives the same winner: the pool the tie is broken in does not shrink. */
    sp_search_result one;
    assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &k, 1, &one, &err), SP_OK);
    assert_int_equal(one.top_count, 1);
    assert_memory_equal(&one.top[0].config, &tied.top[0].config, sizeof one.top[0].config);
}

/* The search reuses a generation's layer costs and activations while the ZeRO stage, recompute and
 * sequence parallelism change (memos); every layout it returns must weigh and time as it does on
 * its own. fp8 under FSDP2 keeps 16-bit GEMM inputs and asked-for eager modules follow the stack:
 * a memo keyed without them had given a searched Qwen3-30B layout 9 GB less than the same layout
 * pinned. */
static void search_memos_agree_with_fresh_estimates(void **state)
{
    (void)state;
    sp_accel a = toy_accel();
    a.fp8_flops_per_s = 200e12;
    sp_model m = toy_model(4);
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.gpus = 4;
    q.global_batch = 8;
    q.seq = 512;
    q.usd_per_gpu_hour = 2;
    q.precision = SP_PREC_FP8;
    static sp_search_result r;
    sp_error err;
    for (int eager = 0; eager <= 1; eager++) {
        q.eager_modules = eager != 0;
        assert_int_equal(sp_train_search(&m, &a, &q, &MEM, &PERF, SP_TOP_MAX, &r, &err), SP_OK);
        assert_true(r.top_count > 4);
        bool fsdp2 = false, other = false;
        for (size_t i = 0; i < r.top_count; i++) {
            const sp_candidate *c = &r.top[i];
            sp_memory fresh;
            sp_step step;
            assert_int_equal(sp_memory_estimate(&m, &c->config, &MEM, a.memory_bytes, &fresh, &err), SP_OK);
            assert_true(fabs(fresh.total_bytes - c->memory.total_bytes) <= 1e-9 * fresh.total_bytes);
            assert_int_equal(sp_train_step(&m, &a, &c->config, q.global_batch, &PERF, &step, &err), SP_OK);
            assert_true(fabs(step.step_time_s - c->step.step_time_s) <= 1e-9 * step.step_time_s);
            fsdp2 = fsdp2 || c->config.zero >= 3;
            other = other || c->config.zero < 3;
        }
        assert_true(fsdp2 && other); /* both sides of the key were returned */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eager_modules_move_more_bytes), cmocka_unit_test(expert_all_to_all_by_hand), cmocka_unit_test(expert_all_to_all_across_nodes), cmocka_unit_test(mla_model_flops_by_hand), cmocka_unit_test(expert_passes_by_hand),
        cmocka_unit_test(expert_all_to_all_overlap),
        cmocka_unit_test(expert_tensor_parallel),
        cmocka_unit_test(single_gpu_step),
        cmocka_unit_test(fp8_linears_only),
        cmocka_unit_test(mxfp8_block_scales),
        cmocka_unit_test(nvfp4_linears),
        cmocka_unit_test(context_parallel_ring), cmocka_unit_test(context_parallel_gathered),
        cmocka_unit_test(goodput_and_mfu_cap),
        cmocka_unit_test(moe_model_flops_by_hand),
        cmocka_unit_test(op_level_checkpointing),
        cmocka_unit_test(tensor_parallel_comm),
        cmocka_unit_test(tensor_parallel_overlap),
        cmocka_unit_test(pipeline_bubble),
        cmocka_unit_test(data_parallel_exposure),
        cmocka_unit_test(optimizer_traffic),
        cmocka_unit_test(search_counts_every_layout),
        cmocka_unit_test(trainer_layouts_run_as_train_py),
        cmocka_unit_test(pinned_interleave_on_uneven_pipeline),
        cmocka_unit_test(search_respects_pins_and_memory),
        cmocka_unit_test(search_memo_changes_nothing),
        cmocka_unit_test(pareto_front_by_hand),
        cmocka_unit_test(many_options_render),
        cmocka_unit_test(fp16_only_parts_train_mixed_fp16),
        cmocka_unit_test(fp8_rowwise_over_tensorwise),
        cmocka_unit_test(deadline_and_budget_order),
        cmocka_unit_test(host_launch_time_of_a_step),
        cmocka_unit_test(near_tie_goes_to_room),
        cmocka_unit_test(search_memos_agree_with_fresh_estimates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
