#!/usr/bin/env bash
# `make bench`: one run, one table (bench/RESULTS.md, README "## Performance"). Loopback only;
# every server is started and stopped here, every step is bounded. `make` has already run setup
# and build. Phases (each leaves JSON in bench/out/ for report.mjs):
#   1. worker bundle      wrangler deploy --dry-run                      (bundle.sh)
#   2. wasm breakdown     twiggy top on the widget's wasm                 (twiggy.mjs)
#   then on a fresh local edge (serving a snapshot of this build) + gateway simulator
#   (bench/edge.sh → edge-phase.sh):
#   3. time to ready      headless Chromium, ours and Braintree's bundles (ready.mjs)
#   4. widget weight      the files the first cold load fetched           (weight.mjs)
#   5. charge path        edge vs simulator alone                         (charge.mjs)
#   6. edge throughput    wrk, ours vs bench/js-baseline, alternately     (load.sh)
# Knobs for iterating (defaults are the real run): BENCH_LOAD_SECONDS (20), BENCH_READY_RUNS (30),
# BENCH_CHARGES (300).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../scripts/edge-lib.sh"   # PATH (Node 22, wrangler), free_port, wait_http
cd "$root"
export BENCH_OUT="$here/out" WRANGLER_LOG_LEVEL=${WRANGLER_LOG_LEVEL:-warn}
log() { printf '\033[1mbench:\033[0m %s\n' "$*" >&2; }
run_t0=$(date +%s)

# Load generator: Debian's wrk (idempotent: installs only when missing).
if ! command -v wrk > /dev/null; then
  log "installing wrk (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq wrk > /dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }
fi
[ -x /usr/bin/chromium ] || { log "no /usr/bin/chromium: run make setup"; exit 1; }

rm -rf "$BENCH_OUT" && mkdir -p "$BENCH_OUT/braintree"
printf '{"t0":%s,"run_t0":%s}\n' "${BENCH_T0:-null}" "$run_t0" > "$BENCH_OUT/meta.json"

# Braintree's browser bundles, minified like ours (esbuild --minify; npm ships them unminified).
for m in client hosted-fields; do
  esbuild "node_modules/braintree-web/dist/browser/$m.js" --minify --legal-comments=none --log-level=warning \
    --outfile="$BENCH_OUT/braintree/$m.min.js"
done

failed=()
step() { # step NAME SECONDS CMD…: bounded; a failure is reported and the run goes on
  local name=$1 secs=$2; shift 2
  log "$name"
  local t=$SECONDS
  if ! timeout --kill-after=10 "$secs" "$@"; then log "$name FAILED"; failed+=("$name"); fi
  log "$name: $((SECONDS - t)) s"
}
step "worker bundle (wrangler deploy --dry-run)" 90 bash bench/bundle.sh
step "wasm breakdown (twiggy)" 30 node bench/twiggy.mjs
# No outer timeout here: a signal would reach edge.sh while it waits for its child and could
# leave the edge running. edge-phase.sh bounds each of its steps instead, and edge.sh bounds the
# edge's start, then stops the edge and the simulator.
log "edge phase (fresh edge + simulator)"
t=$SECONDS
bash bench/edge.sh bash bench/edge-phase.sh || failed+=("edge phase")
log "edge phase: $((SECONDS - t)) s"

node bench/report.mjs || failed+=("report")
log "bench/run.sh took $(( $(date +%s) - run_t0 )) s"
if [ ${#failed[@]} -gt 0 ]; then log "failed: ${failed[*]}"; exit 1; fi
