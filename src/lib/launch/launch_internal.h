/* launch_internal.h - the launchers inside libstackplan: a plan's artifacts (scripts, configs,
 * manifests for Slurm, torchrun, Ray, Kubernetes and SkyPilot), rendered to memory over the
 * reporters below. Not part of the API. */
#ifndef SP_LAUNCH_INTERNAL_H
#define SP_LAUNCH_INTERNAL_H

#include "load_internal.h"
#include "report_internal.h"

enum { SP_WORD_MAX = 1024, SP_LINE_MAX = 4096 };

/* ---- one plan's launch (launch.c) ---- */

/* Everything an artifact is rendered from. */
typedef struct {
    const sp_profile *profile;
    const sp_plan *plan;
    const sp_rules *rules;
    const sp_accel *accel;         /* NULL when the profile names none */
    const sp_launch_options *o;
    const char *slug;              /* the profile's directory name */
    char entry[SP_LINE_MAX];       /* the program and its arguments, shell-quoted (after torchrun) */
    char checkpoint_dir[SP_WORD_MAX]; /* shell-quoted */
    double per_node;               /* processes a node */
    double hours;                  /* the run's estimated wall-clock hours (0: unknown) */
    bool megatron;                 /* the layout runs on Megatron-LM (TP, PP, CP or EP) */
    bool zero;                     /* ... on FSDP / DeepSpeed ZeRO */
    bool torchtitan;               /* ... on torchtitan (FSDP2 beside TP, CP or PP) */
    bool gpu;                      /* CUDA or ROCm GPUs (not --cpu, not TPU/Neuron/Gaudi) */
    char engine_image[SP_WORD_MAX]; /* a serving engine that comes as an image, not a wheel: vLLM on ROCm
                                      (AMD's rocm/vllm; vLLM publishes no ROCm wheels); "" otherwise */
} sp_launch_ctx;

/* The environment block every training script starts with: the hook, data/launch.yaml's
 * variables that apply, OMP threads, the checkpoint directory and Megatron's arguments. */
sp_status sp_run_preamble(const sp_launch_ctx *c, sp_buf *b, sp_error *err);
/* The torchrun launcher options of one node of the plan, then the entry ("torchrun" not included). */
void sp_torchrun_tail(const sp_launch_ctx *c, bool multi_node, sp_buf *b);
/* ---- the run's schedule (schedule.c) ---- */
/* The optimizer steps of a timed plan's run: its tokens over the global batch's. */
double sp_run_steps(const sp_launch_ctx *c);
/* Llama 2's warmup (data/launch.yaml), never more than a tenth of a short run (a choice: warmup
 * longer than the run's start would leave no time at the peak rate). */
double sp_warmup_steps(const sp_launch_ctx *c, double steps);
/* The peak learning rate a pre-training launch writes: the published Llama rate for the model's
 * size (sp_pretrain_lr in schedule.c). */
double sp_pretrain_lr(const sp_launch_ctx *c);
/* Steps between checkpoints, about checkpoint_minutes of data/launch.yaml at step_s a step. */
double sp_checkpoint_steps(const sp_launch_ctx *c, double step_s);
/* Layers of virtual stage i when `stages` stages do not cut the layers evenly: floor(L / S) a
 * stage, one more on the stages after the first, so that a rank (stages r, r + pp, ...) holds at
 * most ceil(L / pp) layers, as the time model counts (Megatron-LM's layout, torchtitan's modules). */
int sp_virtual_stage_layers(int layers, int stages, int i);
/* "#!...", what the file is and the profile it is for. */
void sp_script_header(sp_buf *b, const char *shell, const sp_profile *p, const char *what);
/* The accelerator's device resource in Kubernetes ("nvidia.com/gpu", "amd.com/gpu", ...). */
const char *sp_k8s_device(sp_stack stack);
/* SkyPilot's name of the accelerator ("H100", "A100-80GB", ...), "" when it has none. */
const char *sp_sky_accelerator(const sp_accel *a);

/* ---- README.md (next_steps.c) ---- */
/* What to run (launch: the manifest's command) and what the files leave to the user, read off
 * the files written so far. */
char *sp_next_steps(const sp_launch_ctx *c, const sp_artifact_set *set, const char *launch, sp_error *err);

/* ---- Slurm (slurm.c) ---- */
char *sp_sbatch_script(const sp_launch_ctx *c, sp_error *err);

/* ---- Megatron-LM (megatron.c) ---- */
/* "MEGATRON_ARGS=(...)": every dimension of the chosen layout, the model's shape, the batch,
 * precision, recompute and checkpointing, one flag a line. Fails when Megatron cannot express
 * the layout (an uneven pipeline whose end stages would be empty). */
sp_status sp_megatron_args(const sp_launch_ctx *c, sp_buf *b, sp_error *err);

/* ---- FSDP / DeepSpeed configs (zero_config.c) ---- */
char *sp_ds_config(const sp_launch_ctx *c, sp_error *err);
char *sp_accelerate_config(const sp_launch_ctx *c, sp_error *err);
/* A fine-tune's DeepSpeed config when its optimizer state is offloaded (ZeRO-Offload), for axolotl's
 * `deepspeed:` key; the batch keys are "auto", which the Trainer fills from axolotl.yml. */
