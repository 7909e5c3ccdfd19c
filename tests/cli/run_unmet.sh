#!/usr/bin/env bash
# Requests that are understood but that no plan meets exit 3, with the report that says why on
# stdout and nothing on stderr (docs/CLI.md, exit statuses).
# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh" "$1" "$2"

check() { # expected-stdout-substring args...
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"; local code=$?
  if [ $code -ne 3 ] || [ -s "$tmp/err" ] || ! grep -qF -- "$want" "$tmp/out"; then
    echo "FAIL $*: exit $code (want 3), stderr $(wc -c <"$tmp/err") bytes (want 0), stdout lacks '$want'"
    fail=$((fail+1))
  else
    pass=$((pass+1))
  fi
}

# 405B on 8 A100-40GB: nothing fits; 256 is the first power of two past 8 that does (6.5 TB of state).
check "256 x a100-sxm-40gb is the first power of two past the counts asked that fits" \
  "$bin" train --model llama-3.1-405b --gpu a100-sxm-40gb --gpus 8 --global-batch 256
check '"fits_from_gpus": 256' \
  "$bin" train --model llama-3.1-405b --gpu a100-sxm-40gb --gpus 8 --global-batch 256 --format json
# A 3B at 32k tokens on 3090s: the search probes what fits instead of guessing (more GPUs shard
# the weights, not the activations, and do not help here).
check "nothing fits, offload included; each of these fits alone: --seq 8192; else a card with more memory" \
  "$bin" finetune --model llama-3.2-3b --gpu rtx-3090-24gb --gpus 1-4 --tokens 5e7 --seq 32768
# A full fine-tune of 405B on one 3090.
check "nothing fits" "$bin" finetune --model llama-3.1-405b --gpu rtx-3090-24gb --gpus 1 --method full
# 405B on 4090s: QLoRA was tried and 8 is the most a card without a network reaches, so the advice
# names neither but the sequence the search found to fit; the headroom the fit keeps is named.
check "nothing fits, offload included; each of these fits alone: --seq 512; else a card with more memory" \
  "$bin" finetune --model llama-3.1-405b --gpu rtx-4090-24gb --dataset-gb 0.1
check "24.5 GB usable of the card's 25.8 (memory_headroom)" \
  "$bin" finetune --model llama-3.1-405b --gpu rtx-4090-24gb --dataset-gb 0.1
# 70B QLoRA on one 4090 with 32 GB of host memory: only the host is short, so the advice is the
# host memory it needs, not more GPUs (which the server's copy does not shrink).
check "nothing fits in the host memory given: the offloaded state needs at least 39.3 GB on the server (--host-gb 40)" \
  "$bin" finetune --model llama-3.1-70b --gpu rtx-4090-24gb --gpus 1 --method qlora --tokens 1e7 --host-gb 32
# 70B QLoRA on one 4090 with offload pinned off: the pin is the cause, and the advice says so.
check "nothing fits, with --offload none; each of these fits alone: offload as the search picks it (no --offload), --gpus 4; else a card with more memory" \
  "$bin" finetune --model llama-3.1-70b --gpu rtx-4090-24gb --gpus 1 --method qlora --offload none
check '"offload": true' \
  "$bin" finetune --model llama-3.1-70b --gpu rtx-4090-24gb --gpus 1 --method qlora --offload none --format json
# Host memory short and the card too (212 GB at 64k tokens): the card's advice, not a host figure
# that would still fail; more GPUs and shorter sequences were probed and do not fit either.
check "nothing fits, offload included, nor with a chunked loss, more GPUs or a --seq down to 256: QLoRA (--method qlora) or a card with more memory" \
  "$bin" finetune --model llama-3.1-70b --gpu rtx-4090-24gb --gpus 1 --method lora --tokens 1e6 --seq 65536 --context 131072 --host-gb 100
# A pinned micro-batch that does not fit where a smaller one does: the memory at the pinned one, the
# largest that fits, and the advice to lower it.
check "38.0 GB a GPU at micro-batch 8 (1 GPU, ckpt, offload optimizer+params), 24.5 GB usable of the card's 25.8 (memory_headroom); micro-batch 4 fits (--micro-batch)" \
  "$bin" finetune --model llama-3.1-8b --gpu rtx-4090-24gb --gpus 1 --method full --micro-batch 8 --offload optimizer+params --tokens 1e8
check "each of these fits alone: --chunked-loss, --seq 1024, a smaller --micro-batch; else QLoRA (--method qlora) or a card with more memory" \
  "$bin" finetune --model llama-3.1-8b --gpu rtx-4090-24gb --gpus 1 --method full --micro-batch 8 --offload optimizer+params --tokens 1e8
check "job     : 100M tokens to train on; bf16, adamw" \
  "$bin" finetune --model llama-3.1-8b --gpu rtx-4090-24gb --gpus 1 --method full --micro-batch 8 --offload optimizer+params --tokens 1e8
# The same on cards without a network in the training search: it says a job spans one server.
check "has no published network, so a job spans at most one server of 8" \
  "$bin" train --model llama-3.1-405b --gpu rtx-4090-24gb --gpus 8
