/* cmd_serve.c - `stackplan serve`: throughput, latency and the fleet for a request rate. */
#include "api_internal.h"
#include "common_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_opt OPTS[] = {
    CLI_MODEL_OPTS,
    {"gpu", CLI_TEXT, "NAME[,NAME...]", "accelerator(s) from the catalog (required); several are compared"},
    {"tp", CLI_NUMBER, "N", "tensor-parallel degree (default: under --qps the cheapest fleet meeting the targets, else the fewest GPUs that hold the model)"},
    {"pp", CLI_NUMBER, "N", "pipeline stages of a replica, across nodes (default: 1, more when nothing else fits)"},
    {"weight-dtype", CLI_TEXT, "D", "bf16, fp16, fp8, int8, int4, nvfp4 (fp4; Blackwell), mxfp4 (default: the checkpoint's quantization_config, else bf16)"},
    {"kv-dtype", CLI_TEXT, "D", "bf16 (default), fp16, fp8, int8"},
    {"batch", CLI_NUMBER, "B", "sequences decoded together (default: the best that fits)"},
    {"workload", CLI_TEXT, "NAME", "request lengths of a published trace: sharegpt, sharegpt-llama3, azure-conv, azure-code (catalog workloads)"},
    {"prompt-tokens", CLI_NUMBER, "P", "prompt tokens a request (default 512)"},
    {"output-tokens", CLI_NUMBER, "O", "output tokens a request (default 256)"},
    {"qps", CLI_NUMBER, "Q", "requests a second to serve (default: one replica, or the replicas that fill a part rented only in whole instances)"},
    {"context", CLI_NUMBER, "N", "serve a context longer than the model's own (e.g. with RoPE scaling)"},
    {"spec-tokens", CLI_NUMBER, "K", "speculative decoding: tokens drafted a step (needs --spec-acceptance)"},
    {"spec-acceptance", CLI_NUMBER, "T", "speculative decoding: tokens emitted a target forward on average, 1 to K+1"},
    {"spec-draft", CLI_TEXT, "ngram|mtp|model",
     "where drafts come from: prompt-lookup n-grams (default), MTP heads, or a draft model (--draft-model)"},
    {"draft-model", CLI_TEXT, "NAME", "with --spec-draft model: a catalog model, or a Hugging Face id with --draft-params"},
    {"draft-params", CLI_NUMBER, "N", "with --spec-draft model: the draft's parameters (default: the catalog's count)"},
    {"prefix-share", CLI_NUMBER, "F", "share of every prompt that is a prefix all requests share, cached once"},
    {"lora-rank", CLI_NUMBER, "R", "serve LoRA adapters (a fine-tune's) up to this rank beside the base: their slots in memory, the launch line's --enable-lora"},
    {"max-loras", CLI_NUMBER, "N", "with --lora-rank: adapters one batch may mix, each a slot (default 1)"},
    {"concurrency", CLI_NUMBER, "C", "a closed loop of C clients on one replica (instead of --qps and --batch)"},
    {"requests", CLI_NUMBER, "N", "an offline batch of N requests queued at once: its wall time (on a part rented in whole instances, split over the replicas that fill one)"},
    {"ttft-ms", CLI_NUMBER, "MS",
     "time-to-first-token target (with --percentile, default: serve_ttft_ms_mlperf in defaults.yaml, MLPerf's 2 s "
     "server bound; 0: none)"},
    {"tpot-ms", CLI_NUMBER, "MS",
     "time-per-output-token target (default: serve_tpot_ms in defaults.yaml, MLPerf's 200 ms server bound, unless "
     "--batch, --concurrency or --requests is given or a request has one output token; 0: none)"},
    {"prompt-spread", CLI_NUMBER, "CV", "with --percentile: prompt lengths lognormal, this std/mean (default 0: fixed)"},
    {"output-spread", CLI_NUMBER, "CV", "with --percentile: output lengths lognormal, this std/mean (default 0: fixed)"},
    {"percentile", CLI_NUMBER, "P", "with --qps: simulate Poisson arrivals and hold the targets at this percentile"},
    {"max-utilization", CLI_NUMBER, "F", "keep each replica's load at most this share of its capacity"},
    {"replicas", CLI_NUMBER, "N", "pin the replicas sharing --qps (the report says whether the targets hold)"},
    {"routing", CLI_TEXT, "power-of-two|least-loaded|random",
     "with --percentile: how a request picks its replica (default: serve_route_choices in defaults.yaml, Ray Serve's "
     "power of two choices)"},
    {"kv-reads", CLI_TEXT, "shared|per-query-head",
     "GQA decode reads each KV head once (shared, default: vLLM, TensorRT-LLM >= 0.8 XQA) or once per query head"},
    {"decode-attention", CLI_TEXT, "cuda-cores|tensor-cores",
     "where decode attention multiplies a GQA group's queries (default cuda-cores: FlashInfer's decode, TensorRT-LLM's masked MHA)"},
    {"decode-blocks", CLI_TEXT, "split|per-head",
     "decode attention fills the GPU (split, default) or runs one block a sequence and head (TensorRT-LLM without multi-block mode)"},
    {"gemm-tiles", CLI_TEXT, "fill|fixed",
     "8-bit GEMMs pick tiles that fill the GPU (fill, default: vLLM's CUTLASS kernels) or run fixed 128-wide tiles "
     "that leave SMs idle at small batch (fixed: cuBLAS under TensorRT-LLM)"},
    {"gpu-memory-utilization", CLI_NUMBER, "F", "share of memory the engine uses (default 0.9)"},
    {"engine", CLI_TEXT, "vllm|sglang|trtllm",
     "the engine the launch line runs and the step times model (default vllm; sglang: its tensor-core decode "
     "attention and 1-token pages; trtllm: fixed 8-bit GEMM tiles, its KV share of free memory)"},
    {"expert-parallel", CLI_FLAG, NULL, "MoE: experts split whole over the tp GPUs, tokens sent by all-to-all"},
    {"ep", CLI_NUMBER, "N", "MoE: pin expert parallelism over a replica of N GPUs (--expert-parallel --tp N); its attention tensor- or data-parallel, the better kept, unless --[no-]attention-dp"},
    {"attention-dp", CLI_FLAG, NULL, "with --expert-parallel: attention whole on each GPU for its share of sequences"},
    {"stream", CLI_FLAG, NULL, "each token streamed to its client, at a host cost a token (--no-stream: offline batch)"},
    {"usd-per-gpu-hour", CLI_NUMBER, "C", "price of a GPU-hour (default: the catalog's, for the instance the GPUs come in)"},
    {"format", CLI_TEXT, "text|json|html|profile",
     "output format (default text; html: a page with charts; profile: the fleet as a profile for plan and launch)"},
};

