// API keys through the operator API: create (plaintext once), list (name, prefix, last 4,
// created, last used), revoke (401 on every key-authenticated route within 5 s), roll (the old
// key works until the chosen expiry). Each test makes its own account: others share the demo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { admin, http, sleep, UUID_V4 } from "./lib.mjs";

/** Every route a merchant key opens, with a request that key may make. */
const ROUTES = (slug) => [
  ["GET", "/v1/auth/check", undefined],
  ["GET", "/v1/projects", undefined],
  ["POST", "/v1/widget-sessions", { project: slug, amount_cents: 500, gateway: "stripe" }],
];

async function account() {
  const suffix = randomBytes(4).toString("hex");
  const a = await admin("POST", "/v1/admin/accounts", { name: `Keys ${suffix}` });
  assert.equal(a.status, 201, a.text);
  const slug = `keys-${suffix}`;
  const p = await admin("POST", `/v1/admin/accounts/${a.json.id}/projects`, { slug, name: "Keys" });
  assert.equal(p.status, 201, p.text);
  const gw = await admin("PUT", `/v1/admin/projects/${p.json.id}/gateways/test/stripe`, {
    base_url: `${process.env.MAVEN_SIM_URL}/stripe`,
    credentials: { secret_key: "sk_test_maven_sim" },
  });
  assert.equal(gw.status, 200, gw.text);
  return { id: a.json.id, slug };
}

async function newKey(acct, body = { environment: "test" }) {
  const r = await admin("POST", `/v1/admin/accounts/${acct.id}/keys`, body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** Status of each of the key's routes, in ROUTES order. */
async function statuses(key, slug) {
  const out = [];
  for (const [method, path, body] of ROUTES(slug)) out.push((await http(method, path, { key, body })).status);
  return out;
}

/** Polls until every route answers 401 for `key`; returns the ms it took. */
async function until401(key, slug, ms = 8_000) {
  const t0 = Date.now();
  for (;;) {
    const s = await statuses(key, slug);
    if (s.every((x) => x === 401)) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`still ${s} after ${ms} ms`);
    await sleep(100);
  }
}

test("create shows the key once; the list shows name, prefix, last 4, created and last used", async () => {
  const acct = await account();
  const k = await newKey(acct, { environment: "live", name: "Checkout server" });
  assert.match(k.key, /^mvn_live_[A-Za-z0-9]{24}$/);
  assert.match(k.key_id, UUID_V4);
  assert.equal(k.name, "Checkout server");
  assert.equal(k.prefix, "mvn_live_");
  assert.equal(k.last4, k.key.slice(-4));
  assert.equal(k.status, "active");
  assert.ok(Math.abs(k.created_at - Date.now() / 1000) < 60, "created now");
  assert.equal(k.last_used_at, null);
  const t = await newKey(acct);
  assert.equal(t.name, "test key", "a default name");
  assert.equal((await http("GET", "/v1/auth/check", { key: k.key })).json.environment, "live");

  const list = await admin("GET", `/v1/admin/accounts/${acct.id}/keys`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.keys.map((x) => x.key_id), [t.key_id, k.key_id], "newest first");
  const listed = list.json.keys[1];
  assert.equal(listed.name, "Checkout server");
  assert.equal(listed.last4, k.key.slice(-4));
  assert.equal(listed.environment, "live");
  assert.ok(listed.last_used_at >= k.created_at, "used just now");
  assert.equal(list.json.keys[0].last_used_at, null, "the other key was never used");
  assert.ok(!list.text.includes(k.key) && !list.text.includes(k.key.slice(9, 20)), "no plaintext in the list");

  const bad = await admin("POST", `/v1/admin/accounts/${acct.id}/keys`, { environment: "prod", name: "x".repeat(101) });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.detail.map((d) => d.loc.join(".")).sort(), ["body.environment", "body.name"]);
});

