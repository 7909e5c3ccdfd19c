/* Unit tests of the fine-tuning model against hand-derived values. */
#include "test_support.h"

/* No context, no fragmentation; bitsandbytes blocks of 64 and 256, GPTQ groups of 128; no loss. */
static const sp_ft_constants BARE = {0, 0, 0, 64, 256, 128, 0, 0};
static const sp_perf_constants PERF = TEST_PERF;

static sp_model llama2_7b(void)
{
    sp_model m;
    sp_model_from_shape(&m, 32, 4096, 32, 32, 11008, SP_FFN_SWIGLU, 32000, 4096);
    snprintf(m.name, sizeof m.name, "llama-2-7b");
    return m;
}

/* all-linear names gate only where the MLP is gated: GPT-2's GELU MLP has up and down. */
static void group_targets_follow_the_model(void **state)
{
    (void)state;
    sp_model llama = llama2_7b(), gelu;
    sp_model_from_shape(&gelu, 12, 768, 12, 12, 3072, SP_FFN_GELU, 50257, 1024);
    assert_int_equal(sp_ft_targets_of(&llama, SP_TARGET_ALL), SP_TARGET_ALL);
    assert_int_equal(sp_ft_targets_of(&gelu, SP_TARGET_ALL), SP_TARGET_ALL & ~SP_TARGET_GATE);
    assert_int_equal(sp_ft_targets_of(&gelu, SP_TARGET_MLP), SP_TARGET_UP | SP_TARGET_DOWN);
}

/* litgpt's resource table: rank 8 on query and value of Llama 2 7B trains 4,194,304 parameters:
 * 32 layers x 2 targets x 8 x (4096 + 4096). DoRA adds a magnitude per output: 32 x 2 x 4096. */
static void adapter_counts(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.targets = SP_TARGET_Q | SP_TARGET_V;
    assert_close(sp_ft_adapter_params(&m, &c), 4194304.0);
    c.method = SP_METHOD_DORA;
    assert_close(sp_ft_adapter_params(&m, &c), 4194304.0 + 262144.0);
    c.method = SP_METHOD_FULL;
    assert_close(sp_ft_adapter_params(&m, &c), 0.0);
}

/* gpt-oss's experts are 3-D parameters (HF GptOssExperts), not nn.Linear: PEFT's targets reach its
 * attention alone and bitsandbytes leaves the experts 16-bit. A 2-layer model of 4 experts, hidden
 * 64 (4 heads of 16), ffn 32: rank 8 on q, k, v, o is 2 x 8 x 4 x (64 + 64) = 8192 parameters, not
 * the 8192 + 2 x 4 experts x 8 x 3 x (64 + 32) = 26624 of separate linears; the experts'
 * 2 x 4 x 3 x 64 x 32 = 49152 weights take 2 bytes, not NF4's 0.5 and 1/16 of constants. */
static void fused_experts_stay_whole(void **state)
{
    (void)state;
    sp_model linears;
    sp_model_from_shape(&linears, 2, 64, 4, 4, 32, SP_FFN_SWIGLU, 100, 128);
    linears.experts = 4;
    linears.experts_per_token = 2;
    sp_model fused = linears;
    fused.experts_fused = true;
    assert_int_equal(sp_ft_targets_of(&fused, SP_TARGET_ALL), SP_TARGET_Q | SP_TARGET_K | SP_TARGET_V | SP_TARGET_O);
    assert_int_equal(sp_ft_targets_of(&linears, SP_TARGET_ALL), SP_TARGET_ALL);
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.targets = SP_TARGET_ALL;
    assert_close(sp_ft_adapter_params(&fused, &c), 8192.0);
    assert_close(sp_ft_adapter_params(&linears, &c), 26624.0);
    /* Targets that name only the fused experts train nothing: refused at the flag. */
    sp_ft_config mlp_only = c;
    mlp_only.targets = SP_TARGET_MLP;
    sp_error refused;
    assert_int_equal(sp_ft_config_check(&fused, &mlp_only, &refused), SP_ERR_INPUT);
    assert_string_equal(refused.field, "lora-targets");
    assert_int_equal(sp_ft_config_check(&linears, &mlp_only, &refused), SP_OK);
    c.method = SP_METHOD_QLORA;
    c.quant = SP_QUANT_NF4;
    c.double_quant = false;
    c.fp32_upcast = false;
    c.seq = 1;
    sp_ft_memory a, b;
    sp_error err;
    assert_int_equal(sp_ft_memory_estimate(&linears, &c, &BARE, 0, &a, &err), SP_OK);
    assert_int_equal(sp_ft_memory_estimate(&fused, &c, &BARE, 0, &b, &err), SP_OK);
    assert_close(b.base_bytes - a.base_bytes, 49152.0 * (2.0 - 0.5));
    assert_close(a.quant_constants_bytes - b.quant_constants_bytes, 49152.0 * 4.0 / 64.0);
}

