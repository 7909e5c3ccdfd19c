/* Unit tests of the sizing estimator against hand-derived values (seed 41.5). */
#include "test_support.h"

#include <stdlib.h>

static sp_rules RULES; /* loaded once from the bundled data/ (the seed's constants) */

static int load_rules(void **state)
{
    (void)state;
    sp_error err;
    return sp_rules_load(SP_DATA_DIR, &RULES, &err) == SP_OK ? 0 : -1;
}

static sp_profile profile(const char *name, double params_b, double data_tb, double qps,
                          double hours, double budget)
{
    sp_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    p.params_b = params_b;
    p.data_tb = data_tb;
    p.qps = qps;
    p.train_hours = hours;
    p.budget_usd = budget;
    p.line = 1;
    return p;
}

static sp_profile with_axis(sp_profile p, sp_axis axis)
{
    p.axis = axis;
    p.has_axis = true;
    return p;
}

static sp_plan plan_of(const sp_profile *p, bool classic)
{
    sp_plan_options options = SP_PLAN_OPTIONS_INIT;
    options.classic = classic;
    sp_plan out;
    sp_error err;
    assert_int_equal(sp_plan_profile(p, &RULES, &options, &out, &err), SP_OK);
    return out;
}

/* Seed A: 7 B x 16 = 112 GB -> ceil(112/80) = 2 GPUs, 1 node; 2 x 2.5 x 30 = $150; local. */
static void seed_a(void **state)
{
    (void)state;
    sp_profile p = with_axis(profile("A", 7, 0.02, 0, 30, 5000), SP_AXIS_TRAINING);
    sp_plan c = plan_of(&p, true);
    assert_close(c.memory_gb, 112.0);
    assert_close(c.gpus_for_model, 2.0);
    assert_close(c.gpus, 2.0);
    assert_close(c.nodes, 1.0);
    assert_close(c.cost.raw_usd, 150.0);
    assert_int_equal(c.tier, SP_TIER_LOCAL);
    assert_int_equal(c.launcher, SP_LAUNCH_TORCHRUN);
    /* The plan keeps the numbers and warns: 112 GB of state cannot sit on one 80 GB GPU under DDP. */
    sp_plan full = plan_of(&p, false);
    assert_true(full.notes & SP_NOTE_TRAINING_NEEDS_SHARDING);
}

/* Seed B: 70 x 16 = 1120 GB -> 14 GPUs, 2 nodes; raw $14,000, managed $22,400 <= $200,000: the
 * seed's code says managed. (m-1) g c h = 0.6 x 14 x 2.5 x 400 = 8400 > 2400 = v T_ops: the
 * inequality says self, which the plan follows (self $16,400 spent as $14,000 cash); classic keeps
 * the seed's managed. */
static void seed_b(void **state)
{
    (void)state;
    sp_profile p = with_axis(profile("B", 70, 4, 0, 400, 200000), SP_AXIS_MODEL);
    sp_plan c = plan_of(&p, false);
    assert_close(c.gpus, 14.0);
    assert_close(c.nodes, 2.0);
    assert_close(c.cost.managed_usd, 22400.0);
    assert_false(c.buy_by_inequality);
    assert_int_equal(c.tier, SP_TIER_SELF);
    assert_int_equal(c.tier_reason, SP_TIER_WHY_SELF_CHEAPER);
    assert_close(c.cost.self_usd, 16400.0);
    assert_close(c.spend_usd, 14000.0);
    assert_int_equal(c.launcher, SP_LAUNCH_SLURM);
    sp_plan seed = plan_of(&p, true);
    assert_int_equal(seed.tier, SP_TIER_MANAGED);
    assert_close(seed.spend_usd, 22400.0);
}

/* Seed C (classic): 13 x 16 = 208 GB -> 3; 600/40 = 15 replicas -> 15 GPUs, 2 nodes;
 * raw 15 x 2.5 x 720 = $27,000; managed $43,200 > $40,000: self-managed. */
static void seed_c(void **state)
{
    (void)state;
    sp_profile p = with_axis(profile("C", 13, 0, 600, 720, 40000), SP_AXIS_SERVING);
    sp_plan c = plan_of(&p, true);
    assert_close(c.gpus_for_model, 3.0);
    assert_close(c.gpus_for_qps, 15.0);
    assert_close(c.gpus, 15.0);
    assert_close(c.nodes, 2.0);
    assert_close(c.cost.raw_usd, 27000.0);
    assert_int_equal(c.tier, SP_TIER_SELF);
    assert_int_equal(c.tier_reason, SP_TIER_WHY_OVER_BUDGET);
    /* The plan serves bf16 weights: 13 x 2 = 26 GB -> one GPU per replica. */
    sp_plan full = plan_of(&p, false);
    assert_int_equal(full.mode, SP_MODE_INFER);
    assert_close(full.gpus_for_model, 1.0);
}

