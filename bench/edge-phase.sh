#!/usr/bin/env bash
# Runs under bench/edge.sh (MAVEN_BASE_URL, MAVEN_SIM_URL, MAVEN_TEST_KEY set): the
# phases of `make bench` that need the local edge, each bounded. Browser first (the quietest
# moment), load last (it fills KV with sessions). A failed step does not stop the others.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
rc=0
step() { local name=$1 secs=$2; shift 2; local t=$SECONDS
  printf '\033[1mbench:\033[0m  %s\n' "$name" >&2
  timeout --kill-after=10 "$secs" "$@" > /dev/null || { printf '\033[1mbench:\033[0m  %s FAILED\n' "$name" >&2; rc=1; }
  printf '\033[1mbench:\033[0m  %s: %s s\n' "$name" "$((SECONDS - t))" >&2
}
step "time to ready (Chromium, ours + Braintree)" 150 node bench/ready.mjs "$BENCH_OUT/braintree"
step "widget weight" 20 node bench/weight.mjs "$BENCH_OUT/braintree"
step "charge path (${BENCH_CHARGES:-300} charges)" 75 node bench/charge.mjs
step "ledger listing (${BENCH_LIST_SESSIONS:-10000} sessions in one project)" 1200 node bench/list.mjs
step "edge throughput (wrk, ours vs JS baseline)" 270 bash bench/load.sh
exit $rc
