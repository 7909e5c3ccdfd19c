#!/usr/bin/python3
"""The JSON reports' schemas (docs/schema/COMMAND.schema.json), inferred from what each command
prints for the golden cases and kept in step with it (issue 19).

    tools/json_schema.py STACKPLAN SOURCE_ROOT          check: the committed schemas are what the
                                                        reports give today, and every report validates
    tools/json_schema.py STACKPLAN SOURCE_ROOT --write  rewrite docs/schema/ after a report changes

Every object lists its keys (additionalProperties false), the keys every sample has are required,
and a key's type is the union of the types it was seen with. A report that gains, loses or retypes
a key fails the check until the schema is rewritten and the change reviewed.
"""
import json
import os
import shlex
import subprocess
import sys

SCHEMA = "http://json-schema.org/draft-07/schema#"


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def infer(values):
    """The schema of a list of sample values of one place."""
    types = sorted({kind(v) for v in values})
    out = {"type": types[0] if len(types) == 1 else types}
    objects = [v for v in values if isinstance(v, dict)]
    if objects:
        keys = sorted({k for o in objects for k in o})
        out["properties"] = {k: infer([o[k] for o in objects if k in o]) for k in keys}
        out["required"] = [k for k in keys if all(k in o for o in objects)]
        out["additionalProperties"] = False
    items = [x for v in values if isinstance(v, list) for x in v]
    if items:
        out["items"] = infer(items)
    return out


# Beyond the golden cases: shapes of report the goldens do not print as JSON (MoE, context
# parallelism, no fit, several accelerators, fine-tune methods, load simulation, data on GPUs).
EXTRA = [
    "train --model deepseek-v3 --gpu h100-sxm-80gb --gpus 256-1024 --global-batch 4096 --seq 4096 --format json",
    "train --model llama-3.1-405b --gpu h100-sxm-80gb,b200-sxm-192gb --gpus 512-2048 --global-batch 2048 --seq 32768 --deadline-days 60 --budget-usd 1e7 --format json",
    "train --model llama-3.1-405b --gpu rtx-4090-24gb --gpus 8 --global-batch 64 --format json",
    "train --model llama-3.1-8b --gpu h100-sxm-80gb --gpus 8 --global-batch 16 --seq 8192 --eager-modules --format json",
    "train --model llama-3.1-70b --gpu gb200-nvl72-186gb --gpus 64,128 --global-batch 512 --seq 8192 --format json",
    "serve --model llama-3.1-70b --gpu gb200-nvl72-186gb --qps 20 --format json",
    "finetune --model llama-3.1-70b --gpu a100-sxm-40gb,h100-sxm-80gb --method qlora --dataset-gb 1 --format json",
    "finetune --model llama-3.1-8b --gpu rtx-4090-24gb --format json",
    "finetune --model qwen2.5-7b --gpu rtx-4090-24gb --gpus 1 --method lora --seq 4096 --tokens 5e6 --format json",
    "memory --model llama-3.1-8b --gpu rtx-4090-24gb --method qlora --format json",
    "memory --model mixtral-8x7b --gpu h100-sxm-80gb --tp 2 --ep 2 --dp 4 --zero 1 --format json",
    "serve --model llama-3.1-70b --gpu h100-sxm-80gb --qps 30 --ttft-ms 1000 --tpot-ms 50 --percentile 95 --prompt-spread 0.5 --output-spread 0.5 --format json",
    "serve --model llama-3.1-405b --gpu h100-sxm-80gb --qps 2 --format json",
    "serve --model llama-3.1-8b --gpu h100-sxm-80gb --qps 50 --ttft-ms 1 --percentile 95 --format json",
    "serve --model llama-3.1-8b --gpu h100-sxm-80gb --qps 10 --spec-tokens 3 --spec-acceptance 2.5 --prefix-share 0.5 --format json",
    "serve --model llama-3.1-70b --gpu h100-sxm-80gb --tp 4 --batch 8 --spec-tokens 5 --spec-acceptance 2 --spec-draft model --draft-model llama-3.1-8b --format json",
    "data --input-tokens 1.1T --stages fuzzy-dedup --instance c6i.8xlarge --gpu a100-sxm-80gb --nodes 8 --format json",
    "breakeven --gpus 8 --usd-per-gpu-hour 2 --premium 1 --ops-hours 10 --ops-usd-per-hour 50 --format json",
    "finetune --model llama-3.1-8b --gpu rtx-4090-24gb --tokens 1e8 --budget-usd 5 --format json",
    "finetune --model llama-3.1-70b --gpu t4-pcie-16gb --gpus 1-4 --tokens 1e8 --seq 4096 --format json",
    "finetune --model llama-3.1-8b --gpu h20-96gb --gpus 1 --tokens 5e7 --format json",
    "train --model llama-3.1-8b --gpu h100-sxm-80gb --gpus 8 --format json",
    "train --model llama-3.1-8b --gpu rtx-4090-24gb --gpus 1 --method qlora --format json",
    "serve --model llama-3.1-8b --gpu h100-sxm-80gb --requests 1000 --format json",
    "serve --model llama-3.1-8b --gpu l4-pcie-24gb --qps 2 --lora-rank 16 --max-loras 4 --engine sglang --format json",
    "serve --model llama-3.1-8b --gpu l4-pcie-24gb,a10g-pcie-24gb --concurrency 16 --format json",
    "plan examples/walkthrough.yaml --format json",
    "plan examples/launch.yaml --format json",
]


