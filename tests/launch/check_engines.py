#!/usr/bin/python3
"""Check stackplan's launch artifacts against the engines' own argument lists and schemas.

usage: check_engines.py ENGINES_DIR OUT_DIR [OUT_DIR...]
       check_engines.py --self-test ENGINES_DIR

Each OUT_DIR holds one sub-directory per profile (what `stackplan launch --out OUT_DIR` writes).
The engines cannot be installed on test machines, so each artifact is checked against data
extracted from the engine's code (ENGINES_DIR, see engines/SOURCE.md):

  torchrun.sh, job.sbatch  MEGATRON_ARGS=( ... ) arrays vs megatron-args.json, torchrun launcher
                           options vs torchrun-args.json; job.sbatch: #SBATCH vs slurm-sbatch-options.txt
  serve.sh                 `vllm serve` / `python3 -m sglang.launch_server` lines vs their arg lists
  ds_config.json           deepspeed-config.json          accelerate_config.yaml  accelerate-fsdp-config.json
  axolotl.yml              lora-config-fields.json keys   pytorchjob.yaml         k8s-pytorchjob.schema.json
  rayservice.yaml          k8s-rayservice.schema.json     sky_task.yaml           skypilot-task.schema.json
  torchtitan.toml          torchtitan-job-config.json (tables, keys, types, model flavors, converters)

and, against the manifest's plan: the parallel degrees multiply to the GPUs, DeepSpeed's and
torchtitan's batch arithmetic holds (torchtitan/train.py, deepspeed/runtime/config.py), and
torchtitan's pipeline split (generate_llm_fqn_per_model_part) gives the stages the plan counts.

Prints `ok   <profile>/<file>: <what>` or `FAIL <profile>/<file>: <reason>` per check, then
`N checked, M failed`; exits 1 if any check fails or if nothing at all was checked.
Needs only Debian's python3 with python3-yaml and python3-jsonschema.
"""
import ast
import contextlib
import io
import json
import math
import os
import re
import shlex
import sys
import tempfile
import tomllib

import jsonschema
import yaml


# --------------------------------------------------------------------------- reference data

class FlagTable:
    """One engine's argparse options: flag_names plus each arg's kind/choices/nargs."""

    def __init__(self, path, engine, underscores=False, dotted_json=False):
        d = json.load(open(path, encoding="utf-8"))
        self.engine = engine
        self.names = set(d["flag_names"])
        self.arg_of = {f: a for a in d["args"] for f in a["flags"]}
        self.underscores = underscores    # vLLM's FlexibleArgumentParser takes --max_model_len too
        self.dotted_json = dotted_json    # vLLM also takes --compilation-config.mode=... (JSON sub-keys)

    def lookup(self, flag):
        """The arg dict for a spelling the engine accepts, or None."""
        if flag in self.names:
            return self.arg_of.get(flag, {"kind": "flag"})   # -h/--help are listed without an arg
        if self.underscores and flag.startswith("--") and flag.replace("_", "-") in self.names:
            return self.lookup(flag.replace("_", "-"))
        if self.dotted_json and "." in flag:
            base = self.lookup(flag.split(".", 1)[0])
            if base and base.get("kind") == "json":
                return {"kind": "str"}                         # one sub-key's value, any text
        return None


class Engines:
    """The reference files, loaded on first use (the Kubernetes schemas are large)."""

    def __init__(self, folder):
        self.dir = folder
        self._cache = {}

    def _get(self, key, make):
        if key not in self._cache:
            self._cache[key] = make(os.path.join(self.dir, key))
        return self._cache[key]

    def flags(self, name):
        engine, underscores, dotted = {
            "megatron-args.json": ("Megatron-LM", False, False),   # allow_abbrev=False: exact names only
            "torchrun-args.json": ("torchrun", False, False),      # lists both - and _ spellings itself
            "vllm-serve-args.json": ("vllm serve", True, True),
            "sglang-launch-args.json": ("sglang", False, False),   # plain argparse: no _ spellings
        }[name]
        return self._get(name, lambda p: FlagTable(p, engine, underscores, dotted))

    def validator(self, name):
        def make(p):
            s = json.load(open(p, encoding="utf-8"))
            # The root's relative "$id" (stackplan/engines/<file>) makes Debian's jsonschema 4.10
            # join it onto itself and look "#/definitions/..." refs up at a URL that does not exist;
            # without it the refs resolve inside this document, which is what they mean.
            s = {k: v for k, v in s.items() if k != "$id"}
            return jsonschema.validators.validator_for(s)(s)   # the draft named in $schema
        return self._get(name, make)

    def sbatch_options(self):
        """{'--nodes': 'required' | 'optional' | 'none', '-N': ...}: how each option takes a value."""
        def make(p):
            opts = {}
            for line in open(p, encoding="utf-8"):
                if line.startswith("#") or not line.strip():
                    continue
                long_, short_, _ = line.rstrip("\n").split("\t")
                takes = "optional" if "[=VALUE]" in long_ else "required" if "=VALUE" in long_ else "none"
                opts[re.sub(r"\[?=VALUE\]?", "", long_)] = takes
                if short_:
                    opts[short_] = takes
            return opts
        return self._get("slurm-sbatch-options.txt", make)

    def torchtitan(self):
        """torchtitan's JobConfig tables with their keys' declared types, model flavors, converters."""
        return self._get("torchtitan-job-config.json", lambda p: json.load(open(p, encoding="utf-8")))

    def axolotl_fields(self):
        """Every key axolotl accepts at the top level, with its declared type where known."""
        def make(p):
            d = json.load(open(p, encoding="utf-8"))
            parts = ("axolotl_plugins", "axolotl")               # core fields' types win on a clash
            fields = {k: None for part in parts for k in d[part]["accepted_keys"]}
            for part in parts:
                fields.update({k: f.get("type") for k, f in d[part]["fields"].items()})
            return fields
        return self._get("lora-config-fields.json", make)


# --------------------------------------------------------------------------- helpers from selftest.py

def prune_nulls(x):
    """The Kubernetes apiserver prunes null fields before validating."""
    if isinstance(x, dict):
        return {k: prune_nulls(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [prune_nulls(v) for v in x]
    return x


def sky_prepare(task):
    """What SkyPilot does to a task YAML before validating it (drop nulls, envs into file_mounts)."""
    t = {k: v for k, v in task.items() if v is not None}
    if isinstance(t.get("resources"), dict):
        t["resources"] = {k: v for k, v in t["resources"].items() if v is not None}
    envs = {k: str(v) for k, v in (t.get("envs") or {}).items() if v is not None}

    def sub(x):
        if isinstance(x, str):
            return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: envs.get(m.group(1), m.group(0)), x)
        if isinstance(x, dict):
            return {sub(k): sub(v) for k, v in x.items() if v is not None}
        if isinstance(x, list):
            return [sub(v) for v in x]
        return x

    if isinstance(t.get("file_mounts"), dict):
        t["file_mounts"] = sub(t["file_mounts"])
    return t


def schema_problems(validator, doc, limit=3):
    """The first few schema errors as 'json.path: message', descending into anyOf/oneOf."""
    errs = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    out = []
    for e in errs[:limit]:
        e = jsonschema.exceptions.best_match([e])       # the most specific sub-error
        where = ".".join(str(p) for p in e.absolute_path) or "(top level)"
        out.append(f"{where}: {short(e.message)}")
    if len(errs) > limit:
        out.append(f"(+{len(errs) - limit} more)")
    return out


def short(text, n=160):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n - 3] + "..."


