// The session API against the real local edge (KV through workerd): SPEC §2–3, issue 4.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BASE, TEST_KEY, LIVE_KEY, PROJECT_ID, admin, http, createSession, kvKeys, problems, UUID_V4,
} from "./lib.mjs";

const ok = { project: "demo", amount_cents: 1234, gateway: "stripe" };

test("health answers without auth", async () => {
  const r = await http("GET", "/health");
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: "ok" });
});

test("create → 201 with the documented body, then its public view", async () => {
  const before = Date.now();
  const r = await createSession({ ...ok, description: "Order #42", metadata: { order: "42" } });
  assert.equal(r.status, 201, r.text);
  const s = r.json;
  assert.match(s.session_id, UUID_V4);
  assert.equal(s.widget_url, `${BASE}/widget/${s.session_id}`);
  assert.equal(s.status, "pending");
  assert.equal(s.project, "demo");
  assert.equal(s.amount_cents, 1234);
  assert.equal(s.currency, "usd");
  assert.equal(s.gateway, "stripe");
  assert.equal(s.mode, "charge");
  assert.equal(s.description, "Order #42");
  assert.deepEqual(s.metadata, { order: "42" });
  assert.match(s.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const ttl = (Date.parse(s.expires_at) - before) / 1000;
  assert.ok(ttl > 290 && ttl <= 301, `default expiry is 300 s, got ${ttl}`);

  const v = await http("GET", `/v1/widget-sessions/${s.session_id}`);
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.session_id, s.session_id);
  assert.equal(v.json.status, "pending");
  assert.equal(v.json.environment, "test");
  assert.equal(v.json.project_name, "Demo Store");
  assert.equal(v.json.capture, true);
  assert.equal(v.json.theme.primary_color, "#4f46e5");
  assert.equal(v.json.labels.pay_button, "Pay {amount}");
  assert.deepEqual(Object.keys(v.json.fields).sort(), ["cardholder_name", "postal_code"]);
  for (const secret of ["sk_test", "maven_sim", "transaction_key", "private_key", "credentials", TEST_KEY, "account"]) {
    assert.ok(!v.text.includes(secret), `public view leaks ${secret}`);
  }
});

test("unknown ids are 404, well-formed or not", async () => {
  for (const id of ["0b1d7c9e-3f6a-4e1b-9c2d-5a6b7c8d9e0f", "nope", "../../etc"]) {
    const r = await http("GET", `/v1/widget-sessions/${id}`);
    assert.equal(r.status, 404, id);
    assert.equal(typeof r.json.detail, "string");
  }
});

test("auth: missing, malformed and unknown keys are 401", async () => {
  for (const key of [undefined, "nope", "mvn_test_short", "mvn_test_ABCDEFGHIJKLMNOPQRSTUVWX", "sk_test_ABCDEFGHIJKLMNOPQRSTUVWX"]) {
    const r = await createSession(ok, { key });
    assert.equal(r.status, 401, String(key));
    assert.equal(typeof r.json.detail, "string");
  }
  const check = await http("GET", "/v1/auth/check", { key: TEST_KEY });
  assert.equal(check.status, 200);
  assert.equal(check.json.environment, "test");
  const live = await http("GET", "/v1/auth/check", { key: LIVE_KEY });
  assert.equal(live.json.environment, "live");
  assert.equal(live.json.account, check.json.account);
});

test("projects list shows the gateways of the key's environment only", async () => {
  const t = await http("GET", "/v1/projects", { key: TEST_KEY });
  assert.equal(t.status, 200);
  const demo = t.json.find((p) => p.slug === "demo");
  assert.equal(demo.id, PROJECT_ID);
  assert.equal(demo.name, "Demo Store");
  assert.deepEqual(demo.gateways.sort(), ["authorizenet", "braintree", "shift4", "stripe"]);
  const l = await http("GET", "/v1/projects", { key: LIVE_KEY });
  assert.deepEqual(l.json.find((p) => p.slug === "demo").gateways, []);
});

