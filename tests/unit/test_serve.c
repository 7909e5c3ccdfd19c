/* Unit tests of the serving model against hand-derived values. */
#include "test_support.h"

static const sp_perf_constants PERF = TEST_PERF;
static const sp_memory_constants MEM = TEST_MEM;

/* An 80 GB part at 2 TB/s, 400 TF bf16 and 800 TF fp8. */
static sp_accel toy(void)
{
    sp_accel a = test_accel(80e9, 2e12, 400e12, 400e9, 50e9, 4);
    a.fp8_flops_per_s = 800e12;
    return a;
}

/* A Llama-3-8B-like shape: 32 layers, h 4096, 32 heads, 8 KV heads, SwiGLU 14336, vocab 32000. */
static sp_model llama8b(void)
{
    sp_model m;
    sp_model_from_shape(&m, 32, 4096, 32, 8, 14336, SP_FFN_SWIGLU, 32000, 4096);
    return m;
}

static sp_serve_config config(double batch)
{
    sp_serve_config c = SP_SERVE_CONFIG_INIT;
    c.tp = 1;
    c.batch = batch;
    c.prompt_tokens = 512;
    c.output_tokens = 256;
    c.usd_per_gpu_hour = 4;
    return c;
}

/* Decode at batch 1 is the weights read once (roofline: 2 bytes a weight dominate the tiny
 * GEMMs) plus the KV cache of the average context: a memory-bound step (Pope et al. 2022). */
static void decode_reads_weights_and_cache(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(1);
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    /* layer weights: q 4096^2 + k,v 2 x 4096 x 1024 + o 4096^2 + mlp 3 x 4096 x 14336, at 2 bytes */
    double layer = 4096.0 * 4096 * 2 + 2 * 4096.0 * 1024 + 3 * 4096.0 * 14336;
    double weights = 32 * layer * 2 + 4096.0 * 32000 * 2;                  /* + the output layer */
    double kv_token = 2.0 * 32 * 8 * 128 * 2;                             /* K and V, 8 kv heads of 128, bf16 */
    assert_close(r.kv_cache_bytes_per_token, kv_token);
    double kv = 1 * (512 + 128) * kv_token;
    double expected = (weights + kv) / 2e12;
    /* Activation bytes of the batch-1 GEMMs add less than 0.1%. */
    assert_true(r.decode_step_s >= expected && r.decode_step_s < expected * 1.001);
    /* A server streaming each of the batch's tokens adds its host time to the step: 1 x 45 us here. */
    sp_serve_config streamed = c;
    streamed.stream_s_per_token = 45e-6;
    sp_serve_result s;
    assert_int_equal(sp_serve_estimate(&m, &a, &streamed, &MEM, &PERF, &s, &err), SP_OK);
    assert_true(fabs(s.decode_step_s - r.decode_step_s - 45e-6) < 1e-12);
    /* The host's step loop runs beside the GPU's step: hidden while shorter (1 x 1 ms against the
     * ~7 ms weight read), the whole step once longer (1 x 20 ms). */
    sp_perf_constants host = PERF;
    host.serve_host_s_per_sequence = 1e-3;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &host, &s, &err), SP_OK);
    assert_true(fabs(s.decode_step_s - r.decode_step_s) < 1e-12);
    host.serve_host_s_per_sequence = 20e-3;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &host, &s, &err), SP_OK);
    assert_true(fabs(s.decode_step_s - 20e-3) < 1e-12);
    /* At half of the HBM peak for weight reads, the weights take twice as long and the cache the same. */
    sp_perf_constants half = PERF;
    half.serve_weight_bandwidth_share = 0.5;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &half, &r, &err), SP_OK);
    expected = (2.0 * weights + kv) / 2e12;
    assert_true(r.decode_step_s >= expected && r.decode_step_s < expected * 1.001);
}

/* A Llama-3-8B-like shape with 2 KV heads (a 16-query group), for the decode-attention cases. */
static sp_model two_kv_heads(void)
{
    sp_model m;
    sp_model_from_shape(&m, 32, 4096, 32, 2, 14336, SP_FFN_SWIGLU, 32000, 4096);
    return m;
}

/* Its 16-bit cache at config()'s mean context, 512 + 256 / 2 tokens, for `sequences`:
 * 32 layers x K and V x 2 heads x 128 x 2 bytes a token. */
static double two_kv_heads_cache_bytes(double sequences)
{
    return sequences * (512 + 128) * (2.0 * 32 * 2 * 128 * 2);
}

/* Decode attention on the CUDA cores: 2 FLOPs a query head for each K and V element. A 16-query
 * group over a bf16 cache is 16 FLOPs a byte, past a part with 10 TFLOP/s of CUDA cores over 2 TB/s
 * (5 a byte): 64 sequences of 640 tokens x 32 KB a token is 1.342 GB, read in 0.671 ms but
 * multiplied in 0.671e9 elements x 32 / 10e12 = 2.147 ms. On the tensor cores the read bounds it. */
static void decode_attention_on_cuda_cores(void **state)
{
    (void)state;
    sp_model m = two_kv_heads();
    sp_accel a = toy();
    a.fp32_flops_per_s = 10e12;
    sp_serve_config c = config(64);
    sp_serve_result cores, tensor;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &cores, &err), SP_OK);
    double kv = two_kv_heads_cache_bytes(64);
    assert_close(cores.decode_attention_s, kv / 2.0 * 32.0 / 10e12);
    assert_true(cores.decode_attention_core_bound);
    c.decode_attention_tensor_cores = true;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &tensor, &err), SP_OK);
    assert_close(tensor.decode_attention_s, kv / 2e12);
    assert_false(tensor.decode_attention_core_bound);
    assert_true(fabs((cores.decode_step_s - tensor.decode_step_s) - (kv * 16.0 / 10e12 - kv / 2e12)) < 1e-12);
}

/* One block a sequence and head (TensorRT-LLM without multi-block mode). A 2-KV-head model over a
 * 16-bit cache: 8 sequences are 16 XQA blocks, 16 x 4 = 64 short of 100 SMs, so masked MHA runs
 * 8 x 32 query heads = 256 blocks and fills the part; 13 sequences are 26 XQA blocks, 104 >= 100,
 * so XQA runs them on 26% of the SMs; 64 sequences are 128 XQA blocks and fill it. Over an fp8
 * cache XQA always runs: 8 sequences' 16 blocks stream the cache at 16% of HBM; without grouped
 * reads (before XQA) masked MHA always runs, 256 blocks, each query head reading its KV head. */
static void decode_blocks_per_head(void **state)
{
    (void)state;
    sp_model m = two_kv_heads();
    sp_accel a = toy();
    a.compute_units = 100;
    sp_serve_config c = config(8);
    c.decode_attention_tensor_cores = true;
    sp_serve_result split, blocks;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &split, &err), SP_OK);
    c.decode_attention_block_per_head = true;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &blocks, &err), SP_OK);
    double kv = two_kv_heads_cache_bytes(8);
    assert_close(split.decode_attention_s, kv / 2e12);
    assert_close(blocks.decode_attention_s, kv / 2e12); /* masked MHA's 256 blocks */
    c.kv_dtype = SP_DTYPE_FP8;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &blocks, &err), SP_OK);
    kv /= 2.0;
    assert_close(blocks.decode_attention_s, kv / (2e12 * 0.16));
    assert_close(blocks.decode_attention_sm_share, 0.16);
    c.gqa_shared_kv_reads = false;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &blocks, &err), SP_OK);
    assert_close(blocks.decode_attention_s, 16.0 * kv / 2e12);
    c.gqa_shared_kv_reads = true;
    sp_serve_config thirteen = config(13);
    thirteen.decode_attention_tensor_cores = true;
    thirteen.decode_attention_block_per_head = true;
    assert_int_equal(sp_serve_estimate(&m, &a, &thirteen, &MEM, &PERF, &blocks, &err), SP_OK);
    assert_close(blocks.decode_attention_s, two_kv_heads_cache_bytes(13) / (2e12 * 0.26));
    /* Without an SM count in the catalog the part is taken as filled. */
    a.compute_units = 0;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &blocks, &err), SP_OK);
    assert_close(blocks.decode_attention_s, kv / 2e12);
    a.compute_units = 100;
    c = config(64);
    c.decode_attention_tensor_cores = true;
    c.decode_attention_block_per_head = true;
    /* 64 sequences over a 16-bit cache: 128 XQA blocks. */
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &blocks, &err), SP_OK);
    assert_close(blocks.decode_attention_s, two_kv_heads_cache_bytes(64) / 2e12);
}

/* Throughput accounting of continuous batching: B x O tokens per (B prefills + O steps). */
static void throughput_accounting(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(64);
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    double cycle = 64 * 256 / r.output_tokens_per_s;
    /* A token waits for its decode step and for the other 63 slots' prefills spread over its 256
     * steps, not for its own prefill (before its first token). */
    double prefills = cycle - 256 * r.decode_step_s;
    assert_true(fabs(r.tpot_s - (63.0 / 64.0 * prefills + 256 * r.decode_step_s) / 256) < 1e-12);
    assert_true(fabs(r.requests_per_s - 64 / cycle) < 1e-9);
    assert_true(r.decode_step_s * 256 < cycle); /* the prefills take the rest */
    /* Replicas for a rate: ceil(Q / per-replica rate). */
    c.qps = 3.5 * r.requests_per_s;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_close(r.replicas, 4.0);
    assert_close(r.gpus, 4.0);
    /* Cost per million output tokens: price / (tokens per GPU-hour) x 1e6. */
    assert_true(fabs(r.usd_per_million_output_tokens - 4.0 / (r.output_tokens_per_s_per_gpu * 3600) * 1e6) < 1e-9);
    /* At the requested load the fleet's price is split between the input and output tokens served,
     * and the two add back up to it; 3.5 replicas' worth of load on 4 is 87.5% utilisation. */
    assert_close(r.fleet_usd_per_hour, 4 * 4.0);
    assert_close(r.fleet_usd_per_month, 4 * 4.0 * 730);
    assert_true(fabs(r.utilization - 0.875) < 1e-12);
    double per_hour = c.qps * 3600 / 1e6;
    double recovered = r.usd_per_million_input_tokens * per_hour * 512 + r.usd_per_million_output_tokens_at_load * per_hour * 256;
    assert_true(fabs(recovered - r.fleet_usd_per_hour) < 1e-9);
    /* Headroom: at most 70% of capacity, 3.5 replicas' load needs ceil(3.5 / 0.7) = 5. */
    c.max_utilization = 0.7;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_close(r.replicas, 5.0);
    assert_true(fabs(r.utilization - 0.7) < 1e-9);
}

