/* Unit tests of the launch helpers: shell quoting, slugs, the artifact set. */
#include "test_support.h"

static void shell_quote_makes_one_word(void **state)
{
    (void)state;
    char buf[256];
    sp_shell_quote("train.py", buf, sizeof buf);
    assert_string_equal(buf, "'train.py'");
    sp_shell_quote("it's $(rm -rf ~) `x`", buf, sizeof buf);
    assert_string_equal(buf, "'it'\\''s $(rm -rf ~) `x`'");
    sp_shell_quote("", buf, sizeof buf);
    assert_string_equal(buf, "''");
}

static void slug_is_directory_safe(void **state)
{
    (void)state;
    char buf[64];
    sp_slug("A. Fine-tune a 7B model!", buf, sizeof buf);
    assert_string_equal(buf, "a-fine-tune-a-7b-model");
    sp_slug("../../etc/passwd", buf, sizeof buf);
    assert_string_equal(buf, "etc-passwd");
    sp_slug("!!!", buf, sizeof buf);
    assert_string_equal(buf, "profile");
    /* cut at the last whole word: 15 characters fit in 16 bytes, "on-20-gb" would take 16 */
    char small[16];
    sp_slug("Mistral 7B on 20 GB of dialogue", small, sizeof small);
    assert_string_equal(small, "mistral-7b-on");
    sp_slug("Supercalifragilistic", small, sizeof small); /* one word longer than it: its first 15 letters */
    assert_string_equal(small, "supercalifragil");
}

/* A self-managed training plan gets Slurm, the Kubernetes node script, Ray files, pinned
 * requirements and a manifest naming the Slurm launch; two nodes never get a one-node script. */
