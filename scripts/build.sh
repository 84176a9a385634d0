#!/usr/bin/env bash
# Builds everything wrangler serves: the widget bundle and pages (www/dist), the OpenAPI
# document generated from the Rust types, and the worker.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mkdir -p www/dist
if [ -f scripts/build-widget.sh ]; then
  bash scripts/build-widget.sh
fi
# The OpenAPI document comes from the same types the worker validates with (a native build
# step keeps utoipa out of the worker's wasm).
cargo run --quiet -p maven-core --features openapi --bin maven-openapi > www/dist/openapi.json.tmp
mv www/dist/openapi.json.tmp www/dist/openapi.json
bash scripts/build-worker.sh