test("a revoked key is 401 on every key-authenticated route within 5 s", async () => {
  const acct = await account();
  const k = await newKey(acct);
  const other = await newKey(acct);
  assert.deepEqual(await statuses(k.key, acct.slug), [200, 200, 201], "works before");
  const r = await admin("DELETE", `/v1/admin/accounts/${acct.id}/keys/${k.key_id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, "revoked");
  assert.ok(r.json.revoked_at >= k.created_at);
  const took = await until401(k.key, acct.slug);
  assert.ok(took <= 5_000, `401 after ${took} ms`);
  const refused = await http("GET", "/v1/auth/check", { key: k.key });
  assert.equal(refused.json.detail, "This API key was revoked.");
  // Still refused well past the memo's lifetime (the registry, not a cache, decided).
  await sleep(3_500);
  assert.deepEqual(await statuses(k.key, acct.slug), [401, 401, 401]);
  assert.deepEqual(await statuses(other.key, acct.slug), [200, 200, 201], "the account's other key still works");
  // Revoking again changes nothing; a revoked key cannot be rolled.
  const again = await admin("DELETE", `/v1/admin/accounts/${acct.id}/keys/${k.key_id}`);
  assert.equal(again.json.revoked_at, r.json.revoked_at);
  const roll = await admin("POST", `/v1/admin/accounts/${acct.id}/keys/${k.key_id}/roll`, { expires_in_secs: 60 });
  assert.equal(roll.status, 409);
  assert.equal(roll.json.error_code, "key_not_active");
});

test("roll: a new key at once, the old one until its expiry", async () => {
  const acct = await account();
  const k = await newKey(acct, { environment: "test", name: "Worker" });
  assert.equal((await http("GET", "/v1/auth/check", { key: k.key })).status, 200);
  const r = await admin("POST", `/v1/admin/accounts/${acct.id}/keys/${k.key_id}/roll`, { expires_in_secs: 4 });
  assert.equal(r.status, 201, r.text);
  const t0 = Date.now();
  assert.match(r.json.key.key, /^mvn_test_/);
  assert.equal(r.json.key.name, "Worker");
  assert.equal(r.json.rolled.key_id, k.key_id);
  assert.equal(r.json.rolled.status, "expiring");
  assert.equal(r.json.rolled.rolled_to, r.json.key.key_id);
  assert.equal(r.json.rolled.expires_at - Math.floor(Date.now() / 1000) <= 4, true);
  assert.deepEqual(await statuses(k.key, acct.slug), [200, 200, 201], "the old key still works");
  assert.deepEqual(await statuses(r.json.key.key, acct.slug), [200, 200, 201], "the new key works");
  await until401(k.key, acct.slug);
  const took = Date.now() - t0;
  assert.ok(took >= 2_000 && took <= 6_000, `the old key stopped ${took} ms after the roll (expiry 4 s)`);
  assert.match((await http("GET", "/v1/auth/check", { key: k.key })).json.detail, /expired/);
  assert.deepEqual(await statuses(r.json.key.key, acct.slug), [200, 200, 201], "the new key goes on");
  const list = await admin("GET", `/v1/admin/accounts/${acct.id}/keys`);
  assert.deepEqual(list.json.keys.map((x) => x.status), ["active", "expired"]);

  // 0 = the old key stops now; 7 days at most.
  const now = await admin("POST", `/v1/admin/accounts/${acct.id}/keys/${r.json.key.key_id}/roll`, { expires_in_secs: 0 });
  assert.equal(now.status, 201, now.text);
  assert.ok((await until401(r.json.key.key, acct.slug)) <= 5_000);
  const long = await admin("POST", `/v1/admin/accounts/${acct.id}/keys/${now.json.key.key_id}/roll`, { expires_in_secs: 7 * 86400 + 1 });
  assert.equal(long.status, 422);
  assert.deepEqual(long.json.detail.map((d) => d.loc.join(".")), ["body.expires_in_secs"]);
});

test("keys routes: operator only, per account, unknown ids 404, wrong methods 405", async () => {
  const a = await account();
  const b = await account();
  const k = await newKey(a);
  // Account b's path cannot reach a's key.
  const cross = await admin("DELETE", `/v1/admin/accounts/${b.id}/keys/${k.key_id}`);
  assert.equal(cross.status, 404);
  assert.equal(cross.json.detail, "API key not found");
  assert.equal((await http("GET", "/v1/auth/check", { key: k.key })).status, 200, "untouched");
  const missing = "7f1c9a52-0000-4000-8000-000000000000";
  assert.equal((await admin("GET", `/v1/admin/accounts/${missing}/keys`)).json.detail, "Account not found");
  assert.equal((await admin("POST", `/v1/admin/accounts/${a.id}/keys/${missing}/roll`, { expires_in_secs: 1 })).status, 404);
  for (const [method, path] of [
    ["GET", `/v1/admin/accounts/${a.id}/keys`],
    ["DELETE", `/v1/admin/accounts/${a.id}/keys/${k.key_id}`],
    ["POST", `/v1/admin/accounts/${a.id}/keys/${k.key_id}/roll`],
  ]) {
    assert.equal((await http(method, path, { body: method === "POST" ? { expires_in_secs: 0 } : undefined })).status, 401, path);
    assert.equal((await http(method, path, { key: k.key })).status, 401, `${path} with a merchant key`);
  }
  assert.equal((await admin("PUT", `/v1/admin/accounts/${a.id}/keys/${k.key_id}`)).status, 405);
  assert.equal((await admin("GET", `/v1/admin/accounts/${a.id}/keys/${k.key_id}/roll`)).status, 405);
  assert.equal((await http("GET", "/v1/auth/check", { key: k.key })).status, 200, "still works");
});