# --------------------------------------------------------------------------- shell command lines

def logical_lines(text):
    """Script lines with backslash-newline continuations joined, as bash reads them."""
    return re.sub(r"\\\n", " ", text).split("\n")


def words_of(line):
    """Shell words of one command, cut at the first operator (|, ;, &&, >, 2>&1 ...)."""
    words = shlex.split(line, comments=True)
    for i, w in enumerate(words):
        if w in ("|", "||", "&", "&&", ";") or re.match(r"^\d*[<>]", w):
            return words[:i]
        if w.endswith(";") and len(w) > 1:
            return words[:i] + [w[:-1]]
    return words


def is_expansion(word):
    """A word bash expands at run time ("$CKPT_DIR", ${X}, $(cmd)); shlex has already removed quotes."""
    return "$" in word


def looks_like_option(word):
    """argparse's rule: a leading '-' makes an option unless the word is a negative number."""
    return word.startswith("-") and len(word) > 1 and not re.fullmatch(r"-\d+|-\d*\.\d+([eE][-+]?\d+)?", word)


def arity(arg):
    """(fewest, most) separate words an option takes."""
    if arg.get("kind") == "flag":
        return 0, 0
    n = arg.get("nargs")
    fixed = {None: (1, 1), "?": (0, 1), "*": (0, math.inf), "+": (1, math.inf)}
    return fixed[n] if n in fixed else (int(n), int(n))    # nargs=3: exactly three


# Numbers only the node running the script knows: its rank among the nodes of one server.
RUNTIME_NUMBERS = {"--node-rank"}


def value_problem(flag, arg, value, expansions_any_kind):
    """Why a value does not fit the option's kind/choices, or None when it fits."""
    kind = arg.get("kind", "str")
    if is_expansion(value) and flag in RUNTIME_NUMBERS:
        return None
    if is_expansion(value):
        # The value is only known when the script runs: fine for text, a bug where a number is due.
        if expansions_any_kind or kind in ("str", "json-or-str") or kind.startswith("custom:"):
            return None
        return f"{flag} {value!r}: shell expansion where {kind} is expected"
    conv = {"int": int, "float": float, "json": json.loads}.get(kind)
    try:
        parsed = conv(value) if conv else value      # argparse calls int()/float() the same way
    except ValueError:
        return f"{flag} {value!r}: not {dict(int='an int', float='a float', json='JSON')[kind]}"
    choices = arg.get("choices")
    if choices and parsed not in choices and value not in [str(c) for c in choices]:
        return f"{flag} {value!r}: not one of {short(choices, 120)}"
    return None


def walk_options(words, table, stop_at_positional=False, max_positionals=0, expansions_any_kind=False):
    """Walk an argv as argparse would. Returns (problems, options seen, words from the first
    positional on when stop_at_positional, else the positionals)."""
    problems, seen, positionals = [], [], []
    last = None                                         # the option just read, for stray-word messages
    i = 0
    while i < len(words):
        w = words[i]
        i += 1
        if re.fullmatch(r'\$\{\w+\[[@*]\]\}', w):
            continue                                    # "${OTHER_ARGS[@]}" spreads words we cannot see
        if not looks_like_option(w):
            if stop_at_positional:
                return problems, seen, words[i - 1:]
            positionals.append(w)
            if len(positionals) > max_positionals:
                problems.append(f"stray word {w!r}" + (f" after {last}, which takes no value" if last else ""))
            last = None
            continue
        name, eq, inline = w.partition("=")
        seen.append(name)
        last = None
        arg = table.lookup(name)
        if arg is None:
            problems.append(f"unknown option {name}")
            while not stop_at_positional and i < len(words) and not looks_like_option(words[i]):
                i += 1                                  # skip its presumed values, not one error per word
            continue
        lo, hi = arity(arg)
        last = name if hi == 0 else None
        if eq:
            if hi == 0:
                problems.append(f"{name} takes no value (got {inline!r})")
                continue
            values = [inline]
        else:
            values = []
            while len(values) < hi and i < len(words) and not looks_like_option(words[i]):
                values.append(words[i])
                i += 1
            if len(values) < lo:
                problems.append(f"{name} needs {'a value' if lo == 1 else f'{lo} values'}")
        for v in values:
            p = value_problem(name, arg, v, expansions_any_kind)
            if p:
                problems.append(p)
    return problems, seen, (positionals if not stop_at_positional else [])


# --------------------------------------------------------------------------- per-artifact checks
# Each check function yields (ok, text) pairs; check_profile adds the <profile>/<file> label.

def megatron_arrays(text):
    """(line number, words) for each MEGATRON_ARGS=( ... ) array, one-line or multi-line;
    words is an error string when the array cannot be read."""
    lines = text.split("\n")
    found = []
    for n, line in enumerate(lines):
        m = re.match(r"^\s*(?:local\s+|declare\s+-a\s+)?MEGATRON_ARGS\+?=\((.*)$", line)
        if not m:
            continue
        rest = re.sub(r"(^|\s)#.*$", "", m.group(1)).rstrip()     # drop a trailing comment
        if rest.endswith(")"):
            body = rest[:-1]                                      # MEGATRON_ARGS=(--a 1 --b)
        else:
            close = next((k for k in range(n + 1, len(lines)) if re.match(r"^\s*\)\s*(#.*)?$", lines[k])), None)
            if close is None:
                found.append((n + 1, "MEGATRON_ARGS=( has no closing ')' line"))
                continue
            body = "\n".join([rest] + lines[n + 1:close])
        try:
            found.append((n + 1, shlex.split(re.sub(r"\\\n", " ", body), comments=True)))
        except ValueError as e:
            found.append((n + 1, f"cannot split into shell words ({e})"))
    return found


def check_megatron(text, eng):
    table = eng.flags("megatron-args.json")
    for line, words in megatron_arrays(text):
        where = f"MEGATRON_ARGS (line {line})"
        if isinstance(words, str):
            yield False, f"{where}: {words}"
            continue
        problems, seen, _ = walk_options(words, table)
        if not seen and not problems:
            # MEGATRON_ARGS=() before conditional += lines, or only "${OTHER[@]}": nothing visible
            yield None, f"{where}: no options written out (empty, or spreads other arrays); not checked"
            continue
        yield (False, f"{where}: " + "; ".join(problems)) if problems else \
              (True, f"{where}: {len(seen)} options known to Megatron-LM, values fit")


