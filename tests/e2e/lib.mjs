// Helpers for end-to-end tests against the local edge started by scripts/with-edge.sh.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import path from "node:path";
import assert from "node:assert/strict";

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

/** fetch with a timeout (15 s unless `timeout` ms); returns {status, headers, text, json}. */
export async function http(method, url, { key, headers = {}, body, raw, timeout = 15_000 } = {}) {
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
    signal: AbortSignal.timeout(timeout),
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

/**
 * Every KV key of the local edge as {name, expiration?} (wrangler's local persistence). The CLI
 * fails now and then while the edge is busy writing the same store: up to 3 tries.
 */
export function kvList() {
  const args = ["wrangler", "kv", "key", "list", "--binding", "MAVEN_KV", "--local", "--persist-to", process.env.MAVEN_STATE_DIR];
  for (let attempt = 1; ; attempt++) {
    try {
      const out = execFileSync("npx", args, {
        cwd: root, encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"],
      });
      return JSON.parse(out);
    } catch (e) {
      if (attempt >= 3) throw new Error(`wrangler kv key list failed ${attempt} times: ${e.stderr || e.message}`);
      execFileSync("sleep", ["1"]);
    }
  }
}

export const kvKeys = () => kvList().map((k) => k.name);

/** `[loc.join("."), type]` pairs of a 422 body, for compact assertions. */
export const problems = (json) => json.detail.map((d) => [d.loc.join("."), d.type]);

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- charging (SPEC §3 charge endpoint) and the gateway simulator's control API ----

export const GATEWAYS = ["stripe", "authorizenet", "braintree", "shift4"];

/**
 * The form token of a session, as the real form gets it: from the `maven-form-token` meta tag of
 * the form page `GET /widget/{id}` (null when the page has none). Cached per session.
 */
const formTokens = new Map();
export async function formToken(sessionId, base = BASE) {
  const key = `${base} ${sessionId}`;
  if (!formTokens.has(key)) {
    const res = await fetch(`${base}/widget/${sessionId}`, { signal: AbortSignal.timeout(15_000) });
    formTokens.set(key, tokenOfPage(await res.text()));
  }
  return formTokens.get(key);
}

/** The token in a form page's `<meta name="maven-form-token" content="…">`, or null. */
export const tokenOfPage = (html) =>
  html.match(/<meta name="maven-form-token" content="([^"]*)">/)?.[1] ?? null;

/** The header the form sends its token in. */
export const formHeaders = async (sessionId, base = BASE) => {
  const t = await formToken(sessionId, base);
  return t ? { "maven-form-token": t } : {};
};

/**
 * POST /v1/widget-sessions/{id}/charge with `{card}` (no API key: the form calls it), with the
 * session's form token like the form; `{formToken: false}` sends none, `{formToken: "…"}` that.
 */
export const charge = async (sessionId, card, { formToken: t, headers = {}, ...opts } = {}) => {
  const token = t === undefined ? await formToken(sessionId) : t;
  const h = token ? { "maven-form-token": token, ...headers } : headers;
  return http("POST", `/v1/widget-sessions/${sessionId}/charge`, { body: { card }, headers: h, ...opts });
};

function simUrl(p) {
  if (!SIM) throw new Error("MAVEN_SIM_URL is not set: run through scripts/with-edge.sh");
  return SIM + p;
}

/** The simulator's call log (tests/gateway-sim/WIRE.md, control API). */
export async function simCalls() {
  const r = await http("GET", simUrl("/_sim/calls"));
  if (r.status !== 200) throw new Error(`GET /_sim/calls → ${r.status} ${r.text}`);
  return r.json;
}

/** Highest call `seq` so far (0 when the log is empty): the start of a window of calls. */
export const simSeq = async () => Math.max(0, ...(await simCalls()).map((c) => c.seq));

/** `{gateway, mode, delay_ms?, count?, operation?}` → POST /_sim/faults. */
export async function simFault(fault) {
  const r = await http("POST", simUrl("/_sim/faults"), { body: fault });
  if (r.status !== 200) throw new Error(`POST /_sim/faults → ${r.status} ${r.text}`);
  return r.json;
}

/** Direct call to a simulated gateway (e.g. to reuse a saved token). */
export const simGateway = (method, p, opts) => http(method, simUrl(p), opts);

