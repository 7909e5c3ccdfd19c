/* launch.c - the files a plan launches with: scripts, cluster.yaml, requirements, manifest. */
#include "launch_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A name too long for the buffer is cut at the last whole word that fits: "...-20-gb" and not
 * "...-20-gbo", which had glued the next word's first letter on when its dash did not fit. */
void sp_slug(const char *name, char *buf, size_t size)
{
    size_t o = 0, whole = 0; /* whole: the length up to the last word that ended */
    bool dash = false, cut = false;
    for (const unsigned char *c = (const unsigned char *)name; *c && !cut; c++) {
        bool word = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');
        bool upper = *c >= 'A' && *c <= 'Z';
        if (!word && !upper) {
            whole = o;
            dash = true;
            continue;
        }
        cut = o + (dash && o > 0 ? 2 : 1) >= size;
        if (cut)
            break;
        if (dash && o > 0)
            buf[o++] = '-';
        buf[o++] = upper ? (char)(*c - 'A' + 'a') : (char)*c;
        dash = false;
    }
    if (cut && whole > 0)
        o = whole;
    buf[o] = '\0';
    if (o == 0)
        sp_copy(buf, size, "profile");
}

/* The program torchrun starts and its arguments, each one shell word: the user's entry, or the
 * plan's own (Megatron's pretrain_gpt.py with the plan's arguments, axolotl with its recipe,
 * a script reading ds_config.json); fails rather than cut a word. */
static sp_status entry_words(sp_launch_ctx *c, sp_error *err)
{
    const sp_launch_options *o = c->o;
    const char *args = o->entry_args ? o->entry_args : "";
    if ((o->entry && strlen(o->entry) >= SP_WORD_MAX / 2) || strlen(args) >= SP_LINE_MAX / 2)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "entry-args", "the entry point and its arguments are too long");
    char word[SP_WORD_MAX * 4];
    sp_buf b = {0};
    if (o->entry) {
        sp_shell_quote(o->entry, word, sizeof word);
        sp_buf_puts(&b, word);
    } else if (c->plan->fine_tuned) {
        /* axolotl's CLI takes config keys as overrides (fire kwargs into load_cfg): the run-time
         * CHECKPOINT_DIR the scripts export reaches its output_dir */
        sp_buf_puts(&b, "-m axolotl.cli.train axolotl.yml --output_dir \"$CHECKPOINT_DIR\"");
    } else if (c->megatron) {
        sp_buf_puts(&b, "pretrain_gpt.py");
    } else if (c->torchtitan) {
        sp_buf_puts(&b, "-m torchtitan.train --job.config_file torchtitan.toml --checkpoint.folder \"$CHECKPOINT_DIR\"");
        if (!c->plan->model.torchtitan[0]) /* a model torchtitan does not define: the user's registration */
            sp_buf_puts(&b, " --model.name \"${TORCHTITAN_MODEL:?set TORCHTITAN_MODEL to a torchtitan model name}\""
                            " --model.flavor \"${TORCHTITAN_FLAVOR:?set TORCHTITAN_FLAVOR to its flavor}\"");
    } else {
        sp_buf_puts(&b, sp_default_entry(c->plan->axis));
        const char *flag, *value;
        if (c->gpu && !o->entry_args) {
            if (sp_default_entry_sharding(c->plan, &flag, &value)) {
                sp_shell_quote(value, word, sizeof word); /* HF Trainer's sharding flag (launch_line.c) */
                sp_buf_printf(&b, " %s %s", flag, word);
            }
            char batch[256]; /* the Trainer's batch (as ds_config.json fixes it), steps and checkpointing */
            if (sp_trainer_batch_args(c->plan, batch, sizeof batch) > 0)
                sp_buf_puts(&b, batch);
        }
    }
    if (c->megatron)
        sp_buf_puts(&b, " \"${MEGATRON_ARGS[@]}\"");
    char copy[SP_LINE_MAX];
    sp_copy(copy, sizeof copy, args);
    for (char *save = NULL, *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if ((size_t)sp_shell_quote(tok, word, sizeof word) >= sizeof word)
            b.failed = true;
        sp_buf_printf(&b, " %s", word);
    }
    char *text = sp_buf_finish(&b, NULL);
    bool fits = text && strlen(text) < sizeof c->entry;
    sp_copy(c->entry, sizeof c->entry, text ? text : "");
    free(text);
    return fits ? SP_OK : sp_fail(err, SP_ERR_INPUT, "", 0, 0, "entry-args", "the quoted command is too long");
}

/* Single node: torchrun starts one process a GPU (never written for a multi-node plan). */
static char *torchrun_script(const sp_launch_ctx *c, sp_error *err)
{
    sp_buf b = {0};
    sp_script_header(&b, "/usr/bin/env bash", c->profile, "Single node: torchrun starts one process per GPU");
    if (sp_run_preamble(c, &b, err) != SP_OK) {
        free(sp_buf_finish(&b, NULL));
        return NULL;
    }
    sp_buf_puts(&b, "# TORCHRUN_EXTRA_ARGS: e.g. '--redirects 1 --tee 1' for torch 1.13 on Python 3.11.\nexec torchrun ");
    sp_torchrun_tail(c, false, &b);
    sp_buf_puts(&b, "\n");
    return sp_buf_finish(&b, err);
}

/* One node of a run whose scheduler sets the rendezvous: Kubeflow's PyTorchJob (PET_NNODES,
 * PET_NODE_RANK, MASTER_ADDR, MASTER_PORT) or SkyPilot (SKYPILOT_NUM_NODES, SKYPILOT_NODE_RANK,
 * SKYPILOT_NODE_IPS). */
static char *node_script(const sp_launch_ctx *c, sp_error *err)
{
    sp_buf b = {0};
    sp_script_header(&b, "/usr/bin/env bash", c->profile,
                     "One node under Kubernetes (PyTorchJob) or SkyPilot: torchrun with the scheduler's rendezvous");
    if (sp_run_preamble(c, &b, err) != SP_OK) {
        free(sp_buf_finish(&b, NULL));
        return NULL;
    }
    sp_buf_printf(&b,
                  "nnodes=${PET_NNODES:-${SKYPILOT_NUM_NODES:-1}}\n"
                  "node_rank=${PET_NODE_RANK:-${SKYPILOT_NODE_RANK:-0}}\n"
                  "master_addr=${MASTER_ADDR:-$(echo \"${SKYPILOT_NODE_IPS:-127.0.0.1}\" | head -n 1)}\n"
                  "master_port=${MASTER_PORT:-%.0f}\n"
                  "exec torchrun --nnodes=\"$nnodes\" --node_rank=\"$node_rank\" --master_addr=\"$master_addr\" \\\n"
                  "    --master_port=\"$master_port\" --nproc_per_node=%.0f ${TORCHRUN_EXTRA_ARGS:-} %s\n",
                  c->o->rdzv_port, c->per_node, c->entry);
    return sp_buf_finish(&b, err);
}

