#!/usr/bin/env bash
# Installs everything bamsprod needs on a Debian/Ubuntu machine: Node.js 20+ (if missing), the
# Fashion-MNIST dataset, OpenBLAS and a C++ toolchain for the native kernels, then the npm packages,
# the native kernels and the compiled CLI (so `npx bamsprod` works at once).
# Safe to run again. Without root (and without sudo) the apt step is skipped with a notice; the
# project still works on the embedded data subset and the portable kernels.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(dataset-fashion-mnist libopenblas-dev g++ make python3)

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="skip"; fi
  fi
  if [ "$SUDO" = "skip" ]; then
    echo "install.sh: not root and no sudo: skipping apt packages (${APT_PACKAGES[*]})" >&2
  else
    missing=()
    for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
    if [ ${#missing[@]} -gt 0 ]; then
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "install.sh: bamsprod needs Node.js 20 or newer; this machine has $(node --version)." >&2
  echo "  Install a newer Node.js (e.g. from your distribution's backports or nodesource) and re-run." >&2
  exit 1
fi

# --ignore-scripts: onnxruntime-node (a dev dependency, for the inference benchmark) would try to
# download GPU binaries from outside the npm registry; its CPU binaries ship in the package. Our own
# install step (the native kernels), esbuild's binary check and our prepare step (tsc to build/src)
# then run explicitly.
npm ci --no-audit --no-fund --ignore-scripts
node node_modules/esbuild/install.js
node scripts/build-native.js
node scripts/prepare.js
