#!/usr/bin/env bash
# Launch artifacts are safe and reproducible (issue 6): a hostile profile name runs nothing,
# existing files survive without --force, the same inputs give byte-identical files.
# usage: safety.sh STACKPLAN SOURCE_ROOT
set -u
bin=$1 root=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/stackplan-safety.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { local what=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi; }

# A name that tries every way out of a shell word, a YAML scalar and a JSON string.
name='x"; rm -rf ~; " $(touch CANARY1) `touch CANARY2` '"'"'; touch CANARY3; '"'"' \n'
python3 - "$work/hostile.yaml" "$name" <<'PY'
import sys, yaml
path, name = sys.argv[1], sys.argv[2]
profiles = [
    {"name": name, "memory_gb": 1200, "axis": "model", "train_hours": 100, "budget_usd": 5000},
    {"name": name + " serving", "params_b": 7, "qps": 10, "train_hours": 720, "budget_usd": 9000},
]
with open(path, "w", encoding="utf-8") as f:
    yaml.safe_dump(profiles, f, allow_unicode=True)
PY
check "launch accepts the hostile profile" "$bin" launch "$work/hostile.yaml" --out "$work/out" --entry 'my train.py' --entry-args "--name \$(touch CANARY4) --x ;touch CANARY5" >/dev/null

# Fake engines that only print their arguments, each in brackets so that word boundaries show;
# HOME holds a sentinel rm -rf ~ would take.
mkdir -p "$work/fakebin" "$work/home" "$work/run"
for tool in torchrun srun scontrol ray vllm trtllm-serve sleep; do
  printf '#!/bin/sh\nprintf "%%s" "%s"; printf " [%%s]" "$@"; echo\n' "$tool" >"$work/fakebin/$tool"
  chmod +x "$work/fakebin/$tool"
done
touch "$work/home/sentinel"
for script in "$work"/out/*/*.sh "$work"/out/*/job.sbatch; do
  check "bash -n $(basename "$(dirname "$script")")/$(basename "$script")" bash -n "$script"
  (cd "$work/run" && HOME="$work/home" PATH="$work/fakebin:$PATH" SLURM_JOB_NODELIST=n1 SLURM_JOB_NUM_NODES=2 \
     SLURM_JOB_ID=1 bash "$script" >>"$work/run.log" 2>&1)
done
check "no CANARY file was created by any script" test -z "$(ls "$work/run" | grep CANARY)"
check "HOME is untouched" test -f "$work/home/sentinel"
check "the entry point and its arguments reach torchrun as words" \
  grep -qF -- "[my train.py] [--name] [\$(touch] [CANARY4)] [--x] [;touch] [CANARY5]" "$work/run.log"
check "manifest.json keeps the name exactly" python3 -c "
import json, sys, glob
names = {json.load(open(p))['profile']['name'] for p in glob.glob('$work/out/*/manifest.json')}
sys.exit(0 if sys.argv[1] in names else 1)" "$name"
check "cluster.yaml names the cluster by a slug" python3 -c "
import yaml, glob, re, sys
names = [yaml.safe_load(open(p))['cluster_name'] for p in glob.glob('$work/out/*/cluster.yaml')]
sys.exit(0 if names and all(re.fullmatch('[a-z0-9-]+', n) for n in names) else 1)"

# Existing files are never overwritten without --force.
before=$(cat "$work"/out/*/manifest.json | sha256sum)
"$bin" launch "$work/hostile.yaml" --out "$work/out" --entry other.py >/dev/null 2>"$work/err"; code=$?
check "a second launch without --force exits 2" test "$code" -eq 2
check "it says which file exists" grep -q "exists (use --force to overwrite)" "$work/err"
check "and leaves the files alone" test "$before" = "$(cat "$work"/out/*/manifest.json | sha256sum)"
check "--force overwrites" "$bin" launch "$work/hostile.yaml" --out "$work/out" --entry other.py --force >/dev/null
check "no temporary file is left behind" test -z "$(find "$work/out" -name '*.tmp.*')"

