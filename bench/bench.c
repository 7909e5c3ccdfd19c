/* bench.c - make bench: how fast the search is and how long a whole plan takes.
 *
 * usage: stackplan-bench SOURCE_ROOT STACKPLAN_BINARY
 * Reports layouts evaluated per second on one core (the GPT-3 175B search on 1024
 * A100-80GB at global batch 1536, the space Calculon searches): every layout is checked
 * for memory, and those that fit are timed, so it prints both rates. Then the wall time
 * of whole `stackplan` processes. A benchmark, not a test: it prints, it does not judge. */
#include "stackplan.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum { SEARCHES_PER_SAMPLE = 50, SAMPLES = 20, PROCESS_RUNS = 5 };

static int search_rate(const char *data_dir)
{
    sp_rules rules;
    sp_model model;
    sp_accel_catalog catalog;
    sp_error err;
    char path[1024];
    snprintf(path, sizeof path, "%s/accelerators.yaml", data_dir);
    if (sp_rules_load(data_dir, &rules, &err) != SP_OK || sp_model_load_catalog(data_dir, "gpt3-175b", &model, &err) != SP_OK ||
        sp_accels_load(path, &catalog, &err) != SP_OK) {
        fprintf(stderr, "bench: %s: %s\n", err.field, err.message);
        return 1;
    }
    const sp_accel *a100 = sp_accel_find(&catalog, "a100-sxm-80gb");
    sp_memory_constants mk = sp_rules_memory_constants(&rules);
    sp_search_request q = SP_SEARCH_REQUEST_INIT;
    q.gpus = 1024;
    q.global_batch = 1536;
    q.seq = 2048;
    q.tokens = 300e9;
    q.usd_per_gpu_hour = a100->usd_per_hour;
    static sp_search_result result;
    double best = 1e30, evaluated = 0;
    /* Best of twenty samples of 50 searches each (about 50 ms a sample): the least disturbed on a
     * shared machine, whose neighbours take the core for tens of milliseconds at a time. */
    for (int run = 0; run < SAMPLES; run++) {
        double start = now_s();
        for (int i = 0; i < SEARCHES_PER_SAMPLE; i++)
            if (sp_train_search(&model, a100, &q, &mk, &rules.perf, 5, &result, &err) != SP_OK) {
                fprintf(stderr, "bench: %s\n", err.message);
                return 1;
            }
        double elapsed = (now_s() - start) / SEARCHES_PER_SAMPLE;
        if (elapsed < best)
            best = elapsed;
        evaluated = result.plans_evaluated;
    }
    printf("search  gpt3-175b on 1024 x a100-sxm-80gb, global batch 1536, seq 2048\n");
    printf("        %.0f layouts checked (%.0f fit and were timed) in %.4f s a search: %.2f million checked/s, "
           "%.2f million timed/s on one core\n",
           evaluated, result.plans_fitting, best, evaluated / best / 1e6, result.plans_fitting / best / 1e6);
    if (result.found)
        printf("        best: tp %g pp %g dp %g mb %g interleave %g zero %g recompute %s, %.2f s a step, MFU %.1f%%\n",
               result.top[0].config.tp, result.top[0].config.pp, result.top[0].config.dp, result.top[0].config.micro_batch,
               result.top[0].config.interleave, result.top[0].config.zero, sp_recompute_name(result.top[0].config.recompute),
               result.top[0].step.step_time_s, 100 * result.top[0].step.mfu);
    sp_accel_catalog_free(&catalog);
    return 0;
}

/* Wall time of one whole process (start, load, plan, print), best of several runs. */
static void process_time(const char *binary, char *const argv[], const char *label)
{
    double best = 1e30;
    for (int run = 0; run < PROCESS_RUNS; run++) {
        double start = now_s();
        pid_t pid;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 1, 0);
        if (posix_spawn(&pid, binary, &actions, NULL, argv, environ) != 0) {
            posix_spawn_file_actions_destroy(&actions);
            printf("process %-48s cannot start %s\n", label, binary);
            return;
        }
        int status = 0;
        waitpid(pid, &status, 0);
        posix_spawn_file_actions_destroy(&actions);
        /* 3 is an answer too: the report says a target is missed (docs/CLI.md, exit statuses). */
        if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)) {
            printf("process %-48s failed (exit status %d): not timed\n", label, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            return;
        }
        double elapsed = now_s() - start;
        if (elapsed < best)
            best = elapsed;
    }
    printf("process %-48s %.1f ms (best of %d)\n", label, best * 1e3, PROCESS_RUNS);
}

