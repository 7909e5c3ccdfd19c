/* next_steps.c - README.md in each profile's directory: the command that starts the plan, what the
 * files leave to the user before it runs (read off the files themselves: a `${VAR:?...}` a script
 * stops on, the addresses a cluster.yaml names, an entry point no file provides), and what each
 * file is for. `stackplan launch` prints only the paths it wrote; this is where a newcomer reads
 * on. */
#include "launch_internal.h"

#include <stdio.h>
#include <string.h>

/* What each file is for, one line. */
static const struct {
    const char *name, *role;
} ROLES[] = {
    {"torchrun.sh", "one node: torchrun with the plan's processes"},
    {"job.sbatch", "Slurm: sbatch job.sbatch, one task a node running torchrun"},
    {"node_run.sh", "what each node runs under Kubeflow and SkyPilot (torchrun with the node's rank)"},
    {"pytorchjob.yaml", "Kubernetes (Kubeflow training operator): kubectl apply -f pytorchjob.yaml"},
    {"sky_task.yaml", "SkyPilot: rents the plan's GPUs on a cloud and runs the job there"},
    {"cluster.yaml", "Ray's cluster (ray up cluster.yaml; ray.sh does it)"},
    {"ray.sh", "Ray: brings cluster.yaml up and submits the job"},
    {"ray_train.py", "Ray Train: one worker a GPU, each running the training entry"},
    {"serve.sh", "one serving replica: the engine's command line with the plan's numbers"},
    {"serve_app.py", "Ray Serve: every replica of the plan behind one OpenAI-compatible endpoint"},
    {"rayservice.yaml", "KubeRay: serve_app.py on Kubernetes"},
    {"axolotl.yml", "the fine-tune's recipe: model, adapters, batch, precision, checkpoints"},
    {"ds_config.json", "DeepSpeed's ZeRO configuration the recipe or train.py names"},
    {"accelerate_config.yaml", "accelerate's FSDP configuration"},
    {"torchtitan.toml", "torchtitan's job configuration for the plan's layout"},
    {"maxtext.sh", "MaxText on the TPU slice's hosts"},
    {"spark.sh", "Spark: spark-submit of the data job"},
    {"dask.sh", "Dask: the scheduler, workers and the data job"},
    {"requirements.txt", "the pinned packages (and the wheel index of the part's build)"},
};

static const char *role_of(const char *name)
{
    for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (!strcmp(ROLES[i].name, name))
            return ROLES[i].role;
    return "";
}

enum { VARS_MAX = 8 };

/* Every ${NAME:?message} the files stop on, each once, with the first file that names it. */
static void required_variables(sp_buf *b, const sp_artifact_set *set)
{
    sp_required_env seen[VARS_MAX];
    size_t count = 0;
    for (size_t i = 0; i < set->count && count < VARS_MAX; i++) {
        sp_required_env found[VARS_MAX];
        size_t n = sp_required_envs(set->items[i].text, found, VARS_MAX);
        for (size_t j = 0; j < n && count < VARS_MAX; j++) {
            bool repeated = false;
            for (size_t k = 0; k < count && !repeated; k++)
                repeated = !strcmp(seen[k].name, found[j].name);
            if (repeated)
                continue;
            seen[count++] = found[j];
            sp_buf_printf(b, "- `%s`: %s (%s stops without it: export it where the job starts)\n", found[j].name,
                          found[j].hint, set->items[i].name);
        }
    }
}

static bool wrote(const sp_artifact_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (!strcmp(set->items[i].name, name))
            return true;
    return false;
}

static bool any_file_says(const sp_artifact_set *set, const char *text)
{
    for (size_t i = 0; i < set->count; i++)
        if (strstr(set->items[i].text, text))
            return true;
    return false;
}

