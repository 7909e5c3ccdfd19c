#!/usr/bin/env bash
# The launch kit on real engines (issue 6). usage: run.sh STACKPLAN SOURCE_ROOT
set -u
bin=$1 root=$(cd "$2" && pwd)
here="$root/tests/launch"
work=$(mktemp -d /tmp/stackplan-launch.XXXXXX)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

source "$here/slurm_cluster.sh"
cleanup() { slurm_stop; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap slurm_stop EXIT
export TMPDIR="$work/tmp" PYTHONDONTWRITEBYTECODE=1
mkdir -p "$TMPDIR"
PATH="/usr/bin:/usr/sbin:$PATH"  # Debian's python3 with torch, and the Slurm daemons
smoke="$root/examples/ddp_smoke.py"
profiles="$root/examples/launch.yaml"

for tool in torchrun sbatch slurmctld slurmd munged python3; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed (scripts/install-deps.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
done

# --- generate: GPU artifacts, and the CPU variant the smoke runs use
check "launch writes the GPU artifacts" "$bin" launch "$profiles" --out "$work/gpu" --entry "$smoke" >/dev/null
check "launch writes the CPU variant" "$bin" launch "$profiles" --out "$work/cpu" --cpu --nproc-per-node 2 --rdzv-port $((30000 + RANDOM % 20000)) --entry "$smoke" >/dev/null
slurm_dir="two-node-training-on-a-slurm-cluster"
one_node="fine-tune-on-one-node"

# --- the plan's one-node launch line runs what torchrun.sh runs, sharding flags included (capstone
# profile A's line had said accelerate --use_fsdp while every script ran plain DDP)
"$bin" launch "$root/examples/capstone.yaml" --out "$work/capstone" >/dev/null
"$bin" plan "$root/examples/capstone.yaml" --format json >"$work/capstone.json"
"$bin" launch "$here/profiles.yaml" --out "$work/kit" >/dev/null
"$bin" plan "$here/profiles.yaml" --format json >"$work/kit.json"
check "each plan's torchrun line is its torchrun.sh's command" python3 - "$work/capstone.json" "$work/capstone" <<'PY'
import json, os, re, sys
plans, out = json.load(open(sys.argv[1]))["plans"], sys.argv[2]
dirs = {json.load(open(os.path.join(out, d, "manifest.json")))["profile"]["name"]: d for d in os.listdir(out)}
compared = 0
for p in plans:
    script = os.path.join(out, dirs[p["name"]], "torchrun.sh")
    if not p["launch"].startswith("torchrun --standalone") or not os.path.isfile(script):
        continue
    text = re.sub(r"\\\n", " ", open(script).read())
    ran = [l for l in text.split("\n") if l.startswith("exec torchrun ")][0][len("exec "):]
    # the script's own plumbing: extra torchrun arguments, and axolotl's output_dir from the
    # CHECKPOINT_DIR the script exports (the plan's line runs with the recipe's output_dir)
    ran = ran.replace("${TORCHRUN_EXTRA_ARGS:-} ", "").replace(' --output_dir "$CHECKPOINT_DIR"', "")
    if ran != p["launch"]:
        sys.exit(f"{p['name']}: plan says {p['launch']!r}, torchrun.sh runs {ran!r}")
    compared += 1
sys.exit(0 if compared >= 2 else "fewer than two one-node training plans to compare")
PY
# ... and every plan's line names files launch wrote: Ray's for `ray up`, SkyPilot's for `sky launch`
# (multi-node torchtitan and Megatron plans on the managed tier had said `ray up` with no Ray files)
check "each plan's launch line runs files launch wrote" python3 - "$work/kit.json" "$work/kit" "$work/capstone.json" "$work/capstone" <<'PY'
import json, os, sys
seen = set()
for plans_file, out in zip(sys.argv[1::2], sys.argv[2::2]):
    dirs = {json.load(open(os.path.join(out, d, "manifest.json")))["profile"]["name"]: d for d in os.listdir(out)}
    for p in json.load(open(plans_file))["plans"]:
        files = set(os.listdir(os.path.join(out, dirs[p["name"]])))
        words = p["launch"].split()
        kind = "sky serve" if words[:2] == ["sky", "serve"] else words[0]   # a SkyPilot service runs serve.sh
        need = {"ray": {"ray.sh", "cluster.yaml"}, "sky": {"sky_task.yaml", "node_run.sh"},
                "sky serve": {"sky_task.yaml", "serve.sh"}}.get(kind, set())
        if not need <= files:
            sys.exit(f"{p['name']}: '{p['launch'][:60]}' needs {sorted(need - files)}, launch wrote {sorted(files)}")
        seen.add(kind)
sys.exit(0 if {"ray", "sky", "sky serve"} <= seen else f"only {sorted(seen)} lines: a Ray, a SkyPilot and a SkyPilot service plan are wanted")
PY

# Every plan's launch line is one shell command as printed: it splits into words, and an sbatch --wrap
# is one word with nothing after it (a quote inside the wrap had ended it, leaving a stray word sbatch
# took for its script)
"$bin" plan "$root/examples/launch.yaml" --format json >"$work/launch_plans.json"
check "every plan's launch line is well-quoted shell" python3 - "$work/capstone.json" "$work/kit.json" "$work/launch_plans.json" <<'PY'
import json, shlex, subprocess, sys
seen = 0
for f in sys.argv[1:]:
    for p in json.load(open(f))["plans"]:
        line = p["launch"].split("   #")[0]
        try:
            words = shlex.split(line)
        except ValueError as e:
            sys.exit(f"{p['name']}: {e}: {line}")
        if subprocess.run(["bash", "-n"], input=line, text=True).returncode != 0:
            sys.exit(f"{p['name']}: bash -n refuses {line}")
        if words[0] == "sbatch":
            wrap = [i for i, w in enumerate(words) if w.startswith("--wrap=")]
            if not wrap or wrap[0] != len(words) - 1:
                sys.exit(f"{p['name']}: words after sbatch's --wrap: {words[wrap[0] + 1:] if wrap else words}")
            seen += 1
sys.exit(0 if seen else "no sbatch line among the plans")
PY

# a plan whose line runs the Ray Serve app over every replica has a manifest that does too (a one-node
# plan's manifest had said ./serve.sh, one replica of them)
check "the manifest's launch runs what the plan's line runs" python3 - "$work/capstone.json" "$work/capstone" "$work/kit.json" "$work/kit" <<'PY'
import json, os, sys
seen = 0
for plans_file, out in zip(sys.argv[1::2], sys.argv[2::2]):
    dirs = {json.load(open(os.path.join(out, d, "manifest.json")))["profile"]["name"]: d for d in os.listdir(out)}
    for p in json.load(open(plans_file))["plans"]:
        launch = json.load(open(os.path.join(out, dirs[p["name"]], "manifest.json")))["launch"]
        if "serve_app:app" in p["launch"]:
            if launch not in (p["launch"], "./ray.sh"):
                sys.exit(f"{p['name']}: the plan runs {p['launch']!r}, the manifest {launch!r}")
            seen += 1
sys.exit(0 if seen >= 2 else "fewer than two plans run a Ray Serve app")
PY

# a plan whose train.py gets HF Trainer's --fsdp or --deepspeed installs the Trainer: transformers and
# accelerate (and deepspeed) are in its requirements (capstone A's had torch and Ray alone)
check "HF Trainer's sharding flags come with transformers and accelerate" python3 - "$work/capstone.json" "$work/capstone" "$work/kit.json" "$work/kit" <<'PY'
import json, os, re, sys
seen = 0
for plans_file, out in zip(sys.argv[1::2], sys.argv[2::2]):
    dirs = {json.load(open(os.path.join(out, d, "manifest.json")))["profile"]["name"]: d for d in os.listdir(out)}
    for p in json.load(open(plans_file))["plans"]:
        flag = re.search(r"train\.py (--fsdp|--deepspeed)", p["launch"])
        if not flag:
            continue
        reqs = set(re.findall(r"^([a-z0-9_-]+)", open(os.path.join(out, dirs[p["name"]], "requirements.txt")).read(), re.M))
        need = {"transformers", "accelerate"} | ({"deepspeed"} if flag.group(1) == "--deepspeed" else set())
        if not need <= reqs:
            sys.exit(f"{p['name']}: {p['launch']!r} without {sorted(need - reqs)} in requirements.txt")
        seen += 1
sys.exit(0 if seen else "no plan runs train.py with HF Trainer's sharding flags")
PY

# a fine-tune installs axolotl alone, which pins torch, transformers, peft, trl, accelerate and
# bitsandbytes exactly (v0.18.0 pyproject.toml): pins of our own beside them made pip's resolution
# impossible; FlashAttention-2 is built after, against the installed torch
check "a fine-tune's requirements leave axolotl's pins to axolotl" python3 - "$work/kit" "$work/capstone" <<'PY'
import glob, os, re, sys
owned = {"torch", "transformers", "peft", "trl", "accelerate", "bitsandbytes", "deepspeed"}
seen = 0
for out in sys.argv[1:]:
    for recipe in glob.glob(os.path.join(out, "*", "axolotl.yml")):
        d = os.path.dirname(recipe)
        reqs = open(os.path.join(d, "requirements.txt")).read()
        pins = set(re.findall(r"^([a-z0-9_-]+)", reqs, re.M))
        if "axolotl" not in pins or pins & owned:
            sys.exit(f"{d}: pins {sorted(pins)}")
        if "flash_attention: true" in open(recipe).read() and "--no-build-isolation flash-attn==" not in reqs:
            sys.exit(f"{d}: flash_attention without FlashAttention-2's install")
        seen += 1
sys.exit(0 if seen >= 2 else "fewer than two fine-tunes launched")
PY

# HF Trainer refuses a ds_config.json whose batch and precision differ from its own arguments: the
# default train.py gets the numbers ds_config.json fixes (it had the Trainer's defaults, 8 and 1),
# and the layout's recompute as --gradient_checkpointing (the kit's DeepSpeed profile)
check "train.py gets the batch and checkpointing its ds_config.json and layout fix" python3 - "$work/kit" "$work/kit.json" <<'PY'
import glob, json, os, re, sys
seen = 0
slug = lambda name: re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
plans = {slug(p["name"]): p for p in json.load(open(sys.argv[2]))["plans"]}
for ds in glob.glob(os.path.join(sys.argv[1], "*", "ds_config.json")):
    d = os.path.dirname(ds)
    cfg = json.load(open(ds))
    if "auto" in json.dumps(cfg.get("train_micro_batch_size_per_gpu")):
        continue  # a fine-tune's: the recipe's values fill it
    for script in ("torchrun.sh", "job.sbatch", "ray_train.py"):
        path = os.path.join(d, script)
        if not os.path.isfile(path):
            continue
        text = open(path).read().replace('"', " ").replace(",", " ")
        mb = re.search(r"--per_device_train_batch_size\s+(\d+)", text)
        acc = re.search(r"--gradient_accumulation_steps\s+(\d+)", text)
        if not mb or not acc or int(mb.group(1)) != cfg["train_micro_batch_size_per_gpu"] or \
                int(acc.group(1)) != cfg["gradient_accumulation_steps"] or ("bf16" in cfg) != ("--bf16" in text):
            sys.exit(f"{path}: the Trainer's batch differs from ds_config.json's")
        recompute = plans[os.path.basename(d)]["training"]["recompute"]
        if (recompute == "full") != ("--gradient_checkpointing" in text) or recompute not in ("none", "full"):
            sys.exit(f"{path}: recompute {recompute} and the Trainer's --gradient_checkpointing disagree")
        seen += 1
# a DDP plan's train.py (no ds_config.json) gets the Trainer's batch as the plan sized it too
ddp = 0
for name, plan in plans.items():
    t = plan.get("training") or {}
    if t.get("framework") != "PyTorch DDP":
        continue
    text = open(os.path.join(sys.argv[1], name, "torchrun.sh")).read()
    accum = round(t["global_batch"] / (t["micro_batch"] * t["dp"]))
    want = f"--per_device_train_batch_size {t['micro_batch']} --gradient_accumulation_steps {accum} --max_steps"
    if want not in text:
        sys.exit(f"{name}/torchrun.sh: no '{want}'")
    ddp += 1
sys.exit(0 if seen and ddp else "no DeepSpeed or no DDP pre-training launched")
PY

# Megatron takes --fp8-param-gather with its distributed optimizer only (arguments.py asserts it):
# the fp8 plans with ZeRO-1 and up get it, a ZeRO-0 one (sized with bf16 weights) does not
check "fp8 weights are gathered in fp8 where the distributed optimizer runs, and only there" python3 - "$work/kit" "$work/kit.json" <<'PY'
import json, os, re, sys
slug = lambda name: re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
seen = set()
for p in json.load(open(sys.argv[2]))["plans"]:
    t = p.get("training") or {}
    script = os.path.join(sys.argv[1], slug(p["name"]), "job.sbatch" if p.get("nodes", 1) > 1 else "torchrun.sh")
    if not t.get("framework", "").startswith("Megatron") or not os.path.isfile(script):
        continue
    text = open(script).read()
    if "--fp8-format hybrid" not in text:  # --precision fp8 (MXFP8 writes e4m3)
        continue
    if ("--fp8-param-gather" in text) != (t["zero"] >= 1) or ("--use-distributed-optimizer" in text) != (t["zero"] >= 1):
        sys.exit(f"{script}: ZeRO-{t['zero']} and --fp8-param-gather / --use-distributed-optimizer disagree")
    seen.add(t["zero"] >= 1)
sys.exit(0 if seen == {True, False} else f"fp8 Megatron plans with and without the distributed optimizer wanted, got {seen}")
PY

# every Ray Serve app parses, and its replicas take the plan's GPUs: replicas x tp x pp x dp (a
# serving plan with no model named had provisioned 6 GPUs and launched one 2-GPU replica)
"$bin" plan "$root/examples/models.yaml" --format json >"$work/models.json"
"$bin" launch "$root/examples/models.yaml" --out "$work/models" >/dev/null
check "every serve_app.py parses and runs the plan's GPUs" python3 - "$work/capstone.json" "$work/capstone" "$work/kit.json" "$work/kit" "$work/models.json" "$work/models" <<'PY'
import ast, json, os, sys
seen = 0
for plans_file, out in zip(sys.argv[1::2], sys.argv[2::2]):
    dirs = {json.load(open(os.path.join(out, d, "manifest.json")))["profile"]["name"]: d for d in os.listdir(out)}
    for p in json.load(open(plans_file))["plans"]:
        path = os.path.join(out, dirs[p["name"]], "serve_app.py")
        if not os.path.isfile(path):
            continue
        text = open(path).read()
        tree = ast.parse(text)
        call = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "llm_config")
        kw = {k.arg: k.value for k in call.keywords}
        deployment = ast.literal_eval(kw["deployment_config"])
        engine = ast.literal_eval(kw["engine_kwargs"])
        dp = engine.get("data_parallel_size", 1)
        # Ray Serve LLM reserves tensor x pipeline GPUs a replica under build_openai_app, and DP groups
        # of num_replicas x data_parallel_size x tensor_parallel_size under build_dp_openai_app only
        builder = "build_dp_openai_app" if dp > 1 else "build_openai_app"
        if f"app = {builder}(" not in text:
            sys.exit(f"{p['name']}: data_parallel_size {dp} built with the wrong builder")
        replicas = deployment["num_replicas"] if dp > 1 else deployment["autoscaling_config"]["min_replicas"]
        per_replica = engine["tensor_parallel_size"] * engine.get("pipeline_parallel_size", 1) * dp
        if replicas * per_replica != p["gpus"]:
            sys.exit(f"{p['name']}: {replicas} replicas x {per_replica} GPUs, the plan provisions {p['gpus']}")
        seen += 1
sys.exit(0 if seen >= 2 else f"{seen} Ray Serve apps: a named and an unnamed model's are wanted")
PY

# vLLM on ROCm: no wheel exists, so the SkyPilot task and the Ray cluster run AMD's rocm/vllm image
# and pip installs neither vllm nor a torch that would replace the image's own
check "vLLM on ROCm runs in its image, not from pip" python3 - "$work/kit/serve-llama-3-3-70b-on-mi300x" <<'PY'
import os, re, sys
d = sys.argv[1]
read = lambda name: open(os.path.join(d, name)).read()
sky, cluster, reqs = read("sky_task.yaml"), read("cluster.yaml"), read("requirements.txt")
problems = [what for what, bad in [
    ("sky_task.yaml has no rocm/vllm image_id", "image_id: docker:rocm/vllm" not in sky),
    ("cluster.yaml has no rocm/vllm docker image", "image: rocm/vllm" not in cluster),
    ("cluster.yaml's container sees no GPU (/dev/kfd, /dev/dri)", not all(d in cluster for d in ("--device=/dev/kfd", "--device=/dev/dri"))),
    ("requirements.txt pins vllm or torch", re.search(r"^(vllm|torch)==", reqs, re.M)),
    ("the SkyPilot setup installs vllm or torch", re.search(r"'(vllm|torch)==", sky))] if bad]
sys.exit("; ".join(problems) if problems else 0)
PY

# a serving replica over two nodes (405B bf16 on H100: tp 8 x pp 2): SkyPilot runs one Ray cluster over
# them, the head on rank 0 waiting for all 16 GPUs before serve.sh, the other node joining it
"$bin" launch "$root/tests/golden/plan_serve_replicas.yaml" --out "$work/replicas" >/dev/null
check "a multi-node replica's SkyPilot run starts Ray on rank 0, joins it elsewhere, and parses" python3 - "$work/replicas" <<'PY'
import os, subprocess, sys, yaml
out = sys.argv[1]
task = yaml.safe_load(open(os.path.join(out, "serve-llama-3-1-405b-in-bf16", "sky_task.yaml")))
run = task["run"]
need = ["SKYPILOT_NODE_RANK", "ray start --head", "get('GPU', 0) < 16", "bash serve.sh", 'ray start --address="$head:6379"']
missing = [n for n in need if n not in run]
if task.get("num_nodes") != 2 or missing:
    sys.exit(f"num_nodes {task.get('num_nodes')}, missing {missing}")
if subprocess.run(["bash", "-n"], input=run, text=True).returncode != 0:
    sys.exit("the run script does not parse")
one = yaml.safe_load(open(os.path.join(out, "serve-deepseek-v3", "sky_task.yaml")))
sys.exit(0 if one["run"] == "bash serve.sh" else f"a one-node replica runs {one['run']!r}")
PY

# SGLang and trtllm-serve run one server a replica: SkyPilot's service in front of several, no Ray; over
# two nodes every node runs serve.sh with its rank and the first node's address; the engine pins its own torch
check "SGLang and trtllm-serve fleets run their own servers: no Ray, their pin, a rank a node" python3 - "$work/kit" <<'PY'
import os, re, subprocess, sys, yaml
kit = sys.argv[1]
read = lambda d, name: open(os.path.join(kit, d, name)).read()
problems = []
for d, engine in [("sglang-llama-3-1-70b-fp8-at-20-qps", "sglang"), ("sglang-llama-3-1-405b-over-two-nodes", "sglang"),
                  ("trtllm-serve-llama-3-1-8b-fp8", "tensorrt-llm")]:
    files, reqs = set(os.listdir(os.path.join(kit, d))), read(d, "requirements.txt")
    if files & {"ray.sh", "cluster.yaml", "serve_app.py", "rayservice.yaml"}:
        problems.append(f"{d}: Ray files {sorted(files & {'ray.sh', 'cluster.yaml', 'serve_app.py', 'rayservice.yaml'})}")
    if not re.search(rf"^{engine}==", reqs, re.M) or re.search(r"^(vllm|ray|torch)==", reqs, re.M):
        problems.append(f"{d}: requirements {re.findall(r'^[a-z-]+==', reqs, re.M)}")
# 8 tp-2 replicas on H100s AWS rents 8 to an instance: 2 servers of 4 data-parallel workers each,
# each server the whole instance the plan prices
fleet = yaml.safe_load(read("sglang-llama-3-1-70b-fp8-at-20-qps", "sky_task.yaml"))
if fleet["service"]["replicas"] != 2 or fleet["resources"]["accelerators"] != "H100:8" or \
        fleet["run"].strip() != "bash serve.sh" or "--tp-size 2 --dp-size 4 " not in read("sglang-llama-3-1-70b-fp8-at-20-qps", "serve.sh"):
    problems.append(f"fleet service {fleet['service']}, resources {fleet['resources']}, run {fleet['run']!r}")
nodes = yaml.safe_load(read("sglang-llama-3-1-405b-over-two-nodes", "sky_task.yaml"))
if nodes.get("num_nodes") != 2 or "NODE_RANK" not in nodes["run"] or "ray" in nodes["run"]:
    problems.append(f"two-node run {nodes['run']!r}")
if subprocess.run(["bash", "-n"], input=nodes["run"], text=True).returncode != 0:
    problems.append("the two-node run does not parse")
serve = read("sglang-llama-3-1-405b-over-two-nodes", "serve.sh")
if not all(w in serve for w in ("--nnodes 2", '--node-rank "${NODE_RANK:-0}"', "--dist-init-addr")):
    problems.append("serve.sh lacks --nnodes/--node-rank/--dist-init-addr")
sys.exit("; ".join(problems) if problems else 0)
PY

# vLLM's fleet on a part AWS rents only 8 to an instance (4 tp-4 replicas of 70B on H100): SkyPilot's
# service rents the 2 instances the plan prices, each one vllm serve of 2 data-parallel engines; it had
# asked H100:4 a replica, which SkyPilot may place on another cloud at another price
check "vLLM's SkyPilot service rents whole instances, one data-parallel server each" python3 - "$work/kit" <<'PY'
import os, sys, yaml
d = os.path.join(sys.argv[1], "serve-llama-3-1-70b-at-30-qps")
task = yaml.safe_load(open(os.path.join(d, "sky_task.yaml")))
serve = open(os.path.join(d, "serve.sh")).read()
ok = task["resources"]["accelerators"] == "H100:8" and task["service"]["replicas"] == 2 and \
     task["run"].strip() == "bash serve.sh --data-parallel-size 2 --api-server-count 2" and \
     "--tensor-parallel-size 4 " in serve and serve.rstrip().endswith('"$@"')
sys.exit(0 if ok else f"resources {task['resources']}, service {task['service']}, run {task['run']!r}")
PY

# Llama 4 Maverick routes every second layer (HF: layer i when (i + 1) % 2 == 0) with a sigmoid router:
# Megatron's pattern had put the 24 dense layers first, another model than the checkpoint's
"$bin" train --model llama-4-maverick-17b-128e --gpus 512 --gpu h100-sxm-80gb --format profile >"$work/maverick.yaml"
"$bin" launch "$work/maverick.yaml" --out "$work/maverick" >/dev/null
check "Llama 4 Maverick's Megatron launch interleaves its MoE layers and scores experts by a sigmoid" sh -c \
  "grep -rq -- \"--moe-layer-freq '(\[0\]\*1+\[1\])\*24'\" '$work/maverick' &&
   grep -rq -- '--moe-router-score-function sigmoid' '$work/maverick'"

# torchtitan's float8 linear converter swaps nn.Linear only: an MoE's experts need the grouped-GEMM one,
# or they run bf16 where the plan timed them in fp8
check "a torchtitan fp8 MoE launch converts its experts' grouped GEMMs" sh -c \
  "grep -q 'converters = \[\"quantize.linear.float8\", \"quantize.grouped_mm.float8\"\]' '$work/kit/torchtitan-fp8-moe-qwen3-30b-a3b-on-16-h100s/torchtitan.toml' &&
   grep -q '^fqns = \[\"experts\"\]' '$work/kit/torchtitan-fp8-moe-qwen3-30b-a3b-on-16-h100s/torchtitan.toml'"

# SkyServe tears down a replica not ready within its readiness delay (1,200 s by default): a 405B's 810 GB
# checkpoint at 100 MB/s takes 8,100 s to arrive, so the delay is raised to cover it; a 70B's 141 GB, 2,640 s
check "SkyServe's readiness delay covers the checkpoint's download" python3 - "$work/kit" <<'PY'
import os, sys, yaml
delay = lambda d: yaml.safe_load(open(os.path.join(sys.argv[1], d, "sky_task.yaml")))["service"]["readiness_probe"]["initial_delay_seconds"]
big, small = delay("sglang-llama-3-1-405b-over-two-nodes"), delay("serve-llama-3-1-70b-at-30-qps")
sys.exit(0 if big >= 1200 + 8100 and 1200 + 1411 <= small <= 1200 + 1411 + 60 else f"delays {big} s and {small} s")
PY

# srun reads no SLURM_CPUS_PER_TASK from Slurm 22.05 on: the step asks for the task's CPUs itself, or each
# node's torchrun and its ranks share one core
check "job.sbatch's srun passes the CPUs the job asked a task" grep -qF \
  'srun ${SLURM_CPUS_PER_TASK:+--cpus-per-task="$SLURM_CPUS_PER_TASK"} torchrun' "$work/kit/megatron-moe-mixtral-8x7b-on-h100s/job.sbatch"

# Ray Serve's config takes only remote URIs for a runtime_env working_dir: the RayService puts /workspace on
# PYTHONPATH instead; a gated checkpoint's token reaches the Ray job's workers from ray.sh
check "RayService imports serve_app from /workspace without a local working_dir; ray.sh passes HF_TOKEN" sh -c \
  "! grep -q 'working_dir' '$work/kit/serve-llama-3-1-70b-at-30-qps/rayservice.yaml' &&
   grep -q 'value: /workspace' '$work/kit/serve-llama-3-1-70b-at-30-qps/rayservice.yaml' &&
   grep -qF 'HF_TOKEN' '$work/kit/serve-llama-3-1-70b-at-30-qps/ray.sh'"

# a fine-tune on 4 of AWS's 8-H100 instances is priced at the whole instance: its SkyPilot task rents that
# instance (torchrun still starts 4 ranks) rather than a 4-GPU shape SkyPilot would find elsewhere
"$bin" finetune --model llama-3.1-70b --gpu h100-sxm-80gb --gpus 4 --method lora --format profile >"$work/ft4.yaml" 2>/dev/null
"$bin" launch "$work/ft4.yaml" --out "$work/ft4" >/dev/null 2>&1
check "a training node on a part rented in whole instances rents the instance priced" sh -c \
  "grep -q 'accelerators: H100:8' '$work'/ft4/*/sky_task.yaml && grep -q -- '--nproc_per_node=4' '$work'/ft4/*/node_run.sh"

# node_run.sh stops without DATA_PATH: a Megatron SkyPilot task marks it required (envs: null), so sky launch
# asks for it before renting nodes, and the manifest's command passes it (--env DATA_PATH)
check "a Megatron SkyPilot task requires DATA_PATH and its launch passes it" python3 - "$work/kit" <<'PY'
import json, os, sys, yaml
kit = sys.argv[1]
task = yaml.safe_load(open(os.path.join(kit, "megatron-moe-mixtral-8x7b-on-h100s", "sky_task.yaml")))
launch = json.load(open(os.path.join(kit, "a-short-run-on-a-managed-cluster", "manifest.json")))["launch"]
ok = "DATA_PATH" in (task.get("envs") or {}) and task["envs"]["DATA_PATH"] is None and "--env DATA_PATH " in launch
sys.exit(0 if ok else f"envs {task.get('envs')}, launch {launch!r}")
PY

# the peak learning rate is the published Llama rate of the nearest size (data/launch.yaml): 7B-13B 3e-4,
# 34B-70B 1.5e-4 (DeepSeek-V3's 37B active among them), 405B 8e-5; one 7B rate had gone to every run
check "a pre-training launch's peak learning rate follows the model's size" sh -c \
  "grep -q -- '--lr 0.00015\$' '$work/kit/long-context-llama-3-1-70b-at-16k-on-h100s/job.sbatch' &&
   grep -q -- '--lr 0.00015\$' '$work/kit/megatron-mla-deepseek-v3-on-h200s/job.sbatch' &&
   grep -q '^lr = 0.0003\$' '$work/kit/torchao-rowwise-float8-llama-3-1-8b-on-h100s/torchtitan.toml'"

# a Megatron plan's SkyPilot task clones Megatron-LM at the megatron-core pin (pretrain_gpt.py is not in the
# wheel), installs its Transformer Engine extras and runs node_run.sh from the checkout; its PyTorchJob says
# which image carries them (the tasks had installed the wheel alone and stopped at node_run.sh's first line)
check "Megatron SkyPilot tasks run from a Megatron-LM checkout at the pin, with Transformer Engine" python3 - "$work/kit" <<'PY'
import glob, os, re, sys, yaml
seen = 0
for run in sorted(glob.glob(os.path.join(sys.argv[1], "*", "node_run.sh"))):
    d = os.path.dirname(run)
    if "pretrain_gpt.py" not in open(run).read() or not os.path.exists(os.path.join(d, "sky_task.yaml")):
        continue
    task = yaml.safe_load(open(os.path.join(d, "sky_task.yaml")))
    pin = re.search(r"megatron-core==([0-9.]+)", open(os.path.join(d, "requirements.txt")).read()).group(1)
    rocm = "rocm" in open(os.path.join(d, "requirements.txt")).read()
    # ROCm: AMD's fork, in AMD's training container (its Transformer Engine is not on PyPI), no CUDA extras
    need = ["https://github.com/ROCm/Megatron-LM.git"] if rocm else \
        [f"--branch core_v{pin} https://github.com/NVIDIA/Megatron-LM.git", f"'megatron-core[training,dev]=={pin}'",
         "--no-build-isolation"]
    missing = [n for n in need if n not in task["setup"]]
    if missing or task["run"] != "cd Megatron-LM && bash ../node_run.sh" or (rocm and "[training,dev]" in task["setup"]):
        sys.exit(f"{d}: setup lacks {missing}, run {task['run']!r}")
    image = "rocm/primus" if rocm else "nvcr.io/nvidia/pytorch"
    if image not in open(os.path.join(d, "pytorchjob.yaml")).read():
        sys.exit(f"{d}: pytorchjob.yaml names no image with Transformer Engine ({image})")
    seen += 1
sys.exit(0 if seen >= 2 else f"only {seen} Megatron plans with a SkyPilot task")
PY

# a SkyPilot task over several nodes asks for the fast network its plan was timed on (network_tier: best,
# which SkyPilot provisions InfiniBand/RDMA for); one node does not need it
check "SkyPilot tasks over several nodes ask network_tier best, one-node tasks do not" python3 - "$work/kit" "$work/replicas" <<'PY'
import glob, os, sys, yaml
multi = single = 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*", "sky_task.yaml")) + glob.glob(os.path.join(sys.argv[2], "*", "sky_task.yaml"))):
    task = yaml.safe_load(open(path))
    nodes, tier = task.get("num_nodes", 1), task["resources"].get("network_tier")
    if (nodes > 1) != (tier == "best"):
        sys.exit(f"{path}: num_nodes {nodes}, network_tier {tier!r}")
    multi += nodes > 1
    single += nodes == 1
sys.exit(0 if multi and single else f"{multi} multi-node and {single} one-node tasks")
PY

# each profile's README.md starts the plan as its manifest does and names every variable a file stops
# on (launch had printed paths only: what to run and what to supply were the user's to find)
check "README.md runs the manifest's command and names what the files need" python3 - "$work/kit" "$work/capstone" <<'PY'
import glob, json, os, re, sys
seen = 0
for out in sys.argv[1:]:
    for d in sorted(glob.glob(os.path.join(out, "*"))):
        readme = open(os.path.join(d, "README.md")).read()
        manifest = json.load(open(os.path.join(d, "manifest.json")))
        if "\n    " + manifest["launch"] + "\n" not in readme:
            sys.exit(f"{d}: README.md does not run {manifest['launch']!r}")
        if "README.md" not in manifest.get("artifacts", {}) and "README.md" not in json.dumps(manifest):
            sys.exit(f"{d}: the manifest does not hash README.md")
        for f in os.listdir(d):
            if f != "README.md":
                for var in re.findall(r"\$\{([A-Z_]+):\?", open(os.path.join(d, f)).read()):
                    if f"`{var}`" not in readme:
                        sys.exit(f"{d}: {f} stops without {var}, which README.md does not name")
        seen += 1
sys.exit(0 if seen >= 10 else f"only {seen} launch directories")
PY

# a long run's README.md gives the days job.sbatch's --time asks for (the estimate had stood beside a
# --time 15% longer, data/launch.yaml's time_margin, with nothing saying why)
check "README.md's days with the margin are job.sbatch's --time" python3 - "$work/kit" "$work/capstone" <<'PY'
import glob, os, re, sys
seen = 0
for out in sys.argv[1:]:
    for d in sorted(glob.glob(os.path.join(out, "*"))):
        m = re.search(r"(\d+) days estimated, (\d+) with data/launch.yaml's", open(os.path.join(d, "README.md")).read())
        if not m:
            continue
        t = re.search(r"#SBATCH --time=(\d+)-(\d+):(\d+)", open(os.path.join(d, "job.sbatch")).read())
        days = int(t.group(1)) + int(t.group(2)) / 24 + int(t.group(3)) / 1440
        if abs(days - int(m.group(2))) > 0.5 or int(m.group(1)) >= int(m.group(2)):
            sys.exit(f"{d}: README.md says {m.group(0)!r}, job.sbatch asks for {days:.2f} days")
        seen += 1
sys.exit(0 if seen >= 1 else "no long run's README.md")
PY

# a SkyPilot task that downloads a Hugging Face checkpoint (a served model, a fine-tune's base) requires
# HF_TOKEN as a secret, and every line that launches it passes one (Llama, Mistral and Gemma are gated)
check "SkyPilot tasks that download a checkpoint require HF_TOKEN" python3 - "$work/kit" "$work/kit.json" <<'PY'
import glob, json, os, sys, yaml
out, plans = sys.argv[1], {p["name"]: p for p in json.load(open(sys.argv[2]))["plans"]}
seen = 0
for task in sorted(glob.glob(os.path.join(out, "*", "sky_task.yaml"))):
    d = os.path.dirname(task)
    manifest = json.load(open(os.path.join(d, "manifest.json")))
    downloads = os.path.isfile(os.path.join(d, "axolotl.yml")) or "serve.sh" in open(task).read()
    if not downloads:
        continue
    text = open(task).read()
    if yaml.safe_load(text).get("secrets") != {"HF_TOKEN": None} or "--secret HF_TOKEN" not in text.split("\n")[0]:
        sys.exit(f"{d}: no required HF_TOKEN secret, or the header's command does not pass it")
    launch = manifest["launch"]
    if launch.startswith("sky ") and "--secret HF_TOKEN" not in launch:
        sys.exit(f"{d}: the manifest launches {launch!r} without the secret")
    seen += 1
pods = [f for f in glob.glob(os.path.join(out, "*", "rayservice.yaml"))] + \
       [f for f in glob.glob(os.path.join(out, "*", "pytorchjob.yaml")) if os.path.isfile(os.path.join(os.path.dirname(f), "axolotl.yml"))]
for f in pods:  # Kubernetes pods take it from the Secret hf-token, optional for open repositories
    if "name: HF_TOKEN" not in open(f).read() or "name: hf-token" not in open(f).read():
        sys.exit(f"{f}: no HF_TOKEN from the hf-token Secret")
sys.exit(0 if seen >= 2 and len(pods) >= 2 else "fewer than two SkyPilot tasks or pods download a checkpoint")
PY

# a data job's machines are CPU instances: its requirements name no GPU build or wheel index
"$bin" launch "$root/examples/data.yaml" --out "$work/data" >/dev/null
check "a data job's requirements are a CPU build" sh -c "! grep -L '^# CPU build' \"$work\"/data/*/requirements.txt | grep -q . && ! grep -q 'extra-index-url' \"$work\"/data/*/requirements.txt"

# the optimizer a plan is sized with reaches its launch: the Trainer's --optim (8-bit Adam with
# bitsandbytes pinned), Megatron's --optimizer sgd; 8-bit Adam never lands on Megatron, which has none
cat > "$work/optim.yaml" <<'YAML'
- name: "8-bit Adam"
  model: llama-3.1-8b
  gpu: h100-sxm-80gb
  gpus: 8
  optimizer: adam8bit
  tokens: 1e9
  train_hours: 48
  budget_usd: 10000
- name: "SGD on Megatron"
  model: llama-3.1-8b
  gpu: h100-sxm-80gb
  gpus: 8
  tp: 2
  optimizer: sgd
  tokens: 1e9
  train_hours: 48
  budget_usd: 10000
YAML
"$bin" launch "$work/optim.yaml" --out "$work/optim" >/dev/null
check "the optimizer a plan is sized with reaches its launch files" sh -c \
  "grep -q -- '--optim adamw_bnb_8bit' '$work/optim/8-bit-adam/torchrun.sh' && \
   grep -q '^bitsandbytes==' '$work/optim/8-bit-adam/requirements.txt' && \
   grep -q -- '--optimizer sgd' '$work/optim/sgd-on-megatron/torchrun.sh'"

# a Ray cluster whose collectives cross nodes (multi-node training) says what EFA needs; a serving
# fleet's replicas (each on one node) talk to none and get no such word
"$bin" launch "$root/examples/models.yaml" --out "$work/efa" >/dev/null
check "a multi-node training cluster.yaml names EFA, a one-node-replica fleet's does not" sh -c \
  "grep -q 'InterfaceType efa' '$work/kit/deepspeed-zero-3-a-1-1b-model-over-two-nodes/cluster.yaml' && \
   ! grep -q 'InterfaceType efa' '$work/efa/serve-mixtral-8x7b-at-20-qps-on-l40s/cluster.yaml'"

# --- Ray: every cluster.yaml against Ray's schema
schema="$here/ray-schema.json"
[ -f "$schema" ] || schema="$root/../shared/data/ray-schema.json"
if [ -f "$schema" ]; then
  echo "     Ray schema: $schema"
  check "every cluster.yaml validates against Ray's schema" python3 "$here/validate_ray.py" "$schema" "$work"/gpu/*/cluster.yaml "$work"/cpu/*/cluster.yaml "$work"/kit/*/cluster.yaml
else
  bad "Ray's schema is absent (looked for tests/launch/ray-schema.json and ../shared/data/ray-schema.json)"
fi

# --- Slurm: a private two-node cluster
if slurm_start "$work/slurm" >"$work/slurm-start.log" 2>&1; then
  ok "two-node Slurm cluster started"
  if slurm_fake_gpus; then
    check "sbatch --test-only accepts the GPU job.sbatch (2 nodes x 8 GPUs)" \
      bash -c "cd '$work/gpu/$slurm_dir' && sbatch --test-only job.sbatch 2>&1 | grep -q 'to start at'"
    # The plan-carrying job scripts: a fine-tune's (4 of a node's 8 GPUs, --time, --cpus-per-task) and a
    # run past the cluster's limit (--requeue, --signal) on the test cluster's partition and account-free.
    "$bin" launch "$root/tests/launch/profiles.yaml" --out "$work/plans" >/dev/null
    "$bin" launch "$profiles" --out "$work/limited" --time-limit 1 --partition debug >/dev/null
    check "sbatch --test-only accepts a fine-tune's job.sbatch" \
      bash -c "cd '$work/plans/qlora-70b-over-four-a100-40gb' && sbatch --test-only job.sbatch 2>&1 | grep -q 'to start at'"
    check "sbatch --test-only accepts a requeueing job.sbatch (--time-limit 1 --partition debug)" \
      bash -c "cd '$work/limited/$slurm_dir' && grep -q '^#SBATCH --requeue' job.sbatch && sbatch --test-only job.sbatch 2>&1 | grep -q 'to start at'"
  else
    echo "     no /dev/loop0-7 for placeholder GPUs: checking the CPU job.sbatch with --test-only instead"
    check "sbatch --test-only accepts the CPU job.sbatch (2 nodes)" \
      bash -c "cd '$work/cpu/$slurm_dir' && sbatch --test-only job.sbatch 2>&1 | grep -q 'to start at'"
  fi
  (cd "$work/cpu/$slurm_dir" && TORCHRUN_EXTRA_ARGS="--redirects 1 --tee 1 --monitor_interval 0.5" \
     timeout 180 sbatch --wait job.sbatch >"$work/sbatch.log" 2>&1)
  code=$?
  check "sbatch --wait runs the CPU job.sbatch to exit status 0" test "$code" -eq 0
  out=$(cat "$work/cpu/$slurm_dir"/*.out 2>/dev/null)
  for rank in 0 1 2 3; do
    check "srun torchrun over both nodes: rank $rank/4 reports" grep -q "stackplan-smoke rank $rank/4 .*weights-agree True" <<<"$out"
  done
else
  bad "two-node Slurm cluster started: $(tail -3 "$work/slurm-start.log")"
fi
slurm_stop

# --- torchrun.sh on one node, on a port nothing else holds (another test run on the same machine
# would otherwise meet it on torchrun's default 29500)
free_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work/cpu/$one_node" && MASTER_PORT="$free_port" TORCHRUN_EXTRA_ARGS="--redirects 1 --tee 1 --monitor_interval 0.5" \
   timeout 120 ./torchrun.sh >"$work/torchrun.log" 2>&1)
code=$?
check "torchrun.sh exits 0" test "$code" -eq 0
[ "$code" -eq 0 ] || { echo "     torchrun.sh exited $code (124: the 120 s timeout); its log ends:"; tail -15 "$work/torchrun.log" | sed 's/^/     /'; }
for rank in 0 1; do
  check "torchrun.sh: rank $rank/2 reports" grep -q "stackplan-smoke rank $rank/2 .*weights-agree True" "$work/torchrun.log"
done

# --- node_run.sh (what a PyTorchJob pod or a SkyPilot node runs) with the scheduler's variables
(cd "$work/cpu/$one_node" && PET_NNODES=1 PET_NODE_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=$((30000 + RANDOM % 20000)) \
   TORCHRUN_EXTRA_ARGS="--redirects 1 --tee 1 --monitor_interval 0.5" timeout 120 ./node_run.sh >"$work/node.log" 2>&1)
code=$?
check "node_run.sh exits 0 under PyTorchJob's variables" test "$code" -eq 0
for rank in 0 1; do
  check "node_run.sh: rank $rank/2 reports" grep -q "stackplan-smoke rank $rank/2 .*weights-agree True" "$work/node.log"
done

# --- ray_train.py, what ray.sh submits: one worker a rank, each with torchrun's variables and the
# process group Ray Train opens before the entry runs (a stand-in for Ray, tests/launch/ray_stub:
# no Ray wheel installs offline), the entry named relative to the job's working directory
"$bin" launch "$profiles" --out "$work/ray" --cpu --nproc-per-node 2 --entry ddp_smoke.py >/dev/null
cp "$smoke" "$work/ray/$slurm_dir/"
check "ray.sh submits ray_train.py" grep -q -- "-- python ray_train.py$" "$work/ray/$slurm_dir/ray.sh"
(cd "$work/ray/$slurm_dir" && PYTHONPATH="$here/ray_stub" timeout 120 python3 ray_train.py >"$work/ray.log" 2>&1)
code=$?
check "ray_train.py exits 0 (2 nodes x 2 processes)" test "$code" -eq 0
for rank in 0 1 2 3; do
  check "ray_train.py: rank $rank/4 reports" grep -q "stackplan-smoke rank $rank/4 .*weights-agree True" "$work/ray.log"
done

# an offloaded fine-tune keeps its state in host memory: on part of a node job.sbatch asks for it (--mem), the
# pod requests it and SkyPilot rents at least it, a quarter over the plan's host state (launch.yaml)
"$bin" finetune --model llama-3.1-8b --gpu rtx-4090-24gb --method full --dataset-gb 0.2 --gpus 1 --format json >"$work/off.json" 2>/dev/null
"$bin" finetune --model llama-3.1-8b --gpu rtx-4090-24gb --method full --dataset-gb 0.2 --gpus 1 --format profile >"$work/off.yaml" 2>/dev/null
"$bin" launch "$work/off.yaml" --out "$work/off" >/dev/null 2>&1
check "an offloaded fine-tune's files ask for its host memory" python3 - "$work/off.json" "$work/off" <<'PY'
import glob, json, math, re, sys, yaml
plan = json.load(open(sys.argv[1]))
o = plan["options"][plan["recommended"]]
want = math.ceil(o["memory"]["host_bytes"] * 1.25 / 1e9)
d = glob.glob(sys.argv[2] + "/*/")[0]
mem = re.search(r"#SBATCH --mem=(\d+)G", open(d + "job.sbatch").read())
sky = yaml.safe_load(open(d + "sky_task.yaml"))["resources"].get("memory")
pod = open(d + "pytorchjob.yaml").read()
ok = want > 0 and mem and int(mem.group(1)) == want and sky == f"{want}+" and f"memory: {want}G" in pod
sys.exit(0 if ok else f"want {want} GB: sbatch {mem and mem.group(0)}, sky {sky}")
PY

# a launch line the serve report warns about (vLLM's online fp8 loads 16-bit shards that do not fit) carries
# the same warning into the bundle's README, where the files carry the line
"$bin" serve --model llama-3.1-405b --gpu h100-sxm-80gb --weight-dtype fp8 --qps 2 --prompt-tokens 1000 --output-tokens 300 \
  --format profile >"$work/fp8.yaml" 2>/dev/null
"$bin" launch "$work/fp8.yaml" --out "$work/fp8" >/dev/null 2>&1
check "a served plan's README says what its launch line needs" sh -c \
  "grep -q 'runs out of memory while loading; serve a checkpoint already in fp8' '$work'/fp8/*/README.md"

# Megatron's selective recompute of an MoE layer reruns the modules the plan's memory and time assumed
# (core_attn moe_act layernorm, mla_up_proj with MLA): every Megatron launch names them exactly when its
# plan is selective on an MoE model
check "Megatron MoE launches name the recompute modules the plan sized" python3 - "$work/kit" <<'PY'
import glob, json, os, re, sys
bad, seen = [], 0
for run in glob.glob(os.path.join(sys.argv[1], "*", "node_run.sh")):
    d = os.path.dirname(run)
    text = open(run).read()
    if "pretrain_gpt.py" not in text:
        continue
    plan = json.load(open(os.path.join(d, "manifest.json")))["plan"]
    t, m = plan["training"], plan.get("memory_detail") or {}
    moe = "moe" in d or "deepseek" in d or "mixtral" in d or "qwen3-30b" in d
    want = t["recompute"] == "selective" and moe
    has = re.search(r"--recompute-modules core_attn moe_act layernorm( mla_up_proj)?\n", text)
    mla = "deepseek" in d
    seen += want
    if bool(has) != want or (has and bool(has.group(1)) != mla):
        bad.append(f"{os.path.basename(d)}: recompute {t['recompute']}, modules {has and has.group(0).strip()}")
sys.exit("; ".join(bad) if bad or not seen else 0)
PY

# a Ray Data job on one machine runs there (its ray.init() starts Ray), as Spark's local mode does: no
# cluster.yaml to bring a one-node cluster up, and the plan's launch line is the script's
"$bin" data --input-tb 20 --stages read,exact-dedup,tokenize,write --deadline-hours 72 --format profile >"$work/ray1.yaml" 2>/dev/null
"$bin" launch "$work/ray1.yaml" --out "$work/ray1" >/dev/null 2>&1
check "a one-machine Ray Data job runs locally, with no cluster to bring up" sh -c \
  "grep -qx 'python data_job.py' '$work'/ray1/*/ray_data.sh && ! ls '$work'/ray1/*/cluster.yaml >/dev/null 2>&1 &&
   grep -q 'ray\[' '$work'/ray1/*/requirements.txt"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