/* Seed D: no model -> the seed's floor of 1 GPU; 30 TB > 1 TB so not local; $48 managed fits. */
static void seed_d(void **state)
{
    (void)state;
    sp_profile p = with_axis(profile("D", 0, 30, 0, 12, 2000), SP_AXIS_DATA);
    sp_plan c = plan_of(&p, true);
    assert_close(c.gpus_for_model, 1.0);
    assert_close(c.gpus, 1.0);
    assert_close(c.cost.raw_usd, 30.0);
    assert_int_equal(c.tier, SP_TIER_MANAGED);
    sp_plan full = plan_of(&p, false);
    assert_close(full.gpus_for_model, 0.0);
    assert_true(full.notes & SP_NOTE_DATA_GPU_FLOOR);
}

/* Exercise 2: 70 B served at 200 qps: 70 x 2 = 140 GB -> 2 GPUs; 200/40 = 5; the exercise's
 * modified helper would provision max(2, 5) = 5 GPUs, 2.5 replicas of 2; the plan deploys whole
 * replicas, 3 x 2 = 6 GPUs on 1 node. Trained instead: 70 x 16 = 1120 GB -> 14 GPUs. */
static void exercise2_serving_70b(void **state)
{
    (void)state;
    sp_profile p = with_axis(profile("E", 70, 0, 200, 720, 100000), SP_AXIS_SERVING);
    sp_plan s = plan_of(&p, false);
    assert_close(s.memory_gb, 140.0);
    assert_close(s.gpus_for_model, 2.0);
    assert_close(s.gpus_for_qps, 5.0);
    assert_close(s.gpus, 6.0);
    assert_close(s.nodes, 1.0);
    assert_true(s.notes & SP_NOTE_REPLICA_SPANS_GPUS);
    p.mode = SP_MODE_TRAIN;
    p.has_mode = true;
    sp_plan t = plan_of(&p, false);
    assert_close(t.gpus_for_model, 14.0);
    /* 120 B x 2 = 240 GB -> 3 GPUs a replica; 600/40 = 15 GPUs, 5 replicas; a replica stays in a
     * node, 2 of them to an 8-GPU node: 3 nodes, not ceil(15/8) = 2. */
    sp_profile wide = with_axis(profile("wide", 120, 0, 600, 720, 1e6), SP_AXIS_SERVING);
    sp_plan w = plan_of(&wide, false);
    assert_close(w.gpus, 15.0);
    assert_close(w.nodes, 3.0);
}

/* 80.5 GB on 80 GB GPUs needs 2; the seed's int() makes it 80 -> 1. 240 GB is exactly 3. */
static void exact_ceiling(void **state)
{
    (void)state;
    sp_profile p = profile("x", 0, 0, 0, 10, 1000);
    p.has_memory_gb = true;
    p.memory_gb = 80.5;
    sp_plan a = plan_of(&p, false);
    assert_close(a.gpus_for_model, 2.0);
    assert_true(a.notes & SP_NOTE_SEED_TRUNCATION);
    p.memory_gb = 240;
    sp_plan b = plan_of(&p, false);
    assert_close(b.gpus_for_model, 3.0);
    assert_false(b.notes & SP_NOTE_SEED_TRUNCATION);
}

/* Exercise 1's sketches: (a) 240 GB -> model, (b) data only -> data, (c) qps -> serving. */
static void infers_axis(void **state)
{
    (void)state;
    sp_profile a = profile("a", 0, 0, 0, 10, 1000);
    a.has_memory_gb = true;
    a.memory_gb = 240;
    assert_int_equal(plan_of(&a, false).axis, SP_AXIS_MODEL);
    assert_int_equal(plan_of(&a, false).axis_source, SP_AXIS_FROM_MEMORY);
    sp_profile b = profile("b", 0, 6, 0, 2, 1000);
    assert_int_equal(plan_of(&b, false).axis, SP_AXIS_DATA);
    sp_profile c = profile("c", 7, 0, 50, 720, 10000);
    sp_plan cp = plan_of(&c, false);
    assert_int_equal(cp.axis, SP_AXIS_SERVING);
    assert_close(cp.gpus_for_model, 1.0); /* 7 x 2 = 14 GB */
    assert_close(cp.gpus_for_qps, 2.0);   /* ceil(50/40) */
    sp_profile d = profile("d", 3, 0.1, 0, 10, 1000); /* 48 GB of state fits one GPU */
    assert_int_equal(plan_of(&d, false).axis, SP_AXIS_TRAINING);
    assert_int_equal(plan_of(&d, false).axis_source, SP_AXIS_BY_DEFAULT);
}