static bool trains(const sp_plan *plan) { return plan->axis == SP_AXIS_TRAINING || plan->axis == SP_AXIS_MODEL; }

static char *ray_script(const sp_launch_ctx *c, sp_error *err)
{
    sp_buf b = {0};
    sp_script_header(&b, "/usr/bin/env bash", c->profile, "Ray: bring the cluster up from cluster.yaml, then submit the job");
    sp_buf_printf(&b, "set -euo pipefail\n"
                      "ray up cluster.yaml -y\n"
                      "ray dashboard cluster.yaml --port 8265 &\n"
                      "dashboard=$!\n"
                      "trap 'kill \"$dashboard\" 2>/dev/null || true' EXIT  # the port-forward may be gone already\n"
                      "# the forward needs SSH and the head's dashboard up: wait for it, two minutes at most\n"
                      "for _ in $(seq 60); do\n"
                      "  curl -sf http://127.0.0.1:8265/api/version >/dev/null && break\n"
                      "  sleep 2\n"
                      "done\n");
    if (c->o->entry && !trains(c->plan)) /* the user's own program (training runs it in ray_train.py's workers) */
        sp_buf_printf(&b, "ray job submit --address http://127.0.0.1:8265 --working-dir . -- python %s\n", c->entry);
    else if (c->plan->axis == SP_AXIS_SERVING && !c->plan->served) {
        /* No model served: serve_app.py (or serve.sh's one replica) reads MODEL, which the job's
         * runtime environment carries to the head where the driver runs. */
        char model[SP_WORD_MAX + 64];
        sp_shell_quote(c->profile->model[0] ? c->profile->model : "", model, sizeof model);
        if (c->profile->model[0])
            sp_buf_printf(&b, "model=${MODEL:-%s}\n", model);
        else
            sp_buf_puts(&b, "# No model named in the profile: MODEL names the Hugging Face repository to serve.\n"
                            "model=${MODEL:?set MODEL to a Hugging Face repository}\n");
        sp_buf_printf(&b, "ray job submit --address http://127.0.0.1:8265 --working-dir . \\\n"
                          "    --runtime-env-json \"{\\\"env_vars\\\": {\\\"MODEL\\\": \\\"$model\\\"}}\" -- %s\n",
                      sp_ray_job_command(c->plan));
    } else if (sp_plan_downloads_checkpoint(c->plan)) {
        /* The cluster's nodes download the checkpoint: the token goes with the job, as --secret does
         * for SkyPilot and the Secret hf-token on Kubernetes (empty for open repositories). */
        sp_buf_puts(&b, "# HF_TOKEN: a Hugging Face token for gated checkpoints, passed to the job's workers\n");
        sp_buf_printf(&b, "ray job submit --address http://127.0.0.1:8265 --working-dir . \\\n"
                          "    --runtime-env-json \"{\\\"env_vars\\\": {\\\"HF_TOKEN\\\": \\\"${HF_TOKEN:-}\\\"}}\" -- %s\n",
                      sp_ray_job_command(c->plan));
    } else
        sp_buf_printf(&b, "ray job submit --address http://127.0.0.1:8265 --working-dir . -- %s\n",
                      sp_ray_job_command(c->plan));
    return sp_buf_finish(&b, err);
}

/* The plan's engine is vLLM, alone or under Ray Serve. */
static bool runs_vllm(const sp_plan *plan)
{
    return plan->engine == SP_ENGINE_VLLM || plan->engine == SP_ENGINE_RAY_SERVE_VLLM;
}

static char *serve_script(const sp_launch_ctx *c, sp_error *err)
{
    const sp_plan *plan = c->plan;
    sp_buf b = {0};
    char line[SP_LINE_MAX], model[SP_WORD_MAX];
    sp_script_header(&b, "/usr/bin/env bash", c->profile, "Serving engine, started with the numbers the plan chose");
    sp_buf_puts(&b, "set -euo pipefail\n");
    if (plan->served) {
        sp_serve_launch_line(plan->model_id, plan->engine, &plan->serve_config, &plan->serve, line, sizeof line);
        sp_buf_printf(&b, "# %s: %s\n", sp_engine_name(plan->engine), plan->engine_reason);
        double per_server = sp_replicas_per_server(plan->engine, plan->model.experts > 1, &plan->serve_config, &plan->serve);
        bool vllm = runs_vllm(plan);
        if (plan->engine == SP_ENGINE_RAY_SERVE_VLLM)
            sp_buf_printf(&b, "# This is one replica; serve_app.py (Ray Serve) or rayservice.yaml (KubeRay) run all %.0f.\n",
                          plan->serve.replicas);
        if (vllm && per_server > 1 && sp_sky_accelerator(c->accel)[0])
            sp_buf_printf(&b, "# sky_task.yaml runs one server an instance: its %.0f replicas as vLLM's data-parallel engines,\n"
                              "# the flags it passes after serve.sh (--data-parallel-size) appended to this line.\n",
                          per_server);
        else if (sp_plan_runs_own_servers(plan) && plan->serve.replicas > 1) {
            char what[64] = "one replica";
            if (per_server > 1)
                snprintf(what, sizeof what, "one instance's %.0f replicas (--dp-size)", per_server);
            sp_buf_printf(&b, "# This is %s of %.0f; %s.\n", what, plan->serve.replicas,
                          sp_sky_accelerator(c->accel)[0] ? "sky_task.yaml (sky serve up) runs them all behind SkyPilot's load "
                                                            "balancer"
                                                          : "start one server a machine behind your load balancer");
        }
        /* vLLM's line takes the instance's data-parallel flags from sky_task.yaml's run. */
        sp_buf_printf(&b, "exec %s%s\n", line, vllm ? " \"$@\"" : "");
    } else {
        sp_shell_quote(c->profile->model[0] ? c->profile->model : "MODEL", model, sizeof model);
        if (sp_plan_runs_serve_app(plan))
            sp_buf_printf(&b, "# This is one replica; serve_app.py (Ray Serve) runs all %.0f.\n", sp_unsized_serving_replicas(plan));
        sp_buf_printf(&b, "# No model named in the profile: set MODEL to a Hugging Face repository.\n"
                          "default_model=%s\n"
                          "exec vllm serve \"${MODEL:-$default_model}\" --tensor-parallel-size %.0f "
                          "--gpu-memory-utilization 0.90\n",
                      model, fmax(1.0, plan->gpus_for_model));
    }
    return sp_buf_finish(&b, err);
}