/* The largest batch is what the paged cache can hold in 90% of memory beside the weights: for a
 * stream of requests each sequence at its average in flight, for a closed loop its whole length. */
static void max_batch_from_memory(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(0);
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    /* 512 prompt tokens, half of 256 output ones and half a block of 16 unfilled: 648 tokens. */
    double per_seq = 648 * r.kv_cache_bytes_per_token;
    /* The workspace of one 8192-token prefill chunk (11 sequences of 768): 2 bytes x (4 h + 2 f)
     * a token, plus fp32 logits for those 11 sequences. */
    assert_close(r.workspace_bytes, 8192.0 * 2 * (4 * 4096 + 2 * 14336) + 11.0 * 32000 * 4);
    assert_close(r.max_batch, floor((80e9 * 0.9 - r.weights_bytes - r.workspace_bytes) / per_seq));
    assert_true(r.batch >= 1 && r.batch <= r.max_batch);
    /* TensorRT-LLM's kv_cache_free_gpu_mem_fraction: 0.9 of what the weights and workspace leave. */
    sp_serve_config free_share = c;
    free_share.memory_share_of_free = true;
    sp_serve_result trt;
    assert_int_equal(sp_serve_estimate(&m, &a, &free_share, &MEM, &PERF, &trt, &err), SP_OK);
    assert_close(trt.max_batch, floor((80e9 - r.weights_bytes - r.workspace_bytes) * 0.9 / per_seq));
    assert_close(r.kv_cache_tokens, (80e9 * 0.9 - r.weights_bytes - r.workspace_bytes) / r.kv_cache_bytes_per_token);
    assert_close(r.kv_cache_bytes, r.batch * per_seq);
    /* A closed loop's sequences start together and end whole: 768 tokens = 48 blocks of 16. */
    sp_serve_config loop = c;
    loop.concurrency = 4;
    sp_serve_result waves;
    assert_int_equal(sp_serve_estimate(&m, &a, &loop, &MEM, &PERF, &waves, &err), SP_OK);
    assert_close(waves.max_batch, floor(r.kv_cache_tokens / 768.0));
    assert_close(waves.kv_cache_bytes, 4 * 768 * r.kv_cache_bytes_per_token);
    /* A tight per-token target forces a smaller batch than memory allows. */
    c.tpot_s = 0.010;
    sp_serve_result tight;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &tight, &err), SP_OK);
    assert_true(tight.meets_targets && tight.tpot_s <= 0.010);
    assert_true(tight.batch < r.batch);
    /* It is the largest batch that meets the target: one more sequence misses it. */
    sp_serve_result more;
    c.batch = tight.batch + 1;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &more, &err), SP_OK);
    assert_true(more.tpot_s > 0.010);
}

/* A 70B model in bf16 does not fit one 80 GB GPU: the plan splits it. */
static void plan_splits_what_does_not_fit(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 80, 8192, 64, 8, 28672, SP_FFN_SWIGLU, 32000, 4096);
    sp_accel a = toy();
    sp_serve_config c = config(0);
    c.tp = 0;
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_plan(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_true(r.tp >= 2);
    assert_true(r.weights_bytes < 80e9 * 0.9);
    c.tp = 3; /* does not divide 64 heads */
    assert_int_equal(sp_serve_plan(&m, &a, &c, &MEM, &PERF, &r, &err), SP_ERR_INPUT);
    /* One GPU a node: the 138 GB of a 70B model take pipeline stages across nodes, each holding
     * its share of the layers and of every sequence's cache. */
    sp_serve_result one, two;
    a.per_node = 1;
    c.tp = 0;
    assert_int_equal(sp_serve_plan(&m, &a, &c, &MEM, &PERF, &two, &err), SP_OK);
    assert_true(two.pp >= 2 && two.tp == 1 && two.gpus == two.replicas * two.pp);
    a.memory_bytes = 1e12; /* room for one stage: compare per-GPU shares */
    c.tp = 1;
    c.pp = 2;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &two, &err), SP_OK);
    c.pp = 1;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &one, &err), SP_OK);
    assert_true(fabs(two.kv_cache_bytes_per_token - one.kv_cache_bytes_per_token / 2) < 1e-6);
    assert_true(two.weights_bytes < 0.52 * one.weights_bytes);
}

/* Prefill of one 512-token prompt, compute-bound: every GEMM's 2 T h n FLOPs at half of the
 * bf16 peak, plus causal attention 2 P^2 q a layer (half of 4 P^2 q) at the same rate, plus the
 * element-wise passes (two add-norms of 4 h, SwiGLU's 3 f, 16-bit) at the toy's 1e18 B/s. */
static void prefill_by_hand(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 1, 4096, 32, 8, 14336, SP_FFN_SWIGLU, 32000, 4096);
    sp_accel a = toy();
    a.hbm_bytes_per_s = 1e18;
    sp_serve_config c = config(1);
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    const double P = 512, h = 4096, q = 4096, kv = 1024, f = 14336, rate = 400e12 * 0.5;
    double gemms = 2 * P * (h * (q + 2 * kv) + q * h + 3 * h * f) / rate;
    double attention = 2 * P * P * q / rate;
    double elementwise = P * (8 * h + 3 * f) * 2 / 1e18;
    assert_true(fabs(r.prefill_s - (gemms + attention + elementwise)) < 1e-9 * r.prefill_s);
}

/* fp8 GEMMs in fixed 128x128 tiles (cuBLAS under TensorRT-LLM): at 128 prompt tokens an output of
 * N columns has N/128 tiles, one per SM, so with 132 SMs a GEMM runs at tiles/132 of its rate.
 * 16-bit kernels fill the GPU, and so do 8-bit ones whose engine picks its tiles (vLLM's CUTLASS). */
static void coarse_fp8_tiles_idle_sms(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 1, 4096, 32, 32, 16384, SP_FFN_GELU, 32000, 4096);
    sp_accel plain = toy();
    plain.hbm_bytes_per_s = 1e18; /* every GEMM compute-bound */
    sp_accel tiled = plain;
    tiled.compute_units = 132;
    tiled.gemm_tile_8bit = 128;
    sp_serve_config c = config(1);
    c.prompt_tokens = 128;
    c.output_tokens = 1;
    c.weight_dtype = SP_DTYPE_FP8;
    sp_serve_result fast, slow;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &plain, &c, &MEM, &PERF, &fast, &err), SP_OK);
    assert_int_equal(sp_serve_estimate(&m, &tiled, &c, &MEM, &PERF, &slow, &err), SP_OK);
    assert_close(slow.prefill_s, fast.prefill_s); /* tiles that fill the GPU: the tile data changes nothing */
    c.gemm_8bit_fixed_tiles = true;
    assert_int_equal(sp_serve_estimate(&m, &plain, &c, &MEM, &PERF, &fast, &err), SP_OK);
    assert_int_equal(sp_serve_estimate(&m, &tiled, &c, &MEM, &PERF, &slow, &err), SP_OK);
    /* (n, k, tiles) of qkv, out, up and down at m = 128; fp8 peak 800 TF at efficiency 0.5. */
    const double gemms[4][3] = {{12288, 4096, 96}, {4096, 4096, 32}, {16384, 4096, 128}, {4096, 16384, 32}};
    double extra = 0;
    for (int i = 0; i < 4; i++)
        extra += 2.0 * 128 * gemms[i][0] * gemms[i][1] / 4e14 * (132 / gemms[i][2] - 1);
    assert_true(fabs(slow.prefill_s - fast.prefill_s - extra) <= 1e-9 * extra);
    /* bf16 weights run 16-bit kernels: the tile data changes nothing. */
    c.weight_dtype = SP_DTYPE_BF16;
    assert_int_equal(sp_serve_estimate(&m, &plain, &c, &MEM, &PERF, &fast, &err), SP_OK);
    assert_int_equal(sp_serve_estimate(&m, &tiled, &c, &MEM, &PERF, &slow, &err), SP_OK);
    assert_close(slow.prefill_s, fast.prefill_s);
}

/* A catalog model and the catalog's H100 SXM (its SM count and fp8 tile), as the CLI loads them. */
static sp_accel catalog_h100(const char *model, sp_model *m)
{
    sp_accel_catalog accels;
    sp_error err;
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, model, m, &err), SP_OK);
    assert_int_equal(sp_accels_load(SP_DATA_DIR "/accelerators.yaml", &accels, &err), SP_OK);
    const sp_accel *found = sp_accel_find(&accels, "h100-sxm-80gb");
    assert_non_null(found);
    sp_accel a = *found;
    sp_accel_catalog_free(&accels);
    return a;
}

/* A grouped expert GEMM pads each expert's rows to whole tiles, so a larger batch never has fewer
 * busy tiles: an fp8 MoE's decode step on the catalog's H100 (132 SMs, 128-wide fp8 tiles) never
 * shortens as the batch grows (it fell from 45 ms at batch 16 to 22 ms at 64 while the tiles of all
 * experts were pooled as if they were one GEMM's rows). */
