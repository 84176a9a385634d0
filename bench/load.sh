#!/usr/bin/env bash
# Edge throughput: session create under bounded local load with wrk (Debian), on our edge
# (MAVEN_BASE_URL, from scripts/with-edge.sh) and on the JavaScript baseline (bench/js-baseline,
# started here under the same node_modules/.bin/wrangler), alternately:
#   warm-up both, then ours 2c, js 2c, ours 8c, js 8c (BENCH_LOAD_SECONDS each, default 20),
#   then js-min 8c (the baseline without the project lookup: 1 KV get + 1 KV put).
# Writes bench/out/load.json. Starts and stops the baseline itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../scripts/edge-lib.sh"
SECS=${BENCH_LOAD_SECONDS:-20}
OUT=${BENCH_OUT:-$here/out}
: "${MAVEN_BASE_URL:?run under scripts/with-edge.sh}" "${MAVEN_TEST_KEY:?}"
work=$(mktemp -d /tmp/maven-bench-js.XXXXXX)
wrk_pid=""
# Long commands run in the background + `wait`, so a TERM (edge-phase.sh's timeout) runs this
# trap at once instead of after the current wrk run.
trap '[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null; stop_all; rm -rf "$work"' EXIT
trap 'exit 143' INT TERM

# --- the JavaScript baseline -------------------------------------------------------------------
js_port=$(free_port); inspector=$(free_port)
seed_token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
(cd "$here/js-baseline" && exec setsid "$root/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$js_port" \
    --inspector-port "$inspector" --persist-to "$work/state" --var "SEED_TOKEN:$seed_token" \
    --show-interactive-dev-session=false --log-level "${WRANGLER_LOG_LEVEL:-warn}") > "$work/js.log" 2>&1 &
PIDS+=($!)
if ! wait_http "http://127.0.0.1:$js_port/health" 120; then tail -30 "$work/js.log" >&2; exit 1; fi
JS_URL="http://127.0.0.1:$js_port"
# Same key as ours: its hash, account and project records go into the baseline's own KV.
curl -fsS --max-time 10 -X POST "$JS_URL/_bench/seed" -H "authorization: Bearer $seed_token" \
  -H 'content-type: application/json' \
  -d "{\"key\":\"$MAVEN_TEST_KEY\",\"account_id\":\"$(python3 -c 'import uuid; print(uuid.uuid4())')\",\"project_id\":\"$(python3 -c 'import uuid; print(uuid.uuid4())')\"}" > /dev/null

# --- runs -------------------------------------------------------------------------------------
export BENCH_KEY=$MAVEN_TEST_KEY
check() { # check URL: one create must answer 201
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$1" \
    -H "authorization: Bearer $BENCH_KEY" -H 'content-type: application/json' \
    -d '{"project":"demo","amount_cents":1234,"gateway":"stripe"}')
  [ "$code" = 201 ] || { echo "bench: $1 answered $code to a create" >&2; exit 1; }
}
run() { # run NAME URL CONNECTIONS SECONDS
  local line
  timeout $(($4 + 30)) wrk -t1 -c"$3" -d"${4}s" --timeout 10s -s "$here/create.lua" "$2" > "$work/wrk.out" &
  wrk_pid=$!; wait "$wrk_pid"; wrk_pid=""
  line=$(sed -n 's/^BENCH_JSON //p' "$work/wrk.out")
  [ -n "$line" ] || { echo "bench: wrk gave no result for $1" >&2; exit 1; }
  echo "{\"name\":\"$1\",\"connections\":$3,\"seconds\":$4,\"wrk\":$line}"
}
OURS="$MAVEN_BASE_URL/v1/widget-sessions"; JS="$JS_URL/v1/widget-sessions"; JSMIN="$JS_URL/min/v1/widget-sessions"
check "$OURS"; check "$JS"; check "$JSMIN"
echo "load: warm-up (3 s each), then ${SECS} s per run" >&2
run warmup "$OURS" 2 3 > /dev/null; run warmup "$JS" 2 3 > /dev/null
{
  echo "["
  run ours "$OURS" 2 "$SECS"; echo ","
  run js "$JS" 2 "$SECS"; echo ","
  run ours "$OURS" 8 "$SECS"; echo ","
  run js "$JS" 8 "$SECS"; echo ","
  run js-min "$JSMIN" 8 "$SECS"
  echo "]"
} > "$work/load.json"
node -e '
  const fs = require("fs"), runs = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  fs.writeFileSync(process.argv[2], JSON.stringify({ wrk: require("child_process").execSync("wrk --version 2>&1 || true").toString().split("\n")[0], runs }, null, 2) + "\n");
' "$work/load.json" "$OUT/load.json"
# Sequential single-client creates (bench/creates.mjs, node fetch): ours, then the baseline.
node "$here/creates.mjs" 200 > "$OUT/creates-ours.json"
MAVEN_BASE_URL=$JS_URL node "$here/creates.mjs" 200 > "$OUT/creates-js.json"