/* One token, no checkpointing, no loss: the frozen base and the adapters' state dominate.
 * NF4: 0.5 B a weight of the block linears, an fp32 absmax per 64 (1/16 B), or with double
 * quantisation a byte per 64 and 4 B per 64 x 256. */
static void qlora_storage(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.method = SP_METHOD_QLORA;
    c.quant = SP_QUANT_NF4;
    c.double_quant = false;
    c.seq = 1;
    c.checkpointing = false;
    double linear = 32.0 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008);
    double rest = sp_model_params(&m) - linear;
    sp_ft_memory mem;
    sp_error err;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &mem, &err), SP_OK);
    assert_close(mem.base_bytes, linear * 0.5 + rest * 2.0);
    assert_close(mem.quant_constants_bytes, linear * 4.0 / 64.0);
    c.double_quant = true;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &mem, &err), SP_OK);
    assert_close(mem.quant_constants_bytes, linear * (1.0 / 64.0 + 4.0 / (64.0 * 256.0)));
    /* Pure bf16 adapters with AdamW: 2 B weights, 2 B gradients, 2 x 2 B moments. */
    double adapters = sp_ft_adapter_params(&m, &c);
    assert_close(mem.trainable_bytes, 2.0 * adapters);
    assert_close(mem.optimizer_bytes, 4.0 * adapters);
    /* FSDP over 4 GPUs shards the packed weights, not bitsandbytes' QuantState: the constants stay
     * whole on every rank, and on the GPU when the parameters are offloaded. */
    double constants = mem.quant_constants_bytes;
    c.gpus = 4;
    c.fsdp = true;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &mem, &err), SP_OK);
    assert_close(mem.base_bytes, (linear * 0.5 + rest * 2.0) / 4.0);
    assert_close(mem.quant_constants_bytes, constants);
    c.offload = SP_OFFLOAD_PARAMS;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &mem, &err), SP_OK);
    assert_close(mem.base_bytes, 0.0);
    assert_close(mem.quant_constants_bytes, constants);
}

/* A full pure-bf16 AdamW fine-tune of a tiny model peaks in the optimizer step: weights 2,
 * gradients 2, moments 4 and foreach AdamW's sqrt temporary 2: 10 B a parameter. FSDP over
 * 4 GPUs divides all of it by 4. */
static void full_peak_in_optimizer_step(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 8, 64, 4, 4, 256, SP_FFN_SWIGLU, 1000, 128);
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.method = SP_METHOD_FULL;
    c.seq = 1;
    c.checkpointing = false;
    sp_ft_memory mem;
    sp_error err;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &mem, &err), SP_OK);
    double p = sp_model_params(&m);
    assert_true(mem.peak_in_optimizer_step);
    assert_close(mem.allocated_bytes, 10.0 * p);
    c.gpus = 4;
    c.fsdp = true;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &mem, &err), SP_OK);
    assert_close(mem.allocated_bytes, 10.0 * p / 4.0);
}

/* Checkpointing keeps one hidden vector a token a layer (2 B) and the loss is never live with
 * the rebuilt block: saved + max(rebuilt, logits). */