static void training_artifacts(void **state)
{
    (void)state;
    sp_rules rules;
    sp_error err;
    assert_int_equal(sp_rules_load(SP_DATA_DIR, &rules, &err), SP_OK);
    sp_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "Two nodes");
    p.has_memory_gb = true;
    p.memory_gb = 1200;
    p.axis = SP_AXIS_MODEL;
    p.has_axis = true;
    p.train_hours = 100;
    p.budget_usd = 5000;
    sp_plan plan;
    assert_int_equal(sp_plan_profile(&p, &rules, NULL, &plan, &err), SP_OK);
    assert_int_equal(plan.launcher, SP_LAUNCH_SLURM);
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    sp_artifact_set set;
    assert_int_equal(sp_launch_artifacts(&p, &plan, &rules, NULL, &o, NULL, 0, &set, &err), SP_OK);
    assert_string_equal(set.dir, "two-nodes");
    const char *expected[] = {"job.sbatch",   "node_run.sh", "pytorchjob.yaml", "cluster.yaml", "ray_train.py",
                              "ray.sh",       "requirements.txt", "README.md", "manifest.json"};
    assert_int_equal(set.count, 9);
    for (size_t i = 0; i < 9; i++)
        assert_string_equal(set.items[i].name, expected[i]);
    /* README.md starts the plan as the manifest does, and says what the files leave to the user */
    assert_non_null(strstr(set.items[7].text, "## Run\n\n    sbatch job.sbatch\n"));
    assert_non_null(strstr(set.items[7].text, "- `train.py`: your training program"));
    /* Ray starts a worker on each of the 15 GPUs, not one process on the head (ray.sh had submitted
     * train.py itself), and the nodes install Ray with Ray Train. */
    assert_non_null(strstr(set.items[4].text, "WORKERS = 15\n"));
    assert_non_null(strstr(set.items[5].text, "-- python ray_train.py\n"));
    assert_non_null(strstr(set.items[3].text, "'ray[default,data,serve,train]==2.60.0'"));
    assert_non_null(strstr(set.items[0].text, "#SBATCH --nodes=2\n"));
    assert_non_null(strstr(set.items[0].text, "#SBATCH --gpus-per-node=8\n"));
    /* 8 GPU processes x cpus_per_gpu 8 (data/launch.yaml); 100 h x (1 + 0.15) = 115 h = 4-19:00 */
    assert_non_null(strstr(set.items[0].text, "#SBATCH --cpus-per-task=64\n"));
    assert_non_null(strstr(set.items[0].text, "#SBATCH --time=4-19:00:00\n"));
    assert_non_null(strstr(set.items[0].text, "#SBATCH --exclusive\n"));
    /* --exclusive alone grants the default memory a CPU; --mem=0 the node's (sbatch(1)) */
    assert_non_null(strstr(set.items[0].text, "#SBATCH --mem=0\n"));
    assert_null(strstr(set.items[0].text, "--requeue"));
    assert_non_null(strstr(set.items[0].text, "--rdzv_backend=c10d"));
    /* Pods get a memory-backed /dev/shm (64 MB otherwise), and two nodes' job says RDMA is the cluster's. */
    assert_non_null(strstr(set.items[2].text, "mountPath: /dev/shm\n"));
    assert_non_null(strstr(set.items[2].text, "medium: Memory\n"));
    assert_non_null(strstr(set.items[2].text, "# Across nodes NCCL needs the cluster's RDMA network"));
    assert_non_null(strstr(set.items[8].text, "\"launch\": \"sbatch job.sbatch\""));
    assert_null(strstr(set.items[6].text, ">="));
    sp_artifact_set_free(&set);
    sp_artifact_set_free(&set);
    sp_artifact_set_free(NULL);
    /* A serving profile with no model named runs all the replicas it provisions (6 GPUs for 200 qps
     * at the seed's 40 a GPU, 2 GPUs a replica: 3) in a Ray Serve app that reads MODEL, which ray.sh
     * passes to the job (serve.sh ran one replica, and four GPUs idled). */
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "Serve a 70B");
    p.params_b = 70;
    p.qps = 200;
    p.axis = SP_AXIS_SERVING;
    p.has_axis = true;
    p.train_hours = 720;
    p.budget_usd = 100000;
    assert_int_equal(sp_plan_profile(&p, &rules, NULL, &plan, &err), SP_OK);
    assert_int_equal(sp_launch_artifacts(&p, &plan, &rules, NULL, &o, NULL, 0, &set, &err), SP_OK);
    const char *ray = NULL, *app = NULL;
    for (size_t i = 0; i < set.count; i++) {
        if (!strcmp(set.items[i].name, "ray.sh"))
            ray = set.items[i].text;
        if (!strcmp(set.items[i].name, "serve_app.py"))
            app = set.items[i].text;
    }
    assert_true(plan.gpus == 6 && plan.gpus_for_model == 2);
    assert_non_null(ray);
    assert_non_null(app);
    assert_non_null(strstr(ray, "model=${MODEL:?"));
    assert_non_null(strstr(ray, "\\\"MODEL\\\": \\\"$model\\\"}}\" -- serve run serve_app:app\n"));
    assert_non_null(strstr(app, "\"model_id\": os.environ.get(\"MODEL\", \"MODEL\")"));
    assert_non_null(strstr(app, "{\"min_replicas\": 3, \"max_replicas\": 3}"));
    assert_non_null(strstr(app, "\"tensor_parallel_size\": 2,"));
    sp_artifact_set_free(&set);
    /* A Spark job runs on Spark's cluster (spark.sh): no Ray cluster whose nodes install pyspark only. */
    static const char join[] = "- name: Join\n  data_tb: 6\n  instance: r6i.8xlarge\n  stages: [read, join, write]\n"
                               "  train_hours: 2\n  budget_usd: 500\n";
    sp_profile_list list;
    assert_int_equal(sp_profiles_parse("join.yaml", join, sizeof join - 1, &list, &err), SP_OK);
    static sp_stage_model stages; /* large: off the stack */
    sp_instance_catalog instances;
    assert_int_equal(sp_stages_load(SP_DATA_DIR "/stages.yaml", &stages, &err), SP_OK);
    assert_int_equal(sp_instances_load(SP_DATA_DIR "/instances.yaml", &instances, &err), SP_OK);
    sp_plan_options data = SP_PLAN_OPTIONS_INIT;
    data.stages = &stages;
    data.instance = sp_instance_find(&instances, "r6i.8xlarge");
    assert_int_equal(sp_plan_profile(&list.items[0], &rules, &data, &plan, &err), SP_OK);
    assert_int_equal(plan.data_framework, SP_DATA_SPARK);
    assert_int_equal(sp_launch_artifacts(&list.items[0], &plan, &rules, NULL, &o, NULL, 0, &set, &err), SP_OK);
    sp_profile_list_free(&list);
    sp_instance_catalog_free(&instances);
    for (size_t i = 0; i < set.count; i++) {
        assert_string_not_equal(set.items[i].name, "cluster.yaml");
        assert_string_not_equal(set.items[i].name, "ray.sh");
    }
    sp_artifact_set_free(&set);
}

/* A named model and accelerator planned from a profile (CLI path without files). */
static void plan_named(const char *model_name, const char *gpu, sp_profile *p, sp_model *model, sp_accel_catalog *cat,
                       const sp_accel **accel, sp_rules *rules, sp_plan *plan)
{
    sp_error err;
    assert_int_equal(sp_rules_load(SP_DATA_DIR, rules, &err), SP_OK);
    assert_int_equal(sp_model_load_catalog(SP_DATA_DIR, model_name, model, &err), SP_OK);
    assert_int_equal(sp_accels_load(SP_DATA_DIR "/accelerators.yaml", cat, &err), SP_OK);
    *accel = sp_accel_find(cat, gpu);
    assert_non_null(*accel);
    snprintf(p->model, sizeof p->model, "%s", model_name);
    snprintf(p->gpu, sizeof p->gpu, "%s", gpu);
    sp_plan_options options = SP_PLAN_OPTIONS_INIT;
    options.model = model;
    options.accel = *accel;
    assert_int_equal(sp_plan_profile(p, rules, &options, plan, &err), SP_OK);
}

static const sp_artifact *find(const sp_artifact_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (!strcmp(set->items[i].name, name))
            return &set->items[i];
    return NULL;
}