def samples(binary, root):
    """{command: [report, ...]} from the golden cases that print JSON, and EXTRA."""
    by_command = {}
    lines = list(open(os.path.join(root, "tests/golden/cases.txt"))) + [f"extra {e}" for e in EXTRA]
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        name, args = line.split(None, 1)
        args = shlex.split(args)
        if args[0].startswith("exit="):  # the golden case's expected status (tests/golden/run.sh)
            args = args[1:]
        if "--format" not in args or args[args.index("--format") + 1] != "json" or args[0] == "catalog":
            continue
        out = subprocess.run([binary, *args], cwd=root, capture_output=True, text=True)
        # train --method lora/qlora/full answers as finetune does (cmd_train hands it over): its
        # report is a fine-tune's and validates against that schema.
        command = "finetune" if args[0] == "train" and "--method" in args else args[0]
        if out.returncode in (0, 3):
            by_command.setdefault(command, []).append(json.loads(out.stdout))
    return by_command


def schema_text(command, reports):
    s = {"$schema": SCHEMA, "title": f"stackplan {command} --format json",
         "$comment": "Generated by tools/json_schema.py from the golden cases and its own samples; the keys are described in docs/CLI.md.",
         **infer(reports)}
    return json.dumps(s, indent=2, sort_keys=False) + "\n"


def main():
    binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    write = "--write" in sys.argv
    folder = os.path.join(root, "docs", "schema")
    failed = 0
    for command, reports in sorted(samples(binary, root).items()):
        path = os.path.join(folder, f"{command}.schema.json")
        text = schema_text(command, reports)
        if write:
            open(path, "w").write(text)
            print(f"wrote {path} ({len(reports)} samples)")
            continue
        ok = os.path.exists(path) and open(path).read() == text
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} docs/schema/{command}.schema.json is what {len(reports)} report(s) give today"
              + ("" if ok else " (tools/json_schema.py STACKPLAN . --write, then review the diff)"))
        try:
            import jsonschema
            schema = json.load(open(path))
            for r in reports:
                jsonschema.validate(r, schema)
                assert r.get("stackplan_version"), "no stackplan_version"
            print(f"ok   every {command} report validates and carries stackplan_version")
        except Exception as e:  # a missing file, a validation error or a missing version
            failed += 1
            print(f"FAIL {command}: {str(e).splitlines()[0]}")
    sys.exit(1 if failed else 0)


main()
