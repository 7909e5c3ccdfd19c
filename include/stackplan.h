/*
 * stackplan.h - public API of libstackplan.
 *
 * stackplan turns a distributed-AI design (which axis to distribute, how big the
 * model, how much data, what throughput) into a concrete stack: collective,
 * framework, accelerator memory, GPUs and nodes, infrastructure tier, the
 * self-managed versus managed cost and its break-even, and a launch line.
 *
 * Conventions
 *  - Every public name starts with sp_. Units live in names (_gb, _usd, _s ...).
 *  - Functions that can fail return sp_status and fill an sp_error the caller
 *    owns; on SP_OK the error is left cleared. The library never prints,
 *    exits or aborts.
 *  - Estimators (sp_plan_profile, sp_costs, sp_breakeven_hours) are pure: no
 *    I/O, no allocation, no globals.
 *  - Loaders and renderers allocate; each says who frees what. Every *_free
 *    accepts NULL.
 *  - Sections follow the library's layers, lowest first (docs/ARCHITECTURE.md):
 *    common/, load/, estimate/, search/, plan/, report/, launch/. Each banner
 *    names the folder of src/lib that implements it.
 */
#ifndef STACKPLAN_H
#define STACKPLAN_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is the library's interface: exported from libstackplan.so, while
 * everything else is built hidden. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define SP_VERSION "0.1.0"

/* ================================================================ common/
 * Errors, strict numbers, and the words for the job's enums. */

/* ---------------------------------------------------------------- errors */

typedef enum {
    SP_OK = 0,
    SP_ERR_INPUT = 1,    /* the user's file or flag is wrong */
    SP_ERR_IO = 2,       /* a file could not be opened or read */
    SP_ERR_NOMEM = 3,    /* an allocation failed */
    SP_ERR_INTERNAL = 4, /* a bug in stackplan */
    SP_ERR_NO_PLAN = 5   /* the request is sound and nothing meets it: the model fits no layout, part or
                            count it may take (the CLI's exit status 3) */
} sp_status;

enum { SP_ERR_FILE_MAX = 256, SP_ERR_FIELD_MAX = 64, SP_ERR_MESSAGE_MAX = 320 };

/* Where and why something failed. line and col are 1-based; 0 when the
 * problem has no position (a missing file, a command-line flag). */
typedef struct {
    sp_status status;
    char file[SP_ERR_FILE_MAX];
    unsigned line;
    unsigned col;
    char field[SP_ERR_FIELD_MAX];
    char message[SP_ERR_MESSAGE_MAX];
} sp_error;

/* Resets err to SP_OK with empty strings. err may be NULL. */
void sp_error_clear(sp_error *err);

/* Writes "FILE:LINE:COL: field: message" (parts without a value are left out)
 * into buf, always NUL-terminated. Returns the length it wanted to write. */
int sp_error_format(const sp_error *err, char *buf, size_t size);

/* True for statuses caused by the user's input (exit status 2 in the CLI). */
bool sp_status_is_input(sp_status status);

/* ---------------------------------------------------------------- numbers */

enum {
    SP_NUM_ALLOW_SUFFIX = 1u << 0,     /* k M G T (x1000) and Ki Mi Gi Ti (x1024), optional trailing B */
    SP_NUM_ALLOW_UNDERSCORE = 1u << 1, /* 5_000 as YAML 1.1 and Python write it */
    SP_NUM_INTEGER = 1u << 2           /* the result must be a whole number */
};

/* Parses text strictly: the whole string must be one finite number. NaN,
 * infinities, overflow, empty text and trailing junk are rejected with a
 * message in err->message (err->field is left untouched). */
sp_status sp_parse_number(const char *text, unsigned flags, double *out, sp_error *err);

/* ---------------------------------------------------------------- names */

/* Sizes of the fixed text fields and lists in the structs below. */
enum { SP_NAME_MAX = 64, SP_TEXT_MAX = 256, SP_FRAMEWORKS_MAX = 6 };
enum { SP_PHASES_MAX = 4, SP_STAGES_MAX = 16 };

typedef enum {
    SP_AXIS_DATA = 0,
    SP_AXIS_TRAINING,
    SP_AXIS_MODEL,
    SP_AXIS_SERVING,
    SP_AXIS_COUNT
} sp_axis;

typedef enum { SP_MODE_TRAIN = 0, SP_MODE_INFER } sp_mode;

/* Returns "data", "training", "model", "serving" ("?" when out of range). */
const char *sp_axis_name(sp_axis axis);
/* Returns "train" or "infer". */
const char *sp_mode_name(sp_mode mode);
/* Parses an axis or mode token; false when the token is not one. */
bool sp_axis_parse(const char *text, sp_axis *out);
bool sp_mode_parse(const char *text, sp_mode *out);

typedef enum {
    SP_PREC_FP32 = 0,
    SP_PREC_MIXED_FP16,   /* fp16 compute, fp32 master weights */
    SP_PREC_MIXED_BF16,   /* bf16 compute, fp32 master weights */
    SP_PREC_BF16,         /* pure bf16: weights, gradients and optimizer state */
    SP_PREC_FP8,          /* FP8-LM style: fp8 weights and gradients, fp16 master */
    SP_PREC_MXFP8,        /* MXFP8 GEMMs (E4M3, an E8M0 scale per 32 values), bf16 weights, fp32 master */
    SP_PREC_NVFP4,        /* NVFP4 GEMMs (E2M1, an E4M3 scale per 16 values; Transformer Engine's
                             NVFP4BlockScaling), bf16 weights, fp32 master */
    SP_PREC_FP8_ROWWISE   /* torchao's float8 "rowwise" recipe under FSDP2: a scale per row of each
                             operand, bf16 weights gathered in bf16, fp32 master */
} sp_precision;

typedef enum { SP_OPT_ADAMW = 0, SP_OPT_ADAM, SP_OPT_ADAM8BIT, SP_OPT_SGD, SP_OPT_ADAFACTOR } sp_optimizer;
/* selective: Megatron's (the attention core again); op: torchtitan's op-level selective
 * checkpointing (every other matmul output and the attention output kept, the rest rebuilt). */
typedef enum { SP_RECOMPUTE_NONE = 0, SP_RECOMPUTE_SELECTIVE, SP_RECOMPUTE_FULL, SP_RECOMPUTE_OP } sp_recompute;
/* NVFP4 and MXFP4 are 4-bit floating-point weights with block scales (weights only, never the KV
 * cache); "fp4" parses as nvfp4. */
typedef enum {
    SP_DTYPE_BF16 = 0,
    SP_DTYPE_FP16,
    SP_DTYPE_FP8,
    SP_DTYPE_INT8,
    SP_DTYPE_INT4,
    SP_DTYPE_FP32,
    SP_DTYPE_NVFP4,
    SP_DTYPE_MXFP4
} sp_dtype;
bool sp_dtype_is_fp4(sp_dtype d);

/* Tokens for the enums above ("mixed-bf16", "adamw", "selective", "int4" ...). */
const char *sp_precision_name(sp_precision p);
bool sp_precision_parse(const char *text, sp_precision *out);
const char *sp_optimizer_name(sp_optimizer o);
bool sp_optimizer_parse(const char *text, sp_optimizer *out);
const char *sp_recompute_name(sp_recompute r);
bool sp_recompute_parse(const char *text, sp_recompute *out);
const char *sp_dtype_name(sp_dtype d);
bool sp_dtype_parse(const char *text, sp_dtype *out);
double sp_dtype_bytes(sp_dtype d);

/* ---------------------------------------------------------------- shell words */

/* Writes text as one POSIX shell word in single quotes ('it'\''s). Returns the wanted length. */
int sp_shell_quote(const char *text, char *buf, size_t size);
/* The same, but text made only of letters, digits and ._/:+- is written as it is
 * (Qwen/Qwen3-8B). Returns the wanted length. */
int sp_shell_word(const char *text, char *buf, size_t size);
/* Whether text is one shell word as it stands: letters, digits and . _ / : + - only. */
bool sp_shell_plain(const char *text);

/* ================================================================ load/
 * Files to plain structs: rules, profiles, catalogs, config.json, hashes. */

/* ---------------------------------------------------------------- rules */

/* The tunable constants of the sizing rule (the seed's helper and its cost
 * model). A profile may override any of them. */
typedef struct {
    double gpu_mem_gb;            /* memory of one accelerator */
    double gpus_per_node;         /* accelerators in one node (whole number) */
    double usd_per_gpu_hour;      /* on-demand price of one accelerator-hour */
    double managed_premium;       /* m: managed price over raw cloud (>= 1) */
    double ops_hours;             /* T_ops: hours spent running a cluster yourself */
    double ops_usd_per_hour;      /* v: value of one hour of the team's time */
    double qps_per_replica;       /* r: requests a second one GPU replica sustains */
} sp_knobs;

enum { SP_KNOB_COUNT = 7 };

/* Constants that are not per profile. */
typedef struct {
    double train_bytes_per_param; /* mixed-precision Adam: 16 */
    double infer_bytes_per_param; /* bf16 weights only: 2 */
    double local_max_data_tb;     /* the seed keeps jobs under this on one node */
    double managed_max_nodes;     /* the seed's largest managed cluster */
    double cuda_context_gb;       /* memory model: see sp_memory_constants */
    double allocator_fragmentation;
    double allocator_fragmentation_multi_gpu; /* the same with collectives on a second stream */
    double prefill_chunk_tokens;
    double int4_group_size;
    double tokens_per_param;      /* training budget when none is given: 20 (Chinchilla) */
    double tokens_per_step;       /* global batch when none is given, in tokens */
    double run_max_gpus;          /* the largest GPU count a profile's training run tries */
    double quant_block;           /* fine-tuning: weights per 4-bit absmax (bitsandbytes: 64) */
    double double_quant_block;    /* absmax constants per second-level constant (QLoRA: 256) */
    double loss_bytes_per_logit;  /* output layer and loss bytes per token per vocabulary entry */
    double chunked_loss_bytes_per_logit; /* the same when the loss runs over 16-bit chunks */
    double eager_loss_bytes_per_logit; /* the same for eager PyTorch's loss at the pinned transformers */
    double dataset_bytes_per_token; /* text bytes a token covers, to turn dataset_gb into tokens */
    double goodput;               /* share of a run's wall time that advances training (restarts, checkpoints) */
    double serve_tpot_ms;         /* the time-per-output-token target when a serving request gives none */
    double serve_stream_s_per_token; /* host time a server spends streaming one sequence's token a step */
    double serve_ttft_ms_mlperf;  /* MLPerf's first-token bound, the latency targets make validate judges rows by */
    double serve_route_choices;   /* replicas a fleet's router compares for each request (sp_serve_config.route_choices) */
    double seed_gpu_bf16_flops_per_s; /* the dense bf16 peak a seed profile's unnamed GPU is allowed: the time floor */
    double ops_note_share;        /* a cluster's fixed ops cost under this share of its machines' gets a note */
} sp_limits;

/* One row of the design-to-tool table (seed Table 41.5.1). */
typedef struct {
    char collective[SP_NAME_MAX];
    char frameworks[SP_FRAMEWORKS_MAX][SP_NAME_MAX];
    unsigned framework_count;
    char seed_label[SP_NAME_MAX];   /* how the seed's helper prints the frameworks */
    char refuse_to_build[SP_TEXT_MAX];
    char refuse_why[SP_TEXT_MAX];
} sp_axis_info;

/* Constants of the training-time model (data/perf.yaml). */
typedef struct {
    double matmul_efficiency;      /* share of dense peak a large GEMM sustains (catalog default) */
    double gemm_saturation_dim;    /* d0 in the per-dimension GEMM saturation d/(d+d0) */
    double attention_efficiency;   /* FlashAttention relative to a large GEMM */
    double memory_efficiency;      /* share of HBM bandwidth element-wise kernels reach */
    double intra_link_efficiency;  /* NCCL bus bandwidth / NVLink bandwidth */
    double inter_link_efficiency;  /* NCCL bus bandwidth / network line rate */
    double collective_latency_s;   /* per collective call */
    double memory_headroom;        /* share of memory the search keeps free beyond the estimate */
    double overlap_contention;     /* share of overlapped communication that still slows compute */
    double sustained_fraction;     /* sustained training GEMM rate over a burst microbenchmark */
    double host_link_bytes_per_s;  /* GPU to host copies (PCIe), for offloaded state */
    double host_adam_params_per_s; /* parameters a host CPU-Adam step updates a second */
    double eager_host_s_per_layer_pass; /* host time eager PyTorch takes to launch one decoder layer's
                                           kernels in one pass (forward, recompute or backward) */
    double cp_min_tokens;          /* the search's least tokens of a sequence on one context-parallel rank */
    double nccl_base_latency_s;    /* NCCL's latency model (Simple protocol): a collective's base */
    double nccl_nvlink_ring_step_s;/* ... one ring step over NVLink */
    double nccl_nvlink_tree_step_s;/* ... one tree step over NVLink */
    double nccl_net_step_s;        /* ... one step between nodes, ring or tree */
    double serve_weight_bandwidth_share; /* share of HBM peak a serving forward's weight reads reach; 0: memory_efficiency */
    double serve_host_s_per_sequence; /* host time an engine's step loop spends on each running sequence
                                         (schedule, prepare inputs, sample), run beside the GPU's step */
    double serve_reach_margin;    /* an out-of-reach latency target is replaced by this many times what
                                     a one-sequence replica takes */
    double fp8_rowwise_gemm_share; /* the rate torchao's rowwise forward GEMM (PyTorch's CUTLASS kernel)
                                      reaches over the tensorwise cuBLAS one */
    double serve_assumed_len_cache_share; /* with no request lengths given, --max-model-len is the model's
                                             context, at most this share of the KV cache */
    double search_tie_tolerance;  /* layouts within this share of the fastest step are a tie, which one
                                     under search_comfort_share of the usable memory wins */
    double search_comfort_share;  /* share of the memory a GPU may use past which a near tie goes to room */
    double offload_min_gain;      /* a fine-tune that fits with room without offload takes offload only when
                                     it is predicted this share faster (a larger micro-batch's) */
    double ft_patience_hours;     /* a fine-tune longer than this yields to a near tie in price (within
                                     search_tie_tolerance) that finishes sooner on more GPUs */
    double ft_roomy_premium;      /* a fine-tune that fits with the allocator's room beats a tight one
                                     costing up to this share less */
    double serve_tail_note_load;  /* a fleet its latency tail sizes below this utilisation gets a note */
    double serve_reach_widen;     /* out-of-reach targets no fleet holds at serve_reach_margin widen by
                                     this factor a try ... */
    double serve_reach_tries;     /* ... for at most this many tries */
} sp_perf_constants;

enum { SP_FRAMEWORK_MAX = 32 };

/* A pinned framework release (data/frameworks.yaml). */
typedef struct {
    char name[SP_NAME_MAX];
    char version[32];
    char extra[32];               /* the pip extra it is installed with ("[tpu]"), "" when none */
} sp_framework_pin;

/* One environment variable the launch scripts export (data/launch.yaml). */
typedef struct {
    char name[SP_NAME_MAX];
    char value[SP_NAME_MAX];
    char when[16];                /* "all", "gpu", "megatron" or "multi-node" */
} sp_env_var;

enum { SP_ENV_MAX = 16 };

/* What the launch artifacts need beyond a plan (data/launch.yaml), each value with its source. */
typedef struct {
    sp_env_var env[SP_ENV_MAX];
    unsigned env_count;
    double cpus_per_gpu;          /* --cpus-per-task a GPU process gets */
    double host_memory_margin;    /* host memory asked over an offloaded plan's state, as a share of it */
    double time_margin;           /* --time = the run's hours x (1 + margin) */
    double requeue_signal_s;      /* Slurm signals this long before the time limit */
    double checkpoint_minutes;    /* Megatron --save-interval: a checkpoint about this often */
    double lr, lr_70b, lr_405b, lr_70b_from_params_b, lr_405b_from_params_b, min_lr_ratio, warmup_iters, weight_decay, clip_grad, adam_beta2; /* pre-training */
    double ft_full_lr, ft_lora_lr, lora_alpha_per_rank, ft_warmup_ratio;       /* fine-tuning */
    double ft_batch_sequences;    /* sequences an optimizer step of a fine-tune takes at least */
    double moe_aux_loss_coeff;    /* a MoE pre-training's load-balancing loss where config.json gives none */
    double long_job_hours;        /* a Slurm job past this asks for more than clusters usually allow */
    double serve_probe_delay_s;   /* SkyServe's readiness delay before a checkpoint's download ... */
    double serve_download_bytes_per_s; /* ... plus its bytes at this rate (sky_task.yaml) */
    char cuda_wheel_index[SP_TEXT_MAX];   /* pip --extra-index-url of torch's CUDA build */
    char rocm_wheel_index[SP_TEXT_MAX];   /* ... of its ROCm build */
    char neuron_wheel_index[SP_TEXT_MAX]; /* ... of AWS Neuron's packages */
    char cuda_torch_image[SP_TEXT_MAX];   /* Kubernetes images: patterns with {torch}, {ray}, {cuda} ("13.0") */
    char cuda_ray_image[SP_TEXT_MAX];     /* and {cu} ("130") filled from the pins and the wheel index */
    char rocm_torch_image[SP_TEXT_MAX];
    char rocm_ray_image[SP_TEXT_MAX];
} sp_launch_data;

