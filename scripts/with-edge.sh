#!/usr/bin/env bash
# with-edge.sh CMD…: runs CMD against a fresh local edge + gateway simulator (own ports, own
# state, own secrets), then stops both. Exports MAVEN_BASE_URL, MAVEN_SIM_URL, MAVEN_ADMIN_TOKEN,
# MAVEN_TEST_KEY, MAVEN_LIVE_KEY, MAVEN_PROJECT_ID, MAVEN_STATE_DIR, MAVEN_EDGE_LOG.
set -euo pipefail
source "$(dirname "$0")/edge-lib.sh"
cd "$root"
work=$(mktemp -d /tmp/maven-edge.XXXXXX)
trap 'stop_all; rm -rf "$work"' EXIT INT TERM
edge_port=$(free_port); sim_port=$(free_port)
write_vars "$work/dev.vars"
start_sim "$sim_port" "$work/sim.log"
# Webhook retries after 1 s, 3 s, 12 s… instead of 10 s, 30 s, 2 min… (tests wait for them).
# A "not found" lookup is believed 3 s (not 60 s) after an attempt's last possible send.
# The first outbox retry and alarm lookup keep production's 2 s: the suites retry right after an
# unknown outcome, as a customer would, and test that path, not a race with the alarm.
start_edge "$edge_port" "$work/dev.vars" "$work/state" "$work/edge.log" --var WEBHOOK_RETRY_BASE_SECS:1 \
  --var LOOKUP_QUIET_MS:3000 --var OUTBOX_RETRY_MS:2000
node scripts/seed.mjs "http://127.0.0.1:$edge_port" "$work/dev.vars" "http://127.0.0.1:$sim_port" "$work" > /dev/null
# The suites reuse a handful of declining test cards on the demo project from one address, which
# is what the card-testing guard stops by design: raise the demo's limits the way an operator
# would (tests/e2e/guard.test.mjs tests the guard on projects of its own).
curl -sf -X PATCH "http://127.0.0.1:$edge_port/v1/admin/projects/$(node -p "require('$work/demo.json').project_id")" \
  -H "authorization: Bearer $(sed -n 's/^ADMIN_TOKEN=//p' "$work/dev.vars")" -H 'content-type: application/json' \
  -d '{"card_testing": {"card_declines_per_hour": 100000, "breaker_min_declines": 100000}}' > /dev/null
export MAVEN_BASE_URL="http://127.0.0.1:$edge_port"
export MAVEN_SIM_URL="http://127.0.0.1:$sim_port"
export MAVEN_ADMIN_TOKEN=$(sed -n 's/^ADMIN_TOKEN=//p' "$work/dev.vars")
export MAVEN_TEST_KEY=$(cat "$work/test-key")
export MAVEN_LIVE_KEY=$(cat "$work/live-key")
export MAVEN_PROJECT_ID=$(node -p "require('$work/demo.json').project_id")
export MAVEN_STATE_DIR="$work/state"
export MAVEN_EDGE_LOG="$work/edge.log"
"$@"