static void moe_decode_grows_with_batch(void **state)
{
    (void)state;
    sp_model m;
    sp_error err;
    const sp_accel h100 = catalog_h100("qwen3-30b-a3b", &m), *a = &h100;
    static sp_rules rules; /* the shipped constants: the tile padding needs perf.yaml's saturation */
    assert_int_equal(sp_rules_load(SP_DATA_DIR, &rules, &err), SP_OK);
    double previous = 0;
    for (double batch = 1; batch <= 512; batch *= 2) {
        sp_serve_config c = config(batch);
        c.weight_dtype = SP_DTYPE_FP8;
        c.gemm_8bit_fixed_tiles = true;
        sp_serve_result r;
        assert_int_equal(sp_serve_estimate(&m, a, &c, &MEM, &rules.perf, &r, &err), SP_OK);
        assert_true(r.decode_step_s >= previous);
        previous = r.decode_step_s;
    }
}

/* Without request lengths the batch is sized for the default 512 + 256, but the server admits the
 * model's whole context (Llama 3.1: 131072) up to perf.yaml's share of the KV cache in whole
 * blocks; with lengths given it admits those (no spread: exactly 768). */
static void assumed_lengths_admit_the_context(void **state)
{
    (void)state;
    sp_model m;
    sp_error err;
    sp_accel a = catalog_h100("llama-3.1-8b", &m);
    sp_serve_config c = config(0);
    sp_serve_result r;
    sp_perf_constants k = PERF;
    k.serve_assumed_len_cache_share = 0.5;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &k, &r, &err), SP_OK);
    assert_close(r.max_model_len, 768.0);
    c.lengths_assumed = true;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &k, &r, &err), SP_OK);
    assert_close(r.max_model_len, 131072.0);
    /* A card whose cache holds fewer tokens than the context: that share of what it holds, in
     * whole blocks of the engine's size. */
    a.memory_bytes = 20e9;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &k, &r, &err), SP_OK);
    assert_true(r.max_model_len < 131072);
    assert_close(r.max_model_len, c.block_tokens * floor(r.kv_cache_tokens * 0.5 / c.block_tokens));
    double half = r.max_model_len;
    k.serve_assumed_len_cache_share = 0.25;
    c.block_tokens = 64;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &k, &r, &err), SP_OK);
    assert_close(r.max_model_len, 64.0 * floor(r.kv_cache_tokens * 0.25 / 64.0));
    assert_true(r.max_model_len < half);
}

/* An MoE whose split is left open is sized both ways and the better kept: on the same 8 GPUs, the
 * searched fleet costs no more a token than either pinned one, names the other's price, and a
 * dense model is not compared. */
static void moe_split_left_open_takes_the_better(void **state)
{
    (void)state;
    sp_model m;
    sp_error err;
    sp_accel a = catalog_h100("qwen3-235b-a22b", &m);
    static sp_rules rules;
    assert_int_equal(sp_rules_load(SP_DATA_DIR, &rules, &err), SP_OK);
    sp_memory_constants mk = sp_rules_memory_constants(&rules);
    sp_serve_config c = config(0);
    c.weight_dtype = SP_DTYPE_FP8;
    sp_serve_result tp, ep, searched;
    assert_int_equal(sp_serve_plan(&m, &a, &c, &mk, &rules.perf, &tp, &err), SP_OK);
    c.expert_parallel = true;
    assert_int_equal(sp_serve_plan(&m, &a, &c, &mk, &rules.perf, &ep, &err), SP_OK);
    c.expert_parallel = false;
    c.parallelism_searched = true;
    assert_int_equal(sp_serve_plan(&m, &a, &c, &mk, &rules.perf, &searched, &err), SP_OK);
    assert_true(tp.gpus == ep.gpus && searched.gpus == tp.gpus);
    assert_close(searched.usd_per_million_output_tokens,
                 fmin(tp.usd_per_million_output_tokens, ep.usd_per_million_output_tokens));
    assert_true(searched.expert_parallel == (ep.usd_per_million_output_tokens < tp.usd_per_million_output_tokens));
    assert_close(searched.other_usd_per_million_output_tokens,
                 fmax(tp.usd_per_million_output_tokens, ep.usd_per_million_output_tokens));
    sp_model dense;
    sp_accel h100 = catalog_h100("llama-3.1-8b", &dense);
    assert_int_equal(sp_serve_plan(&dense, &h100, &c, &mk, &rules.perf, &searched, &err), SP_OK);
    assert_false(searched.expert_parallel);
    assert_true(searched.other_usd_per_million_output_tokens == 0);
}

/* The launch line into a short buffer: cut, terminated, and the full length returned. */
/* 4-bit floating-point weights: NVFP4 carries one E4M3 scale per 16 elements (0.5625 bytes a
 * weight), MXFP4 one E8M0 scale per 32 (0.53125). A part with FP4 tensor cores runs them at its FP4
 * rate; without them MXFP4 is dequantised to 16-bit GEMMs and NVFP4 is refused. */
static void fp4_weights(void **state)
{
    (void)state;
    sp_dtype d;
    assert_true(sp_dtype_parse("fp4", &d) && d == SP_DTYPE_NVFP4);
    assert_string_equal(sp_dtype_name(SP_DTYPE_MXFP4), "mxfp4");
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(1);
    sp_serve_result fp8, fp4;
    sp_error err;
    c.weight_dtype = SP_DTYPE_NVFP4;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fp4, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "weight-dtype");
    c.weight_dtype = SP_DTYPE_MXFP4; /* dequantised: batch 1 reads 0.53 bytes a layer weight (activations add 0.2%) */
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fp4, &err), SP_OK);
    double layer = 4096.0 * 4096 * 2 + 2 * 4096.0 * 1024 + 3 * 4096.0 * 14336;
    double weights = 32 * layer * 0.53125 + 4096.0 * 32000 * 2; /* the output layer stays 16-bit */
    double kv = (512 + 128) * 2.0 * 32 * 8 * 128 * 2;
    kv += 32 * (8 * 4096.0 + 3 * 14336) * 2; /* and the token's element-wise passes */
    assert_true(fp4.decode_step_s >= (weights + kv) / 2e12 && fp4.decode_step_s < (weights + kv) / 2e12 * 1.002);
    a.fp4_flops_per_s = 1600e12;
    c.weight_dtype = SP_DTYPE_NVFP4;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fp4, &err), SP_OK);
    weights = 32 * layer * 0.5625 + 4096.0 * 32000 * 2;
    assert_true(fp4.decode_step_s >= (weights + kv) / 2e12 && fp4.decode_step_s < (weights + kv) / 2e12 * 1.002);
    c.batch = 0; /* the largest batch: compute-bound prefill runs at the FP4 rate */
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fp4, &err), SP_OK);
    c.weight_dtype = SP_DTYPE_FP8;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fp8, &err), SP_OK);
    assert_true(fp4.prefill_s < fp8.prefill_s * 0.6);
    assert_true(fp4.output_tokens_per_s > fp8.output_tokens_per_s);
    c.kv_dtype = SP_DTYPE_NVFP4; /* never a cache dtype */
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fp4, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "kv-dtype");
}

/* The catalog's measured FP4 GEMM share scales only the FP4 weight GEMMs: a compute-bound prefill's
 * GEMM time doubles each time the share halves (t(e/4) - t(e/2) = 2 (t(e/2) - t(e))), while a batch-1
 * decode, bound by reading the weights, and FP8 weights on the same part do not move. */
static void fp4_gemm_share_scales_fp4_gemms_only(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    a.fp4_flops_per_s = 1600e12;
    sp_serve_config c = config(1);
    c.weight_dtype = SP_DTYPE_NVFP4;
    sp_serve_result full, half, quarter, fp8_full, fp8_half;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &full, &err), SP_OK);
    a.fp4_matmul_efficiency = PERF.matmul_efficiency / 2;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &half, &err), SP_OK);
    a.fp4_matmul_efficiency = PERF.matmul_efficiency / 4;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &quarter, &err), SP_OK);
    double gemms = half.prefill_s - full.prefill_s;
    assert_true(gemms > 0);
    assert_true(fabs((quarter.prefill_s - half.prefill_s) - 2 * gemms) < 1e-9 * full.prefill_s);
    assert_close(half.decode_step_s, full.decode_step_s);
    c.weight_dtype = SP_DTYPE_FP8;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fp8_half, &err), SP_OK);
    a.fp4_matmul_efficiency = 0;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fp8_full, &err), SP_OK);
    assert_close(fp8_half.prefill_s, fp8_full.prefill_s);
}

/* A SwiGLU MoE of `layers` x `hidden` (heads, KV heads), `experts` of width `ffn`, `per_token` a token. */
static sp_model moe_shape(double layers, double hidden, double heads, double kv_heads, double ffn, double vocab,
                          double experts, double per_token)
{
    sp_model m;
    sp_model_from_shape(&m, layers, hidden, heads, kv_heads, ffn, SP_FFN_SWIGLU, vocab, 4096);
    m.experts = experts;
    m.experts_per_token = per_token;
    return m;
}

/* Four SwiGLU layers of 1024 (16 heads, 4 KV heads), 8 experts of 2048, 2 a token. */
static sp_model toy_moe(void)
{
    return moe_shape(4, 1024, 16, 4, 2048, 1000, 8, 2);
}

/* Expert parallelism over 4 GPUs with attention DP: each GPU dispatches its own quarter of the
 * batch, 3/4 of it to other GPUs, k x hidden 16-bit values a token, and combines them back, every
 * MoE layer. Doubling the link halves exactly that time (no dense layer is left to all-reduce). */
static void expert_all_to_all_sends_own_tokens(void **state)
{
    (void)state;
    sp_model m = toy_moe();
    sp_accel a = toy();
    sp_serve_config c = config(64);
    c.tp = 4;
    c.expert_parallel = c.attention_dp = true;
    sp_serve_result slow, fast;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &slow, &err), SP_OK);
    a.intra_node_bytes_per_s *= 2;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fast, &err), SP_OK);
    double per_layer = 2.0 * (3.0 / 4.0) * (64.0 / 4.0) * 2 * 1024 * 2 / 400e9; /* at 400 GB/s */
    double expected = 4 * per_layer / 2;                                      /* 4 layers, half saved */
    assert_true(fabs((slow.decode_step_s - fast.decode_step_s) - expected) < 1e-6 * expected);
}