/* 40 GPUs = 5 nodes > 4 within budget: self-managed, too many nodes; Slurm launch line. */
static void too_many_nodes_for_managed(void **state)
{
    (void)state;
    sp_profile p = with_axis(profile("big", 0, 0, 0, 10, 1e9), SP_AXIS_MODEL);
    p.has_memory_gb = true;
    p.memory_gb = 40 * 80;
    sp_plan c = plan_of(&p, false);
    assert_close(c.gpus, 40.0);
    assert_close(c.nodes, 5.0);
    assert_int_equal(c.tier, SP_TIER_SELF);
    assert_int_equal(c.tier_reason, SP_TIER_WHY_TOO_MANY_NODES);
    assert_int_equal(c.launcher, SP_LAUNCH_SLURM);
    char line[1024];
    sp_launch_line(&c, line, sizeof line);
    assert_non_null(strstr(line, "sbatch --nodes=5 --gpus-per-node=8"));
    assert_non_null(strstr(line, "srun torchrun --nnodes=5 --nproc_per_node=8"));
    assert_non_null(strstr(line, "--rdzv_backend=c10d"));
}

/* A profile override wins over the data file's default. */
static void overrides_apply(void **state)
{
    (void)state;
    sp_profile p = with_axis(profile("o", 7, 0, 0, 10, 1000), SP_AXIS_MODEL);
    p.knobs.gpu_mem_gb = 40;
    p.knobs_set = SP_SET_GPU_MEM_GB;
    sp_plan c = plan_of(&p, false);
    assert_close(c.knobs.gpu_mem_gb, 40.0);
    assert_close(c.gpus_for_model, 3.0); /* ceil(112 / 40) */
    assert_close(c.knobs.usd_per_gpu_hour, 2.5);
}

static void rejects_unusable_numbers(void **state)
{
    (void)state;
    sp_plan out;
    sp_error err;
    sp_profile p = profile("bad", NAN, 0, 0, 10, 100);
    assert_int_equal(sp_plan_profile(&p, &RULES, NULL, &out, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "params_b");
    p = profile("bad", 7, 0, INFINITY, 10, 100);
    assert_int_equal(sp_plan_profile(&p, &RULES, NULL, &out, &err), SP_ERR_INPUT);
    p = profile("huge", 0, 0, 0, 10, 100);
    p.has_memory_gb = true;
    p.memory_gb = 1e12; /* 1.25e10 GPUs: sound numbers that no cluster holds */
    assert_int_equal(sp_plan_profile(&p, &RULES, NULL, &out, &err), SP_ERR_NO_PLAN);
    assert_string_equal(err.field, "memory_gb"); /* the key that asked for them */
    /* The plan is its reason alone, and it misses the whole request. */
    assert_true(out.no_plan);
    assert_string_equal(out.why_no_plan.field, "memory_gb");
    assert_int_equal(out.gpus, 0);
    assert_int_equal(sp_plan_misses(&out), SP_MISSES_PLAN);
    p = profile("classic needs an axis", 7, 0, 0, 10, 100);
    sp_plan_options classic = SP_PLAN_OPTIONS_INIT;
    classic.classic = true;
    assert_int_equal(sp_plan_profile(&p, &RULES, &classic, &out, &err), SP_ERR_INPUT);
}

/* With a named model the plan asks the memory model for the fewest ZeRO-3 GPUs that fit:
 * the count it picks fits, one fewer does not. */
static void model_sizing_is_minimal(void **state)
{
    (void)state;
    sp_model m;
    sp_error err;
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, "llama-2-13b", &m, &err), SP_OK);
    sp_profile p = profile("m", 0, 0, 0, 10, 1e6);
    snprintf(p.model, sizeof p.model, "llama-2-13b");
    p.seq = 4096;
    sp_plan_options options = SP_PLAN_OPTIONS_INIT;
    options.model = &m;
    sp_plan out;
    assert_int_equal(sp_plan_profile(&p, &RULES, &options, &out, &err), SP_OK);
    assert_true(out.memory_from_model);
    assert_int_equal(out.axis, SP_AXIS_MODEL);
    double n = out.gpus_for_model;
    assert_true(n >= 2);
    sp_memory_constants k = sp_rules_memory_constants(&RULES);
    sp_mem_config c = out.mem_config;
    sp_memory mem;
    assert_int_equal(sp_memory_estimate(&m, &c, &k, 80e9, &mem, &err), SP_OK);
    assert_true(mem.fits);
    c.dp = n - 1;
    c.zero = n - 1 > 1 ? 3 : 0;
    assert_int_equal(sp_memory_estimate(&m, &c, &k, 80e9, &mem, &err), SP_OK);
    assert_false(mem.fits);
    assert_close(out.memory_gb, out.memory.total_bytes * n / 1e9);
}

