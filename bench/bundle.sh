#!/usr/bin/env bash
# Worker bundle: `wrangler deploy --dry-run` (offline; runs the [build] command, uploads nothing)
# and the upload size it prints ("Total Upload: X KiB / gzip: Y KiB"). Writes bench/out/bundle.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../scripts/edge-lib.sh"
OUT=${BENCH_OUT:-$here/out}
tmp=$(mktemp -d /tmp/maven-bench-bundle.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
timeout 300 npx wrangler deploy --dry-run --outdir "$tmp/dist" > "$tmp/log" 2>&1 || { tail -30 "$tmp/log" >&2; exit 1; }
line=$(sed 's/\x1b\[[0-9;]*m//g' "$tmp/log" | grep -m1 'Total Upload:' || true)
[ -n "$line" ] || { tail -30 "$tmp/log" >&2; echo "bench: no 'Total Upload' line from wrangler" >&2; exit 1; }
total=$(sed -E 's/.*Total Upload: ([0-9.]+) KiB.*/\1/' <<<"$line")
gzip=$(sed -E 's/.*gzip: ([0-9.]+) KiB.*/\1/' <<<"$line")
files=$(cd "$tmp/dist" && find . -type f -printf '{"file":"%P","bytes":%s},' | sed 's/,$//')
printf '{"line":"%s","total_kib":%s,"gzip_kib":%s,"wrangler":"%s","files":[%s]}\n' \
  "$(sed 's/"/\\"/g; s/^ *//' <<<"$line")" "$total" "$gzip" "$(npx wrangler --version 2>/dev/null | tail -1)" "$files" > "$OUT/bundle.json"
cat "$OUT/bundle.json"
