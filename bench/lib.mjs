// Shared by the bench scripts: percentiles, bounded waits, a tiny static HTTP server, and the
// bench/out/ directory where each phase leaves its JSON for report.mjs.
import { createServer } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, "..");
export const OUT = process.env.BENCH_OUT || join(HERE, "out");
mkdirSync(OUT, { recursive: true });

export function save(name, data) {
  writeFileSync(join(OUT, `${name}.json`), JSON.stringify(data, null, 2) + "\n");
}

/** Nearest-rank percentile (p in 0..100) of an array of numbers. */
export function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Rejects after `ms` with a message naming what took too long. */
export function timeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

/**
 * A loopback HTTP server answering from `routes` (path → {type, body, headers}); anything else
 * 404. Resolves to { url, close }.
 */
export function serve(routes) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const r = routes[path];
    if (!r) { res.writeHead(404, { "content-type": "text/plain" }); res.end("not found"); return; }
    res.writeHead(200, { "content-type": r.type, "content-length": Buffer.byteLength(r.body), ...(r.headers || {}) });
    res.end(r.body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
    }));
  });
}

/** POST /v1/widget-sessions on `base` with `key`; returns the session id. */
export async function createSession(base, key, body = { project: "demo", amount_cents: 1234, gateway: "stripe" }) {
  const res = await fetch(`${base}/v1/widget-sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${text}`);
  return JSON.parse(text).session_id;
}
