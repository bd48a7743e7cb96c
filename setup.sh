#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test every backend: the
# wasm targets the guests compile to (RUSTUP_AUTO_INSTALL=0 means nothing
# arrives by itself), LLVM 22 for Wasmer's LLVM compiler (feature
# `wasmer-llvm`; .cargo/config.toml points llvm-sys at it), clang and lld
# 22 for the C guests (guests/artifacts/c, built to wasm32 by the ordinary
# build), the DejaVu font the report's PNG figures are drawn with, and
# Valgrind with binutils' objcopy for `--measure callgrind`.
# Idempotent. `./setup.sh --slurm` also brings up a one-node Slurm
# (scripts/slurm-single-node.sh) for docs/cluster.md's job array.
set -euo pipefail
slurm=false
for arg in "$@"; do
  case "$arg" in
    --slurm) slurm=true ;;
    *) echo "setup.sh: unknown option \`$arg' (--slurm is the only one)" >&2; exit 2 ;;
  esac
done
rustup target add wasm32-unknown-unknown wasm32-wasip2
packages=(llvm-22-dev libpolly-22-dev libzstd-dev fonts-dejavu-core clang-22 lld-22 valgrind binutils)
if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -q
  $sudo apt-get install -y -q "${packages[@]}"
fi
if $slurm; then
  "$(dirname "$0")/scripts/slurm-single-node.sh"
fi