def torchrun_argv(words):
    """The launcher's own argv when this command runs torchrun (bare, exec'd, under srun, or
    python -m torch.distributed.run), else None."""
    k = 0
    while k < len(words) and (words[k] in ("exec", "env", "nohup", "time") or re.match(r"^\w+=", words[k])):
        k += 1                                          # exec / VAR=value prefixes
    if k == len(words) or os.path.basename(words[k]) not in ("torchrun", "srun") and \
            not os.path.basename(words[k]).startswith("python"):
        return None                                     # e.g. `command -v torchrun`, `echo torchrun`
    for i in range(k, len(words)):
        if os.path.basename(words[i]) == "torchrun":
            return words[i + 1:]
        if words[i:i + 2] == ["-m", "torch.distributed.run"]:
            return words[i + 2:]
    return None


def check_torchrun(text, eng, required):
    table = eng.flags("torchrun-args.json")
    count = 0
    for line in logical_lines(text):
        try:
            argv = torchrun_argv(words_of(line))
        except ValueError as e:
            if "torchrun" in line:
                yield False, f"torchrun line cannot be split into shell words ({e}): {short(line, 80)}"
            continue
        if argv is None:
            continue
        count += 1
        # The user's extra launcher options arrive through this expansion at run time.
        argv = [w for w in argv if not re.fullmatch(r"\$\{?TORCHRUN_EXTRA_ARGS(:-[^}]*)?\}?", w)]
        # Launcher values often come from Slurm's environment ($SLURM_JOB_NUM_NODES), so expansions
        # are accepted for every kind here; only names, arity and literal values are checked.
        problems, seen, rest = walk_options(argv, table, stop_at_positional=True, expansions_any_kind=True)
        if not rest:
            problems.append("no training script or module after the launcher options")
        yield (False, "torchrun: " + "; ".join(problems)) if problems else \
              (True, f"torchrun: {len(seen)} launcher options known to torchrun ({' '.join(seen)})")
    if required and not count:
        yield False, "no torchrun command found"


def check_sbatch_directives(text, eng):
    opts = eng.sbatch_options()
    problems, names, commands_started = [], [], False
    for n, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            commands_started = True
            continue
        if not line.startswith("#SBATCH"):
            continue
        if commands_started:
            # sbatch stops reading directives at the first command: this one would be ignored.
            problems.append(f"line {n}: #SBATCH after the first command is ignored by sbatch")
        try:
            words = shlex.split(line[len("#SBATCH"):], comments=False)
        except ValueError as e:
            problems.append(f"line {n}: cannot split ({e})")
            continue
        if not words or not words[0].startswith("-"):
            problems.append(f"line {n}: no option after #SBATCH")
            continue
        name, eq, _ = words[0].partition("=")
        names.append(name)
        takes = opts.get(name)
        if takes is None:
            problems.append(f"unknown sbatch option {name}")
        elif takes == "none" and eq:
            problems.append(f"{name} takes no value")
        elif takes == "required" and not eq and len(words) < 2:
            problems.append(f"{name} needs a value")
    if not names and not problems:
        yield False, "no #SBATCH directives"
    elif problems:
        yield False, "#SBATCH: " + "; ".join(problems)
    else:
        yield True, f"#SBATCH: {len(names)} options known to sbatch ({' '.join(names)})"


def serve_commands(line):
    """(engine arg file, argv, positionals allowed) for a vllm serve / sglang.launch_server line."""
    words = words_of(line)
    if words[:1] == ["exec"]:
        words = words[1:]
    if words[:2] == ["vllm", "serve"]:
        return "vllm-serve-args.json", words[2:], 1     # the model tag is vllm serve's one positional
    for i in range(len(words) - 1):
        python = re.fullmatch(r"python3?", os.path.basename(words[i]))
        if python and words[i + 1:i + 3] == ["-m", "sglang.launch_server"]:
            return "sglang-launch-args.json", words[i + 3:], 0
    return None


def check_serve(text, eng, extra=()):
    found = 0
    for line in logical_lines(text):
        s = line.strip()
        if not (s.startswith(("vllm serve", "exec vllm serve")) or "sglang.launch_server" in s):
            continue
        try:
            cmd = serve_commands(s)
        except ValueError as e:
            found += 1
            yield False, f"serve line cannot be split into shell words ({e}): {short(s, 80)}"
            continue
        if cmd is None:
            continue
        name, argv, positionals = cmd
        if argv[-1:] == ["$@"]:                         # "$@": the caller's flags (sky_task.yaml's run)
            argv = argv[:-1] + list(extra)
        found += 1
        table = eng.flags(name)
        problems, seen, _ = walk_options(argv, table, max_positionals=positionals)
        yield (False, f"{table.engine}: " + "; ".join(problems)) if problems else \
              (True, f"{table.engine}: {len(seen)} options known, values fit")
    if not found:
        yield None, "no vllm serve or sglang.launch_server command (another engine; not checked)"


def scalar_types(type_text):
    """'int | None' -> ({'int'}, set(), True): simple types, Literal strings, None allowed.
    None when the declared type is anything richer (lists, dicts, models): not checked."""
    t = type_text.strip()
    m = re.fullmatch(r"Annotated\[(.*)\]", t, re.S)      # plugin fields: Annotated[bool, Field(...)]
    if m:
        t = split_top(m.group(1), ",")[0]
    m = re.fullmatch(r"Optional\[(.*)\]", t, re.S)
    if m:
        t = m.group(1) + " | None"
    simple, literals, none_ok = set(), set(), False
    for part in split_top(t, "|"):
        if part == "None":
            none_ok = True
        elif part in ("bool", "int", "float", "str"):
            simple.add(part)
        elif part.startswith("Literal["):
            try:
                literals |= {str(v) for v in ast.literal_eval("[" + part[8:-1] + "]")}
            except (ValueError, SyntaxError):
                return None
        else:
            return None
    return simple, literals, none_ok