static void checkpointing_and_logits(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_ft_constants k = BARE;
    k.loss_bytes_per_logit = 14;
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.micro_batch = 2;
    c.seq = 1000;
    sp_ft_memory mem;
    sp_error err;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, 0, &mem, &err), SP_OK);
    assert_close(mem.logits_bytes, 2000.0 * 32000 * 14);
    assert_true(mem.activations_bytes >= 32.0 * 4096 * 2 * 2000);
    c.checkpointing = false;
    sp_ft_memory whole;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, 0, &whole, &err), SP_OK);
    assert_true(whole.activations_bytes > 5.0 * mem.activations_bytes);
}

/* A job fits when its live tensors and the CUDA context do (the allocator frees its cache before
 * it fails); the largest micro-batch is the last that does; with no card the reserve is 1.5x.
 * Tight: the job fits but the 1.5x reserve and the context do not. At exactly 1.5 x allocated +
 * context the fit has room, a byte less and it is tight, so the largest roomy micro-batch is 0
 * there (micro-batch 1 already tight) and 1 once the card holds its reserve. */
static void fit_tight_and_largest_batch(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_ft_constants k = BARE;
    k.cuda_context_bytes = 1e9;
    k.fragmentation = 0.5;
    sp_ft_config c = SP_FT_CONFIG_INIT;
    sp_ft_memory mem, unbounded;
    sp_error err;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, 0, &unbounded, &err), SP_OK);
    assert_false(unbounded.fits || unbounded.tight); /* no card: nothing fits, nothing is tight */
    assert_close(unbounded.device_bytes, unbounded.allocated_bytes * 1.5 + 1e9);
    assert_close(unbounded.unbounded_reserved_bytes, unbounded.allocated_bytes * 1.5);
    double capacity = unbounded.allocated_bytes + 1e9, roomy = unbounded.device_bytes;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, capacity, &mem, &err), SP_OK);
    assert_true(mem.fits && mem.tight);
    /* At capacity the reserve is what is live: the device shows all of the card. */
    assert_close(mem.device_bytes, capacity);
    assert_true(sp_ft_max_micro_batch(&m, &c, &k, capacity) == 1);
    assert_true(sp_ft_max_micro_batch(&m, &c, &k, capacity - 1) == 0);
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, roomy, &mem, &err), SP_OK);
    assert_true(mem.fits && !mem.tight);
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, roomy - 1, &mem, &err), SP_OK);
    assert_true(mem.fits && mem.tight);
    assert_true(sp_ft_max_roomy_micro_batch(&m, &c, &k, roomy - 1) == 0);
    assert_true(sp_ft_max_roomy_micro_batch(&m, &c, &k, roomy) == 1);
}

