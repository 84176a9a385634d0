#!/usr/bin/env bash
# Edge throughput: session create under bounded local load with wrk (Debian), on our edge
# (MAVEN_BASE_URL, from bench/edge.sh) and on the JavaScript baseline (bench/js-baseline), both
# under the same node_modules/.bin/wrangler dev, alternately:
#   warm-up, then ours 2c, js 2c, ours 8c, js 8c: BENCH_LOAD_SECONDS (default 20) for each
#   configuration, split into BENCH_LOAD_ROUNDS (default 10) rounds of that order. On this shared,
#   noisy machine load swings by 2x within seconds; short alternating slices expose all workers
#   to the same swings (BENCH_LOAD_ROUNDS=1 = one 20 s block each).
#   Each round also runs "js-assets": the same JS Worker behind the same static-assets layer as
#   ours ([assets] in wrangler.toml: wrangler dev routes every request through its asset router
#   first), to separate that layer's cost from the code's.
# Then, informative: js-min 8c (the baseline without the project lookup: 1 KV get + 1 KV put),
# GET /health on all three (the fixed per-request cost), sequential creates (creates.mjs) and a
# CPU profile of ours and js during creates (profile.mjs).
# Writes bench/out/load.json (+ creates-*.json, profile.json). Starts and stops the baselines.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../scripts/edge-lib.sh"
SECS=${BENCH_LOAD_SECONDS:-20}
ROUNDS=${BENCH_LOAD_ROUNDS:-10}
OUT=${BENCH_OUT:-$here/out}
: "${MAVEN_BASE_URL:?run under bench/edge.sh}" "${MAVEN_TEST_KEY:?}"
work=$(mktemp -d /tmp/maven-bench-js.XXXXXX)
wrk_pid=""
# Long commands run in the background + `wait`, so a TERM (edge-phase.sh's timeout) runs this
# trap at once instead of after the current command.
trap '[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null; stop_all; rm -rf "$work"' EXIT
trap 'exit 143' INT TERM

# --- the JavaScript baselines ------------------------------------------------------------------
# js: bench/js-baseline as it is. js-assets: the same index.js with an [assets] table like ours
# (the same files: the snapshot bench/edge.sh serves, else www/dist).
mkdir -p "$work/js-assets"
cp "$here/js-baseline/index.js" "$work/js-assets/"
{ cat "$here/js-baseline/wrangler.toml"; printf '\n[assets]\ndirectory = "%s"\nbinding = "ASSETS"\n' "${MAVEN_ASSETS_DIR:-$root/www/dist}"; } \
  > "$work/js-assets/wrangler.toml"
seed_token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
uuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }
start_js() { # start_js NAME DIR → sets URL_<NAME> and INSPECTOR_<NAME>
  local port insp; port=$(free_port); insp=$(free_port)
  (cd "$2" && exec setsid "$root/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$port" \
      --inspector-port "$insp" --persist-to "$work/state-$1" --var "SEED_TOKEN:$seed_token" \
      --show-interactive-dev-session=false --log-level "${WRANGLER_LOG_LEVEL:-warn}") > "$work/$1.log" 2>&1 &
  PIDS+=($!)
  if ! wait_http "http://127.0.0.1:$port/health" 120; then tail -30 "$work/$1.log" >&2; exit 1; fi
  # Same key as ours: its hash, account and project records go into this baseline's own KV.
  curl -fsS --max-time 10 -X POST "http://127.0.0.1:$port/_bench/seed" -H "authorization: Bearer $seed_token" \
    -H 'content-type: application/json' \
    -d "{\"key\":\"$MAVEN_TEST_KEY\",\"account_id\":\"$(uuid)\",\"project_id\":\"$(uuid)\"}" > /dev/null
  printf -v "URL_$1" '%s' "http://127.0.0.1:$port"
  printf -v "INSPECTOR_$1" '%s' "$insp"
}
start_js js "$here/js-baseline"
start_js jsassets "$work/js-assets"

