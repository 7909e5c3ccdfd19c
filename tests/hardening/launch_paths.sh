#!/usr/bin/env bash
# Issue 20, D1/D7/D8/D9/D10/D17: every path launch and the loaders build is exact or refused with
# one line; a launch is all or nothing (nothing on stdout, no file left, one exit status a kind of
# failure); concurrent launches into one folder cannot both succeed; spark.sh runs --entry;
# FIFOs and an empty --data-dir are refused.
# usage: launch_paths.sh STACKPLAN SOURCE_ROOT
set -u
bin=$1 root=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/stackplan-launch-paths.XXXXXX)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
pass=0 fail=0
check() { local what=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi; }
skip() { echo "skip $1"; }
cd "$work" || exit 1
ex=$root/examples/launch.yaml
one_line() { test "$(wc -l <"$1")" -eq 1; }
no_stage() { test -z "$(find "$work" -name '.stackplan.tmp.*' 2>/dev/null)"; }
printf -- '- name: "Fine-tune on one node"\n  params_b: 3\n  axis: training\n  train_hours: 10\n  budget_usd: 1000\n' >one.yaml

# D1: a long --out (999 characters, legal) gives the real names; one past PATH_MAX is refused.
long=$(python3 -c "print('/'.join(['o'*200]*4) + '/' + 'p'*195)")
mkdir -p "$long"
"$bin" launch one.yaml --out "$long" >out.txt 2>err.txt; code=$?
check "a 999-character --out exits 0" test "$code" -eq 0
check "and writes every artifact under its real name" \
  test -f "$long/fine-tune-on-one-node/requirements.txt" -a -f "$long/fine-tune-on-one-node/ray.sh"
check "ray.sh is ray.sh (not overwritten by requirements.txt)" grep -q "ray job submit" "$long/fine-tune-on-one-node/ray.sh"
check "the printed paths are the files" bash -c 'while read -r p; do test -f "$p" || exit 1; done <out.txt'
huge=$(python3 -c "print('/'.join(['q'*250]*16) + '/' + 'r'*44)")  # 4060 characters: the artifacts' paths pass 4095
mkdir -p "$huge"
"$bin" launch one.yaml --out "$huge" >out.txt 2>err.txt; code=$?
check "an --out whose artifacts' paths pass PATH_MAX exits 2" test "$code" -eq 2
check "in one line naming the limit" bash -c "[ \$(wc -l <err.txt) -eq 1 ] && grep -q 'limit is 4095' err.txt"
check "and writes nothing" test -z "$(ls -A "$huge")" -a ! -s out.txt

