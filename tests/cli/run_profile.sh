#!/usr/bin/env bash
# `train --format profile` writes the run it recommends as a profile: `plan` on that file must
# choose the same layout, `launch` must write its files, and what a profile cannot say is refused.
# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh" "$1" "$2"

# The layout of `train`'s best line, and of `plan`'s training line, as "tp ... recompute X".
train_layout() { sed -n 's/^best *: [0-9]* x [^,]*, //p' "$1"; }
plan_layout() { sed -n 's/^ *\(tp [0-9].*recompute [a-z]*\).*: [0-9]* tokens\/s.*/\1/p' "$1"; }

same_layout() { # name, train args...
  local name=$1; shift
  "$bin" train "$@" >"$tmp/$name.txt" || { bad "$name: train exit $?"; return; }
  "$bin" train "$@" --format profile >"$tmp/$name.yaml" || { bad "$name: train --format profile exit $?"; return; }
  "$bin" plan "$tmp/$name.yaml" >"$tmp/$name.plan" || { bad "$name: plan on the profile exit $?"; return; }
  local want got
  want=$(train_layout "$tmp/$name.txt" | sed 's/, sequence parallel$//;s/, TP overlapped$//')
  got=$(plan_layout "$tmp/$name.plan")
  if [ -z "$want" ] || [ "${want%%, sequence parallel*}" != "$got" ]; then
    bad "$name: train chose '$want', plan on its profile '$got'"
  else
    ok
  fi
  "$bin" launch "$tmp/$name.yaml" --out "$tmp/$name.out" >/dev/null || { bad "$name: launch exit $?"; return; }
  if ls "$tmp/$name.out"/*/job.sbatch >/dev/null 2>&1; then ok; else bad "$name: launch wrote no job.sbatch"; fi
}

# One part and count; then two parts, a range and a deadline (the winner is not the first option);
# then a pinned micro-batch and a price, which the profile carries.
same_layout one --model llama-3.1-8b --gpu h100-sxm-80gb --gpus 64 --tokens 1T
same_layout range --model llama-3.1-70b --gpu h100-sxm-80gb,a100-sxm-80gb --gpus 256-1024 --tokens 2T \
  --deadline-days 60
same_layout pinned --model llama-2-13b --gpu a100-sxm-80gb --gpus 32 --tokens 300B --micro-batch 1 \
  --usd-per-gpu-hour 2.5 --seq 2048 --global-batch 1024

# A pinned layout (the engineer's own choice, not the search's best) reaches the profile and its launch:
# the plan keeps tp, ep and the ZeRO stage, and Megatron's arguments in job.sbatch carry them.
same_layout layout --model qwen3-30b-a3b --gpu h100-sxm-80gb --gpus 64 --tokens 1e11 --tp 2 --ep 8 --zero 1
grep -q '^  tp: 2$' "$tmp/layout.yaml" && grep -q '^  ep: 8$' "$tmp/layout.yaml" && grep -q '^  zero: 1$' "$tmp/layout.yaml" &&
  grep -q -- '--tensor-model-parallel-size 2' "$tmp"/layout.out/*/job.sbatch &&
  grep -q -- '--expert-model-parallel-size 8' "$tmp"/layout.out/*/job.sbatch && ok ||
  bad "layout: the pins did not reach the profile or the launch"

# A cost of seven digits: budget_usd is written whole and rounded up, so the plan stays within it
# (six significant digits had rounded $2,179,911 down to 2.17991e+06, and the plan exited 3).
same_layout seven_digits --model llama-3.1-70b --gpu h100-sxm-80gb --gpus 512 --tokens 1.01e12 --seq 8192 \
  --global-batch 512
grep -q '^  budget_usd: [0-9]*$' "$tmp/seven_digits.yaml" && grep -q "within the" "$tmp/seven_digits.plan" && ok ||
  bad "seven_digits: budget_usd not whole, or the plan is over it"

# The keys carry the request: the pinned micro-batch and price, the deadline as train_hours.
grep -q '^  micro_batch: 1$' "$tmp/pinned.yaml" && grep -q '^  usd_per_gpu_hour: 2.5$' "$tmp/pinned.yaml" &&
  grep -q '^  global_batch: 1024$' "$tmp/pinned.yaml" && ok || bad "pinned: keys missing from the profile"
grep -q '^  train_hours: 1440$' "$tmp/range.yaml" && ok || bad "range: train_hours is not the 60-day deadline"

# `finetune --format profile`: the plan on the profile recommends the same fine-tune (method, count,
# layout, micro-batch, tokens/s) with the settings that made it, and launch writes its recipe.
same_fine_tune() { # name, finetune args...
  local name=$1; shift
  "$bin" finetune "$@" --format json >"$tmp/$name.json" || { bad "$name: finetune exit $?"; return; }
  "$bin" finetune "$@" --format profile >"$tmp/$name.yaml" || { bad "$name: finetune --format profile exit $?"; return; }
  "$bin" plan "$tmp/$name.yaml" --format json >"$tmp/$name.plan.json" || { bad "$name: plan on the profile exit $?"; return; }
  python3 - "$tmp/$name.json" "$tmp/$name.plan.json" <<'PY' && ok || bad "$name: plan on the profile differs"
import json, sys
ft = json.load(open(sys.argv[1]))
want = ft["options"][ft["recommended"]]
got = json.load(open(sys.argv[2]))["plans"][0]["fine_tune"]
keys = ["method", "gpus", "sharding", "checkpointing", "offload", "micro_batch", "seq"]
diff = [(k, want["config"][k], got[k]) for k in keys if want["config"][k] != got[k]]
if diff or abs(want["tokens_per_s"] - got["tokens_per_s"]) > 0.05:
    sys.exit(f"{diff}, tokens/s {want['tokens_per_s']} against {got['tokens_per_s']}")
PY
  "$bin" launch "$tmp/$name.yaml" --out "$tmp/$name.out" >/dev/null || { bad "$name: launch exit $?"; return; }
  if ls "$tmp/$name.out"/*/axolotl.yml >/dev/null 2>&1; then ok; else bad "$name: launch wrote no axolotl.yml"; fi
}
same_fine_tune ft_qlora --model llama-3.1-8b --gpu rtx-4090-24gb --method qlora --tokens 50M
# offload chosen where nothing else fits (70B QLoRA on one 3090), and settings off their defaults
same_fine_tune ft_offload --model llama-3.1-70b --gpu rtx-3090-24gb --gpus 1 --method qlora --tokens 10M
same_fine_tune ft_settings --model llama-3.1-8b --gpu a100-sxm-80gb --gpus 2 --method lora --lora-rank 16 \
  --lora-targets attn --chunked-loss --fused-kernels --seq 4096 --tokens 100M