static const cli_command CMD = {
    "stackplan serve (--model NAME | --hf-config FILE | --layers ...) --gpu NAME[,NAME] [options]",
    "Size a serving fleet from first principles: prefill and decode time, the batch that fits the\n"
    "paged KV cache, latency against targets, replicas for a request rate, cost per token.",
    OPTS, sizeof OPTS / sizeof OPTS[0], 0};

/* Without --weight-dtype an engine loads the weights as the checkpoint stores them (vLLM and SGLang
 * read config.json's quantization_config): DeepSeek-V3's fp8 blocks, gpt-oss's MXFP4 experts. An
 * NVFP4 checkpoint needs FP4 tensor cores; elsewhere the plan stays 16-bit. */
static void checkpoint_weights(const cli_value *v, const sp_model *m, const sp_accel *a, sp_serve_config *c)
{
    bool given = cli_flag(&CMD, v, "weight-dtype")->set;
    /* A --weight-dtype that names the checkpoint's own format is that checkpoint, as stored. */
    if (!m->checkpoint_quantized || (given && c->weight_dtype != m->checkpoint_dtype))
        return;
    if (m->checkpoint_dtype == SP_DTYPE_NVFP4 && !(a->fp4_flops_per_s > 0))
        return;
    c->weight_dtype = m->checkpoint_dtype;
    c->weights_from_checkpoint = true;
    c->quantized_experts_only = m->checkpoint_experts_only;
}

/* The fleet's router: the replicas it compares for each request (0: all of them). */
static sp_status routing_from_flag(const cli_value *v, const sp_rules *rules, sp_serve_config *c, sp_error *err)
{
    const cli_value *routing = cli_flag(&CMD, v, "routing");
    c->route_choices = rules->limits.serve_route_choices;
    if (routing->set && !(c->percentile > 0))
        return cli_flag_error(err, "routing", "routes the --percentile simulation's requests: give --percentile too");
    if (!routing->set || sp_routing_parse(routing->text, &c->route_choices))
        return SP_OK;
    return cli_flag_error(err, "routing", "'%s': power-of-two, least-loaded or random", routing->text);
}

/* --engine: what its launch line runs, with the engine's own defaults where no flag overrides them. */
static sp_status engine_from_flags(const cli_value *v, bool unit_set, bool tiles_set, sp_serve_config *c,
                                   sp_error *err)
{
    const cli_value *engine = cli_flag(&CMD, v, "engine");
    sp_engine_ask asked = SP_ENGINE_ASK_AUTO;
    if (engine->set && !sp_engine_ask_parse(engine->text, &asked))
        return cli_flag_error(err, "engine", "'%s': vllm, sglang or trtllm", engine->text);
    sp_serve_engine_defaults(c, asked, unit_set, tiles_set);
    return SP_OK;
}