static void expect_error(const sp_model *m, const sp_ft_config *c, const char *field)
{
    sp_ft_memory mem;
    sp_error err;
    sp_error_clear(&err);
    assert_int_equal(sp_ft_memory_estimate(m, c, &BARE, 0, &mem, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, field);
}

static void bad_configs(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.lora_rank = 0;
    expect_error(&m, &c, "lora-rank");
    c.lora_rank = 4097;
    expect_error(&m, &c, "lora-rank");
    c = (sp_ft_config)SP_FT_CONFIG_INIT;
    c.method = SP_METHOD_FULL;
    c.quant = SP_QUANT_NF4;
    expect_error(&m, &c, "quant");
    c = (sp_ft_config)SP_FT_CONFIG_INIT;
    c.method = SP_METHOD_QLORA;
    expect_error(&m, &c, "quant");
    c.quant = SP_QUANT_NF4;
    c.precision = SP_PREC_FP8;
    expect_error(&m, &c, "precision");
    sp_model gpt;
    sp_model_from_shape(&gpt, 12, 768, 12, 12, 3072, SP_FFN_GELU, 50257, 1024);
    c = (sp_ft_config)SP_FT_CONFIG_INIT;
    c.targets = SP_TARGET_GATE;
    expect_error(&gpt, &c, "lora-targets");
    c = (sp_ft_config)SP_FT_CONFIG_INIT;
    c.offload = SP_OFFLOAD_OPTIMIZER;
    c.host_bytes = 1;
    expect_error(&m, &c, "offload");
}

static void target_words(void **state)
{
    (void)state;
    unsigned bits = 0;
    char bad[16];
    assert_true(sp_targets_parse("q_proj,v_proj", &bits, bad, sizeof bad));
    assert_int_equal(bits, SP_TARGET_Q | SP_TARGET_V);
    assert_true(sp_targets_parse("attn,down", &bits, bad, sizeof bad));
    assert_int_equal(bits, SP_TARGET_ATTN | SP_TARGET_DOWN);
    assert_true(sp_targets_parse("all-linear", &bits, bad, sizeof bad));
    assert_int_equal(bits, SP_TARGET_ALL);
    assert_false(sp_targets_parse("q,lm_head", &bits, bad, sizeof bad));
    assert_string_equal(bad, "lm_head");
    assert_false(sp_targets_parse("q,", &bits, bad, sizeof bad));
    char text[64];
    assert_int_equal(sp_targets_text(SP_TARGET_ALL, text, sizeof text), (int)strlen("q,k,v,o,gate,up,down"));
    assert_string_equal(text, "q,k,v,o,gate,up,down");
}

/* A frozen base skips the weight-gradient GEMMs, so LoRA's step is shorter than the full
 * fine-tune's on the same GPU; checkpointing adds a forward. */
static void frozen_base_is_faster(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_accel a = test_accel(80e9, 2e12, 300e12, 300e9, 25e9, 2.0);
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.checkpointing = false;
    sp_ft_step lora, full, ckpt;
    sp_error err;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &PERF, &lora, &err), SP_OK);
    c.checkpointing = true;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &PERF, &ckpt, &err), SP_OK);
    c.method = SP_METHOD_FULL;
    c.checkpointing = false;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &PERF, &full, &err), SP_OK);
    assert_true(lora.step_time_s < full.step_time_s);
    assert_true(ckpt.recompute_s > 0 && ckpt.step_time_s > lora.step_time_s);
    assert_close(lora.tokens_per_s_per_gpu, 2048.0 / lora.step_time_s);
}

/* DoRA's weight norm, by hand for Llama 2 7B with adapters on q and v (two 4096 x 4096 weights, 4096
 * outputs each) at 2048 tokens in bf16: 32 layers x (2 x 4096^2 x 14 bytes + 5 x 2048 x 8192 x 2) in
 * the forward, 32 x 10 x 2048 x 8192 x 2 in the backward, over the card's sustained HBM rate; the
 * forward twice under checkpointing; nothing for LoRA. */
static void dora_norms_by_hand(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_accel a = test_accel(80e9, 2e12, 300e12, 300e9, 25e9, 2.0);
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.targets = SP_TARGET_Q | SP_TARGET_V;
    c.micro_batch = 1;
    c.seq = 2048;
    c.checkpointing = false;
    sp_ft_step lora, dora, ckpt;
    sp_error err;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &PERF, &lora, &err), SP_OK);
    c.method = SP_METHOD_DORA;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &PERF, &dora, &err), SP_OK);
    c.checkpointing = true;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &PERF, &ckpt, &err), SP_OK);
    double hbm = a.hbm_bytes_per_s * PERF.memory_efficiency;
    double forward = 32.0 * (2.0 * 4096.0 * 4096.0 * 14.0 + 5.0 * 2048.0 * 8192.0 * 2.0) / hbm;
    double backward = 32.0 * 10.0 * 2048.0 * 8192.0 * 2.0 / hbm;
    assert_true(lora.dora_s == 0);
    assert_close(dora.dora_s, forward + backward);
    assert_close(ckpt.dora_s, 2.0 * forward + backward);
    assert_true(dora.step_time_s > lora.step_time_s);
}

/* Eager launches floor a micro-step: at 1 ms a layer and pass, Llama 2 7B's 32 layers with
 * checkpointing (forward, recompute, backward) take 96 ms of host time, more than a 64-token
 * micro-step's GPU work, so the GPU waits 96 ms less its own busy time; fused kernels lift it. */