/* Everything a plan needs besides the profile: loaded once from data/. */
typedef struct {
    sp_knobs knobs;
    sp_limits limits;
    sp_perf_constants perf;
    sp_framework_pin frameworks[SP_FRAMEWORK_MAX];
    unsigned framework_count;
    sp_axis_info axes[SP_AXIS_COUNT];
    char schedulers[SP_FRAMEWORKS_MAX][SP_NAME_MAX];
    unsigned scheduler_count;
    char trackers[SP_FRAMEWORKS_MAX][SP_NAME_MAX];
    unsigned tracker_count;
    sp_launch_data launch;        /* data/launch.yaml */
} sp_rules;

/* Framework constants of the memory model (data/defaults.yaml). */
typedef struct {
    double cuda_context_bytes;    /* CUDA context and kernels, outside PyTorch's allocator */
    double fragmentation;         /* caching-allocator reserve over what tensors use */
    double prefill_chunk_tokens;  /* tokens one inference forward pass handles at most */
    double int4_group_size;       /* weights per fp16 scale and zero point */
    double eager_loss_bytes_per_logit; /* eager PyTorch's loss at the pinned transformers: bytes per token
                                     per vocabulary entry (sp_mem_config.eager_modules) */
} sp_memory_constants;

/* Constants of the fine-tuning model (data/defaults.yaml). */
typedef struct {
    double cuda_context_bytes;    /* outside PyTorch's allocator: counted in device bytes only */
    double fragmentation;         /* reserved over allocated, one GPU */
    double fragmentation_multi_gpu; /* the same when collectives run beside the compute */
    double quant_block;           /* weights per absmax (bitsandbytes 4-bit: 64) */
    double double_quant_block;    /* absmax constants per second-level constant (256) */
    double gptq_group;            /* weights per GPTQ scale and zero (128) */
    double loss_bytes_per_logit;  /* bytes the output layer and loss keep per token per vocabulary entry */
    double chunked_loss_bytes_per_logit; /* the same for a chunked 16-bit loss */
} sp_ft_constants;

/* Loads DATA_DIR/defaults.yaml, axes.yaml, perf.yaml and frameworks.yaml into
 * out. Every value must carry a source. */
sp_status sp_rules_load(const char *data_dir, sp_rules *out, sp_error *err);

/* The memory constants of loaded rules. */
sp_memory_constants sp_rules_memory_constants(const sp_rules *rules);
/* The global batch a training request gets when it names none: the rules' tokens_per_step over
 * `seq`, rounded to a power of two sequences so that data-parallel degrees divide it. */
double sp_rules_global_batch(const sp_rules *rules, double seq);
/* The fine-tuning constants of loaded rules. */
sp_ft_constants sp_rules_ft_constants(const sp_rules *rules);

/* ---------------------------------------------------------------- profiles */

/* Bits of sp_profile.knobs_set: which knobs the profile overrides. */
enum {
    SP_SET_GPU_MEM_GB = 1u << 0,
    SP_SET_GPUS_PER_NODE = 1u << 1,
    SP_SET_USD_PER_GPU_HOUR = 1u << 2,
    SP_SET_MANAGED_PREMIUM = 1u << 3,
    SP_SET_OPS_HOURS = 1u << 4,
    SP_SET_OPS_USD_PER_HOUR = 1u << 5,
    SP_SET_QPS_PER_REPLICA = 1u << 6
};

/* A fine-tune's on/off settings a profile may state, each as finetune's flag of the same name
 * (profile_ft.c: chunked_loss, fused_kernels, double_quant, train_embeddings, kbit_upcast,
 * reentrant_checkpointing). */
enum {
    SP_FT_SWITCH_CHUNKED_LOSS = 1u << 0,
    SP_FT_SWITCH_FUSED_KERNELS = 1u << 1,
    SP_FT_SWITCH_DOUBLE_QUANT = 1u << 2,
    SP_FT_SWITCH_TRAIN_EMBEDDINGS = 1u << 3,
    SP_FT_SWITCH_KBIT_UPCAST = 1u << 4,
    SP_FT_SWITCH_REENTRANT_CHECKPOINTING = 1u << 5
};

/* Hours in a month, the period fleet costs are quoted for: 8760 / 12. */
#define SP_HOURS_A_MONTH 730.0

/* The serving engine a user asked for (serve --engine, a profile's engine): auto is vLLM (Ray
 * Serve + vLLM for several replicas). */
typedef enum { SP_ENGINE_ASK_AUTO, SP_ENGINE_ASK_VLLM, SP_ENGINE_ASK_SGLANG, SP_ENGINE_ASK_TRTLLM } sp_engine_ask;

/* "vllm", "sglang" or "trtllm" as sp_engine_ask; false for any other text. */
bool sp_engine_ask_parse(const char *text, sp_engine_ask *out);

/* One job as the user describes it. Plain data; validated by the loader. */
typedef struct {
    char name[SP_TEXT_MAX];
    double params_b;      /* billions of parameters; 0 when there is no model */
    double memory_gb;     /* accelerator memory the job needs, when known directly */
    bool has_memory_gb;   /* memory_gb was given (it then wins over params_b) */
    double data_tb;
    double qps;
    sp_axis axis;
    bool has_axis;        /* false: the plan infers the axis */
    sp_mode mode;
    bool has_mode;        /* false: train, or infer on the serving axis */
    double train_hours;   /* how long the job runs (hours of compute) */
    double budget_usd;
    sp_knobs knobs;       /* overrides; only the fields in knobs_set count */
    unsigned knobs_set;
    unsigned line;        /* where the profile starts in its file (1-based) */
    /* The transformer memory model instead of bytes per parameter (issue 3): */
    char model[SP_NAME_MAX];   /* catalog model name, "" when none */
    char gpu[SP_NAME_MAX];     /* catalog accelerator name, "" when none */
    unsigned model_line, model_col, gpu_line, gpu_col;
    double seq;                /* tokens per sequence; 0: the model's context, at most 4096 */
    double micro_batch;        /* sequences per micro-batch (train) or batch (infer); 0: 1 */
    double tp, pp, dp, cp, ep, etp, interleave; /* a named model's training layout, pinned; 0: searched */
    double zero;               /* ZeRO stage pinned, with has_zero */
    bool has_zero;
    sp_precision precision;
    bool has_precision;
    sp_optimizer optimizer;
    bool has_optimizer;
    double tokens;             /* training token budget; 0: 20 per parameter (Chinchilla) */
    double prompt_tokens, output_tokens; /* serving; 0: 512 and 256 */
    double ttft_ms, tpot_ms;   /* serving latency targets; 0: none */
    double percentile;         /* serving: hold the targets at this percentile of requests under Poisson
                                  arrivals, simulated (serve --percentile); 0: a full batch's averages */
    sp_dtype weight_dtype, kv_dtype; /* serving (bf16 when not given) */
    bool has_weight_dtype;     /* false: the checkpoint's stored format (quantization_config), else bf16 */
    sp_engine_ask engine;      /* serving: the engine asked for; auto (0) when not given */
    double prefix_share;       /* serving: the share of every prompt all requests share, cached once (serve
                                  --prefix-share); 0: none */
    double max_loras;          /* serving with lora_rank (no method): adapters one batch may mix; 0: 1 */
    double prompt_spread, output_spread; /* serving: lengths lognormal, std/mean (serve --prompt-spread,
                                  --output-spread, a --workload preset's); 0: fixed */
    double global_batch;       /* sequences per step; 0: about 2M tokens */
    char instance[SP_NAME_MAX];  /* data jobs: a CPU instance of data/instances.yaml, "" when none */
    unsigned instance_line, instance_col;
    char stage_names[SP_STAGES_MAX][SP_NAME_MAX]; /* data jobs: stages in order; none: the default */
    unsigned stage_count;
    /* A fine-tune (issue 13): with a model and a gpu the plan searches full, LoRA and QLoRA. */
    bool has_method;           /* method: given; the job is a fine-tune, never a pre-training budget */
    bool method_auto;          /* method: auto (full, LoRA and QLoRA are compared) */
    int method;                /* an sp_ft_method when has_method and not method_auto */
    double dataset_gb;         /* fine-tune text, in GB (data/defaults.yaml dataset_bytes_per_token) */
    double epochs;             /* passes over dataset_gb or tokens; 0: 1 */
    /* A fine-tune's settings, as finetune's flags of the same names (profile_ft.c): what
     * `finetune --format profile` writes, so the plan launched is the one recommended. */
    double lora_rank;          /* 0: finetune's default */
    unsigned lora_targets;     /* SP_TARGET_* bits; 0: finetune's default */
    bool has_quant, has_offload; /* false: finetune's default */
    int quant;                 /* an sp_quant when has_quant */
    int offload;               /* an sp_offload when has_offload (else the search's choice) */
    unsigned ft_switches_given; /* SP_FT_SWITCH_* bits the profile states ... */
    unsigned ft_switches_on;   /* ... and those of them that are true */
    bool has_lora_dropout;     /* false: finetune's default */
    double lora_dropout;
    double gpus;               /* a named model's training run or fine-tune on exactly this many GPUs
                                  (the cluster one has); 0: the plan chooses the count */
    /* Where each key's value sits in the file, so that a plan's error points at the key that
     * caused it (sp_profile_place). */
    struct {
        char key[24];
        unsigned line, col;
    } places[48];
    unsigned place_count;
} sp_profile;

/* The line and column of the profile's value for key; false (and the profile's own line) when the
 * key is absent. Pure. */
bool sp_profile_place(const sp_profile *profile, const char *key, unsigned *line, unsigned *col);
/* The pre-training layout keys (tp, pp, dp, cp, ep, etp, interleave, zero) the profile pins, in
 * that order, and their values: at most max of them; returns how many. Pure. */
size_t sp_profile_layout_pins(const sp_profile *profile, const char **keys, double *values, size_t max);
/* The layout key spelled name (a train flag's or a profile key's), NULL when name is none of them. */
const char *sp_profile_layout_key(const char *name);

typedef struct {
    sp_profile *items;
    size_t count;
} sp_profile_list;

/* Reads a YAML list of profiles. On success the caller owns *out and frees it
 * with sp_profile_list_free. On failure *out is left empty. */
sp_status sp_profiles_load(const char *path, sp_profile_list *out, sp_error *err);
/* Same, from a buffer; name is used in error messages. */
sp_status sp_profiles_parse(const char *name, const char *text, size_t length,
                            sp_profile_list *out, sp_error *err);
/* Frees what a loader put in list and empties it. list may be NULL. */
void sp_profile_list_free(sp_profile_list *list);

/* ---------------------------------------------------------------- accelerators */

/* Larger instances of an accelerator's priced offer the catalog lists (accelerators.yaml instances). */
enum { SP_INSTANCES_MAX = 4 };

/* One accelerator of data/accelerators.yaml. Rates are per second, dense. */
typedef struct {
    char name[SP_NAME_MAX];
    char vendor[SP_NAME_MAX];
    double memory_bytes;
    double hbm_bytes_per_s;
    double fp32_flops_per_s;
    double tf32_flops_per_s;      /* 0 where the part has none */
    double bf16_flops_per_s;      /* dense bf16/fp16 tensor peak */
    double fp8_flops_per_s;       /* 0 where the part has none */
    double fp4_flops_per_s;       /* dense FP4 tensor peak (NVFP4/MXFP4); 0 where the part has none */
    double int8_ops_per_s;
    double per_node;              /* accelerators in one scale-up (NVLink/ICI/Infinity Fabric) domain:
                                     the usual server's, or a whole NVL72 rack's */
    double host_gpus;             /* accelerators one host (server, compute tray) holds: what a node
                                     counts in a launch (torchrun's nproc_per_node, Slurm's
                                     --gpus-per-node) and in a price; per_node unless the domain
                                     spans hosts */
    double intra_node_bytes_per_s;/* per accelerator, per direction */
    double inter_node_bytes_per_s;/* per accelerator, per direction */
    double peer_bytes_per_s;      /* GPU to GPU in a server when the driver offers no peer-to-peer path
                                     (GeForce): staged through host memory, per direction, as measured;
                                     0: the GPUs reach each other over intra_node_bytes_per_s */
    double usd_per_hour;          /* on-demand; 0 when no public price exists */
    double matmul_efficiency;     /* measured share of dense peak for large GEMMs; 0: use the default */
    double attention_efficiency;  /* measured share of dense peak for FlashAttention fwd+bwd; 0: default */
    double compute_units;         /* SMs (or CUs) that run GEMM tiles; 0 where no tile size is given */
    double gemm_tile_8bit;        /* M and N of the library's smallest fp8/int8 GEMM tile; 0: not modelled */
    char aws_instance[32];        /* the 8-GPU AWS instance with this part, "" when none */
    char price_date[16];
    unsigned line;
    char skypilot[32];            /* SkyPilot's accelerator name ("H100", "A100-80GB"); "" when not known */
    double fp4_matmul_efficiency; /* measured share of fp4_flops_per_s a large FP4 GEMM sustains;
                                     0: matmul_efficiency (or the default) */
    char half_dtype[8];           /* the 16-bit type its tensor cores run: "fp16" (Volta, Turing: no
                                     bf16) or "" for bf16 and fp16 alike */
    char price_provider[32];      /* who charges usd_per_hour ("AWS on-demand"); "" with no price */
    double instance_gpus[SP_INSTANCES_MAX];         /* the offer's instances with more GPUs: GPUs each, rising */
    double instance_usd_per_hour[SP_INSTANCES_MAX]; /* ... and the whole instance's on-demand price */
    size_t instance_count;        /* 0: the provider rents the GPUs one at a time at usd_per_hour */
    double min_rented_gpus;       /* the fewest GPUs the offer rents (its smallest instance; 0: one):
                                     usd_per_hour is then a share of it, and a job on fewer pays it whole */
} sp_accel;

typedef struct {
    sp_accel *items;
    size_t count;
} sp_accel_catalog;

/* Loads an accelerator catalog (a YAML list; every row needs spec_source,
 * link_source, price_source and price_date). Caller frees with
 * sp_accel_catalog_free. */
sp_status sp_accels_load(const char *path, sp_accel_catalog *out, sp_error *err);
sp_status sp_accels_parse(const char *name, const char *text, size_t length,
                          sp_accel_catalog *out, sp_error *err);
void sp_accel_catalog_free(sp_accel_catalog *catalog);
/* The row named name, or NULL. */
const sp_accel *sp_accel_find(const sp_accel_catalog *catalog, const char *name);
/* GPUs one host of the part holds (host_gpus; per_node where a struct leaves it 0). */
double sp_accel_host_gpus(const sp_accel *a);
/* The catalog's hourly price of one GPU of a job that holds `gpus` of them, a server's worth at
 * most in each: usd_per_hour where the offer rents GPUs one at a time; where the catalog lists the
 * offer's larger instances, the whole price of the smallest that holds a server's share, over the
 * GPUs used (those left idle are paid for), a single GPU included where the offer rents none
 * (min_rented_gpus). 0 when the part has no price. */
double sp_accel_usd_per_gpu_hour(const sp_accel *a, double gpus);
/* The GPUs of the instance that price covers: 1 for a single-GPU rate. */
double sp_accel_instance_gpus(const sp_accel *a, double gpus);
/* The catalog's hourly price of a serving fleet of `replicas` replicas of replica_gpus GPUs each:
 * as many replicas as fit share an instance, of the one size that costs the fleet least (a single
 * GPU's rate for one-GPU replicas where that is cheaper); *instances and *instance_gpus (when not
 * NULL) say how many of which size (1: single GPUs). */
double sp_accel_fleet_usd_per_hour(const sp_accel *a, double replicas, double replica_gpus, double *instances,
                                   double *instance_gpus);

/* The software an accelerator runs, by its vendor: CUDA (NVIDIA), ROCm (AMD), XLA (Google TPU),
 * Neuron (AWS Trainium/Inferentia), HPU (Intel Gaudi). */
typedef enum { SP_STACK_CUDA = 0, SP_STACK_ROCM, SP_STACK_XLA, SP_STACK_NEURON, SP_STACK_HPU } sp_stack;

sp_stack sp_accel_stack(const sp_accel *accel);
/* Whether a stack runs the GPU frameworks (CUDA or ROCm), not a vendor's own (XLA, Neuron, HPU). */
bool sp_stack_is_gpu(sp_stack stack);
/* "CUDA", "ROCm", "XLA", "Neuron", "Gaudi HPU". */
const char *sp_stack_name(sp_stack stack);