def split_top(text, sep):
    """Split on sep outside brackets/parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return parts + [cur.strip()]


def type_problem(key, value, declared):
    """Roughly pydantic's lax mode: ints pass for floats, numeric strings for numbers (PyYAML reads
    2e-4 as a string), 'true'/'false' strings for bools."""
    simple, literals, none_ok = declared
    if value is None:
        return None if none_ok else f"{key}: null where {'|'.join(sorted(simple | literals))} is expected"
    if isinstance(value, bool):
        ok = "bool" in simple
    elif isinstance(value, int):
        ok = bool(simple & {"int", "float"}) or ("bool" in simple and value in (0, 1))
    elif isinstance(value, float):
        ok = "float" in simple or ("int" in simple and value.is_integer())
    elif isinstance(value, str):
        ok = "str" in simple or value in literals or \
            (bool(simple & {"int", "float"}) and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", value)) or \
            ("bool" in simple and value.lower() in ("true", "false", "yes", "no", "on", "off", "1", "0"))
    else:
        ok = False                                      # a list or mapping where a scalar is declared
    if ok:
        return None
    want = "|".join(sorted(simple) + [repr(x) for x in sorted(literals)] + (["null"] if none_ok else []))
    return f"{key}: {short(repr(value), 60)} is not {want}"


def check_axolotl(doc, eng):
    if not isinstance(doc, dict):
        yield False, "not a YAML mapping"
        return
    fields = eng.axolotl_fields()
    problems, typed = [], 0
    for key, value in doc.items():
        if key not in fields:
            problems.append(f"unknown key {key!r} (axolotl ignores it)")
            continue
        declared = scalar_types(fields[key]) if fields[key] else None
        if declared:
            typed += 1
            p = type_problem(key, value, declared)
            if p:
                problems.append(p)
    yield (False, "; ".join(problems)) if problems else \
          (True, f"{len(doc)} keys known to axolotl ({typed} with simple types, types fit)")


def toml_tables(doc, path=""):
    """(table path, its scalar and list keys) for every table of a parsed TOML document."""
    keys = {k: v for k, v in doc.items() if not isinstance(v, dict)}
    if path:
        yield path, keys
    for k, v in doc.items():
        if isinstance(v, dict):
            yield from toml_tables(v, f"{path}.{k}" if path else k)


def list_problem(key, value, declared):
    """list[str] and list[list[str]] fields (either maybe | str or | None)."""
    d = declared.replace(" ", "")
    if d.startswith("list[list[str]]"):
        ok = all(isinstance(x, list) and all(isinstance(y, str) for y in x) for x in value)
        return None if ok else f"{key}: {short(repr(value), 60)} is not a list of lists of strings"
    if not d.startswith("list[str]"):
        return f"{key}: a list where {declared} is declared"
    return None if all(isinstance(x, str) for x in value) else f"{key}: {value!r} is not a list of strings"


def check_torchtitan(text, eng):
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        yield False, f"not TOML: {short(e)}"
        return
    ref = eng.torchtitan()
    tables, problems, keys = ref["tables"], [], 0
    for path, fields in toml_tables(doc):
        known = tables.get(path)
        if known is None:
            if fields or not any(t.startswith(path + ".") for t in tables):
                problems.append(f"unknown table [{path}]")
            continue
        for key, value in fields.items():
            keys += 1
            if key not in known:
                problems.append(f"[{path}] unknown key {key!r}")
                continue
            declared = known[key]["type"]
            if isinstance(value, list):
                p = list_problem(key, value, declared)
            else:
                simple = scalar_types(declared)
                p = type_problem(key, value, simple) if simple else None
            if p:
                problems.append(f"[{path}] {p}")
    model = doc.get("model", {})
    flavors = ref["model_flavors"]
    if "name" in model and model["name"] not in flavors:
        problems.append(f"model.name {model['name']!r} is not one of torchtitan's {sorted(flavors)}")
    elif "flavor" in model and model["flavor"] not in flavors[model.get("name", "llama3")]:
        problems.append(f"model.flavor {model['flavor']!r} is not a flavor of {model.get('name', 'llama3')}")
    for name in model.get("converters", []):
        if name not in ref["model_converters"]:
            problems.append(f"model.converters: {name!r} is not registered ({ref['model_converters']})")
    tag = ref["_source"]["tag"]
    yield (False, "; ".join(problems)) if problems else \
          (True, f"{keys} keys in {len(list(toml_tables(doc)))} tables known to torchtitan {tag}, types fit")


def torchtitan_split(layers, stages, first_less, last_less):
    """Layers on each stage as torchtitan places them (generate_llm_fqn_per_model_part,
    torchtitan/distributed/pipeline_parallel.py); None where it raises."""
    effective = layers + first_less + last_less
    base, extra = divmod(effective, stages)
    if base < 1 or first_less > base or last_less > base:
        return None
    placed, shares = 0, []
    for i in range(stages):
        share = base + (i < extra) - (first_less if i == 0 else 0) - (last_less if i == stages - 1 else 0)
        share = min(share, layers - placed)
        shares.append(share)
        placed += share
    return shares if placed == layers else None


def check_torchtitan_plan(profile_dir):
    """torchtitan.toml against the manifest: the degrees multiply to the GPUs and equal the plan's,
    the batch divides as torchtitan asserts, and the pipeline split holds at most ceil(L / pp)
    layers on a rank, the plan's count."""
    path, man = os.path.join(profile_dir, "torchtitan.toml"), os.path.join(profile_dir, "manifest.json")
    if not (os.path.isfile(path) and os.path.isfile(man)):
        return
    doc = tomllib.loads(open(path, encoding="utf-8").read())
    m = json.load(open(man, encoding="utf-8"))
    train, gpus = m["plan"].get("training", {}), m["cluster"]["gpus"]
    par, tr = doc.get("parallelism", {}), doc.get("training", {})
    deg = {k: par.get(f"{k}_degree", 1) for k in
           ("data_parallel_replicate", "data_parallel_shard", "tensor_parallel", "context_parallel", "pipeline_parallel")}
    world = math.prod(deg.values())
    yield world == gpus, f"torchtitan degrees {deg} make {world} ranks for the plan's {gpus} GPUs"
    plan = {"data_parallel_shard": train.get("dp"), "tensor_parallel": train.get("tp"),
            "context_parallel": train.get("cp"), "pipeline_parallel": train.get("pp")}
    differ = {k: (deg[k], v) for k, v in plan.items() if v is not None and deg[k] != v}
    yield not differ, "degrees equal the plan's layout" if not differ else f"degrees differ from the plan: {differ}"
    dp = deg["data_parallel_replicate"] * deg["data_parallel_shard"]
    local, glob = tr.get("local_batch_size", 8), tr.get("global_batch_size", -1)
    glob = glob if glob > 0 else local * dp
    yield glob % (local * dp) == 0 and glob == train.get("global_batch", glob), \
        f"global batch {glob} = local {local} x dp {dp} x {glob // (local * dp)} accumulation steps (plan: {train.get('global_batch')})"
    pp = deg["pipeline_parallel"]
    if pp > 1:
        micro = par.get("pipeline_parallel_microbatch_size", 1)
        yield local % micro == 0 and micro == train.get("micro_batch", micro), \
            f"local batch {local} is {local // micro} micro-batches of {micro} (plan: {train.get('micro_batch')})"
        yield from check_torchtitan_stages(par, pp, m.get("model_layers"), train.get("interleave", 1))


SINGLE_STAGE_SCHEDULES = {"1F1B", "GPipe"}   # torch.distributed.pipelining's PipelineScheduleSingle