static void eager_launches_floor_a_micro_step(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_accel a = test_accel(80e9, 2e12, 300e12, 300e9, 25e9, 2.0);
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.seq = 64;
    c.micro_batch = 1;
    sp_perf_constants perf = PERF;
    perf.eager_host_s_per_layer_pass = 1e-3;
    sp_ft_step eager, fused;
    sp_error err;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &perf, &eager, &err), SP_OK);
    double busy = eager.compute_s + eager.recompute_s + eager.dequant_s;
    assert_true(busy < 96e-3);
    assert_close(eager.host_wait_s, 96e-3 - busy);
    assert_close(eager.step_time_s, 96e-3 + eager.comm_s + eager.offload_s + eager.optimizer_s);
    c.fused_kernels = true;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &perf, &fused, &err), SP_OK);
    assert_true(fused.host_wait_s == 0 && fused.step_time_s < eager.step_time_s);
    /* Without checkpointing two passes: 64 ms. */
    c.fused_kernels = false;
    c.checkpointing = false;
    assert_int_equal(sp_ft_step_estimate(&m, &a, &c, &BARE, &perf, &eager, &err), SP_OK);
    assert_close(eager.host_wait_s + eager.compute_s + eager.dequant_s, 64e-3);
}

/* The search keeps per card and method the count the rule prefers: within the deadline, then
 * cheaper, then faster. On a toy card at $1 a GPU-hour where collectives cost something (50%
 * contention, 1 ms a call), LoRA of Llama 2 7B on 1 GPU is cheapest without a deadline; a deadline
 * shorter than that run moves the pick to more GPUs. */
static void search_prefers_cheapest_within_deadline(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_accel a = test_accel(80e9, 2e12, 300e12, 300e9, 25e9, 1.0);
    const sp_accel *accels[1] = {&a};
    static sp_ft_request q;
    memset(&q, 0, sizeof q);
    sp_ft_config base = SP_FT_CONFIG_INIT;
    q.base = base;
    q.methods = SP_METHODS_LORA;
    q.gpus_min = 1;
    q.gpus_max = 8;
    q.max_micro_batch = 4;
    q.offload = -1;
    q.checkpointing = -1;
    q.tokens = 1e9;
    q.tokens_given = true;
    static sp_ft_result r;
    sp_error err;
    sp_perf_constants perf = PERF;
    perf.overlap_contention = 0.5;
    perf.collective_latency_s = 1e-3;
    assert_int_equal(sp_ft_search(&m, accels, 1, &q, &BARE, &perf, &r, &err), SP_OK);
    assert_int_equal(r.best, 0);
    assert_true(r.items[0].fits && r.items[0].meets);
    assert_close(r.items[0].config.gpus, 1.0);
    double one_gpu_hours = r.items[0].hours;
    assert_close(r.items[0].cost_usd, one_gpu_hours * 1.0);
    q.deadline_hours = one_gpu_hours / 3.0;
    assert_int_equal(sp_ft_search(&m, accels, 1, &q, &BARE, &perf, &r, &err), SP_OK);
    assert_true(r.items[0].meets);
    assert_true(r.items[0].config.gpus >= 4.0);
    assert_true(r.items[0].hours <= q.deadline_hours);
}

/* The search runs the largest micro-batch that leaves the allocator its reserve and keeps the
 * largest that fits as max_micro_batch: on a card sized for micro-batch 3's live tensors but only
 * micro-batch 2's 1.5x reserve, it runs 2 and reports at least 3. */
static void search_leaves_the_allocator_room(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_ft_constants k = BARE;
    k.fragmentation = 0.5;
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.checkpointing = true;
    sp_ft_memory two, three;
    sp_error err;
    c.micro_batch = 2;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, 0, &two, &err), SP_OK);
    c.micro_batch = 3;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, 0, &three, &err), SP_OK);
    double card = fmax(three.allocated_bytes, two.unbounded_reserved_bytes) * 1.001;
    assert_true(card < three.unbounded_reserved_bytes);
    sp_accel a = test_accel(card, 2e12, 300e12, 300e9, 25e9, 1.0);
    const sp_accel *accels[1] = {&a};
    static sp_ft_request q;
    memset(&q, 0, sizeof q);
    q.base = c;
    q.base.micro_batch = 1;
    q.methods = SP_METHODS_LORA;
    q.gpus_min = q.gpus_max = 1;
    q.max_micro_batch = 8;
    q.offload = 0;
    q.checkpointing = 1;
    q.tokens = 1e9;
    static sp_ft_result r;
    sp_perf_constants perf = PERF;
    perf.memory_headroom = 0;
    assert_int_equal(sp_ft_search(&m, accels, 1, &q, &k, &perf, &r, &err), SP_OK);
    assert_true(r.items[0].fits && !r.items[0].memory.tight);
    assert_close(r.items[0].config.micro_batch, 2.0);
    assert_true(r.items[0].max_micro_batch >= 3.0);
}

