#!/usr/bin/env bash
# Every launch artifact checked against the engines' own argument lists and schemas (issue 17):
# the checker's own verdicts first (it must reject known-bad files), then the artifacts of the
# bundled examples and of tests/launch/profiles.yaml (Megatron dense/MoE/MLA, ZeRO, fine-tunes,
# Ray Serve, TPU, ROCm, Trainium), with and without a cluster time limit.
# usage: schemas.sh STACKPLAN SOURCE_ROOT
set -u
bin=$1 root=$(cd "$2" && pwd)
here="$root/tests/launch"
work=$(mktemp -d /tmp/stackplan-schemas.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
/usr/bin/python3 "$here/check_engines.py" --self-test "$here/engines" || status=1
outs=()
for f in "$root"/examples/*.yaml "$here/profiles.yaml"; do
  out="$work/$(basename "$f" .yaml)"
  "$bin" launch "$f" --out "$out" >/dev/null || { echo "FAIL launch $f"; status=1; }
  outs+=("$out")
done
"$bin" launch "$here/profiles.yaml" --out "$work/limited" --time-limit 48 --partition gpu --account ml-team \
  --env-hook /opt/env.sh >/dev/null || { echo "FAIL launch --time-limit 48"; status=1; }
outs+=("$work/limited")
/usr/bin/python3 "$here/check_engines.py" "$here/engines" "${outs[@]}" || status=1
# Every script is valid bash.
for s in "$work"/*/*/*.sh "$work"/*/*/job.sbatch; do
  bash -n "$s" || { echo "FAIL bash -n $s"; status=1; }
done
exit $status