grep -q '^  offload: optimizer+params$' "$tmp/ft_offload.yaml" && grep -q 'fsdp_offload_params: true' "$tmp"/ft_offload.out/*/axolotl.yml &&
  ok || bad "ft_offload: the profile or the recipe lost the offload"
grep -q '^  lora_rank: 16$' "$tmp/ft_settings.yaml" && grep -q '^  lora_targets: q,k,v,o$' "$tmp/ft_settings.yaml" &&
  grep -q '^  chunked_loss: true$' "$tmp/ft_settings.yaml" && ok || bad "ft_settings: keys missing from the profile"
# the passes over the data reach axolotl.yml's num_epochs (the profile had folded 3 epochs into one
# pass of three times the tokens), and the adapter, quantisation and checkpointing switches survive
same_fine_tune ft_switches --model llama-3.1-8b --gpu rtx-4090-24gb --method qlora --dataset-gb 0.05 --epochs 3 \
  --train-embeddings --no-double-quant --kbit-upcast --no-reentrant-checkpointing --lora-dropout 0.1
grep -q '^  dataset_gb: 0.05$' "$tmp/ft_switches.yaml" && grep -q '^  epochs: 3$' "$tmp/ft_switches.yaml" &&
  grep -q '^num_epochs: 3$' "$tmp"/ft_switches.out/*/axolotl.yml && grep -q '^lora_dropout: 0.1$' "$tmp"/ft_switches.out/*/axolotl.yml &&
  grep -q '^ *bnb_4bit_use_double_quant: false$' "$tmp"/ft_switches.out/*/axolotl.yml &&
  grep -q '^- embed_tokens$' "$tmp"/ft_switches.out/*/axolotl.yml && ok || bad "ft_switches: epochs or switches lost on the way to the recipe"

# a tuned checkpoint asked for stays the model launched (it had become the base of the same shape)
same_fine_tune ft_tuned --model meta-llama/Llama-3.1-8B-Instruct --gpu rtx-4090-24gb --method qlora --tokens 10M
grep -q '^  model: meta-llama/Llama-3.1-8B-Instruct$' "$tmp/ft_tuned.yaml" &&
  grep -q '^base_model: meta-llama/Llama-3.1-8B-Instruct$' "$tmp"/ft_tuned.out/*/axolotl.yml && ok ||
  bad "ft_tuned: the Instruct checkpoint became its base"

"$bin" finetune --model llama-3.1-405b --gpu rtx-3090-24gb --gpus 1 --method full --format profile >"$tmp/none.yaml"
code=$?
[ $code -eq 3 ] && grep -q '^# .*nothing fits' "$tmp/none.yaml" && ok || bad "finetune --format profile, nothing fits: exit $code"

# What a profile cannot say is bad input (exit 2, one line on stderr, nothing on stdout).
refused() { # flag-in-message, args...
  local want=$1; shift
  "$bin" train "$@" --format profile >"$tmp/out" 2>"$tmp/err"; local code=$?
  if [ $code -eq 2 ] && [ ! -s "$tmp/out" ] && grep -qF -- "$want" "$tmp/err"; then ok
  else bad "refused $*: exit $code, stderr '$(cat "$tmp/err")'"; fi
}
refused "--sequence-parallel:" --model llama-3.1-8b --gpu h100-sxm-80gb --gpus 64 --tp 2 --sequence-parallel
refused "--recompute:" --model llama-3.1-8b --gpu h100-sxm-80gb --gpus 64 --recompute full
refused "--format: profile: a profile names a catalog model" --params 7e9 --gpu h100-sxm-80gb --gpus 8
refused "--method:" --model llama-3.1-8b --gpu h100-sxm-80gb --gpus 1 --method lora
refused "--usd-per-gpu-hour:" --model llama-3.1-8b --gpu h100-sxm-96gb-hbm2e --gpus 8
"$bin" serve --model llama-3.1-8b --gpu h100-sxm-80gb --format profile >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "a serving profile is sized for a rate; give --qps" "$tmp/err" && ok || bad "serve wrote a profile without a rate"

