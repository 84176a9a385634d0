#!/usr/bin/env bash
# Builds the browser widget into www/dist (served by wrangler as static assets):
#   www/dist/widget/v1/widget.js            merchant-page loader + `Maven` shim + host glue
#   www/dist/widget/v1/maven-host-<h>.wasm  controller (crate maven-widget, feature "host")
#   www/dist/widget/v1/form.js              form-page starter + form glue
#   www/dist/widget/v1/maven-form-<h>.wasm  hosted card form (feature "form")
#   www/dist/widget/v1/{form.html,form.css,maven.d.ts}, www/dist/_headers, www/dist/demo/...
# Two wasm builds of one crate: a merchant page never downloads the card form's code and the
# form never downloads the controller (the browser's partitioned cache could not share one
# module between the merchant's page and our iframe anyway).
#
# Idempotent and incremental: cargo decides what to rebuild; wasm-bindgen / wasm-opt / esbuild
# run only when their input changed. Honours CARGO_TARGET_DIR (default: the workspace target/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$ROOT/www/dist
DEST=$OUT/widget/v1
WORK=$TARGET_DIR/widget-build
log() { printf '\033[1mwidget:\033[0m %s\n' "$*" >&2; }

# --- tools (TOOLCHAIN.md: wasm-bindgen-cli == Cargo.lock's wasm-bindgen; npm binaryen) --------
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/esbuild ]; then
  log "installing npm packages (binaryen, esbuild)"
  npm ci --no-audit --no-fund --loglevel=error
fi
WBG=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WBG" ]; then
  log "installing wasm-bindgen-cli $WBG (a few minutes, once)"
  # Not --locked: its lockfile pins a webpki-roots the registry lacks (TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "=$WBG"
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

sha() { sha256sum "$@" | awk '{print $1}'; }
mkdir -p "$WORK" "$DEST"

# --- one mode: cargo → wasm-bindgen → wasm-opt → hashed wasm + minified script -----------------
build_mode() {
  local mode=$1 template=$2 script=$3
  local tdir=$TARGET_DIR/widget-$mode dir=$WORK/$mode
  mkdir -p "$dir"
  # Own target dir per mode: a cdylib's file name carries no feature hash, so two feature sets
  # in one target dir would overwrite each other's wasm and look fresh to cargo.
  # strip=false keeps the target_features section wasm-bindgen reads; wasm-opt then drops it
  # (nothing reads it in the browser) and the names.
  # opt-level per mode, each the smaller gzip (docs/widget.md): "s" for the controller (its
  # inlined calls compress better: −0.3 KB), "z" for the form ("s" is +1.3 KB there).
  local opt=z
  [ "$mode" = host ] && opt=s
  CARGO_PROFILE_WIDGET_OPT_LEVEL=$opt CARGO_PROFILE_WIDGET_STRIP=false CARGO_TARGET_DIR=$tdir \
    cargo build -q -p maven-widget --lib --target wasm32-unknown-unknown --profile widget \
    --no-default-features --features "$mode"
  local raw=$tdir/wasm32-unknown-unknown/widget/maven_widget.wasm
  local key
  key=$(sha "$raw" "$template" widget/js/finish.mjs "$0" | sha256sum | awk '{print $1}')
  if [ ! -f "$dir/key" ] || [ "$(cat "$dir/key")" != "$key" ] || [ ! -f "$dir/name" ]; then
    log "$mode: wasm-bindgen + wasm-opt -Oz"
    rm -rf "$dir/bg" && mkdir -p "$dir/bg"
    wasm-bindgen --target no-modules --no-typescript --out-dir "$dir/bg" --out-name glue "$raw"
    # Memory starts zeroed and rustc leaves the first KB unused: both let binaryen drop code.
    # Flattening and re-running the relooper on LLVM's control flow before -Oz gives smaller
    # branches (form -0.2, merchant page -0.1 KB gzip; docs/widget.md).
    node_modules/.bin/wasm-opt --flatten --rereloop -Oz --converge \
      --zero-filled-memory --low-memory-unused \
      --strip-debug --strip-producers --strip-target-features \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$dir/bg/glue_bg.wasm" -o "$dir/opt.wasm"
    # Short import/export names, content hash, glue spliced into the loader (widget/js/finish.mjs).
    rm -f "$dir"/maven-*.wasm
    node widget/js/finish.mjs "$template" "$dir/bg/glue.js" "$dir/opt.wasm" "$dir/min.wasm" \
      "$dir/full.js" "$mode" > "$dir/name"
    node_modules/.bin/esbuild "$dir/full.js" --minify --legal-comments=none --log-level=warning \
      --outfile="$dir/min.js"
    echo "$key" > "$dir/key"
  fi
  local name
  name=$(cat "$dir/name")
  # Publish: the hashed wasm (old hashes of this mode removed) and the script.
  find "$DEST" -maxdepth 1 -name "maven-$mode-*.wasm" ! -name "$name" -delete
  cmp -s "$dir/$name" "$DEST/$name" 2>/dev/null || cp "$dir/$name" "$DEST/$name"
  cmp -s "$dir/min.js" "$DEST/$script" 2>/dev/null || cp "$dir/min.js" "$DEST/$script"
}

build_mode host widget/js/widget.js widget.js
build_mode form widget/js/form.js form.js

# --- static sources: everything under www/ except the output itself -------------------------
for entry in www/*; do
  [ -e "$entry" ] || continue
  [ "$(basename "$entry")" = dist ] && continue
  cp -R "$entry" "$OUT/"
done

# Minified copies of the form page's CSS and HTML (sources stay readable in www/).
node_modules/.bin/esbuild www/widget/v1/form.css --minify --log-level=warning --outfile="$DEST/form.css"
node -e '
  const fs = require("fs"), [src, out] = process.argv.slice(1);
  fs.writeFileSync(out, fs.readFileSync(src, "utf8").replace(/>\n+</g, "><").trim() + "\n");
' www/widget/v1/form.html "$DEST/form.html"

log "built $(cd "$DEST" && ls maven-*.wasm | tr '\n' ' ')→ www/dist"