static sp_status config_from_flags(const cli_value *v, const sp_accel *a, sp_serve_config *c, sp_error *err)
{
    sp_serve_config base = SP_SERVE_CONFIG_INIT;
    *c = base;
    sp_status s = cli_dtype(&CMD, v, "weight-dtype", true, &c->weight_dtype, err);
    if (s == SP_OK)
        s = cli_dtype(&CMD, v, "kv-dtype", false, &c->kv_dtype, err);
    if (s != SP_OK)
        return s;
    s = sp_serve_half_dtypes(a, cli_flag(&CMD, v, "weight-dtype")->set, cli_flag(&CMD, v, "kv-dtype")->set, c, err);
    if (s != SP_OK) /* the library names the field; the CLI's flags carry the same names */
        return s;
    const cli_value *reads = cli_flag(&CMD, v, "kv-reads");
    if (reads->set && strcmp(reads->text, "shared") && strcmp(reads->text, "per-query-head"))
        return cli_flag_error(err, "kv-reads", "'%s': shared or per-query-head", reads->text);
    c->gqa_shared_kv_reads = !reads->set || !strcmp(reads->text, "shared");
    const cli_value *unit = cli_flag(&CMD, v, "decode-attention");
    if (unit->set && strcmp(unit->text, "cuda-cores") && strcmp(unit->text, "tensor-cores"))
        return cli_flag_error(err, "decode-attention", "'%s': cuda-cores or tensor-cores", unit->text);
    c->decode_attention_tensor_cores = unit->set && !strcmp(unit->text, "tensor-cores");
    const cli_value *blocks = cli_flag(&CMD, v, "decode-blocks");
    if (blocks->set && strcmp(blocks->text, "split") && strcmp(blocks->text, "per-head"))
        return cli_flag_error(err, "decode-blocks", "'%s': split or per-head", blocks->text);
    c->decode_attention_block_per_head = blocks->set && !strcmp(blocks->text, "per-head");
    const cli_value *tiles = cli_flag(&CMD, v, "gemm-tiles");
    if (tiles->set && strcmp(tiles->text, "fill") && strcmp(tiles->text, "fixed"))
        return cli_flag_error(err, "gemm-tiles", "'%s': fill or fixed", tiles->text);
    c->gemm_8bit_fixed_tiles = tiles->set && !strcmp(tiles->text, "fixed");
    s = engine_from_flags(v, unit->set, tiles->set, c, err);
    if (s != SP_OK)
        return s;
    c->lora_rank = cli_number_or(&CMD, v, "lora-rank", 0);
    c->max_loras = cli_number_or(&CMD, v, "max-loras", 1);
    if (cli_flag(&CMD, v, "max-loras")->set && !cli_flag(&CMD, v, "lora-rank")->set)
        return cli_flag_error(err, "max-loras", "needs --lora-rank: the adapters' rank sizes their slots");
    c->expert_parallel = cli_on(&CMD, v, "expert-parallel");
    c->attention_dp = cli_on(&CMD, v, "attention-dp");
    c->tp = cli_number_or(&CMD, v, "tp", 0);
    /* --ep N: the experts split whole over the replica's N GPUs, as vLLM's --enable-expert-parallel
     * spans all of a replica's ranks (TP x DP) and SGLang's --ep-size does; --tp then is N too. */
    const cli_value *ep = cli_flag(&CMD, v, "ep");
    if (ep->set && cli_flag(&CMD, v, "expert-parallel")->set && !c->expert_parallel)
        return cli_flag_error(err, "ep", "contradicts --no-expert-parallel");
    if (ep->set && c->tp > 0 && c->tp != ep->number)
        return cli_flag_error(err, "ep", "%g: the experts span the replica's GPUs, so --tp must be %g too (or left out)",
                              ep->number, ep->number);
    if (ep->set) {
        c->expert_parallel = true;
        c->tp = ep->number;
    }
    if (c->attention_dp && !c->expert_parallel)
        return cli_flag_error(err, "attention-dp", "needs --expert-parallel (the MoE layers take the tokens back)");
    c->pp = cli_number_or(&CMD, v, "pp", 1);
    c->batch = cli_number_or(&CMD, v, "batch", 0);
    /* The library's defaults (SP_SERVE_CONFIG_INIT); the bounds table states the same ones. */
    c->prompt_tokens = cli_number_or(&CMD, v, "prompt-tokens", c->prompt_tokens);
    c->output_tokens = cli_number_or(&CMD, v, "output-tokens", c->output_tokens);
    c->lengths_assumed = !(cli_flag(&CMD, v, "prompt-tokens")->set && cli_flag(&CMD, v, "output-tokens")->set) &&
                         !cli_flag(&CMD, v, "workload")->set;
    c->qps = cli_number_or(&CMD, v, "qps", 0);
    c->concurrency = cli_number_or(&CMD, v, "concurrency", 0);
    c->requests = cli_number_or(&CMD, v, "requests", 0);
    c->percentile = cli_number_or(&CMD, v, "percentile", 0);
    c->ttft_s = cli_number_or(&CMD, v, "ttft-ms", 0) / 1e3;
    c->tpot_s = cli_number_or(&CMD, v, "tpot-ms", 0) / 1e3;
    c->max_utilization = cli_number_or(&CMD, v, "max-utilization", 0);
    if (cli_flag(&CMD, v, "max-utilization")->set && !cli_flag(&CMD, v, "qps")->set)
        return cli_flag_error(err, "max-utilization", "caps each replica's share of a request rate: give --qps too");
    if (cli_flag(&CMD, v, "max-utilization")->set && cli_flag(&CMD, v, "replicas")->set)
        return cli_flag_error(err, "max-utilization", "sets the replica count, which --replicas pins: give one of them");
    /* A pinned fleet answers whether it holds a load; with none it would be priced at a rate it invents. */
    if (cli_flag(&CMD, v, "replicas")->set && !cli_flag(&CMD, v, "qps")->set &&
        !cli_flag(&CMD, v, "concurrency")->set && !cli_flag(&CMD, v, "requests")->set)
        return cli_flag_error(err, "replicas", "pins the replicas sharing a load: give --qps (or --concurrency, "
                                               "--requests); without one the report is a replica at full capacity (on an offer that "
                                               "rents only whole instances, the replicas that fill one)");
    c->replicas = cli_number_or(&CMD, v, "replicas", 0);
    c->prompt_spread = cli_number_or(&CMD, v, "prompt-spread", 0);
    /* A spread the user gives is for the simulation; a --workload preset's also sizes the launch line. */
    const char *spread = cli_flag(&CMD, v, "prompt-spread")->set ? "prompt-spread"
                         : cli_flag(&CMD, v, "output-spread")->set ? "output-spread"
                                                                   : NULL;
    if (spread && !cli_flag(&CMD, v, "percentile")->set)
        return cli_flag_error(err, spread, "draws lengths for the --percentile simulation: give --percentile too");
    c->spec_tokens = cli_number_or(&CMD, v, "spec-tokens", 0);
    c->prefix_share = cli_number_or(&CMD, v, "prefix-share", 0);
    c->spec_acceptance = cli_number_or(&CMD, v, "spec-acceptance", 1);
    if (cli_flag(&CMD, v, "spec-acceptance")->set && !(c->spec_tokens > 0))
        return cli_flag_error(err, "spec-acceptance", "is the tokens a check emits: give --spec-tokens K too");
    if (c->spec_tokens > 0 && !cli_flag(&CMD, v, "spec-acceptance")->set)
        return cli_flag_error(err, "spec-acceptance", "required with --spec-tokens (measure it on your data: tokens "
                                                      "emitted a target forward)");
    const cli_value *draft = cli_flag(&CMD, v, "spec-draft");
    if (draft->set && strcmp(draft->text, "ngram") && strcmp(draft->text, "mtp") && strcmp(draft->text, "model"))
        return cli_flag_error(err, "spec-draft", "'%s' is not ngram, mtp or model", draft->text);
    if (draft->set && !(c->spec_tokens > 0))
        return cli_flag_error(err, "spec-draft", "drafts tokens only with --spec-tokens K (and --spec-acceptance T)");
    c->spec_draft = !draft->set                     ? SP_DRAFT_NGRAM
                    : !strcmp(draft->text, "mtp")   ? SP_DRAFT_MTP
                    : !strcmp(draft->text, "model") ? SP_DRAFT_MODEL
                                                    : SP_DRAFT_NGRAM;
    c->output_spread = cli_number_or(&CMD, v, "output-spread", 0);
    c->gpu_memory_utilization = cli_number_or(&CMD, v, "gpu-memory-utilization", c->gpu_memory_utilization);
    /* A part nobody prices (data/accelerators.yaml leaves the price empty) is sized at a nominal
     * $1 a GPU-hour and reported without cost: every candidate runs on this one part, so what the
     * fleet search weighs by price it weighs the same by GPU-hours. */
    c->usd_per_gpu_hour = cli_number_or(&CMD, v, "usd-per-gpu-hour", a->usd_per_hour);
    c->usd_from_catalog = !cli_flag(&CMD, v, "usd-per-gpu-hour")->set && a->usd_per_hour > 0;
    if (!(c->usd_per_gpu_hour > 0))
        c->usd_per_gpu_hour = 1.0;
    return SP_OK;
}

