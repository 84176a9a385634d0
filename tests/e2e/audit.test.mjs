// The audit log: who changed keys, gateway credentials, webhook settings, origins,
// customization and settings, invited or joined, and when; the operator's actions too.
// GET /v1/admin/accounts/{id}/audit (operator) and GET /v1/dashboard/audit (owners).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { admin, http } from "./lib.mjs";

const PASSWORD = "audit tests password";

async function accept(code, name) {
  const r = await http("POST", "/v1/dashboard/invites/accept", { body: { code, name, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  const cookie = r.headers.getSetCookie()[0].split(";")[0];
  return { cookie, csrf: r.json.csrf_token, user: r.json.user };
}

const dash = (method, path, s, body) =>
  http(method, `/v1/dashboard${path}`, { body, headers: { cookie: s.cookie, ...(method === "GET" ? {} : { "x-csrf-token": s.csrf }) } });

test("every change is in the log, newest first, with who and when, and no secret", async () => {
  const t0 = Math.floor(Date.now() / 1000) - 1;
  const suffix = randomBytes(4).toString("hex");
  const account = (await admin("POST", "/v1/admin/accounts", { name: `Audit ${suffix}` })).json.id;
  const project = (await admin("POST", `/v1/admin/accounts/${account}/projects`, { slug: "audit", name: "Audit" })).json.id;
  const ownerEmail = `owner-${suffix}@shop.test`;
  const inv = await admin("POST", `/v1/admin/accounts/${account}/invites`, { email: ownerEmail });
  const owner = await accept(inv.json.code, "Olive");

  // Operator actions.
  const opKey = (await admin("POST", `/v1/admin/accounts/${account}/keys`, { environment: "test", name: "Ops" })).json;
  assert.equal((await admin("PUT", `/v1/admin/projects/${project}/gateways/test/stripe`, {
    base_url: `${process.env.MAVEN_SIM_URL}/stripe`, credentials: { secret_key: "sk_test_audit_secret" },
  })).status, 200);
  assert.equal((await admin("POST", `/v1/admin/projects/${project}/webhook-secret`)).status, 201);
  // The owner's actions, from the dashboard.
  const k = (await dash("POST", "/keys", owner, { environment: "live", name: "Server" })).json;
  assert.equal((await dash("POST", `/keys/${k.key_id}/roll`, owner, { expires_in_secs: 60 })).status, 201);
  assert.equal((await dash("DELETE", `/keys/${opKey.key_id}`, owner)).status, 200);
  assert.equal((await dash("PATCH", `/projects/${project}`, owner, {
    allowed_origins: ["https://shop.example"], theme: { primary_color: "#112233" }, labels: { title: "Pay" }, currency: "eur",
  })).status, 200);
  const m = await dash("POST", "/invites", owner, { email: `member-${suffix}@shop.test`, role: "member" });
  const member = await accept(m.json.code, "Max");
  assert.equal((await dash("PATCH", `/projects/${project}`, member, { webhook_url: "https://hooks.example/maven" })).status, 200);

  const r = await dash("GET", "/audit", owner);
  assert.equal(r.status, 200, r.text);
  const rows = r.json.entries.map((e) => [e.action, e.actor.kind === "operator" ? "operator" : e.actor.email]);
  assert.deepEqual(rows.reverse(), [
    ["member.invited", "operator"],
    ["member.joined", ownerEmail],
    ["api_key.created", "operator"],
    ["gateway.credentials_set", "operator"],
    ["webhook.secret_rolled", "operator"],
    ["api_key.created", ownerEmail],
    ["api_key.rolled", ownerEmail],
    ["api_key.revoked", ownerEmail],
    ["origins.updated", ownerEmail],
    ["customization.updated", ownerEmail],
    ["settings.updated", ownerEmail],
    ["member.invited", ownerEmail],
    ["member.joined", `member-${suffix}@shop.test`],
    ["webhook.url_updated", `member-${suffix}@shop.test`],
  ]);
  const byAction = Object.fromEntries(r.json.entries.map((e) => [e.action, e]));
  const now = Math.floor(Date.now() / 1000) + 1;
  for (const e of r.json.entries) assert.ok(e.at >= t0 && e.at <= now, `${e.action} at ${e.at}`);
  assert.equal(byAction["api_key.revoked"].target, opKey.key_id);
  assert.deepEqual(byAction["gateway.credentials_set"].details, { environment: "test", gateway: "stripe", base_url: `${process.env.MAVEN_SIM_URL}/stripe` });
  assert.deepEqual(byAction["origins.updated"].details, { allowed_origins: ["https://shop.example"] });
  assert.deepEqual(byAction["customization.updated"].details, { changed: ["theme.primary_color", "labels.title"] });
  assert.deepEqual(byAction["settings.updated"].details, { currency: "eur" });
  assert.equal(byAction["webhook.url_updated"].target, project);
  assert.ok(!r.text.includes("sk_test_audit_secret") && !r.text.includes(k.key), "no secret in the log");

  const op = await admin("GET", `/v1/admin/accounts/${account}/audit?limit=3`);
  assert.equal(op.status, 200);
  assert.deepEqual(op.json.entries.map((e) => e.action), ["webhook.url_updated", "member.joined", "member.invited"]);
  assert.equal((await dash("GET", "/audit", member)).status, 403, "owners only");
  assert.equal((await http("GET", "/v1/dashboard/audit")).status, 401);
});
