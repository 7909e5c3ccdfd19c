"""Validate generated Ray cluster.yaml files against Ray's JSON schema.

usage: validate_ray.py SCHEMA FILE...  (exit 0 when every file is valid)
Ray's loader adds rules the schema lacks: head_node_type must be set and name an entry of
available_node_types, except on the on-premises provider (type: local), which fills both in
itself from head_ip and worker_ips and aborts when the file gives them
(autoscaler/_private/local/config.py: "The field ... is not supported for on-premise clusters").
"""
import json
import sys

import jsonschema
import yaml


def main() -> int:
    schema_path, files = sys.argv[1], sys.argv[2:]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    failures = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            config = yaml.safe_load(f)
        problems = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(config)]
        head = config.get("head_node_type")
        if config.get("provider", {}).get("type") == "local":
            problems += [f"{field} is not supported for on-premise clusters"
                         for field in ("head_node", "worker_nodes", "available_node_types") if config.get(field)]
        elif head not in (config.get("available_node_types") or {}):
            problems.append(f"head_node_type {head!r} is not an entry of available_node_types")
        print(f"{'ok  ' if not problems else 'FAIL'} {path}" + "".join(f"\n     {p}" for p in problems))
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