/* --workload NAME: a trace's mean lengths (data/workloads.yaml), and with --percentile their
 * spreads, each one unless its own flag is given. */
static sp_status apply_workload(const cli_value *v, const char *data_dir, sp_serve_config *c, sp_error *err)
{
    const cli_value *w = cli_flag(&CMD, v, "workload");
    if (!w->set)
        return SP_OK;
    cli_path path;
    sp_workload_catalog catalog;
    sp_status s = sp_workloads_load(cli_data_file(NULL, NULL, NULL, data_dir, "workloads.yaml", &path), &catalog, err);
    if (s != SP_OK)
        return s;
    const char **names = calloc(catalog.count + 1, sizeof *names);
    const char *name = NULL;
    for (size_t i = 0; names && i < catalog.count; i++)
        names[i] = catalog.items[i].name;
    s = names ? cli_resolve_name(names, catalog.count, w->text, "workload", "workload", "`stackplan catalog workloads`",
                                 &name, err)
              : sp_fail(err, SP_ERR_NOMEM, "", 0, 0, "workload", "out of memory");
    free(names);
    const sp_workload *row = s == SP_OK ? sp_workload_find(&catalog, name) : NULL;
    if (row) {
        if (!cli_flag(&CMD, v, "prompt-tokens")->set)
            c->prompt_tokens = row->prompt_tokens;
        if (!cli_flag(&CMD, v, "output-tokens")->set)
            c->output_tokens = row->output_tokens;
        /* The spreads shape what the --percentile simulation draws and, with or without it, the
         * tail the launch line's --max-model-len leaves room for (the trace's longer requests). */
        if (!cli_flag(&CMD, v, "prompt-spread")->set)
            c->prompt_spread = row->prompt_cv;
        if (!cli_flag(&CMD, v, "output-spread")->set)
            c->output_spread = row->output_cv;
    }
    sp_workload_catalog_free(&catalog);
    return s;
}

