#!/usr/bin/env python3
"""The docs' shown output is what the tool prints.

usage: excerpts.py STACKPLAN SOURCE_ROOT DOC...

For every fenced block of each DOC, every `$ stackplan ...` line (a trailing backslash continues it)
is run, and every line shown under it, cut at each `...` the docs use for an elision, must appear in
what it prints; a block after `<!-- file: PATH -->` shows a file an earlier command wrote, and its
lines must be in that file. Commands run in a scratch directory that sees the source's examples/, data/ and
tests/ (launch writes its out/ there, not into the source tree)."""
import os
import re
import shlex
import subprocess
import sys
import tempfile


def blocks(path):
    """Each fenced block's lines, with the file it shows when an HTML comment `<!-- file: PATH -->`
    stands on the line before its fence (a file an earlier block's command wrote), else None."""
    out, cur, inside, shows, last = [], [], False, None, ""
    for line in open(path, encoding="utf-8").read().split("\n"):
        if line.lstrip().startswith("```"):
            if inside:
                out.append((shows, cur))
            else:
                m = re.match(r"\s*<!-- file: (\S+) -->\s*$", last)
                shows = m.group(1) if m else None
            cur, inside = [], not inside
        elif inside:
            cur.append(line)
        last = line
    return out


def commands(lines):
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ stackplan"):
            i += 1
            continue
        cmd = lines[i][2:]
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        i += 1
        shown = []
        while i < len(lines) and not lines[i].startswith("$ "):
            shown.append(lines[i])
            i += 1
        yield cmd, shown


def main():
    binary, root, docs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3:]
    failed = checked = 0
    with tempfile.TemporaryDirectory(prefix="stackplan-docs.") as work:
        for name in ("examples", "data", "tests"):
            os.symlink(os.path.join(root, name), os.path.join(work, name))
        for doc in docs:
            for shows, lines in blocks(os.path.join(root, doc)):
                if shows:  # a file's excerpt: each shown piece is in the file as written
                    path = os.path.join(work, shows)
                    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
                    for part in (p.strip() for line in lines for p in line.split("...")):
                        if part:
                            checked += 1
                            if part not in text:
                                failed += 1
                                print(f"FAIL {doc}: {shows} does not hold {part[:120]!r}")
                    continue
                for cmd, shown in commands(lines):
                    # through the shell, as a reader types it (quotes, a pipe into grep)
                    line = shlex.quote(binary) + cmd[len("stackplan"):]
                    text = subprocess.run(["bash", "-c", line], cwd=work, capture_output=True, text=True).stdout
                    for s in shown:
                        for part in s.split("..."):
                            part = part.strip()
                            if not part:
                                continue
                            checked += 1
                            if part not in text:
                                failed += 1
                                print(f"FAIL {doc}: `{cmd[:80]}` does not print {part[:120]!r}")
    print(f"{checked} shown pieces checked, {failed} missing")
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