# Nothing fits: exit 3, a comment on stdout saying so, nothing on stderr.
"$bin" train --model llama-3.1-405b --gpu a100-sxm-40gb --gpus 8 --global-batch 256 --format profile \
  >"$tmp/out" 2>"$tmp/err"
code=$?
[ $code -eq 3 ] && [ ! -s "$tmp/err" ] && grep -q '^# .*no layout fits' "$tmp/out" && ok ||
  bad "nothing fits: exit $code, stderr $(wc -c <"$tmp/err") bytes"

# A served profile's two launches, serve.sh's vllm serve line and serve_app.py's engine arguments,
# name the same dtype, KV cache dtype and quantization.
cat >"$tmp/serve.yaml" <<'YAML'
- name: Serve 70B fp8
  model: llama-3.1-70b
  gpu: h100-sxm-80gb
  weight_dtype: fp8
  kv_dtype: fp8
  qps: 40
  train_hours: 720
  budget_usd: 100000
- name: Serve 70B bf16
  model: llama-3.1-70b
  gpu: h100-sxm-80gb
  qps: 20
  train_hours: 720
  budget_usd: 100000
YAML
"$bin" launch "$tmp/serve.yaml" --out "$tmp/serve.out" >/dev/null || bad "serve launch exit $?"
for d in "$tmp"/serve.out/*/; do
  line=$(grep -o 'vllm serve .*' "$d/serve.sh")
  for pair in "dtype:--dtype" "kv_cache_dtype:--kv-cache-dtype" "quantization:--quantization"; do
    key=${pair%%:*} flag=${pair#*:}
    app=$(sed -n "s/^ *\"$key\": \"\(.*\)\",\$/\1/p" "$d/serve_app.py")
    cli=$(printf '%s\n' "$line" | sed -n "s/.* $flag \([^ ]*\).*/\1/p")
    [ "$app" = "$cli" ] && ok || bad "$(basename "$d"): serve_app.py $key '$app', serve.sh $flag '$cli'"
  done
done
grep -q '"quantization": "fp8"' "$tmp"/serve.out/serve-70b-fp8/serve_app.py && ok || bad "fp8 app lacks its quantization"

# `serve --format profile` writes the fleet as a profile: `plan` on it sizes the same replicas, batch
# and engine line, and `launch` writes the engine's files; what a profile cannot say is refused.
same_fleet() { # name, serve args...
  local name=$1; shift
  "$bin" serve "$@" >"$tmp/$name.txt"
  "$bin" serve "$@" --format profile >"$tmp/$name.yaml" || { bad "$name: serve --format profile exit $?"; return; }
  "$bin" plan "$tmp/$name.yaml" >"$tmp/$name.plan"
  local want got
  want=$(sed -n 's/^launch *: \(.*--port 8000\|vllm serve [^(]*[^ (]\).*/\1/p' "$tmp/$name.txt" | sed 's/ *$//')
  got=$(sed -n 's/^  engine launch *: //p' "$tmp/$name.plan" | sed 's/ *$//')
  [ -n "$want" ] && [ "$want" = "$got" ] && ok || bad "$name: serve launches '$want', plan on its profile '$got'"
  grep -q "$(sed -n 's/^fleet *: \([0-9]* replica(s)\).*/\1/p' "$tmp/$name.txt")" "$tmp/$name.plan" && ok ||
    bad "$name: plan on the profile sized another fleet"
  "$bin" launch "$tmp/$name.yaml" --out "$tmp/$name.out" >/dev/null && ls "$tmp/$name.out"/*/serve.sh >/dev/null 2>&1 &&
    ok || bad "$name: launch wrote no serve.sh"
}
same_fleet sglang --model llama-3.1-70b --gpu h100-sxm-80gb --qps 20 --percentile 95 --prompt-tokens 2000 \
  --output-tokens 300 --ttft-ms 1000 --tpot-ms 50 --weight-dtype fp8 --kv-dtype fp8 --engine sglang --prefix-share 0.5
same_fleet vllm --model llama-3.1-8b --gpu l4-pcie-24gb --qps 3 --prompt-tokens 1000 --output-tokens 200 --tpot-ms 60
"$bin" serve --model llama-3.1-8b --gpu l4-pcie-24gb --qps 3 --tp 2 --format profile >/dev/null 2>"$tmp/tp.err"
[ $? -eq 2 ] && grep -q -- "--tp: a profile has no key for it" "$tmp/tp.err" && ok || bad "serve --tp --format profile not refused"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
