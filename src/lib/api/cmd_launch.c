/* cmd_launch.c - `stackplan launch FILE --out DIR`: write each plan's launch artifacts. */
#define _GNU_SOURCE /* renameat2 with RENAME_NOREPLACE and RENAME_EXCHANGE (Linux, glibc 2.28) */
#include "api_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const cli_opt OPTS[] = {
    {"out", CLI_TEXT, "DIR", "directory to write into, one sub-directory a profile (required)"},
    {"force", CLI_FLAG, NULL, "overwrite files that exist"},
    {"entry", CLI_TEXT, "PATH", "your entry point (default train.py, serve_app.py or data_job.py)"},
    {"entry-args", CLI_TEXT, "ARGS", "its arguments, split on blanks, each shell-quoted"},
    {"cpu", CLI_FLAG, NULL, "a CPU smoke variant: no GPU requests, --nproc-per-node processes"},
    {"nproc-per-node", CLI_NUMBER, "N", "processes a node with --cpu (default 1)"},
    {"rdzv-port", CLI_NUMBER, "PORT", "torchrun rendezvous port (default 29500)"},
    {"time-limit", CLI_NUMBER, "HOURS", "the cluster's longest job: longer runs checkpoint and requeue"},
    {"partition", CLI_TEXT, "NAME", "Slurm partition (default: the cluster's)"},
    {"account", CLI_TEXT, "NAME", "Slurm account to charge"},
    {"env-hook", CLI_TEXT, "FILE", "a script every launch sources first (venv, modules)"},
    {"checkpoint-dir", CLI_TEXT, "DIR", "where checkpoints go (default checkpoints/)"},
    {"data-dir", CLI_TEXT, "DIR", "catalogs and rules (default: the bundled data/)"},
};

static const cli_command CMD = {
    "stackplan launch FILE --out DIR [--force] [--entry PATH] [--entry-args ARGS] [--cpu] [--time-limit HOURS]",
    "Write, for each profile, the artifacts of its plan: torchrun.sh (one node), job.sbatch, node_run.sh\n"
    "with a Kubeflow pytorchjob.yaml and a SkyPilot sky_task.yaml; Megatron-LM's arguments, a DeepSpeed\n"
    "ds_config.json and accelerate config, or an axolotl.yml, as the plan's framework needs; serve.sh\n"
    "(+ serve_app.py and a KubeRay rayservice.yaml for Ray Serve); MaxText on TPUs; cluster.yaml and ray.sh\n"
    "(+ ray_train.py, a Ray Train worker a GPU, for training);\n"
    "requirements.txt (pinned, with the CUDA/ROCm wheel index) and manifest.json (SHA-256 of each file).",
    OPTS, sizeof OPTS / sizeof OPTS[0], 1};

static void hash_one(const char *path, const char *label, sp_file_hash *hashes, size_t *n, sp_error *err)
{
    if (*n == SP_HASHES_MAX || err->status != SP_OK)
        return;
    if (strlen(label) >= sizeof hashes[0].file) { /* the manifest names each input whole or not at all */
        err->status = SP_ERR_INPUT;
        snprintf(err->message, sizeof err->message,
                 "the profile's path is %zu bytes long; manifest.json names an input in at most %zu "
                 "(launch it from a nearer folder)", strlen(label), sizeof hashes[0].file - 1);
        return;
    }
    if (sp_file_sha256(path, hashes[*n].sha256, err) == SP_OK)
        snprintf(hashes[(*n)++].file, sizeof hashes[0].file, "%s", label);
}

/* The files this profile's plan was made from, named relative to their roots: the rules
 * always, and the catalogs its model, gpu and instance names were looked up in. Model names
 * are at most 48 characters (sp_model_load_catalog), so the labels fit. */
