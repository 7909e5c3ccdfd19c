/* launch_line.c - one-line launch commands: a plan's tier (seed 41.5.3), a serving engine, a data framework. */
#include "report_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *sp_default_entry(sp_axis axis)
{
    switch (axis) {
    case SP_AXIS_SERVING: return "serve_app.py";
    case SP_AXIS_DATA: return "data_job.py";
    default: return "train.py";
    }
}

/* Processes on each node: the GPUs spread evenly over the nodes. */
static unsigned long per_node(const sp_plan *plan)
{
    return (unsigned long)ceil(plan->gpus / plan->nodes);
}

static bool runs_torchtitan(const sp_plan *plan)
{
    return plan->timed && sp_stack_is_gpu(plan->stack) && !plan->fine_tuned &&
           sp_train_stack_of(&plan->run.config) == SP_TRAIN_TORCHTITAN;
}

static bool runs_megatron(const sp_plan *plan)
{
    return plan->timed && sp_stack_is_gpu(plan->stack) && sp_train_stack_of(&plan->run.config) == SP_TRAIN_MEGATRON;
}

static bool runs_axolotl(const sp_plan *plan)
{
    return plan->fine_tuned && sp_stack_is_gpu(plan->stack);
}

bool sp_plan_runs_trainer(const sp_plan *plan)
{
    bool trains = plan->axis == SP_AXIS_TRAINING || plan->axis == SP_AXIS_MODEL;
    return trains && !plan->fine_tuned && plan->timed && plan->has_model &&
           sp_train_runs_trainer(&plan->run.config, plan->stack);
}

bool sp_default_entry_sharding(const sp_plan *plan, const char **flag, const char **value)
{
    bool trains = plan->axis == SP_AXIS_TRAINING || plan->axis == SP_AXIS_MODEL;
    if (!sp_stack_is_gpu(plan->stack) || !trains || plan->fine_tuned)
        return false;
    if (sp_plan_runs_trainer(plan) && sp_train_stack_of(&plan->run.config) == SP_TRAIN_FSDP_ZERO) {
        *flag = "--deepspeed"; /* the ds_config.json stackplan launch writes for the layout */
        *value = "ds_config.json";
        return true;
    }
    /* No layout was searched (no named model and gpu) and the seed's sizing found more state than one
     * GPU holds (a training plan's note, or the model axis itself): HF Trainer's FSDP, each block
     * wrapped (TrainingArguments.fsdp; the model's _no_split_modules name the blocks). */
    bool sharded = plan->axis == SP_AXIS_MODEL || (plan->notes & SP_NOTE_TRAINING_NEEDS_SHARDING);
    if (!plan->timed && plan->gpus > 1 && sharded) {
        *flag = "--fsdp";
        *value = "full_shard auto_wrap";
        return true;
    }
    return false;
}

/* The optimizer as the Trainer names it (transformers OptimizerNames), "" for its default AdamW;
 * Adam is AdamW with the plan's weight decay. */
static const char *trainer_optim(sp_optimizer optimizer)
{
    switch (optimizer) {
    case SP_OPT_ADAM8BIT: return " --optim adamw_bnb_8bit";
    case SP_OPT_SGD: return " --optim sgd";
    case SP_OPT_ADAFACTOR: return " --optim adafactor";
    case SP_OPT_ADAMW:
    case SP_OPT_ADAM: break;
    }
    return "";
}

/* The program the plan's framework runs: Megatron-LM's trainer for its layouts, torchtitan's for
 * FSDP2 beside TP, CP or PP, axolotl for a fine-tune (stackplan launch writes their arguments,
 * config and recipe), else the user's script. */