/* TPU plans: MaxText on JAX, the TPU's own training stack (never Megatron or torchrun). */
static char *maxtext_script(const sp_launch_ctx *c, sp_error *err)
{
    const sp_plan *plan = c->plan;
    sp_buf b = {0};
    sp_script_header(&b, "/usr/bin/env bash", c->profile, "TPU: MaxText (JAX) with the plan's batch and sequence");
    sp_buf_printf(&b, "set -euo pipefail\nCHECKPOINT_DIR=${CHECKPOINT_DIR:-%s}\n", c->checkpoint_dir);
    double seq = plan->timed ? plan->run.config.seq : 2048;
    double per_device = plan->timed ? plan->run_global_batch / fmax(1, plan->gpus) : 1;
    double steps = plan->timed ? sp_run_steps(c) : 1000;
    sp_buf_printf(&b,
                  "# Fully sharded over the slice's chips (ici_fsdp_parallelism=-1: every chip), as MaxText's\n"
                  "# defaults do; set MODEL_NAME to a MaxText model config (src/maxtext/configs/models).\n"
                  "exec python3 -m maxtext.trainers.pre_train.train run_name=%s \\\n"
                  "    model_name=\"${MODEL_NAME:?set MODEL_NAME to a MaxText model config}\" \\\n"
                  "    per_device_batch_size=%.6g max_target_length=%.0f steps=%.0f ici_fsdp_parallelism=-1 \\\n"
                  "    base_output_directory=\"$CHECKPOINT_DIR\"\n",
                  c->slug, per_device, seq, steps);
    return sp_buf_finish(&b, err);
}

/* Ray runs the user's training program (ray_train.py, a Ray Train worker a GPU), a serving app or
 * engine, or a Ray Data program. Megatron-LM, torchtitan and axolotl are torchrun programs with their
 * own launch files; Spark and Dask jobs run on their own clusters (spark.sh, dask.sh); Ray Train has
 * no worker type for Trainium, Gaudi or TPU plans here. Those plans get no Ray files. */
static bool ray_runs(const sp_launch_ctx *c)
{
    const sp_plan *plan = c->plan;
    if (plan->data_sized && (plan->data_framework == SP_DATA_SPARK || plan->data_framework == SP_DATA_DASK))
        return false;
    if (sp_plan_data_runs_local(plan))
        return false;
    if (!trains(plan)) /* an engine that runs each replica's server itself needs no Ray */
        return !sp_plan_runs_own_servers(plan);
    /* The plan's own rule (its launcher follows it too); a CPU smoke variant runs the user's entry
     * under Ray Train, whatever framework the GPU plan chose, a fine-tune's axolotl aside. */
    return c->o->cpu ? !plan->fine_tuned : sp_plan_ray_trains(plan);
}

/* The packages the plan's frameworks need, as frameworks.yaml names them. */
static size_t package_names(const sp_launch_ctx *c, const char **names)
{
    const sp_plan *plan = c->plan;
    bool serving = plan->axis == SP_AXIS_SERVING, data = plan->axis == SP_AXIS_DATA;
    size_t n = 0;
    if (c->plan->stack == SP_STACK_XLA && !serving && !data) {
        names[n++] = "jax";
        names[n++] = "maxtext";
        names[n++] = "mlflow";
        return n;
    }
    /* A fine-tune installs axolotl alone: it pins the torch, transformers, peft, trl, accelerate
     * and bitsandbytes it runs with (pyproject.toml, exact pins that others would contradict). */
    if (plan->fine_tuned)
        names[n++] = "axolotl";
    /* torch-neuronx pins the torch it was built for, an engine's image the one its engine was, and
     * a serving engine's wheel its own exact torch (vllm, sglang, tensorrt-llm each require one) */
    else if (!data && c->plan->stack != SP_STACK_NEURON && !c->engine_image[0] && !(serving && plan->served))
        names[n++] = "torch";
    const char *stack = plan->timed ? sp_train_stack_package(sp_train_stack_of(&plan->run.config)) : NULL;
    if (stack && !plan->fine_tuned && c->plan->stack != SP_STACK_NEURON && c->plan->stack != SP_STACK_HPU)
        names[n++] = stack;
    /* The default train.py gets HF Trainer's --fsdp or --deepspeed (the scripts' entry line): the
     * Trainer is transformers', and both flags run through accelerate (and DeepSpeed's engine). */
    const char *flag = "", *value;
    bool sharded = sp_default_entry_sharding(plan, &flag, &value);
    if (!c->o->entry && !c->o->entry_args && c->gpu && (sharded || sp_plan_runs_trainer(plan))) {
        names[n++] = "transformers";
        names[n++] = "accelerate";
        if (sharded && !strcmp(flag, "--deepspeed") && !(stack && !strcmp(stack, "deepspeed")))
            names[n++] = "deepspeed";
        if (sp_plan_runs_trainer(plan) && plan->run.config.optimizer == SP_OPT_ADAM8BIT)
            names[n++] = "bitsandbytes"; /* the Trainer's --optim adamw_bnb_8bit */
    }
    sp_precision p = plan->run.config.precision;
    if (c->torchtitan && (p == SP_PREC_FP8 || p == SP_PREC_MXFP8 || p == SP_PREC_FP8_ROWWISE))
        names[n++] = "torchao"; /* torchtitan's float8 and mx converters are torchao's */
    if (c->plan->stack == SP_STACK_NEURON && !serving && !data)
        names[n++] = "torch-neuronx";
    if (c->plan->stack == SP_STACK_HPU && !serving && !data)
        names[n++] = "optimum-habana";
    if (serving && !c->engine_image[0]) /* an engine from an image brings itself */
        names[n++] = !plan->served                         ? "vllm"
                     : plan->engine == SP_ENGINE_TRTLLM ? "tensorrt-llm"
                     : plan->engine == SP_ENGINE_SGLANG ? "sglang"
                                                        : "vllm";
    if (plan->data_sized && plan->data_framework == SP_DATA_SPARK)
        names[n++] = "pyspark";
    else if (plan->data_sized && plan->data_framework == SP_DATA_DASK)
        names[n++] = "dask";
    else if (ray_runs(c) || sp_plan_data_runs_local(plan) || /* cluster.yaml's nodes, or this one, start Ray from this pin */
             (plan->served && !sp_plan_runs_own_servers(plan) &&
              (plan->engine == SP_ENGINE_RAY_SERVE_VLLM || plan->serve.pp > 1 ||
               plan->serve.nodes_per_replica > 1))) /* vLLM's Ray executor */
        names[n++] = "ray";
    names[n++] = "mlflow";
    return n;
}