/* What halving the KV reads' bandwidth (memory_efficiency x HBM) adds to a decode step, the
 * weights keeping theirs (serve_weight_bandwidth_share): the time of every pass that rides it. */
static double halved_kv_bandwidth_s(const sp_model *m, const sp_accel *a, const sp_serve_config *c)
{
    sp_perf_constants half = PERF;
    half.serve_weight_bandwidth_share = PERF.memory_efficiency;
    sp_perf_constants full = half;
    half.memory_efficiency /= 2;
    sp_serve_result fast, slow;
    sp_error err;
    assert_int_equal(sp_serve_estimate(m, a, c, &MEM, &full, &fast, &err), SP_OK);
    assert_int_equal(sp_serve_estimate(m, a, c, &MEM, &half, &slow, &err), SP_OK);
    return slow.decode_step_s - fast.decode_step_s;
}

/* Three passes ride the KV-cache bandwidth (memory_efficiency x HBM): the cache, 64 sequences of
 * 512 + 128 tokens x 4096 bytes (2 x 4 layers x 4 KV heads x 64 x 2); the routing of the 64
 * tokens through each of the 4 MoE layers, (2k + 2) x 1024 16-bit values a token (the dispatch's
 * copy to its 2 experts and the combine's read-back and sum); and the element-wise passes, two
 * add-norms of 4 x 1024 and SwiGLU's 3 x 2048 for each of 2 experts, a layer and token. Halving
 * that bandwidth adds exactly their time at the full bandwidth; the weights keep theirs
 * (serve_weight_bandwidth_share). */
static void moe_routing_reads_and_writes_tokens(void **state)
{
    (void)state;
    sp_model m = toy_moe();
    sp_accel a = toy();
    sp_serve_config c = config(64);
    double kv = 64.0 * (512 + 128) * 4096, routing = 4 * 64.0 * (2 * 2 + 2) * 1024 * 2;
    double elementwise = 4 * 64.0 * (8 * 1024 + 3 * 2048 * 2) * 2;
    double extra = (kv + routing + elementwise) / 2e12;
    assert_true(fabs(halved_kv_bandwidth_s(&m, &a, &c) - extra) < 1e-9 * extra);
}

/* toy_moe with its first layer dense and one shared expert in each MoE layer, served over 4 GPUs
 * with expert parallelism, 64 sequences. */
static void dense_first_moe_over_4(sp_model *m, sp_serve_config *c)
{
    *m = toy_moe();
    m->dense_layers = 1;
    m->shared_experts = 1;
    *c = config(64);
    c->tp = 4;
    c->expert_parallel = true;
}

/* Under attention DP over 4 GPUs a GPU attends, norms, routes and runs the first layer's dense
 * MLP and the 3 MoE layers' shared experts (2048 wide) for its own 16 of the 64 sequences only
 * (its KV cache whole: 4 KV heads x 64 x 2 x 2 x 4 layers a token), while its 2 of the 8 experts
 * activate their share of every token's 2 expert visits. Halving the KV reads' bandwidth adds
 * exactly those passes' time at the full bandwidth. */
static void attention_dp_passes_over_own_tokens(void **state)
{
    (void)state;
    sp_model m;
    sp_serve_config c;
    dense_first_moe_over_4(&m, &c);
    c.attention_dp = true;
    sp_accel a = toy();
    double own = 16, kv = own * (512 + 128) * 4096, routing = 3 * own * (2 * 2 + 2) * 1024 * 2;
    double elementwise = (own * (4 * 8 * 1024 + 4 * 3 * 2048) + 3 * 64.0 * 3 * 2 * 2048 / 4) * 2;
    double extra = (kv + routing + elementwise) / 2e12;
    assert_true(fabs(halved_kv_bandwidth_s(&m, &a, &c) - extra) < 1e-9 * extra);
}

/* Under attention DP every GPU is a whole engine rank (TensorRT-LLM's GatedMLP overridden_tp_size=1
 * and no lm-head TP; vLLM's data-parallel ranks shard only experts): it holds what one GPU would
 * hold alone, less 3/4 of the 3 MoE layers' 8 routed experts (3 x 1024 x 2048 each, 2 bytes). Four
 * layers, the first dense, each MoE layer with one shared expert. Nothing is left to all-reduce:
 * doubling the link saves only the 3 MoE layers' all-to-all. */
static void attention_dp_replicates_dense_mlps(void **state)
{
    (void)state;
    sp_model m;
    sp_serve_config c;
    dense_first_moe_over_4(&m, &c);
    sp_accel a = toy();
    sp_serve_result ep_only, whole, fast;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &ep_only, &err), SP_OK);
    c.attention_dp = true;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &whole, &err), SP_OK);
    sp_serve_config one = config(64);
    sp_serve_result alone;
    assert_int_equal(sp_serve_estimate(&m, &a, &one, &MEM, &PERF, &alone, &err), SP_OK);
    double routed_elsewhere = 3 * 8 * 3.0 * 1024 * 2048 * 0.75 * 2.0;
    assert_true(fabs(whole.weights_bytes - (alone.weights_bytes - routed_elsewhere)) < 1e-9 * whole.weights_bytes);
    assert_true(whole.weights_bytes > ep_only.weights_bytes);
    a.intra_node_bytes_per_s *= 2;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &fast, &err), SP_OK);
    double per_layer = 2.0 * (3.0 / 4.0) * (64.0 / 4.0) * 2 * 1024 * 2 / 400e9; /* at 400 GB/s */
    assert_true(fabs((whole.decode_step_s - fast.decode_step_s) - 3 * per_layer / 2) < 1e-6 * per_layer);
}

/* A closed loop of C clients with fixed lengths moves in waves of C: one client alone sees its
 * prefill and the step in flight first; four 512-token prompts share one 8192-token pass, so each
 * waits for all four; with 1024-token passes two prompts finish in the first pass and two in the
 * second (half and all of the prefills); Little's law gives the end-to-end latency, C / requests a second. */
static void closed_loop_waves(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(0);
    c.concurrency = 1;
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_close(r.batch, 1.0);
    assert_true(fabs(r.ttft_s_mean - (r.prefill_s + r.decode_step_s)) < 1e-12);
    assert_true(fabs(r.e2e_s_mean - 1.0 / r.requests_per_s) < 1e-12);
    c.concurrency = 4;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    double cycle = 4.0 / r.requests_per_s, prefills = cycle - 256 * r.decode_step_s;
    assert_true(fabs(r.ttft_s_mean - (prefills + r.decode_step_s)) < 1e-12);
    assert_true(fabs(r.tpot_s_mean - (r.e2e_s_mean - r.ttft_s_mean) / 255.0) < 1e-12);
    sp_memory_constants small_passes = MEM;
    small_passes.prefill_chunk_tokens = 1024;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &small_passes, &PERF, &r, &err), SP_OK);
    cycle = 4.0 / r.requests_per_s, prefills = cycle - 256 * r.decode_step_s;
    assert_true(fabs(r.ttft_s_mean - (prefills / 2.0 * 1.5 + r.decode_step_s)) < 1e-12);
    /* Three prompts: the first pass is full (1024 of 1536 tokens) and holds two; the third ends with
     * the wave: (2/3 + 2/3 + 1) / 3 of the prefills. */
    c.concurrency = 3;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &small_passes, &PERF, &r, &err), SP_OK);
    cycle = 3.0 / r.requests_per_s, prefills = cycle - 256 * r.decode_step_s;
    assert_true(fabs(r.ttft_s_mean - (prefills * (7.0 / 9.0) + r.decode_step_s)) < 1e-12);
    /* Nearest rank over the three: p50 is the second (2/3 of the prefills), p95 the third (all);
     * the p95 time between tokens is the first request's, whose first token came earliest. */
    assert_true(fabs(r.ttft_load_s.p50 - (prefills * (2.0 / 3.0) + r.decode_step_s)) < 1e-12);
    assert_true(fabs(r.ttft_load_s.p95 - (prefills + r.decode_step_s)) < 1e-12);
    assert_true(fabs(r.tpot_load_s.p95 - (r.e2e_s_mean - prefills * (2.0 / 3.0) - r.decode_step_s) / 255.0) < 1e-12);
    c.qps = 2; /* a loop sets its own rate */
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "concurrency");
}

/* The largest batch a closed loop's waves hold: whole requests in the cache. */
static double largest_loop_batch(const sp_model *m, const sp_accel *a, sp_serve_config c)
{
    c.concurrency = 1;
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_estimate(m, a, &c, &MEM, &PERF, &r, &err), SP_OK);
    return r.max_batch;
}

/* Clients past the largest batch B queue: with C = B + h, each wave's first h requests waited one
 * whole wave (they were at the head of the queue) and the rest none. So with h = floor(B / 2) the
 * median first token is inside its own wave and the 90th percentile a wave later; end to end the
 * median is one wave and the 90th percentile two, the mean C / requests a second (Little). */
static void closed_loop_queues_past_the_batch(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(0);
    double most = largest_loop_batch(&m, &a, c), head = floor(most / 2.0);
    c.concurrency = most + head;
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_close(r.batch, most);
    double cycle = most / r.requests_per_s;
    assert_true(r.ttft_load_s.p50 < cycle && r.ttft_load_s.p90 > cycle);
    assert_true(fabs(r.e2e_load_s.p50 - cycle) < 1e-9 * cycle && fabs(r.e2e_load_s.p90 - 2.0 * cycle) < 1e-9 * cycle);
    assert_true(fabs(r.e2e_s_mean - (most + head) / r.requests_per_s) < 1e-9 * r.e2e_s_mean);
    assert_true(r.ttft_s_mean > r.ttft_load_s.p50 && r.ttft_s_mean < r.ttft_load_s.p90);
}

/* Decode steps that grow linearly with the batch: b sequences take b x per_sequence_s. */
static void linear_steps(double *steps, size_t n, double per_sequence_s)
{
    for (size_t b = 1; b <= n; b++)
        steps[b - 1] = per_sequence_s * (double)b;
}

