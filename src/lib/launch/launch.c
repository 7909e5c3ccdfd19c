/* launch.c - the files a plan launches with: scripts, cluster.yaml, requirements, manifest. */
#include "launch_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WORD_MAX = 1024, LINE_MAX_CHARS = 4096 };

void sp_slug(const char *name, char *buf, size_t size)
{
    size_t o = 0;
    bool dash = false;
    for (const unsigned char *c = (const unsigned char *)name; *c && o + 1 < size; c++) {
        bool word = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');
        bool upper = *c >= 'A' && *c <= 'Z';
        if (word || upper) {
            if (dash && o > 0 && o + 2 < size)
                buf[o++] = '-';
            buf[o++] = upper ? (char)(*c - 'A' + 'a') : (char)*c;
            dash = false;
        } else {
            dash = true;
        }
    }
    buf[o] = '\0';
    if (o == 0)
        sp_copy(buf, size, "profile");
}

/* The entry point and its arguments, each one shell word; fails rather than cut a word. */
static sp_status command_words(const sp_launch_options *o, sp_axis axis, char *buf, size_t size, sp_error *err)
{
    const char *entry = o->entry ? o->entry : sp_default_entry(axis);
    const char *args = o->entry_args ? o->entry_args : "";
    if (strlen(entry) >= WORD_MAX / 2 || strlen(args) >= LINE_MAX_CHARS / 2)
        return sp_fail(err, SP_ERR_INPUT, "", 0, 0, "entry-args", "the entry point and its arguments are too long");
    char word[WORD_MAX * 4];
    sp_buf b = {0};
    sp_shell_quote(entry, word, sizeof word);
    sp_buf_puts(&b, word);
    char copy[LINE_MAX_CHARS];
    sp_copy(copy, sizeof copy, args);
    for (char *save = NULL, *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if ((size_t)sp_shell_quote(tok, word, sizeof word) >= sizeof word)
            b.failed = true;
        sp_buf_printf(&b, " %s", word);
    }
    char *text = sp_buf_finish(&b, NULL);
    bool fits = text && strlen(text) < size;
    sp_copy(buf, size, text ? text : "");
    free(text);
    return fits ? SP_OK : sp_fail(err, SP_ERR_INPUT, "", 0, 0, "entry-args", "the quoted command is too long");
}

static double procs_per_node(const sp_plan *plan, const sp_launch_options *o)
{
    if (o->cpu)
        return o->nproc_per_node;
    return ceil(plan->gpus / plan->nodes);
}

static void script_header(sp_buf *b, const char *shell, const sp_profile *p, const char *what)
{
    char name[WORD_MAX];
    sp_shell_quote(p->name, name, sizeof name);
    sp_buf_printf(b, "#!%s\n# %s, written by stackplan %s for the profile below; edit the entry point, not the numbers.\n"
                     "# profile: %s\n",
                  shell, what, SP_VERSION, name);
}

static char *torchrun_script(const sp_profile *p, const sp_plan *plan, const sp_launch_options *o, const char *cmd,
                             sp_error *err)
{
    sp_buf b = {0};
    script_header(&b, "/usr/bin/env bash", p, "Single node: torchrun starts one process per GPU");
    sp_buf_printf(&b, "set -euo pipefail\n"
                      "# TORCHRUN_EXTRA_ARGS: e.g. '--redirects 1 --tee 1' for torch 1.13 on Python 3.11.\n"
                      "exec torchrun --standalone --nproc_per_node=%.0f ${TORCHRUN_EXTRA_ARGS:-} %s\n",
                  procs_per_node(plan, o), cmd);
    return sp_buf_finish(&b, err);
}

static char *sbatch_script(const sp_profile *p, const sp_plan *plan, const sp_launch_options *o, const char *slug,
                           const char *cmd, sp_error *err)
{
    sp_buf b = {0};
    script_header(&b, "/bin/bash", p, "Slurm: one torchrun per node, c10d rendezvous on the first node");
    double per_node = procs_per_node(plan, o);
    sp_buf_printf(&b, "#SBATCH --job-name=%s\n#SBATCH --nodes=%.0f\n#SBATCH --ntasks-per-node=1\n", slug, plan->nodes);
    if (!o->cpu)
        sp_buf_printf(&b, "#SBATCH --gpus-per-node=%.0f\n", per_node);
    sp_buf_printf(&b, "#SBATCH --output=%s-%%j.out\n"
                      "set -euo pipefail\n"
                      "head_node=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n"
                      "srun torchrun --nnodes=\"$SLURM_JOB_NUM_NODES\" --nproc_per_node=%.0f \\\n"
                      "    --rdzv_id=\"$SLURM_JOB_ID\" --rdzv_backend=c10d --rdzv_endpoint=\"$head_node:%.0f\" \\\n"
                      "    ${TORCHRUN_EXTRA_ARGS:-} %s\n",
                  slug, per_node, o->rdzv_port, cmd);
    return sp_buf_finish(&b, err);
}