/* Plans profile p on the catalog's model and part of those names (p names them too). */
static sp_plan plan_on(sp_profile *p, const char *model, const char *gpu)
{
    sp_model m;
    sp_error err;
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, model, &m, &err), SP_OK);
    sp_accel_catalog catalog;
    assert_int_equal(sp_accels_load(SP_DATA_DIR "/accelerators.yaml", &catalog, &err), SP_OK);
    snprintf(p->model, sizeof p->model, "%s", model);
    snprintf(p->gpu, sizeof p->gpu, "%s", gpu);
    sp_plan_options options = SP_PLAN_OPTIONS_INIT;
    options.model = &m;
    options.accel = sp_accel_find(&catalog, gpu);
    sp_plan out;
    assert_int_equal(sp_plan_profile(p, &RULES, &options, &out, &err), SP_OK);
    sp_accel_catalog_free(&catalog);
    return out;
}

/* A training budget no GPU count the run search tries can meet in time: the fastest run is
 * kept, with a warning that names the largest count tried (run_max_gpus, 65536). */
static void too_slow_run_names_the_largest_count(void **state)
{
    (void)state;
    sp_profile p = profile("fast", 0, 0, 0, 1e-6, 1e9); /* a millionth of an hour */
    sp_plan out = plan_on(&p, "gpt2", "a100-sxm-80gb");
    assert_true(out.timed);
    assert_true(out.notes & SP_NOTE_RUN_TOO_SLOW);
    assert_true(out.run.gpus <= RULES.limits.run_max_gpus);
    char text[512];
    sp_note_text(SP_NOTE_RUN_TOO_SLOW, &out, text, sizeof text);
    assert_non_null(strstr(text, "up to 65536 "));
}

/* A served DeepSeek-V3 profile without weight_dtype holds the checkpoint's fp8 weights, 671 GB
 * over one node of 8 H200s; weight_dtype: bf16 doubles them past one node (tp 8 x pp 2). */
static void served_checkpoint_keeps_its_format(void **state)
{
    (void)state;
    sp_profile p = with_axis(profile("dsv3", 0, 0, 5, 720, 1e6), SP_AXIS_SERVING);
    sp_plan out = plan_on(&p, "deepseek-v3", "h200-sxm-141gb");
    assert_int_equal(out.mem_config.weight_dtype, SP_DTYPE_FP8);
    assert_close(out.gpus, 8.0);
    p.weight_dtype = SP_DTYPE_BF16;
    p.has_weight_dtype = true;
    out = plan_on(&p, "deepseek-v3", "h200-sxm-141gb");
    assert_int_equal(out.mem_config.weight_dtype, SP_DTYPE_BF16);
    assert_close(out.gpus, 16.0);
}

/* A rules directory whose frameworks.yaml pins torch twice is refused at the second pin. */
static void rules_refuse_a_twice_pinned_framework(void **state)
{
    (void)state;
    char dir[] = "/tmp/stackplan-rules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *copied[] = {"defaults.yaml", "axes.yaml", "perf.yaml"};
    char from[512], to[512], command[1200];
    for (size_t i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s/%s", SP_DATA_DIR, copied[i]);
        snprintf(to, sizeof to, "%s/%s", dir, copied[i]);
        snprintf(command, sizeof command, "cp '%s' '%s'", from, to);
        assert_int_equal(system(command), 0);
    }
    snprintf(to, sizeof to, "%s/frameworks.yaml", dir);
    FILE *f = fopen(to, "w");
    assert_non_null(f);
    fputs("- {name: torch, version: 2.15.0, released: 2026-10, source: a}\n"
          "- {name: torch, version: 2.14.0, released: 2026-06, source: b}\n",
          f);
    fclose(f);
    sp_rules rules;
    sp_error err;
    assert_int_equal(sp_rules_load(dir, &rules, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "name");
    assert_int_equal(err.line, 2);
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_a),
        cmocka_unit_test(seed_b),
        cmocka_unit_test(seed_c),
        cmocka_unit_test(seed_d),
        cmocka_unit_test(exercise2_serving_70b),
        cmocka_unit_test(exact_ceiling),
        cmocka_unit_test(infers_axis),
        cmocka_unit_test(too_many_nodes_for_managed),
        cmocka_unit_test(overrides_apply),
        cmocka_unit_test(rejects_unusable_numbers),
        cmocka_unit_test(model_sizing_is_minimal),
        cmocka_unit_test(rules_refuse_a_twice_pinned_framework),
        cmocka_unit_test(too_slow_run_names_the_largest_count),
        cmocka_unit_test(served_checkpoint_keeps_its_format),
    };
    return cmocka_run_group_tests(tests, load_rules, NULL);
}
