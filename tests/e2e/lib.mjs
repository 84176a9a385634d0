// Helpers for end-to-end tests against the local edge started by scripts/with-edge.sh.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const BASE = must("MAVEN_BASE_URL");
export const TEST_KEY = must("MAVEN_TEST_KEY");
export const LIVE_KEY = must("MAVEN_LIVE_KEY");
export const ADMIN = must("MAVEN_ADMIN_TOKEN");
export const PROJECT_ID = must("MAVEN_PROJECT_ID");
export const SIM = process.env.MAVEN_SIM_URL;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through scripts/with-edge.sh`);
  return v;
}

/** fetch with a timeout; returns {status, headers, text, json}. */
export async function http(method, url, { key, headers = {}, body, raw } = {}) {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  let payload = raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  const res = await fetch(url.startsWith("http") ? url : BASE + url, {
    method,
    headers: h,
    body: payload,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const admin = (method, p, body) => http(method, p, { key: ADMIN, body });

export const createSession = (body, opts = {}) =>
  http("POST", "/v1/widget-sessions", { key: TEST_KEY, body, ...opts });

/** Every KV key of the local edge as {name, expiration?} (wrangler's local persistence). */
export function kvList() {
  const out = execFileSync(
    "npx",
    ["wrangler", "kv", "key", "list", "--binding", "MAVEN_KV", "--local", "--persist-to", process.env.MAVEN_STATE_DIR],
    { cwd: root, encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"] },
  );
  return JSON.parse(out);
}

export const kvKeys = () => kvList().map((k) => k.name);

/** `[loc.join("."), type]` pairs of a 422 body, for compact assertions. */
export const problems = (json) => json.detail.map((d) => [d.loc.join("."), d.type]);

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