/* --spec-draft model: the draft named by --draft-model, its parameters from --draft-params or, for a
 * catalog model, the catalog's count (and its Hugging Face id for the launch line). */
static sp_status apply_draft_model(const cli_value *v, const char *data_dir, sp_serve_config *c, sp_error *err)
{
    const cli_value *name = cli_flag(&CMD, v, "draft-model"), *params = cli_flag(&CMD, v, "draft-params");
    if (c->spec_draft != SP_DRAFT_MODEL)
        return name->set || params->set ? cli_flag_error(err, name->set ? "draft-model" : "draft-params",
                                                         "only with --spec-draft model")
                                        : SP_OK;
    if (!name->set)
        return cli_flag_error(err, "draft-model", "required with --spec-draft model: a catalog model or a Hugging "
                                                  "Face id with --draft-params");
    /* The id goes inside the launch line's single-quoted JSON: it must need no quoting itself. */
    if (!sp_shell_plain(name->text))
        return cli_flag_error(err, "draft-model", "'%s' is not a model id (letters, digits and . _ / : + - only)",
                              name->text);
    snprintf(c->spec_draft_model, sizeof c->spec_draft_model, "%s", name->text);
    /* A catalog model gives its Hugging Face id for the launch line, and its count unless
     * --draft-params overrides it; any other id needs the count. */
    sp_model draft;
    sp_error lookup;
    bool cataloged = sp_model_load_catalog(data_dir, name->text, &draft, &lookup) == SP_OK;
    if (cataloged && draft.hf_id[0])
        snprintf(c->spec_draft_model, sizeof c->spec_draft_model, "%s", draft.hf_id);
    if (params->set)
        c->spec_draft_params = params->number;
    else if (cataloged)
        c->spec_draft_params = sp_model_params(&draft);
    else
        return cli_flag_error(err, "draft-model", "'%s' is not in the model catalog: give its --draft-params",
                              name->text);
    return SP_OK;
}

/* A pinned --ep is checked against the model by its own name: it must divide the experts, and the
 * attention that runs tensor-parallel over the same GPUs must split its heads evenly. */