char *sp_ft_ds_config(const sp_launch_ctx *c, sp_error *err);

/* ---- torchtitan (torchtitan.c) ---- */
/* torchtitan.toml: the layout's degrees, batch, pipeline split, recompute, precision and schedule.
 * Fails when torchtitan cannot split the pipeline with at most the plan's layers on a rank. */
char *sp_torchtitan_config(const sp_launch_ctx *c, sp_error *err);

/* ---- fine-tune recipe (ft_recipe.c) ---- */
char *sp_axolotl_config(const sp_launch_ctx *c, sp_error *err);

/* ---- Kubernetes and SkyPilot (k8s.c, skypilot.c) ---- */
char *sp_pytorchjob(const sp_launch_ctx *c, const char *image, sp_error *err);
char *sp_rayservice(const sp_launch_ctx *c, const char *image, sp_error *err);
/* GPUs a training node rents: the instance the plan priced where it is larger than the GPUs the job
 * uses (4 of AWS's 8-H100 instances, the rest idle and paid for), else the node's own. */
double sp_rented_node_gpus(const sp_launch_ctx *c);
/* Host memory in GB a node of the job asks for its offloaded state (data/launch.yaml
 * host_memory_margin over it); 0 when nothing is offloaded. */
double sp_host_memory_gb(const sp_launch_ctx *c);
/* script: the text the run executes (node_run.sh), whose ${NAME:?...} variables the task marks
 * required (envs NAME: null, which sky launch refuses to start without); NULL: none. */
char *sp_sky_task(const sp_launch_ctx *c, const char *setup, const char *run, const char *script, sp_error *err);
enum { SP_REQUIRED_ENVS_MAX = 8 };
/* A variable a script stops without (${NAME:?HINT}), with the hint its message gives. */
typedef struct {
    char name[64];
    char hint[160];
} sp_required_env;
/* The variables a script stops without, in order, each once: at most max of them. */
size_t sp_required_envs(const char *script, sp_required_env *out, size_t max);

/* ---- Ray (launch_yaml.c, serve_app.c, ray_train.c) ---- */
/* Ray's cluster.yaml for a plan; setup is its one setup command. */
char *sp_cluster_yaml(const sp_launch_ctx *c, const char *setup, sp_error *err);
/* A Ray Serve application over vLLM with the plan's replicas, GPUs and engine arguments. */
char *sp_serve_app(const sp_launch_ctx *c, sp_error *err);
/* The same app for a plan the seed's rate sized, no model served: MODEL names the model. */
char *sp_serve_app_unsized(const sp_launch_ctx *c, sp_error *err);
/* ray_train.py (ray_train.c): the training entry in one Ray Train worker a GPU (a process a
 * node's slot with --cpu), each with torchrun's variables and the process group open. */
char *sp_ray_train_py(const sp_launch_ctx *c, sp_error *err);

/* ---- YAML writing (yaml_emit.c): libyaml's emitter, scalars that keep their type ---- */
typedef struct sp_emitter sp_emitter;

/* A new document; NULL (err set) when the emitter cannot start. */
sp_emitter *sp_emit_begin(sp_error *err);
/* Ends the document and frees the emitter; comment (lines of "# ...", ours only) goes first.
 * Caller frees the text. */
char *sp_emit_finish(sp_emitter *y, const char *comment, sp_error *err);
/* A profile's list ends: its item's map and the list closed, the header comment (NULL: it could not
 * be written, and the emitter is discarded) put first and freed. */
char *sp_emit_profile_finish(sp_emitter *y, char *comment, sp_error *err);
/* A profile's list begins: its one item's map with name, model, gpu and gpus (none when gpus is 0).
 * NULL on failure. */
/* The model a profile names: the tuned checkpoint when that was asked, else the catalog's name. */
const char *sp_profile_model_key(const sp_model *m);
sp_emitter *sp_emit_profile_begin(const char *name, const char *model, const char *gpu, double gpus, sp_error *err);
void sp_emit_str(sp_emitter *y, const char *text);
void sp_emit_int(sp_emitter *y, double value);
void sp_emit_num(sp_emitter *y, double value);
void sp_emit_bool(sp_emitter *y, bool value);
void sp_emit_null(sp_emitter *y); /* YAML's null, plain */
void sp_emit_map(sp_emitter *y);
void sp_emit_end_map(sp_emitter *y);
void sp_emit_seq(sp_emitter *y);
void sp_emit_end_seq(sp_emitter *y);
void sp_emit_kv_str(sp_emitter *y, const char *key, const char *value);
void sp_emit_kv_int(sp_emitter *y, const char *key, double value);
void sp_emit_kv_num(sp_emitter *y, const char *key, double value);
void sp_emit_kv_bool(sp_emitter *y, const char *key, bool value);
/* A block of text kept as it is (a document inside a document: serveConfigV2). */
void sp_emit_literal(sp_emitter *y, const char *text);

#endif