/* ---------------------------------------------------------------- models */

typedef enum { SP_FFN_GELU = 0, SP_FFN_SWIGLU } sp_ffn_kind;

/* A transformer's shape, enough to count its parameters exactly and size its
 * activations. Counts are whole numbers kept as double. */
typedef struct {
    char name[SP_NAME_MAX];
    char arch[SP_NAME_MAX];       /* Hugging Face model_type, or "shape"/"params" */
    double layers;
    double hidden;
    double heads;
    double kv_heads;              /* = heads without GQA/MQA */
    double head_dim;              /* usually hidden / heads */
    double ffn;                   /* inner width of the MLP (per expert) */
    sp_ffn_kind ffn_kind;         /* gelu: 2 matrices; swiglu: 3 */
    double vocab;
    double seq;                   /* longest context the model was built for */
    double learned_positions;     /* rows of a learned position table (0: RoPE/ALiBi) */
    bool tied_embeddings;
    double experts;               /* 1 for a dense model */
    double experts_per_token;
    bool qkv_bias, out_bias, mlp_bias;
    bool norm_bias;               /* LayerNorm with bias (2h) rather than RMSNorm (h) */
    double norms_per_layer;
    bool final_norm;
    bool dropout;                 /* masks are kept for backward */
    double extra_params;          /* architecture-specific (BERT pooler, embedding norms) */
    double params_override;       /* > 0: only a parameter count is known (--params) */
    /* Today's families (issue 14). All 0/false for the classic decoder. */
    double dense_layers;          /* MoE: layers whose MLP is dense (DeepSeek's first 3, Llama 4's odd ones) */
    double dense_ffn;             /* their MLP width (0: ffn); ffn is then each routed expert's width */
    double shared_experts;        /* always-active experts in each MoE layer, ffn wide (DeepSeek, Llama 4) */
    bool router_bias;             /* a router bias per expert (gpt-oss; DeepSeek's score correction) */
    bool router_sigmoid;          /* experts scored by a sigmoid, not a softmax (DeepSeek-V3 scoring_func) */
    bool router_balance_bias;     /* router_bias is DeepSeek-V3's auxiliary-loss-free balancing bias
                                     (topk_method noaux_tc), not a trained layer's (gpt-oss) */
    double router_groups;         /* experts routed in groups: this many (n_group), 0 or 1: none ... */
    double router_group_topk;     /* ... of which each token may use this many (topk_group) */
    double router_scaling;        /* the routed experts' weights scaled by this (routed_scaling_factor); 0: 1 */
    double router_aux_loss_coef;  /* the load-balancing loss's weight config.json gives; 0: not given */
    double q_lora_rank;           /* MLA (DeepSeek-V2/V3): 0 when queries are not compressed */
    double kv_lora_rank;          /* MLA: the compressed KV latent a token caches; 0: not MLA */
    double qk_nope_head_dim, qk_rope_head_dim, v_head_dim; /* MLA head widths */
    bool qk_norm;                 /* RMSNorm over each head's q and k (Qwen3, Gemma 3) */
    double sinks;                 /* learned sink logits a layer, one a head (gpt-oss) */
    double glu_clamp;             /* the gated MLP's two inputs clamped to +-this before the activation
                                     (gpt-oss swiglu_limit); 0: none */
    double window;                /* sliding-window or chunked attention span in tokens; 0: none */
    double window_layers;         /* layers that use it; the others attend over the whole context */
    bool text_only;               /* read from a multimodal file's text_config: the vision tower is not counted */
    char hf_id[SP_NAME_MAX];      /* the Hugging Face repository (_name_or_path), "" when unknown */
    char tuned_hf_id[SP_NAME_MAX];/* the makers' instruction-tuned checkpoint of the same shape
                                     (_stackplan_tuned._name_or_path), "" when the catalog lists none */
    double tuned_seq;             /* its config's max_position_embeddings (Qwen2.5's Instruct: 32768
                                     where the base says 131072); 0 with no tuned checkpoint */
    char torchtitan[SP_NAME_MAX]; /* torchtitan's model name and flavor ("llama3/70B", the catalog's
                                     _torchtitan), "" when torchtitan defines none for it */
    bool checkpoint_quantized;    /* config.json's quantization_config names the stored weights' format */
    sp_dtype checkpoint_dtype;    /* that format (fp8 block scales, MXFP4, NVFP4, int4/int8): what an
                                     engine loads when no other dtype is asked for */
    bool checkpoint_experts_only; /* the format covers the routed experts only: attention is left out
                                     (quantization_config.modules_to_not_convert), as in gpt-oss */
    bool experts_fused;           /* the routed experts are 3-D parameters, not nn.Linear modules (HF
                                     GptOssExperts, Llama4TextExperts; every MoE from transformers 5:
                                     sp_model_as_transformers_loads): bitsandbytes does not quantise
                                     them and PEFT's LoRA targets do not reach them */
    double mtp_layers;            /* multi-token-prediction modules the checkpoint carries for
                                     speculative decoding (num_nextn_predict_layers); 0: none */
    double rope_theta;            /* the rotary embedding's base (config.json rope_theta; 10000, the
                                     RoFormer value, when unstated); unused with learned positions */
    double rope_llama3_factor;    /* Llama 3.1's frequency-dependent RoPE scaling (rope_scaling with
                                     rope_type llama3): its factor; 0: none */
    double moe_layer_step;        /* MoE: every this-many-th layer routes, the others dense (Llama 4's
                                     interleave_moe_layer_step); 0 or 1: the dense_layers come first */
} sp_model;

/* Reads a Hugging Face config.json (llama, mistral, mixtral, qwen2, gpt2,
 * gpt_neox, falcon, bloom, opt, bert, mpt). name labels errors. */
sp_status sp_model_parse_hf(const char *name, const char *text, size_t length, sp_model *out,
                            sp_error *err);
sp_status sp_model_load_hf(const char *path, sp_model *out, sp_error *err);
/* DATA_DIR/models/NAME.json; the catalog's files must carry a _source. */
sp_status sp_model_load_catalog(const char *data_dir, const char *name, sp_model *out,
                                sp_error *err);

/* Names of the catalog's models (the .json files of DATA_DIR/models), sorted. The caller
 * frees the array and each name with sp_names_free. */
sp_status sp_model_catalog_names(const char *data_dir, char ***names, size_t *count, sp_error *err);
void sp_names_free(char **names, size_t count);

/* ---------------------------------------------------------------- request-length presets */

/* One row of data/workloads.yaml: a published trace's mean request lengths, in tokens, and their
 * spreads (coefficient of variation, std / mean). */
typedef struct {
    char name[SP_NAME_MAX];
    double prompt_tokens, prompt_cv;
    double output_tokens, output_cv;
    unsigned line;
} sp_workload;

typedef struct {
    sp_workload *items;
    size_t count;
} sp_workload_catalog;

/* Loads the presets (every row with its source). Caller frees with sp_workload_catalog_free. */
sp_status sp_workloads_load(const char *path, sp_workload_catalog *out, sp_error *err);
sp_status sp_workloads_parse(const char *name, const char *text, size_t length, sp_workload_catalog *out,
                             sp_error *err);
void sp_workload_catalog_free(sp_workload_catalog *catalog);
const sp_workload *sp_workload_find(const sp_workload_catalog *catalog, const char *name);

/* ---------------------------------------------------------------- instances and data stages */

/* One CPU instance of data/instances.yaml. */
typedef struct {
    char name[SP_NAME_MAX];
    char cloud[16];
    double vcpus;
    double memory_bytes;
    double local_disks;
    double local_disk_bytes;
    double disk_read_bytes_per_s;   /* aggregate local (or attached) sequential read */
    double disk_write_bytes_per_s;
    double network_bytes_per_s;     /* baseline, not burst */
    double single_flow_bytes_per_s;
    double usd_per_hour;
    char price_date[16];
    unsigned line;
} sp_instance;

typedef struct {
    sp_instance *items;
    size_t count;
} sp_instance_catalog;

/* Loads an instance catalog (every row with spec, disk, network and price sources).
 * Caller frees with sp_instance_catalog_free. */
sp_status sp_instances_load(const char *path, sp_instance_catalog *out, sp_error *err);
sp_status sp_instances_parse(const char *name, const char *text, size_t length, sp_instance_catalog *out,
                             sp_error *err);
void sp_instance_catalog_free(sp_instance_catalog *catalog);
const sp_instance *sp_instance_find(const sp_instance_catalog *catalog, const char *name);

/* Work per input byte of one phase of a stage. */
typedef struct {
    double disk_read, disk_write, network; /* bytes moved per input byte */
    double cpu_s_per_gb;                   /* core-seconds per GB of input */
    double gpu_tokens_per_s;               /* on a GPU job, the phase's rate per reference GPU; 0: CPU only */
} sp_stage_phase;

/* What a stage asks of its framework (sp_data_framework). */
typedef enum {
    SP_STAGE_IO,         /* read, write */
    SP_STAGE_GENERAL,    /* row-wise Python or SQL work */
    SP_STAGE_RELATIONAL, /* joins and sorts: a large shuffle */
    SP_STAGE_ML          /* ML preprocessing: tokenizers, models */
} sp_stage_kind;

typedef struct {
    char name[SP_NAME_MAX];
    sp_stage_kind kind;
    double keep;                           /* share of bytes passed to the next stage */
    sp_stage_phase phases[SP_PHASES_MAX];
    unsigned phase_count;
} sp_stage;

/* data/stages.yaml: the stages and the efficiencies that turn work into time. */
typedef struct {
    double bytes_per_token;
    double cpu_efficiency, disk_efficiency, network_efficiency;
    double gpu_reference_hbm_bytes_per_s;  /* the HBM bandwidth phases' GPU rates were measured at */
    double spark_min_input_bytes;          /* relational jobs at least this large go to Spark */
    double dask_max_input_bytes;           /* general jobs below this size and node count go to Dask */
    double dask_max_nodes;
    sp_stage stages[SP_STAGES_MAX];
    unsigned count;
} sp_stage_model;

sp_status sp_stages_load(const char *path, sp_stage_model *out, sp_error *err);
/* Index of a stage by name, or -1. */
int sp_stage_find(const sp_stage_model *model, const char *name);

/* ---------------------------------------------------------------- files */

/* SHA-256 of a file, as 64 lower-case hex digits. */
sp_status sp_file_sha256(const char *path, char out[65], sp_error *err);
/* SHA-256 of a NUL-terminated text (an artifact before it is written). */
void sp_text_sha256(const char *text, char out[65]);

/* ================================================================ estimate/
 * Pure functions of plain structs: parameters, memory, step time, serving, data, cost. */

/* ---------------------------------------------------------------- parameters */

/* Whether context parallelism of degree cp is worth trying on a sequence of seq tokens: it splits
 * into 2 cp balanced chunks (Megatron-Core's causal load balancing) and leaves every rank at least
 * cp_min_tokens (perf.yaml). Pure. */
bool sp_cp_splits(double seq, double cp, double cp_min_tokens);

/* Whether the part's tensor cores take MX block-scaled operands (MXFP8, MXFP4): the parts that run
 * FP4 (Blackwell's fifth-generation tensor cores, CDNA 4) are the ones with MX support. Pure. */
bool sp_mx_capable(const sp_accel *accel);
/* Whether the part's tensor cores take fp16 but not bf16 (half_dtype: fp16): its 16-bit runs are
 * fp16 (same bytes and peak), and the engines must be told so. */
bool sp_accel_fp16_only(const sp_accel *accel);
/* The precision a training or fine-tuning run has on the part: on fp16-only parts mixed-bf16 runs as
 * mixed-fp16 (the same bytes and peak; the launch files say fp16), and bf16, fp8, mxfp8 and nvfp4
 * are refused with SP_ERR_INPUT on the field "precision". Other parts keep *precision. Pure. */
sp_status sp_train_half_precision(const sp_accel *accel, sp_precision *precision, sp_error *err);
/* Whether torchao's rowwise float8 (SP_PREC_FP8_ROWWISE) can run the layout: FSDP2 (a ZeRO stage
 * of 3 wherever data_ranks = dp x cp exceed 1; zero < 0: not pinned), no expert parallelism, and,
 * when accel is given, a CUDA or ROCm part with FP8 tensor cores. SP_ERR_INPUT names the field. Pure. */
sp_status sp_fp8_rowwise_check(const sp_accel *accel, double zero, double data_ranks, double ep, sp_error *err);

/* Exact parameter count of the shape (or params_override). Pure. */
double sp_model_params(const sp_model *model);
/* The most parameters an estimator takes: a thousand times the largest model trained, so a
 * larger count is a typo, not a plan. */
#define SP_MODEL_PARAMS_MAX 1e15
/* Parameters one token touches (MoE: experts_per_token of the experts). Pure. */
double sp_model_active_params(const sp_model *model);
/* Largest single module (DeepSpeed's largest_layer_params): the embedding or one MLP. */
double sp_model_largest_layer_params(const sp_model *model);
/* The sequence length a job uses when none is given: the model's context, at most 4096
 * tokens (long-context models are pre-trained at 4-8k and extended later); 2048 when the
 * model has no context length. Pure. */
double sp_model_default_seq(const sp_model *model);
/* Distinct experts a batch of `tokens` touches when each token picks per_token of `experts`
 * independently and uniformly: E (1 - (1 - k/E)^tokens). 1 for a dense model. Pure. */
double sp_experts_touched(double experts, double per_token, double tokens);
/* Bytes one token adds to the KV cache of every layer on one GPU at full attention: K and V of
 * the kv heads, or MLA's compressed latent and RoPE key (DeepSeek-V2 sec. 2.1.2). Pure. */
double sp_model_kv_bytes_per_token(const sp_model *model, sp_dtype kv_dtype);
/* True when the shape is known (not a bare parameter count). */
bool sp_model_has_shape(const sp_model *model);
/* A decoder shape from plain numbers: ffn_kind picks the family defaults
 * (swiglu: RMSNorm, no biases, untied, RoPE; gelu: LayerNorm, biases, tied,
 * learned positions - the GPT-2/Megatron family). */
void sp_model_from_shape(sp_model *out, double layers, double hidden, double heads,
                         double kv_heads, double ffn, sp_ffn_kind kind, double vocab, double seq);

/* ---------------------------------------------------------------- memory */

/* Where mixed precision keeps its fp32 master weights. */
typedef enum {
    SP_MASTER_IN_OPTIMIZER = 0, /* Megatron-LM, DeepSpeed: half weights, fp32 copy in the optimizer */
    SP_MASTER_AUTOCAST          /* PyTorch AMP (DDP, HF Trainer): fp32 weights, half copies cached */
} sp_mixed_style;

/* How a job runs: parallel splits, batch, precision. Counts are whole numbers. A field that changes
 * the activations and varies inside one search generation joins the memory memo's slot key
 * (split_terms, estimate/memory.c). */
typedef struct {
    sp_mode mode;
    sp_precision precision;
    sp_optimizer optimizer;
    sp_mixed_style mixed_style;
    double dp, zero, tp, pp;
    double interleave;            /* virtual stages per GPU (1: plain 1F1B) */
    double micro_batch;           /* sequences per micro-batch (training) */
    double seq;                   /* tokens per sequence (training) */
    double microbatches;          /* micro-batches per step per pipeline; 0: at least pp */
    sp_recompute recompute;
    bool sequence_parallel;
    bool flash_attention;
    sp_dtype weight_dtype;        /* inference */
    sp_dtype kv_dtype;            /* inference */
    double batch;                 /* inference: sequences decoded together */
    double context;               /* inference: prompt + output tokens a sequence may hold */
    double ep;                    /* training, MoE: expert-parallel degree over the data-parallel
                                     ranks (Megatron-Core); each GPU holds E/ep whole experts (1: none) */
    double cp;                    /* training: context-parallel degree, each rank holding seq/cp of
                                     every sequence (ring attention; 1: none) */
    double etp;                   /* training, MoE with ep > 1: expert tensor parallelism, each expert
                                     sliced over etp ranks; ep x etp ranks of tp x cp x dp hold the
                                     experts (MoE Parallel Folding; 1: whole experts) */
    bool ep_overlap;              /* training, MoE: one micro-batch's expert all-to-all runs under another's
                                     compute (Megatron-Core --overlap-moe-expert-parallel-comm), where
                                     sp_ep_overlap_applies says it can */
    bool tp_overlap;              /* training: the sequence-parallel all-gathers and reduce-scatters run in
                                     chunks under the GEMMs beside them (Transformer Engine userbuffers,
                                     Megatron-Core --tp-comm-overlap), where sp_tp_overlap_applies says so */
    bool quantized_experts_only;  /* inference: weight_dtype covers the routed experts only, the rest is
                                     16-bit (gpt-oss's MXFP4 checkpoints: modules_to_not_convert) */
    bool vendor_stack;            /* training: the part runs its vendor's stack (MaxText on TPU, Neuron,
                                     Optimum Habana), not Megatron-Core's recompute modules */
    bool eager_modules;           /* training: norms, rotary embeddings and the gated activation run as
                                     PyTorch's eager modules, one kernel an operation (torchtitan without
                                     torch.compile); false: fused (Megatron-Core, torch.compile) */
} sp_mem_config;

