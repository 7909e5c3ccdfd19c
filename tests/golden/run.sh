#!/usr/bin/env bash
# Golden tests of the CLI: each line of cases.txt is `NAME [exit=N] ARGS...`; the command
# runs from the source root and its stdout must equal NAME.out byte for byte,
# with exit status 0 (or the N given: 3 for a report whose profile misses a target) and
# nothing on stderr. REGEN=1 rewrites the .out files.
set -u
bin=$1 dir=$2 root=$3
cd "$root" || exit 1
pass=0 fail=0
while read -r name args; do
  case "$name" in ''|'#'*) continue ;; esac
  want=0
  case "$args" in exit=*) want=${args%% *}; want=${want#exit=}; args=${args#* } ;; esac
  # shellcheck disable=SC2086
  # VALGRIND=1: the same runs under memcheck; any error or definite leak fails the case.
  if [ "${VALGRIND:-0}" = 1 ]; then
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
      "$bin" $args >/tmp/sp_golden_out.$$ 2>/tmp/sp_golden_err.$$; code=$?
  else
    "$bin" $args >/tmp/sp_golden_out.$$ 2>/tmp/sp_golden_err.$$; code=$?
  fi
  if [ "${REGEN:-0}" = 1 ]; then cp /tmp/sp_golden_out.$$ "$dir/$name.out"; fi
  if [ $code -ne "$want" ] || [ -s /tmp/sp_golden_err.$$ ]; then
    echo "FAIL $name: exit $code (want $want), stderr: $(cat /tmp/sp_golden_err.$$)"; fail=$((fail+1)); continue
  fi
  if diff -u "$dir/$name.out" /tmp/sp_golden_out.$$ >/tmp/sp_golden_diff.$$; then
    pass=$((pass+1))
  else
    echo "FAIL $name: output differs from $dir/$name.out"; head -40 /tmp/sp_golden_diff.$$; fail=$((fail+1))
  fi
done < "$dir/cases.txt"
rm -f /tmp/sp_golden_out.$$ /tmp/sp_golden_err.$$ /tmp/sp_golden_diff.$$
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