test("validation: every problem at once, FastAPI-shaped, nothing stored", async () => {
  const keysBefore = kvKeys().filter((k) => k.startsWith("session:")).length;
  const cases = [
    [{ ...ok, amount_cents: -1 }, [["body.amount_cents", "greater_than_equal"]]],
    [{ ...ok, amount_cents: "12" }, [["body.amount_cents", "int_type"]]],
    [{ ...ok, amount_cents: 12.5 }, [["body.amount_cents", "int_type"]]],
    [{ amount_cents: 5, gateway: "stripe" }, [["body.project", "missing"]]],
    [{ ...ok, gateway: "paypal" }, [["body.gateway", "literal_error"]]],
    [{ ...ok, mode: "refund" }, [["body.mode", "string_pattern_mismatch"]]],
    [{ ...ok, amount_cents: 0 }, [["body.amount_cents", "value_error"]]],
    [{ ...ok, project: 7 }, [["body.project", "string_type"]]],
    [{ ...ok, description: "x".repeat(501) }, [["body.description", "string_too_long"]]],
    [{ ...ok, currency: "USD" }, [["body.currency", "string_pattern_mismatch"]]],
    [{ ...ok, expires_in: 30 }, [["body.expires_in", "greater_than_equal"]]],
    [{ ...ok, expires_in: 7200 }, [["body.expires_in", "less_than_equal"]]],
    [{ ...ok, theme: { primary_color: "red" } }, [["body.theme.primary_color", "value_error"]]],
    [{ ...ok, fields: { postal_code: "always" } }, [["body.fields.postal_code", "literal_error"]]],
    [{ ...ok, amount: 5 }, [["body.amount", "extra_forbidden"]]],
    [
      { amount_cents: "12", gateway: "paypal", mode: "refund" },
      [
        ["body.project", "missing"],
        ["body.amount_cents", "int_type"],
        ["body.gateway", "literal_error"],
        ["body.mode", "string_pattern_mismatch"],
      ],
    ],
    [[1, 2], [["body", "dict_type"]]],
  ];
  for (const [body, want] of cases) {
    const r = await createSession(body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.deepEqual(problems(r.json), want, JSON.stringify(body));
    for (const d of r.json.detail) assert.equal(typeof d.msg, "string");
  }
  const bad = await http("POST", "/v1/widget-sessions", {
    key: TEST_KEY, raw: '{"project": "demo",', headers: { "content-type": "application/json" },
  });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.detail[0].type, "json_invalid");
  assert.equal(bad.json.detail[0].loc[0], "body");
  assert.equal(typeof bad.json.detail[0].loc[1], "number");
  const keysAfter = kvKeys().filter((k) => k.startsWith("session:")).length;
  assert.equal(keysAfter, keysBefore, "a rejected request stored a session");
});

test("transport errors: 413, 415, 404, 405", async () => {
  const big = await http("POST", "/v1/widget-sessions", {
    key: TEST_KEY, body: { ...ok, description: "x".repeat(17 * 1024) },
  });
  assert.equal(big.status, 413);
  assert.match(big.json.detail, /16384/);
  const text = await http("POST", "/v1/widget-sessions", {
    key: TEST_KEY, raw: JSON.stringify(ok), headers: { "content-type": "text/plain" },
  });
  assert.equal(text.status, 415);
  assert.equal(typeof text.json.detail, "string");
  const nf = await http("GET", "/v1/nothing-here");
  assert.equal(nf.status, 404);
  assert.equal(nf.json.detail, "Not Found");
  const wm = await http("DELETE", "/v1/widget-sessions", { key: TEST_KEY });
  assert.equal(wm.status, 405);
  assert.equal(wm.headers.get("allow"), "GET, POST");
  assert.equal(wm.json.detail, "Method Not Allowed");
});

test("project and gateway resolution", async () => {
  const unknown = await createSession({ ...ok, project: "no-such-project" });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.detail, "Project not found");
  // Another account's project is invisible, by slug and by id.
  const acct = await admin("POST", "/v1/admin/accounts", { name: "Other" });
  const proj = await admin("POST", `/v1/admin/accounts/${acct.json.id}/projects`, { slug: "other", name: "Other" });
  assert.equal(proj.status, 201, proj.text);
  for (const project of ["other", proj.json.id]) {
    const r = await createSession({ ...ok, project });
    assert.equal(r.status, 404, project);
  }
  // By UUID works for our own project.
  const byId = await createSession({ ...ok, project: PROJECT_ID });
  assert.equal(byId.status, 201);
  assert.equal(byId.json.project, "demo");
  // A live key never sees the test environment's gateways.
  const live = await createSession(ok, { key: LIVE_KEY });
  assert.equal(live.status, 400);
  assert.equal(live.json.error_code, "gateway_not_configured");
  assert.match(live.json.detail, /live/);
});

test("tokenize allows amount 0; auth-only and currency extensions", async () => {
  const t = await createSession({ ...ok, amount_cents: 0, mode: "tokenize" });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.json.mode, "tokenize");
  const a = await createSession({ ...ok, capture: false, currency: "jpy", expires_in: 3600 });
  assert.equal(a.status, 201);
  assert.equal(a.json.capture, false);
  assert.equal(a.json.currency, "jpy");
  const v = await http("GET", `/v1/widget-sessions/${a.json.session_id}`);
  assert.equal(v.json.capture, false);
  assert.equal(v.json.currency, "jpy");
});