#define SP_MEM_CONFIG_INIT                                                                      \
    {SP_MODE_TRAIN, SP_PREC_MIXED_BF16, SP_OPT_ADAMW, SP_MASTER_IN_OPTIMIZER, 1, 0, 1, 1, 1, 1, \
     2048, 0, SP_RECOMPUTE_NONE, false, false, SP_DTYPE_BF16, SP_DTYPE_BF16, 1, 2048, 1, 1, 1, false, false, false, \
     false, false}

/* Whether a layout can overlap its expert all-to-all with compute as Megatron-Core does it: expert
 * parallelism on an MoE model, no full recompute, and an interleaved schedule when it pipelines
 * (Megatron-Core's TransformerConfig checks for overlap_moe_expert_parallel_comm). model may be
 * NULL: the layout alone, whose ep > 1 already says the model has experts. Pure. */
bool sp_ep_overlap_applies(const sp_model *model, const sp_mem_config *config);
/* Whether a layout can overlap its tensor-parallel communication with GEMMs as Transformer Engine's
 * userbuffers do: tensor parallelism with sequence parallelism (Megatron-Core requires both for
 * --tp-comm-overlap). Pure. */
bool sp_tp_overlap_applies(const sp_mem_config *config);
/* The host time eager PyTorch takes to launch a step's kernels on one pipeline stage: its layers
 * times the passes (forward, backward, and the forward again under full recompute) times the
 * micro-batches, at perf.yaml's eager_host_s_per_layer_pass (read off Hugging Face fine-tunes). The
 * step model does not charge it; a step shorter than it is host-bound unless CUDA graphs or
 * torch.compile remove the launches. Pure. */
double sp_train_host_launch_s(const sp_model *model, const sp_mem_config *config, double microbatches,
                              const sp_perf_constants *perf);

/* Bytes on the busiest accelerator. */
typedef struct {
    double params;                /* the whole model */
    double params_per_gpu;        /* after tensor and pipeline splits, before ZeRO-3 */
    double weights_bytes;
    double gradients_bytes;
    double optimizer_bytes;       /* optimizer state and fp32 master weights */
    double model_state_bytes;     /* weights + gradients + optimizer, after ZeRO */
    double activations_bytes;     /* training: in-flight micro-batches; inference: workspace */
    double kv_cache_bytes;
    double gather_bytes;          /* ZeRO-3/FSDP: unsharded layers in flight */
    double overhead_bytes;        /* CUDA context + allocator fragmentation (+ gathers) */
    double allocated_bytes;       /* live tensors at the peak (torch.cuda.max_memory_allocated) */
    double reserved_bytes;        /* with the caching allocator's reserve (max_memory_reserved) */
    double device_bytes;          /* with the CUDA context: what nvidia-smi shows; = total_bytes */
    double total_bytes;
    double capacity_bytes;        /* the accelerator's memory; 0 when none was given */
    double headroom_bytes;        /* capacity - total (negative: does not fit) */
    bool fits;
    double inflight_microbatches;
} sp_memory;

/* Checks a configuration against a model: degrees that divide what they split,
 * stages in range. err->field names the offending setting. Pure. */
sp_status sp_mem_config_check(const sp_model *model, const sp_mem_config *config, sp_error *err);

/* Memory per accelerator (training: ZeRO, Rajbhandari et al. 2019; activations,
 * Korthikanti et al. 2022; inference: weights, KV cache, workspace). capacity_bytes
 * may be 0 (fits is then false). Pure: no I/O, no allocation. */
/* What a layout may use of an accelerator: its memory less perf.yaml's memory_headroom (NCCL
 * buffers, allocation spikes, library workspaces), the rule train, finetune and memory fit by. Pure. */
double sp_usable_memory_bytes(const sp_accel *accel, const sp_perf_constants *perf);

sp_status sp_memory_estimate(const sp_model *model, const sp_mem_config *config,
                             const sp_memory_constants *constants, double capacity_bytes,
                             sp_memory *out, sp_error *err);

/* The largest micro-batch (training) or batch (inference) that fits in
 * capacity_bytes, 0 when not even one does. Pure. */
double sp_memory_max_batch(const sp_model *model, const sp_mem_config *config,
                           const sp_memory_constants *constants, double capacity_bytes);

/* DeepSpeed's own model-state estimators, for comparison (deepspeed/runtime/zero:
 * estimate_zero2/zero3_model_states_mem_needs without offload): ZeRO-2 4P + 16P/N,
 * ZeRO-3 4 x largest_layer + 18P/N bytes per GPU. Pure. */
double sp_deepspeed_zero_estimate(double params, double largest_layer_params, double gpus, int stage);

/* ---------------------------------------------------------------- training time */

/* Where one training step's time goes, on the busiest GPU. */
typedef struct {
    double step_time_s;
    double compute_s;            /* GEMMs, attention, element-wise, over all micro-batches */
    double tp_comm_s;            /* tensor-parallel all-reduces (not overlapped) */
    double pp_comm_s;            /* pipeline point-to-point sends */
    double bubble_s;             /* pipeline fill and drain */
    double dp_comm_s;            /* exposed data-parallel / ZeRO communication */
    double ep_comm_s;            /* MoE all-to-all dispatch and combine (expert parallelism) */
    double cp_comm_s;            /* context parallelism's ring of K and V chunks, the part attention does not hide */
    double optimizer_s;
    double microbatches;         /* per pipeline per step */
    double tokens_per_s;         /* whole job */
    double model_flops_per_gpu;  /* FLOP/s per GPU counting 3 x forward (no recompute) */
    double hardware_flops_per_gpu; /* FLOP/s per GPU including recompute */
    double mfu;                  /* model FLOP/s over dense peak */
    double hfu;
    bool ep_overlapped;          /* the expert all-to-all ran under another micro-batch's compute: overlap
                                    asked for, allowed (sp_ep_overlap_applies) and two micro-batches or more */
    double uncapped_step_time_s; /* the step before --mfu-cap slowed it (= step_time_s without a cap):
                                    the cap gives every layout above it one time, this ranks them */
} sp_step;

/* One step of a training configuration: gpus = dp x tp x pp, global_batch
 * sequences of config->seq tokens (a multiple of dp x micro_batch). Pure. */
sp_status sp_train_step(const sp_model *model, const sp_accel *accel, const sp_mem_config *config,
                        double global_batch, const sp_perf_constants *perf, sp_step *out,
                        sp_error *err);

/* ---------------------------------------------------------------- fine-tuning */

/* How much of the model a fine-tune trains. */
typedef enum {
    SP_METHOD_FULL = 0,  /* every weight: gradients and optimizer state for all of them */
    SP_METHOD_LORA,      /* frozen 16-bit base, low-rank adapters (Hu et al. 2021) */
    SP_METHOD_QLORA,     /* frozen 4-bit base, 16-bit adapters (Dettmers et al. 2023) */
    SP_METHOD_DORA       /* LoRA plus a magnitude vector per adapted layer (Liu et al. 2024) */
} sp_ft_method;

/* Storage of a frozen base's linear layers. */
typedef enum {
    SP_QUANT_NONE = 0,   /* the base at its training dtype */
    SP_QUANT_NF4,        /* bitsandbytes 4-bit NormalFloat, blocks of 64 with an absmax each */
    SP_QUANT_FP4,        /* bitsandbytes 4-bit float, same blocks */
    SP_QUANT_INT4,       /* GPTQ: 4-bit integers, an fp16 scale and a packed zero per group */
    SP_QUANT_INT8        /* bitsandbytes LLM.int8(): 1 byte and an fp32 scale per row */
} sp_quant;

/* Where FSDP / ZeRO-Offload keep state off the GPU. */
typedef enum {
    SP_OFFLOAD_NONE = 0,
    SP_OFFLOAD_OPTIMIZER,        /* optimizer state and gradients on the host (ZeRO-Offload) */
    SP_OFFLOAD_PARAMS            /* parameters too (FSDP CPUOffload(offload_params=True)) */
} sp_offload;

/* Bits of sp_ft_config.targets: the linear layers of each block that get an adapter. */
enum {
    SP_TARGET_Q = 1u << 0, SP_TARGET_K = 1u << 1, SP_TARGET_V = 1u << 2, SP_TARGET_O = 1u << 3,
    SP_TARGET_GATE = 1u << 4, SP_TARGET_UP = 1u << 5, SP_TARGET_DOWN = 1u << 6,
    SP_TARGET_ATTN = SP_TARGET_Q | SP_TARGET_K | SP_TARGET_V | SP_TARGET_O,
    SP_TARGET_MLP = SP_TARGET_GATE | SP_TARGET_UP | SP_TARGET_DOWN,
    SP_TARGET_ALL = SP_TARGET_ATTN | SP_TARGET_MLP
};

/* One fine-tuning job on gpus GPUs of one kind. Counts are whole numbers. */
typedef struct {
    sp_ft_method method;
    double lora_rank;             /* r of each adapter (PEFT default 8) */
    unsigned targets;             /* SP_TARGET_* bits */
    double lora_dropout;          /* > 0: each adapter keeps its dropped-out input for backward */
    sp_quant quant;               /* the frozen base's linears (QLoRA: nf4 unless given) */
    bool double_quant;            /* quantise the absmax constants again (QLoRA sec. 3) */
    bool train_embeddings;        /* the embedding and output layer train too (with adapters) */
    sp_precision precision;       /* bf16: pure bf16 (HF torch_dtype, litgpt bf16-true);
                                     mixed-bf16: fp32 weights under autocast */
    sp_optimizer optimizer;
    double gpus;
    bool fsdp;                    /* shard the base and the trainable state over gpus (FSDP
                                     FULL_SHARD / ZeRO-3); false: DDP, each GPU a whole copy */
    sp_offload offload;
    double micro_batch;           /* sequences per GPU per step */
    double seq;                   /* tokens per sequence */
    bool checkpointing;           /* gradient checkpointing, one decoder layer at a time */
    bool flash_attention;         /* FlashAttention / SDPA: no score matrix is kept */
    bool fp32_upcast;             /* PEFT prepare_model_for_kbit_training: norms, embeddings and head
                                     in fp32, so the residual stream is fp32 too */
    bool full_copy_resident;      /* each GPU keeps the whole unsharded model beside its FSDP shard
                                     (lit-gpt @8641822 multi-GPU, as its measurements show) */
    bool chunked_loss;            /* the loss runs over 16-bit logits in chunks (litgpt
                                     chunked_cross_entropy), not an fp32 copy of all of them */
    double host_bytes;            /* host memory the offload may use on the server (all gpus on one
                                     server, as fine-tunes run); 0: not checked */
    bool quantizes_on_device;     /* the 16-bit base is whole on the GPU before it is quantised
                                     (litgpt with Fabric's bitsandbytes plugin: litgpt issue #1112),
                                     so the peak allocated is at least the 16-bit model */
    bool fused_kernels;           /* norms, rotary embeddings and the gated activation run as fused
                                     kernels (Liger, Unsloth, torch.compile); false: as Hugging Face's
                                     eager modules write them, one kernel an operation */
    bool gptq_as_parameters;      /* a GPTQ base's packed weights, zeros and scales made parameters so
                                     FSDP shards them (fms-acceleration's autogptq plugin); false: the
                                     buffers AutoGPTQ registers, which every rank holds whole */
    bool reentrant_outside_fsdp;  /* checkpointing is Hugging Face's reentrant one around each FSDP-
                                     wrapped block (transformers' gradient_checkpointing default,
                                     axolotl's FSDP examples): with a frozen base, FSDP keeps every
                                     block's rebuilt input and its gradient to the backward's end;
                                     false: checkpointing inside the FSDP units (accelerate's
                                     fsdp_activation_checkpointing, Answer.AI's train.py, litgpt),
                                     or non-reentrant */
} sp_ft_config;

/* The defaults: PEFT's rank 8 on every linear, dropout 0.05 and double quantisation as in the
 * QLoRA recipe (Dettmers et al. 2023, App. B), pure bf16 AdamW, 2048 tokens, checkpointing. */
#define SP_FT_CONFIG_INIT                                                                           \
    {SP_METHOD_LORA, 8, SP_TARGET_ALL, 0.05, SP_QUANT_NONE, true, false, SP_PREC_BF16, SP_OPT_ADAMW, \
     1, false, SP_OFFLOAD_NONE, 1, 2048, true, true, false, false, false, 0, false, false, false, true}


/* The bytes of one fine-tune on the busiest GPU, the phase its peak falls in, and the host. */
typedef struct {
    double params;                /* the whole model */
    double trainable_params;      /* adapters (and magnitudes), or every weight for full */
    double adapter_params;
    double base_bytes;            /* frozen (or trained) weights resident on this GPU */
    double quant_constants_bytes; /* absmax / scales of a quantised base, on this GPU */
    double trainable_bytes;       /* adapter weights (full: 0, they are the base) */
    double gradients_bytes;
    double optimizer_bytes;       /* moments and fp32 master */
    double activations_bytes;     /* saved for backward, peak over the step */
    double held_inputs_bytes;     /* of which every block's input and its gradient, kept to the backward's
                                     end by FSDP1's reshard hooks on frozen units under reentrant
                                     checkpointing (reentrant_outside_fsdp); 0 otherwise */
    double logits_bytes;          /* output layer and loss of one micro-batch */
    double transient_bytes;       /* gathered layers, dequantised copy, optimizer temporaries */
    double allocated_bytes;       /* peak of live tensors: torch.cuda.max_memory_allocated() */
    double reserved_bytes;        /* the caching allocator's peak: max_memory_reserved() */
    double unbounded_reserved_bytes; /* what it reserves when the card has room (reserved before the
                                        card caps it: near capacity it frees its cache instead) */
    double device_bytes;          /* what nvidia-smi shows: reserved plus the CUDA context */
    double host_bytes;            /* state offloaded to host memory, this GPU's share */
    double host_param_bytes;      /* of which parameters (optimizer+params offload) */
    bool peak_in_optimizer_step;  /* the optimizer step, not the backward, sets the peak */
    double capacity_bytes;
    bool fits;                    /* live tensors and the CUDA context fit capacity_bytes */
    bool tight;                   /* fits, but the unbounded reserve and the context do not: the run
                                     leans on the allocator freeing its cache and may run out of
                                     memory on a version that fragments more */
} sp_ft_memory;

/* Checks a fine-tune against its model: rank in (0, layer width], targets the model has,
 * quantisation only for adapters on a frozen base, whole counts. err->field names the setting. */
sp_status sp_ft_config_check(const sp_model *model, const sp_ft_config *config, sp_error *err);

/* The targeted projections the model has: a group (all-linear, mlp) names gate only on a gated
 * MLP, as PEFT's "all-linear" finds only the model's own linear layers. Pure. */
unsigned sp_ft_targets_of(const sp_model *model, unsigned targets);

/* Trainable parameters of the adapters: r (d_in + d_out) per targeted linear, every expert of
 * an MoE MLP counted (PEFT LoRA), plus d_out magnitudes for DoRA. Pure. */
double sp_ft_adapter_params(const sp_model *model, const sp_ft_config *config);

/* Memory per GPU of a fine-tune (capacity_bytes may be 0: fits is false). Pure. */
sp_status sp_ft_memory_estimate(const sp_model *model, const sp_ft_config *config, const sp_ft_constants *k,
                                double capacity_bytes, sp_ft_memory *out, sp_error *err);

/* The largest micro-batch whose live tensors and CUDA context fit capacity_bytes, 0 when none. Pure. */
double sp_ft_max_micro_batch(const sp_model *model, const sp_ft_config *config, const sp_ft_constants *k,
                             double capacity_bytes);

/* The largest micro-batch that fits and is not tight (sp_ft_memory.tight), 0 when none. Pure. */
double sp_ft_max_roomy_micro_batch(const sp_model *model, const sp_ft_config *config, const sp_ft_constants *k,
                                   double capacity_bytes);

/* Where one fine-tuning step's time goes on one GPU (every GPU runs the same work). */
typedef struct {
    double step_time_s;
    double compute_s;             /* GEMMs (frozen: data gradients only), attention, element-wise, loss */
    double recompute_s;           /* gradient checkpointing's second forward */
    double dequant_s;             /* QLoRA: unpacking each 4-bit layer before its GEMMs */
    double dora_s;                /* DoRA: each adapted weight's norm of W + BA and the output's rescaling */
    double comm_s;                /* exposed all-gathers, reduce-scatters or the DDP all-reduce */
    double offload_s;             /* exposed host transfers of offloaded state */
    double optimizer_s;
    double host_wait_s;           /* eager launches slower than the GPU: what the GPU waits on the host */
    double link_bytes_per_s;      /* the bus bandwidth the collectives got */
    double tokens_per_s_per_gpu;
    double tokens_per_s;          /* whole job */
} sp_ft_step;