/** Whether a logged call belongs to session `id` (idempotency key or merchant reference). */
export function callOfSession(call, id) {
  const anet = `${id.replace(/-/g, "").slice(0, 16)}-`;
  return (
    (call.idempotency_key ?? "").startsWith(`mvn-${id}-`) ||
    call.reference === id ||
    (call.reference ?? "").startsWith(`${id}-`) ||
    (call.gateway === "authorizenet" && (call.reference ?? "").startsWith(anet))
  );
}

/** Operations that move money or vault a card (WIRE.md: a "charge recorded"). */
export const MONEY_OPS = {
  stripe: ["payment_intents", "customers"],
  authorizenet: ["createTransactionRequest", "createCustomerProfileRequest"],
  braintree: ["chargeCreditCard", "authorizeCreditCard", "vaultPaymentMethod"],
  shift4: ["charges", "customers"],
};

/** Approved, non-replayed money-moving calls in `calls`. */
export const chargesRecorded = (calls) =>
  calls.filter((c) => MONEY_OPS[c.gateway]?.includes(c.operation) && !c.replayed && c.outcome === "approved");

// ---- a private simulator, project and webhook receiver (for suites that inject faults) ----
//
// Suites run side by side under `make e2e`, and charge.test.mjs reads the shared simulator's
// call log in per-gateway windows and sets faults per gateway: a suite that injects faults of
// its own, or reads the ledger, uses a simulator of its own instead.

/** Polls `fn` every 100 ms until it returns a truthy value; fails after `ms`. */
export async function waitFor(what, fn, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A gateway simulator of its own on a free loopback port (built by scripts/with-edge.sh):
 * `{url, close, calls(), ledger(), fault(spec)}` (WIRE.md, control API).
 */
export async function startPrivateSim() {
  const bin = path.join(root, "target/release/maven-gateway-sim");
  const child = spawn(bin, ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const close = () => {
    if (child.exitCode === null) child.kill("SIGTERM");
  };
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the simulator did not start within 15 s")), 15_000);
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the simulator exited (${code})`)));
      child.stdout.once("data", (line) => {
        clearTimeout(timer);
        child.stdout.resume(); // drain: a full pipe would stall it
        const m = /listening on (http:\/\/\S+)/.exec(String(line));
        m ? resolve(m[1]) : reject(new Error(`unexpected simulator output: ${line}`));
      });
    });
  } catch (e) {
    close();
    throw e;
  }
  const get = async (p) => {
    const r = await http("GET", url + p);
    if (r.status !== 200) throw new Error(`GET ${p} → ${r.status} ${r.text}`);
    return r.json;
  };
  return {
    url,
    close,
    calls: () => get("/_sim/calls"),
    ledger: () => get("/_sim/ledger"),
    async fault(spec) {
      const r = await http("POST", `${url}/_sim/faults`, { body: spec });
      if (r.status !== 200) throw new Error(`POST /_sim/faults → ${r.status} ${r.text}`);
      return r.json;
    },
  };
}

/** A loopback webhook receiver: records every POST (answered 200). */
export async function startReceiver() {
  const hits = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      hits.push({ method: req.method, url: req.url, headers: req.headers, body, json, at: Date.now() });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/maven`,
    hits,
    of: (sessionId) => hits.filter((h) => h.json?.session_id === sessionId),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The `mvn_session=…` pair of a dashboard answer's Set-Cookie (asserted present). */
export function cookieOf(r) {
  const set = r.headers.getSetCookie().find((c) => c.startsWith("mvn_session="));
  assert.ok(set, "a session cookie is set");
  return set.split(";")[0];
}

/** Accepts a dashboard invite: the new user's session (cookie, CSRF token, user). */
export async function acceptInvite(code, name, password) {
  const r = await http("POST", "/v1/dashboard/invites/accept", { body: { code, name, password } });
  assert.equal(r.status, 201, r.text);
  return { cookie: cookieOf(r), csrf: r.json.csrf_token, user: r.json.user };
}

/** A dashboard call as a signed-in browser would make it. */
export const dash = (method, path, s, { body, csrf = s?.csrf, headers = {} } = {}) =>
  http(method, `/v1/dashboard${path}`, {
    body,
    headers: { ...(s ? { cookie: s.cookie } : {}), ...(csrf && method !== "GET" ? { "x-csrf-token": csrf } : {}), ...headers },
  });