/* The wheel index of the accelerator's torch build, "" for CPU-only and non-GPU stacks. */
static const char *wheel_index(const sp_launch_ctx *c)
{
    if (c->plan->axis == SP_AXIS_DATA) /* no torch to pick a build of */
        return "";
    if (c->plan->stack == SP_STACK_NEURON && !c->o->cpu)
        return c->rules->launch.neuron_wheel_index;
    if (!c->gpu)
        return "";
    return c->plan->stack == SP_STACK_ROCM ? c->rules->launch.rocm_wheel_index : c->rules->launch.cuda_wheel_index;
}

/* The pip extras of a package: axolotl's DeepSpeed extra for ZeRO-Offload (within the versions
 * axolotl pins), else data/frameworks.yaml's. */
static const char *pin_extra(const sp_launch_ctx *c, const char *name)
{
    if (!strcmp(name, "axolotl") && c->plan->fine_tuned && c->plan->fine_tune.config.offload == SP_OFFLOAD_OPTIMIZER)
        return "[deepspeed]";
    return sp_framework_extra(c->rules, name);
}

/* Whether axolotl.yml sets flash_attention (ft_recipe.c): FlashAttention-2 on an NVIDIA part of
 * Ampere or newer, which compiles against the torch installed first. */
static bool needs_flash_attn(const sp_launch_ctx *c)
{
    return c->plan->fine_tuned && c->plan->fine_tune.config.flash_attention && c->gpu && !c->o->cpu &&
           c->plan->stack == SP_STACK_CUDA && !sp_accel_fp16_only(c->accel);
}

/* requirements.txt: the build variant, its wheel index, and the pins of data/frameworks.yaml. */
static char *requirements(const sp_launch_ctx *c, const char *const *names, size_t n, sp_error *err)
{
    sp_buf b = {0};
    const char *index = wheel_index(c);
    bool cpu_nodes = c->plan->data_sized; /* a data job's CPU instances: no GPU wheels */
    sp_buf_printf(&b, "# %s build (data/launch.yaml, data/frameworks.yaml)\n",
                  cpu_nodes                ? "CPU"
                  : c->gpu                 ? sp_stack_name(c->plan->stack)
                  : c->o->cpu              ? "CPU"
                                           : sp_stack_name(c->plan->stack));
    if (index[0] && !cpu_nodes)
        sp_buf_printf(&b, "--extra-index-url %s\n", index);
    if (c->engine_image[0])
        sp_buf_printf(&b, "# vLLM on ROCm: run in AMD's %s image, with its own torch (vLLM publishes no ROCm\n"
                          "# wheels; sky_task.yaml and cluster.yaml use it)\n",
                      c->engine_image);
    for (size_t i = 0; i < n; i++)
        sp_buf_printf(&b, "%s%s==%s\n", names[i], pin_extra(c, names[i]), sp_framework_version(c->rules, names[i]));
    if (needs_flash_attn(c))
        sp_buf_printf(&b, "# then FlashAttention-2 (axolotl.yml's flash_attention), built against the torch axolotl installed:\n"
                          "# pip install --no-build-isolation flash-attn==%s\n",
                      sp_framework_version(c->rules, "flash-attn"));
    return sp_buf_finish(&b, err);
}

/* One setup line: the wheel index and the pinned packages, each a quoted shell word
 * ("ray[default]" is a glob). */
static char *pip_line(const sp_launch_ctx *c, const char *const *names, size_t n, sp_error *err)
{
    sp_buf b = {0};
    char word[SP_WORD_MAX], pin[SP_WORD_MAX];
    /* TensorRT-LLM's wheel loads MPI at import (its installation guide: libopenmpi-dev first). */
    if (c->plan->served && c->plan->engine == SP_ENGINE_TRTLLM && !c->o->cpu)
        sp_buf_puts(&b, "sudo apt-get update -qq && sudo apt-get install -y libopenmpi-dev && ");
    sp_buf_puts(&b, "pip install");
    if (wheel_index(c)[0])
        sp_buf_printf(&b, " --extra-index-url %s", wheel_index(c));
    for (size_t i = 0; i < n; i++) {
        snprintf(pin, sizeof pin, "%s%s==%s", names[i], pin_extra(c, names[i]), sp_framework_version(c->rules, names[i]));
        sp_shell_quote(pin, word, sizeof word);
        sp_buf_printf(&b, " %s", word);
    }
    if (needs_flash_attn(c))
        sp_buf_printf(&b, " && pip install --no-build-isolation 'flash-attn==%s'", sp_framework_version(c->rules, "flash-attn"));
    return sp_buf_finish(&b, err);
}

static json_t *profile_json(const sp_profile *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "params_b", json_real(p->params_b));
    if (p->has_memory_gb)
        json_object_set_new(o, "memory_gb", json_real(p->memory_gb));
    json_object_set_new(o, "data_tb", json_real(p->data_tb));
    json_object_set_new(o, "qps", json_real(p->qps));
    json_object_set_new(o, "axis", p->has_axis ? json_string(sp_axis_name(p->axis)) : json_null());
    json_object_set_new(o, "model", p->model[0] ? json_string(p->model) : json_null());
    json_object_set_new(o, "gpu", p->gpu[0] ? json_string(p->gpu) : json_null());
    if (p->engine != SP_ENGINE_ASK_AUTO) /* the serving keys that change the files */
        json_object_set_new(o, "engine", json_string(p->engine == SP_ENGINE_ASK_SGLANG   ? "sglang"
                                                     : p->engine == SP_ENGINE_ASK_TRTLLM ? "trtllm"
                                                                                         : "vllm"));
    if (p->has_weight_dtype)
        json_object_set_new(o, "weight_dtype", json_string(sp_dtype_name(p->weight_dtype)));
    if (p->prefix_share > 0)
        json_object_set_new(o, "prefix_share", json_real(p->prefix_share));
    json_object_set_new(o, "train_hours", json_real(p->train_hours));
    json_object_set_new(o, "budget_usd", json_real(p->budget_usd));
    /* The keys that define a run, where the profile gives them (the plan object has what was chosen). */
    const struct {
        const char *key;
        double value;
    } given[] = {{"gpus", p->gpus},         {"seq", p->seq},           {"global_batch", p->global_batch},
                 {"micro_batch", p->micro_batch}, {"tokens", p->tokens}, {"dataset_gb", p->dataset_gb},
                 {"epochs", p->epochs}};
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
        if (given[i].value > 0)
            json_object_set_new(o, given[i].key, json_real(given[i].value));
    if (p->has_precision)
        json_object_set_new(o, "precision", json_string(sp_precision_name((sp_precision)p->precision)));
    if (p->has_method)
        json_object_set_new(o, "method", json_string(p->method_auto ? "auto" : sp_ft_method_name((sp_ft_method)p->method)));
    return o;
}