/* One step: micro_batch x seq tokens on each of the gpus. Pure. */
sp_status sp_ft_step_estimate(const sp_model *model, const sp_accel *accel, const sp_ft_config *config,
                              const sp_ft_constants *k, const sp_perf_constants *perf, sp_ft_step *out,
                              sp_error *err);

/* Tokens for the method names and the option words ("lora", "nf4", "optimizer+params"). */
const char *sp_ft_method_name(sp_ft_method m);
bool sp_ft_method_parse(const char *text, sp_ft_method *out);
const char *sp_quant_name(sp_quant q);
bool sp_quant_parse(const char *text, sp_quant *out);
const char *sp_offload_name(sp_offload o);
bool sp_offload_parse(const char *text, sp_offload *out);
/* "attn", "mlp", "all-linear" or a comma list of q,k,v,o,gate,up,down (also q_proj ...,
 * query, value); false with the offending word in bad (may be NULL) when one is unknown. */
bool sp_targets_parse(const char *text, unsigned *out, char *bad, size_t bad_size);
/* The comma list of the bits in targets ("q,k,v,o,gate,up,down"). Returns the wanted length. */
int sp_targets_text(unsigned targets, char *buf, size_t size);

/* ---------------------------------------------------------------- serving */

enum { SP_GRAPH_BATCHES_MAX = 32 };

/* Where speculative decoding's draft tokens come from: prompt-lookup n-grams, the model's own MTP
 * heads, or a separate small draft model (spec_draft_params, spec_draft_model). */
typedef enum { SP_DRAFT_NGRAM = 0, SP_DRAFT_MTP, SP_DRAFT_MODEL } sp_draft;

/* A latency's distribution over requests. */
typedef struct {
    double mean, p50, p90, p95, p99;
    double at;                    /* the requested percentile's value (at_percentile > 0) */
    double at_percentile;         /* the simulation's sp_sim_input.percentile; 0: none asked */
} sp_latency;

/* The simulated value at a percentile: the requested one's (at) when that is the one asked, else
 * p50, p90, p95 or p99 for exactly those. */
double sp_latency_at(const sp_latency *l, double percentile);

/* One replica under Poisson load, simulated (estimate/serve_sim.c). */
typedef struct {
    const double *decode_step_s;  /* [b - 1]: one decode step of b running sequences */
    double max_batch;             /* sequences the KV cache holds (the table's length) */
    double prefill_s_per_token;   /* a prompt token's time beside running decodes: its FLOPs at a chunk's
                                     rate, the weights being read for the decodes anyway */
    double chunk_tokens;          /* an iteration's token budget (vLLM max_num_batched_tokens) */
    double rate_per_s;            /* Poisson arrivals */
    double prompt_tokens, output_tokens;  /* means */
    double prompt_spread, output_spread;  /* coefficients of variation of lognormal lengths; 0: fixed */
    unsigned requests;            /* at least nine tenths of this many measured, after a warm-up of at least
                                     a tenth: more where the replicas hold many (two lifetimes' arrivals
                                     warm them up, twenty are measured, one more drains them) */
    unsigned long long seed;
    double scheduler_steps;       /* iterations between scheduling points, where waiting prompts join
                                     (sp_serve_config.scheduler_steps); 0 or 1: every iteration */
    double replicas;              /* replicas simulated together behind one router, sharing rate_per_s
                                     (at most SP_SIM_REPLICAS_MAX); 0 or 1: one */
    double route_choices;         /* replicas the router compares for each arrival, sending it to the one
                                     with the fewest requests not yet done: 0 all (the least loaded),
                                     1 at random, 2 the power of two choices (more are taken as 2) */
    double max_tokens;            /* the longest request the engine admits (its --max-model-len): a
                                     drawn prompt past it is cut to fit, as a client truncates one the
                                     engine would refuse; 0: no limit */
    double tokens_per_step;       /* tokens each decoding sequence emits an emitting iteration: a speculative
                                     check's acceptance length, decode_step_s then the check's time; 0 or 1:
                                     one (plain decoding) */
    double kv_tokens;             /* tokens the replica's paged KV cache holds: a waiting prompt is admitted
                                     only while the admitted sequences' tokens so far and its own fit (vLLM
                                     allocates blocks as tokens arrive); 0: no limit but max_batch */
    double block_tokens;          /* the cache's block: each sequence is taken to waste half of one in its
                                     last block; 0: none */
    double lone_prefill_s_per_token; /* a prompt token's time in an iteration of prompts alone, which reads
                                     the weights for them (a lone prompt's share of its prefill; at most
                                     one mean prompt's worth is charged at it); 0: prefill_s_per_token */
    double percentile;            /* a percentile to report besides p50/p90/p95/p99 (sp_latency.at); 0: none */
} sp_sim_input;

/* The most replicas a load simulation runs together: a larger fleet behind a load-aware router is
 * simulated as this many under their share of its rate (a larger pool balances at least as well). */
#define SP_SIM_REPLICAS_MAX 4

typedef struct {
    sp_latency ttft_s, tpot_s, e2e_s;
} sp_sim_result;

/* Simulates in; false on an input it cannot run (fewer than 10 requests, no rate). Pure. */
bool sp_serve_simulate(const sp_sim_input *in, sp_sim_result *out);

/* One serving replica and the fleet that meets a request rate. */
typedef struct {
    sp_dtype weight_dtype;
    sp_dtype kv_dtype;
    double tp;                    /* 0: the plan picks it */
    double batch;                 /* sequences decoded together; 0: the best that fits */
    double prompt_tokens;
    double output_tokens;
    double qps;                   /* requests a second the fleet must serve; 0: one replica */
    double ttft_s;                /* time-to-first-token target; 0: none */
    double tpot_s;                /* time-per-output-token target; 0: none */
    double block_tokens;          /* paged KV-cache block (vLLM: 16) */
    double gpu_memory_utilization;/* share of memory the engine may use (vLLM: 0.9); with
                                     memory_share_of_free, the KV cache's share of what is left */
    double usd_per_gpu_hour;
    bool gqa_shared_kv_reads;     /* decode attention reads each KV head once for its group of query
                                     heads (vLLM, TensorRT-LLM >= 0.8 with XQA); false: once per query head */
    bool expert_parallel;         /* MoE: each of the tp GPUs holds E/tp whole experts and tokens travel
                                     to them by all-to-all (vLLM --enable-expert-parallel, TensorRT-LLM
                                     --ep); false: every expert sliced over tp */
    bool attention_dp;            /* with expert_parallel: each GPU runs attention whole for its share of
                                     the sequences (TensorRT-LLM enable_attention_dp, SGLang --enable-dp-attention) */
    double concurrency;           /* > 0: a closed loop of this many clients, each sending its next
                                     request when the last one ends (GenAI-Perf's concurrency mode) */
    double percentile;            /* > 0 with qps: simulate Poisson arrivals and hold the latency targets
                                     at this percentile of requests (50-99.9), adding replicas as needed */
    double pp;                    /* pipeline stages of a replica, across nodes when tp x pp passes one
                                     (vLLM --pipeline-parallel-size); 0 or 1: none */
    double max_utilization;       /* (0, 1]: replicas keep the load at most this share of capacity; 0: 1 */
    double replicas;              /* > 0: pinned, the load shared by this many replicas whatever it does to
                                     latency (the report says whether the targets hold); 0: sized */
    double prompt_spread;         /* lengths lognormal with these coefficients of variation around */
    double output_spread;         /* prompt_tokens and output_tokens: what the percentile simulation draws
                                     and the tail max_model_len leaves room for; 0: fixed */
    double spec_tokens;           /* speculative decoding: tokens drafted a step (0: none) */
    double spec_acceptance;       /* ... tokens emitted a target forward on average (1 to spec_tokens + 1) */
    sp_draft spec_draft;
    double prefix_share;          /* [0, 1): the share of every prompt that is one prefix all requests share,
                                     kept in the prefix cache (vLLM automatic prefix caching, SGLang RadixAttention) */
    bool tpot_is_default;         /* tpot_s came from the rules, not the user (the report says so) */
    double stream_s_per_token;    /* host time a decode step spends on each sequence's streamed token
                                     (detokenise, serialise, send: an HTTP server); 0: an offline benchmark */
    double spec_draft_params;     /* SP_DRAFT_MODEL: the draft model's parameters, held in 16 bits beside
                                     the target and split over its tp GPUs (vLLM's default draft TP) */
    char spec_draft_model[SP_NAME_MAX]; /* SP_DRAFT_MODEL: its Hugging Face id, for the launch line */
    double graph_batches[SP_GRAPH_BATCHES_MAX]; /* ascending batch sizes the engine captured as CUDA graphs
                                     with padding on: a decode step runs its GEMMs at the smallest one
                                     that holds its batch (a GPU's share under attention DP); larger
                                     batches run unpadded */
    int graph_batch_count;        /* 0: no padding */
    bool weights_from_checkpoint; /* weight_dtype is the checkpoint's stored format, not a flag (the report says so) */
    bool quantized_experts_only;  /* weight_dtype covers the routed experts only, the rest is 16-bit */
    bool decode_attention_tensor_cores; /* decode attention multiplies a KV head's group of queries on the
                                     tensor cores (FlashAttention's packed GQA, FlashInfer use_tensor_cores,
                                     SGLang at groups of 4 or more); false: on the CUDA cores, 2 FLOPs a
                                     query head for each cached K and V element (TensorRT-LLM's masked MHA,
                                     FlashInfer's default decode kernel), which binds at large groups */
    bool memory_share_of_free;    /* gpu_memory_utilization is TensorRT-LLM's kv_cache_free_gpu_mem_fraction:
                                     the KV cache's share of the memory the weights, workspace and CUDA
                                     context leave free; false: vLLM's share of the whole card, which all
                                     of them must fit in */
    double requests;              /* > 0: an offline batch of this many requests, all queued at once
                                     (trtllm-bench, vLLM's benchmark_throughput): they run in batches of
                                     the steady batch, the last holding the rest; run_* report it */
    double scheduler_steps;       /* decode steps between scheduling points: a new prompt joins only at
                                     one (vLLM V0's multi-step scheduling, --num-scheduler-steps, vLLM
                                     0.6-0.9; removed with V0, so launch lines never carry it); 0 or 1:
                                     every step, as vLLM V1, SGLang and TensorRT-LLM schedule */
    bool decode_attention_block_per_head; /* decode attention runs one thread block for each sequence
                                     and head over its whole context, as TensorRT-LLM's kernels do without
                                     multi-block mode: XQA a block per KV head (always over an fp8 cache,
                                     else where it has a quarter of the SMs' worth of blocks), masked MHA
                                     a block per query head: with fewer blocks than the part's
                                     compute_units, only that many SMs stream the cache; false: the
                                     kernel fills the GPU */
    bool ttft_is_default;         /* ttft_s came from the rules (MLPerf's 2 s beside the default per-token
                                     bound, under --percentile), not the user (the report says so) */
    bool ttft_default_dropped;    /* that default was dropped: a request alone takes longer to its first
                                     token (the report says so) */
    double route_choices;         /* with a percentile and several replicas: how many replicas the router
                                     compares for each request, sending it to the one with the fewest
                                     requests not yet done: 1 at random (each replica its own Poisson
                                     share), 2 the power of two choices (Ray Serve's default), 0 all */
    bool gemm_8bit_fixed_tiles;   /* 8-bit GEMMs run the catalog's gemm_tile_8bit tiles whatever the batch,
                                     as cuBLAS does under TensorRT-LLM (its issue #2013), so a small batch
                                     leaves SMs idle; false: the engine's kernels pick tiles that fill the
                                     GPU (vLLM's cutlass_scaled_mm, swapping the operands at small batch) */
    bool lengths_assumed;         /* no request lengths were given (the 512 + 256 default): the batch is
                                     sized for them, but the server admits the model's whole context as far
                                     as its KV cache holds one request (max_model_len) */
    bool parallelism_searched;    /* an MoE with neither --expert-parallel nor --ep given: the fleet is sized
                                     with tensor-parallel experts and with expert parallelism over the same
                                     GPUs (vLLM's --enable-expert-parallel), the better kept */
    bool usd_from_catalog;        /* usd_per_gpu_hour is the catalog's single-GPU rate: the fleet pays for
                                     the instances its replicas take (sp_accel_fleet_usd_per_hour) */
    bool context_extended;        /* --context past the checkpoint's own: the engine must be told to take a
                                     longer --max-model-len than the config derives */
    bool attention_searched;      /* expert parallelism pinned (--ep) and the attention's split not: attention
                                     tensor-parallel and data-parallel both sized, the better kept */
    sp_engine_ask engine;         /* the engine the launch line runs (--engine); auto: vLLM */
    double lora_rank;             /* > 0: LoRA adapters up to this rank served beside the base (vLLM
                                     --enable-lora, SGLang --lora-paths); 0: none */
    double max_loras;             /* adapters one batch may mix, each a preallocated slot (vLLM --max-loras) */
    bool fp16_only_part;          /* the part predates bf16 and Marlin's kernels (compute capability < 8.0):
                                     sp_serve_half_dtypes sets it */
    double native_context;        /* the checkpoint's own context, for the report beside a longer --context
                                     (0: not known) */
    bool no_marlin;               /* the part runs no Marlin kernels (before compute capability 8.0, or not
                                     CUDA): int4 launches AWQ's own; sp_serve_half_dtypes sets it */
} sp_serve_config;

/* The asked engine into the config with its own defaults (sp_serve_engine_defaults: SGLang's
 * tensor-core decode attention and 1-token pages, TensorRT-LLM's fixed 8-bit tiles and KV share of
 * free memory), except the knobs the user set (decode_unit_set, tiles_set). */
void sp_serve_engine_defaults(sp_serve_config *c, sp_engine_ask engine, bool decode_unit_set, bool tiles_set);

/* The adapter slots an engine preallocates: max_loras (vLLM), one more under SGLang, whose batch
 * counts base-only requests as an adapter; 0 without adapters. */
double sp_serve_lora_slots(const sp_serve_config *c);

/* The adapter slot's rank an engine serves an adapter of `rank` from: vLLM's max_lora_rank takes 8,
 * 16, 32, 64, 128, 256, 320 or 512 (the smallest that holds it; past 512, the rank itself). */
double sp_serve_lora_engine_rank(double rank);

/* A fleet router by its name (power-of-two, least-loaded, random) as sp_serve_config.route_choices,
 * and back (2 or more read as power-of-two). */
bool sp_routing_parse(const char *text, double *choices);
const char *sp_routing_name(double choices);

#define SP_SERVE_CONFIG_INIT                                                                                   \
    {SP_DTYPE_BF16, SP_DTYPE_BF16, 0, 0, 512, 256, 0, 0, 0, 16, 0.9, 0, true, false, false, 0, 0, 1, 0, 0, 0, 0, 0, 1, \
     SP_DRAFT_NGRAM, 0, false, 0, 0, "", {0}, 0, false, false, false, false, 0, 1, false, false, false, 2, false, false, false, \
     false, false, false, SP_ENGINE_ASK_AUTO, 0, 1, false, 0, false}