int sp_trainer_batch_args(const sp_plan *plan, char *buf, size_t size)
{
    const sp_mem_config *k = &plan->run.config;
    buf[0] = '\0';
    if (!sp_plan_runs_trainer(plan) || !(k->micro_batch > 0 && k->dp > 0))
        return 0;
    /* ds_config.json's numbers (zero_config.c), which the Trainer checks its own arguments against,
     * the token budget as optimizer steps (TrainingArguments.max_steps), as Megatron's
     * --train-iters (sp_plan_run_steps), and the layout's recompute as the Trainer's checkpointing
     * of each decoder layer (the only policy the search gives these layouts). */
    return snprintf(buf, size, " --per_device_train_batch_size %g --gradient_accumulation_steps %g --max_steps %.0f%s%s%s",
                    k->micro_batch, round(plan->run_global_batch / (k->micro_batch * k->dp)), sp_plan_run_steps(plan),
                    k->precision == SP_PREC_FP32 ? "" : k->precision == SP_PREC_MIXED_FP16 ? " --fp16" : " --bf16",
                    k->recompute == SP_RECOMPUTE_FULL ? " --gradient_checkpointing" : "", trainer_optim(k->optimizer));
}

bool sp_plan_entry_needs_launch_files(const sp_plan *plan)
{
    return runs_axolotl(plan) || runs_megatron(plan) || runs_torchtitan(plan);
}

static const char *plan_entry(const sp_plan *plan, char *buf, size_t size)
{
    if (runs_axolotl(plan))
        return "-m axolotl.cli.train axolotl.yml";
    if (runs_megatron(plan))
        return "pretrain_gpt.py";
    if (runs_torchtitan(plan))
        return "-m torchtitan.train --job.config_file torchtitan.toml";
    const char *flag, *value;
    bool sharded = sp_default_entry_sharding(plan, &flag, &value);
    if (sharded && !strcmp(flag, "--fsdp")) /* what the written scripts pass */
        return "train.py --fsdp 'full_shard auto_wrap'";
    char args[256];
    if (sp_trainer_batch_args(plan, args, sizeof args) > 0) {
        snprintf(buf, size, "train.py%s%s", sharded ? " --deepspeed ds_config.json" : "", args);
        return buf;
    }
    return sp_default_entry(plan->axis);
}

double sp_unsized_serving_replicas(const sp_plan *plan)
{
    return plan->gpus_for_model >= 1 ? fmax(1.0, floor(plan->gpus / plan->gpus_for_model)) : fmax(1.0, plan->gpus);
}

bool sp_plan_runs_serve_app(const sp_plan *plan)
{
    if (plan->axis != SP_AXIS_SERVING)
        return false;
    if (plan->served)
        return plan->engine == SP_ENGINE_RAY_SERVE_VLLM;
    return sp_unsized_serving_replicas(plan) > 1;
}

double sp_plan_servers(const sp_plan *plan)
{
    return ceil(plan->serve.replicas / sp_replicas_per_server(plan->engine, plan->model.experts > 1, &plan->serve_config, &plan->serve));
}

bool sp_plan_runs_own_servers(const sp_plan *plan)
{
    return plan->axis == SP_AXIS_SERVING && plan->served &&
           (plan->engine == SP_ENGINE_SGLANG || plan->engine == SP_ENGINE_TRTLLM);
}

bool sp_plan_downloads_checkpoint(const sp_plan *plan)
{
    /* A named model's pre-training reads its tokenizer from the same repository (Megatron's
     * --tokenizer-model, torchtitan's hf_assets_path): gated for Meta's and Mistral's too. */
    bool pretrains = plan->timed && plan->has_model && !plan->fine_tuned &&
                     (plan->axis == SP_AXIS_TRAINING || plan->axis == SP_AXIS_MODEL);
    return (plan->served || plan->fine_tuned || pretrains) && strchr(plan->model_id, '/');
}