static char *manifest(const sp_launch_ctx *c, const sp_file_hash *hashes, size_t hash_count, const char *launch,
                      const char *const *names, size_t name_count, const sp_artifact_set *set, sp_error *err)
{
    const sp_plan *plan = c->plan;
    json_t *root = json_object();
    json_object_set_new(root, "stackplan_version", json_string(SP_VERSION));
    json_object_set_new(root, "profile", profile_json(c->profile));
    json_t *plan_json = sp_plan_json(c->profile, plan, c->rules);
    /* The plan's one-line command names the default entry point and port; what runs is the
     * script in "launch", written with the options given. */
    json_object_del(plan_json, "launch");
    json_object_set_new(root, "plan", plan_json);
    json_t *cluster = json_object();
    json_object_set_new(cluster, "accelerator", c->accel ? json_string(c->accel->name) : json_null());
    bool cpu = c->o->cpu || plan->data_sized; /* a data job's machines are CPU instances */
    json_object_set_new(cluster, "software", json_string(cpu ? "CPU" : sp_stack_name(c->plan->stack)));
    json_object_set_new(cluster, "gpus", json_integer((json_int_t)(plan->data_sized ? 0 : plan->gpus)));
    json_object_set_new(cluster, "nodes", json_integer((json_int_t)plan->nodes));
    json_object_set_new(cluster, "gpus_per_node", json_integer((json_int_t)c->per_node));
    /* the instance a node rents as priced, when the job uses fewer of its GPUs (null: all of them) */
    json_object_set_new(cluster, "rented_gpus_per_node",
                        !plan->served && !plan->data_sized && sp_rented_node_gpus(c) > c->per_node
                            ? json_integer((json_int_t)sp_rented_node_gpus(c))
                            : json_null());
    json_object_set_new(cluster, "tier", json_string(sp_tier_key(plan->tier)));
    json_object_set_new(cluster, "launcher", json_string(sp_launcher_name(plan->launcher)));
    json_object_set_new(root, "cluster", cluster);
    /* what a check of the pipeline's split needs beside the plan's degrees */
    json_object_set_new(root, "model_layers", plan->has_model ? json_integer((json_int_t)plan->model.layers) : json_null());
    json_object_set_new(root, "launch", json_string(launch));
    json_t *pins = json_object();
    for (size_t i = 0; i < name_count; i++)
        json_object_set_new(pins, names[i], json_string(sp_framework_version(c->rules, names[i])));
    json_object_set_new(root, "frameworks", pins);
    json_object_set_new(root, "wheel_index", json_string(wheel_index(c)));
    json_t *files = json_array();
    for (size_t i = 0; i < hash_count; i++) {
        json_t *f = json_object(), *name = json_string(hashes[i].file);
        if (!name) { /* jansson refuses text that is not UTF-8 */
            json_decref(f);
            json_decref(files);
            json_decref(root);
            sp_fail(err, SP_ERR_INPUT, "", 0, 0, "file", "'%s' is not UTF-8: the manifest cannot name it",
                    hashes[i].file);
            return NULL;
        }
        json_object_set_new(f, "file", name);
        json_object_set_new(f, "sha256", json_string(hashes[i].sha256));
        json_array_append_new(files, f);
    }
    json_object_set_new(root, "inputs", files);
    json_t *artifacts = json_array();
    for (size_t i = 0; i < set->count; i++) { /* every file written beside this one, and its digest */
        char digest[65];
        sp_text_sha256(set->items[i].text, digest);
        json_t *f = json_object();
        json_object_set_new(f, "file", json_string(set->items[i].name));
        json_object_set_new(f, "sha256", json_string(digest));
        json_array_append_new(artifacts, f);
    }
    json_object_set_new(root, "artifacts", artifacts);
    return sp_json_finish(root, err);
}

static sp_status add(sp_artifact_set *set, const char *name, char *text, bool executable, sp_error *err)
{
    if (!text)
        return err ? err->status : SP_ERR_NOMEM;
    if (set->count == SP_ARTIFACTS_MAX) {
        free(text);
        return sp_fail(err, SP_ERR_INTERNAL, "", 0, 0, "", "too many artifacts");
    }
    sp_copy(set->items[set->count].name, sizeof set->items[set->count].name, name);
    set->items[set->count].text = text;
    set->items[set->count].executable = executable;
    set->count++;
    return SP_OK;
}

/* Spark or Dask for a sized data job: the framework's own launch line. The report's line ends
 * with the default program; the script runs the entry the launch was given (--entry,
 * --entry-args, each word quoted), as ray.sh does, since the manifest records this script. */
static char *data_script(const sp_launch_ctx *c, sp_error *err)
{
    const sp_plan *plan = c->plan;
    sp_buf b = {0};
    char line[SP_LINE_MAX];
    sp_script_header(&b, "/usr/bin/env bash", c->profile, "Data job, with the executor sizing of the plan's cluster");
    sp_data_launch_line(plan->data_framework, &plan->data_instance, plan->data.nodes, line, sizeof line);
    const char *entry = sp_default_entry(plan->axis);
    size_t n = strlen(line), k = strlen(entry);
    bool names_entry = n > k && line[n - k - 1] == ' ' && !strcmp(line + n - k, entry);
    if (names_entry)
        line[n - k] = '\0';
    sp_buf_printf(&b, "set -euo pipefail\n# %s: %s\n", sp_data_engine_name(plan->data_framework),
                  plan->data_framework_reason);
    if (sp_plan_data_runs_local(plan))
        sp_buf_puts(&b, "# one machine: the program's ray.init() starts Ray here (Ray Data's local mode), no cluster\n");
    if (plan->data_framework == SP_DATA_DASK) /* the scheduler and workers end with the program */
        sp_buf_printf(&b, "# a dask worker runs on each of the %.0f nodes, pointed at the first node's address\n"
                          "SCHEDULER=${SCHEDULER:-$(hostname)}\n"
                          "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n",
                      plan->data.nodes);
    sp_buf_printf(&b, "%s%s\n", line, names_entry ? c->entry : "");
    return sp_buf_finish(&b, err);
}