typedef struct {
    double tp;
    double batch;
    double max_batch;             /* the largest batch whose KV cache fits: at each sequence's average
                                     tokens in flight for a stream of requests, at its whole length for
                                     a closed loop or an offline run (their sequences move in waves) */
    double weights_bytes;         /* per GPU */
    double workspace_bytes;       /* per GPU: activations of one prefill chunk and the logits */
    double kv_cache_bytes;        /* per GPU at this batch */
    double kv_cache_bytes_per_token; /* per GPU */
    double kv_cache_tokens;       /* tokens the KV cache holds per replica, beside a shared prefix */
    double kv_cache_engine_bytes; /* per GPU: what the engine takes for its cache, the shared prefix included */
    double lora_slot_bytes;       /* per GPU: one adapter slot (lora_rank rounded up to the engine's, every
                                     linear layer, 16-bit); the weights include max_loras of them */
    double lora_engine_rank;      /* that rank: vLLM takes 8, 16, 32, 64, 128, 256, 320 or 512 */
    double static_memory_share;   /* per GPU: weights and the engine's KV pool over the card's memory
                                     (SGLang's --mem-fraction-static) */
    double usd_per_gpu_hour;      /* the rate the fleet is priced at: given, or its instances' price over
                                     its GPUs (sp_serve_config.usd_from_catalog) */
    double instances, instance_gpus; /* with usd_from_catalog: the instances the fleet rents and the GPUs
                                     of each (1: single GPUs) */
    double sequence_kv_tokens;    /* cache tokens a sequence holds: its average in flight for a stream of
                                     requests, its whole length in blocks for a closed loop or offline run */
    double prefill_s;             /* one request's prompt, alone */
    double decode_step_s;         /* one token for every sequence of the batch */
    double ttft_s;                /* prefill plus waiting for the step in flight */
    double tpot_s;                /* decode step plus the prefills it shares time with */
    double output_tokens_per_s;   /* per replica */
    double output_tokens_per_s_per_gpu;
    double requests_per_s;        /* per replica */
    double replicas;
    double gpus;
    double usd_per_million_output_tokens;
    bool fits;                    /* weights and one sequence fit */
    bool meets_targets;
    /* Cost the way API prices read, at the requested load (qps; a loop's own rate; else full
     * capacity): the fleet's hourly and monthly price and the cost of a million input and of a
     * million output tokens, the fleet's time split between prefill and decode. */
    double utilization;           /* requests a second served over the fleet's capacity */
    double fleet_usd_per_hour;
    double fleet_usd_per_month;
    double usd_per_million_input_tokens;
    double usd_per_million_output_tokens_at_load;
    /* With a closed loop (config concurrency > 0): what its clients see on average. */
    double ttft_s_mean;
    double tpot_s_mean;           /* between tokens of one request */
    double e2e_s_mean;
    /* With a percentile: one replica of the fleet under its share of the Poisson load, simulated. */
    bool simulated;
    sp_latency ttft_load_s, tpot_load_s, e2e_load_s;
    const char *binding;          /* "ttft", "tpot", "both", "capacity", "pinned", or "unreachable" (a target
                                     below what a request alone takes): what set the replica count */
    double below_replicas;        /* with a binding target: the count under the answer that missed it ... */
    double below_ttft_s, below_tpot_s; /* ... and its first-token and per-token latency at the percentile */
    double pp;                    /* pipeline stages of each replica (GPUs a replica: tp x pp) */
    double lone_tpot_s;           /* with a percentile: a request alone, a token (the batch-1 decode step) */
    double lone_ttft_s;           /* ... and to its first token (its prompt's prefill) */
    double reach_ttft_s;          /* a target no split and batch meets: the latencies the fleet was sized
                                     for instead (at the percentile when simulated), 1.1 x the fastest
                                     split's lone first token and time a token (0 for a target in reach) */
    double reach_tpot_s;
    bool reach_met;               /* the fleet meets the reach_* targets it was sized for (else none tried held) */
    double reach_tries;           /* ... tries made (the last at serve_reach_margin x serve_reach_widen^(tries-1)) */
    double nearest_tp;            /* no split meets the targets: the split whose request alone is fastest a
                                     token, as the search sized it (0 otherwise) ... */
    double nearest_tpot_s;        /* ... its time a token and first token there, which reach_* multiply */
    double nearest_ttft_s;
    double decode_stream_s;       /* the part of decode_step_s a server spends streaming tokens on the host */
    double decode_host_loop_s;    /* the engine's host step loop over the batch, run beside the GPU's step:
                                     the step is host-bound when it is the longer (perf.yaml) */
    double max_model_len;         /* the longest request the engine admits (--max-model-len): prompt and
                                     output at their 99th percentiles when spreads are given, at most the
                                     model's context */
    double over_context_share;    /* of the drawn requests, the share whose prompt and output pass the
                                     model's context: the engine refuses them (0 with fixed lengths) */
    double nodes_per_replica;     /* servers one replica spans: its tp x pp GPUs over the part's per_node */
    double rate_replicas;         /* under --qps: the replicas the rate alone needs ... */
    double capped_replicas;       /* ... and at --max-utilization (rate_replicas without one), before the
                                     instances they take are filled */
    double target_replicas;       /* with a percentile: the fewest replicas that hold the targets (or the
                                     last tried), before the instances they take are filled */
    bool expert_parallel;         /* the replica splits its experts whole over its GPUs (chosen or pinned) */
    bool attention_dp;            /* ... and runs attention data-parallel over them (chosen or pinned) */
    double other_usd_per_million_output_tokens; /* parallelism_searched: the runner-up split's price at the load
                                                   (0: it does not fit or carry the rate) */
    bool other_expert_parallel;   /* ... whether it splits the experts whole */
    bool other_attention_dp;      /* ... and runs attention data-parallel */
    double other_gpus;            /* ... its fleet's GPUs */
    double other_usd_per_hour;    /* ... and its fleet's price an hour, which the fleet order compared */
    bool other_meets_targets;     /* ... and whether it meets the latency targets */
    double open_tp;               /* a pinned --tp on a dense model: the split the search takes when it is left
                                     open, when that fleet comes first in the fleet order (rate carried,
                                     targets, fewer GPUs, price); 0 otherwise */
    double open_pp;               /* ... its pipeline stages */
    double open_gpus;             /* ... its fleet's GPUs */
    double open_usd_per_million_output_tokens; /* ... its price at full capacity */
    double open_usd_per_hour;     /* ... and its fleet's price an hour */
    double token_tp;              /* one replica, no rate: a wider split inside a node that serves a token for
                                     less at full capacity than the fewest-GPU split chosen (more KV cache, a
                                     larger batch); 0 when none is cheaper by more than search_tie_tolerance */
    double token_usd_per_million_output_tokens; /* ... its price at full capacity */
    double decode_attention_s;    /* the part of a decode step its attention over the KV cache takes (a
                                     pipeline round's, all stages) */
    bool decode_attention_core_bound; /* that attention is bound by the CUDA cores' FLOPs, not the cache read */
    double decode_attention_sm_share; /* the share of the SMs its thread blocks keep busy at the full batch
                                     (< 1 only with decode_attention_block_per_head) */
    /* With config requests > 0: the offline run of them, split over the replicas, start to last token. */
    double run_requests_per_replica; /* the largest share of the queue a replica runs */
    double run_s;                 /* wall time of the whole run */
    double run_output_tokens_per_s; /* the run's output tokens over its wall time */
    double run_batches;           /* batches the requests go in, the last possibly partial */
    double run_last_batch;        /* sequences in the last */
} sp_serve_result;

/* Whether tp splits a replica's attention heads: not under attention DP beside expert parallelism,
 * where each GPU runs whole attention for its share of the sequences and only the experts are split
 * (TensorRT-LLM enable_attention_dp, SGLang --enable-dp-attention, vLLM's data-parallel ranks). Pure. */
bool sp_serve_splits_heads(const sp_serve_config *config);

/* Whether a replica's tp GPUs can split this model's attention as vLLM does: the query heads
 * divide, and the KV heads divide or tp is a multiple of them (replicated); always under
 * attention DP. Pure. */
bool sp_serve_tp_splits_model(const sp_model *m, const sp_serve_config *config, double tp);

/* Whether more requests pass the context (and are refused) than the percentile held leaves out,
 * which misses the targets at that percentile. Pure. */
bool sp_serve_refused_past_percentile(const sp_serve_config *config, const sp_serve_result *result);

/* One replica at config->tp (> 0) and config->batch (0: the throughput-maximising batch
 * that fits and meets the latency targets). Prefill is compute-bound, decode reads the
 * weights and the KV cache (Pope et al. 2022); continuous batching shares each step. Pure. */
sp_status sp_serve_estimate(const sp_model *model, const sp_accel *accel, const sp_serve_config *config,
                            const sp_memory_constants *memory, const sp_perf_constants *perf,
                            sp_serve_result *out, sp_error *err);

/* ---------------------------------------------------------------- data jobs */

/* A data job: input size and the stages it runs, in order. */
typedef struct {
    double input_bytes;
    int stages[SP_STAGES_MAX];             /* indices into the stage model */
    unsigned count;
    double nodes;
    const sp_accel *gpu;                   /* optional: fuzzy dedup on GPUs (RAPIDS) */
    double gpus_per_node;
} sp_data_job;

typedef struct {
    double input_bytes;
    double seconds;
    double cpu_s, disk_s, network_s, gpu_s; /* summed over phases */
    const char *bottleneck;                /* "cpu", "disk", "network" or "gpu" (static text) */
} sp_stage_time;

typedef struct {
    sp_stage_time stages[SP_STAGES_MAX];
    unsigned count;
    double nodes;
    double hours;
    double cost_usd;
    double shuffle_bytes;                  /* sent between nodes: (n-1)/n of a shuffle's bytes, none on one */
    double disk_bytes;                     /* read and written */
} sp_data_result;

/* Time and cost of a data job on job->nodes instances (Spark/Ray Data/Dask style: one
 * worker per vCPU, shuffles all-to-all). Each phase takes the slowest of CPU, disk and
 * network; phases and stages run in turn. Pure. */
/* Whether a job can be timed: a size, a node count, stages of the model each named once, read
 * first and write last. SP_ERR_INPUT names the field otherwise. Pure. */
sp_status sp_data_job_check(const sp_stage_model *model, const sp_data_job *job, sp_error *err);
sp_status sp_data_estimate(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                           sp_data_result *out, sp_error *err);

enum { SP_DATA_NODES_MAX = 100000 }; /* the most nodes a data job is sized at */

/* The fewest nodes of `instance` that finish within deadline_hours (at most SP_DATA_NODES_MAX);
 * fails when none does. Pure. */
sp_status sp_data_size(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                       double deadline_hours, sp_data_result *out, sp_error *err);

/* ---------------------------------------------------------------- cost and break-even */

typedef struct {
    double raw_usd;       /* g c h */
    double managed_usd;   /* m g c h */
    double ops_usd;       /* v T_ops */
    double self_usd;      /* g c h + v T_ops */
} sp_cost;

/* Seed section 2: C_self = g c h + v T_ops, C_managed = m g c h. Pure. */
sp_cost sp_costs(double gpus, double usd_per_gpu_hour, double hours, double premium,
                 double ops_hours, double ops_usd_per_hour);

/* Hours h* at which the two totals are equal: v T_ops / ((m - 1) g c). Returns
 * +infinity when m == 1 (managed never costs more) and 0 when there is no ops
 * burden. Arguments must be finite with g, c > 0 and m >= 1. Pure. */
double sp_breakeven_hours(double gpus, double usd_per_gpu_hour, double premium,
                          double ops_hours, double ops_usd_per_hour);

/* The build-versus-buy question on its own. */
typedef struct {
    double gpus;
    double usd_per_gpu_hour;
    double premium;
    double ops_hours;
    double ops_usd_per_hour;
    double hours;                 /* a run's length to answer for too; 0: none */
    const sp_accel *priced;       /* the catalog part usd_per_gpu_hour was read from (its instance said
                                     in a price line); NULL: a price given */
} sp_breakeven_input;

/* Checks the numbers of a break-even question (finite, g and c > 0,
 * premium >= 1, ops >= 0). On failure err->field names the bad one. */
sp_status sp_breakeven_check(const sp_breakeven_input *in, sp_error *err);

/* ---------------------------------------------------------------- training stacks (train_stack.c) */

/* The framework that runs a layout: tensor or pipeline parallelism needs Megatron-Core (or
 * torchtitan, which composes them with FSDP2), ZeRO sharding FSDP or DeepSpeed, plain data
 * parallelism DDP. */
typedef enum { SP_TRAIN_DDP, SP_TRAIN_FSDP_ZERO, SP_TRAIN_MEGATRON, SP_TRAIN_TORCHTITAN } sp_train_stack;

sp_train_stack sp_train_stack_of(const sp_mem_config *config);
/* Whether launch writes the layout as train.py under Hugging Face's Trainer (DDP, FSDP, DeepSpeed on
 * a CUDA or ROCm part): its model then runs eager modules, which train and plan size and time
 * (sp_search_request.trainer_layouts). Pure. */
bool sp_train_runs_trainer(const sp_mem_config *config, sp_stack stack);

/* ================================================================ search/
 * Enumerates layouts and fleets, asks the estimators, keeps the best and the front. */

/* ---------------------------------------------------------------- data jobs (data_fleet.c) */

/* The cheapest instance of the catalog and its fewest nodes that finish the job within
 * deadline_hours (none: one node of each, the cheapest run); SP_ERR_NO_PLAN when no instance
 * does. The job must pass sp_data_job_check. Pure. */
sp_status sp_data_cheapest(const sp_stage_model *model, const sp_instance_catalog *catalog, const sp_data_job *job,
                           double deadline_hours, sp_data_result *out, const sp_instance **chosen, sp_error *err);

/* ---------------------------------------------------------------- training layouts */

/* What to search: the fixed job and which layout dimensions are pinned. */
typedef struct {
    double gpus;                 /* accelerators in the job */
    double global_batch;         /* sequences per step */
    double seq;                  /* tokens per sequence */
    sp_precision precision;
    sp_optimizer optimizer;
    sp_mixed_style mixed_style;
    bool flash_attention;
    double tp, pp, dp, micro_batch, interleave; /* 0: searched; > 0: pinned */
    int zero;                    /* -1: searched */
    int recompute;               /* -1: searched, else an sp_recompute */
    int sequence_parallel;       /* -1: searched, 0 off, 1 on */
    double tokens;               /* token budget for days and cost (> 0) */
    double usd_per_gpu_hour;
    double ep;                   /* MoE expert-parallel degree: 0 searched, > 0 pinned */
    double cp;                   /* context-parallel degree: 0 searched, > 0 pinned */
    double goodput;              /* share of wall time that trains: days and cost divide by it (1: steady state) */
    double mfu_cap;              /* > 0: no layout is credited more MFU than this (a pessimistic plan) */
    double etp;                  /* MoE expert tensor parallelism: 0 searched (1 or tp), > 0 pinned */
    bool ep_overlap;             /* MoE: overlap the expert all-to-all where a layout allows it */
    bool tp_overlap;             /* overlap tensor-parallel communication with GEMMs where a layout allows it */
    bool global_batch_is_default; /* global_batch came from the rules (sp_rules_global_batch), not the user */
    bool eager_modules;          /* norms, rotary and the gated activation unfused (sp_mem_config) */
    bool tokens_is_default;      /* tokens came from the rules (tokens_per_param), not the user */
    bool trainer_layouts;        /* DDP, FSDP and DeepSpeed layouts as launch's train.py runs them under
                                    Hugging Face's Trainer: eager modules (sp_mem_config.eager_modules)
                                    in the step and the memory, recompute none or its gradient
                                    checkpointing (full) */
} sp_search_request;

#define SP_SEARCH_REQUEST_INIT                                                                      \
    {0, 0, 2048, SP_PREC_MIXED_BF16, SP_OPT_ADAMW, SP_MASTER_IN_OPTIMIZER, true, 0, 0, 0, 0, 0, -1, \
     -1, -1, 1e9, 0, 0, 0, 1, 0, 0, false, false, false, false, false, false}

/* One evaluated layout. */
typedef struct {
    sp_mem_config config;
    sp_step step;
    sp_memory memory;
    double gpus;
    double gpu_hours;            /* for the request's token budget */
    double days;
    double cost_usd;
} sp_candidate;

enum { SP_TOP_MAX = 32 };

typedef struct {
    bool found;                  /* at least one layout fits */
    sp_candidate top[SP_TOP_MAX];/* fastest first, but for a near tie (memory_tie_break) */
    size_t top_count;
    bool memory_tie_break;       /* top[0] is not the fastest (then top[1]), which filled more than
                                    perf.yaml's search_comfort_share of the usable memory, but the
                                    fastest within search_tie_tolerance of it that does not */
    double tie_tolerance;        /* that tolerance, for the report to name */
    sp_candidate displaced;      /* ... and the fastest layout it displaced (kept when top is 1) */
    double plans_evaluated;      /* layouts whose memory was checked */
    double plans_fitting;        /* of those, the ones that fit (and were timed) */
} sp_search_result;

/* Enumerates every layout (tp, pp, dp, micro-batch, ZeRO stage, recompute, sequence
 * parallelism, interleaving) of request->gpus accelerators that divides the model and
 * the batch, keeps those that fit memory, times them and returns the `top` fastest
 * (at most SP_TOP_MAX), except that a fastest filling more than perf->search_comfort_share
 * of the usable memory yields first place to the fastest within perf->search_tie_tolerance of
 * it that does not. Memory is checked before time. Pure: no I/O, no allocation. */
sp_status sp_train_search(const sp_model *model, const sp_accel *accel, const sp_search_request *request,
                          const sp_memory_constants *memory_constants, const sp_perf_constants *perf,
                          size_t top, sp_search_result *out, sp_error *err);

/* Marks the candidates on the time-cost Pareto front (no other is both faster and
 * cheaper). on_front[i] is set for candidates[i]. Pure. */
void sp_pareto_front(const sp_candidate *candidates, size_t count, bool *on_front);