# One millisecond a token for a 70B model.
check "NOT met at any batch" "$bin" serve --model llama-2-70b --gpu h100-sxm-80gb --tpot-ms 1
# plan prints every profile and exits 3 when one misses its budget, as train and finetune do.
check "OVER the \$2,000,000 budget" "$bin" plan examples/models.yaml
check "warning: no batch of this model on this gpu meets the profile's latency targets" "$bin" plan tests/golden/plan_missed.yaml
# A per-token target no split and batch meets: the fastest split alone is named, and the fleet is
# sized for 1.1 x it on that split (24 GPUs), not left at a cheap split's batch 1 (128 GPUs near 30
# ms, whose replicas the rate multiplied).
check "NOT met by any split or batch: a request alone takes at best 30.0 ms a token and 113.9 ms to its first token (tp 8, the fastest split, fp8 weights)" \
  "$bin" serve --model llama-3.1-405b --gpu h100-sxm-80gb --weight-dtype fp8 --qps 2 --tpot-ms 25
check "24 GPUs, sized for the nearest targets in reach (targets, above)" \
  "$bin" serve --model llama-3.1-405b --gpu h100-sxm-80gb --weight-dtype fp8 --qps 2 --tpot-ms 25
# The same question under --percentile gets the same fleet (a 70B at 5 ms a token: 3 tp-8 replicas).
check "fleet       : 3 replica(s) x 8 GPU(s) = 24 GPUs" \
  "$bin" serve --model llama-3.1-70b --gpu h100-sxm-80gb --qps 5 --tpot-ms 5 --percentile 95
check "fleet       : 3 replica(s) x 8 GPU(s) = 24 GPUs, sized for the nearest targets in reach" \
  "$bin" serve --model llama-3.1-70b --gpu h100-sxm-80gb --qps 5 --tpot-ms 5
# A per-token target under a lone request's decode step on a pinned split: no replica count meets
# it, and the report says what a request alone takes there.
check "NOT met, at any replica count: a request alone takes at best 27.0 ms a token and 104.8 ms to its first token (tp 2, pinned" \
  "$bin" serve --model llama-3.1-70b --gpu h200 --qps 35 --tpot-ms 16 --percentile 95 --tp 2
# A first-token target under any replica's prefill: the fleet is sized for the nearest targets in
# reach (1.1 x the fastest split's lone first token), not left at batch 1 where its replicas queue.
check "the fleet is sized instead for first tokens within 8.0 ms (1.1 x 7.2)" \
  "$bin" serve --model llama-3.1-8b --gpu h100-sxm-80gb --qps 50 --ttft-ms 1 --percentile 95
check "first token 7 / 8 / 8 / 9 ms" \
  "$bin" serve --model llama-3.1-8b --gpu h100-sxm-80gb --qps 50 --ttft-ms 1 --percentile 95
check '"ttft_s_sized_for": 0.007967' \
  "$bin" serve --model llama-3.1-8b --gpu h100-sxm-80gb --qps 50 --ttft-ms 1 --percentile 95 --format json
# A deadline no option meets: the report names the miss and picks the fastest (no budget given).
check "warning     : no option finishes by the deadline; this is the fastest" \
  "$bin" train --model llama-2-70b --gpu a100-sxm-80gb,h100-sxm-80gb,mi300x-oam-192gb --gpus 64-256 --global-batch 512 --tokens 2T --deadline-days 60
# A deadline out of reach within a budget: the budget is kept (4,096 GPUs, $46.7M), not dropped
# for the fastest count (65,536 GPUs at a few percent MFU, $665M).
check "best        : 4096 x h100-sxm-80gb" \
  "$bin" train --model llama-3.1-70b --gpu h100-sxm-80gb --tokens 15T --gpus 64-65536 --budget-usd 5e7 --deadline-days 4.17
check "no option within the budget finishes by the deadline; this is the fastest within the budget" \
  "$bin" train --model llama-3.1-70b --gpu h100-sxm-80gb --tokens 15T --gpus 64-65536 --budget-usd 5e7 --deadline-days 4.17
check '"meets_constraints": false' \
  "$bin" train --model llama-3.1-70b --gpu h100-sxm-80gb --tokens 15T --gpus 64-65536 --budget-usd 5e7 --deadline-days 4.17 --format json
# Counts in any order, one of them odd: powers of two past the largest (3 doubled, 6, 12, 24 ...,
# split nothing and had read as "nor at 2^16 times").
check "16 x h100-sxm-80gb is the first power of two past the counts asked that fits" "$bin" train --model llama-3.1-70b --gpu h100-sxm-80gb --gpus 1,3 --tokens 1e11
# Only the budget missed: more GPUs shorten a fine-tune, never cheapen it, so none are advised.
check "(nothing meets the targets: the best of what fits)" \
  "$bin" finetune --model llama-3.1-8b --gpu rtx-4090-24gb --dataset-gb 1 --budget-usd 1
# memory with a part named: a job that does not fit it is answered, and the target missed.
check "fits        : rtx-4090-24gb (25.8 GB = 24.0 GiB): NO" \
  "$bin" memory --model llama-3.1-8b --gpu rtx-4090-24gb --method qlora --micro-batch 4
check "fits         : NO" "$bin" memory --model llama-3.1-70b --gpu h100-sxm-80gb
check "fits         : NO" "$bin" memory --model llama-3.1-70b --mode infer --gpu h100-sxm-80gb --weight-dtype int4 \
  --kv-dtype fp8 --batch 32 --seq 8192
# A pinned replica count the rate swamps: its queue grows without bound, whatever the targets.
check "requests queue without bound" "$bin" serve --model llama-3.1-70b --gpu h100-sxm-80gb --qps 20 --replicas 1
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
