#!/usr/bin/env bash
# Bad input gets one clear line on stderr, exit status 2 and nothing on stdout.
# Each bad/NAME.yaml is planned and its stderr must equal bad/NAME.err; each line
# of bad_flags.txt is run and its stderr must equal that line of bad_flags.err. A line
# `exit=3 ARGS` is a sound request nothing meets with no report to give (serve's model
# that no replica holds): the same one line, with exit status 3.
# REGEN=1 rewrites the expected files (review the diff before committing).
set -u
bin=$1 dir=$2 root=$3
cd "$root" || exit 1
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name expected-file-or-line args...
  local name=$1 expected=$2 want=${WANT:-2}; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local code=$?
  local lines; lines=$(wc -l <"$tmp/err")
  if [ $code -ne "$want" ] || [ -s "$tmp/out" ] || [ "$lines" -ne 1 ] || [ "$(cat "$tmp/err")" != "$expected" ]; then
    echo "FAIL $name: exit $code (want $want), stdout $(wc -c <"$tmp/out") bytes (want 0), stderr:"
    cat "$tmp/err"; echo "  want: $expected"; fail=$((fail+1))
  else
    pass=$((pass+1))
  fi
}

for f in "$dir"/bad/*.yaml; do
  name=$(basename "$f" .yaml)
  rel=tests/cli/bad/$name.yaml
  if [ "${REGEN:-0}" = 1 ]; then "$bin" plan "$rel" 2>"$dir/bad/$name.err" >/dev/null; fi
  check "$name" "$(cat "$dir/bad/$name.err")" "$bin" plan "$rel"
done

[ "${REGEN:-0}" = 1 ] && : >"$dir/bad_flags.err"
n=0
while IFS= read -r args; do
  case "$args" in ''|'#'*) continue ;; esac
  n=$((n+1))
  want=2
  case "$args" in exit=*) want=${args%% *}; want=${want#exit=}; args=${args#* } ;; esac
  # shellcheck disable=SC2086
  [ "${REGEN:-0}" = 1 ] && "$bin" $args 2>>"$dir/bad_flags.err" >/dev/null
  # shellcheck disable=SC2086
  WANT=$want check "flags #$n ($args)" "$(sed -n "${n}p" "$dir/bad_flags.err")" "$bin" $args
done <"$dir/bad_flags.txt"

# No command at all: the commands go to stdout (a user asked for nothing yet), stderr keeps one line.
"$bin" >"$tmp/out" 2>"$tmp/err"; code=$?
if [ $code -eq 2 ] && grep -q '^usage: stackplan COMMAND' "$tmp/out" && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
   grep -q '^stackplan: no command given' "$tmp/err"; then
  pass=$((pass+1))
else
  echo "FAIL no command: exit $code (want 2), stdout without the usage or stderr not one line:"; cat "$tmp/err"
  fail=$((fail+1))
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