test("Idempotency-Key: same body → same session, other body → 409", async () => {
  const key = `order-${Date.now()}-${Math.random()}`;
  const headers = { "idempotency-key": key };
  const a = await createSession(ok, { headers });
  const b = await createSession(ok, { headers });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(b.json.session_id, a.json.session_id);
  assert.equal(b.headers.get("idempotent-replayed"), "true");
  const c = await createSession({ ...ok, amount_cents: 999 }, { headers });
  assert.equal(c.status, 409);
  assert.equal(c.json.error_code, "idempotency_key_reused");
  // Keys are per account and environment: a fresh key makes a new session.
  const d = await createSession(ok, { headers: { "idempotency-key": key + "-2" } });
  assert.notEqual(d.json.session_id, a.json.session_id);
});

test("Idempotency-Key under concurrency: one session, twins get it replayed or 409", async () => {
  const headers = { "idempotency-key": `race-${Date.now()}-${Math.random()}` };
  const replies = await Promise.all(Array.from({ length: 12 }, () => createSession(ok, { headers })));
  const created = replies.filter((r) => r.status === 201);
  const others = replies.filter((r) => r.status !== 201);
  assert.ok(created.length >= 1);
  assert.equal(new Set(created.map((r) => r.json.session_id)).size, 1, "one key, one session");
  for (const r of others) {
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error_code, "idempotency_in_progress");
  }
  // Once settled, every retry replays the one session.
  const after = await createSession(ok, { headers });
  assert.equal(after.json.session_id, created[0].json.session_id);
});

test("customization: project settings, then per-session overrides win", async () => {
  const patch = await admin("PATCH", `/v1/admin/projects/${PROJECT_ID}`, {
    theme: { primary_color: "#0a7d5a", border_radius: 4 },
    labels: { title: "Pay Demo Store" },
    fields: { postal_code: "required" },
  });
  assert.equal(patch.status, 200, patch.text);
  try {
    const s = await createSession({ ...ok, theme: { primary_color: "#aa0000" }, labels: { pay_button: "Send {amount}" } });
    assert.equal(s.status, 201, s.text);
    const v = (await http("GET", `/v1/widget-sessions/${s.json.session_id}`)).json;
    assert.equal(v.theme.primary_color, "#aa0000", "session override wins");
    assert.equal(v.theme.border_radius, 4, "project setting kept");
    assert.equal(v.labels.title, "Pay Demo Store");
    assert.equal(v.labels.pay_button, "Send {amount}");
    assert.equal(v.fields.postal_code, "required");
  } finally {
    await admin("PATCH", `/v1/admin/projects/${PROJECT_ID}`, {
      theme: { primary_color: "#4f46e5", border_radius: 8 },
      labels: { title: "Secure payment" },
      fields: { postal_code: "hidden" },
    });
  }
});

test("admin API needs the operator token and never returns secrets", async () => {
  const no = await http("GET", `/v1/admin/projects/${PROJECT_ID}`, { key: TEST_KEY });
  assert.equal(no.status, 401);
  const p = await admin("GET", `/v1/admin/projects/${PROJECT_ID}`);
  assert.equal(p.status, 200);
  assert.equal(p.json.gateways.test.stripe.configured, true);
  assert.ok(!p.text.includes("sk_test_maven_sim"), "credentials are never returned");
  assert.ok(!p.text.includes("credentials_sealed"));
});

test("session records carry the KV expiration; keys are stored hashed", async () => {
  const keys = kvKeys();
  assert.ok(keys.some((k) => k.startsWith("session:")));
  assert.ok(!keys.some((k) => k.includes(TEST_KEY)), "plaintext API key used as a KV key");
  assert.ok(keys.filter((k) => k.startsWith("apikey:")).every((k) => /^apikey:[0-9a-f]{64}$/.test(k)));
});

test("openapi.json is served and matches the seed's operation", async () => {
  const r = await http("GET", "/openapi.json");
  assert.equal(r.status, 200);
  const doc = r.json;
  assert.equal(doc.openapi, "3.1.0");
  const op = doc.paths["/v1/widget-sessions"].post;
  assert.equal(op.operationId, "create_widget_session_v1_widget_sessions_post");
  assert.deepEqual(op.security, [{ "API Key": [] }]);
  assert.equal(op.requestBody.content["application/json"].schema.$ref, "#/components/schemas/CreateWidgetSession");
  for (const s of ["CreateWidgetSession", "HTTPValidationError", "ValidationError"]) assert.ok(doc.components.schemas[s], s);
  assert.deepEqual(doc.components.schemas.CreateWidgetSession.required, ["project", "amount_cents", "gateway"]);
  assert.equal(doc.components.securitySchemes["API Key"].scheme, "bearer");
});