const char *sp_ray_job_command(const sp_plan *plan)
{
    if (plan->axis == SP_AXIS_SERVING) /* Ray Serve's app, else serve.sh's engine (a vLLM replica) */
        return sp_plan_runs_serve_app(plan) ? "serve run serve_app:app" : "bash serve.sh";
    if (plan->axis == SP_AXIS_DATA)
        return "python data_job.py";
    return "python ray_train.py"; /* `python train.py` would be one process on the head, whatever the GPUs */
}

int sp_launch_line(const sp_plan *plan, char *buf, size_t size)
{
    if (plan->data_sized)
        return sp_data_launch_line(plan->data_framework, &plan->data_instance, plan->data.nodes, buf, size);
    bool trains = plan->axis == SP_AXIS_TRAINING || plan->axis == SP_AXIS_MODEL;
    if (trains && plan->stack == SP_STACK_XLA) /* MaxText on every host of the slice (maxtext.sh) */
        return snprintf(buf, size, "python3 -m maxtext.trainers.pre_train.train run_name=RUN model_name=MODEL "
                                   "ici_fsdp_parallelism=-1   # on each TPU host; see maxtext.sh");
    /* One server a replica: alone, its script; several, or one over nodes, SkyPilot's service. */
    if (sp_plan_runs_own_servers(plan)) {
        if (sp_plan_servers(plan) <= 1 && plan->serve.nodes_per_replica <= 1)
            return snprintf(buf, size, "bash serve.sh");
        if (!plan->sky_named) /* no SkyPilot task for a part it does not name: the servers are yours to place */
            return snprintf(buf, size, "bash serve.sh   # on each of %.0f server(s)%s, behind your load balancer",
                            sp_plan_servers(plan), plan->serve.nodes_per_replica > 1 ? " (every node of one, its NODE_RANK and HEAD_ADDR set)" : "");
        return snprintf(buf, size, "sky serve up %ssky_task.yaml   # %.0f server(s) of serve.sh (%.0f replica(s)) behind SkyPilot's load balancer",
                        sp_plan_downloads_checkpoint(plan) ? "--secret HF_TOKEN " : "", sp_plan_servers(plan),
                        plan->serve.replicas);
    }
    char entry_buf[256];
    const char *entry = plan_entry(plan, entry_buf, sizeof entry_buf);
    unsigned long nodes = (unsigned long)plan->nodes;
    switch (plan->launcher) {
    case SP_LAUNCH_TORCHRUN:
        /* torchrun.sh's command: sharding is the entry's (axolotl.yml, HF Trainer's --fsdp or
         * --deepspeed, torchtitan.toml), as in every script stackplan launch writes. */
        return snprintf(buf, size, "torchrun --standalone --nproc_per_node=%lu %s",
                        (unsigned long)plan->gpus, entry);
    case SP_LAUNCH_SLURM: {
        /* Single quotes: the batch shell on the first node expands the endpoint, not sbatch. The
         * entry's own quoted word ('full_shard auto_wrap') takes double quotes inside them: a single
         * quote there would end the --wrap string (the entry is the plan's, never the user's text). */
        char wrapped[256];
        snprintf(wrapped, sizeof wrapped, "%s", entry);
        for (char *q = strchr(wrapped, '\''); q; q = strchr(q + 1, '\''))
            *q = '"';
        return snprintf(buf, size,
                        "sbatch --nodes=%lu --gpus-per-node=%lu --ntasks-per-node=1 --wrap='srun "
                        "torchrun --nnodes=%lu --nproc_per_node=%lu --rdzv_id=$SLURM_JOB_ID "
                        "--rdzv_backend=c10d --rdzv_endpoint=$(scontrol show hostnames "
                        "$SLURM_JOB_NODELIST | head -n 1):29500 %s'",
                        nodes, per_node(plan), nodes, per_node(plan), wrapped);
    }
    case SP_LAUNCH_SKYPILOT: /* what stackplan launch writes: sky_task.yaml runs node_run.sh on each node */
        return snprintf(buf, size, "sky launch %ssky_task.yaml   # %lu node(s) x %lu GPU(s), node_run.sh on each",
                        sp_plan_downloads_checkpoint(plan) ? "--secret HF_TOKEN " : "", nodes,
                        per_node(plan));
    case SP_LAUNCH_RAY:
        /* What ray.sh submits; the job's working directory goes to every node (ray_train.py's
         * workers run the entry there). */
        /* One replica on this node: its engine alone, no Ray job around it (which would never end). */
        if (plan->tier == SP_TIER_LOCAL && plan->axis == SP_AXIS_SERVING && !sp_plan_runs_serve_app(plan))
            return snprintf(buf, size, "bash serve.sh");
        if (plan->tier == SP_TIER_LOCAL)
            return snprintf(buf, size,
                            "ray start --head --num-gpus=%lu && ray job submit --address "
                            "http://127.0.0.1:8265 --working-dir . -- %s",
                            (unsigned long)plan->gpus, sp_ray_job_command(plan));
        /* The job goes to the head's dashboard, which only ray.sh's port-forward makes local. */
        return snprintf(buf, size,
                        "bash ray.sh   # ray up cluster.yaml, the dashboard forwarded to 127.0.0.1:8265, then "
                        "ray job submit --working-dir . -- %s",
                        sp_ray_job_command(plan));
    }
    return snprintf(buf, size, "?");
}