static sp_profile pretrain_profile(void)
{
    sp_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "Pre-train");
    p.axis = SP_AXIS_MODEL;
    p.has_axis = true;
    p.tokens = 1.5e12;
    p.seq = 8192;
    p.global_batch = 512;
    p.train_hours = 2000;
    p.budget_usd = 2e6;
    return p;
}

/* A 405B pre-training plan on H100s (pretrain_profile) whose layout a test then pins, launched
 * again after each change. */
typedef struct {
    sp_profile p;
    sp_model model;
    sp_accel_catalog cat;
    const sp_accel *accel;
    sp_rules rules;
    sp_plan plan;
    sp_launch_options o;
    sp_artifact_set set;
    sp_error err;
} pinned_plan;

static void pin_405b(pinned_plan *t)
{
    memset(t, 0, sizeof *t);
    t->p = pretrain_profile();
    plan_named("llama-3.1-405b", "h100-sxm-80gb", &t->p, &t->model, &t->cat, &t->accel, &t->rules, &t->plan);
    t->o = (sp_launch_options)SP_LAUNCH_OPTIONS_INIT;
}

/* The plan's artifacts into t->set (the previous ones freed): sp_launch_artifacts's status. */
static sp_status relaunch(pinned_plan *t)
{
    sp_artifact_set_free(&t->set);
    return sp_launch_artifacts(&t->p, &t->plan, &t->rules, t->accel, &t->o, NULL, 0, &t->set, &t->err);
}

/* One artifact's text from the last launch; fails the test when it was not written. */
static const char *text_of(const pinned_plan *t, const char *name)
{
    const sp_artifact *a = find(&t->set, name);
    assert_non_null(a);
    return a->text;
}

static void unpin(pinned_plan *t)
{
    sp_artifact_set_free(&t->set);
    sp_accel_catalog_free(&t->cat);
}

/* Megatron-LM gets every dimension of the layout: an uneven pipeline as first/last stage
 * layers (126 layers on 16 stages: 14 middle stages of ceil(126/16) = 8, the ends 14/2 = 7
 * each), and a run longer than --time-limit requeues, Megatron exiting 2 x 600 s before. */