/* The launch command the manifest records: the script of the plan's launcher. */
static const char *launch_file(const sp_launch_ctx *c)
{
    const sp_plan *plan = c->plan;
    if (plan->data_sized && plan->data_framework == SP_DATA_SPARK)
        return "spark.sh";
    if (plan->data_sized && plan->data_framework == SP_DATA_DASK)
        return "dask.sh";
    if (sp_plan_data_runs_local(plan))
        return "ray_data.sh";
    if (trains(plan) && c->plan->stack == SP_STACK_XLA && !c->o->cpu)
        return "maxtext.sh";
    if (sp_plan_runs_own_servers(plan)) /* several servers, or one over nodes: SkyPilot's service */
        return (sp_plan_servers(plan) > 1 || plan->serve.nodes_per_replica > 1) && sp_sky_accelerator(c->accel)[0] &&
                       !c->o->cpu
                   ? "sky_task.yaml"
                   : "serve.sh";
    if (plan->axis == SP_AXIS_SERVING && plan->launcher != SP_LAUNCH_RAY)
        return "serve.sh";
    if (!ray_runs(c) && plan->launcher == SP_LAUNCH_RAY) /* the managed tier without Ray: SkyPilot */
        return sp_sky_accelerator(c->accel)[0] && !c->o->cpu ? "sky_task.yaml" : "job.sbatch";
    switch (plan->launcher) {
    case SP_LAUNCH_TORCHRUN: return plan->nodes > 1 ? "job.sbatch" : "torchrun.sh";
    case SP_LAUNCH_SLURM: return "job.sbatch";
    case SP_LAUNCH_SKYPILOT: return sp_sky_accelerator(c->accel)[0] && !c->o->cpu ? "sky_task.yaml" : "job.sbatch";
    case SP_LAUNCH_RAY: return plan->tier == SP_TIER_LOCAL && plan->axis == SP_AXIS_SERVING ? "serve.sh" : "ray.sh";
    }
    return "ray.sh";
}

/* Fills an image pattern of data/launch.yaml: {torch} and {ray} from the pins, {cuda} ("13.0") and
 * {cu} ("130") from the CUDA wheel index's ".../cuXYZ". */
static void fill_image(const sp_launch_ctx *c, const char *pattern, char *out, size_t size)
{
    const char *slash = strrchr(c->rules->launch.cuda_wheel_index, '/');
    const char *cu = slash && !strncmp(slash, "/cu", 3) ? slash + 3 : "";
    char cuda[16] = "";
    if (strlen(cu) >= 2)
        snprintf(cuda, sizeof cuda, "%.*s.%s", (int)strlen(cu) - 1, cu, cu + strlen(cu) - 1);
    const struct {
        const char *key, *value;
    } fields[] = {{"{torch}", sp_framework_version(c->rules, "torch")},
                  {"{ray}", sp_framework_version(c->rules, "ray")},
                  {"{cuda}", cuda},
                  {"{cu}", cu}};
    size_t n = 0;
    for (const char *p = pattern; *p && n + 1 < size;) {
        bool filled = false;
        for (size_t f = 0; f < sizeof fields / sizeof fields[0] && !filled; f++)
            if (!strncmp(p, fields[f].key, strlen(fields[f].key))) {
                n += (size_t)snprintf(out + n, size - n, "%s", fields[f].value);
                n = n < size ? n : size - 1;
                p += strlen(fields[f].key);
                filled = true;
            }
        if (!filled)
            out[n++] = *p++;
    }
    out[n] = '\0';
}

/* The container images the Kubernetes artifacts start from (data/launch.yaml). */
static void image_names(const sp_launch_ctx *c, char *torch_image, char *ray_image, size_t size)
{
    const sp_launch_data *d = &c->rules->launch;
    bool rocm = c->plan->stack == SP_STACK_ROCM;
    fill_image(c, rocm ? d->rocm_torch_image : d->cuda_torch_image, torch_image, size);
    fill_image(c, rocm ? d->rocm_ray_image : d->cuda_ray_image, ray_image, size);
}

/* Slurm names (partition, account) as sbatch reads them in a #SBATCH line: no quoting there,
 * so anything but letters, digits and "_-.," is refused rather than written. */
static sp_status check_slurm_name(const char *value, const char *field, sp_error *err)
{
    for (const char *p = value ? value : ""; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_-.,", *p)))
            return sp_fail(err, SP_ERR_INPUT, "", 0, 0, field,
                           "'%s' is not a Slurm %s name (letters, digits and _-., only)", value, field);
    return SP_OK;
}

static sp_status context(sp_launch_ctx *c, const sp_profile *profile, const sp_plan *plan, const sp_rules *rules,
                         const sp_accel *accel, const sp_launch_options *o, const char *slug, sp_error *err)
{
    memset(c, 0, sizeof *c);
    c->profile = profile;
    c->plan = plan;
    c->rules = rules;
    c->accel = accel;
    c->o = o;
    c->slug = slug;
    c->gpu = !o->cpu && (c->plan->stack == SP_STACK_CUDA || c->plan->stack == SP_STACK_ROCM);
    c->per_node = o->cpu ? o->nproc_per_node : ceil(plan->gpus / fmax(1, plan->nodes));
    bool layout = plan->timed && plan->has_model && !c->plan->fine_tuned && c->gpu;
    c->megatron = layout && sp_train_stack_of(&plan->run.config) == SP_TRAIN_MEGATRON;
    c->zero = layout && sp_train_stack_of(&plan->run.config) == SP_TRAIN_FSDP_ZERO;
    c->torchtitan = layout && sp_train_stack_of(&plan->run.config) == SP_TRAIN_TORCHTITAN;
    c->hours = plan->fine_tuned ? plan->fine_tune.hours : plan->timed ? plan->run_hours : profile->train_hours;
    if (o->checkpoint_dir && strlen(o->checkpoint_dir) >= SP_WORD_MAX / 4)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "checkpoint-dir", "the checkpoint directory is too long");
    if (o->env_hook && strlen(o->env_hook) >= SP_WORD_MAX / 4)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "env-hook", "the environment hook's path is too long");
    /* The axolotl recipe is the plan's GPU fine-tune (bitsandbytes, FlashAttention, bf16): no CPU
     * runs it, so a CPU smoke variant needs the user's own program. */
    if (o->cpu && plan->fine_tuned && !o->entry)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "cpu",
                       "a fine-tune's axolotl recipe needs its GPUs (4-bit weights, FlashAttention): give --entry with "
                       "a program a CPU runs for the smoke variant");
    sp_status s = check_slurm_name(o->partition, "partition", err);
    if (s == SP_OK)
        s = check_slurm_name(o->account, "account", err);
    if (s != SP_OK)
        return s;
    sp_shell_quote(o->checkpoint_dir ? o->checkpoint_dir : "checkpoints", c->checkpoint_dir, sizeof c->checkpoint_dir);
    bool vllm = plan->axis == SP_AXIS_SERVING && !(plan->served && plan->engine == SP_ENGINE_TRTLLM);
    if (vllm && c->gpu && plan->stack == SP_STACK_ROCM)
        snprintf(c->engine_image, sizeof c->engine_image, "%s", rules->launch.rocm_ray_image);
    return entry_words(c, err);
}

