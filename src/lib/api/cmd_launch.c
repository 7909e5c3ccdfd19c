/* cmd_launch.c - `stackplan launch FILE --out DIR`: write each plan's launch artifacts. */
#include "api_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const cli_opt OPTS[] = {
    {"out", CLI_TEXT, "DIR", "directory to write into, one sub-directory a profile (required)", 0, 0, 0},
    {"force", CLI_FLAG, NULL, "overwrite files that exist", 0, 0, 0},
    {"entry", CLI_TEXT, "PATH", "your entry point (default train.py, serve_app.py or data_job.py)", 0, 0, 0},
    {"entry-args", CLI_TEXT, "ARGS", "its arguments, split on blanks, each shell-quoted", 0, 0, 0},
    {"cpu", CLI_FLAG, NULL, "a CPU smoke variant: no GPU requests, --nproc-per-node processes", 0, 0, 0},
    {"nproc-per-node", CLI_NUMBER, "N", "processes a node with --cpu (default 1)", 1, 1024, SP_NUM_INTEGER},
    {"rdzv-port", CLI_NUMBER, "PORT", "torchrun rendezvous port (default 29500)", 1024, 65535, SP_NUM_INTEGER},
    {"time-limit", CLI_NUMBER, "HOURS", "the cluster's longest job: longer runs checkpoint and requeue", 0.1, 1e6, 0},
    {"partition", CLI_TEXT, "NAME", "Slurm partition (default: the cluster's)", 0, 0, 0},
    {"account", CLI_TEXT, "NAME", "Slurm account to charge", 0, 0, 0},
    {"env-hook", CLI_TEXT, "FILE", "a script every launch sources first (venv, modules)", 0, 0, 0},
    {"checkpoint-dir", CLI_TEXT, "DIR", "where checkpoints go (default checkpoints/)", 0, 0, 0},
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)", 0, 0, 0},
};

static const cli_command CMD = {
    "stackplan launch FILE --out DIR [--force] [--entry PATH] [--entry-args ARGS] [--cpu] [--time-limit HOURS]",
    "Write, for each profile, the artifacts of its plan: torchrun.sh (one node), job.sbatch, node_run.sh\n"
    "with a Kubeflow pytorchjob.yaml and a SkyPilot sky_task.yaml; Megatron-LM's arguments, a DeepSpeed\n"
    "ds_config.json and accelerate config, or an axolotl.yml, as the plan's framework needs; serve.sh\n"
    "(+ serve_app.py and a KubeRay rayservice.yaml for Ray Serve); MaxText on TPUs; cluster.yaml and ray.sh;\n"
    "requirements.txt (pinned, with the CUDA/ROCm wheel index) and manifest.json (SHA-256 of each file).",
    OPTS, sizeof OPTS / sizeof OPTS[0], 1};

enum { PATH_CHARS = 1024 };

static void hash_one(const char *path, const char *label, sp_file_hash *hashes, size_t *n, sp_error *err)
{
    if (*n == SP_HASHES_MAX || err->status != SP_OK)
        return;
    if (sp_file_sha256(path, hashes[*n].sha256, err) == SP_OK)
        snprintf(hashes[(*n)++].file, sizeof hashes[0].file, "%s", label);
}

/* The files this profile's plan was made from, named relative to their roots: the rules
 * always, and the catalogs its model, gpu and instance names were looked up in. */
static size_t input_hashes(const char *profile_path, const char *data_dir, const sp_profile *p,
                           sp_file_hash *hashes, sp_error *err)
{
    const char *files[8] = {"defaults.yaml", "axes.yaml", "perf.yaml", "frameworks.yaml"};
    size_t count = 4, n = 0;
    char model[PATH_CHARS], label[PATH_CHARS];
    if (p->gpu[0])
        files[count++] = "accelerators.yaml";
    if (p->instance[0]) {
        files[count++] = "stages.yaml";
        files[count++] = "instances.yaml";
    }
    if (p->model[0]) {
        snprintf(model, sizeof model, "models/%s.json", p->model);
        files[count++] = model;
    }
    hash_one(profile_path, profile_path, hashes, &n, err);
    for (size_t i = 0; i < count; i++) {
        cli_path path;
        snprintf(label, sizeof label, "data/%s", files[i]);
        hash_one(cli_data_file(NULL, NULL, NULL, data_dir, files[i], &path), label, hashes, &n, err);
    }
    return n;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    fprintf(cli_err(), "stackplan: %s: cannot create: %s\n", path, strerror(errno));
    return -1;
}