/* The load simulation by hand: requests that arrive far apart never meet, so each one's first
 * token takes its whole prefill (P tokens at the per-token time, inside one chunk) and every later
 * token one decode step of a batch of one. A faster rate on the same replica queues them. */
static void poisson_simulation(void **state)
{
    (void)state;
    static const double steps[4] = {0.010, 0.011, 0.012, 0.013};
    sp_sim_input in = {steps, 4, 1e-4, 8192, 0.001, 500, 100, 0, 0, 400, 7, 1, 1, 1, 0, 1, 0, 0, 0, 0};
    sp_sim_result r;
    assert_true(sp_serve_simulate(&in, &r));
    /* (to a microsecond: the clock runs to some 4e5 s at this rate) */
    assert_true(fabs(r.ttft_s.p99 - 500 * 1e-4) < 1e-6 && fabs(r.ttft_s.p50 - 500 * 1e-4) < 1e-6);
    assert_true(fabs(r.tpot_s.p99 - 0.010) < 1e-6);
    assert_true(fabs(r.e2e_s.mean - (500 * 1e-4 + 99 * 0.010)) < 1e-6);
    sp_sim_result busy;
    in.rate_per_s = 3.0; /* each request holds the replica about a second: batches form and wait */
    assert_true(sp_serve_simulate(&in, &busy));
    assert_true(busy.ttft_s.p95 > r.ttft_s.p95 && busy.tpot_s.p50 > r.tpot_s.p50);
    assert_true(busy.ttft_s.p50 <= busy.ttft_s.p90 && busy.ttft_s.p90 <= busy.ttft_s.p99);
    /* Drawn lengths keep their mean: lognormal with the coefficient of variation asked for, so an
     * isolated request's end-to-end time still averages its prefill and 99 steps; the spread
     * widens the tail. */
    sp_sim_result spread;
    in.rate_per_s = 0.001;
    in.requests = 4000;
    in.output_spread = 1.0;
    assert_true(sp_serve_simulate(&in, &spread));
    assert_true(fabs(spread.e2e_s.mean - r.e2e_s.mean) < 0.06 * r.e2e_s.mean);
    assert_true(spread.e2e_s.p99 > 2.0 * r.e2e_s.p99);
    in.requests = 5; /* too few to say anything */
    assert_false(sp_serve_simulate(&in, &busy));
}

/* A replica starts empty and fills over a request's lifetime: what is measured must be the filled
 * replica however few requests are asked for. Steps of b sequences take s0 (1 + b / B0); at rate R with O tokens a
 * request, Little's law gives the steady batch L = R O s0 (1 + L / B0), so L = R O s0 / (1 - R O
 * s0 / B0) = 50 / 0.95 = 52.63 at R = 50, O = 100, s0 = 10 ms, B0 = 1000, and a token takes
 * s0 (1 + L / B0) = 10.526 ms. Twenty requests asked for still measure that: counting the first
 * ones, which arrive over 0.4 s and never see more than twenty others, would read under 10.2 ms. */
static void poisson_simulation_reaches_steady_state(void **state)
{
    (void)state;
    static double steps[4096];
    for (size_t b = 1; b <= 4096; b++)
        steps[b - 1] = 0.010 * (1.0 + (double)b / 1000.0);
    sp_sim_input in = {steps, 4096, 1e-9, 8192, 50, 1, 100, 0, 0, 20, 7, 1, 1, 1, 0, 1, 0, 0, 0, 0};
    sp_sim_result r;
    assert_true(sp_serve_simulate(&in, &r));
    double steady_batch = 50.0 / 0.95, token_s = 0.010 * (1.0 + steady_batch / 1000.0);
    assert_true(fabs(r.tpot_s.mean - token_s) < 0.01 * token_s);
}

/* The paged cache bounds admissions by tokens: a cache of 150 tokens holds one 100-token prompt and
 * its 100 output tokens as they come, never a second prompt beside it, so requests run one at a
 * time however many wait (50 a second against the 10 it serves), every token one batch-1 step of
 * 1 ms. Without the bound the batch grows to its 64 and a token waits for a fuller step. */
static void cache_tokens_bound_admissions(void **state)
{
    (void)state;
    double steps[64];
    linear_steps(steps, 64, 0.001);
    sp_sim_input in = {steps, 64, 1e-6, 8192, 50, 100, 100, 0, 0, 200, 7, 1, 1, 1, 0, 1, 150, 0, 0, 0};
    sp_sim_result one_at_a_time, unbounded;
    assert_true(sp_serve_simulate(&in, &one_at_a_time));
    assert_true(fabs(one_at_a_time.tpot_s.p99 - 0.001) < 1e-6); /* to a microsecond, as above */
    in.kv_tokens = 0;
    assert_true(sp_serve_simulate(&in, &unbounded));
    assert_true(unbounded.tpot_s.p50 > 0.010);
}

/* A prompt alone on the replica pays a lone prompt's rate, weight reads included (3e-4 s a token
 * here against 1e-4 beside decodes): an isolated 500-token prompt's first token takes 150 ms. */
static void lone_prompts_read_the_weights(void **state)
{
    (void)state;
    static const double steps[4] = {0.010, 0.011, 0.012, 0.013};
    sp_sim_input in = {steps, 4, 1e-4, 8192, 0.001, 500, 100, 0, 0, 400, 7, 1, 1, 1, 0, 1, 0, 0, 3e-4, 0};
    sp_sim_result r;
    assert_true(sp_serve_simulate(&in, &r));
    assert_true(fabs(r.ttft_s.p50 - 500 * 3e-4) < 1e-6);
}

/* The steady state and the simulation agree on what a replica serves: both charge a prompt token
 * beside decodes its FLOPs at a chunk's rate. Llama 3.1 70B in fp8 on one H100, 200/300 tokens:
 * a rate at 90% of the steady state's capacity is served with a short queue, one at 110% is not
 * (the simulation had charged lone prompts' weight reads again beside the decodes, and saturated
 * below the steady state's figure). */
static void simulation_saturates_at_the_steady_capacity(void **state)
{
    (void)state;
    sp_model m;
    sp_error err;
    sp_accel a = catalog_h100("llama-3.1-70b", &m);
    sp_serve_config c = config(0);
    c.weight_dtype = c.kv_dtype = SP_DTYPE_FP8;
    c.prompt_tokens = 200;
    c.output_tokens = 300;
    sp_serve_result r;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    double capacity = r.requests_per_s;
    c.percentile = 50;
    c.replicas = 1;
    c.qps = 0.9 * capacity;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_true(r.ttft_load_s.p50 < 5.0 * r.prefill_s);
    c.qps = 1.1 * capacity;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_true(r.ttft_load_s.p50 > 10.0);
}

/* A speculative check is one iteration that emits its acceptance length: requests alone (one every
 * 1000 s) with 100-token prompts at 10 us a token and 11 output tokens. Plain steps of 10 ms: the
 * first token ends the 10 ms floor of a prefill-only iteration, and the ten others take 10 ms each.
 * Checks of 25 ms emitting 2.5 tokens: the ten others need four checks (2.5, 5, 7.5, 10), 100 ms,
 * so 10 ms a token as before, while a prompt that finds a check running waits for all of it. */
static void speculative_check_emits_its_acceptance(void **state)
{
    (void)state;
    double plain[1] = {0.010}, check[1] = {0.025};
    sp_sim_input in = {plain, 1, 1e-5, 8192, 0.001, 100, 11, 0, 0, 40, 7, 1, 1, 1, 0, 1, 0, 0, 0, 0};
    sp_sim_result r;
    assert_true(sp_serve_simulate(&in, &r));
    assert_true(fabs(r.ttft_s.p50 - 0.010) < 1e-9 && fabs(r.tpot_s.p50 - 0.010) < 1e-9);
    in.decode_step_s = check;
    in.tokens_per_step = 2.5;
    assert_true(sp_serve_simulate(&in, &r));
    assert_true(fabs(r.ttft_s.p50 - 0.025) < 1e-9);
    assert_true(fabs(r.tpot_s.p50 - 0.010) < 1e-9);
    assert_true(fabs(r.e2e_s.p50 - 0.125) < 1e-9);
}

/* A router that compares replicas keeps requests apart: steps of b sequences take b x 10 ms, so a
 * request alone on its replica emits a token every 10 ms, and one that shares a replica emits
 * slower. At 0.5 requests/s over four replicas, each request a second long, a request seldom
 * finds more than two replicas busy: sent to the least loaded it is always alone (every time between
 * tokens is 10 ms, to the nanosecond of its 1-token prefill), sent at random it lands on a busy
 * replica about one time in eight, and its 99th percentile shows it. */
static void routing_keeps_requests_apart(void **state)
{
    (void)state;
    double steps[64];
    linear_steps(steps, 64, 0.010);
    sp_sim_input in = {steps, 64, 1e-9, 8192, 0.5, 1, 100, 0, 0, 4000, 7, 1, 4, 0, 0, 1, 0, 0, 0, 0};
    sp_sim_result least, random, two;
    assert_true(sp_serve_simulate(&in, &least));
    assert_true(fabs(least.tpot_s.p99 - 0.010) < 1e-8 && fabs(least.tpot_s.p50 - 0.010) < 1e-8);
    in.route_choices = 1;
    assert_true(sp_serve_simulate(&in, &random));
    assert_true(random.tpot_s.p99 > 0.012);
    in.route_choices = 2;
    assert_true(sp_serve_simulate(&in, &two));
    assert_true(two.tpot_s.p99 < random.tpot_s.p99);
    /* A percentile other than 50/90/95/99 is its own rank, not rounded down to p50 or p90: the
     * verdict at --percentile 75 reads the 75th. */
    sp_sim_result q75, q90;
    in.route_choices = 1;
    in.percentile = 75;
    assert_true(sp_serve_simulate(&in, &q75));
    assert_true(q75.tpot_s.at_percentile == 75 && q75.e2e_s.at_percentile == 75);
    assert_true(q75.e2e_s.p50 <= q75.e2e_s.at && q75.e2e_s.at <= q75.e2e_s.p90);
    assert_true(q75.e2e_s.p50 < q75.e2e_s.p90); /* the tail spreads, so 75 differs from a rounded 50 */
    assert_true(sp_latency_at(&q75.e2e_s, 75) == q75.e2e_s.at);
    assert_true(sp_latency_at(&q75.e2e_s, 90) == q75.e2e_s.p90);
    in.percentile = 90;
    assert_true(sp_serve_simulate(&in, &q90));
    assert_true(q90.e2e_s.at == q90.e2e_s.p90);
    in.percentile = 0;
    in.route_choices = 2;
    /* A replica count that is not a number is one replica, not the most. */
    sp_sim_result one, unnamed;
    in.replicas = 1;
    assert_true(sp_serve_simulate(&in, &one));
    in.replicas = NAN;
    assert_true(sp_serve_simulate(&in, &unnamed));
    assert_true(unnamed.tpot_s.p99 == one.tpot_s.p99 && unnamed.ttft_s.p50 == one.ttft_s.p50);
    /* Named both ways. */
    double choices = -1;
    assert_true(sp_routing_parse("power-of-two", &choices) && choices == 2);
    assert_true(sp_routing_parse("least-loaded", &choices) && choices == 0);
    assert_false(sp_routing_parse("round-robin", &choices));
    assert_string_equal(sp_routing_name(1), "random");
}