static size_t input_hashes(const char *profile_path, const char *data_dir, const sp_profile *p,
                           sp_file_hash *hashes, sp_error *err)
{
    const char *files[8] = {"defaults.yaml", "axes.yaml", "perf.yaml", "frameworks.yaml"};
    size_t count = 4, n = 0;
    char model[SP_NAME_MAX + 16], label[SP_NAME_MAX + 32];
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

/* ---- Writing: all or nothing ----
 * Every file is written into a staging folder beside its target (beside --out when that is
 * new, else inside it), then moved into place with renames that never replace without --force
 * (RENAME_NOREPLACE; with --force RENAME_EXCHANGE, which keeps the old file to put back). A
 * failure part-way undoes the moves in reverse, so a launch leaves everything or nothing, and
 * two launches into one folder cannot both succeed. Paths inside the folders are relative to
 * open folders: only --out itself and the printed paths must fit the system's PATH_MAX. */

typedef enum { MOVED_OUT, MADE_OUT, MOVED_DIR, MADE_DIR, MOVED_FILE, SWAPPED_FILE, REPLACED_FILE } move_kind;

enum { REL_MAX = sizeof ((sp_artifact_set *)0)->dir + sizeof ((sp_artifact *)0)->name + 1 };

typedef struct {
    move_kind kind;
    char rel[REL_MAX]; /* "dir" or "dir/name" under both the staging folder and --out */
} move;

typedef struct {
    const char *out; /* --out as typed: errors and printed paths begin with it */
    char *copy;      /* when --out is new: its parent folder and last name, split */
    const char *base;
    int parent_fd, out_fd, stage_fd, stage_in_fd; /* -1 when not open */
    char stage[64];  /* the staging folder's name in stage_in_fd */
    bool staged, stage_is_out;
    move *log;
    size_t moves;
} txn;

/* One kind of failure, one status: a path that is taken, missing, too long or not a folder is
 * the caller's to fix (2); permissions, space and I/O are the system's (1). */
static int path_status(int e)
{
    switch (e) {
    case EEXIST: case ENOTEMPTY: case ENOENT: case ENOTDIR: case EISDIR: case ENAMETOOLONG: case ELOOP: case EXDEV:
        return CLI_EXIT_INPUT;
    default:
        return CLI_EXIT_INTERNAL;
    }
}

/* The path on one line however it is spelled: control characters escaped, as in sp_error_format. */
static void put_path(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c == '\n')
            fputs("\\n", f);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\x%02x", *c);
        else
            fputc(*c, f);
}

/* "stackplan: OUT[/REL]: what[: strerror(e)]" on stderr; returns the status for e. */
static int path_error(const txn *t, const char *rel, const char *what, int e)
{
    FILE *f = cli_err();
    fputs("stackplan: ", f);
    put_path(f, t->out);
    if (rel) {
        fputc('/', f);
        put_path(f, rel);
    }
    fprintf(f, ": %s%s%s\n", what, e ? ": " : "", e ? strerror(e) : "");
    return path_status(e ? e : EEXIST);
}