static char *ray_script(const sp_profile *p, const char *cmd, sp_error *err)
{
    sp_buf b = {0};
    script_header(&b, "/usr/bin/env bash", p, "Ray: bring the cluster up from cluster.yaml, then submit the job");
    sp_buf_printf(&b, "set -euo pipefail\n"
                      "ray up cluster.yaml -y\n"
                      "ray dashboard cluster.yaml --port 8265 &\n"
                      "dashboard=$!\n"
                      "trap 'kill $dashboard' EXIT\n"
                      "sleep 5\n"
                      "ray job submit --address http://127.0.0.1:8265 --working-dir . -- python %s\n",
                  cmd);
    return sp_buf_finish(&b, err);
}

static char *serve_script(const sp_profile *p, const sp_plan *plan, sp_error *err)
{
    sp_buf b = {0};
    char line[LINE_MAX_CHARS], model[WORD_MAX];
    script_header(&b, "/usr/bin/env bash", p, "Serving engine, started with the numbers the plan chose");
    sp_buf_puts(&b, "set -euo pipefail\n");
    if (plan->served) {
        sp_serve_launch_line(plan->model_id, plan->engine, &plan->serve_config, &plan->serve, line, sizeof line);
        sp_buf_printf(&b, "# %s: %s\nexec %s\n", sp_engine_name(plan->engine), plan->engine_reason, line);
    } else {
        sp_shell_quote(p->model[0] ? p->model : "MODEL", model, sizeof model);
        sp_buf_printf(&b, "# No model named in the profile: set MODEL to a Hugging Face repository.\n"
                          "default_model=%s\n"
                          "exec vllm serve \"${MODEL:-$default_model}\" --tensor-parallel-size %.0f "
                          "--gpu-memory-utilization 0.90\n",
                      model, fmax(1.0, plan->gpus_for_model));
    }
    return sp_buf_finish(&b, err);
}

/* The packages the plan's frameworks need, pinned to data/frameworks.yaml. */
static char *requirements(const sp_plan *plan, const sp_rules *r, sp_error *err)
{
    sp_buf b = {0};
    bool serving = plan->axis == SP_AXIS_SERVING, data = plan->axis == SP_AXIS_DATA;
    const char *names[12];
    size_t n = 0;
    if (plan->fine_tuned) /* torch, transformers, peft, trl, accelerate (+ bitsandbytes) */
        for (const char *const *p = sp_ft_packages(&plan->fine_tune); *p; p++)
            names[n++] = *p;
    else if (!data)
        names[n++] = "torch";
    const char *stack = plan->timed ? sp_train_stack_package(sp_train_stack_of(&plan->run.config)) : NULL;
    if (stack)
        names[n++] = stack;
    if (serving)
        names[n++] = plan->served && plan->engine == SP_ENGINE_TRTLLM_TRITON ? "tensorrt-llm" : "vllm";
    if (plan->data_sized && plan->data_framework == SP_DATA_SPARK)
        names[n++] = "pyspark";
    else if (plan->data_sized && plan->data_framework == SP_DATA_DASK)
        names[n++] = "dask";
    else if (plan->launcher == SP_LAUNCH_RAY)
        names[n++] = "ray";
    names[n++] = "mlflow";
    for (size_t i = 0; i < n; i++)
        sp_buf_printf(&b, "%s%s==%s\n", names[i], !strcmp(names[i], "ray") ? "[default]" : "",
                      sp_framework_version(r, names[i]));
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
    json_object_set_new(o, "train_hours", json_real(p->train_hours));
    json_object_set_new(o, "budget_usd", json_real(p->budget_usd));
    return o;
}

static char *manifest(const sp_profile *p, const sp_plan *plan, const sp_rules *r, const sp_accel *a,
                      const sp_file_hash *hashes, size_t hash_count, const char *launch, const char *requirements_text,
                      const sp_artifact_set *set, sp_error *err)
{
    json_t *root = json_object();
    json_object_set_new(root, "stackplan_version", json_string(SP_VERSION));
    json_object_set_new(root, "profile", profile_json(p));
    json_t *plan_json = sp_plan_json(p, plan, r);
    /* The plan's one-line command names the default entry point and port; what runs is the
     * script in "launch", written with the options given. */
    json_object_del(plan_json, "launch");
    json_object_set_new(root, "plan", plan_json);
    json_t *cluster = json_object();
    json_object_set_new(cluster, "accelerator", a ? json_string(a->name) : json_null());
    json_object_set_new(cluster, "gpus", json_integer((json_int_t)plan->gpus));
    json_object_set_new(cluster, "nodes", json_integer((json_int_t)plan->nodes));
    json_object_set_new(cluster, "gpus_per_node", json_integer((json_int_t)plan->knobs.gpus_per_node));
    json_object_set_new(cluster, "tier", json_string(sp_tier_key(plan->tier)));
    json_object_set_new(cluster, "launcher", json_string(sp_launcher_name(plan->launcher)));
    json_object_set_new(root, "cluster", cluster);
    json_object_set_new(root, "launch", json_string(launch));
    json_t *pins = json_object();
    char copy[LINE_MAX_CHARS];
    sp_copy(copy, sizeof copy, requirements_text);
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strstr(line, "==");
        if (eq) {
            *eq = '\0';
            json_object_set_new(pins, line, json_string(eq + 2));
        }
    }
    json_object_set_new(root, "frameworks", pins);
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
    for (size_t i = 0; i < set->count; i++)
        json_array_append_new(artifacts, json_string(set->items[i].name));
    json_array_append_new(artifacts, json_string("manifest.json"));
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