/* Multi-step scheduling: a prompt joins only at a scheduling point, every N decode steps, or at
 * once on an idle replica, and is prefilled in an iteration of its own. Alone, a request never
 * waits (the replica is idle when it comes); its iteration of prompt tokens alone still reads the
 * weights, so it takes at least a one-sequence step, 10 ms, over its 1 ms of prompt tokens. On a
 * replica that is always decoding, an arrival
 * lands uniformly within a round of N steps and waits out the rest, N/2 steps at the median (5 of
 * 10 steps of 10 ms), then its 1 ms prefill; scheduled every step it waits half a step and then
 * rides one step with its prefill, 1.5 steps. */
static void multi_step_scheduling(void **state)
{
    (void)state;
    static double steps[64];
    for (size_t i = 0; i < 64; i++)
        steps[i] = 0.010;
    sp_sim_input in = {steps, 64, 1e-5, 8192, 0.001, 100, 50, 0, 0, 400, 7, 10, 1, 1, 0, 1, 0, 0, 0, 0};
    sp_sim_result alone, every, rounds;
    assert_true(sp_serve_simulate(&in, &alone));
    assert_true(fabs(alone.ttft_s.p99 - 0.010) < 1e-6);
    in.rate_per_s = 40; /* about 20 decoding at a time: a step is always in flight */
    assert_true(sp_serve_simulate(&in, &rounds));
    in.scheduler_steps = 1;
    assert_true(sp_serve_simulate(&in, &every));
    assert_true(rounds.ttft_s.p50 > 0.045 && rounds.ttft_s.p50 < 0.060);
    assert_true(every.ttft_s.p50 > 0.012 && every.ttft_s.p50 < 0.020);
    assert_true(fabs(rounds.tpot_s.p50 - every.tpot_s.p50) < 0.002); /* the steps themselves are unchanged */
}

/* Speculative decoding: the target model checks k drafted tokens in one forward of k + 1 queries a
 * sequence and emits T of them on average. At batch 1 that forward still reads the weights once,
 * so a token costs about a T-th of a plain step; at a large batch the k + 1 queries make the
 * GEMMs compute-bound and drafting loses. An MTP draft adds a layer and the output layer a token. */
static void speculative_decoding(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(1);
    sp_serve_result plain, spec, mtp;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &plain, &err), SP_OK);
    c.spec_tokens = 4;
    c.spec_acceptance = 2.5;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &spec, &err), SP_OK);
    double ratio = plain.decode_step_s / spec.decode_step_s;
    assert_true(ratio > 2.4 && ratio <= 2.5);
    c.spec_draft = SP_DRAFT_MTP; /* refused for a checkpoint without MTP heads, accepted with one */
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &mtp, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "spec-draft");
    m.mtp_layers = 1;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &mtp, &err), SP_OK);
    assert_true(mtp.decode_step_s > spec.decode_step_s);
    c.batch = 512; /* compute-bound: drafting costs more than it saves at this acceptance */
    c.spec_draft = SP_DRAFT_NGRAM;
    c.spec_acceptance = 1.5;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &spec, &err), SP_OK);
    c.spec_tokens = 0;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &plain, &err), SP_OK);
    assert_true(spec.output_tokens_per_s < plain.output_tokens_per_s);
    c.spec_tokens = 2;
    c.spec_acceptance = 3.5; /* more than k + 1 */
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &spec, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "spec-acceptance");
}

/* A draft model (vLLM's draft-model speculation): k forwards of its own a step, each reading its
 * 16-bit weights once at batch 1 (2 P bytes at 2 TB/s), shared by the T tokens a check emits; its
 * weights sit beside the target's. A draft no smaller than the target is refused. */
static void draft_model_speculation(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(1);
    c.spec_tokens = 4;
    c.spec_acceptance = 2.5;
    sp_serve_result ngram, draft;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &ngram, &err), SP_OK);
    c.spec_draft = SP_DRAFT_MODEL;
    c.spec_draft_params = 0.5e9;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &draft, &err), SP_OK);
    double pass = 2 * 0.5e9 / 2e12; /* 0.5 ms: memory-bound at batch 1 */
    assert_close(draft.decode_step_s - ngram.decode_step_s, 4 * pass / 2.5);
    assert_close(draft.weights_bytes - ngram.weights_bytes, 2 * 0.5e9);
    c.spec_draft_params = sp_model_params(&m);
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &draft, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "draft-params");
}

/* The launch line's --max-model-len: the means without spreads; with them each length at its
 * lognormal 99th percentile, mean exp(-s^2/2 + 2.3263 s), s^2 = ln(1 + cv^2): 512 at cv 1 is 2511.3
 * (2512 whole) and 256 at cv 0.5 is 687.1 (688); never past the model's context (4096 here), which an engine refuses. */
static void max_model_len_leaves_room_for_the_tail(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(1);
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_close(r.max_model_len, 768.0);
    c.prompt_spread = 1.0;
    c.output_spread = 0.5;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_close(r.max_model_len, 2512.0 + 688.0);
    c.prompt_spread = c.output_spread = 3.0;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_close(r.max_model_len, 4096.0);
}

/* The Poisson simulation runs the speculative step too: at one request a second (a batch of a few
 * sequences, the weights read once a check) n-gram drafts with T = 2.5 cut the time between tokens
 * to well under half. */
static void speculation_under_load(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(0);
    c.qps = 1;
    c.percentile = 50;
    sp_serve_result plain, spec;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &plain, &err), SP_OK);
    c.spec_tokens = 4;
    c.spec_acceptance = 2.5;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &spec, &err), SP_OK);
    assert_true(plain.simulated && spec.simulated);
    assert_true(spec.tpot_load_s.p50 < 0.5 * plain.tpot_load_s.p50);
}

/* Expert parallelism over nodes when no node holds the experts: a 256-expert model of about 676 B
 * parameters in fp8 does not fit 8 x 80 GB, so the plan spreads the experts over 16 GPUs on two
 * nodes (256 divides 16; 24 would not), attention data-parallel on each, and the launch line runs
 * the data-parallel ranks 8 a node on a Ray cluster. Without a network between nodes it does not fit. */
static void expert_parallel_over_nodes(void **state)
{
    (void)state;
    sp_model m = moe_shape(60, 7168, 128, 128, 2048, 32000, 256, 8);
    sp_accel a = toy();
    sp_serve_config c = config(0);
    c.weight_dtype = SP_DTYPE_FP8;
    c.expert_parallel = c.attention_dp = true;
    c.tp = 0;
    sp_serve_result r;
    sp_error err;
    assert_int_equal(sp_serve_plan(&m, &a, &c, &MEM, &PERF, &r, &err), SP_OK);
    assert_close(r.tp, 16.0);
    assert_close(r.nodes_per_replica, 2.0);
    char line[512];
    sp_serve_launch_line("big-moe", SP_ENGINE_VLLM, &c, &r, line, sizeof line);
    assert_non_null(strstr(line, "--data-parallel-size 16 "));
    assert_non_null(strstr(line, "--data-parallel-size-local 8 --data-parallel-backend ray"));
    a.inter_node_bytes_per_s = 0;
    /* Without a network it needs two nodes, and no replica of one holds it: nothing meets it. */
    assert_int_equal(sp_serve_plan(&m, &a, &c, &MEM, &PERF, &r, &err), SP_ERR_NO_PLAN);
}

/* Attention data-parallel with expert parallelism: 40 heads do not split 16 ways, but under attention
 * DP no GPU splits them, so tp 16 is a valid layout only there. Each GPU then holds the whole model
 * less 15/16 of the routed experts: 48 layers x 128 experts x 3 x 5120 x 8192 weights, 2 bytes each. */
static void attention_dp_with_heads_tp_does_not_divide(void **state)
{
    (void)state;
    sp_model m = moe_shape(48, 5120, 40, 8, 8192, 32000, 128, 1);
    sp_accel a = toy();
    a.memory_bytes = 2e12;
    sp_serve_config c = config(8);
    sp_serve_result whole, split;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &whole, &err), SP_OK);
    c.tp = 16;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &split, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "tp");
    c.expert_parallel = c.attention_dp = true;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &split, &err), SP_OK);
    double experts_elsewhere = 48.0 * 128 * 3 * 5120 * 8192 * (15.0 / 16.0) * 2;
    assert_true(fabs(split.weights_bytes - (whole.weights_bytes - experts_elsewhere)) < 1.0);
}

/* The engine is vLLM unless one is asked for: a latency target and fp8 weights no longer switch to
 * TensorRT-LLM, whose speed the step model does not show. An asked engine's line carries the
 * plan's numbers in its own flags: SGLang's static share, its MTP chain, a node's rank. */
