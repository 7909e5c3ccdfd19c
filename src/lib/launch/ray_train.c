/* ray_train.c - ray_train.py: a training plan's program run as torchrun would run it, in one Ray
 * Train worker a GPU, so that `ray job submit` starts every rank and not one process on the head. */
#include "launch_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The program and its arguments as one JSON list of strings, which is also a Python list literal
 * when every non-ASCII character is escaped; NULL when a word is not UTF-8. */
static char *argv_literal(const sp_launch_ctx *c)
{
    const sp_launch_options *o = c->o;
    json_t *argv = json_array();
    const char *flag, *value;
    bool utf8 = !json_array_append_new(argv, json_string(o->entry ? o->entry : sp_default_entry(c->plan->axis)));
    if (o->entry_args) {
        char copy[SP_LINE_MAX];
        sp_copy(copy, sizeof copy, o->entry_args);
        for (char *save = NULL, *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
            utf8 = !json_array_append_new(argv, json_string(tok)) && utf8;
    } else if (c->gpu) { /* the torchrun scripts' */
        if (sp_default_entry_sharding(c->plan, &flag, &value)) {
            json_array_append_new(argv, json_string(flag));
            json_array_append_new(argv, json_string(value));
        }
        char batch[256]; /* the Trainer's batch (as ds_config.json fixes it), steps and checkpointing */
        if (sp_trainer_batch_args(c->plan, batch, sizeof batch) > 0)
            for (char *save = NULL, *tok = strtok_r(batch, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
                json_array_append_new(argv, json_string(tok));
    }
    char *text = utf8 ? json_dumps(argv, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(argv);
    return text;
}

char *sp_ray_train_py(const sp_launch_ctx *c, sp_error *err)
{
    char *argv = argv_literal(c);
    if (!argv) {
        free(argv);
        sp_fail(err, SP_ERR_INPUT, "", 0, 0, "entry", "the entry point or its arguments are not UTF-8");
        return NULL;
    }
    double workers = c->o->cpu ? c->per_node * fmax(1, c->plan->nodes) : fmax(1, c->plan->gpus);
    sp_buf b = {0};
    sp_script_header(&b, "/usr/bin/env python3", c->profile,
                     "Ray Train: the entry run as torchrun would, in one worker a GPU");
    sp_buf_printf(&b,
                  "# ray.sh submits it: ray job submit --working-dir . -- python ray_train.py\n"
                  "\"\"\"Ray Train's TorchTrainer starts WORKERS workers, gives each torchrun's variables (RANK,\n"
                  "LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, NODE_RANK, MASTER_ADDR, MASTER_PORT) and opens the\n"
                  "default process group before the entry runs (ray/train/torch/config.py), so the entry's own\n"
                  "init_process_group call finds the group open and is skipped.\"\"\"\n"
                  "import os\n"
                  "import runpy\n"
                  "import sys\n\n"
                  "import torch.distributed as dist\n"
                  "from ray.train import RunConfig, ScalingConfig\n"
                  "from ray.train.torch import TorchTrainer\n\n"
                  "ARGV = %s\n"
                  "WORKERS = %.0f\n"
                  "USE_GPU = %s\n\n\n"
                  "def entry_directory(entry):\n"
                  "    \"\"\"The job's working directory on this node: Ray puts it on the workers' path, and a\n"
                  "    worker may start elsewhere (Ray Train's trial directory).\"\"\"\n"
                  "    for directory in [os.getcwd(), *sys.path]:\n"
                  "        if directory and os.path.isfile(os.path.join(directory, entry)):\n"
                  "            return directory\n"
                  "    raise FileNotFoundError(f\"{entry} is not in the job's working directory\")\n\n\n"
                  "def run_entry(config):\n"
                  "    argv = config[\"argv\"]\n"
                  "    os.chdir(entry_directory(argv[0]))  # torchrun runs the entry where it was started\n"
                  "    open_group, close_group = dist.init_process_group, dist.destroy_process_group\n\n"
                  "    def open_once(*args, **kwargs):\n"
                  "        if not dist.is_initialized():\n"
                  "            open_group(*args, **kwargs)\n\n"
                  "    def close_own(group=None, *args, **kwargs):  # Ray Train closes the default group itself\n"
                  "        if group is not None:\n"
                  "            close_group(group, *args, **kwargs)\n\n"
                  "    dist.init_process_group, dist.destroy_process_group = open_once, close_own\n"
                  "    sys.argv = list(argv)\n"
                  "    try:\n"
                  "        runpy.run_path(argv[0], run_name=\"__main__\")\n"
                  "    except SystemExit as done:  # the function runs in a thread: exit 0 is success, not a failure\n"
                  "        if done.code not in (None, 0):\n"
                  "            raise\n\n\n"
                  "if __name__ == \"__main__\":\n"
                  "    TorchTrainer(\n"
                  "        run_entry,\n"
                  "        train_loop_config={\"argv\": ARGV},\n"
                  "        scaling_config=ScalingConfig(num_workers=WORKERS, use_gpu=USE_GPU%s),\n"
                  "        run_config=RunConfig(name=\"%s\"),\n"
                  "    ).fit()\n",
                  argv, workers, c->gpu ? "True" : "False",
                  /* CPU workers would all pack onto the head: one GPU a worker spreads them by itself */
                  c->o->cpu && c->plan->nodes > 1 ? ", placement_strategy=\"SPREAD\"" : "", c->slug);
    free(argv);
    return sp_buf_finish(&b, err);
}