# Arguments too long to quote whole are refused, not cut (a cut word would lose its quote).
long=$(printf 'a%.0s' $(seq 3000))
"$bin" launch "$root/examples/launch.yaml" --out "$work/long" --entry-args "--x=$long --y" >/dev/null 2>&1; code=$?
check "an over-long --entry-args exits 2" test "$code" -eq 2
check "and writes nothing" test ! -e "$work/long"

# A profile path the manifest cannot name (not UTF-8) is refused before anything is written.
latin1="$work/$(printf 'caf\351').yaml"
cp "$root/examples/launch.yaml" "$latin1"
"$bin" launch "$latin1" --out "$work/latin1" >/dev/null 2>&1; code=$?
check "a profile path that is not UTF-8 exits 2" test "$code" -eq 2
check "and writes nothing" test ! -e "$work/latin1"

# Byte-identical artifacts from the same inputs.
"$bin" launch "$root/examples/launch.yaml" --out "$work/a" >/dev/null
"$bin" launch "$root/examples/launch.yaml" --out "$work/b" >/dev/null
check "the same inputs give byte-identical artifacts" diff -r "$work/a" "$work/b"
check "manifest hashes its inputs" python3 -c "
import json, glob, sys
m = json.load(open(sorted(glob.glob('$work/a/*/manifest.json'))[0]))
files = {f['file'] for f in m['inputs']}
sys.exit(0 if {'data/defaults.yaml', 'data/perf.yaml'} <= files and all(len(f['sha256']) == 64 for f in m['inputs']) else 1)"
check "a data profile's manifest hashes the stage and instance catalogs it read" python3 -c "
import json, glob, sys
m = json.load(open(glob.glob('$work/a/nightly-join-of-two-3-tb-logs/manifest.json')[0]))
sys.exit(0 if {'data/stages.yaml', 'data/instances.yaml'} <= {f['file'] for f in m['inputs']} else 1)"
check "the manifest's plan carries no launch line that could contradict its script" python3 -c "
import json, glob, sys
sys.exit(0 if all('launch' not in json.load(open(p))['plan'] for p in glob.glob('$work/a/*/manifest.json')) else 1)"
check "the cluster setup line quotes each pinned package" bash -c "grep -q \"pip install .*'torch==\" '$work'/a/*/cluster.yaml"
check "requirements pin every package with == (besides the build comment and its wheel index)" bash -c "ls '$work'/a/*/requirements.txt >/dev/null && ! grep -v -e '==' -e '^# .* build (data/launch.yaml' -e '^--extra-index-url https://' '$work'/a/*/requirements.txt"
check "no package is pinned to an unknown version" bash -c "! grep -q '==?' '$work'/a/*/requirements.txt"

# The plan-carrying artifacts (Megatron arguments, axolotl, Kubernetes, SkyPilot) and the Slurm
# options are safe too: hostile names, hook and checkpoint paths run nothing.
python3 - "$work/hostile2.yaml" "$name" <<'PY'
import sys, yaml
path, name = sys.argv[1], sys.argv[2]
common = {"train_hours": 100, "budget_usd": 1e7}
profiles = [
    dict(name=name + " megatron", model="llama-3.1-70b", gpu="h100-sxm-80gb", axis="model", tokens=1e10, **common),
    dict(name=name + " qlora", model="llama-3.1-8b", gpu="rtx-4090-24gb", method="qlora", dataset_gb=0.1, **common),
]
with open(path, "w", encoding="utf-8") as f:
    yaml.safe_dump(profiles, f, allow_unicode=True)
PY
check "launch accepts hostile hook and checkpoint paths" "$bin" launch "$work/hostile2.yaml" --out "$work/out2" \
  --env-hook '$(touch CANARY7)' --checkpoint-dir "x'; touch CANARY8; '" --time-limit 1 >/dev/null
