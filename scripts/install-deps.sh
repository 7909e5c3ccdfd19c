#!/usr/bin/env bash
# Installs what stackplan needs from Debian's packages: to build and run (no argument), to test
# (--test). The one install script `make run`, `make test` and CI share. Idempotent: it asks apt
# only for what is missing. With --web (make web, make web-test) it also installs
# the browser calculator's tool-chain and test browser, and lets apt fetch Debian's source
# packages of jansson and libyaml, which web/build.sh compiles to WebAssembly.
set -euo pipefail

# What building and running need (make run, make build).
PACKAGES=(
  build-essential cmake pkg-config   # compiler and build
  libjansson-dev libyaml-dev         # JSON out, YAML in
  nettle-dev                         # SHA-256 of catalog files in launch manifests
)
# What the tests need besides (make test, --test).
TEST_PACKAGES=(
  libcmocka-dev                      # unit tests
  valgrind                           # leak check of the CLI runs
  clang libclang-rt-14-dev           # make fuzz: libFuzzer
  python3                            # test helper scripts
  python3-pytest                     # the Python binding's tests
  python3-pip python3-setuptools python3-wheel  # ... and its wheel, built offline
  python3-yaml python3-jsonschema    # launch artifacts against the engines' schemas
  mandoc                             # lint the generated man page
  zsh fish                           # check the generated completion scripts
  python3-torch                      # run generated torchrun/Slurm launches (CPU, gloo)
  slurmctld slurmd slurm-client munge  # a local Slurm cluster for the launch tests
)
[ "${1:-}" = "--test" ] && PACKAGES+=("${TEST_PACKAGES[@]}")

if [ "${1:-}" = "--web" ]; then
  PACKAGES+=(
    emscripten                       # the C library to WebAssembly
    dpkg-dev                         # apt-get source unpacks jansson and libyaml for it
    chromium chromium-driver python3-selenium  # the page in a real browser (tests/web)
  )
  src=/etc/apt/sources.list.d/stackplan-debian-src.sources
  if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
      $SUDO tee "$src" >/dev/null
    $SUDO apt-get update -qq
  fi
fi

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
