#!/usr/bin/env bash
# chaos.sh: the fault-injection suite (tests/chaos/run.mjs). Builds the gateway simulator, gives
# the run a fresh work directory (edge state, logs, vars), and makes sure nothing it started
# survives it. `make chaos` (400 payments) and `make chaos-short` (60, part of `make test`).
# Environment: CHAOS_SEED, CHAOS_PAYMENTS, CHAOS_CONCURRENCY, CHAOS_EDGE_KILLS, CHAOS_SETTLE_SECS;
# CHAOS_KEEP=1 keeps the work directory (it is also kept when the run fails).
set -euo pipefail
source "$(dirname "$0")/edge-lib.sh"
cd "$root"
cargo build --quiet --release -p maven-gateway-sim
work=$(mktemp -d /tmp/maven-chaos.XXXXXX)
export CHAOS_WORK="$work"
status=0
node_pid=
cleanup() {
  # The runner stops what it started on its way out; when it is interrupted or killed
  # outright, its process groups (listed in $work/pids) are killed here.
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$node_pid" 2>/dev/null || true
  fi
  if [ -f "$work/pids" ]; then
    while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null || true; done < "$work/pids"
  fi
  if [ "$status" = 0 ] && [ -z "${CHAOS_KEEP:-}" ]; then rm -rf "$work"; else echo "chaos: work directory kept: $work"; fi
}
trap cleanup EXIT
trap 'status=130; exit 130' INT TERM HUP
# In the background and waited for, so a signal reaches the trap at once.
node tests/chaos/run.mjs &
node_pid=$!
wait "$node_pid" || status=$?
exit $status