/* Conventions of the engines' own sizing guides, not estimates: they shape the launch line only. */
enum { SPARK_EXECUTOR_CORES = 5 }; /* Cloudera, "How-to: Tune Your Apache Spark Jobs (Part 2)": HDFS client throughput */
static const double SPARK_MEMORY_OVERHEAD = 1.10; /* spark.executor.memoryOverhead: 10% of executor memory (Spark docs) */
static const double NODE_MEMORY_SHARE = 0.9;      /* the rest of a node's memory to the OS and daemons (YARN/Dask guides) */

int sp_data_launch_line(sp_data_engine framework, const sp_instance *in, double nodes, char *buf, size_t size)
{
    double node_gib = in->memory_bytes / 1073741824.0 * NODE_MEMORY_SHARE;
    /* One machine: Spark's local mode, a worker thread a vCPU in the driver (no YARN to submit to). */
    if (framework == SP_DATA_SPARK && nodes <= 1)
        return snprintf(buf, size, "spark-submit --master 'local[%.0f]' --driver-memory %.0fg data_job.py", in->vcpus,
                        fmax(1.0, floor(node_gib - 1.0)));
    if (framework == SP_DATA_SPARK) {
        /* One core to the node's daemons, the rest in executors of five. */
        double per_node = fmax(1.0, floor((in->vcpus - 1.0) / SPARK_EXECUTOR_CORES));
        double memory_gb = floor((node_gib - 1.0) / per_node / SPARK_MEMORY_OVERHEAD);
        return snprintf(buf, size,
                        "spark-submit --master yarn --deploy-mode cluster --num-executors %.0f --executor-cores %d "
                        "--executor-memory %.0fg data_job.py",
                        per_node * nodes, SPARK_EXECUTOR_CORES, fmax(1.0, memory_gb));
    }
    /* The scheduler and the program on one node, a worker on each of the nodes; the program finds
     * the scheduler through Dask's scheduler-address setting (DASK_SCHEDULER_ADDRESS). */
    if (framework == SP_DATA_DASK)
        return snprintf(buf, size,
                        "dask scheduler --port 8786 & dask worker tcp://$SCHEDULER:8786 --nworkers %.0f --nthreads 1 "
                        "--memory-limit %.0fGiB & DASK_SCHEDULER_ADDRESS=tcp://$SCHEDULER:8786 python data_job.py",
                        in->vcpus, floor(node_gib / in->vcpus));
    /* One machine: data_job.py's ray.init() starts Ray on it, as Spark's local mode; no cluster. */
    if (nodes <= 1)
        return snprintf(buf, size, "python data_job.py");
    return snprintf(buf, size, "bash ray.sh   # ray up cluster.yaml, the dashboard forwarded to 127.0.0.1:8265, then "
                               "ray job submit --working-dir . -- python data_job.py");
}