/* A Megatron plan's SkyPilot setup: the pinned wheels, then Megatron-LM's repository at the release
 * of the megatron-core pin (pretrain_gpt.py is not in the wheel; its tags are core_vX.Y.Z) and the
 * extras with Transformer Engine built against that torch, as Megatron Core's installation guide
 * gives them ("pip install --group build", which pip 25.1 reads, then --no-build-isolation
 * "megatron-core[training,dev]";
 * docs.nvidia.com/megatron-core/developer-guide/0.19.0/get-started/install.html). The run starts
 * node_run.sh from the checkout. A setup run again on the same cluster keeps its checkout. */
static char *megatron_sky_setup(const sp_launch_ctx *c, const char *setup, sp_error *err)
{
    const char *version = sp_framework_version(c->rules, "megatron-core");
    sp_buf b = {0};
    /* ROCm: AMD's fork, whose Transformer Engine is not on PyPI (its training container carries it:
     * sky_task.yaml's header says so), never the CUDA extras below. */
    if (c->plan->stack == SP_STACK_ROCM) {
        sp_buf_printf(&b, "%s && ([ -d Megatron-LM ] || git clone --depth 1 https://github.com/ROCm/Megatron-LM.git)",
                      setup);
        return sp_buf_finish(&b, err);
    }
    sp_buf_printf(&b,
                  "%s && ([ -d Megatron-LM ] || git clone --depth 1 --branch core_v%s "
                  "https://github.com/NVIDIA/Megatron-LM.git) && pip install -U 'pip>=25.1' && "
                  "(cd Megatron-LM && pip install --group build) && "
                  "pip install --no-build-isolation 'megatron-core[training,dev]==%s'",
                  setup, version, version);
    return sp_buf_finish(&b, err);
}

/* The text of a file already in the set, NULL when it is not there. */
static const char *artifact_text(const sp_artifact_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (!strcmp(set->items[i].name, name))
            return set->items[i].text;
    return NULL;
}

/* The manifest's and README's command for the launch file: sbatch, sky launch or sky serve up
 * with what the task requires (the token as a secret; node_run.sh's variables from the shell by
 * name: --env NAME), else the script itself. */
static void launch_command(const sp_launch_ctx *c, const sp_artifact_set *out, const char *file, char *buf, size_t size)
{
    if (strcmp(file, "sky_task.yaml")) {
        snprintf(buf, size, "%s%s", !strcmp(file, "job.sbatch") ? "sbatch " : "./", file);
        return;
    }
    bool serving = c->plan->axis == SP_AXIS_SERVING;
    int n = snprintf(buf, size, "sky %s ", serving ? "serve up" : "launch");
    sp_required_env required[SP_REQUIRED_ENVS_MAX];
    size_t nrequired = serving ? 0 : sp_required_envs(artifact_text(out, "node_run.sh"), required, SP_REQUIRED_ENVS_MAX);
    for (size_t i = 0; i < nrequired; i++)
        n = sp_appendf(buf, size, n, "--env %s ", required[i].name);
    if (sp_plan_downloads_checkpoint(c->plan))
        n = sp_appendf(buf, size, n, "--secret HF_TOKEN ");
    sp_appendf(buf, size, n, "%s", file);
}

/* Training: torchrun.sh on one node, job.sbatch, the Kubernetes and SkyPilot pair, and the
 * configs of the plan's framework. TPUs get MaxText instead. */
static sp_status training_artifacts(const sp_launch_ctx *c, const char *setup, sp_artifact_set *out, sp_error *err)
{
    sp_status s = SP_OK;
    bool xla = c->plan->stack == SP_STACK_XLA && !c->o->cpu;
    if (xla)
        s = add(out, "maxtext.sh", maxtext_script(c, err), true, err);
    if (s == SP_OK && !xla && c->plan->nodes <= 1)
        s = add(out, "torchrun.sh", torchrun_script(c, err), true, err);
    if (s == SP_OK && !xla)
        s = add(out, "job.sbatch", sp_sbatch_script(c, err), true, err);
    if (s == SP_OK && c->torchtitan)
        s = add(out, "torchtitan.toml", sp_torchtitan_config(c, err), false, err);
    if (s == SP_OK && c->zero) {
        s = add(out, "ds_config.json", sp_ds_config(c, err), false, err);
        if (s == SP_OK)
            s = add(out, "accelerate_config.yaml", sp_accelerate_config(c, err), false, err);
    }
    if (s == SP_OK && c->plan->fine_tuned)
        s = add(out, "axolotl.yml", sp_axolotl_config(c, err), false, err);
    if (s == SP_OK && c->plan->fine_tuned && c->plan->fine_tune.config.offload == SP_OFFLOAD_OPTIMIZER)
        s = add(out, "ds_config.json", sp_ft_ds_config(c, err), false, err);
    if (s == SP_OK && !xla)
        s = add(out, "node_run.sh", node_script(c, err), true, err);
    if (s == SP_OK && c->gpu) {
        char torch_image[128], ray_image[128];
        image_names(c, torch_image, ray_image, sizeof torch_image);
        s = add(out, "pytorchjob.yaml", sp_pytorchjob(c, torch_image, err), false, err);
    }
    if (s == SP_OK && !xla && !c->o->cpu && sp_sky_accelerator(c->accel)[0]) {
        char *megatron_setup = c->megatron ? megatron_sky_setup(c, setup, err) : NULL;
        if (c->megatron && !megatron_setup)
            return SP_ERR_INTERNAL;
        s = add(out, "sky_task.yaml",
                sp_sky_task(c, c->megatron ? megatron_setup : setup,
                            c->megatron ? "cd Megatron-LM && bash ../node_run.sh" : "bash node_run.sh",
                            artifact_text(out, "node_run.sh"), err),
                false, err);
        free(megatron_setup);
    }
    return s;
}