static void megatron_carries_the_layout(void **state)
{
    (void)state;
    static pinned_plan t;
    pin_405b(&t);
    assert_true(t.plan.timed);
    t.plan.run.config.tp = 8;
    t.plan.run.config.pp = 16;
    t.plan.run.config.cp = 1;
    t.plan.run.config.interleave = 1;
    t.plan.run.config.zero = 1;
    t.o.time_limit_hours = 48;
    assert_int_equal(relaunch(&t), SP_OK);
    const char *sbatch = text_of(&t, "job.sbatch");
    assert_null(find(&t.set, "torchrun.sh")); /* many nodes */
    assert_non_null(strstr(sbatch, "    --tensor-model-parallel-size 8\n"));
    assert_non_null(strstr(sbatch, "    --pipeline-model-parallel-size 16\n"));
    assert_non_null(strstr(sbatch, "    --decoder-first-pipeline-num-layers 7\n"));
    assert_non_null(strstr(sbatch, "    --decoder-last-pipeline-num-layers 7\n"));
    assert_non_null(strstr(sbatch, "    --num-layers 126\n"));
    assert_non_null(strstr(sbatch, "    --use-distributed-optimizer\n"));
    assert_null(strstr(sbatch, "--use-megatron-fsdp")); /* ZeRO-1: the optimizer state alone */
    assert_non_null(strstr(sbatch, "    --seq-length 8192\n"));
    assert_non_null(strstr(sbatch, "    --global-batch-size 512\n"));
    assert_non_null(strstr(sbatch, "export CUDA_DEVICE_MAX_CONNECTIONS='1'\n")); /* TP 8 on Hopper */
    assert_non_null(strstr(sbatch, "#SBATCH --time=2-00:00:00\n"));
    assert_non_null(strstr(sbatch, "#SBATCH --requeue\n#SBATCH --signal=B:USR1@600\n"));
    assert_non_null(strstr(sbatch, "    --exit-duration-in-mins 2860\n")); /* 48 x 60 - 20 */
    assert_non_null(strstr(sbatch, "scontrol requeue \"$SLURM_JOB_ID\""));
    /* Megatron stops at 2860 min, before the signal at 2870: the script requeues while its last
     * checkpoint is short of --train-iters, and leaves the step to save on the signal. */
    assert_non_null(strstr(sbatch, "latest_checkpointed_iteration.txt"));
    assert_non_null(strstr(sbatch, "trap 'requeue=1' USR1\n"));
    assert_non_null(strstr(sbatch, "    --rotary-base 500000\n")); /* Llama 3.1's, not Megatron's 10000 */
    assert_non_null(strstr(sbatch, "    --use-rope-scaling\n    --rope-scaling-factor 8\n"));
    assert_non_null(strstr(sbatch, "pretrain_gpt.py \"${MEGATRON_ARGS[@]}\""));
    assert_null(find(&t.set, "ray.sh")); /* Ray would start torchrun's program on one node */
    /* 126 layers on 96 stages: 94 middle stages of ceil(126/96) = 2 need 188 layers, more than
     * there are; Megatron cannot express it. */
    t.plan.run.config.pp = 96;
    assert_int_equal(relaunch(&t), SP_ERR_INPUT);
    assert_string_equal(t.err.field, "pp");
    /* 126 layers in 8 x 8 virtual stages: 64 stages of floor(126/64) = 1 layer, the 62 after the
     * first one more; the first carries the embedding, the last the loss (Megatron-Bridge runs
     * 405B at pp 8 x vp 8). Rank 1 holds stages 1, 9, ..., 57: 8 x 2 = 16 = ceil(126/8). */
    t.plan.run.config.pp = 8;
    t.plan.run.config.interleave = 8;
    assert_int_equal(relaunch(&t), SP_OK);
    sbatch = text_of(&t, "job.sbatch");
    assert_non_null(strstr(sbatch, "    --pipeline-model-parallel-layout \"Et*1|t*2|t*2|"));
    assert_non_null(strstr(sbatch, "|t*2|t*1L\"\n"));
    assert_null(strstr(sbatch, "--decoder-first-pipeline-num-layers"));
    /* An even cut names the depth: 8 x 2 stages of 8 layers from 128. */
    t.plan.model.layers = 128;
    assert_int_equal(relaunch(&t), SP_OK);
    t.plan.model.layers = 126;
    sbatch = text_of(&t, "job.sbatch");
    assert_non_null(strstr(sbatch, "    --num-virtual-stages-per-pipeline-rank 8\n"));
    /* 8 x 16 = 128 stages for 126 layers leaves a stage empty. */
    t.plan.run.config.interleave = 16;
    assert_int_equal(relaunch(&t), SP_ERR_INPUT);
    assert_string_equal(t.err.field, "interleave");
    /* --precision fp8 is per-tensor scaling, as sized: delayed on Hopper, the current (tensorwise)
     * recipe on a part with FP4 tensor cores, never the MXFP8 block recipe --precision mxfp8 asks. */
    t.plan.run.config.interleave = 8;
    t.plan.run.config.precision = SP_PREC_FP8;
    assert_int_equal(relaunch(&t), SP_OK);
    assert_non_null(strstr(text_of(&t, "job.sbatch"), "    --fp8-format hybrid\n    --fp8-recipe delayed\n"));
    sp_accel blackwell = *t.accel;
    blackwell.fp4_flops_per_s = 9e15;
    const sp_accel *hopper = t.accel;
    t.accel = &blackwell;
    assert_int_equal(relaunch(&t), SP_OK);
    assert_non_null(strstr(text_of(&t, "job.sbatch"), "    --fp8-recipe tensorwise\n"));
    assert_null(strstr(text_of(&t, "job.sbatch"), "mxfp8"));
    t.accel = hopper;
    /* ZeRO-2 shards the gradients the memory counts: Megatron-FSDP's optim_grads, which the
     * distributed optimizer alone does not (it keeps every gradient). */
    t.plan.run.config.zero = 2;
    assert_int_equal(relaunch(&t), SP_OK);
    assert_non_null(strstr(text_of(&t, "job.sbatch"), "    --use-megatron-fsdp\n    --data-parallel-sharding-strategy optim_grads\n"));
    unpin(&t);
}

/* FSDP2 beside TP or PP runs on torchtitan: torchtitan.toml carries the degrees, the batch and the
 * pipeline's split, the scripts start torchtitan.train, and no DeepSpeed config is written. */