bool sp_plan_data_runs_local(const sp_plan *plan)
{
    return plan->data_sized && plan->data_framework == SP_DATA_RAY_DATA && plan->data.nodes <= 1;
}

/* python -m sglang.launch_server with the plan's numbers (sgl-project/sglang server_args.py): one
 * server a replica, on every interface at vLLM's port, so SkyPilot's probe and balancer find it.
 * Attention data-parallel over the replica's GPUs is --dp-size with --enable-dp-attention; the
 * experts split whole, --ep-size; a replica over several nodes, --nnodes with this node's rank
 * and the first node's address (NODE_RANK, HEAD_ADDR: sky_task.yaml sets them). */
static int sglang_line(const char *model_name, const sp_serve_config *c, const sp_serve_result *s, char *buf,
                       size_t size)
{
    /* A context past the model's: SGLang refuses it unless told (its error names this variable). */
    int n = snprintf(buf, size, "%spython -m sglang.launch_server --model-path %s --tp-size %.0f",
                     c->context_extended ? "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1 " : "", model_name, s->tp);
    if (c->expert_parallel && c->attention_dp)
        n = sp_appendf(buf, size, n, " --dp-size %.0f --enable-dp-attention", s->tp);
    /* Replicas sharing an instance the part is rented in whole: one server runs them as SGLang's
     * data-parallel workers behind its own controller. */
    double per_server = sp_replicas_per_server(SP_ENGINE_SGLANG, false, c, s);
    if (per_server > 1)
        n = sp_appendf(buf, size, n, " --dp-size %.0f", per_server);
    if (c->expert_parallel)
        n = sp_appendf(buf, size, n, " --ep-size %.0f", s->tp);
    if (s->pp > 1)
        n = sp_appendf(buf, size, n, " --pp-size %.0f", s->pp);
    n = sp_appendf(buf, size, n, " --context-length %.0f --mem-fraction-static %.3f --max-running-requests %.0f",
                   s->max_model_len, floor(s->static_memory_share * 1000.0) / 1000.0, s->batch);
    if (c->kv_dtype == SP_DTYPE_FP8 || c->kv_dtype == SP_DTYPE_INT8) /* SGLang has no int8 cache: fp8, one byte */
        n = sp_appendf(buf, size, n, " --kv-cache-dtype fp8_e4m3");
    if (sp_vllm_quantization(c)) /* SGLang's ServerArgs take the same method names */
        n = sp_appendf(buf, size, n, " --quantization %s", sp_vllm_quantization(c));
    if (sp_vllm_dtype(c))
        n = sp_appendf(buf, size, n, " --dtype %s", sp_vllm_dtype(c));
    /* Chains of K drafted tokens, one candidate a step (EAGLE's top-k 1): K steps, K + 1 tokens checked. */
    if (c->spec_tokens > 0 && c->spec_draft == SP_DRAFT_MODEL)
        n = sp_appendf(buf, size, n, " --speculative-algorithm STANDALONE --speculative-draft-model-path %s",
                       c->spec_draft_model);
    else if (c->spec_tokens > 0)
        n = sp_appendf(buf, size, n, " --speculative-algorithm NEXTN");
    if (c->spec_tokens > 0)
        n = sp_appendf(buf, size, n,
                       " --speculative-num-steps %.0f --speculative-eagle-topk 1 --speculative-num-draft-tokens %.0f",
                       c->spec_tokens, c->spec_tokens + 1);
    if (c->lora_rank > 0) /* SGLang's slots: --max-loras-per-batch of them at --max-lora-rank */
        n = sp_appendf(buf, size, n,
                       " --lora-paths \"adapter=${ADAPTER_DIR:-checkpoints}\" --max-lora-rank %.0f "
                       "--max-loras-per-batch %.0f",
                       s->lora_engine_rank, sp_serve_lora_slots(c));
    if (s->nodes_per_replica > 1)
        n = sp_appendf(buf, size, n,
                       " --nnodes %.0f --node-rank \"${NODE_RANK:-0}\" --dist-init-addr \"${HEAD_ADDR:-127.0.0.1}:5000\"",
                       s->nodes_per_replica);
    return sp_appendf(buf, size, n, " --host 0.0.0.0 --port 8000");
}