static void engine_is_asked_for(void **state)
{
    (void)state;
    sp_accel a = toy();
    sp_serve_config c = config(8);
    sp_serve_result r = {0};
    r.replicas = 1;
    r.tp = 2;
    r.batch = 40;
    r.max_model_len = 4096;
    r.static_memory_share = 0.87654;
    const char *reason = "";
    c.weight_dtype = SP_DTYPE_FP8;
    c.tpot_s = 0.05;
    assert_int_equal(sp_serve_engine(&a, &c, &r, &reason), SP_ENGINE_VLLM);
    sp_serve_engine_defaults(&c, SP_ENGINE_ASK_TRTLLM, false, false);
    assert_int_equal(sp_serve_engine(&a, &c, &r, &reason), SP_ENGINE_TRTLLM);
    assert_true(c.gemm_8bit_fixed_tiles && c.memory_share_of_free);
    c = config(8);
    c.weight_dtype = SP_DTYPE_FP8;
    sp_serve_engine_defaults(&c, SP_ENGINE_ASK_SGLANG, false, false);
    assert_int_equal(sp_serve_engine(&a, &c, &r, &reason), SP_ENGINE_SGLANG);
    assert_true(c.decode_attention_tensor_cores && c.block_tokens == 1 && !c.gemm_8bit_fixed_tiles);
    char line[1024];
    c.spec_tokens = 3;
    c.spec_draft = SP_DRAFT_MTP;
    c.kv_dtype = SP_DTYPE_FP8;
    r.nodes_per_replica = 2;
    sp_serve_launch_line("some/model", SP_ENGINE_SGLANG, &c, &r, line, sizeof line);
    assert_non_null(strstr(line, "python -m sglang.launch_server --model-path some/model --tp-size 2 "));
    assert_non_null(strstr(line, "--context-length 4096 --mem-fraction-static 0.876 --max-running-requests 40"));
    assert_non_null(strstr(line, "--kv-cache-dtype fp8_e4m3 --quantization fp8"));
    assert_non_null(strstr(line, "--speculative-algorithm NEXTN --speculative-num-steps 3 --speculative-eagle-topk 1 "
                                 "--speculative-num-draft-tokens 4"));
    assert_non_null(strstr(line, "--nnodes 2 --node-rank"));
    assert_non_null(strstr(line, "--host 0.0.0.0 --port 8000"));
    /* Weights the checkpoint stores name their own method; 16-bit ones are quantised on load. */
    c.weights_from_checkpoint = true;
    sp_serve_launch_line("some/model", SP_ENGINE_VLLM, &c, &r, line, sizeof line);
    assert_null(strstr(line, "--quantization"));
    c.weights_from_checkpoint = false;
    sp_serve_launch_line("some/model", SP_ENGINE_VLLM, &c, &r, line, sizeof line);
    assert_non_null(strstr(line, "--quantization fp8"));
    /* int4: Marlin's kernels from Ampere on, the generic AWQ ones before. */
    c.weight_dtype = SP_DTYPE_INT4;
    sp_serve_launch_line("some/model", SP_ENGINE_VLLM, &c, &r, line, sizeof line);
    assert_non_null(strstr(line, "--quantization awq_marlin"));
    c.no_marlin = true;
    sp_serve_launch_line("some/model", SP_ENGINE_VLLM, &c, &r, line, sizeof line);
    assert_non_null(strstr(line, "--quantization awq"));
    assert_null(strstr(line, "awq_marlin"));
}

/* CUDA graphs with padding (TensorRT-LLM's cuda_graph_config enable_padding): a decode step of 300
 * sequences replays the graph captured for 512, so its GEMMs run 512 rows while its KV cache reads
 * stay the 300 sequences' (640 tokens of 131,072 bytes each at 2 TB/s); past the largest size the
 * batch runs as it is. Sizes must ascend. */
static void graph_padding(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(300);
    sp_serve_result padded, at512, at600, plain600;
    sp_error err;
    c.graph_batches[0] = 256;
    c.graph_batches[1] = 512;
    c.graph_batch_count = 2;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &padded, &err), SP_OK);
    sp_serve_config plain = config(512);
    assert_int_equal(sp_serve_estimate(&m, &a, &plain, &MEM, &PERF, &at512, &err), SP_OK);
    double kv = (512.0 - 300.0) * 640 * 131072 / 2e12;
    assert_true(fabs(padded.decode_step_s - (at512.decode_step_s - kv)) < 1e-12);
    c.batch = plain.batch = 600;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &at600, &err), SP_OK);
    assert_int_equal(sp_serve_estimate(&m, &a, &plain, &MEM, &PERF, &plain600, &err), SP_OK);
    assert_close(at600.decode_step_s, plain600.decode_step_s);
    c.graph_batches[1] = 128;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &at600, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "graph-batches");
}

/* LoRA slots by hand: rank 12 is served from vLLM's 16 slot; at tp 2 the column-parallel layers
 * keep A whole and split B (q 4096 + 2048, k and v 4096 + 512, gate and up 4096 + 7168), the
 * row-parallel ones split A and keep B (o 2048 + 4096, down 7168 + 4096): 55,296 x 16 a layer, 32
 * layers, 2 bytes: 56.6 MB a GPU a slot; three slots sit in the weights, and a decode step of 2
 * sequences reads two of them at the weights' bandwidth. */
static void lora_slots_by_hand(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(2);
    c.tp = 2;
    sp_serve_result plain, lora;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &plain, &err), SP_OK);
    c.lora_rank = 12;
    c.max_loras = 3;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &lora, &err), SP_OK);
    assert_true(lora.lora_engine_rank == 16);
    double slot = 2.0 * 32 * 16 * ((4096 + 2048) + 2 * (4096 + 512) + 2 * (4096 + 7168) + (2048 + 4096) + (7168 + 4096));
    assert_close(lora.lora_slot_bytes, slot);
    assert_close(lora.weights_bytes - plain.weights_bytes, 3 * slot);
    double weight_hbm = a.hbm_bytes_per_s * PERF.serve_weight_bandwidth_share;
    assert_close(lora.decode_step_s - plain.decode_step_s, 2 * slot / weight_hbm);
    assert_true(sp_serve_lora_engine_rank(8) == 8 && sp_serve_lora_engine_rank(300) == 320 &&
                sp_serve_lora_engine_rank(512) == 512);
}

/* A shared prefix in the prefix cache: its 256 tokens' blocks are held once, each of 4 sequences
 * keeps its own 256 prompt tokens, half its 256 output tokens and half a block in flight, and a
 * prefill computes only the fresh half. */
static void prefix_cache(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(4);
    sp_serve_result plain, cached;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &plain, &err), SP_OK);
    c.prefix_share = 0.5;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &cached, &err), SP_OK);
    double kv_token = 2.0 * 32 * 8 * 128 * 2;
    assert_close(cached.kv_cache_bytes, (256 + 4 * (256 + 128 + 8)) * kv_token);
    assert_true(cached.prefill_s < 0.6 * plain.prefill_s);
    assert_true(cached.max_batch > 1.4 * plain.max_batch);
    c.prefix_share = 1; /* a prompt that is all prefix computes nothing: refused */
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &cached, &err), SP_ERR_INPUT);
}

static void launch_line_into_short_buffer(void **state)
{
    (void)state;
    sp_serve_config c = config(8);
    c.kv_dtype = SP_DTYPE_FP8;
    c.weight_dtype = SP_DTYPE_FP8;
    sp_serve_result r;
    memset(&r, 0, sizeof r);
    r.tp = 1;
    r.batch = 8;
    char full[512], cut[16];
    int n = sp_serve_launch_line("llama", SP_ENGINE_VLLM, &c, &r, full, sizeof full);
    assert_int_equal((size_t)n, strlen(full));
    assert_non_null(strstr(full, " --kv-cache-dtype fp8 --quantization fp8"));
    assert_int_equal(sp_serve_launch_line("llama", SP_ENGINE_VLLM, &c, &r, cut, sizeof cut), n);
    assert_int_equal(strlen(cut), sizeof cut - 1);
    assert_memory_equal(cut, full, sizeof cut - 1);
}

/* The request-length presets: the bundled file's rows, each with its source; a row without one
 * is refused at its line. */
static void workload_presets(void **state)
{
    (void)state;
    sp_workload_catalog c;
    sp_error err;
    assert_int_equal(sp_workloads_load(SP_DATA_DIR "/workloads.yaml", &c, &err), SP_OK);
    const sp_workload *w = sp_workload_find(&c, "sharegpt");
    assert_non_null(w);
    assert_true(w->prompt_tokens == 120 && w->output_tokens == 348);
    assert_true(w->prompt_cv == 1.635 && w->output_cv == 0.816);
    /* ShareGPT as bench_serving samples it under Llama 3's tokenizer: the lognormal drawn at this
     * mean and spread has median mean / sqrt(1 + cv^2) = 199 / 1.449 = 137.4 tokens, within 3% of the
     * length file's own median output (135; data/workloads.yaml's source). */
    w = sp_workload_find(&c, "sharegpt-llama3");
    assert_non_null(w);
    assert_true(w->prompt_tokens == 220 && w->output_tokens == 199);
    double median_output = w->output_tokens / sqrt(1.0 + w->output_cv * w->output_cv);
    assert_true(fabs(median_output / 135.0 - 1.0) < 0.03);
    assert_null(sp_workload_find(&c, "alpaca"));
    sp_workload_catalog_free(&c);
    const char *bad = "- name: chat\n  prompt_tokens: 100\n  prompt_cv: 1\n  output_tokens: 50\n  output_cv: 1\n";
    assert_int_equal(sp_workloads_parse("bad.yaml", bad, strlen(bad), &c, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "source");
    assert_int_equal(err.line, 1);
}

/* An offline run of N requests queued at once: batches of the steady batch B, the last holding N
 * mod B at its own batch. N a multiple of B runs at the steady rate; N below B is one batch of N;
 * B + 1 adds one lone request's cycle. */
static void offline_run_in_batches(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_accel a = toy();
    sp_serve_config c = config(0);
    sp_serve_result steady, run, one;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &steady, &err), SP_OK);
    double b = steady.batch, o = c.output_tokens;
    assert_true(b > 2);
    c.requests = 3 * b;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &run, &err), SP_OK);
    assert_close(run.run_output_tokens_per_s, steady.output_tokens_per_s);
    assert_true(run.run_batches == 3 && run.run_last_batch == b);
    c.requests = 2;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &run, &err), SP_OK);
    sp_serve_config pinned = config(2);
    assert_int_equal(sp_serve_estimate(&m, &a, &pinned, &MEM, &PERF, &one, &err), SP_OK);
    assert_close(run.run_output_tokens_per_s, one.output_tokens_per_s);
    c.requests = b + 1;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &run, &err), SP_OK);
    pinned = config(1);
    assert_int_equal(sp_serve_estimate(&m, &a, &pinned, &MEM, &PERF, &one, &err), SP_OK);
    assert_close(run.run_s, b * o / steady.output_tokens_per_s + o / one.output_tokens_per_s);
    assert_true(run.run_batches == 2 && run.run_last_batch == 1);
    /* a run is no rate and no loop */
    c.qps = 5;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &run, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "requests");
}

