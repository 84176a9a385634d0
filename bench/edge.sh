#!/usr/bin/env bash
# bench/edge.sh CMD…: runs CMD against a fresh local edge + gateway simulator, like
# scripts/with-edge.sh (same exports: MAVEN_BASE_URL, MAVEN_SIM_URL, MAVEN_TEST_KEY,
# MAVEN_ADMIN_TOKEN, MAVEN_PROJECT_ID, MAVEN_STATE_DIR, MAVEN_EDGE_LOG, plus MAVEN_EDGE_INSPECTOR
# and MAVEN_ASSETS_DIR),
# with one difference: the edge serves a snapshot of what `make build` produced (worker/build and
# www/dist copied to a temporary directory, wrangler.toml without its [build] section). The bench
# then measures one fixed build: no rebuild when a source file changes mid-run (wrangler dev
# watches worker/src and core/src) and no widget files swapped under the browser.
set -euo pipefail
source "$(dirname "$0")/../scripts/edge-lib.sh"
cd "$root"
work=$(mktemp -d /tmp/maven-bench-edge.XXXXXX)
trap 'stop_all; rm -rf "$work"' EXIT INT TERM

app=$work/app
mkdir -p "$app"
[ -f worker/build/index.js ] && [ -d www/dist/widget ] || { echo "bench: no build: run make build" >&2; exit 1; }
cp -R worker/build "$app/build"
cp -R www/dist "$app/dist"
# The same configuration, pointed at the snapshot; fails loudly if wrangler.toml changes shape.
node - wrangler.toml "$app/wrangler.toml" <<'JS'
const fs = require("fs"), [src, out] = process.argv.slice(2);
let inBuild = false, main = 0, dir = 0, limiter = 0;
const lines = fs.readFileSync(src, "utf8").split("\n").filter((line) => {
  if (/^\s*\[/.test(line)) inBuild = /^\s*\[build\]\s*$/.test(line);
  return !inBuild;
}).map((line) => {
  if (/^main\s*=/.test(line)) { main++; return 'main = "build/index.js"'; }
  if (/^directory\s*=\s*"www\/dist"/.test(line)) { dir++; return 'directory = "dist"'; }
  // One client creates thousands of sessions a minute here: the per-caller create limit (600 a
  // minute in production) would measure refusals, not creates. The limiter is still asked.
  if (/^simple\s*=\s*\{\s*limit\s*=\s*60,/.test(line)) { limiter++; return 'simple = { limit = 1000000, period = 60 }'; }
  return line;
});
if (main !== 1 || dir !== 1 || limiter !== 1) { console.error(`bench: wrangler.toml has ${main} main, ${dir} www/dist and ${limiter} create-limit lines, expected 1 each`); process.exit(1); }
fs.writeFileSync(out, lines.join("\n"));
JS

edge_port=$(free_port); sim_port=$(free_port); inspector=$(free_port)
write_vars "$work/dev.vars"
start_sim "$sim_port" "$work/sim.log"
(cd "$app" && exec setsid "$root/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$edge_port" \
    --inspector-port "$inspector" --env-file "$work/dev.vars" --persist-to "$work/state" --var DEV_MODE:true \
    --show-interactive-dev-session=false --log-level "${WRANGLER_LOG_LEVEL:-warn}") > "$work/edge.log" 2>&1 &
PIDS+=($!)
if ! wait_http "http://127.0.0.1:$edge_port/health" 180; then tail -40 "$work/edge.log" >&2; exit 1; fi
timeout 60 node scripts/seed.mjs "http://127.0.0.1:$edge_port" "$work/dev.vars" "http://127.0.0.1:$sim_port" "$work" > /dev/null
export MAVEN_BASE_URL="http://127.0.0.1:$edge_port"
export MAVEN_SIM_URL="http://127.0.0.1:$sim_port"
export MAVEN_ADMIN_TOKEN=$(sed -n 's/^ADMIN_TOKEN=//p' "$work/dev.vars")
export MAVEN_TEST_KEY=$(cat "$work/test-key")
export MAVEN_PROJECT_ID=$(node -p "require('$work/demo.json').project_id")
export MAVEN_STATE_DIR="$work/state"
export MAVEN_EDGE_LOG="$work/edge.log"
export MAVEN_EDGE_INSPECTOR=$inspector
export MAVEN_ASSETS_DIR="$app/dist"
"$@"
