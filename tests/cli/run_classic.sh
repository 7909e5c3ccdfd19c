#!/usr/bin/env bash
# `stackplan classic` equals the seed's printed output line for line once runs
# of spaces are collapsed, lines trimmed and blank lines dropped (issue 2).
set -u
bin=$1 dir=$2
normalize() { sed -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//' | grep -v '^$'; }
out=$("$bin" classic 2>&1) || { echo "FAIL classic exited $?: $out"; exit 1; }
diff -u "$dir/seed_output.txt" <(printf '%s\n' "$out" | normalize) && echo "1 passed, 0 failed"