/* litgpt quantises after the 16-bit base is on the GPU: a QLoRA run's peak allocated is at least
 * 2 bytes a parameter (litgpt issue #1112), one GPU's share under FSDP; without 4-bit weights the
 * flag changes nothing. */
static void quantized_on_device_peaks_at_16_bits(void **state)
{
    (void)state;
    sp_model m;
    sp_model_from_shape(&m, 8, 2048, 16, 16, 5632, SP_FFN_SWIGLU, 1000, 2048);
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.method = SP_METHOD_QLORA;
    c.quant = SP_QUANT_NF4;
    c.seq = 256;
    sp_ft_memory plain, loaded;
    sp_error err;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &plain, &err), SP_OK);
    c.quantizes_on_device = true;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &loaded, &err), SP_OK);
    assert_true(plain.allocated_bytes < 2.0 * sp_model_params(&m));
    assert_close(loaded.allocated_bytes, 2.0 * sp_model_params(&m));
    c.fsdp = true; /* each of 4 GPUs quantises its shard: a quarter of the 16-bit model */
    c.gpus = 4;
    c.quantizes_on_device = false;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &plain, &err), SP_OK);
    c.quantizes_on_device = true;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &loaded, &err), SP_OK);
    assert_true(plain.allocated_bytes < 2.0 * sp_model_params(&m) / 4.0);
    assert_close(loaded.allocated_bytes, 2.0 * sp_model_params(&m) / 4.0);
    c.fsdp = false;
    c.gpus = 1;
    c.method = SP_METHOD_LORA;
    c.quant = SP_QUANT_NONE;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &loaded, &err), SP_OK);
    c.quantizes_on_device = false;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &BARE, 0, &plain, &err), SP_OK);
    assert_close(loaded.allocated_bytes, plain.allocated_bytes);
}

/* The estimate of c on llama2_7b with the BARE constants, which must succeed. */
static sp_ft_memory estimated(const sp_ft_config *c)
{
    sp_model m = llama2_7b();
    sp_ft_memory mem;
    sp_error err;
    assert_int_equal(sp_ft_memory_estimate(&m, c, &BARE, 0, &mem, &err), SP_OK);
    return mem;
}

/* A 4-bit base (quant) fine-tuned with adapters, sharded by FSDP over gpus (1: one GPU). */
static sp_ft_config quantized(sp_quant quant, double gpus)
{
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.method = SP_METHOD_QLORA;
    c.quant = quant;
    c.fsdp = gpus > 1;
    c.gpus = gpus;
    return c;
}

/* PEFT's fp32 upcast: on one GPU the norms, embeddings and head become fp32 (4 bytes where 2
 * were) and so does the residual stream each checkpoint keeps; TRL skips it for sharded QLoRA,
 * so under FSDP the flag changes nothing. */
static void fp32_upcast_only_unsharded(void **state)
{
    (void)state;
    sp_ft_config c = quantized(SP_QUANT_NF4, 1);
    c.seq = 1024;
    sp_ft_memory plain = estimated(&c);
    c.fp32_upcast = true;
    sp_ft_memory upcast = estimated(&c);
    /* the 16-bit parameters outside the linear layers: embeddings, head and two norms a layer
     * plus the final one, 2 more bytes each */
    double outside = 2.0 * 32000 * 4096 + (2.0 * 32 + 1) * 4096;
    assert_close(upcast.base_bytes - plain.base_bytes, 2.0 * outside);
    /* one checkpoint a layer, seq x hidden, at 4 bytes instead of 2 */
    assert_true(upcast.activations_bytes - plain.activations_bytes >= 32.0 * 1024 * 4096 * 2.0);
    c.fsdp = true;
    c.gpus = 2;
    upcast = estimated(&c);
    c.fp32_upcast = false;
    assert_close(upcast.allocated_bytes, estimated(&c).allocated_bytes);
}