/* The engine's flags for the numbers the plan chose (vllm serve --help; sglang.launch_server --help;
 * trtllm-serve --help). */
int sp_serve_launch_line(const char *model, sp_engine engine, const sp_serve_config *c,
                         const sp_serve_result *s, char *buf, size_t size)
{
    /* A repository id from a config file is the user's text: one shell word, quoted if need be. */
    char model_name[4 * SP_NAME_MAX + 3]; /* every quote of a 63-character id becomes 4 characters */
    sp_shell_word(model, model_name, sizeof model_name);
    double max_len = s->max_model_len;
    if (engine == SP_ENGINE_SGLANG)
        return sglang_line(model_name, c, s, buf, size);
    /* trtllm-serve listens on localhost unless told: every interface, for a load balancer. */
    if (engine == SP_ENGINE_TRTLLM)
        return snprintf(buf, size,
                        "trtllm-serve %s --tp_size %.0f --max_batch_size %.0f --max_seq_len %.0f "
                        "--kv_cache_free_gpu_memory_fraction %.2f --host 0.0.0.0 --port 8000",
                        model_name, s->tp, s->batch, max_len, c->gpu_memory_utilization);
    /* A context past the checkpoint's: vLLM refuses it unless told (its error names this variable;
     * positions past the trained ones need the model's RoPE scaling to be meaningful). */
    const char *long_len = c->context_extended ? "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 " : "";
    int n = snprintf(buf, size,
                     "%svllm serve %s --tensor-parallel-size %.0f --max-model-len %.0f --gpu-memory-utilization %.2f "
                     "--max-num-seqs %.0f --block-size %.0f",
                     long_len, model_name, s->tp, max_len, c->gpu_memory_utilization, s->batch,
                     c->block_tokens);
    /* vLLM: experts split over the ranks (--enable-expert-parallel); attention data-parallel
     * over them instead of tensor-parallel (--data-parallel-size, one tensor-parallel rank each). */
    if (c->expert_parallel && c->attention_dp)
        n = snprintf(buf, size,
                     "%svllm serve %s --data-parallel-size %.0f --enable-expert-parallel --max-model-len %.0f "
                     "--gpu-memory-utilization %.2f --max-num-seqs %.0f --block-size %.0f",
                     long_len, model_name, s->tp, max_len, c->gpu_memory_utilization,
                     ceil(s->batch / s->tp), c->block_tokens);
    else if (c->expert_parallel)
        n = sp_appendf(buf, size, n, " --enable-expert-parallel");
    /* A replica over several servers without pipeline stages: the data-parallel ranks (or one
     * tensor-parallel group) on a Ray cluster, started from the head node (vLLM's multi-node docs). */
    if (s->pp <= 1 && s->nodes_per_replica > 1) {
        if (c->expert_parallel && c->attention_dp)
            n = sp_appendf(buf, size, n, " --data-parallel-size-local %.0f --data-parallel-backend ray",
                           s->tp / s->nodes_per_replica);
        else
            n = sp_appendf(buf, size, n, " --distributed-executor-backend ray");
    }
    if (s->pp > 1) /* stages across nodes: vLLM runs them on a Ray cluster */
        n = sp_appendf(buf, size, n, " --pipeline-parallel-size %.0f --distributed-executor-backend ray", s->pp);
    if (c->prefix_share > 0) /* on by default in vLLM V1; said, since the plan counts on it */
        n = sp_appendf(buf, size, n, " --enable-prefix-caching");
    if (c->spec_tokens > 0 && c->spec_draft == SP_DRAFT_MODEL) /* a draft model: its id in "model" */
        n = sp_appendf(buf, size, n, " --speculative-config '{\"model\": \"%s\", \"num_speculative_tokens\": %.0f}'",
                       c->spec_draft_model, c->spec_tokens);
    else if (c->spec_tokens > 0) /* vLLM's speculative config (docs: speculative decoding, n-gram and MTP) */
        n = sp_appendf(buf, size, n, " --speculative-config '{\"method\": \"%s\", \"num_speculative_tokens\": %.0f}'",
                       c->spec_draft == SP_DRAFT_MTP ? "deepseek_mtp" : "ngram", c->spec_tokens);
    /* The fine-tune's adapter from its output directory (axolotl's output_dir: ADAPTER_DIR). */
    if (c->lora_rank > 0)
        n = sp_appendf(buf, size, n,
                       " --enable-lora --max-lora-rank %.0f --max-loras %.0f --lora-modules "
                       "\"adapter=${ADAPTER_DIR:-checkpoints}\"",
                       s->lora_engine_rank, c->max_loras);
    if (sp_vllm_dtype(c))
        n = sp_appendf(buf, size, n, " --dtype %s", sp_vllm_dtype(c));
    if (c->kv_dtype == SP_DTYPE_FP8 || c->kv_dtype == SP_DTYPE_INT8) /* vLLM has no int8 cache: fp8, one byte too */
        n = sp_appendf(buf, size, n, " --kv-cache-dtype fp8");
    if (sp_vllm_quantization(c))
        n = sp_appendf(buf, size, n, " --quantization %s", sp_vllm_quantization(c));
    return n;
}

