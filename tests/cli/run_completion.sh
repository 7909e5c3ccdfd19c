#!/usr/bin/env bash
# Completions and the man page come from the option tables (issue 19): the committed man page is
# what the tables print today and passes mandoc's lint; the bash completion completes commands,
# flags and catalog names. usage: run_completion.sh STACKPLAN SOURCE_ROOT
set -u
bin=$1 root=$2
pass=0 fail=0
check() { local what=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi; }

check "docs/man/stackplan.1 is what the option tables print (stackplan completion man)" \
  bash -c "'$bin' completion man | diff - '$root/docs/man/stackplan.1'"
if command -v mandoc >/dev/null; then
  check "the man page passes mandoc -Tlint (warnings and errors)" mandoc -Tlint -W warning "$root/docs/man/stackplan.1"
else
  check "mandoc is installed (scripts/install-deps.sh --test)" false
fi

check "docs/CLI.md's bounds and defaults table is what the option rows print (completion defaults)" \
  bash -c "sed -n '/<!-- defaults:begin -->/,/<!-- defaults:end -->/p' '$root/docs/CLI.md' | sed '1d;\$d' | diff - <('$bin' completion defaults)"
check "every number and switch of every command has one bounds row, sorted, none unused" \
  bash -c "'$bin' completion defaults 2>&1 >/dev/null | wc -c | grep -qx 0"
check "a flag two commands share takes one range: --usd-per-gpu-hour 0 is refused alike" \
  bash -c "[ \"\$('$bin' breakeven --gpus 8 --usd-per-gpu-hour 0 --premium 1 --ops-hours 1 --ops-usd-per-hour 1 2>&1)\" = \"\$('$bin' serve --model llama-3.1-8b --gpu h100-sxm-80gb --usd-per-gpu-hour 0 2>&1)\" ]"
# The defaults the table states for library settings are the ones the commands use: the table row
# is documentation there, the library's INIT struct the behaviour, and this keeps them one value.
row_default() { "$bin" completion defaults | awk -F'|' -v f="\`--$1\`" '$2 ~ f {gsub(/ /, "", $4); print $4}'; }
serve_json=$(mktemp)
"$bin" serve --model llama-3.1-8b --gpu h100-sxm-80gb --format json >"$serve_json"
check "--prompt-tokens and --output-tokens default as the table says" bash -c \
  "grep -q '\"prompt_tokens\": $(row_default prompt-tokens),' '$serve_json' && grep -q '\"output_tokens\": $(row_default output-tokens),' '$serve_json'"
check "--gpu-memory-utilization defaults as the table says" \
  grep -q -- "--gpu-memory-utilization $(printf '%.2f' "$(row_default gpu-memory-utilization)")" "$serve_json"
rm -f "$serve_json"
launch_dir=$(mktemp -d)
"$bin" launch "$root/examples/launch.yaml" --out "$launch_dir/o" >/dev/null
check "--rdzv-port defaults as the table says" grep -rq -- ":$(row_default rdzv-port)" "$launch_dir/o"
rm -rf "$launch_dir"
complete_words() { # WORDS...: what the bash completion offers for the last word
  source <("$bin" completion bash --data-dir "$root/data")
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  _stackplan
  echo "${COMPREPLY[*]}"
}
check "bash completes a command" test "$(complete_words stackplan mem)" = "memory"
check "bash completes a command's flags" test "$(complete_words stackplan memory --micro)" = "--micro-batch --microbatches"
check "bash completes a GPU name" bash -c "[[ ' $(complete_words stackplan train --gpu h100-s) ' == *' h100-sxm-80gb '* ]]"
check "bash completes a model name" bash -c "[[ ' $(complete_words stackplan serve --model llama-3.1-) ' == *' llama-3.1-70b '* ]]"
check "the zsh script is the bash one under bashcompinit" bash -c "'$bin' completion zsh | head -3 | grep -q bashcompinit"
for shell in zsh fish; do
  if command -v "$shell" >/dev/null; then
    check "$shell parses its script" bash -c "'$bin' completion $shell | $shell -n"
  else
    echo "     $shell is not installed: its script's syntax is not checked here"
  fi
done
if command -v fish >/dev/null; then
  "$bin" completion fish --data-dir "$root/data" >"${TMPDIR:-/tmp}/stackplan-completion.$$.fish"
  check "fish completes a command and a GPU name" bash -c "fish -c 'source ${TMPDIR:-/tmp}/stackplan-completion.$$.fish; complete -C \"stackplan mem\"; complete -C \"stackplan memory --gpu h100-s\"' | grep -q '^memory' && fish -c 'source ${TMPDIR:-/tmp}/stackplan-completion.$$.fish; complete -C \"stackplan memory --gpu h100-s\"' | grep -q '^h100-sxm-80gb'"
  rm -f "${TMPDIR:-/tmp}/stackplan-completion.$$.fish"
fi
if command -v zsh >/dev/null; then
  check "zsh loads its script (compinit, bashcompinit, the function)" \
    bash -c "'$bin' completion zsh >'${TMPDIR:-/tmp}/sp.$$.zsh' && zsh -c 'source ${TMPDIR:-/tmp}/sp.$$.zsh && whence -w _stackplan' | grep -q function; rc=\$?; rm -f '${TMPDIR:-/tmp}/sp.$$.zsh'; exit \$rc"
fi
check "fish's script names every command" bash -c "[ \$('$bin' completion fish | grep -c -- '-n __fish_use_subcommand') -eq 11 ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