/* What SkyPilot runs on each node of a replica. One node: serve.sh. A replica over several nodes
 * runs its engine on one Ray cluster spanning them (vLLM's multi-node serving docs): the first node
 * (SKYPILOT_NODE_RANK 0) starts Ray's head, waits until every node's GPUs have joined, and starts
 * serve.sh; the others join the head at the first of SKYPILOT_NODE_IPS and stay (SkyPilot's
 * distributed-jobs environment variables). */
static void sky_serve_run(const sp_launch_ctx *c, char *buf, size_t size)
{
    const sp_serve_result *s = &c->plan->serve;
    double gpus = s->tp * fmax(1.0, s->pp);
    double per_server = sp_replicas_per_server(c->plan->engine, c->plan->model.experts > 1, &c->plan->serve_config, s);
    /* vLLM over a whole instance: a dense model's replicas as data-parallel engines, with as many
     * API server processes (vLLM docs, Data Parallel Deployment; MoE ranks are coupled: never here). */
    if (runs_vllm(c->plan) && per_server > 1) {
        snprintf(buf, size, "bash serve.sh --data-parallel-size %.0f --api-server-count %.0f", per_server, per_server);
        return;
    }
    if (!(s->nodes_per_replica > 1)) {
        snprintf(buf, size, "bash serve.sh");
        return;
    }
    /* SGLang over nodes: the same server on each, told its rank and the first node's address. */
    if (c->plan->engine == SP_ENGINE_SGLANG) {
        snprintf(buf, size,
                 "export NODE_RANK=\"$SKYPILOT_NODE_RANK\" HEAD_ADDR=$(echo \"$SKYPILOT_NODE_IPS\" | head -n1)\n"
                 "bash serve.sh\n");
        return;
    }
    snprintf(buf, size,
             "head=$(echo \"$SKYPILOT_NODE_IPS\" | head -n1)\n"
             "if [ \"$SKYPILOT_NODE_RANK\" = 0 ]; then\n"
             "  ray start --head --port=6379 --disable-usage-stats\n"
             "  until python3 -c \"import ray, sys; ray.init(address='auto', logging_level='ERROR'); "
             "sys.exit(ray.cluster_resources().get('GPU', 0) < %.0f)\" 2>/dev/null; do sleep 5; done\n"
             "  bash serve.sh\n"
             "else\n"
             "  ray start --address=\"$head:6379\" --disable-usage-stats --block\n"
             "fi\n",
             gpus);
}

static sp_status serving_artifacts(const sp_launch_ctx *c, const char *setup, sp_artifact_set *out, sp_error *err)
{
    sp_status s = add(out, "serve.sh", serve_script(c, err), true, err);
    bool ray_serve = c->plan->served && c->plan->engine == SP_ENGINE_RAY_SERVE_VLLM;
    if (s == SP_OK && ray_serve)
        s = add(out, "serve_app.py", sp_serve_app(c, err), false, err);
    else if (s == SP_OK && sp_plan_runs_serve_app(c->plan)) /* the seed's replicas, all of them */
        s = add(out, "serve_app.py", sp_serve_app_unsized(c, err), false, err);
    if (s == SP_OK && ray_serve && c->gpu) {
        char torch_image[128], ray_image[128];
        image_names(c, torch_image, ray_image, sizeof torch_image);
        s = add(out, "rayservice.yaml", sp_rayservice(c, ray_image, err), false, err);
    }
    if (s == SP_OK && c->plan->served && !c->o->cpu && sp_sky_accelerator(c->accel)[0]) {
        char run[1024];
        sky_serve_run(c, run, sizeof run);
        s = add(out, "sky_task.yaml", sp_sky_task(c, setup, run, NULL, err), false, err);
    }
    return s;
}

sp_status sp_launch_artifacts(const sp_profile *profile, const sp_plan *plan, const sp_rules *rules,
                              const sp_accel *accel, const sp_launch_options *options, const sp_file_hash *hashes,
                              size_t hash_count, sp_artifact_set *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_slug(profile->name, out->dir, sizeof out->dir);
    sp_launch_ctx c;
    sp_status s = context(&c, profile, plan, rules, accel, options, out->dir, err);
    if (s != SP_OK)
        return s;
    const char *names[16];
    size_t n = package_names(&c, names);
    char *setup = pip_line(&c, names, n, err);
    s = setup ? SP_OK : SP_ERR_NOMEM;
    if (s == SP_OK && trains(plan))
        s = training_artifacts(&c, setup, out, err);
    if (s == SP_OK && plan->axis == SP_AXIS_SERVING)
        s = serving_artifacts(&c, setup, out, err);
    if (s == SP_OK && plan->data_sized && strcmp(launch_file(&c), "ray.sh"))
        s = add(out, launch_file(&c), data_script(&c, err), true, err);
    if (s == SP_OK && ray_runs(&c))
        s = add(out, "cluster.yaml", sp_cluster_yaml(&c, setup, err), false, err);
    if (s == SP_OK && ray_runs(&c) && trains(plan))
        s = add(out, "ray_train.py", sp_ray_train_py(&c, err), false, err);
    if (s == SP_OK && ray_runs(&c))
        s = add(out, "ray.sh", ray_script(&c, err), true, err);
    if (s == SP_OK)
        s = add(out, "requirements.txt", requirements(&c, names, n, err), false, err);
    if (s == SP_OK) {
        char launch[SP_LINE_MAX];
        const char *file = launch_file(&c);
        launch_command(&c, out, file, launch, sizeof launch);
        /* One node's Ray Serve app: the plan's own line (ray start on this node, then serve run over
         * every replica); serve.sh is one replica of them. */
        if (plan->tier == SP_TIER_LOCAL && sp_plan_runs_serve_app(plan) && !options->cpu)
            sp_launch_line(plan, launch, sizeof launch);
        s = add(out, "README.md", sp_next_steps(&c, out, launch, err), false, err);
        if (s == SP_OK)
            s = add(out, "manifest.json", manifest(&c, hashes, hash_count, launch, names, n, out, err), false, err);
    }
    free(setup);
    if (s != SP_OK)
        sp_artifact_set_free(out);
    return s;
}

void sp_artifact_set_free(sp_artifact_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        free(set->items[i].text);
    set->count = 0;
}