static void torchtitan_carries_the_layout(void **state)
{
    (void)state;
    static pinned_plan t;
    pin_405b(&t);
    sp_mem_config *k = &t.plan.run.config;
    *k = (sp_mem_config){.mode = k->mode, .precision = SP_PREC_MIXED_BF16, .optimizer = k->optimizer,
                         .mixed_style = k->mixed_style, .dp = 4, .zero = 3, .tp = 8, .pp = 16, .interleave = 1,
                         .micro_batch = 1, .seq = 8192, .recompute = SP_RECOMPUTE_OP, .ep = 1, .cp = 1, .etp = 1};
    assert_int_equal(relaunch(&t), SP_OK);
    const char *toml = text_of(&t, "torchtitan.toml"), *sbatch = text_of(&t, "job.sbatch");
    assert_null(find(&t.set, "ds_config.json"));
    assert_null(find(&t.set, "ray.sh"));
    /* nothing runs on Ray, so Ray is not installed; torchtitan is, at its pin */
    assert_null(strstr(text_of(&t, "requirements.txt"), "ray"));
    assert_non_null(strstr(text_of(&t, "requirements.txt"), "\ntorchtitan==0.2.2\n"));
    assert_non_null(strstr(sbatch, "-m torchtitan.train --job.config_file torchtitan.toml"));
    assert_non_null(strstr(toml, "name = \"llama3\"\nflavor = \"405B\"\n"));
    assert_non_null(strstr(toml, "data_parallel_shard_degree = 4\ntensor_parallel_degree = 8\n"));
    assert_non_null(strstr(toml, "pipeline_parallel_degree = 16\n"));
    /* the global batch of 512 over 4 data-parallel ranks, 128 micro-batches of 1 through the pipeline */
    assert_non_null(strstr(toml, "local_batch_size = 128\nglobal_batch_size = 512\n"));
    assert_non_null(strstr(toml, "pipeline_parallel_microbatch_size = 1\n"));
    /* 126 layers + embedding + output as one layer each = 128 over 16 stages: 7, 8 x 14, 7 (the
     * defaults place at most ceil(126/16) = 8 on a rank) */
    assert_non_null(strstr(toml, "pipeline_parallel_first_stage_less_layers = 1\n"
                                       "pipeline_parallel_last_stage_less_layers = 1\n"));
    assert_non_null(strstr(toml, "mode = \"selective\"\nselective_ac_option = \"op\"\n"));
    assert_non_null(strstr(toml, "steps = 357628\nmixed_precision_param = \"bfloat16\"\n"));
    /* compiled in bf16 too: the time model counts the norms and activations fused */
    assert_non_null(strstr(toml, "\n[compile]\nenable = true\n"));
    /* Past a time limit the signal stops the step (torchtitan saves on its interval and would run
     * on to the kill), then the job requeues; no Megatron iteration check. */
    t.o.time_limit_hours = 1;
    assert_int_equal(relaunch(&t), SP_OK);
    sbatch = text_of(&t, "job.sbatch");
    assert_non_null(strstr(sbatch, "trap 'requeue=1; kill -TERM \"$step\" 2>/dev/null' USR1\n"));
    assert_null(strstr(sbatch, "latest_checkpointed_iteration.txt"));
    t.o.time_limit_hours = 0;
    /* pure bf16 (weights, gradients and optimizer state) is torchtitan's training.dtype */
    k->precision = SP_PREC_BF16;
    assert_int_equal(relaunch(&t), SP_OK);
    toml = text_of(&t, "torchtitan.toml");
    assert_non_null(strstr(toml, "dtype = \"bfloat16\"\nmixed_precision_param = \"bfloat16\"\n"));
    k->precision = SP_PREC_MIXED_BF16;
    /* 80 layers on 4 stages: the defaults give 20, 21, 20, 19 (82 over 4, the remainder first),
     * more than ceil(80/4) = 20 on a rank; the nearest weights that give 20 each are 1 and 0. */
    t.plan.model.layers = 80;
    k->pp = 4;
    assert_int_equal(relaunch(&t), SP_OK);
    toml = text_of(&t, "torchtitan.toml");
    assert_non_null(strstr(toml, "pipeline_parallel_first_stage_less_layers = 1\n"
                                       "pipeline_parallel_last_stage_less_layers = 0\n"));
    /* 126 layers in 8 x 8 virtual stages of 2 (128 effective): Interleaved 1F1B, 15-16 a rank */
    t.plan.model.layers = 126;
    k->pp = 8;
    k->interleave = 8;
    k->precision = SP_PREC_FP8;
    assert_int_equal(relaunch(&t), SP_OK);
    toml = text_of(&t, "torchtitan.toml");
    assert_non_null(strstr(toml, "pipeline_parallel_schedule = \"Interleaved1F1B\"\n"));
    assert_non_null(strstr(toml, "pipeline_parallel_layers_per_stage = 2\n"));
    assert_non_null(strstr(toml, "converters = [\"quantize.linear.float8\"]\n"));
    assert_non_null(strstr(toml, "[quantize.linear.float8]\n"));
    assert_non_null(strstr(text_of(&t, "requirements.txt"), "\ntorchao==0.18.0\n"));
    /* 64 layers in 12 x 3 virtual stages: no small pair of torchtitan's weights keeps a rank at
     * ceil(64/12) = 6, so the stages are named module by module: one layer a stage, a second on
     * stages 1-28 (rank r holds stages r, r + 12, r + 24: ranks 1-4 six layers, the rest five) */
    t.plan.model.layers = 64;
    k->pp = 12;
    k->interleave = 3;
    assert_int_equal(relaunch(&t), SP_OK);
    toml = text_of(&t, "torchtitan.toml");
    assert_non_null(strstr(toml, "module_fqns_per_model_part = [\n  [\"tok_embeddings\", \"layers.0\"],\n"
                                       "  [\"layers.1\", \"layers.2\"],\n"));
    assert_non_null(strstr(toml, "  [\"layers.55\", \"layers.56\"],\n  [\"layers.57\"],\n"));
    assert_non_null(strstr(toml, "  [\"layers.63\", \"norm\", \"output\"],\n]\n"));
    assert_null(strstr(toml, "pipeline_parallel_layers_per_stage"));
    t.plan.model.layers = 126;
    k->pp = 8;
    k->interleave = 8;
    /* torchtitan has no fp16 mixed precision: the same layout in fp16 runs on Megatron-FSDP */
    k->precision = SP_PREC_MIXED_FP16;
    assert_int_equal(relaunch(&t), SP_OK);
    assert_null(find(&t.set, "torchtitan.toml"));
    sbatch = text_of(&t, "job.sbatch");
    assert_non_null(strstr(sbatch, "    --use-megatron-fsdp\n"));
    assert_non_null(strstr(sbatch, "    --fp16\n"));
    unpin(&t);
}