/* Spark or Dask for a sized data job: the framework's own launch line. */
static char *data_script(const sp_profile *p, const sp_plan *plan, sp_error *err)
{
    sp_buf b = {0};
    char line[LINE_MAX_CHARS];
    script_header(&b, "/usr/bin/env bash", p, "Data job, with the executor sizing of the plan's cluster");
    sp_data_launch_line(plan->data_framework, &plan->data_instance, plan->data.nodes, line, sizeof line);
    sp_buf_printf(&b, "set -euo pipefail\n# %s: %s\n%s\n", sp_data_engine_name(plan->data_framework),
                  plan->data_framework_reason, line);
    return sp_buf_finish(&b, err);
}

/* The launch command the manifest records: the script of the plan's launcher. */
static const char *launch_file(const sp_plan *plan)
{
    if (plan->data_sized && plan->data_framework == SP_DATA_SPARK)
        return "spark.sh";
    if (plan->data_sized && plan->data_framework == SP_DATA_DASK)
        return "dask.sh";
    if (plan->axis == SP_AXIS_SERVING && plan->launcher != SP_LAUNCH_RAY)
        return "serve.sh";
    switch (plan->launcher) {
    case SP_LAUNCH_TORCHRUN: return "torchrun.sh";
    case SP_LAUNCH_SLURM: return "job.sbatch";
    case SP_LAUNCH_RAY: return plan->tier == SP_TIER_LOCAL && plan->axis == SP_AXIS_SERVING ? "serve.sh" : "ray.sh";
    }
    return "ray.sh";
}

sp_status sp_launch_artifacts(const sp_profile *profile, const sp_plan *plan, const sp_rules *rules,
                              const sp_accel *accel, const sp_launch_options *options, const sp_file_hash *hashes,
                              size_t hash_count, sp_artifact_set *out, sp_error *err)
{
    memset(out, 0, sizeof *out);
    sp_slug(profile->name, out->dir, sizeof out->dir);
    char cmd[LINE_MAX_CHARS], setup[LINE_MAX_CHARS];
    sp_status s = command_words(options, plan->axis, cmd, sizeof cmd, err);
    if (s != SP_OK)
        return s;
    bool trains = plan->axis == SP_AXIS_TRAINING || plan->axis == SP_AXIS_MODEL;
    char *reqs = requirements(plan, rules, err);
    s = reqs ? SP_OK : SP_ERR_NOMEM;
    if (s == SP_OK && trains)
        s = add(out, "torchrun.sh", torchrun_script(profile, plan, options, cmd, err), true, err);
    if (s == SP_OK && trains)
        s = add(out, "job.sbatch", sbatch_script(profile, plan, options, out->dir, cmd, err), true, err);
    if (s == SP_OK && plan->axis == SP_AXIS_SERVING)
        s = add(out, "serve.sh", serve_script(profile, plan, err), true, err);
    if (s == SP_OK && plan->data_sized && strcmp(launch_file(plan), "ray.sh"))
        s = add(out, launch_file(plan), data_script(profile, plan, err), true, err);
    if (s == SP_OK) {
        /* One setup line: the pinned packages, each a quoted shell word ("ray[default]" is a glob). */
        sp_buf b = {0};
        sp_buf_puts(&b, "pip install");
        char copy[LINE_MAX_CHARS], word[WORD_MAX];
        sp_copy(copy, sizeof copy, reqs);
        for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            sp_shell_quote(line, word, sizeof word);
            sp_buf_printf(&b, " %s", word);
        }
        char *line = sp_buf_finish(&b, err);
        sp_copy(setup, sizeof setup, line ? line : "pip install");
        free(line);
        s = add(out, "cluster.yaml", sp_cluster_yaml(out->dir, plan, accel, setup, options->cpu, err), false, err);
    }
    if (s == SP_OK)
        s = add(out, "ray.sh", ray_script(profile, cmd, err), true, err);
    const char *requirements_text = reqs; /* the set owns it once added */
    if (s == SP_OK) {
        s = add(out, "requirements.txt", reqs, false, err);
        reqs = NULL;
    }
    if (s == SP_OK) {
        char launch[LINE_MAX_CHARS];
        snprintf(launch, sizeof launch, "%s%s", !strcmp(launch_file(plan), "job.sbatch") ? "sbatch " : "./",
                 launch_file(plan));
        s = add(out, "manifest.json",
                manifest(profile, plan, rules, accel, hashes, hash_count, launch, requirements_text, out, err),
                false, err);
    }
    free(reqs);
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
