#!/usr/bin/env bash
# Issue 20, D3/D4: every input answers, or is refused with one line (exit 2), within the wall
# limit (2 s) and 500 MB: deep YAML nesting, many anchors, large and many-rowed files, names and
# keys given twice, and training searches with billions of layouts (docs/CLI.md, Limits).
# usage: bounded_work.sh STACKPLAN SOURCE_ROOT
# STACKPLAN_TIME_LIMIT (seconds, default 2) and STACKPLAN_RSS_LIMIT_KB (default 512000) set the
# limits; a sanitizer build (make test runs one) is about 10 times slower and holds shadow memory,
# so it gets 10 times the time and 4 times the memory unless those are set.
set -u
bin=$1 root=$(cd "$2" && pwd)
limit=${STACKPLAN_TIME_LIMIT:-2} rss_limit=${STACKPLAN_RSS_LIMIT_KB:-512000}
if grep -qa __asan_init "$bin"; then
  limit=${STACKPLAN_TIME_LIMIT:-20} rss_limit=${STACKPLAN_RSS_LIMIT_KB:-2048000}
  echo "# sanitizer build: limits ${limit} s and ${rss_limit} KB"
fi
work=$(mktemp -d /tmp/stackplan-bounded.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$root" || exit 1
pass=0 fail=0
gnu_time=
/usr/bin/time -v true >/dev/null 2>&1 && gnu_time=/usr/bin/time

# run WHAT CODE PATTERN ARGS...: the command exits CODE within the limit and under the memory
# limit; with 2, stdout is empty and stderr one line matching PATTERN (grep -E).
run() {
  local what=$1 want=$2 pattern=$3; shift 3
  local start end code rss=0 why=
  start=$(date +%s.%N)
  if [ -n "$gnu_time" ]; then
    "$gnu_time" -v -o "$work/rusage" timeout "$limit" "$@" >"$work/out" 2>"$work/err"; code=$?
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$work/rusage")
  else
    timeout "$limit" "$@" >"$work/out" 2>"$work/err"; code=$?
  fi
  end=$(date +%s.%N)
  local took; took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  if [ "$code" -eq 124 ]; then why="over ${limit} s"
  elif [ "$code" -ne "$want" ]; then why="exit $code, want $want: $(head -c 300 "$work/err")"
  elif [ "${rss:-0}" -gt "$rss_limit" ]; then why="peak memory ${rss} KB over ${rss_limit} KB"
  elif [ "$want" -eq 2 ] && { [ -s "$work/out" ] || [ "$(wc -l <"$work/err")" -ne 1 ]; }; then why="not one line on stderr and nothing on stdout"
  elif ! grep -Eq -- "$pattern" "$work/err" "$work/out"; then why="no /$pattern/ in: $(head -c 300 "$work/err")"
  fi
  if [ -z "$why" ]; then
    pass=$((pass + 1)); echo "ok   $what (${took} s, ${rss:-?} KB)"
  else
    fail=$((fail + 1)); echo "FAIL $what (${took} s, ${rss:-?} KB): $why"
  fi
}

py() { python3 -c "$1"; }

# ---- D3 (a): YAML nesting, measured by libyaml's scanner before anything is built
py "print('[' * 80000 + ']' * 80000)" >"$work/deep.yaml"
run "80,000-deep flow list (P5): refused at depth 65" 2 'yaml: nested more than 64 deep' "$bin" plan "$work/deep.yaml"
py "print('{a: ' * 40000 + '1' + '}' * 40000)" >"$work/deepmap.yaml"
run "40,000-deep flow mapping: refused" 2 '1:[0-9]+: yaml: nested more than 64' "$bin" plan "$work/deepmap.yaml"
py "print('- name: x\n  data_tb: 1\n  train_hours: 1\n  budget_usd: 1\n  stages: ' + '[' * 30000 + ']' * 30000)" >"$work/stages.yaml"
run "30,000-deep stages: list inside a profile: refused" 2 'yaml: nested more than 64' "$bin" plan "$work/stages.yaml"
py "print('[' * 30000 + ']' * 30000)" >"$work/deepcat.yaml"
run "30,000-deep --accelerators catalog (C5): refused" 2 'deepcat.yaml:1:65: yaml: nested' \
  "$bin" train --model llama-3.1-8b --accelerators "$work/deepcat.yaml" --gpu x --gpus 8 --global-batch 8
py "print('- ' * 40000 + 'x')" >"$work/deepblock.yaml"
run "40,000-deep block list, '- - - ...' (P4): refused" 2 'yaml: nested more than 64' "$bin" plan "$work/deepblock.yaml"
py "print(''.join('  ' * i + '- \n' for i in range(1000)))" >"$work/indented.yaml"
run "1,000-deep indented block list: refused" 2 'indented.yaml:65:[0-9]+: yaml: nested more than 64' "$bin" plan "$work/indented.yaml"
py "print('[' * 64 + ']' * 64)" >"$work/d64.yaml"
run "64 deep is within the limit (the profile reader says what is wrong)" 2 'profile: expected a mapping' "$bin" plan "$work/d64.yaml"

# ---- anchors: libyaml's loader looks each one up among all of them
py "print(''.join(f'- &a{i} 1\n' for i in range(150000)), end='')" >"$work/anchors.yaml"
run "150,000 anchors: refused at the 1,025th" 2 ':1025:3: yaml: more than 1024 anchors' "$bin" plan "$work/anchors.yaml"
printf -- '- &p {name: x, params_b: 7, train_hours: 10, budget_usd: 1000}\n- *p\n' >"$work/alias.yaml"
run "an aliased profile is still a name given twice (P2)" 2 "'x' names two profiles" "$bin" plan "$work/alias.yaml"

# ---- size
py "print('[' + '1,' * (1048576 - 8) + '1]')" >"$work/flat.yaml"
run "a 2 MiB flow list of 1 M items (the densest input that loads)" 2 'at most 1000 in one file' "$bin" plan "$work/flat.yaml"
py "print('#' * (3 * 1024 * 1024))" >"$work/big.yaml"
run "3 MiB: refused before parsing" 2 'big.yaml:0:0: file: larger than 2 MiB' "$bin" plan "$work/big.yaml"
head -c 70000000 /dev/zero >"$work/zero.yaml"
run "70 MB (P35): refused after reading 2 MiB" 2 'file: larger than 2 MiB' "$bin" plan "$work/zero.yaml"
py "print('{\"model_type\": \"llama\", \"x\": [' + '1,' * 1100000 + '1]}')" >"$work/config.json"
run "a 2.2 MB config.json: refused" 2 'config.json:0:0: file: larger than 2 MiB' "$bin" memory --hf-config "$work/config.json"

# ---- D4: names and keys given twice, found by sorting; rows per file
row='params_b: 7, train_hours: 10, budget_usd: 1000'
py "print(''.join(f'- {{name: p{i}, $row}}\n' for i in range(1000)), end='')" >"$work/p1000.yaml"
run "1,000 profiles, --format json" 0 '"stackplan_version"' "$bin" plan "$work/p1000.yaml" --format json
run "1,000 profiles, --format html" 0 '<html' "$bin" plan "$work/p1000.yaml" --format html
py "print(''.join(f'- {{name: p{i}, $row}}\n' for i in range(999)) + '- {name: p500, $row}')" >"$work/dup.yaml"
run "1,000 profiles, the last repeating a name" 2 "dup.yaml:1000:3: name: 'p500' names two profiles \(first on line 501\)" "$bin" plan "$work/dup.yaml"
py "print(''.join(f'- {{name: p{i}, $row}}\n' for i in range(1001)), end='')" >"$work/p1001.yaml"
run "1,001 profiles: refused" 2 'p1001.yaml:1:1: profiles: 1001 profiles: at most 1000' "$bin" plan "$work/p1001.yaml"
py "print(''.join(f'- {{name: p{i}, $row}}\n' for i in range(20000)), end='')" >"$work/p20k.yaml"
run "20,000 profiles, 1.3 MB (P31): refused" 2 'at most 1000 in one file' "$bin" plan "$work/p20k.yaml" --format json
py "print(''.join(f'- {{name: p{i}, $row}}\n' for i in range(100000)), end='')" >"$work/p100k.yaml"
run "100,000 profiles, 6.5 MB (P32): refused" 2 'file: larger than 2 MiB' "$bin" plan "$work/p100k.yaml" --format json
py "print('- {' + ', '.join(f'k{i}: 1' for i in range(150000)) + ', k7: 2}')" >"$work/keys.yaml"
run "150,000 keys in one profile, the last repeating one" 2 'k7: duplicate key \(first given on line 1\)' "$bin" plan "$work/keys.yaml"

accel='vendor: v, memory_bytes: 85899345920, hbm_bytes_per_s: 3.35e12, fp32_flops_per_s: 6.7e13, tf32_flops_per_s: 4.9e14, bf16_flops_per_s: 9.9e14, fp8_flops_per_s: 1.9e15, int8_ops_per_s: 1.9e15, per_node: 8, intra_node_bytes_per_s: 4.5e11, inter_node_bytes_per_s: 5e10, usd_per_hour: 6.88, spec_source: s, link_source: s, price_source: s, price_date: 2025-01'
py "print(''.join(f'- {{name: g{i}, $accel}}\n' for i in range(1000)), end='')" >"$work/a1000.yaml"
run "a 1,000-row accelerator catalog" 0 'g999' "$bin" serve --model llama-3.1-8b --accelerators "$work/a1000.yaml" --gpu g999
py "print(''.join(f'- {{name: g{i}, $accel}}\n' for i in range(999)) + '- {name: g3, $accel}')" >"$work/adup.yaml"
run "1,000 rows, the last repeating a name" 2 "adup.yaml:1000:3: name: 'g3' is listed twice" \
  "$bin" serve --model llama-3.1-8b --accelerators "$work/adup.yaml" --gpu g0
py "print(''.join(f'- {{name: g{i}, $accel}}\n' for i in range(1001)), end='')" >"$work/a1001.yaml"
run "1,001 rows: refused" 2 'accelerators: 1001 rows: at most 1000' "$bin" serve --model llama-3.1-8b --accelerators "$work/a1001.yaml" --gpu g0
py "print(''.join(f'- {{name: g{i}, $accel}}\n' for i in range(140000)), end='')" >"$work/a140k.yaml"
run "140,000 rows, 52 MB (C4): refused" 2 'file: larger than 2 MiB' "$bin" serve --model llama-3.1-8b --accelerators "$work/a140k.yaml" --gpu g0

# ---- D3 (b): layouts one training search may check
G=5040,7560,10080,15120,20160,25200,27720,45360,50400,55440,83160,110880,166320,221760,277200,332640,498960,554400,665280,720720,1081080,1441440,2162160,2882880,3603600,4324320,6486480,7207200,8648640
A=h100-sxm-80gb,h100-pcie-80gb,h200-sxm-141gb,b200-sxm-192gb,a100-sxm-80gb,a100-sxm-40gb,v100-sxm-16gb,v100-sxm-32gb,l4-pcie-24gb,l40s-pcie-48gb,a10g-pcie-24gb,mi300x-oam-192gb,tpu-v5e-16gb
run "a shape of 7,560 layers on 13 accelerators x 29 counts (T26): refused" 2 \
  '^stackplan: --gpus: 5040 x h100-sxm-80gb: .*more than 1,048,576 layouts' \
  "$bin" train --layers 7560 --hidden 64 --heads 8 --vocab 8 --gpu "$A" --gpus "$G" --global-batch 73513440 --top 32 --format json
py "print(''.join(f'- {{name: wide{i}, ' + '$accel'.replace('per_node: 8,', 'per_node: 1024,') + '}\\n' for i in range(16)), end='')" >"$work/wide.yaml"
W=$(seq -s, -f 'wide%g' 0 15)
run "16 rows of per_node 1024, 720 heads (T27): refused" 2 'wide0: .*more than 1,048,576 layouts' \
  "$bin" train --accelerators "$work/wide.yaml" --layers 7560 --hidden 720 --heads 720 --vocab 8 --gpu "$W" --gpus "$G" --global-batch 73513440 --top 32 --format json
# A request runs many searches (16 parts x 32 counts, then doublings that explain an empty
# answer, then counts that explain an impossible one): they share one limit (api/cmd_train.c).
G2=25200,45360,50400,83160,166320,221760,277200,332640,498960,554400,665280,720720,1081080,1441440,2162160,2882880,3603600,4324320,6486480,7207200,8648640
run "12 accelerators x 21 counts, each search under its limit: refused as a request" 2 'more than 4194304 layouts, the most one request' \
  "$bin" train --layers 7560 --hidden 64 --heads 8 --vocab 8 --gpu "${A%,tpu-v5e-16gb}" --gpus "$G2" --global-batch 73513440 --top 32 --format json
run "nothing fits at 8 GPUs of 13 accelerators: refused as a request" 2 'the most one request checks' \
  "$bin" train --layers 7560 --hidden 8192 --heads 64 --vocab 8 --seq 1e7 --gpu "$A" --gpus 8 --global-batch 73513440
run "nothing fits at 8 GPUs of 4 accelerators: the doublings that explain it stop at the limit" 3 'no layout fits memory' \
  "$bin" train --layers 7560 --hidden 8192 --heads 64 --vocab 8 --seq 1e7 --gpu h100-sxm-80gb,h100-pcie-80gb,h200-sxm-141gb,b200-sxm-192gb --gpus 8 --global-batch 73513440
run "9,999,989 GPUs that no layout splits: the look for a count that would is bounded" 2 'no layout splits' \
  "$bin" train --model llama-3.1-8b --gpu h100-sxm-80gb --gpus 9999989 --global-batch 7
run "llama-3.1-405b, 13 accelerators x 1-65536, --top 32 (T24): answers" 0 '"found"' \
  "$bin" train --model llama-3.1-405b --gpu "$A" --gpus 1-65536 --global-batch 2048 --top 32 --format json
run "the golden 70B search still answers" 0 'plans_evaluated' \
  "$bin" train --model llama-2-70b --gpu a100-sxm-80gb,h100-sxm-80gb,mi300x-oam-192gb --gpus 64-256 --global-batch 512 --tokens 2T --deadline-days 100 --top 3 --format json

# Found by fuzz_request (4.4 s): a per-token target below what one request alone takes sent the
# replica loop through 4x+8 simulations of a queue that never drains; no count can meet it.
run "serve at p95 with an out-of-reach TPOT target (a lone token takes longer): answers, exit 3" 3 'unreachable' \
  "$bin" serve --model llama-3.1-70b --gpu h200 --qps 35 --tpot-ms 16 --percentile 95 --tp 2 --format json

# Found by fuzz_request too (0.78 s, 7 s under ASan): 610 requests/s held at p95 searched the
# replica counts one by one; doubling then bisection finds the same count in log2 of the runs.
run "serve 70B at 610 requests/s, p95 TPOT 33 ms, every tp: answers" 0 '"binding"' \
  "$bin" serve --model llama-3.1-70b --gpu h200 --qps 610 --tpot-ms 33 --percentile 95 --format json

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