/* How a run of days_* and cost_usd_* stands against a deadline and a budget (either <= 0: not
 * given), and whether run a is preferred to run b. The budget is kept first: runs that meet both
 * beat runs within the budget only, which beat runs that finish in time only, which beat the rest.
 * Among runs that meet both, the cheaper when a deadline is given (the fewest GPUs that finish in
 * time) and else the faster; within the budget only, the faster (closest to the deadline); in time
 * only or neither, the cheaper (closest to the budget). Ties go to the other measure. Pure. */
typedef enum { SP_RUN_MEETS_NEITHER = 0, SP_RUN_MEETS_DEADLINE, SP_RUN_MEETS_BUDGET, SP_RUN_MEETS_BOTH } sp_run_standing;
sp_run_standing sp_run_standing_of(double days, double cost_usd, double deadline_days, double budget_usd);
bool sp_run_preferred(double days_a, double cost_usd_a, double days_b, double cost_usd_b, double deadline_days,
                      double budget_usd);

/* ---------------------------------------------------------------- serving fleet */

/* The KV cache's block, in tokens, the engine pages a model's cache in: MLA's is 64 (vLLM forces it
 * for FlashMLA), else the config's. Pure. */
double sp_serve_block_tokens(const sp_model *model, const sp_serve_config *config);

/* The 16-bit types a part's serving engine can load: on parts without bf16 tensor cores (Volta,
 * Turing: sp_accel_fp16_only) bf16 weights and cache become fp16 (the same bytes and peak), and
 * bf16 given explicitly (weight_given, kv_given) or fp8/fp4 weights (vLLM's FP8 and FP4 kernels need
 * Ampere or newer) are refused with SP_ERR_INPUT naming the flag. Pure. */
sp_status sp_serve_half_dtypes(const sp_accel *accel, bool weight_given, bool kv_given, sp_serve_config *config,
                               sp_error *err);

/* The fleet: with config->tp == 0 every tensor-parallel degree that divides the heads
 * within a node is tried. Among those that fit, one that meets the targets beats one that
 * does not; then the fewest GPUs wins (for a rate, the cheapest fleet; for one replica,
 * the smallest split that fits), then the lower cost per output token. Pure. */
sp_status sp_serve_plan(const sp_model *model, const sp_accel *accel, const sp_serve_config *config,
                        const sp_memory_constants *memory, const sp_perf_constants *perf,
                        sp_serve_result *out, sp_error *err);

/* ---------------------------------------------------------------- fine-tuning options */

/* Bits of sp_ft_request.methods. */
enum {
    SP_METHODS_FULL = 1u << SP_METHOD_FULL,
    SP_METHODS_LORA = 1u << SP_METHOD_LORA,
    SP_METHODS_QLORA = 1u << SP_METHOD_QLORA,
    SP_METHODS_DORA = 1u << SP_METHOD_DORA
};

/* A fine-tune to place: the settings every method shares and what to try. */
typedef struct {
    sp_ft_config base;            /* rank, targets, seq, precision, optimizer, quant for QLoRA ... */
    unsigned methods;             /* SP_METHODS_* bits */
    double gpus_min, gpus_max;    /* counts tried: the powers of two between them and both ends */
    double micro_batch;           /* 0: the largest that fits, at most max_micro_batch */
    double max_micro_batch;
    int offload;                  /* -1: tried only when nothing else fits, else an sp_offload */
    int checkpointing;            /* -1: the faster that fits, 0 off, 1 on */
    double tokens;                /* tokens to train on, epochs included (> 0) */
    bool tokens_given;            /* false: tokens is a unit (hours and cost per that many) */
    double deadline_hours;        /* 0: none */
    double budget_usd;            /* 0: none */
    double usd_per_gpu_hour;      /* 0: each accelerator's catalog price */
    double dataset_gb;            /* as given (tokens counts it already): what a profile of the */
    double epochs;                /* fine-tune states back; 0: not given */
} sp_ft_request;

/* Full, LoRA and QLoRA on 1-8 GPUs, the largest micro-batch up to 16, offload only when nothing
 * else fits, checkpointing when it must, and 100 M tokens as the unit when no data is given. */
#define SP_FT_REQUEST_INIT                                                                             \
    {SP_FT_CONFIG_INIT, SP_METHODS_FULL | SP_METHODS_LORA | SP_METHODS_QLORA, 1, 8, 0, 16, -1, -1, 1e8, \
     false, 0, 0, 0, 0, 0}

/* The best layout of one method on one accelerator at one GPU count. */
typedef struct {
    const sp_accel *accel;
    sp_ft_config config;          /* the layout: fsdp, checkpointing, offload, micro_batch */
    sp_ft_memory memory;
    sp_ft_step step;
    double max_micro_batch;       /* the largest that fits this layout */
    double hours;
    double cost_usd;
    double usd_per_gpu_hour;
    bool fits;
    bool meets;                   /* within the deadline and the budget */
} sp_ft_option;

enum { SP_FT_OPTIONS_MAX = 96 };

/* The shortest sequence sp_ft_search's nothing-fits probe tries (fits_at_seq): shorter is no
 * fine-tune's. */
#define SP_FT_PROBE_SEQ_MIN 256

typedef struct {
    sp_ft_option items[SP_FT_OPTIONS_MAX];  /* per accelerator and method: fitting counts, cheapest first */
    size_t count;
    int best;                     /* index of the recommendation, -1 when nothing fits */
    double layouts_tried;
    sp_ft_option safer;           /* with a tight recommendation: the best fit with room (the order that
                                     picks the recommendation), any method, card or count; fits false if none */
    sp_ft_option faster;          /* the fastest priced option, any method, card or count, that costs at most
                                     ft_roomy_premium more than the recommendation and takes at most 1 /
                                     (1 + ft_roomy_premium) of its time (fits false when none) */
    sp_ft_option chunked;         /* the recommendation's method, card and count with a chunked loss and no
                                     offload, when the recommendation offloads an unchunked loss (fits
                                     false when that does not fit either, or only tightly) */
    /* Nothing fits (best -1): what would, each probed with the request otherwise as given. */
    bool fits_with_chunked_loss;  /* the loss chunked (its fp32 logits were the excess) */
    bool fits_with_offload;       /* offload left to the search (the request pinned --offload) */
    double fits_at_gpus;          /* the fewest GPUs past --gpus that fit, 0: none up to a server (or 8x) */
    double fits_at_seq;           /* the longest sequence, halving --seq, that fits; 0: none down to
                                     SP_FT_PROBE_SEQ_MIN */
} sp_ft_result;

/* Every method on every accelerator and GPU count: the fastest layout that fits each (DDP before
 * FSDP, no checkpointing before checkpointing, offload last), its hours and cost; the best is the
 * cheapest that meets the deadline and budget, else the fastest. Pure. */
sp_status sp_ft_search(const sp_model *model, const sp_accel *const *accels, size_t accel_count,
                       const sp_ft_request *request, const sp_ft_constants *k, const sp_perf_constants *perf,
                       sp_ft_result *out, sp_error *err);

/* ================================================================ plan/
 * The recommendation: axis, sizing, tier, and the framework or engine that runs it. */

/* ---------------------------------------------------------------- frameworks and engines */

/* "PyTorch DDP", "PyTorch FSDP / DeepSpeed ZeRO", "Megatron-LM (Megatron-Core)". */
const char *sp_train_framework(const sp_mem_config *config);
/* The package it needs beside torch, as frameworks.yaml names it: "megatron-core",
 * "torchtitan", "deepspeed" (FSDP is in torch), or NULL. */
const char *sp_train_stack_package(sp_train_stack stack);

/* The training framework of a layout on a stack: sp_train_framework on CUDA and ROCm (with
 * ROCm builds), JAX/MaxText on TPUs, NeuronX Distributed on Trainium, the Gaudi PyTorch bridge on
 * Gaudi; never Megatron-LM or CUDA kernels where they do not run. */
const char *sp_train_framework_on(sp_stack stack, const sp_mem_config *config);

typedef enum { SP_ENGINE_VLLM, SP_ENGINE_TRTLLM, SP_ENGINE_RAY_SERVE_VLLM, SP_ENGINE_SGLANG } sp_engine;

/* "vLLM", "TensorRT-LLM (trtllm-serve)", "Ray Serve + vLLM" or "SGLang". */
const char *sp_engine_name(sp_engine engine);

/* Replicas one server runs as data-parallel workers (SGLang --dp-size, vLLM --data-parallel-size):
 * those sharing an instance the part is rented in whole (the fleet's instance_gpus over a
 * replica's), 1 otherwise, under data-parallel attention (which that flag already splits), for
 * trtllm-serve (no data-parallel workers for a dense model) and for vLLM serving an MoE (moe), whose
 * data-parallel ranks step together with their experts one DP x TP group, not independent replicas
 * (vLLM docs, Data Parallel Deployment). */
double sp_replicas_per_server(sp_engine engine, bool moe, const sp_serve_config *c, const sp_serve_result *s);

/* The model as the pinned transformers (data/frameworks.yaml) loads it for a fine-tune: from
 * transformers 5 every MoE family holds its routed experts as fused 3-D parameters (the
 * use_experts_implementation classes: MixtralExperts, Qwen3MoeExperts, ...), which bitsandbytes'
 * 4-bit loading skips (bitsandbytes issue #1849) and PEFT's LoRA targets do not wrap. */
void sp_model_as_transformers_loads(sp_model *m, const sp_rules *rules);

/* The engine for a fleet, and why (static text). */
sp_engine sp_serve_engine(const sp_accel *accel, const sp_serve_config *config, const sp_serve_result *result,
                          const char **reason);

typedef enum { SP_DATA_RAY_DATA, SP_DATA_SPARK, SP_DATA_DASK } sp_data_engine;

/* "Ray Data", "Spark" or "Dask". */
const char *sp_data_engine_name(sp_data_engine engine);

/* Spark, Ray Data or Dask for a job, and why (static text). */
sp_data_engine sp_data_framework(const sp_stage_model *model, const sp_data_job *job, const sp_data_result *result,
                                 const char **reason);

/* The framework a fine-tune runs on, and why (static text): PEFT + TRL for adapters (with FSDP
 * for QLoRA across GPUs, as Answer.AI's FSDP-QLoRA), TRL alone for a full fine-tune. */
const char *sp_ft_framework(const sp_ft_option *option, const char **reason);
/* The packages it needs, as frameworks.yaml names them: at most `max` into out; returns how many. */
size_t sp_ft_packages(const sp_ft_option *option, const char **out, size_t max);
enum { SP_FT_PACKAGES_MAX = 8 };

/* ---------------------------------------------------------------- the plan */

typedef enum { SP_TIER_LOCAL = 0, SP_TIER_MANAGED, SP_TIER_SELF } sp_tier;
/* SKYPILOT: the managed tier for a training program Ray does not run (Megatron-LM, torchtitan, a
 * fine-tune's axolotl, Trainium and Gaudi): SkyPilot rents the nodes and runs node_run.sh on each. */
typedef enum { SP_LAUNCH_TORCHRUN = 0, SP_LAUNCH_RAY, SP_LAUNCH_SLURM, SP_LAUNCH_SKYPILOT } sp_launcher;

/* How the axis was chosen. */
typedef enum {
    SP_AXIS_GIVEN = 0,
    SP_AXIS_FROM_QPS,      /* a qps target makes it a serving job */
    SP_AXIS_FROM_MEMORY,   /* training state exceeds one accelerator */
    SP_AXIS_FROM_DATA,     /* data but no model */
    SP_AXIS_BY_DEFAULT,    /* a model that fits: plain data-parallel training */
    SP_AXIS_FROM_FINE_TUNE /* a fine-tune's chosen layout: FSDP shards the model, else replicas */
} sp_axis_source;

/* Why the tier was picked (seed section 3 rule). */
typedef enum {
    SP_TIER_WHY_FITS_NODE = 0,   /* fits one node and under the local data limit */
    SP_TIER_WHY_MANAGED_FITS,    /* managed price within budget and small enough */
    SP_TIER_WHY_OVER_BUDGET,     /* managed price exceeds the budget */
    SP_TIER_WHY_TOO_MANY_NODES,  /* more nodes than a managed cluster is sized for */
    SP_TIER_WHY_SELF_CHEAPER     /* past the break-even: self-managed costs less in total, ops included */
} sp_tier_reason;

/* Bits of sp_plan.notes: facts the plan wants the user to see. */
enum {
    SP_NOTE_TRAINING_NEEDS_SHARDING = 1u << 0, /* warning: axis training but state > 1 GPU */
    SP_NOTE_SERVING_WITHOUT_QPS = 1u << 1,     /* warning: axis serving but no qps target */
    SP_NOTE_MODEL_FITS_ONE_GPU = 1u << 2,      /* warning: axis model but it fits one GPU */
    SP_NOTE_MANAGED_CHEAPER = 1u << 3,         /* self-managed (budget or size), though managed costs less in total */
    SP_NOTE_SEED_TRUNCATION = 1u << 4,         /* the seed's int() would have given one GPU fewer */
    SP_NOTE_DATA_GPU_FLOOR = 1u << 5,          /* a data job: the GPU count is only the seed's floor */
    SP_NOTE_REPLICA_SPANS_GPUS = 1u << 6,      /* one replica needs several GPUs */
    SP_NOTE_OVER_BUDGET = 1u << 7,             /* warning: the tier's spend exceeds the budget */
    SP_NOTE_RUN_TOO_SLOW = 1u << 8,            /* warning: no GPU count finishes within train_hours */
    SP_NOTE_NEEDS_GPU_FOR_TIME = 1u << 9,      /* a model without a gpu: no time estimate */
    SP_NOTE_HOURS_ARE_INPUT = 1u << 10,        /* training without a named model: train_hours is taken, not estimated */
    SP_NOTE_SERVE_TARGETS_UNMET = 1u << 11,    /* warning: no batch meets ttft_ms/tpot_ms (serve exits 3 on it) */
    SP_NOTE_HOURS_BELOW_COMPUTE = 1u << 12,    /* warning: train_hours is under 6 N D at the provisioned GPUs' peak */
    SP_NOTE_MANAGED_RUNS_IT = 1u << 13,        /* the managed tier: its premium buys a service; the files are the same job self-run */
    SP_NOTE_OPS_FIXED_SMALL = 1u << 14         /* a cluster whose fixed ops cost is a sliver of its machines': the break-even rests on it */
};
enum { SP_NOTE_COUNT = 15 };

/* The outcome of planning one profile. Plain numbers; reporters format them. */
typedef struct {
    sp_axis axis;
    sp_axis_source axis_source;
    sp_mode mode;
    sp_knobs knobs;             /* the constants in force (defaults plus overrides) */
    double bytes_per_param;     /* 0 when memory_gb was given directly or a model sized it */
    double memory_gb;           /* accelerator memory the job needs, summed over its GPUs */
    bool memory_from_model;     /* the transformer memory model sized it (options.model) */
    sp_mem_config mem_config;   /* with memory_from_model: the configuration that fits */
    sp_memory memory;           /* with memory_from_model: per GPU at gpus_for_model */
    bool timed;                 /* a training run was searched (model + gpu, training axes) */
    sp_candidate run;           /* with timed: the chosen layout, its speed and memory */
    double run_hours;           /* with timed: hours the token budget takes on `gpus` GPUs */
    double run_tokens;          /* with timed: the token budget */
    double run_goodput;         /* with timed: the share of wall time the run's hours assume trains */
    double run_max_gpus;        /* with timed: the largest GPU count the run search tried */
    bool run_gpus_pinned;       /* with timed: the profile's gpus was the only count tried ... */
    double run_gpus_in_time;    /* ... and, when it misses train_hours, the first doubling of it whose run
                                   finishes within them and the budget (0: none up to run_max_gpus) */
    sp_run_standing run_standing; /* with timed: whether the run meets train_hours and the budget (at the
                                     GPUs' raw price) */
    double run_global_batch;    /* with timed: sequences per step */
    double plans_evaluated;     /* with timed: layouts checked over every GPU count tried */
    sp_stack stack;             /* the accelerator's software stack (CUDA without one) */
    bool fine_tuned;            /* a fine-tune was searched (profile method + model + gpu) */
    bool fine_tune_late;        /* with fine_tuned: its hours pass the profile's train_hours */
    sp_ft_option fine_tune;     /* with fine_tuned: the recommended method and layout (its accel is
                                   NULL: the plan outlives the catalog; see fine_tune_accel) */
    sp_accel fine_tune_accel;   /* with fine_tuned: a copy of the accelerator it runs on */
    sp_accel serve_accel;       /* with served: a copy of the accelerator the fleet runs on */
    sp_accel priced_accel;      /* with instance_priced: a copy of the accelerator whose instances price it */
    bool instance_priced;       /* the catalog's rate for this many GPUs is an instance's share, not the
                                   single GPU's (sp_accel_usd_per_gpu_hour) */
    double fine_tune_tokens;    /* with fine_tuned: tokens trained on, epochs included */
    char model_id[SP_NAME_MAX]; /* with a model: its Hugging Face repository, else its catalog name */
    bool served;                /* the serving model sized it (model + gpu on the serving axis) */
    bool sky_named;             /* with served: SkyPilot names the part (a sky_task.yaml is written) */
    sp_serve_config serve_config;
    sp_serve_result serve;
    sp_engine engine;           /* with served */
    const char *engine_reason;
    bool data_sized;            /* the stage model sized it (data axis, instance named) */
    sp_instance data_instance;
    sp_data_result data;
    char data_stage_names[SP_STAGES_MAX][SP_NAME_MAX]; /* the stages run, in order */
    sp_data_engine data_framework; /* with data_sized */
    const char *data_framework_reason;
    double gpus_for_model;      /* whole numbers, kept as double for JSON and math */
    double gpus_for_qps;
    double gpus;
    double nodes;
    sp_cost cost;
    double breakeven_hours;     /* +infinity when the premium is 1 */
    bool buy_by_inequality;     /* (m-1) g c h <= v T_ops */
    sp_tier tier;
    sp_tier_reason tier_reason;
    double spend_usd;           /* cash the tier costs: raw, or managed on the managed tier */
    bool within_budget;
    sp_launcher launcher;
    unsigned notes;             /* SP_NOTE_* bits */
    double floor_tokens;        /* SP_NOTE_HOURS_BELOW_COMPUTE: the tokens the profile's data holds ... */
    double floor_flops;         /* ... 6 N D of them ... */
    double floor_hours;         /* ... the hours that takes on the provisioned GPUs at full peak ... */
    double floor_allowed_hours; /* ... against the profile's train_hours */
    bool no_plan;               /* nothing meets the profile (SP_ERR_NO_PLAN): why_no_plan says why, and
                                   no other field but the name's profile is set */
    sp_error why_no_plan;
    bool has_model;             /* a catalog model or config sized it ... */
    sp_model model;             /* ... a copy (the plan outlives the catalog): launch files need its shape */
} sp_plan;