static sp_status ep_fits_model(const cli_value *v, const sp_model *m, const sp_serve_config *c, sp_error *err)
{
    const cli_value *ep = cli_flag(&CMD, v, "ep");
    if (!ep->set || !sp_model_has_shape(m))
        return SP_OK;
    if (m->experts <= 1)
        return cli_flag_error(err, "ep", "%s is dense: it has no experts to split", m->name);
    if (!sp_divides(ep->number, m->experts))
        return cli_flag_error(err, "ep", "%g does not divide the %g experts", ep->number, m->experts);
    if (!sp_divides(ep->number, m->heads) && sp_serve_splits_heads(c))
        return cli_flag_error(err, "ep", "%g GPUs would split the %g attention heads unevenly (attention runs "
                                         "tensor-parallel over the same GPUs; --attention-dp keeps it whole on each)",
                              ep->number, m->heads);
    return SP_OK;
}

/* A fleet on one part: the flags read against it, sized (sp_serve_plan), and whether it misses what
 * was asked (a latency target, or a pinned replica count the rate swamps). */
static sp_status serve_on(const cli_value *v, cli_inputs *in, const sp_accel *a, sp_serve_config *config,
                          sp_serve_result *result, bool *unmet, sp_error *err)
{
    sp_status s = config_from_flags(v, a, config, err);
    if (s == SP_OK)
        checkpoint_weights(v, &in->model, a, config);
    if (s == SP_OK) /* an fp8 or fp4 checkpoint on a part that predates their kernels */
        s = sp_serve_half_dtypes(a, false, false, config, err);
    /* --ep N whose N does not divide the heads leaves one attention split, the data-parallel one,
     * to size (the search between the two would refuse the other). */
    const cli_value *ep = cli_flag(&CMD, v, "ep");
    if (s == SP_OK && ep->set && !cli_flag(&CMD, v, "attention-dp")->set && sp_model_has_shape(&in->model) &&
        !sp_divides(ep->number, in->model.heads))
        config->attention_dp = true;
    if (s == SP_OK)
        s = ep_fits_model(v, &in->model, config, err);
    if (s == SP_OK)
        config->block_tokens = sp_serve_block_tokens(&in->model, config);
    if (s == SP_OK)
        s = apply_workload(v, in->data_dir, config, err);
    if (s == SP_OK)
        s = apply_draft_model(v, in->data_dir, config, err);
    /* Without any latency target the best batch would be the largest, at any latency a token. */
    bool sized = config->batch == 0 && config->concurrency == 0 && config->requests == 0;
    /* One output token has no time between tokens: no per-token bound, default or asked. */
    bool one_token = config->output_tokens <= 1;
    if (s == SP_OK && one_token && cli_flag(&CMD, v, "tpot-ms")->set && cli_flag(&CMD, v, "tpot-ms")->number > 0)
        s = cli_flag_error(err, "tpot-ms", "a request of one output token has no time between tokens: bound its "
                                           "first token with --ttft-ms");
    /* A first-token target alone bounds nothing between tokens: the default holds beside it. */
    if (s == SP_OK && !cli_flag(&CMD, v, "tpot-ms")->set && sized && !one_token) {
        config->tpot_s = in->rules.limits.serve_tpot_ms / 1e3;
        config->tpot_is_default = true;
    }
    /* Under a simulated load the first token waits in the queue: without a bound of its own the
     * fleet would run at the edge of capacity with first tokens seconds late. MLPerf pairs its
     * per-token bound with 2 s to the first token; --ttft-ms 0 turns it off. */
    if (s == SP_OK && !cli_flag(&CMD, v, "ttft-ms")->set && sized && config->percentile > 0) {
        config->ttft_s = in->rules.limits.serve_ttft_ms_mlperf / 1e3;
        config->ttft_is_default = true;
    }
    if (s == SP_OK)
        s = routing_from_flag(v, &in->rules, config, err);
    /* A server's host work streaming each sequence's token every step (data/defaults.yaml); an
     * offline run streams nothing unless told. */
    bool stream = config->requests > 0 ? cli_flag(&CMD, v, "stream")->set && cli_on(&CMD, v, "stream")
                                       : cli_on(&CMD, v, "stream");
    if (s == SP_OK && stream)
        config->stream_s_per_token = in->rules.limits.serve_stream_s_per_token;
    double native_context = in->model.seq;
    if (s == SP_OK && cli_flag(&CMD, v, "context")->set)
        in->model.seq = cli_flag(&CMD, v, "context")->number; /* the user's explicit, longer context */
    /* The context given is the user's: a request past it is said to be past --context. The servers
     * the launch line starts refuse a request whose prompt and max_tokens together pass their
     * --max-model-len (vLLM's serving_engine.py _validate_input; TensorRT-LLM's max_seq_len), the
     * last token included though it takes no position: so the whole request must fit. */
    bool past = in->model.seq > 0 && config->prompt_tokens + config->output_tokens > in->model.seq;
    if (s == SP_OK && past && cli_flag(&CMD, v, "context")->set)
        s = cli_flag_error(err, "context", "%g tokens is shorter than the %g prompt + %g output tokens a request "
                                           "needs: a longer --context",
                           in->model.seq, config->prompt_tokens, config->output_tokens);

    sp_memory_constants mk = sp_rules_memory_constants(&in->rules);
    /* An MoE's split left open: tensor-parallel and expert-parallel experts are both sized. */
    config->parallelism_searched = !cli_flag(&CMD, v, "expert-parallel")->set && !cli_flag(&CMD, v, "ep")->set &&
                                   !cli_flag(&CMD, v, "attention-dp")->set;
    /* --ep N pins the experts' split; the attention over the same N GPUs is sized both ways. */
    config->attention_searched = cli_flag(&CMD, v, "ep")->set && !cli_flag(&CMD, v, "attention-dp")->set &&
                                 !config->attention_dp;
    /* trtllm-serve's line here carries neither expert parallelism nor attention DP: not searched. */
    if (config->engine == SP_ENGINE_ASK_TRTLLM)
        config->parallelism_searched = config->attention_searched = false;
    if (s == SP_OK)
        s = sp_serve_plan(&in->model, a, config, &mk, &in->rules.perf, result, err);
    /* After the library's own refusals (an encoder, a context past the model's positions). */
    if (s == SP_OK && past)
        s = cli_flag_error(err, "prompt-tokens",
                           "%g prompt + %g output tokens is beyond %s's context of %g, which the server's "
                           "--max-model-len cannot pass (give --context N to serve a longer one, e.g. with RoPE scaling)",
                           config->prompt_tokens, config->output_tokens, in->model.name[0] ? in->model.name : "the model",
                           in->model.seq);
    /* The default first-token bound is MLPerf's for 1k-token prompts; where a request alone takes
     * longer to its first token it bounds nothing but the batch, so it is dropped (the report says so). */
    if (s == SP_OK && config->ttft_is_default && result->fits && result->lone_ttft_s > config->ttft_s) {
        config->ttft_s = 0;
        config->ttft_default_dropped = true;
        s = sp_serve_plan(&in->model, a, config, &mk, &in->rules.perf, result, err);
    }
    if (s == SP_OK && !result->fits)
        s = cli_flag_error(err, "tp", "%s does not fit %s at tp %g: raise --tp or quantise", in->model.name, a->name,
                           config->tp);
    /* The engine is told to pass the checkpoint's own context only when the longest request it
     * admits does: a --context past it with requests within it needs no override. */
    if (s == SP_OK) {
        config->context_extended = native_context > 0 && result->max_model_len > native_context;
        config->native_context = native_context;
    }
    /* The split chosen is the one reported and launched (--enable-expert-parallel). */
    if (s == SP_OK && result->expert_parallel) {
        config->expert_parallel = true;
        config->attention_dp = result->attention_dp;
    }
    *unmet = ((config->ttft_s > 0 || config->tpot_s > 0) && !result->meets_targets) ||
             (config->replicas > 0 && config->qps > 0 && result->utilization > 1.0 + 1e-9);
    return s;
}