/* vLLM splits a replica's attention over tp ranks when the query heads divide and the KV heads
 * divide or are replicated (tp a multiple of them): 32 query, 8 KV heads take tp 1, 2, 4, 8, 16,
 * 32, not 6 (32 % 6) or 12 (8 % 12 and 12 % 8); 40 query, 10 KV heads (Phi-3-medium) take 5 and 10
 * but not 8 (10 % 8, 8 % 10); MLA's one latent is replicated at any tp that divides the heads;
 * attention DP beside expert parallelism splits no heads. */
static void tp_divides_or_replicates_kv_heads(void **state)
{
    (void)state;
    sp_model m = llama8b();
    sp_serve_config c = config(1);
    const double yes[] = {1, 2, 4, 8, 16, 32}, no[] = {3, 6, 12, 64};
    for (size_t i = 0; i < 6; i++)
        assert_true(sp_serve_tp_splits_model(&m, &c, yes[i]));
    for (size_t i = 0; i < 4; i++)
        assert_false(sp_serve_tp_splits_model(&m, &c, no[i]));
    sp_model phi;
    sp_model_from_shape(&phi, 40, 5120, 40, 10, 17920, SP_FFN_SWIGLU, 32064, 4096);
    assert_true(sp_serve_tp_splits_model(&phi, &c, 5));
    assert_true(sp_serve_tp_splits_model(&phi, &c, 10));
    assert_false(sp_serve_tp_splits_model(&phi, &c, 8));
    phi.kv_lora_rank = 512; /* an MLA-like cache: one latent a token */
    assert_true(sp_serve_tp_splits_model(&phi, &c, 8));
    c.expert_parallel = c.attention_dp = true;
    assert_true(sp_serve_tp_splits_model(&m, &c, 6));
}

/* An MoE prompt of 512 tokens routes to nearly every expert, so a lone prompt's prefill is bound
 * by reading them all; an iteration reads them once for every prompt and decode in it. The load
 * simulation charges prompt tokens their share of a chunk's worth, so a replica at 90% of its
 * steady capacity keeps first tokens near the steady figure (charged the lone prompt's rate, it
 * queued for tens of seconds: a Qwen3-30B-A3B-like replica read 36 s at the median). */
static void moe_prompts_share_the_weights_read(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 24, 2048, 32, 4, 768, SP_FFN_SWIGLU, 151936, 4096);
    m.experts = 128;
    m.experts_per_token = 8;
    sp_accel a = toy();
    sp_serve_config c = config(0);
    sp_serve_result steady, loaded;
    sp_error err;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &steady, &err), SP_OK);
    assert_true(steady.fits && steady.requests_per_s > 0);
    c.qps = 0.9 * steady.requests_per_s;
    c.percentile = 95;
    c.replicas = 1;
    c.route_choices = 1;
    assert_int_equal(sp_serve_estimate(&m, &a, &c, &MEM, &PERF, &loaded, &err), SP_OK);
    assert_true(loaded.ttft_load_s.p50 < 3.0 * steady.ttft_s);
    assert_true(loaded.tpot_load_s.p50 < 1.2 * steady.tpot_s);
}

/* A drawn request past the engine's --max-model-len is cut to fit, the prompt first, as a client
 * truncates what vLLM would refuse: 100 prompt + 50 output tokens under a limit of 60 keep their 50
 * and prefill 10 prompt tokens, 0.1 s at 10 ms a token against 1 s for the whole prompt (a replica
 * at a trickle of requests: each alone on it). */
static void prompts_past_the_engine_limit_are_cut(void **state)
{
    (void)state;
    static double steps[8];
    for (size_t b = 0; b < 8; b++)
        steps[b] = 0.001;
    sp_sim_input in = {steps, 8, 0.010, 8192, 0.001, 100, 50, 0, 0, 200, 7, 1, 1, 1, 0, 1, 0, 0, 0, 0};
    sp_sim_result whole, cut;
    assert_true(sp_serve_simulate(&in, &whole));
    in.max_tokens = 60;
    assert_true(sp_serve_simulate(&in, &cut));
    assert_true(fabs(whole.ttft_s.p50 - 1.0) < 1e-6);
    assert_true(fabs(cut.ttft_s.p50 - 0.1) < 1e-6);
}

/* Replicas a server runs as data-parallel workers on a part rented 8 GPUs to an instance: four tp-2
 * replicas of a dense model share one vllm serve (--data-parallel-size 4) or one SGLang server
 * (--dp-size 4); an MoE's vLLM ranks step together (one DP x TP expert group), so one server a
 * replica; trtllm-serve has no data-parallel workers; a pinned count, an odd fill or data-parallel
 * attention keeps one server a replica. */
static void replicas_per_server(void **state)
{
    (void)state;
    sp_serve_config c = config(2);
    sp_serve_result r = {0};
    r.tp = 2;
    r.pp = 1;
    r.replicas = 8;
    r.instance_gpus = 8;
    r.nodes_per_replica = 1;
    assert_true(sp_replicas_per_server(SP_ENGINE_RAY_SERVE_VLLM, false, &c, &r) == 4);
    assert_true(sp_replicas_per_server(SP_ENGINE_SGLANG, false, &c, &r) == 4);
    assert_true(sp_replicas_per_server(SP_ENGINE_RAY_SERVE_VLLM, true, &c, &r) == 1);
    assert_true(sp_replicas_per_server(SP_ENGINE_SGLANG, true, &c, &r) == 4);
    assert_true(sp_replicas_per_server(SP_ENGINE_TRTLLM, false, &c, &r) == 1);
    r.replicas = 6; /* 6 replicas of 2 do not fill 8-GPU instances in fours */
    assert_true(sp_replicas_per_server(SP_ENGINE_RAY_SERVE_VLLM, false, &c, &r) == 1);
    r.replicas = 8;
    c.replicas = 8; /* pinned: each replica its own server */
    assert_true(sp_replicas_per_server(SP_ENGINE_RAY_SERVE_VLLM, false, &c, &r) == 1);
    c.replicas = 0;
    c.expert_parallel = c.attention_dp = true;
    assert_true(sp_replicas_per_server(SP_ENGINE_SGLANG, true, &c, &r) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_reads_weights_and_cache), cmocka_unit_test(decode_attention_on_cuda_cores),
        cmocka_unit_test(decode_blocks_per_head),
        cmocka_unit_test(throughput_accounting),
        cmocka_unit_test(max_batch_from_memory),
        cmocka_unit_test(plan_splits_what_does_not_fit),
        cmocka_unit_test(prefill_by_hand),
        cmocka_unit_test(coarse_fp8_tiles_idle_sms),
        cmocka_unit_test(moe_decode_grows_with_batch),
        cmocka_unit_test(assumed_lengths_admit_the_context),
        cmocka_unit_test(moe_split_left_open_takes_the_better),
        cmocka_unit_test(fp4_weights),
        cmocka_unit_test(expert_all_to_all_sends_own_tokens), cmocka_unit_test(moe_routing_reads_and_writes_tokens), cmocka_unit_test(attention_dp_passes_over_own_tokens),
        cmocka_unit_test(attention_dp_replicates_dense_mlps),
        cmocka_unit_test(closed_loop_waves), cmocka_unit_test(closed_loop_queues_past_the_batch), cmocka_unit_test(offline_run_in_batches),
        cmocka_unit_test(poisson_simulation), cmocka_unit_test(poisson_simulation_reaches_steady_state),
        cmocka_unit_test(cache_tokens_bound_admissions), cmocka_unit_test(lone_prompts_read_the_weights),
        cmocka_unit_test(simulation_saturates_at_the_steady_capacity),
        cmocka_unit_test(speculative_check_emits_its_acceptance),
        cmocka_unit_test(routing_keeps_requests_apart), cmocka_unit_test(multi_step_scheduling),
        cmocka_unit_test(speculative_decoding),
        cmocka_unit_test(draft_model_speculation),
        cmocka_unit_test(max_model_len_leaves_room_for_the_tail),
        cmocka_unit_test(graph_padding),
        cmocka_unit_test(speculation_under_load),
        cmocka_unit_test(expert_parallel_over_nodes),
        cmocka_unit_test(attention_dp_with_heads_tp_does_not_divide),
        cmocka_unit_test(engine_is_asked_for),
        cmocka_unit_test(replicas_per_server),
        cmocka_unit_test(lora_slots_by_hand),
        cmocka_unit_test(prefix_cache),
        cmocka_unit_test(launch_line_into_short_buffer),
        cmocka_unit_test(workload_presets),
        cmocka_unit_test(fp4_gemm_share_scales_fp4_gemms_only),
        cmocka_unit_test(tp_divides_or_replicates_kv_heads),
        cmocka_unit_test(moe_prompts_share_the_weights_read),
        cmocka_unit_test(prompts_past_the_engine_limit_are_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