/* Written under a temporary name and renamed: a reader never sees half a file. */
static int write_file(const char *path, const sp_artifact *a)
{
    char tmp[PATH_CHARS + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(cli_err(), "stackplan: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    bool ok = fputs(a->text, f) != EOF;
    ok = fclose(f) == 0 && ok;
    if (ok && a->executable)
        ok = chmod(tmp, 0755) == 0;
    if (ok)
        ok = rename(tmp, path) == 0;
    if (!ok) {
        fprintf(cli_err(), "stackplan: %s: cannot write: %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* Two profiles whose names slug alike get -2, -3 ... */
static void unique_dir(sp_artifact_set *sets, size_t i)
{
    char base[SP_NAME_MAX];
    snprintf(base, sizeof base, "%s", sets[i].dir);
    for (int n = 2;; n++) {
        bool clash = false;
        for (size_t j = 0; j < i && !clash; j++)
            clash = !strcmp(sets[j].dir, sets[i].dir);
        if (!clash)
            return;
        snprintf(sets[i].dir, sizeof sets[i].dir, "%.50s-%d", base, n);
    }
}

/* Refuses before writing anything when a file exists and --force was not given. */
static int check_existing(const char *out, const sp_artifact_set *sets, size_t count)
{
    char path[PATH_CHARS];
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < sets[i].count; k++) {
            snprintf(path, sizeof path, "%s/%s/%s", out, sets[i].dir, sets[i].items[k].name);
            if (access(path, F_OK) == 0) {
                fprintf(cli_err(), "stackplan: %s: exists (use --force to overwrite)\n", path);
                return CLI_EXIT_INPUT;
            }
        }
    return CLI_EXIT_OK;
}

static int write_all(const char *out, const sp_artifact_set *sets, size_t count)
{
    char path[PATH_CHARS];
    if (make_dir(out) != 0)
        return CLI_EXIT_INPUT;
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/%s", out, sets[i].dir);
        if (make_dir(path) != 0)
            return CLI_EXIT_INPUT;
        for (size_t k = 0; k < sets[i].count; k++) {
            snprintf(path, sizeof path, "%s/%s/%s", out, sets[i].dir, sets[i].items[k].name);
            if (write_file(path, &sets[i].items[k]) != 0)
                return CLI_EXIT_INTERNAL;
            fprintf(cli_out(), "%s\n", path);
        }
    }
    return CLI_EXIT_OK;
}

static int render_all(const cli_value *v, const char *file, const char *data_dir, const sp_rules *rules,
                      const sp_profile_list *profiles, const sp_plan *plans, sp_artifact_set *sets)
{
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    o.entry = cli_flag(&CMD, v, "entry")->text;
    o.entry_args = cli_flag(&CMD, v, "entry-args")->text;
    o.cpu = cli_on(&CMD, v, "cpu", false);
    o.nproc_per_node = cli_number_or(&CMD, v, "nproc-per-node", 1);
    o.rdzv_port = cli_number_or(&CMD, v, "rdzv-port", 29500);
    o.time_limit_hours = cli_number_or(&CMD, v, "time-limit", 0);
    o.partition = cli_flag(&CMD, v, "partition")->text;
    o.account = cli_flag(&CMD, v, "account")->text;
    o.env_hook = cli_flag(&CMD, v, "env-hook")->text;
    o.checkpoint_dir = cli_flag(&CMD, v, "checkpoint-dir")->text;
    sp_error err;
    sp_error_clear(&err);
    sp_accel_catalog catalog = {0};
    cli_path path;
    cli_data_file(NULL, NULL, NULL, data_dir, "accelerators.yaml", &path);
    for (size_t i = 0; i < profiles->count; i++) {
        const sp_profile *p = &profiles->items[i];
        if (p->gpu[0] && !catalog.items && sp_accels_load(path.text, &catalog, &err) != SP_OK)
            return cli_fail(&err);
        sp_file_hash hashes[SP_HASHES_MAX];
        size_t n = input_hashes(file, data_dir, p, hashes, &err);
        const sp_accel *accel = p->gpu[0] ? sp_accel_find(&catalog, p->gpu) : NULL;
        if (err.status != SP_OK || sp_launch_artifacts(p, &plans[i], rules, accel, &o, hashes, n, &sets[i], &err) != SP_OK) {
            sp_accel_catalog_free(&catalog);
            return cli_fail(&err);
        }
        unique_dir(sets, i);
    }
    sp_accel_catalog_free(&catalog);
    return CLI_EXIT_OK;
}

int cmd_launch(int argc, char **argv)
{
    cli_value v[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    const char *files[1];
    size_t nfiles = 0;
    sp_format format;
    int status = cli_start(&CMD, argc, argv, v, files, &nfiles, &format, 0);
    if (status >= 0)
        return status;
    if (nfiles != 1 || !cli_flag(&CMD, v, "out")->set) {
        fprintf(cli_err(), "stackplan: usage: %s\n", CMD.usage);
        return CLI_EXIT_INPUT;
    }
    const char *data_dir = cli_data_dir(cli_flag(&CMD, v, "data-dir")->text);
    sp_rules rules;
    sp_profile_list profiles;
    sp_plan *plans = NULL;
    sp_plan_options options = SP_PLAN_OPTIONS_INIT;
    status = cli_load_and_plan(files[0], data_dir, &options, &rules, &profiles, &plans);
    if (status != CLI_EXIT_OK)
        return status;
    sp_artifact_set *sets = calloc(profiles.count, sizeof *sets);
    if (!sets) {
        fprintf(cli_err(), "stackplan: out of memory\n");
        status = CLI_EXIT_INTERNAL;
    } else {
        status = render_all(v, files[0], data_dir, &rules, &profiles, plans, sets);
    }
    if (status == CLI_EXIT_OK && !cli_on(&CMD, v, "force", false))
        status = check_existing(cli_flag(&CMD, v, "out")->text, sets, profiles.count);
    if (status == CLI_EXIT_OK)
        status = write_all(cli_flag(&CMD, v, "out")->text, sets, profiles.count);
    for (size_t i = 0; sets && i < profiles.count; i++)
        sp_artifact_set_free(&sets[i]);
    free(sets);
    free(plans);
    sp_profile_list_free(&profiles);
    return status;
}

const cli_command *cmd_launch_spec(void) { return &CMD; }
