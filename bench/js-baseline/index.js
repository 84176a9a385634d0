// JavaScript baseline for `make bench` (bench/load.sh): session create with the same storage
// work per request as the Rust edge's POST /v1/widget-sessions:
//   SHA-256 of the bearer key → KV get `apikey:<hash>` → JSON parse of the body →
//   KV get `slug:<account>:<slug>` + KV get `project:<id>` (the edge resolves the project too) →
//   KV put `session:<id>` with an expiration → 201 JSON.
// POST /min/v1/widget-sessions does the minimal variant without the project lookup
// (one KV get + one KV put). POST /_bench/seed (bench only, token from the SEED_TOKEN var) writes
// the key and project records.

const TTL = 15 * 60; // session lifetime (s); KV keeps the record a day longer, like the edge
const enc = new TextEncoder();

async function sha256hex(text) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(text)));
  let s = "";
  for (const b of d) s += b.toString(16).padStart(2, "0");
  return s;
}

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const fail = (status, detail) => json(status, { detail });

async function create(request, env, withProject) {
  const auth = request.headers.get("authorization") || "";
  const m = /^Bearer (mvn_(test|live)_[A-Za-z0-9]{16,128})$/.exec(auth);
  if (!m) return fail(401, "Invalid API key.");
  const key = await env.MAVEN_KV.get(`apikey:${await sha256hex(m[1])}`, "json");
  if (!key || key.environment !== m[2]) return fail(401, "Unknown API key.");
  let body;
  try { body = await request.json(); } catch { return fail(422, [{ loc: ["body"], msg: "Invalid JSON", type: "json_invalid" }]); }
  if (typeof body?.project !== "string" || !Number.isInteger(body.amount_cents) || body.amount_cents < 1 ||
      !["stripe", "authorizenet", "braintree", "shift4"].includes(body.gateway)) {
    return fail(422, [{ loc: ["body"], msg: "Invalid body", type: "value_error" }]);
  }
  let project = { id: body.project, slug: body.project, currency: "usd", capture: true };
  if (withProject) {
    const id = await env.MAVEN_KV.get(`slug:${key.account_id}:${body.project}`, "json");
    project = id && (await env.MAVEN_KV.get(`project:${id}`, "json"));
    if (!project || project.account_id !== key.account_id) return fail(404, "Project not found.");
    if (!project.gateways?.[key.environment]?.[body.gateway]) return fail(400, "Gateway not configured.");
  }
  const now = Math.floor(Date.now() / 1000);
  const id = crypto.randomUUID();
  const session = {
    id, account_id: key.account_id, project_id: project.id, project_slug: project.slug,
    environment: key.environment, amount_cents: body.amount_cents,
    currency: body.currency || project.currency, gateway: body.gateway, mode: body.mode || "charge",
    capture: body.capture ?? project.capture, description: body.description ?? null,
    metadata: body.metadata || {}, overrides: {}, created_at: now, expires_at: now + TTL,
    status: "pending", result: null,
  };
  await env.MAVEN_KV.put(`session:${id}`, JSON.stringify(session), { expiration: now + TTL + 86400 });
  const origin = new URL(request.url).origin;
  return json(201, {
    session_id: id, widget_url: `${origin}/widget/${id}`,
    expires_at: new Date(session.expires_at * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
    project: project.slug, amount_cents: session.amount_cents, currency: session.currency,
    gateway: session.gateway, mode: session.mode, capture: session.capture,
    description: session.description, metadata: session.metadata, status: session.status,
  });
}

async function seed(request, env) {
  if (!env.SEED_TOKEN || request.headers.get("authorization") !== `Bearer ${env.SEED_TOKEN}`) {
    return fail(401, "Invalid seed token.");
  }
  const { key, account_id, project_id } = await request.json();
  const environment = key.startsWith("mvn_live_") ? "live" : "test";
  const now = Math.floor(Date.now() / 1000);
  const gw = { credentials_sealed: "x".repeat(120), base_url: "http://127.0.0.1:1/stripe" };
  await env.MAVEN_KV.put(`apikey:${await sha256hex(key)}`, JSON.stringify({
    key_id: crypto.randomUUID(), account_id, environment, hint: key.slice(0, 13), created_at: now,
  }));
  await env.MAVEN_KV.put(`slug:${account_id}:demo`, JSON.stringify(project_id));
  await env.MAVEN_KV.put(`project:${project_id}`, JSON.stringify({
    id: project_id, account_id, slug: "demo", name: "Demo Store", currency: "usd", capture: true,
    customization: {}, gateways: { test: { stripe: gw, authorizenet: gw, braintree: gw, shift4: gw }, live: {} },
    allowed_origins: [], webhook_url: null, webhook_secret_sealed: null, created_at: now,
  }));
  return json(200, { ok: true });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/v1/widget-sessions") return create(request, env, true);
    if (request.method === "POST" && pathname === "/min/v1/widget-sessions") return create(request, env, false);
    if (request.method === "POST" && pathname === "/_bench/seed") return seed(request, env);
    if (pathname === "/health") return json(200, { status: "ok" });
    return fail(404, "Not Found");
  },
};