# D7: concurrent launches with different entries into one folder: exactly one succeeds, unmixed.
race() {  # race NEW|EXISTING -> number of trials that broke the promise
  local bad=0
  for trial in $(seq 8); do
    rm -rf conc
    [ "$1" = EXISTING ] && mkdir conc
    local pids="" ok=0
    for e in a b c d; do "$bin" launch "$ex" --out conc --entry "$e.py" >/dev/null 2>&1 & pids="$pids $!"; done
    for p in $pids; do wait "$p" && ok=$((ok + 1)); done
    local entries
    entries=$(cat conc/*/torchrun.sh conc/*/job.sbatch conc/*/spark.sh 2>/dev/null | grep -o "'[abcd]\.py'" | sort -u | wc -l)
    { [ "$ok" -eq 1 ] && [ "$entries" -eq 1 ]; } || bad=$((bad + 1))
  done
  echo "$bad"
}
check "4 launches into a new folder: one wins, one entry (8 trials)" test "$(race NEW)" -eq 0
check "4 launches into an existing folder: one wins, one entry (8 trials)" test "$(race EXISTING)" -eq 0
check "no staging folder is left behind" no_stage

# D8: a failed launch writes nothing, prints nothing on stdout, and one status a kind of failure.
mkdir -p o2/fine-tune-on-one-node/ray.sh
"$bin" launch "$ex" --out o2 --force >out.txt 2>err.txt; code=$?
check "an artifact path that is a folder (--force) exits 2" test "$code" -eq 2
check "with nothing on stdout and one line on stderr" bash -c "[ ! -s out.txt ] && [ \$(wc -l <err.txt) -eq 1 ]"
check "and nothing written" test "$(find o2 | wc -l)" -eq 3
mkdir -p o3 && touch o3/fine-tune-on-one-node
"$bin" launch "$ex" --out o3 >out.txt 2>err.txt; code=$?
check "a file where a profile's folder goes exits 2" test "$code" -eq 2
check "with nothing on stdout, nothing written" bash -c "[ ! -s out.txt ] && [ \$(ls -A o3 | wc -l) -eq 1 ]"
"$bin" launch "$ex" --out nope/x >out.txt 2>err.txt; code=$?
check "a missing parent exits 2 (as mkdir's other path errors)" test "$code" -eq 2
"$bin" launch "$ex" --out '' >out.txt 2>err.txt; code=$?
check "an empty --out exits 2 in one line" bash -c "[ $code -eq 2 ] && [ \$(wc -l <err.txt) -eq 1 ]"
"$bin" launch "$ex" --out full >/dev/full 2>err.txt; code=$?
check "stdout that cannot be written exits 1" test "$code" -eq 1
check "and the files are taken back" test ! -e full
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  chmod 755 "$work"  # mktemp -d made it 0700: uid 65534 must reach the folders under test
  mkdir -p ro/out/serve-llama-3-1-8b && chmod 777 ro ro/out && chmod 555 ro/out/serve-llama-3-1-8b
  nobody "$bin" launch "$ex" --out ro/out >out.txt 2>err.txt; code=$?
  check "a read-only profile folder (the third) exits 1 (cannot write)" \
    bash -c "[ $code -eq 1 ] && grep -q 'serve-llama-3-1-8b/serve.sh: cannot write: Permission denied' err.txt"
  check "after the earlier profiles' folders were moved back: nothing written" \
    bash -c "[ ! -s out.txt ] && [ \$(find ro/out | wc -l) -eq 2 ]"
  mkdir -p ro2 && chmod 555 ro2
  nobody "$bin" launch "$ex" --out ro2/new >out.txt 2>err.txt; code=$?
  check "a read-only parent of a new --out exits 1 too" \
    bash -c "[ $code -eq 1 ] && grep -q 'ro2/new: cannot create: Permission denied' err.txt"
  "$bin" launch "$ex" --out f --entry old.py >/dev/null
  chmod -R a+rwX f && chmod 555 f/nightly-join-of-two-3-tb-logs  # the last profile: 21 files swapped before it
  before=$(cat f/*/* | sha256sum)
  nobody "$bin" launch "$ex" --out f --entry new.py --force >out.txt 2>err.txt; code=$?
  check "--force failing part-way exits 1" \
    bash -c "[ $code -eq 1 ] && grep -q 'nightly-join-of-two-3-tb-logs/spark.sh: cannot write' err.txt"
  check "and puts every replaced file back" test "$before" = "$(cat f/*/* | sha256sum)"
else
  skip "read-only folders (needs root and setpriv to drop to uid 65534)"
fi
check "no staging folder is left after any failure" no_stage

# D17: links to nothing, FIFOs, an empty data directory.
mkdir -p dl/fine-tune-on-one-node && ln -s "$work/victim" dl/fine-tune-on-one-node/ray.sh
"$bin" launch "$ex" --out dl >out.txt 2>err.txt; code=$?
check "a link to nothing at an artifact path counts as existing (exit 2)" \
  bash -c "[ $code -eq 2 ] && grep -q 'exists (use --force' err.txt && [ -L dl/fine-tune-on-one-node/ray.sh ]"
echo precious >victim
"$bin" launch "$ex" --out dl --force >/dev/null 2>&1; code=$?
check "--force replaces the link itself, not the file it points at" \
  bash -c "[ $code -eq 0 ] && [ ! -L dl/fine-tune-on-one-node/ray.sh ] && [ \"\$(cat victim)\" = precious ]"
mkfifo fifo.yaml fifo.json
timeout 10 "$bin" plan fifo.yaml >out.txt 2>err.txt; code=$?
check "a FIFO as a profile exits 2 at once" bash -c "[ $code -eq 2 ] && grep -q 'not a regular file' err.txt"
timeout 10 "$bin" memory --hf-config fifo.json >out.txt 2>err.txt; code=$?
check "a FIFO as --hf-config exits 2 at once" bash -c "[ $code -eq 2 ] && grep -q 'not a regular file' err.txt"
"$bin" plan "$ex" --data-dir '' >out.txt 2>err.txt; code=$?
check "--data-dir '' exits 2 in one line" bash -c "[ $code -eq 2 ] && [ \$(wc -l <err.txt) -eq 1 ] && grep -q -- '--data-dir: is empty' err.txt"
"$bin" catalog models --data-dir '' >out.txt 2>err.txt; code=$?
check "catalog --data-dir '' exits 2 too" test "$code" -eq 2

# D10: data directories of 231-239 characters (and longer) work; too long is refused in one line.
for n in 231 234 239 400; do
  dir=$(python3 -c "print('/'.join(['d'*200, 'e'*($n - 201)]))")
  mkdir -p "$(dirname "$dir")" && cp -r "$root/data" "$dir"
  "$bin" memory --model llama-3.1-8b --data-dir "$dir" >/dev/null 2>err.txt; code=$?
  check "a $n-character data directory finds llama-3.1-8b" test "$code" -eq 0
  "$bin" catalog models --data-dir "$dir" >/dev/null 2>err.txt; code=$?
  check "and lists its models" test "$code" -eq 0
  rm -rf "$(dirname "$dir")"
done
toolong=$(python3 -c "print('/'.join(['d'*200]*21))")  # 4220 characters: past PATH_MAX with its files
"$bin" memory --model llama-3.1-8b --data-dir "$toolong" >out.txt 2>err.txt; code=$?
check "a data directory too long for its files exits 2, saying so" \
  bash -c "[ $code -eq 2 ] && [ \$(wc -l <err.txt) -eq 1 ] && grep -q 'bytes long' err.txt"

# The manifest names the profile's path whole, or the launch is refused.
deep=$work/$(python3 -c "print('l'*250)")/x.yaml
mkdir -p "$(dirname "$deep")" && cp "$ex" "$deep"
"$bin" launch "$deep" --out deep >out.txt 2>err.txt; code=$?
check "a profile path too long for manifest.json exits 2 and writes nothing" bash -c "[ $code -eq 2 ] && [ ! -e deep ] && [ ! -s out.txt ]"

# D9: spark.sh runs the entry point and its arguments, as ray.sh does.
"$bin" launch "$ex" --out e --entry my_job.py --entry-args '--x 1' >/dev/null
check "spark.sh submits --entry with --entry-args" \
  bash -c "tail -1 e/nightly-join-of-two-3-tb-logs/spark.sh | grep -q \"executor-memory [0-9]*g 'my_job.py' '--x' '1'\$\""
check "and no longer data_job.py" bash -c "! grep -q data_job.py e/nightly-join-of-two-3-tb-logs/spark.sh"
"$bin" launch "$ex" --out e2 >/dev/null
check "without --entry it submits data_job.py" bash -c "tail -1 e2/nightly-join-of-two-3-tb-logs/spark.sh | grep -q ' data_job.py\$'"
check "spark.sh passes bash -n" bash -n e/nightly-join-of-two-3-tb-logs/spark.sh

# D17/O6: a link to nothing where a profile's folder goes is refused by name, with or without --force.
mkdir -p dangle && ln -s /nonexistent/target "dangle/$(ls e2 | head -1)"
"$bin" launch "$ex" --out dangle >out.txt 2>err.txt; code=$?
check "a dangling link at a profile's folder exits 2 naming it, and nothing is written" \
  bash -c "[ $code -eq 2 ] && grep -q 'symbolic link to nothing is in the way' err.txt && [ \$(ls dangle | wc -l) -eq 1 ] && [ ! -s out.txt ]"

# The same for dask.sh: the scheduler and workers start, then the entry runs against them.
printf -- '- name: pandas cleanup\n  data_tb: 0.5\n  instance: i4i.8xlarge\n  stages: [read, filter, write]\n  train_hours: 1\n  budget_usd: 100\n' >dask.yaml
"$bin" launch dask.yaml --out dk --entry my_job.py --entry-args '--x 1' >/dev/null
check "dask.sh runs --entry with --entry-args against its scheduler" \
  bash -c "tail -1 dk/pandas-cleanup/dask.sh | grep -q \"DASK_SCHEDULER_ADDRESS=tcp://\\\$SCHEDULER:8786 python 'my_job.py' '--x' '1'\$\""
check "dask.sh passes bash -n and stops its workers on exit" \
  bash -c "bash -n dk/pandas-cleanup/dask.sh && grep -q '^trap ' dk/pandas-cleanup/dask.sh"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