enum { SERVE_MAX_ACCELS = 8 };

/* Whether part i's fleet beats part j's: sized at all, then meeting what was asked, then priced,
 * then, under a rate, the fleet's price an hour (the rate fixes the work; fleet.c orders a part's
 * splits the same way), else (a closed loop, an offline run, one replica) a token's price, since
 * the faster part finishes the same work in fewer hours. */
static bool better_part(const sp_serve_alternative *i, const sp_serve_alternative *j)
{
    if ((i->result != NULL) != (j->result != NULL))
        return i->result != NULL;
    if (!i->result)
        return false;
    if (i->unmet != j->unmet)
        return !i->unmet;
    if (i->unpriced != j->unpriced)
        return !i->unpriced;
    double token_i = sp_serve_usd_per_million_output(i->result), token_j = sp_serve_usd_per_million_output(j->result);
    if (!(i->config->qps > 0))
        return token_i < token_j;
    double a = i->result->fleet_usd_per_hour, b = j->result->fleet_usd_per_hour;
    return a < b || (a == b && token_i < token_j);
}

/* --format profile writes what a profile can say (sp_serve_profile): a catalog model on one part,
 * the rate, lengths, targets, percentile, dtypes, engine, prefix share and price. The plan sizes the
 * fleet again from them, so a flag that steers the sizing some other way would be dropped on the
 * way: refused instead. */