def check_torchtitan_stages(par, pp, layers, interleave):
    """The stages torchtitan builds (pipeline_llm, torchtitan/distributed/pipeline_parallel.py @v0.2.2):
    module_fqns_per_model_part as given, else ceil(effective / layers_per_stage) virtual stages, else
    one a rank for single-stage schedules and two for looped ones; stage i on rank i % pp. They must
    be the plan's pp x interleave, and no rank may hold more than ceil(layers / pp) layers."""
    schedule = par.get("pipeline_parallel_schedule", "1F1B")
    single = schedule in SINGLE_STAGE_SCHEDULES
    parts = par.get("module_fqns_per_model_part")
    if parts:
        stages = len(parts)
        shares = [sum(1 for n in p if n.startswith("layers.")) for p in parts]
        order = [n for p in parts for n in p if n.startswith("layers.")]
        if layers and order != [f"layers.{i}" for i in range(layers)]:
            yield False, f"module_fqns_per_model_part does not list layers.0 ... layers.{layers - 1} once each, in order"
            return
        ends = "tok_embeddings" in parts[0] and parts[-1][-2:] == ["norm", "output"]
        yield ends, "the embedding on the first stage, norm and output on the last" if ends \
            else "module_fqns_per_model_part misplaces the embedding or the output"
    elif not layers:
        return
    else:
        a = par.get("pipeline_parallel_first_stage_less_layers", 1)
        b = par.get("pipeline_parallel_last_stage_less_layers", 1)
        per_stage = par.get("pipeline_parallel_layers_per_stage")
        stages = math.ceil((layers + a + b) / per_stage) if per_stage else pp * (1 if single else 2)
        shares = torchtitan_split(layers, stages, a, b)
    per_rank_stages = stages // pp if stages % pp == 0 else 0
    rule = per_rank_stages == 1 if single else per_rank_stages >= 2
    yield rule and stages == pp * interleave, \
        f"{schedule} over {stages} stages on {pp} ranks (plan: {pp} x {interleave})"
    if layers:
        per_rank = [sum(shares[r::pp]) for r in range(pp)] if shares else []
        yield bool(shares) and max(per_rank) <= math.ceil(layers / pp), \
            f"torchtitan splits {layers} layers over {stages} stages, at most {max(per_rank) if per_rank else '?'}" \
            f" a rank (plan: {math.ceil(layers / pp)})"


def check_ds_batch(profile_dir):
    """DeepSpeed asserts train_batch_size = micro-batch x accumulation x world size."""
    path, man = os.path.join(profile_dir, "ds_config.json"), os.path.join(profile_dir, "manifest.json")
    if not (os.path.isfile(path) and os.path.isfile(man)):
        return
    ds, m = json.load(open(path, encoding="utf-8")), json.load(open(man, encoding="utf-8"))
    batch = [ds.get(k) for k in ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps")]
    if not all(isinstance(x, int) for x in batch):
        return                                           # "auto": the HF Trainer fills them in
    world = m["cluster"]["gpus"]
    yield batch[0] == batch[1] * batch[2] * world, \
        f"train_batch_size {batch[0]} = micro {batch[1]} x accumulation {batch[2]} x {world} ranks"


def check_schema(docs, eng, schema, prepare=lambda d: d):
    v = eng.validator(schema)
    docs = [d for d in docs if d is not None]
    if not docs:
        yield False, "empty document"
    for n, d in enumerate(docs):
        where = f" (document {n + 1})" if len(docs) > 1 else ""
        problems = schema_problems(v, prepare(d) if isinstance(d, dict) else d)
        yield (False, f"{schema}{where}: " + "; ".join(problems)) if problems else \
              (True, f"valid against {schema}{where}")


def load_docs(path):
    """JSON or YAML documents of a file (YAML may hold several)."""
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            return [json.load(f)]
        return list(yaml.safe_load_all(f))


# Which checks each artifact gets: (file name, text or parsed, function(content, eng)).
ARTIFACTS = [
    ("torchrun.sh", "text", lambda t, e: [*check_megatron(t, e), *check_torchrun(t, e, required=True)]),
    ("job.sbatch", "text", lambda t, e: [*check_sbatch_directives(t, e), *check_megatron(t, e),
                                         *check_torchrun(t, e, required=False)]),
    ("node_run.sh", "text", lambda t, e: [*check_megatron(t, e), *check_torchrun(t, e, required=True)]),
    ("serve.sh", "text", lambda t, e: list(check_serve(t, e))),
    ("ds_config.json", "docs", lambda d, e: list(check_schema(d, e, "deepspeed-config.json"))),
    ("accelerate_config.yaml", "docs", lambda d, e: list(check_schema(d, e, "accelerate-fsdp-config.json"))),
    ("axolotl.yml", "docs", lambda d, e: list(check_axolotl(d[0] if len(d) == 1 else d, e))),
    ("pytorchjob.yaml", "docs", lambda d, e: list(check_schema(d, e, "k8s-pytorchjob.schema.json", prune_nulls))),
    ("rayservice.yaml", "docs", lambda d, e: list(check_schema(d, e, "k8s-rayservice.schema.json", prune_nulls))),
    ("sky_task.yaml", "docs", lambda d, e: list(check_schema(d, e, "skypilot-task.schema.json", sky_prepare))),
    ("torchtitan.toml", "text", lambda t, e: list(check_torchtitan(t, e))),
]


def check_manifest(profile_dir):
    """The manifest names every file beside it with its SHA-256, and the cloud files rent exactly
    the GPUs the plan prices (SkyPilot accelerators x nodes, Ray's GPUs a node x nodes)."""
    import hashlib
    path = os.path.join(profile_dir, "manifest.json")
    if not os.path.isfile(path):
        return
    m = json.load(open(path, encoding="utf-8"))
    listed = {a["file"]: a["sha256"] for a in m.get("artifacts", [])}
    present = {f for f in os.listdir(profile_dir) if f != "manifest.json"}
    yield set(listed) == present, f"artifacts listed = files present ({len(present)})" if set(listed) == present \
        else f"listed {sorted(set(listed) ^ present)} differ from the files present"
    bad = [f for f, h in listed.items() if f in present and
           hashlib.sha256(open(os.path.join(profile_dir, f), "rb").read()).hexdigest() != h]
    yield not bad, "every SHA-256 matches its file" if not bad else f"SHA-256 differs for {bad}"
    reqs = os.path.join(profile_dir, "requirements.txt")
    if os.path.isfile(reqs):
        unknown = [l for l in open(reqs).read().splitlines() if l.endswith("==?")]
        yield not unknown, "every requirement pinned to a known version" if not unknown else f"unpinned: {unknown}"
    plan, cluster = m.get("plan", {}), m.get("cluster", {})
    gpus = cluster.get("gpus") if plan.get("axis") != "data" else None  # data jobs rent CPU instances
    sky = os.path.join(profile_dir, "sky_task.yaml")
    if os.path.isfile(sky) and gpus and "service" not in (yaml.safe_load(open(sky)) or {}):
        task = yaml.safe_load(open(sky))
        per_node = int(str(task["resources"]["accelerators"]).split(":")[1])
        rented = per_node * task.get("num_nodes", 1)
        # a node of a part rented in whole instances: the instance the plan priced, its rest idle and paid for
        priced = (cluster.get("rented_gpus_per_node") or cluster.get("gpus_per_node") or per_node) * cluster.get("nodes", 1) \
            if cluster.get("rented_gpus_per_node") else gpus
        yield rented == priced, f"SkyPilot rents {rented} GPUs, the plan prices {priced}" + \
            (f" (an instance of {cluster['rented_gpus_per_node']} a node for {gpus} used)" if cluster.get("rented_gpus_per_node") else "")
    ray = os.path.join(profile_dir, "cluster.yaml")
    if os.path.isfile(ray) and yaml.safe_load(open(ray))["provider"]["type"] == "local":
        # Ray's on-premises provider takes no node types (local/config.py aborts on them): one
        # address a machine, the head's and each worker's, and the machines' own GPUs.
        c = yaml.safe_load(open(ray))
        machines = 1 + len(c["provider"].get("worker_ips", []))
        yield "available_node_types" not in c and machines == cluster.get("nodes", 1), \
            f"Ray's on-premises cluster.yaml lists {machines} machine(s) for the plan's {cluster.get('nodes', 1)}, no node types"
    elif os.path.isfile(ray) and gpus and cluster.get("software") != "CPU":
        c = yaml.safe_load(open(ray))
        rented = sum(t["resources"].get("GPU", 0) * (1 if name == "head" else t["max_workers"])
                     for name, t in c["available_node_types"].items())
        if rented:
            yield rented >= gpus and rented - gpus < per_node_of(c), \
                f"Ray's cluster.yaml holds {rented} GPUs for the plan's {gpus}"
        instance = [t["node_config"].get("InstanceType") for t in c["available_node_types"].values()]
        if any(instance):
            yield rented == gpus, f"the AWS instances rent {rented} GPUs, the plan prices {gpus}"


def check_sky_service(profile_dir, eng):
    """A SkyPilot service rents the GPUs the plan prices (replicas x accelerators x nodes), and the
    flags its run passes after serve.sh are the engine's, checked with serve.sh's own line."""
    sky, serve = os.path.join(profile_dir, "sky_task.yaml"), os.path.join(profile_dir, "serve.sh")
    manifest = os.path.join(profile_dir, "manifest.json")
    if not (os.path.isfile(sky) and os.path.isfile(serve)):
        return
    task = yaml.safe_load(open(sky)) or {}
    if "service" not in task:
        return
    gpus = json.load(open(manifest, encoding="utf-8")).get("cluster", {}).get("gpus") \
        if os.path.isfile(manifest) else None
    per_node = int(str(task["resources"]["accelerators"]).split(":")[1])
    rented = per_node * task.get("num_nodes", 1) * task["service"]["replicas"]
    if gpus:
        yield rented == gpus, f"the SkyPilot service rents {rented} GPUs, the plan prices {gpus}"
    run = words_of(str(task.get("run", "")).splitlines()[-1]) if str(task.get("run", "")).strip() else []
    if run[:2] == ["bash", "serve.sh"] and len(run) > 2:
        yield from check_serve(open(serve, encoding="utf-8").read(), eng, run[2:])


def check_ray_train(profile_dir):
    """ray_train.py is Python that starts one Ray Train worker a GPU the plan prices, ray.sh submits
    it, and cluster.yaml's nodes install Ray with its train extra (TorchTrainer's dependencies)."""
    path = os.path.join(profile_dir, "ray_train.py")
    if not os.path.isfile(path):
        return
    try:
        tree = ast.parse(open(path, encoding="utf-8").read())
    except SyntaxError as e:
        yield False, f"not Python: {short(e)}"
        return
    values = {t.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
              for t in node.targets if isinstance(t, ast.Name) and t.id in ("ARGV", "WORKERS", "USE_GPU")}
    m = json.load(open(os.path.join(profile_dir, "manifest.json"), encoding="utf-8"))
    cluster = m.get("cluster", {})
    if cluster.get("software") != "CPU":
        yield values.get("WORKERS") == cluster.get("gpus") and values.get("USE_GPU") is True, \
            f"{values.get('WORKERS')} GPU workers for the plan's {cluster.get('gpus')} GPUs"
    argv = values.get("ARGV")
    yield isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv), f"argv {short(str(argv))}"
    ray_sh = open(os.path.join(profile_dir, "ray.sh"), encoding="utf-8").read()
    yield "-- python ray_train.py\n" in ray_sh, "ray.sh submits ray_train.py"
    setup = " ".join(yaml.safe_load(open(os.path.join(profile_dir, "cluster.yaml")))["setup_commands"])
    extras = re.search(r"'ray\[([a-z,]+)\]==", setup)
    yield bool(extras) and "train" in extras.group(1).split(","), "the nodes install ray with Ray Train"