# --- runs -------------------------------------------------------------------------------------
export BENCH_KEY=$MAVEN_TEST_KEY
check() { # check URL: one create must answer 201
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$1" \
    -H "authorization: Bearer $BENCH_KEY" -H 'content-type: application/json' \
    -d '{"project":"demo","amount_cents":1234,"gateway":"stripe"}')
  [ "$code" = 201 ] || { echo "bench: $1 answered $code to a create" >&2; exit 1; }
}
run() { # run NAME URL CONNECTIONS SECONDS → one JSON line
  local line
  timeout $(($4 + 30)) wrk -t1 -c"$3" -d"${4}s" --timeout 10s -s "$here/create.lua" "$2" > "$work/wrk.out" &
  wrk_pid=$!; wait "$wrk_pid"; wrk_pid=""
  line=$(sed -n 's/^BENCH_JSON //p' "$work/wrk.out")
  [ -n "$line" ] || { echo "bench: wrk gave no result for $1" >&2; exit 1; }
  echo "{\"name\":\"$1\",\"connections\":$3,\"seconds\":$4,\"wrk\":$line}"
}
OURS="$MAVEN_BASE_URL/v1/widget-sessions"; JS="$URL_js/v1/widget-sessions"
JSA="$URL_jsassets/v1/widget-sessions"; JSMIN="$URL_js/min/v1/widget-sessions"
for u in "$OURS" "$JS" "$JSA" "$JSMIN"; do check "$u"; done
SLICE=$(( SECS / ROUNDS )); [ "$SLICE" -ge 1 ] || SLICE=1
echo "load: warm-up (3 s each), then $ROUNDS rounds of ${SLICE} s per run (${SECS} s per configuration)" >&2
for u in "$OURS" "$JS" "$JSA"; do run warmup "$u" 2 3 > /dev/null; done
{
  echo "["
  for ((round = 1; round <= ROUNDS; round++)); do
    for c in 2 8; do
      run ours "$OURS" "$c" "$SLICE"; echo ","
      run js "$JS" "$c" "$SLICE"; echo ","
      run js-assets "$JSA" "$c" "$SLICE"; echo ","
    done
  done
  run js-min "$JSMIN" 8 5; echo ","
  # The fixed per-request cost (routing, runtime, wrangler's proxy): GET /health, no storage.
  for ((round = 1; round <= 2; round++)); do
    BENCH_GET=1 run health-ours "$MAVEN_BASE_URL/health" 2 3; echo ","
    BENCH_GET=1 run health-js "$URL_js/health" 2 3; echo ","
    BENCH_GET=1 run health-js-assets "$URL_jsassets/health" 2 3; [ $round = 2 ] || echo ","
  done
  echo "]"
} > "$work/slices.json"
# One row per configuration: requests and time summed over its slices (exact throughput);
# latency percentiles as the request-weighted mean of the slices' percentiles; max of maxima.
node - "$work/slices.json" "$OUT/load.json" "$ROUNDS" "$SLICE" <<'JS'
const fs = require("fs"), [file, out, rounds, slice] = process.argv.slice(2);
const slices = JSON.parse(fs.readFileSync(file, "utf8"));
const runs = [];
for (const s of slices) {
  let r = runs.find((x) => x.name === s.name && x.connections === s.connections);
  if (!r) runs.push(r = { name: s.name, connections: s.connections, seconds: 0, slices: 0, wrk: { requests: 0, duration_us: 0, bytes: 0,
    errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 }, latency_us: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 } }, per_slice: [] });
  const w = s.wrk, a = r.wrk;
  r.seconds += s.seconds; r.slices++;
  a.requests += w.requests; a.duration_us += w.duration_us; a.bytes += w.bytes;
  for (const k of Object.keys(a.errors)) a.errors[k] += w.errors[k];
  for (const k of ["p50", "p90", "p99", "mean"]) a.latency_us[k] += w.latency_us[k] * w.requests;
  a.latency_us.max = Math.max(a.latency_us.max, w.latency_us.max);
  r.per_slice.push({ requests: w.requests, rps: +(w.requests / (w.duration_us / 1e6)).toFixed(1), p50_ms: w.latency_us.p50 / 1000, p99_ms: w.latency_us.p99 / 1000 });
}
for (const r of runs) for (const k of ["p50", "p90", "p99", "mean"]) r.wrk.latency_us[k] = r.wrk.requests ? Math.round(r.wrk.latency_us[k] / r.wrk.requests) : 0;
const wrk = require("child_process").execSync("wrk --version 2>&1 || true").toString().split("\n")[0].replace(/ Copyright.*/, "");
fs.writeFileSync(out, JSON.stringify({ wrk, rounds: +rounds, slice_seconds: +slice, runs }, null, 2) + "\n");
JS

# Sequential single-client creates (bench/creates.mjs, node fetch): ours, then the baseline.
# Informative only: a failure here leaves the row out of the table.
seq_creates() { # seq_creates NAME BASE
  MAVEN_BASE_URL=$2 timeout 60 node "$here/creates.mjs" 200 > "$work/creates.json" &
  wrk_pid=$!
  if wait "$wrk_pid"; then cp "$work/creates.json" "$OUT/creates-$1.json"; else echo "bench: sequential creates on $1 failed" >&2; fi
  wrk_pid=""
}
seq_creates ours "$MAVEN_BASE_URL"
seq_creates js "$URL_js"

# CPU profiles of both isolates during creates (bench/profile.mjs): what dominates the
# difference. Our edge's inspector port comes from bench/edge.sh. Informative: skipped with a
# message on failure.
profile() { # profile NAME INSPECTOR_PORT URL
  timeout 40 node "$here/profile.mjs" "$1" "$2" "$3" "${BENCH_PROFILE_SECONDS:-5}" > /dev/null &
  wrk_pid=$!
  wait "$wrk_pid" || echo "bench: CPU profile of $1 failed" >&2
  wrk_pid=""
}
if [ -n "${MAVEN_EDGE_INSPECTOR:-}" ]; then
  profile ours "$MAVEN_EDGE_INSPECTOR" "$OURS"
  profile js "$INSPECTOR_js" "$JS"
else
  echo "bench: no MAVEN_EDGE_INSPECTOR (run under bench/edge.sh): no CPU profiles" >&2
fi