/* Where each written file takes the Hugging Face token from; only the files this bundle holds. */
static void hf_token_text(sp_buf *b, const sp_artifact_set *set)
{
    sp_buf_puts(b, "- `HF_TOKEN`: a Hugging Face token for gated checkpoints (Meta's, Mistral's, Google's): ");
    const char *sep = "";
    if (wrote(set, "sky_task.yaml")) {
        sp_buf_puts(b, "`--secret HF_TOKEN` for SkyPilot");
        sep = ", ";
    }
    if (any_file_says(set, "hf-token")) {
        sp_buf_printf(b, "%sthe Secret `hf-token` (key `token`) on Kubernetes", sep);
        sep = ", ";
    }
    if (wrote(set, "ray.sh")) {
        sp_buf_printf(b, "%sexported where ray.sh runs (it passes the job HF_TOKEN)", sep);
        sep = ", ";
    }
    if (wrote(set, "job.sbatch") || wrote(set, "torchrun.sh") || wrote(set, "serve.sh"))
        sp_buf_printf(b, "%sin the environment of the scripts", sep);
    sp_buf_puts(b, "\n");
}

/* requirements.txt's pins, and which of the written files install them on their own. */
static void requirements_text(sp_buf *b, const sp_artifact_set *set)
{
    bool cluster = wrote(set, "cluster.yaml"), sky = wrote(set, "sky_task.yaml");
    sp_buf_puts(b, "- the packages of requirements.txt wherever the job runs");
    if (cluster || sky)
        sp_buf_printf(b, " (%s%s%s %s)", cluster ? "cluster.yaml's" : "", cluster && sky ? " and " : "",
                      sky ? "sky_task.yaml's" : "", cluster && sky ? "setups install them themselves" : "setup installs them itself");
    sp_buf_puts(b, "\n");
}

/* What the user supplies: the entry point, the data, the machines, the secrets, the packages. */
static void before_it_runs(sp_buf *b, const sp_launch_ctx *c, const sp_artifact_set *set)
{
    const sp_plan *plan = c->plan;
    bool trains = plan->axis == SP_AXIS_TRAINING || plan->axis == SP_AXIS_MODEL;
    if (c->o->entry)
        sp_buf_printf(b, "- `%s`: your program, which the scripts run (--entry)\n", c->o->entry);
    else if (trains && !strncmp(c->entry, "train.py", 8)) {
        sp_buf_printf(b, "- `train.py`: your training program, which every script runs as `%s` (the flags are "
                         "Hugging Face Trainer's)\n",
                      c->entry);
        /* The Trainer has no argument for them: the program must build what the plan sized. */
        if (sp_plan_runs_trainer(plan))
            sp_buf_printf(b, "  It must build %s from its config (random weights, `AutoModelForCausalLM.from_config`) "
                             "and feed it sequences packed to %g tokens: the plan sized and timed that model at that "
                             "length with Hugging Face's attention implementation `sdpa` or FlashAttention-2\n",
                          plan->model_id, plan->run.config.seq);
    }
    else if (plan->axis == SP_AXIS_DATA && !wrote(set, "data_job.py"))
        sp_buf_puts(b, "- `data_job.py`: your data job, which the scripts run\n");
    if (wrote(set, "axolotl.yml"))
        sp_buf_puts(b, "- your data at `data/train.jsonl` (alpaca format), or its path and type under "
                       "`datasets` in axolotl.yml\n");
    if (c->megatron)
        sp_buf_puts(b, "- a Megatron-LM checkout of the release requirements.txt pins, with "
                       "`pretrain_gpt.py`, and a tokenized dataset (DATA_PATH below)\n");
    required_variables(b, set);
    /* What the serve report says beside its launch line, where the files carry the same line. */
    if (plan->served && c->accel)
        sp_serve_launch_caveats(&plan->model, c->accel, plan->engine, &plan->serve_config, &plan->serve, "- ", b);
    if (sp_host_memory_gb(c) > 0)
        sp_buf_printf(b, "- %.0f GB of host memory a node: the offloaded state with data/launch.yaml's %.0f%% "
                         "host_memory_margin (job.sbatch's --mem on part of a node, the pod's memory request, "
                         "SkyPilot's memory)\n",
                      sp_host_memory_gb(c), 100 * c->rules->launch.host_memory_margin);
    /* A long run asks Slurm for all of it in one job; clusters cap a job's time far below. */
    if (wrote(set, "job.sbatch") && c->hours > c->rules->launch.long_job_hours && !(c->o->time_limit_hours > 0))
        sp_buf_printf(b, "- job.sbatch asks for the whole run in one job: %.0f days estimated, %.0f with data/launch.yaml's "
                         "%.0f%% time_margin in its --time; if the cluster's limit is shorter, write it again with "
                         "`stackplan launch --time-limit HOURS` and the job checkpoints and requeues itself\n",
                      c->hours / 24, c->hours * (1 + c->rules->launch.time_margin) / 24,
                      100 * c->rules->launch.time_margin);
    /* spark-submit starts no machines: it submits to a cluster that exists. */
    if (wrote(set, "spark.sh") && plan->data.nodes <= 1)
        sp_buf_printf(b, "- for spark.sh: one %s with Spark installed (local mode: no cluster), its shuffle spilling to "
                         "the instance's local NVMe (`--conf spark.local.dir=` that mount; /tmp by default), whose "
                         "bandwidth the plan timed\n",
                      plan->data_instance.name);
    else if (wrote(set, "spark.sh"))
        sp_buf_printf(b, "- for spark.sh: a Spark cluster of the plan's %.0f x %s (Amazon EMR, Google Dataproc or your "
                         "own YARN), `HADOOP_CONF_DIR` pointing at its configuration where spark-submit runs\n",
                      plan->data.nodes, plan->data_instance.name);
    /* torchrun starts the same ranks on every node: a count the nodes do not divide runs one more a node. */
    if (trains && !c->o->cpu && plan->nodes > 1 && c->per_node * plan->nodes > plan->gpus)
        sp_buf_printf(b, "- the plan prices %.0f GPUs, which %.0f nodes do not split evenly: the scripts start %.0f a node, "
                         "%.0f in all (the cluster's whole nodes)\n",
                      plan->gpus, plan->nodes, c->per_node, c->per_node * plan->nodes);
    /* Ray Serve's proxy listens on the head's 127.0.0.1 unless told otherwise. */
    if (wrote(set, "ray.sh") && wrote(set, "serve_app.py"))
        sp_buf_puts(b, "- for ray.sh: Ray Serve answers on the head node's 127.0.0.1:8000; `ray attach cluster.yaml -p 8000` "
                       "forwards it here, or put a load balancer on the head\n");
    if (any_file_says(set, "HEAD_NODE_IP"))
        sp_buf_puts(b, "- for ray.sh: cluster.yaml's HEAD_NODE_IP, each WORKER_n_IP and SSH_USER, the machines "
                       "Ray reaches over SSH\n");
    if (sp_plan_downloads_checkpoint(plan))
        hf_token_text(b, set);
    if (wrote(set, "requirements.txt"))
        requirements_text(b, set);
}