def per_node_of(cluster):
    return max(t["resources"].get("GPU", 0) for t in cluster["available_node_types"].values()) or 1


def check_profile(profile_dir, eng):
    """[(ok, label, text)] for every artifact present; ok None marks a note, not a check."""
    profile = os.path.basename(os.path.normpath(profile_dir))
    results = []
    for name, how, check in ARTIFACTS:
        path = os.path.join(profile_dir, name)
        if not os.path.isfile(path):
            continue
        label = f"{profile}/{name}"
        try:
            content = open(path, encoding="utf-8").read() if how == "text" else load_docs(path)
        except (OSError, ValueError, yaml.YAMLError) as e:   # JSON errors are ValueErrors
            results.append((False, label, f"cannot read: {short(e)}"))
            continue
        results += [(ok, label, text) for ok, text in check(content, eng)]
    results += [(ok, f"{profile}/manifest.json", text) for ok, text in check_manifest(profile_dir)]
    results += [(ok, f"{profile}/torchtitan.toml", text) for ok, text in check_torchtitan_plan(profile_dir)]
    results += [(ok, f"{profile}/ds_config.json", text) for ok, text in check_ds_batch(profile_dir)]
    results += [(ok, f"{profile}/ray_train.py", text) for ok, text in check_ray_train(profile_dir)]
    results += [(ok, f"{profile}/sky_task.yaml", text) for ok, text in check_sky_service(profile_dir, eng)]
    return results


# --------------------------------------------------------------------------- command line

def run(engines_dir, out_dirs):
    eng = Engines(engines_dir)
    checked = failed = 0
    for out in out_dirs:
        print(f"     {out}")
        if not os.path.isdir(out):
            print(f"FAIL {out}: not a directory")
            checked += 1
            failed += 1
            continue
        for profile in sorted(os.listdir(out)):
            if not os.path.isdir(os.path.join(out, profile)):
                continue
            for ok, label, text in check_profile(os.path.join(out, profile), eng):
                if ok is None:
                    print(f"     {label}: {text}")
                    continue
                checked += 1
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {label}: {text}")
    if not checked:
        # A checker that checks nothing would pass silently when the artifacts move or get renamed.
        print(f"FAIL no artifact to check in {' '.join(out_dirs)}")
        failed += 1
    print(f"{checked} checked, {failed} failed")
    return 1 if failed else 0


# --------------------------------------------------------------------------- self-test

GOOD_MEGATRON = """#!/bin/bash
MEGATRON_ARGS=(
    --tensor-model-parallel-size 2
    --pipeline-model-parallel-size 1
    --sequence-parallel
    --micro-batch-size 1 --global-batch-size 64
    --lr 3.0e-4
    --recompute-granularity full
    --save "$CKPT_DIR"
    --data-path "${DATA_DIR}/corpus_text_document"
    --bf16
)
exec torchrun --standalone --nproc_per_node=8 ${TORCHRUN_EXTRA_ARGS:-} pretrain_gpt.py "${MEGATRON_ARGS[@]}"
"""