/* A frozen fp32 base under autocast: torch caches the bf16 cast of a weight only while it requires
 * grad, so a LoRA's base is its 4 fp32 bytes when checkpointing rebuilds the casts a block at a
 * time or FSDP casts the gathered unit; without checkpointing autograd keeps every cast (6 bytes),
 * and a full fine-tune's trained weights keep their cached copies (6). The upcast flag touches a
 * quantised base only. */
static void autocast_caches_trained_weights_only(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    double params = sp_model_params(&m);
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.precision = SP_PREC_MIXED_BF16;
    assert_true(c.checkpointing);
    assert_close(estimated(&c).base_bytes, 4.0 * params);
    c.checkpointing = false;
    assert_close(estimated(&c).base_bytes, 6.0 * params);
    c.fsdp = true;
    c.gpus = 4;
    assert_close(estimated(&c).base_bytes, 4.0 * params / 4.0);
    c = (sp_ft_config)SP_FT_CONFIG_INIT;
    c.precision = SP_PREC_MIXED_BF16;
    c.method = SP_METHOD_FULL;
    assert_close(estimated(&c).base_bytes, 6.0 * params);
    c = (sp_ft_config)SP_FT_CONFIG_INIT;
    sp_ft_memory plain = estimated(&c);
    c.fp32_upcast = true;
    assert_close(estimated(&c).allocated_bytes, plain.allocated_bytes);
}

/* Fused kernels keep fewer tensors: the norm its bf16 input, not an fp32 copy (2 bytes less an
 * element, two norms a layer), SwiGLU gate and up but not silu(gate) (2 bytes an MLP element):
 * 32 layers x 1024 tokens x (2 x 2 x 4096 + 2 x 11008) bytes less, with no checkpointing. */
static void fused_kernels_keep_fewer_tensors(void **state)
{
    (void)state;
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.seq = 1024;
    c.checkpointing = false;
    sp_ft_memory eager = estimated(&c);
    c.fused_kernels = true;
    sp_ft_memory fused = estimated(&c);
    assert_close(eager.activations_bytes - fused.activations_bytes, 32.0 * 1024 * (2.0 * 2 * 4096 + 2.0 * 11008));
}

/* Chunked cross-entropy keeps 4 bytes a logit (data/defaults.yaml's chunked_loss_bytes_per_logit)
 * where Hugging Face's upcast loss keeps 14: 10 bytes x seq x vocab less at the loss. */
static void chunked_loss_drops_the_fp32_logits(void **state)
{
    (void)state;
    sp_model m = llama2_7b();
    sp_ft_constants k = BARE;
    k.loss_bytes_per_logit = 14;
    k.chunked_loss_bytes_per_logit = 4;
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.seq = 1024;
    sp_ft_memory full, chunked;
    sp_error err;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, 0, &full, &err), SP_OK);
    c.chunked_loss = true;
    assert_int_equal(sp_ft_memory_estimate(&m, &c, &k, 0, &chunked, &err), SP_OK);
    assert_true(chunked.allocated_bytes < full.allocated_bytes);
    assert_true(full.allocated_bytes - chunked.allocated_bytes <= 10.0 * 1024 * 32000 + 1.0);
}

/* A GPTQ base under FSDP: AutoGPTQ's buffers stay whole on every rank; made parameters (fms-
 * acceleration) they shard like any weight, constants included. */
static void gptq_shards_only_as_parameters(void **state)
{
    (void)state;
    sp_ft_config c = quantized(SP_QUANT_INT4, 4);
    sp_ft_memory whole = estimated(&c);
    c.gptq_as_parameters = true;
    sp_ft_memory sharded = estimated(&c);
    assert_close(sharded.base_bytes, whole.base_bytes / 4.0);
    assert_close(sharded.quant_constants_bytes, whole.quant_constants_bytes / 4.0);
}