static int move_noreplace(int from_fd, const char *from, int to_fd, const char *to)
{
#ifdef RENAME_NOREPLACE
    return renameat2(from_fd, from, to_fd, to, RENAME_NOREPLACE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

static int move_exchange(int from_fd, const char *from, int to_fd, const char *to)
{
#ifdef RENAME_EXCHANGE
    return renameat2(from_fd, from, to_fd, to, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

/* renameat2's flags are not supported on every file system (nor by every kernel). */
static bool unsupported(int e) { return e == EINVAL || e == ENOSYS || e == ENOTSUP; }

static void log_move(txn *t, move_kind kind, const char *rel)
{
    t->log[t->moves].kind = kind;
    snprintf(t->log[t->moves++].rel, REL_MAX, "%s", rel ? rel : "");
}

/* Every printed path fits the system's limit, or nothing is written. */
static int check_lengths(const char *out, const sp_artifact_set *sets, size_t count)
{
    if (!*out) {
        fprintf(cli_err(), "stackplan: --out: is empty\n");
        return CLI_EXIT_INPUT;
    }
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < sets[i].count; k++) {
            size_t n = strlen(out) + 1 + strlen(sets[i].dir) + 1 + strlen(sets[i].items[k].name);
            if (n < PATH_MAX)
                continue;
            fprintf(cli_err(), "stackplan: --out: %s/%s under it would be a path of %zu bytes; the system's limit is %d\n",
                    sets[i].dir, sets[i].items[k].name, n, PATH_MAX - 1);
            return CLI_EXIT_INPUT;
        }
    return CLI_EXIT_OK;
}

/* --out when it is new: its parent folder, opened, and its last name. */
static int open_parent(txn *t)
{
    struct stat st;
    if (lstat(t->out, &st) == 0) /* a symbolic link to nothing */
        return path_error(t, NULL, "cannot create: a symbolic link to nothing is in the way", 0);
    if (!(t->copy = strdup(t->out)))
        return path_error(t, NULL, "cannot create", ENOMEM);
    size_t n = strlen(t->copy);
    while (n > 1 && t->copy[n - 1] == '/')
        t->copy[--n] = '\0';
    char *slash = strrchr(t->copy, '/');
    const char *parent = !slash ? "." : slash == t->copy ? "/" : t->copy;
    t->base = slash ? slash + 1 : t->copy;
    if (slash && slash != t->copy)
        *slash = '\0';
    t->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t->parent_fd < 0)
        return path_error(t, NULL, "cannot create", errno);
    t->stage_in_fd = t->parent_fd;
    return CLI_EXIT_OK;
}

/* An existing --out (followed if it is a link) is written into; a new one is staged beside. */
static int open_target(txn *t)
{
    struct stat st;
    if (stat(t->out, &st) != 0)
        return errno == ENOENT ? open_parent(t) : path_error(t, NULL, "cannot create", errno);
    if (!S_ISDIR(st.st_mode))
        return path_error(t, NULL, "cannot create", ENOTDIR);
    t->out_fd = open(t->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t->out_fd < 0)
        return path_error(t, NULL, "cannot create", errno);
    t->stage_in_fd = t->out_fd;
    return CLI_EXIT_OK;
}

/* Refuses before writing anything: a profile's folder that is a file, an artifact path that is
 * a folder, or (without --force) any entry at an artifact path, even a link to nothing. */
static int check_existing(const txn *t, const sp_artifact_set *sets, size_t count, bool force)
{
    struct stat st;
    for (size_t i = 0; i < count; i++) {
        if (fstatat(t->out_fd, sets[i].dir, &st, 0) != 0) {
            if (errno != ENOENT)
                return path_error(t, sets[i].dir, "cannot create", errno);
            if (fstatat(t->out_fd, sets[i].dir, &st, AT_SYMLINK_NOFOLLOW) == 0) /* a link to nothing */
                return path_error(t, sets[i].dir, "cannot create: a symbolic link to nothing is in the way", 0);
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            return path_error(t, sets[i].dir, "cannot create", ENOTDIR);
        for (size_t k = 0; k < sets[i].count; k++) {
            char rel[REL_MAX];
            snprintf(rel, sizeof rel, "%s/%s", sets[i].dir, sets[i].items[k].name);
            if (fstatat(t->out_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno != ENOENT)
                    return path_error(t, rel, "cannot write", errno);
            } else if (S_ISDIR(st.st_mode)) {
                return path_error(t, rel, "cannot write", EISDIR);
            } else if (!force) {
                return path_error(t, rel, "exists (use --force to overwrite)", 0);
            }
        }
    }
    return CLI_EXIT_OK;
}

/* A staging folder of our own: .stackplan.tmp.PID.N. */
static int make_stage(txn *t)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(t->stage, sizeof t->stage, ".stackplan.tmp.%ld.%d", (long)getpid(), attempt);
        if (mkdirat(t->stage_in_fd, t->stage, 0755) == 0) {
            t->staged = true;
            t->stage_fd = openat(t->stage_in_fd, t->stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (t->stage_fd >= 0)
                return CLI_EXIT_OK;
            break;
        }
        if (errno != EEXIST)
            break;
    }
    return path_error(t, NULL, t->out_fd >= 0 ? "cannot write" : "cannot create", errno);
}

static bool write_text(int fd, const char *text)
{
    for (size_t left = strlen(text); left > 0;) {
        ssize_t w = write(fd, text, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            errno = w == 0 ? EIO : errno;
            return false;
        }
        text += w;
        left -= (size_t)w;
    }
    return true;
}

static int stage_file(const txn *t, const char *rel, const sp_artifact *a)
{
    int fd = openat(t->stage_fd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return path_error(t, rel, "cannot write", errno);
    bool ok = write_text(fd, a->text) && (!a->executable || fchmod(fd, 0755) == 0);
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    return ok ? CLI_EXIT_OK : path_error(t, rel, "cannot write", e);
}

static int stage_all(const txn *t, const sp_artifact_set *sets, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (mkdirat(t->stage_fd, sets[i].dir, 0755) != 0)
            return path_error(t, sets[i].dir, "cannot create", errno);
        for (size_t k = 0; k < sets[i].count; k++) {
            char rel[REL_MAX];
            snprintf(rel, sizeof rel, "%s/%s", sets[i].dir, sets[i].items[k].name);
            int status = stage_file(t, rel, &sets[i].items[k]);
            if (status != CLI_EXIT_OK)
                return status;
        }
    }
    return CLI_EXIT_OK;
}

/* With --force an entry there is exchanged, so that an undo can put it back; without, or when
 * nothing is there, the file moves only where no entry is (link() where renameat2 is missing). */
static int commit_file(txn *t, const char *rel, bool force)
{
    if (force && move_exchange(t->stage_fd, rel, t->out_fd, rel) == 0) {
        log_move(t, SWAPPED_FILE, rel);
        return CLI_EXIT_OK;
    }
    if (force && unsupported(errno) && renameat(t->stage_fd, rel, t->out_fd, rel) == 0) {
        log_move(t, REPLACED_FILE, rel); /* the old file is gone: this one cannot be undone */
        return CLI_EXIT_OK;
    }
    if (force && errno != ENOENT)
        return path_error(t, rel, "cannot write", errno);
    int moved = move_noreplace(t->stage_fd, rel, t->out_fd, rel);
    if (moved != 0 && unsupported(errno) && (moved = linkat(t->stage_fd, rel, t->out_fd, rel, 0)) == 0)
        unlinkat(t->stage_fd, rel, 0);
    if (moved != 0)
        return errno == EEXIST ? path_error(t, rel, "exists (use --force to overwrite)", 0)
                               : path_error(t, rel, "cannot write", errno);
    log_move(t, MOVED_FILE, rel);
    return CLI_EXIT_OK;
}

/* A profile's folder moves whole when it is new; into one that exists, file by file. */
static int commit_set(txn *t, const sp_artifact_set *set, bool force)
{
    if (move_noreplace(t->stage_fd, set->dir, t->out_fd, set->dir) == 0) {
        log_move(t, MOVED_DIR, set->dir);
        return CLI_EXIT_OK;
    }
    if (unsupported(errno) && mkdirat(t->out_fd, set->dir, 0755) == 0)
        log_move(t, MADE_DIR, set->dir);
    else if (errno != EEXIST && errno != ENOTEMPTY)
        return path_error(t, set->dir, "cannot create", errno);
    for (size_t k = 0; k < set->count; k++) {
        char rel[REL_MAX];
        snprintf(rel, sizeof rel, "%s/%s", set->dir, set->items[k].name);
        int status = commit_file(t, rel, force);
        if (status != CLI_EXIT_OK)
            return status;
    }
    return CLI_EXIT_OK;
}

/* A new --out is the staging folder renamed; if another launch made it meanwhile (or renameat2
 * is missing here) the profiles' folders move into it one by one. */
static int commit_out(txn *t)
{
    if (move_noreplace(t->parent_fd, t->stage, t->parent_fd, t->base) == 0) {
        log_move(t, MOVED_OUT, NULL);
        t->stage_is_out = true;
        return CLI_EXIT_OK;
    }
    if (errno != EEXIST && errno != ENOTEMPTY && !unsupported(errno))
        return path_error(t, NULL, "cannot create", errno);
    if (mkdirat(t->parent_fd, t->base, 0755) == 0)
        log_move(t, MADE_OUT, NULL);
    else if (errno != EEXIST)
        return path_error(t, NULL, "cannot create", errno);
    t->out_fd = openat(t->parent_fd, t->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return t->out_fd >= 0 ? CLI_EXIT_OK : path_error(t, NULL, "cannot create", errno);
}

static int commit(txn *t, const sp_artifact_set *sets, size_t count, bool force)
{
    int status = t->out_fd < 0 ? commit_out(t) : CLI_EXIT_OK;
    for (size_t i = 0; status == CLI_EXIT_OK && !t->stage_is_out && i < count; i++)
        status = commit_set(t, &sets[i], force);
    return status;
}

/* The moves in reverse: each entry goes back where it was staged (or is exchanged back). */
static void undo(txn *t)
{
    while (t->moves > 0) {
        const move *m = &t->log[--t->moves];
        if (m->kind == MOVED_OUT) {
            renameat(t->parent_fd, t->base, t->parent_fd, t->stage);
            t->stage_is_out = false;
        } else if (m->kind == MADE_OUT) {
            unlinkat(t->parent_fd, t->base, AT_REMOVEDIR);
        } else if (m->kind == MADE_DIR) {
            unlinkat(t->out_fd, m->rel, AT_REMOVEDIR);
        } else if (m->kind == SWAPPED_FILE) {
            move_exchange(t->stage_fd, m->rel, t->out_fd, m->rel);
        } else if (m->kind != REPLACED_FILE) {
            renameat(t->out_fd, m->rel, t->stage_fd, m->rel);
        }
    }
}

/* Removes the staging folder by the names staged in it (and the old files exchanged into it). */
static void remove_stage(txn *t, const sp_artifact_set *sets, size_t count)
{
    for (size_t i = 0; t->staged && !t->stage_is_out && i < count; i++) {
        for (size_t k = 0; k < sets[i].count; k++) {
            char rel[REL_MAX];
            snprintf(rel, sizeof rel, "%s/%s", sets[i].dir, sets[i].items[k].name);
            unlinkat(t->stage_fd, rel, 0);
        }
        unlinkat(t->stage_fd, sets[i].dir, AT_REMOVEDIR);
    }
    if (t->staged && !t->stage_is_out)
        unlinkat(t->stage_in_fd, t->stage, AT_REMOVEDIR);
    int fds[] = {t->stage_fd, t->out_fd, t->parent_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(t->copy);
    free(t->log);
}

/* The written paths, all at once after the files are in place; if stdout fails they are undone. */
static int print_paths(const char *out, const sp_artifact_set *sets, size_t count)
{
    size_t size = 1;
    for (size_t i = 0; i < count; i++)
        size += sets[i].count * (strlen(out) + sizeof sets[i].dir + sizeof sets[i].items[0].name + 3);
    char *text = calloc(size, 1);
    for (size_t i = 0, used = 0; text && i < count; i++)
        for (size_t k = 0; k < sets[i].count; k++)
            used += (size_t)snprintf(text + used, size - used, "%s/%s/%s\n", out, sets[i].dir, sets[i].items[k].name);
    if (!text) {
        fprintf(cli_err(), "stackplan: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    return cli_emit(text);
}

static int write_all(const char *out, const sp_artifact_set *sets, size_t count, bool force)
{
    int status = check_lengths(out, sets, count);
    if (status != CLI_EXIT_OK)
        return status;
    txn t = {.out = out, .parent_fd = -1, .out_fd = -1, .stage_fd = -1, .stage_in_fd = -1};
    t.log = calloc(2 + count * (SP_ARTIFACTS_MAX + 1), sizeof *t.log);
    status = t.log ? open_target(&t) : path_error(&t, NULL, "cannot create", ENOMEM);
    if (status == CLI_EXIT_OK && t.out_fd >= 0)
        status = check_existing(&t, sets, count, force);
    if (status == CLI_EXIT_OK)
        status = make_stage(&t);
    if (status == CLI_EXIT_OK)
        status = stage_all(&t, sets, count);
    if (status == CLI_EXIT_OK)
        status = commit(&t, sets, count, force);
    if (status == CLI_EXIT_OK)
        status = print_paths(out, sets, count);
    if (status != CLI_EXIT_OK)
        undo(&t);
    remove_stage(&t, sets, count);
    return status;
}

static int render_all(const cli_value *v, const char *file, const char *data_dir, const sp_rules *rules,
                      const sp_profile_list *profiles, const sp_plan *plans, sp_artifact_set *sets)
{
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    o.entry = cli_flag(&CMD, v, "entry")->text;
    if (o.entry && (!o.entry[0] || o.entry[0] == '-')) { /* torchrun would read it as its own option */
        sp_error err;
        cli_flag_error(&err, "entry", "'%s' is not a program path", o.entry);
        return cli_fail(&err);
    }
    if (cli_flag(&CMD, v, "nproc-per-node")->set && !cli_on(&CMD, v, "cpu")) {
        sp_error err;
        cli_flag_error(&err, "nproc-per-node", "applies to --cpu runs only (GPU plans start one process a GPU)");
        return cli_fail(&err);
    }
    o.entry_args = cli_flag(&CMD, v, "entry-args")->text;
    o.cpu = cli_on(&CMD, v, "cpu");
    /* The library's defaults (SP_LAUNCH_OPTIONS_INIT); the bounds table states the same ones. */
    o.nproc_per_node = cli_number_or(&CMD, v, "nproc-per-node", o.nproc_per_node);
    o.rdzv_port = cli_number_or(&CMD, v, "rdzv-port", o.rdzv_port);
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
        if (plans[i].no_plan) { /* nothing to launch: its reason, and plan's exit status 3 */
            sp_accel_catalog_free(&catalog);
            return cli_fail(&plans[i].why_no_plan);
        }
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
    if (nfiles == 1 && !cli_flag(&CMD, v, "out")->set) {
        fprintf(cli_err(), "stackplan: --out: required: the directory to write the launch files into\n");
        return CLI_EXIT_INPUT;
    }
    if (nfiles != 1) {
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
    if (status == CLI_EXIT_OK)
        status = write_all(cli_flag(&CMD, v, "out")->text, sets, profiles.count, cli_on(&CMD, v, "force"));
    /* Written as sized, but said: `plan` exits 3 on these, and the files alone would not tell. */
    for (size_t i = 0; status == CLI_EXIT_OK && i < profiles.count; i++)
        if (sp_plan_misses(&plans[i]))
            fprintf(cli_err(), "stackplan: note: '%s' misses its request; its files run the plan as sized "
                               "(`stackplan plan %s` says why)\n",
                    profiles.items[i].name, files[0]);
    for (size_t i = 0; sets && i < profiles.count; i++)
        sp_artifact_set_free(&sets[i]);
    free(sets);
    free(plans);
    sp_profile_list_free(&profiles);
    return status;
}

const cli_command *cmd_launch_spec(void) { return &CMD; }
