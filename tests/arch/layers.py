#!/usr/bin/env python3
"""The house in layers, checked on what was built (issue 12, docs/ARCHITECTURE.md).

Reads the defined and undefined symbols of every object (nm -P) and fails when
  - a file of the library takes a symbol from a layer its own may not use (an upward edge),
  - files depend on each other in a cycle (library and CLI alike),
  - the CLI takes a library symbol the public header does not declare,
  - a layer's file includes a third-party header its layer is not listed for, or an
    internal header includes one at all,
  - the layer table itself is not closed under "uses" or has a cycle.

usage: layers.py --root DIR --layer 'NAME|USES|HEADERS|OBJECTS' ... --cli 'OBJECTS'
       (lists inside a spec are blank-separated; src/lib/NAME/ holds the layer's sources)
"""
import argparse
import os
import re
import subprocess
import sys

DEFINED = set("TDBRCGSVW")


def symbols(obj):
    """(defined, undefined) external symbols of one object file."""
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        if parts[1] == "U":
            undefined.add(parts[0])
        elif parts[1] in DEFINED:
            defined.add(parts[0])
    return defined, undefined


def file_name(obj):
    """src/lib/estimate/memory.c.o -> estimate/memory.c; src/cli/cli.c.o -> cli/cli.c."""
    base = os.path.basename(obj)
    base = base[:-2] if base.endswith(".o") else base
    return os.path.basename(os.path.dirname(obj)) + "/" + base


def parse_layers(specs):
    layers = {}
    for spec in specs:
        parts = spec.split("|")
        if len(parts) != 4:
            sys.exit(f"layers.py: bad --layer spec {spec!r}")
        name, uses, headers, objects = parts
        objs = [o for o in re.split(r"[ ;]+", objects) if o]
        layers[name] = {"uses": set(uses.split()), "headers": set(headers.split()), "objects": objs}
    return layers


def check_table(layers, problems):
    for name, layer in layers.items():
        for used in layer["uses"]:
            if used not in layers:
                problems.append(f"table: {name} uses {used}, which is not a layer")
            elif used == name:
                problems.append(f"table: {name} uses itself")
            elif not layers[used]["uses"] <= layer["uses"]:
                missing = sorted(layers[used]["uses"] - layer["uses"])
                problems.append(f"table: {name} uses {used} but not what {used} uses: {', '.join(missing)}")
            elif name in layers[used]["uses"]:
                problems.append(f"table: {name} and {used} use each other")
        if not layer["objects"]:
            problems.append(f"table: layer {name} has no objects")


def public_names(header):
    text = open(header, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)  # a name in a comment is not a declaration
    return set(re.findall(r"\b(sp_[a-z0-9_]+)\s*\(", text))


def includes(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r'^\s*#\s*include\s*<([^>]+)>', f.read(), re.M)


def check_headers(root, layers, problems):
    """Third-party headers (those some layer is listed for) only where their layer may use them."""
    third_party = set().union(*(layer["headers"] for layer in layers.values()))
    for name, layer in layers.items():
        folder = os.path.join(root, "src", "lib", name)
        for entry in sorted(os.listdir(folder)):
            for h in includes(os.path.join(folder, entry)):
                if h not in third_party:
                    continue
                if entry.endswith(".h"):
                    problems.append(f"{name}/{entry}: internal header includes <{h}>: only the files that use it may")
                elif h not in layer["headers"]:
                    problems.append(f"{name}/{entry}: includes <{h}>, which the {name} layer is not listed for")


def find_cycles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--layer", action="append", default=[])
    ap.add_argument("--cli", default="")
    args = ap.parse_args()

    layers = parse_layers(args.layer)
    problems = []
    if not layers:
        sys.exit("layers.py: no layers given")
    check_table(layers, problems)
    check_headers(args.root, layers, problems)

    files = {}  # file -> (layer or "cli", defined, undefined)
    for name, layer in layers.items():
        for obj in layer["objects"]:
            files[file_name(obj)] = (name,) + symbols(obj)
    cli_objects = [o for o in re.split(r"[ ;]+", args.cli) if o]
    if not cli_objects:
        problems.append("no CLI objects given (--cli)")
    for obj in cli_objects:
        files[file_name(obj)] = ("cli",) + symbols(obj)
    owner = {}
    for f, (_, defined, _) in files.items():
        for s in defined:
            if s in owner:
                problems.append(f"{s} is defined in both {owner[s]} and {f}")
            owner[s] = f

    public = public_names(os.path.join(args.root, "include", "stackplan.h"))
    graph, edge_symbols = {}, {}
    for f, (layer, _, undefined) in files.items():
        for s in sorted(undefined):
            target = owner.get(s)
            if target is None or target == f:
                continue
            graph.setdefault(f, set()).add(target)
            edge_symbols.setdefault((f, target), []).append(s)
            to_layer = files[target][0]
            if layer == "cli":
                if to_layer != "cli" and s not in public:
                    problems.append(f"{f} -> {target}: {s} is not in include/stackplan.h (the CLI uses the API only)")
            elif to_layer == "cli":
                problems.append(f"{f} -> {target}: the library calls the CLI ({s})")
            elif to_layer != layer and to_layer not in layers[layer]["uses"]:
                problems.append(f"{f} -> {target}: upward edge, {layer}/ may not use {to_layer}/ ({s})")

    for comp in find_cycles(graph):
        inside = [f"{a} -> {b} ({', '.join(edge_symbols[(a, b)])})"
                  for a in comp for b in sorted(graph.get(a, ())) if b in comp]
        problems.append("cycle between " + ", ".join(comp) + ": " + "; ".join(inside))

    edges = sum(len(v) for v in graph.values())
    for p in problems:
        print("FAIL " + p)
    lib_files = sum(1 for v in files.values() if v[0] != "cli")
    print(f"{len(layers)} layers, {lib_files} library files, {len(cli_objects)} CLI files, {edges} file edges: "
          + ("no cycles, no upward edges" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