/* The activation dtype the plan sized; quantised checkpoints keep vLLM's choice for theirs (NULL). */
const char *sp_vllm_dtype(const sp_serve_config *c)
{
    switch (c->weight_dtype) {
    case SP_DTYPE_BF16: return "bfloat16";
    case SP_DTYPE_FP16: return "float16";
    case SP_DTYPE_FP32: return "float32";
    default: return NULL;
    }
}

/* vLLM's --quantization for the weights the plan sized, or NULL: 16-bit weights, or a checkpoint
 * that is already quantised, which names its method in config.json for vLLM to read (a
 * --quantization that disagrees with it, awq for a GPTQ file, is refused). */
const char *sp_vllm_quantization(const sp_serve_config *c)
{
    if (c->weights_from_checkpoint)
        return NULL;
    switch (c->weight_dtype) {
    case SP_DTYPE_FP8: return "fp8";
    /* Marlin's kernels, which vLLM picks for an AWQ checkpoint unless --quantization awq forces the
     * slower ones ("Use quantization=awq_marlin for faster inference"), need compute capability 8.0. */
    case SP_DTYPE_INT4: return c->no_marlin ? "awq" : "awq_marlin";
    case SP_DTYPE_NVFP4: return "modelopt_fp4"; /* a ModelOpt NVFP4 checkpoint (vLLM quantization/modelopt.py) */
    case SP_DTYPE_MXFP4: return "mxfp4";        /* an MXFP4 checkpoint such as gpt-oss (vLLM quantization/mxfp4.py) */
    default: return NULL;
    }
}

/* Micro-batches a fine-tune's recipe accumulates an optimizer step: enough for ft_batch_sequences
 * (data/launch.yaml: QLoRA's batch of 16) over every GPU's micro-batch, at least one. */
double sp_ft_accumulation(const sp_launch_data *d, const sp_ft_config *k)
{
    return fmax(1, ceil(d->ft_batch_sequences / (k->micro_batch * k->gpus)));
}
