#!/usr/bin/env bash
# Installs stackplan into a temporary prefix from a copy of the source tree, removes the copy,
# and runs everything installed from there (issue 19): the binary finds its installed data, a C
# program builds against the header and the shared library through pkg-config, and the Python
# binding loads the installed libstackplan.so.0.
# usage: run.sh SOURCE_ROOT
set -u
root=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/stackplan-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { local what=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $what"; else fail=$((fail + 1)); echo "FAIL $what"; fi; }

mkdir -p "$work/src" "$work/examples"
(cd "$root" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -xf - -C "$work/src"
cp "$root/examples/capstone.yaml" "$work/examples/"
cmake -S "$work/src" -B "$work/build" -DSP_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null &&
  cmake --build "$work/build" -j "$(nproc)" >/dev/null &&
  cmake --install "$work/build" --prefix "$work/prefix" >/dev/null
check "cmake --install into a temporary prefix" test -x "$work/prefix/bin/stackplan"
rm -rf "$work/src" "$work/build" # the source tree (and its data/) moved away
prefix="$work/prefix"

check "libstackplan.so.0 has a versioned soname" bash -c "objdump -p '$prefix/lib/libstackplan.so.0.1.0' | grep -q 'SONAME *libstackplan.so.0$'"
check "it exports only the public API (sp_, no internal helpers)" bash -c \
  "nm -D --defined-only '$prefix/lib/libstackplan.so.0' | awk '\$2 == \"T\" {print \$3}' | grep -v '^sp_' | grep -q . && exit 1;
   ! nm -D --defined-only '$prefix/lib/libstackplan.so.0' | grep -qE ' (sp_buf_printf|sp_fail|cli_fail)$'"
(cd "$work" && env -u STACKPLAN_DATA_DIR "$prefix/bin/stackplan" plan examples/capstone.yaml >"$work/plan.out" 2>&1)
check "the installed binary plans with its installed data" diff "$work/plan.out" "$root/tests/golden/capstone_text.out"

cat >"$work/use.c" <<'C'
#include <stackplan.h>
#include <stdio.h>
int main(void)
{
    sp_error err;
    char *report = sp_request("{\"command\": \"memory\", \"model\": \"llama-3.1-8b\", \"gpu\": \"h100-sxm-80gb\"}", &err);
    if (!report) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    fputs(report, stdout);
    sp_free(report);
    return 0;
}
C
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs stackplan)
check "a C program builds against the installed header and library (pkg-config)" \
  bash -c "cc -std=c17 '$work/use.c' -o '$work/use' $flags -Wl,-rpath,'$prefix/lib'"
check "and answers through the JSON ABI with the installed data" \
  bash -c "'$work/use' | grep -q '\"device_bytes\"'"
check "the Python binding loads the installed library" env STACKPLAN_LIBRARY="$prefix/lib/libstackplan.so.0" \
  PYTHONPATH="$root/python" /usr/bin/python3 -c \
  "import stackplan; m = stackplan.memory(model='llama-3.1-8b', gpu='rtx-4090-24gb', method='qlora'); assert m['memory']['device_bytes'] > 0"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