/* A TPU plan gets MaxText and JAX, never Megatron, torchrun, Slurm or CUDA wheels. */
static void tpu_gets_maxtext(void **state)
{
    (void)state;
    sp_profile p = pretrain_profile();
    p.tokens = 2e10;
    sp_model model;
    sp_accel_catalog cat = {0};
    const sp_accel *accel;
    sp_rules rules;
    sp_plan plan;
    plan_named("llama-3.1-8b", "tpu-v5p-95gb", &p, &model, &cat, &accel, &rules, &plan);
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    sp_artifact_set set;
    sp_error err;
    assert_int_equal(sp_launch_artifacts(&p, &plan, &rules, accel, &o, NULL, 0, &set, &err), SP_OK);
    assert_non_null(find(&set, "maxtext.sh"));
    assert_null(find(&set, "job.sbatch"));
    assert_null(find(&set, "torchrun.sh"));
    assert_null(find(&set, "pytorchjob.yaml"));
    const sp_artifact *reqs = find(&set, "requirements.txt");
    assert_non_null(strstr(reqs->text, "jax[tpu]=="));
    assert_null(strstr(reqs->text, "megatron"));
    assert_null(strstr(reqs->text, "download.pytorch.org"));
    assert_non_null(strstr(find(&set, "manifest.json")->text, "\"launch\": \"./maxtext.sh\""));
    sp_artifact_set_free(&set);
    sp_accel_catalog_free(&cat);
}

/* Trainium: Neuron's wheels and no GPU request; torch-neuronx brings its own torch. */
static void trainium_gets_neuron(void **state)
{
    (void)state;
    sp_profile p = pretrain_profile();
    p.tokens = 2e10;
    p.knobs.usd_per_gpu_hour = 4;
    p.knobs_set = SP_SET_USD_PER_GPU_HOUR;
    sp_model model;
    sp_accel_catalog cat = {0};
    const sp_accel *accel;
    sp_rules rules;
    sp_plan plan;
    plan_named("llama-3.1-8b", "trainium2-96gb", &p, &model, &cat, &accel, &rules, &plan);
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    sp_artifact_set set;
    sp_error err;
    assert_int_equal(sp_launch_artifacts(&p, &plan, &rules, accel, &o, NULL, 0, &set, &err), SP_OK);
    const sp_artifact *sbatch = find(&set, "job.sbatch");
    assert_null(strstr(sbatch->text, "--gpus-per-node"));
    assert_null(strstr(sbatch->text, "MEGATRON_ARGS"));
    assert_null(strstr(sbatch->text, "NCCL"));
    const sp_artifact *reqs = find(&set, "requirements.txt");
    assert_non_null(strstr(reqs->text, "--extra-index-url https://pip.repos.neuron.amazonaws.com\n"));
    assert_non_null(strstr(reqs->text, "torch-neuronx=="));
    assert_null(strstr(reqs->text, "\ntorch=="));
    assert_null(find(&set, "pytorchjob.yaml"));
    sp_artifact_set_free(&set);
    sp_accel_catalog_free(&cat);
}

/* Cloud files rent what the plan prices: a one-GPU plan on a part AWS rents singly (L40S, g6e.xlarge)
 * does not rent the 8-GPU g6e.48xlarge. */
static void cloud_files_rent_the_plan(void **state)
{
    (void)state;
    sp_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "One GPU");
    p.qps = 1;
    p.train_hours = 720;
    p.budget_usd = 1e5;
    sp_model model;
    sp_accel_catalog cat = {0};
    const sp_accel *accel;
    sp_rules rules;
    sp_plan plan;
    plan_named("llama-3.1-8b", "l40s-pcie-48gb", &p, &model, &cat, &accel, &rules, &plan);
    assert_true(plan.served);
    assert_true(plan.gpus < 8);
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    sp_artifact_set set;
    sp_error err;
    assert_int_equal(sp_launch_artifacts(&p, &plan, &rules, accel, &o, NULL, 0, &set, &err), SP_OK);
    const sp_artifact *cluster = find(&set, "cluster.yaml");
    assert_null(strstr(cluster->text, "g6e.48xlarge"));
    /* Ray's on-premises provider: the machine's own GPUs, no node types (it aborts on them). */
    assert_non_null(strstr(cluster->text, "type: local\n"));
    assert_null(strstr(cluster->text, "available_node_types"));
    char gpus[64];
    snprintf(gpus, sizeof gpus, "accelerators: L40S:%.0f\n", plan.serve.tp);
    assert_non_null(strstr(find(&set, "sky_task.yaml")->text, gpus));
    sp_artifact_set_free(&set);
    /* Slurm names go into #SBATCH lines unquoted: anything else is refused. */
    o.partition = "gpu; touch x";
    assert_int_equal(sp_launch_artifacts(&p, &plan, &rules, accel, &o, NULL, 0, &set, &err), SP_ERR_INPUT);
    assert_string_equal(err.field, "partition");
    sp_accel_catalog_free(&cat);
}