/* The browser calculator's download (make web): the wasm module with its embedded catalogs, and
 * the JavaScript that loads it. */
static void bundle_size(const char *root)
{
    static const char *const files[] = {"stackplan.wasm", "stackplan.js", "app.js", "index.html"};
    double total = 0;
    char path[1024];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/build-web/site/%s", root, files[i]);
        struct stat st;
        if (stat(path, &st) != 0) {
            printf("wasm    bundle not built (make web)\n");
            return;
        }
        total += (double)st.st_size;
    }
    snprintf(path, sizeof path, "%s/build-web/site/stackplan.wasm", root);
    struct stat wasm;
    stat(path, &wasm);
    printf("wasm    bundle %.0f KB (stackplan.wasm %.0f KB with the catalogs embedded), build-web/site\n", total / 1024,
           (double)wasm.st_size / 1024);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: stackplan-bench SOURCE_ROOT STACKPLAN_BINARY\n");
        return 2;
    }
    char data[1024], capstone[1024], examples[1024];
    snprintf(data, sizeof data, "%s/data", argv[1]);
    snprintf(capstone, sizeof capstone, "%s/examples/capstone.yaml", argv[1]);
    snprintf(examples, sizeof examples, "%s/examples/models.yaml", argv[1]);
    if (search_rate(data) != 0)
        return 1;
    char *plan[] = {argv[2], "plan", capstone, NULL};
    char *models[] = {argv[2], "plan", examples, NULL};
    char *train[] = {argv[2], "train", "--model", "gpt3-175b", "--gpu", "a100-sxm-80gb", "--gpus", "1024",
                     "--global-batch", "1536", "--seq", "2048", NULL};
    process_time(argv[2], plan, "stackplan plan examples/capstone.yaml");
    process_time(argv[2], models, "stackplan plan examples/models.yaml");
    process_time(argv[2], train, "stackplan train gpt3-175b x 1024 a100, batch 1536");
    /* Issue 13's target: a whole fine-tune answer in under 20 ms. */
    char *finetune[] = {argv[2], "finetune", "--model", "llama-3.1-8b", "--gpu", "rtx-4090-24gb,a100-sxm-80gb",
                        "--gpus", "1-8", "--dataset-gb", "1", NULL};
    process_time(argv[2], finetune, "stackplan finetune llama-3.1-8b, 4090 and a100, 1-8");
    /* Issue 14's target: the MoE search with expert parallelism under 100 ms a process. */
    char *moe[] = {argv[2], "train", "--model", "deepseek-v3", "--gpu", "h100-sxm-80gb", "--gpus", "256-2048",
                   "--global-batch", "4096", "--seq", "4096", NULL};
    process_time(argv[2], moe, "stackplan train deepseek-v3 x 256-2048 h100 (EP searched)");
    /* Issue 15's target: 405B over four parts and 512-16,384 GPUs at seq 8192 (CP searched) under 100 ms. */
    char *wide[] = {argv[2], "train", "--model", "llama-3.1-405b", "--gpu",
                    "h100-sxm-80gb,h200-sxm-141gb,b200-sxm-192gb,mi300x-oam-192gb", "--gpus", "512-16384",
                    "--global-batch", "2048", "--seq", "8192", NULL};
    process_time(argv[2], wide, "stackplan train llama-3.1-405b x 4 parts x 512-16384 (CP searched)");
    /* Issue 16's target: one serve sizing with the load simulation under 50 ms a process. */
    char *load[] = {argv[2], "serve", "--model", "llama-2-70b", "--gpu", "h100-sxm-80gb", "--weight-dtype", "fp8",
                    "--kv-dtype", "fp8", "--qps", "20", "--ttft-ms", "1000", "--tpot-ms", "50", "--percentile", "95",
                    NULL};
    process_time(argv[2], load, "stackplan serve llama-2-70b at 20 requests/s, p95 targets (simulated, tp searched)");
    bundle_size(argv[1]);
    return 0;
}
