#!/usr/bin/env bash
# Issue 20, D2/D6/D12/D13: labels and messages stay one line and inert; counts in engine command
# lines are exact integers; encoders are not sized as generating fleets.
# usage: messages.sh STACKPLAN SOURCE_ROOT
set -u
bin=$1 root=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/stackplan-messages.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { local what=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi; }

printf -- '- name: x\n  params_b: 7\n  train_hours: 10\n  budget_usd: 1000\n  "bad\\nkey\\e[31mRED": 1\n' >"$work/nlkey.yaml"
"$bin" plan "$work/nlkey.yaml" >/dev/null 2>"$work/err"
check "a newline in a YAML key leaves the error on one line" test "$(wc -l <"$work/err")" -eq 1
check "an escape sequence in a file never reaches the terminal" bash -c "! grep -q $'\e' '$work/err' && grep -qF '\\e[31m' '$work/err'"
"$bin" train --model llama-3.1-8b --gpu $'h100\nline2\e[2J' --gpus 8 --global-batch 8 >/dev/null 2>"$work/err2"
check "a control character in a flag value is escaped too" bash -c "[ \$(wc -l <'$work/err2') -eq 1 ] && ! grep -q $'\e' '$work/err2'"

python3 - "$root/data/models/llama-3.1-8b.json" "$work/evil.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m.pop("_source", None)
m["_stackplan_name"] = "x; touch PWNED #\necho second-line"
json.dump(m, open(sys.argv[2], "w"))
PY
"$bin" serve --hf-config "$work/evil.json" --gpu h100-sxm-80gb >"$work/serve.txt" 2>&1
check "a hostile model label prints on one line" bash -c "! grep -q '^echo second-line' '$work/serve.txt'"
launch=$("$bin" serve --hf-config "$work/evil.json" --gpu h100-sxm-80gb --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["launch"])')
(cd "$work" && mkdir -p fb && printf '#!/bin/sh\nexit 0\n' >fb/vllm && chmod +x fb/vllm && PATH="$work/fb:$PATH" sh -c "$launch")
check "running the serving launch line runs nothing else" test ! -e "$work/PWNED"

"$bin" serve --model tinyllama-1.1b --gpu h200-sxm-141gb --prompt-tokens 1234567 --output-tokens 100 --context 1300000 >"$work/long.txt"
check "--max-model-len is the exact integer (1234667), never %g" grep -q -- "--max-model-len 1234667 " "$work/long.txt"
"$bin" serve --layers 1 --hidden 1 --heads 1 --vocab 1 --ffn 1 --gpu h100-sxm-80gb >"$work/tiny.txt"
check "--max-num-seqs is an exact integer" bash -c "grep -- '--max-num-seqs' '$work/tiny.txt' | grep -qv 'e+'"
"$bin" serve --model bert-large-uncased --gpu h100-sxm-80gb >"$work/bert.out" 2>"$work/bert.err"; code=$?
check "an encoder is refused for serving (exit 2, one line)" bash -c "[ $code -eq 2 ] && [ \$(wc -l <'$work/bert.err') -eq 1 ] && grep -q encoder '$work/bert.err'"
"$bin" version >/dev/full 2>/dev/null; code=$?
check "version to a full disk fails (exit 1), not a silent 0" test "$code" -eq 1
"$bin" --help >/dev/full 2>/dev/null; code=$?
check "--help to a full disk fails too" test "$code" -eq 1
{ printf '\xef\xbb\xbf'; cat "$root/tests/cli/hf/Qwen3-8B/config.json"; } >"$work/bom.json"
check "a config.json with a UTF-8 byte-order mark is read" bash -c "'$bin' memory --hf-config '$work/bom.json' | grep -q 'qwen3, 8.191 B'"
cp -r "$root/data" "$work/data"
python3 - "$work/data/models/tinyllama-1.1b.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["_stackplan_name"] = "evil\nlabel; rm -rf ~"
json.dump(m, open(sys.argv[1], "w"))
PY
"$bin" catalog models --data-dir "$work/data" >"$work/models.txt"
check "catalog models lists rows by the file name --model takes, never a file's label" \
  bash -c "grep -q '^tinyllama-1.1b ' '$work/models.txt' && ! grep -q 'evil' '$work/models.txt'"
"$bin" plan '' >/dev/null 2>"$work/empty.err"; code=$?
check "an empty file name is refused without naming a flag that does not exist" \
  bash -c "[ $code -eq 2 ] && grep -qx 'stackplan: an empty file name names no file' '$work/empty.err'"
mkdir -p "$work/nomodels"
"$bin" catalog models --data-dir "$work/nomodels" >/dev/null 2>"$work/cat.err"
check "a model catalog that cannot be opened says why (errno)" grep -q 'No such file or directory' "$work/cat.err"
"$bin" breakeven --gpus 8 --usd-per-gpu-hour 2 --premium 1.0000000000001 --ops-hours 10 --ops-usd-per-hour 100 \
  --format json >"$work/be.json"
check "a premium printed as 1.0 has no break-even (null), not 6e14 hours" \
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r['managed_premium']==1.0 and r['breakeven_hours'] is None))" "$work/be.json"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