/* A fine-tune profile planned on its named model and part, and launched with the defaults. */
static void launch_fine_tune(const sp_profile *profile, sp_plan *plan, sp_artifact_set *set)
{
    sp_profile p = *profile;
    sp_model model;
    sp_accel_catalog cat = {0};
    const sp_accel *accel;
    sp_rules rules;
    sp_error err;
    plan_named(p.model, p.gpu, &p, &model, &cat, &accel, &rules, plan);
    assert_true(plan->fine_tuned);
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    assert_int_equal(sp_launch_artifacts(&p, plan, &rules, accel, &o, NULL, 0, set, &err), SP_OK);
    sp_accel_catalog_free(&cat);
}

/* A one-card desktop plan whose state is offloaded: the recipe carries the offload the memory
 * model counted. Optimizer offload is DeepSpeed's ZeRO-Offload (axolotl's deepspeed: key and the
 * ds_config.json it names, deepspeed pinned); parameter offload is FSDP's CPUOffload, one rank. */
static void offload_reaches_the_recipe(void **state)
{
    (void)state;
    static const char yaml[] = "- name: full\n  model: llama-2-7b\n  gpu: rtx-a6000-48gb\n  gpus_per_node: 1\n"
                               "  method: full\n  dataset_gb: 0.05\n  train_hours: 48\n  budget_usd: 30\n"
                               "- name: qlora\n  model: llama-3.1-70b\n  gpu: rtx-3090-24gb\n  gpus_per_node: 1\n"
                               "  method: qlora\n  dataset_gb: 0.05\n  train_hours: 200\n  budget_usd: 100\n";
    sp_profile_list list = {0};
    sp_error err;
    assert_int_equal(sp_profiles_parse("offload", yaml, sizeof yaml - 1, &list, &err), SP_OK);
    const sp_offload want[] = {SP_OFFLOAD_OPTIMIZER, SP_OFFLOAD_PARAMS};
    for (size_t i = 0; i < 2; i++) {
        sp_plan plan;
        sp_artifact_set set;
        launch_fine_tune(&list.items[i], &plan, &set);
        assert_int_equal(plan.fine_tune.config.gpus, 1);
        assert_int_equal(plan.fine_tune.config.offload, want[i]);
        const char *recipe = find(&set, "axolotl.yml")->text;
        const sp_artifact *ds = find(&set, "ds_config.json");
        /* The one GPU fills its one-GPU node: the node is taken whole with all its memory, which the
         * offloaded states live in. */
        assert_non_null(strstr(find(&set, "job.sbatch")->text, "#SBATCH --exclusive\n#SBATCH --mem=0\n"));
        if (want[i] == SP_OFFLOAD_OPTIMIZER) {
            assert_non_null(strstr(recipe, "\ndeepspeed: ds_config.json\n"));
            assert_null(strstr(recipe, "fsdp"));
            assert_non_null(ds);
            assert_non_null(strstr(ds->text, "\"offload_optimizer\""));
            assert_non_null(strstr(ds->text, "\"stage\": 2"));
            /* DeepSpeed's CPU Adam, not the Trainer's optimizer, which ZeRO-Offload refuses */
            assert_non_null(strstr(ds->text, "\"optimizer\": {\n    \"type\": \"AdamW\""));
            /* DeepSpeed within the versions axolotl pins: its extra, not a pin of our own */
            assert_non_null(strstr(find(&set, "requirements.txt")->text, "\naxolotl[deepspeed]=="));
            assert_null(strstr(find(&set, "requirements.txt")->text, "\ndeepspeed=="));
        } else {
            assert_non_null(strstr(recipe, "fsdp_offload_params: true"));
            assert_null(strstr(recipe, "deepspeed"));
            assert_null(ds);
        }
        sp_artifact_set_free(&set);
    }
    sp_profile_list_free(&list);
}

/* The fused kernels and chunked loss that made a 16k QLoRA fit a 4090 reach axolotl.yml as Liger's
 * plugin (they had changed the plan and never the recipe, which would have run out of memory); a
 * plan without them names no plugin. */
static void fused_kernels_reach_the_recipe(void **state)
{
    (void)state;
    static const char yaml[] = "- name: liger\n  model: llama-3.1-8b\n  gpu: rtx-4090-24gb\n  gpus: 1\n"
                               "  method: qlora\n  seq: 16384\n  tokens: 1e8\n  chunked_loss: true\n"
                               "  fused_kernels: true\n  train_hours: 48\n  budget_usd: 30\n"
                               "- name: eager\n  model: llama-3.1-8b\n  gpu: rtx-4090-24gb\n  gpus: 1\n"
                               "  method: qlora\n  tokens: 1e8\n  train_hours: 48\n  budget_usd: 30\n";
    sp_profile_list list = {0};
    sp_error err;
    assert_int_equal(sp_profiles_parse("liger", yaml, sizeof yaml - 1, &list, &err), SP_OK);
    for (size_t i = 0; i < 2; i++) {
        sp_plan plan;
        sp_artifact_set set;
        launch_fine_tune(&list.items[i], &plan, &set);
        const char *recipe = find(&set, "axolotl.yml")->text;
        if (i == 0) {
            assert_true(plan.fine_tune.config.chunked_loss && plan.fine_tune.config.fused_kernels);
            assert_non_null(strstr(recipe, "plugins:\n- axolotl.integrations.liger.LigerPlugin\n"));
            assert_non_null(strstr(recipe, "liger_rms_norm: true\n"));
            assert_non_null(strstr(recipe, "liger_fused_linear_cross_entropy: true\n"));
        } else {
            assert_null(strstr(recipe, "liger"));
        }
        sp_artifact_set_free(&set);
    }
    sp_profile_list_free(&list);
}

