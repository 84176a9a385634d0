#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine. Idempotent: each step checks first,
# so a warm run takes about a second. Called by `make dev`, `make test`, `make bench` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

WORKER_BUILD_VERSION=0.8.7
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock (TOOLCHAIN.md trap 2).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$WORKER_BUILD_VERSION" ]; then
  log "installing worker-build $WORKER_BUILD_VERSION (a few minutes, once)"
  cargo install worker-build --version "=$WORKER_BUILD_VERSION" --locked
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  # Not --locked: its lockfile pins a webpki-roots the registry lacks (TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
fi

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (wrangler, Node 22, binaryen, playwright-core, puppeteer-core, axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  log "installing Debian chromium + chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  dpkg --configure -a || true
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The browser tests also run in Firefox (tests/browser/browsers.test.mjs, over WebDriver BiDi).
if [ ! -x /usr/bin/firefox-esr ]; then
  log "installing Debian firefox-esr"
  export DEBIAN_FRONTEND=noninteractive
  dpkg --configure -a || true
  apt-get update -qq
  apt-get install -y -qq firefox-esr >/dev/null
fi

if ! python3 -c 'import schemathesis' 2>/dev/null; then
  log "installing schemathesis (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
fi
log "ready"