static sp_status check_profile_flags(const cli_value *v, sp_error *err)
{
    static const char *const not_in_profiles[] = {
        "tp", "pp", "replicas", "batch", "concurrency", "requests", "spec-tokens", "spec-acceptance", "spec-draft",
        "draft-model", "draft-params", "routing", "max-utilization", "context", "kv-reads", "decode-attention", "decode-blocks", "gemm-tiles",
        "gpu-memory-utilization", "expert-parallel", "ep", "attention-dp", "stream"};
    if (!cli_flag(&CMD, v, "model")->set)
        return cli_flag_error(err, "format", "profile: a profile names a catalog model; give --model");
    if (!cli_flag(&CMD, v, "qps")->set)
        return cli_flag_error(err, "format", "profile: a serving profile is sized for a rate; give --qps");
    if (strchr(cli_flag(&CMD, v, "gpu")->text ? cli_flag(&CMD, v, "gpu")->text : "", ','))
        return cli_flag_error(err, "gpu", "a profile names one part: give the one to plan with --format profile");
    if (cli_flag(&CMD, v, "tpot-ms")->set && !(cli_flag(&CMD, v, "tpot-ms")->number > 0))
        return cli_flag_error(err, "tpot-ms", "0: a profile's fleet holds the default per-token bound without a "
                                              "target; give one with --format profile");
    return cli_refuse_for_profile(&CMD, v, not_in_profiles, sizeof not_in_profiles / sizeof not_in_profiles[0],
                                  "size the fleet", err);
}

int cmd_serve(int argc, char **argv)
{
    cli_value v[sizeof OPTS / sizeof OPTS[0]] = {{0}};
    sp_format format;
    int started = cli_start(&CMD, argc, argv, v, NULL, NULL, &format, CLI_HTML | CLI_PROFILE);
    if (started >= 0)
        return started;
    sp_error err;
    sp_error_clear(&err);
    if (format == SP_FORMAT_PROFILE && check_profile_flags(v, &err) != SP_OK)
        return cli_fail(&err);
    cli_inputs in;
    const sp_accel *accels[SERVE_MAX_ACCELS];
    size_t count = 0;
    sp_status s = cli_load_inputs(&CMD, v, "serving", CLI_GPU_LIST, &in, &err);
    if (s == SP_OK)
        s = cli_accel_list(&CMD, v, &in.catalog, accels, SERVE_MAX_ACCELS, &count, &err);
    static sp_serve_config configs[SERVE_MAX_ACCELS]; /* large: off the stack */
    static sp_serve_result results[SERVE_MAX_ACCELS];
    static sp_error errors[SERVE_MAX_ACCELS];
    sp_serve_alternative parts[SERVE_MAX_ACCELS];
    size_t best = 0;
    for (size_t i = 0; s == SP_OK && i < count; i++) {
        bool unmet = false;
        sp_error_clear(&errors[i]);
        sp_status part = serve_on(v, &in, accels[i], &configs[i], &results[i], &unmet, &errors[i]);
        bool unpriced = !cli_flag(&CMD, v, "usd-per-gpu-hour")->set && !(accels[i]->usd_per_hour > 0);
        parts[i] = (sp_serve_alternative){accels[i], &configs[i], part == SP_OK ? &results[i] : NULL,
                                          errors[i].message, unpriced, unmet};
        /* One part: its error is the answer. Several: a part that takes no fleet is a row that says why,
         * unless none does, when the first's error is. An internal failure stops the comparison. */
        if (part != SP_OK && (count == 1 || (part != SP_ERR_INPUT && part != SP_ERR_NO_PLAN))) {
            err = errors[i];
            s = part;
        }
        if (i > 0 && better_part(&parts[i], &parts[best]))
            best = i;
    }
    if (s == SP_OK && !parts[best].result) {
        err = errors[0];
        s = err.status;
    }
    char *text = NULL;
    if (s == SP_OK) {
        sp_serve_report report = {&in.model, accels[best], &configs[best], &results[best], &in.rules,
                                  parts[best].unpriced, count > 1 ? parts : NULL, count > 1 ? count : 0};
        text = format == SP_FORMAT_PROFILE ? sp_serve_profile(&report, &err) : sp_render_serve(&report, format, &err);
    }
    sp_accel_catalog_free(&in.catalog);
    if (!text)
        return cli_fail(&err);
    int status = cli_emit(text);
    return status == CLI_EXIT_OK && parts[best].unmet ? CLI_EXIT_UNMET : status;
}

const cli_command *cmd_serve_spec(void) { return &CMD; }