/* DeepSeek-V3's router as its config.json states it reaches Megatron: sigmoid scores, 8 groups of
 * which a token uses 4, weights x 2.5 and the balancing bias (noaux_tc); Mixtral's softmax router
 * gets none of them, and its auxiliary loss instead. */
static void megatron_builds_the_models_router(void **state)
{
    (void)state;
    const char *names[] = {"deepseek-v3", "mixtral-8x7b"};
    for (int i = 0; i < 2; i++) {
        static pinned_plan t;
        memset(&t, 0, sizeof t);
        t.p = pretrain_profile();
        t.p.seq = 4096;
        t.p.global_batch = 4096;
        plan_named(names[i], "h200-sxm-141gb", &t.p, &t.model, &t.cat, &t.accel, &t.rules, &t.plan);
        assert_true(t.plan.timed);
        t.o = (sp_launch_options)SP_LAUNCH_OPTIONS_INIT;
        assert_int_equal(relaunch(&t), SP_OK);
        const char *sbatch = text_of(&t, "job.sbatch");
        const char *router = "    --moe-router-score-function sigmoid\n    --moe-router-num-groups 8\n"
                             "    --moe-router-group-topk 4\n    --moe-router-topk-scaling-factor 2.5\n"
                             "    --moe-router-enable-expert-bias\n";
        if (i == 0)
            assert_non_null(strstr(sbatch, router));
        else
            assert_null(strstr(sbatch, "--moe-router-score-function"));
        assert_non_null(strstr(sbatch, "    --moe-router-topk "));
        /* Mixtral's softmax router trains with its config.json's balancing loss (Megatron's default
         * is none); DeepSeek-V3's bias balances without one. */
        if (i == 0)
            assert_null(strstr(sbatch, "--moe-aux-loss-coeff"));
        else
            assert_non_null(strstr(sbatch, "    --moe-router-load-balancing-type aux_loss\n    --moe-aux-loss-coeff 0.02\n"));
        unpin(&t);
    }
}

/* A job of part of a node leaves the rest of it to others: no --exclusive, no claim on all its memory. */
static void part_of_a_node_is_shared(void **state)
{
    (void)state;
    static const char yaml[] = "- name: small\n  model: llama-3.1-8b\n  gpu: rtx-4090-24gb\n  method: qlora\n"
                               "  dataset_gb: 0.05\n  train_hours: 48\n  budget_usd: 30\n";
    sp_profile_list list = {0};
    sp_error err;
    assert_int_equal(sp_profiles_parse("small", yaml, sizeof yaml - 1, &list, &err), SP_OK);
    sp_profile p = list.items[0];
    sp_model model;
    sp_accel_catalog cat = {0};
    const sp_accel *accel;
    sp_rules rules;
    sp_plan plan;
    plan_named(p.model, p.gpu, &p, &model, &cat, &accel, &rules, &plan);
    assert_true(plan.fine_tuned);
    assert_true(plan.gpus < plan.knobs.gpus_per_node);
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    sp_artifact_set set;
    assert_int_equal(sp_launch_artifacts(&p, &plan, &rules, accel, &o, NULL, 0, &set, &err), SP_OK);
    const char *sbatch = find(&set, "job.sbatch")->text;
    assert_non_null(strstr(sbatch, "#SBATCH --gpus-per-node="));
    assert_null(strstr(sbatch, "--exclusive"));
    assert_null(strstr(sbatch, "--mem=0"));
    sp_artifact_set_free(&set);
    sp_accel_catalog_free(&cat);
    sp_profile_list_free(&list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shell_quote_makes_one_word),
        cmocka_unit_test(slug_is_directory_safe),
        cmocka_unit_test(training_artifacts),
        cmocka_unit_test(megatron_carries_the_layout),
        cmocka_unit_test(torchtitan_carries_the_layout),
        cmocka_unit_test(tpu_gets_maxtext),
        cmocka_unit_test(trainium_gets_neuron),
        cmocka_unit_test(cloud_files_rent_the_plan),
        cmocka_unit_test(offload_reaches_the_recipe),
        cmocka_unit_test(fused_kernels_reach_the_recipe),
        cmocka_unit_test(part_of_a_node_is_shared),
        cmocka_unit_test(megatron_builds_the_models_router),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