mkdir -p "$work/run2"
printf 'true\n' >"$work/run2/\$(touch CANARY7)"  # the hook exists under its literal name
: >"$work/run2/pretrain_gpt.py"  # as in a Megatron-LM checkout, where the Megatron scripts run
for script in "$work"/out2/*/*.sh "$work"/out2/*/job.sbatch; do
  check "bash -n $(basename "$(dirname "$script")" | cut -c1-20)/$(basename "$script")" bash -n "$script"
  (cd "$work/run2" && HOME="$work/home" PATH="$work/fakebin:$PATH" SLURM_JOB_NODELIST=n1 SLURM_JOB_NUM_NODES=2 \
     SLURM_JOB_ID=1 DATA_PATH=/data/x bash "$script" >>"$work/run2.log" 2>&1)
done
check "no CANARY file was created by the new artifacts" test -z "$(find "$work/run2" -name 'CANARY*' -type f)"
check "the hook is sourced as one path" grep -qF 'source '"'"'$(touch CANARY7)'"'" \
  "$(ls "$work"/out2/*/job.sbatch | head -1)"
check "the checkpoint directory reaches the run as one word" test -d "$work/run2/x'; touch CANARY8; '"
"$bin" launch "$root/examples/launch.yaml" --out "$work/bad-partition" --partition 'gpu;touch CANARY9' >/dev/null 2>"$work/err"; code=$?
check "a partition that is not a Slurm name exits 2" test "$code" -eq 2
check "and says so in one line" test "$(wc -l <"$work/err")" -eq 1
check "and writes nothing" test ! -e "$work/bad-partition"

# A run longer than --time-limit requeues itself: Slurm's USR1 (here sent by hand) lets the step
# finish saving, then the batch script asks for a requeue and exits 0.
mkdir -p "$work/slowbin" "$work/run3" "$work/run4"
: >"$work/run3/pretrain_gpt.py"
cp "$work"/fakebin/* "$work/slowbin/"
rm -f "$work/slowbin/sleep"  # the step really takes time here
printf '#!/bin/sh\n/bin/sleep 2\necho "srun finished"\n' >"$work/slowbin/srun"
chmod +x "$work/slowbin/srun"
"$bin" launch "$root/tests/launch/profiles.yaml" --out "$work/out3" --time-limit 1 >/dev/null
requeue_script="$work/out3/megatron-moe-mixtral-8x7b-on-h100s/job.sbatch"
check "a run longer than --time-limit gets a requeueing job.sbatch" grep -q "^#SBATCH --requeue" "$requeue_script"
(cd "$work/run3" && HOME="$work/home" PATH="$work/slowbin:$PATH" SLURM_JOB_NODELIST=n1 SLURM_JOB_NUM_NODES=2 \
   SLURM_JOB_ID=7 DATA_PATH=/data/x bash "$requeue_script" >"$work/run3.log" 2>&1) &
job=$!
sleep 1
pkill -USR1 -f "bash $requeue_script" 2>/dev/null || kill -USR1 "$job"
wait "$job"; code=$?
check "the signalled job exits 0" test "$code" -eq 0
check "after the step finished" grep -q "srun finished" "$work/run3.log"
check "and asked Slurm to requeue it" grep -qF "scontrol [requeue] [7]" "$work/run3.log"
# Outside a Megatron-LM checkout (the megatron-core wheel has no pretrain_gpt.py) the script stops
# at once and says where to run it.
(cd "$work/run4" && HOME="$work/home" PATH="$work/fakebin:$PATH" SLURM_JOB_NODELIST=n1 SLURM_JOB_NUM_NODES=2 \
   SLURM_JOB_ID=8 DATA_PATH=/data/x bash "$requeue_script" >"$work/run4.log" 2>&1); code=$?
check "a Megatron script outside a Megatron-LM checkout exits 1" test "$code" -eq 1
check "and says to run from one" grep -q "run from a Megatron-LM checkout: pretrain_gpt.py not found" "$work/run4.log"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
