# Sourced by the CLI check scripts: `source harness.sh BIN ROOT` sets bin and root, enters root,
# makes a scratch directory $tmp removed on exit, and counts checks in pass and fail (ok, bad).
set -u
bin=$1 root=$2
cd "$root" || exit 1
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
