#!/usr/bin/python3
"""Read torchtitan's JobConfig (torchtitan/config/job_config.py) into the table of TOML sections,
keys, declared types and defaults that tests/launch/check_engines.py checks torchtitan.toml against.

usage: torchtitan_fields.py TORCHTITAN_GIT_DIR TAG > tests/launch/engines/torchtitan-job-config.json

Reads the file with `git show TAG:torchtitan/config/job_config.py` and Python's ast: no torchtitan
code runs. A field whose annotation names another dataclass of the file is a sub-table
(`training.dataloader`, `quantize.linear.float8`); JobConfig's own fields are the top-level tables.
`model_flavors` lists each model name torchtitan registers and the flavors it defines;
`model_converters` the names `model.converters` accepts.
"""
import ast
import json
import re
import subprocess
import sys

PATH = "torchtitan/config/job_config.py"


def dataclasses_of(tree):
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            fields = {}
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    fields[stmt.target.id] = stmt
            classes[node.name] = fields
    return classes


def default_of(stmt):
    """The literal default, the default_factory's literal, or None when it is not a literal."""
    v = stmt.value
    if v is None:
        return None
    if isinstance(v, ast.Call) and getattr(v.func, "id", "") == "field":
        for kw in v.keywords:
            if kw.arg == "default":
                v = kw.value
            elif kw.arg == "default_factory":
                if isinstance(kw.value, ast.Lambda):
                    v = kw.value.body
                elif getattr(kw.value, "id", "") in ("list", "dict"):
                    return [] if kw.value.id == "list" else {}
                else:
                    return None
    try:
        return ast.literal_eval(v)
    except ValueError:
        return None


def tables(classes, name, prefix, out):
    keys = {}
    for field, stmt in classes[name].items():
        declared = ast.unparse(stmt.annotation)
        if declared in classes:                      # a nested table
            tables(classes, declared, f"{prefix}.{field}" if prefix else field, out)
            continue
        keys[field] = {"type": declared, "default": default_of(stmt)}
    if prefix:
        out[prefix] = keys


def flavors_of(git_dir, tag):
    """Each model's flavors: the string keys of the dict of model arguments in
    torchtitan/models/<name>/__init__.py, for the names torchtitan/models/__init__.py supports."""
    def show(path):
        return subprocess.run(["git", "-C", git_dir, "show", f"{tag}:{path}"], check=True,
                              capture_output=True, text=True).stdout
    registry = ast.parse(show("torchtitan/models/__init__.py"))
    names = next(ast.literal_eval(n.value.args[0]) for n in ast.walk(registry)
                 if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)
                 and getattr(n.value.func, "id", "") == "frozenset")
    models = {}
    for name in sorted(names):
        tree = ast.parse(show(f"torchtitan/models/{name}/__init__.py"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and node.value.keys and \
                    all(isinstance(k, ast.Constant) and isinstance(v, ast.Call)
                        for k, v in zip(node.value.keys, node.value.values)):
                models[name] = [k.value for k in node.value.keys]
    return models


def converters_of(git_dir, tag):
    """The names model.converters accepts: the register_model_converter(cls, "name") calls."""
    text = subprocess.run(["git", "-C", git_dir, "grep", "-h", "register_model_converter(", tag, "--", "torchtitan"],
                          capture_output=True, text=True).stdout
    return sorted(set(re.findall(r'register_model_converter\(\s*\w+\s*,\s*"([^"]+)"', text)))


def main(git_dir, tag):
    text = subprocess.run(["git", "-C", git_dir, "show", f"{tag}:{PATH}"], check=True,
                          capture_output=True, text=True).stdout
    commit = subprocess.run(["git", "-C", git_dir, "rev-list", "-n", "1", tag], check=True,
                            capture_output=True, text=True).stdout.strip()
    classes = dataclasses_of(ast.parse(text))
    out = {}
    tables(classes, "JobConfig", "", out)
    doc = {"_source": {"repo": "pytorch/torchtitan", "tag": tag, "commit": commit, "path": PATH,
                       "how": "tools/torchtitan_fields.py: the file's dataclasses read with ast"},
           "tables": out, "model_flavors": flavors_of(git_dir, tag),
           "model_converters": converters_of(git_dir, tag)}
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