GOOD_SBATCH = """#!/bin/bash
#SBATCH --job-name=train
#SBATCH --nodes=2
#SBATCH --gpus-per-node=8
#SBATCH --exclusive
set -euo pipefail
srun torchrun --nnodes="$SLURM_JOB_NUM_NODES" --nproc_per_node=8 \\
    --rdzv_id="$SLURM_JOB_ID" --rdzv_backend=c10d --rdzv_endpoint="$head:29500" \\
    ${TORCHRUN_EXTRA_ARGS:-} 'examples/ddp_smoke.py'
"""

GOOD_VLLM = "exec vllm serve meta-llama/Llama-3.1-8B --tensor-parallel-size 2 --max-model-len 4096 " \
            "--gpu-memory-utilization 0.90 --max_num_seqs 64 --enable-prefix-caching " \
            "--speculative-config '{\"method\": \"ngram\", \"num_speculative_tokens\": 4}'\n"
GOOD_SGLANG = "python3 -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B --tp-size 2 " \
              "--mem-fraction-static 0.85 --port 30000\n"

GOOD_PYTORCHJOB = """apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: train}
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      restartPolicy: OnFailure
      template:
        spec:
          containers:
          - name: pytorch
            image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
            command: [torchrun, train.py]
            resources: {limits: {nvidia.com/gpu: 8}}
    Worker:
      replicas: 1
      restartPolicy: OnFailure
      template:
        spec:
          containers:
          - name: pytorch
            image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
            command: [torchrun, train.py]
            resources: {limits: {nvidia.com/gpu: 8}}
"""

GOOD_RAYSERVICE = """apiVersion: ray.io/v1
kind: RayService
metadata: {name: serve}
spec:
  serveConfigV2: |
    applications:
    - name: llm
      import_path: app:deployment
  rayClusterConfig:
    rayVersion: '2.9.0'
    headGroupSpec:
      rayStartParams: {dashboard-host: '0.0.0.0'}
      template:
        spec:
          containers:
          - name: ray-head
            image: rayproject/ray:2.9.0
    workerGroupSpecs:
    - groupName: gpu
      replicas: 1
      minReplicas: 1
      maxReplicas: 1
      rayStartParams: {}
      template:
        spec:
          containers:
          - name: ray-worker
            image: rayproject/ray:2.9.0
            resources: {limits: {nvidia.com/gpu: 1}}
"""

GOOD_AXOLOTL = """base_model: meta-llama/Llama-3.1-8B
adapter: qlora
load_in_4bit: true
lora_r: 16
lora_alpha: 32
lora_dropout: 0.05
lora_target_linear: true
sequence_len: 4096
micro_batch_size: 2
num_epochs: 1
learning_rate: 2e-4
bf16: auto
"""

GOOD_SKY = """name: train
resources: {accelerators: H100:8}
num_nodes: 2
envs: {MODEL: meta-llama/Llama-3.1-8B}
run: torchrun train.py
"""

GOOD_SKY_SERVICE = """name: serve
resources: {accelerators: H100:8, ports: 8000}
service: {readiness_probe: /health, replicas: 2}
run: bash serve.sh --data-parallel-size 4 --api-server-count 4
"""

GOOD_DS = {"train_micro_batch_size_per_gpu": 1, "gradient_accumulation_steps": 8, "bf16": {"enabled": True},
           "zero_optimization": {"stage": 3, "overlap_comm": True}}
GOOD_ACCELERATE = """compute_environment: LOCAL_MACHINE
distributed_type: FSDP
mixed_precision: bf16
num_machines: 1
num_processes: 8
fsdp_config:
  fsdp_sharding_strategy: FULL_SHARD
  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP
"""


GOOD_TORCHTITAN = """[model]
name = "llama3"
flavor = "70B"
converters = ["quantize.linear.float8"]

[training]
local_batch_size = 8
global_batch_size = 16
seq_len = 8192

[parallelism]
data_parallel_shard_degree = 2
tensor_parallel_degree = 2
pipeline_parallel_degree = 2
pipeline_parallel_first_stage_less_layers = 1
pipeline_parallel_last_stage_less_layers = 1

[activation_checkpoint]
mode = "selective"
selective_ac_option = "op"

[quantize.linear.float8]
filter_fqns = ["output"]
"""


def with_manifest(files, gpus, layers=80, training=None):
    """The files plus the manifest stackplan writes beside them: their digests, the GPUs, the
    model's layers and the plan's training section."""
    import hashlib
    digests = [{"file": n, "sha256": hashlib.sha256(t.encode()).hexdigest()} for n, t in files.items()]
    manifest = {"artifacts": digests, "cluster": {"gpus": gpus}, "model_layers": layers,
                "plan": {"axis": "model", "training": training or {}}}
    return {**files, "manifest.json": json.dumps(manifest)}


def megatron_with(*lines):
    return "MEGATRON_ARGS=(\n" + "".join(f"    {l}\n" for l in lines) + ")\n"


