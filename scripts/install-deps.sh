#!/usr/bin/env bash
# Installs what stackplan needs to build and test, from Debian's packages.
# The one install script `make run`, `make test` and CI share. Idempotent:
# it asks apt only for what is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config   # compiler and build
  libjansson-dev libyaml-dev         # JSON out, YAML in
  nettle-dev                         # SHA-256 of catalog files in launch manifests
  libcmocka-dev                      # unit tests
  valgrind                           # leak check of the CLI runs
  clang libclang-rt-14-dev           # make fuzz: libFuzzer
  python3                            # test helper scripts
  python3-yaml python3-jsonschema    # validate generated Ray cluster.yaml against Ray's schema
  python3-torch                      # run generated torchrun/Slurm launches (CPU, gloo)
  slurmctld slurmd slurm-client munge  # a local Slurm cluster for the launch tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
