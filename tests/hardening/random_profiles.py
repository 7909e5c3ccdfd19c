#!/usr/bin/python3
"""A bounded random-profile fuzzer in `make test` (issue 20, item 8): seeded profile files with
keys and values at and beyond their edges go through `plan --format json|md|html` and `launch`;
every run must end with exit 0, 2 or 3, one line on stderr when it refuses, scripts that bash
parses, and no sanitizer report (the ASan/UBSan build runs this too).

usage: random_profiles.py STACKPLAN SOURCE_ROOT [CASES]
"""
import os
import random
import subprocess
import sys
import tempfile

KEYS = {
    "params_b": lambda r: r.choice([7, 70, 0.001, 1e6, -1, "7B", "x", 0]),
    "memory_gb": lambda r: r.choice([1, 80, 1200, 1e9, -5, "1e400"]),
    "data_tb": lambda r: r.choice([0, 0.02, 6, 1e6, -1]),
    "qps": lambda r: r.choice([0, 1, 30, 600, 1e9, -1]),
    "axis": lambda r: r.choice(["training", "model", "serving", "data", "bogus"]),
    "mode": lambda r: r.choice(["train", "infer", "x"]),
    "model": lambda r: r.choice(["llama-3.1-8b", "mixtral-8x7b", "deepseek-v3", "bert-large-uncased", "nope", "../x"]),
    "gpu": lambda r: r.choice(["h100-sxm-80gb", "rtx-4090-24gb", "tpu-v5p-95gb", "mi300x-oam-192gb", "nope"]),
    "seq": lambda r: r.choice([1, 2048, 131073, 1e9, 0]),
    "micro_batch": lambda r: r.choice([1, 4, 1e6, 0]),
    "tokens": lambda r: r.choice([1e6, "1.5T", 1e20, -1]),
    "global_batch": lambda r: r.choice([1, 7, 512, 1e7]),
    "prompt_tokens": lambda r: r.choice([1, 512, 1234567]),
    "output_tokens": lambda r: r.choice([1, 256, 1e7]),
    "tpot_ms": lambda r: r.choice([0.001, 50, 1e5]),
    "ttft_ms": lambda r: r.choice([1, 1000]),
    "method": lambda r: r.choice(["auto", "lora", "qlora", "full", "dora", "x"]),
    "dataset_gb": lambda r: r.choice([0.1, 20, 1e6]),
    "instance": lambda r: r.choice(["r6i.8xlarge", "c6i.16xlarge", "nope"]),
    "stages": lambda r: r.choice([["read", "join", "write"], ["tokenize"], ["bogus"], []]),
    "train_hours": lambda r: r.choice([0.01, 10, 720, 1e7, -1]),
    "budget_usd": lambda r: r.choice([0, 100, 1e6, 1e15]),
    "usd_per_gpu_hour": lambda r: r.choice([0, 2.5, 1e-9]),
}
NAMES = ["plain", "x\"; touch CANARY #", "$(touch CANARY)", "ünïcode ✓", "a" * 300, "tab\there"]


def profile(r):
    keys = r.sample(sorted(KEYS), r.randint(0, 3))
    p = {"name": r.choice(NAMES), "train_hours": 10, "budget_usd": 1000}
    if r.random() < 0.8:  # most files are plausible jobs, so the plans and launchers run too
        p.update(r.choice([{"model": "llama-3.1-8b", "gpu": "h100-sxm-80gb"},
                           {"model": "mixtral-8x7b", "gpu": "h100-sxm-80gb", "axis": "model", "tokens": 1e10},
                           {"model": "llama-3.1-8b", "gpu": "rtx-4090-24gb", "method": "qlora", "dataset_gb": 0.1},
                           {"params_b": 13, "qps": 50}, {"data_tb": 2, "instance": "r6i.8xlarge"}]))
    for k in keys:
        p[k] = KEYS[k](r)
    return p


def dump(profiles):
    import yaml
    return yaml.safe_dump(profiles, allow_unicode=True, sort_keys=False)


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=60)


def main():
    binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    cases = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    r = random.Random(20261130)
    failed = 0
    codes = {}
    with tempfile.TemporaryDirectory() as work:
        for i in range(cases):
            path = os.path.join(work, f"p{i}.yaml")
            open(path, "w").write(dump([profile(r) for _ in range(r.randint(1, 2))]))
            runs = [[binary, "plan", path, "--format", f] for f in ("json", "md", "html")]
            runs.append([binary, "launch", path, "--out", os.path.join(work, f"out{i}")])
            for cmd in runs:
                p = run(cmd, work)
                codes[p.returncode] = codes.get(p.returncode, 0) + 1
                why = None
                if p.returncode not in (0, 2, 3):
                    why = f"exit {p.returncode}"
                elif "Sanitizer" in p.stderr or "runtime error" in p.stderr:
                    why = "sanitizer report"
                elif p.returncode == 2 and (p.stderr.count("\n") != 1 or p.stdout):
                    why = "a refusal is one line on stderr and nothing on stdout"
                if why:
                    failed += 1
                    print(f"FAIL case {i} {' '.join(cmd[1:3])}: {why}\n{open(path).read()}\n{p.stderr[:2000]}")
            for dirpath, _, files in os.walk(os.path.join(work, f"out{i}")):
                for f in files:
                    if f.endswith(".sh") or f == "job.sbatch":
                        if subprocess.run(["bash", "-n", os.path.join(dirpath, f)]).returncode:
                            failed += 1
                            print(f"FAIL case {i}: {f} does not parse")
            if any("CANARY" in f for f in os.listdir(work)):
                failed += 1
                print(f"FAIL case {i}: a canary file appeared")
    spread = ", ".join(f"exit {c}: {n}" for c, n in sorted(codes.items()))
    print(f"{cases} random profile files x 4 runs ({spread}), {failed} failed")
    sys.exit(1 if failed else 0)


main()