/* Whether Ray Train runs the plan's training program (ray_train.py, one worker a GPU): the user's
 * PyTorch script on CUDA or ROCm, not Megatron-LM, torchtitan or a fine-tune's axolotl (torchrun
 * programs with launch files of their own). The plan's launcher and stackplan launch's files both
 * follow it. Pure. */
bool sp_plan_ray_trains(const sp_plan *plan);

/* What a plan needs beyond the profile and the rules, resolved by the caller
 * from the profile's model and gpu names (NULL when the profile names none). */
typedef struct {
    bool classic;   /* the seed's helper verbatim: 16 bytes/param always, axis required */
    const sp_model *model;
    const sp_accel *accel;
    const sp_stage_model *stages;      /* data jobs: the stage model ... */
    const sp_instance *instance;       /* ... and the profile's instance, or */
    const sp_instance_catalog *instances; /* ... the catalog whose cheapest instance that meets
                                             train_hours runs a profile naming none */
} sp_plan_options;

#define SP_PLAN_OPTIONS_INIT {false, NULL, NULL, NULL, NULL, NULL}

/* Plans one profile. Pure: no I/O, no allocation. Fails with SP_ERR_INPUT
 * when the numbers are out of the range a plan can be made for, and with SP_ERR_NO_PLAN when they
 * are sound and nothing holds them (out->no_plan set, why_no_plan a copy of *err): a caller
 * planning a file goes on to its next profile. */
sp_status sp_plan_profile(const sp_profile *profile, const sp_rules *rules,
                          const sp_plan_options *options, sp_plan *out, sp_error *err);

/* What of its request a plan misses, as bits: the budget, the deadline (train_hours for a timed
 * run or a fine-tune), the latency targets, or the whole plan (no_plan); 0 when it meets them all
 * (`plan` exits 3 otherwise). */
enum { SP_MISSES_BUDGET = 1u << 0, SP_MISSES_DEADLINE = 1u << 1, SP_MISSES_TARGETS = 1u << 2, SP_MISSES_PLAN = 1u << 3 };
unsigned sp_plan_misses(const sp_plan *plan);

/* ================================================================ report/
 * Text, JSON and Markdown over what the layers above computed; launch lines. */

/* ---------------------------------------------------------------- output */

/* SP_FORMAT_PROFILE: `train`'s winner as a profile YAML for `plan` and `launch` (sp_train_profile). */
typedef enum { SP_FORMAT_TEXT = 0, SP_FORMAT_JSON, SP_FORMAT_MD, SP_FORMAT_HTML, SP_FORMAT_PROFILE } sp_format;

/* Parses "text", "json" or "md". */
bool sp_format_parse(const char *text, sp_format *out);

/* Names used in every output. */
const char *sp_tier_name(sp_tier tier);          /* "Local single node (multi-GPU)" ... */
const char *sp_tier_key(sp_tier tier);           /* "local", "managed", "self-managed" */
const char *sp_launcher_name(sp_launcher launcher);

/* Writes the launch line of plan's tier into buf (always NUL-terminated).
 * Returns the length it wanted to write. */
int sp_launch_line(const sp_plan *plan, char *buf, size_t size);

/* The engine's launch line for a serving plan. Returns the wanted length. */
int sp_serve_launch_line(const char *model_name, sp_engine engine, const sp_serve_config *config,
                         const sp_serve_result *result, char *buf, size_t size);

/* The framework's launch line with the cluster's executor sizing. Returns the wanted length. */
int sp_data_launch_line(sp_data_engine framework, const sp_instance *instance, double nodes, char *buf, size_t size);

/* Writes the sentence for one SP_NOTE_* bit, without a "warning: " prefix (sp_note_is_warning
 * says which notes are warnings). Returns the wanted length. */
int sp_note_text(unsigned note, const sp_plan *plan, char *buf, size_t size);

/* Renders the plans of every profile (plans[i] belongs to profiles->items[i]).
 * Returns a NUL-terminated string the caller frees with free(), or NULL with
 * err set (SP_ERR_NOMEM). */
char *sp_render_plans(const sp_profile_list *profiles, const sp_plan *plans,
                      const sp_rules *rules, sp_format format, sp_error *err);

/* Renders the seed helper's own layout (header, rule, six lines a profile). */
char *sp_render_classic(const sp_profile_list *profiles, const sp_plan *plans,
                        const sp_rules *rules, sp_error *err);

/* The searches of one training job, one per accelerator and GPU count. */
typedef struct {
    const sp_accel *accel;
    double gpus;                       /* the count searched */
    sp_search_result result;
} sp_train_option;

typedef struct {
    const sp_model *model;
    const sp_search_request *request;  /* the job; gpus varies by option */
    const sp_train_option *options;
    size_t count;
    double deadline_days;              /* 0: none */
    double budget_usd;                 /* 0: none */
    size_t top;                        /* layouts listed for the winner's option */
    const sp_rules *rules;             /* framework versions */
    double fits_from_gpus;             /* when nothing fits: the least doubling of the counts that does; 0: none */
    const sp_accel *fits_from_accel;   /* ... on this part */
    bool unpriced;                     /* the one part asked has no public price and none was given: no cost */
} sp_train_report;

/* Renders the winner (the option sp_run_preferred ranks first: deadline and budget met, else the
 * budget kept, else the deadline), why it won, the cheapest, the Pareto front over options and the
 * top layouts. Caller frees. */
char *sp_render_train(const sp_train_report *report, sp_format format, sp_error *err);
/* Whether some option fits and the winner meets the report's deadline and budget (both met when
 * neither is given). Pure. */
bool sp_train_report_meets(const sp_train_report *report);
/* The option the report recommends (as sp_render_train names it), or NULL when nothing fits. Pure. */
const sp_train_option *sp_train_report_winner(const sp_train_report *report);
/* The recommended run as a profile YAML (one list item) that sp_plan plans with the same layout and
 * sp_launch_artifacts turns into files: catalog model, part, count, seq, batch, tokens, precision,
 * optimizer, a pinned micro-batch and a given price; the deadline and budget given, else the run's
 * own hours and cost rounded up. SP_ERR_INPUT when nothing fits. Caller frees. */
char *sp_train_profile(const sp_train_report *report, sp_error *err);

/* Renders a data-job estimate. Caller frees. */
char *sp_render_data(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                     const sp_data_result *result, const sp_rules *rules, sp_format format, sp_error *err);

/* One part a serving request was sized on, when several are compared. */
typedef struct {
    const sp_accel *accel;
    const sp_serve_config *config;
    const sp_serve_result *result; /* NULL: no fleet on this part, for the reason below */
    const char *reason;           /* why not (the error the part alone would have given) */
    bool unpriced;                /* no public price and none given */
    bool unmet;                   /* a latency target missed, or a pinned count the rate swamps */
} sp_serve_alternative;

/* Everything a serving report shows. */
typedef struct {
    const sp_model *model;
    const sp_accel *accel;
    const sp_serve_config *config;
    const sp_serve_result *result;
    const sp_rules *rules;        /* engine versions */
    bool unpriced;                /* the part has no public price and none was given: no cost shown */
    const sp_serve_alternative *compared; /* several --gpu parts: each, the reported one among them */
    size_t compared_count;        /* 0: one part */
} sp_serve_report;

/* A fleet's price a million output tokens: at the requested load where one was priced, else at
 * full capacity. */
double sp_serve_usd_per_million_output(const sp_serve_result *r);

/* Renders a serving plan (engine, launch line, latency, throughput, fleet, cost). Caller frees. */
char *sp_render_serve(const sp_serve_report *report, sp_format format, sp_error *err);
/* SP_FORMAT_PROFILE: the fleet as a profile YAML for `plan` and `launch` (model, gpu, qps, lengths,
 * targets, percentile, dtypes asked, engine, prefix share, price given; a month's hours and cost). */
char *sp_serve_profile(const sp_serve_report *report, sp_error *err);

/* Everything a fine-tuning report shows. */
typedef struct {
    const sp_model *model;
    const sp_ft_request *request;
    const sp_ft_result *result;
    const sp_rules *rules;        /* framework versions */
    bool catalog_model;           /* the model is the catalog's: the report says how to launch it as a
                                     profile (finetune --format profile, then launch) */
} sp_ft_report;

/* Renders the options of a fine-tune (one line per accelerator and method: GPUs, layout, memory
 * per GPU, largest micro-batch, tokens/s, hours, cost) and the recommendation with its framework.
 * Caller frees. */
char *sp_render_finetune(const sp_ft_report *report, sp_format format, sp_error *err);

/* The recommended fine-tune as a profile YAML (one list item) that sp_plan plans with the same
 * method, count, sequence and settings (rank, targets, quantisation, offload, loss, kernels):
 * catalog model and part, tokens, and the deadline and budget given, else its own hours and cost
 * rounded up. SP_ERR_INPUT when nothing fits. Caller frees. */
char *sp_ft_profile(const sp_ft_report *report, sp_error *err);

/* A sized data job as a profile YAML (one list item) that sp_plan plans on the same instance:
 * data_tb, stages, instance, the deadline given (else the run's hours) and the cost at the managed
 * premium rounded up.
 * Caller frees. */
char *sp_data_profile(const sp_stage_model *model, const sp_instance *instance, const sp_data_job *job,
                      const sp_data_result *result, double deadline_hours, double managed_premium, sp_error *err);


/* One fine-tune's memory: allocated, reserved and device bytes and their parts, the largest
 * micro-batch and the largest that is not tight. accel may be NULL. checkpointed_device_bytes:
 * an adapter fine-tune without checkpointing, the device bytes with it (what LoRA and QLoRA
 * recipes run), said beside; 0: not said. */
char *sp_render_ft_memory(const sp_model *model, const sp_ft_config *config, const sp_ft_memory *memory,
                          const sp_accel *accel, double max_micro_batch, double max_roomy_micro_batch,
                          double checkpointed_device_bytes, sp_format format, sp_error *err);

/* Everything a memory report shows. accel may be NULL (no capacity known). */
typedef struct {
    const sp_model *model;
    const sp_mem_config *config;
    const sp_memory *memory;
    const sp_accel *accel;
    double max_batch;             /* largest micro-batch (train) or batch (infer) that fits */
    bool deepspeed;               /* also show DeepSpeed's ZeRO-2/3 estimator figures */
} sp_memory_report;

/* Renders a memory breakdown as text or JSON. Caller frees. */
char *sp_render_memory(const sp_memory_report *report, sp_format format, sp_error *err);
/* Renders the accelerator catalog, or the model catalog (names with their
 * parameter counts, models[i] for names[i]). Caller frees. */
char *sp_render_accels(const sp_accel_catalog *catalog, sp_format format, sp_error *err);
char *sp_render_models(const sp_model *models, size_t count, sp_format format, sp_error *err);
char *sp_render_instances(const sp_instance_catalog *catalog, sp_format format, sp_error *err);
char *sp_render_workloads(const sp_workload_catalog *catalog, sp_format format, sp_error *err);

/* Renders h* and both totals at durations around it. Caller frees. */
char *sp_render_breakeven(const sp_breakeven_input *in, sp_format format, sp_error *err);

/* ================================================================ launch/
 * A plan's artifacts: scripts, cluster.yaml, requirements, manifest. */

/* ---------------------------------------------------------------- artifacts */

/* How to write a plan's launch artifacts. */
typedef struct {
    const char *entry;            /* the user's entry point; NULL: train.py, serve_app.py or data_job.py */
    const char *entry_args;       /* its arguments, split on blanks, each shell-quoted; NULL: none */
    bool cpu;                     /* a CPU smoke variant: no GPU requests, gloo, nproc_per_node processes */
    double nproc_per_node;        /* with cpu */
    double rdzv_port;             /* torchrun c10d rendezvous port */
    double time_limit_hours;      /* the cluster's longest job: longer runs requeue from checkpoints; 0: none */
    const char *partition;        /* Slurm --partition; NULL: the cluster's default */
    const char *account;          /* Slurm --account; NULL: none */
    const char *env_hook;         /* a script every launch sources first (venv, modules); NULL: none */
    const char *checkpoint_dir;   /* where checkpoints go; NULL: checkpoints/ beside the scripts */
} sp_launch_options;

#define SP_LAUNCH_OPTIONS_INIT {NULL, NULL, false, 1, 29500, 0, NULL, NULL, NULL, NULL}

/* A file a plan was made from, and its SHA-256. */
typedef struct {
    char file[SP_ERR_FILE_MAX];
    char sha256[65];
} sp_file_hash;

enum { SP_ARTIFACTS_MAX = 20, SP_HASHES_MAX = 16 };

typedef struct {
    char name[32];                /* file name inside the profile's directory */
    char *text;                   /* owned by the set */
    bool executable;
} sp_artifact;

typedef struct {
    char dir[SP_NAME_MAX];        /* the profile's directory: a slug of its name */
    sp_artifact items[SP_ARTIFACTS_MAX];
    size_t count;
} sp_artifact_set;

/* Renders every artifact of a plan: launch scripts of its tier and framework
 * (torchrun.sh, job.sbatch, cluster.yaml + ray.sh, serve.sh), requirements.txt with
 * pinned versions and manifest.json (profile, plan, version, catalog hashes, cluster
 * shape, launch command). Strings from the profile are shell-quoted or emitted by
 * libyaml/jansson. Deterministic. accel may be NULL. Caller frees with
 * sp_artifact_set_free. */
sp_status sp_launch_artifacts(const sp_profile *profile, const sp_plan *plan, const sp_rules *rules,
                              const sp_accel *accel, const sp_launch_options *options, const sp_file_hash *hashes,
                              size_t hash_count, sp_artifact_set *out, sp_error *err);
void sp_artifact_set_free(sp_artifact_set *set);


/* A directory-safe slug of a name: lower-case letters, digits and '-', at most size-1. */
void sp_slug(const char *name, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

/* ================================================================ api/
 * The command line as functions: what bindings (Python, the browser page) call. */

/* `stackplan ARGS...` in this process: argv[0] is the program name, argv[1] the command. Writes
 * to stdout and stderr and returns the exit status (0 ok, 1 internal failure, 2 bad input, 3 no
 * plan meets the request). */
int sp_main(int argc, char **argv);

/* The JSON ABI. request is the command line as one JSON object: "command" (plan, train, finetune,
 * serve, memory, data, breakeven, catalog), "file" (plan's profile file), and one key a flag,
 * underscores for its dashes: {"command": "memory", "model": "llama-3.1-8b", "gpu": "h100-sxm-80gb",
 * "micro_batch": 2, "flash_attention": true}. true is a bare flag (--flash-attention), false a
 * switch turned off (--no-flash-attention), null leaves it out, lists are joined by commas. Returns the report `--format json` prints (also when no plan meets
 * the request: the report says why), to be freed with sp_free; NULL with err set (file, line,
 * column and field) on bad input. Not thread-safe: one request at a time. */
char *sp_request(const char *request, sp_error *err);
/* Frees what sp_request returned. */
void sp_free(void *p);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif /* STACKPLAN_H */
