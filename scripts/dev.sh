#!/usr/bin/env bash
# `make dev`: the gateway simulator on :8788, the edge on :8787, a seeded demo account.
set -euo pipefail
source "$(dirname "$0")/edge-lib.sh"
cd "$root"
EDGE_PORT=${EDGE_PORT:-8787}
SIM_PORT=${SIM_PORT:-8788}
mkdir -p .dev
[ -f .dev/dev.vars ] || write_vars .dev/dev.vars
trap stop_all EXIT INT TERM

echo "starting gateway simulator on :$SIM_PORT"
start_sim "$SIM_PORT" .dev/gateway-sim.log
echo "starting edge (wrangler dev) on :$EDGE_PORT"
start_edge "$EDGE_PORT" .dev/dev.vars .wrangler/state .dev/wrangler.log
node scripts/seed.mjs "http://127.0.0.1:$EDGE_PORT" .dev/dev.vars "http://127.0.0.1:$SIM_PORT" .dev
cat <<MSG

  Maven Chat Payments is running.
    Demo chat page:   http://127.0.0.1:$EDGE_PORT/demo/
    Dashboard:        http://127.0.0.1:$EDGE_PORT/dashboard/?project=$(node -p "require('./.dev/demo.json').project_id")
    Merchant sign-in: $(node -p "require('./.dev/demo.json').merchant_email") / $(node -p "require('./.dev/demo.json').merchant_password")   (dashboard user, owner of the demo account)
    Operator token:   $(sed -n 's/^ADMIN_TOKEN=//p' .dev/dev.vars)   (ADMIN_TOKEN in .dev/dev.vars; the dashboard asks for it)
    API reference:    http://127.0.0.1:$EDGE_PORT/openapi.json
    Test API key:     $(cat .dev/test-key)   (also in .dev/test-key)
    Logs:             .dev/wrangler.log, .dev/gateway-sim.log
  Try:
    curl -s http://127.0.0.1:$EDGE_PORT/v1/widget-sessions \\
      -H "Authorization: Bearer \$(cat .dev/test-key)" -H "Content-Type: application/json" \\
      -d '{"project": "demo", "amount_cents": 1234, "gateway": "stripe"}'

  Ctrl-C stops everything.
MSG
wait "${PIDS[1]}"