char *sp_next_steps(const sp_launch_ctx *c, const sp_artifact_set *set, const char *launch, sp_error *err)
{
    sp_buf b = {0};
    sp_buf_printf(&b, "# %s\n\nWritten by stackplan %s: the files of the plan in manifest.json.\n\n", c->profile->name,
                  SP_VERSION);
    /* What `plan` exits 3 on: the files still run the plan as sized, which the reader should know. */
    unsigned missed = sp_plan_misses(c->plan);
    if (missed)
        sp_buf_printf(&b, "**The plan misses its request (%s%s%s%s)**: the files run it as sized; `stackplan plan` "
                          "on the profile says why (manifest.json: `meets_request` false).\n\n",
                      missed & SP_MISSES_BUDGET ? "the budget" : "",
                      (missed & SP_MISSES_BUDGET) && (missed & ~(unsigned)SP_MISSES_BUDGET) ? ", " : "",
                      missed & SP_MISSES_DEADLINE ? "the deadline" : "",
                      missed & SP_MISSES_TARGETS ? ((missed & SP_MISSES_DEADLINE) ? ", the latency targets" : "the latency targets") : "");
    sp_buf_printf(&b, "## Run\n\n    %s\n\nfrom this directory, on the tier the plan chose (the other files "
                      "run the same job elsewhere).\n\n## Before it runs\n\n",
                  launch);
    before_it_runs(&b, c, set);
    sp_buf_puts(&b, "\n## The files\n\n");
    for (size_t i = 0; i < set->count; i++) {
        const char *role = role_of(set->items[i].name);
        sp_buf_printf(&b, "- `%s`%s%s\n", set->items[i].name, role[0] ? ": " : "", role);
    }
    sp_buf_puts(&b, "- `manifest.json`: the profile, the plan, the pins and every file's SHA-256\n");
    return sp_buf_finish(&b, err);
}