# (case, {file: content}, expected verdict, a word the failure must name)
SELF_TEST_CASES = [
    ("good-megatron-torchrun", {"torchrun.sh": GOOD_MEGATRON}, True, None),
    ("good-sbatch", {"job.sbatch": GOOD_SBATCH + megatron_with("--tensor-model-parallel-size 2")}, True, None),
    ("good-serve", {"serve.sh": GOOD_VLLM + GOOD_SGLANG}, True, None),
    ("good-configs", {"ds_config.json": json.dumps(GOOD_DS), "accelerate_config.yaml": GOOD_ACCELERATE,
                      "axolotl.yml": GOOD_AXOLOTL, "pytorchjob.yaml": GOOD_PYTORCHJOB,
                      "rayservice.yaml": GOOD_RAYSERVICE, "sky_task.yaml": GOOD_SKY}, True, None),
    ("megatron-vllm-name", {"torchrun.sh": GOOD_MEGATRON.replace("--tensor-model-parallel-size 2",
                                                                 "--tensor-parallel-size 2")},
     False, "--tensor-parallel-size"),
    ("megatron-bad-choice", {"torchrun.sh": megatron_with("--recompute-granularity foo") + "torchrun x.py\n"},
     False, "foo"),
    ("megatron-int-expansion", {"torchrun.sh": megatron_with('--micro-batch-size "$MBS"') + "torchrun x.py\n"},
     False, "$MBS"),
    ("megatron-flag-with-value", {"torchrun.sh": megatron_with("--bf16 1") + "torchrun x.py\n"}, False, "'1'"),
    ("torchrun-unknown", {"torchrun.sh": "exec torchrun --nproc 8 train.py\n"}, False, "--nproc"),
    ("torchrun-missing", {"torchrun.sh": "exec python train.py\n"}, False, "no torchrun"),
    ("sbatch-unknown", {"job.sbatch": "#!/bin/bash\n#SBATCH --gpus-per-task-node=8\nsrun true\n"},
     False, "--gpus-per-task-node"),
    ("vllm-abbrev", {"serve.sh": "exec vllm serve m --tp 2 --max-model-len 4096\n"}, False, "--tp"),
    ("vllm-bad-int", {"serve.sh": "vllm serve m --max-model-len 4k\n"}, False, "4k"),
    ("sglang-abbrev", {"serve.sh": "python -m sglang.launch_server --model-path m --mem-frac 0.8\n"},
     False, "--mem-frac"),
    ("ds-stage-4", {"ds_config.json": json.dumps({**GOOD_DS, "zero_optimization": {"stage": 4}})},
     False, "zero_optimization.stage"),
    ("accelerate-typo", {"accelerate_config.yaml": GOOD_ACCELERATE.replace("sharding_strategy", "sharding_stratgy")},
     False, "fsdp_sharding_stratgy"),
    ("axolotl-typo", {"axolotl.yml": GOOD_AXOLOTL + "lora_rnk: 16\n"}, False, "lora_rnk"),
    ("axolotl-type", {"axolotl.yml": GOOD_AXOLOTL.replace("micro_batch_size: 2", "micro_batch_size: two")},
     False, "micro_batch_size"),
    ("pytorchjob-unknown-field", {"pytorchjob.yaml": GOOD_PYTORCHJOB + "  nonsenseField: true\n"},
     False, "nonsenseField"),
    ("rayservice-unknown-field", {"rayservice.yaml": GOOD_RAYSERVICE + "  nonsenseField: true\n"},
     False, "nonsenseField"),
    ("sky-serve-run-flags", {"serve.sh": 'exec vllm serve m --tensor-parallel-size 2 "$@"\n',
                             "sky_task.yaml": GOOD_SKY_SERVICE}, True, None),
    ("sky-serve-run-bad-flag", {"serve.sh": 'exec vllm serve m --tensor-parallel-size 2 "$@"\n',
                                "sky_task.yaml": GOOD_SKY_SERVICE.replace("--data-parallel-size", "--dp-size")},
     False, "--dp-size"),
    ("sky-string-num-nodes", {"sky_task.yaml": GOOD_SKY.replace("num_nodes: 2", "num_nodes: two")},
     False, "num_nodes"),
    ("good-torchtitan", with_manifest({"torchtitan.toml": GOOD_TORCHTITAN}, 8,
                                      training={"dp": 2, "tp": 2, "pp": 2, "cp": 1, "global_batch": 16,
                                                "micro_batch": 1, "interleave": 1}), True, None),
    # a looped schedule without layers_per_stage builds 2 stages a rank, not the plan's one
    ("torchtitan-looped-stages", with_manifest({"torchtitan.toml": GOOD_TORCHTITAN.replace(
        "pipeline_parallel_degree = 2", "pipeline_parallel_degree = 2\npipeline_parallel_schedule = \"Interleaved1F1B\"")},
        8, training={"interleave": 1}), False, "over 4 stages"),
    # 1F1B is a single-stage schedule: 3 layers a stage makes 28 stages, 14 a rank
    ("torchtitan-single-stage", with_manifest({"torchtitan.toml": GOOD_TORCHTITAN.replace(
        "pipeline_parallel_degree = 2", "pipeline_parallel_degree = 2\npipeline_parallel_layers_per_stage = 3")},
        8), False, "1F1B over 28 stages"),
    ("torchtitan-explicit-order", with_manifest({"torchtitan.toml": GOOD_TORCHTITAN.replace(
        "pipeline_parallel_first_stage_less_layers = 1\npipeline_parallel_last_stage_less_layers = 1",
        "module_fqns_per_model_part = [[\"tok_embeddings\", \"layers.0\"], [\"layers.2\", \"norm\", \"output\"]]")},
        8, layers=2), False, "in order"),
    ("torchtitan-unknown-key", {"torchtitan.toml": GOOD_TORCHTITAN + "[training.extra]\n"}, False, "training.extra"),
    ("torchtitan-typo", {"torchtitan.toml": GOOD_TORCHTITAN.replace("seq_len", "sequence_len")},
     False, "sequence_len"),
    ("torchtitan-bad-literal", {"torchtitan.toml": GOOD_TORCHTITAN.replace('"selective"', '"some"')}, False, "mode"),
    ("torchtitan-upstream-converter", {"torchtitan.toml": GOOD_TORCHTITAN.replace('"quantize.linear.float8"]',
                                                                                 '"float8"]')},
     False, "float8"),
    ("torchtitan-flavor", {"torchtitan.toml": GOOD_TORCHTITAN.replace('"70B"', '"72B"')}, False, "72B"),
    ("torchtitan-world", with_manifest({"torchtitan.toml": GOOD_TORCHTITAN}, 16), False, "16 GPUs"),
    ("torchtitan-batch", with_manifest({"torchtitan.toml": GOOD_TORCHTITAN.replace("global_batch_size = 16",
                                                                                   "global_batch_size = 24")}, 8),
     False, "global batch 24"),
    # 80 layers + 2 on 4 stages at torchtitan's default weights: 20, 21, 20, 19, more than ceil(80/4)
    ("torchtitan-split", with_manifest({"torchtitan.toml": GOOD_TORCHTITAN.replace(
        "tensor_parallel_degree = 2\npipeline_parallel_degree = 2", "tensor_parallel_degree = 1\npipeline_parallel_degree = 4")},
        8), False, "at most 21 a rank"),
    ("ds-batch", with_manifest({"ds_config.json": json.dumps({**GOOD_DS, "train_batch_size": 16})}, 8),
     False, "train_batch_size 16"),
]


def self_test(engines_dir):
    eng = Engines(engines_dir)
    wrong = 0
    with tempfile.TemporaryDirectory(prefix="check_engines.") as tmp:
        for case, files, want_ok, must_name in SELF_TEST_CASES:
            d = os.path.join(tmp, case)
            os.mkdir(d)
            for name, content in files.items():
                open(os.path.join(d, name), "w", encoding="utf-8").write(content)
            results = [r for r in check_profile(d, eng) if r[0] is not None]
            fails = [f"{label}: {text}" for ok, label, text in results if not ok]
            got_ok = bool(results) and not fails
            right = got_ok == want_ok and (want_ok or any(must_name in f for f in fails))
            wrong += not right
            detail = f"{len(results)} checks pass" if got_ok else short(" | ".join(fails) or "nothing checked", 200)
            print(f"{'ok  ' if right else 'FAIL'} self-test {case}: expected {'accept' if want_ok else 'reject'}, "
                  f"{'accepted' if got_ok else 'rejected'} ({detail})")
        # An OUT_DIR with no artifact must fail the run, not pass it.
        os.mkdir(os.path.join(tmp, "empty"))
        with contextlib.redirect_stdout(io.StringIO()):
            code = run(engines_dir, [os.path.join(tmp, "empty")])
        wrong += code != 1
        print(f"{'ok  ' if code == 1 else 'FAIL'} self-test empty-out-dir: expected exit 1, got {code}")
    print(f"{len(SELF_TEST_CASES) + 1} self-test cases, {wrong} wrong")
    return 1 if wrong else 0


def main(argv):
    if len(argv) == 2 and argv[0] == "--self-test":
        return self_test(argv[1])
    if len(argv) < 2 or argv[0].startswith("-"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    return run(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
