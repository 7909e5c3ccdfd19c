/* option_defaults.c - one table of every number and switch a flag takes: its bounds, its default
 * and why, as zstd keeps its parameters' bounds in one place (ZSTD_cParam_getBounds). Parsing,
 * --help's range errors, `stackplan completion defaults`, the man page and docs/CLI.md all read
 * it, so a flag that two commands share cannot take two ranges or two defaults silently. */
#include "api_internal.h"

#include <math.h>
#include <string.h>

#define WHOLE SP_NUM_INTEGER
#define NUM(name, lo, hi, flags, fallback, why) {name, CLI_NUMBER, lo, hi, flags, false, fallback, why, NAN}
/* A number whose default is one value, which the commands take from here (cli_number). */
#define NUMV(name, lo, hi, flags, value, why) {name, CLI_NUMBER, lo, hi, flags, false, NULL, why, value}
#define SWITCH(name, on, fallback, why) {name, CLI_FLAG, 0, 0, 0, on, fallback, why, NAN}

/* Sorted by name (cli_default_of searches it in order; the check below keeps it so). */
static const cli_default DEFAULTS[] = {
    SWITCH("attention-dp", false, "off", "attention DP is an engine setting for wide expert-parallel MoE serving only"),
    NUM("batch", 1, 1e6, WHOLE, "memory: 1; serve: the largest that meets the targets",
        "a decode batch; a million sequences is past any accelerator's memory"),
    NUM("budget-usd", 0.01, 1e12, 0, "none", "a filter, not a target; under a cent buys no GPU-second, $1e12 is past any budget"),
    SWITCH("checkpointing", false, "off when the fine-tune fits, on when it must",
           "recompute costs a third more compute, so it is used only when memory needs it (HF Trainer's default is off)"),
    SWITCH("chunked-loss", false, "off",
           "Hugging Face models upcast all the logits to fp32 for the loss (loss_bytes_per_logit in data/defaults.yaml); "
           "torchtune's chunked cross-entropy and litgpt's chunked_cross_entropy do not"),
    NUM("concurrency", 1, 1e6, WHOLE, "none (a request rate, or one replica)", "clients in a closed loop"),
    NUM("context", 1, 1e8, WHOLE, "the model's own context",
        "a longer context (RoPE scaling) is the user's claim, so it is never assumed"),
    NUM("cp", 1, 1024, WHOLE, "memory: 1; train: searched", "ring attention over at most a pod's 1,024 GPUs"),
    SWITCH("cpu", false, "off", "launch files request GPUs unless a CPU smoke run is asked for"),
    NUM("dataset-gb", 0, 1e9, 0, "none (give it or --tokens)", "a fine-tune's data; an exabyte is past any"),
    NUM("deadline-days", 1e-3, 1e5, 0, "none", "a filter; under 86 s no job starts"),
    NUM("deadline-hours", 1e-3, 1e7, 0, "none", "a filter; under 3.6 s no job starts"),
    SWITCH("deepspeed", false, "off", "DeepSpeed's own estimator figures are a comparison, printed on request"),
    SWITCH("double-quant", true, "on", "the QLoRA recipe quantises the 4-bit constants again (Dettmers et al. 2023)"),
    NUM("dp", 1, 1e6, WHOLE, "memory: 1; train: searched", "a million replicas is past any cluster"),
    NUM("draft-params", 1e6, 1e13, 0, "the catalog's count of --draft-model",
        "a draft model's parameters; the estimate refuses one not smaller than the target"),
    SWITCH("eager-modules", false, "train: off; memory: as launch runs the layout",
           "Megatron-Core runs fused norm and activation kernels and stackplan's torchtitan.toml turns torch.compile "
           "on; a DDP, FSDP or DeepSpeed layout on a CUDA or ROCm part runs eager whatever it says (launch writes "
           "train.py), and memory takes it so unless told"),
    NUM("ep", 1, 1e6, WHOLE, "train: searched (MoE only); memory: 1; serve: off (experts sliced by tp)",
        "expert-parallel ranks divide the experts"),
    SWITCH("ep-overlap", false, "off (Megatron-Core's default)",
           "NVIDIA's DeepSeek-V3 and Qwen3-235B H100 recipes turn it on; where a layout cannot (full recompute, "
           "pipelined without interleaving) it stays off"),
    NUMV("epochs", 0.01, 1e4, 0, 1, "one pass over the data; recipes differ (Alpaca ran 3), so give yours"),
    NUM("etp", 1, 1024, WHOLE, "train: 1 or tp, searched; memory: 1", "expert tensor parallelism within a pod"),
    SWITCH("expert-parallel", false, "serve: searched for an MoE (both splits sized, the better kept)",
           "vLLM slices experts by tensor parallelism unless asked; the fleet search tries both"),
    NUM("experts", 2, 1e5, WHOLE, "none (dense)", "a mixture needs two experts at least"),
    NUM("experts-per-token", 1, 1e5, WHOLE, "1 with --experts", "at most the experts"),
    NUM("ffn", 1, 1e7, WHOLE, "4 x hidden", "the GPT-2/BERT MLP width"),
    SWITCH("flash-attention", true, "on",
           "the kernel PyTorch SDPA, Megatron-Core, DeepSpeed and vLLM run by default; off stores the scores"),
    SWITCH("force", false, "off", "launch never overwrites files unless asked"),
    SWITCH("fused-kernels", false, "off",
           "PEFT, TRL, axolotl and LLaMA-Factory run Hugging Face's eager norms, rotary and SwiGLU unless Liger, "
           "Unsloth or torch.compile fuse them"),
    NUM("global-batch", 1, 1e8, WHOLE, "tokens_per_step / seq, a power of two", "sequences a step; 1e8 is past any published run"),
    NUM("goodput", 0.05, 1, 0, "0.9 (goodput in data/defaults.yaml)",
        "Llama 3's >90% effective training time; under 5% a run does not train"),
    NUMV("gpu-memory-utilization", 0.01, 1, 0, 0.9, "vLLM's default share of memory"),
    NUM("gpus", 1, 1e7, WHOLE, "required", "breakeven: ten million GPUs is past any cluster"),
    NUM("heads", 1, 1e5, WHOLE, "required with --layers", "must divide --hidden"),
    NUM("hidden", 1, 1e6, WHOLE, "required with --layers", "past any trained model's width"),
    NUM("host-gb", 0.001, 1e7, 0, "not checked", "host memory for offloaded state; under a megabyte holds no state"),
    NUM("hours", 0.001, 1e6, 0, "none (the durations around the break-even only)",
        "breakeven: a run's length; under 3.6 s no job runs, a million hours is past any"),
    NUM("input-tb", 1e-6, 1e8, 0, "required (or --input-tokens)", "a megabyte up to 100 exabytes"),
    NUM("input-tokens", 1, 1e19, 0, "required (or --input-tb)", "ten quintillion tokens is past any corpus"),
    NUM("interleave", 1, 128, WHOLE, "memory: 1; train: searched", "Megatron's virtual stages; 128 is past any layout"),
    SWITCH("kbit-upcast", false, "off",
           "the fine-tune validation rows fit without it except fms-hf-tuning's, which call "
           "prepare_model_for_kbit_training; sharded QLoRA never upcasts (TRL skips it under FSDP)"),
    NUM("kv-heads", 1, 1e5, WHOLE, "--heads (no GQA)", "must divide --heads"),
    NUM("layers", 1, 1e4, WHOLE, "required for a shape", "past any trained model's depth"),
    NUM("lora-dropout", 0, 0.99, 0, "0.05", "the QLoRA recipe's dropout for its 33B-65B runs (Dettmers et al. 2023, App. B; 0.1 up to 13B)"),
    NUM("lora-rank", 1, 1e6, WHOLE, "8 (serve: none)", "PEFT's LoraConfig default; at most the layer width (serve: 512, vLLM's largest slot)"),
    NUM("max-loras", 1, 1024, WHOLE, "1", "vLLM's default; each adapter a batch mixes takes a slot"),
    NUM("max-utilization", 0.05, 1, 0, "1 (capacity)", "headroom is the user's choice; under 5% no fleet is sized"),
    NUM("mfu-cap", 0.01, 1, 0, "none", "a pessimistic plan caps every layout's MFU (e.g. 0.4)"),
    NUM("micro-batch", 1, 1e6, WHOLE, "memory: 1; train: searched; finetune: the largest that fits, at most 16",
        "finetune stops at 16, past which memory, not the batch, limits throughput"),
    NUM("microbatches", 1, 1e6, WHOLE, "pp", "micro-batches in flight cap at the stages (1F1B)"),
    NUM("moe-ffn", 1, 1e7, WHOLE, "--ffn", "each expert's MLP width"),
    NUM("nodes", 1, 1e5, WHOLE, "none (give it or --deadline-hours)", "a hundred thousand nodes is past any cluster"),
    NUMV("nproc-per-node", 1, 1024, WHOLE, 1, "processes a node in a CPU smoke run"),
    NUM("ops-hours", 0, 1e6, 0, "data/defaults.yaml ops_hours", "the seed's T_ops; a million hours is past any team"),
    NUM("ops-usd-per-hour", 0, 1e6, 0, "data/defaults.yaml ops_usd_per_hour", "the seed's v, the value of an hour"),
    NUM("output-spread", 0, 10, 0, "0 (fixed lengths)", "a lognormal's std/mean; 10 is past ShareGPT's spread"),
    NUMV("output-tokens", 1, 1e7, WHOLE, 256, "an assumed chat answer; give the lengths your traffic has"),
    NUM("params", 1e6, 1e15, 0, "none (or --model, --hf-config, a shape)",
        "a million (a count, not billions: 7e9 or 7B for 7B) up to a thousand times the largest model trained "
        "(SP_MODEL_PARAMS_MAX)"),
    NUM("percentile", 50, 99.9, 0, "none (steady state)", "p50 to p99.9, the tails SLOs are written at"),
    NUM("pp", 1, 1024, WHOLE, "memory: 1; train: searched; serve: 1, more when nothing else fits",
        "at most the layers"),
    NUM("prefix-share", 0, 0.999, 0, "0", "a share of each prompt; all of it would leave nothing to prefill"),
    NUM("premium", 1, 100, 0, "data/defaults.yaml managed_premium",
        "managed over raw price, read to 9 decimals (reports print 12 digits, so a finer one would print as 1)"),
    NUM("prompt-spread", 0, 10, 0, "0 (fixed lengths)", "a lognormal's std/mean; 10 is past ShareGPT's spread"),
    NUMV("prompt-tokens", 1, 1e7, WHOLE, 512, "an assumed chat prompt with its history; give the lengths your traffic has"),
    NUM("qps", 1e-6, 1e9, 0, "none (one replica; on a part rented only in whole instances, the replicas that fill one)", "requests a second; under one request in 11.6 days no price a token means anything"),
    NUMV("rdzv-port", 1024, 65535, WHOLE, 29500, "torchrun's default; ports under 1024 need root"),
    SWITCH("reentrant-checkpointing", true, "on",
           "transformers' gradient checkpointing default (use_reentrant=True) and axolotl's FSDP examples; under "
           "FSDP1 with a frozen base it keeps every block's input to the backward's end"),
    NUM("replicas", 1, 1e6, WHOLE, "searched", "pin to ask whether a fleet holds the targets; needs --qps, --concurrency or --requests"),
    NUM("requests", 1, 1e9, WHOLE, "none (the steady state)", "an offline run; a billion requests is past any batch job"),
    NUM("seq", 1, 1e7, WHOLE, "train, memory: the model's context, at most 4096; finetune: 2048, at most the context",
        "pre-training runs at the context up to 4k (Llama 2); SFT recipes cut at 2048 (axolotl, LLaMA-Factory)"),
    SWITCH("sequence-parallel", false, "memory: off; train: searched",
           "one layout is evaluated as given; a search tries both"),
    NUM("shared-experts", 0, 1e4, WHOLE, "0", "always-active experts (DeepSeek's shared expert)"),
    NUM("spec-acceptance", 1, 65, 0, "required with --spec-tokens", "tokens a target forward emits, 1 to K+1"),
    NUM("spec-tokens", 1, 64, WHOLE, "none", "drafted tokens a step; past 64 nearly none are accepted"),
    SWITCH("stream", true, "on",
           "a server streams every token to its client (serve_stream_s_per_token in data/defaults.yaml); --no-stream "
           "sizes an offline batch job, as trtllm-bench and benchmark_throughput run (off by default with --requests)"),
    NUM("time-limit", 0.1, 1e6, 0, "none (the job runs to the end)", "the cluster's longest job, in hours"),
    NUM("tokens", 1, 1e16, 0, "train: 20 a parameter (Chinchilla, tokens_per_param); finetune: --dataset-gb, else 100 M tokens as a unit (the hours then scale with your count)",
        "ten quadrillion tokens is past any corpus"),
    NUMV("top", 1, 32, WHOLE, 5, "layouts listed; 32 fits one screen"),
    NUM("tp", 1, 1024, WHOLE, "memory: 1; train: searched; serve: the cheapest fleet under --qps, else the fewest GPUs that hold the model",
        "must divide the heads (serve: but for --attention-dp with expert parallelism)"),
    SWITCH("tp-overlap", false, "off (Megatron-Core's default)",
           "Megatron-Bridge's Llama 3 70B, 3.1 405B and Qwen3 recipes turn it on; a layout without sequence "
           "parallelism or with ZeRO-3 (torchtitan's) cannot"),
    NUM("tpot-ms", 0, 1e7, 0, "200 (serve_tpot_ms in data/defaults.yaml) unless the batch is fixed; 0: none",
        "MLPerf Inference's Llama 2 70B server bound"),
    SWITCH("train-embeddings", false, "off", "adapters train alone unless the vocabulary changes (PEFT's default)"),
    NUM("ttft-ms", 0, 1e7, 0, "none; with --percentile, 2000 (serve_ttft_ms_mlperf in data/defaults.yaml); 0: none", "time to first token"),
    NUM("usd-per-gpu-hour", 1e-6, 1e4, 0,
        "the catalog's on-demand price for the instance the GPUs come in: where AWS rents a part 1, 4 or 8 to an "
        "instance (T4, L4, L40S, A10G), 2 GPUs pay for a 4-GPU instance and serving replicas share one; where it "
        "rents only 8 (A100, V100 32GB, H100, H200: `min_rented_gpus`), 1 GPU pays for all 8, and a fleet with no pinned "
        "count fills the instances it takes; a `price :` line says so (breakeven: required)",
        "a millionth of a dollar up to $10,000; a price under it is a typo"),
    NUM("vocab", 1, 1e7, WHOLE, "required for a shape", "ten million entries is past any tokenizer"),
    NUM("zero", 0, 3, WHOLE, "memory: 0; train: searched", "the ZeRO stages (Rajbhandari et al. 2020)"),
};

const cli_default *cli_default_of(const char *name)
{
    for (size_t i = 0; i < sizeof DEFAULTS / sizeof DEFAULTS[0]; i++)
        if (!strcmp(DEFAULTS[i].name, name))
            return &DEFAULTS[i];
    return NULL;
}

size_t cli_defaults(const cli_default **rows)
{
    *rows = DEFAULTS;
    return sizeof DEFAULTS / sizeof DEFAULTS[0];
}
