#!/usr/bin/python3
"""The HTML pages (issue 18) hold what the text and JSON reports hold, and every chart is
well-formed SVG with a title and labelled axes, nothing fetched from the network.

usage: check_html.py STACKPLAN SOURCE_ROOT   (the html_* cases of tests/golden/cases.txt)
"""
import html
import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def run(binary, args, root):
    """The report of an answered command: exit 0, or 3 when it answers that a target is missed."""
    done = subprocess.run([binary, *args], cwd=root, capture_output=True, text=True)
    if done.returncode not in (0, 3) or done.stderr:
        raise SystemExit(f"{' '.join(args)}: exit {done.returncode}, stderr {done.stderr!r}")
    return done.stdout


def check_page(name, page, text, report):
    """(ok, message) pairs for one page."""
    pres = re.findall(r"<pre>(.*?)</pre>", page, re.S)
    yield len(pres) == 2, "two <pre> blocks: the text report and the JSON"
    yield html.unescape(pres[0]) == text, "the page's report is the text report, byte for byte"
    yield json.loads(html.unescape(pres[1])) == json.loads(report), "the page's JSON is the JSON report"
    yield not re.search(r"(src|href)=\"(https?:)?//", page) and "<script" not in page, "no network, no script"
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    yield len(svgs) >= 1, f"{len(svgs)} chart(s)"
    for i, svg in enumerate(svgs):
        root = ET.fromstring(svg)
        title = root.find(f"{SVG}title")
        texts = [t.text or "" for t in root.iter(f"{SVG}text")]
        yield title is not None and title.text, f"chart {i + 1} parses as SVG and has a title"
        yield root.find(f"{SVG}style") is not None and "prefers-color-scheme:dark" in svg, \
            f"chart {i + 1} has a dark theme"
        yield len(texts) >= 4 and any(re.search(r"\(|GB|days|seconds|hours|GPUs", t) for t in texts), \
            f"chart {i + 1} labels its axes with units"


def main():
    binary, root = sys.argv[1], sys.argv[2]
    failed = checked = 0
    for line in open(f"{root}/tests/golden/cases.txt"):
        if not line.startswith("html_"):
            continue
        name, args = line.split(None, 1)
        args = shlex.split(args)
        if args[0].startswith("exit="):  # the expected status (tests/golden/run.sh)
            args = args[1:]
        page = run(binary, args, root)
        base = [a for i, a in enumerate(args) if a != "html" and not (a == "--format" and args[i + 1] == "html")]
        text = run(binary, base, root)
        report = run(binary, base + ["--format", "json"], root)
        for ok, what in check_page(name, page, text, report):
            checked += 1
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {what}")
    print(f"{checked} checked, {failed} failed")
    sys.exit(1 if failed or not checked else 0)


main()