/* FSDP1's reshard hooks on frozen units under Hugging Face's reentrant checkpointing keep every
 * block's input and its gradient to the end of the backward: (L - 2) hidden states a sequence more
 * than the usual peak (no loss in BARE, so the rebuilt block sets both). Not with the whole model
 * training, not on one GPU, not with the checkpointing inside the units. */
static void fsdp_holds_reentrant_inputs(void **state)
{
    (void)state;
    sp_ft_config c = quantized(SP_QUANT_NF4, 2);
    c.micro_batch = 2;
    c.seq = 4096;
    sp_ft_memory held = estimated(&c);
    c.reentrant_outside_fsdp = false;
    sp_ft_memory inside = estimated(&c);
    double expected = 30.0 * 2 * 4096 * 4096 * 2.0;
    assert_close(held.held_inputs_bytes, expected);
    assert_close(held.activations_bytes - inside.activations_bytes, expected);
    assert_true(inside.held_inputs_bytes == 0);
    c.reentrant_outside_fsdp = true;
    c.gpus = 1;
    assert_true(estimated(&c).held_inputs_bytes == 0);
    c.gpus = 2;
    c.method = SP_METHOD_FULL;
    c.quant = SP_QUANT_NONE;
    assert_true(estimated(&c).held_inputs_bytes == 0);
}

/* FSDP's gathers in the backward: two blocks unsharded (the current and the prefetched) and the
 * root unit, the embeddings and output layer FSDP1 never frees after the forward, each in a whole
 * buffer of its own beside the shard. */
static void fsdp_keeps_the_root_unit_whole(void **state)
{
    (void)state;
    sp_ft_config c = SP_FT_CONFIG_INIT;
    c.fsdp = true;
    c.gpus = 4;
    c.seq = 512;
    c.reentrant_outside_fsdp = false;
    sp_ft_memory mem = estimated(&c);
    assert_false(mem.peak_in_optimizer_step);
    /* a block's linears: q, k, v, o 4096 x 4096, gate, up, down 4096 x 11008, at 2 bytes */
    double embeddings = 2.0 * 32000 * 4096, block = (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008) * 2.0;
    double whole = 2.0 * block + embeddings * 2.0;
    assert_close(mem.transient_bytes, whole);
    /* offloaded, each gathered unit's shard is copied to the GPU first: a quarter more on 4 */
    c.offload = SP_OFFLOAD_PARAMS;
    assert_close(estimated(&c).transient_bytes, whole * 1.25);
    /* one GPU runs NO_SHARD: the copy is the unit */
    c.gpus = 1;
    assert_close(estimated(&c).transient_bytes, whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adapter_counts), cmocka_unit_test(group_targets_follow_the_model),         cmocka_unit_test(qlora_storage),
        cmocka_unit_test(quantized_on_device_peaks_at_16_bits), cmocka_unit_test(fp32_upcast_only_unsharded),
        cmocka_unit_test(gptq_shards_only_as_parameters), cmocka_unit_test(fsdp_holds_reentrant_inputs),
        cmocka_unit_test(fsdp_keeps_the_root_unit_whole),
        cmocka_unit_test(full_peak_in_optimizer_step), cmocka_unit_test(checkpointing_and_logits),
        cmocka_unit_test(fit_tight_and_largest_batch), cmocka_unit_test(bad_configs),
        cmocka_unit_test(target_words),           cmocka_unit_test(frozen_base_is_faster),
        cmocka_unit_test(dora_norms_by_hand),
        cmocka_unit_test(eager_launches_floor_a_micro_step),
        cmocka_unit_test(search_prefers_cheapest_within_deadline),
        cmocka_unit_test(search_leaves_the_allocator_room), cmocka_unit_test(autocast_caches_trained_weights_only),
        cmocka_unit_test(chunked_loss_drops_the_fp32_logits), cmocka_unit_test(fused_kernels_keep_fewer_tensors),
        cmocka_unit_test(fused_experts_stay_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
